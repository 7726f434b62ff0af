// Records <-> PostgreSQL rows. The driver returns booleans and parsed jsonb, and BIGINT times as
// numbers (see the int8 parser in postgres-storage.ts). Writes go column-wise: each table's
// columns are listed once with their SQL type, so one INSERT ... SELECT FROM unnest($1::text[], ...)
// stores any number of rows with a fixed statement text.
import type { FeedbackRecord, InteractionRecord, TagUpdateRecord } from '../../core/model.js';
import type { ApiKeyRecord, SessionRecord } from '../port.js';

import type { Row } from '../summary.js';

export type { Row };

/** One column of a multi-row insert: its name, its SQL type, and how to read it from a record. */
export interface Column<R> { name: string; type: 'text' | 'bigint' | 'boolean' | 'jsonb'; get: (r: R) => unknown }

/**
 * JSON text for a jsonb parameter: passed as text because the driver would turn a JS array into a
 * PostgreSQL array literal, not JSON.
 */
export const jsonParam = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export const INTERACTION_COLUMNS: readonly Column<InteractionRecord>[] = [
  { name: 'id', type: 'text', get: (r) => r.id },
  { name: 'project_id', type: 'text', get: (r) => r.projectId },
  { name: 'conversation_id', type: 'text', get: (r) => r.conversationId },
  { name: 'conversation_auto', type: 'boolean', get: (r) => r.conversationAuto },
  { name: 'end_user', type: 'text', get: (r) => r.endUser },
  { name: 'input', type: 'text', get: (r) => r.input },
  { name: 'output', type: 'text', get: (r) => r.output },
  { name: 'input_hash', type: 'text', get: (r) => r.inputHash },
  { name: 'output_hash', type: 'text', get: (r) => r.outputHash },
  { name: 'messages', type: 'jsonb', get: (r) => jsonParam(r.messages) },
  { name: 'history', type: 'jsonb', get: (r) => jsonParam(r.history) },
  { name: 'system_prompt', type: 'text', get: (r) => r.systemPrompt },
  { name: 'model', type: 'text', get: (r) => r.model },
  { name: 'rag_sources', type: 'jsonb', get: (r) => jsonParam(r.ragSources) },
  { name: 'tags', type: 'jsonb', get: (r) => jsonParam(r.tags) },
  { name: 'feature_flags', type: 'jsonb', get: (r) => jsonParam(r.featureFlags) },
  { name: 'traces', type: 'jsonb', get: (r) => jsonParam(r.traces) },
  { name: 'time_start', type: 'bigint', get: (r) => r.timeStart },
  { name: 'time_end', type: 'bigint', get: (r) => r.timeEnd },
  { name: 'hide_content', type: 'boolean', get: (r) => r.hideContent },
  { name: 'pii_removed', type: 'boolean', get: (r) => r.piiRemoved },
  { name: 'pii', type: 'jsonb', get: (r) => jsonParam(r.pii) },
  { name: 'received_at', type: 'bigint', get: (r) => r.receivedAt },
  { name: 'source', type: 'text', get: (r) => r.source },
  { name: 'trace_id', type: 'text', get: (r) => r.traceId },
  { name: 'span_id', type: 'text', get: (r) => r.spanId },
];

export const FEEDBACK_COLUMNS: readonly Column<FeedbackRecord>[] = [
  { name: 'id', type: 'text', get: (r) => r.id },
  { name: 'project_id', type: 'text', get: (r) => r.projectId },
  { name: 'event_id', type: 'text', get: (r) => r.eventId },
  { name: 'slug', type: 'text', get: (r) => r.slug },
  { name: 'text', type: 'text', get: (r) => r.text },
  { name: 'value', type: 'bigint', get: (r) => r.value },
  { name: 'end_user', type: 'text', get: (r) => r.endUser },
  { name: 'timestamp', type: 'bigint', get: (r) => r.timestamp },
  { name: 'status', type: 'text', get: (r) => r.status },
  { name: 'link', type: 'text', get: (r) => r.link },
  { name: 'interaction_id', type: 'text', get: (r) => r.interactionId },
  { name: 'linked_time_end', type: 'bigint', get: (r) => r.linkedTimeEnd },
  { name: 'interaction_ref', type: 'text', get: (r) => r.interactionRef },
  { name: 'input_hash', type: 'text', get: (r) => r.inputHash },
  { name: 'output_hash', type: 'text', get: (r) => r.outputHash },
  { name: 'conversation_id', type: 'text', get: (r) => r.conversationId },
  { name: 'flags', type: 'jsonb', get: (r) => jsonParam(r.flags) },
  { name: 'pii_removed', type: 'boolean', get: (r) => r.piiRemoved },
  { name: 'pii', type: 'jsonb', get: (r) => jsonParam(r.pii) },
  { name: 'received_at', type: 'bigint', get: (r) => r.receivedAt },
  { name: 'trace_ref', type: 'text', get: (r) => r.traceRef },
  { name: 'span_ref', type: 'text', get: (r) => r.spanRef },
];

/** `INSERT INTO table (...) SELECT * FROM unnest($1::type[], ...)`: one statement for any number of rows. */
export function multiRowInsert<R>(table: string, columns: readonly Column<R>[]): string {
  const names = columns.map((c) => c.name).join(', ');
  const arrays = columns.map((c, k) => `$${k + 1}::${c.type}[]`).join(', ');
  return `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays})`;
}

/** The parameters of multiRowInsert(): one array per column. */
export function columnArrays<R>(columns: readonly Column<R>[], rows: readonly R[]): unknown[][] {
  return columns.map((c) => rows.map(c.get));
}

export function interactionFromRow(row: Row): InteractionRecord {
  return {
    id: row['id'] as string, projectId: row['project_id'] as string, conversationId: row['conversation_id'] as string,
    conversationAuto: row['conversation_auto'] as boolean, endUser: row['end_user'] as string,
    input: row['input'] as string | null, output: row['output'] as string | null,
    inputHash: row['input_hash'] as string | null, outputHash: row['output_hash'] as string | null,
    messages: row['messages'] as InteractionRecord['messages'], history: row['history'] as InteractionRecord['history'],
    systemPrompt: row['system_prompt'] as string | null, model: row['model'] as string | null,
    ragSources: row['rag_sources'] as string[] | null, tags: row['tags'] as Record<string, string>,
    featureFlags: row['feature_flags'] as string[], traces: row['traces'] as InteractionRecord['traces'],
    timeStart: row['time_start'] as number, timeEnd: row['time_end'] as number, hideContent: row['hide_content'] as boolean,
    piiRemoved: row['pii_removed'] as boolean, pii: row['pii'] as InteractionRecord['pii'], receivedAt: row['received_at'] as number,
    source: row['source'] as string, traceId: row['trace_id'] as string | null, spanId: row['span_id'] as string | null,
  };
}

export function feedbackFromRow(row: Row): FeedbackRecord {
  return {
    id: row['id'] as string, projectId: row['project_id'] as string, eventId: row['event_id'] as string | null,
    slug: row['slug'] as FeedbackRecord['slug'], text: row['text'] as string | null, value: row['value'] as number | null,
    endUser: row['end_user'] as string, timestamp: row['timestamp'] as number, status: row['status'] as FeedbackRecord['status'],
    link: row['link'] as FeedbackRecord['link'], interactionId: row['interaction_id'] as string | null,
    linkedTimeEnd: row['linked_time_end'] as number | null, interactionRef: row['interaction_ref'] as string | null,
    inputHash: row['input_hash'] as string | null, outputHash: row['output_hash'] as string | null,
    conversationId: row['conversation_id'] as string | null, flags: row['flags'] as FeedbackRecord['flags'],
    piiRemoved: row['pii_removed'] as boolean, pii: row['pii'] as FeedbackRecord['pii'], receivedAt: row['received_at'] as number,
    traceRef: row['trace_ref'] as string | null, spanRef: row['span_ref'] as string | null,
  };
}

export function tagUpdateFromRow(row: Row): TagUpdateRecord {
  return {
    id: row['id'] as string, projectId: row['project_id'] as string, endUser: row['end_user'] as string,
    timestamp: row['timestamp'] as number, inputHash: row['input_hash'] as string | null, outputHash: row['output_hash'] as string | null,
    tags: row['tags'] as Record<string, string>, status: row['status'] as TagUpdateRecord['status'],
    interactionId: row['interaction_id'] as string | null, receivedAt: row['received_at'] as number,
  };
}

export function apiKeyFromRow(row: Row): ApiKeyRecord {
  return {
    id: row['id'] as string, projectId: row['project_id'] as string, kind: row['kind'] as ApiKeyRecord['kind'],
    name: row['name'] as string | null, keyHash: row['key_hash'] as string, keyPrefix: row['key_prefix'] as string,
    origins: row['origins'] as string[], requireToken: row['require_token'] === true, createdAt: row['created_at'] as number,
    revokedAt: row['revoked_at'] as number | null,
  };
}

export function sessionFromRow(row: Row): SessionRecord {
  return {
    id: row['id'] as string, tokenHash: row['token_hash'] as string, projectId: row['project_id'] as string,
    keyId: row['key_id'] as string | null, createdAt: row['created_at'] as number, expiresAt: row['expires_at'] as number,
    revokedAt: row['revoked_at'] as number | null,
  };
}
