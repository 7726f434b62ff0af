// Explorer: the interactions users reacted to, newest first, filtered by what they got (slug,
// rating, comments), by model, flag, tag, end user, text and time, all kept in the URL; a page at
// a time (GET /api/v1/interactions with next_cursor). A row opens its conversation.
import { useId, useState } from 'preact/hooks';
import { api, type Interaction } from '../api';
import { SummaryChips } from '../components/Feedback';
import { PiiText } from '../components/PiiText';
import { RangePicker } from '../components/RangePicker';
import { Empty, ErrorBox, Loading } from '../components/States';
import { SLUG_LABELS, when } from '../format';
import { useApi } from '../use-api';
import { href, rangeOf, useParams, type Params } from '../url-state';

const FILTERS = ['feedback', 'min_rating', 'max_rating', 'has_comment', 'model', 'feature_flag', 'tag', 'end_user', 'q', 'from', 'to'] as const;
const PAGE_SIZE = 25;

function latestComment(i: Interaction): string | null {
  for (let k = i.feedback.length - 1; k >= 0; k--) {
    const f = i.feedback[k]!;
    if (f.text && ['thumbs_up', 'thumbs_down', 'comment', 'rating'].includes(f.slug)) return f.text;
  }
  return null;
}

function Row({ item }: { item: Interaction }) {
  const open = href(`/conversations/${encodeURIComponent(item.conversation_id)}`, { focus: item.id });
  const comment = latestComment(item);
  return (
    <li class="row" data-interaction-id={item.id}>
      <div class="row-meta">
        <time dateTime={item.time_end}>{when(item.time_end)}</time>
        <a href={`/users/${encodeURIComponent(item.end_user)}`} class="user" aria-label={`End user ${item.end_user}`}>{item.end_user}</a>
        {item.model && <span class="tag-pill">{item.model}</span>}
        {item.feature_flags.map((f) => <span class="tag-pill flag" key={f}>{f}</span>)}
      </div>
      <a class="row-main" href={open} aria-label={`Open the conversation of this answer to: ${(item.input ?? '').slice(0, 80)}`}>
        <p class="q"><span class="who-said">User</span> <PiiText text={item.input} limit={200} /></p>
        <p class="a"><span class="who-said">Assistant</span> <PiiText text={item.output} limit={260} /></p>
      </a>
      <div class="row-foot">
        {item.feedback_summary && <SummaryChips summary={item.feedback_summary} />}
        {comment && <q class="comment"><PiiText text={comment} limit={200} /></q>}
      </div>
    </li>
  );
}

function Filters({ params, set, active }: { params: Params; set: (patch: Params) => void; active: number }) {
  const id = useId();
  // Open on wide screens; on a phone the results come first and the filters fold away.
  const [open] = useState(() => typeof window === 'undefined' || window.matchMedia('(min-width: 700px)').matches);
  const apply = (name: string) => (event: Event) => set({ [name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value.trim() || undefined, cursor: undefined });
  const rating = params['min_rating'] || params['max_rating'] ? `${params['min_rating'] ?? ''}-${params['max_rating'] ?? ''}` : '';
  const setRating = (event: Event) => {
    const [min, max] = (event.currentTarget as HTMLSelectElement).value.split('-');
    set({ min_rating: min || undefined, max_rating: max || undefined, cursor: undefined });
  };
  const field = (name: string, label: string, placeholder = '') => (
    <div class="field">
      <label for={`${id}-${name}`}>{label}</label>
      <input id={`${id}-${name}`} name={name} defaultValue={params[name] ?? ''} placeholder={placeholder}
        onChange={apply(name)} key={`${name}:${params[name] ?? ''}`} />
    </div>
  );
  return (
    <details class="filters-box" open={open}>
    <summary>Filters{active > 0 ? ` (${active} set)` : ''}</summary>
    <form class="filters" role="search" aria-label="Filter interactions" onSubmit={(e) => e.preventDefault()}>
      <div class="field">
        <label for={`${id}-feedback`}>Feedback</label>
        <select id={`${id}-feedback`} name="feedback" value={params['feedback'] ?? 'any'} onChange={apply('feedback')}>
          <option value="any">Any feedback</option>
          {Object.entries(SLUG_LABELS).map(([slug, label]) => <option key={slug} value={slug}>{label}</option>)}
          <option value="none">No feedback</option>
        </select>
      </div>
      <div class="field">
        <label for={`${id}-rating`}>Rating</label>
        <select id={`${id}-rating`} name="rating" value={rating} onChange={setRating}>
          <option value="">Any rating</option>
          <option value="1-2">Low (1–2)</option>
          <option value="3-3">3</option>
          <option value="4-5">High (4–5)</option>
          {[1, 2, 4, 5].map((n) => <option key={n} value={`${n}-${n}`}>Exactly {n}</option>)}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-comment`}>Comments</label>
        <select id={`${id}-comment`} name="has_comment" value={params['has_comment'] ?? ''} onChange={apply('has_comment')}>
          <option value="">With or without</option>
          <option value="true">With a comment</option>
          <option value="false">Without a comment</option>
        </select>
      </div>
      {field('model', 'Model', 'e.g. gpt-4o')}
      {field('feature_flag', 'Feature flag')}
      {field('tag', 'Tag', 'key:value')}
      {field('end_user', 'End user')}
      {field('q', 'Text search', 'question or answer')}
    </form>
    </details>
  );
}

export function Explorer() {
  const { params, set } = useParams();
  const range = params['from'] || params['to'] ? rangeOf(params) : null;
  const query = Object.fromEntries(FILTERS.map((f) => [f, params[f]]));
  query['feedback'] ??= 'any';
  const cursor = params['cursor'];
  const key = JSON.stringify([query, cursor]);
  const page = useApi((signal) => api.interactions({ ...query, cursor, limit: PAGE_SIZE }, { signal }), [key]);
  const active = FILTERS.filter((f) => params[f] !== undefined && params[f] !== '');
  const thumbsDownWithComments = params['feedback'] === 'thumbs_down' && params['has_comment'] === 'true';

  return (
    <section class="view explorer" aria-labelledby="explorer-title">
      <div class="view-head">
        <h1 id="explorer-title">Explorer</h1>
        <RangePicker range={range} allowAll onChange={(r) => set({ from: r.from, to: r.to, cursor: undefined })} />
      </div>
      <div class="presets" role="group" aria-label="Quick filters">
        <button type="button" aria-pressed={thumbsDownWithComments} onClick={() => set({ feedback: 'thumbs_down', has_comment: 'true', cursor: undefined })}>
          Thumbs down with comments
        </button>
        <button type="button" aria-pressed={params['max_rating'] === '2' && !params['min_rating']} onClick={() => set({ feedback: 'rating', min_rating: undefined, max_rating: '2', cursor: undefined })}>
          Low ratings
        </button>
        <button type="button" aria-pressed={params['feedback'] === 'copy_output'} onClick={() => set({ feedback: 'copy_output', cursor: undefined })}>Copied answers</button>
        {active.length > 0 && (
          <button type="button" class="secondary" onClick={() => set(Object.fromEntries([...FILTERS, 'cursor'].map((f) => [f, undefined])))}>Clear filters</button>
        )}
      </div>
      <Filters params={params} set={set} active={active.filter((f) => f !== 'from' && f !== 'to').length} />

      {page.error && <ErrorBox error={page.error} retry={page.reload} />}
      {page.loading && !page.data && <Loading label="Loading interactions…" />}
      {page.data && (
        <div aria-busy={page.loading} data-loaded={page.loading ? 'false' : 'true'}>
          {page.data.items.length === 0
            ? <Empty>No interactions match these filters.</Empty>
            : <ol class="rows" aria-label="Interactions">{page.data.items.map((item) => <Row key={item.id} item={item} />)}</ol>}
          <nav class="pager" aria-label="Pages">
            {cursor && <button type="button" class="secondary" onClick={() => set({ cursor: undefined })}>← First page</button>}
            {page.data.next_cursor && <button type="button" onClick={() => { set({ cursor: page.data!.next_cursor! }); window.scrollTo(0, 0); }}>Next page →</button>}
          </nav>
        </div>
      )}
    </section>
  );
}
