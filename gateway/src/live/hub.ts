/**
 * The live feed's one hub per gateway: every open `GET /api/v1/live` stream, and what goes to each.
 * - `press`: a press just committed (by this gateway or, relayed, by another), with the attribution ingest
 *   stored with it (office, desk, employee on duty, panel kind), read back by id in one query per commit.
 * - `kiosk`: a kiosk's status (online/offline, board, backlog, clock), for the fleet page.
 * - `alert`: an alert_events row, polled by id on one cursor every `alertPollMs` while anyone listens.
 * - `resync`: live items may have been missed (the relay's listen connection was lost): refetch.
 * Scope is decided once per stream at open (the offices a key may see, and the `office` filter); a
 * binding changed later is seen through LiveReads' org_rev cache. Nothing runs while nobody listens.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Event } from '../../../shared/src/index.js';
import type { FeedItem, PressFeed } from '../lib/press-feed.js';
import type { Store } from '../store/store.js';
import { SseStream } from './sse.js';

export interface LiveOptions {
  heartbeatMs: number;
  /** Streams one API key may hold open at once. */
  maxPerKey: number;
  /** Unsent bytes a stream may hold before it is dropped (backpressure). */
  maxBufferedBytes: number;
  alertPollMs: number;
  /** The client's reconnect delay (`retry:`). */
  retryMs: number;
}

export const LIVE_DEFAULTS: LiveOptions = {
  heartbeatMs: 15_000,
  maxPerKey: 8,
  maxBufferedBytes: 256 * 1024,
  alertPollMs: 500,
  retryMs: 2000,
};

/** The `press` event: small, everything the office page needs to add the press to what it shows. */
export interface LivePress {
  kioskId: string;
  officeId: string | null;
  deskId: string | null;
  employeeId: string | null;
  panel: string;
  kind: 'staff' | 'office' | null;
  button: Event['button'];
  /** The press's time as scored (corrected kiosk clock), else as the kiosk sent it. */
  at: string;
  eventId: string;
}

export interface LiveKiosk {
  kioskId: string;
  online: boolean;
  /** When the gateway received the status. */
  at: string;
  board: { connected: boolean; kind: string } | null;
  /** Presses waiting in the kiosk's outbox. */
  pending: number | null;
  clockSynced: boolean | null;
  version: string | null;
}

interface Client {
  keyId: string;
  /** The offices the key may see; undefined: all. */
  visible: ReadonlySet<string> | undefined;
  /** The `office` filter; undefined: all the visible ones. */
  filter: ReadonlySet<string> | undefined;
  /** Technicians watch the fleet: kiosk events only, never presses or alerts. */
  kiosksOnly: boolean;
  stream: SseStream;
}

const ALERTS_PER_POLL = 200;
/**
 * Alert events just below the newest one sent are read again: on PostgreSQL two gateways' transactions
 * may commit their rows out of id order, and a poll between the two commits would skip the lower id.
 */
const ALERT_LOOKBACK_IDS = 32;

export class LiveHub {
  private readonly clients = new Set<Client>();
  private readonly perKey = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private alertTimer: NodeJS.Timeout | undefined;
  private alertCursor: number | undefined;
  /** Ids up to this one existed before the first stream opened: history, not news. */
  private alertFloor = 0;
  /** Ids sent within the look-back window. */
  private readonly alertSent = new Set<number>();
  private polling = false;
  /** Feed items are handled in commit order, one after the other (each may wait for one query). */
  private work: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly feed: PressFeed,
    private readonly log: Logger,
    private readonly opts: LiveOptions = LIVE_DEFAULTS,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Why a stream for this key may not open now: the key holds `maxPerKey` streams, or the hub is closing. */
  refusal(keyId: string): 'too many' | 'closed' | undefined {
    if (this.closed) return 'closed';
    return (this.perKey.get(keyId) ?? 0) >= this.opts.maxPerKey ? 'too many' : undefined;
  }

  /** Starts a stream on `res` (hijacked from fastify, after `refusal` said nothing). */
  open(
    res: ServerResponse,
    who: { keyId: string; visible: readonly string[] | undefined; filter: readonly string[] | undefined; kiosksOnly?: boolean },
    headers: OutgoingHttpHeaders,
  ): SseStream {
    this.perKey.set(who.keyId, (this.perKey.get(who.keyId) ?? 0) + 1);
    const client: Client = {
      keyId: who.keyId,
      visible: who.visible ? new Set(who.visible) : undefined,
      filter: who.filter ? new Set(who.filter) : undefined,
      kiosksOnly: who.kiosksOnly ?? false,
      stream: new SseStream(res, this.opts.maxBufferedBytes, (reason) => this.remove(client, reason)),
    };
    this.clients.add(client);
    client.stream.open(headers, this.opts.retryMs);
    if (this.clients.size === 1) this.wake();
    return client.stream;
  }

  /** Ends every stream (the gateway is closing). */
  close(): void {
    this.closed = true;
    for (const c of [...this.clients]) c.stream.end();
  }

  /** Items may have been missed (the relay lost its connection): every page should refetch. */
  resync(): void {
    for (const c of this.clients) c.stream.send('resync', {});
  }

  private remove(client: Client, reason: string): void {
    if (!this.clients.delete(client)) return;
    const held = (this.perKey.get(client.keyId) ?? 1) - 1;
    if (held > 0) this.perKey.set(client.keyId, held);
    else this.perKey.delete(client.keyId);
    if (reason === 'slow') this.log.warn({ apiKeyId: client.keyId }, 'live stream dropped: the client reads too slowly');
    if (this.clients.size === 0) this.sleep();
  }

  /** The first listener: subscribe to the feed, start the heartbeat and the alert poll. */
  private wake(): void {
    this.unsubscribe = this.feed.subscribe((items) => {
      this.work = this.work.then(() => this.deliver(items)).catch((err: unknown) => this.log.error({ err }, 'live feed delivery failed'));
    });
    this.heartbeat = setInterval(() => {
      for (const c of [...this.clients]) c.stream.comment('keep-alive');
    }, this.opts.heartbeatMs);
    this.alertCursor = undefined;
    this.alertTimer = setInterval(() => void this.pollAlerts(), this.opts.alertPollMs);
    void this.pollAlerts();
  }

  private sleep(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.heartbeat);
    clearInterval(this.alertTimer);
  }

  private async deliver(items: readonly FeedItem[]): Promise<void> {
    if (this.clients.size === 0) return;
    const ids = items.flatMap((i) => (i.kind === 'presses' ? i.events.map((e) => e.id) : []));
    const attributed = ids.length > 0 ? await this.store.live.attributions(ids) : new Map();
    for (const item of items) {
      if (item.kind === 'presses') {
        for (const e of item.events) {
          const a = attributed.get(e.id);
          const press: LivePress = {
            kioskId: item.kioskId,
            officeId: a?.officeId ?? null,
            deskId: a?.deskId ?? null,
            employeeId: a?.employeeId ?? null,
            panel: e.panel,
            kind: a?.kind ?? null,
            button: e.button,
            at: a?.t != null ? new Date(a.t).toISOString() : e.at,
            eventId: e.id,
          };
          const offices = press.officeId ? [press.officeId] : [];
          for (const c of this.clients) if (!c.kiosksOnly && sees(c, offices)) c.stream.send('press', press);
        }
      } else {
        const offices = (await this.store.live.kioskOffices(item.kioskId)) ?? [];
        const s = item.payload;
        const kiosk: LiveKiosk = {
          kioskId: item.kioskId,
          online: s.state === 'online',
          at: new Date().toISOString(),
          board: s.board ? { connected: s.board.connected, kind: s.board.kind } : null,
          pending: s.outbox?.pending ?? null,
          clockSynced: s.clockSynced ?? null,
          version: s.version ?? null,
        };
        for (const c of this.clients) if (sees(c, offices)) c.stream.send('kiosk', kiosk);
      }
    }
  }

  private async pollAlerts(): Promise<void> {
    if (this.polling || this.clients.size === 0) return;
    this.polling = true;
    try {
      // Starts after the newest event: history is the alerts API's, the stream only says what is new.
      if (this.alertCursor === undefined) {
        this.alertFloor = this.alertCursor = await this.store.live.lastAlertEventId();
        this.alertSent.clear();
        return;
      }
      const from = Math.max(this.alertFloor, this.alertCursor - ALERT_LOOKBACK_IDS);
      const rows = await this.store.live.alertEventsAfter(from, ALERTS_PER_POLL + ALERT_LOOKBACK_IDS);
      for (const r of rows) {
        if (this.alertSent.has(r.id)) continue;
        this.alertSent.add(r.id);
        this.alertCursor = Math.max(this.alertCursor, r.id);
        if (r.kind === 'negative-press') continue; // the CRM's outbox rows, not alerts (presses reach the stream as presses)
        const payload = (r.payload ?? {}) as Record<string, unknown>;
        for (const c of this.clients)
          if (!c.kiosksOnly && sees(c, r.officeIds)) c.stream.send('alert', { id: r.id, kind: r.kind, ...payload });
      }
      for (const id of this.alertSent) if (id <= this.alertCursor - ALERT_LOOKBACK_IDS) this.alertSent.delete(id);
    } catch (err) {
      this.log.warn({ err }, 'live: reading alert events failed');
    } finally {
      this.polling = false;
    }
  }
}

/**
 * Whether a client is shown something of these offices: every one must be visible to its key (as for
 * a kiosk in the kiosks API), and with a filter at least one must be filtered for. Nothing of no office
 * (an unbound panel's press, a company-wide alert) reaches a scoped key or a filtered stream.
 */
function sees(c: Client, offices: readonly string[]): boolean {
  if (offices.length === 0) return c.visible === undefined && c.filter === undefined;
  if (c.visible && !offices.every((o) => c.visible!.has(o))) return false;
  return !c.filter || offices.some((o) => c.filter!.has(o));
}
