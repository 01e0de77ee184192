-- Pre-aggregation with text conditions (docs/DEPLOY.md, "Long windows";
-- docs/STORAGE.md, "Block summaries"): `count_where(*, c = 'x')`,
-- `sum_where(x, c <> 'y')`, FILTER (WHERE c = 'x') over a text / varchar
-- column take the blocks' per-value maps, keyed by a hash of the value's
-- bytes (texteq / textne under a deterministic collation: byte equality).
-- Every answer must equal PostgreSQL's own window executor running the
-- same aggregates over the stored rows plus the request row as the last of
-- its peers, pre-aggregation on and off, JIT on and off, after DELETEs,
-- late rows, GC rebuilds and TTL cuts; a nondeterministic collation, a
-- user operator, a column of many values, read rows; summaries are taken.
SET client_min_messages = warning;
-- c: text of 4 values and NULLs (one of them empty); v: varchar of 3
-- values; m: text of 60 values (maps overflow); a, b integers.
CREATE TABLE pt (k text, ts int8, seq serial, a int, b int8, c text, v varchar(10), m text) USING feature_store;
CREATE INDEX pt_k ON pt USING skiplist (k, ts);
INSERT INTO pt (k, ts, a, b, c, v, m)
SELECT 'a', (g / 3) * 10,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7919) % 2001 - 1000 END,
       CASE WHEN g % 13 = 0 THEN NULL ELSE (g::int8 * 104729) % 1000000007 * (1 - 2 * (g % 2)) END,
       CASE WHEN g % 19 = 0 THEN NULL ELSE (ARRAY['x', 'y', 'zz', ''])[(g * 7) % 4 + 1] END,
       CASE WHEN g % 23 = 0 THEN NULL ELSE (ARRAY['p', 'q', 'Q'])[g % 3 + 1] END,
       'm' || (g * 13) % 60
  FROM generate_series(1, 12000) g;
INSERT INTO pt (k, ts, a, b, c, v, m) SELECT 'b', g * 10, g, g, 'x', 'p', 'm1' FROM generate_series(1, 40) g;
SELECT feature_ext.run_gc() >= 0 AS gc;

CREATE TABLE pt_req (k text, ts int8, a int, b int8, c text, v varchar(10), m text);
INSERT INTO pt_req VALUES ('a', 40000, 5, 7, 'x', 'p', 'm3'),
                          ('a', 39990, NULL, -3, 'y', 'Q', 'm7'),
                          ('a', 25000, 1, NULL, NULL, NULL, NULL),
                          ('a', 9000, -4, 2, '', 'q', 'm0'),
                          ('a', 5, 0, 0, 'zz', 'p', 'm1'),
                          ('b', 1000, 1, 1, 'x', 'p', 'm1'), ('z', 100, 1, 1, 'x', 'p', 'm1');

CREATE FUNCTION check_pt(wins text, feats text, tbl text DEFAULT 'pt', native_where text DEFAULT 'true',
  jits bool[] DEFAULT ARRAY[false], nrows int DEFAULT NULL,
  native_win text DEFAULT NULL)
RETURNS TABLE(req text, preagg bool, jit bool, same bool, deployed text, native text)
LANGUAGE plpgsql AS $f$
DECLARE
  r record;
  d text; n text;
  pre bool; j bool;
BEGIN
  IF nrows IS NOT NULL THEN
    native_where := format('%s AND seq IN (SELECT seq FROM %s WHERE k = $1 AND ts <= $2 ORDER BY ts DESC, seq DESC LIMIT %s)',
                           native_where, tbl, nrows);
  END IF;
  PERFORM set_config('feature_ext.jit', (true = ANY(jits))::text, true);
  PERFORM feature_ext.deploy('pt_feat', format($q$SELECT %s FROM %s WINDOW %s$q$,
                                               feats, tbl, format(wins, 'PARTITION BY k ORDER BY ts')),
                             '{"replace": true}');
  FOR r IN SELECT * FROM pt_req LOOP
    EXECUTE format($q$
      SELECT row(y.*)::text FROM (
        SELECT %s, is_req
          FROM (SELECT * FROM (SELECT k, ts, seq, a, b, c, v, m, false AS is_req FROM %s
                                WHERE k = $1 AND ts <= $2 AND %s
                               UNION ALL SELECT $1, $2, 2147483647, $3, $4, $5, $6, $7, true) u ORDER BY ts, seq) x
        WINDOW %s) y WHERE is_req$q$, feats, tbl, native_where,
        format(coalesce(native_win, wins), 'ORDER BY ts'))
      INTO n USING r.k, r.ts, r.a, r.b, r.c, r.v, r.m;
    FOREACH pre IN ARRAY ARRAY[true, false] LOOP
      FOREACH j IN ARRAY jits LOOP
        PERFORM set_config('feature_ext.preaggregate', pre::text, true);
        PERFORM set_config('feature_ext.jit', j::text, true);
        SELECT row(x.*)::text INTO d FROM pt_feat(r.k, r.ts, 0, r.a, r.b, r.c, r.v, r.m) x;
        req := r.k || '@' || r.ts; preagg := pre; jit := j; same := left(d, -1) || ',t)' = n;
        deployed := d; native := n;
        RETURN NEXT;
      END LOOP;
    END LOOP;
  END LOOP;
END $f$;

CREATE FUNCTION rows_taken() RETURNS int8 LANGUAGE sql AS $$SELECT rows_taken FROM feature_ext.preagg_stats()$$;
CREATE TEMP TABLE taken (at text, n int8);
INSERT INTO taken VALUES ('start', rows_taken());

-- Frames with EXCLUDE make PostgreSQL's executor aggregate every row's
-- frame from scratch (quadratic in the rows fed to it).  Only the request's
-- answer is compared, and the request is the last row fed: those checks
-- feed exactly the frame's stored rows (nrows / native_where: peers dropped
-- for EXCLUDE TIES / GROUP) and let the executor aggregate them in the same
-- order over an equivalent frame it computes incrementally: every row up to
-- the request (EXCLUDE TIES, the peers gone) or every row before it
-- (EXCLUDE CURRENT ROW / GROUP).
\set upto_req 'w AS (%1$s ROWS UNBOUNDED PRECEDING)'
\set before_req 'w AS (%1$s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)'

\set wfeats 'feature_ext.count_where(c = ''x'') OVER w AS n1, feature_ext.sum_where(a, c <> ''y'') OVER w AS s1, feature_ext.min_where(b, ''zz'' = c) OVER w AS m1, feature_ext.max_where(a, c = '''') OVER w AS x1, feature_ext.count_where(b, v = ''Q'') OVER w AS n2, feature_ext.sum_where(b, v <> ''p'') OVER w AS s2, feature_ext.avg_where(a, c = ''nope'') OVER w AS a1'
\set ffeats 'count(*) FILTER (WHERE c = ''x'') OVER w AS n1, sum(a) FILTER (WHERE c <> ''y'') OVER w AS s1, min(b) FILTER (WHERE v = ''q'') OVER w AS m1, max(a) FILTER (WHERE ''zz'' <> c) OVER w AS x1, count(b) FILTER (WHERE c = '''') OVER w AS n2, avg(a) FILTER (WHERE v <> ''Q'') OVER w AS a2'
SELECT 'where rows 5000' AS frame, * FROM check_pt('w AS (%1$s ROWS 5000 PRECEDING)', :'wfeats', jits => ARRAY[true, false], nrows => 5010) WHERE NOT same;
SELECT 'where range unbounded' AS frame, * FROM check_pt('w AS (%1$s RANGE UNBOUNDED PRECEDING)', :'wfeats') WHERE NOT same;
SELECT 'where range excl' AS frame, * FROM check_pt('w AS (%1$s RANGE BETWEEN 20000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)', :'wfeats', native_where => 'ts >= $2 - 20000',
  native_win => :'before_req') WHERE NOT same;
SELECT 'filter rows unbounded' AS frame, * FROM check_pt('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'ffeats', jits => ARRAY[true, false]) WHERE NOT same;
SELECT 'filter rows excl ties' AS frame, * FROM check_pt('w AS (%1$s ROWS 3000 PRECEDING EXCLUDE TIES)', :'ffeats', nrows => 3000,
  native_where => 'ts < $2', native_win => :'upto_req') WHERE NOT same;
SELECT 'filter range 15000 excl group' AS frame, * FROM check_pt('w AS (%1$s RANGE 15000 PRECEDING EXCLUDE GROUP)', :'ffeats', native_where => 'ts >= $2 - 15000 AND ts < $2',
  native_win => :'before_req') WHERE NOT same;
INSERT INTO taken VALUES ('text conditions', rows_taken());

-- Read rows (same answers, no summaries): a column of 60 values (maps
-- overflow), a nondeterministic collation, a user operator that runs
-- something else than texteq, LIKE.
CREATE COLLATION pt_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE FUNCTION pt_eq_ci(text, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT lower($1) = lower($2)$$;
CREATE OPERATOR public.#=# (LEFTARG = text, RIGHTARG = text, FUNCTION = pt_eq_ci);
SELECT rows_taken() AS before \gset
SELECT 'many values' AS frame, * FROM check_pt('w AS (%1$s ROWS UNBOUNDED PRECEDING)', 'feature_ext.count_where(m = ''m7'') OVER w AS n1, sum(a) FILTER (WHERE m <> ''m3'') OVER w AS s1') WHERE NOT same;
SELECT rows_taken() = :before AS many_values_read_rows;
SELECT 'nondeterministic' AS frame, * FROM check_pt('w AS (%1$s ROWS UNBOUNDED PRECEDING)', 'feature_ext.count_where(v = ''q'' COLLATE pt_ci) OVER w AS n1, sum(a) FILTER (WHERE c COLLATE pt_ci <> ''X'') OVER w AS s1') WHERE NOT same;
SELECT 'user operator' AS frame, * FROM check_pt('w AS (%1$s ROWS UNBOUNDED PRECEDING)', 'feature_ext.count_where(v #=# ''q'') OVER w AS n1, sum(a) FILTER (WHERE c #=# ''X'') OVER w AS s1') WHERE NOT same;
SELECT 'like' AS frame, * FROM check_pt('w AS (%1$s ROWS UNBOUNDED PRECEDING)', 'feature_ext.count_where(c LIKE ''z%%'') OVER w AS n1') WHERE NOT same;
SELECT rows_taken() = :before AS other_conditions_read_rows;
-- (the nondeterministic collation's answers differ from byte equality)
SET feature_ext.preaggregate = on;
SELECT feature_ext.deploy('pt_ci_feat', $$SELECT feature_ext.count_where(v = 'q' COLLATE pt_ci) OVER w AS ci,
  feature_ext.count_where(v = 'q') OVER w AS bytes FROM pt WINDOW w AS (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING)$$);
SELECT x.* FROM pt_ci_feat('a', 40000, 0, 1, 1, 'x', 'q', 'm1') x;
SELECT feature_ext.undeploy('pt_ci_feat');
RESET feature_ext.preaggregate;

-- The OpenMLDB dialect's count_where(*, c = 'x') and sum_where over strings.
SELECT feature_ext.deploy('pt_om', $$SELECT count_where(*, c = 'x') OVER w AS n1, sum_where(b, c != 'y') OVER w AS s1,
  min_where(a, v = 'Q') OVER w AS m1, count_where(a, c = '') OVER w AS n2
  FROM `pt` WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 4000 PRECEDING AND CURRENT ROW)$$);
SET feature_ext.preaggregate = on;
SELECT rows_taken() AS before \gset
CREATE TEMP TABLE om_on AS SELECT r.k, r.ts, row(x.*)::text AS got FROM pt_req r, LATERAL pt_om(r.k, r.ts, 0, r.a, r.b, r.c, r.v, r.m) x;
SELECT rows_taken() > :before AS dialect_took_summaries;
SET feature_ext.preaggregate = off;
CREATE TEMP TABLE om_off AS SELECT r.k, r.ts, row(x.*)::text AS got FROM pt_req r, LATERAL pt_om(r.k, r.ts, 0, r.a, r.b, r.c, r.v, r.m) x;
RESET feature_ext.preaggregate;
SELECT o.k, o.ts, o.got = f.got AS same, o.got FROM om_on o JOIN om_off f USING (k, ts) ORDER BY o.k, o.ts;
SELECT feature_ext.undeploy('pt_om');
INSERT INTO taken VALUES ('openmldb dialect', rows_taken());

-- DELETEs inside blocks, late rows inside compacted blocks (a new value
-- among them), GC rebuilds.
DELETE FROM pt WHERE k = 'a' AND seq % 97 = 0 AND ts BETWEEN 12000 AND 30000;
SELECT 'where after delete' AS frame, * FROM check_pt('w AS (%1$s ROWS 5000 PRECEDING)', :'wfeats', jits => ARRAY[true, false], nrows => 5010) WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'filter after rebuild' AS frame, * FROM check_pt('w AS (%1$s RANGE UNBOUNDED PRECEDING)', :'ffeats') WHERE NOT same;
INSERT INTO pt (k, ts, a, b, c, v, m) SELECT 'a', g * 1000 + 5, 77, -77, CASE WHEN g % 2 = 0 THEN 'x' ELSE 'nope' END, 'Q', 'm1' FROM generate_series(5, 35) g;
SELECT 'where after late rows' AS frame, * FROM check_pt('w AS (%1$s ROWS 5000 PRECEDING)', :'wfeats', nrows => 5010) WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'filter after late rows' AS frame, * FROM check_pt('w AS (%1$s RANGE 25000 PRECEDING)', :'ffeats', native_where => 'ts >= $2 - 25000') WHERE NOT same;
SELECT 'where after late rows gc' AS frame, * FROM check_pt('w AS (%1$s ROWS UNBOUNDED PRECEDING)', :'wfeats', jits => ARRAY[true, false]) WHERE NOT same;
INSERT INTO taken VALUES ('after changes', rows_taken());

-- TTL: an event-clock absolute TTL of 30 s, then a row limit.
CREATE TABLE ptt (k text, ts int8, seq serial, a int, b int8, c text, v varchar(10), m text) USING feature_store;
CREATE INDEX ptt_k ON ptt USING skiplist (k, ts) WITH (ttl = '30s', ttl_clock = 'event');
INSERT INTO ptt (k, ts, a, b, c, v, m) SELECT k, ts, a, b, c, v, m FROM pt ORDER BY seq;
SELECT feature_ext.run_gc() >= 0 AS gc;
INSERT INTO ptt (k, ts, a, b, c, v, m) SELECT 'a', 40000 + g * 10, g, g, (ARRAY['x', 'y'])[g % 2 + 1], 'p', 'm2' FROM generate_series(1, 700) g;
SELECT 'where ttl abs moved' AS frame, * FROM check_pt('w AS (%1$s ROWS 20000 PRECEDING)', :'wfeats', tbl => 'ptt', native_where =>
  'ts >= (SELECT max(ts) FROM ptt p2 WHERE p2.k = $1) - 30000') WHERE NOT same;
SELECT feature_ext.run_gc() >= 0 AS gc;
SELECT 'filter ttl abs after gc' AS frame, * FROM check_pt('w AS (%1$s ROWS 9000 PRECEDING)', :'ffeats', tbl => 'ptt', native_where =>
  'ts >= (SELECT max(ts) FROM ptt p2 WHERE p2.k = $1) - 30000', nrows => 9010) WHERE NOT same;
SELECT feature_ext.undeploy('pt_feat');
DROP TABLE ptt;
CREATE TABLE ptt (k text, ts int8, seq serial, a int, b int8, c text, v varchar(10), m text) USING feature_store;
CREATE INDEX ptt_k ON ptt USING skiplist (k, ts) WITH (ttl_type = 'latest', ttl_rows = 7000);
INSERT INTO ptt (k, ts, a, b, c, v, m) SELECT k, ts, a, b, c, v, m FROM pt ORDER BY seq;
SELECT feature_ext.run_gc() >= 0 AS gc;
INSERT INTO ptt (k, ts, a, b, c, v, m) SELECT 'a', 50000 + g * 10, g, g, (ARRAY['x', ''])[g % 2 + 1], 'q', 'm2' FROM generate_series(1, 600) g;
SELECT 'where ttl latest' AS frame, * FROM check_pt('w AS (%1$s ROWS 6900 PRECEDING)', :'wfeats', tbl => 'ptt', native_where =>
  'seq IN (SELECT seq FROM ptt p2 WHERE p2.k = $1 ORDER BY ts DESC, seq DESC LIMIT 7000)', nrows => 6910) WHERE NOT same;
INSERT INTO taken VALUES ('ttl', rows_taken());

-- Summaries were taken at each stage.
SELECT at, n - lag(n) OVER (ORDER BY ord) > 0 AS took_summaries
  FROM (SELECT at, n, row_number() OVER () AS ord FROM taken) t ORDER BY ord OFFSET 1;
SELECT feature_ext.undeploy('pt_feat');
DROP TABLE pt, ptt, pt_req;
DROP OPERATOR public.#=# (text, text);
DROP FUNCTION check_pt, rows_taken, pt_eq_ci;
DROP COLLATION pt_ci;
