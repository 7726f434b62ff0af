// The embedded adapter's own durability scheme (src/storage/sqlite/wal-sync.ts): commits synced by
// a group fdatasync, checkpoints in two steps. With a tiny checkpoint threshold the WAL must keep
// starting over, and a writer killed in the middle of it all must leave a sound database file
// holding every transaction it reported committed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { interaction } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'feedloop-wal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const WRITER = fileURLToPath(new URL('../support/wal-writer.js', import.meta.url));

function check(filename: string): { integrity: string; ids: Set<string> } {
  const db = new Database(filename, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const ids = new Set((db.prepare('SELECT id FROM interactions').all() as { id: string }[]).map((r) => r.id));
    return { integrity, ids };
  } finally {
    db.close();
  }
}

test('checkpoints start the WAL over, so it stops growing, and lose nothing', async () => {
  const filename = join(dir, 'cycle.sqlite');
  const storage = new SqliteStorage({ filename, checkpointFrames: 64 });
  await storage.migrate();
  const project = await storage.createProject('p');
  const written: string[] = [];
  const writeGroups = async (groups: number) => {
    for (let group = 0; group < groups; group++) {
      await Promise.all(Array.from({ length: 10 }, async () => {
        const rows = Array.from({ length: 5 }, () => interaction(project.id, { endUser: `u-${Math.floor(Math.random() * 200)}`, output: 'y'.repeat(2000) }));
        await storage.transaction((tx) => tx.insertInteractions(rows));
        written.push(...rows.map((r) => r.id));
      }));
    }
  };
  // Enough commits for a first checkpoint, and time for its thread to start.
  await writeGroups(10);
  await new Promise((r) => setTimeout(r, 1000));
  await writeGroups(1);
  const walBefore = statSync(`${filename}-wal`).size;
  // ~10 MB more rows and 15 MB or more of frames with their index pages: a WAL that never started
  // over would grow by all of it. One that does may still run ahead of a checkpoint thread starved of
  // CPU (the test suite runs files two at a time on two cores), hence the margin of half of it.
  await writeGroups(100);
  const walAfter = statSync(`${filename}-wal`).size;
  await storage.close();
  assert.ok(walAfter < walBefore + 8 * 1024 * 1024, `the WAL grew from ${walBefore} to ${walAfter} bytes`);
  assert.ok(statSync(filename).size > 10 * 1024 * 1024, 'the rows reached the database file');
  const { integrity, ids } = check(filename);
  assert.equal(integrity, 'ok');
  assert.equal(ids.size, written.length);
  for (const id of written) assert.ok(ids.has(id), `interaction ${id} is missing`);
});

test('a writer killed during commits and checkpoints leaves every reported commit in a sound file', async () => {
  const filename = join(dir, 'killed.sqlite');
  const child = spawn(process.execPath, [WRITER, filename], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Until a few hundred transactions (and so several checkpoints) are reported.
  const deadline = Date.now() + 30_000;
  while (output.split('\n').length < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  await exited;
  const reported = output.split('\n').filter((line) => line.length > 0 && line !== 'ready');
  assert.ok(reported.length >= 3000, `the writer reported only ${reported.length} rows in 30 s`);
  assert.ok(existsSync(filename));
  const { integrity, ids } = check(filename);
  assert.equal(integrity, 'ok');
  for (const id of reported) assert.ok(ids.has(id), `interaction ${id} was reported committed but is missing`);
});
