-- deploy() options create_index and adjust_ttl; TTL checks against windows.
SET client_min_messages = notice;
CREATE TABLE dop (k text, m text, v float8, ts timestamptz) USING feature_store;
CREATE INDEX dop_k ON dop USING skiplist (k, ts) WITH (ttl = '2 hours');
CREATE INDEX dop_km ON dop USING skiplist (k, m, ts) WITH (ttl_type = 'latest', ttl_rows = 5);

-- RANGE windows are checked against the index's time limit.
SELECT feature_ext.deploy('o1', $$SELECT sum(v) OVER w AS s FROM dop
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('o1', $$SELECT sum(v) OVER w AS s FROM dop
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('o2', $$SELECT sum(v) OVER w AS s FROM dop
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE UNBOUNDED PRECEDING)$$);
-- ROWS windows against the row limit (a time TTL does not limit them, as in OpenMLDB).
SELECT feature_ext.deploy('o3', $$SELECT sum(v) OVER w AS s FROM dop
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 100 PRECEDING)$$);
SELECT feature_ext.deploy('o4', $$SELECT sum(v) OVER w AS s FROM dop
  WINDOW w AS (PARTITION BY k, m ORDER BY ts ROWS 10 PRECEDING)$$);
SELECT feature_ext.deploy('o4', $$SELECT sum(v) OVER w AS s FROM dop
  WINDOW w AS (PARTITION BY k, m ORDER BY ts ROWS UNBOUNDED PRECEDING)$$);
SELECT feature_ext.deploy('o4', $$SELECT sum(v) OVER w AS s FROM dop
  WINDOW w AS (PARTITION BY k, m ORDER BY ts ROWS 5 PRECEDING)$$);
-- adjust_ttl widens (with a NOTICE per change), never narrows.
SELECT feature_ext.deploy('o5', $$SELECT sum(v) OVER w1 AS s1, count(*) OVER w2 AS c2 FROM dop
  WINDOW w1 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY k, m ORDER BY ts ROWS 10 PRECEDING)$$, '{"adjust_ttl": true}');
SELECT relname, reloptions FROM pg_class WHERE relname IN ('dop_k', 'dop_km') ORDER BY 1;
SELECT feature_ext.deploy('o6', $$SELECT sum(v) OVER w AS s FROM dop
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW)$$,
  '{"adjust_ttl": true}');
SELECT relname, reloptions FROM pg_class WHERE relname = 'dop_k';
-- A TTL narrowed under a deployment that has run in this session: its next
-- call makes the plan again and refuses (it does not keep the plan checked
-- against the old TTL); widened again, it answers.
SELECT s FROM o6('a', 'x', 0, now());
ALTER INDEX dop_k SET (ttl = '30 minutes');
SELECT s FROM o6('a', 'x', 0, now());
ALTER INDEX dop_k SET (ttl = '1 day');
SELECT s FROM o6('a', 'x', 0, now());
-- create_index creates a missing index (the hint's DDL), reported as a NOTICE.
SELECT feature_ext.deploy('o7', $$SELECT max(v) OVER w AS mx FROM dop
  WINDOW w AS (PARTITION BY m ORDER BY ts ROWS 3 PRECEDING)$$);
SELECT feature_ext.deploy('o7', $$SELECT max(v) OVER w AS mx FROM dop
  WINDOW w AS (PARTITION BY m ORDER BY ts ROWS 3 PRECEDING)$$, '{"create_index": true}');
INSERT INTO dop VALUES ('a', 'x', 1, now()), ('a', 'x', 2, now());
SELECT * FROM o7('b', 'x', 3, now());
SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'dop'::regclass ORDER BY 1;
-- long_windows (OpenMLDB's DEPLOY ... OPTIONS(long_windows=...)): checked and
-- kept; pre-aggregation stays feature_ext's own decision (same answers).
SELECT feature_ext.deploy('o8', $$SELECT sum(v) OVER w1 AS s1, count(*) OVER w2 AS c2 FROM dop
  WINDOW w1 AS (PARTITION BY m ORDER BY ts ROWS 3 PRECEDING), w2 AS (PARTITION BY m ORDER BY ts ROWS 2000 PRECEDING)$$,
  '{"long_windows": "w1:2d, w2:1000"}');
SELECT s1, c2 FROM o8('a', 'x', 5, now());
SELECT options FROM feature_ext.deployments WHERE name = 'public.o8';
SELECT feature_ext.deploy('o9', $$SELECT sum(v) OVER w1 AS s1 FROM dop WINDOW w1 AS (PARTITION BY m ORDER BY ts ROWS 3 PRECEDING)$$,
  '{"long_windows": "w2:2d"}');
SELECT feature_ext.deploy('o9', $$SELECT sum(v) OVER w1 AS s1 FROM dop WINDOW w1 AS (PARTITION BY m ORDER BY ts ROWS 3 PRECEDING)$$,
  '{"long_windows": "w1:2y"}');
SELECT feature_ext.deploy('o9', $$SELECT sum(v) OVER w1 AS s1 FROM dop WINDOW w1 AS (PARTITION BY m ORDER BY ts ROWS 3 PRECEDING)$$,
  '{"long_windows": "w1"}');
SELECT feature_ext.deploy('o9', $$SELECT sum(v) OVER w1 AS s1 FROM dop WINDOW w1 AS (PARTITION BY m ORDER BY ts ROWS 3 PRECEDING)$$,
  '{"long_windows": 5}');
SELECT feature_ext.undeploy(n) FROM unnest(ARRAY['o1', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8']) n;
DROP TABLE dop;
