/**
 * `lb config show|set <kiosk>`: the kiosk's remote config — panels and misuse rules the gateway sends it as
 * its retained `config` (PUT /api/v1/kiosks/:id/config) — and whether the kiosk accepted it. The kiosk says
 * so in its status: `config.rev` is the revision it runs, `config.error` why it refused the last one.
 */
import type { Command } from 'commander';
import { Api, gatewayOptions } from './api.js';
import { CliError, globals, printJson } from './cli.js';
import { readJsonFile } from './config-file.js';

interface KioskView {
  id: string;
  config: { rev: number; panels: { id: string; kind: string }[]; misuse?: unknown } | null;
  status: { receivedAt: string; payload: { state: string; config?: { rev: number | null; error?: string } } } | null;
}

export type ConfigState = 'none' | 'accepted' | 'refused' | 'pending';

/** What the kiosk made of revision `rev`, from its last status. */
export function stateOf(k: KioskView, rev: number | undefined): { state: ConfigState; running: number | null; error?: string } {
  const reported = k.status?.payload.config;
  const running = reported?.rev ?? null;
  if (rev === undefined) return { state: 'none', running };
  if (running !== null && running >= rev) return { state: 'accepted', running };
  if (reported?.error) return { state: 'refused', running, error: reported.error };
  return { state: 'pending', running };
}

export function register(program: Command): void {
  const config = program.command('config').description("a kiosk's remote config (panels, misuse rules) and whether the kiosk accepted it");

  gatewayOptions(
    config.command('show').description('the config the gateway holds for a kiosk and what the kiosk made of it').argument('<kiosk>'),
  ).action(async (id: string, _opts, cmd: Command) => {
    const k: KioskView = await new Api(cmd.opts()).request('GET', `/kiosks/${encodeURIComponent(id)}`);
    const s = stateOf(k, k.config?.rev);
    if (globals(cmd).json) {
      printJson({ id, config: k.config, kiosk: s });
      return;
    }
    if (!k.config) console.log(`${id}: no remote config (it runs the panels of its own file, rev ${s.running ?? '-'})`);
    else {
      console.log(`${id}: config rev ${k.config.rev}: ${describe(s)}`);
      console.log(JSON.stringify({ panels: k.config.panels, ...(k.config.misuse ? { misuse: k.config.misuse } : {}) }, null, 2));
    }
  });

  gatewayOptions(
    config
      .command('set')
      .description("replace a kiosk's panels (and misuse rules); with --wait, wait for the kiosk to accept or refuse them")
      .argument('<kiosk>'),
  )
    .requiredOption('--panels-file <file>', 'JSON: an array of panels, or { "panels": [...], "misuse": {...} }')
    .option('--wait [seconds]', 'wait for the kiosk to report the new revision (default 30 s); exit 1 if refused')
    .action(async (id: string, opts: { panelsFile: string; wait?: string | boolean }, cmd: Command) => {
      const waitS = opts.wait === undefined ? undefined : opts.wait === true ? 30 : Number(opts.wait);
      if (waitS !== undefined && !(waitS > 0)) throw new CliError(`--wait: "${opts.wait}" is not a number of seconds`, 2);
      const value = readJsonFile(opts.panelsFile, '--panels-file');
      const body = Array.isArray(value) ? { panels: value } : value;
      const api = new Api(cmd.opts());
      const { rev }: { rev: number } = await api.request('PUT', `/kiosks/${encodeURIComponent(id)}/config`, body);
      const json = globals(cmd).json;
      if (waitS === undefined) {
        if (json) printJson({ id, rev, kiosk: { state: 'pending' } });
        else console.log(`${id}: config rev ${rev} stored and sent; lb config show ${id} tells whether the kiosk took it`);
        return;
      }
      if (!json) console.log(`${id}: config rev ${rev} stored and sent; waiting up to ${waitS} s for the kiosk…`);
      const deadline = Date.now() + waitS * 1000;
      // A refusal reported before this PUT is not about this revision: wait for a status newer than it.
      const since = Date.now();
      let s: ReturnType<typeof stateOf>;
      for (;;) {
        const k: KioskView = await api.request('GET', `/kiosks/${encodeURIComponent(id)}`);
        s = stateOf(k, rev);
        const fresh = k.status !== null && Date.parse(k.status.receivedAt) >= since - 1000;
        if (s.state === 'accepted' || (s.state === 'refused' && fresh)) break;
        if (Date.now() > deadline) {
          s = { ...s, state: 'pending' };
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      if (json) printJson({ id, rev, kiosk: s });
      else console.log(`${id}: config rev ${rev}: ${describe(s)}`);
      if (s.state === 'refused') throw new CliError(`the kiosk refused config rev ${rev}: ${s.error}`, 1);
      if (s.state === 'pending') throw new CliError(`the kiosk did not report config rev ${rev} within ${waitS} s (is it online?)`, 1);
    });
}

function describe(s: ReturnType<typeof stateOf>): string {
  switch (s.state) {
    case 'accepted':
      return 'accepted by the kiosk';
    case 'refused':
      return `REFUSED by the kiosk (${s.error}); it still runs rev ${s.running ?? '- (its own file)'}`;
    case 'pending':
      return `not yet reported by the kiosk (it runs rev ${s.running ?? '- (its own file)'})`;
    default:
      return '';
  }
}
