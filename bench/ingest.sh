#!/usr/bin/env bash
# Ingest benchmark (SPEC §6 "COPY into a feature_store table with one skiplist
# index >= 0.8x COPY into a heap table with a btree"), same server, same run.
#
#   bash bench/ingest.sh [rows] [reps]        (defaults: 1000000 rows, 3 repetitions)
#
# Needs `make install` first.  Starts a throwaway server as the postgres OS
# user (test/lib.sh): shared_preload_libraries = feature_ext,
# feature_ext.memory_limit = 1GB, fsync = off (both sides alike), large
# max_wal_size so no checkpoint lands inside a measured COPY.
# Data: ROWS rows (card_id text, 1000 distinct keys; amount float8; merchant
# text; txn_time timestamptz) in a CSV file, generated once.
# Measures, REPS times each (medians reported), alternating the two sides:
#   fe    COPY into a fresh feature_store table with skiplist (card_id, txn_time)
#   heap  COPY into a fresh heap table with btree (card_id, txn_time)
#   heapc the same with btree (card_id COLLATE "C", txn_time): bytewise key
#         comparisons like the skiplist's, a stricter baseline
# (wall time of the COPY statement including its commit, which publishes the
# rows into shared memory), then
#   bytes per row: skiplist index_stats bytes_used / rows_in_memory, btree
#   pg_relation_size / rows, and the raw column bytes (avg pg_column_size sum);
#   rebuild after restart: REPS restarts, rows/s from the server's
#   "feature_ext: loaded skiplist index ... rows/s" line and the wall time of
#   the first index_scan (which triggers the rebuild).
# Prints a summary and writes bench/results/ingest.json.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"
ROWS=${1:-1000000}
REPS=${2:-3}
PORT=${BENCH_PORT:-55475}
RESULTS="$FE_ROOT/bench/results"
mkdir -p "$RESULTS"
work=$(mktemp -d /tmp/fe_bench_ingest.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work"
DATA=$work/data
trap 'fe_stop_server "$DATA" immediate; rm -rf "$work"' EXIT
fe_start_server "$DATA" "$PORT" "feature_ext.memory_limit = '1GB'" "shared_buffers = '1GB'" \
    "max_wal_size = '8GB'" "checkpoint_timeout = '30min'" "wal_buffers = '64MB'" \
    "synchronous_commit = off" "autovacuum = off"
q() { fe_psql "$PORT" -At -c "$1"; }
pgctl() { "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w "$@" >/dev/null; }
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

q "CREATE EXTENSION feature_ext" >/dev/null
CSV=$work/txn.csv
q "COPY (SELECT 'card_' || (i % 1000), round((random() * 500)::numeric, 2)::float8, 'merchant_' || (i % 97),
               timestamptz '2024-01-01 00:00:00+00' + i * interval '31 seconds'
          FROM generate_series(1, $ROWS) i) TO '$CSV' WITH (FORMAT csv)" >/dev/null
COLS="card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL"

copy_fe() {
    q "SET client_min_messages = warning; DROP TABLE IF EXISTS fe_t; CREATE TABLE fe_t ($COLS) USING feature_store;
       CREATE INDEX fe_t_card ON fe_t USING skiplist (card_id, txn_time)" >/dev/null
    q "CHECKPOINT" >/dev/null
    local t0; t0=$(now)
    q "COPY fe_t FROM '$CSV' WITH (FORMAT csv)" >/dev/null
    echo "$(now) - $t0" | bc -l
}
copy_heap() {
    q "SET client_min_messages = warning; DROP TABLE IF EXISTS heap_t; CREATE TABLE heap_t ($COLS);
       CREATE INDEX heap_t_card ON heap_t USING btree (card_id, txn_time)" >/dev/null
    q "CHECKPOINT" >/dev/null
    local t0; t0=$(now)
    q "COPY heap_t FROM '$CSV' WITH (FORMAT csv)" >/dev/null
    echo "$(now) - $t0" | bc -l
}
copy_heap_c() {  # stricter baseline: the btree compares card_id bytewise (COLLATE "C") like the skiplist does
    q "SET client_min_messages = warning; DROP TABLE IF EXISTS heapc_t; CREATE TABLE heapc_t ($COLS);
       CREATE INDEX heapc_t_card ON heapc_t USING btree (card_id COLLATE \"C\", txn_time)" >/dev/null
    q "CHECKPOINT" >/dev/null
    local t0; t0=$(now)
    q "COPY heapc_t FROM '$CSV' WITH (FORMAT csv)" >/dev/null
    echo "$(now) - $t0" | bc -l
}

copy_heap >/dev/null; copy_fe >/dev/null        # warm-up (file cache, catalog caches)
fe_s=(); heap_s=(); heapc_s=()
for r in $(seq 1 "$REPS"); do
    if [ $((r % 2)) = 1 ]; then heap_s+=("$(copy_heap)"); fe_s+=("$(copy_fe)"); heapc_s+=("$(copy_heap_c)")
    else heapc_s+=("$(copy_heap_c)"); fe_s+=("$(copy_fe)"); heap_s+=("$(copy_heap)"); fi
done
q "DROP TABLE heapc_t" >/dev/null
heapc_med=$(median "${heapc_s[@]}"); heapc_rps=$(echo "$ROWS / $heapc_med" | bc -l)
fe_med=$(median "${fe_s[@]}"); heap_med=$(median "${heap_s[@]}")
fe_rps=$(echo "$ROWS / $fe_med" | bc -l); heap_rps=$(echo "$ROWS / $heap_med" | bc -l)
ratio=$(echo "$fe_rps / $heap_rps" | bc -l)
ratio_c=$(echo "$fe_rps / $heapc_rps" | bc -l)

# sanity: everything landed
n_fe=$(q "SELECT rows_in_memory FROM feature_ext.index_stats WHERE index_name = 'fe_t_card'::regclass")
[ "$n_fe" = "$ROWS" ] || { echo "ingest: index holds $n_fe rows, expected $ROWS" >&2; exit 1; }

IFS='|' read -r sl_bytes sl_rows <<<"$(q "SELECT bytes_used, rows_in_memory FROM feature_ext.index_stats WHERE index_name = 'fe_t_card'::regclass")"
sl_bpr=$(echo "$sl_bytes / $sl_rows" | bc -l)
bt_bpr=$(echo "$(q "SELECT pg_relation_size('heap_t_card')") / $ROWS" | bc -l)
raw_bpr=$(q "SELECT avg(pg_column_size(card_id) + pg_column_size(amount) + pg_column_size(merchant) + pg_column_size(txn_time)) FROM fe_t")
raw_nonkey=$(q "SELECT avg(pg_column_size(amount) + pg_column_size(merchant)) FROM fe_t")
heap_bpr=$(echo "$(q "SELECT pg_relation_size('fe_t')") / $ROWS" | bc -l)

# rebuild after restart
rb_log=(); rb_wall=()
for r in $(seq 1 "$REPS"); do
    pgctl restart -m fast
    t0=$(now)
    q "SELECT count(*) FROM feature_ext.index_scan('fe_t_card', ARRAY['card_1'])" >/dev/null
    rb_wall+=("$(echo "$ROWS / ($(now) - $t0)" | bc -l)")
    rb_log+=("$(grep 'feature_ext: loaded skiplist index "fe_t_card"' "$DATA/server.log" | tail -1 | sed -E 's/.*\(([0-9.]+) rows\/s\).*/\1/')")
done
rb_log_med=$(median "${rb_log[@]}"); rb_wall_med=$(median "${rb_wall[@]}")
n_after=$(q "SELECT rows_in_memory FROM feature_ext.index_stats WHERE index_name = 'fe_t_card'::regclass")
[ "$n_after" = "$ROWS" ] || { echo "ingest: rebuilt index holds $n_after rows, expected $ROWS" >&2; exit 1; }

coll=$(q "SELECT datcollate FROM pg_database WHERE datname = current_database()")
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
printf 'ingest benchmark: %d rows, 1000 keys, %d reps (medians); %s, %d cores; PostgreSQL %s; collation %s\n' \
    "$ROWS" "$REPS" "$cpu" "$(nproc)" "$(q 'SHOW server_version')" "$coll"
printf '  COPY feature_store + skiplist (card_id, txn_time) %10.0f rows/s  (%.2f s; runs %s)\n' "$fe_rps" "$fe_med" "$(printf '%.2f ' "${fe_s[@]}")"
printf '  COPY heap + btree (card_id, txn_time)             %10.0f rows/s  (%.2f s; runs %s)\n' "$heap_rps" "$heap_med" "$(printf '%.2f ' "${heap_s[@]}")"
printf '  COPY heap + btree (card_id COLLATE "C", txn_time) %10.0f rows/s  (%.2f s; runs %s)\n' "$heapc_rps" "$heapc_med" "$(printf '%.2f ' "${heapc_s[@]}")"
printf '  ratio feature_store / heap                        %10.2f   (SPEC §6 target >= 0.8; vs the "C" btree %.2f)\n' "$ratio" "$ratio_c"
printf '  bytes/row: skiplist index %.1f, btree %.1f, heap %.1f; raw columns %.1f (non-key, non-order %.1f)\n' \
    "$sl_bpr" "$bt_bpr" "$heap_bpr" "$raw_bpr" "$raw_nonkey"
printf '  rebuild after restart: %.0f rows/s (server log), %.0f rows/s (first index_scan, wall)\n' "$rb_log_med" "$rb_wall_med"

cat > "$RESULTS/ingest.json" <<EOF
{
  "benchmark": "ingest",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "commit": "$(git -C "$FE_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "machine": {"cpu": "$cpu", "cores": $(nproc)},
  "collation": "$coll",
  "rows": $ROWS, "keys": 1000, "reps": $REPS,
  "copy_feature_store_skiplist": {"median_s": $fe_med, "rows_per_s": $(printf '%.0f' "$fe_rps"), "runs_s": [$(IFS=,; echo "${fe_s[*]}")]},
  "copy_heap_btree": {"median_s": $heap_med, "rows_per_s": $(printf '%.0f' "$heap_rps"), "runs_s": [$(IFS=,; echo "${heap_s[*]}")]},
  "copy_heap_btree_collate_c": {"median_s": $heapc_med, "rows_per_s": $(printf '%.0f' "$heapc_rps"), "runs_s": [$(IFS=,; echo "${heapc_s[*]}")]},
  "ratio_feature_store_over_heap": $(printf '%.3f' "$ratio"),
  "ratio_feature_store_over_heap_collate_c": $(printf '%.3f' "$ratio_c"),
  "target_ratio": 0.8,
  "bytes_per_row": {"skiplist_index": $(printf '%.1f' "$sl_bpr"), "btree_index": $(printf '%.1f' "$bt_bpr"),
                    "heap": $(printf '%.1f' "$heap_bpr"), "raw_columns": $(printf '%.1f' "$raw_bpr"),
                    "raw_non_key_columns": $(printf '%.1f' "$raw_nonkey")},
  "rebuild_rows_per_s": {"server_log_median": $(printf '%.0f' "$rb_log_med"), "first_index_scan_wall_median": $(printf '%.0f' "$rb_wall_med"),
                         "server_log_runs": [$(IFS=,; echo "${rb_log[*]}")]}
}
EOF
echo "  written: bench/results/ingest.json"
