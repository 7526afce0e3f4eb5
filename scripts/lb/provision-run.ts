/** The work of `lb provision` (provision.ts explains the proof), loaded only when it runs. */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { ConfigError, DEFAULT_PANELS, resolveConfig } from '../../device/src/config.js';
import { DEFAULT_TOPIC_PREFIX, kioskTopic, type StatusMessage } from '../../shared/src/index.js';
import { Api } from './api.js';
import { CliError } from './cli.js';
import { writeConfigAtomically } from './config-file.js';
import { assertNotOtherKiosk, bindingFor, checkOrg, panelsFrom, type ProvisionOptions } from './provision.js';

export interface ProvisionResult {
  kioskId: string;
  registered: 'new' | 'rotated';
  config: string;
  mqttUrl: string;
  bindings: { panel: string; officeId: string; deskId: string | null }[];
  proof: { connackMs: number; heardMs: number; statusAt: string };
}

export async function provision(opts: ProvisionOptions, json: boolean): Promise<ProvisionResult> {
  const step = (text: string) => {
    if (!json) console.log(`✓ ${text}`);
  };
  // Everything that can be checked here is, before the gateway is changed.
  const timeoutMs = Number(opts.timeout) * 1000;
  const api = new Api(opts);
  assertNotOtherKiosk(opts.config, opts.id, opts.force);
  const panels = panelsFrom(opts.panelsFile, DEFAULT_PANELS);
  const mqttUrl = opts.mqttUrl ?? (await embeddedBrokerUrl(api));
  const file = {
    kioskId: opts.id,
    mqtt: { url: mqttUrl, username: opts.id, ...(opts.mqttCa ? { ca: opts.mqttCa } : {}) },
    dataDir: opts.dataDir,
    board: opts.board,
    panels,
  };
  validate(file);
  await checkOrg(api, opts.office, opts.desk);

  // Register; a kiosk registered before (re-provisioned, or a second try) gets new credentials instead.
  const body = {
    id: opts.id,
    ...(opts.office ? { officeId: opts.office } : {}),
    panels: panels.map((p) => ({ ...p, ...(p.kind === 'staff' && opts.desk ? { deskId: opts.desk } : {}) })),
  };
  const reg = await api.send<{ mqtt: { password: string } }>('POST', '/kiosks', body);
  let password: string;
  let registered: ProvisionResult['registered'];
  if (reg.status === 201) {
    password = reg.body.mqtt.password;
    registered = 'new';
    step(`registered kiosk ${opts.id}`);
  } else if (reg.status === 409) {
    const rotated = await api.request<{ mqtt: { password: string } }>('POST', `/kiosks/${encodeURIComponent(opts.id)}/credentials`);
    password = rotated.mqtt.password;
    registered = 'rotated';
    step(`kiosk ${opts.id} was already registered: rotated its credentials (the old password no longer works)`);
  } else throw api.refusal(reg.status, reg.body, 'POST', '/kiosks');

  // Bind every panel (again after a rotation: the panels or the desk may have changed).
  const bindings: ProvisionResult['bindings'] = [];
  for (const panel of panels) {
    const b = bindingFor(panel, opts.office, opts.desk);
    if (!b) continue;
    const bound = await api.request<{ panel: string; officeId: string; deskId: string | null }>(
      'PUT',
      `/kiosks/${encodeURIComponent(opts.id)}/panels/${encodeURIComponent(panel.id)}/binding`,
      { kind: panel.kind, ...b },
    );
    bindings.push({ panel: bound.panel, officeId: bound.officeId, deskId: bound.deskId });
    step(`panel ${panel.id} scores for ${bound.deskId ? `desk ${bound.deskId} in ` : ''}office ${bound.officeId}`);
  }
  if (panels.length > 0 && bindings.length === 0) step('panels not bound (no --office/--desk): their presses are stored but not scored');

  writeConfigAtomically(opts.config, { ...file, mqtt: { ...file.mqtt, password } });
  step(`wrote ${opts.config} (mode 0600)`);

  const proof = await proveConnection(api, { url: mqttUrl, id: opts.id, password, ca: opts.mqttCa, timeoutMs });
  step(`kiosk logged in to ${redact(mqttUrl)} in ${proof.connackMs} ms and the gateway heard it in ${proof.heardMs} ms`);
  if (!json) console.log(`done: start the agent (systemctl restart lb-kiosk, or bin/lb-kiosk --config ${opts.config})`);
  return { kioskId: opts.id, registered, config: opts.config, mqttUrl, bindings, proof };
}

/** The embedded broker's port from /health, on the gateway's host. */
async function embeddedBrokerUrl(api: Api): Promise<string> {
  const health = await api.health();
  const port = health.broker?.port;
  if (health.broker?.mode !== 'embedded' || !port)
    throw new CliError('the gateway uses an external broker: give --mqtt-url (the URL kiosks connect to)', 2);
  return `mqtt://${api.hostname}:${port}`;
}

function validate(file: Record<string, unknown>): void {
  try {
    resolveConfig(file, {});
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`the kiosk config would be invalid: ${err.problems.join('; ')}`, 2);
    throw err;
  }
}

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

/** Logs in as the kiosk and waits until the gateway shows the status it published (see provision.ts). */
async function proveConnection(
  api: Api,
  k: { url: string; id: string; password: string; ca?: string | undefined; timeoutMs: number },
): Promise<ProvisionResult['proof']> {
  const started = Date.now();
  const topic = (kind: 'status' | 'acks' | 'config') => kioskTopic(DEFAULT_TOPIC_PREFIX, k.id, kind);
  const offline = JSON.stringify({ v: 1, state: 'offline' } satisfies StatusMessage);
  const client = mqtt.connect(k.url, {
    clientId: k.id,
    username: k.id,
    password: k.password,
    clean: true, // leaves no session behind; the agent subscribes again when it connects
    reconnectPeriod: 0,
    connectTimeout: k.timeoutMs,
    protocolVersion: 4,
    will: { topic: topic('status'), payload: Buffer.from(offline), qos: 1, retain: true },
    ...(k.ca ? { ca: readFileSync(k.ca), rejectUnauthorized: true } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (err) => reject(err));
      client.once('close', () => reject(new Error('the connection closed before the broker answered')));
    }).catch((err: Error & { code?: string | number }) => {
      const refused = typeof err.code === 'number' ? ` (CONNACK ${err.code})` : err.code ? ` (${err.code})` : '';
      throw new CliError(`the kiosk could not log in to the broker at ${redact(k.url)}: ${err.message}${refused}`, 7);
    });
    const connackMs = Date.now() - started;
    const granted = await client.subscribeAsync([topic('acks'), topic('config')], { qos: 1 });
    if (granted.some((g) => g.qos === 128))
      throw new CliError('the broker refused the kiosk its acks/config topics (check the broker ACL, docs/gateway.md)', 7);
    const statusAt = new Date().toISOString();
    const status: StatusMessage = { v: 1, state: 'offline', at: statusAt };
    await client.publishAsync(topic('status'), JSON.stringify(status), { qos: 1, retain: true });
    const sent = Date.now();
    const deadline = sent + k.timeoutMs;
    for (;;) {
      const kiosk = await api.request<{ status: { payload: StatusMessage } | null }>('GET', `/kiosks/${encodeURIComponent(k.id)}`);
      if (kiosk.status?.payload.at === statusAt) return { connackMs, heardMs: Date.now() - sent, statusAt };
      if (Date.now() > deadline)
        throw new CliError(
          `the broker took the kiosk's login but the gateway did not record its status within ${k.timeoutMs / 1000} s (is the gateway subscribed to this broker?)`,
          7,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    // A clean DISCONNECT: the broker drops the will, so the stamped status stays as published.
    if (client.connected) await client.endAsync();
    else client.end(true);
  }
}
