-- Adversarial review (branch rvfw) of branch fw (issue 17): pre-aggregation
-- of float8 *_where / FILTER and of float4 (real) columns.  Every probe
-- prints "ok NAME" or "BUG NAME: observed ... / expected ...", the expected
-- value being PostgreSQL's own window executor over the stored rows plus
-- the request as the last of its peers.  "NOTE" lines say whether blocks
-- were taken (a probe that took none tests nothing new).
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
CREATE FUNCTION blocks_taken() RETURNS int8 LANGUAGE sql AS $$SELECT blocks_taken FROM feature_ext.preagg_stats()$$;

CREATE TABLE rw (k text, ts int8, seq int4, x float8, c int4, t text, r real) USING feature_store;
CREATE INDEX rw_k ON rw USING skiplist (k, ts);

-- z0: only -0 / +0 / NULL in x and r, signs pseudo-random, c 0..3 and NULL
INSERT INTO rw SELECT 'z0', g * 10, g,
  CASE WHEN (g * 7919) % 23 = 0 THEN NULL WHEN (g * 7919) % 5 < 2 THEN '-0'::float8 ELSE 0 END,
  CASE WHEN (g * 31) % 17 = 0 THEN NULL ELSE (g * 13) % 4 END,
  (ARRAY['p', 'q', 'P'])[1 + (g * 11) % 3],
  CASE WHEN (g * 7919) % 29 = 0 THEN NULL WHEN (g * 6007) % 7 < 3 THEN '-0'::real ELSE 0 END
  FROM generate_series(1, 6000) g;
-- nan: NaN in some blocks, -Infinity, ties of values
INSERT INTO rw SELECT 'nan', g * 10, g,
  CASE WHEN g % 700 = 5 THEN 'NaN'::float8 WHEN g = 2222 THEN '-Infinity' WHEN g % 19 = 0 THEN NULL ELSE (g * 7) % 5 - 2 END,
  CASE WHEN (g * 31) % 17 = 0 THEN NULL ELSE (g * 13) % 4 END,
  (ARRAY['p', 'q', 'P'])[1 + (g * 11) % 3],
  CASE WHEN g % 900 = 7 THEN 'NaN'::real WHEN g = 3333 THEN '-Infinity' WHEN g % 23 = 0 THEN NULL
       WHEN (g * 3) % 5 = 0 THEN '-0'::real ELSE ((g * 7) % 5 - 2) / 3.0 END
  FROM generate_series(1, 6000) g;
-- v: many magnitudes (real: float4 rounding of x)
INSERT INTO rw SELECT 'v', g * 10, g,
  CASE WHEN g % 13 = 0 THEN NULL ELSE ((g * 7919) % 2001 - 1000) / 7.0::float8 * power(10::float8, g % 9 - 4) END,
  CASE WHEN (g * 31) % 17 = 0 THEN NULL ELSE (g * 13) % 4 END,
  (ARRAY['p', 'q', 'P'])[1 + (g * 11) % 3],
  CASE WHEN g % 11 = 0 THEN NULL ELSE (((g * 7919) % 2001 - 1000) / 7.0::float8 * power(10::float8, g % 9 - 4))::real END
  FROM generate_series(1, 6000) g;
-- o: float4 overflow: two 3e38 far apart (different blocks), ones elsewhere
INSERT INTO rw SELECT 'o', g * 10, g, 1, g % 3, 'p',
  CASE WHEN g IN (100, 4000) THEN 3e38::real ELSE 1 END
  FROM generate_series(1, 6000) g;
-- big: float4 values near the float4 max (avg(real) widened, no overflow in float8)
INSERT INTO rw SELECT 'big', g * 10, g, 1, g % 3, 'p',
  CASE WHEN g % 3 = 0 THEN 3.3e38::real WHEN g % 3 = 1 THEN -3.2e38::real ELSE 1e38 END
  FROM generate_series(1, 6000) g;
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null

\ir native_frame.sql
CREATE FUNCTION rw_native(feats text, frame text, k text, ts int8, req text, extra text DEFAULT 'true') RETURNS text
LANGUAGE sql AS $$
  SELECT rv_try(format($q$SELECT row(y.*)::text FROM (SELECT %s FROM
      (SELECT * FROM (SELECT k, ts, seq, x, c, t, r FROM rw WHERE k = %L AND ts <= %s AND %s
                      UNION ALL SELECT %L, %s, 2147483647, %s) u0 ORDER BY ts, seq) u
      WINDOW w AS (ORDER BY ts%s %s) ORDER BY ts DESC, seq DESC LIMIT 1) y$q$, feats, k, ts, nf.extra_out, k, ts, req,
      CASE WHEN frame LIKE 'RANGE%' AND NOT nf.rewritten THEN '' ELSE ', seq' END, nf.frame_out))
    FROM native_frame(frame, 'rw', k, ts, extra) nf
$$;
CREATE FUNCTION rw_dep(fn text, k text, ts int8, req text) RETURNS text LANGUAGE sql AS $$
  SELECT rv_try(format('SELECT row(d.*)::text FROM %I(%L, %s, 0, %s) d', fn, k, ts, req))
$$;
CREATE FUNCTION rw_deploy(fn text, feats text, frame text, opts jsonb DEFAULT '{}', part text DEFAULT 'k') RETURNS void LANGUAGE sql AS $$
  SELECT feature_ext.deploy(fn, format('SELECT %s FROM rw WINDOW w AS (PARTITION BY %s ORDER BY ts %s)', feats, part, frame),
                            opts || '{"replace": true}') $$;
-- deployed (pre-aggregation on; JIT off and on) = PostgreSQL's
CREATE FUNCTION rw_exact(name text, feats text, frame text, k text, ts int8, req text, opts jsonb DEFAULT '{}',
                         nframe text DEFAULT NULL, extra text DEFAULT 'true', part text DEFAULT 'k') RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE j bool; exp text; obs text; b0 int8; took int8 := 0;
BEGIN
  PERFORM rw_deploy('rw_p', feats, frame, opts, part);
  exp := rw_native(feats, coalesce(nframe, frame), k, ts, req, extra);
  FOREACH j IN ARRAY ARRAY[false, true] LOOP
    PERFORM set_config('feature_ext.jit', j::text, false);
    PERFORM set_config('feature_ext.preaggregate', 'on', false);
    b0 := blocks_taken();
    obs := rw_dep('rw_p', k, ts, req);
    took := took + blocks_taken() - b0;
    RETURN NEXT rv_check(name || CASE WHEN j THEN '/jit' ELSE '' END, obs, exp) || CASE WHEN took = 0 AND NOT j THEN ' (no blocks)' ELSE '' END;
  END LOOP;
  RESET feature_ext.jit;
END $$;

-- requests (x, c, t, r)
CREATE TABLE reqs (name text, req text);
INSERT INTO reqs VALUES ('null', 'NULL::float8, NULL::int4, NULL::text, NULL::real'),
  ('mz', '''-0''::float8, 1, ''p'', ''-0''::real'), ('pz', '0::float8, 2, ''q'', 0::real'),
  ('nan', '''NaN''::float8, 3, ''P'', ''NaN''::real'), ('cnull', '''-0''::float8, NULL::int4, NULL::text, ''-0''::real');
CREATE TABLE frames (name text, frame text);
INSERT INTO frames VALUES ('unb', 'ROWS UNBOUNDED PRECEDING'), ('r1024', 'ROWS BETWEEN 1024 PRECEDING AND CURRENT ROW'),
  ('r3000x', 'ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW'),
  ('rg', 'RANGE BETWEEN 25000 PRECEDING AND CURRENT ROW'), ('rgx', 'RANGE UNBOUNDED PRECEDING EXCLUDE CURRENT ROW');

-- 1. float4 count / min / max, plain and FILTER (int and text conditions), default mode
SELECT rw_exact('f4_minmax_' || k || '_' || q.name || '_' || f.name || '_' || ts,
  'min(r) OVER w AS a1, max(r) OVER w AS a2, count(r) OVER w AS a3, min(r) FILTER (WHERE c > 0) OVER w AS a4, max(r) FILTER (WHERE c <> 2) OVER w AS a5, '
  'count(r) FILTER (WHERE t = ''p'') OVER w AS a6, max(r) FILTER (WHERE t <> ''q'') OVER w AS a7, min(r) FILTER (WHERE 1 >= c) OVER w AS a8',
  f.frame, k, ts, q.req)
  FROM unnest(ARRAY['z0', 'nan', 'v']) k, reqs q, frames f, unnest(ARRAY[60005, 31005]::int8[]) ts
  WHERE (q.name IN ('null', 'mz', 'nan') OR f.name = 'unb') AND (ts = 60005 OR f.name IN ('unb', 'r1024'));
-- 2. float8 *_where (OpenMLDB dialect) and FILTER count / min / max, default mode
SELECT rw_exact('f8_where_' || k || '_' || q.name || '_' || f.name || '_' || ts,
  'feature_ext.min_where(x, c > 0) OVER w AS a9, feature_ext.max_where(x, c <> 2) OVER w AS a10, feature_ext.count_where(x, c = 1) OVER w AS a11, '
  'feature_ext.max_where(x, t = ''p'') OVER w AS a12, feature_ext.min_where(x, t <> ''q'') OVER w AS a13, '
  'min(x) FILTER (WHERE c >= 1) OVER w AS a14, max(x) FILTER (WHERE c < 3) OVER w AS a15, count(x) FILTER (WHERE t = ''P'') OVER w AS a16',
  f.frame, k, ts, q.req)
  FROM unnest(ARRAY['z0', 'nan', 'v']) k, reqs q, frames f, unnest(ARRAY[60005, 31005]::int8[]) ts
  WHERE (q.name IN ('null', 'mz', 'cnull') OR f.name = 'unb') AND (ts = 60005 OR f.name IN ('unb', 'r1024'));
-- 3. MAXSIZE at block edges (maxsize(n) = ROWS n-1 PRECEDING)
CREATE FUNCTION rw_exact_ms(name text, feats text, n int, k text, ts int8, req text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE j bool; exp text; obs text;
BEGIN
  PERFORM feature_ext.deploy('rw_m', format('SELECT %s FROM rw WINDOW w AS (PARTITION BY k, feature_ext.maxsize(%s) ORDER BY ts RANGE UNBOUNDED PRECEDING)', feats, n),
                             '{"replace": true}');
  exp := rw_native(feats, format('ROWS BETWEEN %s PRECEDING AND CURRENT ROW', n - 1), k, ts, req);
  FOREACH j IN ARRAY ARRAY[false, true] LOOP
    PERFORM set_config('feature_ext.jit', j::text, false);
    obs := rw_dep('rw_m', k, ts, req);
    RETURN NEXT rv_check(name || CASE WHEN j THEN '/jit' ELSE '' END, obs, exp);
  END LOOP;
  RESET feature_ext.jit;
END $$;
SELECT rw_exact_ms('maxsize_' || n || '_' || k, 'min(r) FILTER (WHERE c > 0) OVER w AS a17, max(x) FILTER (WHERE c > 0) OVER w AS a18, max(r) OVER w AS a19, feature_ext.min_where(x, c <> 1) OVER w AS a20', n, k, 60005, '''-0''::float8, 1, ''p'', ''-0''::real')
  FROM unnest(ARRAY[1024, 1025, 1281, 2049]) n, unnest(ARRAY['z0', 'nan']) k;

-- 4. sum(real) overflow must raise 22003 as PostgreSQL (with count(real), which pre-aggregates)
SELECT rw_exact('sum_real_overflow_' || f.name || coalesce('_' || o, ''), 'count(r) OVER w AS a21, sum(r) OVER w AS a22, max(r) OVER w AS a23', f.frame, 'o', 60005,
                '1::float8, 1, ''p'', 1::real', coalesce(o, '{}')::jsonb)
  FROM frames f, unnest(ARRAY[NULL, '{"float_sums": "approximate"}']) o;
SELECT rw_exact('sum_real_filter_overflow' || coalesce('_' || o, ''), 'count(r) FILTER (WHERE c >= 0) OVER w AS a24, sum(r) FILTER (WHERE c >= 0) OVER w AS a25', 'ROWS UNBOUNDED PRECEDING', 'o', 60005,
                '1::float8, 1, ''p'', 1::real', coalesce(o, '{}')::jsonb)
  FROM unnest(ARRAY[NULL, '{"float_sums": "approximate"}']) o;
-- avg(real) default mode: rows, bit-identical
SELECT rw_exact('avg_real_default_' || k || '_' || f.name, 'avg(r) OVER w AS a26, avg(r) FILTER (WHERE c > 0) OVER w AS a27, min(r) OVER w AS a28', f.frame, k, 60005,
                '1::float8, 1, ''p'', 1::real')
  FROM unnest(ARRAY['o', 'big', 'v']) k, frames f;

-- 5. approximate: avg(real) / sum_where / avg FILTER within the written bound
CREATE FUNCTION rw_bound(name text, feat text, absfeat text, cntfeat text, is_sum_where bool, frame text, k text, ts int8, req text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE n record; d float8; dn text; g float8; bound float8; b0 int8; took int8;
BEGIN
  PERFORM rw_deploy('rw_b', feat || ' AS v', frame, '{"float_sums": "approximate"}');
  EXECUTE format($q$SELECT * FROM (SELECT %s AS v, %s AS sabs, %s AS n FROM
      (SELECT * FROM (SELECT k, ts, seq, x, c, t, r FROM rw WHERE k = %L AND ts <= %s UNION ALL SELECT %L, %s, 2147483647, %s) u0 ORDER BY ts, seq) u
      WINDOW w AS (ORDER BY ts, seq %s) ORDER BY ts DESC, seq DESC LIMIT 1) y$q$, feat, absfeat, cntfeat, k, ts, k, ts, req, frame) INTO n;
  b0 := blocks_taken();
  dn := rw_dep('rw_b', k, ts, req);
  took := blocks_taken() - b0;
  IF dn LIKE 'ERROR%' THEN RETURN format('BUG %s: observed %s / expected %s', name, dn, n.v); END IF;
  d := trim(both '()' from dn)::float8;
  g := CASE WHEN is_sum_where THEN n.n ELSE n.n - 1 END * 2.0^(-53);
  bound := 2 * (g / (1 - g)) * n.sabs;
  IF dn LIKE '%avg%' THEN NULL; END IF;
  IF feat LIKE 'avg%' OR feat LIKE '%avg_where%' THEN bound := bound / n.n; END IF;
  IF d::text IS NOT DISTINCT FROM n.v::text OR abs(d - n.v) <= bound THEN
    RETURN format('ok %s (blocks %s, diff %s, bound %s)', name, took, abs(d - n.v), bound);
  END IF;
  RETURN format('BUG %s: observed %s / expected %s within %s', name, d, n.v, bound);
END $$;
SELECT rw_bound('approx_avg_real_' || k || '_' || f.name, 'avg(r) OVER w', 'sum(abs(r::float8)) OVER w', 'count(r) OVER w', false, f.frame, k, 60005, '1::float8, 1, ''p'', 1::real')
  FROM unnest(ARRAY['v', 'big']) k, frames f WHERE f.name NOT LIKE 'rg%';
SELECT rw_bound('approx_avg_real_filter_' || k, 'avg(r) FILTER (WHERE c <> 1) OVER w', 'sum(abs(r::float8)) FILTER (WHERE c <> 1) OVER w', 'count(r) FILTER (WHERE c <> 1) OVER w', false,
                'ROWS UNBOUNDED PRECEDING', k, 60005, '1::float8, 1, ''p'', 1::real')
  FROM unnest(ARRAY['v', 'big']) k;
SELECT rw_bound('approx_sum_where_' || k, 'feature_ext.sum_where(x, c > 0) OVER w', 'sum(abs(x)) FILTER (WHERE c > 0) OVER w', 'count(x) FILTER (WHERE c > 0) OVER w', true,
                'ROWS UNBOUNDED PRECEDING', k, 60005, '1.5::float8, 1, ''p'', 1::real')
  FROM unnest(ARRAY['v', 'big']) k;
SELECT rw_bound('approx_avg_where_text_' || k, 'feature_ext.avg_where(x, t = ''p'') OVER w', 'sum(abs(x)) FILTER (WHERE t = ''p'') OVER w', 'count(x) FILTER (WHERE t = ''p'') OVER w', true,
                'ROWS BETWEEN 4000 PRECEDING AND CURRENT ROW', k, 60005, '1.5::float8, 1, ''p'', 1::real')
  FROM unnest(ARRAY['v']) k;
SELECT rw_bound('approx_sum_filter_' || k, 'sum(x) FILTER (WHERE c >= 2) OVER w', 'sum(abs(x)) FILTER (WHERE c >= 2) OVER w', 'count(x) FILTER (WHERE c >= 2) OVER w', false,
                'ROWS UNBOUNDED PRECEDING', k, 60005, '1.5::float8, 1, ''p'', 1::real')
  FROM unnest(ARRAY['v']) k;
-- approximate mode keeps min / max / count exact next to the sums
SELECT rw_exact('approx_mixed_' || k || '_' || f.name, 'avg(r) OVER w AS a29, min(r) OVER w AS a30, max(r) FILTER (WHERE c > 1) OVER w AS a31, feature_ext.max_where(x, c > 0) OVER w AS a32, count(r) OVER w AS a33',
                f.frame, k, 60005, '''-0''::float8, 1, ''p'', ''-0''::real', '{"float_sums": "approximate"}')
  FROM unnest(ARRAY['z0', 'nan']) k, frames f;
-- avg(real) with NaN / -Infinity in blocks under approximate
SELECT rw_exact('approx_avg_real_nan_' || f.name, 'avg(r) OVER w AS a34, avg(r) FILTER (WHERE c > 0) OVER w AS a35', f.frame, 'nan', 60005, '1::float8, 1, ''p'', 1::real', '{"float_sums": "approximate"}')
  FROM frames f;

-- 6. conditions that must read rows: on a float column, on a nondeterministic collation, expressions
CREATE COLLATION rv_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT rw_exact('cond_float_col_' || k, 'count(r) FILTER (WHERE x > 0) OVER w AS a36, min(x) FILTER (WHERE r > 0) OVER w AS a37, max(r) FILTER (WHERE r < 1) OVER w AS a38', 'ROWS UNBOUNDED PRECEDING', k, 60005,
                '1::float8, 1, ''p'', 1::real')
  FROM unnest(ARRAY['v', 'nan']) k;
SELECT rw_exact('cond_ci_' || k, 'count(x) FILTER (WHERE t COLLATE rv_ci = ''p'') OVER w AS a39, max(r) FILTER (WHERE t COLLATE rv_ci <> ''P'') OVER w AS a40, feature_ext.min_where(x, t = ''P'' COLLATE rv_ci) OVER w AS a41', 'ROWS UNBOUNDED PRECEDING', k, 60005,
                '1::float8, 1, ''p'', 1::real')
  FROM unnest(ARRAY['v', 'z0']) k;
SELECT rw_exact('cond_expr_error', 'count(r) OVER w AS a42, max(r) FILTER (WHERE 10 / c > 1) OVER w AS a43', 'ROWS UNBOUNDED PRECEDING', 'v', 60005, '1::float8, 1, ''p'', 1::real');
SELECT rw_exact('cond_cast_error', 'count(r) OVER w AS a44, max(x) FILTER (WHERE (c * 100000)::int2 > 1) OVER w AS a45', 'ROWS UNBOUNDED PRECEDING', 'v', 60005, '1::float8, 1, ''p'', 1::real');
SELECT rw_exact('cond_bigconst', 'max(r) FILTER (WHERE c < 9223372036854775807) OVER w AS a46, min(x) FILTER (WHERE c > -9223372036854775808) OVER w AS a47, count(r) FILTER (WHERE c <> 3000000000) OVER w AS a48', 'ROWS UNBOUNDED PRECEDING', 'z0', 60005, '''-0''::float8, NULL, ''p'', ''-0''::real');

-- 7. DELETE / UPDATE of rows inside summarised blocks (before and after the GC pass)
INSERT INTO rw SELECT 'd', ts, seq, x, c, t, r FROM rw WHERE k = 'z0';
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT rw_exact('dml_before', 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, count(r) FILTER (WHERE t = ''p'') OVER w AS b4',
                'ROWS UNBOUNDED PRECEDING', 'd', 60005, 'NULL::float8, NULL::int4, NULL::text, NULL::real');
-- delete the newest zeros of old blocks' entries (the tie winners change)
DELETE FROM rw WHERE k = 'd' AND ts BETWEEN 20000 AND 40000 AND seq % 7 <> 0;
SELECT rw_exact('dml_after_delete', 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, count(r) FILTER (WHERE t = ''p'') OVER w AS b4',
                'ROWS UNBOUNDED PRECEDING', 'd', 60005, 'NULL::float8, NULL::int4, NULL::text, NULL::real');
SELECT rv_try($$UPDATE rw SET r = CASE WHEN r::text = '-0' THEN 0 ELSE '-0' END, x = -x, c = 3 - c WHERE k = 'd' AND ts BETWEEN 5000 AND 15000 RETURNING 'updated'$$) AS upd \g /dev/null
SELECT rw_exact('dml_after_update', 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, count(r) FILTER (WHERE t = ''p'') OVER w AS b4',
                'ROWS UNBOUNDED PRECEDING', 'd', 60005, 'NULL::float8, NULL::int4, NULL::text, NULL::real');
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT rw_exact('dml_after_gc_' || f.name, 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, count(r) FILTER (WHERE t = ''p'') OVER w AS b4, min(r) OVER w AS b5',
                f.frame, 'd', 60005, '''-0''::float8, 1, ''p'', ''-0''::real') FROM frames f;
-- late rows inside compacted blocks (older ts than the newest)
INSERT INTO rw SELECT 'd', g * 10 + 3, 100000 + g, CASE WHEN g % 2 = 0 THEN '-0'::float8 ELSE 0 END, g % 4, 'p', CASE WHEN g % 2 = 1 THEN '-0'::real ELSE 0 END
  FROM generate_series(1000, 5000, 37) g;
SELECT rw_exact('late_rows_' || f.name, 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, min(r) OVER w AS b5',
                f.frame, 'd', 60005, 'NULL::float8, 1, ''p'', NULL::real') FROM frames f;

-- 8. ALTER TABLE real -> float8 after the index exists
CREATE TABLE ra (k text, ts int8, seq int4, r real, c int4) USING feature_store;
CREATE INDEX ra_k ON ra USING skiplist (k, ts);
INSERT INTO ra SELECT 'a', g * 10, g, CASE WHEN g % 3 = 0 THEN '-0'::real WHEN g % 3 = 1 THEN 0 ELSE (g % 7) / 3.0 END, g % 4 FROM generate_series(1, 5000) g;
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT feature_ext.deploy('ra_p', 'SELECT max(r) FILTER (WHERE c > 0) OVER w AS m, min(r) OVER w AS n, count(r) OVER w AS cnt FROM ra WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)') \g /dev/null
SELECT rv_check('alter_before', rv_try($$SELECT row(d.*)::text FROM ra_p('a', 60005, 0, NULL, 1) d$$),
  rv_try($$SELECT row(m, n, cnt)::text FROM (SELECT max(r) FILTER (WHERE c > 0) OVER w AS m, min(r) OVER w AS n, count(r) OVER w AS cnt, seq FROM (SELECT * FROM ra UNION ALL SELECT 'a', 60005, 2147483647, NULL, 1) u WINDOW w AS (ORDER BY ts, seq)) y WHERE seq = 2147483647$$));
CREATE FUNCTION rv_do(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'done';
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT 'NOTE alter: ' || rv_do($$ALTER TABLE ra ALTER COLUMN r TYPE float8$$);
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT rv_check('alter_after_' || j, rv_try($$SELECT row(d.*)::text FROM ra_p('a', 60005, 0, NULL, 1) d$$),
  rv_try($$SELECT row(m, n, cnt)::text FROM (SELECT max(r) FILTER (WHERE c > 0) OVER w AS m, min(r) OVER w AS n, count(r) OVER w AS cnt, seq FROM (SELECT * FROM ra UNION ALL SELECT 'a', 60005, 2147483647, NULL, 1) u WINDOW w AS (ORDER BY ts, seq)) y WHERE seq = 2147483647$$))
  FROM (SELECT set_config('feature_ext.jit', j::text, false), j FROM unnest(ARRAY[false, true]) j) s;
RESET feature_ext.jit;
SELECT 'NOTE alter_redeploy: ' || rv_try($$SELECT feature_ext.deploy('ra_p', 'SELECT max(r) FILTER (WHERE c > 0) OVER w AS m, min(r) OVER w AS n, count(r) OVER w AS cnt FROM ra WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)', '{"replace": true}')::text$$);
SELECT rv_check('alter_redeployed', rv_try($$SELECT row(d.*)::text FROM ra_p('a', 60005, 0, NULL, 1) d$$),
  rv_try($$SELECT row(m, n, cnt)::text FROM (SELECT max(r) FILTER (WHERE c > 0) OVER w AS m, min(r) OVER w AS n, count(r) OVER w AS cnt, seq FROM (SELECT * FROM ra UNION ALL SELECT 'a', 60005, 2147483647, NULL, 1) u WINDOW w AS (ORDER BY ts, seq)) y WHERE seq = 2147483647$$));

-- 9. many columns (the map budget and the 16 summarised columns): real / float8 columns past them
CREATE TABLE rm (k text, ts int8, seq int4, i1 int4, i2 int4, i3 int4, i4 int4, i5 int4, i6 int4, i7 int4, i8 int4, i9 int4, i10 int4,
                 i11 int4, i12 int4, i13 int4, i14 int4, f1 float8, r1 real, f2 float8, r2 real, c int2) USING feature_store;
CREATE INDEX rm_k ON rm USING skiplist (k, ts);
INSERT INTO rm SELECT 'a', g * 10, g, g % 2, g % 3, g, g, g, g, g, g, g, g, g, g, g, g,
  CASE WHEN g % 2 = 0 THEN '-0'::float8 ELSE 0 END, CASE WHEN g % 3 = 0 THEN '-0'::real ELSE 0 END,
  CASE WHEN g % 5 = 0 THEN '-0'::float8 ELSE 0 END, CASE WHEN g % 2 = 0 THEN '-0'::real ELSE 0 END, (g % 3)::int2
  FROM generate_series(1, 5000) g;
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
CREATE FUNCTION rm_check(name text, feats text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE j bool; exp text; obs text; b0 int8;
BEGIN
  PERFORM feature_ext.deploy('rm_p', format('SELECT %s FROM rm WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)', feats), '{"replace": true}');
  exp := rv_try(format($q$SELECT row(y.*)::text FROM (SELECT %s FROM (SELECT * FROM rm UNION ALL SELECT 'a', 60005, 2147483647, 1,1,1,1,1,1,1,1,1,1,1,1,1,1, NULL, NULL, NULL, NULL, 1::int2) u
                 WINDOW w AS (ORDER BY ts, seq) ORDER BY ts DESC, seq DESC LIMIT 1) y$q$, feats));
  FOREACH j IN ARRAY ARRAY[false, true] LOOP
    PERFORM set_config('feature_ext.jit', j::text, false);
    b0 := blocks_taken();
    obs := rv_try($q$SELECT row(d.*)::text FROM rm_p('a', 60005, 0, 1,1,1,1,1,1,1,1,1,1,1,1,1,1, NULL, NULL, NULL, NULL, 1::int2) d$q$);
    RETURN NEXT rv_check(name || CASE WHEN j THEN '/jit' ELSE '' END, obs, exp) || format(' (blocks %s)', blocks_taken() - b0);
  END LOOP;
  RESET feature_ext.jit;
END $$;
SELECT rm_check('many_cols_plain', 'max(r2) OVER w AS a, min(f2) OVER w AS b, max(r1) OVER w AS c1, min(f1) OVER w AS d');
SELECT rm_check('many_cols_filter', 'max(r2) FILTER (WHERE c > 0) OVER w AS a, min(f2) FILTER (WHERE c <> 1) OVER w AS b, max(r1) FILTER (WHERE i1 = 1) OVER w AS c1, feature_ext.min_where(f1, i2 > 0) OVER w AS d');
SELECT rm_check('many_cols_filter_f1', 'max(f1) FILTER (WHERE i1 = 0) OVER w AS a, min(f1) FILTER (WHERE i2 <> 1) OVER w AS b');

-- 11. blocks that are taken with -0 / +0 ties across blocks (key zb), NaN bits, DML on them
-- zb: zeros whose sign flips every 300 rows (blocks of one sign but at the flips), c 0..3 and NULL;
-- NaN of both signs in key nb (bits compared with float8send / float4send)
INSERT INTO rw SELECT 'zb', g * 10, g,
  CASE WHEN g % 23 = 0 THEN NULL WHEN (g / 300) % 2 = 0 THEN '-0'::float8 ELSE 0 END,
  CASE WHEN (g * 31) % 17 = 0 THEN NULL ELSE (g * 13) % 4 END,
  (ARRAY['p', 'q', 'P'])[1 + (g * 11) % 3],
  CASE WHEN g % 29 = 0 THEN NULL WHEN (g / 333) % 2 = 1 THEN '-0'::real ELSE 0 END
  FROM generate_series(1, 6000) g;
INSERT INTO rw SELECT 'nb', g * 10, g,
  CASE WHEN g % 23 = 0 THEN NULL WHEN (g / 300) % 2 = 0 THEN -('NaN'::float8) ELSE 'NaN'::float8 END,
  CASE WHEN (g * 31) % 17 = 0 THEN NULL ELSE (g * 13) % 4 END, 'p',
  CASE WHEN g % 29 = 0 THEN NULL WHEN (g / 333) % 2 = 1 THEN -('NaN'::real) ELSE 'NaN'::real END
  FROM generate_series(1, 6000) g;
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT rw_exact('zb_' || q.name || '_' || f.name || '_' || ts,
  'min(r) OVER w AS a1, max(r) FILTER (WHERE c > 0) OVER w AS a2, min(r) FILTER (WHERE t <> ''q'') OVER w AS a3, '
  'feature_ext.min_where(x, c > 0) OVER w AS a4, feature_ext.max_where(x, c <> 2) OVER w AS a5, max(x) FILTER (WHERE t = ''p'') OVER w AS a6, min(x) FILTER (WHERE c >= 2) OVER w AS a7',
  f.frame, 'zb', ts, q.req)
  FROM reqs q, frames f, unnest(ARRAY[60005, 31005, 18005]::int8[]) ts
  WHERE q.name IN ('null', 'mz', 'pz', 'cnull');
SELECT rw_exact_ms('zb_maxsize_' || n, 'min(r) FILTER (WHERE c > 0) OVER w AS a17, max(x) FILTER (WHERE c > 0) OVER w AS a18, max(r) OVER w AS a19, feature_ext.min_where(x, c <> 1) OVER w AS a20', n, 'zb', 60005, 'NULL::float8, 1, ''p'', NULL::real')
  FROM unnest(ARRAY[1024, 1025, 1281, 2049, 2301]) n;
-- NaN bits: the deployed result's bytes = PostgreSQL's
SELECT rw_exact('nb_bits_' || f.name || '_' || ts,
  'float8send(feature_ext.max_where(x, c > 0) OVER w) AS a1, float8send(min(x) FILTER (WHERE c <> 1) OVER w) AS a2, float4send(max(r) OVER w) AS a3, float4send(min(r) FILTER (WHERE c >= 1) OVER w) AS a4',
  f.frame, 'nb', ts, 'NULL::float8, 1, ''p'', NULL::real')
  FROM frames f, unnest(ARRAY[60005, 31005]::int8[]) ts;
-- DML on summarised blocks that are taken
INSERT INTO rw SELECT 'd2', ts, seq, x, c, t, r FROM rw WHERE k = 'zb';
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT rw_exact('d2_before', 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, min(r) OVER w AS b5',
                'ROWS UNBOUNDED PRECEDING', 'd2', 60005, 'NULL::float8, NULL::int4, NULL::text, NULL::real');
DELETE FROM rw WHERE k = 'd2' AND ts BETWEEN 51000 AND 57000;
SELECT rw_exact('d2_after_delete', 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, min(r) OVER w AS b5',
                'ROWS UNBOUNDED PRECEDING', 'd2', 60005, 'NULL::float8, NULL::int4, NULL::text, NULL::real');
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT rw_exact('d2_after_delete_gc', 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, min(r) OVER w AS b5',
                'ROWS UNBOUNDED PRECEDING', 'd2', 60005, 'NULL::float8, NULL::int4, NULL::text, NULL::real');
SELECT 'NOTE d2 update: ' || rv_try($$WITH u AS (UPDATE rw SET r = -r, x = -x, c = 3 - c WHERE k = 'd2' AND ts BETWEEN 45000 AND 50000 RETURNING 1) SELECT count(*)::text FROM u$$);
SELECT rw_exact('d2_after_update', 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, min(r) OVER w AS b5',
                'ROWS UNBOUNDED PRECEDING', 'd2', 60005, 'NULL::float8, NULL::int4, NULL::text, NULL::real');
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT rw_exact('d2_after_update_gc', 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, min(r) OVER w AS b5',
                'ROWS UNBOUNDED PRECEDING', 'd2', 60005, 'NULL::float8, NULL::int4, NULL::text, NULL::real');
INSERT INTO rw SELECT 'd2', g * 10 + 3, 100000 + g, CASE WHEN g % 2 = 0 THEN '-0'::float8 ELSE 0 END, g % 4, 'p', CASE WHEN g % 2 = 1 THEN '-0'::real ELSE 0 END
  FROM generate_series(1000, 5000, 37) g;
SELECT rw_exact('d2_late_rows_' || f.name, 'max(r) FILTER (WHERE c > 0) OVER w AS b1, min(x) FILTER (WHERE c <> 1) OVER w AS b2, feature_ext.max_where(x, c >= 0) OVER w AS b3, min(r) OVER w AS b5',
                f.frame, 'd2', 60005, 'NULL::float8, 1, ''p'', NULL::real') FROM frames f;
-- ALTER real -> float8 on an indexed table with no deployment on it, then deploy
CREATE TABLE rz (k text, ts int8, seq int4, r real, c int4) USING feature_store;
CREATE INDEX rz_k ON rz USING skiplist (k, ts);
INSERT INTO rz SELECT 'a', g * 10, g, CASE WHEN (g / 300) % 2 = 0 THEN '-0'::real ELSE ((g % 7) - 3) / 3.0 END, g % 4 FROM generate_series(1, 5000) g;
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT 'NOTE rz alter: ' || rv_do($$ALTER TABLE rz ALTER COLUMN r TYPE float8$$);
INSERT INTO rz SELECT 'a', 50000 + g * 10, 5000 + g, 1.0 / 3, g % 4 FROM generate_series(1, 300) g;
SELECT feature_ext.deploy('rz_p', 'SELECT max(r) FILTER (WHERE c > 0) OVER w AS m, min(r) OVER w AS n, count(r) OVER w AS cnt, feature_ext.min_where(r, c <> 1) OVER w AS mw FROM rz WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)') \g /dev/null
SELECT rv_check('rz_alter_' || g, rv_try($$SELECT row(d.*)::text FROM rz_p('a', 60005, 0, NULL, 1) d$$),
  rv_try($$SELECT row(m, n, cnt, mw)::text FROM (SELECT max(r) FILTER (WHERE c > 0) OVER w AS m, min(r) OVER w AS n, count(r) OVER w AS cnt, feature_ext.min_where(r, c <> 1) OVER w AS mw, seq FROM (SELECT * FROM rz UNION ALL SELECT 'a', 60005, 2147483647, NULL, 1) u WINDOW w AS (ORDER BY ts, seq)) y WHERE seq = 2147483647$$))
  || format(' (blocks %s)', blocks_taken())
  FROM (SELECT g, CASE WHEN g = 2 THEN feature_ext.run_gc() END FROM generate_series(1, 2) g) s;
SELECT rv_check('rz_alter_approx', rv_try($$SELECT feature_ext.deploy('rz_q', 'SELECT avg(r) OVER w AS a FROM rz WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)', '{"float_sums": "approximate"}')::text$$), 'public.rz_q');
SELECT 'NOTE rz avg: ' || rv_try($$SELECT row(d.*)::text FROM rz_q('a', 60005, 0, NULL, 1) d$$) || ' vs ' || rv_try($$SELECT avg(r)::text FROM rz$$);

-- 12. peers, EXCLUDE, two windows, conditions on key / order columns, *_where of real
-- peers of the request (ts of stored rows) with EXCLUDE CURRENT ROW / TIES / GROUP (RANGE)
INSERT INTO rw SELECT 'pe', (g / 3) * 10, g,
  CASE WHEN g % 23 = 0 THEN NULL WHEN (g / 300) % 2 = 0 THEN '-0'::float8 ELSE 0 END,
  CASE WHEN (g * 31) % 17 = 0 THEN NULL ELSE (g * 13) % 4 END, 'p',
  CASE WHEN g % 29 = 0 THEN NULL WHEN (g / 333) % 2 = 1 THEN '-0'::real ELSE 0 END
  FROM generate_series(1, 9000) g;
SELECT feature_ext.run_gc() >= 0 AS gc \g /dev/null
SELECT rw_exact('peers_' || replace(fr, ' ', '_') || '_' || ts || '_' || q.name,
  'max(r) FILTER (WHERE c > 0) OVER w AS a1, min(x) FILTER (WHERE c <> 1) OVER w AS a2, feature_ext.max_where(x, c >= 0) OVER w AS a3, min(r) OVER w AS a4, count(r) FILTER (WHERE c = 2) OVER w AS a5',
  fr, 'pe', ts, q.req)
  FROM unnest(ARRAY['RANGE BETWEEN 20000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW', 'RANGE UNBOUNDED PRECEDING EXCLUDE TIES',
                    'RANGE UNBOUNDED PRECEDING EXCLUDE GROUP', 'ROWS BETWEEN 2000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW']) fr,
       unnest(ARRAY[20000, 29990]::int8[]) ts, reqs q WHERE q.name IN ('mz', 'pz');
-- conditions on the key / order columns read rows
SELECT rw_exact('cond_order_col', 'max(r) FILTER (WHERE ts > 100) OVER w AS a1, min(x) FILTER (WHERE seq <> 5) OVER w AS a2, max(r) OVER w AS a3', 'ROWS UNBOUNDED PRECEDING', 'pe', 30005, '''-0''::float8, 1, ''p'', ''-0''::real');
SELECT rw_exact('cond_key_col', 'max(r) FILTER (WHERE k = ''pe'') OVER w AS a1, feature_ext.min_where(x, k <> ''x'') OVER w AS a2', 'ROWS UNBOUNDED PRECEDING', 'pe', 30005, '''-0''::float8, 1, ''p'', ''-0''::real');
-- two windows on one group (ROWS 1024 and unbounded)
CREATE FUNCTION rw_two(name text, k text, ts int8, req text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE feats text := 'max(r) FILTER (WHERE c > 0) OVER w1 AS a1, min(x) FILTER (WHERE c <> 1) OVER w2 AS a2, feature_ext.max_where(x, c >= 2) OVER w1 AS a3, min(r) OVER w2 AS a4';
  exp text; obs text; j bool;
BEGIN
  PERFORM feature_ext.deploy('rw_t', format('SELECT %s FROM rw WINDOW w1 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1100 PRECEDING AND CURRENT ROW), w2 AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)', feats), '{"replace": true}');
  exp := rv_try(format($q$SELECT row(y.*)::text FROM (SELECT %s FROM
      (SELECT * FROM (SELECT k, ts, seq, x, c, t, r FROM rw WHERE k = %L AND ts <= %s UNION ALL SELECT %L, %s, 2147483647, %s) u0 ORDER BY ts, seq) u
      WINDOW w1 AS (ORDER BY ts, seq ROWS BETWEEN 1100 PRECEDING AND CURRENT ROW), w2 AS (ORDER BY ts, seq ROWS UNBOUNDED PRECEDING) ORDER BY ts DESC, seq DESC LIMIT 1) y$q$, feats, k, ts, k, ts, req));
  FOREACH j IN ARRAY ARRAY[false, true] LOOP
    PERFORM set_config('feature_ext.jit', j::text, false);
    obs := rw_dep('rw_t', k, ts, req);
    RETURN NEXT rv_check(name || CASE WHEN j THEN '/jit' ELSE '' END, obs, exp);
  END LOOP;
  RESET feature_ext.jit;
END $$;
SELECT rw_two('two_windows_' || k || '_' || ts, k, ts, '''-0''::float8, 1, ''p'', ''-0''::real') FROM unnest(ARRAY['zb', 'pe', 'nan']) k, unnest(ARRAY[60005, 25005]::int8[]) ts;
-- *_where of a real column (documented: reads rows)
SELECT rw_exact('where_real_' || k, 'feature_ext.min_where(r, c > 0) OVER w AS a1, feature_ext.max_where(r, c <> 1) OVER w AS a2, feature_ext.count_where(r, c = 2) OVER w AS a3, feature_ext.sum_where(r, c > 0) OVER w AS a4',
  'ROWS UNBOUNDED PRECEDING', k, 60005, '''-0''::float8, 1, ''p'', ''-0''::real') FROM unnest(ARRAY['zb', 'nan', 'o']) k;

-- 10. batch() of a float FILTER deployment = PostgreSQL over the whole table (one key, rows in
-- ts order: batch() replays the source in its order)
CREATE TABLE rb AS SELECT * FROM rw WHERE k = 'zb' AND seq <= 4000 ORDER BY seq;
SELECT feature_ext.deploy('rb_p', 'SELECT seq AS s0, max(r) FILTER (WHERE c > 0) OVER w AS m, feature_ext.min_where(x, c <> 1) OVER w AS n, min(r) OVER w AS o FROM rw WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1500 PRECEDING AND CURRENT ROW)', '{"replace": true}') \g /dev/null
SELECT rv_check('batch_' || j, rv_try($$SELECT count(*) || ' differ ' || coalesce(min(b.s0)::text, '') FROM rb_p_batch('rb') b
  FULL JOIN (SELECT seq, max(r) FILTER (WHERE c > 0) OVER w AS m, feature_ext.min_where(x, c <> 1) OVER w AS n, min(r) OVER w AS o FROM rb
             WINDOW w AS (PARTITION BY k ORDER BY ts, seq ROWS BETWEEN 1500 PRECEDING AND CURRENT ROW)) y ON y.seq = b.s0
  WHERE row(b.m, b.n, b.o)::text IS DISTINCT FROM row(y.m, y.n, y.o)::text$$), '0 differ ')
  FROM (SELECT set_config('feature_ext.jit', j::text, false), j FROM unnest(ARRAY[false, true]) j) s;
RESET feature_ext.jit;

-- 13. JIT on: after 4 requests without a whole block (small keys) the compiled kernel serves the
-- next 64 requests of the plan, then pre-aggregation again: all 70 requests on the big key = PostgreSQL
CREATE TABLE jw (k text, ts int8, seq int4, x float8, c int4, r real) USING feature_store;
CREATE INDEX jw_k ON jw USING skiplist (k, ts);
INSERT INTO jw SELECT 'big', g * 10, g, CASE WHEN (g / 300) % 2 = 0 THEN '-0'::float8 ELSE 0 END, (g * 13) % 4,
  CASE WHEN (g / 333) % 2 = 1 THEN '-0'::real WHEN g % 500 = 0 THEN 'NaN' ELSE 0 END FROM generate_series(1, 6000) g;
INSERT INTO jw SELECT 's' || (g % 10), g * 10, g, CASE WHEN g % 2 = 0 THEN '-0'::float8 ELSE 0 END, g % 4, (g % 3)::real FROM generate_series(1, 50) g;
SELECT feature_ext.run_gc() >= 0 \g /dev/null
SELECT feature_ext.deploy('jw_p', 'SELECT max(r) FILTER (WHERE c > 0) OVER w AS a, feature_ext.min_where(x, c <> 1) OVER w AS b, min(r) OVER w AS m FROM jw WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)') \g /dev/null
SET feature_ext.jit = on;
SELECT count(*) FROM generate_series(1, 10) g, LATERAL jw_p('s' || (g % 10), 100000, 0, NULL, 1, NULL) d \g /dev/null
SELECT blocks_taken() AS jw_b0 \gset
CREATE TEMP TABLE o2 AS SELECT g, row(d.*)::text AS v FROM generate_series(1, 70) g, LATERAL jw_p('big', 60005 + g, 0, '-0', 1, '-0') d;
SELECT CASE WHEN count(*) = 0 THEN 'ok jit_fallback_window (' || blocks_taken() - :jw_b0 || ' blocks)' ELSE 'BUG jit_fallback_window: ' || string_agg(g || ':' || v || ' vs ' || n, '; ') END
FROM o2 CROSS JOIN LATERAL (SELECT row(a, b, m)::text AS n FROM (SELECT max(r) FILTER (WHERE c > 0) OVER w AS a, feature_ext.min_where(x, c <> 1) OVER w AS b, min(r) OVER w AS m, seq
   FROM (SELECT k, ts, seq, x, c, r FROM jw WHERE k = 'big' UNION ALL SELECT 'big', 60005 + g, 2147483647, '-0', 1, '-0') u WINDOW w AS (ORDER BY ts, seq)) y WHERE seq = 2147483647) z
WHERE v <> n;
RESET feature_ext.jit;
