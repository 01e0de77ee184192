#!/usr/bin/env python3
"""Differential test: random tables and random deployments, three answers per row.

For every seed: a random feature_store table (a few keys, ties on the order
column, NULLs), a random PostgreSQL-dialect deployment drawn from the
supported grammar (ROWS / RANGE / GROUPS frames, offsets, UNBOUNDED,
`... AND n PRECEDING`, EXCLUDE CURRENT ROW | GROUP | TIES, the window
modifiers feature_ext.maxsize(n) and feature_ext.exclude_current_time() in
PARTITION BY, built-in and feature_ext aggregates, FILTER, expressions), and
for each source row i, in insertion order:

  request  the deployed function called with row i while the table holds rows
           0..i-1 (then row i is inserted and committed: OpenMLDB's protocol)
  batch    <name>_batch over the whole table
  native   PostgreSQL's own window executor over rows 0..i-1 with order value
           <= row i's, in insertion order, plus row i as the last of its peers
  model    for features over a window with a modifier (PostgreSQL has no
           syntax for them: the functions raise outside deploy): a Python frame
           model (model_frame) picks the frame's rows, and PostgreSQL
           evaluates the feature over exactly those rows, the aggregate called
           with ORDER BY (ts, insertion) inside the call, so PostgreSQL's own
           aggregate semantics and float summation order are the reference.
           Some windows without modifiers go through the model too, and the
           model must then equal the native executor ("model check"): the
           model itself is tested.
  jit off  the request again with SET feature_ext.jit = off (the interpreter;
           the first request runs the compiled code, the default)
  as-of    (PostgreSQL dialect) feature_ext.training_set over the whole table
           once all rows are in: row i against every row of its key with
           order value <= its own, whatever the insertion order (its stored
           copy left out), row i last of its peers; checked against native
           and model references over exactly those rows (asof_candidates)

OpenMLDB-dialect seeds (openmldb:N) deploy a random query in OpenMLDB's
dialect instead (ROWS / ROWS_RANGE frames with time units s/m/h/d or bare ms,
OPEN PRECEDING, MAXSIZE, EXCLUDE CURRENT_ROW / CURRENT_TIME, order column
bigint or timestamp; sum, avg, count, min, max, the *_where family,
distinct_count, first_value / last_value, lag / at; OpenMLDB's spellings:
backquotes, "text", ==).  Their reference is a Python model of OpenMLDB's
semantics (om_model: the frame selection and the aggregates, written from
OpenMLDB's YAML cases, independent of the translator), so a translation error
shows as a "model" discrepancy; request, batch and jit off are compared as
above (no native answer).  The generator keeps away from the deliberate
differences of docs/CONFORMANCE.md.

All must agree: floats with a relative tolerance of 1e-9, everything else
exactly; JIT on and off exactly (NaN = NaN).

A failing seed is shrunk: earlier rows, features and windows (and window
modifiers / exclusions) are dropped greedily while the same discrepancy (same
kind, a same feature column, same error message) still reproduces, each
candidate re-run standalone exactly as the printed script does (CREATE TABLE
and INDEX, INSERTs, deploy, the request, then the reference); the minimal SQL
script is printed.  The first 3 failing seeds of a run are shrunk (at most
60 s each); --no-shrink prints the unshrunk script.

  python3 test/differential/run.py               fixed seeds (CI): 1..200 in the
                                                 PostgreSQL dialect, openmldb:1..100
  python3 test/differential/run.py --long 600    random seeds for 600 s, both dialects
                                                 in turn (--dialect pg|openmldb: one)
  python3 test/differential/run.py --long-windows 20   20 random long-window seeds
                                                 (pre-aggregation; fixed runs include longwin:1..8,56,74)
  python3 test/differential/run.py --seed 17     one seed, verbose (--seed openmldb:17:
                                                 OpenMLDB dialect, shows the translation)

Self-test of the shrinker (never set it in a real run; the run then fails):
  FE_DIFF_SELFTEST=native|model|batch|jit python3 test/differential/run.py --seed 17
  FE_DIFF_SELFTEST=model|batch|jit python3 test/differential/run.py --seed openmldb:17
injects a fake discrepancy: the first numeric value of the named answer
(native reference, model reference (for openmldb: seeds the OpenMLDB model),
batch, jit off) is changed by +1 on every
request whose key already holds >= 3 stored rows with order value <= its own.
The shrinker should then print a script with exactly 3 earlier rows, one
feature and one window.  Without the variable nothing is perturbed.
"""
import argparse
import datetime
import importlib.util
import math
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("conformance", os.path.join(HERE, "..", "conformance", "run.py"))
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)  # reuses its server start and psycopg import
psycopg = conf.psycopg

CI_SEEDS = list(range(1, 201))         # PostgreSQL dialect
CI_OMLDB_SEEDS = list(range(1, 101))  # OpenMLDB dialect (openmldb:N)
JIT_USED = [0]  # seeds whose requests ran compiled code (the comparison must not be vacuous)
SELFTEST = os.environ.get("FE_DIFF_SELFTEST", "")  # fake discrepancy for testing the shrinker (see above)
if SELFTEST == "1":
    SELFTEST = "native"
if SELFTEST and SELFTEST not in ("native", "model", "batch", "jit"):
    sys.exit("FE_DIFF_SELFTEST must be native, model, batch or jit")
SHRINK_MAX = 3      # failing seeds shrunk per run
SHRINK_SECONDS = 60  # per failing seed

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
# Drawn from a stream of their own (rand_case), so that the seeds above keep
# their cases: the variance family, float4 values and feature_ext's map /
# list aggregates (compiled since v7 of the JIT).
AGGS_X = [
    "stddev_samp(f)", "stddev_pop(f)", "var_samp(f)", "var_pop(f)", "variance(f * 2 - v)",
    "stddev(f) FILTER (WHERE v > 10)", "sum(f::real)", "avg(f::real)", "max(f::float4)", "min(v::real)",
    "stddev_samp(f::real)", "var_pop(f::real) FILTER (WHERE f::real > 0)", "sum(f::real * 2)",
    "max(f::real) FILTER (WHERE v % 2 = 0)", "count(f::real)", "sum(f::real - v::real)",
    "stddev_pop(v::float8 / 4)", "feature_ext.median(f)", "feature_ext.entropy(v)", "feature_ext.top1_ratio(k)",
    "feature_ext.ew_avg(f, 0.3)", "feature_ext.drawdown(f)", "feature_ext.distinct_count(k)",
    "feature_ext.distinct_count(f) FILTER (WHERE v > 5)", "feature_ext.entropy(f::real)",
]


# ---------------------------------------------------------------- random cases
# A window is a dict: mode, start and end bounds ("UNB" | "CUR" | "P", offset),
# excl ("" | "CURRENT ROW" | "GROUP" | "TIES"), maxsize (0 = none), ect
# (exclude_current_time), mod_first (modifiers written before k), check (a
# window without modifiers whose features also go through the frame model).
# A feature is a dict: alias, tmpl (SQL with {0}, {1} for its window
# aggregates), aggs [(aggregate call, window id)].
def rand_frame(rng, wid):
    # the same draws, in the same order, as before the modifiers existed
    mode = rng.choice(["ROWS", "RANGE", "GROUPS"])

    def off():
        return rng.choice([0, 1, 2, 3, 5, 8]) if mode != "RANGE" else rng.choice([0, 5, 10, 20, 35])

    start = rng.choice(["UNB", "P", "CUR"])
    if start == "P":
        a = off()
        start = ("P", a)
        end = rng.choice(["CUR", "E"])
        end = ("P", rng.randint(0, a)) if end == "E" else ("CUR", None)
    elif start == "CUR":
        start, end = ("CUR", None), ("CUR", None)
    else:
        o = off()
        start = ("UNB", None)
        end = rng.choice([("CUR", None), ("P", o)])
    excl = rng.choice(["", "", "CURRENT ROW", "GROUP", "TIES"])
    return {"id": wid, "mode": mode, "start": start, "end": end, "excl": excl,
            "maxsize": 0, "ect": False, "mod_first": False, "check": False}


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
    wins = [rand_frame(rng, j) for j in range(nwin)]
    feats = []
    for j in range(rng.randint(2, 6)):
        agg, _ = rng.choice(AGGS)
        w = rng.randrange(nwin)
        feats.append({"alias": "x%d" % j, "tmpl": "{0}", "aggs": [(agg, w)]})
    if rng.random() < 0.3:
        feats.append({"alias": "expr", "tmpl": "coalesce({0}, 0) + v", "aggs": [("count(*)", 0)]})
    if rng.random() < 0.3:
        feats.append({"alias": "proj", "tmpl": "{0} * 2 + {1} - v", "aggs": [("sum(f)", 0), ("count(*)", 0)]})
    # Modifiers from their own stream: a seed's table, frames and features are
    # the ones it had before the modifiers were added to the grammar.
    mrng = random.Random(seed * 1000003 + 17)
    for w in wins:
        if mrng.random() < 0.2:
            w["maxsize"] = mrng.randint(1, 6)
        if mrng.random() < (0.15 if w["mode"] == "ROWS" else 0.05):
            w["ect"] = True
        w["mod_first"] = mrng.random() < 0.3
        w["check"] = not modified(w) and mrng.random() < 0.25
    if nwin >= 2 and mrng.random() < 0.25:  # two windows in one expression
        feats.append({"alias": "mix", "tmpl": "{0} - {1} * 2", "aggs": [("sum(v)", nwin - 1), ("count(*)", 0)]})
    xrng = random.Random(seed * 7919 + 101)
    for j in range(xrng.choice([0, 1, 1, 2, 3])):
        feats.append({"alias": "y%d" % j, "tmpl": "{0}", "aggs": [(xrng.choice(AGGS_X), xrng.randrange(nwin))]})
    return rows, wins, feats


def modified(w):
    return bool(w["maxsize"] or w["ect"])


# ---------------------------------------------------------------- SQL text
class FloatLit:
    """A float8 the Python literal cannot spell (NaN, +-Infinity, -0)."""
    def __init__(self, text):
        self.text = text

    def sql(self):
        return "'%s'::float8" % self.text


def sql_value(x):
    if x is None:
        return "NULL"
    if isinstance(x, (Stamp, FloatLit)):
        return x.sql()
    if isinstance(x, str):
        return "'%s'" % x
    return repr(x)


def typed_row(r, extra=()):
    return "(%s::text, %s::int, %s::float8, %s::int8%s)" % (
        tuple(sql_value(x) for x in r) + ("".join(", %d" % e for e in extra),))


def bound_sql(b):
    return {"UNB": "UNBOUNDED PRECEDING", "CUR": "CURRENT ROW"}.get(b[0]) or "%d PRECEDING" % b[1]


def frame_sql(w):
    return "%s BETWEEN %s AND %s%s" % (w["mode"], bound_sql(w["start"]), bound_sql(w["end"]),
                                       " EXCLUDE " + w["excl"] if w["excl"] else "")


def window_sql(w, native=False):
    if native:  # one key's rows only; never with modifiers
        return "w%d AS (ORDER BY ts %s)" % (w["id"], frame_sql(w))
    mods = []
    if w["maxsize"]:
        mods.append("feature_ext.maxsize(%d)" % w["maxsize"])
    if w["ect"]:
        mods.append("feature_ext.exclude_current_time()")
    part = mods + ["k"] if w["mod_first"] else ["k"] + mods
    return "w%d AS (PARTITION BY %s ORDER BY ts %s)" % (w["id"], ", ".join(part), frame_sql(w))


def feature_sql(ft, render):
    return ft["tmpl"].format(*[render(a, w) for a, w in ft["aggs"]])


def over(agg, w):
    return "%s OVER w%d" % (agg, w)


def deploy_query(wins, feats):
    if is_om(wins):
        return om_deploy_query(wins, feats)
    return "SELECT %s FROM dt WINDOW %s" % (
        ", ".join("%s AS %s" % (feature_sql(ft, over), ft["alias"]) for ft in feats),
        ", ".join(window_sql(w) for w in wins))


def ordered_call(agg):
    """agg with ORDER BY ts, pos inside its call (count(*) takes none)."""
    a = agg.index("(")
    depth = 0
    for j in range(a, len(agg)):
        depth += {"(": 1, ")": -1}.get(agg[j], 0)
        if depth == 0:
            break
    if agg[a + 1:j].strip() == "*":
        return agg
    return agg[:j] + " ORDER BY ts, pos" + agg[j:]


# ---------------------------------------------------------------- frame model
def model_frame(w, cands):
    """Positions (insertion numbers) of the rows in w's frame, in frame order.

    cands: the key's stored rows with ts <= the request's, as (row, pos),
    sorted by (ts, pos), then the request itself (the newest row, last of its
    peers)."""
    req = cands[-1][0]
    rts = req[3]
    rows = cands
    if w["ect"] and w["mode"] == "ROWS":
        # the stored peers are dropped before the ROWS frame counts its rows
        rows = [c for c in cands[:-1] if c[0][3] != rts] + [cands[-1]]
    c = len(rows) - 1
    ts = [r[0][3] for r in rows]
    if w["mode"] == "ROWS":
        key = list(range(len(rows)))
        cur = c
    elif w["mode"] == "RANGE":
        key = ts
        cur = rts
    else:  # GROUPS: the number of the row's peer group
        groups = sorted(set(ts))
        key = [groups.index(t) for t in ts]
        cur = key[c]
    s_kind, s_off = w["start"]
    e_kind, e_off = w["end"]
    lo = None if s_kind == "UNB" else cur if s_kind == "CUR" else cur - s_off
    hi = cur if e_kind == "CUR" else cur - e_off
    idx = [j for j in range(len(rows)) if (lo is None or key[j] >= lo) and key[j] <= hi]
    if w["excl"] == "CURRENT ROW":
        idx = [j for j in idx if j != c]
    elif w["excl"] == "GROUP":
        idx = [j for j in idx if ts[j] != rts]
    elif w["excl"] == "TIES":
        idx = [j for j in idx if j == c or ts[j] != rts]
    if w["ect"] and w["mode"] != "ROWS":  # RANGE / GROUPS: EXCLUDE TIES
        idx = [j for j in idx if j == c or ts[j] != rts]
    if w["maxsize"]:
        idx = idx[-w["maxsize"]:]  # the newest rows after the exclusions
    return [rows[j][1] for j in idx]


# ---------------------------------------------------------------- OpenMLDB dialect
# A case "openmldb:N" deploys a query in OpenMLDB's dialect over the same table
# shape (k text, v int, f float8, ts) with ts bigint (epoch ms) or timestamp:
#   WINDOW w AS (PARTITION BY k ORDER BY ts ROWS | ROWS_RANGE BETWEEN
#                UNBOUNDED PRECEDING | n [OPEN] PRECEDING AND
#                CURRENT ROW | n [OPEN] PRECEDING
#                [MAXSIZE n] [EXCLUDE CURRENT_ROW] [EXCLUDE CURRENT_TIME])
# with ROWS_RANGE offsets in OpenMLDB's time units ('3s', '2m', '1h', '1d',
# a bare number = ms; a day is 24 h) and OpenMLDB's aggregates (sum, avg,
# count, min, max, the *_where family with count_where(*, cond),
# distinct_count, first_value / last_value with and without ignore_null,
# lag / at) plus plain columns, spelled with OpenMLDB's lexical forms
# (backquotes, "text" strings, ==, qualified columns, lower case keywords, a
# comma before FROM).  The reference is om_model below: OpenMLDB's semantics
# written down independently of the translator (src/dialect/openmldb.cpp),
# from OpenMLDB's YAML cases (test/conformance/openmldb-cases):
#   * candidates: the key's stored rows with ts <= the request's, oldest first
#     (ties in insertion order), then the request, the newest of its peers;
#   * EXCLUDE CURRENT_TIME drops the stored rows with the request's time before
#     anything is counted (test_window_exclude_current_time.yaml 3: a ROWS
#     frame still has its n rows; window_attributes.yaml 9);
#   * ROWS: n PRECEDING = n rows back, n OPEN PRECEDING excludes the row
#     exactly n back (as start: n-1 rows back; as end: n+1);
#     ROWS_RANGE: ts in [t - start, t - end], OPEN excludes the bound's time;
#   * EXCLUDE CURRENT_ROW drops the request row only (its stored peers stay:
#     test_current_row.yaml 2, 3);
#   * MAXSIZE n (ROWS_RANGE only) keeps the n newest rows left after the
#     exclusions (test_current_row.yaml 14, test_maxsize.yaml 6, 8);
#   * lag(x, n) / at(x, n): the row n rows before the request among the
#     candidates (after EXCLUDE CURRENT_TIME), whatever w's bounds, MAXSIZE or
#     EXCLUDE CURRENT_ROW (OpenMLDB plans it as its own ROWS window:
#     window_attributes.yaml 0-9, test_current_row.yaml 24-27);
#   * first_value = the oldest row of the frame, last_value the newest
#     (test_window.yaml 33, 34; ignore_null: 38); sum keeps the type of its
#     argument, avg is double; NULL values are skipped, an empty frame gives
#     NULL (count: 0).
# Aggregates are computed in Python (float sums with math.fsum: the correctly
# rounded sum, which feature_ext's exact accumulator also gives).
# The generator stays away from the deliberate differences of docs/CONFORMANCE.md
# and docs/AGGREGATES.md: no NULL keys or order values (a 22004 error here,
# grouped by OpenMLDB), small integers (no int overflow: OpenMLDB wraps, 22003
# here), v never 0 and f never 0.0 (distinct_count: NULL is a value of its own
# here and folds into the type's zero in OpenMLDB, the same count when no zero
# occurs), no window without a frame, no expression over two windows (errors in
# OpenMLDB, accepted here), and none of the refused constructs
# (INSTANCE_NOT_IN_WINDOW, WINDOW UNION, LAST JOIN, FOLLOWING, 0 OPEN PRECEDING
# as a start).
EPOCH = datetime.datetime(1970, 1, 1)



class Stamp(int):
    """A timestamp order value: epoch milliseconds, written as a timestamp literal."""

    def sql(self):
        return "'%s'" % (EPOCH + datetime.timedelta(milliseconds=int(self))).isoformat(sep=" ", timespec="milliseconds")


OM_COL = {"k": 0, "v": 1, "f": 2, "ts": 3}
OM_UNITS = [("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)]
OM_GRIDS = [1, 10, 250, 1000, 15000, 60000, 900000, 3600000, 21600000, 86400000]


def _taken(x):
    return x is True


# conditions of the *_where aggregates: OpenMLDB text, value in Python (None = SQL NULL)
OM_CONDS = [
    ("v > 20", lambda r: None if r[1] is None else r[1] > 20),
    ("v < 30", lambda r: None if r[1] is None else r[1] < 30),
    ("f > 0", lambda r: None if r[2] is None else r[2] > 0),
    ("f <= 10.5", lambda r: None if r[2] is None else r[2] <= 10.5),
    ("v % 2 == 0", lambda r: None if r[1] is None else r[1] % 2 == 0),
    ('k == "k0"', lambda r: r[0] == "k0"),
    ("v > 10 AND f < 50", lambda r: (r[1] is not None and r[1] > 10) and (r[2] is not None and r[2] < 50)),
]
OM_AGGS = ["sum", "avg", "count", "min", "max", "count_where", "count_where*", "sum_where", "avg_where",
           "min_where", "max_where", "distinct_count", "first_value", "last_value", "lag", "at"]


def is_om(wins):
    return bool(wins) and wins[0].get("dialect") == "openmldb"


def om_offset_text(rng, ms):
    """ms as OpenMLDB writes a ROWS_RANGE offset: a whole number of some unit, or bare ms."""
    units = [(u, n) for u, n in OM_UNITS if ms % n == 0]
    if units and rng.random() < 0.8:
        u, n = rng.choice(units)
        return "%d%s" % (ms // n, u)
    return str(ms)


def om_frame_rand(rng, wid, grid):
    mode = rng.choice(["ROWS", "ROWS_RANGE"])

    def off():
        m = rng.choice([0, 1, 2, 3, 5, 8, 13])
        if mode == "ROWS":
            return m
        ms = m * grid
        if grid >= 2 and rng.random() < 0.15:  # a bound between two grid points
            ms += grid // 2
        return ms

    def bound(limit=None):
        a = off()
        if limit is not None:
            a = min(a, limit)
        return ("P", a, False, om_offset_text(rng, a) if mode == "ROWS_RANGE" else str(a))

    if rng.random() < 0.2:
        start = ("UNB", None, False, None)
    else:
        start = bound()
        if start[1] > 0 and rng.random() < 0.3:
            start = start[:2] + (True,) + start[3:]
    if rng.random() < 0.5:
        end = ("CUR", None, False, None)
    else:
        end = bound(None if start[0] == "UNB" else start[1])
        if rng.random() < 0.25:
            end = end[:2] + (True,) + end[3:]
    w = {"id": wid, "dialect": "openmldb", "mode": mode, "start": start, "end": end,
         "maxsize": rng.randint(1, 6) if mode == "ROWS_RANGE" and rng.random() < 0.3 else 0,
         "excl": "CURRENT_ROW" if rng.random() < 0.25 else "", "ect": rng.random() < 0.25,
         "ect_first": rng.random() < 0.5, "check": False, "mod_first": False,
         "col": rng.choice(["", "", "`", "dt."]), "lower": rng.random() < 0.2}
    return w


def om_agg_rand(rng, quote):
    """(OpenMLDB call, model spec (name, column, condition index, n))."""
    name = rng.choice(OM_AGGS)
    x = rng.choice(["v", "f"])
    q = quote + x + quote if quote == "`" else x
    cond = rng.randrange(len(OM_CONDS))
    if name in ("sum", "avg", "count", "min", "max"):
        return "%s(%s)" % (name, q), (name, x, None, None)
    if name == "count_where*":
        return "count_where(*, %s)" % OM_CONDS[cond][0], (name, None, cond, None)
    if name.endswith("_where"):
        return "%s(%s, %s)" % (name, q, OM_CONDS[cond][0]), (name, x, cond, None)
    if name == "distinct_count":
        x = rng.choice(["v", "f", "k"])
        return "distinct_count(%s)" % x, (name, x, None, None)
    if name in ("first_value", "last_value"):
        x = rng.choice(["v", "f", "k"])
        ign = rng.choice([None, None, True, False])
        if ign is None:
            return "%s(%s)" % (name, x), (name, x, None, None)
        return "%s(%s, %s)" % (name, x, "true" if ign else "false"), (name, x, None, ign)
    n = rng.randint(0, 3)
    x = rng.choice(["v", "f", "k"])
    return "%s(%s, %d)" % (name, x, n), (name, x, None, n)


def rand_omldb_case(seed):
    rng = random.Random(seed * 7919 + 5)
    nkeys = rng.randint(1, 3)
    nrows = rng.randint(15, 40)
    grid = rng.choice(OM_GRIDS)
    span = rng.choice([5, 20, 60])
    base = rng.choice([0, 1590738990000])
    stamp = Stamp if rng.random() < 0.5 else int
    rows = []
    for i in range(nrows):
        k = "k%d" % rng.randrange(nkeys)
        v = None if rng.random() < 0.12 else rng.randint(1, 50)  # never 0: see distinct_count above
        f = None if rng.random() < 0.12 else round(rng.uniform(-100, 100), rng.choice([0, 2, 6])) or 0.5
        rows.append((k, v, f, stamp(base + rng.randint(0, span) * grid)))
    nwin = rng.randint(1, 3)
    wins = [om_frame_rand(rng, j, grid) for j in range(nwin)]
    feats = []
    for c in ("k", "v"):
        if rng.random() < 0.2:
            feats.append({"alias": "c_" + c, "tmpl": c, "aggs": [], "spec": ("col", c, None, None)})
    for j in range(rng.randint(2, 6)):
        w = rng.randrange(nwin)
        call, spec = om_agg_rand(rng, "`" if wins[w]["col"] == "`" else "")
        if rng.random() < 0.1:
            call = call[:call.index("(")].upper() + call[call.index("("):]
        feats.append({"alias": "x%d" % j, "tmpl": "{0}", "aggs": [(call, w)], "spec": spec})
    return rows, wins, feats


def om_bound_sql(b):
    if b[0] == "UNB":
        return "UNBOUNDED PRECEDING"
    if b[0] == "CUR":
        return "CURRENT ROW"
    return "%s%s PRECEDING" % (b[3], " OPEN" if b[2] else "")


def om_window_sql(w):
    col = (lambda c: "`%s`" % c) if w["col"] == "`" else (lambda c: w["col"] + c)
    frame = "%s BETWEEN %s AND %s" % (w["mode"], om_bound_sql(w["start"]), om_bound_sql(w["end"]))
    if w["maxsize"]:
        frame += " MAXSIZE %d" % w["maxsize"]
    ex = (["EXCLUDE CURRENT_ROW"] if w["excl"] else []) + (["EXCLUDE CURRENT_TIME"] if w["ect"] else [])
    if w["ect_first"]:
        ex.reverse()
    frame = " ".join([frame] + ex)
    if w["lower"]:
        frame = frame.lower()
    return "w%d AS (PARTITION BY %s ORDER BY %s %s)" % (w["id"], col("k"), col("ts"), frame)


def om_deploy_query(wins, feats):
    comma = "," if len(feats) % 3 == 0 else ""  # OpenMLDB accepts a comma before FROM

    def text(ws):
        return "SELECT %s%s FROM dt WINDOW %s" % (
            ", ".join("%s AS %s" % (feature_sql(ft, over), ft["alias"]) for ft in feats), comma,
            ", ".join(om_window_sql(w) for w in ws))
    q = text(wins)
    return q


def om_candidates(rows, i):
    r = rows[i]
    return sorted(((rows[j], j) for j in range(i) if rows[j][0] == r[0] and rows[j][3] <= r[3]),
                  key=lambda c: (c[0][3], c[1])) + [(r, i)]


def om_frame(w, cands):
    """(frame, history): the (row, pos) of w's frame, oldest first, and the
    candidates lag() counts back in (the request last)."""
    rts = cands[-1][0][3]
    rows = cands
    if w["ect"]:  # the stored rows with the request's time, before anything is counted
        rows = [c for c in cands[:-1] if c[0][3] != rts] + [cands[-1]]
    c = len(rows) - 1
    key, cur = (list(range(len(rows))), c) if w["mode"] == "ROWS" else ([r[0][3] for r in rows], rts)
    s, e = w["start"], w["end"]
    lo = None if s[0] == "UNB" else cur - s[1] + (1 if s[2] else 0)
    hi = cur if e[0] == "CUR" else cur - e[1] - (1 if e[2] else 0)
    idx = [j for j in range(len(rows)) if (lo is None or key[j] >= lo) and key[j] <= hi]
    if w["excl"]:
        idx = [j for j in idx if j != c]
    if w["maxsize"]:
        idx = idx[-w["maxsize"]:]
    return [rows[j] for j in idx], rows


def om_eval(spec, frame, hist):
    """OpenMLDB's aggregate spec over frame (rows, oldest first); hist for lag / at."""
    name, x, cond, n = spec
    j = OM_COL.get(x)
    if name in ("lag", "at"):
        return hist[-1 - n][j] if n < len(hist) else None
    if name in ("first_value", "last_value"):
        vals = [r[j] for r in frame]
        if n is True:
            vals = [y for y in vals if y is not None]
        return (vals[0] if name == "first_value" else vals[-1]) if vals else None
    if name == "distinct_count":
        return len(set(r[j] for r in frame))
    if cond is not None:
        frame = [r for r in frame if _taken(OM_CONDS[cond][1](r))]
    if name == "count_where*":
        return len(frame)
    xs = [r[j] for r in frame if r[j] is not None]
    base = name.replace("_where", "")
    if base == "count":
        return len(xs)
    if not xs:
        return None
    if base == "sum":
        return math.fsum(xs) if x == "f" else sum(xs)
    if base == "avg":
        return math.fsum(float(y) for y in xs) / len(xs)
    return min(xs) if base == "min" else max(xs)


def om_model(rows, i, wins, feats):
    """{alias: OpenMLDB's value} for request i (rows 0..i-1 stored)."""
    cands = om_candidates(rows, i)
    win = {w["id"]: w for w in wins}
    out = {}
    for ft in feats:
        spec = ft["spec"]
        if spec[0] == "col":
            out[ft["alias"]] = rows[i][OM_COL[spec[1]]]
            continue
        frame, hist = om_frame(win[ft["aggs"][0][1]], cands)
        out[ft["alias"]] = om_eval(spec, [r for r, _ in frame], [r for r, _ in hist])
    return out


def om_explain(rows, i, wins, feats):
    """Comment lines for a repro script: the model's frames for request i."""
    cands = om_candidates(rows, i)
    lines = ["-- OpenMLDB model (Python, test/differential/run.py om_model): candidates (insertion number: row) "
             + "; ".join("%d: %s" % (p, ", ".join(sql_value(x) for x in r)) for r, p in cands)]
    for w in wins:
        frame, hist = om_frame(w, cands)
        lines.append("--   w%d frame: rows %s; lag counts back in rows %s" % (
            w["id"], [p for _, p in frame], [p for _, p in hist]))
    return lines


# ---------------------------------------------------------------- references
ASOF_POS = 1000000  # the label row's position in an as-of reference: last of its peers


def asof_candidates(rows, i):
    """training_set()'s history for row i of the table: every row of its key
    with order value <= its own, but its stored copy (the newest-inserted
    row equal to it in every column), in (ts, insertion) order, then the
    row itself as the request."""
    r = rows[i]
    self_j = max(j for j in range(len(rows)) if repr(rows[j]) == repr(r))
    return sorted(((rows[j], j) for j in range(len(rows))
                   if j != self_j and rows[j][0] == r[0] and rows[j][3] <= r[3]),
                  key=lambda c: (c[0][3], c[1])) + [(r, ASOF_POS)]


def reference(rows, i, wins, feats, asof=False):
    """The reference query for request i (rows 0..i-1 stored) and a function
    turning its result row into ({alias: native value}, {alias: model value}).
    asof: row i as training_set() sees it (asof_candidates).

    Features over a window with a modifier go through the model only, features
    over a model-checked window through both, all others natively only.
    OpenMLDB-dialect cases: no query (None), the Python model om_model only."""
    if is_om(wins):
        def om_parse(_):
            return {}, perturb("model", len(om_candidates(rows, i)) - 1, om_model(rows, i, wins, feats))
        return None, om_parse
    r = rows[i]
    if asof:
        cands, req_pos = asof_candidates(rows, i), ASOF_POS
    else:
        cands, req_pos = sorted(((rows[j], j) for j in range(i) if rows[j][0] == r[0] and rows[j][3] <= r[3]),
                                key=lambda c: (c[0][3], c[1])) + [(r, i)], i
    win = {w["id"]: w for w in wins}
    nat = [ft for ft in feats if not any(modified(win[w]) for _, w in ft["aggs"])]
    mod = [ft for ft in feats if any(modified(win[w]) or win[w]["check"] for _, w in ft["aggs"])]
    frames = {w["id"]: model_frame(w, cands) for w in wins if any(w["id"] == x for ft in mod for _, x in ft["aggs"])}

    def sub(agg, w):
        return "(SELECT %s FROM c WHERE %s)" % (
            ordered_call(agg), "pos IN (%s)" % ", ".join(map(str, frames[w])) if frames[w] else "false")

    cols = ["n.%s" % ft["alias"] for ft in nat] + ["%s AS m_%s" % (feature_sql(ft, sub), ft["alias"]) for ft in mod]
    src = "(VALUES %s) r(k, v, f, ts)" % typed_row(r)
    if nat:
        src = ("(SELECT %s, pos AS pos_ FROM (SELECT * FROM c ORDER BY ts, pos) x WINDOW %s) n, %s WHERE n.pos_ = %d"
               % (", ".join("%s AS %s" % (feature_sql(ft, over), ft["alias"]) for ft in nat),
                  ", ".join(window_sql(w, native=True) for w in wins), src, req_pos))
    sql = "WITH c(k, v, f, ts, pos) AS (VALUES %s)\nSELECT %s\n  FROM %s" % (
        ", ".join(typed_row(rr, (p,)) for rr, p in cands), ", ".join(cols), src)

    def parse(row):
        out = norm(row)
        natv = {ft["alias"]: x for ft, x in zip(nat, out)}
        modv = {ft["alias"]: x for ft, x in zip(mod, out[len(nat):])}
        if not asof:
            perturb("native", len(cands) - 1, natv)
            perturb("model", len(cands) - 1, modv)
        return natv, modv
    return sql, parse


def perturb(kind, ncand, vals):
    """FE_DIFF_SELFTEST only: a fake discrepancy in the named answer."""
    if SELFTEST != kind or ncand < 3:
        return vals
    keys = list(vals) if isinstance(vals, dict) else range(len(vals))
    for key in keys:
        x = vals[key]
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            vals[key] = x + 1
            break
    return vals


def stored_before(rows, i):
    return sum(1 for j in range(i) if rows[j][0] == rows[i][0] and rows[j][3] <= rows[i][3])


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


def problem(i, kind, cols, got, other, msg=None):
    return {"i": i, "kind": kind, "cols": cols, "got": got, "other": other, "msg": msg}


def check_row(i, feats, online, interp, batch, natv, modv):
    """The discrepancies of request i: one problem per kind, with the feature columns that differ."""
    aliases = [ft["alias"] for ft in feats]
    out = []

    def cmp(kind, other, eq):
        if other is None or len(other) != len(online):
            out.append(problem(i, kind, aliases, online, other))
            return
        cols = [a for a, x, y in zip(aliases, online, other) if not eq(x, y)]
        if cols:
            out.append(problem(i, kind, cols, online, other))

    cmp("jit off", interp, exact)
    cmp("batch", batch, same)
    for kind, vals in (("native", natv), ("model", modv)):
        cols = [a for a, x in zip(aliases, online) if a in vals and not same(x, vals[a])]
        if cols:
            out.append(problem(i, kind, cols, online, [vals.get(a, "-") for a in aliases]))
    cols = [a for a in aliases if a in natv and a in modv and not same(natv[a], modv[a])]
    if cols:  # the frame model disagrees with PostgreSQL's window executor
        out.append(problem(i, "model check", cols, [natv.get(a, "-") for a in aliases],
                           [modv.get(a, "-") for a in aliases]))
    return out


def check_asof(i, feats, asof, natv, modv, ref_sql):
    """training_set()'s answer for row i against its as-of references."""
    aliases = [ft["alias"] for ft in feats]
    out = []
    for kind, vals in (("as-of native", natv), ("as-of model", modv)):
        cols = [a for a, x in zip(aliases, asof) if a in vals and not same(x, vals[a])]
        if cols:
            q = problem(i, kind, cols, asof, [vals.get(a, "-") for a in aliases])
            q["ref"] = ref_sql
            out.append(q)
    return out


def error_problem(i, phase, e):
    msg = str(e).strip().split("\n")[0]
    return problem(i, "error in " + phase, [], None, None, msg)



# ---------------------------------------------------------------- long windows
# Seeds longwin:N (docs/DEPLOY.md, "Long windows"): one key with thousands
# of rows (ties, NULLs, values past 32 bits, late rows), compacted by the GC
# pass so that it has block summaries, then changed (DELETEs, late rows
# landing inside compacted blocks, sometimes a second GC pass); a random
# deployment of long windows (ROWS n >= 1024, UNBOUNDED, RANGE offset or
# UNBOUNDED, EXCLUDE, ending at the current row) with the aggregates that
# pre-aggregate, sometimes one that does not or a short window beside (the
# group then reads rows). Each request is answered four ways (JIT on/off x
# feature_ext.preaggregate on/off) and must equal PostgreSQL's own window
# executor over the stored rows plus the request as the last of its peers
# (fed only the rows that can reach the request's frame, so that its cost
# stays linear). The run fails if summaries were taken in too few seeds.
# 6 pre-aggregate (4 of them with b at the int8 limits), 4 read rows (a
# *_where condition on a column of many values / a short window beside / a
# float sum / avg_where of a bigint, whose float8 cast rounds); 7 of them
# also have conditional aggregates on c (LONG_COND); 5 of the 6 that
# pre-aggregate have float8 aggregates too (LONG_FLOAT); 1, 2, 6, 8 have
# text conditions (LONG_TEXT; t varchar in 1, 8, text in 2, 6; 2, 6, 8 an
# OpenMLDB-dialect deployment too),
# 3, 4, 5, 56 a real column (LONG_REAL)
CI_LONG_SEEDS = list(range(1, 9)) + [56, 74]
LONG_AGGS = ["count(*)", "count(v)", "sum(v)", "min(v)", "max(v)", "count(b)", "min(b)", "max(b)",
             "sum(s)", "min(s)", "max(s)", "count(s)",
             # numeric results from the summaries' exact 128-bit sums and counts
             "sum(b)", "avg(v)", "avg(b)", "avg(s)",
             # feature_ext's *_where with the condition true (the OpenMLDB dialect's
             # sum/avg/min/max/count; sum_where keeps the type: only v's sums fit)
             "feature_ext.sum_where(v, true)", "feature_ext.avg_where(v, true)", "feature_ext.avg_where(s, true)",
             "feature_ext.min_where(b, true)", "feature_ext.max_where(s, true)", "feature_ext.count_where(b, true)",
             "feature_ext.count_where(true)"]
LONG_OTHER = ["avg(v) FILTER (WHERE b > 0)", "sum(b / 2)", "max(v) FILTER (WHERE v > 0)", "sum(f)", "avg(f)",
              "feature_ext.sum_where(v, b > 0)", "feature_ext.avg_where(b, true)"]
# Conditions `column <op> constant` on c, an int2 column of 4 values and
# NULLs (docs/DEPLOY.md, "Long windows": the blocks' per-value maps): drawn
# from a second generator, so that the other draws of a seed stay as they were.
LONG_COND = ["feature_ext.sum_where(v, c > 0)", "feature_ext.count_where(c = 1)", "feature_ext.avg_where(v, c <> 2)",
             "feature_ext.min_where(b, c >= 1)", "feature_ext.max_where(s, c < 2)", "feature_ext.count_where(b, c <= 0)",
             "feature_ext.sum_where(v, 1 = c)", "count(*) FILTER (WHERE c = 0)", "sum(v) FILTER (WHERE c <> 1)",
             "avg(b) FILTER (WHERE c > 1)", "min(s) FILTER (WHERE c < 3)", "max(b) FILTER (WHERE c >= 2)",
             "count(v) FILTER (WHERE c <= 1)", "sum(b) FILTER (WHERE c = 3)"]
# Aggregates of the float8 column f that pre-aggregate by default (exact:
# count / min / max, conditional or not; docs/DEPLOY.md, "Float sums"),
# drawn from a third generator (the other draws of a seed stay as they
# were), which also puts NaN, +-Infinity and runs of -0 / +0 into f.
LONG_FLOAT = ["feature_ext.min_where(f, true)", "feature_ext.max_where(f, c > 0)", "feature_ext.count_where(f, c = 1)",
              "feature_ext.min_where(f, c <> 2)", "min(f) FILTER (WHERE c = 1)", "max(f) FILTER (WHERE c >= 1)",
              "count(f) FILTER (WHERE c < 2)", "feature_ext.max_where(f, true)", "min(f)", "max(f)", "count(f)"]
# Text conditions (docs/DEPLOY.md, "Long windows": `=` / `<>` over text /
# varchar under a deterministic collation, the blocks' maps keyed by a
# 64-bit hash of the bytes, values of up to 16 bytes compared inline):
# drawn from a fourth generator (the other draws of a seed stay as they
# were). Half the seeds get one more column t, `text` or `varchar(40)`,
# of a few values drawn from a pool (for text: short strings differing in
# one byte or in order, the empty string, values of 16 / 17 bytes and
# longer ones that differ only past byte 16, a multi-byte one; for
# varchar: values differing only in trailing spaces or case, the empty
# string, a blank) and NULLs; the rows come in stretches of 1-2 of the
# seed's values (the table summarises 7 columns, v b s f seq c t, so a
# block's maps hold 6 entries in all, 4 of them c's: docs/STORAGE.md), a
# tenth of the stretches of all of them (those blocks' maps of t overflow:
# rows read beside blocks taken). {C} is a constant drawn from the seed's values, the pool or a
# value no row holds. Such seeds also check one request through
# <name>_batch() (a source of the rows that can reach its frame, then the
# request: the batch path against the native answer; the request needing
# the fewest such rows among those needing >= 1,100) and, in 70% of them,
# deploy features of the same kind in the OpenMLDB dialect
# (count_where(*, t == "x"), sum_where(v, t != "y"), ...) over a ROWS /
# ROWS_RANGE window, checked JIT on / off x pre-aggregation on / off
# against the Python model of OpenMLDB's semantics (long_om_model).
LONG_TEXT_POOL = {
    "text": ["", "a", "b", "ab", "ba", "A", "abc", "acb", "abcdefghijklmnop", "abcdefghijklmnopq",
             "abcdefghijklmnopr", "abcdefghijklmnopqrstuvwxyz0123456789", "abcdefghijklmnopqrstuvwxyz0123456788",
             "\u00e9t\u00e9", "zz"],
    "varchar(40)": ["x", "x ", "x  ", "X", "", " ", "yy", "abcdefghijklmnopq", "abcdefghijklmnopq ",
                    "abcdefghijklmnop ", "abcdefghijklmnop", "ab", "ba"]}
LONG_TEXT = ["feature_ext.count_where(t = {C})", "feature_ext.sum_where(v, t <> {C})",
             "feature_ext.min_where(b, {C} = t)", "feature_ext.max_where(s, t != {C})",
             "feature_ext.avg_where(v, t = {C})", "feature_ext.count_where(b, t <> {C})",
             "feature_ext.count_where({C} <> t)", "feature_ext.max_where(f, t = {C})",
             "count(*) FILTER (WHERE t = {C})", "sum(v) FILTER (WHERE t = {C})", "min(b) FILTER (WHERE t <> {C})",
             "max(f) FILTER (WHERE t <> {C})", "count(v) FILTER (WHERE {C} <> t)", "avg(s) FILTER (WHERE {C} = t)",
             "max(b) FILTER (WHERE t = {C})"]
# count / min / max / sum_where / avg_where of a real column r (seeds without text conditions;
# rand_long_real): the *_where kernels widen float4 values to double.
LONG_REAL = ["feature_ext.min_where(r, true)", "feature_ext.max_where(r, c > 0)", "feature_ext.count_where(r, c = 1)",
             "feature_ext.min_where(r, c <> 2)", "feature_ext.max_where(r, true)", "feature_ext.count_where(r, true)",
             "min(r) FILTER (WHERE c = 1)", "max(r) FILTER (WHERE c >= 1)", "max(r)", "min(r)", "count(r)",
             # exact by default: blocks whose double sum is exact (the rest read)
             "feature_ext.sum_where(r, true)", "feature_ext.avg_where(r, c > 0)", "feature_ext.sum_where(r, c <> 2)",
             "feature_ext.avg_where(r, true)"]
# The OpenMLDB dialect's spellings: (call, model spec (aggregate, column));
# the model is long_om_model.
LONG_OM_TEXT = [("count_where(*, t == {C})", ("count*", None)), ("sum_where(v, t != {C})", ("sum", "v")),
                ("min_where(b, t = {C})", ("min", "b")), ("max_where(s, t != {C})", ("max", "s")),
                ("count_where(b, t == {C})", ("count", "b")), ("avg_where(v, t != {C})", ("avg", "v")),
                ("count_where(*, {C} != t)", ("count*", None))]
LONG_STATS = {"seeds": 0, "eligible": 0, "took": 0, "requests": 0, "cond_seeds": 0, "cond_took": 0,
              "float_seeds": 0, "float_took": 0, "t_seeds": 0, "t_took": 0, "r_seeds": 0, "r_took": 0, "text_batch": 0,
              "om_seeds": 0, "om_took": 0, "om_requests": 0}


def text_lit(x):
    return "'%s'" % x.replace("'", "''")


def om_text_lit(x):
    return '"%s"' % x


def rand_long_text(n, rows, nwins):
    """The text part of seed longwin:n (a fourth generator): None, or a dict
    with the type of t, its values for the rows (appended to them), a draw
    for late rows and requests, the PostgreSQL-dialect features and the
    OpenMLDB-dialect deployment."""
    trng = random.Random(n * 4391 + 23)
    if trng.random() >= 0.5:
        return None
    typ = trng.choice(sorted(LONG_TEXT_POOL))
    pool = LONG_TEXT_POOL[typ]
    vals = trng.sample(pool, trng.randint(2, 5))
    draw = lambda vs: None if trng.random() < 0.07 else trng.choice(vs)
    i = 0
    while i < len(rows):
        run = trng.randint(200, 2000)
        vs = vals if trng.random() < 0.1 else trng.sample(vals, trng.randint(1, 2))
        for r in rows[i:i + run]:
            r.append(draw(vs))
        i += run

    def const():
        return trng.choice(vals) if trng.random() < 0.7 else trng.choice(pool + ["no such value", "abcdefghijklmnopqz"])
    feats = []
    for j in range(trng.randint(1, 4)):
        feats.append(("t%d" % j, trng.choice(LONG_TEXT).format(C=text_lit(const())), trng.randrange(nwins)))
    om = None
    if trng.random() < 0.7:
        kind = trng.choice(["rows", "rows", "range", "range_unb"])
        size = trng.choice([1024, 2000, 4000]) if kind == "rows" else trng.choice([5000, 20000, 40000])
        ofeats = []
        for j in range(trng.randint(2, 4)):
            call, (agg, x) = trng.choice(LONG_OM_TEXT)
            c = const()
            ofeats.append(("o%d" % j, call.format(C=om_text_lit(c)), (agg, x, "!=" if "!=" in call else "==", c)))
        om = {"kind": kind, "size": size, "feats": ofeats}
    return {"col": "t", "type": typ, "draw": lambda: [draw(vals)], "feats": feats, "om": om}


def rand_long_real(n, rows, nwins):
    """Seeds without text conditions, a fifth generator: in 40% of them a
    column r real, a copy of f (its NaN, +-Infinity, -0 / +0 included) with
    a few values at float4's limits, and count_where / min_where / max_where / sum_where / avg_where
    (and FILTER, plain) of r: pre-aggregated by default, exact (docs/
    DEPLOY.md, "Float sums": widened float4 values)."""
    rrng = random.Random(n * 3571 + 29)
    if rrng.random() >= 0.4:
        return None
    for r in rows:
        r.append(r[5])
    for _ in range(rrng.randint(0, 4)):
        rows[rrng.randrange(len(rows))][7] = rrng.choice([3.4028234663852886e+38, -3.4028234663852886e+38,
                                                         1.1754943508222875e-38, -0.5, 0.1])
    feats = [("r%d" % j, rrng.choice(LONG_REAL), rrng.randrange(nwins)) for j in range(rrng.randint(1, 3))]
    return {"col": "r", "type": "real", "draw": lambda: [rrng.choice([None, 2.5, -0.0, 0.1])], "feats": feats,
            "om": None}


def long_om_sql(om):
    if om["kind"] == "rows":
        fr = "ROWS BETWEEN %d PRECEDING AND CURRENT ROW" % om["size"]
    elif om["kind"] == "range":
        fr = "ROWS_RANGE BETWEEN %d PRECEDING AND CURRENT ROW" % om["size"]
    else:
        fr = "ROWS_RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    return "SELECT %s FROM `dl` WINDOW w AS (PARTITION BY `k` ORDER BY `ts` %s)" % (
        ", ".join("%s OVER w AS %s" % (call, al) for al, call, _ in om["feats"]), fr)


def long_om_model(om, stored, req):
    """OpenMLDB's answers for request req over the stored rows (seq -> row):
    the candidates are the key's rows with ts <= the request's, oldest first
    (ties in insertion order), then the request (om_frame's rules)."""
    cands = [r for _, r in sorted(((r[1], sq), r) for sq, r in stored.items() if r[0] == req[0] and r[1] <= req[1])]
    cands.append(req)
    if om["kind"] == "rows":
        frame = cands[-(om["size"] + 1):]
    elif om["kind"] == "range":
        frame = [r for r in cands if r[1] >= req[1] - om["size"]]
    else:
        frame = cands
    col = {"v": 2, "b": 3, "s": 4}
    out = []
    for _, _, (agg, x, op, c) in om["feats"]:
        sel = [r for r in frame if r[7] is not None and (r[7] == c) == (op == "==")]
        if agg == "count*":
            out.append(len(sel))
            continue
        xs = [r[col[x]] for r in sel if r[col[x]] is not None]
        if agg == "count":
            out.append(len(xs))
        elif not xs:
            out.append(None)
        elif agg == "sum":
            out.append(sum(xs))
        elif agg == "avg":
            out.append(math.fsum(float(y) for y in xs) / len(xs))
        else:
            out.append(min(xs) if agg == "min" else max(xs))
    return out


def rand_long_case(n):
    rng = random.Random(n * 7717 + 3)
    crng = random.Random(n * 9973 + 11)  # the c column and conditions on it
    cval = lambda: None if crng.random() < 0.1 else crng.randint(0, 3)
    nrows = rng.randint(2500, 6000)
    ties = rng.choice([1, 2, 3])
    rows = []  # (k, ts, v, b, s, f)
    # a third of the seeds: b at the int8 limits, in stretches of one sign
    # (sum(b) / avg(b) beyond int64: PostgreSQL's numeric from 128-bit sums)
    big = random.Random(n * 131 + 7).random() < 0.35
    for i in range(nrows):
        k = "a" if rng.random() < 0.97 else "b"
        v = None if rng.random() < 0.1 else rng.randint(-1000, 1000)
        b = None if rng.random() < 0.1 else rng.randint(-10 ** 15, 10 ** 15)
        if big and b is not None:
            b = (2 ** 63 - 1 - abs(b) % 1000) if (i // 700) % 2 == 0 else (-2 ** 63 + abs(b) % 1000)
        sm = None if rng.random() < 0.1 else rng.randint(-32768, 32767)
        f = None if rng.random() < 0.1 else round(rng.uniform(-100, 100), 3)
        rows.append([k, (i // ties) * 10, v, b, sm, f, cval()])
    # late rows: some rows arrive after newer ones (they land inside runs)
    for _ in range(nrows // 20):
        j = rng.randrange(nrows)
        rows.append(rows.pop(j))
    nwin = rng.choice([1, 1, 2])
    wins = []
    for j in range(nwin):
        kind = rng.choice(["rows", "rows", "rows_unb", "range", "range_unb"])
        excl = ""
        if kind == "rows":
            size = rng.choice([1024, 1100, 1500, 2500, 4000])
            if size <= 1500 and rng.random() < 0.5:
                excl = rng.choice(["CURRENT ROW", "GROUP", "TIES"])
        elif kind == "range":
            size = rng.choice([4000, 10000, 30000])
            if size <= 4000 and rng.random() < 0.5:
                excl = rng.choice(["CURRENT ROW", "GROUP", "TIES"])
        else:
            size = None
        wins.append({"id": j, "kind": kind, "size": size, "excl": excl})
    if rng.random() < 0.08:  # a short window beside: the group reads rows
        wins.append({"id": nwin, "kind": "rows", "size": rng.choice([5, 50]), "excl": ""})
    feats = []
    for j in range(rng.randint(3, 6)):
        feats.append(("x%d" % j, rng.choice(LONG_AGGS), rng.randrange(len(wins))))
    if rng.random() < 0.08:  # an aggregate without summaries: the group reads rows
        feats.append(("o0", rng.choice(LONG_OTHER), 0))
    if crng.random() < 0.6:  # conditional aggregates on c (per-value maps)
        for j in range(crng.randint(1, 3)):
            feats.append(("c%d" % j, crng.choice(LONG_COND), crng.randrange(len(wins))))
    frng = random.Random(n * 6151 + 17)  # float8 aggregates and special values of f
    if frng.random() < 0.5:
        for j in range(frng.randint(1, 3)):
            feats.append(("f%d" % j, frng.choice(LONG_FLOAT), frng.randrange(len(wins))))
    if frng.random() < 0.4:
        # a stretch of -0 / +0 (ties of different bits, across c's entries)
        # and a few NaN / +-Infinity
        at = frng.randrange(nrows)
        for i in range(at, min(nrows, at + frng.choice([300, 1000]))):
            if rows[i][5] is not None:
                rows[i][5] = FloatLit(frng.choice(["-0", "0"]))
        for _ in range(frng.randint(0, 3)):
            rows[frng.randrange(nrows)][5] = FloatLit(frng.choice(["NaN", "Infinity", "-Infinity"]))
    changes = {"delete": rng.sample(range(nrows), rng.choice([0, 3, nrows // 400, nrows // 100])),
               "late": rng.randint(0, 40), "gc_again": rng.random() < 0.6}
    reqs = []
    last = max(r[1] for r in rows)
    for _ in range(10):
        ts = rng.choice([last + 10, last, rng.randrange(0, last + 1, 10), rng.randrange(0, last + 1)])
        reqs.append(["a" if rng.random() < 0.9 else rng.choice(["b", "zz"]), ts, rng.randint(-5, 5),
                     rng.choice([None, 7]), rng.randint(-3, 3), 1.5])
    for r in reqs:
        r.append(cval())
    text = rand_long_text(n, rows, len(wins)) or rand_long_real(n, rows, len(wins))
    if text:
        feats += text["feats"]
        for r in reqs:
            r += text["draw"]()
    return rows, wins, feats, changes, reqs, rng, crng, text


def cval_of(crng):
    return None if crng.random() < 0.1 else crng.randint(0, 3)


def long_frame_sql(w):
    if w["kind"] == "rows":
        fr = "ROWS BETWEEN %d PRECEDING AND CURRENT ROW" % w["size"]
    elif w["kind"] == "rows_unb":
        fr = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    elif w["kind"] == "range":
        fr = "RANGE BETWEEN %d PRECEDING AND CURRENT ROW" % w["size"]
    else:
        fr = "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    return fr + (" EXCLUDE " + w["excl"] if w["excl"] else "")


def long_eligible(wins, feats):
    return all(w["kind"] != "rows" or w["size"] >= 1024 for w in wins) and \
        all(a in LONG_AGGS or a in LONG_COND or a in LONG_FLOAT or a in LONG_REAL or al.startswith("t")
            for al, a, _ in feats)


def run_long_seed(cur, n, verbose=False):
    """Problems (strings) of seed longwin:n."""
    rows, wins, feats, changes, reqs, rng, crng, text = rand_long_case(n)
    tcols = ", " + text["col"] if text else ""  # the extra column (t or r) of seeds with text / real aggregates
    q = "SELECT %s FROM dl WINDOW %s" % (
        ", ".join("%s OVER w%d AS %s" % (a, w, al) for al, a, w in feats),
        ", ".join("w%d AS (PARTITION BY k ORDER BY ts %s)" % (w["id"], long_frame_sql(w)) for w in wins))
    if verbose:
        print(q)
    problems = []
    cur.execute("RESET feature_ext.jit")
    cur.execute("RESET feature_ext.preaggregate")
    cur.execute("SELECT feature_ext.undeploy('dlong') FROM feature_ext.deployments WHERE name = 'public.dlong'")
    cur.execute("DROP TABLE IF EXISTS dl")
    cur.execute("CREATE TABLE dl (k text, ts int8, v int, b int8, s int2, f float8, seq serial, c int2%s) "
                "USING feature_store" % ((", %s %s" % (text["col"], text["type"])) if text else ""))
    cur.execute("CREATE INDEX dl_k ON dl USING skiplist (k, ts)")
    vals = ", ".join("(%s)" % ", ".join(sql_value(x) for x in r) for r in rows)
    cur.execute("INSERT INTO dl (k, ts, v, b, s, f, c%s) VALUES %s" % (tcols, vals))
    cur.execute("SELECT feature_ext.run_gc()")
    # stored rows as the model knows them: seq -> row
    stored = {i + 1: r for i, r in enumerate(rows)}
    dels = [d + 1 for d in changes["delete"]]
    cur.execute("DELETE FROM dl WHERE seq = ANY(%s)", (dels,))
    for d in dels:
        stored.pop(d, None)
    last = max(r[1] for r in rows)
    late = [["a", rng.randrange(0, last, 10) + 5, rng.randint(-9, 9), rng.randint(-9, 9), 1, 0.5]
            for _ in range(changes["late"])]
    for r in late:
        r.append(cval_of(crng))
        if text:
            r += text["draw"]()
    if late:
        cur.execute("INSERT INTO dl (k, ts, v, b, s, f, c%s) VALUES " % tcols +
                    ", ".join("(%s)" % ", ".join(sql_value(x) for x in r) for r in late))
        for j, r in enumerate(late):
            stored[len(rows) + 1 + j] = r
    if changes["gc_again"]:
        cur.execute("SELECT feature_ext.run_gc()")
    cur.execute("SELECT feature_ext.deploy('dlong', %s)", (q,))
    cur.execute("SELECT rows_taken FROM feature_ext.preagg_stats()")
    taken0 = cur.fetchone()[0]
    feats_sql = ", ".join("%s OVER w%d AS %s" % (a, w, al) for al, a, w in feats)
    checked = []  # (rows its batch source needs, request, lower bound, native answer)
    nwins = ", ".join("w%d AS (ORDER BY ts %s)" % (w["id"], long_frame_sql(w)) for w in wins)
    for req in reqs:
        k, ts = req[0], req[1]
        # the oldest order value any window can reach for this request
        cand = sorted(((r[1], sq) for sq, r in stored.items() if r[0] == k and r[1] <= ts), reverse=True)
        lb = None
        for w in wins:
            if w["kind"] in ("rows_unb", "range_unb"):
                b = -1
            elif w["kind"] == "rows":
                b = cand[w["size"]][0] if len(cand) > w["size"] else -1
            else:
                b = ts - w["size"]
            lb = b if lb is None else min(lb, b)
        # the request's values, typed, spelled the same way in the call and
        # in the reference (-0.0::real is -(0.0::real), a -0)
        typed = ["%s::%s" % (sql_value(x), t) for x, t in zip(
            req, ["text", "int8", "int", "int8", "int2", "float8", "int2"] + ([text["type"]] if text else []))]
        args = ", ".join(typed[:6] + ["0"] + typed[6:])  # (seq: not read)
        ref = ("SELECT row(y.*)::text FROM (SELECT %s, is_req FROM (SELECT * FROM ("
               "SELECT k, ts, seq, v, b, s, f, c%s, false AS is_req FROM dl WHERE k = %s AND ts <= %d AND ts >= %d "
               "UNION ALL SELECT %s, 2147483647, %s, true) rq ORDER BY ts, seq) x WINDOW %s) y "
               "WHERE is_req" % (feats_sql, tcols, sql_value(k), ts, lb, ", ".join(typed[:2]),
                                 ", ".join(typed[2:]), nwins))
        cur.execute(ref)
        natv = cur.fetchone()[0]
        nsrc = sum(1 for t, _ in cand if t >= lb)  # the rows a batch source for this request needs
        checked.append((nsrc, req, lb, natv))
        for jit in ("on", "off"):
            for pre in ("on", "off"):
                cur.execute("SET feature_ext.jit = %s; SET feature_ext.preaggregate = %s" % (jit, pre))
                cur.execute("SELECT row(x.*)::text FROM dlong(%s) x" % args)
                got = cur.fetchone()[0]
                if got[:-1] + ",t)" != natv:
                    problems.append("request %s jit %s preaggregate %s: deployed %s, native %s\n  reference: %s"
                                    % (req, jit, pre, got, natv, ref))
        LONG_STATS["requests"] += 1
    cur.execute("RESET feature_ext.jit; RESET feature_ext.preaggregate")
    cur.execute("SELECT rows_taken FROM feature_ext.preagg_stats()")
    took = cur.fetchone()[0] - taken0
    if text:
        # the batch check's request: the one needing the fewest source rows
        # among those with at least 1,100 (a long frame), else the largest
        # (batch evaluates every source row: its cost grows with their number)
        big = [c for c in checked if c[0] >= 1100]
        pick = min(big, key=lambda c: c[0]) if big else max(checked, key=lambda c: c[0])
        problems += long_text_checks(cur, text, stored, reqs, pick[1:], feats, verbose)
    LONG_STATS["seeds"] += 1
    if long_eligible(wins, feats):
        LONG_STATS["eligible"] += 1
        LONG_STATS["took"] += took > 0
        if text:
            LONG_STATS[text["col"] + "_seeds"] += 1
            LONG_STATS[text["col"] + "_took"] += took > 0
        if any(a in LONG_COND for _, a, _ in feats):
            LONG_STATS["cond_seeds"] += 1
            LONG_STATS["cond_took"] += took > 0
        if any(a in LONG_FLOAT for _, a, _ in feats):
            LONG_STATS["float_seeds"] += 1
            LONG_STATS["float_took"] += took > 0
    elif took:
        problems.append("summaries taken (%d rows) by a deployment that should read rows" % took)
    if verbose:
        print("eligible: %s, rows taken as summaries: %d" % (long_eligible(wins, feats), took))
    return problems

def long_text_checks(cur, text, stored, reqs, last, feats, verbose):
    """Seeds with text conditions or a real column: one request through <name>_batch()
    (against the native answer), and the OpenMLDB-dialect deployment's
    requests (JIT on / off x pre-aggregation on / off) against
    long_om_model."""
    problems = []
    req, lb, natv = last
    cols = "k, ts, v, b, s, f, seq, c, " + text["col"]
    src = ("SELECT %s FROM (SELECT %s FROM dl WHERE k = %s AND ts <= %d AND ts >= %d UNION ALL "
           "SELECT %s::text, %d::int8, %s::int, %s::int8, %s::int2, %s::float8, 2147483647, %s::int2, %s::%s"
           ") x ORDER BY seq" % (cols, cols, sql_value(req[0]), req[1], lb, sql_value(req[0]), req[1],
                                 *[sql_value(x) for x in req[2:]], text["type"]))
    cur.execute("SELECT row(x.*)::text FROM dlong_batch(%s) x", (src,))
    out = cur.fetchall()
    got = out[-1][0] if out else None
    if got is None or got[:-1] + ",t)" != natv:
        problems.append("request %s through dlong_batch: %s, native %s\n  source: %s" % (req, got, natv, src))
    LONG_STATS["text_batch"] += 1
    om = text["om"]
    if om is None:
        return problems
    q = long_om_sql(om)
    if verbose:
        print("OpenMLDB dialect:", q)
    cur.execute("SELECT feature_ext.undeploy('dlongom') FROM feature_ext.deployments WHERE name = 'public.dlongom'")
    cur.execute("SELECT feature_ext.deploy('dlongom', %s)", (q,))
    cur.execute("SELECT rows_taken FROM feature_ext.preagg_stats()")
    taken0 = cur.fetchone()[0]
    for req in reqs:
        model = long_om_model(om, stored, req)
        args = "%s::text, %s::int8, %s::int, %s::int8, %s::int2, %s::float8, 0, %s::int2, %s::%s" % (
            tuple(sql_value(x) for x in req) + (text["type"],))
        for jit in ("on", "off"):
            for pre in ("on", "off"):
                cur.execute("SET feature_ext.jit = %s; SET feature_ext.preaggregate = %s" % (jit, pre))
                cur.execute("SELECT * FROM dlongom(%s)" % args)
                got = list(cur.fetchone())
                if len(got) != len(model) or not all(same(a, b) for a, b in zip(got, model)):
                    problems.append("OpenMLDB dialect request %s jit %s preaggregate %s: deployed %s, model %s\n"
                                    "  query: %s" % (req, jit, pre, got, model, q))
        LONG_STATS["om_requests"] += 1
    cur.execute("RESET feature_ext.jit; RESET feature_ext.preaggregate")
    cur.execute("SELECT rows_taken FROM feature_ext.preagg_stats()")
    took = cur.fetchone()[0] - taken0
    LONG_STATS["om_seeds"] += 1
    LONG_STATS["om_took"] += took > 0
    if verbose:
        print("OpenMLDB dialect: rows taken as summaries: %d" % took)
    cur.execute("SELECT feature_ext.undeploy('dlongom')")
    return problems


# ---------------------------------------------------------------- runs
def table_ddl(rows):
    return "CREATE TABLE dt (k text, v int, f float8, ts %s) USING feature_store" % (
        "timestamp" if isinstance(rows[-1][3], Stamp) else "int8")


def create_table(cur, rows):
    # The deployment stays: deploy(..., replace) below drops its functions
    # even when the re-created table's order column has another type.
    cur.execute("DROP TABLE IF EXISTS dt CASCADE")
    cur.execute(table_ddl(rows))
    cur.execute("CREATE INDEX dt_k ON dt USING skiplist (k, ts)")


def deploy(cur, wins, feats):
    cur.execute("SELECT feature_ext.deploy('dfeat', $fe$%s$fe$, '{\"replace\": true}')" % deploy_query(wins, feats))


def request_row(cur, rows, i, wins, feats, stepwise=False):
    """Request i (jit on, then off), its reference, then row i inserted and
    committed: one transaction, sent as one string (autocommit connection).
    Returns (online, interp, reference sql, natv, modv); on an error the row
    is run again statement by statement to name the failing step."""
    args = ", ".join(sql_value(x) for x in rows[i])
    ref_sql, parse = reference(rows, i, wins, feats)
    steps = [("request", "SELECT * FROM dfeat(%s)" % args),  # literal SQL: no placeholders
             ("request (jit off)", "SET feature_ext.jit = off"),
             ("request (jit off)", "SELECT * FROM dfeat(%s)" % args),
             ("request (jit off)", "SET feature_ext.jit = on"),
             ("reference", ref_sql),
             ("insert", "INSERT INTO dt VALUES (%s)" % args)]
    if ref_sql is None:  # OpenMLDB dialect: the reference is the Python model
        steps[4] = ("reference", "SELECT NULL")
    if not stepwise:
        try:
            cur.execute(";\n".join(q for _, q in steps))
        except psycopg.Error:
            cur.connection.rollback()
            return request_row(cur, rows, i, wins, feats, stepwise=True)
        online = norm(cur.fetchone())
        cur.nextset()
        cur.nextset()
        interp = norm(cur.fetchone())
        cur.nextset()
        cur.nextset()
        ref = cur.fetchone()
    else:
        res = []
        with cur.connection.transaction():
            for phase, q in steps:
                try:
                    cur.execute(q)
                except psycopg.Error as e:
                    raise RowError(phase, e)
                res.append(cur.fetchone() if cur.description else None)
        online, interp, ref = norm(res[0]), norm(res[2]), res[4]
    perturb("jit", stored_before(rows, i), interp)
    return (online, interp, ref_sql) + parse(ref)


class RowError(Exception):
    def __init__(self, phase, e):
        Exception.__init__(self, str(e))
        self.phase = phase
        self.error = e


STATS_ASOF = [0]  # rows checked through training_set()


def run_seed(cur, seed, verbose=False):
    rows, wins, feats = (rand_omldb_case if seed[0] == "openmldb" else rand_case)(seed[1])
    if verbose:
        print(deploy_query(wins, feats))
        if is_om(wins):
            print("reference: the Python model of OpenMLDB's semantics (om_model)")
        for w in ([] if is_om(wins) else wins):
            print("w%d: %s%s" % (w["id"], "modifiers (model reference)" if modified(w) else "no modifiers",
                                 ", model checked against the executor" if w["check"] else ""))
    phase, i = "deploy", 0
    res = []
    try:
        cur.execute("RESET feature_ext.jit")
        create_table(cur, rows)
        deploy(cur, wins, feats)
        if verbose and is_om(wins):
            cur.execute("SELECT feature_ext.explain('dfeat', false)")
            print("\n".join(l for l in cur.fetchone()[0].split("\n") if "planned as" in l))
        for i in range(len(rows)):
            res.append(request_row(cur, rows, i, wins, feats))
        phase = "batch"
        cur.execute("SELECT * FROM dfeat_batch('dt')")
        batch = [perturb("batch", stored_before(rows, j), norm(t)) for j, t in enumerate(cur.fetchall())]
        cur.execute("SELECT feature_ext.explain('dfeat', false) LIKE '%JIT in this session: on,%'")
        JIT_USED[0] += cur.fetchone()[0]
        asof, asof_refs = [], []
        if not is_om(wins):
            # training_set(): every row of the table as of its time, whatever
            # the insertion order (the rows are its source and its history)
            phase = "as-of"
            cur.execute("SELECT feature_ext.training_set_columns('dfeat', 'dt')")
            cols = cur.fetchone()[0]
            cur.execute("SELECT * FROM feature_ext.training_set('dfeat', 'dt', progress => 0) AS t%s" % cols)
            asof = [norm(t)[4:] for t in cur.fetchall()]
            phase = "as-of reference"
            for j in range(len(rows)):
                sql, parse = reference(rows, j, wins, feats, asof=True)
                cur.execute(sql)
                asof_refs.append(parse(cur.fetchone()) + (sql,))
            STATS_ASOF[0] += len(rows)
    except RowError as e:
        return rows, wins, feats, [error_problem(i, e.phase, e.error)]
    except psycopg.Error as e:
        cur.connection.rollback()
        return rows, wins, feats, [error_problem(i, phase, e)]
    problems = []
    for i, (online, interp, _, natv, modv) in enumerate(res):
        problems += check_row(i, feats, online, interp, batch[i] if i < len(batch) else None, natv, modv)
    if not is_om(wins):
        if len(asof) != len(rows):
            problems.append(problem(len(asof), "as-of rows", [], len(asof), len(rows)))
        for i, (row, (natv, modv, sql)) in enumerate(zip(asof, asof_refs)):
            problems += check_asof(i, feats, row, natv, modv, sql)
    return rows, wins, feats, problems


def check_case(cur, rows, wins, feats):
    """Runs the printed script for the last row standalone: its problems, and its reference SQL."""
    i = len(rows) - 1
    phase = "deploy"
    try:
        cur.execute("RESET feature_ext.jit")
        create_table(cur, rows)
        for r in rows[:-1]:
            cur.execute("INSERT INTO dt VALUES (%s)" % ", ".join(sql_value(x) for x in r))
        deploy(cur, wins, feats)
        online, interp, sql, natv, modv = request_row(cur, rows, i, wins, feats)
        phase = "batch"
        cur.execute("SELECT * FROM dfeat_batch('dt')")
        res = cur.fetchall()
        batch = perturb("batch", stored_before(rows, i), norm(res[-1])) if len(res) == len(rows) else None
    except RowError as e:
        return [error_problem(i, e.phase, e.error)], reference(rows, i, wins, feats)[0]
    except psycopg.Error as e:
        cur.connection.rollback()
        return [error_problem(i, phase, e)], None
    return check_row(i, feats, online, interp, batch, natv, modv), sql


def matches(p, target):
    if p["kind"] != target["kind"]:
        return False
    if target["msg"] is not None:
        return p["msg"] == target["msg"]
    return bool(set(p["cols"]) & set(target["cols"]))


def shrink(cur, rows, wins, feats, target):
    """Greedy: the smallest case found within SHRINK_SECONDS that still shows target."""
    t0 = time.time()
    tries = [0]
    last = rows[target["i"]]
    earlier = list(rows[:target["i"]])
    wins = [dict(w) for w in wins]
    feats = list(feats)

    def ok(e, w, f):
        if time.time() - t0 > SHRINK_SECONDS:
            return False
        tries[0] += 1
        probs, _ = check_case(cur, e + [last], w, f)
        return any(matches(p, target) for p in probs)

    if not ok(earlier, wins, feats):
        return None, tries[0], time.time() - t0
    used = set(target["cols"])
    # features: first everything that does not differ at once, then one by one
    keep = [ft for ft in feats if ft["alias"] in used]
    if keep != feats and keep and ok(earlier, wins, keep):
        feats = keep
    j = 0
    while j < len(feats) and len(feats) > 1:
        cand = feats[:j] + feats[j + 1:]
        if ok(earlier, wins, cand):
            feats = cand
        else:
            j += 1
    changed = True
    while changed and time.time() - t0 < SHRINK_SECONDS:
        changed = False
        # windows no feature uses
        for w in list(wins):
            if len(wins) > 1 and not any(x == w["id"] for ft in feats for _, x in ft["aggs"]):
                cand = [x for x in wins if x is not w]
                if ok(earlier, cand, feats):
                    wins = cand
        # rows: the other keys at once, then halves, quarters, ... single rows
        other = [r for r in earlier if r[0] == last[0]]
        if len(other) < len(earlier) and ok(other, wins, feats):
            earlier = other
            changed = True
        chunk = max(len(earlier) // 2, 1)
        while earlier:
            j = 0
            while j < len(earlier):
                cand = earlier[:j] + earlier[j + chunk:]
                if ok(cand, wins, feats):
                    earlier = cand
                    changed = True
                else:
                    j += chunk
            if chunk == 1:
                break
            chunk = max(chunk // 2, 1)
        # simpler windows: no modifier, no exclusion, no model check
        for n, w in enumerate(wins):
            for field, plain in (("maxsize", 0), ("ect", False), ("excl", ""), ("check", False)):
                if w[field] != plain:
                    cand = list(wins)
                    cand[n] = dict(w, **{field: plain})
                    if ok(earlier, cand, feats):
                        wins = cand
                        w = cand[n]
                        changed = True
    return (earlier + [last], wins, feats), tries[0], time.time() - t0


def fmt_vals(feats, vals):
    if vals is None:
        return "(no row)"
    return ", ".join("%s=%r" % (ft["alias"], x) for ft, x in zip(feats, vals))


def repro(rows, wins, feats, p=None, ref_sql=None):
    """SQL script: the table, rows 0..n-2, the deployment, the request of the last row."""
    lines = ["CREATE EXTENSION IF NOT EXISTS feature_ext;",
             table_ddl(rows) + ";",
             "CREATE INDEX dt_k ON dt USING skiplist (k, ts);"]
    for r in rows[:-1]:
        lines.append("INSERT INTO dt VALUES (%s);" % ", ".join(sql_value(x) for x in r))
    lines.append("SELECT feature_ext.deploy('dfeat', $$%s$$);" % deploy_query(wins, feats))
    args = ", ".join(sql_value(x) for x in rows[-1])
    lines.append("SELECT * FROM dfeat(%s);" % args)
    if p is None:
        return "\n".join(lines)
    if p["msg"] is not None:
        lines.append("-- %s: %s" % (p["kind"], p["msg"]))
        if p["kind"] == "error in batch":
            lines += ["INSERT INTO dt VALUES (%s);" % args, "SELECT * FROM dfeat_batch('dt');"]
        elif p["kind"] == "error in request (jit off)":
            lines += ["SET feature_ext.jit = off;", "SELECT * FROM dfeat(%s);" % args]
        elif p["kind"] == "error in reference" and ref_sql:
            lines.append(ref_sql + ";")
        return "\n".join(lines)
    got = "-- model: " if p["kind"] == "model check" else "-- request gives: "
    lines.append(got + fmt_vals(feats, p["got"]))
    if p["kind"] == "jit off":
        lines += ["SET feature_ext.jit = off;", "SELECT * FROM dfeat(%s);" % args,
                  "-- with jit off: " + fmt_vals(feats, p["other"])]
    elif p["kind"] == "batch":
        lines += ["INSERT INTO dt VALUES (%s);" % args, "SELECT * FROM dfeat_batch('dt');",
                  "-- batch, last row: " + fmt_vals(feats, p["other"])]
    else:
        what = {"native": "PostgreSQL's window executor",
                "model": "PostgreSQL's aggregates over the frame model's rows",
                "model check": "frame model vs PostgreSQL's window executor"}[p["kind"]]
        if is_om(wins):
            lines += om_explain(rows, len(rows) - 1, wins, feats)
            what = "OpenMLDB's semantics"
        else:
            lines.append("-- reference (%s; n.* = executor, m_* = frame model):" % what)
        if ref_sql:
            lines.append(ref_sql + ";")
        lines.append("-- which gives: " + fmt_vals(feats, p["other"]))
    lines.append("-- differing: %s" % ", ".join(p["cols"]))
    return "\n".join(lines)


def report(cur, seed, rows, wins, feats, problems, do_shrink):
    p = problems[0]
    kinds = {}
    for q in problems:
        kinds[q["kind"]] = kinds.get(q["kind"], 0) + 1
    print("seed %s: %d discrepancies (%s); first: row %d, %s%s: request %s, %s %s" % (
        seed_label(seed), len(problems), ", ".join("%s %d" % kv for kv in kinds.items()), p["i"], p["kind"], " (%s)" % ", ".join(p["cols"]) if p["cols"] else "",
        p["got"], p["kind"], p["other"] if p["msg"] is None else p["msg"]))
    if p["kind"].startswith("as-of"):
        # (not shrunk: the answer depends on every row of the table)
        print("-- reproduce (training_set over the whole table, row %d):" % p["i"])
        print(table_ddl(rows) + ";\nCREATE INDEX dt_k ON dt USING skiplist (k, ts);")
        for r in rows:
            print("INSERT INTO dt VALUES (%s);" % ", ".join(sql_value(x) for x in r))
        print("SELECT feature_ext.deploy('dfeat', $fe$%s$fe$);" % deploy_query(wins, feats))
        print("SELECT * FROM feature_ext.training_set('dfeat', 'dt') AS t -- columns: training_set_columns('dfeat', 'dt')")
        print("-- reference for row %d:\n%s;" % (p["i"], p.get("ref")))
        return
    case = rows[:p["i"] + 1], wins, feats
    if do_shrink:
        small, tries, secs = shrink(cur, rows, wins, feats, p)
        if small is None:
            print("-- (the standalone script below does not show it; unshrunk, from the run)")
        else:
            print("-- shrunk in %.1fs, %d candidates: %d -> %d rows, %d -> %d features, %d -> %d windows" % (
                secs, tries, p["i"] + 1, len(small[0]), len(feats), len(small[2]), len(wins), len(small[1])))
            case = small
    probs, ref_sql = check_case(cur, *case)
    shown = next((q for q in probs if matches(q, p)), None)
    print("-- reproduce:\n" + repro(*case, p=shown or p, ref_sql=ref_sql))


def seed_label(seed):
    """(dialect, n) as --seed takes it: 17 (PostgreSQL dialect) or openmldb:17."""
    return "%s%d" % ({"openmldb": "openmldb:", "longwin": "longwin:"}.get(seed[0], ""), seed[1])


def parse_seed(text):
    dialect, _, n = text.rpartition(":")
    if dialect not in ("", "pg", "openmldb", "longwin") or not n.lstrip("-").isdigit():
        raise argparse.ArgumentTypeError("a seed is N (PostgreSQL dialect), openmldb:N or longwin:N")
    return (dialect or "pg", int(n))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=parse_seed, help="run one seed: N (PostgreSQL dialect) or openmldb:N")
    ap.add_argument("--long", type=int, metavar="SECONDS", help="random seeds for this many seconds")
    ap.add_argument("--dialect", choices=["both", "pg", "openmldb"], default="both",
                    help="the deployments' dialect (fixed and --long seeds; default both)")
    ap.add_argument("--port", type=int, help="use a running server on this port (/tmp socket)")
    ap.add_argument("--no-shrink", action="store_true", help="print failing cases unshrunk")
    ap.add_argument("--long-windows", type=int, metavar="N",
                    help="only N random long-window seeds (pre-aggregation; fixed runs include longwin:%s)"
                    % ",".join(map(str, CI_LONG_SEEDS)))
    args = ap.parse_args()
    if SELFTEST:
        print("FE_DIFF_SELFTEST=%s: a fake discrepancy is injected into the %s answers (shrinker self-test)"
              % (SELFTEST, SELFTEST))
    stop = None
    port = args.port
    if port is None:
        port = conf.free_port()
        stop = conf.start_server(port)
    failed = passed = 0
    stats = {"modified": 0, "checked": 0, "openmldb": 0, "om_modified": 0}
    try:
        # autocommit: each statement (or multi-statement string) is one transaction
        con = psycopg.connect(host="/tmp", port=port, user="postgres", dbname="postgres", autocommit=True)
        con.prepare_threshold = None  # redeploys change result types; no client-side prepared statements
        cur = con.cursor()
        cur.execute("SET client_min_messages = warning")
        cur.execute("CREATE EXTENSION IF NOT EXISTS feature_ext")
        if args.seed is not None:
            seeds = [args.seed]
        elif args.long_windows:
            seeds = [("longwin", random.randrange(1 << 30)) for _ in range(args.long_windows)]
        elif args.long:
            seeds = None
        else:
            seeds = [("pg", n) for n in CI_SEEDS if args.dialect != "openmldb"] + \
                [("openmldb", n) for n in CI_OMLDB_SEEDS if args.dialect != "pg"] + \
                [("longwin", n) for n in CI_LONG_SEEDS if args.dialect != "openmldb"]
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
                dialect = args.dialect if args.dialect != "both" else "openmldb" if i % 2 else "pg"
                seed = (dialect, random.randrange(1 << 30))
            i += 1
            if seed[0] == "longwin":
                try:
                    lp = run_long_seed(cur, seed[1], verbose=args.seed is not None)
                except psycopg.Error as e:
                    cur.connection.rollback() if not cur.connection.autocommit else None
                    lp = ["error: %s" % str(e).strip().split("\n")[0]]
                if lp:
                    failed += 1
                    print("FAIL seed %s (python3 test/differential/run.py --seed %s):\n  %s"
                          % (seed_label(seed), seed_label(seed), "\n  ".join(lp[:5])))
                else:
                    passed += 1
                continue
            rows, wins, feats, problems = run_seed(cur, seed, verbose=args.seed is not None)
            if is_om(wins):
                stats["openmldb"] += 1
                stats["om_modified"] += any(modified(w) for w in wins)
            else:
                stats["modified"] += any(modified(w) for w in wins)
                stats["checked"] += any(w["check"] for w in wins)
            if problems:
                failed += 1
                report(cur, seed, rows, wins, feats, problems, not args.no_shrink and failed <= SHRINK_MAX)
            else:
                passed += 1
        cur.execute("SELECT feature_ext.undeploy('dfeat') FROM feature_ext.deployments WHERE name = 'public.dfeat'")
        cur.execute("DROP TABLE IF EXISTS dt")
        cur.execute("SELECT feature_ext.undeploy('dlong') FROM feature_ext.deployments WHERE name = 'public.dlong'")
        cur.execute("SELECT feature_ext.undeploy('dlongom') FROM feature_ext.deployments WHERE name = 'public.dlongom'")
        cur.execute("DROP TABLE IF EXISTS dl")
        con.close()
        if LONG_STATS["seeds"]:
            print("long windows: %d seeds (%d requests, each 4 ways), %d could pre-aggregate, summaries taken in %d"
                  % (LONG_STATS["seeds"], LONG_STATS["requests"], LONG_STATS["eligible"], LONG_STATS["took"]))
            if LONG_STATS["eligible"] >= 4 and LONG_STATS["took"] * 2 < LONG_STATS["eligible"]:
                print("FAIL: block summaries were taken in too few long-window seeds for the comparison to mean anything")
                failed += 1
            print("long windows with conditions on c (per-value maps): %d could pre-aggregate, summaries taken in %d"
                  % (LONG_STATS["cond_seeds"], LONG_STATS["cond_took"]))
            if LONG_STATS["cond_seeds"] >= 4 and LONG_STATS["cond_took"] * 2 < LONG_STATS["cond_seeds"]:
                print("FAIL: per-value maps were taken in too few long-window seeds with conditions")
                failed += 1
            print("long windows with float8 count / min / max (plain, *_where, FILTER): %d could pre-aggregate, "
                  "summaries taken in %d" % (LONG_STATS["float_seeds"], LONG_STATS["float_took"]))
            if LONG_STATS["float_seeds"] >= 4 and LONG_STATS["float_took"] * 2 < LONG_STATS["float_seeds"]:
                print("FAIL: float8 summaries were taken in too few long-window seeds with float aggregates")
                failed += 1
            print("long windows with text conditions (t text or varchar: = / <>, *_where and FILTER): %d could "
                  "pre-aggregate, summaries taken in %d; one request through _batch() (text and real seeds) in %d seeds; OpenMLDB "
                  "dialect: %d seeds (%d requests, each 4 ways, against the model), summaries taken in %d" % (
                      LONG_STATS["t_seeds"], LONG_STATS["t_took"], LONG_STATS["text_batch"],
                      LONG_STATS["om_seeds"], LONG_STATS["om_requests"], LONG_STATS["om_took"]))
            print("long windows with count / min / max (plain, *_where, FILTER), sum_where / avg_where of a real column: %d could "
                  "pre-aggregate, summaries taken in %d" % (LONG_STATS["r_seeds"], LONG_STATS["r_took"]))
            if LONG_STATS["r_seeds"] >= 4 and LONG_STATS["r_took"] * 2 < LONG_STATS["r_seeds"]:
                print("FAIL: float4 summaries were taken in too few long-window seeds with real aggregates")
                failed += 1
            if LONG_STATS["t_seeds"] >= 4 and LONG_STATS["t_took"] * 2 < LONG_STATS["t_seeds"]:
                print("FAIL: text maps were taken in too few long-window seeds with text conditions")
                failed += 1
            if LONG_STATS["om_seeds"] >= 4 and LONG_STATS["om_took"] * 2 < LONG_STATS["om_seeds"]:
                print("FAIL: summaries were taken in too few OpenMLDB-dialect long-window deployments")
                failed += 1
        print("differential: %d seeds (%d PostgreSQL dialect, %d OpenMLDB dialect), %.1fs; requests ran compiled "
              "code in %d seeds; PostgreSQL dialect: window modifiers in %d seeds, frame model checked against the "
              "executor in %d, %d rows as of their time through training_set(); OpenMLDB dialect: MAXSIZE or "
              "EXCLUDE CURRENT_TIME in %d" % (
                  passed + failed, passed + failed - stats["openmldb"], stats["openmldb"], time.time() - t0,
                  JIT_USED[0], stats["modified"], stats["checked"], STATS_ASOF[0], stats["om_modified"]))
        if passed + failed - LONG_STATS["seeds"] >= 20 and JIT_USED[0] < (passed + failed - LONG_STATS["seeds"]) // 2:
            print("FAIL: the JIT ran in too few seeds for jit on = off to mean anything")
            failed += 1
        print("%d passed, %d failed" % (passed, failed))
    finally:
        if stop:
            stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
