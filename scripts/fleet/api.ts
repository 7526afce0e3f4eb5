/** The few gateway API calls the fleet tools make (`/api/v1`, admin bearer token). */
export interface KioskDetail {
  id: string;
  counters: { received: number; duplicates: number; rejected: number; lastSeq: number };
  gaps: { from: number; to: number }[];
  status?: { payload?: AgentStatus } & AgentStatus;
}

export interface AgentStatus {
  outbox?: { pending: number; lastSeq: number; memoryHeld?: number };
}

export class GatewayApi {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Registers a kiosk; returns its MQTT password (shown only once by the gateway). */
  async registerKiosk(id: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await this.request<{ mqtt: { password: string } }>('POST', '/kiosks', { id, ...extra });
    if (res.status !== 201) throw new Error(`register ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.mqtt.password;
  }

  async kiosk(id: string): Promise<KioskDetail> {
    const res = await this.request<KioskDetail>('GET', `/kiosks/${encodeURIComponent(id)}`);
    if (res.status !== 200) throw new Error(`GET kiosk ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Every stored event of a kiosk (id and seq), paged by seq; bounded by `max` pages. */
  async events(id: string, max = 10_000): Promise<{ id: string; seq: number }[]> {
    const out: { id: string; seq: number }[] = [];
    let after = 0;
    for (let page = 0; page < max; page++) {
      const res = await this.request<{ items: { id: string; seq: number }[]; nextAfterSeq: number | null }>(
        'GET',
        `/kiosks/${encodeURIComponent(id)}/events?afterSeq=${after}&limit=5000`,
      );
      if (res.status !== 200) throw new Error(`GET events ${id}: ${res.status}`);
      out.push(...res.body.items.map((e) => ({ id: e.id, seq: e.seq })));
      if (res.body.nextAfterSeq === null) return out;
      after = res.body.nextAfterSeq;
    }
    throw new Error(`GET events ${id}: more than ${max} pages`);
  }
}

export function agentStatus(k: KioskDetail): AgentStatus['outbox'] {
  return k.status?.payload?.outbox ?? k.status?.outbox;
}
