// ISO 8601 timestamps as clients send them: `Z`, `+02:00`, `+0200`, no zone (taken as UTC, which is
// what Python's naive isoformat() means in practice), a space instead of `T`, up to 9 fraction digits.
// Date.parse alone is not enough: it reads zone-less date-times as local time and accepts non-ISO text.

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch, or null when `text` is not an ISO 8601 date or date-time. */
export function parseTimestamp(text: string): number | null {
  const canonical = parseCanonical(text);
  if (canonical !== undefined) return canonical;
  const m = ISO_8601.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let time = fromParts(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), millis);
  if (time === null) return null;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2)), minutes = Number(digits.slice(2, 4) || '0');
    // Real offsets lie within ±14:00 (ISO 8601 allows up to ±23:59); minutes beyond 59 do not exist.
    if (hours > 23 || minutes > 59) return null;
    time -= sign * (hours * 60 + minutes) * 60_000;
  }
  return Number.isFinite(time) ? time : null;
}

/**
 * The shape of Date.prototype.toISOString, `2023-12-07T15:00:00.000Z`, which nearly every client
 * sends: read digit by digit, as the regular expression costs more than the rest of a feedback's
 * validation. Undefined for any other shape (the general parser decides).
 */
function parseCanonical(text: string): number | null | undefined {
  if (text.length !== 24 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84
    || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46 || text.charCodeAt(23) !== 90) return undefined;
  const year = digitsAt(text, 0, 4), month = digitsAt(text, 5, 2), day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2), minute = digitsAt(text, 14, 2), second = digitsAt(text, 17, 2), millis = digitsAt(text, 20, 3);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || millis < 0) return undefined;
  return fromParts(year, month, day, hour, minute, second, millis);
}

/** The number written by `count` digits from `from`, or -1 if one of them is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * UTC milliseconds of a date-time given field by field, or null when no such date-time exists.
 * 24:00:00 is the end of the day (ISO 8601); a leap second (:60) is read as the next second, the
 * nearest instant milliseconds since the epoch can hold.
 */
function fromParts(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return null;
  if (hour === 24 && (minute !== 0 || second !== 0 || millis !== 0)) return null;
  // Date.UTC reads years 0-99 as 1900-1999: years below 100 are set with setUTCFullYear instead.
  const time = year >= 100 ? Date.UTC(year, month - 1, day, hour, minute, second, millis) : earlyYear(year, month, day, hour, minute, second, millis);
  // Date.UTC rolls 31 February over into March: reject dates that do not exist.
  if (day > 28 && new Date(year >= 100 ? Date.UTC(year, month - 1, day) : earlyYear(year, month, day, 0, 0, 0, 0)).getUTCDate() !== day) return null;
  return time;
}

function earlyYear(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime();
}

/** The range of timestamps a body may carry: from `earliest` to `maxFutureMs` after `now`. */
export interface TimeWindow { earliest: number; maxFutureMs: number; now: number }

/** Why `time` lies outside `window`, or null when it lies inside. */
export function outsideWindow(time: number, window: TimeWindow): string | null {
  if (time < window.earliest) return `must not be before ${formatTimestamp(window.earliest)}`;
  if (time > window.now + window.maxFutureMs) {
    return `must not be more than ${describeDuration(window.maxFutureMs)} in the future (the server's time is ${formatTimestamp(window.now)})`;
  }
  return null;
}

function describeDuration(ms: number): string {
  for (const [unit, size] of [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000], ['second', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}

/** ISO 8601 in UTC; years outside 0000-9999 take the expanded form (+012345 / -000001), as toISOString writes them. */
export function formatTimestamp(millis: number): string {
  return new Date(millis).toISOString();
}

/** Durations in configuration: `90` (seconds), `500ms`, `120s`, `30m`, `24h`, `7d`. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}
