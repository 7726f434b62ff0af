// FEEDLOOP_RETENTION: parsed like the other durations (off by default), and a server started with it
// deletes in the background what is older than the period, keeping what is not, and the rollups
// equal to their recomputation (the batches themselves: test/storage/lifecycle-contract.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { COUNTERS, isZero, type Counters } from '../../src/core/rollups.js';
import type { RollupBucket } from '../../src/storage/port.js';
import { FEEDBACK, feedback, interaction, startTestServer, V2_INTERACTIONS } from '../support/app.js';

const DAY = 86_400_000;
const rows = (buckets: RollupBucket[]) => buckets.filter((b) => !isZero(b.counters))
  .map((b) => `${b.dimension}|${b.value}|${b.hour}|${COUNTERS.map((c) => b.counters[c as keyof Counters]).join(',')}`).sort();

test('FEEDLOOP_RETENTION is off by default, a duration otherwise', () => {
  assert.equal(loadConfig({}).retentionMs, null);
  assert.equal(loadConfig({ FEEDLOOP_RETENTION: 'off' }).retentionMs, null);
  assert.equal(loadConfig({ FEEDLOOP_RETENTION: '400d' }).retentionMs, 400 * DAY);
  assert.equal(loadConfig({ FEEDLOOP_RETENTION: '72h' }).retentionMs, 3 * DAY);
  for (const bad of ['0', 'forever', '-3d']) assert.throws(() => loadConfig({ FEEDLOOP_RETENTION: bad }), ConfigError, bad);
});

test('a server with a retention period deletes, in the background, what is older than it', async () => {
  const server = await startTestServer({ FEEDLOOP_RETENTION: '30d' });
  try {
    const now = Date.now();
    await server.post(V2_INTERACTIONS, interaction('old', 'old question', 'old answer', now - 40 * DAY, { model: 'm' }));
    await server.post(FEEDBACK, feedback('old', 'thumbs_up', now - 40 * DAY + 1000, { output: 'old answer' }));
    await server.post(FEEDBACK, feedback('lost', 'thumbs_down', now - 35 * DAY));
    await server.post(V2_INTERACTIONS, interaction('new', 'new question', 'new answer', now - DAY, { model: 'm' }));
    await server.post(FEEDBACK, feedback('new', 'thumbs_up', now - DAY + 1000, { output: 'new answer' }));
    const deadline = Date.now() + 10_000;
    const left = async () => (await server.get('/api/v1/interactions')).body.items.length + (await server.get('/api/v1/feedback')).body.items.length;
    while ((await left()) > 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual((await server.get('/api/v1/interactions')).body.items.map((i: { end_user: string }) => i.end_user), ['new']);
    assert.deepEqual((await server.get('/api/v1/feedback')).body.items.map((f: { end_user: string }) => f.end_user), ['new']);
    const project = (await server.keys.authenticate(server.key))!.projectId;
    assert.deepEqual(rows(await server.storage.dumpRollups(project)), rows(await server.storage.recomputeRollups(project)));
  } finally {
    await server.destroy();
  }
});
