// A rate with its interval on a 0–100% scale: the band is the 95% interval, the tick the value.
// Several of these stacked (a breakdown table, a comparison) share the scale, so they compare by eye.
import type { Interval } from '../api';
import { intervalText, percent } from '../format';

export function IntervalBar({ rate, label }: { rate: Pick<Interval, 'value' | 'low' | 'high'>; label: string }) {
  if (rate.value === null) return <span class="muted">no data</span>;
  const low = (rate.low ?? rate.value) * 100;
  const high = (rate.high ?? rate.value) * 100;
  return (
    <span class="interval-bar" role="img" aria-label={`${label}: ${percent(rate.value)}, 95% interval ${intervalText(rate, 'rate')}`}>
      <span class="band" style={{ left: `${low}%`, width: `${Math.max(high - low, 0.5)}%` }} />
      <span class="tick" style={{ left: `${rate.value * 100}%` }} />
    </span>
  );
}
