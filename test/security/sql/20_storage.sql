-- Storage side in a shared database: the retention option's catalog write and
-- the sql_drop event trigger resolve no name through the caller's temporary
-- schema; index_scan honours row-level security and locks the table before
-- the index; index_stats / index_stats_raw show only readable tables;
-- run_gc is not PUBLIC; run_retention() touches only the caller's own tables,
-- each as its owner in a security-restricted operation.
-- (test/security/retention_owner.sh checks the background worker.)

-- alice's tables: sec_t (mallory may SELECT it, but a policy hides every row
-- from her) and hidden_t (no grant)
SET ROLE alice;
CREATE TABLE alice.sec_t (k text, v int, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX sec_t_k ON alice.sec_t USING skiplist (k, ts);
INSERT INTO alice.sec_t VALUES ('secret', 1, '2024-01-01 00:00+00'), ('secret', 2, '2024-01-02 00:00+00');
ALTER TABLE alice.sec_t ENABLE ROW LEVEL SECURITY;
CREATE POLICY sec_t_own ON alice.sec_t USING (k = current_user);
GRANT USAGE ON SCHEMA alice TO mallory;
GRANT SELECT ON alice.sec_t TO mallory;
CREATE TABLE alice.hidden_t (k text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX hidden_t_k ON alice.hidden_t USING skiplist (k, ts);
INSERT INTO alice.hidden_t VALUES ('h', '2024-01-01 00:00+00');
RESET ROLE;

-- mallory's bait: a function that makes her superuser when it runs as one
SET ROLE mallory;
CREATE TABLE public.mal_t (k text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX mal_t_k ON public.mal_t USING skiplist (k, ts);
CREATE FUNCTION public.mal_escalate(anyelement) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'mallory''s code runs as %', current_user;
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    ALTER ROLE mallory SUPERUSER;
  END IF;
  RETURN true;
END $$;

-- 1. retention option: temporary types shadowing the catalog write's casts
-- (pg_temp is searched first for types when search_path does not name it)
CREATE DOMAIN pg_temp.name AS pg_catalog.text CHECK (public.mal_escalate(VALUE));
ALTER TABLE mal_t SET (retention = '1 day', retention_column = 'ts');
DROP DOMAIN pg_temp.name;
CREATE DOMAIN pg_temp.interval AS pg_catalog.interval CHECK (public.mal_escalate(VALUE));
ALTER TABLE mal_t SET (retention = '2 days');
DROP DOMAIN pg_temp.interval;
CREATE DOMAIN pg_temp.regclass AS pg_catalog.regclass CHECK (public.mal_escalate(VALUE));
ALTER TABLE mal_t RESET (retention_column);
DROP DOMAIN pg_temp.regclass;
CREATE DOMAIN pg_temp.oid AS pg_catalog.oid CHECK (public.mal_escalate(VALUE));
ALTER TABLE mal_t SET (retention_column = 'ts');
DROP DOMAIN pg_temp.oid;
RESET ROLE;
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'mallory';
ALTER ROLE mallory NOSUPERUSER;  -- (undoes a successful attack)
-- the options were stored all the same
SELECT relid, retention, retention_column FROM feature_ext.table_options WHERE relid = 'mal_t'::regclass;
-- still only for the owner
SET ROLE alice;
ALTER TABLE mal_t SET (retention = '1 day');
RESET ROLE;

-- 3. the sql_drop event trigger (SECURITY DEFINER): a temporary table named
-- pg_class, then a temporary type oid (fresh sessions: plpgsql caches plans)
\c -
SET ROLE mallory;
CREATE TEMP TABLE pg_class (oid int);
CREATE TABLE public.mal_gone (k text, ts timestamptz NOT NULL) USING feature_store WITH (retention = '1 day');
DROP TABLE public.mal_gone;
RESET ROLE;
SELECT count(*) AS dangling_options FROM feature_ext.table_options o
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = o.relid);
\c -
SET ROLE mallory;
CREATE TABLE public.mal_gone (k text, ts timestamptz NOT NULL) USING feature_store WITH (retention = '1 day');
CREATE DOMAIN pg_temp.oid AS pg_catalog.oid CHECK (public.mal_escalate(VALUE));
CREATE DOMAIN pg_temp.regclass AS pg_catalog.regclass CHECK (public.mal_escalate(VALUE));
DROP TABLE public.mal_gone;
DROP DOMAIN pg_temp.oid;
DROP DOMAIN pg_temp.regclass;
RESET ROLE;
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'mallory';
ALTER ROLE mallory NOSUPERUSER;
SELECT count(*) AS dangling_options FROM feature_ext.table_options o
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = o.relid);

-- 4. index_scan and row-level security: the policy shows mallory no row
SET ROLE mallory;
SELECT count(*) FROM alice.sec_t;
SELECT * FROM feature_ext.index_scan('alice.sec_t_k', '{secret}');
\echo :LAST_ERROR_SQLSTATE
SET row_security = off;
SELECT * FROM feature_ext.index_scan('alice.sec_t_k', '{secret}');
\echo :LAST_ERROR_SQLSTATE
RESET row_security;
SELECT * FROM feature_ext.index_scan('alice.hidden_t_k', '{h}');
RESET ROLE;
-- the owner is not subject to her policies (unless she forces them)
SET ROLE alice;
SELECT * FROM feature_ext.index_scan('alice.sec_t_k', '{secret}');
ALTER TABLE alice.sec_t FORCE ROW LEVEL SECURITY;
SELECT * FROM feature_ext.index_scan('alice.sec_t_k', '{secret}');
ALTER TABLE alice.sec_t NO FORCE ROW LEVEL SECURITY;
RESET ROLE;
-- a stale OID, a table instead of an index
SELECT * FROM feature_ext.index_scan(4000000000::oid::regclass, '{a}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM feature_ext.index_scan('alice.sec_t', '{a}');

-- 5. monitoring shows only tables the caller may read
SET ROLE mallory;
SELECT index_name, table_name, keys, rows_in_memory FROM feature_ext.index_stats
 WHERE table_name IN ('alice.sec_t'::regclass, 'alice.hidden_t'::regclass, 'mal_t'::regclass) ORDER BY 1::text;
SELECT count(*) AS unreadable FROM feature_ext.index_stats WHERE NOT has_table_privilege(table_name, 'SELECT');
SELECT index_oid::regclass, table_oid::regclass, keys FROM feature_ext.index_stats_raw()
 WHERE table_oid IN ('alice.sec_t'::regclass, 'alice.hidden_t'::regclass, 'mal_t'::regclass) ORDER BY 1::text;
SELECT count(*) AS unreadable FROM feature_ext.index_stats_raw() WHERE NOT has_table_privilege(table_oid, 'SELECT');
SELECT feature_ext.run_gc();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE alice;
SELECT index_name, table_name, keys, rows_in_memory FROM feature_ext.index_stats
 WHERE table_name IN ('alice.sec_t'::regclass, 'alice.hidden_t'::regclass, 'mal_t'::regclass) ORDER BY 1::text;
RESET ROLE;
SELECT feature_ext.run_gc() >= 0 AS superuser_may_run_gc;
SELECT count(*) AS indexes_listed FROM feature_ext.index_stats
 WHERE table_name IN ('alice.sec_t'::regclass, 'alice.hidden_t'::regclass, 'mal_t'::regclass);

-- 4b. index_scan locks the table first: a scan waiting behind a table lock
-- holds nothing on the index, so DROP INDEX goes through (no deadlock) and
-- the scan then reports the index gone (not XX000).
SET ROLE alice;
CREATE FUNCTION alice.try_scan() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM * FROM feature_ext.index_scan('alice.sec_t_k', '{secret}');
  RETURN 'ok';
EXCEPTION WHEN others THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9]+', 'N', 'g');
END $$;
RESET ROLE;
CREATE EXTENSION dblink;
SELECT dblink_connect('b', format('host=%s port=%s dbname=%s', split_part(current_setting('unix_socket_directories'), ',', 1),
                                  current_setting('port'), current_database()));
SELECT pid AS scan_pid FROM dblink('b', 'SELECT pg_backend_pid()') AS t(pid int) \gset
SELECT dblink_exec('b', 'SET ROLE alice');
BEGIN;
LOCK TABLE alice.sec_t IN ACCESS EXCLUSIVE MODE;
SELECT dblink_send_query('b', 'SELECT alice.try_scan()');
DO $$ BEGIN
  FOR i IN 1..600 LOOP
    EXIT WHEN EXISTS (SELECT FROM pg_locks WHERE relation = 'alice.sec_t'::regclass AND NOT granted);
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT relation::regclass, mode, granted FROM pg_locks
 WHERE pid = :scan_pid AND relation IN ('alice.sec_t'::regclass, 'alice.sec_t_k'::regclass) ORDER BY 1::text;
SET LOCAL lock_timeout = '20s';
DROP INDEX alice.sec_t_k;
COMMIT;
SELECT * FROM dblink_get_result('b') AS t(result text);
SELECT * FROM dblink_get_result('b') AS t(result text);
SELECT dblink_disconnect('b');
DROP EXTENSION dblink;
CREATE INDEX sec_t_k ON alice.sec_t USING skiplist (k, ts);

-- 2. run_retention() as VACUUM does: only the caller's own tables, each as
-- its owner inside a security-restricted operation
SET ROLE alice;
CREATE TABLE alice.ret_t (k text, ts timestamptz NOT NULL) USING feature_store WITH (retention = '1 day');
CREATE INDEX ret_t_k ON alice.ret_t USING skiplist (k, ts);
CREATE TABLE alice.ret_log (who name, restricted bool, escalated bool);
CREATE FUNCTION alice.ret_t_on_delete() RETURNS trigger LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
  restricted bool := false;
  escalated bool := false;
BEGIN
  BEGIN
    CREATE TEMP TABLE IF NOT EXISTS ret_probe (x int);
  EXCEPTION WHEN others THEN
    restricted := SQLERRM LIKE '%security-restricted operation%';
  END;
  BEGIN
    ALTER ROLE alice SUPERUSER;
    escalated := true;
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  INSERT INTO alice.ret_log VALUES (current_user, restricted, escalated);
  RETURN OLD;
END $$;
CREATE TRIGGER ret_t_del BEFORE DELETE ON alice.ret_t FOR EACH ROW EXECUTE FUNCTION alice.ret_t_on_delete();
INSERT INTO alice.ret_t VALUES ('a', now() - interval '3 days'), ('a', now() - interval '2 days'), ('a', now());
GRANT SELECT, DELETE ON alice.ret_t TO mallory;
RESET ROLE;
SET ROLE mallory;
INSERT INTO mal_t VALUES ('m', now() - interval '5 days'), ('m', now());
-- retention_column without retention: nothing to do (the old code crashed)
CREATE TABLE public.mal_col (k text, ts timestamptz NOT NULL) USING feature_store WITH (retention_column = 'ts');
SELECT feature_ext.run_retention() AS deleted_by_mallory;
SELECT count(*) AS alice_rows FROM alice.ret_t;
RESET ROLE;
SELECT feature_ext.run_retention() > 0 AS deleted_by_superuser;
SELECT count(*) AS alice_rows FROM alice.ret_t;
SELECT who, restricted, escalated, count(*) FROM alice.ret_log GROUP BY 1, 2, 3 ORDER BY 1;
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'alice';
ALTER ROLE alice NOSUPERUSER;

-- clean up
DROP TABLE alice.sec_t, alice.hidden_t, alice.ret_t, alice.ret_log, public.mal_t, public.mal_col;
DROP FUNCTION alice.try_scan(), alice.ret_t_on_delete(), public.mal_escalate(anyelement);
REVOKE USAGE ON SCHEMA alice FROM mallory;
SELECT count(*) AS options_left FROM feature_ext.table_options;
