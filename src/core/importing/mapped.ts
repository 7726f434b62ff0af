// What a line of another tool's export becomes: a compat body (validated and stored like one sent
// to the ingestion endpoints), or a reason it is skipped.
import type { FieldError } from '../errors.js';

export type Mapped =
  /** A v2 interactions body; `id` is the interaction's id (the tool's trace or run id). */
  | { kind: 'interaction'; id: string; endUser: string; body: Record<string, unknown> }
  /** A feedback body whose metadata.end_user is filled in by the importer (the interaction's). */
  | { kind: 'feedback'; interactionId: string; body: { feedback: Record<string, unknown>; metadata: Record<string, unknown> } }
  /** A child run of a trace (LangSmith): not stored, remembered so that feedback on it finds the trace. */
  | { kind: 'child'; id: string; traceId: string; reason: string }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; errors: FieldError[] };
