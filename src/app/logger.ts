// The server's one logger (pino), made once at start-up and handed to everything that logs, so
// every line is in one format: JSON lines (the default when stdout is not a terminal: systemd,
// containers, log shippers) or the same records as readable lines (pino-pretty) on a terminal
// (FEEDLOOP_LOG_FORMAT). The start-up banner is part of the log (see src/cli/serve.ts).
//
// Redaction: whatever a log call is given, these paths print as "[redacted]": credentials in
// headers (Authorization, Cookie, Set-Cookie, API-key headers), fields named like secrets (key,
// token, password, secret, authorization, cookie) at the top or one level down, and bodies
// (body, payload). Fastify's request serializer logs method, URL and addresses, never headers or
// bodies; errors are logged with their message and stack, not with the request that caused them.
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie', 'headers["set-cookie"]',
  'key', '*.key', 'token', '*.token', 'password', '*.password', 'secret', '*.secret', 'apiKey', '*.apiKey',
  'authorization', '*.authorization', 'cookie', '*.cookie', 'body', '*.body', 'payload', '*.payload',
];

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  /** Where lines go (tests); stdout by default. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  if (options.format === 'pretty') {
    // Synchronous, like pino's own stdout destination: nothing is lost when the process exits.
    return pino(settings, pretty({
      sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname',
      ...(options.destination ? { destination: options.destination as NodeJS.WritableStream } : {}),
    }));
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
