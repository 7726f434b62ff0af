// Configuration: parsed and validated once at start-up from the environment, then passed in.
// Nothing else in the code reads process.env.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { PiiConfigError, validatePiiConfig, type PiiConfigFile } from './core/pii/policy.js';
import { parseDuration } from './core/time.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://... selects PostgreSQL; null keeps the embedded SQLite file under dataDir. */
  databaseUrl: string | null;
  /** Connections in the PostgreSQL pool of this instance. */
  databasePoolSize: number;
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
  /** OTLP spans being written at once; exports beyond get 503 with Retry-After. */
  otlpMaxSpansInFlight: number;
  /** Signs in to the dashboard without a key (docs/dashboard.md); null: key sign-in only. */
  adminPassword: string | null;
  /** How long a dashboard session lasts from sign-in. */
  sessionTtlMs: number;
  /** Fastify's trustProxy: whom to believe about X-Forwarded-Proto/-For (false: nobody). */
  trustProxy: boolean | string[];
}

/** Each setting: variable, default, meaning (printed at start-up and listed in the README). */
export const SETTINGS = [
  ['PORT', '8787', 'HTTP port'],
  ['HOST', '127.0.0.1', 'interface to listen on (0.0.0.0 for all)'],
  ['FEEDLOOP_DATA_DIR', './data', 'directory of the embedded SQLite database'],
  ['DATABASE_URL', '', 'postgres://user:pass@host/db selects PostgreSQL instead of SQLite'],
  ['FEEDLOOP_DB_POOL', '10', 'PostgreSQL connections per instance'],
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
  ['FEEDLOOP_OTLP_MAX_SPANS', '100000', 'OTLP spans being written at once (503 with Retry-After beyond)'],
  ['FEEDLOOP_ADMIN_PASSWORD', '', 'lets the dashboard sign in with this password instead of a key'],
  ['FEEDLOOP_SESSION_TTL', '12h', 'how long a dashboard session lasts'],
  ['FEEDLOOP_TRUST_PROXY', '', 'true, or addresses/CIDRs of proxies whose X-Forwarded-Proto/-For are believed'],
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

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = value(env, 'DATABASE_URL') || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  return {
    port: integer(env, 'PORT', 0, 65535),
    host: value(env, 'HOST'),
    dataDir: resolve(value(env, 'FEEDLOOP_DATA_DIR')),
    databaseUrl,
    databasePoolSize: integer(env, 'FEEDLOOP_DB_POOL', 1, 1000),
    apiKey: value(env, 'FEEDLOOP_API_KEY') || null,
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
    otlpMaxSpansInFlight: integer(env, 'FEEDLOOP_OTLP_MAX_SPANS', 1, 100_000_000),
    adminPassword: adminPassword(env),
    sessionTtlMs: duration(env, 'FEEDLOOP_SESSION_TTL'),
    trustProxy: trustProxy(value(env, 'FEEDLOOP_TRUST_PROXY')),
  };
}

function adminPassword(env: Env): string | null {
  // Not trimmed: a password is taken exactly as given, but blank means unset.
  const password = env['FEEDLOOP_ADMIN_PASSWORD'];
  if (password === undefined || password.trim() === '') return null;
  if (password.length < 12) throw new ConfigError('FEEDLOOP_ADMIN_PASSWORD must be at least 12 characters long');
  return password;
}

function trustProxy(text: string): boolean | string[] {
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The configuration as printed at start-up: secrets masked. */
export function describeConfig(c: Config): string[] {
  const mask = (s: string | null) => (s === null ? '(not set)' : `${s.slice(0, 6)}…`);
  const url = c.databaseUrl === null ? '(not set: embedded SQLite)' : c.databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return [
    `PORT=${c.port}`, `HOST=${c.host}`, `FEEDLOOP_DATA_DIR=${c.dataDir}`, `DATABASE_URL=${url}`, `FEEDLOOP_DB_POOL=${c.databasePoolSize}`, `FEEDLOOP_API_KEY=${mask(c.apiKey)}`,
    `FEEDLOOP_CLOCK_SKEW=${c.clockSkewMs / 1000}s`, `FEEDLOOP_LOOKBACK=${c.lookbackMs / 1000}s`,
    `FEEDLOOP_PENDING_TTL=${c.pendingTtlMs / 1000}s`, `FEEDLOOP_CONVERSATION_GAP=${c.conversationGapMs / 1000}s`,
    `FEEDLOOP_BODY_LIMIT=${c.bodyLimitBytes}`, `FEEDLOOP_RATE_LIMIT=${c.rateLimitPerMinute}`, `FEEDLOOP_PII_THREADS=${c.piiThreads}`,
    `FEEDLOOP_PII_CONFIG=${c.piiConfig === null ? '(not set)' : `${Object.keys(c.piiConfig.projects ?? {}).length} project policies`}`,
    `FEEDLOOP_PII_QUEUE_LIMIT=${c.piiQueueLimitChars}`, `FEEDLOOP_PII_CLIENT_BUDGET=${c.piiClientBudgetChars}`, `FEEDLOOP_PII_REQUEST_LIMIT=${c.piiRequestLimitChars}`, `LOG_LEVEL=${c.logLevel}`,
    `FEEDLOOP_OTLP_MAX_SPANS=${c.otlpMaxSpansInFlight}`,
    `FEEDLOOP_ADMIN_PASSWORD=${c.adminPassword === null ? '(not set)' : '***'}`, `FEEDLOOP_SESSION_TTL=${c.sessionTtlMs / 1000}s`,
    `FEEDLOOP_TRUST_PROXY=${c.trustProxy === false ? '(not set)' : String(c.trustProxy)}`,
  ];
}
