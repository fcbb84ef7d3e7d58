-- The id registry events give a thing's membership of a group.
ALTER TABLE thing_group_members ADD COLUMN membership_id TEXT;
