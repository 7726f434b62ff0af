// Compare: two feature-flag variants, models or tag values side by side (GET /api/v1/compare):
// each with its rates and intervals, the difference B minus A with its interval, the fixed-horizon
// and the always-valid p-values, and the verdict in plain words. State in the URL.
import { useEffect, useId, useState } from 'preact/hooks';
import { api, type Comparison, type Group } from '../api';
import { IntervalBar } from '../components/IntervalBar';
import { RangePicker } from '../components/RangePicker';
import { ErrorBox, Loading } from '../components/States';
import { count, intervalText, pValue, percent, points, rating, signed } from '../format';
import { useApi } from '../use-api';
import { rangeOf, useParams, type Params } from '../url-state';

type Dimension = 'feature_flag' | 'model' | 'tag';

const DIMENSIONS: { value: Dimension; label: string }[] = [
  { value: 'feature_flag', label: 'Feature flag' },
  { value: 'model', label: 'Model' },
  { value: 'tag', label: 'Tag' },
];

function byParameter(params: Params): string | null {
  const by = (params['by'] ?? 'feature_flag') as Dimension;
  if (by === 'tag') return params['key'] ? `tag:${params['key']}` : null;
  return by;
}

function Side({ name, value, group }: { name: 'A' | 'B'; value: string; group: Group }) {
  return (
    <section class={`side side-${name.toLowerCase()}`} data-side={name.toLowerCase()} aria-label={`${name}: ${value}`}>
      <h2><span class="side-letter">{name}</span> <span class="mono">{value}</span></h2>
      <dl class="facts">
        <div><dt>Interactions</dt><dd>{count(group.interactions)}</dd></div>
        <div><dt>Feedback</dt><dd>{count(group.feedback)}</dd></div>
        <div>
          <dt>Thumbs-up rate</dt>
          <dd data-metric="thumbs_up_rate" data-value={group.thumbs_up_rate.value ?? ''}>
            <strong>{percent(group.thumbs_up_rate.value)}</strong>
            <span class="muted"> {intervalText(group.thumbs_up_rate, 'rate')} · {count(group.thumbs_up_rate.n)} votes</span>
            <IntervalBar rate={group.thumbs_up_rate} label={`${name} thumbs-up rate`} />
          </dd>
        </div>
        <div>
          <dt>Mean rating</dt>
          <dd data-metric="mean_rating" data-value={group.mean_rating.value ?? ''}>
            <strong>{rating(group.mean_rating.value)}</strong>
            <span class="muted"> {intervalText(group.mean_rating, 'rating')} · {count(group.mean_rating.n)} ratings</span>
          </dd>
        </div>
        <div><dt>Copy rate</dt><dd>{percent(group.copy_rate.value)} <span class="muted">{intervalText(group.copy_rate, 'rate')}</span></dd></div>
      </dl>
    </section>
  );
}

function Result({ comparison, a, b }: { comparison: Comparison; a: string; b: string }) {
  const d = comparison.thumbs_up_difference;
  const r = comparison.mean_rating_difference;
  return (
    <div class="comparison" data-loaded="true">
      <p class="verdict" role="status" data-verdict>{comparison.verdict}</p>
      <div class="sides">
        <Side name="A" value={a} group={comparison.a} />
        <Side name="B" value={b} group={comparison.b} />
      </div>
      <section class="panel" aria-labelledby="difference-title">
        <h2 id="difference-title">Difference (B − A)</h2>
        <div class="table-wrap">
          <table class="differences">
            <thead><tr><th scope="col">Measure</th><th scope="col">Difference</th><th scope="col">95% interval</th><th scope="col">p-value</th><th scope="col">Always-valid p</th></tr></thead>
            <tbody>
              <tr data-measure="thumbs_up_rate">
                <th scope="row">Thumbs-up rate</th>
                <td data-value={d.value ?? ''}>{points(d.value)}</td>
                <td>{d.low === null || d.high === null ? '—' : `${points(d.low)} to ${points(d.high)}`}</td>
                <td data-p-value={comparison.p_value ?? ''}>{pValue(comparison.p_value)}</td>
                <td data-p-value={comparison.always_valid_p_value ?? ''}>{pValue(comparison.always_valid_p_value)}</td>
              </tr>
              <tr data-measure="mean_rating">
                <th scope="row">Mean rating</th>
                <td data-value={r.value ?? ''}>{signed(r.value)}</td>
                <td>{r.low === null || r.high === null ? '—' : `${signed(r.low)} to ${signed(r.high)}`}</td>
                <td data-p-value={comparison.mean_rating_p_value ?? ''}>{pValue(comparison.mean_rating_p_value)}</td>
                <td data-p-value={comparison.mean_rating_always_valid_p_value ?? ''}>{pValue(comparison.mean_rating_always_valid_p_value)}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <p class="hint">
          The p-value is a two-proportion z-test (Welch’s t-test for ratings), valid when you decided the sample size beforehand.
          The always-valid p-value stays valid however often you look, so use it when you watch a running experiment.
        </p>
      </section>
    </div>
  );
}

export function Compare() {
  const id = useId();
  const { params, set } = useParams();
  const range = rangeOf(params);
  const by = byParameter(params);
  const dimension = (params['by'] ?? 'feature_flag') as Dimension;
  const a = params['a'] ?? '';
  const b = params['b'] ?? '';
  const span = { from: params['from'] ? range.from : undefined, to: params['to'] ? range.to : undefined };

  // Values seen in the range, offered in the pickers (largest first).
  const options = useApi(async (signal) => {
    if (!by) return [] as string[];
    const stats = await api.stats({ ...span, by }, { signal });
    return stats.groups.filter((g) => g.interactions > 0).sort((x, y) => y.interactions - x.interactions).map((g) => g.key);
  }, [by, span.from, span.to]);

  const ready = by !== null && a !== '' && b !== '';
  const result = useApi(async (signal) => (ready ? api.compare({ by, a, b, ...span }, { signal }) : null), [ready, by, a, b, span.from, span.to]);

  // What is typed stays in the form until it is submitted; the URL (and so a shared link) sets it.
  const [draft, setDraft] = useState({ a, b, key: params['key'] ?? '' });
  useEffect(() => setDraft({ a, b, key: params['key'] ?? '' }), [a, b, params['key']]);
  const edit = (field: 'a' | 'b' | 'key') => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value;
    setDraft((d) => ({ ...d, [field]: value }));
  };
  const submit = (event: Event) => {
    event.preventDefault();
    set({ a: draft.a.trim() || undefined, b: draft.b.trim() || undefined, key: draft.key.trim() || undefined });
  };

  return (
    <section class="view compare" aria-labelledby="compare-title">
      <div class="view-head">
        <h1 id="compare-title">Compare</h1>
        <RangePicker range={range} onChange={(r) => set({ from: r.from, to: r.to })} />
      </div>
      <form class="compare-form" onSubmit={submit} aria-label="What to compare">
        <div class="field">
          <label for={`${id}-by`}>Compare by</label>
          <select id={`${id}-by`} name="by" value={dimension} onChange={(e) => set({ by: e.currentTarget.value, a: undefined, b: undefined, key: undefined })}>
            {DIMENSIONS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
          </select>
        </div>
        {dimension === 'tag' && (
          <div class="field">
            <label for={`${id}-key`}>Tag key</label>
            <input id={`${id}-key`} name="key" type="text" value={draft.key} onInput={edit('key')} placeholder="e.g. plan" required autoComplete="off" />
          </div>
        )}
        <div class="field">
          <label for={`${id}-a`}>A (baseline)</label>
          <input id={`${id}-a`} name="a" type="text" list={`${id}-values`} value={draft.a} onInput={edit('a')} required autoComplete="off" />
        </div>
        <div class="field">
          <label for={`${id}-b`}>B (variant)</label>
          <input id={`${id}-b`} name="b" type="text" list={`${id}-values`} value={draft.b} onInput={edit('b')} required autoComplete="off" />
        </div>
        <datalist id={`${id}-values`}>{(options.data ?? []).map((v) => <option key={v} value={v} />)}</datalist>
        <button type="submit">Compare</button>
      </form>
      {options.data && options.data.length > 0 && !ready && (
        <p class="hint">Seen in this range: {options.data.slice(0, 12).map((v, k) => (
          <span key={v}>{k > 0 && ', '}<button type="button" class="link" onClick={() => set(a === '' ? { a: v } : { b: v })}>{v}</button></span>
        ))}</p>
      )}
      {result.error && <ErrorBox error={result.error} retry={result.reload} />}
      {ready && result.loading && <Loading label="Comparing…" />}
      {result.data && !result.loading && <Result comparison={result.data} a={a} b={b} />}
    </section>
  );
}
