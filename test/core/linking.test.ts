// The linking decision (API.md "How feedback finds its interaction"), on candidates given directly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chooseLink, chooseTagTarget, interactionMayAffect, isFinal, linkCandidateQuery, type LinkCandidates, type LinkSubject } from '../../src/core/linking.js';
import type { InteractionSummaryWithText } from '../../src/core/model.js';

const policy = { clockSkewMs: 120_000, lookbackMs: 86_400_000 };
const T = Date.UTC(2024, 0, 1, 12);
const none: LinkCandidates = { byId: null, byTrace: null, contentEndedBy: null, contentEarliest: null, timeEndedBy: null, timeAfter: null, recent: [] };
const subject = (s: Partial<LinkSubject> = {}): LinkSubject =>
  ({ slug: 'thumbs_up', endUser: 'u', timestamp: T, interactionRef: null, traceRef: null, spanRef: null, inputHash: null, outputHash: null, copiedTexts: [], ...s });
const i = (id: string, timeEnd: number, output = 'out', input = 'in'): InteractionSummaryWithText =>
  ({ id, timeStart: timeEnd - 1000, timeEnd, input, output, conversationId: 'c' });

describe('chooseLink', () => {
  test('an explicit interaction id links by id, and waits (pending) while the id is unknown', () => {
    assert.deepEqual(chooseLink(subject({ interactionRef: 'a' }), { ...none, byId: i('a', T) }),
      { status: 'linked', interactionId: 'a', link: 'id', flags: [], linkedTimeEnd: T });
    assert.deepEqual(chooseLink(subject({ interactionRef: 'a' }), { ...none, timeEndedBy: i('b', T) }), { status: 'pending' });
  });

  test('a trace id links by trace (before content and time), and waits while the trace is unknown', () => {
    const c = { ...none, byTrace: i('t', T + 60_000), contentEndedBy: i('c', T), timeEndedBy: i('x', T) };
    assert.deepEqual(chooseLink(subject({ traceRef: 'ab', outputHash: 'y' }), c),
      { status: 'linked', interactionId: 't', link: 'trace', flags: [], linkedTimeEnd: T + 60_000 });
    assert.deepEqual(chooseLink(subject({ traceRef: 'ab' }), { ...none, contentEndedBy: i('c', T), timeEndedBy: i('x', T) }), { status: 'pending' });
    assert.equal(linkCandidateQuery('p', subject({ traceRef: 'ab', slug: 'copy_output', copiedTexts: ['x'] }), policy).recentLimit, 0);
  });

  test('content names the rule: exact when both input and output are given, else input or output', () => {
    const c = { ...none, contentEndedBy: i('a', T - 5) };
    assert.equal((chooseLink(subject({ inputHash: 'x', outputHash: 'y' }), c) as { link: string }).link, 'exact');
    assert.equal((chooseLink(subject({ inputHash: 'x' }), c) as { link: string }).link, 'input');
    assert.equal((chooseLink(subject({ outputHash: 'y' }), c) as { link: string }).link, 'output');
  });

  test('content matching only after the timestamp links to the earliest match, flagged', () => {
    const d = chooseLink(subject({ outputHash: 'y' }), { ...none, contentEarliest: i('late', T + 10 * 60_000) });
    assert.deepEqual(d, { status: 'linked', interactionId: 'late', link: 'output', flags: ['timestamp_before_interaction_end'], linkedTimeEnd: T + 600_000 });
  });

  test('content that matches nothing stays pending even when the time rule would find an interaction', () => {
    assert.deepEqual(chooseLink(subject({ outputHash: 'y' }), { ...none, timeEndedBy: i('a', T) }), { status: 'pending' });
  });

  test('the time rule takes the latest interaction ended by the timestamp, else one within the skew, flagged', () => {
    assert.equal((chooseLink(subject(), { ...none, timeEndedBy: i('a', T - 1) }) as { interactionId: string }).interactionId, 'a');
    const skewed = chooseLink(subject(), { ...none, timeAfter: i('b', T + 30_000) });
    assert.deepEqual(skewed, { status: 'linked', interactionId: 'b', link: 'time', flags: ['clock_skew'], linkedTimeEnd: T + 30_000 });
    assert.deepEqual(chooseLink(subject(), none), { status: 'pending' });
  });

  test('copied text prefers the latest interaction whose output contains it, over a later one that does not', () => {
    const recent = [i('newest', T - 10, 'unrelated answer'), i('older', T - 5000, 'The  answer is\n42, clearly.'), i('oldest', T - 9000, 'The answer is 42')];
    const d = chooseLink(subject({ slug: 'copy_output', copiedTexts: ['answer is 42'] }), { ...none, recent, timeEndedBy: recent[0]! });
    assert.deepEqual(d, { status: 'linked', interactionId: 'older', link: 'copied_text', flags: [], linkedTimeEnd: T - 5000 });
  });

  test('copy_input searches inputs; copied text found nowhere falls back to the time rule', () => {
    const recent = [i('a', T - 10, 'out a', 'question a'), i('b', T - 20, 'out b', 'question b')];
    const byInput = chooseLink(subject({ slug: 'copy_input', copiedTexts: ['question b'] }), { ...none, recent, timeEndedBy: recent[0]! });
    assert.equal((byInput as { interactionId: string }).interactionId, 'b');
    const fallback = chooseLink(subject({ slug: 'copy_output', copiedTexts: ['not there'] }), { ...none, recent, timeEndedBy: recent[0]! });
    assert.deepEqual([(fallback as { link: string }).link, (fallback as { interactionId: string }).interactionId], ['time', 'a']);
  });
});

describe('linkCandidateQuery', () => {
  test('the time window runs from timestamp - lookback to timestamp + skew; recent interactions only for copied text', () => {
    const q = linkCandidateQuery('p', subject(), policy);
    assert.deepEqual([q.from, q.until, q.recentLimit], [T - policy.lookbackMs, T + policy.clockSkewMs, 0]);
    assert.ok(linkCandidateQuery('p', subject({ slug: 'copy_output', copiedTexts: ['x'] }), policy).recentLimit > 0);
    assert.equal(linkCandidateQuery('p', subject({ slug: 'copy_output', copiedTexts: ['x'], outputHash: 'h' }), policy).recentLimit, 0);
  });
});

describe('relinking', () => {
  const stored = (over: Partial<InteractionSummaryWithText & { inputHash: string | null; outputHash: string | null; traceId: string | null; spanId: string | null }>) =>
    ({ ...i('n', T - 1000), inputHash: 'x', outputHash: 'y', traceId: null, spanId: null, ...over });

  test('only time links are provisional', () => {
    assert.equal(isFinal('time'), false);
    for (const rule of ['exact', 'input', 'output', 'copied_text', 'id'] as const) assert.equal(isFinal(rule), true);
    assert.equal(isFinal(null), false);
    assert.equal(isFinal('trace', 'abcdef0123456789'), true, 'a span names one interaction');
    assert.equal(isFinal('trace', null), false, 'a trace id alone follows the trace\'s last LLM call');
  });

  test('a new interaction may affect trace feedback of its own trace (and span) only', () => {
    const traced = stored({ traceId: 'ab', spanId: 's1' });
    assert.equal(interactionMayAffect(subject({ traceRef: 'ab' }), traced, policy), true);
    assert.equal(interactionMayAffect(subject({ traceRef: 'ab', spanRef: 's1' }), traced, policy), true);
    assert.equal(interactionMayAffect(subject({ traceRef: 'ab', spanRef: 's2' }), traced, policy), false);
    assert.equal(interactionMayAffect(subject({ traceRef: 'cd' }), traced, policy), false);
    assert.equal(interactionMayAffect(subject({ traceRef: 'ab' }), stored({}), policy), false, 'no time-window fallback');
  });

  test('a new interaction may affect feedback whose content, id or time window it matches, and no other', () => {
    assert.equal(interactionMayAffect(subject({ outputHash: 'y' }), stored({}), policy), true);
    assert.equal(interactionMayAffect(subject({ outputHash: 'z' }), stored({}), policy), false);
    assert.equal(interactionMayAffect(subject({ inputHash: 'x', outputHash: 'z' }), stored({}), policy), false);
    assert.equal(interactionMayAffect(subject({ interactionRef: 'n' }), stored({}), policy), true);
    assert.equal(interactionMayAffect(subject({ interactionRef: 'm' }), stored({}), policy), false);
    assert.equal(interactionMayAffect(subject(), stored({ timeEnd: T + policy.clockSkewMs + 1 }), policy), false);
    assert.equal(interactionMayAffect(subject(), stored({ timeEnd: T - policy.lookbackMs - 1 }), policy), false);
  });
});

describe('chooseTagTarget', () => {
  test('picks the candidate whose time_start is nearest the tag timestamp', () => {
    const before = { ...i('b', T), timeStart: T - 50 };
    const after = { ...i('a', T + 500), timeStart: T + 10 };
    assert.equal(chooseTagTarget(T, { startedBy: before, startedAfter: after })?.id, 'a');
    assert.equal(chooseTagTarget(T, { startedBy: before, startedAfter: null })?.id, 'b');
    assert.equal(chooseTagTarget(T, { startedBy: null, startedAfter: null }), null);
  });
});
