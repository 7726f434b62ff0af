// A conversation: every interaction in time order with its feedback inline, the end user's page
// one click away. Text shows what was stored: PII placeholders stay visible as such.
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api, type Conversation, type FullInteraction } from '../api';
import { FeedbackList } from '../components/Feedback';
import { PiiText } from '../components/PiiText';
import { ErrorBox, Loading } from '../components/States';
import { when } from '../format';
import { useApi } from '../use-api';
import { useParams } from '../url-state';

function Turn({ item, focused }: { item: FullInteraction; focused: boolean }) {
  const piiTypes = Object.keys(item.pii ?? {});
  return (
    <li class={`turn${focused ? ' focused' : ''}`} id={`interaction-${item.id}`} data-interaction-id={item.id} aria-current={focused ? 'true' : undefined}>
      <div class="turn-meta">
        <time dateTime={item.time_end}>{when(item.time_end)}</time>
        {item.model && <span class="tag-pill">{item.model}</span>}
        {item.feature_flags.map((f) => <span class="tag-pill flag" key={f}>{f}</span>)}
        {Object.entries(item.tags).map(([k, v]) => <span class="tag-pill tag" key={k}>{k}: {v}</span>)}
        {item.pii_removed && <span class="pii-note" title={piiTypes.join(', ')}>PII removed: {piiTypes.map((t) => `${t.toLowerCase()} ×${item.pii[t]}`).join(', ')}</span>}
      </div>
      <div class="bubble user-said"><span class="who-said">User</span><p><PiiText text={item.input} /></p></div>
      <div class="bubble assistant-said"><span class="who-said">Assistant</span><p><PiiText text={item.output} /></p></div>
      <div class="turn-feedback">
        <h3 class="visually-hidden">Feedback on this answer</h3>
        <FeedbackList feedback={item.feedback} />
      </div>
    </li>
  );
}

export function ConversationView() {
  const { params: route } = useRoute();
  const { params } = useParams();
  const id = route['id'] ?? '';
  const [more, setMore] = useState<Conversation[]>([]);
  const loaded = useApi((signal) => api.conversation(id, null, { signal }), [id]);
  useEffect(() => setMore([]), [id]);

  const focus = params['focus'];
  useEffect(() => {
    if (!loaded.data || !focus) return;
    document.getElementById(`interaction-${focus}`)?.scrollIntoView({ block: 'center' });
  }, [loaded.data, focus]);

  if (loaded.error) return <section class="view"><h1>Conversation</h1><ErrorBox error={loaded.error} retry={loaded.reload} /></section>;
  if (!loaded.data) return <section class="view"><h1>Conversation</h1><Loading /></section>;
  const pages = [loaded.data, ...more];
  const last = pages[pages.length - 1]!;
  const c = loaded.data;
  return (
    <section class="view conversation" aria-labelledby="conversation-title" data-conversation-id={c.id}>
      <div class="view-head">
        <h1 id="conversation-title">Conversation</h1>
        <p class="muted">
          With <a href={`/users/${encodeURIComponent(c.end_user)}`} class="user-link">{c.end_user}</a> · {when(c.time_start)} to {when(c.time_end)}
        </p>
      </div>
      <ol class="turns" aria-label="Interactions in this conversation">
        {pages.flatMap((p) => p.interactions).map((item) => <Turn key={item.id} item={item} focused={item.id === focus} />)}
      </ol>
      {last.next_cursor && (
        <button type="button" onClick={async () => setMore([...more, await api.conversation(id, last.next_cursor)])}>Load more</button>
      )}
      <p><button type="button" class="secondary" onClick={() => history.back()}>← Back</button></p>
    </section>
  );
}
