-- OrleansGateway group store: one row per resource, a version row per group, a bounded change log.
-- Idempotent; applied by PostgreSqlSchema under an advisory lock.
CREATE TABLE IF NOT EXISTS og_groups (
    id          text PRIMARY KEY,
    name        text   NOT NULL,
    description text   NOT NULL,
    version     bigint NOT NULL,
    create_time bigint NOT NULL,
    update_time bigint NOT NULL,
    config      text   NOT NULL
);

CREATE TABLE IF NOT EXISTS og_resources (
    group_id       text     NOT NULL,
    kind           smallint NOT NULL,
    id             text     NOT NULL,
    value          text     NOT NULL,
    created_index  bigint   NOT NULL,
    modified_index bigint   NOT NULL,
    PRIMARY KEY (group_id, kind, id)
);

CREATE TABLE IF NOT EXISTS og_changes (
    group_id text     NOT NULL,
    version  bigint   NOT NULL,
    change   smallint NOT NULL,
    kind     smallint NOT NULL,
    id       text     NOT NULL,
    PRIMARY KEY (group_id, version, change, kind, id)
);
