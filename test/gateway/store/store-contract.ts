/**
 * Behaviour every `Store` must have (SQLite now, PostgreSQL later): one suite, many backends,
 * in the spirit of MQTT.js's abstract store tests.
 */
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../../gateway/src/lib/secrets.js';
import type { IngestWork, Store } from '../../../gateway/src/store/store.js';
import { event } from '../helpers.js';

const work = (kioskId: string, seqs: number[], extra: Partial<IngestWork> = {}): IngestWork => ({
  batches: [{ kioskId, events: seqs.map((s) => event(s)), rejected: [] }],
  statuses: [],
  deadLetters: [],
  ...extra,
});

export function describeStore(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    it('registers a kiosk once and keeps only its password hash', async () => {
      const store = await open();
      expect(await store.createKiosk({ id: 'k', passwordHash: hashSecret('secret') })).toBe(true);
      expect(await store.createKiosk({ id: 'k', passwordHash: hashSecret('other') })).toBe(false);
      expect(await store.kioskPasswordHash('k')).toBe(hashSecret('secret'));
      expect(await store.kioskPasswordHash('nobody')).toBeUndefined();
      await store.close();
    });

    it('inserts idempotently on event id, counting duplicates, across and within batches', async () => {
      const store = await open();
      await store.createKiosk({ id: 'k', passwordHash: 'h' });
      const first = work('k', [1, 2]);
      const [a] = await store.commitIngest(first);
      expect(a).toMatchObject({ inserted: 2, duplicates: 0 });
      const events = first.batches[0]!.events;
      const twice = { batches: [{ kioskId: 'k', events: [...events, events[0]!], rejected: [] }], statuses: [], deadLetters: [] };
      const [b] = await store.commitIngest(twice);
      expect(b).toMatchObject({ inserted: 0, duplicates: 3, ids: [...events.map((e) => e.id), events[0]!.id] });
      expect((await store.getKiosk('k'))!.counters).toEqual({ received: 2, duplicates: 3, rejected: 0, lastSeq: 2 });
      expect(await store.listEvents('k', 0, 10)).toHaveLength(2);
      await store.close();
    });

    it('refuses an event id already owned by another kiosk', async () => {
      const store = await open();
      await store.createKiosk({ id: 'a', passwordHash: 'h' });
      await store.createKiosk({ id: 'b', passwordHash: 'h' });
      const w = work('a', [1]);
      await store.commitIngest(w);
      const stolen = { ...w, batches: [{ kioskId: 'b', events: w.batches[0]!.events, rejected: [] }] };
      const [out] = await store.commitIngest(stolen);
      expect(out!.ids).toEqual([]);
      expect(out!.rejected[0]!.reason).toMatch(/another kiosk/);
      expect((await store.getKiosk('b'))!.counters.rejected).toBe(1);
      await store.close();
    });

    it.each([
      { name: 'in order', batches: [[1, 2, 3]], gaps: [] },
      { name: 'a jump', batches: [[1, 5]], gaps: [{ from: 2, to: 4 }] },
      { name: 'a first event past 1', batches: [[3]], gaps: [{ from: 1, to: 2 }] },
      { name: 'a fill at the gap start', batches: [[1, 5], [2]], gaps: [{ from: 3, to: 4 }] },
      { name: 'a fill at the gap end', batches: [[1, 5], [4]], gaps: [{ from: 2, to: 3 }] },
      {
        name: 'a fill in the middle (split)',
        batches: [[1, 6], [3]],
        gaps: [
          { from: 2, to: 2 },
          { from: 4, to: 5 },
        ],
      },
      { name: 'a complete fill', batches: [[1, 3], [2]], gaps: [] },
      { name: 'out of order within a batch', batches: [[1, 4, 3, 2]], gaps: [] },
      { name: 'two gaps, one filled', batches: [[1, 3, 5], [4]], gaps: [{ from: 2, to: 2 }] },
    ])('records seq gaps: $name', async ({ batches, gaps }) => {
      const store = await open();
      await store.createKiosk({ id: 'k', passwordHash: 'h' });
      for (const seqs of batches) await store.commitIngest(work('k', seqs));
      expect(await store.kioskGaps('k')).toEqual(gaps);
      expect((await store.getKiosk('k'))!.counters.lastSeq).toBe(Math.max(...batches.flat()));
      await store.close();
    });

    it('counts a rejected event once however often it is resent', async () => {
      const store = await open();
      await store.createKiosk({ id: 'k', passwordHash: 'h' });
      const rejectedOnce = {
        batches: [{ kioskId: 'k', events: [], rejected: [{ id: 'evt-00000001', reason: 'bad' }] }],
        statuses: [],
        deadLetters: [],
      };
      await store.commitIngest(rejectedOnce);
      await store.commitIngest(rejectedOnce);
      expect((await store.getKiosk('k'))!.counters.rejected).toBe(1);
      await store.close();
    });

    it('stores the last status, dead letters newest first, and prunes old dead letters', async () => {
      const store = await open();
      await store.createKiosk({ id: 'k', passwordHash: 'h' });
      const deadLetters = Array.from({ length: 5 }, (_, i) => ({ topic: 't', kioskId: 'k', reason: `r${i}`, payload: '{}' }));
      await store.commitIngest({ batches: [], statuses: [{ kioskId: 'k', payload: { v: 1, state: 'online' } }], deadLetters });
      expect((await store.getKiosk('k'))!.status!.payload).toEqual({ v: 1, state: 'online' });
      expect(await store.fleetSummary()).toEqual({ registered: 1, online: 1 });
      expect((await store.listDeadLetters(2)).map((d) => d.reason)).toEqual(['r4', 'r3']);
      expect(await store.pruneDeadLetters(3)).toBe(2);
      expect((await store.listDeadLetters(10)).map((d) => d.reason)).toEqual(['r4', 'r3', 'r2']);
      await store.close();
    });

    it("keeps the last status of each kiosk when one flush carries several, and counts each kiosk's batches", async () => {
      const store = await open();
      await store.createKiosk({ id: 'a', passwordHash: 'h' });
      await store.createKiosk({ id: 'b', passwordHash: 'h' });
      const [a1, a2, b1] = [work('a', [1, 2]).batches[0]!, work('a', [3]).batches[0]!, work('b', [1]).batches[0]!];
      await store.commitIngest({
        batches: [a1, b1, a2, a1],
        statuses: [
          { kioskId: 'a', payload: { v: 1, state: 'online' } },
          { kioskId: 'b', payload: { v: 1, state: 'online' } },
          { kioskId: 'a', payload: { v: 1, state: 'offline' } },
        ],
        deadLetters: [],
      });
      expect((await store.getKiosk('a'))!.status!.payload.state).toBe('offline');
      expect((await store.getKiosk('b'))!.status!.payload.state).toBe('online');
      expect((await store.getKiosk('a'))!.counters).toEqual({ received: 3, duplicates: 2, rejected: 0, lastSeq: 3 });
      expect((await store.getKiosk('b'))!.counters).toEqual({ received: 1, duplicates: 0, rejected: 0, lastSeq: 1 });
      await store.close();
    });

    it('bumps the config revision and lists stored configs', async () => {
      const store = await open();
      await store.createKiosk({ id: 'k', passwordHash: 'h' });
      const panels = [{ id: 'desk', kind: 'staff' as const, pins: { good: 1, neutral: 2, bad: 3 } }];
      expect((await store.putKioskConfig('k', { panels }))!.rev).toBe(1);
      expect((await store.putKioskConfig('k', { panels }))!.rev).toBe(2);
      expect(await store.putKioskConfig('ghost', { panels })).toBeUndefined();
      expect(await store.allKioskConfigs()).toEqual([{ kioskId: 'k', config: { v: 1, rev: 2, panels } }]);
      await store.close();
    });

    it('rotates and revokes API keys, remembering every hash that stopped working, never the last admin key', async () => {
      const store = await open();
      const admin = await store.createApiKey({ name: 'admin', role: 'admin', hash: 'h-admin' });
      const tech = await store.createApiKey({ name: 'tech', role: 'technician', hash: 'h-tech', offices: ['o1'] });
      expect(await store.rotateApiKey(tech.id, 'h-tech-2')).toEqual(tech);
      expect(await store.apiKeyByHash('h-tech')).toBeUndefined();
      expect((await store.apiKeyByHash('h-tech-2'))?.offices).toEqual(['o1']);
      expect(await store.revokeApiKey(tech.id)).toEqual(tech);
      expect(await store.apiKeyByHash('h-tech-2')).toBeUndefined();
      expect(await store.revokeApiKey(tech.id)).toBe('missing');
      expect(await store.rotateApiKey(tech.id, 'h')).toBeUndefined();
      expect(await store.revokeApiKey(admin.id)).toBe('last admin');
      expect([
        await store.isRevokedApiKey('h-tech'),
        await store.isRevokedApiKey('h-tech-2'),
        await store.isRevokedApiKey('h-admin'),
      ]).toEqual([true, true, false]);
      await store.close();
    });

    it("lists the kiosks wholly within some offices: by their officeId and their panels' bindings", async () => {
      const store = await open();
      for (const office of ['n1', 'n2', 's1'])
        await store.createOrg('office', { id: office, name: office, timeZone: 'UTC', regionId: null, k: null });
      await store.createKiosk({ id: 'a-north', officeId: 'n1', passwordHash: 'h' });
      await store.createKiosk({ id: 'b-bound-north', passwordHash: 'h' });
      await store.putBinding({ kioskId: 'b-bound-north', panel: 'p', kind: 'office', officeId: 'n2', deskId: null });
      await store.createKiosk({ id: 'c-straddling', officeId: 'n1', passwordHash: 'h' });
      await store.putBinding({ kioskId: 'c-straddling', panel: 'p', kind: 'office', officeId: 's1', deskId: null });
      await store.createKiosk({ id: 'd-nowhere', passwordHash: 'h' });
      const ids = async (offices?: string[]) => (await store.listKiosks(undefined, 10, offices)).map((k) => k.id);
      expect(await ids(['n1', 'n2'])).toEqual(['a-north', 'b-bound-north']);
      expect(await ids([])).toEqual([]);
      expect(await ids()).toEqual(['a-north', 'b-bound-north', 'c-straddling', 'd-nowhere']);
      expect((await store.listKiosks('a-north', 1, ['n1', 'n2'])).map((k) => k.id)).toEqual(['b-bound-north']);
      expect((await store.kioskOffices('c-straddling'))?.sort()).toEqual(['n1', 's1']);
      expect(await store.kioskOffices('d-nowhere')).toEqual([]);
      expect(await store.kioskOffices('ghost')).toBeUndefined();
      await store.close();
    });
  });
}
