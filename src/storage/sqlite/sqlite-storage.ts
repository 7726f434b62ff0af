// The embedded storage adapter: one SQLite file (better-sqlite3) in WAL mode. A write is reported
// done only once the WAL holding it is synced to disk (wal-sync.ts), so it survives a process
// crash or a power cut. One connection writes, a second one reads, so reads never see a
// transaction that is still open.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConversationNeighbours } from '../../core/conversations.js';
import { newId } from '../../core/ids.js';
import type { LinkCandidateQuery, LinkCandidates, TagCandidates } from '../../core/linking.js';
import type { FeedbackRecord, InteractionRecord, InteractionSummary, TagUpdateRecord } from '../../core/model.js';
import { isLastSecretKey, lastSecretKeyError, type ApiKeyRecord, type LinkUpdate, type ProjectRecord, type RevokeOptions, type Storage, type StorageCapabilities, type StorageTransaction } from '../port.js';
import { summaryFromRow, summaryWithTextFromRow, SUMMARY_COLUMNS, SUMMARY_WITH_TEXT_COLUMNS } from '../summary.js';
import { probePayload } from '../probe.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { WalSync } from './wal-sync.js';
import { apiKeyFromRow, FEEDBACK_COLUMNS, feedbackFromRow, feedbackValues, INTERACTION_COLUMNS, interactionFromRow, interactionValues, tagUpdateFromRow, type Row } from './rows.js';

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

/** The link-candidate lookups, written once: they run for every feedback. */
const byUser = `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = ? AND end_user = ?`;
const byContent = (where: string) => ({
  endedBy: `${byUser} AND ${where} AND time_end <= ? ORDER BY time_end DESC LIMIT 1`,
  earliest: `${byUser} AND ${where} ORDER BY time_end ASC LIMIT 1`,
});
const LINK = {
  byId: `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = ? AND id = ?`,
  byOutput: byContent('output_hash = ?'),
  byInput: byContent('input_hash = ?'),
  byBoth: byContent('output_hash = ? AND input_hash = ?'),
  recent: `SELECT ${SUMMARY_WITH_TEXT_COLUMNS} FROM interactions WHERE project_id = ? AND end_user = ? AND time_end BETWEEN ? AND ?
    ORDER BY time_end DESC LIMIT ?`,
  timeEndedBy: `${byUser} AND time_end BETWEEN ? AND ? ORDER BY time_end DESC LIMIT 1`,
  timeAfter: `${byUser} AND time_end > ? AND time_end <= ? ORDER BY time_end ASC LIMIT 1`,
};

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
  db.pragma('foreign_keys = ON');
  return db;
}

export class SqliteStorage implements Storage {
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

  constructor(options: SqliteStorageOptions) {
    this.filename = options.filename;
    this.lockWaitMs = options.lockWaitMs ?? BUSY_WAIT_MS;
    this.warn = options.onWarning ?? (() => undefined);
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.writer = open(options.filename, false);
    this.wal = options.filename === ':memory:' ? null : new WalSync(this.writer, options.filename, options.checkpointFrames, this.warn, options.onSync);
    this.tx = this.createTransaction();
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
    await this.durable();
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

  async close(): Promise<void> {
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
      this.prepare(`INSERT INTO api_keys (id, project_id, kind, name, key_hash, key_prefix, origins, created_at, revoked_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(k.id, k.projectId, k.kind, k.name, k.keyHash, k.keyPrefix, JSON.stringify(k.origins), k.createdAt, k.revokedAt);
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

  async orphanPending(receivedBefore: number): Promise<number> {
    return this.transaction(async () => {
      const feedback = this.prepare("UPDATE feedback SET status = 'orphaned' WHERE status = 'pending' AND received_at < ?").run(receivedBefore);
      const tags = this.prepare("UPDATE tag_updates SET status = 'orphaned' WHERE status = 'pending' AND received_at < ?").run(receivedBefore);
      return feedback.changes + tags.changes;
    });
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

  async countUnlinkedFeedback(): Promise<{ pending: number; orphaned: number }> {
    const rows = this.read("SELECT status, count(*) AS n FROM feedback WHERE status <> 'linked' GROUP BY status").all() as Row[];
    const count = (status: string) => Number(rows.find((r) => r['status'] === status)?.['n'] ?? 0);
    return { pending: count('pending'), orphaned: count('orphaned') };
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
        const c: LinkCandidates = { byId: null, contentEndedBy: null, contentEarliest: null, timeEndedBy: null, timeAfter: null, recent: [] };
        const user = [q.projectId, q.endUser] as const;
        if (q.interactionRef !== null) {
          c.byId = summary(LINK.byId, q.projectId, q.interactionRef);
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
          ...this.prepare(`SELECT * FROM feedback WHERE project_id = ? AND end_user = ? AND status <> 'linked' ORDER BY received_at DESC LIMIT ${RELINK_LIMIT}`)
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
    };
  }
}
