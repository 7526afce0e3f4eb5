/** The armed-mode verdict on one press (domain/armed.ts): window edges, one press per ticket, the kiosk's ticket. */
import { describe, expect, it } from 'vitest';
import { judgeArmedPress, OUTSIDE_ARMED_WINDOW } from '../../../gateway/src/domain/armed.js';

const W = 60_000;
const served = [
  { ticket: 'A1', employeeId: 'anna', at: 1_000_000 },
  { ticket: 'A2', employeeId: 'ivan', at: 1_030_000 },
];
const none = new Set<string>();
const flagged = { counted: false, flag: OUTSIDE_ARMED_WINDOW };

describe('judgeArmedPress', () => {
  it('counts from the instant the ticket is served until just before its window ends', () => {
    expect(judgeArmedPress(1_000_000, undefined, W, served.slice(0, 1), none)).toEqual({ counted: true, ticket: 'A1', employeeId: 'anna' });
    expect(judgeArmedPress(1_059_999, undefined, W, served.slice(0, 1), none)).toMatchObject({ counted: true, ticket: 'A1' });
    expect(judgeArmedPress(1_060_000, undefined, W, served.slice(0, 1), none)).toEqual(flagged);
    expect(judgeArmedPress(999_999, undefined, W, served.slice(0, 1), none)).toEqual(flagged);
  });

  it('without a ticket takes the latest unanswered ticket whose window holds the press, and its operator', () => {
    expect(judgeArmedPress(1_040_000, undefined, W, served, none)).toEqual({ counted: true, ticket: 'A2', employeeId: 'ivan' });
    expect(judgeArmedPress(1_040_000, undefined, W, served, new Set(['A2']))).toEqual({ counted: true, ticket: 'A1', employeeId: 'anna' });
    expect(judgeArmedPress(1_040_000, undefined, W, served, new Set(['A1', 'A2']))).toEqual(flagged);
  });

  it('with the kiosk’s ticket answers only that ticket, once', () => {
    expect(judgeArmedPress(1_040_000, 'A1', W, served, none)).toEqual({ counted: true, ticket: 'A1', employeeId: 'anna' });
    expect(judgeArmedPress(1_040_000, 'A1', W, served, new Set(['A1']))).toEqual(flagged);
    expect(judgeArmedPress(1_040_000, 'Z9', W, served, none)).toEqual(flagged);
  });
});
