// `feedloop demo`: the dataset is the same for a seed on any day, and loading it through the
// command line gives a database whose statistics show what the demo promises (a month of
// interactions, several models, an A/B test with a real difference, comments, copies, PII
// placeholders, pending and orphaned feedback). Loading it twice stores nothing twice.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_FLAGS, DEMO_MODELS, generateDemo } from '../src/cli/demo-data.js';
import { DEFAULT_SEED } from '../src/cli/demo.js';
import { startTestServer, type TestServer } from './support/app.js';

const BIN = fileURLToPath(new URL('../../bin/feedloop.js', import.meta.url));
const DAY = 86400_000;

describe('the demo dataset', () => {
  const now = Date.parse('2026-03-15T12:34:00Z');

  test('is the same for a seed; another seed or another day changes only what it should', () => {
    const a = generateDemo({ seed: 3, now, interactions: 500 });
    assert.deepEqual(generateDemo({ seed: 3, now, interactions: 500 }), a);
    const b = generateDemo({ seed: 4, now, interactions: 500 });
    assert.notDeepEqual(b.interactions.map((i) => i.interaction.input), a.interactions.map((i) => i.interaction.input));
    // Four days later: the same users, questions and reactions, at other times.
    const later = generateDemo({ seed: 3, now: now + 4 * DAY, interactions: 500 });
    const content = (d: typeof a) => d.interactions.map((i) => `${i.interaction.end_user} ${i.interaction.input} ${i.interaction.model}`).sort();
    assert.deepEqual(content(later), content(a));
    assert.deepEqual(later.feedback.map((f) => f.feedback!.slug).sort(), a.feedback.map((f) => f.feedback!.slug).sort());
  });

  test('covers a month before now, several models, both variants, PII, comments and lost feedback', () => {
    const d = generateDemo({ seed: DEFAULT_SEED, now, interactions: 3000 });
    assert.equal(d.interactions.length, 3000);
    const ends = d.interactions.map((i) => Date.parse(i.interaction.time_end));
    assert.ok(Math.min(...ends) >= now - 30 * DAY && Math.max(...ends) <= now, 'within the 30 days before now');
    assert.ok(Math.max(...ends) - Math.min(...ends) > 27 * DAY, 'spread over the month');
    assert.deepEqual(new Set(d.interactions.map((i) => i.interaction.model)), new Set(DEMO_MODELS.map((m) => m.name)));
    assert.deepEqual(new Set(d.interactions.flatMap((i) => i.interaction.feature_flag ?? [])), new Set([DEMO_FLAGS.a, DEMO_FLAGS.b]));
    assert.ok(d.interactions.some((i) => /my name is \p{Lu}/u.test(i.interaction.input ?? '')));
    assert.ok(d.feedback.some((f) => f.feedback!.slug === 'thumbs_down' && f.feedback!.text));
    assert.ok(d.pending.length > 0 && d.orphaned.length > 0);
    // Reactions come after their answer.
    const endOf = new Map(d.interactions.map((i) => [i.interaction.id, Date.parse(i.interaction.time_end)]));
    for (const f of d.feedback) {
      const id = f.metadata.interaction_id;
      if (id) assert.ok(Date.parse(f.metadata.timestamp) > endOf.get(id)!, f.metadata.event_id!);
    }
  });
});

describe('feedloop demo', () => {
  let dir: string;
  let server: TestServer;
  let summary: Record<string, unknown>;
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'demo', ...args], {
    env: { ...process.env, FEEDLOOP_DATA_DIR: dir, DATABASE_URL: '', FEEDLOOP_API_KEY: '', LOG_LEVEL: 'silent', FEEDLOOP_PII_THREADS: '0' }, encoding: 'utf8',
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedloop-demo-'));
    const loaded = run('--json');
    assert.equal(loaded.status, 0, loaded.stderr);
    summary = JSON.parse(loaded.stdout);
    server = await startTestServer({}, dir);
  });
  after(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('loads a month of data whose statistics show what the demo promises', async () => {
    assert.equal(summary['interactions'], 3000);
    assert.match(String(summary['key']), /^fl_sk_/);
    const stats = await server.get('/api/v1/stats', String(summary['key']));
    assert.equal(stats.status, 200, JSON.stringify(stats.body));
    const t = stats.body.total;
    assert.equal(t.interactions, 3000);
    assert.equal(t.pending, summary['pending']);
    assert.equal(t.orphaned, summary['orphaned']);
    for (const slug of ['thumbs_up', 'thumbs_down', 'rating', 'comment', 'copy_output', 'regenerate', 'edit']) assert.ok(t.slugs[slug] > 0, slug);
    assert.ok(t.thumbs_up_rate.n > 1000, 'enough votes to see differences');
    const byModel = await server.get('/api/v1/stats?by=model');
    assert.deepEqual(byModel.body.groups.map((g: { key: string }) => g.key).sort(), DEMO_MODELS.map((m) => m.name).sort());

    const compare = await server.get(`/api/v1/compare?by=feature_flag&a=${DEMO_FLAGS.a}&b=${DEMO_FLAGS.b}`);
    assert.equal(compare.status, 200, JSON.stringify(compare.body));
    assert.ok(compare.body.thumbs_up_difference.value > 0.04, JSON.stringify(compare.body.thumbs_up_difference));
    assert.ok(compare.body.p_value < 0.05, `the difference is real: p = ${compare.body.p_value}`);

    // PII removal ran: placeholders in stored text.
    const withPii = await server.get('/api/v1/interactions?q=%5BPERSON%5D&limit=5');
    assert.ok(withPii.body.items.length > 0);
    assert.ok(withPii.body.items.every((i: { pii_removed: boolean; input: string }) => i.pii_removed && !/my name is \p{Lu}\p{Ll}/u.test(i.input)));
  });

  test('loading again stores nothing twice', async () => {
    await server.close(); // the CLI writes the same SQLite file
    const again = run('--json');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).already_loaded, true);
    server = await startTestServer({}, dir);
    const stats = await server.get('/api/v1/stats');
    assert.equal(stats.body.total.interactions, 3000);
    assert.equal(stats.body.total.pending, summary['pending']);
  });

  test('bad options are refused', () => {
    const bad = run('--interactions', 'lots');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--interactions/);
  });
});
