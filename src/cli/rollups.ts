// `feedloop rollups rebuild [--project NAME] [--check]`: recompute the statistics' rollups from the
// raw rows (in one transaction, so ingestion waits meanwhile), or with --check only compare the
// maintained rollups with their recomputation and report where they differ.
import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { COUNTERS, isZero } from '../core/rollups.js';
import { openStorage, sqliteFile } from '../storage/open.js';
import type { RollupBucket, Storage } from '../storage/port.js';

interface RollupOptions { json?: boolean; project?: string; check?: boolean }

const bucketKey = (b: RollupBucket) => `${b.dimension}\u0000${b.value}\u0000${b.hour}`;

/** Buckets whose counters differ between the maintained rollups and the recomputation. */
async function differences(storage: Storage, projectId: string): Promise<string[]> {
  const index = (rows: RollupBucket[]) => new Map(rows.filter((b) => !isZero(b.counters)).map((b) => [bucketKey(b), b]));
  const maintained = index(await storage.dumpRollups(projectId));
  const recomputed = index(await storage.recomputeRollups(projectId));
  const out: string[] = [];
  for (const key of new Set([...maintained.keys(), ...recomputed.keys()])) {
    const m = maintained.get(key);
    const r = recomputed.get(key);
    const changed = COUNTERS.filter((c) => (m?.counters[c] ?? 0) !== (r?.counters[c] ?? 0));
    if (changed.length === 0) continue;
    const b = (m ?? r)!;
    out.push(`${b.dimension}=${b.value || '(all)'} at ${new Date(b.hour).toISOString()}: ${changed.map((c) => `${c} ${m?.counters[c] ?? 0} -> ${r?.counters[c] ?? 0}`).join(', ')}`);
  }
  return out;
}

export async function runRollups(config: Config, args: string[], options: RollupOptions): Promise<number> {
  if (args[0] !== 'rebuild') {
    console.error('feedloop: rollups needs a subcommand: rollups rebuild [--project NAME] [--check]');
    return 2;
  }
  if (config.databaseUrl === null && !existsSync(sqliteFile(config.dataDir))) {
    console.error(`feedloop: no database at ${sqliteFile(config.dataDir)} (set FEEDLOOP_DATA_DIR or DATABASE_URL to where the data is)`);
    return 1;
  }
  const storage = await openStorage(config);
  try {
    const projects = (await storage.listProjects()).filter((p) => options.project === undefined || p.name === options.project);
    if (options.project !== undefined && projects.length === 0) {
      console.error(`feedloop: no project named "${options.project}"`);
      return 1;
    }
    const report: { project: string; differences: string[]; buckets?: number }[] = [];
    for (const project of projects) {
      const found = await differences(storage, project.id);
      const entry: (typeof report)[number] = { project: project.name, differences: found };
      if (!options.check) entry.buckets = (await storage.rebuildRollups(project.id)).buckets;
      report.push(entry);
    }
    if (options.json) {
      console.log(JSON.stringify({ checked: options.check === true, projects: report }));
    } else {
      for (const r of report) {
        const state = r.differences.length === 0 ? 'rollups were exact' : `${r.differences.length} bucket(s) differed`;
        console.log(options.check ? `${r.project}: ${state}` : `${r.project}: rebuilt ${r.buckets} bucket(s); ${state} before`);
        for (const d of r.differences.slice(0, 20)) console.log(`  ${d}`);
        if (r.differences.length > 20) console.log(`  … and ${r.differences.length - 20} more`);
      }
    }
    return options.check && report.some((r) => r.differences.length > 0) ? 1 : 0;
  } finally {
    await storage.close();
  }
}
