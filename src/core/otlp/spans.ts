// OpenTelemetry spans as the OTLP mapping reads them, whichever encoding (protobuf or OTLP JSON)
// they arrived in: ids as lowercase hex, times as epoch milliseconds, attributes as one map per
// span with AnyValue turned into plain values (kvlists become objects, bytes base64 text).

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = ReadonlyMap<string, AttributeValue>;

export interface SpanEvent {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

export interface OtlpSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** SpanKind as sent (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: SpanEvent[];
  /** Status code (0 unset, 1 ok, 2 error). */
  statusCode: number;
  /** The attributes of the resource (service) that emitted the span. */
  resource: Attributes;
  /** The instrumentation scope's name, e.g. `ai` or `@arizeai/openinference-instrumentation-openai`. */
  scope: string;
}

/** A span that could not be read (bad ids, times): rejected in partial_success, never stored. */
export interface InvalidSpan {
  reason: string;
}

export interface DecodedExport {
  spans: OtlpSpan[];
  invalid: InvalidSpan[];
}
