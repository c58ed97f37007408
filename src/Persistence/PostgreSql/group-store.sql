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

-- One accepted write in one round trip and one implicit transaction. Returns false, having changed nothing, when the
-- group is not at p_expected (another writer got there first); the caller turns that into a version conflict.
CREATE OR REPLACE FUNCTION og_commit(
    p_group text, p_expected bigint, p_new bigint, p_update_time bigint, p_config text,
    p_replace_all boolean, p_prune_before bigint,
    p_up_kinds smallint[], p_up_ids text[], p_up_values text[], p_up_created bigint[], p_up_modified bigint[],
    p_del_kinds smallint[], p_del_ids text[],
    p_ch_versions bigint[], p_ch_changes smallint[], p_ch_kinds smallint[], p_ch_ids text[])
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE og_groups SET version = p_new, update_time = p_update_time, config = COALESCE(p_config, config)
     WHERE id = p_group AND version = p_expected;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF p_replace_all THEN
        DELETE FROM og_resources WHERE group_id = p_group;
    END IF;
    INSERT INTO og_resources (group_id, kind, id, value, created_index, modified_index)
    SELECT p_group, u.k, u.i, u.v, u.c, u.m
      FROM unnest(p_up_kinds, p_up_ids, p_up_values, p_up_created, p_up_modified) AS u(k, i, v, c, m)
    ON CONFLICT (group_id, kind, id) DO UPDATE
       SET value = EXCLUDED.value, created_index = EXCLUDED.created_index, modified_index = EXCLUDED.modified_index;
    DELETE FROM og_resources r
     USING unnest(p_del_kinds, p_del_ids) AS d(k, i)
     WHERE r.group_id = p_group AND r.kind = d.k AND r.id = d.i;
    INSERT INTO og_changes (group_id, version, change, kind, id)
    SELECT p_group, c.v, c.ch, c.k, c.i
      FROM unnest(p_ch_versions, p_ch_changes, p_ch_kinds, p_ch_ids) AS c(v, ch, k, i)
    ON CONFLICT DO NOTHING;
    IF p_prune_before > 0 THEN
        DELETE FROM og_changes WHERE group_id = p_group AND version < p_prune_before;
    END IF;
    RETURN true;
END
$$;

-- The secret only silos know: grain calls between silos carry a token derived from it, so that a call a client sends
-- through a gateway cannot pass for a silo's. One row, created by the first silo (PostgreSqlClusterSecret); data
-- planes reading the membership table need no access to it.
CREATE TABLE IF NOT EXISTS og_cluster_secret (
    id     smallint PRIMARY KEY CHECK (id = 1),
    secret bytea    NOT NULL
);
