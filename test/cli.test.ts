// The `feedloop` command line: keys create|list|revoke against the server's data directory, and
// `serve` printing where to go and the first-start key.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/feedloop.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'feedloop-cli-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, FEEDLOOP_DATA_DIR: dataDir, DATABASE_URL: '' }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('keys create --json prints one JSON object with project, key and kind; list and revoke find it', () => {
  const created = cli('keys', 'create', '--project', 'shop', '--json');
  assert.equal(created.code, 0, created.stderr);
  const key = JSON.parse(created.stdout);
  assert.equal(key.project, 'shop');
  assert.equal(key.kind, 'secret');
  assert.match(key.key, /^fl_sk_[A-Za-z0-9_-]{40,}$/);

  const listed = JSON.parse(cli('keys', 'list', '--project', 'shop', '--json').stdout);
  assert.equal(listed.keys.length, 1);
  assert.equal(listed.keys[0].id, key.id);
  assert.ok(!JSON.stringify(listed).includes(key.key), 'a listing never shows the key itself');

  const revoked = cli('keys', 'revoke', key.id, '--json');
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal(JSON.parse(revoked.stdout).revoked, true);
  assert.notEqual(JSON.parse(cli('keys', 'list', '--json').stdout).keys.find((k: { id: string }) => k.id === key.id).revoked_at, null);
});

test('unknown commands and keys fail with a message and a non-zero exit', () => {
  assert.notEqual(cli('frobnicate').code, 0);
  const missing = cli('keys', 'revoke', 'no-such-key', '--json');
  assert.equal(missing.code, 1);
  assert.equal(JSON.parse(missing.stdout).error, 'not_found');
});

test('serve prints the URL and the first-start key, which then authenticates; a CLI-made key works too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedloop-serve-'));
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, FEEDLOOP_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'warn', FEEDLOOP_API_KEY: '', DATABASE_URL: '' } });
  try {
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const deadline = Date.now() + 10_000;
    while (!/"msg":"configuration"/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Not a terminal: the banner is JSON log lines, every line of stdout one JSON object.
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    const url = lines.find((l) => typeof l['url'] === 'string')?.['url'] as string | undefined;
    const key = lines.find((l) => typeof l['first_start_api_key'] === 'string')?.['first_start_api_key'] as string | undefined;
    assert.ok(url && key, out);
    assert.match(key, /^fl_sk_[A-Za-z0-9_-]{40,}$/);
    assert.ok(lines.find((l) => l['msg'] === 'configuration')?.['configuration']?.['FEEDLOOP_DATA_DIR'], out);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const missing = await fetch(`${url}/api/v1/feedback/nope`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(missing.status, 404);
    const wrong = await fetch(`${url}/api/v1/feedback/nope`, { headers: { authorization: 'Bearer fl_sk_wrong' } });
    assert.equal(wrong.status, 401);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rollups rebuild --check finds rollups that drifted; rebuild puts them right; no database is an error, not a new file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedloop-cli-rollups-'));
  try {
    const { startTestServer, V2_INTERACTIONS, FEEDBACK, interaction, feedback } = await import('./support/app.js');
    const server = await startTestServer({}, dir);
    const at = Date.parse('2024-05-01T10:00:00Z');
    await server.post(V2_INTERACTIONS, interaction('ann', 'q', 'a', at));
    await server.post(FEEDBACK, feedback('ann', 'thumbs_up', at + 1000, { output: 'a' }));
    await server.destroy();
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, FEEDLOOP_DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'silent' }, encoding: 'utf8' });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    assert.equal(run('rollups', 'rebuild', '--check').code, 0);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dir, 'feedloop.sqlite'));
    db.prepare("UPDATE rollups SET up = up + 5 WHERE dimension = 'all'").run();
    db.close();
    const drifted = run('rollups', 'rebuild', '--check', '--json');
    assert.equal(drifted.code, 1, drifted.stderr);
    const report = JSON.parse(drifted.stdout);
    assert.match(report.projects[0].differences[0], /up 6 -> 1/);
    const rebuilt = run('rollups', 'rebuild');
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /rebuilt \d+ bucket\(s\); 1 bucket\(s\) differed before/);
    assert.equal(run('rollups', 'rebuild', '--check').code, 0);
    const empty = mkdtempSync(join(tmpdir(), 'feedloop-cli-empty-'));
    const none = spawnSync(process.execPath, [BIN, 'rollups', 'rebuild'], { env: { ...process.env, FEEDLOOP_DATA_DIR: empty, DATABASE_URL: '' }, encoding: 'utf8' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no database at/);
    assert.deepEqual(readdirSync(empty), [], 'nothing was created');
    rmSync(empty, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
