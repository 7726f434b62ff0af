// Loading data for a view: runs the request when its inputs change, cancels the one it replaces,
// and hands the view data, error and loading state.
import { useEffect, useState } from 'preact/hooks';

export interface Loaded<T> { data: T | null; error: Error | null; loading: boolean; reload: () => void }

export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, inputs: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    load(controller.signal).then(
      (data) => { if (!controller.signal.aborted) setState({ data, error: null, loading: false }); },
      (error: Error) => { if (!controller.signal.aborted) setState({ data: null, error, loading: false }); },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...inputs, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
