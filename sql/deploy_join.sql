-- Multi-table deployments (SPEC §4.1, PostgreSQL dialect): LAST JOIN as
-- LEFT JOIN LATERAL (... ORDER BY ts DESC LIMIT 1) and dimension lookups
-- LEFT JOIN dim ON dim.pk = ...  A replay of inserts, updates and requests
-- (each its own transaction) compares every request's answer with
-- PostgreSQL's executor running the same SQL right after the request row is
-- inserted.  Ties on the LAST JOIN's order value: the deployment takes the
-- row inserted last; the executor's choice among ties is arbitrary, so its
-- copy of the SQL adds the tie-breaker "seq DESC" (seq = insertion order).
SET client_min_messages = warning;
CREATE TABLE jev (id int, k text, jk text, v int, ts int8 NOT NULL) USING feature_store;
CREATE INDEX jev_k ON jev USING skiplist (k, ts);
CREATE TABLE jlj (k text, x int, ts int8 NOT NULL, seq int) USING feature_store;
CREATE INDEX jlj_k ON jlj USING skiplist (k, ts);
CREATE TABLE jdim (id text PRIMARY KEY, score int, label text);
CREATE TABLE jdim2 (x int PRIMARY KEY, region text);
CREATE TABLE join_results (name text, jit bool, i int, deployed jsonb, native jsonb);

-- q1: point-in-time LAST JOIN + a dimension + a window; outputs mixing
-- joined columns and aggregates (the JIT's projection must leave those to
-- PostgreSQL's evaluator)
CREATE TABLE join_queries (name text, tmpl text, native text);
INSERT INTO join_queries VALUES ('jq1', $q$
SELECT jev.id, sum(jev.v) OVER w AS s, count(*) OVER w AS c, j.x AS last_x, j.ts AS last_ts, d.score, d.label,
       coalesce(j.x, 0) + sum(jev.v) OVER w AS mixed, sum(jev.v) OVER w * 2 AS s2
  FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x, jlj.ts FROM jlj WHERE jlj.k = jev.jk AND jlj.ts <= jev.ts
                      ORDER BY jlj.ts DESC%1$s LIMIT 1) j ON true
  LEFT JOIN jdim d ON d.id = jev.jk
WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$q$),
-- q2: newest row (no time condition), a dimension keyed by the LAST JOIN's
-- column (chain), a second LAST JOIN with a further condition
('jq2', $q$
SELECT jev.id, count(*) OVER w AS c, j.x, j.seq, d2.region, j2.x AS big_x, j2.ts AS big_ts,
       upper(d2.region) || j2.x AS expr, j.x * 2 + count(*) OVER w AS mixed
  FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x, jlj.seq FROM jlj WHERE jlj.k = jev.jk ORDER BY jlj.ts DESC%1$s LIMIT 1) j ON true
  LEFT JOIN jdim2 d2 ON d2.x = j.x
  LEFT JOIN LATERAL (SELECT jlj.x, jlj.ts FROM jlj WHERE jev.jk = jlj.k AND jlj.x > 10 AND jlj.ts < jev.ts
                      ORDER BY jlj.ts DESC%1$s LIMIT 1) j2 ON true
WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts RANGE BETWEEN 50 PRECEDING AND CURRENT ROW)$q$),
-- q3: OpenMLDB's LAST JOIN (ORDER BY: the greatest order value)
('jq3', $q$select jev.id, jlj.x, jlj.seq, count(*) over w as c from jev last join jlj order by jlj.ts on jev.jk = jlj.k
  window w as (partition by jev.k order by jev.ts rows between 2 preceding and current row)$q$),
-- q4: no window at all (a lookup deployment), LIMIT 1 without ORDER BY: the
-- newest row of the key's index (any row is the SQL's answer; the executor's
-- copy orders newest first)
('jq4', $q$
SELECT jev.id, j.x, j.seq FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x, jlj.seq FROM jlj WHERE jlj.k = jev.jk LIMIT 1) j ON true$q$);
-- q5: OpenMLDB's LAST JOIN over a projection and filter of one table
INSERT INTO join_queries VALUES ('jq5', $q$select jev.id, s.x, s.seq from jev
  last join (select k as kk, x, seq, ts from jlj where x > 5) s order by s.ts on jev.jk = s.kk$q$,
$q$SELECT jev.id, s.x, s.seq FROM jev
  LEFT JOIN LATERAL (SELECT * FROM (SELECT k AS kk, x, seq, ts FROM jlj WHERE x > 5) s
                      WHERE jev.jk IS NOT DISTINCT FROM s.kk AND s.ts IS NOT NULL ORDER BY s.ts DESC, s.seq DESC LIMIT 1) s ON true$q$);
UPDATE join_queries SET native = $q$SELECT jev.id, jlj.x, jlj.seq, count(*) OVER w AS c FROM jev
  LEFT JOIN LATERAL (SELECT * FROM jlj WHERE jev.jk = jlj.k ORDER BY jlj.ts DESC, jlj.seq DESC LIMIT 1) jlj ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$q$ WHERE name = 'jq3';
UPDATE join_queries SET native = $q$SELECT jev.id, j.x, j.seq FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x, jlj.seq FROM jlj WHERE jlj.k = jev.jk ORDER BY jlj.ts DESC, jlj.seq DESC LIMIT 1) j ON true$q$
 WHERE name = 'jq4';

CREATE PROCEDURE join_replay(qname text, use_jit bool) LANGUAGE plpgsql AS $p$
DECLARE
  tmpl text := (SELECT tmpl FROM join_queries WHERE name = qname);
  native text := (SELECT native FROM join_queries WHERE name = qname);
  native_sql text;
  jk text; ts int8; d jsonb; n jsonb;
BEGIN
  TRUNCATE jev, jlj, jdim, jdim2;
  INSERT INTO jdim SELECT 'k' || g, g * 10, 'L' || g FROM generate_series(0, 2) g;  -- k3: no dimension row
  INSERT INTO jdim2 SELECT g, 'r' || (g % 5) FROM generate_series(0, 22, 2) g;     -- odd x: none
  PERFORM set_config('feature_ext.jit', CASE WHEN use_jit THEN 'on' ELSE 'off' END, false);
  PERFORM feature_ext.deploy(qname, format(tmpl, ''), '{"replace": true}');
  native_sql := format('SELECT to_jsonb(out_row) FROM (%s) out_row WHERE out_row.id = $1',
                       coalesce(native, format(tmpl, ', jlj.seq DESC')));
  COMMIT;
  FOR i IN 1..260 LOOP
    IF i % 3 = 0 THEN
      -- LAST JOIN rows: ties (ts in steps of 48, on the requests' scale), late
      -- rows (i % 7 = 0: about 190 back)
      INSERT INTO jlj VALUES ('k' || (i % 4), (i * 37) % 23,
                              CASE WHEN i % 7 = 0 THEN ((i - 96) / 24) * 48 ELSE (i / 24) * 48 END, i);
    ELSIF i % 11 = 0 THEN
      -- the dimension changes: updates, a delete, a re-insert
      UPDATE jdim SET score = score + i WHERE id = 'k' || (i % 3);
      IF i % 22 = 0 THEN DELETE FROM jdim WHERE id = 'k1';
      ELSE INSERT INTO jdim VALUES ('k1', i, 'again') ON CONFLICT (id) DO UPDATE SET score = excluded.score;
      END IF;
      UPDATE jdim2 SET region = region || 'x' WHERE x = i % 24;
    ELSE
      -- a request: NULL join keys (i % 13), keys without rows (i % 17), late rows (i % 10 = 5)
      jk := CASE WHEN i % 13 = 0 THEN NULL WHEN i % 17 = 0 THEN 'k9' ELSE 'k' || (i % 4) END;
      ts := CASE WHEN i % 10 = 5 THEN i * 2 + 1 - 40 ELSE i * 2 + 1 END;
      EXECUTE format('SELECT to_jsonb(out_row) FROM %I($1, $2, $3, $4, $5) out_row', qname)
        INTO d USING i, 'e' || (i % 3), jk, (i * 7) % 19, ts;
      INSERT INTO jev VALUES (i, 'e' || (i % 3), jk, (i * 7) % 19, ts);
      EXECUTE native_sql INTO n USING i;
      INSERT INTO join_results VALUES (qname, use_jit, i, d, n);
    END IF;
    COMMIT;
  END LOOP;
END $p$;

CALL join_replay('jq1', true);
CALL join_replay('jq1', false);
CALL join_replay('jq2', true);
CALL join_replay('jq2', false);
CALL join_replay('jq3', true);
CALL join_replay('jq3', false);
CALL join_replay('jq4', true);
CALL join_replay('jq5', false);
-- every request equals the executor's row
SELECT name, jit, count(*) AS requests, count(*) FILTER (WHERE deployed = native) AS same,
       count(*) FILTER (WHERE native->>'last_x' IS NOT NULL OR native->>'x' IS NOT NULL) AS last_join_found,
       count(*) FILTER (WHERE native->>'label' IS NOT NULL OR native->>'region' IS NOT NULL) AS dim_found,
       count(*) FILTER (WHERE native->>'big_x' IS NOT NULL) AS second_join_found
  FROM join_results GROUP BY 1, 2 ORDER BY 1, 2;
SELECT name, jit, i, deployed, native FROM join_results WHERE deployed IS DISTINCT FROM native ORDER BY 1, 2, 3 LIMIT 5;
-- the data has what the test is about: ties on the LAST JOIN's order value,
-- late rows, NULL keys
SELECT count(*) AS tied_rows FROM (SELECT k, ts FROM jlj GROUP BY k, ts HAVING count(*) > 1) t;
SELECT count(*) FILTER (WHERE jk IS NULL) AS null_keys, count(*) FILTER (WHERE jk = 'k9') AS no_row_keys FROM jev;

-- offline: batch over the table in time order, and training_set (as of each
-- row's time), equal PostgreSQL's executor over the final tables
SET feature_ext.jit = on;
CREATE TEMP TABLE native_final AS
  SELECT to_jsonb(out_row) AS r FROM (SELECT jev.id, count(*) OVER w AS c, j.x, j.seq, d2.region, j2.x AS big_x, j2.ts AS big_ts,
       upper(d2.region) || j2.x AS expr, j.x * 2 + count(*) OVER w AS mixed
  FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x, jlj.seq FROM jlj WHERE jlj.k = jev.jk ORDER BY jlj.ts DESC, jlj.seq DESC LIMIT 1) j ON true
  LEFT JOIN jdim2 d2 ON d2.x = j.x
  LEFT JOIN LATERAL (SELECT jlj.x, jlj.ts FROM jlj WHERE jev.jk = jlj.k AND jlj.x > 10 AND jlj.ts < jev.ts
                      ORDER BY jlj.ts DESC, jlj.seq DESC LIMIT 1) j2 ON true
WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts RANGE BETWEEN 50 PRECEDING AND CURRENT ROW)) out_row;
SELECT count(*) AS rows, (SELECT count(*) FROM native_final) AS native_rows,
       count(*) FILTER (WHERE to_jsonb(b) IN (SELECT r FROM native_final)) AS same
  FROM jq2_batch('SELECT * FROM jev ORDER BY ts') b;
CREATE TYPE jq2_row AS (id int, c bigint, x int, seq int, region text, big_x int, big_ts int8, expr text, mixed bigint);
SELECT count(*) AS rows, count(*) FILTER (WHERE to_jsonb(t) IN (SELECT r FROM native_final)) AS same
  FROM feature_ext.training_set('jq2', 'jev', NULL::jq2_row) t;
SET feature_ext.jit = off;
SELECT count(*) AS rows, count(*) FILTER (WHERE to_jsonb(b) IN (SELECT r FROM native_final)) AS same
  FROM jq2_batch('SELECT * FROM jev ORDER BY ts') b;
SET feature_ext.jit = on;

-- ties: the row inserted last wins (and the JIT does not change it)
TRUNCATE jlj;
INSERT INTO jlj VALUES ('t', 1, 100, 1);
INSERT INTO jlj VALUES ('t', 2, 100, 2);
INSERT INTO jlj VALUES ('t', 3, 90, 3);
SELECT id, x, seq FROM jq2(1, 'e', 't', 0, 1000);

-- a key written IS NOT DISTINCT FROM: a NULL value looks up the NULL key's
-- rows (what OpenMLDB's LAST JOIN does; the OpenMLDB dialect writes it so)
INSERT INTO jlj VALUES (NULL, 42, 10, 4), (NULL, 43, 5, 5);
SELECT feature_ext.deploy('jnd', $$SELECT jev.id, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x FROM jlj WHERE jlj.k IS NOT DISTINCT FROM jev.jk ORDER BY jlj.ts DESC LIMIT 1) j ON true$$);
SELECT jk, (SELECT x FROM jnd(1, 'e', jk, 0, 0)) AS deployed,
       (SELECT j.x FROM (SELECT jk) r LEFT JOIN LATERAL (SELECT jlj.x FROM jlj WHERE jlj.k IS NOT DISTINCT FROM r.jk
                                                       ORDER BY jlj.ts DESC, jlj.seq DESC LIMIT 1) j ON true) AS native
  FROM (VALUES (NULL), ('t'), ('zz')) r(jk);
SELECT feature_ext.undeploy('jnd');

-- COLLATE in a join's expressions (run as the planner leaves them: relabelings)
SELECT feature_ext.deploy('jcoll', $$SELECT jev.id, j.kx FROM jev LEFT JOIN LATERAL (SELECT (jlj.k COLLATE "C") || '!' AS kx
  FROM jlj WHERE jlj.k = jev.jk AND jlj.k COLLATE "C" > 'a' ORDER BY jlj.ts DESC LIMIT 1) j ON true$$);
SELECT jk, (SELECT kx FROM jcoll(1, 'e', jk, 0, 0)) AS kx FROM (VALUES ('t'), ('zz')) r(jk);
SELECT feature_ext.undeploy('jcoll');

-- a key compared with a value of another type: int4 request value, int8 key
-- (widened, as the comparison does); compared with the executor
CREATE TABLE jlj8 (k int8, x int, ts int8 NOT NULL) USING feature_store;
CREATE INDEX ON jlj8 USING skiplist (k, ts);
INSERT INTO jlj8 VALUES (5, 1, 10), (5, 2, 20), (7, 3, 10), (4294967301, 9, 30);
SELECT feature_ext.deploy('jx8', $$SELECT jev.id, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj8.x FROM jlj8 WHERE jlj8.k = jev.v AND jlj8.ts <= jev.ts ORDER BY jlj8.ts DESC LIMIT 1) j ON true$$);
SELECT v, ts, (SELECT x FROM jx8(1, 'e', NULL, v, ts)) AS deployed,
       (SELECT j.x FROM (SELECT v, ts) r LEFT JOIN LATERAL (SELECT jlj8.x FROM jlj8 WHERE jlj8.k = r.v AND jlj8.ts <= r.ts
                                                          ORDER BY jlj8.ts DESC LIMIT 1) j ON true) AS native
  FROM (VALUES (5, 15::int8), (5, 25), (7, 5), (7, 10), (5, 100), (6, 100)) r(v, ts);
SELECT feature_ext.undeploy('jx8');

-- deploy says which LAST JOIN is not point-in-time (jq2's first; its second
-- compares jlj.ts with the request)
SET client_min_messages = notice;
SELECT feature_ext.deploy('jq2', format((SELECT tmpl FROM join_queries WHERE name = 'jq2'), ''), '{"replace": true}');
SET client_min_messages = warning;
-- explain shows the joins
SELECT line FROM regexp_split_to_table((SELECT feature_ext.explain('jq2')), E'\n') line
 WHERE line ~ 'JOIN .* through';

-- refusals: SQLSTATE, message, hint
CREATE FUNCTION try_deploy(q text, opts jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; hint text;
BEGIN
  PERFORM feature_ext.deploy('jbad', q, opts);
  RETURN 'deployed';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN st || ': ' || msg || coalesce(E'\n  HINT: ' || nullif(hint, ''), '');
END $f$;
CREATE FUNCTION try_sql(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; r text;
BEGIN
  EXECUTE q INTO r;
  RETURN 'ok: ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN st || ': ' || msg;
END $f$;
-- a window over joined columns
SELECT try_deploy($$SELECT sum(j.x) OVER w AS s FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x FROM jlj WHERE jlj.k = jev.jk ORDER BY jlj.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
SELECT try_deploy($$SELECT count(*) OVER w AS c FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x FROM jlj WHERE jlj.k = jev.jk ORDER BY jlj.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY j.x ORDER BY jev.ts)$$);
-- no skiplist index for the LAST JOIN's key: the exact CREATE INDEX
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x FROM jlj WHERE jlj.x = jev.v ORDER BY jlj.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
-- ... which create_index makes
SELECT feature_ext.deploy('jfix', $$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x FROM jlj WHERE jlj.x = jev.v ORDER BY jlj.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$, '{"create_index": true}');
SELECT indexdef FROM pg_indexes WHERE tablename = 'jlj' ORDER BY 1;
SELECT x FROM jfix(1, 'e', NULL, 12, 1000);
-- no unique btree index for a dimension join
SELECT try_deploy($$SELECT count(*) OVER w AS c, d.score FROM jev
  LEFT JOIN jdim d ON d.label = jev.jk WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
-- not newest first / not LIMIT 1 / inner join / NULL order values
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x FROM jlj WHERE jlj.k = jev.jk ORDER BY jlj.ts LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj.x FROM jlj WHERE jlj.k = jev.jk ORDER BY jlj.ts DESC LIMIT 2) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
SELECT try_deploy($$SELECT count(*) OVER w AS c, d.score FROM jev
  JOIN jdim d ON d.id = jev.jk WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
CREATE TABLE jlj_n (k text, x int, ts int8) USING feature_store;
CREATE INDEX ON jlj_n USING skiplist (k, ts);
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj_n.x FROM jlj_n WHERE jlj_n.k = jev.jk ORDER BY jlj_n.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
-- ... a strict condition on the order column keeps NULL rows out: accepted
SELECT feature_ext.deploy('jnull', $$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj_n.x FROM jlj_n WHERE jlj_n.k = jev.jk AND jlj_n.ts <= jev.ts
                      ORDER BY jlj_n.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
INSERT INTO jlj_n VALUES ('a', 1, NULL), ('a', 2, 5);
SELECT x FROM jnull(1, 'e', 'a', 0, 10);
-- a LAST JOIN over a heap table, over the deployment's own table, a key of another type
CREATE TABLE jheap (k text, x int, ts int8 NOT NULL);
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jheap.x FROM jheap WHERE jheap.k = jev.jk ORDER BY jheap.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.v FROM jev
  LEFT JOIN LATERAL (SELECT e2.v FROM jev e2 WHERE e2.k = jev.k ORDER BY e2.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
-- a column the skiplist index does not hold
CREATE TABLE jlj_i (k text, x int, y int, ts int8 NOT NULL) USING feature_store;
CREATE INDEX jlj_i_k ON jlj_i USING skiplist (k, ts) INCLUDE (x);
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.y FROM jev
  LEFT JOIN LATERAL (SELECT jlj_i.y FROM jlj_i WHERE jlj_i.k = jev.jk ORDER BY jlj_i.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
-- TTL: a ttl that can drop the row the SQL finds is refused (adjust_ttl resets it);
-- ttl_rows alone is kept when the key is the only condition
ALTER INDEX jlj_i_k SET (ttl = '1 hour', ttl_type = 'absolute');
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj_i.x FROM jlj_i WHERE jlj_i.k = jev.jk ORDER BY jlj_i.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
ALTER INDEX jlj_i_k RESET (ttl, ttl_type);
ALTER INDEX jlj_i_k SET (ttl_rows = 2, ttl_type = 'latest');
SELECT feature_ext.deploy('jttl', $$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj_i.x FROM jlj_i WHERE jlj_i.k = jev.jk ORDER BY jlj_i.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
SELECT try_deploy($$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj_i.x FROM jlj_i WHERE jlj_i.k = jev.jk AND jlj_i.ts <= jev.ts
                      ORDER BY jlj_i.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
SELECT feature_ext.deploy('jttl2', $$SELECT count(*) OVER w AS c, j.x FROM jev
  LEFT JOIN LATERAL (SELECT jlj_i.x FROM jlj_i WHERE jlj_i.k = jev.jk AND jlj_i.ts <= jev.ts
                      ORDER BY jlj_i.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$, '{"adjust_ttl": true}');
SELECT reloptions FROM pg_class WHERE relname = 'jlj_i_k';

-- table changes: renaming a joined table or column is followed; dropping an
-- index it reads makes the next call name the one to create
ALTER TABLE jdim2 RENAME TO jdim2_renamed;
ALTER TABLE jdim2_renamed RENAME COLUMN region TO area;
SELECT id, x, region FROM jq2(2, 'e', 't', 0, 1000);
DROP INDEX jlj_i_k;
SELECT try_sql($$SELECT x FROM jttl(1, 'e', 'a', 0, 10)$$);

-- security: SELECT on every joined table, checked at every call; row-level
-- security on a joined table is refused (docs/SECURITY.md)
INSERT INTO jlj VALUES ('k1', 7, 50, 300);
CREATE ROLE regress_join_caller;
GRANT SELECT ON jev, jlj, jdim TO regress_join_caller;
SET ROLE regress_join_caller;
SELECT try_sql($$SELECT last_x::text FROM jq1(1, 'e', 'k1', 0, 100000)$$);
RESET ROLE;
REVOKE SELECT ON jdim FROM regress_join_caller;
SET ROLE regress_join_caller;
SELECT try_sql($$SELECT last_x::text FROM jq1(1, 'e', 'k1', 0, 100000)$$);
SELECT try_sql($$SELECT count(*)::text FROM jq1_batch('jev')$$);
RESET ROLE;
ALTER TABLE jdim ENABLE ROW LEVEL SECURITY;
SELECT try_sql($$SELECT last_x::text FROM jq1(1, 'e', 'k1', 0, 100000)$$);
SELECT try_deploy($$SELECT count(*) OVER w AS c, d.score FROM jev
  LEFT JOIN jdim d ON d.id = jev.jk WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$$);
ALTER TABLE jdim DISABLE ROW LEVEL SECURITY;
ALTER TABLE jlj ENABLE ROW LEVEL SECURITY;
SELECT try_sql($$SELECT last_x::text FROM jq1(1, 'e', 'k1', 0, 100000)$$);
ALTER TABLE jlj DISABLE ROW LEVEL SECURITY;
SELECT try_sql($$SELECT last_x::text FROM jq1(1, 'e', 'k1', 0, 100000)$$);
-- a joined table cannot be dropped while a deployment reads it
SELECT try_sql($$DROP TABLE jdim$$);
SELECT feature_ext.undeploy(name) FROM (VALUES ('jq1'), ('jq2'), ('jq3'), ('jq4'), ('jq5'), ('jfix'), ('jnull'), ('jttl'), ('jttl2')) v(name);
REVOKE ALL ON jev, jlj, jdim FROM regress_join_caller;
DROP ROLE regress_join_caller;

-- (the tables go: later tests list every skiplist index of the database)
DROP TABLE jev, jlj, jdim, jdim2_renamed, jlj_n, jlj_i, jlj8, jheap, join_results, join_queries CASCADE;
DROP TYPE jq2_row;
DROP PROCEDURE join_replay;
DROP FUNCTION try_deploy, try_sql;
