// Rollups stay exact: random sequences of events (out-of-order arrival, pending feedback that links
// later, provisional time links that move, vote changes, retries, tags added later, orphaning,
// erasure of an end user, retention deleting what is older than a cut-off),
// sent through the real write path in concurrent batches, leave maintained rollups equal to their
// recomputation from the raw rows by the database alone. Run on each adapter (sqlite.test.ts,
// postgres.test.ts); on PostgreSQL the batches also go to two instances at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Anonymizer } from '../../src/app/anonymizer.js';
import { Ingestion } from '../../src/app/ingestion.js';
import { eraseEndUser } from '../../src/app/erasure.js';
import { orphanPending } from '../../src/app/orphaning.js';
import { applyRetention } from '../../src/app/retention.js';
import { InProcessExecutor } from '../../src/app/write-executor.js';
import { WriteQueue } from '../../src/app/write-queue.js';
import type { FeedbackCommand, InteractionCommand, TagUpdateCommand } from '../../src/core/commands.js';
import { newId } from '../../src/core/ids.js';
import type { FeedbackSlug } from '../../src/core/model.js';
import { COUNTERS, isZero, type Counters } from '../../src/core/rollups.js';
import { createContentHasher } from '../../src/core/text.js';
import type { RollupBucket, Storage } from '../../src/storage/port.js';

const T0 = Date.UTC(2024, 4, 1, 10);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const policy = { clockSkewMs: 2 * MINUTE, lookbackMs: 60 * MINUTE, conversationGapMs: 30 * MINUTE };
const identity: Anonymizer = { anonymize: async (texts) => texts.map((text) => ({ text, counts: {} })), close: async () => undefined };

type Step =
  | { kind: 'interaction'; user: number; at: number; model: string | null; flags: string[]; tags: Record<string, string>; content: number;
      clientId: number | null; actions: FeedbackSlug[] }
  | { kind: 'feedback'; user: number; at: number; slug: FeedbackSlug; value: number; link: 'output' | 'id' | 'time' | 'copy'; ref: number;
      eventId: number | null; comment: boolean }
  | { kind: 'tags'; user: number; at: number; tags: Record<string, string>; content: number | null }
  | { kind: 'orphan' }
  | { kind: 'erase'; user: number }
  | { kind: 'retention'; at: number };

const user = fc.integer({ min: 0, max: 1 });
const at = fc.integer({ min: 0, max: 300 });
const tagSet = fc.dictionary(fc.constantFrom('team', 'tier'), fc.constantFrom('a', 'b', 'gold'), { maxKeys: 2 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    kind: fc.constant('interaction' as const), user, at, model: fc.constantFrom(null, 'small', 'large'),
    flags: fc.uniqueArray(fc.constantFrom('x', 'y'), { maxLength: 2 }), tags: tagSet, content: fc.integer({ min: 0, max: 3 }),
    clientId: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), actions: fc.array(fc.constantFrom<FeedbackSlug>('thumbs_up', 'copy_output', 'regenerate'), { maxLength: 2 }),
  }) },
  { weight: 6, arbitrary: fc.record({
    kind: fc.constant('feedback' as const), user, at, value: fc.integer({ min: 1, max: 5 }), ref: fc.integer({ min: 0, max: 3 }),
    slug: fc.constantFrom<FeedbackSlug>('thumbs_up', 'thumbs_down', 'rating', 'rating', 'copy_output', 'comment', 'regenerate', 'edit', 'paste'),
    link: fc.constantFrom('output', 'id', 'time', 'time', 'copy') as fc.Arbitrary<'output' | 'id' | 'time' | 'copy'>,
    eventId: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }), comment: fc.boolean(),
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tags' as const), user, at, tags: tagSet, content: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'orphan' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('erase' as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retention' as const), at }) },
);
/** Batches of steps; the steps of a batch are sent in one event-loop turn (one group commit per instance). */
const sequence = fc.array(fc.record({ steps: fc.array(step, { minLength: 1, maxLength: 4 }), fold: fc.boolean() }), { minLength: 1, maxLength: 8 });

const outputOf = (u: number, content: number) => `answer ${content} for user ${u}, with some words to copy`;

function interactionCommand(s: Extract<Step, { kind: 'interaction' }>): InteractionCommand {
  const timeEnd = T0 + s.at * MINUTE;
  return {
    clientId: s.clientId === null ? null : `i-${s.user}-${s.clientId}`, conversationId: null, endUser: `u${s.user}`,
    input: `question ${s.content}`, output: outputOf(s.user, s.content), messages: null, history: null, systemPrompt: null, model: s.model,
    ragSources: null, tags: s.tags, featureFlags: s.flags, traces: null, timeStart: timeEnd - 30_000, timeEnd, hideContent: false, anonymize: false,
    feedbackActions: s.actions.map((slug) => ({ slug, text: null, value: null })), source: 'v2/interactions', traceId: null, spanId: null,
  };
}

function feedbackCommand(s: Extract<Step, { kind: 'feedback' }>): FeedbackCommand {
  const output = outputOf(s.user, s.ref);
  const copy = s.slug === 'copy_output' && s.link === 'copy';
  return {
    slug: s.slug, value: s.slug === 'rating' ? s.value : null, endUser: `u${s.user}`, timestamp: T0 + s.at * MINUTE,
    text: copy ? output.slice(0, 20) : s.comment ? 'a comment' : null, input: null, output: s.link === 'output' ? output : null, anonymize: false,
    eventId: s.eventId === null ? null : `e-${s.eventId}`, conversationId: null, interactionRef: s.link === 'id' ? `i-${s.user}-${s.ref}` : null,
    traceRef: null, spanRef: null,
  };
}

function tagCommand(s: Extract<Step, { kind: 'tags' }>): TagUpdateCommand {
  return { tags: s.tags, endUser: `u${s.user}`, timestamp: T0 + s.at * MINUTE - 30_000, input: null, output: s.content === null ? null : outputOf(s.user, s.content) };
}

const rowsOf = (buckets: RollupBucket[]) => buckets.filter((b) => !isZero(b.counters))
  .map((b) => `${b.dimension}|${b.value}|${new Date(b.hour).toISOString()}|${COUNTERS.map((c) => `${c}=${b.counters[c as keyof Counters]}`).join(',')}`)
  .sort();

export interface RollupPropertyOptions {
  /** Storages on one fresh database (several: instances sharing it), migrated. */
  open: () => Promise<Storage[]>;
  runs: number;
  /** Folds pending rollup deltas where the adapter keeps them (PostgreSQL). */
  fold?: (s: Storage) => Promise<unknown>;
}

export function rollupProperty(name: string, options: RollupPropertyOptions): void {
  test(`${name}: maintained rollups equal their recomputation after random event sequences`, async () => {
    const storages = await options.open();
    const primary = storages[0]!;
    const hash = createContentHasher(await primary.installationSecret());
    const queues = storages.map((s) => new WriteQueue(new InProcessExecutor(s, policy)));
    const ingestions = queues.map((q) => new Ingestion(q, identity, hash));
    try {
      await fc.assert(fc.asyncProperty(sequence, async (batches) => {
        const project = newId();
        let k = 0;
        for (const batch of batches) {
          await Promise.all(batch.steps.map((s) => {
            const ingestion = ingestions[k++ % ingestions.length]!;
            switch (s.kind) {
              case 'interaction': return ingestion.recordInteractions(project, [interactionCommand(s)]);
              case 'feedback': return ingestion.recordFeedback(project, feedbackCommand(s));
              case 'tags': return ingestion.recordTagUpdate(project, tagCommand(s));
              case 'orphan': return orphanPending(primary, Date.now() + 1);
              // On the instance of the step, concurrently with the batch's other writes.
              case 'erase': return eraseEndUser(storages[(k - 1) % storages.length]!, project, `u${s.user}`);
              case 'retention': return applyRetention(storages[(k - 1) % storages.length]!, T0 + s.at * MINUTE, { batch: 2, pauseMs: 0, projectIds: [project] });
            }
          }));
          if (batch.fold && options.fold) await options.fold(primary);
        }
        for (const q of queues) await q.drain();
        const full = await primary.recomputeRollups(project);
        assert.deepEqual(rowsOf(await primary.dumpRollups(project)), rowsOf(full));
        // Recomputing a range (what statistics do for partial hours) gives exactly those hours of the whole.
        const [from, to] = [T0 + HOUR, T0 + 3 * HOUR];
        for (const dimension of ['all', 'model', 'tag:team'] as const) {
          const inRange = full.filter((b) => b.dimension === dimension && b.hour >= from && b.hour < to);
          assert.deepEqual(rowsOf(await primary.recomputeRollups(project, { dimension, value: null, from, to })), rowsOf(inRange), dimension);
        }
      }), { numRuns: options.runs, seed: Number(process.env['FEEDLOOP_PROPERTY_SEED'] ?? Date.now() % 2 ** 31) });
    } finally {
      for (const s of storages) await s.close();
    }
  });
}
