-- A LAST JOIN over a subquery with LAST JOINs of its own (OpenMLDB's
-- t1 LAST JOIN (SELECT ... FROM t2 LAST JOIN t3 ON ...) tx ON ..., and the
-- same written in SQL): the inner joins are made for the one t2 row the
-- outer LAST JOIN takes (docs/DEPLOY.md "LAST JOIN over a subquery with
-- LAST JOINs").  A replay (request row i, insert it, each its own
-- transaction; rows of n2, n3, n4 arrive in between, with ties, late rows
-- and NULL keys) compares every request with PostgreSQL's executor running
-- the nested SQL right after the row is inserted; batch with it over the
-- final tables.  The executor's copies spell out OpenMLDB's LAST JOIN
-- (IS NOT DISTINCT FROM, ties: the row inserted last = "seq DESC").
SET client_min_messages = warning;
CREATE TABLE nm (id int, k text, v int, ts int8 NOT NULL) USING feature_store;
CREATE INDEX ON nm USING skiplist (k, ts);
CREATE TABLE n2 (k text, k3 text, x int, ts int8 NOT NULL, seq int) USING feature_store;
CREATE INDEX ON n2 USING skiplist (k, ts);
CREATE TABLE n3 (k text, y int, ts int8 NOT NULL, seq int) USING feature_store;
CREATE INDEX ON n3 USING skiplist (k, ts);
CREATE TABLE n4 (k text, z int, ts int8 NOT NULL, seq int) USING feature_store;
CREATE INDEX ON n4 USING skiplist (k, ts);
CREATE TABLE nres (name text, jit bool, i int, deployed jsonb, native jsonb);
CREATE TABLE nq (name text, tmpl text, native text);
-- q1: one inner LAST JOIN (with ORDER BY), tx's columns from both sides and
-- an expression over both
INSERT INTO nq VALUES ('nq1', $q$select nm.id, tx.x, tx.y, tx.s, tx.k3r from nm last join
  (select n2.k, n2.x, n2.ts, n3.y, n3.k as k3r, coalesce(n3.y, 0) + n2.x as s
     from n2 last join n3 order by n3.ts on n2.k3 = n3.k) tx order by tx.ts on nm.k = tx.k$q$,
$q$SELECT nm.id, tx.x, tx.y, tx.s, tx.k3r FROM nm
  LEFT JOIN LATERAL (SELECT * FROM (SELECT n2.k, n2.x, n2.ts, n2.seq, n3.y, n3.k AS k3r, coalesce(n3.y, 0) + n2.x AS s
      FROM n2 LEFT JOIN LATERAL (SELECT * FROM n3 WHERE n2.k3 IS NOT DISTINCT FROM n3.k
                                  ORDER BY n3.ts DESC, n3.seq DESC LIMIT 1) n3 ON true) tx
     WHERE nm.k IS NOT DISTINCT FROM tx.k ORDER BY tx.ts DESC, tx.seq DESC LIMIT 1) tx ON true$q$),
-- q2: two levels (n3's subquery has its own LAST JOIN of n4), a second inner
-- LAST JOIN beside it, and a LAST JOIN after tx reading tx's columns
('nq2', $q$select nm.id, tx.x, tx.y, tx.zz, tx.z2, l4.z from nm last join
  (select n2.k, n2.x, n2.k3, t3.y, t3.zz, n4.z as z2 from n2
     last join (select n3.*, n4.z as zz from n3 last join n4 on n3.k = n4.k) t3 on n2.k3 = t3.k
     last join n4 on n2.k = n4.k) tx on nm.k = tx.k
  last join n4 as l4 on tx.k3 = l4.k$q$,
$q$SELECT nm.id, tx.x, tx.y, tx.zz, tx.z2, l4.z FROM nm
  LEFT JOIN LATERAL (SELECT * FROM (SELECT n2.k, n2.x, n2.k3, n2.ts, n2.seq, t3.y, t3.zz, n4.z AS z2 FROM n2
      LEFT JOIN LATERAL (SELECT * FROM (SELECT n3.*, n4.z AS zz FROM n3
          LEFT JOIN LATERAL (SELECT * FROM n4 WHERE n3.k IS NOT DISTINCT FROM n4.k ORDER BY n4.ts DESC, n4.seq DESC LIMIT 1) n4
            ON true) t3
         WHERE n2.k3 IS NOT DISTINCT FROM t3.k ORDER BY t3.ts DESC, t3.seq DESC LIMIT 1) t3 ON true
      LEFT JOIN LATERAL (SELECT * FROM n4 WHERE n2.k IS NOT DISTINCT FROM n4.k ORDER BY n4.ts DESC, n4.seq DESC LIMIT 1) n4
        ON true) tx
     WHERE nm.k IS NOT DISTINCT FROM tx.k ORDER BY tx.ts DESC, tx.seq DESC LIMIT 1) tx ON true
  LEFT JOIN LATERAL (SELECT * FROM n4 l4 WHERE tx.k3 IS NOT DISTINCT FROM l4.k ORDER BY l4.ts DESC, l4.seq DESC LIMIT 1) l4
    ON true$q$),
-- q3: the PostgreSQL dialect, point in time at both levels, with a window
('nq3', $q$SELECT nm.id, tx.x, tx.y, count(*) OVER w AS c, sum(nm.v) OVER w AS s FROM nm
  LEFT JOIN LATERAL (SELECT * FROM (SELECT n2.k, n2.x, n2.ts, n2.seq, j3.y FROM n2
      LEFT JOIN LATERAL (SELECT n3.y FROM n3 WHERE n3.k = n2.k3 AND n3.ts <= n2.ts ORDER BY n3.ts DESC%1$s LIMIT 1) j3
        ON true) tx
     WHERE tx.k = nm.k AND tx.ts <= nm.ts ORDER BY tx.ts DESC%2$s LIMIT 1) tx ON true
WINDOW w AS (PARTITION BY nm.k ORDER BY nm.ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$q$, NULL);

CREATE PROCEDURE nreplay(qname text, use_jit bool) LANGUAGE plpgsql AS $p$
DECLARE
  tmpl text := (SELECT tmpl FROM nq WHERE name = qname);
  native text := (SELECT native FROM nq WHERE name = qname);
  native_sql text;
  k text; ts int8; d jsonb; n jsonb;
BEGIN
  TRUNCATE nm, n2, n3, n4;
  PERFORM set_config('feature_ext.jit', CASE WHEN use_jit THEN 'on' ELSE 'off' END, false);
  PERFORM feature_ext.deploy(qname, format(tmpl, '', ''), '{"replace": true}');
  native_sql := format('SELECT to_jsonb(out_row) FROM (%s) out_row WHERE out_row.id = $1',
                       coalesce(native, format(tmpl, ', n3.seq DESC', ', tx.seq DESC')));
  COMMIT;
  FOR i IN 1..240 LOOP
    IF i % 4 = 0 THEN
      -- n2: keys k0..k3 and NULL, k3 a..d and NULL, ties (ts in steps of 40), late rows
      INSERT INTO n2 VALUES (CASE WHEN i % 19 = 0 THEN NULL ELSE 'k' || (i / 4) % 4 END,
                             CASE WHEN i % 13 = 0 THEN NULL ELSE chr(97 + (i / 4) % 4) END, (i * 37) % 23,
                             CASE WHEN i % 7 = 0 THEN ((i - 80) / 20) * 40 ELSE (i / 20) * 40 END, i);
    ELSIF i % 4 = 1 THEN
      IF i % 8 = 1 THEN
        INSERT INTO n3 VALUES (CASE WHEN i % 17 = 0 THEN NULL ELSE chr(97 + (i * 3) % 5) END, (i * 11) % 31,
                               (i / 20) * 40 - CASE WHEN i % 3 = 0 THEN 60 ELSE 0 END, i);
      ELSE
        INSERT INTO n4 VALUES (CASE WHEN i % 3 = 0 THEN 'k' || (i / 8) % 4 ELSE chr(97 + (i / 8) % 5) END, i % 29,
                               (i / 20) * 40, i);
      END IF;
    ELSE
      -- a request: k0..k4 (k4: no n2 row), NULL keys where the deployment has no window
      k := CASE WHEN i % 11 = 0 AND qname <> 'nq3' THEN NULL ELSE 'k' || (i % 5) END;
      ts := CASE WHEN i % 10 = 6 THEN i * 2 - 40 ELSE i * 2 + 1 END;
      EXECUTE format('SELECT to_jsonb(out_row) FROM %I($1, $2, $3, $4) out_row', qname)
        INTO d USING i, k, (i * 7) % 19, ts;
      INSERT INTO nm VALUES (i, k, (i * 7) % 19, ts);
      EXECUTE native_sql INTO n USING i;
      INSERT INTO nres VALUES (qname, use_jit, i, d, n);
    END IF;
    COMMIT;
  END LOOP;
END $p$;

CALL nreplay('nq1', true);
CALL nreplay('nq1', false);
CALL nreplay('nq2', true);
CALL nreplay('nq2', false);
CALL nreplay('nq3', true);
CALL nreplay('nq3', false);
-- every request equals the executor's row; the data has what the test is about
SELECT name, jit, count(*) AS requests, count(*) FILTER (WHERE deployed = native) AS same,
       count(*) FILTER (WHERE native->>'x' IS NOT NULL) AS outer_found,
       count(*) FILTER (WHERE native->>'x' IS NOT NULL AND native->>'y' IS NULL) AS inner_not_found,
       count(*) FILTER (WHERE native->>'y' IS NOT NULL) AS inner_found,
       count(*) FILTER (WHERE native->>'zz' IS NOT NULL) AS second_level_found,
       count(*) FILTER (WHERE native->>'z' IS NOT NULL) AS after_found
  FROM nres GROUP BY 1, 2 ORDER BY 1, 2;
SELECT name, jit, i, deployed, native FROM nres WHERE deployed IS DISTINCT FROM native ORDER BY 1, 2, 3 LIMIT 5;
SELECT count(*) AS tied_rows FROM (SELECT k, ts FROM n2 GROUP BY k, ts HAVING count(*) > 1) t;
-- offline: batch (JIT on and off) equals the executor over the final tables
CREATE FUNCTION batch_same(qname text, use_jit bool) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE native text := (SELECT coalesce(native, format(tmpl, ', n3.seq DESC', ', tx.seq DESC')) FROM nq WHERE name = qname);
        total int; same int; nat int;
BEGIN
  PERFORM set_config('feature_ext.jit', CASE WHEN use_jit THEN 'on' ELSE 'off' END, false);
  EXECUTE format('CREATE TEMP TABLE nat AS SELECT to_jsonb(o) AS r FROM (%s) o', native);
  EXECUTE format('SELECT count(*), count(*) FILTER (WHERE to_jsonb(b) IN (SELECT r FROM nat))
                    FROM %I(''SELECT * FROM nm ORDER BY ts'') b', qname || '_batch') INTO total, same;
  SELECT count(*) INTO nat FROM nat;
  DROP TABLE nat;
  RETURN format('%s rows, %s native rows, %s same', total, nat, same);
END $f$;
-- (the tables hold nq3's replay; nq1 and nq2 are deployed again over them)
SELECT feature_ext.deploy(name, format(tmpl, '', ''), '{"replace": true}') FROM nq WHERE name <> 'nq3' ORDER BY 1;
SELECT name, batch_same(name, true) AS jit_on, batch_same(name, false) AS jit_off FROM nq ORDER BY 1;

-- explain: one line per join, the lifted ones after their LAST JOIN
SELECT line FROM regexp_split_to_table((SELECT feature_ext.explain('nq2')), E'\n') line
 WHERE line ~ 'LAST JOIN .* through';

-- refusals: the outer LAST JOIN may not find its row by (or order it by) a
-- column its subquery takes from a join of its own; a WHERE of the subquery
-- reads its first table only
CREATE FUNCTION try_deploy(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; hint text;
BEGIN
  PERFORM feature_ext.deploy('nbad', q);
  RETURN 'deployed';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN st || ': ' || msg || coalesce(E'\n  HINT: ' || nullif(hint, ''), '');
END $f$;
SELECT try_deploy($$select nm.id, tx.y from nm last join
  (select n2.k, n2.ts, n3.y, n3.ts as ts3 from n2 last join n3 on n2.k3 = n3.k) tx order by tx.ts3 on nm.k = tx.k$$);
SELECT try_deploy($$select nm.id, tx.y from nm last join
  (select n2.k, n2.ts, n3.y from n2 last join n3 on n2.k3 = n3.k) tx on nm.k = tx.k and tx.y > 3$$);
SELECT try_deploy($$SELECT nm.id, tx.y FROM nm LEFT JOIN LATERAL (SELECT * FROM (SELECT n2.k, n3.y FROM n2
    LEFT JOIN LATERAL (SELECT n3.y FROM n3 WHERE n3.k = n2.k3 LIMIT 1) n3 ON true WHERE n3.y > 1) tx
  WHERE tx.k = nm.k LIMIT 1) tx ON true$$);
-- ... and a LAST JOIN inside another kind of subquery stays refused
SELECT try_deploy($$select nm.id, (select 1 from n2 last join n3 on n2.k3 = n3.k limit 1) as one from nm$$);

-- security: SELECT on every table the lifted joins read, checked at every call
CREATE ROLE regress_nj_caller;
GRANT SELECT ON nm, n2, n3, n4 TO regress_nj_caller;
CREATE FUNCTION try_sql(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; r text;
BEGIN
  EXECUTE q INTO r;
  RETURN 'ok: ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN st || ': ' || msg;
END $f$;
SET ROLE regress_nj_caller;
SELECT try_sql($$SELECT x::text FROM nq2(1, 'k1', 0, 100000)$$);
RESET ROLE;
REVOKE SELECT ON n4 FROM regress_nj_caller;
SET ROLE regress_nj_caller;
SELECT try_sql($$SELECT x::text FROM nq2(1, 'k1', 0, 100000)$$);
SELECT try_sql($$SELECT count(*)::text FROM nq2_batch('nm')$$);
RESET ROLE;
ALTER TABLE n3 ENABLE ROW LEVEL SECURITY;
SELECT try_sql($$SELECT x::text FROM nq1(1, 'k1', 0, 100000)$$);
ALTER TABLE n3 DISABLE ROW LEVEL SECURITY;
-- a table the lifted joins read cannot be dropped while deployed
SELECT try_sql($$DROP TABLE n4$$);

-- an unqualified column both tables have is the deployment's table's in the
-- OpenMLDB dialect (OpenMLDB's rule, its integration_test/join/
-- test_lastjoin_complex.yaml 9-2: k and ts are nm's, x is n2's); the
-- PostgreSQL dialect keeps PostgreSQL's 42702
INSERT INTO n2 VALUES ('q', 'a', 5, 10, 999);
SELECT feature_ext.deploy('namb', $$select k, x, ts from nm last join n2 on nm.k = n2.k$$);
SELECT * FROM namb(1, 'q', 7, 50);
SELECT feature_ext.undeploy('namb');
SELECT try_deploy($$SELECT k, j.x FROM nm LEFT JOIN LATERAL (SELECT * FROM n2 WHERE n2.k = nm.k LIMIT 1) j ON true$$);

SELECT feature_ext.undeploy(name) FROM nq ORDER BY name;
REVOKE ALL ON nm, n2, n3, n4 FROM regress_nj_caller;
DROP ROLE regress_nj_caller;
-- (the tables go: later tests list every skiplist index of the database)
DROP TABLE nm, n2, n3, n4, nres, nq CASCADE;
DROP PROCEDURE nreplay;
DROP FUNCTION try_deploy, try_sql, batch_same;
