// The periodic sweep: pending feedback older than the TTL becomes orphaned (still stored, listed
// and counted, now as orphaned), in small transactions that keep the rollups' pending and orphaned
// counts exact. Rows are locked per end user first, as linking does, so a feedback that another
// instance links at the same moment is either linked or orphaned, never counted as both.
import type { Storage } from '../storage/port.js';
import { RollupTracker } from './rollup-tracker.js';

const BATCH = 1000;

/** Orphans what is due; returns how many feedback and tag updates changed. */
export async function orphanPending(storage: Storage, receivedBefore: number): Promise<number> {
  let changed = 0;
  for (;;) {
    const done = await storage.transaction(async (tx) => {
      const due = await tx.findPendingReceivedBefore(receivedBefore, BATCH);
      const users = [...new Map(due.map((f) => [`${f.projectId}\u0000${f.endUser}`, f])).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      for (const [, f] of users) await tx.lockEndUser(f.projectId, f.endUser);
      // Read again under the locks: what a concurrent link took is no longer pending.
      const locked = due.length === 0 ? [] : await tx.findPendingReceivedBefore(receivedBefore, BATCH);
      const mine = new Set(due.map((f) => f.id));
      const rows = locked.filter((f) => mine.has(f.id));
      const tracker = new RollupTracker(tx);
      const byProject = new Map<string, string[]>();
      for (const f of rows) {
        tracker.feedbackOrphaned(f);
        byProject.set(f.projectId, [...(byProject.get(f.projectId) ?? []), f.id]);
      }
      for (const [projectId, ids] of byProject) await tx.markFeedbackOrphaned(projectId, ids);
      await tracker.flush();
      return { count: rows.length, more: due.length === BATCH };
    });
    changed += done.count;
    if (!done.more) break;
  }
  return changed + (await storage.transaction((tx) => tx.orphanTagUpdates(receivedBefore)));
}
