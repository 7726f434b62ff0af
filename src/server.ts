// The composition root: configuration in, a ready server out. Wires storage, the PII step,
// group commit, ingestion, keys and the HTTP edge, and the periodic orphaning of old pending feedback.
import type { FastifyInstance } from 'fastify';
import type { Anonymizer } from './app/anonymizer.js';
import { Ingestion } from './app/ingestion.js';
import { Keys } from './app/keys.js';
import { orphanPending } from './app/orphaning.js';
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
import type { Storage } from './storage/port.js';

export interface Server {
  app: FastifyInstance;
  storage: Storage;
  keys: Keys;
  sessions: Sessions;
  ingestion: Ingestion;
  queue: WriteQueue;
  /** Stops accepting requests, finishes those in flight, commits queued writes and closes storage. */
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

export async function createServer(config: Config, options: { anonymizer?: Anonymizer } = {}): Promise<Server> {
  // Storage warnings go to the server's log, which exists once the app is built.
  let warn = (message: string, error: unknown) => console.error(`${message}: ${String(error)}`);
  const storage = await openStorage({ ...config, onWarning: (message, error) => warn(message, error) });
  const anonymizer = options.anonymizer ?? createAnonymizer({
    threads: config.piiThreads,
    config: config.piiConfig ? await policiesById(storage, config.piiConfig) : undefined,
    limits: { queueLimitChars: config.piiQueueLimitChars, clientBudgetChars: config.piiClientBudgetChars, requestLimitChars: config.piiRequestLimitChars },
  });
  const installationSecret = await storage.installationSecret();
  const hash = createContentHasher(installationSecret);
  const policy: WritePolicy = { clockSkewMs: config.clockSkewMs, lookbackMs: config.lookbackMs, conversationGapMs: config.conversationGapMs };
  // Writes run on this thread for both backends: SQLite's SQL is cheaper than handing rows to
  // another thread, and its fsync runs on libuv's pool (storage/sqlite/wal-sync.ts).
  const executor = new InProcessExecutor(storage, policy);
  const queue = new WriteQueue(executor);
  const ingestion = new Ingestion(queue, anonymizer, hash);
  const keys = new Keys(storage);
  const sessions = new Sessions(storage, keys, installationSecret, { adminPassword: config.adminPassword, ttlMs: config.sessionTtlMs });
  const app = await buildApp({
    storage, ingestion, keys, pendingTtlMs: config.pendingTtlMs, bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute, logLevel: config.logLevel, otlpMaxSpansInFlight: config.otlpMaxSpansInFlight,
    sessions, trustProxy: config.trustProxy,
  });
  warn = (message, error) => app.log.warn({ err: error }, message);

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

  return {
    app, storage, keys, sessions, ingestion, queue,
    async close() {
      clearInterval(timer);
      await app.close();
      await queue.drain();
      await executor.close();
      await anonymizer.close();
      await storage.close();
    },
  };
}
