-- A deployment whose FROM subquery has its own window (docs/DEPLOY.md, "A
-- FROM subquery with its own window"): FROM (SELECT ..., sum(v) OVER w2 AS s2
-- FROM t WINDOW w2 AS (...)) x, the outer windows reading s2 over the
-- table's stored rows.  A stored row's s2 is its window as of that row (a
-- request of the subquery's plan whose request row is the stored row); the
-- request row's s2 is its own window (the request row in it, last of its
-- peers); a stored peer of the request in a RANGE inner window has the
-- request row in its frame (PostgreSQL's frame over the table and the
-- request row).  Every answer is compared with PostgreSQL's executor running
-- the same nested window query over the table plus the request row (ROWS
-- windows ordered by (ts, insertion order, request last), RANGE windows by
-- ts alone, as PostgreSQL's peers), JIT on and off, both dialects.
SET client_min_messages = warning;
CREATE TABLE wm (id int4, k text, g int4, ts int8, v int8, f float8) USING feature_store;
CREATE INDEX ON wm USING skiplist (k, ts);
CREATE INDEX ON wm USING skiplist (k, g, ts);
-- ties among stored rows (ts = (n / 3) * 10), NULL values, NULL keys
INSERT INTO wm
SELECT n, CASE WHEN n % 13 = 0 THEN NULL ELSE 'k' || (n % 3) END, n % 2, (n / 3) * 10,
       CASE WHEN n % 7 = 0 THEN NULL ELSE (n * 13) % 41 - 10 END, (n % 5) * 0.5
  FROM generate_series(1, 90) n;
-- requests: on a stored row's time (ties with stored peers), between, after every row, a key without rows
CREATE TABLE wreq (id int4, k text, g int4, ts int8, v int8, f float8);
INSERT INTO wreq SELECT id + 1000, k, g, ts + (id % 3) * 5, v, f + 1 FROM wm WHERE id % 4 = 0 AND k IS NOT NULL;
INSERT INTO wreq VALUES (2000, 'k0', 0, 10000, 3, 1.5), (2001, 'k9', 1, 50, NULL, NULL), (2002, 'k1', 1, 5, 7, 2.5),
                        (2003, 'k2', 0, 0, NULL, 0.5);

-- ROWS inside, ROWS outside (ties: insertion order, the request last)
SELECT feature_ext.deploy('wrr', $$
  SELECT id, k, ts, s2, sum(s2) OVER w AS ss, count(s2) OVER w AS cs, max(s2) OVER w AS ms, lag(s2) OVER w AS ls,
         avg(c2) OVER w AS ac
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2, count(v) OVER w2 AS c2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- RANGE inside, RANGE outside (peers in both; a stored peer of the request has it in its frame)
SELECT feature_ext.deploy('wgg', $$
  SELECT id, s2, sum(s2) OVER w AS ss, count(*) OVER w AS n, min(m2) OVER w AS mm
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2, max(v) OVER w2 AS m2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)$$);
-- EXCLUDE CURRENT ROW inside (ROWS) and outside; RANGE inside with ROWS outside, in other columns
SELECT feature_ext.deploy('wex', $$
  SELECT id, s2, r2, sum(s2) OVER w AS ss, sum(r2) OVER w AS sr, sum(r2) OVER wr AS srr, count(s2) OVER wr AS csr
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2, sum(v) OVER w3 AS r2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
                 w3 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
         wr AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)$$);
-- the inner window partitioned by a subset of the outer one's columns (another index);
-- float sums; lag inside (the row's position)
SELECT feature_ext.deploy('wsub', $$
  SELECT id, s2, l2, sum(s2) OVER w AS ss, sum(l2) OVER w AS sl, count(*) OVER w AS n
    FROM (SELECT id, k, g, ts, f, sum(f) OVER w2 AS s2, lag(f) OVER w2 AS l2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k, g ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- OpenMLDB dialect (integration_test/join/test_lastjoin_complex.yaml 6-2's main table)
SELECT feature_ext.deploy('wom', $$
  select id, k, sum(w2_v_sum) over w1 as ss, sum(v) over w1 as sv
    from (select id, k, ts, v, sum(wm.v) over w2 as w2_v_sum from wm
          window w2 as (partition by wm.k order by wm.ts rows between 1 preceding and current row)) as t2
  window w1 as (partition by t2.k order by t2.ts rows between 2 preceding and current row)$$);
SELECT line FROM regexp_split_to_table(feature_ext.explain('wrr'), E'\n') line
 WHERE line LIKE '%request row%' OR line LIKE '%JIT: % aggregates %';

-- PostgreSQL's executor: the nested query over the key's rows and the
-- request row (src = 1), ROWS windows ordered by (ts, src, id)
CREATE FUNCTION native(dep text, r wreq) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE got text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS a (id int4, k text, g int4, ts int8, v int8, f float8, src int);
  TRUNCATE a;
  INSERT INTO a SELECT r.*, 1;
  INSERT INTO a SELECT *, 0 FROM wm WHERE k = r.k;
  IF dep = 'wrr' THEN
    SELECT row(y.id, y.k, y.ts, y.s2, y.ss, y.cs, y.ms, y.ls, y.ac)::text INTO got FROM (
      SELECT x.*, sum(s2) OVER w AS ss, count(s2) OVER w AS cs, max(s2) OVER w AS ms, lag(s2) OVER w AS ls,
             avg(c2) OVER w AS ac
        FROM (SELECT id, k, ts, v, src, sum(v) OVER w2 AS s2, count(v) OVER w2 AS c2 FROM a
              WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
      WINDOW w AS (PARTITION BY k ORDER BY ts, src, id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1;
  ELSIF dep = 'wgg' THEN
    SELECT row(y.id, y.s2, y.ss, y.n, y.mm)::text INTO got FROM (
      SELECT x.*, sum(s2) OVER w AS ss, count(*) OVER w AS n, min(m2) OVER w AS mm
        FROM (SELECT id, k, ts, v, src, sum(v) OVER w2 AS s2, max(v) OVER w2 AS m2 FROM a
              WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x
      WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)) y WHERE src = 1;
  ELSIF dep = 'wex' THEN
    SELECT row(y.id, y.s2, y.r2, y.ss, y.sr, y.srr, y.csr)::text INTO got FROM (
      SELECT x.*, sum(s2) OVER w AS ss, sum(r2) OVER w AS sr, sum(r2) OVER wr AS srr, count(s2) OVER wr AS csr
        FROM (SELECT id, k, ts, v, src, sum(v) OVER w2 AS s2, sum(v) OVER w3 AS r2 FROM a
              WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
                     w3 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)) x
      WINDOW w AS (PARTITION BY k ORDER BY ts, src, id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
             wr AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) y
     WHERE src = 1;
  ELSIF dep = 'wsub' THEN
    SELECT row(y.id, y.s2, y.l2, y.ss, y.sl, y.n)::text INTO got FROM (
      SELECT x.*, sum(s2) OVER w AS ss, sum(l2) OVER w AS sl, count(*) OVER w AS n
        FROM (SELECT id, k, g, ts, f, src, sum(f) OVER w2 AS s2, lag(f) OVER w2 AS l2 FROM a
              WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) x
      WINDOW w AS (PARTITION BY k, g ORDER BY ts, src, id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1;
  ELSE
    SELECT row(y.id, y.k, y.ss, y.sv)::text INTO got FROM (
      SELECT x.*, sum(w2_v_sum) OVER w1 AS ss, sum(v) OVER w1 AS sv
        FROM (SELECT id, k, ts, v, src, sum(v) OVER w2 AS w2_v_sum FROM a
              WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
      WINDOW w1 AS (PARTITION BY k ORDER BY ts, src, id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1;
  END IF;
  RETURN got;
END $f$;
CREATE TABLE results (jit text, name text, same bool, n int, peers int);
DO $$
DECLARE j text; dep text; r wreq; got text; want text; n int; ok bool; peers int;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH dep IN ARRAY ARRAY['wrr', 'wgg', 'wex', 'wsub', 'wom'] LOOP
      ok := true; n := 0; peers := 0;
      FOR r IN SELECT * FROM wreq ORDER BY id LOOP
        EXECUTE format('SELECT row(x.*)::text FROM %I($1, $2, $3, $4, $5, $6) x', dep) INTO got
          USING r.id, r.k, r.g, r.ts, r.v, r.f;
        want := native(dep, r);
        n := n + 1;
        peers := peers + (SELECT count(*) FROM wm WHERE k = r.k AND ts = r.ts)::int;
        IF got IS DISTINCT FROM want THEN
          ok := false;
          RAISE WARNING '% % jit %: deployed % native %', dep, r.id, j, got, want;
        END IF;
      END LOOP;
      INSERT INTO results VALUES (j, dep, ok, n, peers);
    END LOOP;
  END LOOP;
END $$;
-- peers: stored rows tying with a request (the tie rules are exercised)
SELECT * FROM results ORDER BY jit, name;
-- the answers themselves, in a new session (planned from the bound query)
\c
SET client_min_messages = warning;
SELECT (wrr(r.id, r.k, r.g, r.ts, r.v, r.f)).* FROM wreq r WHERE r.id IN (1004, 1024, 2000, 2001) ORDER BY r.id;
SELECT (wgg(r.id, r.k, r.g, r.ts, r.v, r.f)).* FROM wreq r WHERE r.id IN (1012, 1024, 2003) ORDER BY r.id;
SELECT (wom(r.id, r.k, r.g, r.ts, r.v, r.f)).* FROM wreq r WHERE r.id IN (1004, 1024, 2000) ORDER BY r.id;

-- Offline (docs/DEPLOY.md, "A FROM subquery with its own window", Offline):
-- <name>_batch(), feature_ext.batch() and training_set(mode => 'insertion')
-- equal the requests replayed row by row (each source row a request against
-- the rows before it, then inserted), over a source whose every 10th row
-- arrives late (its key's later rows first: stored rows' inner windows then
-- change with the request) and with ties; training_set() (as_of) equals
-- requests against the whole table, themselves checked against PostgreSQL's
-- executor above.  JIT on and off.
-- (and a peer of every 9th row, same key and time, arriving after its key's next row: id + 500)
CREATE TABLE wsrc AS
SELECT x.*, row_number() OVER (ORDER BY CASE WHEN id % 10 = 0 THEN id + 25 WHEN id > 500 THEN id - 500 + 3 ELSE id END,
                                        id) AS pos
  FROM (SELECT * FROM wm UNION ALL SELECT id + 500, k, 1 - g, ts, v + 1, f FROM wm WHERE id % 9 = 0) x;
-- rows arriving after a row of their key with a later time; peers of a row of their key before them
SELECT count(*) FILTER (WHERE EXISTS (SELECT FROM wsrc b WHERE b.k = a.k AND b.pos < a.pos AND b.ts > a.ts)) AS late,
       count(*) FILTER (WHERE EXISTS (SELECT FROM wsrc b WHERE b.k = a.k AND b.pos < a.pos AND b.ts = a.ts)) AS peers
  FROM wsrc a;
CREATE TABLE replayed (name text, id int4, feats text);
CREATE PROCEDURE replay_all() LANGUAGE plpgsql AS $f$
DECLARE r record; dep text; got text;
BEGIN
  TRUNCATE wm;
  COMMIT;
  FOR r IN SELECT * FROM wsrc ORDER BY pos LOOP
    IF r.k IS NOT NULL THEN  -- (a NULL key is no request: batch() skips it)
      FOREACH dep IN ARRAY ARRAY['wrr', 'wgg', 'wex', 'wsub', 'wom'] LOOP
        EXECUTE format('SELECT row(x.*)::text FROM %I($1, $2, $3, $4, $5, $6) x', dep) INTO got
          USING r.id, r.k, r.g, r.ts, r.v, r.f;
        INSERT INTO replayed VALUES (dep, r.id, got);
      END LOOP;
    END IF;
    INSERT INTO wm VALUES (r.id, r.k, r.g, r.ts, r.v, r.f);
    COMMIT;
  END LOOP;
END $f$;
CALL replay_all();
-- as_of: requests against the whole table (wm, in the replay's insertion order)
CREATE TABLE asof (name text, id int4, feats text);
DO $$
DECLARE dep text; r wreq; got text;
BEGIN
  FOREACH dep IN ARRAY ARRAY['wrr', 'wgg', 'wex', 'wsub', 'wom'] LOOP
    FOR r IN SELECT * FROM wreq ORDER BY id LOOP
      EXECUTE format('SELECT row(x.*)::text FROM %I($1, $2, $3, $4, $5, $6) x', dep) INTO got
        USING r.id, r.k, r.g, r.ts, r.v, r.f;
      INSERT INTO asof VALUES (dep, r.id, got);
    END LOOP;
  END LOOP;
END $$;
CREATE TABLE offres (jit text, name text, form text, n bigint, nokey bigint, differences bigint);
DO $$
DECLARE j text; dep text; src text := 'SELECT id, k, g, ts, v, f FROM wsrc ORDER BY pos'; cmp text;
BEGIN
  -- (a source row with a NULL key is no request: training_set() returns it with NULL features, nokey)
  cmp := 'INSERT INTO offres SELECT %L, %L, %L, count(*), count(*) FILTER (WHERE b.nokey),
                 count(*) FILTER (WHERE NOT coalesce(b.nokey, false) AND o.feats IS DISTINCT FROM b.feats)
            FROM (SELECT * FROM %I WHERE name = %L) o
            FULL JOIN (SELECT x.id, row(x.*)::text AS feats, x.id IN (SELECT id FROM wsrc WHERE k IS NULL) AS nokey
                         FROM %s) b USING (id)';
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH dep IN ARRAY ARRAY['wrr', 'wgg', 'wex', 'wsub', 'wom'] LOOP
      EXECUTE format(cmp, j, dep, '_batch', 'replayed', dep, format('%I(%L) x', dep || '_batch', src));
      EXECUTE format(cmp, j, dep, 'batch', 'replayed', dep,
                     format('feature_ext.batch(%L, %L) AS x(%s)', dep, src,
                            (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', '
                                               ORDER BY a.attnum)
                               FROM pg_attribute a WHERE a.attrelid = (dep || '_result')::regclass AND a.attnum > 0)));
      EXECUTE format(cmp, j, dep, 'training insertion', 'replayed', dep,
                     format('feature_ext.training_set(%L, %L, NULL::%I, mode => %L) x', dep, src, dep || '_result',
                            'insertion'));
      EXECUTE format(cmp, j, dep, 'training as_of', 'asof', dep,
                     format('feature_ext.training_set(%L, %L, NULL::%I) x', dep, 'SELECT * FROM wreq',
                            dep || '_result'));
    END LOOP;
  END LOOP;
END $$;
SELECT * FROM offres ORDER BY jit, name, form;
SELECT * FROM wrr_batch('SELECT id, k, g, ts, v, f FROM wsrc ORDER BY pos') WHERE id IN (10, 20, 30, 31) ORDER BY id;
-- wm again in its first insertion order (the tests below order ties by id)
TRUNCATE wm;
INSERT INTO wm SELECT id, k, g, ts, v, f FROM wsrc WHERE id < 500 ORDER BY id;
-- training_set() (as_of) against PostgreSQL's executor itself (native(), ties by id: the insertion order again)
DELETE FROM offres;
DO $$
DECLARE j text; dep text;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH dep IN ARRAY ARRAY['wrr', 'wgg', 'wex', 'wsub', 'wom'] LOOP
      EXECUTE format('INSERT INTO offres SELECT %L, %L, %L, count(*), 0,
                             count(*) FILTER (WHERE row(x.*)::text IS DISTINCT FROM native(%L, r))
                        FROM feature_ext.training_set(%L, %L, NULL::%I) x JOIN wreq r USING (id)',
                     j, dep, 'training as_of', dep, dep, 'SELECT * FROM wreq', dep || '_result');
    END LOOP;
  END LOOP;
END $$;
SELECT * FROM offres ORDER BY jit, name, form;
-- a NULL key in the request: refused as for any deployment
SELECT * FROM wrr(1, NULL, 0, 10, 1, 1.0);

-- Refused (0A000), with a hint
-- an unbounded inner frame (each stored row would read its key's whole history)
SELECT feature_ext.deploy('bad', $$
  SELECT id, sum(s2) OVER w AS ss
    FROM (SELECT id, k, ts, sum(v) OVER w2 AS s2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- an inner frame reaching later rows
SELECT feature_ext.deploy('bad', $$
  SELECT id, sum(s2) OVER w AS ss
    FROM (SELECT id, k, ts, sum(v) OVER w2 AS s2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- EXCLUDE in an inner RANGE frame (the peers' frames differ)
SELECT feature_ext.deploy('bad', $$
  SELECT id, sum(s2) OVER w AS ss
    FROM (SELECT id, k, ts, sum(v) OVER w2 AS s2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- the inner window partitioned by a column the outer one's PARTITION BY does not hold
SELECT feature_ext.deploy('bad', $$
  SELECT id, sum(s2) OVER w AS ss
    FROM (SELECT id, k, g, ts, sum(v) OVER w2 AS s2 FROM wm
          WINDOW w2 AS (PARTITION BY k, g ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- ordered by another column than the outer window (an index serves it)
CREATE INDEX wm_k_id ON wm USING skiplist (k, id);
SELECT feature_ext.deploy('bad', $$
  SELECT id, sum(s2) OVER w AS ss
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- lead (reads later rows)
SELECT feature_ext.deploy('bad', $$
  SELECT id, sum(s2) OVER w AS ss
    FROM (SELECT id, k, ts, lead(v) OVER w2 AS s2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- one column reading a ROWS and a RANGE window
SELECT feature_ext.deploy('bad', $$
  SELECT id, sum(s2) OVER w AS ss
    FROM (SELECT id, k, ts, sum(v) OVER w2 + sum(v) OVER w3 AS s2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW),
                 w3 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- still refused in the FROM subquery: WHERE
SELECT feature_ext.deploy('bad', $$
  SELECT id, sum(s2) OVER w AS ss
    FROM (SELECT id, k, ts, sum(v) OVER w2 AS s2 FROM wm WHERE v > 0
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- a window column in the outputs only: the request row's own window (no stored row computes it)
SELECT feature_ext.deploy('wout', $$
  SELECT id, s2, sum(v) OVER w AS sv
    FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM wm
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT bool_and((SELECT row(x.s2)::text FROM wout(r.id, r.k, r.g, r.ts, r.v, r.f) x)
                IS NOT DISTINCT FROM (SELECT row(y.s2)::text FROM (
                  SELECT id, src, sum(v) OVER (ORDER BY ts, src, id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2
                    FROM (SELECT r.*, 1 AS src UNION ALL SELECT *, 0 FROM wm WHERE k = r.k) a) y WHERE src = 1)) AS same,
       count(*) FROM wreq r;

-- With a LAST JOIN (integration_test/join/test_lastjoin_complex.yaml 6-2):
-- the FROM subquery's window and a LAST JOIN over a subquery with its own
-- window, read by the outer window; both dialects, against PostgreSQL's
-- executor (the LATERAL join of every row of the key, the request row's too)
CREATE TABLE lm (id int4, c1 text, c3 int4, c4 int8, c7 int8 NOT NULL) USING feature_store;
CREATE INDEX ON lm USING skiplist (c1, c7);
CREATE TABLE lr (id int4, c1 text, c4 int8, c7 int8 NOT NULL) USING feature_store;
CREATE INDEX ON lr USING skiplist (c1, c7);
INSERT INTO lm SELECT n, 'a' || (n % 3), n % 7, n * 2, (n / 2) * 10 FROM generate_series(1, 40) n;
INSERT INTO lr SELECT n, 'a' || (n % 4), n * 5 % 11, n * 7 FROM generate_series(1, 30) n;
CREATE TABLE lreq (id int4, c1 text, c3 int4, c4 int8, c7 int8);
INSERT INTO lreq SELECT id + 100, c1, c3 + 1, c4, c7 + (id % 2) * 5 FROM lm WHERE id % 3 = 0;
INSERT INTO lreq VALUES (200, 'a0', 1, 1, 1000), (201, 'zz', 2, 2, 50);
SELECT feature_ext.deploy('lj_p', $$
  SELECT x.id, x.c1, x.c3, j.c4, sum(j.c4) OVER w1 AS w1_c4_sum, sum(x.w2_c3_sum) OVER w1 AS w2_c3_sum,
         sum(j.w3_c4_sum) OVER w1 AS w3_c4_sum
    FROM (SELECT id, c1, c3, c4, c7, sum(c3) OVER w2 AS w2_c3_sum FROM lm
          WINDOW w2 AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
    LEFT JOIN LATERAL (SELECT * FROM (SELECT c1, c4, c7, sum(c4) OVER w3 AS w3_c4_sum FROM lr
                                      WINDOW w3 AS (PARTITION BY c1 ORDER BY c7 RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) t
                       WHERE t.c1 = x.c1 ORDER BY t.c7 DESC LIMIT 1) j ON true
  WINDOW w1 AS (PARTITION BY x.c1 ORDER BY x.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('lj_o', $$
  select id,t2.c1,t2.c3,t1.c4, sum(t1.c4) OVER w1 as w1_c4_sum, sum(t2.w2_c3_sum) OVER w1 as w2_c3_sum,
         sum(t1.w3_c4_sum) OVER w1 as w3_c4_sum
  from (select id,c1,c3,c4,c7,sum(lm.c3) OVER w2 as w2_c3_sum from lm
        WINDOW w2 AS (PARTITION BY lm.c1 ORDER BY lm.c7 ROWS_RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) as t2
  last join (select c1,c4,c7,sum(lr.c4) OVER w3 as w3_c4_sum from lr
             WINDOW w3 AS (PARTITION BY lr.c1 ORDER BY lr.c7 ROWS_RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) as t1
  ORDER BY t1.c7 on t2.c1=t1.c1
  WINDOW w1 AS (PARTITION BY t2.c1 ORDER BY t2.c7 ROWS_RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)$$);
CREATE FUNCTION native_lj(dep text, r lreq) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE got text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS la (id int4, c1 text, c3 int4, c4 int8, c7 int8, src int);
  TRUNCATE la;
  INSERT INTO la SELECT r.*, 1;
  INSERT INTO la SELECT *, 0 FROM lm WHERE c1 = r.c1;
  IF dep = 'lj_p' THEN
    SELECT row(y.id, y.c1, y.c3, y.c4, y.a, y.b, y.c)::text INTO got FROM (
      SELECT x.id, x.c1, x.c3, x.src, j.c4, sum(j.c4) OVER w1 AS a, sum(x.w2_c3_sum) OVER w1 AS b,
             sum(j.w3_c4_sum) OVER w1 AS c
        FROM (SELECT id, c1, c3, c4, c7, src, sum(c3) OVER w2 AS w2_c3_sum FROM la
              WINDOW w2 AS (PARTITION BY c1 ORDER BY c7, src, id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
        LEFT JOIN LATERAL (SELECT * FROM (SELECT c1, c4, c7, sum(c4) OVER w3 AS w3_c4_sum FROM lr
                                          WINDOW w3 AS (PARTITION BY c1 ORDER BY c7 RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) t
                           WHERE t.c1 = x.c1 ORDER BY t.c7 DESC LIMIT 1) j ON true
      WINDOW w1 AS (PARTITION BY x.c1 ORDER BY x.c7, x.src, x.id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) y
     WHERE src = 1;
  ELSE
    SELECT row(y.id, y.c1, y.c3, y.c4, y.a, y.b, y.c)::text INTO got FROM (
      SELECT x.id, x.c1, x.c3, x.src, j.c4, sum(j.c4) OVER w1 AS a, sum(x.w2_c3_sum) OVER w1 AS b,
             sum(j.w3_c4_sum) OVER w1 AS c
        FROM (SELECT id, c1, c3, c4, c7, src, sum(c3) OVER w2 AS w2_c3_sum FROM la
              WINDOW w2 AS (PARTITION BY c1 ORDER BY c7 RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) x
        LEFT JOIN LATERAL (SELECT * FROM (SELECT c1, c4, c7, sum(c4) OVER w3 AS w3_c4_sum FROM lr
                                          WINDOW w3 AS (PARTITION BY c1 ORDER BY c7 RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) t
                           WHERE t.c1 = x.c1 ORDER BY t.c7 DESC LIMIT 1) j ON true
      WINDOW w1 AS (PARTITION BY x.c1 ORDER BY x.c7 RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)) y
     WHERE src = 1;
  END IF;
  RETURN got;
END $f$;
CREATE TABLE lresults (jit text, name text, same bool, n int);
DO $$
DECLARE j text; dep text; r lreq; got text; want text; n int; ok bool;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH dep IN ARRAY ARRAY['lj_p', 'lj_o'] LOOP
      ok := true; n := 0;
      FOR r IN SELECT * FROM lreq ORDER BY id LOOP
        EXECUTE format('SELECT row(x.*)::text FROM %I($1, $2, $3, $4, $5) x', dep) INTO got
          USING r.id, r.c1, r.c3, r.c4, r.c7;
        want := native_lj(dep, r);
        n := n + 1;
        IF got IS DISTINCT FROM want THEN
          ok := false;
          RAISE WARNING '% % jit %: deployed % native %', dep, r.id, j, got, want;
        END IF;
      END LOOP;
      INSERT INTO lresults VALUES (j, dep, ok, n);
    END LOOP;
  END LOOP;
END $$;
SELECT * FROM lresults ORDER BY jit, name;
SELECT (lj_o(r.id, r.c1, r.c3, r.c4, r.c7)).* FROM lreq r WHERE r.id IN (103, 112, 200, 201) ORDER BY r.id;
-- offline, the 6-2 shape: training_set() (as_of) of the request rows equals the requests (JIT on and off;
-- the features: the row type's c4 is the source row's, the features' c4 the joined row's)
DO $$
DECLARE j text; dep text; n int; bad int;
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    FOREACH dep IN ARRAY ARRAY['lj_p', 'lj_o'] LOOP
      EXECUTE format('SELECT count(*), count(*) FILTER (WHERE (x.w1_c4_sum, x.w2_c3_sum, x.w3_c4_sum) IS DISTINCT FROM
                             (SELECT (y.w1_c4_sum, y.w2_c3_sum, y.w3_c4_sum) FROM %I(r.id, r.c1, r.c3, r.c4, r.c7) y))
                        FROM feature_ext.training_set(%L, %L, NULL::%I) x JOIN lreq r USING (id)',
                     dep, dep, 'SELECT * FROM lreq', dep || '_result') INTO n, bad;
      INSERT INTO lresults VALUES (j, dep || ' training_set', bad = 0, n);
    END LOOP;
  END LOOP;
END $$;
SELECT * FROM lresults WHERE name LIKE '% training_set' ORDER BY jit, name;
-- a join reading a computed column of the FROM subquery: refused (0A000)
SELECT feature_ext.deploy('bad', $$
  SELECT x.id, j.c4, sum(x.d) OVER w AS sd
    FROM (SELECT id, c1, c7, c3 * 2 AS d, upper(c1) AS u FROM lm) x
    LEFT JOIN LATERAL (SELECT * FROM lr WHERE lr.c1 = lower(x.u) ORDER BY lr.c7 DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY x.c1 ORDER BY x.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
-- a FROM subquery of computed columns (no window) with a LAST JOIN on a plain column
SELECT feature_ext.deploy('lj_c', $$
  SELECT x.id, j.c4, sum(x.d) OVER w AS sd, sum(j.c4) OVER w AS sj
    FROM (SELECT id, c1, c7, c3 * 2 AS d FROM lm) x
    LEFT JOIN LATERAL (SELECT * FROM lr WHERE lr.c1 = x.c1 ORDER BY lr.c7 DESC LIMIT 1) j ON true
  WINDOW w AS (PARTITION BY x.c1 ORDER BY x.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT bool_and((SELECT row(x.*)::text FROM lj_c(r.id, r.c1, r.c3, r.c4, r.c7) x) IS NOT DISTINCT FROM (
         SELECT row(y.id, y.c4, y.sd, y.sj)::text FROM (
           SELECT a.id, a.src, j.c4, sum(a.c3 * 2) OVER w AS sd, sum(j.c4) OVER w AS sj
             FROM (SELECT r.*, 1 AS src UNION ALL SELECT *, 0 FROM lm WHERE c1 = r.c1) a
             LEFT JOIN LATERAL (SELECT * FROM lr WHERE lr.c1 = a.c1 ORDER BY lr.c7 DESC LIMIT 1) j ON true
           WINDOW w AS (ORDER BY a.c7, a.src, a.id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) y WHERE src = 1)) AS same,
       count(*) FROM lreq r;
-- the inner window's own index (not the outer one's) dropped: named at the next call
CREATE TABLE di (id int4, k text, g int4, ts int8, v int8) USING feature_store;
CREATE INDEX di_kgts ON di USING skiplist (k, g, ts);
CREATE INDEX di_kts ON di USING skiplist (k, ts);
INSERT INTO di SELECT n, 'k' || (n % 2), n % 3, n, n FROM generate_series(1, 30) n;
SELECT feature_ext.deploy('dix', $$SELECT id, sum(s2) OVER w AS s FROM (SELECT id, k, g, ts, v, sum(v) OVER w2 AS s2 FROM di
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k, g ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM dix(100, 'k1', 1, 100, 5);
DROP INDEX di_kts;
SELECT * FROM dix(100, 'k1', 1, 100, 5);

-- offline, inner windows over two partitions (PARTITION BY k, and k, g with
-- RANGE) under an outer PARTITION BY k, g: _batch(), training_set() in both
-- modes equal the replayed requests / the requests (late rows, shifted times)
CREATE TABLE om (id int4, k text, g int4, ts int8, v int8) USING feature_store;
CREATE INDEX ON om USING skiplist (k, ts);
CREATE INDEX ON om USING skiplist (k, g, ts);
CREATE TABLE omsrc AS SELECT n AS id, 'k' || (n % 2) AS k, (n / 2) % 2 AS g,
   ((CASE WHEN n % 7 = 0 THEN n - 9 ELSE n END / 4) * 10)::int8 AS ts, ((n * 13) % 23)::int8 AS v,
   row_number() OVER (ORDER BY CASE WHEN n % 5 = 0 THEN n + 7 ELSE n END, n) AS pos FROM generate_series(1, 120) n;
SELECT count(*) FILTER (WHERE EXISTS (SELECT FROM omsrc b WHERE b.k = a.k AND b.pos < a.pos AND b.ts > a.ts)) AS late,
       count(*) FILTER (WHERE EXISTS (SELECT FROM omsrc b WHERE b.k = a.k AND b.pos < a.pos AND b.ts = a.ts)) AS peers
  FROM omsrc a;
SELECT feature_ext.deploy('omw', $$
  SELECT id, s2, r3, sum(s2) OVER w AS ss, sum(r3) OVER w AS sr, max(r3) OVER w AS mr, count(*) OVER w AS n
    FROM (SELECT id, k, g, ts, v, sum(v) OVER w2 AS s2, sum(v) OVER w3 AS r3 FROM om
          WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
                 w3 AS (PARTITION BY k, g ORDER BY ts RANGE BETWEEN 20 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k, g ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)$$);
CREATE TABLE omrep (id int4, feats text);
CREATE PROCEDURE omreplay() LANGUAGE plpgsql AS $f$
DECLARE r record; got text;
BEGIN
  FOR r IN SELECT * FROM omsrc ORDER BY pos LOOP
    SELECT row(x.*)::text INTO got FROM omw(r.id, r.k, r.g, r.ts, r.v) x;
    INSERT INTO omrep VALUES (r.id, got);
    INSERT INTO om VALUES (r.id, r.k, r.g, r.ts, r.v);
    COMMIT;
  END LOOP;
END $f$;
CALL omreplay();
CREATE TABLE omlab AS SELECT 1000 + n AS id, 'k' || (n % 2) AS k, n % 2 AS g,
   ((n * 37 % 30) * 10 + (n % 3) * 5)::int8 AS ts, n::int8 AS v FROM generate_series(1, 30) n;
CREATE TABLE omres (jit text, form text, n bigint, differences bigint);
DO $$
DECLARE j text; src text := 'SELECT id, k, g, ts, v FROM omsrc ORDER BY pos';
BEGIN
  FOREACH j IN ARRAY ARRAY['on', 'off'] LOOP
    PERFORM set_config('feature_ext.jit', j, false);
    INSERT INTO omres SELECT j, '_batch', count(*), count(*) FILTER (WHERE o.feats IS DISTINCT FROM b.feats)
      FROM omrep o FULL JOIN (SELECT x.id, row(x.*)::text AS feats FROM omw_batch(src) x) b USING (id);
    INSERT INTO omres SELECT j, 'training insertion', count(*), count(*) FILTER (WHERE o.feats IS DISTINCT FROM b.feats)
      FROM omrep o FULL JOIN (SELECT x.id, row(x.*)::text AS feats
                                FROM feature_ext.training_set('omw', src, NULL::omw_result, mode => 'insertion') x) b USING (id);
    INSERT INTO omres SELECT j, 'training as_of', count(*), count(*) FILTER (WHERE row(x.*)::text IS DISTINCT FROM
                                (SELECT row(y.*)::text FROM omw(l.id, l.k, l.g, l.ts, l.v) y))
      FROM feature_ext.training_set('omw', 'SELECT * FROM omlab', NULL::omw_result) x JOIN omlab l USING (id);
  END LOOP;
END $$;
SELECT * FROM omres ORDER BY jit, form;
SELECT feature_ext.undeploy('omw');
DROP TABLE om, omsrc, omrep, omlab, omres CASCADE;
DROP PROCEDURE omreplay();

SELECT count(feature_ext.undeploy(n))
  FROM unnest(ARRAY['wrr', 'wgg', 'wex', 'wsub', 'wom', 'wout', 'lj_p', 'lj_o', 'lj_c', 'dix']) n;
-- (the functions native() and native_lj() go with the request tables' row types)
DROP TABLE wm, wreq, results, lm, lr, lreq, lresults, di, wsrc, replayed, asof, offres CASCADE;
DROP PROCEDURE replay_all();
