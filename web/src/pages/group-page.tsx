// A group, led by what people come for: where the reader stands and what settles it, and "Add a bill";
// then the bills (newest first, compact rows) beside the members, the balances and the payments.
// On a phone the members come before the bills (their forms folded away once the group has people), so
// adding someone never waits below every bill; the balances and payments follow the bills.
import { useState } from 'react';
import { ApiError } from '../../../src/client/index.ts';
import { Activity } from '../group/activity.tsx';
import { FormError } from '../components/field.tsx';
import { Balances } from '../group/balances.tsx';
import { AddBillDialog } from '../group/add-bill-dialog.tsx';
import { BillCard } from '../group/bill-card.tsx';
import { Members } from '../group/members.tsx';
import { Payments } from '../group/payments.tsx';
import { useGroup } from '../group/use-group.ts';
import { YourPosition, type PaymentDraft } from '../group/your-position.tsx';
import { Link, paths } from '../router.tsx';
import { useSession } from '../session.tsx';
import { PageTitle } from './page-title.tsx';

export function GroupPage({ groupId }: { groupId: string }) {
  const { user } = useSession();
  const { group, bills, balances, payments, reload, showOlder } = useGroup(groupId);
  const [tab, setTab] = useState<'bills' | 'activity'>('bills');
  const [settle, setSettle] = useState<PaymentDraft | undefined>(undefined);

  if (group.error instanceof ApiError && group.error.status === 404) {
    return (
      <main id="main" className="page">
        <PageTitle>Group not found</PageTitle>
        <p>This group does not exist, or you are not one of its members.</p>
        <Link to={paths.groups()}>Back to your groups</Link>
      </main>
    );
  }
  if (!group.data) {
    return (
      <main id="main" className="page" aria-busy={group.error === undefined}>
        {group.error !== undefined ? (
          <FormError message="Could not load this group. Reload to try again." />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </main>
    );
  }
  const g = group.data.group;
  return (
    <main id="main" className="page group-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.groups()}>Groups</Link>
      </nav>
      <PageTitle>{g.name}</PageTitle>
      <p className="muted subtitle">
        {g.currency} · {g.members.length} {g.members.length === 1 ? 'member' : 'members'}
      </p>
      <div className="group-layout">
        <div className="area-top">
          <YourPosition
            balances={balances.data}
            payments={payments.data?.payments}
            group={g}
            me={user.id}
            onSettle={(d) => setSettle({ ...d })}
            onChanged={reload}
          />
          <AddBillDialog group={g} me={user.id} onCreated={reload} />
        </div>
        <div className="area-members">
          <Members key={g.id} group={g} me={user.id} onAdded={reload} />
        </div>
        <section className="area-bills" aria-labelledby="bills-title">
          <h2 id="bills-title" className="visually-hidden" tabIndex={-1}>
            {tab === 'bills' ? 'Bills' : 'Activity'}
          </h2>
          <div role="tablist" aria-label="Bills or activity" className="tabs">
            <button
              type="button"
              role="tab"
              id="tab-bills"
              aria-selected={tab === 'bills'}
              aria-controls="panel-group"
              onClick={() => setTab('bills')}
            >
              Bills
            </button>
            <button
              type="button"
              role="tab"
              id="tab-activity"
              aria-selected={tab === 'activity'}
              aria-controls="panel-group"
              onClick={() => setTab('activity')}
            >
              Activity
            </button>
          </div>
          <div role="tabpanel" id="panel-group" aria-labelledby={tab === 'bills' ? 'tab-bills' : 'tab-activity'}>
            {tab === 'activity' ? (
              <Activity group={g} />
            ) : !bills.data ? (
              <p className="muted">Loading…</p>
            ) : bills.data.bills.length === 0 ? (
              <p className="muted">No bills yet.</p>
            ) : (
              <ol className="bill-list">
                {bills.data.bills.map((b) => (
                  <li key={b.id}>
                    <BillCard bill={b} group={g} me={user.id} onChanged={reload} />
                  </li>
                ))}
              </ol>
            )}
            {tab === 'bills' && bills.data?.more && (
              <button type="button" className="secondary" onClick={showOlder}>
                Show older bills
              </button>
            )}
          </div>
        </section>
        <div className="area-money">
          <Balances balances={balances.data} group={g} me={user.id} onChanged={reload} />
          <Payments group={g} me={user.id} payments={payments.data?.payments} prefill={settle} onChanged={reload} />
        </div>
      </div>
    </main>
  );
}
