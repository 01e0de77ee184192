-- Pre-aggregation of conditional aggregates over float8 values
-- (docs/DEPLOY.md, "Float sums"): feature_ext's sum_where / avg_where /
-- min_where / max_where / count_where of a float8 column (the OpenMLDB
-- dialect's sum / avg / min / max of a double) and PostgreSQL's count /
-- min / max / sum / avg of a float8 column with FILTER (WHERE column <op>
-- constant), the condition `true`, an integer or a text comparison.
-- count / min / max take block summaries by default and stay bit-identical
-- (min_where / max_where: feature_ext's kernels, PostgreSQL's float8 order,
-- the newest of equal values; min / max FILTER: float8smaller /
-- float8larger, the same).  sum / avg take them only under deploy()'s
-- option {"float_sums": "approximate"}, within the documented bounds
--   sum_where / avg_where (feature_ext's exact sum, correctly rounded):
--     |approx - kernel| <= 2 * gamma(n) * sum(|x|)
--   sum / avg FILTER (PostgreSQL's float8pl in frame order):
--     |approx - postgres| <= 2 * gamma(n - 1) * sum(|x|)
--   gamma(m) = m * 2^-53 / (1 - m * 2^-53), n = the values aggregated
--   (avg: divided by n),
-- and bit-identical when no block was taken.  NaN and +-Infinity answer
-- exactly as on rows (blocks holding them, or values beyond +-1e100, are
-- read as rows for sums).  Every answer is compared with PostgreSQL's own
-- window executor running the same aggregates (feature_ext's *_where
-- kernels, PostgreSQL's built-ins) over the stored rows plus the request
-- as the last of its peers.
SET client_min_messages = warning;
-- r: a float4 (real) copy of x (values beyond float4's range clamped to
-- +-1e30): count / min / max of it exact by default, avg (float4_accum:
-- float8_accum over the widened values) under the option as float8's
-- avg; sum(real) (float4 arithmetic) reads rows by default, and under the
-- option follows its own rule (float4pl over the rows, then the blocks'
-- double sum rounded to float4): within 2 gamma4(n) sum|x|.
CREATE TABLE pq (k text, ts int8, seq serial, x float8, c int2, t text, r real) USING feature_store;
CREATE INDEX pq_k ON pq USING skiplist (k, ts);
CREATE TABLE pq_stage (k text, ts int8, ord serial, x float8, c int2, t text);
CREATE FUNCTION f4(float8) RETURNS real IMMUTABLE LANGUAGE sql AS
$$SELECT CASE WHEN $1 IS NULL THEN NULL WHEN $1 = 'NaN' OR $1 IN ('Infinity', '-Infinity') THEN $1::real
              WHEN abs($1) > 1e30 THEN (1e30 * sign($1))::real ELSE $1::real END$$;
-- Key 'a': 12,000 rows (three per ts), NULLs, -0 and +0, 7 magnitudes; c:
-- 4 values and NULLs; t: 3 values and NULLs.
INSERT INTO pq_stage (k, ts, x, c, t)
SELECT 'a', (g / 3) * 10,
       CASE WHEN g % 11 = 0 THEN NULL WHEN g % 97 = 0 THEN '-0'::float8 WHEN g % 89 = 0 THEN 0
            ELSE ((g * 7919) % 2001 - 1000) / 7.0::float8 * power(10::float8, g % 7 - 3) END,
       CASE WHEN g % 19 = 0 THEN NULL ELSE ((g * 7) % 4 - 1)::int2 END,
       CASE WHEN g % 17 = 0 THEN NULL ELSE (ARRAY['p', 'q', ''])[1 + (g * 5) % 3] END
  FROM generate_series(1, 12000) g;
-- Key 'z': only -0, +0 and NULL.  Past row 2,000 the sign alternates with
-- c: the entries c = 0 and c = 1 of a block then hold -0 and +0 (a
-- condition taking both cannot tell the newest: those blocks are read).
INSERT INTO pq_stage (k, ts, x, c, t)
SELECT 'z', g * 10,
       CASE WHEN g % 13 = 0 THEN NULL WHEN g > 2000 THEN (CASE WHEN g % 2 = 0 THEN '-0'::float8 ELSE 0 END)
            WHEN (g / 700) % 2 = 0 THEN '-0'::float8 ELSE 0 END,
       (g % 2)::int2, CASE WHEN g % 3 = 0 THEN 'p' ELSE 'q' END
  FROM generate_series(1, 4000) g;
-- Key 'y': -0 and +0 up to row 3,000 (c = 1 rows -0, c = 0 rows +0; the
-- newest of them, row 3,000, is a -0 of the entry c = 1, not the block's
-- first entry), positive values after: min over c >= 0 is the newest zero.
INSERT INTO pq_stage (k, ts, x, c, t)
SELECT 'y', g * 10, CASE WHEN g > 3000 THEN g::float8 WHEN (g + 1) % 2 = 1 THEN '-0'::float8 ELSE 0 END,
       ((g + 1) % 2)::int2, 'p'
  FROM generate_series(1, 4000) g;
-- Key 'n': one NaN; key 'f': +Infinity, later -Infinity; key 'g': values
-- beyond 1e100 in the older half.
INSERT INTO pq_stage (k, ts, x, c, t)
SELECT 'n', g * 10, CASE WHEN g = 2000 THEN 'NaN'::float8 ELSE g / 3.0::float8 END, (g % 4)::int2, 'p'
  FROM generate_series(1, 4000) g;
INSERT INTO pq_stage (k, ts, x, c, t)
SELECT 'f', g * 10, CASE WHEN g = 1000 THEN 'Infinity'::float8 WHEN g = 3000 THEN '-Infinity'::float8
                         ELSE g / 3.0::float8 END, (g % 4)::int2, CASE WHEN g % 2 = 0 THEN 'p' ELSE 'q' END
  FROM generate_series(1, 4000) g;
INSERT INTO pq_stage (k, ts, x, c, t)
SELECT 'g', g * 10, CASE WHEN g <= 2000 THEN (g % 3 - 1) * 1e120::float8 + g ELSE g / 7.0::float8 END, (g % 4)::int2, 'q'
  FROM generate_series(1, 4000) g;
INSERT INTO pq (k, ts, x, c, t, r) SELECT k, ts, x, c, t, f4(x) FROM pq_stage ORDER BY ord;
SELECT feature_ext.run_gc() >= 0 AS gc;

CREATE TABLE pq_req (k text, ts int8, x float8, c int2, t text, r real);
INSERT INTO pq_req VALUES ('a', 40000, 1.5, 1, 'p'), ('a', 39990, NULL, 2, NULL), ('a', 25000, -2.25, NULL, 'q'),
                          ('a', 9000, '-0', 0, ''),
                          ('y', 40010, 5, 1, 'p'), ('y', 35000, NULL, 0, 'q'),
                          ('z', 40010, '-0', 0, 'p'), ('z', 30000, 0, 1, 'q'), ('z', 20000, NULL, 1, 'p'),
                          ('n', 40010, 1, 1, 'p'), ('n', 25000, 2, 2, 'p'), ('n', 15000, 'NaN', 3, 'p'),
                          ('f', 40010, 1, 1, 'q'), ('f', 35000, 'NaN', 0, 'p'), ('f', 20000, 2, 2, 'p'),
                          ('g', 40010, 1, 1, 'q'), ('g', 30000, 'Infinity', 2, 'q'), ('g', 15000, 2, 3, 'q');
UPDATE pq_req SET r = f4(x);

CREATE FUNCTION rows_taken() RETURNS int8 LANGUAGE sql AS $$SELECT rows_taken FROM feature_ext.preagg_stats()$$;

-- feats: groups of four (aggregate call, kind, call over abs(x), count of
-- the values it aggregates); kind e = exact (bit-identical always), s / a =
-- PostgreSQL's float8 sum / avg, S / A = feature_ext's sum_where /
-- avg_where (bit-identical unless float_sums is approximate; then within
-- their bound).  One row per request, pre-aggregation on and off, JIT as
-- given: ok = every feature bit-identical or within its bound, bits =
-- every feature bit-identical, took = summaries were taken.
CREATE FUNCTION check_fw(wins text, feats text[], opts jsonb DEFAULT '{}', native_where text DEFAULT 'true',
                         jits bool[] DEFAULT ARRAY[false], nrows int DEFAULT NULL, tbl text DEFAULT 'pq',
                         native_win text DEFAULT NULL)
RETURNS TABLE(req text, preagg bool, jit bool, took bool, ok bool, bits bool, deployed text, native text)
LANGUAGE plpgsql AS $f$
DECLARE
  r record; pre bool; j bool; before int8;
  approx bool := coalesce(opts->>'float_sums', 'exact') = 'approximate';
  dsel text := ''; nsel text := ''; asel text := ''; csel text := ''; arr text := ''; aarr text := ''; carr text := '';
  m int := array_length(feats, 1) / 4;
  d text[]; n text[]; sabs float8[]; cnt float8[];
  kind text; bound float8; g float8; good bool;
BEGIN
  FOR i IN 1..m LOOP
    dsel := dsel || format('%s%s OVER w AS f%s', CASE WHEN i > 1 THEN ', ' ELSE '' END, feats[4 * i - 3], i);
    arr := arr || format('%sy.f%s::text', CASE WHEN i > 1 THEN ', ' ELSE '' END, i);
    asel := asel || format(', %s AS b%s, %s AS c%s', coalesce(feats[4 * i - 1] || ' OVER w', 'NULL::float8'), i,
                           coalesce(feats[4 * i] || ' OVER w', 'NULL::int8'), i);
    aarr := aarr || format('%sy.b%s::float8', CASE WHEN i > 1 THEN ', ' ELSE '' END, i);
    carr := carr || format('%sy.c%s::float8', CASE WHEN i > 1 THEN ', ' ELSE '' END, i);
  END LOOP;
  IF nrows IS NOT NULL THEN
    native_where := format('%s AND seq IN (SELECT seq FROM %s WHERE k = $1 AND ts <= $2 ORDER BY ts DESC, seq DESC LIMIT %s)',
                           native_where, tbl, nrows);
  END IF;
  PERFORM set_config('feature_ext.jit', (true = ANY(jits))::text, true);
  PERFORM feature_ext.deploy('pq_feat', format($q$SELECT %s FROM %s WINDOW w AS (%s)$q$,
                                               dsel, tbl, format(wins, 'PARTITION BY k ORDER BY ts')),
                             opts || '{"replace": true}');
  FOR r IN SELECT * FROM pq_req LOOP
    EXECUTE format($q$
      SELECT ARRAY[%s], ARRAY[%s], ARRAY[%s] FROM (
        SELECT %s%s, is_req
          FROM (SELECT * FROM (SELECT k, ts, seq, x, c, t, r, false AS is_req FROM %s
                                WHERE k = $1 AND ts <= $2 AND %s
                               UNION ALL SELECT $1, $2, 2147483647, $3, $4, $5, $6, true) u ORDER BY ts, seq) x
        WINDOW w AS (%s)) y WHERE is_req$q$, arr, aarr, carr, dsel, asel, tbl, native_where,
      format(coalesce(native_win, wins), 'ORDER BY ts'))
      INTO n, sabs, cnt USING r.k, r.ts, r.x, r.c, r.t, r.r;
    FOREACH pre IN ARRAY ARRAY[true, false] LOOP
      FOREACH j IN ARRAY jits LOOP
        PERFORM set_config('feature_ext.preaggregate', pre::text, true);
        PERFORM set_config('feature_ext.jit', j::text, true);
        before := rows_taken();
        EXECUTE format('SELECT ARRAY[%s] FROM pq_feat($1, $2, 0, $3, $4, $5, $6) y', arr) INTO d USING r.k, r.ts, r.x, r.c, r.t, r.r;
        req := r.k || '@' || r.ts; preagg := pre; jit := j; took := rows_taken() > before;
        ok := true; bits := true;
        FOR i IN 1..m LOOP
          kind := feats[4 * i - 2];
          good := d[i] IS NOT DISTINCT FROM n[i];
          bits := bits AND good;
          IF NOT good AND approx AND kind IN ('s', 'a', 'S', 'A', 'f') AND d[i] IS NOT NULL AND n[i] IS NOT NULL THEN
            -- 2 * gamma(n - 1) (PostgreSQL's order) or 2 * gamma(n) (the exact sum, rounded once);
            -- f: sum(real), 2 * gamma4(n) with float4's unit roundoff 2^-24
            g := CASE WHEN kind IN ('s', 'a') THEN cnt[i] - 1 ELSE cnt[i] END;
            bound := CASE WHEN kind = 'f' THEN 2 * (g * 2.0^(-24) / (1 - g * 2.0^(-24))) * sabs[i]
                          ELSE 2 * (g * 2.0^(-53) / (1 - g * 2.0^(-53))) * sabs[i] END;
            IF kind IN ('a', 'A') THEN bound := bound / cnt[i]; END IF;
            good := abs(d[i]::float8 - n[i]::float8) <= bound;
          END IF;
          ok := ok AND good;
        END LOOP;
        deployed := d::text; native := n::text;
        RETURN NEXT;
      END LOOP;
    END LOOP;
  END LOOP;
END $f$;

-- The features: *_where with conditions on c (int2), on t (text) and true;
-- count / min / max exact, sum / avg with their bounds.
\set wexact '{"feature_ext.min_where(x, c >= 0)", e, NULL, NULL, "feature_ext.max_where(x, c < 2)", e, NULL, NULL, "feature_ext.count_where(x, c = 1)", e, NULL, NULL, "feature_ext.min_where(x, t <> ''q'')", e, NULL, NULL, "feature_ext.max_where(x, t = ''p'')", e, NULL, NULL, "feature_ext.max_where(x, true)", e, NULL, NULL, "feature_ext.min_where(x, 1 > c)", e, NULL, NULL, "feature_ext.count_where(x, true)", e, NULL, NULL, "feature_ext.count_where(c <> 0)", e, NULL, NULL}'
\set wsums '{"feature_ext.sum_where(x, c > 0)", S, "feature_ext.sum_where(abs(x), c > 0)", "feature_ext.count_where(x, c > 0)", "feature_ext.avg_where(x, c <> 1)", A, "feature_ext.sum_where(abs(x), c <> 1)", "feature_ext.count_where(x, c <> 1)", "feature_ext.sum_where(x, true)", S, "feature_ext.sum_where(abs(x), true)", "feature_ext.count_where(x, true)", "feature_ext.avg_where(x, t = ''p'')", A, "feature_ext.sum_where(abs(x), t = ''p'')", "feature_ext.count_where(x, t = ''p'')", "feature_ext.max_where(x, c <= 1)", e, NULL, NULL}'
-- PostgreSQL's aggregates with FILTER.
\set fexact '{"min(r)", e, NULL, NULL, "max(r) FILTER (WHERE c = 1)", e, NULL, NULL, "count(r) FILTER (WHERE t = ''p'')", e, NULL, NULL, "min(r) FILTER (WHERE c >= 0)", e, NULL, NULL, "count(r)", e, NULL, NULL, "count(x) FILTER (WHERE c > 0)", e, NULL, NULL, "min(x) FILTER (WHERE c = 1)", e, NULL, NULL, "max(x) FILTER (WHERE t = ''p'')", e, NULL, NULL, "max(x) FILTER (WHERE c >= 0)", e, NULL, NULL, "min(x) FILTER (WHERE 2 > c)", e, NULL, NULL, "count(*) FILTER (WHERE t <> ''q'')", e, NULL, NULL, "max(x)", e, NULL, NULL}'
\set fsums '{"avg(r)", a, "sum(abs(r)::float8)", "count(r)", "avg(r) FILTER (WHERE c <> 2)", a, "sum(abs(r)::float8) FILTER (WHERE c <> 2)", "count(r) FILTER (WHERE c <> 2)", "max(r)", e, NULL, NULL, "sum(x) FILTER (WHERE c <> 2)", s, "sum(abs(x)) FILTER (WHERE c <> 2)", "count(x) FILTER (WHERE c <> 2)", "avg(x) FILTER (WHERE c >= 1)", a, "sum(abs(x)) FILTER (WHERE c >= 1)", "count(x) FILTER (WHERE c >= 1)", "sum(x) FILTER (WHERE t = ''q'')", s, "sum(abs(x)) FILTER (WHERE t = ''q'')", "count(x) FILTER (WHERE t = ''q'')", "min(x) FILTER (WHERE c < 3)", e, NULL, NULL}'

-- Frames with EXCLUDE make PostgreSQL's executor aggregate every row's
-- frame from scratch (quadratic in the rows fed to it; these checks took
-- minutes).  Only the request's answer is compared, and the request is the
-- last row fed: those checks feed exactly the frame's stored rows (nrows /
-- native_where: peers dropped for EXCLUDE TIES / GROUP) and let the
-- executor aggregate them in the same order over an equivalent frame it
-- computes incrementally: every row up to the request (EXCLUDE TIES, the
-- peers gone) or every row before it (EXCLUDE CURRENT ROW / GROUP).
\set upto_req '%1$s ROWS UNBOUNDED PRECEDING'
\set before_req '%1$s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING'
CREATE TEMP TABLE taken (at text, n int8);
INSERT INTO taken VALUES ('start', rows_taken());
-- Default: count / min / max take summaries and are bit-identical.
SELECT 'where exact rows 3000' AS frame, * FROM check_fw('%1$s ROWS 3000 PRECEDING', :'wexact', jits => ARRAY[true, false], nrows => 3010) WHERE NOT bits;
SELECT 'where exact range unbounded' AS frame, * FROM check_fw('%1$s RANGE UNBOUNDED PRECEDING', :'wexact') WHERE NOT bits;
SELECT 'where exact range excl' AS frame, * FROM check_fw('%1$s RANGE 8000 PRECEDING EXCLUDE CURRENT ROW', :'wexact', native_where => 'ts >= $2 - 8000',
  native_win => :'before_req') WHERE NOT bits;
SELECT 'where exact rows excl ties' AS frame, * FROM check_fw('%1$s ROWS 2000 PRECEDING EXCLUDE TIES', :'wexact', nrows => 2000,
  native_where => 'ts < $2', native_win => :'upto_req') WHERE NOT bits;
INSERT INTO taken VALUES ('where exact', rows_taken());
SELECT 'filter exact rows 5000' AS frame, * FROM check_fw('%1$s ROWS 5000 PRECEDING', :'fexact', jits => ARRAY[true, false], nrows => 5010) WHERE NOT bits;
SELECT 'filter exact range 20000' AS frame, * FROM check_fw('%1$s RANGE 20000 PRECEDING', :'fexact', native_where => 'ts >= $2 - 20000') WHERE NOT bits;
SELECT 'filter exact rows excl group' AS frame, * FROM check_fw('%1$s ROWS 1200 PRECEDING EXCLUDE GROUP', :'fexact', nrows => 1200,
  native_where => 'ts < $2', native_win => :'before_req') WHERE NOT bits;
INSERT INTO taken VALUES ('filter exact', rows_taken());
-- Default with sums: bit-identical, the group reads rows.
SELECT 'where sums default' AS frame, * FROM check_fw('%1$s ROWS UNBOUNDED PRECEDING', :'wsums') WHERE NOT bits OR took;
SELECT 'filter sums exact' AS frame, * FROM check_fw('%1$s RANGE UNBOUNDED PRECEDING', :'fsums', '{"float_sums": "exact"}') WHERE NOT bits OR took;
INSERT INTO taken VALUES ('sums by default', rows_taken());
-- {"float_sums": "approximate"}: within the bounds, bit-identical where no
-- block was taken.
SELECT 'where sums approx rows 5000' AS frame, * FROM check_fw('%1$s ROWS 5000 PRECEDING', :'wsums', '{"float_sums": "approximate"}',
  jits => ARRAY[true, false], nrows => 5010) WHERE NOT ok OR NOT (took OR bits);
SELECT 'where sums approx range excl' AS frame, * FROM check_fw('%1$s RANGE 20000 PRECEDING EXCLUDE CURRENT ROW', :'wsums', '{"float_sums": "approximate"}',
  native_where => 'ts >= $2 - 20000', native_win => :'before_req') WHERE NOT ok OR NOT (took OR bits);
SELECT 'filter sums approx rows 1024' AS frame, * FROM check_fw('%1$s ROWS 1024 PRECEDING', :'fsums', '{"float_sums": "approximate"}', nrows => 1034)
 WHERE NOT ok OR NOT (took OR bits);
SELECT 'filter sums approx rows excl group' AS frame, * FROM check_fw('%1$s ROWS 2000 PRECEDING EXCLUDE GROUP', :'fsums', '{"float_sums": "approximate"}', nrows => 2000,
  native_where => 'ts < $2', native_win => :'before_req')
 WHERE NOT ok OR NOT (took OR bits);
CREATE TEMP TABLE approx_all AS
  SELECT 'where' AS set, * FROM check_fw('%1$s ROWS UNBOUNDED PRECEDING', :'wsums', '{"float_sums": "approximate"}')
  UNION ALL SELECT 'filter', * FROM check_fw('%1$s RANGE UNBOUNDED PRECEDING', :'fsums', '{"float_sums": "approximate"}');
INSERT INTO taken VALUES ('sums approximate', rows_taken());
SELECT set, count(*) FILTER (WHERE took AND preagg) > 0 AS took_on, count(*) FILTER (WHERE took AND NOT preagg) AS took_off,
       bool_and(ok AND (took OR bits)) AS all_ok,
       count(*) FILTER (WHERE took AND NOT bits AND req LIKE 'a@%') > 0 AS some_sums_rounded_differently
  FROM approx_all GROUP BY set ORDER BY set;
-- NaN, infinities, values beyond 1e100, -0 / +0: the answers.
SELECT set, req, preagg, took, deployed FROM approx_all WHERE req NOT LIKE 'a@%' ORDER BY set, req, preagg;

-- sum(real) adds in float4 (float4pl): not pre-aggregated by default, the
-- group reads rows (bit-identical); under the option, blocks taken, every
-- answer within 2 gamma4(n) sum|x| of PostgreSQL's, some different.
SELECT 'sum real reads rows' AS frame, * FROM check_fw('%1$s ROWS UNBOUNDED PRECEDING',
  '{"sum(r)", e, NULL, NULL, "min(r)", e, NULL, NULL, "sum(r) FILTER (WHERE c = 1)", e, NULL, NULL}')
 WHERE NOT bits OR took;
SELECT bool_and(ok) AS sum_real_within_bound, count(*) FILTER (WHERE took AND preagg) > 0 AS took_on,
       count(*) FILTER (WHERE took AND NOT preagg) AS took_off,
       count(*) FILTER (WHERE took AND NOT bits) > 0 AS some_rounded_differently,
       bool_and(bits) FILTER (WHERE NOT took) AS rows_read_identical
  FROM check_fw('%1$s ROWS UNBOUNDED PRECEDING',
  '{"sum(r)", f, "sum(abs(r)::float8)", "count(r)", "min(r)", e, NULL, NULL, "sum(r) FILTER (WHERE c = 1)", f, "sum(abs(r)::float8) FILTER (WHERE c = 1)", "count(r) FILTER (WHERE c = 1)"}',
  '{"float_sums": "approximate"}', jits => ARRAY[true, false]);
-- NaN, infinities, -0 / +0 (blocks holding NaN / infinities read as rows)
SELECT req, preagg, took, ok, bits, deployed FROM check_fw('%1$s RANGE UNBOUNDED PRECEDING',
  '{"sum(r)", f, "sum(abs(r)::float8)", "count(r)", "sum(r) FILTER (WHERE c = 1)", f, "sum(abs(r)::float8) FILTER (WHERE c = 1)", "count(r) FILTER (WHERE c = 1)"}',
  '{"float_sums": "approximate"}') WHERE req NOT LIKE 'a@%' ORDER BY req, preagg;

-- The OpenMLDB dialect: sum / avg / min / max of a double are the *_where
-- functions with true; equal with pre-aggregation on and off (count / min
-- / max by default; sums under the option within the bound above, checked
-- through check_fw).
SELECT feature_ext.deploy('pq_om', $$SELECT min(x) OVER w AS m1, max(x) OVER w AS x1, count_where(x, c = 1) OVER w AS n1,
  min_where(x, t = 'p') OVER w AS m2, max_where(x, c != 0) OVER w AS x2, count(x) OVER w AS n2
  FROM `pq` WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4000 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('pq_oms', $$SELECT sum(x) OVER w AS s1, avg(x) OVER w AS a1, sum_where(x, c > 0) OVER w AS s2
  FROM `pq` WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4000 PRECEDING AND CURRENT ROW)$$, '{"float_sums": "approximate"}');
SET feature_ext.preaggregate = on;
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE om_on AS SELECT r.k, r.ts, row(x.*)::text AS got FROM pq_req r, LATERAL pq_om(r.k, r.ts, 0, r.x, r.c, r.t, r.r) x;
SELECT rows_taken() > :before AS dialect_took_summaries;
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE oms_on AS SELECT r.k, r.ts, x.* FROM pq_req r, LATERAL pq_oms(r.k, r.ts, 0, r.x, r.c, r.t, r.r) x;
SELECT rows_taken() > :before AS dialect_sums_took_summaries;
SET feature_ext.preaggregate = off;
CREATE TEMP TABLE om_off AS SELECT r.k, r.ts, row(x.*)::text AS got FROM pq_req r, LATERAL pq_om(r.k, r.ts, 0, r.x, r.c, r.t, r.r) x;
CREATE TEMP TABLE oms_off AS SELECT r.k, r.ts, x.* FROM pq_req r, LATERAL pq_oms(r.k, r.ts, 0, r.x, r.c, r.t, r.r) x;
RESET feature_ext.preaggregate;
SELECT o.k, o.ts, o.got = f.got AS same, o.got FROM om_on o JOIN om_off f USING (k, ts) ORDER BY o.k, o.ts;
-- (relative 1e-9 here: the bound is checked by check_fw above)
SELECT o.k, o.ts,
       o.s1::text = f.s1::text OR abs(o.s1 - f.s1) <= 1e-9 * abs(f.s1) AS s1_close,
       o.a1::text = f.a1::text OR abs(o.a1 - f.a1) <= 1e-9 * abs(f.a1) AS a1_close,
       o.s2::text = f.s2::text OR abs(o.s2 - f.s2) <= 1e-9 * abs(f.s2) AS s2_close
  FROM oms_on o JOIN oms_off f USING (k, ts) ORDER BY o.k, o.ts;
SELECT feature_ext.undeploy('pq_om');
SELECT feature_ext.undeploy('pq_oms');

-- DELETEs and late rows inside compacted blocks (NaN and -0 among them),
-- then the GC pass's rebuild.
DELETE FROM pq WHERE k IN ('a', 'z') AND seq % 89 = 0 AND ts BETWEEN 10000 AND 30000;
INSERT INTO pq (k, ts, x, c, t, r) VALUES ('a', 20005, 3.25e-3, 1, 'p', 3.25e-3), ('a', 12345, '-0', 0, 'q', '-0'),
                                          ('a', 15005, 'NaN', 2, 'p', 'NaN'), ('z', 25005, 0, 0, 'p', 0);
SELECT 'where exact after changes' AS frame, * FROM check_fw('%1$s ROWS 5000 PRECEDING', :'wexact', nrows => 5010) WHERE NOT bits;
SELECT 'filter sums after changes' AS frame, * FROM check_fw('%1$s RANGE UNBOUNDED PRECEDING', :'fsums', '{"float_sums": "approximate"}')
 WHERE NOT ok OR NOT (took OR bits);
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'where sums after gc' AS frame, * FROM check_fw('%1$s ROWS UNBOUNDED PRECEDING', :'wsums', '{"float_sums": "approximate"}',
  jits => ARRAY[true, false]) WHERE NOT ok OR NOT (took OR bits);
SELECT 'filter exact after gc' AS frame, * FROM check_fw('%1$s ROWS 4000 PRECEDING', :'fexact', nrows => 4010) WHERE NOT bits;
INSERT INTO taken VALUES ('after changes', rows_taken());

-- TTL: an event-clock absolute TTL of 30 s whose cut moves into compacted
-- blocks, then a row limit (MAXSIZE-like edge: ROWS just under the limit).
CREATE TABLE pqt (k text, ts int8, seq serial, x float8, c int2, t text, r real) USING feature_store;
CREATE INDEX pqt_k ON pqt USING skiplist (k, ts) WITH (ttl = '30s', ttl_clock = 'event');
INSERT INTO pqt (k, ts, x, c, t, r) SELECT k, ts, x, c, t, r FROM pq ORDER BY seq;
SELECT feature_ext.run_gc() >= 0 AS gc;
INSERT INTO pqt (k, ts, x, c, t, r) SELECT 'a', 40000 + g * 10, g / 9.0::float8, (g % 3)::int2, 'p', g / 9.0::real FROM generate_series(1, 700) g;
SELECT 'where ttl abs moved' AS frame, * FROM check_fw('%1$s ROWS 20000 PRECEDING', :'wsums', '{"float_sums": "approximate"}', tbl => 'pqt',
  native_where => 'ts >= (SELECT max(ts) FROM pqt p2 WHERE p2.k = $1) - 30000') WHERE NOT ok OR NOT (took OR bits);
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'filter ttl abs after gc' AS frame, * FROM check_fw('%1$s ROWS 9000 PRECEDING', :'fexact', tbl => 'pqt',
  native_where => 'ts >= (SELECT max(ts) FROM pqt p2 WHERE p2.k = $1) - 30000', nrows => 9010) WHERE NOT bits;
SELECT feature_ext.undeploy('pq_feat');
DROP TABLE pqt;
CREATE TABLE pqt (k text, ts int8, seq serial, x float8, c int2, t text, r real) USING feature_store;
CREATE INDEX pqt_k ON pqt USING skiplist (k, ts) WITH (ttl_type = 'latest', ttl_rows = 7000);
INSERT INTO pqt (k, ts, x, c, t, r) SELECT k, ts, x, c, t, r FROM pq ORDER BY seq;
SELECT feature_ext.run_gc() >= 0 AS gc;
INSERT INTO pqt (k, ts, x, c, t, r) SELECT 'a', 50000 + g * 10, -g / 9.0::float8, (g % 3)::int2, 'q', -g / 9.0::real FROM generate_series(1, 600) g;
SELECT 'fsums ttl latest' AS frame, * FROM check_fw('%1$s ROWS 6999 PRECEDING', :'fsums', '{"float_sums": "approximate"}', tbl => 'pqt',
  native_where => 'seq IN (SELECT seq FROM pqt p2 WHERE p2.k = $1 ORDER BY ts DESC, seq DESC LIMIT 7000)', nrows => 7009)
 WHERE NOT ok OR NOT (took OR bits);
INSERT INTO taken VALUES ('ttl', rows_taken());

-- MAXSIZE against the equivalent ROWS frame (maxsize n = the newest n - 1
-- stored rows and the request).
SELECT feature_ext.deploy('pq_max', $$SELECT feature_ext.min_where(x, c >= 0) OVER w AS m1, max(x) FILTER (WHERE t = 'p') OVER w AS x1,
  feature_ext.count_where(x, c = 1) OVER w AS n1
  FROM pq WINDOW w AS (PARTITION BY k, feature_ext.maxsize(3000) ORDER BY ts RANGE UNBOUNDED PRECEDING)$$) IS NOT NULL AS deployed;
SELECT feature_ext.deploy('pq_rows', $$SELECT feature_ext.min_where(x, c >= 0) OVER w AS m1, max(x) FILTER (WHERE t = 'p') OVER w AS x1,
  feature_ext.count_where(x, c = 1) OVER w AS n1
  FROM pq WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2999 PRECEDING)$$) IS NOT NULL AS deployed;
SET feature_ext.preaggregate = on;
SELECT rows_taken() AS before \gset
SELECT r.k, r.ts FROM pq_req r, LATERAL pq_max(r.k, r.ts, 0, r.x, r.c, r.t, r.r) m, LATERAL pq_rows(r.k, r.ts, 0, r.x, r.c, r.t, r.r) w
 WHERE row(m.*)::text <> row(w.*)::text;
SELECT rows_taken() > :before AS maxsize_took_summaries;
RESET feature_ext.preaggregate;
SELECT feature_ext.undeploy('pq_max');
SELECT feature_ext.undeploy('pq_rows');

-- Summaries were taken at each stage but the default sums.
SELECT at, n - lag(n) OVER (ORDER BY ord) > 0 AS took_summaries
  FROM (SELECT at, n, row_number() OVER () AS ord FROM taken) t ORDER BY ord;

SELECT feature_ext.undeploy('pq_feat');
DROP TABLE pq, pq_stage, pq_req, pqt, om_on, om_off, oms_on, oms_off, approx_all, taken;
DROP FUNCTION check_fw, rows_taken, f4;
