// Loads data for a page and reloads it on demand. Reloads that arrive while one is in flight are coalesced
// into one more, so a burst of live events costs at most two requests, and a stale answer never wins.
import { useCallback, useEffect, useRef, useState } from 'react';
import { isUnauthenticated } from './problem.ts';
import { useSession } from './session.tsx';

export type Loaded<T> = { data: T | undefined; error: unknown; reload(): void };

export function useLoader<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const { expired } = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const run = useRef<{ generation: number; busy: boolean; again: boolean }>({ generation: 0, busy: false, again: false });
  const loadRef = useRef(load);
  loadRef.current = load;

  const start = useCallback(() => {
    const r = run.current;
    if (r.busy) {
      r.again = true;
      return;
    }
    r.busy = true;
    const generation = r.generation;
    loadRef
      .current()
      .then(
        (value) => {
          if (generation !== r.generation) return;
          setData(value);
          setError(undefined);
        },
        (e: unknown) => {
          if (generation !== r.generation) return;
          if (isUnauthenticated(e)) expired();
          setError(e);
        },
      )
      .finally(() => {
        if (generation !== r.generation) return;
        r.busy = false;
        if (r.again) {
          r.again = false;
          start();
        }
      });
  }, [expired]);

  useEffect(() => {
    // New inputs (another group): forget the old answer and any load in flight for it.
    const r = run.current;
    r.generation++;
    r.busy = false;
    r.again = false;
    setData(undefined);
    setError(undefined);
    start();
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's inputs are the dependencies (a hook over a generic loader)
  }, deps);

  return { data, error, reload: start };
}
