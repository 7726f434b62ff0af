// The read side of the storage port, the same on every adapter (sqlite.test.ts, postgres.test.ts):
// keyset order and filters of the lists, the reads behind statistics, and the recomputation of
// rollups from raw rows by the database alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import type { FeedbackRecord, InteractionRecord } from '../../src/core/model.js';
import { noInteractionFilter } from '../../src/core/queries.js';
import { HOUR_MS, isZero } from '../../src/core/rollups.js';
import { noFeedbackFilter } from '../../src/app/listing.js';
import type { PageQuery, Storage } from '../../src/storage/port.js';
import { feedback, interaction, usingStorage } from './contract.js';

const T = Date.UTC(2024, 4, 1, 10);
const newest = (limit = 100): PageQuery => ({ after: null, limit, order: 'newest' });
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

export function readContract(name: string, open: () => Promise<Storage>): void {
  const using = usingStorage(open);
  /** Raw rows, written without the write path (rollups untouched). */
  const insert = (s: Storage, interactions: InteractionRecord[], rows: FeedbackRecord[] = []) =>
    s.transaction(async (tx) => {
      await tx.insertInteractions(interactions);
      await tx.insertFeedback(rows);
    });
  const linkedTo = (i: InteractionRecord, o: Partial<FeedbackRecord> = {}) =>
    feedback(i.projectId, { status: 'linked', link: 'id', interactionId: i.id, linkedTimeEnd: i.timeEnd, endUser: i.endUser, timestamp: i.timeEnd + 1000, ...o });

  describe(`${name} read side`, () => {
    test('interactions list newest or oldest first by (time_end, id), after a cursor, with their own filters', using(async (s) => {
      const p = newId();
      const a = interaction(p, { timeEnd: T, model: 'm1', featureFlags: ['x'], tags: { team: 'a' }, output: 'The Answer', endUser: 'u1' });
      const b = interaction(p, { timeEnd: T + 1000, model: 'm2', tags: { team: 'b' }, endUser: 'u2', traceId: 'a'.repeat(32) });
      const [low, high] = [newId(), newId()].sort();
      const c1 = interaction(p, { id: low!, timeEnd: T + 2000, featureFlags: ['x', 'y'] });
      const c2 = interaction(p, { id: high!, timeEnd: T + 2000 });
      await insert(s, [a, b, c1, c2, interaction(newId(), { timeEnd: T + 1500 })]);
      const f = noInteractionFilter();
      assert.deepEqual(ids(await s.listInteractions(p, f, newest())), [c2.id, c1.id, b.id, a.id]);
      assert.deepEqual(ids(await s.listInteractions(p, f, { after: { time: c1.timeEnd, id: c1.id }, limit: 10, order: 'newest' })), [b.id, a.id]);
      assert.deepEqual(ids(await s.listInteractions(p, f, { after: { time: c1.timeEnd, id: c1.id }, limit: 10, order: 'oldest' })), [c2.id]);
      assert.deepEqual(ids(await s.listInteractions(p, f, newest(2))), [c2.id, c1.id]);
      assert.deepEqual(ids(await s.listInteractions(p, { ...f, featureFlag: 'x' }, newest())), [c1.id, a.id]);
      assert.deepEqual(ids(await s.listInteractions(p, { ...f, model: 'm2' }, newest())), [b.id]);
      assert.deepEqual(ids(await s.listInteractions(p, { ...f, tags: [['team', 'a']] }, newest())), [a.id]);
      assert.deepEqual(ids(await s.listInteractions(p, { ...f, tags: [['team', 'a'], ['team', 'b']] }, newest())), []);
      assert.deepEqual(ids(await s.listInteractions(p, { ...f, endUser: 'u2' }, newest())), [b.id]);
      assert.deepEqual(ids(await s.listInteractions(p, { ...f, text: 'the answer' }, newest())), [a.id]);
      assert.deepEqual(ids(await s.listInteractions(p, { ...f, from: T + 1000, to: T + 2000 }, newest())), [b.id]);
      assert.deepEqual(ids(await s.listInteractions(p, { ...f, traceId: 'a'.repeat(32) }, newest())), [b.id]);
      assert.deepEqual(ids(await s.findInteractions(p, [a.id, b.id, newId()], { ...f, model: 'm1' })), [a.id]);
    }));

    test('interactions with linked feedback: distinct positions in order, by slug, and those without any', using(async (s) => {
      const p = newId();
      const [a, b, c] = [0, 1, 2].map((k) => interaction(p, { timeEnd: T + k * 1000 }));
      await insert(s, [a!, b!, c!], [
        linkedTo(a!, { slug: 'thumbs_up' }), linkedTo(a!, { slug: 'thumbs_down', text: 'no' }), linkedTo(c!, { slug: 'rating', value: 4 }),
        feedback(p, { slug: 'thumbs_down' }), // pending: not linked to anything
      ]);
      const reacted = await s.listReactedInteractions(p, null, { from: null, to: null }, newest());
      assert.deepEqual(reacted, [{ interactionId: c!.id, timeEnd: c!.timeEnd }, { interactionId: a!.id, timeEnd: a!.timeEnd }]);
      assert.deepEqual((await s.listReactedInteractions(p, 'thumbs_down', { from: null, to: null }, newest())).map((r) => r.interactionId), [a!.id]);
      assert.deepEqual((await s.listReactedInteractions(p, null, { from: T + 500, to: null }, newest())).map((r) => r.interactionId), [c!.id]);
      assert.deepEqual((await s.listReactedInteractions(p, null, { from: null, to: null }, { after: { time: c!.timeEnd, id: c!.id }, limit: 5, order: 'newest' }))
        .map((r) => r.interactionId), [a!.id]);
      assert.deepEqual(ids(await s.listInteractions(p, noInteractionFilter(), newest(), { withoutFeedback: true })), [b!.id]);
      const of = await s.listFeedbackOfInteractions(p, [a!.id, b!.id, c!.id]);
      assert.deepEqual([of.get(a!.id)?.map((f) => f.slug), of.get(b!.id), of.get(c!.id)?.length], [['thumbs_up', 'thumbs_down'], undefined, 1]);
      const events = await s.listFeedbackEventsOfInteractions(p, [a!.id, b!.id, c!.id]);
      assert.deepEqual(events.get(a!.id)?.map((e) => [e.slug, e.commented]), [['thumbs_up', false], ['thumbs_down', true]]);
      assert.deepEqual([events.get(b!.id), events.get(c!.id)?.[0]?.value], [undefined, 4]);
    }));

    test('feedback list: order by (timestamp, id), keyset, filters on feedback and on its interaction', using(async (s) => {
      const p = newId();
      const i1 = interaction(p, { timeEnd: T, model: 'm1', tags: { team: 'a' }, conversationId: 'conv-1', traceId: 'b'.repeat(32) });
      const i2 = interaction(p, { timeEnd: T, model: 'm2' });
      const f1 = linkedTo(i1, { slug: 'rating', value: 2, timestamp: T + 1 });
      const f2 = linkedTo(i1, { slug: 'thumbs_down', text: 'Too LONG', timestamp: T + 2 });
      const f3 = linkedTo(i2, { slug: 'copy_output', text: 'copied', timestamp: T + 3 });
      const pending = feedback(p, { slug: 'rating', value: 5, timestamp: T + 4, receivedAt: T, endUser: 'late' });
      const oldPending = feedback(p, { slug: 'comment', text: 'hello', timestamp: T + 5, receivedAt: T - 10 * HOUR_MS, conversationId: 'conv-1' });
      await insert(s, [i1, i2], [f1, f2, f3, pending, oldPending]);
      const f = noFeedbackFilter();
      const cutoff = T - HOUR_MS;
      const list = (filter: Partial<typeof f>, page = newest()) => s.listFeedback(p, { ...f, ...filter }, page, cutoff).then(ids);
      assert.deepEqual(await list({}), [oldPending.id, pending.id, f3.id, f2.id, f1.id]);
      assert.deepEqual(await list({}, { after: { time: f3.timestamp, id: f3.id }, limit: 10, order: 'oldest' }), [pending.id, oldPending.id]);
      assert.deepEqual(await list({ slugs: ['rating', 'comment'] }), [oldPending.id, pending.id, f1.id]);
      assert.deepEqual(await list({ status: 'pending' }), [pending.id]);
      assert.deepEqual(await list({ status: 'orphaned' }), [oldPending.id], 'pending past the cut-off reads as orphaned');
      assert.deepEqual(await list({ status: 'linked' }), [f3.id, f2.id, f1.id]);
      assert.deepEqual(await list({ hasText: true }), [oldPending.id, f2.id], 'copied text is not a comment');
      assert.deepEqual(await list({ minValue: 3 }), [pending.id]);
      assert.deepEqual(await list({ value: 2 }), [f1.id]);
      assert.deepEqual(await list({ model: 'm1' }), [f2.id, f1.id]);
      assert.deepEqual(await list({ tags: [['team', 'a']] }), [f2.id, f1.id]);
      assert.deepEqual(await list({ conversationId: 'conv-1' }), [oldPending.id, f2.id, f1.id]);
      assert.deepEqual(await list({ interactionId: i2.id }), [f3.id]);
      assert.deepEqual(await list({ text: 'too long' }), [f2.id]);
      assert.deepEqual(await list({ endUser: 'late' }), [pending.id]);
      assert.deepEqual(await list({ traceId: 'b'.repeat(32) }), [f2.id, f1.id]);
      assert.deepEqual(await list({ from: T + 2, to: T + 4 }), [f3.id, f2.id]);
      assert.deepEqual(await s.listFeedback(newId(), f, newest(), cutoff), [], 'another project sees none of it');
    }));

    test('a conversation in time order; an end user\'s overview and latest conversations', using(async (s) => {
      const p = newId();
      const c1 = [0, 1].map((k) => interaction(p, { conversationId: 'c1', timeEnd: T + k * 1000, endUser: 'ann' }));
      const c2 = interaction(p, { conversationId: 'c2', timeEnd: T + 5000, endUser: 'ann' });
      await insert(s, [...c1, c2, interaction(p, { endUser: 'bob' })], [linkedTo(c2), feedback(p, { endUser: 'ann', timestamp: T + 9000 })]);
      assert.deepEqual(ids(await s.listConversation(p, 'c1', { after: null, limit: 10, order: 'oldest' })), c1.map((i) => i.id));
      assert.deepEqual(await s.endUserOverview(p, 'ann'), { interactions: 3, feedback: 2, conversations: 2, firstSeen: T - 1000, lastSeen: T + 9000 });
      assert.equal(await s.endUserOverview(p, 'nobody'), null);
      assert.deepEqual(await s.listEndUserConversations(p, 'ann', 10), [
        { id: 'c2', timeStart: T + 4000, timeEnd: T + 5000, interactions: 1 },
        { id: 'c1', timeStart: T - 1000, timeEnd: T + 1000, interactions: 2 },
      ]);
    }));

    test('conversations by id after a keyset position, those with an interaction matching the filter, with counts and times', using(async (s) => {
      const p = newId();
      const rows = [
        interaction(p, { conversationId: 'c-b', timeEnd: T, endUser: 'ann', model: 'm1' }),
        interaction(p, { conversationId: 'c-b', timeEnd: T + 5000, endUser: 'ann', model: 'm2' }),
        interaction(p, { conversationId: 'c-a', timeEnd: T + 1000, endUser: 'bob', model: 'm1' }),
        interaction(p, { conversationId: 'c-c', timeEnd: T + 2000, endUser: 'bob', model: 'm2' }),
        interaction(newId(), { conversationId: 'c-0' }),
      ];
      await insert(s, rows);
      const f = noInteractionFilter();
      const all = await s.listConversations(p, f, { after: null, limit: 10 });
      assert.deepEqual(all, [
        { id: 'c-a', timeStart: T, timeEnd: T + 1000, interactions: 1 },
        { id: 'c-b', timeStart: T - 1000, timeEnd: T + 5000, interactions: 2 },
        { id: 'c-c', timeStart: T + 1000, timeEnd: T + 2000, interactions: 1 },
      ]);
      assert.deepEqual((await s.listConversations(p, f, { after: 'c-a', limit: 1 })).map((c) => c.id), ['c-b']);
      assert.deepEqual((await s.listConversations(p, { ...f, model: 'm2' }, { after: null, limit: 10 })).map((c) => [c.id, c.interactions]), [['c-b', 1], ['c-c', 1]]);
      assert.deepEqual((await s.listConversations(p, { ...f, endUser: 'bob', from: T + 1500 }, { after: null, limit: 10 })).map((c) => c.id), ['c-c']);
    }));

    test('rollups: recomputation from raw rows counts current state; rebuild makes it the maintained state; reads by hour and value', using(async (s) => {
      const p = newId();
      const i1 = interaction(p, { timeEnd: T + 10 * 60_000, model: 'm1', featureFlags: ['x'], tags: { team: 'a' } });
      const i2 = interaction(p, { timeEnd: T + 70 * 60_000, model: 'm1' });
      await insert(s, [i1, i2], [
        linkedTo(i1, { slug: 'thumbs_up', timestamp: T + 11 * 60_000 }), linkedTo(i1, { slug: 'thumbs_down', timestamp: T + 12 * 60_000 }),
        linkedTo(i2, { slug: 'rating', value: 2, timestamp: T + 71 * 60_000 }), linkedTo(i2, { slug: 'rating', value: 5, timestamp: T + 72 * 60_000 }),
        linkedTo(i2, { slug: 'copy_output', text: 'x' }), feedback(p, { timestamp: T + 30 * 60_000 }),
      ]);
      assert.deepEqual((await s.dumpRollups(p)).filter((b) => !isZero(b.counters)), [], 'raw rows alone do not maintain rollups');
      const recomputed = await s.recomputeRollups(p);
      const all = recomputed.filter((b) => b.dimension === 'all');
      assert.deepEqual(all.map((b) => [b.hour - T, b.counters.interactions, b.counters.up, b.counters.down, b.counters.rating_5, b.counters.rating_2, b.counters.copied, b.counters.pending]),
        [[0, 1, 0, 1, 0, 0, 0, 1], [HOUR_MS, 1, 0, 0, 1, 0, 1, 0]]);
      assert.deepEqual(recomputed.filter((b) => b.dimension !== 'all').map((b) => [b.dimension, b.value, b.hour - T]),
        [['flag', 'x', 0], ['model', 'm1', 0], ['model', 'm1', HOUR_MS], ['tag:team', 'a', 0]]);
      const restricted = await s.recomputeRollups(p, { dimension: 'model', value: 'm1', from: T + HOUR_MS, to: T + 2 * HOUR_MS });
      assert.deepEqual(restricted.map((b) => [b.dimension, b.hour - T, b.counters.interactions]), [['model', HOUR_MS, 1]]);
      await s.rebuildRollups(p);
      assert.deepEqual(await s.dumpRollups(p), recomputed);
      const byHour = await s.readRollups(p, { dimension: 'model', value: 'm1', fromHour: T, toHour: T + 2 * HOUR_MS });
      assert.deepEqual(byHour.map((r) => [r.value, r.hour - T, r.counters.interactions]), [['m1', 0, 1], ['m1', HOUR_MS, 1]]);
      const totals = await s.readRollupTotals(p, { dimension: 'model', value: null, fromHour: T, toHour: T + 2 * HOUR_MS });
      assert.deepEqual(totals.map((r) => [r.value, r.counters.interactions, r.counters.down, r.counters.rating_5]), [['m1', 2, 1, 1]]);
      const unlinked = await s.countUnlinkedFeedback(p, { from: T, to: T + HOUR_MS }, { endUser: null, conversationId: null });
      assert.deepEqual(unlinked.map((r) => [r.hour - T, r.counters.pending, r.counters.orphaned]), [[0, 1, 0]]);
      assert.deepEqual(await s.readRollupTotals(newId(), { dimension: 'model', value: null, fromHour: T, toHour: T + 2 * HOUR_MS }), []);
    }));
  });
}
