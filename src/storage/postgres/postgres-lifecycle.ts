// The lifecycle part of the PostgreSQL write transaction (port.ts LifecycleTransaction): rows by
// end user or by age, deletes, rows by global id, on the transaction's own connection.
import type pg from 'pg';
import { COUNTERS } from '../../core/rollups.js';
import type { LifecycleTransaction } from '../port.js';
import { feedbackFromRow, tagUpdateFromRow, type Row } from './rows.js';

/** The transaction's connection (a pipeline, see pipeline.ts): statements in the order they are issued. */
interface Queryable { query<R extends pg.QueryResultRow = Row>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> }

/** The advisory lock of whoever folds rollup deltas (FOLD_LOCK in postgres-storage.ts): held, no fold moves rows meanwhile. */
const FOLD_LOCK = '7378705444617158513';
const SAME_KEY = (t: string) => `${t}.project_id = k.project_id AND ${t}.dimension = k.dimension AND ${t}.value = k.value AND ${t}.hour = k.hour`;
/**
 * Deletes the buckets whose folded row and pending deltas add up to nothing, in one statement: its
 * parts share one snapshot, so a delta committed meanwhile by another transaction is neither
 * summed nor deleted (a sum and a delete in two statements would lose it).
 */
const DROP_EMPTY = `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS k(project_id, dimension, value, hour)),
  empty AS (SELECT k.* FROM k WHERE ${COUNTERS.map((c) => `coalesce((SELECT sum(${c}) FROM rollups r WHERE ${SAME_KEY('r')}), 0)
    + coalesce((SELECT sum(${c}) FROM rollup_deltas d WHERE ${SAME_KEY('d')}), 0) = 0`).join(' AND ')}),
  deltas AS (DELETE FROM rollup_deltas d USING empty k WHERE ${SAME_KEY('d')} RETURNING d.id)
  DELETE FROM rollups r USING empty k WHERE ${SAME_KEY('r')}`;

export function postgresLifecycle(db: Queryable): LifecycleTransaction {
  const all = async (text: string, values: unknown[]) => (await db.query<Row>(text, values)).rows;
  const count = async (text: string, values: unknown[]) => (await db.query(text, values)).rowCount ?? 0;
  return {
    findFeedbackById: async (id) => {
      const [row] = await all('SELECT * FROM feedback WHERE id = $1', [id]);
      return row ? feedbackFromRow(row) : null;
    },
    findTagUpdateById: async (id) => {
      const [row] = await all('SELECT * FROM tag_updates WHERE id = $1', [id]);
      return row ? tagUpdateFromRow(row) : null;
    },
    findEndUserInteractionIds: async (projectId, endUser) =>
      (await all('SELECT id FROM interactions WHERE project_id = $1 AND end_user = $2', [projectId, endUser])).map((r) => r['id'] as string),
    findEndUserFeedback: async (projectId, endUser) =>
      (await all('SELECT * FROM feedback WHERE project_id = $1 AND end_user = $2', [projectId, endUser])).map(feedbackFromRow),
    findFeedbackLinkedTo: async (projectId, ids) => ids.length === 0 ? [] :
      (await all(`SELECT * FROM feedback WHERE interaction_id = ANY($1::text[]) AND project_id = $2 AND status = 'linked'`, [ids, projectId]))
        .map(feedbackFromRow),
    findInteractionsEndedBefore: async (projectId, cutoff, limit) =>
      (await all('SELECT id, end_user FROM interactions WHERE project_id = $1 AND time_end < $2 ORDER BY time_end, id LIMIT $3', [projectId, cutoff, limit]))
        .map((r) => ({ id: r['id'] as string, endUser: r['end_user'] as string })),
    findUnlinkedFeedbackBefore: async (projectId, cutoff, limit) =>
      (await all(`SELECT * FROM feedback WHERE project_id = $1 AND status <> 'linked' AND timestamp < $2 ORDER BY timestamp, id LIMIT $3`,
        [projectId, cutoff, limit])).map(feedbackFromRow),
    deleteInteractions: async (projectId, ids) => ids.length === 0 ? 0 :
      count('DELETE FROM interactions WHERE project_id = $1 AND id = ANY($2::text[])', [projectId, ids]),
    deleteFeedback: async (projectId, ids) => ids.length === 0 ? 0 :
      count('DELETE FROM feedback WHERE project_id = $1 AND id = ANY($2::text[])', [projectId, ids]),
    deleteEndUserTagUpdates: async (projectId, endUser) =>
      count('DELETE FROM tag_updates WHERE project_id = $1 AND end_user = $2', [projectId, endUser]),
    deleteTagUpdatesBefore: async (projectId, cutoff, limit) =>
      count('DELETE FROM tag_updates WHERE id IN (SELECT id FROM tag_updates WHERE project_id = $1 AND timestamp < $2 LIMIT $3)', [projectId, cutoff, limit]),
    dropEmptyRollups: async (keys) => {
      if (keys.length === 0) return;
      // No fold moves deltas into rollups meanwhile (folds skip while this is held; rebuilds wait).
      await db.query('SELECT pg_advisory_xact_lock($1)', [FOLD_LOCK]);
      await db.query(DROP_EMPTY, [keys.map((k) => k.projectId), keys.map((k) => k.dimension), keys.map((k) => k.value), keys.map((k) => k.hour)]);
    },
  };
}
