#!/usr/bin/env python3
"""Bounded fuzz run: random and mutated deployments, index options, odd calls.

Issue "Safe to install in a shared database": no input a database user can
type may crash the server, hang a backend or raise an internal error.  This
script starts its own throwaway server (as test/differential/run.py does: the
postgres OS user when run as root, a temporary data directory, a free port
from 55460 or $FE_FUZZ_PORT, socket in /tmp, test/regress.conf), creates the extension, a
non-superuser role `fuzzer` with schemas of its own, and for a bounded time
runs statements drawn from a seeded random.Random over two autocommit
connections (postgres and fuzzer):

  setup   random feature_store tables (int2/int4/int8/float4/float8/text/
          bool/timestamptz/date/numeric columns, odd column names) with
          skiplist indexes and random rows
  deploy  feature_ext.deploy(name, query, options): random window queries in
          the PostgreSQL dialect (ROWS/RANGE/GROUPS, offsets incl. huge and
          negative, EXCLUDE ..., feature_ext.maxsize(n) /
          exclude_current_time(), built-in and feature_ext aggregates,
          FILTER, expressions, window functions, OVER (w ...)) and in the
          OpenMLDB dialect (ROWS_RANGE with units, OPEN, MAXSIZE, EXCLUDE
          CURRENT_ROW / CURRENT_TIME, backquotes, ==, "text"), a quarter of
          them mutated token- or byte-wise; odd names and options
  index   CREATE INDEX ... USING skiplist and ALTER INDEX with random and
          mutated WITH (ttl, ttl_rows, ttl_type, ttl_clock, ...) option sets
  call    deployed functions called with NULLs, extreme numbers, NaN,
          Infinity, empty and huge strings, far-past / far-future times,
          positionally, by name, with ROW(...)::table, through _batch(),
          feature_ext.batch(), LATERAL, PREPARE / EXECUTE, in transactions
  ddl     ADD / DROP (CASCADE) / ALTER TYPE / RENAME columns, RENAME / SET
          SCHEMA / SET ACCESS METHOD / DROP ... CASCADE and re-create tables,
          TRUNCATE, DROP INDEX, REINDEX, VACUUM FULL, CLUSTER, RLS, ...
  dml     INSERT (single and bulk), UPDATE, DELETE of random rows
  misc    index_scan, index_stats, memory_usage, run_gc, run_retention,
          explain, undeploy, SET feature_ext.jit

Every statement runs under statement_timeout (5 s).  An error with any
SQLSTATE but XX000/XX001/XX002 is expected and counted.  Failures:
  internal  SQLSTATE XX000 / XX001 / XX002 (the run goes on, at most 10)
  crash     the connection dropped or the server went away (stops the run;
            the server log's tail is printed)
  hang      a statement still running statement_timeout + 10 s later, or
            the server not answering (stops the run)
and, after the run, PANIC / "terminated by signal" / TRAP lines in the
server log.  Each failure writes the last 30 statements (a script psql runs
as postgres: setup, SET ROLE switches, the statements with their outcomes)
to /tmp/feature_ext_fuzz.<seed>.<n>.sql and prints its path; the whole
statement log of a failing run is kept beside it (.full.sql).
Exit status 0 only without failures.  FE_FUZZ_SELFTEST=internal|crash|hang
injects one such failure after 200 statements (the run must then fail).

  python3 test/security/fuzz.py                   seed 20261130, 60 s (CI)
  python3 test/security/fuzz.py --seed 3 --seconds 120
  python3 test/security/fuzz.py --long            600 s from a random seed (printed)
  python3 test/security/fuzz.py --port 5432       a running server (no log checks)
"""
import argparse
import collections
import json
import os
import random
import re
import signal
import sys
import time
import traceback

try:
    import psycopg
except ImportError:  # e.g. a pyenv python3 without Debian's python3-psycopg
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test"))
import pgserver  # noqa: E402  (the throwaway server)
DEFAULT_SEED = 20261130
STATEMENT_TIMEOUT = 5          # seconds, server side
HANG_GRACE = 10                # a statement running STATEMENT_TIMEOUT + HANG_GRACE s is a hang
FAIL_STATES = {"XX000", "XX001", "XX002"}
MAX_INTERNAL = 10              # internal errors recorded before the run stops
REPRO_STATEMENTS = 30
FIRST_PORT = int(os.environ.get("FE_FUZZ_PORT", "55460"))  # the first port tried (free ones upward)
ROLES = ("fuzzer", "postgres")

TYPES = ["int2", "int4", "int8", "float4", "float8", "text", "bool", "timestamptz", "date", "numeric"]
NUMERIC = {"int2", "int4", "int8", "float4", "float8", "numeric"}
INTEGER = {"int2", "int4", "int8"}
KEY_TYPES = ["int2", "int4", "int8", "text", "text", "bool", "date", "timestamptz"]
ORDER_TYPES = ["timestamptz", "timestamptz", "date", "int8", "int8", "int4", "int2"]
CATE_TYPES = {"int2", "int4", "int8", "date", "timestamptz", "text"}


# ---------------------------------------------------------------- server
def free_port():
    port = pgserver.free_port(FIRST_PORT, 100)
    if port == FIRST_PORT and (os.path.exists("/tmp/.s.PGSQL.%d" % port) or os.path.exists("/tmp/.s.PGSQL.%d.lock" % port)):
        sys.exit("no free port from %d" % FIRST_PORT)
    return port


class Server(pgserver.Server):
    def __init__(self):
        super().__init__(free_port(), "feature_ext.fuzz.")

    def start(self):
        return super().start("log_min_messages = log\nrestart_after_crash = off\n")

    def stop(self, keep_log=None):
        super().stop("immediate", keep_log)


# ---------------------------------------------------------------- SQL text helpers
def qi(name):
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        return name
    return '"%s"' % name.replace('"', '""')


def lit(s):
    return "'%s'" % s.replace("'", "''")


class Col:
    def __init__(self, name, typ):
        self.name, self.typ = name, typ


class Index:
    def __init__(self, name, keys, order, include):
        self.name, self.keys, self.order, self.include = name, keys, order, include

    def held(self, table):
        names = set(self.keys) | {self.order} | set(self.include or [c.name for c in table.cols])
        return [c for c in table.cols if c.name in names]


class Table:
    def __init__(self, schema, name, cols, keys, order):
        self.schema, self.name, self.cols, self.keys, self.order = schema, name, cols, keys, order
        self.indexes = []
        self.ncols = len(cols)

    def q(self):
        return "%s.%s" % (qi(self.schema), qi(self.name))

    def col(self, name):
        for c in self.cols:
            if c.name == name:
                return c
        return None

    def iq(self, ix):
        return "%s.%s" % (qi(self.schema), qi(ix.name))


class Dep:
    def __init__(self, name, table):
        self.name, self.table = name, table
        self.misses = 0

    def fn(self, suffix=""):
        parts = self.name.split(".")
        return ".".join(qi(p) for p in parts[:-1] + [parts[-1] + suffix])


# ---------------------------------------------------------------- values
ODD = {
    "int2": ["32767", "-32768", "0", "-1"],
    "int4": ["2147483647", "-2147483648", "0", "-1"],
    "int8": ["9223372036854775807", "-9223372036854775808", "0", "-1"],
    "float4": ["'NaN'", "'Infinity'", "'-Infinity'", "3.4e38", "'-0'", "1e-45"],
    "float8": ["'NaN'", "'Infinity'", "'-Infinity'", "1.7976931348623157e308", "'-0'", "5e-324", "-1e300"],
    "numeric": ["'NaN'", "'Infinity'", "'-Infinity'", "1e1000", "-1e-1000", "0", "99999999999999999999999999"],
    "text": ["''", "repeat('x', 70000)", "'k0'", "'\\'", "''''", "'é ü 日本 🙂'", "repeat('ab,c:d', 3000)",
             "' '", "'NULL'", "chr(1)"],
    "bool": ["true", "false"],
    "timestamptz": ["'infinity'", "'-infinity'", "'4713-01-01 00:00:00+00 BC'", "'294276-12-31 23:59:59+00'",
                    "'epoch'", "now()", "'2000-01-01'", "now() + interval '100 years'"],
    "date": ["'infinity'", "'-infinity'", "'4713-01-01 BC'", "'5874897-12-31'", "'epoch'", "current_date"],
}


class Gen:
    """The random statement generators (all draws from one seeded Random)."""

    def __init__(self, rng):
        self.rng = rng

    def chance(self, p):
        return self.rng.random() < p

    def choice(self, xs):
        return self.rng.choice(xs)

    # values ---------------------------------------------------------
    def normal(self, typ, role="val"):
        r = self.rng
        if role == "key":
            return {"int2": str(r.randint(1, 4)), "int4": str(r.randint(1, 4)), "int8": str(r.randint(1, 4)),
                    "text": "'k%d'" % r.randint(0, 3), "bool": r.choice(["true", "false"]),
                    "date": "'2026-01-0%d'" % r.randint(1, 4),
                    "timestamptz": "'2026-01-01 00:0%d:00+00'" % r.randint(0, 3)}.get(typ, str(r.randint(1, 4)))
        if role == "order":
            back = r.choice([0, 1, 5, 60, 3600, 86400, 86400 * 40])
            if typ == "timestamptz":
                return "now() - interval '%d seconds'" % back
            if typ == "date":
                return "current_date - %d" % (back // 86400)
            if typ == "int8":
                return "(extract(epoch from now()) * 1000)::int8 - %d" % (back * 1000)
            if typ in INTEGER:
                return str(r.randint(0, 2000))
        if typ in INTEGER:
            return str(r.randint(-100, 100))
        if typ in ("float4", "float8", "numeric"):
            return repr(round(r.uniform(-1000, 1000), r.choice([0, 2, 6])))
        if typ == "text":
            return r.choice(["'a'", "'b,c'", "'x:1,y:2'", "'k%d'" % r.randint(0, 3), "'v%d'" % r.randint(0, 99)])
        if typ == "bool":
            return r.choice(["true", "false"])
        if typ == "timestamptz":
            return "now() - interval '%d minutes'" % r.randint(0, 5000)
        if typ == "date":
            return "current_date - %d" % r.randint(0, 100)
        return "NULL"

    def odd(self, typ):
        if self.chance(0.25):
            return "NULL"
        return self.choice(ODD.get(typ, ["NULL"]))

    def value(self, col, table, p_odd=0.1, cast=True):
        role = "key" if col.name in table.keys else "order" if col.name == table.order else "val"
        v = self.odd(col.typ) if self.chance(p_odd) else self.normal(col.typ, role)
        if cast and (v.startswith("'") or v == "NULL" or self.chance(0.3)):
            return "(%s)::%s" % (v, col.typ)
        if not cast and not re.fullmatch(r"'[^']*'|[\w.]+|NULL", v):
            return "(%s)" % v
        return v

    def row(self, table, p_odd=0.1, cast=True):
        return [self.value(c, table, p_odd, cast) for c in table.cols]

    # names ----------------------------------------------------------
    def colname(self, n):
        if self.chance(0.06):
            return self.choice(['Odd "Col"%d' % n, "select%d" % n, "a b%d" % n, "Ümlaut%d" % n, "x.y%d" % n])
        return "c%d" % n

    # index options --------------------------------------------------
    def index_opts(self, wild=False):
        r = self.rng
        opts = []
        kind = r.choice(["none", "abs", "lat", "absorlat", "absandlat", "abs", "absorlat"])
        ttl = r.choice(["'30 days'", "'1h'", "'90m'", "'12h'", "'1 day'", "'7 days'", "'3650 days'"])
        rows = str(r.choice([1, 2, 3, 5, 10, 100, 1000]))
        if kind == "abs":
            opts.append(("ttl", ttl))
            if self.chance(0.3):
                opts.append(("ttl_type", "'absolute'"))
        elif kind == "lat":
            opts.append(("ttl_rows", rows))
            if self.chance(0.3):
                opts.append(("ttl_type", "'latest'"))
        elif kind in ("absorlat", "absandlat"):
            opts += [("ttl", ttl), ("ttl_rows", rows), ("ttl_type", "'%s'" % kind)]
        if self.chance(0.2):
            opts.append(("ttl_clock", r.choice(["'event'", "'wall'"])))
        if wild or self.chance(0.1):
            for _ in range(r.randint(1, 3)):
                key = r.choice(["ttl", "ttl_rows", "ttl_type", "ttl_clock", "ttl", "ttl_rows", "foo", "retention",
                                "fillfactor", "TTL", "ttl_rows_", ""])
                val = r.choice(["'-1 day'", "'5'", "5", "''", "'abc'", "-1", "0", "2147483648",
                                "9223372036854775808", "1e30", "'NaN'", "'latest'", "'ABSOLUTE'", "'foo'",
                                "'event'", "'0 s'", "'1000000000 years'", "'178000000 years'", "'-infinity'",
                                "'1 mon'", "'1 ms'", "'1 us'", "true", "'%s'" % ("9" * 40), None])
                entry = (key, val)
                if self.chance(0.5) and opts:
                    opts[r.randrange(len(opts))] = entry
                else:
                    opts.append(entry)
        if not opts:
            return ""
        parts = []
        for k, v in opts:
            k = k if re.fullmatch(r"[a-z_]+", k) else '"%s"' % k
            parts.append(k if v is None else "%s = %s" % (k, v))
        return " WITH (%s)" % ", ".join(parts)

    # frames ---------------------------------------------------------
    def pg_offset(self, mode, order_typ):
        r = self.rng
        if mode == "RANGE" and order_typ in ("timestamptz", "timestamp", "date"):
            if self.chance(0.05):
                return r.choice(["5", "NULL", "'1 day'"])
            return "INTERVAL '%s'" % r.choice(["1 day", "10 minutes", "0", "1 hour", "30 days", "-1 hour",
                                               "1000000 years", "178000000 years", "1 mon", "1 mon 1 day 1 sec",
                                               "1 microsecond", "100 years"])
        if self.chance(0.04):
            return r.choice(["-1", "99999999999999999999", "NULL", "2.5", "'3'", "1e30", "(1+1)", "c0"])
        if mode == "RANGE":
            return str(r.choice([0, 1, 10, 1000, 60000, 86400000, 2147483647, 9223372036854775807]))
        return str(r.choice([0, 1, 2, 3, 5, 10, 100, 1000, 2147483647, 9223372036854775807]))

    def pg_frame(self, order_typ):
        r = self.rng
        if self.chance(0.08):
            return ""
        mode = r.choice(["ROWS", "ROWS", "RANGE", "RANGE", "GROUPS"])
        off = lambda: self.pg_offset(mode, order_typ)  # noqa: E731
        s = r.random()
        if s < 0.15:
            frame = "%s %s" % (mode, r.choice(["UNBOUNDED PRECEDING", "CURRENT ROW", "%s PRECEDING" % off()]))
        else:
            start = r.choice(["UNBOUNDED PRECEDING", "P", "P", "CURRENT ROW"])
            end = r.choice(["CURRENT ROW", "CURRENT ROW", "P"]) if start != "CURRENT ROW" else "CURRENT ROW"
            if start == "P" and end == "P":  # end no further back than start (mostly)
                a, b = off(), off()
                if a.isdigit() and b.isdigit() and int(b) > int(a) and self.chance(0.9):
                    a, b = b, a
                start, end = "%s PRECEDING" % a, "%s PRECEDING" % b
            start = "%s PRECEDING" % off() if start == "P" else start
            end = "%s PRECEDING" % off() if end == "P" else end
            if self.chance(0.04):
                start = r.choice(["%s FOLLOWING" % off(), "UNBOUNDED FOLLOWING"])
            if self.chance(0.04):
                end = r.choice(["%s FOLLOWING" % off(), "UNBOUNDED FOLLOWING", "UNBOUNDED PRECEDING"])
            frame = "%s BETWEEN %s AND %s" % (mode, start, end)
        if self.chance(0.4):
            frame += " EXCLUDE " + r.choice(["CURRENT ROW", "GROUP", "TIES", "NO OTHERS"])
        return frame

    # expressions over the held columns --------------------------------
    def pick(self, cols, kinds=None):
        c = [x for x in cols if kinds is None or x.typ in kinds]
        if not c or self.chance(0.03):
            c = cols
        return self.choice(c)

    def cref(self, cols, kinds=None, alias=""):
        c = self.pick(cols, kinds)
        name = alias + qi(c.name)
        if kinds is not None and c.typ not in kinds and self.chance(0.9):  # no such column: an expression of the kind
            if kinds & NUMERIC:
                return "length(%s::text)" % name, Col(c.name, "int4")
            return "%s::text" % name, Col(c.name, "text")
        return name, c

    def cond(self, cols, alias=""):
        r = self.rng
        if not cols:
            return "true"
        name, c = self.cref(cols, None, alias)
        if self.chance(0.1):
            return r.choice(["true", "false", "NULL::bool", "random() > 2"])
        if c.typ in NUMERIC:
            e = r.choice(["%s > 0", "%s < 10", "%s IS NULL", "%s = 'NaN'", "%s <> 3", "%s >= -1e300"]) % name
            if c.typ in INTEGER and self.chance(0.3):
                e = "%s %% 2 = 0" % name
        elif c.typ == "text":
            e = r.choice(["%s = 'k0'", "%s <> ''", "%s IS NOT NULL", "length(%s) > 1", "%s LIKE 'k%%'"]) % name
        elif c.typ == "bool":
            e = r.choice(["%s", "NOT %s", "%s IS TRUE"]) % name
        else:
            e = r.choice(["%s IS NULL", "%s > '2000-01-01'", "%s < 'infinity'"]) % name
        if self.chance(0.2):
            e = "(%s %s %s)" % (e, r.choice(["AND", "OR"]), self.cond(cols, alias))
        return e

    def num_const(self):
        return self.choice(["0", "1", "2", "3", "10", "-1", "2147483647", "9223372036854775807", "NULL::bigint",
                            "1", "2"])

    def pg_agg(self, cols, alias=""):
        """An aggregate or window function call (before OVER); window-function-ness."""
        r = self.rng
        N = lambda: self.cref(cols, NUMERIC, alias)[0]  # noqa: E731
        I = lambda: self.cref(cols, INTEGER, alias)[0]  # noqa: E731
        F8 = lambda: N() + "::float8"  # noqa: E731
        A = lambda: self.cref(cols, None, alias)[0]  # noqa: E731
        T = lambda: (lambda n_c: n_c[0] if n_c[1].typ == "text" else n_c[0] + "::text")(self.cref(cols, {"text"}, alias))  # noqa: E731,E501
        CAT = lambda: self.cref(cols, CATE_TYPES, alias)[0]  # noqa: E731
        C = lambda: self.cond(cols, alias)  # noqa: E731
        K = self.num_const
        fe = "feature_ext."
        aggs = [
            lambda: "count(*)", lambda: "count(%s)" % A(), lambda: "sum(%s)" % N(), lambda: "avg(%s)" % N(),
            lambda: "min(%s)" % A(), lambda: "max(%s)" % A(), lambda: "string_agg(%s, ',')" % T(),
            lambda: "stddev(%s)" % N(), lambda: "variance(%s)" % N(), lambda: "bool_or(%s)" % C(),
            lambda: "every(%s)" % C(), lambda: "array_agg(%s)" % A(), lambda: "jsonb_agg(%s)" % A(),
            lambda: "bit_or(%s)" % I(), lambda: "sum(%s * 2 + 1)" % N(), lambda: "max(%s / 3)" % N(),
            lambda: "min(-%s)" % N(), lambda: "count(*)", lambda: "sum(%s)" % I(), lambda: "avg(%s)" % I(),
            lambda: "sum(%s::int8 * %s)" % (I(), K()), lambda: "avg(%s)" % N(),
            lambda: fe + "count_where(%s, %s)" % (A(), C()), lambda: fe + "count_where(%s)" % C(),
            lambda: fe + "sum_where(%s, %s)" % (N(), C()), lambda: fe + "avg_where(%s, %s)" % (F8(), C()),
            lambda: fe + "min_where(%s, %s)" % (N(), C()), lambda: fe + "max_where(%s, %s)" % (N(), C()),
            lambda: fe + "distinct_count(%s)" % A(), lambda: fe + "entropy(%s)" % A(),
            lambda: fe + "nth_value_where(%s, %s, %s)" % (A(), K(), C()), lambda: fe + "at(%s, %s)" % (A(), K()),
            lambda: fe + "latest_value(%s)" % A(), lambda: fe + "top1_ratio(%s)" % A(),
            lambda: fe + "topn_frequency(%s, %s)" % (A(), K()), lambda: fe + "top(%s, %s)" % (A(), K()),
            lambda: fe + "count_cate(%s, %s)" % (A(), CAT()), lambda: fe + "sum_cate(%s, %s)" % (I(), CAT()),
            lambda: fe + "avg_cate(%s, %s)" % (F8(), CAT()), lambda: fe + "min_cate(%s, %s)" % (I(), CAT()),
            lambda: fe + "max_cate(%s, %s)" % (N(), CAT()),
            lambda: fe + "count_cate_where(%s, %s, %s)" % (A(), C(), CAT()),
            lambda: fe + "sum_cate_where(%s, %s, %s)" % (N(), C(), CAT()),
            lambda: fe + "avg_cate_where(%s, %s, %s)" % (F8(), C(), CAT()),
            lambda: fe + "top_n_key_count_cate_where(%s, %s, %s, %s)" % (A(), C(), CAT(), K()),
            lambda: fe + "top_n_value_count_cate_where(%s, %s, %s, %s)" % (A(), C(), CAT(), K()),
            lambda: fe + "top_n_key_sum_cate_where(%s, %s, %s, %s)" % (I(), C(), CAT(), K()),
            lambda: fe + "top_n_value_max_cate_where(%s, %s, %s, %s)" % (N(), C(), CAT(), K()),
            lambda: fe + "top_n_key_avg_cate_where(%s, %s, %s, %s)" % (F8(), C(), CAT(), K()),
            lambda: fe + "top_n_value_min_cate_where(%s, %s, %s, %s)" % (I(), C(), CAT(), K()),
            lambda: fe + "top_n_key_ratio_cate(%s, %s, %s, %s)" % (A(), C(), CAT(), K()),
            lambda: fe + "top_n_value_ratio_cate(%s, %s, %s, %s)" % (A(), C(), CAT(), K()),
            lambda: fe + "median(%s)" % F8(),
            lambda: fe + "ew_avg(%s, %s)" % (F8(), r.choice(["0.5", "0", "1", "-1", "'NaN'", "2", "1e308"])),
            lambda: fe + "drawdown(%s)" % F8(), lambda: fe + "window_split(%s, ',')" % T(),
            lambda: fe + "window_split_by_key(%s, ',', ':')" % T(),
            lambda: fe + "window_split_by_value(%s, %s, ':')" % (T(), r.choice(["','", "''", "NULL"])),
            lambda: fe + "join(%s, %s)" % (T(), r.choice(["','", "''", "NULL", "repeat('-', 1000)"])),
        ]
        winfuncs = [
            lambda: "row_number()", lambda: "rank()", lambda: "dense_rank()", lambda: "percent_rank()",
            lambda: "cume_dist()", lambda: "ntile(%s)" % K(), lambda: "lag(%s)" % A(),
            lambda: "lag(%s, %s)" % (A(), K()), lambda: "lead(%s, %s)" % (A(), K()),
            lambda: "first_value(%s)" % A(), lambda: "last_value(%s)" % A(),
            lambda: "nth_value(%s, %s)" % (A(), K()), lambda: "lag(%s, 1, NULL)" % A(),
        ]
        if self.chance(0.15):
            return self.choice(winfuncs)(), True
        if self.chance(0.01):
            return "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)" % N(), False
        return self.choice(aggs)(), False

    def feature(self, cols, over, alias=""):
        r = self.rng
        call, is_wf = self.pg_agg(cols, alias)
        if not is_wf and self.chance(0.2):
            call += " FILTER (WHERE %s)" % self.cond(cols, alias)
        e = "%s OVER %s" % (call, over)
        if self.chance(0.2):
            e = r.choice(["coalesce(%s, 0) + 1", "(%s) * 2", "(%s)::text", "(%s) IS NULL", "(%s) / 0",
                          "nullif(%s, 0)", "-(%s)", "(%s) + %s" % ("%s", self.cref(cols, NUMERIC, alias)[0])]) % e
        return e

    # PostgreSQL dialect -----------------------------------------------
    def pg_query(self, t, ix):
        r = self.rng
        held = ix.held(t) or t.cols
        alias = ""
        src = t.q() if self.chance(0.6) or t.schema != "public" else qi(t.name)
        if self.chance(0.15):
            src += " AS a"
            alias = "a."
        order_c = t.col(ix.order)
        otyp = order_c.typ if order_c else "timestamptz"
        wins = []
        for j in range(r.randint(1, 3)):
            part = [alias + qi(k) for k in ix.keys]
            r.shuffle(part)
            if self.chance(0.05) and part:
                part.pop()
            if self.chance(0.05):
                part.append(self.cref(t.cols, None, alias)[0])
            if self.chance(0.15):
                part.insert(r.randint(0, len(part)), "feature_ext.maxsize(%s)" % (r.choice(
                    ["1", "3", "5", "2", "100"]) if self.chance(0.8) else r.choice(
                    ["0", "-1", "2147483647", "NULL", "c0", "1 + 1", "'2'", "2147483648"])))
            if self.chance(0.1):
                part.insert(r.randint(0, len(part)), "feature_ext.exclude_current_time()")
            order = alias + qi(ix.order)
            if self.chance(0.05):
                order += r.choice([" DESC", " NULLS FIRST", ", " + alias + qi(ix.order), " + 1", " USING <"])
            spec = ("PARTITION BY %s " % ", ".join(part) if part else "") + "ORDER BY %s" % order
            wins.append((spec, self.pg_frame(otyp)))
        feats = []
        for j in range(r.randint(1, 6) if not self.chance(0.02) else r.randint(30, 80)):
            w = r.randrange(len(wins))
            u = r.random()
            if u < 0.6:
                over = "w%d" % w
            elif u < 0.85 or wins[w][1] != "":
                over = "(%s %s)" % wins[w]
            else:
                over = "(w%d %s)" % (w, self.pg_frame(otyp) or "ROWS 1 PRECEDING")
            feats.append("%s AS x%d" % (self.feature(held, over, alias), j))
        if self.chance(0.3):
            feats.insert(0, alias + qi(self.choice(ix.keys)) if ix.keys else "1")
        if self.chance(0.05):
            feats.append(self.choice(["*", "%s + 1" % self.cref(held, NUMERIC, alias)[0], "now()", "random()"]))
        q = "SELECT %s FROM %s WINDOW %s" % (", ".join(feats), src, ", ".join(
            "w%d AS (%s %s)" % (j, w[0], w[1]) for j, w in enumerate(wins)))
        if self.chance(0.04):
            q = q.replace(" WINDOW ", self.choice([" WHERE %s WINDOW " % self.cond(t.cols, alias),
                                                   ", %s b WINDOW " % t.q(), " GROUP BY 1 WINDOW "]), 1)
        if self.chance(0.03):
            q += self.choice([" ORDER BY 1", " LIMIT 1", " UNION ALL SELECT 1", " FOR UPDATE"])
        return q

    # OpenMLDB dialect -------------------------------------------------
    def om_offset(self, mode, end=False):
        r = self.rng
        n = r.choice([0, 1, 2, 3, 5, 10, 100, 1000] if end else [1, 2, 3, 5, 10, 100, 1000, 100000])
        if self.chance(0.06):
            n = r.choice([2147483647, 2147483648, 9223372036854775807, 99999999999999999999, -1, 0])
        if mode == "ROWS":
            return str(n) if not self.chance(0.03) else "%dd" % n
        return "%d%s" % (n, r.choice(["", "s", "m", "h", "d", "d", "s"] + (["y", "ms"] if self.chance(0.1) else [])))

    def om_bound(self, mode, end=False):
        if self.chance(0.03):
            return self.choice(["UNBOUNDED PRECEDING", "CURRENT ROW", "1 FOLLOWING", "UNBOUNDED FOLLOWING"])
        if not end and self.chance(0.25):
            return "UNBOUNDED PRECEDING"
        if end and self.chance(0.6):
            return "CURRENT ROW"
        return "%s%s PRECEDING" % (self.om_offset(mode, end), " OPEN" if self.chance(0.25) else "")

    def om_query(self, t, ix):
        r = self.rng
        held = ix.held(t) or t.cols
        qstyle = r.choice(["", "", "`"])
        col = lambda c: ("`%s`" % c.name) if qstyle == "`" else c.name  # noqa: E731

        def cc(kinds=None):
            return col(self.pick(held, kinds))

        def ocond():
            c = self.pick(held)
            if c.typ in NUMERIC:
                return r.choice(["%s > 0", "%s < 10", "%s == 3", "%s %% 2 == 0", "%s != 1"]) % col(c)
            if c.typ == "text":
                return r.choice(['%s == "k0"', '%s != ""', "%s is null"]) % col(c)
            if c.typ == "bool":
                return col(c)
            return "%s is not null" % col(c)
        wins = []
        for j in range(r.randint(1, 2)):
            mode = r.choice(["ROWS", "ROWS_RANGE", "ROWS_RANGE"])
            frame = "%s BETWEEN %s AND %s" % (mode, self.om_bound(mode), self.om_bound(mode, True))
            if self.chance(0.25 if mode == "ROWS_RANGE" else 0.03):
                frame += " MAXSIZE %s" % r.choice(["1", "5", "0", "-1", "2147483648", "100"])
            ex = []
            if self.chance(0.3):
                ex.append("EXCLUDE CURRENT_ROW")
            if self.chance(0.3):
                ex.append("EXCLUDE CURRENT_TIME")
            if self.chance(0.03):
                ex.append("INSTANCE_NOT_IN_WINDOW")
            r.shuffle(ex)
            frame = " ".join([frame] + ex)
            if self.chance(0.2):
                frame = frame.lower()
            keys = [col(t.col(k) or Col(k, "text")) for k in ix.keys]
            head = "UNION %s " % t.q() if self.chance(0.03) else ""
            wins.append("w%d AS (%sPARTITION BY %s ORDER BY %s %s)" % (
                j, head, ", ".join(keys), col(t.col(ix.order) or Col(ix.order, "int8")), frame))
        K = lambda: str(r.choice([0, 1, 2, 3, -1, 2147483647, 100]))  # noqa: E731
        calls = [
            lambda: "sum(%s)" % cc(NUMERIC), lambda: "avg(%s)" % cc(NUMERIC), lambda: "count(%s)" % cc(),
            lambda: "min(%s)" % cc(), lambda: "max(%s)" % cc(), lambda: "count_where(%s, %s)" % (cc(), ocond()),
            lambda: "count_where(*, %s)" % ocond(), lambda: "sum_where(%s, %s)" % (cc(NUMERIC), ocond()),
            lambda: "avg_where(%s, %s)" % (cc(NUMERIC), ocond()), lambda: "min_where(%s, %s)" % (cc(NUMERIC), ocond()),
            lambda: "max_where(%s, %s)" % (cc(NUMERIC), ocond()), lambda: "distinct_count(%s)" % cc(),
            lambda: "first_value(%s)" % cc(), lambda: "last_value(%s, %s)" % (cc(), r.choice(["true", "false"])),
            lambda: "first_value(%s, true)" % cc(), lambda: "lag(%s, %s)" % (cc(), K()),
            lambda: "at(%s, %s)" % (cc(), K()), lambda: "count(*)",
            lambda: "top_n_key_count_cate_where(%s, %s, %s, %s)" % (cc(), ocond(), cc(CATE_TYPES), K()),
            lambda: "avg_cate(%s, %s)" % (cc(NUMERIC), cc(CATE_TYPES)),
            lambda: "ew_avg(%s, 0.5)" % cc(NUMERIC), lambda: "drawdown(%s)" % cc(NUMERIC),
        ]
        items = []
        if self.chance(0.3):
            items.append(cc())
        for j in range(r.randint(1, 5)):
            call = self.choice(calls)()
            if self.chance(0.1):
                call = call[:call.index("(")].upper() + call[call.index("("):]
            items.append("%s OVER w%d AS x%d" % (call, r.randrange(len(wins)), j))
        frm = t.q() if t.schema != "public" or self.chance(0.3) else qi(t.name)
        q = "select %s%s from %s window %s" % (", ".join(items), "," if self.chance(0.2) else "", frm,
                                                ", ".join(wins))
        if self.chance(0.03):
            q = q.replace(" window ", " last join %s order by %s on true window " % (t.q(), ix.order), 1)
        return q

    # mutation -----------------------------------------------------------
    TOKEN = re.compile(r"\s+|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\d+(?:\.\d+)?|\w+|.", re.S)
    JUNK = ["(", ")", ",", "'", '"', "`", ";", "\\", "$$", "--", "/*", "*/", "::", "[", "]", "%", "\u00e9",
            "\ufffd", "\x01", "\u202e", " "]
    WORDS = ["UNION", "LAST JOIN", "INSTANCE_NOT_IN_WINDOW", "FOLLOWING", "OPEN", "MAXSIZE 0", "EXCLUDE",
             "CURRENT_TIME", "WHERE", "GROUP BY", "LIMIT", "SELECT", "(SELECT 1)", "; DROP TABLE x", "ROWS_RANGE",
             "RANGE", "GROUPS", "PRECEDING", "OVER", "w0", "w9", "NULL", "*", "feature_ext.maxsize(0)",
             "DISTINCT", "ORDER BY", "PARTITION BY", "9223372036854775808", "-", "AND", "BETWEEN", "AS",
             "$1", "pg_sleep(1)", "WINDOW", "FILTER (WHERE true)", "COLLATE \"C\"", "::int2", "1d", "OPEN PRECEDING"]

    def mutate(self, q):
        r = self.rng
        toks = self.TOKEN.findall(q)
        for _ in range(r.randint(1, 3)):
            if not toks:
                break
            op = r.randrange(10)
            i = r.randrange(len(toks))
            if op == 0:
                del toks[i]
            elif op == 1:
                toks.insert(i, toks[i])
            elif op == 2:
                j = r.randrange(len(toks))
                toks[i], toks[j] = toks[j], toks[i]
            elif op == 3:
                nums = [k for k, tk in enumerate(toks) if tk[:1].isdigit()]
                if nums:
                    toks[r.choice(nums)] = r.choice(["99999999999999999999999", "-1", "0", "2147483648",
                                                     "9223372036854775807", "1e400", "-9223372036854775808"])
            elif op == 4:
                toks.insert(i, r.choice(self.JUNK))
            elif op == 5:
                toks.insert(i, " %s " % r.choice(self.WORDS))
            elif op == 6:
                words = [k for k, tk in enumerate(toks) if tk[:1].isalpha()]
                if words:
                    toks[r.choice(words)] = r.choice(self.WORDS)
            elif op == 7:  # byte flip
                s = "".join(toks)
                if s:
                    k = r.randrange(len(s))
                    s = s[:k] + chr(r.choice([32, 33, 34, 39, 40, 41, 44, 45, 48, 57, 96, 0x7f, 0xe9, 0x3000])
                                    or 32) + s[k + 1:]
                toks = self.TOKEN.findall(s)
            elif op == 8:
                toks = toks[:i]
            else:
                j = r.randrange(len(toks))
                toks[i:i] = toks[min(i, j):max(i, j)][:20]
        return "".join(toks)


# ---------------------------------------------------------------- the run
class Hang(Exception):
    pass


class Stop(Exception):
    pass


def on_alarm(signum, frame):
    raise Hang()


class Fuzzer:
    def __init__(self, args, port, server):
        self.args, self.port, self.server = args, port, server
        self.rng = random.Random(args.seed)
        self.g = Gen(self.rng)
        self.conns = {}
        self.log = collections.deque(maxlen=REPRO_STATEMENTS)
        self.full = []
        self.cur_role = "postgres"
        self.counts = collections.Counter()     # category -> statements
        self.ok = collections.Counter()         # category -> without error
        self.states = collections.Counter()     # SQLSTATE -> expected errors
        self.failures = []
        self.warnings = collections.Counter()
        self.all_warnings = collections.Counter()  # every WARNING the server sent (--verbose)
        self.msgs = collections.Counter()       # (category, SQLSTATE, message) -> expected errors (--verbose)
        self.tables = []
        self.deps = []
        self.n = 0
        self.setup_sql = []
        self.prepared = []
        self.gen_errors = 0
        self.trace = open(args.trace, "w") if args.trace else None

    # connections --------------------------------------------------------
    def connect(self, role):
        conn = psycopg.connect(host="/tmp", port=self.port, user=role, dbname="postgres", autocommit=True,
                               connect_timeout=10)
        # no automatic server-side preparation: every statement is sent as the
        # repro script shows it, and psycopg's DEALLOCATE ALL after a DROP or
        # ROLLBACK would remove the fuzzer's own PREPAREd statements
        conn.prepare_threshold = None
        conn.add_notice_handler(lambda d, role=role: self.notice(d))
        for s in ("SET statement_timeout = '%ds'" % STATEMENT_TIMEOUT, "SET lock_timeout = '%ds'" % STATEMENT_TIMEOUT,
                  "SET client_min_messages = warning", "SET TimeZone = 'UTC'"):
            conn.execute(s)
        return conn

    def notice(self, d):
        msg = d.message_primary or ""
        if d.severity == "WARNING":
            self.all_warnings[re.sub(r"\d+", "N", msg)[:120]] += 1
        if d.severity in ("WARNING",) and re.search(r"leak|not closed|still referenced|unexpected|corrupt", msg,
                                                    re.I):
            self.warnings[msg[:120]] += 1

    def setup(self):
        signal.signal(signal.SIGALRM, on_alarm)
        admin = self.connect("postgres")
        self.conns["postgres"] = admin
        stmts = ["CREATE EXTENSION IF NOT EXISTS feature_ext",
                 "DO $$BEGIN CREATE ROLE fuzzer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$",
                 "GRANT CREATE ON SCHEMA public TO fuzzer",
                 "CREATE SCHEMA IF NOT EXISTS fz_a AUTHORIZATION fuzzer",
                 "CREATE SCHEMA IF NOT EXISTS fz_b AUTHORIZATION fuzzer",
                 "ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT ALL ON TABLES TO fuzzer",
                 "SET statement_timeout = '%ds'" % STATEMENT_TIMEOUT, "SET lock_timeout = '%ds'" % STATEMENT_TIMEOUT,
                 "SET client_min_messages = warning", "SET TimeZone = 'UTC'"]
        for s in stmts:
            admin.execute(s)
        self.setup_sql = stmts
        self.conns["fuzzer"] = self.connect("fuzzer")

    def close(self):
        for c in self.conns.values():
            try:
                c.close()
            except Exception:
                pass

    # running one statement -------------------------------------------------
    def run(self, sql, cat, role=None):
        """Run sql; True when it succeeded.  Raises Stop after a crash, hang or too many failures."""
        if role is None:
            role = "fuzzer" if self.rng.random() < 0.75 else "postgres"
        conn = self.conns[role]
        self.last_state = None
        self.log.append((role, sql, None))
        self.full.append((role, sql))
        self.counts[cat] += 1
        outcome = "ok"
        signal.setitimer(signal.ITIMER_REAL, STATEMENT_TIMEOUT + HANG_GRACE)
        try:
            try:
                conn.execute(sql)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Hang:
            self.log[-1] = (role, sql, "HANG")
            alive = self.probe()
            self.fail("hang", sql, "no answer after %d s (statement_timeout %d s); server %s" % (
                STATEMENT_TIMEOUT + HANG_GRACE, STATEMENT_TIMEOUT, alive))
            raise Stop()
        except psycopg.Error as e:
            st = getattr(e, "sqlstate", None)
            if conn.closed or conn.broken or (st is None and isinstance(e, psycopg.OperationalError)) \
                    or (st or "").startswith("57P"):
                self.log[-1] = (role, sql, "CONNECTION LOST %s" % (st or ""))
                self.fail("crash", sql, "connection lost: %s %s" % (st or "-", str(e).strip()[:300]))
                raise Stop()
            msg = (e.diag.message_primary or str(e)).strip() if hasattr(e, "diag") else str(e)
            self.log[-1] = (role, sql, "ERROR %s: %s" % (st, msg[:200].replace("\n", " ")))
            self.last_state = st
            if st in FAIL_STATES:
                self.fail("internal", sql, "%s: %s" % (st, msg))
                if sum(1 for f in self.failures if f[0] == "internal") >= MAX_INTERNAL:
                    raise Stop()
            else:
                self.states[st or "client:" + type(e).__name__] += 1
                self.msgs[(cat, st, re.sub(r"\d+", "N", msg.split("\n")[0])[:90])] += 1
            outcome = "error"
        except (ValueError, UnicodeError) as e:  # client side (e.g. a query psycopg refuses to send)
            self.states["client:" + type(e).__name__] += 1
            self.log[-1] = (role, sql, "CLIENT ERROR %s" % e)
            outcome = "error"
        if outcome == "ok":
            self.ok[cat] += 1
        if self.trace:
            self.trace.write("%s [%s] %s;\n%s" % (cat, role, sql, "" if outcome == "ok" else "-- ^ %s\n" % self.log[-1][2]))
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.run("ROLLBACK", "misc", role)
        return outcome == "ok"

    def probe(self):
        """After a hang: does the server still answer a new connection?"""
        signal.setitimer(signal.ITIMER_REAL, 15)
        try:
            try:
                c = psycopg.connect(host="/tmp", port=self.port, user="postgres", dbname="postgres",
                                    autocommit=True, connect_timeout=5)
                rows = c.execute("SELECT pid, state, wait_event_type, wait_event, now() - query_start, "
                                 "left(query, 200) FROM pg_stat_activity WHERE state <> 'idle' AND "
                                 "pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchall()
                c.close()
                return "answers; active backends: %r" % (rows,)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Hang:
            return "NOT answering (no reply in 15 s)"
        except Exception as e:
            return "NOT answering (%s)" % str(e).strip()[:200]

    def fail(self, kind, sql, msg):
        n = len(self.failures) + 1
        path = "/tmp/feature_ext_fuzz.%s.%d.sql" % (self.args.seed, n)
        with open(path, "w") as f:
            f.write("-- feature_ext fuzz: seed %s, failure %d (%s)\n-- %s\n" % (
                self.args.seed, n, kind, msg.replace("\n", "\n-- ")))
            f.write("-- the last %d statements (run with psql as postgres on a server with "
                    "shared_preload_libraries = 'feature_ext'); full log: %s\n" % (len(self.log), path[:-4] + ".full.sql"))
            for s in self.setup_sql:
                f.write(s + ";\n")
            role = "postgres"
            for r, s, out in self.log:
                if r != role:
                    f.write("SET ROLE fuzzer;\n" if r == "fuzzer" else "RESET ROLE;\n")
                    role = r
                f.write("%s;\n" % s)
                if out:
                    f.write("-- ^ %s\n" % out.replace("\n", " "))
        with open(path[:-4] + ".full.sql", "w") as f:
            for s in self.setup_sql:
                f.write(s + ";\n")
            role = "postgres"
            for r, s in self.full:
                if r != role:
                    f.write("SET ROLE fuzzer;\n" if r == "fuzzer" else "RESET ROLE;\n")
                    role = r
                f.write("%s;\n" % s)
        self.failures.append((kind, sql, msg, path))
        print("FAIL (%s) seed %s: %s\n  last statement: %s\n  reproduction: %s" % (
            kind, self.args.seed, msg[:500], sql[:2000], path), flush=True)
        if kind in ("crash", "hang") and self.server:
            time.sleep(1)
            tail = self.server.log_text().splitlines()[-40:]
            print("  server log tail:\n    " + "\n    ".join(tail), flush=True)

    # actions ----------------------------------------------------------------
    def name(self, prefix):
        self.n += 1
        return "fz_%s%d" % (prefix, self.n)

    def new_table(self, reuse=None):
        g, r = self.g, self.rng
        while reuse is None and len(self.tables) >= 8:  # as postgres: the owner may be either role
            old = self.tables.pop(0)
            self.run("DROP TABLE IF EXISTS %s CASCADE" % old.q(), "setup", "postgres")
            self.deps = [d for d in self.deps if d.table is not old or r.random() < 0.1]
        schema, name = (reuse.schema, reuse.name) if reuse else (r.choice(["public", "public", "fz_a", "fz_b"]),
                                                                 self.name("t"))
        ncol = 0
        cols, keys = [], []
        for _ in range(r.choice([1, 1, 1, 2, 2, 3])):
            cols.append(Col(g.colname(ncol), r.choice(KEY_TYPES)))
            keys.append(cols[-1].name)
            ncol += 1
        order = Col(g.colname(ncol), r.choice(ORDER_TYPES))
        ncol += 1
        cols.append(order)
        for _ in range(r.randint(0, 5)):
            cols.append(Col(g.colname(ncol), r.choice(TYPES)))
            ncol += 1
        r.shuffle(cols)
        t = Table(schema, name, cols, keys, order.name)
        t.ncols = ncol
        defs = []
        for c in cols:
            d = "%s %s" % (qi(c.name), c.typ)
            if c.name == order.name and r.random() < 0.7:
                d += " NOT NULL"
            defs.append(d)
        using = " USING feature_store" if r.random() < 0.97 else ""
        withs = " WITH (retention = %s)" % r.choice(["'90 days'", "'1 day'", "'0'", "'-1 day'"]) \
            if r.random() < 0.05 else ""
        role = "fuzzer" if r.random() < 0.8 else "postgres"
        if not self.run("CREATE TABLE %s (%s)%s%s" % (t.q(), ", ".join(defs), using, withs), "setup", role):
            return None
        self.tables.append(t)
        for _ in range(r.choice([1, 1, 1, 2, 2, 3])):
            self.create_index(t, role)
        self.insert(t, role=role, n=r.randint(0, 25))
        return t

    def create_index(self, t, role=None, wild=False):
        g, r = self.g, self.rng
        if not t.cols:
            return None
        if len(t.indexes) >= 4:  # each skiplist index takes 256 kB of the shared region, even empty
            old = t.indexes.pop(0)
            self.run("DROP INDEX IF EXISTS %s" % t.iq(old), "index", role)
        keys = list(t.keys)
        if r.random() < 0.15 or not keys:
            keys = [c.name for c in r.sample(t.cols, min(len(t.cols), r.randint(1, 2))) if c.name != t.order] or keys
        order = t.order if r.random() < 0.95 or not t.cols else r.choice(t.cols).name
        include = None
        if r.random() < 0.3:
            rest = [c.name for c in t.cols if c.name not in keys and c.name != order]
            include = r.sample(rest, r.randint(0, len(rest))) if rest else []
        ix = Index(self.name("i"), keys, order, include)
        cols = ", ".join(qi(k) for k in keys + [order])
        if r.random() < 0.05:
            cols = r.choice(["(lower(%s::text)), %s" % (qi(keys[0]), qi(order)), qi(order),
                             "%s DESC, %s" % (cols, qi(order)), "%s, %s" % (cols, qi(order)),
                             "%s COLLATE \"C\", %s" % (qi(keys[0]), qi(order)), cols + " NULLS FIRST"])
        head = "CREATE %sINDEX %s%s ON %s USING skiplist (%s)" % (
            "UNIQUE " if r.random() < 0.02 else "", "CONCURRENTLY " if r.random() < 0.02 else "",
            qi(ix.name), t.q(), cols)
        if include is not None:
            head += " INCLUDE (%s)" % ", ".join(qi(c) for c in include) if include else ""
        opts = g.index_opts(wild)
        if r.random() < 0.1:
            opts = g.mutate(opts)
        tail = " WHERE %s" % g.cond(t.cols) if r.random() < 0.02 else ""
        if self.run(head + opts + tail, "index", role):
            t.indexes.append(ix)
            return ix
        return None

    def act_index(self):
        g, r = self.g, self.rng
        t = r.choice(self.tables)
        if t.indexes and r.random() < 0.4:
            ix = r.choice(t.indexes)
            if r.random() < 0.7:
                opts = g.index_opts(wild=r.random() < 0.6)
                opts = opts[len(" WITH "):] if opts else "(ttl = '1 day')"
                if r.random() < 0.1:
                    opts = g.mutate(opts)
                self.run("ALTER INDEX %s SET %s" % (t.iq(ix), opts), "index")
            else:
                self.run("ALTER INDEX %s RESET (%s)" % (t.iq(ix), ", ".join(r.sample(
                    ["ttl", "ttl_rows", "ttl_type", "ttl_clock", "foo"], r.randint(1, 3)))), "index")
        else:
            self.create_index(t, wild=r.random() < 0.7)

    def any_index(self, t):
        if t.indexes and self.rng.random() < 0.9:
            return self.rng.choice(t.indexes)
        cols = [c.name for c in t.cols if c.name != t.order]
        keys = self.rng.sample(cols, min(len(cols), self.rng.randint(1, 2))) if cols else []
        return Index("none", keys or [t.cols[0].name], t.order, None)

    def act_deploy(self):
        g, r = self.g, self.rng
        t = r.choice(self.tables)
        if not t.cols:
            return
        ix = self.any_index(t)
        om = r.random() < 0.35
        q = g.om_query(t, ix) if om else g.pg_query(t, ix)
        if r.random() < 0.25:
            q = g.mutate(q)
        u = r.random()
        if u < 0.12 and self.deps:
            name = r.choice(self.deps).name
        elif u < 0.22:
            name = r.choice(["fz_a.", "fz_b.", "public."]) + self.name("f")
        elif u < 0.25:
            name = r.choice(["", ".", "a.b.c", "pg_catalog.%s" % self.name("f"), "feature_ext.%s" % self.name("f"),
                             "x" * 80, 'we"ird', "UPPER%d" % self.n, "fz_a.", "pg_temp.%s" % self.name("f"),
                             "information_schema.%s" % self.name("f"), "nosuchschema.f", t.name,
                             "%s_result" % self.name("f"), " f", "feature_ext.deploy", "fz_f%d_batch" % self.n])
        else:
            name = self.name("f")
        opts = {"replace": True, "create_index": r.random() < 0.5, "adjust_ttl": r.random() < 0.5}
        optstr = json.dumps(opts)
        if r.random() < 0.04:
            optstr = r.choice(['{"replace": "yes"}', "[]", "null", '{"foo": 1}', '{"replace": null}', "{}",
                               '{"create_index": 1}', '"x"', '{"replace": true, "replace": false}'])
        sql = "SELECT feature_ext.deploy(%s, %s, %s)" % (lit(name), lit(q), lit(optstr))
        if self.run(sql, "deploy"):
            self.ok["deploy_created"] += 1
            self.deps = [d for d in self.deps if d.name != name]
            self.deps.append(Dep(name, t))
            if r.random() < 0.5:
                self.call(self.deps[-1])

    def act_call(self):
        if not self.deps:
            return self.act_deploy()
        self.call(self.rng.choice(self.deps))

    def call(self, d):
        g, r = self.g, self.rng
        t = d.table
        if not t.cols:
            return
        p_odd = r.choice([0.0, 0.1, 0.3, 0.6])
        cast = r.random() < 0.8
        vals = g.row(t, p_odd, cast)
        fn = d.fn()
        u = r.random()
        if u < 0.35:
            sql = "SELECT * FROM %s(%s)" % (fn, ", ".join(vals))
        elif u < 0.5:
            idx = list(range(len(vals)))
            r.shuffle(idx)
            if r.random() < 0.2 and idx:
                idx.pop()
            sql = "SELECT * FROM %s(%s)" % (fn, ", ".join("%s => %s" % (qi(t.cols[i].name), vals[i]) for i in idx))
        elif u < 0.65:
            sql = "SELECT * FROM %s(ROW(%s)::%s)" % (fn, ", ".join(vals), t.q())
        elif u < 0.75:
            src = r.choice(["", lit(t.q()), lit("SELECT * FROM %s" % t.q()), "NULL", "''", lit("x"),
                            lit("SELECT * FROM %s ORDER BY 1 DESC" % t.q()), lit("DROP TABLE %s" % t.q()),
                            lit("SELECT 1"), lit("VALUES (%s)" % ", ".join(vals)), lit(t.name + "; SELECT 1")])
            sql = "SELECT count(*) FROM %s(%s)" % (d.fn("_batch"), src)
        elif u < 0.8:
            sql = "SELECT count(*) FROM feature_ext.batch(%s, %s) AS (%s)" % (
                lit(d.name), r.choice(["NULL", lit(t.q()), "''"]),
                r.choice(["x int", "a text, b text", "x0 bigint, x1 float8, x2 text, x3 numeric"]))
        elif u < 0.86:
            sql = "SELECT f.* FROM %s r, LATERAL %s(r) f" % (t.q(), fn)
            if r.random() < 0.5:
                sql = "SELECT f.* FROM (SELECT * FROM %s LIMIT 50) r, LATERAL %s(%s) f" % (
                    t.q(), fn, ", ".join("r.%s" % qi(c.name) for c in t.cols))
        elif u < 0.93:
            p = self.name("p")
            types = ", ".join(c.typ for c in t.cols)
            if not self.run("PREPARE %s(%s) AS SELECT * FROM %s(%s)" % (
                    p, types, fn, ", ".join("$%d" % (i + 1) for i in range(len(t.cols)))), "call", "fuzzer"):
                return
            self.prepared.append((p, t, len(t.cols)))
            sql = "EXECUTE %s(%s)" % (p, ", ".join(vals))
            self.run(sql, "call", "fuzzer")
            if len(self.prepared) > 20:
                old = self.prepared.pop(0)
                self.run("DEALLOCATE %s" % old[0], "misc", "fuzzer")
            return
        else:
            ins = "INSERT INTO %s VALUES (%s)" % (t.q(), ", ".join(g.row(t, 0.05)))
            sql = "BEGIN; %s; SELECT * FROM %s(%s); %s" % (ins, fn, ", ".join(vals),
                                                          r.choice(["COMMIT", "ROLLBACK"]))
        if self.run(sql, "call"):
            self.ok["call_answered"] += 1
        elif self.last_state in ("42883", "42P01", "42704"):  # gone (dropped with its table): call it less
            d.misses += 1
            if d.misses >= 2 and d in self.deps:
                self.deps.remove(d)
        if self.prepared and r.random() < 0.1:  # a prepared call after whatever DDL happened since
            p, pt, n = r.choice(self.prepared)
            self.run("EXECUTE %s(%s)" % (p, ", ".join(g.row(pt, 0.2)[:n] + ["NULL"] * max(0, n - len(pt.cols)))),
                     "call", "fuzzer")

    def insert(self, t, role=None, n=None):
        g, r = self.g, self.rng
        if not t.cols:
            return
        if n is None:
            n = r.randint(1, 20)
        if n == 0:
            return
        if r.random() < 0.15:
            exprs = []
            for c in t.cols:
                if c.name in t.keys:
                    e = {"text": "'k' || (i %% 4)", "bool": "i %% 2 = 0", "date": "'2026-01-01'::date + i %% 4",
                         "timestamptz": "'2026-01-01'::timestamptz + (i %% 4) * interval '1 minute'"}.get(
                        c.typ, "(i %% 4)::%s" % c.typ)
                elif c.name == t.order:
                    e = {"timestamptz": "now() - i * interval '1 second'", "date": "current_date - i %% 50",
                         "int8": "(extract(epoch from now()) * 1000)::int8 - i * 1000"}.get(c.typ, "(i %% 30000)::%s" % c.typ)
                else:
                    e = {"text": "'v' || i", "bool": "i %% 3 = 0", "date": "current_date - i %% 50",
                         "timestamptz": "now() - i * interval '1 minute'"}.get(c.typ, "(i %% 1000)::%s" % c.typ)
                exprs.append(e.replace("%%", "%"))
            sql = "INSERT INTO %s SELECT %s FROM generate_series(1, %d) i" % (
                t.q(), ", ".join(exprs), r.choice([100, 500, 2000]))
        else:
            sql = "INSERT INTO %s (%s) VALUES %s" % (t.q(), ", ".join(qi(c.name) for c in t.cols), ", ".join(
                "(%s)" % ", ".join(g.row(t, 0.08)) for _ in range(n)))
        self.run(sql, "dml", role)

    def act_dml(self):
        g, r = self.g, self.rng
        t = r.choice(self.tables)
        u = r.random()
        if u < 0.6 or not t.cols:
            return self.insert(t)
        if u < 0.8:
            if r.random() < 0.5:
                c = r.choice(t.cols)
                sql = "DELETE FROM %s WHERE %s = %s" % (t.q(), qi(c.name), g.value(c, t, 0.1))
            else:
                sql = "DELETE FROM %s WHERE ctid IN (SELECT ctid FROM %s LIMIT %d)" % (t.q(), t.q(), r.randint(1, 20))
        else:
            c = r.choice(t.cols)
            sql = "UPDATE %s SET %s = %s WHERE %s" % (t.q(), qi(c.name), g.value(c, t, 0.3), g.cond(t.cols))
        self.run(sql, "dml")

    def act_ddl(self):
        g, r = self.g, self.rng
        t = r.choice(self.tables)
        u = r.randrange(22)
        cat = "ddl"
        if u == 0 or (u == 1 and not t.cols):
            c = Col(g.colname(t.ncols), r.choice(TYPES))
            t.ncols += 1
            dflt = ""
            if r.random() < 0.3:
                dflt = " DEFAULT %s" % g.value(c, t, 0.5)
                if r.random() < 0.3:
                    dflt += " NOT NULL"
            if r.random() < 0.05 and t.cols:
                dflt = " GENERATED ALWAYS AS (%s) STORED" % ("1" if c.typ in NUMERIC else "NULL")
            if self.run("ALTER TABLE %s ADD COLUMN %s %s%s" % (t.q(), qi(c.name), c.typ, dflt), cat):
                t.cols.append(c)
        elif u == 1:
            c = r.choice(t.cols)
            if self.run("ALTER TABLE %s DROP COLUMN %s%s" % (t.q(), qi(c.name), r.choice(["", " CASCADE"])), cat):
                t.cols.remove(c)
                t.indexes = [ix for ix in t.indexes if c.name not in ix.keys + [ix.order] + (ix.include or [])]
        elif u == 2 and t.cols:
            c = r.choice(t.cols)
            nt = r.choice(TYPES)
            using = " USING %s::%s" % (qi(c.name), nt) if r.random() < 0.6 else ""
            if self.run("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s" % (t.q(), qi(c.name), nt, using), cat):
                c.typ = nt
        elif u == 3 and t.cols:
            c = r.choice(t.cols)
            new = g.colname(t.ncols)
            t.ncols += 1
            if self.run("ALTER TABLE %s RENAME COLUMN %s TO %s" % (t.q(), qi(c.name), qi(new)), cat):
                for ix in t.indexes:
                    ix.keys = [new if k == c.name else k for k in ix.keys]
                    ix.order = new if ix.order == c.name else ix.order
                    if ix.include:
                        ix.include = [new if k == c.name else k for k in ix.include]
                t.keys = [new if k == c.name else k for k in t.keys]
                t.order = new if t.order == c.name else t.order
                c.name = new
        elif u == 4:
            new = self.name("t")
            if self.run("ALTER TABLE %s RENAME TO %s" % (t.q(), qi(new)), cat):
                t.name = new
        elif u == 5:
            ns = r.choice([s for s in ("public", "fz_a", "fz_b") if s != t.schema])
            if self.run("ALTER TABLE %s SET SCHEMA %s" % (t.q(), ns), cat):
                t.schema = ns
        elif u == 6:
            if self.run("DROP TABLE %s%s" % (t.q(), r.choice([" CASCADE", " CASCADE", ""])), cat):
                self.tables.remove(t)
                self.deps = [d for d in self.deps if d.table is not t or r.random() < 0.1]
                if r.random() < 0.8:  # re-create under the same name, another layout
                    self.new_table(reuse=t)
        elif u == 7:
            self.run("TRUNCATE %s" % t.q(), cat)
        elif u == 8 and t.indexes:
            ix = r.choice(t.indexes)
            if self.run("DROP INDEX %s%s" % (t.iq(ix), r.choice(["", " CASCADE"])), cat):
                t.indexes.remove(ix)
        elif u == 9:
            self.run(r.choice(["REINDEX TABLE %s" % t.q()] + ["REINDEX INDEX %s" % t.iq(ix) for ix in t.indexes]), cat)
        elif u == 10:
            self.run(r.choice(["VACUUM FULL %s", "VACUUM %s", "ANALYZE %s", "VACUUM (FREEZE) %s"]) % t.q(), cat)
        elif u == 11 and t.cols:
            c = r.choice(t.cols)
            self.run("ALTER TABLE %s ALTER COLUMN %s %s NOT NULL" % (t.q(), qi(c.name), r.choice(["SET", "DROP"])),
                     cat)
        elif u == 12:
            self.run("ALTER TABLE %s SET ACCESS METHOD %s" % (t.q(), r.choice(["heap", "feature_store"])), cat)
        elif u == 13 and t.cols:
            ix = self.name("b")
            c = r.choice(t.cols)
            if self.run("CREATE INDEX %s ON %s (%s)" % (ix, t.q(), qi(c.name)), cat) and r.random() < 0.5:
                self.run("CLUSTER %s USING %s" % (t.q(), ix), cat)
        elif u == 14:
            self.run(r.choice(["ALTER TABLE %s SET (retention = '1 day')", "ALTER TABLE %s RESET (retention)",
                               "ALTER TABLE %s SET (retention = '-5 days')", "ALTER TABLE %s SET (fillfactor = 50)",
                               "ALTER TABLE %s SET (retention = '1 day', retention_column = c0)"]) % t.q(), cat)
        elif u == 15:
            self.run(r.choice(["ALTER TABLE %s ENABLE ROW LEVEL SECURITY", "ALTER TABLE %s DISABLE ROW LEVEL SECURITY",
                               "ALTER TABLE %s OWNER TO fuzzer", "ALTER TABLE %s OWNER TO postgres",
                               "GRANT ALL ON %s TO fuzzer", "REVOKE SELECT ON %s FROM fuzzer"]) % t.q(), cat,
                     "postgres" if r.random() < 0.7 else None)
        elif u == 16 and t.cols:
            c = r.choice(t.cols)
            self.run("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s" % (t.q(), qi(c.name), g.value(c, t, 0.5)), cat)
        elif u == 17:
            new = self.name("t")
            if self.run("CREATE TABLE %s.%s (LIKE %s INCLUDING ALL) USING feature_store" % (qi(t.schema), new, t.q()),
                        cat):
                nt = Table(t.schema, new, [Col(c.name, c.typ) for c in t.cols], list(t.keys), t.order)
                nt.ncols = t.ncols
                self.tables.append(nt)  # its copied indexes go with it (DROP TABLE) when it rotates out
        elif u == 18 and t.indexes:
            ix = r.choice(t.indexes)
            new = self.name("i")
            if self.run("ALTER INDEX %s RENAME TO %s" % (t.iq(ix), new), cat):
                ix.name = new
        else:
            self.create_index(t)

    def act_txn(self):
        """Several statements in one transaction: savepoints, rollbacks, cursors, DDL, two-phase commit."""
        g, r = self.g, self.rng
        t = r.choice(self.tables)
        if not t.cols:
            return
        deps = [d for d in self.deps if d.table is t] or self.deps
        d = r.choice(deps) if deps else None

        def ins():
            return "INSERT INTO %s VALUES (%s)" % (t.q(), ", ".join(g.row(t, 0.05)))

        def call():
            if d is None:
                return "SELECT 1"
            return "SELECT * FROM %s(%s)" % (d.fn(), ", ".join(g.row(d.table, 0.1) if d.table.cols else []))
        u = r.randrange(8)
        if u == 0:
            body = [ins(), "SAVEPOINT s1", ins(), call(), "ROLLBACK TO s1", call(), ins()]
        elif u == 1:
            body = [ins(), "TRUNCATE %s" % t.q(), call(), ins()]
        elif u == 2 and t.indexes:
            ix = r.choice(t.indexes)
            body = [ins(), "DROP INDEX %s" % t.iq(ix), call(), ins()]
        elif u == 3 and d is not None:
            body = ["DECLARE cur CURSOR FOR SELECT * FROM %s()" % d.fn("_batch"), "FETCH 2 FROM cur", ins(),
                    "FETCH ALL FROM cur"]
        elif u == 4:
            c = r.choice(t.cols)
            body = [ins(), "ALTER TABLE %s %s" % (t.q(), r.choice([
                "ADD COLUMN %s int4 DEFAULT 7" % qi(self.name("c")), "DROP COLUMN %s" % qi(c.name),
                "ALTER COLUMN %s TYPE text" % qi(c.name), "RENAME COLUMN %s TO zz" % qi(c.name)])), call(), ins()]
        elif u == 5:
            gid = self.name("gx")
            ok = self.run("BEGIN; %s; %s; PREPARE TRANSACTION '%s'" % (ins(), call(), gid), "txn")
            self.run("%s PREPARED '%s'" % (r.choice(["COMMIT", "ROLLBACK"]), gid), "txn",
                     "postgres") if ok else None
            return
        elif u == 6 and d is not None:
            body = [ins(), call(), "SELECT feature_ext.undeploy(%s)" % lit(d.name), call()]
        else:
            body = [ins(), ins(), call(), "SELECT count(*) FROM feature_ext.index_scan(%s, '{k0}')" % lit(
                t.iq(t.indexes[0])) if t.indexes else "SELECT 1", "DELETE FROM %s" % t.q(), call()]
        end = r.choice(["COMMIT", "ROLLBACK", "ROLLBACK", "COMMIT"])
        self.run("BEGIN; %s; %s" % ("; ".join(body), end), "txn")

    def act_misc(self):
        g, r = self.g, self.rng
        t = r.choice(self.tables)
        u = r.randrange(12)
        if u == 0 and t.indexes:
            ix = r.choice(t.indexes)
            keys = [g.normal((t.col(k) or Col(k, "text")).typ, "key").strip("'") for k in ix.keys]
            keys = r.choice([keys, [], ["NULL"], keys + ["x"], ["", ""], ["k0", "k1", "k2", "k3"], [g.odd("text")]])
            arr = "ARRAY[%s]::text[]" % ", ".join(lit(k) if k != "NULL" else "NULL" for k in keys) if keys else "'{}'"
            upto = r.choice(["", ", NULL", ", 'infinity'", ", '2026-01-01'", ", '9223372036854775807'", ", 'x'"])
            self.run("SELECT count(*) FROM feature_ext.index_scan(%s%s, %s%s)" % (
                lit(t.iq(ix)), "::regclass" if r.random() < 0.5 else "", arr, upto), "misc")
        elif u == 1:
            self.run("SELECT count(*) FROM feature_ext.index_stats", "misc")
        elif u == 2:
            self.run("SELECT * FROM feature_ext.memory_usage()", "misc")
        elif u == 3:
            self.run("SELECT feature_ext.run_gc()", "misc")
        elif u == 4:
            self.run("SELECT feature_ext.run_retention()", "misc")
        elif u == 5 and self.deps:
            d = r.choice(self.deps)
            self.run("SELECT feature_ext.explain(%s%s)" % (lit(d.name), r.choice(["", ", false", ", NULL"])), "misc")
        elif u == 6 and self.deps:
            d = r.choice(self.deps)
            if self.run("SELECT feature_ext.undeploy(%s)" % lit(d.name), "misc"):
                self.deps.remove(d)
        elif u == 7:
            self.run("SET feature_ext.jit = %s" % r.choice(["on", "off"]), "misc", r.choice(ROLES))
        elif u == 8:
            self.run("SELECT count(*) FROM feature_ext.deployments", "misc")
        elif u == 9 and self.deps:
            self.run("SELECT * FROM feature_ext.deployment_stats()", "misc")
        elif u == 10:
            self.run("SELECT count(*) FROM %s" % t.q(), "misc")
        else:
            self.run("SELECT feature_ext.undeploy(%s)" % lit(r.choice(["nosuch", "", "feature_ext.deploy",
                                                                        "pg_catalog.lower", t.name])), "misc")

    def selftest(self):
        """FE_FUZZ_SELFTEST=internal|crash|hang: one fake failure after 200 statements (tests the detection)."""
        kind = os.environ.get("FE_FUZZ_SELFTEST")
        if not kind or sum(self.counts.values()) < 200 or getattr(self, "selftested", False):
            return
        self.selftested = True
        if kind == "internal":
            self.run("DO $$BEGIN RAISE EXCEPTION 'fuzz self-test' USING ERRCODE = 'XX000'; END$$", "misc", "fuzzer")
        elif kind == "crash":
            os.kill(self.conns["fuzzer"].info.backend_pid, signal.SIGSEGV)
            time.sleep(0.5)
            self.run("SELECT 1", "misc", "fuzzer")
        elif kind == "hang":
            self.run("SET statement_timeout = 0; SELECT pg_sleep(3600)", "misc", "fuzzer")
        else:
            sys.exit("FE_FUZZ_SELFTEST must be internal, crash or hang")

    def loop(self, deadline):
        r = self.rng
        while time.time() < deadline:
            self.selftest()
            if not self.tables or r.random() < 0.03:
                self.new_table()
                continue
            u = r.random()
            try:
                self.step(u)
            except (IndexError, KeyError, ValueError, TypeError, AttributeError):
                # a bug of this script (e.g. an unforeseen table shape): reported, not a failure
                self.gen_errors += 1
                if self.gen_errors == 1:
                    traceback.print_exc()

    def step(self, u):
        if u < 0.30:
            self.act_deploy()
        elif u < 0.38:
            self.act_index()
        elif u < 0.66:
            self.act_call()
        elif u < 0.80:
            self.act_ddl()
        elif u < 0.90:
            self.act_dml()
        elif u < 0.95:
            self.act_txn()
        else:
            self.act_misc()


def scan_log(text):
    bad = []
    for line in text.splitlines():
        if re.search(r"PANIC:|terminated by signal|TRAP:|was terminated by exception|exited with exit code [^0]",
                     line):
            bad.append(line.strip())
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None, help="random seed (default %d; --long: random)" % DEFAULT_SEED)
    ap.add_argument("--seconds", type=float, default=None, help="time budget (default 60; --long: 600)")
    ap.add_argument("--long", action="store_true", help="a long run from a random seed")
    ap.add_argument("-v", "--verbose", action="store_true", help="also the most frequent expected errors")
    ap.add_argument("--trace", metavar="FILE", help="write every statement and its outcome to FILE")
    ap.add_argument("--port", type=int, default=None, help="use a running server on this port (/tmp socket)")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 10 ** 9) if args.long else DEFAULT_SEED
    if args.seconds is None:
        args.seconds = 600 if args.long else 60
    server = None
    fz = None
    t0 = time.time()
    try:
        if args.port is None:
            server = Server()
            server.start()
            port = server.port
        else:
            port = args.port
        print("fuzz: seed %d, %g s, port %d" % (args.seed, args.seconds, port), flush=True)
        fz = Fuzzer(args, port, server)
        fz.setup()
        start = time.time()
        try:
            fz.loop(start + args.seconds)
        except Stop:
            pass
        elapsed = time.time() - start
        fz.close()
        if server:
            time.sleep(0.5)
            known = any(f[0] == "crash" for f in fz.failures)
            for line in scan_log(server.log_text()):
                if not known:
                    fz.failures.append(("server log", "", line, ""))
                print("server log: %s" % line)
        total = sum(fz.counts.values())
        oks = sum(fz.ok[c] for c in fz.counts)
        print("fuzz: seed %d, %.0f s: %d statements, %d ok, %d expected errors, %d failures" % (
            args.seed, elapsed, total, oks, sum(fz.states.values()), len(fz.failures)))
        print("  per category (statements / ok): " + ", ".join(
            "%s %d/%d" % (c, fz.counts[c], fz.ok[c]) for c in sorted(fz.counts)))
        print("  deployments created %d, calls answered %d%s" % (
            fz.ok["deploy_created"], fz.ok["call_answered"],
            ", generator errors (bugs of fuzz.py, not failures) %d" % fz.gen_errors if fz.gen_errors else ""))
        print("  expected errors by SQLSTATE (top 10): " + ", ".join(
            "%s %d" % kv for kv in fz.states.most_common(10)))
        if args.verbose:
            for (cat, st, msg), n in fz.msgs.most_common(60):
                print("    %6d %-7s %s %s" % (n, cat, st, msg))
            for msg, n in fz.all_warnings.most_common(20):
                print("    %6d WARNING %s" % (n, msg))
        for msg, n in fz.warnings.most_common(10):
            print("  warning x%d: %s" % (n, msg))
        for kind, sql, msg, path in fz.failures:
            print("  FAILURE %s: %s%s" % (kind, msg[:300], (" (reproduction: %s)" % path) if path else ""))
        return 1 if fz.failures else 0
    finally:
        if fz:
            fz.close()
        if server:
            keep = None
            if fz and fz.failures:
                keep = "/tmp/feature_ext_fuzz.%d.server.log" % args.seed
                print("  server log kept: %s" % keep)
            server.stop(keep_log=keep)
        print("fuzz: %.0f s in all" % (time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
