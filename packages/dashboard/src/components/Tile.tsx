// A KPI tile: the figure, its 95% interval where it has one, and the change against the previous
// period. `data-metric` and `data-value` carry the raw number as the API gave it, for tests and tools.
import type { ComponentChildren } from 'preact';

export interface TileProps {
  metric: string;
  label: string;
  value: number | null;
  shown: string;
  detail?: ComponentChildren;
  change?: { text: string; direction: 'up' | 'down' | 'flat'; good?: boolean } | null;
}

export function Tile({ metric, label, value, shown, detail, change }: TileProps) {
  const tone = !change || change.direction === 'flat' || change.good === undefined ? 'neutral' : change.good ? 'good' : 'bad';
  return (
    <section class="tile" data-metric={metric} data-value={value === null ? '' : String(value)} aria-label={label}>
      <h3>{label}</h3>
      <p class="figure">{shown}</p>
      {detail && <p class="detail">{detail}</p>}
      {change && (
        <p class={`change ${tone}`}>
          <span aria-hidden="true">{change.direction === 'up' ? '▲' : change.direction === 'down' ? '▼' : '■'}</span> {change.text}
          <span class="muted"> vs previous period</span>
        </p>
      )}
    </section>
  );
}
