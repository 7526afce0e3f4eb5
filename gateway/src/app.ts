/**
 * `buildApp(config)` wires store, MQTT (broker, client, ingest) and the REST API. It never listens:
 * server.ts does, and tests use `app.inject()`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { createLogger } from '../../shared/src/log.js';
import { AlertEngine } from './alerts/engine.js';
import { wakeOnNegativePresses } from './alerts/negative-presses.js';
import { bootstrapAdminKey, printAdminKeyOnce } from './bootstrap.js';
import type { GatewayConfig } from './lib/config.js';
import { startDelivery } from './delivery/index.js';
import { createHttpServer } from './http-server.js';
import { FleetView } from './ingest/fleet-view.js';
import { GatewayMetrics } from './lib/metrics.js';
import { PressFeed } from './lib/press-feed.js';
import { LIVE_DEFAULTS, LiveHub } from './live/hub.js';
import { FeedRelay } from './live/relay.js';
import { startMqtt, type MqttRuntime } from './mqtt/runtime.js';
import { roleGuard, type LoginThrottle } from './plugins/app/auth.js';
import { registerCsv } from './plugins/app/csv.js';
import { registerErrorHandling } from './plugins/app/errors.js';
import { registerJsonBody } from './plugins/app/json-body.js';
import { registerSessions } from './plugins/app/session.js';
import { registerHelmet } from './plugins/external/helmet.js';
import { registerRateLimit } from './plugins/external/rate-limit.js';
import { registerSwagger } from './plugins/external/swagger.js';
import { apiKeyRoutes } from './routes/api/v1/api-keys.js';
import { assignmentRoutes } from './routes/api/v1/assignments.js';
import { countRoutes } from './routes/api/v1/counts.js';
import { orgRoutes } from './routes/api/v1/org.js';
import { alertRoutes } from './routes/api/v1/alerts.js';
import { caseRoutes } from './routes/api/v1/cases.js';
import { alertRuleRoutes } from './routes/api/v1/alert-rules.js';
import { rotaRoutes } from './routes/api/v1/rota.js';
import { queueRoutes } from './routes/api/v1/queue.js';
import { scoreRoutes } from './routes/api/v1/scores.js';
import { interventionRoutes } from './routes/api/v1/interventions.js';
import { referenceRoutes } from './routes/api/v1/references.js';
import { mysteryShopperRoutes } from './routes/api/v1/mystery-shopper.js';
import { sessionRoutes } from './routes/api/v1/session.js';
import { deadLetterRoutes } from './routes/api/v1/dead-letters.js';
import { healthRoutes } from './routes/api/v1/health.js';
import { kioskRoutes } from './routes/api/v1/kiosks.js';
import { liveRoutes } from './routes/api/v1/live.js';
import { deliveryRoutes } from './routes/api/v1/deliveries.js';
import { reportRoutes } from './routes/api/v1/reports.js';
import { webhookRoutes } from './routes/api/v1/webhooks.js';
import { consoleRoutes } from './routes/console.js';
import { metricsRoutes } from './routes/metrics.js';
import { PgStore } from './store/postgres.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

export interface Gateway {
  config: GatewayConfig;
  store: Store;
  mqtt: MqttRuntime;
  metrics: GatewayMetrics;
  fleet: FleetView;
  /** Every press and status committed, by this gateway (and on PostgreSQL by the others). */
  feed: PressFeed;
  /** The open live streams (GET /api/v1/live). */
  live: LiveHub;
  /** Judges the alert rules after presses and on a tick (alerts/engine.ts). */
  alerts: AlertEngine;
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: Gateway;
  }
}

export interface BuildOptions {
  logger?: Logger;
  store?: Store;
}

const DEAD_LETTER_PRUNE_MS = 60_000;

export async function buildApp(config: GatewayConfig, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const log = opts.logger ?? createLogger({ level: config.logLevel });
  const store = opts.store ?? (config.databaseUrl ? new PgStore(config.databaseUrl) : new SqliteStore(config.dbFile));
  let mqtt: MqttRuntime;
  const metrics = new GatewayMetrics();
  const fleet = new FleetView(store, config.health, log.child({ component: 'fleet' }));
  fleet.registerGauges(metrics);
  const feed = new PressFeed();
  // A heartbeat well inside the API's idle timeout, or the server would cut quiet streams.
  const heartbeatMs = Math.min(LIVE_DEFAULTS.heartbeatMs, Math.floor(config.http.requestTimeoutMs / 2));
  const live = new LiveHub(store, feed, log.child({ component: 'live' }), { ...LIVE_DEFAULTS, heartbeatMs });
  // Several gateways on one PostgreSQL: each relays its commits to the others' feeds (live/relay.ts).
  const relay = config.databaseUrl
    ? new FeedRelay(feed, config.databaseUrl, log.child({ component: 'live-relay' }), () => live.resync())
    : undefined;
  try {
    await store.migrate();
    // A gateway stopped half-way through a settings change (presses judged again under new misuse rules,
    // the CRM fed the neutral presses that became cases) carries on.
    await store.rejudge();
    await store.feedNeutralCases();
    const generated = await bootstrapAdminKey(store, config.adminToken);
    if (generated) printAdminKeyOnce(generated);
    // On PostgreSQL other gateways may ingest some kiosks' statuses: reread the fleet every minute.
    await fleet.start(config.databaseUrl ? 60_000 : undefined);
    await relay?.start();
    mqtt = await startMqtt(config, store, log, { metrics, fleet, feed });
  } catch (err) {
    fleet.stop();
    await relay?.stop();
    await store.close();
    throw err;
  }
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    serverFactory: (handler) => createHttpServer(config.http, log, handler),
    // req.ip, which failed logins are counted by, is the TCP peer unless it is a proxy named here.
    trustProxy: config.http.trustProxy ?? false,
  });
  const alerts = new AlertEngine(store, { tickMs: config.alertTickMs, health: config.health, log: log.child({ component: 'alerts' }) });
  alerts.start(feed);
  app.decorate('gateway', { config, store, mqtt, metrics, fleet, feed, live, alerts });
  await registerHelmet(app, config.http.tls !== undefined);
  registerErrorHandling(app);
  registerJsonBody(app);
  registerCsv(app);
  await registerSwagger(app);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const throttle: LoginThrottle = await registerRateLimit(app, config.http);
  const delivery = startDelivery(store, config.delivery, log.child({ component: 'delivery' }));
  const stopWaking = wakeOnNegativePresses(feed, () => delivery.wake());
  const sessions = await registerSessions(app, store, config.http);
  const guard = roleGuard(store, config.devMode, throttle, sessions);
  const deps = { config, store, mqtt, metrics, fleet, feed, live, delivery, guard, throttle, sessions };
  for (const routes of [
    healthRoutes,
    kioskRoutes,
    deadLetterRoutes,
    apiKeyRoutes,
    orgRoutes,
    assignmentRoutes,
    rotaRoutes,
    queueRoutes,
    countRoutes,
    scoreRoutes,
    interventionRoutes,
    referenceRoutes,
    mysteryShopperRoutes,
    liveRoutes,
    alertRuleRoutes,
    alertRoutes,
    webhookRoutes,
    deliveryRoutes,
    reportRoutes,
    sessionRoutes,
    caseRoutes,
  ]) {
    await api.register(routes, { prefix: '/api/v1', ...deps });
  }
  await api.register(metricsRoutes, deps);
  await app.register(consoleRoutes);
  const prune = setInterval(() => {
    store.pruneDeadLetters(config.deadLettersMax).catch((err: Error) => log.warn({ err }, 'pruning dead letters failed'));
  }, DEAD_LETTER_PRUNE_MS).unref();
  // Live streams never end by themselves: end them before the server waits for its connections to close.
  app.addHook('preClose', async () => live.close());
  app.addHook('onClose', async () => {
    clearInterval(prune);
    await relay?.stop();
    await alerts.stop();
    stopWaking();
    await delivery.stop();
    fleet.stop();
    await mqtt.stop();
    await store.close();
  });
  return app;
}
