// OTLP/HTTP trace messages in both encodings: the protobuf definitions feedloop needs, written from
// the OTLP specification (opentelemetry-proto: collector/trace/v1, trace/v1, common/v1,
// resource/v1, and google.rpc.Status for errors), compiled once at start-up by protobufjs, and the
// JSON forms of the responses. Field numbers are the specification's; only the fields read or
// written here are declared (protobuf skips unknown fields).
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package feedloop.otlp;

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }

message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }

message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  uint32 dropped_links_count = 14;
  Status status = 15;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
}
message Status { string message = 2; int32 code = 3; }

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }

// google.rpc.Status: the body of an OTLP/HTTP error response.
message RpcStatus { int32 code = 1; string message = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: false }).root;
/** The request message type (tests and the benchmark encode requests with it). */
export const ExportTraceServiceRequest = root.lookupType('feedloop.otlp.ExportTraceServiceRequest');
const Request = ExportTraceServiceRequest;
export const ExportTraceServiceResponse = root.lookupType('feedloop.otlp.ExportTraceServiceResponse');
const Response = ExportTraceServiceResponse;
const RpcStatus = root.lookupType('feedloop.otlp.RpcStatus');

export type OtlpEncoding = 'protobuf' | 'json';

/**
 * Decodes a protobuf ExportTraceServiceRequest into protobufjs message objects (camelCase fields,
 * bytes as Uint8Array, 64-bit integers as Long), which core/otlp/decode.ts reads like OTLP JSON.
 * Throws on a truncated or malformed body.
 */
export function decodeProtobufRequest(body: Uint8Array): unknown {
  return Request.decode(body);
}

export interface PartialSuccess { rejectedSpans: number; errorMessage: string }

/** ExportTraceServiceResponse: empty when everything was accepted. */
export function encodeResponse(encoding: OtlpEncoding, partial: PartialSuccess | null): Buffer | string {
  if (encoding === 'json') {
    // OTLP JSON writes int64 as a decimal string.
    return JSON.stringify(partial === null ? {} : { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } });
  }
  const message = Response.create(partial === null ? {} : { partialSuccess: partial });
  return Buffer.from(Response.encode(message).finish());
}

/** gRPC status codes for the HTTP statuses OTLP/HTTP answers with (the specification pairs them). */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 3, 415: 3, 429: 8, 500: 13, 503: 14 };

/** google.rpc.Status for an error response. */
export function encodeStatus(encoding: OtlpEncoding, httpStatus: number, message: string): Buffer | string {
  const code = GRPC_CODE[httpStatus] ?? 2;
  if (encoding === 'json') return JSON.stringify({ code, message });
  return Buffer.from(RpcStatus.encode(RpcStatus.create({ code, message })).finish());
}

export const CONTENT_TYPE: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };
