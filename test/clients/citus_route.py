#!/usr/bin/env python3
"""A client that routes feature requests by key on a Citus cluster (SPEC §9).

It asks the coordinator once per key which worker holds it
(feature_ext.key_owner(table, key)), keeps one connection per worker, and
calls the deployment on the key's worker directly, skipping the coordinator's
hop.  Every answer is checked against the same call through the coordinator.
With --seconds S it also measures calls per second, one client, for S seconds
each (the paths taking turns, half a second each, so that they share the
machine's load): through the coordinator, routed to the key's worker (the request
function, and its row form), and the same deployment over a plain
(single-node) table on a worker; and for each path, per call: the CPU of each
server's processes (when they run on this machine and /proc is readable) and
the time inside feature_ext (feature_ext.deployments), counted over that
path's calls only (warm: a new backend's first call plans and loads the
compiled code, milliseconds).  Printed, never asserted: bench figures.

The row form f(ROW(...)::table) is what a routing client should call: Citus
does not distribute it, while the request function f(key, ...) that
create_distributed_function registered is re-planned by Citus on every call
(its planner forces custom plans for a distributed function whose
distribution argument is a parameter), even on the key's own worker.

With --compare, two references for the coordinator's path too: Citus's
router query on the distribution column (a plan Citus caches), and a
forwarder from stock parts (dblink on the coordinator, one connection per
worker, the row form prepared there; when dblink is installed: it is created
on the coordinator).

  citus_route.py --coordinator PORT --deployment public.fd --table txn
                 --keys k0,k1,... [--host /tmp] [--user postgres] [--seconds S]
                 [--single PORT:DEPLOYMENT] [--compare]

The deployment's request signature here is (key text, v float8, ts
timestamptz), as test/scripts/citus.sh deploys it.
"""
import argparse
import os
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


def node_cpu_ticks(conn):
    """CPU ticks (user + system) of all processes of conn's server, or None
    when its processes are not readable here (another machine, no rights)."""
    try:
        pid = conn.info.backend_pid
        with open(f"/proc/{pid}/stat") as f:
            postmaster = int(f.read().rsplit(")", 1)[1].split()[1])
        total = 0
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(p) == postmaster:
                # its own time, and that of its children that exited
                # (autovacuum workers, ended connections): reaped into cutime
                # and cstime, so the sum never goes back
                total += sum(int(x) for x in fields[11:15])
            elif int(fields[1]) == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total
    except (OSError, ValueError, IndexError):
        return None


def snapshot(nodes):
    """Per node: CPU ticks and {deployment: (calls, mean_us)}."""
    out = {}
    for node, c in nodes.items():
        stats = {r[0]: (r[1], r[2]) for r in c.execute(
            "SELECT name, calls, mean_us FROM feature_ext.deployments").fetchall()}
        out[node] = (node_cpu_ticks(c), stats)
    return out


def accumulate(acc, before, after):
    """Add the differences of two snapshots to acc: CPU ticks per node and,
    per (node, deployment), calls and the microseconds inside feature_ext."""
    for port, (t1, s1) in after.items():
        t0, s0 = before[port]
        if t0 is not None and t1 is not None:
            acc.setdefault(("cpu", port), 0)
            acc[("cpu", port)] += t1 - t0
        for dep, (c1, m1) in s1.items():
            c0, m0 = s0.get(dep, (0, 0.0))
            if c1 > c0:
                calls, us = acc.get((dep, port), (0, 0.0))
                acc[(dep, port)] = (calls + c1 - c0, us + c1 * m1 - c0 * m0)


def per_call(acc, n):
    """acc as text, per call of n: each node's CPU, the time inside feature_ext."""
    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
    cpu = [f":{k[1]} {v * tick_us / n:.0f}" for k, v in sorted(acc.items()) if k[0] == "cpu"]
    inside = [f"{k[0]} on :{k[1]} {v[0]} calls {v[1] / v[0]:.1f} us"
              for k, v in sorted(acc.items()) if k[0] != "cpu"]
    return ("server CPU us/call " + ", ".join(cpu) + "; " if cpu else "") + "inside feature_ext: " + ", ".join(inside)


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
    ap.add_argument("--compare", action="store_true",
                    help="also time Citus's cached router query and a dblink forwarder through the coordinator")
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
    row_sql = "SELECT * FROM {}(ROW(%s, 3.5, '2026-02-15')::{})".format(a.deployment, a.table)
    bad = 0
    for k in keys:
        via_coord = coord.execute(sql, (k,)).fetchall()
        # on the key's worker: the row form (what a routing client calls)
        # and the request function
        for q in (row_sql, sql):
            direct = workers[owner[k]].execute(q, (k,)).fetchall()
            if via_coord != direct or not direct:
                print(f"key {k}: through the coordinator {via_coord}, on its worker {owner[k]} {direct} ({q})")
                bad += 1
    print(f"citus_route: {len(keys)} keys routed to {len(workers)} workers by key_owner(); "
          f"{2 * len(keys) - bad} of {2 * len(keys)} answers on the key's worker (row form, request function) "
          f"equal to the coordinator's")
    if a.seconds > 0:
        # each server once, by port (the single-node table may be on a worker)
        nodes = {a.coordinator: coord}
        nodes.update({node[1]: c for node, c in workers.items()})
        curs = {node: c.cursor() for node, c in workers.items()}

        def on_coordinator():
            with coord.cursor() as cur:
                for k in keys:
                    cur.execute(sql, (k,), prepare=True)
                    cur.fetchall()

        def routed(q):
            def run():
                for k in keys:
                    cur = curs[owner[k]]
                    cur.execute(q, (k,), prepare=True)
                    cur.fetchall()
            return run

        phases = [("through the coordinator", on_coordinator),
                  # the request function on the key's worker: Citus's planner
                  # sees a distributed function (create_distributed_function)
                  # and re-plans every call to decide where it runs
                  ("routed to the key's worker", routed(sql)),
                  # the row form there: a function Citus does not distribute,
                  # so the prepared statement keeps its plan
                  ("routed, row form", routed(row_sql))]
        if a.compare:
            # Two references for the coordinator path, on the same keys:
            # Citus's cheapest routed statement, a fast-path router query on
            # the distribution column, whose plan Citus caches (the shard is
            # pruned at execution); and a forwarder built from stock parts:
            # dblink on the coordinator with a connection per worker kept
            # open and the row form prepared there (no Citus planning, the
            # worker's plan cached), when dblink is installed.
            dcol = coord.execute("SELECT column_to_column_name(logicalrelid, partkey) FROM pg_dist_partition "
                                 "WHERE logicalrelid = %s::regclass", (a.table,)).fetchone()[0]
            router_sql = "SELECT {0} FROM {1} WHERE {0} = %s LIMIT 1".format(dcol, a.table)
            phases.append(("Citus router query (reference)", lambda: [
                coord.execute(router_sql, (k,), prepare=True).fetchall() for k in keys]))
            if coord.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'dblink'").fetchone()[0]:
                coord.execute("CREATE EXTENSION IF NOT EXISTS dblink")
                res_cols = workers[owner[keys[0]]].execute(
                    "SELECT string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' "
                    "ORDER BY attnum) FROM pg_attribute WHERE attrelid = (%s || '_result')::regclass "
                    "AND attnum > 0 AND NOT attisdropped", (a.deployment,)).fetchone()[0]
                for node in workers:
                    conn = f"w{node[1]}"
                    if conn not in (coord.execute("SELECT dblink_get_connections()").fetchone()[0] or []):
                        coord.execute("SELECT dblink_connect(%s, %s)",
                                      (conn, f"host={node[0]} port={node[1]} dbname=postgres user={a.user}"))
                    coord.execute("SELECT dblink_exec(%s, %s)",
                                  (conn, "PREPARE fe_q(text) AS " + row_sql.replace("%s", "$1")))
                fwd_sql = ("SELECT * FROM dblink(%s, 'EXECUTE fe_q(' || quote_literal(%s::text) || ')') "
                           "AS t(" + res_cols + ")")
                want = {k: coord.execute(sql, (k,)).fetchall() for k in keys}
                for k in keys:
                    got = coord.execute(fwd_sql, (f"w{owner[k][1]}", k)).fetchall()
                    if got != want[k]:
                        print(f"key {k}: dblink forwarder {got}, the coordinator's call {want[k]}")
                        bad += 1

                def forward():
                    with coord.cursor() as cur:
                        for k in keys:
                            cur.execute(fwd_sql, (f"w{owner[k][1]}", k), prepare=True)
                            cur.fetchall()
                phases.append(("dblink forwarder (reference)", forward))
        if a.single:
            port, dep = a.single.split(":")
            sc = connect(a.host, int(port), a.user)
            nodes.setdefault(int(port), connect(a.host, int(port), a.user))

            def single():
                with sc.cursor() as cur:
                    for k in keys:
                        cur.execute(REQ.format(dep), (k,), prepare=True)
                        cur.fetchall()
            phases.append(("single-node table", single))
        # The paths take turns, half a second each, until each has run for
        # --seconds: they share the machine's load (other work on it changes
        # by the second), so their ratios are comparable within one run.
        for _, run in phases:
            run()  # warm: plans made, prepared statements there
        acc = {name: [0, 0.0, {}] for name, _ in phases}  # calls, seconds, accumulate()
        while min(v[1] for v in acc.values()) < a.seconds:
            for name, run in phases:
                before = snapshot(nodes)
                n = 0
                t0 = time.monotonic()
                end = t0 + 0.5
                while time.monotonic() < end:
                    run()
                    n += len(keys)
                t1 = time.monotonic()
                accumulate(acc[name][2], before, snapshot(nodes))
                acc[name][0] += n
                acc[name][1] += t1 - t0
        res = {name: (v[0] / v[1], per_call(v[2], v[0])) for name, v in acc.items()}
        line = f"citus_route: calls/s, 1 client, {a.seconds:g} s each: " + ", ".join(
            f"{name} {rate:.0f}" for name, (rate, _) in res.items())
        if a.single:
            single_rate = res["single-node table"][0]
            line += " (single-node / path: " + ", ".join(
                f"{name} {single_rate / rate:.2f}x" for name, (rate, _) in res.items()
                if name != "single-node table") + ")"
        print(line)
        # Where the time goes, per call of each path (only the calls of that
        # path's run): CPU of each node's processes (when this client runs on
        # the nodes' machine and may read /proc), and the deployment's own
        # time inside feature_ext (feature_ext.deployments) on the nodes.
        for name, (rate, d) in res.items():
            print(f"citus_route: per call, {name}: {d}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
