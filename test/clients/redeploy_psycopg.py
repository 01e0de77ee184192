#!/usr/bin/python3
"""Redeploys, table changes and a client's prepared statements (psycopg 3),
the behaviour docs/CLIENTS.md describes under "Redeploys" and "Adding a
table column".  Uses table ev_evolve / deployment fe_evolve from setup.sql
(it changes both).  FE_DSN: a direct connection.
Prints "ok redeploy" or the failures, exit 1.
"""
import datetime as dt
import os
import sys
from decimal import Decimal

import psycopg
from psycopg.types.json import Jsonb

UTC = dt.timezone.utc
DSN = os.environ["FE_DSN"]
failures = []

P8 = ", ".join(["%s"] * 8)
P9 = ", ".join(["%s"] * 9)
REQ = ("a", 3, 3, 0.3, Decimal("0.001"), "z",
       dt.datetime(2024, 3, 1, 12, 0, 0, 999999, tzinfo=UTC), dt.datetime(2024, 3, 1, 12, 0, 0, 654321, tzinfo=UTC))
# --- guide: psycopg-json
REQ_JSON = Jsonb({"k": "a", "i": 3, "b": 3, "f": 0.3, "n": "0.001", "t": "z",
                  "seen": "2024-03-01T12:00:00.999999+00:00", "ts": "2024-03-01T12:00:00.654321+00:00"})
JSON_CALL = "SELECT cnt, sum_i FROM fe_evolve(jsonb_populate_record(NULL::ev_evolve, %s))"
# --- end
# --- guide: psycopg-redeploy
POS = f"SELECT * FROM fe_evolve({P8})"                # SELECT *: the deployment's result type
POS_COLS = f"SELECT cnt, sum_i FROM fe_evolve({P8})"  # named features: survives added features
# --- end
ROW8 = f"SELECT cnt, sum_i FROM fe_evolve(ROW({P8})::ev_evolve)"
ROW9 = f"SELECT cnt, sum_i FROM fe_evolve(ROW({P9})::ev_evolve)"
POS9 = f"SELECT cnt, sum_i FROM fe_evolve({P9})"
ONE = f"SELECT fe_evolve({P8})"                               # the composite: type fe_evolve_result
WINDOW = "WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN {} PRECEDING AND CURRENT ROW)"


def deploy(adm, features, preceding):
    adm.execute("SELECT feature_ext.deploy('fe_evolve', %s, '{\"replace\": true}')",
                (f"SELECT {features} FROM ev_evolve {WINDOW.format(preceding)}",))


def expect(what, conn, sql, params, want=None, sqlstate=None):
    """Runs a prepared statement; want: the first row, or sqlstate: the error."""
    try:
        got = conn.execute(sql, params, prepare=True).fetchone()
    except psycopg.Error as e:
        if e.sqlstate != sqlstate:
            failures.append(f"{what}: {e.sqlstate} {str(e).strip()}, want {want or sqlstate}")
        return
    if sqlstate or got != want:
        failures.append(f"{what}: got {got}, want {want or 'SQLSTATE ' + sqlstate}")


def main():
    adm = psycopg.connect(DSN, autocommit=True)
    c = psycopg.connect(DSN, autocommit=True)
    for sql, want in ((POS, (3, 6)), (POS_COLS, (3, 6)), (ROW8, (3, 6)), (JSON_CALL, (3, 6))):
        expect(f"before: {sql}", c, sql, (REQ_JSON,) if sql == JSON_CALL else REQ, want)

    expect("before: SELECT fe_evolve(...)", c, ONE, REQ, ("(3,6)",))

    # 1. Redeploy with the same result columns (a shorter window): the client's
    #    prepared statements give the new features at once, the composite form
    #    too (the functions and the fe_evolve_result type are kept).
    deploy(adm, "count(*) OVER w AS cnt, sum(i) OVER w AS sum_i", 1)
    for sql in (POS, POS_COLS, ROW8, JSON_CALL):
        expect(f"same columns redeployed: {sql}", c, sql, (REQ_JSON,) if sql == JSON_CALL else REQ, (2, 5))
    expect("same columns redeployed: SELECT fe_evolve(...) prepared before", c, ONE, REQ, ("(2,5)",))

    # 2. Redeploy with one more feature: a prepared SELECT * changes its result
    #    type, which PostgreSQL refuses (0A000); statements naming their
    #    features keep working; a new connection's SELECT * gets the new columns.
    deploy(adm, "count(*) OVER w AS cnt, sum(i) OVER w AS sum_i, max(b) OVER w AS max_b", 1)
    expect("feature added: SELECT * prepared before", c, POS, REQ, sqlstate="0A000")
    for sql in (POS_COLS, ROW8, JSON_CALL):
        expect(f"feature added: {sql}", c, sql, (REQ_JSON,) if sql == JSON_CALL else REQ, (2, 5))
    with psycopg.connect(DSN, autocommit=True) as fresh:
        expect("feature added: SELECT * on a new connection", fresh, POS, REQ, (2, 5, 3))

    # 3. ALTER TABLE ... ADD COLUMN: positional calls fail until the redeploy
    #    (42804); the row form with the new column and the JSON form work.
    adm.execute("ALTER TABLE ev_evolve ADD COLUMN extra text")
    c2 = psycopg.connect(DSN, autocommit=True)
    expect("column added: positional", c2, POS_COLS, REQ, sqlstate="42804")
    expect("column added: row form with the new column", c2, ROW9, REQ + ("e",), (2, 5))
    expect("column added: row form without it", c2, f"SELECT cnt FROM fe_evolve(ROW({P8})::ev_evolve)", REQ,
           sqlstate="42846")
    expect("column added: json form", c2, JSON_CALL, (REQ_JSON,), (2, 5))
    expect("column added: json form, prepared before", c, JSON_CALL, (REQ_JSON,), (2, 5))

    # 4. Redeploy: the positional function now takes 9 arguments (8: 42883);
    #    the row form and the JSON form go on working.
    deploy(adm, "count(*) OVER w AS cnt, sum(i) OVER w AS sum_i, max(b) OVER w AS max_b", 1)
    expect("redeployed: positional, 8 arguments", c2, f"SELECT cnt FROM fe_evolve({P8})", REQ, sqlstate="42883")
    expect("redeployed: positional, 9 arguments", c2, POS9, REQ + ("e",), (2, 5))
    expect("redeployed: row form", c2, ROW9, REQ + ("e",), (2, 5))
    expect("redeployed: json form", c2, JSON_CALL, (REQ_JSON,), (2, 5))
    expect("redeployed: json form, prepared two redeploys ago", c, JSON_CALL, (REQ_JSON,), (2, 5))
    for conn in (adm, c, c2):
        conn.close()
    if failures:
        print("FAIL redeploy:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("ok redeploy (psycopg)")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        print(f"FAIL redeploy: {type(e).__name__}: {e}")
        sys.exit(1)
