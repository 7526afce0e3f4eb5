import { describe, expect, it } from 'vitest';
import { KeyedBuckets } from '../../../gateway/src/lib/rate-limit.js';

describe('KeyedBuckets', () => {
  it('allows a burst, then the refill rate; debts are paid back before the next token', () => {
    let now = 0;
    const b = new KeyedBuckets({ burst: 3, perSecond: 1 }, () => now);
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([true, true, true, false]);
    expect(b.empty('a')).toBe(true);
    expect(b.empty('b')).toBe(false); // a key never seen has its whole burst
    now = 1000;
    expect(b.take('a')).toBe(true);
    b.debit('a'); // overdrawn to -1
    now = 2500;
    expect(b.empty('a')).toBe(true); // 0.5: the debt is still being paid
    now = 3000;
    expect(b.take('a')).toBe(true);
  });

  it('paces reservations one token apart, and forgets full buckets', () => {
    let now = 0;
    const b = new KeyedBuckets({ burst: 1, perSecond: 2 }, () => now);
    expect([b.reserve('k'), b.reserve('k'), b.reserve('k')]).toEqual([0, 500, 1000]);
    expect(b.prune()).toEqual([]);
    now = 10_000;
    expect(b.prune()).toEqual(['k']);
  });

  it('keeps at most maxKeys keys', () => {
    const b = new KeyedBuckets({ burst: 1, perSecond: 0.001, maxKeys: 2 }, () => 0);
    for (const k of ['a', 'b', 'c']) b.take(k);
    expect(b.empty('a')).toBe(false); // dropped to make room: seen as new
    expect(b.empty('c')).toBe(true);
  });
});
