// POST /api/v1/import (secret key): an NDJSON body of import lines (app/importer.ts), read as a
// stream line by line, stored through the ingestion path of this server (its group commit), and
// answered with what was stored and every rejected line (number and JSON pointer).
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ImportRun, IMPORT_FORMATS, type ImportFormat } from '../../app/importer.js';
import type { Ingestion } from '../../app/ingestion.js';
import { readLines } from '../../app/line-reader.js';
import { FeedloopError } from '../../core/errors.js';
import type { JsonLimits } from '../../core/wire/json-scan.js';
import type { StorageReader } from '../../storage/port.js';
import { projectOf } from '../auth.js';
import { QueryParameters } from '../query.js';
import { queryString } from '../schemas/read-api.js';
import { createSchemaCheck } from '../schema-check.js';
import { DATA_TAG } from './export.js';

export interface ImportRouteOptions {
  ingestion: Ingestion; storage: StorageReader; bodyLimitBytes: number;
  /** Each line is held to the limits of a JSON body and its times to the endpoints' window. */
  edge: { jsonLimits: JsonLimits; timeWindow: { earliest: number; maxFutureMs: number } };
}

const NDJSON = ['application/x-ndjson', 'application/jsonl', 'application/x-jsonlines'];

export const ImportSummaryView = Type.Object({
  lines: Type.Integer(), stored: Type.Integer({ description: 'interactions and feedback stored' }),
  unchanged: Type.Integer({ description: 'interactions and feedback that were stored before (a line sent again)' }),
  skipped: Type.Integer({ description: "lines not stored on purpose (another tool's evaluator scores, child runs): see skipped_reasons" }),
  failed: Type.Integer({ description: 'lines rejected' }),
  errors: Type.Array(Type.Object({ line: Type.Integer(), pointer: Type.String(), detail: Type.String() }), { description: 'the first 1000' }),
  skipped_reasons: Type.Record(Type.String(), Type.Integer()),
  committed_line: Type.Integer(), committed_offset: Type.Integer(), interrupted: Type.Boolean(),
}, { additionalProperties: true });

export async function registerImportRoute(app: FastifyInstance, { ingestion, storage, bodyLimitBytes, edge }: ImportRouteOptions): Promise<void> {
  const check = createSchemaCheck();
  await app.register(async (scope) => {
    // The body stays a stream: an import may be far larger than any single request.
    scope.addContentTypeParser(NDJSON, (_request, payload, done) => done(null, payload));
    scope.post('/api/v1/import', {
      schema: {
        summary: 'Import (backfill) JSONL', tags: [DATA_TAG], consumes: NDJSON,
        description: 'Each line a compat body with a "type" naming its endpoint, a line of feedloop\'s own export, or (format=langfuse|langsmith) '
          + 'a line of those tools\' exports. Validated, anonymized and linked like ingestion; idempotent (sending the same lines again stores '
          + 'nothing twice). Bad lines are reported and the rest stored (docs/data.md).',
        querystring: queryString({ format: `${IMPORT_FORMATS.join(', ')} (default feedloop)`, anonymize: 'true or false: overrides every line\'s own choice' }),
        response: { 200: ImportSummaryView },
      },
    }, async (request) => {
      const q = new QueryParameters(request.query, ['format', 'anonymize']);
      const format: ImportFormat = q.oneOf('format', IMPORT_FORMATS) ?? 'feedloop';
      const anonymize = q.boolean('anonymize');
      q.check();
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') throw new FeedloopError('bad_request', `Send the lines as ${NDJSON[0]}`);
      const run = new ImportRun(ingestion, storage, check, { projectId: projectOf(request), format, anonymize, jsonLimits: edge.jsonLimits, window: edge.timeWindow });
      request.raw.once('close', () => { if (!request.raw.complete) run.stop(); });
      const summary = await run.consume(readLines(body, 0, bodyLimitBytes)).catch((error: unknown) => {
        throw new FeedloopError('bad_request', `The body could not be read to its end (${(error as Error).message})`);
      });
      if (summary.fatal) {
        throw new FeedloopError('storage_unavailable',
          `Storage failed at line ${summary.committed_line + 1}: every line before it is settled; send the rest again (${summary.fatal})`,
          { headers: { 'retry-after': '1' } });
      }
      return summary;
    });
  });
}
