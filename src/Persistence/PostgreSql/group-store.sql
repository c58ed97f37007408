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

-- The audit log: one row per version (who, from where, what), and each version's resources before and after, for
-- diffs and rollbacks. Both are pruned by version (retention by count and age) by the group grain, apart from commits:
-- the audit entries first (the oldest one says how far the history reaches), then the history in batches.
CREATE TABLE IF NOT EXISTS og_audit (
    group_id  text     NOT NULL,
    version   bigint   NOT NULL,
    time      bigint   NOT NULL,
    operation text     NOT NULL,
    kind      smallint NULL,
    id        text     NULL,
    key_name  text     NOT NULL,
    client    text     NULL,
    resources integer  NOT NULL,
    detail    text     NULL,
    PRIMARY KEY (group_id, version)
);
CREATE INDEX IF NOT EXISTS og_audit_time ON og_audit (group_id, time);

CREATE TABLE IF NOT EXISTS og_history (
    group_id text     NOT NULL,
    version  bigint   NOT NULL,
    kind     smallint NOT NULL,
    id       text     NOT NULL,
    before   text     NULL,
    after    text     NULL,
    PRIMARY KEY (group_id, version, kind, id)
);

-- Drops the audit entries older than p_before, and those up to the newest version written before p_older_than (Unix
-- ms; 0: no age limit); returns the version below which the history goes too (the caller deletes it in small
-- batches, so that no commit waits behind a large delete) and how many audit entries went.
DROP FUNCTION IF EXISTS og_prune_history(text, bigint, bigint);
CREATE OR REPLACE FUNCTION og_prune_audit(p_group text, p_before bigint, p_older_than bigint, OUT cut bigint, OUT removed integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_aged bigint;
BEGIN
    cut := p_before;
    removed := 0;
    IF p_older_than > 0 THEN
        SELECT max(version) + 1 INTO v_aged FROM og_audit WHERE group_id = p_group AND time < p_older_than;
        cut := GREATEST(cut, COALESCE(v_aged, 0));
    END IF;
    IF cut > 0 THEN
        DELETE FROM og_audit WHERE group_id = p_group AND version < cut;
        GET DIAGNOSTICS removed = ROW_COUNT;
    END IF;
END
$$;

-- og_commit plus the commit's audit entries and history, in the same transaction (og_commit stays for silos of the
-- version before, during a rolling upgrade: their writes leave versions without audit entries, which diffs and
-- rollbacks then refuse to cross).
CREATE OR REPLACE FUNCTION og_commit_audited(
    p_group text, p_expected bigint, p_new bigint, p_update_time bigint, p_config text,
    p_replace_all boolean, p_prune_before bigint,
    p_up_kinds smallint[], p_up_ids text[], p_up_values text[], p_up_created bigint[], p_up_modified bigint[],
    p_del_kinds smallint[], p_del_ids text[],
    p_ch_versions bigint[], p_ch_changes smallint[], p_ch_kinds smallint[], p_ch_ids text[],
    p_au_versions bigint[], p_au_times bigint[], p_au_operations text[], p_au_kinds smallint[], p_au_ids text[],
    p_au_keys text[], p_au_clients text[], p_au_resources integer[], p_au_details text[],
    p_hi_versions bigint[], p_hi_kinds smallint[], p_hi_ids text[], p_hi_before text[], p_hi_after text[])
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF NOT og_commit(p_group, p_expected, p_new, p_update_time, p_config, p_replace_all, p_prune_before,
                     p_up_kinds, p_up_ids, p_up_values, p_up_created, p_up_modified, p_del_kinds, p_del_ids,
                     p_ch_versions, p_ch_changes, p_ch_kinds, p_ch_ids) THEN
        RETURN false;
    END IF;
    INSERT INTO og_audit (group_id, version, time, operation, kind, id, key_name, client, resources, detail)
    SELECT p_group, a.v, a.t, a.o, a.k, a.i, a.n, a.c, a.r, a.d
      FROM unnest(p_au_versions, p_au_times, p_au_operations, p_au_kinds, p_au_ids, p_au_keys, p_au_clients,
                  p_au_resources, p_au_details) AS a(v, t, o, k, i, n, c, r, d)
    ON CONFLICT (group_id, version) DO UPDATE
       SET time = EXCLUDED.time, operation = EXCLUDED.operation, kind = EXCLUDED.kind, id = EXCLUDED.id,
           key_name = EXCLUDED.key_name, client = EXCLUDED.client, resources = EXCLUDED.resources, detail = EXCLUDED.detail;
    INSERT INTO og_history (group_id, version, kind, id, before, after)
    SELECT p_group, h.v, h.k, h.i, h.b, h.a
      FROM unnest(p_hi_versions, p_hi_kinds, p_hi_ids, p_hi_before, p_hi_after) AS h(v, k, i, b, a)
    ON CONFLICT (group_id, version, kind, id) DO UPDATE SET before = EXCLUDED.before, after = EXCLUDED.after;
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
