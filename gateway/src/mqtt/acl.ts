/** Who may do what on the embedded broker. Pure rules; the broker adapter applies them. */
import { kioskTopic, MAX_STATUS_BYTES } from '../../../shared/src/index.js';

/**
 * Only kiosks connect over the network; the gateway reaches the embedded broker in-process and is
 * not subject to these rules.
 */
export type Identity = { kind: 'kiosk'; kioskId: string };

/**
 * A kiosk's MQTT client id is its kiosk id: the broker keys persistent sessions (queued acks and
 * configs) by client id, so a login under another kiosk's client id would take that kiosk's session
 * over and kick it off. An empty client id (clean session only, MQTT 3.1.1 §3.1.3) is given the kiosk id.
 */
export function clientIdProblem(kioskId: string, clientId: string, clean: boolean): string | undefined {
  if (clientId === '') return clean ? undefined : 'an empty client id needs a clean session';
  if (clientId !== kioskId) return 'client id must be the kiosk id (the MQTT username)';
  return undefined;
}

export function mayPublish(prefix: string, who: Identity, topic: string): boolean {
  return topic === kioskTopic(prefix, who.kioskId, 'events') || topic === kioskTopic(prefix, who.kioskId, 'status');
}

/**
 * Why a kiosk's PUBLISH is refused, or undefined. Beyond the topic: a retained events message would be
 * kept by the broker (up to a packet's size per kiosk) and serve no one, and the retained status is
 * kept for every kiosk, so it is capped.
 */
export function publishProblem(prefix: string, who: Identity, p: { topic: string; retain: boolean; bytes: number }): string | undefined {
  if (!mayPublish(prefix, who, p.topic)) return 'not the kiosk’s own events or status topic';
  const isEvents = p.topic === kioskTopic(prefix, who.kioskId, 'events');
  if (isEvents && p.retain) return 'retained events are not allowed';
  if (!isEvents && p.bytes > MAX_STATUS_BYTES) return `status of ${p.bytes} bytes exceeds ${MAX_STATUS_BYTES}`;
  return undefined;
}

/** Exact topics only: a kiosk subscribing with wildcards could read other kiosks' acks (or their tickets on `arm`). */
export function maySubscribe(prefix: string, who: Identity, topic: string): boolean {
  return (
    topic === kioskTopic(prefix, who.kioskId, 'acks') ||
    topic === kioskTopic(prefix, who.kioskId, 'config') ||
    topic === kioskTopic(prefix, who.kioskId, 'arm')
  );
}
