-- OpenMLDB aggregates: top, topn_frequency, top1_ratio, median, ew_avg,
-- drawdown, entropy, nth_value_where, window_split*, join, at, latest_value.
SET search_path = public, feature_ext;
SET timezone = 'Asia/Shanghai';

CREATE TABLE agg_m1 (id int, c1 text, c2 int2, c3 int4, c4 int8, c5 float4, c6 float8, c7 timestamptz);
INSERT INTO agg_m1 VALUES
  (1, 'aa', 1, 1, 30, 1.1, 2.1, to_timestamp(1590738990)),
  (2, 'aa', 4, 4, 33, 1.4, 2.4, to_timestamp(1590738991)),
  (3, 'aa', 1, 1, 33, 1.1, 2.1, to_timestamp(1590738992)),
  (4, 'aa', NULL, NULL, NULL, NULL, NULL, to_timestamp(1590738993));
-- test_udaf_function id 61 median:
--   [1,1,30,1.1000000238418579,2.1] [2.5,2.5,31.5,1.25,2.25] [1,1,33,1.1000000238418579,2.1] [2.5,2.5,33,1.25,2.25]
SELECT id, median(c2) OVER w m2, median(c3) OVER w m3, median(c4) OVER w m4, median(c5) OVER w m5,
       median(c6) OVER w m6
FROM agg_m1 WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY id;

-- documentation examples: ew_avg 3.161290, drawdown 0.75, median 2.5, top "4,4,3"
SELECT ew_avg(v, 0.5 ORDER BY v)::numeric(10,6) FROM generate_series(0, 4) v;
SELECT ew_avg(v, NULL ORDER BY v), ew_avg(v, 0 ORDER BY v), ew_avg(v, 1 ORDER BY v) FROM generate_series(0, 4) v;
SELECT drawdown(v ORDER BY i) FROM (VALUES (1, 1), (2, 8), (3, 5), (4, 2), (5, 10), (6, 4)) t(i, v);
SELECT drawdown(v ORDER BY i) FROM (VALUES (1, 1), (2, -8), (3, 5), (4, NULL)) t(i, v);
SELECT median(v) FROM (VALUES (1), (2), (3), (4)) t(v);
SELECT top(v, 3) FROM (VALUES (1), (2), (3), (4), (4)) t(v);
-- udaf_test.cc topk_test
SELECT top(v, 4) FROM unnest(ARRAY[1.1, 6.6, 3.3, 4.4, 5.5, 2.2, 6.6]::float4[]) v;
SELECT top(v, 4) FROM unnest(ARRAY[1, 6, 3, 4, 5, 2, 6]) v;
SELECT top(v::text, 4) FROM unnest(ARRAY[1, 6, 3, 4, 5, 2, 6]) v;
SELECT top(to_timestamp(v), 4) FROM unnest(ARRAY[1, 6, 3, 4, 5, 2, 6]) v;
SELECT top(date '1900-01-01' + v, 4) FROM unnest(ARRAY[0, 5, 2, 3, 4, 1, 5]) v;
SELECT top(v, 4) FROM unnest(ARRAY[1, NULL, 3, NULL, 5]) v;
SELECT top(v, 4) = '', top(v, 0) = '' FROM unnest(ARRAY[]::int[]) v;

-- top1_ratio: NULLs ignored, 0 without values
SELECT top1_ratio(k) FROM (VALUES (1), (2), (2), (NULL)) t(k);
SELECT top1_ratio(k) FROM (VALUES (NULL::text)) t(k);
SELECT top1_ratio(k) FROM (VALUES (1)) t(k) WHERE false;
SELECT id, k, top1_ratio(k) OVER w FROM (VALUES (1, 'a'), (2, 'b'), (3, 'b'), (4, 'a'), (5, 'a'), (6, NULL)) t(id, k)
WINDOW w AS (ORDER BY id ROWS 2 PRECEDING) ORDER BY id;
-- topn_frequency: most frequent first, ties by key ascending, padded with NULL
SELECT topn_frequency(k, 3), topn_frequency(k, 1), topn_frequency(k, 0) = '', topn_frequency(k::text, 2)
FROM (VALUES (3), (1), (3), (2), (1), (NULL)) t(k);
SELECT topn_frequency(k, 2) FROM (VALUES (1.5::float8), (1.5), (2.25)) t(k);

-- id 63 entropy over the whole table: 2.0, 0.0, 1.0, 1.0, 2.321928094887362, 2.0, 1.0
CREATE TABLE agg_m2 (id int, col1 int, col2 int2, col3 text, col4 float8, std_ts timestamptz, de date, flag bool);
INSERT INTO agg_m2 VALUES (0, 1, 55, 'g1', 2.0, to_timestamp(1590115420), '2012-12-12', true),
  (1, 2, 55, NULL, 2.0, to_timestamp(1590115421), '2012-12-13', true),
  (2, 3, 55, 'g2', NULL, to_timestamp(1590115422), '2012-12-14', false),
  (3, 4, 55, 'g1', 4.0, to_timestamp(1590115423), '2012-12-15', false),
  (4, NULL, 55, 'g2', 4.0, to_timestamp(1590115424), NULL, NULL);
SELECT entropy(col1), entropy(col2), entropy(col3), entropy(col4), entropy(std_ts), entropy(de), entropy(flag)
FROM agg_m2;
SELECT entropy(col1) FROM agg_m2 WHERE col1 IS NULL;

-- id 64 nth_value_where (ROWS_RANGE 5s OPEN PRECEDING = RANGE 5 s here)
--   agg_null all NULL; agg2 NULL,NULL,9,9,9; agg4 NULL,NULL,2,2,2; agg5 NULL,NULL,7,7,7
CREATE TABLE agg_m3 (id int, key1 text, l1 int, l2 bigint, f1 float4, ts timestamptz, val text);
INSERT INTO agg_m3 VALUES (4, 'g2', NULL, 10, 4.4, to_timestamp(1590738990.002), 'A'),
  (5, 'g2', NULL, -2, 9.0, to_timestamp(1590738990.003), 'B'),
  (6, 'g2', 1, 3, 7.0, to_timestamp(1590738990.004), 'A'),
  (7, 'g2', 3, 10, NULL, to_timestamp(1590738990.005), 'C'),
  (8, 'g2', NULL, 11, NULL, to_timestamp(1590738990.006), 'F');
SELECT id, nth_value_where(id, 0, true) OVER w agg_null,
       nth_value_where(f1, -2, CASE WHEN f1 > 5.0 THEN true ELSE NULL END) OVER w agg2,
       nth_value_where(l1 + 1, 1, l1 < 4) OVER w agg4,
       nth_value_where(f1, 2, f1 > 5.0) OVER w agg5,
       nth_value_where(val, -1, l2 > 5) OVER w v_last,
       nth_value_where(ts, 1, true) OVER w ts_first
FROM agg_m3 WINDOW w AS (PARTITION BY key1 ORDER BY ts RANGE BETWEEN '5 s' PRECEDING AND CURRENT ROW)
ORDER BY id;
-- a matching row's NULL value is the result
SELECT nth_value_where(v, 1, true), nth_value_where(v, -1, true) FROM (VALUES (1, NULL::int), (2, 5)) t(i, v);

-- id 46 / 56 lag and at over ROWS 2 PRECEDING AND CURRENT ROW:
--   at(c, 0) is the current row, at(c, 2) two rows back (NULL before that)
CREATE TABLE agg_m4 (id int, pk bigint, c1 text, c2 int, c3 bigint, c4 float4, c5 float8, c6 timestamptz, c7 date, c8 bool);
INSERT INTO agg_m4 VALUES (1, 1, 'a', 1, 30, 1.1, 2.1, to_timestamp(1590738990), '2020-05-01', true),
  (2, 1, 'c', 4, 33, 1.4, 2.4, to_timestamp(1590738991), '2020-05-03', false),
  (3, 1, 'b', 3, 32, 1.3, 2.3, to_timestamp(1590738992), '2020-05-02', true),
  (4, 1, NULL, NULL, NULL, NULL, NULL, to_timestamp(1590738993), NULL, NULL),
  (5, 1, 'd', 5, 35, 1.5, 2.5, to_timestamp(1590738994), '2020-05-04', false);
SELECT id, at(c1, 0) OVER w m1, at(c1, 2) OVER w m2, at(c2, 2) OVER w m4, at(c3, 2) OVER w m6,
       at(c4, 2) OVER w m8, at(c5, 2) OVER w m10, at(c6, 2) OVER w m12, at(c7, 2) OVER w m14,
       at(c8, 0) OVER w m15, at(c8, 2) OVER w m16, latest_value(c7) OVER w lv
FROM agg_m4 WINDOW w AS (PARTITION BY pk ORDER BY c6 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;
-- id 59: OpenMLDB lag is relative to the current row even when the frame ends
-- before it; that is PostgreSQL's own lag(): agg1 1..5,4,3,2  agg2 NULL,1,2,3,4,NULL,4,3
-- agg3 NULL,NULL,NULL,1,2,NULL,NULL,NULL.  at() is relative to the frame's newest row.
CREATE TABLE agg_m5 (id int, ts timestamptz, group1 text, val1 int);
INSERT INTO agg_m5 VALUES (1, to_timestamp(1612130400), 'g1', 1), (2, to_timestamp(1612130401), 'g1', 2),
  (3, to_timestamp(1612130402), 'g1', 3), (4, to_timestamp(1612130403), 'g1', 4),
  (5, to_timestamp(1612130404), 'g1', 5), (6, to_timestamp(1612130405), 'g2', 4),
  (7, to_timestamp(1612130406), 'g2', 3), (8, to_timestamp(1612130407), 'g2', 2);
SELECT id, lag(val1, 0) OVER w agg1, lag(val1, 1) OVER w agg2, lag(val1, 3) OVER w agg3,
       at(val1, 0) OVER w at0, at(val1, 1) OVER w at1
FROM agg_m5 WINDOW w AS (PARTITION BY group1 ORDER BY ts ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING)
ORDER BY id;
SELECT at(v, -1) FROM (VALUES (1)) t(v);
SELECT at(v, NULL) FROM (VALUES (1)) t(v);

-- window_split / window_split_by_key / window_split_by_value / join: newest row first, NULLs skipped
CREATE TABLE agg_m6 (id int, s text);
INSERT INTO agg_m6 VALUES (1, 'k1:1,k2:2'), (2, NULL), (3, 'k3:3,bad,k4:4:x,'), (4, '');
SELECT id, window_split(s, ',') OVER w, window_split_by_key(s, ',', ':') OVER w,
       window_split_by_value(s, ',', ':') OVER w, join(s, ' ') OVER w
FROM agg_m6 WINDOW w AS (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) ORDER BY id;
SELECT window_split(s, '||' ORDER BY id), window_split(s, '' ORDER BY id), join(s, '--' ORDER BY id)
FROM (VALUES (1, 'a||b'), (2, 'c')) t(id, s);
SELECT window_split(s, ','), join(s, ',') = '' FROM agg_m6 WHERE false;

-- wrong types
SELECT median(c1) FROM agg_m1;
SELECT top(c1 = 'x', 2) FROM agg_m1;
SELECT window_split(c2, ',') FROM agg_m1;

DROP TABLE agg_m1, agg_m2, agg_m3, agg_m4, agg_m5, agg_m6;
