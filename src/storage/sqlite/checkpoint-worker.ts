// The background checkpointer's thread: its own connection to the database file, with
// synchronous=FULL, so each checkpoint syncs the WAL before copying pages into the database file
// (SQLite's own order). PASSIVE checkpoints never block the writer.
import Database from 'better-sqlite3';
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointResult { log: number; checkpointed: number }

const { filename } = workerData as { filename: string };
const db = new Database(filename);
/** For syncing the database file after a round (any descriptor of the file will do for fdatasync). */
const dbFd = openSync(filename, 'r');
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');
const port = parentPort!;

port.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    db.close();
    closeSync(dbFd);
    port.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    // SQLite syncs the database file only after a checkpoint that reached the end of the WAL, which
    // a round under load rarely does. Unsynced, its pages (scattered over a large file) would all be
    // written back by the sync at the end of the checkpoint, while writes wait; synced here, that
    // sync has only the last few frames left. (A round that reached the end was synced by SQLite.)
    if (result && result.checkpointed > 0 && result.checkpointed < result.log) fdatasyncSync(dbFd);
    port.postMessage({ ok: true, result: result ?? { log: 0, checkpointed: 0 } });
  } catch (error) {
    port.postMessage({ ok: false, message: (error as Error).message });
  }
});
