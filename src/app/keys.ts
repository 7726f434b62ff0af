// Projects and API keys. Keys are 32 random bytes, shown once and stored as SHA-256 hashes
// (a slow password hash buys nothing for keys this long, and lookups stay one index probe).
//
// Comparison in constant time, and why a lookup by hash is one: the store is searched by the
// SHA-256 of the presented key, never by the key. Whatever the timing of that search reveals is
// about digests an attacker computed themselves; learning that a stored digest starts like one
// of theirs says nothing about the key behind it (SHA-256 has no usable preimages). The digest
// found is compared again with timingSafeEqual (defence in depth, e.g. against a case-folding
// collation). The in-memory cache in front is keyed by the presented key: a Map lookup compares
// strings only after their (per-process randomly seeded) hashes match, so its timing cannot be
// steered towards a valid key either. docs/hardening.md says more.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FieldError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { ApiKeyKind, ApiKeyRecord, ProjectRecord, Storage } from '../storage/port.js';

export const DEFAULT_PROJECT = 'default';
const KIND_PREFIX: Record<ApiKeyKind, string> = { secret: 'fl_sk_', publishable: 'fl_pk_' };
const PREFIX_LENGTH = 14;

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Keys longer than this are not looked up (no key this server makes or accepts is anywhere near it). */
const MAX_KEY_LENGTH = 256;
/** Cached lookups at most: a flood of made-up keys cannot grow the cache beyond this. */
const MAX_CACHED = 10_000;

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex'), y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface CreatedKey { record: ApiKeyRecord; key: string }

export interface KeyOptions { kind?: ApiKeyKind; name?: string | null; origins?: string[]; requireToken?: boolean; key?: string }

export interface Principal { projectId: string; keyId: string; kind: ApiKeyKind; origins: string[]; requireToken: boolean }

/** What a key may be created with, beyond its schema (the keys API and the CLI). */
export function checkKeyOptions(body: unknown): FieldError[] {
  const { kind, origins, require_token: requireToken } = (body ?? {}) as { kind?: unknown; origins?: unknown; require_token?: unknown };
  const errors: FieldError[] = [];
  if (kind === 'publishable' && (!Array.isArray(origins) || origins.length === 0)) {
    errors.push({ pointer: '/origins', detail: 'a publishable key needs the origins it may be used from (or ["*"] for any origin)' });
  }
  if (kind === 'secret' && requireToken === true) errors.push({ pointer: '/require_token', detail: 'only a publishable key can require feedback tokens' });
  return [...errors, ...checkOrigins(origins)];
}

function checkOrigins(origins: unknown): FieldError[] {
  if (!Array.isArray(origins)) return [];
  return origins.flatMap((o, k) => {
    if (typeof o !== 'string' || o === '*') return [];
    try {
      return new URL(o).origin === o ? [] : [{ pointer: `/origins/${k}`, detail: 'must be an origin such as https://chat.example.com (scheme, host, optional port; no path)' }];
    } catch {
      return [{ pointer: `/origins/${k}`, detail: 'must be an origin such as https://chat.example.com' }];
    }
  });
}

export class Keys {
  /** Lookups (found or not) are cached briefly; revocation through another process takes effect within this time. */
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  /** The live secret keys of a project by id, with their hashes (feedback tokens are signed with them), cached the same way. */
  private readonly secretKeys = new Map<string, { keys: Map<string, string>; until: number }>();

  constructor(private readonly storage: Storage, private readonly cacheMs = 1000) {}

  async projectNamed(name: string): Promise<ProjectRecord> {
    const existing = await this.storage.findProjectByName(name);
    if (existing) return existing;
    try {
      return await this.storage.createProject(name);
    } catch (error) {
      // Another process (a second instance starting at the same moment) created it first.
      const created = await this.storage.findProjectByName(name);
      if (created) return created;
      throw error;
    }
  }

  async create(projectName: string, options: KeyOptions = {}): Promise<CreatedKey> {
    const project = await this.projectNamed(projectName);
    return this.createInProject(project.id, options);
  }

  async createInProject(projectId: string, options: KeyOptions = {}): Promise<CreatedKey> {
    const kind = options.kind ?? 'secret';
    const key = options.key ?? KIND_PREFIX[kind] + randomBytes(32).toString('base64url');
    const record: ApiKeyRecord = {
      id: newId(), projectId, kind, name: options.name ?? null, keyHash: hashKey(key),
      keyPrefix: key.slice(0, PREFIX_LENGTH), origins: options.origins ?? [], requireToken: options.requireToken ?? false,
      createdAt: Date.now(), revokedAt: null,
    };
    await this.storage.createApiKey(record);
    if (kind === 'secret') this.secretKeys.delete(projectId);
    return { record, key };
  }

  /**
   * Makes sure `key` (FEEDLOOP_API_KEY) is a secret key of the default project. Returns whether it
   * had to be created.
   */
  async ensure(key: string): Promise<boolean> {
    const existing = await this.storage.findApiKeyByHash(hashKey(key));
    if (existing) {
      if (existing.revokedAt !== null) throw new Error('FEEDLOOP_API_KEY names a key that was revoked');
      return false;
    }
    try {
      await this.create(DEFAULT_PROJECT, { key, name: 'FEEDLOOP_API_KEY' });
    } catch (error) {
      if (await this.storage.findApiKeyByHash(hashKey(key))) return false; // created by a concurrent start
      throw error;
    }
    return true;
  }

  async authenticate(key: string): Promise<Principal | null> {
    if (key.length > MAX_KEY_LENGTH) return null;
    // Cached by the key itself, so a cached request pays no hash; the store only ever sees the hash.
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.principal;
    const digest = hashKey(key);
    const record = await this.storage.findApiKeyByHash(digest);
    const principal = record && record.revokedAt === null && sameDigest(record.keyHash, digest)
      ? { projectId: record.projectId, keyId: record.id, kind: record.kind, origins: record.origins, requireToken: record.requireToken }
      : null;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { principal, until: now + this.cacheMs });
    return principal;
  }

  /** Key id -> SHA-256 hex of the key, for the project's secret keys that are not revoked. */
  async secretKeyHashes(projectId: string): Promise<Map<string, string>> {
    const now = Date.now();
    const cached = this.secretKeys.get(projectId);
    if (cached && cached.until > now) return cached.keys;
    const keys = new Map((await this.storage.listApiKeys(projectId))
      .filter((k) => k.kind === 'secret' && k.revokedAt === null).map((k) => [k.id, k.keyHash] as const));
    if (this.secretKeys.size > 10_000) this.secretKeys.clear();
    this.secretKeys.set(projectId, { keys, until: now + this.cacheMs });
    return keys;
  }

  /** Revokes a key; with `keepLastSecretKey` (over HTTP), never a project's last active secret key (409). */
  async revoke(idOrPrefix: string, projectId: string | null, options: { keepLastSecretKey?: boolean } = {}): Promise<ApiKeyRecord | null> {
    const revoked = await this.storage.revokeApiKey(idOrPrefix, projectId, Date.now(), options);
    if (revoked) this.secretKeys.delete(revoked.projectId);
    // The cache is keyed by the raw key, which the store does not know: forget every cached entry of this key id.
    if (revoked) for (const [k, v] of this.cache) if (v.principal?.keyId === revoked.id) this.cache.delete(k);
    return revoked;
  }

  list(projectId: string | null): Promise<ApiKeyRecord[]> {
    return this.storage.listApiKeys(projectId);
  }
}
