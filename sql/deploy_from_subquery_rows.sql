-- The FROM subquery's computed columns read by window functions over the
-- table's stored rows (docs/DEPLOY.md, "A FROM subquery over the table"):
-- FROM (SELECT k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c FROM t) s in the
-- PostgreSQL dialect, OpenMLDB's from (select ..., int(cf) as c from t).
-- A computed column read by a window function's argument or FILTER is
-- computed for every stored row the window reads, as PostgreSQL's executor
-- computes the subquery's select list per row.  Every answer is compared
-- with PostgreSQL's executor running the equivalent window query (the
-- request row as a UNION ALL row, last of its peers), JIT on and off, ROWS
-- and RANGE frames, requests, batch() and training_set().
SET client_min_messages = warning;
CREATE TABLE cm (id int4, k text, ts int8, v int8, cf float4, s text) USING feature_store;
CREATE INDEX ON cm USING skiplist (k, ts);
-- one row per (k, ts): ROWS frames need no tie order among stored rows
INSERT INTO cm
SELECT g, 'k' || (g % 3), g * 10,
       CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 13) % 41 - 10 END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g % 5) + CASE WHEN g % 2 = 0 THEN 0.5 ELSE 0.25 END END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE 'x' || (g * 7) % 19 END
  FROM generate_series(1, 60) g;
-- requests: on a stored row's time (a peer), between, after every row, a key without rows
CREATE TABLE creq (id int4, k text, ts int8, v int8, cf float4, s text);
INSERT INTO creq SELECT id + 1000, k, ts + (id % 3) * 5, v + 1, cf, s FROM cm WHERE id % 4 = 0;
INSERT INTO creq VALUES (2000, 'k0', 10000, 3, 1.5, 'zz'), (2001, 'k9', 50, NULL, NULL, NULL),
                        (2002, 'k1', 5, 7, 2.5, 'a');

-- PostgreSQL dialect, ROWS: arguments, an argument expression, FILTER,
-- by-reference values (text), lag and first_value over computed columns
SELECT feature_ext.deploy('crp', $$
  SELECT id, k, ts, d, sum(d) OVER w AS sd, avg(c) OVER w AS ac, count(*) FILTER (WHERE c > 2) OVER w AS nf,
         sum(v + c) OVER w AS svc, max(u) OVER w AS mu, min(u) FILTER (WHERE d > 10) OVER w AS mfu,
         lag(d) OVER w AS ld, first_value(u) OVER w AS fu, count(v) OVER w AS cv
    FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c, upper(s) || ':' || id AS u FROM cm) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
-- PostgreSQL dialect, RANGE with an offset (peers included), EXCLUDE CURRENT ROW
SELECT feature_ext.deploy('crg', $$
  SELECT id, sum(d) OVER w AS sd, count(c) OVER w AS cc, max(u) OVER w AS mu, sum(d) OVER w2 AS sd2,
         avg(c) FILTER (WHERE u > 'X1') OVER w2 AS ac2
    FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c, upper(s) AS u FROM cm) x
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 95 PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 200 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)$$);
-- OpenMLDB dialect: int(cf) computed per stored row
SELECT feature_ext.deploy('cro', $$
  SELECT id, sum(d) OVER w AS sd, count(c) OVER w AS cc, max(c) OVER w AS mc, sum(d) OVER w2 AS sd2
    FROM (select id, k, ts, v, v * 2 as d, int(cf) as c, s from cm)
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 95 PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT line FROM regexp_split_to_table(feature_ext.explain('crp'), E'\n') line
 WHERE line LIKE '%request row%' OR line LIKE '%JIT: % aggregates %';

-- PostgreSQL's executor: the request row last among its peers
CREATE FUNCTION native(dep text, r creq) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE got text;
BEGIN
  IF dep = 'crp' THEN
    SELECT row(y.id, y.k, y.ts, y.d, y.sd, y.ac, y.nf, y.svc, y.mu, y.mfu, y.ld, y.fu, y.cv)::text INTO got FROM (
      SELECT z.*, sum(d) OVER w AS sd, avg(c) OVER w AS ac, count(*) FILTER (WHERE c > 2) OVER w AS nf,
             sum(v + c) OVER w AS svc, max(u) OVER w AS mu, min(u) FILTER (WHERE d > 10) OVER w AS mfu,
             lag(d) OVER w AS ld, first_value(u) OVER w AS fu, count(v) OVER w AS cv
        FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c, upper(s) || ':' || id AS u, src FROM (
                SELECT r.*, 1 AS src UNION ALL SELECT *, 0 FROM cm WHERE k = r.k AND ts <= r.ts) a) z
      WINDOW w AS (ORDER BY ts, src ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src = 1;
  ELSIF dep = 'crg' THEN
    SELECT row(y.id, y.sd, y.cc, y.mu, y.sd2, y.ac2)::text INTO got FROM (
      SELECT z.*, sum(d) OVER w AS sd, count(c) OVER w AS cc, max(u) OVER w AS mu, sum(d) OVER w2 AS sd2,
             avg(c) FILTER (WHERE u > 'X1') OVER w2 AS ac2
        FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c, upper(s) AS u, src FROM (
                SELECT r.*, 1 AS src UNION ALL SELECT *, 0 FROM cm WHERE k = r.k AND ts <= r.ts) a) z
      WINDOW w AS (ORDER BY ts RANGE BETWEEN 95 PRECEDING AND CURRENT ROW),
             w2 AS (ORDER BY ts RANGE BETWEEN 200 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) y WHERE src = 1;
  ELSE
    SELECT row(y.id, y.sd, y.cc, y.mc, y.sd2)::text INTO got FROM (
      SELECT z.*, sum(d) OVER w AS sd, count(c) OVER w AS cc, max(c) OVER w AS mc, sum(d) OVER w2 AS sd2
        FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c, src FROM (
                SELECT r.*, 1 AS src UNION ALL SELECT *, 0 FROM cm WHERE k = r.k AND ts <= r.ts) a) z
      WINDOW w AS (ORDER BY ts RANGE BETWEEN 95 PRECEDING AND CURRENT ROW),
             w2 AS (ORDER BY ts, src ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1;
  END IF;
  RETURN got;
END $f$;
CREATE TABLE results (jit text, name text, same bool, n int);
DO $$
DECLARE j text; dep text; r creq; got text; n int; ok bool;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH dep IN ARRAY ARRAY['crp', 'crg', 'cro'] LOOP
      ok := true; n := 0;
      FOR r IN SELECT * FROM creq ORDER BY id LOOP
        EXECUTE format('SELECT row(x.*)::text FROM %I($1, $2, $3, $4, $5, $6) x', dep) INTO got
          USING r.id, r.k, r.ts, r.v, r.cf, r.s;
        n := n + 1;
        IF got IS DISTINCT FROM native(dep, r) THEN
          ok := false;
          RAISE WARNING '% %: deployed % native %', dep, r.id, got, native(dep, r);
        END IF;
      END LOOP;
      INSERT INTO results VALUES (j, dep, ok, n);
    END LOOP;
  END LOOP;
END $$;
SELECT * FROM results ORDER BY jit, name;
-- the answers themselves, in a new session (planned from the bound query)
\c
SET client_min_messages = warning;
SELECT (crp(r.id, r.k, r.ts, r.v, r.cf, r.s)).* FROM creq r WHERE r.id IN (1004, 1024, 2000) ORDER BY r.id;
SELECT (cro(r.id, r.k, r.ts, r.v, r.cf, r.s)).* FROM creq r WHERE r.id IN (1004, 1024, 2000) ORDER BY r.id;

-- Union windows: the deployment's table's stored rows compute the
-- subquery's columns, the union table provides its own (by name); OpenMLDB's
-- WINDOW w AS (UNION cu ...) and the PostgreSQL dialect's window_union()
CREATE TABLE cu (id int4, k text, ts int8, v int8, d int8, c int4) USING feature_store;
CREATE INDEX ON cu USING skiplist (k, ts);
INSERT INTO cu SELECT 500 + g, 'k' || (g % 3), g * 10 + 3, g, g * 100, g % 4 FROM generate_series(1, 40) g;
SELECT feature_ext.deploy('cuo', $$
  SELECT id, sum(d) OVER w AS sd, max(c) OVER w AS mc, count(c) OVER w AS cc
    FROM (select id, k, ts, v, v * 2 as d, int(cf) as c from cm)
  WINDOW w AS (UNION cu PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('cup', $$
  SELECT id, sum(d) OVER w AS sd, max(c) OVER w AS mc, count(c) OVER w AS cc
    FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c FROM cm) x
  WINDOW w AS (PARTITION BY k, feature_ext.window_union('cu'::regclass) ORDER BY ts
               ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)$$);
CREATE FUNCTION native_union(r creq) RETURNS text LANGUAGE sql AS $f$
  SELECT row(y.id, y.sd, y.mc, y.cc)::text FROM (
    SELECT z.*, sum(d) OVER w AS sd, max(c) OVER w AS mc, count(c) OVER w AS cc FROM (
      SELECT r.id, r.ts, r.v * 2 AS d, CAST(r.cf AS int4) AS c, 1 AS src
      UNION ALL SELECT id, ts, v * 2, CAST(cf AS int4), 0 FROM cm WHERE k = r.k AND ts <= r.ts
      UNION ALL SELECT id, ts, d, c, 0 FROM cu WHERE k = r.k AND ts <= r.ts) z
    WINDOW w AS (ORDER BY ts, src ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)) y WHERE src = 1 $f$;
SET feature_ext.jit = on;
SELECT 'on' AS jit, bool_and((SELECT row(x.*)::text FROM cuo(r.id, r.k, r.ts, r.v, r.cf, r.s) x) IS NOT DISTINCT FROM native_union(r)) AS same_o,
       bool_and((SELECT row(x.*)::text FROM cup(r.id, r.k, r.ts, r.v, r.cf, r.s) x) IS NOT DISTINCT FROM native_union(r)) AS same_p,
       count(*) FROM creq r;
SET feature_ext.jit = off;
SELECT 'off' AS jit, bool_and((SELECT row(x.*)::text FROM cuo(r.id, r.k, r.ts, r.v, r.cf, r.s) x) IS NOT DISTINCT FROM native_union(r)) AS same_o,
       bool_and((SELECT row(x.*)::text FROM cup(r.id, r.k, r.ts, r.v, r.cf, r.s) x) IS NOT DISTINCT FROM native_union(r)) AS same_p,
       count(*) FROM creq r;
RESET feature_ext.jit;
SELECT (cuo(r.id, r.k, r.ts, r.v, r.cf, r.s)).* FROM creq r WHERE r.id IN (1004, 2000) ORDER BY r.id;
-- batch and training_set = PostgreSQL's window query over both tables (the
-- table's rows as requests)
CREATE TEMP TABLE cu_native AS
  SELECT array_agg(t ORDER BY id) AS a FROM (
    SELECT id, src, row(id, sum(d) OVER w, max(c) OVER w, count(c) OVER w)::text AS t FROM (
      SELECT id, k, ts, v * 2 AS d, CAST(cf AS int4) AS c, 1 AS src FROM cm
      UNION ALL SELECT id, k, ts, d, c, 0 FROM cu) z
    WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)) y WHERE src = 1;
SELECT (SELECT array_agg(row(x.*)::text ORDER BY x.id) FROM cuo_batch('SELECT * FROM cm ORDER BY id') x) = a AS batch_same,
       (SELECT array_agg(row(x.*)::text ORDER BY x.id)
          FROM feature_ext.training_set('cuo', 'SELECT * FROM cm', NULL::cuo_result) x) = a AS training_same
  FROM cu_native;

-- Offline: batch() (the source's rows in insertion order) and
-- training_set() (as of each label's time, the table's rows computed) =
-- PostgreSQL's window query over the table, JIT on and off
CREATE FUNCTION native_all(dep text) RETURNS SETOF text LANGUAGE sql AS $f$
  SELECT t FROM (
    SELECT id, row(id, k, ts, d, sum(d) OVER w, avg(c) OVER w, count(*) FILTER (WHERE c > 2) OVER w,
                   sum(v + c) OVER w, max(u) OVER w, min(u) FILTER (WHERE d > 10) OVER w,
                   lag(d) OVER w, first_value(u) OVER w, count(v) OVER w)::text AS t
      FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c, upper(s) || ':' || id AS u FROM cm) z
    WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE dep = 'crp'
  UNION ALL
  SELECT t FROM (
    SELECT id, row(id, sum(d) OVER w, count(c) OVER w, max(u) OVER w, sum(d) OVER w2,
                   avg(c) FILTER (WHERE u > 'X1') OVER w2)::text AS t
      FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c, upper(s) AS u FROM cm) z
    WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 95 PRECEDING AND CURRENT ROW),
           w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 200 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) y
   WHERE dep = 'crg'
  UNION ALL
  SELECT t FROM (
    SELECT id, row(id, sum(d) OVER w, count(c) OVER w, max(c) OVER w, sum(d) OVER w2)::text AS t
      FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c FROM cm) z
    WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 95 PRECEDING AND CURRENT ROW),
           w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE dep = 'cro'
$f$;
CREATE TABLE offline (jit text, name text, kind text, same bool, n int8);
DO $$
DECLARE j text; dep text; got text[]; want text[];
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH dep IN ARRAY ARRAY['crp', 'crg', 'cro'] LOOP
      SELECT array_agg(t ORDER BY t) INTO want FROM native_all(dep) t;
      EXECUTE format('SELECT array_agg(row(x.*)::text ORDER BY row(x.*)::text) FROM %I_batch(%L) x',
                     dep, 'SELECT * FROM cm ORDER BY id') INTO got;
      INSERT INTO offline VALUES (j, dep, 'batch', got = want, cardinality(got));
      EXECUTE format('SELECT array_agg(row(x.*)::text ORDER BY row(x.*)::text) FROM feature_ext.training_set(%L, %L, NULL::%I) x',
                     dep, 'SELECT * FROM cm', dep || '_result') INTO got;
      INSERT INTO offline VALUES (j, dep, 'training_set', got = want, cardinality(got));
    END LOOP;
  END LOOP;
END $$;
SELECT * FROM offline ORDER BY jit, name, kind;
-- training_set over label rows that are not the table's rows (later times):
-- the table's stored rows computed as of each label = the requests
SELECT bool_and(t.r IS NOT DISTINCT FROM (SELECT row(x.*)::text FROM crp(l.id, l.k, l.ts, l.v, l.cf, l.s) x)) AS same,
       count(*) AS n
  FROM creq l,
       LATERAL (SELECT row(x.id, x.k, x.ts, x.d, x.sd, x.ac, x.nf, x.svc, x.mu, x.mfu, x.ld, x.fu, x.cv)::text AS r
                  FROM feature_ext.training_set('crp', format('SELECT * FROM creq WHERE id = %s', l.id), NULL::crp_result) x) t
 WHERE l.id % 3 = 0 OR l.id >= 2000;

-- Errors: a stored row whose computed value fails fails the request with
-- PostgreSQL's error, when its window reads that row (v = 21: id 15's
-- row of key k0 at ts 150)
SELECT feature_ext.deploy('cre', $$
  SELECT id, sum(q) OVER w AS sq FROM (SELECT id, k, ts, v, 100 / (v - 21) AS q FROM cm) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT id, k, ts, v FROM cm WHERE v = 21;
SELECT * FROM cre(1, 'k0', 155, 1, NULL, NULL);
SELECT sum(100 / (v - 21)) FROM cm WHERE k = 'k0' AND ts <= 155;
-- a window that does not reach it: no error (PostgreSQL's executor would
-- compute every row of the subquery and fail; only rows a window reads are
-- computed here)
SELECT * FROM cre(1, 'k0', 215, 1, NULL, NULL);
SELECT sum(100 / (v - 21)) + 100 / (1 - 21) FROM (SELECT v FROM cm WHERE k = 'k0' AND ts <= 215 ORDER BY ts DESC LIMIT 2) z;
-- an invalid cast of a stored row's text (OpenMLDB's timestamp(s) of 'x...'),
-- with the JIT on and off
SELECT feature_ext.deploy('crc', $$
  SELECT id, count(t) OVER w AS ct FROM (SELECT id, k, ts, CAST(s AS int4) AS t FROM cm) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.jit = on;
SELECT * FROM crc(1, 'k1', 1000, 1, NULL, '5');
SET feature_ext.jit = off;
SELECT * FROM crc(1, 'k1', 1000, 1, NULL, '5');
SELECT count(CAST(s AS int4)) FROM cm WHERE k = 'k1';
RESET feature_ext.jit;
-- batch and training_set compute every row of the table: the error
SELECT count(*) FROM cre_batch('SELECT * FROM cm');
SELECT count(*) FROM feature_ext.training_set('cre', 'SELECT * FROM cm WHERE id = 1', NULL::cre_result);

-- Long windows: block summaries hold the table's columns only; a group
-- reading a computed column reads its rows (no summary taken), and its
-- answers stay PostgreSQL's
CREATE TABLE cl (k text, ts int8, v int8) USING feature_store;
CREATE INDEX ON cl USING skiplist (k, ts);
INSERT INTO cl SELECT 'a', g * 10, (g * 7919) % 2001 - 1000 FROM generate_series(1, 4000) g;
SELECT feature_ext.run_gc() >= 0 AS gc;
SET feature_ext.preaggregate = on;
SELECT feature_ext.deploy('clc', $$
  SELECT sum(d) OVER w AS sd, count(*) OVER w AS n, max(d) OVER w AS md FROM (SELECT k, ts, v, v * 3 AS d FROM cl) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('clp', $$
  SELECT sum(v) OVER w AS sv, count(*) OVER w AS n FROM cl
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW)$$);
CREATE TEMP TABLE taken AS SELECT rows_taken AS n FROM feature_ext.preagg_stats();
SET feature_ext.jit = off;
SELECT (SELECT row(x.*)::text FROM clc('a', 40005, 5) x) =
       (SELECT row(sd, n, md)::text FROM (
          SELECT src, sum(v * 3) OVER w AS sd, count(*) OVER w AS n, max(v * 3) OVER w AS md
            FROM (SELECT ts, v, 0 AS src FROM cl UNION ALL SELECT 40005, 5, 1) z
          WINDOW w AS (ORDER BY ts ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW)) y WHERE src = 1) AS same;
SELECT (SELECT rows_taken FROM feature_ext.preagg_stats()) - n AS computed_taken FROM taken;
SELECT (SELECT row(x.*)::text FROM clp('a', 40005, 5) x) =
       (SELECT row(sv, n)::text FROM (
          SELECT src, sum(v) OVER w AS sv, count(*) OVER w AS n
            FROM (SELECT ts, v, 0 AS src FROM cl UNION ALL SELECT 40005, 5, 1) z
          WINDOW w AS (ORDER BY ts ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW)) y WHERE src = 1) AS same;
SELECT (SELECT rows_taken FROM feature_ext.preagg_stats()) - n > 0 AS plain_taken FROM taken;
RESET feature_ext.jit;
RESET feature_ext.preaggregate;

-- Refused (0A000): a volatile computed column read over stored rows (it
-- would be computed again at every request); one read by the outputs only
-- is computed once per request, as before
\set VERBOSITY default
SELECT feature_ext.deploy('crv', $$
  SELECT id, count(*) FILTER (WHERE r > 0.5) OVER w AS n FROM (SELECT id, k, ts, v, random() AS r FROM cm) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('crv', $$
  SELECT id, sum(r) OVER w AS sr FROM (select id, k, ts, v, random() as r from cm)
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('crv', $$
  SELECT id, r < 2 AS r_ok, sum(v) OVER w AS sv FROM (SELECT id, k, ts, v, random() AS r FROM cm) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT r_ok FROM crv(1, 'k0', 5, 1, NULL, NULL);
-- still refused: PARTITION BY / ORDER BY a computed column over stored rows
-- (the rows are found through the index on the table's own columns)
SELECT feature_ext.deploy('crbad', $$
  SELECT sum(v) OVER w FROM (SELECT upper(k) AS ku, ts, v FROM cm) x
  WINDOW w AS (PARTITION BY ku ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- a column the computed column reads must be held by the index
CREATE TABLE ch (k text, ts int8, v int8, w int8) USING feature_store;
CREATE INDEX ON ch USING skiplist (k, ts) INCLUDE (v);
SELECT feature_ext.deploy('crh', $$
  SELECT sum(x2) OVER w FROM (SELECT k, ts, v, w * 2 AS x2 FROM ch) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);

SELECT feature_ext.undeploy(n) FROM unnest(ARRAY['crp', 'crg', 'cro', 'cre', 'crc', 'clc', 'clp', 'crv', 'cuo', 'cup']) n;
DROP TABLE cm, creq, results, offline, cl, ch, cu CASCADE;
DROP FUNCTION native(text, creq);
DROP FUNCTION native_all(text);
