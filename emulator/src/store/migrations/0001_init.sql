-- Emulator metadata: the root CA and other singletons.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE things (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    id         TEXT NOT NULL,
    type_name  TEXT,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

CREATE INDEX things_by_type ON things (account, region, type_name, name);

CREATE TABLE thing_attributes (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    thing_name TEXT NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (account, region, thing_name, name),
    FOREIGN KEY (account, region, thing_name) REFERENCES things (account, region, name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX thing_attributes_by_value ON thing_attributes (account, region, name, value, thing_name);
