-- Pre-aggregation of conditional aggregates in long windows (docs/DEPLOY.md,
-- "Long windows"): feature_ext's *_where with a condition `column <op>
-- integer constant` and PostgreSQL's aggregates with FILTER (WHERE column
-- <op> constant) take the blocks' per-value maps of the condition column
-- (docs/STORAGE.md, "Block summaries") instead of the rows.  Every answer
-- must equal PostgreSQL's own window executor running the same aggregates
-- over the stored rows plus the request row as the last of its peers, with
-- pre-aggregation on and off, JIT on and off, after DELETEs, late rows and
-- TTL cuts; maps that overflow (more distinct values than the bound) read
-- rows; and the summaries must really be taken (feature_ext.preagg_stats()).
SET client_min_messages = warning;
-- c: int2 with 4 values and NULLs; e: int8 with 3 values and NULLs (maps
-- built); d: int4 with 40 values (maps overflow); a, b as in deploy_preagg.
CREATE TABLE pw (k text, ts int8, seq serial, a int, b int8, c int2, d int4, e int8) USING feature_store;
CREATE INDEX pw_k ON pw USING skiplist (k, ts);
INSERT INTO pw (k, ts, a, b, c, d, e)
SELECT 'a', (g / 3) * 10,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7919) % 2001 - 1000 END,
       CASE WHEN g % 13 = 0 THEN NULL ELSE (g::int8 * 104729) % 1000000007 * (1 - 2 * (g % 2)) * 1000 END,
       CASE WHEN g % 19 = 0 THEN NULL ELSE ((g * 7) % 4 - 1)::int2 END,
       (g * 13) % 40,
       CASE WHEN g % 23 = 0 THEN NULL WHEN g % 5 = 0 THEN 5 ELSE g % 2 END
  FROM generate_series(1, 12000) g;
INSERT INTO pw (k, ts, a, b, c, d, e) SELECT 'b', g * 10, g, g, (g % 3)::int2, g, g % 2 FROM generate_series(1, 40) g;
SELECT feature_ext.run_gc() >= 0 AS gc;

CREATE TABLE pw_req (k text, ts int8, a int, b int8, c int2, d int4, e int8);
INSERT INTO pw_req VALUES ('a', 40000, 5, 7, 1, 3, 5),        -- past the newest row
                          ('a', 39990, NULL, -3, 2, 11, 1),   -- on the newest rows' ts (peers)
                          ('a', 25000, 1, NULL, NULL, 20, NULL), -- in the middle, NULL conditions
                          ('a', 9000, -4, 2, 0, 39, 0),       -- near the oldest rows
                          ('a', 5, 0, 0, -1, 0, 5),
                          ('b', 1000, 1, 1, 1, 1, 1), ('z', 100, 1, 1, 1, 1, 1);

-- wins: the WINDOW list, %1$s standing for the partition and order.
CREATE FUNCTION check_pw(wins text, feats text, tbl text DEFAULT 'pw', native_where text DEFAULT 'true',
  jits bool[] DEFAULT ARRAY[false], nrows int DEFAULT NULL,
  native_win text DEFAULT NULL)
RETURNS TABLE(req text, preagg bool, jit bool, same bool, deployed text, native text)
LANGUAGE plpgsql AS $f$
DECLARE
  r record;
  d text; n text;
  pre bool; j bool;
BEGIN
  -- (as check_pa in deploy_preagg.sql: the native query reads only the
  -- newest nrows rows, or a RANGE window's bound, to stay linear)
  IF nrows IS NOT NULL THEN
    native_where := format('%s AND seq IN (SELECT seq FROM %s WHERE k = $1 AND ts <= $2 ORDER BY ts DESC, seq DESC LIMIT %s)',
                           native_where, tbl, nrows);
  END IF;
  PERFORM set_config('feature_ext.jit', (true = ANY(jits))::text, true);
  PERFORM feature_ext.deploy('pw_feat', format($q$SELECT %s FROM %s WINDOW %s$q$,
                                               feats, tbl, format(wins, 'PARTITION BY k ORDER BY ts')),
                             '{"replace": true}');
  FOR r IN SELECT * FROM pw_req LOOP
    EXECUTE format($q$
      SELECT row(y.*)::text FROM (
        SELECT %s, is_req
          FROM (SELECT * FROM (SELECT k, ts, seq, a, b, c, d, e, false AS is_req FROM %s
                                WHERE k = $1 AND ts <= $2 AND %s
                               UNION ALL SELECT $1, $2, 2147483647, $3, $4, $5, $6, $7, true) u ORDER BY ts, seq) x
        WINDOW %s) y WHERE is_req$q$, feats, tbl, native_where,
        format(coalesce(native_win, wins), 'ORDER BY ts'))
      INTO n USING r.k, r.ts, r.a, r.b, r.c, r.d, r.e;
    FOREACH pre IN ARRAY ARRAY[true, false] LOOP
      FOREACH j IN ARRAY jits LOOP
        PERFORM set_config('feature_ext.preaggregate', pre::text, true);
        PERFORM set_config('feature_ext.jit', j::text, true);
        SELECT row(x.*)::text INTO d FROM pw_feat(r.k, r.ts, 0, r.a, r.b, r.c, r.d, r.e) x;
        req := r.k || '@' || r.ts; preagg := pre; jit := j; same := left(d, -1) || ',t)' = n;
        deployed := d; native := n;
        RETURN NEXT;
      END LOOP;
    END LOOP;
  END LOOP;
END $f$;

CREATE FUNCTION rows_taken() RETURNS int8 LANGUAGE sql AS $$SELECT rows_taken FROM feature_ext.preagg_stats()$$;
CREATE TEMP TABLE taken (at text, n int8);
INSERT INTO taken VALUES ('start', rows_taken());

-- Frames with EXCLUDE make PostgreSQL's executor aggregate every row's
-- frame from scratch (quadratic in the rows fed to it).  Only the request's
-- answer is compared, and the request is the last row fed: those checks
-- feed exactly the frame's stored rows (nrows / native_where: peers dropped
-- for EXCLUDE TIES / GROUP) and let the executor aggregate them in the same
-- order over an equivalent frame it computes incrementally: every row up to
-- the request (EXCLUDE TIES, the peers gone) or every row before it
-- (EXCLUDE CURRENT ROW / GROUP).
\set upto_req 'w AS (%1$s ROWS UNBOUNDED PRECEDING)'
\set before_req 'w AS (%1$s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)'

-- *_where with conditions on c (int2) and e (int8; cross-type operators
-- with int4 constants), a constant on either side, every operator.
\set wfeats 'feature_ext.sum_where(a, c > 0) OVER w AS s1, feature_ext.sum_where(b, c = 1) OVER w AS s2, feature_ext.avg_where(a, c <> 0) OVER w AS a1, feature_ext.min_where(b, c >= 1) OVER w AS m1, feature_ext.max_where(a, c < 2) OVER w AS x1, feature_ext.count_where(a, c <= 0) OVER w AS c1, feature_ext.count_where(c = 2) OVER w AS c2, feature_ext.count_where(e = 5) OVER w AS c3, feature_ext.sum_where(b, e <> 1) OVER w AS s3, feature_ext.avg_where(c, e > 0) OVER w AS a2, feature_ext.sum_where(a, 1 < c) OVER w AS s4, feature_ext.max_where(b, 5 <= e) OVER w AS x2, feature_ext.count_where(true) OVER w AS n'
SELECT 'where rows 3000' AS frame, * FROM check_pw('w AS (%1$s ROWS 3000 PRECEDING)', :'wfeats', jits => ARRAY[true, false], nrows => 3010) WHERE NOT same;
SELECT 'where rows unbounded' AS frame, * FROM check_pw('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'wfeats') WHERE NOT same;
-- (EXCLUDE makes PostgreSQL recompute every frame from scratch: short
-- native inputs, 8000 and 5000 ms of ts = 2,400 and 1,500 rows)
SELECT 'where range excl' AS frame, * FROM check_pw('w AS (%1$s RANGE 8000 PRECEDING EXCLUDE CURRENT ROW)', :'wfeats', native_where => 'ts >= $2 - 8000',
  native_win => :'before_req') WHERE NOT same;
SELECT 'where range unbounded' AS frame, * FROM check_pw('w AS (%1$s RANGE UNBOUNDED PRECEDING)', :'wfeats') WHERE NOT same;
SELECT 'where range excl ties' AS frame, * FROM check_pw('w AS (%1$s RANGE 5000 PRECEDING EXCLUDE TIES)', :'wfeats', native_where => 'ts >= $2 - 5000 AND ts < $2',
  native_win => :'upto_req') WHERE NOT same;
INSERT INTO taken VALUES ('where conditions', rows_taken());
-- PostgreSQL's aggregates with FILTER (WHERE column <op> constant).
\set ffeats 'count(*) FILTER (WHERE c > 0) OVER w AS n1, count(a) FILTER (WHERE e = 5) OVER w AS n2, sum(a) FILTER (WHERE c = 1) OVER w AS s1, sum(b) FILTER (WHERE c >= 0) OVER w AS s2, avg(a) FILTER (WHERE e <> 0) OVER w AS a1, avg(b) FILTER (WHERE c < 1) OVER w AS a2, min(b) FILTER (WHERE e = 1) OVER w AS m1, max(c) FILTER (WHERE c <> 2) OVER w AS x1, sum(c) FILTER (WHERE 0 < e) OVER w AS s3, avg(c) FILTER (WHERE c <= -1) OVER w AS a3, count(*) OVER w AS n, sum(a) OVER w AS sa'
SELECT 'filter rows 3000' AS frame, * FROM check_pw('w AS (%1$s ROWS 3000 PRECEDING)', :'ffeats', jits => ARRAY[true, false], nrows => 3010) WHERE NOT same;
SELECT 'filter range' AS frame, * FROM check_pw('w AS (%1$s RANGE BETWEEN 20000 PRECEDING AND CURRENT ROW)', :'ffeats', native_where => 'ts >= $2 - 20000') WHERE NOT same;
SELECT 'filter rows excl group' AS frame, * FROM check_pw('w AS (%1$s ROWS 1200 PRECEDING EXCLUDE GROUP)', :'ffeats', nrows => 1200,
  native_where => 'ts < $2', native_win => :'before_req') WHERE NOT same;
INSERT INTO taken VALUES ('filter conditions', rows_taken());
-- Two windows, conditional and plain aggregates together.
SELECT 'two windows' AS frame, * FROM check_pw(
  'w AS (%1$s ROWS 6000 PRECEDING), w2 AS (%1$s RANGE 6000 PRECEDING EXCLUDE CURRENT ROW)',
  'feature_ext.sum_where(a, c > 0) OVER w AS s1, count(*) FILTER (WHERE e = 0) OVER w2 AS n2, max(b) OVER w2 AS mb, feature_ext.count_where(c = -1) OVER w2 AS c2',
  nrows => 6010) WHERE NOT same;
INSERT INTO taken VALUES ('two windows', rows_taken());
-- A condition on d, whose blocks hold 40 values (more than the bound of 8
-- per block): no map, the blocks are read as rows (same answers).
SELECT 'overflowed map' AS frame, * FROM check_pw('w AS (%1$s ROWS 3000 PRECEDING)',
  'feature_ext.sum_where(a, d > 10) OVER w AS s1, count(*) FILTER (WHERE d = 3) OVER w AS n1, feature_ext.count_where(true) OVER w AS n', nrows => 3010) WHERE NOT same;
INSERT INTO taken VALUES ('overflowed map', rows_taken());
-- Conditions the maps do not serve read rows: a text or float comparison,
-- two columns, AND, a NULL constant, IS NULL.
SELECT 'other conditions' AS frame, * FROM check_pw('w AS (%1$s ROWS 3000 PRECEDING)',
  'feature_ext.sum_where(a, c > 0 AND e = 1) OVER w AS s1, feature_ext.count_where(c::float8 > 0.5) OVER w AS n1, '
  'feature_ext.sum_where(b, c < e) OVER w AS s2, feature_ext.count_where(c IS NULL) OVER w AS n2, '
  'feature_ext.count_where(c::text = ''1'') OVER w AS n3, count(*) FILTER (WHERE c > NULL::int) OVER w AS n4', nrows => 3010) WHERE NOT same;
INSERT INTO taken VALUES ('other conditions', rows_taken());

-- The OpenMLDB dialect's *_where with integer conditions (count_where(*, c
-- = 1) is count_where(c = 1)): pre-aggregated, equal with it off.
SELECT feature_ext.deploy('pw_om', $$SELECT count_where(*, c = 1) OVER w AS n1, sum_where(b, c > 0) OVER w AS s1,
  avg_where(a, e = 1) OVER w AS a1, min_where(a, c >= 0) OVER w AS m1, max_where(b, e != 5) OVER w AS x1,
  count_where(a, c < 1) OVER w AS n2
  FROM `pw` WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4000 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.preaggregate = on;
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE om_on AS SELECT r.k, r.ts, row(x.*)::text AS got FROM pw_req r, LATERAL pw_om(r.k, r.ts, 0, r.a, r.b, r.c, r.d, r.e) x;
SELECT rows_taken() > :before AS dialect_took_summaries;
SET feature_ext.preaggregate = off;
CREATE TEMP TABLE om_off AS SELECT r.k, r.ts, row(x.*)::text AS got FROM pw_req r, LATERAL pw_om(r.k, r.ts, 0, r.a, r.b, r.c, r.d, r.e) x;
RESET feature_ext.preaggregate;
SELECT o.k, o.ts, o.got = f.got AS same, o.got FROM om_on o JOIN om_off f USING (k, ts) ORDER BY o.k, o.ts;
SELECT feature_ext.undeploy('pw_om');
INSERT INTO taken VALUES ('openmldb dialect', rows_taken());

-- DELETEs inside blocks (read as rows until the GC pass rebuilds them),
-- late rows inside compacted blocks, conditions' values changing.
DELETE FROM pw WHERE k = 'a' AND seq % 97 = 0 AND ts BETWEEN 12000 AND 30000;
SELECT 'where after delete' AS frame, * FROM check_pw('w AS (%1$s ROWS 5000 PRECEDING)', :'wfeats', jits => ARRAY[true, false], nrows => 5010) WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'filter after rebuild' AS frame, * FROM check_pw('w AS (%1$s RANGE UNBOUNDED PRECEDING)', :'ffeats') WHERE NOT same;
INSERT INTO pw (k, ts, a, b, c, d, e) SELECT 'a', g * 1000 + 5, 77, -77, 1, 3, 5 FROM generate_series(5, 35) g;
SELECT 'where after late rows' AS frame, * FROM check_pw('w AS (%1$s ROWS 5000 PRECEDING)', :'wfeats', nrows => 5010) WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'filter after late rows' AS frame, * FROM check_pw('w AS (%1$s RANGE 25000 PRECEDING)', :'ffeats', native_where => 'ts >= $2 - 25000') WHERE NOT same;
INSERT INTO taken VALUES ('after changes', rows_taken());

-- TTL: an event-clock absolute TTL of 30 s, then a row limit.
CREATE TABLE pwt (k text, ts int8, seq serial, a int, b int8, c int2, d int4, e int8) USING feature_store;
CREATE INDEX pwt_k ON pwt USING skiplist (k, ts) WITH (ttl = '30s', ttl_clock = 'event');
INSERT INTO pwt (k, ts, a, b, c, d, e) SELECT k, ts, a, b, c, d, e FROM pw ORDER BY seq;
SELECT feature_ext.run_gc() >= 0 AS gc;
INSERT INTO pwt (k, ts, a, b, c, d, e) SELECT 'a', 40000 + g * 10, g, g, (g % 3)::int2, g, g % 2 FROM generate_series(1, 700) g;
SELECT 'where ttl abs moved' AS frame, * FROM check_pw('w AS (%1$s ROWS 20000 PRECEDING)', :'wfeats', tbl => 'pwt', native_where =>
  'ts >= (SELECT max(ts) FROM pwt p2 WHERE p2.k = $1) - 30000') WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'filter ttl abs after gc' AS frame, * FROM check_pw('w AS (%1$s ROWS 9000 PRECEDING)', :'ffeats', tbl => 'pwt', native_where =>
  'ts >= (SELECT max(ts) FROM pwt p2 WHERE p2.k = $1) - 30000', nrows => 9010) WHERE NOT same;
SELECT feature_ext.undeploy('pw_feat');
DROP TABLE pwt;
CREATE TABLE pwt (k text, ts int8, seq serial, a int, b int8, c int2, d int4, e int8) USING feature_store;
CREATE INDEX pwt_k ON pwt USING skiplist (k, ts) WITH (ttl_type = 'latest', ttl_rows = 7000);
INSERT INTO pwt (k, ts, a, b, c, d, e) SELECT k, ts, a, b, c, d, e FROM pw ORDER BY seq;
SELECT feature_ext.run_gc() >= 0 AS gc;
INSERT INTO pwt (k, ts, a, b, c, d, e) SELECT 'a', 50000 + g * 10, g, g, (g % 3)::int2, g, g % 2 FROM generate_series(1, 600) g;
SELECT 'where ttl latest' AS frame, * FROM check_pw('w AS (%1$s ROWS 6900 PRECEDING)', :'wfeats', tbl => 'pwt', native_where =>
  'seq IN (SELECT seq FROM pwt p2 WHERE p2.k = $1 ORDER BY ts DESC, seq DESC LIMIT 7000)', nrows => 6910) WHERE NOT same;
INSERT INTO taken VALUES ('ttl', rows_taken());

-- Summaries were taken at each stage but where the maps overflowed or the
-- condition is not `column <op> constant`.
SELECT at, n - lag(n) OVER (ORDER BY ord) > 0 AS took_summaries
  FROM (SELECT at, n, row_number() OVER () AS ord FROM taken) t ORDER BY ord;
-- None with pre-aggregation off.
SELECT feature_ext.deploy('pw_off', format($q$SELECT %s FROM pw WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 3000 PRECEDING)$q$, :'wfeats'));
SET feature_ext.preaggregate = off;
SELECT rows_taken() AS before \gset
SELECT count(*) AS requests FROM pw_req r, LATERAL pw_off(r.k, r.ts, 0, r.a, r.b, r.c, r.d, r.e) x;
SELECT rows_taken() = :before AS none_when_off;
RESET feature_ext.preaggregate;
SELECT feature_ext.undeploy('pw_off');

SELECT feature_ext.undeploy('pw_feat');
DROP TABLE pw, pw_req, pwt, om_on, om_off;
DROP FUNCTION check_pw(text, text, text, text, bool[], int);
DROP FUNCTION rows_taken();
