// The metrics of one server, in a prom-client registry of its own (no global registry: two servers
// in one process, as in tests, count apart). Parts of the server report through small methods
// and callbacks (the write queue's onBatch, the SQLite adapter's onSync, the HTTP hooks); none of
// them imports prom-client. GET /metrics (src/http/metrics.ts) prints the registry.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where the gauges that are read on demand come from; each may be left out. */
export interface MetricSources {
  /** Unlinked feedback over all projects (a COUNT query: read at most every UNLINKED_CACHE_MS). */
  unlinkedFeedback?: () => Promise<{ pending: number; orphaned: number }>;
  /** Whether the server is ready (storage writable). */
  ready?: () => boolean;
  /**
   * Texts waiting in the PII worker pool's queue (the pool reports it; an anonymizer that does not,
   * such as the inline one of tests, leaves feedloop_pii_queue_depth counting the anonymize calls
   * waiting or running, as seen from the callers: measuredAnonymizer below).
   */
  piiQueueDepth?: () => number | null;
}

const UNLINKED_CACHE_MS = 10_000;
const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'method' | 'route'>;
  private readonly batchSize: Histogram;
  private readonly batchSeconds: Histogram;
  private readonly batchFailures: Counter;
  private readonly syncSeconds: Histogram;
  private readonly storageErrors: Counter<'code'>;
  private readonly piiSeconds: Histogram;
  private piiInFlight = 0;
  private unlinked: { at: number; value: Promise<{ pending: number; orphaned: number }> } | null = null;
  sources: MetricSources = {};

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'feedloop_' });
    this.requests = new Counter({ name: 'feedloop_http_requests_total', help: 'HTTP requests answered, by route template and status', labelNames: ['method', 'route', 'status'], registers });
    this.requestSeconds = new Histogram({ name: 'feedloop_http_request_duration_seconds', help: 'Time from a request\'s arrival to its answer', labelNames: ['method', 'route'], buckets: SECONDS, registers });
    this.batchSize = new Histogram({ name: 'feedloop_write_batch_size', help: 'Write operations per group-commit transaction', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], registers });
    this.batchSeconds = new Histogram({ name: 'feedloop_write_batch_duration_seconds', help: 'Time of a group commit: the transaction and its durable commit', buckets: SECONDS, registers });
    this.batchFailures = new Counter({ name: 'feedloop_write_failures_total', help: 'Write operations that failed (answered 4xx/5xx)', registers });
    this.syncSeconds = new Histogram({ name: 'feedloop_storage_sync_duration_seconds', help: 'Time of one fdatasync of the SQLite WAL (covers every commit before it)', buckets: SECONDS, registers });
    this.storageErrors = new Counter({ name: 'feedloop_storage_errors_total', help: 'Requests failed because storage was unavailable, by driver code', labelNames: ['code'], registers });
    this.piiSeconds = new Histogram({ name: 'feedloop_pii_duration_seconds', help: 'Time of one anonymize call, queueing included', buckets: SECONDS, registers });
    const self = this;
    new Gauge({
      name: 'feedloop_pii_queue_depth', help: 'PII work waiting or running (anonymize calls; texts, if the pool reports them)', registers,
      collect() { this.set(self.sources.piiQueueDepth?.() ?? self.piiInFlight); },
    });
    new Gauge({
      name: 'feedloop_ready', help: '1 while storage takes writes, 0 after a write failed for want of storage', registers,
      collect() { this.set(self.sources.ready?.() === false ? 0 : 1); },
    });
    new Gauge({
      name: 'feedloop_feedback_unlinked', help: 'Feedback not linked to an interaction, over all projects, by status', labelNames: ['status'], registers,
      async collect() {
        if (!self.sources.unlinkedFeedback) return;
        const now = Date.now();
        if (!self.unlinked || now - self.unlinked.at >= UNLINKED_CACHE_MS) self.unlinked = { at: now, value: self.sources.unlinkedFeedback() };
        try {
          const { pending, orphaned } = await self.unlinked.value;
          this.set({ status: 'pending' }, pending);
          this.set({ status: 'orphaned' }, orphaned);
        } catch {
          self.unlinked = null; // storage unavailable: no value this time, ask again next scrape
        }
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.requestSeconds.observe({ method, route }, seconds);
  }

  /** The write queue's report of one group commit. */
  observeBatch(batch: { size: number; seconds: number; failed: number }): void {
    this.batchSize.observe(batch.size);
    this.batchSeconds.observe(batch.seconds);
    if (batch.failed > 0) this.batchFailures.inc(batch.failed);
  }

  observeSync(seconds: number): void {
    this.syncSeconds.observe(seconds);
  }

  storageError(code: string): void {
    this.storageErrors.inc({ code });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The anonymizer, with each anonymize call timed and counted while it waits or runs. Written
   * against the one method it wraps, so the PII step may grow other methods freely.
   */
  measuredAnonymizer<A extends { anonymize(...args: never[]): Promise<unknown> }>(inner: A): A {
    const anonymize = async (...args: Parameters<A['anonymize']>) => {
      this.piiInFlight++;
      const end = this.piiSeconds.startTimer();
      try {
        return await (inner.anonymize as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
      } finally {
        end();
        this.piiInFlight--;
      }
    };
    return new Proxy(inner, {
      get(target, property) {
        if (property === 'anonymize') return anonymize;
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
