/**
 * The API's HTTP server, made by us rather than by fastify so every limit is set in one place. Fastify's
 * defaults suit a server behind a proxy that absorbs slow clients; ours faces them: with no request
 * timeout, 22 500 connections trickling a 1 MB body held 20 000 file descriptors for minutes and the
 * kiosks (MQTT, same process) could no longer connect.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { GatewayConfig } from './lib/config.js';

/** Headers come first and are small: they get at most this long even when the whole request may take longer. */
const HEADERS_TIMEOUT_MS = 10_000;
/** Node's own default; fastify's 72 s keeps idle keep-alive connections (each a descriptor) much longer. */
const KEEP_ALIVE_TIMEOUT_MS = 5000;
/** How often node looks for requests past their timeouts (its default, 30 s, would double a 30 s timeout). */
const TIMEOUT_CHECK_MS = 1000;
/** Connections refused at the cap are summed up in one log line per interval, not one line each. */
const DROP_REPORT_MS = 10_000;

export function createHttpServer(config: GatewayConfig['http'], log: Logger, handler: http.RequestListener): http.Server {
  const limits = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.requestTimeoutMs),
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  };
  // HTTPS: a TLS handshake that has not finished within the headers' time is dropped too (node waits 120 s).
  const server = config.tls
    ? (https.createServer(
        { ...limits, ...config.tls, handshakeTimeout: limits.headersTimeout, minVersion: 'TLSv1.2' },
        handler,
      ) as unknown as http.Server)
    : http.createServer(limits, handler);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // A connection silent for the whole request timeout is closed too (an idle one before that, by keep-alive).
  server.setTimeout(config.requestTimeoutMs);
  // Beyond the cap node accepts and closes at once: the process never holds more descriptors for the API.
  server.maxConnections = config.maxConnections;
  let dropped = 0;
  server.on('drop', () => dropped++);
  const report = setInterval(() => {
    if (dropped === 0) return;
    log.warn({ dropped, maxConnections: config.maxConnections }, 'API connections refused at LB_HTTP_MAX_CONNECTIONS');
    dropped = 0;
  }, DROP_REPORT_MS).unref();
  server.on('close', () => clearInterval(report));
  return server;
}
