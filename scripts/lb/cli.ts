/**
 * What every `lb` command shares: the global `--json` switch, one-line errors with an exit code, and
 * output that is a table (or progress bar) for people and JSON for scripts.
 */
import { type Command, CommanderError } from 'commander';

/** A failure the technician can act on: printed as one line (no stack), exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** Global options, read from any command's action. */
export function globals(cmd: Command): { json: boolean } {
  return { json: Boolean(cmd.optsWithGlobals().json) };
}

/** Prints rows as an aligned text table (people) — or, with --json, the value as JSON (scripts). */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  // One write: 10 000 rows as 10 000 console.log calls cost more than fetching them.
  console.log([line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n'));
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Parses argv and runs the chosen command; any error becomes one line on stderr and an exit code. */
export async function run(program: Command, argv: string[]): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with code 0; usage errors were already printed by commander.
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`lb: ${message}`);
    process.exitCode = err instanceof CliError ? err.code : 1;
  }
}
