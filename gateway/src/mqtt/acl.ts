/** Who may do what on the embedded broker. Pure rules; the broker adapter applies them. */
import { kioskTopic } from '../../../shared/src/index.js';

/**
 * Only kiosks connect over the network; the gateway reaches the embedded broker in-process and is
 * not subject to these rules.
 */
export type Identity = { kind: 'kiosk'; kioskId: string };

export function mayPublish(prefix: string, who: Identity, topic: string): boolean {
  return topic === kioskTopic(prefix, who.kioskId, 'events') || topic === kioskTopic(prefix, who.kioskId, 'status');
}

/** Exact topics only: a kiosk subscribing with wildcards could read other kiosks' acks. */
export function maySubscribe(prefix: string, who: Identity, topic: string): boolean {
  return topic === kioskTopic(prefix, who.kioskId, 'acks') || topic === kioskTopic(prefix, who.kioskId, 'config');
}
