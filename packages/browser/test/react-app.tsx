// The page of the React hook's browser test (browser.test.ts bundles it with React): a chat answer
// with thumbs and a rating under StrictMode, talking to the scripted network. The test drives it
// through window.app.
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useFeedback } from '@feedloop/browser/react';
import { fakeNetwork } from './support/fake-network.js';

const ANSWER = 'Paris is the capital of France.';
const net = fakeNetwork();

function Chat({ user }: { user: string }) {
  const fb = useFeedback({ endpoint: 'https://feedloop.test', key: 'fl_pk_react', endUser: user, delay: 10 });
  const answer = useRef<HTMLParagraphElement>(null);
  const [sent, setSent] = useState(0);
  useEffect(() => fb.on('sent', () => setSent((n) => n + 1)), [fb]);
  useEffect(() => fb.watchOutput(answer.current!, { output: ANSWER }), [fb]);
  return (
    <div>
      <p id="answer" ref={answer}>{ANSWER}</p>
      <button id="up" onClick={() => fb.thumbsUp({ output: ANSWER })}>Good</button>
      <button id="rate" onClick={() => fb.rate({ output: ANSWER }, 4)}>4 of 5</button>
      <output id="sent">{sent}</output>
    </div>
  );
}

function App() {
  const [user, setUser] = useState('alice');
  const [shown, setShown] = useState(true);
  Object.assign(window, { app: { net, setUser, setShown } });
  return <StrictMode>{shown && <Chat user={user} />}</StrictMode>;
}

createRoot(document.getElementById('root')!).render(<App />);
