// The reference the write-path issue (#5) gives for scale: "a bare prototype (Fastify, one indexed
// link lookup and one insert per request, group commit, synchronous=FULL)". It runs on a seeded
// data directory with feedloop stopped: each feedback is linked to the end user's latest
// interaction ended by its timestamp (one lookup on an index of the interactions table) and
// inserted into a table of its own with one index; the rows of one event-loop turn are committed
// in one transaction with synchronous=FULL, and their requests answered after it. No auth, no
// validation beyond JSON parsing, no hashing, no idempotency: what is left of a feedback request
// when everything feedloop adds is taken away, measured in the same run as feedloop.
// Run: PORT=... HOST=127.0.0.1 FEEDLOOP_DATA_DIR=... node dist/bench/prototype-server.js
import Database from 'better-sqlite3';
import Fastify, { LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import { sqliteFile } from '../src/storage/open.js';

const port = Number(process.env['PORT'] ?? 0);
const host = process.env['HOST'] ?? '127.0.0.1';
const dataDir = process.env['FEEDLOOP_DATA_DIR'];
if (!dataDir) throw new Error('FEEDLOOP_DATA_DIR must name a seeded data directory');

const db = new Database(sqliteFile(dataDir));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS prototype_feedback (id TEXT PRIMARY KEY, end_user TEXT NOT NULL, slug TEXT NOT NULL,
  value INTEGER, text TEXT, timestamp INTEGER NOT NULL, interaction_id TEXT);
  CREATE INDEX IF NOT EXISTS prototype_feedback_interaction ON prototype_feedback(interaction_id, timestamp);`);
const projectId = (db.prepare("SELECT id FROM projects WHERE name = 'default'").get() as { id: string }).id;
const lookup = db.prepare(`SELECT id FROM interactions WHERE project_id = ? AND end_user = ? AND time_end <= ?
  ORDER BY time_end DESC LIMIT 1`);
const insert = db.prepare('INSERT INTO prototype_feedback VALUES (?, ?, ?, ?, ?, ?, ?)');

interface Body { feedback: { slug: string; value?: number; text?: string }; metadata: { end_user: string; timestamp: string } }
interface Answer { id: string; status: string; interaction_id: string | null; link: string | null; flags: string[] }
let turn: { body: Body; answer: (a: Answer) => void }[] = [];

const commitTurn = db.transaction((rows: typeof turn) => rows.map(({ body }) => {
  const timestamp = Date.parse(body.metadata.timestamp);
  const match = lookup.get(projectId, body.metadata.end_user, timestamp) as { id: string } | undefined;
  const id = randomUUID();
  insert.run(id, body.metadata.end_user, body.feedback.slug, body.feedback.value ?? null, body.feedback.text ?? null, timestamp, match?.id ?? null);
  return { id, status: match ? 'linked' : 'pending', interaction_id: match?.id ?? null, link: match ? 'time' : null, flags: [] };
}));

function flush(): void {
  const rows = turn;
  turn = [];
  const answers = commitTurn(rows);
  rows.forEach((row, k) => row.answer(answers[k]!));
}

const app = Fastify({ logger: { level: 'warn' }, logController: new LogController({ disableRequestLogging: true }) });
app.removeContentTypeParser('text/plain');
const nullableString = { type: ['string', 'null'] };
const feedbackResponse = {
  type: 'object',
  properties: { id: { type: 'string' }, status: { type: 'string' }, interaction_id: nullableString, link: nullableString, flags: { type: 'array', items: { type: 'string' } } },
};
app.post('/event-ingestion/api/v1/events/feedback', { schema: { response: { 200: feedbackResponse } } }, (request) => new Promise<Answer>((answer) => {
  if (turn.length === 0) setImmediate(flush);
  turn.push({ body: request.body as Body, answer });
}));
app.get('/healthz', async () => ({ status: 'ok' }));

const address = await app.listen({ port, host });
console.log(`listening ${address}`);
const stop = () => { void app.close().then(() => { db.close(); process.exit(0); }); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
