/**
 * Security headers on every answer (@fastify/helmet's defaults: CSP `default-src 'self'`, nosniff,
 * frame and referrer policies…), HSTS only when the API itself speaks TLS (a browser that saw it once
 * would refuse plain HTTP to this host for a year). API answers hold keys, passwords and private figures:
 * no cache may keep them.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export async function registerHelmet(app: FastifyInstance, tls: boolean): Promise<void> {
  await app.register(helmet, { global: true, hsts: tls });
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
}
