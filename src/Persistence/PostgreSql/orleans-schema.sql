-- =====================================================================================================
-- OrleansGateway: PostgreSQL schema for Orleans' ADO.NET providers (Orleans 10.4.2, invariant "Npgsql")
--   * clustering  (Microsoft.Orleans.Clustering.AdoNet: silo membership + client gateway list)
--   * grain state (Microsoft.Orleans.Persistence.AdoNet)
--   * reminders   (Microsoft.Orleans.Reminders.AdoNet)
--
-- Written for this project; the providers only dictate the OrleansQuery table (read with
-- "SELECT QueryKey, QueryText FROM OrleansQuery"), the query keys, the parameter names and the result
-- column names. Table, column and function names below are our own. See SCHEMA-NOTES.md.
--
-- What this file assumes:
--   * It is run inside ONE transaction that first took pg_advisory_xact_lock(<our constant>)
--     (PostgreSqlSchema.EnsureAsync does that). The lock serialises silos that start together:
--     without it, concurrent CREATE TABLE IF NOT EXISTS / CREATE OR REPLACE FUNCTION can fail with
--     "duplicate key value violates unique constraint pg_type_typname_nsp_index" or
--     "tuple concurrently updated". The file itself contains no BEGIN/COMMIT.
--   * Every statement is idempotent: re-running it (restart, newer binary) is a no-op, except that
--     OrleansQuery rows and function bodies are replaced by the text of the running binary.
--   * Objects are created in current_schema() and referenced unqualified, so the silos must connect
--     with the same search_path (default: public) as the role that applied the file.
--   * PostgreSQL 12 or newer (tested on 15). No extensions needed.
--   * Timestamps are timestamptz: Orleans passes UTC DateTimes (DbType.DateTime, which Npgsql maps to
--     timestamptz) and reads them back with DateTimeKind.Utc, so the session TimeZone never matters.
--   * Future changes: never change a function's argument list or return type in place (CREATE OR REPLACE
--     cannot do that and old overloads would linger); add a new function, or DROP the old one here.
--     Add columns with ALTER TABLE ... ADD COLUMN IF NOT EXISTS.
-- =====================================================================================================

-- -----------------------------------------------------------------------------------------------------
-- The query catalogue. Name and columns are fixed by Orleans (unquoted, hence folded to lower case).
-- -----------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL PRIMARY KEY,
    querytext text        NOT NULL
);

-- Next ETag for grain state and reminders. Their ETags are opaque to Orleans (only compared for
-- equality), so we wrap instead of failing with "integer out of range" on a very hot grain.
-- Membership versions do NOT use this: Orleans compares membership table versions numerically.
CREATE OR REPLACE FUNCTION og_next_etag(current_etag integer)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
    SELECT CASE WHEN current_etag >= 2147483647 THEN 1 ELSE current_etag + 1 END
$fn$;

-- =====================================================================================================
-- Clustering
-- =====================================================================================================

-- One row per cluster (Orleans calls the cluster id "DeploymentId"). Its version is the membership
-- table's version/ETag: every insert/update of a silo row must present the version it read and bumps it
-- (optimistic concurrency of Orleans' membership protocol). I-am-alive heartbeats do not bump it.
CREATE TABLE IF NOT EXISTS og_cluster_version
(
    deployment_id text        NOT NULL PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS og_cluster_silo
(
    deployment_id   text        NOT NULL REFERENCES og_cluster_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,   -- IP address as text, as Orleans passes it
    port            integer     NOT NULL,   -- silo-to-silo port
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,   -- Orleans SiloStatus: 3 = Active, 6 = Dead
    proxy_port      integer     NOT NULL,   -- gateway port for clients, 0 when the silo is no gateway
    suspect_times   text        NULL,       -- Orleans-formatted "silo,yyyy-MM-dd HH:mm:ss.fff GMT|..." list
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Insert a silo row if the cluster still has the version the caller read; bump the version.
-- Locking the version row first serialises all membership writers of one cluster; under READ COMMITTED
-- the locked row is re-checked after a wait, so a concurrent bump makes this return false.
-- Nothing is changed when it returns false (Orleans then re-reads the table and retries).
CREATE OR REPLACE FUNCTION og_cluster_insert_silo(
    p_deployment_id   text,
    p_address         text,
    p_port            integer,
    p_generation      integer,
    p_silo_name       text,
    p_host_name       text,
    p_status          integer,
    p_proxy_port      integer,
    p_start_time      timestamptz,
    p_i_am_alive_time timestamptz,
    p_version         integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1 FROM og_cluster_version
     WHERE deployment_id = p_deployment_id AND version = p_version
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO og_cluster_silo (deployment_id, address, port, generation, silo_name, host_name,
                                 status, proxy_port, suspect_times, start_time, i_am_alive_time)
    VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
            p_status, p_proxy_port, NULL, p_start_time, p_i_am_alive_time)
    ON CONFLICT (deployment_id, address, port, generation) DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;   -- this silo incarnation is already registered
    END IF;

    UPDATE og_cluster_version SET version = version + 1, updated_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- Update a silo row (status, suspicions, heartbeat) under the same version check as the insert.
CREATE OR REPLACE FUNCTION og_cluster_update_silo(
    p_deployment_id   text,
    p_address         text,
    p_port            integer,
    p_generation      integer,
    p_status          integer,
    p_suspect_times   text,
    p_i_am_alive_time timestamptz,
    p_version         integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1 FROM og_cluster_version
     WHERE deployment_id = p_deployment_id AND version = p_version
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE og_cluster_silo
       SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
     WHERE deployment_id = p_deployment_id AND address = p_address
       AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE og_cluster_version SET version = version + 1, updated_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- Retire one silo row (mark it Dead, bump the version) on behalf of a silo about to join; see
-- PostgreSqlMembershipSweep. Only a row that is not Dead yet and has been silent (no I-am-alive) for at
-- least p_silent_for, by the database's clock; false when there was nothing to do. It takes the version
-- row's lock like every membership writer, so it cannot lose a race the way an optimistic update can:
-- a concurrent Orleans update finds the version moved, re-reads the table and sees the row Dead.
CREATE OR REPLACE FUNCTION og_cluster_retire_silo(
    p_deployment_id text,
    p_address       text,
    p_port          integer,
    p_generation    integer,
    p_silent_for    interval)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1 FROM og_cluster_version WHERE deployment_id = p_deployment_id FOR NO KEY UPDATE;
    UPDATE og_cluster_silo
       SET status = 6
     WHERE deployment_id = p_deployment_id AND address = p_address
       AND port = p_port AND generation = p_generation
       AND status <> 6 AND i_am_alive_time <= now() - p_silent_for;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE og_cluster_version SET version = version + 1, updated_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- Latest suspicion vote in an Orleans suspect_times string (NULL when there is none). Each entry is
-- "<silo address>,<yyyy-MM-dd HH:mm:ss.fff> GMT"; silo addresses contain no ',' and the time is UTC.
CREATE OR REPLACE FUNCTION og_cluster_last_suspect_time(p_suspect_times text)
RETURNS timestamptz
LANGUAGE sql STABLE
AS $fn$
    SELECT max(left(split_part(vote, ',', 2), 23)::timestamp AT TIME ZONE 'UTC')
      FROM unnest(string_to_array(nullif(p_suspect_times, ''), '|')) AS vote
$fn$;

-- =====================================================================================================
-- Grain state
-- =====================================================================================================

-- A grain's identity is (service, grain type, N0, N1, key string); the two hashes are what Orleans
-- computes from it with its configured hasher and are the leading lookup columns. A row with a NULL
-- payload is a cleared state: the row is kept so that the ETag keeps increasing and a stale writer
-- still fails after a clear.
CREATE TABLE IF NOT EXISTS og_grain_state
(
    service_id     text        NOT NULL,
    grain_id_hash  integer     NOT NULL,
    grain_type_hash integer    NOT NULL,
    grain_type     text        NOT NULL,
    grain_id_n0    bigint      NOT NULL,   -- Guid keys: first 8 bytes; otherwise 0
    grain_id_n1    bigint      NOT NULL,   -- Guid keys: last 8 bytes; integer keys: the key; else 0
    grain_id_ext   text        NULL,       -- key extension, or the whole key for string keys
    payload        bytea       NULL,
    etag           integer     NOT NULL,
    modified_at    timestamptz NOT NULL DEFAULT now()
);

-- At most one row per identity, so that two first writes racing on the same grain cannot both succeed.
-- The free-length strings are indexed through md5() to stay far below btree's ~2.7 kB entry limit;
-- coalesce(..., '') keeps NULL (no extension) distinct from every real extension (md5 is never '').
CREATE UNIQUE INDEX IF NOT EXISTS og_grain_state_identity
    ON og_grain_state (grain_id_hash, grain_type_hash, service_id, grain_id_n0, grain_id_n1,
                       md5(grain_type), coalesce(md5(grain_id_ext), ''));

-- Write: with no expected ETag the grain must have no row yet; otherwise the row's ETag must match.
-- Returns the new ETag, or NULL on a conflict (Orleans then throws InconsistentStateException).
CREATE OR REPLACE FUNCTION og_grain_state_write(
    p_service_id      text,
    p_grain_id_hash   integer,
    p_grain_type_hash integer,
    p_grain_type      text,
    p_grain_id_n0     bigint,
    p_grain_id_n1     bigint,
    p_grain_id_ext    text,
    p_expected_etag   integer,
    p_payload         bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    new_etag integer;
BEGIN
    IF p_expected_etag IS NULL THEN
        INSERT INTO og_grain_state (service_id, grain_id_hash, grain_type_hash, grain_type,
                                    grain_id_n0, grain_id_n1, grain_id_ext, payload, etag)
        VALUES (p_service_id, p_grain_id_hash, p_grain_type_hash, p_grain_type,
                p_grain_id_n0, p_grain_id_n1, p_grain_id_ext, p_payload, 1)
        ON CONFLICT DO NOTHING
        RETURNING etag INTO new_etag;
    ELSE
        UPDATE og_grain_state
           SET payload = p_payload, etag = og_next_etag(etag), modified_at = now()
         WHERE grain_id_hash = p_grain_id_hash AND grain_type_hash = p_grain_type_hash
           AND service_id = p_service_id AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
           AND grain_type = p_grain_type AND grain_id_ext IS NOT DISTINCT FROM p_grain_id_ext
           AND etag = p_expected_etag
        RETURNING etag INTO new_etag;
    END IF;
    RETURN new_etag;
END
$fn$;

-- Clear (DeleteStateOnClear = false, the default): drop the payload, keep the row, bump the ETag.
-- Returns the new ETag, or NULL on a conflict.
CREATE OR REPLACE FUNCTION og_grain_state_clear(
    p_service_id      text,
    p_grain_id_hash   integer,
    p_grain_type_hash integer,
    p_grain_type      text,
    p_grain_id_n0     bigint,
    p_grain_id_n1     bigint,
    p_grain_id_ext    text,
    p_expected_etag   integer)
RETURNS integer
LANGUAGE sql
AS $fn$
    SELECT og_grain_state_write(p_service_id, p_grain_id_hash, p_grain_type_hash, p_grain_type,
                                p_grain_id_n0, p_grain_id_n1, p_grain_id_ext, p_expected_etag, NULL)
$fn$;

-- Clear with DeleteStateOnClear = true: delete the row if the ETag matches. Orleans treats a result
-- equal to the caller's ETag, NULL or empty as a conflict, so success returns the next ETag (which
-- Orleans discards: it sets the grain's ETag to null after a delete). With no expected ETag, success
-- means "there is no row".
CREATE OR REPLACE FUNCTION og_grain_state_delete(
    p_service_id      text,
    p_grain_id_hash   integer,
    p_grain_type_hash integer,
    p_grain_type      text,
    p_grain_id_n0     bigint,
    p_grain_id_n1     bigint,
    p_grain_id_ext    text,
    p_expected_etag   integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    deleted_etag integer;
BEGIN
    IF p_expected_etag IS NULL THEN
        PERFORM 1 FROM og_grain_state
         WHERE grain_id_hash = p_grain_id_hash AND grain_type_hash = p_grain_type_hash
           AND service_id = p_service_id AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
           AND grain_type = p_grain_type AND grain_id_ext IS NOT DISTINCT FROM p_grain_id_ext;
        RETURN CASE WHEN FOUND THEN NULL ELSE 1 END;
    END IF;

    DELETE FROM og_grain_state
     WHERE grain_id_hash = p_grain_id_hash AND grain_type_hash = p_grain_type_hash
       AND service_id = p_service_id AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
       AND grain_type = p_grain_type AND grain_id_ext IS NOT DISTINCT FROM p_grain_id_ext
       AND etag = p_expected_etag
    RETURNING etag INTO deleted_etag;
    RETURN og_next_etag(deleted_etag);   -- STRICT: NULL stays NULL (conflict)
END
$fn$;

-- =====================================================================================================
-- Reminders
-- =====================================================================================================

CREATE TABLE IF NOT EXISTS og_reminder
(
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,   -- GrainId.ToString()
    reminder_name text        NOT NULL,
    grain_hash    integer     NOT NULL,   -- GrainId.GetUniformHashCode(), a uint stored as signed int
    start_time    timestamptz NOT NULL,
    period_ms     bigint      NOT NULL,
    etag          integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

-- The reminder service of each silo reads the reminders whose grain hash falls in its ring range.
CREATE INDEX IF NOT EXISTS og_reminder_ring ON og_reminder (service_id, grain_hash);

-- =====================================================================================================
-- OrleansQuery rows. Parameter names (@Name) and result column names are the providers' contract;
-- result columns are aliased with quoted names in the exact case Orleans asks for.
-- ON CONFLICT ... DO UPDATE lets a newer binary replace the texts; the WHERE avoids rewriting
-- unchanged rows on every start.
-- =====================================================================================================

INSERT INTO orleansquery (querykey, querytext) VALUES

-- ---------------- clustering (all nine are required at start-up, by silos and by clients) -------------

('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO og_cluster_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM created)
$q$),

('MembershipReadAllKey', $q$
SELECT v.version AS "Version",
       s.address AS "Address", s.port AS "Port", s.generation AS "Generation",
       s.silo_name AS "SiloName", s.host_name AS "HostName", s.status AS "Status",
       s.proxy_port AS "ProxyPort", s.suspect_times AS "SuspectTimes",
       s.start_time AS "StartTime", s.i_am_alive_time AS "IAmAliveTime"
  FROM og_cluster_version v
  LEFT JOIN og_cluster_silo s ON s.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId
$q$),

('MembershipReadRowKey', $q$
SELECT v.version AS "Version",
       s.address AS "Address", s.port AS "Port", s.generation AS "Generation",
       s.silo_name AS "SiloName", s.host_name AS "HostName", s.status AS "Status",
       s.proxy_port AS "ProxyPort", s.suspect_times AS "SuspectTimes",
       s.start_time AS "StartTime", s.i_am_alive_time AS "IAmAliveTime"
  FROM og_cluster_version v
  LEFT JOIN og_cluster_silo s
         ON s.deployment_id = v.deployment_id
        AND s.address = @Address AND s.port = @Port AND s.generation = @Generation
 WHERE v.deployment_id = @DeploymentId
$q$),

('InsertMembershipKey', $q$
SELECT og_cluster_insert_silo(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                              @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version)
$q$),

('UpdateMembershipKey', $q$
SELECT og_cluster_update_silo(@DeploymentId, @Address, @Port, @Generation,
                              @Status, @SuspectTimes, @IAmAliveTime, @Version)
$q$),

('UpdateIAmAlivetimeKey', $q$
UPDATE og_cluster_silo SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
  FROM og_cluster_silo
 WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),

('DeleteMembershipTableEntriesKey', $q$
DELETE FROM og_cluster_version WHERE deployment_id = @DeploymentId
$q$),

-- Bulk fallback, used by Orleans 10.4.2 only when CleanupDefunctSiloEntryKey is absent: delete dead
-- silos whose last sign of life (start, heartbeat or a suspicion vote) precedes the cutoff.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM og_cluster_silo
 WHERE deployment_id = @DeploymentId AND status = 6
   AND start_time < @IAmAliveTime AND i_am_alive_time < @IAmAliveTime
   AND coalesce(og_cluster_last_suspect_time(suspect_times) < @IAmAliveTime, true)
$q$),

-- Optional in 10.4.2 and preferred when present: Orleans picks the defunct rows itself and deletes each
-- one only if it is still the dead row it read (compare-and-delete on the values it read).
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM og_cluster_silo
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
   AND status = 6 AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
   AND coalesce(suspect_times, '') = coalesce(@SuspectTimes, '')
$q$),

-- ---------------- grain state (Read, Write, Clear required; Delete only for DeleteStateOnClear) --------

('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", etag AS "Version"
  FROM og_grain_state
 WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
   AND service_id = @ServiceId AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
   AND grain_type = @GrainTypeString AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),

('WriteToStorageKey', $q$
SELECT og_grain_state_write(@ServiceId, @GrainIdHash, @GrainTypeHash, @GrainTypeString,
                            @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                            @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion"
$q$),

('ClearStorageKey', $q$
SELECT og_grain_state_clear(@ServiceId, @GrainIdHash, @GrainTypeHash, @GrainTypeString,
                            @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                            @GrainStateVersion) AS "NewGrainStateVersion"
$q$),

('DeleteStorageKey', $q$
SELECT og_grain_state_delete(@ServiceId, @GrainIdHash, @GrainTypeHash, @GrainTypeString,
                             @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                             @GrainStateVersion) AS "NewGrainStateVersion"
$q$),

-- ---------------- reminders (all seven required at start-up) -----------------------------------------

('ReadReminderRowsKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", etag AS "Version"
  FROM og_reminder
 WHERE service_id = @ServiceId AND grain_id = @GrainId
$q$),

-- Ring range (BeginHash, EndHash] that does not wrap in signed order (Orleans checks
-- (int)BeginHash < (int)EndHash and passes the hashes as signed ints).
('ReadRangeRows1Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", etag AS "Version"
  FROM og_reminder
 WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$q$),

-- Ring range that wraps around (also the full ring, where BeginHash = EndHash).
('ReadRangeRows2Key', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", etag AS "Version"
  FROM og_reminder
 WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$q$),

('ReadReminderRowKey', $q$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", etag AS "Version"
  FROM og_reminder
 WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$q$),

-- Unconditional upsert (Orleans passes no ETag); returns the row's new ETag.
('UpsertReminderRowKey', $q$
INSERT INTO og_reminder (service_id, grain_id, reminder_name, grain_hash, start_time, period_ms, etag)
VALUES (@ServiceId, @GrainId, @ReminderName, @GrainHash, @StartTime, @Period, 1)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
   SET grain_hash = EXCLUDED.grain_hash, start_time = EXCLUDED.start_time,
       period_ms = EXCLUDED.period_ms, etag = og_next_etag(og_reminder.etag)
RETURNING etag AS "Version"
$q$),

-- Delete only if the ETag still matches; one boolean row.
('DeleteReminderRowKey', $q$
WITH removed AS (
    DELETE FROM og_reminder
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
       AND etag = @Version
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM removed)
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM og_reminder WHERE service_id = @ServiceId
$q$)

ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;
