/**
 * A real local HTTP endpoint for webhook tests and the webhook bench: verifies each POST's signature
 * (x-lb-signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">) and answers as the caller scripts it —
 * a status, or 'hold' (never answer: the sender times out, or is killed while waiting).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  idemKey: string;
  signature: string;
  /** The signature checked against the secret the receiver was told (undefined: no secret set). */
  signatureValid: boolean | undefined;
  body: { id: string; type: string; createdAt: string; data: unknown };
  raw: string;
  at: number;
  /** What the receiver answered: a status or 'hold'. */
  answer: number | 'hold';
}

export type Answer = number | 'hold';

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** The signing secret to verify with (set after creating the subscription). */
  secret: string | undefined;
  /** How to answer the `n`th request (0-based) for an idempotency key; default 200. */
  answer: (idemKey: string, n: number, body: Received['body']) => Answer;
  /** Resolves when a request matching `match` arrives (past or future). */
  waitFor(match: (r: Received) => boolean, what: string, timeoutMs?: number): Promise<Received>;
  /** Requests per idempotency key that were answered 2xx. */
  acceptedPerKey(): Map<string, number>;
  close(): Promise<void>;
}

export function verifySignature(secret: string, header: string, raw: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const held: ServerResponse[] = [];
  const counts = new Map<string, number>();
  let waiters: Array<{ match: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    secret: undefined,
    answer: () => 200,
    waitFor(match, what, timeoutMs = 20_000) {
      const seen = receiver.received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`webhook receiver: no request "${what}" within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ match, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
    acceptedPerKey() {
      const m = new Map<string, number>();
      for (const r of receiver.received) if (typeof r.answer === 'number' && r.answer < 300) m.set(r.idemKey, (m.get(r.idemKey) ?? 0) + 1);
      return m;
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const idemKey = String(req.headers['x-lb-idempotency-key'] ?? '');
      const n = counts.get(idemKey) ?? 0;
      counts.set(idemKey, n + 1);
      const signature = String(req.headers['x-lb-signature'] ?? '');
      let body: Received['body'];
      try {
        body = JSON.parse(raw) as Received['body'];
      } catch {
        body = { id: '', type: 'unparsable', createdAt: '', data: raw };
      }
      const answer = receiver.answer(idemKey, n, body);
      const r: Received = {
        idemKey,
        signature,
        signatureValid: receiver.secret === undefined ? undefined : verifySignature(receiver.secret, signature, raw),
        body,
        raw,
        at: Date.now(),
        answer,
      };
      receiver.received.push(r);
      waiters = waiters.filter((w) => (w.match(r) ? (w.resolve(r), false) : true));
      if (answer === 'hold') held.push(res);
      else res.writeHead(answer, { 'content-type': 'text/plain' }).end(String(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
