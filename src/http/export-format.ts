// The export formats (docs/data.md): what each line of feedback.jsonl, interactions.jsonl and
// conversations.jsonl holds, and the columns of feedback.csv. Each page of the keyset walk
// (app/export.ts) becomes one chunk of text, so a consumer that stops reading stops the walk.
//
// CSV per RFC 4180 (CRLF line ends, fields quoted when they hold a comma, quote or line break,
// quotes doubled), with a header row, written by papaparse. A cell that starts with =, +, -, @,
// tab or carriage return is prefixed with ' so that a spreadsheet shows it instead of running it
// (OWASP "CSV injection"). Arrays and objects (flags, tags) are JSON in their cell.
import Papa from 'papaparse';
import { conversationPages, feedbackPages, interactionPages } from '../app/export.js';
import type { InteractionWithFeedback } from '../app/listing.js';
import type { FeedbackFilter, FeedbackStateFilter, InteractionFilter, Order } from '../core/queries.js';
import { formatTimestamp } from '../core/time.js';
import type { FeedbackWithInteraction, LinkedInteraction, StorageReader } from '../storage/port.js';
import { effectiveStatus, feedbackView, interactionWithFeedbackView } from './views.js';

export type ExportRequest =
  | { kind: 'feedback'; format: 'csv' | 'jsonl'; filter: FeedbackFilter; order: Order; limit: number }
  | { kind: 'interactions'; format: 'jsonl'; filter: InteractionFilter; state: FeedbackStateFilter; order: Order; limit: number }
  | { kind: 'conversations'; format: 'jsonl'; filter: InteractionFilter; limit: number };

/** The columns of feedback.csv, in order: the feedback's own, then its interaction's (empty when unlinked). */
export const FEEDBACK_CSV_COLUMNS = [
  'id', 'timestamp', 'received_at', 'end_user', 'slug', 'value', 'text', 'status', 'link', 'flags', 'interaction_id', 'event_id',
  'conversation_id', 'trace_id', 'span_id', 'pii_removed',
  'interaction_time_start', 'interaction_time_end', 'interaction_end_user', 'interaction_conversation_id', 'interaction_model',
  'interaction_feature_flags', 'interaction_tags', 'interaction_input', 'interaction_output',
] as const;

/** Formula-looking cells, as the whole cell: papaparse's own default pattern stops at a line break. */
const FORMULA = /^[=+\-@\t\r]/;
const json = (v: unknown) => JSON.stringify(v);

function csvRow({ feedback: f, interaction: i }: FeedbackWithInteraction, now: number, pendingTtlMs: number): unknown[] {
  return [
    f.id, formatTimestamp(f.timestamp), formatTimestamp(f.receivedAt), f.endUser, f.slug, f.value, f.text, effectiveStatus(f, now, pendingTtlMs),
    f.link, json(f.flags), f.interactionId, f.eventId, f.conversationId, f.traceRef, f.spanRef, f.piiRemoved,
    i ? formatTimestamp(i.timeStart) : null, i ? formatTimestamp(i.timeEnd) : null, i?.endUser ?? null, i?.conversationId ?? null, i?.model ?? null,
    i ? json(i.featureFlags) : null, i ? json(i.tags) : null, i?.input ?? null, i?.output ?? null,
  ];
}

/** Rows as CSV text, every record (the last too) ended by CRLF. */
function csv(rows: unknown[][], header: boolean): string {
  const text = Papa.unparse(header ? { fields: [...FEEDBACK_CSV_COLUMNS], data: rows } : rows, { escapeFormulae: FORMULA, newline: '\r\n', header });
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}

/** The interaction fields a feedback line carries (null when the feedback is not linked). */
function linkedInteraction(i: LinkedInteraction | null) {
  return i ? {
    id: i.id, conversation_id: i.conversationId, end_user: i.endUser, input: i.input, output: i.output, model: i.model,
    feature_flags: i.featureFlags, tags: i.tags, time_start: formatTimestamp(i.timeStart), time_end: formatTimestamp(i.timeEnd),
  } : null;
}

/** A line of feedback.jsonl: the list's feedback shape, what it still waits for, and its interaction. */
export function feedbackLine({ feedback: f, interaction: i }: FeedbackWithInteraction, now: number, pendingTtlMs: number) {
  return { ...feedbackView(f, now, pendingTtlMs), interaction_ref: f.status === 'linked' ? null : f.interactionRef, interaction: linkedInteraction(i) };
}

/** A line of interactions.jsonl: everything stored about it (GET /interactions/{id}), with its feedback. */
export function interactionLine(item: InteractionWithFeedback, now: number, pendingTtlMs: number) {
  return { ...interactionWithFeedbackView(item, now, pendingTtlMs), conversation_auto: item.interaction.conversationAuto };
}

const lines = (values: unknown[]) => values.map((v) => `${JSON.stringify(v)}\n`).join('');

/** The export as chunks of text, one per page read. */
export async function* exportChunks(reader: StorageReader, projectId: string, request: ExportRequest, now: number,
  pendingTtlMs: number, onRows: (n: number) => void = () => undefined): AsyncGenerator<string> {
  switch (request.kind) {
    case 'feedback': {
      let first = true;
      for await (const page of feedbackPages(reader, projectId, request.filter, request.order, now - pendingTtlMs, request.limit)) {
        onRows(page.length);
        if (request.format === 'csv') yield csv(page.map((row) => csvRow(row, now, pendingTtlMs)), first);
        else yield lines(page.map((row) => feedbackLine(row, now, pendingTtlMs)));
        first = false;
      }
      // An empty CSV export still has its header.
      if (first && request.format === 'csv') yield csv([], true);
      return;
    }
    case 'interactions':
      for await (const page of interactionPages(reader, projectId, request.filter, request.state, request.order, request.limit)) {
        onRows(page.length);
        yield lines(page.map((item) => interactionLine(item, now, pendingTtlMs)));
      }
      return;
    case 'conversations':
      for await (const page of conversationPages(reader, projectId, request.filter, request.limit)) {
        onRows(page.length);
        yield lines(page.map(({ summary, interactions }) => ({
          id: summary.id, end_user: interactions[0]?.interaction.endUser ?? null,
          time_start: formatTimestamp(interactions.reduce((t, i) => Math.min(t, i.interaction.timeStart), summary.timeStart)),
          time_end: formatTimestamp(interactions.reduce((t, i) => Math.max(t, i.interaction.timeEnd), summary.timeEnd)),
          interactions: interactions.map((item) => interactionLine(item, now, pendingTtlMs)),
        })));
      }
      return;
  }
}

export const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8; header=present', jsonl: 'application/x-ndjson; charset=utf-8' } as const;
