-- Adversarial review of branch mem (merge 777cd9b): interpreted aggregates in
-- a per-row memory context (advance_aggregate, src/deploy/exec_pg.cpp) and
-- union tables' computed columns in a scratch context (compute_pending).
-- Each check prints "ok NAME" or "BUG NAME: observed ... / expected ..."
-- (run by review_mem.sh).  The oracle: PostgreSQL's own window query over
-- the key's stored rows plus the request row.
SET client_min_messages = warning;
\set QUIET on
CREATE FUNCTION chk(name text, got text, want text) RETURNS text LANGUAGE sql AS
  $$ SELECT CASE WHEN got IS NOT DISTINCT FROM want THEN 'ok ' || name
                 ELSE 'BUG ' || name || ': observed ' || left(coalesce(got, 'NULL'), 300) || ' / expected ' || left(coalesce(want, 'NULL'), 300) END $$;
CREATE FUNCTION err(q text) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS OR query_canceled THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;

-- ---- data: texts of many sizes (some > 2 kB: compressed inline / toasted),
-- numerics of huge precision, floats, arrays, a domain
CREATE DOMAIN public.dtext AS text CHECK (VALUE <> 'forbidden');
CREATE DOMAIN public.dint AS int4[];
CREATE TABLE m (k int, ts int8, s text, n int, x float8, num numeric, arr int4[], dt public.dtext, ai public.dint) USING feature_store;
CREATE INDEX ON m USING skiplist (k, ts);
CREATE FUNCTION bigtxt(g int, len int) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT left(string_agg(md5((g * 1000 + i)::text), ''), len) FROM generate_series(1, len / 32 + 1) i $$;
INSERT INTO m SELECT g % 3, g * 10,
  CASE WHEN g % 9 = 0 THEN NULL WHEN g % 4 = 0 THEN repeat(chr(65 + g % 26), 3000 + g)  -- compressible > 2 kB
       WHEN g % 4 = 1 THEN bigtxt(g, 2500 + g * 7)                                           -- barely compressible > 2 kB
       ELSE 'v' || (g * 37 % 101) END,
  CASE WHEN g % 11 = 0 THEN NULL ELSE g * 7 % 13 END,
  CASE WHEN g % 8 = 0 THEN NULL ELSE (g * 0.1::float8) / 3 + 1e-7 * g END,
  CASE WHEN g % 10 = 0 THEN NULL ELSE round(1::numeric / (g + 7), 900) * 10::numeric ^ (g % 50) END,
  CASE WHEN g % 6 = 0 THEN NULL ELSE ARRAY[g, g % 5, NULL] END,
  CASE WHEN g % 5 = 0 THEN NULL ELSE 'd' || g % 17 END,
  ARRAY[g % 4, g]
  FROM generate_series(1, 150) g;
-- request rows (order values between stored ones: no peers)
CREATE TABLE mreq AS SELECT row_number() OVER (ORDER BY k, ts)::int AS g, ROW(k, ts + 5, s, n, x, num, arr, dt, ai)::m AS r
  FROM m WHERE ts % 70 = 0 OR ts = 1500 OR ts = 10;
INSERT INTO mreq SELECT 1000 + i, ROW(i % 3, 99999, CASE WHEN i = 0 THEN NULL ELSE repeat('Z', 5000) END, CASE WHEN i = 1 THEN NULL ELSE 0 END,
  NULL, 12345678901234567890.123456789, '{}', 'zz', '{9}')::m FROM generate_series(0, 2) i;

-- ---- user-defined aggregates
-- SQL / plpgsql transitions returning their input; non-strict, first non-NULL kept
CREATE FUNCTION public.sql_keep(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT coalesce($1, $2)';
CREATE AGGREGATE public.agg_sql_keep(text) (sfunc = public.sql_keep, stype = text);
CREATE FUNCTION public.pl_keep(a text, b text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS 'BEGIN IF a IS NULL THEN RETURN b; END IF; RETURN a; END';
CREATE AGGREGATE public.agg_pl_keep(text) (sfunc = public.pl_keep, stype = text);
-- plpgsql returning its argument (the latest row's value: pointer into the row)
CREATE FUNCTION public.pl_last(a text, b text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN coalesce(b, a); END';
CREATE AGGREGATE public.agg_pl_last(text) (sfunc = public.pl_last, stype = text);
CREATE FUNCTION public.sql_last(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT coalesce($2, $1)';
CREATE AGGREGATE public.agg_sql_last(text) (sfunc = public.sql_last, stype = text);
-- plpgsql array append (expanded array local variable returned)
CREATE FUNCTION public.pl_app(a int4[], b int4) RETURNS int4[] LANGUAGE plpgsql IMMUTABLE AS 'BEGIN a := a || b; RETURN a; END';
CREATE AGGREGATE public.agg_pl_app(int4) (sfunc = public.pl_app, stype = int4[], initcond = '{}');
CREATE FUNCTION public.sql_app(int4[], int4) RETURNS int4[] LANGUAGE sql IMMUTABLE AS 'SELECT $1 || $2';
CREATE AGGREGATE public.agg_sql_app(int4) (sfunc = public.sql_app, stype = int4[], initcond = '{}');
-- C transitions returning one of their inputs (by-ref): array_larger, interval_larger, numeric_larger, text_smaller
CREATE AGGREGATE public.agg_arr_max(int4[]) (sfunc = array_larger, stype = int4[]);
CREATE AGGREGATE public.agg_ival_max(interval) (sfunc = interval_larger, stype = interval);
CREATE AGGREGATE public.agg_num_max(numeric) (sfunc = numeric_larger, stype = numeric);
CREATE AGGREGATE public.agg_txt_min(text) (sfunc = text_smaller, stype = text);
-- expanded arrays: array_append / array_cat / array_prepend
CREATE AGGREGATE public.agg_app(anycompatible) (sfunc = array_append, stype = anycompatiblearray, initcond = '{}');
CREATE AGGREGATE public.agg_cat(int4[]) (sfunc = array_cat, stype = int4[]);
-- final functions: READ_ONLY, SHAREABLE, READ_WRITE (modifies the state)
CREATE FUNCTION public.fin_len(int4[]) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT cardinality($1)';
CREATE AGGREGATE public.agg_app_len(int4) (sfunc = array_append, stype = int4[], initcond = '{}', finalfunc = public.fin_len, finalfunc_modify = read_write);
-- a strict transition returning NULL, then numbers again
CREATE FUNCTION public.nsum_step(int, int) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS 'SELECT CASE WHEN $2 = 0 THEN NULL ELSE $1 + $2 END';
CREATE AGGREGATE public.agg_nsum(int) (sfunc = public.nsum_step, stype = int, initcond = '0');
-- moving aggregate with an inverse (the interpreter restarts per request)
CREATE AGGREGATE public.agg_mv(int8) (sfunc = int8pl, stype = int8, initcond = '0', msfunc = int8pl, minvfunc = int8mi, mstype = int8, minitcond = '0');
-- a domain-typed state
CREATE FUNCTION public.dt_step(public.dtext, public.dtext) RETURNS public.dtext LANGUAGE sql IMMUTABLE AS 'SELECT (coalesce($1, '''') || left(coalesce($2, ''-''), 3))::public.dtext';
CREATE AGGREGATE public.agg_dt(public.dtext) (sfunc = public.dt_step, stype = public.dtext);

-- The oracle reads a heap copy of m (mh): PostgreSQL's own window query over
-- the feature_store table itself crashes the backend in one case (see
-- review_mem.sh, pg_window_over_feature_store).
CREATE TABLE mh AS SELECT * FROM m;
-- native(feats, win, r): PostgreSQL's window query over the key's stored
-- rows before the request row and the request row: the request row's features
CREATE FUNCTION native(feats text, win text, r m) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE res text;
BEGIN
  EXECUTE format($q$SELECT row(y.*)::text FROM (
      SELECT k, %s FROM (SELECT ($1).*, 0 AS src UNION ALL SELECT *, 1 FROM mh WHERE k = ($1).k AND ts < ($1).ts) x %s
       ORDER BY src LIMIT 1) y$q$, feats, win) INTO res USING r;
  RETURN res;
END $f$;
CREATE FUNCTION native_all(feats text, win text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN RETURN QUERY EXECUTE format('SELECT row(y.*)::text FROM (SELECT k, %s FROM mh %s) y', feats, win); END $f$;

CREATE TABLE res (name text, jit text, what text, n bigint, bad text);
-- probe(name, feats, win [, ofeats]): deploy; requests, training_set(), batch() against the oracle
-- (PostgreSQL's window query over ofeats if given, else feats), JIT on / off
CREATE FUNCTION probe(name text, feats text, win text, ofeats text DEFAULT NULL) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE j text; e text; o text := coalesce(ofeats, feats);
BEGIN
  BEGIN
    PERFORM feature_ext.deploy(name, format('SELECT k, %s FROM m %s', feats, win));
  EXCEPTION WHEN OTHERS THEN
    e := SQLSTATE || ' ' || SQLERRM;
    INSERT INTO res VALUES (name, '-', 'deploy', 0, 'deploy refused: ' || e);
    RETURN;
  END;
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    BEGIN
      EXECUTE format($q$INSERT INTO res SELECT %L, %L, 'requests', count(*),
          min(q.g || ': ' || coalesce(t.t, 'NULL') || ' vs ' || coalesce(native(%L, %L, q.r), 'NULL')) FILTER (WHERE t.t IS DISTINCT FROM native(%L, %L, q.r))
        FROM mreq q, LATERAL (SELECT row(x.*)::text AS t FROM %I(q.r) x) t$q$, name, j, o, win, o, win, name);
      EXECUTE format($q$INSERT INTO res SELECT %L, %L, 'training_set', count(*),
          min(q.g || ': ' || t.t) FILTER (WHERE t.t IS DISTINCT FROM native(%L, %L, q.r))
        FROM (SELECT row_number() OVER () AS g, row(x.*)::text AS t
                FROM feature_ext.training_set(%L, 'SELECT (r).* FROM mreq ORDER BY g', NULL::%I) x) t JOIN mreq q USING (g)$q$,
        name, j, o, win, name, name || '_result');
      EXECUTE format($q$INSERT INTO res SELECT %L, %L, 'batch', (SELECT count(*) FROM m), (SELECT min(z) FROM (
          (SELECT row(b.*)::text AS z FROM %I('SELECT * FROM m ORDER BY k, ts') b EXCEPT ALL SELECT * FROM native_all(%L, %L))
          UNION ALL
          (SELECT * FROM native_all(%L, %L) EXCEPT ALL SELECT row(b.*)::text FROM %I('SELECT * FROM m ORDER BY k, ts') b)) zz)$q$,
        name, j, name || '_batch', o, win, o, win, name || '_batch');
    EXCEPTION WHEN OTHERS THEN
      e := SQLSTATE || ' ' || SQLERRM;
      INSERT INTO res VALUES (name, j, 'run', 0, 'error: ' || e);
    END;
  END LOOP;
  RESET feature_ext.jit;
END $f$;

\set w6 'WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)'
\set wu 'WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)'
\set w0 'WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN CURRENT ROW AND CURRENT ROW)'
\set wr 'WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 200 PRECEDING AND CURRENT ROW)'

-- plpgsql transitions.  The oracle runs their SQL twins: PostgreSQL's own
-- window query with these plpgsql transitions can crash the backend (a
-- PostgreSQL bug, nodeWindowAgg.c, test/scripts/pg_window_plpgsql_crash.sql);
-- a deployment's interpreter keeps a NULL state as 0 (exec_pg.cpp,
-- advance_aggregate) and is not affected.
SELECT probe('p_pl6', 'count(*) OVER w AS c, public.agg_pl_keep(upper(s)) OVER w AS a2, public.agg_pl_last(s || n) OVER w AS a3, public.agg_pl_app(n) OVER w AS a4', :'w6',
             'count(*) OVER w AS c, public.agg_sql_keep(upper(s)) OVER w AS a2, public.agg_sql_last(s || n) OVER w AS a3, public.agg_sql_app(n) OVER w AS a4');
SELECT probe('p_plu', 'count(*) OVER w AS c, public.agg_pl_keep(upper(s)) OVER w AS a2, public.agg_pl_last(s || n) OVER w AS a3, public.agg_pl_app(n) OVER w AS a4', :'wu',
             'count(*) OVER w AS c, public.agg_sql_keep(upper(s)) OVER w AS a2, public.agg_sql_last(s || n) OVER w AS a3, public.agg_sql_app(n) OVER w AS a4');
SELECT probe('p_udf', 'count(*) OVER w AS c, public.agg_sql_keep(s) OVER w AS a1, public.agg_sql_keep(s || n) OVER w AS a2', :'w6');
SELECT probe('p_cref', 'count(*) OVER w AS c, public.agg_arr_max(arr) OVER w AS a1, public.agg_arr_max(arr || n) OVER w AS a1b, public.agg_ival_max(make_interval(days => n)) OVER w AS a2, public.agg_num_max(num) OVER w AS a3, public.agg_txt_min(s) OVER w AS a4, public.agg_txt_min(lower(s)) FILTER (WHERE length(repeat(s, 2)) > 100) OVER w AS a5', :'w6');
SELECT probe('p_exp', 'count(*) OVER w AS c, public.agg_app(n) OVER w AS a1, public.agg_app(s) OVER w AS a1s, public.agg_cat(arr) OVER w AS a2, public.agg_cat(array_append(arr, n)) OVER w AS a2b, public.agg_app(array_length(arr, 1)) OVER w AS a3', :'wu');
SELECT probe('p_internal', 'count(*) OVER w AS c, string_agg(s, '','') OVER w AS a1, array_agg(ARRAY[coalesce(n, -1), 1]) OVER w AS a2, json_agg(s) OVER w AS a3, jsonb_agg(num) OVER w AS a4, avg(num) OVER w AS a5, sum(num) OVER w AS a6, avg(n) OVER w AS a7, sum(n::int8) OVER w AS a8', :'w6');
SELECT probe('p_strict', 'count(*) OVER w AS c, public.agg_nsum(n) OVER w AS a1, public.agg_mv(n::int8) OVER w AS a2, max(s) OVER w AS a3, min(s) OVER w AS a4, max(dt) OVER w AS a5, public.agg_dt(dt) OVER w AS a6, max(ai) OVER w AS a7, min(num) OVER w AS a8, bit_and(n) OVER w AS a9, bool_and(n > 2) OVER w AS a10, every(s IS NULL) OVER w AS a11', :'wr');
SELECT probe('p_floats', 'sum(x) OVER w AS a1, avg(x) OVER w AS a2, stddev(x) OVER w AS a3, var_samp(x * 3) OVER w AS a4, sum(x::float4) OVER w AS a5, corr(x, n) OVER w AS a6, regr_slope(x, n) OVER w AS a7, sum(x) FILTER (WHERE n > 3) OVER w AS a8', :'wu');
SELECT probe('p_floats6', 'sum(x) OVER w AS a1, avg(x) OVER w AS a2, stddev_pop(x) OVER w AS a3, sum(x * 1.1) OVER w AS a4', :'w6');
SELECT probe('p_reqonly', 'count(*) OVER w AS c, string_agg(s, '','') OVER w AS a1, max(s) OVER w AS a2, public.agg_app(n) OVER w AS a3, public.agg_nsum(n) OVER w AS a4, sum(num) OVER w AS a5, public.agg_cat(arr) OVER w AS a6', :'w0');
SELECT probe('p_filter', 'count(*) FILTER (WHERE length(repeat(coalesce(s, ''''), 3)) > 5000) OVER w AS c, max(upper(s)) FILTER (WHERE s || ''x'' > ''m'') OVER w AS a1, string_agg(repeat(left(s, 2), n), ''/'') FILTER (WHERE (arr || n)[1] % 2 = 0) OVER w AS a2, sum(num * num) FILTER (WHERE num::text LIKE ''%1%'') OVER w AS a3', :'w6');
SELECT probe('p_many', 'max(s) OVER w AS a1, min(s) OVER w AS a2, max(lower(s)) OVER w AS a3, min(upper(s)) OVER w AS a4, max(s || ''1'') OVER w AS a5, min(s || ''2'') OVER w AS a6, max(md5(s)) OVER w AS a7, string_agg(md5(s), '''') OVER w AS a8, max(num) OVER w AS a9, min(num * 2) OVER w AS a10, sum(num / 3) OVER w AS a11, public.agg_app(left(s, 3)) OVER w AS a12, max(s) FILTER (WHERE n > 1) OVER w AS a13, min(s) FILTER (WHERE n < 9) OVER w AS a14, count(s) OVER w AS a15', :'w6');
-- a READ_WRITE final function: PostgreSQL refuses it as a window function
SELECT chk('finalfunc_read_write_refused_like_postgresql',
  left(err($$SELECT feature_ext.deploy('p_rw', 'SELECT k, public.agg_app_len(n) OVER w AS a FROM m WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)')$$), 5),
  left(err($$SELECT public.agg_app_len(n) OVER (ORDER BY ts) FROM m$$), 5));
-- A plpgsql transition returning NULL returns a stale Datum (the argument's
-- previous value); a later non-NULL result copied to that address must still
-- be copied into the aggregate context (PostgreSQL's window executor does not:
-- test/scripts/pg_window_plpgsql_crash.sql).  Key p holds NULL, y * ly,
-- z * 100; the request row w * lw: 5,200 requests over the lengths that make
-- the addresses coincide there.
CREATE TABLE sw (k int, ts int8, s text, n int, x float8, num numeric, arr int4[], dt public.dtext, ai public.dint) USING feature_store;
CREATE INDEX ON sw USING skiplist (k, ts);
INSERT INTO sw (k, ts, s) SELECT lw * 100 + ly, o, CASE o WHEN 1 THEN NULL WHEN 2 THEN repeat('y', ly) ELSE repeat('z', 100) END
  FROM generate_series(1, 130) lw, generate_series(1, 40) ly, generate_series(1, 3) o;
SELECT feature_ext.deploy('p_plnull', $$SELECT k, public.agg_pl_keep(upper(s COLLATE "C")) OVER w AS a, public.agg_pl_last(s) OVER w AS b
  FROM sw WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)$$) \g /dev/null
SET feature_ext.jit = on;
SELECT chk('plpgsql_transition_stale_null_state_jit_on',
  (SELECT count(*) FILTER (WHERE (x).a IS DISTINCT FROM upper(repeat('y', ly)) OR (x).b IS DISTINCT FROM repeat('w', lw))
     FROM generate_series(1, 130) lw, generate_series(1, 40) ly,
          LATERAL p_plnull(ROW(lw * 100 + ly, 4, repeat('w', lw), NULL, NULL, NULL, NULL, NULL, NULL)::sw) x)::text, '0');
SET feature_ext.jit = off;
SELECT chk('plpgsql_transition_stale_null_state_jit_off',
  (SELECT count(*) FILTER (WHERE (x).a IS DISTINCT FROM upper(repeat('y', ly)) OR (x).b IS DISTINCT FROM repeat('w', lw))
     FROM generate_series(1, 130) lw, generate_series(1, 40) ly,
          LATERAL p_plnull(ROW(lw * 100 + ly, 4, repeat('w', lw), NULL, NULL, NULL, NULL, NULL, NULL)::sw) x)::text, '0');
RESET feature_ext.jit;

SELECT CASE WHEN bad IS NULL THEN 'ok ' ELSE 'BUG ' END || name || '_' || what || '_jit_' || jit ||
       CASE WHEN bad IS NULL THEN ' (' || n || ' rows)' ELSE ': observed ' || left(bad, 400) || ' / expected PostgreSQL''s window answer' END
  FROM res ORDER BY name, jit, what;

-- ---- errors mid-aggregate, then the next call in the same backend
CREATE TABLE e (k int, ts int8, n int, s text) USING feature_store;
CREATE INDEX ON e USING skiplist (k, ts);
INSERT INTO e SELECT 1, g, CASE WHEN g = 3000 THEN 0 ELSE g END, repeat('e', 100) || g FROM generate_series(1, 5000) g;
SELECT feature_ext.deploy('edz', $$SELECT k, string_agg(s || (100 / n), ',') OVER w AS sa, max(s || (1 / n)) OVER w AS mx, public.agg_app(100 / n) OVER w AS ap
  FROM e WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT feature_ext.deploy('eok', $$SELECT k, string_agg(s, ',') OVER w AS sa, max(s) OVER w AS mx, public.agg_app(n) OVER w AS ap
  FROM e WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$) \g /dev/null
DO $$ DECLARE j text; i int; BEGIN
 FOREACH j IN ARRAY ARRAY['on','off'] LOOP PERFORM set_config('feature_ext.jit', j, false);
  FOR i IN 1..3 LOOP
   INSERT INTO res VALUES ('error_division_by_zero_' || i, j, 'x', 0, nullif(left(err('SELECT * FROM edz(1, 9999, 5, ''q'')'), 5), '22012'));
   INSERT INTO res SELECT 'after_error_' || i, j, 'x', 0, nullif(t, w) || ' vs ' || w FROM
     (SELECT (SELECT row(x.*)::text FROM eok(1, 9999, 7, 'q') x) t,
             (SELECT row(1, string_agg(s, ','), max(s), array_agg(n))::text FROM (SELECT * FROM (SELECT s, n, ts FROM e ORDER BY ts DESC LIMIT 10) a UNION ALL SELECT 'q', 7, 9999 ORDER BY ts) b) w) z;
   INSERT INTO res VALUES ('error_in_batch_' || i, j, 'x', 0, nullif(left(err('SELECT count(*) FROM edz_batch(''SELECT * FROM e'')'), 5), '22012'));
  END LOOP; END LOOP; RESET feature_ext.jit; END $$;
SELECT CASE WHEN bad IS NULL THEN 'ok ' || name || '_jit_' || jit ELSE 'BUG ' || name || '_jit_' || jit || ': observed ' || bad || ' / expected the same / SQLSTATE 22012' END
  FROM res WHERE what = 'x' ORDER BY name, jit;

-- ---- statement_timeout in the middle of one long interpreted aggregate
-- (one request reading 50,000 rows, each argument hashing 2 kB: the check
-- for cancel comes every 1,024 rows, ~2% of the run, so the run stops soon
-- after the timeout however loaded the machine), then the next call in the
-- same backend
CREATE TABLE es (k int, ts int8, n int, s text) USING feature_store;
CREATE INDEX ON es USING skiplist (k, ts);
INSERT INTO es SELECT 1, g, g, repeat('e', 100) || g FROM generate_series(1, 50000) g;
SELECT feature_ext.deploy('eslow', $$SELECT k, max(md5(repeat(s, 20))) OVER w AS mx, string_agg(left(md5(s), 4), '') OVER w AS sa
  FROM es WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)$$) \g /dev/null
CREATE FUNCTION timed(q text, OUT st text, OUT ms int) LANGUAGE plpgsql AS $f$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN st := left(err(q), 5); ms := extract(epoch FROM clock_timestamp() - t0) * 1000; END $f$;
SELECT t.ms AS full_ms FROM timed('SELECT * FROM eslow(1, 99999, 1, ''q'')') t \gset
SET statement_timeout = '60ms';
-- (timed() in FROM: called once; `(timed(...)).*` calls it once per column,
-- the second call running after the timeout had fired)
SELECT t.st, t.ms FROM timed('SELECT * FROM eslow(1, 99999, 1, ''q'')') t \gset
RESET statement_timeout;
SELECT chk('statement_timeout_mid_aggregate (full run ' || :full_ms || ' ms, cancelled after ' || :ms || ' ms)',
  CASE WHEN :'st' = '57014' AND (:ms < 60 + :full_ms / 2 OR :full_ms < 200) THEN 'cancelled' ELSE :'st' || ' after ' || :ms || ' ms' END, 'cancelled');
SELECT chk('after_timeout_same_backend', (SELECT row(x.*)::text FROM eslow(1, 99999, 1, 'q') x),
  (SELECT row(1, max(md5(repeat(s, 20))), string_agg(left(md5(s), 4), '' ORDER BY ts))::text FROM (SELECT s, ts FROM es UNION ALL SELECT 'q', 99999) z));

-- ---- union window: computed column in the union branch (compute_pending), interpreted aggregates over it
CREATE TABLE um (k int, ts int8, s text, n int) USING feature_store;
CREATE INDEX ON um USING skiplist (k, ts);
INSERT INTO um SELECT g % 3, g * 10 + 3, 'main' || g, g FROM generate_series(1, 30) g;
CREATE TABLE umh AS SELECT * FROM um;
SELECT feature_ext.deploy('pun', $$SELECT k, count(*) OVER w AS c, max(s) OVER w AS mx, string_agg(s, ',') OVER w AS sa, sum(n) OVER w AS sn, public.agg_app(n) OVER w AS ap, public.agg_txt_min(s || n) OVER w AS mn
  FROM (SELECT k, ts, s, n FROM um UNION ALL SELECT k, ts, upper(left(s, 40)) || length(repeat(s, 3)), octet_length(repeat(coalesce(s, ''), 4)) FROM m) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 8 PRECEDING AND CURRENT ROW)$$) \g /dev/null
CREATE FUNCTION pun_native(r um) RETURNS text LANGUAGE sql AS $f$
 SELECT row(y.k, y.c, y.mx, y.sa, y.sn, y.ap, y.mn)::text FROM (SELECT z.*, count(*) OVER w AS c, max(s) OVER w AS mx, string_agg(s, ',') OVER w AS sa, sum(n) OVER w AS sn, public.agg_app(n) OVER w AS ap, public.agg_txt_min(s || n) OVER w AS mn FROM
  (SELECT r.k, r.ts, r.s, r.n, 1 AS src UNION ALL SELECT k, ts, s, n, 0 FROM umh WHERE k = r.k AND ts < r.ts
   UNION ALL SELECT k, ts, upper(left(s, 40)) || length(repeat(s, 3)), octet_length(repeat(coalesce(s, ''), 4)), 0 FROM mh WHERE k = r.k AND ts < r.ts) z
  WINDOW w AS (ORDER BY ts ROWS BETWEEN 8 PRECEDING AND CURRENT ROW)) y WHERE src = 1 $f$;
DO $$ DECLARE j text; BEGIN
 FOREACH j IN ARRAY ARRAY['on','off'] LOOP PERFORM set_config('feature_ext.jit', j, false);
  INSERT INTO res SELECT 'union_computed_requests', j, 'u', count(*), min(t || ' vs ' || w) FILTER (WHERE t IS DISTINCT FROM w) FROM
    (SELECT (SELECT row(x.*)::text FROM pun(r) x) t, pun_native(r) w FROM (SELECT ROW(k, ts + 1, 'q' || ts, n)::um r FROM um UNION ALL SELECT ROW(1, 5000, NULL, NULL)::um) rr) z;
  -- batch() over um's rows (its source): each row against the rows before it
  INSERT INTO res SELECT 'union_computed_batch', j, 'u', count(*), min(z) FROM (
    (SELECT row(b.*)::text z FROM pun_batch('SELECT * FROM um ORDER BY k, ts') b EXCEPT ALL SELECT pun_native(u) FROM um u)
    UNION ALL (SELECT pun_native(u) FROM um u EXCEPT ALL SELECT row(b.*)::text FROM pun_batch('SELECT * FROM um ORDER BY k, ts') b)) zz;
 END LOOP; RESET feature_ext.jit; END $$;
SELECT CASE WHEN bad IS NULL THEN 'ok ' || name || '_jit_' || jit || ' (' || n || ' rows)' ELSE 'BUG ' || name || '_jit_' || jit || ': observed ' || left(bad, 400) || ' / expected PostgreSQL''s window answer' END
  FROM res WHERE what = 'u' ORDER BY name, jit;
