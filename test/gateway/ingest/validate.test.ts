import { describe, expect, it } from 'vitest';
import { classifyEvents, classifyStatus, implausibleTime, type Context } from '../../../gateway/src/ingest/validate.js';
import { batch, event } from '../helpers.js';

const ctx: Context = { topic: 'lb/v1/kiosks/k/events', topicKioskId: 'k', registered: true, now: Date.parse('2026-06-01T12:00:00Z') };
const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const at = '2026-06-01T11:00:00.000Z';

describe('classifyEvents', () => {
  it('accepts a valid batch and ignores unknown fields', () => {
    const e = { ...event(1, { at }), future: 'field' };
    const out = classifyEvents(ctx, buf({ ...batch('k', [e]), extra: true }));
    expect(out.deadLetters).toEqual([]);
    expect(out.batch).toEqual({ kioskId: 'k', events: [e], reasons: [], rejected: [], topic: ctx.topic });
  });

  it('tells a reason from a press by its type, and rejects a malformed one by id with the reason', () => {
    const why = {
      type: 'reason',
      id: 'reason-0001',
      seq: 2,
      panel: 'desk',
      reasonFor: 'press-0001',
      reason: 'slow',
      at,
      clockSynced: true,
      bootId: 'b',
      uptimeMs: 5,
    };
    const bad = { ...why, id: 'reason-0002', seq: 3, reason: 'Not An Id!' };
    const out = classifyEvents(ctx, buf(batch('k', [why, bad])));
    expect(out.batch?.events).toEqual([]);
    expect(out.batch?.reasons).toEqual([why]);
    expect(out.batch?.rejected).toEqual([{ id: 'reason-0002', seq: 3, reason: expect.stringMatching(/^invalid reason event: .*reason/) }]);
    expect(out.deadLetters).toHaveLength(1);
  });

  it('dead-letters an unknown kiosk without telling it anything', () => {
    const out = classifyEvents({ ...ctx, registered: false }, buf(batch('k', [event(1, { at })])));
    expect(out.batch).toBeUndefined();
    expect(out.deadLetters[0]!.reason).toBe('kiosk "k" is not registered');
  });

  it('truncates the stored payload of a huge dead letter', () => {
    const out = classifyEvents(ctx, buf('x'.repeat(100_000)));
    expect(out.deadLetters[0]!.payload.length).toBeLessThan(20_000);
    expect(out.deadLetters[0]!.payload).toMatch(/truncated\)$/);
  });

  it('skips a UTF-8 byte order mark before the JSON', () => {
    const e = event(1, { at });
    const out = classifyEvents(ctx, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf(batch('k', [e]))]));
    expect(out.batch!.events).toEqual([e]);
  });

  it('stores one copy of an exact repeat and rejects every copy of an id with different content', () => {
    const a = event(1, { at, button: 'good' });
    const b = event(2, { at });
    const out = classifyEvents(ctx, buf(batch('k', [a, b, { ...b }, { ...a, button: 'bad' }, { ...a }])));
    expect(out.batch!.events).toEqual([b]);
    expect(out.batch!.rejected).toEqual([{ id: a.id, reason: `event id ${a.id} appears twice in the batch with different content` }]);
    expect(out.deadLetters).toHaveLength(1);
  });

  it('rejects a seq beyond 2^53 - 1 without recording it', () => {
    const e = event(1, { at });
    const out = classifyEvents(ctx, buf(JSON.stringify(batch('k', [e])).replace('"seq":1,', '"seq":1e300,')));
    expect(out.batch!.rejected).toEqual([{ id: e.id, reason: 'invalid event: seq: must be <= 9007199254740991' }]);
  });

  it('names the field of an invalid event and keeps its seq for the record', () => {
    const bad = event(7, { at, seq: 7, uptimeMs: -1 });
    const out = classifyEvents(ctx, buf(batch('k', [bad])));
    expect(out.batch!.rejected).toEqual([{ id: bad.id, seq: 7, reason: expect.stringMatching(/^invalid event: uptimeMs/) }]);
  });
});

describe('implausibleTime', () => {
  it.each([
    ['2019-12-31T23:59:59Z', /before 2020-01-01/],
    ['2026-06-02T12:00:01Z', /ahead of the gateway clock/],
    ['2026-06-02T11:59:59Z', undefined],
    ['2020-01-01T00:00:00Z', undefined],
  ])('%s', (value, expected) => {
    const result = implausibleTime(value, ctx.now);
    if (expected) expect(result).toMatch(expected);
    else expect(result).toBeUndefined();
  });
});

describe('classifyStatus', () => {
  it('accepts a valid status and dead-letters garbage', () => {
    expect(classifyStatus(ctx, buf({ v: 1, state: 'offline' })).status).toEqual({ kioskId: 'k', payload: { v: 1, state: 'offline' } });
    expect(classifyStatus(ctx, buf('nope')).deadLetters[0]!.reason).toMatch(/malformed JSON/);
    expect(classifyStatus({ ...ctx, registered: false }, buf({ v: 1, state: 'online' })).deadLetters[0]!.reason).toMatch(/not registered/);
  });
});
