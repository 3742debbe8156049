-- Everyday money flows (issue 15): bills gain a version (optimistic concurrency, If-Match), the day of the
-- expense and notes; each edit keeps a revision; payments between two members; the last reminder per part.
-- A bill made before today gets its creation day as its date (ISO 8601 timestamps start with the UTC day).
ALTER TABLE bills ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE bills ADD COLUMN expense_date TEXT NOT NULL DEFAULT '';
ALTER TABLE bills ADD COLUMN notes TEXT NOT NULL DEFAULT '';
UPDATE bills SET expense_date = substr(created_at, 1, 10);

-- One row per edit (version 2 onwards; version 1 is the bill as created). `changes` is JSON text:
-- {"field": {"from": …, "to": …}}.
CREATE TABLE bill_revisions (
  bill_id TEXT NOT NULL REFERENCES bills(id),
  version INTEGER NOT NULL,
  at TEXT NOT NULL,
  actor_id TEXT NOT NULL REFERENCES users(id),
  changes TEXT NOT NULL,
  PRIMARY KEY (bill_id, version)
) WITHOUT ROWID;

-- Payment ids sort by creation time, like bill ids: "newest first" is ORDER BY id DESC and the cursor is an id.
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  group_id TEXT NOT NULL REFERENCES groups(id),
  from_id TEXT NOT NULL REFERENCES users(id),
  to_id TEXT NOT NULL REFERENCES users(id),
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  note TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  confirmed_at TEXT,
  disputed_at TEXT,
  dispute_reason TEXT
) WITHOUT ROWID;
CREATE INDEX payments_group ON payments(group_id, id);

-- Which confirmed payment closed a part (NULL: paid directly, or unpaid).
ALTER TABLE bill_shares ADD COLUMN payment_id TEXT;
-- Unpaid parts a payment can close, found by debtor: the part's receiver.
CREATE INDEX bill_shares_user ON bill_shares(user_id, bill_id);

-- The last reminder per (bill, receiver): at most one per 24 hours.
CREATE TABLE bill_reminders (
  bill_id TEXT NOT NULL REFERENCES bills(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  reminded_at TEXT NOT NULL,
  PRIMARY KEY (bill_id, user_id)
) WITHOUT ROWID;
