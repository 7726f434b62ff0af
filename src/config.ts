// Configuration: parsed and validated once at start-up from the environment, then passed in.
// Nothing else in the code reads process.env.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { PiiConfigError, validatePiiConfig, type PiiConfigFile } from './core/pii/policy.js';
import { parseDuration, parseTimestamp } from './core/time.js';
import type { JsonLimits } from './core/wire/json-scan.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://... selects PostgreSQL; null keeps the embedded SQLite file under dataDir. */
  databaseUrl: string | null;
  /** Connections in the PostgreSQL pool of this instance. */
  databasePoolSize: number;
  /** Named (prepared) PostgreSQL statements; off behind a pooler that cannot keep them (PgBouncer < 1.21 in transaction mode). */
  databasePreparedStatements: boolean;
  /** Ensures a default project with this secret key (scripts, tests, deployments). */
  apiKey: string | null;
  clockSkewMs: number;
  lookbackMs: number;
  pendingTtlMs: number;
  conversationGapMs: number;
  bodyLimitBytes: number;
  /** Requests per minute per API key; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** Worker threads for PII removal (0: on the event loop). */
  piiThreads: number;
  /** Per-project PII policies (FEEDLOOP_PII_CONFIG), validated; null: the default policy everywhere. */
  piiConfig: PiiConfigFile | null;
  /** Bounds of PII work, in characters: admitted in all, per client (API key), per request. */
  piiQueueLimitChars: number;
  piiClientBudgetChars: number;
  piiRequestLimitChars: number;
  logLevel: string;
  // Hardening (docs/hardening.md): limits, timeouts, rate limits, proxies, metrics, logs.
  /** Body limits by route class: `small` (feedback, tags, keys), `default`, `large` (conversations, batches). */
  bodyLimits: { small: number; default: number; large: number };
  /** Limits on the JSON values inside every body. */
  jsonLimits: JsonLimits;
  /** Timestamps in bodies must lie from `earliest` to `maxFutureMs` after the time of the request. */
  timeWindow: { earliest: number; maxFutureMs: number };
  /** Time to receive a request's headers, and the whole request (408 beyond). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** SIGTERM: time for requests in flight before the remaining connections are closed. */
  shutdownTimeoutMs: number;
  /** WAL pages (4 KiB) between SQLite checkpoints; the default suits production, crash tests lower it. */
  checkpointPages: number;
  /** How long a write waits for a lock another process holds (SQLite's write lock, a PostgreSQL row or table lock) before a 503. */
  storageWaitMs: number;
  /** Requests per minute with one publishable key per end user, and per client address; 0: no limit. */
  rateLimitPerEndUser: number;
  rateLimitPerIp: number;
  /** Fastify's trustProxy: false, true, a number of hops, or addresses / CIDR ranges. */
  trustProxy: boolean | number | string;
  /** Bearer token for GET /metrics; null: loopback clients only. */
  metricsToken: string | null;
  /** How log lines are printed: JSON lines, or readable lines (pretty) for a terminal. */
  logFormat: 'json' | 'pretty';
  /** OTLP spans being written at once; exports beyond get 503 with Retry-After. */
  otlpMaxSpansInFlight: number;
  /** Interactions and feedback older than this are deleted in the background; null keeps everything. */
  retentionMs: number | null;
  /** Signs in to the dashboard without a key (docs/dashboard.md); null: key sign-in only. */
  adminPassword: string | null;
  /** How long a dashboard session lasts from sign-in. */
  sessionTtlMs: number;
}

/** Each setting: variable, default, meaning (printed at start-up and listed in the README). */
export const SETTINGS = [
  ['PORT', '8787', 'HTTP port'],
  ['HOST', '127.0.0.1', 'interface to listen on (0.0.0.0 for all)'],
  ['FEEDLOOP_DATA_DIR', './data', 'directory of the embedded SQLite database'],
  ['DATABASE_URL', '', 'postgres://user:pass@host/db selects PostgreSQL instead of SQLite'],
  ['FEEDLOOP_DB_POOL', '10', 'PostgreSQL connections per instance'],
  ['FEEDLOOP_DB_PREPARED', 'true', 'prepared PostgreSQL statements (false behind PgBouncer < 1.21 in transaction mode)'],
  ['FEEDLOOP_API_KEY', '', 'ensures a default project with this secret key'],
  ['FEEDLOOP_CLOCK_SKEW', '120s', 'tolerance for front-end clocks when linking by time'],
  ['FEEDLOOP_LOOKBACK', '24h', 'how far back the time rule looks for the interaction'],
  ['FEEDLOOP_PENDING_TTL', '7d', 'pending feedback older than this becomes orphaned'],
  ['FEEDLOOP_CONVERSATION_GAP', '30m', 'inactivity that starts a new conversation'],
  ['FEEDLOOP_BODY_LIMIT', '1048576', 'largest request body, in bytes'],
  ['FEEDLOOP_RATE_LIMIT', '0', 'requests per minute per API key (429 beyond); 0: no limit'],
  ['FEEDLOOP_PII_THREADS', 'auto', 'worker threads that remove PII off the event loop (auto: cores - 1, at least 1; 0: on the event loop)'],
  ['FEEDLOOP_PII_CONFIG', '', 'JSON file of per-project PII policies: types, custom patterns, allowlist, phone region (docs/pii.md)'],
  ['FEEDLOOP_PII_QUEUE_LIMIT', '33554432', 'characters of PII work admitted at once, all clients (503 pii_overloaded beyond)'],
  ['FEEDLOOP_PII_CLIENT_BUDGET', '8388608', 'characters of PII work admitted at once per API key (503 pii_overloaded beyond)'],
  ['FEEDLOOP_PII_REQUEST_LIMIT', '4194304', 'characters to anonymize in one request (413 pii_budget_exceeded beyond)'],
  ['LOG_LEVEL', 'info', 'fatal, error, warn, info, debug or silent'],
  ['FEEDLOOP_BODY_LIMIT_SMALL', '65536', 'largest body of feedback, tags and key requests, in bytes'],
  ['FEEDLOOP_BODY_LIMIT_LARGE', '8388608', 'largest body of conversations and batches, in bytes'],
  ['FEEDLOOP_MAX_DEPTH', '64', 'deepest nesting of arrays and objects in a body'],
  ['FEEDLOOP_MAX_STRING', '524288', 'longest string value in a body, in characters'],
  ['FEEDLOOP_MAX_KEY', '1024', 'longest object key in a body, in characters'],
  ['FEEDLOOP_MAX_ITEMS', '10000', 'most elements of an array or members of an object in a body'],
  ['FEEDLOOP_EARLIEST_TIME', '1970-01-01T00:00:00Z', 'timestamps before this are rejected'],
  ['FEEDLOOP_MAX_FUTURE', '1d', 'timestamps further than this after the request are rejected'],
  ['FEEDLOOP_HEADERS_TIMEOUT', '10s', "time to receive a request's headers (408 beyond)"],
  ['FEEDLOOP_REQUEST_TIMEOUT', '30s', 'time to receive a whole request, headers and body (408 beyond)'],
  ['FEEDLOOP_SHUTDOWN_TIMEOUT', '10s', 'on SIGTERM, time for requests in flight before connections are closed'],
  ['FEEDLOOP_CHECKPOINT_PAGES', '16000', 'SQLite WAL pages (4 KiB each) between checkpoints'],
  ['FEEDLOOP_STORAGE_WAIT', '5s', 'how long a write waits for a lock held by another process before answering 503'],
  ['FEEDLOOP_RATE_LIMIT_END_USER', '120', 'requests per minute with one publishable key for one end user (0: no limit)'],
  ['FEEDLOOP_RATE_LIMIT_IP', '600', 'requests per minute with publishable keys from one client address (0: no limit)'],
  ['FEEDLOOP_TRUST_PROXY', '', 'proxies whose X-Forwarded-For/-Proto are believed: true, a hop count, or addresses/CIDRs'],
  ['FEEDLOOP_METRICS_TOKEN', '', 'bearer token for GET /metrics (not set: loopback clients only)'],
  ['FEEDLOOP_LOG_FORMAT', 'auto', 'json, pretty, or auto (pretty on a terminal, JSON otherwise)'],
  ['FEEDLOOP_OTLP_MAX_SPANS', '100000', 'OTLP spans being written at once (503 with Retry-After beyond)'],
  ['FEEDLOOP_RETENTION', 'off', 'delete interactions and feedback older than this, e.g. 400d (off: keep everything)'],
  ['FEEDLOOP_ADMIN_PASSWORD', '', 'lets the dashboard sign in with this password instead of a key'],
  ['FEEDLOOP_SESSION_TTL', '12h', 'how long a dashboard session lasts'],
] as const;

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function value(env: Env, name: (typeof SETTINGS)[number][0]): string {
  const fallback = SETTINGS.find((s) => s[0] === name)![1];
  const v = env[name];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
}

function duration(env: Env, name: (typeof SETTINGS)[number][0]): number {
  const ms = parseDuration(value(env, name));
  if (ms === null) throw new ConfigError(`${name} must be a duration such as 90s, 30m, 24h or 7d (got "${env[name]}")`);
  return ms;
}

function integer(env: Env, name: (typeof SETTINGS)[number][0], min: number, max: number): number {
  const text = value(env, name);
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${text}")`);
  return n;
}

function boolean(env: Env, name: (typeof SETTINGS)[number][0]): boolean {
  const text = value(env, name).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${name} must be true or false (got "${env[name]}")`);
}

function retention(env: Env): number | null {
  const text = value(env, 'FEEDLOOP_RETENTION');
  if (text === 'off') return null;
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) throw new ConfigError(`FEEDLOOP_RETENTION must be off or a duration such as 400d or 72h (got "${env['FEEDLOOP_RETENTION']}")`);
  return ms;
}

/** Reads and validates the PII policy file; every problem is a ConfigError naming the file and entry. */
function piiConfigFile(path: string): PiiConfigFile | null {
  if (path === '') return null;
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new ConfigError(`FEEDLOOP_PII_CONFIG: cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`FEEDLOOP_PII_CONFIG: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return validatePiiConfig(json);
  } catch (error) {
    if (error instanceof PiiConfigError) throw new ConfigError(`FEEDLOOP_PII_CONFIG (${path}): ${error.message}`);
    throw error;
  }
}

/** PII worker threads by default: the cores but one (the event loop's), at least one. */
function defaultPiiThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

function instant(env: Env, name: (typeof SETTINGS)[number][0]): number {
  const ms = parseTimestamp(value(env, name));
  if (ms === null) throw new ConfigError(`${name} must be an ISO 8601 date-time such as 1970-01-01T00:00:00Z (got "${env[name]}")`);
  return ms;
}

/** FEEDLOOP_TRUST_PROXY: empty or false, true, a hop count, or a comma-separated list of addresses/CIDRs. */
function trustProxy(env: Env): boolean | number | string {
  const text = value(env, 'FEEDLOOP_TRUST_PROXY');
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((e) => e.trim());
  const valid = (e: string) => ['loopback', 'linklocal', 'uniquelocal'].includes(e) || /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(e);
  if (!entries.every(valid)) {
    throw new ConfigError(`FEEDLOOP_TRUST_PROXY must be true, a hop count, or addresses/CIDR ranges separated by commas (got "${text}")`);
  }
  return text;
}

/** Log lines readable by a person on a terminal, JSON lines otherwise (or as chosen). */
function logFormat(env: Env, isTerminal: boolean): 'json' | 'pretty' {
  const text = value(env, 'FEEDLOOP_LOG_FORMAT');
  if (text === 'json' || text === 'pretty') return text;
  if (text === 'auto') return isTerminal ? 'pretty' : 'json';
  throw new ConfigError(`FEEDLOOP_LOG_FORMAT must be json, pretty or auto (got "${text}")`);
}

export function loadConfig(env: Env = process.env, options: { isTerminal?: boolean } = {}): Config {
  const databaseUrl = value(env, 'DATABASE_URL') || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const apiKey = value(env, 'FEEDLOOP_API_KEY') || null;
  // Keys longer than this are refused without a lookup (src/app/keys.ts): such a key could never authenticate.
  if (apiKey !== null && apiKey.length > 256) throw new ConfigError('FEEDLOOP_API_KEY must be at most 256 characters');
  return {
    port: integer(env, 'PORT', 0, 65535),
    host: value(env, 'HOST'),
    dataDir: resolve(value(env, 'FEEDLOOP_DATA_DIR')),
    databaseUrl,
    databasePoolSize: integer(env, 'FEEDLOOP_DB_POOL', 1, 1000),
    databasePreparedStatements: boolean(env, 'FEEDLOOP_DB_PREPARED'),
    apiKey,
    clockSkewMs: duration(env, 'FEEDLOOP_CLOCK_SKEW'),
    lookbackMs: duration(env, 'FEEDLOOP_LOOKBACK'),
    pendingTtlMs: duration(env, 'FEEDLOOP_PENDING_TTL'),
    conversationGapMs: duration(env, 'FEEDLOOP_CONVERSATION_GAP'),
    bodyLimitBytes: integer(env, 'FEEDLOOP_BODY_LIMIT', 1024, 1024 ** 3),
    rateLimitPerMinute: integer(env, 'FEEDLOOP_RATE_LIMIT', 0, 100_000_000),
    piiThreads: value(env, 'FEEDLOOP_PII_THREADS') === 'auto' ? defaultPiiThreads() : integer(env, 'FEEDLOOP_PII_THREADS', 0, 64),
    piiConfig: piiConfigFile(value(env, 'FEEDLOOP_PII_CONFIG')),
    piiQueueLimitChars: integer(env, 'FEEDLOOP_PII_QUEUE_LIMIT', 1024, 2 ** 31),
    piiClientBudgetChars: integer(env, 'FEEDLOOP_PII_CLIENT_BUDGET', 1024, 2 ** 31),
    piiRequestLimitChars: integer(env, 'FEEDLOOP_PII_REQUEST_LIMIT', 1024, 2 ** 31),
    logLevel: value(env, 'LOG_LEVEL'),
    bodyLimits: {
      small: integer(env, 'FEEDLOOP_BODY_LIMIT_SMALL', 1024, 1024 ** 3),
      default: integer(env, 'FEEDLOOP_BODY_LIMIT', 1024, 1024 ** 3),
      large: integer(env, 'FEEDLOOP_BODY_LIMIT_LARGE', 1024, 1024 ** 3),
    },
    jsonLimits: {
      maxDepth: integer(env, 'FEEDLOOP_MAX_DEPTH', 4, 1000),
      maxStringLength: integer(env, 'FEEDLOOP_MAX_STRING', 64, 1024 ** 3),
      maxKeyLength: integer(env, 'FEEDLOOP_MAX_KEY', 16, 1024 ** 2),
      maxItems: integer(env, 'FEEDLOOP_MAX_ITEMS', 10, 100_000_000),
    },
    timeWindow: { earliest: instant(env, 'FEEDLOOP_EARLIEST_TIME'), maxFutureMs: duration(env, 'FEEDLOOP_MAX_FUTURE') },
    headersTimeoutMs: duration(env, 'FEEDLOOP_HEADERS_TIMEOUT'),
    requestTimeoutMs: duration(env, 'FEEDLOOP_REQUEST_TIMEOUT'),
    shutdownTimeoutMs: duration(env, 'FEEDLOOP_SHUTDOWN_TIMEOUT'),
    storageWaitMs: duration(env, 'FEEDLOOP_STORAGE_WAIT'),
    checkpointPages: integer(env, 'FEEDLOOP_CHECKPOINT_PAGES', 16, 10_000_000),
    rateLimitPerEndUser: integer(env, 'FEEDLOOP_RATE_LIMIT_END_USER', 0, 100_000_000),
    rateLimitPerIp: integer(env, 'FEEDLOOP_RATE_LIMIT_IP', 0, 100_000_000),
    trustProxy: trustProxy(env),
    metricsToken: value(env, 'FEEDLOOP_METRICS_TOKEN') || null,
    logFormat: logFormat(env, options.isTerminal ?? false),
    otlpMaxSpansInFlight: integer(env, 'FEEDLOOP_OTLP_MAX_SPANS', 1, 100_000_000),
    adminPassword: adminPassword(env),
    sessionTtlMs: duration(env, 'FEEDLOOP_SESSION_TTL'),
    retentionMs: retention(env),
  };
}

function adminPassword(env: Env): string | null {
  // Not trimmed: a password is taken exactly as given, but blank means unset.
  const password = env['FEEDLOOP_ADMIN_PASSWORD'];
  if (password === undefined || password.trim() === '') return null;
  if (password.length < 12) throw new ConfigError('FEEDLOOP_ADMIN_PASSWORD must be at least 12 characters long');
  return password;
}

/** The configuration as printed at start-up: secrets masked. */
export function describeConfig(c: Config): string[] {
  const mask = (s: string | null) => (s === null ? '(not set)' : `${s.slice(0, 6)}…`);
  const url = c.databaseUrl === null ? '(not set: embedded SQLite)' : c.databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return [
    `PORT=${c.port}`, `HOST=${c.host}`, `FEEDLOOP_DATA_DIR=${c.dataDir}`, `DATABASE_URL=${url}`, `FEEDLOOP_DB_POOL=${c.databasePoolSize}`, `FEEDLOOP_DB_PREPARED=${c.databasePreparedStatements}`, `FEEDLOOP_API_KEY=${mask(c.apiKey)}`,
    `FEEDLOOP_CLOCK_SKEW=${c.clockSkewMs / 1000}s`, `FEEDLOOP_LOOKBACK=${c.lookbackMs / 1000}s`,
    `FEEDLOOP_PENDING_TTL=${c.pendingTtlMs / 1000}s`, `FEEDLOOP_CONVERSATION_GAP=${c.conversationGapMs / 1000}s`,
    `FEEDLOOP_BODY_LIMIT=${c.bodyLimitBytes}`, `FEEDLOOP_RATE_LIMIT=${c.rateLimitPerMinute}`, `FEEDLOOP_PII_THREADS=${c.piiThreads}`, `LOG_LEVEL=${c.logLevel}`,
    `FEEDLOOP_PII_CONFIG=${c.piiConfig === null ? '(not set)' : `${Object.keys(c.piiConfig.projects ?? {}).length} project policies`}`,
    `FEEDLOOP_PII_QUEUE_LIMIT=${c.piiQueueLimitChars}`, `FEEDLOOP_PII_CLIENT_BUDGET=${c.piiClientBudgetChars}`, `FEEDLOOP_PII_REQUEST_LIMIT=${c.piiRequestLimitChars}`,
    `FEEDLOOP_BODY_LIMIT_SMALL=${c.bodyLimits.small}`, `FEEDLOOP_BODY_LIMIT_LARGE=${c.bodyLimits.large}`,
    `FEEDLOOP_MAX_DEPTH=${c.jsonLimits.maxDepth}`, `FEEDLOOP_MAX_STRING=${c.jsonLimits.maxStringLength}`,
    `FEEDLOOP_MAX_KEY=${c.jsonLimits.maxKeyLength}`, `FEEDLOOP_MAX_ITEMS=${c.jsonLimits.maxItems}`,
    `FEEDLOOP_EARLIEST_TIME=${new Date(c.timeWindow.earliest).toISOString()}`, `FEEDLOOP_MAX_FUTURE=${c.timeWindow.maxFutureMs / 1000}s`,
    `FEEDLOOP_HEADERS_TIMEOUT=${c.headersTimeoutMs / 1000}s`, `FEEDLOOP_REQUEST_TIMEOUT=${c.requestTimeoutMs / 1000}s`,
    `FEEDLOOP_SHUTDOWN_TIMEOUT=${c.shutdownTimeoutMs / 1000}s`, `FEEDLOOP_STORAGE_WAIT=${c.storageWaitMs / 1000}s`, `FEEDLOOP_CHECKPOINT_PAGES=${c.checkpointPages}`,
    `FEEDLOOP_RATE_LIMIT_END_USER=${c.rateLimitPerEndUser}`, `FEEDLOOP_RATE_LIMIT_IP=${c.rateLimitPerIp}`,
    `FEEDLOOP_TRUST_PROXY=${c.trustProxy === false ? '(not set)' : String(c.trustProxy)}`,
    `FEEDLOOP_METRICS_TOKEN=${c.metricsToken === null ? '(not set: loopback only)' : mask(c.metricsToken)}`, `FEEDLOOP_LOG_FORMAT=${c.logFormat}`,
    `FEEDLOOP_OTLP_MAX_SPANS=${c.otlpMaxSpansInFlight}`,
    `FEEDLOOP_ADMIN_PASSWORD=${c.adminPassword === null ? '(not set)' : '***'}`, `FEEDLOOP_SESSION_TTL=${c.sessionTtlMs / 1000}s`,
    
    `FEEDLOOP_RETENTION=${c.retentionMs === null ? 'off' : `${c.retentionMs / 1000}s`}`,
  ];
}
