/** One error shape for the whole API: `{ error, message }`, 4xx for anything the client did. */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';

export function httpError(statusCode: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.validation ? 400 : err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: STATUS_CODES[status] ?? 'Error', message: 'internal error; see the gateway log' });
    }
    const message = err.validation ? describeValidation(err.validation, err.validationContext) : err.message;
    return reply.code(status).send({ error: STATUS_CODES[status] ?? 'Error', message });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}

/**
 * Ajv reports a value outside a union of literals as one "must be equal to constant" per literal plus
 * "must match a schema in anyOf": say instead which values are allowed, once per field.
 */
export function describeValidation(errors: FastifySchemaValidationError[], context = 'body'): string {
  const allowed = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword === 'const') allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), e.params.allowedValue]);
    if (e.keyword === 'enum')
      allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), ...(e.params.allowedValues as unknown[])]);
  }
  const messages = new Set<string>();
  for (const e of errors) {
    const where = `${context}${e.instancePath}`;
    const values = allowed.get(e.instancePath);
    if (values && ['const', 'enum', 'anyOf'].includes(e.keyword)) messages.add(`${where} must be one of: ${values.map(String).join(', ')}`);
    else messages.add(`${where} ${e.message ?? 'is invalid'}`);
  }
  return [...messages].join('; ');
}
