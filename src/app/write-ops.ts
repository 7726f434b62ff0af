// The writes of the ingestion path as data: what one request asks storage to do, and the code that
// does it inside a transaction. Being data, a batch of them is applied by one executor call, in
// one transaction, whatever the storage.
import { chooseConversation } from '../core/conversations.js';
import { newId } from '../core/ids.js';
import { chooseLink, chooseTagTarget, interactionMayAffect, isFinal, linkCandidateQuery, type LinkPolicy, type LinkSubject } from '../core/linking.js';
import type { FeedbackRecord, InteractionRecord, TagUpdateRecord } from '../core/model.js';
import type { LinkUpdate, StorageTransaction } from '../storage/port.js';
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
  | { kind: 'tag_update'; update: TagUpdateRecord };

export interface WriteResults {
  feedback: FeedbackRecord;
  feedback_batch: FeedbackRecord[];
  interactions: InteractionRecord[];
  tag_update: TagUpdateResult;
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
 * Applies a batch of operations in one transaction, in order. Feedback rows are buffered and
 * written with one multi-row insert, just before the next operation that reads feedback (an
 * interaction re-links pending feedback) and at the end: a burst of feedback is one INSERT.
 * Rollups follow every change (rollup-tracker.ts) and are written once, at the end.
 */
export async function applyWriteOps(tx: StorageTransaction, ops: WriteOp[], policy: WritePolicy): Promise<WriteResult[]> {
  const buffered: FeedbackRecord[] = [];
  const rollups = new RollupTracker(tx);
  const flush = async () => {
    if (buffered.length > 0) await tx.insertFeedback(buffered.splice(0, buffered.length));
  };
  // Every end-user lock of the batch, taken up front in one global order: two batches (on this
  // instance or another) then never wait for each other in a cycle. Later calls re-enter them.
  const users = new Map<string, [string, string]>();
  for (const op of ops) for (const [projectId, endUser] of lockKeys(op)) users.set(`${projectId}\u0000${endUser}`, [projectId, endUser]);
  for (const key of [...users.keys()].sort()) await tx.lockEndUser(...users.get(key)!);

  const results: WriteResult[] = [];
  for (const op of ops) {
    switch (op.kind) {
      case 'feedback':
        results.push(await decideFeedback(tx, op.record, op.copiedTexts, policy, buffered, rollups));
        break;
      case 'feedback_batch': {
        const stored: FeedbackRecord[] = [];
        for (const item of op.items) stored.push(await decideFeedback(tx, item.record, item.copiedTexts, policy, buffered, rollups));
        results.push(stored);
        break;
      }
      case 'interactions': {
        await flush();
        const stored: InteractionRecord[] = [];
        for (const item of op.items) stored.push(await storeInteraction(tx, item, policy, rollups));
        results.push(stored);
        break;
      }
      case 'tag_update':
        results.push(await storeTagUpdate(tx, op.update, policy, rollups));
        break;
    }
  }
  await flush();
  await rollups.flush();
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

function lockKeys(op: WriteOp): [string, string][] {
  switch (op.kind) {
    case 'feedback': return feedbackLockKeys(op.record);
    case 'feedback_batch': return op.items.flatMap((i) => feedbackLockKeys(i.record));
    case 'interactions': return op.items.flatMap(({ record: r }) =>
      r.traceId === null ? [[r.projectId, r.endUser] as [string, string]] : [[r.projectId, r.endUser] as [string, string], traceLock(r.projectId, r.traceId)]);
    case 'tag_update': return [[op.update.projectId, op.update.endUser]];
  }
}

/** Links a feedback and adds it to `buffered` (to be inserted), or answers the stored retry. */
async function decideFeedback(tx: StorageTransaction, record: FeedbackRecord, copiedTexts: string[], policy: WritePolicy,
  buffered: FeedbackRecord[], rollups: RollupTracker): Promise<FeedbackRecord> {
  const { projectId } = record;
  // Lock first: a concurrent retry of the same event (same end user) on another instance then
  // commits before this check runs, and is found.
  await tx.lockEndUser(projectId, record.endUser);
  if (record.eventId !== null) {
    const existing = buffered.find((f) => f.eventId === record.eventId) ?? (await tx.findFeedbackByEventId(projectId, record.eventId));
    if (existing) return existing;
  }
  const subject = subjectOf(record, copiedTexts);
  const decision = chooseLink(subject, await tx.findLinkCandidates(linkCandidateQuery(projectId, subject, policy)));
  const stored = decision.status === 'linked' ? { ...record, ...decision } : record;
  await rollups.feedbackStored(stored);
  buffered.push(stored);
  return stored;
}

async function storeTagUpdate(tx: StorageTransaction, update: TagUpdateRecord, policy: WritePolicy, rollups: RollupTracker): Promise<TagUpdateResult> {
  const { projectId, endUser } = update;
  await tx.lockEndUser(projectId, endUser);
  const target = chooseTagTarget(update.timestamp,
    await tx.findTagCandidates(projectId, endUser, update.timestamp, policy.clockSkewMs, update.inputHash, update.outputHash));
  if (target) await mergeTags(tx, rollups, projectId, target.id, update.tags);
  await tx.insertTagUpdate(target ? { ...update, status: 'linked', interactionId: target.id } : update);
  return { status: target ? 'linked' : 'pending', interactionId: target?.id ?? null };
}

/** Tags merged into an interaction move its contribution to the buckets of its new tags. */
async function mergeTags(tx: StorageTransaction, rollups: RollupTracker, projectId: string, interactionId: string, tags: Record<string, string>): Promise<void> {
  await rollups.tagsMerged(projectId, interactionId, tags);
  await tx.addInteractionTags(projectId, interactionId, tags);
}

async function storeInteraction(tx: StorageTransaction, { record, actions, clientChosenId }: BuiltInteraction, policy: WritePolicy,
  rollups: RollupTracker): Promise<InteractionRecord> {
  const { projectId, endUser } = record;
  await tx.lockEndUser(projectId, endUser);
  // A client-chosen id seen before: a retry; answer what was stored.
  const existing = clientChosenId ? await tx.findInteractionById(projectId, record.id) : null;
  if (existing) return existing;
  let conversationId = record.conversationId;
  if (record.conversationAuto) {
    const neighbours = await tx.findConversationNeighbours(projectId, endUser, record.timeStart);
    conversationId = chooseConversation(record.timeStart, record.timeEnd, neighbours, policy.conversationGapMs) ?? newId();
  }
  const stored = { ...record, conversationId };
  await tx.insertInteractions([stored]);
  rollups.interactionCreated(stored);
  if (actions.length > 0) {
    const linkedActions = actions.map((a) => ({ ...a, conversationId }));
    for (const a of linkedActions) await rollups.feedbackStored(a);
    await tx.insertFeedback(linkedActions);
  }
  await relink(tx, stored, policy, rollups);
  return stored;
}

/** Runs the linking rules again for the feedback and tag updates a new interaction may concern. */
async function relink(tx: StorageTransaction, interaction: InteractionRecord, policy: WritePolicy, rollups: RollupTracker): Promise<void> {
  const { projectId, endUser } = interaction;
  let feedback = await tx.findRelinkableFeedback(projectId, endUser, interaction.id, interaction.timeEnd,
    { before: policy.clockSkewMs, after: policy.lookbackMs });
  if (interaction.traceId !== null) {
    const seen = new Set(feedback.map((f) => f.id));
    feedback = [...feedback, ...(await tx.findTraceFeedback(projectId, interaction.traceId)).filter((f) => !seen.has(f.id))];
  }
  const updates: LinkUpdate[] = [];
  for (const f of feedback) {
    if (f.status === 'linked' && isFinal(f.link, f.spanRef)) continue;
    const subject = subjectOf(f, isCopySlug(f.slug) && hasContent(f.text) ? [f.text] : []);
    if (!interactionMayAffect(subject, interaction, policy)) continue;
    const decision = chooseLink(subject, await tx.findLinkCandidates(linkCandidateQuery(projectId, subject, policy)));
    if (decision.status === 'linked' && (decision.interactionId !== f.interactionId || decision.link !== f.link)) {
      const update: LinkUpdate = { id: f.id, status: 'linked', link: decision.link, interactionId: decision.interactionId, linkedTimeEnd: decision.linkedTimeEnd, flags: decision.flags };
      await rollups.feedbackRelinked(f, update);
      updates.push(update);
    }
  }
  if (updates.length > 0) await tx.updateFeedbackLinks(projectId, updates);

  for (const t of await tx.findUnlinkedTagUpdates(projectId, endUser)) {
    const target = chooseTagTarget(t.timestamp, await tx.findTagCandidates(projectId, endUser, t.timestamp, policy.clockSkewMs, t.inputHash, t.outputHash));
    if (!target) continue;
    await mergeTags(tx, rollups, projectId, target.id, t.tags);
    await tx.markTagUpdateLinked(projectId, t.id, target.id);
  }
}
