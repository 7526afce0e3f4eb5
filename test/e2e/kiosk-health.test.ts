/**
 * Kiosk health and remote config with real processes: the built gateway (embedded broker, SQLite file)
 * and the real kiosk agent on its virtual board. The agent unplugs its board, is SIGKILLed (its last
 * will says offline) and comes back, refuses a config and accepts the next: GET /kiosks shows each.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { registerKiosk, startAgent, startGateway, until, type Agent, type Gateway } from '../../scripts/lib/processes.js';

const running: { kill(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});
function tracked<T extends Gateway | Agent>(x: T): T {
  running.push(x.proc);
  return x;
}

const panel = { id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } };
type Problem = { rule: string; since: string | null; detail: string };

async function health(gw: Gateway, id: string) {
  const k = (await gw.api('GET', `/api/v1/kiosks/${id}`)).body;
  return k.health as { online: boolean; since: string | null; problems: Problem[] };
}
const rules = (h: { problems: Problem[] }) => h.problems.map((p) => p.rule);
async function listed(gw: Gateway, query: string): Promise<string[]> {
  const page = (await gw.api('GET', `/api/v1/kiosks?${query}`)).body;
  return page.items.map((k: { id: string }) => k.id);
}

describe('kiosk health through the API (real gateway and agent)', () => {
  it('shows board unplugged, offline, and never-seen; each clears when the kiosk recovers', async () => {
    const gw = tracked(await startGateway({ env: { LB_HEALTH_OFFLINE_SECONDS: '1' } }));
    const creds = await registerKiosk(gw, 'k-health', { panels: [panel] });
    await registerKiosk(gw, 'k-silent');
    const mqttUrl = `mqtt://127.0.0.1:${gw.mqttPort}`;
    expect(rules(await health(gw, 'k-silent'))).toEqual(['never-seen']);

    const start = () => tracked(startAgent({ kioskId: 'k-health', password: creds.password, mqttUrl }));
    let agent = start();
    const up = await until(async () => {
      const h = await health(gw, 'k-health');
      return h.online && h.problems.length === 0 ? h : undefined;
    }, 'k-health online and healthy');
    expect(up.since).not.toBeNull();

    agent.send('unplug');
    const unplugged = await until(async () => {
      const h = await health(gw, 'k-health');
      return rules(h).includes('board-disconnected') ? h : undefined;
    }, 'board-disconnected shown');
    expect(unplugged.online).toBe(true);
    expect(unplugged.problems.find((p) => p.rule === 'board-disconnected')?.since).toEqual(expect.any(String));
    expect(await listed(gw, 'problem=board-disconnected')).toEqual(['k-health']);
    agent.send('replug');
    await until(async () => ((await health(gw, 'k-health')).problems.length === 0 ? true : undefined), 'board problem cleared');
    expect(await listed(gw, 'problem=board-disconnected')).toEqual([]);

    // SIGKILL: the broker publishes the agent's last will; a second later (LB_HEALTH_OFFLINE_SECONDS) it is a problem.
    await agent.proc.kill();
    const down = await until(async () => {
      const h = await health(gw, 'k-health');
      return rules(h).includes('offline') ? h : undefined;
    }, 'offline shown');
    expect(down.online).toBe(false);
    expect(down.problems.find((p) => p.rule === 'offline')).toMatchObject({
      since: down.since,
      detail: expect.stringMatching(/^offline for/),
    });
    expect(await listed(gw, 'online=false')).toEqual(['k-health', 'k-silent']);
    expect(await listed(gw, 'problem=offline')).toEqual(['k-health']);
    expect(await listed(gw, 'online=true')).toEqual([]);

    agent = start();
    const back = await until(async () => {
      const h = await health(gw, 'k-health');
      return h.online && h.problems.length === 0 ? h : undefined;
    }, 'back online, healthy');
    expect(Date.parse(back.since!)).toBeGreaterThan(Date.parse(down.since!));
    expect(await listed(gw, 'online=true')).toEqual(['k-health']);
  });

  it('remote config: a refused config shows the kiosk’s reason; the next is accepted and runs without a restart', async () => {
    const gw = tracked(await startGateway());
    const creds = await registerKiosk(gw, 'k-config', { panels: [panel] });
    const agent = tracked(startAgent({ kioskId: 'k-config', password: creds.password, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}` }));
    await until(async () => ((await health(gw, 'k-config')).online ? true : undefined), 'k-config online');

    // Two panels on the same pins: valid JSON the gateway stores, but the agent refuses it.
    const clash = { panels: [panel, { ...panel, id: 'hall', kind: 'office' }] };
    const put1 = await gw.api('PUT', '/api/v1/kiosks/k-config/config', clash);
    expect(put1).toMatchObject({ status: 200, body: { rev: 1, published: true } });
    const refused = await until(async () => {
      const k = (await gw.api('GET', '/api/v1/kiosks/k-config')).body;
      return k.configState?.state === 'refused' ? k : undefined;
    }, 'config refused shown');
    expect(refused.configState).toMatchObject({ rev: 1, state: 'refused', kioskRev: null, appliedAt: null, sentAt: expect.any(String) });
    expect(refused.configState.reason).toMatch(/pin 2 is already used/);
    expect(refused.health.problems.map((p: Problem) => p.rule)).toContain('config-refused');

    const good = { panels: [panel, { id: 'hall', kind: 'office', pins: { good: 5, neutral: 6, bad: 7 } }] };
    const put2 = await gw.api('PUT', '/api/v1/kiosks/k-config/config', good);
    expect(put2.body.rev).toBe(2);
    const accepted = await until(async () => {
      const k = (await gw.api('GET', '/api/v1/kiosks/k-config')).body;
      return k.configState?.state === 'accepted' ? k : undefined;
    }, 'config accepted shown');
    expect(accepted.configState).toMatchObject({ rev: 2, kioskRev: 2, appliedAt: expect.any(String) });
    expect(Date.parse(accepted.configState.appliedAt)).toBeGreaterThanOrEqual(Date.parse(accepted.configState.sentAt));
    expect(accepted.status.payload.panels).toEqual([
      { id: 'desk', kind: 'staff' },
      { id: 'hall', kind: 'office' },
    ]);
    expect(accepted.health.problems.map((p: Problem) => p.rule)).not.toContain('config-refused');
    // New pins reopen the board (a few seconds): once the kiosk reports it connected, nothing is wrong.
    await until(async () => ((await health(gw, 'k-config')).problems.length === 0 ? true : undefined), 'k-config healthy');
    // Same process: applied without a restart, and a press on the new panel counts.
    agent.press('hall', 'good');
    await agent.committed(1);
    await until(async () => {
      const events = (await gw.api('GET', '/api/v1/kiosks/k-config/events')).body.items;
      return events.some((e: { panel: string }) => e.panel === 'hall') ? true : undefined;
    }, 'press on the new panel stored');
  });
});
