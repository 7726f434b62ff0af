// What the data commands share: opening the storage the server uses (refusing to create an empty
// SQLite database where data is expected) and choosing the project.
import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { openStorage, sqliteFile } from '../storage/open.js';
import type { ProjectRecord, Storage } from '../storage/port.js';

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** The storage of `config`; with `mustExist`, a missing SQLite file is an error instead of a new empty database. */
export async function openData(config: Config, mustExist: boolean): Promise<Storage> {
  if (mustExist && config.databaseUrl === null && !existsSync(sqliteFile(config.dataDir))) {
    throw new CliError(`no database at ${sqliteFile(config.dataDir)} (set FEEDLOOP_DATA_DIR or DATABASE_URL to where the data is)`);
  }
  return openStorage(config);
}

/**
 * The project a command works on: the one named, else `default`, else the only one. With
 * `create`, a missing one is created (an import into a new data directory).
 */
export async function chooseProject(storage: Storage, name: string | undefined, create = false): Promise<{ project: ProjectRecord; created: boolean }> {
  const projects = await storage.listProjects();
  const wanted = name ?? (projects.some((p) => p.name === 'default') || projects.length !== 1 ? 'default' : projects[0]!.name);
  const found = projects.find((p) => p.name === wanted);
  if (found) return { project: found, created: false };
  if (create) return { project: await storage.createProject(wanted), created: true };
  const known = projects.length === 0 ? 'there are no projects yet' : `projects: ${projects.map((p) => p.name).join(', ')}`;
  throw new CliError(name === undefined ? `no project "default"; name one with --project (${known})` : `no project named "${name}" (${known})`);
}
