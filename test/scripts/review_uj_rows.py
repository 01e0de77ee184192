#!/usr/bin/env python3
"""review_uj: ROWS frames (order-sensitive: lag, the frame's edge) over a WINDOW UNION over a LAST JOIN's
result, union rows with their own joined column, random inserts with ties; reference: the documented tie
order (docs/DEPLOY.md "Tie order": the request, the deployment's rows newest inserted first, then the
union rows newest inserted first) over m's rows joined to t2's newest row of the key, u's rows with their
own x.  Every request JIT on and off.  Prints ok/BUG lines; exit 1 on a BUG.  --port PORT (running server)."""
import argparse, importlib.util, json, os, random, sys
HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("conformance", os.path.join(HERE, "..", "conformance", "run.py"))
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)
psycopg = conf.psycopg


def run_seed(cur, seed):
    rng = random.Random(seed)
    R = rng.choice([0, 1, 2, 4])
    keys = ["a", "b"][: rng.randint(1, 2)]
    cur.execute("SELECT feature_ext.undeploy(name::text) FROM feature_ext.deployment WHERE name::text = 'ruj'")
    cur.execute("DROP TABLE IF EXISTS rm_m, rm_t2, rm_u CASCADE")
    cur.execute("CREATE TABLE rm_m (k text, v int, ts int8 NOT NULL, seq int) USING feature_store;"
                "CREATE INDEX ON rm_m USING skiplist (k, ts);"
                "CREATE TABLE rm_t2 (k text, x int, ts int8 NOT NULL, seq int) USING feature_store;"
                "CREATE INDEX ON rm_t2 USING skiplist (k, ts);"
                "CREATE TABLE rm_u (x int, seq int, ts int8 NOT NULL, k text, v int) USING feature_store;"
                "CREATE INDEX ON rm_u USING skiplist (k, ts)")
    cur.execute("SELECT feature_ext.deploy('ruj', %s)", (
        "select v, sum(j.x) over w as sx, lag(j.x, 1) over w as l1, sum(v) over w as sv, count(j.x) over w as cx "
        "from rm_m last join rm_t2 as j order by j.ts on rm_m.k = j.k window w as (union rm_u partition by rm_m.k order by rm_m.ts "
        "rows between %d preceding and current row)" % R,))
    mrows, urows, t2rows = [], [], []
    bugs, seq, t = [], 0, 0
    for n in range(rng.randint(15, 40)):
        seq += 1
        t += rng.choice([0, 0, 1, 2])
        ts = max(t - rng.choice([0, 0, 0, 3]), 0)
        k = rng.choice(keys)
        x = None if rng.random() < 0.15 else rng.randint(-5, 50)
        v = rng.randint(-10, 10)
        r = rng.random()
        if r < 0.2:
            cur.execute("INSERT INTO rm_t2 VALUES (%s, %s, %s, %s)", (k, x, ts, seq))
            t2rows.append((k, x, ts, seq))
            continue
        if r < 0.5:
            cur.execute("INSERT INTO rm_u VALUES (%s, %s, %s, %s, %s)", (x, seq, ts, k, v))
            urows.append((k, v, ts, x, seq))
            continue
        # request: reference
        jx = None
        cand = [r2 for r2 in t2rows if r2[0] == k]
        if cand:
            jx = max(cand, key=lambda r2: (r2[2], r2[3]))[1]   # newest ts, then inserted last
        rows = [(ts, 0, 0, v, jx)]
        rows += [(r2[2], 1, -r2[3], r2[1], jx) for r2 in mrows if r2[0] == k and r2[2] <= ts]
        rows += [(r2[2], 2, -r2[4], r2[1], r2[3]) for r2 in urows if r2[0] == k and r2[2] <= ts]
        rows.sort(key=lambda z: (-z[0], z[1], z[2]))
        fr = rows[: R + 1]
        xs = [z[4] for z in fr if z[4] is not None]
        want = dict(sx=sum(xs) if xs else None, l1=rows[1][4] if len(rows) > 1 else None,
                    sv=sum(z[3] for z in fr), cx=len(xs))
        for jit in ("on", "off"):
            cur.execute("SET feature_ext.jit = " + jit)
            cur.execute("SELECT sx, l1, sv, cx FROM ruj(%s, %s, %s, %s)", (k, v, ts, seq))
            g = cur.fetchone()
            got = dict(sx=None if g[0] is None else int(g[0]), l1=g[1], sv=None if g[2] is None else int(g[2]), cx=g[3])
            if got != want:
                bugs.append("seed %d op %d R=%d (%s,%s,%s) jit %s: got %s want %s" % (seed, n, R, k, v, ts, jit, got, want))
        cur.execute("INSERT INTO rm_m VALUES (%s, %s, %s, %s)", (k, v, ts, seq))
        mrows.append((k, v, ts, seq))
    return bugs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seeds", type=int, default=40)
    a = ap.parse_args()
    conn = psycopg.connect(host="/tmp", port=a.port, user="postgres", dbname="postgres", autocommit=True)
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    allbugs = []
    for s in range(1, a.seeds + 1):
        b = run_seed(cur, s)
        allbugs += b
    for b in allbugs[:10]:
        print("BUG rows_frame_tie_order: " + b)
    if allbugs:
        print("BUG rows_frame_tie_order: %d mismatches over %d seeds" % (len(allbugs), a.seeds))
        sys.exit(1)
    print("ok rows_frame_tie_order (%d seeds)" % a.seeds)


main()
