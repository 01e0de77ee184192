-- Pre-aggregation of count_where / min_where / max_where / sum_where /
-- avg_where of a real (float4) column (docs/DEPLOY.md, "Long windows" and
-- "Float sums"): feature_ext's *_where kernels widen each float4 value to
-- double (exact) and order / count as for float8, min / max narrowing the
-- result back (exact), sum_where / avg_where adding exactly (ExactSum),
-- sum_where rounding to double then float4; the blocks summarise the same
-- widened values, and their double sums are taken for sum_where /
-- avg_where only when exact (kFsumExact). Every answer must equal
-- PostgreSQL's own window executor running the same aggregates over the
-- stored rows plus the request row as the last of its peers, with
-- pre-aggregation on and off, JIT on and off, after DELETEs, late rows and
-- a GC rebuild; summaries are taken (and not for blocks whose double sum
-- rounded); under float_sums = 'approximate', within the documented bound.
-- Small on purpose (3,000 + 1,200 + 10,500 + 40,000 rows): seconds.
SET client_min_messages = warning;
-- r: float4 values of a few magnitudes with ties, NULLs, a NaN, +-Infinity,
-- float4's largest and smallest (denormal) values; c: int2 of 4 values
-- and NULLs. Key 'z': only -0 and +0 (stretches of each, across c's
-- entries): of equal extremes the newest is kept.
CREATE TABLE pr (k text, ts int8, seq serial, r real, c int2) USING feature_store;
CREATE INDEX pr_k ON pr USING skiplist (k, ts);
INSERT INTO pr (k, ts, r, c)
SELECT 'a', (g / 3) * 10,
       CASE WHEN g % 17 = 0 THEN NULL
            WHEN g = 700 THEN 'NaN' WHEN g = 1400 THEN 'Infinity' WHEN g = 2100 THEN '-Infinity'
            WHEN g = 900 THEN '3.4028235e38' WHEN g = 1800 THEN '-1e-45'
            ELSE (((g * 7919) % 2001 - 1000) / 7.0)::real * (ARRAY[1e-3, 1, 1e6])[g % 3 + 1]::real END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7) % 4 END
  FROM generate_series(1, 3000) g;
INSERT INTO pr (k, ts, r, c)
SELECT 'z', g * 10, CASE WHEN (g / 100) % 2 = 0 THEN '-0'::real ELSE '0'::real END, g % 2
  FROM generate_series(1, 1200) g;
-- Keys for sum_where / avg_where: 'e' (3,000 values of one modest range:
-- every block's double sum exact), 'm' (float4's largest values, both
-- signs: exact double sums far beyond float4's range, sum_where Infinity),
-- 'd' (denormals and float4's smallest normal: exact), 'w' (three
-- magnitudes, 1e-3 to 1e6, no NaN: blocks whose double sums round).
INSERT INTO pr (k, ts, r, c)
SELECT 'e', (g / 2) * 10, CASE WHEN g % 17 = 0 THEN NULL ELSE (((g * 7919) % 2001 - 1000) / 7.0)::real END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7) % 4 END
  FROM generate_series(1, 3000) g;
INSERT INTO pr (k, ts, r, c)
SELECT 'm', g * 10, CASE WHEN g % 5 = 0 THEN '-3.4028235e38'::real WHEN g % 13 = 0 THEN NULL ELSE '3.4028235e38'::real END, g % 4
  FROM generate_series(1, 1500) g;
INSERT INTO pr (k, ts, r, c)
SELECT 'd', g * 10, CASE WHEN g % 7 = 0 THEN '1.17549435e-38'::real ELSE ((g % 50 - 25) * 1e-45::float8)::real END, g % 4
  FROM generate_series(1, 1500) g;
INSERT INTO pr (k, ts, r, c)
SELECT 'w', (g / 3) * 10, (((g * 7919) % 2001 - 1000) / 7.0)::real * (ARRAY[1e-3, 1, 1e6])[g % 3 + 1]::real,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7) % 4 END
  FROM generate_series(1, 3000) g;
-- 'x': 40,000 rows, so superblocks (64 blocks) too: values near 1 (exact
-- blocks) with, every 60 blocks or so, a stretch of values near 2^-50
-- (those blocks, and every superblock, round): a superblock that is not
-- exact gives way to its blocks one by one.
INSERT INTO pr (k, ts, r, c)
SELECT 'x', g * 10, CASE WHEN (g / 200) % 77 = 5 THEN (2 ^ -50 * (g % 7 + 1))::real ELSE (1 + (g % 1000) * 2 ^ -20)::real END, g % 4
  FROM generate_series(1, 40000) g;
-- 'o': 1,300 values of 1e36, then 200 of 1: float4's running sum passes
-- 3.4e38 (PostgreSQL's sum(real): 22003); the blocks' double sum is beyond
-- float4's range too.
INSERT INTO pr (k, ts, r, c)
SELECT 'o', g * 10, CASE WHEN g <= 1300 THEN 1e36::real ELSE 1::real END, g % 4
  FROM generate_series(1, 1500) g;
-- Two passes: a key whose compaction a pass deferred (memory, a reader in an
-- older epoch) is compacted by the next one (one run in six on a loaded
-- machine took no summaries at all after a single pass; not explained).
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT feature_ext.run_gc() >= 0 AS gc;

CREATE TABLE pr_req (k text, ts int8, r real, c int2);
INSERT INTO pr_req VALUES ('a', 20000, 5, 1), ('a', 9990, NULL, 2), ('a', 4000, '-0', NULL),
                          ('a', 15000, 'NaN', 0), ('z', 12000, '0', 1), ('z', 6050, '-0', 0), ('q', 10, 1, 1);
CREATE TABLE pr_req3 (k text, ts int8, r real, c int2);
INSERT INTO pr_req3 VALUES ('x', 500000, 1, 1), ('x', 200005, NULL, 2), ('x', 399990, '1e-30', 0);
CREATE TABLE pr_req2 (k text, ts int8, r real, c int2);
INSERT INTO pr_req2 VALUES ('e', 20000, 5, 1), ('e', 9990, NULL, 2), ('e', 4000, '-0', NULL), ('e', 12000, 'Infinity', 1),
                           ('m', 20000, '3.4028235e38', 1), ('m', 7000, '-3.4028235e38', 0),
                           ('d', 20000, '1e-45', 1), ('d', 8000, NULL, 3), ('w', 20000, 1.5, 1), ('w', 9000, '1e6', 0),
                           ('a', 20000, 5, 1), ('z', 12000, '0', 1), ('z', 6050, '-0', 0), ('q', 10, 1, 1);

CREATE FUNCTION check_pr(wins text, feats text, native_where text DEFAULT 'true',
  jits bool[] DEFAULT ARRAY[false], nrows int DEFAULT NULL, reqs text DEFAULT 'pr_req')
RETURNS TABLE(req text, preagg bool, jit bool, same bool, deployed text, native text)
LANGUAGE plpgsql AS $f$
DECLARE
  r record;
  d text; n text;
  pre bool; j bool;
BEGIN
  IF nrows IS NOT NULL THEN
    native_where := format('%s AND seq IN (SELECT seq FROM pr WHERE k = $1 AND ts <= $2 ORDER BY ts DESC, seq DESC LIMIT %s)',
                           native_where, nrows);
  END IF;
  PERFORM feature_ext.deploy('pr_feat', format($q$SELECT %s FROM pr WINDOW %s$q$,
                                               feats, format(wins, 'PARTITION BY k ORDER BY ts')),
                             '{"replace": true}');
  FOR r IN EXECUTE format('SELECT * FROM %I', reqs) LOOP
    EXECUTE format($q$
      SELECT row(y.*)::text FROM (
        SELECT %s, is_req
          FROM (SELECT * FROM (SELECT k, ts, seq, r, c, false AS is_req FROM pr
                                WHERE k = $1 AND ts <= $2 AND %s
                               UNION ALL SELECT $1, $2, 2147483647, $3, $4, true) u ORDER BY ts, seq) x
        WINDOW %s) y WHERE is_req$q$, feats, native_where, format(wins, 'ORDER BY ts'))
      INTO n USING r.k, r.ts, r.r, r.c;
    FOREACH pre IN ARRAY ARRAY[true, false] LOOP
      FOREACH j IN ARRAY jits LOOP
        PERFORM set_config('feature_ext.preaggregate', pre::text, true);
        PERFORM set_config('feature_ext.jit', j::text, true);
        SELECT row(x.*)::text INTO d FROM pr_feat(r.k, r.ts, 0, r.r, r.c) x;
        req := r.k || '@' || r.ts; preagg := pre; jit := j; same := left(d, -1) || ',t)' = n;
        deployed := d; native := n;
        RETURN NEXT;
      END LOOP;
    END LOOP;
  END LOOP;
  PERFORM set_config('feature_ext.preaggregate', 'on', true);
  PERFORM set_config('feature_ext.jit', 'on', true);
END $f$;

CREATE FUNCTION rows_taken() RETURNS int8 LANGUAGE sql AS $$SELECT rows_taken FROM feature_ext.preagg_stats()$$;

-- (frames whose head moves or that exclude rows make PostgreSQL's executor
-- restart the aggregates per row: fewer features and rows there)
\set feats3 'feature_ext.count_where(r, c = 1) OVER w AS n1, feature_ext.min_where(r, c <> 2) OVER w AS m1, feature_ext.max_where(r, true) OVER w AS x0'
\set feats 'feature_ext.count_where(r, true) OVER w AS n0, feature_ext.count_where(r, c = 1) OVER w AS n1, feature_ext.min_where(r, true) OVER w AS m0, feature_ext.max_where(r, true) OVER w AS x0, feature_ext.min_where(r, c <> 2) OVER w AS m1, feature_ext.max_where(r, c > 0) OVER w AS x1, feature_ext.min_where(r, 3 = c) OVER w AS m2, feature_ext.max_where(r, c <= 1) OVER w AS x2'
SELECT rows_taken() AS before \gset
SELECT 'rows unbounded' AS frame, * FROM check_pr('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'feats', jits => ARRAY[true, false]) WHERE NOT same;
SELECT 'rows 1024' AS frame, * FROM check_pr('w AS (%1$s ROWS 1024 PRECEDING)', :'feats3', nrows => 1030) WHERE NOT same;
SELECT 'range 3000 excl current row' AS frame, * FROM check_pr('w AS (%1$s RANGE BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)', :'feats3', native_where => 'ts >= $2 - 3000') WHERE NOT same;
SELECT 'range 3500 excl ties' AS frame, * FROM check_pr('w AS (%1$s RANGE BETWEEN 3500 PRECEDING AND CURRENT ROW EXCLUDE TIES)', :'feats3', jits => ARRAY[true, false], native_where => 'ts >= $2 - 3500') WHERE NOT same;
SELECT rows_taken() > :before AS took_summaries;
-- the answers themselves (bit patterns as PostgreSQL prints them: -0, NaN)
SELECT feature_ext.deploy('pr_feat', $$SELECT feature_ext.min_where(r, true) OVER w AS m0, feature_ext.max_where(r, true) OVER w AS x0,
  feature_ext.min_where(r, c = 1) OVER w AS m1, feature_ext.max_where(r, c = 0) OVER w AS x1, feature_ext.count_where(r, c = 1) OVER w AS n1
  FROM pr WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$, '{"replace": true}');
SELECT q.k, q.ts, x.* FROM pr_req q, LATERAL pr_feat(q.k, q.ts, 0, q.r, q.c) x ORDER BY q.k, q.ts;

-- sum_where / avg_where of a real (the OpenMLDB dialect's sum / avg of a
-- float): blocks whose double sum is exact, by default; bit-identical.
\set sfeats 'feature_ext.sum_where(r, true) OVER w AS s0, feature_ext.avg_where(r, true) OVER w AS a0, feature_ext.sum_where(r, c = 1) OVER w AS s1, feature_ext.avg_where(r, c <> 2) OVER w AS a2, feature_ext.sum_where(r, c > 0) OVER w AS s3, feature_ext.count_where(r, c = 1) OVER w AS n1'
\set sfeats3 'feature_ext.sum_where(r, true) OVER w AS s0, feature_ext.avg_where(r, c = 1) OVER w AS a1, feature_ext.sum_where(r, 2 >= c) OVER w AS s2'
SELECT rows_taken() AS before \gset
SELECT 'sums rows unbounded' AS frame, * FROM check_pr('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'sfeats', jits => ARRAY[true, false], reqs => 'pr_req2') WHERE NOT same;
SELECT 'sums rows 1024' AS frame, * FROM check_pr('w AS (%1$s ROWS 1024 PRECEDING)', :'sfeats3', nrows => 1030, reqs => 'pr_req2') WHERE NOT same;
SELECT 'sums range 3000 excl current row' AS frame, * FROM check_pr('w AS (%1$s RANGE BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)', :'sfeats3', native_where => 'ts >= $2 - 3000', reqs => 'pr_req2') WHERE NOT same;
SELECT 'sums range 3500 excl ties' AS frame, * FROM check_pr('w AS (%1$s RANGE BETWEEN 3500 PRECEDING AND CURRENT ROW EXCLUDE TIES)', :'sfeats3', jits => ARRAY[true, false], native_where => 'ts >= $2 - 3500', reqs => 'pr_req2') WHERE NOT same;
SELECT rows_taken() > :before AS sums_took_summaries;
-- the answers themselves: 'm' sum_where Infinity (the exact sum rounded to
-- double, then to float4), avg_where about 1.95e38 (double); 'd' denormal
-- sums; 'z' 0; 'e' at 12000: the request's Infinity
SELECT feature_ext.deploy('pr_feat', format($$SELECT %s FROM pr WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$, :'sfeats'), '{"replace": true}');
SELECT q.k, q.ts, x.* FROM pr_req2 q, LATERAL pr_feat(q.k, q.ts, 0, q.r, q.c) x WHERE q.k IN ('m', 'd', 'z', 'e') ORDER BY q.k, q.ts;
-- Key 'w': blocks whose double sum rounded are read as rows (a request
-- takes fewer summaries for sum_where than for min_where), key 'e' takes
-- every whole block (as for min_where).
CREATE FUNCTION taken_for(feat text, key text, at int8 DEFAULT 20000) RETURNS int8 LANGUAGE plpgsql AS $f$
DECLARE t0 int8;
BEGIN
  PERFORM feature_ext.deploy('pr_t', format($$SELECT %s OVER w AS v FROM pr WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$, feat), '{"replace": true}');
  t0 := rows_taken();
  PERFORM * FROM pr_t(key, at, 0, 1::real, 1::int2);
  RETURN rows_taken() - t0;
END $f$;
SELECT taken_for('feature_ext.sum_where(r, true)', 'w') < taken_for('feature_ext.min_where(r, true)', 'w') AS w_sum_reads_rounded_blocks,
       taken_for('feature_ext.avg_where(r, c = 1)', 'w') < taken_for('feature_ext.min_where(r, c = 1)', 'w') AS w_avg_cond_reads_rounded_blocks,
       taken_for('feature_ext.sum_where(r, true)', 'e') = taken_for('feature_ext.min_where(r, true)', 'e') AS e_sum_takes_all,
       taken_for('feature_ext.sum_where(r, c = 1)', 'e') = taken_for('feature_ext.min_where(r, c = 1)', 'e') AS e_sum_cond_takes_all,
       taken_for('feature_ext.sum_where(r, true)', 'e') > 2500 AS e_took,
       taken_for('feature_ext.sum_where(r, true)', 'm') > 1000 AS m_took,
       taken_for('feature_ext.sum_where(r, true)', 'd') > 1000 AS d_took;
-- 'x': superblocks that round give way to their exact blocks
SELECT taken_for('feature_ext.sum_where(r, true)', 'x', 500000) < taken_for('feature_ext.min_where(r, true)', 'x', 500000) AS x_sum_reads_rounded,
       taken_for('feature_ext.sum_where(r, true)', 'x', 500000) > 30000 AS x_sum_took_exact_blocks,
       taken_for('feature_ext.avg_where(r, c = 1)', 'x', 500000) > 5000 AS x_avg_cond_took_exact_blocks;
SELECT 'sums superblocks' AS frame, * FROM check_pr('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'sfeats', jits => ARRAY[true, false], reqs => 'pr_req3') WHERE NOT same;
SELECT 'sums superblocks rows 30000' AS frame, * FROM check_pr('w AS (%1$s ROWS 30000 PRECEDING)', :'sfeats3', nrows => 30001, reqs => 'pr_req3') WHERE NOT same;
SELECT feature_ext.undeploy('pr_t');

-- float_sums = 'approximate': every block (within the float bound) is
-- taken, its double sum added exactly: within 2 gamma(n) sum|x| of the
-- rows' answer (plus float4's rounding for sum_where), bit-identical where
-- every block taken is exact ('e'); some answers on 'w' differ.
SELECT feature_ext.deploy('pr_ap', $$SELECT feature_ext.sum_where(r, true) OVER w AS s0, feature_ext.avg_where(r, true) OVER w AS a0,
  feature_ext.sum_where(r, c = 1) OVER w AS s1, feature_ext.avg_where(r, c = 1) OVER w AS a1
  FROM pr WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$, '{"float_sums": "approximate"}');
SELECT feature_ext.deploy('pr_ex', $$SELECT feature_ext.sum_where(r, true) OVER w AS s0, feature_ext.avg_where(r, true) OVER w AS a0,
  feature_ext.sum_where(r, c = 1) OVER w AS s1, feature_ext.avg_where(r, c = 1) OVER w AS a1
  FROM pr WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$);
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE ap_on AS SELECT q.k, q.ts, q.r, x.* FROM pr_req2 q, LATERAL pr_ap(q.k, q.ts, 0, q.r, q.c) x WHERE q.k IN ('w', 'e');
SELECT rows_taken() > :before AS approximate_took_summaries;
SET feature_ext.preaggregate = off;
CREATE TEMP TABLE ap_off AS SELECT q.k, q.ts, x.* FROM pr_req2 q, LATERAL pr_ex(q.k, q.ts, 0, q.r, q.c) x WHERE q.k IN ('w', 'e');
RESET feature_ext.preaggregate;
CREATE TEMP TABLE ap_cmp AS
SELECT o.k, o.ts, o.s0, f.s0 AS s0_rows, o.a0, f.a0 AS a0_rows, o.s1, f.s1 AS s1_rows, o.a1, f.a1 AS a1_rows, st.sa, st.n, st.n1,
       2 * (st.n * 2 ^ -53 / (1 - st.n * 2 ^ -53)) * st.sa AS bound
  FROM ap_on o JOIN ap_off f USING (k, ts),
       LATERAL (SELECT sum(abs(r::float8)) + coalesce(abs(o.r::float8), 0) AS sa,
                       count(r) + (o.r IS NOT NULL)::int AS n, count(r) FILTER (WHERE c = 1) AS n1
                  FROM pr WHERE k = o.k AND ts <= o.ts) st;
SELECT k, ts, s0 = s0_rows OR abs(s0::float8 - s0_rows) <= bound + 2 ^ -22 * abs(s0_rows) AS s0_ok,
       a0 = a0_rows OR abs(a0 - a0_rows) <= bound / n AS a0_ok,
       s1 = s1_rows OR abs(s1::float8 - s1_rows) <= bound + 2 ^ -22 * abs(s1_rows) AS s1_ok,
       a1 = a1_rows OR abs(a1 - a1_rows) <= bound / n1 AS a1_ok,
       k <> 'e' OR (s0 = s0_rows AND a0 = a0_rows AND s1 = s1_rows AND a1 = a1_rows) AS e_identical
  FROM ap_cmp ORDER BY k, ts;
SELECT count(*) FILTER (WHERE a0 <> a0_rows OR a1 <> a1_rows OR s0 <> s0_rows OR s1 <> s1_rows) > 0 AS some_w_answers_differ
  FROM ap_cmp WHERE k = 'w';
SELECT feature_ext.undeploy('pr_ap');
SELECT feature_ext.undeploy('pr_ex');

-- sum(real) under the option (float4pl over the rows read, then the
-- blocks' double sum rounded to float4, float4pl; docs/DEPLOY.md "Float
-- sums"): past float4's range, PostgreSQL's overflow error (22003) as
-- PostgreSQL's executor gives it, with pre-aggregation on and off; 'e'
-- within the bound (deploy_preagg_float_where.sql checks it over more
-- data).
SELECT feature_ext.deploy('pr_s4', $$SELECT sum(r) OVER w AS s, sum(r) FILTER (WHERE c = 1) OVER w AS s1
  FROM pr WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$, '{"float_sums": "approximate"}');
CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $f$;
SELECT q.k, q.ts, pre,
       sqlstate_of(format($$SELECT set_config('feature_ext.preaggregate', %L, true), * FROM pr_s4(%L, %s, 0, %L, %L)$$,
                          pre, q.k, q.ts, q.r, q.c)) AS deployed,
       sqlstate_of(format($$SELECT sum(r) OVER w FROM (SELECT * FROM pr WHERE k = %L AND ts <= %s) x WINDOW w AS (ORDER BY ts, seq)$$,
                          q.k, q.ts)) AS native
  FROM (VALUES ('o', 20000::int8, 1::real, 1::int2), ('m', 20000, '3.4028235e38', 1)) q(k, ts, r, c),
       unnest(ARRAY[true, false]) pre ORDER BY 1, 2, 3;
SELECT rows_taken() AS before \gset
SELECT abs(x.s - (SELECT sum(r::float8) + 5 FROM pr WHERE k = 'e' AND ts <= 20000)) < 0.01 AS e_sum_close, rows_taken() > :before AS s4_took
  FROM pr_s4('e', 20000::int8, 0, 5::real, 1::int2) x;
-- (on 'o' the error comes from the blocks' sum: 1,280 values of 1e36 taken)
SELECT rows_taken() AS before \gset
SELECT sqlstate_of($$SELECT * FROM pr_s4('o', 20000::int8, 0, 1::real, 1::int2)$$) AS o_state, rows_taken() - :before AS o_rows_taken;
SELECT feature_ext.undeploy('pr_s4');

-- DELETEs inside blocks, late rows inside compacted blocks (a NaN, -0,
-- a new largest value), the GC rebuild.
DELETE FROM pr WHERE seq % 97 = 0;
INSERT INTO pr (k, ts, r, c) SELECT 'a', g * 500 + 5, CASE g % 3 WHEN 0 THEN 'NaN'::real WHEN 1 THEN '-0'::real ELSE 3e38::real END, g % 4
  FROM generate_series(1, 30) g;
INSERT INTO pr (k, ts, r, c) SELECT 'e', g * 400 + 5, CASE g % 4 WHEN 0 THEN 'NaN'::real WHEN 1 THEN '-0'::real WHEN 2 THEN 1e-30::real ELSE 3e38::real END, g % 4
  FROM generate_series(1, 30) g;
SELECT 'after changes' AS frame, * FROM check_pr('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'feats') WHERE NOT same;
SELECT 'after changes range unbounded' AS frame, * FROM check_pr('w AS (%1$s RANGE UNBOUNDED PRECEDING)', :'feats') WHERE NOT same;
SELECT 'sums after changes' AS frame, * FROM check_pr('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'sfeats', reqs => 'pr_req2') WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT rows_taken() AS before \gset
SELECT 'after rebuild' AS frame, * FROM check_pr('w AS (%1$s ROWS 1100 PRECEDING EXCLUDE CURRENT ROW)', :'feats3', jits => ARRAY[true, false], nrows => 1110) WHERE NOT same;
SELECT rows_taken() > :before AS took_summaries_after_rebuild;
SELECT rows_taken() AS before \gset
SELECT 'sums after rebuild' AS frame, * FROM check_pr('w AS (%1$s ROWS 1100 PRECEDING EXCLUDE CURRENT ROW)', :'sfeats3', jits => ARRAY[true, false], nrows => 1110, reqs => 'pr_req2') WHERE NOT same;
SELECT 'sums after rebuild range unbounded' AS frame, * FROM check_pr('w AS (%1$s RANGE UNBOUNDED PRECEDING)', :'sfeats', reqs => 'pr_req2') WHERE NOT same;
SELECT rows_taken() > :before AS sums_took_summaries_after_rebuild;

-- The OpenMLDB dialect's min_where / max_where / count_where of a float:
-- equal with pre-aggregation on and off, summaries taken.
SELECT feature_ext.deploy('pr_om', $$SELECT min_where(r, c == 1) OVER w AS m1, max_where(r, c != 2) OVER w AS x1,
  count_where(r, c > 0) OVER w AS n1 FROM `pr` WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2000 PRECEDING AND CURRENT ROW)$$);
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE om_on AS SELECT q.k, q.ts, row(x.*)::text AS got FROM pr_req q, LATERAL pr_om(q.k, q.ts, 0, q.r, q.c) x;
SELECT rows_taken() > :before AS dialect_took_summaries;
SET feature_ext.preaggregate = off;
CREATE TEMP TABLE om_off AS SELECT q.k, q.ts, row(x.*)::text AS got FROM pr_req q, LATERAL pr_om(q.k, q.ts, 0, q.r, q.c) x;
RESET feature_ext.preaggregate;
SELECT o.k, o.ts, o.got = f.got AS same, o.got FROM om_on o JOIN om_off f USING (k, ts) ORDER BY o.k, o.ts;
SELECT feature_ext.undeploy('pr_om');
-- ... and its sum / avg of a float (sum_where(r, true) / avg_where(r,
-- true)): equal with pre-aggregation on and off, summaries taken.
SELECT feature_ext.deploy('pr_om', $$SELECT sum(r) OVER w AS s, avg(r) OVER w AS a, sum_where(r, c == 1) OVER w AS s1
  FROM `pr` WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2000 PRECEDING AND CURRENT ROW)$$);
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE om2_on AS SELECT q.k, q.ts, row(x.*)::text AS got FROM pr_req2 q, LATERAL pr_om(q.k, q.ts, 0, q.r, q.c) x;
SELECT rows_taken() > :before AS dialect_sums_took_summaries;
SET feature_ext.preaggregate = off;
CREATE TEMP TABLE om2_off AS SELECT q.k, q.ts, row(x.*)::text AS got FROM pr_req2 q, LATERAL pr_om(q.k, q.ts, 0, q.r, q.c) x;
RESET feature_ext.preaggregate;
SELECT o.k, o.ts, o.got = f.got AS same, o.got FROM om2_on o JOIN om2_off f USING (k, ts) ORDER BY o.k, o.ts;
SELECT feature_ext.undeploy('pr_om');
SELECT feature_ext.undeploy('pr_feat');
DROP TABLE pr, pr_req, pr_req2, pr_req3;
DROP FUNCTION check_pr, rows_taken, taken_for, sqlstate_of;
