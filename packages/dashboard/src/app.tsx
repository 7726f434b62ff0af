// The shell: who is signed in, the navigation, and which view a URL shows. Views are one file
// each under views/; they share the API client (api.ts) and keep their state in the URL.
import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { api, ApiError, onUnauthorized, type Session } from './api';
import { Compare } from './views/Compare';
import { ConversationView } from './views/Conversation';
import { Explorer } from './views/Explorer';
import { InteractionView } from './views/Interaction';
import { Keys } from './views/Keys';
import { Overview } from './views/Overview';
import { SignIn } from './views/SignIn';
import { UserView } from './views/User';
import { Loading, ErrorBox } from './components/States';

const NAV = [
  { path: '/', label: 'Overview' },
  { path: '/explorer', label: 'Explorer' },
  { path: '/compare', label: 'Compare' },
  { path: '/keys', label: 'Keys' },
] as const;

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const location = useLocation();
  const current = (path: string) => (path === '/' ? location.path === '/' : location.path.startsWith(path));
  useEffect(() => {
    if (location.path === '/sign-in') location.route('/', true);
  }, [location.path]);
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/" aria-label="feedloop overview">feedloop</a>
        <nav aria-label="Views">
          {NAV.map((n) => <a key={n.path} href={n.path} aria-current={current(n.path) ? 'page' : undefined}>{n.label}</a>)}
        </nav>
        <div class="who">
          <span class="project" title={session.method === 'password' ? 'Signed in with the admin password' : 'Signed in with a secret key'}>
            Project <strong>{session.project.name}</strong>
          </span>
          <button type="button" class="secondary" onClick={onSignOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path="/" component={Overview} />
          <Route path="/explorer" component={Explorer} />
          <Route path="/compare" component={Compare} />
          <Route path="/keys" component={Keys} />
          <Route path="/conversations/:id" component={ConversationView} />
          <Route path="/interactions/:id" component={InteractionView} />
          <Route path="/users/:id" component={UserView} />
          <Route path="/sign-in" component={Overview} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </>
  );
}

function NotFound() {
  return <section><h1>Not found</h1><p>No such page. <a href="/">Back to the overview</a>.</p></section>;
}

function Root() {
  const [session, setSession] = useState<Session | null | 'loading'>('loading');
  const [failure, setFailure] = useState<Error | null>(null);
  const location = useLocation();

  const load = () => {
    setFailure(null);
    api.session().then(setSession, (error: Error) => {
      if (error instanceof ApiError && error.status === 401) setSession(null);
      else setFailure(error);
    });
  };
  useEffect(load, []);
  useEffect(() => onUnauthorized(() => setSession(null)), []);

  const signOut = async () => {
    try { await api.signOut(); } finally {
      setSession(null);
      location.route('/sign-in');
    }
  };

  if (failure) return <main id="main"><ErrorBox error={failure} retry={load} /></main>;
  if (session === 'loading') return <main id="main"><Loading /></main>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  return <Shell session={session} onSignOut={signOut} />;
}

export function App() {
  return (
    <LocationProvider>
      <Root />
    </LocationProvider>
  );
}
