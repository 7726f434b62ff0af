// The typed client of feedloop's public API, shared by every view. The dashboard is an ordinary
// API client: it signs in for a session cookie and then calls the same read and keys endpoints a
// secret key may call, sending the session's CSRF token on every request that changes something.

/** A 95% interval around a rate or a mean; null where there is no data. */
export interface Interval { value: number | null; low: number | null; high: number | null; n: number }
export interface RatingInterval extends Interval { histogram: number[] }

export interface Group {
  key: string;
  interactions: number;
  feedback: number;
  slugs: Record<string, number>;
  thumbs_up_rate: Interval;
  mean_rating: RatingInterval;
  copy_rate: Interval;
  regenerate_rate: Interval;
  edit_rate: Interval;
  feedback_coverage: Interval;
  pending: number;
  orphaned: number;
}

export interface Stats { from: string; to: string; by: string; tz: string; total: Group; groups: Group[] }

export type FeedbackStatus = 'linked' | 'pending' | 'orphaned';

export interface Feedback {
  id: string;
  slug: string;
  text: string | null;
  value: number | null;
  end_user: string;
  timestamp: string;
  status: FeedbackStatus;
  link: string | null;
  interaction_id: string | null;
  event_id: string | null;
  conversation_id: string | null;
  flags: string[];
  pii_removed: boolean;
  pii: Record<string, number>;
  received_at: string;
}

export interface FeedbackSummary {
  total: number;
  counts: Record<string, number>;
  thumbs: 'up' | 'down' | null;
  rating: number | null;
  comments: number;
}

export interface Interaction {
  id: string;
  conversation_id: string;
  end_user: string;
  input: string | null;
  output: string | null;
  model: string | null;
  tags: Record<string, string>;
  feature_flags: string[];
  time_start: string;
  time_end: string;
  hide_content: boolean;
  pii_removed: boolean;
  pii: Record<string, number>;
  received_at: string;
  source: string;
  feedback_summary?: FeedbackSummary;
  feedback: Feedback[];
}

export interface Message { role: string; content: string }

/** The full interaction (GET /interactions/{id}, and inside a conversation). */
export interface FullInteraction extends Interaction {
  messages: Message[] | null;
  system_prompt?: string | null;
}

export interface Page<T> { items: T[]; next_cursor: string | null }

export interface Conversation {
  id: string;
  end_user: string;
  time_start: string;
  time_end: string;
  interactions: FullInteraction[];
  next_cursor: string | null;
}

export interface EndUser {
  end_user: string;
  first_seen: string;
  last_seen: string;
  interactions: number;
  feedback: number;
  conversations: number;
  recent_feedback: Feedback[];
  recent_conversations: { id: string; time_start: string; time_end: string; interactions: number }[];
}

export interface Difference { value: number | null; low: number | null; high: number | null }

export interface Comparison {
  by: string;
  from: string;
  to: string;
  a: Group;
  b: Group;
  thumbs_up_difference: Difference;
  p_value: number | null;
  always_valid_p_value: number | null;
  mean_rating_difference: Difference;
  mean_rating_p_value: number | null;
  mean_rating_always_valid_p_value: number | null;
  verdict: string;
}

export type KeyKind = 'secret' | 'publishable';

export interface ApiKey {
  id: string;
  kind: KeyKind;
  name: string | null;
  prefix: string;
  origins: string[];
  /** Publishable keys only: feedback must carry a signed feedback token (docs/browser.md). */
  require_token?: boolean;
  created_at: string;
  revoked_at: string | null;
}

export interface CreatedKey extends ApiKey { key: string }

export interface Session {
  method: 'key' | 'password';
  project: { id: string; name: string };
  key_id: string | null;
  expires_at: string;
  csrf_token: string;
  csrf_header: string;
}

/** An RFC 9457 problem document, as every error of the API is. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { pointer?: string; parameter?: string; detail: string }[];
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** Query parameters; arrays repeat the parameter, empty values are left out. */
export type Query = Record<string, string | number | boolean | readonly string[] | null | undefined>;

export function queryString(query: Query): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const v of value) search.append(name, v);
    else search.append(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

let csrf: { header: string; token: string } | null = null;
const unauthorizedListeners = new Set<() => void>();

/** Called when a request finds the session gone (expired, signed out elsewhere, key revoked). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers[csrf.header] = csrf.token;
  const response = await fetch(`/api/v1${path}`, {
    method, headers, credentials: 'same-origin', signal: options.signal,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = null;
  try { body = text === '' ? null : JSON.parse(text); } catch { body = { detail: text }; }
  if (!response.ok) {
    if (response.status === 401 && path !== '/session') for (const listener of unauthorizedListeners) listener();
    throw new ApiError(response.status, (body ?? {}) as Problem);
  }
  return body as T;
}

function remember(session: Session): Session {
  csrf = { header: session.csrf_header, token: session.csrf_token };
  return session;
}

type Signal = { signal?: AbortSignal };

export const api = {
  session: async () => remember(await call<Session>('GET', '/session')),
  signInMethods: () => call<{ key: boolean; password: boolean }>('GET', '/session/methods'),
  signIn: async (body: { key: string } | { password: string; project?: string }) => remember(await call<Session>('POST', '/session', { body })),
  signOut: async () => {
    await call<void>('DELETE', '/session');
    csrf = null;
  },

  stats: (query: Query, o: Signal = {}) => call<Stats>('GET', `/stats${queryString(query)}`, o),
  compare: (query: Query, o: Signal = {}) => call<Comparison>('GET', `/compare${queryString(query)}`, o),
  interactions: (query: Query, o: Signal = {}) => call<Page<Interaction>>('GET', `/interactions${queryString(query)}`, o),
  feedback: (query: Query, o: Signal = {}) => call<Page<Feedback>>('GET', `/feedback${queryString(query)}`, o),
  interaction: (id: string, o: Signal = {}) => call<FullInteraction>('GET', `/interactions/${encodeURIComponent(id)}`, o),
  conversation: (id: string, cursor: string | null, o: Signal = {}) =>
    call<Conversation>('GET', `/conversations/${encodeURIComponent(id)}${queryString({ cursor })}`, o),
  user: (endUser: string, o: Signal = {}) => call<EndUser>('GET', `/users/${encodeURIComponent(endUser)}`, o),

  keys: (o: Signal = {}) => call<Page<ApiKey>>('GET', '/keys', o),
  createKey: (body: { kind: KeyKind; name?: string; origins?: string[]; require_token?: boolean }) => call<CreatedKey>('POST', '/keys', { body }),
  revokeKey: (id: string) => call<ApiKey>('DELETE', `/keys/${encodeURIComponent(id)}`),
};
