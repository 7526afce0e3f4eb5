/** The relay's NOTIFY payloads: every one under PostgreSQL's 8000-byte limit, and together exactly the items, in order. */
import { expect, it } from 'vitest';
import { encodeItems } from '../../../gateway/src/live/relay.js';
import type { FeedItem } from '../../../gateway/src/lib/press-feed.js';
import { NOTIFY_MAX_BYTES } from '../../../gateway/src/store/pg-notify.js';
import { event } from '../helpers.js';

it('splits a large commit into payloads under the limit, kiosk by kiosk, keeping the order', () => {
  const items: FeedItem[] = [
    { kind: 'presses', kioskId: 'k-1', events: Array.from({ length: 300 }, (_, i) => event(i + 1)) },
    { kind: 'status', kioskId: 'k-1', payload: { v: 1, state: 'online', board: { connected: true, kind: 'uno' } } },
    { kind: 'presses', kioskId: 'k-2', events: Array.from({ length: 7 }, (_, i) => event(i + 1, { panel: 'office' })) },
  ];
  let n = 0;
  const { payloads, tooBig } = encodeItems('gw-1', items, () => ++n);
  expect(tooBig).toEqual([]);
  expect(payloads.length).toBeGreaterThan(5);
  for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(NOTIFY_MAX_BYTES);
  const decoded = payloads.map((p) => JSON.parse(p) as { g: string; n: number; i: FeedItem[] });
  expect(decoded.map((d) => d.n)).toEqual(decoded.map((_, i) => i + 1)); // distinct: the server folds identical payloads
  expect(new Set(decoded.map((d) => d.g))).toEqual(new Set(['gw-1']));
  // Merged back kiosk by kiosk, the items are the input.
  const merged: FeedItem[] = [];
  for (const item of decoded.flatMap((d) => d.i)) {
    const last = merged.at(-1);
    if (item.kind === 'presses' && last?.kind === 'presses' && last.kioskId === item.kioskId) last.events.push(...item.events);
    else merged.push(item);
  }
  expect(merged).toEqual(items);
});

it('returns an item that cannot fit even alone instead of sending a payload the server would refuse', () => {
  const huge: FeedItem = {
    kind: 'status',
    kioskId: 'k-1',
    payload: { v: 1, state: 'online', counters: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`counter-${i}`, i])) },
  };
  const { payloads, tooBig } = encodeItems('gw-1', [huge], () => 1);
  expect(payloads).toEqual([]);
  expect(tooBig).toEqual([huge]);
});
