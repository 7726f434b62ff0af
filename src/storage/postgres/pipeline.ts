// One write transaction's connection, pipelined (node-postgres pipeline mode): statements are
// written to the server without waiting for the previous one's answer, and the server runs them in
// the order they were written, so a group commit costs a few round trips instead of one per
// statement. What a transaction issues goes out in the order it is issued, whether or not the
// caller awaits each call:
//  - query(): a statement sent at once (after what is waiting to be sent);
//  - defer(): a write nobody waits for, sent at once; if it fails (which aborts the transaction),
//    commit() throws its error, since COMMIT of an aborted transaction only answers ROLLBACK;
//  - lock() and batched(): advisory locks and reads issued in one burst (until the microtasks of
//    the current turn have run) are sent together when the burst ends: one statement taking every
//    lock (sorted, so two transactions never take them in opposite orders), then one statement per
//    kind of read answering every call of that kind. A lock is its own statement before the reads:
//    under READ COMMITTED a read sees what the lock's previous holder committed only if the read's
//    statement starts after the lock was granted, which the server's in-order execution ensures.
import type pg from 'pg';

export type Row = Record<string, unknown>;

/** A kind of read that one statement answers for many calls. */
export interface Batch<K, R> {
  /** The statement for these keys (in order); each row carries the 1-based position of its key as column `n`. */
  query(keys: readonly K[]): pg.QueryConfig;
  /** One key's answer from its rows (an empty array when it has none). */
  answer(rows: Row[], key: K): R;
}

interface Waiting { key: unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }

interface Deferred { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void }

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => undefined); // its awaiters see the failure; the transaction reports it too
  return { promise, resolve, reject };
}

export class Pipeline {
  private readonly waiting = new Map<Batch<unknown, unknown>, Waiting[]>();
  /** Every lock key taken (or being taken) in this transaction, with the statement taking it. */
  private readonly held = new Map<string, Promise<void>>();
  private locksToSend: string[] = [];
  private lockBurst: Deferred | null = null;
  private flushScheduled = false;
  private readonly writes: Promise<unknown>[] = [];
  /** The first statement of this transaction that failed: what made every later one fail. */
  failure: unknown = undefined;
  /**
   * Bumped by every statement other than a batched read (a write, or a read of its own): what was
   * read before may be out of date. remember() keeps a value only if nothing was sent since its
   * read was issued, and every such statement forgets what was remembered.
   */
  generation = 0;
  private readonly memo = new Map<string, unknown>();
  /** The connection's socket while corked: what is sent until the microtasks of this turn have run goes out in one write. */
  private corked: { uncork(): void } | null = null;

  constructor(private readonly client: pg.PoolClient, private readonly lockStatement: (keys: string[]) => pg.QueryConfig) {}

  /** A statement, sent now (after everything issued before it). */
  query<R extends pg.QueryResultRow = Row>(config: pg.QueryConfig | string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    this.flush();
    this.forget();
    return this.send<R>(typeof config === 'string' ? { text: config, values } : config);
  }

  /** A write whose answer is not awaited: its failure surfaces at commit() (and fails every later statement). */
  defer(config: pg.QueryConfig): void {
    this.flush();
    this.forget();
    this.writes.push(this.send(config));
  }

  /** Keeps what a batched read issued at `generation` found, for later calls of this transaction, if still current. */
  remember(key: string, value: unknown, generation: number): void {
    if (generation === this.generation) this.memo.set(key, value);
  }

  recall<T>(key: string): T | undefined {
    return this.memo.get(key) as T | undefined;
  }

  private forget(): void {
    this.generation++;
    this.memo.clear();
  }

  /** Transaction-scoped advisory locks on these keys; a key already taken in this transaction is not taken again. */
  lock(keys: readonly string[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const key of keys) {
      let taking = this.held.get(key);
      if (taking === undefined) {
        this.lockBurst ??= deferred();
        taking = this.lockBurst.promise;
        this.held.set(key, taking);
        this.locksToSend.push(key);
        this.schedule();
      }
      waits.push(taking);
    }
    return waits.length === 1 ? waits[0]! : Promise.all(waits).then(() => undefined);
  }

  /** A read answered together with the other reads of its kind issued in this burst. */
  batched<K, R>(batch: Batch<K, R>, key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let list = this.waiting.get(batch as Batch<unknown, unknown>);
      if (list === undefined) {
        list = [];
        this.waiting.set(batch as Batch<unknown, unknown>, list);
      }
      list.push({ key, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  begin(): void {
    this.defer({ text: 'BEGIN' });
  }

  /** Commits, or throws the error of the first statement that failed (the transaction is then rolled back). */
  async commit(): Promise<void> {
    this.flush();
    const commit = this.send({ text: 'COMMIT' });
    await Promise.allSettled(this.writes);
    const result = await commit;
    if (this.failure !== undefined) throw this.failure;
    if (result.command !== 'COMMIT') throw new Error(`COMMIT answered ${result.command}: the transaction was rolled back`);
  }

  async rollback(): Promise<void> {
    this.flush();
    const rollback = this.client.query('ROLLBACK');
    await Promise.allSettled(this.writes);
    await rollback;
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // process.nextTick runs once the microtasks queued now have run: the continuations of a
    // Promise.all over many calls issue their reads before the burst is sent.
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends what waits: the locks first, then one statement per kind of read. */
  private flush(): void {
    if (this.locksToSend.length > 0) {
      const keys = [...new Set(this.locksToSend)].sort();
      const burst = this.lockBurst!;
      this.locksToSend = [];
      this.lockBurst = null;
      this.send(this.lockStatement(keys)).then(() => burst.resolve(), burst.reject);
    }
    if (this.waiting.size === 0) return;
    const kinds = [...this.waiting];
    this.waiting.clear();
    for (const [batch, list] of kinds) {
      let sent: Promise<pg.QueryResult<Row>>;
      try {
        sent = this.send<Row>(batch.query(list.map((w) => w.key)));
      } catch (error) {
        for (const w of list) w.reject(error);
        continue;
      }
      sent.then((result) => {
        const byKey: Row[][] = list.map(() => []);
        for (const row of result.rows) byKey[Number(row['n']) - 1]?.push(row);
        list.forEach((w, k) => {
          try {
            w.resolve(batch.answer(byKey[k]!, w.key));
          } catch (error) {
            w.reject(error);
          }
        });
      }, (error: unknown) => { for (const w of list) w.reject(error); });
    }
  }

  private send<R extends pg.QueryResultRow = Row>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    this.cork();
    const sent = this.client.query<R>(config);
    sent.catch((error: unknown) => { if (this.failure === undefined) this.failure = error; });
    return sent;
  }

  /**
   * node-postgres writes each statement's messages with a write of their own (a system call each);
   * holding the socket corked until the current burst ends sends a burst's statements (the reads of
   * a batch; its writes and COMMIT) in one.
   */
  private cork(): void {
    if (this.corked !== null) return;
    const stream = (this.client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    stream.cork();
    this.corked = stream as { uncork(): void };
    process.nextTick(() => {
      this.corked = null;
      stream.uncork!();
    });
  }
}
