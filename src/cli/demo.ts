// `feedloop demo`: loads a month of realistic synthetic data (cli/demo-data.ts) into the current
// data directory or DATABASE_URL, through the same ingestion path as the HTTP endpoints (wire
// bodies validated and normalised, PII removed, linked, stored, rolled up), then says how to open
// the dashboard. Deterministic for a seed; loading it again stores nothing twice (client-chosen
// interaction ids and feedback event ids make every write an idempotent retry).
import { DEFAULT_PROJECT } from '../app/keys.js';
import { orphanPending } from '../app/orphaning.js';
import type { Config } from '../config.js';
import { checkFeedbackBody, checkInteractionBody, toFeedbackCommand, toInteractionCommand } from '../core/wire/normalize.js';
import type { FeedbackBody } from '../core/wire/schemas.js';
import { createServer, type Server } from '../server.js';
import { sqliteFile } from '../storage/open.js';
import { DEMO_FLAGS, DEMO_MODELS, generateDemo } from './demo-data.js';

/** The default seed: its month shows the A/B difference about as large as it was made (7 points). */
export const DEFAULT_SEED = 4;

export interface DemoOptions { json?: boolean; seed?: string; interactions?: string }

export interface DemoSummary {
  project: string;
  interactions: number;
  feedback: number;
  pending: number;
  orphaned: number;
  already_loaded: boolean;
  key: string | null;
  url: string;
}

/** Writes in slices, each slice's requests at once: they share group commits as concurrent clients would. */
async function inSlices<T>(items: T[], size: number, write: (item: T) => Promise<unknown>): Promise<void> {
  for (let k = 0; k < items.length; k += size) await Promise.all(items.slice(k, k + size).map(write));
}

export async function loadDemo(server: Server, config: Pick<Config, 'apiKey' | 'timeWindow'>, options: { seed: number; interactions: number; now?: number }): Promise<DemoSummary> {
  const project = await server.keys.projectNamed(DEFAULT_PROJECT);
  const data = generateDemo({ seed: options.seed, interactions: options.interactions, now: options.now ?? Math.ceil(Date.now() / 60_000) * 60_000 });
  const firstId = data.interactions[0]?.interaction.id ?? '';
  const already = (await server.storage.getInteraction(project.id, firstId ?? '')) !== null;

  if (!already) {
    // The same checks as over HTTP, the configured timestamp window included.
    const window = { ...config.timeWindow, now: Date.now() };
    for (const body of data.interactions) {
      const errors = checkInteractionBody(body, { inputRequired: false, window });
      if (errors.length > 0) throw new Error(`demo interaction ${body.interaction.id} is not valid: ${JSON.stringify(errors)}`);
    }
    const feedbackCommand = (body: FeedbackBody) => {
      const errors = checkFeedbackBody(body, window);
      if (errors.length > 0) throw new Error(`demo feedback ${body.metadata.event_id} is not valid: ${JSON.stringify(errors)}`);
      return toFeedbackCommand(body);
    };
    await inSlices(data.interactions, 100, (body) => server.ingestion.recordInteractions(project.id, [toInteractionCommand(body, 'v2/interactions')]));
    // Feedback in time order, so the time rule sees what a live system would have seen.
    await inSlices(data.feedback, 100, (body) => server.ingestion.recordFeedback(project.id, feedbackCommand(body)));
    // Orphaned means pending for longer than the TTL: this feedback is aged at once by running the
    // sweep that the server runs periodically, before anything else can be pending.
    await inSlices(data.orphaned, 100, (body) => server.ingestion.recordFeedback(project.id, feedbackCommand(body)));
    await orphanPending(server.storage, Date.now() + 1);
    await inSlices(data.pending, 100, (body) => server.ingestion.recordFeedback(project.id, feedbackCommand(body)));
  }

  let key: string | null = null;
  if (config.apiKey !== null) await server.keys.ensure(config.apiKey);
  else key = (await server.keys.create(DEFAULT_PROJECT, { name: 'demo' })).key;
  return {
    project: DEFAULT_PROJECT, interactions: data.interactions.length, feedback: data.feedback.length + data.pending.length + data.orphaned.length,
    pending: data.pending.length, orphaned: data.orphaned.length, already_loaded: already, key, url: '',
  };
}

export async function runDemo(config: Config, options: DemoOptions): Promise<number> {
  const seed = options.seed === undefined ? DEFAULT_SEED : Number(options.seed);
  const interactions = options.interactions === undefined ? 3000 : Number(options.interactions);
  if (!Number.isInteger(seed) || seed < 0) {
    console.error('feedloop: --seed must be a non-negative integer');
    return 2;
  }
  if (!Number.isInteger(interactions) || interactions < 10 || interactions > 1_000_000) {
    console.error('feedloop: --interactions must be an integer from 10 to 1000000');
    return 2;
  }
  const started = Date.now();
  const server = await createServer(config);
  let summary: DemoSummary;
  try {
    summary = await loadDemo(server, config, { seed, interactions });
  } finally {
    await server.close();
  }
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  summary.url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/`;
  if (options.json) {
    console.log(JSON.stringify(summary));
    return 0;
  }
  const where = config.databaseUrl === null ? sqliteFile(config.dataDir) : 'PostgreSQL (DATABASE_URL)';
  console.log([
    summary.already_loaded
      ? `The demo (seed ${seed}) was already loaded into ${where}; nothing was stored twice.`
      : `Loaded the demo into ${where} in ${((Date.now() - started) / 1000).toFixed(1)} s, project "${summary.project}":`,
    `  ${summary.interactions} interactions over the 30 days before now, ${summary.feedback} feedback (${summary.pending} pending, ${summary.orphaned} orphaned)`,
    `  models ${DEMO_MODELS.map((m) => m.name).join(', ')}; feature flags ${DEMO_FLAGS.a} and ${DEMO_FLAGS.b} (an A/B test: ${DEMO_FLAGS.b} does better)`,
    '',
    'Open the dashboard:',
    '  npm start            (or: npx feedloop serve)',
    `  then ${summary.url}`,
    summary.key !== null
      ? `  and sign in with this secret key of project "default" (shown once, keep it):\n  ${summary.key}`
      : '  and sign in with FEEDLOOP_API_KEY (or FEEDLOOP_ADMIN_PASSWORD when set).',
    '',
    `Try: Compare → feature flag, A = ${DEMO_FLAGS.a}, B = ${DEMO_FLAGS.b}; Explorer → "Thumbs down with comments".`,
  ].join('\n'));
  return 0;
}
