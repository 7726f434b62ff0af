// OTLP/HTTP trace export: POST /v1/traces (and /otlp/v1/traces, for exporters given a base URL
// with that prefix), protobuf or OTLP JSON, optionally gzip-compressed, with the project's secret
// key as Bearer token. Spans become interactions (core/otlp) through the ordinary write path.
// Everything here lives in one encapsulated plugin: its body parsers (raw bytes for both content
// types) and its error responses (google.rpc.Status in the request's encoding, as OTLP/HTTP
// specifies) do not touch the compat endpoints' JSON handling.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Ingestion } from '../../app/ingestion.js';
import { FeedloopError } from '../../core/errors.js';
import { decodeExportRequest } from '../../core/otlp/decode.js';
import { spansToInteractions } from '../../core/otlp/interactions.js';
import { projectOf } from '../auth.js';
import { CONTENT_TYPE, decodeProtobufRequest, encodeResponse, encodeStatus, type OtlpEncoding } from '../otlp-codec.js';
import { asFeedloopError } from '../problem.js';

const inflate = promisify(gunzip);

export const OTLP_TRACE_PATHS = ['/v1/traces', '/otlp/v1/traces'] as const;

export interface OtlpRoutesOptions {
  ingestion: Ingestion;
  /** The largest body, compressed or not: a gzip body is refused once its inflated size passes it. */
  bodyLimitBytes: number;
  /** Spans being written at once, across requests; more get 503 with Retry-After (exporters retry). */
  maxSpansInFlight: number;
}

const encodingOf = (request: FastifyRequest): OtlpEncoding =>
  /json/i.test(request.headers['content-type'] ?? '') ? 'json' : 'protobuf';

async function decompressed(request: FastifyRequest, body: Buffer, limit: number): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') throw new FeedloopError('unsupported_media_type', `Content-Encoding ${encoding} is not supported; send gzip or none`);
  try {
    // maxOutputLength stops inflating at the limit: a small bomb never expands in memory.
    return await inflate(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new FeedloopError('body_too_large', `The decompressed body is larger than ${limit} bytes`);
    }
    throw new FeedloopError('bad_request', `The gzip body cannot be decompressed: ${(error as Error).message}`);
  }
}

function decoded(encoding: OtlpEncoding, bytes: Buffer): unknown {
  try {
    return encoding === 'json' ? JSON.parse(bytes.toString('utf8')) : decodeProtobufRequest(bytes);
  } catch (error) {
    const what = encoding === 'json' ? 'OTLP JSON' : 'protobuf ExportTraceServiceRequest';
    throw new FeedloopError('bad_request', `The body is not a valid ${what}: ${(error as Error).message}`);
  }
}

function sendStatus(reply: FastifyReply, request: FastifyRequest, error: FeedloopError): FastifyReply {
  const encoding = encodingOf(request);
  return reply.code(error.status).headers(error.headers).type(CONTENT_TYPE[encoding]).send(encodeStatus(encoding, error.status, error.message));
}

export async function registerOtlpRoutes(app: FastifyInstance, options: OtlpRoutesOptions): Promise<void> {
  let spansInFlight = 0;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    for (const type of ['application/x-protobuf', 'application/json']) {
      scope.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    }
    scope.setErrorHandler((error: FastifyError, request, reply) => sendStatus(reply, request, asFeedloopError(error, request)));

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const encoding = encodingOf(request);
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new FeedloopError('bad_request', 'The body is empty; send an ExportTraceServiceRequest');
      const spans = decodeExportRequest(decoded(encoding, await decompressed(request, body, options.bodyLimitBytes)));
      const mapping = spansToInteractions(spans);
      const count = spans.spans.length;
      if (mapping.commands.length > 0) {
        if (spansInFlight > 0 && spansInFlight + count > options.maxSpansInFlight) {
          throw new FeedloopError('storage_unavailable', 'Too many spans are being written; nothing was stored, retry later',
            { headers: { 'retry-after': '1' } });
        }
        spansInFlight += count;
        try {
          await options.ingestion.recordInteractions(projectOf(request), mapping.commands);
        } finally {
          spansInFlight -= count;
        }
      }
      const partial = mapping.rejected > 0 ? { rejectedSpans: mapping.rejected, errorMessage: mapping.errorMessage } : null;
      return reply.type(CONTENT_TYPE[encoding]).send(encodeResponse(encoding, partial));
    };
    for (const path of OTLP_TRACE_PATHS) scope.post(path, { config: { access: 'secret' }, schema: { hide: true } }, handler);
  });
}
