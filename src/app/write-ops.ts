// The writes of the ingestion path as data: what one request asks storage to do, and the code that
// does it inside a transaction. Being data, a batch of them is applied by one executor call, in
// one transaction, whatever the storage.
import { chooseConversation } from '../core/conversations.js';
import { newId } from '../core/ids.js';
import { chooseLink, chooseTagTarget, interactionMayAffect, isFinal, linkCandidateQuery, type LinkPolicy, type LinkSubject } from '../core/linking.js';
import type { FeedbackRecord, InteractionRecord, TagUpdateRecord } from '../core/model.js';
import type { LinkUpdate, StorageTransaction } from '../storage/port.js';
import { restoreFeedback, restoreInteraction, type RestoreResult } from './restore-ops.js';
import { RollupTracker } from './rollup-tracker.js';

export interface WritePolicy extends LinkPolicy {
  /** Inactivity after which an end user's next interaction starts a new conversation. */
  conversationGapMs: number;
}

export interface BuiltInteraction { record: InteractionRecord; actions: FeedbackRecord[]; clientChosenId: boolean }

export interface TagUpdateResult { status: 'linked' | 'pending'; interactionId: string | null }

export interface BuiltFeedback { record: FeedbackRecord; copiedTexts: string[] }

export type WriteOp =
  | { kind: 'feedback'; record: FeedbackRecord; copiedTexts: string[] }
  /** The events of one batch request: one operation, so they are always in one transaction. */
  | { kind: 'feedback_batch'; items: BuiltFeedback[] }
  | { kind: 'interactions'; items: BuiltInteraction[] }
  /** `known`: the id may have been stored before (an import run again): answer what was stored. */
  | { kind: 'tag_update'; update: TagUpdateRecord; known?: boolean }
  /** Rows of feedloop's own export, stored as they were (ids, links, times): see restore-ops.ts. */
  | { kind: 'restore_interaction'; record: InteractionRecord; feedback: FeedbackRecord[] }
  | { kind: 'restore_feedback'; record: FeedbackRecord };

export interface WriteResults {
  feedback: FeedbackRecord;
  feedback_batch: FeedbackRecord[];
  interactions: InteractionRecord[];
  tag_update: TagUpdateResult;
  restore_interaction: RestoreResult<InteractionRecord>;
  restore_feedback: RestoreResult<FeedbackRecord>;
}

export type WriteResult = WriteResults[keyof WriteResults];

export const isCopySlug = (slug: string) => slug === 'copy_input' || slug === 'copy_output';
export const hasContent = (text: string | null): text is string => text !== null && text.trim().length > 0;

/** What linking needs to know about a stored feedback, to run the rules (again). */
function subjectOf(f: FeedbackRecord, copiedTexts: string[]): LinkSubject {
  return {
    slug: f.slug, endUser: f.endUser, timestamp: f.timestamp, interactionRef: f.interactionRef, traceRef: f.traceRef, spanRef: f.spanRef,
    inputHash: f.inputHash, outputHash: f.outputHash, copiedTexts,
  };
}

/**
 * Applies a batch of operations in one transaction, with the result of applying them one after the
 * other. Consecutive operations of one kind form a run, and what a run reads is read for all its
 * items at once (one round trip where storage batches concurrent reads, see StorageTransaction),
 * then decided item by item in order, by the same rules. A run only groups what an earlier item of
 * it cannot change: feedback does not change what feedback reads (a retry of an earlier item of the
 * run is found among the buffered rows), and interactions are grouped only while their end users,
 * ids and traces differ; the next run reads after the earlier ones' writes. Feedback rows are
 * buffered and written with one multi-row insert before the next run of interactions (which
 * re-links pending feedback) and at the end. Rollups follow every change (rollup-tracker.ts) and
 * are written once, at the end.
 */
export async function applyWriteOps(tx: StorageTransaction, ops: WriteOp[], policy: WritePolicy): Promise<WriteResult[]> {
  const buffered: FeedbackRecord[] = [];
  const rollups = new RollupTracker(tx);
  const flush = async () => {
    if (buffered.length > 0) await tx.insertFeedback(buffered.splice(0, buffered.length));
  };
  // Every end-user lock of the batch, taken up front in one global order: two batches (on this
  // instance or another) then never wait for each other in a cycle. Issued together with the first
  // reads: storage takes them before the reads issued after them, so it need not be awaited first.
  const users = new Map<string, [string, string]>();
  for (const op of ops) for (const [projectId, endUser] of lockKeys(op)) users.set(`${projectId}\u0000${endUser}`, [projectId, endUser]);
  const locked = Promise.all([...users.keys()].sort().map((key) => tx.lockEndUser(...users.get(key)!)));
  locked.catch(() => undefined); // awaited below; meanwhile a failure also fails every read after it

  const results: WriteResult[] = [];
  for (let start = 0; start < ops.length;) {
    const op = ops[start]!;
    const kind = op.kind;
    // Tag updates and restored rows are rare: one at a time, as they come.
    if (op.kind === 'tag_update' || op.kind === 'restore_interaction' || op.kind === 'restore_feedback') {
      if (op.kind === 'tag_update') results.push(await storeTagUpdate(tx, op.update, policy, rollups, op.known === true));
      else if (op.kind === 'restore_interaction') results.push(await restoreInteraction(tx, op.record, op.feedback, buffered, rollups));
      else results.push(await restoreFeedback(tx, op.record, buffered, rollups));
      start++;
      continue;
    }
    const feedbackRun = kind === 'feedback' || kind === 'feedback_batch';
    let end = start + 1;
    while (end < ops.length && (feedbackRun ? ops[end]!.kind === 'feedback' || ops[end]!.kind === 'feedback_batch' : ops[end]!.kind === 'interactions')) end++;
    const run = ops.slice(start, end);
    if (feedbackRun) {
      const items = run.flatMap((op) => (op.kind === 'feedback' ? [{ record: op.record, copiedTexts: op.copiedTexts }] : op.kind === 'feedback_batch' ? op.items : []));
      const stored = await storeFeedbackRun(tx, items, policy, buffered, rollups);
      let k = 0;
      for (const op of run) {
        if (op.kind === 'feedback') results.push(stored[k++]!);
        else if (op.kind === 'feedback_batch') {
          results.push(stored.slice(k, k + op.items.length));
          k += op.items.length;
        }
      }
    } else {
      await flush();
      const stored = await storeInteractionRun(tx, run.flatMap((op) => (op.kind === 'interactions' ? op.items : [])), policy, rollups);
      let k = 0;
      for (const op of run) {
        if (op.kind !== 'interactions') continue;
        results.push(stored.slice(k, k + op.items.length));
        k += op.items.length;
      }
    }
    start = end;
  }
  await flush();
  await rollups.flush();
  await locked;
  return results;
}

/**
 * A trace links feedback and interactions of different end users (the front end's user id and the
 * spans' may differ, or the spans carry none), so both also lock the trace: a feedback and the
 * interaction it waits for, written at once on two instances, then never miss each other. The
 * `/trace` suffix cannot collide with a project id (server-made UUIDs).
 */
const traceLock = (projectId: string, traceId: string): [string, string] => [`${projectId}/trace`, traceId];

function feedbackLockKeys({ projectId, endUser, traceRef }: FeedbackRecord): [string, string][] {
  return traceRef === null ? [[projectId, endUser]] : [[projectId, endUser], traceLock(projectId, traceRef)];
}

/** The end-user (and trace) locks an operation takes, as strings: the write queue keeps operations that share one apart. */
export const lockKeysOf = (op: WriteOp): string[] => lockKeys(op).map(([projectId, key]) => `${projectId}\u0000${key}`);

function lockKeys(op: WriteOp): [string, string][] {
  switch (op.kind) {
    case 'feedback': return feedbackLockKeys(op.record);
    case 'feedback_batch': return op.items.flatMap((i) => feedbackLockKeys(i.record));
    case 'interactions': return op.items.flatMap(({ record: r }) =>
      r.traceId === null ? [[r.projectId, r.endUser] as [string, string]] : [[r.projectId, r.endUser] as [string, string], traceLock(r.projectId, r.traceId)]);
    case 'tag_update': return [[op.update.projectId, op.update.endUser]];
    case 'restore_interaction': {
      const r = op.record;
      return [[r.projectId, r.endUser], ...(r.traceId === null ? [] : [traceLock(r.projectId, r.traceId)]), ...op.feedback.flatMap(feedbackLockKeys)];
    }
    case 'restore_feedback': return feedbackLockKeys(op.record);
  }
}

/**
 * Links each feedback of a run and adds it to `buffered` (to be inserted), or answers the stored
 * retry. What decides (a stored retry, the link candidates) is read for every item at once: the
 * run writes nothing before its end, and a retry of an earlier item of the run is in `buffered`.
 */
async function storeFeedbackRun(tx: StorageTransaction, items: BuiltFeedback[], policy: WritePolicy, buffered: FeedbackRecord[],
  rollups: RollupTracker): Promise<FeedbackRecord[]> {
  const subjects = items.map(({ record, copiedTexts }) => subjectOf(record, copiedTexts));
  const reads = await Promise.all(items.map(({ record }, k) => Promise.all([
    record.eventId === null ? null : tx.findFeedbackByEventId(record.projectId, record.eventId),
    tx.findLinkCandidates(linkCandidateQuery(record.projectId, subjects[k]!, policy)),
  ])));
  const stored: FeedbackRecord[] = [];
  const fresh: FeedbackRecord[] = [];
  items.forEach(({ record }, k) => {
    const [inStore, candidates] = reads[k]!;
    if (record.eventId !== null) {
      const existing = buffered.find((f) => f.eventId === record.eventId && f.projectId === record.projectId) ?? inStore;
      if (existing) {
        stored.push(existing);
        return;
      }
    }
    const decision = chooseLink(subjects[k]!, candidates);
    const row = decision.status === 'linked' ? { ...record, ...decision } : record;
    buffered.push(row);
    fresh.push(row);
    stored.push(row);
  });
  // The rollup state of every interaction the run links to, read at once, before it changes.
  await prefetchRollups(rollups, fresh.flatMap((f) => (f.status === 'linked' && f.interactionId !== null ? [{ projectId: f.projectId, id: f.interactionId }] : [])));
  for (const f of fresh) await rollups.feedbackStored(f);
  return stored;
}

async function storeTagUpdate(tx: StorageTransaction, update: TagUpdateRecord, policy: WritePolicy, rollups: RollupTracker,
  known: boolean): Promise<TagUpdateResult> {
  const { projectId, endUser } = update;
  if (known) {
    const existing = await tx.findTagUpdateById(update.id);
    if (existing) return { status: existing.status === 'linked' ? 'linked' : 'pending', interactionId: existing.interactionId };
  }
  const target = chooseTagTarget(update.timestamp,
    await tx.findTagCandidates(projectId, endUser, update.timestamp, policy.clockSkewMs, update.inputHash, update.outputHash));
  if (target) await mergeTags(tx, rollups, projectId, target.id, update.tags);
  await tx.insertTagUpdate(target ? { ...update, status: 'linked', interactionId: target.id } : update);
  return { status: target ? 'linked' : 'pending', interactionId: target?.id ?? null };
}

/** The rollup state of these interactions, read at once (per project), before the changes about to touch them. */
async function prefetchRollups(rollups: RollupTracker, interactions: { projectId: string; id: string }[]): Promise<void> {
  const byProject = new Map<string, string[]>();
  for (const { projectId, id } of interactions) byProject.set(projectId, [...(byProject.get(projectId) ?? []), id]);
  await Promise.all([...byProject].map(([projectId, ids]) => rollups.prefetch(projectId, ids)));
}

/** Tags merged into an interaction move its contribution to the buckets of its new tags. */
async function mergeTags(tx: StorageTransaction, rollups: RollupTracker, projectId: string, interactionId: string, tags: Record<string, string>): Promise<void> {
  await rollups.tagsMerged(projectId, interactionId, tags);
  await tx.addInteractionTags(projectId, interactionId, tags);
}

/** Stores a run of interactions (of one or more operations) in order, in groups whose items cannot affect each other. */
async function storeInteractionRun(tx: StorageTransaction, items: BuiltInteraction[], policy: WritePolicy, rollups: RollupTracker): Promise<InteractionRecord[]> {
  const stored: InteractionRecord[] = [];
  for (const group of independentGroups(items)) stored.push(...(await storeInteractionGroup(tx, group, policy, rollups)));
  return stored;
}

/**
 * Consecutive groups of items in which no item changes what another reads. What an interaction
 * reads and changes is its end user's (conversation neighbours, unlinked feedback and tag updates,
 * candidates by content and time), feedback naming its id (a retry by id too) and feedback naming
 * its trace (and the trace's candidates): items that share none of these are independent.
 */
function independentGroups(items: BuiltInteraction[]): BuiltInteraction[][] {
  const groups: BuiltInteraction[][] = [];
  let group: BuiltInteraction[] = [];
  let seen = new Set<string>();
  for (const item of items) {
    const { projectId, endUser, id, traceId } = item.record;
    const keys = [`u\u0000${projectId}\u0000${endUser}`, `i\u0000${projectId}\u0000${id}`, ...(traceId === null ? [] : [`t\u0000${projectId}\u0000${traceId}`])];
    if (keys.some((key) => seen.has(key))) {
      groups.push(group);
      group = [];
      seen = new Set();
    }
    group.push(item);
    for (const key of keys) seen.add(key);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

interface StoredInteraction { record: InteractionRecord; relinkable: FeedbackRecord[]; traceFeedback: FeedbackRecord[]; tagUpdates: TagUpdateRecord[] }

async function storeInteractionGroup(tx: StorageTransaction, group: BuiltInteraction[], policy: WritePolicy, rollups: RollupTracker): Promise<InteractionRecord[]> {
  // Everything the group reads before its writes, at once. The feedback and tag updates that a new
  // interaction may (re)link do not change when interactions (or their feedback actions, linked by
  // id) are inserted, so they are read here too.
  const window = { before: policy.clockSkewMs, after: policy.lookbackMs };
  const reads = await Promise.all(group.map(({ record: r, clientChosenId }) => Promise.all([
    // A client-chosen id seen before: a retry; answer what was stored.
    clientChosenId ? tx.findInteractionById(r.projectId, r.id) : null,
    r.conversationAuto ? tx.findConversationNeighbours(r.projectId, r.endUser, r.timeStart) : null,
    tx.findRelinkableFeedback(r.projectId, r.endUser, r.id, r.timeEnd, window),
    r.traceId === null ? [] : tx.findTraceFeedback(r.projectId, r.traceId),
    tx.findUnlinkedTagUpdates(r.projectId, r.endUser),
  ])));
  const results: InteractionRecord[] = [];
  const created: StoredInteraction[] = [];
  const actions: FeedbackRecord[] = [];
  for (const [k, { record, actions: itemActions }] of group.entries()) {
    const [existing, neighbours, relinkable, traceFeedback, tagUpdates] = reads[k]!;
    if (existing) {
      results.push(existing);
      continue;
    }
    let conversationId = record.conversationId;
    if (record.conversationAuto) conversationId = chooseConversation(record.timeStart, record.timeEnd, neighbours!, policy.conversationGapMs) ?? newId();
    const stored = { ...record, conversationId };
    results.push(stored);
    created.push({ record: stored, relinkable, traceFeedback, tagUpdates });
    rollups.interactionCreated(stored);
    for (const a of itemActions) {
      const linked = { ...a, conversationId };
      await rollups.feedbackStored(linked);
      actions.push(linked);
    }
  }
  await tx.insertInteractions(created.map((c) => c.record));
  await tx.insertFeedback(actions);
  await relink(tx, created, policy, rollups);
  return results;
}

/** Runs the linking rules again for the feedback and tag updates new interactions may concern. */
async function relink(tx: StorageTransaction, created: StoredInteraction[], policy: WritePolicy, rollups: RollupTracker): Promise<void> {
  const checks: { item: number; f: FeedbackRecord; subject: LinkSubject }[] = [];
  const tagChecks: { item: number; t: TagUpdateRecord }[] = [];
  created.forEach(({ record: interaction, relinkable, traceFeedback, tagUpdates }, item) => {
    let feedback = relinkable;
    if (interaction.traceId !== null) {
      const seen = new Set(feedback.map((f) => f.id));
      feedback = [...feedback, ...traceFeedback.filter((f) => !seen.has(f.id))];
    }
    for (const f of feedback) {
      if (f.status === 'linked' && isFinal(f.link, f.spanRef)) continue;
      const subject = subjectOf(f, isCopySlug(f.slug) && hasContent(f.text) ? [f.text] : []);
      if (interactionMayAffect(subject, interaction, policy)) checks.push({ item, f, subject });
    }
    for (const t of tagUpdates) tagChecks.push({ item, t });
  });
  if (checks.length === 0 && tagChecks.length === 0) return;

  // Candidates for all of them at once, read after the group's inserts (the new interactions are among them).
  const [candidates, tagCandidates] = await Promise.all([
    Promise.all(checks.map(({ f, subject }) => tx.findLinkCandidates(linkCandidateQuery(f.projectId, subject, policy)))),
    Promise.all(tagChecks.map(({ t }) => tx.findTagCandidates(t.projectId, t.endUser, t.timestamp, policy.clockSkewMs, t.inputHash, t.outputHash))),
  ]);
  const updates: { item: number; f: FeedbackRecord; update: LinkUpdate }[] = [];
  checks.forEach(({ item, f, subject }, k) => {
    const decision = chooseLink(subject, candidates[k]!);
    if (decision.status === 'linked' && (decision.interactionId !== f.interactionId || decision.link !== f.link)) {
      updates.push({ item, f, update: { id: f.id, status: 'linked', link: decision.link, interactionId: decision.interactionId, linkedTimeEnd: decision.linkedTimeEnd, flags: decision.flags } });
    }
  });
  const targets = tagChecks.map(({ t }, k) => chooseTagTarget(t.timestamp, tagCandidates[k]!));

  // The rollup state of every interaction these changes touch, read at once, then the changes, item by item.
  await prefetchRollups(rollups, [
    ...updates.flatMap(({ f, update }) => [
      ...(f.status === 'linked' && f.interactionId !== null ? [{ projectId: f.projectId, id: f.interactionId }] : []),
      { projectId: f.projectId, id: update.interactionId! },
    ]),
    ...tagChecks.flatMap(({ t }, k) => (targets[k] ? [{ projectId: t.projectId, id: targets[k]!.id }] : [])),
  ]);
  for (const [item, { record: interaction }] of created.entries()) {
    const mine = updates.filter((u) => u.item === item);
    for (const { f, update } of mine) await rollups.feedbackRelinked(f, update);
    if (mine.length > 0) await tx.updateFeedbackLinks(interaction.projectId, mine.map((u) => u.update));
    for (const [k, { t }] of tagChecks.entries()) {
      const target = targets[k];
      if (tagChecks[k]!.item !== item || !target) continue;
      await mergeTags(tx, rollups, interaction.projectId, target.id, t.tags);
      await tx.markTagUpdateLinked(interaction.projectId, t.id, target.id);
    }
  }
}
