/** Set-up shared by the CRM e2e tests: an office with a desk, an employee on duty and a kiosk, over the real HTTP API; a settings change killed half-way. */
import { expect } from 'vitest';
import { type Gateway, registerKiosk, startGateway } from '../../scripts/lib/processes.js';

/** Office msk (Moscow) with desk msk-1, Elena on duty from 2026-01-01, kiosk k-msk with staff panel `desk` bound to it. */
export async function crmOffice(gw: Gateway): Promise<{ password: string }> {
  for (const [path, body] of [
    ['/api/v1/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow' }],
    ['/api/v1/desks', { id: 'msk-1', officeId: 'msk', name: 'Window 1' }],
    ['/api/v1/employees', { id: 'elena', name: 'Elena Ivanova', officeId: 'msk' }],
    ['/api/v1/assignments', { deskId: 'msk-1', employeeId: 'elena', from: '2026-01-01T00:00:00Z' }],
  ] as const) {
    const r = await gw.api('POST', path, body);
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(201);
  }
  const creds = await registerKiosk(gw, 'k-msk', {
    officeId: 'msk',
    panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, deskId: 'msk-1' }],
  });
  return { password: creds.password };
}

/** A key of `role` scoped to msk, as an Authorization header. */
export async function mskKey(gw: Gateway, role: string, name: string): Promise<Record<string, string>> {
  const r = await gw.api('POST', '/api/v1/api-keys', { name, role, offices: ['msk'] });
  expect(r.status).toBe(201);
  return { authorization: `Bearer ${r.body.key}` };
}

/** A request with another key than the admin's. */
export async function callAs(
  gw: Gateway,
  key: Record<string, string>,
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: callers read the JSON they expect.
): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * A settings change that dies half-way: `setup` is stopped; a gateway on its data, armed with the test-only
 * fault `fault`, is sent the PATCH and must be SIGKILLed by it before answering; then one is started on the
 * same data without the fault (it carries the change on before it serves) and returned. Every gateway
 * started is pushed to `gateways`, for the caller's clean-up.
 */
export async function settingsChangeKilledAt(
  setup: Gateway,
  fault: string,
  patch: Record<string, unknown>,
  gateways: Gateway[],
  databaseUrl?: string,
): Promise<Gateway> {
  await setup.proc.kill('SIGTERM');
  gateways.splice(gateways.indexOf(setup), 1);
  const db = databaseUrl ? { databaseUrl } : {};
  const doomed = await startGateway({ dataDir: setup.dataDir, ...db, env: { LB_TEST_ONLY_FAULT: fault }, readyTimeoutMs: 60_000 });
  gateways.push(doomed);
  await expect(doomed.api('PATCH', '/api/v1/settings', patch)).rejects.toThrow();
  await doomed.proc.exited;
  expect(doomed.proc.child.signalCode).toBe('SIGKILL');
  const again = await startGateway({ dataDir: setup.dataDir, ...db, readyTimeoutMs: 60_000 });
  gateways.push(again);
  return again;
}
