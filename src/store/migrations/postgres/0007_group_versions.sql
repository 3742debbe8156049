-- A change counter per group (issue 13): every committed change that sends group.updated increments it in
-- the same transaction, and the refresh hint carries it, so a client whose data is already as new skips
-- the refetch. Existing groups start at 0; hints carry values from 1. A non-key column: the UPDATE takes
-- FOR NO KEY UPDATE, which does not conflict with the FOR KEY SHARE that inserting a bill takes.
ALTER TABLE groups ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
