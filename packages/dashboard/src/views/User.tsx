// An end user's page: when they were seen, how much they used the assistant and reacted, their
// latest feedback and conversations.
import { useRoute } from 'preact-iso';
import { api } from '../api';
import { FeedbackList } from '../components/Feedback';
import { ErrorBox, Loading, Empty } from '../components/States';
import { count, when } from '../format';
import { useApi } from '../use-api';
import { href } from '../url-state';

export function UserView() {
  const { params } = useRoute();
  const id = params['id'] ?? '';
  const loaded = useApi((signal) => api.user(id, { signal }), [id]);
  return (
    <section class="view user" aria-labelledby="user-title" data-end-user={id}>
      <div class="view-head">
        <h1 id="user-title">End user <span class="mono">{id}</span></h1>
        <p><a href={href('/explorer', { end_user: id, feedback: 'any' })}>Their interactions in the explorer →</a></p>
      </div>
      {loaded.error && <ErrorBox error={loaded.error} retry={loaded.reload} />}
      {!loaded.data && !loaded.error && <Loading />}
      {loaded.data && (
        <>
          <dl class="facts">
            <div><dt>First seen</dt><dd>{when(loaded.data.first_seen)}</dd></div>
            <div><dt>Last seen</dt><dd>{when(loaded.data.last_seen)}</dd></div>
            <div><dt>Interactions</dt><dd data-value={loaded.data.interactions}>{count(loaded.data.interactions)}</dd></div>
            <div><dt>Conversations</dt><dd>{count(loaded.data.conversations)}</dd></div>
            <div><dt>Feedback</dt><dd>{count(loaded.data.feedback)}</dd></div>
          </dl>
          <div class="grid-2">
            <section class="panel" aria-labelledby="user-feedback-title">
              <h2 id="user-feedback-title">Latest feedback</h2>
              <FeedbackList feedback={loaded.data.recent_feedback} linkToAnswer />
            </section>
            <section class="panel" aria-labelledby="user-conversations-title">
              <h2 id="user-conversations-title">Latest conversations</h2>
              {loaded.data.recent_conversations.length === 0 ? <Empty>No conversations.</Empty> : (
                <ul class="plain-list">
                  {loaded.data.recent_conversations.map((c) => (
                    <li key={c.id}>
                      <a href={`/conversations/${encodeURIComponent(c.id)}`}>{when(c.time_start)}</a>
                      <span class="muted"> · {count(c.interactions)} interaction{c.interactions === 1 ? '' : 's'}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
        </>
      )}
    </section>
  );
}
