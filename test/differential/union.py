#!/usr/bin/env python3
"""Differential test of union windows (SPEC §4.1): random tables, random deployments.

For every seed: a main feature_store table and one or two union tables with
the same columns (the second sometimes declared in another column order, so
that its payloads differ and the JIT hands its windows to the interpreter),
a few keys, many equal times across and inside the tables, NULLs, and rows
inserted out of time order; the union tables are filled first.  A random
deployment: one union window, written either in the PostgreSQL dialect as a
window over `FROM (SELECT ... FROM m UNION ALL SELECT ... FROM u1 ...) u` or
with the modifiers (`feature_ext.window_union(...)`, sometimes
`feature_ext.instance_not_in_window()`), a random ROWS / RANGE / GROUPS frame
with offsets and EXCLUDE, and random features (aggregates, FILTER,
string_agg, lag, first_value / last_value, row_number, rank).  In about
four seeds of ten a union table computes v and / or f from its own row
(`v * 2 + 1`, `coalesce(f, v::float8)`, constants ...): the UNION ALL branch's
expression, or window_union's column list 'k, ts, v * 2 + 1 AS v, f, seq'.
About a third of the seeds also LAST JOIN a table dj on the request's key (filled
before the requests, ties on its order column, with or without a time
condition or a condition on its column x) and output joined columns and a
joined value mixed with a window count; the reference adds the same LATERAL
lookup for the request row, ties broken by the row inserted last.

Each row of the main table is requested and then inserted (OpenMLDB's
protocol).  Every request (jit on and jit off), every row of <name>_batch()
over the main table, and every row of training_set() over random label rows
is compared with PostgreSQL's own window executor over the same rows in the
documented tie order (docs/DEPLOY.md, "Union windows": ascending, at equal
times the last union table's rows first, ..., the first union table's, the
main table's, each oldest inserted first, the request last).  Floats with a
relative tolerance of 1e-9 (the interpreter and PostgreSQL add in the same
order: equal in practice), everything else exactly.

  python3 test/differential/union.py                 seeds 1..60
  python3 test/differential/union.py --seeds 1-500   a range
  python3 test/differential/union.py --seed 17 -v    one seed, with its SQL
  python3 test/differential/union.py --port 5432     a running server (/tmp socket)
"""
import argparse
import math
import os
import random
import re
import sys
import time

try:
    import psycopg
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test"))
import pgserver  # noqa: E402  (the throwaway server)
COLS = ["k", "ts", "v", "f", "seq"]
TYPES = {"k": "text", "ts": "bigint", "v": "integer", "f": "double precision", "seq": "integer"}


def start_server(port):
    return pgserver.start_server(port, "feature_ext.union.")


free_port = pgserver.free_port


FRAMES = [
    "ROWS BETWEEN {n} PRECEDING AND CURRENT ROW",
    "ROWS BETWEEN {n} PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW",
    "ROWS BETWEEN {n} PRECEDING AND {m} PRECEDING",
    "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
    "ROWS BETWEEN {n} PRECEDING AND CURRENT ROW EXCLUDE TIES",
    "ROWS BETWEEN {n} PRECEDING AND CURRENT ROW EXCLUDE GROUP",
    "RANGE BETWEEN {r} PRECEDING AND CURRENT ROW",
    "RANGE BETWEEN {r} PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW",
    "RANGE BETWEEN {r} PRECEDING AND {s} PRECEDING",
    "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP",
    "GROUPS BETWEEN {n} PRECEDING AND CURRENT ROW",
    "GROUPS BETWEEN {n} PRECEDING AND {m} PRECEDING",
]
V_EXPRS = ["v * 2 + 1", "coalesce(v, -1)", "abs(v - 50)", "CASE WHEN f > 0 THEN v END", "7", "length(k) + v"]
F_EXPRS = ["f * 0.5", "coalesce(f, v::float8)", "f + v", "1.5::float8", "round(f)", "(ts / 10)::float8"]
FEATURES = [
    "sum(v) OVER w", "count(*) OVER w", "count(v) OVER w", "max(v) OVER w", "min(f) OVER w", "avg(f) OVER w",
    "sum(f) OVER w", "string_agg(v::text, ',') OVER w", "sum(f) FILTER (WHERE v > 40) OVER w",
    "lag(v) OVER w", "lag(v, 2) OVER w", "first_value(v) OVER w", "last_value(f) OVER w", "row_number() OVER w",
    "rank() OVER w", "max(v + 1) OVER w", "count(*) FILTER (WHERE f IS NULL) OVER w", "nth_value(v, 2) OVER w",
]


class Case:
    def __init__(self, seed):
        rnd = random.Random(seed)
        self.seed = seed
        self.nunion = rnd.choice([1, 1, 2])
        self.reorder = self.nunion == 2 and rnd.random() < 0.5  # u2 with another column order
        self.form = rnd.choice(["unionall", "modifier", "modifier"])
        self.no_instance = self.form == "modifier" and rnd.random() < 0.25
        keys = ["a", "b", "c"][:rnd.choice([1, 2, 3])]
        span = rnd.choice([5, 10, 30])
        self.seqn = 0

        def row():
            self.seqn += 1
            return [rnd.choice(keys), rnd.randrange(span) * 10, None if rnd.random() < 0.1 else rnd.randrange(100),
                    None if rnd.random() < 0.1 else round(rnd.uniform(-50, 50), 3), self.seqn]
        self.unions = [[row() for _ in range(rnd.randrange(5, 25))] for _ in range(self.nunion)]
        self.main = [row() for _ in range(rnd.randrange(8, 30))]
        self.labels = [row() for _ in range(6)]
        n = rnd.randrange(0, 6)
        frame = rnd.choice(FRAMES).format(n=n, m=rnd.randrange(0, n + 1), r=rnd.choice([0, 10, 20, 50]),
                                          s=rnd.choice([0, 10]))
        frame = re.sub(r"RANGE BETWEEN (\d+) PRECEDING AND (\d+) PRECEDING",
                       lambda mm: "RANGE BETWEEN %s PRECEDING AND %s PRECEDING" % (
                           max(mm.group(1), mm.group(2), key=int), min(mm.group(1), mm.group(2), key=int)), frame)
        frame = re.sub(r"(ROWS|GROUPS) BETWEEN (\d+) PRECEDING AND (\d+) PRECEDING",
                       lambda mm: "%s BETWEEN %s PRECEDING AND %s PRECEDING" % (
                           mm.group(1), max(mm.group(2), mm.group(3), key=int), min(mm.group(2), mm.group(3), key=int)),
                       frame)
        self.frame = frame
        self.feats = rnd.sample(FEATURES, rnd.randrange(2, 6))
        # About 35% of the seeds (drawn from a generator of their own: the
        # others' cases are as before) also LAST JOIN a table dj (its own
        # columns, filled before the requests, ties on jts broken by the row
        # inserted last) on the request's key, with or without a time
        # condition, and output joined columns beside the union window's
        # features and mixed with them.
        jrnd = random.Random(seed * 31 + 7)
        self.join = None
        if jrnd.random() < 0.35:
            self.join = {"cond": jrnd.choice(["", " AND dj.jts <= {t}.ts", " AND dj.jts < {t}.ts AND dj.x > 10",
                                              " AND dj.x IS NOT NULL"]),
                         "ordered": jrnd.random() < 0.7,
                         "outs": jrnd.sample(["j.x AS jx", "j.jts AS jts", "j.jseq AS jseq",
                                              "coalesce(j.x, -1) * 1000 + count(*) OVER w AS jmix"],
                                             jrnd.randrange(1, 4))}
            self.jrows = [[jrnd.choice(keys + ["z"]), jrnd.randrange(span) * 10 + jrnd.choice([0, 0, 5]),
                           None if jrnd.random() < 0.15 else jrnd.randrange(30), n + 1]
                          for n in range(jrnd.randrange(5, 30))]
            if self.form == "unionall":  # (the join reads the deployment's table: the modifier form)
                self.form = "modifier"
        # computed union columns: per union table, v and f sometimes an
        # expression of the table's row (the UNION ALL branch's expression /
        # window_union's 'expr AS v'), evaluated per union row as it is read
        self.comp = [{"v": rnd.choice([None, None] + V_EXPRS), "f": rnd.choice([None, None] + F_EXPRS)}
                     if rnd.random() < 0.4 else {"v": None, "f": None} for _ in range(self.nunion)]

    def computed(self):
        return any(c["v"] or c["f"] for c in self.comp)

    def branch_cols(self, j, alias):
        """The column list of union table j: k, ts, v, f, seq, computed ones as expressions."""
        c = self.comp[j]
        out = ["k", "ts"]
        for col in ("v", "f"):
            out.append(("%s AS %s" % (c[col], col) if alias else c[col]) if c[col] else col)
        return ", ".join(out + ["seq"])

    def tables(self):
        return ["dm"] + ["du%d" % (j + 1) for j in range(self.nunion)]

    def join_sql(self, t, native):
        """The LAST JOIN of dj for the row of table (alias) t."""
        j = self.join
        order = " ORDER BY dj.jts DESC" if j["ordered"] else ""
        if native:
            order = " ORDER BY dj.jts DESC, dj.jseq DESC"
        return (" LEFT JOIN LATERAL (SELECT dj.x, dj.jts, dj.jseq FROM dj WHERE dj.jk = %s.k%s%s LIMIT 1) j ON true"
                % (t, j["cond"].format(t=t), order))

    def deploy_sql(self):
        fl = ", ".join("%s AS f%d" % (f, i) for i, f in enumerate(self.feats))
        if self.join:
            fl += ", " + ", ".join(self.join["outs"])
        if self.form == "unionall":
            src = " UNION ALL ".join("SELECT %s FROM %s" % ("k, ts, v, f, seq" if j == 0 else self.branch_cols(j - 1, False), t)
                                     for j, t in enumerate(self.tables()))
            return "SELECT %s FROM (%s) u WINDOW w AS (PARTITION BY k ORDER BY ts %s)" % (fl, src, self.frame)
        mods = "".join(", feature_ext.window_union('%s'::regclass%s)" % (
            t, ", '%s'" % self.branch_cols(j, True).replace("'", "''") if self.comp[j]["v"] or self.comp[j]["f"] else "")
            for j, t in enumerate(self.tables()[1:]))
        if self.no_instance:
            mods += ", feature_ext.instance_not_in_window()"
        return "SELECT %s FROM dm%s WINDOW w AS (PARTITION BY k%s ORDER BY ts %s)" % (
            fl, self.join_sql("dm", False) if self.join else "", mods, self.frame)

    def native_sql(self, main_filter):
        """The reference for one row: $1..$5 = its k, ts, v, f, seq."""
        fl = ", ".join("%s AS f%d" % (f, i) for i, f in enumerate(self.feats))
        parts = ["SELECT $1::text AS k, $2::bigint AS ts, $3::int AS v, $4::float8 AS f, $5::int AS seq, 0 AS src"]
        if not self.no_instance:
            parts.append("SELECT k, ts, v, f, seq, 1 FROM dm WHERE k = $1 AND ts <= $2 AND " + main_filter)
        for j, t in enumerate(self.tables()[1:]):
            parts.append("SELECT %s, %d FROM %s WHERE k = $1 AND ts <= $2" % (self.branch_cols(j, False), j + 2, t))
        outs = ", ".join("y.f%d" % i for i in range(len(self.feats)))
        join = ""
        if self.join:
            # the joined columns (and the mix, with the window's count) for the request row
            fl += ", count(*) OVER w AS fcnt"
            outs += ", " + ", ".join(re.sub(r"count\(\*\) OVER w", "y.fcnt", o) for o in self.join["outs"])
            join = self.join_sql("y", True)
        sql = ("SELECT %s FROM (SELECT %s, k, ts, src FROM (SELECT * FROM (%s) u ORDER BY ts, src DESC, seq) x "
               "WINDOW w AS (ORDER BY ts %s)) y%s WHERE src = 0" % (outs, fl, " UNION ALL ".join(parts), self.frame,
                                                                  join))
        return re.sub(r"\$(\d)", r"%(a\1)s", sql)  # psycopg's named placeholders


def same(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x is None or y is None:
            if not (x is None and y is None):
                return False
        elif isinstance(x, float) or isinstance(y, float):
            if math.isnan(x) or math.isnan(y):
                if not (math.isnan(x) and math.isnan(y)):
                    return False
            elif not (x == y or abs(x - y) <= 1e-9 * max(abs(x), abs(y))):
                return False
        elif x != y:
            return False
    return True


def run_seed(conn, seed, verbose):
    c = Case(seed)
    cur = conn.cursor()
    problems = []

    def q(sql, params=None):
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else None
    q("SELECT feature_ext.undeploy(name) FROM feature_ext.deployments WHERE name = 'public.ud'")
    q("DROP TABLE IF EXISTS dm, du1, du2, dj CASCADE")
    if c.join:
        q("CREATE TABLE dj (jk text, jts bigint NOT NULL, x int, jseq int) USING feature_store")
        q("CREATE INDEX ON dj USING skiplist (jk, jts)")
        for r in c.jrows:
            q("INSERT INTO dj VALUES (%s, %s, %s, %s)", r)
    for t in c.tables():
        cols = list(COLS)
        if t == "du2" and c.reorder:
            cols = ["seq", "f", "v", "ts", "k"]
        q("CREATE TABLE %s (%s) USING feature_store" % (t, ", ".join("%s %s" % (x, TYPES[x]) for x in cols)))
        q("CREATE INDEX ON %s USING skiplist (k, ts)" % t)
    for j, rows in enumerate(c.unions):
        for r in rows:
            q("INSERT INTO du%d (k, ts, v, f, seq) VALUES (%%s, %%s, %%s, %%s, %%s)" % (j + 1), r)
    conn.commit()
    dsql = c.deploy_sql()
    if verbose:
        print("seed %s: %s" % (seed, dsql))
    q("SELECT feature_ext.deploy('ud', %s)", (dsql,))
    conn.commit()
    nf = len(c.feats) + (len(c.join["outs"]) if c.join else 0)
    native = c.native_sql("true")
    replay_requests(q, conn, c.main, native, "SELECT * FROM ud(%s, %s, %s, %s, %s)",
                    "INSERT INTO dm (k, ts, v, f, seq) VALUES (%s, %s, %s, %s, %s)", nf, problems)
    q("SET feature_ext.jit = on")
    # batch over dm in insertion order: each row against the rows of dm before it
    bat = q("SELECT * FROM ud_batch('SELECT * FROM dm ORDER BY seq')")
    nb = c.native_sql("seq < $5")
    for i, r in enumerate(c.main):
        args = named(r)
        ref = tuple(q(nb, args)[0][:nf])
        if not same(tuple(bat[i]), ref):
            problems.append("batch row %d %r: batch %r, native %r" % (i, r, tuple(bat[i]), ref))
    # training_set over label rows, as of each label's time
    q("DROP TABLE IF EXISTS dl")
    q("CREATE TABLE dl (k text, ts bigint, v int, f float8, seq int)")
    for r in c.labels:
        q("INSERT INTO dl VALUES (%s, %s, %s, %s, %s)", r)
    tr = q("SELECT * FROM feature_ext.training_set('ud', 'SELECT * FROM dl ORDER BY seq', NULL::ud_result)")
    for i, r in enumerate(c.labels):
        args = named(r)
        ref = tuple(q(native, args)[0][:nf])
        if not same(tuple(tr[i]), ref):
            problems.append("training_set row %d %r: %r, native %r" % (i, r, tuple(tr[i]), ref))
    conn.commit()
    return c, problems


def named(r):
    """A request row's values as the %(aN)s parameters of a native query."""
    return dict(("a%d" % (n + 1), v) for n, v in enumerate(r))


def replay_requests(q, conn, rows, native, call, insert, nf, problems):
    """Each row as a request (JIT on and off) against the native query (its
    first nf columns), then stored: the request replay of the differentials
    built on this module."""
    for i, r in enumerate(rows):
        ref = tuple(q(native, named(r))[0][:nf])
        for jit in ("on", "off"):
            q("SET feature_ext.jit = " + jit)
            got = tuple(q(call, r)[0])
            if not same(got, ref):
                problems.append("request %d jit %s %r: deployed %r, native %r" % (i, jit, r, got, ref))
        q(insert, r)
        conn.commit()


def run_seeds(doc, run_seed, default_seeds, default_port, summary, tally=None):
    """The command line of the differentials built on this module (--seeds,
    --seed, -v, --port): a server started unless --port names one, each
    seed's run_seed(conn, seed, verbose) -> (case, problems) (verbose: its
    problems printed); tally(case), if given, counts more of it;
    summary(nseeds, nrequests, nfailed, seconds) is the closing line.
    Returns the exit code."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--seeds", default=default_seeds, help="a range a-b (default %s)" % default_seeds)
    ap.add_argument("--seed", type=int, default=None, help="one seed")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--port", type=int, default=None, help="use a running server on this port (/tmp socket)")
    args = ap.parse_args()
    if args.seed is not None:
        seeds = [args.seed]
    else:
        a, b = args.seeds.split("-")
        seeds = range(int(a), int(b) + 1)
    stop = None
    port = args.port
    if port is None:
        port = free_port(int(os.environ.get("FE_DIFF_PORT", str(default_port))))
        stop = start_server(port)
    t0 = time.time()
    failed = []
    nreq = 0
    try:
        conn = psycopg.connect(host="/tmp", port=port, user="postgres", dbname="postgres")
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS feature_ext")
            cur.execute("SET client_min_messages = warning")
        conn.commit()
        for s in seeds:
            try:
                c, problems = run_seed(conn, s, args.verbose or args.seed is not None)
            except psycopg.Error as e:
                conn.rollback()
                failed.append((s, ["error: %s %s" % (e.sqlstate, e.diag.message_primary)]))
                continue
            nreq += len(c.main)
            if tally:
                tally(c)
            if problems:
                failed.append((s, problems))
                if args.verbose or args.seed is not None:
                    for p in problems[:10]:
                        print("  " + p)
        conn.close()
    finally:
        if stop:
            stop()
    for s, p in failed:
        print("FAIL seed %s: %s" % (s, p[0]))
    print(summary(len(seeds), nreq, len(failed), time.time() - t0))
    return 1 if failed else 0


def main():
    counts = {"unionall": 0, "modifier": 0, "no_instance": 0, "reorder": 0, "join": 0, "computed": 0}

    def tally(c):
        counts[c.form] += 1
        counts["no_instance"] += c.no_instance
        counts["reorder"] += c.reorder
        counts["computed"] += c.computed()
        counts["join"] += c.join is not None

    return run_seeds(__doc__, run_seed, "1-60", 55471, lambda n, nreq, nf, secs: (
        "%d seeds (%d UNION ALL form, %d modifier form, %d INSTANCE_NOT_IN_WINDOW, %d with a reordered union "
        "table, %d with a LAST JOIN too, %d with computed union columns), %d requests x jit on/off + batch + "
        "training_set; %d failed; %.1fs"
        % (n, counts["unionall"], counts["modifier"], counts["no_instance"], counts["reorder"],
           counts["join"], counts["computed"], nreq, nf, secs)), tally)

if __name__ == "__main__":
    sys.exit(main())
