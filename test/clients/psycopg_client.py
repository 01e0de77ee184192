#!/usr/bin/python3
"""feature_ext from psycopg 3 (Debian's python3-psycopg), as docs/CLIENTS.md shows.

FE_DSN       a direct connection: deploys are made by setup.sql; this calls
             fe_clients with server-side prepared statements (column form,
             row form, batch, the composite form) and checks every value and
             its Python type.
FE_PGB_DSN   when set, instead: the same call through PgBouncer in
             transaction mode, two client connections interleaved, with the
             guide's setting (prepare_threshold=None); then shows what named
             prepared statements do there (printed, not asserted).
Prints "ok psycopg" or the failures, exit 1.
"""
import datetime as dt
import os
import sys
from decimal import Decimal

import psycopg
from psycopg.types.composite import CompositeInfo, register_composite

UTC = dt.timezone.utc
failures = []

NAMES = ("k", "cnt", "sum_i", "sum_b", "max_b", "min_i", "sum_f", "avg_f", "avg_i",
         "sum_n", "max_seen", "prev_t")
# The features of the request below (key 'a': two stored rows + the request).
WANT = ("a", 3, 6, Decimal("9007199254740998"), 9007199254740993, 1,
        0.6000000000000001, 0.20000000000000004, Decimal("2.0000000000000000"),
        Decimal("3.306"), dt.datetime(2024, 3, 1, 12, 0, 0, 999999, tzinfo=UTC), "y")
# fe_clients_batch('ev') ORDER BY k, cnt: each stored row against the rows before it.
WANT_BATCH = [
    ("a", 1, 1, Decimal("9007199254740993"), 9007199254740993, 1, 0.1, 0.1,
     Decimal("1.00000000000000000000"), Decimal("1.10"),
     dt.datetime(2024, 3, 1, 10, 0, 0, 1, tzinfo=UTC), None),
    ("a", 2, 3, Decimal("9007199254740995"), 9007199254740993, 1, 0.30000000000000004,
     0.15000000000000002, Decimal("1.5000000000000000"), Decimal("3.305"),
     dt.datetime(2024, 3, 1, 10, 1, 0, 500000, tzinfo=UTC), "x"),
    ("b", 1, 7, Decimal("-5"), -5, 7, 1.5, 1.5, Decimal("7.0000000000000000"), Decimal("0"),
     dt.datetime(2024, 3, 1, 9, 0, 0, tzinfo=UTC), None),
]
COMPOSITE = ('(a,3,6,9007199254740998,9007199254740993,1,0.6000000000000001,'
             '0.20000000000000004,2.0000000000000000,3.306,"2024-03-01 12:00:00.999999+00",y)')


def check(what, got, want):
    """Value and exact Python type; Decimal also by its digits (2.0000000000000000)."""
    if type(got) is not type(want) or got != want or str(got) != str(want):
        failures.append(f"{what}: got {got!r} ({type(got).__name__}), "
                        f"want {want!r} ({type(want).__name__})")


def check_row(what, got, want):
    if got is None or len(got) != len(want):
        failures.append(f"{what}: got {got!r}, want {len(want)} columns")
        return
    for name, g, w in zip(NAMES, got, want):
        check(f"{what}.{name}", g, w)


def direct(dsn):
    DSN = dsn
    # --- guide: psycopg
    REQ = ("a", 3, 3, 0.3, Decimal("0.001"), "z",
           dt.datetime(2024, 3, 1, 12, 0, 0, 999999, tzinfo=UTC),   # seen
           dt.datetime(2024, 3, 1, 12, 0, 0, 654321, tzinfo=UTC))   # ts (the order column)
    with psycopg.connect(DSN, autocommit=True) as conn:
        cols = conn.execute("SELECT * FROM fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)",
                            REQ, prepare=True).fetchone()
        row = conn.execute("SELECT * FROM fe_clients(ROW(%s, %s, %s, %s, %s, %s, %s, %s)::ev)",
                           REQ, prepare=True).fetchone()
        batch = conn.execute("SELECT * FROM fe_clients_batch(%s) ORDER BY k, cnt",
                             ("ev",), prepare=True).fetchall()
        # --- end
        check_row("columns", cols, WANT)
        check_row("row form", row, WANT)
        check("batch rows", len(batch), len(WANT_BATCH))
        for i, (g, w) in enumerate(zip(batch, WANT_BATCH)):
            check_row(f"batch[{i}]", g, w)
        # the cached plans, again
        for i in range(3):
            check_row(f"columns call {i + 2}", conn.execute(
                "SELECT * FROM fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)", REQ, prepare=True).fetchone(), WANT)
            check_row(f"row form call {i + 2}", conn.execute(
                "SELECT * FROM fe_clients(ROW(%s, %s, %s, %s, %s, %s, %s, %s)::ev)", REQ,
                prepare=True).fetchone(), WANT)
        # --- guide: psycopg-composite
        one = conn.execute("SELECT fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)",
                           REQ, prepare=True).fetchone()[0]            # a str: '(a,3,6,...)'
        register_composite(CompositeInfo.fetch(conn, "fe_clients_result"), conn)
        typed = conn.execute("SELECT fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)",
                             REQ, prepare=True).fetchone()[0]          # typed fields: typed.cnt == 3
        # --- end
        check("composite without register_composite", one, COMPOSITE)
        check_row("composite after register_composite", tuple(typed), WANT)
        check("composite field by name", typed.cnt, 3)
        # casts in the deployed query (setup.sql, fe_cast) choose the types
        casted = conn.execute("SELECT * FROM fe_cast(%s, %s, %s, %s, %s, %s, %s, %s)",
                                      REQ, prepare=True).fetchone()
        for name, g, w in zip(("sum_n", "avg_i", "sum_b"), casted, (3.306, 2.0, 9007199254740998)):
            check(f"fe_cast.{name}", g, w)
        # (fe_clients(...)).* calls the deployment once per result column
        calls = "SELECT calls FROM feature_ext.deployments WHERE name = 'public.fe_clients'"
        for sql, n in (("SELECT (fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)).*", 12),
                       ("SELECT * FROM fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)", 1)):
            before = conn.execute(calls).fetchone()[0]
            check_row(sql, conn.execute(sql, REQ).fetchone(), WANT)
            check(f"calls of {sql}", conn.execute(calls).fetchone()[0] - before, n)
        # they really were server-side prepared statements
        stmts = [s for (s,) in conn.execute(
            "SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")]
        for frag in ("fe_clients($1", "fe_clients(ROW($1", "fe_clients_batch($1"):
            if not any(frag in s for s in stmts):
                failures.append(f"no server-side prepared statement with {frag!r}: {stmts}")


def pooled(dsn):
    PGB_DSN = dsn
    REQ = ("a", 3, 3, 0.3, Decimal("0.001"), "z",
           dt.datetime(2024, 3, 1, 12, 0, 0, 999999, tzinfo=UTC),
           dt.datetime(2024, 3, 1, 12, 0, 0, 654321, tzinfo=UTC))
    # --- guide: psycopg-pgbouncer
    conn = psycopg.connect(PGB_DSN, autocommit=True, prepare_threshold=None)
    cols = conn.execute("SELECT * FROM fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)", REQ).fetchone()
    # --- end
    other = psycopg.connect(PGB_DSN, autocommit=True, prepare_threshold=None)
    check_row("pgbouncer columns", cols, WANT)
    # more calls than psycopg's default prepare_threshold (5), interleaved on
    # two client connections that share PgBouncer's one server connection
    for i in range(8):
        for name, c in (("a", conn), ("b", other)):
            check_row(f"pgbouncer {name} call {i}", c.execute(
                "SELECT * FROM fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)", REQ).fetchone(), WANT)
            check_row(f"pgbouncer {name} row form {i}", c.execute(
                "SELECT * FROM fe_clients(ROW(%s, %s, %s, %s, %s, %s, %s, %s)::ev)", REQ).fetchone(), WANT)
            check(f"pgbouncer {name} batch {i}", len(c.execute(
                "SELECT * FROM fe_clients_batch(%s)", ("ev",)).fetchall()), 3)
            # prepare=True too: prepare_threshold=None turns it off
            check_row(f"pgbouncer {name} prepare=True {i}", c.execute(
                "SELECT * FROM fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)", REQ, prepare=True).fetchone(), WANT)
    # psycopg's defaults (prepare_threshold=5: a named prepared statement from
    # the 6th execution of a query on): PgBouncer before 1.21 does not track
    # named statements.  Shown, not asserted.
    d1 = psycopg.connect(PGB_DSN, autocommit=True)
    d2 = psycopg.connect(PGB_DSN, autocommit=True)
    errors = []
    for i in range(7):
        for c in (d1, d2):
            try:
                c.execute("SELECT * FROM fe_clients(%s, %s, %s, %s, %s, %s, %s, %s)", REQ)
            except psycopg.Error as e:
                errors.append(f"call {i + 1}: {e.sqlstate} {str(e).strip()}")
    print("note: psycopg's default prepare_threshold through PgBouncer in transaction mode: "
          + (f"{len(errors)} of 14 calls failed, first {errors[0]}" if errors else "all 14 calls worked"))
    d1.execute("DEALLOCATE ALL")      # leave PgBouncer's server connection clean
    d1.close()
    d2.close()
    conn.close()
    other.close()


def main():
    try:
        if os.environ.get("FE_PGB_DSN"):
            pooled(os.environ["FE_PGB_DSN"])
        else:
            direct(os.environ["FE_DSN"])
    except Exception as e:  # noqa: BLE001 - report any failure with its details
        failures.append(f"{type(e).__name__}: {e}")
    if failures:
        print("FAIL psycopg:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"ok psycopg {psycopg.__version__}" + (" via pgbouncer" if os.environ.get("FE_PGB_DSN") else ""))


if __name__ == "__main__":
    main()
