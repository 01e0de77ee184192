-- A WINDOW UNION over a LAST JOIN's result (OpenMLDB's
-- test_lastjoin_complex.yaml 2 and 3; docs/DEPLOY.md "Union windows over a
-- LAST JOIN's result"): the union table carries the joined columns; its rows
-- supply them themselves, the deployment's rows (stored and the request) read
-- the request's joined row (the join reads only the PARTITION BY column).
SET client_min_messages = warning;
CREATE TABLE lj1 (id int, c1 text, c3 int, c4 bigint, c7 timestamp) USING feature_store;
CREATE TABLE lj2 (d1 text, d4 bigint, d7 timestamp) USING feature_store;
CREATE TABLE lj3 (id int, c1 text, c3 int, c4 bigint, c7 timestamp, d1 text, d4 bigint, d7 timestamp) USING feature_store;
CREATE TABLE lj4 (id int, c1 text, c3 int, c4 bigint, c7 timestamp, d4 bigint) USING feature_store;
CREATE TABLE lj5 (d1 text, d7 timestamp) USING feature_store;
CREATE INDEX ON lj1 USING skiplist (c1, c7);
CREATE INDEX ON lj2 USING skiplist (d1, d7);
CREATE INDEX ON lj3 USING skiplist (c1, c7);
CREATE INDEX ON lj4 USING skiplist (c1, c7);
CREATE INDEX ON lj5 USING skiplist (d1, d7);
INSERT INTO lj2 VALUES ('aa', 30, 'epoch'::timestamp + interval '1590738990000 ms'),
  ('aa', 32, 'epoch'::timestamp + interval '1590738990002 ms'), ('bb', 34, 'epoch'::timestamp + interval '1590738990004 ms');
INSERT INTO lj3 VALUES (2, 'aa', 21, 31, 'epoch'::timestamp + interval '1590738990001 ms', 'aa', 31, 'epoch'::timestamp + interval '1590738990001 ms'),
  (4, 'bb', 23, 33, 'epoch'::timestamp + interval '1590738990003 ms', 'bb', 32, 'epoch'::timestamp + interval '1590738990003 ms');
INSERT INTO lj4 SELECT id, c1, c3, c4, c7, d4 FROM lj3;
INSERT INTO lj5 VALUES ('aa', 'epoch'::timestamp + interval '1590738990001 ms'), ('bb', 'epoch'::timestamp + interval '1590738990003 ms');
-- case 2 (ROWS and ROWS_RANGE) and a wider frame that holds stored rows of lj1
SELECT feature_ext.deploy('lju_rows', $$select id, lj1.c1, lj1.c3, lj2.d4, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION lj3 PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('lju_range', $$select id, lj1.c1, lj1.c3, lj2.d4, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION lj3 PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS_RANGE BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('lju_wide', $$select id, sum(lj2.d4) OVER w1 as s, count(lj2.d7) OVER w1 as n,
  max(lj2.d4 - lj1.c4) OVER w1 as m, lag(lj2.d4, 1) OVER w1 as l1
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION lj3 PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$);
-- case 3: the union is a subquery with its own LAST JOIN; the window reads d4, lj4's own column
SELECT feature_ext.deploy('lju_sub', $$select id, lj1.c1, lj1.c3, lj2.d4, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION (select id, c1, c3, c4, c7, d1, d4, d7 from lj4 last join lj5 ORDER BY lj5.d7 on lj4.c1 = lj5.d1)
  PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- the replay: each request, then its row stored (JIT on and off)
CREATE TABLE ljreq (id int, c1 text, c3 int, c4 bigint, c7 timestamp);
INSERT INTO ljreq VALUES (1, 'aa', 20, 30, 'epoch'::timestamp + interval '1590738990000 ms'),
  (3, 'aa', 22, 32, 'epoch'::timestamp + interval '1590738990002 ms'), (5, 'bb', 24, 34, 'epoch'::timestamp + interval '1590738990004 ms'),
  (6, 'aa', 25, 35, 'epoch'::timestamp + interval '1590738990009 ms');
CREATE TABLE ljout (jit text, id int, r text, s text, sub text, wide text);
-- (one statement per step: a request sees the rows committed before it)
SET feature_ext.jit = on;
INSERT INTO ljout SELECT 'on', r.id, (SELECT row(x.*)::text FROM lju_rows(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_range(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_sub(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_wide(r.id, r.c1, r.c3, r.c4, r.c7) x) FROM ljreq r WHERE r.id = 1;
SET feature_ext.jit = off;
INSERT INTO ljout SELECT 'off', r.id, (SELECT row(x.*)::text FROM lju_rows(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_range(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_sub(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_wide(r.id, r.c1, r.c3, r.c4, r.c7) x) FROM ljreq r WHERE r.id = 1;
INSERT INTO lj1 SELECT * FROM ljreq WHERE id = 1;
SET feature_ext.jit = on;
INSERT INTO ljout SELECT 'on', r.id, (SELECT row(x.*)::text FROM lju_rows(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_range(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_sub(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_wide(r.id, r.c1, r.c3, r.c4, r.c7) x) FROM ljreq r WHERE r.id = 3;
SET feature_ext.jit = off;
INSERT INTO ljout SELECT 'off', r.id, (SELECT row(x.*)::text FROM lju_rows(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_range(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_sub(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_wide(r.id, r.c1, r.c3, r.c4, r.c7) x) FROM ljreq r WHERE r.id = 3;
INSERT INTO lj1 SELECT * FROM ljreq WHERE id = 3;
SET feature_ext.jit = on;
INSERT INTO ljout SELECT 'on', r.id, (SELECT row(x.*)::text FROM lju_rows(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_range(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_sub(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_wide(r.id, r.c1, r.c3, r.c4, r.c7) x) FROM ljreq r WHERE r.id = 5;
SET feature_ext.jit = off;
INSERT INTO ljout SELECT 'off', r.id, (SELECT row(x.*)::text FROM lju_rows(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_range(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_sub(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_wide(r.id, r.c1, r.c3, r.c4, r.c7) x) FROM ljreq r WHERE r.id = 5;
INSERT INTO lj1 SELECT * FROM ljreq WHERE id = 5;
SET feature_ext.jit = on;
INSERT INTO ljout SELECT 'on', r.id, (SELECT row(x.*)::text FROM lju_rows(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_range(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_sub(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_wide(r.id, r.c1, r.c3, r.c4, r.c7) x) FROM ljreq r WHERE r.id = 6;
SET feature_ext.jit = off;
INSERT INTO ljout SELECT 'off', r.id, (SELECT row(x.*)::text FROM lju_rows(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_range(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_sub(r.id, r.c1, r.c3, r.c4, r.c7) x), (SELECT row(x.*)::text FROM lju_wide(r.id, r.c1, r.c3, r.c4, r.c7) x) FROM ljreq r WHERE r.id = 6;
INSERT INTO lj1 SELECT * FROM ljreq WHERE id = 6;
RESET feature_ext.jit;
-- OpenMLDB's answers 32, 63 for ids 1, 3; for id 5 the case expects 67 = 34 + 33 (lj3's c4, not its d4 32): we answer 66
SELECT * FROM ljout ORDER BY id, jit;
-- JIT on and off agree
SELECT count(*) FROM ljout a JOIN ljout b ON a.id = b.id AND a.jit = 'on' AND b.jit = 'off'
 WHERE (a.r, a.s, a.sub, a.wide) IS DISTINCT FROM (b.r, b.s, b.sub, b.wide);
-- PostgreSQL's executor for lju_wide's request 6: lj1's rows joined (the newest lj2 row of the key,
-- as every row of the partition), lj3's rows with their own d4 / d7
SELECT sum(d4) AS s, count(d7) AS n, max(d4 - c4) AS m FROM (
  SELECT t.c7, j.d4, j.d7, t.c4 FROM (SELECT * FROM lj1 WHERE c1 = 'aa' AND id < 6
                                     UNION ALL SELECT 6, 'aa', 25, 35, 'epoch'::timestamp + interval '1590738990009 ms') t
    LEFT JOIN LATERAL (SELECT * FROM lj2 WHERE lj2.d1 = t.c1 ORDER BY d7 DESC LIMIT 1) j ON true
  UNION ALL SELECT c7, d4, d7, c4 FROM lj3 WHERE c1 = 'aa') u;
-- offline: _batch() over the final lj1 equals the replay (lj2 did not change)
SET feature_ext.jit = on;
SELECT row(b.*)::text = o.r AS same, b.* FROM lju_rows_batch() b JOIN ljout o ON o.id = b.id AND o.jit = 'on' ORDER BY b.id;
SELECT row(b.*)::text = o.wide AS same FROM lju_wide_batch() b JOIN ljout o ON o.id = b.id AND o.jit = 'on' ORDER BY b.id;
SET feature_ext.jit = off;
SELECT row(b.*)::text = o.sub AS same FROM lju_sub_batch() b JOIN ljout o ON o.id = b.id AND o.jit = 'off' ORDER BY b.id;
SELECT row(b.*)::text = o.s AS same FROM lju_range_batch() b JOIN ljout o ON o.id = b.id AND o.jit = 'off' ORDER BY b.id;
-- training_set() (source rows in time order, as of each row's time) equals the replay too
CREATE TYPE lju_wide_row AS (id int, s bigint, n bigint, m bigint, l1 bigint);
CREATE TYPE lju_sub_row AS (id int, c1 text, c3 int, d4 bigint, s bigint);
SET feature_ext.jit = on;
SELECT t.id, row(t.*)::text = o.wide AS same FROM feature_ext.training_set('lju_wide', 'lj1', NULL::lju_wide_row) t
  JOIN ljout o ON o.id = t.id AND o.jit = 'on' ORDER BY t.id;
SET feature_ext.jit = off;
SELECT t.id, row(t.*)::text = o.sub AS same FROM feature_ext.training_set('lju_sub', 'lj1', NULL::lju_sub_row) t
  JOIN ljout o ON o.id = t.id AND o.jit = 'off' ORDER BY t.id;
RESET feature_ext.jit;

-- Windows reading no joined column over a union table carrying them (lj3's d1 / d4 / d7 are not
-- decoded; the union rows need no joined row): requests (ROWS frame, keys aa / bb / none; a NULL key, refused in requests, in training_set()),
-- _batch() and training_set(), JIT on and off, against PostgreSQL's executor over the UNION ALL
SELECT feature_ext.deploy('lju_nojoin', $$select id, lj2.d4, sum(lj1.c4) OVER w1 as s, count(*) OVER w1 as n, max(c3) OVER w1 as m
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION lj3 PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
INSERT INTO lj1 VALUES (7, NULL, 26, 36, 'epoch'::timestamp + interval '1590738990010 ms');
SET feature_ext.jit = on;
SELECT k, row(x.s, x.n, x.m)::text = (SELECT row(sum(c4), count(*), max(c3))::text FROM (SELECT c4, c3 FROM (
    SELECT c4, c3, c7 FROM lj1 WHERE c1 IS NOT DISTINCT FROM k UNION ALL SELECT c4, c3, c7 FROM lj3 WHERE c1 IS NOT DISTINCT FROM k
    UNION ALL SELECT 37, 27, 'epoch'::timestamp + interval '1590738990020 ms') r ORDER BY c7 DESC LIMIT 3) q) AS same_jit_on, x.*
  FROM (VALUES ('aa'), ('bb'), ('zz')) v(k), LATERAL lju_nojoin(9, k, 27, 37, 'epoch'::timestamp + interval '1590738990020 ms') x ORDER BY k;
SET feature_ext.jit = off;
SELECT k, row(x.s, x.n, x.m)::text = (SELECT row(sum(c4), count(*), max(c3))::text FROM (SELECT c4, c3 FROM (
    SELECT c4, c3, c7 FROM lj1 WHERE c1 IS NOT DISTINCT FROM k UNION ALL SELECT c4, c3, c7 FROM lj3 WHERE c1 IS NOT DISTINCT FROM k
    UNION ALL SELECT 37, 27, 'epoch'::timestamp + interval '1590738990020 ms') r ORDER BY c7 DESC LIMIT 3) q) AS same_jit_off
  FROM (VALUES ('aa'), ('bb'), ('zz')) v(k), LATERAL lju_nojoin(9, k, 27, 37, 'epoch'::timestamp + interval '1590738990020 ms') x ORDER BY k;
-- _batch() (NULL keys left out) and training_set() (NULL keys partition together) against the executor
CREATE VIEW lju_nojoin_exec AS SELECT id, d4, s, n, m FROM (SELECT rq, id, d4, sum(c4) OVER w AS s, count(*) OVER w AS n, max(c3) OVER w AS m
  FROM (SELECT true AS rq, lj1.id, lj1.c1, lj1.c3, lj1.c4, lj1.c7, j.d4 FROM lj1
          LEFT JOIN LATERAL (SELECT d4 FROM lj2 WHERE lj2.d1 IS NOT DISTINCT FROM lj1.c1 ORDER BY d7 DESC LIMIT 1) j ON true
        UNION ALL SELECT false, id, c1, c3, c4, c7, NULL FROM lj3) u
  WINDOW w AS (PARTITION BY c1 ORDER BY c7, rq DESC ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x WHERE rq;
CREATE TYPE lju_nojoin_row AS (id int, d4 bigint, s bigint, n bigint, m int);
SET feature_ext.jit = on;
SELECT (SELECT string_agg(row(b.*)::text, ';' ORDER BY b.id) FROM lju_nojoin_batch() b)
     = (SELECT string_agg(row(e.*)::text, ';' ORDER BY e.id) FROM lju_nojoin_exec e WHERE e.id <> 7) AS batch_jit_on,
       (SELECT string_agg(row(t.*)::text, ';' ORDER BY t.id) FROM feature_ext.training_set('lju_nojoin', 'lj1', NULL::lju_nojoin_row) t)
     = (SELECT string_agg(row(e.*)::text, ';' ORDER BY e.id) FROM lju_nojoin_exec e) AS training_set_jit_on;
SET feature_ext.jit = off;
SELECT (SELECT string_agg(row(b.*)::text, ';' ORDER BY b.id) FROM lju_nojoin_batch() b)
     = (SELECT string_agg(row(e.*)::text, ';' ORDER BY e.id) FROM lju_nojoin_exec e WHERE e.id <> 7) AS batch_jit_off,
       (SELECT string_agg(row(t.*)::text, ';' ORDER BY t.id) FROM feature_ext.training_set('lju_nojoin', 'lj1', NULL::lju_nojoin_row) t)
     = (SELECT string_agg(row(e.*)::text, ';' ORDER BY e.id) FROM lju_nojoin_exec e) AS training_set_jit_off;
RESET feature_ext.jit;
SELECT * FROM lju_nojoin_batch() ORDER BY id;
DELETE FROM lj1 WHERE id = 7;
DROP VIEW lju_nojoin_exec;
-- The PostgreSQL dialect's spelling: LEFT JOIN LATERAL (the newest lj2 row of the key) + the
-- window_union modifier; lj3's rows read their own d4, lj1's rows and the request the request's
-- joined row: PostgreSQL's executor over the same rows
SELECT feature_ext.deploy('lju_pg', $$SELECT lj1.id, sum(j.d4) OVER w AS s, count(j.d7) OVER w AS n FROM lj1
  LEFT JOIN LATERAL (SELECT d1, d4, d7 FROM lj2 WHERE lj2.d1 = lj1.c1 AND lj2.d7 IS NOT NULL ORDER BY d7 DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY lj1.c1, feature_ext.window_union('lj3'::regclass) ORDER BY lj1.c7 ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$);
SELECT k, row(x.s, x.n)::text = (SELECT row(sum(d4), count(d7))::text FROM (
    SELECT j.d4, j.d7 FROM (SELECT c1 FROM lj1 WHERE c1 = k UNION ALL SELECT k) t
      LEFT JOIN LATERAL (SELECT * FROM lj2 WHERE lj2.d1 = t.c1 ORDER BY d7 DESC LIMIT 1) j ON true
    UNION ALL SELECT d4, d7 FROM lj3 WHERE c1 = k) u) AS same, x.s, x.n
  FROM (VALUES ('aa'), ('bb')) v(k), LATERAL lju_pg(9, k, 27, 37, 'epoch'::timestamp + interval '1590738990020 ms') x ORDER BY k;

-- Refusals.
\set VERBOSITY terse
-- a union subquery's LAST JOIN column read by a window function (0A000)
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s, count(lj2.d7) OVER w1 as n
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION (select id, c1, c3, c4, c7, d1, d4, d7 from lj4 last join lj5 ORDER BY lj5.d7 on lj4.c1 = lj5.d1)
  PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- a column of the union subquery that is neither lj4's nor joined
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION (select id, c1, c3, c4, c7, d4, zz from lj4 last join lj5 ORDER BY lj5.d7 on lj4.c1 = lj5.d1)
  PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- the union subquery's LAST JOIN table must exist (bound by OID)
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION (select id, c1, c3, c4, c7, d1, d4, d7 from lj4 last join lj_none ORDER BY lj_none.d7 on lj4.c1 = lj_none.d1)
  PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- and cannot be dropped while the deployment exists
DROP TABLE lj5;
-- SELECT on it is checked at every call
CREATE ROLE lju_reader;
GRANT SELECT ON lj1, lj2, lj4 TO lju_reader;
SET ROLE lju_reader;
SELECT s FROM lju_sub(9, 'aa', 1, 1, 'epoch'::timestamp + interval '1590738990009 ms');
RESET ROLE;
GRANT SELECT ON lj5 TO lju_reader;
SET ROLE lju_reader;
SELECT s FROM lju_sub(9, 'aa', 1, 1, 'epoch'::timestamp + interval '1590738990009 ms');
RESET ROLE;
REVOKE ALL ON lj1, lj2, lj4, lj5 FROM lju_reader;
DROP ROLE lju_reader;
-- a union table with the joined columns but no join (42804)
SELECT feature_ext.deploy('ljbad', $$select id, sum(c4) OVER w1 as s from lj1
  WINDOW w1 AS (UNION lj3 PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- a joined column of another type in the union table (42804)
CREATE TABLE lj6 (id int, c1 text, c3 int, c4 bigint, c7 timestamp, d4 int) USING feature_store;
CREATE INDEX ON lj6 USING skiplist (c1, c7);
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION lj6 PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- the union table's index does not hold the joined column (0A000)
CREATE TABLE lj7 (id int, c1 text, c3 int, c4 bigint, c7 timestamp, d4 bigint) USING feature_store;
CREATE INDEX ON lj7 USING skiplist (c1, c7) INCLUDE (id, c3, c4);
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION lj7 PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- a union table carrying d4 but not d7 while a window function reads lj2.d7 (42804): its rows
-- would take the request's joined d7
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s, count(lj2.d7) OVER w1 as n
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION lj4 PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- a joined column named like a column of lj1 (lj2c.c4): the union table's c4 is lj1's (42804)
CREATE TABLE lj2c (d1 text, c4 bigint, d7 timestamp) USING feature_store;
CREATE INDEX ON lj2c USING skiplist (d1, d7);
CREATE TABLE ljc (id int, c1 text, c3 int, c4 bigint, c7 timestamp) USING feature_store;
CREATE INDEX ON ljc USING skiplist (c1, c7);
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2c.c4) OVER w1 as s
  from lj1 last join lj2c ORDER BY lj2c.d7 on lj1.c1 = lj2c.d1
  WINDOW w1 AS (UNION ljc PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- a clause after the union subquery's LAST JOIN ON condition (0A000, not dropped)
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION (select id, c1, c3, c4, c7, d4 from lj4 last join lj5 ORDER BY lj5.d7 on lj4.c1 = lj5.d1 where lj4.c3 > 100)
  PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION (select id, c1, c3, c4, c7, d4 from lj4 last join lj5 ORDER BY lj5.d7 on lj4.c1 = lj5.d1 limit 1)
  PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- a listed column that the union subquery's LAST JOIN table has not (42703)
CREATE TABLE lj8 (e1 text, e7 timestamp) USING feature_store;
SELECT feature_ext.deploy('ljbad', $$select id, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION (select id, c1, c3, c4, c7, d4, d1 from lj4 last join lj8 ORDER BY lj8.e7 on lj4.c1 = lj8.e1)
  PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
-- the union table's columns the plan maps (the joined d4 it carries, the
-- deployment's columns it provides by name, read or not: a plan made again
-- without one is refused) cannot be dropped or retyped while the deployment
-- exists, as a view's (2BP01 / 0A000); the call still answers
CREATE TABLE lj9 (id int, c1 text, c3 int, c4 bigint, c7 timestamp, d1 text, d4 bigint) USING feature_store;
CREATE INDEX ON lj9 USING skiplist (c1, c7);
SELECT feature_ext.deploy('lju_drop', $$select id, sum(lj2.d4) OVER w1 as s
  from lj1 last join lj2 ORDER BY lj2.d7 on lj1.c1 = lj2.d1
  WINDOW w1 AS (UNION lj9 PARTITION BY lj1.c1 ORDER BY lj1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
SELECT s FROM lju_drop(9, 'aa', 1, 1, 'epoch'::timestamp + interval '1590738990009 ms');
ALTER TABLE lj9 DROP COLUMN d4;
ALTER TABLE lj9 ALTER COLUMN d4 TYPE int;
ALTER TABLE lj9 DROP COLUMN c7;
ALTER TABLE lj9 DROP COLUMN c3;
SELECT s FROM lju_drop(9, 'aa', 1, 1, 'epoch'::timestamp + interval '1590738990009 ms');
\set VERBOSITY default
DROP TABLE lj1, lj2, lj2c, ljc, lj3, lj4, lj5, lj6, lj7, lj8, lj9, ljreq, ljout CASCADE;
DROP TYPE lju_wide_row, lju_sub_row, lju_nojoin_row;
SELECT count(*) AS deployments_left FROM feature_ext.deployment WHERE name::text LIKE '%lju%';
