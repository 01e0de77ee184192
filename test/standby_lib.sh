# Helpers shared by the physical-standby scripts (test/scripts/standby.sh,
# standby_cascade.sh).  Sourced after test/lib.sh; the caller defines fail().

# sb_wait_ready PORT LABEL MIN: every skiplist index listed there is ready
# (at least MIN of them); meanwhile a request asks for the load.
sb_wait_ready() {
    local port=$1 label=$2 min=$3 i
    for i in $(seq 1 300); do
        [ "$(fe_psql "$port" -At -c "SELECT count(*) FROM feature_ext.index_stats WHERE state <> 'ready'" 2>/dev/null)" = 0 ] &&
            [ "$(fe_psql "$port" -At -c "SELECT count(*) FROM feature_ext.index_stats" 2>/dev/null)" -ge "$min" ] && return 0
        # a request asks for the load (and waits up to load_wait)
        fe_psql "$port" -At -c "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{k1}')" >/dev/null 2>&1 || true
        sleep 0.2
    done
    fail "$label: indexes not ready on port $port: $(fe_psql "$port" -At -c "SELECT string_agg(index_name || ':' || state, ',') FROM feature_ext.index_stats" 2>&1)"
}

# sb_wait_replay PRIMARY_PORT STANDBY_PORT LABEL: the standby has replayed
# everything the primary wrote so far.
sb_wait_replay() {
    local lsn i
    lsn=$(fe_psql "$1" -At -c "SELECT pg_current_wal_lsn()")
    for i in $(seq 1 600); do
        [ "$(fe_psql "$2" -At -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
        sleep 0.1
    done
    fail "$3: port $2 did not replay up to $lsn"
}

# sb_check_index PORT LABEL INDEX KEYCOLS [TABLE]: per key, the index's rows
# = the table's (count and order values), and the index holds the table's
# row count.
sb_check_index() {
    local port=$1 label=$2 idx=$3 cols=$4 tab=${5:-ev} res bad inmem total
    res=$(fe_psql "$port" -At -c "
        WITH h AS (SELECT ARRAY[$cols] AS key, count(*) AS n,
                          md5(string_agg(ts::text, ',' ORDER BY ts::text)) AS d
                     FROM $tab GROUP BY $cols),
             i AS (SELECT key, (SELECT count(*) FROM feature_ext.index_scan('$idx', key)) AS n,
                          (SELECT md5(string_agg(order_value, ',' ORDER BY order_value))
                             FROM feature_ext.index_scan('$idx', key)) AS d FROM h)
        SELECT count(*) FILTER (WHERE h.n <> i.n OR h.d IS DISTINCT FROM i.d),
               (SELECT rows_in_memory FROM feature_ext.index_stats WHERE index_name = '$idx'::regclass),
               (SELECT count(*) FROM $tab)
          FROM h JOIN i USING (key)") || fail "$label: verification of $idx failed (port $port)"
    IFS='|' read -r bad inmem total <<<"$res"
    [ "$bad" = 0 ] || fail "$label: $bad keys of $idx differ from the table (port $port)"
    [ "$inmem" = "$total" ] || fail "$label: $idx holds $inmem rows, the table $total (port $port)"
}
