#!/usr/bin/env python3
"""Differential test: WINDOW UNION over a LAST JOIN's result (OpenMLDB dialect).

For every seed: the deployment's table m (k, v, ts, seq), the LAST JOIN
target t2 (k, x, ts, seq) and a union table u (k, v, ts, x, seq) that carries
the joined column x itself, each with a skiplist index (k, ts); a stream of
interleaved inserts (few keys, ties on ts, late rows, NULL x) and the
deployment (docs/DEPLOY.md "Union windows over a LAST JOIN's result")

  select v, sum(j.x) over w, count(j.x) over w, max(j.x + v) over w,
         sum(v) over w, count(*) over w
    from m last join t2 as j order by j.ts on m.k = j.k
  window w as (union u partition by m.k order by m.ts rows_range between R preceding and current row)

(RANGE frames: the result does not depend on the tie order).  A third of
the seeds use ROWS BETWEEN R PRECEDING instead (tie order, docs/DEPLOY.md:
the request, then m's rows newest inserted first, then u's rows newest
inserted first; the reference is computed here from the rows inserted, for
requests and _batch(), not training_set()); a third read no joined column in
the window functions (sum(v), count(*), while u still carries x: the shape
that failed with XX000 before 2026-12-05); about one row in ten of every table
has a NULL key (requests never do: they are refused; _batch() leaves those
rows out, training_set() partitions them together, as PostgreSQL does).  For every
request (JIT on and off, before its row is inserted): PostgreSQL's executor
over m's rows of the key joined with t2's newest row of the key (every row of
the partition joins the same row, as SQL's LATERAL join would) plus u's rows
of the key with their own x, the request's row included, order value in
[ts - R, ts].  Once the stream is over, <name>_batch('SELECT * FROM m ORDER
BY ts, seq') (JIT on and off) and training_set() against the same SQL over the
final tables, each row seeing the m rows before it in that order (batch) or
every m row up to its time, later peers too (training_set, as_of).

  python3 test/differential/union_join.py             seeds 1..30
  python3 test/differential/union_join.py --seed 7    one seed, verbose
  python3 test/differential/union_join.py --long 60   random seeds for 60 s
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
spec.loader.exec_module(conf)
psycopg = conf.psycopg
NAME = "dujoin"
FEATS = ("sum(j.x) over w as sx, count(j.x) over w as cx, max(j.x + v) over w as mx, "
         "sum(v) over w as sv, count(*) over w as c")
FEATS_NOJOIN = "sum(v) over w as sv, count(*) over w as c"
JOINED = ("sx", "cx", "mx")


def rand_case(seed):
    rng = random.Random(seed)
    keys = ["a", "b", "c"][: rng.randint(1, 3)]
    ops, seq, t = [], 0, 0
    for _ in range(rng.randint(20, 60)):
        seq += 1
        t += rng.choice([0, 0, 1, 2, 5])
        ts = t - rng.choice([0, 0, 0, 0, 3, 7])  # late rows
        x = None if rng.random() < 0.1 else rng.randint(-5, 50)
        r = rng.random()
        k = None if rng.random() < 0.1 else rng.choice(keys)
        ops.append(("t2" if r < 0.25 else "u" if r < 0.55 else "m",
                    dict(k=k, v=rng.randint(-10, 10), x=x, ts=max(ts, 0), seq=seq)))
    return dict(r=rng.choice([0, 1, 3, 10]), ops=ops, rows=rng.random() < 1 / 3, nojoin=rng.random() < 1 / 3)


def rows_ref(r, k, v, ts, t2rows, mrows, urows):
    """ROWS BETWEEN r PRECEDING: the request (k, v, ts), m's rows of the key up to ts (newest inserted
    first among equal times), then u's; m's rows read t2's newest row of the key, u's their own x."""
    cand = [z for z in t2rows if z["k"] == k]
    jx = max(cand, key=lambda z: (z["ts"], z["seq"]))["x"] if cand else None
    rows = [(ts, 0, 0, v, jx)]
    rows += [(z["ts"], 1, -z["seq"], z["v"], jx) for z in mrows if z["k"] == k and z["ts"] <= ts]
    rows += [(z["ts"], 2, -z["seq"], z["v"], z["x"]) for z in urows if z["k"] == k and z["ts"] <= ts]
    rows.sort(key=lambda z: (-z[0], z[1], z[2]))
    fr = rows[: r + 1]
    xs = [z[4] for z in fr if z[4] is not None]
    xv = [z[4] + z[3] for z in fr if z[4] is not None]
    return dict(sx=sum(xs) if xs else None, cx=len(xs), mx=max(xv) if xv else None,
                sv=sum(z[3] for z in fr), c=len(fr))


def native(where_m, where_u, r):
    """The reference over rows z (ts, v, x) for one request (key %(k)s, time %(ts)s)."""
    return ("SELECT sum(x) AS sx, count(x) AS cx, max(x + v) AS mx, sum(v) AS sv, count(*) AS c FROM ("
            " SELECT mm.ts, mm.v, j.x FROM (%s) mm LEFT JOIN LATERAL (SELECT t2.x FROM t2 WHERE t2.k IS NOT DISTINCT FROM mm.k"
            "  ORDER BY t2.ts DESC, t2.seq DESC LIMIT 1) j ON true"
            " UNION ALL SELECT ts, v, x FROM u WHERE %s) z WHERE z.ts BETWEEN %%(ts)s - %d AND %%(ts)s" % (
                where_m, where_u, r))


def run_seed(cur, seed, verbose):
    case = rand_case(seed)
    dq = ("select v, %s from m last join t2 as j order by j.ts on m.k = j.k window w as (union u partition by m.k "
          "order by m.ts %s between %d preceding and current row)" % (
              FEATS_NOJOIN if case["nojoin"] else FEATS, "rows" if case["rows"] else "rows_range", case["r"]))

    def trim(d):  # the reference's features the deployment has
        return {a: b for a, b in d.items() if not (case["nojoin"] and a in JOINED)}

    def num(d):  # sums as JSON numbers either way
        return {a: (None if b is None else int(b)) if a in ("sx", "sv") else b for a, b in d.items()}
    if verbose:
        print(dq)
    cur.execute("SELECT feature_ext.undeploy(%s) FROM feature_ext.deployments WHERE name = %s", (NAME, "public." + NAME))
    cur.execute("DROP TABLE IF EXISTS m, t2, u CASCADE")
    cur.execute("DROP TYPE IF EXISTS dujoin_row")
    cur.execute("CREATE TABLE m (k text, v int, ts int8 NOT NULL, seq int) USING feature_store;"
                "CREATE INDEX ON m USING skiplist (k, ts);"
                "CREATE TABLE t2 (k text, x int, ts int8 NOT NULL, seq int) USING feature_store;"
                "CREATE INDEX ON t2 USING skiplist (k, ts);"
                "CREATE TABLE u (k text, v int, ts int8 NOT NULL, x int, seq int) USING feature_store;"
                "CREATE INDEX ON u USING skiplist (k, ts)")
    cur.execute("SELECT feature_ext.deploy(%s, %s)", (NAME, dq))
    call = "SELECT to_jsonb(o) - 'v' FROM %s(%%s::text, %%s::int, %%s::int8, %%s::int) o" % NAME
    req_nat = native("SELECT k, v, ts FROM m WHERE k = %(k)s UNION ALL SELECT %(k)s, %(v)s, %(ts)s",
                     "k = %(k)s", case["r"])
    problems, requests, joined = [], 0, 0
    t2rows, mrows, urows = [], [], []
    for n, (kind, op) in enumerate(case["ops"]):
        if kind == "t2":
            cur.execute("INSERT INTO t2 VALUES (%(k)s, %(x)s, %(ts)s, %(seq)s)", op)
            t2rows.append(op)
        elif kind == "u":
            cur.execute("INSERT INTO u VALUES (%(k)s, %(v)s, %(ts)s, %(x)s, %(seq)s)", op)
            urows.append(op)
        elif op["k"] is None:  # a request's key must not be NULL: stored only
            cur.execute("INSERT INTO m VALUES (%(k)s, %(v)s, %(ts)s, %(seq)s)", op)
            mrows.append(op)
        else:
            args = (op["k"], op["v"], op["ts"], op["seq"])
            cur.execute(call, args)
            got = cur.fetchone()[0]
            cur.execute("SET feature_ext.jit = off")
            cur.execute(call, args)
            interp = cur.fetchone()[0]
            cur.execute("SET feature_ext.jit = on")
            if case["rows"]:
                want = rows_ref(case["r"], op["k"], op["v"], op["ts"], t2rows, mrows, urows)
            else:
                cur.execute("SELECT to_jsonb(z) FROM (%s) z" % req_nat, op)
                want = cur.fetchone()[0]
            want = num(trim(want))
            cur.execute("SELECT count(*) FROM t2 WHERE k = %(k)s", op)
            joined += cur.fetchone()[0] > 0
            cur.execute("INSERT INTO m VALUES (%(k)s, %(v)s, %(ts)s, %(seq)s)", op)
            mrows.append(op)
            requests += 1
            for label, v in (("request", num(got)), ("jit off", num(interp))):
                if v != want:
                    problems.append("op %d %s: %s %s, native %s" % (n, args, label, json.dumps(v), json.dumps(want)))
    if not problems:
        # batch: each m row sees the m rows before it in (ts, seq) order, of its key
        # (NULL keys: not batch()'s rows)
        bat_nat = native("SELECT k, v, ts FROM m WHERE k = %(k)s AND (ts, seq) <= (%(ts)s, %(seq)s)", "k = %(k)s",
                         case["r"])
        cur.execute("SELECT k, v, ts, seq FROM m WHERE k IS NOT NULL ORDER BY ts, seq")
        final = []
        for k, v, ts, sq in cur.fetchall():
            if case["rows"]:
                before = [z for z in mrows if (z["ts"], z["seq"]) < (ts, sq)]
                ref = rows_ref(case["r"], k, v, ts, t2rows, before, urows)
            else:
                cur.execute("SELECT to_jsonb(z) FROM (%s) z" % bat_nat, dict(k=k, ts=ts, seq=sq))
                ref = cur.fetchone()[0]
            final.append(json.dumps(dict(num(trim(ref)), v=v), sort_keys=True))
        final.sort()
        for jit in ("on", "off"):
            cur.execute("SET feature_ext.jit = %s" % jit)
            cur.execute("SELECT to_jsonb(o) FROM %s_batch('SELECT * FROM m ORDER BY ts, seq') o" % NAME)
            got = sorted(json.dumps(num(r[0]), sort_keys=True) for r in cur.fetchall())
            if got != final:
                problems.append("batch (jit %s) differs: %s" % (jit, next(
                    (("%s vs %s" % (g, f)) for g, f in zip(got, final) if g != f), "row count")))
        cur.execute("SET feature_ext.jit = on")
        cur.execute("SELECT * FROM %s('a', 0, 0, 0) o WHERE false" % NAME)
        cols = [(d.name, d.type_code) for d in cur.description]
        cur.execute("CREATE TYPE dujoin_row AS (%s)" % ", ".join(
            '"%s" %s' % (c, cur.connection.execute("SELECT format_type(%s, NULL)", (t,)).fetchone()[0])
            for c, t in cols))
        # training_set (as_of): each row sees every m row of its key up to its time (later peers too);
        # NULL keys partition together (RANGE frames only: ROWS depends on the tie order of peers)
        asof_nat = native("SELECT k, v, ts FROM m WHERE k IS NOT DISTINCT FROM %(k)s AND ts <= %(ts)s",
                          "k IS NOT DISTINCT FROM %(k)s", case["r"])
        cur.execute("SELECT k, v, ts, seq FROM m ORDER BY ts, seq")
        final = []
        for k, v, ts, sq in cur.fetchall():
            cur.execute("SELECT to_jsonb(z) FROM (%s) z" % asof_nat, dict(k=k, ts=ts, seq=sq))
            final.append(json.dumps(dict(num(trim(cur.fetchone()[0])), v=v), sort_keys=True))
        final.sort()
        cur.execute("SELECT to_jsonb(t) FROM feature_ext.training_set(%s, 'm', NULL::dujoin_row, progress => 0) t",
                    (NAME,))
        got = sorted(json.dumps(num(r[0]), sort_keys=True) for r in cur.fetchall())
        if got != final and not case["rows"]:
            problems.append("training_set differs: %s" % next(
                (("%s vs %s" % (g, f)) for g, f in zip(got, final) if g != f), "row count"))
    return problems, requests, joined


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, help="run one seed, verbose")
    ap.add_argument("--long", type=int, metavar="SECONDS", help="random seeds for this many seconds")
    ap.add_argument("--port", type=int, help="use a running server on this port (/tmp socket)")
    args = ap.parse_args()
    stop, port = None, args.port
    if port is None:
        port = conf.free_port()
        stop = conf.start_server(port)
    passed = failed = requests = joined = 0
    t0 = time.time()
    try:
        con = psycopg.connect(host="/tmp", port=port, user="postgres", dbname="postgres", autocommit=True)
        con.prepare_threshold = None
        cur = con.cursor()
        cur.execute("SET client_min_messages = warning")
        cur.execute("CREATE EXTENSION IF NOT EXISTS feature_ext")
        seeds = [args.seed] if args.seed is not None else list(range(1, 31)) if not args.long else None
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
                problems, r, j = run_seed(cur, seed, args.seed is not None)
            except psycopg.Error as e:
                problems, r, j = ["error %s: %s" % (e.sqlstate, (e.diag.message_primary or str(e)).strip())], 0, 0
            requests += r
            joined += j
            if problems:
                failed += 1
                print("FAIL seed %d:\n  %s" % (seed, "\n  ".join(problems[:3])))
            else:
                passed += 1
        cur.execute("SELECT feature_ext.undeploy(%s) FROM feature_ext.deployments WHERE name = %s",
                    (NAME, "public." + NAME))
        cur.execute("DROP TABLE IF EXISTS m, t2, u CASCADE")
        cur.execute("DROP TYPE IF EXISTS dujoin_row")
        con.close()
    finally:
        if stop:
            stop()
    print("union-over-join differential: %d seeds, %d requests (%d with a joined row), %.1fs" % (
        passed + failed, requests, joined, time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
