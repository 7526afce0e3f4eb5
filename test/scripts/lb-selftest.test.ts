/**
 * `lb selftest` as a real process on an emulated Uno running the real StandardFirmata (simavr): the board
 * and its firmware are found, each LED blinks (observed on the pin, then confirmed on stdin), each button
 * is pressed when asked, the outbox disk, the broker login (a real gateway), clock and disk pass: exit 0.
 * A missing board, a wrong password and a running agent fail, each saying why.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEmulator, ensureFirmware, Uno } from '../../scripts/lib/avr/uno.js';
import { type Gateway, registerKiosk, startAgent, startGateway } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';
import { lb, startLb } from '../../scripts/lib/lb-run.js';

let gw: Gateway;
let password: string;

beforeAll(async () => {
  ensureFirmware();
  ensureEmulator();
  gw = await startGateway();
  password = (await registerKiosk(gw, 'k-self')).password;
}, 120_000);
afterAll(async () => {
  await gw?.proc.kill();
});

/** A kiosk config file; `board` relative to its folder when it does not start with / or name a kind. */
function kioskConfig(board: string, overrides: Record<string, unknown> = {}) {
  const dir = tempDir('lb-self');
  if (!board.startsWith('/') && board !== 'virtual') board = join(dir, board);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const path = join(dir, 'kiosk.json');
  const config = {
    kioskId: 'k-self',
    mqtt: { url: `mqtt://127.0.0.1:${gw.mqttPort}`, username: 'k-self', password },
    dataDir,
    board,
    clockSynced: true, // no timedatectl in CI: the config speaks for the clock
    ...overrides,
  };
  writeFileSync(path, JSON.stringify(config));
  return { dir, dataDir, path };
}

describe('lb selftest', () => {
  it('all checks pass on the emulated Uno, the technician confirming LEDs and pressing buttons through stdin', async () => {
    const { dir, dataDir, path } = kioskConfig('ttyACM0');
    const port = join(dir, 'ttyACM0');
    const uno = await Uno.start(port);
    try {
      const run = startLb(['selftest', '--config', path, '--button-timeout', '15']);
      const leds = { good: 9, neutral: 10, bad: 11 };
      for (const [button, pin] of Object.entries(leds)) {
        const since = Date.now();
        await run.waitForOutput(new RegExp(`LED ${button.toUpperCase()} on panel desk \\(pin ${pin}\\) is blinking`), 30_000);
        // The test is the technician's eye: the pin really went high (and low again: a blink).
        await uno.waitFor((e) => e.type === 'pin' && e.pin === pin && e.level === 1 && e.at >= since - 50, `LED ${pin} on`);
        await uno.waitFor((e) => e.type === 'pin' && e.pin === pin && e.level === 0 && e.at >= since, `LED ${pin} off`);
        run.child.stdin!.write('y\n');
      }
      const pins = { good: 2, neutral: 3, bad: 4 };
      for (const [button, pin] of Object.entries(pins)) {
        await run.waitForOutput(new RegExp(`press ${button.toUpperCase()} on panel desk \\(pin ${pin}\\)`));
        await uno.press(pin);
        await run.waitForOutput(new RegExp(`✓ ${button.toUpperCase()} on panel desk`));
      }
      const res = await run.done;
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/^board\s+PASS\s+serial:.*ttyACM0, StandardFirmata.* 2\.\d+$/m);
      expect(res.stdout).toMatch(/^LEDs\s+PASS\s+3 LED\(s\) seen blinking$/m);
      expect(res.stdout).toMatch(/^buttons\s+PASS\s+3 button\(s\) pressed and seen$/m);
      expect(res.stdout).toMatch(/^outbox disk\s+PASS\s+.* writable; commit\+fsync median [\d.]+ ms/m);
      expect(res.stdout).toMatch(/^broker\s+PASS\s+mqtt:\/\/127\.0\.0\.1:\d+: CONNACK accepted for k-self/m);
      expect(res.stdout).toMatch(/^clock\s+PASS/m);
      expect(res.stdout).toMatch(/^free disk\s+PASS\s+\d+ MB free/m);
      expect(res.stdout).toMatch(/selftest passed\n$/);
      expect(readdirSync(dataDir)).toEqual([]); // the scratch database is gone
    } finally {
      await uno.kill();
    }
  }, 90_000);

  it('an LED not seen and a wrong button: FAIL rows naming them, exit 1', async () => {
    const { dir, path } = kioskConfig('ttyACM0');
    const uno = await Uno.start(join(dir, 'ttyACM0'));
    try {
      const run = startLb(['--json', 'selftest', '--config', path, '--button-timeout', '15']);
      const prompts = () => run.stdout.join('');
      const errText: string[] = [];
      run.child.stderr!.on('data', (d: Buffer) => errText.push(d.toString()));
      const stderrSeen = async (re: RegExp) => {
        const deadline = Date.now() + 30_000;
        while (!re.test(errText.join(''))) {
          if (Date.now() > deadline) throw new Error(`no ${re} in ${errText.join('')}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      // With --json the prompts are on stderr; stdout keeps only the JSON verdict.
      await stderrSeen(/LED GOOD on panel desk/);
      run.child.stdin!.write('n\n');
      await stderrSeen(/LED NEUTRAL on panel desk/);
      run.child.stdin!.write('y\n');
      await stderrSeen(/LED BAD on panel desk/);
      run.child.stdin!.write('y\n');
      await stderrSeen(/press GOOD on panel desk/);
      await uno.press(4); // BAD instead of GOOD
      await stderrSeen(/press NEUTRAL on panel desk/);
      await uno.press(3);
      await stderrSeen(/press BAD on panel desk/);
      await uno.press(4);
      const res = await run.done;
      expect(res.code).toBe(1);
      expect(prompts()).not.toMatch(/is blinking|press GOOD/); // no prompt mixed into the JSON
      const by = Object.fromEntries(
        (JSON.parse(res.stdout) as { checks: { check: string; result: string; detail: string }[] }).checks.map((c) => [c.check, c]),
      );
      expect(by.LEDs).toEqual({ check: 'LEDs', result: 'FAIL', detail: 'not seen: desk/good (pin 9)' });
      expect(by.buttons).toEqual({ check: 'buttons', result: 'FAIL', detail: 'desk/good: got desk/bad instead' });
      expect(by.board).toMatchObject({ result: 'PASS' });
    } finally {
      await uno.kill();
    }
  }, 90_000);

  it('no board and a wrong password: FAIL rows saying why, the board checks skipped, exit 1', async () => {
    const { path } = kioskConfig('ttyACM9', { mqtt: { url: `mqtt://127.0.0.1:${gw.mqttPort}`, username: 'k-self', password: 'wrong' } });
    const res = await lb(['--json', 'selftest', '--config', path], {}, '');
    expect(res.code).toBe(1);
    const out = JSON.parse(res.stdout) as { pass: boolean; checks: { check: string; result: string; detail: string }[] };
    expect(out.pass).toBe(false);
    const by = Object.fromEntries(out.checks.map((c) => [c.check, c]));
    expect(by.board).toMatchObject({ result: 'FAIL', detail: expect.stringMatching(/ttyACM9 not present/) });
    expect(by.LEDs).toMatchObject({ result: 'SKIP' });
    expect(by.buttons).toMatchObject({ result: 'SKIP' });
    expect(by.broker).toMatchObject({ result: 'FAIL', detail: expect.stringMatching(/Not authorized|Bad username or password/i) });
    expect(by['outbox disk']).toMatchObject({ result: 'PASS' });
  }, 60_000);

  it('refuses to run while the agent runs with the same config', async () => {
    const { path } = kioskConfig('virtual');
    const agent = startAgent({ kioskId: 'k-self', password, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`, args: ['--config', path] });
    try {
      await agent.proc.waitFor((l) => l.msg === 'kiosk agent started', 'agent started');
      const res = await lb(['selftest', '--config', path]);
      expect(res.stderr).toBe(
        `lb: the kiosk agent is running (pid ${agent.proc.child.pid}): stop the agent first: systemctl stop lb-kiosk\n`,
      );
      expect(res.code).toBe(2);
    } finally {
      await agent.proc.kill('SIGTERM');
    }
  });

  it('an invalid config: one line naming the field, exit 2', async () => {
    const { path } = kioskConfig('virtual', { panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 2, bad: 4 } }] });
    const res = await lb(['selftest', '--config', path]);
    expect(res.stderr).toBe(`lb: ${path}: panels[0].pins.neutral: pin 2 is already used by panels[0].pins.good\n`);
    expect(res.code).toBe(2);
  });
});
