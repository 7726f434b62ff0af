// Dashboard sign-in sessions. A session is opened with a secret key or the admin password and
// held by the browser as a cookie value `<token>.<signature>`: the token is random, the signature
// an HMAC under a key derived from the installation secret (forged or altered cookies are refused
// without a database read), and only the token's SHA-256 is stored. Because the session lives in
// the database, sign-out ends it for every copy of the cookie and on every server instance, and
// revoking the key a session was opened with ends that session too.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { FeedloopError, validationFailed } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { SessionRecord, Storage } from '../storage/port.js';
import { DEFAULT_PROJECT, type Keys, type Principal } from './keys.js';

export interface SessionOptions {
  /** FEEDLOOP_ADMIN_PASSWORD; null turns password sign-in off. */
  adminPassword: string | null;
  ttlMs: number;
  /** Lookups are cached this long; sign-out on another instance takes effect within it. */
  cacheMs?: number;
}

/** A signed-in dashboard session, as the HTTP edge and the session view need it. */
export interface ActiveSession {
  id: string;
  method: 'key' | 'password';
  /** What the session may do: the same as a secret key of its project. */
  principal: Principal;
  projectName: string;
  keyId: string | null;
  expiresAt: number;
  /** Sent back by the dashboard in a header on every state-changing request (see docs/dashboard.md). */
  csrfToken: string;
}

export interface OpenedSession { cookie: string; session: ActiveSession }

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function equalSecrets(a: string, b: string): boolean {
  // Compared as digests so neither the length nor the content leaks through timing.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export class Sessions {
  private readonly signingKey: Buffer;
  private readonly cache = new Map<string, { session: ActiveSession | null; until: number }>();
  private readonly cacheMs: number;

  constructor(
    private readonly storage: Storage,
    private readonly keys: Keys,
    installationSecret: string,
    private readonly options: SessionOptions,
  ) {
    // A key of its own, so a cookie signature reveals nothing about the content-hash secret.
    this.signingKey = createHmac('sha256', installationSecret).update('feedloop dashboard sessions v1').digest();
    this.cacheMs = options.cacheMs ?? 1000;
  }

  get passwordSignIn(): boolean {
    return this.options.adminPassword !== null;
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  async openWithKey(key: string): Promise<OpenedSession> {
    const principal = await this.keys.authenticate(key);
    if (!principal) throw new FeedloopError('sign_in_failed', 'The key is not known or was revoked');
    if (principal.kind !== 'secret') {
      throw new FeedloopError('sign_in_failed', 'Sign in with a secret key (fl_sk_…); a publishable key only sends feedback');
    }
    return this.open(principal.projectId, principal.keyId);
  }

  /** The admin password opens a session on the named project (the default project unless told). */
  async openWithPassword(password: string, projectName: string = DEFAULT_PROJECT): Promise<OpenedSession> {
    const expected = this.options.adminPassword;
    if (expected === null) throw new FeedloopError('sign_in_failed', 'Password sign-in is off: the server has no FEEDLOOP_ADMIN_PASSWORD');
    if (!equalSecrets(password, expected)) throw new FeedloopError('sign_in_failed', 'The password is not right');
    const project = projectName === DEFAULT_PROJECT
      ? await this.keys.projectNamed(DEFAULT_PROJECT)
      : await this.storage.findProjectByName(projectName);
    if (!project) throw validationFailed([{ pointer: '/project', detail: `no project named "${projectName}"` }]);
    return this.open(project.id, null);
  }

  private async open(projectId: string, keyId: string | null): Promise<OpenedSession> {
    const now = Date.now();
    const token = randomBytes(32).toString('base64url');
    const record: SessionRecord = {
      id: newId(), tokenHash: sha256(token), projectId, keyId, createdAt: now, expiresAt: now + this.options.ttlMs, revokedAt: null,
    };
    await this.storage.createSession(record);
    // Sign-ins are rare: a good moment to forget sessions that ended long ago.
    await this.storage.deleteSessionsExpiredBefore(now - 24 * 3600_000);
    const session = await this.active(record);
    return { cookie: `${token}.${this.sign(token)}`, session: session! };
  }

  /** The session a cookie value names, or null when it is forged, unknown, expired or ended. */
  async resolve(cookie: string): Promise<ActiveSession | null> {
    const now = Date.now();
    const cached = this.cache.get(cookie);
    if (cached && cached.until > now) return cached.session && cached.session.expiresAt > now ? cached.session : null;
    const token = this.verified(cookie);
    let session: ActiveSession | null = null;
    if (token !== null) {
      const found = await this.storage.findSession(sha256(token));
      if (found && !found.keyRevoked && found.session.revokedAt === null && found.session.expiresAt > now) {
        session = await this.active(found.session);
      }
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cookie, { session, until: now + this.cacheMs });
    return session;
  }

  /** Sign-out: the session ends for every copy of the cookie. */
  async close(session: ActiveSession): Promise<void> {
    await this.storage.revokeSession(session.id, Date.now());
    for (const [cookie, entry] of this.cache) if (entry.session?.id === session.id) this.cache.delete(cookie);
  }

  csrfTokenMatches(session: ActiveSession, token: string | undefined): boolean {
    return typeof token === 'string' && token.length > 0 && equalSecrets(token, session.csrfToken);
  }

  private async active(record: SessionRecord): Promise<ActiveSession | null> {
    const project = await this.storage.findProjectById(record.projectId);
    if (!project) return null;
    return {
      id: record.id,
      method: record.keyId === null ? 'password' : 'key',
      // Rate limits and logs tell sessions apart by keyId; a password session has no key of its own.
      principal: { projectId: record.projectId, keyId: record.keyId ?? `session:${record.id}`, kind: 'secret', origins: [], requireToken: false },
      projectName: project.name,
      keyId: record.keyId,
      expiresAt: record.expiresAt,
      csrfToken: createHmac('sha256', this.signingKey).update(`csrf:${record.id}`).digest('base64url'),
    };
  }

  private sign(token: string): string {
    return createHmac('sha256', this.signingKey).update(`session:${token}`).digest('base64url');
  }

  private verified(cookie: string): string | null {
    const dot = cookie.indexOf('.');
    if (dot <= 0) return null;
    const token = cookie.slice(0, dot);
    const signature = Buffer.from(cookie.slice(dot + 1));
    const expected = Buffer.from(this.sign(token));
    return signature.length === expected.length && timingSafeEqual(signature, expected) ? token : null;
  }
}

/**
 * Failed sign-ins per client address: after `limit` failures within `windowMs` the address must
 * wait, so the admin password cannot be guessed at request speed.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly limit = 10, private readonly windowMs = 10 * 60_000) {}

  check(client: string): void {
    const entry = this.failures.get(client);
    const now = Date.now();
    if (!entry || now - entry.since > this.windowMs) return;
    if (entry.count >= this.limit) {
      const wait = Math.max(1, Math.ceil((entry.since + this.windowMs - now) / 1000));
      throw new FeedloopError('rate_limited', `Too many failed sign-ins from this address; retry in ${wait} s`, { headers: { 'retry-after': String(wait) } });
    }
  }

  failed(client: string): void {
    const now = Date.now();
    const entry = this.failures.get(client);
    if (!entry || now - entry.since > this.windowMs) {
      if (this.failures.size > 10_000) this.failures.clear();
      this.failures.set(client, { count: 1, since: now });
    } else {
      entry.count++;
    }
  }

  succeeded(client: string): void {
    this.failures.delete(client);
  }
}
