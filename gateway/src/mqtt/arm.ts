/**
 * Armed mode, the kiosk's side of it: when the queue system says a ticket was served at a desk, each armed
 * staff panel bound to that desk is told on its kiosk's `arm` topic (QoS 1, not retained: a ticket is for now,
 * never for a kiosk that reconnects later), with what is left of the window. The kiosk only invites the
 * press; what counts is decided at ingest from the stored times (domain/armed.ts).
 */
import type { Logger } from 'pino';
import { kioskTopic, type ArmMessage } from '../../../shared/src/index.js';
import type { QueueEvent } from '../domain/organisation.js';
import type { Store } from '../store/store.js';

/** The contract's shortest window (ArmMessage.windowMs minimum): a ticket with less left is not announced. */
const MIN_WINDOW_MS = 1000;

export interface ArmOptions {
  store: Store;
  prefix: string;
  publish: (topic: string, payload: string) => Promise<boolean>;
  log: Logger;
}

/** Tells the armed panels at the desks of these served tickets; resolves with the messages handed to the broker. */
export async function armPanels(o: ArmOptions, served: readonly QueueEvent[], now = Date.now()): Promise<number> {
  const tickets = served.filter((e) => e.type === 'served' && e.ticket !== undefined);
  if (tickets.length === 0) return 0;
  const panels = await o.store.armedPanels([...new Set(tickets.map((e) => e.deskId))]);
  let sent = 0;
  for (const e of tickets) {
    for (const p of panels.filter((x) => x.deskId === e.deskId)) {
      const left = e.at + p.windowMs - Math.max(now, e.at);
      if (left < MIN_WINDOW_MS) continue; // told too late (a replayed or imported ticket): nothing to invite
      const msg: ArmMessage = { v: 1, panel: p.panel, ticket: e.ticket!, windowMs: Math.min(left, p.windowMs) };
      const ok = await o.publish(kioskTopic(o.prefix, p.kioskId, 'arm'), JSON.stringify(msg));
      o.log.info({ kioskId: p.kioskId, panel: p.panel, ticket: e.ticket, windowMs: msg.windowMs, published: ok }, 'panel armed');
      if (ok) sent++;
    }
  }
  return sent;
}
