import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SqliteOutbox } from '../../device/src/outbox.js';
import { press, removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);
const tempFile = () => join(tempDir(), 'outbox.db');

describe('SqliteOutbox', () => {
  it('runs WAL with synchronous=FULL', () => {
    const outbox = new SqliteOutbox(tempFile());
    expect(outbox.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(outbox.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    outbox.close();
  });

  it('seq is strictly increasing, persisted across reopen and never reused after pruning', () => {
    const file = tempFile();
    let outbox = new SqliteOutbox(file);
    const first = [outbox.append(press()), outbox.append(press()), outbox.append(press())].map((e) => e.seq);
    expect(first).toEqual([1, 2, 3]);
    outbox.markDelivered([outbox.pendingAfter(0, 10)[2]!.id], 1000);
    outbox.close();
    outbox = new SqliteOutbox(file);
    expect(outbox.prune(2000)).toBe(1); // the newest row is gone
    expect(outbox.append(press()).seq).toBe(4);
    expect(outbox.stats(0).lastSeq).toBe(4);
    outbox.close();
  });

  it('pending → delivered on ack, pending → rejected with reason; neither is sent again', () => {
    const outbox = new SqliteOutbox(tempFile());
    const [a, b, c] = [press(), press(), press()].map((p) => outbox.append(p));
    expect(outbox.markDelivered([a!.id, a!.id, 'unknown'], 10)).toBe(1);
    expect(outbox.markRejected([{ id: b!.id, reason: 'bad panel' }], 10)).toBe(1);
    expect(outbox.markDelivered([b!.id], 10)).toBe(0); // a settled row stays settled
    expect(outbox.stateOf(b!.id)).toEqual({ state: 'rejected', reason: 'bad panel' });
    expect(outbox.pendingAfter(0, 10).map((e) => e.id)).toEqual([c!.id]);
    expect(outbox.stats(Date.parse(c!.at) + 500)).toEqual({ pending: 1, oldestPendingAgeMs: 500, lastSeq: 3 });
    outbox.close();
  });

  it('reads pending rows in seq order, in batches after a cursor, as contract Events', () => {
    const outbox = new SqliteOutbox(tempFile());
    for (let i = 0; i < 7; i++) outbox.append(press({ flags: i === 3 ? ['repeat'] : [] }));
    const batch1 = outbox.pendingAfter(0, 3);
    const batch2 = outbox.pendingAfter(batch1.at(-1)!.seq, 3);
    expect(batch1.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(batch2.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(batch2[0]).toMatchObject({ flags: ['repeat'], clockSynced: true, bootId: 'boot-1', panel: 'desk', button: 'good' });
    outbox.close();
  });

  it('prunes only settled rows older than the retention cut-off', () => {
    const outbox = new SqliteOutbox(tempFile());
    const [old, recent, pending] = [press(), press(), press()].map((p) => outbox.append(p));
    outbox.markDelivered([old!.id], 1_000);
    outbox.markDelivered([recent!.id], 9_000);
    expect(outbox.prune(5_000)).toBe(1);
    expect(outbox.stateOf(old!.id)).toBeUndefined();
    expect(outbox.stateOf(recent!.id)?.state).toBe('delivered');
    expect(outbox.stateOf(pending!.id)?.state).toBe('pending');
    outbox.close();
  });
});
