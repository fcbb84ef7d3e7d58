ALTER TABLE certificates ADD COLUMN mode TEXT NOT NULL DEFAULT 'DEFAULT';

CREATE TABLE ca_certificates (
    account             TEXT NOT NULL,
    region              TEXT NOT NULL,
    id                  TEXT NOT NULL,
    pem                 TEXT NOT NULL,
    subject_der         BLOB NOT NULL,
    active              INTEGER NOT NULL,
    auto_registration   INTEGER NOT NULL,
    -- JSON of the registration config, or NULL
    registration_config TEXT,
    mode                TEXT NOT NULL,
    owner               TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    modified_at         INTEGER NOT NULL,
    customer_version    INTEGER NOT NULL,
    generation_id       TEXT NOT NULL,
    not_before          INTEGER NOT NULL,
    not_after           INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;

-- One registration code per account and region.
CREATE TABLE registration_codes (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    code    TEXT NOT NULL,
    PRIMARY KEY (account, region)
) WITHOUT ROWID;
