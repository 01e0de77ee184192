-- Adversarial review of deploy()'s FROM subquery computing the deployment's
-- columns (branch fromsub, 9d5dea3..0e0fbfa).  Every probe prints
-- "ok NAME", "NOTE NAME: ..." or "BUG NAME: observed ... / expected ...";
-- expectations are PostgreSQL's executor running the equivalent SQL.
SET client_min_messages = warning;
CREATE TABLE t1 (id int4, k text, c3f float8, ts int8, c7str text, v int8) USING feature_store;
CREATE INDEX ON t1 USING skiplist (k, ts);
INSERT INTO t1 SELECT g, 'k' || (g % 2), g * 0.5 - 3, g * 10,
  to_char(TIMESTAMP '2020-05-29 15:00:00' + g * INTERVAL '5 seconds', 'YYYY-MM-DD HH24:MI:SS'), (g * 7) % 23
  FROM generate_series(1, 20) g;   -- id 7 has v = 3
CREATE TABLE u3 (k text, g int4, t timestamp, v int8, id int4) USING feature_store;
CREATE INDEX ON u3 USING skiplist (g, t);
INSERT INTO u3 SELECT 'k' || (i % 2), i % 4 - 1, TIMESTAMP '2020-05-29 15:00:00' + i * INTERVAL '3 seconds', i * 100, i
  FROM generate_series(1, 40) i;
CREATE TABLE u4 (g int4, t timestamp, c numeric, v int8) USING feature_store;
CREATE INDEX ON u4 USING skiplist (g, t);
INSERT INTO u4 SELECT i % 3, TIMESTAMP '2020-05-29 15:00:00' + i * INTERVAL '3 seconds',
  CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1.25 END, i FROM generate_series(1, 60) i;

CREATE FUNCTION chk(name text, got text, want text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN got IS NOT DISTINCT FROM want THEN 'ok ' || name
              ELSE 'BUG ' || name || ': observed ' || coalesce(got, 'NULL') || ' / expected ' || coalesce(want, 'NULL') END $$;
-- run a query, its rows as text (or the error)
CREATE FUNCTION run(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE 'SELECT string_agg(rev_fr_r::text, '';'' ORDER BY rev_fr_r::text) FROM (' || sql || ') rev_fr_r' INTO r;
  RETURN coalesce(r, '(none)');
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION try_exec(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'done';
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION dep(name text, q text, opts jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM feature_ext.deploy(name, q, opts);
  RETURN 'deployed';
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION refused(name text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text := dep('p_refused', q);
BEGIN
  IF r = 'deployed' THEN
    PERFORM feature_ext.undeploy('p_refused');
    RETURN 'BUG ' || name || ': observed deployed / expected refused (0A000)';
  END IF;
  RETURN CASE WHEN r LIKE 'ERROR 0A000%' THEN 'ok ' || name ELSE 'BUG ' || name || ': observed ' || r || ' / expected 0A000' END;
END $$;

-- ---- int(float): PostgreSQL's CAST (rounds half to even), overflow / NaN errors
SELECT dep('p_round', $$SELECT id, c3, sum(v) OVER w AS sv FROM (select id, k, int(c3f) as c3, ts, v from t1)
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('int_float_rounding',
  (SELECT string_agg((SELECT c3 FROM p_round(1, 'k9', x, 5, NULL, 1))::text, ',') FROM unnest(ARRAY[2.5, 3.5, -1.5, 1.6, -0.5, 0.5, -2.7]::float8[]) x),
  (SELECT string_agg(CAST(x AS int4)::text, ',') FROM unnest(ARRAY[2.5, 3.5, -1.5, 1.6, -0.5, 0.5, -2.7]::float8[]) x));
SELECT chk('int_float_overflow', run($$SELECT c3 FROM p_round(1, 'k9', 3e10, 5, NULL, 1)$$), run($$SELECT CAST(3e10::float8 AS int4)$$));
SELECT chk('int_float_nan', run($$SELECT c3 FROM p_round(1, 'k9', 'NaN', 5, NULL, 1)$$), run($$SELECT CAST('NaN'::float8 AS int4)$$));

-- ---- a whole-row reference in a computed column: refused, or PostgreSQL's row
SELECT CASE WHEN r <> 'deployed' THEN 'ok whole_row_computed (refused: ' || r || ')'
            ELSE chk('whole_row_computed', run($$SELECT r FROM p_wr(1, 'k0', 1.5, 500, 'x', 3)$$),
                     run($$SELECT ROW(1, 'k0', 1.5, 500, 'x', 3)::t1$$)) END
  FROM dep('p_wr', $$SELECT k, r, sum(v) OVER w AS sv FROM (SELECT k, ts, v, t1 AS r FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) r;

-- ---- a computed column the query does not use: PostgreSQL never evaluates it
SELECT dep('p_unused', $$SELECT k, sum(v) OVER w AS sv FROM (SELECT k, ts, v, 10 / (v - 3) AS bad FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('unused_computed_request', run($$SELECT sv FROM p_unused(1, 'k0', 1.5, 500, 'x', 3)$$),
  run($$SELECT sv FROM (SELECT ts, sum(v) OVER w AS sv FROM (SELECT k, ts, v, 10 / (v - 3) AS bad
        FROM (SELECT k, ts, v FROM t1 WHERE k = 'k0' UNION ALL SELECT 'k0', 500, 3) t) s
        WINDOW w AS (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE ts = 500$$));
SELECT chk('unused_computed_batch', run($$SELECT count(*) FROM p_unused_batch('SELECT * FROM t1')$$),
  run($$SELECT count(*) FROM (SELECT k, sum(v) OVER w AS sv FROM (SELECT k, ts, v, 10 / (v - 3) AS bad FROM t1) s
        WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) z$$));

-- ---- an expression raising an error for some rows: PostgreSQL's error; the next call works
SELECT dep('p_err', $$SELECT k, q, sum(v) OVER w AS sv FROM (SELECT k, ts, v, 10 / (v - 3) AS q FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('error_is_pg_jit_' || j, run($$SELECT q FROM p_err(1, 'k0', 1.5, 500, 'x', 3)$$), run($$SELECT 10 / (3::int8 - 3)$$))
  FROM (SELECT j, set_config('feature_ext.jit', j, false) FROM unnest(ARRAY['on', 'off']) j) z;
SELECT chk('after_error', run($$SELECT row(x.*)::text FROM p_err(1, 'k0', 1.5, 500, 'x', 4) x$$),
  run($$SELECT row(k, q, sv)::text FROM (SELECT k, ts, 10 / (v - 3) AS q, sum(v) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS sv
        FROM (SELECT k, ts, v FROM t1 WHERE k = 'k0' UNION ALL SELECT 'k0', 500, 4) t) y WHERE ts = 500$$));
SELECT chk('batch_error_is_pg', run($$SELECT count(*) FROM p_err_batch('SELECT * FROM t1')$$), run($$SELECT 10 / (3::int8 - 3)$$));
-- batch of the other rows = PostgreSQL's window query over them
SELECT chk('batch_equals_pg', run($$SELECT row(x.*)::text FROM p_err_batch('SELECT * FROM t1 WHERE id <> 7') x$$),
  run($$SELECT row(k, q, sv)::text FROM (SELECT k, 10 / (v - 3) AS q, sum(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS sv
        FROM t1 WHERE id <> 7) y$$));
-- training_set: label rows without v = 3; no window function reads q, so the
-- table's stored rows never compute it and a stored row must not fail it
SELECT chk('training_set_stored_rows', run($$SELECT count(*) FROM feature_ext.training_set('p_err', 'SELECT * FROM t1 WHERE id <> 7', NULL::p_err_result) x$$), '(19)');
-- (frfix: a label row that is a row of the table is its own stored copy,
-- counted once, as of its time: PostgreSQL's window query over the table;
-- a request p_err(r.*) for a row already stored counts it twice, so the
-- requests were not the expectation)
SELECT chk('training_set_equals_requests',
  run($$SELECT row(x.*)::text FROM feature_ext.training_set('p_err', 'SELECT * FROM t1 WHERE id > 7', NULL::p_err_result) x$$),
  run($$SELECT row(k, q, sv)::text FROM (SELECT id, k, CASE WHEN id > 7 THEN 10 / (v - 3) END AS q,
        sum(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS sv FROM t1) y WHERE id > 7$$));

-- ---- refusals where the table's stored rows would be read through a computed column
SELECT refused('shadow_partition_key', $$SELECT k, sum(v) OVER w AS sv FROM (SELECT upper(k) AS k, ts, v FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT refused('shadow_order', $$SELECT k, sum(v) OVER w AS sv FROM (SELECT k, ts + 1000 AS ts, v FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- ---- computed columns read by window functions over stored rows: computed
-- per stored row (cs), as PostgreSQL's executor computes the subquery per row
CREATE FUNCTION computed_same(name text, sub text, feats text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text := dep(name, format('SELECT k, %s FROM (%s) s WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)', feats, sub));
BEGIN
  IF r <> 'deployed' THEN RETURN 'BUG ' || name || ': observed ' || r || ' / expected deployed'; END IF;
  RETURN chk(name, run(format('SELECT * FROM %I(99, ''k0'', 1.5, 500, NULL, 4)', name)),
    run(format('SELECT k, %s FROM (%s) s WINDOW w AS (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY ts DESC LIMIT 1',
               feats, replace(sub, 'FROM t1', 'FROM (SELECT * FROM t1 WHERE k = ''k0'' UNION ALL SELECT 99, ''k0'', 1.5::float8, 500::int8, NULL::text, 4::int8) t1'))));
END $$;
SELECT computed_same('shadow_agg_arg', 'SELECT k, ts, v * 2 AS v FROM t1', 'sum(v) OVER w AS sv');
SELECT computed_same('computed_in_filter', 'SELECT k, ts, v, c3f * 2 AS c FROM t1', 'sum(v) FILTER (WHERE c > 2) OVER w AS sv');
SELECT computed_same('computed_in_arg_expr', 'SELECT k, ts, v, id * 2 AS c FROM t1', 'sum(v + c) OVER w AS sv');
SELECT computed_same('computed_lag', 'SELECT k, ts, v, id * 2 AS c FROM t1', 'lag(c) OVER w AS lc');
SELECT computed_same('computed_first_value', 'SELECT k, ts, v, v + 1 AS c FROM t1', 'first_value(c) OVER w AS lc');
SELECT refused('computed_volatile', $$SELECT k, sum(c) OVER w AS sv FROM (SELECT k, ts, v, random() AS c FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT refused('computed_union_with_instance', $$SELECT sum(v) OVER w FROM (select k, int(c3f) as g, timestamp(c7str) as t, v from t1)
  WINDOW w AS (UNION (select k, g, t, v from u3) PARTITION BY g ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- subqueries that are not a projection of the table: refused, never partly honoured
SELECT refused('sub_' || n, format($$SELECT k, c, sum(v) OVER w AS sv FROM (%s) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$, sub))
  FROM (VALUES ('where', 'SELECT k, ts, v, v*2 AS c FROM t1 WHERE v > 3'), ('distinct', 'SELECT DISTINCT k, ts, v, v*2 AS c FROM t1'),
               ('distinct_on', 'SELECT DISTINCT ON (k) k, ts, v, v*2 AS c FROM t1'), ('limit', 'SELECT k, ts, v, v*2 AS c FROM t1 LIMIT 5'),
               ('offset', 'SELECT k, ts, v, v*2 AS c FROM t1 OFFSET 1'), ('order_by', 'SELECT k, ts, v, v*2 AS c FROM t1 ORDER BY ts'),
               ('group_by', 'SELECT k, ts, v, v*2 AS c FROM t1 GROUP BY k, ts, v'), ('aggregate', 'SELECT k, max(ts) AS ts, sum(v) AS v, count(*) AS c FROM t1 GROUP BY k'),
               ('window_fn', 'SELECT k, ts, v, count(*) OVER () AS c FROM t1'), ('srf', 'SELECT k, ts, v, generate_series(1, 2) AS c FROM t1'),
               ('sublink', 'SELECT k, ts, v, (SELECT 1) AS c FROM t1'), ('tablesample', 'SELECT k, ts, v, v*2 AS c FROM t1 TABLESAMPLE SYSTEM (50)'),
               ('for_update', 'SELECT k, ts, v, v*2 AS c FROM t1 FOR UPDATE')) s(n, sub);
SELECT refused('openmldb_sub_' || n, format($$SELECT k, g, sum(v) OVER w AS sv FROM (%s)
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)$$, sub))
  FROM (VALUES ('where', 'select k, int(c3f) as g, ts, v from t1 where v > 3'), ('distinct', 'select distinct k, int(c3f) as g, ts, v from t1'),
               ('limit', 'select k, int(c3f) as g, ts, v from t1 limit 5')) s(n, sub);
-- the refusal of a WHERE names the WHERE, not a ROWS_RANGE type (ts is bigint)
SELECT CASE WHEN r LIKE '%ROWS_RANGE offset needs an order column%'
            THEN 'BUG openmldb_where_message: observed ' || r || ' / expected a refusal naming the subquery''s WHERE (ts is bigint)'
            ELSE 'ok openmldb_where_message' END
  FROM dep('p_refused', $$SELECT k, g, sum(v) OVER w AS sv FROM (select k, int(c3f) as g, ts, v from t1 where v > 3)
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)$$) r;
-- the same name computed twice
SELECT CASE WHEN r LIKE 'ERROR%' THEN 'ok same_name_twice' ELSE 'BUG same_name_twice: observed ' || r || ' / expected refused' END
  FROM dep('p_dup', $$SELECT *, sum(v) OVER w AS sv FROM (SELECT k, ts, v, v * 2 AS a, v * 3 AS a FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) r;

-- ---- union windows (INSTANCE_NOT_IN_WINDOW): computed key, order and aggregate argument, JIT on/off
SELECT dep('p_ua', $$SELECT g, t, c, sum(c) OVER w AS sc, count(c) OVER w AS nc, max(c) OVER w AS mc, sum(v) OVER w AS sv
    FROM (select int(c3f) as g, timestamp(c7str) as t, cast(v as numeric) * 1.5 as c, v from t1)
  WINDOW w AS (UNION (select g, t, c, v from u4) PARTITION BY g ORDER BY t ROWS_RANGE BETWEEN 20s PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$) AS x \gset
SELECT chk('union_computed_jit_' || j || '_' || r.id,
  run(format($$SELECT row(x.*)::text FROM p_ua(%L::int4, %L::text, %L::float8, %L::int8, %L::text, %L::int8) x$$, r.id, r.k, r.c3f, r.ts, r.c7str, r.v)),
  run(format($$SELECT row(g, t, c, sc, nc, mc, sv)::text FROM (SELECT g, t, c, src, sum(c) OVER w AS sc, count(c) OVER w AS nc, max(c) OVER w AS mc, sum(v) OVER w AS sv
      FROM (SELECT CAST(%L::float8 AS int4) AS g, CAST(%L AS timestamp) AS t, CAST(%L::int8 AS numeric) * 1.5 AS c, %L::int8 AS v, 1 AS src
            UNION ALL SELECT g, t, c, v, 0 FROM u4 WHERE g = CAST(%L::float8 AS int4) AND t <= CAST(%L AS timestamp)) a
      WINDOW w AS (ORDER BY t RANGE BETWEEN INTERVAL '20 seconds' PRECEDING AND CURRENT ROW)) b WHERE src = 1$$,
      r.c3f, r.c7str, r.v, r.v, r.c3f, r.c7str)))
  FROM (SELECT j, set_config('feature_ext.jit', j, false) FROM unnest(ARRAY['on', 'off']) j) z,
       (SELECT * FROM t1 WHERE id IN (4, 6, 9, 12) UNION ALL SELECT 99, 'k0', 1.2, 0, '2020-05-29 15:01:00', NULL) r;
-- a plain column renamed: the union table's column of the subquery's name stands for it
-- (OpenMLDB: the union subquery's columns are the main subquery's)
-- (frfix: union tables have the subquery's column types, docs/DEPLOY.md: u7 is
-- u3 with v int4 and id int8 as the subquery's v (t1.id) and id (t1.v); u3,
-- whose v and id have the table's types, is refused with 42804, never read
-- by the table's names)
CREATE TABLE u7 (k text, g int4, t timestamp, v int4, id int8) USING feature_store;
CREATE INDEX ON u7 USING skiplist (g, t);
INSERT INTO u7 SELECT k, g, t, v::int4, id FROM u3;
SELECT dep('p_swap', $$SELECT g, t, id, sum(id) OVER w AS sv, count(*) OVER w AS n
    FROM (select id as v, k, int(c3f) as g, timestamp(c7str) as t, v as id from t1)
  WINDOW w AS (UNION (select k, g, t, v, id from u7) PARTITION BY g ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$) AS x \gset
SELECT chk('renamed_column_union', run($$SELECT sv FROM p_swap(7, 'k0', 1.2, 500, '2020-05-29 15:01:00', 5)$$),
  run($$SELECT sx FROM (SELECT src, sum(id) OVER (ORDER BY t, src ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) sx
        FROM (SELECT TIMESTAMP '2020-05-29 15:01:00' AS t, 5::int8 AS id, 1 AS src
              UNION ALL SELECT t, id, 0 FROM u7 WHERE g = 1 AND t <= '2020-05-29 15:01:00') a) b WHERE src = 1$$));
SELECT chk('renamed_column_union_types', left(dep('p_swap2', $$SELECT g, t, id, sum(id) OVER w AS sv
    FROM (select id as v, k, int(c3f) as g, timestamp(c7str) as t, v as id from t1)
  WINDOW w AS (UNION (select k, g, t, v, id from u3) PARTITION BY g ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$), 11),
  'ERROR 42804');
SELECT CASE WHEN r = 'deployed' THEN 'ok renamed_column_union_plain'
            ELSE 'NOTE renamed_column_union_plain: a renamed column in the union (OpenMLDB form) refused: ' || r END
  FROM dep('p_ren', $$SELECT g, t, x, sum(x) OVER w AS sx FROM (select k, int(c3f) as g, timestamp(c7str) as t, v as x from t1)
  WINDOW w AS (UNION (select k, g, t, v as x from u3) PARTITION BY g ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$) r;

-- ---- time zones and date styles: the caller's, as PostgreSQL's CAST
SELECT dep('p_tz', $$SELECT k, tt, tz, sum(v) OVER w AS sv FROM (SELECT k, ts, v, CAST(c7str AS timestamp) AS tt, CAST(c7str AS timestamptz) AS tz FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SET TimeZone = 'Asia/Shanghai'; SET DateStyle = 'ISO, DMY';
SELECT chk('timezone_datestyle', run($$SELECT tt::text || ' ' || tz::text FROM p_tz(1, 'k0', 1.5, 500, '01/02/2020 10:00:00', 3)$$),
  run($$SELECT CAST('01/02/2020 10:00:00' AS timestamp)::text || ' ' || CAST('01/02/2020 10:00:00' AS timestamptz)::text$$));
SELECT chk('timezone_datestyle_batch', run($$SELECT tt::text || ' ' || tz::text FROM p_tz_batch('SELECT 1::int4, ''k0''::text, 1.5::float8, 500::int8, ''01/02/2020 10:00:00''::text, 3::int8')$$),
  run($$SELECT CAST('01/02/2020 10:00:00' AS timestamp)::text || ' ' || CAST('01/02/2020 10:00:00' AS timestamptz)::text$$));
RESET TimeZone; RESET DateStyle;

-- ---- security: functions bound by OID, the caller's rights
CREATE SCHEMA s1; CREATE SCHEMA s2;
CREATE FUNCTION s1.f(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE FUNCTION s2.f(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 1000';
SET search_path = s1, public;
SELECT dep('public.p_fn', $$SELECT k, fv, who, sum(v) OVER w AS sv FROM (SELECT k, ts, v, f(v) AS fv, current_user::text AS who FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SET search_path = s2, public;
SELECT chk('search_path_at_call', run($$SELECT fv FROM p_fn(1, 'k0', 1.5, 500, 'x', 3)$$), '(6)');
CREATE OR REPLACE FUNCTION s1.f(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 3';
SELECT chk('function_replaced', run($$SELECT fv FROM p_fn(1, 'k0', 1.5, 500, 'x', 3)$$), '(9)');
RESET search_path;
SELECT chk('drop_function_refused', left(try_exec('DROP FUNCTION s1.f(int8)'), 11), 'ERROR 2BP01');
CREATE ROLE rev_fr_alice;
GRANT USAGE ON SCHEMA s1, s2 TO rev_fr_alice; GRANT SELECT ON t1 TO rev_fr_alice;
REVOKE EXECUTE ON FUNCTION s1.f(int8) FROM PUBLIC;
SELECT run($$SELECT count(*) FROM p_fn_batch('SELECT * FROM t1')$$) AS x \gset
SELECT chk('caller_runs_it', run($$SELECT who FROM p_fn(1, 'k0', 1.5, 500, 'x', 3)$$), '(postgres)');
-- the plan made by postgres above, then a role without EXECUTE on s1.f in the same session
SET ROLE rev_fr_alice;
SELECT chk('execute_checked_after_set_role', run($$SELECT fv FROM p_fn(1, 'k0', 1.5, 500, 'x', 3)$$), run($$SELECT s1.f(3)$$));
SELECT chk('execute_checked_after_set_role_batch', run($$SELECT count(*) FROM p_fn_batch('SELECT * FROM t1')$$), run($$SELECT s1.f(3)$$));
RESET ROLE;
-- RLS on the table: refused at deploy
ALTER TABLE t1 ENABLE ROW LEVEL SECURITY;
SELECT refused('rls_table', $$SELECT k, c, sum(v) OVER w AS sv FROM (SELECT k, ts, v, v * 2 AS c FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
ALTER TABLE t1 DISABLE ROW LEVEL SECURITY;

-- ---- redeploy with replace in a session that holds the old plan
SELECT dep('p_rep', $$SELECT k, c, sum(v) OVER w AS sv FROM (SELECT k, ts, v, v * 2 AS c FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT run($$SELECT c FROM p_rep(1, 'k0', 1.5, 500, 'x', 3)$$) AS x \gset
SELECT dep('p_rep', $$SELECT k, c, sum(v) OVER w AS sv FROM (SELECT k, ts, v, v * 10 + id AS c FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$, '{"replace": true}') AS x \gset
SELECT chk('replace_computed', run($$SELECT c FROM p_rep(1, 'k0', 1.5, 500, 'x', 3)$$), '(31)');
SELECT dep('p_rep', $$SELECT k, v AS c, sum(v) OVER w AS sv FROM t1
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$, '{"replace": true}') AS x \gset
SELECT chk('replace_plain', run($$SELECT c FROM p_rep(1, 'k0', 1.5, 500, 'x', 3)$$), '(3)');

-- ---- output expressions over computed columns (compiled by the JIT or not), requests and batch
SELECT dep('p_jo', $$SELECT k, c * 2 + sum(v) OVER w AS e1, c > 10 AS e2, coalesce(c, -1) - count(*) OVER w AS e3, c + 1 AS e4
    FROM (SELECT k, ts, v, v * 3 + id AS c FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('jit_outputs_' || j || '_' || coalesce(r.v::text, 'null'),
  run(format($$SELECT row(x.*)::text FROM p_jo(1, 'k0', 1.5, 500, 'x', %L::int8) x$$, r.v)),
  run(format($$SELECT row(k, c * 2 + sv, c > 10, coalesce(c, -1) - n, c + 1)::text FROM (SELECT k, ts, v * 3 + id AS c,
        sum(v) OVER w AS sv, count(*) OVER w AS n FROM (SELECT k, ts, v, id FROM t1 WHERE k = 'k0' UNION ALL SELECT 'k0', 500, %L::int8, 1) a
        WINDOW w AS (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) b WHERE ts = 500$$, r.v)))
  FROM (SELECT j, set_config('feature_ext.jit', j, false) FROM unnest(ARRAY['on', 'off']) j) z, (VALUES (3::int8), (NULL), (17)) r(v);
SELECT chk('jit_outputs_batch_' || j, run($$SELECT row(x.*)::text FROM p_jo_batch('SELECT * FROM t1') x$$),
  run($$SELECT row(k, c * 2 + sv, c > 10, coalesce(c, -1) - n, c + 1)::text FROM (SELECT k, v * 3 + id AS c,
        sum(v) OVER w AS sv, count(*) OVER w AS n FROM t1 WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) b$$))
  FROM (SELECT j, set_config('feature_ext.jit', j, false) FROM unnest(ARRAY['on', 'off']) j) z;

-- ---- a volatile function: evaluated once per row PostgreSQL evaluates it for
-- (training_set: the label rows; the table's stored rows give it to nothing)
CREATE SEQUENCE sq;
SELECT dep('p_seq', $$SELECT k, n, sum(v) OVER w AS sv FROM (SELECT k, ts, v, nextval('sq') AS n FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('volatile_request', run($$SELECT n FROM p_seq(1, 'k0', 1.25, 500, 'x', 3)$$), '(1)');
SELECT run($$SELECT count(*) FROM feature_ext.training_set('p_seq', 'SELECT * FROM t1 WHERE id < 3', NULL::p_seq_result)$$) AS x \gset
SELECT chk('volatile_training_set_calls', (SELECT (last_value - 1)::text FROM sq), '2');

-- ---- a computed column calling a deployment: refused as any reentry
CREATE FUNCTION reent(int8) RETURNS int8 LANGUAGE sql VOLATILE AS $$ SELECT sv FROM p_jo(1, 'k0', 1.5, 500, 'x', $1) x(k, sv) $$;
SELECT dep('p_reent', $$SELECT k, r, sum(v) OVER w AS sv FROM (SELECT k, ts, v, reent(v) AS r FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('reentry_refused', left(run($$SELECT r FROM p_reent(1, 'k0', 1.5, 500, 'x', 4)$$), 11), 'ERROR 0A000');
SELECT chk('after_reentry', run($$SELECT e4 FROM p_jo(1, 'k0', 1.5, 500, 'x', 3)$$), '(11)');

-- ---- renames: the bound tree follows (in a new session: psql's \c)
SELECT run($$SELECT row(x.*)::text FROM p_ua(9, 'k1', 1.6, 90, '2020-05-29 15:00:45', 2) x$$) AS before_rename \gset
ALTER TABLE t1 RENAME COLUMN c3f TO c3x;
ALTER TABLE t1 RENAME TO t1r;
\c
SET client_min_messages = warning;
SELECT chk('rename_followed', run($$SELECT row(x.*)::text FROM p_ua(9, 'k1', 1.6, 90, '2020-05-29 15:00:45', 2) x$$), :'before_rename');
ALTER TABLE t1r RENAME TO t1;
ALTER TABLE t1 RENAME COLUMN c3x TO c3f;

-- ---- missing tables: PostgreSQL's errors
SELECT chk('missing_' || n, left(dep('p_missing', q), 11), e) FROM (VALUES
  ('sub_table', $$SELECT sum(v) OVER w FROM (select k, int(c3f) as g, ts, v from nosuch9) WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW)$$, 'ERROR 42P01'),
  ('sub_schema', $$SELECT sum(v) OVER w FROM (select k, int(c3f) as g, ts, v from nosuchschema.t1) WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW)$$, 'ERROR 3F000'),
  ('union_table', $$SELECT sum(v) OVER w FROM (select k, int(c3f) as g, timestamp(c7str) as t, v from t1) WINDOW w AS (UNION (select k, g, t, v from nosuch3) PARTITION BY g ORDER BY t ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$, 'ERROR 42P01')) s(n, q, e);

-- ---- an aggregate over a computed column in an INSTANCE_NOT_IN_WINDOW window
-- (allowed, docs/DEPLOY.md) beside another window over the table's rows
SELECT CASE WHEN r <> 'deployed' THEN 'BUG computed_agg_beside_stored_window: observed ' || r ||
              ' / expected deployed (sum(c) is over window w, INSTANCE_NOT_IN_WINDOW, which reads no stored row)'
            ELSE chk('computed_agg_beside_stored_window',
              run($$SELECT row(x.*)::text FROM p_two(9, 'k1', 1.6, 90, '2020-05-29 15:00:45', 2) x$$),
              run($$SELECT row(2, (SELECT (3.0 + sum(c))::float8 FROM u4 WHERE g = 2 AND t BETWEEN '2020-05-29 15:00:25' AND '2020-05-29 15:00:45'),
                        (SELECT 1 + count(*) FROM t1 WHERE k = 'k1' AND ts BETWEEN 70 AND 90))::text$$)) END
  FROM dep('p_two', $$SELECT g, sum(c) OVER w AS sc, count(*) OVER w2 AS n2
    FROM (select k, ts, int(c3f) as g, timestamp(c7str) as t, cast(v as numeric) * 1.5 as c, v from t1)
  WINDOW w AS (UNION (select g, t, c, v from u4) PARTITION BY g ORDER BY t ROWS_RANGE BETWEEN 20s PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW),
         w2 AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)$$) r;

-- ---- expressions as the planner leaves them: default arguments inserted,
-- named arguments in order, COLLATE taken out (PostgreSQL's executor never
-- sees a call without its defaults, a NamedArgExpr or a CollateExpr)
CREATE FUNCTION gdef(a int8, b int8 DEFAULT 10) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT a * 1000 + coalesce(b, -1)';
CREATE FUNCTION gdefp(a int8, b int8 DEFAULT 10) RETURNS int8 LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN a * 1000 + coalesce(b, -1); END';
CREATE FUNCTION hdef(a int8, s text DEFAULT 'abc') RETURNS int LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN a * 1000 + length(s); END';
SELECT dep('p_def_sql', $$SELECT k, x, sum(v) OVER w AS sv FROM (SELECT k, ts, v, gdef(v) AS x FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('computed_default_arg_sql', run($$SELECT x FROM p_def_sql(1, 'k0', 1.5, 200, 'x', 3)$$), run($$SELECT gdef(3)$$));
SELECT dep('p_def_plpgsql', $$SELECT k, x, sum(v) OVER w AS sv FROM (SELECT k, ts, v, gdefp(v) AS x FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('computed_default_arg_plpgsql', run($$SELECT x FROM p_def_plpgsql(1, 'k0', 1.5, 200, 'x', 3)$$), run($$SELECT gdefp(3)$$));
SELECT chk('computed_named_args', coalesce(nullif(dep('p_named', $$SELECT k, x, sum(v) OVER w AS sv FROM (SELECT k, ts, v, gdef(b => 5, a => v) AS x FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$), 'deployed'), run($$SELECT x FROM p_named(1, 'k0', 1.5, 200, 'x', 3)$$)),
  run($$SELECT gdef(b => 5, a => 3)$$));
-- (frfix: u3.id is int4, t1.ts int8: a union column has the type of the
-- column it stands for (42804 otherwise), so u5 with an int8 order column)
CREATE TABLE u5 (k text, id int8, v int8) USING feature_store;
CREATE INDEX ON u5 USING skiplist (k, id);
INSERT INTO u5 SELECT k, id, v FROM u3;
SELECT chk('computed_collate', coalesce(nullif(dep('p_coll', $$SELECT kk, sum(v) OVER w AS sv, count(*) OVER w AS n
    FROM (SELECT k COLLATE "C" AS kk, ts, v FROM t1) s
  WINDOW w AS (PARTITION BY kk, feature_ext.window_union('u5'::regclass, 'k AS kk, id AS ts, v'), feature_ext.instance_not_in_window()
               ORDER BY ts RANGE BETWEEN 50 PRECEDING AND CURRENT ROW)$$), 'deployed'),
  run($$SELECT row(x.*)::text FROM p_coll(1, 'k0', 1.5, 20, 'x', 3) x$$)),
  run($$SELECT row('k0', 3 + sum(v), 1 + count(*))::text FROM u5 WHERE k = 'k0' AND id BETWEEN -30 AND 20$$));
-- (pre-existing, not the FROM subquery's: an output expression's call without its defaults)
SELECT dep('p_def_out', $$SELECT k, hdef(v) AS x, sum(v) OVER w AS sv FROM t1
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('output_default_arg_preexisting', run($$SELECT x FROM p_def_out(1, 'k0', 1.5, 200, 'x', 3)$$), run($$SELECT hdef(3)$$));
-- (the text default in a computed column: called by the shell script in its own session, it may crash the server)
SELECT dep('p_def_text', $$SELECT k, x, sum(v) OVER w AS sv FROM (SELECT k, ts, v, hdef(v) AS x FROM t1) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) AS x \gset
-- (pre-existing: a union table's computed column, window_union's list)
CREATE TABLE u6 (k text, ts int8, v int8) USING feature_store;
CREATE INDEX ON u6 USING skiplist (k, ts);
INSERT INTO u6 SELECT 'k' || (i % 2), i * 10, i FROM generate_series(1, 40) i;
SELECT dep('p_ucd', $$SELECT k, sum(c) OVER w AS sc FROM (SELECT k, ts, v, v * 1 AS c FROM t1) s
  WINDOW w AS (PARTITION BY k, feature_ext.window_union('u6'::regclass, 'k, ts, v, public.gdefp(v) AS c'), feature_ext.instance_not_in_window()
               ORDER BY ts RANGE BETWEEN 50 PRECEDING AND CURRENT ROW)$$) AS x \gset
SELECT chk('union_computed_default_arg_preexisting', run($$SELECT sc FROM p_ucd(1, 'k0', 1.5, 200, 'x', 3)$$),
  run($$SELECT 3 + sum(gdefp(v)) FROM u6 WHERE k = 'k0' AND ts BETWEEN 150 AND 200$$));
