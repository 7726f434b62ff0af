// How numbers, intervals, changes and times read on screen. One place, so every view says a
// rate, an interval or a date the same way.
import type { Interval } from './api';

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const DASH = '—';

export const count = (n: number | null | undefined) => (n === null || n === undefined ? DASH : integer.format(n));

/** A rate in [0, 1] as a percentage: 0.7234 → "72.3%". */
export const percent = (x: number | null | undefined) => (x === null || x === undefined ? DASH : `${oneDecimal.format(x * 100)}%`);

export const rating = (x: number | null | undefined) => (x === null || x === undefined ? DASH : twoDecimals.format(x));

/** "68.1–76.0%" for a rate, "3.71–4.02" for a mean rating. */
export function intervalText(r: Pick<Interval, 'low' | 'high'>, kind: 'rate' | 'rating'): string {
  if (r.low === null || r.high === null) return 'no interval';
  return kind === 'rate'
    ? `${oneDecimal.format(r.low * 100)}–${oneDecimal.format(r.high * 100)}%`
    : `${twoDecimals.format(r.low)}–${twoDecimals.format(r.high)}`;
}

/** A difference of rates in percentage points, signed: "+4.2 pts". */
export function points(x: number | null | undefined): string {
  if (x === null || x === undefined) return DASH;
  const v = x * 100;
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${oneDecimal.format(Math.abs(v))} pts`;
}

export function signed(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined) return DASH;
  const f = new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${x > 0 ? '+' : x < 0 ? '−' : '±'}${f.format(Math.abs(x))}`;
}

/** A relative change of a count: "+12%"; null when there is nothing to compare with. */
export function relativeChange(now: number, before: number): string | null {
  if (before === 0) return now === 0 ? '±0%' : null;
  const change = (now - before) / before;
  return `${change > 0 ? '+' : change < 0 ? '−' : '±'}${integer.format(Math.abs(change * 100))}%`;
}

export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined) return DASH;
  if (p < 0.001) return '< 0.001';
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export const when = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : DASH);
export const day = (iso: string | null | undefined) => (iso ? dateOnly.format(new Date(iso)) : DASH);

/** Human names of the feedback slugs. */
export const SLUG_LABELS: Record<string, string> = {
  thumbs_up: 'Thumbs up',
  thumbs_down: 'Thumbs down',
  rating: 'Rating',
  comment: 'Comment',
  copy_output: 'Copied answer',
  copy_input: 'Copied question',
  paste: 'Paste',
  regenerate: 'Regenerate',
  edit: 'Edit',
};

export const slugLabel = (slug: string) => SLUG_LABELS[slug] ?? slug;
