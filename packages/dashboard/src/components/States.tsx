// What a view shows while it loads, when a request failed, and when there is nothing to show.
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <p class="state loading" role="status" aria-live="polite">{label}</p>;
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const problem = error instanceof ApiError ? error.problem : null;
  return (
    <div class="state error" role="alert">
      <p><strong>{problem?.title ?? 'Something went wrong'}</strong>{problem?.detail || error.message ? `: ${problem?.detail ?? error.message}` : ''}</p>
      {problem?.errors && problem.errors.length > 0 && (
        <ul>{problem.errors.map((e) => <li key={e.pointer ?? e.parameter}><code>{e.parameter ?? e.pointer}</code> {e.detail}</li>)}</ul>
      )}
      {retry && <button type="button" onClick={retry}>Try again</button>}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}
