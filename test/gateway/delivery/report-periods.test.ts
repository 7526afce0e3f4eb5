import { describe, expect, it } from 'vitest';
import { MAX_CATCH_UP, periodsDue } from '../../../gateway/src/delivery/reports.js';

describe('report periods due', () => {
  it('a new subscription: the last completed period only', () => {
    expect(periodsDue(undefined, 20261130, 'Europe/Moscow', 'daily')).toEqual([20261130]);
  });

  it('after downtime: every period after the latest made, up to the last completed', () => {
    expect(periodsDue(20261126, 20261130, 'Europe/Moscow', 'daily')).toEqual([20261127, 20261128, 20261129, 20261130]);
    expect(periodsDue(20261102, 20261123, 'UTC', 'weekly')).toEqual([20261109, 20261116, 20261123]); // Mondays
    expect(periodsDue(20260901, 20261101, 'UTC', 'monthly')).toEqual([20261001, 20261101]);
    expect(periodsDue(20261130, 20261130, 'UTC', 'daily')).toEqual([]); // made already
  });

  it(`at most the latest ${MAX_CATCH_UP} after a long outage`, () => {
    const due = periodsDue(20261001, 20261130, 'UTC', 'daily');
    expect(due).toHaveLength(MAX_CATCH_UP);
    expect(due.at(-1)).toBe(20261130);
    expect(due[0]).toBe(20261124);
  });
});
