/**
 * Replays planned presses on full kiosk agents through their virtual boards (stdin `press`). An agent
 * stamps presses with its own clock and computes its own flags, so only the button and the order come
 * from the plan; presses are thinned to at most `maxPerSecond` so the virtual board (80 ms per press
 * per pin) keeps up in compressed time.
 */
import type { AgentKiosk } from './agents.js';
import type { FleetPlan, PlannedPress } from './patterns.js';

export class AgentReplay {
  sent = 0;
  private readonly queues = new Map<AgentKiosk, { presses: PlannedPress[]; next: number }>();

  constructor(plan: FleetPlan, agents: AgentKiosk[], durationMs: number, maxPerSecond = 4) {
    const budget = Math.max(1, Math.floor((Math.max(durationMs, 1000) / 1000) * maxPerSecond));
    for (const agent of agents) {
      const all = plan.presses.get(agent.id) ?? [];
      const step = Math.max(1, Math.ceil(all.length / budget));
      this.queues.set(agent, { presses: all.filter((_, i) => i % step === 0), next: 0 });
    }
  }

  get planned(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.presses.length;
    return n;
  }

  /** Presses everything planned up to `simNow` on each running agent (skipped while it is down). */
  release(simNow: number): void {
    for (const [agent, q] of this.queues) {
      while (q.next < q.presses.length && q.presses[q.next]!.at <= simNow) {
        if (agent.press(q.presses[q.next]!.button)) this.sent++;
        q.next++;
      }
    }
  }
}
