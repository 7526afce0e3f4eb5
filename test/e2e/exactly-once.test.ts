/**
 * The promise of the product, end to end with real processes: built gateway and kiosk agent under
 * plain node, the embedded broker or a real Mosquitto, real SQLite files, SIGKILL for crashes.
 * After every fault the gateway must hold exactly the presses the kiosk committed: no loss, no duplicate.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Agent, type Gateway, registerKiosk, startAgent, startGateway, until } from '../../scripts/lib/processes.js';
import { startMosquitto, type Mosquitto } from '../../scripts/lib/mosquitto.js';

const running: { kill(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

function track<T extends Gateway | Agent>(x: T): T {
  running.push(x.proc);
  return x;
}

async function kiosk(gw: Gateway, id: string) {
  return (await gw.api('GET', `/api/v1/kiosks/${id}`)).body;
}

/** Presses one button at a time, each awaited until committed to the outbox. */
async function pressMany(agent: Agent, n: number, startCount: number): Promise<number> {
  const buttons = ['good', 'neutral', 'bad'] as const;
  for (let i = 1; i <= n; i++) {
    agent.press('desk', buttons[i % 3]!);
    await agent.committed(startCount + i);
  }
  return startCount + n;
}

/**
 * Waits until the gateway has everything the kiosk says it committed (its retained status reports
 * `outbox.lastSeq` and `pending`), then checks exactly-once from the gateway's own records.
 */
async function expectExactlyOnce(gw: Gateway, id: string, atLeast: number) {
  const k = await until(
    async () => {
      const k = await kiosk(gw, id);
      const out = k?.status?.payload?.outbox ?? k?.status?.outbox;
      return out && out.pending === 0 && k.counters.received === out.lastSeq ? k : undefined;
    },
    `${id}: gateway has every committed press`,
    30_000,
  );
  expect(k.counters.received).toBeGreaterThanOrEqual(atLeast);
  expect(k.counters.lastSeq).toBe(k.counters.received);
  expect(k.gaps).toEqual([]);
  const events = (await gw.api('GET', `/api/v1/kiosks/${id}/events?limit=1000`)).body;
  const list: { id: string; seq: number }[] = events.items ?? events;
  expect(list.map((e) => e.seq)).toEqual(Array.from({ length: k.counters.received }, (_, i) => i + 1));
  expect(new Set(list.map((e) => e.id)).size).toBe(list.length);
  return k;
}

describe('press to gateway, exactly once (real processes)', () => {
  it('counts every press once when the kiosk agent is SIGKILLed mid-stream and restarted', async () => {
    const gw = track(await startGateway());
    const creds = await registerKiosk(gw, 'k-agent-kill');
    const mqttUrl = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const agent = track(startAgent({ kioskId: 'k-agent-kill', password: creds.password, mqttUrl }));
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
    let pressed = await pressMany(agent, 8, 0);
    // Fire a burst and kill the agent while those presses are being committed and published.
    for (let i = 0; i < 6; i++) agent.press('desk', 'good');
    await agent.committed(pressed + 2);
    await agent.proc.kill('SIGKILL');
    pressed = agent.proc.count('press committed');

    const again = track(startAgent({ kioskId: 'k-agent-kill', password: creds.password, mqttUrl, dataDir: agent.dataDir }));
    await again.proc.waitFor((l) => l.msg === 'board connected', 'board connected after restart');
    await pressMany(again, 4, 0);
    await expectExactlyOnce(gw, 'k-agent-kill', pressed + 4);
  });

  it('delivers a backlog made while the gateway was down, and survives a gateway SIGKILL', async () => {
    let gw = track(await startGateway());
    const creds = await registerKiosk(gw, 'k-gw-kill');
    const ports = { httpPort: gw.httpPort, mqttPort: gw.mqttPort! };
    const mqttUrl = `mqtt://127.0.0.1:${ports.mqttPort}`;
    const agent = track(startAgent({ kioskId: 'k-gw-kill', password: creds.password, mqttUrl }));
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
    let pressed = await pressMany(agent, 3, 0);
    await gw.proc.kill('SIGKILL');

    pressed = await pressMany(agent, 12, pressed); // kept in the kiosk's outbox meanwhile
    gw = track(await startGateway({ dataDir: gw.dataDir, ...ports }));
    await expectExactlyOnce(gw, 'k-gw-kill', pressed);
  });

  it('reports a board unplug in status and recovers within 5 s of the replug', async () => {
    const gw = track(await startGateway());
    const creds = await registerKiosk(gw, 'k-unplug');
    const agent = track(startAgent({ kioskId: 'k-unplug', password: creds.password, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}` }));
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
    let pressed = await pressMany(agent, 2, 0);
    agent.send('unplug');
    await agent.proc.waitFor((l) => l.msg === 'board disconnected', 'board disconnected');
    await until(async () => {
      const k = await kiosk(gw, 'k-unplug');
      const board = k?.status?.payload?.board ?? k?.status?.board;
      return board && board.connected === false ? true : undefined;
    }, 'gateway sees the board unplugged');

    const replugAt = Date.now();
    agent.send('replug');
    await agent.proc.waitFor((l) => l.msg === 'board connected' && (l.time as number) >= replugAt, 'board connected after replug', 5_000);
    expect(Date.now() - replugAt).toBeLessThanOrEqual(5_000);
    pressed = await pressMany(agent, 3, pressed);
    await expectExactlyOnce(gw, 'k-unplug', pressed);
  });
});

describe('with an external Mosquitto broker', () => {
  let mosq: Mosquitto | undefined;
  afterEach(async () => {
    await mosq?.kill();
  });

  it('loses and duplicates nothing across a Mosquitto SIGKILL and restart', async () => {
    const service = { username: 'lb-gateway', password: 'gateway-secret-for-tests' };
    mosq = await startMosquitto(service);
    const url = `mqtt://127.0.0.1:${mosq.port}`;
    const gw = track(
      await startGateway({ env: { LB_MQTT_URL: url, LB_MQTT_USERNAME: service.username, LB_MQTT_PASSWORD: service.password } }),
    );
    const creds = await registerKiosk(gw, 'k-mosq');
    await mosq.addUser(creds.username, creds.password);
    const agent = track(startAgent({ kioskId: 'k-mosq', password: creds.password, mqttUrl: url }));
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
    let pressed = await pressMany(agent, 5, 0);
    await until(async () => ((await kiosk(gw, 'k-mosq')).counters.received === 5 ? true : undefined), 'first presses');

    await mosq.kill('SIGKILL');
    pressed = await pressMany(agent, 5, pressed);
    await mosq.restart();
    await expectExactlyOnce(gw, 'k-mosq', pressed);
  });
});
