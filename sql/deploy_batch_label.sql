-- training_set(): training sets from a label table (SPEC §5.1).  Each source
-- row's features as of its own time, against the deployment's table whatever
-- the order its rows were inserted in: PostgreSQL's window executor's answer
-- for that row as the last of its peers.
SET client_min_messages = warning;
SET timezone = 'UTC';

-- The issue: rows inserted out of time order.  A back-filled row (inserted
-- last, two days old) is not "before" the others in insertion order, so
-- batch() leaves amount_sum_3 NULL where PostgreSQL's window query gives 40.
CREATE TABLE ltx (id int, card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL) USING feature_store;
CREATE INDEX ltx_card ON ltx USING skiplist (card_id, txn_time) WITH (ttl = '30 days');
INSERT INTO ltx VALUES (1, 'aaa', 10, 'm1', '2026-12-01 09:00+00'), (2, 'aaa', 20, 'm1', '2026-12-01 12:00+00');
INSERT INTO ltx VALUES (3, 'aaa', 40, 'm2', '2026-11-29 12:00+00');  -- back-filled
SELECT feature_ext.deploy('ltx_f', $$
  SELECT card_id,
         sum(amount)  OVER w3  AS amount_sum_3,
         count(*)     OVER w1d AS txn_count_1d,
         max(amount)  OVER w1d AS amount_max_1d
  FROM ltx
  WINDOW w3  AS (PARTITION BY card_id ORDER BY txn_time
                 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
         w1d AS (PARTITION BY card_id ORDER BY txn_time
                 RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW)$$);
SELECT * FROM ltx_f_batch('ltx');                        -- insertion order (what requests saw)
SELECT id, sum(amount) OVER w3 AS amount_sum_3, count(*) OVER w1d AS txn_count_1d, max(amount) OVER w1d AS amount_max_1d
  FROM ltx
  WINDOW w3  AS (PARTITION BY card_id ORDER BY txn_time ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
         w1d AS (PARTITION BY card_id ORDER BY txn_time RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW)
 ORDER BY id;                                             -- PostgreSQL
-- the column list training_set() needs, then the label-table form: as of each row's time
SELECT feature_ext.training_set_columns('ltx_f', 'ltx');
SELECT * FROM feature_ext.training_set('ltx_f', 'ltx')
  AS t(id integer, card_id text, amount double precision, merchant text, txn_time timestamp with time zone,
       card_id_feature text, amount_sum_3 double precision, txn_count_1d bigint, amount_max_1d double precision)
 ORDER BY id;
-- the insertion-order replay stays available
SELECT id, amount_sum_3, txn_count_1d FROM feature_ext.training_set('ltx_f', 'ltx', mode => 'insertion')
  AS t(id integer, card_id text, amount double precision, merchant text, txn_time timestamp with time zone,
       card_id_feature text, amount_sum_3 double precision, txn_count_1d bigint, amount_max_1d double precision);
-- a label table: key, time, label (the columns it lacks are NULL in the
-- request row; EXCLUDE CURRENT ROW leaves it out, count(*) counts it)
CREATE TABLE ltx_labels (label_id int, card_id text, txn_time timestamptz, is_fraud bool);
INSERT INTO ltx_labels VALUES (100, 'aaa', '2026-12-01 10:00+00', false), (101, 'aaa', '2026-11-29 12:00+00', true),
                              (102, 'zzz', '2026-12-01 10:00+00', false), (103, 'aaa', NULL, true);
SET client_min_messages = notice;
SELECT * FROM feature_ext.training_set('ltx_f', 'ltx_labels')
  AS t(label_id int, card_id text, txn_time timestamptz, is_fraud bool,
       card_id_feature text, amount_sum_3 float8, txn_count_1d bigint, amount_max_1d float8);
SET client_min_messages = warning;
-- typed rows without a column list: a row type (a table's or CREATE TYPE's)
-- names the columns wanted, taken by name from the source and the features
CREATE TABLE ltx_train (label_id int, is_fraud bool, txn_time timestamptz, amount_sum_3 float8,
                        txn_count_1d bigint, card_id text);
INSERT INTO ltx_train SELECT * FROM feature_ext.training_set('ltx_f', 'ltx_labels', NULL::ltx_train, progress => 0);
SELECT * FROM ltx_train ORDER BY label_id;
CREATE TYPE ltx_row AS (id int, card_id_feature text, amount_sum_3 float8, amount_max_1d float8);
SELECT * FROM feature_ext.training_set('ltx_f', 'ltx', NULL::ltx_row) ORDER BY id;
SELECT (r).id, (r).amount_sum_3 FROM feature_ext.training_set('ltx_f', 'ltx', NULL::ltx_row, mode => 'insertion') r;
SELECT * FROM feature_ext.training_set('ltx_f', 'ltx', NULL::int);
CREATE TYPE ltx_bad AS (id int, nope text);
SELECT * FROM feature_ext.training_set('ltx_f', 'ltx', NULL::ltx_bad);
CREATE TYPE ltx_bad2 AS (id bigint);
SELECT * FROM feature_ext.training_set('ltx_f', 'ltx', NULL::ltx_bad2);
DROP TYPE ltx_row, ltx_bad, ltx_bad2;
DROP TABLE ltx_train;
-- the table joined with its labels: each row counts once (its stored copy is the request)
SELECT t.id, t.is_fraud, t.amount_sum_3, t.txn_count_1d
  FROM feature_ext.training_set('ltx_f', $$SELECT x.*, l.is_fraud FROM ltx x JOIN ltx_labels l USING (card_id, txn_time)$$)
  AS t(id int, card_id text, amount float8, merchant text, txn_time timestamptz, is_fraud bool,
       card_id_feature text, amount_sum_3 float8, txn_count_1d bigint, amount_max_1d float8);

-- 700 rows, inserted out of time order (back-filled rows), ties on the time
-- column, NULL keys and NULL times; several frame kinds.  Reference:
-- PostgreSQL's window executor per label row, over the table's rows of its
-- key (NULL keys are a partition, as PARTITION BY makes them) up to its time,
-- its own stored copy left out, plus the label row last of its peers.
CREATE TABLE lt (id int, card text, amount float8, n int, ts timestamptz) USING feature_store;
CREATE INDEX lt_card ON lt USING skiplist (card, ts);
INSERT INTO lt
SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE 'c' || (g % 6) END,
       CASE WHEN g % 17 = 0 THEN NULL ELSE ((g * 7) % 40) * 0.5 END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 31) % 23 END,
       CASE WHEN g % 61 = 0 THEN NULL ELSE '2026-11-01 00:00+00'::timestamptz + ((g * 37) % 97) * interval '30 min' END
  FROM generate_series(1, 700) g;
SELECT count(*) AS rows, count(*) FILTER (WHERE card IS NULL) AS null_keys, count(*) FILTER (WHERE ts IS NULL) AS null_times,
       (SELECT count(*) FROM (SELECT 1 FROM lt GROUP BY card, ts HAVING count(*) > 1) x) AS tied_times
  FROM lt;
SELECT feature_ext.deploy('lt_f', $$
  SELECT card, sum(amount) OVER w3 AS s3, count(*) OVER w1d AS c1d, max(n) OVER w1d AS mx1d,
         avg(amount) OVER wr AS a2h, count(n) OVER w5 AS c5, sum(n) OVER wg AS sg
    FROM lt
  WINDOW w3 AS (PARTITION BY card ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
         w1d AS (PARTITION BY card ORDER BY ts RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW),
         wr AS (PARTITION BY card ORDER BY ts RANGE BETWEEN INTERVAL '2 hours' PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
         w5 AS (PARTITION BY card ORDER BY ts ROWS 5 PRECEDING),
         wg AS (PARTITION BY card ORDER BY ts GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE TIES)$$);

-- ref(labels): the reference for a label query with the table's columns
-- (id NULL for rows that are not stored rows).
CREATE FUNCTION ref(labels text) RETURNS TABLE (id int, card text, ts timestamptz, feats text)
LANGUAGE plpgsql AS $f$
BEGIN
  RETURN QUERY EXECUTE format($q$
  SELECT l.id, l.card, l.ts, row(l.card, r.s3, r.c1d, r.mx1d, r.a2h, r.c5, r.sg)::text
    FROM (%s) l, LATERAL (
      SELECT * FROM (
        SELECT u.me, sum(u.amount) OVER w3 AS s3, count(*) OVER w1d AS c1d, max(u.n) OVER w1d AS mx1d,
               avg(u.amount) OVER wr AS a2h, count(u.n) OVER w5 AS c5, sum(u.n) OVER wg AS sg
          FROM (SELECT t.id, t.amount, t.n, t.ts, 0 AS me FROM lt t
                 WHERE t.card IS NOT DISTINCT FROM l.card AND t.ts <= l.ts AND t.id IS DISTINCT FROM l.id
                UNION ALL SELECT l.id, l.amount, l.n, l.ts, 1) u
        WINDOW w3 AS (ORDER BY u.ts, u.me, u.id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
               w1d AS (ORDER BY u.ts RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW),
               wr AS (ORDER BY u.ts RANGE BETWEEN INTERVAL '2 hours' PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
               w5 AS (ORDER BY u.ts, u.me, u.id ROWS 5 PRECEDING),
               wg AS (ORDER BY u.ts GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE TIES)) x
       WHERE x.me = 1) r
   WHERE l.ts IS NOT NULL$q$, labels);
END $f$;
-- ours(labels): training_set's features of the same label query (the
-- column list from training_set_columns())
CREATE FUNCTION ours(labels text) RETURNS TABLE (id int, card text, ts timestamptz, feats text)
LANGUAGE plpgsql AS $f$
BEGIN
  RETURN QUERY EXECUTE format($q$
  SELECT t.id, t.card, t.ts, row(t.card_feature, t.s3, t.c1d, t.mx1d, t.a2h, t.c5, t.sg)::text
    FROM feature_ext.training_set('lt_f', %L, progress => 0) AS t%s
   WHERE t.ts IS NOT NULL$q$, labels, feature_ext.training_set_columns('lt_f', labels));
END $f$;
CREATE FUNCTION compare(labels text) RETURNS TABLE (rows_compared bigint, differences bigint, misaligned bigint)
LANGUAGE sql AS $$
  SELECT count(*), count(*) FILTER (WHERE r.feats IS DISTINCT FROM o.feats),
         count(*) FILTER (WHERE (r.id, r.card, r.ts) IS DISTINCT FROM (o.id, o.card, o.ts))
    FROM (SELECT row_number() OVER (ORDER BY x.id, x.card, x.ts) AS k, x.* FROM ref(labels) x) r
    FULL JOIN (SELECT row_number() OVER (ORDER BY x.id, x.card, x.ts) AS k, x.* FROM ours(labels) x) o USING (k) $$;

-- the table itself as the source (every stored row is its own request)
SELECT * FROM compare('SELECT * FROM lt');
SET feature_ext.jit = off;
SELECT * FROM compare('SELECT * FROM lt');
RESET feature_ext.jit;
-- the result as PostgreSQL's plain window query over the table gives it:
-- RANGE frames for every row with a time; ROWS frames where no other row of
-- the key has the same time (elsewhere PostgreSQL's order among peers is
-- not defined; the reference above fixes it: the row last of its peers).
SELECT count(*) AS rows_compared,
       count(*) FILTER (WHERE (o.c1d, o.mx1d, o.a2h) IS DISTINCT FROM (n.c1d, n.mx1d, n.a2h)) AS range_differences,
       count(*) FILTER (WHERE NOT n.tied) AS untied,
       count(*) FILTER (WHERE NOT n.tied AND (o.s3, o.c5) IS DISTINCT FROM (n.s3, n.c5)) AS rows_differences
  FROM feature_ext.training_set('lt_f', 'lt', progress => 0)
    AS o(id int, card text, amount float8, n int, ts timestamptz,
         card_feature text, s3 float8, c1d bigint, mx1d int, a2h float8, c5 bigint, sg bigint)
  JOIN (SELECT id, sum(amount) OVER w3 AS s3, count(*) OVER w1d AS c1d, max(n) OVER w1d AS mx1d,
               avg(amount) OVER wr AS a2h, count(n) OVER w5 AS c5,
               count(*) OVER (PARTITION BY card, ts) > 1 AS tied
          FROM lt WHERE ts IS NOT NULL
        WINDOW w3 AS (PARTITION BY card ORDER BY ts, id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
               w1d AS (PARTITION BY card ORDER BY ts RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW),
               wr AS (PARTITION BY card ORDER BY ts RANGE BETWEEN INTERVAL '2 hours' PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
               w5 AS (PARTITION BY card ORDER BY ts, id ROWS 5 PRECEDING)) n USING (id);
-- PostgreSQL's built-in window functions see the same partition: rank()
-- for every row, row_number() and lag() where the row has no peer
SELECT feature_ext.deploy('lt_w', $$
  SELECT card, row_number() OVER w AS rn, rank() OVER w AS rk, lag(n) OVER w AS lg, dense_rank() OVER w AS dr
    FROM lt WINDOW w AS (PARTITION BY card ORDER BY ts)$$);
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE (o.rk, o.dr) IS DISTINCT FROM (n.rk, n.dr)) AS rank_differences,
       count(*) FILTER (WHERE NOT n.tied) AS untied,
       count(*) FILTER (WHERE NOT n.tied AND (o.rn, o.lg) IS DISTINCT FROM (n.rn, n.lg)) AS untied_differences
  FROM feature_ext.training_set('lt_w', 'lt', progress => 0)
    AS o(id int, card text, amount float8, n int, ts timestamptz, card_feature text, rn bigint, rk bigint, lg int, dr bigint)
  JOIN (SELECT id, row_number() OVER (PARTITION BY card ORDER BY ts, id) AS rn, rank() OVER w AS rk,
               lag(n) OVER (PARTITION BY card ORDER BY ts, id) AS lg, dense_rank() OVER w AS dr,
               count(*) OVER (PARTITION BY card, ts) > 1 AS tied
          FROM lt WHERE ts IS NOT NULL WINDOW w AS (PARTITION BY card ORDER BY ts)) n USING (id);
SELECT feature_ext.undeploy('lt_w');
-- label rows that are not stored rows: between stored times, on them (ties),
-- before any, for a key without rows, for the NULL key
CREATE TABLE lt_labels AS
SELECT NULL::int AS id, card, NULL::float8 AS amount, NULL::int AS n,
       '2026-11-01 00:00+00'::timestamptz + (g % 110) * interval '25 min' AS ts, g % 3 = 0 AS label
  FROM (VALUES ('c1'), ('c4'), ('c9'), (NULL)) c(card), generate_series(1, 60) g;
SELECT * FROM compare('SELECT * FROM lt_labels');
-- the same rows through a query that carries a label column too
SELECT * FROM compare('SELECT l.*, (l.n IS NULL) AS extra FROM lt l WHERE l.card IN (''c2'', ''c3'') OR l.card IS NULL');
-- the insertion-order replay equals batch() on the rows batch() answers
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE a.f IS DISTINCT FROM b.f) AS differences
  FROM (SELECT row_number() OVER () AS k, row(t.card_feature, t.s3, t.c1d, t.mx1d, t.a2h, t.c5, t.sg)::text AS f
          FROM feature_ext.training_set('lt_f', 'SELECT * FROM lt ORDER BY id', mode => 'insertion', progress => 0)
            AS t(id int, card text, amount float8, n int, ts timestamptz,
                 card_feature text, s3 float8, c1d bigint, mx1d int, a2h float8, c5 bigint, sg bigint)
         WHERE t.card IS NOT NULL AND t.ts IS NOT NULL) a
  FULL JOIN (SELECT row_number() OVER () AS k, row(x.*)::text AS f
               FROM lt_f_batch('SELECT * FROM lt ORDER BY id') x) b USING (k);

-- Two index groups (two keys), externally sorted: RANGE features equal
-- PostgreSQL's window query over the table.
CREATE TABLE lt2 (k text, k2 int, v int, ts int8) USING feature_store;
CREATE INDEX lt2_k ON lt2 USING skiplist (k, ts);
CREATE INDEX lt2_k2 ON lt2 USING skiplist (k2, ts);
INSERT INTO lt2 SELECT 'k' || (g % 37), g % 11, (g * 7919) % 1000, (g * 7907) % 20011 FROM generate_series(1, 20000) g;
SELECT feature_ext.deploy('lt2_f', $$
SELECT k, sum(v) OVER w1 AS s1, count(*) OVER w2 AS c2, max(v) OVER w2 AS m2
  FROM lt2 WINDOW w1 AS (PARTITION BY k ORDER BY ts RANGE 300 PRECEDING),
                  w2 AS (PARTITION BY k2 ORDER BY ts RANGE 500 PRECEDING)$$);
SET work_mem = '64kB';
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE (o.s1, o.c2, o.m2) IS DISTINCT FROM (n.s1, n.c2, n.m2)) AS differences
  FROM feature_ext.training_set('lt2_f', 'lt2', progress => 0)
    AS o(k text, k2 int, v int, ts int8, k_feature text, s1 bigint, c2 bigint, m2 int)
  JOIN (SELECT k, k2, v, ts, sum(v) OVER w1 AS s1, count(*) OVER w2 AS c2, max(v) OVER w2 AS m2
          FROM lt2 WINDOW w1 AS (PARTITION BY k ORDER BY ts RANGE 300 PRECEDING),
                          w2 AS (PARTITION BY k2 ORDER BY ts RANGE 500 PRECEDING)) n USING (k, k2, v, ts);
RESET work_mem;

-- Progress: a NOTICE every `progress` rows while reading, computing and
-- returning (the time since the start is in the DETAIL).
SET client_min_messages = notice;
\set VERBOSITY terse
SELECT count(*) FROM feature_ext.training_set('lt_f', 'lt', progress => 300)
  AS t(id int, card text, amount float8, n int, ts timestamptz,
       card_feature text, s3 float8, c1d bigint, mx1d int, a2h float8, c5 bigint, sg bigint);
\set VERBOSITY default

-- Errors
SELECT * FROM feature_ext.training_set('lt_f', 'lt');
SELECT * FROM feature_ext.training_set('lt_f', 'lt') AS t(id int);
SELECT * FROM feature_ext.training_set('lt_f', 'SELECT id, amount, ts FROM lt') AS t(id int);
SELECT * FROM feature_ext.training_set('lt_f', 'SELECT id, card::varchar AS card, ts FROM lt') AS t(id int);
SELECT * FROM feature_ext.training_set('lt_f', 'SELECT card, ts, card FROM lt') AS t(id int);
SELECT * FROM feature_ext.training_set('lt_f', 'lt', mode => 'random') AS t(id int);
SELECT * FROM feature_ext.training_set('lt_f', 'lt', progress => -1) AS t(id int);
SELECT * FROM feature_ext.training_set('nope', 'lt') AS t(id int);
SELECT * FROM feature_ext.training_set('lt_f', 'no_such_table') AS t(id int);
SELECT feature_ext.training_set_columns('lt_f', 'SELECT card, ts, 1 AS label FROM lt');
-- a quoted table name
CREATE TABLE "Odd Labels" (card text, ts timestamptz, "Label" bool);
INSERT INTO "Odd Labels" VALUES ('c1', '2026-11-01 12:00+00', true);
SELECT feature_ext.training_set_columns('lt_f', '"Odd Labels"');
SELECT * FROM feature_ext.training_set('lt_f', 'public."Odd Labels"')
  AS t(card text, ts timestamptz, "Label" bool, card_feature text, s3 double precision, c1d bigint, mx1d integer,
       a2h double precision, c5 bigint, sg bigint);
DROP TABLE "Odd Labels";

SELECT feature_ext.undeploy('ltx_f');
SELECT feature_ext.undeploy('lt_f');
SELECT feature_ext.undeploy('lt2_f');
DROP FUNCTION compare(text);
DROP FUNCTION ours(text);
DROP FUNCTION ref(text);
DROP TABLE ltx, ltx_labels, lt, lt_labels, lt2;
