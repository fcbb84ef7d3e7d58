-- Device shadows, classic (shadow_name '') and named. `state` and `metadata` are JSON
-- objects with optional `desired` and `reported` members; a deleted shadow stays as a
-- tombstone (deleted_at set) so a re-created one continues its version.
CREATE TABLE shadows (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    thing_name  TEXT NOT NULL,
    shadow_name TEXT NOT NULL,
    version     INTEGER NOT NULL,
    state       TEXT NOT NULL,
    metadata    TEXT NOT NULL,
    deleted_at  INTEGER,
    PRIMARY KEY (account, region, thing_name, shadow_name)
) WITHOUT ROWID;
