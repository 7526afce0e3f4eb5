/**
 * One webhook attempt: POST the stored JSON body, signed `x-lb-signature: t=<unix>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` (the timestamp lets receivers refuse replays), with the idempotency key so a receiver can
 * drop a repeat. 2xx: delivered; 4xx other than 408/429: the receiver refuses it, failed at once; else retry.
 */
import { createHmac } from 'node:crypto';

export function signature(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

export type Attempt = { ok: true } | { ok: false; permanent: boolean; error: string };

export async function postWebhook(
  url: string,
  body: string,
  secret: string,
  idemKey: string,
  timeoutMs: number,
  now = Date.now(),
): Promise<Attempt> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'loyalty-button-gateway',
        'x-lb-signature': signature(secret, Math.floor(now / 1000), body),
        'x-lb-idempotency-key': idemKey,
      },
      body,
      redirect: 'manual', // a redirect is not a delivery; it could also point somewhere the admin never chose
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    return { ok: false, permanent, error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { ok: false, permanent: false, error: why };
  }
}
