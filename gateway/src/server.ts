/** Entry point: config from the environment, listen, shut down gracefully on a signal. */
import type { AddressInfo } from 'node:net';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type GatewayConfig } from './lib/config.js';
import { createLogger } from '../../shared/src/log.js';

function exitOnConfigError(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`gateway: invalid configuration:\n  ${err.problems.join('\n  ')}`);
  process.exit(2);
}

function configOrExit(): GatewayConfig {
  try {
    return loadConfig();
  } catch (err) {
    exitOnConfigError(err);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger({ level: config.logLevel });
  // Some settings can only be checked against the database (a revoked LB_ADMIN_TOKEN): also exit 2.
  const app = await buildApp(config, { logger: log }).catch(exitOnConfigError);
  closeWithGrace({ delay: 10_000, logger: { error: (msg: unknown) => log.error(String(msg)) } }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info({ signal }, 'shutting down');
    await app.close(); // ingest finishes its transaction (commit + acks), then MQTT, broker and database close
    log.info('gateway stopped');
  });
  // The server is ours (http-server.ts), so fastify cannot tell it speaks HTTPS: the listening line says so.
  const scheme = config.http.tls ? 'https' : 'http';
  await app.listen({
    port: config.http.port,
    host: config.http.host,
    listenTextResolver: (address) => `Server listening at ${address.replace(/^https?:/, `${scheme}:`)}`,
  });
  const httpPort = (app.server.address() as AddressInfo).port;
  // The ready line is an interface (process tests and scripts wait for it): printed at any LB_LOG_LEVEL.
  log.child({}, { level: 'info' }).info(
    {
      httpPort,
      httpScheme: scheme,
      mqttPort: app.gateway.mqtt.brokerPort,
      mqttMode: app.gateway.mqtt.mode,
      mqttTls: app.gateway.mqtt.tls,
      dataDir: config.dataDir,
    },
    'gateway ready',
  );
}

main().catch((err: unknown) => {
  console.error('gateway: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
