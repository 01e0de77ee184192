-- deploy(): request-mode feature functions, PostgreSQL dialect.
SET client_min_messages = warning;

-- OpenMLDB's worked example (docs: deploy / request mode): rows (aaa, 22.0,
-- 1636097890000) and (aaa, 20.0, 1636097290000); request (aaa, 23.0,
-- 1637000000000) over ROWS BETWEEN 2 PRECEDING AND CURRENT ROW -> 65.0,
-- with EXCLUDE CURRENT ROW -> 42.0.
CREATE TABLE dtxn (card_id text, amount float8, txn_time int8) USING feature_store;
CREATE INDEX dtxn_card ON dtxn USING skiplist (card_id, txn_time);
INSERT INTO dtxn VALUES ('aaa', 22.0, 1636097890000), ('aaa', 20.0, 1636097290000);
SELECT feature_ext.deploy('d_rows', $$
  SELECT card_id, sum(amount) OVER w AS amount_sum, count(*) OVER w AS n FROM dtxn
  WINDOW w AS (PARTITION BY card_id ORDER BY txn_time ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('d_rows_excl', $$
  SELECT card_id, sum(amount) OVER w AS amount_sum FROM dtxn
  WINDOW w AS (PARTITION BY card_id ORDER BY txn_time ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)$$);
SELECT * FROM d_rows('aaa', 23.0, 1637000000000);
SELECT * FROM d_rows_excl('aaa', 23.0, 1637000000000);
-- named arguments, the row-type form, an unknown key (empty stored window)
SELECT * FROM d_rows(card_id => 'aaa', amount => 23.0, txn_time => 1637000000000);
SELECT * FROM d_rows(ROW('aaa', 23.0, 1637000000000)::dtxn);
SELECT * FROM d_rows('zzz', 5, 1);
SELECT * FROM d_rows_excl('zzz', 5, 1);
-- the request row is never stored
SELECT count(*) FROM dtxn;
-- older request: only rows at or before its order value
SELECT * FROM d_rows('aaa', 1, 1636097290000);

-- The SPEC example: ROWS with exclusion and a 1-day RANGE over timestamptz.
CREATE TABLE ftxn (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL) USING feature_store;
CREATE INDEX ftxn_card ON ftxn USING skiplist (card_id, txn_time) WITH (ttl = '36500 days');
INSERT INTO ftxn VALUES
  ('aaa', 10, 'm1', '2021-11-14 12:00:00+00'), ('aaa', 30, 'm2', '2021-11-15 08:00:00+00'),
  ('aaa', 20, 'm1', '2021-11-15 12:00:00+00'), ('aaa', NULL, 'm3', '2021-11-15 15:00:00+00'),
  ('bbb', 7, 'm1', '2021-11-15 15:00:00+00');
SELECT feature_ext.deploy('fraud_v1', $$
  SELECT card_id,
         sum(amount)  OVER w3  AS amount_sum_3,
         count(*)     OVER w1d AS txn_count_1d,
         max(amount)  OVER w1d AS amount_max_1d,
         avg(amount)  OVER w1d AS amount_avg_1d,
         count(amount) FILTER (WHERE merchant = 'm1') OVER w1d AS m1_count_1d,
         coalesce(sum(amount) OVER w1d, 0) / nullif(count(*) OVER w1d, 0) AS ratio,
         amount * 2 AS doubled
  FROM ftxn
  WINDOW w3  AS (PARTITION BY card_id ORDER BY txn_time
                 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
         w1d AS (PARTITION BY card_id ORDER BY txn_time
                 RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW)
$$);
SELECT * FROM fraud_v1(card_id => 'aaa', amount => 23.0, merchant => 'm1', txn_time => '2021-11-15 18:13:20+00');
SELECT * FROM fraud_v1(ROW('aaa', 23.0, 'm1', '2021-11-15 18:13:20+00')::ftxn);
-- output types are PostgreSQL's
SELECT format_type(atttypid, atttypmod), attname FROM pg_attribute
 WHERE attrelid = 'fraud_v1_result'::regclass ORDER BY attnum;
SELECT feature_ext.explain('fraud_v1', timing => false);

-- LATERAL over many request rows, and compute-then-insert in one statement.
CREATE TABLE incoming (card_id text, amount float8, merchant text, txn_time timestamptz);
INSERT INTO incoming VALUES ('aaa', 1, 'm1', '2021-11-15 16:00:00+00'), ('bbb', 2, 'm2', '2021-11-15 16:00:00+00'),
                            ('ccc', 3, 'm3', '2021-11-15 16:00:00+00');
SELECT r.card_id, f.txn_count_1d, f.amount_max_1d
  FROM incoming r, LATERAL fraud_v1(r.card_id, r.amount, r.merchant, r.txn_time) f ORDER BY 1;
WITH f AS (SELECT * FROM fraud_v1('bbb', 5, 'm1', '2021-11-15 17:00:00+00')),
     i AS (INSERT INTO ftxn VALUES ('bbb', 5, 'm1', '2021-11-15 17:00:00+00'))
SELECT txn_count_1d, amount_max_1d FROM f;
SELECT txn_count_1d, amount_max_1d FROM fraud_v1('bbb', 6, 'm1', '2021-11-15 17:00:01+00');

-- Prepared statements.
PREPARE req(text, float8, text, timestamptz) AS SELECT * FROM fraud_v1($1, $2, $3, $4);
EXECUTE req('aaa', 1, 'm1', '2021-11-15 18:00:00+00');
EXECUTE req('aaa', 1, 'm1', '2021-11-15 18:00:00+00');
DEALLOCATE req;

-- Redeploy, undeploy.
SELECT feature_ext.deploy('d_rows', $$SELECT card_id FROM dtxn$$);
SELECT feature_ext.deploy('d_rows', $$
  SELECT min(amount) OVER w AS amount_min FROM dtxn
  WINDOW w AS (PARTITION BY card_id ORDER BY txn_time ROWS UNBOUNDED PRECEDING)$$, '{"replace": true}');
SELECT * FROM d_rows('aaa', 23.0, 1637000000000);
SELECT name FROM feature_ext.deployments ORDER BY 1;
SELECT feature_ext.undeploy('d_rows');
SELECT * FROM d_rows('aaa', 23.0, 1637000000000);
SELECT feature_ext.undeploy('d_rows');
SELECT name FROM feature_ext.deployments ORDER BY 1;
DROP TABLE incoming;
SELECT feature_ext.undeploy('d_rows_excl');
SELECT feature_ext.undeploy('fraud_v1');
DROP TABLE dtxn, ftxn;
-- Call statistics.
CREATE TABLE dst (k text, v float8, ts int8) USING feature_store;
CREATE INDEX dst_k ON dst USING skiplist (k, ts);
SELECT feature_ext.deploy('d_stats', $$SELECT sum(v) OVER w AS s FROM dst
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 3 PRECEDING)$$);
SELECT name, calls, mean_us IS NULL AS no_mean FROM feature_ext.deployments WHERE name = 'public.d_stats';
SELECT count(*) FROM generate_series(1, 5) g, LATERAL d_stats('a', g, g) f;
SELECT name, calls, mean_us > 0 AS has_mean, p99_us >= mean_us AS p99_ok FROM feature_ext.deployments
 WHERE name = 'public.d_stats';
SELECT feature_ext.deploy('d_stats', $$SELECT sum(v) OVER w AS s FROM dst
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$$, '{"replace": true}');
SELECT calls FROM feature_ext.deployments WHERE name = 'public.d_stats';
SELECT feature_ext.undeploy('d_stats');
DROP TABLE dst;
-- Deployments depend on the extension: DROP EXTENSION refuses without CASCADE.
CREATE TABLE ddep (k text, ts int8) USING feature_store;
CREATE INDEX ddep_k ON ddep USING skiplist (k, ts);
SELECT feature_ext.deploy('d_dep', $$SELECT count(*) OVER w AS n FROM ddep WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
\set VERBOSITY terse
DROP EXTENSION feature_ext;
\set VERBOSITY default
SELECT feature_ext.undeploy('d_dep');
DROP TABLE ddep;
-- Deploy, replace and undeploy inside one transaction.
CREATE TABLE dtx (k text, ts int8) USING feature_store;
CREATE INDEX dtx_k ON dtx USING skiplist (k, ts);
BEGIN;
SELECT feature_ext.deploy('d_tx', $$SELECT count(*) OVER w AS n FROM dtx WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('d_tx', $$SELECT max(ts) OVER w AS n FROM dtx WINDOW w AS (PARTITION BY k ORDER BY ts)$$, '{"replace": true}');
SELECT * FROM d_tx('a', 5);
SELECT feature_ext.undeploy('d_tx');
COMMIT;
SELECT count(*) FROM pg_proc WHERE proname LIKE 'd_tx%';
DROP TABLE dtx;
-- Replace after the table was re-created with another order column type:
-- the old functions go whatever their signature.
CREATE TABLE drt (k text, ts int8) USING feature_store;
CREATE INDEX drt_k ON drt USING skiplist (k, ts);
SELECT feature_ext.deploy('d_rt', $$SELECT count(*) OVER w AS n FROM drt WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$$);
DROP TABLE drt CASCADE;
CREATE TABLE drt (k text, ts timestamp) USING feature_store;
CREATE INDEX drt_k ON drt USING skiplist (k, ts);
SELECT feature_ext.deploy('d_rt', $$SELECT count(*) OVER w AS n FROM drt WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)$$,
                          '{"replace": true}');
SELECT p.oid::regprocedure FROM pg_proc p WHERE proname LIKE 'd_rt%' ORDER BY 1::text;
SELECT * FROM d_rt('a', '2026-01-01');
SELECT feature_ext.undeploy('d_rt');
DROP TABLE drt;
