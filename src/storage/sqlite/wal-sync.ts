// Durable commits without blocking on fsync. The write connection runs with synchronous=OFF, so
// COMMIT only writes the transaction's frames to the WAL (into the page cache). A transaction is
// reported committed only after an fdatasync of the WAL file that started after its COMMIT has
// returned: from then on it survives a power cut, exactly as under synchronous=FULL (which syncs
// the WAL inside COMMIT). The fdatasync runs on libuv's thread pool, so the writer goes on with
// the next transaction meanwhile, and one fdatasync covers every transaction committed before it
// began (group commit).
//
// What synchronous=OFF would also skip is the ordering around checkpoints (WAL synced before
// pages are copied into the database file, the database file synced before the WAL is reused).
// So automatic checkpoints are off and the owner runs them with `checkpoint()`, which keeps that
// order: most of the copying on a thread of its own, the rest between two transactions.
import type Database from 'better-sqlite3';
import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BackgroundCheckpointer } from './background-checkpointer.js';

/** Frames (pages) the WAL may hold before a checkpoint, 64 MB: sixteen times SQLite's own threshold, so a page
 * rewritten by many commits is copied into the database file once per checkpoint, not sixteen times. */
const DEFAULT_CHECKPOINT_FRAMES = 16000;

/**
 * The background thread checkpoints again while more than this many frames were committed during
 * its last round: the tail, copied and synced while writes wait, stays a few milliseconds long.
 * Measured under load (quick runs, twice each, 10k stored): writes waited 6.6–6.9 ms per
 * checkpoint under feedback and 14 ms under interactions, against 9–12 and 16–24 ms with 256
 * frames and 4 rounds; with 1M stored, 3.6–4.4 ms once each round also syncs the database file.
 */
const TAIL_FRAMES = 64;
const MAX_BACKGROUND_ROUNDS = 8;

export class WalSync {
  private fd: number | null = null;
  /** Waiting for an fdatasync that has not started yet. */
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private syncing = false;
  private commitsSinceCheckpoint = 0;
  /** Commits between checkpoints, re-estimated from the frames each checkpoint finds. */
  private checkpointEvery = 50;
  /** The checkpoint under way, if any. */
  private running: Promise<void> | null = null;
  private readonly background: BackgroundCheckpointer;

  constructor(private readonly db: Database.Database, private readonly filename: string,
    private readonly checkpointFrames = DEFAULT_CHECKPOINT_FRAMES,
    private readonly warn: (message: string, error: unknown) => void = () => undefined,
    /** Told how long each fdatasync of the WAL took (metrics). */
    private readonly onSync: (seconds: number) => void = () => undefined) {
    db.pragma('synchronous = OFF');
    db.pragma('wal_autocheckpoint = 0');
    this.background = new BackgroundCheckpointer(filename);
  }

  /** The WAL exists once the connection has written; its directory entry is made durable once. */
  private walFd(): number {
    if (this.fd === null) {
      this.fd = openSync(`${this.filename}-wal`, 'r');
      const dir = openSync(dirname(this.filename), 'r');
      try { fsyncSync(dir); } finally { closeSync(dir); }
    }
    return this.fd;
  }

  /** Resolves once everything committed before this call is on disk. */
  durable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.syncing) this.syncNow();
    });
  }

  private syncNow(): void {
    const group = this.waiters;
    this.waiters = [];
    this.syncing = true;
    let fd: number;
    try {
      fd = this.walFd();
    } catch (error) {
      this.syncing = false;
      // No WAL yet: nothing has been written through it, so there is nothing to sync.
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      for (const w of group) if (missing) w.resolve(); else w.reject(error as Error);
      return;
    }
    const started = performance.now();
    fdatasync(fd, (error) => {
      this.syncing = false;
      this.onSync((performance.now() - started) / 1000);
      for (const w of group) if (error) w.reject(error); else w.resolve();
      if (this.waiters.length > 0) this.syncNow();
    });
  }

  /** Counts a commit; true when the WAL has probably grown enough for a checkpoint and none runs. */
  committed(): boolean {
    return ++this.commitsSinceCheckpoint >= this.checkpointEvery && this.running === null;
  }

  /**
   * A checkpoint in two steps. The background thread copies what the WAL holds while the event
   * loop goes on committing (again, while a round leaves many new frames behind it); then
   * `runBetweenTransactions` runs the tail (the frames committed meanwhile) between two
   * transactions, after which the WAL can start over.
   */
  checkpoint(runBetweenTransactions: (tail: () => Promise<void>) => Promise<void>, pin: () => () => void): Promise<void> {
    const run = async () => {
      await this.backgroundRounds();
      await runBetweenTransactions(async () => {
        await this.durable();
        await this.copyTail(pin);
      });
    };
    const running = run().finally(() => { this.running = null; });
    this.running = running;
    return running;
  }

  /** Copies what the WAL holds on the background thread, in rounds, while writes go on. */
  private async backgroundRounds(): Promise<void> {
    const commits = this.commitsSinceCheckpoint;
    // A failed background step (the thread could not start, say) leaves it all to the tail.
    let previous = 0;
    let lastFresh = Infinity;
    for (let round = 0; round < MAX_BACKGROUND_ROUNDS; round++) {
      const { log } = await this.background.checkpoint().catch((error: unknown) => {
        this.warn('background checkpoint failed; its frames are copied while writes wait instead', error);
        return { log: previous };
      });
      if (round === 0 && log > 0) this.checkpointEvery = Math.max(1, Math.min(10_000, Math.round(this.checkpointFrames / Math.max(1, log / Math.max(1, commits)))));
      // Frames this round found beyond the last one's: few enough for the tail, or no fewer than
      // before (writes outrun the copying, so more rounds would only let the WAL grow).
      const fresh = log - previous;
      if (fresh <= TAIL_FRAMES || fresh >= lastFresh) break;
      lastFresh = fresh;
      previous = log;
    }
  }

  /** Resolves when no checkpoint is under way. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  /**
   * Copies the frames not yet in the database file, in the order synchronous=FULL keeps: every
   * commit is already synced (`durable()` has resolved for each), the pages are copied, and the
   * database file is synced before the WAL may be reused. The file's fsync runs on libuv's pool
   * while `pin` holds a read transaction that stops any connection, in this process or another,
   * from restarting the WAL meanwhile. No write transaction starts until this settles.
   */
  private async copyTail(pin: () => () => void): Promise<void> {
    const unpin = pin();
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
      this.commitsSinceCheckpoint = 0;
      await syncFile(this.filename);
    } finally {
      unpin();
    }
  }

  /**
   * A checkpoint of every frame that then truncates the WAL file to nothing, so that no older frame
   * (holding content since deleted) stays on disk. Runs between two transactions with
   * synchronous=FULL, so SQLite syncs the WAL before copying and the database file before it
   * truncates. Readers in other processes can delay it: it retries for a few seconds and answers
   * whether the WAL was emptied.
   */
  async truncate(runBetweenTransactions: (step: () => Promise<void>) => Promise<void>): Promise<boolean> {
    // No other checkpoint may run meanwhile: wait for the current one, then claim `running` at once.
    while (this.running) await this.running.catch(() => undefined);
    let emptied = false;
    const run = async () => {
      // Most frames are copied on the background thread first; writes wait only for the tail.
      await this.backgroundRounds();
      for (let attempt = 0; attempt < 20 && !emptied; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
        await runBetweenTransactions(async () => {
          await this.durable();
          const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
          this.db.pragma('synchronous = FULL');
          this.db.pragma('busy_timeout = 250');
          try {
            const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
            emptied = result?.busy === 0;
          } finally {
            this.db.pragma(`busy_timeout = ${timeout}`);
            this.db.pragma('synchronous = OFF');
          }
          if (emptied) this.commitsSinceCheckpoint = 0;
        });
      }
    };
    const running = run().finally(() => { this.running = null; });
    this.running = running;
    await running;
    return emptied;
  }

  /** Before the connection closes: its closing checkpoint must sync, as under synchronous=FULL. */
  async close(): Promise<void> {
    await this.background.close();
    this.db.pragma('synchronous = FULL');
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.datasync();
  } finally {
    await file.close();
  }
}
