-- Sliding windows: every aggregate over ROWS, RANGE (with ties) and GROUPS
-- frames, with and without EXCLUDE.  The moving-aggregate path (inverse
-- transitions) is checked against PostgreSQL's recompute-per-row path:
-- "BETWEEN n PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW|GROUP" has the same
-- rows as "BETWEEN n PRECEDING AND 1 PRECEDING" but never uses inverse
-- transitions (PostgreSQL restarts the aggregate for frames with exclusions).
SET search_path = public, feature_ext;
SET timezone = 'UTC';

CREATE TABLE agg_w (i int, p int, t int, v int, f float8, k text, c bool, d date, ts timestamptz);
INSERT INTO agg_w
SELECT i, i % 3, i / 2,
       CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 7919) % 13 END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 104729) % 1000) / 7.0 END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE chr(97 + (i * 31) % 5) END,
       CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 13) % 3 <> 0 END,
       date '2021-01-01' + (i * 17) % 9,
       timestamptz '2021-01-01 00:00:00+00' + ((i * 29) % 7) * interval '1 hour'
FROM generate_series(1, 600) i;

-- One row per aggregate: number of rows where the two paths disagree (0 = ok).
CREATE FUNCTION agg_w_check(expr text, frame_a text, frame_b text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM (SELECT %1$s OVER (PARTITION BY p ORDER BY t %2$s) a, '
                 '%1$s OVER (PARTITION BY p ORDER BY t %3$s) b FROM agg_w) s WHERE a IS DISTINCT FROM b',
                 expr, frame_a, frame_b) INTO n;
  RETURN n;
END $$;

SELECT e AS aggregate,
       agg_w_check(e, 'ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING',
                      'ROWS BETWEEN 5 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW') AS rows_diff,
       agg_w_check(e, 'RANGE BETWEEN 4 PRECEDING AND 1 PRECEDING',
                      'RANGE BETWEEN 4 PRECEDING AND CURRENT ROW EXCLUDE GROUP') AS range_diff,
       agg_w_check(e, 'GROUPS BETWEEN 3 PRECEDING AND 1 PRECEDING',
                      'GROUPS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE GROUP') AS groups_diff
FROM unnest(ARRAY[
  'count_where(v, c)', 'count_where(c)', 'sum_where(v, c)', 'sum_where(f, c)', 'avg_where(f, c)',
  'min_where(v, c)', 'max_where(f, v > 3)', 'distinct_count(v)', 'distinct_count(k)', 'distinct_count(d)',
  'count_cate(v, k)', 'sum_cate(v, k)', 'avg_cate(f, k)', 'min_cate(f, k)', 'max_cate(v, d)',
  'count_cate_where(v, c, ts)', 'sum_cate_where(f, c, k)', 'avg_cate_where(v, c, v)',
  'min_cate_where(v, c, k)', 'max_cate_where(f, c, k)',
  'top_n_key_count_cate_where(v, c, k, 2)', 'top_n_key_sum_cate_where(v, c, k, 2)',
  'top_n_key_avg_cate_where(f, c, k, 2)', 'top_n_key_min_cate_where(v, c, k, 2)',
  'top_n_key_max_cate_where(f, c, k, -1)', 'top_n_value_count_cate_where(v, c, k, 2)',
  'top_n_value_sum_cate_where(f, c, k, 3)', 'top_n_value_avg_cate_where(v, c, k, 2)',
  'top_n_value_min_cate_where(v, c, k, 2)', 'top_n_value_max_cate_where(v, c, k, 2)',
  'top_n_key_ratio_cate(v, c, k, 2)', 'top_n_value_ratio_cate(v, c, k, 3)',
  'top(v, 3)', 'top(k, 2)', 'topn_frequency(v, 2)', 'topn_frequency(k, 3)', 'top1_ratio(v)', 'top1_ratio(k)',
  'nth_value_where(v, 2, c)', 'nth_value_where(k, -1, c)', 'median(v)', 'median(f)', 'ew_avg(f, 0.3)',
  'drawdown(f)', 'entropy(v)', 'entropy(k)', 'window_split(k, '','')', 'join(k, ''-'')',
  'at(v, 1)', 'latest_value(k)']) AS e;

-- Sum and count of a sliding window equal the built-ins (ROWS and RANGE, ties)
SELECT count(*) FILTER (WHERE a IS DISTINCT FROM b) AS rows_diff,
       count(*) FILTER (WHERE x IS DISTINCT FROM y) AS range_diff
FROM (SELECT sum_where(v, true) OVER w1 a, sum(v::int2) OVER w1 b,
             count_where(v, c) OVER w2 x, count(v) FILTER (WHERE c) OVER w2 y
      FROM agg_w WINDOW w1 AS (PARTITION BY p ORDER BY t ROWS 20 PRECEDING),
                        w2 AS (PARTITION BY p ORDER BY t RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) s;

-- A small window printed: ties on t, EXCLUDE CURRENT ROW, empty frames
SELECT i, t, v, c,
       count_where(v, c) OVER (ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) cw_ex,
       sum_where(v, c) OVER (ORDER BY t RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) sw_range,
       max_where(v, true) OVER (ORDER BY t RANGE BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) mx_range_ex,
       distinct_count(v) OVER (ORDER BY t RANGE BETWEEN CURRENT ROW AND CURRENT ROW) dc_peers,
       sum_cate(v, k) OVER (ORDER BY t ROWS BETWEEN 3 PRECEDING AND 2 PRECEDING) sc_lagged,
       median(v) OVER (ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE TIES) med_ties
FROM agg_w WHERE i <= 12 ORDER BY i;

DROP FUNCTION agg_w_check(text, text, text);
DROP TABLE agg_w;
