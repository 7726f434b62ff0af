// The read API on a hand-computed dataset sent through the ingestion endpoints: every figure of
// /stats and /compare, current-state counting, the lists and their filters, pagination, bad
// parameters, and isolation between projects.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { alwaysValidPValue, proportionLook, Z95 } from '../../src/core/statistics.js';
import { MIXTURE_VARIANCE } from '../../src/core/stats-report.js';
import { assertProblem, FEEDBACK, startTestServer, V2_INTERACTIONS, type TestServer } from '../support/app.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../support/postgres.js';

const T = Date.parse('2024-05-01T10:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (t: number) => new Date(t).toISOString();
const close = (actual: number | null, expected: number, digits = 6) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 10 ** -digits, `${actual} ≈ ${expected}`);

function wilson(x: number, n: number) {
  const p = x / n;
  const z2 = Z95 * Z95;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { value: p, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

function assertRate(r: { value: number | null; low: number | null; high: number | null; n: number }, x: number, n: number) {
  assert.equal(r.n, n);
  if (n === 0) return assert.deepEqual([r.value, r.low, r.high], [null, null, null]);
  const w = wilson(x, n);
  close(r.value, w.value);
  close(r.low, w.low);
  close(r.high, w.high);
}

async function send(server: TestServer, path: string, body: unknown) {
  const res = await server.post(path, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function turn(id: string, endUser: string, end: number, extra: Record<string, unknown> = {}) {
  return {
    interaction: {
      id, input: `question ${id}`, output: `answer ${id}`, end_user: endUser, time_start: iso(end - 2000), time_end: iso(end),
      messages: [{ role: 'user', content: `question ${id}` }], ...extra,
    },
    anonymize: false,
  };
}

function vote(endUser: string, slug: string, at: number, interactionId: string, extra: { text?: string; value?: number } = {}) {
  return { feedback: { slug, ...extra }, metadata: { end_user: endUser, timestamp: iso(at), interaction_id: interactionId } };
}

/** The dataset of docs/statistics.md's worked example: six interactions over two days, twelve feedback. */
async function seed(server: TestServer) {
  await send(server, V2_INTERACTIONS, turn('i1', 'alice', T + 10 * MIN, { model: 'gpt-a', feature_flags: ['new-ui'], tags: { team: 'search' } }));
  await send(server, V2_INTERACTIONS, turn('i2', 'alice', T + 20 * MIN, { model: 'gpt-a', tags: { team: 'search' } }));
  await send(server, V2_INTERACTIONS, turn('i3', 'bob', T + 70 * MIN, { model: 'gpt-b', feature_flags: ['new-ui'], tags: { team: 'billing' } }));
  await send(server, V2_INTERACTIONS, turn('i4', 'bob', T + 80 * MIN, { model: 'gpt-b' }));
  await send(server, V2_INTERACTIONS, turn('i5', 'carol', T + 25 * HOUR, { model: 'gpt-a', feature_flags: ['new-ui'] }));
  await send(server, V2_INTERACTIONS, turn('i6', 'carol', T + 26 * HOUR));
  const f: Record<string, { id: string; status: string }> = {};
  f['f1'] = await send(server, FEEDBACK, vote('alice', 'thumbs_up', T + 11 * MIN, 'i1'));
  f['f2'] = await send(server, FEEDBACK, vote('alice', 'thumbs_down', T + 12 * MIN, 'i1', { text: 'too long' }));
  f['f3'] = await send(server, FEEDBACK, vote('alice', 'rating', T + 21 * MIN, 'i2', { value: 2 }));
  f['f4'] = await send(server, FEEDBACK, vote('alice', 'rating', T + 22 * MIN, 'i2', { value: 5 }));
  f['f5'] = await send(server, FEEDBACK, vote('alice', 'copy_output', T + 23 * MIN, 'i2', { text: 'answer' }));
  f['f6'] = await send(server, FEEDBACK, vote('bob', 'thumbs_up', T + 71 * MIN, 'i3'));
  f['f7'] = await send(server, FEEDBACK, vote('bob', 'thumbs_up', T + 81 * MIN, 'i4'));
  f['f8'] = await send(server, FEEDBACK, vote('bob', 'regenerate', T + 82 * MIN, 'i4'));
  f['f9'] = await send(server, FEEDBACK, vote('carol', 'thumbs_down', T + 25 * HOUR + MIN, 'i5', { text: 'wrong' }));
  f['f10'] = await send(server, FEEDBACK, vote('carol', 'rating', T + 25 * HOUR + 2 * MIN, 'i5', { value: 4 }));
  f['f11'] = await send(server, FEEDBACK, vote('dave', 'thumbs_up', T + 30 * MIN, 'not-yet-sent'));
  f['f12'] = await send(server, FEEDBACK, vote('bob', 'edit', T + 83 * MIN, 'i4', { text: 'edited answer' }));
  return f;
}

const RANGE = `from=${iso(T)}&to=${iso(T + 2 * DAY)}`;

/** The whole file runs on each backend: the embedded SQLite file, and a real PostgreSQL server when there is one. */
const postgres: PostgresServer | null = postgresUnavailable() === null ? await startPostgres() : null;
after(async () => { await postgres?.stop(); });
const backends: [string, () => Promise<Record<string, string>>][] = [
  ['sqlite', async () => ({})],
  ...(postgres ? [['postgres', async () => ({ DATABASE_URL: await postgres.createDatabase() })] as [string, () => Promise<Record<string, string>>]] : []),
];

for (const [backend, env] of backends) {
  describe(`read API on a hand-computed dataset (${backend})`, () => {
    let server: TestServer;
    let f: Awaited<ReturnType<typeof seed>>;
    before(async () => {
      server = await startTestServer(await env());
      f = await seed(server);
    });
    after(async () => { await server.destroy(); });

    test('/stats: every figure of the whole range, counted in current state', async () => {
      const res = await server.get(`/api/v1/stats?${RANGE}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.computed_from, 'rollups');
      assert.equal(res.body.groups.length, 1);
      const g = res.body.groups[0];
      assert.equal(g.key, 'all');
      assert.deepEqual(res.body.total.interactions, 6);
      assert.equal(g.interactions, 6);
      // i1: up then down by alice → down; i3, i4 up; i5 down.
      assert.deepEqual(g.slugs, { thumbs_up: 2, thumbs_down: 2, copy_input: 0, copy_output: 1, paste: 0, rating: 2, comment: 0, regenerate: 1, edit: 1 });
      assert.equal(g.feedback, 9);
      assertRate(g.thumbs_up_rate, 2, 4);
      // i2 rated 2 then 5 → 5; i5 rated 4: mean 4.5, sd sqrt(0.5), t(0.975, 1) = 12.7062.
      assert.deepEqual(g.mean_rating.histogram, [0, 0, 0, 1, 1]);
      assert.equal(g.mean_rating.n, 2);
      close(g.mean_rating.value, 4.5);
      close(g.mean_rating.low, 4.5 - 12.7062047 * Math.sqrt(0.5) / Math.SQRT2, 5);
      close(g.mean_rating.high, 4.5 + 12.7062047 * 0.5, 5);
      assertRate(g.copy_rate, 1, 6);
      assertRate(g.regenerate_rate, 1, 6);
      assertRate(g.edit_rate, 1, 6);
      assertRate(g.feedback_coverage, 5, 6);
      assert.equal(g.pending, 1);
      assert.equal(g.orphaned, 0);
    });

    test('/stats by day: buckets in UTC, none missing, pending counted at the feedback time', async () => {
      const res = await server.get(`/api/v1/stats?${RANGE}&by=day`);
      const [d1, d2, d3] = res.body.groups;
      // The range ends at 10:00 on May 3: that day's bucket overlaps it and is listed, empty.
      assert.deepEqual(res.body.groups.map((g: { key: string }) => g.key), ['2024-05-01T00:00:00.000Z', '2024-05-02T00:00:00.000Z', '2024-05-03T00:00:00.000Z']);
      assert.equal(d3.interactions, 0);
      assert.deepEqual([d1.interactions, d1.slugs.thumbs_up, d1.slugs.thumbs_down, d1.mean_rating.n, d1.pending], [4, 2, 1, 1, 1]);
      assert.deepEqual([d2.interactions, d2.slugs.thumbs_up, d2.slugs.thumbs_down, d2.mean_rating.value, d2.pending], [2, 0, 1, 4, 0]);
      // An empty day in the range is present, with zeros and null rates.
      const wider = await server.get(`/api/v1/stats?from=${iso(T - DAY)}&to=${iso(T + 2 * DAY)}&by=day`);
      const empty = wider.body.groups[0];
      assert.equal(empty.key, '2024-04-30T00:00:00.000Z');
      assert.equal(empty.interactions, 0);
      assert.deepEqual(empty.thumbs_up_rate, { value: null, low: null, high: null, n: 0 });
    });

    test('/stats by model, feature flag and tag: sorted keys, an interaction in each group it belongs to', async () => {
      const byModel = (await server.get(`/api/v1/stats?${RANGE}&by=model`)).body;
      assert.deepEqual(byModel.groups.map((g: { key: string; interactions: number }) => [g.key, g.interactions]), [['gpt-a', 3], ['gpt-b', 2]]);
      assertRate(byModel.groups[0].thumbs_up_rate, 0, 2);
      assertRate(byModel.groups[1].thumbs_up_rate, 2, 2);
      assert.equal(byModel.total.interactions, 6, 'the total counts interactions without a model too');
      const byFlag = (await server.get(`/api/v1/stats?${RANGE}&by=feature_flag`)).body;
      assert.deepEqual(byFlag.groups.map((g: { key: string; interactions: number }) => [g.key, g.interactions]), [['new-ui', 3]]);
      assertRate(byFlag.groups[0].thumbs_up_rate, 1, 3);
      const byTag = (await server.get(`/api/v1/stats?${RANGE}&by=tag:team`)).body;
      assert.deepEqual(byTag.groups.map((g: { key: string; interactions: number }) => [g.key, g.interactions]), [['billing', 1], ['search', 2]]);
    });

    test('/stats with a dimension filter comes from rollups; other filters from the interactions, with the same figures', async () => {
      const model = (await server.get(`/api/v1/stats?${RANGE}&model=gpt-a`)).body;
      assert.equal(model.computed_from, 'rollups');
      assert.deepEqual([model.total.interactions, model.total.pending, model.total.slugs.thumbs_down], [3, 0, 2]);
      const user = (await server.get(`/api/v1/stats?${RANGE}&end_user=alice`)).body;
      assert.equal(user.computed_from, 'interactions');
      assert.deepEqual([user.total.interactions, user.total.slugs.thumbs_down, user.total.mean_rating.value, user.total.copy_rate.value], [2, 1, 5, 0.5]);
      const two = (await server.get(`/api/v1/stats?${RANGE}&model=gpt-a&feature_flag=new-ui&by=day`)).body;
      assert.equal(two.computed_from, 'interactions');
      assert.deepEqual(two.groups.map((g: { interactions: number }) => g.interactions), [1, 1, 0]);
    });

    test('/stats over a range that does not start or end on an hour is exact', async () => {
      // [10:15, 11:15): i2 (10:20) and i3 (11:10); the pending feedback (10:30).
      const res = (await server.get(`/api/v1/stats?from=${iso(T + 15 * MIN)}&to=${iso(T + 75 * MIN)}`)).body;
      assert.deepEqual([res.total.interactions, res.total.slugs.thumbs_up, res.total.slugs.rating, res.total.pending], [2, 1, 1, 1]);
      const inside = (await server.get(`/api/v1/stats?from=${iso(T + 15 * MIN)}&to=${iso(T + 25 * MIN)}&by=hour`)).body;
      assert.deepEqual(inside.groups.map((g: { key: string; interactions: number }) => [g.key, g.interactions]), [['2024-05-01T10:00:00.000Z', 1]]);
    });

    test('/compare by model: sample sizes, difference with Newcombe interval, z-test, always-valid p and a verdict', async () => {
      const res = await server.get(`/api/v1/compare?by=model&a=gpt-a&b=gpt-b&${RANGE}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const c = res.body;
      assert.deepEqual([c.a.key, c.b.key, c.a.thumbs_up_rate.n, c.b.thumbs_up_rate.n], ['gpt-a', 'gpt-b', 2, 2]);
      // 0/2 vs 2/2: pooled 0.5, se 0.5, z = 2.
      close(c.thumbs_up_difference.value, 1);
      const wa = wilson(0, 2);
      const wb = wilson(2, 2);
      close(c.thumbs_up_difference.low, 1 - Math.sqrt((1 - wb.low) ** 2 + (wa.high - 0) ** 2));
      close(c.thumbs_up_difference.high, 1);
      close(c.p_value, 0.0455003, 6);
      assert.ok(c.always_valid_p_value >= c.p_value, 'always-valid p is the more cautious');
      // Looks at the end of each day with votes: day 1 (a 0/1, b 2/2), day 2 (a 0/2, b 2/2).
      const expected = alwaysValidPValue([
        proportionLook({ successes: 0, n: 1 }, { successes: 2, n: 2 }), proportionLook({ successes: 0, n: 2 }, { successes: 2, n: 2 }),
      ], MIXTURE_VARIANCE.thumbsUpRate);
      close(c.always_valid_p_value, expected!, 12);
      assert.equal(c.mean_rating_difference.value, null, 'gpt-b has no ratings');
      assert.match(c.verdict, /^gpt-b's thumbs-up rate is higher than gpt-a's by 100 points/);
    });

    test('/interactions: "the answers users disliked, with what they said" is one request', async () => {
      const res = await server.get('/api/v1/interactions?feedback=thumbs_down&has_comment=true');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.items.map((i: { id: string }) => i.id), ['i5', 'i1']);
      const i1 = res.body.items[1];
      assert.deepEqual(i1.feedback_summary, {
        total: 2, counts: { thumbs_up: 0, thumbs_down: 1, copy_input: 0, copy_output: 0, paste: 0, rating: 0, comment: 0, regenerate: 0, edit: 0 },
        thumbs: 'down', rating: null, comments: 1,
      });
      assert.deepEqual(i1.feedback.map((x: { slug: string; text: string | null }) => [x.slug, x.text]), [['thumbs_up', null], ['thumbs_down', 'too long']]);
      assert.equal(i1.messages, undefined, 'lists leave the bulky fields to GET /interactions/{id}');
      assert.equal(res.body.next_cursor, null);
    });

    test('/interactions filters: current votes, none, ratings, model, tag, end user, text', async () => {
      const ids = async (query: string) => {
        const res = await server.get(`/api/v1/interactions?${query}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.items.map((i: { id: string }) => i.id);
      };
      assert.deepEqual(await ids('feedback=thumbs_up'), ['i4', 'i3'], 'i1 was changed to a thumbs down');
      assert.deepEqual(await ids('feedback=none'), ['i6']);
      assert.deepEqual(await ids('feedback=any&order=oldest'), ['i1', 'i2', 'i3', 'i4', 'i5']);
      assert.deepEqual(await ids('min_rating=4.5'), ['i2']);
      assert.deepEqual(await ids('max_rating=4'), ['i5']);
      assert.deepEqual(await ids('model=gpt-b'), ['i4', 'i3']);
      assert.deepEqual(await ids('tag=team:search'), ['i2', 'i1']);
      assert.deepEqual(await ids('feature_flag=new-ui&feedback=thumbs_down'), ['i5', 'i1']);
      assert.deepEqual(await ids('end_user=carol'), ['i6', 'i5']);
      assert.deepEqual(await ids('q=ANSWER%20I3'), ['i3']);
      assert.deepEqual(await ids(`from=${iso(T + HOUR)}&to=${iso(T + DAY)}`), ['i4', 'i3']);
      assert.deepEqual(await ids('has_comment=false'), ['i6', 'i4', 'i3', 'i2']);
    });

    test('/feedback filters and order', async () => {
      const ids = async (query: string) => {
        const res = await server.get(`/api/v1/feedback?${query}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.items.map((x: { id: string }) => x.id);
      };
      assert.deepEqual(await ids('slug=rating'), [f['f10']!.id, f['f4']!.id, f['f3']!.id]);
      assert.deepEqual(await ids('slug=rating&slug=edit&order=oldest'), [f['f3']!.id, f['f4']!.id, f['f12']!.id, f['f10']!.id]);
      assert.deepEqual(await ids('status=pending'), [f['f11']!.id]);
      assert.deepEqual(await ids('has_text=true'), [f['f9']!.id, f['f2']!.id]);
      assert.deepEqual(await ids('min_value=3'), [f['f10']!.id, f['f4']!.id]);
      assert.deepEqual(await ids('model=gpt-b'), [f['f12']!.id, f['f8']!.id, f['f7']!.id, f['f6']!.id]);
      assert.deepEqual(await ids('end_user=alice&slug=thumbs_up'), [f['f1']!.id]);
      assert.deepEqual(await ids('interaction_id=i2'), [f['f5']!.id, f['f4']!.id, f['f3']!.id]);
      assert.deepEqual(await ids('q=TOO'), [f['f2']!.id]);
      assert.deepEqual(await ids('tag=team:billing'), [f['f6']!.id]);
    });

    test('pagination walks every feedback exactly once, following next_cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await server.get(`/api/v1/feedback?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.items.length <= 5);
        seen.push(...res.body.items.map((x: { id: string }) => x.id));
        cursor = res.body.next_cursor;
      } while (cursor);
      assert.equal(seen.length, 12);
      assert.deepEqual([...seen].sort(), Object.values(f).map((x) => x.id).sort());
    });

    test('/conversations/{id}: its interactions in order, each with its feedback; /users/{end_user}', async () => {
      const i1 = (await server.get('/api/v1/interactions/i1')).body;
      assert.equal(i1.feedback_summary.thumbs, 'down');
      const conv = await server.get(`/api/v1/conversations/${i1.conversation_id}`);
      assert.equal(conv.status, 200, JSON.stringify(conv.body));
      assert.deepEqual(conv.body.interactions.map((i: { id: string; feedback: unknown[] }) => [i.id, i.feedback.length]), [['i1', 2], ['i2', 3]]);
      assert.equal(conv.body.end_user, 'alice');
      const alice = await server.get('/api/v1/users/alice');
      assert.equal(alice.status, 200, JSON.stringify(alice.body));
      assert.deepEqual([alice.body.interactions, alice.body.feedback, alice.body.conversations], [2, 5, 1]);
      assert.equal(alice.body.first_seen, iso(T + 10 * MIN - 2000));
      assert.equal(alice.body.last_seen, iso(T + 23 * MIN));
      assert.equal(alice.body.recent_feedback[0].id, f['f5']!.id);
      assert.deepEqual(alice.body.recent_conversations.map((c: { id: string; interactions: number }) => [c.id, c.interactions]), [[i1.conversation_id, 2]]);
      assertProblem(await server.get('/api/v1/users/nobody'), 404);
      assertProblem(await server.get('/api/v1/conversations/nothing-here'), 404);
    });

    test('bad parameters: 422 naming each parameter', async () => {
      const named = async (url: string, parameters: string[]) => {
        const res = await server.get(url);
        assertProblem(res, 422);
        assert.deepEqual(res.body.errors.map((e: { parameter: string }) => e.parameter).sort(), [...parameters].sort(), JSON.stringify(res.body));
      };
      await named('/api/v1/feedback?limit=0', ['limit']);
      await named('/api/v1/interactions?limit=1001&colour=red', ['limit', 'colour']);
      await named(`/api/v1/feedback?from=${iso(T + DAY)}&to=${iso(T)}`, ['from']);
      await named('/api/v1/interactions?cursor=not-a-cursor', ['cursor']);
      await named('/api/v1/feedback?slug=thumbs_sideways&status=lost', ['slug', 'status']);
      await named('/api/v1/stats?by=colour', ['by']);
      await named('/api/v1/stats?by=day&tz=Asia/Kolkata', ['tz']);
      await named('/api/v1/stats?tz=Nowhere/Land', ['tz']);
      await named(`/api/v1/stats?by=hour&from=${iso(T - 5 * 365 * DAY)}&to=${iso(T)}`, ['by']);
      await named('/api/v1/compare?by=model&a=x', ['b']);
      await named('/api/v1/compare?by=day&a=x&b=y', ['by']);
      await named('/api/v1/interactions?feedback=none&has_comment=true', ['feedback']);
      await named('/api/v1/interactions?tag=nocolon&min_rating=9', ['tag', 'min_rating']);
      const page = await server.get('/api/v1/feedback?limit=1');
      await named(`/api/v1/feedback?order=oldest&cursor=${page.body.next_cursor}`, ['cursor']);
    });
  });

  describe(`read API: what moves in the statistics when links move (${backend})`, () => {
    let server: TestServer;
    before(async () => { server = await startTestServer(await env()); });
    after(async () => { await server.destroy(); });
    const stats = async () => (await server.get(`/api/v1/stats?from=${iso(T)}&to=${iso(T + DAY)}`)).body.total;

    test('pending feedback that links later moves from pending into the interaction\'s counts', async () => {
      await send(server, FEEDBACK, vote('dave', 'thumbs_up', T + 30 * MIN, 'later'));
      assert.deepEqual([(await stats()).pending, (await stats()).slugs.thumbs_up], [1, 0]);
      await send(server, V2_INTERACTIONS, turn('later', 'dave', T + 20 * MIN));
      const now = await stats();
      assert.deepEqual([now.pending, now.slugs.thumbs_up, now.interactions, now.feedback_coverage.value], [0, 1, 1, 1]);
    });

    test('a provisional time link moves to a better interaction that arrives later, and its vote moves with it', async () => {
      await send(server, V2_INTERACTIONS, turn('e1', 'erin', T + 5 * HOUR, { model: 'old' }));
      const fb = await send(server, FEEDBACK, { feedback: { slug: 'thumbs_down' }, metadata: { end_user: 'erin', timestamp: iso(T + 5 * HOUR + 10 * MIN) } });
      assert.equal(fb.interaction_id, 'e1');
      const before = (await server.get(`/api/v1/stats?from=${iso(T)}&to=${iso(T + DAY)}&by=model`)).body.groups;
      assert.deepEqual(before.map((g: { key: string; slugs: { thumbs_down: number } }) => [g.key, g.slugs.thumbs_down]), [['old', 1]]);
      await send(server, V2_INTERACTIONS, turn('e2', 'erin', T + 5 * HOUR + 5 * MIN, { model: 'new' }));
      assert.equal((await server.get(`/api/v1/feedback/${fb.id}`)).body.interaction_id, 'e2');
      const after = (await server.get(`/api/v1/stats?from=${iso(T)}&to=${iso(T + DAY)}&by=model`)).body.groups;
      assert.deepEqual(after.map((g: { key: string; slugs: { thumbs_down: number } }) => [g.key, g.slugs.thumbs_down]), [['new', 1], ['old', 0]]);
    });

    test('tags added later move an interaction (and its feedback) into the tag\'s group', async () => {
      await send(server, V2_INTERACTIONS, turn('t1', 'tess', T + 8 * HOUR));
      await send(server, FEEDBACK, vote('tess', 'thumbs_up', T + 8 * HOUR + MIN, 't1'));
      const tagged = await server.post('/event-ingestion/api/v2/events/tags',
        { tags: { plan: 'pro' }, metadata: { end_user: 'tess', timestamp: iso(T + 8 * HOUR - 2000), output: 'answer t1' } });
      assert.equal(tagged.body.status, 'linked');
      const byPlan = (await server.get(`/api/v1/stats?from=${iso(T)}&to=${iso(T + DAY)}&by=tag:plan`)).body.groups;
      assert.deepEqual(byPlan.map((g: { key: string; interactions: number; slugs: { thumbs_up: number } }) => [g.key, g.interactions, g.slugs.thumbs_up]), [['pro', 1, 1]]);
    });

    test('pagination sees every interaction once while others are being inserted', async () => {
      for (let k = 0; k < 30; k++) await send(server, V2_INTERACTIONS, turn(`p${k}`, `walker-${k % 3}`, T + 2 * DAY + k * MIN));
      const seen: string[] = [];
      let cursor: string | null = null;
      let extra = 0;
      do {
        const res = await server.get(`/api/v1/interactions?limit=4&from=${iso(T + 2 * DAY)}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.items.map((i: { id: string }) => i.id));
        cursor = res.body.next_cursor;
        // Newer and older rows arrive while the walk goes on.
        await send(server, V2_INTERACTIONS, turn(`new-${extra}`, 'walker-new', T + 3 * DAY + extra * MIN));
        await send(server, V2_INTERACTIONS, turn(`old-${extra}`, 'walker-old', T + DAY + extra * MIN));
        extra++;
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, 'no row twice');
      for (let k = 0; k < 30; k++) assert.ok(seen.includes(`p${k}`), `p${k} seen`);
    });
  });

  describe(`read API access (${backend})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(await env());
      await seed(server);
    });
    after(async () => { await server.destroy(); });
    const routes = ['/api/v1/feedback', '/api/v1/interactions', '/api/v1/stats', '/api/v1/compare?by=model&a=gpt-a&b=gpt-b', '/api/v1/users/alice', '/api/v1/conversations/x'];

    test('publishable keys may not read (403)', async () => {
      const { key } = await server.keys.create('default', { kind: 'publishable', origins: [] });
      for (const route of routes) assertProblem(await server.get(route, key), 403);
    });

    test('another project sees nothing of this one on any read route', async () => {
      const { key } = await server.keys.create('other-project');
      assert.deepEqual((await server.get('/api/v1/feedback', key)).body.items, []);
      assert.deepEqual((await server.get('/api/v1/interactions', key)).body.items, []);
      const stats = (await server.get(`/api/v1/stats?${RANGE}`, key)).body;
      assert.deepEqual([stats.total.interactions, stats.total.feedback, stats.total.pending], [0, 0, 0]);
      const compare = (await server.get(`/api/v1/compare?by=model&a=gpt-a&b=gpt-b&${RANGE}`, key)).body;
      assert.deepEqual([compare.a.interactions, compare.b.interactions, compare.p_value], [0, 0, null]);
      assertProblem(await server.get('/api/v1/users/alice', key), 404);
      const i1 = (await server.get('/api/v1/interactions/i1')).body;
      assertProblem(await server.get(`/api/v1/conversations/${i1.conversation_id}`, key), 404);
      assertProblem(await server.get('/api/v1/interactions/i1', key), 404);
    });
  });
}
