// Current-state counting of an interaction's feedback (docs/statistics.md "Current state").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { currentSlugCounts, isComment, meanRating, summarize, thumbsState, totalEvents, type FeedbackEvent } from '../../src/core/feedback-summary.js';
import type { FeedbackSlug } from '../../src/core/model.js';
import { interactionContribution, dimensionsOf, hourOf, RollupDeltas, HOUR_MS } from '../../src/core/rollups.js';

let n = 0;
const event = (slug: FeedbackSlug, timestamp: number, o: Partial<FeedbackEvent> = {}): FeedbackEvent =>
  ({ id: `id-${String(++n).padStart(4, '0')}`, slug, value: null, endUser: 'u', timestamp, receivedAt: 0, commented: false, ...o });

describe('summarize', () => {
  test('thumbs up then thumbs down by one end user counts once, as down; every event stays in the history', () => {
    const s = summarize([event('thumbs_up', 1), event('thumbs_down', 2)]);
    assert.deepEqual([s.up, s.down, s.events.thumbs_up, s.events.thumbs_down, totalEvents(s)], [0, 1, 1, 1, 2]);
    assert.equal(thumbsState(s), 'down');
  });
  test('the latest vote wins whatever the order of arrival', () => {
    const s = summarize([event('thumbs_down', 20), event('thumbs_up', 10)]);
    assert.deepEqual([s.up, s.down], [0, 1]);
  });
  test('a rating changed from 2 to 5 counts as 5', () => {
    const s = summarize([event('rating', 1, { value: 2 }), event('rating', 5, { value: 5 })]);
    assert.deepEqual(s.ratings, [0, 0, 0, 0, 1]);
    assert.equal(meanRating(s), 5);
    assert.equal(currentSlugCounts(s).rating, 1);
  });
  test('ties on timestamp: received_at, then id decide', () => {
    assert.equal(summarize([event('thumbs_up', 5, { receivedAt: 2 }), event('thumbs_down', 5, { receivedAt: 1 })]).up, 1);
    assert.equal(summarize([event('thumbs_up', 5, { id: 'b' }), event('thumbs_down', 5, { id: 'a' })]).up, 1);
  });
  test('votes of different end users count separately; thumbs and ratings are separate kinds', () => {
    const s = summarize([event('thumbs_up', 1, { endUser: 'a' }), event('thumbs_down', 2, { endUser: 'b' }), event('rating', 3, { endUser: 'a', value: 4 })]);
    assert.deepEqual([s.up, s.down, s.ratings[3]], [1, 1, 1]);
    assert.equal(thumbsState(s), 'mixed');
  });
  test('other slugs count every event; comments are texts on comment-bearing slugs', () => {
    const s = summarize([event('copy_output', 1), event('copy_output', 2), event('comment', 3, { commented: true }), event('thumbs_down', 4, { commented: true })]);
    assert.deepEqual([s.events.copy_output, currentSlugCounts(s).copy_output, s.comments], [2, 2, 2]);
    assert.equal(isComment('copy_output', 'copied text'), false);
    assert.equal(isComment('thumbs_down', 'wrong answer'), true);
    assert.equal(isComment('comment', ''), false);
  });
});

describe('rollup contribution', () => {
  test('an interaction counts itself, its current votes, and whether it was copied, regenerated, edited or covered', () => {
    const c = interactionContribution(summarize([event('thumbs_up', 1), event('thumbs_down', 2), event('copy_output', 3), event('copy_output', 4)]));
    assert.deepEqual([c.interactions, c.up, c.down, c.copy_output, c.copied, c.regenerated, c.covered], [1, 0, 1, 2, 1, 0, 1]);
    const bare = interactionContribution(summarize([]));
    assert.deepEqual([bare.interactions, bare.covered], [1, 0]);
  });
  test('dimensions: all, the model, each feature flag once, each tag key with its value', () => {
    assert.deepEqual(dimensionsOf({ model: 'm', featureFlags: ['x', 'x', 'y'], tags: { team: 'a' } }),
      [['all', ''], ['model', 'm'], ['flag', 'x'], ['flag', 'y'], ['tag:team', 'a']]);
    assert.deepEqual(dimensionsOf({ model: null, featureFlags: [], tags: {} }), [['all', '']]);
  });
  test('hours floor also before 1970', () => {
    assert.equal(hourOf(HOUR_MS + 1), HOUR_MS);
    assert.equal(hourOf(-1), -HOUR_MS);
  });
  test('deltas: a change moves counts between buckets and nets out where nothing changed', () => {
    const d = new RollupDeltas();
    const before = { projectId: 'p', timeEnd: 10, model: 'm', featureFlags: [], tags: { team: 'a' }, summary: summarize([event('thumbs_up', 1)]) };
    const after = { ...before, tags: { team: 'b' }, summary: summarize([event('thumbs_up', 1), event('thumbs_down', 2)]) };
    d.addInteraction(before, -1);
    d.addInteraction(after, 1);
    d.addUnlinked('p', 5, 'pending', -1);
    const rows = d.rows().map((r) => [r.key.dimension, r.key.value, r.counters.interactions, r.counters.up, r.counters.down, r.counters.pending]);
    assert.deepEqual(rows, [
      ['all', '', 0, -1, 1, -1],
      ['model', 'm', 0, -1, 1, 0],
      ['tag:team', 'a', -1, -1, 0, 0],
      ['tag:team', 'b', 1, 0, 1, 0],
    ]);
  });
});
