/** OpenAPI from the route schemas, served at /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';

/** What each status means across the API, unless a route says more (`x-response-description`). */
const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'Done; no body',
  400: 'The request is invalid: `message` names the field and what is wrong',
  401: 'No API key, a malformed Authorization header, or an unknown key',
  403: "The key's role may not do this",
  404: "No such resource, or it is outside the key's scope",
  409: 'Conflicts with what is stored (a taken id, a reference still in use)',
  429: 'Too many requests or failed logins from this source; retry later',
  503: 'The gateway cannot do this now (see the message)',
};

type JsonObject = Record<string, unknown> & { properties?: Record<string, { default?: unknown }>; required?: string[] };

/**
 * The route schemas are shared TypeBox objects, so the document gets copies: every response gets a
 * description (instead of "Default Response"), and a query parameter with a default is optional.
 */
export function documentRoute(schema: FastifySchema): FastifySchema {
  const out: FastifySchema = { ...schema };
  const query = schema.querystring as JsonObject | undefined;
  if (query?.required && query.properties) {
    const props = query.properties;
    out.querystring = { ...query, required: query.required.filter((name) => props[name]?.default === undefined) };
  }
  const responses = schema.response as Record<string, JsonObject> | undefined;
  if (responses) {
    out.response = Object.fromEntries(
      Object.entries(responses).map(([code, body]) => [
        code,
        { ...body, 'x-response-description': body['x-response-description'] ?? RESPONSE_DESCRIPTIONS[code] ?? `HTTP ${code}` },
      ]),
    );
  }
  return out;
}

export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Loyalty Button gateway',
        version: '1',
        description:
          'Kiosks, organisation, scores and rankings. Every call but /api/v1/health needs `Authorization: Bearer <API key>`; errors are `{ error, message }`. CSV with `Accept: text/csv` where noted.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url }) => ({ schema: schema ? documentRoute(schema) : schema, url }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
