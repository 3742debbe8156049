-- Offline channels (issue 14): Web Push subscriptions, per-type channel preferences, what the user has seen
-- live, the durable delivery queue, and the deployment's own keys (VAPID, the unsubscribe-link key).

-- One row per browser push subscription (RFC 8030 §5): the endpoint is unique, a second POST of it re-binds
-- it to the caller. p256dh and auth are the browser's keys for RFC 8291 payload encryption.
CREATE TABLE push_subscriptions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  endpoint TEXT NOT NULL UNIQUE,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  expiration_time INTEGER,
  created_at TEXT NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);

-- Only what a user changed is stored; the defaults live in src/notify/deliveries/preferences.ts.
-- push/email: 1 on, 0 off, NULL the default. type '*' with email 0 is the one-click unsubscribe (RFC 8058):
-- the whole email channel off, types added later included.
CREATE TABLE notification_preferences (
  user_id TEXT NOT NULL REFERENCES users(id),
  type TEXT NOT NULL,
  push INTEGER,
  email INTEGER,
  PRIMARY KEY (user_id, type)
) WITHOUT ROWID;

-- POST /api/notifications/seen: the highest id the user has seen on a visible page (a push waits for it).
CREATE TABLE notification_seen (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  up_to INTEGER NOT NULL
) WITHOUT ROWID;

-- Pending deliveries, written in the transaction that stores their notification; a row goes when its
-- outcome is known. channel 'push' has one row per subscription (target = its id), 'email' one per
-- notification (target ''). lease_until: the worker that claimed the row owns it until then.
CREATE TABLE deliveries (
  user_id TEXT NOT NULL,
  notification_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  due_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until TEXT,
  PRIMARY KEY (user_id, notification_id, channel, target)
) WITHOUT ROWID;
CREATE INDEX deliveries_due ON deliveries(due_at);
CREATE INDEX deliveries_target ON deliveries(target);

CREATE TABLE server_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
