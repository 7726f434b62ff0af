// Runs the PII detector off the event loop: a fixed pool of worker threads.
//
// Texts asked for during one event-loop turn travel to a worker in one message (posting costs
// more than a short text's detection), round-robin over the workers by pending load. With
// `threads: 0`, or for batches below `inlineBelowChars`, detection runs synchronously in the
// caller; the detector and its lexicons (tens of MB) are then loaded in this thread on first use,
// and otherwise only in the workers.
import { Worker } from 'node:worker_threads';
import type { Anonymizer } from '../app/anonymizer.js';
import type { Anonymized } from '../core/pii/index.js';

export interface AnonymizerOptions {
  threads: number;
  /** Batches shorter than this (in characters) run inline; default 0 with workers (all go to them). */
  inlineBelowChars?: number;
}

interface Waiting {
  texts: string[];
  resolve(results: Anonymized[]): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  /** Requests sent to this worker, by message id, each with the callers whose texts it carries. */
  pending: Map<number, Waiting[]>;
}

interface WorkerReply {
  id: number;
  results?: Anonymized[];
  error?: string;
}

// Compiled layout: dist/src/pii-pool/index.js next to dist/src/pii-pool/worker.js.
const WORKER_URL = new URL('./worker.js', import.meta.url);

type Detector = (text: string) => Anonymized;
let detector: Detector | null = null;
async function loadDetector(): Promise<Detector> {
  detector ??= (await import('../core/pii/index.js')).anonymizeText;
  return detector;
}

export function createAnonymizer(options: AnonymizerOptions): Anonymizer {
  const threads = Math.max(0, Math.floor(options.threads));
  const inlineBelowChars = options.inlineBelowChars ?? 0;
  const pool: PoolWorker[] = [];
  let nextId = 1;
  let closed = false;
  let queued: Waiting[] = [];

  function spawn(): PoolWorker {
    const entry: PoolWorker = { worker: new Worker(WORKER_URL), pending: new Map() };
    entry.worker.on('message', (reply: WorkerReply) => {
      const callers = entry.pending.get(reply.id);
      if (!callers) return;
      entry.pending.delete(reply.id);
      if (entry.pending.size === 0) entry.worker.unref();
      if (!reply.results) {
        for (const c of callers) c.reject(new Error(reply.error ?? 'PII worker failed'));
        return;
      }
      let offset = 0;
      for (const c of callers) {
        c.resolve(reply.results.slice(offset, offset + c.texts.length));
        offset += c.texts.length;
      }
    });
    entry.worker.on('error', (error) => failAll(entry, error));
    entry.worker.on('exit', (code) => {
      failAll(entry, new Error(`PII worker exited with code ${code}`));
      const index = pool.indexOf(entry);
      // Replace a crashed worker so the pool keeps its size.
      if (index >= 0 && !closed) pool[index] = spawn();
    });
    entry.worker.unref();
    return entry;
  }

  function failAll(entry: PoolWorker, error: Error): void {
    for (const callers of entry.pending.values()) for (const c of callers) c.reject(error);
    entry.pending.clear();
  }

  function flush(): void {
    const callers = queued;
    queued = [];
    if (callers.length === 0) return;
    let target = pool[0]!;
    for (const entry of pool) if (entry.pending.size < target.pending.size) target = entry;
    const id = nextId++;
    target.pending.set(id, callers);
    target.worker.ref();
    target.worker.postMessage({ id, texts: callers.flatMap((c) => c.texts) });
  }

  for (let i = 0; i < threads; i++) pool.push(spawn());

  return {
    async anonymize(texts: string[]): Promise<Anonymized[]> {
      if (closed) throw new Error('anonymizer is closed');
      if (texts.length === 0) return [];
      let total = 0;
      for (const t of texts) total += t.length;
      if (pool.length === 0 || total < inlineBelowChars) {
        const detect = await loadDetector();
        return texts.map((t) => detect(t));
      }
      return new Promise<Anonymized[]>((resolve, reject) => {
        if (queued.length === 0) setImmediate(flush);
        queued.push({ texts, resolve, reject });
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      flush();
      const workers = pool.splice(0, pool.length);
      await Promise.all(workers.map((entry) => entry.worker.terminate()));
    },
  };
}
