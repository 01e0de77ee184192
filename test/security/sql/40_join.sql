-- Multi-table deployments (deploy/join_pg.hpp): every table a join reads is
-- bound by OID (the caller's search_path cannot substitute another), its
-- SELECT privilege is checked at every call for the caller, and row-level
-- security on it is refused, never bypassed.  Roles from 00_setup.
SET ROLE alice;
CREATE TABLE alice.jev (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON alice.jev USING skiplist (k, ts);
CREATE TABLE alice.prof (k text PRIMARY KEY, tier text);
INSERT INTO alice.prof VALUES ('a', 'gold');
CREATE TABLE alice.last (k text, x int, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON alice.last USING skiplist (k, ts);
INSERT INTO alice.last VALUES ('a', 1, '2026-01-01 00:00+00'), ('a', 2, '2026-01-01 00:05+00');
SELECT feature_ext.deploy('alice.fj', $q$SELECT jev.k, count(*) OVER w AS c, p.tier, l.x
  FROM alice.jev LEFT JOIN alice.prof p ON p.k = jev.k
  LEFT JOIN LATERAL (SELECT last.x FROM alice.last WHERE last.k = jev.k AND last.ts <= jev.ts
                      ORDER BY last.ts DESC LIMIT 1) l ON true
  WINDOW w AS (PARTITION BY jev.k ORDER BY jev.ts)$q$);
SELECT * FROM alice.fj('a', 8, '2026-01-01 00:03+00');
GRANT USAGE ON SCHEMA alice TO mallory;
GRANT SELECT ON alice.jev TO mallory;
RESET ROLE;

-- 1. A caller with SELECT on the deployment's table but not on a joined
-- table: refused at the call (the joined tables are read for the caller).
SET ROLE mallory;
SELECT * FROM alice.fj('a', 8, '2026-01-01 00:03+00');
SELECT count(*) FROM alice.fj_batch('alice.jev');
RESET ROLE;
SET ROLE alice;
GRANT SELECT ON alice.prof TO mallory;
RESET ROLE;
SET ROLE mallory;
SELECT * FROM alice.fj('a', 8, '2026-01-01 00:03+00');
RESET ROLE;

-- 2. Shadowing: tables of the caller named like the joined ones, first in
-- the caller's search_path, are never read (bound by OID).
SET ROLE alice;
GRANT SELECT ON alice.last TO mallory;
RESET ROLE;
SET ROLE mallory;
CREATE TEMP TABLE prof (k text PRIMARY KEY, tier text);
INSERT INTO prof VALUES ('a', 'pwned');
CREATE TABLE public.last (k text, x int, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON public.last USING skiplist (k, ts);
INSERT INTO public.last VALUES ('a', 666, '2026-01-01 00:00+00');
SET search_path = pg_temp, public, alice;
SELECT * FROM alice.fj('a', 8, '2026-01-01 00:03+00');
RESET search_path;
DROP TABLE public.last;
RESET ROLE;

-- 3. A policy added to a joined table later: the deployment refuses to run
-- (it cannot enforce it and never bypasses it), also for its owner.
SET ROLE alice;
ALTER TABLE alice.prof ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_silver ON alice.prof USING (tier = 'silver');
SELECT * FROM alice.fj('a', 8, '2026-01-01 00:03+00');
RESET ROLE;
SET ROLE mallory;
SELECT * FROM alice.fj('a', 8, '2026-01-01 00:03+00');
RESET ROLE;
SET ROLE alice;
ALTER TABLE alice.prof DISABLE ROW LEVEL SECURITY;
SELECT * FROM alice.fj('a', 8, '2026-01-01 00:03+00');
SELECT feature_ext.undeploy('alice.fj');
RESET ROLE;
