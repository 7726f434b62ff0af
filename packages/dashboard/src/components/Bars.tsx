// Bar charts drawn with plain elements (readable by screen readers, no canvas): horizontal bars
// for counts per category, and the 1–5 rating histogram.
import { count, percent } from '../format';

export interface Bar { key: string; label: string; value: number; href?: string }

export function HBars({ bars, label }: { bars: Bar[]; label: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <ul class="hbars" aria-label={label}>
      {bars.map((b) => (
        <li key={b.key} data-key={b.key} data-value={b.value}>
          <span class="hbar-label">{b.href ? <a href={b.href}>{b.label}</a> : b.label}</span>
          <span class="hbar-track" aria-hidden="true"><span class="hbar-fill" style={{ width: `${(b.value / max) * 100}%` }} /></span>
          <span class="hbar-value">{count(b.value)}</span>
        </li>
      ))}
    </ul>
  );
}

export function RatingHistogram({ histogram }: { histogram: number[] }) {
  const total = histogram.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...histogram);
  return (
    <div class="histogram" role="list" aria-label="Ratings from 1 to 5">
      {histogram.map((n, k) => (
        <div class="histogram-column" role="listitem" key={k} data-rating={k + 1} data-value={n}
          aria-label={`${k + 1} star${k === 0 ? '' : 's'}: ${count(n)}${total ? ` (${percent(n / total)})` : ''}`}>
          <span class="histogram-count">{count(n)}</span>
          <span class="histogram-track" aria-hidden="true"><span class="histogram-fill" style={{ height: `${(n / max) * 100}%` }} /></span>
          <span class="histogram-label" aria-hidden="true">{k + 1}★</span>
        </div>
      ))}
    </div>
  );
}
