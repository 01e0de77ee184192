#!/usr/bin/env python3
"""Differential test of deployments whose FROM subquery has its own window.

For every seed: a feature_store table dm (k, g, ts, v, f, seq) with a few
keys, many equal times, NULLs and rows inserted out of time order, and a
deployment over FROM (SELECT k, g, ts, v, f, seq, <agg> OVER w2 AS s1,
<agg> OVER w2 AS s2 FROM dm WINDOW w2 AS (PARTITION BY k ORDER BY ts <frame>)) x
with random outer features reading s1 / s2 over a window w (PARTITION BY k
or k, g; random ROWS / RANGE / GROUPS frames, EXCLUDE CURRENT ROW) and
random inner frames (ROWS, with EXCLUDE CURRENT ROW and lag; RANGE and
GROUPS with aggregates).  docs/DEPLOY.md, "A FROM subquery with its own
window".

Each row is requested (jit on and off) and then inserted; every answer is
compared with PostgreSQL's executor running the same nested window query
over the key's rows and the request row (ROWS windows ordered by (ts, seq),
the request last; RANGE / GROUPS windows by ts).  Offline, JIT on and off:
fw_batch(), feature_ext.batch() and training_set(mode => 'insertion') over
the rows in insertion order equal the replayed requests' answers (late rows
change stored rows' inner windows: computed again); training_set() (as_of)
over the table itself equals PostgreSQL's executor over the table without
the row's own copy (the row last of its peers), and over new label rows
equals requests against the final table.  Floats with a relative tolerance
of 1e-9, everything else exactly.

  python3 test/differential/from_sub_window.py                 seeds 1..40
  python3 test/differential/from_sub_window.py --seed 17 -v    one seed, with its SQL
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import union as U  # noqa: E402  (server start, float comparison)

psycopg = U.psycopg
INNER_ROWS = ["ROWS BETWEEN {n} PRECEDING AND CURRENT ROW",
              "ROWS BETWEEN {n} PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW",
              "ROWS BETWEEN {n} PRECEDING AND {m} PRECEDING"]
INNER_PEER = ["RANGE BETWEEN {r} PRECEDING AND CURRENT ROW", "RANGE BETWEEN {r} PRECEDING AND {s} PRECEDING",
              "GROUPS BETWEEN {n} PRECEDING AND CURRENT ROW"]
OUTER = ["ROWS BETWEEN {n} PRECEDING AND CURRENT ROW",
         "ROWS BETWEEN {n} PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW",
         "ROWS BETWEEN {n} PRECEDING AND {m} PRECEDING",
         "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
         "RANGE BETWEEN {r} PRECEDING AND CURRENT ROW",
         "RANGE BETWEEN {r} PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW",
         "RANGE BETWEEN {r} PRECEDING AND {s} PRECEDING",
         "GROUPS BETWEEN {n} PRECEDING AND CURRENT ROW"]
INNER_AGGS = ["sum(v)", "count(v)", "max(v)", "min(f)", "avg(f)", "count(*)"]
OUTER_FEATS = ["sum(s1) OVER w", "count(s1) OVER w", "max(s1) OVER w", "min(s2) OVER w", "avg(s2) OVER w",
               "sum(s2) OVER w", "lag(s1) OVER w", "first_value(s2) OVER w", "sum(v) OVER w", "count(*) OVER w",
               "sum(s1 + v) OVER w", "count(*) FILTER (WHERE s1 > 50) OVER w"]


def frame(rnd, choices):
    n = rnd.randint(0, 4)
    m = rnd.randint(0, n)
    r = rnd.choice([0, 10, 30, 100])
    s = rnd.choice([0, 10])
    return rnd.choice(choices).format(n=n, m=m, r=max(r, s), s=min(r, s))


def order(fr):
    return "ts, seq" if fr.startswith("ROWS") else "ts"


class Case:
    def __init__(self, seed):
        rnd = random.Random(seed)
        self.seed = seed
        rows_inner = rnd.random() < 0.5
        self.inner = frame(rnd, INNER_ROWS if rows_inner else INNER_PEER)
        a1 = rnd.choice(INNER_AGGS + (["lag(v)"] if rows_inner else []))
        a2 = rnd.choice(INNER_AGGS)
        self.inner_aggs = [a1, a2]
        self.outer = frame(rnd, OUTER)
        self.outer_part = rnd.choice(["k", "k, g"])
        # (lag / first_value over a RANGE or GROUPS window: the order of
        # peers, undefined in PostgreSQL's executor ordered by ts alone)
        feats = OUTER_FEATS if self.outer.startswith("ROWS") else [
            f for f in OUTER_FEATS if not f.startswith(("lag", "first_value"))]
        self.feats = rnd.sample(feats, rnd.randint(2, 5))
        keys = ["a", "b", "c"][:rnd.randint(1, 3)]
        rows = []
        for i in range(rnd.randint(10, 30)):
            rows.append((rnd.choice(keys), rnd.randint(0, 1), rnd.randint(0, 12) * 10,
                         None if rnd.random() < 0.15 else rnd.randint(0, 99),
                         None if rnd.random() < 0.15 else rnd.choice([rnd.uniform(-5, 5), 0.0, 2.5])))
        rows.sort(key=lambda x: x[2] + (rnd.randint(-30, 0) if rnd.random() < 0.3 else 0))  # mostly in time order
        self.main = [r + (i + 1,) for i, r in enumerate(rows)]

    def sub(self, src, extra=""):
        return ("SELECT k, g, ts, v, f, seq%s, %s OVER w2 AS s1, %s OVER w2 AS s2 FROM %s "
                "WINDOW w2 AS (PARTITION BY k ORDER BY %s %s)"
                % (extra, self.inner_aggs[0], self.inner_aggs[1], src,
                   "ts" if src == "dm" else order(self.inner), self.inner))

    def feat_list(self):
        return ", ".join("%s AS f%d" % (f, i) for i, f in enumerate(self.feats))

    def deploy_sql(self):
        return ("SELECT %s FROM (%s) x WINDOW w AS (PARTITION BY %s ORDER BY ts %s)"
                % (self.feat_list(), self.sub("dm"), self.outer_part, self.outer))

    def native_sql(self, without_self=False):
        # without_self: the label row's own copy (seq a6) left out of the table's rows (training_set() as_of)
        rows = ("(SELECT k, g, ts, v, f, seq, 0 AS src FROM dm WHERE k = %(a1)s AND ts <= %(a3)s "
                + ("AND seq <> %(a6)s " if without_self else "") +
                "UNION ALL SELECT %(a1)s::text, %(a2)s::int, %(a3)s::bigint, %(a4)s::int, %(a5)s::float8, "
                "1000000, 1) r")
        return ("SELECT %s, src FROM (%s) x WINDOW w AS (PARTITION BY %s ORDER BY %s %s) "
                "ORDER BY src DESC, (g = %%(a2)s) DESC LIMIT 1"
                % (self.feat_list(), self.sub(rows, ", src"), self.outer_part, order(self.outer), self.outer))


def run_seed(conn, seed, verbose):
    c = Case(seed)
    cur = conn.cursor()
    problems = []

    def q(sql, params=None):
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else None
    q("SELECT feature_ext.undeploy(name) FROM feature_ext.deployments WHERE name = 'public.fw'")
    q("DROP TABLE IF EXISTS dm CASCADE")
    q("CREATE TABLE dm (k text, g int, ts bigint, v int, f float8, seq int) USING feature_store")
    q("CREATE INDEX ON dm USING skiplist (k, ts)")
    q("CREATE INDEX ON dm USING skiplist (k, g, ts)")
    conn.commit()
    dsql = c.deploy_sql()
    if verbose:
        print("seed %s: %s" % (seed, dsql))
    q("SELECT feature_ext.deploy('fw', %s)", (dsql,))
    conn.commit()
    nf = len(c.feats)
    native = c.native_sql()
    call = "SELECT * FROM fw(%s, %s, %s, %s, %s, %s)"
    # the request replay (U.replay_requests, each answer kept for the offline checks)
    answers = []
    for i, r in enumerate(c.main):
        ref = tuple(q(native, U.named(r))[0][:nf])
        for jit in ("on", "off"):
            q("SET feature_ext.jit = " + jit)
            got = tuple(q(call, r)[0])
            if not U.same(got, ref):
                problems.append("request %d jit %s %r: deployed %r, native %r" % (i, jit, r, got, ref))
        answers.append(got)
        q("INSERT INTO dm VALUES (%s, %s, %s, %s, %s, %s)", r)
        conn.commit()
    # offline = the replay (dm's rows in insertion order: seq)
    feats = ", ".join("f%d" % i for i in range(nf))
    src = "SELECT * FROM dm ORDER BY seq"
    cols = ", ".join("f%d %s" % (i, t[0]) for i, t in enumerate(q(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'fw_result'::regclass "
        "AND attnum > 0 ORDER BY attnum")))
    forms = [("_batch", "SELECT * FROM fw_batch(%s)", (src,)),
             ("batch", "SELECT * FROM feature_ext.batch('fw', %%s) AS x(%s)" % cols, (src,)),
             ("training insertion", "SELECT %s FROM feature_ext.training_set('fw', %%s, NULL::fw_result, "
              "mode => 'insertion')" % feats, (src,))]
    for jit in ("on", "off"):
        q("SET feature_ext.jit = " + jit)
        for name, sql, params in forms:
            got = [tuple(r) for r in q(sql, params)]
            if len(got) != len(answers):
                problems.append("%s jit %s: %d rows, %d requests" % (name, jit, len(got), len(answers)))
                continue
            for i, (a, b) in enumerate(zip(got, answers)):
                if not U.same(a, b):
                    problems.append("%s jit %s row %d %r: offline %r, request %r" % (name, jit, i, c.main[i], a, b))
        # as_of over the table itself: PostgreSQL without the row's copy
        native_self = c.native_sql(without_self=True)
        got = [tuple(r) for r in q("SELECT %s FROM feature_ext.training_set('fw', %%s, NULL::fw_result)" % feats,
                                   (src,))]
        for i, r in enumerate(c.main):
            ref = tuple(q(native_self, U.named(r))[0][:nf])
            if not U.same(got[i], ref):
                problems.append("training as_of jit %s row %d %r: offline %r, native %r" % (jit, i, r, got[i], ref))
        # as_of over new label rows: requests against the final table
        rnd = random.Random(seed * 7919)
        labels = [(rnd.choice(["a", "b", "c"]), rnd.randint(0, 1), rnd.randint(0, 13) * 10, rnd.randint(0, 99),
                   rnd.uniform(-5, 5), 2000000 + i) for i in range(8)]
        q("DROP TABLE IF EXISTS dl")
        q("CREATE TEMP TABLE dl (k text, g int, ts bigint, v int, f float8, seq int)")
        for lr in labels:
            q("INSERT INTO dl VALUES (%s, %s, %s, %s, %s, %s)", lr)
        got = [tuple(r) for r in q("SELECT %s FROM feature_ext.training_set('fw', 'SELECT * FROM dl ORDER BY seq', "
                                   "NULL::fw_result)" % feats)]
        for i, lr in enumerate(labels):
            ref = tuple(q(call, lr)[0])
            if not U.same(got[i], ref):
                problems.append("training as_of label jit %s %r: offline %r, request %r" % (jit, lr, got[i], ref))
        conn.commit()
    q("SET feature_ext.jit = on")
    conn.commit()
    return c, problems


def main():
    return U.run_seeds(__doc__, run_seed, "1-40", 55491, lambda n, nreq, nf, secs: (
        "from_sub_window differential: %d seeds, %d requests x jit on/off, offline (_batch, batch, training_set "
        "insertion / as_of) = replay; %d failed; %.1fs" % (n, nreq, nf, secs)))


if __name__ == "__main__":
    sys.exit(main())
