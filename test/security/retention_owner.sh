#!/usr/bin/env bash
# The retention worker deletes as each table's owner: a non-superuser table
# owner's DELETE trigger, which tries ALTER ROLE ... SUPERUSER, runs as that
# owner inside a security-restricted operation (it ran as the bootstrap
# superuser before).  And run_retention() by another role (mallory, who holds
# SELECT and DELETE on alice's table) deletes from her own tables only.
# The server starts with retention_interval = 1h, so that no worker round runs
# before mallory's call; it is then reloaded to 1s.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
PORT=$(fe_free_port 55471)
DATA="$DIR/data"
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
failed=0
fail() { echo "FAIL (retention_owner): $*"; failed=1; }
fe_start_server "$DATA" "$PORT" "feature_ext.retention_interval = '1h'"
as() { local role=$1; shift; "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U "$role" -d postgres "$@"; }

as postgres >/dev/null <<'SQL'
CREATE EXTENSION feature_ext;
CREATE ROLE alice LOGIN;
CREATE ROLE mallory LOGIN;
CREATE SCHEMA alice AUTHORIZATION alice;
CREATE SCHEMA mallory AUTHORIZATION mallory;
GRANT USAGE ON SCHEMA alice TO mallory;
SQL
as alice >/dev/null <<'SQL'
CREATE TABLE alice.t (k text, v int, ts timestamptz NOT NULL) USING feature_store WITH (retention = '7 days');
CREATE INDEX t_idx ON alice.t USING skiplist (k, ts);
CREATE TABLE alice.deletions (who name, restricted bool, escalated bool);
-- records who runs it and whether the operation is security-restricted
-- (temporary tables are refused there), and tries to become superuser
CREATE FUNCTION alice.on_delete() RETURNS trigger LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
  restricted bool := false;
  escalated bool := false;
BEGIN
  BEGIN
    CREATE TEMP TABLE IF NOT EXISTS probe (x int);
  EXCEPTION WHEN others THEN
    restricted := SQLERRM LIKE '%security-restricted operation%';
  END;
  BEGIN
    ALTER ROLE alice SUPERUSER;
    escalated := true;
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  INSERT INTO alice.deletions VALUES (current_user, restricted, escalated);
  RETURN OLD;
END $$;
CREATE TRIGGER t_del BEFORE DELETE ON alice.t FOR EACH ROW EXECUTE FUNCTION alice.on_delete();
INSERT INTO alice.t SELECT 'k' || (i % 5), i, now() - make_interval(days => i) + interval '1 hour' FROM generate_series(1, 20) i;
GRANT SELECT, DELETE ON alice.t TO mallory;
-- a table whose DELETE trigger always fails
CREATE TABLE alice.broken (k text, ts timestamptz NOT NULL) USING feature_store WITH (retention = '1 day');
CREATE INDEX broken_idx ON alice.broken USING skiplist (k, ts);
CREATE FUNCTION alice.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'alice refuses'; END $$;
CREATE TRIGGER refuse BEFORE DELETE ON alice.broken FOR EACH ROW EXECUTE FUNCTION alice.refuse();
INSERT INTO alice.broken VALUES ('a', now() - interval '2 days');
SQL
as mallory >/dev/null <<'SQL'
CREATE TABLE mallory.m (k text, ts timestamptz NOT NULL) USING feature_store WITH (retention = '1 day');
CREATE INDEX m_idx ON mallory.m USING skiplist (k, ts);
INSERT INTO mallory.m VALUES ('a', now() - interval '3 days'), ('a', now() - interval '2 days'), ('a', now());
SQL

# run_retention() by mallory: her own table only
out=$(as mallory -c "SELECT feature_ext.run_retention()" 2>&1) || true
[ "$out" = 2 ] || fail "mallory's run_retention() returned '$out', expected 2 (her own 2 old rows)"
[ "$(as postgres -c "SELECT count(*) FROM alice.t")" = 20 ] || fail "mallory's run_retention() deleted rows of alice's table"
[ "$(as postgres -c "SELECT count(*) FROM mallory.m")" = 1 ] || fail "mallory's own old rows were not deleted"

# the background worker, every second from now on
as postgres -c "ALTER SYSTEM SET feature_ext.retention_interval = '1s'" -c "SELECT pg_reload_conf()" >/dev/null
for i in $(seq 1 60); do
    n=$(as postgres -c "SELECT count(*) FROM alice.t")
    [ "$n" = 7 ] && break
    sleep 0.5
done
[ "$n" = 7 ] || fail "the worker left $n rows in alice.t, expected 7"
[ "$(as postgres -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'alice'")" = f ] ||
    fail "alice became superuser through her DELETE trigger"
got=$(as postgres -c "SELECT string_agg(DISTINCT format('%s restricted=%s escalated=%s', who, restricted, escalated), '; ') FROM alice.deletions")
[ "$got" = "alice restricted=t escalated=f" ] ||
    fail "the trigger ran as: '$got', expected 'alice restricted=t escalated=f'"
[ "$(as postgres -c "SELECT count(*) FROM alice.deletions")" = 13 ] || fail "the trigger did not see the 13 deletions"
grep -q "feature_ext: retention deleted 13 rows older than 7 days from t" "$DATA/server.log" || fail "no retention log line"

# an owner's failing trigger (alice.broken, listed before mallory.m) is
# logged and does not stop the other tables
as mallory -c "INSERT INTO mallory.m VALUES ('b', now() - interval '2 days')" >/dev/null
for i in $(seq 1 60); do
    n=$(as postgres -c "SELECT count(*) FROM mallory.m")
    [ "$n" = 1 ] && break
    sleep 0.5
done
[ "$n" = 1 ] || fail "a failing trigger on alice.broken stopped retention of mallory.m ($n rows)"
grep -q "alice refuses" "$DATA/server.log" || fail "the failing trigger's error was not logged"
[ "$(as postgres -c "SELECT count(*) FROM alice.broken")" = 1 ] || fail "alice.broken lost its row despite the error"
grep -Eq "PANIC|terminated by signal" "$DATA/server.log" && fail "server log shows a crash"
if [ $failed -ne 0 ]; then tail -20 "$DATA/server.log"; exit 1; fi
echo "retention_owner: ok"
