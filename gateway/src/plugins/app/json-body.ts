/**
 * JSON bodies with fastify's own parser (prototype-poisoning checks included), but a large one waits for
 * its turn (event-loop.ts) first: four 400 KB uploads that arrive together would otherwise be parsed
 * — and garbage-collected after — in one turn of the loop, with every kiosk ack waiting behind them.
 */
import type { FastifyInstance } from 'fastify';
import { nextTurn } from '../../lib/event-loop.js';

const LARGE = 64 * 1024;

export function registerJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body); // parseAs 'string'
    if (text.length < LARGE) return parse(req, text, done);
    void nextTurn().then(() => parse(req, text, done));
  });
}
