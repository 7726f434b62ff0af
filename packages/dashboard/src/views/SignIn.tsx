// Sign-in: with a secret key of a project, or with the admin password when the server has one
// (FEEDLOOP_ADMIN_PASSWORD). Either opens a session cookie; the key itself is never stored here.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [method, setMethod] = useState<'key' | 'password'>('key');
  const [passwordAvailable, setPasswordAvailable] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.signInMethods().then((m) => setPasswordAvailable(m.password), () => undefined);
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const session = method === 'key'
        ? await api.signIn({ key: String(form.get('key') ?? '').trim() })
        : await api.signIn({ password: String(form.get('password') ?? ''), project: String(form.get('project') ?? '').trim() || undefined });
      onSignedIn(session);
    } catch (e) {
      setError(e instanceof ApiError ? (e.problem.errors?.[0]?.detail ? `${e.problem.errors[0].pointer?.slice(1)}: ${e.problem.errors[0].detail}` : e.message) : 'The server could not be reached');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <form class="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title"><span class="brand">feedloop</span> Sign in</h1>
        {passwordAvailable && (
          <div class="segmented" role="radiogroup" aria-label="Sign in with">
            <label><input type="radio" name="method" value="key" checked={method === 'key'} onChange={() => setMethod('key')} /> Secret key</label>
            <label><input type="radio" name="method" value="password" checked={method === 'password'} onChange={() => setMethod('password')} /> Admin password</label>
          </div>
        )}
        {method === 'key' ? (
          <>
            <label for="key">Secret API key</label>
            <input id="key" name="key" type="password" autoComplete="off" spellcheck={false} placeholder="fl_sk_…" required autoFocus />
            <p class="hint">The key printed when the server first started, or one made with <code>npx feedloop keys create</code>.</p>
          </>
        ) : (
          <>
            <label for="password">Admin password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required autoFocus />
            <label for="project">Project</label>
            <input id="project" name="project" type="text" defaultValue="default" autoComplete="off" />
          </>
        )}
        {error && <p class="form-error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
