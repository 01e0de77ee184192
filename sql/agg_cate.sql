-- OpenMLDB *_cate family: {count,sum,avg,min,max}_cate[_where],
-- top_n_{key,value}_*_cate_where, top_n_{key,value}_ratio_cate.
-- Expected strings are those of test_udaf_function.yaml (case ids cited);
-- the category comes from a second table joined on id (OpenMLDB's LAST JOIN).
SET search_path = public, feature_ext;
SET timezone = 'Asia/Shanghai';

CREATE TABLE agg_c0 (id int, c1 text, c2 int2, c3 int4, c4 int8, c5 float4, c6 float8,
                     c7 timestamptz, c10 bool);
INSERT INTO agg_c0 VALUES
  (1, 'aa', 1, 1, 30, 1.1, 2.1, to_timestamp(1590738990), true),
  (2, 'aa', 4, 4, 33, 1.4, 2.4, to_timestamp(1590738991), false),
  (3, 'aa', 3, 3, 32, 1.3, 2.3, to_timestamp(1590738992), true),
  (4, 'aa', NULL, NULL, NULL, NULL, NULL, to_timestamp(1590738993), NULL);
CREATE TABLE agg_c1 (id int, k2 int2, k4 int8, k7 timestamptz, k8 date, k9 text);
INSERT INTO agg_c1 VALUES (1, 1, 30, to_timestamp(1590738990), '2020-05-01', 'a'),
  (2, 1, 30, to_timestamp(1590738990), '2020-05-01', 'a'),
  (3, 2, 32, to_timestamp(1590738992), '2020-05-02', 'b'),
  (4, NULL, NULL, NULL, NULL, NULL);
CREATE VIEW agg_cv AS SELECT a.*, b.k2, b.k4, b.k7, b.k8, b.k9 FROM agg_c0 a LEFT JOIN agg_c1 b USING (id);

-- id 20 max_cate: provider 0 (int2 key) "1:1" "1:4" "1:4,2:3" "1:4,2:3"; floats as %f
SELECT id, max_cate(c2, k2) OVER w m2, max_cate(c3, k2) OVER w m3, max_cate(c4, k2) OVER w m4,
       max_cate(c5, k2) OVER w m5, max_cate(c6, k2) OVER w m6
FROM agg_cv WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY id;
-- id 21 min_cate, provider 2 (bigint key): "30:1" "30:1" "30:1,32:3" "30:4,32:3"
SELECT id, min_cate(c2, k4) OVER w m2, min_cate(c4, k4) OVER w m4, min_cate(c5, k4) OVER w m5
FROM agg_cv WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY id;
-- id 22 count_cate, provider 3 (timestamp key, formatted in the session time zone)
--   "..30:1" "..30:2" "..30:2,..32:1" "..30:1,..32:1"
SELECT id, count_cate(c2, k7) OVER w m2, count_cate(c6, k7) OVER w m6
FROM agg_cv WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY id;
-- id 23 sum_cate, provider 4 (date key): "2020-05-01:1" ":5" ":5,2020-05-02:3" ":4,2020-05-02:3"
SELECT id, sum_cate(c2, k8) OVER w m2, sum_cate(c4, k8) OVER w m4, sum_cate(c5, k8) OVER w m5,
       sum_cate(c6, k8) OVER w m6
FROM agg_cv WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY id;
-- id 24 avg_cate, provider 5 (string key): "a:1.000000" "a:2.500000" "a:2.500000,b:3.000000" "a:4.000000,b:3.000000"
SELECT id, avg_cate(c2, k9) OVER w m2, avg_cate(c4, k9) OVER w m4, avg_cate(c5, k9) OVER w m5
FROM agg_cv WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY id;
-- id 27..31 *_cate_where (cond c10), provider 5: max "a:1" "a:1" "a:1,b:3" "b:3";
-- count "a:1" "a:1" "a:1,b:1" "b:1"
SELECT id, max_cate_where(c2, c10, k9) OVER w mx, min_cate_where(c4, c10, k9) OVER w mn,
       count_cate_where(c5, c10, k9) OVER w cnt, sum_cate_where(c6, c10, k9) OVER w sm,
       avg_cate_where(c3, c10, k9) OVER w av
FROM agg_cv WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY id;
-- id 34..38 top_n_key_*_cate_where(.., 1), provider 0: max "1:1" "1:1" "2:3" "2:3";
-- count "1:1" "1:1" "2:1" "2:1"
SELECT id, top_n_key_max_cate_where(c2, c10, k2, 1) OVER w mx,
       top_n_key_min_cate_where(c5, c10, k2, 1) OVER w mn,
       top_n_key_sum_cate_where(c4, c10, k2, 1) OVER w sm,
       top_n_key_avg_cate_where(c6, c10, k2, 1) OVER w av,
       top_n_key_count_cate_where(c3, c10, k2, 1) OVER w cnt
FROM agg_cv WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY id;

-- OpenMLDB documentation examples
CREATE TABLE agg_c2 (id int, value int, condition bool, category text);
INSERT INTO agg_c2 VALUES (0,0,true,'x'), (1,1,false,'y'), (2,2,false,'x'), (3,3,true,'y'), (4,4,true,'x'),
  (5,5,true,'z'), (6,6,false,'z');
-- "x:2,y:3"  "x:2,y:1"  "z:5,y:3" (top_n_key_avg) "z:5,x:4" (top_n_value_avg) "z:5,x:4" (top_n_value_max)
SELECT avg_cate_where(value, condition, category) FILTER (WHERE id < 5),
       count_cate_where(value, condition, category) FILTER (WHERE id < 5),
       top_n_key_avg_cate_where(value, condition, category, 2),
       top_n_value_max_cate_where(value, condition, category, 2),
       top_n_key_max_cate_where(value, condition, category, -1),
       top_n_key_max_cate_where(value, condition, category, 0)
FROM agg_c2;

-- id 62 top_n_value_*_cate_where over RANGE 10 s
CREATE TABLE agg_c3 (id int, col1 int, col2 int2, col3 text, col4 float8, std_ts timestamptz);
INSERT INTO agg_c3 VALUES (0, 1, 55, 'g1', 2.0, to_timestamp(1590115420)),
  (1, 2, 55, NULL, 2.0, to_timestamp(1590115421)), (2, 3, 55, 'g2', NULL, to_timestamp(1590115422)),
  (3, 4, 55, 'g1', 4.0, to_timestamp(1590115423)), (4, NULL, 55, 'g2', 4.0, to_timestamp(1590115424)),
  (5, 5, 55, 'g2', 4.0, to_timestamp(1590115425)), (6, 5, 55, 'g2', 1.0, to_timestamp(1590115426));
-- tv1 g1:1 g1:1 g2:1 g1:2 g1:2 g1:2 g1:2 | tv2 g1:1 g1:1 g2:3 g2:3 ... | tv3 "" "" "" g1:4.000000 g2:4.000000,g1:4.000000 ...
-- tv4 55:1 55:3 55:6 55:10 55:10 55:15 55:15 | tv5 1:2.000000 | 2:2.000000,1:2.000000 | ... | 4:4.000000,5:2.500000,2:2.000000
SELECT id, col1,
  top_n_value_count_cate_where(col3, col1 != 5, col3, 1) OVER w tv1,
  top_n_value_min_cate_where(col1, char_length(col3) > 1, col3, 1) OVER w tv2,
  top_n_value_max_cate_where(col4, id > 0, col3, 2) OVER w tv3,
  top_n_value_sum_cate_where(col1, id != 6, col2, 1) OVER w tv4,
  top_n_value_avg_cate_where(col4, true, col1, 3) OVER w tv5
FROM agg_c3 WINDOW w AS (PARTITION BY col2 ORDER BY std_ts RANGE BETWEEN '10 s' PRECEDING AND CURRENT ROW)
ORDER BY id;

-- id 66 ratio_cate over RANGE 10 s .. 1 s PRECEDING (first window empty -> '')
CREATE TABLE agg_c4 (idx int, gp int, val int, cate text, ts timestamptz);
INSERT INTO agg_c4 VALUES (0, 1, 200, 'a', to_timestamp(1)), (100, 1, 300, 'b', to_timestamp(2)),
  (200, 1, 200, NULL, to_timestamp(3)), (300, 1, 10, 'b', to_timestamp(4)),
  (400, 1, 101, 'c', to_timestamp(5)), (500, 1, 101, 'c', to_timestamp(6));
SELECT idx,
  top_n_value_ratio_cate(val, val > 100, cate, 2) OVER w by_value,
  top_n_key_ratio_cate(val, val > 100, cate, 2) OVER w by_key,
  top_n_value_ratio_cate(val, val > 100, cate, -1) OVER w by_value_full,
  top_n_key_ratio_cate(val, val > 100, cate, -2) OVER w by_key_full,
  top_n_value_ratio_cate(val, val > 100, cate, 0) OVER w by_value_empty,
  top_n_key_ratio_cate(val, val > 100, cate, 0) OVER w by_key_empty
FROM agg_c4 WINDOW w AS (PARTITION BY gp ORDER BY ts RANGE BETWEEN '10 s' PRECEDING AND '1 s' PRECEDING)
ORDER BY idx;

-- udaf_test.cc edge cases: NULL keys and NULL values are skipped, empty -> ''
CREATE TABLE agg_c5 (i int, v int, c bool, k text);
INSERT INTO agg_c5 VALUES (1, 1, false, 'x'), (2, 2, NULL, 'y'), (3, 3, true, 'x'), (4, 4, true, 'y'),
  (5, 5, true, NULL), (6, NULL, true, 'x');
-- sum_cate "x:4,y:6"  count_cate "x:2,y:2"  min_cate "x:1,y:2"  max_cate "x:3,y:4"  avg_cate "x:2.000000,y:3.000000"
-- sum_cate_where "x:3,y:4"  count_cate_where "x:1,y:1"  avg_cate_where "x:3.000000,y:4.000000"
SELECT sum_cate(v, k), count_cate(v, k), min_cate(v, k), max_cate(v, k), avg_cate(v, k),
       sum_cate_where(v, c, k), count_cate_where(v, c, k), avg_cate_where(v, c, k)
FROM agg_c5;
SELECT sum_cate(v, k) IS NULL, sum_cate(v, k) = '', top_n_key_sum_cate_where(v, c, k, 2) = '',
       top_n_value_ratio_cate(v, c, k, 2) = ''
FROM agg_c5 WHERE false;
-- top_n_key_count_cate_where: "z:1,y:1" (udaf_test) and ties in top_n_value ordered by key descending
SELECT top_n_key_count_cate_where(v, c, k, 2) FROM (VALUES (1,false,'x'), (2,NULL,'y'), (3,true,'z'),
  (4,true,'x'), (5,true,'y'), (6,true,NULL), (NULL::int,true,'x')) AS t(v, c, k);
SELECT top_n_value_count_cate_where(v, true, k, 3) FROM (VALUES (1,'a'), (2,'b'), (3,'c'), (4,'c')) AS t(v, k);

-- GROUP BY, and the 4096-byte output cap (whole entries only)
SELECT k % 2 AS g, sum_cate(v, k) FROM (SELECT g AS k, g * 10 AS v FROM generate_series(1, 6) g) s
GROUP BY k % 2 ORDER BY 1;
SELECT length(count_cate(1, lpad(g::text, 100, '0'))) FROM generate_series(1, 100) g;

-- wrong types: float and bool categories, text values for sum
SELECT sum_cate(c2, c5) FROM agg_c0;
SELECT count_cate(c2, c10) FROM agg_c0;
SELECT sum_cate(c1, c1) FROM agg_c0;

DROP VIEW agg_cv;
DROP TABLE agg_c0, agg_c1, agg_c2, agg_c3, agg_c4, agg_c5;
