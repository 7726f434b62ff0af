// feedloop's browser library: records what an end user does with an assistant's answers (thumbs,
// ratings, comments, copy, paste, regenerate, edit) and delivers it to feedloop's batch endpoint.
//
// Delivery: each event gets its event_id and timestamp when the user acts; events wait a short
// delay (or until a batch is full), are kept in localStorage until the server acknowledges them,
// and are retried with exponential backoff and full jitter on network errors, 408, 429 (never
// before Retry-After) and 5xx, never on other 4xx. Requests are text/plain with the key in the
// body, so the browser sends no CORS preflight, and use fetch keepalive under the 64 KB budget, so
// a page being hidden or closed still sends. A retry or a second send reuses the event_id, which
// the server stores once.
//
// Tabs: each instance keeps its own queue entry in localStorage, and holds a Web Lock named after
// it while the entry exists (only then: a page holding a lock is not kept in the back/forward
// cache). An entry whose lock is free (its page was closed or reloaded) is adopted by the next
// instance that sends (which looks again after its delay while one is still locked: a closing page
// releases its lock a moment after it is gone), under that lock and its own, so two tabs never send
// the same queued event.
// Without Web Locks (old browsers, insecure origins) an entry not written for 5 minutes is adopted.
//
// Size matters (the build checks <= 3 KB minified and gzipped): the code is written for the
// minifier, and every branch has to earn its bytes.

export type Slug = 'thumbs_up' | 'thumbs_down' | 'copy_input' | 'copy_output' | 'paste' | 'rating' | 'comment' | 'regenerate' | 'edit';

/**
 * Which interaction a feedback is about: its input and/or output (matched by content), its id (as
 * the backend sent it to feedloop), or the OpenTelemetry trace (and span) that produced it.
 * Optional extras: the conversation id, and a feedback token minted for this one interaction.
 */
export type About = (
  | { input?: string; output?: string }
  | { interactionId: string }
  | { traceId: string; spanId?: string }
) & { conversationId?: string; feedbackToken?: string };

/** One event as sent: the body of feedloop's single feedback endpoint. */
export interface FeedbackEvent {
  feedback: { slug: Slug; text?: string; value?: number };
  metadata: { end_user: string; timestamp: string; event_id: string; [field: string]: unknown };
}

/** The server's answer for one stored event. */
export interface FeedbackResult {
  id: string;
  status: 'linked' | 'pending' | 'orphaned';
  interaction_id: string | null;
  link: string | null;
  flags: string[];
}

/** An RFC 9457 problem detail, as feedloop answers a refused request or event. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { pointer: string; detail: string }[];
}

/**
 * Why an event was not (yet) delivered. `retry: true`: it stays queued and is sent again
 * (status 0: a network error). `retry: false`: it was dropped: refused by the server (`problem`
 * says why), or pushed out of a full queue (status 0).
 */
export interface FeedbackError { status: number; retry: boolean; problem?: Problem }

export interface FeedbackOptions {
  /** Where feedloop runs, e.g. `https://feedloop.example.com`. */
  endpoint: string;
  /** A publishable key (`fl_pk_...`) allowed for this page's origin. */
  key: string;
  /** The end user's id, as the backend sends it with their interactions. */
  endUser: string;
  /** A feedback token for this end user, when the key requires one (see `setToken` to refresh it). */
  token?: string;
  /** How long an event waits for others to join its batch, in ms (default 1000). */
  delay?: number;
  /** Events per request at most (default 50). */
  batchSize?: number;
  /** Queued events kept at most; the oldest are dropped first (default 1000). */
  maxEvents?: number;
  /** Characters of queued JSON kept in localStorage at most (default 500000). */
  maxBytes?: number;
  /** First retry delay bound in ms; doubles per failure (default 1000). */
  retryBase?: number;
  /** Largest retry delay bound in ms (default 60000). */
  retryMax?: number;
}

export interface FeedbackListeners {
  sent: (event: FeedbackEvent, result: FeedbackResult) => void;
  error: (error: FeedbackError, event: FeedbackEvent) => void;
}

export interface Feedback {
  /** Each of these queues one event and returns its event_id. */
  thumbsUp(about: About, text?: string): string;
  thumbsDown(about: About, text?: string): string;
  /** A 1-5 rating (an integer; anything else throws a RangeError). */
  rate(about: About, value: number): string;
  comment(about: About, text: string): string;
  regenerate(about: About): string;
  edit(about: About, text: string): string;
  /** For copy buttons that call navigator.clipboard.writeText (which fires no copy event). */
  copied(about: About, text: string): string;
  /** Sends `copy_output` with exactly the selected text when the user copies or cuts inside `element`. */
  watchOutput(element: Element, about: About): () => void;
  /** Sends `paste` with the pasted text when the user pastes into `element`. */
  watchInput(element: Element, about?: About): () => void;
  /** Settles once everything queued so far has been acknowledged (or dropped). */
  flush(): Promise<void>;
  on<K extends keyof FeedbackListeners>(type: K, listener: FeedbackListeners[K]): () => void;
  /** Replaces the feedback token; events still queued are sent with the new one. */
  setToken(token: string | undefined): void;
  /** Stops sending and listening; what is still queued stays stored for the next instance. */
  close(): void;
}

const G = globalThis as any;
const now = () => Date.now();
const iso = () => new Date(now()).toISOString();
const rid = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join('');
const encoder = new TextEncoder();
const size = (x: unknown) => encoder.encode(JSON.stringify(x)).length;
/** Retry-After in ms: delta seconds or an HTTP date; 0 when absent or unreadable. */
const retryAfter = (h: string | null) => (h ? (isNaN(+h) ? Date.parse(h) - now() : +h * 1e3) || 0 : 0);
const listen = (target: EventTarget, types: string[], handler: (e: any) => void) => {
  // Optional calls: outside a browser (Node, workers) there may be nothing to listen to.
  types.map((t) => target.addEventListener?.(t, handler));
  return () => types.map((t) => target.removeEventListener?.(t, handler));
};
/** The keepalive budget is 64 KiB for all of a page's keepalive requests in flight together. */
const BUDGET = 6e4;
const CHUNK = 3e4;

export function createFeedback(options: FeedbackOptions): Feedback {
  const o = options;
  const url = o.endpoint.replace(/\/+$/, '') + '/api/v1/feedback/batch';
  const batch = o.batchSize || 50;
  let storage: Storage | undefined;
  try { storage = G.localStorage; } catch { /* blocked (sandboxed frame): memory only */ }
  const locks = G.navigator?.locks;
  const ns = `feedloop|${o.key}|${o.endUser}|`;
  const me = ns + rid();
  let token = o.token;
  let queue: FeedbackEvent[] = [];
  const flying = new Set<FeedbackEvent>();
  let flyingBytes = 0;
  let timer: any = 0;
  let until = 0;
  let attempt = 0;
  let closed = false;
  let release: (() => void) | undefined;
  // With Web Locks, this instance writes its entry only while it holds the entry's lock: an entry
  // in storage is then either owned by a live instance or free to adopt, never in between.
  let owned = !locks;
  let owning: Promise<void> | undefined;
  const own = () => closed ? 0 : owning ||= new Promise<void>((granted) => locks.request(me, () => closed ? 0 : new Promise<void>((r) => {
    release = () => {
      owned = false;
      owning = release = undefined;
      r();
    };
    owned = true;
    granted();
    // Empty by now: kept until the next save (an adoption, which awaits this, fills it first).
    if (queue.length) save();
  })));
  const subs = { sent: new Set<any>(), error: new Set<any>() };
  const emit = (type: keyof FeedbackListeners, ...args: unknown[]) => subs[type].forEach((f) => f(...args));
  let waiters: (() => void)[] = [];
  const settle = () => { if (!queue.length) { waiters.map((w) => w()); waiters = []; } };

  // Bounded by count and bytes, oldest first; a quota error keeps the events in memory only.
  const save = () => {
    let text;
    while ((text = JSON.stringify({ t: now(), q: queue })).length > (o.maxBytes || 5e5) || queue.length > (o.maxEvents || 1e3)) {
      emit('error', { status: 0, retry: false }, queue.shift());
    }
    try {
      if (!owned) {
        if (queue.length) own();
      } else if (queue.length) storage!.setItem(me, text);
      else {
        storage!.removeItem(me);
        release?.();
      }
    } catch { /* quota, or no storage */ }
  };

  /** Moves an adopted entry's events into this instance's queue: stored in its entry first, then the other removed. */
  const take = (name: string) => {
    if (!owned) return; // closed meanwhile: nowhere safe to keep them
    try {
      const ids = new Set(queue.map((e) => e.metadata.event_id));
      for (const e of JSON.parse(storage!.getItem(name)!).q) if (!ids.has(e.metadata.event_id)) queue.push(e);
    } catch { /* gone already (another tab took it), or unreadable */ }
    save();
    storage!.removeItem(name);
  };

  /** Whether the last adoption found another instance's entry still locked (its page may be closing). */
  let busy = 0;
  const adopt = async () => {
    busy = 0;
    for (const name of Object.keys(storage || {})) {
      if (!name.startsWith(ns) || name == me) continue;
      if (locks) {
        await locks.request(name, { ifAvailable: true }, async (lock: unknown) => {
          if (!lock) return busy = 1;
          await own();
          take(name);
        });
      }
      else if (now() - JSON.parse(storage!.getItem(name)!).t > 3e5) take(name);
    }
  };

  const kick = (ms: number) => {
    if (!timer && !closed) timer = setTimeout(pump, Math.max(ms, until - now()));
  };
  /** Sends as soon as the backoff allows, whatever was scheduled. */
  const soon = () => {
    clearTimeout(timer);
    timer = 0;
    kick(0);
  };

  /** The next events to send: not in flight already, at most `batch` of them and `limit` bytes (at least one). */
  const next = (limit: number): [FeedbackEvent[], number] => {
    const chunk: FeedbackEvent[] = [];
    let bytes = 300;
    for (const e of queue) {
      if (flying.has(e)) continue;
      const b = size(e) + 1;
      if (chunk.length >= batch || (chunk.length && bytes + b > limit)) break;
      chunk.push(e);
      bytes += b;
    }
    return [chunk, bytes];
  };

  const send = async (chunk: FeedbackEvent[], bytes: number) => {
    chunk.map((e) => flying.add(e));
    const keepalive = flyingBytes + bytes < BUDGET;
    if (keepalive) flyingBytes += bytes;
    let status = 0;
    let wait = 0;
    let answer: any;
    try {
      // A string body is text/plain: no preflight. No cookies go to feedloop.
      const response = await fetch(url, {
        method: 'POST', keepalive, credentials: 'omit',
        body: JSON.stringify({ key: o.key, token, sent_at: iso(), events: chunk }),
      });
      wait = retryAfter(response.headers.get('retry-after'));
      answer = await response.json().catch(() => 0);
      status = response.status == 200 && !answer?.results ? 0 : response.status;
    } catch { /* network error, or refused by CORS: retried */ }
    chunk.map((e) => flying.delete(e));
    if (keepalive) flyingBytes -= bytes;
    const retry = !status || status == 408 || status == 429 || status > 499;
    if (retry) {
      chunk.map((e) => emit('error', { status, retry }, e));
      until = now() + Math.max(wait, Math.random() * Math.min(o.retryMax || 6e4, (o.retryBase || 1e3) * 2 ** attempt++));
      save(); // refreshes this entry's time, so no tab without Web Locks takes it while this one lives
      kick(0);
    } else {
      attempt = until = 0;
      chunk.map((e, k) => {
        const result = status == 200 ? answer.results[k] : answer;
        result?.id ? emit('sent', e, result) : emit('error', { status: result?.status || status, retry, problem: result || undefined }, e);
      });
      queue = queue.filter((e) => !chunk.includes(e));
      save();
      // Go on at once with a full batch or while someone waits in flush(); stragglers wait their delay.
      if (queue.length > flying.size) kick(waiters.length || queue.length - flying.size >= batch ? 0 : o.delay ?? 1e3);
    }
    if (closed && !flying.size) release?.();
    settle();
  };

  async function pump() {
    timer = 0;
    try { await adopt(); } catch { /* adoption is retried at the next send */ }
    const [chunk, bytes] = next(CHUNK);
    if (now() < until) kick(0);
    else if (chunk.length) void send(chunk, bytes);
    // A closed page releases its lock a moment after it is gone: look again, rather than leave its
    // events until this page's next one. (An entry of a live tab keeps this polling, cheaply, while it waits.)
    if (busy) kick(o.delay ?? 1e3);
    settle();
  }

  // Hidden or closing: send now, in chunks while the keepalive budget lasts; the rest stays stored.
  const hide = () => {
    clearTimeout(timer);
    timer = 0;
    let left = BUDGET - flyingBytes;
    let chunk;
    while (now() >= until && (chunk = next(Math.min(CHUNK, left)))[0].length && chunk[1] < left) {
      void send(...chunk);
      left -= chunk[1];
    }
  };

  const add = (slug: Slug, about: About = {}, text?: string, value?: number) => {
    const metadata: any = {};
    for (const [k, v] of Object.entries(about)) if (v != null) metadata[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())] = v;
    const id = rid();
    Object.assign(metadata, { end_user: o.endUser, timestamp: iso(), event_id: id });
    queue.push({ feedback: { slug, text, value }, metadata });
    save();
    if (queue.length - flying.size >= batch) soon();
    else kick(o.delay ?? 1e3);
    return id;
  };

  const offs = [
    listen(G, ['pagehide'], hide),
    listen(G, ['online'], () => {
      until = 0;
      soon();
    }),
    listen(G.document || G, ['visibilitychange'], () => G.document.visibilityState == 'hidden' && hide()),
  ];
  kick(o.delay ?? 1e3); // sends what earlier pages of this app left stored

  return {
    thumbsUp: (a, t) => add('thumbs_up', a, t),
    thumbsDown: (a, t) => add('thumbs_down', a, t),
    rate: (a, v) => {
      if (!(v >= 1 && v <= 5 && v % 1 == 0)) throw RangeError('rating: an integer from 1 to 5');
      return add('rating', a, undefined, v);
    },
    comment: (a, t) => add('comment', a, t),
    regenerate: (a) => add('regenerate', a),
    edit: (a, t) => add('edit', a, t),
    copied: (a, t) => add('copy_output', a, t),
    watchOutput: (element, about) => listen(G.document, ['copy', 'cut'], (e) => {
      const s = getSelection();
      const text = String(s);
      if (text && element.contains(s!.anchorNode) && element.contains(s!.focusNode) && !e.target.closest?.('input,textarea')) add('copy_output', about, text);
    }),
    watchInput: (element, about) => listen(element, ['paste'], (e) => {
      const text = e.clipboardData?.getData('text/plain');
      if (text) add('paste', about, text);
    }),
    flush: () => new Promise<void>((r) => {
      waiters.push(r);
      soon();
    }),
    on: (type, listener) => {
      subs[type].add(listener);
      return () => subs[type].delete(listener);
    },
    setToken: (t) => { token = t; },
    close: () => {
      closed = true;
      clearTimeout(timer);
      offs.map((off) => off());
      if (!flying.size) release?.();
    },
  };
}
