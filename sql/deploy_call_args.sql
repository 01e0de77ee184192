-- Function calls in a deployment's expressions as PostgreSQL's planner
-- passes them to the executor (expand_function_arguments): named arguments
-- in declaration order, omitted arguments filled with their defaults, COLLATE
-- dropped.  Before, a call relying on a default reached the function with
-- the argument missing (a NULL or garbage: a backend crash for a text
-- argument of a PL/pgSQL function) and named arguments or COLLATE failed
-- with "unrecognized node type".  Every answer is compared with PostgreSQL
-- evaluating the same expression.
SET client_min_messages = warning;
CREATE TABLE ca (k text, ts int8, v int8) USING feature_store;
CREATE INDEX ON ca USING skiplist (k, ts);
CREATE TABLE cb (k text, ts int8, v int8) USING feature_store;
CREATE INDEX ON cb USING skiplist (k, ts);
INSERT INTO ca SELECT 'k' || (g % 2), g * 10, g FROM generate_series(1, 20) g;
INSERT INTO cb SELECT 'k' || (g % 2), g * 10 + 5, g * 100 FROM generate_series(1, 10) g;
CREATE FUNCTION ca_text(a int8, s text DEFAULT 'abc') RETURNS int8 LANGUAGE plpgsql IMMUTABLE
  AS 'BEGIN RETURN a * 1000 + length(s); END';
CREATE FUNCTION ca_plpg(a int8, b int8 DEFAULT 10) RETURNS int8 LANGUAGE plpgsql IMMUTABLE
  AS 'BEGIN RETURN a * 1000 + b; END';
CREATE FUNCTION ca_sql(a int8, b int8 DEFAULT 7) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT a * 100 + b';
-- outputs: over a window result and over a request column; an aggregate's
-- argument
SELECT feature_ext.deploy('ca_out', $q$SELECT k,
    ca_text(max(v) OVER w) AS t, ca_plpg(max(v) OVER w) AS p, ca_sql(v) AS q,
    ca_plpg(b => 5, a => count(*) OVER w) AS named, k COLLATE "C" AS kc,
    max(ca_sql(v)) OVER w AS agg_arg
  FROM ca WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$q$);
-- the reference: the key's 3 newest stored rows up to ts 205, and the request (v = 3)
CREATE VIEW ca_ref AS
SELECT max(v) AS mx, count(*) AS c, max(ca_sql(v)) AS ma
  FROM (SELECT v FROM (SELECT v FROM ca WHERE k = 'k1' AND ts <= 205 ORDER BY ts DESC LIMIT 3) y
        UNION ALL SELECT 3) z;
SELECT f.*, (f.t, f.p, f.q, f.named, f.kc, f.agg_arg) =
       (ca_text(r.mx), ca_plpg(r.mx), ca_sql(3), ca_plpg(b => 5, a => r.c), 'k1' COLLATE "C", r.ma) AS same
  FROM ca_out('k1', 205, 3) f, ca_ref r;
SET feature_ext.jit = off;
SELECT f.*, (f.t, f.p, f.q, f.named, f.agg_arg) =
       (ca_text(r.mx), ca_plpg(r.mx), ca_sql(3), ca_plpg(b => 5, a => r.c), r.ma) AS same
  FROM ca_out('k1', 205, 3) f, ca_ref r;
RESET feature_ext.jit;
-- offline: every row against PostgreSQL's window query
SELECT count(*) AS rows, count(*) FILTER (WHERE (b.t, b.p, b.q, b.named, b.agg_arg) IS NOT DISTINCT FROM
                                           (ca_text(n.mx), ca_plpg(n.mx), ca_sql(n.v), ca_plpg(b => 5, a => n.c), n.ma)) AS same
  FROM (SELECT row_number() OVER () AS i, * FROM ca_out_batch('ca')) b
  JOIN (SELECT row_number() OVER () AS i, * FROM (SELECT k, ts, v,
          max(v) OVER w AS mx, count(*) OVER w AS c, max(ca_sql(v)) OVER w AS ma
          FROM ca WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) q) n
    ON b.k = n.k AND b.q = ca_sql(n.v);
-- a union table's computed column (the window_union column list)
SELECT feature_ext.deploy('ca_uni', $q$SELECT k, max(v) OVER w AS m, count(*) OVER w AS c
  FROM ca WINDOW w AS (PARTITION BY k, feature_ext.window_union('cb'::regclass, 'k, ts, public.ca_plpg(v) AS v')
                       ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$q$);
SELECT f.m = (SELECT max(v) FROM (SELECT v FROM (SELECT v, ts FROM (
          SELECT v, ts FROM ca WHERE k = 'k1' AND ts <= 205
          UNION ALL SELECT ca_plpg(v), ts FROM cb WHERE k = 'k1' AND ts <= 205) u ORDER BY ts DESC LIMIT 10) y
        UNION ALL SELECT 3) z) AS same, f.*
  FROM ca_uni('k1', 205, 3) f;
DROP VIEW ca_ref;
SELECT feature_ext.undeploy('ca_out');
SELECT feature_ext.undeploy('ca_uni');
DROP TABLE ca, cb;
DROP FUNCTION ca_text, ca_plpg, ca_sql;
