// Streaming exports (secret key): feedback as CSV or JSONL, interactions and conversations as JSONL,
// with the list endpoints' filters. The body is a stream pulled page by page (app/export.ts): a
// slow client holds the walk back (the socket's back-pressure), a client that goes away ends it.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { StorageReader } from '../../storage/port.js';
import { projectOf } from '../auth.js';
import { CONTENT_TYPES, exportChunks, FEEDBACK_CSV_COLUMNS, type ExportRequest } from '../export-format.js';
import { QueryParameters } from '../query.js';
import { queryString } from '../schemas/read-api.js';
import { FEEDBACK_PARAMETERS, feedbackFilterOf, INTERACTION_PARAMETERS, interactionFilterOf, stateFilterOf } from './lists.js';

export interface ExportRoutesOptions { storage: StorageReader; pendingTtlMs: number }

export const DATA_TAG = 'Data in and out';

/** Exports take the lists' filters; instead of pages, `limit` caps the rows and `order` defaults to oldest first. */
const WALK = { order: 'oldest (default) or newest', limit: 'at most this many rows (default: all)' };
function withoutPaging<T extends { cursor: string; limit: string; order: string }>(parameters: T): Omit<T, 'cursor' | 'limit' | 'order'> & typeof WALK {
  const { cursor: _cursor, limit: _limit, order: _order, ...filters } = parameters;
  return { ...filters, ...WALK };
}
export const FEEDBACK_EXPORT_PARAMETERS = withoutPaging(FEEDBACK_PARAMETERS);
export const INTERACTION_EXPORT_PARAMETERS = withoutPaging(INTERACTION_PARAMETERS);
// Conversations are walked by id; their filters are those on interactions' own fields.
const { feedback: _f, min_rating: _min, max_rating: _max, has_comment: _c, order: _o, ...conversationFilters } = INTERACTION_EXPORT_PARAMETERS;
export const CONVERSATION_EXPORT_PARAMETERS = { ...conversationFilters, limit: 'at most this many conversations (default: all)' };

function walk(q: QueryParameters) {
  return {
    order: q.oneOf('order', ['newest', 'oldest'] as const) ?? 'oldest',
    limit: q.number('limit', 1, Number.MAX_SAFE_INTEGER, true) ?? Infinity,
  };
}

/** Parses an export's query (the same rules and 422s as the lists) into what to export. */
export function exportRequestOf(kind: ExportRequest['kind'], format: 'csv' | 'jsonl', query: unknown): ExportRequest {
  switch (kind) {
    case 'feedback': {
      const q = new QueryParameters(query, Object.keys(FEEDBACK_EXPORT_PARAMETERS));
      const request: ExportRequest = { kind, format, filter: feedbackFilterOf(q), ...walk(q) };
      q.check();
      return request;
    }
    case 'interactions': {
      const q = new QueryParameters(query, Object.keys(INTERACTION_EXPORT_PARAMETERS));
      const request: ExportRequest = { kind, format: 'jsonl', filter: interactionFilterOf(q, q.range(null, Date.now())), state: stateFilterOf(q), ...walk(q) };
      q.check();
      return request;
    }
    case 'conversations': {
      const q = new QueryParameters(query, Object.keys(CONVERSATION_EXPORT_PARAMETERS));
      const request: ExportRequest = { kind, format: 'jsonl', filter: interactionFilterOf(q, q.range(null, Date.now())), limit: walk(q).limit };
      q.check();
      return request;
    }
  }
}

/** Sends the export as a stream that pulls the next page only when the socket has taken the last one. */
export function sendExport(reply: FastifyReply, storage: StorageReader, projectId: string, request: ExportRequest, pendingTtlMs: number, filename: string) {
  const chunks = exportChunks(storage, projectId, request, Date.now(), pendingTtlMs);
  // Not object mode: the stream buffers 64 KiB of text before it stops pulling, whatever a page's size.
  const body = Readable.from(chunks, { objectMode: false, highWaterMark: 64 * 1024 });
  return reply
    .header('content-type', CONTENT_TYPES[request.format])
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

export function registerExportRoutes(app: FastifyInstance, { storage, pendingTtlMs }: ExportRoutesOptions): void {
  const route = (file: string, kind: ExportRequest['kind'], format: 'csv' | 'jsonl', parameters: Record<string, string>, description: string) =>
    app.get(`/api/v1/export/${file}`, {
      schema: {
        summary: `Export ${file}`, description, tags: [DATA_TAG], produces: [CONTENT_TYPES[format].split(';')[0]!],
        querystring: queryString(parameters, ['slug', 'tag']),
        response: { 200: { description: `${format === 'csv' ? 'CSV (RFC 4180) with a header row' : 'One JSON object per line'}, streamed`, type: 'string' } },
      },
      attachValidation: true,
    }, async (request, reply) => sendExport(reply, storage, projectOf(request), exportRequestOf(kind, format, request.query), pendingTtlMs, file));

  route('feedback.csv', 'feedback', 'csv', FEEDBACK_EXPORT_PARAMETERS,
    `Every feedback event with its interaction's fields, as CSV. Columns: ${FEEDBACK_CSV_COLUMNS.join(', ')}. `
    + 'Cells starting with =, +, -, @, tab or CR are prefixed with \' (CSV injection).');
  route('feedback.jsonl', 'feedback', 'jsonl', FEEDBACK_EXPORT_PARAMETERS,
    'Every feedback event (the list\'s shape) with `interaction_ref` and its interaction\'s fields under `interaction`, one per line.');
  route('interactions.jsonl', 'interactions', 'jsonl', INTERACTION_EXPORT_PARAMETERS,
    'Every interaction with everything stored about it and its feedback (GET /interactions/{id}), one per line; `feedback=` filters on its current state.');
  route('conversations.jsonl', 'conversations', 'jsonl', CONVERSATION_EXPORT_PARAMETERS,
    'Every conversation with an interaction matching the filters, by id, each with all its interactions in time order, one per line.');
}
