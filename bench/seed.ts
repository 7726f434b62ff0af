// Seeds a fresh feedloop store directly through the storage layer (not over HTTP): the default
// project with the benchmark's API key, then `count` interactions in large transactions, hashed
// with the installation's own secret so feedback content-links to them exactly as it would to
// interactions that came in over HTTP. seedDataDir: a SQLite data directory; seedPostgres: an
// empty PostgreSQL database (the PostgreSQL driver is loaded only then).
import { join } from 'node:path';
import { Keys } from '../src/app/keys.js';
import { newId } from '../src/core/ids.js';
import type { InteractionRecord } from '../src/core/model.js';
import { createContentHasher } from '../src/core/text.js';
import type { Storage } from '../src/storage/port.js';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { seededInteraction, usersFor } from './data.js';

const CHUNK = 50_000;

export interface SeedResult { count: number; users: number; seconds: number; projectId: string }

export function seedDataDir(dataDir: string, count: number, apiKey: string, onProgress?: (done: number) => void): Promise<SeedResult> {
  return seedStorage(new SqliteStorage({ filename: join(dataDir, 'feedloop.sqlite') }), count, apiKey, onProgress);
}

export async function seedPostgres(databaseUrl: string, count: number, apiKey: string, onProgress?: (done: number) => void): Promise<SeedResult> {
  const { PostgresStorage } = await import('../src/storage/postgres/postgres-storage.js');
  return seedStorage(new PostgresStorage({ connectionString: databaseUrl, poolSize: 2 }), count, apiKey, onProgress);
}

/** Migrates `storage`, seeds it and closes it. */
async function seedStorage(storage: Storage, count: number, apiKey: string, onProgress?: (done: number) => void): Promise<SeedResult> {
  const started = performance.now();
  try {
    await storage.migrate();
    await new Keys(storage).ensure(apiKey);
    const project = await storage.findProjectByName('default');
    if (!project) throw new Error('seeding: the default project was not created');
    const hash = createContentHasher(await storage.installationSecret());
    const users = usersFor(count);
    const receivedAt = Date.now();
    for (let from = 0; from < count; from += CHUNK) {
      const rows: InteractionRecord[] = [];
      for (let i = from; i < Math.min(count, from + CHUNK); i++) {
        const s = seededInteraction(i, users);
        rows.push({
          id: newId(), projectId: project.id, conversationId: `conv-${s.endUser}`, conversationAuto: true, endUser: s.endUser,
          input: s.input, output: s.output, inputHash: hash(s.input), outputHash: hash(s.output),
          messages: [{ role: 'user', content: s.input }], history: null, systemPrompt: null, model: 'gpt-4o-mini',
          ragSources: null, tags: {}, featureFlags: [], traces: null, timeStart: s.timeStart, timeEnd: s.timeEnd,
          hideContent: false, piiRemoved: false, pii: {}, receivedAt, source: 'v2/interactions', traceId: null, spanId: null,
        });
      }
      await storage.transaction((tx) => tx.insertInteractions(rows));
      onProgress?.(Math.min(count, from + CHUNK));
    }
    // Rows written below the write path: count them in the rollups, as every stored interaction is.
    await storage.rebuildRollups(project.id);
    return { count, users, seconds: (performance.now() - started) / 1000, projectId: project.id };
  } finally {
    await storage.close();
  }
}
