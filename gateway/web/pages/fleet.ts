/**
 * Kiosk fleet health (admins and technicians, as GET /api/v1/kiosks allows): every kiosk the session may
 * see with its health judged by the gateway (online since, board, backlog, clock, version, last press,
 * problems), filtered by problem, online state and office (the API's ?problem= ?online= ?office=). While the
 * page is open, the live feed's `kiosk` events update a row's state without a reload.
 */
import { HEALTH_RULES } from '../../../shared/src/health.js';
import { api } from '../api.js';
import { h } from '../components/dom.js';
import { select } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDateTime, fmtNumber, t } from '../i18n.js';
import '../i18n/fleet.js';

interface Problem {
  rule: string;
  since: string | null;
  detail: string;
}
interface Health {
  online: boolean;
  since: string | null;
  problems: Problem[];
}
export interface KioskRow {
  id: string;
  officeId: string | null;
  status: {
    payload: {
      version?: string;
      board?: { connected: boolean; kind: string; error?: string };
      outbox?: { pending: number; oldestPendingAgeMs: number | null };
      clockSynced?: boolean;
    };
    receivedAt: string;
  } | null;
  lastPressAt: string | null;
  health: Health;
}
interface Office {
  id: string;
  name: string;
  timeZone: string;
}

const problemText = (p: Problem) => `${t(`fleet.problem.${p.rule}`)}${p.detail ? ` (${p.detail})` : ''}`;

function stateCell(health: Health): HTMLElement {
  return h(
    'span',
    { class: `badge ${health.online ? 'ok' : 'down'}`, 'data-figure': 'online', 'data-value': String(health.online) },
    t(health.online ? 'fleet.online' : 'fleet.offline'),
  );
}
function problemsCell(problems: Problem[]): HTMLElement {
  if (problems.length === 0) return h('span', { 'data-figure': 'problems', 'data-value': '' }, t('fleet.none'));
  return h(
    'ul',
    { class: 'problems', 'data-figure': 'problems', 'data-value': problems.map((p) => p.rule).join(',') },
    ...problems.map((p) => h('li', { 'data-rule': p.rule }, problemText(p))),
  );
}

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('fleet.title'));
  const problem = ctx.query.get('problem') ?? '';
  const online = ctx.query.get('online') ?? '';
  const officeId = ctx.query.get('office') ?? '';
  const [kiosks, offices] = await Promise.all([
    // Every filter is the API's (?problem= ?online= ?office=): the page shows its answer as it is.
    api.all<KioskRow>('/kiosks', { problem: problem || undefined, online: online || undefined, office: officeId || undefined }),
    // Technicians may not list offices (an admin/manager resource): their filter offers the kiosks' office ids.
    ctx.session?.role === 'technician' ? ([] as Office[]) : api.all<Office>('/offices'),
  ]);
  if (ctx.left) return;
  const officesOf = await kioskOffices(kiosks);
  if (ctx.left) return;
  const zone = new Map(offices.map((o) => [o.id, o.timeZone]));
  const officeName = (id: string | null) => (id ? (offices.find((o) => o.id === id)?.name ?? id) : '—');
  const officeIds = [...new Set([...offices.map((o) => o.id), ...[...officesOf.values()].flat()])].sort();

  const any = { value: '', label: t('fleet.filter.any') };
  const problemSel = select('problem', [any, ...HEALTH_RULES.map((r) => ({ value: r, label: t(`fleet.problem.${r}`) }))], problem);
  const onlineSel = select(
    'online',
    [any, { value: 'true', label: t('fleet.online') }, { value: 'false', label: t('fleet.offline') }],
    online,
  );
  const officeSel = select('office', [any, ...officeIds.map((id) => ({ value: id, label: officeName(id) }))], officeId);
  const filters = h(
    'form',
    { class: 'filters', id: 'fleet-filters' },
    h('label', {}, `${t('fleet.filter.problem')} `, problemSel),
    h('label', {}, `${t('fleet.filter.online')} `, onlineSel),
    h('label', {}, `${t('fleet.filter.office')} `, officeSel),
  );
  // Each choice applies at once (kept in the hash, so a link or reload shows the same).
  filters.addEventListener('change', () =>
    ctx.navigate({ problem: problemSel.value || null, online: onlineSel.value || null, office: officeSel.value || null }),
  );

  const summary = h('p', { id: 'fleet-summary' });
  const drawSummary = () => {
    summary.textContent = t('fleet.summary', {
      n: kiosks.length,
      online: kiosks.filter((k) => k.health.online).length,
      problems: kiosks.filter((k) => k.health.problems.length > 0).length,
    });
  };
  drawSummary();

  const tz = (k: KioskRow) => zone.get(officesOf.get(k.id)?.[0] ?? '') ?? null;
  const when = (iso: string | null, k: KioskRow) => (iso ? fmtDateTime(iso, tz(k)) : '—');
  const tableEl = table<KioskRow>(
    [
      { label: t('fleet.col.kiosk'), cell: (k) => h('code', {}, k.id) },
      { label: t('fleet.col.office'), cell: (k) => (officesOf.get(k.id) ?? []).map(officeName).join(', ') || '—' },
      { label: t('fleet.col.state'), cell: (k) => stateCell(k.health) },
      { label: t('fleet.col.since'), cell: (k) => h('span', { 'data-figure': 'since' }, when(k.health.since, k)) },
      {
        label: t('fleet.col.board'),
        cell: (k) => {
          const b = k.status?.payload.board;
          return b ? `${b.kind}: ${t(b.connected ? 'fleet.board.ok' : 'fleet.board.down')}` : '—';
        },
      },
      {
        label: t('fleet.col.backlog'),
        numeric: true,
        cell: (k) => h('span', { 'data-figure': 'backlog' }, fmtNumber(k.status?.payload.outbox?.pending ?? null)),
      },
      {
        label: t('fleet.col.clock'),
        cell: (k) => {
          const synced = k.status?.payload.clockSynced;
          return synced === undefined ? '—' : t(synced ? 'fleet.clock.synced' : 'fleet.clock.unsynced');
        },
      },
      { label: t('fleet.col.version'), cell: (k) => h('span', { 'data-figure': 'version' }, k.status?.payload.version ?? '—') },
      { label: t('fleet.col.lastPress'), cell: (k) => h('span', { 'data-figure': 'lastPress' }, when(k.lastPressAt, k)) },
      { label: t('fleet.col.problems'), cell: (k) => problemsCell(k.health.problems) },
    ],
    kiosks,
    { csvName: 'kiosks', id: 'kiosks', rowId: (k) => k.id },
  );
  ctx.root.append(filters, summary, tableEl);
  liveStatus(ctx, kiosks, tableEl, drawSummary);
}

/**
 * The offices each kiosk scores for: its registered office, else its panels' bindings (the listing has no
 * bindings, so they are read per kiosk, a few requests at a time; an `office` field on GET /kiosks would spare it).
 */
async function kioskOffices(kiosks: KioskRow[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const queue = kiosks.filter((k) => {
    if (k.officeId) out.set(k.id, [k.officeId]);
    return !k.officeId;
  });
  const worker = async () => {
    for (let k = queue.shift(); k; k = queue.shift()) {
      const { items } = await api.get<{ items: { officeId: string }[] }>(`/kiosks/${encodeURIComponent(k.id)}/bindings`);
      out.set(k.id, [...new Set(items.map((b) => b.officeId))]);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return out;
}

/**
 * The live feed's `kiosk` events ({kioskId, online, health…}) redraw a row's state, since and problems.
 * Without a live feed on this gateway the page stays as loaded (the EventSource is closed on its first error).
 */
function liveStatus(ctx: PageContext, kiosks: KioskRow[], tableEl: HTMLElement, redrawSummary: () => void): void {
  if (kiosks.length === 0) return;
  const source = api.events('/live');
  let opened = false;
  source.addEventListener('open', () => {
    opened = true;
    tableEl.setAttribute('data-live', '1');
  });
  source.addEventListener('error', () => {
    if (!opened) source.close();
  });
  source.addEventListener('kiosk', (e) => {
    const data = JSON.parse((e as MessageEvent<string>).data) as {
      kioskId: string;
      online: boolean;
      since?: string | null;
      problems?: Problem[];
      health?: Health;
    };
    const k = kiosks.find((x) => x.id === data.kioskId);
    const row = tableEl.querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(data.kioskId)}"]`);
    if (!k || !row) return;
    const health = data.health ?? {
      online: data.online,
      since: data.since ?? k.health.since,
      problems: data.problems ?? k.health.problems,
    };
    k.health = health;
    row.querySelector('[data-figure="online"]')?.replaceWith(stateCell(health));
    const since = row.querySelector('[data-figure="since"]');
    if (since) since.textContent = health.since ? fmtDateTime(health.since) : '—';
    row.querySelector('[data-figure="problems"]')?.replaceWith(problemsCell(health.problems));
    redrawSummary();
  });
  ctx.onLeave(() => source.close());
}
