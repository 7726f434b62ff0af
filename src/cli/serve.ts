// `feedloop serve`: start the server, log where to go (the dashboard among it), the configuration
// and (on first start) the generated API key; stop cleanly on SIGINT/SIGTERM.
//
// Everything goes through the one logger (src/app/logger.ts), so stdout holds one format: the
// start-up banner is the first records of the log ("feedloop listening on URL" with the
// addresses, the first-start key if one was made, then "configuration"), JSON lines for
// machines, readable lines on a terminal; written at any LOG_LEVEL, even silent.
import { DEFAULT_PROJECT } from '../app/keys.js';
import { createLogger } from '../app/logger.js';
import { describeConfig, type Config } from '../config.js';
import { createServer } from '../server.js';
import { sqliteFile } from '../storage/open.js';

export async function runServe(config: Config): Promise<number> {
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // A programming error somewhere must not leave a half-working server: log it, then exit (a
  // supervisor restarts it; every acknowledged write is already durable).
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });

  const server = await createServer(config, { logger });
  let firstStartKey: string | null = null;
  if (config.apiKey !== null) {
    if (await server.keys.ensure(config.apiKey)) logger.info('created the default project\'s key from FEEDLOOP_API_KEY');
  } else if ((await server.keys.list(null)).length === 0) {
    firstStartKey = (await server.keys.create(DEFAULT_PROJECT, { name: 'first start' })).key;
  }

  const address = await server.app.listen({ port: config.port, host: config.host, listenTextResolver: (at) => `accepting connections on ${at}` });
  // The banner is written whatever LOG_LEVEL says (it filters what comes after): a person or a
  // script starting the server always learns where it listens.
  const banner = logger.child({}, { level: 'info' });
  const url = address.replace('[::1]', 'localhost');
  const storage = config.databaseUrl === null ? `SQLite ${sqliteFile(config.dataDir)}` : 'PostgreSQL (DATABASE_URL)';
  const dashboard = `${url}/ (sign in with a secret key${config.adminPassword === null ? '' : ' or FEEDLOOP_ADMIN_PASSWORD'})`;
  banner.info({ url, dashboard, nebuly_endpoint_url: `${url}/event-ingestion`, health: `${url}/healthz`, metrics: `${url}/metrics`, storage },
    `feedloop listening on ${url}`);
  if (firstStartKey !== null) {
    // Shown once, deliberately, in the log of the first start: there is no other place to show it.
    banner.warn({ project: DEFAULT_PROJECT, first_start_api_key: firstStartKey },
      `First start: created a secret API key for project "${DEFAULT_PROJECT}" (shown once, keep it): ${firstStartKey}`);
  }
  banner.info({ configuration: Object.fromEntries(describeConfig(config).map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)];
  })) }, 'configuration');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, `${signal} received, finishing requests in flight`);
      server.close().then(() => {
        logger.info('stopped: every acknowledged write is committed');
        resolve();
      }, (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
