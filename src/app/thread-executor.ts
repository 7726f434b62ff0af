// Runs write batches on the SQLite writer thread (write-worker.ts). The main thread keeps its own
// connections for reads and rare administrative writes (keys); SQLite's file lock and busy
// timeout order those against the writer thread.
import { Worker } from 'node:worker_threads';
import { FeedloopError } from '../core/errors.js';
import type { Settled, WriteExecutor } from './write-executor.js';
import type { WriteOp } from './write-ops.js';
import type { WriterRequest, WriterThreadData } from './write-worker.js';

interface Reply { id: number; settled?: Settled[]; error?: { message: string } }

// Compiled layout: dist/src/app/thread-executor.js next to dist/src/app/write-worker.js.
const WORKER_URL = new URL('./write-worker.js', import.meta.url);

export class ThreadExecutor implements WriteExecutor {
  private worker: Worker;
  private readonly waiting = new Map<number, { resolve: (s: Settled[]) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly data: WriterThreadData) {
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: this.data });
    worker.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if (reply.settled) w.resolve(reply.settled);
      else w.reject(new Error(reply.error?.message ?? 'writer thread failed'));
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      this.failAll(new Error(`writer thread exited with code ${code}`));
      // A crashed writer is replaced: nothing was acknowledged for the batch it held.
      if (!this.closed) this.worker = this.start();
    });
    return worker;
  }

  private failAll(error: Error): void {
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }

  private send(request: Omit<WriterRequest, 'id'>): Promise<Settled[]> {
    const id = this.nextId++;
    return new Promise<Settled[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...request });
    });
  }

  execute(ops: WriteOp[]): Promise<Settled[]> {
    if (this.closed) {
      return Promise.reject(new FeedloopError('storage_unavailable', 'The server is shutting down; nothing was stored, retry', { headers: { 'retry-after': '1' } }));
    }
    return this.send({ ops });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    await this.send({ close: true });
    const timeout = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timeout);
  }
}
