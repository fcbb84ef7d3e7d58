CREATE TABLE thing_types (
    account               TEXT NOT NULL,
    region                TEXT NOT NULL,
    name                  TEXT NOT NULL,
    id                    TEXT NOT NULL,
    description           TEXT,
    -- JSON array of attribute names
    searchable_attributes TEXT NOT NULL,
    -- JSON array of propagating attributes, or NULL when none were given
    propagating_attributes TEXT,
    deprecated            INTEGER NOT NULL,
    deprecated_at         INTEGER,
    created_at            INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

-- Tags of any resource, by ARN.
CREATE TABLE tags (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    arn     TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (account, region, arn, key)
) WITHOUT ROWID;
