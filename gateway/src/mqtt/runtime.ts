/**
 * Wires the broker link (in-process to the embedded broker, or MQTT.js to an external one) and
 * ingest; stops them in reverse order.
 */
import type { Logger } from 'pino';
import { kioskTopic, type KioskConfigMessage } from '../../../shared/src/index.js';
import type { GatewayConfig } from '../lib/config.js';
import { DeadLetterBudget } from '../ingest/dead-letter-budget.js';
import type { FleetView } from '../ingest/fleet-view.js';
import { Ingest } from '../ingest/ingest.js';
import type { GatewayMetrics } from '../lib/metrics.js';
import type { PressFeed } from '../lib/press-feed.js';
import type { Store } from '../store/store.js';
import { createBroker, type EmbeddedBroker } from './broker.js';
import { mqttJsLink } from './client.js';
import { inProcessLink } from './in-process-link.js';
import { DutyFeed } from './duty-feed.js';
import { dynsecLogins, sessionDropper, type KioskLogins } from './kiosk-logins.js';
import type { BrokerLink } from './link.js';
import { armPanels } from './arm.js';
import type { QueueEvent } from '../domain/organisation.js';

export interface MqttRuntime {
  mode: 'embedded' | 'external';
  /** Bound port of the embedded broker; null with an external broker. */
  brokerPort: number | null;
  /** The embedded broker speaks MQTT over TLS. */
  tls: boolean;
  ingest: Ingest;
  connected(): boolean;
  /** Resolves once the broker has the retained message, or after `waitMs` if it is unreachable. */
  publishConfig(kioskId: string, msg: KioskConfigMessage, waitMs?: number): Promise<boolean>;
  /** The broker's side of kiosk credentials: call after the database has the new password hash. */
  logins: KioskLogins;
  /** Who is on duty, in each kiosk's retained config (duty-feed.ts). */
  duty: DutyFeed;
  /** Served tickets: arms the armed panels at their desks (arm.ts); resolves with the messages sent. */
  arm(served: readonly QueueEvent[]): Promise<number>;
  stop(): Promise<void>;
}

export async function startMqtt(
  config: GatewayConfig,
  store: Store,
  log: Logger,
  observers: { metrics?: GatewayMetrics; fleet?: FleetView; feed?: PressFeed } = {},
): Promise<MqttRuntime> {
  const prefix = config.topicPrefix;
  const mqttLog = log.child({ component: 'mqtt' });
  let broker: EmbeddedBroker | undefined;
  let link: BrokerLink;
  const deadLetterBudget = new DeadLetterBudget();
  if (config.mqtt.url) {
    const { url, clientId, username, password, shareGroup, ca } = config.mqtt;
    link = mqttJsLink({ url, clientId, username, password, prefix, shareGroup, ca: ca?.pem, log: mqttLog });
  } else {
    if (config.mqtt.shareGroup) {
      // Kiosks connect to this gateway's own broker: there is nothing to share with other gateways.
      mqttLog.warn(
        { shareGroup: config.mqtt.shareGroup },
        'LB_MQTT_SHARE_GROUP needs an external broker (LB_MQTT_URL); ignored with the embedded one',
      );
    }
    const { host, port, tls, connectTimeoutMs, maxPending } = config.mqtt;
    broker = await createBroker({
      host,
      port,
      prefix,
      store,
      log: mqttLog,
      connectTimeoutMs,
      maxPending,
      ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
      publishDelayMs: (kioskId) => deadLetterBudget.publishDelayMs(kioskId),
    });
    link = inProcessLink(broker.aedes, prefix, mqttLog);
  }
  const ingest = new Ingest({
    store,
    prefix,
    publish: (t, p) => void link.publish(t, p, { retain: false }),
    log: log.child({ component: 'ingest' }),
    deadLetterBudget,
    ...observers,
  });
  const publishConfig = (kioskId: string, msg: KioskConfigMessage, waitMs = 2000): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    const sent = link.publish(kioskTopic(prefix, kioskId, 'config'), JSON.stringify(msg), { retain: true });
    return Promise.race([sent, timeout]).finally(() => clearTimeout(timer));
  };
  // The embedded broker forgets retained messages on restart: republish every stored config.
  const republishConfigs = () =>
    store.allKioskConfigs().then(
      (all) => all.forEach((c) => void publishConfig(c.kioskId, c.config)),
      (err: Error) => mqttLog.error({ err }, 'republishing configs failed'),
    );
  let logins: KioskLogins;
  if (!config.mqtt.url) logins = sessionDropper((kioskId) => broker?.disconnectKiosk(kioskId));
  else if (config.mqtt.dynsec) {
    const { url, clientId, username, password, ca } = config.mqtt;
    logins = dynsecLogins({ url, clientId, username, password, ca: ca?.pem, prefix, log: mqttLog });
  } else logins = sessionDropper(() => undefined); // the operator manages the broker's logins
  let brokerPort: number | null = null;
  const duty = new DutyFeed({ store, publish: (id, msg) => publishConfig(id, msg), log: log.child({ component: 'duty' }) });
  try {
    await link.start({
      message: (topic, payload) => ingest.handle(topic, payload),
      ready: () => ingest.whenBelowHighWater(),
      connected: () => void republishConfigs(),
    });
    // Kiosks may connect only now: the gateway's subscriptions exist, so none of their messages is missed.
    if (broker) brokerPort = await broker.listen();
    await duty.start();
  } catch (err) {
    await duty.stop();
    await link.stop();
    await broker?.close();
    await logins.close();
    throw err;
  }
  return {
    mode: broker ? 'embedded' : 'external',
    brokerPort,
    tls: !!(broker && config.mqtt.tls),
    ingest,
    connected: () => link.connected(),
    publishConfig,
    logins,
    duty,
    arm: (served) =>
      armPanels({ store, prefix, publish: (t, p) => link.publish(t, p, { retain: false }), log: mqttLog }, served).catch((err: Error) => {
        mqttLog.error({ err }, 'arming panels failed');
        return 0;
      }),
    async stop() {
      await duty.stop();
      await ingest.close(); // an in-flight batch commits (and acks) or was never started
      await logins.close();
      await link.stop();
      await broker?.close();
    },
  };
}
