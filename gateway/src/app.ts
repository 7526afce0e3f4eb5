/**
 * `buildApp(config)` wires store, MQTT (broker, client, ingest) and the REST API. It never listens:
 * server.ts does, and tests use `app.inject()`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { createLogger } from '../../shared/src/log.js';
import { bootstrapAdminKey, printAdminKeyOnce } from './bootstrap.js';
import type { GatewayConfig } from './lib/config.js';
import { createHttpServer } from './http-server.js';
import { FleetView } from './ingest/fleet-view.js';
import { GatewayMetrics } from './lib/metrics.js';
import { PressFeed } from './lib/press-feed.js';
import { startMqtt, type MqttRuntime } from './mqtt/runtime.js';
import { roleGuard, type LoginThrottle } from './plugins/app/auth.js';
import { registerCsv } from './plugins/app/csv.js';
import { registerErrorHandling } from './plugins/app/errors.js';
import { registerJsonBody } from './plugins/app/json-body.js';
import { registerHelmet } from './plugins/external/helmet.js';
import { registerRateLimit } from './plugins/external/rate-limit.js';
import { registerSwagger } from './plugins/external/swagger.js';
import { apiKeyRoutes } from './routes/api/v1/api-keys.js';
import { assignmentRoutes } from './routes/api/v1/assignments.js';
import { countRoutes } from './routes/api/v1/counts.js';
import { orgRoutes } from './routes/api/v1/org.js';
import { rotaRoutes } from './routes/api/v1/rota.js';
import { queueRoutes } from './routes/api/v1/queue.js';
import { scoreRoutes } from './routes/api/v1/scores.js';
import { deadLetterRoutes } from './routes/api/v1/dead-letters.js';
import { healthRoutes } from './routes/api/v1/health.js';
import { kioskRoutes } from './routes/api/v1/kiosks.js';
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
  try {
    await store.migrate();
    const generated = await bootstrapAdminKey(store, config.adminToken);
    if (generated) printAdminKeyOnce(generated);
    // On PostgreSQL other gateways may ingest some kiosks' statuses: reread the fleet every minute.
    await fleet.start(config.databaseUrl ? 60_000 : undefined);
    mqtt = await startMqtt(config, store, log, { metrics, fleet, feed });
  } catch (err) {
    fleet.stop();
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
  app.decorate('gateway', { config, store, mqtt, metrics, fleet, feed });
  await registerHelmet(app, config.http.tls !== undefined);
  registerErrorHandling(app);
  registerJsonBody(app);
  registerCsv(app);
  await registerSwagger(app);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const throttle: LoginThrottle = await registerRateLimit(app, config.http);
  const deps = { config, store, mqtt, metrics, fleet, feed, guard: roleGuard(store, config.devMode, throttle) };
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
  ]) {
    await api.register(routes, { prefix: '/api/v1', ...deps });
  }
  await api.register(metricsRoutes, deps);
  const prune = setInterval(() => {
    store.pruneDeadLetters(config.deadLettersMax).catch((err: Error) => log.warn({ err }, 'pruning dead letters failed'));
  }, DEAD_LETTER_PRUNE_MS).unref();
  app.addHook('onClose', async () => {
    clearInterval(prune);
    fleet.stop();
    await mqtt.stop();
    await store.close();
  });
  return app;
}
