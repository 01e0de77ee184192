#!/usr/bin/env python3
"""A client that routes feature requests by key on a Citus cluster (SPEC §9).

It asks the coordinator once per key which worker holds it
(feature_ext.key_owner(table, key)), keeps one connection per worker, and
calls the deployment on the key's worker directly, skipping the coordinator's
hop.  Every answer is checked against the same call through the coordinator.
With --seconds S it also measures calls per second, one client, for S seconds
each: through the coordinator, routed to the key's worker, and the same
deployment over a plain (single-node) table on a worker: the cost of each
path, printed (never asserted: bench figures, not a test).

  citus_route.py --coordinator PORT --deployment public.fd --table txn
                 --keys k0,k1,... [--host /tmp] [--user postgres] [--seconds S]
                 [--single PORT:DEPLOYMENT]

The deployment's request signature here is (key text, v float8, ts
timestamptz), as test/scripts/citus.sh deploys it.
"""
import argparse
import sys
import time

import psycopg

REQ = "SELECT * FROM {}(%s, 3.5, '2026-02-15')"


def connect(host, port, user):
    return psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True)


def rate(conn, sql, keys, seconds):
    """Calls per second of sql over keys (round robin), one client."""
    n = 0
    end = time.monotonic() + seconds
    with conn.cursor() as cur:
        while time.monotonic() < end:
            for k in keys:
                cur.execute(sql, (k,), prepare=True)
                cur.fetchall()
                n += 1
    return n / seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="/tmp")
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--coordinator", type=int, required=True)
    ap.add_argument("--deployment", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--keys", required=True)
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--single", default="")
    a = ap.parse_args()
    keys = a.keys.split(",")
    sql = REQ.format(a.deployment)
    coord = connect(a.host, a.coordinator, a.user)
    owner = {}
    for k in keys:
        row = coord.execute("SELECT node_name, node_port FROM feature_ext.key_owner(%s::regclass, %s::text)",
                            (a.table, k)).fetchone()
        owner[k] = (row[0], row[1])
    workers = {node: connect(node[0], node[1], a.user) for node in set(owner.values())}
    bad = 0
    for k in keys:
        via_coord = coord.execute(sql, (k,)).fetchall()
        direct = workers[owner[k]].execute(sql, (k,)).fetchall()
        if via_coord != direct:
            print(f"key {k}: through the coordinator {via_coord}, on its worker {owner[k]} {direct}")
            bad += 1
    print(f"citus_route: {len(keys)} keys routed to {len(workers)} workers by key_owner(); "
          f"{len(keys) - bad} answers equal to the coordinator's")
    if a.seconds > 0:
        through = rate(coord, sql, keys, a.seconds)
        # routed: each key's calls on its own worker connection
        n = 0
        end = time.monotonic() + a.seconds
        curs = {node: c.cursor() for node, c in workers.items()}
        while time.monotonic() < end:
            for k in keys:
                cur = curs[owner[k]]
                cur.execute(sql, (k,), prepare=True)
                cur.fetchall()
                n += 1
        routed = n / a.seconds
        # the row form on the key's worker: a function Citus does not
        # distribute, so its planner leaves the call alone (feature_ext's
        # shard routing only)
        row_sql = "SELECT * FROM {}(ROW(%s, 3.5, '2026-02-15')::{})".format(a.deployment, a.table)
        n = 0
        end = time.monotonic() + a.seconds
        while time.monotonic() < end:
            for k in keys:
                cur = curs[owner[k]]
                cur.execute(row_sql, (k,), prepare=True)
                cur.fetchall()
                n += 1
        routed_row = n / a.seconds
        line = f"citus_route: calls/s, 1 client, {a.seconds:g} s each: through the coordinator {through:.0f}, " \
               f"routed to the key's worker {routed:.0f} (row form, not delegated by Citus: {routed_row:.0f})"
        if a.single:
            port, dep = a.single.split(":")
            single = rate(connect(a.host, int(port), a.user), REQ.format(dep), keys, a.seconds)
            line += f", single-node table {single:.0f} (single / coordinator {single / through:.2f}x, " \
                    f"single / routed {single / routed:.2f}x)"
        print(line)
        # Where the time goes: the deployments' own server-side time per call
        # (feature_ext.deployments.mean_us) on each node, vs the whole call.
        parts = []
        for node, c in sorted(workers.items(), key=lambda x: x[0][1]):
            for name, calls, mean, p99 in c.execute(
                    "SELECT name, calls, round(mean_us::numeric, 1), round(p99_us::numeric) FROM feature_ext.deployments "
                    "WHERE calls > 0 ORDER BY name").fetchall():
                parts.append(f"{name} on :{node[1]} {calls} calls, mean {mean} us, p99 {p99} us")
        print("citus_route: server-side time per call inside feature_ext: " + "; ".join(parts))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
