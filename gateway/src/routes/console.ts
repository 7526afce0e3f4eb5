/**
 * The manager's console at `/`: the files `npm run build` bundles into dist/web (scripts/build-web.ts),
 * served by @fastify/static. Hashed assets are cached for a year; index.html is revalidated each time so
 * a new build shows at once. The console gets a strict CSP (no inline script or style sheet, nothing from
 * other origins); /api, /docs and /metrics keep theirs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** dist/web of the checkout, whether the gateway runs built (dist/gateway/src/…) or from source (tests). */
export function consoleDir(from = import.meta.dirname): string | undefined {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) {
      const web = path.join(dir, 'dist/web');
      return existsSync(path.join(web, 'index.html')) ? web : undefined;
    }
  }
  return undefined;
}

const HASHED = /-[A-Z0-9]{8}\.(js|css|map)$/;

export const consoleRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, opts) => {
  const root = opts.dir ?? consoleDir();
  if (!root) {
    app.log.warn('the console is not built (no dist/web/index.html): run `npm run build`; GET / answers 503');
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.\n'),
    );
    return;
  }
  app.addHook('onSend', async (req, reply) => {
    if (!req.url.startsWith('/api/')) reply.header('content-security-policy', CONSOLE_CSP);
  });
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // One route per built file, registered at start: unknown paths stay the API's JSON 404.
    wildcard: false,
    preCompressed: true,
    cacheControl: false,
    schemaHide: true,
    setHeaders(res, file) {
      res.setHeader('cache-control', HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
};
