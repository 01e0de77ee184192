-- Every change to a feature_store table is mirrored into its skiplist
-- indexes at commit; aborted work never appears.
SET client_min_messages = warning;
CREATE TABLE sd (k text, v int, ts int8) USING feature_store;
CREATE INDEX sd_k ON sd USING skiplist (k, ts);

INSERT INTO sd VALUES ('a', 1, 1000), ('a', 2, 2000), ('b', 3, 1000);
SELECT * FROM feature_ext.index_scan('sd_k', '{a}');

-- Ties: among equal order values the most recently inserted row is newer.
INSERT INTO sd VALUES ('a', 10, 2000);
INSERT INTO sd VALUES ('a', 11, 2000);
SELECT * FROM feature_ext.index_scan('sd_k', '{a}');
-- Within one statement: rows in insertion order.
INSERT INTO sd VALUES ('t', 1, 5), ('t', 2, 5), ('t', 3, 5);
SELECT * FROM feature_ext.index_scan('sd_k', '{t}');

-- Abort: never visible.
BEGIN;
INSERT INTO sd VALUES ('a', 99, 3000);
SELECT count(*) FROM feature_ext.index_scan('sd_k', '{a}');  -- own uncommitted row not in the index yet
ROLLBACK;
SELECT * FROM feature_ext.index_scan('sd_k', '{a}');

-- Savepoints: a rolled-back savepoint's rows never appear, the rest do.
BEGIN;
INSERT INTO sd VALUES ('s', 1, 1);
SAVEPOINT p1;
INSERT INTO sd VALUES ('s', 2, 2);
SAVEPOINT p2;
INSERT INTO sd VALUES ('s', 3, 3);
RELEASE p2;
ROLLBACK TO p1;
INSERT INTO sd VALUES ('s', 4, 4);
SAVEPOINT p3;
DELETE FROM sd WHERE k = 's' AND v = 1;
ROLLBACK TO p3;
COMMIT;
SELECT * FROM feature_ext.index_scan('sd_k', '{s}');

-- UPDATE moves rows (new order value, new values); DELETE removes exactly one of tied rows.
UPDATE sd SET v = 20, ts = 2500 WHERE k = 'a' AND v = 2;
DELETE FROM sd WHERE k = 'a' AND v = 10;
SELECT * FROM feature_ext.index_scan('sd_k', '{a}');
-- UPDATE of the key moves the row to another key.
UPDATE sd SET k = 'b' WHERE k = 'a' AND v = 1;
SELECT * FROM feature_ext.index_scan('sd_k', '{a}');
SELECT * FROM feature_ext.index_scan('sd_k', '{b}');

-- Insert and delete in one transaction.
BEGIN;
INSERT INTO sd VALUES ('x', 1, 1), ('x', 2, 2);
UPDATE sd SET v = 3 WHERE k = 'x' AND v = 2;
DELETE FROM sd WHERE k = 'x' AND v = 1;
COMMIT;
SELECT * FROM feature_ext.index_scan('sd_k', '{x}');

-- INSERT ... ON CONFLICT (speculative insertion) with a unique btree beside.
CREATE TABLE sdu (k text, ts int8, v int) USING feature_store;
CREATE UNIQUE INDEX sdu_uniq ON sdu (k, ts);
CREATE INDEX sdu_k ON sdu USING skiplist (k, ts);
INSERT INTO sdu VALUES ('u', 1, 1) ON CONFLICT DO NOTHING;
INSERT INTO sdu VALUES ('u', 1, 2) ON CONFLICT DO NOTHING;
INSERT INTO sdu VALUES ('u', 1, 3) ON CONFLICT (k, ts) DO UPDATE SET v = 30;
INSERT INTO sdu VALUES ('u', 2, 4) ON CONFLICT (k, ts) DO UPDATE SET v = 40;
SELECT * FROM feature_ext.index_scan('sdu_k', '{u}');
DROP TABLE sdu;

-- COPY goes through multi_insert.
COPY sd FROM stdin;
c	1	100
c	2	200
c	3	300
\.
SELECT * FROM feature_ext.index_scan('sd_k', '{c}');
-- COPY in a rolled-back transaction.
BEGIN;
COPY sd FROM stdin;
c	4	400
\.
ROLLBACK;
SELECT count(*) FROM feature_ext.index_scan('sd_k', '{c}');

-- Rows whose order value is NULL are stored in the table but not indexed.
INSERT INTO sd VALUES ('n', 1, NULL);
SELECT count(*) FROM feature_ext.index_scan('sd_k', '{n}');
-- NULL keys form their own key.
INSERT INTO sd VALUES (NULL, 7, 7);
SELECT * FROM feature_ext.index_scan('sd_k', ARRAY[NULL]::text[]);

-- TRUNCATE is transactional for the in-memory index too.
BEGIN;
TRUNCATE sd;
SELECT count(*) FROM feature_ext.index_scan('sd_k', '{c}');
ROLLBACK;
SELECT count(*) FROM feature_ext.index_scan('sd_k', '{c}');
-- TRUNCATE of a table created in the same transaction.
BEGIN;
CREATE TABLE sd2 (k text, ts int8) USING feature_store;
CREATE INDEX sd2_k ON sd2 USING skiplist (k, ts);
INSERT INTO sd2 VALUES ('a', 1);
TRUNCATE sd2;
INSERT INTO sd2 VALUES ('a', 2);
COMMIT;
SELECT * FROM feature_ext.index_scan('sd2_k', '{a}');
TRUNCATE sd;
SELECT index_name, keys, rows_in_memory FROM feature_ext.index_stats WHERE table_name = 'sd'::regclass;

-- In-memory contents equal the table after a mixed workload.
INSERT INTO sd SELECT 'k' || (g % 7), g, g % 50 FROM generate_series(1, 2000) g;
DELETE FROM sd WHERE v % 3 = 0;
UPDATE sd SET ts = ts + 1000 WHERE v % 5 = 0;
SELECT k, (SELECT count(*) FROM feature_ext.index_scan('sd_k', ARRAY[k])) = count(*) AS same
  FROM sd GROUP BY k ORDER BY k;
SELECT rows_in_memory = (SELECT count(*) FROM sd) AS same FROM feature_ext.index_stats WHERE index_name = 'sd_k'::regclass;

-- Two-phase commit: prepared changes stay out of the index until COMMIT
-- PREPARED (then in, as at COMMIT) or ROLLBACK PREPARED (never).
BEGIN;
INSERT INTO sd VALUES ('p', 1, 1), ('p', 2, 2);
SAVEPOINT s1;
INSERT INTO sd VALUES ('p', 3, 3);
ROLLBACK TO s1;
DELETE FROM sd WHERE k = 'k1' AND v = 1;
PREPARE TRANSACTION 'fe_p1';
SELECT count(*) FROM feature_ext.index_scan('sd_k', '{p}');
SELECT count(*) FROM feature_ext.index_scan('sd_k', '{k1}') AS k1_before;
COMMIT PREPARED 'fe_p1';
SELECT order_value, row_data FROM feature_ext.index_scan('sd_k', '{p}');
SELECT count(*) FROM feature_ext.index_scan('sd_k', '{k1}') AS k1_after;
BEGIN;
INSERT INTO sd VALUES ('p', 4, 4);
DELETE FROM sd WHERE k = 'p' AND v = 1;
PREPARE TRANSACTION 'fe_p2';
ROLLBACK PREPARED 'fe_p2';
SELECT order_value, row_data FROM feature_ext.index_scan('sd_k', '{p}');
SELECT k, (SELECT count(*) FROM feature_ext.index_scan('sd_k', ARRAY[k])) = count(*) AS same
  FROM sd GROUP BY k ORDER BY k;
DROP TABLE sd;
DROP TABLE sd2;

-- A commit that publishes 10,000 rows or more wakes the GC worker (it
-- compacts keys whose rows arrived interleaved) instead of leaving them to
-- the next feature_ext.ttl_gc_interval (an hour in these tests).
CREATE TABLE sd_bulk (k int, ts int8) USING feature_store;
CREATE INDEX sd_bulk_k ON sd_bulk USING skiplist (k, ts);
SELECT last_gc IS NULL AS no_pass_yet FROM feature_ext.index_stats WHERE index_name = 'sd_bulk_k'::regclass;
INSERT INTO sd_bulk SELECT g % 100, g FROM generate_series(1, 10000) g;
DO $$
BEGIN
  FOR i IN 1..600 LOOP  -- up to 30 s
    EXIT WHEN (SELECT last_gc IS NOT NULL FROM feature_ext.index_stats WHERE index_name = 'sd_bulk_k'::regclass);
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT last_gc IS NOT NULL AS gc_ran, rows_in_memory FROM feature_ext.index_stats
 WHERE index_name = 'sd_bulk_k'::regclass;
DROP TABLE sd_bulk;

-- char(n): a key's trailing blanks are insignificant ('ab' and 'ab   ' are
-- one key); a held value reads back as the table stores it, blanks
-- included (before 2026-12-05 they were cut: max(c) gave 'ab1', 3 bytes).
CREATE TABLE sd_ch (k char(4), ts int8, c char(5)) USING feature_store;
CREATE INDEX sd_ch_k ON sd_ch USING skiplist (k, ts);
INSERT INTO sd_ch VALUES ('ab', 1, 'ab1'), ('ab  ', 2, 'ab0'), ('ab', 3, NULL), ('x', 1, 'x');
SELECT order_value, row_data FROM feature_ext.index_scan('sd_ch_k', '{ab}');
SELECT feature_ext.deploy('sd_ch_f', $$
  SELECT k, max(c) OVER w AS mx, octet_length(max(c) OVER w) AS mx_len, min(c || '|') OVER w AS mn,
         sum(octet_length(c)) OVER w AS bytes
    FROM sd_ch WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) $$);
SELECT * FROM sd_ch_f('ab ', 4, 'ab2');
-- PostgreSQL's executor over the same rows and request
SELECT k, max(c) OVER w AS mx, octet_length(max(c) OVER w) AS mx_len, min(c || '|') OVER w AS mn,
       sum(octet_length(c)) OVER w AS bytes
  FROM (SELECT k, ts, c, false AS r FROM sd_ch WHERE k = 'ab' UNION ALL SELECT 'ab ', 4, 'ab2', true) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
  ORDER BY ts DESC LIMIT 1;
SELECT feature_ext.undeploy('sd_ch_f');
DROP TABLE sd_ch;
