-- Adversarial review of branch nw (a FROM subquery with its own window as the
-- deployment's main table).  Each check prints "ok NAME" or
-- "BUG NAME: observed ... / expected ..." (run by review_nw.sh).  The oracle:
-- PostgreSQL's executor running the same nested window query over the
-- table's visible rows plus the request row (src = 1); ROWS windows ordered
-- by (ts, src, seq), seq the insertion order; RANGE / GROUPS windows by ts.
SET client_min_messages = warning;
\set QUIET on
\ir review_lib.sql
CREATE FUNCTION err(q text) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS OR query_canceled THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;

CREATE SEQUENCE ins;
CREATE TABLE t (id int4, k text, g int4, ts int8, v int8, s text, n numeric, seq int4) USING feature_store;
CREATE INDEX t_k ON t USING skiplist (k, ts);
CREATE INDEX t_kg ON t USING skiplist (k, g, ts);
CREATE INDEX t_g ON t USING skiplist (g, ts);
-- ties (ts = (i / 3) * 10), late rows (inserted out of order), NULL values, NULL keys
INSERT INTO t SELECT i, CASE WHEN i % 17 = 0 THEN NULL ELSE 'k' || (i % 3) END, i % 2,
  CASE WHEN i % 5 = 0 THEN abs(((i - 40) / 3) * 10) ELSE (i / 3) * 10 END,
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 13) % 41 - 10 END,
  CASE WHEN i % 6 = 0 THEN NULL ELSE 's' || ((i * 7) % 23) END,
  CASE WHEN i % 4 = 0 THEN NULL ELSE ((i * 11) % 37) / 4.0 END, nextval('ins')
  FROM generate_series(1, 150) i;
CREATE TABLE req (LIKE t);
-- on stored times (peers), between, after every row, before every row, a key without rows
INSERT INTO req SELECT id + 1000, k, (id / 2) % 2, ts + (id % 3) * 5, v, s, n, 100000 + id FROM t WHERE id % 6 = 1 AND k IS NOT NULL;
INSERT INTO req VALUES (2000, 'k0', 0, 100000, 3, 'zz', 1.5, 200000), (2001, 'k9', 1, 50, NULL, NULL, NULL, 200001),
  (2002, 'k1', 1, 0, 7, 'a', 2.5, 200002);
CREATE TABLE req_nullkey (LIKE t);
INSERT INTO req_nullkey VALUES (3000, NULL, 0, 200, 5, 'n', 1, 300000), (3001, NULL, 1, 400, 6, 'm', 2, 300001);
CREATE TABLE req_nullts (LIKE t);
INSERT INTO req_nullts VALUES (4000, 'k1', 0, NULL, 5, 'n', 1, 400000);

CREATE UNLOGGED TABLE a (LIKE t);
ALTER TABLE a ADD COLUMN src int;
-- runcmp: every request of reqq through deployment dep against pgq (over a), JIT on and off
CREATE FUNCTION runcmp(name text, dep text, pgq text, reqq text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE j text; r t; got text; want text; bad text; n int;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, true);
    bad := NULL; n := 0;
    FOR r IN EXECUTE reqq LOOP
      BEGIN
        EXECUTE format('SELECT row(x.*)::text FROM %I($1.id, $1.k, $1.g, $1.ts, $1.v, $1.s, $1.n, $1.seq) x', dep) INTO got USING r;
      EXCEPTION WHEN OTHERS OR query_canceled THEN got := 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
      END;
      TRUNCATE a;
      INSERT INTO a SELECT *, 0 FROM t;
      INSERT INTO a SELECT r.*, 1;
      EXECUTE pgq INTO want;
      n := n + 1;
      IF got IS DISTINCT FROM want AND bad IS NULL THEN
        bad := 'request id ' || r.id || ' got ' || coalesce(got, 'NULL') || ' want ' || coalesce(want, 'NULL');
      END IF;
    END LOOP;
    RETURN NEXT CASE WHEN bad IS NULL THEN 'ok ' || name || '_jit_' || j || ' (' || n || ' requests)'
                     ELSE 'BUG ' || name || '_jit_' || j || ': observed ' || bad || ' / expected PostgreSQL''s executor' END;
  END LOOP;
END $f$;

-- ---- 1. ROWS in and out: text, numeric (by-reference) inner columns, row_number, lag
SELECT feature_ext.deploy('nw_rows', $$
  SELECT id, s2, ms, ns, sum(s2) OVER w AS ss, max(ms) OVER w AS mms, min(ms) OVER w AS nms, sum(ns) OVER w AS sns,
         sum(rn) OVER w AS srn, sum(l2) OVER w AS sl, count(s) OVER w AS cs
    FROM (SELECT id, k, ts, v, s, sum(v) OVER w2 AS s2, max(s) OVER w2 AS ms, sum(n) OVER w2 AS ns,
                 row_number() OVER w2 AS rn, lag(v) OVER w2 AS l2 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_rows 'SELECT row(y.id, y.s2, y.ms, y.ns, y.ss, y.mms, y.nms, y.sns, y.srn, y.sl, y.cs)::text FROM (SELECT x.*, sum(s2) OVER w AS ss, max(ms) OVER w AS mms, min(ms) OVER w AS nms, sum(ns) OVER w AS sns, sum(rn) OVER w AS srn, sum(l2) OVER w AS sl, count(s) OVER w AS cs FROM (SELECT id, k, ts, v, s, src, seq, sum(v) OVER w2 AS s2, max(s) OVER w2 AS ms, sum(n) OVER w2 AS ns, row_number() OVER w2 AS rn, lag(v) OVER w2 AS l2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('rows_text_numeric_rownumber', 'nw_rows', :'q_rows', 'SELECT * FROM req ORDER BY id');
-- a request whose key or order value is NULL is an error (22004), as for every deployment (docs/DEPLOY.md)
SELECT chk('rows_null_key_22004', sqlstate_of($$SELECT * FROM nw_rows(3000, NULL, 0, 200, 5, 'n', 1, 300000)$$), '22004');
SELECT chk('rows_null_ts_22004', sqlstate_of($$SELECT * FROM nw_rows(4000, 'k1', 0, NULL, 5, 'n', 1, 400000)$$), '22004');

-- ---- 2. RANGE in and out: rank / dense_rank, text max, numeric sum (peers take the request's value)
SELECT feature_ext.deploy('nw_rng', $$
  SELECT id, s2, rk, sum(s2) OVER w AS ss, max(ms) OVER w AS mms, sum(ns) OVER w AS sns, sum(rk) OVER w AS srk,
         sum(dr) OVER w AS sdr, count(*) OVER w AS c
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2, max(s) OVER w2 AS ms, sum(n) OVER w2 AS ns,
                 rank() OVER w2 AS rk, dense_rank() OVER w2 AS dr FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_rng 'SELECT row(y.id, y.s2, y.rk, y.ss, y.mms, y.sns, y.srk, y.sdr, y.c)::text FROM (SELECT x.*, sum(s2) OVER w AS ss, max(ms) OVER w AS mms, sum(ns) OVER w AS sns, sum(rk) OVER w AS srk, sum(dr) OVER w AS sdr, count(*) OVER w AS c FROM (SELECT id, k, ts, v, src, sum(v) OVER w2 AS s2, max(s) OVER w2 AS ms, sum(n) OVER w2 AS ns, rank() OVER w2 AS rk, dense_rank() OVER w2 AS dr FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('range_rank_text_numeric', 'nw_rng', :'q_rng', 'SELECT * FROM req ORDER BY id');
SELECT chk('range_null_key_22004', sqlstate_of($$SELECT * FROM nw_rng(3000, NULL, 0, 200, 5, 'n', 1, 300000)$$), '22004');

-- ---- 3. inner partition g (another index: rows of other keys), outer (k, g)
SELECT feature_ext.deploy('nw_g', $$
  SELECT id, s2, sum(s2) OVER w AS ss, max(m2) OVER w AS mm
    FROM (SELECT id, k, g, ts, v, sum(v) OVER w2 AS s2, max(v) OVER w2 AS m2 FROM t
          WINDOW w2 AS (PARTITION BY g ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k, g ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_g 'SELECT row(y.id, y.s2, y.ss, y.mm)::text FROM (SELECT x.*, sum(s2) OVER w AS ss, max(m2) OVER w AS mm FROM (SELECT id, k, g, ts, v, src, seq, sum(v) OVER w2 AS s2, max(v) OVER w2 AS m2 FROM a WINDOW w2 AS (PARTITION BY g ORDER BY ts, src, seq ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k, g ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('inner_partition_g_outer_k_g', 'nw_g', :'q_g', 'SELECT * FROM req ORDER BY id');

-- ---- 4. computed columns on top of the window column (inside and in the outer aggregate's argument)
SELECT feature_ext.deploy('nw_comp', $$
  SELECT id, c2, sum(c2) OVER w AS sc, sum(s2 * 3 - v) OVER w AS se, max(s2 + 1) OVER w AS mx
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 * 2 + v AS c2, sum(v) OVER w2 AS s2 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_comp 'SELECT row(y.id, y.c2, y.sc, y.se, y.mx)::text FROM (SELECT x.*, sum(c2) OVER w AS sc, sum(s2 * 3 - v) OVER w AS se, max(s2 + 1) OVER w AS mx FROM (SELECT id, k, ts, v, src, seq, sum(v) OVER w2 * 2 + v AS c2, sum(v) OVER w2 AS s2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('computed_on_window_column', 'nw_comp', :'q_comp', 'SELECT * FROM req ORDER BY id');

-- ---- 5. first/last/nth_value with EXCLUDE CURRENT ROW inside, EXCLUDE CURRENT ROW outside
SELECT feature_ext.deploy('nw_fv', $$
  SELECT id, fv, lv, nv, sum(fv) OVER w AS sf, sum(lv) OVER w AS sl, sum(nv) OVER w AS sn
    FROM (SELECT id, k, ts, v, first_value(v) OVER w2 AS fv, last_value(v) OVER w2 AS lv, nth_value(v, 2) OVER w2 AS nv FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)$$) \g /dev/null
\set q_fv 'SELECT row(y.id, y.fv, y.lv, y.nv, y.sf, y.sl, y.sn)::text FROM (SELECT x.*, sum(fv) OVER w AS sf, sum(lv) OVER w AS sl, sum(nv) OVER w AS sn FROM (SELECT id, k, ts, v, src, seq, first_value(v) OVER w2 AS fv, last_value(v) OVER w2 AS lv, nth_value(v, 2) OVER w2 AS nv FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('first_last_nth_exclude', 'nw_fv', :'q_fv', 'SELECT * FROM req ORDER BY id');

-- ---- 6. GROUPS inside, RANGE with an end before the row, FILTER inside
SELECT feature_ext.deploy('nw_grp', $$
  SELECT id, s2, p2, f2, sum(s2) OVER w AS ss, sum(p2) OVER w AS sp, sum(f2) OVER w AS sf
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2, sum(v) OVER w3 AS p2, sum(v) FILTER (WHERE v > 0) OVER w3 AS f2 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW),
                 w3 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND 5 PRECEDING)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_grp 'SELECT row(y.id, y.s2, y.p2, y.f2, y.ss, y.sp, y.sf)::text FROM (SELECT x.*, sum(s2) OVER w AS ss, sum(p2) OVER w AS sp, sum(f2) OVER w AS sf FROM (SELECT id, k, ts, v, src, seq, sum(v) OVER w2 AS s2, sum(v) OVER w3 AS p2, sum(v) FILTER (WHERE v > 0) OVER w3 AS f2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW), w3 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND 5 PRECEDING)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('groups_range_end_preceding_filter', 'nw_grp', :'q_grp', 'SELECT * FROM req ORDER BY id');

-- ---- 7. shapes that must be refused or right: WHERE inside the subquery, a subquery over the subquery,
-- outer WHERE on the window column, DISTINCT, an inner ORDER BY expression
SELECT chk('where_inside_subquery', CASE WHEN e LIKE '0A000%' OR e LIKE '42%' THEN 'refused' ELSE e END, 'refused') FROM (SELECT err($$SELECT feature_ext.deploy('nw_wh', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WHERE v > 0 WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$) e) z;
SELECT chk('nested_subquery_over_window', CASE WHEN e LIKE '0A000%' OR e LIKE '42%' THEN 'refused' ELSE e END, 'refused') FROM (SELECT err($$SELECT feature_ext.deploy('nw_nest', 'SELECT id, sum(s3) OVER w AS ss FROM (SELECT id, k, ts, s2 * 2 AS s3 FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$) e) z;
SELECT chk('outer_where_on_window_column', CASE WHEN e LIKE '0A000%' OR e LIKE '42%' THEN 'refused' ELSE e END, 'refused') FROM (SELECT err($$SELECT feature_ext.deploy('nw_ow', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WHERE s2 > 3 WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$) e) z;
SELECT chk('inner_order_by_desc', CASE WHEN e LIKE '0A000%' OR e LIKE '42%' THEN 'refused' ELSE e END, 'refused') FROM (SELECT err($$SELECT feature_ext.deploy('nw_desc', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts DESC ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$) e) z;
SELECT chk('inner_partition_not_in_outer', sqlstate_of($$SELECT feature_ext.deploy('nw_np', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, g, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k, g ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$), '0A000');
SELECT chk('inner_window_in_limit_subquery', CASE WHEN e LIKE '0A000%' OR e LIKE '42%' THEN 'refused' ELSE e END, 'refused') FROM (SELECT err($$SELECT feature_ext.deploy('nw_lim', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) LIMIT 5) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$) e) z;
SELECT chk('inner_distinct_subquery', CASE WHEN e LIKE '0A000%' OR e LIKE '42%' THEN 'refused' ELSE e END, 'refused') FROM (SELECT err($$SELECT feature_ext.deploy('nw_dis', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT DISTINCT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$) e) z;
-- offline (since branch nwoff): batch() answers every source row; training_set() (as_of) over rows not in
-- the table equals the requests against the table (checked against PostgreSQL's executor above)
SELECT chk('batch_answers', (SELECT count(*) FROM nw_rows_batch('SELECT * FROM req'))::text, (SELECT count(*) FROM req)::text);
SELECT chk('training_set_as_of_equals_requests',
  (SELECT count(*) FILTER (WHERE row(x.*)::text IS DISTINCT FROM
            (SELECT row(y.*)::text FROM nw_rows(r.id, r.k, r.g, r.ts, r.v, r.s, r.n, r.seq) y))
     FROM feature_ext.training_set('nw_rows', 'SELECT * FROM req', NULL::nw_rows_result) x JOIN req r USING (id))::text, '0');

-- ---- 8. LAST JOIN after the subquery: (a) a time condition, the joined column in the outputs;
-- (b) on the key only (6-2), the joined column read by the outer window beside s2
CREATE TABLE d (k text, ts int8 NOT NULL, z int8) USING feature_store;
CREATE INDEX ON d USING skiplist (k, ts);
INSERT INTO d SELECT 'k' || (i % 3), i * 7, i FROM generate_series(1, 80) i;
SELECT feature_ext.deploy('nw_lj', $$
  SELECT x.id, x.s2, j.z, sum(x.s2) OVER w AS ss
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
    LEFT JOIN LATERAL (SELECT d.z FROM d WHERE d.k = x.k AND d.ts <= x.ts ORDER BY d.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY x.k ORDER BY x.ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_lj 'SELECT row(y.id, y.s2, y.z, y.ss)::text FROM (SELECT x.id, x.src, x.s2, j.z, sum(x.s2) OVER w AS ss FROM (SELECT id, k, ts, v, src, seq, sum(v) OVER w2 AS s2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x LEFT JOIN LATERAL (SELECT d.z FROM d WHERE d.k = x.k AND d.ts <= x.ts ORDER BY d.ts DESC LIMIT 1) j ON true WINDOW w AS (PARTITION BY x.k ORDER BY x.ts, x.src, x.seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('last_join_time_condition_after_subquery', 'nw_lj', :'q_lj', 'SELECT * FROM req ORDER BY id');
SELECT feature_ext.deploy('nw_lj2', $$
  SELECT x.id, x.s2, j.z, sum(x.s2) OVER w AS ss, sum(j.z) OVER w AS sz
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x
    LEFT JOIN LATERAL (SELECT d.z FROM d WHERE d.k = x.k ORDER BY d.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY x.k ORDER BY x.ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_lj2 'SELECT row(y.id, y.s2, y.z, y.ss, y.sz)::text FROM (SELECT x.id, x.src, x.s2, j.z, sum(x.s2) OVER w AS ss, sum(j.z) OVER w AS sz FROM (SELECT id, k, ts, v, src, seq, sum(v) OVER w2 AS s2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x LEFT JOIN LATERAL (SELECT d.z FROM d WHERE d.k = x.k ORDER BY d.ts DESC LIMIT 1) j ON true WINDOW w AS (PARTITION BY x.k ORDER BY x.ts, x.src, x.seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('last_join_key_after_subquery_range_inner', 'nw_lj2', :'q_lj2', 'SELECT * FROM req ORDER BY id');

-- ---- 9. OpenMLDB dialect: ROWS_RANGE with MAXSIZE outside (and EXCLUDE CURRENT_ROW), backquoted table
SELECT feature_ext.deploy('nw_om', $$
  select id, sum(s2) over w1 as ss, count(s2) over w1 as cs
    from (select id, k, ts, v, sum(`t`.v) over w2 as s2 from `t`
          window w2 as (partition by `t`.k order by `t`.ts rows between 2 preceding and current row)) as x
  window w1 as (partition by x.k order by x.ts rows_range between 100 preceding and current row maxsize 3)$$) \g /dev/null
\set q_om 'WITH x AS (SELECT id, k, ts, src, seq, sum(v) OVER (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s2 FROM a), r AS (SELECT * FROM x WHERE src = 1), f AS (SELECT x.s2 FROM x, r WHERE x.k IS NOT DISTINCT FROM r.k AND x.ts BETWEEN r.ts - 100 AND r.ts ORDER BY x.ts DESC, x.src DESC, x.seq DESC LIMIT 3) SELECT row(r.id, (SELECT sum(s2) FROM f), (SELECT count(s2) FROM f))::text FROM r'
SELECT runcmp('openmldb_maxsize_outer', 'nw_om', :'q_om', 'SELECT * FROM req ORDER BY id');
SELECT feature_ext.deploy('nw_omx', $$
  select id, sum(s2) over w1 as ss, count(s2) over w1 as cs
    from (select id, k, ts, v, sum(v) over w2 as s2 from t
          window w2 as (partition by k order by ts rows between 2 preceding and current row exclude current_row)) as x
  window w1 as (partition by x.k order by x.ts rows_range between 100 preceding and current row exclude current_row)$$) \g /dev/null
\set q_omx 'SELECT row(y.id, y.ss, y.cs)::text FROM (SELECT x.*, sum(s2) OVER w AS ss, count(s2) OVER w AS cs FROM (SELECT id, k, ts, src, seq, sum(v) OVER (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) AS s2 FROM a) x WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 100 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('openmldb_exclude_current_row', 'nw_omx', :'q_omx', 'SELECT * FROM req ORDER BY id');

-- ---- 10. DELETE / UPDATE / late INSERT between calls; an uncommitted DELETE in the caller's transaction
DELETE FROM t WHERE id % 11 = 3;
UPDATE t SET v = v + 100, seq = nextval('ins') WHERE id % 13 = 5;  -- (an updated row is inserted again: last of its peers)
INSERT INTO t SELECT id + 500, k, g, ts, v - 3, s, n, nextval('ins') FROM t WHERE id % 9 = 2;
SELECT runcmp('after_dml_rows', 'nw_rows', :'q_rows', 'SELECT * FROM req ORDER BY id');
SELECT runcmp('after_dml_range', 'nw_rng', :'q_rng', 'SELECT * FROM req ORDER BY id');
SELECT runcmp('after_dml_inner_g', 'nw_g', :'q_g', 'SELECT * FROM req ORDER BY id');
-- the caller's uncommitted DELETE / INSERT: requests read committed rows only (docs/DEPLOY.md, as every
-- deployment), the stored rows' inner windows too: the answers stay the committed ones
CREATE TABLE before_tx AS SELECT r.id, (SELECT row(x.*)::text FROM nw_rows(r.id, r.k, r.g, r.ts, r.v, r.s, r.n, r.seq) x) a1,
  (SELECT row(x.*)::text FROM nw_rng(r.id, r.k, r.g, r.ts, r.v, r.s, r.n, r.seq) x) a2 FROM req r;
BEGIN;
DELETE FROM t WHERE id % 4 = 1;
INSERT INTO t SELECT id + 700, k, g, ts + 1, v * 2, s, n, nextval('ins') FROM t WHERE id % 8 = 2;
SELECT chk('in_transaction_uncommitted_dml', (SELECT min(b.id || ': ' || b.a1 || ' / ' || b.a2) FROM before_tx b JOIN req r USING (id)
  WHERE (SELECT row(x.*)::text FROM nw_rows(r.id, r.k, r.g, r.ts, r.v, r.s, r.n, r.seq) x) IS DISTINCT FROM b.a1
     OR (SELECT row(x.*)::text FROM nw_rng(r.id, r.k, r.g, r.ts, r.v, r.s, r.n, r.seq) x) IS DISTINCT FROM b.a2), NULL);
ROLLBACK;

-- ---- 11. redeploy under the same name with another inner frame (same backend, plan cached)
SELECT feature_ext.undeploy('nw_comp') \g /dev/null
SELECT feature_ext.deploy('nw_comp', $$
  SELECT id, c2, sum(c2) OVER w AS sc, sum(s2 * 3 - v) OVER w AS se, max(s2 + 1) OVER w AS mx
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 * 2 + v AS c2, sum(v) OVER w2 AS s2 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT runcmp('redeploy_same_name', 'nw_comp', replace(:'q_comp', 'ROWS BETWEEN 1 PRECEDING', 'ROWS BETWEEN 4 PRECEDING'), 'SELECT * FROM req ORDER BY id');

-- ---- 12. DROP INDEX the inner window reads (t_g) after calls in this backend
DROP INDEX t_g;
SELECT chk('drop_inner_index', CASE WHEN e ~ '^(42704|55000|0A000|XX000)' AND e NOT LIKE 'XX%' THEN 'error' ELSE e END, 'error')
  FROM (SELECT err($$SELECT * FROM nw_g(1, 'k1', 1, 100, 1, 'a', 1, 1)$$) e) z;

-- ---- 13. TTL: ttl_rows on the index both windows read (rows evicted from the index, still in the heap)
CREATE TABLE tt (id int4, k text, g int4, ts int8, v int8, s text, n numeric, seq int4) USING feature_store;
CREATE INDEX ON tt USING skiplist (k, ts) WITH (ttl_rows = 4, ttl_type = 'latest');
INSERT INTO tt SELECT i, 'k', 0, i * 10, i, NULL, NULL, i FROM generate_series(1, 10) i;
-- refused (22023) even when the index keeps more rows than both frames need (ttl_rows 4, inner ROWS 1, outer ROWS 1:
-- at most 3 rows); a plain window over the same index is accepted; the message must not talk of a LAST JOIN
SELECT chk('ttl_refusal_message_names_last_join', CASE WHEN e ~* 'last join' THEN e ELSE 'no LAST JOIN in the message' END, 'no LAST JOIN in the message')
  FROM (SELECT err($$SELECT feature_ext.deploy('nw_ttl', 'SELECT id, s2, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM tt WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)')$$) e) z;
SELECT 'NOTE ttl_rows=4 inner ROWS 1 / outer ROWS 1: ' || e FROM (SELECT err($$SELECT feature_ext.deploy('nw_ttl', 'SELECT id, s2, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM tt WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)')$$) e) z;
SELECT 'NOTE plain ROWS 3 over the same index: ' || e FROM (SELECT err($$SELECT feature_ext.deploy('nw_ttlp', 'SELECT id, sum(v) OVER w AS sv FROM tt WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)')$$) e) z;

-- ---- 14. grants and row-level security (the inner per-row requests as the outer read)
CREATE ROLE nw_r LOGIN;
GRANT USAGE ON SCHEMA feature_ext TO nw_r;
SET ROLE nw_r;
SELECT chk('no_select_grant', sqlstate_of($$SELECT * FROM nw_rows(1, 'k1', 1, 100, 1, 'a', 1, 1)$$), '42501');
RESET ROLE;
GRANT SELECT ON t TO nw_r;
SET ROLE nw_r;
SELECT chk('select_granted', sqlstate_of($$SELECT * FROM nw_rows(1, 'k1', 1, 100, 1, 'a', 1, 1)$$), 'no error');
RESET ROLE;
SELECT * FROM nw_rows(1, 'k1', 1, 100, 1, 'a', 1, 1) \g /dev/null
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON t FOR SELECT USING (v > 0);
SET ROLE nw_r;
SELECT chk('rls_enabled_after_deploy_cached_plan', CASE WHEN e = 'no error' THEN 'answered (policy not applied)' ELSE 'refused' END, 'refused')
  FROM (SELECT sqlstate_of($$SELECT * FROM nw_rows(1, 'k1', 1, 100, 1, 'a', 1, 1)$$) e) z;
RESET ROLE;
ALTER TABLE t DISABLE ROW LEVEL SECURITY;
DROP POLICY p ON t;

-- ---- 15. refusals (0A000, each claimed in docs/DEPLOY.md), shapes accepted and right, messages
CREATE TABLE refusals (name text, q text);
INSERT INTO refusals VALUES
 ('lead', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, lead(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'),
 ('ntile', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, ntile(2) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'),
 ('unbounded_inner', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'),
 ('following_inner', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'),
 ('exclude_in_range_inner', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'),
 ('exclude_ties_rows_inner', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE TIES)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'),
 ('rows_and_range_in_one_column', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 + sum(v) OVER w3 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), w3 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'),
 ('maxsize_in_rows_range_inner', 'select id, sum(s2) over w as ss from (select id, k, ts, v, sum(v) over w2 as s2 from t window w2 as (partition by k order by ts rows_range between 10 preceding and current row maxsize 2)) x window w as (partition by k order by ts rows between 2 preceding and current row)'),
 ('exclude_current_time_inner', 'select id, sum(s2) over w as ss from (select id, k, ts, v, sum(v) over w2 as s2 from t window w2 as (partition by k order by ts rows between 2 preceding and current row exclude current_time)) x window w as (partition by k order by ts rows between 2 preceding and current row)'),
 ('outer_partition_without_inner_key', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, g, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY g ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'),
 ('outer_order_other_column', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, seq, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)');
CREATE INDEX t_g ON t USING skiplist (g, ts);
CREATE INDEX t_seq ON t USING skiplist (k, seq);
SELECT chk('refused_' || name, sqlstate_of(format('SELECT feature_ext.deploy(%L, %L)', 'nw_ref_' || name, q)), '0A000') FROM refusals ORDER BY name;
-- rank() and sum() over one ROWS inner window: refused with a message about "a RANGE or GROUPS window ...
-- (row_number, lag, first_value ...)", none of which the query has
SELECT chk('refusal_message_rows_window_rank_sum', CASE WHEN e LIKE '%RANGE or GROUPS window%' THEN e ELSE 'a message about this ROWS window' END, 'a message about this ROWS window')
  FROM (SELECT err($$SELECT feature_ext.deploy('nw_rk', 'SELECT id, sum(s2) OVER w AS ss, sum(rk) OVER w AS sr FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2, rank() OVER w2 AS rk FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$) e) z;
-- two inner windows over two partitions (k: ROWS, g: RANGE), outer (k, g); inner and outer ordered by seq
SELECT feature_ext.deploy('nw_two', 'SELECT id, sum(s2) OVER w AS ss, sum(s3) OVER w AS s3s FROM (SELECT id, k, g, ts, v, sum(v) OVER w2 AS s2, max(v) OVER w3 AS s3 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), w3 AS (PARTITION BY g ORDER BY ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k, g ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)') \g /dev/null
SELECT runcmp('two_inner_partitions', 'nw_two', 'SELECT row(y.id, y.ss, y.s3s)::text FROM (SELECT x.*, sum(s2) OVER w AS ss, sum(s3) OVER w AS s3s FROM (SELECT id, k, g, ts, v, src, seq, sum(v) OVER w2 AS s2, max(v) OVER w3 AS s3 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), w3 AS (PARTITION BY g ORDER BY ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k, g ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1', 'SELECT * FROM req ORDER BY id');
SELECT feature_ext.deploy('nw_seq', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, seq, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)') \g /dev/null
SELECT runcmp('ordered_by_seq', 'nw_seq', 'SELECT row(y.id, y.ss)::text FROM (SELECT x.*, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, seq, v, src, sum(v) OVER w2 AS s2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1', 'SELECT * FROM req ORDER BY id');

-- ---- 16. column grants only (v not granted): refused; a renamed column: the same answer; a TTL set on
-- the inner index after deploy: refused at the call as at deploy
CREATE ROLE nw_c LOGIN;
GRANT SELECT (id, k, g, ts) ON t TO nw_c;
SET ROLE nw_c;
SELECT chk('column_grants_without_v', sqlstate_of($$SELECT * FROM nw_rows(1001, 'k1', 0, 105, 3, 'zz', 1.5, 999999)$$), '42501');
RESET ROLE;
CREATE TABLE base_ans AS SELECT (SELECT row(x.*)::text FROM nw_g(1001, 'k1', 0, 105, 3, 'zz', 1.5, 999999) x) a;
ALTER TABLE t RENAME COLUMN v TO vv;
SELECT chk('renamed_column', (SELECT row(x.*)::text FROM nw_g(1001, 'k1', 0, 105, 3, 'zz', 1.5, 999999) x), (SELECT a FROM base_ans));
ALTER TABLE t RENAME COLUMN vv TO v;
ALTER INDEX t_k SET (ttl_rows = 2, ttl_type = 'latest');
SELECT chk('ttl_set_after_deploy', sqlstate_of($$SELECT * FROM nw_rows(1001, 'k1', 0, 105, 3, 'zz', 1.5, 999999)$$), '22023');
ALTER INDEX t_k RESET (ttl_rows, ttl_type);
-- the refusal's hint: deploy with '{"adjust_ttl": true}' -- with the table named as usual (unqualified)
SELECT chk('adjust_ttl_hint_unqualified_table', e, 'no error') FROM (SELECT err($$SELECT feature_ext.deploy('nw_ttl_adj', 'SELECT id, s2, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM tt WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)', '{"adjust_ttl": true}')$$) e) z;
SELECT chk('adjust_ttl_qualified_table', e, 'no error') FROM (SELECT err($$SELECT feature_ext.deploy('nw_ttl_adj2', 'SELECT id, s2, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM public.tt WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)', '{"adjust_ttl": true}')$$) e) z;

-- ---- 17. a plain computed column beside the window column, lag with offset and default inside,
-- an argument expression inside; after UPDATE of the order column, then the GC / compaction pass
SELECT feature_ext.deploy('nw_mix', $$
  SELECT id, d, s2, l3, sum(d) OVER w AS sd, sum(s2) OVER w AS ss, sum(l3) OVER w AS sl, max(s2 - d) OVER w AS md
    FROM (SELECT id, k, ts, v, v * 2 AS d, sum(v * 3 + 1) OVER w2 AS s2, lag(v, 3, -1::int8) OVER w2 AS l3 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_mix 'SELECT row(y.id, y.d, y.s2, y.l3, y.sd, y.ss, y.sl, y.md)::text FROM (SELECT x.*, sum(d) OVER w AS sd, sum(s2) OVER w AS ss, sum(l3) OVER w AS sl, max(s2 - d) OVER w AS md FROM (SELECT id, k, ts, v, src, seq, v * 2 AS d, sum(v * 3 + 1) OVER w2 AS s2, lag(v, 3, -1::int8) OVER w2 AS l3 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('plain_computed_beside_window_lag3', 'nw_mix', :'q_mix', 'SELECT * FROM req ORDER BY id');
UPDATE t SET ts = ts + 15, seq = nextval('ins') WHERE id % 10 = 4;
SELECT runcmp('after_update_order_column', 'nw_mix', :'q_mix', 'SELECT * FROM req ORDER BY id');
SELECT runcmp('after_update_order_column_range', 'nw_rng', :'q_rng', 'SELECT * FROM req ORDER BY id');
SELECT feature_ext.run_gc() \g /dev/null
SELECT runcmp('after_gc_rows', 'nw_rows', :'q_rows', 'SELECT * FROM req ORDER BY id');
SELECT runcmp('after_gc_range', 'nw_rng', :'q_rng', 'SELECT * FROM req ORDER BY id');

-- ---- 18. a timestamp order column: RANGE interval inside, OpenMLDB ROWS_RANGE 1m with MAXSIZE outside
CREATE TABLE tm (id int4, k text, ts timestamp NOT NULL, v int8, seq int4) USING feature_store;
CREATE INDEX ON tm USING skiplist (k, ts);
INSERT INTO tm SELECT i, 'k' || (i % 2), timestamp '2024-01-01' + ((i / 2) * 7) * interval '1 second', (i * 7) % 13 - 3, nextval('ins') FROM generate_series(1, 120) i;
SELECT feature_ext.deploy('nw_tm', $$
  select id, sum(s2) over w1 as ss, max(s2) over w1 as ms
    from (select id, k, ts, v, sum(v) over w2 as s2 from tm
          window w2 as (partition by k order by ts rows_range between 20s preceding and current row)) as x
  window w1 as (partition by x.k order by x.ts rows_range between 1m preceding and current row maxsize 4)$$) \g /dev/null
CREATE TABLE tmreq AS SELECT id + 1000 AS id, k, ts + (id % 3) * interval '3 second' AS ts, v + 1 AS v, 100000 + id AS seq FROM tm WHERE id % 9 = 0;
SELECT chk('timestamp_range_maxsize', (SELECT min(r.id || ': ' || coalesce(g, 'NULL') || ' vs ' || coalesce(w, 'NULL')) FROM tmreq r,
  LATERAL (SELECT (SELECT row(x.*)::text FROM nw_tm(r.id, r.k, r.ts, r.v, r.seq) x) g) gg,
  LATERAL (WITH u AS (SELECT id, k, ts, v, seq, 0 AS src FROM tm WHERE k = r.k UNION ALL SELECT r.id, r.k, r.ts, r.v, r.seq, 1),
                x AS (SELECT u.*, sum(v) OVER (ORDER BY ts RANGE BETWEEN interval '20 seconds' PRECEDING AND CURRENT ROW) AS s2 FROM u),
                f AS (SELECT s2 FROM x WHERE ts BETWEEN r.ts - interval '1 minute' AND r.ts ORDER BY ts DESC, src DESC, seq DESC LIMIT 4)
           SELECT row(r.id, (SELECT sum(s2) FROM f), (SELECT max(s2) FROM f))::text w) ww WHERE g IS DISTINCT FROM w), NULL);

-- ---- 19. a volatile function inside the inner window (argument, FILTER): refused as for computed columns
CREATE SEQUENCE sq;
SELECT chk('volatile_inner_argument', sqlstate_of($$SELECT feature_ext.deploy('nw_vol', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v + nextval(''sq'') * 0) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)')$$), '0A000');
SELECT chk('volatile_inner_filter', sqlstate_of($$SELECT feature_ext.deploy('nw_vol', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k, ts, v, sum(v) FILTER (WHERE random() < 0.5) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)')$$), '0A000');

-- ---- 20. frames ending before the row: inner ROWS 3 PRECEDING AND 1 PRECEDING, outer ROWS 3 .. 1 PRECEDING
-- and an outer GROUPS frame over an inner RANGE column
SELECT feature_ext.deploy('nw_pre', $$
  SELECT id, s2, r2, sum(s2) OVER w AS ss, sum(r2) OVER wg AS sg, count(r2) OVER wg AS cg
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2, sum(v) OVER w3 AS r2 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING),
                 w3 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING),
         wg AS (PARTITION BY k ORDER BY ts GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_pre 'SELECT row(y.id, y.s2, y.r2, y.ss, y.sg, y.cg)::text FROM (SELECT x.*, sum(s2) OVER w AS ss, sum(r2) OVER wg AS sg, count(r2) OVER wg AS cg FROM (SELECT id, k, ts, v, src, seq, sum(v) OVER w2 AS s2, sum(v) OVER w3 AS r2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING), w3 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING), wg AS (PARTITION BY k ORDER BY ts GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('frames_ending_before_row_outer_groups', 'nw_pre', :'q_pre', 'SELECT * FROM req ORDER BY id');

-- ---- 21. columns the inner window alone reads (only in a FILTER, only in lag / first_value): the stored
-- row, as its own inner request row, must carry them
SELECT feature_ext.deploy('nw_only', $$
  SELECT id, sum(f2) OVER w AS sf, max(l2) OVER w AS ml, count(fv) OVER w AS cf
    FROM (SELECT id, k, ts, sum(v) FILTER (WHERE n > 3 OR g = 1) OVER w2 AS f2, lag(s) OVER w2 AS l2, first_value(s) OVER w2 AS fv FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) \g /dev/null
\set q_only 'SELECT row(y.id, y.sf, y.ml, y.cf)::text FROM (SELECT x.*, sum(f2) OVER w AS sf, max(l2) OVER w AS ml, count(fv) OVER w AS cf FROM (SELECT id, k, ts, src, seq, sum(v) FILTER (WHERE n > 3 OR g = 1) OVER w2 AS f2, lag(s) OVER w2 AS l2, first_value(s) OVER w2 AS fv FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src = 1'
SELECT runcmp('columns_only_the_inner_window_reads', 'nw_only', :'q_only', 'SELECT * FROM req ORDER BY id');

-- ---- 22. training_set() answers (offline since branch nwoff); deploy(..., replace) in a backend holding the old plan
SELECT chk('training_set_answers', (SELECT count(*) FROM feature_ext.training_set('nw_rows', 'req', NULL::nw_rows_result))::text,
           (SELECT count(*) FROM req)::text);
SELECT feature_ext.deploy('nw_rows', replace($q$
  SELECT id, s2, ms, ns, sum(s2) OVER w AS ss, max(ms) OVER w AS mms, min(ms) OVER w AS nms, sum(ns) OVER w AS sns,
         sum(rn) OVER w AS srn, sum(l2) OVER w AS sl, count(s) OVER w AS cs
    FROM (SELECT id, k, ts, v, s, sum(v) OVER w2 AS s2, max(s) OVER w2 AS ms, sum(n) OVER w2 AS ns,
                 row_number() OVER w2 AS rn, lag(v) OVER w2 AS l2 FROM t
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$q$, '2 PRECEDING AND CURRENT', '5 PRECEDING AND CURRENT'), '{"replace": true}') \g /dev/null
SELECT runcmp('replace_in_same_backend', 'nw_rows', replace(:'q_rows', 'ROWS BETWEEN 2 PRECEDING', 'ROWS BETWEEN 5 PRECEDING'), 'SELECT * FROM req ORDER BY id');

-- ---- 23. an outer FILTER reading the window column; row-level security on the LAST JOIN's table
SELECT feature_ext.deploy('nw_flt', 'SELECT id, count(*) FILTER (WHERE s2 > 3) OVER w AS c, sum(v) FILTER (WHERE s2 > 0) OVER w AS sv FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)') \g /dev/null
SELECT runcmp('outer_filter_reads_window_column', 'nw_flt', 'SELECT row(y.id, y.c, y.sv)::text FROM (SELECT x.*, count(*) FILTER (WHERE s2 > 3) OVER w AS c, sum(v) FILTER (WHERE s2 > 0) OVER w AS sv FROM (SELECT id, k, ts, v, src, seq, sum(v) OVER w2 AS s2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src = 1', 'SELECT * FROM req ORDER BY id');
GRANT SELECT ON d TO nw_r;
ALTER TABLE d ENABLE ROW LEVEL SECURITY;
CREATE POLICY pd ON d USING (z > 40);
SET ROLE nw_r;
SELECT chk('rls_on_last_join_table', CASE WHEN e = 'no error' THEN 'answered (policy not applied)' ELSE 'refused' END, 'refused')
  FROM (SELECT sqlstate_of($$SELECT * FROM nw_lj(1001, 'k1', 0, 105, 3, 'zz', 1.5, 999999)$$) e) z;
RESET ROLE;
ALTER TABLE d DISABLE ROW LEVEL SECURITY;

-- ---- 24. the subquery renames / swaps the columns (k AS g, g AS k, ts AS tt): the partition check follows
-- the table's columns (refused where the outer PARTITION BY k is the table's g), right where it holds them
SELECT chk('swapped_names_refused', sqlstate_of($$SELECT feature_ext.deploy('nw_sw1', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k AS g, g AS k, ts AS tt, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY tt ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$), '0A000');
SELECT 'NOTE swapped names refusal message: ' || err($$SELECT feature_ext.deploy('nw_sw1', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k AS g, g AS k, ts AS tt, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY tt ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)')$$);
SELECT feature_ext.deploy('nw_sw2', 'SELECT id, sum(s2) OVER w AS ss FROM (SELECT id, k AS g, g AS k, ts AS tt, v, sum(v) OVER w2 AS s2 FROM t WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY g ORDER BY tt ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)') \g /dev/null
SELECT runcmp('swapped_names', 'nw_sw2', 'SELECT row(y.id, y.ss)::text FROM (SELECT x.*, sum(s2) OVER w AS ss FROM (SELECT id, k AS g, g AS k, ts AS tt, v, src, seq, sum(v) OVER w2 AS s2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY g ORDER BY tt, src, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1', 'SELECT * FROM req ORDER BY id');
