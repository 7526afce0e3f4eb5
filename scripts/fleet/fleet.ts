/**
 * Protocol-level kiosks replaying a fleet plan in compressed time against a real gateway. Every event
 * handed to a kiosk goes into the ledger with its seq and the outcome the contract promises. Kiosks go
 * offline for their planned periods (presses pile up, delivered on return) and can be given clock
 * faults (a reboot without RTC, a clock far ahead, a step back) by the chaos runner.
 */
import { ulid } from 'ulid';
import type { Event } from '../../shared/src/index.js';
import { ProtocolKiosk } from '../protocol-kiosk.js';
import type { GatewayApi } from './api.js';
import { expectationOf, Ledger } from './ledger.js';
import type { FleetPlan, KioskPlan, PlannedPress } from './patterns.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How a kiosk's wall clock misbehaves for its next presses. */
export type ClockFaultKind = 'reboot-no-rtc' | 'ahead-unsynced' | 'ahead-claims-sync' | 'step-back';
export const CLOCK_FAULT_KINDS: ClockFaultKind[] = ['reboot-no-rtc', 'ahead-unsynced', 'ahead-claims-sync', 'step-back'];

interface ClockFault {
  kind: ClockFaultKind;
  offsetMs: number;
  bootId: string;
  remaining: number;
}

interface KioskState {
  plan: KioskPlan;
  presses: PlannedPress[];
  next: number;
  seq: number;
  bootId: string;
  kiosk?: ProtocolKiosk;
  offline: boolean;
  clock?: ClockFault;
}

export interface ProtocolFleetOptions {
  plan: FleetPlan;
  api: GatewayApi;
  mqttUrl: string;
  /** Only these plan kiosks are protocol kiosks (others may be full agents); default all. */
  kioskIds?: string[];
  retransmitMs?: number;
  keepaliveS?: number;
}

export class ProtocolFleet {
  readonly ledger = new Ledger();
  /** Real time each event was handed to its kiosk, and when the gateway first acked or rejected it. */
  readonly releasedAt = new Map<string, number>();
  readonly settledAt = new Map<string, number>();
  released = 0;
  /** Real-time spans each kiosk spent in a planned offline period (`to` undefined while it lasts). */
  readonly offlineSpans = new Map<string, { from: number; to?: number }[]>();
  private readonly states = new Map<string, KioskState>();

  constructor(private readonly opts: ProtocolFleetOptions) {
    const ids = new Set(opts.kioskIds ?? opts.plan.kiosks.map((k) => k.id));
    for (const plan of opts.plan.kiosks.filter((k) => ids.has(k.id))) {
      this.states.set(plan.id, { plan, presses: opts.plan.presses.get(plan.id) ?? [], next: 0, seq: 0, bootId: ulid(), offline: false });
      this.ledger.set(plan.id, []);
    }
  }

  get plan(): FleetPlan {
    return this.opts.plan;
  }

  get kioskIds(): string[] {
    return [...this.states.keys()];
  }

  /** Registers every kiosk (with its panel); returns the MQTT logins (e.g. for an external broker). */
  async register(): Promise<{ username: string; password: string }[]> {
    const states = [...this.states.values()];
    const logins: { username: string; password: string }[] = [];
    for (let i = 0; i < states.length; i += 10) {
      await Promise.all(
        states.slice(i, i + 10).map(async (s) => {
          const password = await this.opts.api.registerKiosk(s.plan.id, {
            panels: [{ id: s.plan.panel.id, kind: s.plan.panel.kind, pins: { good: 2, neutral: 3, bad: 4 } }],
          });
          logins.push({ username: s.plan.id, password });
          s.kiosk = new ProtocolKiosk({
            url: this.opts.mqttUrl,
            kioskId: s.plan.id,
            password,
            window: 4,
            batchSize: 200,
            retransmitMs: this.opts.retransmitMs ?? 3000,
            keepaliveS: this.opts.keepaliveS ?? 5,
            onSettle: (id) => this.settledAt.set(id, Date.now()),
          });
        }),
      );
    }
    return logins;
  }

  async connect(): Promise<void> {
    await Promise.all([...this.states.values()].map((s) => s.kiosk?.connect()));
  }

  /** Registers and connects every kiosk. */
  async start(): Promise<void> {
    await this.register();
    await this.connect();
  }

  private noteOffline(kioskId: string, offline: boolean): void {
    const spans = this.offlineSpans.get(kioskId) ?? [];
    this.offlineSpans.set(kioskId, spans);
    if (offline) spans.push({ from: Date.now() });
    else if (spans.at(-1)) spans.at(-1)!.to = Date.now();
  }

  /** Was the kiosk in a planned offline period at any moment of [from, to] (real time)? */
  wasOffline(kioskId: string, from: number, to: number): boolean {
    return (this.offlineSpans.get(kioskId) ?? []).some((s) => s.from <= to && (s.to ?? Infinity) >= from);
  }

  /** Which kiosk an event id belongs to is in the ledger; this maps the other way for recovery timing. */
  kioskOf(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [kioskId, entries] of this.ledger.kiosks) for (const e of entries) out.set(e.id, kioskId);
    return out;
  }

  /** Hands each kiosk the presses whose simulated time has come; moves kiosks on and off line. */
  release(simNow: number): number {
    let n = 0;
    for (const s of this.states.values()) {
      const offline = s.plan.offline.some((p) => simNow >= p.from && simNow < p.to);
      if (offline !== s.offline) {
        s.offline = offline;
        this.noteOffline(s.plan.id, offline);
        if (offline) s.kiosk?.goOffline().catch(() => undefined);
        else s.kiosk?.goOnline();
      }
      const events: Event[] = [];
      while (s.next < s.presses.length && s.presses[s.next]!.at <= simNow) events.push(this.event(s, s.presses[s.next++]!));
      if (events.length) s.kiosk?.enqueue(events);
      n += events.length;
    }
    this.released += n;
    return n;
  }

  /** Replays the plan over `durationMs` of real time (0 = all at once). */
  async replay(durationMs: number, onTick?: (fraction: number) => void): Promise<void> {
    const { from, to } = this.opts.plan;
    const start = Date.now();
    for (let tick = 0; tick < 1_000_000; tick++) {
      const fraction = durationMs <= 0 ? 1 : Math.min(1, (Date.now() - start) / durationMs);
      this.release(from + fraction * (to - from));
      onTick?.(fraction);
      if (fraction >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of this.states.values()) {
      if (!s.offline) continue;
      s.offline = false;
      this.noteOffline(s.plan.id, false);
      s.kiosk?.goOnline();
    }
  }

  /** The next `presses` of a kiosk are stamped by a misbehaving clock. */
  clockFault(kioskId: string, kind: ClockFaultKind, presses: number, offsetMs: number): void {
    const s = this.states.get(kioskId);
    if (s) s.clock = { kind, offsetMs, bootId: ulid(), remaining: presses };
  }

  get unsettled(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.kiosk?.unsettled ?? 0;
    return n;
  }

  /** Waits until the gateway has acked or rejected every released event; false on timeout. */
  async settle(timeoutMs: number, onTick?: () => void): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.unsettled > 0 && Date.now() < deadline) {
      onTick?.();
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.unsettled === 0;
  }

  async close(): Promise<void> {
    await Promise.all([...this.states.values()].map((s) => s.kiosk?.close().catch(() => undefined)));
  }

  private event(s: KioskState, p: PlannedPress): Event {
    const stamp = this.stamp(s, p);
    const event: Event = {
      id: ulid(Math.max(0, Date.parse(stamp.at))),
      seq: ++s.seq,
      panel: p.panel,
      button: p.button,
      flags: p.flags,
      ...stamp,
    };
    this.ledger.add(s.plan.id, {
      id: event.id,
      seq: event.seq,
      expect: expectationOf(event, Date.now()),
      press: { panel: event.panel, button: event.button, at: Date.parse(event.at), clockSynced: event.clockSynced },
    });
    this.releasedAt.set(event.id, Date.now());
    return event;
  }

  private stamp(s: KioskState, p: PlannedPress): Pick<Event, 'at' | 'clockSynced' | 'bootId' | 'uptimeMs'> {
    const normal = { at: new Date(p.at).toISOString(), clockSynced: true, bootId: s.bootId, uptimeMs: p.uptimeMs };
    const c = s.clock;
    if (!c) return normal;
    if (--c.remaining <= 0) s.clock = undefined;
    switch (c.kind) {
      case 'reboot-no-rtc': // a Pi after a power cut: clock starts at the epoch until NTP syncs
        return {
          at: new Date(c.offsetMs + 60_000 - c.remaining * 1000).toISOString(),
          clockSynced: false,
          bootId: c.bootId,
          uptimeMs: 60_000,
        };
      case 'ahead-unsynced':
        return { ...normal, at: new Date(p.at + c.offsetMs).toISOString(), clockSynced: false };
      case 'ahead-claims-sync': // a wrong NTP answer: far ahead yet "synced" — the gateway must reject it
        return { ...normal, at: new Date(Date.now() + 2 * DAY + c.offsetMs).toISOString() };
      case 'step-back':
        return { ...normal, at: new Date(p.at - c.offsetMs).toISOString() };
    }
  }
}

/** A random clock fault offset that keeps each kind clear of the gateway's 24 h plausibility edge. */
export function clockFaultOffset(kind: ClockFaultKind, unit: number): number {
  switch (kind) {
    case 'reboot-no-rtc':
      return Math.round(unit * 10 * DAY); // days after 1970-01-01
    case 'ahead-unsynced':
      return Math.round((1 + unit * 29) * DAY);
    case 'ahead-claims-sync':
      return Math.round(unit * 3 * DAY);
    case 'step-back':
      return Math.round((0.5 + unit * 2.5) * HOUR);
  }
}
