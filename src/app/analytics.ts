// Statistics and comparisons (API.md `/stats`, `/compare`). Answers come from the rollups whenever
// the question fits them: no filter, or one filter on a dimension (model, feature flag, tag) that
// is also the grouping or grouped by time. Full hours are read from the rollups; the part of the
// range before the first and after the last full hour is counted from the interactions of those
// partial hours, so any range is exact. Other filters (end user, conversation, text, feedback
// state, two dimensions at once) are answered from the matching interactions themselves.
import { interactionContribution, addCounters, zeroCounters, HOUR_MS, type Counters, type Dimension } from '../core/rollups.js';
import { compareGroups, groupStats, type Comparison, type GroupStats } from '../core/stats-report.js';
import { bucketIndex, bucketStarts, formatInZone, type Granularity } from '../core/time-buckets.js';
import { hasStateFilter, noInteractionFilter, noStateFilter, type FeedbackStateFilter, type InteractionFilter } from '../core/queries.js';
import type { InteractionRecord } from '../core/model.js';
import type { RollupRow, StorageReader } from '../storage/port.js';
import type { Rebucket } from '../storage/sql/read-sql.js';
import { scanInteractions } from './listing.js';

export type GroupBy =
  | { kind: 'none' }
  | { kind: 'time'; granularity: Granularity }
  | { kind: 'dimension'; dimension: Exclude<Dimension, 'all'> }
  | { kind: 'conversation' };

export interface StatsQuery {
  from: number;
  to: number;
  by: GroupBy;
  tz: string;
  filter: InteractionFilter;
  state: FeedbackStateFilter;
}

export interface StatsAnswer { total: GroupStats; groups: GroupStats[]; source: 'rollups' | 'interactions' }

const ceilHour = (t: number) => Math.ceil(t / HOUR_MS) * HOUR_MS;
const floorHour = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;
const first = (q: { from: number }) => ceilHour(q.from);
const last = (q: { to: number }) => floorHour(q.to);
/** The partial hours at either end of a range that holds at least one full hour. */
const edgesOf = (q: { from: number; to: number }): [number, number][] =>
  ([[q.from, first(q)], [last(q), q.to]] as [number, number][]).filter(([a, b]) => a < b);

const UTC_DAYS: Rebucket = { sizeMs: 24 * HOUR_MS, offsetMs: 0 };

/**
 * Time buckets that all have the same length (every day 24 hours: UTC, or a zone without a
 * daylight-saving change in the range) can be summed by the database: their size and offset.
 */
function uniformBuckets(starts: number[]): Rebucket | null {
  if (starts.length < 2) return null;
  const size = starts[1]! - starts[0]!;
  if (size <= HOUR_MS) return null;
  for (let k = 2; k < starts.length; k++) if (starts[k]! - starts[k - 1]! !== size) return null;
  return { sizeMs: size, offsetMs: ((starts[0]! % size) + size) % size };
}

/** A bucket as read: per hour (or longer bucket), or (hour null) summed over the hours of the range. */
type BucketRow = Omit<RollupRow, 'hour'> & { hour: number | null };

/** Counters per group key, created on first use. */
class Groups {
  readonly byKey = new Map<string, Counters>();
  add(key: string, c: Counters): void {
    let g = this.byKey.get(key);
    if (!g) this.byKey.set(key, (g = zeroCounters()));
    addCounters(g, c);
  }
}

/** The single dimension filter of a query, if it has exactly one and nothing else. */
function rollupFilter(q: { filter: InteractionFilter; state: FeedbackStateFilter }): { dimension: Dimension; value: string } | null | 'none' {
  const f = q.filter;
  if (f.endUser !== null || f.conversationId !== null || f.text !== null || f.traceId !== null || hasStateFilter(q.state)) return null;
  const dims: { dimension: Dimension; value: string }[] = [];
  if (f.model !== null) dims.push({ dimension: 'model', value: f.model });
  if (f.featureFlag !== null) dims.push({ dimension: 'flag', value: f.featureFlag });
  for (const [key, value] of f.tags) dims.push({ dimension: `tag:${key}`, value });
  if (dims.length > 1) return null;
  return dims[0] ?? 'none';
}

/** The values an interaction has in a dimension (none, one, or one per feature flag). */
function valuesIn(i: InteractionRecord, dimension: Dimension): string[] {
  if (dimension === 'all') return [''];
  if (dimension === 'model') return i.model === null ? [] : [i.model];
  if (dimension === 'flag') return [...new Set(i.featureFlags)];
  const value = i.tags[dimension.slice(4)];
  return value === undefined ? [] : [value];
}

export class Analytics {
  constructor(private readonly reader: StorageReader) {}

  async stats(projectId: string, q: StatsQuery): Promise<StatsAnswer> {
    const plan = rollupFilter(q);
    const usable = plan !== null && (q.by.kind === 'none' || q.by.kind === 'time'
      || (q.by.kind === 'dimension' && (plan === 'none' || plan.dimension === q.by.dimension)));
    return usable ? this.fromRollups(projectId, q, plan === 'none' ? { dimension: 'all', value: '' } : plan) : this.fromInteractions(projectId, q);
  }

  /**
   * Rollup rows of one dimension (one value, or all with null) over [from, to): the maintained
   * rollups for the full hours, the same rows recomputed from the raw rows of the partial hours at
   * either end (a few thousand rows at most, read by index), so that any range is exact.
   */
  private async bucketRows(projectId: string, q: { dimension: Dimension; value: string | null; from: number; to: number },
    grouping: 'hour' | 'total' | Rebucket = 'hour'): Promise<BucketRow[]> {
    const rows: BucketRow[] = [];
    const whole = first(q) < last(q);
    if (whole) {
      const hours = { dimension: q.dimension, value: q.value, fromHour: first(q), toHour: last(q) };
      // The database sums what the answer does not need hour by hour (90 days by model; days of 24 hours).
      if (grouping === 'total') rows.push(...(await this.reader.readRollupTotals(projectId, hours)).map((r) => ({ ...r, hour: null })));
      else rows.push(...await this.reader.readRollups(projectId, hours, grouping === 'hour' ? undefined : grouping));
    }
    for (const [from, to] of whole ? edgesOf(q) : [[q.from, q.to] as [number, number]]) {
      for (const b of await this.reader.recomputeRollups(projectId, { dimension: q.dimension, value: q.value, from, to })) {
        rows.push({ value: b.value, hour: b.hour, counters: b.counters });
      }
    }
    return rows;
  }

  private async fromRollups(projectId: string, q: StatsQuery, filter: { dimension: Dimension; value: string }): Promise<StatsAnswer> {
    const starts = q.by.kind === 'time' ? bucketStarts(q.from, q.to, q.by.granularity, q.tz) : [];
    const timeKey = (t: number) => String(starts[Math.max(0, bucketIndex(starts, t))]);
    const total = zeroCounters();
    const groups = new Groups();
    const range = { from: q.from, to: q.to };
    for (const row of await this.bucketRows(projectId, { ...filter, ...range }, q.by.kind === 'time' ? uniformBuckets(starts) ?? 'hour' : 'total')) {
      addCounters(total, row.counters);
      if (q.by.kind === 'time') groups.add(timeKey(row.hour!), row.counters);
    }
    if (q.by.kind === 'dimension') {
      // Grouped by the filter's own dimension: just that value; otherwise every value of the grouping.
      const value = filter.dimension === q.by.dimension ? filter.value : null;
      for (const row of await this.bucketRows(projectId, { dimension: q.by.dimension, value, ...range }, 'total')) groups.add(row.value, row.counters);
    }
    return this.answer(q, total, groups, starts, 'rollups');
  }

  /** Everything from the interactions that match: for filters rollups do not keep. */
  private async fromInteractions(projectId: string, q: StatsQuery): Promise<StatsAnswer> {
    const starts = q.by.kind === 'time' ? bucketStarts(q.from, q.to, q.by.granularity, q.tz) : [];
    const timeKey = (t: number) => String(starts[Math.max(0, bucketIndex(starts, t))]);
    const total = zeroCounters();
    const groups = new Groups();
    await this.scan(projectId, { ...q.filter, from: q.from, to: q.to }, q.state, (i, c) => {
      addCounters(total, c);
      switch (q.by.kind) {
        case 'time': groups.add(timeKey(i.timeEnd), c); break;
        case 'dimension': for (const v of valuesIn(i, q.by.dimension)) groups.add(v, c); break;
        case 'conversation': groups.add(i.conversationId, c); break;
        case 'none': break;
      }
    });
    // Unlinked feedback belongs to no interaction: it counts where nothing restricts by interaction fields.
    const f = q.filter;
    if (f.model === null && f.featureFlag === null && f.tags.length === 0 && f.text === null && f.traceId === null && !hasStateFilter(q.state)) {
      for (const row of await this.reader.countUnlinkedFeedback(projectId, { from: q.from, to: q.to }, { endUser: f.endUser, conversationId: f.conversationId })) {
        addCounters(total, row.counters);
        if (q.by.kind === 'time') groups.add(timeKey(row.hour), row.counters);
      }
    }
    return this.answer(q, total, groups, starts, 'interactions');
  }

  private async scan(projectId: string, filter: InteractionFilter, state: FeedbackStateFilter,
    visit: (i: InteractionRecord, contribution: Counters) => void): Promise<void> {
    for await (const step of scanInteractions(this.reader, projectId, filter, state, 'oldest', null, 1000)) {
      for (const item of step.matches) visit(item.interaction, interactionContribution(item.summary));
    }
  }

  private answer(q: StatsQuery, total: Counters, groups: Groups, starts: number[], source: StatsAnswer['source']): StatsAnswer {
    let list: GroupStats[];
    if (q.by.kind === 'time') {
      list = starts.map((s) => groupStats(formatInZone(s, q.tz), groups.byKey.get(String(s)) ?? zeroCounters()));
    } else if (q.by.kind === 'none') {
      list = [groupStats('all', total)];
    } else {
      list = [...groups.byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, c]) => groupStats(key, c));
    }
    return { total: groupStats('total', total), groups: list, source };
  }

  /** Compares two values of a dimension over [from, to), with the always-valid p-values over hourly looks. */
  async compare(projectId: string, q: { dimension: Exclude<Dimension, 'all'>; a: string; b: string; from: number; to: number }): Promise<Comparison> {
    const [a, b] = await Promise.all([this.side(projectId, q, q.a), this.side(projectId, q, q.b)]);
    // Cumulative counts at the end of each day that has data for either side (and of the range's partial hours).
    const hours = [...new Set([...a.byHour.keys(), ...b.byHour.keys()])].sort((x, y) => x - y);
    const running = { a: zeroCounters(), b: zeroCounters() };
    const series = hours.map((h) => {
      addCounters(running.a, a.byHour.get(h) ?? zeroCounters());
      addCounters(running.b, b.byHour.get(h) ?? zeroCounters());
      return { a: { ...running.a }, b: { ...running.b } };
    });
    return compareGroups(groupStats(q.a, a.total), groupStats(q.b, b.total), { a: a.total, b: b.total }, series);
  }

  /** One side's counters, per UTC day (the looks of the always-valid test) and in total. */
  private async side(projectId: string, q: { dimension: Dimension; from: number; to: number }, value: string) {
    const byHour = new Map<number, Counters>();
    const total = zeroCounters();
    for (const row of await this.bucketRows(projectId, { dimension: q.dimension, value, from: q.from, to: q.to }, UTC_DAYS)) {
      byHour.set(row.hour!, addCounters(byHour.get(row.hour!) ?? zeroCounters(), row.counters));
      addCounters(total, row.counters);
    }
    return { total, byHour };
  }
}
