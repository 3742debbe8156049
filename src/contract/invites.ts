// Invite links (issue 16): a member makes a link; whoever opens it sees the group's name and can join it,
// or become one of its pending members who has no address.
import { Type, type Static } from '@sinclair/typebox';
import { Group } from './schemas.ts';

const Ref = Type.Object({ id: Type.String(), name: Type.String() });

export const INVITE_DAYS = { default: 7, min: 1, max: 30 } as const;
export const CreateInviteBody = Type.Object(
  { expiresInDays: Type.Optional(Type.Integer({ minimum: INVITE_DAYS.min, maximum: INVITE_DAYS.max })) },
  { additionalProperties: false },
);
/** `memberId`: a pending member without an address to become (their parts and notifications become the caller's). */
export const AcceptInviteBody = Type.Object(
  { memberId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })) },
  { additionalProperties: false },
);

// Tokens are 32 random bytes in base64url (43 characters); anything else is simply not found.
const PathText = Type.String({ maxLength: 200, pattern: '^[^\\p{Cc}]*$' });
export const InviteTokenParams = Type.Object({ token: PathText });
export const InviteIdParams = Type.Object({ inviteId: PathText });

/** The link is shown once, when made: only the token's hash is kept. */
export const CreatedInvite = Type.Object({ id: Type.String(), url: Type.String(), expiresAt: Type.String() });
export const OpenInvite = Type.Object({ id: Type.String(), createdAt: Type.String(), expiresAt: Type.String(), createdBy: Ref });
export const InviteResponse = Type.Object({ invite: CreatedInvite });
export const InvitesResponse = Type.Object({ invites: Type.Array(OpenInvite) });
/** What the link shows before joining (no session needed). */
export const InvitePreview = Type.Object({
  group: Ref,
  invitedBy: Type.Object({ name: Type.String() }),
  /** Pending members without an address: the ones an accept may claim. */
  pendingMembers: Type.Array(Ref),
});
export const AcceptResponse = Type.Object({ group: Group });

export type CreateInviteBody = Static<typeof CreateInviteBody>;
export type AcceptInviteBody = Static<typeof AcceptInviteBody>;
export type CreatedInvite = Static<typeof CreatedInvite>;
export type OpenInvite = Static<typeof OpenInvite>;
export type InvitePreview = Static<typeof InvitePreview>;
