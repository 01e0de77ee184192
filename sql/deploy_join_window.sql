-- Window functions over joined columns (docs/DEPLOY.md "Window functions
-- over joined columns"): allowed when the join reads nothing of the request
-- row but the window's PARTITION BY columns, so that every row of the window
-- joins the same row as the request.  A replay (request row i, insert it,
-- each its own transaction) compares every request with PostgreSQL's
-- executor running the same SQL right after the row is inserted (its LATERAL
-- join evaluated for every row of the window); batch and training_set are
-- compared with the executor over the final tables.  Ties on the LAST JOIN's
-- order value: the deployment takes the row inserted last, the executor's
-- copy adds the tie-breaker "seq DESC".
SET client_min_messages = warning;
CREATE TABLE wev (id int, k text, v int, ts int8 NOT NULL) USING feature_store;
CREATE INDEX wev_k ON wev USING skiplist (k, ts);
CREATE TABLE wlj (k text, x int, ts int8 NOT NULL, seq int) USING feature_store;
CREATE INDEX wlj_k ON wlj USING skiplist (k, ts);
CREATE TABLE wdim (id text PRIMARY KEY, score int);
CREATE TABLE wdim2 (x int PRIMARY KEY, w float8);
CREATE TABLE wres (name text, jit bool, i int, deployed jsonb, native jsonb);
CREATE TABLE wq (name text, tmpl text, native text);
-- q1: LAST JOIN (newest row of the key) and a dimension lookup, both keyed
-- by the window's partition column; aggregates over joined columns, mixed
-- with the window row's own (avg of x + v), FILTER over a joined column,
-- lag / first_value over joined columns, a chain (wdim2 keyed by the LAST
-- JOIN's x), a second window partitioned the same way with RANGE
INSERT INTO wq VALUES ('wq1', $q$
SELECT wev.id, j.x, sum(j.x) OVER w AS sx, count(j.x) OVER w AS cx, avg(j.x + wev.v) OVER w AS mix,
       max(d.score) FILTER (WHERE j.x > 5) OVER w AS ms, lag(j.x, 2) OVER w AS lx,
       first_value(d.score) OVER w AS fd, sum(d2.w) OVER r AS sw, sum(wev.v) OVER r AS sv,
       count(*) OVER r AS c
  FROM wev
  LEFT JOIN LATERAL (SELECT wlj.x FROM wlj WHERE wlj.k = wev.k ORDER BY wlj.ts DESC%1$s LIMIT 1) j ON true
  LEFT JOIN wdim d ON d.id = wev.k
  LEFT JOIN wdim2 d2 ON d2.x = j.x
WINDOW w AS (PARTITION BY wev.k ORDER BY wev.ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW),
       r AS (PARTITION BY wev.k ORDER BY wev.ts RANGE BETWEEN 40 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)$q$,
NULL),
-- q2: OpenMLDB's LAST JOIN with ORDER BY and its window over a joined column
-- (OpenMLDB's test_lastjoin_complex.yaml 0); the executor's copy writes the
-- translation's key (IS NOT DISTINCT FROM) with the tie-breaker
('wq2', $q$select wev.id, wlj.x, sum(wlj.x) over w as sx, count(wlj.x) over w as cx,
  distinct_count(wlj.x) over w as dx from wev last join wlj order by wlj.ts on wev.k = wlj.k
  window w as (partition by wev.k order by wev.ts rows_range between 30 preceding and current row)$q$,
$q$SELECT wev.id, wlj.x, sum(wlj.x) OVER w AS sx, count(wlj.x) OVER w AS cx,
  count(DISTINCT wlj.x) OVER () AS dx FROM wev
  LEFT JOIN LATERAL (SELECT * FROM wlj WHERE wev.k IS NOT DISTINCT FROM wlj.k ORDER BY wlj.ts DESC, wlj.seq DESC LIMIT 1) wlj ON true
  WINDOW w AS (PARTITION BY wev.k ORDER BY wev.ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW)$q$);
-- (PostgreSQL has no DISTINCT window aggregates: the executor's copy of dx
-- is the number of distinct joined values of the frame, NULL counted as one
-- value as distinct_count does (docs/AGGREGATES.md): the frame's rows all
-- join the request's row, and a frame holds the request, so that is 1)
UPDATE wq SET native = replace(native, 'count(DISTINCT wlj.x) OVER () AS dx',
                               '(count(*) OVER w > 0)::int::int8 AS dx') WHERE name = 'wq2';

CREATE PROCEDURE wreplay(qname text, use_jit bool) LANGUAGE plpgsql AS $p$
DECLARE
  tmpl text := (SELECT tmpl FROM wq WHERE name = qname);
  native text := (SELECT native FROM wq WHERE name = qname);
  native_sql text;
  ts int8; d jsonb; n jsonb;
BEGIN
  TRUNCATE wev, wlj, wdim, wdim2;
  INSERT INTO wdim SELECT 'k' || g, g * 10 FROM generate_series(0, 2) g;  -- k3: no dimension row
  INSERT INTO wdim2 SELECT g, g / 4.0 FROM generate_series(0, 22, 2) g;   -- odd x: none
  PERFORM set_config('feature_ext.jit', CASE WHEN use_jit THEN 'on' ELSE 'off' END, false);
  PERFORM feature_ext.deploy(qname, format(tmpl, ''), '{"replace": true}');
  native_sql := format('SELECT to_jsonb(out_row) FROM (%s) out_row WHERE out_row.id = $1',
                       coalesce(native, format(tmpl, ', wlj.seq DESC')));
  COMMIT;
  FOR i IN 1..240 LOOP
    IF i % 3 = 0 THEN
      -- LAST JOIN rows: ties (ts in steps of 48), late rows (i % 7 = 0), NULL x (i % 9 = 0)
      INSERT INTO wlj VALUES ('k' || (i % 5), CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 37) % 23 END,
                              CASE WHEN i % 7 = 0 THEN ((i - 96) / 24) * 48 ELSE (i / 24) * 48 END, i);
    ELSIF i % 11 = 0 THEN
      -- the dimension changes
      UPDATE wdim SET score = score + i WHERE id = 'k' || (i % 3);
      UPDATE wdim2 SET w = w + 1 WHERE x = i % 24;
    ELSE
      -- a request: keys k0..k4 (k4: no LAST JOIN row before i = 12, k3: no
      -- dimension row), late rows (i % 10 = 5); no ties among the requests
      ts := CASE WHEN i % 10 = 5 THEN i * 2 - 40 ELSE i * 2 + 1 END;
      EXECUTE format('SELECT to_jsonb(out_row) FROM %I($1, $2, $3, $4) out_row', qname)
        INTO d USING i, 'k' || (i % 5), (i * 7) % 19, ts;
      INSERT INTO wev VALUES (i, 'k' || (i % 5), (i * 7) % 19, ts);
      EXECUTE native_sql INTO n USING i;
      INSERT INTO wres VALUES (qname, use_jit, i, d, n);
    END IF;
    COMMIT;
  END LOOP;
END $p$;

CALL wreplay('wq1', true);
CALL wreplay('wq1', false);
CALL wreplay('wq2', true);
CALL wreplay('wq2', false);
-- every request equals the executor's row; the data has what the test is about
SELECT name, jit, count(*) AS requests, count(*) FILTER (WHERE deployed = native) AS same,
       count(*) FILTER (WHERE (native->>'sx')::numeric > (native->>'x')::numeric) AS sums_over_several_rows,
       count(*) FILTER (WHERE native->>'x' IS NULL) AS no_joined_x,
       count(*) FILTER (WHERE native->>'ms' IS NOT NULL) AS filter_found,
       count(*) FILTER (WHERE native->>'sw' IS NOT NULL) AS chain_found
  FROM wres GROUP BY 1, 2 ORDER BY 1, 2;
SELECT name, jit, i, deployed, native FROM wres WHERE deployed IS DISTINCT FROM native ORDER BY 1, 2, 3 LIMIT 5;
SELECT count(*) AS tied_rows FROM (SELECT k, ts FROM wlj GROUP BY k, ts HAVING count(*) > 1) t;

-- offline: batch over the table in time order and training_set (JIT on and
-- off) equal the executor over the final tables
CREATE TEMP TABLE native_final AS
  SELECT to_jsonb(out_row) AS r FROM (SELECT wev.id, j.x, sum(j.x) OVER w AS sx, count(j.x) OVER w AS cx,
       avg(j.x + wev.v) OVER w AS mix, max(d.score) FILTER (WHERE j.x > 5) OVER w AS ms, lag(j.x, 2) OVER w AS lx,
       first_value(d.score) OVER w AS fd, sum(d2.w) OVER r AS sw, sum(wev.v) OVER r AS sv, count(*) OVER r AS c
  FROM wev
  LEFT JOIN LATERAL (SELECT wlj.x FROM wlj WHERE wlj.k = wev.k ORDER BY wlj.ts DESC, wlj.seq DESC LIMIT 1) j ON true
  LEFT JOIN wdim d ON d.id = wev.k
  LEFT JOIN wdim2 d2 ON d2.x = j.x
WINDOW w AS (PARTITION BY wev.k ORDER BY wev.ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW),
       r AS (PARTITION BY wev.k ORDER BY wev.ts RANGE BETWEEN 40 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) out_row;
SELECT feature_ext.deploy('wq1', format((SELECT tmpl FROM wq WHERE name = 'wq1'), ''), '{"replace": true}');
CREATE TYPE wq1_row AS (id int, x int, sx bigint, cx bigint, mix numeric, ms int, lx int, fd int, sw float8,
                        sv bigint, c bigint);
SET feature_ext.jit = on;
SELECT count(*) AS rows, (SELECT count(*) FROM native_final) AS native_rows,
       count(*) FILTER (WHERE to_jsonb(b) IN (SELECT r FROM native_final)) AS same
  FROM wq1_batch('SELECT * FROM wev ORDER BY ts') b;
SELECT count(*) AS rows, count(*) FILTER (WHERE to_jsonb(t) IN (SELECT r FROM native_final)) AS same
  FROM feature_ext.training_set('wq1', 'wev', NULL::wq1_row) t;
SET feature_ext.jit = off;
SELECT count(*) AS rows, count(*) FILTER (WHERE to_jsonb(b) IN (SELECT r FROM native_final)) AS same
  FROM wq1_batch('SELECT * FROM wev ORDER BY ts') b;
SELECT count(*) AS rows, count(*) FILTER (WHERE to_jsonb(t) IN (SELECT r FROM native_final)) AS same
  FROM feature_ext.training_set('wq1', 'wev', NULL::wq1_row) t;
SET feature_ext.jit = on;

-- refusals: a join that reads a column of the row outside the window's
-- PARTITION BY (each window row would join a row of its own), also through
-- a chain, and a window partitioned by another column
CREATE FUNCTION try_deploy(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; hint text;
BEGIN
  PERFORM feature_ext.deploy('wbad', q);
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
SELECT try_deploy($$SELECT sum(j.x) OVER w AS s FROM wev
  LEFT JOIN LATERAL (SELECT wlj.x FROM wlj WHERE wlj.k = wev.k AND wlj.ts <= wev.ts ORDER BY wlj.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY wev.k ORDER BY wev.ts)$$);
SELECT try_deploy($$SELECT sum(d2.w) OVER w AS s FROM wev
  LEFT JOIN LATERAL (SELECT wlj.x FROM wlj WHERE wlj.k = wev.k AND wlj.x > wev.v ORDER BY wlj.ts DESC LIMIT 1) j ON true
  LEFT JOIN wdim2 d2 ON d2.x = j.x
  WINDOW w AS (PARTITION BY wev.k ORDER BY wev.ts)$$);
CREATE INDEX wev_v ON wev USING skiplist (v, ts);
SELECT try_deploy($$SELECT sum(j.x) OVER w AS s FROM wev
  LEFT JOIN LATERAL (SELECT wlj.x FROM wlj WHERE wlj.k = wev.k ORDER BY wlj.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY wev.v ORDER BY wev.ts)$$);
-- ... a joined column outside the window functions stays allowed with any join
SELECT try_deploy($$SELECT j.x, sum(wev.v) OVER w AS s FROM wev
  LEFT JOIN LATERAL (SELECT wlj.x FROM wlj WHERE wlj.k = wev.k AND wlj.ts <= wev.ts ORDER BY wlj.ts DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY wev.v ORDER BY wev.ts)$$);
SELECT feature_ext.undeploy('wbad');

-- security: SELECT on every joined table and no row-level security, checked
-- at every request and every batch (the joins now run before the windows)
CREATE ROLE regress_jw_caller;
GRANT SELECT ON wev, wlj, wdim, wdim2 TO regress_jw_caller;
SET ROLE regress_jw_caller;
SELECT try_sql($$SELECT sx::text FROM wq1(1, 'k1', 0, 100000)$$);
RESET ROLE;
REVOKE SELECT ON wdim2 FROM regress_jw_caller;
SET ROLE regress_jw_caller;
SELECT try_sql($$SELECT sx::text FROM wq1(1, 'k1', 0, 100000)$$);
SELECT try_sql($$SELECT count(*)::text FROM wq1_batch('wev')$$);
RESET ROLE;
ALTER TABLE wlj ENABLE ROW LEVEL SECURITY;
SELECT try_sql($$SELECT sx::text FROM wq1(1, 'k1', 0, 100000)$$);
SELECT try_sql($$SELECT count(*)::text FROM wq1_batch('wev')$$);
ALTER TABLE wlj DISABLE ROW LEVEL SECURITY;
SELECT try_sql($$SELECT sx::text FROM wq1(1, 'k1', 0, 100000)$$);

SELECT feature_ext.undeploy(name) FROM (VALUES ('wq1'), ('wq2')) v(name);
REVOKE ALL ON wev, wlj, wdim, wdim2 FROM regress_jw_caller;
DROP ROLE regress_jw_caller;
-- (the tables go: later tests list every skiplist index of the database)
DROP TABLE wev, wlj, wdim, wdim2, wres, wq CASCADE;
DROP TYPE wq1_row;
DROP PROCEDURE wreplay;
DROP FUNCTION try_deploy, try_sql;
