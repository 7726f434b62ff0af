// Per-project PII policy: which types to remove, extra patterns (a regular expression with a type
// name), and an allowlist of terms never removed. Pure: the configuration arrives as parsed JSON
// (FEEDLOOP_PII_CONFIG, read by src/config.ts), is validated here with errors that name the
// offending entry, and is compiled once.
//
// File shape: { "default": Policy?, "projects": { "<project name or id>": Policy } } where
// Policy = { "types"?: [type...], "patterns"?: [{ "type", "pattern", "flags"? }], "allowlist"?: [term...],
// "region"?: "GB" }. A project's policy extends the default: its lists are added to the default's,
// its `types` and `region` replace the default's.
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { lowerSameLength } from './scan.js';
import type { PiiType, Span } from './types.js';

export const PII_TYPES: readonly PiiType[] = [
  'PERSON', 'EMAIL', 'PHONE', 'CREDIT_CARD', 'IBAN', 'IP_ADDRESS', 'US_SSN', 'STREET_ADDRESS', 'DATE_OF_BIRTH',
  'PASSPORT_OR_ID', 'API_KEY', 'URL_WITH_CREDENTIALS',
];

export interface PolicyConfig {
  types?: string[];
  patterns?: { type: string; pattern: string; flags?: string }[];
  allowlist?: string[];
  region?: string;
}

export interface PiiConfigFile {
  default?: PolicyConfig;
  projects?: Record<string, PolicyConfig>;
}

/** A compiled policy. */
export interface PiiPolicy {
  /** Built-in types to remove (custom pattern types are always removed). */
  types: ReadonlySet<string>;
  patterns: readonly { type: string; regex: RegExp }[];
  /** Lower-cased allowlisted terms. */
  allowlist: readonly string[];
  /** Default phone region for numbers written without a country code (else inferred from the language). */
  region: CountryCode | undefined;
}

export const DEFAULT_POLICY: PiiPolicy = { types: new Set(PII_TYPES), patterns: [], allowlist: [], region: undefined };

export class PiiConfigError extends Error {}

const CUSTOM_TYPE = /^[A-Z][A-Z0-9_]{1,39}$/;
/** A quantified group that contains a quantifier: "(a+)+", "(\w*x)*", "(a|ab){2,}" can backtrack exponentially. */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d+,\d*\})/;

function fail(where: string, message: string): never {
  throw new PiiConfigError(`${where}: ${message}`);
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(where, 'must be an array of strings');
  return value as string[];
}

function validatePolicy(value: unknown, where: string): PolicyConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, 'must be an object');
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!['types', 'patterns', 'allowlist', 'region'].includes(key)) fail(`${where}.${key}`, 'unknown setting (expected types, patterns, allowlist, region)');
  }
  const policy: PolicyConfig = {};
  if (raw['types'] !== undefined) {
    const types = stringList(raw['types'], `${where}.types`);
    for (const [i, t] of types.entries()) {
      if (!(PII_TYPES as readonly string[]).includes(t)) fail(`${where}.types[${i}]`, `unknown type "${t}" (one of ${PII_TYPES.join(', ')})`);
    }
    policy.types = types;
  }
  if (raw['patterns'] !== undefined) {
    if (!Array.isArray(raw['patterns'])) fail(`${where}.patterns`, 'must be an array of {type, pattern, flags?}');
    policy.patterns = (raw['patterns'] as unknown[]).map((p, i) => {
      const at = `${where}.patterns[${i}]`;
      if (p === null || typeof p !== 'object') fail(at, 'must be an object {type, pattern, flags?}');
      const { type, pattern, flags } = p as Record<string, unknown>;
      if (typeof type !== 'string' || !CUSTOM_TYPE.test(type)) fail(`${at}.type`, 'must be an upper-case name such as EMPLOYEE_ID (2-40 of A-Z, 0-9, _)');
      if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > 1000) fail(`${at}.pattern`, 'must be a regular expression of 1-1000 characters');
      if (flags !== undefined && (typeof flags !== 'string' || !/^[imsu]*$/.test(flags))) fail(`${at}.flags`, 'may only hold the flags i, m, s, u');
      if (NESTED_QUANTIFIER.test(pattern)) fail(`${at}.pattern`, 'has a quantified group that contains a quantifier (catastrophic backtracking); rewrite it without nesting');
      try {
        const re = new RegExp(pattern, `${flags ?? ''}g`);
        if (re.test('')) fail(`${at}.pattern`, 'matches the empty string');
      } catch (error) {
        if (error instanceof PiiConfigError) throw error;
        fail(`${at}.pattern`, `is not a valid regular expression: ${(error as Error).message}`);
      }
      return flags === undefined ? { type, pattern } : { type, pattern, flags };
    });
  }
  if (raw['allowlist'] !== undefined) {
    const terms = stringList(raw['allowlist'], `${where}.allowlist`);
    for (const [i, t] of terms.entries()) if (t.trim().length === 0) fail(`${where}.allowlist[${i}]`, 'must not be empty');
    policy.allowlist = terms;
  }
  if (raw['region'] !== undefined) {
    const region = raw['region'];
    if (typeof region !== 'string' || !isSupportedCountry(region)) fail(`${where}.region`, 'must be an ISO 3166 country code such as GB, DE or IT');
    policy.region = region;
  }
  return policy;
}

/** Validates the parsed JSON of a PII configuration file; throws PiiConfigError naming the entry. */
export function validatePiiConfig(value: unknown): PiiConfigFile {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('PII configuration', 'must be a JSON object with "default" and/or "projects"');
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (key !== 'default' && key !== 'projects') fail(key, 'unknown section (expected "default" or "projects")');
  const config: PiiConfigFile = {};
  if (raw['default'] !== undefined) config.default = validatePolicy(raw['default'], 'default');
  if (raw['projects'] !== undefined) {
    const projects = raw['projects'];
    if (projects === null || typeof projects !== 'object' || Array.isArray(projects)) fail('projects', 'must be an object keyed by project name or id');
    config.projects = {};
    for (const [name, p] of Object.entries(projects as Record<string, unknown>)) config.projects[name] = validatePolicy(p, `projects.${name}`);
  }
  return config;
}

function compile(base: PolicyConfig, own: PolicyConfig | undefined): PiiPolicy {
  const types = own?.types ?? base.types;
  const patterns = [...(base.patterns ?? []), ...(own?.patterns ?? [])];
  const allowlist = [...(base.allowlist ?? []), ...(own?.allowlist ?? [])];
  const region = (own?.region ?? base.region) as CountryCode | undefined;
  return {
    types: new Set(types ?? PII_TYPES),
    patterns: patterns.map((p) => ({ type: p.type, regex: new RegExp(p.pattern, `${p.flags ?? ''}g`) })),
    allowlist: [...new Set(allowlist.map((t) => t.toLowerCase()))],
    region,
  };
}

/** Policies by project, resolved by project id or name; projects not listed get the default. */
export class PiiPolicies {
  readonly default: PiiPolicy;
  private readonly byKey = new Map<string, PiiPolicy>();

  constructor(readonly config: PiiConfigFile = {}) {
    const base = config.default ?? {};
    this.default = config.default || config.projects ? compile(base, undefined) : DEFAULT_POLICY;
    for (const [key, own] of Object.entries(config.projects ?? {})) this.byKey.set(key, compile(base, own));
  }

  /** The policy of a project, looked up by its id, then by its name. */
  for(projectId?: string, projectName?: string): PiiPolicy {
    if (projectId !== undefined) {
      const byId = this.byKey.get(projectId);
      if (byId) return byId;
    }
    if (projectName !== undefined) {
      const byName = this.byKey.get(projectName);
      if (byName) return byName;
    }
    return this.default;
  }

  /** Project names or ids the configuration lists. */
  get projectKeys(): string[] {
    return [...this.byKey.keys()];
  }
}

/** Spans of the policy's custom patterns. Their matches run to at most 10,000 characters. */
export function customSpans(text: string, policy: PiiPolicy, out: Span[]): void {
  for (const { type, regex } of policy.patterns) {
    regex.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = regex.exec(text)) !== null) {
      if (m[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      out.push({ start: m.index, end: Math.min(m.index + m[0].length, m.index + 10_000), type: type as PiiType });
    }
  }
}

/**
 * Drops spans of types the policy does not remove, and spans that lie inside an allowlisted term
 * ("Acme Care" as a product name): the allowlist never keeps more than the term itself.
 */
export function applyPolicy(text: string, spans: Span[], policy: PiiPolicy): Span[] {
  let kept = policy.types.size === PII_TYPES.length ? spans : spans.filter((s) => policy.types.has(s.type) || !(PII_TYPES as readonly string[]).includes(s.type));
  if (policy.allowlist.length === 0 || kept.length === 0) return kept;
  const lower = lowerSameLength(text);
  const allowed: [number, number][] = [];
  for (const term of policy.allowlist) {
    let at = lower.indexOf(term);
    while (at !== -1) {
      const before = at === 0 ? '' : lower.charAt(at - 1);
      const after = lower.charAt(at + term.length);
      if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) allowed.push([at, at + term.length]);
      at = lower.indexOf(term, at + 1);
    }
  }
  if (allowed.length === 0) return kept;
  // Sorted by start with a running maximum of the ends: a span lies in an allowed range iff the
  // ranges starting at or before it reach its end (one binary search per span, no scan of all).
  allowed.sort((a, b) => a[0] - b[0]);
  const reach: number[] = [];
  let max = -1;
  for (const [, to] of allowed) reach.push((max = Math.max(max, to)));
  return kept.filter((s) => {
    let lo = 0;
    let hi = allowed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((allowed[mid]?.[0] ?? 0) <= s.start) lo = mid + 1;
      else hi = mid;
    }
    return !(lo > 0 && (reach[lo - 1] ?? -1) >= s.end);
  });
}
