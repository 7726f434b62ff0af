// Keeps rollups exact inside a write transaction. Every path that changes what an interaction's
// feedback counts for (a new feedback, a re-link, pending becoming linked, orphaning, tags merged
// later) tells the tracker before it writes; at the end of the transaction the tracker compares,
// for each interaction it saw, the state before (read once, at first touch) with the state after,
// and adds the difference to the rollup buckets in the same transaction.
import { feedbackEvent, summarize, type FeedbackEvent } from '../core/feedback-summary.js';
import type { FeedbackRecord, InteractionRecord } from '../core/model.js';
import { RollupDeltas, type BucketKey, type InteractionDimensions, type InteractionRollupState } from '../core/rollups.js';
import type { LinkUpdate, StorageTransaction } from '../storage/port.js';

interface TrackedInteraction {
  projectId: string;
  timeEnd: number;
  /** Stored before this transaction, as it was then; null for an interaction created in it. */
  before: InteractionRollupState | null;
  /** Its linked feedback events before this transaction. */
  events: FeedbackEvent[];
  /** Changes to its feedback in this transaction: an event linked to it, or null for one that left it. */
  changes: Map<string, FeedbackEvent | null>;
  /** Its dimensions after this transaction (tags may have been merged). */
  dimensions: InteractionDimensions;
  /** Deleted in this transaction (erasure, retention): it contributes nothing afterwards. */
  removed?: boolean;
}

const keyOf = (projectId: string, id: string) => `${projectId}\u0000${id}`;

export class RollupTracker {
  private readonly tracked = new Map<string, TrackedInteraction | null>();
  private readonly deltas = new RollupDeltas();

  constructor(private readonly tx: StorageTransaction) {}

  /** A new interaction, inserted in this transaction (before its feedback actions). */
  interactionCreated(r: InteractionRecord): void {
    this.tracked.set(keyOf(r.projectId, r.id), {
      projectId: r.projectId, timeEnd: r.timeEnd, before: null, events: [], changes: new Map(),
      dimensions: { model: r.model, featureFlags: r.featureFlags, tags: { ...r.tags } },
    });
  }

  /** A feedback about to be stored (linked, or pending). */
  async feedbackStored(f: FeedbackRecord): Promise<void> {
    if (f.status === 'linked' && f.interactionId !== null) {
      const t = await this.touch(f.projectId, f.interactionId);
      if (t) t.changes.set(f.id, feedbackEvent(f));
    } else {
      this.deltas.addUnlinked(f.projectId, f.timestamp, f.status, 1);
    }
  }

  /** A stored feedback about to be linked (again): `before` as stored now, `update` what it becomes. */
  async feedbackRelinked(before: FeedbackRecord, update: LinkUpdate): Promise<void> {
    await this.feedbackRemoved(before);
    await this.feedbackStored({ ...before, ...update });
  }

  /** A stored pending feedback about to be marked orphaned. */
  feedbackOrphaned(f: FeedbackRecord): void {
    this.deltas.addUnlinked(f.projectId, f.timestamp, 'pending', -1);
    this.deltas.addUnlinked(f.projectId, f.timestamp, 'orphaned', 1);
  }

  /** A stored feedback about to leave where it counts (its interaction, or the unlinked counts). */
  async feedbackRemoved(f: FeedbackRecord): Promise<void> {
    if (f.status === 'linked' && f.interactionId !== null) {
      const t = await this.touch(f.projectId, f.interactionId);
      if (t) t.changes.set(f.id, null);
    } else {
      this.deltas.addUnlinked(f.projectId, f.timestamp, f.status, -1);
    }
  }

  /** Tags about to be merged into an interaction's tags (call before writing them). */
  async tagsMerged(projectId: string, interactionId: string, tags: Record<string, string>): Promise<void> {
    const t = await this.touch(projectId, interactionId);
    if (t) t.dimensions = { ...t.dimensions, tags: { ...t.dimensions.tags, ...tags } };
  }

  /**
   * Interactions about to be deleted: their whole contribution (as stored before this transaction)
   * leaves the rollups. Reads their state in two queries, whatever their number.
   */
  async interactionsRemoved(projectId: string, ids: string[]): Promise<void> {
    await this.prefetch(projectId, ids);
    for (const id of ids) {
      const t = this.tracked.get(keyOf(projectId, id));
      if (t) t.removed = true;
    }
  }

  /**
   * Reads the state of many interactions at once (before anything changes them), so that later calls
   * about them find them tracked: what erasure and retention use instead of one read per interaction.
   */
  async prefetch(projectId: string, ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.tracked.has(keyOf(projectId, id)));
    for (let k = 0; k < missing.length; k += 1000) {
      const chunk = missing.slice(k, k + 1000);
      // Issued together: one round trip where storage answers concurrent reads together (PostgreSQL).
      const [dimensions, events] = await Promise.all([this.tx.findInteractionDimensions(projectId, chunk), this.tx.findLinkedFeedbackEvents(projectId, chunk)]);
      for (const id of chunk) {
        const d = dimensions.get(id);
        if (!d) {
          this.tracked.set(keyOf(projectId, id), null);
          continue;
        }
        const own = events.get(id) ?? [];
        const state = { model: d.model, featureFlags: d.featureFlags, tags: d.tags };
        this.tracked.set(keyOf(projectId, id), {
          projectId, timeEnd: d.timeEnd, events: own, changes: new Map(), dimensions: state,
          before: { projectId, timeEnd: d.timeEnd, ...state, summary: summarize(own) },
        });
      }
    }
  }

  /** Reads an interaction's state the first time this transaction touches it, before anything changes it. */
  private async touch(projectId: string, id: string): Promise<TrackedInteraction | null> {
    const key = keyOf(projectId, id);
    if (this.tracked.has(key)) return this.tracked.get(key)!;
    const dimensions = (await this.tx.findInteractionDimensions(projectId, [id])).get(id);
    if (!dimensions) {
      this.tracked.set(key, null);
      return null;
    }
    const events = (await this.tx.findLinkedFeedbackEvents(projectId, [id])).get(id) ?? [];
    const state = { model: dimensions.model, featureFlags: dimensions.featureFlags, tags: dimensions.tags };
    const t: TrackedInteraction = {
      projectId, timeEnd: dimensions.timeEnd, events, changes: new Map(), dimensions: state,
      before: { projectId, timeEnd: dimensions.timeEnd, ...state, summary: summarize(events) },
    };
    this.tracked.set(key, t);
    return t;
  }

  /**
   * Writes the difference between before and after into the rollups (once, at the end of the
   * transaction); returns the buckets it changed.
   */
  async flush(): Promise<BucketKey[]> {
    for (const t of this.tracked.values()) {
      if (t === null) continue;
      if (t.removed) {
        if (t.before) this.deltas.addInteraction(t.before, -1);
        continue;
      }
      const events = t.events.filter((e) => !t.changes.has(e.id));
      for (const e of t.changes.values()) if (e !== null) events.push(e);
      if (t.before) this.deltas.addInteraction(t.before, -1);
      this.deltas.addInteraction({ projectId: t.projectId, timeEnd: t.timeEnd, ...t.dimensions, summary: summarize(events) }, 1);
    }
    const rows = this.deltas.rows();
    if (rows.length > 0) await this.tx.addToRollups(rows);
    return rows.map((r) => r.key);
  }
}
