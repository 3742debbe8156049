-- Issue 16: pending members, invite links, the group's activity.
--
-- A pending member is a users row that cannot sign in (pending = 1, no password): it is a real user id, so
-- splits, debts and notifications (per-user gapless ids) work on it unchanged. At most one pending row per
-- address (email_key stays UNIQUE): every group that adds the address reuses it, and registering with the
-- address turns that row into the account (src/commands/pending.ts). A pending member added by name has
-- no address: email '' and an email_key no address can have ('#pending:' + id, no '@').
ALTER TABLE users ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;

-- Invite links: only the SHA-256 of the 32-byte token is kept, as for sessions.
CREATE TABLE group_invites (
  id TEXT PRIMARY KEY,
  group_id TEXT NOT NULL REFERENCES groups(id),
  token_hash TEXT NOT NULL UNIQUE,
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX group_invites_group ON group_invites(group_id, created_at);

-- Per-group event ids: SQLite runs one writer at a time, so the next id is the group's highest plus one,
-- taken in the INSERT (src/store/queries.ts appendActivity). actor_id has no foreign key: a claimed
-- pending member's row goes away, and history must not stop it.
CREATE TABLE group_activity (
  group_id TEXT NOT NULL REFERENCES groups(id),
  id INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- The event's data as JSON text, serialized once when written.
  data TEXT NOT NULL,
  PRIMARY KEY (group_id, id)
) WITHOUT ROWID;
