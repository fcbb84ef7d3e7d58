-- Which registry event types an account has enabled (UpdateEventConfigurations).
CREATE TABLE event_configurations (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, event_type)
) WITHOUT ROWID;
