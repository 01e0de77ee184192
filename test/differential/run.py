#!/usr/bin/env python3
"""Differential test: random tables and random deployments, three answers per row.

For every seed: a random feature_store table (a few keys, ties on the order
column, NULLs), a random PostgreSQL-dialect deployment drawn from the
supported grammar (ROWS / RANGE / GROUPS frames, offsets, UNBOUNDED,
`... AND n PRECEDING`, EXCLUDE CURRENT ROW | GROUP | TIES, built-in and
feature_ext aggregates, FILTER, expressions), and for each source row i, in
insertion order:

  request  the deployed function called with row i while the table holds rows
           0..i-1 (then row i is inserted and committed: OpenMLDB's protocol)
  batch    <name>_batch over the whole table
  native   PostgreSQL's own window executor over rows 0..i-1 with order value
           <= row i's, in insertion order, plus row i as the last of its peers
  jit off  the request again with SET feature_ext.jit = off (the interpreter;
           the first request runs the compiled code, the default)

All must agree: floats with a relative tolerance of 1e-9, everything else
exactly; JIT on and off exactly (NaN = NaN).  A failure prints a minimal
reproducing SQL script.

  python3 test/differential/run.py               fixed seeds (CI)
  python3 test/differential/run.py --long 600    random seeds for 600 s
  python3 test/differential/run.py --seed 17     one seed, verbose
"""
import argparse
import importlib.util
import json
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("conformance", os.path.join(HERE, "..", "conformance", "run.py"))
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)  # reuses its server start and psycopg import
psycopg = conf.psycopg

CI_SEEDS = list(range(1, 201))
JIT_USED = [0]  # seeds whose requests ran compiled code (the comparison must not be vacuous)

AGGS = [
    ("sum(v)", "v"), ("count(*)", None), ("count(f)", "f"), ("avg(f)", "f"), ("max(v)", "v"),
    ("min(f)", "f"), ("sum(f)", "f"), ("avg(v)", "v"), ("string_agg(v::text, ',')", "v"),
    ("count(*) FILTER (WHERE v > 20)", "v"), ("max(f) FILTER (WHERE v % 2 = 0)", "f"),
    ("sum(v * 2 + 1)", "v"), ("stddev(f)", "f"), ("bool_or(v > 40)", "v"),
    ("feature_ext.count_where(v, v > 10)", "v"), ("feature_ext.distinct_count(v)", "v"),
    # expressions the JIT compiles (arithmetic, casts, text and NULL tests, AND/OR/NOT)
    ("sum(f * 2 - v) FILTER (WHERE k <> 'k1' AND f > 0)", "f"), ("max(v / 3 + ts % 7)", "v"),
    ("min(v) FILTER (WHERE f IS NULL OR v < 25)", "v"), ("count(f) FILTER (WHERE NOT (v % 3 = 0))", "f"),
    ("avg(f / 4 + v) FILTER (WHERE v IS NOT NULL)", "f"), ("sum(-v::int8 * 3)", "v"),
    ("feature_ext.count_where(f, k = 'k0')", "f"),
]


def rand_frame(rng):
    mode = rng.choice(["ROWS", "RANGE", "GROUPS"])

    def off():
        return rng.choice([0, 1, 2, 3, 5, 8]) if mode != "RANGE" else rng.choice([0, 5, 10, 20, 35])

    start = rng.choice(["UNBOUNDED PRECEDING", "P", "CURRENT ROW"])
    if start == "P":
        a = off()
        start = "%d PRECEDING" % a
        end = rng.choice(["CURRENT ROW", "E"])
        if end == "E":
            end = "%d PRECEDING" % rng.randint(0, a)
    elif start == "CURRENT ROW":
        end = "CURRENT ROW"
    else:
        end = rng.choice(["CURRENT ROW", "%d PRECEDING" % off()])
    excl = rng.choice(["", "", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES"])
    return "%s BETWEEN %s AND %s%s" % (mode, start, end, excl)


def rand_case(seed):
    rng = random.Random(seed)
    nkeys = rng.randint(1, 3)
    nrows = rng.randint(15, 45)
    span = rng.choice([5, 20, 60])  # small span: many ties
    rows = []
    for i in range(nrows):
        k = "k%d" % rng.randrange(nkeys)
        v = None if rng.random() < 0.12 else rng.randint(0, 50)
        f = None if rng.random() < 0.12 else round(rng.uniform(-100, 100), rng.choice([0, 2, 6]))
        ts = rng.randint(0, span) * 10
        rows.append((k, v, f, ts))
    nwin = rng.randint(1, 3)
    frames = [rand_frame(rng) for _ in range(nwin)]
    feats = []
    for j in range(rng.randint(2, 6)):
        agg, _ = rng.choice(AGGS)
        w = rng.randrange(nwin)
        feats.append("%s OVER w%d AS x%d" % (agg, w, j))
    if rng.random() < 0.3:
        feats.append("coalesce(count(*) OVER w0, 0) + v AS expr")
    if rng.random() < 0.3:
        feats.append("sum(f) OVER w0 * 2 + count(*) OVER w0 - v AS proj")
    return rows, frames, feats


def sql_value(x):
    if x is None:
        return "NULL"
    if isinstance(x, str):
        return "'%s'" % x
    return repr(x)


def repro(rows, frames, feats, i):
    lines = ["CREATE EXTENSION IF NOT EXISTS feature_ext;",
             "CREATE TABLE dt (k text, v int, f float8, ts int8) USING feature_store;",
             "CREATE INDEX dt_k ON dt USING skiplist (k, ts);"]
    for r in rows[:i]:
        lines.append("INSERT INTO dt VALUES (%s);" % ", ".join(sql_value(x) for x in r))
    lines.append("SELECT feature_ext.deploy('dfeat', $$SELECT %s FROM dt WINDOW %s$$);"
                 % (", ".join(feats), ", ".join("w%d AS (PARTITION BY k ORDER BY ts %s)" % (j, fr)
                                                 for j, fr in enumerate(frames))))
    lines.append("SELECT * FROM dfeat(%s);" % ", ".join(sql_value(x) for x in rows[i]))
    return "\n".join(lines)


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    return a == b


def exact(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def norm(row):
    out = []
    for x in row:
        if hasattr(x, "is_finite") or type(x).__name__ == "Decimal":
            x = float(x)
        out.append(x)
    return out


def run_seed(cur, seed, verbose=False):
    rows, frames, feats = rand_case(seed)
    wins = ", ".join("w%d AS (PARTITION BY k ORDER BY ts %s)" % (j, fr) for j, fr in enumerate(frames))
    nwins = ", ".join("w%d AS (ORDER BY ts %s)" % (j, fr) for j, fr in enumerate(frames))
    cur.execute("DROP TABLE IF EXISTS dt CASCADE")
    cur.execute("CREATE TABLE dt (k text, v int, f float8, ts int8) USING feature_store")
    cur.execute("CREATE INDEX dt_k ON dt USING skiplist (k, ts)")
    q = "SELECT %s FROM dt WINDOW %s" % (", ".join(feats), wins)
    cur.execute("SELECT feature_ext.deploy('dfeat', $fe$%s$fe$, '{\"replace\": true}')" % q)
    online = []
    interp = []
    native = []
    values = ", ".join("(%s::text, %s::int, %s::float8, %s::int8, %d)" % tuple([sql_value(y) for y in rr] + [j])
                       for j, rr in enumerate(rows))
    for i, r in enumerate(rows):
        args = ", ".join(sql_value(x) for x in r)
        cur.execute("SELECT * FROM dfeat(%s)" % args)  # literal SQL: no placeholders
        online.append(norm(cur.fetchone()))
        cur.execute("SET feature_ext.jit = off")
        cur.execute("SELECT * FROM dfeat(%s)" % args)
        interp.append(norm(cur.fetchone()))
        cur.execute("SET feature_ext.jit = on")
        # native: this key's earlier rows up to the request's order value, in
        # insertion order among equal values, then the request last
        cur.execute(
            "SELECT %s, seq FROM ("
            "  SELECT * FROM ("
            "    SELECT * FROM (VALUES %s) s(k, v, f, ts, seq) WHERE k = %s AND ts <= %s AND seq < %d"
            "    UNION ALL SELECT %s, %d"
            "  ) u ORDER BY ts, seq"
            ") x WINDOW %s" % (", ".join(feats), values, sql_value(r[0]), r[3], i,
                               "%s::text, %s::int, %s::float8, %s::int8" % tuple(sql_value(x) for x in r), i, nwins))
        res = [norm(t) for t in cur.fetchall()]
        native.append([t[:-1] for t in res if t[-1] == i][0])
        cur.execute("INSERT INTO dt VALUES (%s)" % args)
        cur.connection.commit()
    cur.execute("SELECT * FROM dfeat_batch('dt')")
    batch = [norm(t) for t in cur.fetchall()]
    cur.execute("SELECT feature_ext.explain('dfeat', false) LIKE '%JIT in this session: on,%'")
    JIT_USED[0] += cur.fetchone()[0]
    problems = []
    for i in range(len(rows)):
        if len(interp[i]) != len(online[i]) or not all(exact(a, b) for a, b in zip(online[i], interp[i])):
            problems.append((i, "jit off", online[i], interp[i]))
        for name, other in (("batch", batch[i] if i < len(batch) else None), ("native", native[i])):
            if other is None or len(other) != len(online[i]) or not all(same(a, b) for a, b in zip(online[i], other)):
                problems.append((i, name, online[i], other))
    return rows, frames, feats, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, help="run one seed")
    ap.add_argument("--long", type=int, metavar="SECONDS", help="random seeds for this many seconds")
    ap.add_argument("--port", type=int, help="use a running server on this port (/tmp socket)")
    args = ap.parse_args()
    stop = None
    port = args.port
    if port is None:
        port = conf.free_port()
        stop = conf.start_server(port)
    failed = passed = 0
    try:
        con = psycopg.connect(host="/tmp", port=port, user="postgres", dbname="postgres")
        con.prepare_threshold = None  # redeploys change result types; no client-side prepared statements
        cur = con.cursor()
        cur.execute("SET client_min_messages = warning")
        cur.execute("CREATE EXTENSION IF NOT EXISTS feature_ext")
        con.commit()
        if args.seed is not None:
            seeds = [args.seed]
        elif args.long:
            seeds = None
        else:
            seeds = CI_SEEDS
        t0 = time.time()
        i = 0
        while True:
            if seeds is not None:
                if i >= len(seeds):
                    break
                seed = seeds[i]
            else:
                if time.time() - t0 > args.long:
                    break
                seed = random.randrange(1 << 30)
            i += 1
            try:
                rows, frames, feats, problems = run_seed(cur, seed)
            except psycopg.Error as e:
                con.rollback()
                rows, frames, feats = rand_case(seed)
                problems = [(-1, "error", str(e).strip(), None)]
            if problems:
                failed += 1
                r0 = problems[0]
                print("seed %d: %d rows differ; first: row %d vs %s: request %s, %s %s" % (
                    seed, len(problems), r0[0], r0[1], r0[2], r0[1], r0[3]))
                print("-- reproduce:\n" + repro(rows, frames, feats, max(r0[0], 0)))
            else:
                passed += 1
        cur.execute("SELECT feature_ext.undeploy('dfeat') FROM feature_ext.deployments WHERE name = 'public.dfeat'")
        cur.execute("DROP TABLE IF EXISTS dt")
        con.commit()
        con.close()
        print("differential: %d seeds, %.1fs; requests ran compiled code in %d seeds" % (
            passed + failed, time.time() - t0, JIT_USED[0]))
        if passed + failed >= 20 and JIT_USED[0] < (passed + failed) // 2:
            print("FAIL: the JIT ran in too few seeds for jit on = off to mean anything")
            failed += 1
        print("%d passed, %d failed" % (passed, failed))
    finally:
        if stop:
            stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
