// Unit tests of the browser library, written once and run twice: in Node (node.test.ts, with an
// in-memory localStorage and no Web Locks, so the lease fallback) and in Chromium (browser.test.ts:
// real localStorage, Web Locks, DOM events). Cases marked `dom` need a document and run in the
// browser only. Each case gets the built library (dist/feedloop.js) and talks to a scripted
// network (support/fake-network.ts); the real server is exercised by the repository's end-to-end
// browser tests.
import { assert } from 'chai';
import type * as Library from '../src/feedloop.js';
import type { Feedback, FeedbackError, FeedbackEvent, FeedbackOptions, FeedbackResult } from '../src/feedloop.js';
import { fakeNetwork, sleep, until, type FakeNetwork } from './support/fake-network.js';

export type Lib = typeof Library;
export interface Case { name: string; dom?: boolean; run(lib: Lib): Promise<void> }

const G = globalThis as any;
const KEY = 'fl_pk_unit';
let users = 0;

/** A fresh end user (so a fresh queue namespace), the fake network, and instances closed at the end. */
async function withSetup(lib: Lib, work: (t: {
  make(o?: Partial<FeedbackOptions>): Feedback; net: FakeNetwork; user: string; storedEvents(): FeedbackEvent[];
}) => Promise<void>, script: Parameters<typeof fakeNetwork>[0] = [], fallback: Parameters<typeof fakeNetwork>[1] = 200): Promise<void> {
  const net = fakeNetwork(script, fallback);
  const user = `user-${Date.now()}-${++users}`;
  const made: Feedback[] = [];
  const make = (o: Partial<FeedbackOptions> = {}) => {
    const fb = lib.createFeedback({ endpoint: 'https://feedloop.test/', key: KEY, endUser: user, delay: 10, retryBase: 10, retryMax: 40, ...o });
    made.push(fb);
    return fb;
  };
  const storedEvents = () => Object.keys(G.localStorage)
    .filter((k) => k.startsWith(`feedloop|${KEY}|${user}|`))
    .flatMap((k) => (JSON.parse(G.localStorage.getItem(k)) as { q: FeedbackEvent[] }).q);
  try {
    await work({ make, net, user, storedEvents });
  } finally {
    for (const fb of made) fb.close();
    net.restore();
  }
}

const ids = (events: FeedbackEvent[]) => events.map((e) => e.metadata.event_id);
const collect = (fb: Feedback) => {
  const sent: [FeedbackEvent, FeedbackResult][] = [];
  const errors: [FeedbackError, FeedbackEvent][] = [];
  fb.on('sent', (e, r) => sent.push([e, r]));
  fb.on('error', (err, e) => errors.push([err, e]));
  return { sent, errors };
};

export const cases: Case[] = [
  {
    name: 'events wait a short delay and go in one text/plain batch with the key inside, keepalive, no credentials',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const fb = make({ delay: 500 });
      const a = fb.thumbsUp({ output: 'Paris.' });
      const b = fb.rate({ output: 'Paris.' }, 5);
      const c = fb.comment({ output: 'Paris.' }, 'short and right');
      await sleep(15);
      assert.equal(net.sent.length, 0, 'nothing before the delay');
      await fb.flush();
      assert.equal(net.sent.length, 1);
      const [request] = net.sent;
      assert.equal(request!.url, 'https://feedloop.test/api/v1/feedback/batch');
      assert.equal(request!.init.method, 'POST');
      assert.equal(typeof request!.init.body, 'string', 'a string body is sent as text/plain: no preflight');
      assert.equal(request!.init.headers, undefined, 'no custom header: no preflight');
      assert.equal(request!.init.credentials, 'omit');
      assert.equal(request!.init.keepalive, true);
      assert.equal(request!.body.key, KEY);
      assert.ok(Math.abs(Date.parse(request!.body.sent_at) - request!.at) < 1000);
      assert.deepEqual(ids(request!.body.events), [a, b, c]);
      assert.deepEqual(request!.body.events.map((e) => e.feedback), [
        { slug: 'thumbs_up' }, { slug: 'rating', value: 5 }, { slug: 'comment', text: 'short and right' },
      ]);
    }),
  },
  {
    name: 'a full batch goes at once, without waiting for the delay',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const fb = make({ delay: 60_000, batchSize: 3 });
      for (let k = 0; k < 7; k++) fb.thumbsUp({ output: `answer ${k}` });
      await until(() => net.events().length >= 6, 'two full batches');
      await sleep(30);
      assert.deepEqual(net.sent.map((s) => s.body.events.length), [3, 3]);
      await fb.flush();
      assert.deepEqual(net.sent.map((s) => s.body.events.length), [3, 3, 1]);
    }),
  },
  {
    name: 'each event gets its event_id and timestamp when the user acts; a retry resends both unchanged',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const fb = make();
      const before = Date.now();
      const id = fb.thumbsDown({ output: 'x' }, 'wrong');
      const after = Date.now();
      await sleep(30);
      await fb.flush();
      assert.ok(net.sent.length >= 2);
      const [first, last] = [net.sent[0]!.body.events[0]!, net.sent.at(-1)!.body.events[0]!];
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.deepEqual(last, first);
      const at = Date.parse(first.metadata.timestamp);
      assert.ok(at >= before && at <= after, first.metadata.timestamp);
      assert.ok(net.sent.at(-1)!.body.sent_at >= net.sent[0]!.body.sent_at, 'sent_at is the time of each send');
      assert.notEqual(fb.thumbsDown({ output: 'x' }), id);
    }, ['network-error', 500]),
  },
  {
    name: 'network errors, 408, 429 and 5xx are retried; other 4xx are not, and reported',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      for (const failure of ['network-error', 408, 429, 500, 502, 503] as const) {
        net.sent.length = 0;
        net.script.push(failure);
        const fb = make();
        const { sent, errors } = collect(fb);
        const id = fb.thumbsUp({ interactionId: 'i' });
        await fb.flush();
        assert.deepEqual(net.sent.map((s) => ids(s.body.events)), [[id], [id]], String(failure));
        assert.equal(errors.length, 1);
        assert.equal(errors[0]![0].retry, true);
        assert.equal(errors[0]![0].status, failure === 'network-error' ? 0 : failure);
        assert.equal(sent.length, 1);
        fb.close();
      }
      for (const refusal of [400, 401, 403, 404, 413, 415, 422]) {
        net.sent.length = 0;
        net.script.push(refusal);
        const fb = make();
        const { sent, errors } = collect(fb);
        fb.thumbsUp({ interactionId: 'i' });
        await fb.flush();
        await sleep(30);
        assert.equal(net.sent.length, 1, `${refusal} is not retried`);
        assert.equal(sent.length, 0);
        assert.equal(errors[0]![0].retry, false);
        assert.equal(errors[0]![0].status, refusal);
        assert.equal(errors[0]![0].problem?.status, refusal);
        fb.close();
      }
    }),
  },
  {
    name: 'a 429 with Retry-After in seconds is honoured',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const fb = make({ retryBase: 1 });
      fb.thumbsUp({ output: 'x' });
      await fb.flush();
      assert.equal(net.sent.length, 2);
      const gap = net.sent[1]!.at - net.sent[0]!.at;
      assert.ok(gap >= 1000 && gap < 3000, `retried after ${gap} ms`);
    }, [{ status: 429, headers: { 'retry-after': '1' } }]),
  },
  {
    name: 'Retry-After as an HTTP date is honoured',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      let date = '';
      net.script.push(() => {
        date = new Date(Date.now() + 1900).toUTCString(); // whole seconds: 0.9 to 1.9 s from now
        return { status: 503, headers: { 'retry-after': date } };
      });
      const fb = make({ retryBase: 1 });
      fb.thumbsUp({ output: 'x' });
      await fb.flush();
      assert.equal(net.sent.length, 2);
      assert.ok(net.sent[1]!.at >= Date.parse(date) - 20, `retried ${Date.parse(date) - net.sent[1]!.at} ms early`);
    }),
  },
  {
    name: 'retries back off exponentially with full jitter, up to retryMax',
    // The delays are read where the library schedules them (setTimeout), not measured on the clock,
    // so a loaded machine cannot make this flaky.
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const realTimeout = G.setTimeout;
      const realRandom = Math.random;
      const scheduled = (random: () => number, attempts: number) => new Promise<number[]>((resolve) => {
        // The first timer set after a failed attempt is its retry (a timer that fires a little early,
        // as Node's may, is followed by another short one: not a retry).
        const delays: number[] = [];
        let failed: number | null = null;
        G.setTimeout = (fn: () => void, ms: number) => {
          if (failed !== null) delays[failed] = ms;
          failed = null;
          return realTimeout(fn, ms);
        };
        Math.random = random;
        const fb = make({ retryBase: 30, retryMax: 90 });
        net.sent.length = 0;
        net.fallback = () => {
          if (net.sent.length >= attempts) {
            fb.close();
            resolve(delays);
          }
          failed = net.sent.length - 1;
          return 'network-error';
        };
        fb.thumbsUp({ output: 'x' });
      });
      try {
        const bounds = [30, 60, 90, 90, 90, 90];
        const half = await scheduled(() => 0.5, 7);
        half.forEach((d, k) => assert.approximately(d, bounds[k]! / 2, 2, `retry ${k} after ${d} ms (${half})`));
        Math.random = realRandom;
        const jittered = await scheduled(realRandom, 7);
        jittered.forEach((d, k) => assert.ok(d >= 0 && d <= bounds[k]! + 1, `retry ${k} after ${d} ms (${jittered})`));
        assert.equal(new Set(jittered.map(Math.round)).size > 1, true, `jittered: ${jittered}`);
      } finally {
        G.setTimeout = realTimeout;
        Math.random = realRandom;
      }
    }),
  },
  {
    name: 'an event the server refuses in a batch is dropped alone; the others are sent',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      net.script.push((s) => ({ status: 200, body: { results: [
        { id: 'fb-1', status: 'linked', interaction_id: 'i', link: 'id', flags: [] },
        { type: '/problems/token_wrong_user', title: 'wrong user', status: 401, detail: 'another end user' },
      ], clock_offset_ms: 0, n: s.body.events.length } }));
      const fb = make();
      const { sent, errors } = collect(fb);
      const a = fb.thumbsUp({ interactionId: 'i' });
      const b = fb.thumbsUp({ interactionId: 'i' });
      await fb.flush();
      await sleep(30);
      assert.equal(net.sent.length, 1);
      assert.deepEqual(sent.map(([e, r]) => [e.metadata.event_id, r.id]), [[a, 'fb-1']]);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]![1].metadata.event_id, b);
      assert.deepEqual([errors[0]![0].status, errors[0]![0].retry, errors[0]![0].problem?.type], [401, false, '/problems/token_wrong_user']);
    }),
  },
  {
    name: 'queued events are kept in localStorage until acknowledged, and the next instance (a reload) sends them',
    run: (lib) => withSetup(lib, async ({ make, net, user, storedEvents }) => {
      const first = make({ retryBase: 60_000 });
      const queued = [first.thumbsUp({ output: 'a' }), first.copied({ output: 'a' }, 'a')];
      await until(() => net.sent.length >= 1 && storedEvents().length === 2, 'a first attempt, and the events stored');
      assert.deepEqual(ids(storedEvents()), queued);
      first.close();
      if (!G.navigator?.locks) {
        // Without Web Locks an entry is taken over once it is 5 minutes old: make it so.
        for (const k of Object.keys(G.localStorage)) G.localStorage.setItem(k, JSON.stringify({ ...JSON.parse(G.localStorage.getItem(k)), t: 0 }));
      }
      net.fallback = 200;
      const second = make();
      await second.flush();
      assert.deepEqual(ids(net.sent.at(-1)!.body.events), queued);
      assert.deepEqual(storedEvents(), [], 'acknowledged events leave storage');
      assert.equal(Object.keys(G.localStorage).filter((k) => k.startsWith(`feedloop|${KEY}|${user}|`)).length, 0, 'no entry left');
    }, [], 'network-error'),
  },
  {
    name: 'two live instances (two tabs) never send each other\'s events; a closed one\'s queue is sent by the other, once',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      net.latency = 20;
      const a = make();
      const b = make();
      const mine = { a: [a.thumbsUp({ output: '1' }), a.thumbsDown({ output: '2' })], b: [b.rate({ output: '3' }, 2)] };
      await Promise.all([a.flush(), b.flush()]);
      const all = ids(net.events());
      assert.deepEqual([...all].sort(), [...mine.a, ...mine.b].sort(), 'each event sent once');
      net.fallback = 'network-error';
      const late = a.regenerate({ output: '1' });
      await until(() => net.sent.some((s) => ids(s.body.events).includes(late)), 'a failed attempt');
      a.close(); // it lets its queue go once its request in flight has settled
      if (!G.navigator?.locks) {
        await sleep(30);
        for (const k of Object.keys(G.localStorage)) G.localStorage.setItem(k, JSON.stringify({ ...JSON.parse(G.localStorage.getItem(k)), t: 0 }));
      }
      net.fallback = 200;
      const delivered = net.sent.length;
      const byB = () => net.sent.slice(delivered).map((s) => ids(s.body.events));
      for (const deadline = Date.now() + 3000; !byB().flat().includes(late) && Date.now() < deadline;) {
        await b.flush();
        await sleep(10);
      }
      await sleep(30);
      assert.deepEqual(byB(), [[late]]);
    }),
  },
  {
    name: 'a queue left by a closed tab is taken by exactly one of two instances that start together',
    run: (lib) => withSetup(lib, async ({ make, net, user }) => {
      const orphan = (id: string): FeedbackEvent => ({ feedback: { slug: 'thumbs_up' }, metadata: { end_user: user, timestamp: new Date().toISOString(), event_id: id } });
      G.localStorage.setItem(`feedloop|${KEY}|${user}|closed-tab`, JSON.stringify({ t: 0, q: [orphan('o1'), orphan('o2')] }));
      const [a, b] = [make(), make()];
      await Promise.all([a.flush(), b.flush()]);
      await sleep(30);
      assert.deepEqual(ids(net.events()).sort(), ['o1', 'o2']);
    }),
  },
  {
    name: 'a Web Lock is held only while events are stored (a page holding one misses the back/forward cache)',
    dom: true,
    run: (lib) => withSetup(lib, async ({ make, net, user }) => {
      const held = async () => ((await navigator.locks.query()).held ?? []).filter((l) => l.name?.startsWith(`feedloop|${KEY}|${user}|`)).length;
      const fb = make({ retryBase: 60_000 });
      await sleep(30);
      assert.equal(await held(), 0, 'nothing queued: no lock');
      fb.thumbsUp({ output: 'x' });
      await until(() => net.sent.length === 1, 'a failed attempt');
      assert.equal(await held(), 1);
      net.fallback = 200;
      dispatchEvent(new Event('online'));
      await fb.flush();
      for (const deadline = Date.now() + 2000; (await held()) > 0 && Date.now() < deadline;) await sleep(10);
      assert.equal(await held(), 0, 'released once the queue is empty');
    }, [], 'network-error'),
  },
  {
    name: 'storage is bounded by count and by bytes, oldest dropped first and reported',
    run: (lib) => withSetup(lib, async ({ make, storedEvents }) => {
      const fb = make({ maxEvents: 3, retryBase: 60_000 });
      const { errors } = collect(fb);
      const all = [1, 2, 3, 4, 5].map((k) => fb.thumbsUp({ output: `a${k}` }));
      await until(() => storedEvents().length > 0, 'the events stored');
      assert.deepEqual(ids(storedEvents()), all.slice(2));
      assert.deepEqual(errors.filter(([e]) => !e.retry).map(([e, ev]) => [e.status, ev.metadata.event_id]), [[0, all[0]], [0, all[1]]]);
      const small = make({ maxBytes: 2000, retryBase: 60_000 });
      for (let k = 0; k < 6; k++) small.comment({ output: 'b' }, `${k}`.repeat(400));
      await until(() => storedEvents().some((e) => e.feedback.slug === 'comment'), 'the comments stored');
      const kept = storedEvents().filter((e) => e.feedback.slug === 'comment');
      assert.ok(kept.length >= 1 && kept.length < 6, String(kept.length));
      assert.equal(kept.at(-1)!.feedback.text, '5'.repeat(400), 'the newest is kept');
      const entries = Object.keys(G.localStorage).map((k) => G.localStorage.getItem(k) as string).filter((v) => v.includes('"comment"'));
      assert.equal(entries.length, 1);
      assert.ok(entries[0]!.length <= 2000, String(entries[0]!.length));
    }, [], 'network-error'),
  },
  {
    name: 'a quota error is caught: the events stay in memory and are still sent',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const proto = Object.getPrototypeOf(G.localStorage);
      const setItem = proto.setItem;
      proto.setItem = () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
      try {
        const fb = make();
        const id = fb.thumbsUp({ output: 'x' });
        await fb.flush();
        assert.deepEqual(ids(net.events()), [id]);
      } finally {
        proto.setItem = setItem;
      }
    }),
  },
  {
    name: 'about names the interaction: input/output, interactionId, traceId/spanId; each method its slug',
    run: (lib) => withSetup(lib, async ({ make, net, user }) => {
      const fb = make();
      fb.thumbsUp({ input: 'q', output: 'a' }, 'nice');
      fb.thumbsDown({ interactionId: 'int-1', conversationId: 'conv-1' }, 'meh');
      fb.rate({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }, 3);
      fb.comment({ traceId: '0af7651916cd43dd8448eb211c80319c' }, 'text');
      fb.regenerate({ output: 'a' });
      fb.edit({ input: 'q' }, 'q, edited');
      fb.copied({ output: 'a', feedbackToken: 'tok' }, 'a');
      assert.throws(() => fb.rate({ output: 'a' }, 6), RangeError);
      assert.throws(() => fb.rate({ output: 'a' }, 2.5), RangeError);
      await fb.flush();
      const events = net.events();
      const strip = (e: FeedbackEvent) => {
        const { end_user: endUser, timestamp, event_id: eventId, ...about } = e.metadata;
        assert.equal(endUser, user);
        assert.ok(timestamp && eventId);
        return [e.feedback, about];
      };
      assert.deepEqual(events.map(strip), [
        [{ slug: 'thumbs_up', text: 'nice' }, { input: 'q', output: 'a' }],
        [{ slug: 'thumbs_down', text: 'meh' }, { interaction_id: 'int-1', conversation_id: 'conv-1' }],
        [{ slug: 'rating', value: 3 }, { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' }],
        [{ slug: 'comment', text: 'text' }, { trace_id: '0af7651916cd43dd8448eb211c80319c' }],
        [{ slug: 'regenerate' }, { output: 'a' }],
        [{ slug: 'edit', text: 'q, edited' }, { input: 'q' }],
        [{ slug: 'copy_output', text: 'a' }, { output: 'a', feedback_token: 'tok' }],
      ]);
    }),
  },
  {
    name: 'flush settles once everything is acknowledged; on() reports each result and can be undone',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      net.latency = 50;
      const fb = make();
      const { sent } = collect(fb);
      let later = 0;
      const off = fb.on('sent', () => { later++; });
      const id = fb.thumbsUp({ output: 'x' });
      const started = Date.now();
      await fb.flush();
      assert.ok(Date.now() - started >= 45);
      assert.deepEqual(sent.map(([e, r]) => [e.metadata.event_id, r.id]), [[id, `fb-${id}`]]);
      off();
      fb.thumbsUp({ output: 'y' });
      await fb.flush();
      assert.equal(later, 1);
      assert.equal(sent.length, 2);
      await fb.flush(); // nothing queued: settles at once
    }),
  },
  {
    name: 'setToken: events still queued go with the new token',
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const fb = make({ token: 'old', retryBase: 30 });
      fb.thumbsUp({ output: 'x' });
      await until(() => net.sent.length === 1, 'a first attempt');
      fb.setToken('new');
      await fb.flush();
      // Full jitter may retry with the old token before setToken runs on a busy machine: what matters
      // is that once the token changed, every attempt carries the new one, and the last one succeeds with it.
      const tokens = net.sent.map((s) => s.body.token);
      assert.equal(tokens[0], 'old');
      assert.equal(tokens.at(-1), 'new');
      assert.deepEqual(tokens.slice(tokens.indexOf('new')), tokens.slice(tokens.indexOf('new')).map(() => 'new'));
    }, [503]),
  },
  {
    name: 'pagehide sends what is queued at once, with keepalive, in chunks within the 64 KB budget',
    dom: true,
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const fb = make({ delay: 60_000 });
      const queued = [0, 1, 2, 3, 4].map((k) => fb.comment({ output: 'long' }, `${k}`.repeat(20_000)));
      assert.equal(net.sent.length, 0);
      dispatchEvent(new PageTransitionEvent('pagehide'));
      // Synchronously: a closing page runs no later task.
      const bytes = net.sent.map((s) => new TextEncoder().encode(s.text).length);
      assert.ok(net.sent.length >= 2, `${net.sent.length} requests`);
      assert.ok(bytes.reduce((a, b) => a + b, 0) < 64 * 1024, `${bytes}`);
      assert.ok(net.sent.every((s) => s.init.keepalive === true && typeof s.init.body === 'string'));
      await fb.flush();
      assert.deepEqual(ids(net.events()), queued, 'the rest follows once the page lives on; each event once');
    }),
  },
  {
    name: 'a hidden page flushes too (visibilitychange)',
    dom: true,
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const fb = make({ delay: 60_000 });
      const id = fb.thumbsUp({ output: 'x' });
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      try {
        document.dispatchEvent(new Event('visibilitychange'));
      } finally {
        delete (document as any).visibilityState;
      }
      assert.deepEqual(ids(net.events()), [id]);
    }),
  },
  {
    name: 'the online event retries at once instead of waiting out the backoff',
    dom: true,
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const fb = make({ retryBase: 60_000, retryMax: 60_000 });
      fb.thumbsUp({ output: 'x' });
      await until(() => net.sent.length === 1, 'a failed attempt');
      await sleep(50);
      const attempts = net.sent.length;
      net.fallback = 200;
      dispatchEvent(new Event('online'));
      await until(() => net.sent.length === attempts + 1, 'the retry on online', 2000);
    }, ['network-error'], 'network-error'),
  },
  {
    name: 'watchOutput sends exactly the selected text of a copy or cut inside the element; outside or in inputs nothing',
    dom: true,
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const root = document.createElement('div');
      root.innerHTML = '<div id="answer"><p>Paris is the <b>capital</b> of France.</p><input id="inside" value="typed text"></div><p id="outside">Elsewhere.</p>';
      document.body.append(root);
      try {
        const answer = root.querySelector('#answer')!;
        const fb = make();
        const stop = fb.watchOutput(answer, { output: 'Paris is the capital of France.' });
        const select = (node: Node, from: number, to: Node = node, end = from) => {
          const range = document.createRange();
          range.setStart(node, from);
          range.setEnd(to, end);
          getSelection()!.removeAllRanges();
          getSelection()!.addRange(range);
        };
        const p = answer.querySelector('p')!;
        select(p.firstChild!, 9, answer.querySelector('b')!.firstChild!, 7); // "the capital"
        p.dispatchEvent(new ClipboardEvent('copy', { bubbles: true }));
        select(p.lastChild!, 1, p.lastChild!, 11); // "of France."
        p.dispatchEvent(new ClipboardEvent('cut', { bubbles: true }));
        select(root.querySelector('#outside')!.firstChild!, 0, root.querySelector('#outside')!.firstChild!, 9);
        document.body.dispatchEvent(new ClipboardEvent('copy', { bubbles: true }));
        select(p.firstChild!, 0, root.querySelector('#outside')!.firstChild!, 4); // starts inside, ends outside
        p.dispatchEvent(new ClipboardEvent('copy', { bubbles: true }));
        const input = root.querySelector<HTMLInputElement>('#inside')!;
        input.focus();
        input.select();
        select(p.firstChild!, 0, p.firstChild!, 5); // a document selection, but the copy comes from the input
        input.dispatchEvent(new ClipboardEvent('copy', { bubbles: true }));
        stop();
        select(p.firstChild!, 0, p.firstChild!, 5);
        p.dispatchEvent(new ClipboardEvent('copy', { bubbles: true }));
        await fb.flush();
        assert.deepEqual(net.events().map((e) => [e.feedback.slug, e.feedback.text, e.metadata['output']]), [
          ['copy_output', 'the capital', 'Paris is the capital of France.'],
          ['copy_output', 'of France.', 'Paris is the capital of France.'],
        ]);
      } finally {
        root.remove();
      }
    }),
  },
  {
    name: 'watchInput sends the pasted text; the returned function stops it',
    dom: true,
    run: (lib) => withSetup(lib, async ({ make, net }) => {
      const box = document.createElement('textarea');
      document.body.append(box);
      try {
        const fb = make();
        const stop = fb.watchInput(box);
        const paste = (text: string) => {
          const data = new DataTransfer();
          data.setData('text/plain', text);
          box.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, clipboardData: data }));
        };
        paste('Paris is the capital');
        paste('');
        stop();
        paste('after stop');
        await fb.flush();
        assert.deepEqual(net.events().map((e) => [e.feedback.slug, e.feedback.text]), [['paste', 'Paris is the capital']]);
      } finally {
        box.remove();
      }
    }),
  },
  {
    name: 'close stops sending and listening; what is queued stays stored',
    run: (lib) => withSetup(lib, async ({ make, net, storedEvents }) => {
      const fb = make({ delay: 60_000 });
      const id = fb.thumbsUp({ output: 'x' });
      await until(() => storedEvents().length === 1, 'the event stored');
      fb.close();
      G.dispatchEvent?.(new Event('pagehide'));
      await sleep(60);
      assert.equal(net.sent.length, 0);
      assert.deepEqual(ids(storedEvents()), [id]);
    }),
  },
];
