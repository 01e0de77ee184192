-- TTL: absolute, latest, absorlat, absandlat; wall and event clock.  Expired
-- rows are invisible at once; run_gc() reclaims them.
SET client_min_messages = warning;
CREATE TABLE tt (k text, v int, ts timestamptz) USING feature_store;
-- wall clock: rows 1..5 are i days old
INSERT INTO tt SELECT 'a', i, now() - i * interval '1 day' + interval '1 hour' FROM generate_series(0, 5) i;
CREATE INDEX tt_abs ON tt USING skiplist (k, ts) WITH (ttl = '3 days');
CREATE INDEX tt_lat ON tt USING skiplist (k, ts) WITH (ttl_type = 'latest', ttl_rows = 2);
CREATE INDEX tt_or ON tt USING skiplist (k, ts) WITH (ttl_type = 'absorlat', ttl = '3 days', ttl_rows = 2);
CREATE INDEX tt_and ON tt USING skiplist (k, ts) WITH (ttl_type = 'absandlat', ttl = '3 days', ttl_rows = 2);
CREATE INDEX tt_and2 ON tt USING skiplist (k, ts) WITH (ttl_type = 'absandlat', ttl = '1 day', ttl_rows = 4);
CREATE INDEX tt_none ON tt USING skiplist (k, ts);
SELECT 'abs' AS idx, string_agg(split_part(row_data, '=', 2), ',') FROM feature_ext.index_scan('tt_abs', '{a}')
UNION ALL SELECT 'latest', string_agg(split_part(row_data, '=', 2), ',') FROM feature_ext.index_scan('tt_lat', '{a}')
UNION ALL SELECT 'absorlat', string_agg(split_part(row_data, '=', 2), ',') FROM feature_ext.index_scan('tt_or', '{a}')
UNION ALL SELECT 'absandlat', string_agg(split_part(row_data, '=', 2), ',') FROM feature_ext.index_scan('tt_and', '{a}')
UNION ALL SELECT 'absandlat2', string_agg(split_part(row_data, '=', 2), ',') FROM feature_ext.index_scan('tt_and2', '{a}')
UNION ALL SELECT 'none', string_agg(split_part(row_data, '=', 2), ',') FROM feature_ext.index_scan('tt_none', '{a}');
-- latest and absorlat drop rows past ttl_rows at insert time already.
SELECT index_name, rows_in_memory, rows_expired FROM feature_ext.index_stats WHERE table_name = 'tt'::regclass ORDER BY 1;
SELECT feature_ext.run_gc() >= 5 AS reclaimed;
SELECT index_name, rows_in_memory, rows_expired, last_gc IS NOT NULL AS gc_ran
  FROM feature_ext.index_stats WHERE table_name = 'tt'::regclass ORDER BY 1;
-- the table itself keeps every row (the offline history)
SELECT count(*) FROM tt;
-- A late row older than the TTL is never visible.
INSERT INTO tt VALUES ('a', 100, now() - interval '10 days');
SELECT count(*) FROM feature_ext.index_scan('tt_abs', '{a}') WHERE row_data = 'v=100';
-- Changing the TTL applies at once.
ALTER INDEX tt_abs SET (ttl = '2 hours');
SELECT string_agg(split_part(row_data, '=', 2), ',') FROM feature_ext.index_scan('tt_abs', '{a}');

-- Event clock: the TTL counts back from the newest order value of the key,
-- so replaying old events keeps them.
CREATE TABLE te (k text, v int, ts int8) USING feature_store;
CREATE INDEX te_ev ON te USING skiplist (k, ts) WITH (ttl = '10s', ttl_clock = 'event');
CREATE INDEX te_wall ON te USING skiplist (k, ts) WITH (ttl = '10s');
INSERT INTO te VALUES ('a', 1, 1000), ('a', 2, 5000), ('a', 3, 12000), ('b', 1, 1000);
SELECT * FROM feature_ext.index_scan('te_ev', '{a}');
SELECT * FROM feature_ext.index_scan('te_ev', '{b}');
SELECT count(*) FROM feature_ext.index_scan('te_wall', '{a}');  -- 1970: long expired by the wall clock
INSERT INTO te VALUES ('a', 4, 16000);
SELECT * FROM feature_ext.index_scan('te_ev', '{a}');
SELECT feature_ext.run_gc() > 0 AS reclaimed;
SELECT index_name, rows_in_memory FROM feature_ext.index_stats WHERE table_name = 'te'::regclass ORDER BY 1;
-- A row dated more than a day past the wall clock (a typo, a bad device
-- clock) does not move the event clock: the key's history stays (it once
-- expired the whole key, for good).
INSERT INTO te VALUES ('a', 5, (extract(epoch FROM now() + interval '100 years') * 1000)::int8);
SELECT v FROM feature_ext.index_scan('te_ev', '{a}') s, LATERAL (SELECT split_part(split_part(s.row_data, 'v=', 2), ' ', 1) AS v) x;
SELECT feature_ext.run_gc() >= 0 AS gc_ran;
DELETE FROM te WHERE v = 5;
INSERT INTO te VALUES ('a', 6, 17000);
SELECT * FROM feature_ext.index_scan('te_ev', '{a}');

-- date order column: ttl in whole days
CREATE TABLE td (k int, d date) USING feature_store;
-- the wall clock of a date column is the UTC date
INSERT INTO td SELECT 1, (now() AT TIME ZONE 'UTC')::date - i FROM generate_series(0, 9) i;
CREATE INDEX td_k ON td USING skiplist (k, d) WITH (ttl = '5 days');
SELECT count(*) FROM feature_ext.index_scan('td_k', '{1}');
-- A row limit evicts when a row is published, and eviction is final while
-- the server runs: deleting one of a key's newest rows does not bring back
-- the row evicted before it (as OpenMLDB's latest TTL); REINDEX (or a
-- restart's load) reads the key's newest rows from the table again.
CREATE TABLE tl (k text, v int, ts int8) USING feature_store;
CREATE INDEX tl_lat ON tl USING skiplist (k, ts) WITH (ttl_type = 'latest', ttl_rows = 2);
INSERT INTO tl VALUES ('a', 1, 1000), ('a', 2, 2000), ('a', 3, 3000);
SELECT string_agg(split_part(row_data, '=', 2), ',') AS after_insert FROM feature_ext.index_scan('tl_lat', '{a}');
DELETE FROM tl WHERE v = 3;
SELECT string_agg(split_part(row_data, '=', 2), ',') AS after_delete FROM feature_ext.index_scan('tl_lat', '{a}');
REINDEX INDEX tl_lat;
SELECT string_agg(split_part(row_data, '=', 2), ',') AS after_reindex FROM feature_ext.index_scan('tl_lat', '{a}');
DROP TABLE tt, te, td, tl;
