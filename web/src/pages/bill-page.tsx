// One bill on its own page: where a notification's "View bill" leads.
import { ApiError } from '../../../src/client/index.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { useState } from 'react';
import { BillCard } from '../group/bill-card.tsx';
import { BillEdit } from '../group/bill-edit.tsx';
import { BillHistory } from '../group/bill-history.tsx';
import { groupIdOf } from '../group/use-group.ts';
import { useLiveEvent } from '../live/live-context.tsx';
import { useHintWindow } from '../live/hint-window.ts';
import { Link, paths } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoader } from '../use-loader.ts';
import { PageTitle } from './page-title.tsx';

export function BillPage({ billId }: { billId: string }) {
  const { user } = useSession();
  const [editing, setEditing] = useState(false);
  // A new key remounts the edit form with the bill as it is now (after a save, or a conflict).
  const [formKey, setFormKey] = useState(0);
  // Kept here, not in the form: the form starts over with the bill as someone else left it.
  const [conflict, setConflict] = useState(false);
  const loaded = useLoader(async () => {
    const { bill } = await api.getBill(billId);
    const [{ group }, { revisions }] = await Promise.all([api.getGroup(bill.groupId), api.billHistory(billId)]);
    return { bill, group, revisions };
  }, [billId]);
  // From a notification's link: the bill's group, for the way back when the bill is gone.
  const groupId = loaded.data?.group.id ?? (new URLSearchParams(location.search).get('group') || undefined);
  const refetchForHint = useHintWindow(loaded.reload);
  useLiveEvent((e) => {
    if (e.type === 'group.updated') {
      if (e.groupId === groupId) refetchForHint();
    } else if (e.type === 'resynced' || (e.type === 'notification' && groupIdOf(e.notification) === groupId)) {
      loaded.reload();
    }
  });

  if (loaded.error instanceof ApiError && loaded.error.status === 404) {
    return (
      <main id="main" className="page">
        <PageTitle>Bill not found</PageTitle>
        <p>This bill was deleted, or you are not a member of its group.</p>
        <Link to={groupId ? paths.group(groupId) : paths.groups()}>{groupId ? 'Back to the group' : 'Back to your groups'}</Link>
      </main>
    );
  }
  if (!loaded.data) {
    return (
      <main id="main" className="page">
        {loaded.error !== undefined ? (
          <FormError message="Could not load this bill. Reload to try again." />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </main>
    );
  }
  const { bill, group, revisions } = loaded.data;
  return (
    <main id="main" className="page bill-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.groups()}>Groups</Link> / <Link to={paths.group(group.id)}>{group.name}</Link>
      </nav>
      <PageTitle>{bill.description}</PageTitle>
      <BillCard bill={bill} group={group} me={user.id} onChanged={loaded.reload} titleLevel={2} />
      <p className="meta">
        Day of the expense: <span className="bill-date">{bill.date}</span>
      </p>
      {bill.notes && <p className="bill-notes">{bill.notes}</p>}
      {bill.ownerId === user.id &&
        (editing ? (
          <>
            {conflict && (
              <p className="form-error conflict" role="alert">
                Someone else changed this bill meanwhile. The form now shows their version: check it and save again.
              </p>
            )}
            <BillEdit
              // After a conflict the form starts over from the bill as it is now (and again on each change).
              key={conflict ? `latest-${bill.version}` : formKey}
              bill={bill}
              onSaved={() => {
                setEditing(false);
                setConflict(false);
                loaded.reload();
              }}
              onConflict={() => {
                setConflict(true);
                loaded.reload();
              }}
            />
          </>
        ) : (
          <button
            type="button"
            className="secondary edit-bill"
            onClick={() => {
              setFormKey((k) => k + 1);
              setEditing(true);
            }}
          >
            Edit bill
          </button>
        ))}
      <BillHistory revisions={revisions} group={group} currency={bill.currency} />
    </main>
  );
}
