// The shared storage adapter: PostgreSQL through a bounded connection pool (node-postgres), for
// several stateless server instances behind a load balancer. Transactions run at READ COMMITTED;
// what must not race between instances is serialised with transaction-scoped advisory locks (per
// end user for linking, per idempotency key for retries), taken before the reads that decide a write.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { ConversationNeighbours } from '../../core/conversations.js';
import type { FeedbackEvent } from '../../core/feedback-summary.js';
import { newId } from '../../core/ids.js';
import type { LinkCandidateQuery, LinkCandidates, TagCandidates } from '../../core/linking.js';
import { FeedloopError } from '../../core/errors.js';
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
import { DIMENSION_COLUMNS, FEEDBACK_EVENT_COLUMNS, feedbackOfInteractionsQuery, findInteractionsQuery, recomputeRollupsQuery } from '../sql/read-sql.js';
import { summaryFromRow, summaryWithTextFromRow, SUMMARY_COLUMNS, SUMMARY_WITH_TEXT_COLUMNS } from '../summary.js';
import { probePayload } from '../probe.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { postgresLifecycle } from './postgres-lifecycle.js';
import { COUNTER_LIST, POSTGRES_DIALECT, PostgresReads } from './postgres-reads.js';
import {
  FEEDBACK_COLUMNS, INTERACTION_COLUMNS, apiKeyFromRow, columnArrays, feedbackFromRow, interactionFromRow, jsonParam,
  multiRowInsert, sessionFromRow, tagUpdateFromRow, type Row,
} from './rows.js';

/** How many unlinked feedback of one end user are re-examined when one of their interactions arrives. */
const RELINK_LIMIT = 1000;
/** Session advisory lock held while migrating: 'feedloop' in ASCII, so it is recognisable in pg_locks. */
const MIGRATION_LOCK = '7378705444617158512';
/** Transaction advisory lock of whoever folds rollup deltas into rollups (or rebuilds them): one at a time. */
const FOLD_LOCK = '7378705444617158513';
const INT8_OID = 20;
/** How long a request waits for a connection (a new one, or one of the pool's when all are busy). */
const CONNECT_TIMEOUT_MS = 5000;
/** How often deltas are folded into rollups, and how many at most per fold. */
const FOLD_EVERY_MS = 1000;
const FOLD_BATCH = 50_000;
/** Settings key recording that rollups were built from the rows there were when migration 2 ran. */
const ROLLUPS_BUILT = 'rollups_built';

const ADD_TO_ROLLUP_DELTAS = `INSERT INTO rollup_deltas (project_id, dimension, value, hour, ${COUNTER_LIST})
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], ${COUNTERS.map((_, k) => `$${k + 5}::bigint[]`).join(', ')})`;

const FOLD_DELTAS = `WITH moved AS (
    DELETE FROM rollup_deltas WHERE id IN (SELECT id FROM rollup_deltas ORDER BY id LIMIT ${FOLD_BATCH})
    RETURNING project_id, dimension, value, hour, ${COUNTER_LIST})
  INSERT INTO rollups (project_id, dimension, value, hour, ${COUNTER_LIST})
  SELECT project_id, dimension, value, hour, ${COUNTERS.map((c) => `sum(${c})`).join(', ')} FROM moved
  GROUP BY project_id, dimension, value, hour ORDER BY project_id, dimension, value, hour
  ON CONFLICT (project_id, dimension, value, hour) DO UPDATE SET ${COUNTERS.map((c) => `${c} = rollups.${c} + excluded.${c}`).join(', ')}`;

export interface PostgresStorageOptions {
  connectionString: string;
  /** Connections in the pool (default 10): the most transactions and reads that run at once. */
  poolSize?: number;
  /** PostgreSQL's lock_timeout for this pool's sessions (default 5 s): a write waiting longer for a lock fails (a 503). */
  lockWaitMs?: number;
  /** Told of a failure that loses nothing but needs an operator's eye (a fold of rollup deltas that failed). */
  onWarning?: (message: string, error: unknown) => void;
}

/** What both the pool (reads) and a checked-out client (transactions) offer. */
type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * BIGINT columns hold millisecond times, far below 2^53: parse them to numbers. Set on this pool
 * only, not on the driver's global parsers, so other users of `pg` in the process are unaffected.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** SQL text -> prepared statement name, so each connection parses a statement once. */
const statementNames = new Map<string, string>();
function statement(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `feedloop_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

async function rows(db: Queryable, text: string, values: unknown[] = []): Promise<Row[]> {
  return (await db.query<Row>(statement(text, values))).rows;
}

async function one(db: Queryable, text: string, values: unknown[] = []): Promise<Row | null> {
  return (await rows(db, text, values))[0] ?? null;
}

/** Rows of a UNION ALL of labelled sub-queries (first column `kind`), grouped by label. */
async function labelled(db: Queryable, text: string, values: unknown[]): Promise<Map<string, Row[]>> {
  const byKind = new Map<string, Row[]>();
  for (const row of await rows(db, text, values)) {
    const kind = row['kind'] as string;
    byKind.set(kind, [...(byKind.get(kind) ?? []), row]);
  }
  return byKind;
}

const first = (byKind: Map<string, Row[]>, kind: string): InteractionSummary | null => {
  const row = byKind.get(kind)?.[0];
  return row ? summaryFromRow(row) : null;
};

export class PostgresStorage extends DelegatingReads implements Storage {
  readonly capabilities: StorageCapabilities = { sharedBetweenProcesses: true };
  private readonly pool: pg.Pool;
  private secret: string | null = null;
  protected readonly reads: PostgresReads;
  private foldTimer: NodeJS.Timeout | null = null;
  private folding: Promise<void> | null = null;
  private readonly warn: (message: string, error: unknown) => void;

  constructor(options: PostgresStorageOptions) {
    super();
    // A server that does not answer fails a request after CONNECT_TIMEOUT_MS (a 503) instead of
    // holding it; keep-alive notices connections that a failover or a cut network left dangling.
    this.pool = new pg.Pool({
      connectionString: options.connectionString, max: options.poolSize ?? 10, types,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, lock_timeout: options.lockWaitMs ?? 5000,
    });
    this.reads = new PostgresReads(this.pool);
    this.warn = options.onWarning ?? (() => undefined);
    // An idle connection that the server closes (restart, failover) is dropped by the pool and
    // replaced on next use; without a listener the 'error' event would end the process.
    this.pool.on('error', () => undefined);
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // Two instances starting at once: the second waits here, then finds nothing left to apply.
      // Another instance may migrate for longer than lock_timeout: wait for it as long as it takes.
      await client.query('SET lock_timeout = 0');
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
        const { rows: [current] } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0)::int AS version FROM schema_migrations');
        for (let v = current?.version ?? 0; v < POSTGRES_MIGRATIONS.length; v++) {
          // DDL is transactional in PostgreSQL: a migration applies completely or not at all.
          await client.query('BEGIN');
          try {
            await client.query(POSTGRES_MIGRATIONS[v]!);
            await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, Date.now()]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
        await client.query("INSERT INTO settings (key, value) VALUES ('installation_secret', $1) ON CONFLICT (key) DO NOTHING",
          [randomBytes(32).toString('base64url')]);
        // Rows stored before rollups existed are counted once, here (under the migration lock).
        const built = await client.query('SELECT 1 FROM settings WHERE key = $1', [ROLLUPS_BUILT]);
        if (built.rowCount === 0) {
          await this.rebuildOn(client, null);
          await client.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [ROLLUPS_BUILT, String(Date.now())]);
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
        await client.query('RESET lock_timeout');
      }
      this.startFolding();
    } catch (error) {
      // The connection may still hold the session lock or an open transaction: do not reuse it.
      broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.foldTimer) clearInterval(this.foldTimer);
    this.foldTimer = null;
    await this.folding?.catch(() => undefined);
    await this.pool.end();
  }

  /** Starts folding rollup deltas in the background (once migrated); reads are exact either way. */
  private startFolding(): void {
    if (this.foldTimer) return;
    this.foldTimer = setInterval(() => {
      if (this.folding) return;
      this.folding = this.fold()
        .then(() => undefined, (error: unknown) => this.warn('folding rollup deltas failed; reads stay exact, the deltas table grows until a fold succeeds', error))
        .finally(() => { this.folding = null; });
    }, FOLD_EVERY_MS);
    this.foldTimer.unref();
  }

  /** Moves deltas into rollups, one batch; skipped while another instance (or a rebuild) folds. */
  async fold(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows: [lock] } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [FOLD_LOCK]);
      const moved = lock?.locked ? (await client.query(FOLD_DELTAS)).rowCount ?? 0 : 0;
      await client.query('COMMIT');
      return moved;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Replaces rollups by their recomputation. One snapshot (REPEATABLE READ) for the delete and the
   * recomputation: a write that commits meanwhile is then neither in the recomputed rows nor among
   * the deleted deltas, so its delta still counts it, once.
   */
  private async rebuildOn(client: pg.PoolClient, projectId: string | null): Promise<number> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [FOLD_LOCK]);
      const where = projectId === null ? '' : ' WHERE project_id = $1';
      const values = projectId === null ? [] : [projectId];
      await client.query(`DELETE FROM rollup_deltas${where}`, values);
      await client.query(`DELETE FROM rollups${where}`, values);
      const recompute = recomputeRollupsQuery(POSTGRES_DIALECT, projectId);
      const inserted = await client.query(`INSERT INTO rollups (project_id, dimension, value, hour, ${COUNTER_LIST}) ${recompute.text}`, recompute.values);
      await client.query('COMMIT');
      return inserted.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async rebuildRollups(projectId: string | null): Promise<{ buckets: number }> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        return { buckets: await this.rebuildOn(client, projectId) };
      } catch (error) {
        // A concurrent write touched what the snapshot read: try again on a fresh snapshot.
        if ((error as { code?: string }).code !== '40001' || attempt >= 5) throw error;
      } finally {
        client.release();
      }
    }
  }

  async transaction<T>(work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    // Each transaction has its own connection, so concurrent transactions of this process are as
    // safe as those of different processes (the advisory locks serialise what must not interleave).
    const client = await this.pool.connect();
    const onError = () => undefined; // a dropped connection fails the pending query instead
    client.on('error', onError);
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      client.off('error', onError);
      client.release(error);
    };
    try {
      await client.query('BEGIN');
      const result = await work(this.createTransaction(client));
      await client.query('COMMIT');
      release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').then(() => release(), (e: Error) => release(e));
      throw error;
    } finally {
      release();
    }
  }

  /** Deleted rows stay in the table files as dead tuples until VACUUM reuses their space (docs/data.md). */
  async purgeDeletedContent(): Promise<void> {}

  async installationSecret(): Promise<string> {
    if (this.secret === null) {
      const row = await one(this.pool, "SELECT value FROM settings WHERE key = 'installation_secret'");
      if (!row) throw new Error('storage is not migrated');
      this.secret = row['value'] as string;
    }
    return this.secret;
  }

  async createProject(name: string): Promise<ProjectRecord> {
    const project = { id: newId(), name, createdAt: Date.now() };
    await this.pool.query('INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3)', [project.id, name, project.createdAt]);
    return project;
  }

  async findProjectByName(name: string): Promise<ProjectRecord | null> {
    const row = await one(this.pool, 'SELECT id, name, created_at FROM projects WHERE name = $1', [name]);
    return row ? { id: row['id'] as string, name: row['name'] as string, createdAt: row['created_at'] as number } : null;
  }

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.pool.query(`INSERT INTO api_keys (id, project_id, kind, name, key_hash, key_prefix, origins, require_token, created_at, revoked_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)`,
    [k.id, k.projectId, k.kind, k.name, k.keyHash, k.keyPrefix, jsonParam(k.origins), k.requireToken, k.createdAt, k.revokedAt]);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = await one(this.pool, 'SELECT * FROM api_keys WHERE key_hash = $1', [keyHash]);
    return row ? apiKeyFromRow(row) : null;
  }

  async listApiKeys(projectId: string | null): Promise<ApiKeyRecord[]> {
    const found = projectId === null
      ? await rows(this.pool, 'SELECT * FROM api_keys ORDER BY created_at, id')
      : await rows(this.pool, 'SELECT * FROM api_keys WHERE project_id = $1 ORDER BY created_at, id', [projectId]);
    return found.map(apiKeyFromRow);
  }

  async revokeApiKey(idOrPrefix: string, projectId: string | null, at: number, options: RevokeOptions = {}): Promise<ApiKeyRecord | null> {
    const target = `SELECT id FROM api_keys WHERE (id = $1 OR key_prefix = $1) AND ($2::text IS NULL OR project_id = $2) ORDER BY created_at LIMIT 1`;
    if (!options.keepLastSecretKey) {
      // One statement: a key revoked twice keeps its first revocation time.
      const row = await one(this.pool, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3) WHERE id = (${target}) RETURNING *`, [idOrPrefix, projectId, at]);
      return row ? apiKeyFromRow(row) : null;
    }
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const found = await one(client, `SELECT * FROM api_keys WHERE id = (${target})`, [idOrPrefix, projectId]);
      if (!found) {
        await client.query('ROLLBACK');
        return null;
      }
      // The project's active secret keys, locked: two revocations at once cannot both pass the check.
      const active = await rows(client, `SELECT id FROM api_keys WHERE project_id = $1 AND kind = 'secret' AND revoked_at IS NULL FOR UPDATE`, [found['project_id']]);
      if (isLastSecretKey(apiKeyFromRow(found), active.map((r) => r['id'] as string))) {
        await client.query('ROLLBACK');
        throw lastSecretKeyError();
      }
      const row = await one(client, 'UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING *', [found['id'], at]);
      await client.query('COMMIT');
      return row ? apiKeyFromRow(row) : null;
    } catch (error) {
      if (!(error instanceof FeedloopError)) {
        broken = error as Error;
        await client.query('ROLLBACK').catch(() => undefined);
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async getFeedback(projectId: string, id: string): Promise<FeedbackRecord | null> {
    const row = await one(this.pool, 'SELECT * FROM feedback WHERE project_id = $1 AND id = $2', [projectId, id]);
    return row ? feedbackFromRow(row) : null;
  }

  async getInteraction(projectId: string, id: string): Promise<InteractionRecord | null> {
    const row = await one(this.pool, 'SELECT * FROM interactions WHERE project_id = $1 AND id = $2', [projectId, id]);
    return row ? interactionFromRow(row) : null;
  }

  async listFeedbackForInteraction(projectId: string, interactionId: string): Promise<FeedbackRecord[]> {
    const found = await rows(this.pool, 'SELECT * FROM feedback WHERE interaction_id = $1 AND project_id = $2 ORDER BY timestamp, received_at, id',
      [interactionId, projectId]);
    return found.map(feedbackFromRow);
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (await rows(this.pool, 'SELECT id, name, created_at FROM projects ORDER BY created_at, id'))
      .map((r) => ({ id: r['id'] as string, name: r['name'] as string, createdAt: r['created_at'] as number }));
  }

  async findProjectById(id: string): Promise<ProjectRecord | null> {
    const row = await one(this.pool, 'SELECT id, name, created_at FROM projects WHERE id = $1', [id]);
    return row ? { id: row['id'] as string, name: row['name'] as string, createdAt: row['created_at'] as number } : null;
  }

  async createSession(r: SessionRecord): Promise<void> {
    await this.pool.query(`INSERT INTO sessions (id, token_hash, project_id, key_id, created_at, expires_at, revoked_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7)`, [r.id, r.tokenHash, r.projectId, r.keyId, r.createdAt, r.expiresAt, r.revokedAt]);
  }

  async findSession(tokenHash: string): Promise<{ session: SessionRecord; keyRevoked: boolean } | null> {
    const row = await one(this.pool, `SELECT s.*, k.revoked_at AS key_revoked_at FROM sessions s LEFT JOIN api_keys k ON k.id = s.key_id
      WHERE s.token_hash = $1`, [tokenHash]);
    return row ? { session: sessionFromRow(row), keyRevoked: row['key_revoked_at'] !== null } : null;
  }

  async revokeSession(id: string, at: number): Promise<void> {
    await this.pool.query('UPDATE sessions SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1', [id, at]);
  }

  async deleteSessionsExpiredBefore(at: number): Promise<number> {
    const result = await this.pool.query('DELETE FROM sessions WHERE expires_at < $1', [at]);
    return result.rowCount ?? 0;
  }


  async probe(write: boolean): Promise<void> {
    await this.pool.query('SELECT 1');
    if (write) {
      await this.pool.query(`INSERT INTO settings (key, value) VALUES ('health_probe', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [probePayload()]);
    }
  }

  async unlinkedFeedbackTotals(): Promise<{ pending: number; orphaned: number }> {
    const found = await rows(this.pool, "SELECT status, count(*)::int AS n FROM feedback WHERE status <> 'linked' GROUP BY status");
    const count = (status: string) => Number(found.find((r) => r['status'] === status)?.['n'] ?? 0);
    return { pending: count('pending'), orphaned: count('orphaned') };
  }

  private createTransaction(db: pg.PoolClient): StorageTransaction {
    /**
     * Serialises this transaction with every other one (in any process) that takes the same key,
     * until commit or rollback. Under READ COMMITTED each statement sees what was committed before
     * it started, so a read issued after the lock is granted sees the other transaction's writes:
     * the lock and the read must be separate statements.
     */
    const lock = async (key: string): Promise<void> => {
      await db.query(statement('SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))', [key]));
    };

    return {
      ...postgresLifecycle(db),
      lockEndUser: (projectId, endUser) => lock(`${projectId}:${endUser}`),

      findFeedbackByEventId: async (projectId, eventId) => {
        // Idempotency across instances. The caller checks for the event id and then inserts; two
        // transactions doing that at once (two instances, or this one and a retry) would both find
        // nothing and one insert would fail on the unique index. Holding a lock on the event id from
        // this check to commit makes the second wait until the first commits; its check (a new
        // statement, so a new READ COMMITTED snapshot) then finds the stored row and returns it,
        // so both requests answer the same row. The lock does not depend on the caller taking
        // lockEndUser first, and covers a retry that changed end_user. The unique index stays as
        // the last line of defence.
        await lock(`feedback_event:${projectId}:${eventId}`);
        const row = await one(db, 'SELECT * FROM feedback WHERE project_id = $1 AND event_id = $2', [projectId, eventId]);
        return row ? feedbackFromRow(row) : null;
      },

      findInteractionById: async (projectId, id) => {
        // Used to recognise the retry of an interaction with a client-chosen id: locked for the same
        // reason as findFeedbackByEventId (two instances receiving the same retry both store nothing twice).
        await lock(`interaction:${projectId}:${id}`);
        const row = await one(db, 'SELECT * FROM interactions WHERE project_id = $1 AND id = $2', [projectId, id]);
        return row ? interactionFromRow(row) : null;
      },

      findLinkCandidates: async (q: LinkCandidateQuery): Promise<LinkCandidates> => {
        const c: LinkCandidates = { byId: null, byTrace: null, contentEndedBy: null, contentEarliest: null, timeEndedBy: null, timeAfter: null, recent: [] };
        if (q.interactionRef !== null) {
          const row = await one(db, `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = $1 AND id = $2`, [q.projectId, q.interactionRef]);
          c.byId = row ? summaryFromRow(row) : null;
        } else if (q.traceRef !== null) {
          const row = await one(db, `SELECT ${SUMMARY_COLUMNS} FROM interactions WHERE project_id = $1 AND trace_id = $2
            AND ($3::text IS NULL OR span_id = $3) ORDER BY time_end DESC, id DESC LIMIT 1`, [q.projectId, q.traceRef, q.spanRef]);
          c.byTrace = row ? summaryFromRow(row) : null;
        } else if (q.inputHash !== null || q.outputHash !== null) {
          // Both candidates in one round trip; the earliest only counts when none ended by the timestamp.
          const hashes: [string, string][] = [];
          if (q.outputHash !== null) hashes.push(['output_hash', q.outputHash]);
          if (q.inputHash !== null) hashes.push(['input_hash', q.inputHash]);
          const match = hashes.map(([column], k) => `AND ${column} = $${k + 4}`).join(' ');
          const base = `FROM interactions WHERE project_id = $1 AND end_user = $2 ${match}`;
          const found = await labelled(db, `(SELECT 'ended_by' AS kind, ${SUMMARY_COLUMNS} ${base} AND time_end <= $3 ORDER BY time_end DESC, id DESC LIMIT 1)
            UNION ALL (SELECT 'earliest' AS kind, ${SUMMARY_COLUMNS} ${base} ORDER BY time_end ASC, id ASC LIMIT 1)`,
          [q.projectId, q.endUser, q.timestamp, ...hashes.map(([, hash]) => hash)]);
          c.contentEndedBy = first(found, 'ended_by');
          if (!c.contentEndedBy) c.contentEarliest = first(found, 'earliest');
        } else {
          const base = `FROM interactions WHERE project_id = $1 AND end_user = $2`;
          // The arms of a UNION select the same columns: the texts too when the copied-text search needs them.
          const columns = q.recentLimit > 0 ? SUMMARY_WITH_TEXT_COLUMNS : SUMMARY_COLUMNS;
          const recent = q.recentLimit > 0
            ? `UNION ALL (SELECT 'recent' AS kind, ${columns} ${base} AND time_end BETWEEN $3 AND $5 ORDER BY time_end DESC, id DESC LIMIT $6)`
            : '';
          const found = await labelled(db, `(SELECT 'ended_by' AS kind, ${columns} ${base} AND time_end BETWEEN $3 AND $4 ORDER BY time_end DESC, id DESC LIMIT 1)
            UNION ALL (SELECT 'after' AS kind, ${columns} ${base} AND time_end > $4 AND time_end <= $5 ORDER BY time_end ASC, id ASC LIMIT 1)
            ${recent}`,
          [q.projectId, q.endUser, q.from, q.timestamp, q.until, ...(q.recentLimit > 0 ? [q.recentLimit] : [])]);
          c.timeEndedBy = first(found, 'ended_by');
          if (!c.timeEndedBy) c.timeAfter = first(found, 'after');
          // UNION ALL does not promise the order of its rows: sort latest first here.
          c.recent = (found.get('recent') ?? []).map(summaryWithTextFromRow).sort((a, b) => b.timeEnd - a.timeEnd || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        }
        return c;
      },

      findTagCandidates: async (projectId, endUser, timestamp, skewMs, inputHash, outputHash): Promise<TagCandidates> => {
        const values: unknown[] = [projectId, endUser, timestamp];
        let where = 'project_id = $1 AND end_user = $2';
        if (outputHash !== null) { values.push(outputHash); where += ` AND output_hash = $${values.length}`; }
        if (inputHash !== null) { values.push(inputHash); where += ` AND input_hash = $${values.length}`; }
        // Without content the tags name an interaction only by its start time, within the skew.
        let before = '';
        let after = '';
        if (inputHash === null && outputHash === null) {
          values.push(timestamp - skewMs, timestamp + skewMs);
          before = `AND time_start >= $${values.length - 1}`;
          after = `AND time_start <= $${values.length}`;
        }
        const found = await labelled(db, `(SELECT 'started_by' AS kind, ${SUMMARY_COLUMNS} FROM interactions WHERE ${where} AND time_start <= $3 ${before}
            ORDER BY time_start DESC, id DESC LIMIT 1)
          UNION ALL (SELECT 'started_after' AS kind, ${SUMMARY_COLUMNS} FROM interactions WHERE ${where} AND time_start > $3 ${after}
            ORDER BY time_start ASC, id ASC LIMIT 1)`, values);
        return { startedBy: first(found, 'started_by'), startedAfter: first(found, 'started_after') };
      },

      findConversationNeighbours: async (projectId, endUser, timeStart): Promise<ConversationNeighbours> => {
        const base = `FROM interactions WHERE project_id = $1 AND end_user = $2 AND conversation_auto`;
        const found = await labelled(db, `(SELECT 'previous' AS kind, ${SUMMARY_COLUMNS} ${base} AND time_start <= $3 ORDER BY time_start DESC, id DESC LIMIT 1)
          UNION ALL (SELECT 'next' AS kind, ${SUMMARY_COLUMNS} ${base} AND time_start > $3 ORDER BY time_start ASC, id ASC LIMIT 1)`,
        [projectId, endUser, timeStart]);
        return { previous: first(found, 'previous'), next: first(found, 'next') };
      },

      findRelinkableFeedback: async (projectId, endUser, interactionId, timeEnd, window) => {
        // The three index-backed sets (unlinked of the end user, waiting for this id, provisional
        // time links near it) in one round trip, each row once.
        const found = await rows(db, `SELECT * FROM feedback WHERE project_id = $1 AND id IN (
            (SELECT id FROM feedback WHERE project_id = $1 AND end_user = $2 AND status <> 'linked' ORDER BY received_at DESC LIMIT ${RELINK_LIMIT})
            UNION ALL (SELECT id FROM feedback WHERE project_id = $1 AND interaction_ref = $3 AND status <> 'linked')
            UNION ALL (SELECT id FROM feedback WHERE project_id = $1 AND end_user = $2 AND link = 'time' AND timestamp BETWEEN $4 AND $5))
          ORDER BY received_at DESC, id DESC`,
        [projectId, endUser, interactionId, timeEnd - window.before, timeEnd + window.after]);
        return found.map(feedbackFromRow);
      },

      findUnlinkedTagUpdates: async (projectId, endUser) => {
        const found = await rows(db, `SELECT * FROM tag_updates WHERE project_id = $1 AND end_user = $2 AND status <> 'linked'
          ORDER BY received_at, id LIMIT ${RELINK_LIMIT}`, [projectId, endUser]);
        return found.map(tagUpdateFromRow);
      },

      findTraceFeedback: async (projectId, traceId) => {
        const found = await rows(db, `SELECT * FROM feedback WHERE project_id = $1 AND trace_ref = $2
          AND (status <> 'linked' OR (link = 'trace' AND span_ref IS NULL)) ORDER BY received_at DESC, id DESC LIMIT ${RELINK_LIMIT}`, [projectId, traceId]);
        return found.map(feedbackFromRow);
      },

      insertInteractions: async (records) => {
        if (records.length === 0) return;
        await db.query(statement(multiRowInsert('interactions', INTERACTION_COLUMNS), columnArrays(INTERACTION_COLUMNS, records)));
      },

      insertFeedback: async (records) => {
        if (records.length === 0) return;
        await db.query(statement(multiRowInsert('feedback', FEEDBACK_COLUMNS), columnArrays(FEEDBACK_COLUMNS, records)));
      },

      updateFeedbackLinks: async (projectId, updates: LinkUpdate[]) => {
        if (updates.length === 0) return;
        // One statement for all; where an id repeats, the last update wins (as if applied in order).
        const last = [...new Map(updates.map((u) => [u.id, u])).values()];
        await db.query(statement(`UPDATE feedback AS f SET status = u.status, link = u.link, interaction_id = u.interaction_id,
            linked_time_end = u.linked_time_end, flags = u.flags
          FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::jsonb[])
            AS u(id, status, link, interaction_id, linked_time_end, flags)
          WHERE f.project_id = $1 AND f.id = u.id`,
        [projectId, last.map((u) => u.id), last.map((u) => u.status), last.map((u) => u.link), last.map((u) => u.interactionId),
          last.map((u) => u.linkedTimeEnd), last.map((u) => jsonParam(u.flags))]));
      },

      insertTagUpdate: async (t: TagUpdateRecord) => {
        await db.query(statement(`INSERT INTO tag_updates (id, project_id, end_user, timestamp, input_hash, output_hash, tags, status, interaction_id, received_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)`,
        [t.id, t.projectId, t.endUser, t.timestamp, t.inputHash, t.outputHash, jsonParam(t.tags), t.status, t.interactionId, t.receivedAt]));
      },

      markTagUpdateLinked: async (projectId, id, interactionId) => {
        await db.query(statement(`UPDATE tag_updates SET status = 'linked', interaction_id = $3 WHERE project_id = $1 AND id = $2`,
          [projectId, id, interactionId]));
      },

      addInteractionTags: async (projectId, interactionId, tags) => {
        // jsonb || merges top-level keys, the right-hand side winning.
        await db.query(statement('UPDATE interactions SET tags = tags || $3::jsonb WHERE project_id = $1 AND id = $2',
          [projectId, interactionId, jsonParam(tags)]));
      },

      findInteractionDimensions: async (projectId, ids) => {
        const out = new Map<string, InteractionDimensions & { timeEnd: number }>();
        const q = ids.length === 1
          ? { text: `SELECT ${DIMENSION_COLUMNS} FROM interactions i WHERE i.project_id = $1 AND i.id = $2`, values: [projectId, ids[0]] }
          : findInteractionsQuery(POSTGRES_DIALECT, projectId, ids, noInteractionFilter(), DIMENSION_COLUMNS);
        for (const row of await rows(db, q.text, q.values)) {
          out.set(row['id'] as string, {
            model: row['model'] as string | null, featureFlags: row['feature_flags'] as string[], tags: row['tags'] as Record<string, string>,
            timeEnd: row['time_end'] as number,
          });
        }
        return out;
      },

      findLinkedFeedbackEvents: async (projectId, interactionIds) => {
        const out = new Map<string, FeedbackEvent[]>();
        const q = interactionIds.length === 1
          ? { text: `SELECT ${FEEDBACK_EVENT_COLUMNS} FROM feedback f WHERE f.interaction_id = $1 AND f.project_id = $2 AND f.status = 'linked'`, values: [interactionIds[0], projectId] }
          : feedbackOfInteractionsQuery(POSTGRES_DIALECT, projectId, interactionIds, FEEDBACK_EVENT_COLUMNS);
        for (const row of await rows(db, q.text, q.values)) {
          const id = row['interaction_id'] as string;
          const list = out.get(id) ?? [];
          list.push(feedbackEventFromRow(row));
          out.set(id, list);
        }
        return out;
      },

      addToRollups: async (deltas) => {
        if (deltas.length === 0) return;
        await db.query(statement(ADD_TO_ROLLUP_DELTAS, [
          deltas.map((d) => d.key.projectId), deltas.map((d) => d.key.dimension), deltas.map((d) => d.key.value), deltas.map((d) => d.key.hour),
          ...COUNTERS.map((c) => deltas.map((d) => d.counters[c])),
        ]));
      },

      findPendingReceivedBefore: async (receivedBefore, limit) =>
        (await rows(db, `SELECT * FROM feedback WHERE status = 'pending' AND received_at < $1 ORDER BY received_at, id LIMIT $2`, [receivedBefore, limit]))
          .map(feedbackFromRow),

      markFeedbackOrphaned: async (projectId, ids) => {
        await db.query(statement(`UPDATE feedback SET status = 'orphaned' WHERE project_id = $1 AND id = ANY($2::text[]) AND status = 'pending'`, [projectId, ids]));
      },

      orphanTagUpdates: async (receivedBefore) =>
        (await db.query(statement(`UPDATE tag_updates SET status = 'orphaned' WHERE status = 'pending' AND received_at < $1`, [receivedBefore]))).rowCount ?? 0,
    };
  }
}
