// The storage contract on PostgreSQL (a real server started for this file, a fresh database per
// test), and what only a store shared by several processes must do: migrate concurrently, serialise
// linking per end user and answer concurrent retries with one stored row. Each PostgresStorage
// below stands for one server instance.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Anonymizer } from '../../src/app/anonymizer.js';
import { Ingestion } from '../../src/app/ingestion.js';
import { InProcessExecutor } from '../../src/app/write-executor.js';
import { WriteQueue } from '../../src/app/write-queue.js';
import type { FeedbackCommand, InteractionCommand } from '../../src/core/commands.js';
import { newId } from '../../src/core/ids.js';
import { createContentHasher } from '../../src/core/text.js';
import { POSTGRES_MIGRATIONS } from '../../src/storage/postgres/migrations.js';
import { PostgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { batchProperty } from './batch-property.js';
import { feedback, interaction, storageContract } from './contract.js';
import { lifecycleContract } from './lifecycle-contract.js';
import { readContract } from './read-contract.js';
import { rollupProperty } from './rollups-property.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../support/postgres.js';

const T0 = 1_700_000_000_000;
const unavailable = postgresUnavailable();

if (unavailable !== null) {
  test('postgres storage', { skip: unavailable }, () => undefined);
} else {
  const server: PostgresServer = await startPostgres();
  after(() => server.stop());

  storageContract('postgres', async () => new PostgresStorage({ connectionString: await server.createDatabase() }));
  readContract('postgres', async () => new PostgresStorage({ connectionString: await server.createDatabase() }));
  lifecycleContract('postgres', async () => new PostgresStorage({ connectionString: await server.createDatabase() }));

  rollupProperty('postgres, two instances', {
    runs: 50,
    open: async () => {
      const url = await server.createDatabase();
      const instances = [new PostgresStorage({ connectionString: url, poolSize: 4 }), new PostgresStorage({ connectionString: url, poolSize: 4 })];
      for (const s of instances) await s.migrate();
      return instances;
    },
    fold: (s) => (s as PostgresStorage).fold(),
  });

  batchProperty('postgres', {
    runs: 40,
    open: async () => {
      const s = new PostgresStorage({ connectionString: await server.createDatabase(), poolSize: 2 });
      await s.migrate();
      return s;
    },
  });

  describe('postgres shared by several instances', () => {
    let url = '';
    const instances: PostgresStorage[] = [];
    const instance = () => {
      const storage = new PostgresStorage({ connectionString: url, poolSize: 4 });
      instances.push(storage);
      return storage;
    };
    before(async () => {
      url = await server.createDatabase();
    });
    after(async () => {
      await Promise.all(instances.map((s) => s.close()));
    });

    test('instances that migrate a new database at the same time all succeed and share one secret', async () => {
      const fresh = await server.createDatabase();
      const starting = [0, 1, 2].map(() => new PostgresStorage({ connectionString: fresh, poolSize: 2 }));
      try {
        await Promise.all(starting.map((s) => s.migrate()));
        const secrets = await Promise.all(starting.map((s) => s.installationSecret()));
        assert.equal(new Set(secrets).size, 1);
        const client = new pg.Client({ connectionString: fresh });
        await client.connect();
        try {
          const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
          assert.deepEqual(rows.map((r) => r.version), POSTGRES_MIGRATIONS.map((_, k) => k + 1));
          const settings = await client.query("SELECT count(*)::int AS n FROM settings WHERE key = 'installation_secret'");
          assert.equal(settings.rows[0].n, 1);
        } finally {
          await client.end();
        }
      } finally {
        await Promise.all(starting.map((s) => s.close()));
      }
    });

    test('times come back as numbers, booleans as booleans, JSON as values', async () => {
      const a = instance();
      await a.migrate();
      const p = newId();
      const i = interaction(p, { timeEnd: 8_640_000_000_000, tags: { k: 'v' }, hideContent: true });
      await a.transaction((tx) => tx.insertInteractions([i]));
      const stored = await a.getInteraction(p, i.id);
      assert.equal(typeof stored?.timeEnd, 'number');
      assert.equal(stored?.timeEnd, 8_640_000_000_000);
      assert.equal(stored?.hideContent, true);
      assert.deepEqual(stored?.tags, { k: 'v' });
    });

    test('lockEndUser makes another instance wait for the end user, and then see what was committed', async () => {
      const [a, b] = [instance(), instance()];
      await a.migrate();
      const p = newId();
      const i = interaction(p, { outputHash: 'oh' });
      let releaseA!: () => void;
      const aMayCommit = new Promise<void>((resolve) => { releaseA = resolve; });
      let aLocked!: () => void;
      const aHasLock = new Promise<void>((resolve) => { aLocked = resolve; });
      const events: string[] = [];

      const txA = a.transaction(async (tx) => {
        await tx.lockEndUser(p, 'user-1');
        aLocked();
        await tx.insertInteractions([i]);
        await aMayCommit;
        events.push('a commits');
      });
      await aHasLock;
      const txB = b.transaction(async (tx) => {
        await tx.lockEndUser(p, 'user-1');
        events.push('b locked');
        return tx.findLinkCandidates({ projectId: p, endUser: 'user-1', timestamp: i.timeEnd, interactionRef: null, traceRef: null, spanRef: null, inputHash: null,
          outputHash: 'oh', from: 0, until: i.timeEnd, recentLimit: 0 });
      });
      // Another end user is not held up by A's lock.
      let found;
      try {
        await b.transaction((tx) => tx.lockEndUser(p, 'user-2'));
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.deepEqual(events, []);
      } finally {
        releaseA();
        await txA;
        found = await txB;
      }
      assert.deepEqual(events, ['a commits', 'b locked']);
      assert.equal(found.contentEndedBy?.id, i.id);
    });

    test('a write that fails unawaited fails its transaction with its own error, not with the aborted-transaction error after it', async () => {
      const a = instance();
      await a.migrate();
      const p = newId();
      await a.transaction((tx) => tx.insertFeedback([feedback(p, { eventId: 'evt-dup' })]));
      await assert.rejects(a.transaction(async (tx) => {
        void tx.insertFeedback([feedback(p, { eventId: 'evt-dup' })]);
        await tx.findLinkCandidates({ projectId: p, endUser: 'user-1', timestamp: T0, interactionRef: null, traceRef: null, spanRef: null, inputHash: null,
          outputHash: 'oh', from: 0, until: T0, recentLimit: 0 });
      }), (error: { code?: string }) => error.code === '23505');
      // Unawaited and nothing read after it: the commit reports it.
      await assert.rejects(a.transaction(async (tx) => { void tx.insertFeedback([feedback(p, { eventId: 'evt-dup' })]); }),
        (error: { code?: string }) => error.code === '23505');
    });

    test('two transactions locking in opposite orders: one fails with deadlock_detected (what the executor retries), the other commits', async () => {
      const [a, b] = [instance(), instance()];
      await a.migrate();
      let bothHaveOne!: () => void;
      let first = 0;
      const ready = new Promise<void>((resolve) => { bothHaveOne = resolve; });
      const take = (s: PostgresStorage, one: string, other: string) => s.transaction(async (tx) => {
        await tx.lockEndUser('p', one);
        if (++first === 2) bothHaveOne();
        await ready;
        await tx.lockEndUser('p', other);
      });
      const results = await Promise.allSettled([take(a, 'x', 'y'), take(b, 'y', 'x')]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal((failed.reason as { code?: string }).code, '40P01');
    });

    test('the same event id checked by two instances at once is stored once', async () => {
      const [a, b] = [instance(), instance()];
      await a.migrate();
      const p = newId();
      const attempt = (s: PostgresStorage, row: ReturnType<typeof feedback>) => s.transaction(async (tx) => {
        const existing = await tx.findFeedbackByEventId(p, 'evt-race');
        if (existing) return existing;
        await new Promise((resolve) => setTimeout(resolve, 50)); // widen the window between check and insert
        await tx.insertFeedback([row]);
        return row;
      });
      const [fromA, fromB] = await Promise.all([
        attempt(a, feedback(p, { eventId: 'evt-race', endUser: 'user-1' })),
        attempt(b, feedback(p, { eventId: 'evt-race', endUser: 'user-2' })),
      ]);
      assert.equal(fromA.id, fromB.id);
      assert.deepEqual(await a.getFeedback(p, fromA.id), fromA);
    });

    describe('through the write path (Ingestion, group commit) on two instances', () => {
      const policy = { clockSkewMs: 120_000, lookbackMs: 86_400_000, conversationGapMs: 1_800_000 };
      const anonymizer: Anonymizer = { anonymize: async (texts) => texts.map((text) => ({ text, counts: {} })), close: async () => undefined };
      let a: Ingestion;
      let b: Ingestion;
      let storageA: PostgresStorage;
      before(async () => {
        storageA = instance();
        const storageB = instance();
        await storageA.migrate();
        await storageB.migrate();
        const hash = createContentHasher(await storageA.installationSecret());
        a = new Ingestion(new WriteQueue(new InProcessExecutor(storageA, policy)), anonymizer, hash);
        b = new Ingestion(new WriteQueue(new InProcessExecutor(storageB, policy)), anonymizer, createContentHasher(await storageB.installationSecret()));
      });
      const project = newId();
      const turn = (endUser: string, output: string, timeEnd: number): InteractionCommand => ({
        clientId: null, conversationId: null, endUser, input: `question of ${endUser}`, output, messages: null, history: null,
        systemPrompt: null, model: null, ragSources: null, tags: {}, featureFlags: [], traces: null, timeStart: timeEnd - 1000, timeEnd,
        hideContent: false, anonymize: false, feedbackActions: [], source: 'v2/interactions', traceId: null, spanId: null,
      });
      const vote = (endUser: string, output: string | null, timestamp: number, eventId: string | null = null): FeedbackCommand => ({
        slug: 'thumbs_up', text: null, value: null, endUser, timestamp, input: null, output, anonymize: false, eventId,
        conversationId: null, interactionRef: null, traceRef: null, spanRef: null,
      });

      test('feedback on one instance links to an interaction stored by the other', async () => {
        const [stored] = await a.recordInteractions(project, [turn('alice', 'answer for alice', T0)]);
        const linked = await b.recordFeedback(project, vote('alice', 'answer for alice', T0 + 1000));
        assert.equal(linked.status, 'linked');
        assert.equal(linked.interactionId, stored!.id);
        assert.equal(linked.link, 'output');
      });

      test('pending feedback on one instance is linked when the interaction reaches the other', async () => {
        const pending = await a.recordFeedback(project, vote('bob', 'answer for bob', T0 + 1000));
        assert.equal(pending.status, 'pending');
        const [stored] = await b.recordInteractions(project, [turn('bob', 'answer for bob', T0)]);
        const now = await storageA.getFeedback(project, pending.id);
        assert.equal(now?.status, 'linked');
        assert.equal(now?.interactionId, stored!.id);
      });

      test('feedback and its interaction arriving at the same moment on different instances always end up linked', async () => {
        const users = Array.from({ length: 40 }, (_, k) => `racer-${k}`);
        const results = await Promise.all(users.map(async (user, k) => {
          const output = `answer ${k}`;
          const [feedbackTo, interactionTo] = k % 2 === 0 ? [a, b] : [b, a];
          const [fb, [stored]] = await Promise.all([
            feedbackTo.recordFeedback(project, vote(user, output, T0 + 5000)),
            interactionTo.recordInteractions(project, [turn(user, output, T0)]),
          ]);
          return { fb, stored: stored! };
        }));
        for (const { fb, stored } of results) {
          const now = await storageA.getFeedback(project, fb.id);
          assert.equal(now?.status, 'linked', `feedback of ${fb.endUser} left ${now?.status}`);
          assert.equal(now?.interactionId, stored.id);
        }
      });

      test('a retried event id sent to both instances at once stores one row and answers it to both', async () => {
        for (let round = 0; round < 10; round++) {
          const eventId = `retry-${round}`;
          const [fromA, fromB] = await Promise.all([
            a.recordFeedback(project, vote('carol', null, T0, eventId)),
            b.recordFeedback(project, vote('carol', null, T0, eventId)),
          ]);
          assert.equal(fromA.id, fromB.id, `round ${round}`);
          const rows = await storageA.transaction((tx) => tx.findFeedbackByEventId(project, eventId));
          assert.equal(rows?.id, fromA.id);
        }
      });
    });
  });
}
