// A disclosure (menu, panel) closes on Escape, returning focus to its button, on a click outside it, and when
// keyboard focus moves outside it (Tab past its last control).
import { useEffect, type RefObject } from 'react';

export function useDismiss(open: boolean, close: () => void, button: RefObject<HTMLElement | null>, panel: RefObject<HTMLElement | null>) {
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) close();
    };
    const onEscape = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      close();
      button.current?.focus();
    };
    const focusAway = (e: FocusEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) close();
    };
    document.addEventListener('mousedown', away);
    document.addEventListener('keydown', onEscape);
    document.addEventListener('focusin', focusAway);
    return () => {
      document.removeEventListener('mousedown', away);
      document.removeEventListener('keydown', onEscape);
      document.removeEventListener('focusin', focusAway);
    };
  }, [open, close, button, panel]);
}
