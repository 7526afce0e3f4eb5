/**
 * `lb fleet`: every kiosk the key may see, one line each — online or offline since when, board, backlog
 * and its age, clock, version, last press, health problems — paged through GET /api/v1/kiosks.
 * The gateway's `health` (online since, problems) is shown when it sends it; without it the kiosk's own
 * retained status says online/offline.
 */
import type { Command } from 'commander';
import { Api, gatewayOptions } from './api.js';
import { CliError, globals, printJson, printTable } from './cli.js';

/** The parts of GET /kiosks's KioskSummary that the table reads (health: when the gateway has it). */
export interface FleetKiosk {
  id: string;
  officeId: string | null;
  status: {
    receivedAt: string;
    payload: {
      state: 'online' | 'offline';
      version?: string;
      board?: { connected: boolean; kind: string; error?: string };
      outbox?: { pending: number; oldestPendingAgeMs: number | null; memoryHeld?: number };
      clockSynced?: boolean;
      config?: { rev: number | null; error?: string };
    };
  } | null;
  counters: { received: number; lastSeq: number };
  lastPressAt?: string | null;
  health?: { online: boolean; since: string | null; problems: { rule: string; since: string; detail?: string }[] };
}

interface FleetOptions {
  gateway?: string;
  key?: string;
  office?: string;
  offline?: boolean;
  online?: boolean;
  problem?: string;
  stale?: string;
  watch?: string | boolean;
}

export const COLUMNS = ['kiosk', 'office', 'online', 'board', 'backlog', 'clock', 'version', 'last press', 'problems'];

export function register(program: Command): void {
  gatewayOptions(
    program.command('fleet').description('list kiosks: online/offline since, board, backlog, clock, version, last press, problems'),
  )
    .option('--office <officeId>', 'only kiosks of this office')
    .option('--offline', 'only kiosks that are offline')
    .option('--online', 'only kiosks that are online')
    .option('--problem <rule>', 'only kiosks with this health problem (e.g. backlog, clock, board)')
    .option('--stale <age>', 'only kiosks not heard from for this long (e.g. 90s, 10m, 2h, 1d)')
    .option('--watch [seconds]', 'redraw every N seconds (default 5) until Ctrl-C')
    .action(async (opts: FleetOptions, cmd: Command) => {
      const json = globals(cmd).json;
      if (opts.offline && opts.online) throw new CliError('--online and --offline: give one of them', 2);
      const staleMs = opts.stale === undefined ? undefined : parseAge(opts.stale, '--stale');
      const everyS = opts.watch === undefined ? undefined : opts.watch === true ? 5 : Number(opts.watch);
      if (everyS !== undefined && !(everyS >= 0.5)) throw new CliError(`--watch: "${opts.watch}" is not a number of seconds (≥ 0.5)`, 2);
      const api = new Api(opts);
      const once = async () => filter(await fetchFleet(api, opts), opts, staleMs, Date.now());
      if (everyS === undefined) {
        const kiosks = await once();
        if (json) printJson(kiosks);
        else show(kiosks, Date.now());
        return;
      }
      await watch(once, everyS, json);
    });
}

/** Every page of GET /kiosks; the filters the gateway knows (problem, online) are sent too, and applied here as well. */
export async function fetchFleet(api: Api, opts: FleetOptions): Promise<FleetKiosk[]> {
  const all: FleetKiosk[] = [];
  const query = new URLSearchParams({ limit: '1000' });
  if (opts.problem) query.set('problem', opts.problem);
  if (opts.offline || opts.online) query.set('online', String(Boolean(opts.online)));
  let after: string | null = null;
  do {
    if (after) query.set('after', after);
    const page: { items: FleetKiosk[]; next: string | null } = await api.request('GET', `/kiosks?${query}`);
    for (const k of page.items) all.push(k);
    after = page.next;
  } while (after);
  return all;
}

export function isOnline(k: FleetKiosk): boolean {
  return k.health ? k.health.online : k.status?.payload.state === 'online';
}

export function filter(kiosks: FleetKiosk[], opts: FleetOptions, staleMs: number | undefined, now: number): FleetKiosk[] {
  return kiosks.filter(
    (k) =>
      (!opts.office || k.officeId === opts.office) &&
      (!opts.offline || !isOnline(k)) &&
      (!opts.online || isOnline(k)) &&
      (!opts.problem || (k.health?.problems ?? []).some((p) => p.rule === opts.problem)) &&
      (staleMs === undefined || !k.status || now - Date.parse(k.status.receivedAt) >= staleMs),
  );
}

/** One table row: what a technician scans for. */
export function row(k: FleetKiosk, now: number): Record<string, string> {
  const p = k.status?.payload;
  const since = k.health?.since ?? (p?.state === 'offline' ? k.status!.receivedAt : null);
  const online = !k.status ? 'never seen' : `${isOnline(k) ? 'online' : 'offline'}${since ? ` ${age(now - Date.parse(since))}` : ''}`;
  const board = !p?.board ? '-' : p.board.connected ? p.board.kind : `unplugged${p.board.error ? ` (${p.board.error})` : ''}`;
  const outbox = p?.outbox;
  const backlog = !outbox
    ? '-'
    : outbox.pending === 0
      ? '0'
      : `${outbox.pending}${outbox.oldestPendingAgeMs !== null ? ` (${age(outbox.oldestPendingAgeMs)})` : ''}`;
  const clock = p?.clockSynced === undefined ? '-' : p.clockSynced ? 'synced' : 'NOT SYNCED';
  const lastPress = k.lastPressAt ? `${age(now - Date.parse(k.lastPressAt))} ago` : k.counters.lastSeq > 0 ? `#${k.counters.lastSeq}` : '-';
  const problems = (k.health?.problems ?? []).map((pr) => pr.rule).join(',');
  return {
    kiosk: k.id,
    office: k.officeId ?? '-',
    online,
    board,
    backlog,
    clock,
    version: p?.version ?? '-',
    'last press': lastPress,
    problems: problems || '-',
  };
}

export function show(kiosks: FleetKiosk[], now: number): void {
  printTable(
    kiosks.map((k) => row(k, now)),
    COLUMNS,
  );
  const online = kiosks.filter(isOnline).length;
  console.log(`${kiosks.length} kiosks, ${online} online, ${kiosks.length - online} offline`);
}

async function watch(load: () => Promise<FleetKiosk[]>, everyS: number, json: boolean): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    // Ctrl-C ends the watch cleanly: exit code 0, the cursor and screen left usable.
    process.once('SIGINT', () => {
      clearTimeout(timer);
      resolve();
    });
    const draw = async () => {
      try {
        const kiosks = await load();
        if (json) console.log(JSON.stringify(kiosks));
        else {
          if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
          console.log(`lb fleet — every ${everyS} s, Ctrl-C quits — ${new Date().toISOString()}`);
          show(kiosks, Date.now());
        }
      } catch (err) {
        if (!(err instanceof CliError) || err.code !== 3) return reject(err);
        console.error(`lb: ${err.message}; retrying`); // a gateway restarting is worth watching through
      }
      timer = setTimeout(draw, everyS * 1000);
    };
    void draw();
  });
}

/** `90s`, `10m`, `2h`, `1d`, or plain seconds → ms. */
export function parseAge(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new CliError(`${option}: "${text}" is not an age (e.g. 90s, 10m, 2h, 1d)`, 2);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

/** A short age: 45s, 12m, 3h, 5d. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
