/** Who may do what on the embedded broker. Pure rules; the broker adapter applies them. */
import { kioskTopic } from '../../../shared/src/index.js';

/** Username of the gateway's own connection; `$` can never start a kiosk id. */
export const GATEWAY_USERNAME = '$gateway';

export type Identity = { kind: 'gateway' } | { kind: 'kiosk'; kioskId: string };

export function mayPublish(prefix: string, who: Identity, topic: string): boolean {
  if (who.kind === 'gateway') return true;
  return topic === kioskTopic(prefix, who.kioskId, 'events') || topic === kioskTopic(prefix, who.kioskId, 'status');
}

/** Exact topics only: a kiosk subscribing with wildcards could read other kiosks' acks. */
export function maySubscribe(prefix: string, who: Identity, topic: string): boolean {
  if (who.kind === 'gateway') return true;
  return topic === kioskTopic(prefix, who.kioskId, 'acks') || topic === kioskTopic(prefix, who.kioskId, 'config');
}
