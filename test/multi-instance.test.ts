// Two `feedloop serve` processes behind one PostgreSQL database, as behind a load balancer: each
// links feedback to interactions the other received, and a retry sent to both stores one feedback.
// End to end over real ports: the compiled CLI (bin/feedloop.js), a real PostgreSQL server.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { postgresUnavailable, startPostgres, type PostgresServer } from './support/postgres.js';

const BIN = fileURLToPath(new URL('../../bin/feedloop.js', import.meta.url));
const KEY = 'fl_sk_multi_instance_test_key_0123456789abcdef';

interface Instance { url: string; process: ChildProcess; output: () => string }

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `feedloop serve` and resolves once it prints its address and answers /healthz. */
async function serve(databaseUrl: string): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, FEEDLOOP_API_KEY: KEY, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!output.includes(url)) {
    if (child.exitCode !== null) throw new Error(`feedloop serve exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`feedloop serve did not start within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  return { url, process: child, output: () => output };
}

async function stop(instance: Instance): Promise<void> {
  if (instance.process.exitCode !== null || instance.process.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.process.once('exit', resolve));
  instance.process.kill('SIGTERM');
  const timer = setTimeout(() => instance.process.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function post(instance: Instance, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${instance.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `POST ${path} on ${instance.url}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function getFeedback(instance: Instance, id: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${instance.url}/api/v1/feedback/${id}`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, unknown>;
}

const at = (ms: number) => new Date(ms).toISOString();
const BASE = Date.parse('2024-05-01T12:00:00.000Z');

function interactionBody(endUser: string, input: string, output: string, timeEnd: number) {
  return {
    interaction: {
      input, output, time_start: at(timeEnd - 2000), time_end: at(timeEnd), end_user: endUser,
      messages: [{ role: 'user', content: input }],
    },
  };
}

function feedbackBody(endUser: string, input: string, output: string, timestamp: number, eventId?: string) {
  return {
    feedback: { slug: 'thumbs_up', text: 'helpful' },
    metadata: { end_user: endUser, timestamp: at(timestamp), input, output, ...(eventId ? { event_id: eventId } : {}) },
  };
}

const INTERACTIONS = '/event-ingestion/api/v2/events/interactions';
const FEEDBACK = '/event-ingestion/api/v1/events/feedback';

const unavailable = postgresUnavailable();

describe('two server instances sharing one PostgreSQL database', { skip: unavailable ?? false }, () => {
  let server: PostgresServer | undefined;
  const instances: Instance[] = [];
  let a: Instance;
  let b: Instance;

  before(async () => {
    server = await startPostgres();
    const databaseUrl = await server.createDatabase();
    // Both at once: migrations and the FEEDLOOP_API_KEY project must survive a simultaneous start.
    [a, b] = await Promise.all([serve(databaseUrl), serve(databaseUrl)]);
    instances.push(a, b);
  });

  after(async () => {
    await Promise.all(instances.map(stop));
    await server?.stop();
  });

  test('feedback sent to one instance links to the interaction another instance stored', async () => {
    const stored = await post(a, INTERACTIONS, interactionBody('dana', 'How do I reset my password?', 'Open Settings, then Security.', BASE));
    const linked = await post(b, FEEDBACK, feedbackBody('dana', 'How do I reset my password?', 'Open Settings, then Security.', BASE + 5000));
    assert.equal(linked['status'], 'linked');
    assert.equal(linked['interaction_id'], stored['id']);
    assert.equal(linked['link'], 'exact');
  });

  test('pending feedback on one instance is linked when its interaction reaches the other', async () => {
    const pending = await post(a, FEEDBACK, feedbackBody('erin', 'Is it raining in Oslo?', 'Light rain until noon.', BASE + 5000));
    assert.equal(pending['status'], 'pending');
    const stored = await post(b, INTERACTIONS, interactionBody('erin', 'Is it raining in Oslo?', 'Light rain until noon.', BASE));
    const now = await getFeedback(a, pending['id'] as string);
    assert.equal(now['status'], 'linked');
    assert.equal(now['interaction_id'], stored['id']);
  });

  test('interactions and their feedback sent at once to different instances all end up linked', async () => {
    const pairs = await Promise.all(Array.from({ length: 20 }, async (_, k) => {
      const user = `racer-${k}`;
      const [toFeedback, toInteraction] = k % 2 === 0 ? [a, b] : [b, a];
      const [vote, stored] = await Promise.all([
        post(toFeedback, FEEDBACK, feedbackBody(user, `question ${k}`, `answer ${k}`, BASE + 5000)),
        post(toInteraction, INTERACTIONS, interactionBody(user, `question ${k}`, `answer ${k}`, BASE)),
      ]);
      return { vote, stored };
    }));
    for (const { vote, stored } of pairs) {
      const now = await getFeedback(a, vote['id'] as string);
      assert.equal(now['status'], 'linked', `feedback ${vote['id']} is ${now['status']}`);
      assert.equal(now['interaction_id'], stored['id']);
    }
  });

  test('the same event id sent to both instances at once is stored once and answered to both', async () => {
    for (let round = 0; round < 5; round++) {
      const body = feedbackBody('frank', 'any question', 'any answer', BASE, `retry-${round}`);
      const [fromA, fromB] = await Promise.all([post(a, FEEDBACK, body), post(b, FEEDBACK, body)]);
      assert.equal(fromA['id'], fromB['id'], `round ${round}`);
      assert.equal((await getFeedback(b, fromA['id'] as string))['event_id'], `retry-${round}`);
    }
  });
});
