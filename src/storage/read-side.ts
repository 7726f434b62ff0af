// The read side of an adapter is an object of its own (sqlite/sqlite-reads.ts, postgres/postgres-reads.ts);
// this base class hands the port's read methods to it, written once for both adapters.
import type { StorageReader } from './port.js';

/** What an adapter's read-side object implements (single-record reads and rebuild stay with the adapter). */
export type ReadSide = Omit<StorageReader, 'getFeedback' | 'getInteraction' | 'listFeedbackForInteraction' | 'rebuildRollups'>;

type Args<K extends keyof ReadSide> = Parameters<ReadSide[K]>;

export abstract class DelegatingReads implements ReadSide {
  protected abstract readonly reads: ReadSide;

  listFeedback(...a: Args<'listFeedback'>) { return this.reads.listFeedback(...a); }
  listFeedbackWithInteractions(...a: Args<'listFeedbackWithInteractions'>) { return this.reads.listFeedbackWithInteractions(...a); }
  listInteractions(...a: Args<'listInteractions'>) { return this.reads.listInteractions(...a); }
  findInteractions(...a: Args<'findInteractions'>) { return this.reads.findInteractions(...a); }
  listReactedInteractions(...a: Args<'listReactedInteractions'>) { return this.reads.listReactedInteractions(...a); }
  listFeedbackOfInteractions(...a: Args<'listFeedbackOfInteractions'>) { return this.reads.listFeedbackOfInteractions(...a); }
  listFeedbackEventsOfInteractions(...a: Args<'listFeedbackEventsOfInteractions'>) { return this.reads.listFeedbackEventsOfInteractions(...a); }
  listConversation(...a: Args<'listConversation'>) { return this.reads.listConversation(...a); }
  endUserOverview(...a: Args<'endUserOverview'>) { return this.reads.endUserOverview(...a); }
  listEndUserConversations(...a: Args<'listEndUserConversations'>) { return this.reads.listEndUserConversations(...a); }
  listConversations(...a: Args<'listConversations'>) { return this.reads.listConversations(...a); }
  readRollups(...a: Args<'readRollups'>) { return this.reads.readRollups(...a); }
  readRollupTotals(...a: Args<'readRollupTotals'>) { return this.reads.readRollupTotals(...a); }
  countUnlinkedFeedback(...a: Args<'countUnlinkedFeedback'>) { return this.reads.countUnlinkedFeedback(...a); }
  dumpRollups(...a: Args<'dumpRollups'>) { return this.reads.dumpRollups(...a); }
  recomputeRollups(...a: Args<'recomputeRollups'>) { return this.reads.recomputeRollups(...a); }
}
