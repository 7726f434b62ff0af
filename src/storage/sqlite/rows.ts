// Records <-> SQLite rows: booleans as 0/1, JSON-valued fields as JSON text.
import type { FeedbackRecord, InteractionRecord, TagUpdateRecord } from '../../core/model.js';
import type { ApiKeyRecord, SessionRecord } from '../port.js';

import type { Row } from '../summary.js';

export type { Row };

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = <T>(v: unknown): T => (v === null || v === undefined ? null : JSON.parse(v as string)) as T;

export const INTERACTION_COLUMNS = ['id', 'project_id', 'conversation_id', 'conversation_auto', 'end_user', 'input', 'output', 'input_hash',
  'output_hash', 'messages', 'history', 'system_prompt', 'model', 'rag_sources', 'tags', 'feature_flags', 'traces', 'time_start', 'time_end',
  'hide_content', 'pii_removed', 'pii', 'received_at', 'source', 'trace_id', 'span_id'] as const;

/** An interaction's values in INTERACTION_COLUMNS order (positional parameters bind faster than named ones). */
export function interactionValues(r: InteractionRecord): unknown[] {
  return [r.id, r.projectId, r.conversationId, r.conversationAuto ? 1 : 0, r.endUser, r.input, r.output, r.inputHash, r.outputHash,
    json(r.messages), json(r.history), r.systemPrompt, r.model, json(r.ragSources), JSON.stringify(r.tags), JSON.stringify(r.featureFlags),
    json(r.traces), r.timeStart, r.timeEnd, r.hideContent ? 1 : 0, r.piiRemoved ? 1 : 0, JSON.stringify(r.pii), r.receivedAt, r.source,
    r.traceId, r.spanId];
}

export function interactionFromRow(row: Row): InteractionRecord {
  return {
    id: row['id'] as string, projectId: row['project_id'] as string, conversationId: row['conversation_id'] as string,
    conversationAuto: row['conversation_auto'] === 1, endUser: row['end_user'] as string,
    input: row['input'] as string | null, output: row['output'] as string | null,
    inputHash: row['input_hash'] as string | null, outputHash: row['output_hash'] as string | null,
    messages: parse(row['messages']), history: parse(row['history']), systemPrompt: row['system_prompt'] as string | null,
    model: row['model'] as string | null, ragSources: parse(row['rag_sources']), tags: parse(row['tags']),
    featureFlags: parse(row['feature_flags']), traces: parse(row['traces']), timeStart: row['time_start'] as number,
    timeEnd: row['time_end'] as number, hideContent: row['hide_content'] === 1, piiRemoved: row['pii_removed'] === 1,
    pii: parse(row['pii']), receivedAt: row['received_at'] as number, source: row['source'] as string,
    traceId: row['trace_id'] as string | null, spanId: row['span_id'] as string | null,
  };
}

export const FEEDBACK_COLUMNS = ['id', 'project_id', 'event_id', 'slug', 'text', 'value', 'end_user', 'timestamp', 'status', 'link',
  'interaction_id', 'linked_time_end', 'interaction_ref', 'input_hash', 'output_hash', 'conversation_id', 'flags', 'pii_removed', 'pii',
  'received_at', 'trace_ref', 'span_ref'] as const;

/** A feedback's values in FEEDBACK_COLUMNS order. */
export function feedbackValues(r: FeedbackRecord): unknown[] {
  return [r.id, r.projectId, r.eventId, r.slug, r.text, r.value, r.endUser, r.timestamp, r.status, r.link, r.interactionId,
    r.linkedTimeEnd, r.interactionRef, r.inputHash, r.outputHash, r.conversationId, JSON.stringify(r.flags), r.piiRemoved ? 1 : 0,
    JSON.stringify(r.pii), r.receivedAt, r.traceRef, r.spanRef];
}

export function feedbackFromRow(row: Row): FeedbackRecord {
  return {
    id: row['id'] as string, projectId: row['project_id'] as string, eventId: row['event_id'] as string | null,
    slug: row['slug'] as FeedbackRecord['slug'], text: row['text'] as string | null, value: row['value'] as number | null,
    endUser: row['end_user'] as string, timestamp: row['timestamp'] as number, status: row['status'] as FeedbackRecord['status'],
    link: row['link'] as FeedbackRecord['link'], interactionId: row['interaction_id'] as string | null,
    linkedTimeEnd: row['linked_time_end'] as number | null, interactionRef: row['interaction_ref'] as string | null,
    inputHash: row['input_hash'] as string | null, outputHash: row['output_hash'] as string | null,
    conversationId: row['conversation_id'] as string | null, flags: parse(row['flags']), piiRemoved: row['pii_removed'] === 1,
    pii: parse(row['pii']), receivedAt: row['received_at'] as number,
    traceRef: row['trace_ref'] as string | null, spanRef: row['span_ref'] as string | null,
  };
}

export function tagUpdateFromRow(row: Row): TagUpdateRecord {
  return {
    id: row['id'] as string, projectId: row['project_id'] as string, endUser: row['end_user'] as string,
    timestamp: row['timestamp'] as number, inputHash: row['input_hash'] as string | null, outputHash: row['output_hash'] as string | null,
    tags: parse(row['tags']), status: row['status'] as TagUpdateRecord['status'], interactionId: row['interaction_id'] as string | null,
    receivedAt: row['received_at'] as number,
  };
}

export function apiKeyFromRow(row: Row): ApiKeyRecord {
  return {
    id: row['id'] as string, projectId: row['project_id'] as string, kind: row['kind'] as ApiKeyRecord['kind'],
    name: row['name'] as string | null, keyHash: row['key_hash'] as string, keyPrefix: row['key_prefix'] as string,
    origins: parse(row['origins']), requireToken: row['require_token'] === 1, createdAt: row['created_at'] as number,
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
