#!/usr/bin/env python3
"""Differential test for multi-table deployments (LAST JOIN, dimension lookups).

For every seed: a main feature_store table m (window key k, join key jk, v,
ts), a LAST JOIN target t2 (k, x, y, ts, seq; skiplist index (k, ts)) whose
rows arrive interleaved with the requests, with ties on ts, late rows (an
order value below rows already there), NULL keys and keys without rows, a
dimension table d (id primary key) that is updated, deleted from and
re-inserted, and a random PostgreSQL-dialect deployment: one or two LAST
JOINs (with or without a time condition t2.ts <= / < m.ts, a condition on
t2.x, ORDER BY t2.ts DESC or none), optionally a dimension lookup keyed by
the request (d.id = m.v) or by the first LAST JOIN's column (d.id = j1.x),
window features over m and outputs that mix joined columns with aggregates;
about 35% of the seeds partition the window by the join key m.jk and add
window functions over the columns of the joins whose conditions read
nothing of m but m.jk (sum / count / max / min FILTER / lag over j1, j2, the
chained dimension); about 30% write the first LAST JOIN over a subquery
with a LAST JOIN of its own (t2 LAST JOIN t3 ON t2.y = t3.k; t3's rows
arrive interleaved too), whose reference is the nested SQL; about 25% of
the others write it over a subquery with its own window over t2
(count / sum over ROWS or RANGE frames partitioned by t2.k or t2.y, with
EXCLUDE CURRENT ROW; the reference orders a ROWS window's ties by "ts, seq",
the insertion order the deployment gives them)
(the JIT compiles some output expressions, never those reading joined
columns).  About 30% of the seeds write the same LAST JOINs in OpenMLDB's
dialect (t1 LAST JOIN t2 AS j [ORDER BY j.ts] ON m.jk = j.k AND ...,
translated by deploy(); no dimension lookup), whose reference is the
PostgreSQL query with OpenMLDB's NULL-matching key (IS NOT DISTINCT FROM).  An interleaved stream of operations is replayed, each its own
transaction; for every request row:

  request  the deployed function called with the row before it is inserted
  jit off  the same request with feature_ext.jit = off (the interpreter)
  native   PostgreSQL's executor running the same SQL right after the row is
           inserted, restricted to it; each LAST JOIN's ORDER BY gets the
           tie-breaker "t2.seq DESC" (seq = insertion order), which is the
           deployment's rule for ties (docs/DEPLOY.md), and a LAST JOIN
           without ORDER BY gets "ORDER BY t2.ts DESC, t2.seq DESC" (the
           newest row of the index, one of the rows LIMIT 1 may return)

and once the stream is over:

  batch    <name>_batch('SELECT * FROM m ORDER BY ts') (JIT on and off)
  as-of    feature_ext.training_set(name, 'm', NULL::<row type>)
           both equal to the native query over the final tables (the joins
           read the tables as written: as they are now).

All must be equal (integers and text only: exact).

  python3 test/differential/join_run.py              fixed seeds 1..40
  python3 test/differential/join_run.py --long 300   random seeds for 300 s
  python3 test/differential/join_run.py --seed 7     one seed, verbose
"""
import argparse
import importlib.util
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("conformance", os.path.join(HERE, "..", "conformance", "run.py"))
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)  # its server start and psycopg import
psycopg = conf.psycopg

CI_SEEDS = list(range(1, 41))
NAME = "djoin"

# conditions that read nothing of m (the key aside): window functions may read the join's columns
PD_CONDS = ["", " AND t2.x > 10", " AND t2.y IS NOT NULL"]
CONDS = ["", " AND t2.ts <= m.ts", " AND t2.ts < m.ts", " AND t2.x > 10",
         " AND t2.ts <= m.ts AND (t2.x IS NULL OR t2.x <> m.v)", " AND t2.y IS NOT NULL AND t2.ts <= m.ts"]


# A LAST JOIN subquery's own window: (PostgreSQL frame, OpenMLDB frame,
# ROWS: the reference orders ties by insertion, "ts, seq")
SUB_FRAMES = [("ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", "rows between 2 preceding and current row", True),
              ("ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING", "rows between 3 preceding and 1 preceding", True),
              ("ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW",
               "rows between unbounded preceding and current row exclude current_row", True),
              ("RANGE BETWEEN 12 PRECEDING AND CURRENT ROW", "rows_range between 12 preceding and current row", False),
              ("RANGE BETWEEN 6 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW",
               "rows_range between 6 preceding and current row exclude current_row", False)]


def sub_window(case, native, om=False):
    """The first LAST JOIN's subquery with its own window over t2."""
    pg, omf, rows = SUB_FRAMES[case["subwin"]["frame"]]
    part = case["subwin"]["part"]
    if om:
        return ("(select k, x, y, ts, seq, count(x) over sw as wc, sum(x) over sw as wsum from t2 "
                "window sw as (partition by %s order by ts %s))" % (part, omf))
    return ("(SELECT t2.k, t2.x, t2.y, t2.ts, t2.seq, count(t2.x) OVER sw AS wc, sum(t2.x) OVER sw AS wsum FROM t2 "
            "WINDOW sw AS (PARTITION BY t2.%s ORDER BY t2.ts%s %s)) t2" % (
                part, ", t2.seq" if native and rows else "", pg))


def rand_case(seed):
    rng = random.Random(seed)
    # OpenMLDB-dialect seeds: the same LAST JOINs written as OpenMLDB's
    # LAST JOIN (no dimension lookup there), translated by deploy()
    om = random.Random(seed * 7 + 1).random() < 0.3
    joins = []
    for j in range(rng.choice([1, 1, 2])):
        joins.append({"cond": rng.choice(CONDS), "ordered": rng.random() < 0.7,
                      "key": "m.jk" if j == 0 or rng.random() < 0.6 or om else "'k1'"})
    dim = rng.choice([None, "m.v", "j1.x"])
    if om:
        dim = None
    # About 35% of the seeds partition the window by the join key m.jk
    # (drawn from a generator of their own: the other seeds' cases are as
    # before) and then read joined columns in window functions: allowed for
    # a join whose conditions read nothing of m but m.jk (every row of the
    # partition joins the request's row, docs/DEPLOY.md)
    prng = random.Random(seed * 13 + 5)
    part = "m.jk" if prng.random() < 0.35 else "m.k"
    if part == "m.jk":
        for j in joins:
            if prng.random() < 0.7:
                j["cond"] = prng.choice(PD_CONDS)
    nwin = rng.choice([1, 2, 3, 5, 50])
    outs = ["m.id AS rid", "count(*) OVER w AS c"]
    pool = ["j1.x AS j1x", "j1.ts AS j1ts", "j1.seq AS j1seq", "coalesce(j1.x, -1) + count(*) OVER w AS mix1",
            "sum(m.v) OVER w AS s", "max(m.v) OVER w AS mx", "sum(m.v) OVER w * 3 + 1 AS e3",
            "j1.y || '/' || coalesce(j1.x::text, '-') AS j1txt", "(j1.ts IS NULL) AS j1none"]
    if len(joins) > 1:
        pool += ["j2.x AS j2x", "j2.seq AS j2seq", "coalesce(j2.x, 0) - coalesce(j1.x, 0) AS diff"]
    if dim:
        pool += ["d.a AS da", "d.b * 2 + sum(m.v) OVER w AS mix2", "d.b AS db"]
    outs += rng.sample(pool, rng.randint(2, min(6, len(pool))))
    # About 30% of the seeds write the first LAST JOIN over a subquery with a
    # LAST JOIN of its own (t2 LAST JOIN t3 ON t2.y = t3.k, made for the t2
    # row taken; drawn from the seeds' second generator as above)
    nested = random.Random(seed * 17 + 3).random() < 0.3
    if nested:
        outs += ["j1.z AS j1z"] + (["coalesce(j1.z, 0) + coalesce(j1.x, 0) AS j1zx"] if prng.random() < 0.5 else [])
    if part == "m.jk":
        pd = [j["cond"] in PD_CONDS for j in joins]
        wpool = []
        if pd[0]:
            wpool += ["sum(j1.x) OVER w AS wsx", "count(j1.y) OVER w AS wcy", "max(j1.x + coalesce(m.v, 0)) OVER w AS wmix",
                      "min(j1.ts) FILTER (WHERE m.v > 5) OVER w AS wmin", "lag(j1.seq, 1) OVER w AS wlag",
                      "sum(j1.x) OVER w - coalesce(j1.x, 0) AS wexpr"]
            if dim == "j1.x":
                wpool += ["sum(d.b) OVER w AS wdb", "max(d.a) OVER w AS wda"]
            if nested:
                wpool += ["sum(j1.z) OVER w AS wz"]
        if len(joins) > 1 and pd[1]:
            wpool += ["sum(j2.x) OVER w AS w2x"] + (["count(j2.x - j1.x) OVER w AS w21"] if pd[0] else [])
        if wpool:
            outs += prng.sample(wpool, prng.randint(1, min(4, len(wpool))))
    # operations: 0 = insert into t2, 1 = dimension change, 2 = request + insert into m
    ops = []
    nt2 = 0
    used = set()  # the main table's order values stay unique (ties there are the window's business)
    for i in range(rng.randint(40, 120)):
        r = rng.random()
        if r < 0.35:
            late = rng.random() < 0.15
            base = i * 2 - (rng.randint(20, 80) if late else 0)
            ops.append(("t2", {"k": rng.choice(["k0", "k1", "k2", "k3", None]) if rng.random() < 0.9 else "k0",
                               "x": rng.choice([None] + list(range(0, 25))), "y": rng.choice([None, "a", "b", "c"]),
                               "ts": (base // 6) * 6, "seq": nt2}))
            nt2 += 1
        elif r < 0.45:
            ops.append(("dim", {"id": rng.randint(0, 20), "kind": rng.choice(["update", "delete", "upsert"]),
                                "v": rng.randint(0, 100)}))
        else:
            late = rng.random() < 0.1
            # even order values: equal to some t2 rows' (multiples of 6), so
            # t2.ts <= m.ts and t2.ts < m.ts differ
            ts = i * 2 - (40 * rng.randint(1, 3) if late else 0)
            while ts in used:
                ts -= 1
            used.add(ts)
            jk = rng.choice(["k0", "k1", "k2", "k3", "k9", None])
            if jk is None and part == "m.jk":  # (a request's NULL key is an error, 22004)
                jk = "k3"
            ops.append(("req", {"id": i, "k": rng.choice(["e0", "e1", "e2"]),
                                "jk": jk,
                                "v": rng.choice([None] + list(range(0, 22))), "ts": ts}))
    if nested:  # t3's rows, interleaved
        nrng = random.Random(seed * 17 + 4)
        for n3 in range(nrng.randint(10, 40)):
            at = nrng.randint(0, len(ops))
            ops.insert(at, ("t3", {"k": nrng.choice(["a", "b", "c", "d", None]), "z": nrng.choice([None] + list(range(50))),
                                   "ts": nrng.randint(0, 60) * 4, "seq": 0}))
        n3 = 0
        for kind, op in ops:  # seq = insertion order (the tie-breaker of the reference)
            if kind == "t3":
                op["seq"] = n3
                n3 += 1
    # About 25% of the other seeds write the first LAST JOIN over a subquery
    # with its own window over t2 (the row taken gets the window values it
    # has over t2; drawn from a generator of their own)
    srng = random.Random(seed * 19 + 7)
    subwin = None
    if not nested and srng.random() < 0.25:
        subwin = {"frame": srng.randrange(len(SUB_FRAMES)), "part": srng.choice(["k", "y"])}
        outs += ["j1.wc AS j1wc", "j1.wsum AS j1wsum"]
        if part == "m.jk" and joins[0]["cond"] in PD_CONDS and srng.random() < 0.5:
            outs += ["sum(j1.wc) OVER w AS wwc"]
    return {"joins": joins, "dim": dim, "nwin": nwin, "outs": outs, "ops": ops, "om": om, "part": part,
            "nested": nested, "subwin": subwin}


def om_query(case):
    """The OpenMLDB-dialect text: t1 LAST JOIN t2 AS jn [ORDER BY jn.ts] ON m.jk = jn.k AND ..."""
    q = "SELECT %s\n  FROM m" % ", ".join(case["outs"])
    for n, j in enumerate(case["joins"], 1):
        a = "j%d" % n
        right = "t2 AS %s" % a
        if n == 1 and case.get("nested"):
            right = ("(select t2.k, t2.x, t2.y, t2.ts, t2.seq, t3.z from t2 last join t3 order by t3.ts on t2.y = t3.k) "
                     "AS %s" % a)
        if n == 1 and case.get("subwin"):
            right = sub_window(case, False, True) + " AS %s" % a
        q += "\n  LAST JOIN %s%s ON m.jk = %s.k%s" % (
            right, " ORDER BY %s.ts" % a if j["ordered"] else "", a, j["cond"].replace("t2.", a + "."))
    q += "\nWINDOW w AS (PARTITION BY %s ORDER BY m.ts ROWS BETWEEN %d PRECEDING AND CURRENT ROW)" % (
        case["part"], case["nwin"])
    return q


def query(case, native):
    q = "SELECT %s\n  FROM m" % ", ".join(case["outs"])
    for n, j in enumerate(case["joins"], 1):
        order = ""
        if j["ordered"]:
            order = " ORDER BY t2.ts DESC" + (", t2.seq DESC" if native else "")
        elif native:
            order = " ORDER BY t2.ts DESC, t2.seq DESC"
        # OpenMLDB's LAST JOIN: a NULL key matches the NULL key (IS NOT DISTINCT FROM)
        eq = "IS NOT DISTINCT FROM" if case["om"] else "="
        src, cols = "t2", "t2.x, t2.y, t2.ts, t2.seq"
        if n == 1 and case.get("nested"):
            # the nested form as SQL writes it: t3's LAST JOIN evaluated for t2's rows
            src = ("(SELECT t2.k, t2.x, t2.y, t2.ts, t2.seq, j3.z FROM t2 LEFT JOIN LATERAL (SELECT t3.z FROM t3 "
                   "WHERE t3.k %s t2.y ORDER BY t3.ts DESC%s LIMIT 1) j3 ON true) t2" % (
                       eq, ", t3.seq DESC" if native else ""))
            cols += ", t2.z"
        if n == 1 and case.get("subwin"):
            src = sub_window(case, native)
            cols += ", t2.wc, t2.wsum"
        q += ("\n  LEFT JOIN LATERAL (SELECT %s FROM %s WHERE t2.k %s %s%s%s LIMIT 1) j%d ON true"
              % (cols, src, eq, j["key"], j["cond"], order, n))
    if case["dim"]:
        q += "\n  LEFT JOIN d ON d.id = %s" % case["dim"]
    q += "\nWINDOW w AS (PARTITION BY %s ORDER BY m.ts ROWS BETWEEN %d PRECEDING AND CURRENT ROW)" % (
        case["part"], case["nwin"])
    return q


def js(v):
    return json.dumps(v, sort_keys=True)


def run_seed(cur, seed, verbose):
    case = rand_case(seed)
    dq, nq = om_query(case) if case["om"] else query(case, False), query(case, True)
    if verbose:
        print("deployment:\n" + dq)
    cur.execute("SELECT feature_ext.undeploy(%s) FROM feature_ext.deployments WHERE name = %s",
                (NAME, "public." + NAME))
    cur.execute("DROP TABLE IF EXISTS m, t2, t3, d CASCADE")
    cur.execute("DROP TYPE IF EXISTS djoin_row")
    cur.execute("CREATE TABLE m (id int, k text, jk text, v int, ts int8 NOT NULL) USING feature_store;"
                "CREATE INDEX ON m USING skiplist (k, ts);" +
                ("CREATE INDEX ON m USING skiplist (jk, ts);" if case["part"] == "m.jk" else "") +
                "CREATE TABLE t2 (k text, x int, y text, ts int8 NOT NULL, seq int) USING feature_store;"
                "CREATE INDEX ON t2 USING skiplist (k, ts);" +
                ("CREATE INDEX ON t2 USING skiplist (y, ts);" if (case.get("subwin") or {}).get("part") == "y" else "") +
                "CREATE TABLE t3 (k text, z int, ts int8 NOT NULL, seq int) USING feature_store;"
                "CREATE INDEX ON t3 USING skiplist (k, ts);"
                "CREATE TABLE d (id int PRIMARY KEY, a text, b int);"
                "INSERT INTO d SELECT g, 'a' || g, g * 3 FROM generate_series(0, 20, 2) g")
    cur.execute("SELECT feature_ext.deploy(%s, %s)", (NAME, dq))
    problems = []
    call = "SELECT to_jsonb(o) FROM %s(%%s::int, %%s::text, %%s::text, %%s::int, %%s::int8) o" % NAME
    nat = "SELECT to_jsonb(o) FROM (%s) o WHERE o.rid = %%s" % nq
    requests = found = 0
    desc = None
    for n, (kind, op) in enumerate(case["ops"]):
        if kind == "t2":
            cur.execute("INSERT INTO t2 VALUES (%s, %s, %s, %s, %s)", (op["k"], op["x"], op["y"], op["ts"], op["seq"]))
        elif kind == "t3":
            cur.execute("INSERT INTO t3 VALUES (%s, %s, %s, %s)", (op["k"], op["z"], op["ts"], op["seq"]))
        elif kind == "dim":
            if op["kind"] == "update":
                cur.execute("UPDATE d SET b = %s, a = a || 'u' WHERE id = %s", (op["v"], op["id"]))
            elif op["kind"] == "delete":
                cur.execute("DELETE FROM d WHERE id = %s", (op["id"],))
            else:
                cur.execute("INSERT INTO d VALUES (%s, 'n' || %s, %s) ON CONFLICT (id) DO UPDATE SET b = excluded.b",
                            (op["id"], op["id"], op["v"]))
        else:
            args = (op["id"], op["k"], op["jk"], op["v"], op["ts"])
            cur.execute(call, args)
            got = cur.fetchone()[0]
            cur.execute("SET feature_ext.jit = off")
            cur.execute(call, args)
            interp = cur.fetchone()[0]
            cur.execute("SET feature_ext.jit = on")
            cur.execute("INSERT INTO m VALUES (%s, %s, %s, %s, %s)", args)
            cur.execute(nat, (op["id"],))
            want = cur.fetchone()[0]
            requests += 1
            found += any(want.get(c) is not None for c in ("j1x", "j1ts", "j1seq", "j1txt", "j2x", "da", "db", "j1wc"))
            for label, v in (("request", got), ("jit off", interp)):
                if v != want:
                    problems.append("op %d request %s: %s %s, native %s" % (n, args, label, js(v), js(want)))
            if problems and verbose:
                break
    if not problems:
        cur.execute("SELECT to_jsonb(o) FROM (%s) o" % nq)
        final = sorted(js(r[0]) for r in cur.fetchall())
        for jit in ("on", "off"):
            cur.execute("SET feature_ext.jit = %s" % jit)
            cur.execute("SELECT to_jsonb(o) FROM %s_batch('SELECT * FROM m ORDER BY ts') o" % NAME)
            got = sorted(js(r[0]) for r in cur.fetchall())
            if got != final:
                problems.append("batch (jit %s) differs from native: %s" % (
                    jit, next((g for g, f in zip(got + [None] * len(final), final) if g != f), "row count")))
        cur.execute("SET feature_ext.jit = on")
        cur.execute("SELECT * FROM %s(0, 'e0', 'k0', 0, 0) o WHERE false" % NAME)
        cols = [(d.name, d.type_code) for d in cur.description]
        cur.execute("CREATE TYPE djoin_row AS (%s)" % ", ".join(
            '"%s" %s' % (c, cur.connection.execute("SELECT format_type(%s, NULL)", (t,)).fetchone()[0])
            for c, t in cols))
        cur.execute("SELECT to_jsonb(t) FROM feature_ext.training_set(%s, 'm', NULL::djoin_row, progress => 0) t",
                    (NAME,))
        got = sorted(js(r[0]) for r in cur.fetchall())
        if got != final:
            problems.append("training_set differs from native: %s" % next(
                (g for g, f in zip(got + [None] * len(final), final) if g != f), "row count"))
    return case, dq, problems, requests, found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, help="run one seed, verbose")
    ap.add_argument("--long", type=int, metavar="SECONDS", help="random seeds for this many seconds")
    ap.add_argument("--port", type=int, help="use a running server on this port (/tmp socket)")
    args = ap.parse_args()
    stop = None
    port = args.port
    if port is None:
        port = conf.free_port()
        stop = conf.start_server(port)
    passed = failed = requests = found = oms = wins = nests = subs = 0
    t0 = time.time()
    try:
        con = psycopg.connect(host="/tmp", port=port, user="postgres", dbname="postgres", autocommit=True)
        con.prepare_threshold = None  # redeploys change result types
        cur = con.cursor()
        cur.execute("SET client_min_messages = warning")
        cur.execute("CREATE EXTENSION IF NOT EXISTS feature_ext")
        seeds = [args.seed] if args.seed is not None else CI_SEEDS if not args.long else None
        i = 0
        while True:
            if seeds is not None:
                if i >= len(seeds):
                    break
                seed = seeds[i]
            elif time.time() - t0 > args.long:
                break
            else:
                seed = random.randrange(1 << 30)
            i += 1
            try:
                case, dq, problems, r, f = run_seed(cur, seed, args.seed is not None)
            except psycopg.Error as e:
                case, dq, problems, r, f = None, query(rand_case(seed), False), [
                    "error %s: %s" % (e.sqlstate, (e.diag.message_primary or str(e)).strip())], 0, 0
            requests += r
            found += f
            oms += bool(case and case["om"])
            wins += bool(case and any(" OVER w AS w" in o for o in case["outs"]))
            nests += bool(case and case["nested"])
            subs += bool(case and case["subwin"])
            if problems:
                failed += 1
                print("FAIL seed %d:\n%s\n  %s" % (seed, dq, "\n  ".join(problems[:3])))
            else:
                passed += 1
        cur.execute("SELECT feature_ext.undeploy(%s) FROM feature_ext.deployments WHERE name = %s",
                    (NAME, "public." + NAME))
        cur.execute("DROP TABLE IF EXISTS m, t2, t3, d CASCADE")
        cur.execute("DROP TYPE IF EXISTS djoin_row")
        con.close()
    finally:
        if stop:
            stop()
    print("join differential: %d seeds (%d in the OpenMLDB dialect, %d with window functions over joined columns, "
          "%d with a nested LAST JOIN, %d with a LAST JOIN subquery's own window), %d requests (%d with a joined "
          "value), %.1fs" % (passed + failed, oms, wins, nests, subs, requests, found, time.time() - t0))
    if passed + failed and found < requests // 4:
        print("FAIL: too few requests found a joined row for the comparison to mean much")
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
