// The composition root: configuration in, a ready server out. Wires storage, the PII step,
// group commit, ingestion, keys, health, metrics and the HTTP edge, and the periodic orphaning of
// old pending feedback.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Anonymizer } from './app/anonymizer.js';
import { Health } from './app/health.js';
import { Ingestion } from './app/ingestion.js';
import { Keys } from './app/keys.js';
import { createLogger } from './app/logger.js';
import { Metrics } from './app/metrics.js';
import { orphanPending } from './app/orphaning.js';
import { scheduleRetention } from './app/retention.js';
import { Sessions } from './app/sessions.js';
import { InProcessExecutor } from './app/write-executor.js';
import type { WritePolicy } from './app/write-ops.js';
import { WriteQueue } from './app/write-queue.js';
import type { Config } from './config.js';
import { createContentHasher } from './core/text.js';
import { buildApp } from './http/app.js';
import type { PiiConfigFile } from './core/pii/policy.js';
import { createAnonymizer } from './pii-pool/index.js';
import { openStorage } from './storage/open.js';
import { takeServerLock } from './storage/server-lock.js';
import type { Storage } from './storage/port.js';

export interface Server {
  app: FastifyInstance;
  storage: Storage;
  keys: Keys;
  sessions: Sessions;
  ingestion: Ingestion;
  queue: WriteQueue;
  health: Health;
  metrics: Metrics;
  logger: Logger;
  /**
   * Stops accepting requests, finishes those in flight (closing the connections of any still
   * unfinished after FEEDLOOP_SHUTDOWN_TIMEOUT), commits queued writes and closes storage.
   */
  close(): Promise<void>;
}

/**
 * The PII configuration names projects by name or id; the write path knows ids. Projects that
 * exist get their policy under their id too (a project created later by that name gets it at the
 * next start).
 */
async function policiesById(storage: Storage, config: PiiConfigFile): Promise<PiiConfigFile> {
  const projects = { ...config.projects };
  for (const [key, policy] of Object.entries(config.projects ?? {})) {
    const project = await storage.findProjectByName(key);
    if (project && projects[project.id] === undefined) projects[project.id] = policy;
  }
  return { ...config, projects };
}

export interface ServerOptions {
  anonymizer?: Anonymizer;
  /** The logger to use (serve makes it before the server, to log the start-up); made from config when left out. */
  logger?: Logger;
}

export async function createServer(config: Config, options: ServerOptions = {}): Promise<Server> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const metrics = new Metrics();
  const storage = await openStorage({
    ...config,
    onWarning: (message, error) => logger.warn({ err: error }, message),
    onSync: (seconds) => metrics.observeSync(seconds),
  });
  // `feedloop restore` refuses to replace the database under a running server.
  const releaseLock = config.databaseUrl === null ? takeServerLock(config.dataDir) : () => undefined;
  const health = new Health(storage);
  const anonymizer = metrics.measuredAnonymizer(options.anonymizer ?? createAnonymizer({
    threads: config.piiThreads,
    config: config.piiConfig ? await policiesById(storage, config.piiConfig) : undefined,
    limits: { queueLimitChars: config.piiQueueLimitChars, clientBudgetChars: config.piiClientBudgetChars, requestLimitChars: config.piiRequestLimitChars },
  }));
  const installationSecret = await storage.installationSecret();
  const hash = createContentHasher(installationSecret);
  const policy: WritePolicy = { clockSkewMs: config.clockSkewMs, lookbackMs: config.lookbackMs, conversationGapMs: config.conversationGapMs };
  // Writes run on this thread for both backends: SQLite's SQL is cheaper than handing rows to
  // another thread, and its fsync runs on libuv's pool (storage/sqlite/wal-sync.ts).
  const executor = new InProcessExecutor(storage, policy);
  // PostgreSQL runs as many batches at once as it has connections, each waiting for its own locks:
  // the queue hands over no more, and keeps an operation whose lock a batch in flight holds for the next.
  const concurrent = storage.capabilities.concurrentTransactions;
  const queue = new WriteQueue(executor, {
    maxInFlight: concurrent, holdConflicting: concurrent !== undefined,
    onBatch: (batch) => {
      metrics.observeBatch({ size: batch.size, seconds: batch.seconds, failed: batch.errors.length });
      if (batch.errors.length < batch.size) health.writeSucceeded();
      for (const error of batch.errors) health.writeFailed(error);
    },
  });
  metrics.sources = {
    unlinkedFeedback: () => storage.unlinkedFeedbackTotals(), ready: () => !health.failing, piiQueueDepth: () => anonymizer.queueDepth?.() ?? null,
  };
  const ingestion = new Ingestion(queue, anonymizer, hash);
  const keys = new Keys(storage);
  const sessions = new Sessions(storage, keys, installationSecret, { adminPassword: config.adminPassword, ttlMs: config.sessionTtlMs });
  const app = await buildApp({
    storage, ingestion, keys, pendingTtlMs: config.pendingTtlMs, bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute, logLevel: config.logLevel, otlpMaxSpansInFlight: config.otlpMaxSpansInFlight,
    sessions, edge: config, health, metrics, logger,
  });

  const sweep = async () => {
    try {
      await orphanPending(storage, Date.now() - config.pendingTtlMs);
    } catch (error) {
      app.log.warn({ err: error }, 'marking old pending feedback as orphaned failed; will retry');
    }
  };
  const timer = setInterval(sweep, Math.max(1000, Math.min(60_000, config.pendingTtlMs / 2)));
  timer.unref();
  await sweep();
  const retention = config.retentionMs === null ? null
    : scheduleRetention(storage, config.retentionMs, (error) => app.log.warn({ err: error }, 'retention pass failed; will retry'));

  return {
    app, storage, keys, sessions, ingestion, queue, health, metrics, logger,
    async close() {
      clearInterval(timer);
      await retention?.stop();
      // Requests still unfinished after the timeout (a client that never ends its body) lose their
      // connection; every request already handed to the write queue is still committed below.
      const force = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
      await queue.drain();
      await executor.close();
      await anonymizer.close();
      await storage.close();
      releaseLock();
    },
  };
}
