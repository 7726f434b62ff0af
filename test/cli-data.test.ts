// The data commands of the CLI as a user meets them: --help everywhere, no empty database made by a
// command that needs data, keys listed with their project and clear errors for revoking; export ->
// import between data directories giving the same files; bad lines reported with file:line:pointer;
// an interrupted import resuming; erase; a backup taken under write load that restores to a
// database passing integrity_check with every acknowledged write; restore refused while a server
// holds the data directory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { FEEDBACK, feedback, interaction, startTestServer, V2_INTERACTIONS } from './support/app.js';

const BIN = fileURLToPath(new URL('../../bin/feedloop.js', import.meta.url));
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function cli(dataDir: string, args: string[], env: Record<string, string> = {}, input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, FEEDLOOP_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent', FEEDLOOP_PII_THREADS: '0', ...env }, encoding: 'utf8', input,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const AT = Date.parse('2024-05-01T10:00:00Z');

/** A data directory with a few interactions and feedback, written through a real server. */
async function seeded(): Promise<string> {
  const dir = tempDir('feedloop-cli-data-');
  const server = await startTestServer({}, dir);
  await server.post(V2_INTERACTIONS, interaction('ann', 'q1, "quoted"', '=answer one', AT, { tags: { team: 'a' } }));
  await server.post(V2_INTERACTIONS, interaction('bob', 'q2', 'answer two', AT + 60_000));
  await server.post(FEEDBACK, feedback('ann', 'thumbs_up', AT + 1000, { output: '=answer one' }, { text: 'line one\nline two' }));
  await server.post(FEEDBACK, feedback('bob', 'rating', AT + 61_000, {}, { value: 3 }));
  await server.post(FEEDBACK, feedback('cy', 'comment', AT + 5000, { output: 'nothing like it' }, { text: 'pending one' }));
  await server.destroy();
  return dir;
}

describe('the command line, tried as a new user would', () => {
  test('--help on every command', () => {
    const dir = tempDir('feedloop-cli-help-');
    for (const command of ['serve', 'keys', 'rollups', 'export', 'import', 'erase', 'backup', 'restore']) {
      const r = cli(dir, [command, '--help']);
      assert.equal(r.code, 0, `${command}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: feedloop ${command}`), command);
    }
    assert.deepEqual(readdirSync(dir), [], 'asking for help creates nothing');
  });

  test('commands that need data say so instead of creating an empty database', () => {
    const dir = tempDir('feedloop-cli-none-');
    for (const args of [['export'], ['erase', '--end-user', 'x'], ['backup', join(dir, '..', 'x.sqlite')], ['keys', 'list'], ['keys', 'revoke', 'abc']]) {
      const r = cli(dir, args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /no database at/, args.join(' '));
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  test('keys: the project of each key is listed; create says which project it used; revoking twice or an ambiguous prefix is an error', () => {
    const dir = tempDir('feedloop-cli-keys-');
    const created = cli(dir, ['keys', 'create']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /project "default" \(no --project given\)/);
    const shop = JSON.parse(cli(dir, ['keys', 'create', '--project', 'shop', '--json']).stdout);
    const listed = cli(dir, ['keys', 'list']);
    assert.match(listed.stdout, /^ID\s+PROJECT\s+KIND\s+PREFIX\s+STATE/);
    assert.match(listed.stdout, new RegExp(`${shop.id}\\s+shop\\s+secret`));
    assert.match(listed.stdout, /default\s+secret/);
    const json = JSON.parse(cli(dir, ['keys', 'list', '--json']).stdout);
    assert.deepEqual(json.keys.map((k: { project: string }) => k.project).sort(), ['default', 'shop']);
    const ambiguous = cli(dir, ['keys', 'revoke', 'fl_sk_']);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /matches 2 keys/);
    assert.equal(cli(dir, ['keys', 'revoke', shop.prefix]).code, 0);
    const again = cli(dir, ['keys', 'revoke', shop.id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already revoked/);
  });

  test('export -> import into another data directory -> export gives the same files; CSV parses back', async () => {
    const from = await seeded();
    const to = tempDir('feedloop-cli-to-');
    const out = tempDir('feedloop-cli-out-');
    for (const [kind, format] of [['interactions', 'jsonl'], ['feedback', 'jsonl'], ['feedback', 'csv']]) {
      const r = cli(from, ['export', '--kind', kind!, '--format', format!, '-o', join(out, `${kind}.${format}`)]);
      assert.equal(r.code, 0, r.stderr);
    }
    const rows = parse(readFileSync(join(out, 'feedback.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 3);
    assert.equal(rows.find((r) => r['end_user'] === 'ann')!['interaction_output'], "'=answer one");
    const filtered = cli(from, ['export', '--kind', 'feedback', '--slug', 'rating']);
    assert.equal(filtered.stdout.trim().split('\n').length, 1);
    assert.equal(cli(from, ['export', '--from', 'yesterday']).code, 2);

    const imported = cli(to, ['import', join(out, 'interactions.jsonl'), join(out, 'feedback.jsonl'), '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    const summary = JSON.parse(imported.stdout);
    assert.deepEqual(summary.files.map((f: { stored: number; failed: number }) => [f.stored, f.failed]), [[4, 0], [1, 0]]);
    for (const kind of ['interactions', 'feedback']) {
      const again = cli(to, ['export', '--kind', kind]);
      assert.equal(again.stdout, readFileSync(join(out, `${kind}.jsonl`), 'utf8'), kind);
    }
    const erased = cli(to, ['erase', '--end-user', 'ann', '--json']);
    assert.deepEqual(JSON.parse(erased.stdout).interactions, 1);
    assert.match(cli(to, ['erase', '--end-user', 'ann']).stdout, /Nothing stored for end user "ann"/);
  });

  test('import reports each bad line as FILE:LINE: pointer and stores the rest; exit code 1', () => {
    const dir = tempDir('feedloop-cli-bad-');
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, [
      JSON.stringify({ type: 'v2/events/interactions', ...interaction('ann', 'q', 'a', AT) }),
      '{oops',
      JSON.stringify({ type: 'v1/events/feedback', feedback: { slug: 'rating', value: 0 }, metadata: { end_user: 'ann', timestamp: new Date(AT).toISOString() } }),
      JSON.stringify({ type: 'v1/events/feedback', ...feedback('ann', 'thumbs_up', AT + 1000, { output: 'a' }) }),
    ].join('\n'));
    const r = cli(dir, ['import', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:2: \\(line\\): is not valid JSON`));
    assert.match(r.stderr, /:3: \/feedback\/value: must be an integer from 1 to 5/);
    assert.match(r.stderr, /4 lines .*2 stored, 0 already there, 0 skipped, 2 rejected/);
    assert.match(cli(dir, ['import', file]).stderr, /0 stored, 2 already there/);
  });

  test('an interrupted import (SIGINT) saves where it stopped; run again, it resumes and stores every line once', async () => {
    const dir = tempDir('feedloop-cli-resume-');
    const file = join(dir, 'big.jsonl');
    const LINES = 25_000;
    writeFileSync(file, Array.from({ length: LINES }, (_, k) =>
      JSON.stringify({ type: 'v2/events/interactions', ...interaction(`u${k % 500}`, `question ${k}`, `answer ${k}`, AT + k * 1000) })).join('\n'));
    const child = spawn(process.execPath, [BIN, 'import', file], { env: { ...process.env, FEEDLOOP_DATA_DIR: dir, DATABASE_URL: '', FEEDLOOP_PII_THREADS: '0' } });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((r) => child.once('exit', r));
    const state = `${file}.import-state.json`;
    let done = false;
    void exited.then(() => { done = true; });
    while (!done && !(existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).committed_line > 0)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await exited;
    const count = () => {
      const db = new Database(join(dir, 'feedloop.sqlite'), { readonly: true });
      try { return (db.prepare('SELECT count(*) AS n FROM interactions').get() as { n: number }).n; } finally { db.close(); }
    };
    if (code === 130) {
      assert.match(stderr, /Interrupted after line [\d,]+/);
      const saved = JSON.parse(readFileSync(state, 'utf8'));
      assert.ok(saved.committed_line > 0 && saved.committed_line < LINES);
      assert.ok(count() >= saved.committed_line, 'every committed line is stored');
      const resumed = cli(dir, ['import', file, '--json']);
      assert.equal(resumed.code, 0, resumed.stderr);
      const summary = JSON.parse(resumed.stdout).files[0];
      assert.equal(summary.resumed_from_line, saved.committed_line);
      assert.equal(summary.lines, LINES - saved.committed_line);
    } else {
      assert.equal(code, 0, `finished before the signal (a fast machine) or failed: ${stderr}`);
    }
    assert.equal(existsSync(state), false, 'the state is removed once the file is done');
    assert.equal(count(), LINES);
  });

  test('a resumed import starts after the committed lines of its saved state', () => {
    const dir = tempDir('feedloop-cli-state-');
    const file = join(dir, 'in.jsonl');
    const lines = [0, 1, 2, 3].map((k) => JSON.stringify({ type: 'v2/events/interactions', ...interaction('ann', `q${k}`, `a${k}`, AT + k * 1000) }));
    writeFileSync(file, lines.join('\n'));
    const { size, mtimeMs } = statSync(file);
    const offset = Buffer.byteLength(`${lines[0]}\n${lines[1]}\n`);
    writeFileSync(`${file}.import-state.json`, JSON.stringify({ size, mtimeMs, project: 'default', format: 'feedloop', committed_line: 2, committed_offset: offset }));
    const r = cli(dir, ['import', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout).files[0];
    assert.deepEqual([summary.resumed_from_line, summary.lines, summary.stored, summary.committed_line], [2, 2, 2, 4]);
    const db = new Database(join(dir, 'feedloop.sqlite'), { readonly: true });
    assert.deepEqual((db.prepare('SELECT input FROM interactions ORDER BY input').all() as { input: string }[]).map((i) => i.input), ['q2', 'q3']);
    db.close();
    writeFileSync(file, `${lines.join('\n')}\n`);
    writeFileSync(`${file}.import-state.json`, JSON.stringify({ size, mtimeMs, project: 'default', format: 'feedloop', committed_line: 2, committed_offset: offset }));
    const changed = cli(dir, ['import', file]);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /has changed .* --restart/);
    assert.equal(cli(dir, ['import', file, '--restart']).code, 0);
  });

  test('backup under write load restores to a database that passes integrity_check and holds every acknowledged write', async () => {
    const dir = tempDir('feedloop-cli-backup-');
    const backup = join(tempDir('feedloop-cli-backup-out-'), 'copy.sqlite');
    const server = await startTestServer({}, dir);
    const acked: string[] = [];
    let writing = true;
    const writers = [0, 1, 2, 3].map(async (w) => {
      for (let k = 0; writing; k++) {
        const r = await server.post(V2_INTERACTIONS, interaction(`w${w}`, `q ${k}`, `a ${k}`, AT + k * 1000));
        if (r.status === 200) acked.push(r.body.id as string);
      }
    });
    try {
      while (acked.length < 300) await new Promise((r) => setTimeout(r, 10));
      const beforeBackup = [...acked];
      const child = spawn(process.execPath, [BIN, 'backup', backup, '--json'], { env: { ...process.env, FEEDLOOP_DATA_DIR: dir, DATABASE_URL: '' } });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      assert.equal(await new Promise((r) => child.once('exit', r)), 0, out);
      const db = new Database(backup, { readonly: true });
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const has = db.prepare('SELECT count(*) AS n FROM interactions WHERE id IN (SELECT value FROM json_each(?))');
      assert.equal((has.get(JSON.stringify(beforeBackup)) as { n: number }).n, beforeBackup.length);
      const inBackup = (db.prepare('SELECT count(*) AS n FROM interactions').get() as { n: number }).n;
      db.close();

      // A server holds the directory (this process: its lock file): restore refuses.
      const refused = cli(dir, ['restore', backup]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`a server is running on .* \\(pid ${process.pid}`));
      writing = false;
      await Promise.all(writers);
      await server.destroy();

      // Stopped: restore puts the backup in place and keeps the database it replaces.
      const restored = cli(dir, ['restore', backup, '--json']);
      assert.equal(restored.code, 0, restored.stderr);
      assert.ok(existsSync(JSON.parse(restored.stdout).previous));
      const now = new Database(join(dir, 'feedloop.sqlite'), { readonly: true });
      assert.equal((now.prepare('SELECT count(*) AS n FROM interactions').get() as { n: number }).n, inBackup);
      now.close();
    } finally {
      writing = false;
      await Promise.all(writers);
      await server.destroy().catch(() => undefined);
    }
  });

  test('restore ignores the lock file of a server that died; backup and restore on PostgreSQL say how to use its tools', () => {
    const dir = tempDir('feedloop-cli-stale-');
    const made = cli(dir, ['keys', 'create']);
    assert.equal(made.code, 0, made.stderr);
    const copy = join(dir, 'copy.sqlite');
    assert.equal(cli(dir, ['backup', copy]).code, 0);
    writeFileSync(join(dir, 'server-999999.lock'), JSON.stringify({ pid: 999_999, host: hostname(), started_at: '2024-01-01T00:00:00Z' }));
    const restored = cli(dir, ['restore', copy]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.ok(!existsSync(join(dir, 'server-999999.lock')));
    for (const command of ['backup', 'restore']) {
      const r = cli(dir, [command, copy], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /pg_dump/);
    }
  });
});
