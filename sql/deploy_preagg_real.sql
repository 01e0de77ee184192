-- Pre-aggregation of count_where / min_where / max_where of a real (float4)
-- column (docs/DEPLOY.md, "Long windows" and "Float sums"): feature_ext's
-- *_where kernels widen each float4 value to double (exact) and order /
-- count as for float8, min / max narrowing the result back (exact); the
-- blocks summarise the same widened values. Every answer must equal
-- PostgreSQL's own window executor running the same aggregates over the
-- stored rows plus the request row as the last of its peers, with
-- pre-aggregation on and off, JIT on and off, after DELETEs, late rows and
-- a GC rebuild; summaries are taken; sum_where / avg_where of a real read
-- rows. Small on purpose (3,000 + 1,200 rows): a few seconds.
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
-- Two passes: a key whose compaction a pass deferred (memory, a reader in an
-- older epoch) is compacted by the next one (one run in six on a loaded
-- machine took no summaries at all after a single pass; not explained).
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT feature_ext.run_gc() >= 0 AS gc;

CREATE TABLE pr_req (k text, ts int8, r real, c int2);
INSERT INTO pr_req VALUES ('a', 20000, 5, 1), ('a', 9990, NULL, 2), ('a', 4000, '-0', NULL),
                          ('a', 15000, 'NaN', 0), ('z', 12000, '0', 1), ('z', 6050, '-0', 0), ('q', 10, 1, 1);

CREATE FUNCTION check_pr(wins text, feats text, native_where text DEFAULT 'true',
  jits bool[] DEFAULT ARRAY[false], nrows int DEFAULT NULL)
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
  FOR r IN SELECT * FROM pr_req LOOP
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

-- sum_where / avg_where of a real read rows (sum_where rounds its exact
-- sum to float4): same answers, no summaries taken.
SELECT rows_taken() AS before \gset
SELECT 'sum avg where read rows' AS frame, * FROM check_pr('w AS (%1$s ROWS UNBOUNDED PRECEDING)', 'feature_ext.sum_where(r, c = 1) OVER w AS s1, feature_ext.avg_where(r, true) OVER w AS a0, feature_ext.min_where(r, true) OVER w AS m0') WHERE NOT same;
SELECT rows_taken() = :before AS sums_read_rows;

-- DELETEs inside blocks, late rows inside compacted blocks (a NaN, -0,
-- a new largest value), the GC rebuild.
DELETE FROM pr WHERE seq % 97 = 0;
INSERT INTO pr (k, ts, r, c) SELECT 'a', g * 500 + 5, CASE g % 3 WHEN 0 THEN 'NaN'::real WHEN 1 THEN '-0'::real ELSE 3e38::real END, g % 4
  FROM generate_series(1, 30) g;
SELECT 'after changes' AS frame, * FROM check_pr('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'feats') WHERE NOT same;
SELECT 'after changes range unbounded' AS frame, * FROM check_pr('w AS (%1$s RANGE UNBOUNDED PRECEDING)', :'feats') WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT rows_taken() AS before \gset
SELECT 'after rebuild' AS frame, * FROM check_pr('w AS (%1$s ROWS 1100 PRECEDING EXCLUDE CURRENT ROW)', :'feats3', jits => ARRAY[true, false], nrows => 1110) WHERE NOT same;
SELECT rows_taken() > :before AS took_summaries_after_rebuild;

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
SELECT feature_ext.undeploy('pr_feat');
DROP TABLE pr, pr_req;
DROP FUNCTION check_pr, rows_taken;
