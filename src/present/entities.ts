// Store rows → wire objects (src/contract). One place, so every route and notification agrees.
import type { Bill, Group, Member, Payment, User } from '../contract/schemas.ts';
import type { BillRow, GroupRow, MemberRow, UserRow } from '../store/store.ts';
import type { PaymentRow } from '../store/money-ops.ts';

export const presentUser = (u: UserRow | MemberRow): User => ({ id: u.id, name: u.name, email: u.email });

/** A pending member added by name alone has no address: '' in the store, null on the wire. */
export const presentMember = (m: MemberRow): Member => ({
  id: m.id,
  name: m.name,
  email: m.email === '' ? null : m.email,
  pending: m.pending,
});

export const presentGroup = (g: GroupRow, members: MemberRow[]): Group => ({
  id: g.id,
  name: g.name,
  currency: g.currency,
  createdAt: g.createdAt,
  members: members.map(presentMember),
});

export const presentBill = (b: BillRow): Bill => ({
  id: b.id,
  groupId: b.groupId,
  ownerId: b.ownerId,
  description: b.description,
  amount: b.amount,
  currency: b.currency,
  createdAt: b.createdAt,
  version: b.version,
  date: b.date,
  notes: b.notes,
  shares: b.shares.map((s) => ({ userId: s.userId, amount: s.amount, paidAt: s.paidAt })),
});

export const presentPayment = (p: PaymentRow): Payment => ({
  id: p.id,
  groupId: p.groupId,
  from: p.fromId,
  to: p.toId,
  amount: p.amount,
  currency: p.currency,
  note: p.note,
  status: p.status,
  createdAt: p.createdAt,
  confirmedAt: p.confirmedAt,
});
