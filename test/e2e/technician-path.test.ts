/**
 * The technician's whole path (docs/technician.md, docs/install.md), as one run of real processes: an Uno as
 * it leaves the factory (optiboot + Blink on an emulated ATmega328P) → `lb flash` writes StandardFirmata
 * through the bootloader → `lb provision` registers the kiosk with a running gateway and writes its config →
 * the agent started from exactly that config reads presses from the flashed firmware, and each is stored
 * once → `lb fleet` shows the kiosk online with no problems → its credentials are revoked → the gateway
 * refuses the kiosk, and a press made meanwhile stays in the kiosk's outbox, not in the scores.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ensureBlink, prepareUno, Uno } from '../../scripts/lib/avr/uno.js';
import { ADMIN_TOKEN, type Gateway, LoggedProcess, ROOT, startGateway, until } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';
import { lb } from '../../scripts/lib/lb-run.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});

beforeAll(() => {
  prepareUno({ bootloader: true }); // optiboot built from Debian's arduino-core-avr source, once
}, 120_000);

const BUTTON_PIN = { good: 2, neutral: 3, bad: 4 } as const;

it('flash → provision → agent → presses stored once → fleet healthy → revoke → refused', async () => {
  const dir = tempDir('tech-path');
  const port = join(dir, 'ttyACM0');
  const uno = await Uno.start(port, { bootloader: true, firmware: ensureBlink() });
  cleanup.push(() => uno.kill());
  const gw: Gateway = await startGateway();
  cleanup.push(() => gw.proc.kill());
  const env = { LB_GATEWAY_URL: `http://127.0.0.1:${gw.httpPort}`, LB_API_KEY: ADMIN_TOKEN, LB_CACHE_DIR: join(ROOT, '.cache') };
  expect((await gw.api('POST', '/api/v1/offices', { id: 'branch-9', name: 'Branch 9', timeZone: 'Europe/Moscow' })).status).toBe(201);
  expect((await gw.api('POST', '/api/v1/desks', { id: 'desk-2', officeId: 'branch-9', name: 'Desk 2' })).status).toBe(201);
  // The technician works with a technician key for that office, not the admin's.
  const key = await gw.api('POST', '/api/v1/api-keys', { name: 'field tech', role: 'technician', offices: ['branch-9'] });
  expect(key.status).toBe(201);
  const tech = { ...env, LB_API_KEY: key.body.key as string };

  // 1. Flash.
  const flashed = await lb(['flash', '--board', 'uno', '--port', port, '--json'], tech);
  expect(flashed.stderr).toBe('');
  expect(flashed.code).toBe(0);
  const flash = JSON.parse(flashed.stdout);
  expect(flash).toMatchObject({ verified: flash.written, firmware: { name: expect.stringMatching(/StandardFirmata/) } });
  console.log(
    `lb flash: ${flash.written} bytes written and verified in ${flash.totalMs} ms; ${flash.firmware.name} ${flash.firmware.version}`,
  );

  // 2. Provision, with the flashed board as the kiosk's board.
  const config = join(dir, 'etc/kiosk.json');
  const provisioned = await lb(
    [
      'provision',
      '--id',
      'k-path-1',
      '--office',
      'branch-9',
      '--desk',
      'desk-2',
      '--config',
      config,
      '--board',
      port,
      '--data-dir',
      join(dir, 'data'),
    ],
    tech,
  );
  expect(provisioned.stderr).toBe('');
  expect(provisioned.code).toBe(0);
  expect(provisioned.stdout).toMatch(/gateway heard it/);

  // 3. The agent as its systemd unit runs it (bin/lb-kiosk), from the written config alone.
  const clean = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('LB_'))
      .map((k) => [k, undefined]),
  );
  const child = spawn(join(ROOT, 'bin/lb-kiosk'), ['--config', config], {
    env: { ...process.env, ...clean },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const agent = new LoggedProcess('agent k-path-1', child);
  cleanup.push(() => agent.kill('SIGTERM'));
  await agent.waitFor((l) => l.msg === 'board connected', 'board connected', 30_000);
  await agent.waitFor((l) => l.msg === 'mqtt connected', 'mqtt connected');

  // 4. Presses on the flashed firmware: each committed, each stored once. Pressed within the misuse lockout
  // (5 s) of the first, the later ones are the same customer again: stored, flagged `repeat`, not counted.
  const presses = ['good', 'bad', 'neutral'] as const;
  for (const [i, button] of presses.entries()) {
    const next = agent.waitFor((l) => l.msg === 'press committed' && l.seq === i + 1, `press ${i + 1} committed`);
    await uno.press(BUTTON_PIN[button]);
    expect(await next).toMatchObject({ button, flags: i === 0 ? [] : ['repeat'] });
  }
  const stored = async () => (await gw.api('GET', '/api/v1/kiosks/k-path-1/events?afterSeq=0&limit=100')).body.items;
  await expect.poll(async () => (await stored()).length, { timeout: 15_000 }).toBe(3);
  expect((await stored()).map((e: { seq: number; button: string }) => [e.seq, e.button])).toEqual([
    [1, 'good'],
    [2, 'bad'],
    [3, 'neutral'],
  ]);

  // 5. The fleet view: online, no problems (the agent's status arrives with its connect and each change).
  const fleetOf = async () => {
    const res = await lb(['fleet', '--json'], tech);
    expect(res.code).toBe(0);
    return JSON.parse(res.stdout).find((k: { id: string }) => k.id === 'k-path-1');
  };
  await expect
    .poll(
      async () => {
        const k = await fleetOf();
        return {
          online: k?.health?.online,
          problems: k?.health?.problems,
          board: k?.status?.payload?.board?.connected,
          lastPressAt: k?.lastPressAt,
        };
      },
      { timeout: 15_000 },
    )
    .toEqual({ online: true, problems: [], board: true, lastPressAt: (await stored())[2].at });
  const table = await lb(['fleet', '--office', 'branch-9'], tech);
  expect(table.stdout).toMatch(/k-path-1\s+branch-9\s+online/);

  // 6. Revoked: dropped at once, refused at every reconnect; a press meanwhile is kept by the kiosk only.
  expect((await gw.api('DELETE', '/api/v1/kiosks/k-path-1/credentials')).status).toBe(204);
  await gw.proc.waitFor((l) => l.msg === 'mqtt login failed' && l.kioskId === 'k-path-1' && l.reason === 'credentials revoked', 'refused');
  const next = agent.waitFor((l) => l.msg === 'press committed' && l.seq === 4, 'press 4 committed');
  await uno.press(BUTTON_PIN.good);
  await next;
  // The agent keeps trying; once it has been refused again after the press, the press cannot have gone in.
  const refusals = countRefusals(gw);
  await until(async () => (countRefusals(gw) > refusals ? true : undefined), 'a refusal after the press', 30_000);
  expect((await gw.api('GET', '/api/v1/kiosks/k-path-1')).body.counters).toMatchObject({ received: 3, lastSeq: 3 });
}, 180_000);

function countRefusals(gw: Gateway): number {
  return gw.proc.lines.filter((l) => l.msg === 'mqtt login failed' && l.kioskId === 'k-path-1').length;
}
