// The storage port: everything the application needs from a database, and nothing about which one.
// Two adapters implement it (sqlite/, postgres/) and pass the same contract suite (test/storage/).
import type { ConversationNeighbours } from '../core/conversations.js';
import type { LinkCandidateQuery, LinkCandidates, TagCandidates } from '../core/linking.js';
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
  /** Revokes a key by id or key prefix; false when no such key exists (in that project, if given). */
  revokeApiKey(idOrPrefix: string, projectId: string | null, at: number): Promise<ApiKeyRecord | null>;

  getFeedback(projectId: string, id: string): Promise<FeedbackRecord | null>;
  getInteraction(projectId: string, id: string): Promise<InteractionRecord | null>;
  listFeedbackForInteraction(projectId: string, interactionId: string): Promise<FeedbackRecord[]>;
  /** Pending feedback and tag updates received before `receivedBefore` become orphaned. */
  orphanPending(receivedBefore: number): Promise<number>;

  // Dashboard sign-in sessions (src/app/sessions.ts).
  findProjectById(id: string): Promise<ProjectRecord | null>;
  createSession(row: SessionRecord): Promise<void>;
  /** The session with this token hash, and whether the key it was opened with has been revoked since. */
  findSession(tokenHash: string): Promise<{ session: SessionRecord; keyRevoked: boolean } | null>;
  /** Ends a session (sign-out); a session revoked twice keeps its first revocation time. */
  revokeSession(id: string, at: number): Promise<void>;
  /** Forgets sessions that expired before `at`; returns how many. */
  deleteSessionsExpiredBefore(at: number): Promise<number>;
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

