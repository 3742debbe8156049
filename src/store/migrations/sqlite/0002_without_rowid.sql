-- Tables keyed by a composite primary key and never referenced by a foreign key become WITHOUT ROWID
-- tables (https://www.sqlite.org/withoutrowid.html): the row lives in the primary-key b-tree itself, so an
-- insert writes one b-tree instead of the table and its key index, and a lookup by key is one search.
-- Rebuilt the way https://www.sqlite.org/lang_altertable.html#otheralter describes (none is a parent table).

CREATE TABLE sessions_new (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO sessions_new SELECT token_hash, user_id, created_at, expires_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE group_members_new (
  group_id TEXT NOT NULL REFERENCES groups(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  position INTEGER NOT NULL,
  joined_at TEXT NOT NULL,
  PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
INSERT INTO group_members_new SELECT group_id, user_id, position, joined_at FROM group_members;
DROP TABLE group_members;
ALTER TABLE group_members_new RENAME TO group_members;
CREATE INDEX group_members_user ON group_members(user_id, group_id);

CREATE TABLE bill_shares_new (
  bill_id TEXT NOT NULL REFERENCES bills(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  position INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  paid_at TEXT,
  PRIMARY KEY (bill_id, user_id)
) WITHOUT ROWID;
INSERT INTO bill_shares_new SELECT bill_id, user_id, position, amount, paid_at FROM bill_shares;
DROP TABLE bill_shares;
ALTER TABLE bill_shares_new RENAME TO bill_shares;

CREATE TABLE group_debts_new (
  group_id TEXT NOT NULL REFERENCES groups(id),
  debtor_id TEXT NOT NULL,
  creditor_id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (group_id, debtor_id, creditor_id)
) WITHOUT ROWID;
INSERT INTO group_debts_new SELECT group_id, debtor_id, creditor_id, amount FROM group_debts;
DROP TABLE group_debts;
ALTER TABLE group_debts_new RENAME TO group_debts;

CREATE TABLE idempotency_keys_new (
  user_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  status INTEGER,
  body TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
INSERT INTO idempotency_keys_new SELECT user_id, key, request_hash, state, status, body, created_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
CREATE INDEX idempotency_created ON idempotency_keys(created_at);

-- SQLite takes a user's next notification id as the highest stored id plus one (one writer at a time, see
-- src/store/queries.ts appendNotification), so the per-user counter column has no reader left.
ALTER TABLE users DROP COLUMN last_notification_id;
