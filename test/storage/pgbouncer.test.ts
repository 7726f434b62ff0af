// PostgreSQL behind PgBouncer in transaction pooling mode (Debian's package, a real PgBouncer in
// front of a real server): each transaction may run on another server connection, and nothing of a
// session survives it. With prepared statements off (what PgBouncer before 1.21 needs), the storage
// contract holds, migrations by several instances at once succeed, group commit still equals one
// transaction per operation, and two instances keep rollups exact together.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PostgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { pgbouncerUnavailable, startPgBouncer, type PgBouncer } from '../support/pgbouncer.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../support/postgres.js';
import { batchProperty } from './batch-property.js';
import { storageContract } from './contract.js';
import { rollupProperty } from './rollups-property.js';

const unavailable = postgresUnavailable() ?? pgbouncerUnavailable();

if (unavailable !== null) {
  test('postgres through pgbouncer', { skip: unavailable }, () => undefined);
} else {
  const server: PostgresServer = await startPostgres();
  // Fewer server connections than the instances' pools hold together: transactions share them.
  const bouncer: PgBouncer = await startPgBouncer(server.url, { poolSize: 4 });
  after(async () => {
    await bouncer.stop();
    await server.stop();
  });
  const through = async (poolSize = 4) =>
    new PostgresStorage({ connectionString: bouncer.urlFor(await server.createDatabase()), poolSize, preparedStatements: false });

  storageContract(`postgres through ${bouncer.version} (transaction pooling)`, () => through());

  test('several instances migrating one new database through pgbouncer at once all succeed and share one secret', async () => {
    const url = bouncer.urlFor(await server.createDatabase());
    const instances = [0, 1, 2].map(() => new PostgresStorage({ connectionString: url, poolSize: 2, preparedStatements: false }));
    try {
      await Promise.all(instances.map((s) => s.migrate()));
      const secrets = await Promise.all(instances.map((s) => s.installationSecret()));
      assert.equal(new Set(secrets).size, 1);
    } finally {
      await Promise.all(instances.map((s) => s.close()));
    }
  });

  batchProperty('postgres through pgbouncer', {
    runs: 15,
    open: async () => {
      const s = await through(2);
      await s.migrate();
      return s;
    },
  });

  rollupProperty('postgres through pgbouncer, two instances', {
    runs: 15,
    open: async () => {
      const url = bouncer.urlFor(await server.createDatabase());
      const instances = [0, 1].map(() => new PostgresStorage({ connectionString: url, poolSize: 4, preparedStatements: false }));
      for (const s of instances) await s.migrate();
      return instances;
    },
    fold: (s) => (s as PostgresStorage).fold(),
  });
}
