// Group commit changes nothing: random sequences of write operations, applied in batches (one
// transaction each, as the write queue hands them over), answer and store exactly what the same
// operations store applied one transaction each, in order. The sequences are built so that
// operations depend on earlier ones of the same batch: an interaction stored earlier is a candidate
// for later feedback, feedback earlier is retried later (same event id, also in another project),
// interactions of one end user, with the same client id or of the same trace follow each other,
// pending feedback and tag updates wait for interactions later in the batch. Run on each adapter
// (sqlite.test.ts, postgres.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyWriteOps, type BuiltFeedback, type WriteOp, type WritePolicy } from '../../src/app/write-ops.js';
import { newId } from '../../src/core/ids.js';
import type { FeedbackRecord, FeedbackSlug } from '../../src/core/model.js';
import { noInteractionFilter, type FeedbackFilter } from '../../src/core/queries.js';
import { isZero } from '../../src/core/rollups.js';
import type { Storage } from '../../src/storage/port.js';
import { feedback, interaction } from './contract.js';

const T0 = Date.UTC(2024, 4, 1, 10);
const MINUTE = 60_000;
const policy: WritePolicy = { clockSkewMs: 2 * MINUTE, lookbackMs: 60 * MINUTE, conversationGapMs: 30 * MINUTE };

type FeedbackStep = {
  kind: 'feedback'; project: number; user: number; at: number; slug: FeedbackSlug; value: number;
  link: 'output' | 'input' | 'exact' | 'id' | 'trace' | 'span' | 'time' | 'copy'; ref: number; eventId: number | null;
};
type Step =
  | { kind: 'interaction'; project: number; user: number; at: number; clientId: number | null; trace: number | null; content: number;
      named: boolean; actions: number; tags: Record<string, string> }
  | FeedbackStep
  | { kind: 'feedback_batch'; items: FeedbackStep[] }
  | { kind: 'tags'; project: number; user: number; at: number; tags: Record<string, string>; content: number | null };

const small = (max: number) => fc.integer({ min: 0, max });
const tagSet = fc.dictionary(fc.constantFrom('team', 'tier'), fc.constantFrom('a', 'b'), { maxKeys: 2 });
const feedbackStep: fc.Arbitrary<FeedbackStep> = fc.record({
  kind: fc.constant('feedback' as const), project: small(1), user: small(1), at: small(40), value: fc.integer({ min: 1, max: 5 }), ref: small(2),
  slug: fc.constantFrom<FeedbackSlug>('thumbs_up', 'thumbs_down', 'rating', 'copy_output', 'comment', 'regenerate'),
  link: fc.constantFrom('output', 'input', 'exact', 'id', 'trace', 'span', 'time', 'time', 'copy') as fc.Arbitrary<FeedbackStep['link']>,
  eventId: fc.option(small(2), { nil: null }),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    kind: fc.constant('interaction' as const), project: small(1), user: small(1), at: small(40), clientId: fc.option(small(2), { nil: null }),
    trace: fc.option(small(1), { nil: null }), content: small(2), named: fc.boolean(), actions: small(1), tags: tagSet,
  }) },
  { weight: 5, arbitrary: feedbackStep },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('feedback_batch' as const), items: fc.array(feedbackStep, { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tags' as const), project: small(1), user: small(1), at: small(40), tags: tagSet, content: fc.option(small(2), { nil: null }) }) },
);
/** Batches of steps: each batch is one transaction on the batched side. */
const sequence = fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 });

const output = (user: number, content: number) => `answer ${content} for user ${user}, with some words to copy`;
const outputHash = (user: number, content: number) => `oh-${user}-${content}`;
const inputHash = (content: number) => `ih-${content}`;

/** The operations of a sequence for one side: its own project ids and row ids (prefix), the same otherwise. */
function build(batches: Step[][], projects: string[], side: string): WriteOp[][] {
  let n = 0;
  const fb = (s: FeedbackStep): BuiltFeedback => {
    const k = ++n;
    const copy = s.link === 'copy' && s.slug === 'copy_output';
    const record: FeedbackRecord = feedback(projects[s.project]!, {
      id: `${side}-f${k}`, eventId: s.eventId === null ? null : `e${s.eventId}`, slug: s.slug, value: s.slug === 'rating' ? s.value : null,
      text: copy ? output(s.user, s.ref).slice(8, 30) : s.slug === 'comment' ? 'a comment' : null,
      endUser: `u${s.user}`, timestamp: T0 + s.at * MINUTE, receivedAt: T0 + k,
      interactionRef: s.link === 'id' ? `i-${s.user}-${s.ref}` : null,
      traceRef: s.link === 'trace' || s.link === 'span' ? `trace-${s.ref % 2}` : null,
      spanRef: s.link === 'span' ? `span-${s.user}-${s.ref}` : null,
      outputHash: s.link === 'output' || s.link === 'exact' ? outputHash(s.user, s.ref) : null,
      inputHash: s.link === 'input' || s.link === 'exact' ? inputHash(s.ref) : null,
    });
    return { record, copiedTexts: copy ? [record.text!] : [] };
  };
  return batches.map((steps) => steps.map((s): WriteOp => {
    switch (s.kind) {
      case 'feedback': {
        const { record, copiedTexts } = fb(s);
        return { kind: 'feedback', record, copiedTexts };
      }
      case 'feedback_batch': return { kind: 'feedback_batch', items: s.items.map(fb) };
      case 'tags': {
        const k = ++n;
        return {
          kind: 'tag_update',
          update: {
            id: `${side}-t${k}`, projectId: projects[s.project]!, endUser: `u${s.user}`, timestamp: T0 + s.at * MINUTE - 30_000,
            inputHash: null, outputHash: s.content === null ? null : outputHash(s.user, s.content), tags: s.tags, status: 'pending',
            interactionId: null, receivedAt: T0 + k,
          },
        };
      }
      case 'interaction': {
        const k = ++n;
        const projectId = projects[s.project]!;
        const id = s.clientId === null ? `${side}-i${k}` : `i-${s.user}-${s.clientId}`;
        const timeEnd = T0 + s.at * MINUTE;
        const record = interaction(projectId, {
          id, endUser: `u${s.user}`, conversationId: s.named ? `conv-${s.user}` : '', conversationAuto: !s.named,
          input: `question ${s.content}`, output: output(s.user, s.content), inputHash: inputHash(s.content), outputHash: outputHash(s.user, s.content),
          tags: s.tags, timeStart: timeEnd - 30_000, timeEnd, receivedAt: T0 + k,
          traceId: s.trace === null ? null : `trace-${s.trace}`, spanId: s.trace === null ? null : `span-${s.user}-${s.clientId ?? s.content}`,
        });
        const actions = Array.from({ length: s.actions }, (_, a): FeedbackRecord => feedback(projectId, {
          id: `${side}-a${k}-${a}`, slug: 'thumbs_up', endUser: record.endUser, timestamp: timeEnd, status: 'linked', link: 'id', interactionId: id,
          linkedTimeEnd: timeEnd, interactionRef: id, receivedAt: T0 + k,
        }));
        return { kind: 'interactions', items: [{ record, actions, clientChosenId: s.clientId !== null }] };
      }
    }
  }));
}

const allFeedback: FeedbackFilter = {
  from: null, to: null, endUser: null, slugs: [], status: null, hasText: null, value: null, minValue: null, maxValue: null, model: null,
  featureFlag: null, tags: [], conversationId: null, interactionId: null, text: null, traceId: null,
};

/** Everything one side answered and stored, as text with its own project ids, row prefix and generated conversation ids made neutral. */
async function snapshot(storage: Storage, projects: string[], side: string, results: unknown): Promise<string> {
  const state: unknown[] = [results];
  for (const p of projects) {
    const page = { after: null, limit: 1000, order: 'oldest' as const };
    state.push(await storage.listInteractions(p, noInteractionFilter(), page), await storage.listFeedback(p, allFeedback, page, 0),
      // A bucket whose counters went up and down again may stay as zeros in one and be gone in the other.
      (await storage.dumpRollups(p)).filter((b) => !isZero(b.counters)).map((b) => ({ ...b, projectId: '' })).sort((a, b) => `${a.dimension}|${a.value}|${a.hour}`.localeCompare(`${b.dimension}|${b.value}|${b.hour}`)));
  }
  let text = JSON.stringify(state);
  projects.forEach((p, k) => { text = text.split(p).join(`P${k}`); });
  text = text.split(`"${side}-`).join('"X-');
  const generated = new Map<string, string>();
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
    if (!generated.has(id)) generated.set(id, `generated-${generated.size}`);
    return generated.get(id)!;
  });
}

export function batchProperty(name: string, options: { open: () => Promise<Storage>; runs: number }): void {
  test(`${name}: a batch in one transaction answers and stores what its operations do one transaction each`, async () => {
    const storage = await options.open();
    try {
      let run = 0;
      await fc.assert(fc.asyncProperty(sequence, async (batches) => {
        // Feedback and tag update ids are unique across projects: each side of each run has its own.
        const [a, b] = [`A${++run}`, `B${run}`];
        const batched = [newId(), newId()];
        const single = [newId(), newId()];
        const batchedResults: unknown[] = [];
        for (const ops of build(batches, batched, a)) batchedResults.push(...(await storage.transaction((tx) => applyWriteOps(tx, ops, policy))));
        const singleResults: unknown[] = [];
        for (const ops of build(batches, single, b)) {
          for (const op of ops) singleResults.push(...(await storage.transaction((tx) => applyWriteOps(tx, [op], policy))));
        }
        assert.equal(await snapshot(storage, batched, a, batchedResults), await snapshot(storage, single, b, singleResults));
      }), { numRuns: options.runs, seed: Number(process.env['FEEDLOOP_PROPERTY_SEED'] ?? Date.now() % 2 ** 31) });
    } finally {
      await storage.close();
    }
  });
}
