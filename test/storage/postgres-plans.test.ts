// The write path's batched reads on PostgreSQL (write-batches.ts) must stay index probes: each
// key's sub-query runs once per key of a burst, so one that scans a table, or walks a whole index
// without a condition on its leading columns, makes every group commit cost as much as the table
// is large. (That happened once: an index gained project_id as its first column while a probe
// still filtered on interaction_id alone.) EXPLAIN of every statement, on a migrated database with
// rows and statistics, must show no sequential scan of a data table and an Index Cond on every
// index scan of one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { LinkCandidateQuery } from '../../src/core/linking.js';
import { PostgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import type { Batch } from '../../src/storage/postgres/pipeline.js';
import {
  CONVERSATION_NEIGHBOURS, FEEDBACK_BY_EVENT_ID, INTERACTION_BY_ID, INTERACTION_DIMENSIONS, linkBatch, LINKED_FEEDBACK_EVENTS,
  RELINKABLE_FEEDBACK, TRACE_FEEDBACK, UNLINKED_TAG_UPDATES,
} from '../../src/storage/postgres/write-batches.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../support/postgres.js';

const DATA_TABLES = new Set(['interactions', 'feedback', 'tag_updates']);
const unavailable = postgresUnavailable();

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; Plans?: PlanNode[] }

/** Every scan of a data table in a plan that is not a probe: a sequential scan, or an index scan without a condition. */
function fullScans(node: PlanNode, found: string[] = []): string[] {
  const table = node['Relation Name'];
  if (table !== undefined && DATA_TABLES.has(table)) {
    if (node['Node Type'] === 'Seq Scan') found.push(`Seq Scan on ${table}`);
    if (/Index/.test(node['Node Type']) && node['Index Cond'] === undefined) found.push(`${node['Node Type']} using ${node['Index Name']} on ${table} without an Index Cond`);
  }
  for (const child of node.Plans ?? []) fullScans(child, found);
  return found;
}

const link = (over: Partial<LinkCandidateQuery>): LinkCandidateQuery => ({
  projectId: 'p', endUser: 'u-1', timestamp: 5_000_000, from: 4_000_000, until: 6_000_000, interactionRef: null, traceRef: null, spanRef: null,
  inputHash: null, outputHash: null, recentLimit: 0, ...over,
} as LinkCandidateQuery);

const STATEMENTS: [string, Batch<never, unknown>, unknown[]][] = [
  ['link by id', linkBatch(link({ interactionRef: 'i-1' })), [link({ interactionRef: 'i-1' }), link({ interactionRef: 'i-2' })]],
  ['link by trace', linkBatch(link({ traceRef: 't-1' })), [link({ traceRef: 't-1' }), link({ traceRef: 't-2', spanRef: 's' })]],
  ['link by output', linkBatch(link({ outputHash: 'o' })), [link({ outputHash: 'o' }), link({ outputHash: 'o2' })]],
  ['link by input', linkBatch(link({ inputHash: 'h' })), [link({ inputHash: 'h' })]],
  ['link by both', linkBatch(link({ inputHash: 'h', outputHash: 'o' })), [link({ inputHash: 'h', outputHash: 'o' })]],
  ['link by time', linkBatch(link({})), [link({}), link({ endUser: 'u-2' })]],
  ['link by time with copied text', linkBatch(link({ recentLimit: 5 })), [link({ recentLimit: 5 })]],
  ['feedback by event id', FEEDBACK_BY_EVENT_ID, [{ projectId: 'p', id: 'e-1' }]],
  ['interaction by id', INTERACTION_BY_ID, [{ projectId: 'p', id: 'i-1' }]],
  ['interaction dimensions', INTERACTION_DIMENSIONS, [{ projectId: 'p', id: 'i-1' }]],
  ['linked feedback events', LINKED_FEEDBACK_EVENTS, [{ projectId: 'p', id: 'i-1' }, { projectId: 'p', id: 'i-2' }]],
  ['conversation neighbours', CONVERSATION_NEIGHBOURS, [{ projectId: 'p', endUser: 'u-1', timeStart: 5_000_000 }]],
  ['relinkable feedback', RELINKABLE_FEEDBACK, [{ projectId: 'p', endUser: 'u-1', interactionId: 'i-1', from: 4_880_000, to: 91_400_000 }]],
  ['unlinked tag updates', UNLINKED_TAG_UPDATES, [{ projectId: 'p', endUser: 'u-1' }]],
  ['trace feedback', TRACE_FEEDBACK, [{ projectId: 'p', traceId: 't-1' }]],
] as [string, Batch<never, unknown>, unknown[]][];

if (unavailable !== null) {
  test('postgres write-path plans', { skip: unavailable }, () => undefined);
} else {
  let server: PostgresServer;
  let url = '';
  before(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
    const storage = new PostgresStorage({ connectionString: url });
    await storage.migrate();
    await storage.close();
    // Rows in every data table (one project, many end users), then statistics, as a database in use has.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`INSERT INTO projects (id, name, created_at) VALUES ('p', 'p', 0)`);
    await client.query(`INSERT INTO interactions (id, project_id, conversation_id, conversation_auto, end_user, input, output, input_hash, output_hash,
        model, tags, feature_flags, time_start, time_end, hide_content, pii_removed, pii, received_at, source, trace_id, span_id)
      SELECT 'i-' || g, 'p', 'c-' || (g / 5), true, 'u-' || (g % 2000), 'in', 'out', 'h' || g, 'o' || g, 'm', '{}', '[]', g * 1000, g * 1000 + 500,
        false, false, '[]', g * 1000, 'test', CASE WHEN g % 3 = 0 THEN 't-' || g END, CASE WHEN g % 3 = 0 THEN 's' END
      FROM generate_series(1, 20000) g`);
    await client.query(`INSERT INTO feedback (id, project_id, event_id, slug, end_user, timestamp, status, link, interaction_id, linked_time_end,
        trace_ref, flags, pii_removed, pii, received_at)
      SELECT 'f-' || g, 'p', 'e-' || g, 'thumbs_up', 'u-' || (g % 2000), g * 1000 + 600,
        CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'linked' END, CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN 'time' ELSE 'content' END,
        CASE WHEN g % 10 = 0 THEN NULL ELSE 'i-' || g END, CASE WHEN g % 10 = 0 THEN NULL ELSE g * 1000 + 500 END,
        CASE WHEN g % 7 = 0 THEN 't-' || g END, '[]', false, '[]', g * 1000 + 600
      FROM generate_series(1, 20000) g`);
    await client.query(`INSERT INTO tag_updates (id, project_id, end_user, timestamp, output_hash, tags, status, received_at)
      SELECT 'tu-' || g, 'p', 'u-' || (g % 2000), g * 1000, 'o' || g, '{}', CASE WHEN g % 4 = 0 THEN 'pending' ELSE 'linked' END, g * 1000
      FROM generate_series(1, 5000) g`);
    await client.query('ANALYZE');
    await client.end();
  });
  after(() => server?.stop());

  for (const [name, batch, keys] of STATEMENTS) {
    test(`${name}: index probes only`, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { text, values } = batch.query(keys as never[]);
        // EXPLAIN takes no parameters of its own: prepare the statement, then explain its execution.
        await client.query(`PREPARE probe AS ${text}`);
        const args = (values ?? []).map((v) => `'${JSON.stringify(v).replace(/^\[/, '{').replace(/\]$/, '}').replace(/'/g, "''")}'`);
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE probe(${args.join(', ')})`);
        assert.deepEqual(fullScans(rows[0]!['QUERY PLAN'][0].Plan), [], `${name}: ${text}`);
      } finally {
        await client.end();
      }
    });
  }
}
