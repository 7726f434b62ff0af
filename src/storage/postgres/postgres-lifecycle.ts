// The lifecycle part of the PostgreSQL write transaction (port.ts LifecycleTransaction): rows by
// end user or by age, deletes, rows by global id, on the transaction's own connection.
import type pg from 'pg';
import type { LifecycleTransaction } from '../port.js';
import { feedbackFromRow, tagUpdateFromRow, type Row } from './rows.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

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
  };
}
