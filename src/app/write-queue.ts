// Group commit: the writes that requests ask for during one event-loop turn run in one transaction,
// so one durable commit (one fsync) acknowledges them all. A request's promise settles only after
// the commit that holds its rows. If a batch fails, its jobs are retried one transaction each, so
// one bad job cannot fail the others.
import type { Storage, StorageTransaction } from '../storage/port.js';

type Job<T> = (tx: StorageTransaction) => Promise<T>;

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be retried. */
const TRANSIENT_CODES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;
const isTransient = (error: unknown) => TRANSIENT_CODES.has((error as { code?: string } | null)?.code ?? '');
interface Pending { job: Job<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }

export interface WriteQueueOptions {
  /** The most jobs in one transaction; more wait for the next one. */
  maxBatch?: number;
}

export class WriteQueue {
  private pending: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  private readonly maxBatch: number;

  constructor(private readonly storage: Storage, options: WriteQueueOptions = {}) {
    this.maxBatch = options.maxBatch ?? 1000;
  }

  run<T>(job: Job<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ job, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: every request parsed in it joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Pending[], attempt = 1): Promise<void> {
    let results: unknown[];
    try {
      results = await this.storage.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const p of batch) out.push(await p.job(tx));
        return out;
      });
    } catch (error) {
      if (batch.length === 1) {
        // A deadlock or serialization failure between instances aborts one side; its job is safe to re-run.
        if (isTransient(error) && attempt < MAX_ATTEMPTS) return this.commit(batch, attempt + 1);
        batch[0]!.reject(error);
        return;
      }
      for (const p of batch) await this.commit([p]);
      return;
    }
    batch.forEach((p, k) => p.resolve(results[k]));
  }

  /** Resolves once every job queued so far has been committed or rejected. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.flushing || this.scheduled) await new Promise((r) => setImmediate(r));
  }
}
