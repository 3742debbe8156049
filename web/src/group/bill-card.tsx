// One bill as a compact row (what it was, who paid, how much, and where the reader stands, with "Mark as paid"
// on the reader's own unpaid part and Undo for a few seconds after), which expands to each member's part and
// the owner's Delete and Remind. On the bill's own page it is always expanded.
// The reader's pay button stays in the row rather than in the expanded parts: it is what most readers open
// the group for, and one button (not one per view) keeps its focus hand-off to Undo simple.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Bill, Group } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { date, dateTime, money } from '../format.ts';
import { problemSentence } from '../problem.ts';
import { Link, paths } from '../router.tsx';
import { billStanding } from './bill-standing.ts';

/** How long Undo is offered after "Mark as paid" (the server allows more: UNPAY_WINDOW_SECONDS, 5 minutes by default). */
export const UNDO_SHOWN_MS = 8000;

const newKey = () => crypto.getRandomValues(new Uint32Array(4)).join('-');

export function BillCard({
  bill,
  group,
  me,
  onChanged,
  titleLevel = 3,
}: {
  bill: Bill;
  group: Group;
  me: string;
  onChanged(): void;
  titleLevel?: 2 | 3;
}) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [undoable, setUndoable] = useState(false);
  // The reader's own part as the last pay/undo answered, until the reloaded bill says the same.
  const [myPaidAt, setMyPaidAt] = useState<string | null | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new bill object (a reload) is what ends the optimistic state
  useEffect(() => setMyPaidAt(undefined), [bill]);
  // A fresh key per attempt that changes state: pay, undo and pay again are three different requests.
  const payKey = useRef(newKey());
  const deleteButton = useRef<HTMLButtonElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  const payButton = useRef<HTMLButtonElement>(null);
  const undoButton = useRef<HTMLButtonElement>(null);
  const nameOf = (id: string) => {
    const name = group.members.find((m) => m.id === id)?.name ?? 'Someone';
    return id === me ? `${name} (you)` : name;
  };
  const fmt = (amount: number) => money(amount, bill.currency);
  const isOwner = bill.ownerId === me;
  const anyPaid = bill.shares.some((s) => s.userId !== bill.ownerId && s.paidAt !== null);
  const anyOwing = bill.shares.some((s) => s.userId !== bill.ownerId && s.paidAt === null);
  const [notice, setNotice] = useState<string | undefined>();
  const alwaysOpen = titleLevel === 2;
  const [open, setOpen] = useState(alwaysOpen);
  const expanded = alwaysOpen || open;
  const partsId = `bill-${bill.id}-parts`;
  const mine = bill.shares.find((s) => s.userId === me && s.userId !== bill.ownerId);
  const Title = titleLevel === 2 ? 'h2' : 'h3';
  const titleId = `bill-${bill.id}-title`;

  useEffect(() => {
    if (!undoable) return;
    const t = setTimeout(() => setUndoable(false), UNDO_SHOWN_MS);
    return () => clearTimeout(t);
  }, [undoable]);
  // Focus follows the control that replaced the one just used, so a keyboard user never lands on <body>:
  // asked for here, given after the render that shows it (the control may not exist yet when asked).
  const focusNext = useRef<{ current: HTMLElement | null } | undefined>(undefined);
  const focusSoon = (ref: { current: HTMLElement | null }) => {
    focusNext.current = ref;
  };
  useEffect(() => {
    const target = focusNext.current?.current;
    if (target) {
      target.focus();
      focusNext.current = undefined;
    }
  });

  async function act<T>(action: () => Promise<T>, after?: (value: T) => void) {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const value = await action();
      after?.(value);
      onChanged();
    } catch (e) {
      setError(problemSentence(e));
    } finally {
      setBusy(false);
    }
  }

  const pay = () =>
    act(
      () => api.payBill(bill.id, payKey.current),
      (r) => {
        payKey.current = newKey();
        setMyPaidAt(r.bill.shares.find((s) => s.userId === me)?.paidAt ?? null);
        setUndoable(true);
        focusSoon(undoButton);
      },
    );
  const undo = () =>
    act(
      () => api.unpayBill(bill.id, payKey.current),
      () => {
        payKey.current = newKey();
        setMyPaidAt(null);
        setUndoable(false);
        focusSoon(payButton);
      },
    );
  const remove = () =>
    act(
      () => api.deleteBill(bill.id),
      // The card goes away: the bills heading (or the page's) takes focus.
      () => (document.getElementById('bills-title') ?? document.querySelector<HTMLElement>('h1'))?.focus(),
    );
  const cancelDelete = () => {
    setConfirming(false);
    focusSoon(deleteButton);
  };
  const onEscape = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && confirming) {
      e.stopPropagation();
      cancelDelete();
    }
  };

  const mineShown = mine && myPaidAt !== undefined ? { ...mine, paidAt: myPaidAt } : mine;
  const standing = billStanding(bill, me, mineShown, fmt);

  return (
    <article className={expanded ? 'bill open' : 'bill'} aria-labelledby={titleId} data-bill-id={bill.id}>
      <div className="bill-head">
        <Title id={titleId} className="bill-title">
          {/* On the bill's own page the title is the page's, not a link to itself. */}
          {titleLevel === 2 ? bill.description : <Link to={paths.bill(bill.id)}>{bill.description}</Link>}
        </Title>
        <p className="bill-amount">{fmt(bill.amount)}</p>
      </div>
      <div className="bill-summary">
        <p className="meta">
          {isOwner ? 'You' : nameOf(bill.ownerId)} paid · <time dateTime={bill.createdAt}>{dateTime(bill.createdAt)}</time>
        </p>
        <p className={`bill-standing ${standing.tone}`}>{standing.text}</p>
        <span className="bill-row-actions">
          {mineShown && mineShown.paidAt === null && (
            <button ref={payButton} type="button" className="pay" aria-disabled={busy || undefined} onClick={() => void pay()}>
              Mark as paid
              <span className="visually-hidden">
                : {fmt(mineShown.amount)} for {bill.description}
              </span>
            </button>
          )}
          {mineShown && mineShown.paidAt !== null && undoable && (
            <button ref={undoButton} type="button" className="secondary undo" aria-disabled={busy || undefined} onClick={() => void undo()}>
              Undo
              <span className="visually-hidden"> marking {bill.description} paid</span>
            </button>
          )}
          {!alwaysOpen && (
            <button
              type="button"
              className="secondary bill-toggle"
              aria-expanded={open}
              aria-controls={partsId}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? 'Hide parts' : 'Parts'}
              <span className="visually-hidden"> of {bill.description}</span>
            </button>
          )}
        </span>
      </div>
      {expanded && (
        <div id={partsId} className="bill-parts">
          <ul className="shares" aria-label={`Parts of ${bill.description}`}>
            {bill.shares.map((share) => {
              const own = share.userId === bill.ownerId;
              const s = share === mine && mineShown ? mineShown : share;
              return (
                <li key={s.userId} className={own || s.paidAt ? 'share paid' : 'share owed'} data-user-id={s.userId}>
                  <span className="share-name">{nameOf(s.userId)}</span>
                  <span className="share-amount">{fmt(s.amount)}</span>
                  <span className="share-status">{own ? 'own part' : s.paidAt ? `paid ${date(s.paidAt)}` : 'owes'}</span>
                </li>
              );
            })}
          </ul>
          {isOwner && !anyPaid && (
            // biome-ignore lint/a11y/noStaticElementInteractions: Escape from either button inside cancels the confirmation; the div itself takes no focus
            <div className="bill-actions" onKeyDown={onEscape}>
              {confirming ? (
                <>
                  <span>Delete this bill?</span>
                  <button type="button" className="danger" aria-disabled={busy || undefined} onClick={() => void remove()}>
                    Yes, delete
                  </button>
                  <button ref={keepButton} type="button" className="secondary" onClick={cancelDelete}>
                    Keep
                  </button>
                </>
              ) : (
                <button
                  ref={deleteButton}
                  type="button"
                  className="secondary"
                  onClick={() => {
                    setConfirming(true);
                    focusSoon(keepButton);
                  }}
                >
                  Delete
                  <span className="visually-hidden"> {bill.description}</span>
                </button>
              )}
            </div>
          )}
          {isOwner && anyOwing && (
            <div className="bill-actions">
              <button
                type="button"
                className="secondary remind"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    const { reminded } = await api.remind(bill.id);
                    setNotice(`Reminded ${reminded.map(nameOf).join(', ')}`);
                  })
                }
              >
                Remind
                <span className="visually-hidden"> everyone who owes on {bill.description}</span>
              </button>
            </div>
          )}
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <FormError message={error} />
    </article>
  );
}
