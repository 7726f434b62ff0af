// The lifecycle part of the write transaction (port.ts LifecycleTransaction), the same on every
// adapter (sqlite.test.ts, postgres.test.ts): rows by end user and by age, deletes that count what
// they removed, rows by their global id; and erasure and retention through them keeping rollups
// equal to their recomputation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eraseEndUser } from '../../src/app/erasure.js';
import { applyRetention } from '../../src/app/retention.js';
import { newId } from '../../src/core/ids.js';
import type { FeedbackRecord, InteractionRecord, TagUpdateRecord } from '../../src/core/model.js';
import { COUNTERS, isZero, type Counters } from '../../src/core/rollups.js';
import type { RollupBucket, Storage } from '../../src/storage/port.js';
import { feedback, interaction, usingStorage } from './contract.js';

const T = Date.UTC(2024, 4, 1, 10);
const HOUR = 3_600_000;

const tagUpdate = (projectId: string, o: Partial<TagUpdateRecord> = {}): TagUpdateRecord => ({
  id: newId(), projectId, endUser: 'ann', timestamp: T, inputHash: null, outputHash: null, tags: { team: 'a' }, status: 'pending',
  interactionId: null, receivedAt: T, ...o,
});

const rows = (buckets: RollupBucket[]) => buckets.filter((b) => !isZero(b.counters))
  .map((b) => `${b.dimension}|${b.value}|${b.hour}|${COUNTERS.map((c) => b.counters[c as keyof Counters]).join(',')}`).sort();

export function lifecycleContract(name: string, open: () => Promise<Storage>): void {
  const using = usingStorage(open);
  const linkedTo = (i: InteractionRecord, o: Partial<FeedbackRecord> = {}) =>
    feedback(i.projectId, { status: 'linked', link: 'id', interactionId: i.id, linkedTimeEnd: i.timeEnd, endUser: i.endUser, timestamp: i.timeEnd + 1000, ...o });
  /** Raw rows, then rollups rebuilt from them: a consistent starting point. */
  const seed = async (s: Storage, interactions: InteractionRecord[], fb: FeedbackRecord[], tags: TagUpdateRecord[] = []) => {
    await s.transaction(async (tx) => {
      await tx.insertInteractions(interactions);
      await tx.insertFeedback(fb);
      for (const t of tags) await tx.insertTagUpdate(t);
    });
    await s.rebuildRollups(null);
  };

  describe(`${name} lifecycle`, () => {
    test('rows by end user, by age and by global id; deletes count what they removed', using(async (s) => {
      const p = newId();
      const a1 = interaction(p, { endUser: 'ann', timeEnd: T });
      const a2 = interaction(p, { endUser: 'ann', timeEnd: T + HOUR });
      const b1 = interaction(p, { endUser: 'bob', timeEnd: T + 2 * HOUR });
      const fa = linkedTo(a1, { endUser: 'ann' });
      const fb = linkedTo(a1, { endUser: 'bob' });
      const pending = feedback(p, { endUser: 'ann', timestamp: T - HOUR });
      const t1 = tagUpdate(p, { endUser: 'ann', timestamp: T - 1 });
      await seed(s, [a1, a2, b1, interaction(newId(), { endUser: 'ann' })], [fa, fb, pending], [t1, tagUpdate(p, { endUser: 'bob', timestamp: T + HOUR })]);
      await s.transaction(async (tx) => {
        assert.deepEqual((await tx.findEndUserInteractionIds(p, 'ann')).sort(), [a1.id, a2.id].sort());
        assert.deepEqual((await tx.findEndUserFeedback(p, 'ann')).map((f) => f.id).sort(), [fa.id, pending.id].sort());
        assert.deepEqual((await tx.findFeedbackLinkedTo(p, [a1.id, a2.id])).map((f) => f.id).sort(), [fa.id, fb.id].sort());
        assert.deepEqual(await tx.findFeedbackLinkedTo(p, []), []);
        assert.deepEqual(await tx.findInteractionsEndedBefore(p, T + HOUR + 1, 10), [{ id: a1.id, endUser: 'ann' }, { id: a2.id, endUser: 'ann' }]);
        assert.deepEqual(await tx.findInteractionsEndedBefore(p, T + HOUR + 1, 1), [{ id: a1.id, endUser: 'ann' }]);
        assert.deepEqual((await tx.findUnlinkedFeedbackBefore(p, T, 10)).map((f) => f.id), [pending.id]);
        assert.equal((await tx.findFeedbackById(fb.id))?.projectId, p);
        assert.equal(await tx.findFeedbackById(newId()), null);
        assert.equal((await tx.findTagUpdateById(t1.id))?.endUser, 'ann');
        assert.equal(await tx.deleteTagUpdatesBefore(p, T, 10), 1);
        assert.equal(await tx.deleteEndUserTagUpdates(p, 'bob'), 1);
        assert.equal(await tx.deleteFeedback(p, [fa.id, newId()]), 1);
        assert.equal(await tx.deleteInteractions(p, [a1.id, a2.id, b1.id]), 3);
        assert.equal(await tx.deleteInteractions(p, []), 0);
      });
      assert.equal(await s.getInteraction(p, a1.id), null);
      assert.notEqual(await s.getFeedback(p, fb.id), null, 'only what was named is deleted');
    }));

    test('erasure removes an end user with their share of the rollups; others\' feedback about them stays, orphaned', using(async (s) => {
      const p = newId();
      const ann = interaction(p, { endUser: 'ann', timeEnd: T, model: 'm1', tags: { team: 'a' } });
      const bob = interaction(p, { endUser: 'bob', timeEnd: T + HOUR, model: 'm1' });
      const bobOnAnn = linkedTo(ann, { endUser: 'bob', slug: 'thumbs_down' });
      await seed(s, [ann, bob], [linkedTo(ann, { slug: 'thumbs_up' }), linkedTo(bob, { endUser: 'ann', slug: 'rating', value: 4 }), bobOnAnn,
        feedback(p, { endUser: 'ann', timestamp: T + 2 * HOUR })], [tagUpdate(p, { endUser: 'ann' })]);
      assert.deepEqual(await eraseEndUser(s, p, 'ann'), { interactions: 1, feedback: 3, tag_updates: 1, feedback_unlinked: 1 });
      assert.deepEqual(rows(await s.dumpRollups(p)), rows(await s.recomputeRollups(p)));
      const kept = await s.getFeedback(p, bobOnAnn.id);
      assert.deepEqual([kept?.status, kept?.interactionId, kept?.link], ['orphaned', null, null]);
      assert.deepEqual(await eraseEndUser(s, p, 'ann'), { interactions: 0, feedback: 0, tag_updates: 0, feedback_unlinked: 0 });
    }));

    test('retention deletes exactly what is older than the cut-off, interactions with their feedback, in batches', using(async (s) => {
      const p = newId();
      const old = [0, 1, 2].map((k) => interaction(p, { endUser: `u${k}`, timeEnd: T + k * 1000 }));
      const young = interaction(p, { endUser: 'u9', timeEnd: T + 10 * HOUR });
      const lateOnOld = linkedTo(old[0]!, { endUser: 'u9', timestamp: T + 20 * HOUR });
      const oldOnYoung = linkedTo(young, { timestamp: T, flags: ['timestamp_before_interaction_end'] });
      await seed(s, [...old, young], [lateOnOld, oldOnYoung, linkedTo(old[1]!), feedback(p, { timestamp: T }), feedback(p, { timestamp: T + 11 * HOUR })],
        [tagUpdate(p, { timestamp: T }), tagUpdate(p, { timestamp: T + 11 * HOUR })]);
      const result = await applyRetention(s, T + 5 * HOUR, { batch: 2, pauseMs: 0, projectIds: [p] });
      assert.deepEqual(result, { interactions: 3, feedback: 3, tag_updates: 1 });
      assert.deepEqual((await s.listInteractions(p, { from: null, to: null, endUser: null, model: null, featureFlag: null, tags: [], conversationId: null, text: null, traceId: null },
        { after: null, limit: 10, order: 'oldest' })).map((i) => i.id), [young.id]);
      assert.notEqual(await s.getFeedback(p, oldOnYoung.id), null, 'feedback goes with its interaction, not by its own time');
      assert.equal(await s.getFeedback(p, lateOnOld.id), null);
      assert.deepEqual(rows(await s.dumpRollups(p)), rows(await s.recomputeRollups(p)));
      assert.deepEqual(await applyRetention(s, T + 5 * HOUR, { projectIds: [p] }), { interactions: 0, feedback: 0, tag_updates: 0 });
    }));
  });
}
