-- feature_ext demo: real-time fraud features over card transactions.
CREATE EXTENSION feature_ext;

-- Events land in a feature_store table; a skiplist index keeps each card's
-- recent transactions in shared memory, newest first, for 30 days.
CREATE TABLE txn (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL)
  USING feature_store;
CREATE INDEX txn_card ON txn USING skiplist (card_id, txn_time) WITH (ttl = '30 days');

-- 20,000 transactions over the last 10 days for 200 cards.
INSERT INTO txn
SELECT 'card' || (g % 200), round((random() * 200)::numeric, 2), 'm' || (g % 7),
       now() - (g % 14400) * interval '1 minute'
  FROM generate_series(1, 20000) g;

-- Deploy the feature query once: it becomes the function fraud_v1(...).
SELECT feature_ext.deploy('fraud_v1', $$
  SELECT card_id,
         sum(amount)  OVER w3  AS amount_sum_3,     -- the 3 previous transactions (request excluded)
         count(*)     OVER w1d AS txn_count_1d,     -- the last day, request included
         max(amount)  OVER w1d AS amount_max_1d,
         avg(amount)  OVER w30d AS amount_avg_30d,
         count(*) FILTER (WHERE merchant = 'm1') OVER w1d AS m1_count_1d
  FROM txn
  WINDOW w3   AS (PARTITION BY card_id ORDER BY txn_time
                  ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
         w1d  AS (PARTITION BY card_id ORDER BY txn_time
                  RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW),
         w30d AS (PARTITION BY card_id ORDER BY txn_time
                  RANGE BETWEEN INTERVAL '30 days' PRECEDING AND CURRENT ROW)
$$);
SELECT feature_ext.explain('fraud_v1');

-- A request: the features of a new transaction, as if it had been inserted.
SELECT * FROM fraud_v1(card_id => 'card7', amount => 950.0, merchant => 'm1', txn_time => now());
-- Or with the table's row type; or for many requests at once with LATERAL.
SELECT * FROM fraud_v1(ROW('card7', 950.0, 'm1', now())::txn);
SELECT r.card_id, f.txn_count_1d, f.amount_max_1d
  FROM (VALUES ('card1'), ('card2'), ('card3')) r(card_id),
       LATERAL fraud_v1(r.card_id, 10.0, 'm2', now()) f;

-- Compute the features and store the transaction in one round trip.
WITH f AS (SELECT * FROM fraud_v1('card7', 12.5, 'm3', now())),
     i AS (INSERT INTO txn VALUES ('card7', 12.5, 'm3', now()))
SELECT * FROM f;

-- Monitoring.
SELECT name, calls, round(mean_us::numeric, 1) AS mean_us FROM feature_ext.deployments;
SELECT index_name, keys, rows_in_memory, bytes_used, state FROM feature_ext.index_stats;
