-- batch(): offline features equal request mode replayed row by row
-- (OpenMLDB's protocol: request row i, then insert row i).
SET client_min_messages = warning;
CREATE TABLE bsrc (id serial, k text, v int, f float8, ts int8);
INSERT INTO bsrc (k, v, f, ts)
SELECT 'k' || (g % 4), CASE WHEN g % 9 = 0 THEN NULL ELSE (g * 31) % 47 END,
       CASE WHEN g % 13 = 0 THEN NULL ELSE ((g * 7919) % 1000) / 7.0 END,
       (g / 3) * 10 + (g % 2) * 5
  FROM generate_series(1, 120) g;
CREATE TABLE bt (k text, v int, f float8, ts int8) USING feature_store;
CREATE INDEX bt_k ON bt USING skiplist (k, ts);

CREATE TABLE online (frame text, id int, feats text);

-- Replay: for each source row, in order, request its features, then insert
-- it (each in its own transaction, as a live system would).
CREATE PROCEDURE replay(frame text) LANGUAGE plpgsql AS $f$
DECLARE r record;
BEGIN
  TRUNCATE bt;
  PERFORM feature_ext.deploy('bfeat', format($q$
    SELECT k, sum(v) OVER w AS s, count(*) OVER w AS c, max(f) OVER w AS mx, avg(f) OVER w AS af,
           avg(v) OVER w AS av, string_agg(v::text, ',') OVER w AS vs,
           count(*) FILTER (WHERE v > 20) OVER w AS big
      FROM bt WINDOW w AS (PARTITION BY k ORDER BY ts %s)$q$, frame), '{"replace": true}');
  COMMIT;
  FOR r IN SELECT * FROM bsrc ORDER BY id LOOP
    INSERT INTO online SELECT frame, r.id, row(x.*)::text FROM bfeat(r.k, r.v, r.f, r.ts) x;
    INSERT INTO bt VALUES (r.k, r.v, r.f, r.ts);
    COMMIT;
  END LOOP;
END $f$;

CREATE FUNCTION compare_batch(fr text) RETURNS TABLE(rows_compared bigint, differences bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY
  SELECT count(*), count(*) FILTER (WHERE o.feats IS DISTINCT FROM b.feats)
    FROM online o
    JOIN (SELECT row_number() OVER () AS id, row(x.*)::text AS feats FROM bfeat_batch('bt') x) b USING (id)
   WHERE o.frame = fr;
END $$;

CALL replay('ROWS BETWEEN 3 PRECEDING AND CURRENT ROW');
SELECT * FROM compare_batch('ROWS BETWEEN 3 PRECEDING AND CURRENT ROW');
CALL replay('ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING EXCLUDE CURRENT ROW');
SELECT * FROM compare_batch('ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING EXCLUDE CURRENT ROW');
CALL replay('RANGE BETWEEN 25 PRECEDING AND CURRENT ROW');
SELECT * FROM compare_batch('RANGE BETWEEN 25 PRECEDING AND CURRENT ROW');
CALL replay('RANGE BETWEEN 25 PRECEDING AND CURRENT ROW EXCLUDE GROUP');
SELECT * FROM compare_batch('RANGE BETWEEN 25 PRECEDING AND CURRENT ROW EXCLUDE GROUP');
CALL replay('GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE TIES');
SELECT * FROM compare_batch('GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE TIES');
CALL replay('');
SELECT * FROM compare_batch('');

-- A sample of the offline output, a query as the source, and the generic form.
SELECT * FROM bfeat_batch('bt') LIMIT 5;
SELECT count(*) FROM bfeat_batch('SELECT * FROM bt WHERE k = ''k1''');
SELECT * FROM feature_ext.batch('bfeat', 'bt')
  AS (k text, s bigint, c bigint, mx float8, af float8, av numeric, vs text, big bigint) LIMIT 2;
-- errors
SELECT * FROM feature_ext.batch('bfeat', 'bt');
SELECT * FROM feature_ext.batch('bfeat', 'bt') AS (k text);
SELECT * FROM bfeat_batch('SELECT k, v FROM bt');
SELECT * FROM bfeat_batch('SELECT k, v, f, ts::int4 FROM bt');
SELECT * FROM feature_ext.batch('nope', 'bt') AS (k text);

-- Two index groups, 20,000 rows, sorted externally (work_mem 64kB): equal to
-- PostgreSQL's own window executor, rows in source order.
CREATE TABLE b2 (k text, k2 int, v int, ts int8) USING feature_store;
CREATE INDEX b2_k ON b2 USING skiplist (k, ts);
CREATE INDEX b2_k2 ON b2 USING skiplist (k2, ts);
INSERT INTO b2 SELECT 'k' || (g % 37), g % 11, (g * 7919) % 1000, g FROM generate_series(1, 20000) g;
SELECT feature_ext.deploy('b2f', $$
SELECT k, k2, ts, sum(v) OVER w1 AS s1, count(*) OVER w2 AS c2, max(v) OVER w2 AS m2,
       sum(v) OVER w1 + count(*) OVER w2 AS mix
  FROM b2 WINDOW w1 AS (PARTITION BY k ORDER BY ts ROWS 20 PRECEDING),
                 w2 AS (PARTITION BY k2 ORDER BY ts RANGE 500 PRECEDING)$$);
SET work_mem = '64kB';
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE row(b.*)::text IS DISTINCT FROM row(n.*)::text) AS differences
  FROM b2f_batch('b2') b
  JOIN (SELECT k, k2, ts, sum(v) OVER w1 AS s1, count(*) OVER w2 AS c2, max(v) OVER w2 AS m2,
               sum(v) OVER w1 + count(*) OVER w2 AS mix
          FROM b2 WINDOW w1 AS (PARTITION BY k ORDER BY ts ROWS 20 PRECEDING),
                         w2 AS (PARTITION BY k2 ORDER BY ts RANGE 500 PRECEDING)) n USING (ts);
SELECT bool_and(ts = pos) AS source_order FROM (SELECT ts, row_number() OVER () AS pos FROM b2f_batch('b2')) s;
RESET work_mem;
SELECT feature_ext.undeploy('b2f');
DROP TABLE b2;

-- Sliding aggregates: batch() keeps count, int sums and min/max of filtered
-- rows incrementally.  Source rows out of time order (the key buffer shifts),
-- ties, 0.0 / -0.0 (PostgreSQL keeps the later of equal values) and NaN;
-- a FILTER that could raise an error (division) is evaluated per frame, as
-- in request mode.  Compared with the request-then-insert replay.
CREATE TABLE ssrc (id serial, k text, v int, f float8, ts int8);
INSERT INTO ssrc (k, v, f, ts)
SELECT 'k' || (g % 3), CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 23 - 11 END,
       (ARRAY['0', '-0', '-1.5', '-0', '0', NULL, '-0', '0', 'NaN', '1.5']::float8[])[1 + (g * 7) % 10],
       ((g * 7) % 50) * 3
  FROM generate_series(1, 150) g;
CREATE TABLE st (k text, v int, f float8, ts int8) USING feature_store;
CREATE INDEX st_k ON st USING skiplist (k, ts);
SELECT feature_ext.deploy('sfeat', $$
SELECT k, count(*) OVER w1 AS c1, count(v) FILTER (WHERE v > 0 AND f IS NOT NULL) OVER w1 AS cf,
       sum(v) OVER w1 AS s1, max(f) OVER w1 AS mxf, min(f) OVER w1 AS mnf,
       max(v) OVER w2 AS mxv, min(v) FILTER (WHERE v <> 3) OVER w2 AS mnv, max(f) OVER w2 AS mxf2,
       sum(v) FILTER (WHERE 100 / (v + 12) > 3) OVER w2 AS sdiv,
       count(f) OVER w3 AS c3, min(f) OVER w3 AS mnf3, sum(v) OVER w3 AS s3
  FROM st WINDOW w1 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW EXCLUDE TIES),
                 w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND 3 PRECEDING),
                 w3 AS (PARTITION BY k, feature_ext.maxsize(3) ORDER BY ts
                        RANGE BETWEEN 30 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)$$);
CREATE TABLE sonline (id int, feats text);
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM ssrc ORDER BY id LOOP
    INSERT INTO sonline SELECT r.id, row(x.*)::text FROM sfeat(r.k, r.v, r.f, r.ts) x;
    INSERT INTO st VALUES (r.k, r.v, r.f, r.ts);
    COMMIT;  -- rows are visible to requests once committed
  END LOOP;
END $$;
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE o.feats IS DISTINCT FROM b.feats) AS differences,
       count(*) FILTER (WHERE b.feats ~ ',-0[,)]') > 0 AS saw_minus_zero,
       count(*) FILTER (WHERE b.feats LIKE '%NaN%') > 0 AS saw_nan
  FROM sonline o
  JOIN (SELECT row_number() OVER () AS id, row(x.*)::text AS feats
          FROM sfeat_batch('SELECT k, v, f, ts FROM ssrc ORDER BY id') x) b USING (id);
SET feature_ext.jit = off;
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE o.feats IS DISTINCT FROM b.feats) AS differences
  FROM sonline o
  JOIN (SELECT row_number() OVER () AS id, row(x.*)::text AS feats
          FROM sfeat_batch('SELECT k, v, f, ts FROM ssrc ORDER BY id') x) b USING (id);
RESET feature_ext.jit;
SELECT feature_ext.undeploy('sfeat');
DROP TABLE ssrc, st, sonline;
-- A comparison of two text columns with different collations fails in
-- PostgreSQL only when evaluated; it never is here (the frame ends before the
-- current row and no key has an older row), so batch() must not slide it.
CREATE TABLE csrc (k int, ts int8, a text COLLATE "C", b text COLLATE "POSIX");
INSERT INTO csrc VALUES (1, 1, 'x', 'x'), (2, 1, 'y', 'z');
CREATE TABLE ct (k int, ts int8, a text COLLATE "C", b text COLLATE "POSIX") USING feature_store;
CREATE INDEX ct_k ON ct USING skiplist (k, ts);
SELECT feature_ext.deploy('cfeat', $$SELECT k, count(*) FILTER (WHERE a = b) OVER w AS c FROM ct
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING)$$);
SELECT * FROM cfeat_batch('SELECT k, ts, a, b FROM csrc');
SELECT k, count(*) FILTER (WHERE a = b) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING) AS c
  FROM csrc ORDER BY k;
SELECT feature_ext.undeploy('cfeat');
DROP TABLE csrc, ct;

SELECT feature_ext.undeploy('bfeat');
DROP PROCEDURE replay(text);
DROP FUNCTION compare_batch(text);
DROP TABLE online, bt, bsrc;

-- Two index groups and rows with a NULL key in one of them: such a row is
-- no request (no result) but an earlier row in the other group, as the
-- index holds it there for later requests (before 2026-12-05 batch() and
-- the insertion replay left it out of every group).  Against PostgreSQL's
-- window query over the table (rows in ts order = insertion order).
CREATE TABLE nk (id int, k text, g int, ts int8, v int8) USING feature_store;
CREATE INDEX ON nk USING skiplist (k, ts);
CREATE INDEX ON nk USING skiplist (g, ts);
INSERT INTO nk SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || (i % 3) END,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i % 4 END, i * 10, i FROM generate_series(1, 60) i;
SELECT feature_ext.deploy('nkd', $$SELECT id, sum(v) OVER w1 AS s1, count(*) OVER w1 AS c1, sum(v) OVER w2 AS s2, max(v) OVER w2 AS m2
  FROM nk WINDOW w1 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW),
                 w2 AS (PARTITION BY g ORDER BY ts RANGE BETWEEN 200 PRECEDING AND CURRENT ROW)$$);
CREATE VIEW nk_native AS SELECT id, s1, c1, s2, m2 FROM
  (SELECT id, k, g, sum(v) OVER w1 AS s1, count(*) OVER w1 AS c1, sum(v) OVER w2 AS s2, max(v) OVER w2 AS m2
     FROM nk WINDOW w1 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW),
                    w2 AS (PARTITION BY g ORDER BY ts RANGE BETWEEN 200 PRECEDING AND CURRENT ROW)) z
  WHERE k IS NOT NULL AND g IS NOT NULL;
SET feature_ext.jit = on;
SELECT count(*) AS rows, (SELECT count(*) FROM nk_native) AS native,
       (SELECT count(*) FROM (SELECT * FROM nkd_batch('SELECT * FROM nk ORDER BY id') EXCEPT SELECT * FROM nk_native) x) AS differ
  FROM nkd_batch('SELECT * FROM nk ORDER BY id');
SET feature_ext.jit = off;
SELECT count(*) AS rows, (SELECT count(*) FROM nk_native) AS native,
       (SELECT count(*) FROM (SELECT * FROM nkd_batch('SELECT * FROM nk ORDER BY id') EXCEPT SELECT * FROM nk_native) x) AS differ
  FROM nkd_batch('SELECT * FROM nk ORDER BY id');
-- the insertion replay of training_set(): the same features, NULL for the
-- rows with a NULL key
SELECT count(*) AS rows, count(*) FILTER (WHERE s1 IS NULL AND s2 IS NULL) AS without_features,
       (SELECT count(*) FROM (SELECT id, s1, c1, s2, m2 FROM feature_ext.training_set('nkd', 'SELECT * FROM nk ORDER BY id', NULL::nkd_result, mode => 'insertion')
                               WHERE id IN (SELECT id FROM nk WHERE k IS NOT NULL AND g IS NOT NULL) EXCEPT SELECT * FROM nk_native) x) AS differ
  FROM feature_ext.training_set('nkd', 'SELECT * FROM nk ORDER BY id', NULL::nkd_result, mode => 'insertion');
RESET feature_ext.jit;
SELECT feature_ext.undeploy('nkd');
DROP VIEW nk_native;
DROP TABLE nk;
