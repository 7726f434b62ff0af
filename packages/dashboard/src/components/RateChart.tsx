// A rate over time with its 95% interval as a band (uPlot on a canvas). The chart follows its
// container's width and the colour scheme; a table of the same figures follows it for readers
// who cannot see the canvas.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Interval } from '../api';
import { intervalText, percent } from '../format';

export interface RatePoint { at: string; rate: Interval }

function cssVar(element: Element, name: string, fallback: string): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}

export function RateChart({ points, label, bucket }: { points: RatePoint[]; label: string; bucket: 'hour' | 'day' | 'week' }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let chart: uPlot | null = null;
    const percentOrNull = (x: number | null) => (x === null ? null : x * 100);
    const data: uPlot.AlignedData = [
      points.map((p) => Date.parse(p.at) / 1000),
      points.map((p) => percentOrNull(p.rate.value)),
      points.map((p) => percentOrNull(p.rate.low)),
      points.map((p) => percentOrNull(p.rate.high)),
    ];

    const draw = () => {
      chart?.destroy();
      const line = cssVar(element, '--accent', '#2f6fdf');
      const band = cssVar(element, '--accent-band', 'rgba(47,111,223,0.18)');
      const axis = cssVar(element, '--muted', '#666');
      const grid = cssVar(element, '--grid', 'rgba(128,128,128,0.2)');
      const width = Math.max(240, element.clientWidth);
      const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      chart = new uPlot({
        width,
        height: width < 500 ? 200 : 260,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: [0, 100] } },
        axes: [
          { ...axisStyle, space: width < 500 ? 60 : 80 },
          { ...axisStyle, values: (_u, ticks) => ticks.map((t) => `${t}%`), size: 48 },
        ],
        series: [
          {},
          { label, stroke: line, width: 2, points: { show: points.length < 60, size: 5, fill: line } },
          { label: 'low', stroke: 'transparent', points: { show: false } },
          { label: 'high', stroke: 'transparent', points: { show: false } },
        ],
        bands: [{ series: [3, 2], fill: band }],
      }, data, element);
    };
    draw();

    // Redraw on resize and when the colour scheme flips (the canvas does not follow CSS by itself).
    let last = element.clientWidth;
    const resize = new ResizeObserver(() => {
      if (Math.abs(element.clientWidth - last) < 4) return;
      last = element.clientWidth;
      draw();
    });
    resize.observe(element);
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', draw);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', draw);
      chart?.destroy();
    };
  }, [points, label]);

  const fmt = bucket === 'hour'
    ? new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' })
    : new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
  return (
    <figure class="rate-chart">
      <div ref={container} class="chart" role="img" aria-label={`${label} per ${bucket}, with its 95% interval`} />
      <details>
        <summary>Show as a table</summary>
        <table class="compact">
          <thead><tr><th scope="col">{bucket === 'week' ? 'Week of' : bucket === 'day' ? 'Day' : 'Hour'}</th><th scope="col">{label}</th><th scope="col">95% interval</th><th scope="col">Votes</th></tr></thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.at}><td>{fmt.format(new Date(p.at))}</td><td>{percent(p.rate.value)}</td><td>{intervalText(p.rate, 'rate')}</td><td>{p.rate.n}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
