-- Aggregates whose argument expressions allocate (docs/DEPLOY.md, "Memory
-- of a request"): the interpreter evaluates each row's FILTER and arguments
-- and calls the transition function in a per-row context reset after the
-- row, keeping the transition value in the aggregate's context by
-- PostgreSQL's rules (a by-reference value the transition function returns
-- is copied there unless it is its first input or a read/write expanded
-- object it owns; text min / max return one of their inputs, which lives in
-- the row's context).  Every answer is compared with PostgreSQL's own window
-- query over the same rows: requests, training_set() and <name>_batch(),
-- with the JIT on (count(*) and sum(n) compiled beside the interpreted
-- aggregates) and off.  test/scripts/agg_arg_memory.sh measures the memory.
SET client_min_messages = warning;
CREATE TABLE ga (k int, ts int8, s text, n int) USING feature_store;
CREATE INDEX ON ga USING skiplist (k, ts);
INSERT INTO ga
SELECT g % 3, g * 10, CASE WHEN g % 7 = 0 THEN NULL WHEN g % 13 = 0 THEN '' ELSE (ARRAY['pear', 'Apple', 'fig', 'kiwi_long_name', ''])[g % 5 + 1] || (g * 13 % 17) END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE g * 7 % 9 END
  FROM generate_series(1, 60) g;
-- requests: after every stored row of their key, and between stored rows
-- (order values no stored row has: no peers, whose order PostgreSQL leaves open)
CREATE TABLE gareq (g int, k int, ts int8, s text, n int);
INSERT INTO gareq
SELECT row_number() OVER (ORDER BY k, ts), k, ts, (ARRAY['zebra', NULL, 'Apple3', 'a'])[ts % 4 + 1], (ARRAY[4, NULL, 0, 8])[ts % 3 + 1]
  FROM generate_series(0, 3) k, (VALUES (5::int8), (95), (301), (595), (1000)) t(ts);

-- user-defined aggregates: array_append's expanded array (a read/write
-- expanded object made in the aggregate's context: adopted, not copied),
-- textcat (a new text each row: copied, the previous one freed), and a strict
-- transition function that returns NULL (the value stays NULL for the rows
-- after, as PostgreSQL's executor keeps it)
CREATE AGGREGATE public.ga_accum(anycompatible) (sfunc = array_append, stype = anycompatiblearray, initcond = '{}');
CREATE AGGREGATE public.ga_cat(text) (sfunc = textcat, stype = text, initcond = '');
CREATE FUNCTION public.ga_nsum_step(int, int) RETURNS int LANGUAGE sql IMMUTABLE STRICT
  AS 'SELECT CASE WHEN $2 = 0 THEN NULL ELSE $1 + $2 END';
CREATE AGGREGATE public.ga_nsum(int) (sfunc = public.ga_nsum_step, stype = int);

-- PostgreSQL's aggregates (and the user-defined ones above); feature_ext's
-- (their kernels copy what they keep into their own state)
\set feats 'count(*) OVER w AS c, sum(n) OVER w AS sn, max(s || repeat(''x'', n)) OVER w AS mx, min(upper(s) || n) OVER w AS mn, max(repeat(s, 3)) FILTER (WHERE n % 2 = 0) OVER w AS mxf, min(lower(s)) OVER w AS mnl, string_agg(lower(s) || '':'' || n, '','') OVER w AS sa, array_agg(s || n) OVER w AS aa, public.ga_accum(upper(s)) OVER w AS acc, public.ga_cat(s || ''|'') OVER w AS cat, public.ga_nsum(n) OVER w AS ns, max((n * 1.5)::numeric + 0.25) OVER w AS mxnum, min(make_interval(days => n, hours => length(s))) OVER w AS mni, avg(length(repeat(s, n))) OVER w AS al'
\set feats2 'count(*) OVER w AS c, feature_ext.distinct_count(lower(s)) OVER w AS dc, feature_ext.topn_frequency(upper(s), 2) OVER w AS tf, feature_ext.top(s || ''!'', 3) OVER w AS tp, feature_ext.count_cate(n, lower(s)) OVER w AS cc, feature_ext.max_cate(n, s || ''c'') OVER w AS xc, feature_ext.latest_value(repeat(s, 2)) OVER w AS lv, feature_ext.nth_value_where(s || n, 2, n > 3) OVER w AS nv, feature_ext.join(lower(s), ''-'') OVER w AS jn, feature_ext.median(length(repeat(s, n))::float8) OVER w AS md, feature_ext.min_where(length(s || ''ab''), n > 2) OVER w AS mw, feature_ext.max_where(length(repeat(s, n)), s > ''f'') OVER w AS xw'
\set win 'WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)'
SELECT feature_ext.deploy('garg', 'SELECT k, ' || :'feats' || ' FROM ga ' || :'win');
SELECT feature_ext.deploy('garg2', 'SELECT k, ' || :'feats2' || ' FROM ga ' || :'win');
SELECT d, substring(feature_ext.explain(d, false) FROM 'JIT: [^;(]*') AS compiled
  FROM (VALUES ('garg'), ('garg2')) v(d);

-- the features' text for the native queries below
SELECT set_config('ga.garg', :'feats', false) IS NOT NULL AS set, set_config('ga.garg2', :'feats2', false) IS NOT NULL AS set,
       set_config('ga.win', :'win', false) IS NOT NULL AS set;
-- ga_native(d, k, ts, s, n): PostgreSQL's window query for deployment d's
-- features over the key's stored rows before ts and the request row: the
-- request row's features
CREATE FUNCTION ga_native(d text, k int, ts int8, s text, n int) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text;
BEGIN
  EXECUTE format($q$SELECT row(y.*)::text FROM (
      SELECT k, %s FROM (SELECT $1 AS k, $2 AS ts, $3 AS s, $4 AS n, 0 AS src
                         UNION ALL SELECT k, ts, s, n, 1 FROM ga WHERE k = $1 AND ts < $2) x %s
       ORDER BY src LIMIT 1) y$q$, current_setting('ga.' || d), current_setting('ga.win')) INTO r USING k, ts, s, n;
  RETURN r;
END $f$;
-- ga_window_native(d): the native window over the table (each row's frame:
-- the rows before it), as text rows
CREATE FUNCTION ga_window_native(d text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
  RETURN QUERY EXECUTE format('SELECT row(y.*)::text FROM (SELECT k, %s FROM ga %s) y', current_setting('ga.' || d),
                              current_setting('ga.win'));
END $f$;

CREATE TABLE ga_results (jit text, deployment text, what text, compared bigint, differences bigint);
DO $$
DECLARE j text; d text;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH d IN ARRAY ARRAY['garg', 'garg2'] LOOP
      -- requests
      EXECUTE format($q$INSERT INTO ga_results
        SELECT %L, %L, 'requests', count(*), count(*) FILTER (WHERE r.t IS DISTINCT FROM ga_native(%L, q.k, q.ts, q.s, q.n))
          FROM gareq q, LATERAL (SELECT row(x.*)::text AS t FROM %I(q.k, q.ts, q.s, q.n) x) r$q$, j, d, d, d);
      -- training_set(): the same rows as labels
      EXECUTE format($q$INSERT INTO ga_results
        SELECT %L, %L, 'training_set', count(*), count(*) FILTER (WHERE t.t IS DISTINCT FROM ga_native(%L, q.k, q.ts, q.s, q.n))
          FROM (SELECT row_number() OVER () AS g, row(x.*)::text AS t
                  FROM feature_ext.training_set(%L, 'SELECT k, ts, s, n FROM gareq ORDER BY g', NULL::%I) x) t
          JOIN gareq q USING (g)$q$, j, d, d, d, d || '_result');
      -- <name>_batch(): each stored row against the rows before it = the
      -- native window over the table (order values are unique within a key)
      EXECUTE format($q$INSERT INTO ga_results
        SELECT %L, %L, 'batch', (SELECT count(*) FROM ga), count(*) FROM (
          (SELECT row(b.*)::text FROM %I('SELECT * FROM ga ORDER BY k, ts') b EXCEPT ALL SELECT * FROM ga_window_native(%L))
          UNION ALL
          (SELECT * FROM ga_window_native(%L) EXCEPT ALL SELECT row(b.*)::text FROM %I('SELECT * FROM ga ORDER BY k, ts') b)) x$q$,
        j, d, d || '_batch', d, d, d || '_batch');
    END LOOP;
  END LOOP;
END $$;
RESET feature_ext.jit;
SELECT * FROM ga_results ORDER BY jit, deployment, what;
-- what the comparison covered: NULL arguments and FILTERs, a strict
-- function's NULL kept, texts of many lengths (empty ones too)
SELECT count(*) FILTER (WHERE ns IS NULL AND c > 1) AS ns_null, count(*) FILTER (WHERE mxf IS NULL) AS mxf_null,
       count(*) FILTER (WHERE mnl = '') AS empty_min, max(length(mx)) AS longest_mx, count(DISTINCT acc) AS accs
  FROM garg_batch('ga');
SELECT mx, mn, mxf, mnl, ns, mxnum, mni, al FROM garg(1, 1000, 'zebra', 4);
SELECT sa, aa, acc, cat FROM garg(2, 95, NULL, 8);
SELECT dc, tf, tp, cc, xc, lv, nv, jn, md, mw, xw FROM garg2(0, 301, 'fig', 5);

SELECT feature_ext.undeploy(d) FROM (VALUES ('garg'), ('garg2')) v(d);
DROP FUNCTION ga_native(text, int, int8, text, int);
DROP FUNCTION ga_window_native(text);
DROP AGGREGATE public.ga_accum(anycompatible);
DROP AGGREGATE public.ga_cat(text);
DROP AGGREGATE public.ga_nsum(int);
DROP FUNCTION public.ga_nsum_step(int, int);
DROP TABLE ga, gareq, ga_results;
