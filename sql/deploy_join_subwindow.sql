-- A LAST JOIN over a subquery with its own window (OpenMLDB's
-- t1 LAST JOIN (SELECT c1, count(c4) OVER w ... FROM t2 WINDOW w ...) tx ON ...,
-- and the same written in SQL): the row the LAST JOIN takes, with the window
-- values that row has over t2 (docs/DEPLOY.md "LAST JOIN over a subquery with
-- its own window").  A replay (request row i, insert it, each its own
-- transaction; rows of s2 arrive in between, with ties, late rows and NULL
-- keys) compares every request with PostgreSQL's executor running the
-- LATERAL subquery right after the row is inserted; batch and training_set
-- with it over the final tables.  Ties: the row's peers inserted after it
-- follow it (ROWS frames, row_number, lag, first_value: the executor's copy
-- orders the window by "ts, seq"); RANGE frames hold every peer (the
-- executor's copy as written); the LAST JOIN takes the row inserted last
-- ("tx.seq DESC").
SET client_min_messages = warning;
CREATE TABLE sm (id int, k text, v int, ts int8 NOT NULL) USING feature_store;
CREATE INDEX ON sm USING skiplist (k, ts);
CREATE TABLE s2 (k text, g int, x int, ts int8 NOT NULL, seq int) USING feature_store;
CREATE INDEX ON s2 USING skiplist (k, ts);
CREATE INDEX ON s2 USING skiplist (g, ts);
CREATE TABLE sres (name text, jit bool, i int, deployed jsonb, native jsonb);
CREATE TABLE sq (name text, tmpl text, native text);
-- sq1: ROWS, the window partitioned by the join's key (the same index),
-- point in time; positional functions
INSERT INTO sq VALUES ('sq1', $q$SELECT sm.id, tx.x, tx.ts AS tts, tx.c, tx.s, tx.rn, tx.lx, tx.fx FROM sm
  LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.x, s2.ts, s2.seq, count(*) OVER w AS c, sum(s2.x) OVER w AS s,
                                           row_number() OVER w AS rn, lag(s2.x) OVER w AS lx,
                                           first_value(s2.x) OVER w AS fx
                                      FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts%1$s
                                                           ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) tx
     WHERE tx.k = sm.k AND tx.ts <= sm.ts ORDER BY tx.ts DESC%2$s LIMIT 1) tx ON true$q$, NULL),
-- sq2: RANGE (every peer of the row in its frame), the window on another
-- index (g) than the join's (k), NULL partition values
('sq2', $q$SELECT sm.id, tx.x, tx.g, tx.ts AS tts, tx.seq AS tseq, tx.c, tx.s, tx.mx, tx.rk FROM sm
  LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.g, s2.x, s2.ts, s2.seq, count(*) OVER w AS c, sum(s2.x) OVER w AS s,
                                           max(s2.x) OVER w AS mx, rank() OVER w AS rk
                                      FROM s2 WINDOW w AS (PARTITION BY s2.g ORDER BY s2.ts
                                                           RANGE BETWEEN 50 PRECEDING AND CURRENT ROW)) tx
     WHERE tx.k = sm.k ORDER BY tx.ts DESC%2$s LIMIT 1) tx ON true$q$, NULL),
-- sq3: ROWS ending before the row, EXCLUDE CURRENT ROW, the join on g
-- (a request value) and the window on k
('sq3', $q$SELECT sm.id, tx.x, tx.k, tx.ts AS tts, tx.seq AS tseq, tx.s, tx.n, tx.s2 FROM sm
  LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.g, s2.x, s2.ts, s2.seq,
                                           sum(s2.x) OVER w AS s, count(s2.x) OVER w AS n, sum(s2.x) OVER w2 AS s2
                                      FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts%1$s
                                                           ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING),
                                                     w2 AS (PARTITION BY s2.k ORDER BY s2.ts%1$s
                                                            ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) tx
     WHERE tx.g = sm.v %% 4 AND tx.ts <= sm.ts ORDER BY tx.ts DESC%2$s LIMIT 1) tx ON true$q$, NULL),
-- sq5: a ROWS and a RANGE window on the same index and key (read twice:
-- the later peers in one, not in the other), the join on g
('sq5', $q$SELECT sm.id, tx.x, tx.k, tx.ts AS tts, tx.seq AS tseq, tx.c, tx.s, tx.cr, tx.sr FROM sm
  LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.g, s2.x, s2.ts, s2.seq,
                                           count(*) OVER w AS c, sum(s2.x) OVER w AS s,
                                           count(*) OVER w2 AS cr, sum(s2.x) OVER w2 AS sr
                                      FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts%1$s
                                                           ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
                                                     w2 AS (PARTITION BY s2.k ORDER BY s2.ts
                                                            RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)) tx
     WHERE tx.g = sm.v %% 4 ORDER BY tx.ts DESC%2$s LIMIT 1) tx ON true$q$, NULL),
-- sq4: the OpenMLDB dialect (a NULL key joins s2's NULL key)
('sq4', $q$select sm.id, tx.x, tx.c, tx.mn from sm last join
  (select k, x, ts, seq, count(x) over w as c, min(x) over w as mn from s2
    window w as (partition by k order by ts rows between 2 preceding and current row exclude current_row)) tx
  order by tx.ts on sm.k = tx.k$q$,
$q$SELECT sm.id, tx.x, tx.c, tx.mn FROM sm
  LEFT JOIN LATERAL (SELECT * FROM (SELECT k, x, ts, seq, count(x) OVER w AS c, min(x) OVER w AS mn FROM s2
      WINDOW w AS (PARTITION BY k ORDER BY ts, seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) tx
     WHERE sm.k IS NOT DISTINCT FROM tx.k ORDER BY tx.ts DESC, tx.seq DESC LIMIT 1) tx ON true$q$);

CREATE PROCEDURE sreplay(qname text, use_jit bool) LANGUAGE plpgsql AS $p$
DECLARE
  tmpl text := (SELECT tmpl FROM sq WHERE name = qname);
  native text := (SELECT native FROM sq WHERE name = qname);
  native_sql text;
  k text; ts int8; d jsonb; n jsonb;
BEGIN
  TRUNCATE sm, s2;
  PERFORM set_config('feature_ext.jit', CASE WHEN use_jit THEN 'on' ELSE 'off' END, false);
  PERFORM feature_ext.deploy(qname, format(tmpl, '', ''), '{"replace": true}');
  native_sql := format('SELECT to_jsonb(out_row) FROM (%s) out_row WHERE out_row.id = $1',
                       coalesce(native, format(tmpl, ', s2.seq', ', tx.seq DESC')));
  COMMIT;
  FOR i IN 1..240 LOOP
    IF i % 3 <> 2 THEN
      -- s2: keys k0..k3 and NULL, g 0..3 and NULL, ties (ts in steps of 20), late rows
      INSERT INTO s2 VALUES (CASE WHEN i % 19 = 0 THEN NULL ELSE 'k' || (i / 3) % 4 END,
                             CASE WHEN i % 13 = 0 THEN NULL ELSE (i / 4) % 4 END, (i * 37) % 23,
                             CASE WHEN i % 7 = 0 THEN ((i - 60) / 10) * 20 ELSE (i / 10) * 20 END, i);
    ELSE
      -- a request: k0..k4 (k4: no s2 row), NULL keys
      k := CASE WHEN i % 11 = 0 THEN NULL ELSE 'k' || (i % 5) END;
      ts := CASE WHEN i % 10 = 6 THEN i * 2 - 40 ELSE i * 2 + 1 END;
      EXECUTE format('SELECT to_jsonb(out_row) FROM %I($1, $2, $3, $4) out_row', qname)
        INTO d USING i, k, (i * 7) % 19, ts;
      INSERT INTO sm VALUES (i, k, (i * 7) % 19, ts);
      EXECUTE native_sql INTO n USING i;
      INSERT INTO sres VALUES (qname, use_jit, i, d, n);
    END IF;
    COMMIT;
  END LOOP;
END $p$;

CALL sreplay('sq1', true);
CALL sreplay('sq1', false);
CALL sreplay('sq2', true);
CALL sreplay('sq2', false);
CALL sreplay('sq3', true);
CALL sreplay('sq3', false);
CALL sreplay('sq5', true);
CALL sreplay('sq5', false);
CALL sreplay('sq4', true);
CALL sreplay('sq4', false);
-- every request equals the executor's row; the data has what the test is about
SELECT name, jit, count(*) AS requests, count(*) FILTER (WHERE deployed = native) AS same,
       count(*) FILTER (WHERE native->>'x' IS NOT NULL) AS found,
       count(DISTINCT native->>'c') + count(DISTINCT native->>'s') AS distinct_values
  FROM sres GROUP BY 1, 2 ORDER BY 1, 2;
SELECT name, jit, i, deployed, native FROM sres WHERE deployed IS DISTINCT FROM native ORDER BY 1, 2, 3 LIMIT 5;
-- ties the window and the LAST JOIN meet, rows inserted late, NULL keys
SELECT (SELECT count(*) FROM (SELECT k, ts FROM s2 GROUP BY k, ts HAVING count(*) > 1) t) AS tied_k,
       (SELECT count(*) FROM (SELECT g, ts FROM s2 GROUP BY g, ts HAVING count(*) > 1) t) AS tied_g,
       (SELECT count(*) FROM s2 a WHERE EXISTS (SELECT FROM s2 b WHERE b.k = a.k AND b.seq < a.seq AND b.ts > a.ts)) AS late,
       count(*) FILTER (WHERE k IS NULL) AS null_k, count(*) FILTER (WHERE g IS NULL) AS null_g
  FROM s2;
-- the row taken has a peer in its window's partition inserted after it and
-- before the request (sq3: its ROWS frames leave it out; sq2: its RANGE
-- frame counts it; sq5: both)
SELECT name, count(*) FILTER (WHERE EXISTS (
         SELECT FROM s2 b WHERE CASE name WHEN 'sq2' THEN b.g::text IS NOT DISTINCT FROM native->>'g'
                                          ELSE b.k IS NOT DISTINCT FROM native->>'k' END
                            AND b.ts = (native->>'tts')::int8 AND b.seq > (native->>'tseq')::int AND b.seq < i))
         AS later_peer
  FROM sres WHERE name IN ('sq2', 'sq3', 'sq5') AND jit GROUP BY 1 ORDER BY 1;

-- offline: batch (JIT on and off) and training_set equal the executor over
-- the final tables (sq4's replay; every deployment again over them)
CREATE FUNCTION batch_same(qname text, use_jit bool) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE native text := (SELECT coalesce(native, format(tmpl, ', s2.seq', ', tx.seq DESC')) FROM sq WHERE name = qname);
        total int; same int; nat int; tset int; tsame int;
BEGIN
  PERFORM set_config('feature_ext.jit', CASE WHEN use_jit THEN 'on' ELSE 'off' END, false);
  EXECUTE format('CREATE TEMP TABLE nat AS SELECT to_jsonb(o) AS r FROM (%s) o', native);
  EXECUTE format('SELECT count(*), count(*) FILTER (WHERE to_jsonb(b) IN (SELECT r FROM nat))
                    FROM %I(''SELECT * FROM sm ORDER BY ts'') b', qname || '_batch') INTO total, same;
  -- (training_set: sm's columns, then the features; a feature named as a
  -- column of sm gets "_feature" appended)
  EXECUTE format('SELECT count(*), count(*) FILTER (WHERE (SELECT jsonb_object_agg(regexp_replace(key, ''_feature$'', ''''), value)
                                                       FROM jsonb_each(to_jsonb(t)) WHERE key NOT IN (''id'', ''k'', ''v'', ''ts''))
                                                    IN (SELECT r FROM nat))
                    FROM feature_ext.training_set(%L, ''sm'') AS t%s', qname,
                 feature_ext.training_set_columns(qname, 'sm')) INTO tset, tsame;
  SELECT count(*) INTO nat FROM nat;
  DROP TABLE nat;
  RETURN format('%s rows, %s native rows, %s same; training_set %s rows, %s same', total, nat, same, tset, tsame);
END $f$;
SELECT feature_ext.deploy(name, format(tmpl, '', ''), '{"replace": true}') FROM sq WHERE name <> 'sq4' ORDER BY 1;
SELECT name, batch_same(name, true) AS jit_on, batch_same(name, false) AS jit_off FROM sq ORDER BY 1;

-- explain
SELECT line FROM regexp_split_to_table((SELECT feature_ext.explain('sq5')), E'\n') line
 WHERE line ~ 'LAST JOIN|window of its own';

-- refusals (0A000): the LAST JOIN's condition or ORDER BY on a window
-- column, frames and functions reading the rows after the row, a function
-- of the position over a RANGE frame, a WHERE inside, an expression over a
-- window column inside the LAST JOIN, a UNION ALL subquery inside
CREATE FUNCTION try_deploy(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; hint text;
BEGIN
  PERFORM feature_ext.deploy('sbad', q);
  RETURN 'deployed';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN st || ': ' || msg || coalesce(E'\n  HINT: ' || nullif(hint, ''), '');
END $f$;
SELECT try_deploy($$SELECT sm.id, tx.c FROM sm LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.ts, count(*) OVER w AS c
  FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts)) tx WHERE tx.k = sm.k AND tx.c > 1 ORDER BY tx.ts DESC LIMIT 1) tx ON true$$);
SELECT try_deploy($$SELECT sm.id, tx.c FROM sm LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.ts, count(*) OVER w AS c
  FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts)) tx WHERE tx.k = sm.k ORDER BY tx.c DESC LIMIT 1) tx ON true$$);
SELECT try_deploy($$SELECT sm.id, tx.c FROM sm LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.ts, count(*) OVER w AS c
  FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)) tx
  WHERE tx.k = sm.k ORDER BY tx.ts DESC LIMIT 1) tx ON true$$);
SELECT try_deploy($$SELECT sm.id, tx.c FROM sm LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.ts, lead(s2.x) OVER w AS c
  FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts)) tx WHERE tx.k = sm.k ORDER BY tx.ts DESC LIMIT 1) tx ON true$$);
SELECT try_deploy($$SELECT sm.id, tx.c, tx.d FROM sm LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.ts, count(*) OVER w AS c,
  first_value(s2.x) OVER w AS d FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts RANGE 10 PRECEDING)) tx
  WHERE tx.k = sm.k ORDER BY tx.ts DESC LIMIT 1) tx ON true$$);
SELECT try_deploy($$SELECT sm.id, tx.c FROM sm LEFT JOIN LATERAL (SELECT * FROM (SELECT s2.k, s2.ts, count(*) OVER w AS c
  FROM s2 WHERE s2.x > 1 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts)) tx WHERE tx.k = sm.k ORDER BY tx.ts DESC LIMIT 1) tx ON true$$);
SELECT try_deploy($$SELECT sm.id, tx.c + 1 AS c1 FROM sm LEFT JOIN LATERAL (SELECT tx.c + 1 AS c FROM (SELECT s2.k, s2.ts, count(*) OVER w AS c
  FROM s2 WINDOW w AS (PARTITION BY s2.k ORDER BY s2.ts)) tx WHERE tx.k = sm.k ORDER BY tx.ts DESC LIMIT 1) tx ON true$$);
SELECT try_deploy($$SELECT sm.id, tx.c FROM sm LEFT JOIN LATERAL (SELECT * FROM (SELECT u.k, u.ts, count(*) OVER w AS c
  FROM (SELECT k, x, ts FROM s2 UNION ALL SELECT k, v, ts FROM sm) u WINDOW w AS (PARTITION BY u.k ORDER BY u.ts)) tx
  WHERE tx.k = sm.k ORDER BY tx.ts DESC LIMIT 1) tx ON true$$);

-- security: SELECT on s2 and its row-level security, checked at every call
-- and every batch
CREATE ROLE regress_sw_caller;
GRANT SELECT ON sm, s2 TO regress_sw_caller;
CREATE FUNCTION try_sql(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; r text;
BEGIN
  EXECUTE q INTO r;
  RETURN 'ok: ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN st || ': ' || msg;
END $f$;
SET ROLE regress_sw_caller;
SELECT try_sql($$SELECT c::text FROM sq2(1, 'k1', 0, 100000)$$);
RESET ROLE;
REVOKE SELECT ON s2 FROM regress_sw_caller;
SET ROLE regress_sw_caller;
SELECT try_sql($$SELECT c::text FROM sq2(1, 'k1', 0, 100000)$$);
SELECT try_sql($$SELECT count(*)::text FROM sq2_batch('sm')$$);
RESET ROLE;
ALTER TABLE s2 ENABLE ROW LEVEL SECURITY;
SELECT try_sql($$SELECT c::text FROM sq2(1, 'k1', 0, 100000)$$);
SELECT try_sql($$SELECT count(*)::text FROM sq2_batch('sm')$$);
ALTER TABLE s2 DISABLE ROW LEVEL SECURITY;
SELECT try_sql($$SELECT c::text FROM sq2(1, 'k1', 0, 100000)$$);
-- s2 cannot be dropped while deployed; the window's index can, and the next
-- call names the index to create
SELECT try_sql($$DROP TABLE s2$$);
DROP INDEX s2_g_ts_idx;
SELECT try_sql($$SELECT c::text FROM sq2(1, 'k1', 0, 100000)$$);
CREATE INDEX ON s2 USING skiplist (g, ts);
SELECT try_sql($$SELECT c::text FROM sq2(1, 'k1', 0, 100000)$$);

SELECT feature_ext.undeploy(name) FROM sq ORDER BY name;
REVOKE ALL ON sm, s2 FROM regress_sw_caller;
DROP ROLE regress_sw_caller;
-- (the tables go: later tests list every skiplist index of the database)
DROP TABLE sm, s2, sres, sq CASCADE;
DROP PROCEDURE sreplay;
DROP FUNCTION try_deploy, try_sql, batch_same;
