-- Every frame rule, checked against PostgreSQL's own window executor: the
-- deployed function's answer for a request must equal the native query's
-- answer for that row when the table holds the stored rows plus the request
-- row as the last of its peers.
SET client_min_messages = warning;
CREATE TABLE fr (k text, v int, ts int8, seq serial) USING feature_store;
CREATE INDEX fr_k ON fr USING skiplist (k, ts) INCLUDE (v);
-- keys with ties, gaps, NULL values
INSERT INTO fr (k, v, ts)
SELECT 'k' || (g % 3), CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 101 END, (g / 2) * 10
  FROM generate_series(1, 60) g;
CREATE TABLE fr_req (k text, v int, ts int8);
INSERT INTO fr_req VALUES ('k0', 5, 150), ('k1', NULL, 100), ('k2', 7, 295), ('k0', 1, 0), ('k9', 3, 50),
                          ('k1', 8, 1000), ('k2', 2, 200);

CREATE FUNCTION check_frame(frame text) RETURNS TABLE(req text, deployed text, native text, same bool)
LANGUAGE plpgsql AS $f$
DECLARE
  r record;
  d text; n text;
BEGIN
  PERFORM feature_ext.deploy('fr_feat', format($q$
    SELECT sum(v) OVER w AS s, count(*) OVER w AS c, count(v) OVER w AS cv, max(v) OVER w AS mx,
           avg(v) OVER w AS av, string_agg(v::text, ',') OVER w AS vs
      FROM fr WINDOW w AS (PARTITION BY k ORDER BY ts %s)$q$, frame), '{"replace": true}');
  FOR r IN SELECT * FROM fr_req LOOP
    SELECT row(f.*)::text INTO d FROM fr_feat(r.k, r.v, r.ts, 0) f;
    -- Stored rows up to the request's order value, in insertion order among
    -- equal values, then the request as the last of its peers; the subquery's
    -- order feeds the window unchanged (no re-sort).
    EXECUTE format($q$
      SELECT row(s, c, cv, mx, av, vs)::text FROM (
        SELECT is_req, sum(v) OVER w AS s, count(*) OVER w AS c, count(v) OVER w AS cv, max(v) OVER w AS mx,
               avg(v) OVER w AS av, string_agg(v::text, ',') OVER w AS vs
          FROM (SELECT * FROM (SELECT k, v, ts, seq, false AS is_req FROM fr WHERE k = $1 AND ts <= $3
                               UNION ALL SELECT $1, $2, $3, 2147483647, true) u ORDER BY ts, seq) x
        WINDOW w AS (ORDER BY ts %s)) y WHERE is_req$q$, frame)
      INTO n USING r.k, r.v, r.ts;
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

-- Any difference in detail (expected: no rows).
SELECT frame, c.* FROM (VALUES ('ROWS BETWEEN 3 PRECEDING AND CURRENT ROW'), ('RANGE BETWEEN 20 PRECEDING AND CURRENT ROW'))
  f(frame), LATERAL check_frame(frame) c WHERE NOT c.same;
SELECT feature_ext.undeploy('fr_feat');
DROP FUNCTION check_frame(text);
DROP TABLE fr, fr_req;
