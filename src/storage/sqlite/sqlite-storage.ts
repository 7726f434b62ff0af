// The embedded storage adapter: one SQLite file (better-sqlite3) in WAL mode. A write is reported
// done only once the WAL holding it is synced to disk (wal-sync.ts), so it survives a process
// crash or a power cut. One connection writes, a second one reads, so reads never see a
// transaction that is still open.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConversationNeighbours } from '../../core/conversations.js';
import type { FeedbackEvent } from '../../core/feedback-summary.js';
import { newId } from '../../core/ids.js';
import type { LinkCandidateQuery, LinkCandidates, TagCandidates } from '../../core/linking.js';
import type { FeedbackRecord, FeedbackSlug, InteractionRecord, InteractionSummary, TagUpdateRecord } from '../../core/model.js';
import { noInteractionFilter, type FeedbackFilter, type InteractionFilter } from '../../core/queries.js';
import { COUNTERS, type Dimension, type InteractionDimensions } from '../../core/rollups.js';
import {
  isLastSecretKey, lastSecretKeyError,
  type ApiKeyRecord, type ConversationSummary, type EndUserOverview, type LinkUpdate, type PageQuery, type ProjectRecord, type ReactedCandidate,
  type RevokeOptions, type RollupBucket, type RollupQuery, type RollupRow, type SessionRecord, type Storage, type StorageCapabilities, type StorageTransaction,
} from '../port.js';
import { feedbackEventFromRow } from '../read-rows.js';
import { DelegatingReads } from '../read-side.js';
import { DIMENSION_COLUMNS, FEEDBACK_EVENT_COLUMNS, feedbackOfInteractionsQuery, findInteractionsQuery } from '../sql/read-sql.js';
import { summaryFromRow, summaryWithTextFromRow, SUMMARY_COLUMNS, SUMMARY_WITH_TEXT_COLUMNS } from '../summary.js';
import { sqliteLifecycle } from './sqlite-lifecycle.js';
import { probePayload } from '../probe.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { bindings, SQLITE_DIALECT, SqliteReads } from './sqlite-reads.js';
import { WalSync } from './wal-sync.js';
import { apiKeyFromRow, sessionFromRow, FEEDBACK_COLUMNS, feedbackFromRow, feedbackValues, INTERACTION_COLUMNS, interactionFromRow, interactionValues, tagUpdateFromRow, type Row } from './rows.js';

/**
 * How long a write transaction waits by default for SQLite's write lock held by another process
 * (the command line, a backup) before failing with SQLITE_BUSY (a 503). It waits on timers, not in
 * SQLite's busy handler, which would sleep on the event loop and stall every other request meanwhile.
 */
const BUSY_WAIT_MS = 5000;

/** How many unlinked feedback of one end user are re-examined when one of their interactions arrives. */
const RELINK_LIMIT = 1000;

const insertInto = (table: string, columns: readonly string[]) =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
const INSERT_INTERACTION = insertInto('interactions', INTERACTION_COLUMNS);
const INSERT_FEEDBACK = insertInto('feedback', FEEDBACK_COLUMNS);
const ADD_TO_ROLLUP = `INSERT INTO rollups (project_id, dimension, value, hour, ${COUNTERS.join(', ')})
  VALUES (${['?', '?', '?', '?', ...COUNTERS.map(() => '?')].join(', ')})
  ON CONFLICT (project_id, dimension, value, hour) DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
/** How often the planner's statistics are refreshed (they change slowly; each refresh samples, so it is cheap). */
const OPTIMIZE_EVERY_MS = 3_600_000;
/** Settings key recording that rollups were built from the rows there were when migration 2 ran. */
const ROLLUPS_BUILT = 'rollups_built';

/** The link-candidate lookups, written once: they run for every feedback. */
const byUser = `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = ? AND end_user = ?`;
const byContent = (where: string) => ({
  endedBy: `${byUser} AND ${where} AND time_end <= ? ORDER BY time_end DESC LIMIT 1`,
  earliest: `${byUser} AND ${where} ORDER BY time_end ASC LIMIT 1`,
});
const LINK = {
  byId: `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = ? AND id = ?`,
  byTrace: `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = ? AND trace_id = ? ORDER BY time_end DESC, id DESC LIMIT 1`,
  bySpan: `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = ? AND trace_id = ? AND span_id = ? ORDER BY time_end DESC LIMIT 1`,
  byOutput: byContent('output_hash = ?'),
  byInput: byContent('input_hash = ?'),
  byBoth: byContent('output_hash = ? AND input_hash = ?'),
  recent: `SELECT ${SUMMARY_WITH_TEXT_COLUMNS} FROM interactions WHERE project_id = ? AND end_user = ? AND time_end BETWEEN ? AND ?
    ORDER BY time_end DESC LIMIT ?`,
  timeEndedBy: `${byUser} AND time_end BETWEEN ? AND ? ORDER BY time_end DESC LIMIT 1`,
  timeAfter: `${byUser} AND time_end > ? AND time_end <= ? ORDER BY time_end ASC LIMIT 1`,
};

function dimensionsFromRow(row: Row): InteractionDimensions & { timeEnd: number } {
  return { model: row['model'] as string | null, featureFlags: JSON.parse(row['feature_flags'] as string), tags: JSON.parse(row['tags'] as string), timeEnd: row['time_end'] as number };
}

export interface SqliteStorageOptions {
  /** Path of the database file, or ':memory:' (tests of a single connection only). */
  filename: string;
  /** WAL frames (pages) between checkpoints; the default suits production, tests lower it. */
  checkpointFrames?: number;
  /** Told of a failure that loses nothing but needs an operator's eye (a checkpoint that failed, so the WAL grows). */
  onWarning?: (message: string, error: unknown) => void;
  /** Told how long each fdatasync of the WAL took (metrics). */
  onSync?: (seconds: number) => void;
  /** How long a write waits for another process's write lock (default BUSY_WAIT_MS). */
  lockWaitMs?: number;
}

function open(filename: string, readonly: boolean): Database.Database {
  const db = new Database(filename, { readonly });
  // The writer waits this long only while migrating at start-up (two processes starting at once);
  // readers in WAL mode wait only while another connection recovers or resets the WAL.
  db.pragma(`busy_timeout = ${readonly ? 200 : 5000}`);
  if (!readonly) db.pragma('journal_mode = WAL');
  // Deleted content is overwritten with zeros as it is deleted (erasure, retention, rows rewritten by
  // updates), instead of lingering in free pages and free space of the file.
  if (!readonly) db.pragma('secure_delete = ON');
  db.pragma('foreign_keys = ON');
  return db;
}

export class SqliteStorage extends DelegatingReads implements Storage {
  readonly capabilities: StorageCapabilities = { sharedBetweenProcesses: false };
  private readonly writer: Database.Database;
  private reader: Database.Database | null = null;
  private readonly filename: string;
  private readonly statements = new Map<string, Database.Statement>();
  /** Transactions run one at a time: `work` is async, and the connection must not interleave two. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly tx: StorageTransaction;
  /** Durable commits for a file; null for ':memory:', which has nothing to sync. */
  private readonly wal: WalSync | null;
  private readonly warn: (message: string, error: unknown) => void;
  private readonly lockWaitMs: number;
  protected readonly reads: SqliteReads;
  private optimizeTimer: NodeJS.Timeout | null = null;

  constructor(options: SqliteStorageOptions) {
    super();
    this.filename = options.filename;
    this.lockWaitMs = options.lockWaitMs ?? BUSY_WAIT_MS;
    this.warn = options.onWarning ?? (() => undefined);
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.writer = open(options.filename, false);
    this.wal = options.filename === ':memory:' ? null : new WalSync(this.writer, options.filename, options.checkpointFrames, this.warn, options.onSync);
    this.tx = this.createTransaction();
    this.reads = new SqliteReads((sql) => this.read(sql), this.writer);
  }

  /** Resolves once every write made so far on the write connection is on disk. */
  private durable(): Promise<void> {
    return this.wal ? this.wal.durable() : Promise.resolve();
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.writer.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private readonly readStatements = new Map<string, Database.Statement>();

  /** A statement on the read connection, prepared once (reads and key lookups are on the hot path). */
  private read(sql: string): Database.Statement {
    if (this.filename === ':memory:') return this.prepare(sql);
    let statement = this.readStatements.get(sql);
    if (!statement) {
      statement = (this.reader ??= open(this.filename, true)).prepare(sql);
      this.readStatements.set(sql, statement);
    }
    return statement;
  }

  async migrate(): Promise<void> {
    // BEGIN IMMEDIATE takes the write lock, so two processes starting at once migrate one after the other.
    const migrateAll = this.writer.transaction(() => {
      const version = this.writer.pragma('user_version', { simple: true }) as number;
      for (let v = version; v < SQLITE_MIGRATIONS.length; v++) this.writer.exec(SQLITE_MIGRATIONS[v]!);
      this.writer.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
      const secret = this.writer.prepare("SELECT value FROM settings WHERE key = 'installation_secret'").get();
      if (!secret) {
        this.writer.prepare("INSERT INTO settings (key, value) VALUES ('installation_secret', ?)").run(randomBytes(32).toString('base64url'));
      }
    });
    migrateAll.immediate();
    // Rows stored before rollups existed are counted once, here; from then on every write keeps them.
    if (!this.writer.prepare('SELECT 1 FROM settings WHERE key = ?').get(ROLLUPS_BUILT)) {
      this.reads.rebuildInTransaction(null);
      this.writer.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(ROLLUPS_BUILT, String(Date.now()));
    }
    this.analyze();
    await this.durable();
    if (this.filename !== ':memory:') {
      this.optimizeTimer = setInterval(() => { this.queue = this.queue.then(() => this.analyze()).catch(() => undefined); }, OPTIMIZE_EVERY_MS);
      this.optimizeTimer.unref();
    }
    // From now on the write lock is waited for on timers (begin()); a read waits only briefly.
    this.writer.pragma('busy_timeout = 0');
  }

  /** BEGIN IMMEDIATE, retried on timers while another process holds the write lock. */
  private async begin(): Promise<void> {
    const deadline = Date.now() + this.lockWaitMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        this.writer.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Statistics for the query planner (SQLite's recommended `PRAGMA optimize`, on a sample of each
   * index so it stays quick on large tables): without them it may walk a project-wide index in the
   * order a list wants and filter, where an end user's or a partial index is a thousand times smaller.
   */
  private analyze(): void {
    this.writer.pragma('analysis_limit = 1000');
    this.writer.pragma('optimize = 0x10002');
  }

  async close(): Promise<void> {
    if (this.optimizeTimer) clearInterval(this.optimizeTimer);
    try {
      await this.wal?.idle();
      await this.queue.catch(() => undefined);
      await this.durable();
    } finally {
      // Even when the last sync failed (a disk gone read-only), every file is closed, so that the
      // filesystem can be unmounted and repaired; the error is still reported.
      this.reader?.close();
      try {
        await this.wal?.close();
      } finally {
        this.writer.close();
      }
    }
  }

  transaction<T>(work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      await this.begin();
      try {
        const result = await work(this.tx);
        this.writer.exec('COMMIT');
        if (this.wal?.committed()) this.scheduleCheckpoint();
        return result;
      } catch (error) {
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        throw error;
      }
    };
    // The next transaction may start as soon as this one has committed; this one's caller hears
    // of it only once the commit is on disk.
    const committed = this.queue.then(run, run);
    this.queue = committed.catch(() => undefined);
    return committed.then(async (result) => {
      await this.durable();
      return result;
    });
  }

  /** Starts a checkpoint; its last step waits for its turn among the transactions. */
  private scheduleCheckpoint(): void {
    const betweenTransactions = (step: () => Promise<void>): Promise<void> => {
      const done = this.queue.then(step);
      this.queue = done.catch(() => undefined);
      return done;
    };
    // Nothing is lost when a checkpoint fails (the WAL keeps every commit); it only grows until the next one.
    void this.wal!.checkpoint(betweenTransactions, () => this.pinWal())
      .catch((error: unknown) => this.warn('SQLite checkpoint failed; the WAL file grows until the next one succeeds', error));
  }

  /**
   * Opens a read transaction on the read connection while the WAL still holds frames: until it
   * ends, no connection may restart (overwrite) the WAL. Reads meanwhile see the latest commit,
   * as this process's writes wait for the checkpoint.
   */
  private pinWal(): () => void {
    const reader = (this.reader ??= open(this.filename, true));
    reader.exec('BEGIN');
    this.read("SELECT value FROM settings WHERE key = 'installation_secret'").get();
    return () => reader.exec('COMMIT');
  }

  /**
   * Empties the WAL (a truncating checkpoint, between two transactions): after an erasure its older
   * frames still hold what was deleted, while the database file itself was zeroed (secure_delete).
   */
  async purgeDeletedContent(): Promise<void> {
    if (!this.wal) return;
    const betweenTransactions = (step: () => Promise<void>): Promise<void> => {
      const done = this.queue.then(step);
      this.queue = done.catch(() => undefined);
      return done;
    };
    if (!(await this.wal.truncate(betweenTransactions))) {
      this.warn('the WAL could not be emptied after an erasure (another process kept reading); deleted content stays in it until the next checkpoint', null);
    }
  }

  async installationSecret(): Promise<string> {
    const row = this.read("SELECT value FROM settings WHERE key = 'installation_secret'").get() as Row | undefined;
    if (!row) throw new Error('storage is not migrated');
    return row['value'] as string;
  }

  // Writes outside the write path (projects, keys) run as transactions of their own, so they wait
  // their turn among the group commits and for another process's write lock alike.

  async createProject(name: string): Promise<ProjectRecord> {
    const project = { id: newId(), name, createdAt: Date.now() };
    await this.transaction(async () => {
      this.prepare('INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)').run(project.id, name, project.createdAt);
    });
    return project;
  }

  async findProjectByName(name: string): Promise<ProjectRecord | null> {
    const row = this.prepare('SELECT id, name, created_at FROM projects WHERE name = ?').get(name) as Row | undefined;
    return row ? { id: row['id'] as string, name: row['name'] as string, createdAt: row['created_at'] as number } : null;
  }

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.transaction(async () => {
      this.prepare(`INSERT INTO api_keys (id, project_id, kind, name, key_hash, key_prefix, origins, require_token, created_at, revoked_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(k.id, k.projectId, k.kind, k.name, k.keyHash, k.keyPrefix, JSON.stringify(k.origins), k.requireToken ? 1 : 0, k.createdAt, k.revokedAt);
    });
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = this.read('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash) as Row | undefined;
    return row ? apiKeyFromRow(row) : null;
  }

  async listApiKeys(projectId: string | null): Promise<ApiKeyRecord[]> {
    const rows = projectId === null
      ? this.read('SELECT * FROM api_keys ORDER BY created_at').all()
      : this.read('SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at').all(projectId);
    return (rows as Row[]).map(apiKeyFromRow);
  }

  async revokeApiKey(idOrPrefix: string, projectId: string | null, at: number, options: RevokeOptions = {}): Promise<ApiKeyRecord | null> {
    // One write transaction: the check of the last secret key and the revocation happen together,
    // also against another process (the command line) revoking at the same moment.
    return this.transaction(async (): Promise<ApiKeyRecord | null> => {
      const row = this.prepare(`SELECT * FROM api_keys WHERE (id = ? OR key_prefix = ?) AND (? IS NULL OR project_id = ?) ORDER BY created_at LIMIT 1`)
        .get(idOrPrefix, idOrPrefix, projectId, projectId) as Row | undefined;
      if (!row) return null;
      if (options.keepLastSecretKey) {
        const active = this.prepare("SELECT id FROM api_keys WHERE project_id = ? AND kind = 'secret' AND revoked_at IS NULL").all(row['project_id']) as Row[];
        if (isLastSecretKey(apiKeyFromRow(row), active.map((r) => r['id'] as string))) throw lastSecretKeyError();
      }
      this.prepare('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(at, row['id']);
      return apiKeyFromRow({ ...row, revoked_at: row['revoked_at'] ?? at });
    });
  }

  async getFeedback(projectId: string, id: string): Promise<FeedbackRecord | null> {
    const row = this.read('SELECT * FROM feedback WHERE project_id = ? AND id = ?').get(projectId, id) as Row | undefined;
    return row ? feedbackFromRow(row) : null;
  }

  async getInteraction(projectId: string, id: string): Promise<InteractionRecord | null> {
    const row = this.read('SELECT * FROM interactions WHERE project_id = ? AND id = ?').get(projectId, id) as Row | undefined;
    return row ? interactionFromRow(row) : null;
  }

  async listFeedbackForInteraction(projectId: string, interactionId: string): Promise<FeedbackRecord[]> {
    const rows = this.read('SELECT * FROM feedback WHERE interaction_id = ? AND project_id = ? ORDER BY timestamp, received_at, id')
      .all(interactionId, projectId) as Row[];
    return rows.map(feedbackFromRow);
  }

  async listProjects(): Promise<ProjectRecord[]> {
    const rows = this.read('SELECT id, name, created_at FROM projects ORDER BY created_at, id').all() as Row[];
    return rows.map((r) => ({ id: r['id'] as string, name: r['name'] as string, createdAt: r['created_at'] as number }));
  }


  /** Runs between transactions (it takes the write lock itself), then waits for the commit to be on disk. */
  async rebuildRollups(projectId: string | null): Promise<{ buckets: number }> {
    const done = this.queue.then(() => {
      const result = this.reads.rebuildInTransaction(projectId);
      this.analyze();
      return result;
    });
    this.queue = done.catch(() => undefined);
    const result = await done;
    await this.durable();
    return result;
  }

  async probe(write: boolean): Promise<void> {
    this.read('SELECT 1').get();
    if (write) {
      await this.transaction(async () => {
        this.prepare("INSERT INTO settings (key, value) VALUES ('health_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
          .run(probePayload());
      });
    }
  }

  async unlinkedFeedbackTotals(): Promise<{ pending: number; orphaned: number }> {
    const rows = this.read("SELECT status, count(*) AS n FROM feedback WHERE status <> 'linked' GROUP BY status").all() as Row[];
    const count = (status: string) => Number(rows.find((r) => r['status'] === status)?.['n'] ?? 0);
    return { pending: count('pending'), orphaned: count('orphaned') };
  }

  async findProjectById(id: string): Promise<ProjectRecord | null> {
    const row = this.read('SELECT id, name, created_at FROM projects WHERE id = ?').get(id) as Row | undefined;
    return row ? { id: row['id'] as string, name: row['name'] as string, createdAt: row['created_at'] as number } : null;
  }

  async createSession(r: SessionRecord): Promise<void> {
    await this.transaction(async () => {
      this.prepare(`INSERT INTO sessions (id, token_hash, project_id, key_id, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(r.id, r.tokenHash, r.projectId, r.keyId, r.createdAt, r.expiresAt, r.revokedAt);
    });
  }

  async findSession(tokenHash: string): Promise<{ session: SessionRecord; keyRevoked: boolean } | null> {
    const row = this.read(`SELECT s.*, k.revoked_at AS key_revoked_at FROM sessions s LEFT JOIN api_keys k ON k.id = s.key_id
      WHERE s.token_hash = ?`).get(tokenHash) as Row | undefined;
    return row ? { session: sessionFromRow(row), keyRevoked: row['key_revoked_at'] !== null } : null;
  }

  async revokeSession(id: string, at: number): Promise<void> {
    await this.transaction(async () => {
      this.prepare('UPDATE sessions SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(at, id);
    });
  }

  async deleteSessionsExpiredBefore(at: number): Promise<number> {
    return this.transaction(async () => this.prepare('DELETE FROM sessions WHERE expires_at < ?').run(at).changes);
  }

  private createTransaction(): StorageTransaction {
    const one = (sql: string, ...params: unknown[]) => (this.prepare(sql).get(...params) as Row | undefined) ?? null;
    const summary = (sql: string, ...params: unknown[]): InteractionSummary | null => {
      const row = one(sql, ...params);
      return row ? summaryFromRow(row) : null;
    };
    const insertInteraction = () => this.prepare(INSERT_INTERACTION);
    const insertFeedback = () => this.prepare(INSERT_FEEDBACK);

    return {
      ...sqliteLifecycle((sql) => this.prepare(sql)),
      lockEndUser: async () => undefined,

      findFeedbackByEventId: async (projectId, eventId) => {
        const row = one('SELECT * FROM feedback WHERE project_id = ? AND event_id = ?', projectId, eventId);
        return row ? feedbackFromRow(row) : null;
      },

      findInteractionById: async (projectId, id) => {
        const row = one('SELECT * FROM interactions WHERE project_id = ? AND id = ?', projectId, id);
        return row ? interactionFromRow(row) : null;
      },

      findLinkCandidates: async (q: LinkCandidateQuery): Promise<LinkCandidates> => {
        const c: LinkCandidates = { byId: null, byTrace: null, contentEndedBy: null, contentEarliest: null, timeEndedBy: null, timeAfter: null, recent: [] };
        const user = [q.projectId, q.endUser] as const;
        if (q.interactionRef !== null) {
          c.byId = summary(LINK.byId, q.projectId, q.interactionRef);
        } else if (q.traceRef !== null) {
          c.byTrace = q.spanRef === null ? summary(LINK.byTrace, q.projectId, q.traceRef) : summary(LINK.bySpan, q.projectId, q.traceRef, q.spanRef);
        } else if (q.inputHash !== null || q.outputHash !== null) {
          // Both hashes: search by output (the more selective) and filter on input.
          const sql = q.outputHash === null ? LINK.byInput : q.inputHash === null ? LINK.byOutput : LINK.byBoth;
          const hashes = q.outputHash === null ? [q.inputHash] : q.inputHash === null ? [q.outputHash] : [q.outputHash, q.inputHash];
          c.contentEndedBy = summary(sql.endedBy, ...user, ...hashes, q.timestamp);
          if (!c.contentEndedBy) c.contentEarliest = summary(sql.earliest, ...user, ...hashes);
        } else {
          if (q.recentLimit > 0) {
            c.recent = (this.prepare(LINK.recent).all(...user, q.from, q.until, q.recentLimit) as Row[]).map(summaryWithTextFromRow);
          }
          c.timeEndedBy = summary(LINK.timeEndedBy, ...user, q.from, q.timestamp);
          if (!c.timeEndedBy) c.timeAfter = summary(LINK.timeAfter, ...user, q.timestamp, q.until);
        }
        return c;
      },

      findTagCandidates: async (projectId, endUser, timestamp, skewMs, inputHash, outputHash): Promise<TagCandidates> => {
        let where = 'project_id = ? AND end_user = ?';
        const params: unknown[] = [projectId, endUser];
        if (outputHash !== null) { where += ' AND output_hash = ?'; params.push(outputHash); }
        if (inputHash !== null) { where += ' AND input_hash = ?'; params.push(inputHash); }
        const bounded = inputHash === null && outputHash === null;
        const startedBy = summary(`SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE ${where} AND time_start <= ? ${bounded ? 'AND time_start >= ?' : ''}
          ORDER BY time_start DESC LIMIT 1`, ...params, timestamp, ...(bounded ? [timestamp - skewMs] : []));
        const startedAfter = summary(`SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE ${where} AND time_start > ? ${bounded ? 'AND time_start <= ?' : ''}
          ORDER BY time_start ASC LIMIT 1`, ...params, timestamp, ...(bounded ? [timestamp + skewMs] : []));
        return { startedBy, startedAfter };
      },

      findConversationNeighbours: async (projectId, endUser, timeStart): Promise<ConversationNeighbours> => {
        const base = `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = ? AND end_user = ? AND conversation_auto = 1`;
        return {
          previous: summary(`${base} AND time_start <= ? ORDER BY time_start DESC LIMIT 1`, projectId, endUser, timeStart),
          next: summary(`${base} AND time_start > ? ORDER BY time_start ASC LIMIT 1`, projectId, endUser, timeStart),
        };
      },

      findRelinkableFeedback: async (projectId, endUser, interactionId, timeEnd, window) => {
        const rows = [
          ...this.prepare(`SELECT * FROM feedback INDEXED BY feedback_unlinked WHERE project_id = ? AND end_user = ? AND status <> 'linked'
            ORDER BY received_at DESC LIMIT ${RELINK_LIMIT}`)
            .all(projectId, endUser),
          ...this.prepare(`SELECT * FROM feedback WHERE project_id = ? AND interaction_ref = ? AND status <> 'linked'`).all(projectId, interactionId),
          ...this.prepare(`SELECT * FROM feedback WHERE project_id = ? AND end_user = ? AND link = 'time' AND timestamp BETWEEN ? AND ?`)
            .all(projectId, endUser, timeEnd - window.before, timeEnd + window.after),
        ] as Row[];
        const byId = new Map(rows.map((r) => [r['id'] as string, r]));
        return [...byId.values()].map(feedbackFromRow);
      },

      findUnlinkedTagUpdates: async (projectId, endUser) => {
        const rows = this.prepare(`SELECT * FROM tag_updates WHERE project_id = ? AND end_user = ? AND status <> 'linked' ORDER BY received_at LIMIT ${RELINK_LIMIT}`)
          .all(projectId, endUser) as Row[];
        return rows.map(tagUpdateFromRow);
      },

      findTraceFeedback: async (projectId, traceId) => {
        const rows = this.prepare(`SELECT * FROM feedback WHERE project_id = ? AND trace_ref = ?
          AND (status <> 'linked' OR (link = 'trace' AND span_ref IS NULL)) ORDER BY received_at DESC LIMIT ${RELINK_LIMIT}`)
          .all(projectId, traceId) as Row[];
        return rows.map(feedbackFromRow);
      },

      insertInteractions: async (rows) => {
        const statement = insertInteraction();
        for (const r of rows) statement.run(interactionValues(r));
      },

      insertFeedback: async (rows) => {
        const statement = insertFeedback();
        for (const r of rows) statement.run(feedbackValues(r));
      },

      updateFeedbackLinks: async (projectId, updates: LinkUpdate[]) => {
        const statement = this.prepare(`UPDATE feedback SET status = ?, link = ?, interaction_id = ?, linked_time_end = ?, flags = ?
          WHERE project_id = ? AND id = ?`);
        for (const u of updates) statement.run(u.status, u.link, u.interactionId, u.linkedTimeEnd, JSON.stringify(u.flags), projectId, u.id);
      },

      insertTagUpdate: async (t: TagUpdateRecord) => {
        this.prepare(`INSERT INTO tag_updates (id, project_id, end_user, timestamp, input_hash, output_hash, tags, status, interaction_id, received_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(t.id, t.projectId, t.endUser, t.timestamp, t.inputHash, t.outputHash, JSON.stringify(t.tags), t.status, t.interactionId, t.receivedAt);
      },

      markTagUpdateLinked: async (projectId, id, interactionId) => {
        this.prepare(`UPDATE tag_updates SET status = 'linked', interaction_id = ? WHERE project_id = ? AND id = ?`).run(interactionId, projectId, id);
      },

      addInteractionTags: async (projectId, interactionId, tags) => {
        this.prepare('UPDATE interactions SET tags = json_patch(tags, ?) WHERE project_id = ? AND id = ?').run(JSON.stringify(tags), projectId, interactionId);
      },

      findInteractionDimensions: async (projectId, ids) => {
        const out = new Map<string, InteractionDimensions & { timeEnd: number }>();
        if (ids.length === 1) {
          const row = one(`SELECT ${DIMENSION_COLUMNS} FROM interactions i WHERE i.project_id = ? AND i.id = ?`, projectId, ids[0]);
          if (row) out.set(row['id'] as string, dimensionsFromRow(row));
          return out;
        }
        const q = findInteractionsQuery(SQLITE_DIALECT, projectId, ids, noInteractionFilter(), DIMENSION_COLUMNS);
        for (const row of this.prepare(q.text).all(bindings(q.values)) as Row[]) {
          out.set(row['id'] as string, dimensionsFromRow(row));
        }
        return out;
      },

      findLinkedFeedbackEvents: async (projectId, interactionIds) => {
        const out = new Map<string, FeedbackEvent[]>();
        const rows = interactionIds.length === 1
          ? this.prepare(`SELECT ${FEEDBACK_EVENT_COLUMNS} FROM feedback f INDEXED BY feedback_interaction
              WHERE f.project_id = ? AND f.interaction_id = ? AND f.status = 'linked'`)
            .all(projectId, interactionIds[0]) as Row[]
          : (() => {
            const q = feedbackOfInteractionsQuery(SQLITE_DIALECT, projectId, interactionIds, FEEDBACK_EVENT_COLUMNS);
            return this.prepare(q.text).all(bindings(q.values)) as Row[];
          })();
        for (const row of rows) {
          const id = row['interaction_id'] as string;
          const list = out.get(id) ?? [];
          list.push(feedbackEventFromRow(row));
          out.set(id, list);
        }
        return out;
      },

      addToRollups: async (deltas) => {
        const statement = this.prepare(ADD_TO_ROLLUP);
        for (const { key, counters } of deltas) {
          statement.run(key.projectId, key.dimension, key.value, key.hour, ...COUNTERS.map((c) => counters[c]));
        }
      },

      findPendingReceivedBefore: async (receivedBefore, limit) => {
        const rows = this.prepare(`SELECT * FROM feedback WHERE status = 'pending' AND received_at < ? ORDER BY received_at, id LIMIT ?`)
          .all(receivedBefore, limit) as Row[];
        return rows.map(feedbackFromRow);
      },

      markFeedbackOrphaned: async (projectId, ids) => {
        const statement = this.prepare(`UPDATE feedback SET status = 'orphaned' WHERE project_id = ? AND id = ? AND status = 'pending'`);
        for (const id of ids) statement.run(projectId, id);
      },

      orphanTagUpdates: async (receivedBefore) =>
        this.prepare("UPDATE tag_updates SET status = 'orphaned' WHERE status = 'pending' AND received_at < ?").run(receivedBefore).changes,
    };
  }
}
