// What both adapters read back for linking: the summary columns of an interaction row, which have
// the same representation in SQLite and PostgreSQL (text and integer milliseconds).
import type { InteractionSummary, InteractionSummaryWithText } from '../core/model.js';

export type Row = Record<string, unknown>;

/** The columns to select for summaryFromRow: lookups of one interaction by id, hash or time. */
export const SUMMARY_COLUMNS = 'id, time_start, time_end, conversation_id';

/** The columns to select for summaryWithTextFromRow (the copied-text search). */
export const SUMMARY_WITH_TEXT_COLUMNS = 'id, time_start, time_end, conversation_id, input, output';

export function summaryFromRow(row: Row): InteractionSummary {
  return { id: row['id'] as string, timeStart: row['time_start'] as number, timeEnd: row['time_end'] as number, conversationId: row['conversation_id'] as string };
}

export function summaryWithTextFromRow(row: Row): InteractionSummaryWithText {
  return {
    id: row['id'] as string, timeStart: row['time_start'] as number, timeEnd: row['time_end'] as number,
    conversationId: row['conversation_id'] as string, input: row['input'] as string | null, output: row['output'] as string | null,
  };
}
