// An ExportTraceServiceRequest -> spans (spans.ts). One walk serves both encodings: OTLP JSON as
// parsed (hex ids, int64 as strings or numbers, camelCase keys; the proto field names in
// snake_case are accepted too, as protobuf JSON parsers do) and protobufjs's decoded messages
// (ids as bytes, int64 as Long). A field of the wrong type makes the whole body undecodable
// (400, naming the field); a span whose ids or times are invalid is only rejected.
import { FeedloopError } from '../errors.js';
import type { AttributeValue, Attributes, DecodedExport, OtlpSpan, SpanEvent } from './spans.js';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
/** A kvlist nested deeper than this is refused: no legitimate attribute needs it, and recursion has a limit. */
const MAX_DEPTH = 32;

function undecodable(path: string, detail: string): FeedloopError {
  return new FeedloopError('bad_request', `The OTLP body cannot be decoded: ${path} ${detail}`);
}

/** A field by its JSON (lowerCamelCase) name or its proto (snake_case) name; undefined when absent. */
function field(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

function list(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw undecodable(path, 'must be an array');
  return v;
}

function object(v: unknown, path: string): Obj | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw undecodable(path, 'must be an object');
  return v;
}

function text(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw undecodable(path, 'must be a string');
  // U+0000 cannot be stored by PostgreSQL; it is replaced, as in JSON bodies (http/json-parser.ts).
  return v.includes('\u0000') ? v.replace(/\u0000/g, '\uFFFD') : v;
}

function integer(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  // protobufjs returns 64-bit integers as Long objects.
  if (isObject(v) && typeof v['low'] === 'number' && typeof v['high'] === 'number' && typeof v['toNumber'] === 'function') {
    return (v['toNumber'] as () => number).call(v);
  }
  throw undecodable(path, 'must be an integer (a number, or a string of digits)');
}

/** Hex ids: JSON sends hex text, protobuf raw bytes. Empty means absent. */
function id(v: unknown, path: string): string {
  // protobufjs gives an absent bytes field its default, an empty array.
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return '';
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (typeof v === 'string') return v.toLowerCase();
  throw undecodable(path, 'must be a hex string');
}

const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const SPAN_ID = /^(?!0{16})[0-9a-f]{16}$/;

/** The keys of AnyValue's `oneof value`. Set fields are own properties both in JSON and in protobufjs messages. */
const VALUE_KEYS = [
  ['stringValue', 'string_value'], ['boolValue', 'bool_value'], ['intValue', 'int_value'], ['doubleValue', 'double_value'],
  ['arrayValue', 'array_value'], ['kvlistValue', 'kvlist_value'], ['bytesValue', 'bytes_value'],
] as const;

function anyValue(v: unknown, path: string, depth: number): AttributeValue {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw undecodable(path, 'must be an AnyValue object');
  if (depth > MAX_DEPTH) throw undecodable(path, `nests deeper than ${MAX_DEPTH} levels`);
  for (const [camel, snake] of VALUE_KEYS) {
    const key = Object.hasOwn(v, camel) ? camel : Object.hasOwn(v, snake) ? snake : null;
    if (key === null) continue;
    const x = v[key];
    const at = `${path}.${camel}`;
    switch (camel) {
      case 'stringValue': return text(x, at);
      case 'boolValue':
        if (typeof x !== 'boolean') throw undecodable(at, 'must be a boolean');
        return x;
      case 'intValue': return integer(x, at);
      case 'doubleValue':
        if (typeof x === 'number') return x;
        // Protobuf JSON writes non-finite doubles as strings.
        if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return null;
        throw undecodable(at, 'must be a number');
      case 'arrayValue': {
        const values = list(object(x, at)?.['values'], `${at}.values`);
        return values.map((item, k) => anyValue(item, `${at}.values[${k}]`, depth + 1));
      }
      case 'kvlistValue': {
        const out: { [key: string]: AttributeValue } = Object.create(null) as { [key: string]: AttributeValue };
        for (const [key, value] of keyValues(object(x, at)?.['values'], `${at}.values`, depth + 1)) out[key] = value;
        return out;
      }
      case 'bytesValue':
        if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
        return text(x, at);
    }
  }
  return null;
}

function keyValues(v: unknown, path: string, depth: number): [string, AttributeValue][] {
  return list(v, path).map((kv, k) => {
    const at = `${path}[${k}]`;
    const o = object(kv, at);
    if (o === null) throw undecodable(at, 'must be a KeyValue object');
    return [text(o['key'], `${at}.key`), anyValue(o['value'], `${at}.value`, depth)];
  });
}

function attributes(v: unknown, path: string): Attributes {
  return new Map(keyValues(v, path, 0));
}

/**
 * Unix nanoseconds (fixed64) -> epoch milliseconds. Today's times in nanoseconds exceed 2^53, so
 * digits and Longs are divided exactly; a JSON number is already rounded (to 256 ns), and the
 * half-microsecond nudge keeps a whole millisecond from flooring to the one before.
 */
function millis(v: unknown, path: string): number {
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(BigInt(v) / 1_000_000n);
  if (isObject(v) && typeof v['div'] === 'function' && typeof v['toNumber'] === 'function') {
    return (v['div'] as (d: number) => { toNumber(): number }).call(v, 1_000_000).toNumber();
  }
  return Math.floor(integer(v, path) / 1e6 + 0.0005);
}

/** Reads an ExportTraceServiceRequest (parsed JSON or a decoded protobuf message). */
export function decodeExportRequest(body: unknown): DecodedExport {
  const root = object(body, 'the body');
  const out: DecodedExport = { spans: [], invalid: [] };
  if (root === null) return out;
  list(field(root, 'resourceSpans', 'resource_spans'), 'resourceSpans').forEach((rsValue, r) => {
    const rsPath = `resourceSpans[${r}]`;
    const rs = object(rsValue, rsPath);
    if (rs === null) return;
    const resourcePath = `${rsPath}.resource`;
    const resource = attributes(object(rs['resource'], resourcePath)?.['attributes'], `${resourcePath}.attributes`);
    list(field(rs, 'scopeSpans', 'scope_spans'), `${rsPath}.scopeSpans`).forEach((ssValue, s) => {
      const ssPath = `${rsPath}.scopeSpans[${s}]`;
      const ss = object(ssValue, ssPath);
      if (ss === null) return;
      const scope = text(object(ss['scope'], `${ssPath}.scope`)?.['name'], `${ssPath}.scope.name`);
      list(ss['spans'], `${ssPath}.spans`).forEach((spanValue, k) => {
        const path = `${ssPath}.spans[${k}]`;
        const span = object(spanValue, path);
        if (span === null) return;
        const decoded = decodeSpan(span, path, resource, scope);
        if (typeof decoded === 'string') out.invalid.push({ reason: decoded });
        else out.spans.push(decoded);
      });
    });
  });
  return out;
}

/** A span, or the reason it cannot be used. Types are checked before validity, so a wrong type is always a 400. */
function decodeSpan(span: Obj, path: string, resource: Attributes, scope: string): OtlpSpan | string {
  const traceId = id(field(span, 'traceId', 'trace_id'), `${path}.traceId`);
  const spanId = id(field(span, 'spanId', 'span_id'), `${path}.spanId`);
  const parent = id(field(span, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`);
  const name = text(span['name'], `${path}.name`);
  const kind = integer(span['kind'], `${path}.kind`);
  const startMs = millis(field(span, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`);
  const endMs = millis(field(span, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`);
  const attrs = attributes(span['attributes'], `${path}.attributes`);
  const events: SpanEvent[] = list(span['events'], `${path}.events`).map((e, k) => {
    const at = `${path}.events[${k}]`;
    const event = object(e, at) ?? {};
    return {
      name: text(event['name'], `${at}.name`),
      timeMs: millis(field(event, 'timeUnixNano', 'time_unix_nano'), `${at}.timeUnixNano`),
      attributes: attributes(event['attributes'], `${at}.attributes`),
    };
  });
  const status = object(span['status'], `${path}.status`);
  const statusCode = status === null ? 0 : integer(status['code'], `${path}.status.code`);

  if (!TRACE_ID.test(traceId)) return 'a trace id that is not 16 bytes, or is all zeros';
  if (!SPAN_ID.test(spanId)) return 'a span id that is not 8 bytes, or is all zeros';
  if (startMs <= 0 || endMs < startMs) return 'no start time, or an end before its start';
  return {
    traceId, spanId, parentSpanId: parent === '' ? null : parent, name, kind, startMs, endMs, attributes: attrs, events, statusCode,
    resource, scope,
  };
}
