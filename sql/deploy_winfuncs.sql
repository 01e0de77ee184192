-- PostgreSQL's built-in window functions in deployments: row_number, rank,
-- dense_rank, percent_rank, cume_dist, ntile, lag, lead (over the request's
-- partition: the stored rows up to its order value, then the request as the
-- last of its peers) and first_value, last_value, nth_value (over the frame,
-- after exclusions).  Every request is compared with PostgreSQL's own
-- executor over exactly that partition; then batch() with the replay.
SET client_min_messages = warning;
CREATE TABLE wsrc (id int, k text, v int, ts int8);
INSERT INTO wsrc
SELECT g, 'k' || (g % 3), CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 23 END, (g / 4) * 5 + (g % 3)
  FROM generate_series(1, 90) g;
CREATE TABLE wt (k text, v int, ts int8) USING feature_store;
CREATE INDEX wt_k ON wt USING skiplist (k, ts);

\set feats 'row_number() OVER wu AS rn, rank() OVER wu AS rk, dense_rank() OVER wu AS drk, percent_rank() OVER wu AS prk, cume_dist() OVER wu AS cd, ntile(4) OVER wu AS nt, lag(v) OVER wu AS lag1, lag(v, 3, -1) OVER wu AS lag3, lead(v) OVER wu AS lead1, lead(v, -2, 0) OVER wu AS leadm2, first_value(v) OVER wr AS fv_r, last_value(v) OVER wr AS lv_r, nth_value(v, 2) OVER wr AS nv_r, first_value(v) OVER wg AS fv_g, last_value(v) OVER wg AS lv_g, nth_value(v, 3) OVER wg AS nv_g, last_value(v) OVER wp AS lv_p, first_value(v) OVER wp AS fv_p, count(*) OVER wp AS n_p'
\set wins 'wu AS (PARTITION BY k ORDER BY ts), wr AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW), wg AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW EXCLUDE TIES), wp AS (PARTITION BY k ORDER BY ts GROUPS BETWEEN 2 PRECEDING AND 1 PRECEDING)'

SELECT feature_ext.deploy('wfeat', format('SELECT %s FROM wt WINDOW %s', :'feats', :'wins'));

CREATE TABLE wcheck (id int, online text, native text);
CREATE PROCEDURE wreplay(feats text, wins text) LANGUAGE plpgsql AS $p$
DECLARE r record; o text; n text;
BEGIN
  FOR r IN SELECT * FROM wsrc ORDER BY id LOOP
    SELECT row(f.*)::text INTO o FROM wfeat(r.k, r.v, r.ts) f;
    -- PostgreSQL's executor: this key's earlier rows up to the request's time,
    -- in insertion order among equal times, the request last
    EXECUTE format($q$
      SELECT row(x.*)::text FROM (
        SELECT %s, id FROM (
          SELECT * FROM (SELECT k, v, ts, id FROM wsrc WHERE k = $1 AND ts <= $2 AND id < $3
                         UNION ALL SELECT $1, $4, $2, $3) u ORDER BY ts, id) s
        WINDOW %s) x WHERE id = $3$q$, feats, wins)
      INTO n USING r.k, r.ts, r.id, r.v;
    INSERT INTO wcheck VALUES (r.id, o, regexp_replace(n, ',[0-9]+\)$', ')'));
    INSERT INTO wt VALUES (r.k, r.v, r.ts);
    COMMIT;
  END LOOP;
END $p$;
CALL wreplay(:'feats', :'wins');
SELECT count(*) AS requests, count(*) FILTER (WHERE online IS DISTINCT FROM native) AS differences FROM wcheck;
SELECT * FROM wcheck WHERE online IS DISTINCT FROM native ORDER BY id LIMIT 5;
-- a sample
SELECT * FROM wcheck WHERE id IN (1, 2, 45, 90) ORDER BY id;

-- batch(): the same answers as the replay, row by row
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE c.online IS DISTINCT FROM b.feats) AS differences
  FROM wcheck c JOIN (SELECT row_number() OVER () AS id, row(x.*)::text AS feats FROM wfeat_batch('wt') x) b USING (id);

-- JIT on or off: compiled aggregates beside interpreted window functions
SET feature_ext.jit = off;
SELECT count(*) FILTER (WHERE c.online IS DISTINCT FROM b.feats) AS differences_jit_off
  FROM wcheck c JOIN (SELECT row_number() OVER () AS id, row(x.*)::text AS feats FROM wfeat_batch('wt') x) b USING (id);
RESET feature_ext.jit;

-- errors
SELECT feature_ext.deploy('wbad', $$SELECT ntile(0) OVER (PARTITION BY k ORDER BY ts) FROM wt$$);
SELECT * FROM wbad('k1', 1, 1);
SELECT feature_ext.deploy('wbad2', $$SELECT nth_value(v, 0) OVER (PARTITION BY k ORDER BY ts) FROM wt$$);
SELECT * FROM wbad2('k1', 1, 1);
SELECT feature_ext.deploy('wbad3', $$SELECT row_number() FILTER (WHERE v > 1) OVER (PARTITION BY k ORDER BY ts) FROM wt$$);

SELECT feature_ext.undeploy('wfeat');
SELECT feature_ext.undeploy('wbad');
SELECT feature_ext.undeploy('wbad2');
DROP PROCEDURE wreplay(text, text);
DROP TABLE wsrc, wt, wcheck;
