// The lifecycle part of the SQLite write transaction (port.ts LifecycleTransaction): rows by end
// user or by age, deletes, rows by global id. Lists of ids are bound as one JSON array, so one
// prepared statement serves any number of them.
import type Database from 'better-sqlite3';
import { COUNTERS } from '../../core/rollups.js';
import type { LifecycleTransaction } from '../port.js';
import { feedbackFromRow, tagUpdateFromRow, type Row } from './rows.js';

const IDS = '(SELECT value FROM json_each(?))';
const DROP_EMPTY = `DELETE FROM rollups WHERE project_id = ? AND dimension = ? AND value = ? AND hour = ? AND ${COUNTERS.map((c) => `${c} = 0`).join(' AND ')}`;

export function sqliteLifecycle(prepare: (sql: string) => Database.Statement): LifecycleTransaction {
  const all = (sql: string, ...params: unknown[]) => prepare(sql).all(...params) as Row[];
  return {
    findFeedbackById: async (id) => {
      const row = prepare('SELECT * FROM feedback WHERE id = ?').get(id) as Row | undefined;
      return row ? feedbackFromRow(row) : null;
    },
    findTagUpdateById: async (id) => {
      const row = prepare('SELECT * FROM tag_updates WHERE id = ?').get(id) as Row | undefined;
      return row ? tagUpdateFromRow(row) : null;
    },
    findEndUserInteractionIds: async (projectId, endUser) =>
      all('SELECT id FROM interactions WHERE project_id = ? AND end_user = ?', projectId, endUser).map((r) => r['id'] as string),
    findEndUserFeedback: async (projectId, endUser) =>
      all('SELECT * FROM feedback WHERE project_id = ? AND end_user = ?', projectId, endUser).map(feedbackFromRow),
    findFeedbackLinkedTo: async (projectId, ids) => ids.length === 0 ? [] :
      all(`SELECT * FROM feedback WHERE interaction_id IN ${IDS} AND project_id = ? AND status = 'linked'`, JSON.stringify(ids), projectId)
        .map(feedbackFromRow),
    findInteractionsEndedBefore: async (projectId, cutoff, limit) =>
      all('SELECT id, end_user FROM interactions WHERE project_id = ? AND time_end < ? ORDER BY time_end, id LIMIT ?', projectId, cutoff, limit)
        .map((r) => ({ id: r['id'] as string, endUser: r['end_user'] as string })),
    findUnlinkedFeedbackBefore: async (projectId, cutoff, limit) =>
      all(`SELECT * FROM feedback WHERE project_id = ? AND status <> 'linked' AND timestamp < ? ORDER BY timestamp, id LIMIT ?`, projectId, cutoff, limit)
        .map(feedbackFromRow),
    deleteInteractions: async (projectId, ids) => ids.length === 0 ? 0 :
      prepare(`DELETE FROM interactions WHERE project_id = ? AND id IN ${IDS}`).run(projectId, JSON.stringify(ids)).changes,
    deleteFeedback: async (projectId, ids) => ids.length === 0 ? 0 :
      prepare(`DELETE FROM feedback WHERE project_id = ? AND id IN ${IDS}`).run(projectId, JSON.stringify(ids)).changes,
    deleteEndUserTagUpdates: async (projectId, endUser) =>
      prepare('DELETE FROM tag_updates WHERE project_id = ? AND end_user = ?').run(projectId, endUser).changes,
    deleteTagUpdatesBefore: async (projectId, cutoff, limit) =>
      prepare('DELETE FROM tag_updates WHERE id IN (SELECT id FROM tag_updates WHERE project_id = ? AND timestamp < ? LIMIT ?)').run(projectId, cutoff, limit).changes,
    dropEmptyRollups: async (keys) => {
      const statement = prepare(DROP_EMPTY);
      for (const k of keys) statement.run(k.projectId, k.dimension, k.value, k.hour);
    },
  };
}
