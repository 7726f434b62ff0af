// React binding: `useFeedback(options)` returns a Feedback for the component's life.
// The instance behind it is made on first use or by the hook's effect, and closed by the effect's
// cleanup: a render React discards makes nothing, and StrictMode's mount, unmount, mount in
// development closes the first instance and makes a second (no leaked listeners, no second
// sender). Changing endpoint, key or end user gives a new Feedback (effects that depend on it
// subscribe again); a changed token is handed over with setToken.
import { useEffect, useMemo, useRef } from 'react';
import { createFeedback, type Feedback, type FeedbackListeners, type FeedbackOptions } from './feedloop.js';

export type { About, Feedback, FeedbackError, FeedbackEvent, FeedbackListeners, FeedbackOptions, FeedbackResult, Problem, Slug } from './feedloop.js';

/** A Feedback that makes its instance when first needed; after close() the next use makes a new one. */
function lazyFeedback(make: () => Feedback): Feedback & { start(): void } {
  let live: Feedback | null = null;
  const subs = { sent: new Set<(...a: any[]) => void>(), error: new Set<(...a: any[]) => void>() };
  const get = (): Feedback => {
    if (!live) {
      const fb = make();
      // Listeners belong to the Feedback the hook returned, whichever instance is behind it now.
      fb.on('sent', (...a) => subs.sent.forEach((f) => f(...a)));
      fb.on('error', (...a) => subs.error.forEach((f) => f(...a)));
      live = fb;
    }
    return live;
  };
  const forward = <K extends keyof Feedback>(name: K) => ((...args: unknown[]) => (get()[name] as (...a: unknown[]) => unknown)(...args)) as Feedback[K];
  return {
    thumbsUp: forward('thumbsUp'),
    thumbsDown: forward('thumbsDown'),
    rate: forward('rate'),
    comment: forward('comment'),
    regenerate: forward('regenerate'),
    edit: forward('edit'),
    copied: forward('copied'),
    watchOutput: forward('watchOutput'),
    watchInput: forward('watchInput'),
    flush: forward('flush'),
    setToken: forward('setToken'),
    on<K extends keyof FeedbackListeners>(type: K, listener: FeedbackListeners[K]) {
      subs[type].add(listener as (...a: any[]) => void);
      return () => { subs[type].delete(listener as (...a: any[]) => void); };
    },
    start: () => { get(); },
    close: () => {
      live?.close();
      live = null;
    },
  };
}

/**
 * The feedback client of this component. Options are read when the instance is made; a change of
 * `endpoint`, `key` or `endUser` makes a new one, a change of `token` is passed to it.
 */
export function useFeedback(options: FeedbackOptions): Feedback {
  const latest = useRef(options);
  latest.current = options;
  const { endpoint, key, endUser, token } = options;
  const feedback = useMemo(() => lazyFeedback(() => createFeedback(latest.current)), [endpoint, key, endUser]);
  useEffect(() => {
    feedback.start(); // sends what earlier pages left stored, without waiting for a first event
    return () => feedback.close();
  }, [feedback]);
  useEffect(() => { feedback.setToken(token); }, [feedback, token]);
  return feedback;
}
