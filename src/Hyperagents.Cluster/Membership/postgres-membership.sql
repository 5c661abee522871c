-- Hyperagents' membership schema for Orleans' ADO.NET clustering on PostgreSQL, written for this project.
-- Orleans runs only the statements it finds in OrleansQuery, by key, with its own parameters (@DeploymentId,
-- @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @SuspectTimes, @StartTime, @IAmAliveTime,
-- @Version) and reads the result columns by name. Every statement here is idempotent; the caller holds an advisory
-- lock around the whole script, so processes starting at once create it once.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey varchar(64) PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-- One row per cluster: its membership version, raised by every change (optimistic concurrency between members).
CREATE TABLE IF NOT EXISTS hyperagents_membership_version
(
    deployment varchar(150) PRIMARY KEY,
    version integer NOT NULL DEFAULT 0,
    changed timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS hyperagents_members
(
    deployment varchar(150) NOT NULL REFERENCES hyperagents_membership_version (deployment) ON DELETE CASCADE,
    address varchar(45) NOT NULL,
    port integer NOT NULL,
    generation integer NOT NULL,
    silo_name varchar(150) NOT NULL,
    host_name varchar(150) NOT NULL,
    status integer NOT NULL,
    proxy_port integer,
    suspect_times text,
    start_time timestamptz NOT NULL,
    alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment, address, port, generation)
);

-- The statements; an older copy of this project's own statements is replaced, anyone else's is left alone.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
WITH added AS (
    INSERT INTO hyperagents_membership_version (deployment) VALUES (@DeploymentId)
    ON CONFLICT (deployment) DO NOTHING
    RETURNING 1)
SELECT count(*)::integer FROM added
$q$),
('InsertMembershipKey', $q$
WITH raised AS (
    UPDATE hyperagents_membership_version SET version = version + 1, changed = now()
    WHERE deployment = @DeploymentId AND version = @Version
      AND NOT EXISTS (SELECT 1 FROM hyperagents_members
                      WHERE deployment = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment),
added AS (
    INSERT INTO hyperagents_members (deployment, address, port, generation, silo_name, host_name, status, proxy_port, start_time, alive_time)
    SELECT deployment, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime FROM raised
    RETURNING 1)
SELECT count(*)::integer FROM added
$q$),
('UpdateMembershipKey', $q$
WITH raised AS (
    UPDATE hyperagents_membership_version SET version = version + 1, changed = now()
    WHERE deployment = @DeploymentId AND version = @Version
      AND EXISTS (SELECT 1 FROM hyperagents_members
                  WHERE deployment = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment),
updated AS (
    UPDATE hyperagents_members AS m SET status = @Status, suspect_times = @SuspectTimes, alive_time = @IAmAliveTime
    FROM raised AS r
    WHERE m.deployment = r.deployment AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1)
SELECT count(*)::integer FROM updated
$q$),
('UpdateIAmAlivetimeKey', $q$
UPDATE hyperagents_members SET alive_time = @IAmAliveTime
WHERE deployment = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),
('MembershipReadRowKey', $q$
SELECT v.deployment AS "DeploymentId", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.alive_time AS "IAmAliveTime", v.version AS "Version"
FROM hyperagents_membership_version AS v
LEFT JOIN hyperagents_members AS m
       ON m.deployment = v.deployment AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment = @DeploymentId
$q$),
('MembershipReadAllKey', $q$
SELECT v.deployment AS "DeploymentId", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.alive_time AS "IAmAliveTime", v.version AS "Version"
FROM hyperagents_membership_version AS v
LEFT JOIN hyperagents_members AS m ON m.deployment = v.deployment
WHERE v.deployment = @DeploymentId
$q$),
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM hyperagents_membership_version WHERE deployment = @DeploymentId
$q$),
('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM hyperagents_members
WHERE deployment = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM hyperagents_members
WHERE deployment = @DeploymentId AND alive_time < @IAmAliveTime AND status <> 3
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
WHERE OrleansQuery.QueryText LIKE '%hyperagents_member%';
