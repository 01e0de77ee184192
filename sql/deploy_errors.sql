-- deploy(): every bad input gets a clear error with a SQLSTATE; privileges.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE TABLE de (k text, v float8, ts int8, note text) USING feature_store;
CREATE INDEX de_k ON de USING skiplist (k, ts) INCLUDE (v);
CREATE TABLE de_heap (k text, v float8, ts int8);

-- Malformed and unsupported queries (positions point into the query text).
SELECT feature_ext.deploy('e1', 'SELEC sum(v) OVER () FROM de');
SELECT feature_ext.deploy('e1', 'SELECT 1; SELECT 2');
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de WHERE v > 0 WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
-- TABLESAMPLE would be ignored by a request, which reads every row: refused
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de TABLESAMPLE SYSTEM (50) WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(v) FROM de GROUP BY k$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de WINDOW w AS (PARTITION BY k ORDER BY ts) ORDER BY 1$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(d.v) OVER w FROM de d JOIN de_heap h USING (k) WINDOW w AS (PARTITION BY d.k ORDER BY d.ts)$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de_heap WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de WINDOW w AS (PARTITION BY k ORDER BY ts DESC)$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de WINDOW w AS (PARTITION BY k)$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de WINDOW w AS (PARTITION BY lower(k) ORDER BY ts)$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de WINDOW w AS (PARTITION BY v ORDER BY ts)$$);
SELECT feature_ext.deploy('e1', $$SELECT no_such_fn(v) OVER w FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
-- two features left with the same default name
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w, sum(v) FILTER (WHERE v > 0) OVER w FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(nope) OVER w FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
-- a column the index does not hold (INCLUDE (v) only)
SELECT feature_ext.deploy('e1', $$SELECT count(note) OVER w FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
-- bad options
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$, '{"colour": 1}');
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$, '[]');
-- duplicate
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w AS s FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('e1', $$SELECT sum(v) OVER w AS s FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
-- unknown deployment
SELECT feature_ext.undeploy('nope');
SELECT feature_ext.explain('nope');

-- Requests: NULL key or order value, wrong argument types.
SELECT * FROM e1(NULL, 1, 1, 'x');
SELECT * FROM e1('a', 1, NULL, 'x');
SELECT * FROM e1('a', 'not a number', 1, 'x');
SELECT * FROM e1('a', 1, 1);
SELECT * FROM e1(NULL::de);

-- The table cannot be dropped from under a deployment.
DROP TABLE de;

-- Privileges: deploying needs CREATE on the schema and SELECT on the table;
-- calling needs SELECT on the table.
CREATE ROLE fe_reader;
CREATE ROLE fe_stranger;
CREATE SCHEMA fe_feats;
GRANT USAGE, CREATE ON SCHEMA fe_feats TO fe_reader;
GRANT USAGE ON SCHEMA fe_feats TO fe_stranger;
GRANT SELECT ON de TO fe_reader;
INSERT INTO de VALUES ('a', 1, 1, 'x'), ('a', 2, 2, 'y');
SET ROLE fe_stranger;
SELECT feature_ext.deploy('fe_feats.p1', $$SELECT sum(v) OVER w AS s FROM public.de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
RESET ROLE;
SET ROLE fe_reader;
SELECT feature_ext.deploy('public.p1', $$SELECT sum(v) OVER w AS s FROM public.de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('fe_feats.p1', $$SELECT sum(v) OVER w AS s FROM public.de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT * FROM fe_feats.p1('a', 10, 3, NULL);
SELECT pg_get_userbyid(proowner), prosecdef FROM pg_proc WHERE proname = 'p1' ORDER BY 1 LIMIT 1;
RESET ROLE;
SET ROLE fe_stranger;
SELECT * FROM fe_feats.p1('a', 10, 3, NULL);
SELECT feature_ext.deploy('fe_feats.p1', $$SELECT max(v) OVER w AS s FROM public.de WINDOW w AS (PARTITION BY k ORDER BY ts)$$, '{"replace": true}');
SELECT feature_ext.undeploy('fe_feats.p1');
RESET ROLE;
GRANT SELECT ON de TO fe_stranger;
SET ROLE fe_stranger;
SELECT * FROM fe_feats.p1('a', 10, 3, NULL);
RESET ROLE;
-- row-level security: refused at deploy and at call, never bypassed
ALTER TABLE de ENABLE ROW LEVEL SECURITY;
SELECT * FROM fe_feats.p1('a', 10, 3, NULL);
SELECT feature_ext.deploy('e2', $$SELECT sum(v) OVER w AS s FROM de WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
ALTER TABLE de DISABLE ROW LEVEL SECURITY;
SET ROLE fe_reader;
SELECT feature_ext.undeploy('fe_feats.p1');
RESET ROLE;
SELECT feature_ext.undeploy('e1');
DROP SCHEMA fe_feats;
-- index_scan checks SELECT on the table too
REVOKE SELECT ON de FROM fe_stranger;
SET ROLE fe_stranger;
SELECT * FROM feature_ext.index_scan('de_k', '{a}');
RESET ROLE;
REVOKE SELECT ON de FROM fe_reader;
DROP ROLE fe_reader;
DROP ROLE fe_stranger;
DROP TABLE de, de_heap;
