-- Errors: every one with a SQLSTATE, a clear message and a hint.
\set VERBOSITY default
SET client_min_messages = warning;
CREATE TABLE se (k text, f float8, n numeric, ts timestamptz, t text) USING feature_store;
CREATE TABLE se_heap (k text, ts timestamptz);
-- skiplist on a heap table
CREATE INDEX ON se_heap USING skiplist (k, ts);
-- bad options
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl = '10');
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl = 'soon');
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl = '-1 day');
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl = '1000 years');
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl_type = 'forever');
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl_type = 'absolute');
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl_type = 'latest');
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl_type = 'latest', ttl = '1 day');
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl_type = 'absolute', ttl = '1 day', ttl_rows = 3);
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl = '1 day', ttl_rows = 3);
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl_rows = -1);
CREATE INDEX ON se USING skiplist (k, ts) WITH (ttl_clock = 'sundial');
CREATE INDEX ON se USING skiplist (k, ts) WITH (colour = 'red');
-- unsupported key / order columns, expressions, partial, unique, concurrently
CREATE INDEX ON se USING skiplist (f, ts);
CREATE INDEX ON se USING skiplist (k, t);
CREATE INDEX ON se USING skiplist (lower(k), ts);
CREATE INDEX ON se USING skiplist (k, ts) WHERE f > 0;
CREATE UNIQUE INDEX ON se USING skiplist (k, ts);
CREATE INDEX CONCURRENTLY ON se USING skiplist (k, ts);
-- index_scan misuse
CREATE INDEX se_k ON se USING skiplist (k, ts);
CREATE INDEX se_btree ON se (k);
SELECT * FROM feature_ext.index_scan('se_btree', '{a}');
SELECT * FROM feature_ext.index_scan('se_k', '{a,b}');
SELECT * FROM feature_ext.index_scan('se_k', NULL);
SELECT * FROM feature_ext.index_scan('se_k', '{a}', 'not a time');
-- values too large to hold in memory
INSERT INTO se (k, ts, t) VALUES ('big', now(), repeat('x', 70000));
SELECT count(*) FROM se;
DROP TABLE se, se_heap;
