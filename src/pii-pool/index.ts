// Runs the PII detector off the event loop: a fixed pool of worker threads fed by a fair,
// bounded scheduler (see scheduler.ts). With `threads: 0` the same scheduler runs the pieces on
// the event loop, one batch per turn, so other requests are served between them. The detector
// and its lexicons (tens of MB) are then loaded in this thread on first use, and otherwise only
// in the workers.
import { Worker } from 'node:worker_threads';
import type { AnonymizeOptions, Anonymizer, AnonymizedText } from '../app/anonymizer.js';
import type { PiiConfigFile, PiiPolicies, Span } from '../core/pii/index.js';
import { replaceSpans } from '../core/pii/replace.js';
import { DEFAULT_LIMITS, Scheduler, type Executor, type Piece, type SchedulerLimits } from './scheduler.js';

export interface AnonymizerOptions {
  threads: number;
  /** Calls shorter than this (in characters) run inline at once; default 0 with workers (all go to them). */
  inlineBelowChars?: number;
  /** Per-project policies (FEEDLOOP_PII_CONFIG). */
  config?: PiiConfigFile;
  /** Bounds and chunk size of the PII work (defaults: DEFAULT_LIMITS). */
  limits?: Partial<SchedulerLimits>;
}

interface WorkerReply {
  id: number;
  spans?: Span[][];
  error?: string;
}

// Compiled layout: dist/src/pii-pool/index.js next to dist/src/pii-pool/worker.js.
const WORKER_URL = new URL('./worker.js', import.meta.url);

type Detector = typeof import('../core/pii/index.js');
let detector: Promise<Detector> | null = null;
function loadDetector(): Promise<Detector> {
  detector ??= import('../core/pii/index.js');
  return detector;
}

/** One worker thread; replaced when it crashes. */
class WorkerExecutor implements Executor {
  private worker: Worker;
  private readonly pending = new Map<number, { resolve(spans: Span[][]): void; reject(error: Error): void }>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly config: PiiConfigFile | undefined) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { config: this.config } });
    worker.on('message', (reply: WorkerReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.spans) waiting.resolve(reply.spans);
      else waiting.reject(new Error(reply.error ?? 'PII worker failed'));
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      this.failAll(new Error(`PII worker exited with code ${code}`));
      if (!this.closed) this.worker = this.spawn();
    });
    worker.unref();
    return worker;
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  run(pieces: Piece[]): Promise<Span[][]> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, pieces });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }
}

/** Runs pieces on the event loop, one batch per turn (setImmediate), so other requests interleave. */
class InlineExecutor implements Executor {
  private policies: PiiPolicies | null = null;

  constructor(private readonly config: PiiConfigFile | undefined) {}

  async run(pieces: Piece[]): Promise<Span[][]> {
    const pii = await loadDetector();
    this.policies ??= new pii.PiiPolicies(this.config ?? {});
    const policies = this.policies;
    await new Promise<void>((resolve) => setImmediate(resolve));
    return pieces.map((p) => pii.detectPii(p.text, policies.for(p.policyKey)));
  }
}

export function createAnonymizer(options: AnonymizerOptions): Anonymizer {
  const threads = Math.max(0, Math.floor(options.threads));
  const inlineBelowChars = options.inlineBelowChars ?? 0;
  const workers = Array.from({ length: threads }, () => new WorkerExecutor(options.config));
  const inline = new InlineExecutor(options.config);
  const scheduler = new Scheduler(workers.length > 0 ? workers : [inline], { ...DEFAULT_LIMITS, ...options.limits });
  let closed = false;
  let inlinePolicies: PiiPolicies | null = null;

  return {
    async anonymize(texts: string[], anonymizeOptions: AnonymizeOptions = {}): Promise<AnonymizedText[]> {
      if (closed) throw new Error('anonymizer is closed');
      if (texts.length === 0) return [];
      const policyKey = anonymizeOptions.projectId ?? '';
      let total = 0;
      for (const t of texts) total += t.length;
      let spans: Span[][];
      if (workers.length > 0 && total < inlineBelowChars) {
        const pii = await loadDetector();
        inlinePolicies ??= new pii.PiiPolicies(options.config ?? {});
        const policy = inlinePolicies.for(policyKey);
        spans = texts.map((t) => pii.detectPii(t, policy));
      } else {
        spans = await scheduler.submit(texts, policyKey, anonymizeOptions.client ?? policyKey);
      }
      return texts.map((t, i) => replaceSpans(t, spans[i] ?? []));
    },
    queueDepth: () => scheduler.pendingCalls,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      scheduler.close();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
