// The read side of the PostgreSQL adapter: lists, the reads behind statistics, and rollups, which
// here are the folded table plus the deltas write transactions appended since the last fold
// (see migration 2). The SQL is shared with SQLite (../sql/read-sql.ts); this file runs it and maps rows.
import type pg from 'pg';
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
  conversationQuery, dumpRollupsQuery, FEEDBACK_EVENT_COLUMNS, feedbackOfInteractionsQuery, findInteractionsQuery, listConversationsQuery, listFeedbackQuery, listFeedbackWithInteractionsQuery, listInteractionsQuery,
  reactedInteractionsQuery, recomputeRollupsQuery, rollupsQuery, unlinkedCountsQuery, type Params, type Query, type Rebucket, type SqlDialect,
} from '../sql/read-sql.js';
import { feedbackFromRow, interactionFromRow, type Row } from './rows.js';

export const POSTGRES_DIALECT: SqlDialect = {
  placeholder: (n) => `$${n}`,
  jsonArrayHas: (column, value) => `${column} ? ${value}::text`,
  jsonObjectText: (column, key) => `${column} ->> ${key}::text`,
  containsText: (column, needle) => `strpos(lower(${column}), lower(${needle}::text)) > 0`,
  // Ids decide which vote is current when times tie, as in JS: compare them byte by byte.
  byteOrder: ' COLLATE "C"',
  jsonArrayRows: (column, alias) => `jsonb_array_elements_text(${column}) AS ${alias}(value)`,
  jsonObjectRows: (column, alias) => `jsonb_each_text(${column}) AS ${alias}(key, value)`,
  inList: (column: string, values: readonly unknown[], params: Params) => `${column} = ANY(${params.add(values)}::text[])`,
};

/** Where maintained rollups live: the folded buckets and the deltas not folded yet. */
export const ROLLUP_TABLES = ['rollups', 'rollup_deltas'] as const;
export const COUNTER_LIST = COUNTERS.join(', ');

type Queryable = Pick<pg.ClientBase, 'query'>;

export class PostgresReads implements ReadSide {
  constructor(private readonly db: Queryable) {}

  private async all(q: Query): Promise<Row[]> {
    return (await this.db.query<Row>(q.text, q.values)).rows;
  }

  async listFeedback(projectId: string, filter: FeedbackFilter, page: PageQuery, pendingCutoff: number): Promise<FeedbackRecord[]> {
    return (await this.all(listFeedbackQuery(POSTGRES_DIALECT, projectId, filter, page, pendingCutoff))).map(feedbackFromRow);
  }

  async listFeedbackWithInteractions(projectId: string, filter: FeedbackFilter, page: PageQuery, pendingCutoff: number): Promise<FeedbackWithInteraction[]> {
    return (await this.all(listFeedbackWithInteractionsQuery(POSTGRES_DIALECT, projectId, filter, page, pendingCutoff))).map((row) => ({
      feedback: feedbackFromRow(row),
      interaction: row['li_id'] === null ? null : {
        id: row['li_id'] as string, conversationId: row['li_conversation_id'] as string, endUser: row['li_end_user'] as string,
        input: row['li_input'] as string | null, output: row['li_output'] as string | null, model: row['li_model'] as string | null,
        featureFlags: row['li_feature_flags'] as string[], tags: row['li_tags'] as Record<string, string>,
        timeStart: row['li_time_start'] as number, timeEnd: row['li_time_end'] as number,
      },
    }));
  }

  async listInteractions(projectId: string, filter: InteractionFilter, page: PageQuery, options: { withoutFeedback?: boolean } = {}): Promise<InteractionRecord[]> {
    return (await this.all(listInteractionsQuery(POSTGRES_DIALECT, projectId, filter, page, options.withoutFeedback === true))).map(interactionFromRow);
  }

  async findInteractions(projectId: string, ids: string[], filter: InteractionFilter): Promise<InteractionRecord[]> {
    if (ids.length === 0) return [];
    return (await this.all(findInteractionsQuery(POSTGRES_DIALECT, projectId, ids, filter))).map(interactionFromRow);
  }

  async listReactedInteractions(projectId: string, slug: FeedbackSlug | null, range: { from: number | null; to: number | null }, page: PageQuery): Promise<ReactedCandidate[]> {
    return (await this.all(reactedInteractionsQuery(POSTGRES_DIALECT, projectId, slug, range, page)))
      .map((r) => ({ interactionId: r['interaction_id'] as string, timeEnd: Number(r['time_end']) }));
  }

  async listFeedbackOfInteractions(projectId: string, interactionIds: string[]): Promise<Map<string, FeedbackRecord[]>> {
    if (interactionIds.length === 0) return new Map();
    return groupByInteraction((await this.all(feedbackOfInteractionsQuery(POSTGRES_DIALECT, projectId, interactionIds))).map(feedbackFromRow));
  }

  async listFeedbackEventsOfInteractions(projectId: string, interactionIds: string[]): Promise<Map<string, FeedbackEvent[]>> {
    if (interactionIds.length === 0) return new Map();
    return eventsByInteraction(await this.all(feedbackOfInteractionsQuery(POSTGRES_DIALECT, projectId, interactionIds, FEEDBACK_EVENT_COLUMNS)));
  }

  async listConversation(projectId: string, conversationId: string, page: PageQuery): Promise<InteractionRecord[]> {
    return (await this.all(conversationQuery(POSTGRES_DIALECT, projectId, conversationId, page))).map(interactionFromRow);
  }

  async endUserOverview(projectId: string, endUser: string): Promise<EndUserOverview | null> {
    const [interactions] = await this.all({
      text: `SELECT count(*) AS n, count(DISTINCT conversation_id) AS conversations, min(time_start) AS first, max(time_end) AS last
        FROM interactions WHERE project_id = $1 AND end_user = $2`, values: [projectId, endUser],
    });
    const [feedback] = await this.all({
      text: 'SELECT count(*) AS n, min(timestamp) AS first, max(timestamp) AS last FROM feedback WHERE project_id = $1 AND end_user = $2',
      values: [projectId, endUser],
    });
    return overviewFromRows(interactions!, feedback!);
  }

  async listEndUserConversations(projectId: string, endUser: string, limit: number): Promise<ConversationSummary[]> {
    return (await this.all({
      text: `SELECT conversation_id, min(time_start) AS time_start, max(time_end) AS time_end, count(*) AS interactions
        FROM interactions WHERE project_id = $1 AND end_user = $2 GROUP BY conversation_id ORDER BY max(time_end) DESC, conversation_id DESC LIMIT $3`,
      values: [projectId, endUser, limit],
    })).map(conversationSummaryFromRow);
  }

  async listConversations(projectId: string, filter: InteractionFilter, page: { after: string | null; limit: number }): Promise<ConversationSummary[]> {
    return (await this.all(listConversationsQuery(POSTGRES_DIALECT, projectId, filter, page))).map(conversationSummaryFromRow);
  }

  async readRollups(projectId: string, query: RollupQuery, rebucket?: Rebucket): Promise<RollupRow[]> {
    return (await this.all(rollupsQuery(POSTGRES_DIALECT, ROLLUP_TABLES, projectId, query, rebucket ?? 'value_hour'))).map(rollupRowFromRow);
  }

  async readRollupTotals(projectId: string, query: RollupQuery): Promise<{ value: string; counters: RollupRow['counters'] }[]> {
    return (await this.all(rollupsQuery(POSTGRES_DIALECT, ROLLUP_TABLES, projectId, query, 'value')))
      .map((r) => ({ value: r['value'] as string, counters: rollupRowFromRow(r).counters }));
  }

  async countUnlinkedFeedback(projectId: string, range: { from: number; to: number }, filter: { endUser: string | null; conversationId: string | null }): Promise<RollupRow[]> {
    return (await this.all(unlinkedCountsQuery(POSTGRES_DIALECT, projectId, range, filter))).map((r) => rollupRowFromRow({ ...r, value: '' }));
  }

  async dumpRollups(projectId: string): Promise<RollupBucket[]> {
    return (await this.all(dumpRollupsQuery(POSTGRES_DIALECT, ROLLUP_TABLES, projectId))).map(bucketFromRow);
  }

  async recomputeRollups(projectId: string, restrict?: { dimension: Dimension; value: string | null; from: number; to: number }): Promise<RollupBucket[]> {
    return (await this.all(recomputeRollupsQuery(POSTGRES_DIALECT, projectId, restrict))).map(bucketFromRow);
  }
}
