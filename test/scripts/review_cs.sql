-- Adversarial review of branch cs (issue 16): the FROM subquery's computed
-- columns computed per stored row a window reads.  Each check prints
-- "ok NAME" or "BUG NAME: observed ... / expected ..." (run by review_cs.sh).
SET client_min_messages = warning;
\set QUIET on
\ir review_lib.sql
CREATE FUNCTION err(q text) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS OR query_canceled THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;

-- ---- 1. a computed column shadowing / swapping the table's column names
CREATE TABLE t (id int4, k text, ts int8, v int8, cf float4, s text) USING feature_store;
CREATE INDEX ON t USING skiplist (k, ts);
INSERT INTO t SELECT g, 'k'||(g%3), g*10, CASE WHEN g%7=0 THEN NULL ELSE (g*13)%41-10 END,
  (g%5)+0.5, CASE WHEN g%5=0 THEN NULL ELSE 'x'||g END FROM generate_series(1,600) g;
SELECT feature_ext.deploy('sh', $$
  SELECT id, sum(v) OVER w AS sv, max(raw) OVER w AS mr FROM (SELECT id, k, ts, v * 2 AS v, v AS raw FROM t) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT feature_ext.deploy('sw', $$
  SELECT id, sum(v) OVER w AS sv, sum(cf) OVER w AS sc FROM (SELECT id, k, ts, CAST(cf AS int8) AS v, CAST(v AS float4) AS cf FROM t) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT chk('shadowed_name', (SELECT row(x.*)::text FROM sh(1000, 'k1', 55, 5, 2.5, 'a') x),
  (SELECT row(y.id, y.sv, y.mr)::text FROM (SELECT z.*, sum(v) OVER w AS sv, max(raw) OVER w AS mr FROM
   (SELECT id, k, ts, v*2 AS v, v AS raw, src FROM (SELECT 1000 AS id, 'k1'::text AS k, 55::int8 AS ts, 5::int8 AS v, 1 AS src
     UNION ALL SELECT id, k, ts, v, 0 FROM t WHERE k='k1' AND ts<=55) a) z
   WINDOW w AS (ORDER BY ts, src ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src=1));
SELECT chk('swapped_names', (SELECT row(x.*)::text FROM sw(1000, 'k1', 55, 5, 2.5, 'a') x),
  (SELECT row(y.id, y.sv, y.sc)::text FROM (SELECT z.*, sum(v) OVER w AS sv, sum(cf) OVER w AS sc FROM
   (SELECT id, k, ts, CAST(cf AS int8) AS v, CAST(v AS float4) AS cf, src FROM (SELECT 1000 AS id, 'k1'::text AS k, 55::int8 AS ts, 5::int8 AS v, 2.5::float4 AS cf, 1 AS src
     UNION ALL SELECT id, k, ts, v, cf, 0 FROM t WHERE k='k1' AND ts<=55) a) z
   WINDOW w AS (ORDER BY ts, src ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src=1));

-- ---- 2. lag / lag with default / first_value / last_value / nth_value and GROUPS over computed columns (= PostgreSQL)
CREATE TABLE lg (id int4, k text, ts int8, v int8, s text) USING feature_store;
CREATE INDEX ON lg USING skiplist (k, ts);
INSERT INTO lg SELECT g, 'k'||(g%2), g*10 - (g%3)*10, CASE WHEN g%6=0 THEN NULL ELSE g END, 's'||g FROM generate_series(1,200) g;
SELECT feature_ext.deploy('lg1', $$ SELECT id, sum(v) OVER w AS sv, lag(d) OVER w AS ld, lag(d, 3, -1::int8) OVER w AS ld3, first_value(d) OVER w AS fd, last_value(d) OVER w AS lvd, nth_value(u, 2) OVER w AS n2
  FROM (SELECT id, k, ts, v, v * 3 AS d, s || '.' AS u FROM lg) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT feature_ext.deploy('lg2', $$ SELECT id, sum(v) OVER w AS sv, sum(d) OVER w AS sd, max(u) OVER w AS mu
  FROM (SELECT id, k, ts, v, v * 3 AS d, s || '.' AS u FROM lg) x
  WINDOW w AS (PARTITION BY k ORDER BY ts GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) \g /dev/null
-- (stored peers in insertion order = id order here)
CREATE FUNCTION lg_native(dep text, r lg) RETURNS text LANGUAGE sql STABLE AS $f$
 SELECT CASE WHEN dep = 'lg1' THEN (SELECT row(y.id, y.sv, y.ld, y.ld3, y.fd, y.lvd, y.n2)::text FROM (SELECT q.*, sum(v) OVER w AS sv, lag(d) OVER w AS ld, lag(d, 3, -1::int8) OVER w AS ld3, first_value(d) OVER w AS fd, last_value(d) OVER w AS lvd, nth_value(u, 2) OVER w AS n2 FROM
   (SELECT id, ts, v, v * 3 AS d, s || '.' AS u, src FROM (SELECT r.*, 1 AS src UNION ALL SELECT *, 0 FROM lg WHERE k = r.k AND ts <= r.ts) a) q
   WINDOW w AS (ORDER BY ts, src, id ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)) y WHERE src = 1)
 ELSE (SELECT row(y.id, y.sv, y.sd, y.mu)::text FROM (SELECT q.*, sum(v) OVER w AS sv, sum(d) OVER w AS sd, max(u) OVER w AS mu FROM
   (SELECT id, ts, v, v * 3 AS d, s || '.' AS u, src FROM (SELECT r.*, 1 AS src UNION ALL SELECT *, 0 FROM lg WHERE k = r.k AND ts <= r.ts) a) q
   WINDOW w AS (ORDER BY ts GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1) END $f$;
CREATE TEMP TABLE lres (j text, dep text, bad text, n int);
DO $$ DECLARE j text; d text; BEGIN
 FOREACH j IN ARRAY ARRAY['on','off'] LOOP PERFORM set_config('feature_ext.jit', j, false);
  FOREACH d IN ARRAY ARRAY['lg1','lg2'] LOOP
   EXECUTE format($q$INSERT INTO lres SELECT %L, %L, min(CASE WHEN g IS DISTINCT FROM w THEN g || ' vs ' || w END), count(*) FROM
     (SELECT (SELECT row(x.*)::text FROM %I(r) x) g, lg_native(%L, r) w FROM (SELECT ROW(id + 1000, k, ts + (id %% 2) * 5, v, s)::lg r FROM lg WHERE id %% 3 = 0) rr) z$q$, j, d, d, d);
  END LOOP; END LOOP; END $$;
RESET feature_ext.jit;
SELECT chk('value_functions_groups_' || dep || '_jit_' || j, bad, NULL) FROM lres ORDER BY j, dep;

-- ---- 3. OpenMLDB: MAXSIZE, EXCLUDE CURRENT_ROW / CURRENT_TIME, long_windows, timestamps;
-- the computed columns = the same expressions inlined in the aggregates (requests, stored rows as requests, batch, training_set; JIT on/off)
CREATE TABLE o (id int4, k text, ts timestamp, v int8, cf float4, s text) USING feature_store;
CREATE INDEX ON o USING skiplist (k, ts);
INSERT INTO o SELECT g, 'k'||(g%3), timestamp '2024-01-01' + g * interval '7 second' - (g%4) * interval '7 second',
  CASE WHEN g%7=0 THEN NULL ELSE (g*13)%41-10 END, (g%5)+0.5, CASE WHEN g%5=0 THEN NULL ELSE 'x'||(g%17) END FROM generate_series(1,3000) g;
CREATE TABLE oreq AS SELECT id+100000 AS id, k, ts + interval '3 second' AS ts, v+1 AS v, cf, s FROM o WHERE id % 37 = 0;
SELECT feature_ext.deploy('a1', $$
  SELECT id, sum(d) OVER w AS sd, max(c) OVER w AS mc, count(u) OVER w AS cu, sum(d) OVER w2 AS sd2, max(u) OVER w3 AS mu3
    FROM (select id, k, ts, v, v * 2 as d, int(cf) as c, upper(s) as u from o)
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 100s PRECEDING AND CURRENT ROW MAXSIZE 5 EXCLUDE CURRENT_ROW),
         w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME),
         w3 AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW)$$, '{"long_windows":"w2:1000"}') \g /dev/null
SELECT feature_ext.deploy('b1', $$
  SELECT id, sum(v * 2) OVER w AS sd, max(CAST(cf AS int4)) OVER w AS mc, count(upper(s)) OVER w AS cu, sum(v * 2) OVER w2 AS sd2, max(upper(s)) OVER w3 AS mu3
    FROM o
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 100s PRECEDING AND CURRENT ROW MAXSIZE 5 EXCLUDE CURRENT_ROW),
         w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME),
         w3 AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW)$$, '{"long_windows":"w2:1000"}') \g /dev/null
CREATE TEMP TABLE res(j text, same bool);
DO $$ DECLARE j text; BEGIN
 FOREACH j IN ARRAY ARRAY['on','off'] LOOP
  PERFORM set_config('feature_ext.jit', j, false);
  INSERT INTO res SELECT 'requests_jit_' || j, bool_and((SELECT row(x.*)::text FROM a1(r.id,r.k,r.ts,r.v,r.cf,r.s) x) IS NOT DISTINCT FROM (SELECT row(x.*)::text FROM b1(r.id,r.k,r.ts,r.v,r.cf,r.s) x)) FROM oreq r;
  INSERT INTO res SELECT 'stored_as_requests_jit_' || j, bool_and((SELECT row(x.*)::text FROM a1(r.id,r.k,r.ts,r.v,r.cf,r.s) x) IS NOT DISTINCT FROM (SELECT row(x.*)::text FROM b1(r.id,r.k,r.ts,r.v,r.cf,r.s) x)) FROM o r WHERE id % 11 = 0;
  INSERT INTO res SELECT 'batch_jit_' || j, (SELECT array_agg(row(x.*)::text ORDER BY x.id) FROM a1_batch('SELECT * FROM o ORDER BY id') x) = (SELECT array_agg(row(x.*)::text ORDER BY x.id) FROM b1_batch('SELECT * FROM o ORDER BY id') x);
  INSERT INTO res SELECT 'training_set_jit_' || j, (SELECT array_agg(row(x.*)::text ORDER BY x.id) FROM feature_ext.training_set('a1','SELECT * FROM oreq', NULL::a1_result) x) = (SELECT array_agg(row(x.*)::text ORDER BY x.id) FROM feature_ext.training_set('b1','SELECT * FROM oreq', NULL::b1_result) x);
 END LOOP; END $$;
RESET feature_ext.jit;
SELECT chk('openmldb_maxsize_exclude_long_windows_' || j, same::text, 'true') FROM res;

-- ---- 4. stable functions depending on TimeZone / DateStyle: computed at call time (= PostgreSQL, per setting)
CREATE TABLE z (id int4, k text, ts int8, v int8, t timestamptz) USING feature_store;
CREATE INDEX ON z USING skiplist (k, ts);
INSERT INTO z SELECT g, 'k'||(g%2), g*10, g, timestamptz '2024-03-10 12:00:00+00' + g * interval '37 minute' FROM generate_series(1,400) g;
SELECT feature_ext.deploy('tz', $$
  SELECT id, max(h) OVER w AS mh, min(tx) OVER w AS mt, count(*) FILTER (WHERE h = '03') OVER w AS n3
    FROM (SELECT id, k, ts, v, t, to_char(t, 'HH24') AS h, t::text AS tx FROM z) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 30 PRECEDING AND CURRENT ROW)$$) \g /dev/null
CREATE FUNCTION tz_native(r z) RETURNS text LANGUAGE sql STABLE AS $f$
 SELECT row(y.id, y.mh, y.mt, y.n3)::text FROM (SELECT q.*, max(h) OVER w AS mh, min(tx) OVER w AS mt, count(*) FILTER (WHERE h = '03') OVER w AS n3 FROM
  (SELECT id, ts, to_char(t, 'HH24') AS h, t::text AS tx, src FROM (SELECT r.*, 1 AS src UNION ALL SELECT *, 0 FROM z WHERE k = r.k AND ts <= r.ts) a) q
  WINDOW w AS (ORDER BY ts, src ROWS BETWEEN 30 PRECEDING AND CURRENT ROW)) y WHERE src = 1 $f$;
CREATE TEMP TABLE tzres (name text, got text, want text);
DO $$ DECLARE s text; j text; r z; BEGIN
 r := ROW(9999, 'k1', 2005, 1, timestamptz '2024-03-11 00:00:00+00')::z;
 FOREACH s IN ARRAY ARRAY['UTC','Asia/Kolkata','America/New_York'] LOOP
  FOREACH j IN ARRAY ARRAY['on','off'] LOOP
   PERFORM set_config('TimeZone', s, false); PERFORM set_config('DateStyle', CASE WHEN s='UTC' THEN 'ISO, MDY' ELSE 'SQL, DMY' END, false);
   PERFORM set_config('feature_ext.jit', j, false);
   INSERT INTO tzres SELECT 'session_settings_' || s || '_jit_' || j, (SELECT row(x.*)::text FROM tz(r) x), tz_native(r);
  END LOOP; END LOOP; END $$;
RESET TimeZone; RESET DateStyle; RESET feature_ext.jit;
SELECT chk(name, got, want) FROM tzres;
SET TimeZone = 'America/New_York'; SET DateStyle = 'SQL, DMY';
SELECT chk('session_settings_batch_training_set',
  ((SELECT array_agg(row(x.*)::text ORDER BY x.id) FROM tz_batch('SELECT * FROM z ORDER BY id') x) = w AND
   (SELECT array_agg(row(x.*)::text ORDER BY x.id) FROM feature_ext.training_set('tz', 'SELECT * FROM z', NULL::tz_result) x) = w)::text, 'true')
  FROM (SELECT array_agg(row(id, mh, mt, n3)::text ORDER BY id) w FROM (SELECT id, max(h) OVER w AS mh, min(tx) OVER w AS mt, count(*) FILTER (WHERE h = '03') OVER w AS n3
         FROM (SELECT id, k, ts, to_char(t, 'HH24') AS h, t::text AS tx FROM z) q WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 30 PRECEDING AND CURRENT ROW)) y) n;
RESET TimeZone; RESET DateStyle;

-- ---- 5. security: a function the caller may not EXECUTE (SET ROLE), an SPI function per stored row, RLS
CREATE TABLE sec (id int4, k text, ts int8, v int8) USING feature_store;
CREATE INDEX ON sec USING skiplist (k, ts);
INSERT INTO sec SELECT g, 'k'||(g%2), g*10, g FROM generate_series(1,200) g;
CREATE TABLE dim (k text, f int8);
INSERT INTO dim VALUES ('k0', 100), ('k1', 1000);
CREATE FUNCTION secret(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 7';
REVOKE EXECUTE ON FUNCTION secret(int8) FROM PUBLIC;
CREATE FUNCTION lookup(text, int8) RETURNS int8 LANGUAGE sql STABLE AS 'SELECT f + $2 FROM public.dim WHERE k = $1';
CREATE FUNCTION calls(int8) RETURNS int8 LANGUAGE plpgsql STABLE AS $f$ BEGIN RETURN $1 + (SELECT count(*) FROM public.sec); END $f$;
SELECT feature_ext.deploy('ds', $$
  SELECT id, sum(e) OVER w AS se FROM (SELECT id, k, ts, v, secret(v) AS e FROM sec) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT feature_ext.deploy('dl', $$
  SELECT id, sum(e) OVER w AS se, sum(c) OVER w AS sc FROM (SELECT id, k, ts, v, lookup(k, v) AS e, calls(v) AS c FROM sec) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)$$) \g /dev/null
CREATE ROLE rvcs_alice;
GRANT USAGE ON SCHEMA feature_ext TO rvcs_alice;
GRANT EXECUTE ON FUNCTION ds(sec), dl(sec) TO rvcs_alice;
GRANT SELECT ON sec, dim TO rvcs_alice;
SELECT chk('owner_may_execute', (SELECT row(x.*)::text FROM ds(1000, 'k1', 555, 5) x), '(1000,1820)');
SET ROLE rvcs_alice;
SELECT chk('no_execute_request', left(err($$SELECT * FROM ds(1000, 'k1', 555, 5)$$), 5), '42501');
SELECT chk('no_execute_batch', left(err($$SELECT * FROM ds_batch('SELECT * FROM sec')$$), 5), '42501');
SELECT chk('no_execute_training_set', left(err($$SELECT * FROM feature_ext.training_set('ds', 'SELECT * FROM sec', NULL::ds_result)$$), 5), '42501');
SELECT chk('spi_function_per_stored_row', (SELECT row(x.*)::text FROM dl(1000, 'k1', 555, 5) x),
  (SELECT row(y.id, y.se, y.sc)::text FROM (SELECT q.*, sum(e) OVER w AS se, sum(c) OVER w AS sc FROM (SELECT id, ts, lookup(k, v) AS e, calls(v) AS c, src FROM (SELECT 1000 AS id, 'k1'::text AS k, 555::int8 AS ts, 5::int8 AS v, 1 AS src UNION ALL SELECT *, 0 FROM sec WHERE k='k1' AND ts <= 555) a) q WINDOW w AS (ORDER BY ts, src ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)) y WHERE src = 1));
RESET ROLE;
REVOKE SELECT ON dim FROM rvcs_alice;
SET ROLE rvcs_alice;
SELECT chk('spi_function_privileges_of_caller', left(err($$SELECT * FROM dl(1000, 'k1', 555, 5)$$), 5), '42501');
RESET ROLE;
CREATE TABLE rl (id int4, k text, ts int8, v int8, owner text) USING feature_store;
CREATE INDEX ON rl USING skiplist (k, ts);
INSERT INTO rl SELECT g, 'k1', g*10, g, CASE WHEN g%2=0 THEN 'rvcs_alice' ELSE 'bob' END FROM generate_series(1,20) g;
SELECT feature_ext.deploy('rld', $$ SELECT id, sum(d) OVER w AS sd FROM (SELECT id, k, ts, v, owner, v * 2 AS d FROM rl) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) \g /dev/null
ALTER TABLE rl ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON rl FOR SELECT USING (owner = current_user);
GRANT SELECT ON rl TO rvcs_alice; GRANT EXECUTE ON FUNCTION rld(rl) TO rvcs_alice;
SET ROLE rvcs_alice;
SELECT chk('rls_refused', left(err($$SELECT * FROM rld(1000, 'k1', 500, 1, 'rvcs_alice')$$), 5), '0A000');
RESET ROLE;

-- ---- 6. a deployment called from a computed column: refused, and the session recovers
CREATE FUNCTION via(k text, ts int8, v int8) RETURNS int8 LANGUAGE sql STABLE AS $f$ SELECT sv FROM public.sh(0, k, ts, v, 1, 'x') $f$;
SELECT feature_ext.deploy('outer_d', $$
  SELECT id, sum(e) OVER w AS se FROM (SELECT id, k, ts, v, via(k, ts - 1, v) AS e FROM sec) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 20 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT chk('nested_deployment_refused', left(err($$SELECT * FROM outer_d(1, 'k1', 55, 3)$$), 5), '0A000');
SELECT chk('nested_deployment_after', (SELECT row(x.*)::text FROM sh(1000, 'k1', 55, 5, 2.5, 'a') x), '(1000,18,5)');

-- ---- 7. errors and cancellation in the middle of a long window; the store still reclaims
CREATE TABLE n (id int4, k text, ts int8, v int8) USING feature_store;
CREATE INDEX ON n USING skiplist (k, ts);
INSERT INTO n SELECT g, 'a', g, CASE WHEN g = 19500 THEN 0 ELSE g END FROM generate_series(1,20000) g;
CREATE FUNCTION slow(int8) RETURNS int8 LANGUAGE plpgsql STABLE AS $f$ DECLARE s int8 := 0; BEGIN FOR i IN 1..2000 LOOP s := s + i; END LOOP; RETURN $1 + s; END $f$;
SELECT feature_ext.deploy('nz', $$
  SELECT id, sum(q) OVER w AS sq FROM (SELECT id, k, ts, v, 1000000 / v AS q FROM n) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 100000 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT feature_ext.deploy('ns', $$
  SELECT id, sum(q) OVER w AS sq FROM (SELECT id, k, ts, v, slow(v) AS q FROM n) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 100000 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT chk('division_by_zero_row_500_jit_on', left(err($$SELECT * FROM nz(1, 'a', 30000, 5)$$), 5), '22012');
SET feature_ext.jit = off;
SELECT chk('division_by_zero_row_500_jit_off', left(err($$SELECT * FROM nz(1, 'a', 30000, 5)$$), 5), '22012');
RESET feature_ext.jit;
SELECT chk('after_error', (SELECT sq::text FROM nz(1, 'a', 19499, 5) x), (SELECT (200000 + sum(1000000 / v))::text FROM n WHERE ts <= 19499));
SET statement_timeout = '300ms';
SELECT chk('cancel_request', left(err($$SELECT * FROM ns(1, 'a', 30000, 5)$$), 5), '57014');
SELECT chk('cancel_batch', left(err($$SELECT count(*) FROM ns_batch('SELECT * FROM n')$$), 5), '57014');
SELECT chk('cancel_training_set', left(err($$SELECT count(*) FROM feature_ext.training_set('ns', 'SELECT * FROM n WHERE id > 19990', NULL::ns_result)$$), 5), '57014');
RESET statement_timeout;
SELECT chk('after_cancel', (SELECT sq::text FROM ns(1, 'a', 2, 5) x), (SELECT (5 + 2001000 + sum(slow(v)))::text FROM n WHERE ts <= 2));
DELETE FROM n;
SELECT feature_ext.run_gc() \g /dev/null
SELECT chk('gc_reclaims_after_errors', (SELECT reclaimable_bytes::text FROM feature_ext.memory_usage()), '0');

-- ---- 8. a function replaced after deploy: replanned (new body; volatile then refused)
CREATE TABLE su (id int4, k text, ts int8, v int8) USING feature_store;
CREATE INDEX ON su USING skiplist (k, ts);
INSERT INTO su SELECT g, 'k'||(g%2), g*10, g FROM generate_series(1,50) g;
CREATE FUNCTION dbl(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
SELECT feature_ext.deploy('rf', $$ SELECT id, sum(d) OVER w AS sd, d FROM (SELECT id, k, ts, v, dbl(v) AS d FROM su) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT chk('replaced_before', (SELECT row(x.*)::text FROM rf(1000, 'k1', 255, 5) x), '(1000,106,10)');
CREATE OR REPLACE FUNCTION dbl(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 3';
SELECT chk('replaced_after', (SELECT row(x.*)::text FROM rf(1000, 'k1', 255, 5) x), '(1000,159,15)');
CREATE OR REPLACE FUNCTION dbl(int8) RETURNS int8 LANGUAGE plpgsql VOLATILE AS 'BEGIN RETURN $1 * 4; END';
SELECT chk('replaced_volatile_refused', left(err($$SELECT * FROM rf(1000, 'k1', 255, 5)$$), 5), '0A000');
CREATE OR REPLACE FUNCTION dbl(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';

-- ---- 9. INCLUDE index not holding a computed column's input: refused
CREATE TABLE inc (id int4, k text, ts int8, v int8, w int8) USING feature_store;
CREATE INDEX ON inc USING skiplist (k, ts) INCLUDE (v);
SELECT chk('include_not_held', left(err($q$SELECT feature_ext.deploy('i1', $$ SELECT id, sum(d) OVER w AS sd FROM (SELECT id, k, ts, v, w, w * 2 AS d FROM inc) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$)$q$), 5), '0A000');

-- ---- 9b. char(n) columns of stored rows: PostgreSQL keeps the blank padding
-- (concat / format / octet_length see it); the store's codec strips trailing
-- blanks of every bpchar column, not only keys (src/storage/codec_pg.cpp
-- var_bytes; pre-existing: max(c) OVER w over the table returns 'ab1' too),
-- so a computed column over stored rows differs from PostgreSQL's executor.
CREATE TABLE ty (id int4, k text, ts int8, c char(5)) USING feature_store;
CREATE INDEX ON ty USING skiplist (k, ts);
INSERT INTO ty SELECT g, 'k', g*10, CASE WHEN g%3=0 THEN NULL ELSE 'ab'||(g%4) END FROM generate_series(1,30) g;
SELECT feature_ext.deploy('tyc3', $$ SELECT id, min(cc) OVER w AS mcc, sum(ol) OVER w AS sol
  FROM (SELECT id, k, ts, c, concat(c, '|') AS cc, octet_length(c) AS ol FROM ty) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT chk('char_n_padding_stored_rows', (SELECT row(x.*)::text FROM tyc3(0, 'k', 295, NULL) x),
  (SELECT row(0, min(concat(c, '|')), sum(octet_length(c)))::text FROM (SELECT c FROM ty WHERE ts <= 295 ORDER BY ts DESC LIMIT 3) q));

-- ---- 10. backend memory over 20,000 calls (text computed column, 51-row windows)
CREATE TABLE m (id int4, k text, ts int8, v int8, s text) USING feature_store;
CREATE INDEX ON m USING skiplist (k, ts);
INSERT INTO m SELECT g, 'k'||(g%10), g, g%100, repeat('y', 50)||g FROM generate_series(1,20000) g;
SELECT feature_ext.deploy('mm', $$
  SELECT id, max(u) OVER w AS mu, sum(d) OVER w AS sd
    FROM (SELECT id, k, ts, v, v * 2 AS d, upper(s) || id AS u FROM m) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)$$) \g /dev/null
SELECT count(*) FROM (SELECT (mm(g, 'k'||(g%10), 50000+g, 1, 'a')).* FROM generate_series(1,1000) g) z \g /dev/null
SELECT sum(total_bytes) AS before FROM pg_backend_memory_contexts \gset
SELECT count(*) FROM (SELECT (mm(g, 'k'||(g%10), 50000+g, 1, 'a')).* FROM generate_series(1,20000) g) z \g /dev/null
SELECT chk('memory_20000_calls', CASE WHEN sum(total_bytes) - :before < 1048576 THEN 'bounded' ELSE (sum(total_bytes) - :before) || ' bytes more' END, 'bounded')
  FROM pg_backend_memory_contexts;

-- ---- 11. dump/restore: objects used by review_cs.sh
CREATE TABLE dr (id int4, k text, ts int8, v int8, cf float4, s text) USING feature_store;
CREATE INDEX ON dr USING skiplist (k, ts);
INSERT INTO dr SELECT g, 'k'||(g%3), g*10, g % 17, g % 5 + 0.5, 's' || g FROM generate_series(1,300) g;
SELECT feature_ext.deploy('drp', $$
  SELECT id, sum(d) OVER w AS sd, max(u) OVER w AS mu, count(*) FILTER (WHERE c > 2) OVER w AS nc
    FROM (SELECT id, k, ts, v, v * 2 AS d, CAST(cf AS int4) AS c, dbl(v) || upper(s) AS u FROM dr) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$) \g /dev/null
