-- Union windows whose union tables compute columns (docs/DEPLOY.md, "Union
-- windows", Columns): OpenMLDB's UNION (SELECT k, ts, bigint(vs) AS v,
-- date("2020-10-01") AS d ... FROM t2) and the PostgreSQL dialect's UNION ALL
-- branch with expressions.  Each computed column is evaluated per union row
-- as it is read from the skiplist index (requests), for training_set() and
-- <name>_batch(); every answer is compared with PostgreSQL's own executor
-- running the same expressions over the same rows, with the JIT on and off.
SET client_min_messages = warning;
CREATE TABLE cm (k text, ts int8, v int8, d date, s text, seq serial) USING feature_store;
CREATE TABLE cu (k text, ts int8, vs text, x int4, seq serial) USING feature_store;
CREATE INDEX ON cm USING skiplist (k, ts);
CREATE INDEX ON cu USING skiplist (k, ts);
INSERT INTO cm (k, ts, v, d, s)
SELECT 'k' || (g % 3), (g / 2) * 10, (g * 37) % 101, DATE '2020-05-01' + g, 'm' || g FROM generate_series(1, 40) g;
INSERT INTO cu (k, ts, vs, x)
SELECT 'k' || (g % 3), (g / 3) * 10 + 5 * (g % 2), CASE WHEN g % 9 = 0 THEN NULL ELSE ((g * 53) % 97)::text END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE g END
  FROM generate_series(1, 45) g;
INSERT INTO cu (k, ts, vs, x) VALUES ('k0', 20, '1000', 7), ('k1', 60, '-5', 8);  -- late rows, ties
CREATE TABLE creq (k text, ts int8, v int8, d date, s text, seq int);
INSERT INTO creq VALUES ('k0', 150, 5, '2020-07-01', 'r1', 0), ('k1', 100, NULL, NULL, NULL, 0),
                        ('k2', 60, 7, '2020-01-01', 'r3', 0), ('k0', 0, 1, '2020-02-02', 'r4', 0),
                        ('k9', 50, 3, '2020-03-03', 'r5', 0), ('k1', 1000, 8, '2021-01-01', 'zz', 0),
                        ('k0', 25, 2, '2020-04-04', 'r7', 0);

-- the features: order-insensitive aggregates over a RANGE frame (peers
-- agree whatever their order), reading every computed column
\set feats 'sum(v) OVER w AS sv, count(v) OVER w AS cv, count(d) OVER w AS cd, max(d) OVER w AS md, min(s) OVER w AS ms, max(s) OVER w AS xs'
\set frame 'RANGE BETWEEN 40 PRECEDING AND CURRENT ROW'

-- check(name, union branch): the deployment's answers (requests,
-- training_set() over creq, <name>_batch() over cm in insertion order) next
-- to the native window query over the rows of the key: the request / source
-- row, cm's rows (for the batch: those inserted before), and the union
-- branch's rows up to its time.
CREATE FUNCTION check_computed(name text, branch text)
RETURNS TABLE(req text, same bool) LANGUAGE plpgsql AS $f$
DECLARE
  r record; d text; n text; trs text[]; bat text[]; i int := 0;
  feats text := 'sum(v) OVER w AS sv, count(v) OVER w AS cv, count(d) OVER w AS cd, max(d) OVER w AS md, '
                'min(s) OVER w AS ms, max(s) OVER w AS xs';
  nat text;
BEGIN
  nat := format($q$
    SELECT row(y.*)::text FROM (
      SELECT %s, src FROM (
        SELECT $1::text AS k, $2::int8 AS ts, $3::int8 AS v, $4::date AS d, $5::text AS s, 0 AS src
        UNION ALL SELECT k, ts, v, d, s, 1 FROM cm WHERE k = $1 AND ts <= $2 AND seq < $6
        UNION ALL SELECT * FROM (SELECT *, 2 FROM (%s) b) u2 WHERE k = $1 AND ts <= $2) x
      WINDOW w AS (ORDER BY ts RANGE BETWEEN 40 PRECEDING AND CURRENT ROW)) y WHERE src = 0$q$, feats, branch);
  EXECUTE format('SELECT array_agg(row(x.*)::text) FROM feature_ext.training_set(%L, %L, NULL::%I) x',
                 name, 'SELECT * FROM creq', name || '_result') INTO trs;
  FOR r IN SELECT * FROM creq LOOP
    i := i + 1;
    EXECUTE format('SELECT row(x.*)::text FROM %I($1, $2, $3, $4, $5, 0) x', name) INTO d
      USING r.k, r.ts, r.v, r.d, r.s;
    EXECUTE nat INTO n USING r.k, r.ts, r.v, r.d, r.s, 2147483647;
    n := regexp_replace(n, ',0\)$', ')');
    req := format('%s/%s', r.k, r.ts);
    same := d IS NOT DISTINCT FROM n AND trs[i] IS NOT DISTINCT FROM n;
    IF NOT same THEN RAISE NOTICE '% deployed % training % native %', req, d, trs[i], n; END IF;
    RETURN NEXT;
  END LOOP;
  EXECUTE format('SELECT array_agg(row(x.*)::text) FROM %I(%L) x', name || '_batch', 'SELECT * FROM cm ORDER BY seq')
    INTO bat;
  i := 0;
  FOR r IN SELECT * FROM cm ORDER BY seq LOOP
    i := i + 1;
    EXECUTE nat INTO n USING r.k, r.ts, r.v, r.d, r.s, r.seq;
    n := regexp_replace(n, ',0\)$', ')');
    req := format('batch %s/%s', r.k, r.ts);
    same := bat[i] IS NOT DISTINCT FROM n;
    IF NOT same THEN RAISE NOTICE '% deployed % native %', req, bat[i], n; END IF;
    RETURN NEXT;
  END LOOP;
END $f$;

-- PostgreSQL dialect: the UNION ALL branch computes v, d and s from cu's row
SELECT feature_ext.deploy('cpg', $$
  SELECT sum(v) OVER w AS sv, count(v) OVER w AS cv, count(d) OVER w AS cd, max(d) OVER w AS md,
         min(s) OVER w AS ms, max(s) OVER w AS xs
    FROM (SELECT k, ts, v, d, s FROM cm
          UNION ALL SELECT k, ts, CAST(vs AS int8), DATE '2020-10-01' + x, 'u' || x FROM cu) u
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 40 PRECEDING AND CURRENT ROW)$$);
-- OpenMLDB dialect: cast functions and a constant, as test_window_union.yaml 14
SELECT feature_ext.deploy('cml', $$
  SELECT sum(v) OVER w AS sv, count(v) OVER w AS cv, count(d) OVER w AS cd, max(d) OVER w AS md,
         min(s) OVER w AS ms, max(s) OVER w AS xs
    FROM cm WINDOW w AS (UNION (select k, ts, bigint(vs) as v, date("2020-10-01") as d, string(x) as s from cu)
                         PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 40 PRECEDING AND CURRENT ROW)$$);
SELECT line FROM regexp_split_to_table(feature_ext.explain('cml'), E'\n') line WHERE line LIKE '%union window%';

CREATE TABLE results (jit text, name text, same bool, n int);
DO $$
DECLARE j text;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    INSERT INTO results SELECT j, 'cpg', bool_and(same), count(*) FROM check_computed('cpg',
      $b$SELECT k, ts, CAST(vs AS int8) AS v, DATE '2020-10-01' + x AS d, 'u' || x AS s FROM cu$b$);
    INSERT INTO results SELECT j, 'cml', bool_and(same), count(*) FROM check_computed('cml',
      $b$SELECT k, ts, CAST(vs AS int8) AS v, DATE '2020-10-01' AS d, CAST(x AS text) AS s FROM cu$b$);
  END LOOP;
END $$;
SELECT * FROM results ORDER BY jit, name;

-- the two deployments compute d and s differently (DATE '2020-10-01' + x, a
-- NULL when x is; 'u' || x against the constant date and string(x))
SELECT sv, cd, md, xs FROM cpg('k0', 150, 5, '2020-07-01', 'r1', 0);
SELECT sv, cd, md, xs FROM cml('k0', 150, 5, '2020-07-01', 'r1', 0);

-- renames: the PostgreSQL form follows a renamed column of the union table
ALTER TABLE cu RENAME COLUMN vs TO vs2;
SELECT sv, cd, md, xs FROM cpg('k0', 150, 5, '2020-07-01', 'r1', 0);
ALTER TABLE cu RENAME COLUMN vs2 TO vs;

-- a value the cast refuses fails the request as PostgreSQL's executor fails the query
INSERT INTO cu (k, ts, vs, x) VALUES ('bad', 10, 'abc', 1);
SELECT sv FROM cpg('bad', 20, 1, NULL, NULL, 0);
SELECT sum(v) OVER w FROM (SELECT k, ts, v FROM cm UNION ALL SELECT k, ts, CAST(vs AS int8) FROM cu WHERE k = 'bad') u
  WINDOW w AS (PARTITION BY k ORDER BY ts);

-- refused: computed PARTITION BY / ORDER BY columns (the index read needs the
-- table's own columns), volatile functions, subqueries, a type other than the
-- deployment's column's, a computed column without AS, and names outside
-- pg_catalog unqualified (the search_path is pinned when the list is parsed)
\set VERBOSITY default
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM (SELECT k, ts, v FROM cm
  UNION ALL SELECT lower(k), ts, CAST(vs AS int8) FROM cu) u WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM (SELECT k, ts, v FROM cm
  UNION ALL SELECT k, ts + 1, CAST(vs AS int8) FROM cu) u WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM (SELECT k, ts, v FROM cm
  UNION ALL SELECT k, ts, (random() * 10)::int8 FROM cu) u WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM (SELECT k, ts, v FROM cm
  UNION ALL SELECT k, ts, x FROM cu) u WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM cm WINDOW w AS (UNION (select k, ts, int(vs) as v from cu)
  PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM cm WINDOW w AS (UNION (select k, ts, bigint(vs) from cu)
  PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM cm WINDOW w AS (UNION (select k, ts, (select max(v) from public.cm) as v from cu)
  PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM cm WINDOW w AS (UNION (select k, bigint(ts) as ts, bigint(vs) as v from cu)
  PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
CREATE FUNCTION public.conv(text) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT length($1)::int8';
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM cm WINDOW w AS (UNION (select k, ts, conv(vs) as v from cu)
  PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('cq', $$SELECT sum(v) OVER w AS sv, count(*) OVER w AS c FROM cm WINDOW w AS
  (UNION (select k, ts, public.conv(vs) as v from cu) PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 30 PRECEDING AND CURRENT ROW)$$);
SELECT sv, c FROM cq('k0', 150, 5, NULL, NULL, 0);
SELECT sum(v), count(*) FROM (SELECT 5::int8 AS v UNION ALL SELECT v FROM cm WHERE k = 'k0' AND ts BETWEEN 120 AND 150
  UNION ALL SELECT public.conv(vs) FROM cu WHERE k = 'k0' AND ts BETWEEN 120 AND 150) u;
-- a computed column's input columns are held by the union table's index
CREATE TABLE cu2 (k text, ts int8, vs text, x int4) USING feature_store;
CREATE INDEX ON cu2 USING skiplist (k, ts) INCLUDE (x);
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM (SELECT k, ts, v FROM cm
  UNION ALL SELECT k, ts, CAST(vs AS int8) FROM cu2) u WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
SELECT feature_ext.deploy('cx', $$SELECT sum(v) OVER w AS sv FROM (SELECT k, ts, v FROM cm
  UNION ALL SELECT k, ts, CAST(x AS int8) * 2 FROM cu2) u WINDOW w AS (PARTITION BY k ORDER BY ts)$$);
INSERT INTO cu2 VALUES ('k0', 10, 'zzz', 50);
SELECT sv FROM cx('k0', 10, 1, NULL, NULL, 0);
SELECT sum(v) FROM (SELECT 1::int8 AS v UNION ALL SELECT v FROM cm WHERE k = 'k0' AND ts <= 10
  UNION ALL SELECT x * 2 FROM cu2 WHERE k = 'k0' AND ts <= 10) u;
SELECT feature_ext.undeploy('cx');
DROP TABLE cu2;
-- the main table's FROM subquery computing a column a window function reads
-- over the table's stored rows: computed per stored row (docs/DEPLOY.md, "A
-- FROM subquery over the table"; before 2026-12-05 refused)
SELECT feature_ext.deploy('cfs', $$SELECT sum(v) OVER w AS sv FROM (select k, ts, bigint(length(s)) as v from cm) WINDOW w AS
  (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW)$$);
SELECT sv FROM cfs('k0', 150, 5, NULL, 'r1', 0);
SELECT 2 + sum(length(s)) AS sv FROM cm WHERE k = 'k0' AND ts <= 150;
-- a stored row's value that the cast refuses fails the request (22P02, as
-- PostgreSQL's executor fails the query)
SELECT feature_ext.deploy('cbad', $$SELECT sum(v) OVER w FROM (select k, ts, bigint(s) as v from cm) WINDOW w AS
  (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW)$$);
SELECT * FROM cbad('k0', 150, 5, NULL, '12', 0);
SELECT feature_ext.undeploy(n) FROM unnest(ARRAY['cfs', 'cbad']) n;
\set VERBOSITY terse
SELECT feature_ext.undeploy(n) FROM unnest(ARRAY['cpg', 'cml', 'cq']) n;
DROP FUNCTION check_computed(text, text);
DROP FUNCTION public.conv(text);
DROP TABLE cm, cu, creq, results;
