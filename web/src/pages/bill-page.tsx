// One bill on its own page: where a notification's "View bill" leads.
import { ApiError } from '../../../src/client/index.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { BillCard } from '../group/bill-card.tsx';
import { groupIdOf } from '../group/use-group.ts';
import { useLiveEvent } from '../live/live-context.tsx';
import { useHintWindow } from '../live/hint-window.ts';
import { Link, paths } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoader } from '../use-loader.ts';
import { PageTitle } from './page-title.tsx';

export function BillPage({ billId }: { billId: string }) {
  const { user } = useSession();
  const loaded = useLoader(async () => {
    const { bill } = await api.getBill(billId);
    const { group } = await api.getGroup(bill.groupId);
    return { bill, group };
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
        {loaded.error !== undefined ? <FormError message="Could not load this bill. Reload to try again." /> : <p className="muted">Loading…</p>}
      </main>
    );
  }
  const { bill, group } = loaded.data;
  return (
    <main id="main" className="page bill-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.groups()}>Groups</Link> / <Link to={paths.group(group.id)}>{group.name}</Link>
      </nav>
      <PageTitle>{bill.description}</PageTitle>
      <BillCard bill={bill} group={group} me={user.id} onChanged={loaded.reload} titleLevel={2} />
    </main>
  );
}
