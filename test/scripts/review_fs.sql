-- Adversarial review (branch rev-fs) of (1) float8 pre-aggregation (branch
-- fsum: min / max / count by default, sum / avg under float_sums =
-- 'approximate') and (2) union windows offline running the compiled kernel
-- (main 135331d).  Every probe prints "ok NAME" or "BUG NAME: observed ... /
-- expected ...", the expected value being PostgreSQL's own executor's.
SET client_min_messages = warning;
SET extra_float_digits = 1;

CREATE FUNCTION rv_try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE q INTO r;
  RETURN coalesce(r, '<null>');
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION rv_check(name text, obs text, exp text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN obs IS NOT DISTINCT FROM exp THEN 'ok ' || name
              ELSE format('BUG %s: observed %s / expected %s', name, obs, exp) END $$;

------------------------------------------------------------------------
-- Part 1: float8 pre-aggregation
------------------------------------------------------------------------
CREATE TABLE rf (k text, ts int8, seq serial, x float8) USING feature_store;
CREATE INDEX rf_k ON rf USING skiplist (k, ts);
-- h: small values, then NULLs with one 1e160 alone in its block
INSERT INTO rf (k, ts, x) SELECT 'h', g * 10, CASE WHEN g <= 1000 THEN g / 3.0 WHEN g = 1700 THEN 1e160 END
  FROM generate_series(1, 3000) g;
-- h3: 1e160 alone (NULLs around it) in an old block, then small values in
-- blocks, the newest rows NULL: under approximate the rows read hold only
-- the 1e160, so float8_accum's Sxx (which overflows in PostgreSQL's order,
-- 22003) is never computed against the other values
INSERT INTO rf (k, ts, x) SELECT 'h3', g * 10, CASE WHEN g = 300 THEN 1e160 WHEN g > 600 AND g <= 2400 THEN g / 3.0 END
  FROM generate_series(1, 3000) g;
-- mz: only -0
INSERT INTO rf (k, ts, x) SELECT 'mz', g * 10, '-0' FROM generate_series(1, 3000) g;
-- mm: NaN blocks, -0 / +0 blocks, a -Infinity, -0 / +0 alternating; the
-- newest rows NULL so that the answers come from the blocks
INSERT INTO rf (k, ts, x) SELECT 'mm', g * 10,
  CASE WHEN g <= 600 THEN 'NaN'::float8
       WHEN g <= 1400 THEN CASE WHEN (g / 300) % 2 = 0 THEN '-0'::float8 ELSE 0 END
       WHEN g <= 2000 THEN CASE WHEN g = 1500 THEN '-Infinity'::float8 ELSE 5 END
       WHEN g <= 2600 THEN CASE WHEN g % 2 = 0 THEN '-0'::float8 ELSE 0 END END
  FROM generate_series(1, 3000) g;
-- tz: -0 / +0 alternating, newest non-null -0 (tz) / +0 (tz2), then NULLs
INSERT INTO rf (k, ts, x) SELECT 'tz', g * 10, CASE WHEN g > 2600 THEN NULL WHEN g % 2 = 0 THEN '-0'::float8 ELSE 0 END
  FROM generate_series(1, 3000) g;
INSERT INTO rf (k, ts, x) SELECT 'tz2', g * 10, CASE WHEN g > 2600 THEN NULL WHEN g % 2 = 0 THEN 0 ELSE '-0'::float8 END
  FROM generate_series(1, 3000) g;
-- a: values of many magnitudes (sums round differently by order)
INSERT INTO rf (k, ts, x) SELECT 'a', g * 10,
  CASE WHEN g % 13 = 0 THEN NULL ELSE ((g * 7919) % 2001 - 1000) / 7.0::float8 * power(10::float8, g % 9 - 4) END
  FROM generate_series(1, 6000) g;
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null

-- rf_native(feats, frame, k, ts, x): PostgreSQL's window over the key's rows
-- up to ts plus the request row (last among its peers).
\ir native_frame.sql
CREATE FUNCTION rf_native(feats text, frame text, k text, ts int8, x float8, extra text DEFAULT 'true') RETURNS text
LANGUAGE sql AS $$
  SELECT rv_try(format($q$SELECT row(y.*)::text FROM (SELECT %s FROM
      (SELECT * FROM (SELECT k, ts, seq, x FROM rf WHERE k = %L AND ts <= %s AND %s UNION ALL SELECT %L, %s, 2147483647, %L::float8) u0 ORDER BY ts, seq) u
      WINDOW w AS (ORDER BY ts%s %s) ORDER BY ts DESC, seq DESC LIMIT 1) y$q$, feats, k, ts, nf.extra_out, k, ts, x,
      CASE WHEN nf.rewritten THEN ', seq'
           WHEN frame LIKE 'RANGE%' OR frame LIKE '%EXCLUDE GROUP%' OR frame LIKE '%EXCLUDE TIES%' THEN '' ELSE ', seq' END, nf.frame_out))
    FROM native_frame(frame, 'rf', k, ts, extra) nf
$$;
CREATE FUNCTION rf_dep(fn text, k text, ts int8, x float8) RETURNS text LANGUAGE sql AS $$
  SELECT rv_try(format('SELECT row(d.*)::text FROM %I(%L, %s, 0, %L::float8) d', fn, k, ts, x))
$$;
CREATE FUNCTION rf_deploy(fn text, feats text, frame text, opts jsonb DEFAULT '{}') RETURNS void LANGUAGE sql AS $$
  SELECT feature_ext.deploy(fn, format('SELECT %s FROM rf WINDOW w AS (PARTITION BY k ORDER BY ts %s)', feats, frame),
                            opts || '{"replace": true}') $$;
CREATE FUNCTION rows_taken() RETURNS int8 LANGUAGE sql AS $$SELECT rows_taken FROM feature_ext.preagg_stats()$$;

-- exact probes: deployed (pre-aggregation on, JIT on and off) = PostgreSQL's
CREATE FUNCTION rf_exact(name text, feats text, frame text, k text, ts int8, x float8, opts jsonb DEFAULT '{}',
                         extra text DEFAULT 'true') RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE j bool; exp text; obs text; before int8;
BEGIN
  PERFORM rf_deploy('rf_p', feats, frame, opts);
  exp := rf_native(feats, frame, k, ts, x, extra);
  FOREACH j IN ARRAY ARRAY[false, true] LOOP
    PERFORM set_config('feature_ext.jit', j::text, false);
    PERFORM set_config('feature_ext.preaggregate', 'on', false);
    obs := rf_dep('rf_p', k, ts, x);
    RETURN NEXT rv_check(name || CASE WHEN j THEN '/jit' ELSE '' END, obs, exp);
  END LOOP;
  RESET feature_ext.jit;
END $$;

-- 1. avg(float8) of a frame with 1e160 and other values: PostgreSQL's
-- float8_accum raises 22003 (Sxx overflows); under approximate the 1e160's
-- block is read as rows alone (the other values in blocks).
SELECT rf_exact('avg_sxx_overflow_approx', 'avg(x) OVER w', 'ROWS UNBOUNDED PRECEDING', 'h', 40000, NULL,
                '{"float_sums": "approximate"}');
SELECT rf_exact('avg_sxx_overflow_isolated_approx', 'avg(x) OVER w', 'ROWS UNBOUNDED PRECEDING', 'h3', 40000, NULL,
                '{"float_sums": "approximate"}');
SELECT rf_exact('avg_sxx_overflow_isolated_default', 'avg(x) OVER w', 'ROWS UNBOUNDED PRECEDING', 'h3', 40000, NULL);
SELECT rf_exact('avg_sxx_overflow_default', 'avg(x) OVER w', 'ROWS UNBOUNDED PRECEDING', 'h', 40000, NULL);
SELECT rf_exact('avg_sxx_overflow_range_approx', 'avg(x) OVER w', 'RANGE BETWEEN 100000 PRECEDING AND CURRENT ROW', 'h', 40000, NULL,
                '{"float_sums": "approximate"}');
-- 2. only -0: sum -0, avg 0 (float8_accum's Sx starts at +0)
SELECT rf_exact('negzero_sum_avg_approx', 'sum(x) OVER w, avg(x) OVER w, count(x) OVER w', 'ROWS UNBOUNDED PRECEDING', 'mz', 40000, '-0',
                '{"float_sums": "approximate"}');
SELECT rf_exact('negzero_sum_avg_approx_nullreq', 'sum(x) OVER w, avg(x) OVER w', 'ROWS BETWEEN 2000 PRECEDING AND CURRENT ROW', 'mz', 40000, NULL,
                '{"float_sums": "approximate"}');
SELECT rf_exact('negzero_minmax', 'min(x) OVER w, max(x) OVER w', 'ROWS UNBOUNDED PRECEDING', 'mz', 40000, NULL);
-- 3. min / max: NaN blocks, -Infinity, ties of -0 / +0 (newest wins)
SELECT rf_exact('mm_unbounded_' || coalesce(x, 'null'), 'min(x) OVER w, max(x) OVER w, count(x) OVER w', 'ROWS UNBOUNDED PRECEDING', 'mm', 40000, x::float8)
  FROM unnest(ARRAY[NULL, '0', '-0', 'NaN', '-Infinity']) x;
SELECT rf_exact('mm_rows1500_' || coalesce(x, 'null') || '_' || ts, 'min(x) OVER w, max(x) OVER w', 'ROWS BETWEEN 1500 PRECEDING AND CURRENT ROW', 'mm', ts, x::float8)
  FROM unnest(ARRAY[NULL, '0', '-0']) x, unnest(ARRAY[16000, 27000, 40000]::int8[]) ts;
SELECT rf_exact('mm_range_excl_' || ts, 'min(x) OVER w, max(x) OVER w', 'RANGE BETWEEN 15000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW',
                'mm', ts, '0', extra => 'ts >= ' || ts - 15000)
  FROM unnest(ARRAY[16000, 27000, 40000]::int8[]) ts;
SELECT rf_exact('tz_' || k || '_' || coalesce(x, 'null') || '_' || left(fr, 10), 'min(x) OVER w, max(x) OVER w', fr, k, 40000, x::float8)
  FROM unnest(ARRAY['tz', 'tz2']) k, unnest(ARRAY[NULL, '0', '-0']) x,
       unnest(ARRAY['ROWS UNBOUNDED PRECEDING', 'ROWS BETWEEN 2000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW']) fr;
-- 4. EXCLUDE CURRENT ROW / ROWS edges, approximate: min / max / count exact
SELECT rf_exact('a_exact_cols_' || replace(fr, ' ', '_'), 'min(x) OVER w, max(x) OVER w, count(x) OVER w', fr, 'a', 55005, 1.25,
                '{"float_sums": "approximate"}')
  FROM unnest(ARRAY['ROWS BETWEEN 1024 PRECEDING AND CURRENT ROW', 'ROWS BETWEEN 1023 PRECEDING AND CURRENT ROW',
                    'ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW',
                    'RANGE UNBOUNDED PRECEDING EXCLUDE CURRENT ROW']) fr;

-- approximate sums within the documented bound (and exact where no block)
CREATE FUNCTION rf_bound(name text, frame text, k text, ts int8, x float8, extra text DEFAULT 'true') RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE n record; d record; bound float8; before int8; took bool;
BEGIN
  PERFORM rf_deploy('rf_b', 'sum(x) OVER w AS s, avg(x) OVER w AS a, count(x) OVER w AS n', frame, '{"float_sums": "approximate"}');
  EXECUTE format($q$SELECT * FROM (SELECT sum(x) OVER w AS s, avg(x) OVER w AS a, count(x) OVER w AS n, sum(abs(x)) OVER w AS sabs FROM
      (SELECT * FROM (SELECT k, ts, seq, x FROM rf WHERE k = %L AND ts <= %s AND %s UNION ALL SELECT %L, %s, 2147483647, %L::float8) u0 ORDER BY ts, seq) u
      WINDOW w AS (ORDER BY ts%s %s) ORDER BY ts DESC, seq DESC LIMIT 1) y$q$, k, ts, extra, k, ts, x,
      CASE WHEN frame LIKE 'RANGE%' OR frame LIKE '%EXCLUDE GROUP%' OR frame LIKE '%EXCLUDE TIES%' THEN '' ELSE ', seq' END, frame) INTO n;
  before := rows_taken();
  SET feature_ext.preaggregate = on;
  SELECT * INTO d FROM rf_b(k, ts, 0, x);
  took := rows_taken() > before;
  bound := 2 * ((n.n - 1) * 2.0^(-53) / (1 - (n.n - 1) * 2.0^(-53))) * coalesce(n.sabs, 0);
  IF d.n IS DISTINCT FROM n.n OR NOT ((d.s::text IS NOT DISTINCT FROM n.s::text OR abs(d.s - n.s) <= bound)
       AND (d.a::text IS NOT DISTINCT FROM n.a::text OR abs(d.a - n.a) <= bound / n.n)) THEN
    RETURN NEXT format('BUG %s: observed %s / expected %s (bound %s)', name, d::text, row(n.s, n.a, n.n)::text, bound);
  ELSIF NOT took AND row(d.s, d.a)::text IS DISTINCT FROM row(n.s, n.a)::text THEN
    RETURN NEXT format('BUG %s (no block taken): observed %s / expected %s', name, d::text, row(n.s, n.a, n.n)::text);
  ELSE
    RETURN NEXT 'ok ' || name || CASE WHEN took THEN '' ELSE ' (no block)' END;
  END IF;
END $$;
SELECT rf_bound('a_bound_' || replace(fr, ' ', '_'), fr, 'a', 55005, 1.25)
  FROM unnest(ARRAY['ROWS BETWEEN 1024 PRECEDING AND CURRENT ROW', 'ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW',
                    'RANGE UNBOUNDED PRECEDING EXCLUDE CURRENT ROW', 'ROWS UNBOUNDED PRECEDING']) fr;
SELECT rf_bound('a_bound_range_excl', 'RANGE BETWEEN 40000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW', 'a', 55005, 1.25, 'ts >= 15005');

-- 5. option validation
SELECT rv_check('option_' || o, rv_try(format($q$SELECT feature_ext.deploy('rf_o', 'SELECT sum(x) OVER w AS s FROM rf WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)', %L)$q$, o)),
                'ERROR 22023: deploy option float_sums must be "exact" or "approximate"')
  FROM unnest(ARRAY['{"float_sums": "APPROXIMATE"}', '{"float_sums": null}', '{"float_sums": ["approximate"]}',
                    '{"float_sums": "approximate "}', '{"float_sums": 1}']) o;
-- the OpenMLDB dialect: accepted or refused, but never a wrong answer
SELECT rv_try($q$SELECT feature_ext.deploy('rf_om', 'SELECT sum(x) OVER w AS s, avg(x) OVER w AS a FROM rf WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 100000 PRECEDING AND CURRENT ROW)', '{"float_sums": "approximate", "replace": true}')$q$) AS om \gset
SELECT CASE WHEN :'om' LIKE 'ERROR%' THEN 'ok option_openmldb (refused: ' || :'om' || ')'
            ELSE rv_check('option_openmldb_stored', (SELECT options->>'float_sums' FROM feature_ext.deployment WHERE name = 'rf_om'), 'approximate') END;
-- 6. stored: a new session plans from the catalog; replace without the option is exact
SELECT '' FROM rf_deploy('rf_keep', 'sum(x) OVER w AS s', 'ROWS UNBOUNDED PRECEDING', '{"float_sums": "approximate"}');
\c
SET client_min_messages = warning;
SET extra_float_digits = 1;
SELECT rows_taken() AS b0 \gset
SELECT rf_dep('rf_keep', 'a', 55005, 1.25) \g /dev/null
SELECT rv_check('option_new_session_takes_blocks', (rows_taken() > :b0)::text, 'true');
SELECT '' FROM rf_deploy('rf_keep', 'sum(x) OVER w AS s', 'ROWS UNBOUNDED PRECEDING');
SELECT rv_check('redeploy_default_exact', rf_dep('rf_keep', 'a', 55005, 1.25), rf_native('sum(x) OVER w', 'ROWS UNBOUNDED PRECEDING', 'a', 55005, 1.25));
SELECT '' FROM rf_deploy('rf_keep', 'sum(x) OVER w AS s', 'ROWS UNBOUNDED PRECEDING', '{"float_sums": "approximate"}');

-- 7. MAXSIZE (OpenMLDB dialect) and TTL cuts: pre-aggregation on = off
CREATE FUNCTION rf_onoff(name text, fn text, k text, ts int8, x float8) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text; b text; before int8;
BEGIN
  SET feature_ext.preaggregate = off;
  b := rf_dep(fn, k, ts, x);
  SET feature_ext.preaggregate = on;
  before := rows_taken();
  a := rf_dep(fn, k, ts, x);
  RETURN rv_check(name || CASE WHEN rows_taken() > before THEN '' ELSE ' (no block)' END, a, b);
END $$;
SELECT rv_try($q$SELECT feature_ext.deploy('rf_ms', 'SELECT min(x) OVER w AS mn, max(x) OVER w AS mx, count(x) OVER w AS n FROM rf WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 100000 PRECEDING AND CURRENT ROW MAXSIZE 1500)', '{"replace": true}')$q$) \g /dev/null
SELECT rf_onoff('maxsize_minmax_' || k, 'rf_ms', k, 40000, NULL) FROM unnest(ARRAY['mm', 'tz', 'tz2']) k;
SELECT rv_check('maxsize_native_mm', rf_dep('rf_ms', 'mm', 26000, NULL),
                rf_native('min(x) OVER w, max(x) OVER w, count(x) OVER w', 'ROWS 1499 PRECEDING', 'mm', 26000, NULL));

-- after DELETE (of the block's max), late rows (a tie of +0 after -0),
-- before and after the GC rebuild
DELETE FROM rf WHERE k = 'mm' AND ts = 15000;  -- the -Infinity
INSERT INTO rf (k, ts, x) VALUES ('tz', 20005, 0), ('tz', 20006, '-0'), ('mm', 3005, 'NaN'), ('mm', 25001, '-Infinity');
SELECT rf_exact('after_changes_' || k || '_' || ts, 'min(x) OVER w, max(x) OVER w, count(x) OVER w', 'ROWS UNBOUNDED PRECEDING', k, ts, NULL)
  FROM unnest(ARRAY['mm', 'tz']) k, unnest(ARRAY[25002, 40000]) ts;
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT rf_exact('after_gc_' || k || '_' || ts, 'min(x) OVER w, max(x) OVER w, count(x) OVER w', 'ROWS UNBOUNDED PRECEDING', k, ts, NULL)
  FROM unnest(ARRAY['mm', 'tz']) k, unnest(ARRAY[25002, 40000]) ts;
SELECT rf_exact('after_gc_rows1500_' || k, 'min(x) OVER w, max(x) OVER w', 'ROWS BETWEEN 1500 PRECEDING AND CURRENT ROW', k, 26000, NULL)
  FROM unnest(ARRAY['mm', 'tz']) k;

-- TTL cut (latest 2000 rows of the key): after the GC pass the window holds
-- the newest 2000 rows; min / max / count as PostgreSQL's over them, sum /
-- avg (approximate) within the bound; and after more rows arrive (a cut
-- inside a built block) before the next pass
CREATE TABLE rt (k text, ts int8, seq serial, x float8) USING feature_store;
CREATE INDEX rt_k ON rt USING skiplist (k, ts) WITH (ttl_type = 'latest', ttl_rows = 2000);
INSERT INTO rt (k, ts, x) SELECT 'm', g * 10,
  CASE WHEN g <= 1200 THEN 'NaN'::float8 WHEN g = 1250 THEN '-Infinity' WHEN g % 2 = 0 THEN '-0'::float8 ELSE g % 7 END
  FROM generate_series(1, 3000) g;
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT feature_ext.deploy('rt_p', 'SELECT min(x) OVER w AS mn, max(x) OVER w AS mx, count(x) OVER w AS n, sum(x) OVER w AS s FROM rt WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1999 PRECEDING AND CURRENT ROW)',
                          '{"float_sums": "approximate"}') \g /dev/null
CREATE FUNCTION rt_probe(name text, rts int8) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE d record; n record; before int8;
BEGIN
  SET feature_ext.preaggregate = on;
  before := rows_taken();
  SELECT * INTO d FROM rt_p('m', rts, 0, NULL::float8);
  -- the newest 1999 stored rows, then the request row
  SELECT * INTO n FROM (SELECT min(x) OVER w AS mn, max(x) OVER w AS mx, count(x) OVER w AS n, sum(x) OVER w AS s, seq FROM
    (SELECT * FROM (SELECT k, ts, seq, x FROM rt WHERE k = 'm' ORDER BY ts DESC, seq DESC LIMIT 1999) r
     UNION ALL SELECT 'm', rts, 2147483647, NULL) u WINDOW w AS (ORDER BY ts, seq ROWS UNBOUNDED PRECEDING)) y
   WHERE seq = 2147483647;
  RETURN NEXT rv_check(name || CASE WHEN rows_taken() > before THEN '' ELSE ' (no block)' END,
                       row(d.mn, d.mx, d.n)::text, row(n.mn, n.mx, n.n)::text);
  RETURN NEXT rv_check(name || '_sum_within_1e-9', (abs(d.s - n.s) <= 1e-9 * greatest(abs(n.s), 1))::text, 'true');
END $$;
SELECT rt_probe('ttl_after_gc', 40000);
INSERT INTO rt (k, ts, x) SELECT 'm', 30000 + g * 10, CASE WHEN g = 100 THEN 'NaN'::float8 ELSE -g END FROM generate_series(1, 300) g;
SELECT rt_probe('ttl_new_rows_before_gc', 40000);
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT rt_probe('ttl_new_rows_after_gc', 40000);

-- newest of equal values when a block in the middle is read as rows (a
-- DELETE and a late row) between blocks taken: -0 blocks, +0 blocks, -0
-- blocks, NULLs; min and max are the newest zero (-0)
INSERT INTO rf (k, ts, x) SELECT 'q', g * 10, CASE WHEN g <= 1000 THEN '-0'::float8 WHEN g <= 2000 THEN 0 WHEN g <= 2600 THEN '-0'::float8 END
  FROM generate_series(1, 3000) g;
SELECT feature_ext.run_gc() >= 0 \g /dev/null
DELETE FROM rf WHERE k = 'q' AND ts = 15000;
INSERT INTO rf (k, ts, x) VALUES ('q', 15005, 0);
SELECT rf_exact('q_ties_middle_rows_' || left(fr, 12), 'min(x) OVER w, max(x) OVER w', fr, 'q', 40000, NULL)
  FROM unnest(ARRAY['ROWS UNBOUNDED PRECEDING', 'RANGE BETWEEN 28000 PRECEDING AND CURRENT ROW']) fr;
-- -0 blocks separated by all-NULL blocks: the blocks' sum B stays -0
INSERT INTO rf (k, ts, x) SELECT 'mzn', g * 10, CASE WHEN g <= 1000 OR g BETWEEN 2001 AND 2600 THEN '-0'::float8 END
  FROM generate_series(1, 3000) g;
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT rf_exact('negzero_null_blocks_' || left(fr, 12), 'sum(x) OVER w, avg(x) OVER w, min(x) OVER w, max(x) OVER w', fr, 'mzn', 40000, NULL,
                '{"float_sums": "approximate"}')
  FROM unnest(ARRAY['ROWS UNBOUNDED PRECEDING', 'ROWS BETWEEN 1500 PRECEDING AND CURRENT ROW', 'RANGE BETWEEN 25000 PRECEDING AND CURRENT ROW']) fr;
-- default deployments: sum / avg next to min / max stay bit-identical
SELECT rf_exact('default_mixed_' || left(fr, 12), 'sum(x) OVER w, avg(x) OVER w, min(x) OVER w, max(x) OVER w, count(x) OVER w', fr, 'a', 55005, 1.25)
  FROM unnest(ARRAY['ROWS UNBOUNDED PRECEDING', 'ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW']) fr;
-- the OpenMLDB dialect under approximate: its sum / avg of a double
-- (sum_where / avg_where(x, true), feature_ext's exact sum) take blocks
-- since branch fw (docs/DEPLOY.md, "Float sums"): within 2 * gamma(n) *
-- sum(|x|) of pre-aggregation off (the rows' exact sum; n values in the
-- ROWS_RANGE 100000 window and the request), summaries taken; bit for bit
-- where no block was taken (key mm: its NaN / infinities)
CREATE FUNCTION rf_om_bound(name text, k text, ts int8, x float8) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text[]; b text[]; before int8; n float8; sabs float8; bound float8; took bool;
BEGIN
  SET feature_ext.preaggregate = off;
  b := string_to_array(trim(both '()' from rf_dep('rf_om', k, ts, x)), ',');
  SET feature_ext.preaggregate = on;
  before := rows_taken();
  a := string_to_array(trim(both '()' from rf_dep('rf_om', k, ts, x)), ',');
  took := rows_taken() > before;
  SELECT count(v), sum(abs(v)) INTO n, sabs
    FROM (SELECT rf.x AS v FROM rf WHERE rf.k = rf_om_bound.k AND rf.ts BETWEEN rf_om_bound.ts - 100000 AND rf_om_bound.ts
          UNION ALL SELECT rf_om_bound.x) u;
  bound := 2 * (n * 2.0^(-53) / (1 - n * 2.0^(-53))) * sabs;
  IF a = b THEN
    RETURN 'ok ' || name || CASE WHEN took THEN '' ELSE ' (no block)' END;
  ELSIF took AND abs(a[1]::float8 - b[1]::float8) <= bound AND abs(a[2]::float8 - b[2]::float8) <= bound / n THEN
    RETURN 'ok ' || name || ' (within the bound)';
  END IF;
  RETURN format('BUG %s: observed %s / expected %s (bound %s, summaries taken: %s)', name, a, b, bound, took);
END $$;
SELECT rf_om_bound('openmldb_approx_onoff_' || k, k, 55005, 1.25) FROM unnest(ARRAY['a', 'mm']) k;
-- 16 integer columns before the float8 one: no summaries for it (reads rows)
CREATE TABLE r16 (k text, ts int8, i1 int, i2 int, i3 int, i4 int, i5 int, i6 int, i7 int, i8 int, i9 int, i10 int,
                  i11 int, i12 int, i13 int, i14 int, i15 int, i16 int, x float8) USING feature_store;
CREATE INDEX r16_k ON r16 USING skiplist (k, ts);
INSERT INTO r16 (k, ts, x) SELECT 'a', g * 10, CASE WHEN g % 2 = 0 THEN '-0'::float8 ELSE g / 3.0 END FROM generate_series(1, 3000) g;
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT '' FROM feature_ext.deploy('r16_f', 'SELECT max(x) OVER w AS mx, min(x) OVER w AS mn, sum(x) OVER w AS s, avg(x) OVER w AS a FROM r16 WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)',
                                '{"float_sums": "approximate"}');
SELECT rv_check('seventeenth_column', rv_try($$SELECT row(d.*)::text FROM r16_f('a', 40000, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, NULL) d$$),
                rv_try($$SELECT row(y.*)::text FROM (SELECT max(x) OVER w, min(x) OVER w, sum(x) OVER w, avg(x) OVER w FROM (SELECT ts, x FROM r16 UNION ALL SELECT 40000, NULL) u
                         WINDOW w AS (ORDER BY ts) ORDER BY ts DESC LIMIT 1) y$$));

-- a timestamptz order column, RANGE with an interval
CREATE TABLE rtz (k text, ts timestamptz, seq serial, x float8) USING feature_store;
CREATE INDEX rtz_k ON rtz USING skiplist (k, ts);
INSERT INTO rtz (k, ts, x) SELECT 'a', '2024-01-01'::timestamptz + g * interval '1 minute',
  CASE WHEN g % 7 = 0 THEN NULL WHEN g % 3 = 0 THEN '-0'::float8 WHEN g % 3 = 1 THEN 0 WHEN g = 1000 THEN 'NaN' ELSE -(g % 5) END
  FROM generate_series(1, 6000) g;
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT '' FROM feature_ext.deploy('rtz_f', 'SELECT min(x) OVER w AS mn, max(x) OVER w AS mx, count(x) OVER w AS n FROM rtz WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL ''3 days'' PRECEDING AND CURRENT ROW)');
SELECT rv_check('timestamptz_range_' || t, rv_try(format($$SELECT row(d.*)::text FROM rtz_f('a', %L, 0, NULL) d$$, t)),
                rv_try(format($$SELECT row(y.*)::text FROM (SELECT min(x) OVER w, max(x) OVER w, count(x) OVER w FROM (SELECT ts, seq, x FROM rtz WHERE ts <= %L UNION ALL SELECT %L, 2147483647, NULL) u
                         WINDOW w AS (ORDER BY ts RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW) ORDER BY ts DESC, seq DESC LIMIT 1) y$$, t, t)))
  FROM unnest(ARRAY['2024-01-04 10:00:30+00', '2024-01-05 00:00:00+00', '2024-01-09']::timestamptz[]) t;

-- superblocks (64 blocks of 256 rows): -0 / +0 blocks alternating, the newest
-- non-null zero inside the second superblock; min / max its sign
INSERT INTO rf (k, ts, x) SELECT 'S', g * 10, CASE WHEN g > 32000 THEN NULL WHEN (g / 256) % 2 = 1 THEN '-0'::float8 ELSE 0 END
  FROM generate_series(1, 40000) g;
INSERT INTO rf (k, ts, x) SELECT 'S2', g * 10, CASE WHEN g > 32000 THEN NULL WHEN (g / 256) % 2 = 0 THEN '-0'::float8 ELSE 0 END
  FROM generate_series(1, 40000) g;
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT rf_exact('superblock_ties_' || k || '_' || left(fr, 12), 'min(x) OVER w, max(x) OVER w, count(x) OVER w', fr, k, 400005, NULL)
  FROM unnest(ARRAY['S', 'S2']) k, unnest(ARRAY['ROWS UNBOUNDED PRECEDING', 'ROWS BETWEEN 39000 PRECEDING AND CURRENT ROW']) fr;
SELECT rf_exact('superblock_ties_approx_' || k, 'sum(x) OVER w, avg(x) OVER w, min(x) OVER w, max(x) OVER w', 'ROWS UNBOUNDED PRECEDING', k, 400005, NULL,
                '{"float_sums": "approximate"}')
  FROM unnest(ARRAY['S', 'S2']) k;

-- NaN bit patterns (+NaN and -NaN = Infinity - Infinity): the newest NaN's
-- bits, as float8larger / float8smaller keep them (float8send compared)
INSERT INTO rf (k, ts, x) SELECT k, g * 10, CASE WHEN g > 2600 THEN NULL WHEN (g / 300) % 2 = m THEN 'NaN'::float8 ELSE ('Infinity'::float8 - 'Infinity'::float8) END
  FROM generate_series(1, 3000) g, (VALUES ('nb', 0), ('nb2', 1)) v(k, m);
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT '' FROM rf_deploy('rf_nb', 'min(x) OVER w AS mn, max(x) OVER w AS mx', 'ROWS UNBOUNDED PRECEDING');
SET feature_ext.preaggregate = on;
SELECT rv_check('nan_bits_' || k, (SELECT row(float8send(d.mn), float8send(d.mx))::text FROM rf_nb(k, 40000, 0, NULL) d),
                (SELECT row(float8send(mn), float8send(mx))::text FROM (SELECT min(x) OVER w AS mn, max(x) OVER w AS mx, ts FROM rf WHERE rf.k = kk.k
                   WINDOW w AS (ORDER BY ts, seq ROWS UNBOUNDED PRECEDING) ORDER BY ts DESC LIMIT 1) z))
  FROM unnest(ARRAY['nb', 'nb2']) kk(k);
RESET feature_ext.preaggregate;

-- peers of the request stored (request at an existing time): EXCLUDE GROUP / TIES
INSERT INTO rf (k, ts, x) VALUES ('a', 55000, '-0'), ('a', 55000, 1e-3);
SELECT rf_exact('peers_' || replace(fr, ' ', '_'), 'min(x) OVER w, max(x) OVER w, count(x) OVER w', fr, 'a', 55000, '-0', '{"float_sums": "approximate"}')
  FROM unnest(ARRAY['RANGE UNBOUNDED PRECEDING EXCLUDE GROUP', 'RANGE UNBOUNDED PRECEDING EXCLUDE TIES', 'ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE GROUP',
                    'RANGE BETWEEN 30000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW']) fr;
SELECT rf_bound('peers_bound_' || replace(fr, ' ', '_'), fr, 'a', 55000, '-0')
  FROM unnest(ARRAY['RANGE UNBOUNDED PRECEDING EXCLUDE GROUP', 'RANGE UNBOUNDED PRECEDING EXCLUDE TIES', 'ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE GROUP']) fr;

------------------------------------------------------------------------
-- Part 2: union windows offline (<name>_batch(), training_set()) with the
-- compiled kernel (JIT on) and without, against PostgreSQL's executor
------------------------------------------------------------------------
RESET feature_ext.preaggregate;
CREATE TABLE um (k text, ts int8, seq serial, v int4, w int8, f float8, c int2) USING feature_store;
CREATE TABLE uu1 (k text, ts int8, seq serial, v int4, w int8, f float8, c int2) USING feature_store;
CREATE TABLE uu2 (c int2, f float8, w int8, v int4, seq serial, ts int8, k text) USING feature_store;  -- another column order
CREATE INDEX um_k ON um USING skiplist (k, ts);
CREATE INDEX uu1_k ON uu1 USING skiplist (k, ts);
CREATE INDEX uu2_k ON uu2 USING skiplist (k, ts);
-- unique times across the tables (um g*30, uu1 g*30+10, uu2 g*30+20, labels g*30+5)
INSERT INTO um (k, ts, v, w, f, c) SELECT 'k' || (g % 3), g * 30, CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 101 - 30 END,
  (g * 7919) % 1000 - 400, CASE WHEN g % 5 = 0 THEN NULL ELSE (g * 7919 % 1000) / 7.0 END, (g % 3 - 1)::int2 FROM generate_series(1, 90) g;
INSERT INTO uu1 (k, ts, v, w, f, c) SELECT 'k' || (g % 3), g * 30 + 10, (g * 53) % 97, g * 11, CASE WHEN g % 4 = 0 THEN NULL ELSE g / 3.0 END,
  (g % 2)::int2 FROM generate_series(1, 80) g;
INSERT INTO uu2 (k, ts, v, w, f, c) SELECT 'k' || (g % 2), g * 30 + 20, g * 3, -g, g * 1.5, (g % 4 - 2)::int2 FROM generate_series(1, 60) g;
CREATE TABLE ureq (k text, ts int8, seq int, v int4, w int8, f float8, c int2);
INSERT INTO ureq SELECT 'k' || (g % 3), g * 30 * 7 + 5, 0, g, g * 2, g / 4.0, (g % 3 - 1)::int2 FROM generate_series(1, 12) g;

-- u_native(feats, frame, sources, key, ts, request row values, ni): the
-- request row last; sources: SQL giving (k, ts, v, w, f, c) of the union
-- tables; the main table's rows with ts < the row's unless ni.
CREATE FUNCTION u_native(feats text, frame text, usrc text, ni bool, r um) RETURNS text LANGUAGE sql AS $$
  SELECT rv_try(format($q$SELECT row(y.*)::text FROM (SELECT %s FROM (
      SELECT %L::text AS k, %s::int8 AS ts, %L::int4 AS v, %L::int8 AS w, %L::float8 AS f, %L::int2 AS c, 1 AS src
      UNION ALL SELECT k, ts, v, w, f, c, 1 FROM um WHERE k = %L AND ts < %s AND NOT %L
      UNION ALL SELECT *, 2 FROM (%s) s WHERE k = %L AND ts <= %s) u
    WINDOW w AS (ORDER BY ts %s), w2 AS (ORDER BY ts RANGE BETWEEN 100 PRECEDING AND CURRENT ROW) ORDER BY ts DESC LIMIT 1) y$q$,
    feats, r.k, r.ts, r.v, r.w, r.f, r.c, r.k, r.ts, ni, usrc, r.k, r.ts, frame))
$$;
-- u_diff: like rv_check, naming the first differing row of ';'-separated lists
CREATE FUNCTION u_diff(name text, obs text, exp text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text[] := string_to_array(obs, ';'); b text[] := string_to_array(exp, ';'); i int;
BEGIN
  IF obs IS NOT DISTINCT FROM exp THEN RETURN 'ok ' || name; END IF;
  FOR i IN 1 .. greatest(cardinality(a), cardinality(b)) LOOP
    IF a[i] IS DISTINCT FROM b[i] THEN
      RETURN format('BUG %s: row %s of %s/%s: observed %s / expected %s', name, i, cardinality(a), cardinality(b), a[i], b[i]);
    END IF;
  END LOOP;
  RETURN format('BUG %s: observed %s / expected %s', name, obs, exp);
END $$;
-- u_cmp: deploys feats over um with window w = (PARTITION BY k <mods> ORDER
-- BY ts <frame>); batch over um (rows of keys `keys`) and training_set over
-- ureq, JIT off and on, against u_native row by row (the first error stands
-- for the call's result).
CREATE FUNCTION u_cmp(name text, feats text, frame text, mods text, usrc text, ni bool DEFAULT false,
                      keys text[] DEFAULT ARRAY['k0', 'k1', 'k2'], redeploy bool DEFAULT true, nfeats text DEFAULT NULL,
                      extra_win text DEFAULT '') RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE r um; nb text := ''; nt text := ''; x text; j bool; got text; dep text;
BEGIN
  IF redeploy THEN
    dep := rv_try(format($q$SELECT feature_ext.deploy('ud', %L, '{"replace": true}')$q$,
                        format('SELECT %s FROM um WINDOW w AS (PARTITION BY k%s ORDER BY ts %s)%s', feats, mods, frame, extra_win)));
    IF dep LIKE 'ERROR%' THEN RETURN NEXT format('BUG %s: deploy failed: %s', name, dep); RETURN; END IF;
  END IF;
  FOR r IN SELECT * FROM um WHERE k = ANY(keys) ORDER BY seq LOOP
    x := u_native(coalesce(nfeats, feats), frame, usrc, ni, r);
    IF x LIKE 'ERROR%' THEN nb := x; EXIT; END IF;
    nb := nb || x || ';';
  END LOOP;
  FOR r IN SELECT * FROM ureq WHERE k = ANY(keys) ORDER BY ts LOOP
    x := u_native(coalesce(nfeats, feats), frame, usrc, ni, r);
    IF x LIKE 'ERROR%' THEN nt := x; EXIT; END IF;
    nt := nt || x || ';';
  END LOOP;
  FOREACH j IN ARRAY ARRAY[false, true] LOOP
    PERFORM set_config('feature_ext.jit', j::text, false);
    got := rv_try(format($q$SELECT string_agg(row(x.*)::text || ';', '') FROM ud_batch(%L) x$q$,
                         format('SELECT * FROM um WHERE k = ANY(%L) ORDER BY seq', keys)));
    IF got NOT LIKE 'ERROR%' THEN got := coalesce(nullif(got, '<null>'), ''); END IF;
    RETURN NEXT u_diff(name || '/batch' || CASE WHEN j THEN '/jit' ELSE '' END, got, nb);
    got := rv_try(format($q$SELECT string_agg(row(x.*)::text || ';', '') FROM feature_ext.training_set('ud', %L, NULL::ud_result) x$q$,
                         format('SELECT * FROM ureq WHERE k = ANY(%L) ORDER BY ts', keys)));
    IF got NOT LIKE 'ERROR%' THEN got := coalesce(nullif(got, '<null>'), ''); END IF;
    RETURN NEXT u_diff(name || '/training' || CASE WHEN j THEN '/jit' ELSE '' END, got, nt);
    IF NOT ni THEN  -- training_set over the main table itself: as_of and insertion = batch (unique, ascending times)
      got := rv_try(format($q$SELECT string_agg(row(x.*)::text || ';', '') FROM feature_ext.training_set('ud', %L, NULL::ud_result, 'as_of') x$q$,
                           format('SELECT * FROM um WHERE k = ANY(%L) ORDER BY seq', keys)));
      IF got NOT LIKE 'ERROR%' THEN got := coalesce(nullif(got, '<null>'), ''); END IF;
      RETURN NEXT u_diff(name || '/training_main_as_of' || CASE WHEN j THEN '/jit' ELSE '' END, got, nb);
      got := rv_try(format($q$SELECT string_agg(row(x.*)::text || ';', '') FROM feature_ext.training_set('ud', %L, NULL::ud_result, 'insertion') x$q$,
                           format('SELECT * FROM um WHERE k = ANY(%L) ORDER BY seq', keys)));
      IF got NOT LIKE 'ERROR%' THEN got := coalesce(nullif(got, '<null>'), ''); END IF;
      RETURN NEXT u_diff(name || '/training_main_insertion' || CASE WHEN j THEN '/jit' ELSE '' END, got, nb);
    END IF;
  END LOOP;
  RESET feature_ext.jit;
END $$;

\set feats_placeholder 1
\set feats 'count(*) OVER w AS n, sum(v) OVER w AS sv, sum(w) OVER w AS sw, avg(f) OVER w AS af, min(f) OVER w AS mnf, max(v) OVER w AS mxv, avg(v) OVER w AS av, count(f) OVER w AS cf'
\set hard 'stddev(f) OVER w AS sd, feature_ext.distinct_count(v) OVER w AS dc, sum(CASE WHEN c > 0 THEN v ELSE 0 END) OVER w AS cs, sum(v) OVER w AS sv, avg(f) OVER w AS af'
\set u1 'SELECT k, ts, v, w, f, c FROM uu1'
\set u2 'SELECT k, ts, v, w, f, c FROM uu2'
SELECT u_cmp('union1_rows5', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
SELECT u_cmp('union1_range', :'feats', 'RANGE BETWEEN 200 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
SELECT u_cmp('union1_excl', :'feats', 'ROWS BETWEEN 4 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
SELECT u_cmp('union2_order', :'feats', 'ROWS BETWEEN 6 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu2''::regclass)', :'u2');
SELECT u_cmp('union12', :'feats', 'ROWS BETWEEN 6 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass), feature_ext.window_union(''uu2''::regclass)', :'u1' || ' UNION ALL ' || :'u2');
SELECT u_cmp('union1_ni', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass), feature_ext.instance_not_in_window()', :'u1', true);
SELECT u_cmp('union1_computed', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass, ''k, ts, v * 2 + 1 AS v, w, f * 3 AS f, c'')',
             'SELECT k, ts, v * 2 + 1, w, f * 3, c FROM uu1');
SELECT u_cmp('union1_hard', :'hard', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
SELECT u_cmp('union12_hard_range', :'hard', 'RANGE BETWEEN 300 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass), feature_ext.window_union(''uu2''::regclass)', :'u1' || ' UNION ALL ' || :'u2');
-- window functions and output expressions next to compiled aggregates (the
-- kernel computes every aggregate: are the rows' values still there?)
SELECT u_cmp('union_winfuncs', 'sum(v) OVER w AS sv, count(*) OVER w AS n, lag(v) OVER w AS lv, first_value(f) OVER w AS ff, row_number() OVER w AS rn, sum(w) OVER w + 1 AS sw1',
             'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
SELECT u_cmp('union_outexpr', 'sum(v) OVER w * 2 AS sv2, coalesce(max(f) OVER w, -1) AS mf, count(*) OVER w AS n',
             'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu2''::regclass)', :'u2');
-- a union window next to a plain window of the same key (w2: um's rows only)
SELECT u_cmp('union_and_plain_window', 'sum(v) OVER w AS sv, avg(f) OVER w AS af, sum(v) OVER w2 AS sv2, count(f) OVER w2 AS cf2, stddev(f) OVER w2 AS sd2',
             'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1',
             nfeats => 'sum(v) OVER w, avg(f) OVER w, sum(v) FILTER (WHERE src = 1) OVER w2, count(f) FILTER (WHERE src = 1) OVER w2, stddev(f) FILTER (WHERE src = 1) OVER w2',
             extra_win => ', w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 100 PRECEDING AND CURRENT ROW)');
-- errors inside the kernel: PostgreSQL's error, JIT on and off
INSERT INTO uu1 (k, ts, v, w, f, c) VALUES ('e1', 100, 30000, 9000000000000000000, 1e308, 1), ('e1', 110, 5, 9000000000000000000, 1e308, 1);
INSERT INTO um (k, ts, v, w, f, c) VALUES ('e1', 105, 1, 1, 1, 1), ('e1', 120, 2, 2, 2, 1);
INSERT INTO uu1 (k, ts, v, w, f, c) VALUES ('e2', 100, 1, 1, 1e200, 1), ('e2', 110, 1, 1, -1e200, 1);
INSERT INTO um (k, ts, v, w, f, c) VALUES ('e2', 120, 2, 2, 2, 1);
INSERT INTO ureq VALUES ('e1', 115, 0, 1, 1, 1, 1), ('e2', 125, 0, 1, 1, 1, 1);
SELECT u_cmp('err_int4_mul', 'sum(v * 100000) OVER w AS s', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e1']);
SELECT u_cmp('sum_int8_big', 'sum(w) OVER w AS s, avg(w) OVER w AS a, sum(v) OVER w AS sv', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e1']);
SELECT u_cmp('err_float_sum_overflow', 'sum(f) OVER w AS s', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e1']);
SELECT u_cmp('err_avg_sxx_overflow', 'count(*) OVER w AS n, avg(f) OVER w AS a', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e2']);
SELECT u_cmp('err_int2_sum_cast', 'sum((v * 2)::int2) OVER w AS s, count(*) OVER w AS n', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW',
             ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e1']);
-- the union table's index changes between calls (same session, cached plan)
SELECT u_cmp('index_before', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
REINDEX INDEX uu1_k;
SELECT u_cmp('index_reindex', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', redeploy => false);
DROP INDEX uu1_k;
CREATE INDEX uu1_k2 ON uu1 USING skiplist (k, ts) INCLUDE (f, v);
SELECT CASE WHEN x LIKE '%ERROR 0A000: column "w" is not held by skiplist index "uu1_k2"%' THEN 'ok index_include_fv_refused'
            ELSE x END
  FROM u_cmp('index_include_fv', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', redeploy => false) x;
DROP INDEX uu1_k2;
CREATE INDEX uu1_k3 ON uu1 USING skiplist (k, c, ts);
CREATE INDEX uu1_k4 ON uu1 USING skiplist (k, ts) INCLUDE (c, f, w, v);
SELECT u_cmp('index_other_cols', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', redeploy => false);
SELECT u_cmp('index_other_cols_hard', :'hard', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
DROP INDEX uu1_k4;
CREATE INDEX uu1_k5 ON uu1 USING skiplist (k, ts);
SELECT u_cmp('index_recreated', :'hard', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', redeploy => false);
-- the main table's index recreated with its columns in another order
SELECT u_cmp('main_index_before', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu2''::regclass)', :'u2');
DROP INDEX um_k;
CREATE INDEX um_k2 ON um USING skiplist (k, ts) INCLUDE (c, f, w, v, seq);
SELECT u_cmp('main_index_reordered', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu2''::regclass)', :'u2', redeploy => false);
SELECT u_cmp('main_index_reordered_uu1', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
-- a dropped column in the union table (its rows' layout differs from um's)
ALTER TABLE uu1 ADD COLUMN junk int;
INSERT INTO uu1 (k, ts, v, w, f, c, junk) VALUES ('k1', 2405, 7, 7, 7.5, 1, 99), ('k2', 2705, -3, 3, NULL, -1, 98);
ALTER TABLE uu1 DROP COLUMN junk;
INSERT INTO uu1 (k, ts, v, w, f, c) VALUES ('k1', 2415, 17, 17, 17.5, 1);
SELECT u_cmp('union_dropped_col_cached', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', redeploy => false);
SELECT u_cmp('union_dropped_col', :'feats', 'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
SELECT u_cmp('union_dropped_col_hard', :'hard', 'RANGE BETWEEN 300 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1');
-- NaN / infinities in the union rows (avg of float8: the kernel's hand-back)
INSERT INTO uu1 (k, ts, v, w, f, c) VALUES ('e3', 100, 1, 1, 'Infinity', 1), ('e3', 110, 1, 1, 'NaN', 1), ('e3', 130, 1, 1, '-Infinity', 1),
                                           ('e3', 150, 1, 1, 1e308, 1), ('e3', 170, 1, 1, '-0', 1);
INSERT INTO um (k, ts, v, w, f, c) VALUES ('e3', 105, 2, 2, 2, 1), ('e3', 120, 2, 2, '-0', 1), ('e3', 140, 2, 2, NULL, 1),
                                          ('e3', 160, 2, 2, -1e308, 1), ('e3', 180, 2, 2, 3, 1), ('e3', 190, 2, 2, 4, 1), ('e3', 200, 2, 2, 5, 1);
SELECT u_cmp('nan_inf_avg', 'avg(f) OVER w AS a, sum(f) OVER w AS s, stddev(f) OVER w AS sd, min(f) OVER w AS mn, max(f) OVER w AS mx',
             'ROWS BETWEEN 2 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e3']);
SELECT u_cmp('nan_inf_avg_rows1', 'avg(f) OVER w AS a, count(f) OVER w AS n',
             'ROWS BETWEEN 1 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e3']);
-- two errors in one frame: the older union row fails the second aggregate
-- (smallint), the newer one both; PostgreSQL advances row by row, so its
-- error is the older row's whatever the aggregates' order
INSERT INTO uu1 (k, ts, v, w, f, c) VALUES ('e4', 100, 15000, 1, 1, 1), ('e4', 101, 30000, 1, 1, 1);
INSERT INTO um (k, ts, v, w, f, c) VALUES ('e4', 105, 1, 1, 1, 1);
SELECT u_cmp('two_errors_row_order', 'sum(v * 100000) OVER w AS b, sum((v * 3)::int2) OVER w AS a',
             'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e4']);
SELECT u_cmp('two_errors_row_order_dc', 'sum(v * 100000) OVER w AS b, feature_ext.distinct_count((v * 3)::int2) OVER w AS a',
             'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW', ', feature_ext.window_union(''uu1''::regclass)', :'u1', keys => ARRAY['e4']);
-- the same error order without a union (requests, JIT off and on): the class
-- is not the union kernel's (aggregate-major evaluation)
CREATE TABLE pe (k text, ts int8, v int4) USING feature_store;
CREATE INDEX pe_k ON pe USING skiplist (k, ts);
INSERT INTO pe VALUES ('a', 100, 15000), ('a', 101, 30000);
SELECT '' FROM feature_ext.deploy('pe_d', 'SELECT sum(v * 100000) OVER w AS b, sum((v * 3)::int2) OVER w AS a FROM pe WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)');
SELECT rv_check('two_errors_row_order_request' || CASE WHEN j THEN '/jit' ELSE '' END,
                (SELECT rv_try($$SELECT row(x.*)::text FROM pe_d('a', 105, 1) x$$) FROM (SELECT set_config('feature_ext.jit', j::text, false)) s),
                rv_try($$SELECT row(b, a)::text FROM (SELECT sum(v * 100000) OVER w AS b, sum((v * 3)::int2) OVER w AS a, ts FROM (SELECT * FROM pe UNION ALL SELECT 'a', 105, 1) u
                         WINDOW w AS (ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) ORDER BY ts DESC LIMIT 1) y$$))
  FROM unnest(ARRAY[false, true]) j;
RESET feature_ext.jit;
