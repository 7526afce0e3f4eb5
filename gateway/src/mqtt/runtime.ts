/** Wires broker (embedded mode), the gateway's MQTT client and ingest; stops them in reverse order. */
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { kioskTopic, type KioskConfigMessage } from '../../../shared/src/index.js';
import type { GatewayConfig } from '../config.js';
import { Ingest } from '../ingest/ingest.js';
import { newSecret } from '../secrets.js';
import type { Store } from '../store/store.js';
import { GATEWAY_USERNAME } from './acl.js';
import { startBroker, type EmbeddedBroker } from './broker.js';
import { connectGatewayClient, firstConnect } from './client.js';

export interface MqttRuntime {
  mode: 'embedded' | 'external';
  /** Bound port of the embedded broker; null with an external broker. */
  brokerPort: number | null;
  ingest: Ingest;
  connected(): boolean;
  /** Resolves once the broker has the retained message, or after `waitMs` if it is unreachable. */
  publishConfig(kioskId: string, msg: KioskConfigMessage, waitMs?: number): Promise<boolean>;
  disconnectKiosk(kioskId: string): void;
  stop(): Promise<void>;
}

export async function startMqtt(config: GatewayConfig, store: Store, log: Logger): Promise<MqttRuntime> {
  const prefix = config.topicPrefix;
  const mqttLog = log.child({ component: 'mqtt' });
  let broker: EmbeddedBroker | undefined;
  let url = config.mqtt.url;
  let username = config.mqtt.username;
  let password = config.mqtt.password;
  if (!url) {
    // In-memory credential, new every start: nothing to leak, nothing to configure.
    password = newSecret();
    username = GATEWAY_USERNAME;
    broker = await startBroker({ host: config.mqtt.host, port: config.mqtt.port, prefix, store, gatewaySecret: password, log: mqttLog });
    url = `mqtt://127.0.0.1:${broker.port}`;
  }
  let client: MqttClient | undefined;
  const publish = (topic: string, payload: string, retain = false): Promise<boolean> =>
    new Promise((resolve) => {
      if (!client) return resolve(false);
      client.publish(topic, payload, { qos: 1, retain }, (err) => {
        if (err) mqttLog.warn({ topic, err: err.message }, 'mqtt publish failed');
        resolve(!err);
      });
    });
  const ingest = new Ingest({ store, prefix, publish: (t, p) => void publish(t, p), log: log.child({ component: 'ingest' }) });
  client = connectGatewayClient({ url, clientId: config.mqtt.clientId, username, password, prefix, ingest, log: mqttLog });
  const publishConfig = (kioskId: string, msg: KioskConfigMessage, waitMs = 2000): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    const sent = publish(kioskTopic(prefix, kioskId, 'config'), JSON.stringify(msg), true);
    return Promise.race([sent, timeout]).finally(() => clearTimeout(timer));
  };
  // The embedded broker forgets retained messages on restart: republish every stored config.
  client.on('connect', () => {
    store.allKioskConfigs().then(
      (all) => all.forEach((c) => void publishConfig(c.kioskId, c.config)),
      (err: Error) => mqttLog.error({ err: err.message }, 'republishing configs failed'),
    );
  });
  if (broker) await firstConnect(client, 10_000);
  else firstConnect(client, 10_000).catch((err: Error) => mqttLog.warn(err.message + '; will keep retrying'));
  return {
    mode: broker ? 'embedded' : 'external',
    brokerPort: broker?.port ?? null,
    ingest,
    connected: () => client.connected,
    publishConfig,
    disconnectKiosk: (kioskId) => broker?.disconnectKiosk(kioskId),
    async stop() {
      await ingest.close(); // an in-flight batch commits (and acks) or was never started
      await client.endAsync();
      await broker?.close();
    },
  };
}
