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
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    time -= sign * offsetMinutes * 60_000;
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

/** UTC milliseconds of a date-time given field by field, or null when no such date-time exists. */
function fromParts(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return null;
  // Date.UTC rolls 31 February over into March: reject dates that do not exist.
  if (day > 28 && new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

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
