-- deploy(), undeploy(), the catalog and the generated functions, attacked by
-- a role without grants (mallory) and used by a table owner (alice).
-- Each block says what it once allowed.
CREATE FUNCTION public.mallory_is_superuser() RETURNS bool LANGUAGE sql
  AS $$ SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'mallory' $$;

SET ROLE alice;
CREATE TABLE alice.ev (k text, v float8, note text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ev_k ON alice.ev USING skiplist (k, ts);
INSERT INTO alice.ev VALUES ('a', 1, 'x', '2026-01-01 00:00+00'), ('a', 2, 'y', '2026-01-01 00:01+00'),
                            ('a', 4, 'x', '2026-01-01 00:02+00');
SELECT feature_ext.deploy('alice.f', $q$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s,
    count(*) FILTER (WHERE note = 'x') OVER w AS nx
  FROM alice.ev WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$q$);
SELECT * FROM alice.f('a', 8, 'x', '2026-01-01 00:03+00');
GRANT USAGE ON SCHEMA alice TO mallory;
GRANT SELECT ON alice.ev TO mallory;
RESET ROLE;

-- 1. Elevated SQL resolved through the caller's search_path: deploy() once
-- read pg_proc unqualified as the bootstrap superuser, so a temporary view
-- named pg_proc ran the caller's function as superuser.
SET ROLE mallory;
CREATE TABLE public.mev (k text, v float8, ts timestamptz) USING feature_store;
CREATE INDEX ON public.mev USING skiplist (k, ts);
CREATE FUNCTION pg_temp.pwn() RETURNS bool LANGUAGE plpgsql AS $$BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    EXECUTE 'ALTER ROLE mallory SUPERUSER';
  END IF;
  RETURN true; END$$;
CREATE TEMP VIEW pg_proc AS SELECT p.oid, p.proname, p.pronamespace, p.prosrc, p.prolang
  FROM pg_catalog.pg_proc p WHERE pg_temp.pwn();
CREATE TEMP VIEW pg_namespace AS SELECT * FROM pg_catalog.pg_namespace n WHERE pg_temp.pwn();
CREATE TEMP VIEW pg_class AS SELECT * FROM pg_catalog.pg_class c WHERE pg_temp.pwn();
CREATE TEMP TABLE deployment (schema_name name, name name);
CREATE DOMAIN pg_temp.name AS pg_catalog.name CHECK (pg_temp.pwn());
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.pwn());
CREATE DOMAIN pg_temp.jsonb AS pg_catalog.jsonb CHECK (pg_temp.pwn());
CREATE DOMAIN pg_temp.regclass AS pg_catalog.regclass CHECK (pg_temp.pwn());
SELECT feature_ext.deploy('public.m1', $q$SELECT k, count(*) OVER w AS c FROM public.mev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$);
SELECT feature_ext.deploy('public.m1', $q$SELECT k, sum(v) OVER w AS c FROM public.mev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$, '{"replace": true}');
SELECT * FROM public.m1('a', 1, now());
SELECT feature_ext.undeploy('public.m1');
-- The same through a schema of her own placed before pg_catalog.
CREATE SCHEMA mal;
CREATE FUNCTION mal.pwn2() RETURNS bool LANGUAGE sql AS $$ SELECT pg_temp.pwn() $$;
CREATE FUNCTION mal.nameeq(name, name) RETURNS bool LANGUAGE sql AS $$ SELECT mal.pwn2() AND $1::text = $2::text $$;
CREATE OPERATOR mal.= (LEFTARG = name, RIGHTARG = name, FUNCTION = mal.nameeq);
CREATE FUNCTION mal.format(text, text, name) RETURNS text LANGUAGE sql AS $$ SELECT 'x' WHERE mal.pwn2() $$;
SET search_path = mal, pg_catalog, public;
SELECT feature_ext.deploy('public.m2', $q$SELECT k, count(*) OVER w AS c FROM public.mev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$);
SELECT feature_ext.deploy('public.m2', $q$SELECT k, count(*) OVER w AS c FROM public.mev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$, '{"replace": true}');
SELECT name FROM feature_ext.deployments ORDER BY 1;
SELECT feature_ext.undeploy('m2');
RESET search_path;
-- Deploying into pg_temp (the issue's form) is refused: a catalog row for a
-- temporary schema would outlive it and block the next session using it.
SELECT feature_ext.deploy('pg_temp.f1', $q$SELECT k, count(*) OVER w AS c FROM public.mev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$, '{"replace": true}');
-- So is a deployment over a temporary table: other sessions cannot read it.
-- (A skiplist index on a temporary table is refused first: its rows would sit
-- in memory shared by every session, and TEMP is granted to PUBLIC.)
CREATE TEMP TABLE tev (k text, ts timestamptz) USING feature_store;
CREATE INDEX ON tev USING skiplist (k, ts);
SELECT feature_ext.deploy('public.t1', $q$SELECT k, count(*) OVER w AS c FROM tev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$);
RESET ROLE;
SELECT public.mallory_is_superuser();

-- 2. The catalog: query texts and object code only for those who may see them.
SET ROLE mallory;
SELECT count(*) FROM feature_ext.deployment;
SELECT name FROM feature_ext.deployments ORDER BY 1;   -- alice.f: mallory may read alice.ev
RESET ROLE;
REVOKE SELECT ON alice.ev FROM mallory;
SET ROLE mallory;
SELECT name FROM feature_ext.deployments ORDER BY 1;   -- nothing
SELECT * FROM alice.f('a', 8, 'x', '2026-01-01 00:03+00');
RESET ROLE;
GRANT SELECT ON alice.ev TO mallory;

-- 3. Calls bind what deploy() bound: a caller's temporary table, functions
-- and operators named like the deployment's objects are not used.
SET ROLE mallory;
CREATE TEMP TABLE ev (k text, v float8, note text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON pg_temp.ev USING skiplist (k, ts);
INSERT INTO pg_temp.ev SELECT 'a', 1000, 'x', '2025-12-31' FROM generate_series(1, 5);
CREATE FUNCTION mal.cnt(bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT $1 + 100 $$;
CREATE AGGREGATE mal.count(*) (SFUNC = mal.cnt, STYPE = bigint, INITCOND = '0');
CREATE AGGREGATE mal.sum(float8) (SFUNC = float8pl, STYPE = float8);
CREATE FUNCTION mal.texteq(text, text) RETURNS bool LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR mal.= (LEFTARG = text, RIGHTARG = text, FUNCTION = mal.texteq);
SET search_path = pg_temp, mal, pg_catalog, alice;
SELECT * FROM alice.f('a', 8, 'x', '2026-01-01 00:03+00');
SELECT * FROM alice.f_batch() ORDER BY s;
SELECT * FROM feature_ext.batch('alice.f') AS (k pg_catalog.text, c bigint, s float8, nx bigint) ORDER BY s;
RESET search_path;
RESET ROLE;
-- In a new session (no cached plan), under mallory's search_path again.
\c -
SET ROLE mallory;
SET search_path = pg_temp, mal, pg_catalog, alice;
SELECT * FROM alice.f('a', 8, 'x', '2026-01-01 00:03+00');
RESET search_path;
RESET ROLE;
SELECT public.mallory_is_superuser();
-- EXECUTE on the functions a deployment's expressions call is checked when
-- a session plans it, as PostgreSQL's executor checks it, also where the
-- JIT computes them without calling the function (a compiled FILTER needs
-- none of the interpreter's expression states, which made that check).
SET ROLE alice;
SELECT feature_ext.deploy('alice.fx', $q$SELECT k, sum(v) FILTER (WHERE v > '1.5') OVER w AS s
  FROM alice.ev WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$q$);
SELECT substring(feature_ext.explain('alice.fx', timing => false) FROM 'JIT: [0-9]+ of [0-9]+ aggregates compile');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION pg_catalog.float8gt(float8, float8) FROM PUBLIC;
\c -
SET ROLE mallory;
SELECT * FROM alice.fx('a', 8, 'x', '2026-01-01 00:03+00');
RESET ROLE;
GRANT EXECUTE ON FUNCTION pg_catalog.float8gt(float8, float8) TO PUBLIC;
SET ROLE mallory;
SELECT * FROM alice.fx('a', 8, 'x', '2026-01-01 00:03+00');
SET ROLE alice;
SELECT feature_ext.undeploy('alice.fx');
RESET ROLE;
-- ... and again when the session's role changes (SET ROLE, as a pooler
-- does): a plan made for alice is not mallory's (made again for him).
SET ROLE alice;
CREATE FUNCTION alice.priv_fn(x float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
REVOKE EXECUTE ON FUNCTION alice.priv_fn(float8) FROM PUBLIC;
SELECT feature_ext.deploy('alice.fy', $q$SELECT k, alice.priv_fn(sum(v) OVER w) AS s
  FROM alice.ev WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$q$);
SELECT * FROM alice.fy('a', 8, 'x', '2026-01-01 00:03+00');
SET ROLE mallory;
SELECT * FROM alice.fy('a', 8, 'x', '2026-01-01 00:03+00');
SET ROLE alice;
SELECT * FROM alice.fy('a', 8, 'x', '2026-01-01 00:03+00');
SELECT feature_ext.undeploy('alice.fy');
DROP FUNCTION alice.priv_fn(float8);
RESET ROLE;

-- 4. Replacing or dropping another role's deployment is refused.
SET ROLE mallory;
SELECT feature_ext.deploy('alice.f', $q$SELECT k, count(*) OVER w AS c FROM alice.ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$, '{"replace": true}');
SELECT feature_ext.undeploy('alice.f');
RESET ROLE;
SELECT feature_ext.deploy(NULL, 'SELECT 1');
SELECT feature_ext.deploy('alice.g', NULL);

-- 5. Table changes under a deployment: refused while it depends on them (as
-- for a view), or a clean error at the next call; never a crash.
SET ROLE alice;
ALTER TABLE alice.ev DROP COLUMN v;                    -- read by the deployment
ALTER TABLE alice.ev ALTER COLUMN v TYPE text;
ALTER TABLE alice.ev ALTER COLUMN note TYPE varchar;  -- read by its FILTER
ALTER TABLE alice.ev RENAME TO ev2;                    -- bound by OID: keeps working
CREATE SCHEMA alice2;
ALTER TABLE alice.ev2 SET SCHEMA alice2;
SELECT * FROM alice.f('a', 8, 'x', '2026-01-01 00:03+00');
SELECT count(*) FROM alice.f_batch();
ALTER TABLE alice2.ev2 SET SCHEMA alice;
ALTER TABLE alice.ev2 RENAME TO ev;
-- Columns it reads renamed: followed, as in a view (the plan is made from the
-- analysed query by OID, deparsed with today's names).
ALTER TABLE alice.ev RENAME COLUMN v TO amount;
ALTER TABLE alice.ev RENAME COLUMN note TO memo;
SELECT * FROM alice.f('a', 8, 'x', '2026-01-01 00:03+00');
SELECT count(*) FROM alice.f_batch();
SELECT pg_catalog.strpos(explain, 'amount') > 0 AS new_names_in_plan FROM feature_ext.explain('alice.f');
-- The rename event trigger (SECURITY DEFINER) brought the dumped text up to
-- date for alice's rename; she cannot call the tree deparser it uses, not
-- even if a superuser granted it (a node tree must never come from a user).
RESET ROLE;
SELECT pg_catalog.strpos(bound_query, 'amount') > 0 AND pg_catalog.strpos(bound_query, 'memo') > 0
       AND pg_catalog.strpos(bound_query, ' v') = 0 AS bound_text_renamed
  FROM feature_ext.deployment WHERE schema_name = 'alice' AND name = 'f';
SET ROLE alice;
SELECT feature_ext._bound_text('{QUERY}');
RESET ROLE;
GRANT EXECUTE ON FUNCTION feature_ext._bound_text(text) TO alice;
SET ROLE alice;
SELECT feature_ext._bound_text('{QUERY}');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION feature_ext._bound_text(text) FROM alice;
SET ROLE alice;
ALTER TABLE alice.ev RENAME COLUMN amount TO v;
ALTER TABLE alice.ev RENAME COLUMN memo TO note;
ALTER TABLE alice.ev ADD COLUMN extra int;             -- the request's columns changed
SELECT * FROM alice.f('a', 8, 'x', '2026-01-01 00:03+00');
SELECT * FROM alice.f(ROW('a', 8, 'x', '2026-01-01 00:03+00', 1)::alice.ev);
ALTER TABLE alice.ev DROP COLUMN extra;                -- back to the deployed columns
SELECT * FROM alice.f('a', 8, 'x', '2026-01-01 00:03+00');
-- A column the deployment does not read, dropped and added again as text.
SELECT feature_ext.deploy('alice.h', $q$SELECT k, count(*) OVER w AS c FROM alice.ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$);
SELECT feature_ext.undeploy('alice.f');
ALTER TABLE alice.ev DROP COLUMN v;
ALTER TABLE alice.ev ADD COLUMN v text;
SELECT * FROM alice.h('a', 'x', '2026-01-01 00:03+00', 'oops');
SELECT * FROM alice.h('a', 8, 'x', '2026-01-01 00:03+00');
-- Unrelated: another type under the same column name and position.
SELECT feature_ext.deploy('alice.h', $q$SELECT k, count(*) OVER w AS c FROM alice.ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$, '{"replace": true}');
SELECT * FROM alice.h('a', 'x', '2026-01-01 00:03+00', 'fine');
-- DROP TABLE refuses; with CASCADE the deployment goes with it, and the
-- table can be re-created in another column order and deployed again.
DROP TABLE alice.ev;
DROP TABLE alice.ev CASCADE;
SELECT name FROM feature_ext.deployments ORDER BY 1;
CREATE TABLE alice.ev (ts timestamptz NOT NULL, v float8, k text) USING feature_store;
CREATE INDEX ev_k ON alice.ev USING skiplist (k, ts);
SELECT feature_ext.deploy('alice.h', $q$SELECT k, count(*) OVER w AS c FROM alice.ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$q$);
SELECT * FROM alice.h('2026-01-01', 1, 'a');
SELECT feature_ext.undeploy('alice.h');
DROP TABLE alice.ev;
DROP SCHEMA alice2;
RESET ROLE;

-- 6. CREATE EXTENSION into a schema another role prepared is refused.
CREATE DATABASE sec_schema;
\c sec_schema
-- (no CONTEXT lines: PostgreSQL 18 adds the extension script's statement to them)
\set SHOW_CONTEXT never
CREATE SCHEMA feature_ext AUTHORIZATION mallory;
CREATE EXTENSION feature_ext;
DROP SCHEMA feature_ext;
CREATE SCHEMA feature_ext;
GRANT CREATE ON SCHEMA feature_ext TO mallory;
CREATE EXTENSION feature_ext;
DROP SCHEMA feature_ext;
CREATE EXTENSION feature_ext;
SELECT feature_ext.version();
\set SHOW_CONTEXT errors
\c security_regression
DROP DATABASE sec_schema;
SELECT public.mallory_is_superuser();
