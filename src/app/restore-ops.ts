// Storing the rows of feedloop's own export as they were (the import's round trip): an interaction
// keeps its id, conversation and times; a feedback keeps its id, link and status. Idempotent on the
// ids, so importing the same export twice stores nothing twice. Rollups follow as for any write.
//
// A linked feedback whose interaction is not there (an export filtered without it) waits for it by
// id, as pending feedback that named an interaction_id does. Feedback ids are unique across
// projects: one taken by another project (the same export imported into a second project of this
// database) gets an id derived from the project and the original, the same on every run.
import { createHash } from 'node:crypto';
import type { FeedbackRecord, InteractionRecord } from '../core/model.js';
import type { StorageTransaction } from '../storage/port.js';
import type { RollupTracker } from './rollup-tracker.js';

export interface RestoreResult<T> {
  record: T;
  /** False when it was stored before (nothing was written). */
  created: boolean;
  /** For an interaction: how many of its feedback were stored now, and how many were there before. */
  feedback?: { created: number; existing: number };
}

/** A UUID-shaped id derived from its parts (version 8: custom), so that re-runs derive the same one. */
export function derivedId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function restoreInteraction(tx: StorageTransaction, record: InteractionRecord, feedback: FeedbackRecord[],
  buffered: FeedbackRecord[], rollups: RollupTracker): Promise<RestoreResult<InteractionRecord>> {
  await tx.lockEndUser(record.projectId, record.endUser);
  const existing = await tx.findInteractionById(record.projectId, record.id);
  if (existing) return { record: existing, created: false, feedback: { created: 0, existing: feedback.length } };
  await tx.insertInteractions([record]);
  rollups.interactionCreated(record);
  let created = 0;
  for (const f of feedback) if ((await restoreFeedback(tx, f, buffered, rollups)).created) created++;
  return { record, created: true, feedback: { created, existing: feedback.length - created } };
}

export async function restoreFeedback(tx: StorageTransaction, record: FeedbackRecord, buffered: FeedbackRecord[],
  rollups: RollupTracker): Promise<RestoreResult<FeedbackRecord>> {
  await tx.lockEndUser(record.projectId, record.endUser);
  let candidate = record;
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = buffered.find((f) => f.id === candidate.id) ?? (await tx.findFeedbackById(candidate.id));
    if (!existing) break;
    if (existing.projectId === record.projectId) return { record: existing, created: false };
    candidate = { ...record, id: derivedId(record.projectId, record.id) };
  }
  let stored = candidate;
  if (candidate.status === 'linked' && candidate.interactionId !== null) {
    const target = await tx.findInteractionById(candidate.projectId, candidate.interactionId);
    stored = target
      ? { ...candidate, linkedTimeEnd: target.timeEnd }
      : { ...candidate, status: 'pending', link: null, interactionId: null, linkedTimeEnd: null, flags: [], interactionRef: candidate.interactionRef ?? candidate.interactionId };
  }
  await rollups.feedbackStored(stored);
  buffered.push(stored);
  return { record: stored, created: true };
}
