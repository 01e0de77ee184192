-- training_set(): the source is a table name or a query given by the
-- caller, and the deployment's table is read too.  Both run as the caller,
-- never as the deployment's owner: grants and row-level security apply as
-- to the caller's own SELECT.
CREATE OR REPLACE FUNCTION public.mallory_is_superuser() RETURNS bool LANGUAGE sql
  AS $$ SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'mallory' $$;
SET ROLE alice;
CREATE TABLE alice.tev (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX tev_k ON alice.tev USING skiplist (k, ts);
INSERT INTO alice.tev VALUES ('a', 1, '2026-01-01 00:00+00'), ('a', 2, '2026-01-01 00:01+00'),
                             ('b', 4, '2026-01-01 00:02+00');
SELECT feature_ext.deploy('alice.tf', $q$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s
  FROM alice.tev WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$q$);
-- alice's labels: not granted to anyone
CREATE TABLE alice.secret_labels (k text, ts timestamptz, label bool);
INSERT INTO alice.secret_labels VALUES ('a', '2026-01-01 00:05+00', true);
-- shared labels with a policy: each role sees its own rows
CREATE TABLE alice.labels (k text, ts timestamptz, who name, label bool);
INSERT INTO alice.labels VALUES ('a', '2026-01-01 00:05+00', 'alice', true),
                                ('a', '2026-01-01 00:06+00', 'mallory', false),
                                ('b', '2026-01-01 00:07+00', 'mallory', true);
ALTER TABLE alice.labels ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON alice.labels FOR SELECT USING (who = current_user);
GRANT USAGE ON SCHEMA alice TO mallory;
GRANT SELECT ON alice.tev, alice.labels TO mallory;
SELECT * FROM feature_ext.training_set('alice.tf', 'alice.secret_labels')
  AS t(k text, ts timestamptz, label bool, k_feature text, c bigint, s float8);
RESET ROLE;

-- 1. The source runs with the caller's rights, not the deployment owner's:
-- a table (or a query over it) the caller may not read is refused.
SET ROLE mallory;
SELECT * FROM feature_ext.training_set('alice.tf', 'alice.secret_labels')
  AS t(k text, ts timestamptz, label bool, k_feature text, c bigint, s float8);
SELECT * FROM feature_ext.training_set('alice.tf', 'SELECT * FROM alice.secret_labels')
  AS t(k text, ts timestamptz, label bool, k_feature text, c bigint, s float8);
SELECT feature_ext.training_set_columns('alice.tf', 'alice.secret_labels');
-- 2. Row-level security on the source is honoured: mallory's rows only.
SELECT * FROM feature_ext.training_set('alice.tf', 'alice.labels')
  AS t(k text, ts timestamptz, who name, label bool, k_feature text, c bigint, s float8);
-- 3. Code in the source query runs as the caller (current_user is mallory;
-- a function that would make her superuser if it ran elevated does nothing).
CREATE FUNCTION pg_temp.pwn() RETURNS bool LANGUAGE plpgsql AS $$BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    EXECUTE 'ALTER ROLE mallory SUPERUSER';
  END IF;
  RETURN true; END$$;
SELECT * FROM feature_ext.training_set('alice.tf',
    'SELECT k, ts, current_user AS caller FROM alice.labels WHERE pg_temp.pwn()')
  AS t(k text, ts timestamptz, caller name, k_feature text, c bigint, s float8);
RESET ROLE;
SELECT public.mallory_is_superuser();
-- 4. The deployment's table is read as the caller too.
REVOKE SELECT ON alice.tev FROM mallory;
SET ROLE mallory;
SELECT * FROM feature_ext.training_set('alice.tf', 'alice.labels')
  AS t(k text, ts timestamptz, who name, label bool, k_feature text, c bigint, s float8);
RESET ROLE;
GRANT SELECT ON alice.tev TO mallory;
-- 5. A table name is resolved, then quoted: text after it is not SQL.
SET ROLE mallory;
SELECT * FROM feature_ext.training_set('alice.tf', 'alice.labels;DROP/**/TABLE/**/alice.tev')
  AS t(k text, ts timestamptz, who name, label bool, k_feature text, c bigint, s float8);
-- (a query is wrapped as a subquery: one statement only)
SELECT * FROM feature_ext.training_set('alice.tf', 'SELECT * FROM alice.labels; DROP TABLE alice.tev')
  AS t(k text, ts timestamptz, who name, label bool, k_feature text, c bigint, s float8);
SELECT count(*) FROM alice.tev;
-- 6. The deployment's table is the one deploy() bound, whatever the caller's
-- search_path holds: a temporary table named like it is not read (the
-- source, the caller's own text, resolves in her search_path as usual).
CREATE TEMP TABLE tev (k text, v float8, ts timestamptz NOT NULL);
INSERT INTO pg_temp.tev SELECT 'a', 1000, '2025-12-31' FROM generate_series(1, 5);
SET search_path = pg_temp, alice, pg_catalog;
SELECT * FROM feature_ext.training_set('alice.tf', 'labels')
  AS t(k text, ts timestamptz, who name, label bool, k_feature text, c bigint, s float8);
RESET search_path;
RESET ROLE;
-- 7. Row-level security on the deployment's table: refused, never bypassed.
SET ROLE alice;
ALTER TABLE alice.tev ENABLE ROW LEVEL SECURITY;
RESET ROLE;
SET ROLE mallory;
SELECT * FROM feature_ext.training_set('alice.tf', 'alice.labels')
  AS t(k text, ts timestamptz, who name, label bool, k_feature text, c bigint, s float8);
RESET ROLE;
SET ROLE alice;
ALTER TABLE alice.tev DISABLE ROW LEVEL SECURITY;
SELECT feature_ext.undeploy('alice.tf');
DROP TABLE alice.tev, alice.secret_labels, alice.labels;
RESET ROLE;
