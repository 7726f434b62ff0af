// The JSON body parser of every route: UTF-8 only (a declared other charset is a 415, invalid
// UTF-8 a 400 naming the byte), then one iterative scan of the text (core/wire/json-scan.ts) that
// rejects what JSON.parse would accept silently or what could hurt the code after it (nesting
// beyond the limit, oversized strings and arrays, duplicate keys, `__proto__`, NUL, unpaired
// surrogates), each named by JSON pointer; only then JSON.parse. A body that passes holds plain
// data of bounded shape, so no walker after this can overflow the stack on it.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FeedloopError, validationFailed } from '../core/errors.js';
import { scanJson, type JsonLimits } from '../core/wire/json-scan.js';

type ContentTypeParserFunction = (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => void;

declare module 'fastify' {
  interface FastifyInstance { jsonLimits: JsonLimits }
}

/** Byte offset of the first byte that is not part of valid UTF-8 (only asked of invalid buffers). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    if (!isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/** 415 unless the content type declares no charset or UTF-8 (JSON is UTF-8: RFC 8259 section 8.1). */
export function checkCharset(contentType: string | undefined): void {
  const charset = contentType ? CHARSET.exec(contentType)?.[1] : undefined;
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new FeedloopError('unsupported_media_type', 'Only UTF-8 JSON is accepted: send Content-Type: application/json, without a charset or with charset=utf-8');
  }
}

/**
 * A request body (raw bytes) as a JSON value, or a FeedloopError: 400 when it is not UTF-8 JSON,
 * 422 naming each value the limits or rules reject. Exported for routes that read JSON under
 * another content type (a text/plain batch from navigator.sendBeacon).
 */
export function parseJsonBody(bytes: Buffer, limits: JsonLimits): unknown {
  if (!isUtf8(bytes)) {
    throw new FeedloopError('malformed_json', `The body is not valid UTF-8: the byte at offset ${firstInvalidUtf8(bytes)} is not part of a UTF-8 character`);
  }
  // A byte-order mark is allowed before JSON text (RFC 8259 section 8.1) and ignored.
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = bytes.toString('utf8', bom ? 3 : 0);
  const scan = scanJson(text, limits, bom ? 3 : 0);
  if (!scan.ok) {
    if (scan.kind === 'syntax') throw new FeedloopError('malformed_json', `The body is not valid JSON: ${scan.detail}`);
    throw validationFailed(scan.errors, scan.total);
  }
  return JSON.parse(text);
}

/**
 * The parser, for registering under another content type too (the text/plain feedback batch):
 * register it with `parseAs: 'buffer'`, so that invalid UTF-8 is refused rather than replaced.
 */
export function jsonBodyParser(app: FastifyInstance): ContentTypeParserFunction {
  return (request, body, done) => {
    try {
      checkCharset(request.headers['content-type']);
      done(null, parseJsonBody(typeof body === 'string' ? Buffer.from(body) : body, app.jsonLimits));
    } catch (error) {
      done(error as Error, undefined);
    }
  };
}

export function registerJsonParser(app: FastifyInstance, limits: JsonLimits): void {
  app.decorate('jsonLimits', limits);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser(app));
}
