// Keys of the signed-in project: list, create (secret, or publishable bound to origins), revoke.
// A new key is shown once, right after it is made; the server keeps only its hash.
import { useState } from 'preact/hooks';
import { api, ApiError, type CreatedKey, type KeyKind } from '../api';
import { Empty, ErrorBox, Loading } from '../components/States';
import { when } from '../format';
import { useApi } from '../use-api';

function NewKey({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="new-key" role="status" data-new-key-id={created.id}>
      <h2>New {created.kind} key</h2>
      <p><strong>Copy it now:</strong> it is shown only this once.</p>
      <div class="copy-row">
        <input type="text" readOnly value={created.key} aria-label="The new key" class="mono" name="new-key" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
      </div>
      <button type="button" class="secondary" onClick={onDone}>Done</button>
    </div>
  );
}

function CreateForm({ onCreated }: { onCreated: (key: CreatedKey) => void }) {
  const [kind, setKind] = useState<KeyKind>('secret');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const name = String(form.get('name') ?? '').trim();
    const origins = String(form.get('origins') ?? '').split(/[\s,]+/).map((o) => o.trim()).filter((o) => o !== '');
    setBusy(true);
    setError(null);
    try {
      const requireToken = form.get('require_token') === 'on';
      const created = await api.createKey({ kind, ...(name ? { name } : {}), ...(kind === 'publishable' ? { origins, ...(requireToken ? { require_token: true } : {}) } : {}) });
      formElement.reset();
      setKind('secret');
      onCreated(created);
    } catch (e) {
      const problem = e instanceof ApiError ? e.problem : null;
      setError(problem?.errors?.map((x) => `${x.pointer ?? ''} ${x.detail}`).join('; ') || (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel create-key" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <fieldset class="segmented">
        <legend>Kind</legend>
        <label><input type="radio" name="kind" value="secret" checked={kind === 'secret'} onChange={() => setKind('secret')} /> Secret <span class="muted">(servers, scripts, this dashboard)</span></label>
        <label><input type="radio" name="kind" value="publishable" checked={kind === 'publishable'} onChange={() => setKind('publishable')} /> Publishable <span class="muted">(browsers: sends feedback only)</span></label>
      </fieldset>
      <div class="field">
        <label for="key-name">Name</label>
        <input id="key-name" name="name" type="text" placeholder="e.g. chat front end" autoComplete="off" />
      </div>
      {kind === 'publishable' && (
        <div class="field">
          <label for="key-origins">Allowed origins</label>
          <textarea id="key-origins" name="origins" rows={2} placeholder="https://chat.example.com" required />
          <p class="hint">One per line. Only pages from these origins may use the key; <code>*</code> allows any.</p>
        </div>
      )}
      {kind === 'publishable' && (
        <label class="check"><input type="checkbox" name="require_token" /> Require signed feedback tokens <span class="muted">(your server mints them per end user)</span></label>
      )}
      {error && <p class="form-error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create key'}</button>
    </form>
  );
}

function RevokeButton({ id, label, onRevoked }: { id: string; label: string; onRevoked: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!confirming) return <button type="button" class="danger secondary" onClick={() => setConfirming(true)} aria-label={`Revoke ${label}`}>Revoke</button>;
  return (
    <span class="confirm">
      <button type="button" class="danger" onClick={async () => {
        try { await api.revokeKey(id); onRevoked(); } catch (e) { setError((e as Error).message); }
      }} aria-label={`Confirm: revoke ${label}`}>Revoke now</button>
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>Cancel</button>
      {error && <span class="form-error" role="alert">{error}</span>}
    </span>
  );
}

export function Keys() {
  const list = useApi((signal) => api.keys({ signal }), []);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const keys = list.data?.items ?? [];
  const active = keys.filter((k) => k.revoked_at === null);
  const revoked = keys.filter((k) => k.revoked_at !== null);
  return (
    <section class="view keys" aria-labelledby="keys-title">
      <div class="view-head"><h1 id="keys-title">API keys</h1></div>
      {created && <NewKey created={created} onDone={() => setCreated(null)} />}
      <div class="grid-2">
        <section class="panel wide" aria-labelledby="keys-list-title">
          <h2 id="keys-list-title">Keys of this project</h2>
          {list.error && <ErrorBox error={list.error} retry={list.reload} />}
          {!list.data && !list.error && <Loading />}
          {list.data && active.length === 0 && <Empty>No active keys.</Empty>}
          {active.length > 0 && (
            <div class="table-wrap">
              <table class="keys-table">
                <thead><tr><th scope="col">Key</th><th scope="col">Kind</th><th scope="col" class="hide-narrow">Origins</th><th scope="col" class="hide-narrow">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
                <tbody>
                  {active.map((k) => (
                    <tr key={k.id} data-key-id={k.id}>
                      <th scope="row"><span class="mono">{k.prefix}…</span>{k.name && <span class="key-name"> {k.name}</span>}</th>
                      <td>{k.kind}</td>
                      <td class="hide-narrow">
                        {k.origins.length === 0 ? <span class="muted">—</span> : k.origins.join(', ')}
                        {k.require_token && <span class="muted"> · tokens required</span>}
                      </td>
                      <td class="hide-narrow">{when(k.created_at)}</td>
                      <td><RevokeButton id={k.id} label={k.name ?? k.prefix} onRevoked={list.reload} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {revoked.length > 0 && (
            <details class="revoked">
              <summary>{revoked.length} revoked key{revoked.length === 1 ? '' : 's'}</summary>
              <ul class="plain-list">
                {revoked.map((k) => <li key={k.id} data-key-id={k.id} data-revoked="true"><span class="mono">{k.prefix}…</span> {k.name} <span class="muted">revoked {when(k.revoked_at)}</span></li>)}
              </ul>
            </details>
          )}
        </section>
        <CreateForm onCreated={(k) => { setCreated(k); list.reload(); }} />
      </div>
    </section>
  );
}
