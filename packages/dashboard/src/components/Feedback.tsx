// Feedback as chips (what a row of the explorer received) and as a list (every event of an
// interaction, with its comment, status and time).
import type { Feedback, FeedbackSummary } from '../api';
import { slugLabel, when } from '../format';
import { PiiText } from './PiiText';

export function SummaryChips({ summary }: { summary: FeedbackSummary }) {
  const others = Object.entries(summary.counts).filter(([slug, n]) => n > 0 && !['thumbs_up', 'thumbs_down', 'rating', 'comment'].includes(slug));
  return (
    <span class="chips">
      {summary.thumbs === 'up' && <span class="chip good"><span aria-hidden="true">▲</span> Thumbs up</span>}
      {summary.thumbs === 'down' && <span class="chip bad"><span aria-hidden="true">▼</span> Thumbs down</span>}
      {summary.rating !== null && <span class={`chip ${summary.rating >= 4 ? 'good' : summary.rating <= 2 ? 'bad' : ''}`}><span aria-hidden="true">★</span> Rated {summary.rating}</span>}
      {summary.comments > 0 && <span class="chip">{summary.comments} comment{summary.comments === 1 ? '' : 's'}</span>}
      {others.map(([slug, n]) => <span class="chip" key={slug}>{slugLabel(slug)}{n > 1 ? ` ×${n}` : ''}</span>)}
    </span>
  );
}

function what(f: Feedback): string {
  if (f.slug === 'rating' && f.value !== null) return `Rated ${f.value} of 5`;
  return slugLabel(f.slug);
}

/** `linkToAnswer`: each item links to the answer it is about (where the list is not beside it already). */
export function FeedbackList({ feedback, linkToAnswer = false }: { feedback: Feedback[]; linkToAnswer?: boolean }) {
  if (feedback.length === 0) return <p class="muted">No feedback on this answer.</p>;
  return (
    <ul class="feedback-list">
      {feedback.map((f) => (
        <li key={f.id} data-feedback-id={f.id} class={`feedback-item slug-${f.slug}`}>
          <span class="feedback-what">{what(f)}</span>
          {f.text !== null && f.text !== '' && (
            <q class={f.slug === 'copy_output' || f.slug === 'copy_input' || f.slug === 'paste' ? 'copied' : 'comment'}><PiiText text={f.text} /></q>
          )}
          <span class="feedback-meta muted">
            <time dateTime={f.timestamp}>{when(f.timestamp)}</time>
            {f.status !== 'linked' && <span class={`status ${f.status}`}> · {f.status}</span>}
            {f.link && <span title="How this feedback was matched to the answer"> · matched by {f.link.replace('_', ' ')}</span>}
            {linkToAnswer && f.interaction_id && <> · <a href={`/interactions/${encodeURIComponent(f.interaction_id)}`}>the answer</a></>}
          </span>
        </li>
      ))}
    </ul>
  );
}
