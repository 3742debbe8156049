// The rules a split must meet against the group, shared by creating and editing a bill.
import type { Split } from '../contract/schemas.ts';
import { AppError } from '../domain/errors.ts';
import { splitUserIds } from '../domain/split.ts';

const FIELD = { equal: 'among', exact: 'amounts', percent: 'percents', shares: 'shares' } as const;

/** Someone other than the owner must owe a part. */
export function requireOtherReceiver(parts: { userId: string }[], ownerId: string): void {
  if (!parts.some((p) => p.userId !== ownerId)) {
    throw new AppError('validation', 'A bill needs at least one member other than you to owe a part', [
      { path: 'split', message: 'must give a part to at least one member other than you' },
    ]);
  }
}

/** Everyone the split names is a member; each stranger is named by the field that named them. */
export function requireMembers(split: Split, memberIds: ReadonlySet<string>): void {
  const strangers = splitUserIds(split).filter((id) => !memberIds.has(id));
  if (strangers.length > 0) {
    throw new AppError(
      'validation',
      'Every user in the split must be a member of the group',
      strangers.map((id) => ({ path: `split.${FIELD[split.mode]}.${id}`, message: 'is not a member of this group' })),
    );
  }
}
