// Overview: how satisfied users were in a range (?from=&to=, default the last 30 days). Tiles show
// exactly what GET /api/v1/stats says for the range, each with its interval and the change against
// the previous period of the same length; then the thumbs-up rate over time with its band,
// feedback by kind, the rating histogram, and the breakdowns by model and by feature flag.
import { useEffect, useMemo } from 'preact/hooks';
import { api, type Group, type Stats } from '../api';
import { HBars, RatingHistogram } from '../components/Bars';
import { IntervalBar } from '../components/IntervalBar';
import { RangePicker } from '../components/RangePicker';
import { RateChart } from '../components/RateChart';
import { Empty, ErrorBox, Loading } from '../components/States';
import { Tile, type TileProps } from '../components/Tile';
import { count, intervalText, percent, points, rating, relativeChange, signed, slugLabel } from '../format';
import { useApi } from '../use-api';
import { browserTimeZone, bucketFor, href, previousOf, rangeOf, useParams } from '../url-state';

interface OverviewData { current: Stats; previous: Stats; byModel: Stats; byFlag: Stats }

type Change = TileProps['change'];

function countChange(now: number, before: number, higherIsGood?: boolean): Change {
  const text = relativeChange(now, before);
  if (text === null) return { text: 'new', direction: 'up' };
  const direction = now > before ? 'up' : now < before ? 'down' : 'flat';
  return { text, direction, good: higherIsGood === undefined ? undefined : (direction === 'up') === higherIsGood };
}

function differenceChange(now: number | null, before: number | null, asPoints: boolean): Change {
  if (now === null || before === null) return null;
  const d = now - before;
  // What rounds to zero on screen (0.0 pts, ±0.00) is no change.
  const direction = Math.abs(d) < (asPoints ? 0.0005 : 0.005) ? 'flat' : d > 0 ? 'up' : 'down';
  if (direction === 'flat') return { text: asPoints ? '±0.0 pts' : '±0.00', direction };
  return { text: asPoints ? points(d) : signed(d), direction, good: direction === 'up' };
}

function tiles(total: Group, previous: Group): TileProps[] {
  const rateDetail = (r: Group['thumbs_up_rate'], unit: string) =>
    r.value === null ? `no ${unit} yet` : <>95% interval {intervalText(r, 'rate')} · {count(r.n)} {unit}</>;
  return [
    { metric: 'interactions', label: 'Interactions', value: total.interactions, shown: count(total.interactions),
      detail: <>{percent(total.feedback_coverage.value)} got feedback</>, change: countChange(total.interactions, previous.interactions) },
    { metric: 'feedback', label: 'Feedback', value: total.feedback, shown: count(total.feedback),
      detail: <>{count(total.orphaned)} orphaned</>, change: countChange(total.feedback, previous.feedback) },
    { metric: 'thumbs_up_rate', label: 'Thumbs-up rate', value: total.thumbs_up_rate.value, shown: percent(total.thumbs_up_rate.value),
      detail: rateDetail(total.thumbs_up_rate, 'votes'), change: differenceChange(total.thumbs_up_rate.value, previous.thumbs_up_rate.value, true) },
    { metric: 'mean_rating', label: 'Mean rating', value: total.mean_rating.value, shown: total.mean_rating.value === null ? '—' : `${rating(total.mean_rating.value)} / 5`,
      detail: total.mean_rating.value === null ? 'no ratings yet' : <>95% interval {intervalText(total.mean_rating, 'rating')} · {count(total.mean_rating.n)} ratings</>,
      change: differenceChange(total.mean_rating.value, previous.mean_rating.value, false) },
    { metric: 'copy_rate', label: 'Copy rate', value: total.copy_rate.value, shown: percent(total.copy_rate.value),
      detail: rateDetail(total.copy_rate, 'answers'), change: differenceChange(total.copy_rate.value, previous.copy_rate.value, true) },
    { metric: 'pending', label: 'Pending feedback', value: total.pending, shown: count(total.pending),
      detail: 'waiting for their interaction', change: countChange(total.pending, previous.pending, false) },
  ];
}

function Breakdown({ stats, dimension, range }: { stats: Stats; dimension: 'model' | 'feature_flag'; range: { from: string; to: string } }) {
  const groups = stats.groups.filter((g) => g.interactions > 0 || g.feedback > 0);
  if (groups.length === 0) return <Empty>No interactions carry a {dimension === 'model' ? 'model' : 'feature flag'} in this range.</Empty>;
  return (
    <div class="table-wrap">
      <table class="breakdown" data-dimension={dimension}>
        <thead>
          <tr>
            <th scope="col">{dimension === 'model' ? 'Model' : 'Feature flag'}</th>
            <th scope="col" class="num">Interactions</th>
            <th scope="col" class="num hide-narrow">Feedback</th>
            <th scope="col">Thumbs-up rate</th>
            <th scope="col" class="num">Rating</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.key} data-key={g.key}>
              <th scope="row"><a href={href('/explorer', { [dimension]: g.key, from: range.from, to: range.to })}>{g.key || '(none)'}</a></th>
              <td class="num">{count(g.interactions)}</td>
              <td class="num hide-narrow">{count(g.feedback)}</td>
              <td>
                <span class="rate-cell">
                  <span class="rate-value">{percent(g.thumbs_up_rate.value)}</span>
                  <IntervalBar rate={g.thumbs_up_rate} label={`${g.key} thumbs-up rate`} />
                </span>
              </td>
              <td class="num">{rating(g.mean_rating.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Overview() {
  const { params, set } = useParams();
  const explicit = params['from'] !== undefined && params['to'] !== undefined;
  const range = useMemo(() => rangeOf(params), [params['from'], params['to']]);
  // The default range is written into the URL, so what is shown can be linked as it is.
  useEffect(() => {
    if (!explicit) set({ from: range.from, to: range.to }, { replace: true });
  }, [explicit]);

  const bucket = bucketFor(range);
  const tz = browserTimeZone();
  const loaded = useApi<OverviewData>(async (signal) => {
    const span = { from: range.from, to: range.to };
    const [current, previous, byModel, byFlag] = await Promise.all([
      api.stats({ ...span, by: bucket, tz }, { signal }),
      api.stats(previousOf(range), { signal }),
      api.stats({ ...span, by: 'model' }, { signal }),
      api.stats({ ...span, by: 'feature_flag' }, { signal }),
    ]);
    return { current, previous, byModel, byFlag };
  }, [range.from, range.to, bucket, tz]);

  return (
    <section class="view overview" aria-labelledby="overview-title">
      <div class="view-head">
        <h1 id="overview-title">Overview</h1>
        <RangePicker range={range} onChange={(r) => set({ from: r.from, to: r.to })} />
      </div>
      {loaded.error && <ErrorBox error={loaded.error} retry={loaded.reload} />}
      {!loaded.data && !loaded.error && <Loading label="Loading the overview…" />}
      {loaded.data && <OverviewBody data={loaded.data} bucket={bucket} range={range} />}
    </section>
  );
}

function OverviewBody({ data, bucket, range }: { data: OverviewData; bucket: 'hour' | 'day' | 'week'; range: { from: string; to: string } }) {
  const total = data.current.total;
  const slugBars = Object.entries(total.slugs)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([slug, n]) => ({ key: slug, label: slugLabel(slug), value: n, href: href('/explorer', { feedback: slug, from: range.from, to: range.to }) }));
  const rated = total.mean_rating.histogram.reduce((a, b) => a + b, 0);
  const previous = data.previous.total;
  const previousEmpty = previous.interactions === 0 && previous.feedback === 0 && previous.pending === 0;
  return (
    <div class="overview-body" data-loaded="true">
      <div class="tiles">
        {tiles(total, data.previous.total).map((t) => <Tile key={t.metric} {...t} change={previousEmpty ? null : t.change} />)}
      </div>
      {previousEmpty && <p class="hint tiles-note">The period before this one holds no data, so there are no changes to show.</p>}

      <div class="grid-2">
        <section class="panel wide" aria-labelledby="trend-title">
          <h2 id="trend-title">Thumbs-up rate over time</h2>
          {total.thumbs_up_rate.n === 0
            ? <Empty>No thumbs in this range yet.</Empty>
            : <RateChart points={data.current.groups.map((g) => ({ at: g.key, rate: g.thumbs_up_rate }))} label="Thumbs-up rate" bucket={bucket} />}
          <p class="hint">The line is the share of thumbs that were up; the band is its 95% interval, wide where few voted.</p>
        </section>

        <section class="panel" aria-labelledby="slugs-title">
          <h2 id="slugs-title">Feedback by kind</h2>
          {slugBars.length === 0 ? <Empty>No feedback in this range.</Empty> : <HBars bars={slugBars} label="Feedback events by kind" />}
        </section>

        <section class="panel" aria-labelledby="ratings-title">
          <h2 id="ratings-title">Ratings</h2>
          {rated === 0 ? <Empty>No ratings in this range.</Empty> : <RatingHistogram histogram={total.mean_rating.histogram} />}
        </section>

        <section class="panel wide" aria-labelledby="models-title">
          <h2 id="models-title">By model</h2>
          <Breakdown stats={data.byModel} dimension="model" range={range} />
        </section>

        <section class="panel wide" aria-labelledby="flags-title">
          <h2 id="flags-title">By feature flag</h2>
          <Breakdown stats={data.byFlag} dimension="feature_flag" range={range} />
          {data.byFlag.groups.length >= 2 && <p class="hint"><a href={href('/compare', { by: 'feature_flag', from: range.from, to: range.to })}>Compare two flags →</a></p>}
        </section>
      </div>
    </div>
  );
}
