// The storage port: everything the application needs from a database, and nothing about which one.
// Two adapters implement it (sqlite/, postgres/) and pass the same contract suite (test/storage/).
import type { ConversationNeighbours } from '../core/conversations.js';
import type { FeedbackEvent } from '../core/feedback-summary.js';
import type { LinkCandidateQuery, LinkCandidates, TagCandidates } from '../core/linking.js';
import { FeedloopError } from '../core/errors.js';
import type { FeedbackRecord, FeedbackSlug, FeedbackStatus, InteractionRecord, LinkFlag, LinkRule, TagUpdateRecord } from '../core/model.js';
import type { FeedbackFilter, InteractionFilter, Order } from '../core/queries.js';
import type { BucketKey, Counters, Dimension, InteractionDimensions } from '../core/rollups.js';
import type { Rebucket } from './sql/read-sql.js';

export type ApiKeyKind = 'secret' | 'publishable';

export interface ProjectRecord { id: string; name: string; createdAt: number }

export interface ApiKeyRecord {
  id: string;
  projectId: string;
  kind: ApiKeyKind;
  name: string | null;
  /** SHA-256 of the key: keys are random and long, so a fast hash is enough and lookups stay cheap. */
  keyHash: string;
  /** The first characters of the key, to recognise it in listings. */
  keyPrefix: string;
  /** Exact origins a publishable key may be used from; `*` only when it was asked for explicitly. */
  origins: string[];
  /** A publishable key that refuses feedback without a valid feedback token (core/feedback-token.ts). */
  requireToken: boolean;
  createdAt: number;
  revokedAt: number | null;
}

export interface LinkUpdate {
  id: string;
  status: FeedbackStatus;
  link: LinkRule | null;
  interactionId: string | null;
  linkedTimeEnd: number | null;
  flags: LinkFlag[];
}

export interface RevokeOptions { keepLastSecretKey?: boolean }

/** Whether revoking `key` would leave its project without an active secret key (`active`: their ids). */
export function isLastSecretKey(key: ApiKeyRecord, active: string[]): boolean {
  return key.kind === 'secret' && key.revokedAt === null && active.length === 1 && active[0] === key.id;
}

export function lastSecretKeyError(): FeedloopError {
  return new FeedloopError('conflict',
    "This is the project's last active secret key: create another secret key first (or revoke it with the feedloop command line)");
}

/** Capabilities that differ between adapters, stated once instead of `if (sqlite)` around the code. */
export interface StorageCapabilities {
  /** Several server processes may share this database (so per-end-user locks are needed). */
  readonly sharedBetweenProcesses: boolean;
  /**
   * How many write transactions run at once at most (PostgreSQL: its pool's connections). The write
   * queue hands over no more batches than that: requests that arrive meanwhile gather into the next
   * batch instead of queueing for a connection in batches of their own. Absent: no such limit.
   */
  readonly concurrentTransactions?: number;
}

/**
 * What erasure, retention and the import of feedloop's own exports do inside a transaction
 * (src/app/erasure.ts, retention.ts, import-ops.ts): find rows by end user or age, delete them, and
 * look rows up by their global id. Every delete happens after the rollup tracker has read the state
 * it removes.
 */
export interface LifecycleTransaction {
  /** A feedback by its id, in any project (ids are unique across projects). */
  findFeedbackById(id: string): Promise<FeedbackRecord | null>;
  /** A tag update by its id, in any project. */
  findTagUpdateById(id: string): Promise<TagUpdateRecord | null>;
  /** The ids of an end user's interactions. */
  findEndUserInteractionIds(projectId: string, endUser: string): Promise<string[]>;
  /** An end user's feedback, linked or not. */
  findEndUserFeedback(projectId: string, endUser: string): Promise<FeedbackRecord[]>;
  /** The feedback linked to these interactions, whoever gave it. */
  findFeedbackLinkedTo(projectId: string, interactionIds: string[]): Promise<FeedbackRecord[]>;
  /** Interactions whose time_end is before the cut-off (at most `limit`, oldest first). */
  findInteractionsEndedBefore(projectId: string, cutoff: number, limit: number): Promise<{ id: string; endUser: string }[]>;
  /** Pending and orphaned feedback with timestamp before the cut-off (at most `limit`, oldest first). */
  findUnlinkedFeedbackBefore(projectId: string, cutoff: number, limit: number): Promise<FeedbackRecord[]>;
  /** Deletes rows by id; returns how many existed. */
  deleteInteractions(projectId: string, ids: string[]): Promise<number>;
  deleteFeedback(projectId: string, ids: string[]): Promise<number>;
  /** Deletes an end user's tag updates; returns how many. */
  deleteEndUserTagUpdates(projectId: string, endUser: string): Promise<number>;
  /** Deletes tag updates whose timestamp is before the cut-off (at most `limit`); returns how many. */
  deleteTagUpdatesBefore(projectId: string, cutoff: number, limit: number): Promise<number>;
  /**
   * Deletes these rollup buckets where all their counters sum to zero (after rows were deleted):
   * a bucket's value may be a deleted user's tag value, and an empty bucket counts nothing.
   */
  dropEmptyRollups(keys: BucketKey[]): Promise<void>;
}

/**
 * Writes and the reads that decide them, inside one transaction (see Storage.transaction). Calls
 * take effect in the order they are made, whether or not each is awaited before the next: reads
 * made together (without awaiting each other) see the same state and may be answered together
 * (PostgreSQL answers each kind of read made in one burst with one statement), and a write's
 * failure may surface only at a later call or at commit.
 */
export interface StorageTransaction extends LifecycleTransaction {
  /** Serialises linking for one end user across processes (a no-op where one process writes). */
  lockEndUser(projectId: string, endUser: string): Promise<void>;

  findFeedbackByEventId(projectId: string, eventId: string): Promise<FeedbackRecord | null>;
  findInteractionById(projectId: string, id: string): Promise<InteractionRecord | null>;
  findLinkCandidates(query: LinkCandidateQuery): Promise<LinkCandidates>;
  findTagCandidates(projectId: string, endUser: string, timestamp: number, skewMs: number,
    inputHash: string | null, outputHash: string | null): Promise<TagCandidates>;
  findConversationNeighbours(projectId: string, endUser: string, timeStart: number): Promise<ConversationNeighbours>;

  /** Feedback that a new interaction of this end user (or with this id) may link or re-link. */
  findRelinkableFeedback(projectId: string, endUser: string, interactionId: string, timeEnd: number,
    window: { before: number; after: number }): Promise<FeedbackRecord[]>;
  findUnlinkedTagUpdates(projectId: string, endUser: string): Promise<TagUpdateRecord[]>;
  /** Feedback naming this OpenTelemetry trace that an interaction of it may link: unlinked, or linked by trace id alone. */
  findTraceFeedback(projectId: string, traceId: string): Promise<FeedbackRecord[]>;

  insertInteractions(rows: InteractionRecord[]): Promise<void>;
  insertFeedback(rows: FeedbackRecord[]): Promise<void>;
  updateFeedbackLinks(projectId: string, updates: LinkUpdate[]): Promise<void>;
  insertTagUpdate(row: TagUpdateRecord): Promise<void>;
  markTagUpdateLinked(projectId: string, id: string, interactionId: string): Promise<void>;
  /** Merges tags into an interaction's tags (later values win). */
  addInteractionTags(projectId: string, interactionId: string, tags: Record<string, string>): Promise<void>;

  // ---- what rollup maintenance reads and writes (src/app/rollup-tracker.ts) ----
  /** The fields that decide an interaction's rollup buckets, for each id that exists. */
  findInteractionDimensions(projectId: string, ids: string[]): Promise<Map<string, InteractionDimensions & { timeEnd: number }>>;
  /** The linked feedback of these interactions, as events (the columns feedback summaries read). */
  findLinkedFeedbackEvents(projectId: string, interactionIds: string[]): Promise<Map<string, FeedbackEvent[]>>;
  /** Adds deltas to rollup buckets (rows sorted by bucket, each bucket once). */
  addToRollups(deltas: { key: BucketKey; counters: Counters }[]): Promise<void>;
  /** Pending feedback received before the cut-off (at most `limit`, oldest first): the orphaning sweep. */
  findPendingReceivedBefore(receivedBefore: number, limit: number): Promise<FeedbackRecord[]>;
  /** Marks feedback orphaned (it stays stored, listed and counted). */
  markFeedbackOrphaned(projectId: string, ids: string[]): Promise<void>;
  /** Pending tag updates received before the cut-off become orphaned; returns how many. */
  orphanTagUpdates(receivedBefore: number): Promise<number>;
}

/** A bucket of rollups as stored: its dimension value and hour, and its counters. */
export interface RollupRow { value: string; hour: number; counters: Counters }

/** Which buckets to read: one dimension (optionally one value), hours in [fromHour, toHour). */
export interface RollupQuery { dimension: Dimension; value: string | null; fromHour: number; toHour: number }

/** Keyset position in a list ordered by (time, id). */
export interface Cursor { time: number; id: string }

export interface PageQuery { after: Cursor | null; limit: number; order: Order }

/** Where a scan of interactions with feedback is positioned: interactions ordered by (time_end, id). */
export interface ReactedCandidate { interactionId: string; timeEnd: number }

/** A rollup bucket keyed fully, for dumps and recomputation. */
export interface RollupBucket extends BucketKey { counters: Counters }

/** What a user page shows about one end user. */
export interface EndUserOverview {
  interactions: number;
  feedback: number;
  conversations: number;
  firstSeen: number;
  lastSeen: number;
}

export interface ConversationSummary { id: string; timeStart: number; timeEnd: number; interactions: number }

/** The fields of a feedback's interaction that exports show beside it. */
export type LinkedInteraction = Pick<InteractionRecord, 'id' | 'conversationId' | 'endUser' | 'input' | 'output' | 'model' | 'featureFlags' | 'tags' | 'timeStart' | 'timeEnd'>;

export interface FeedbackWithInteraction { feedback: FeedbackRecord; interaction: LinkedInteraction | null }

/**
 * The read side: lists with keyset pagination, the reads behind statistics, and the recomputation
 * of rollups from the raw rows. Every method is scoped to one project.
 */
export interface StorageReader {
  getFeedback(projectId: string, id: string): Promise<FeedbackRecord | null>;
  getInteraction(projectId: string, id: string): Promise<InteractionRecord | null>;
  listFeedbackForInteraction(projectId: string, interactionId: string): Promise<FeedbackRecord[]>;

  /**
   * Feedback matching `filter`, ordered by (timestamp, id), after the cursor. `pendingCutoff`: pending
   * feedback received before it reads as orphaned (the periodic sweep may not have marked it yet).
   */
  listFeedback(projectId: string, filter: FeedbackFilter, page: PageQuery, pendingCutoff: number): Promise<FeedbackRecord[]>;
  /** listFeedback, each feedback with the fields of the interaction it is linked to (one query: what exports stream). */
  listFeedbackWithInteractions(projectId: string, filter: FeedbackFilter, page: PageQuery, pendingCutoff: number): Promise<FeedbackWithInteraction[]>;
  /** Interactions matching `filter`, ordered by (time_end, id), after the cursor; `withoutFeedback`: only those with no linked feedback. */
  listInteractions(projectId: string, filter: InteractionFilter, page: PageQuery, options?: { withoutFeedback?: boolean }): Promise<InteractionRecord[]>;
  /** Interactions by id that match `filter` (order not kept). */
  findInteractions(projectId: string, ids: string[], filter: InteractionFilter): Promise<InteractionRecord[]>;
  /**
   * Interactions that have linked feedback (of `slug`, when given), as (time_end, id) positions in
   * order after the cursor, each once; `from`/`to` bound time_end. Backed by an index on linked feedback.
   */
  listReactedInteractions(projectId: string, slug: FeedbackSlug | null, range: { from: number | null; to: number | null }, page: PageQuery): Promise<ReactedCandidate[]>;
  /** The linked feedback of these interactions, oldest first per interaction. */
  listFeedbackOfInteractions(projectId: string, interactionIds: string[]): Promise<Map<string, FeedbackRecord[]>>;
  /** The same as events (the few columns a feedback summary reads): to filter by feedback state before reading whole rows. */
  listFeedbackEventsOfInteractions(projectId: string, interactionIds: string[]): Promise<Map<string, FeedbackEvent[]>>;
  /** A conversation's interactions ordered by (time_start, id), after the cursor. */
  listConversation(projectId: string, conversationId: string, page: PageQuery): Promise<InteractionRecord[]>;
  endUserOverview(projectId: string, endUser: string): Promise<EndUserOverview | null>;
  /** An end user's latest conversations (by their last interaction's time_end). */
  listEndUserConversations(projectId: string, endUser: string, limit: number): Promise<ConversationSummary[]>;
  /**
   * Conversations with at least one interaction matching `filter`, ordered by id ascending, after
   * the id `after` (the export of conversations walks them this way); counts and times are of the
   * matching interactions.
   */
  listConversations(projectId: string, filter: InteractionFilter, page: { after: string | null; limit: number }): Promise<ConversationSummary[]>;

  /** Rollup buckets of one dimension, by (value, hour); with `rebucket`, summed into longer buckets (`hour` is then the bucket's start). */
  readRollups(projectId: string, query: RollupQuery, rebucket?: Rebucket): Promise<RollupRow[]>;
  /** Rollup buckets of one dimension summed per value over the hours (grouped by the database). */
  readRollupTotals(projectId: string, query: RollupQuery): Promise<{ value: string; counters: Counters }[]>;
  /** Pending and orphaned feedback with timestamp in [from, to), per hour of its timestamp (the same counts rollups keep). */
  countUnlinkedFeedback(projectId: string, range: { from: number; to: number }, filter: { endUser: string | null; conversationId: string | null }): Promise<RollupRow[]>;
  /** Every maintained rollup bucket of the project (tests, `rollups rebuild --check`). */
  dumpRollups(projectId: string): Promise<RollupBucket[]>;
  /**
   * Rollup buckets recomputed from the raw rows by the database alone (current state by window
   * functions), without touching the maintained rollups: what rebuild writes, and the naive answer
   * the benchmark times. Optionally restricted to one dimension (and value) and interactions or
   * unlinked feedback with times in [from, to).
   */
  recomputeRollups(projectId: string, restrict?: { dimension: Dimension; value: string | null; from: number; to: number }): Promise<RollupBucket[]>;
  /** Replaces the maintained rollups of a project (or all projects) by their recomputation, in one transaction. */
  rebuildRollups(projectId: string | null): Promise<{ buckets: number }>;
}

export interface Storage extends StorageReader {
  readonly capabilities: StorageCapabilities;
  /** Creates or upgrades the schema; safe when several processes start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `work` in one transaction: its writes are committed (and durable) together or not at all.
   * Where `work` throws, nothing it wrote remains.
   */
  transaction<T>(work: (tx: StorageTransaction) => Promise<T>): Promise<T>;

  /**
   * Makes deleted content unrecoverable from the database's own files where the engine allows it,
   * after an erasure: SQLite zeroes deleted content as it deletes (secure_delete), and this empties
   * the WAL, whose older frames still hold it; PostgreSQL leaves that to VACUUM (docs/data.md).
   */
  purgeDeletedContent(): Promise<void>;

  /** A value generated once per installation and shared by every process (the content-hash secret). */
  installationSecret(): Promise<string>;

  createProject(name: string): Promise<ProjectRecord>;
  findProjectByName(name: string): Promise<ProjectRecord | null>;
  createApiKey(row: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(projectId: string | null): Promise<ApiKeyRecord[]>;
  /**
   * Revokes a key by id or key prefix; null when no such key exists (in that project, if given).
   * With `keepLastSecretKey`, refuses (throws lastSecretKeyError) to revoke the project's last
   * active secret key, atomically with other revocations.
   */
  revokeApiKey(idOrPrefix: string, projectId: string | null, at: number, options?: RevokeOptions): Promise<ApiKeyRecord | null>;

  /** Every project (the sweep and rebuild go through them). */
  listProjects(): Promise<ProjectRecord[]>;

  // Dashboard sign-in sessions (src/app/sessions.ts).
  findProjectById(id: string): Promise<ProjectRecord | null>;
  createSession(row: SessionRecord): Promise<void>;
  /** The session with this token hash, and whether the key it was opened with has been revoked since. */
  findSession(tokenHash: string): Promise<{ session: SessionRecord; keyRevoked: boolean } | null>;
  /** Ends a session (sign-out); a session revoked twice keeps its first revocation time. */
  revokeSession(id: string, at: number): Promise<void>;
  /** Forgets sessions that expired before `at`; returns how many. */
  deleteSessionsExpiredBefore(at: number): Promise<number>;
  /**
   * Readiness: resolves when the database answers a read (and, with `write`, commits a durable
   * write of one settings row); rejects with the driver's error otherwise.
   */
  probe(write: boolean): Promise<void>;
  /** Feedback not linked (pending, orphaned) over all projects, for metrics. */
  unlinkedFeedbackTotals(): Promise<{ pending: number; orphaned: number }>;
}

/**
 * A dashboard sign-in. The browser holds a random token in a cookie; only its SHA-256 is stored,
 * so the table alone opens no session.
 */
export interface SessionRecord {
  id: string;
  tokenHash: string;
  projectId: string;
  /** The secret key the session was opened with; null when opened with the admin password. */
  keyId: string | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

