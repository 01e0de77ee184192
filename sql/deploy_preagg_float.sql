-- Pre-aggregation of float8 columns (docs/DEPLOY.md, "Float sums").
-- min / max of a float8 column take block summaries by default and stay
-- bit-identical to PostgreSQL's window executor (its float8 order: NaN
-- above everything; of equal values, -0 and +0, the newest).  sum / avg of
-- a float8 column take them only under deploy()'s option
-- {"float_sums": "approximate"}: the rows read are added in frame order,
-- then the blocks' sum as one value, so the result may differ from
-- PostgreSQL's by at most the documented bound
--   |approx - postgres| <= 2 * gamma(n - 1) * sum(|x|),
--   gamma(m) = m * 2^-53 / (1 - m * 2^-53), n = the values in the frame
-- (each is within gamma(n - 1) * sum(|x|) of the exact real sum, whatever
-- the order of the additions), and is bit-identical when the request takes
-- no block.  NaN and +-Infinity give exactly what PostgreSQL gives (blocks
-- holding them, or values beyond +-1e100, are read as rows).  Without the
-- option (the default, or "exact"), sum / avg read rows: bit-identical.
SET client_min_messages = warning;
CREATE TABLE pf (k text, ts int8, seq serial, x float8, i int) USING feature_store;
CREATE INDEX pf_k ON pf USING skiplist (k, ts);
-- Key 'a': 12,000 rows (ties: three per ts), NULLs, -0 and +0, values of
-- 7 magnitudes (so that the order of additions changes the rounding).
INSERT INTO pf (k, ts, x, i)
SELECT 'a', (g / 3) * 10,
       CASE WHEN g % 11 = 0 THEN NULL WHEN g % 97 = 0 THEN '-0'::float8 WHEN g % 89 = 0 THEN 0
            ELSE ((g * 7919) % 2001 - 1000) / 7.0::float8 * power(10::float8, g % 7 - 3) END,
       g % 5
  FROM generate_series(1, 12000) g;
-- Key 'z': only -0, +0 and NULL (min / max: the newest of equal values;
-- sum: -0 only when every value is -0).
INSERT INTO pf (k, ts, x, i)
SELECT 'z', g * 10, CASE WHEN g % 13 = 0 THEN NULL WHEN (g / 700) % 2 = 0 THEN '-0'::float8 ELSE 0 END, 0
  FROM generate_series(1, 4000) g;
-- Key 'n': one NaN in the middle; key 'f': +Infinity, later -Infinity.
INSERT INTO pf (k, ts, x, i)
SELECT 'n', g * 10, CASE WHEN g = 2000 THEN 'NaN'::float8 ELSE g / 3.0::float8 END, 0 FROM generate_series(1, 4000) g;
INSERT INTO pf (k, ts, x, i)
SELECT 'f', g * 10, CASE WHEN g = 1000 THEN 'Infinity'::float8 WHEN g = 3000 THEN '-Infinity'::float8
                         ELSE g / 3.0::float8 END, 0 FROM generate_series(1, 4000) g;
-- Key 'g': values beyond 1e100 in the older half (those blocks are read as
-- rows for sum / avg), small values in the newer half.
INSERT INTO pf (k, ts, x, i)
SELECT 'g', g * 10, CASE WHEN g <= 2000 THEN (g % 3 - 1) * 1e120::float8 + g ELSE g / 7.0::float8 END, 0
  FROM generate_series(1, 4000) g;
SELECT feature_ext.run_gc() >= 0 AS gc;

CREATE TABLE pf_req (k text, ts int8, x float8, i int);
INSERT INTO pf_req VALUES ('a', 40000, 1.5, 1), ('a', 39990, NULL, 2), ('a', 25000, -2.25, 3), ('a', 9000, '-0', 0),
                          ('z', 40010, '-0', 0), ('z', 30000, 0, 0), ('z', 20000, NULL, 0),
                          ('n', 40010, 1, 0), ('n', 25000, 2, 0), ('n', 15000, 3, 0),
                          ('f', 40010, 1, 0), ('f', 35000, 'NaN', 0), ('f', 20000, 2, 0), ('f', 5000, 3, 0),
                          ('g', 40010, 1, 0), ('g', 30000, 'Infinity', 0), ('g', 15000, 2, 0);

CREATE FUNCTION rows_taken() RETURNS int8 LANGUAGE sql AS $$SELECT rows_taken FROM feature_ext.preagg_stats()$$;

-- wins: the window w, %1$s standing for the partition and order; opts:
-- deploy()'s options.  One row per request, pre-aggregation on and off,
-- JIT on / off: exact = count / min / max (and, unless float_sums is
-- approximate, sum / avg) bit-identical to PostgreSQL; within = sum / avg
-- within the bound; nb_same = bit-identical when no block was taken.
CREATE FUNCTION check_pf(wins text, opts jsonb DEFAULT '{}', native_where text DEFAULT 'true',
                         jits bool[] DEFAULT ARRAY[false], nrows int DEFAULT NULL, native_win text DEFAULT NULL)
RETURNS TABLE(req text, preagg bool, jit bool, took bool, exact bool, within bool, nb_same bool,
              deployed text, native text)
LANGUAGE plpgsql AS $f$
DECLARE
  r record; d record; n record;
  pre bool; j bool; before int8;
  approx bool := coalesce(opts->>'float_sums', 'exact') = 'approximate';
  feats text := 'count(x) OVER w AS n, min(x) OVER w AS mn, max(x) OVER w AS mx, sum(x) OVER w AS s, avg(x) OVER w AS a';
  bound float8;
BEGIN
  IF nrows IS NOT NULL THEN
    native_where := format('%s AND seq IN (SELECT seq FROM pf WHERE k = $1 AND ts <= $2 ORDER BY ts DESC, seq DESC LIMIT %s)',
                           native_where, nrows);
  END IF;
  PERFORM set_config('feature_ext.jit', (true = ANY(jits))::text, true);
  PERFORM feature_ext.deploy('pf_feat', format($q$SELECT %s FROM pf WINDOW w AS (%s)$q$,
                                               feats, format(wins, 'PARTITION BY k ORDER BY ts')),
                             opts || '{"replace": true}');
  FOR r IN SELECT * FROM pf_req LOOP
    EXECUTE format($q$
      SELECT y.n, y.mn, y.mx, y.s, y.a, y.sabs FROM (
        SELECT %s, sum(abs(x)) OVER w AS sabs, is_req
          FROM (SELECT * FROM (SELECT k, ts, seq, x, i, false AS is_req FROM pf
                                WHERE k = $1 AND ts <= $2 AND %s
                               UNION ALL SELECT $1, $2, 2147483647, $3, $4, true) u ORDER BY ts, seq) x
        WINDOW w AS (%s)) y WHERE is_req$q$, feats, native_where, format(coalesce(native_win, wins), 'ORDER BY ts'))
      INTO n USING r.k, r.ts, r.x, r.i;
    -- 2 * gamma(count - 1) * sum(|x|)
    bound := 2 * ((n.n - 1) * 2.0^(-53) / (1 - (n.n - 1) * 2.0^(-53))) * coalesce(n.sabs, 0);
    FOREACH pre IN ARRAY ARRAY[true, false] LOOP
      FOREACH j IN ARRAY jits LOOP
        PERFORM set_config('feature_ext.preaggregate', pre::text, true);
        PERFORM set_config('feature_ext.jit', j::text, true);
        before := rows_taken();
        SELECT * INTO d FROM pf_feat(r.k, r.ts, 0, r.x, r.i) x;
        req := r.k || '@' || r.ts; preagg := pre; jit := j; took := rows_taken() > before;
        exact := (d.n, d.mn::text, d.mx::text) IS NOT DISTINCT FROM (n.n, n.mn::text, n.mx::text)
                 AND (approx OR (d.s::text, d.a::text) IS NOT DISTINCT FROM (n.s::text, n.a::text));
        within := (d.s::text IS NOT DISTINCT FROM n.s::text OR abs(d.s - n.s) <= bound)
                  AND (d.a::text IS NOT DISTINCT FROM n.a::text OR abs(d.a - n.a) <= bound / n.n);
        nb_same := took OR (d.s::text, d.a::text) IS NOT DISTINCT FROM (n.s::text, n.a::text);
        deployed := d::text; native := n::text;
        RETURN NEXT;
      END LOOP;
    END LOOP;
  END LOOP;
END $f$;

-- Frames with EXCLUDE make PostgreSQL's executor aggregate every row's
-- frame from scratch (quadratic: these checks took minutes).  Only the
-- request's answer is compared, and the request is the last row fed: those
-- checks feed exactly the frame's stored rows (nrows / native_where: peers
-- dropped for EXCLUDE TIES / GROUP) and let the executor aggregate them in
-- the same order over an equivalent frame it computes incrementally: every
-- row up to the request (EXCLUDE TIES, the peers gone) or every row before
-- it (EXCLUDE CURRENT ROW / GROUP).
\set upto_req '%1$s ROWS UNBOUNDED PRECEDING'
\set before_req '%1$s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING'

-- The option is checked: "exact" or "approximate".
SELECT feature_ext.deploy('pf_bad', 'SELECT sum(x) OVER w AS s FROM pf WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)',
                          '{"float_sums": "fast"}');
SELECT feature_ext.deploy('pf_bad', 'SELECT sum(x) OVER w AS s FROM pf WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)',
                          '{"float_sums": true}');

-- Default (exact): every answer bit-identical; min / max take summaries
-- alone, sum / avg keep the group on rows.
SELECT 'default rows 5000' AS frame, * FROM check_pf('%1$s ROWS BETWEEN 5000 PRECEDING AND CURRENT ROW', nrows => 5010)
 WHERE NOT (exact AND within AND nb_same) OR took;
SELECT 'exact range' AS frame, * FROM check_pf('%1$s RANGE UNBOUNDED PRECEDING', '{"float_sums": "exact"}')
 WHERE NOT (exact AND within AND nb_same) OR took;
SET feature_ext.preaggregate = on;
SELECT feature_ext.deploy('pf_mm', $$SELECT count(x) OVER w AS n, min(x) OVER w AS mn, max(x) OVER w AS mx
  FROM pf WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$);
SELECT rows_taken() AS before \gset
SELECT r.k, r.ts, x.* FROM pf_req r, LATERAL pf_mm(r.k, r.ts, 0, r.x, r.i) x ORDER BY r.k, r.ts;
SELECT rows_taken() > :before AS min_max_took_summaries_by_default;
SELECT feature_ext.undeploy('pf_mm');
RESET feature_ext.preaggregate;
-- min / max exact by default in every frame, JIT on and off (check_pf's
-- sum / avg there read rows: the deployment below has only min / max).
CREATE FUNCTION check_mm(wins text, native_where text DEFAULT 'true', nrows int DEFAULT NULL, native_win text DEFAULT NULL)
RETURNS TABLE(req text, preagg bool, same bool, took bool) LANGUAGE plpgsql AS $f$
DECLARE r record; d text; n text; pre bool; before int8;
BEGIN
  IF nrows IS NOT NULL THEN
    native_where := format('%s AND seq IN (SELECT seq FROM pf WHERE k = $1 AND ts <= $2 ORDER BY ts DESC, seq DESC LIMIT %s)',
                           native_where, nrows);
  END IF;
  PERFORM feature_ext.deploy('pf_mm', format($q$SELECT min(x) OVER w AS mn, max(x) OVER w AS mx, count(x) OVER w AS n
    FROM pf WINDOW w AS (%s)$q$, format(wins, 'PARTITION BY k ORDER BY ts')), '{"replace": true}');
  FOR r IN SELECT * FROM pf_req LOOP
    EXECUTE format($q$SELECT row(y.mn, y.mx, y.n)::text FROM (
        SELECT min(x) OVER w AS mn, max(x) OVER w AS mx, count(x) OVER w AS n, is_req
          FROM (SELECT * FROM (SELECT k, ts, seq, x, false AS is_req FROM pf WHERE k = $1 AND ts <= $2 AND %s
                               UNION ALL SELECT $1, $2, 2147483647, $3, true) u ORDER BY ts, seq) x
        WINDOW w AS (%s)) y WHERE is_req$q$, native_where, format(coalesce(native_win, wins), 'ORDER BY ts'))
      INTO n USING r.k, r.ts, r.x;
    FOREACH pre IN ARRAY ARRAY[true, false] LOOP
      PERFORM set_config('feature_ext.preaggregate', pre::text, true);
      before := rows_taken();
      SELECT row(x.*)::text INTO d FROM pf_mm(r.k, r.ts, 0, r.x, r.i) x;
      req := r.k || '@' || r.ts; preagg := pre; same := d = n; took := rows_taken() > before;
      RETURN NEXT;
    END LOOP;
  END LOOP;
END $f$;
SELECT 'mm rows 3000' AS frame, * FROM check_mm('%1$s ROWS 3000 PRECEDING', nrows => 3010) WHERE NOT same;
SELECT 'mm range excl' AS frame, * FROM check_mm('%1$s RANGE BETWEEN 20000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW', 'ts >= $2 - 20000',
  native_win => :'before_req') WHERE NOT same;
SELECT 'mm range excl ties' AS frame, * FROM check_mm('%1$s RANGE UNBOUNDED PRECEDING EXCLUDE TIES', 'ts < $2', native_win => :'upto_req') WHERE NOT same;
SELECT 'mm took' AS frame, count(*) FILTER (WHERE took AND preagg) > 0 AS took_on, count(*) FILTER (WHERE took AND NOT preagg) AS took_off
  FROM check_mm('%1$s ROWS UNBOUNDED PRECEDING');

-- {"float_sums": "approximate"}: count / min / max bit-identical, sum / avg
-- within the bound, bit-identical where no block was taken; NaN and
-- infinities exactly PostgreSQL's.
SELECT 'approx rows 5000' AS frame, * FROM check_pf('%1$s ROWS BETWEEN 5000 PRECEDING AND CURRENT ROW', '{"float_sums": "approximate"}',
  jits => ARRAY[true, false], nrows => 5010) WHERE NOT (exact AND within AND nb_same);
SELECT 'approx rows 1024' AS frame, * FROM check_pf('%1$s ROWS 1024 PRECEDING', '{"float_sums": "approximate"}', nrows => 1034)
 WHERE NOT (exact AND within AND nb_same);
SELECT 'approx rows unbounded' AS frame, * FROM check_pf('%1$s ROWS UNBOUNDED PRECEDING', '{"float_sums": "approximate"}')
 WHERE NOT (exact AND within AND nb_same);
SELECT 'approx range 20000' AS frame, * FROM check_pf('%1$s RANGE BETWEEN 20000 PRECEDING AND CURRENT ROW', '{"float_sums": "approximate"}',
  native_where => 'ts >= $2 - 20000') WHERE NOT (exact AND within AND nb_same);
SELECT 'approx range excl' AS frame, * FROM check_pf('%1$s RANGE UNBOUNDED PRECEDING EXCLUDE CURRENT ROW', '{"float_sums": "approximate"}',
  native_win => :'before_req')
 WHERE NOT (exact AND within AND nb_same);
SELECT 'approx rows excl group' AS frame, * FROM check_pf('%1$s ROWS 2000 PRECEDING EXCLUDE GROUP', '{"float_sums": "approximate"}', nrows => 2000,
  native_where => 'ts < $2', native_win => :'before_req')
 WHERE NOT (exact AND within AND nb_same);
-- Summaries were taken (with pre-aggregation on only), and on key 'a' the
-- approximate sums are not all bit-identical (the test can tell the
-- rounding apart); NaN / infinity answers listed.
CREATE TEMP TABLE approx_all AS
  SELECT * FROM check_pf('%1$s ROWS UNBOUNDED PRECEDING', '{"float_sums": "approximate"}');
SELECT count(*) FILTER (WHERE took AND preagg) > 0 AS took_on, count(*) FILTER (WHERE took AND NOT preagg) AS took_off,
       bool_and(exact AND within AND nb_same) AS all_ok FROM approx_all;
SELECT req, preagg, took, deployed FROM approx_all WHERE req LIKE 'n@%' OR req LIKE 'f@%' OR req LIKE 'z@%' OR req LIKE 'g@%'
 ORDER BY req, preagg;
SELECT count(*) FILTER (WHERE took AND deployed <> native) > 0 AS some_sums_rounded_differently FROM approx_all WHERE req LIKE 'a@%';

-- After DELETEs and late rows inside compacted blocks (read as rows until
-- the GC pass rebuilds them), and after the rebuild.
DELETE FROM pf WHERE k IN ('a', 'f') AND seq % 89 = 0 AND ts BETWEEN 10000 AND 30000;
INSERT INTO pf (k, ts, x, i) VALUES ('a', 20005, 3.25e-3, 0), ('a', 12345, '-0', 0), ('f', 25005, 'NaN', 0);
SELECT 'approx after changes' AS frame, * FROM check_pf('%1$s ROWS BETWEEN 5000 PRECEDING AND CURRENT ROW', '{"float_sums": "approximate"}',
  nrows => 5010) WHERE NOT (exact AND within AND nb_same);
SELECT 'mm after changes' AS frame, * FROM check_mm('%1$s RANGE UNBOUNDED PRECEDING') WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'approx after gc' AS frame, * FROM check_pf('%1$s RANGE UNBOUNDED PRECEDING', '{"float_sums": "approximate"}', jits => ARRAY[true, false])
 WHERE NOT (exact AND within AND nb_same);
SELECT 'mm after gc' AS frame, * FROM check_mm('%1$s ROWS 4000 PRECEDING', nrows => 4010) WHERE NOT same;

-- The option is kept in the catalog row, not taken from a session setting.
SELECT options->>'float_sums' AS float_sums FROM feature_ext.deployment WHERE name = 'pf_feat';
SELECT feature_ext.undeploy('pf_feat');
SELECT feature_ext.undeploy('pf_mm');
DROP TABLE pf, pf_req;
DROP FUNCTION check_pf, check_mm, rows_taken;
