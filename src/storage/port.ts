// The storage port: everything the application needs from a database, and nothing about which one.
// Two adapters implement it (sqlite/, postgres/) and pass the same contract suite (test/storage/).
import type { ConversationNeighbours } from '../core/conversations.js';
import type { LinkCandidateQuery, LinkCandidates, TagCandidates } from '../core/linking.js';
import { FeedloopError } from '../core/errors.js';
import type { FeedbackRecord, FeedbackStatus, InteractionRecord, LinkFlag, LinkRule, TagUpdateRecord } from '../core/model.js';

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
  origins: string[];
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
}

/** Writes and the reads that decide them, inside one transaction (see Storage.transaction). */
export interface StorageTransaction {
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

  insertInteractions(rows: InteractionRecord[]): Promise<void>;
  insertFeedback(rows: FeedbackRecord[]): Promise<void>;
  updateFeedbackLinks(projectId: string, updates: LinkUpdate[]): Promise<void>;
  insertTagUpdate(row: TagUpdateRecord): Promise<void>;
  markTagUpdateLinked(projectId: string, id: string, interactionId: string): Promise<void>;
  /** Merges tags into an interaction's tags (later values win). */
  addInteractionTags(projectId: string, interactionId: string, tags: Record<string, string>): Promise<void>;
}

export interface Storage {
  readonly capabilities: StorageCapabilities;
  /** Creates or upgrades the schema; safe when several processes start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `work` in one transaction: its writes are committed (and durable) together or not at all.
   * Where `work` throws, nothing it wrote remains.
   */
  transaction<T>(work: (tx: StorageTransaction) => Promise<T>): Promise<T>;

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

  getFeedback(projectId: string, id: string): Promise<FeedbackRecord | null>;
  getInteraction(projectId: string, id: string): Promise<InteractionRecord | null>;
  listFeedbackForInteraction(projectId: string, interactionId: string): Promise<FeedbackRecord[]>;
  /** Pending feedback and tag updates received before `receivedBefore` become orphaned. */
  orphanPending(receivedBefore: number): Promise<number>;

  /**
   * Readiness: resolves when the database answers a read (and, with `write`, commits a durable
   * write of one settings row); rejects with the driver's error otherwise.
   */
  probe(write: boolean): Promise<void>;
  /** Feedback not linked (pending, orphaned) over all projects, for metrics. */
  countUnlinkedFeedback(): Promise<{ pending: number; orphaned: number }>;
}
