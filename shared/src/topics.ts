/** MQTT topic names of contract v1. The only place that spells them out. */
export const DEFAULT_TOPIC_PREFIX = 'lb/v1';

/** `arm`: gateway → kiosk, a queue ticket served at an armed panel's desk (contract.ts ArmMessage). */
export type KioskTopicKind = 'events' | 'acks' | 'status' | 'config' | 'arm';
const KINDS: readonly KioskTopicKind[] = ['events', 'acks', 'status', 'config', 'arm'];

export function kioskTopic(prefix: string, kioskId: string, kind: KioskTopicKind): string {
  return `${prefix}/kiosks/${kioskId}/${kind}`;
}

/** Wildcard subscription for one kind over every kiosk, e.g. `lb/v1/kiosks/+/events`. */
export function fleetTopic(prefix: string, kind: KioskTopicKind): string {
  return `${prefix}/kiosks/+/${kind}`;
}

/** Splits `{prefix}/kiosks/{kioskId}/{kind}`; undefined for anything else. */
export function parseKioskTopic(prefix: string, topic: string): { kioskId: string; kind: KioskTopicKind } | undefined {
  const head = `${prefix}/kiosks/`;
  if (!topic.startsWith(head)) return undefined;
  const rest = topic.slice(head.length).split('/');
  if (rest.length !== 2) return undefined;
  const [kioskId, kind] = rest as [string, string];
  if (!KIOSK_ID_PATTERN_RE.test(kioskId)) return undefined;
  if (!(KINDS as readonly string[]).includes(kind)) return undefined;
  return { kioskId, kind: kind as KioskTopicKind };
}

/** Kiosk ids double as MQTT usernames and topic levels: no wildcards, slashes or spaces. */
export const KIOSK_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
export const KIOSK_ID_PATTERN_RE = new RegExp(KIOSK_ID_PATTERN);
