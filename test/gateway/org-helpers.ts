/** Organisation set-up and press ingestion for score tests: through the REST API and the real ingest path. */
import type { FastifyInstance } from 'fastify';
import { ulid } from 'ulid';
import { expect } from 'vitest';
import { kioskTopic, type Event } from '../../shared/src/index.js';
import { admin, prefix } from './helpers.js';

export async function call(app: FastifyInstance, method: Method, url: string, payload?: unknown, headers: Record<string, string> = admin) {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return {
    status: res.statusCode,
    body: String(res.headers['content-type'] ?? '').startsWith('application/json') ? res.json() : res.body,
    headers: res.headers,
  };
}

/** Like `call`, but the request must succeed. */
export async function ok(app: FastifyInstance, method: Method, url: string, payload?: unknown) {
  const res = await call(app, method, url, payload);
  expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const seqs = new Map<string, number>();

/** A press event; `at` is an ISO instant. Seq increases per kiosk unless given. */
export function press(kioskId: string, panel: string, button: Event['button'], at: string, extra: Partial<Event> = {}): Event {
  const seq = extra.seq ?? (seqs.get(kioskId) ?? 0) + 1;
  seqs.set(kioskId, Math.max(seq, seqs.get(kioskId) ?? 0));
  return {
    id: ulid(),
    seq,
    panel,
    button,
    at,
    clockSynced: true,
    bootId: 'boot-1',
    uptimeMs: Date.parse(at) % 1_000_000_000,
    flags: [],
    ...extra,
  };
}

/** Ingests events through the gateway's own ingest pipeline (validate → commit) and waits for the commit. */
export async function ingest(app: FastifyInstance, kioskId: string, events: Event[]): Promise<void> {
  const { ingest } = app.gateway.mqtt;
  ingest.handle(kioskTopic(prefix, kioskId, 'events'), Buffer.from(JSON.stringify({ v: 1, kioskId, events })));
  await ingest.idle();
}

export const staffPanel = (id = 'desk') => ({ id, kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } });
export const officePanel = (id = 'office') => ({ id, kind: 'office', pins: { good: 5, neutral: 6, bad: 7 } });
export const loyaltyPanel = (id = 'loyalty') => ({ id, kind: 'loyalty', pins: { good: 8, neutral: 9, bad: 10 } });

/** Presses `n` times, one minute apart from `start`, so no misuse rule fires. */
export function spaced(kioskId: string, panel: string, buttons: Event['button'][], start: string): Event[] {
  return buttons.map((b, i) => press(kioskId, panel, b, new Date(Date.parse(start) + i * 60_000).toISOString()));
}

/** n presses of each button, in that order: good, neutral, bad. */
export const mix = (good: number, neutral: number, bad: number): Event['button'][] => [
  ...Array<Event['button']>(good).fill('good'),
  ...Array<Event['button']>(neutral).fill('neutral'),
  ...Array<Event['button']>(bad).fill('bad'),
];

/** Two offices in Moscow's zone, msk and spb, and a desk with its employee on duty since 2026-03-01 for each [desk, office, employee]. */
export async function twoOffices(app: FastifyInstance, staff: ReadonlyArray<readonly [string, 'msk' | 'spb', string]>): Promise<void> {
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow' });
  await ok(app, 'POST', '/offices', { id: 'spb', name: 'Saint Petersburg', timeZone: 'Europe/Moscow' });
  for (const [desk, office, employee] of staff) {
    await ok(app, 'POST', '/desks', { id: desk, officeId: office, name: desk });
    await ok(app, 'POST', '/employees', { id: employee, name: employee, officeId: office });
    await ok(app, 'POST', '/assignments', { deskId: desk, employeeId: employee, from: '2026-03-01T00:00:00Z' });
  }
}

/**
 * Office msk (Moscow) with desk msk-1, Elena on duty from 2026-01-01, kiosk k-msk with staff panel `desk` at
 * msk-1, and a webhook subscription of the CRM to msk's negative presses (its secret set on `crm`).
 */
export async function mskDeskWithCrmHook(app: FastifyInstance, crm: { url: string; secret?: string }): Promise<void> {
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow' });
  await ok(app, 'POST', '/desks', { id: 'msk-1', officeId: 'msk', name: 'Window 1' });
  await ok(app, 'POST', '/employees', { id: 'elena', name: 'Elena Ivanova', officeId: 'msk' });
  await ok(app, 'POST', '/assignments', { deskId: 'msk-1', employeeId: 'elena', from: '2026-01-01T00:00:00Z' });
  await ok(app, 'POST', '/kiosks', { id: 'k-msk', officeId: 'msk', panels: [{ ...staffPanel(), deskId: 'msk-1' }] });
  crm.secret = (
    await ok(app, 'POST', '/webhooks', { url: crm.url, scope: { level: 'office', id: 'msk' }, kinds: ['negative-press'] })
  ).secret;
}
