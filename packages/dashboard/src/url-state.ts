// State kept in the URL, so every view can be linked, bookmarked and reloaded as it was: reading
// the query, changing parts of it, and the time range (from/to, ISO) shared by the views.
import { useLocation } from 'preact-iso';

export type Params = Record<string, string | undefined>;

export function useParams(): { params: Params; path: string; set: (patch: Params, options?: { replace?: boolean }) => void } {
  const location = useLocation();
  const params = location.query as Params;
  const set = (patch: Params, options: { replace?: boolean } = {}) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...params, ...patch })) if (v !== undefined && v !== '') next.set(k, v);
    const search = next.toString();
    location.route(`${location.path}${search ? `?${search}` : ''}`, options.replace ?? false);
  };
  return { params, path: location.path, set };
}

export function href(path: string, params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

export interface Range { from: string; to: string; days: number }

export const QUICK_RANGES = [
  { label: '24 hours', days: 1 },
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
] as const;

/** The end of "the last N days": now, rounded up to the minute so that reloads ask the same thing. */
export function nowRounded(): number {
  return Math.ceil(Date.now() / 60_000) * 60_000;
}

export function lastDays(days: number): { from: string; to: string } {
  const to = nowRounded();
  return { from: new Date(to - days * DAY).toISOString(), to: new Date(to).toISOString() };
}

/** The range named by ?from=&to= (ISO), or the last `defaultDays` days. */
export function rangeOf(params: Params, defaultDays = 30): Range {
  const to = params['to'] && !Number.isNaN(Date.parse(params['to'])) ? Date.parse(params['to']) : nowRounded();
  const from = params['from'] && !Number.isNaN(Date.parse(params['from'])) ? Date.parse(params['from']) : to - defaultDays * DAY;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), days: (to - from) / DAY };
}

/** The period of the same length just before a range, to compare with. */
export function previousOf(range: Range): { from: string; to: string } {
  const from = Date.parse(range.from);
  const span = Date.parse(range.to) - from;
  return { from: new Date(from - span).toISOString(), to: range.from };
}

/** Time buckets that give a readable chart for a range: hours up to two days, weeks past four months. */
export function bucketFor(range: Range): 'hour' | 'day' | 'week' {
  return range.days <= 2 ? 'hour' : range.days <= 120 ? 'day' : 'week';
}

export const browserTimeZone = (): string | undefined => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone; } catch { return undefined; }
};
