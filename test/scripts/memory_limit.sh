#!/usr/bin/env bash
# feature_ext.memory_limit (SPEC §2, §7): when the shared region is full the
# inserting statement fails with SQLSTATE 53200 and a HINT; nothing already
# stored is lost, the server keeps running, a failed statement gives its
# memory back, and after DELETE + run_gc() the memory is reused (also for new
# keys).  A COPY that hits the limit fails the same way.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=55474
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (memory_limit): $*"; echo "kept $DIR; server log tail:"; tail -5 "$DATA/server.log"; trap - EXIT; fe_stop_server "$DATA" immediate; exit 1; }
say() { [ -z "${FE_VERBOSE:-}" ] || echo "memory_limit: $*" >&2; }   # FE_VERBOSE=1 to follow along

fe_start_server "$DATA" "$PORT" "feature_ext.memory_limit = '8MB'"
q() { fe_psql "$PORT" -At -c "$1"; }
# tryq SQL: runs SQL with verbose errors; sets $out to psql's output, returns psql's status
tryq() { local rc=0; out=$(fe_psql "$PORT" -At -v VERBOSITY=verbose 2>&1 <<<"$1") || rc=$?; return $rc; }
expect_53200() {  # LABEL: the last tryq failed with 53200 and a hint
    grep -q "ERROR:  53200: feature_ext memory limit reached" <<<"$out" || fail "$1: expected SQLSTATE 53200, got: $out"
    grep -q "^HINT:  ." <<<"$out" || fail "$1: no HINT with the 53200 error: $out"
}
alive() { q "SELECT 1" >/dev/null 2>&1 || fail "$1: server is not answering"; }
used() { q "SELECT used_bytes FROM feature_ext.memory_usage()"; }

q "CREATE EXTENSION feature_ext" >/dev/null
q "CREATE TABLE t (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX t_card ON t USING skiplist (card_id, txn_time)" >/dev/null

# ------------------------------------------------------------ 0. a dropped index gives its memory back soon
# (its commit wakes the TTL worker, whose pass reclaims it; no run_gc() here)
u6=$(used)
q "CREATE TABLE d (k text, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX d_k ON d USING skiplist (k, ts) WITH (buckets = 1024)" >/dev/null
q "INSERT INTO d SELECT 'k' || (i % 100), now() FROM generate_series(1, 2000) i" >/dev/null
[ "$(used)" -gt $((u6 + 50000)) ] || fail "an index with 2,000 rows uses $(( $(used) - u6 )) bytes"
q "DROP TABLE d" >/dev/null
for i in $(seq 1 100); do [ "$(used)" -le "$u6" ] && break; sleep 0.2; done
[ "$(used)" -le "$u6" ] || fail "a dropped index's memory was not given back within 20 s: used $u6 -> $(used)"
# A skiplist index on a temporary table is refused (shared memory; docs/SECURITY.md).
tryq "CREATE TEMP TABLE tt (k text, ts timestamptz) USING feature_store; CREATE INDEX ON tt USING skiplist (k, ts)" &&
    fail "a skiplist index on a temporary table was created"
grep -q "0A000: skiplist indexes cannot be created on temporary tables" <<<"$out" || fail "temp table error: $out"

# rows SEQ_FROM SEQ_TO [KEYPREFIX]: 200 keys
rows() { echo "SELECT '${3:-c}' || (i % 200), i * 0.5, 'merchant_' || (i % 10), timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' FROM generate_series($1, $2) i"; }

# check LABEL: per key, index_scan rows = heap rows; index_stats rows = heap rows
check() {
    local res
    res=$(q "WITH h AS (SELECT card_id, count(*) AS n FROM t GROUP BY 1)
             SELECT (SELECT count(*) FROM t),
                    (SELECT count(*) FROM h WHERE n <> (SELECT count(*) FROM feature_ext.index_scan('t_card', ARRAY[card_id]))),
                    (SELECT rows_in_memory || ':' || state FROM feature_ext.index_stats WHERE index_name = 't_card'::regclass)") \
        || fail "$1: verification query failed"
    local total bad st
    IFS='|' read -r total bad st <<<"$res"
    [ "$bad" = 0 ] || fail "$1: $bad keys have an index row count different from the heap"
    [ "$st" = "$total:ready" ] || fail "$1: index_stats says $st, heap has $total rows"
    say "$1: heap = index = $total rows; used $(used) bytes"
    echo "$total"
}

# ------------------------------------------------------------ 1. fill up with INSERTs
# Batches of 20000, then 2000 rows, each size until it fails with 53200; then
# single rows (one subtransaction each) until the region is full to the brim.
seq_no=0; committed=0; failures=0
for batch in 20000 2000; do
    for i in $(seq 1 60); do
        if tryq "INSERT INTO t $(rows $((seq_no + 1)) $((seq_no + batch)))"; then
            committed=$((committed + batch))
        else
            expect_53200 "INSERT of $batch rows"
            failures=$((failures + 1))
            break
        fi
        seq_no=$((seq_no + batch))
        [ $i = 60 ] && fail "memory limit never reached ($committed rows stored)"
    done
done
# (node sizes vary with the skiplist height: go on until 50 rows in a row fail)
tryq "DO \$\$ DECLARE i int := $seq_no; fails int := 0;
     BEGIN
       WHILE fails < 50 LOOP
         i := i + 1;
         BEGIN
           INSERT INTO t VALUES ('c' || (i % 200), i * 0.5, 'merchant_' || (i % 10),
                                 timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second');
           fails := 0;
         EXCEPTION WHEN out_of_memory THEN fails := fails + 1;
         END;
         IF i > $seq_no + 100000 THEN RAISE EXCEPTION 'memory limit never reached'; END IF;
       END LOOP;
     END \$\$" || fail "filling with single rows failed: $out"
committed=$(q "SELECT count(*) FROM t")
tryq "INSERT INTO t $(rows 1 20)" && fail "INSERT of 20 rows into a full region succeeded"
expect_53200 "INSERT of 20 rows into a full region"
say "full after $committed rows ($failures failed statements)"
alive "after the INSERTs that hit the limit"
grep -q "HINT:" <<<"$out" || fail "no HINT"
n=$(check "full")
[ "$n" = "$committed" ] || fail "heap has $n rows, expected the $committed committed ones"
# the failed statements gave their memory back: one more failure changes nothing
u0=$(used)
tryq "INSERT INTO t $(rows 1 20000)" && fail "INSERT into a full region succeeded"
expect_53200 "INSERT into a full region"
[ "$(used)" = "$u0" ] || fail "a failed INSERT kept memory: used $u0 -> $(used) bytes"
# reads keep working when full
q "SELECT count(*) FROM feature_ext.index_scan('t_card', ARRAY['c7'])" >/dev/null || fail "read when full failed"

# ------------------------------------------------------------ 2. DELETE + run_gc -> memory reused
q "DELETE FROM t WHERE amount::int8 % 2 = 0" >/dev/null   # about half of every key's rows
deleted=$((committed - $(q "SELECT count(*) FROM t")))
[ "$deleted" -gt 0 ] || fail "DELETE removed nothing"
q "SELECT feature_ext.run_gc()" >/dev/null
q "SELECT feature_ext.run_gc()" >/dev/null
[ "$(q "SELECT reclaimable_bytes FROM feature_ext.memory_usage()")" = 0 ] || fail "run_gc twice left reclaimable bytes"
u1=$(used)
[ "$u1" -lt "$u0" ] || fail "DELETE + run_gc freed nothing (used $u0 -> $u1)"
say "deleted $deleted rows; used $u0 -> $u1 bytes"
expected=$((committed - deleted))
# same keys again: half of the deleted rows' worth
half=$((deleted / 2))
tryq "INSERT INTO t $(rows 1000001 $((1000000 + half)))" || fail "INSERT of $half rows after DELETE + run_gc failed: $out"
expected=$((expected + half))
# rows under keys never seen before (new key entries from reused memory: the
# allocator coalesces the freed row blocks into blocks of other size classes)
tryq "INSERT INTO t $(rows 2000001 2000400 newkey_)" ||
    fail "INSERT of 400 rows under 200 new keys failed after DELETE + run_gc had freed $((u0 - u1)) bytes: $out"
expected=$((expected + 400))
n=$(check "after DELETE + run_gc + reuse")
[ "$n" = "$expected" ] || fail "heap has $n rows, expected $expected"

# ------------------------------------------------------------ 3. savepoint around a statement that hits the limit
tryq "BEGIN;
      INSERT INTO t $(rows 3000001 3000100);
      SAVEPOINT s;
      INSERT INTO t $(rows 3100001 3600000);
      ROLLBACK TO s;" && fail "500000-row INSERT in a savepoint did not fail"
expect_53200 "INSERT inside a savepoint"
tryq "BEGIN;
      INSERT INTO t $(rows 3000001 3000100);
      SAVEPOINT s;
      \\set ON_ERROR_STOP 0
      INSERT INTO t $(rows 3100001 3600000);
      \\set ON_ERROR_STOP 1
      ROLLBACK TO s;
      INSERT INTO t $(rows 3200001 3200010);
      COMMIT;" || fail "transaction with a rolled-back savepoint failed: $out"
expect_53200 "INSERT inside a savepoint (2)"
expected=$((expected + 110))
n=$(check "after a savepoint rolled back past a 53200")
[ "$n" = "$expected" ] || fail "heap has $n rows, expected $expected"

# ------------------------------------------------------------ 4. COPY that hits the limit
"${RUN_AS[@]}" bash -c "seq 1 300000 | awk '{printf \"c%d\t%s\tmerchant_%d\t2025-01-01 00:00:00+00\n\", \$1 % 200, \$1 * 0.5, \$1 % 10}' > '$DIR/big.tsv'"
u2=$(used)
tryq "COPY t FROM '$DIR/big.tsv'" && fail "COPY of 300000 rows into 8MB succeeded"
expect_53200 "COPY"
alive "after the COPY that hit the limit"
grep -q "CONTEXT:  COPY t, line" <<<"$out" || fail "COPY error without the COPY context line: $out"
[ "$(used)" = "$u2" ] || fail "the failed COPY kept memory: used $u2 -> $(used) bytes"
n=$(check "after the failed COPY")
[ "$n" = "$expected" ] || fail "heap has $n rows after the failed COPY, expected $expected"

# ------------------------------------------------------------ 5. empty it, COPY fits again
q "DELETE FROM t" >/dev/null
q "SELECT feature_ext.run_gc()" >/dev/null
q "SELECT feature_ext.run_gc()" >/dev/null
"${RUN_AS[@]}" bash -c "head -50000 '$DIR/big.tsv' > '$DIR/small.tsv'"
tryq "COPY t FROM '$DIR/small.tsv'" || fail "COPY of 50000 rows into the emptied region failed: $out"
n=$(check "after emptying and COPY")
[ "$n" = 50000 ] || fail "heap has $n rows, expected 50000"

grep -Eq "PANIC|terminated by signal|server process .* was terminated" "$DATA/server.log" && fail "server log shows a crash"
echo "memory_limit: ok"
fe_stop_server "$DATA"
trap - EXIT
rm -rf "$DIR"
