-- Issue 16: pending members, invite links, the group's activity (see the SQLite migration 0006 for the
-- model). SMALLINT rather than BOOLEAN for `pending`, so src/store/queries.ts compares it the same way on
-- both stores.
ALTER TABLE users ADD COLUMN pending SMALLINT NOT NULL DEFAULT 0;

-- The group's activity counter: the UPDATE … RETURNING that takes the next id row-locks the group until
-- commit, so a group's events get increasing ids in commit order, and the group's writers that take it
-- first (src/commands/activity.ts lockGroup) are serialized: a member cannot leave while a bill naming
-- them is being written.
ALTER TABLE groups ADD COLUMN last_activity_id BIGINT NOT NULL DEFAULT 0;

CREATE TABLE group_invites (
  id TEXT COLLATE "C" PRIMARY KEY,
  group_id TEXT COLLATE "C" NOT NULL REFERENCES groups(id),
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  created_by TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  created_at TEXT COLLATE "C" NOT NULL,
  expires_at TEXT COLLATE "C" NOT NULL,
  revoked_at TEXT
);
CREATE INDEX group_invites_group ON group_invites(group_id, created_at);

CREATE TABLE group_activity (
  group_id TEXT COLLATE "C" NOT NULL REFERENCES groups(id),
  id BIGINT NOT NULL,
  type TEXT NOT NULL,
  actor_id TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (group_id, id)
);
