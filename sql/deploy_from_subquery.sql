-- The deployment's table as a FROM subquery that computes columns
-- (docs/DEPLOY.md, "A FROM subquery over the table"): OpenMLDB's
-- FROM (select id, int(c3f) as c3, timestamp(c7str) as c7 ... from t1)
-- (test_window_union.yaml 14-2..14-4) and the PostgreSQL dialect's
-- FROM (SELECT ..., expr AS c FROM t) s.  The request row is a row of the
-- table; the subquery's expressions are evaluated on it.  Every answer is
-- compared with PostgreSQL's own executor running the same expressions over
-- the same rows, with the JIT on and off.
SET client_min_messages = warning;
CREATE TABLE fm (id int4, k text, gf float4, ts int8, tstr text, v int8, d date) USING feature_store;
CREATE TABLE fu (id int4, k text, g int4, ts int8, t timestamp, v int8, d date) USING feature_store;
CREATE INDEX ON fm USING skiplist (k, ts);
CREATE INDEX ON fu USING skiplist (g, t);
-- union rows: keys g 0..2, distinct times per key (ROWS frames need no tie order)
INSERT INTO fu
SELECT g, 'u' || g, g % 3, g * 10, TIMESTAMP '2020-05-29 15:00:00' + g * INTERVAL '7 seconds',
       CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 101 END, DATE '2020-01-01' + g
  FROM generate_series(1, 60) g;
-- the table's rows, in ts order per key; gf rounds to the union keys
INSERT INTO fm
SELECT 100 + g, 'k' || (g % 2), (g % 3) + CASE WHEN g % 4 = 0 THEN 0.4 ELSE 0.1 END, g * 10,
       to_char(TIMESTAMP '2020-05-29 15:00:03' + g * INTERVAL '11 seconds', 'YYYY-MM-DD HH24:MI:SS'),
       (g * 13) % 50, DATE '2021-01-01' + g
  FROM generate_series(1, 30) g;
-- requests: rows of the table, a key without union rows, a time before every union row
CREATE TABLE freq AS SELECT id, k, gf, ts, tstr, v, d FROM fm WHERE id % 3 = 0;
INSERT INTO freq VALUES (900, 'k0', 7.2, 5, '2020-05-29 15:03:00', 1, NULL),
                        (901, 'k1', 1.3, 15, '2020-05-29 14:00:00', NULL, '2020-02-02');

-- OpenMLDB dialect, as test_window_union.yaml 14-3: the window's key and
-- order columns computed from the request row; INSTANCE_NOT_IN_WINDOW: the
-- table's stored rows are not read, only the union table's and the request
SELECT feature_ext.deploy('fsm', $$
  SELECT id, g, t, d, sum(v) OVER w AS sv, count(v) OVER w AS cv, max(d) OVER w AS md, min(id) OVER w AS mi,
         sum(v) OVER w2 AS sv2, count(*) OVER w2 AS n2
    FROM (select id, k, int(gf) as g, ts, timestamp(tstr) as t, v, d from fm)
  WINDOW w AS (UNION (select id, k, g, ts, t, v, d from fu)
               PARTITION BY g ORDER BY t ROWS_RANGE BETWEEN 30s PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW),
         w2 AS (UNION (select id, k, g, ts, t, v, d from fu)
               PARTITION BY g ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$);
-- PostgreSQL dialect: the same with the deploy-only modifiers
SELECT feature_ext.deploy('fsp', $$
  SELECT id, g, t, d, sum(v) OVER w AS sv, count(v) OVER w AS cv, max(d) OVER w AS md, min(id) OVER w AS mi,
         sum(v) OVER w2 AS sv2, count(*) OVER w2 AS n2
    FROM (SELECT id, k, CAST(gf AS int4) AS g, ts, CAST(tstr AS timestamp) AS t, v, d FROM fm) s
  WINDOW w AS (PARTITION BY g, feature_ext.window_union('fu'::regclass, 'id, k, g, ts, t, v, d'),
                            feature_ext.instance_not_in_window()
               ORDER BY t RANGE BETWEEN INTERVAL '30 seconds' PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY g, feature_ext.window_union('fu'::regclass, 'id, k, g, ts, t, v, d'),
                             feature_ext.instance_not_in_window()
               ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT line FROM regexp_split_to_table(feature_ext.explain('fsm'), E'\n') line
 WHERE line LIKE '%request row%';

-- PostgreSQL's executor: the request row (computed as the subquery does)
-- and the union table's rows of its key up to its time
CREATE FUNCTION native_union(r freq) RETURNS text LANGUAGE sql AS $f$
  SELECT row(y.id, y.g, y.t, y.d, y.sv, y.cv, y.md, y.mi, y.sv2, y.n2)::text FROM (
    SELECT x.*, sum(v) OVER w AS sv, count(v) OVER w AS cv, max(d) OVER w AS md, min(id) OVER w AS mi,
           sum(v) OVER w2 AS sv2, count(*) OVER w2 AS n2 FROM (
      SELECT r.id, CAST(r.gf AS int4) AS g, CAST(r.tstr AS timestamp) AS t, r.v, r.d, 1 AS src
      UNION ALL SELECT id, g, t, v, d, 0 FROM fu
       WHERE g = CAST(r.gf AS int4) AND t <= CAST(r.tstr AS timestamp)) x
    WINDOW w AS (ORDER BY t RANGE BETWEEN INTERVAL '30 seconds' PRECEDING AND CURRENT ROW),
           w2 AS (ORDER BY t, src ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y
   WHERE src = 1 $f$;

CREATE TABLE results (jit text, name text, same bool, n int);
DO $$
DECLARE j text; dep text; r freq; got text; n int; ok bool;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH dep IN ARRAY ARRAY['fsm', 'fsp'] LOOP
      ok := true; n := 0;
      FOR r IN SELECT * FROM freq ORDER BY id LOOP
        EXECUTE format('SELECT row(x.*)::text FROM %I($1, $2, $3, $4, $5, $6, $7) x', dep) INTO got
          USING r.id, r.k, r.gf, r.ts, r.tstr, r.v, r.d;
        n := n + 1;
        IF got IS DISTINCT FROM native_union(r) THEN
          ok := false;
          RAISE NOTICE '% %: deployed % native %', dep, r.id, got, native_union(r);
        END IF;
      END LOOP;
      INSERT INTO results VALUES (j, dep, ok, n);
    END LOOP;
  END LOOP;
END $$;
SELECT * FROM results ORDER BY jit, name;
-- the answers themselves (a key without union rows: the request alone),
-- in a new session: planned again from the deployment's bound query
\c
SET client_min_messages = warning;
SELECT (fsm(r.id, r.k, r.gf, r.ts, r.tstr, r.v, r.d)).* FROM freq r WHERE r.id IN (102, 900, 901) ORDER BY r.id;
-- a value the cast refuses fails the request as PostgreSQL's executor fails the query
SELECT * FROM fsm(1, 'k0', 1.0, 1, 'not a time', 1, NULL);
SELECT CAST('not a time' AS timestamp);
-- offline: the window's key is computed, no index of fm serves it
SELECT count(*) FROM fsm_batch('SELECT * FROM fm');

-- The table's rows read (no INSTANCE_NOT_IN_WINDOW): partition and order
-- columns are the table's own, computed columns are read from the request
-- row only (outputs, FILTER-free)
SELECT feature_ext.deploy('fsr', $$
  SELECT k, ts, v2, ku, sum(v) OVER w AS sv, count(*) OVER w AS n, max(d) OVER w AS md
    FROM (SELECT k, ts, v, v * 2 + 1 AS v2, upper(k) || ':' || id AS ku, d FROM fm) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
CREATE FUNCTION native_rows(seqlimit int8) RETURNS SETOF text LANGUAGE sql AS $f$
  SELECT row(k, ts, v2, ku, sv, n, md)::text FROM (
    SELECT k, ts, v * 2 + 1 AS v2, upper(k) || ':' || id AS ku, id,
           sum(v) OVER w AS sv, count(*) OVER w AS n, max(d) OVER w AS md
      FROM fm WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y
   ORDER BY id $f$;
-- requests: new rows (newer than every stored row of their key), against
-- PostgreSQL's window query over the stored rows and the request row
CREATE FUNCTION native_req(r freq) RETURNS text LANGUAGE sql AS $f$
  SELECT row(k, ts, v2, ku, sv, n, md)::text FROM (
    SELECT k, ts, v * 2 + 1 AS v2, upper(k) || ':' || id AS ku, src,
           sum(v) OVER w AS sv, count(*) OVER w AS n, max(d) OVER w AS md
      FROM (SELECT r.k, r.ts, r.v, r.id, r.d, 1 AS src
            UNION ALL SELECT k, ts, v, id, d, 0 FROM fm WHERE k = r.k AND ts <= r.ts) x
    WINDOW w AS (ORDER BY ts, src ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src = 1 $f$;
SELECT bool_and((SELECT row(x.*)::text FROM fsr(r.id, r.k, r.gf, r.ts + 1000, r.tstr, r.v, r.d) x)
                IS NOT DISTINCT FROM native_req((r.id, r.k, r.gf, r.ts + 1000, r.tstr, r.v, r.d)::freq)) AS same,
       count(*) AS n
  FROM freq r;
SELECT * FROM fsr(7, 'k1', 0, 2000, NULL, 5, '2022-02-02');
-- batch over the table in insertion order = PostgreSQL's window query
SELECT array_agg(row(x.*)::text) = (SELECT array_agg(t) FROM native_rows(0) t) AS batch_same
  FROM fsr_batch('SELECT * FROM fm ORDER BY id') x;
-- training_set over a label table (the source rows, as of each row's time)
SELECT count(*) AS n, bool_and(row(x.k, x.ts, x.v2, x.ku, x.sv, x.n, x.md)::text IN (SELECT t FROM native_rows(0) t)) AS same
  FROM feature_ext.training_set('fsr', 'SELECT * FROM fm', NULL::fsr_result) x;

-- Refused: a computed key or order column over the table's stored rows
SELECT feature_ext.deploy('fsbad', $$
  SELECT sum(v) OVER w FROM (SELECT k, CAST(gf AS int4) AS g, ts, v FROM fm) s
  WINDOW w AS (PARTITION BY g ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('fsbad', $$
  SELECT sum(v) OVER w FROM (select k, int(gf) as g, ts, v from fm)
  WINDOW w AS (UNION (select k, g, ts, v from fu) PARTITION BY g ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- An aggregate over a computed column of the table's stored rows: computed
-- for every stored row the window reads (sql/deploy_from_subquery_rows.sql)
SELECT feature_ext.deploy('fsv2', $$
  SELECT sum(v2) OVER w FROM (SELECT k, ts, v * 2 AS v2 FROM fm) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM fsv2(1, 'k0', 0, 5000, NULL, 21, NULL);
SELECT sum(v * 2) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
  FROM (SELECT ts, v FROM fm WHERE k = 'k0' UNION ALL SELECT 5000, 21) x ORDER BY ts DESC LIMIT 1;
SELECT feature_ext.undeploy('fsv2');
-- A computed column named as a column of the table shadows it, as in the
-- subquery: d is v * 2 here, not fm's d
SELECT feature_ext.deploy('fsd', $$
  SELECT k, d, sum(v) OVER w AS sv FROM (SELECT k, ts, v, v * 2 AS d FROM fm) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM fsd(1, 'k0', 0, 5000, NULL, 21, '2020-01-01');
SELECT k, v * 2 AS d, sum(v) OVER w AS sv
  FROM (SELECT k, ts, v FROM fm WHERE k = 'k0' UNION ALL SELECT 'k0', 5000, 21) x
WINDOW w AS (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY ts DESC LIMIT 1;

-- A table that does not exist: PostgreSQL's error (42P01), in the FROM
-- subquery too, not the ROWS_RANGE offset's type error
CREATE FUNCTION deploy_err(q text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM feature_ext.deploy('fsx', q);
  RETURN 'deployed';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $f$;
SELECT deploy_err($$SELECT sum(v) OVER w FROM nosuch WINDOW w AS
  (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW)$$);
SELECT deploy_err($$SELECT sum(v) OVER w FROM (select k, int(x) as v, ts from nosuch) WINDOW w AS
  (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW)$$);
SELECT deploy_err($$SELECT sum(v) OVER w FROM (select * from nosuch) WINDOW w AS
  (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW)$$);
SELECT deploy_err($$SELECT fm.k, sum(fm.v) OVER w AS s FROM fm
  LAST JOIN (select k, ts, sum(v) over w2 as s2 from nosuch2
             window w2 as (partition by k order by ts rows_range between 2s preceding and current row)) j
  ON fm.k = j.k WINDOW w AS (PARTITION BY fm.k ORDER BY fm.ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
DROP FUNCTION deploy_err(text);

-- OpenMLDB: a LAST JOIN inside the table's FROM subquery
-- (integration_test test_lastjoin_complex.yaml 11): lifted into the query,
-- s.c3 is lj's c3; against PostgreSQL's LEFT JOIN LATERAL chain (a NULL key
-- matches a NULL, OpenMLDB's key equality, as IS NOT DISTINCT FROM)
CREATE TABLE lm (id int4, k text, ts int8) USING feature_store;
CREATE TABLE lj (k text, c3 int4, ts int8) USING feature_store;
CREATE TABLE lk (c3 int4, c4 int8, ts int8) USING feature_store;
CREATE INDEX ON lm USING skiplist (k, ts);
CREATE INDEX ON lj USING skiplist (k, ts);
CREATE INDEX ON lk USING skiplist (c3, ts);
INSERT INTO lm SELECT g, 'k' || (g % 5), g * 10 FROM generate_series(1, 12) g;
INSERT INTO lj SELECT 'k' || (g % 4), CASE WHEN g % 6 = 0 THEN NULL ELSE g % 3 END, g * 7 FROM generate_series(1, 20) g;
INSERT INTO lk SELECT CASE WHEN g % 5 = 0 THEN NULL ELSE g % 3 END, g * 100, g * 3 FROM generate_series(1, 15) g;
SELECT feature_ext.deploy('fsj', $$
  select s.id, s.k, s.c3, lk.c4 from (select lm.id, lm.k, lj.c3 from lm last join lj order by lj.ts on lm.k = lj.k) as s
  last join lk order by lk.ts on s.c3 = lk.c3$$);
SELECT bool_and(d IS NOT DISTINCT FROM n) AS same, count(*) AS n FROM (
  SELECT (SELECT row(x.*)::text FROM fsj(r.id, r.k, r.ts) x) AS d,
         (SELECT row(r.id, r.k, j.c3, l.c4)::text
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (SELECT * FROM lj WHERE lj.k IS NOT DISTINCT FROM r.k AND lj.ts IS NOT NULL
                                ORDER BY lj.ts DESC LIMIT 1) j ON true
            LEFT JOIN LATERAL (SELECT * FROM lk WHERE lk.c3 IS NOT DISTINCT FROM j.c3 AND lk.ts IS NOT NULL
                                ORDER BY lk.ts DESC LIMIT 1) l ON true) AS n
    FROM (SELECT * FROM lm UNION ALL SELECT 99, 'k9', 5) r) x;
SELECT * FROM fsj(1, 'k2', 10);
SELECT * FROM fsj(2, 'k0', 10);
-- a column the subquery does not select
\set VERBOSITY terse
SELECT feature_ext.deploy('fsj2', $$
  select s.id, s.nope from (select lm.id, lj.c3 from lm last join lj order by lj.ts on lm.k = lj.k) as s$$);
\set VERBOSITY default
SELECT feature_ext.undeploy('fsj');
DROP TABLE lm, lj, lk;
-- Review fixes (test/scripts/review_fr.sh), each against PostgreSQL's executor.
CREATE FUNCTION deploy_err(q text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM feature_ext.deploy('fsx', q);
  PERFORM feature_ext.undeploy('fsx');
  RETURN 'deployed';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $f$;
-- Computed expressions as PostgreSQL's planner leaves them: a default
-- argument filled, named arguments ordered, COLLATE (a call relying on the
-- default crashed the backend; named arguments and COLLATE were errors)
CREATE FUNCTION fs_def(a int8, s text DEFAULT 'abc') RETURNS int8 LANGUAGE plpgsql IMMUTABLE
  AS 'BEGIN RETURN a * 1000 + length(s); END';
SELECT feature_ext.deploy('fsargs', $$
  SELECT k, x, y, kk, sum(v) OVER w AS sv
    FROM (SELECT k, ts, v, fs_def(v) AS x, fs_def(s => 'hello', a => v) AS y, k COLLATE "C" AS kk FROM fm) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM fsargs(1, 'k0', 0, 5000, NULL, 21, NULL);
SELECT (SELECT row(x.*)::text FROM fsargs(1, 'k0', 0, 5000, NULL, 21, NULL) x) =
       (SELECT row(k, x, y, kk, sv)::text FROM (
          SELECT k, ts, fs_def(v) AS x, fs_def(s => 'hello', a => v) AS y, k COLLATE "C" AS kk,
                 sum(v) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS sv
            FROM (SELECT k, ts, v FROM fm WHERE k = 'k0' UNION ALL SELECT 'k0', 5000, 21) a) b WHERE ts = 5000) AS same;
-- A plain column the subquery renames: union columns match the subquery's
-- names (id is fm.v here, v is fm.id), never the table's
CREATE TABLE fr2 (k text, g int4, t timestamp, v int4, id int8) USING feature_store;
CREATE INDEX ON fr2 USING skiplist (g, t);
INSERT INTO fr2 SELECT k, g, t, id, v FROM fu;
SELECT feature_ext.deploy('fsren', $$
  SELECT g, t, id, sum(id) OVER w AS sid, count(*) OVER w AS n
    FROM (select v as id, k, int(gf) as g, timestamp(tstr) as t, id as v from fm)
  WINDOW w AS (UNION (select k, g, t, v, id from fr2)
               PARTITION BY g ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$);
SELECT * FROM fsren(7, 'k0', 1.2, 500, '2020-05-29 15:04:00', 5, NULL);
SELECT sid, n FROM (
  SELECT src, sum(id) OVER w AS sid, count(*) OVER w AS n
    FROM (SELECT TIMESTAMP '2020-05-29 15:04:00' AS t, 5::int8 AS id, 1 AS src
          UNION ALL SELECT t, id, 0 FROM fr2 WHERE g = 1 AND t <= '2020-05-29 15:04:00') a
  WINDOW w AS (ORDER BY t, src ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) b WHERE src = 1;
-- (fu's v and id have the table's types, not the subquery's: refused)
SELECT deploy_err($$SELECT g, sum(id) OVER w AS sid
    FROM (select v as id, k, int(gf) as g, timestamp(tstr) as t, id as v from fm)
  WINDOW w AS (UNION (select k, g, t, v, id from fu)
               PARTITION BY g ORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$);
-- A computed column the query does not read is never evaluated (fm's row
-- with v = 21 would divide by zero), in requests and batch; a volatile one
-- is evaluated once per request only (training_set: the label rows, not the
-- table's stored rows)
SELECT feature_ext.deploy('fsun', $$
  SELECT k, sum(v) OVER w AS sv FROM (SELECT k, ts, v, 10 / (v - 21) AS bad FROM fm) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT sv FROM fsun(1, 'k0', 0, 5000, NULL, 21, NULL);
SELECT (SELECT array_agg(row(x.*)::text ORDER BY row(x.*)::text) FROM fsun_batch('SELECT * FROM fm') x) =
       (SELECT array_agg(row(k, sv)::text ORDER BY row(k, sv)::text) FROM (
          SELECT k, sum(v) OVER w AS sv FROM (SELECT k, ts, v, 10 / (v - 21) AS bad FROM fm) s
          WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y) AS batch_same;
SELECT feature_ext.deploy('fserr', $$
  SELECT k, q, sum(v) OVER w AS sv FROM (SELECT k, ts, v, 10 / (v - 21) AS q FROM fm) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT count(*) AS n FROM feature_ext.training_set('fserr', 'SELECT * FROM fm WHERE v <> 21', NULL::fserr_result);
SELECT (SELECT array_agg(row(x.*)::text ORDER BY row(x.*)::text)
          FROM feature_ext.training_set('fserr', 'SELECT * FROM fm WHERE v <> 21 AND id > 110', NULL::fserr_result) x) =
       (SELECT array_agg((SELECT row(x.*)::text FROM fserr(r.id, r.k, r.gf, r.ts, r.tstr, r.v, r.d) x)
                         ORDER BY (SELECT row(x.*)::text FROM fserr(r.id, r.k, r.gf, r.ts, r.tstr, r.v, r.d) x))
          FROM fm r WHERE v <> 21 AND id > 110) AS training_same;
CREATE SEQUENCE fs_seq;
SELECT feature_ext.deploy('fsseq', $$
  SELECT k, n, sum(v) OVER w AS sv FROM (SELECT k, ts, v, nextval('fs_seq') AS n, nextval('fs_seq') * 0 AS unused FROM fm) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT n FROM fsseq(1, 'k0', 0, 5000, NULL, 21, NULL);
SELECT count(*) FROM feature_ext.training_set('fsseq', 'SELECT * FROM fm WHERE id < 103', NULL::fsseq_result);
SELECT last_value AS calls FROM fs_seq;  -- 1 request + 2 label rows
-- An aggregate over a computed column in an INSTANCE_NOT_IN_WINDOW union
-- window beside a window over the table's stored rows (the check is per
-- window function)
SELECT feature_ext.deploy('fstwo', $$
  SELECT g, sum(c) OVER w AS sc, count(*) OVER w2 AS n2
    FROM (SELECT k, ts, CAST(gf AS int4) AS g, CAST(tstr AS timestamp) AS t, v * 3 AS c, v FROM fm) s
  WINDOW w AS (PARTITION BY g, feature_ext.window_union('fu'::regclass, 'g, t, v * 3 AS c, v'),
                            feature_ext.instance_not_in_window()
               ORDER BY t RANGE BETWEEN INTERVAL '30 seconds' PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM fstwo(901, 'k1', 1.3, 15, '2020-05-29 15:00:30', 4, NULL);
SELECT 1 AS g,
       (SELECT 3 * 4 + sum(v * 3) FROM fu WHERE g = 1 AND t BETWEEN '2020-05-29 15:00:00' AND '2020-05-29 15:00:30') AS sc,
       1 + (SELECT count(*) FROM (SELECT 1 FROM fm WHERE k = 'k1' AND ts <= 15 ORDER BY ts DESC LIMIT 2) z) AS n2;
-- ... and over a window that reads the table's stored rows: computed per
-- stored row (sql/deploy_from_subquery_rows.sql)
SELECT deploy_err($$SELECT g, sum(c) OVER w2 AS sc
    FROM (SELECT k, ts, CAST(gf AS int4) AS g, CAST(tstr AS timestamp) AS t, v * 3 AS c, v FROM fm) s
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- Refused at deploy (0A000), saying what: a whole-row reference, and a
-- subquery that is more than a projection of the table (both dialects)
SELECT deploy_err($$SELECT k, r, sum(v) OVER w AS sv FROM (SELECT k, ts, v, fm AS r FROM fm) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT n, deploy_err(format($$SELECT k, c, sum(v) OVER w AS sv FROM (%s) s
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$, sub))
  FROM (VALUES ('where', 'SELECT k, ts, v, v * 2 AS c FROM fm WHERE v > 3'),
               ('distinct', 'SELECT DISTINCT k, ts, v, v * 2 AS c FROM fm'),
               ('limit', 'SELECT k, ts, v, v * 2 AS c FROM fm LIMIT 5'),
               ('order_by', 'SELECT k, ts, v, v * 2 AS c FROM fm ORDER BY ts'),
               ('aggregate', 'SELECT k, max(ts) AS ts, sum(v) AS v, count(*) AS c FROM fm GROUP BY k'),
               ('for_update', 'SELECT k, ts, v, v * 2 AS c FROM fm FOR UPDATE'),
               ('for_share', 'SELECT k, ts, v, v * 2 AS c FROM fm FOR SHARE')) s(n, sub);
SELECT n, deploy_err(format($$SELECT k, g, sum(v) OVER w AS sv FROM (%s)
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)$$, sub))
  FROM (VALUES ('where', 'select k, int(gf) as g, ts, v from fm where v > 3'),
               ('distinct', 'select distinct k, int(gf) as g, ts, v from fm'),
               ('limit', 'select k, int(gf) as g, ts, v from fm limit 5')) s(n, sub);
DROP FUNCTION deploy_err(text);
SELECT feature_ext.undeploy(n) FROM unnest(ARRAY['fsargs', 'fsren', 'fsun', 'fserr', 'fsseq', 'fstwo']) n;
DROP FUNCTION fs_def(int8, text);
DROP SEQUENCE fs_seq;
DROP TABLE fr2;

SELECT feature_ext.undeploy('fsm');
SELECT feature_ext.undeploy('fsp');
SELECT feature_ext.undeploy('fsr');
SELECT feature_ext.undeploy('fsd');
DROP TABLE fm, fu, freq, results CASCADE;
DROP FUNCTION native_rows(int8);
