#!/usr/bin/env python3
"""Differential test of FROM subqueries whose computed columns window functions read over stored rows.

For every seed: a feature_store table dm (k, ts, v, f, s, seq) with a few
keys, many equal times, NULLs and rows inserted out of time order, and a
deployment over FROM (SELECT k, ts, v, f, s, seq, <expr> AS c1, <expr> AS c2,
<expr> AS c3 FROM dm) x (c1 integer, c2 float8, c3 text, random expressions
of the row, immutable), with random ROWS / RANGE / GROUPS frames (offsets,
EXCLUDE) and random features reading the computed columns (arguments,
argument expressions, FILTER, lag / first_value / nth_value).  The computed
columns are computed for every stored row a window reads (docs/DEPLOY.md,
"A FROM subquery over the table").

Each row is requested (jit on and off) and then inserted; every answer, every
row of <name>_batch() over dm in insertion order and every row of
training_set() over random label rows is compared with PostgreSQL's window
executor over the same rows and the same subquery (ascending time, equal
times oldest inserted first, the request last).  Floats with a relative
tolerance of 1e-9, everything else exactly.

  python3 test/differential/from_sub.py                 seeds 1..60
  python3 test/differential/from_sub.py --seed 17 -v    one seed, with its SQL
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import union as U  # noqa: E402  (server start, float comparison)

psycopg = U.psycopg
C1 = ["v * 2 + 1", "abs(v - 50)", "CASE WHEN f > 0 THEN v END", "coalesce(v, -1) + length(k)", "(ts / 10)::int"]
C2 = ["f * 0.5", "coalesce(f, v::float8)", "f + v", "mod(ts, 7)::float8 / 4"]
C3 = ["upper(s)", "s || ':' || k", "coalesce(s, 'none')", "CASE WHEN v > 40 THEN s END"]
FEATURES = [
    "sum(c1) OVER w", "count(c1) OVER w", "max(c1) OVER w", "min(c2) OVER w", "avg(c2) OVER w", "sum(c2) OVER w",
    "max(c3) OVER w", "min(c3) OVER w", "count(c3) OVER w", "sum(v + c1) OVER w",
    "count(*) FILTER (WHERE c1 > 40) OVER w", "sum(v) FILTER (WHERE c3 > 'M') OVER w",
    "string_agg(c3, ',') OVER w", "lag(c1) OVER w", "first_value(c3) OVER w", "nth_value(c2, 2) OVER w",
    "last_value(c1) OVER w", "sum(c1 * 2) OVER w2", "count(c2) OVER w2", "sum(v) OVER w",
]


class Case:
    def __init__(self, seed):
        rnd = random.Random(seed)
        self.seed = seed
        self.c1, self.c2, self.c3 = rnd.choice(C1), rnd.choice(C2), rnd.choice(C3)
        n, m = rnd.randint(0, 4), rnd.randint(0, 2)
        r, s2 = rnd.choice([0, 10, 30, 100]), rnd.choice([0, 10])
        frames = [f.format(n=n + m, m=m, r=r + s2, s=s2) for f in U.FRAMES]
        self.frame = rnd.choice(frames)
        self.frame2 = rnd.choice(frames)
        self.feats = rnd.sample(FEATURES, rnd.randint(2, 6))
        keys = ["a", "b", "c"][:rnd.randint(1, 3)]
        rows = []
        for i in range(rnd.randint(10, 30)):
            rows.append((rnd.choice(keys), rnd.randint(0, 12) * 10,
                         None if rnd.random() < 0.15 else rnd.randint(0, 99),
                         None if rnd.random() < 0.15 else rnd.choice([rnd.uniform(-5, 5), 0.0, 2.5]),
                         None if rnd.random() < 0.15 else rnd.choice(["A", "b", "M", "zz", "Q1"]), i + 1))
        rows.sort(key=lambda x: x[1] + (rnd.randint(-30, 0) if rnd.random() < 0.3 else 0))  # mostly in time order
        self.main = [r[:5] + (i + 1,) for i, r in enumerate(rows)]
        self.labels = [(rnd.choice(keys + ["z"]), rnd.randint(0, 14) * 10 + rnd.choice([0, 5]),
                        rnd.randint(0, 99), 1.25, "L", 1000 + i) for i in range(8)]

    def sub(self, src, extra=""):
        return ("SELECT k, ts, v, f, s, seq%s, %s AS c1, %s AS c2, %s AS c3 FROM %s"
                % (extra, self.c1, self.c2, self.c3, src))

    def feat_list(self):
        return ", ".join("%s AS f%d" % (f, i) for i, f in enumerate(self.feats))

    def deploy_sql(self):
        return ("SELECT %s FROM (%s) x WINDOW w AS (PARTITION BY k ORDER BY ts %s), "
                "w2 AS (PARTITION BY k ORDER BY ts %s)"
                % (self.feat_list(), self.sub("dm"), self.frame, self.frame2))

    def native_sql(self, cond):
        # the request row (seq 1000000, src 1) last among its peers: the
        # rows sorted by (ts, seq) below the window (which keeps that order)
        rows = ("(SELECT k, ts, v, f, s, seq, 0 AS src FROM dm WHERE k = %%(a1)s AND ts <= %%(a2)s AND %s "
                "UNION ALL SELECT %%(a1)s::text, %%(a2)s::bigint, %%(a3)s::int, %%(a4)s::float8, %%(a5)s::text, "
                "1000000, 1) r" % cond)
        return ("SELECT %s FROM (SELECT * FROM (%s) z ORDER BY ts, seq) x WINDOW w AS (ORDER BY ts %s), "
                "w2 AS (ORDER BY ts %s) ORDER BY src DESC LIMIT 1"
                % (self.feat_list(), self.sub(rows, ", src"), self.frame, self.frame2))


def run_seed(conn, seed, verbose):
    c = Case(seed)
    cur = conn.cursor()
    problems = []

    def q(sql, params=None):
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else None
    q("SELECT feature_ext.undeploy(name) FROM feature_ext.deployments WHERE name = 'public.fd'")
    q("DROP TABLE IF EXISTS dm, dl CASCADE")
    q("CREATE TABLE dm (k text, ts bigint, v int, f float8, s text, seq int) USING feature_store")
    q("CREATE INDEX ON dm USING skiplist (k, ts)")
    conn.commit()
    dsql = c.deploy_sql()
    if verbose:
        print("seed %s: %s" % (seed, dsql))
    q("SELECT feature_ext.deploy('fd', %s)", (dsql,))
    conn.commit()
    nf = len(c.feats)
    native = c.native_sql("true")
    U.replay_requests(q, conn, c.main, native, "SELECT * FROM fd(%s, %s, %s, %s, %s, %s)",
                      "INSERT INTO dm VALUES (%s, %s, %s, %s, %s, %s)", nf, problems)
    for jit in ("on", "off"):
        q("SET feature_ext.jit = " + jit)
        bat = q("SELECT * FROM fd_batch('SELECT * FROM dm ORDER BY seq')")
        for i, r in enumerate(c.main):
            args = U.named(r)
            ref = tuple(q(c.native_sql("seq < %(a6)s"), args)[0][:nf])
            if not U.same(tuple(bat[i]), ref):
                problems.append("batch jit %s row %d %r: batch %r, native %r" % (jit, i, r, tuple(bat[i]), ref))
        q("DROP TABLE IF EXISTS dl")
        q("CREATE TABLE dl (k text, ts bigint, v int, f float8, s text, seq int)")
        for r in c.labels:
            q("INSERT INTO dl VALUES (%s, %s, %s, %s, %s, %s)", r)
        tr = q("SELECT * FROM feature_ext.training_set('fd', 'SELECT * FROM dl ORDER BY seq', NULL::fd_result)")
        for i, r in enumerate(c.labels):
            args = U.named(r)
            ref = tuple(q(native, args)[0][:nf])
            if not U.same(tuple(tr[i]), ref):
                problems.append("training_set jit %s row %d %r: %r, native %r" % (jit, i, r, tuple(tr[i]), ref))
    q("SET feature_ext.jit = on")
    conn.commit()
    return c, problems


def main():
    return U.run_seeds(__doc__, run_seed, "1-60", 55481, lambda n, nreq, nf, secs: (
        "from_sub differential: %d seeds, %d requests x jit on/off + batch + training_set (jit on/off); "
        "%d failed; %.1fs" % (n, nreq, nf, secs)))


if __name__ == "__main__":
    sys.exit(main())
