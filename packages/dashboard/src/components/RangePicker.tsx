// The time range of a view, kept in the URL as ?from=&to= (ISO): quick ranges, or two dates.
import { useId } from 'preact/hooks';
import { QUICK_RANGES, DAY, lastDays, type Range } from '../url-state';

const toDateInput = (iso: string) => {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

export function RangePicker({ range, onChange, allowAll = false }: {
  range: Range | null;
  onChange: (next: { from?: string; to?: string }) => void;
  allowAll?: boolean;
}) {
  const id = useId();
  const active = range === null ? 'all' : QUICK_RANGES.find((q) => Math.abs(range.days - q.days) < 1e-6 && Math.abs(Date.parse(range.to) - Date.now()) < 2 * 60_000)?.days;
  const setDate = (which: 'from' | 'to', value: string) => {
    if (!value) return;
    const [y, m, d] = value.split('-').map(Number);
    const local = new Date(y!, m! - 1, d!);
    // A "to" date includes that whole day.
    const at = which === 'to' ? new Date(local.getTime() + DAY) : local;
    onChange({ ...(range ? { from: range.from, to: range.to } : {}), [which]: at.toISOString() });
  };
  return (
    <div class="range" role="group" aria-label="Time range" data-from={range?.from ?? ''} data-to={range?.to ?? ''}>
      <div class="quick" role="group" aria-label="Quick ranges">
        {QUICK_RANGES.map((q) => (
          <button type="button" key={q.days} aria-pressed={active === q.days} onClick={() => onChange(lastDays(q.days))}>{q.label}</button>
        ))}
        {allowAll && <button type="button" aria-pressed={active === 'all'} onClick={() => onChange({ from: undefined, to: undefined })}>All time</button>}
      </div>
      <div class="dates">
        <label for={`${id}-from`}>From</label>
        <input id={`${id}-from`} type="date" value={range ? toDateInput(range.from) : ''} onChange={(e) => setDate('from', e.currentTarget.value)} />
        <label for={`${id}-to`}>To</label>
        <input id={`${id}-to`} type="date" value={range ? toDateInput(new Date(Date.parse(range.to) - 1).toISOString()) : ''} onChange={(e) => setDate('to', e.currentTarget.value)} />
      </div>
    </div>
  );
}
