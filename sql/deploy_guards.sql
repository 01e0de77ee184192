-- Wrong results and unclear errors once found by hand, each now a clear
-- error or the right answer.
CREATE TABLE gd (k text, "Note" text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX gd_k ON gd USING skiplist (k, ts);
INSERT INTO gd VALUES ('a', 'x', 1, '2026-01-01 00:00+00'), ('a', 'y', 2, '2026-01-01 00:01+00');

-- Negative frame offsets in the PostgreSQL dialect: PostgreSQL's own errors
-- (they once answered NULL or wrong counts).
SELECT feature_ext.deploy('gd_neg', $$SELECT k, count(*) OVER w AS c FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN (-1) PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('gd_neg', $$SELECT k, count(*) OVER w AS c FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND (0 - 1) FOLLOWING)$$);
SELECT feature_ext.deploy('gd_neg', $$SELECT k, count(*) OVER w AS c FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '-1 day' PRECEDING AND CURRENT ROW)$$);
-- Written as a bare -n, it is OpenMLDB's bound on the other side of the
-- current row (-1 FOLLOWING = 1 PRECEDING; 2 PRECEDING AND -1 PRECEDING ends
-- after the request row, i.e. at it), as in OpenMLDB's own cases.
SELECT feature_ext.deploy('gd_neg', $$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND -1 FOLLOWING)$$);
SELECT * FROM gd_neg('a', 'z', 4, '2026-01-01 00:02+00');
SELECT feature_ext.deploy('gd_neg', $$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND -1 PRECEDING)$$, '{"replace": true}');
SELECT * FROM gd_neg('a', 'z', 4, '2026-01-01 00:02+00');
SELECT feature_ext.undeploy('gd_neg');
-- ... as PostgreSQL's executor says for the same windows:
SELECT count(*) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM gd;
SELECT count(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '-1 day' PRECEDING AND CURRENT ROW) FROM gd;

-- A huge ROWS offset allocates for the rows read, not for the offset (it
-- once failed every call with "invalid memory alloc request size").
SELECT feature_ext.deploy('gd_big', $$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 100000000 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM gd_big('a', 'z', 4, '2026-01-01 00:02+00');
SET feature_ext.jit = off;
SELECT * FROM gd_big('a', 'z', 4, '2026-01-01 00:02+00');
RESET feature_ext.jit;

-- A deployed function called from inside another request (through a user
-- function in an aggregate's argument) is refused: it once answered with
-- the outer request's row.
CREATE FUNCTION gd_inner(t timestamptz) RETURNS float8 LANGUAGE sql
  AS $$ SELECT s FROM gd_big('a', 'z', 100, t) $$;
SELECT feature_ext.deploy('gd_outer', $$SELECT k, sum(gd_inner(ts)) OVER w AS s FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM gd_outer('a', 'z', 4, '2026-01-01 00:02+00');
SELECT * FROM gd_big('a', 'z', 4, '2026-01-01 00:02+00');   -- still fine afterwards
SELECT feature_ext.undeploy('gd_outer');
DROP FUNCTION gd_inner(timestamptz);

-- A PostgreSQL-dialect query calling an OpenMLDB aggregate unqualified (with
-- feature_ext on the search_path) stays PostgreSQL: "Note" is a column, not
-- the string 'Note'.
SET search_path = public, feature_ext;
SELECT feature_ext.deploy('gd_pg', $$SELECT k, count_where("Note", "Note" = 'x') OVER w AS nx FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM gd_pg('a', 'x', 4, '2026-01-01 00:02+00');
RESET search_path;
-- Without feature_ext on the search_path the same text is OpenMLDB's (where
-- "Note" is a string): one count per row.
SELECT feature_ext.deploy('gd_om', $$SELECT k, count_where(v, "Note" = 'Note') OVER w AS n FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM gd_om('a', 'x', 4, '2026-01-01 00:02+00');

-- OpenMLDB offsets beyond int64 once wrapped silently (213503982335d became
-- RANGE 34448384 PRECEDING): 22003 now.
\set VERBOSITY terse
SELECT feature_ext.deploy('gd_ovf', $$SELECT k, sum(v) OVER w AS s FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 213503982335d PRECEDING AND CURRENT ROW)$$);
\set VERBOSITY default

-- min/max of a text column (a collation-aware aggregate) and COLLATE
-- clauses: every call once failed (42P22 "could not determine which
-- collation", "unrecognized node type").
SELECT feature_ext.deploy('gd_txt', $$SELECT k, min("Note") OVER w AS lo, max("Note") OVER w AS hi,
    max("Note" COLLATE "C") OVER w AS hi_c, lower("Note") COLLATE "C" AS low_c,
    count(*) FILTER (WHERE "Note" COLLATE "C" < 'y') OVER w AS below_y FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM gd_txt('a', 'z', 4, '2026-01-01 00:02+00');
SELECT * FROM gd_txt_batch() ORDER BY lo, hi;
SET feature_ext.jit = off;
SELECT * FROM gd_txt('a', 'z', 4, '2026-01-01 00:02+00');
RESET feature_ext.jit;
SELECT feature_ext.undeploy('gd_txt');

-- adjust_ttl on a table outside the search_path (the fix once named the
-- index unqualified: 42P01, or another schema's index of the same name).
CREATE SCHEMA gd_s;
CREATE TABLE gd_s.t (k text, v int, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX gd_k2 ON gd_s.t USING skiplist (k, ts) WITH (ttl = '1 hour');
SELECT feature_ext.deploy('gd_s.f', $$SELECT k, sum(v) OVER w AS x FROM gd_s.t WINDOW w AS
  (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW)$$, '{"adjust_ttl": true}');
SELECT feature_ext.undeploy('gd_s.f');
DROP SCHEMA gd_s CASCADE;

-- A redeploy with the same result columns and arguments keeps the functions
-- and the result type, so prepared statements and clients that cached the
-- row type go on working; other changes re-create them.
SELECT feature_ext.deploy('gd_re', $$SELECT k, count(*) OVER w AS c FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
SELECT 'gd_re_result'::regtype::oid AS typ0, 'gd_re(gd)'::regprocedure::oid AS fn0 \gset
PREPARE gd_call AS SELECT gd_re('a', 'z', 4, '2026-01-01 00:02+00');
EXECUTE gd_call;
SELECT feature_ext.deploy('gd_re', $$SELECT k, count(*) OVER w AS c FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$$, '{"replace": true}');
SELECT 'gd_re_result'::regtype::oid = :typ0 AS same_type, 'gd_re(gd)'::regprocedure::oid = :fn0 AS same_function;
EXECUTE gd_call;   -- the new frame, same statement
SELECT feature_ext.deploy('gd_re', $$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM gd
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$$, '{"replace": true}');
SELECT 'gd_re_result'::regtype::oid = :typ0 AS same_type;
SELECT * FROM gd_re('a', 'z', 4, '2026-01-01 00:02+00');
DEALLOCATE gd_call;
SELECT feature_ext.undeploy('gd_re');

-- batch() skips source rows with a NULL key or order value, and says how
-- many (it once failed as a whole).
SELECT * FROM gd_big_batch($$SELECT * FROM (VALUES ('a', 'p', 1::float8, '2026-01-01 00:00+00'::timestamptz),
    (NULL, 'q', 2, '2026-01-01 00:01+00'), ('a', 'r', 3, NULL), ('a', 's', 4, '2026-01-01 00:02+00')) v$$);

SELECT feature_ext.undeploy('gd_big');
SELECT feature_ext.undeploy('gd_pg');
SELECT feature_ext.undeploy('gd_om');
DROP TABLE gd;

-- Lifecycle: a deployment goes with its table, whatever drops it, and leaves
-- no function, result type or catalog row behind (the same name deploys
-- again at once).  Here the table's schema is dropped; the deployment lives
-- in another schema.
CREATE SCHEMA gd_tab;
CREATE SCHEMA gd_dep;
CREATE TABLE gd_tab.t (k text, v int, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON gd_tab.t USING skiplist (k, ts);
SELECT feature_ext.deploy('gd_dep.f', $$SELECT k, sum(v) OVER w AS x FROM gd_tab.t
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$$);
\set VERBOSITY terse
DROP SCHEMA gd_tab CASCADE;
\set VERBOSITY default
SELECT (SELECT count(*) FROM pg_proc WHERE pronamespace = 'gd_dep'::regnamespace) AS functions,
       (SELECT count(*) FROM pg_type WHERE typnamespace = 'gd_dep'::regnamespace) AS types,
       (SELECT count(*) FROM feature_ext.deployments WHERE name = 'gd_dep.f') AS rows;
-- DROP OWNED of the owner of table and deployment.
CREATE ROLE gd_owner;
GRANT USAGE, CREATE ON SCHEMA gd_dep TO gd_owner;
GRANT USAGE ON SCHEMA feature_ext TO gd_owner;
SET ROLE gd_owner;
CREATE TABLE gd_dep.t2 (k text, v int, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON gd_dep.t2 USING skiplist (k, ts);
SELECT feature_ext.deploy('gd_dep.f', $$SELECT k, sum(v) OVER w AS x FROM gd_dep.t2
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$$);
RESET ROLE;
DROP OWNED BY gd_owner;
SELECT (SELECT count(*) FROM pg_proc WHERE pronamespace = 'gd_dep'::regnamespace) AS functions,
       (SELECT count(*) FROM pg_type WHERE typnamespace = 'gd_dep'::regnamespace) AS types,
       (SELECT count(*) FROM feature_ext.deployments WHERE name = 'gd_dep.f') AS rows;
DROP ROLE gd_owner;
DROP SCHEMA gd_dep;
