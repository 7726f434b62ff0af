// The SQL of the read side, written once for both adapters: filters, keyset pagination and the
// recomputation of rollups from raw rows. The few places where SQLite and PostgreSQL differ
// (placeholders, JSON access, text search, byte-order collation) are a small dialect object.
import { COMMENT_SLUGS } from '../../core/feedback-summary.js';
import type { FeedbackFilter, InteractionFilter } from '../../core/queries.js';
import { COUNTERS, HOUR_MS, type Dimension } from '../../core/rollups.js';
import type { PageQuery } from '../port.js';

export interface SqlDialect {
  /** The placeholder of the n-th parameter (1-based). */
  placeholder(n: number): string;
  /** Whether a JSON array of strings holds the value (a parameter placeholder). */
  jsonArrayHas(column: string, value: string): string;
  /** The text of a key of a JSON object (key: a parameter placeholder). */
  jsonObjectText(column: string, key: string): string;
  /** Case-insensitive substring test, the needle a parameter placeholder (taken literally, no wildcards). */
  containsText(column: string, needle: string): string;
  /** Appended to an id in ORDER BY where the order must be byte order (it decides current votes, as in JS). */
  readonly byteOrder: string;
  /** FROM items that expand a JSON array / object column into rows (value) / (key, value) with the given alias. */
  jsonArrayRows(column: string, alias: string): string;
  jsonObjectRows(column: string, alias: string): string;
  /** A list-valued parameter: `IN (...)` over the values. */
  inList(column: string, values: readonly unknown[], params: Params): string;
}

/** Collects parameters and hands out their placeholders. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlDialect) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}

export interface Query { text: string; values: unknown[] }

const SLUG_LIST = (slugs: Iterable<string>) => [...slugs].map((s) => `'${s}'`).join(', ');

/** SQL for "this feedback carries a comment" (core/feedback-summary.ts isComment): one definition. */
export const COMMENT_SQL = (alias: string) => `(${alias}.text IS NOT NULL AND ${alias}.text <> '' AND ${alias}.slug IN (${SLUG_LIST(COMMENT_SLUGS)}))`;

/** The start of the UTC hour holding a millisecond time (floor, also before 1970). */
export const HOUR_SQL = (column: string) => `(${column} - ((${column} % ${HOUR_MS}) + ${HOUR_MS}) % ${HOUR_MS})`;

/** The keyset condition and order of a list ordered by (time, id). */
function keyset(params: Params, page: PageQuery, time: string, id: string): { where: string[]; order: string; limit: string } {
  const direction = page.order === 'oldest' ? 'ASC' : 'DESC';
  const where = page.after ? [`(${time}, ${id}) ${page.order === 'oldest' ? '>' : '<'} (${params.add(page.after.time)}, ${params.add(page.after.id)})`] : [];
  return { where, order: `ORDER BY ${time} ${direction}, ${id} ${direction}`, limit: `LIMIT ${params.add(page.limit)}` };
}

const whereOf = (conditions: string[]) => (conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '');

/** Conditions on an interaction's own fields (alias `a`). */
export function interactionConditions(d: SqlDialect, params: Params, a: string, f: InteractionFilter): string[] {
  const c: string[] = [];
  if (f.from !== null) c.push(`${a}.time_end >= ${params.add(f.from)}`);
  if (f.to !== null) c.push(`${a}.time_end < ${params.add(f.to)}`);
  if (f.endUser !== null) c.push(`${a}.end_user = ${params.add(f.endUser)}`);
  if (f.model !== null) c.push(`${a}.model = ${params.add(f.model)}`);
  if (f.featureFlag !== null) c.push(d.jsonArrayHas(`${a}.feature_flags`, params.add(f.featureFlag)));
  for (const [key, value] of f.tags) c.push(`${d.jsonObjectText(`${a}.tags`, params.add(key))} = ${params.add(value)}`);
  if (f.conversationId !== null) c.push(`${a}.conversation_id = ${params.add(f.conversationId)}`);
  if (f.text !== null) {
    const needle = params.add(f.text);
    c.push(`(${d.containsText(`${a}.input`, needle)} OR ${d.containsText(`${a}.output`, needle)})`);
  }
  if (f.traceId !== null) c.push(`${a}.trace_id = ${params.add(f.traceId.toLowerCase())}`);
  return c;
}

export function listInteractionsQuery(d: SqlDialect, projectId: string, f: InteractionFilter, page: PageQuery, withoutFeedback: boolean): Query {
  const params = new Params(d);
  const where = [`i.project_id = ${params.add(projectId)}`, ...interactionConditions(d, params, 'i', f)];
  if (withoutFeedback) {
    where.push(`NOT EXISTS (SELECT 1 FROM feedback f WHERE f.interaction_id = i.id AND f.interaction_id IS NOT NULL AND f.project_id = i.project_id AND f.status = 'linked')`);
  }
  const k = keyset(params, page, 'i.time_end', 'i.id');
  return { text: `SELECT i.* FROM interactions i ${whereOf([...where, ...k.where])} ${k.order} ${k.limit}`, values: params.values };
}

export function findInteractionsQuery(d: SqlDialect, projectId: string, ids: readonly string[], f: InteractionFilter, columns = 'i.*'): Query {
  const params = new Params(d);
  const where = [`i.project_id = ${params.add(projectId)}`, d.inList('i.id', ids, params), ...interactionConditions(d, params, 'i', f)];
  return { text: `SELECT ${columns} FROM interactions i ${whereOf(where)}`, values: params.values };
}

/** The columns rollup maintenance reads of an interaction. */
export const DIMENSION_COLUMNS = 'i.id, i.model, i.feature_flags, i.tags, i.time_end';

/** Interactions with linked feedback, as distinct (time_end, id) positions, from the linked-feedback index. */
export function reactedInteractionsQuery(d: SqlDialect, projectId: string, slug: string | null, range: { from: number | null; to: number | null },
  page: PageQuery): Query {
  const params = new Params(d);
  const where = [`f.project_id = ${params.add(projectId)}`, `f.status = 'linked'`];
  if (slug !== null) where.push(`f.slug = ${params.add(slug)}`);
  if (range.from !== null) where.push(`f.linked_time_end >= ${params.add(range.from)}`);
  if (range.to !== null) where.push(`f.linked_time_end < ${params.add(range.to)}`);
  const k = keyset(params, page, 'f.linked_time_end', 'f.interaction_id');
  return {
    text: `SELECT f.linked_time_end AS time_end, f.interaction_id FROM feedback f ${whereOf([...where, ...k.where])}
      GROUP BY f.linked_time_end, f.interaction_id ${k.order} ${k.limit}`,
    values: params.values,
  };
}

export function feedbackOfInteractionsQuery(d: SqlDialect, projectId: string, ids: readonly string[], columns = 'f.*'): Query {
  const params = new Params(d);
  return {
    text: `SELECT ${columns} FROM feedback f WHERE ${d.inList('f.interaction_id', ids, params)} AND f.interaction_id IS NOT NULL
      AND f.project_id = ${params.add(projectId)} AND f.status = 'linked' ORDER BY f.interaction_id, f.timestamp, f.received_at, f.id`,
    values: params.values,
  };
}

/** The columns FeedbackEvent needs (rollup maintenance reads only these). */
export const FEEDBACK_EVENT_COLUMNS = `f.id, f.interaction_id, f.slug, f.value, f.end_user, f.timestamp, f.received_at, ${COMMENT_SQL('f')} AS commented`;

export function listFeedbackQuery(d: SqlDialect, projectId: string, f: FeedbackFilter, page: PageQuery, pendingCutoff: number): Query {
  const params = new Params(d);
  const p = params.add(projectId);
  const where = [`f.project_id = ${p}`];
  if (f.from !== null) where.push(`f.timestamp >= ${params.add(f.from)}`);
  if (f.to !== null) where.push(`f.timestamp < ${params.add(f.to)}`);
  if (f.endUser !== null) where.push(`f.end_user = ${params.add(f.endUser)}`);
  if (f.slugs.length > 0) where.push(d.inList('f.slug', f.slugs, params));
  if (f.status === 'linked') where.push(`f.status = 'linked'`);
  // Pending past the TTL reads as orphaned even before the sweep has marked it.
  if (f.status === 'pending') where.push(`f.status = 'pending' AND f.received_at >= ${params.add(pendingCutoff)}`);
  if (f.status === 'orphaned') where.push(`(f.status = 'orphaned' OR (f.status = 'pending' AND f.received_at < ${params.add(pendingCutoff)}))`);
  if (f.hasText !== null) where.push(f.hasText ? COMMENT_SQL('f') : `NOT ${COMMENT_SQL('f')}`);
  if (f.value !== null) where.push(`f.value = ${params.add(f.value)}`);
  if (f.minValue !== null) where.push(`f.value >= ${params.add(f.minValue)}`);
  if (f.maxValue !== null) where.push(`f.value <= ${params.add(f.maxValue)}`);
  if (f.interactionId !== null) where.push(`f.interaction_id = ${params.add(f.interactionId)}`);
  if (f.text !== null) where.push(d.containsText('f.text', params.add(f.text)));
  const onInteraction = interactionConditions(d, params, 'i', {
    from: null, to: null, endUser: null, model: f.model, featureFlag: f.featureFlag, tags: f.tags, conversationId: null, text: null, traceId: null,
  });
  if (onInteraction.length > 0) {
    where.push(`f.status = 'linked' AND EXISTS (SELECT 1 FROM interactions i WHERE i.project_id = f.project_id AND i.id = f.interaction_id AND ${onInteraction.join(' AND ')})`);
  }
  if (f.traceId !== null) {
    const t = params.add(f.traceId.toLowerCase());
    where.push(`(f.trace_ref = ${t} OR EXISTS (SELECT 1 FROM interactions i WHERE i.project_id = f.project_id AND i.id = f.interaction_id AND i.trace_id = ${t}))`);
  }
  if (f.conversationId !== null) {
    const c = params.add(f.conversationId);
    where.push(`(f.conversation_id = ${c} OR EXISTS (SELECT 1 FROM interactions i WHERE i.project_id = f.project_id AND i.id = f.interaction_id AND i.conversation_id = ${c}))`);
  }
  const k = keyset(params, page, 'f.timestamp', 'f.id');
  return { text: `SELECT f.* FROM feedback f ${whereOf([...where, ...k.where])} ${k.order} ${k.limit}`, values: params.values };
}

export function conversationQuery(d: SqlDialect, projectId: string, conversationId: string, page: PageQuery): Query {
  const params = new Params(d);
  const where = [`i.project_id = ${params.add(projectId)}`, `i.conversation_id = ${params.add(conversationId)}`];
  const k = keyset(params, page, 'i.time_start', 'i.id');
  return { text: `SELECT i.* FROM interactions i ${whereOf([...where, ...k.where])} ${k.order} ${k.limit}`, values: params.values };
}

export function unlinkedCountsQuery(d: SqlDialect, projectId: string, range: { from: number; to: number },
  filter: { endUser: string | null; conversationId: string | null }): Query {
  const params = new Params(d);
  const where = [`f.project_id = ${params.add(projectId)}`, `f.status <> 'linked'`, `f.timestamp >= ${params.add(range.from)}`, `f.timestamp < ${params.add(range.to)}`];
  if (filter.endUser !== null) where.push(`f.end_user = ${params.add(filter.endUser)}`);
  if (filter.conversationId !== null) where.push(`f.conversation_id = ${params.add(filter.conversationId)}`);
  return {
    text: `SELECT ${HOUR_SQL('f.timestamp')} AS hour, sum(CASE WHEN f.status = 'pending' THEN 1 ELSE 0 END) AS pending,
      sum(CASE WHEN f.status = 'orphaned' THEN 1 ELSE 0 END) AS orphaned
      FROM feedback f ${whereOf(where)} GROUP BY ${HOUR_SQL('f.timestamp')} ORDER BY 1`,
    values: params.values,
  };
}

const COUNTER_COLUMNS = COUNTERS.join(', ');
/** Sums of every counter; cast back to BIGINT, which PostgreSQL would widen to numeric. */
const SUMMED = () => COUNTERS.map((c) => `CAST(sum(${c}) AS BIGINT) AS ${c}`).join(', ');

/** Hours summed into longer buckets: `sizeMs` long, starting `offsetMs` after the epoch (e.g. UTC days, ISO weeks). */
export interface Rebucket { sizeMs: number; offsetMs: number }

/**
 * Rollup buckets of one dimension from one table (or, on PostgreSQL, the union of the rollups and
 * the deltas not folded in yet), per (value, hour), per (value, longer bucket), or summed per value.
 * Rows of one table are unique per (value, hour): then the hourly form needs no grouping.
 */
export function rollupsQuery(d: SqlDialect, tables: readonly string[], projectId: string, q: { dimension: Dimension; value: string | null; fromHour: number; toHour: number },
  groupBy: 'value_hour' | 'value' | Rebucket): Query {
  const params = new Params(d);
  const p = params.add(projectId);
  const dim = params.add(q.dimension);
  const value = q.value === null ? null : params.add(q.value);
  const from = params.add(q.fromHour);
  const to = params.add(q.toHour);
  const arms = tables.map((t) => `SELECT value, hour, ${COUNTER_COLUMNS} FROM ${t}
    WHERE project_id = ${p} AND dimension = ${dim}${value === null ? '' : ` AND value = ${value}`} AND hour >= ${from} AND hour < ${to}`);
  if (groupBy === 'value_hour' && tables.length === 1) return { text: `${arms[0]} ORDER BY value, hour`, values: params.values };
  if (typeof groupBy === 'object') {
    const size = Math.round(groupBy.sizeMs);
    const offset = Math.round(groupBy.offsetMs);
    const bucket = `(hour - ((hour - ${offset}) % ${size} + ${size}) % ${size})`;
    return { text: `SELECT value, ${bucket} AS hour, ${SUMMED()} FROM (${arms.join(' UNION ALL ')}) u GROUP BY value, ${bucket} ORDER BY value, 2`, values: params.values };
  }
  const keys = groupBy === 'value_hour' ? 'value, hour' : 'value';
  return { text: `SELECT ${keys}, ${SUMMED()} FROM (${arms.join(' UNION ALL ')}) u GROUP BY ${keys} ORDER BY ${keys}`, values: params.values };
}

export function dumpRollupsQuery(d: SqlDialect, tables: readonly string[], projectId: string): Query {
  const params = new Params(d);
  const p = params.add(projectId);
  const arms = tables.map((t) => `SELECT project_id, dimension, value, hour, ${COUNTER_COLUMNS} FROM ${t} WHERE project_id = ${p}`);
  return {
    text: `SELECT project_id, dimension, value, hour, ${SUMMED()} FROM (${arms.join(' UNION ALL ')}) u
      GROUP BY project_id, dimension, value, hour ORDER BY dimension, value, hour`,
    values: params.values,
  };
}

const VOTE_GROUP = `CASE WHEN f.slug IN ('thumbs_up', 'thumbs_down') THEN 1 WHEN f.slug = 'rating' THEN 2 ELSE 3 END`;
const isSlug = (slug: string, extra = '') => `CASE WHEN slug = '${slug}'${extra} THEN 1 ELSE 0 END`;

/**
 * Rollup buckets computed from the raw rows alone: the current vote of each (interaction, end user,
 * kind) by a window function, the per-interaction summary, its contribution to each bucket, and the
 * unlinked feedback. Independent of the code that maintains rollups, so each checks the other.
 * Restricted to a range, only the feedback of interactions in it is read (by linked_time_end, which
 * is the time_end of the interaction a feedback is linked to).
 */
export function recomputeRollupsQuery(d: SqlDialect, projectId: string | null,
  restrict?: { dimension: Dimension; value: string | null; from: number; to: number }): Query {
  const params = new Params(d);
  const p = projectId === null ? null : params.add(projectId);
  const inProject = (alias: string) => (p === null ? 'TRUE' : `${alias}.project_id = ${p}`);
  const range = (column: string) => (restrict ? ` AND ${column} >= ${params.add(restrict.from)} AND ${column} < ${params.add(restrict.to)}` : '');
  const ratingSums = [1, 2, 3, 4, 5].map((r) => `sum(${isSlug('rating', ` AND recency = 1 AND value = ${r}`)}) AS rating_${r}`).join(', ');
  const eventSums = ['copy_input', 'copy_output', 'paste', 'comment', 'regenerate', 'edit'].map((s) => `sum(${isSlug(s)}) AS ${s}`).join(', ');
  const contributionColumns = [
    '1 AS interactions', 'coalesce(s.up, 0) AS up', 'coalesce(s.down, 0) AS down',
    ...[1, 2, 3, 4, 5].map((r) => `coalesce(s.rating_${r}, 0) AS rating_${r}`),
    ...['copy_input', 'copy_output', 'paste', 'comment', 'regenerate', 'edit'].map((s) => `coalesce(s.${s}, 0) AS ${s}`),
    'CASE WHEN coalesce(s.copy_output, 0) > 0 THEN 1 ELSE 0 END AS copied',
    'CASE WHEN coalesce(s.regenerate, 0) > 0 THEN 1 ELSE 0 END AS regenerated',
    'CASE WHEN coalesce(s.edit, 0) > 0 THEN 1 ELSE 0 END AS edited',
    'CASE WHEN coalesce(s.events, 0) > 0 THEN 1 ELSE 0 END AS covered',
    '0 AS pending', '0 AS orphaned',
  ].join(', ');
  const dimension = restrict?.dimension;
  // The `all` dimension has one value (''): nothing to match.
  const value = restrict && restrict.value !== null && dimension !== 'all' ? params.add(restrict.value) : null;
  const arms: string[] = [];
  const select = (dim: string, val: string, from: string, where = '') =>
    `SELECT c.project_id, ${dim} AS dimension, ${val} AS value, c.hour, ${COUNTER_COLUMNS} FROM ${from}${where ? ` WHERE ${where}` : ''}`;
  if (!dimension || dimension === 'all') arms.push(select(`'all'`, `''`, 'contributions c'));
  if (!dimension || dimension === 'model') {
    arms.push(select(`'model'`, 'c.model', 'contributions c', `c.model IS NOT NULL${value !== null ? ` AND c.model = ${value}` : ''}`));
  }
  if (!dimension || dimension === 'flag') {
    arms.push(select(`'flag'`, 'j.value', `contributions c, ${d.jsonArrayRows('c.feature_flags', 'j')}`, value !== null ? `j.value = ${value}` : ''));
  }
  if (!dimension || dimension.startsWith('tag:')) {
    const key = dimension ? params.add(dimension.slice(4)) : null;
    const where = [key !== null ? `j.key = ${key}` : '', value !== null ? `j.value = ${value}` : ''].filter(Boolean).join(' AND ');
    arms.push(select(`'tag:' || j.key`, 'j.value', `contributions c, ${d.jsonObjectRows('c.tags', 'j')}`, where));
  }
  if (!dimension || dimension === 'all') {
    const zeros = COUNTERS.filter((c) => c !== 'pending' && c !== 'orphaned').map((c) => `0 AS ${c}`).join(', ');
    arms.push(`SELECT f.project_id, 'all' AS dimension, '' AS value, ${HOUR_SQL('f.timestamp')} AS hour, ${zeros},
      CASE WHEN f.status = 'pending' THEN 1 ELSE 0 END AS pending, CASE WHEN f.status = 'orphaned' THEN 1 ELSE 0 END AS orphaned
      FROM feedback f WHERE ${inProject('f')} AND f.status <> 'linked'${range('f.timestamp')}`);
  }
  const text = `WITH linked AS (
      SELECT f.project_id, f.interaction_id, f.slug, f.value,
        row_number() OVER (PARTITION BY f.project_id, f.interaction_id, f.end_user, ${VOTE_GROUP}
          ORDER BY f.timestamp DESC, f.received_at DESC, f.id${d.byteOrder} DESC) AS recency
      FROM feedback f WHERE ${inProject('f')} AND f.status = 'linked' AND f.interaction_id IS NOT NULL${range('f.linked_time_end')}
    ), summaries AS (
      SELECT project_id, interaction_id, count(*) AS events,
        sum(${isSlug('thumbs_up', ' AND recency = 1')}) AS up, sum(${isSlug('thumbs_down', ' AND recency = 1')}) AS down,
        ${ratingSums}, ${eventSums}
      FROM linked GROUP BY project_id, interaction_id
    ), contributions AS (
      SELECT i.project_id, i.model, i.feature_flags, i.tags, ${HOUR_SQL('i.time_end')} AS hour, ${contributionColumns}
      FROM interactions i LEFT JOIN summaries s ON s.project_id = i.project_id AND s.interaction_id = i.id
      WHERE ${inProject('i')}${range('i.time_end')}
    )
    SELECT project_id, dimension, value, hour, ${SUMMED()} FROM (${arms.join('\n UNION ALL ')}) u
    GROUP BY project_id, dimension, value, hour ORDER BY project_id, dimension, value, hour`;
  return { text, values: params.values };
}

/**
 * Conversations with an interaction matching the filter, by conversation id ascending after a
 * keyset position (the index on (project_id, conversation_id, time_start) gives this order).
 */
export function listConversationsQuery(d: SqlDialect, projectId: string, f: InteractionFilter, page: { after: string | null; limit: number }): Query {
  const params = new Params(d);
  const where = [`i.project_id = ${params.add(projectId)}`, ...interactionConditions(d, params, 'i', f)];
  if (page.after !== null) where.push(`i.conversation_id > ${params.add(page.after)}`);
  return {
    text: `SELECT i.conversation_id, min(i.time_start) AS time_start, max(i.time_end) AS time_end, count(*) AS interactions
      FROM interactions i ${whereOf(where)} GROUP BY i.conversation_id ORDER BY i.conversation_id LIMIT ${params.add(page.limit)}`,
    values: params.values,
  };
}

/** The linked interaction's columns that listFeedbackWithInteractionsQuery adds, prefixed `li_`. */
export const LINKED_INTERACTION_COLUMNS = ['id', 'conversation_id', 'end_user', 'input', 'output', 'model', 'feature_flags', 'tags', 'time_start', 'time_end'] as const;

/**
 * The feedback list's page joined with each linked interaction's export fields: the page is
 * chosen first (by the list's own query and index), then each of its rows finds its interaction by
 * primary key.
 */
export function listFeedbackWithInteractionsQuery(d: SqlDialect, projectId: string, f: FeedbackFilter, page: PageQuery, pendingCutoff: number): Query {
  const inner = listFeedbackQuery(d, projectId, f, page, pendingCutoff);
  const direction = page.order === 'oldest' ? 'ASC' : 'DESC';
  return {
    text: `SELECT f.*, ${LINKED_INTERACTION_COLUMNS.map((c) => `li.${c} AS li_${c}`).join(', ')} FROM (${inner.text}) f
      LEFT JOIN interactions li ON f.status = 'linked' AND li.project_id = f.project_id AND li.id = f.interaction_id
      ORDER BY f.timestamp ${direction}, f.id ${direction}`,
    values: inner.values,
  };
}
