// ISO 8601 timestamps as clients send them: `Z`, `+02:00`, `+0200`, no zone (taken as UTC, which is
// what Python's naive isoformat() means in practice), a space instead of `T`, up to 9 fraction digits.
// Date.parse alone is not enough: it reads zone-less date-times as local time and accepts non-ISO text.

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch, or null when `text` is not an ISO 8601 date or date-time. */
export function parseTimestamp(text: string): number | null {
  const m = ISO_8601.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return null;
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let time = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 31 February over into March: reject dates that do not exist.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    time -= sign * offsetMinutes * 60_000;
  }
  return Number.isFinite(time) ? time : null;
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
