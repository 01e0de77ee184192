-- feature_ext demo: card transactions in a feature_store table with TTL'd
-- in-memory skiplist indexes.
CREATE EXTENSION feature_ext;

CREATE TABLE txn (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL)
  USING feature_store;
CREATE INDEX txn_card ON txn USING skiplist (card_id, txn_time) WITH (ttl = '30 days');
CREATE INDEX txn_card_merchant ON txn USING skiplist (card_id, merchant, txn_time)
  INCLUDE (amount) WITH (ttl_type = 'absorlat', ttl = '7 days', ttl_rows = 100);

-- 10,000 transactions over the last 10 days for 100 cards.
INSERT INTO txn
SELECT 'card' || (g % 100), round((random() * 200)::numeric, 2), 'm' || (g % 7),
       now() - (g % 14400) * interval '1 minute'
  FROM generate_series(1, 10000) g;

-- What a feature request reads: one card's rows, newest first, TTL applied.
SELECT * FROM feature_ext.index_scan('txn_card', '{card7}', max_rows => 5);
SELECT * FROM feature_ext.index_scan('txn_card_merchant', '{card7,m0}', max_rows => 3);

-- Memory and TTL at a glance.
SELECT index_name, keys, rows_in_memory, bytes_used, state FROM feature_ext.index_stats;
SELECT * FROM feature_ext.memory_usage();
