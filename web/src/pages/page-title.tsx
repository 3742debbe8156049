// Each page's h1 takes focus when the page opens, so keyboard and screen-reader users start at the top
// of the new content after an in-app navigation (there is no page load to do it for them); it also
// names the browser tab.
import { useEffect, useRef } from 'react';

/** "Sign in · Chipin": every page names the tab, so history, tabs and screen readers tell pages apart. */
export function useDocumentTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Chipin`;
  }, [title]);
}

export function PageTitle({ children }: { children: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  useDocumentTitle(children);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
