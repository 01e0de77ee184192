-- The table, rows and deployment every client program in test/clients/ calls
-- (docs/CLIENTS.md).  One column of each type a client has to map: int,
-- bigint (a value past 2^53, which a JavaScript number cannot hold), float8,
-- numeric, text and timestamptz with microseconds.
CREATE EXTENSION feature_ext;

-- --- guide: setup
CREATE TABLE ev (k text, i int, b bigint, f float8, n numeric, t text,
                 seen timestamptz, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ev_k ON ev USING skiplist (k, ts) WITH (ttl = '36500 days');
INSERT INTO ev VALUES
  ('a', 1, 9007199254740993, 0.1, 1.10,  'x', '2024-03-01 10:00:00.000001+00', '2024-03-01 10:00:00+00'),
  ('a', 2, 2,                0.2, 2.205, 'y', '2024-03-01 10:01:00.5+00',      '2024-03-01 10:01:00+00'),
  ('b', 7, -5,               1.5, 0,     'q', '2024-03-01 09:00:00+00',        '2024-03-01 09:00:00+00');

-- Result types follow PostgreSQL's aggregates: count and sum(int) bigint,
-- sum(bigint) / sum(numeric) / avg(int) numeric, sum / avg(float8) float8,
-- max(timestamptz) timestamptz, min(int) int, lag(text) text.
SELECT feature_ext.deploy('fe_clients', $$
  SELECT k,
         count(*)  OVER w AS cnt,
         sum(i)    OVER w AS sum_i,
         sum(b)    OVER w AS sum_b,
         max(b)    OVER w AS max_b,
         min(i)    OVER w AS min_i,
         sum(f)    OVER w AS sum_f,
         avg(f)    OVER w AS avg_f,
         avg(i)    OVER w AS avg_i,
         sum(n)    OVER w AS sum_n,
         max(seen) OVER w AS max_seen,
         lag(t)    OVER w AS prev_t
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
$$);
-- --- end

-- Casts in the deployed query choose the features' types.
-- --- guide: deploy-cast
SELECT feature_ext.deploy('fe_cast', $$
  SELECT sum(n) OVER w ::float8 AS sum_n, avg(i) OVER w ::float8 AS avg_i, sum(b) OVER w ::bigint AS sum_b
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
$$);
-- --- end

-- A second table and deployment that redeploy_psycopg.py changes (redeploys,
-- ADD COLUMN) without disturbing the other programs.
CREATE TABLE ev_evolve (LIKE ev) USING feature_store;
CREATE INDEX ev_evolve_k ON ev_evolve USING skiplist (k, ts) WITH (ttl = '36500 days');
INSERT INTO ev_evolve SELECT * FROM ev;
SELECT feature_ext.deploy('fe_evolve', $$
  SELECT count(*) OVER w AS cnt, sum(i) OVER w AS sum_i FROM ev_evolve
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
$$);
