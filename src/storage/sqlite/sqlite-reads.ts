// The read side of the SQLite adapter: lists, the reads behind statistics and the recomputation of
// rollups, on the read connection (which never sees an open write transaction). The SQL itself is
// shared with PostgreSQL (../sql/read-sql.ts); this file runs it and maps rows.
import type Database from 'better-sqlite3';
import type { FeedbackEvent } from '../../core/feedback-summary.js';
import type { FeedbackRecord, FeedbackSlug, InteractionRecord } from '../../core/model.js';
import type { FeedbackFilter, InteractionFilter } from '../../core/queries.js';
import { COUNTERS, type Dimension } from '../../core/rollups.js';
import type {
  ConversationSummary, EndUserOverview, FeedbackWithInteraction, PageQuery, ReactedCandidate, RollupBucket, RollupQuery, RollupRow, StorageReader,
} from '../port.js';
import type { ReadSide } from '../read-side.js';
import { bucketFromRow, conversationSummaryFromRow, eventsByInteraction, groupByInteraction, overviewFromRows, rollupRowFromRow } from '../read-rows.js';
import {
  conversationQuery, dumpRollupsQuery, FEEDBACK_EVENT_COLUMNS, feedbackOfInteractionsQuery, findInteractionsQuery, listConversationsQuery, listFeedbackQuery, listFeedbackWithInteractionsQuery, listInteractionsQuery, LINKED_INTERACTION_COLUMNS,
  reactedInteractionsQuery, recomputeRollupsQuery, rollupsQuery, unlinkedCountsQuery, type Params, type Query, type Rebucket, type SqlDialect,
} from '../sql/read-sql.js';
import { feedbackFromRow, interactionFromRow, type Row } from './rows.js';

export const SQLITE_DIALECT: SqlDialect = {
  // Named parameters (better-sqlite3 binds them from an object: see bindings()), so one value may be referenced twice.
  placeholder: (n) => `@p${n}`,
  jsonArrayHas: (column, value) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${value})`,
  jsonObjectText: (column, key) => `(SELECT json_each.value FROM json_each(${column}) WHERE json_each.key = ${key})`,
  // lower() folds ASCII only in SQLite: documented in docs/api.md.
  containsText: (column, needle) => `instr(lower(${column}), lower(${needle})) > 0`,
  byteOrder: '',
  jsonArrayRows: (column, alias) => `json_each(${column}) ${alias}`,
  jsonObjectRows: (column, alias) => `json_each(${column}) ${alias}`,
  inList: (column: string, values: readonly unknown[], params: Params) =>
    values.length === 0 ? '0' : `${column} IN (${values.map((v) => params.add(v)).join(', ')})`,
};

const COUNTER_LIST = COUNTERS.join(', ');

/** The parameters of a shared query as better-sqlite3 binds named ones: { p1: ..., p2: ... }. */
export function bindings(values: readonly unknown[]): Record<string, unknown> {
  return Object.fromEntries(values.map((v, k) => [`p${k + 1}`, v]));
}

/** Rows by bound parameters; each statement is prepared once by `prepare`. */
type Prepare = (sql: string) => Database.Statement;

/** SQLite's default limit of bound parameters is 32766; lists of ids are sent in chunks well below it. */
const ID_CHUNK = 5000;

export class SqliteReads implements ReadSide {
  /** `read`: statements on the read connection; `write`: the write connection (rebuild). */
  constructor(private readonly read: Prepare, private readonly write: Database.Database) {}

  private all(q: Query): Row[] {
    return this.read(q.text).all(bindings(q.values)) as Row[];
  }

  private chunked<T>(ids: readonly string[], run: (chunk: string[]) => T[]): T[] {
    const out: T[] = [];
    for (let k = 0; k < ids.length; k += ID_CHUNK) out.push(...run(ids.slice(k, k + ID_CHUNK)));
    return out;
  }

  async listFeedback(projectId: string, filter: FeedbackFilter, page: PageQuery, pendingCutoff: number): Promise<FeedbackRecord[]> {
    return this.all(listFeedbackQuery(SQLITE_DIALECT, projectId, filter, page, pendingCutoff)).map(feedbackFromRow);
  }

  /**
   * Rows as arrays (better-sqlite3's raw mode), read by column position: an export reads millions
   * of them, and building an object per row first cost as much again as the query.
   */
  async listFeedbackWithInteractions(projectId: string, filter: FeedbackFilter, page: PageQuery, pendingCutoff: number): Promise<FeedbackWithInteraction[]> {
    const q = listFeedbackWithInteractionsQuery(SQLITE_DIALECT, projectId, filter, page, pendingCutoff);
    const statement = this.read(q.text);
    let at = this.positions.get(statement);
    if (!at) {
      at = new Map(statement.columns().map((c, k) => [c.name, k]));
      this.positions.set(statement, at);
      statement.raw(true);
    }
    const p = at;
    const col = (name: string) => p.get(name)!;
    const [id, project, eventId, slug, text, value, endUser, timestamp, status, link, interactionId, linkedTimeEnd, interactionRef, inputHash, outputHash,
      conversationId, flags, piiRemoved, pii, receivedAt, traceRef, spanRef] = ['id', 'project_id', 'event_id', 'slug', 'text', 'value', 'end_user',
      'timestamp', 'status', 'link', 'interaction_id', 'linked_time_end', 'interaction_ref', 'input_hash', 'output_hash', 'conversation_id', 'flags',
      'pii_removed', 'pii', 'received_at', 'trace_ref', 'span_ref'].map(col) as number[];
    const li = LINKED_INTERACTION_COLUMNS.map((c) => col(`li_${c}`));
    return (statement.all(bindings(q.values)) as unknown[][]).map((r) => ({
      feedback: {
        id: r[id!] as string, projectId: r[project!] as string, eventId: r[eventId!] as string | null, slug: r[slug!] as FeedbackRecord['slug'],
        text: r[text!] as string | null, value: r[value!] as number | null, endUser: r[endUser!] as string, timestamp: r[timestamp!] as number,
        status: r[status!] as FeedbackRecord['status'], link: r[link!] as FeedbackRecord['link'], interactionId: r[interactionId!] as string | null,
        linkedTimeEnd: r[linkedTimeEnd!] as number | null, interactionRef: r[interactionRef!] as string | null, inputHash: r[inputHash!] as string | null,
        outputHash: r[outputHash!] as string | null, conversationId: r[conversationId!] as string | null, flags: JSON.parse(r[flags!] as string),
        piiRemoved: r[piiRemoved!] === 1, pii: JSON.parse(r[pii!] as string), receivedAt: r[receivedAt!] as number,
        traceRef: r[traceRef!] as string | null, spanRef: r[spanRef!] as string | null,
      },
      interaction: r[li[0]!] === null ? null : {
        id: r[li[0]!] as string, conversationId: r[li[1]!] as string, endUser: r[li[2]!] as string, input: r[li[3]!] as string | null,
        output: r[li[4]!] as string | null, model: r[li[5]!] as string | null, featureFlags: JSON.parse(r[li[6]!] as string),
        tags: JSON.parse(r[li[7]!] as string), timeStart: r[li[8]!] as number, timeEnd: r[li[9]!] as number,
      },
    }));
  }

  private readonly positions = new WeakMap<Database.Statement, Map<string, number>>();

  async listInteractions(projectId: string, filter: InteractionFilter, page: PageQuery, options: { withoutFeedback?: boolean } = {}): Promise<InteractionRecord[]> {
    return this.all(listInteractionsQuery(SQLITE_DIALECT, projectId, filter, page, options.withoutFeedback === true)).map(interactionFromRow);
  }

  async findInteractions(projectId: string, ids: string[], filter: InteractionFilter): Promise<InteractionRecord[]> {
    return this.chunked(ids, (chunk) => this.all(findInteractionsQuery(SQLITE_DIALECT, projectId, chunk, filter)).map(interactionFromRow));
  }

  async listReactedInteractions(projectId: string, slug: FeedbackSlug | null, range: { from: number | null; to: number | null }, page: PageQuery): Promise<ReactedCandidate[]> {
    return this.all(reactedInteractionsQuery(SQLITE_DIALECT, projectId, slug, range, page))
      .map((r) => ({ interactionId: r['interaction_id'] as string, timeEnd: r['time_end'] as number }));
  }

  async listFeedbackOfInteractions(projectId: string, interactionIds: string[]): Promise<Map<string, FeedbackRecord[]>> {
    const rows = this.chunked(interactionIds, (chunk) => this.all(feedbackOfInteractionsQuery(SQLITE_DIALECT, projectId, chunk)).map(feedbackFromRow));
    return groupByInteraction(rows);
  }

  async listFeedbackEventsOfInteractions(projectId: string, interactionIds: string[]): Promise<Map<string, FeedbackEvent[]>> {
    return eventsByInteraction(this.chunked(interactionIds, (chunk) => this.all(feedbackOfInteractionsQuery(SQLITE_DIALECT, projectId, chunk, FEEDBACK_EVENT_COLUMNS))));
  }

  async listConversation(projectId: string, conversationId: string, page: PageQuery): Promise<InteractionRecord[]> {
    return this.all(conversationQuery(SQLITE_DIALECT, projectId, conversationId, page)).map(interactionFromRow);
  }

  async endUserOverview(projectId: string, endUser: string): Promise<EndUserOverview | null> {
    // The end user's own index, whatever the planner's statistics say (the project-wide ones would scan everything).
    const interactions = this.read(`SELECT count(*) AS n, count(DISTINCT conversation_id) AS conversations, min(time_start) AS first, max(time_end) AS last
      FROM interactions INDEXED BY interactions_user_end WHERE project_id = ? AND end_user = ?`).get(projectId, endUser) as Row;
    const feedback = this.read('SELECT count(*) AS n, min(timestamp) AS first, max(timestamp) AS last FROM feedback WHERE project_id = ? AND end_user = ?')
      .get(projectId, endUser) as Row;
    return overviewFromRows(interactions, feedback);
  }

  async listEndUserConversations(projectId: string, endUser: string, limit: number): Promise<ConversationSummary[]> {
    const rows = this.read(`SELECT conversation_id, min(time_start) AS time_start, max(time_end) AS time_end, count(*) AS interactions
      FROM interactions INDEXED BY interactions_user_end WHERE project_id = ? AND end_user = ?
      GROUP BY conversation_id ORDER BY max(time_end) DESC, conversation_id DESC LIMIT ?`)
      .all(projectId, endUser, limit) as Row[];
    return rows.map(conversationSummaryFromRow);
  }

  async listConversations(projectId: string, filter: InteractionFilter, page: { after: string | null; limit: number }): Promise<ConversationSummary[]> {
    return this.all(listConversationsQuery(SQLITE_DIALECT, projectId, filter, page)).map(conversationSummaryFromRow);
  }

  async readRollups(projectId: string, query: RollupQuery, rebucket?: Rebucket): Promise<RollupRow[]> {
    return this.all(rollupsQuery(SQLITE_DIALECT, ['rollups'], projectId, query, rebucket ?? 'value_hour')).map(rollupRowFromRow);
  }

  async readRollupTotals(projectId: string, query: RollupQuery): Promise<{ value: string; counters: RollupRow['counters'] }[]> {
    return this.all(rollupsQuery(SQLITE_DIALECT, ['rollups'], projectId, query, 'value')).map((r) => ({ value: r['value'] as string, counters: rollupRowFromRow(r).counters }));
  }

  async countUnlinkedFeedback(projectId: string, range: { from: number; to: number }, filter: { endUser: string | null; conversationId: string | null }): Promise<RollupRow[]> {
    return this.all(unlinkedCountsQuery(SQLITE_DIALECT, projectId, range, filter)).map((r) => rollupRowFromRow({ ...r, value: '' }));
  }

  async dumpRollups(projectId: string): Promise<RollupBucket[]> {
    return this.all(dumpRollupsQuery(SQLITE_DIALECT, ['rollups'], projectId)).map(bucketFromRow);
  }

  async recomputeRollups(projectId: string, restrict?: { dimension: Dimension; value: string | null; from: number; to: number }): Promise<RollupBucket[]> {
    return this.all(recomputeRollupsQuery(SQLITE_DIALECT, projectId, restrict)).map(bucketFromRow);
  }

  /** Recomputes in one write transaction: BEGIN IMMEDIATE holds other writers off meanwhile. */
  rebuildInTransaction(projectId: string | null): { buckets: number } {
    const recompute = recomputeRollupsQuery(SQLITE_DIALECT, projectId);
    const rebuild = this.write.transaction(() => {
      if (projectId === null) this.write.prepare('DELETE FROM rollups').run();
      else this.write.prepare('DELETE FROM rollups WHERE project_id = ?').run(projectId);
      return this.write.prepare(`INSERT INTO rollups (project_id, dimension, value, hour, ${COUNTER_LIST}) ${recompute.text}`).run(bindings(recompute.values)).changes;
    });
    return { buckets: rebuild.immediate() };
  }
}
