/** A scripted kiosk's view of its retained config: every config message it receives, awaited by predicate. */
import type { MqttClient } from 'mqtt';
import { kioskTopic, type KioskConfigMessage, type Panel } from '../../../shared/src/index.js';
import { connect, prefix } from '../helpers.js';

export interface Received {
  msg: KioskConfigMessage;
  at: number;
}

export async function watchConfig(mqttUrl: string, kioskId: string, password: string) {
  const client: MqttClient = await connect(mqttUrl, { clientId: kioskId, username: kioskId, password });
  const seen: Received[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload) => {
    if (topic !== kioskTopic(prefix, kioskId, 'config')) return;
    seen.push({ msg: JSON.parse(payload.toString()) as KioskConfigMessage, at: Date.now() });
    for (const w of waiters.splice(0)) w();
  });
  await client.subscribeAsync(kioskTopic(prefix, kioskId, 'config'), { qos: 1 });
  return {
    client,
    seen,
    /** The first config received (from now on, or already) that satisfies `pred`. */
    async next(pred: (m: KioskConfigMessage) => boolean, what: string, ms = 10_000): Promise<Received> {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = seen.find((r) => pred(r.msg));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no config with ${what} within ${ms} ms; got ${JSON.stringify(seen.map((r) => r.msg))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.max(1, deadline - Date.now()));
        });
      }
    },
    close: () => client.endAsync(),
  };
}

/** The duty on a panel of a config (undefined: the panel carries none). */
export const dutyOf = (m: KioskConfigMessage, panel: string): Panel['duty'] => m.panels.find((p) => p.id === panel)?.duty;
