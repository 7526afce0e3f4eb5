/**
 * Kiosk logins on the broker, kept in step with the gateway's database when a kiosk is registered, its
 * password rotated or its credentials revoked.
 * - Embedded broker: it checks the database at every CONNECT, so only live sessions need dropping.
 * - External Mosquitto with LB_MQTT_DYNSEC: the gateway manages each kiosk's login through Mosquitto's
 *   dynamic-security plugin (commands on `$CONTROL/dynamic-security/v1`), which hashes the password,
 *   binds the client id to the username (`clientid`: a kiosk cannot take another kiosk's session),
 *   holds a role per kiosk allowing only its own topics, and disconnects a client at once when its
 *   password is changed or it is disabled (mosquitto plugins/dynamic-security/clients.c).
 * - External broker without it: the operator manages the broker's logins (docs/gateway.md).
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { kioskTopic, type KioskTopicKind } from '../../../shared/src/index.js';
import { redactUrl } from '../../../shared/src/log.js';

export interface KioskLogins {
  /** The broker accepts `password` for this kiosk from now on, and no other (live sessions with the old one dropped). */
  set(kioskId: string, password: string): Promise<void>;
  /** The broker refuses this kiosk at CONNECT from now on and drops its live sessions. */
  revoke(kioskId: string): Promise<void>;
  close(): Promise<void>;
}

export class BrokerRefused extends Error {}

/** Embedded broker or an operator-managed one: the database is the truth; drop live sessions. */
export function sessionDropper(disconnect: (kioskId: string) => void): KioskLogins {
  return {
    set: async (kioskId) => disconnect(kioskId),
    revoke: async (kioskId) => disconnect(kioskId),
    close: async () => undefined,
  };
}

const REQUEST = '$CONTROL/dynamic-security/v1';
const RESPONSE = `${REQUEST}/response`;
const ANSWER_MS = 5000;

type Command = Record<string, unknown> & { command: string };
interface Answer {
  command: string;
  error?: string;
  correlationData?: string;
}

export interface DynsecOptions {
  url: string;
  username?: string;
  password?: string;
  /** The gateway's client id; this connection uses `<clientId>-dynsec`. */
  clientId: string;
  ca?: Buffer;
  prefix: string;
  log: Logger;
}

export const kioskRole = (kioskId: string) => `lb-kiosk-${kioskId}`;

/** The ACLs of a kiosk's role: publish its events and status, subscribe to its acks, config and arm. */
export function kioskAcls(prefix: string, kioskId: string) {
  const t = (kind: KioskTopicKind) => kioskTopic(prefix, kioskId, kind);
  return [
    { acltype: 'publishClientSend', topic: t('events'), allow: true },
    { acltype: 'publishClientSend', topic: t('status'), allow: true },
    { acltype: 'subscribeLiteral', topic: t('acks'), allow: true },
    { acltype: 'subscribeLiteral', topic: t('config'), allow: true },
    { acltype: 'publishClientReceive', topic: t('acks'), allow: true },
    { acltype: 'publishClientReceive', topic: t('config'), allow: true },
    { acltype: 'subscribeLiteral', topic: t('arm'), allow: true },
    { acltype: 'publishClientReceive', topic: t('arm'), allow: true },
  ];
}

export function dynsecLogins(o: DynsecOptions): KioskLogins {
  const waiting = new Map<string, (a: Answer) => void>();
  let subscribed: Promise<void> = new Promise(() => undefined);
  const client: MqttClient = mqtt.connect(o.url, {
    clientId: `${o.clientId}-dynsec`,
    clean: true,
    username: o.username,
    password: o.password,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(o.ca ? { ca: o.ca, rejectUnauthorized: true } : {}),
  });
  client.on('connect', () => {
    subscribed = client.subscribeAsync(RESPONSE, { qos: 1 }).then(
      (granted) => {
        if (granted.some((g) => g.qos >= 0x80))
          o.log.error('dynamic-security responses not readable: give the gateway login the dynsec admin role');
      },
      (err: Error) => o.log.error({ err }, 'subscribing to dynamic-security responses failed'),
    );
  });
  client.on('error', (err) => o.log.warn({ err }, 'mqtt dynamic-security connection error'));
  client.on('message', (_topic, payload) => {
    let answers: Answer[] = [];
    try {
      answers = (JSON.parse(payload.toString()) as { responses?: Answer[] }).responses ?? [];
    } catch {
      return;
    }
    for (const a of answers) {
      const resolve = a.correlationData ? waiting.get(a.correlationData) : undefined;
      if (resolve) resolve(a);
    }
  });

  /** Sends the commands as one message; resolves with their answers in order. */
  async function run(commands: Command[]): Promise<Answer[]> {
    if (!client.connected) throw new BrokerRefused(`not connected to the broker at ${redactUrl(o.url)}`);
    await subscribed;
    const batch = randomUUID();
    const ids = commands.map((_, i) => `${batch}:${i}`);
    const answers = ids.map((id) => new Promise<Answer>((resolve) => waiting.set(id, resolve)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BrokerRefused(
              `the broker did not answer the dynamic-security commands within ${ANSWER_MS} ms (is the plugin loaded and the gateway login its admin?)`,
            ),
          ),
        ANSWER_MS,
      );
    });
    try {
      await client.publishAsync(REQUEST, JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: ids[i] })) }), {
        qos: 1,
      });
      return await Promise.race([Promise.all(answers), timeout]);
    } finally {
      clearTimeout(timer);
      for (const id of ids) waiting.delete(id);
    }
  }

  const failed = (a: Answer, ok: string[] = []) => a.error !== undefined && !ok.includes(a.error);
  const refuse = (a: Answer) => new BrokerRefused(`broker refused ${a.command}: ${a.error}`);

  return {
    async set(kioskId, password) {
      const rolename = kioskRole(kioskId);
      const login = { username: kioskId, password, clientid: kioskId, roles: [{ rolename }] };
      const [role, created] = await run([
        { command: 'createRole', rolename, acls: kioskAcls(o.prefix, kioskId) },
        { command: 'createClient', ...login },
      ]);
      if (failed(role!, ['Role already exists'])) throw refuse(role!);
      if (role!.error !== undefined) {
        // A role made before `arm` existed: give it what it lacks (a rotation upgrades an older kiosk's role).
        const added = await run(kioskAcls(o.prefix, kioskId).map((acl) => ({ command: 'addRoleACL', rolename, ...acl })));
        for (const a of added) if (failed(a, ['ACL with this topic already exists'])) throw refuse(a);
      }
      if (!failed(created!, ['Client already exists'])) {
        if (created!.error === undefined) return o.log.info({ kioskId }, 'kiosk login created on the broker');
        // Known already (a rotation, or revoked): new password and client id, roles, enabled; modifyClient disconnects it.
        for (const a of await run([
          { command: 'modifyClient', ...login },
          { command: 'enableClient', username: kioskId },
        ])) {
          if (failed(a)) throw refuse(a);
        }
        return o.log.info({ kioskId }, 'kiosk login replaced on the broker; its live sessions were dropped');
      }
      throw refuse(created!);
    },
    async revoke(kioskId) {
      const [a] = await run([{ command: 'disableClient', username: kioskId }]);
      if (failed(a!, ['Client not found'])) throw refuse(a!);
      o.log.info({ kioskId }, 'kiosk login disabled on the broker; its live sessions were dropped');
    },
    async close() {
      await client.endAsync();
    },
  };
}
