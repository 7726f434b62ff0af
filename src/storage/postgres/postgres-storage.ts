// The shared storage adapter: PostgreSQL through a bounded connection pool (node-postgres), for
// several stateless server instances behind a load balancer. Transactions run at READ COMMITTED;
// what must not race between instances is serialised with transaction-scoped advisory locks (per
// end user for linking, per idempotency key for retries), taken before the reads that decide a write.
// A write transaction is pipelined (pipeline.ts): its writes are not awaited one by one, and the
// reads of one burst are answered by one statement per kind (write-batches.ts), so a group commit
// costs a few round trips whatever its size.
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
import { recomputeRollupsQuery } from '../sql/read-sql.js';
import { summaryFromRow, SUMMARY_COLUMNS } from '../summary.js';
import { probePayload } from '../probe.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { Pipeline } from './pipeline.js';
import { postgresLifecycle } from './postgres-lifecycle.js';
import { COUNTER_LIST, POSTGRES_DIALECT, PostgresReads } from './postgres-reads.js';
import {
  FEEDBACK_COLUMNS, INTERACTION_COLUMNS, apiKeyFromRow, columnArrays, feedbackFromRow, interactionFromRow, jsonParam,
  multiRowInsert, sessionFromRow, type Row,
} from './rows.js';
import {
  CONVERSATION_NEIGHBOURS, FEEDBACK_BY_EVENT_ID, INTERACTION_BY_ID, INTERACTION_DIMENSIONS, linkBatch, LINKED_FEEDBACK_EVENTS, lockStatement,
  RELINKABLE_FEEDBACK, statement, TRACE_FEEDBACK, UNLINKED_TAG_UPDATES, type InteractionState,
} from './write-batches.js';

const stateKey = (projectId: string, id: string) => `rollup-state\u0000${projectId}\u0000${id}`;
/** Transaction advisory lock of each migration step: 'feedloop' in ASCII, so it is recognisable in pg_locks. */
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
  /**
   * Named (prepared) statements, parsed once per connection (default true). Off for a pooler that
   * cannot keep them across its server connections (PgBouncer before 1.21 in transaction mode).
   */
  preparedStatements?: boolean;
  /** Told of a failure that loses nothing but needs an operator's eye (a fold of rollup deltas that failed). */
  onWarning?: (message: string, error: unknown) => void;
}

/** What the pool (reads) and a transaction's pipeline offer. */
interface Queryable { query<R extends pg.QueryResultRow = Row>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> }

/** A client that sends every statement unnamed (so unprepared): the names given are dropped. */
class UnnamedStatementsClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [config] = args;
    if (typeof config === 'object' && config !== null && 'name' in config && typeof (config as { submit?: unknown }).submit !== 'function') {
      const { name: _name, ...unnamed } = config as pg.QueryConfig;
      args[0] = unnamed;
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

/**
 * BIGINT columns hold millisecond times, far below 2^53: parse them to numbers. Set on this pool
 * only, not on the driver's global parsers, so other users of `pg` in the process are unaffected.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

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
  readonly capabilities: StorageCapabilities;
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
    const poolSize = options.poolSize ?? 10;
    this.capabilities = { sharedBetweenProcesses: true, concurrentTransactions: poolSize };
    // Pipeline mode: a client writes its statements without waiting for earlier answers (pipeline.ts).
    this.pool = new pg.Pool({
      connectionString: options.connectionString, max: poolSize, types, pipeline: true,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, lock_timeout: options.lockWaitMs ?? 5000,
      ...(options.preparedStatements === false ? { Client: UnnamedStatementsClient } : {}),
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
      // One transaction per step, each under a transaction-scoped advisory lock, so that this works
      // through a pooler in transaction mode too (it keeps no session, hence no session lock):
      // instances starting at once apply each migration once; the others wait, then find it applied.
      const step = async <T>(work: () => Promise<T>, isolation = ''): Promise<T> => {
        await client.query(`BEGIN${isolation}`);
        try {
          // Another instance may migrate for longer than lock_timeout: wait for it as long as it takes.
          await client.query('SET LOCAL lock_timeout = 0');
          await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
          const result = await work();
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      };
      for (;;) {
        const applied = await step(async () => {
          await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
          const { rows: [current] } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0)::int AS version FROM schema_migrations');
          const version = current?.version ?? 0;
          if (version >= POSTGRES_MIGRATIONS.length) return false;
          // DDL is transactional in PostgreSQL: a migration applies completely or not at all.
          await client.query(POSTGRES_MIGRATIONS[version]!);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version + 1, Date.now()]);
          return true;
        });
        if (!applied) break;
      }
      await step(async () => {
        await client.query("INSERT INTO settings (key, value) VALUES ('installation_secret', $1) ON CONFLICT (key) DO NOTHING",
          [randomBytes(32).toString('base64url')]);
      });
      // Rows stored before rollups existed are counted once, here. One snapshot for the check and the
      // rebuild (see rebuildOn); it is taken before the lock is granted, so an instance that waited
      // for another's rebuild fails to serialize (40001) and tries again, then finds it done.
      for (let attempt = 1; ; attempt++) {
        try {
          await step(async () => {
            if ((await client.query('SELECT 1 FROM settings WHERE key = $1', [ROLLUPS_BUILT])).rowCount !== 0) return;
            await this.recomputeInto(client, null);
            await client.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [ROLLUPS_BUILT, String(Date.now())]);
          }, ' ISOLATION LEVEL REPEATABLE READ');
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== '40001' || attempt >= 5) throw error;
        }
      }
      this.startFolding();
    } catch (error) {
      // The connection may hold an open transaction: do not reuse it.
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
      const buckets = await this.recomputeInto(client, projectId);
      await client.query('COMMIT');
      return buckets;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Replaces rollups (and their deltas) by their recomputation, inside the caller's REPEATABLE READ transaction. */
  private async recomputeInto(client: pg.PoolClient, projectId: string | null): Promise<number> {
    await client.query('SELECT pg_advisory_xact_lock($1)', [FOLD_LOCK]);
    const where = projectId === null ? '' : ' WHERE project_id = $1';
    const values = projectId === null ? [] : [projectId];
    await client.query(`DELETE FROM rollup_deltas${where}`, values);
    await client.query(`DELETE FROM rollups${where}`, values);
    const recompute = recomputeRollupsQuery(POSTGRES_DIALECT, projectId);
    const inserted = await client.query(`INSERT INTO rollups (project_id, dimension, value, hour, ${COUNTER_LIST}) ${recompute.text}`, recompute.values);
    return inserted.rowCount ?? 0;
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
    // BEGIN goes out with the transaction's first statements, COMMIT right behind its last writes.
    const pipeline = new Pipeline(client, lockStatement);
    try {
      pipeline.begin();
      const result = await work(this.createTransaction(pipeline));
      await pipeline.commit();
      release();
      return result;
    } catch (error) {
      await pipeline.rollback().then(() => release(), (e: Error) => release(e));
      // The first statement that failed made the later ones fail ("transaction is aborted"): its
      // error (a deadlock, a unique violation) is the one to report and to decide a retry on.
      throw pipeline.failure ?? error;
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

  private createTransaction(db: Pipeline): StorageTransaction {
    /**
     * Serialises this transaction with every other one (in any process) that takes the same key,
     * until commit or rollback. Under READ COMMITTED each statement sees what was committed before
     * it started, so a read issued after the lock is granted sees the other transaction's writes:
     * the lock and the read must be separate statements (the pipeline sends locks as their own
     * statement, before the reads issued with or after them).
     */
    const lock = (key: string): Promise<void> => db.lock([key]);

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
        const [, found] = await Promise.all([lock(`feedback_event:${projectId}:${eventId}`), db.batched(FEEDBACK_BY_EVENT_ID, { projectId, id: eventId })]);
        return found;
      },

      findInteractionById: async (projectId, id) => {
        // Used to recognise the retry of an interaction with a client-chosen id: locked for the same
        // reason as findFeedbackByEventId (two instances receiving the same retry both store nothing twice).
        const [, found] = await Promise.all([lock(`interaction:${projectId}:${id}`), db.batched(INTERACTION_BY_ID, { projectId, id })]);
        return found;
      },

      findLinkCandidates: async (q: LinkCandidateQuery): Promise<LinkCandidates> => {
        const generation = db.generation;
        const { candidates, states } = await db.batched(linkBatch(q), q);
        for (const [id, state] of states) db.remember(stateKey(q.projectId, id), state, generation);
        return candidates;
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

      findConversationNeighbours: (projectId, endUser, timeStart): Promise<ConversationNeighbours> =>
        db.batched(CONVERSATION_NEIGHBOURS, { projectId, endUser, timeStart }),

      findRelinkableFeedback: (projectId, endUser, interactionId, timeEnd, window) =>
        db.batched(RELINKABLE_FEEDBACK, { projectId, endUser, interactionId, from: timeEnd - window.before, to: timeEnd + window.after }),

      findUnlinkedTagUpdates: (projectId, endUser) => db.batched(UNLINKED_TAG_UPDATES, { projectId, endUser }),

      findTraceFeedback: (projectId, traceId) => db.batched(TRACE_FEEDBACK, { projectId, traceId }),

      // Writes are deferred: sent at once behind what was issued before them, not awaited (their
      // failure aborts the transaction, and commit reports it).
      insertInteractions: async (records) => {
        if (records.length === 0) return;
        db.defer(statement(multiRowInsert('interactions', INTERACTION_COLUMNS), columnArrays(INTERACTION_COLUMNS, records)));
      },

      insertFeedback: async (records) => {
        if (records.length === 0) return;
        db.defer(statement(multiRowInsert('feedback', FEEDBACK_COLUMNS), columnArrays(FEEDBACK_COLUMNS, records)));
      },

      updateFeedbackLinks: async (projectId, updates: LinkUpdate[]) => {
        if (updates.length === 0) return;
        // One statement for all; where an id repeats, the last update wins (as if applied in order).
        const last = [...new Map(updates.map((u) => [u.id, u])).values()];
        db.defer(statement(`UPDATE feedback AS f SET status = u.status, link = u.link, interaction_id = u.interaction_id,
            linked_time_end = u.linked_time_end, flags = u.flags
          FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::jsonb[])
            AS u(id, status, link, interaction_id, linked_time_end, flags)
          WHERE f.project_id = $1 AND f.id = u.id`,
        [projectId, last.map((u) => u.id), last.map((u) => u.status), last.map((u) => u.link), last.map((u) => u.interactionId),
          last.map((u) => u.linkedTimeEnd), last.map((u) => jsonParam(u.flags))]));
      },

      insertTagUpdate: async (t: TagUpdateRecord) => {
        db.defer(statement(`INSERT INTO tag_updates (id, project_id, end_user, timestamp, input_hash, output_hash, tags, status, interaction_id, received_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)`,
        [t.id, t.projectId, t.endUser, t.timestamp, t.inputHash, t.outputHash, jsonParam(t.tags), t.status, t.interactionId, t.receivedAt]));
      },

      markTagUpdateLinked: async (projectId, id, interactionId) => {
        db.defer(statement(`UPDATE tag_updates SET status = 'linked', interaction_id = $3 WHERE project_id = $1 AND id = $2`,
          [projectId, id, interactionId]));
      },

      addInteractionTags: async (projectId, interactionId, tags) => {
        // jsonb || merges top-level keys, the right-hand side winning.
        db.defer(statement('UPDATE interactions SET tags = tags || $3::jsonb WHERE project_id = $1 AND id = $2',
          [projectId, interactionId, jsonParam(tags)]));
      },

      // Rollup state: a link candidate's came with it (while nothing was written since).
      findInteractionDimensions: async (projectId, ids) => {
        const found = await Promise.all(ids.map((id) =>
          db.recall<InteractionState>(stateKey(projectId, id))?.dimensions ?? db.batched(INTERACTION_DIMENSIONS, { projectId, id })));
        const out = new Map<string, InteractionDimensions & { timeEnd: number }>();
        ids.forEach((id, k) => { if (found[k]) out.set(id, found[k]); });
        return out;
      },

      findLinkedFeedbackEvents: async (projectId, interactionIds) => {
        const found = await Promise.all(interactionIds.map((id) =>
          db.recall<InteractionState>(stateKey(projectId, id))?.events ?? db.batched(LINKED_FEEDBACK_EVENTS, { projectId, id })));
        const out = new Map<string, FeedbackEvent[]>();
        interactionIds.forEach((id, k) => { if (found[k]!.length > 0) out.set(id, found[k]!); });
        return out;
      },

      addToRollups: async (deltas) => {
        if (deltas.length === 0) return;
        db.defer(statement(ADD_TO_ROLLUP_DELTAS, [
          deltas.map((d) => d.key.projectId), deltas.map((d) => d.key.dimension), deltas.map((d) => d.key.value), deltas.map((d) => d.key.hour),
          ...COUNTERS.map((c) => deltas.map((d) => d.counters[c])),
        ]));
      },

      findPendingReceivedBefore: async (receivedBefore, limit) =>
        (await rows(db, `SELECT * FROM feedback WHERE status = 'pending' AND received_at < $1 ORDER BY received_at, id LIMIT $2`, [receivedBefore, limit]))
          .map(feedbackFromRow),

      markFeedbackOrphaned: async (projectId, ids) => {
        db.defer(statement(`UPDATE feedback SET status = 'orphaned' WHERE project_id = $1 AND id = ANY($2::text[]) AND status = 'pending'`, [projectId, ids]));
      },

      orphanTagUpdates: async (receivedBefore) =>
        (await db.query(statement(`UPDATE tag_updates SET status = 'orphaned' WHERE status = 'pending' AND received_at < $1`, [receivedBefore]))).rowCount ?? 0,
    };
  }
}
