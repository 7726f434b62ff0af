// Rows of the read side -> records, the same for both adapters (counters and times are integers in
// both; PostgreSQL's BIGINT comes back as a number through the pool's int8 parser).
import type { FeedbackEvent } from '../core/feedback-summary.js';
import type { FeedbackRecord, FeedbackSlug } from '../core/model.js';
import { COUNTERS, type Counters, type Dimension } from '../core/rollups.js';
import type { ConversationSummary, EndUserOverview, RollupBucket, RollupRow } from './port.js';
import type { Row } from './summary.js';

export function countersFromRow(row: Row): Counters {
  return Object.fromEntries(COUNTERS.map((c) => [c, Number(row[c] ?? 0)])) as Counters;
}

export function rollupRowFromRow(row: Row): RollupRow {
  return { value: row['value'] as string, hour: Number(row['hour']), counters: countersFromRow(row) };
}

export function bucketFromRow(row: Row): RollupBucket {
  return {
    projectId: row['project_id'] as string, dimension: row['dimension'] as Dimension, value: row['value'] as string,
    hour: Number(row['hour']), counters: countersFromRow(row),
  };
}

export function feedbackEventFromRow(row: Row): FeedbackEvent {
  return {
    id: row['id'] as string, slug: row['slug'] as FeedbackSlug, value: row['value'] === null ? null : Number(row['value']),
    endUser: row['end_user'] as string, timestamp: Number(row['timestamp']), receivedAt: Number(row['received_at']),
    commented: row['commented'] === true || row['commented'] === 1,
  };
}

export function groupByInteraction(rows: FeedbackRecord[]): Map<string, FeedbackRecord[]> {
  const out = new Map<string, FeedbackRecord[]>();
  for (const f of rows) {
    const list = out.get(f.interactionId!);
    if (list) list.push(f);
    else out.set(f.interactionId!, [f]);
  }
  return out;
}

/** Rows of FEEDBACK_EVENT_COLUMNS -> events per interaction. */
export function eventsByInteraction(rows: Row[]): Map<string, FeedbackEvent[]> {
  const out = new Map<string, FeedbackEvent[]>();
  for (const row of rows) {
    const id = row['interaction_id'] as string;
    const list = out.get(id);
    if (list) list.push(feedbackEventFromRow(row));
    else out.set(id, [feedbackEventFromRow(row)]);
  }
  return out;
}

export function conversationSummaryFromRow(row: Row): ConversationSummary {
  return { id: row['conversation_id'] as string, timeStart: Number(row['time_start']), timeEnd: Number(row['time_end']), interactions: Number(row['interactions']) };
}

/** An end user's overview from the interaction and feedback aggregates, or null when nothing is stored. */
export function overviewFromRows(interactions: Row, feedback: Row): EndUserOverview | null {
  const ni = Number(interactions['n']);
  const nf = Number(feedback['n']);
  if (ni === 0 && nf === 0) return null;
  const times = (key: 'first' | 'last') => [interactions[key], feedback[key]].filter((t) => t !== null && t !== undefined).map(Number);
  return {
    interactions: ni, feedback: nf, conversations: Number(interactions['conversations']),
    firstSeen: Math.min(...times('first')), lastSeen: Math.max(...times('last')),
  };
}
