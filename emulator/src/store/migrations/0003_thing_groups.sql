CREATE TABLE thing_groups (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    id          TEXT NOT NULL,
    parent_name TEXT,
    description TEXT,
    -- JSON object of attribute name to value
    attributes  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

CREATE INDEX thing_groups_by_parent ON thing_groups (account, region, parent_name, name);

CREATE TABLE thing_group_members (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    group_name TEXT NOT NULL,
    thing_name TEXT NOT NULL,
    PRIMARY KEY (account, region, group_name, thing_name),
    FOREIGN KEY (account, region, group_name) REFERENCES thing_groups (account, region, name) ON DELETE CASCADE,
    FOREIGN KEY (account, region, thing_name) REFERENCES things (account, region, name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX thing_group_members_by_thing ON thing_group_members (account, region, thing_name, group_name);
