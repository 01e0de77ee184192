-- Pre-aggregation of long windows (docs/DEPLOY.md, "Long windows"): inside
-- long frames a request takes the index's block summaries (256 rows each)
-- instead of the rows.  Every answer must equal PostgreSQL's own window
-- executor over the stored rows plus the request row as the last of its
-- peers, with pre-aggregation on and off, JIT on and off, after DELETEs
-- (blocks invalidated, then rebuilt by the GC pass) and under TTLs; and the
-- summaries must really be taken (feature_ext.preagg_stats()).
SET client_min_messages = warning;
CREATE TABLE pa (k text, ts int8, seq serial, a int, b int8, c int2) USING feature_store;
CREATE INDEX pa_k ON pa USING skiplist (k, ts);
-- 12,000 rows on key 'a' (ties: three rows per ts), NULLs, negative and
-- large values (sums beyond 32 bits); a short key 'b'.
INSERT INTO pa (k, ts, a, b, c)
SELECT 'a', (g / 3) * 10,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7919) % 2001 - 1000 END,
       CASE WHEN g % 13 = 0 THEN NULL ELSE (g::int8 * 104729) % 1000000007 * (1 - 2 * (g % 2)) * 1000 END,
       CASE WHEN g % 17 = 0 THEN NULL ELSE ((g * 31) % 65535 - 32767)::int2 END
  FROM generate_series(1, 12000) g;
INSERT INTO pa (k, ts, a, b, c) SELECT 'b', g * 10, g, g, g::int2 FROM generate_series(1, 40) g;
-- Key 'c': 6,000 rows near the types' limits (ties: two rows per ts), in
-- stretches of 1,000 of one sign, so that sum(b) / avg(b) leave and
-- re-enter the int8 range (PostgreSQL's numeric results: 128-bit sums).
INSERT INTO pa (k, ts, a, b, c)
SELECT 'c', (g / 2) * 10,
       CASE WHEN g % 9 = 0 THEN NULL WHEN (g / 1000) % 2 = 0 THEN 2147483647 - g ELSE -2147483648 + g END,
       CASE WHEN g % 7 = 0 THEN NULL WHEN (g / 1000) % 2 = 0 THEN 9223372036854775807 - g
            ELSE -9223372036854775808 + g END,
       CASE WHEN g % 5 = 0 THEN NULL WHEN (g / 1000) % 2 = 0 THEN 32767 - g % 100 ELSE -32768 + g % 100 END::int2
  FROM generate_series(1, 6000) g;
-- The GC pass compacts the keys and builds their block summaries.
SELECT feature_ext.run_gc() >= 0 AS gc;

CREATE TABLE pa_req (k text, ts int8, a int, b int8, c int2);
INSERT INTO pa_req VALUES ('a', 40000, 5, 7, 1),      -- past the newest row
                          ('a', 39990, NULL, -3, 2),  -- on the newest rows' ts (peers)
                          ('a', 25000, 1, NULL, 3),   -- in the middle
                          ('a', 9000, -4, 2, NULL),   -- near the oldest rows
                          ('a', 5, 0, 0, 0),
                          ('b', 1000, 1, 1, 1), ('z', 100, 1, 1, 1),
                          ('c', 30010, 2147483647, 9223372036854775807, 32767),  -- past the newest row
                          ('c', 21000, -5, -9223372036854775808, NULL),          -- on a ts (peers)
                          ('c', 14995, NULL, NULL, -32768);

-- wins: the WINDOW list, %1$s standing for the partition and order.
CREATE FUNCTION check_pa(wins text, tbl text DEFAULT 'pa', feats text DEFAULT
  'count(*) OVER w AS n, count(a) OVER w AS na, sum(a) OVER w AS sa, min(a) OVER w AS mina, '
  'max(a) OVER w AS maxa, count(b) OVER w AS nb, min(b) OVER w AS minb, max(b) OVER w AS maxb, '
  'sum(c) OVER w AS sc, min(c) OVER w AS minc, max(c) OVER w AS maxc, sum(b) OVER w AS sb, '
  'avg(a) OVER w AS ava, avg(b) OVER w AS avb, avg(c) OVER w AS avc',
  native_where text DEFAULT 'true', jits bool[] DEFAULT ARRAY[false], nrows int DEFAULT NULL,
  native_win text DEFAULT NULL)
RETURNS TABLE(req text, preagg bool, jit bool, same bool, deployed text, native text)
LANGUAGE plpgsql AS $f$
DECLARE
  r record;
  d text; n text;
  pre bool; j bool;
BEGIN
  -- PostgreSQL recomputes min/max (and every aggregate under an EXCLUDE)
  -- from scratch for each row whose frame start moves: the native query
  -- gets only the newest nrows rows at or below the request (a ROWS n
  -- frame needs n plus the peers), or a RANGE window's bound in
  -- native_where, so that its cost stays linear.
  IF nrows IS NOT NULL THEN
    native_where := format('%s AND seq IN (SELECT seq FROM %s WHERE k = $1 AND ts <= $2 ORDER BY ts DESC, seq DESC LIMIT %s)',
                           native_where, tbl, nrows);
  END IF;
  -- deploy() compiles when the JIT is on (seconds on this machine): only
  -- for the checks that run it.
  PERFORM set_config('feature_ext.jit', (true = ANY(jits))::text, true);
  PERFORM feature_ext.deploy('pa_feat', format($q$SELECT %s FROM %s WINDOW %s$q$,
                                               feats, tbl, format(wins, 'PARTITION BY k ORDER BY ts')),
                             '{"replace": true}');
  FOR r IN SELECT * FROM pa_req LOOP
    -- Stored rows up to the request's order value in insertion order among
    -- equal values, then the request as the last of its peers.
    EXECUTE format($q$
      SELECT row(y.*)::text FROM (
        SELECT %s, is_req
          FROM (SELECT * FROM (SELECT k, ts, seq, a, b, c, false AS is_req FROM %s
                                WHERE k = $1 AND ts <= $2 AND %s
                               UNION ALL SELECT $1, $2, 2147483647, $3, $4, $5, true) u ORDER BY ts, seq) x
        WINDOW %s) y WHERE is_req$q$, feats, tbl, native_where,
        format(coalesce(native_win, wins), 'ORDER BY ts'))
      INTO n USING r.k, r.ts, r.a, r.b, r.c;
    FOREACH pre IN ARRAY ARRAY[true, false] LOOP
      FOREACH j IN ARRAY jits LOOP
        PERFORM set_config('feature_ext.preaggregate', pre::text, true);
        PERFORM set_config('feature_ext.jit', j::text, true);
        SELECT row(x.*)::text INTO d FROM pa_feat(r.k, r.ts, 0, r.a, r.b, r.c) x;
        -- (the native row ends with is_req, true)
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

-- Frames: ROWS long and unbounded, RANGE with an offset and unbounded,
-- EXCLUDE CURRENT ROW / TIES / GROUP.  Mismatches are listed (none expected).
SELECT 'rows 5000' AS frame, * FROM check_pa('w AS (%1$s ROWS BETWEEN 5000 PRECEDING AND CURRENT ROW)', jits => ARRAY[true, false], nrows => 5010) WHERE NOT same;
SELECT 'rows 1024' AS frame, * FROM check_pa('w AS (%1$s ROWS 1024 PRECEDING)', nrows => 1034) WHERE NOT same;
SELECT 'rows unbounded' AS frame, * FROM check_pa('w AS (%1$s ROWS UNBOUNDED PRECEDING)') WHERE NOT same;
SELECT 'range 20000' AS frame, * FROM check_pa('w AS (%1$s RANGE BETWEEN 20000 PRECEDING AND CURRENT ROW)', native_where => 'ts >= $2 - 20000') WHERE NOT same;
SELECT 'range unbounded' AS frame, * FROM check_pa('w AS (%1$s RANGE UNBOUNDED PRECEDING)') WHERE NOT same;
SELECT 'rows excl' AS frame, * FROM check_pa('w AS (%1$s ROWS 1500 PRECEDING EXCLUDE CURRENT ROW)', nrows => 1500, native_win => :'before_req', feats => 'count(*) OVER w AS n, sum(a) OVER w AS sa, min(b) OVER w AS minb, max(c) OVER w AS maxc, sum(b) OVER w AS sb, avg(c) OVER w AS avc') WHERE NOT same;
SELECT 'range excl ties' AS frame, * FROM check_pa('w AS (%1$s RANGE 5000 PRECEDING EXCLUDE TIES)', native_where => 'ts >= $2 - 5000 AND ts < $2', native_win => :'upto_req', feats => 'count(*) OVER w AS n, sum(c) OVER w AS sc, max(b) OVER w AS maxb, min(a) OVER w AS mina, avg(b) OVER w AS avb, avg(a) OVER w AS ava') WHERE NOT same;
SELECT 'rows excl group' AS frame, * FROM check_pa('w AS (%1$s ROWS 1200 PRECEDING EXCLUDE GROUP)', nrows => 1200, native_where => 'ts < $2', native_win => :'before_req', feats => 'count(*) OVER w AS n, sum(a) OVER w AS sa, count(b) OVER w AS nb, min(c) OVER w AS minc, sum(b) OVER w AS sb, avg(b) OVER w AS avb') WHERE NOT same;
-- Several windows on one index, all long.
SELECT 'two windows' AS frame, * FROM check_pa(
  'w AS (%1$s ROWS 6000 PRECEDING), w2 AS (%1$s RANGE 6000 PRECEDING EXCLUDE CURRENT ROW)', 'pa',
  'count(*) OVER w AS n, sum(a) OVER w AS sa, max(b) OVER w2 AS mb, count(c) OVER w2 AS nc, min(c) OVER w AS mc, '
  'sum(b) OVER w2 AS sb2, avg(b) OVER w AS avb, avg(a) OVER w2 AS ava2',
  nrows => 6010) WHERE NOT same;
INSERT INTO taken VALUES ('long frames', rows_taken());
-- sum(int8) and avg(int2|int4|int8) alone (numeric results from the exact
-- 128-bit sums and counts of the summaries), JIT on and off.
SELECT 'numeric aggregates' AS frame, * FROM check_pa('w AS (%1$s ROWS 3000 PRECEDING)', 'pa',
  'sum(b) OVER w AS sb, avg(a) OVER w AS ava, avg(b) OVER w AS avb, avg(c) OVER w AS avc', jits => ARRAY[true, false],
  nrows => 3010) WHERE NOT same;
SELECT 'numeric range' AS frame, * FROM check_pa('w AS (%1$s RANGE BETWEEN 15000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)', 'pa',
  'sum(b) OVER w AS sb, avg(b) OVER w AS avb, avg(c) OVER w AS avc', native_where => 'ts >= $2 - 15000',
  native_win => :'before_req') WHERE NOT same;
-- The results themselves on key 'c' (sums beyond int8, avg's scale).
SET feature_ext.preaggregate = on;
SELECT feature_ext.deploy('pa_num', $$SELECT sum(b) OVER w AS sb, avg(b) OVER w AS avb, avg(a) OVER w AS ava, avg(c) OVER w AS avc
  FROM pa WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$);
SELECT rows_taken() AS before \gset
SELECT r.ts, x.* FROM pa_req r, LATERAL pa_num(r.k, r.ts, 0, r.a, r.b, r.c) x WHERE r.k = 'c' ORDER BY r.ts;
SELECT rows_taken() - :before AS rows_taken_for_c;
SELECT feature_ext.undeploy('pa_num');
RESET feature_ext.preaggregate;
INSERT INTO taken VALUES ('numeric aggregates', rows_taken());
-- feature_ext's *_where with the condition true (the OpenMLDB dialect's
-- sum / avg / min / max / count) over integer columns: from the summaries'
-- exact sums, counts, min and max; PostgreSQL's window executor runs the
-- same aggregates as the reference.  (Key 'c' is left out: its integer sums
-- leave int4 / int2, an error checked below.)
CREATE TEMP TABLE pa_req_c AS SELECT * FROM pa_req WHERE k = 'c';
DELETE FROM pa_req WHERE k = 'c';
SELECT 'where true' AS frame, * FROM check_pa('w AS (%1$s ROWS 3000 PRECEDING)', 'pa',
  'feature_ext.sum_where(a, true) OVER w AS swa, feature_ext.sum_where(b, true) OVER w AS swb, '
  'feature_ext.avg_where(a, true) OVER w AS awa, feature_ext.avg_where(b, true) OVER w AS awb, '
  'feature_ext.avg_where(c, true) OVER w AS awc, feature_ext.min_where(b, true) OVER w AS mwb, '
  'feature_ext.max_where(c, true) OVER w AS xwc, feature_ext.count_where(a, true) OVER w AS cwa, '
  'feature_ext.count_where(true) OVER w AS cws', jits => ARRAY[true, false], nrows => 3010) WHERE NOT same;
SELECT 'where true range excl' AS frame, * FROM check_pa('w AS (%1$s RANGE 20000 PRECEDING EXCLUDE CURRENT ROW)', 'pa',
  'feature_ext.sum_where(b, true) OVER w AS swb, feature_ext.avg_where(a, true) OVER w AS awa, '
  'feature_ext.min_where(a, true) OVER w AS mwa, feature_ext.count_where(true) OVER w AS cws',
  native_where => 'ts >= $2 - 20000', native_win => :'before_req') WHERE NOT same;
INSERT INTO taken VALUES ('where true', rows_taken());
-- A condition on a column of many values (a: its blocks' per-value maps
-- overflow) reads rows; sql/deploy_preagg_where.sql has the conditions
-- that pre-aggregate.
SELECT 'where cond' AS frame, * FROM check_pa('w AS (%1$s ROWS 3000 PRECEDING)', 'pa',
  'feature_ext.sum_where(b, a > 0) OVER w AS swb, feature_ext.count_where(true) OVER w AS cws', nrows => 3010)
 WHERE NOT same;
INSERT INTO taken VALUES ('where cond', rows_taken());
INSERT INTO pa_req SELECT * FROM pa_req_c;
-- The OpenMLDB dialect's sum / count / min / max / avg of integer columns
-- (translated to the *_where functions with true), pre-aggregated, equal
-- with pre-aggregation off (key 'a': on key 'c' the dialect's sum(b) leaves
-- bigint); sum(c) leaves smallint on key 'a': the same 22003 both ways.
SELECT feature_ext.deploy('pa_om', $$SELECT sum(b) OVER w AS sb, count(a) OVER w AS na, min(a) OVER w AS mina,
  max(b) OVER w AS maxb, avg(a) OVER w AS ava, avg(c) OVER w AS avc FROM `pa`
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4000 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('pa_om_sc', $$SELECT sum(c) OVER w AS sc FROM `pa`
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4000 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.preaggregate = on;
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE om_on AS SELECT r.ts, row(x.*)::text AS got FROM pa_req r, LATERAL pa_om(r.k, r.ts, 0, r.a, r.b, r.c) x WHERE r.k = 'a';
SELECT rows_taken() > :before AS dialect_took_summaries;
SET feature_ext.preaggregate = off;
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE om_off AS SELECT r.ts, row(x.*)::text AS got FROM pa_req r, LATERAL pa_om(r.k, r.ts, 0, r.a, r.b, r.c) x WHERE r.k = 'a';
SELECT rows_taken() = :before AS none_when_off;
RESET feature_ext.preaggregate;
SELECT o.ts, o.got = f.got AS same, o.got FROM om_on o JOIN om_off f USING (ts) ORDER BY o.ts;
SELECT * FROM pa_om_sc('a', 40000, 0, 1, 1, 1::int2);
SET feature_ext.preaggregate = off;
SELECT * FROM pa_om_sc('a', 40000, 0, 1, 1, 1::int2);
RESET feature_ext.preaggregate;
SELECT feature_ext.undeploy('pa_om');
SELECT feature_ext.undeploy('pa_om_sc');
INSERT INTO taken VALUES ('openmldb dialect', rows_taken());
-- A short window on the same index, alone or beside a long one: rows.
SELECT 'rows 100' AS frame, * FROM check_pa('w AS (%1$s ROWS 100 PRECEDING)', nrows => 110) WHERE NOT same;
SELECT 'long and short' AS frame, * FROM check_pa(
  'w AS (%1$s ROWS 6000 PRECEDING), w2 AS (%1$s ROWS 10 PRECEDING)', 'pa',
  'count(*) OVER w AS n, sum(a) OVER w AS sa, sum(a) OVER w2 AS sa2', nrows => 6010) WHERE NOT same;
-- ... and so does an aggregate without summaries (a float sum, an
-- expression; FILTER on a column of many values).
SELECT 'float' AS frame, * FROM check_pa('w AS (%1$s ROWS 5000 PRECEDING)', 'pa',
  'count(*) OVER w AS n, avg(a) OVER w AS av, sum(b) OVER w AS sb, sum(a::float8) OVER w AS sf', nrows => 5010)
 WHERE NOT same;
SELECT 'filter' AS frame, * FROM check_pa('w AS (%1$s ROWS 5000 PRECEDING)', 'pa',
  'count(*) OVER w AS n, sum(b) FILTER (WHERE a > 0) OVER w AS sbf, avg(b / 2) OVER w AS avx', nrows => 5010)
 WHERE NOT same;
INSERT INTO taken VALUES ('short or other aggregates', rows_taken());

-- DELETEs inside blocks: those blocks are read as rows until the next GC
-- pass rebuilds them.
DELETE FROM pa WHERE k = 'a' AND seq % 97 = 0 AND ts BETWEEN 12000 AND 30000;
SELECT 'rows after delete' AS frame, * FROM check_pa('w AS (%1$s ROWS BETWEEN 5000 PRECEDING AND CURRENT ROW)', jits => ARRAY[true, false], nrows => 5010) WHERE NOT same;
SELECT 'range after delete' AS frame, * FROM check_pa('w AS (%1$s RANGE UNBOUNDED PRECEDING)') WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'rows after rebuild' AS frame, * FROM check_pa('w AS (%1$s ROWS BETWEEN 5000 PRECEDING AND CURRENT ROW)', nrows => 5010) WHERE NOT same;
-- Late rows landing inside compacted blocks.
INSERT INTO pa (k, ts, a, b, c) SELECT 'a', g * 1000 + 5, 77, -77, 7 FROM generate_series(5, 35) g;
SELECT 'rows after late rows' AS frame, * FROM check_pa('w AS (%1$s ROWS BETWEEN 5000 PRECEDING AND CURRENT ROW)', nrows => 5010) WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'range after late rows' AS frame, * FROM check_pa('w AS (%1$s RANGE 25000 PRECEDING)', native_where => 'ts >= $2 - 25000') WHERE NOT same;
INSERT INTO taken VALUES ('after changes', rows_taken());

-- MAXSIZE (at most that many newest rows of the frame; PostgreSQL has no
-- such clause): maxsize(2500) over RANGE UNBOUNDED is ROWS 2499 PRECEDING,
-- and with EXCLUDE CURRENT ROW it is ROWS 2500 PRECEDING EXCLUDE CURRENT ROW
-- (both checked against PostgreSQL here, then the pairs compared).
SELECT 'rows 2499' AS frame, * FROM check_pa('w AS (%1$s ROWS 2499 PRECEDING)', nrows => 2510) WHERE NOT same;
SELECT 'rows 2500 excl' AS frame, * FROM check_pa('w AS (%1$s ROWS 2500 PRECEDING EXCLUDE CURRENT ROW)', nrows => 2500, native_win => :'before_req', feats => 'count(*) OVER w AS n, sum(a) OVER w AS sa, min(b) OVER w AS minb, max(c) OVER w AS maxc, sum(b) OVER w AS sb, avg(c) OVER w AS avc') WHERE NOT same;
SELECT feature_ext.deploy('pa_ms', $$
SELECT count(*) OVER w AS n, sum(a) OVER w AS sa, min(b) OVER w AS minb, max(c) OVER w AS maxc,
       sum(b) OVER w AS sb, avg(b) OVER wx AS avbx, count(*) OVER wx AS nx, sum(a) OVER wx AS sax, min(b) OVER wx AS minbx, max(c) OVER wx AS maxcx FROM pa
WINDOW w AS (PARTITION BY k, feature_ext.maxsize(2500) ORDER BY ts RANGE UNBOUNDED PRECEDING),
       wx AS (PARTITION BY k, feature_ext.maxsize(2500) ORDER BY ts RANGE UNBOUNDED PRECEDING EXCLUDE CURRENT ROW)$$);
SELECT feature_ext.deploy('pa_ms_ref', $$
SELECT count(*) OVER w AS n, sum(a) OVER w AS sa, min(b) OVER w AS minb, max(c) OVER w AS maxc,
       sum(b) OVER w AS sb, avg(b) OVER wx AS avbx, count(*) OVER wx AS nx, sum(a) OVER wx AS sax, min(b) OVER wx AS minbx, max(c) OVER wx AS maxcx FROM pa
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2499 PRECEDING),
       wx AS (PARTITION BY k ORDER BY ts ROWS 2500 PRECEDING EXCLUDE CURRENT ROW)$$);
SELECT pre, r.k, r.ts, m.*
  FROM pa_req r, unnest(ARRAY[true, false]) pre,
       LATERAL (SELECT set_config('feature_ext.preaggregate', pre::text, false)) s,
       LATERAL (SELECT row(x.*)::text AS got FROM pa_ms(r.k, r.ts, 0, r.a, r.b, r.c) x) m,
       LATERAL (SELECT row(x.*)::text AS want FROM pa_ms_ref(r.k, r.ts, 0, r.a, r.b, r.c) x) w
 WHERE m.got IS DISTINCT FROM w.want;
RESET feature_ext.preaggregate;
INSERT INTO taken VALUES ('maxsize', rows_taken());

-- None with pre-aggregation off.
SET feature_ext.preaggregate = off;
SELECT rows_taken() AS before \gset
SELECT count(*) AS requests FROM pa_req r, LATERAL pa_ms(r.k, r.ts, 0, r.a, r.b, r.c) x;
SELECT rows_taken() = :before AS none_when_off;
RESET feature_ext.preaggregate;

-- TTL: an event-clock absolute TTL of 30 s on a second table (rows older
-- than the key's newest order value - 30000 ms are invisible at once, and
-- cut by the GC pass inside blocks), then a row limit (latest 7000 rows).
-- (A deployment may not read further back than the index's TTL keeps.)
CREATE TABLE pt (k text, ts int8, seq serial, a int, b int8, c int2) USING feature_store;
CREATE INDEX pt_k ON pt USING skiplist (k, ts) WITH (ttl = '30s', ttl_clock = 'event');
INSERT INTO pt (k, ts, a, b, c) SELECT k, ts, a, b, c FROM pa ORDER BY seq;
-- (the commit may have woken the GC worker, whose pass may cut the rows
-- before or after run_gc(): the index's count of expired rows says a pass did)
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT rows_expired > 0 AS gc_cut_rows FROM feature_ext.index_stats WHERE index_name = 'pt_k'::regclass;
SELECT 'ttl abs' AS frame, * FROM check_pa(wins => 'w AS (%1$s RANGE 30000 PRECEDING)', tbl => 'pt', native_where =>
  'ts >= (SELECT max(ts) FROM pt p2 WHERE p2.k = $1) - 30000') WHERE NOT same;
-- Newer rows move the clock: the cut lands inside compacted blocks.
SELECT rows_expired AS expired_before FROM feature_ext.index_stats WHERE index_name = 'pt_k'::regclass \gset
INSERT INTO pt (k, ts, a, b, c) SELECT 'a', 40000 + g * 10, g, g, 1 FROM generate_series(1, 700) g;
SELECT 'ttl abs moved' AS frame, * FROM check_pa(wins => 'w AS (%1$s ROWS 20000 PRECEDING)', tbl => 'pt', native_where =>
  'ts >= (SELECT max(ts) FROM pt p2 WHERE p2.k = $1) - 30000') WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT rows_expired > :expired_before AS gc_cut_rows FROM feature_ext.index_stats WHERE index_name = 'pt_k'::regclass;
SELECT 'ttl abs after gc' AS frame, * FROM check_pa(wins => 'w AS (%1$s ROWS 9000 PRECEDING)', tbl => 'pt', native_where =>
  'ts >= (SELECT max(ts) FROM pt p2 WHERE p2.k = $1) - 30000', nrows => 9010) WHERE NOT same;
SELECT feature_ext.undeploy('pa_feat');
DROP TABLE pt;
CREATE TABLE pt (k text, ts int8, seq serial, a int, b int8, c int2) USING feature_store;
CREATE INDEX pt_k ON pt USING skiplist (k, ts) WITH (ttl_type = 'latest', ttl_rows = 7000);
INSERT INTO pt (k, ts, a, b, c) SELECT k, ts, a, b, c FROM pa ORDER BY seq;
SELECT feature_ext.run_gc() >= 0 AS gc;
INSERT INTO pt (k, ts, a, b, c) SELECT 'a', 50000 + g * 10, g, g, 1 FROM generate_series(1, 600) g;
SELECT 'ttl latest' AS frame, * FROM check_pa(wins => 'w AS (%1$s ROWS 6900 PRECEDING)', tbl => 'pt', native_where =>
  'seq IN (SELECT seq FROM pt p2 WHERE p2.k = $1 ORDER BY ts DESC, seq DESC LIMIT 7000)', nrows => 6910) WHERE NOT same;
INSERT INTO taken VALUES ('ttl', rows_taken());

-- Summaries were taken at each stage but the short / other-aggregate one.
SELECT at, n - lag(n) OVER (ORDER BY ord) > 0 AS took_summaries
  FROM (SELECT at, n, row_number() OVER () AS ord FROM taken) t ORDER BY ord;

SELECT feature_ext.undeploy('pa_feat');
SELECT feature_ext.undeploy('pa_ms');
SELECT feature_ext.undeploy('pa_ms_ref');
DROP TABLE pa, pa_req, pt, pa_req_c, om_on, om_off;
DROP FUNCTION check_pa(text, text, text, text, bool[], int);
DROP FUNCTION rows_taken();
