CREATE TABLE certificates (
    account          TEXT NOT NULL,
    region           TEXT NOT NULL,
    id               TEXT NOT NULL,
    pem              TEXT NOT NULL,
    ca_id            TEXT,
    status           TEXT NOT NULL,
    owner            TEXT NOT NULL,
    previous_owner   TEXT,
    created_at       INTEGER NOT NULL,
    modified_at      INTEGER NOT NULL,
    customer_version INTEGER NOT NULL,
    generation_id    TEXT NOT NULL,
    not_before       INTEGER NOT NULL,
    not_after        INTEGER NOT NULL,
    -- JSON of the transfer, or NULL
    transfer         TEXT,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;

CREATE INDEX certificates_by_date ON certificates (account, region, created_at, id);
CREATE INDEX certificates_by_ca ON certificates (account, region, ca_id, created_at, id);

CREATE TABLE policies (
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,
    default_version INTEGER NOT NULL,
    next_version    INTEGER NOT NULL,
    generation_id   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    modified_at     INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

CREATE TABLE policy_versions (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    id          INTEGER NOT NULL,
    document    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account, region, policy_name, id),
    FOREIGN KEY (account, region, policy_name) REFERENCES policies (account, region, name) ON DELETE CASCADE
) WITHOUT ROWID;

-- A target is a certificate or thing group ARN, or a Cognito identity id.
CREATE TABLE policy_targets (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    target      TEXT NOT NULL,
    PRIMARY KEY (account, region, policy_name, target),
    FOREIGN KEY (account, region, policy_name) REFERENCES policies (account, region, name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX policy_targets_by_target ON policy_targets (account, region, target, policy_name);

-- Principals (certificate ARNs, Cognito identity ids) attached to things.
CREATE TABLE thing_principals (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    thing_name TEXT NOT NULL,
    principal  TEXT NOT NULL,
    PRIMARY KEY (account, region, thing_name, principal),
    FOREIGN KEY (account, region, thing_name) REFERENCES things (account, region, name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX thing_principals_by_principal ON thing_principals (account, region, principal, thing_name);
