// The storage contract: what every adapter of src/storage/port.ts must do, run against each of them
// (sqlite.test.ts, postgres.test.ts) on a real database. `open` returns a new storage on an empty
// database that has not been migrated; every test migrates it, uses it and closes it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { orphanPending } from '../../src/app/orphaning.js';
import { newId } from '../../src/core/ids.js';
import type { LinkCandidateQuery, LinkCandidates } from '../../src/core/linking.js';
import type { FeedbackRecord, InteractionRecord, InteractionSummary, InteractionSummaryWithText, TagUpdateRecord } from '../../src/core/model.js';
import type { ApiKeyRecord, SessionRecord, Storage, StorageTransaction } from '../../src/storage/port.js';

const T = 1_700_000_000_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SKEW = 2 * MINUTE;

export function interaction(projectId: string, overrides: Partial<InteractionRecord> = {}): InteractionRecord {
  const timeEnd = overrides.timeEnd ?? T;
  return {
    id: newId(), projectId, conversationId: newId(), conversationAuto: true, endUser: 'user-1',
    input: 'what is the weather?', output: 'sunny', inputHash: null, outputHash: null,
    messages: null, history: null, systemPrompt: null, model: null, ragSources: null, tags: {}, featureFlags: [], traces: null,
    timeStart: timeEnd - 1000, timeEnd, hideContent: false, piiRemoved: false, pii: {}, receivedAt: T, source: 'v2/interactions',
    traceId: null, spanId: null,
    ...overrides,
  };
}

export function feedback(projectId: string, overrides: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return {
    id: newId(), projectId, eventId: null, slug: 'thumbs_up', text: null, value: null, endUser: 'user-1', timestamp: T,
    status: 'pending', link: null, interactionId: null, linkedTimeEnd: null, interactionRef: null, inputHash: null, outputHash: null,
    conversationId: null, flags: [], piiRemoved: false, pii: {}, receivedAt: T, traceRef: null, spanRef: null, ...overrides,
  };
}

function tagUpdate(projectId: string, overrides: Partial<TagUpdateRecord> = {}): TagUpdateRecord {
  return {
    id: newId(), projectId, endUser: 'user-1', timestamp: T, inputHash: null, outputHash: null, tags: { team: 'a' },
    status: 'pending', interactionId: null, receivedAt: T, ...overrides,
  };
}

function summary(i: InteractionRecord): InteractionSummary {
  return { id: i.id, timeStart: i.timeStart, timeEnd: i.timeEnd, conversationId: i.conversationId };
}

function summaryWithText(i: InteractionRecord): InteractionSummaryWithText {
  return { ...summary(i), input: i.input, output: i.output };
}

function query(projectId: string, overrides: Partial<LinkCandidateQuery> = {}): LinkCandidateQuery {
  const timestamp = overrides.timestamp ?? T;
  return {
    projectId, endUser: 'user-1', timestamp, interactionRef: null, traceRef: null, spanRef: null, inputHash: null, outputHash: null,
    from: timestamp - DAY, until: timestamp + SKEW, recentLimit: 0, ...overrides,
  };
}

const NONE: LinkCandidates = { byId: null, byTrace: null, contentEndedBy: null, contentEarliest: null, timeEndedBy: null, timeAfter: null, recent: [] };

const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();

/** A test body given a migrated storage on an empty database (from `open`), closed afterwards. */
export const usingStorage = (open: () => Promise<Storage>) => (work: (s: Storage) => Promise<void>) => async () => {
  const storage = await open();
  try {
    await storage.migrate();
    await work(storage);
  } finally {
    await storage.close();
  }
};

export function storageContract(name: string, open: () => Promise<Storage>): void {
  const using = usingStorage(open);
  const insert = (s: Storage, rows: { interactions?: InteractionRecord[]; feedback?: FeedbackRecord[]; tags?: TagUpdateRecord[] }) =>
    s.transaction(async (tx) => {
      if (rows.interactions) await tx.insertInteractions(rows.interactions);
      if (rows.feedback) await tx.insertFeedback(rows.feedback);
      for (const t of rows.tags ?? []) await tx.insertTagUpdate(t);
    });
  const candidates = (s: Storage, q: LinkCandidateQuery) => s.transaction((tx) => tx.findLinkCandidates(q));

  describe(`${name} storage contract`, () => {
    describe('writes and reads', () => {
      test('interactions written in one call read back unchanged, every field included', using(async (s) => {
        const p = newId();
        const full = interaction(p, {
          conversationAuto: false, inputHash: 'ih', outputHash: 'oh', messages: [{ role: 'user', content: 'hi "there"\n' }],
          history: [['q1', 'a1']], systemPrompt: 'be brief', model: 'gpt-x', ragSources: ['doc-1', 'doc-2'],
          tags: { team: 'search', 'ünï': 'cödé' }, featureFlags: ['beta', 'dark'],
          traces: [{ kind: 'retrieval', source: 'db', input: 'q', outputs: ['r1'] }],
          hideContent: true, piiRemoved: true, pii: { email: 2 }, receivedAt: T + 7, traceId: 'f'.repeat(32), spanId: '0123456789abcdef',
        });
        const bare = interaction(p, { input: null, output: null, endUser: 'user-2' });
        await insert(s, { interactions: [full, bare] });
        assert.deepEqual(await s.getInteraction(p, full.id), full);
        assert.deepEqual(await s.getInteraction(p, bare.id), bare);
        assert.equal(await s.getInteraction(p, newId()), null);
      }));

      test('feedback written in one call reads back unchanged', using(async (s) => {
        const p = newId();
        const linked = feedback(p, {
          eventId: 'evt-1', slug: 'rating', text: 'great, thanks', value: 5, status: 'linked', link: 'time', interactionId: newId(),
          linkedTimeEnd: T - 10, interactionRef: 'ref', inputHash: 'ih', outputHash: 'oh', conversationId: 'c1',
          flags: ['clock_skew'], piiRemoved: true, pii: { phone: 1 }, receivedAt: T + 3, traceRef: 'f'.repeat(32), spanRef: '0123456789abcdef',
        });
        const pending = feedback(p);
        await insert(s, { feedback: [linked, pending] });
        assert.deepEqual(await s.getFeedback(p, linked.id), linked);
        assert.deepEqual(await s.getFeedback(p, pending.id), pending);
        assert.equal(await s.getFeedback(p, newId()), null);
      }));

      test('hundreds of rows in one insert are all stored', using(async (s) => {
        const p = newId();
        const many = Array.from({ length: 300 }, (_, k) => interaction(p, { timeEnd: T + k, endUser: `user-${k % 7}` }));
        const votes = many.map((i) => feedback(p, { interactionId: i.id, status: 'linked', link: 'id', linkedTimeEnd: i.timeEnd, eventId: `e-${i.id}` }));
        await insert(s, { interactions: many, feedback: votes });
        for (const k of [0, 150, 299]) {
          assert.deepEqual(await s.getInteraction(p, many[k]!.id), many[k]);
          assert.deepEqual(await s.listFeedbackForInteraction(p, many[k]!.id), [votes[k]]);
        }
      }));

      test('listFeedbackForInteraction orders by timestamp, then received_at, then id', using(async (s) => {
        const p = newId();
        const target = interaction(p);
        const on = (o: Partial<FeedbackRecord>) => feedback(p, { status: 'linked', link: 'id', interactionId: target.id, linkedTimeEnd: T, ...o });
        const [idLow, idHigh] = [newId(), newId()].sort();
        const rows = [
          on({ timestamp: T + 2, receivedAt: T }),
          on({ id: idHigh!, timestamp: T + 1, receivedAt: T + 5 }),
          on({ id: idLow!, timestamp: T + 1, receivedAt: T + 5 }),
          on({ timestamp: T + 1, receivedAt: T + 1 }),
        ];
        const elsewhere = [feedback(p, { status: 'linked', link: 'id', interactionId: newId() }), { ...on({}), projectId: newId() }];
        await insert(s, { interactions: [target], feedback: [...rows, ...elsewhere] });
        assert.deepEqual((await s.listFeedbackForInteraction(p, target.id)).map((f) => f.id), [rows[3]!.id, idLow, idHigh, rows[0]!.id]);
      }));
    });

    describe('transactions', () => {
      test('a transaction returns what its work returns', using(async (s) => {
        assert.equal(await s.transaction(async () => 42), 42);
      }));

      test('later work in a transaction reads what earlier work in it wrote (group commit)', using(async (s) => {
        const p = newId();
        const i = interaction(p, { outputHash: 'oh' });
        const f = feedback(p, { eventId: 'evt' });
        await s.transaction(async (tx) => {
          await tx.insertInteractions([i]);
          await tx.insertFeedback([f]);
          assert.deepEqual(await tx.findInteractionById(p, i.id), i);
          assert.deepEqual(await tx.findFeedbackByEventId(p, 'evt'), f);
          assert.deepEqual((await tx.findLinkCandidates(query(p, { outputHash: 'oh' }))).contentEndedBy, summary(i));
          assert.deepEqual(ids(await tx.findRelinkableFeedback(p, 'user-1', i.id, T, { before: SKEW, after: DAY })), [f.id]);
        });
      }));

      test('reads outside a transaction do not see its writes before it commits', using(async (s) => {
        const p = newId();
        const i = interaction(p);
        let seenInside: InteractionRecord | null | undefined;
        await s.transaction(async (tx) => {
          await tx.insertInteractions([i]);
          seenInside = await s.getInteraction(p, i.id);
        });
        assert.equal(seenInside, null);
        assert.deepEqual(await s.getInteraction(p, i.id), i);
      }));

      test('a transaction that throws leaves nothing it wrote and rethrows the error', using(async (s) => {
        const p = newId();
        const before = interaction(p, { tags: { a: '1' } });
        const waiting = feedback(p);
        await insert(s, { interactions: [before], feedback: [waiting] });
        const failure = new Error('work failed');
        const fresh = interaction(p);
        const vote = feedback(p, { eventId: 'evt' });
        const tags = tagUpdate(p);
        await assert.rejects(s.transaction(async (tx) => {
          await tx.insertInteractions([fresh]);
          await tx.insertFeedback([vote]);
          await tx.insertTagUpdate(tags);
          await tx.addInteractionTags(p, before.id, { b: '2' });
          await tx.updateFeedbackLinks(p, [{ id: waiting.id, status: 'linked', link: 'time', interactionId: before.id, linkedTimeEnd: T, flags: [] }]);
          throw failure;
        }), (error) => error === failure);
        assert.equal(await s.getInteraction(p, fresh.id), null);
        assert.equal(await s.getFeedback(p, vote.id), null);
        assert.deepEqual(await s.getInteraction(p, before.id), before);
        assert.deepEqual(await s.getFeedback(p, waiting.id), waiting);
        assert.deepEqual(await s.transaction((tx) => tx.findUnlinkedTagUpdates(p, 'user-1')), []);
        assert.equal(await s.transaction((tx) => tx.findFeedbackByEventId(p, 'evt')), null);
      }));

      test('a transaction can follow one that failed', using(async (s) => {
        const p = newId();
        await assert.rejects(s.transaction(async (tx) => {
          await tx.insertInteractions([interaction(p)]);
          throw new Error('nope');
        }));
        const i = interaction(p);
        await insert(s, { interactions: [i] });
        assert.deepEqual(await s.getInteraction(p, i.id), i);
      }));

      test('calls take effect in the order they are made, awaited or not: a read sees the writes made before it, not those after', using(async (s) => {
        const p = newId();
        const i = interaction(p, { outputHash: 'oh' });
        const f = feedback(p, { eventId: 'evt' });
        await s.transaction(async (tx) => {
          const before = tx.findFeedbackByEventId(p, 'evt');
          const writes = [tx.insertInteractions([i]), tx.insertFeedback([f])];
          const after = [tx.findLinkCandidates(query(p, { outputHash: 'oh' })), tx.findFeedbackByEventId(p, 'evt')] as const;
          await Promise.all(writes);
          assert.equal(await before, null);
          assert.deepEqual((await after[0]).contentEndedBy, summary(i));
          assert.deepEqual(await after[1], f);
        });
      }));

      test('reads made together are each answered as if made alone', using(async (s) => {
        const p = newId();
        const traceId = 'f'.repeat(32);
        const rows = [
          interaction(p, { outputHash: 'o1', inputHash: 'i1', timeEnd: T - 10 * MINUTE, traceId, spanId: '1'.repeat(16) }),
          interaction(p, { outputHash: 'o1', inputHash: 'i2', timeEnd: T - 5 * MINUTE, traceId, spanId: '2'.repeat(16) }),
          interaction(p, { outputHash: 'o2', timeEnd: T + MINUTE, output: 'copy this text please' }),
          interaction(p, { endUser: 'user-2', outputHash: 'o1', timeEnd: T - MINUTE }),
        ];
        const waiting = [
          feedback(p, { eventId: 'e1', interactionRef: 'later' }), feedback(p, { traceRef: traceId }),
          feedback(p, { status: 'linked', link: 'output', interactionId: rows[0]!.id, linkedTimeEnd: rows[0]!.timeEnd, slug: 'thumbs_down' }),
        ];
        await insert(s, { interactions: rows, feedback: waiting, tags: [tagUpdate(p), tagUpdate(p, { endUser: 'user-2' })] });
        const queries = [
          query(p, { interactionRef: rows[1]!.id }), query(p, { interactionRef: 'missing' }), query(p, { traceRef: traceId }),
          query(p, { traceRef: traceId, spanRef: '1'.repeat(16) }), query(p, { outputHash: 'o1' }), query(p, { outputHash: 'o2' }),
          query(p, { inputHash: 'i1' }), query(p, { outputHash: 'o1', inputHash: 'i2' }), query(p, { endUser: 'user-2', outputHash: 'o1' }),
          query(p), query(p, { timestamp: T - 7 * MINUTE }), query(p, { recentLimit: 2 }), query(p, { endUser: 'user-2', recentLimit: 5 }),
        ];
        const reads = (tx: StorageTransaction) => [
          ...queries.map((q) => () => tx.findLinkCandidates(q)),
          () => tx.findConversationNeighbours(p, 'user-1', T - 6 * MINUTE), () => tx.findConversationNeighbours(p, 'user-2', T),
          () => tx.findRelinkableFeedback(p, 'user-1', 'later', T, { before: SKEW, after: DAY }), () => tx.findRelinkableFeedback(p, 'user-2', 'x', T, { before: SKEW, after: DAY }),
          () => tx.findTraceFeedback(p, traceId), () => tx.findUnlinkedTagUpdates(p, 'user-1'), () => tx.findUnlinkedTagUpdates(p, 'user-2'),
          () => tx.findFeedbackByEventId(p, 'e1'), () => tx.findFeedbackByEventId(p, 'e2'), () => tx.findInteractionById(p, rows[2]!.id),
          () => tx.findInteractionDimensions(p, [rows[0]!.id, rows[3]!.id, 'missing']), () => tx.findLinkedFeedbackEvents(p, [rows[0]!.id, rows[1]!.id]),
          () => tx.findTagCandidates(p, 'user-1', T, SKEW, null, 'o2'),
        ];
        const alone: unknown[] = [];
        await s.transaction(async (tx) => { for (const read of reads(tx)) alone.push(await read()); });
        const together = await s.transaction((tx) => Promise.all(reads(tx).map((read) => read())));
        assert.deepEqual(together, alone);
        assert.deepEqual((alone[4] as LinkCandidates).contentEndedBy, summary(rows[1]!));
      }));

      test('lockEndUser can be taken repeatedly in one transaction', using(async (s) => {
        await s.transaction(async (tx) => {
          await tx.lockEndUser('p', 'user-1');
          await tx.lockEndUser('p', 'user-1');
          await tx.lockEndUser('p', 'user-2');
        });
      }));
    });

    describe('link candidates', () => {
      test('an interaction id fetches that interaction only, whoever its end user', using(async (s) => {
        const p = newId();
        const named = interaction(p, { endUser: 'someone-else', outputHash: 'oh', inputHash: 'ih' });
        const sameUser = interaction(p, { outputHash: 'oh', inputHash: 'ih', timeEnd: T - 5 });
        await insert(s, { interactions: [named, sameUser] });
        assert.deepEqual(await candidates(s, query(p, { interactionRef: named.id, outputHash: 'oh', inputHash: 'ih', recentLimit: 10 })),
          { ...NONE, byId: summary(named) });
        assert.deepEqual(await candidates(s, query(p, { interactionRef: newId(), outputHash: 'oh', recentLimit: 10 })), NONE);
      }));

      test('a trace id fetches the trace\'s latest interaction by time_end, whoever its end user; with a span id, that span\'s', using(async (s) => {
        const p = newId();
        const traceId = 'a'.repeat(32);
        const early = interaction(p, { endUser: 'someone-else', traceId, spanId: '1'.repeat(16), timeEnd: T - 50, outputHash: 'oh' });
        const last = interaction(p, { endUser: 'anonymous', traceId, spanId: '2'.repeat(16), timeEnd: T + 10 * DAY });
        const otherTrace = interaction(p, { traceId: 'b'.repeat(32), spanId: '3'.repeat(16), timeEnd: T + 20 * DAY });
        const otherProject = interaction(newId(), { traceId, spanId: '4'.repeat(16), timeEnd: T + 30 * DAY });
        await insert(s, { interactions: [early, last, otherTrace] });
        await insert(s, { interactions: [otherProject] });
        assert.deepEqual(await candidates(s, query(p, { traceRef: traceId, outputHash: 'oh', recentLimit: 10 })), { ...NONE, byTrace: summary(last) });
        assert.deepEqual(await candidates(s, query(p, { traceRef: traceId, spanRef: early.spanId })), { ...NONE, byTrace: summary(early) });
        assert.deepEqual(await candidates(s, query(p, { traceRef: traceId, spanRef: '9'.repeat(16) })), NONE);
        assert.deepEqual(await candidates(s, query(p, { traceRef: 'c'.repeat(32) })), NONE);
      }));

      test('output hash: the latest match that ended by the timestamp, the timestamp itself included', using(async (s) => {
        const p = newId();
        const older = interaction(p, { outputHash: 'oh', timeEnd: T - 1000 });
        const atTimestamp = interaction(p, { outputHash: 'oh', timeEnd: T });
        const later = interaction(p, { outputHash: 'oh', timeEnd: T + 1 });
        const otherContent = interaction(p, { outputHash: 'other', timeEnd: T - 1 });
        const otherUser = interaction(p, { outputHash: 'oh', timeEnd: T - 1, endUser: 'user-2' });
        await insert(s, { interactions: [older, atTimestamp, later, otherContent, otherUser] });
        assert.deepEqual(await candidates(s, query(p, { outputHash: 'oh', recentLimit: 10 })), { ...NONE, contentEndedBy: summary(atTimestamp) });
        assert.deepEqual(await candidates(s, query(p, { outputHash: 'oh', timestamp: T - 1 })), { ...NONE, contentEndedBy: summary(older) });
      }));

      test('content match when none ended by the timestamp: the earliest match', using(async (s) => {
        const p = newId();
        const first = interaction(p, { outputHash: 'oh', timeEnd: T + 10 * MINUTE });
        const second = interaction(p, { outputHash: 'oh', timeEnd: T + 20 * MINUTE });
        const otherUser = interaction(p, { outputHash: 'oh', timeEnd: T + MINUTE, endUser: 'user-2' });
        await insert(s, { interactions: [second, first, otherUser] });
        assert.deepEqual(await candidates(s, query(p, { outputHash: 'oh' })), { ...NONE, contentEarliest: summary(first) });
        assert.deepEqual(await candidates(s, query(p, { outputHash: 'missing' })), NONE);
      }));

      test('content match ignores the look-back window', using(async (s) => {
        const p = newId();
        const old = interaction(p, { inputHash: 'ih', timeEnd: T - 30 * DAY });
        await insert(s, { interactions: [old] });
        assert.deepEqual(await candidates(s, query(p, { inputHash: 'ih' })), { ...NONE, contentEndedBy: summary(old) });
      }));

      test('input hash alone matches on input', using(async (s) => {
        const p = newId();
        const byInput = interaction(p, { inputHash: 'ih', outputHash: 'x', timeEnd: T - 100 });
        const outputOnly = interaction(p, { inputHash: 'other', outputHash: 'ih', timeEnd: T - 10 });
        await insert(s, { interactions: [byInput, outputOnly] });
        assert.deepEqual(await candidates(s, query(p, { inputHash: 'ih' })), { ...NONE, contentEndedBy: summary(byInput) });
      }));

      test('both hashes must both match', using(async (s) => {
        const p = newId();
        const both = interaction(p, { inputHash: 'ih', outputHash: 'oh', timeEnd: T - 500 });
        const outputOnly = interaction(p, { inputHash: 'x', outputHash: 'oh', timeEnd: T - 100 });
        const inputOnly = interaction(p, { inputHash: 'ih', outputHash: 'x', timeEnd: T - 50 });
        const bothLater = interaction(p, { inputHash: 'ih', outputHash: 'oh', timeEnd: T + DAY });
        await insert(s, { interactions: [both, outputOnly, inputOnly, bothLater] });
        assert.deepEqual(await candidates(s, query(p, { inputHash: 'ih', outputHash: 'oh' })), { ...NONE, contentEndedBy: summary(both) });
        assert.deepEqual(await candidates(s, query(p, { inputHash: 'ih', outputHash: 'oh', timestamp: T - 501 })),
          { ...NONE, contentEarliest: summary(both) });
        assert.deepEqual(await candidates(s, query(p, { inputHash: 'x', outputHash: 'x' })), NONE);
      }));

      test('time rule: the latest that ended in [from, timestamp], both edges included', using(async (s) => {
        const p = newId();
        const q = query(p);
        const rows = {
          atFrom: interaction(p, { endUser: 'at-from', timeEnd: q.from }),
          beforeFrom: interaction(p, { endUser: 'before-from', timeEnd: q.from - 1 }),
          atTimestamp: interaction(p, { endUser: 'latest', timeEnd: T }),
          earlier: interaction(p, { endUser: 'latest', timeEnd: T - 10 }),
          alsoAfter: interaction(p, { endUser: 'latest', timeEnd: T + 1 }),
        };
        await insert(s, { interactions: Object.values(rows) });
        assert.deepEqual(await candidates(s, { ...q, endUser: 'at-from' }), { ...NONE, timeEndedBy: summary(rows.atFrom) });
        assert.deepEqual(await candidates(s, { ...q, endUser: 'before-from' }), NONE);
        assert.deepEqual(await candidates(s, { ...q, endUser: 'latest' }), { ...NONE, timeEndedBy: summary(rows.atTimestamp) });
        assert.deepEqual(await candidates(s, { ...q, endUser: 'nobody' }), NONE);
      }));

      test('time rule, clock skew: the earliest that ended in (timestamp, until], until included', using(async (s) => {
        const p = newId();
        const q = query(p);
        const rows = {
          justAfter: interaction(p, { endUser: 'skewed', timeEnd: T + 1 }),
          atUntil: interaction(p, { endUser: 'skewed', timeEnd: q.until }),
          onlyAtUntil: interaction(p, { endUser: 'at-until', timeEnd: q.until }),
          beyond: interaction(p, { endUser: 'beyond', timeEnd: q.until + 1 }),
        };
        await insert(s, { interactions: Object.values(rows) });
        assert.deepEqual(await candidates(s, { ...q, endUser: 'skewed' }), { ...NONE, timeAfter: summary(rows.justAfter) });
        assert.deepEqual(await candidates(s, { ...q, endUser: 'at-until' }), { ...NONE, timeAfter: summary(rows.onlyAtUntil) });
        assert.deepEqual(await candidates(s, { ...q, endUser: 'beyond' }), NONE);
      }));

      test('recent: interactions that ended in [from, until], latest first, at most recentLimit', using(async (s) => {
        const p = newId();
        const q = query(p);
        const inWindow = [q.from, T - 300, T - 200, T - 100, T, q.until].map((timeEnd) => interaction(p, { timeEnd }));
        const outside = [q.from - 1, q.until + 1].map((timeEnd) => interaction(p, { timeEnd }));
        await insert(s, { interactions: [...outside, ...inWindow], feedback: [] });
        const latestFirst = [...inWindow].reverse().map(summaryWithText);
        const all = await candidates(s, { ...q, recentLimit: 50 });
        assert.deepEqual(all, { ...NONE, recent: latestFirst, timeEndedBy: summary(inWindow[4]!) });
        assert.deepEqual((await candidates(s, { ...q, recentLimit: 3 })).recent, latestFirst.slice(0, 3));
        assert.deepEqual((await candidates(s, q)).recent, []);
      }));
    });

    describe('tag candidates and conversations', () => {
      test('tags with content: the nearest matching starts on either side, at any distance', using(async (s) => {
        const p = newId();
        const before = interaction(p, { outputHash: 'oh', timeStart: T - 10 * DAY, timeEnd: T - 10 * DAY + 5 });
        const atTimestamp = interaction(p, { outputHash: 'oh', timeStart: T, timeEnd: T + 5 });
        const after = interaction(p, { outputHash: 'oh', timeStart: T + 10 * DAY, timeEnd: T + 10 * DAY + 5 });
        const otherHash = interaction(p, { outputHash: 'x', timeStart: T + 1, timeEnd: T + 5 });
        await insert(s, { interactions: [before, atTimestamp, after, otherHash] });
        const tags = (ts: number, input: string | null, output: string | null) =>
          s.transaction((tx) => tx.findTagCandidates(p, 'user-1', ts, SKEW, input, output));
        assert.deepEqual(await tags(T, null, 'oh'), { startedBy: summary(atTimestamp), startedAfter: summary(after) });
        assert.deepEqual(await tags(T - 1, null, 'oh'), { startedBy: summary(before), startedAfter: summary(atTimestamp) });
        assert.deepEqual(await tags(T, 'ih', 'oh'), { startedBy: null, startedAfter: null });
      }));

      test('tags without content: only starts within the skew of the timestamp, edges included', using(async (s) => {
        const p = newId();
        const rows = [T - SKEW - 1, T - SKEW, T + SKEW, T + SKEW + 1].map((timeStart) => interaction(p, { timeStart, timeEnd: timeStart + 5 }));
        await insert(s, { interactions: rows });
        const found = await s.transaction((tx) => tx.findTagCandidates(p, 'user-1', T, SKEW, null, null));
        assert.deepEqual(found, { startedBy: summary(rows[1]!), startedAfter: summary(rows[2]!) });
        const none = await s.transaction((tx) => tx.findTagCandidates(p, 'user-1', T + 10 * DAY, SKEW, null, null));
        assert.deepEqual(none, { startedBy: null, startedAfter: null });
      }));

      test('conversation neighbours: the auto-grouped interactions around a start time', using(async (s) => {
        const p = newId();
        const a = interaction(p, { timeStart: T + 100, timeEnd: T + 150 });
        const b = interaction(p, { timeStart: T + 200, timeEnd: T + 250 });
        const named = interaction(p, { timeStart: T + 250, timeEnd: T + 260, conversationAuto: false });
        const c = interaction(p, { timeStart: T + 300, timeEnd: T + 350 });
        const otherUser = interaction(p, { timeStart: T + 260, timeEnd: T + 270, endUser: 'user-2' });
        await insert(s, { interactions: [a, b, named, c, otherUser] });
        const around = (ts: number) => s.transaction((tx) => tx.findConversationNeighbours(p, 'user-1', ts));
        assert.deepEqual(await around(T + 250), { previous: summary(b), next: summary(c) });
        assert.deepEqual(await around(T + 200), { previous: summary(b), next: summary(c) });
        assert.deepEqual(await around(T), { previous: null, next: summary(a) });
        assert.deepEqual(await around(T + 400), { previous: summary(c), next: null });
      }));
    });

    describe('relinking', () => {
      test('relinkable feedback: unlinked of the end user, waiting for the id, and time links in the window, each once', using(async (s) => {
        const p = newId();
        const interactionId = newId();
        const E = T;
        const window = { before: SKEW, after: DAY };
        const timeLinked = (timestamp: number) => feedback(p, { status: 'linked', link: 'time', interactionId: newId(), linkedTimeEnd: timestamp - 5, timestamp });
        const expected = [
          feedback(p, { status: 'pending' }),
          feedback(p, { status: 'orphaned', receivedAt: T - 30 * DAY }),
          feedback(p, { status: 'pending', endUser: 'user-2', interactionRef: interactionId }),
          feedback(p, { status: 'pending', interactionRef: interactionId }),
          timeLinked(E - window.before),
          timeLinked(E + window.after),
          timeLinked(E),
        ];
        const excluded = [
          feedback(p, { status: 'linked', link: 'output', interactionId: newId(), linkedTimeEnd: E }),
          feedback(p, { status: 'linked', link: 'id', interactionId, interactionRef: interactionId, linkedTimeEnd: E, endUser: 'user-2' }),
          feedback(p, { status: 'pending', endUser: 'user-2' }),
          timeLinked(E - window.before - 1),
          timeLinked(E + window.after + 1),
          { ...timeLinked(E), endUser: 'user-2' },
          { ...feedback(p, { status: 'pending' }), projectId: newId() },
        ];
        await insert(s, { feedback: [...expected, ...excluded] });
        const found = await s.transaction((tx) => tx.findRelinkableFeedback(p, 'user-1', interactionId, E, window));
        assert.deepEqual(ids(found), ids(expected));
        const pending = found.find((f) => f.id === expected[0]!.id);
        assert.deepEqual(pending, expected[0]);
      }));

      test('trace feedback: unlinked feedback naming the trace, and trace links by trace id alone, of any end user', using(async (s) => {
        const p = newId();
        const traceId = 'd'.repeat(32);
        const expected = [
          feedback(p, { traceRef: traceId, endUser: 'front-end-user' }),
          feedback(p, { traceRef: traceId, spanRef: '1'.repeat(16), status: 'orphaned' }),
          feedback(p, { traceRef: traceId, status: 'linked', link: 'trace', interactionId: newId(), linkedTimeEnd: T }),
        ];
        const excluded = [
          feedback(p, { traceRef: traceId, spanRef: '1'.repeat(16), status: 'linked', link: 'trace', interactionId: newId(), linkedTimeEnd: T }),
          feedback(p, { traceRef: 'e'.repeat(32) }),
          feedback(p),
          { ...feedback(p, { traceRef: traceId }), projectId: newId() },
        ];
        await insert(s, { feedback: [...expected, ...excluded] });
        const found = await s.transaction((tx) => tx.findTraceFeedback(p, traceId));
        assert.deepEqual(ids(found), ids(expected));
        assert.deepEqual(found.find((f) => f.id === expected[0]!.id), expected[0]);
      }));

      test('updateFeedbackLinks changes several rows in one call, in that project only', using(async (s) => {
        const p = newId();
        const [one, two, three] = [feedback(p), feedback(p), feedback(p, { status: 'linked', link: 'time', interactionId: 'i0', linkedTimeEnd: T - 9 })];
        await insert(s, { feedback: [one!, two!, three!] });
        await s.transaction((tx) => tx.updateFeedbackLinks(p, [
          { id: one!.id, status: 'linked', link: 'output', interactionId: 'i1', linkedTimeEnd: T - 1, flags: ['timestamp_before_interaction_end'] },
          { id: two!.id, status: 'linked', link: 'time', interactionId: 'i2', linkedTimeEnd: T - 2, flags: ['clock_skew'] },
          { id: three!.id, status: 'pending', link: null, interactionId: null, linkedTimeEnd: null, flags: [] },
        ]));
        assert.deepEqual(await s.getFeedback(p, one!.id),
          { ...one, status: 'linked', link: 'output', interactionId: 'i1', linkedTimeEnd: T - 1, flags: ['timestamp_before_interaction_end'] });
        assert.deepEqual(await s.getFeedback(p, two!.id), { ...two, status: 'linked', link: 'time', interactionId: 'i2', linkedTimeEnd: T - 2, flags: ['clock_skew'] });
        assert.deepEqual(await s.getFeedback(p, three!.id), { ...three, status: 'pending', link: null, interactionId: null, linkedTimeEnd: null });
        await s.transaction((tx) => tx.updateFeedbackLinks(newId(), [{ id: two!.id, status: 'pending', link: null, interactionId: null, linkedTimeEnd: null, flags: [] }]));
        assert.equal((await s.getFeedback(p, two!.id))?.interactionId, 'i2');
      }));

      test('tag updates: unlinked in arrival order, marked linked, tags merged with later values winning', using(async (s) => {
        const p = newId();
        const target = interaction(p, { tags: { a: '1', b: '2' } });
        const second = tagUpdate(p, { receivedAt: T + 2, tags: { b: '3', c: '4' } });
        const first = tagUpdate(p, { receivedAt: T + 1 });
        const linked = tagUpdate(p, { status: 'linked', interactionId: target.id });
        await insert(s, { interactions: [target], tags: [second, first, linked, tagUpdate(p, { endUser: 'user-2' })] });
        assert.deepEqual(await s.transaction((tx) => tx.findUnlinkedTagUpdates(p, 'user-1')), [first, second]);
        await s.transaction(async (tx) => {
          await tx.addInteractionTags(p, target.id, second.tags);
          await tx.markTagUpdateLinked(p, second.id, target.id);
        });
        assert.deepEqual((await s.getInteraction(p, target.id))?.tags, { a: '1', b: '3', c: '4' });
        assert.deepEqual(await s.transaction((tx) => tx.findUnlinkedTagUpdates(p, 'user-1')), [first]);
      }));

      test('orphanPending orphans pending feedback and tag updates received before the cut-off', using(async (s) => {
        const p = newId();
        const cutoff = T;
        const old = feedback(p, { receivedAt: cutoff - 1 });
        const atCutoff = feedback(p, { receivedAt: cutoff });
        const linked = feedback(p, { receivedAt: cutoff - DAY, status: 'linked', link: 'id', interactionId: newId() });
        const already = feedback(p, { receivedAt: cutoff - DAY, status: 'orphaned' });
        const oldTags = tagUpdate(p, { receivedAt: cutoff - 1 });
        const newTags = tagUpdate(p, { receivedAt: cutoff });
        await insert(s, { feedback: [old, atCutoff, linked, already], tags: [oldTags, newTags] });
        assert.equal(await orphanPending(s, cutoff), 2);
        assert.equal((await s.getFeedback(p, old.id))?.status, 'orphaned');
        assert.equal((await s.getFeedback(p, atCutoff.id))?.status, 'pending');
        assert.deepEqual(await s.getFeedback(p, linked.id), linked);
        const unlinked = await s.transaction((tx) => tx.findUnlinkedTagUpdates(p, 'user-1'));
        assert.deepEqual(unlinked.map((t) => [t.id, t.status]), [[oldTags.id, 'orphaned'], [newTags.id, 'pending']]);
        assert.equal(await orphanPending(s, cutoff), 0);
      }));
    });

    describe('idempotency', () => {
      test('findFeedbackByEventId finds the stored row by project and event id', using(async (s) => {
        const p = newId();
        const stored = feedback(p, { eventId: 'evt-1', slug: 'comment', text: 'nice' });
        await insert(s, { feedback: [stored] });
        const find = (project: string, eventId: string) => s.transaction((tx) => tx.findFeedbackByEventId(project, eventId));
        assert.deepEqual(await find(p, 'evt-1'), stored);
        assert.equal(await find(p, 'evt-2'), null);
        assert.equal(await find(newId(), 'evt-1'), null);
      }));

      test('a second row with the same event id in the same project is refused', using(async (s) => {
        const p = newId();
        const stored = feedback(p, { eventId: 'evt-1' });
        await insert(s, { feedback: [stored] });
        const duplicate = feedback(p, { eventId: 'evt-1' });
        await assert.rejects(insert(s, { feedback: [duplicate] }));
        assert.equal(await s.getFeedback(p, duplicate.id), null);
        const elsewhere = feedback(newId(), { eventId: 'evt-1' });
        const withoutEventIds = [feedback(p), feedback(p)];
        await insert(s, { feedback: [elsewhere, ...withoutEventIds] });
        assert.deepEqual(await s.getFeedback(elsewhere.projectId, elsewhere.id), elsewhere);
        assert.deepEqual(await s.getFeedback(p, withoutEventIds[1]!.id), withoutEventIds[1]);
      }));

      test('findInteractionById finds an interaction by project and id', using(async (s) => {
        const p = newId();
        const i = interaction(p);
        await insert(s, { interactions: [i] });
        assert.deepEqual(await s.transaction((tx) => tx.findInteractionById(p, i.id)), i);
        assert.equal(await s.transaction((tx) => tx.findInteractionById(newId(), i.id)), null);
        await assert.rejects(insert(s, { interactions: [{ ...i, endUser: 'user-2' }] }));
      }));
    });

    describe('projects and keys', () => {
      const key = (projectId: string, o: Partial<ApiKeyRecord> = {}): ApiKeyRecord => {
        const id = newId();
        return { id, projectId, kind: 'secret', name: null, keyHash: `hash-${id}`, keyPrefix: `fl_sk_${id.slice(-8)}`, origins: [], requireToken: false, createdAt: T, revokedAt: null, ...o };
      };

      test('projects are created once by name and found by it', using(async (s) => {
        const project = await s.createProject('default');
        assert.equal(project.name, 'default');
        assert.deepEqual(await s.findProjectByName('default'), project);
        assert.equal(await s.findProjectByName('other'), null);
        await assert.rejects(s.createProject('default'));
      }));

      test('keys are found by hash and listed per project in creation order', using(async (s) => {
        const a = await s.createProject('a');
        const b = await s.createProject('b');
        const k1 = key(a.id, { createdAt: T + 2, kind: 'publishable', name: 'web', origins: ['https://app.example'], requireToken: true });
        const k2 = key(b.id, { createdAt: T + 1 });
        const k3 = key(a.id, { createdAt: T + 3 });
        for (const k of [k1, k2, k3]) await s.createApiKey(k);
        assert.deepEqual(await s.findApiKeyByHash(k1.keyHash), k1);
        assert.equal(await s.findApiKeyByHash('unknown'), null);
        assert.deepEqual(await s.listApiKeys(a.id), [k1, k3]);
        assert.deepEqual(await s.listApiKeys(null), [k2, k1, k3]);
        assert.deepEqual(await s.listApiKeys(newId()), []);
      }));

      test('keys are revoked by id or prefix, within the given project, keeping the first revocation time', using(async (s) => {
        const a = await s.createProject('a');
        const b = await s.createProject('b');
        const k1 = key(a.id);
        const k2 = key(a.id);
        await s.createApiKey(k1);
        await s.createApiKey(k2);
        assert.equal(await s.revokeApiKey(k1.id, b.id, T + 1), null);
        assert.equal((await s.findApiKeyByHash(k1.keyHash))?.revokedAt, null);
        assert.deepEqual(await s.revokeApiKey(k1.id, a.id, T + 1), { ...k1, revokedAt: T + 1 });
        assert.deepEqual(await s.revokeApiKey(k1.id, null, T + 9), { ...k1, revokedAt: T + 1 });
        assert.deepEqual(await s.revokeApiKey(k2.keyPrefix, null, T + 5), { ...k2, revokedAt: T + 5 });
        assert.equal((await s.findApiKeyByHash(k2.keyHash))?.revokedAt, T + 5);
        assert.equal(await s.revokeApiKey('no-such-key', null, T), null);
      }));
    });

    describe('sessions', () => {
      const session = (projectId: string, o: Partial<SessionRecord> = {}): SessionRecord => {
        const id = newId();
        return { id, tokenHash: `token-${id}`, projectId, keyId: null, createdAt: T, expiresAt: T + DAY, revokedAt: null, ...o };
      };

      test('projects are found by id', using(async (s) => {
        const project = await s.createProject('shop');
        assert.deepEqual(await s.findProjectById(project.id), project);
        assert.equal(await s.findProjectById(newId()), null);
      }));

      test('a session is found by its token hash, with whether its key was revoked since', using(async (s) => {
        const p = await s.createProject('default');
        const keyId = newId();
        await s.createApiKey({ id: keyId, projectId: p.id, kind: 'secret', name: null, keyHash: 'kh', keyPrefix: 'fl_sk_x', origins: [], requireToken: false, createdAt: T, revokedAt: null });
        const admin = session(p.id);
        const withKey = session(p.id, { keyId });
        await s.createSession(admin);
        await s.createSession(withKey);
        assert.deepEqual(await s.findSession(admin.tokenHash), { session: admin, keyRevoked: false });
        assert.deepEqual(await s.findSession(withKey.tokenHash), { session: withKey, keyRevoked: false });
        assert.equal(await s.findSession('unknown'), null);
        await s.revokeApiKey(keyId, p.id, T + 5);
        assert.deepEqual(await s.findSession(withKey.tokenHash), { session: withKey, keyRevoked: true });
        assert.deepEqual(await s.findSession(admin.tokenHash), { session: admin, keyRevoked: false });
      }));

      test('sessions are revoked once, keeping the first time, and expired ones are deleted', using(async (s) => {
        const p = await s.createProject('default');
        const a = session(p.id, { expiresAt: T + 10 });
        const b = session(p.id, { expiresAt: T + 20 });
        await s.createSession(a);
        await s.createSession(b);
        await s.revokeSession(a.id, T + 1);
        await s.revokeSession(a.id, T + 2);
        assert.equal((await s.findSession(a.tokenHash))?.session.revokedAt, T + 1);
        assert.equal((await s.findSession(b.tokenHash))?.session.revokedAt, null);
        assert.equal(await s.deleteSessionsExpiredBefore(T + 15), 1);
        assert.equal(await s.findSession(a.tokenHash), null);
        assert.deepEqual((await s.findSession(b.tokenHash))?.session, b);
        await assert.rejects(s.createSession({ ...session(p.id), tokenHash: b.tokenHash }), 'token hashes are unique');
      }));
    });

    describe('isolation and migration', () => {
      test('nothing of one project is visible or changeable with another project id', using(async (s) => {
        const a = newId();
        const b = newId();
        const i = interaction(a, { inputHash: 'ih', outputHash: 'oh', tags: { t: '1' } });
        const f = feedback(a, { eventId: 'evt', interactionRef: i.id });
        const timeLinked = feedback(a, { status: 'linked', link: 'time', interactionId: i.id, linkedTimeEnd: T });
        const t = tagUpdate(a);
        await insert(s, { interactions: [i], feedback: [f, timeLinked], tags: [t] });

        assert.equal(await s.getInteraction(b, i.id), null);
        assert.equal(await s.getFeedback(b, f.id), null);
        assert.deepEqual(await s.listFeedbackForInteraction(b, i.id), []);
        await s.transaction(async (tx) => {
          assert.equal(await tx.findInteractionById(b, i.id), null);
          assert.equal(await tx.findFeedbackByEventId(b, 'evt'), null);
          for (const q of [{ interactionRef: i.id }, { outputHash: 'oh', inputHash: 'ih' }, { inputHash: 'ih' }, { recentLimit: 50 }]) {
            assert.deepEqual(await tx.findLinkCandidates(query(b, q)), NONE);
          }
          assert.deepEqual(await tx.findTagCandidates(b, 'user-1', T, SKEW, null, null), { startedBy: null, startedAfter: null });
          assert.deepEqual(await tx.findTagCandidates(b, 'user-1', T, SKEW, 'ih', 'oh'), { startedBy: null, startedAfter: null });
          assert.deepEqual(await tx.findConversationNeighbours(b, 'user-1', T), { previous: null, next: null });
          assert.deepEqual(await tx.findRelinkableFeedback(b, 'user-1', i.id, T, { before: SKEW, after: DAY }), []);
          assert.deepEqual(await tx.findUnlinkedTagUpdates(b, 'user-1'), []);
          await tx.updateFeedbackLinks(b, [{ id: f.id, status: 'linked', link: 'id', interactionId: i.id, linkedTimeEnd: T, flags: [] }]);
          await tx.markTagUpdateLinked(b, t.id, i.id);
          await tx.addInteractionTags(b, i.id, { t: '2' });
        });
        assert.deepEqual(await s.getInteraction(a, i.id), i);
        assert.deepEqual(await s.getFeedback(a, f.id), f);
        assert.deepEqual(await s.transaction((tx) => tx.findUnlinkedTagUpdates(a, 'user-1')), [t]);
      }));

      test('migrating again keeps the data and the installation secret', using(async (s) => {
        const p = newId();
        const i = interaction(p);
        await insert(s, { interactions: [i] });
        const secret = await s.installationSecret();
        assert.ok(secret.length >= 32, 'the secret is long enough to key the content hashes');
        await s.migrate();
        await s.migrate();
        assert.equal(await s.installationSecret(), secret);
        assert.deepEqual(await s.getInteraction(p, i.id), i);
      }));
    });
  });
}
