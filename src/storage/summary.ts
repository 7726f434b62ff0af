// What both adapters read back for linking: the summary columns of an interaction row, which have
// the same representation in SQLite and PostgreSQL (text and integer milliseconds).
import type { InteractionSummary } from '../core/model.js';

export type Row = Record<string, unknown>;

/** The columns to select for summaryFromRow. */
export const SUMMARY_COLUMNS = 'id, time_start, time_end, input, output, conversation_id';

export function summaryFromRow(row: Row): InteractionSummary {
  return {
    id: row['id'] as string, timeStart: row['time_start'] as number, timeEnd: row['time_end'] as number,
    input: row['input'] as string | null, output: row['output'] as string | null, conversationId: row['conversation_id'] as string,
  };
}
