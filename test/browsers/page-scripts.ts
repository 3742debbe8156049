// What the scenario runs inside the app's pages. Each is sent as source text to whichever driver runs it,
// so each stands alone: no imports, no outer variables, one JSON argument.
import type { PageScript } from './engine.ts';

export type PageState = { session?: string; connection?: string; role?: string; transport?: string; heading?: string; form?: string };

/** What the app writes on <html> (session, SDK connection state, stream role, transport), the page's heading and the sign-in form's. */
export const pageState: PageScript<null, PageState> = () => {
  const d = document.documentElement.dataset;
  return {
    session: d.session,
    connection: d.connection,
    role: d.streamRole,
    transport: d.transport,
    heading: document.querySelector('h1')?.textContent ?? undefined,
    form: document.getElementById('auth-title')?.textContent ?? undefined,
  };
};

/** Types into the sign-in form as a person would: React sees input events, not a bare value. */
export const fillSignIn: PageScript<{ email: string; password: string }, boolean> = ({ email, password }) => {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
  const fill = (id: string, value: string) => {
    const input = document.getElementById(id);
    if (!(input instanceof HTMLInputElement) || !setter) return false;
    input.focus();
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  };
  return fill('auth-email', email) && fill('auth-password', password);
};

export const clickButton: PageScript<string, boolean> = (label) => {
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === label);
  button?.click();
  return button !== undefined;
};

export type ShownToast = { id: string; shownAt: number };

/** The toasts whose text says "<someone> added <description> —". */
export const toastsFor: PageScript<string, ShownToast[]> = (description) =>
  [...document.querySelectorAll<HTMLElement>('.toast')]
    .filter((t) => t.querySelector('.toast-text')?.textContent?.includes(` added ${description} —`))
    .map((t) => ({ id: t.dataset.notificationId ?? '', shownAt: Number(t.dataset.shownAt) }));

/** How many bill cards on the group page carry this description. */
export const billCount: PageScript<string, number> = (description) =>
  [...document.querySelectorAll('article.bill .bill-title')].filter((h) => h.textContent?.trim() === description).length;

/** The bell's unread count. */
export const unread: PageScript<null, number> = () => Number(document.querySelector<HTMLElement>('.badge')?.dataset.unread ?? 0);

/** A mark on the window that a reload would wipe. */
export const markWindow: PageScript<null, void> = () => {
  (window as unknown as { chipinUntouched?: boolean }).chipinUntouched = true;
};
export const windowMarked: PageScript<null, boolean> = () => (window as unknown as { chipinUntouched?: boolean }).chipinUntouched === true;
