// /interactions/{id}: finds the conversation an interaction belongs to and shows it there, with
// that interaction in focus (feedback lists link here; they know the interaction, not its conversation).
import { useEffect } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api } from '../api';
import { ErrorBox, Loading } from '../components/States';
import { useApi } from '../use-api';
import { href } from '../url-state';

export function InteractionView() {
  const { params } = useRoute();
  const location = useLocation();
  const id = params['id'] ?? '';
  const loaded = useApi((signal) => api.interaction(id, { signal }), [id]);
  useEffect(() => {
    if (loaded.data) location.route(href(`/conversations/${encodeURIComponent(loaded.data.conversation_id)}`, { focus: id }), true);
  }, [loaded.data]);
  return (
    <section class="view">
      <h1>Interaction</h1>
      {loaded.error ? <ErrorBox error={loaded.error} retry={loaded.reload} /> : <Loading label="Opening its conversation…" />}
    </section>
  );
}
