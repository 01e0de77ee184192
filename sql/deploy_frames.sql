-- Every frame rule, checked against PostgreSQL's own window executor: the
-- deployed function's answer for a request must equal the native query's
-- answer for that row when the table holds the stored rows plus the request
-- row as the last of its peers.
SET client_min_messages = warning;
CREATE TABLE fr (k text, v int, ts int8, seq serial, f float8) USING feature_store;
CREATE INDEX fr_k ON fr USING skiplist (k, ts) INCLUDE (v, f);
-- keys with ties, gaps, NULL values
INSERT INTO fr (k, v, ts, f)
SELECT 'k' || (g % 3), CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 101 END, (g / 2) * 10,
       CASE WHEN g % 11 = 0 THEN NULL WHEN g = 25 THEN 'NaN' WHEN g = 40 THEN 'Infinity'
            WHEN g = 41 THEN '-Infinity' ELSE ((g * 7919) % 1000) / 7.0 END
  FROM generate_series(1, 60) g;
CREATE TABLE fr_req (k text, v int, ts int8, f float8);
INSERT INTO fr_req VALUES ('k0', 5, 150, 1.5), ('k1', NULL, 100, NULL), ('k2', 7, 295, 'NaN'), ('k0', 1, 0, -2),
                          ('k9', 3, 50, 0.1), ('k1', 8, 1000, 1e6), ('k2', 2, 200, 'Infinity');

CREATE FUNCTION check_frame(frame text, feats text DEFAULT
  'sum(v) OVER w AS s, count(*) OVER w AS c, count(v) OVER w AS cv, max(v) OVER w AS mx, '
  'avg(v) OVER w AS av, string_agg(v::text, '','') OVER w AS vs, min(v) OVER w AS mn')
RETURNS TABLE(req text, deployed text, native text, same bool)
LANGUAGE plpgsql AS $f$
DECLARE
  r record;
  d text; n text;
BEGIN
  PERFORM feature_ext.deploy('fr_feat', format($q$
    SELECT %s FROM fr WINDOW w AS (PARTITION BY k ORDER BY ts %s)$q$, feats, frame), '{"replace": true}');
  FOR r IN SELECT * FROM fr_req LOOP
    SELECT row(x.*)::text INTO d FROM fr_feat(r.k, r.v, r.ts, 0, r.f) x;
    -- Stored rows up to the request's order value, in insertion order among
    -- equal values, then the request as the last of its peers; the subquery's
    -- order feeds the window unchanged (no re-sort).
    EXECUTE format($q$
      SELECT row(y.*)::text FROM (
        SELECT %s, is_req
          FROM (SELECT * FROM (SELECT k, v, ts, seq, f, false AS is_req FROM fr WHERE k = $1 AND ts <= $3
                               UNION ALL SELECT $1, $2, $3, 2147483647, $4, true) u ORDER BY ts, seq) x
        WINDOW w AS (ORDER BY ts %s)) y WHERE is_req$q$, feats, frame)
      INTO n USING r.k, r.v, r.ts, r.f;
    n := regexp_replace(n, ',t\)$', ')');
    req := format('%s/%s/%s', r.k, r.v, r.ts); deployed := d; native := n; same := d IS NOT DISTINCT FROM n;
    RETURN NEXT;
  END LOOP;
END $f$;

SELECT frame, bool_and(same) AS all_same, count(*) FROM (VALUES
  ('ROWS BETWEEN 3 PRECEDING AND CURRENT ROW'),
  ('ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW'),
  ('ROWS BETWEEN 4 PRECEDING AND 1 PRECEDING'),
  ('ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW'),
  ('ROWS BETWEEN UNBOUNDED PRECEDING AND 2 PRECEDING'),
  ('ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING'),
  ('ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING'),
  ('ROWS BETWEEN 0 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW'),
  ('ROWS BETWEEN 5 PRECEDING AND CURRENT ROW EXCLUDE GROUP'),
  ('ROWS BETWEEN 5 PRECEDING AND CURRENT ROW EXCLUDE TIES'),
  ('RANGE BETWEEN 20 PRECEDING AND CURRENT ROW'),
  ('RANGE BETWEEN 20 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW'),
  ('RANGE BETWEEN 20 PRECEDING AND CURRENT ROW EXCLUDE GROUP'),
  ('RANGE BETWEEN 20 PRECEDING AND CURRENT ROW EXCLUDE TIES'),
  ('RANGE BETWEEN 50 PRECEDING AND 10 PRECEDING'),
  ('RANGE BETWEEN 0 PRECEDING AND 0 FOLLOWING'),
  ('RANGE BETWEEN CURRENT ROW AND CURRENT ROW'),
  ('RANGE BETWEEN 10 FOLLOWING AND UNBOUNDED FOLLOWING'),
  ('RANGE UNBOUNDED PRECEDING'),
  (''),
  ('GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW'),
  ('GROUPS BETWEEN 3 PRECEDING AND 1 PRECEDING'),
  ('GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE GROUP'),
  ('GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING')
) f(frame), LATERAL check_frame(frame) GROUP BY frame ORDER BY frame;

-- float8 aggregates (typed loops) with NULL, NaN and infinities.
SELECT frame, bool_and(same) AS all_same, count(*) FROM (VALUES
  ('ROWS BETWEEN 3 PRECEDING AND CURRENT ROW'),
  ('ROWS BETWEEN 6 PRECEDING AND 1 PRECEDING'),
  ('ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW'),
  ('RANGE BETWEEN 30 PRECEDING AND CURRENT ROW EXCLUDE TIES'),
  ('GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW')
) fr(frame), LATERAL check_frame(frame,
  'sum(f) OVER w AS s, avg(f) OVER w AS a, max(f) OVER w AS mx, min(f) OVER w AS mn, count(f) OVER w AS c, '
  'sum(f) FILTER (WHERE f > 10) OVER w AS sg, stddev(f) OVER w AS sd') GROUP BY frame ORDER BY frame;

-- What is compared, for one frame (deployed and native agree).
SELECT req, deployed FROM check_frame('ROWS BETWEEN 6 PRECEDING AND 1 PRECEDING',
  'sum(f) OVER w AS s, avg(f) OVER w AS a, max(f) OVER w AS mx, min(f) OVER w AS mn, count(f) OVER w AS c') ORDER BY 1;

-- Any difference in detail (expected: no rows).
SELECT frame, c.* FROM (VALUES ('ROWS BETWEEN 3 PRECEDING AND CURRENT ROW'), ('RANGE BETWEEN 20 PRECEDING AND CURRENT ROW'))
  f(frame), LATERAL check_frame(frame) c WHERE NOT c.same;
SELECT feature_ext.undeploy('fr_feat');
DROP FUNCTION check_frame(text, text);
DROP TABLE fr, fr_req;
