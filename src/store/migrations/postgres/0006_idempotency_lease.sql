-- Pending Idempotency-Keys are held by lease (issue 17): the claim records who holds the key and until when;
-- the running request renews the lease, and a retry may take over a key whose lease has expired, so a dead
-- instance's keys are freed within one lease instead of a fixed 60 s. A key claimed before this migration
-- keeps the old rule: its lease ends 60 s after its claim.
ALTER TABLE idempotency_keys ADD COLUMN holder TEXT COLLATE "C";
ALTER TABLE idempotency_keys ADD COLUMN lease_until TEXT COLLATE "C";
UPDATE idempotency_keys
   SET lease_until = to_char((created_at::timestamptz + interval '60 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
 WHERE state = 'pending';
