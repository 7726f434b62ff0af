// Time buckets of the statistics: hours, days and ISO weeks (starting Monday), in UTC or in an IANA
// time zone. Rollups are hourly, so a bucket boundary must fall on a UTC hour: zones whose offset
// is not a whole number of hours (e.g. Asia/Kolkata, +05:30) are refused rather than answered
// approximately.
import { HOUR_MS } from './rollups.js';

export type Granularity = 'hour' | 'day' | 'week';
export const GRANULARITIES: readonly Granularity[] = ['hour', 'day', 'week'];

const DAY_MS = 24 * HOUR_MS;

export class TimeZoneError extends Error {}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
      });
    } catch {
      throw new TimeZoneError(`"${tz}" is not an IANA time zone (e.g. Europe/Rome, America/New_York, UTC)`);
    }
    formatters.set(tz, f);
  }
  return f;
}

/** Checks that `tz` names a time zone; throws TimeZoneError otherwise. */
export function checkTimeZone(tz: string): void {
  formatter(tz);
}

/** The zone's offset from UTC at instant t, in milliseconds (local = utc + offset). */
export function offsetAt(t: number, tz: string): number {
  if (tz === 'UTC') return 0;
  const parts = Object.fromEntries(formatter(tz).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts['year']), Number(parts['month']) - 1, Number(parts['day']), Number(parts['hour']), Number(parts['minute']), Number(parts['second']));
  return local - Math.floor(t / 1000) * 1000;
}

/** The UTC instant at which local midnight of the local calendar day `localDay` (ms at UTC midnight of that date) happens. */
function localMidnight(localDay: number, tz: string): number {
  // Two refinements settle the offset except inside a DST gap, where midnight does not exist: then the day starts at the first instant after it.
  let guess = localDay - offsetAt(localDay, tz);
  guess = localDay - offsetAt(guess, tz);
  return guess;
}

/** The start of the bucket that holds instant t. */
export function bucketStart(t: number, granularity: Granularity, tz: string): number {
  if (granularity === 'hour') return Math.floor(t / HOUR_MS) * HOUR_MS;
  const offset = offsetAt(t, tz);
  let localDay = Math.floor((t + offset) / DAY_MS) * DAY_MS;
  if (granularity === 'week') {
    const weekday = (new Date(localDay).getUTCDay() + 6) % 7; // Monday 0
    localDay -= weekday * DAY_MS;
  }
  const start = localMidnight(localDay, tz);
  // Near a DST change the refinement can land a day off: step to the bucket that really holds t.
  return start > t ? bucketStart(t - HOUR_MS, granularity, tz) : start;
}

function nextBucket(start: number, granularity: Granularity, tz: string): number {
  if (granularity === 'hour') return start + HOUR_MS;
  const span = granularity === 'day' ? DAY_MS : 7 * DAY_MS;
  // Local days are 23 to 25 hours long: aim past the end, then find that bucket's start.
  return bucketStart(start + span + 2 * HOUR_MS, granularity, tz);
}

/**
 * The starts of every bucket that overlaps [from, to), in order: the keys of a time series with
 * no holes. Throws TimeZoneError when a boundary in the range does not fall on a UTC hour.
 */
export function bucketStarts(from: number, to: number, granularity: Granularity, tz: string): number[] {
  const starts: number[] = [];
  for (let s = bucketStart(from, granularity, tz); s < to; s = nextBucket(s, granularity, tz)) {
    if (s % HOUR_MS !== 0) {
      throw new TimeZoneError(`time zone "${tz}" is offset from UTC by a fraction of an hour; statistics are kept by the hour, so use a zone with a whole-hour offset`);
    }
    starts.push(s);
  }
  return starts;
}

/** Index of the bucket (from `starts`, sorted) that holds t, by binary search; -1 before the first. */
export function bucketIndex(starts: readonly number[], t: number): number {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (starts[mid]! <= t) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** An instant as ISO 8601 in the zone: `Z` for UTC, else the local time with its offset. */
export function formatInZone(t: number, tz: string): string {
  if (tz === 'UTC') return new Date(t).toISOString();
  const offset = offsetAt(t, tz);
  const local = new Date(t + offset).toISOString().slice(0, 23);
  const minutes = Math.round(offset / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
