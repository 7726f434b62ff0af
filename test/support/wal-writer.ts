// A child process for the WAL tests: writes interactions through SqliteStorage with a small
// checkpoint threshold, in concurrent transactions, and prints each id once its transaction is
// reported committed, until it is killed. Run: node wal-writer.js <database file>
import { newId } from '../../src/core/ids.js';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { interaction } from '../storage/contract.js';

async function writeUntilKilled(filename: string): Promise<never> {
  const storage = new SqliteStorage({ filename, checkpointFrames: 64 });
  await storage.migrate();
  const project = await storage.createProject(`p-${newId()}`);
  const text = 'x'.repeat(2000);
  process.stdout.write('ready\n');
  for (;;) {
    await Promise.all(Array.from({ length: 10 }, async () => {
      const rows = Array.from({ length: 5 }, () => interaction(project.id, { endUser: `u-${Math.floor(Math.random() * 500)}`, output: text }));
      await storage.transaction((tx) => tx.insertInteractions(rows));
      process.stdout.write(rows.map((r) => r.id).join('\n') + '\n');
    }));
  }
}

// `node --test dist/test/` also runs this file, without an argument: then there is nothing to do.
const filename = process.argv[2];
if (filename !== undefined) await writeUntilKilled(filename);
