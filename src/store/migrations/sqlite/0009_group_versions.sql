-- A change counter per group (issue 13): every committed change that sends group.updated increments it in
-- the same transaction, and the refresh hint carries it, so a client whose data is already as new skips
-- the refetch. Existing groups start at 0; hints carry values from 1.
ALTER TABLE groups ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
