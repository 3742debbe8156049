// One bill: who paid, each member's part and whether it is paid, "Pay" on the reader's own unpaid part,
// and "Delete" for its owner while nobody has paid.
import { useRef, useState } from 'react';
import type { Bill, Group } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { date, dateTime, money } from '../format.ts';
import { formErrorsOf } from '../problem.ts';
import { Link, paths } from '../router.tsx';

export function BillCard({ bill, group, me, onChanged, titleLevel = 3 }: { bill: Bill; group: Group; me: string; onChanged(): void; titleLevel?: 2 | 3 }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const payKey = useRef(crypto.getRandomValues(new Uint32Array(4)).join('-'));
  const nameOf = (id: string) => {
    const name = group.members.find((m) => m.id === id)?.name ?? 'Someone';
    return id === me ? `${name} (you)` : name;
  };
  const fmt = (amount: number) => money(amount, bill.currency);
  const isOwner = bill.ownerId === me;
  const anyPaid = bill.shares.some((s) => s.userId !== bill.ownerId && s.paidAt !== null);
  const anyOwing = bill.shares.some((s) => s.userId !== bill.ownerId && s.paidAt === null);
  const [notice, setNotice] = useState<string | undefined>();
  const Title = titleLevel === 2 ? 'h2' : 'h3';
  const titleId = `bill-${bill.id}-title`;

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      onChanged();
    } catch (e) {
      setError(formErrorsOf(e, [])['']);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="bill" aria-labelledby={titleId} data-bill-id={bill.id}>
      <div className="bill-head">
        <Title id={titleId} className="bill-title">
          <Link to={paths.bill(bill.id)}>{bill.description}</Link>
        </Title>
        <p className="bill-amount">{fmt(bill.amount)}</p>
      </div>
      <p className="meta">
        {isOwner ? 'You' : nameOf(bill.ownerId)} paid · <time dateTime={bill.createdAt}>{dateTime(bill.createdAt)}</time>
      </p>
      <ul className="shares">
        {bill.shares.map((s) => {
          const own = s.userId === bill.ownerId;
          return (
            <li key={s.userId} className={own || s.paidAt ? 'share paid' : 'share owed'} data-user-id={s.userId}>
              <span className="share-name">{nameOf(s.userId)}</span>
              <span className="share-amount">{fmt(s.amount)}</span>
              <span className="share-status">{own ? 'own part' : s.paidAt ? `paid ${date(s.paidAt)}` : 'owes'}</span>
              {s.userId === me && !own && s.paidAt === null && (
                <button type="button" className="pay" disabled={busy} onClick={() => void act(() => api.payBill(bill.id, payKey.current))}>
                  Pay {fmt(s.amount)}
                  <span className="visually-hidden"> for {bill.description}</span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {isOwner && !anyPaid && (
        <div className="bill-actions">
          {confirming ? (
            <>
              <span>Delete this bill?</span>
              <button type="button" className="danger" disabled={busy} onClick={() => void act(() => api.deleteBill(bill.id))}>
                Yes, delete
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirming(true)}>
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
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <FormError message={error} />
    </article>
  );
}
