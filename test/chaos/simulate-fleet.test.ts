/**
 * `npm run simulate` end to end: the built CLI, its own gateway (database kept), protocol kiosks and one
 * full agent. Then a gateway on that database shows what a dashboard user would see: the seeded
 * organisation (regions, offices in their time zones, desks, named employees on shifts, bindings,
 * visitors and sales) and scores per office equal to the presses the simulator's ledger counted there.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ADMIN_TOKEN, ROOT, startGateway, type Gateway } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';

const PREFIX = 'simtest-';
const ZONES = ['Europe/Moscow', 'Asia/Yekaterinburg'];
const dataDir = tempDir('sim-test-gw');
let out = '';
let code: number | null = null;
let gw: Gateway;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status, `GET ${path}`).toBe(200);
  return (await res.json()) as T;
}

beforeAll(async () => {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist/scripts/simulate-fleet.js'),
      '--embedded',
      '--data-dir',
      dataDir,
      '--prefix',
      PREFIX,
      '--kiosks',
      '6',
      '--agents',
      '1',
      '--days',
      '7',
      '--duration',
      '4',
      '--seed',
      '99',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  [code] = (await once(child, 'exit')) as [number | null];
  gw = await startGateway({ dataDir });
}, 90_000);

afterAll(async () => {
  await gw?.proc.kill('SIGTERM');
});

it('simulates a small fleet against its own gateway and finds the gateway equal to the ledger', () => {
  expect(out).toMatch(/plan \(seed 99\): 6 protocol kiosks \+ 1 agents in 2 offices/);
  expect(out).toMatch(/kiosks 7, presses \d+/);
  expect(out).toMatch(/lost 0, duplicated 0, unknown 0/);
  expect(out).toContain('OK: the gateway matches the ledger for every kiosk');
  expect(out).toContain("OK: the gateway's scores match the expected totals of every office");
  expect(code).toBe(0);
});

interface Named {
  id: string;
  name: string;
}
interface Office extends Named {
  timeZone: string;
  regionId: string | null;
}
interface Desk extends Named {
  officeId: string;
}
interface Employee extends Named {
  officeId: string | null;
}
interface Assignment {
  deskId: string;
  employeeId: string;
  from: string;
  to: string | null;
}
const page = <T>(path: string) => get<{ items: T[] }>(path).then((r) => r.items);

it('seeds regions, offices in their time zones, desks, named employees on two shifts a day, bindings, visitors and sales', async () => {
  const regions = await page<Named>('/regions');
  const offices = await page<Office>('/offices');
  const desks = await page<Desk>('/desks');
  const employees = await page<Employee>('/employees');
  expect(regions.map((r) => r.name).sort()).toEqual(['Central', 'Urals']);
  expect(offices.map((o) => [o.name, o.timeZone])).toEqual([
    ['Moscow', 'Europe/Moscow'],
    ['Yekaterinburg', 'Asia/Yekaterinburg'],
  ]);
  for (const o of offices) {
    expect(regions.map((r) => r.id)).toContain(o.regionId);
    const own = desks.filter((d) => d.officeId === o.id);
    expect(own.length).toBeGreaterThan(0);
    // Two people per desk, each with a first name and a surname.
    const staff = employees.filter((e) => e.officeId === o.id);
    expect(staff.length).toBe(2 * own.length);
    for (const e of staff) expect(e.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
  }

  const assignments = await get<{ items: Assignment[] }>('/assignments?limit=1000').then((r) => r.items);
  for (const d of desks) {
    const own = assignments.filter((a) => a.deskId === d.id).sort((a, b) => a.from.localeCompare(b.from));
    // A weekday: the morning shift ends as the afternoon one begins, with someone else.
    expect(own.some((a, i) => own[i + 1]?.from === a.to && own[i + 1]!.employeeId !== a.employeeId)).toBe(true);
  }
  // Half way through the window the rota rotates: the shift starting at some hour changes hands.
  const byStart = new Map<string, Set<string>>();
  for (const a of assignments) {
    const key = `${a.deskId} ${a.from.slice(11, 16)}`;
    byStart.set(key, (byStart.get(key) ?? new Set()).add(a.employeeId));
  }
  expect([...byStart.values()].some((who) => who.size > 1)).toBe(true);

  for (const i of [1, 2, 3, 4, 5, 6, 7]) {
    const id = `${PREFIX}${String(i).padStart(3, '0')}`;
    const [binding, ...more] = await page<{ kind: string; officeId: string; deskId: string | null }>(`/kiosks/${id}/bindings`);
    expect(more).toEqual([]);
    if (binding!.kind === 'staff') expect(desks.find((d) => d.id === binding!.deskId)?.officeId).toBe(binding!.officeId);
    else expect(binding!.deskId).toBeNull();
    expect(offices.map((o) => o.id)).toContain(binding!.officeId);
  }

  const from = new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const visitors = await Promise.all(offices.map((o) => page<{ count: number }>(`/offices/${o.id}/visitors?from=${from}&to=${to}`)));
  for (const days of visitors) expect(days.reduce((n, d) => n + d.count, 0)).toBeGreaterThan(0);
  const sales = await Promise.all(offices.map((o) => page<{ count: number }>(`/offices/${o.id}/sales?from=${from}&to=${to}`)));
  expect(sales.some((days) => days.reduce((n, d) => n + d.count, 0) > 0)).toBe(true);
});

interface Counts {
  good: number;
  neutral: number;
  bad: number;
  total: number;
  excluded: number;
}
interface Scores {
  total: { scores: Record<string, { counts: Counts; csat: { value: number } | null } | undefined>; visitors: number | null };
}

it("shows each office's presses in its scores: the ledger's stored presses there, less those excluded as misuse", async () => {
  // The simulator's table: office name, zone, stored (ledger), misuse (predicted), counted, gateway counted, excluded, …, id.
  const rows = [...out.matchAll(/^ {2}\S.*? ((?:Europe|Asia)\/\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s.*\s(simtest-o\S+)$/gm)].map(
    (m) => ({ zone: m[1]!, stored: Number(m[2]), misuse: Number(m[3]), id: m[7]! }),
  );
  expect(rows.map((r) => r.zone)).toEqual(ZONES);
  const from = new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  for (const r of rows) {
    const s = await get<Scores>(`/offices/${r.id}/scores?from=${from}&to=${to}`);
    const kinds = Object.values(s.total.scores).filter((x) => x !== undefined);
    const counted = kinds.reduce((n, k) => n + k.counts.total, 0);
    const excluded = kinds.reduce((n, k) => n + k.counts.excluded, 0);
    expect(r.stored).toBeGreaterThan(100);
    expect(excluded).toBe(r.misuse);
    expect(counted).toBe(r.stored - excluded);
    expect(s.total.scores.staff!.counts.total).toBeGreaterThan(0);
    expect(s.total.visitors).toBeGreaterThanOrEqual(s.total.scores.staff!.counts.total);
  }

  // Employees differ clearly: the best-rated is far ahead of the worst.
  const ranking = await get<{ items: { value: number }[] }>(`/rankings?level=employee&index=csat&from=${from}&to=${to}`);
  expect(ranking.items.length).toBeGreaterThanOrEqual(3);
  expect(ranking.items[0]!.value - ranking.items.at(-1)!.value).toBeGreaterThan(0.3);
});
