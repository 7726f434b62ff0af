// Readiness: can this instance take writes now? The storage answers a read probe on every check;
// after a write failed because storage was unavailable (disk full, read-only, locked, server
// down), the instance is not ready until a write probe (one durable settings row, at most once a
// second) or a real write succeeds again, so it recovers by itself when storage comes back.
// Liveness is separate: the process answers at all (the event loop turns).
import type { Storage } from '../storage/port.js';
import { isStorageUnavailable, storageErrorCode } from '../storage/unavailable.js';

export interface Readiness {
  ready: boolean;
  /** `ok`, or the driver's code of the failure (SQLITE_FULL, ECONNREFUSED, 57P01, ...). */
  storage: string;
  /** Since when writes fail (ISO 8601), while they do. */
  failing_since?: string;
}

/** A write probe runs at most this often; checks in between answer its last result. */
const WRITE_PROBE_INTERVAL_MS = 1000;

export class Health {
  private failure: { since: number; code: string } | null = null;
  private lastWriteProbe: { at: number; ok: boolean } | null = null;

  constructor(private readonly storage: Storage, private readonly now: () => number = Date.now) {}

  /** Told of every write batch's outcome by the write queue. */
  writeSucceeded(): void {
    this.failure = null;
  }

  writeFailed(error: unknown): void {
    if (!isStorageUnavailable(error)) return;
    this.failure ??= { since: this.now(), code: storageErrorCode(error) };
  }

  /** Whether writes failed for want of storage since the last success. */
  get failing(): boolean {
    return this.failure !== null;
  }

  async readiness(): Promise<Readiness> {
    try {
      await this.storage.probe(false);
    } catch (error) {
      return { ready: false, storage: storageErrorCode(error) };
    }
    if (this.failure === null) return { ready: true, storage: 'ok' };
    const now = this.now();
    if (this.lastWriteProbe === null || now - this.lastWriteProbe.at >= WRITE_PROBE_INTERVAL_MS) {
      this.lastWriteProbe = { at: now, ok: false };
      try {
        await this.storage.probe(true);
        this.lastWriteProbe.ok = true;
        this.failure = null;
      } catch (error) {
        if (this.failure) this.failure.code = storageErrorCode(error);
      }
    }
    if (this.failure === null) return { ready: true, storage: 'ok' };
    return { ready: false, storage: this.failure.code, failing_since: new Date(this.failure.since).toISOString() };
  }
}
