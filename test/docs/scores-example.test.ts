/**
 * The worked example of docs/scores.md, run as written: its shell blocks go to bash (curl, jq, the MQTT.js
 * command line) against a real gateway process on a SQLite file, and each block's output must equal the
 * answer printed under it (JSON compared as values, CSV as text); a block with no answer under it must
 * print nothing. So the numbers in the doc are what the gateway really answers.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ROOT, startGateway, type Gateway } from '../../scripts/lib/processes.js';

interface Step {
  script: string;
  expected?: { lang: 'json' | 'csv'; text: string };
}

/** The shell blocks of the doc's "Worked example" section, each with the answer block right after it. */
function exampleSteps(markdown: string): Step[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Worked example'));
  if (!section) throw new Error('docs/scores.md has no "## Worked example" section');
  const blocks = [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
  const steps: Step[] = [];
  for (const b of blocks) {
    if (b.lang === 'sh') steps.push({ script: b.text });
    else if ((b.lang === 'json' || b.lang === 'csv') && steps.length && !steps.at(-1)!.expected)
      steps.at(-1)!.expected = { lang: b.lang, text: b.text };
    else throw new Error(`a \`\`\`${b.lang} block must follow a \`\`\`sh block`);
  }
  return steps;
}

const MARK = '@@ step done @@';

/** Runs every step in one bash (variables carry over), stopping at the first failing command. */
function runSteps(steps: Step[], env: Record<string, string>): Promise<{ outputs: string[]; code: number | null; stderr: string }> {
  const script = ['set -euo pipefail', ...steps.flatMap((s) => [s.script, `printf '\\n%s\\n' '${MARK}'`])].join('\n');
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ outputs: out.split(`\n${MARK}\n`), code, stderr: err })));
}

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ logLevel: 'warn' });
}, 60_000);
afterAll(async () => {
  await gw?.proc.kill('SIGTERM');
});

describe('docs/scores.md worked example', () => {
  it('every request answers exactly what the doc shows', async () => {
    const steps = exampleSteps(readFileSync(join(ROOT, 'docs/scores.md'), 'utf8'));
    expect(steps.filter((s) => s.expected).length).toBeGreaterThanOrEqual(8);
    const run = await runSteps(steps, {
      GW: `http://127.0.0.1:${gw.httpPort}`,
      TOKEN: ADMIN_TOKEN,
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: String(gw.mqttPort),
    });
    expect(run.code, `bash failed: ${run.stderr}`).toBe(0);
    for (const [i, step] of steps.entries()) {
      const out = run.outputs[i] ?? '';
      const what = `step ${i + 1}:\n${step.script}\nprinted:\n${out}`;
      if (!step.expected) expect(out, what).toBe('');
      else if (step.expected.lang === 'json') expect(JSON.parse(out), what).toEqual(JSON.parse(step.expected.text));
      else expect(out.replace(/\r\n/g, '\n').trimEnd(), what).toBe(step.expected.text.trimEnd());
    }
  }, 120_000);
});
