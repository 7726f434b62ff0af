// The SQLite writer thread. It owns its own connection to the database file and runs the batches
// the main thread sends (group commit), so the transaction, its fsync and any WAL checkpoint never
// block the event loop that parses requests: the HTTP edge and the storage writer use both cores.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { InProcessExecutor } from './write-executor.js';
import type { WriteOp, WritePolicy } from './write-ops.js';

export interface WriterThreadData { filename: string; policy: WritePolicy }
export type WriterRequest = { id: number; ops: WriteOp[] } | { id: number; close: true };

const { filename, policy } = workerData as WriterThreadData;
const storage = new SqliteStorage({ filename });
const executor = new InProcessExecutor(storage, policy);

parentPort!.on('message', (request: WriterRequest) => {
  if ('close' in request) {
    void storage.close().then(() => parentPort!.postMessage({ id: request.id, settled: [] }));
    return;
  }
  executor.execute(request.ops).then(
    (settled) => parentPort!.postMessage({ id: request.id, settled }),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: { message: String((error as Error)?.message ?? error) } }),
  );
});
