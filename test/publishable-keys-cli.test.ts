// Publishable keys for the browser library from the command line (`keys create --kind publishable
// --origin ... [--require-token]`), and an existing database upgraded to keys that may require
// feedback tokens (the require_token migration): its keys keep working and require none.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { hashKey } from '../src/app/keys.js';
import { openStorage, sqliteFile } from '../src/storage/open.js';
import { SQLITE_MIGRATIONS } from '../src/storage/sqlite/migrations.js';

const BIN = fileURLToPath(new URL('../../bin/feedloop.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'feedloop-cli-pk-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, FEEDLOOP_DATA_DIR: dataDir, DATABASE_URL: '' }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('keys create --require-token makes a publishable key that requires feedback tokens; listings show it', () => {
  const created = cli('keys', 'create', '--project', 'web', '--kind', 'publishable', '--origin', 'https://chat.example.com', '--require-token', '--json');
  assert.equal(created.code, 0, created.stderr);
  const key = JSON.parse(created.stdout);
  assert.match(key.key, /^fl_pk_/);
  assert.equal(key.require_token, true);
  const listed = JSON.parse(cli('keys', 'list', '--project', 'web', '--json').stdout).keys;
  assert.deepEqual(listed.map((k: { require_token: boolean }) => k.require_token), [true]);
  const any = JSON.parse(cli('keys', 'create', '--project', 'web', '--kind', 'publishable', '--origin', '*', '--json').stdout);
  assert.deepEqual(any.origins, ['*']);
  assert.equal(any.require_token, false);
});

test('a publishable key without origins, or a secret key requiring tokens, is refused with a message', () => {
  const noOrigin = cli('keys', 'create', '--kind', 'publishable');
  assert.equal(noOrigin.code, 2);
  assert.match(noOrigin.stderr, /--origin: a publishable key needs the origins/);
  const secret = cli('keys', 'create', '--require-token');
  assert.equal(secret.code, 2);
  assert.match(secret.stderr, /--require-token: only a publishable key/);
});

test('a database from before the require_token migration is upgraded: its keys authenticate and require no token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedloop-upgrade-'));
  try {
    const before = SQLITE_MIGRATIONS.findIndex((m) => m.includes('require_token'));
    assert.ok(before > 0);
    const db = new Database(sqliteFile(dir));
    for (const migration of SQLITE_MIGRATIONS.slice(0, before)) db.exec(migration);
    db.pragma(`user_version = ${before}`);
    db.prepare("INSERT INTO projects (id, name, created_at) VALUES ('p1', 'old', 1)").run();
    db.prepare(`INSERT INTO api_keys (id, project_id, kind, name, key_hash, key_prefix, origins, created_at, revoked_at)
      VALUES ('k1', 'p1', 'publishable', NULL, ?, 'fl_pk_old', '["https://old.example.com"]', 1, NULL)`).run(hashKey('fl_pk_old_key'));
    db.close();
    const storage = await openStorage({ dataDir: dir, databaseUrl: null });
    try {
      const key = await storage.findApiKeyByHash(hashKey('fl_pk_old_key'));
      assert.equal(key?.requireToken, false);
      assert.deepEqual(key?.origins, ['https://old.example.com']);
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
