// `feedloop serve`: start the server, print where to go (the dashboard among it), the configuration and (on first start)
// the generated API key; stop cleanly on SIGINT/SIGTERM.
import { DEFAULT_PROJECT } from '../app/keys.js';
import { describeConfig, type Config } from '../config.js';
import { createServer } from '../server.js';
import { sqliteFile } from '../storage/open.js';

export async function runServe(config: Config): Promise<number> {
  const server = await createServer(config);
  const notes: string[] = [];
  if (config.apiKey !== null) {
    if (await server.keys.ensure(config.apiKey)) notes.push(`Created the default project's key from FEEDLOOP_API_KEY.`);
  } else if ((await server.keys.list(null)).length === 0) {
    const { key } = await server.keys.create(DEFAULT_PROJECT, { name: 'first start' });
    notes.push(`First start: created a secret API key for project "${DEFAULT_PROJECT}" (shown once, keep it):`, `  ${key}`);
  }

  const address = await server.app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', 'localhost');
  const storage = config.databaseUrl === null ? `SQLite ${sqliteFile(config.dataDir)}` : 'PostgreSQL (DATABASE_URL)';
  console.log([
    `feedloop listening on ${url}`,
    `  Dashboard: ${url}/ (sign in with a secret key${config.adminPassword === null ? '' : ' or FEEDLOOP_ADMIN_PASSWORD'})`,
    `  Nebuly clients: NEBULY_ENDPOINT_URL=${url}/event-ingestion`,
    `  Health: ${url}/healthz`,
    `  Storage: ${storage}`,
    ...notes,
    'Configuration:',
    ...describeConfig(config).map((line) => `  ${line}`),
  ].join('\n'));

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`feedloop: ${signal} received, finishing requests in flight`);
      server.close().then(resolve, (error: unknown) => {
        console.error('feedloop: error while stopping', error);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
