// Chooses the storage adapter from the configuration: PostgreSQL when DATABASE_URL is set,
// otherwise the embedded SQLite file under the data directory.
import { join } from 'node:path';
import type { Storage } from './port.js';
import { SqliteStorage } from './sqlite/sqlite-storage.js';

export interface StorageSettings {
  dataDir: string;
  databaseUrl: string | null;
  databasePoolSize?: number;
  /** Named (prepared) PostgreSQL statements (default true). */
  databasePreparedStatements?: boolean;
  /** How long a write waits for a lock another process holds before failing (a 503); default 5 s. */
  storageWaitMs?: number;
  /** SQLite: WAL pages between checkpoints. */
  checkpointPages?: number;
  /** Where the embedded store reports failures that lose nothing but need an operator's eye. */
  onWarning?: (message: string, error: unknown) => void;
  /** Told how long each durable sync of the embedded store took (metrics). */
  onSync?: (seconds: number) => void;
}

/** The embedded database file under the data directory. */
export const sqliteFile = (dataDir: string): string => join(dataDir, 'feedloop.sqlite');

export async function openStorage(settings: StorageSettings): Promise<Storage> {
  let storage: Storage;
  if (settings.databaseUrl !== null) {
    // Loaded on demand: the embedded default never loads the PostgreSQL driver.
    const { PostgresStorage } = await import('./postgres/postgres-storage.js');
    storage = new PostgresStorage({
      connectionString: settings.databaseUrl, poolSize: settings.databasePoolSize ?? 10, onWarning: settings.onWarning, lockWaitMs: settings.storageWaitMs,
      preparedStatements: settings.databasePreparedStatements ?? true,
    });
  } else {
    storage = new SqliteStorage({
      filename: sqliteFile(settings.dataDir), onWarning: settings.onWarning, onSync: settings.onSync,
      lockWaitMs: settings.storageWaitMs, checkpointFrames: settings.checkpointPages,
    });
  }
  await storage.migrate();
  return storage;
}
