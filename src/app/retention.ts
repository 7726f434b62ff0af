// Retention (FEEDLOOP_RETENTION): what is older than the retention period is deleted in the
// background, in small transactions with pauses between them sized to hold the writer for at most
// a tenth of the time, so ingestion never waits long.
// An interaction expires when its time_end is before the cut-off, with every feedback linked to
// it; pending and orphaned feedback by its own timestamp; tag updates by theirs. Rollups stay exact:
// the tracker removes each expired row's contribution in the same transaction, so statistics cover
// exactly the rows that are kept and `rollups rebuild --check` keeps its meaning (docs/data.md).
import type { Storage, StorageTransaction } from '../storage/port.js';
import { RollupTracker } from './rollup-tracker.js';

export interface RetentionResult { interactions: number; feedback: number; tag_updates: number }

export interface RetentionOptions {
  /** Rows per transaction (default 100). */
  batch?: number;
  /** The least pause between two transactions (default 10 ms). */
  pauseMs?: number;
  /**
   * The share of time retention may hold the writer (default 0.1): after a transaction that took
   * d ms it pauses d × (1 / share − 1), so that ingestion gets the rest whatever the machine's speed
   * (deleted rows cost more writing than their transaction: index pages, zeroed space, checkpoints).
   */
  share?: number;
  /** Stops between two transactions (server shutdown). */
  signal?: AbortSignal;
  /** Only these projects (default: every project). */
  projectIds?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lockUsers(tx: StorageTransaction, projectId: string, users: Iterable<string>): Promise<void> {
  for (const user of [...new Set(users)].sort()) await tx.lockEndUser(projectId, user);
}

/** Deletes, in every project, what is older than `cutoff`; returns what it deleted. */
export async function applyRetention(storage: Storage, cutoff: number, options: RetentionOptions = {}): Promise<RetentionResult> {
  const batch = options.batch ?? 100;
  const share = Math.min(1, Math.max(0.01, options.share ?? 0.1));
  /** Runs one transaction, then pauses for the writer's other users. */
  const step = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    await sleep(Math.max(options.pauseMs ?? 10, (performance.now() - started) * (1 / share - 1)));
    return result;
  };
  const total: RetentionResult = { interactions: 0, feedback: 0, tag_updates: 0 };
  const stopped = () => options.signal?.aborted === true;
  for (const p of options.projectIds ?? (await storage.listProjects()).map((project) => project.id)) {
    // Interactions, each with the feedback linked to it.
    for (let more = true; more && !stopped();) {
      more = await step(() => storage.transaction(async (tx) => {
        const due = await tx.findInteractionsEndedBefore(p, cutoff, batch);
        if (due.length === 0) return false;
        const ids = due.map((i) => i.id);
        await lockUsers(tx, p, due.map((i) => i.endUser));
        // Read under the locks of every end user whose feedback goes: a concurrent re-link then
        // either happened before (and is seen here) or waits for this transaction.
        const first = await tx.findFeedbackLinkedTo(p, ids);
        await lockUsers(tx, p, first.map((f) => f.endUser));
        const linked = await tx.findFeedbackLinkedTo(p, ids);
        const rollups = new RollupTracker(tx);
        await rollups.interactionsRemoved(p, ids);
        total.feedback += await tx.deleteFeedback(p, linked.map((f) => f.id));
        total.interactions += await tx.deleteInteractions(p, ids);
        await tx.dropEmptyRollups(await rollups.flush());
        return due.length === batch;
      }));
    }
    // Feedback that never linked (pending, orphaned), by its own timestamp.
    for (let more = true; more && !stopped();) {
      more = await step(() => storage.transaction(async (tx) => {
        const due = await tx.findUnlinkedFeedbackBefore(p, cutoff, batch);
        if (due.length === 0) return false;
        await lockUsers(tx, p, due.map((f) => f.endUser));
        // Read again under the locks: what a concurrent link took is no longer unlinked.
        const mine = new Set(due.map((f) => f.id));
        const rows = (await tx.findUnlinkedFeedbackBefore(p, cutoff, batch)).filter((f) => mine.has(f.id));
        const rollups = new RollupTracker(tx);
        for (const f of rows) await rollups.feedbackRemoved(f);
        total.feedback += await tx.deleteFeedback(p, rows.map((f) => f.id));
        await tx.dropEmptyRollups(await rollups.flush());
        return due.length === batch;
      }));
    }
    for (let more = true; more && !stopped();) {
      const deleted = await step(() => storage.transaction((tx) => tx.deleteTagUpdatesBefore(p, cutoff, batch)));
      total.tag_updates += deleted;
      more = deleted === batch;
    }
  }
  return total;
}

/**
 * Runs retention in the background: a first pass soon after start, then one every `everyMs`
 * (default a minute; each pass goes on until nothing is left, in batches). `stop` ends it between
 * two transactions.
 */
export function scheduleRetention(storage: Storage, retentionMs: number, onError: (error: unknown) => void,
  options: RetentionOptions & { everyMs?: number; onPass?: (result: RetentionResult) => void } = {}): { stop(): Promise<void> } {
  const controller = new AbortController();
  let running: Promise<void> | null = null;
  const pass = () => {
    if (running || controller.signal.aborted) return;
    running = applyRetention(storage, Date.now() - retentionMs, { ...options, signal: controller.signal })
      .then((result) => options.onPass?.(result), onError)
      .finally(() => { running = null; });
  };
  const first = setTimeout(pass, 1000);
  const timer = setInterval(pass, options.everyMs ?? 60_000);
  first.unref();
  timer.unref();
  return {
    async stop() {
      controller.abort();
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
