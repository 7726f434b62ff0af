// Runs PASSIVE checkpoints on a thread of their own (checkpoint-worker.ts), so copying the WAL
// into the database file, and that file's fsync, happen while the event loop goes on committing.
// Started on the first checkpoint; a database that never needs one never starts the thread.
import { Worker } from 'node:worker_threads';
import type { CheckpointResult } from './checkpoint-worker.js';

// Compiled layout: dist/src/storage/sqlite/background-checkpointer.js next to checkpoint-worker.js.
const WORKER_URL = new URL('./checkpoint-worker.js', import.meta.url);

type Reply = { ok: true; result: CheckpointResult } | { ok: false; message: string };

export class BackgroundCheckpointer {
  private worker: Worker | null = null;
  private waiting: ((reply: Reply) => void) | null = null;

  constructor(private readonly filename: string) {}

  /** One checkpoint at a time: the caller awaits each before asking for the next. */
  checkpoint(): Promise<CheckpointResult> {
    const worker = (this.worker ??= this.start());
    return new Promise((resolve, reject) => {
      this.waiting = (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(`background checkpoint failed: ${reply.message}`)));
      // Referenced while a checkpoint runs: writes wait for it, so the process must not exit meanwhile.
      worker.ref();
      worker.postMessage('checkpoint');
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { filename: this.filename } });
    worker.on('message', (reply: Reply) => {
      worker.unref();
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.(reply);
    });
    const fail = (error: Error) => {
      this.worker = null;
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.({ ok: false, message: error.message });
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`checkpoint thread exited with code ${code}`)));
    worker.unref();
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.ref();
    worker.postMessage('close');
    await exited;
  }
}
