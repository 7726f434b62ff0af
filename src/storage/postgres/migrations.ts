// Schema of the PostgreSQL store, as ordered migrations applied at start-up (see migrate() in
// postgres-storage.ts: under an advisory lock, each in its own transaction, recorded in
// schema_migrations). Same tables and indexes as sqlite/migrations.ts: times are BIGINT
// milliseconds since the epoch (parsed back to numbers), JSON-valued columns are jsonb.

import { COUNTERS } from '../../core/rollups.js';

const COUNTER_COLUMNS_SQL = COUNTERS.map((c) => `    ${c} BIGINT NOT NULL DEFAULT 0`).join(',\n');

/** Applied in order; version n is MIGRATIONS[n - 1]. Never edit one that has shipped: append. */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  /* 1: projects, keys, interactions, feedback, tag updates */ `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL);
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL,
    name TEXT,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    origins JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
  );
  CREATE INDEX api_keys_project ON api_keys(project_id, created_at);

  -- Ids are unique per project: clients may choose interaction ids, and two projects may choose alike.
  CREATE TABLE interactions (
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    conversation_auto BOOLEAN NOT NULL,
    end_user TEXT NOT NULL,
    input TEXT,
    output TEXT,
    input_hash TEXT,
    output_hash TEXT,
    messages JSONB,
    history JSONB,
    system_prompt TEXT,
    model TEXT,
    rag_sources JSONB,
    tags JSONB NOT NULL,
    feature_flags JSONB NOT NULL,
    traces JSONB,
    time_start BIGINT NOT NULL,
    time_end BIGINT NOT NULL,
    hide_content BOOLEAN NOT NULL,
    pii_removed BOOLEAN NOT NULL,
    pii JSONB NOT NULL,
    received_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (project_id, id)
  );
  -- The time rule and copied-text search: an end user's interactions by time_end.
  CREATE INDEX interactions_user_end ON interactions(project_id, end_user, time_end);
  -- Content matching: by keyed hash of output / input, then time_end.
  CREATE INDEX interactions_user_output ON interactions(project_id, end_user, output_hash, time_end);
  CREATE INDEX interactions_user_input ON interactions(project_id, end_user, input_hash, time_end);
  -- Conversation grouping and tag updates: by time_start.
  CREATE INDEX interactions_user_start ON interactions(project_id, end_user, time_start);
  CREATE INDEX interactions_conversation ON interactions(project_id, conversation_id, time_start);

  CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    event_id TEXT,
    slug TEXT NOT NULL,
    text TEXT,
    value BIGINT,
    end_user TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    status TEXT NOT NULL,
    link TEXT,
    interaction_id TEXT,
    linked_time_end BIGINT,
    interaction_ref TEXT,
    input_hash TEXT,
    output_hash TEXT,
    conversation_id TEXT,
    flags JSONB NOT NULL,
    pii_removed BOOLEAN NOT NULL,
    pii JSONB NOT NULL,
    received_at BIGINT NOT NULL
  );
  -- Idempotent retries: one row per (project, event_id), also across server instances.
  CREATE UNIQUE INDEX feedback_event_id ON feedback(project_id, event_id) WHERE event_id IS NOT NULL;
  CREATE INDEX feedback_interaction ON feedback(interaction_id, timestamp) WHERE interaction_id IS NOT NULL;
  CREATE INDEX feedback_unlinked ON feedback(project_id, end_user, received_at) WHERE status <> 'linked';
  CREATE INDEX feedback_unlinked_ref ON feedback(project_id, interaction_ref) WHERE status <> 'linked' AND interaction_ref IS NOT NULL;
  CREATE INDEX feedback_provisional ON feedback(project_id, end_user, timestamp) WHERE link = 'time';
  CREATE INDEX feedback_pending_age ON feedback(received_at) WHERE status = 'pending';

  CREATE TABLE tag_updates (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    end_user TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    input_hash TEXT,
    output_hash TEXT,
    tags JSONB NOT NULL,
    status TEXT NOT NULL,
    interaction_id TEXT,
    received_at BIGINT NOT NULL
  );
  CREATE INDEX tag_updates_unlinked ON tag_updates(project_id, end_user) WHERE status <> 'linked';
  `,
  /* 2: the read side: list indexes, rollups and their not-yet-folded deltas */ `
  CREATE INDEX interactions_time ON interactions(project_id, time_end, id);
  CREATE INDEX feedback_time ON feedback(project_id, timestamp, id);
  CREATE INDEX feedback_user ON feedback(project_id, end_user, timestamp, id);
  -- With id last, an end user's interactions come in the lists' (time_end, id) order straight from the
  -- index, as linking reads them (planners would otherwise pick the project-wide time index and filter).
  DROP INDEX interactions_user_end;
  CREATE INDEX interactions_user_end ON interactions(project_id, end_user, time_end, id);
  DROP INDEX feedback_provisional;
  -- An interaction's feedback by (project, interaction): two equality columns, so no planner prefers a
  -- project-wide index for the lookups rollup maintenance makes on every feedback (without statistics,
  -- SQLite otherwise scanned all linked feedback of the project through feedback_linked).
  DROP INDEX feedback_interaction;
  CREATE INDEX feedback_interaction ON feedback(project_id, interaction_id, timestamp) WHERE interaction_id IS NOT NULL;
  CREATE INDEX feedback_linked ON feedback(project_id, linked_time_end, interaction_id, slug) WHERE status = 'linked';
  CREATE INDEX feedback_unlinked_time ON feedback(project_id, timestamp, id) WHERE status <> 'linked';

  CREATE TABLE rollups (
    project_id TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    hour BIGINT NOT NULL,
${COUNTER_COLUMNS_SQL},
    PRIMARY KEY (project_id, dimension, value, hour)
  );
  -- Write transactions append their deltas here instead of updating shared rollup rows, so concurrent
  -- transactions (and instances) never wait for each other on a hot bucket; a background fold moves
  -- them into rollups, and reads add what is not folded yet.
  CREATE TABLE rollup_deltas (
    id BIGSERIAL PRIMARY KEY,
    project_id TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    hour BIGINT NOT NULL,
${COUNTER_COLUMNS_SQL}
  );
  CREATE INDEX rollup_deltas_bucket ON rollup_deltas(project_id, dimension, value, hour);
  `,
  /* 3: OpenTelemetry trace and span of interactions made from OTLP spans; the trace/span a feedback names */ `
  ALTER TABLE interactions ADD COLUMN trace_id TEXT;
  ALTER TABLE interactions ADD COLUMN span_id TEXT;
  -- Feedback by trace: the trace's interactions by time_end (the last LLM call), or one span's.
  CREATE INDEX interactions_trace ON interactions(project_id, trace_id, time_end) WHERE trace_id IS NOT NULL;
  ALTER TABLE feedback ADD COLUMN trace_ref TEXT;
  ALTER TABLE feedback ADD COLUMN span_ref TEXT;
  CREATE INDEX feedback_trace ON feedback(project_id, trace_ref) WHERE trace_ref IS NOT NULL;
  `,
  /* 4: publishable keys that require feedback tokens */ `
  ALTER TABLE api_keys ADD COLUMN require_token BOOLEAN NOT NULL DEFAULT false;
  `,
  /* 5: dashboard sign-in sessions */ `
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id),
    key_id TEXT REFERENCES api_keys(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
  );
  CREATE INDEX sessions_expiry ON sessions(expires_at);
  `,
  /* 6: tag updates by end user (erasure) and by time (retention) */ `
  CREATE INDEX tag_updates_user ON tag_updates(project_id, end_user);
  CREATE INDEX tag_updates_time ON tag_updates(project_id, timestamp);
  `,
];
