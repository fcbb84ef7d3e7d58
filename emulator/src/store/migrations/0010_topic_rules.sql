-- Topic rules (CreateTopicRule ...): the payload as given, actions as JSON.
CREATE TABLE topic_rules (
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    sql           TEXT NOT NULL,
    description   TEXT,
    sql_version   TEXT,
    actions       TEXT NOT NULL,
    error_action  TEXT,
    disabled      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    topic_pattern TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
