// A scripted stand-in for the network, for the library's unit tests in Node and in the browser:
// replaces globalThis.fetch, records every request the library makes, and answers each one as the
// script says (a status, headers, a body, a network error) or as feedloop would (every event stored).
import type { FeedbackEvent } from '../../src/feedloop.js';

export interface BatchBody { key: string; token?: string; sent_at: string; events: FeedbackEvent[] }
export interface Sent { at: number; url: string; init: RequestInit; text: string; body: BatchBody }
export type Reply =
  | number
  | 'network-error'
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | ((sent: Sent) => Reply);

const stored = (body: BatchBody) => ({
  results: body.events.map((e) => ({ id: `fb-${e.metadata.event_id}`, status: 'pending', interaction_id: null, link: null, flags: [] })),
  clock_offset_ms: 0,
});

export interface FakeNetwork {
  sent: Sent[];
  /** Every event of every request, in order (an event sent twice appears twice). */
  events(): FeedbackEvent[];
  /** Answers for the next requests, first to last; then `fallback`. */
  script: Reply[];
  fallback: Reply;
  /** Milliseconds before each answer. */
  latency: number;
  restore(): void;
}

export function fakeNetwork(script: Reply[] = [], fallback: Reply = 200): FakeNetwork {
  const original = globalThis.fetch;
  const net: FakeNetwork = {
    sent: [], script, fallback, latency: 0,
    events: () => net.sent.flatMap((s) => s.body.events),
    restore: () => { globalThis.fetch = original; },
  };
  globalThis.fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    const text = init?.body as string;
    const sent: Sent = { at: Date.now(), url: String(url), init: init ?? {}, text, body: JSON.parse(text) as BatchBody };
    net.sent.push(sent);
    let reply: Reply = net.script.length > 0 ? net.script.shift()! : net.fallback;
    while (typeof reply === 'function') reply = reply(sent);
    if (net.latency > 0) await new Promise((r) => setTimeout(r, net.latency));
    if (reply === 'network-error') throw new TypeError('Failed to fetch');
    const r = typeof reply === 'number' ? { status: reply } : reply;
    const body = r.body ?? (r.status === 200 ? stored(sent.body) : { type: '/problems/scripted', title: 'Scripted', status: r.status, detail: 'scripted failure' });
    return new Response(JSON.stringify(body), { status: r.status, headers: r.headers ?? {} });
  };
  return net;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `condition` holds (polling), or fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
