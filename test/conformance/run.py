#!/usr/bin/env python3
"""OpenMLDB conformance: replay OpenMLDB's own window and LAST JOIN cases through deploy().

For every case of cases/function/window/*.yaml and
cases/integration_test/window/*.yaml (OpenMLDB's YAML suite, see its
README.md): create the input tables as feature_store tables with skiplist
indexes from the case's `indexs`, deploy the case's sql, replay the main
table's rows with OpenMLDB's request protocol (request row i, then insert
row i, committed) and compare with `expect`.  Cases whose mode is
request-unsupported or that use a construct the OpenMLDB dialect refuses
(SQLSTATE 0A000 at deploy) are skipped with the reason.

test/conformance/passing.txt lists the case ids that pass; the run fails
(exit 1) when one of them no longer passes.  Other cases may fail (the to-do
list).  --update rewrites passing.txt.  Prints one line per file and a final
line "N passed, M failed, K skipped".  Semantics: docs/CONFORMANCE.md.
"""
import argparse
import collections
import datetime
import decimal
import glob
import itertools
import math
import os
import re
import sys
import time

try:
    import psycopg
    import yaml
except ImportError:  # e.g. a pyenv python3 without Debian's python3-psycopg / python3-yaml
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test"))
import pgserver  # noqa: E402  (the throwaway server)
GLOBS = ["cases/function/window/*.yaml", "cases/integration_test/window/*.yaml",
         # LAST JOIN (multi-table deployments): the first input table is the request's
         "cases/function/join/*.yaml", "cases/integration_test/join/*.yaml", "cases/query/last_join*.y*ml",
         # long windows (OpenMLDB's pre-aggregation: `longWindow` / deploy options(long_windows=...))
         "cases/function/long_window/*.yaml", "cases/integration_test/long_window/*.yaml"]
PASSING = os.path.join(ROOT, "test", "conformance", "passing.txt")
PORT = 55441

TYPES = {
    "int": "integer", "int32": "integer", "integer": "integer", "smallint": "smallint", "int16": "smallint",
    "bigint": "bigint", "int64": "bigint", "long": "bigint", "float": "real", "double": "double precision",
    "string": "text", "varchar": "text", "timestamp": "timestamp", "date": "date", "bool": "boolean",
}
EPOCH = datetime.datetime(1970, 1, 1)


class Skip(Exception):
    pass


class Fail(Exception):
    pass


# ---------------------------------------------------------------- server
def free_port():
    return pgserver.free_port(PORT)


def start_server(port):
    return pgserver.start_server(port, "feature_ext.conf.")


# ---------------------------------------------------------------- cases
def load_cases(cases_root):
    """Yields (file, case id, case dict, sql, expect)."""
    for pattern in GLOBS:
        for path in sorted(glob.glob(os.path.join(cases_root, pattern))):
            rel = os.path.relpath(path, cases_root)
            with open(path) as f:
                doc = yaml.safe_load(f)
            for case in doc.get("cases") or []:
                cid = "%s:%s" % (rel, case.get("id"))
                sql = case.get("sql")
                providers = case.get("dataProvider")
                if sql and providers:
                    for n, combo in enumerate(itertools.product(*providers)):
                        s = sql
                        for k, v in enumerate(combo):
                            s = s.replace("d[%d]" % k, str(v))
                        # an expectProvider entry overrides the fields of expect (OpenMLDB's framework)
                        exp = dict(case.get("expect") or {})
                        exp.update((case.get("expectProvider") or {}).get(n) or {})
                        yield rel, "%s[%d]" % (cid, n), case, s, exp
                else:
                    yield rel, cid, case, sql, case.get("expect") or {}


def col_specs(cols):
    out = []
    for c in cols:
        parts = str(c).split()
        if len(parts) < 2 or parts[1].lower() not in TYPES:
            raise Skip("column type not mapped: %s" % c)
        out.append((parts[0], parts[1].lower()))
    return out


def parse_value(v, typ):
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        if s.upper() == "NULL":
            return None
        if typ in ("int", "int32", "integer", "smallint", "int16", "bigint", "int64", "long"):
            return int(s)
        if typ in ("float", "double"):
            return float(s)
        if typ == "timestamp":
            return int(s) if re.fullmatch(r"-?\d+", s) else s
        if typ == "bool":
            return s.lower() == "true"
        return s
    return v


def table_rows(spec, cols):
    if "rows" in spec and spec["rows"] is not None:
        raw = spec["rows"]
    elif spec.get("data"):
        raw = [line.split(",") for line in str(spec["data"]).strip().splitlines() if line.strip()]
    else:
        raw = []
    rows = []
    for r in raw:
        if len(r) != len(cols):
            raise Skip("row width differs from the columns")
        rows.append([parse_value(v, t) for v, (_, t) in zip(r, cols)])
    return rows


def to_db(v, typ):
    if v is None:
        return None
    if typ == "timestamp" and isinstance(v, int):
        return EPOCH + datetime.timedelta(milliseconds=v)
    if typ == "timestamp" and isinstance(v, str) and "currentTime" in v:
        raise Skip("{currentTime} rows (TTL cases)")
    if typ == "date":
        return str(v)
    return v


def from_db(v):
    if isinstance(v, datetime.datetime):
        return int((v - EPOCH) / datetime.timedelta(milliseconds=1))
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def same(a, e, typ):
    if a is None or e is None:
        return a is None and e is None
    if typ in ("float", "double") or isinstance(a, float) or isinstance(e, float):
        try:
            a, e = float(a), float(e)
        except (TypeError, ValueError):
            return False
        if math.isnan(a) or math.isnan(e):
            return math.isnan(a) and math.isnan(e)
        tol = 1e-6 if typ == "float" else 1e-9
        return a == e or abs(a - e) <= tol * max(abs(a), abs(e))
    if typ == "bool":
        return bool(a) == (e if isinstance(e, bool) else str(e).lower() == "true")
    if isinstance(a, int) and not isinstance(a, bool):
        try:
            return a == int(e)
        except (TypeError, ValueError):
            return False
    return str(a) == str(e)


def sort_key(v):
    return (v is not None, v if v is not None else 0)


class Runner:
    def __init__(self, conn):
        self.conn = conn
        self.n = 0

    def sql(self, q, params=None):
        with self.conn.cursor() as cur:
            cur.execute(q, params)
            return cur.fetchall() if cur.description else None, cur.description

    def run_case(self, case, sql, expect):
        mode = str(case.get("mode") or "")
        if "request-unsupport" in mode:
            raise Skip("mode request-unsupported")
        if not sql:
            raise Skip("multi-statement case (sqls)")
        items = {m.strip() for m in mode.split(",")}
        if re.search(r"last\s+join", sql, re.I):
            # OpenMLDB's online engine (rtidb) does not run these; its default
            # online mode (performance-sensitive) refuses a join no index serves.
            if "rtidb-unsupport" in items:
                raise Skip("mode rtidb-unsupported (OpenMLDB does not run it online)")
            if "performance-sensitive-unsupport" in items:
                raise Skip("mode performance-sensitive-unsupported (a join no index serves: OpenMLDB's online "
                           "default refuses it, as deploy() does)")
        inputs = case.get("inputs") or []
        if not inputs:
            raise Skip("no input tables")
        for spec in inputs:
            if spec.get("resource") or spec.get("create") or spec.get("sql"):
                raise Skip("input table with custom DDL / resource")
        self.n += 1
        tables = []
        try:
            return self._run(case, sql, expect, inputs, tables)
        finally:
            self.conn.rollback()
            self.sql("SELECT feature_ext.undeploy(name) FROM feature_ext.deployments WHERE name = %s",
                     ("public.conf_d%d" % self.n,))
            for t in tables:
                self.sql('DROP TABLE IF EXISTS "%s" CASCADE' % t)

    def _run(self, case, sql, expect, inputs, tables):
        # OpenMLDB's DEPLOY statement (the long_window cases): its SELECT is
        # deployed; options(long_windows='w:bucket') ask OpenMLDB to
        # pre-aggregate those windows, which feature_ext decides by itself
        # (docs/DEPLOY.md, "Long windows"): the answers are the same.
        long_windows = case.get("longWindow")
        m = re.match(r"\s*deploy\s+\S+\s+(?:options\s*\(((?:[^()']|'[^']*')*)\)\s*)?(select\b.*)$", sql, re.I | re.S)
        if m:
            lw = re.search(r"long_windows\s*=\s*'([^']*)'", m.group(1) or "", re.I)
            long_windows = lw.group(1) if lw else long_windows
            sql = m.group(2)
        specs = []
        for k, spec in enumerate(inputs):
            name = spec.get("name") or "conf_t%d_%d" % (self.n, k)
            cols = col_specs(spec.get("columns") or [])
            rows = table_rows(spec, cols)
            specs.append((name, cols, rows))
            sql = sql.replace("{%d}" % k, name)
        if "{" in re.sub(r"'[^']*'", "", sql) and re.search(r"\{\w+\}", sql):
            raise Skip("unresolved placeholder in sql")
        for k, (name, cols, rows) in enumerate(specs):
            self.sql('DROP TABLE IF EXISTS "%s" CASCADE' % name)
            self.sql('CREATE TABLE "%s" (%s) USING feature_store' %
                     (name, ", ".join('"%s" %s' % (c, TYPES[t]) for c, t in cols)))
            tables.append(name)
            colnames = [c for c, _ in cols]
            for idx in inputs[k].get("indexs") or inputs[k].get("index") or []:
                parts = str(idx).split(":")
                if len(parts) < 3 or not parts[2]:
                    raise Skip("index without an order column")
                keys = parts[1].split("|")
                if any(c not in colnames for c in keys + [parts[2]]):
                    raise Skip("index over an unknown column")
                self.sql('CREATE INDEX ON "%s" USING skiplist (%s)' %
                         (name, ", ".join('"%s"' % c for c in keys + [parts[2]])))
            if k > 0:
                for r in rows:
                    self.insert(name, cols, r)
        self.conn.commit()
        fname = "conf_d%d" % self.n
        expect_fail = expect.get("success") is False
        try:
            if long_windows:  # (checked by deploy(); pre-aggregation is decided by feature_ext)
                self.sql("SELECT feature_ext.deploy(%s, %s, jsonb_build_object('long_windows', %s::text))",
                         (fname, sql, str(long_windows)))
            else:
                self.sql("SELECT feature_ext.deploy(%s, %s)", (fname, sql))
            self.conn.commit()
        except psycopg.Error as e:
            self.conn.rollback()
            msg = (e.diag.message_primary or str(e)).strip()
            if expect_fail:
                return
            if e.sqlstate == "0A000":
                raise Skip(re.sub(r" \(at character \d+\)", "", msg))
            raise Fail("deploy: %s: %s" % (e.sqlstate, msg))
        name, cols, rows = specs[0]
        results = []
        desc = None
        for r in rows:
            params = [to_db(v, t) for v, (_, t) in zip(r, cols)]
            try:
                out, desc = self.sql("SELECT * FROM %s(%s)" % (
                    fname, ", ".join("%%s::%s" % TYPES[t] for _, t in cols)), params)
                self.conn.commit()
            except psycopg.Error as e:
                self.conn.rollback()
                if expect_fail:
                    return
                raise Fail("request: %s: %s" % (e.sqlstate, (e.diag.message_primary or str(e)).strip()))
            results.append([from_db(v) for v in out[0]])
            self.insert(name, cols, r)
            self.conn.commit()
        if expect_fail:
            raise Fail("expected an error, got results")
        ecols = expect.get("columns")
        if not ecols:
            if expect.get("rows") is None and expect.get("data") is None:
                return
            raise Skip("expect without columns")
        ecols = col_specs(ecols)
        erows = table_rows(expect, ecols)
        anames = [d.name for d in desc] if desc else []
        if [c.lower() for c, _ in ecols] != [a.lower() for a in anames]:
            raise Fail("columns %s, expected %s" % (anames, [c for c, _ in ecols]))
        order = expect.get("order")
        if order:
            i = [c for c, _ in ecols].index(order) if order in [c for c, _ in ecols] else None
            if i is None:
                raise Skip("order column not in the output")
            results.sort(key=lambda r: sort_key(r[i]))
            erows.sort(key=lambda r: sort_key(r[i]))
        if len(results) != len(erows):
            raise Fail("%d rows, expected %d" % (len(results), len(erows)))
        for ra, re_ in zip(results, erows):
            for j, (c, t) in enumerate(ecols):
                if not same(ra[j], re_[j], t):
                    raise Fail("row %s: column %s is %r, expected %r" % (re_, c, ra[j], re_[j]))

    def insert(self, name, cols, r):
        self.sql('INSERT INTO "%s" VALUES (%s)' % (name, ", ".join("%%s::%s" % TYPES[t] for _, t in cols)),
                 [to_db(v, t) for v, (_, t) in zip(r, cols)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default=os.path.join(ROOT, "test", "conformance", "openmldb-cases"),
                    help="root of OpenMLDB's cases (default: the vendored window cases)")
    ap.add_argument("--update", action="store_true", help="rewrite passing.txt with the cases that pass")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every failing and skipped case")
    ap.add_argument("--port", type=int, default=None, help="use a running server on this port (/tmp socket)")
    ap.add_argument("--jit", choices=["on", "off", "both"], default="both",
                    help="feature_ext.jit for the requests; both (default): every case runs with the compiled "
                         "code and with the interpreter, and passes only if it passes both ways")
    ap.add_argument("--only", default=None, help="run only the cases whose id matches this regular expression")
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(args.cases, "cases")):
        print("no OpenMLDB cases at %s (use --cases)" % args.cases)
        return 1
    listed = set()
    if os.path.exists(PASSING):
        with open(PASSING) as f:
            listed = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    stop = None
    if args.port is None:
        port = free_port()
        stop = start_server(port)
    else:
        port = args.port
    t0 = time.time()
    try:
        conn = psycopg.connect(host="/tmp", port=port, user="postgres", dbname="postgres")
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS feature_ext")
            cur.execute("SET client_min_messages = warning")
            cur.execute("SET statement_timeout = '20s'")
            cur.execute("SET TimeZone = 'UTC'")
        conn.commit()
        runner = Runner(conn)
        groups = collections.OrderedDict()
        passed, failed, skipped = [], [], []
        reasons = collections.Counter()
        details = []
        modes = ["on", "off"] if args.jit == "both" else [args.jit]
        cases = [c for c in load_cases(args.cases) if not args.only or re.search(args.only, c[1])]
        for rel, cid, case, sql, expect in cases:
            g = groups.setdefault(rel, [0, 0, 0])
            outcome = None
            for mode in modes:  # a case passes only if it passes in every mode
                with conn.cursor() as cur:
                    cur.execute("SET feature_ext.jit = %s" % mode)
                conn.commit()
                try:
                    runner.run_case(case, sql, expect)
                    continue
                except Skip as e:
                    outcome = ("skip", str(e))
                except (Fail, psycopg.Error) as e:
                    if isinstance(e, psycopg.Error):
                        e = "%s: %s" % (e.sqlstate, (e.diag.message_primary or str(e)).strip())
                        conn.rollback()
                    outcome = ("fail", "%s%s" % ("[jit %s] " % mode if len(modes) > 1 else "", e))
                break
            if outcome is None:
                passed.append(cid)
                g[0] += 1
            elif outcome[0] == "skip":
                skipped.append(cid)
                reasons[outcome[1]] += 1
                g[2] += 1
                details.append("skip %s: %s" % (cid, outcome[1]))
            else:
                failed.append(cid)
                g[1] += 1
                details.append("FAIL %s: %s" % (cid, outcome[1]))
        conn.close()
    finally:
        if stop:
            stop()
    for rel, (p, f, s) in groups.items():
        print("%-62s %3d passed, %3d failed, %3d skipped" % (rel, p, f, s))
    if args.verbose:
        for d in details:
            print(d)
    ran = {c[1] for c in cases}
    regressions = sorted((listed & ran) - set(passed))
    print("skip reasons:")
    for r, n in reasons.most_common():
        print("  %4d  %s" % (n, r))
    if args.update:
        with open(PASSING, "w") as f:
            f.write("# OpenMLDB conformance cases that pass (test/conformance/run.py --update)\n")
            for c in passed:
                f.write(c + "\n")
    elif regressions:
        print("no longer passing (listed in test/conformance/passing.txt):")
        for c in regressions:
            print("  " + next((d for d in details if d.split(" ", 2)[1].rstrip(":") == c), c))
    print("feature_ext.jit: %s" % " and ".join(modes))
    print("time: %.1fs" % (time.time() - t0))
    print("%d passed, %d failed, %d skipped" % (len(passed), len(failed), len(skipped)))
    return 1 if regressions and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
