/**
 * The HDMI kiosk: the agent's local page in real Chromium (playwright-core, Debian's chromium), a real
 * agent process on the virtual board and a real gateway. A touch on the page is a press like any other:
 * outbox first, then to the gateway exactly once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { Panel } from '../../shared/src/index.js';
import { SqliteOutbox } from '../../device/src/outbox.js';
import { PRESS_HEADER } from '../../device/src/page/local-page.js';
import { freePort, registerKiosk, startAgent, startGateway, until } from '../../scripts/lib/processes.js';
import { ensureBuilt } from './agent-process.js';
import { deferCleanup, runCleanups, tempDir } from './helpers.js';

const SHOTS = 'test-artifacts/screenshots';
let browser: Browser;
beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 120_000);
afterAll(() => browser?.close());
afterEach(runCleanups);

const screenPanel: Panel = {
  id: 'desk',
  kind: 'staff',
  pins: { good: 2, neutral: 3, bad: 4 },
  question: 'Как вас обслужили?',
  questionOnDuty: 'Вы довольны качеством работы клиентского менеджера {name}?',
  duty: null,
  display: { kind: 'screen', touch: true },
};
const { duty: _, ...withoutDuty } = screenPanel;

describe('HDMI page (agent process + real gateway + Chromium)', () => {
  it('shows the question with the name; a touch is stored in the outbox, reaches the gateway exactly once, and says thank you', async () => {
    const gw = await startGateway();
    deferCleanup(() => gw.proc.kill());
    // Who is on duty comes from the organisation: Elena is assigned to the desk the staff panel is bound to.
    for (const [path, body] of [
      ['/api/v1/offices', { id: 'msk', name: 'Москва', timeZone: 'Europe/Moscow' }],
      ['/api/v1/desks', { id: 'd1', officeId: 'msk', name: 'Окно 1' }],
      ['/api/v1/employees', { id: 'e-17', name: 'Елена Иванова', questionName: 'Елены Ивановой', officeId: 'msk' }],
      ['/api/v1/assignments', { deskId: 'd1', employeeId: 'e-17', from: new Date(Date.now() - 3_600_000).toISOString() }],
    ] as const) {
      const res = await gw.api('POST', path, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const creds = await registerKiosk(gw, 'screen-1', { officeId: 'msk', panels: [{ ...withoutDuty, deskId: 'd1' }] });
    const put = await gw.api('PUT', '/api/v1/kiosks/screen-1/config', {
      panels: [withoutDuty],
      texts: { lang: 'ru', thanks: 'Спасибо за оценку!', offline: 'Нет связи', notStored: 'Не сохранено' },
    });
    expect(put.status).toBe(200);
    const dataDir = tempDir();
    const port = await freePort();
    const configFile = join(dataDir, 'kiosk.json');
    writeFileSync(configFile, JSON.stringify({ panels: [screenPanel] }));
    const agent = startAgent({
      kioskId: 'screen-1',
      password: creds.password,
      mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`,
      dataDir,
      env: { LB_PAGE_PORT: String(port) },
      args: ['--config', configFile],
    });
    deferCleanup(() => agent.proc.kill());
    await agent.proc.waitFor((l) => l.msg === 'local page listening', 'local page listening');

    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    deferCleanup(() => page.close());
    await page.goto(`http://127.0.0.1:${port}/`);
    // The gateway's retained config names the employee on duty (the local file has nobody).
    await page.waitForFunction("document.querySelector('#question .name')?.textContent === 'Елены Ивановой'");
    expect(await page.textContent('#question')).toBe('Вы довольны качеством работы клиентского менеджера Елены Ивановой?');
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    await page.screenshot({ path: `${SHOTS}/kiosk-question.png` });

    await page.click('button[data-button=good]');
    await agent.committed(1);
    await page.waitForSelector('#thanks', { state: 'visible' });
    expect(await page.textContent('#thanks')).toBe('Спасибо за оценку!');
    await page.screenshot({ path: `${SHOTS}/kiosk-thanks.png` });
    await page.waitForSelector('#thanks', { state: 'hidden', timeout: 5000 }); // back to the question

    const stored = await until(async () => {
      const res = await gw.api('GET', '/api/v1/kiosks/screen-1/events');
      return res.body?.items?.length ? res.body.items : undefined;
    }, 'the press at the gateway');
    expect(stored.map((e: { panel: string; button: string; seq: number }) => [e.panel, e.button, e.seq])).toEqual([['desk', 'good', 1]]);
    const outbox = new SqliteOutbox(join(dataDir, 'outbox.db'));
    const unacked = await until(async () => (outbox.stats(Date.now()).pending === 0 ? 0 : undefined), 'the ack');
    expect(unacked).toBe(0);
    expect(outbox.stats(Date.now()).lastSeq).toBe(1); // stored once, on the kiosk too
    outbox.close();
  }, 60_000);

  it('refuses a press from anything but the page’s own origin (no header, wrong Host) and names the problem', async () => {
    const gw = await startGateway();
    deferCleanup(() => gw.proc.kill());
    const creds = await registerKiosk(gw, 'screen-2');
    const port = await freePort();
    const configFile = join(tempDir(), 'kiosk.json');
    writeFileSync(configFile, JSON.stringify({ panels: [screenPanel] }));
    const agent = startAgent({
      kioskId: 'screen-2',
      password: creds.password,
      mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`,
      env: { LB_PAGE_PORT: String(port) },
      args: ['--config', configFile],
    });
    deferCleanup(() => agent.proc.kill());
    await agent.proc.waitFor((l) => l.msg === 'local page listening', 'local page listening');
    const url = `http://127.0.0.1:${port}/press`;
    const body = JSON.stringify({ panel: 'desk', button: 'bad' });
    const noHeader = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(noHeader.status).toBe(403);
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own Host (fetch cannot forge one).
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { host: `evil.example:${port}`, [PRESS_HEADER]: '1' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(rebound).toBe(421);
    const unknown = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ panel: 'nope', button: 'bad' }),
      headers: { [PRESS_HEADER]: '1' },
    });
    expect(unknown.status).toBe(404);
    const garbage = await fetch(url, { method: 'POST', body: 'x', headers: { [PRESS_HEADER]: '1' } });
    expect(garbage.status).toBe(400);
    expect(agent.proc.lines.filter((l) => l.msg === 'press committed')).toHaveLength(0);
  }, 60_000);
});
