// The SQLite writer thread. It owns its own connection to the database file and runs the batches
// the main thread sends (group commit), so the transaction, its fsync and any WAL checkpoint never
// block the event loop that parses requests: the HTTP edge and the storage writer use both cores.
//
// Batches that arrive while a commit is under way are merged into the next transaction: the fsync,
// not the SQL, is what a commit costs, so one commit for everything waiting is what keeps the
// write path's throughput up as load grows.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { InProcessExecutor } from './write-executor.js';
import type { WriteOp, WritePolicy } from './write-ops.js';

export interface WriterThreadData { filename: string; policy: WritePolicy }
export type WriterRequest = { id: number; ops: WriteOp[] } | { id: number; close: true };

const { filename, policy } = workerData as WriterThreadData;
const storage = new SqliteStorage({ filename });
const executor = new InProcessExecutor(storage, policy);
const port = parentPort!;

let waiting: { id: number; ops: WriteOp[] }[] = [];
let running = false;

async function runWaiting(): Promise<void> {
  running = true;
  while (waiting.length > 0) {
    const requests = waiting;
    waiting = [];
    try {
      const settled = await executor.execute(requests.flatMap((r) => r.ops));
      let offset = 0;
      for (const r of requests) {
        port.postMessage({ id: r.id, settled: settled.slice(offset, offset + r.ops.length) });
        offset += r.ops.length;
      }
    } catch (error) {
      for (const r of requests) port.postMessage({ id: r.id, error: { message: String((error as Error)?.message ?? error) } });
    }
    // Let messages that arrived during the commit be received before taking the next group.
    await new Promise((resolve) => setImmediate(resolve));
  }
  running = false;
}

port.on('message', (request: WriterRequest) => {
  if ('close' in request) {
    // Closing the port lets the thread end on its own (a terminated thread would skip its exit work).
    const finish = () => void storage.close().then(() => {
      port.postMessage({ id: request.id, settled: [] });
      port.close();
    });
    if (running) setImmediate(function wait() { if (running) setImmediate(wait); else finish(); });
    else finish();
    return;
  }
  waiting.push(request);
  if (!running) setImmediate(() => void runWaiting());
});
