-- JIT-compiled deployments (feature_ext.jit): native code gives the same
-- results as the interpreter, raises the same errors, and explain() says what
-- is compiled.
CREATE TABLE jt (card int, ts bigint, amount float8, qty int, small int2, big int8, merchant text, note varchar)
  USING feature_store;
CREATE INDEX jt_idx ON jt USING skiplist (card, ts);
INSERT INTO jt
SELECT i % 4, i, CASE WHEN i % 29 = 0 THEN NULL WHEN i % 31 = 0 THEN 'NaN' ELSE (i * 37 % 101) / 4.0 END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE i % 17 END, (i % 7)::int2, i * 1000003::int8,
       CASE WHEN i % 11 = 0 THEN NULL ELSE 'm' || (i % 3) END, 'n' || (i % 2)
  FROM generate_series(1, 400) i;

SELECT feature_ext.deploy('jit_f', $$
SELECT card,
       sum(amount) OVER w AS s, avg(amount) OVER w AS a, max(amount) OVER w AS mx, min(amount) OVER w AS mn,
       count(amount) OVER w AS ca, count(*) OVER w AS n,
       sum(qty) OVER w AS sq, max(qty) OVER w AS mq, min(small) OVER w AS ms, max(big) OVER w AS mb,
       sum(small) OVER w AS ss,
       count(*) FILTER (WHERE merchant = 'm1') OVER w AS c_m1,
       count(*) FILTER (WHERE note <> 'n1' AND (qty > 3 OR qty IS NULL)) OVER w AS c_mix,
       sum(amount * 2 - qty) FILTER (WHERE NOT (merchant = 'm2')) OVER w AS s_expr,
       avg(qty::float8 / 4) OVER w2 AS a_cast,
       max(ts % 7 + big / 1000003) OVER w2 AS m_mod,
       count(*) OVER w2 AS n2,
       sum(amount) OVER w3 AS s3,
       count(*) FILTER (WHERE merchant IS NULL) OVER w3 AS c_null,
       string_agg(merchant, ',') OVER w3 AS interp_only,
       sum(amount) OVER w / nullif(count(*) OVER w, 0) AS proj_div,
       count(*) OVER w2 + card AS proj_add,
       max(amount) OVER w > 10 AND card <> 2 AS proj_bool,
       card * 2 AS proj_req
  FROM jt
WINDOW w AS (PARTITION BY card ORDER BY ts ROWS BETWEEN 20 PRECEDING AND CURRENT ROW),
       w2 AS (PARTITION BY card ORDER BY ts RANGE BETWEEN 40 PRECEDING AND 3 PRECEDING),
       w3 AS (PARTITION BY card ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)
$$);
SELECT feature_ext.explain('jit_f', timing => false);

-- Same answers with and without native code, for many requests (including
-- keys without rows and NULL request values).
CREATE TABLE jit_req AS
SELECT k AS card, 400 + t AS ts, CASE WHEN t % 3 = 0 THEN NULL ELSE t * 1.5 END AS amount,
       CASE WHEN t % 4 = 0 THEN NULL ELSE t END AS qty, (t % 5)::int2 AS small, t::int8 AS big,
       CASE WHEN t % 2 = 0 THEN 'm1' END AS merchant, 'n0'::varchar AS note
  FROM generate_series(0, 5) k, generate_series(1, 6) t;
SET feature_ext.jit = on;
CREATE TABLE with_jit AS
SELECT r.card AS rc, r.ts AS rts, f.* FROM jit_req r, LATERAL jit_f(r.card, r.ts, r.amount, r.qty, r.small, r.big, r.merchant, r.note) f;
SET feature_ext.jit = off;
CREATE TABLE without_jit AS
SELECT r.card AS rc, r.ts AS rts, f.* FROM jit_req r, LATERAL jit_f(r.card, r.ts, r.amount, r.qty, r.small, r.big, r.merchant, r.note) f;
SELECT count(*) AS requests FROM with_jit;
SELECT count(*) AS differences
  FROM ((SELECT * FROM with_jit EXCEPT ALL SELECT * FROM without_jit)
        UNION ALL (SELECT * FROM without_jit EXCEPT ALL SELECT * FROM with_jit)) d;
SELECT * FROM with_jit WHERE rc = 1 ORDER BY rts LIMIT 3;
RESET feature_ext.jit;
SELECT replace(feature_ext.explain('jit_f', timing => false), 'off (feature_ext.jit)', 'on')
       ~ 'JIT in this session: on, 23 aggregates native' AS jit_used_in_session;

-- Errors inside native code are PostgreSQL's errors.
SELECT feature_ext.deploy('jit_err', $$
SELECT card, sum(amount * '1e300'::float8) OVER w AS big, sum(qty / (qty - qty)) FILTER (WHERE card = 99) OVER w AS z,
       sum(qty * 2147483647) FILTER (WHERE card = 98) OVER w AS ov
  FROM jt WINDOW w AS (PARTITION BY card ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
$$);
SELECT big FROM jit_err(1, 1000, 1e10, 1, 1::int2, 1, 'm', 'n');  -- float8mul overflow
SET feature_ext.jit = off;
SELECT big FROM jit_err(1, 1000, 1e10, 1, 1::int2, 1, 'm', 'n');
RESET feature_ext.jit;
INSERT INTO jt VALUES (99, 1000, 1, 5, 1, 1, 'm', 'n');
SELECT z FROM jit_err(99, 1001, 1, 5, 1::int2, 1, 'm', 'n');  -- division by zero
INSERT INTO jt VALUES (98, 1000, 1, 5, 1, 1, 'm', 'n');
SELECT ov FROM jit_err(98, 1001, 1, 5, 1::int2, 1, 'm', 'n');  -- integer out of range
SET feature_ext.jit = off;
SELECT ov FROM jit_err(98, 1001, 1, 5, 1::int2, 1, 'm', 'n');
RESET feature_ext.jit;
-- Two aggregates fail in one request (ov on a stored row, big on the later
-- request row): the error is that of the first in the query, as the
-- interpreter raises it, with or without interpreted aggregates in the group.
SELECT big, ov FROM jit_err(98, 1001, 1e10, 5, 1::int2, 1, 'm', 'n');
SET feature_ext.jit = off;
SELECT big, ov FROM jit_err(98, 1001, 1e10, 5, 1::int2, 1, 'm', 'n');
RESET feature_ext.jit;
SELECT feature_ext.deploy('jit_err2', $$
SELECT card, sum(amount * '1e300'::float8) FILTER (WHERE merchant ~ '^m') OVER w AS interp,
       sum(qty * 2147483647) FILTER (WHERE card = 98) OVER w AS ov
  FROM jt WINDOW w AS (PARTITION BY card ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
$$);
SELECT substring(feature_ext.explain('jit_err2', timing => false) FROM 'JIT: [^;]*') AS compiled;
SELECT * FROM jit_err2(98, 1001, 1e10, 5, 1::int2, 1, 'm', 'n');
SET feature_ext.jit = off;
SELECT * FROM jit_err2(98, 1001, 1e10, 5, 1::int2, 1, 'm', 'n');
RESET feature_ext.jit;
SELECT feature_ext.undeploy('jit_err2');

-- Redeploying replaces the code; the new plan is compiled, the old released.
SELECT feature_ext.deploy('jit_err', $$
SELECT card, count(*) OVER w AS n FROM jt
WINDOW w AS (PARTITION BY card ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
$$, '{"replace": true}');
SELECT n FROM jit_err(98, 1001, 1, 5, 1::int2, 1, 'm', 'n');
SELECT jit_aggregates, jit_object IS NOT NULL AS has_object FROM feature_ext.deployment WHERE name = 'jit_err';

-- A stale object (other plan or CPU) is never loaded: it is recompiled.
UPDATE feature_ext.deployment SET jit_hash = jit_hash + 1 WHERE name = 'jit_f';
\c
SELECT count(*) AS same FROM with_jit w, jit_req r, LATERAL jit_f(r.card, r.ts, r.amount, r.qty, r.small, r.big, r.merchant, r.note) f
 WHERE w.rc = r.card AND w.rts = r.ts AND (w.s, w.a, w.n, w.c_mix, w.s_expr) IS NOT DISTINCT FROM (f.s, f.a, f.n, f.c_mix, f.s_expr);
SELECT feature_ext.explain('jit_f', timing => false) ~ 'after compiling in this session' AS recompiled;

SELECT feature_ext.undeploy('jit_f');
SELECT feature_ext.undeploy('jit_err');
DROP TABLE jt, jit_req, with_jit, without_jit;

-- feature_ext.count_where compiles too (it is count(...) FILTER (WHERE ...)).
CREATE TABLE jcw (k int, ts bigint, v float8, tag text) USING feature_store;
CREATE INDEX ON jcw USING skiplist (k, ts);
INSERT INTO jcw SELECT i % 3, i, CASE WHEN i % 5 = 0 THEN NULL ELSE i END,
                       CASE WHEN i % 7 = 0 THEN NULL ELSE 't' || (i % 2) END
  FROM generate_series(1, 60) i;
SELECT feature_ext.deploy('jit_cw', $$
SELECT k, feature_ext.count_where(v, tag = 't1') OVER w AS c2, feature_ext.count_where(v > 10) OVER w AS c1,
       feature_ext.count_where(v * 2, tag = 't0') OVER w AS interpreted
  FROM jcw WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
$$);
SELECT feature_ext.explain('jit_cw', timing => false) ~ '2 of 3 aggregates compile' AS two_of_three;
SELECT * FROM jit_cw(1, 100, 50, 't1');
SET feature_ext.jit = off;
SELECT * FROM jit_cw(1, 100, 50, 't1');
RESET feature_ext.jit;
SELECT feature_ext.undeploy('jit_cw');
DROP TABLE jcw;

-- The OpenMLDB dialect's sum / avg over integer columns (sum_where /
-- avg_where: 128-bit sums, sum in the argument's type) compile too; equal to
-- the interpreter, overflow included.  avg of a bigint takes the exact float
-- sum of its float8 casts (which round), as the interpreter does.
CREATE TABLE jsw (k int, ts bigint, s int2, i int4, b int8) USING feature_store;
CREATE INDEX ON jsw USING skiplist (k, ts);
INSERT INTO jsw SELECT i % 2, i, CASE WHEN i % 6 = 0 THEN NULL ELSE (i * 37 % 200 - 100) END, i * 1000,
                       CASE WHEN i % 4 = 0 THEN NULL ELSE 4611686018427387904 - i END
  FROM generate_series(1, 40) i;
SELECT feature_ext.deploy('jit_sw', $$
SELECT k, sum(s) OVER w AS s_sum, avg(s) OVER w AS s_avg, sum(i) OVER w AS i_sum,
       avg(b) OVER w AS b_avg, sum_where(i, s > 0) OVER w AS i_pos, avg_where(b, i > 20000) OVER w AS b_big
  FROM jsw WINDOW w AS (PARTITION BY `k` ORDER BY `ts` ROWS_RANGE BETWEEN 30 PRECEDING AND CURRENT ROW)
$$);
SELECT substring(feature_ext.explain('jit_sw', timing => false) FROM 'JIT: [^;]*') AS compiled;
CREATE TEMP TABLE jsw_on AS SELECT g, f.* FROM generate_series(1, 45) g, LATERAL jit_sw(g % 2, g, 1::int2, 1, 1) f;
SET feature_ext.jit = off;
SELECT count(*) AS requests, count(*) FILTER (WHERE row(x.*)::text IS DISTINCT FROM row(o.*)::text) AS differences
  FROM (SELECT g, f.* FROM generate_series(1, 45) g, LATERAL jit_sw(g % 2, g, 1::int2, 1, 1) f) x
  JOIN jsw_on o USING (g);
RESET feature_ext.jit;
SELECT s_sum, s_avg, i_sum, b_avg, i_pos, b_big FROM jit_sw(0, 41, 5::int2, 7, 9);
-- the sum of bigints leaves bigint: the same error compiled or not
SELECT feature_ext.deploy('jit_sw2', $$
SELECT sum(b) OVER w AS b_sum FROM jsw WINDOW w AS (PARTITION BY `k` ORDER BY `ts` ROWS_RANGE BETWEEN 30 PRECEDING AND CURRENT ROW)
$$);
SELECT * FROM jit_sw2(0, 41, 5::int2, 7, 9);
SET feature_ext.jit = off;
SELECT * FROM jit_sw2(0, 41, 5::int2, 7, 9);
RESET feature_ext.jit;
SELECT feature_ext.undeploy('jit_sw');
SELECT feature_ext.undeploy('jit_sw2');
DROP TABLE jsw;

-- avg(float8): compiled code computes Sx / N and hands frames holding a value
-- beyond +/-1e100 (or inf / NaN) to the interpreter, whose float8_accum
-- raises the overflow of the sum of squares as PostgreSQL does.
CREATE TABLE javg (k int, ts bigint, v float8) USING feature_store;
CREATE INDEX ON javg USING skiplist (k, ts);
INSERT INTO javg VALUES (1, 1, 1e150), (1, 2, 2e150), (2, 1, 1e200), (2, 2, -1e200),
                        (3, 1, 'Infinity'), (3, 2, 1), (4, 1, 'NaN'), (5, 1, 0.1), (5, 2, 0.2);
SELECT feature_ext.deploy('jit_avg', $$
SELECT avg(v) OVER w AS a, count(*) OVER w AS n FROM javg
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.explain('jit_avg', timing => false) ~ '2 of 2 aggregates compile' AS avg_compiled;
SELECT k, (jit_avg(k, 3, 0.7)).* FROM generate_series(1, 5) k WHERE k <> 2;
SELECT * FROM jit_avg(2, 3, 0.7);
SELECT * FROM jit_avg_batch('SELECT * FROM javg WHERE k <> 2');
SELECT * FROM jit_avg_batch('javg');
SET feature_ext.jit = off;
SELECT k, (jit_avg(k, 3, 0.7)).* FROM generate_series(1, 5) k WHERE k <> 2;
SELECT * FROM jit_avg(2, 3, 0.7);
RESET feature_ext.jit;
SELECT feature_ext.undeploy('jit_avg');
DROP TABLE javg;

-- feature_ext's min_where / max_where (int2/int4/int8/float8) and float8
-- sum_where / avg_where (feature_ext's exact sum) compile too, including the
-- OpenMLDB dialect's sum / avg of float8 and bigint; equal to the
-- interpreter with NaN, +-Infinity, -0, NULLs, cancellation and empty
-- frames.  float4 values stay interpreted.
CREATE TABLE jmw (k int, ts bigint, x float8, s int2, i int4, b int8, r float4, tag text) USING feature_store;
CREATE INDEX ON jmw USING skiplist (k, ts);
INSERT INTO jmw
SELECT i % 3, i,
       CASE i % 3
         WHEN 0 THEN (ARRAY[1e16, 1.5, -1e16, 0.1])[i / 3 % 4 + 1]
         WHEN 1 THEN CASE WHEN i % 23 = 1 THEN 'NaN' WHEN i % 17 = 1 THEN 'Infinity' WHEN i % 13 = 1 THEN '-Infinity'
                          WHEN i % 5 = 1 THEN '-0' WHEN i % 7 = 1 THEN NULL WHEN i % 11 = 1 THEN 1e308
                          ELSE -(i % 9) * 0.25 END
       END,
       CASE WHEN i % 8 = 0 THEN NULL ELSE (i * 7 % 11 - 5) END, i * 37 % 1000 - 500,
       CASE WHEN i % 6 = 0 THEN NULL ELSE 4611686018427387904 - i * 12345 END, (i % 10) / 3.0,
       CASE WHEN i % 9 = 0 THEN NULL ELSE (ARRAY['a', 'b', 'c'])[i % 3 + 1] END
  FROM generate_series(1, 120) i;
SELECT feature_ext.deploy('jit_mw', $$
SELECT k, sum(x) OVER w AS x_sum, avg(x) OVER w AS x_avg, min_where(x, tag == "a") OVER w AS x_min,
       max_where(x, tag != "c") OVER w AS x_max, sum_where(x, s > 0) OVER w AS x_sum_c,
       avg_where(x, i > 0) OVER w2 AS x_avg2, min_where(s, i > 100) OVER w AS s_min, max_where(i, tag == "b") OVER w AS i_max,
       min_where(b, s < 2) OVER w2 AS b_min, avg(b) OVER w AS b_avg, max_where(x, s > 4) OVER w2 AS x_max2,
       sum(r) OVER w AS r_sum, max_where(r, true) OVER w AS r_max
  FROM jmw
WINDOW w AS (PARTITION BY `k` ORDER BY `ts` ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
       w2 AS (PARTITION BY `k` ORDER BY `ts` ROWS BETWEEN 5 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW)
$$);
SELECT substring(feature_ext.explain('jit_mw', timing => false) FROM 'JIT: [^\n]*\(interpreted: [^)]*\)') AS compiled;
-- requests at ts 100..130 for keys 0..2 and a key without rows, with NULL,
-- NaN, -0, huge and plain request values
CREATE TEMP TABLE jmw_req AS
SELECT row_number() OVER () AS g, k, ts, (ARRAY[NULL, 'NaN', '-0', 1e308, 2.5]::float8[])[ts % 5 + 1] AS x,
       (ts % 9 - 4)::int2 AS s, (ts * 13 % 300 - 150)::int4 AS i, ts * 1000::int8 AS b, 1.5::float4 AS r,
       (ARRAY['a', 'b', NULL])[ts % 3 + 1] AS tag
  FROM generate_series(0, 3) k, generate_series(100, 130) ts;
SET feature_ext.jit = on;
CREATE TEMP TABLE jmw_on AS SELECT q.g, f.* FROM jmw_req q, LATERAL jit_mw(q.k, q.ts, q.x, q.s, q.i, q.b, q.r, q.tag) f;
SET feature_ext.jit = off;
SELECT count(*) AS requests, count(*) FILTER (WHERE row(x.*)::text IS DISTINCT FROM row(o.*)::text) AS differences
  FROM (SELECT q.g, f.* FROM jmw_req q, LATERAL jit_mw(q.k, q.ts, q.x, q.s, q.i, q.b, q.r, q.tag) f) x
  JOIN jmw_on o USING (g);
RESET feature_ext.jit;
-- what the comparison covered
SELECT count(*) FILTER (WHERE x_sum = 'NaN') AS nan_sums, count(*) FILTER (WHERE x_max = 'NaN') AS nan_max,
       count(*) FILTER (WHERE x_sum IN ('Infinity', '-Infinity')) AS inf_sums,
       count(*) FILTER (WHERE x_min IS NULL) AS null_min, count(*) FILTER (WHERE x_avg2 IS NULL) AS empty_w2,
       count(*) FILTER (WHERE x_max::text = '-0') AS neg_zero_max
  FROM jmw_on;
-- exact sums: 1e16 + 1.5 - 1e16 + 0.1 + ... is not a left-to-right double sum
SELECT x_sum, x_avg, x_min, x_max, x_sum_c, x_avg2, s_min, i_max, b_min, b_avg, x_max2, r_sum, r_max
  FROM jit_mw(0, 200, 0.1, 1::int2, 5, 7, 1, 'a');
SET feature_ext.jit = off;
SELECT x_sum, x_avg, x_min, x_max, x_sum_c, x_avg2, s_min, i_max, b_min, b_avg, x_max2, r_sum, r_max
  FROM jit_mw(0, 200, 0.1, 1::int2, 5, 7, 1, 'a');
RESET feature_ext.jit;
SELECT x_sum, x_avg, x_min, x_max, x_avg2, b_min FROM jit_mw(1, 200, NULL, 1::int2, 5, 7, 1, 'a');
SELECT x_sum, x_avg, x_min, x_max, x_avg2, b_min FROM jit_mw(3, 200, NULL, 1::int2, 5, 7, 1, 'a');
SELECT feature_ext.undeploy('jit_mw');
DROP TABLE jmw;

-- The variance family (float8_accum's Youngs-Cramer state and the built-in
-- final functions) and float4 values compile: sum(float4) in float4
-- arithmetic, max / min(float4), avg / stddev of float4 (float4_accum),
-- float4 expressions and casts, numeric constants folded.  Same answers
-- with NaN, +-Infinity, one-row and empty frames, and the same errors.
CREATE TABLE jvar (k int, ts bigint, x float8, r float4, i int4) USING feature_store;
CREATE INDEX ON jvar USING skiplist (k, ts);
INSERT INTO jvar
SELECT i % 4, i,
       CASE WHEN i % 4 = 3 AND i % 5 = 0 THEN 'NaN' WHEN i % 4 = 3 AND i % 7 = 0 THEN 'Infinity'
            WHEN i % 9 = 0 THEN NULL ELSE (i * 37 % 101) / 7.0 END,
       CASE WHEN i % 11 = 0 THEN NULL WHEN i % 4 = 2 AND i % 5 = 0 THEN '-Infinity' ELSE (i * 13 % 29) / 3.0 END,
       i % 11
  FROM generate_series(1, 120) i;
INSERT INTO jvar VALUES (5, 1, 1e300, 3e38, 1), (5, 2, -1e300, 3e38, 2);
SELECT feature_ext.deploy('jit_var', $$
SELECT k, stddev_samp(x) OVER w AS sd, stddev(x) OVER w AS sd2, stddev_pop(x) OVER w AS sdp,
       var_samp(x) OVER w AS vs, variance(x) OVER w AS v2, var_pop(x) OVER w AS vp,
       stddev_samp(x * 2 - i) FILTER (WHERE i > 3) OVER w2 AS sd_expr, var_pop(x) OVER w2 AS vp2,
       sum(r) OVER w AS r_sum, avg(r) OVER w AS r_avg, max(r) OVER w AS r_max, min(r * 2) OVER w AS r_min,
       variance(r) OVER w AS r_var, stddev_pop(r) OVER w2 AS r_sdp, sum(x::real) OVER w2 AS xr_sum,
       max(r::float8 + 0.5) FILTER (WHERE r > 1.5) OVER w AS r_mix, count(r) OVER w AS r_cnt,
       sum(r - i::real) OVER w2 AS r_i
  FROM jvar
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
       w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)
$$);
SELECT substring(feature_ext.explain('jit_var', timing => false) FROM 'JIT: [^;]*') AS compiled;
CREATE TEMP TABLE jvar_req AS
SELECT row_number() OVER () AS g, k, ts, (ARRAY[NULL, 'NaN', '-0', 2.5, 'Infinity']::float8[])[ts % 5 + 1] AS x,
       (ARRAY[NULL, 1.25, '-0', 'NaN']::float4[])[ts % 4 + 1] AS r, (ts % 7)::int4 AS i
  FROM generate_series(0, 4) k, generate_series(100, 130) ts;
SET feature_ext.jit = on;
CREATE TEMP TABLE jvar_on AS SELECT q.g, f.* FROM jvar_req q, LATERAL jit_var(q.k, q.ts, q.x, q.r, q.i) f;
SET feature_ext.jit = off;
SELECT count(*) AS requests, count(*) FILTER (WHERE row(x.*)::text IS DISTINCT FROM row(o.*)::text) AS differences
  FROM (SELECT q.g, f.* FROM jvar_req q, LATERAL jit_var(q.k, q.ts, q.x, q.r, q.i) f) x
  JOIN jvar_on o USING (g);
RESET feature_ext.jit;
-- what the comparison covered
SELECT count(*) FILTER (WHERE sd = 'NaN') AS nan_sd, count(*) FILTER (WHERE vp2 IS NULL) AS null_vp2,
       count(*) FILTER (WHERE sd IS NOT NULL AND sd <> 'NaN') AS finite_sd,
       count(*) FILTER (WHERE r_sum = '-Infinity') AS inf_r_sum, count(*) FILTER (WHERE r_max = 'NaN') AS nan_r_max
  FROM jvar_on;
SELECT sd, vp, r_sum, r_avg, r_max, r_min, r_var FROM jit_var(1, 200, 2.5, 1.25::float4, 3);
-- batch() runs the same kernels (avg(float4) never hands a row back)
CREATE TEMP TABLE jvar_b AS SELECT row(b.*)::text AS r FROM jit_var_batch('SELECT * FROM jvar WHERE k <> 5') b;
SET feature_ext.jit = off;
SELECT (SELECT count(*) FROM jvar_b) AS batch_rows, count(*) AS differences
  FROM ((SELECT r FROM jvar_b EXCEPT ALL SELECT row(b.*)::text FROM jit_var_batch('SELECT * FROM jvar WHERE k <> 5') b)
        UNION ALL (SELECT row(b.*)::text FROM jit_var_batch('SELECT * FROM jvar WHERE k <> 5') b
                   EXCEPT ALL SELECT r FROM jvar_b)) d;
RESET feature_ext.jit;
-- a sum of squares (float8_accum) and a float4 sum (float4pl) that overflow
SELECT vp FROM jit_var(5, 3, 1e300, 1, 3);
SET feature_ext.jit = off;
SELECT vp FROM jit_var(5, 3, 1e300, 1, 3);
RESET feature_ext.jit;
SELECT r_sum FROM jit_var(5, 3, 1, 3e38::float4, 3);
SET feature_ext.jit = off;
SELECT r_sum FROM jit_var(5, 3, 1, 3e38::float4, 3);
RESET feature_ext.jit;
SELECT feature_ext.undeploy('jit_var');
DROP TABLE jvar;

-- feature_ext's map / list aggregates (distinct_count, median, entropy,
-- top1_ratio, ew_avg, drawdown) run the library's kernels from the compiled
-- loop: same answers as the interpreter with NULL keys (a value of
-- distinct_count's own), NaN, -0 and 0, text keys, FILTER, empty frames, and
-- in batch().
CREATE TABLE jnat (k int, ts bigint, x float8, r float4, i int4, s text, b bool) USING feature_store;
CREATE INDEX ON jnat USING skiplist (k, ts);
INSERT INTO jnat
SELECT i % 4, i,
       CASE WHEN i % 9 = 0 THEN NULL WHEN i % 17 = 0 THEN 'NaN' WHEN i % 19 = 0 THEN '-0'
            WHEN i % 5 = 0 THEN 0 ELSE (i * 37 % 23) / 4.0 END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 6) / 2.0 END, i % 7,
       CASE WHEN i % 8 = 0 THEN NULL ELSE (ARRAY['a', 'bb', 'merchant_with_a_long_name'])[i % 3 + 1] END,
       CASE WHEN i % 11 = 0 THEN NULL ELSE i % 2 = 0 END
  FROM generate_series(1, 160) i;
SELECT feature_ext.deploy('jit_nat', $$
SELECT k, feature_ext.distinct_count(s) OVER w AS d_s, feature_ext.distinct_count(x) OVER w AS d_x,
       feature_ext.distinct_count(i) OVER w AS d_i, feature_ext.distinct_count(b) OVER w2 AS d_b,
       feature_ext.distinct_count(r) FILTER (WHERE i > 2) OVER w AS d_r, feature_ext.median(x) OVER w AS med,
       feature_ext.median(i) OVER w2 AS med_i, feature_ext.entropy(s) OVER w AS ent, feature_ext.entropy(x) OVER w2 AS ent_x,
       feature_ext.top1_ratio(s) OVER w AS top1, feature_ext.top1_ratio(i) OVER w2 AS top1_i,
       feature_ext.ew_avg(x, 0.25) OVER w AS ew, feature_ext.drawdown(x) OVER w AS dd
  FROM jnat
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 12 PRECEDING AND CURRENT ROW),
       w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING)
$$);
SELECT substring(feature_ext.explain('jit_nat', timing => false) FROM 'JIT: [^;]*') AS compiled;
CREATE TEMP TABLE jnat_req AS
SELECT row_number() OVER () AS g, k, ts, (ARRAY[NULL, 'NaN', '-0', 2.5, 0]::float8[])[ts % 5 + 1] AS x,
       (ARRAY[NULL, 1.5, 0]::float4[])[ts % 3 + 1] AS r, (ts % 7)::int4 AS i,
       (ARRAY[NULL, 'a', 'zz'])[ts % 3 + 1] AS s, (ARRAY[NULL, true, false])[ts % 3 + 1] AS b
  FROM generate_series(0, 4) k, generate_series(200, 230) ts;
SET feature_ext.jit = on;
CREATE TEMP TABLE jnat_on AS SELECT q.g, f.* FROM jnat_req q, LATERAL jit_nat(q.k, q.ts, q.x, q.r, q.i, q.s, q.b) f;
SET feature_ext.jit = off;
SELECT count(*) AS requests, count(*) FILTER (WHERE row(x.*)::text IS DISTINCT FROM row(o.*)::text) AS differences
  FROM (SELECT q.g, f.* FROM jnat_req q, LATERAL jit_nat(q.k, q.ts, q.x, q.r, q.i, q.s, q.b) f) x
  JOIN jnat_on o USING (g);
RESET feature_ext.jit;
-- what the comparison covered
SELECT count(*) FILTER (WHERE med = 'NaN') AS nan_med, count(*) FILTER (WHERE med_i IS NULL) AS empty_w2,
       count(DISTINCT d_s) AS d_s_values, count(*) FILTER (WHERE ent IS NULL) AS null_ent, max(d_b) AS max_d_b
  FROM jnat_on;
SELECT d_s, d_x, d_i, d_b, d_r, med, med_i, ent, top1, ew, dd FROM jit_nat(1, 300, 2.5, 1.5, 3, 'a', true);
CREATE TEMP TABLE jnat_b AS SELECT row(b.*)::text AS r FROM jit_nat_batch('jnat') b;
SET feature_ext.jit = off;
SELECT (SELECT count(*) FROM jnat_b) AS batch_rows, count(*) AS differences
  FROM ((SELECT r FROM jnat_b EXCEPT ALL SELECT row(b.*)::text FROM jit_nat_batch('jnat') b)
        UNION ALL (SELECT row(b.*)::text FROM jit_nat_batch('jnat') b EXCEPT ALL SELECT r FROM jnat_b)) d;
RESET feature_ext.jit;
SELECT feature_ext.undeploy('jit_nat');
DROP TABLE jnat;
