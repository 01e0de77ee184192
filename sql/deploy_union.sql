-- Union windows (SPEC §4.1): a window over the deployment's table and other
-- tables with the same columns (OpenMLDB's WINDOW w AS (UNION t2, t3 ...),
-- INSTANCE_NOT_IN_WINDOW; the PostgreSQL dialect's modifiers
-- feature_ext.window_union(rel) / instance_not_in_window()).  Every request
-- (and <name>_batch() / training_set() row) is compared with PostgreSQL's own
-- window executor over the same rows in
-- the documented tie order (docs/DEPLOY.md, "Union windows"): ascending, at
-- equal order values the last union table's rows first, ..., the first union
-- table's, the main table's, each oldest inserted first, the request last.
SET client_min_messages = warning;
CREATE TABLE ua (k text, v int, ts int8, seq serial, f float8) USING feature_store;
CREATE TABLE ub (k text, v int, ts int8, seq serial, f float8) USING feature_store;
-- uc: the same columns in another order (its payloads differ: the JIT leaves
-- its windows to the interpreter, which must agree)
CREATE TABLE uc (f float8, seq serial, ts int8, v int, k text) USING feature_store;
CREATE INDEX ON ua USING skiplist (k, ts);
CREATE INDEX ON ub USING skiplist (k, ts);
CREATE INDEX ON uc USING skiplist (k, ts);
-- ties inside and across tables, NULLs, and late rows (old times inserted last)
INSERT INTO ua (k, v, ts, f)
SELECT 'k' || (g % 3), CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 101 END, (g / 3) * 10, (g * 7919 % 1000) / 7.0
  FROM generate_series(1, 45) g;
INSERT INTO ub (k, v, ts, f)
SELECT 'k' || (g % 3), (g * 53) % 97, (g / 2) * 10, CASE WHEN g % 5 = 0 THEN NULL ELSE g / 3.0 END
  FROM generate_series(1, 40) g;
INSERT INTO uc (k, v, ts, f)
SELECT 'k' || (g % 2), g * 3, (g / 2) * 15, g FROM generate_series(1, 30) g;
INSERT INTO ua (k, v, ts, f) VALUES ('k0', 1000, 20, 0.5), ('k1', 1001, 60, 0.25);  -- late rows
INSERT INTO ub (k, v, ts, f) VALUES ('k0', 2000, 30, 0.5), ('k0', 2001, 30, 1.5);  -- late rows, tied
CREATE TABLE ureq (k text, v int, ts int8, f float8);
INSERT INTO ureq VALUES ('k0', 5, 150, 1.5), ('k1', NULL, 100, NULL), ('k2', 7, 60, 2), ('k0', 1, 0, -2),
                        ('k9', 3, 50, 0.1), ('k1', 8, 1000, 1e6), ('k0', 2, 30, 3), ('k1', 4, 60, 4);

-- check_union(tables, no_instance, frame, features[, native frame, native
-- features, extra modifiers, native row filter]): deploys `feats` over ua with
-- window w = (PARTITION BY k <modifiers> ORDER BY ts <frame>) and compares
-- each request of ureq with the native window query over the same rows.
CREATE FUNCTION check_union(tabs text[], no_instance bool, frame text, feats text, nframe text DEFAULT NULL,
                            nfeats text DEFAULT NULL, extra text DEFAULT '', nfilter text DEFAULT 'true')
RETURNS TABLE(req text, deployed text, native text, same bool)
LANGUAGE plpgsql AS $f$
DECLARE
  r record; d text; n text; mods text := ''; src text; t text; i int := 0; trs text[]; bat text[];
BEGIN
  FOREACH t IN ARRAY tabs LOOP
    mods := mods || format(', feature_ext.window_union(%L::regclass)', t);
  END LOOP;
  IF no_instance THEN mods := mods || ', feature_ext.instance_not_in_window()'; END IF;
  PERFORM feature_ext.deploy('u_feat', format($q$
    SELECT %s FROM ua WINDOW w AS (PARTITION BY k%s%s ORDER BY ts %s)$q$, feats, mods, extra, frame),
    '{"replace": true}');
  -- the rows of the key up to the request's time; src orders ties
  src := 'SELECT $1 AS k, $2 AS v, $3 AS ts, 2147483647 AS seq, $4 AS f, 0 AS src';
  IF NOT no_instance THEN
    src := src || ' UNION ALL SELECT k, v, ts, seq, f, 1 FROM ua WHERE k = $1 AND ts <= $3';
  END IF;
  FOREACH t IN ARRAY tabs LOOP
    i := i + 1;
    src := src || format(' UNION ALL SELECT k, v, ts, seq, f, %s FROM %I WHERE k = $1 AND ts <= $3', i + 1, t);
  END LOOP;
  -- training_set() over ureq as label rows (as of each row's time): equal to the requests
  EXECUTE $q$SELECT array_agg(row(x.*)::text) FROM feature_ext.training_set('u_feat', 'SELECT * FROM ureq',
             NULL::u_feat_result) x$q$ INTO trs;
  i := 0;
  FOR r IN SELECT * FROM ureq LOOP
    i := i + 1;
    SELECT row(x.*)::text INTO d FROM u_feat(r.k, r.v, r.ts, 0, r.f) x;
    EXECUTE format($q$
      SELECT row(y.*)::text FROM (
        SELECT %s, src
          FROM (SELECT * FROM (%s) u WHERE src = 0 OR (%s) ORDER BY ts, src DESC, seq) x
        WINDOW w AS (ORDER BY ts %s)) y WHERE src = 0$q$, coalesce(nfeats, feats), src, nfilter,
        coalesce(nframe, frame))
      INTO n USING r.k, r.v, r.ts, r.f;
    n := regexp_replace(n, ',0\)$', ')');
    req := format('%s/%s/%s', r.k, r.v, r.ts); deployed := d; native := n;
    same := d IS NOT DISTINCT FROM n AND trs[i] IS NOT DISTINCT FROM n;
    RETURN NEXT;
  END LOOP;
  -- <name>_batch() over ua in insertion order: each row against the rows of
  -- ua before it and the union tables' rows up to its time
  EXECUTE $q$SELECT array_agg(row(x.*)::text) FROM u_feat_batch('SELECT * FROM ua ORDER BY seq') x$q$ INTO bat;
  i := 0;
  FOR r IN SELECT * FROM ua ORDER BY seq LOOP
    i := i + 1;
    EXECUTE format($q$
      SELECT row(y.*)::text FROM (
        SELECT %s, src
          FROM (SELECT * FROM (%s) u WHERE (src = 0 OR (%s)) AND NOT (src = 1 AND seq >= $5) ORDER BY ts, src DESC, seq) x
        WINDOW w AS (ORDER BY ts %s)) y WHERE src = 0$q$, coalesce(nfeats, feats), src, nfilter,
        coalesce(nframe, frame))
      INTO n USING r.k, r.v, r.ts, r.f, r.seq;
    n := regexp_replace(n, ',0\)$', ')');
    req := format('batch %s/%s/%s', r.k, r.v, r.ts); deployed := bat[i]; native := n;
    same := bat[i] IS NOT DISTINCT FROM n;
    RETURN NEXT;
  END LOOP;
END $f$;

CREATE TABLE results (jit text, tabs text, ni bool, frame text, same bool, n int);
CREATE FUNCTION run_checks(jit text) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  feats text := 'sum(v) OVER w AS s, count(*) OVER w AS c, count(v) OVER w AS cv, max(v) OVER w AS mx, '
                'avg(f) OVER w AS af, string_agg(v::text, '','') OVER w AS vs, min(f) OVER w AS mf, '
                'sum(f) FILTER (WHERE v > 20) OVER w AS sg';
  wf text := 'row_number() OVER w AS rn, rank() OVER w AS rk, lag(v) OVER w AS l1, lag(v, 3) OVER w AS l3, '
             'first_value(v) OVER w AS fv, last_value(v) OVER w AS lv, nth_value(v, 2) OVER w AS nv';
  c record;
BEGIN
  PERFORM set_config('feature_ext.jit', jit, false);
  FOR c IN SELECT * FROM (VALUES
      (ARRAY['ub'], false, 'ROWS BETWEEN 3 PRECEDING AND CURRENT ROW'),
      (ARRAY['ub'], false, 'ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW'),
      (ARRAY['ub'], false, 'ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING'),
      (ARRAY['ub'], false, 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW'),
      (ARRAY['ub'], false, 'ROWS BETWEEN 4 PRECEDING AND CURRENT ROW EXCLUDE TIES'),
      (ARRAY['ub'], false, 'RANGE BETWEEN 20 PRECEDING AND CURRENT ROW'),
      (ARRAY['ub'], false, 'RANGE BETWEEN 30 PRECEDING AND CURRENT ROW EXCLUDE GROUP'),
      (ARRAY['ub'], false, 'RANGE BETWEEN 40 PRECEDING AND 10 PRECEDING'),
      (ARRAY['ub'], false, 'GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW'),
      (ARRAY['ub', 'uc'], false, 'ROWS BETWEEN 6 PRECEDING AND CURRENT ROW'),
      (ARRAY['ub', 'uc'], false, 'RANGE BETWEEN 30 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW'),
      (ARRAY['uc', 'ub'], false, 'ROWS BETWEEN 6 PRECEDING AND CURRENT ROW'),
      (ARRAY['ub', 'uc'], true, 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW'),
      (ARRAY['ub'], true, 'RANGE BETWEEN 30 PRECEDING AND CURRENT ROW'),
      (ARRAY[]::text[], true, 'ROWS BETWEEN 3 PRECEDING AND CURRENT ROW')
    ) v(tabs, ni, frame) LOOP
    INSERT INTO results SELECT jit, array_to_string(c.tabs, ','), c.ni, c.frame, bool_and(x.same), count(*)
      FROM check_union(c.tabs, c.ni, c.frame, feats) x;
    INSERT INTO results SELECT jit, array_to_string(c.tabs, ','), c.ni, c.frame || ' (window functions)',
           bool_and(x.same), count(*)
      FROM check_union(c.tabs, c.ni, c.frame, wf) x;
  END LOOP;
  -- MAXSIZE 3 over a RANGE frame: the 3 newest rows of the frame, natively
  -- a ROWS 2 frame filtered to the range (the request is the current row)
  INSERT INTO results SELECT jit, 'ub,uc', false, 'RANGE 40 PRECEDING, MAXSIZE 3', bool_and(x.same), count(*)
    FROM check_union(ARRAY['ub', 'uc'], false, 'RANGE BETWEEN 40 PRECEDING AND CURRENT ROW',
                     'sum(v) OVER w AS s, count(*) OVER w AS c, string_agg(v::text, '','') OVER w AS vs',
                     'ROWS BETWEEN 2 PRECEDING AND CURRENT ROW',
                     'sum(v) FILTER (WHERE ts >= $3 - 40) OVER w AS s, count(*) FILTER (WHERE ts >= $3 - 40) OVER w AS c, '
                     'string_agg(v::text, '','') FILTER (WHERE ts >= $3 - 40) OVER w AS vs',
                     ', feature_ext.maxsize(3)') x;
  -- EXCLUDE CURRENT_TIME on a ROWS frame: stored rows of the request's time
  -- (of every table) are dropped before the rows are counted
  INSERT INTO results SELECT jit, 'ub', false, 'ROWS 3 PRECEDING, exclude_current_time()', bool_and(x.same), count(*)
    FROM check_union(ARRAY['ub'], false, 'ROWS BETWEEN 3 PRECEDING AND CURRENT ROW', feats, NULL, NULL,
                     ', feature_ext.exclude_current_time()', 'ts < $3') x;
END $f$;

SELECT run_checks('off');
SELECT run_checks('on');
SELECT tabs, ni AS instance_not_in_window, frame, bool_and(same) AS all_same, sum(n) AS requests
  FROM results GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- JIT on and off give the same answers (each equals the executor's): what ran compiled
SELECT feature_ext.deploy('u_jit', $$SELECT sum(v) OVER w AS s, count(*) OVER w AS c, max(v) OVER w AS m
  FROM ua WINDOW w AS (PARTITION BY k, feature_ext.window_union('ub'::regclass) ORDER BY ts
  ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT line FROM regexp_split_to_table(feature_ext.explain('u_jit', false), '\n') line
 WHERE line ~ 'union window|aggregates compile';
SET feature_ext.jit = on;
SELECT * FROM u_jit('k0', 1, 150, 0, 1.5);
SET feature_ext.jit = off;
SELECT * FROM u_jit('k0', 1, 150, 0, 1.5);
-- What is compared, for one window (deployed = native).
SELECT req, deployed FROM check_union(ARRAY['ub', 'uc'], false, 'ROWS BETWEEN 4 PRECEDING AND CURRENT ROW',
  'string_agg(v::text, '','') OVER w AS vs, sum(f) OVER w AS sf') ORDER BY 1;
SELECT req, deployed, native FROM check_union(ARRAY['ub', 'uc'], false, 'ROWS BETWEEN 4 PRECEDING AND CURRENT ROW',
  'string_agg(v::text, '','') OVER w AS vs, sum(f) OVER w AS sf') WHERE NOT same;

-- The PostgreSQL dialect: a window over a UNION ALL subquery, the
-- deployment's table first.  Compared with PostgreSQL's executor running the
-- same query over the same rows plus the request: with RANGE and GROUPS
-- frames (peer semantics) the answer does not depend on the order of rows of
-- equal time, which PostgreSQL leaves undefined (docs/DEPLOY.md).
CREATE FUNCTION check_union_all(frame text, feats text) RETURNS TABLE(req text, deployed text, native text, same bool)
LANGUAGE plpgsql AS $f$
DECLARE r record; d text; n text;
BEGIN
  PERFORM feature_ext.deploy('ua_all', format($q$
    SELECT %s FROM (SELECT k, v, ts, seq, f FROM ua UNION ALL SELECT k, v, ts, seq, f FROM ub) u
    WINDOW w AS (PARTITION BY k ORDER BY ts %s)$q$, feats, frame), '{"replace": true}');
  FOR r IN SELECT * FROM ureq LOOP
    SELECT row(x.*)::text INTO d FROM ua_all(r.k, r.v, r.ts, 0, r.f) x;
    EXECUTE format($q$
      SELECT row(y.*)::text FROM (
        SELECT %s, seq = -1 AS is_req
          FROM (SELECT k, v, ts, seq, f FROM ua WHERE ts <= $3 UNION ALL SELECT k, v, ts, seq, f FROM ub WHERE ts <= $3
                UNION ALL SELECT $1, $2, $3, -1, $4) u
        WINDOW w AS (PARTITION BY k ORDER BY ts %s)) y WHERE is_req$q$, feats, frame)
      INTO n USING r.k, r.v, r.ts, r.f;
    n := regexp_replace(n, ',t\)$', ')');
    req := format('%s/%s/%s', r.k, r.v, r.ts); deployed := d; native := n; same := d IS NOT DISTINCT FROM n;
    RETURN NEXT;
  END LOOP;
END $f$;
SELECT frame, jit, bool_and(same) AS all_same, count(*) FROM (VALUES
  ('RANGE BETWEEN 20 PRECEDING AND CURRENT ROW'), ('RANGE BETWEEN 30 PRECEDING AND 10 PRECEDING'),
  ('RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP'), ('GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW'),
  ('RANGE BETWEEN 30 PRECEDING AND CURRENT ROW EXCLUDE TIES')) fr(frame),
  (VALUES ('on'), ('off')) j(jit),
  LATERAL (SELECT set_config('feature_ext.jit', jit, false)) s,
  LATERAL check_union_all(frame, 'sum(v) OVER w AS s, count(*) OVER w AS c, count(f) OVER w AS cf, '
                                 'max(v) OVER w AS mx, min(f) OVER w AS mn, rank() OVER w AS rk') x
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT line FROM regexp_split_to_table(feature_ext.explain('ua_all', false), '\n') line
 WHERE line ~ 'bound query|WINDOW w|union window';
-- what a branch may be: plain columns of one table; columns match by
-- position, as in UNION ALL (ub.seq stands for v below), with the same types
\set VERBOSITY terse
SELECT feature_ext.deploy('ubad', $$SELECT sum(v) OVER w FROM (SELECT k, v, ts FROM ua UNION SELECT k, v, ts FROM ub) u
  WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(v) OVER w FROM (SELECT k, v + 1 AS v, ts FROM ua UNION ALL SELECT k, v, ts FROM ub) u
  WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('upos', $$SELECT sum(v) OVER w AS s FROM (SELECT k, v, ts FROM ua UNION ALL SELECT k, seq, ts FROM ub) u
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM upos('k1', 5, 1000, 0, 0);
SELECT sum(v) OVER w AS s FROM (SELECT k, v, ts, 0 AS src, seq FROM ua WHERE k = 'k1' UNION ALL
  SELECT k, seq, ts, 1, seq FROM ub WHERE k = 'k1' UNION ALL SELECT 'k1', 5, 1000, -1, 0 ORDER BY ts, src DESC, seq) u
  WINDOW w AS (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) ORDER BY ts DESC, src LIMIT 1;
SELECT feature_ext.deploy('ubad', $$SELECT sum(v) OVER w FROM (SELECT k, v, ts FROM ua UNION ALL SELECT k, f, ts FROM ub) u
  WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(v) OVER w FROM (SELECT k, v, ts FROM ua UNION ALL SELECT k, v, ts FROM ub WHERE v > 0) u
  WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(v) OVER w FROM (SELECT k, v, ts FROM ua UNION ALL SELECT k, v, ts FROM ua) u
  WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(v) OVER w FROM (SELECT k, v, ts FROM ua UNION ALL SELECT k, v, ts FROM ureq) u
  WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
\set VERBOSITY default

-- The OpenMLDB dialect: OpenMLDB's own example of the tie order
-- (test_window_union.yaml 19-1): at equal times the main table's rows, then
-- t2's, then t3's, each newest inserted first, the request newest of all.
CREATE TABLE t1 (id int, ts timestamp, g int, val int) USING feature_store;
CREATE TABLE t2 (id int, ts timestamp, g int, val int) USING feature_store;
CREATE TABLE t3 (id int, ts timestamp, g int, val int) USING feature_store;
CREATE INDEX ON t1 USING skiplist (g, ts);
CREATE INDEX ON t2 USING skiplist (g, ts);
CREATE INDEX ON t3 USING skiplist (g, ts);
INSERT INTO t2 VALUES (1, 'epoch'::timestamp + interval '88 ms', 111, 999),
  (1, 'epoch'::timestamp + interval '100 ms', 111, 233), (1, 'epoch'::timestamp + interval '100 ms', 111, 200);
INSERT INTO t3 VALUES (1, 'epoch'::timestamp + interval '100 ms', 111, 0), (1, 'epoch'::timestamp + interval '100 ms', 111, 33);
INSERT INTO t1 VALUES (1, 'epoch'::timestamp + interval '100 ms', 111, 21);
SELECT feature_ext.deploy('u19', $$select id, count(val) over w as cnt, max(val) over w as mv, min(val) over w as mi,
  lag(val, 1) over w as l1, lag(val, 2) over w as l2 from t1 window w as (union t2, t3 partition by `g` order by `ts`
  ROWS_RANGE BETWEEN 2s preceding and 0s preceding)$$);
SELECT feature_ext.deploy('u19n', $$select id, count(val) over w as cnt, max(val) over w as mv, min(val) over w as mi,
  lag(val, 1) over w as l1, lag(val, 2) over w as l2, lag(val, 3) over w as l3 from (select * from t1) window w as
  (union (select * from t2), t3 partition by `g` order by `ts` ROWS BETWEEN 3 preceding and 1 preceding INSTANCE_NOT_IN_WINDOW)$$);
SET feature_ext.jit = on;
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
SELECT * FROM u19n(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
SET feature_ext.jit = off;
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
SELECT * FROM u19n(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
-- a query mixing a union window and a plain window
SELECT feature_ext.deploy('umix', $$SELECT sum(val) OVER w AS su, sum(val) OVER p AS sp FROM t1
  WINDOW w AS (UNION t2 PARTITION BY g ORDER BY ts ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW),
         p AS (PARTITION BY g ORDER BY ts ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW)$$);
SELECT * FROM umix(3, 'epoch'::timestamp + interval '100 ms', 111, 1);

-- Refusals.
CREATE TABLE t4 (id int, ts timestamp, g int, val int) USING feature_store;  -- no index
CREATE TABLE t5 (id int, ts timestamp, g int, val bigint) USING feature_store;
CREATE INDEX ON t5 USING skiplist (g, ts);
CREATE TABLE t6 (id int, ts timestamp, g int) USING feature_store;
CREATE INDEX ON t6 USING skiplist (g, ts);
CREATE TABLE t7 (id int, ts timestamp, g int, val int, extra int) USING feature_store;
CREATE INDEX ON t7 USING skiplist (g, ts);
CREATE TABLE t8 (id int, ts timestamp, g int, val int);  -- heap
CREATE TABLE t9 (id int, ts timestamp, g int, val int) USING feature_store;
CREATE INDEX ON t9 USING skiplist (g, ts) WITH (ttl_type = 'latest', ttl_rows = 2);
-- missing index on a union table: named with the exact CREATE INDEX
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION t4 PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
\set VERBOSITY terse
-- other columns (42804), not a feature_store table (42809), its own table,
-- twice the same table, an unknown table, a subquery with an expression (0A000)
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION t5 PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION t6 PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION t7 PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION t8 PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION t1 PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION t2, t2 PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION nosuch PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION (SELECT id, ts, g, bigint(val) AS val FROM t2) PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
-- a column list: each column of the union table stands for the main table's
-- column of its name or alias (OpenMLDB's UNION (SELECT a, b AS c FROM t));
-- unknown, mistyped, repeated and missing columns are named
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION (SELECT id, ts, g, val AS v FROM t2) PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION (SELECT id, ts, g, nosuch AS val FROM t2) PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION (SELECT id, ts, g, id AS val, val AS id FROM t5) PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION (SELECT id, ts, g, val, id AS val FROM t2) PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION (SELECT id, ts, val FROM t2) PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION (SELECT id, ts, g FROM t2) PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$);
SELECT feature_ext.deploy('ucols', $$SELECT sum(val) OVER w AS s, count(*) OVER w AS c FROM t1 WINDOW w AS
  (UNION (SELECT ts, g, id AS val, val AS id FROM t3) PARTITION BY g ORDER BY ts ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW)$$);
SELECT * FROM ucols(2, 'epoch'::timestamp + interval '100 ms', 111, 5);  -- 21 (t1) + 1 + 1 (t3's ids) + 5
-- TTL of a union table's index too short for the window (22023), and the adjust_ttl fix
SELECT feature_ext.deploy('ubad', $$SELECT sum(val) OVER w FROM t1 WINDOW w AS (UNION t9 PARTITION BY g ORDER BY ts ROWS 5 PRECEDING)$$);
\set VERBOSITY default
-- create_index fixes the union table's missing index
SELECT feature_ext.deploy('ufix', $$SELECT sum(val) OVER w AS s FROM t1 WINDOW w AS (UNION t4 PARTITION BY g ORDER BY ts ROWS 2 PRECEDING)$$,
                          '{"create_index": true}');
SELECT indexdef FROM pg_indexes WHERE tablename = 't4';
-- both tables without an index: create_index makes both
CREATE TABLE x1 (k int, ts int8, v int) USING feature_store;
CREATE TABLE x2 (k int, ts int8, v int) USING feature_store;
SELECT feature_ext.deploy('xfix', $$SELECT sum(v) OVER w AS s FROM x1 WINDOW w AS (UNION x2 PARTITION BY k ORDER BY ts ROWS 3 PRECEDING)$$,
                          '{"create_index": true}');
SELECT tablename, indexdef FROM pg_indexes WHERE tablename IN ('x1', 'x2') ORDER BY 1;
INSERT INTO x2 VALUES (1, 5, 7);
-- a union table changed under the deployment: the next call says what differs
ALTER TABLE x2 ADD COLUMN extra int;
SELECT * FROM xfix(1, 10, 5);
ALTER TABLE x2 DROP COLUMN extra;
SELECT * FROM xfix(1, 10, 5);
\set VERBOSITY terse
-- the modifiers outside a deployment
SELECT feature_ext.window_union('t2'::regclass);
SELECT feature_ext.instance_not_in_window();
-- offline: an INSTANCE_NOT_IN_WINDOW window needs the deployment's table's index on its key
CREATE TABLE t10 (id int, ts timestamp, g int, val int) USING feature_store;
SELECT feature_ext.deploy('u10', $$select sum(val) over w as s from t10 window w as (union t2 partition by g order by ts
  rows between 2 preceding and current row instance_not_in_window)$$);
SELECT * FROM u10(1, 'epoch'::timestamp + interval '100 ms', 111, 5);
SELECT * FROM u10_batch();
-- a union table cannot be dropped while a deployment reads it
DROP TABLE t2;
\set VERBOSITY default

-- Union tables are bound by OID: a table of the same name earlier on the
-- caller's search_path is not read, and renaming the union table (or moving
-- it to another schema) keeps the deployment working.
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
CREATE SCHEMA shadow;
CREATE TABLE shadow.t2 (id int, ts timestamp, g int, val int) USING feature_store;
CREATE INDEX ON shadow.t2 USING skiplist (g, ts);
INSERT INTO shadow.t2 VALUES (9, 'epoch'::timestamp + interval '100 ms', 111, 99999);
SET search_path = shadow, public;
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
RESET search_path;
ALTER TABLE t2 RENAME TO t2_renamed;
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
SELECT line FROM regexp_split_to_table(feature_ext.explain('u19', false), '\n') line WHERE line ~ 'union window';
ALTER TABLE t2_renamed RENAME TO t2;
DROP SCHEMA shadow CASCADE;

-- Security: SELECT on every table read, at deploy and at every call; RLS on
-- a union table refused.
CREATE ROLE u_reader;
GRANT SELECT ON t1, t2, t3 TO u_reader;
GRANT USAGE ON SCHEMA feature_ext TO u_reader;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO u_reader;
GRANT CREATE ON SCHEMA public TO u_reader;
SET ROLE u_reader;
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
RESET ROLE;
REVOKE SELECT ON t3 FROM u_reader;
SET ROLE u_reader;
\set VERBOSITY terse
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
SELECT feature_ext.deploy('u19s', $$select sum(val) over w as s from t1 window w as (union t3 partition by g order by ts rows between 2 preceding and current row)$$);
RESET ROLE;
ALTER TABLE t2 ENABLE ROW LEVEL SECURITY;
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);
SELECT feature_ext.deploy('u19r', $$select sum(val) over w as s from t1 window w as (union t2 partition by g order by ts rows between 2 preceding and current row)$$);
ALTER TABLE t2 DISABLE ROW LEVEL SECURITY;
\set VERBOSITY default
SELECT * FROM u19(2, 'epoch'::timestamp + interval '100 ms', 111, 10000);

SELECT feature_ext.undeploy(name) FROM feature_ext.deployments ORDER BY name;
DROP FUNCTION run_checks(text);
DROP FUNCTION check_union_all(text, text);
DROP FUNCTION check_union(text[], bool, text, text, text, text, text, text);
DROP TABLE ua, ub, uc, ureq, results, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, x1, x2;
REVOKE ALL ON SCHEMA feature_ext, public FROM u_reader;
DROP OWNED BY u_reader;
DROP ROLE u_reader;

-- DROP TABLE of a union table with CASCADE drops the deployment's functions
-- and forgets it; its result type goes too (it depends on the deployment's
-- table only), so the deployment's table can then be dropped without CASCADE.
CREATE TABLE lm (k text, v int, ts int8) USING feature_store;
CREATE INDEX ON lm USING skiplist (k, ts);
CREATE TABLE lu (k text, v int, ts int8) USING feature_store;
CREATE INDEX ON lu USING skiplist (k, ts);
SELECT feature_ext.deploy('lz', $$SELECT sum(v) OVER w AS s FROM lm
  WINDOW w AS (PARTITION BY k, feature_ext.window_union('lu'::regclass) ORDER BY ts ROWS 3 PRECEDING)$$);
DROP TABLE lu CASCADE;
SELECT count(*) AS rows_left FROM feature_ext.deployment WHERE name = 'lz';
SELECT to_regtype('lz_result') AS type_left;
DROP TABLE lm;
