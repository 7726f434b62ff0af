// Runs a batch of write operations in one transaction (group commit) and settles each one. If the
// batch fails, its operations are retried one transaction each, so one bad operation cannot fail
// the others; a deadlock or serialization failure between instances is retried as a whole.
import type { Storage } from '../storage/port.js';
import { isStorageUnavailable } from '../storage/unavailable.js';
import { applyWriteOps, type WriteOp, type WritePolicy, type WriteResult } from './write-ops.js';

export type Settled = { ok: true; value: WriteResult } | { ok: false; error: unknown };

/** Where batches of writes run. */
export interface WriteExecutor {
  execute(ops: WriteOp[]): Promise<Settled[]>;
  close(): Promise<void>;
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be retried. */
const TRANSIENT_CODES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;
const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

export class InProcessExecutor implements WriteExecutor {
  constructor(private readonly storage: Storage, private readonly policy: WritePolicy) {}

  async execute(ops: WriteOp[], attempt = 1): Promise<Settled[]> {
    try {
      const values = await this.storage.transaction((tx) => applyWriteOps(tx, ops, this.policy));
      return values.map((value) => ({ ok: true, value }));
    } catch (error) {
      // Storage itself is unavailable (disk full, server down, a failed sync): every operation would
      // fail alike, and after a failed sync a commit may already hold the batch. Retrying each one
      // could then store it twice: the whole batch fails (503) instead.
      const code = codeOf(error);
      const transient = typeof code === 'string' && TRANSIENT_CODES.has(code);
      if (!transient && isStorageUnavailable(error)) return ops.map(() => ({ ok: false, error }));
      if (ops.length > 1) {
        const settled: Settled[] = [];
        for (const op of ops) settled.push(...(await this.execute([op])));
        return settled;
      }
      if (transient && attempt < MAX_ATTEMPTS) return this.execute(ops, attempt + 1);
      return [{ ok: false, error }];
    }
  }

  async close(): Promise<void> {}
}
