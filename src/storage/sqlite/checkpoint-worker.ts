// The background checkpointer's thread: its own connection to the database file, with
// synchronous=FULL, so each checkpoint syncs the WAL before copying pages into the database file
// and syncs that file after (SQLite's own order). PASSIVE checkpoints never block the writer.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointResult { log: number; checkpointed: number }

const db = new Database((workerData as { filename: string }).filename);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');
const port = parentPort!;

port.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    port.postMessage({ ok: true, result: result ?? { log: 0, checkpointed: 0 } });
  } catch (error) {
    port.postMessage({ ok: false, message: (error as Error).message });
  }
});
