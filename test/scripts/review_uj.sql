-- Adversarial review of branch uj (issue 16: WINDOW UNION over a LAST JOIN's
-- result; OpenMLDB's UNION (SELECT ... FROM t3 LAST JOIN t4 ...) as the
-- 3-argument feature_ext.window_union).  Every probe prints "ok NAME",
-- "NOTE NAME: ..." or "BUG NAME: observed ... / expected ...".  Expectations:
-- PostgreSQL's executor over t1's rows LEFT JOIN LATERAL t2's newest row of
-- the key (IS NOT DISTINCT FROM, the dialect's key equality) UNION ALL the
-- union table's rows with their own joined columns (docs/DEPLOY.md "Union
-- windows over a LAST JOIN's result"), or values computed by hand (stated).
SET client_min_messages = warning;
CREATE FUNCTION chk(name text, got text, want text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN got IS NOT DISTINCT FROM want THEN 'ok ' || name
              ELSE 'BUG ' || name || ': observed ' || coalesce(got, 'NULL') || ' / expected ' || coalesce(want, 'NULL') END $$;
CREATE FUNCTION run(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE 'SELECT string_agg(rv_r::text, '';'' ORDER BY rv_r::text) FROM (' || sql || ') rv_r' INTO r;
  RETURN coalesce(r, '(none)');
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION try_exec(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'done';
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION dep(name text, q text, opts jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM feature_ext.deploy(name, q, opts);
  RETURN 'deployed';
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION ts(n int) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$ SELECT timestamp '2020-01-01' + n * interval '1 second' $$;
CREATE TABLE t1 (id int, c1 text, c3 int, c4 bigint, c7 timestamp) USING feature_store;
CREATE TABLE t2 (d1 text, d3 int, d4 bigint, d7 timestamp) USING feature_store;
-- t3: t1's columns plus d4/d7/d1, in another order
CREATE TABLE t3 (d7 timestamp, c7 timestamp, d4 bigint, id int, c4 bigint, c1 text, d1 text, c3 int) USING feature_store;
CREATE INDEX ON t1 USING skiplist (c1, c7);
CREATE INDEX ON t2 USING skiplist (d1, d7);
CREATE INDEX ON t3 USING skiplist (c1, c7);
INSERT INTO t1 VALUES (1,'a',1,10,ts(10)),(2,'a',2,20,ts(20)),(3,'b',3,30,ts(30)),(4,NULL,4,40,ts(40)),(5,'c',5,50,ts(50)),(6,NULL,6,60,ts(60));
INSERT INTO t2 VALUES ('a',1,100,ts(5)),('a',2,200,ts(25)),('b',3,300,ts(1)),(NULL,4,400,ts(1)),('a',9,NULL,ts(2));
INSERT INTO t3 VALUES (ts(1),ts(15),1000,11,110,'a','a',1),(ts(2),ts(35),NULL,12,120,'a','a',2),(ts(3),ts(45),3000,13,130,NULL,NULL,3),
  (ts(4),ts(55),4000,14,140,'c','c',4),(NULL,ts(65),5000,15,150,'c',NULL,5);
-- PostgreSQL's executor: t1's rows of the key + the request, each LAST JOINed to t2's newest row of the key, union t3's rows with their own joined columns
CREATE FUNCTION ref(agg text, k text, t timestamp, c4 bigint, frame text DEFAULT 'ROWS BETWEEN 3 PRECEDING AND CURRENT ROW', t3n text DEFAULT 't3', extra text DEFAULT '') RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format($q$SELECT v::text FROM (SELECT rq, %s OVER (ORDER BY c7 %s) AS v FROM (
      SELECT x.rq, x.c7, x.c4, j.d4, j.d7, j.d3 FROM (SELECT false AS rq, c7, c4, c1 FROM t1 WHERE c1 IS NOT DISTINCT FROM $1 %s
                   UNION ALL SELECT true, $2, $3, $1) x
        LEFT JOIN LATERAL (SELECT * FROM t2 WHERE t2.d1 = x.c1 ORDER BY d7 DESC LIMIT 1) j ON true
      UNION ALL SELECT false, c7, c4, d4, d7, NULL::int FROM %s WHERE c1 IS NOT DISTINCT FROM $1) u) w WHERE rq$q$, agg, frame, extra, t3n)
    INTO r USING k, t, c4;
  RETURN r;
END $$;
-- ---- requests vs the executor, JIT on and off
SELECT dep('w1', $$select id, sum(t2.d4) OVER w as s, count(t2.d7) OVER w as n, max(t2.d4 - t1.c4) OVER w as m, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.jit = on;
SELECT chk('w1_jit_on_'||k||'_'||t, (SELECT row(s,n,m,sc)::text FROM w1(99, k, 0, 7, ts(t))),
  row(ref('sum(d4)',k,ts(t),7)::bigint, ref('count(d7)',k,ts(t),7)::bigint, ref('max(d4-c4)',k,ts(t),7)::bigint, ref('sum(c4)',k,ts(t),7)::bigint)::text)
 FROM (VALUES ('a',70),('a',12),('a',40),('b',70),('c',70),('zz',70),('c',1)) v(k,t);
SET feature_ext.jit = off;
SELECT chk('w1_jit_off_'||k||'_'||t, (SELECT row(s,n,m,sc)::text FROM w1(99, k, 0, 7, ts(t))),
  row(ref('sum(d4)',k,ts(t),7)::bigint, ref('count(d7)',k,ts(t),7)::bigint, ref('max(d4-c4)',k,ts(t),7)::bigint, ref('sum(c4)',k,ts(t),7)::bigint)::text)
 FROM (VALUES ('a',70),('a',12),('a',40),('b',70),('c',70),('zz',70),('c',1)) v(k,t);
RESET feature_ext.jit;
-- ---- batch() (NULL keys left out, as documented) and training_set() vs the executor
-- batch / training_set vs the executor over the whole table (NULL keys included: they partition together)
CREATE OR REPLACE VIEW bref AS SELECT id, s, n, m, sc FROM (SELECT rq, id,
   sum(d4) OVER w AS s, count(d7) OVER w AS n, max(d4 - c4) OVER w AS m, sum(c4) OVER w AS sc FROM (
   SELECT true AS rq, t1.id, t1.c1, t1.c7, t1.c4, j.d4, j.d7 FROM t1 LEFT JOIN LATERAL (SELECT * FROM t2 WHERE t2.d1 IS NOT DISTINCT FROM t1.c1 ORDER BY d7 DESC LIMIT 1) j ON true
   UNION ALL SELECT false, id, c1, c7, c4, d4, d7 FROM t3) u
   WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) x WHERE rq;
SET feature_ext.jit = on;
SELECT chk('w1_batch_jit_on', run('SELECT id, s, n, m, sc FROM w1_batch()'), run('SELECT * FROM bref WHERE id NOT IN (4, 6)'));
DROP TYPE IF EXISTS w1_row; CREATE TYPE w1_row AS (id int, s bigint, n bigint, m bigint, sc bigint);
SELECT chk('w1_training_set_jit_on', run($$SELECT * FROM feature_ext.training_set('w1', 't1', NULL::w1_row)$$), run('SELECT * FROM bref'));
SET feature_ext.jit = off;
SELECT chk('w1_batch_jit_off', run('SELECT id, s, n, m, sc FROM w1_batch()'), run('SELECT * FROM bref WHERE id NOT IN (4, 6)'));
SELECT chk('w1_training_set_jit_off', run($$SELECT * FROM feature_ext.training_set('w1', 't1', NULL::w1_row)$$), run('SELECT * FROM bref'));
RESET feature_ext.jit;
-- ---- refusals; EXCLUDE CURRENT_ROW + MAXSIZE + INSTANCE_NOT_IN_WINDOW
-- join condition not only on the partition column: stored rows would join other rows
SELECT chk('join_not_on_partition_refused_or_right', left(dep('w2', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1 and t1.c3 = t2.d3
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$), 11), 'ERROR 0A000');
SELECT chk('join_time_cond_refused', left(dep('w2', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1 and t2.d7 <= t1.c7
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$), 11), 'ERROR 0A000');
-- EXCLUDE CURRENT_ROW + MAXSIZE + INSTANCE_NOT_IN_WINDOW with the union's own joined columns
SELECT dep('w3', $$select id, sum(t2.d4) OVER w as s, count(t2.d7) OVER w as n
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS_RANGE BETWEEN 100s PRECEDING AND CURRENT ROW MAXSIZE 3 EXCLUDE CURRENT_ROW INSTANCE_NOT_IN_WINDOW)$$);
-- INSTANCE_NOT_IN_WINDOW: only the union rows + the request; MAXSIZE 3 keeps the 3 newest; EXCLUDE CURRENT_ROW drops the request
SET feature_ext.jit = on;
SELECT chk('w3_combined_jit_on_a', (SELECT row(s,n)::text FROM w3(99, 'a', 0, 7, ts(70))), row(1000::bigint + 0, 2::bigint)::text);
SET feature_ext.jit = off;
SELECT chk('w3_combined_jit_off_a', (SELECT row(s,n)::text FROM w3(99, 'a', 0, 7, ts(70))), row(1000::bigint + 0, 2::bigint)::text);
RESET feature_ext.jit;
-- ---- union tables carrying joined columns that no window function reads; partial joined columns; DDL
-- union table with an extra joined column no window function reads, columns in another order: JIT (payload layout) vs executor
CREATE TABLE t5 (c4 bigint, d4 bigint, c1 text, id int, c7 timestamp, c3 int) USING feature_store;
CREATE INDEX ON t5 USING skiplist (c1, c7);
INSERT INTO t5 VALUES (500, 5, 'a', 21, ts(16), 1), (600, 6, 'a', 22, ts(17), 2);
SELECT dep('w4', $$select id, sum(c4) OVER w as sc, max(c3) OVER w as mc, count(*) OVER w as n
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t5 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.jit = on;
SELECT chk('w4_extra_unread_jit_on', run($$SELECT sc, mc, n FROM w4(99, 'a', 9, 7, ts(70))$$), '(1127,9,4)');
SET feature_ext.jit = off;
SELECT chk('w4_extra_unread_jit_off', run($$SELECT sc, mc, n FROM w4(99, 'a', 9, 7, ts(70))$$), '(1127,9,4)');
RESET feature_ext.jit;
-- a union table carrying d4 but not d7: count(t2.d7) over its rows would read the request's joined d7:
-- refused at deploy (42804, naming d7 and t5; docs/DEPLOY.md "Union windows over a LAST JOIN's result")
SELECT chk('w5_partial_joined_columns_refused', (dep('w5', $$select id, count(t2.d7) OVER w as n, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t5 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) LIKE 'ERROR 42804: %"d7"%"t5"%')::text, 'true');
-- DDL after deploy: the union table's joined column dropped / retyped / renamed, the joined table's column retyped
SELECT dep('w6', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT chk('w6_before_ddl', (SELECT s::text FROM w6(99, 'a', 9, 7, ts(70))), ref('sum(d4)', 'a', ts(70), 7));
CREATE TABLE t3b (LIKE t3) USING feature_store;
CREATE INDEX ON t3b USING skiplist (c1, c7);
INSERT INTO t3b SELECT * FROM t3;
SELECT dep('w7', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3b PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT try_exec('ALTER TABLE t3b RENAME COLUMN d4 TO d4x');
SELECT chk('w7_after_rename_union_col', left(run($$SELECT s FROM w7(99, 'a', 9, 7, ts(70))$$), 11), 'ERROR 42804');
SELECT try_exec('ALTER TABLE t3b RENAME COLUMN d4x TO d4');
-- t3b's d4 (a joined column it carries) cannot be retyped or dropped while
-- w7 exists (pg_depend, as for a view; the request's joined d4, 4 x 200,
-- never answers silently in its place)
SELECT chk('w7_retype_union_col_refused', left(try_exec('ALTER TABLE t3b ALTER COLUMN d4 TYPE int'), 11), 'ERROR 0A000');
SELECT chk('w7_after_retype_refused', run($$SELECT s FROM w7(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(d4)', 'a', ts(70), 7, t3n => 't3b') || ')');
SELECT chk('w7_drop_union_col_refused', left(try_exec('ALTER TABLE t3b DROP COLUMN d4'), 11), 'ERROR 2BP01');
SELECT chk('w7_after_drop_refused', run($$SELECT s FROM w7(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(d4)', 'a', ts(70), 7, t3n => 't3b') || ')');
SELECT dep('w4c', $$select id, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.jit = on;
SELECT chk('w4c_case2_shape_no_joined_read_jit_on', run($$SELECT sc FROM w4c(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(c4)', 'a', ts(70), 7) || ')');
SET feature_ext.jit = off;
SELECT chk('w4c_case2_shape_no_joined_read_jit_off', run($$SELECT sc FROM w4c(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(c4)', 'a', ts(70), 7) || ')');
SELECT chk('w4c_case2_shape_no_joined_read_batch', run($$SELECT id, sc FROM w4c_batch()$$), run('SELECT id, sc FROM bref WHERE id NOT IN (4, 6)'));
RESET feature_ext.jit;
-- ---- the union subquery with its own LAST JOIN (3-argument window_union)
CREATE TABLE t4 (d1 text, d7 timestamp, d9 int) USING feature_store;
CREATE INDEX ON t4 USING skiplist (d1, d7);
CREATE TABLE t7 (id int, c1 text, c3 int, c4 bigint, c7 timestamp, d4 bigint) USING feature_store;
CREATE INDEX ON t7 USING skiplist (c1, c7);
INSERT INTO t7 VALUES (31, 'a', 1, 700, ts(16), 7000), (32, 'a', 2, 800, ts(36), NULL);
SELECT dep('w8', $$select id, sum(t2.d4) OVER w as s, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d1, d4, d7 from t7 last join t4 ORDER BY t4.d7 on t7.c1 = t4.d1)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT query FROM feature_ext.deployment WHERE name::text = 'w8';
SELECT chk('w8_sub_join', (SELECT row(s, sc)::text FROM w8(99, 'a', 9, 7, ts(70))),
  row(ref('sum(d4)', 'a', ts(70), 7, t3n => 't7 LEFT JOIN LATERAL (SELECT d1, d7 FROM t4 WHERE t4.d1 = t7.c1 ORDER BY d7 DESC LIMIT 1) j4 ON true')::bigint,
      ref('sum(c4)', 'a', ts(70), 7, t3n => 't7 LEFT JOIN LATERAL (SELECT d1, d7 FROM t4 WHERE t4.d1 = t7.c1 ORDER BY d7 DESC LIMIT 1) j4 ON true')::numeric)::text);
-- t4's column renamed / retyped / dropped after deploy (not read: no effect expected, or a clean refusal)
SELECT try_exec('ALTER TABLE t4 RENAME COLUMN d7 TO d7x');
SELECT chk('w8_after_t4_rename', run($$SELECT s, sc FROM w8(99, 'a', 9, 7, ts(70))$$), '(7400,1527)');
SELECT try_exec('ALTER TABLE t4 DROP COLUMN d7x');
SELECT chk('w8_after_t4_dropcol', run($$SELECT s, sc FROM w8(99, 'a', 9, 7, ts(70))$$), '(7400,1527)');
SELECT try_exec('ALTER TABLE t4 RENAME TO t4r');
SELECT chk('w8_after_t4_rename_table', run($$SELECT s, sc FROM w8(99, 'a', 9, 7, ts(70))$$), '(7400,1527)');
SELECT query FROM feature_ext.deployment WHERE name::text = 'w8';
SELECT chk('w8_drop_t4_refused', left(try_exec('DROP TABLE t4r'), 11), 'ERROR 2BP01');
-- ties: a stored t1 row, a t3 row and the request at the same time; ROWS frames follow the documented tie order
-- (request, t1's rows, then union rows): 2 PRECEDING = request, t1 row (joined d4 = request's), t3 row (own d4)
INSERT INTO t1 VALUES (7, 'b', 7, 70, ts(80));
INSERT INTO t3 (d7, c7, d4, id, c4, c1, d1, c3) VALUES (ts(9), ts(80), 9000, 16, 160, 'b', 'b', 6);
SELECT dep('w9', $$select id, sum(t2.d4) OVER w as s, lag(t2.d4, 1) OVER w as l1, lag(t2.d4, 2) OVER w as l2
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.jit = on;
SELECT chk('w9_ties_jit_on', (SELECT row(s, l1, l2)::text FROM w9(99, 'b', 9, 7, ts(80))), '(9600,300,9000)');
SET feature_ext.jit = off;
SELECT chk('w9_ties_jit_off', (SELECT row(s, l1, l2)::text FROM w9(99, 'b', 9, 7, ts(80))), '(9600,300,9000)');
SELECT chk('w9_ties_batch', run($$SELECT id, s, l1, l2 FROM w9_batch() WHERE id = 7$$), '(7,9600,9000,300)');
RESET feature_ext.jit;
-- a chain of two LAST JOINs; the union table carries a column of each
CREATE TABLE t8 (e1 text, e5 bigint, e7 timestamp) USING feature_store;
CREATE INDEX ON t8 USING skiplist (e1, e7);
INSERT INTO t8 VALUES ('a', 11, ts(1)), ('a', 12, ts(2)), ('b', 13, ts(1));
CREATE TABLE t9 (id int, c1 text, c3 int, c4 bigint, c7 timestamp, e5 bigint, d4 bigint) USING feature_store;
CREATE INDEX ON t9 USING skiplist (c1, c7);
INSERT INTO t9 VALUES (41, 'a', 1, 1, ts(15), 1000, 2000), (42, 'a', 1, 1, ts(25), NULL, 3000);
SELECT dep('w10', $$select id, sum(t2.d4 + t8.e5) OVER w as s, sum(t8.e5) OVER w as s8
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1 last join t8 ORDER BY t8.e7 on t1.c1 = t8.e1
  WINDOW w AS (UNION t9 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
-- rows of a: t1 ts10 (200+12), t9 ts15 (2000+1000), t1 ts20 (212), t9 ts25 (3000+NULL), request ts70 (212)
SET feature_ext.jit = on;
SELECT chk('w10_chain_jit_on', (SELECT row(s, s8)::text FROM w10(99, 'a', 9, 7, ts(70))), '(3424,1024)');
SET feature_ext.jit = off;
SELECT chk('w10_chain_jit_off', (SELECT row(s, s8)::text FROM w10(99, 'a', 9, 7, ts(70))), '(3424,1024)');
RESET feature_ext.jit;
CREATE TABLE t6 (id int, c1 text, c3 int, c4 bigint, c7 timestamp) USING feature_store;
CREATE INDEX ON t6 USING skiplist (c1, c7);
INSERT INTO t6 VALUES (21, 'a', 1, 500, ts(16));
-- a column name in both t1 and the joined table (t2b.c4): the union table's c4 is t1's
CREATE TABLE t2b (d1 text, c4 bigint, d7 timestamp) USING feature_store;
CREATE INDEX ON t2b USING skiplist (d1, d7);
INSERT INTO t2b VALUES ('a', 5, ts(1));
-- t6's c4 is t1's, so its rows have no t2b.c4 of their own: refused (42804) rather than the request's 5
SELECT chk('w11_collision_refused', (dep('w11', $$select id, sum(t2b.c4) OVER w as s, sum(t1.c4) OVER w as s1
  from t1 last join t2b ORDER BY t2b.d7 on t1.c1 = t2b.d1
  WINDOW w AS (UNION t6 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) LIKE 'ERROR 42804: %"c4"%"t6"%')::text, 'true');
SELECT dep('w11b', $$select id, sum(t1.c4) OVER w as s1, t2b.c4 as m
  from t1 last join t2b ORDER BY t2b.d7 on t1.c1 = t2b.d1
  WINDOW w AS (UNION t6 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT chk('w11b_collision_t1_column_read', run($$SELECT s1, m FROM w11b(99, 'a', 9, 7, ts(70))$$), '(537,5)');
-- two union tables, one carrying d4, one not
-- t6 has no d4: its rows would take the request's joined d4: refused (42804, naming d4 and t6)
SELECT chk('w12_two_unions_one_without_refused', (dep('w12', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3, t6 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$) LIKE 'ERROR 42804: %"d4"%"t6"%')::text, 'true');
-- the same union subquery, no window function reading a joined column (XX000 as w4c)
SELECT dep('w13', $$select id, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d1, d4 from t7 last join t4r ORDER BY t4r.d9 on t7.c1 = t4r.d1)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT chk('w13_sub_join_no_joined_read', run($$SELECT sc FROM w13(99, 'a', 9, 7, ts(70))$$), '(1527)');
-- t4r's d7 was dropped above: listing it is refused at deploy (42703, naming it)
SELECT chk('w13b_sub_join_listed_column_t4_dropped', (dep('w13b', $$select id, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d1, d4, d7 from t7 last join t4r ORDER BY t4r.d9 on t7.c1 = t4r.d1)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) LIKE 'ERROR 42703: %"d7"%"t4r"%')::text, 'true');
-- the PostgreSQL-dialect spelling of the 3-argument form
SELECT dep('w15', $$SELECT id, sum(c4) OVER w AS sc FROM t1
  WINDOW w AS (PARTITION BY c1, feature_ext.window_union('public.t7'::regclass, 'id, c1, c3, c4, c7, last join t4r', 'public.t4r'::regclass) ORDER BY c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT chk('w15_pg_dialect_3arg', run($$SELECT sc FROM w15(99, 'a', 9, 7, ts(70))$$), '(1527)');
-- a quoted LAST JOIN table name in the union subquery
CREATE TABLE "T4" (d1 text, d7 timestamp) USING feature_store;
SELECT chk('quoted_union_join_table', dep('w18', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d4, d7 from t7 last join `T4` ORDER BY `T4`.d7 on t7.c1 = `T4`.d1)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) || ' ' || run($$SELECT s FROM w18(99, 'a', 9, 7, ts(70))$$), 'deployed (7400)');
-- (in OpenMLDB "T4" is a string, not a name: refused)
SELECT chk('dquoted_union_join_table_refused', left(dep('w18b', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d4, d7 from t7 last join "T4" ORDER BY "T4".d7 on t7.c1 = "T4".d1)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$), 11), 'ERROR 0A000');
-- a union subquery column that t4 does not have (d1 is the deployment's joined column, not t4r2's)
CREATE TABLE t4r2 (e1 text, e7 timestamp) USING feature_store;
SELECT chk('sub_join_column_t4_lacks_refused', (dep('w21', $$select id, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d1 from t6 last join t4r2 ORDER BY t4r2.e7 on t6.c1 = t4r2.e1)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) LIKE 'ERROR 42703: %"d1"%"t4r2"%')::text, 'true');
-- ---- privileges / RLS / search_path
CREATE ROLE rvuj_r;
GRANT SELECT ON t1, t2, t3, t7 TO rvuj_r;
SET ROLE rvuj_r;
SELECT chk('w8_no_select_on_t4_refused', left(run($$SELECT s FROM w8(99, 'a', 9, 7, ts(70))$$), 11), 'ERROR 42501');
RESET ROLE;
GRANT SELECT ON t4r TO rvuj_r;
CREATE SCHEMA rvuj_evil;
CREATE TABLE rvuj_evil.t4r (d1 text, d7 timestamp) USING feature_store;
CREATE TABLE rvuj_evil.t7 (id int, c1 text, c3 int, c4 bigint, c7 timestamp, d4 bigint) USING feature_store;
GRANT USAGE ON SCHEMA rvuj_evil TO rvuj_r;
GRANT SELECT ON rvuj_evil.t7, rvuj_evil.t4r TO rvuj_r;
SET ROLE rvuj_r;
SET search_path = rvuj_evil, public;
SELECT chk('w8_search_path_shadow', run($$SELECT s, sc FROM public.w8(99, 'a', 9, 7, public.ts(70))$$), '(7400,1527)');
RESET search_path;
RESET ROLE;
REVOKE SELECT ON t3 FROM rvuj_r;
SET ROLE rvuj_r;
SELECT chk('w1_no_select_on_union_table_refused', left(run($$SELECT s FROM w1(99, 'a', 9, 7, ts(70))$$), 11), 'ERROR 42501');
RESET ROLE;
ALTER TABLE t3 ENABLE ROW LEVEL SECURITY;
SELECT chk('w1_rls_on_union_table_refused', left(run($$SELECT s FROM w1(99, 'a', 9, 7, ts(70))$$), 11), 'ERROR 0A000');
ALTER TABLE t3 DISABLE ROW LEVEL SECURITY;
SELECT chk('w1_after_rls_off', run($$SELECT s FROM w1(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(d4)', 'a', ts(70), 7) || ')');
-- ---- PostgreSQL dialect: LEFT JOIN LATERAL + the window_union modifier, t3 carrying d4 (docs/DEPLOY.md says "not expressed")
SELECT chk('pg_dialect_lateral_union_join', dep('w26', $$SELECT t1.id, sum(j.d4) OVER w AS s FROM t1
  LEFT JOIN LATERAL (SELECT d1, d4, d7 FROM t2 WHERE t2.d1 = t1.c1 AND t2.d7 IS NOT NULL ORDER BY d7 DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY t1.c1, feature_ext.window_union('public.t3'::regclass) ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$)
  || ' ' || run($$SELECT s FROM w26(99, 'a', 9, 7, ts(70))$$), 'deployed (' || ref('sum(d4)', 'a', ts(70), 7) || ')');
SELECT dep('w27', $$SELECT t1.id, j.d4, sum(t1.c4) OVER w AS s FROM t1
  LEFT JOIN LATERAL (SELECT d1, d4, d7 FROM t2 WHERE t2.d1 = t1.c1 AND t2.d7 IS NOT NULL ORDER BY d7 DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY t1.c1, feature_ext.window_union('public.t3'::regclass) ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT chk('w27_pg_dialect_no_joined_read', run($$SELECT d4, s FROM w27(99, 'a', 9, 7, ts(70))$$), '(200,' || ref('sum(c4)', 'a', ts(70), 7) || ')');
-- a second window partitioned by another column reading the joined column: its stored rows would join other rows
CREATE INDEX ON t1 USING skiplist (c3, c7);
SELECT chk('second_window_other_partition_refused', left(dep('w28', $$select id, sum(t2.d4) OVER w as s, sum(t2.d4) OVER w2 as s2
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY t1.c3 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$), 11), 'ERROR 0A000');
-- expressions mixing the union row's own joined column and its own columns; OpenMLDB's *_where
SELECT dep('w24', $$select id, sum(case when t2.d4 > 500 then c4 else 0 end) OVER w as s1, sum_where(c4, t2.d4 > 500) OVER w as s2, count_where(c4, t2.d4 is null) OVER w as s3
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.jit = on;
SELECT chk('w24_expr_jit_on', run($$SELECT s1, s2, s3 FROM w24(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(case when d4 > 500 then c4 else 0 end)', 'a', ts(70), 7) || ',' || ref('sum(c4) filter (where d4 > 500)', 'a', ts(70), 7) || ',' || ref('count(c4) filter (where d4 is null)', 'a', ts(70), 7) || ')');
SET feature_ext.jit = off;
SELECT chk('w24_expr_jit_off', run($$SELECT s1, s2, s3 FROM w24(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(case when d4 > 500 then c4 else 0 end)', 'a', ts(70), 7) || ',' || ref('sum(c4) filter (where d4 > 500)', 'a', ts(70), 7) || ',' || ref('count(c4) filter (where d4 is null)', 'a', ts(70), 7) || ')');
RESET feature_ext.jit;
-- EXCLUDE CURRENT_TIME: rows at the request's time leave (t1 row 7 and t3 row 16 at ts(80), key b): t1 row 3 (300) + request (300)
SELECT dep('w25', $$select id, sum(t2.d4) OVER w as s, count(*) OVER w as n
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS_RANGE BETWEEN 100s PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME)$$);
SELECT chk('w25_exclude_current_time', run($$SELECT s, n FROM w25(99, 'b', 9, 7, ts(80))$$), '(600,2)');
-- ---- lag over the union rows' own joined column with INSTANCE_NOT_IN_WINDOW; training_set() of the 3-argument form
SELECT dep('w29', $$select id, lag(t2.d4, 1) OVER w as l1, lag(t2.d4, 2) OVER w as l2, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION t3 PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)$$);
SET feature_ext.jit = on;
SELECT chk('w29_lag_instance_not_in_window_jit_on', run($$SELECT l1, l2, s FROM w29(99, 'a', 9, 7, ts(70))$$), '(,1000,1200)');
SET feature_ext.jit = off;
SELECT chk('w29_lag_instance_not_in_window_jit_off', run($$SELECT l1, l2, s FROM w29(99, 'a', 9, 7, ts(70))$$), '(,1000,1200)');
RESET feature_ext.jit;
CREATE TYPE w8_row AS (id int, s bigint, sc bigint);
SET feature_ext.jit = on;
SELECT chk('w8_training_set_jit_on', run($$SELECT id, s, sc FROM feature_ext.training_set('w8', 't1', NULL::w8_row) WHERE id NOT IN (4, 6)$$), run($$SELECT id, s, sc FROM w8_batch()$$));
SET feature_ext.jit = off;
SELECT chk('w8_training_set_jit_off', run($$SELECT id, s, sc FROM feature_ext.training_set('w8', 't1', NULL::w8_row) WHERE id NOT IN (4, 6)$$), run($$SELECT id, s, sc FROM w8_batch()$$));
RESET feature_ext.jit;
SELECT chk($$w8_batch_by_hand$$, run($$SELECT id, s, sc FROM w8_batch()$$), $$(1,200,10);(2,7400,730);(3,300,30);(5,,50);(7,600,100)$$);
-- ---- union column lists: the union table's own joined column listed; renamed / computed into a joined column (refused: 42703)
SELECT dep('w30', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d4 from t3) PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT chk('w30_column_list_own_d4', run($$SELECT s FROM w30(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(d4)', 'a', ts(70), 7) || ')');
SELECT chk('union_alias_into_joined_column_refused', left(dep('w31', $$select id, sum(t2.d4) OVER w as s
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, c4 as d4 from t3) PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$), 11), 'ERROR 42703');
-- a column added to the union table after deploy (neither t1's nor joined)
SELECT try_exec('ALTER TABLE t3 ADD COLUMN zz int');
SELECT chk('w1_after_union_table_add_column_refused', (run($$SELECT s FROM w1(99, 'a', 9, 7, ts(70))$$) LIKE 'ERROR 42804: %"zz"%')::text, 'true');
SELECT try_exec('ALTER TABLE t3 DROP COLUMN zz');
SELECT chk('w1_after_union_table_drop_added_column', run($$SELECT s FROM w1(99, 'a', 9, 7, ts(70))$$), '(' || ref('sum(d4)', 'a', ts(70), 7) || ')');
-- ---- the union subquery's clauses after its LAST JOIN's ON: a WHERE, an inner JOIN, a LIMIT would change the
-- union's rows; they are refused at deploy (0A000 naming the clause), not dropped
SELECT chk('union_sub_join_where_refused', (dep('w33', $$select id, sum(t2.d4) OVER w as s, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d1, d4, d7 from t7 last join t4r ORDER BY t4r.d7 on t7.c1 = t4r.d1 where t7.c3 > 100)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) LIKE 'ERROR 0A000: %found "where" after%')::text, 'true');
SELECT chk('union_sub_join_inner_join_refused', (dep('w34', $$select id, sum(t2.d4) OVER w as s, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d1, d4, d7 from t7 last join t4r ORDER BY t4r.d7 on t7.c1 = t4r.d1 join t8 on t8.e1 = t7.c1 and t8.e5 > 1000)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) LIKE 'ERROR 0A000: %found "join" after%')::text, 'true');
SELECT chk('union_sub_join_limit_refused', (dep('w35', $$select id, sum(t2.d4) OVER w as s, sum(c4) OVER w as sc
  from t1 last join t2 ORDER BY t2.d7 on t1.c1 = t2.d1
  WINDOW w AS (UNION (select id, c1, c3, c4, c7, d1, d4, d7 from t7 last join t4r ORDER BY t4r.d7 on t7.c1 = t4r.d1 limit 0)
  PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) LIKE 'ERROR 0A000: %found "limit" after%')::text, 'true');
