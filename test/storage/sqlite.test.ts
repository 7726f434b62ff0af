// The storage contract on the embedded adapter: a real SQLite file in a temporary directory per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { batchProperty } from './batch-property.js';
import { storageContract } from './contract.js';
import { lifecycleContract } from './lifecycle-contract.js';
import { readContract } from './read-contract.js';
import { rollupProperty } from './rollups-property.js';

const dir = mkdtempSync(join(tmpdir(), 'feedloop-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
storageContract('sqlite', async () => new SqliteStorage({ filename: join(dir, `store-${++files}.sqlite`) }));
readContract('sqlite', async () => new SqliteStorage({ filename: join(dir, `store-${++files}.sqlite`) }));
lifecycleContract('sqlite', async () => new SqliteStorage({ filename: join(dir, `store-${++files}.sqlite`) }));

rollupProperty('sqlite', {
  runs: 100,
  open: async () => {
    const s = new SqliteStorage({ filename: join(dir, `rollups-${++files}.sqlite`) });
    await s.migrate();
    return [s];
  },
});

batchProperty('sqlite', {
  runs: 100,
  open: async () => {
    const s = new SqliteStorage({ filename: join(dir, `batches-${++files}.sqlite`) });
    await s.migrate();
    return s;
  },
});
