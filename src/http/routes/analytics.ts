// The read API's statistics (secret key): /stats grouped by time or a dimension with an interval on
// every rate, and /compare of two groups with fixed-horizon and always-valid p-values.
import type { FastifyInstance } from 'fastify';
import { Analytics, type GroupBy } from '../../app/analytics.js';
import type { Dimension } from '../../core/rollups.js';
import { bucketStarts, checkTimeZone, GRANULARITIES, TimeZoneError, type Granularity } from '../../core/time-buckets.js';
import { formatTimestamp } from '../../core/time.js';
import type { StorageReader } from '../../storage/port.js';
import { projectOf } from '../auth.js';
import { QueryParameters } from '../query.js';
import { CompareView, queryString, StatsView } from '../schemas/read-api.js';
import { INTERACTION_PARAMETERS, interactionFilterOf, stateFilterOf } from './lists.js';

const DAY_MS = 86_400_000;
const DEFAULT_SPAN = 30 * DAY_MS;
/** Time buckets one answer may hold. */
const MAX_BUCKETS = 10_000;

const { cursor: _cursor, limit: _limit, order: _order, ...FILTERS } = INTERACTION_PARAMETERS;

const STATS_PARAMETERS = {
  from: 'start of the range, inclusive (ISO 8601; default 30 days before to)', to: 'end of the range, exclusive (default now)',
  by: 'hour, day, week, model, feature_flag, tag:KEY or conversation (default: one group, all)',
  tz: 'IANA time zone of day and week buckets (default UTC; zones with whole-hour offsets)',
  ...Object.fromEntries(Object.entries(FILTERS).filter(([name]) => name !== 'from' && name !== 'to')),
  limit: 'by=conversation: groups per page, 1-1000 (default 100)', cursor: 'by=conversation: the next_cursor of the previous page',
};

const COMPARE_PARAMETERS = {
  by: 'feature_flag, model or tag:KEY', a: 'the value of group A (the baseline)', b: 'the value of group B',
  from: 'start of the range (default 30 days before to)', to: 'end of the range (default now)',
};

/** `model`, `feature_flag`, `tag:KEY` as a rollup dimension; null (and a reported problem) otherwise. */
function dimensionOf(q: QueryParameters, name: string, value: string): Exclude<Dimension, 'all'> | null {
  if (value === 'model') return 'model';
  if (value === 'feature_flag') return 'flag';
  if (value.startsWith('tag:') && value.length > 4) return `tag:${value.slice(4)}`;
  q.fail(name, 'must be model, feature_flag or tag:KEY');
  return null;
}

function groupByOf(q: QueryParameters): GroupBy {
  const by = q.string('by');
  if (by === null) return { kind: 'none' };
  if ((GRANULARITIES as readonly string[]).includes(by)) return { kind: 'time', granularity: by as Granularity };
  if (by === 'conversation') return { kind: 'conversation' };
  if (by === 'model' || by === 'feature_flag' || by.startsWith('tag:')) {
    const dimension = dimensionOf(q, 'by', by);
    return dimension ? { kind: 'dimension', dimension } : { kind: 'none' };
  }
  q.fail('by', 'must be hour, day, week, model, feature_flag, tag:KEY or conversation');
  return { kind: 'none' };
}

export function registerAnalyticsRoutes(app: FastifyInstance, { storage }: { storage: StorageReader }): void {
  const analytics = new Analytics(storage);

  app.get('/api/v1/stats', {
    schema: {
      summary: 'Statistics',
      description: 'Counts, rates with 95% Wilson intervals, the mean rating with its t interval, per group; current-state counting. '
        + 'Time buckets are all present (no holes). See docs/statistics.md for every definition.',
      querystring: queryString(STATS_PARAMETERS, ['tag']), response: { 200: StatsView },
    },
    attachValidation: true,
  }, async (request) => {
    const q = new QueryParameters(request.query, Object.keys(STATS_PARAMETERS));
    const range = q.range(DEFAULT_SPAN, Date.now()) as { from: number; to: number };
    const by = groupByOf(q);
    const tz = q.string('tz') ?? 'UTC';
    try {
      checkTimeZone(tz);
      if (by.kind === 'time' && q.errors.length === 0) {
        const buckets = bucketStarts(range.from, range.to, by.granularity, tz).length;
        if (buckets > MAX_BUCKETS) q.fail('by', `gives ${buckets} buckets over this range; at most ${MAX_BUCKETS}: choose a coarser grouping or a shorter range`);
      }
    } catch (error) {
      if (!(error instanceof TimeZoneError)) throw error;
      q.fail('tz', error.message);
    }
    const filter = interactionFilterOf(q, range);
    const state = stateFilterOf(q);
    const groupLimit = q.number('limit', 1, 1000, true);
    const after = q.string('cursor');
    if (by.kind !== 'conversation' && (groupLimit !== null || after !== null)) q.fail(groupLimit !== null ? 'limit' : 'cursor', 'applies to by=conversation only');
    q.check();
    const answer = await analytics.stats(projectOf(request), { ...range, by, tz, filter, state });
    let groups = answer.groups;
    let next: string | null = null;
    if (by.kind === 'conversation') {
      const limit = groupLimit ?? 100;
      const afterKey = after === null ? null : Buffer.from(after, 'base64url').toString('utf8');
      groups = groups.filter((g) => afterKey === null || g.key > afterKey);
      if (groups.length > limit) next = Buffer.from(groups[limit - 1]!.key).toString('base64url');
      groups = groups.slice(0, limit);
    }
    return {
      from: formatTimestamp(range.from), to: formatTimestamp(range.to), by: q.string('by') ?? 'all', tz, computed_from: answer.source,
      total: answer.total, groups, next_cursor: next,
    };
  });

  app.get('/api/v1/compare', {
    schema: {
      summary: 'Compare two groups (A/B)',
      description: 'B minus A: the thumbs-up rate difference with its Newcombe interval and two-proportion z-test, the mean rating difference '
        + "with Welch's t-test, and always-valid p-values (mSPRT) that stay valid when the comparison is checked repeatedly.",
      querystring: queryString(COMPARE_PARAMETERS), response: { 200: CompareView },
    },
    attachValidation: true,
  }, async (request) => {
    const q = new QueryParameters(request.query, Object.keys(COMPARE_PARAMETERS));
    const range = q.range(DEFAULT_SPAN, Date.now()) as { from: number; to: number };
    const byText = q.string('by');
    const dimension = byText === null ? null : dimensionOf(q, 'by', byText);
    if (byText === null) q.fail('by', 'is required: feature_flag, model or tag:KEY');
    const a = q.string('a');
    const b = q.string('b');
    if (!q.has('a')) q.fail('a', 'is required: the value of group A');
    if (!q.has('b')) q.fail('b', 'is required: the value of group B');
    if (a !== null && a === b) q.fail('b', 'must differ from a');
    q.check();
    const comparison = await analytics.compare(projectOf(request), { dimension: dimension!, a: a!, b: b!, ...range });
    return { by: byText, from: formatTimestamp(range.from), to: formatTimestamp(range.to), ...comparison };
  });
}
