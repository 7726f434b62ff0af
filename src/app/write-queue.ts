// Group commit: the writes that requests ask for during one event-loop turn are handed to the
// executor as one batch, i.e. one transaction and one durable commit (one fsync) for them all.
// A request's promise settles only after the commit that holds its rows. Up to maxInFlight
// batches are with the executor at once; the next one gathers meanwhile.
import type { WriteExecutor } from './write-executor.js';
import { lockKeysOf, type WriteOp, type WriteResults } from './write-ops.js';

interface Pending { op: WriteOp; resolve: (v: unknown) => void; reject: (e: unknown) => void; keys?: string[] }

export interface WriteQueueOptions {
  /** The most operations in one transaction; more wait for the next one. */
  maxBatch?: number;
  /**
   * Batches handed to the executor before the first is settled (default 64): while one commits
   * (its fsync), the next ones are already on their way, so the event loop never waits for a disk.
   * The storage runs them in order (SQLite, whose fsync overlaps the next transaction) or
   * concurrently (a PostgreSQL pool).
   */
  maxInFlight?: number;
  /**
   * Where batches in flight run concurrently and lock end users (PostgreSQL): an operation that
   * needs a lock a batch in flight holds waits here for the next batch, instead of making every
   * other operation of its batch wait for that lock in the database. Operations that share a lock
   * keep their order.
   */
  holdConflicting?: boolean;
  /**
   * Told of each batch once it settles: its size, its time with the executor (the transaction and
   * its durable commit) and the errors of its failed operations (for metrics and readiness).
   */
  onBatch?: (batch: BatchOutcome) => void;
}

export interface BatchOutcome { size: number; seconds: number; errors: unknown[] }

export class WriteQueue {
  private pending: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly holdConflicting: boolean;
  /** Lock keys of the batches in flight (with holdConflicting), and how many batches hold each. */
  private readonly busy = new Map<string, number>();
  private readonly onBatch: ((batch: BatchOutcome) => void) | undefined;

  constructor(private readonly executor: WriteExecutor, options: WriteQueueOptions = {}) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 64;
    this.holdConflicting = options.holdConflicting ?? false;
    this.onBatch = options.onBatch;
  }

  write<K extends WriteOp['kind']>(op: Extract<WriteOp, { kind: K }>): Promise<WriteResults[K]> {
    return new Promise<WriteResults[K]>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: every request parsed in it joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.pending.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.holdConflicting ? this.takeFree() : this.pending.splice(0, this.maxBatch);
      if (batch.length === 0) break; // all wait for batches in flight; the first to settle dispatches again
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        for (const p of batch) for (const key of p.keys ?? []) this.release(key);
        if (this.pending.length > 0) this.schedule();
      });
    }
  }

  /** The pending operations whose locks no batch in flight holds, and no earlier pending operation waits for. */
  private takeFree(): Pending[] {
    const taken: Pending[] = [];
    const kept: Pending[] = [];
    const waited = new Set<string>();
    for (const p of this.pending) {
      const keys = (p.keys ??= lockKeysOf(p.op));
      if (taken.length < this.maxBatch && !keys.some((key) => this.busy.has(key) || waited.has(key))) taken.push(p);
      else {
        kept.push(p);
        for (const key of keys) waited.add(key);
      }
    }
    this.pending = kept;
    for (const p of taken) for (const key of p.keys!) this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    return taken;
  }

  private release(key: string): void {
    const n = this.busy.get(key);
    if (n === undefined) return;
    if (n <= 1) this.busy.delete(key);
    else this.busy.set(key, n - 1);
  }

  private async run(batch: Pending[]): Promise<void> {
    const started = performance.now();
    let settled;
    try {
      settled = await this.executor.execute(batch.map((p) => p.op));
    } catch (error) {
      this.onBatch?.({ size: batch.length, seconds: (performance.now() - started) / 1000, errors: batch.map(() => error) });
      for (const p of batch) p.reject(error);
      return;
    }
    const errors: unknown[] = [];
    batch.forEach((p, k) => {
      const s = settled[k]!;
      if (s.ok) p.resolve(s.value);
      else {
        errors.push(s.error);
        p.reject(s.error);
      }
    });
    this.onBatch?.({ size: batch.length, seconds: (performance.now() - started) / 1000, errors });
  }

  /** Resolves once every operation queued so far has been committed or rejected. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight > 0 || this.scheduled) await new Promise((r) => setImmediate(r));
  }
}
