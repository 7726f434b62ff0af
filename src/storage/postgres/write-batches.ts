// The reads of the write path on PostgreSQL as batches (pipeline.ts): one statement answers every
// call of a kind issued in one burst, whatever its size, by a LATERAL join of the same index-backed
// sub-queries a single call would run against the calls' keys passed as arrays (unnest ... WITH
// ORDINALITY numbers them). Statement texts are fixed, so each is prepared once per connection.
// Each key's sub-query is a LATERAL one that cannot be merged into a join (it has a LIMIT, or
// OFFSET 0 where no limit applies), so it always runs as the index probe it is, once per key: on
// a new database, before ANALYZE has run, the planner would otherwise hash-join the keys against a
// whole table. Partial indexes need their predicate written out (e.g. `trace_id IS NOT NULL`) when
// the key comes from the outer row.
import type pg from 'pg';
import type { ConversationNeighbours } from '../../core/conversations.js';
import type { FeedbackEvent } from '../../core/feedback-summary.js';
import type { LinkCandidateQuery, LinkCandidates } from '../../core/linking.js';
import type { FeedbackRecord, InteractionRecord, InteractionSummary, TagUpdateRecord } from '../../core/model.js';
import type { InteractionDimensions } from '../../core/rollups.js';
import { feedbackEventFromRow } from '../read-rows.js';
import { COMMENT_SQL, DIMENSION_COLUMNS, FEEDBACK_EVENT_COLUMNS } from '../sql/read-sql.js';
import { summaryFromRow, summaryWithTextFromRow, SUMMARY_COLUMNS, SUMMARY_WITH_TEXT_COLUMNS } from '../summary.js';
import type { Batch, Row } from './pipeline.js';
import { feedbackFromRow, interactionFromRow, tagUpdateFromRow } from './rows.js';

/** How many unlinked feedback of one end user are re-examined when one of their interactions arrives. */
export const RELINK_LIMIT = 1000;

/** SQL text -> prepared statement name, so each connection parses a statement once. */
const statementNames = new Map<string, string>();
export function statement(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `feedloop_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

type SqlType = 'text' | 'bigint';

/** A batch over keys with these columns: `FROM unnest(...) WITH ORDINALITY AS q(<names>, n)` then `body`. */
function batch<K, R>(columns: [string, SqlType, (k: K) => unknown][], body: (from: string) => string, answer: (rows: Row[], key: K) => R): Batch<K, R> {
  const from = `unnest(${columns.map(([, type], k) => `$${k + 1}::${type}[]`).join(', ')}) WITH ORDINALITY AS q(${columns.map(([name]) => name).join(', ')}, n)`;
  const text = body(from);
  return {
    query: (keys) => statement(text, columns.map(([, , get]) => keys.map(get))),
    answer,
  };
}

function byKind(rows: Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const row of rows) {
    const kind = row['kind'] as string;
    const list = out.get(kind);
    if (list) list.push(row);
    else out.set(kind, [row]);
  }
  return out;
}

const first = (found: Map<string, Row[]>, kind: string): InteractionSummary | null => {
  const row = found.get(kind)?.[0];
  return row ? summaryFromRow(row) : null;
};

const none = (): LinkCandidates => ({ byId: null, byTrace: null, contentEndedBy: null, contentEarliest: null, timeEndedBy: null, timeAfter: null, recent: [] });

// ---- link candidates: one batch per shape of query -------------------------------------------

/** What rollup maintenance reads of an interaction (RollupTracker's first touch). */
export interface InteractionState { dimensions: InteractionDimensions & { timeEnd: number }; events: FeedbackEvent[] }

/**
 * Link candidates, and the rollup state of each candidate (but the copied-text search's recent
 * ones) read in the same statement: the interaction a feedback links to is about to be touched by
 * RollupTracker, which then needs no round trip of its own.
 */
export interface LinkAnswer { candidates: LinkCandidates; states: [id: string, state: InteractionState][] }

type Q = LinkCandidateQuery;
const PID: [string, SqlType, (q: Q) => unknown] = ['pid', 'text', (q) => q.projectId];
const USER: [string, SqlType, (q: Q) => unknown] = ['eu', 'text', (q) => q.endUser];

/** The columns of a candidate: its summary (with texts for the copied-text search) and its dimensions. */
const candidateColumns = (withText: boolean) => `${withText ? SUMMARY_WITH_TEXT_COLUMNS : SUMMARY_COLUMNS}, model, feature_flags, tags`;

/**
 * A candidate's linked feedback as JSON events (FEEDBACK_EVENT_COLUMNS' names). Only the index's
 * own columns inside the fence: it is then the planner's one choice (see LINKED_FEEDBACK_EVENTS).
 */
const EVENTS_OF_CANDIDATE = `(SELECT coalesce(json_agg(json_build_object('id', e.id, 'slug', e.slug, 'value', e.value, 'end_user', e.end_user,
    'timestamp', e.timestamp, 'received_at', e.received_at, 'commented', ${COMMENT_SQL('e')})), '[]'::json)
  FROM (SELECT * FROM feedback WHERE project_id = q.pid AND interaction_id = c.id AND interaction_id IS NOT NULL OFFSET 0) e WHERE e.status = 'linked')`;

function linkAnswer(rows: Row[], candidates: LinkCandidates): LinkAnswer {
  const states: [string, InteractionState][] = [];
  for (const row of rows) {
    const events = row['events'] as Row[] | null;
    if (events === null) continue;
    states.push([row['id'] as string, {
      dimensions: { model: row['model'] as string | null, featureFlags: row['feature_flags'] as string[], tags: row['tags'] as Record<string, string>, timeEnd: row['time_end'] as number },
      events: events.map(feedbackEventFromRow),
    }]);
  }
  return { candidates, states };
}

const LINK_BY_ID = batch<Q, LinkAnswer>([PID, ['ref', 'text', (q) => q.interactionRef]],
  (from) => `SELECT q.n, c.*, ${EVENTS_OF_CANDIDATE} AS events FROM ${from}
    CROSS JOIN LATERAL (SELECT ${candidateColumns(false)} FROM interactions WHERE project_id = q.pid AND id = q.ref LIMIT 1) c`,
  (rows) => linkAnswer(rows, { ...none(), byId: rows[0] ? summaryFromRow(rows[0]) : null }));

const LINK_BY_TRACE = batch<Q, LinkAnswer>([PID, ['trace', 'text', (q) => q.traceRef], ['span', 'text', (q) => q.spanRef]],
  (from) => `SELECT q.n, c.*, ${EVENTS_OF_CANDIDATE} AS events FROM ${from} CROSS JOIN LATERAL (SELECT ${candidateColumns(false)} FROM interactions
    WHERE project_id = q.pid AND trace_id = q.trace AND trace_id IS NOT NULL AND (q.span IS NULL OR span_id = q.span) ORDER BY time_end DESC, id DESC LIMIT 1) c`,
  (rows) => linkAnswer(rows, { ...none(), byTrace: rows[0] ? summaryFromRow(rows[0]) : null }));

/** Content: the latest match that ended by the timestamp, and the earliest of all (used only when there is none). */
function contentBatch(match: string, hashes: [string, SqlType, (q: Q) => unknown][]): Batch<Q, LinkAnswer> {
  const base = `FROM interactions WHERE project_id = q.pid AND end_user = q.eu AND ${match}`;
  return batch<Q, LinkAnswer>([PID, USER, ['ts', 'bigint', (q) => q.timestamp], ...hashes],
    (from) => `SELECT q.n, c.*, ${EVENTS_OF_CANDIDATE} AS events FROM ${from} CROSS JOIN LATERAL (
      (SELECT 'ended_by' AS kind, ${candidateColumns(false)} ${base} AND time_end <= q.ts ORDER BY time_end DESC, id DESC LIMIT 1)
      UNION ALL (SELECT 'earliest' AS kind, ${candidateColumns(false)} ${base} ORDER BY time_end ASC, id ASC LIMIT 1)) c`,
    (rows) => {
      const found = byKind(rows);
      const endedBy = first(found, 'ended_by');
      return linkAnswer(rows, { ...none(), contentEndedBy: endedBy, contentEarliest: endedBy ? null : first(found, 'earliest') });
    });
}
const OUTPUT: [string, SqlType, (q: Q) => unknown] = ['oh', 'text', (q) => q.outputHash];
const INPUT: [string, SqlType, (q: Q) => unknown] = ['ih', 'text', (q) => q.inputHash];
const LINK_BY_OUTPUT = contentBatch('output_hash = q.oh', [OUTPUT]);
const LINK_BY_INPUT = contentBatch('input_hash = q.ih', [INPUT]);
const LINK_BY_BOTH = contentBatch('output_hash = q.oh AND input_hash = q.ih', [OUTPUT, INPUT]);

/** Time: the latest that ended in [from, timestamp], the earliest in (timestamp, until]; with copied text, the recent ones too. */
function timeBatch(withRecent: boolean): Batch<Q, LinkAnswer> {
  const base = 'FROM interactions WHERE project_id = q.pid AND end_user = q.eu';
  // The arms of a UNION select the same columns: the texts too when the copied-text search needs them.
  const columns = candidateColumns(withRecent);
  const recent = withRecent
    ? `UNION ALL (SELECT 'recent' AS kind, ${columns} ${base} AND time_end BETWEEN q.lo AND q.hi ORDER BY time_end DESC, id DESC LIMIT q.lim)`
    : '';
  return batch<Q, LinkAnswer>([PID, USER, ['lo', 'bigint', (q) => q.from], ['ts', 'bigint', (q) => q.timestamp], ['hi', 'bigint', (q) => q.until],
    ...(withRecent ? [['lim', 'bigint', (q: Q) => q.recentLimit] as [string, SqlType, (q: Q) => unknown]] : [])],
  (from) => `SELECT q.n, c.*, CASE WHEN c.kind = 'recent' THEN NULL ELSE ${EVENTS_OF_CANDIDATE} END AS events FROM ${from} CROSS JOIN LATERAL (
      (SELECT 'ended_by' AS kind, ${columns} ${base} AND time_end BETWEEN q.lo AND q.ts ORDER BY time_end DESC, id DESC LIMIT 1)
      UNION ALL (SELECT 'after' AS kind, ${columns} ${base} AND time_end > q.ts AND time_end <= q.hi ORDER BY time_end ASC, id ASC LIMIT 1)
      ${recent}) c`,
  (rows) => {
    const found = byKind(rows);
    const endedBy = first(found, 'ended_by');
    // UNION ALL does not promise the order of its rows: sort latest first here.
    const recentRows = (found.get('recent') ?? []).map(summaryWithTextFromRow)
      .sort((a, b) => b.timeEnd - a.timeEnd || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return linkAnswer(rows, { ...none(), timeEndedBy: endedBy, timeAfter: endedBy ? null : first(found, 'after'), recent: recentRows });
  });
}
const LINK_BY_TIME = timeBatch(false);
const LINK_BY_TIME_RECENT = timeBatch(true);

/** The batch that answers this query (its shape decides which sub-queries run). */
export function linkBatch(q: LinkCandidateQuery): Batch<LinkCandidateQuery, LinkAnswer> {
  if (q.interactionRef !== null) return LINK_BY_ID;
  if (q.traceRef !== null) return LINK_BY_TRACE;
  if (q.outputHash !== null) return q.inputHash !== null ? LINK_BY_BOTH : LINK_BY_OUTPUT;
  if (q.inputHash !== null) return LINK_BY_INPUT;
  return q.recentLimit > 0 ? LINK_BY_TIME_RECENT : LINK_BY_TIME;
}

// ---- lookups by key --------------------------------------------------------------------------

export interface ProjectKey { projectId: string; id: string }
const P: [string, SqlType, (k: { projectId: string }) => unknown] = ['pid', 'text', (k) => k.projectId];
const ID: [string, SqlType, (k: ProjectKey) => unknown] = ['iid', 'text', (k) => k.id];

export const FEEDBACK_BY_EVENT_ID = batch<ProjectKey, FeedbackRecord | null>([P, ID],
  (from) => `SELECT q.n, f.* FROM ${from} CROSS JOIN LATERAL (SELECT * FROM feedback WHERE project_id = q.pid AND event_id = q.iid AND event_id IS NOT NULL LIMIT 1) f`,
  (rows) => (rows[0] ? feedbackFromRow(rows[0]) : null));

export const INTERACTION_BY_ID = batch<ProjectKey, InteractionRecord | null>([P, ID],
  (from) => `SELECT q.n, i.* FROM ${from} CROSS JOIN LATERAL (SELECT * FROM interactions WHERE project_id = q.pid AND id = q.iid LIMIT 1) i`,
  (rows) => (rows[0] ? interactionFromRow(rows[0]) : null));

export const INTERACTION_DIMENSIONS = batch<ProjectKey, (InteractionDimensions & { timeEnd: number }) | null>([P, ID],
  (from) => `SELECT q.n, ${DIMENSION_COLUMNS} FROM ${from} CROSS JOIN LATERAL (SELECT * FROM interactions WHERE project_id = q.pid AND id = q.iid LIMIT 1) i`,
  (rows) => {
    const row = rows[0];
    return row
      ? { model: row['model'] as string | null, featureFlags: row['feature_flags'] as string[], tags: row['tags'] as Record<string, string>, timeEnd: row['time_end'] as number }
      : null;
  });

export const LINKED_FEEDBACK_EVENTS = batch<ProjectKey, FeedbackEvent[]>([P, ID],
  // Only the columns of feedback_interaction (project_id, interaction_id, timestamp) inside the fence:
  // it is then the planner's one choice, even without statistics (status = 'linked' would make the
  // project-wide index of linked feedback look as good, and it scans a whole project).
  (from) => `SELECT q.n, ${FEEDBACK_EVENT_COLUMNS} FROM ${from}
    CROSS JOIN LATERAL (SELECT * FROM feedback WHERE project_id = q.pid AND interaction_id = q.iid AND interaction_id IS NOT NULL OFFSET 0) f
    WHERE f.status = 'linked'`,
  (rows) => rows.map(feedbackEventFromRow));

export interface NeighboursKey { projectId: string; endUser: string; timeStart: number }
export const CONVERSATION_NEIGHBOURS = batch<NeighboursKey, ConversationNeighbours>(
  [P, ['eu', 'text', (k) => k.endUser], ['ts', 'bigint', (k) => k.timeStart]],
  (from) => {
    const base = 'FROM interactions WHERE project_id = q.pid AND end_user = q.eu AND conversation_auto';
    return `SELECT q.n, c.* FROM ${from} CROSS JOIN LATERAL (
      (SELECT 'previous' AS kind, ${SUMMARY_COLUMNS} ${base} AND time_start <= q.ts ORDER BY time_start DESC, id DESC LIMIT 1)
      UNION ALL (SELECT 'next' AS kind, ${SUMMARY_COLUMNS} ${base} AND time_start > q.ts ORDER BY time_start ASC, id ASC LIMIT 1)) c`;
  },
  (rows) => {
    const found = byKind(rows);
    return { previous: first(found, 'previous'), next: first(found, 'next') };
  });

export interface RelinkKey { projectId: string; endUser: string; interactionId: string; from: number; to: number }
/** The three index-backed sets (unlinked of the end user, waiting for this id, provisional time links near it), each row once. */
export const RELINKABLE_FEEDBACK = batch<RelinkKey, FeedbackRecord[]>(
  [P, ['eu', 'text', (k) => k.endUser], ['iid', 'text', (k) => k.interactionId], ['lo', 'bigint', (k) => k.from], ['hi', 'bigint', (k) => k.to]],
  (from) => `SELECT q.n, f.* FROM ${from} CROSS JOIN LATERAL (SELECT * FROM feedback WHERE project_id = q.pid AND id IN (
      (SELECT id FROM feedback WHERE project_id = q.pid AND end_user = q.eu AND status <> 'linked' ORDER BY received_at DESC LIMIT ${RELINK_LIMIT})
      UNION ALL (SELECT id FROM feedback WHERE project_id = q.pid AND interaction_ref = q.iid AND interaction_ref IS NOT NULL AND status <> 'linked')
      UNION ALL (SELECT id FROM feedback WHERE project_id = q.pid AND end_user = q.eu AND link = 'time' AND timestamp BETWEEN q.lo AND q.hi))) f
    ORDER BY q.n, f.received_at DESC, f.id DESC`,
  (rows) => rows.map(feedbackFromRow));

export interface UserKey { projectId: string; endUser: string }
export const UNLINKED_TAG_UPDATES = batch<UserKey, TagUpdateRecord[]>([P, ['eu', 'text', (k) => k.endUser]],
  (from) => `SELECT q.n, t.* FROM ${from} CROSS JOIN LATERAL (SELECT * FROM tag_updates
      WHERE project_id = q.pid AND end_user = q.eu AND status <> 'linked' ORDER BY received_at, id LIMIT ${RELINK_LIMIT}) t
    ORDER BY q.n, t.received_at, t.id`,
  (rows) => rows.map(tagUpdateFromRow));

export interface TraceKey { projectId: string; traceId: string }
/** Feedback naming the trace that an interaction of it may link: unlinked, or linked by trace id alone. */
export const TRACE_FEEDBACK = batch<TraceKey, FeedbackRecord[]>([P, ['trace', 'text', (k) => k.traceId]],
  (from) => `SELECT q.n, f.* FROM ${from} CROSS JOIN LATERAL (SELECT * FROM feedback
      WHERE project_id = q.pid AND trace_ref = q.trace AND trace_ref IS NOT NULL AND (status <> 'linked' OR (link = 'trace' AND span_ref IS NULL))
      ORDER BY received_at DESC, id DESC LIMIT ${RELINK_LIMIT}) f
    ORDER BY q.n, f.received_at DESC, f.id DESC`,
  (rows) => rows.map(feedbackFromRow));

/** Transaction-scoped advisory locks on these keys, taken in the order given, in one statement. */
export const lockStatement = (keys: string[]): pg.QueryConfig =>
  statement('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n', [keys]);
