/**
 * PostgreSQL NOTIFY and LISTEN for the live relay (../live/relay.ts): several gateways on one database
 * tell each other what they committed. The notifier has its own two-connection pool so a burst of
 * notifications never waits behind ingest's transactions; the listener holds one dedicated connection
 * (LISTEN is per session) and opens a new one, with back-off, whenever the server or the network drops it.
 * What is notified while a listener is reconnecting is lost to it: `onResume` says so to the caller.
 */
import pg from 'pg';
import type { Logger } from 'pino';

/** The server refuses payloads of 8000 bytes or more; a little headroom for multi-byte surprises. */
export const NOTIFY_MAX_BYTES = 7900;

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;

export class PgNotifier {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'lb-live-notify' });
    // An idle connection dropped by the server must not crash the gateway; the next notify reconnects.
    this.pool.on('error', () => {});
  }

  /** Sends each payload (each < NOTIFY_MAX_BYTES) on `channel`, in order, in one round trip. */
  async notify(channel: string, payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return;
    await this.pool.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS u(p, n) ORDER BY n', [channel, payloads]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export interface ListenerOptions {
  url: string;
  channel: string;
  log: Logger;
  onMessage: (payload: string) => void;
  /** The connection was lost and is listening again: notifications in between were missed. */
  onResume?: () => void;
}

export class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryMs = RETRY_FIRST_MS;
  private timer: NodeJS.Timeout | undefined;
  private everListened = false;
  /** Clients already ended: their 'error' and 'end' both arrive, one reconnect is enough. */
  private readonly gone = new WeakSet<pg.Client>();

  constructor(private readonly opts: ListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`not a plain channel name: ${opts.channel}`);
  }

  /** Resolves once listening; if the database cannot be reached now, keeps trying in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.opts.url, application_name: 'lb-live-listen' });
    client.on('notification', (m) => {
      if (m.channel === this.opts.channel) this.opts.onMessage(m.payload ?? '');
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.opts.channel}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = RETRY_FIRST_MS;
    const resumed = this.everListened;
    this.everListened = true;
    this.opts.log.info({ channel: this.opts.channel, resumed }, resumed ? 'live relay listening again' : 'live relay listening');
    if (resumed) this.opts.onResume?.();
  }

  /** Each lost client is reported once, then a new one is opened after the back-off. */
  private lost(client: pg.Client, err?: Error): void {
    if (this.gone.has(client)) return;
    this.gone.add(client);
    if (this.client === client) this.client = undefined;
    client.end().catch(() => {});
    if (this.stopped) return;
    this.opts.log.warn({ err, retryInMs: this.retryMs }, 'live relay: listen connection lost, reconnecting');
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      this.gone.add(client);
      await client.end().catch(() => {});
    }
  }
}
