// A page refetches on a group.updated hint at most once per hint window. The server already sends at most
// one hint per (stream, group) per GROUP_HINT_MS (docs/api.md, "Live streams"); this folds hints that
// reach a page sooner (several groups, another tab's broadcast) into one refetch at the window's end.
import { useEffect, useRef } from 'react';

/** The server's default GROUP_HINT_MS. */
export const HINT_WINDOW_MS = 250;

/** Returns `request()`: runs the latest `run` now, or once at the end of the current window. */
export function useHintWindow(run: () => void, windowMs = HINT_WINDOW_MS): () => void {
  const latest = useRef(run);
  latest.current = run;
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | undefined }>({ last: -Infinity, timer: undefined });
  useEffect(() => {
    const s = state.current;
    return () => {
      clearTimeout(s.timer);
      s.timer = undefined;
    };
  }, []);
  const request = useRef(() => {
    const s = state.current;
    if (s.timer !== undefined) return;
    const fire = () => {
      s.timer = undefined;
      s.last = performance.now();
      latest.current();
    };
    const wait = s.last + windowMs - performance.now();
    if (wait <= 0) fire();
    else s.timer = setTimeout(fire, wait);
  });
  return request.current;
}
