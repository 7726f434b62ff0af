// Erasure of one end user (a data subject's request): every interaction, feedback and tag update of
// theirs goes in one transaction, with its contribution to the rollups, so no list, export or
// statistic holds them afterwards; then the storage makes the deleted content unrecoverable from
// its files where it can (SQLite: secure_delete and an emptied WAL; docs/data.md).
//
// Feedback that other end users gave about the erased user's interactions is theirs, so it stays,
// unlinked (orphaned: it is about something that no longer exists). The erased user's feedback on
// other users' interactions leaves those interactions' counts.
import type { FeedbackRecord } from '../core/model.js';
import type { LinkUpdate, Storage } from '../storage/port.js';
import { RollupTracker } from './rollup-tracker.js';

export interface ErasureResult {
  interactions: number;
  feedback: number;
  tag_updates: number;
  /** Other end users' feedback about the erased interactions, now orphaned. */
  feedback_unlinked: number;
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply run again. */
const TRANSIENT = new Set(['40P01', '40001']);

export async function eraseEndUser(storage: Storage, projectId: string, endUser: string): Promise<ErasureResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await storage.transaction(async (tx) => {
        await tx.lockEndUser(projectId, endUser);
        const interactionIds = await tx.findEndUserInteractionIds(projectId, endUser);
        const own = await tx.findEndUserFeedback(projectId, endUser);
        const erased = new Set(interactionIds);
        const others = (await tx.findFeedbackLinkedTo(projectId, interactionIds)).filter((f) => f.endUser !== endUser);
        // Their linking must not interleave with this: lock their end users too (in one order).
        for (const user of [...new Set(others.map((f) => f.endUser))].sort()) await tx.lockEndUser(projectId, user);

        const rollups = new RollupTracker(tx);
        await rollups.interactionsRemoved(projectId, interactionIds);
        const elsewhere = own.filter((f) => f.status === 'linked' && f.interactionId !== null && !erased.has(f.interactionId));
        await rollups.prefetch(projectId, elsewhere.map((f) => f.interactionId!));
        for (const f of own) {
          // Feedback on the erased interactions leaves with them; the rest leaves where it counts.
          if (!(f.status === 'linked' && f.interactionId !== null && erased.has(f.interactionId))) await rollups.feedbackRemoved(f);
        }
        const unlinked: LinkUpdate[] = others.map((f) => ({ id: f.id, status: 'orphaned', link: null, interactionId: null, linkedTimeEnd: null, flags: [] }));
        for (const f of others) await rollups.feedbackStored(orphaned(f));
        if (unlinked.length > 0) await tx.updateFeedbackLinks(projectId, unlinked);

        const feedback = await tx.deleteFeedback(projectId, own.map((f) => f.id));
        const interactions = await tx.deleteInteractions(projectId, interactionIds);
        const tagUpdates = await tx.deleteEndUserTagUpdates(projectId, endUser);
        // An emptied bucket may be named by the erased user's tag value: it goes too.
        await tx.dropEmptyRollups(await rollups.flush());
        return { interactions, feedback, tag_updates: tagUpdates, feedback_unlinked: unlinked.length };
      });
      if (result.interactions + result.feedback + result.tag_updates > 0) await storage.purgeDeletedContent();
      return result;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !TRANSIENT.has(code) || attempt >= 3) throw error;
    }
  }
}

const orphaned = (f: FeedbackRecord): FeedbackRecord => ({ ...f, status: 'orphaned', link: null, interactionId: null, linkedTimeEnd: null, flags: [] });
