-- Timestamps are ISO 8601 UTC strings (they sort as text and are what the API returns).
-- Keys and the timestamps compared in SQL are COLLATE "C" (byte order, like SQLite's BINARY) whatever the
-- database's locale: bills.id is a page cursor (ORDER BY id DESC, id < ?) and must sort the same everywhere.
-- Amounts are integers in the currency's minor unit.
CREATE TABLE users (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  email_key TEXT COLLATE "C" NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  -- Per-user notification counter: ids are gapless because they are taken inside the writing transaction.
  last_notification_id BIGINT NOT NULL DEFAULT 0,
  read_up_to BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
  token_hash TEXT COLLATE "C" PRIMARY KEY,
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  created_at TEXT COLLATE "C" NOT NULL,
  expires_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE groups (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  created_by TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE group_members (
  group_id TEXT COLLATE "C" NOT NULL REFERENCES groups(id),
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  position BIGINT NOT NULL,
  joined_at TEXT NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id, group_id);

-- Bill ids sort by creation time, so "newest first" is ORDER BY id DESC and the cursor is an id.
CREATE TABLE bills (
  id TEXT COLLATE "C" PRIMARY KEY,
  group_id TEXT COLLATE "C" NOT NULL REFERENCES groups(id),
  owner_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  description TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  deleted_at TEXT
);
CREATE INDEX bills_group ON bills(group_id, id);

CREATE TABLE bill_shares (
  bill_id TEXT COLLATE "C" NOT NULL REFERENCES bills(id),
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  position BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  paid_at TEXT,
  PRIMARY KEY (bill_id, user_id)
);

-- Unpaid totals per ordered pair, kept in the writing transaction so balances cost O(members²), not O(bills).
CREATE TABLE group_debts (
  group_id TEXT COLLATE "C" NOT NULL REFERENCES groups(id),
  debtor_id TEXT COLLATE "C" NOT NULL,
  creditor_id TEXT COLLATE "C" NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (group_id, debtor_id, creditor_id)
);

CREATE TABLE notifications (
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
  id BIGINT NOT NULL,
  type TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  read_at TEXT,
  -- The notification's data as JSON text, serialized once when written.
  data TEXT NOT NULL,
  PRIMARY KEY (user_id, id)
);

CREATE TABLE idempotency_keys (
  user_id TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  status BIGINT,
  body TEXT,
  created_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_created ON idempotency_keys(created_at);
