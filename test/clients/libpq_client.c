/*
 * feature_ext from libpq (Debian's libpq-dev), as docs/CLIENTS.md shows.
 *   gcc -o libpq_client libpq_client.c -I$(pg_config --includedir) -lpq
 *   ./libpq_client 'host=/tmp port=PORT dbname=postgres user=postgres'          direct
 *   ./libpq_client 'host=127.0.0.1 port=PGBOUNCER_PORT ...' pgbouncer           through PgBouncer
 * Direct: PQprepare / PQexecPrepared (named server-side prepared statements)
 * for the column form, the row form, batch and the composite form; every
 * value (text format) and its type OID (PQftype) checked.  PgBouncer:
 * PQexecParams (one unnamed round trip) on two connections interleaved.
 * Prints "ok libpq" or the failures, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

/* type OIDs (pg_type.oid, fixed since PostgreSQL 7) */
#define INT4OID 23
#define INT8OID 20
#define TEXTOID 25
#define FLOAT8OID 701
#define NUMERICOID 1700
#define TIMESTAMPTZOID 1184

static int failures = 0;
#define FAIL(...) do { printf(failures++ ? "  " : "FAIL libpq:\n  "); printf(__VA_ARGS__); printf("\n"); } while (0)

static const char *NAMES[12] = {"k", "cnt", "sum_i", "sum_b", "max_b", "min_i", "sum_f", "avg_f",
                                "avg_i", "sum_n", "max_seen", "prev_t"};
static const Oid TYPES[12] = {TEXTOID, INT8OID, INT8OID, NUMERICOID, INT8OID, INT4OID, FLOAT8OID,
                              FLOAT8OID, NUMERICOID, NUMERICOID, TIMESTAMPTZOID, TEXTOID};
/* text format, as the server prints them (TimeZone UTC, extra_float_digits 1) */
static const char *WANT[12] = {"a", "3", "6", "9007199254740998", "9007199254740993", "1",
                               "0.6000000000000001", "0.20000000000000004", "2.0000000000000000",
                               "3.306", "2024-03-01 12:00:00.999999+00", "y"};
static const char *WANT_BATCH[3][12] = {
    {"a", "1", "1", "9007199254740993", "9007199254740993", "1", "0.1", "0.1",
     "1.00000000000000000000", "1.10", "2024-03-01 10:00:00.000001+00", NULL},
    {"a", "2", "3", "9007199254740995", "9007199254740993", "1", "0.30000000000000004",
     "0.15000000000000002", "1.5000000000000000", "3.305", "2024-03-01 10:01:00.5+00", "x"},
    {"b", "1", "7", "-5", "-5", "7", "1.5", "1.5", "7.0000000000000000", "0",
     "2024-03-01 09:00:00+00", NULL}};
static const char *COMPOSITE =
    "(a,3,6,9007199254740998,9007199254740993,1,0.6000000000000001,0.20000000000000004,"
    "2.0000000000000000,3.306,\"2024-03-01 12:00:00.999999+00\",y)";

/* Checks row `r` of res against want (NULL = SQL NULL): names, type OIDs, text values. */
static void check_row(const char *what, PGresult *res, int r, const char *const want[12])
{
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        FAIL("%s: %s", what, PQresultErrorMessage(res));
        return;
    }
    if (PQnfields(res) != 12 || r >= PQntuples(res)) {
        FAIL("%s: %d columns, %d rows", what, PQnfields(res), PQntuples(res));
        return;
    }
    for (int c = 0; c < 12; c++) {
        if (strcmp(PQfname(res, c), NAMES[c]) != 0)
            FAIL("%s: column %d is %s, want %s", what, c, PQfname(res, c), NAMES[c]);
        if (PQftype(res, c) != TYPES[c])
            FAIL("%s.%s: type oid %u, want %u", what, NAMES[c], PQftype(res, c), TYPES[c]);
        if (want[c] == NULL ? !PQgetisnull(res, r, c)
                            : PQgetisnull(res, r, c) || strcmp(PQgetvalue(res, r, c), want[c]) != 0)
            FAIL("%s.%s: got %s, want %s", what, NAMES[c],
                 PQgetisnull(res, r, c) ? "NULL" : PQgetvalue(res, r, c), want[c] ? want[c] : "NULL");
    }
}

static PGconn *connect_or_die(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        FAIL("connect: %s", PQerrorMessage(conn));
        exit(1);
    }
    return conn;
}

static void direct(const char *conninfo)
{
    PGconn *conn = connect_or_die(conninfo);
    /* --- guide: libpq */
    const char *req[8] = {"a", "3", "3", "0.3", "0.001", "z",
                          "2024-03-01 12:00:00.999999+00", "2024-03-01 12:00:00.654321+00"};
    PQclear(PQprepare(conn, "fe_cols", "SELECT * FROM fe_clients($1, $2, $3, $4, $5, $6, $7, $8)", 8, NULL));
    PQclear(PQprepare(conn, "fe_row", "SELECT * FROM fe_clients(ROW($1, $2, $3, $4, $5, $6, $7, $8)::ev)",
                      8, NULL));
    PGresult *cols = PQexecPrepared(conn, "fe_cols", 8, req, NULL, NULL, 0);  /* 0: text results */
    PGresult *row = PQexecPrepared(conn, "fe_row", 8, req, NULL, NULL, 0);
    /* PQftype(cols, 1) == 20 (int8), PQgetvalue(cols, 0, 1) == "3" */
    /* --- end */
    check_row("columns", cols, 0, WANT);
    check_row("row form", row, 0, WANT);
    PQclear(cols);
    PQclear(row);
    for (int i = 2; i <= 4; i++) {      /* the prepared statements, again */
        PGresult *res = PQexecPrepared(conn, "fe_cols", 8, req, NULL, NULL, 0);
        check_row("columns again", res, 0, WANT);
        PQclear(res);
        res = PQexecPrepared(conn, "fe_row", 8, req, NULL, NULL, 0);
        check_row("row form again", res, 0, WANT);
        PQclear(res);
    }
    const char *src[1] = {"ev"};
    PQclear(PQprepare(conn, "fe_batch", "SELECT * FROM fe_clients_batch($1) ORDER BY k, cnt", 1, NULL));
    PGresult *batch = PQexecPrepared(conn, "fe_batch", 1, src, NULL, NULL, 0);
    if (PQntuples(batch) != 3)
        FAIL("batch: %d rows, want 3 (%s)", PQntuples(batch), PQresultErrorMessage(batch));
    for (int r = 0; r < 3; r++)
        check_row("batch", batch, r, WANT_BATCH[r]);
    PQclear(batch);

    PQclear(PQprepare(conn, "fe_one", "SELECT fe_clients($1, $2, $3, $4, $5, $6, $7, $8)", 8, NULL));
    PGresult *one = PQexecPrepared(conn, "fe_one", 8, req, NULL, NULL, 0);
    if (PQresultStatus(one) != PGRES_TUPLES_OK || PQnfields(one) != 1 || PQntuples(one) != 1 ||
        strcmp(PQgetvalue(one, 0, 0), COMPOSITE) != 0)
        FAIL("SELECT fe_clients(...): got %s %s", PQgetvalue(one, 0, 0), PQresultErrorMessage(one));
    PQclear(one);

    PGresult *st = PQexec(conn, "SELECT string_agg(name, ',' ORDER BY name) FROM pg_prepared_statements "
                                "WHERE NOT from_sql");
    if (strcmp(PQgetvalue(st, 0, 0), "fe_batch,fe_cols,fe_one,fe_row") != 0)
        FAIL("server-side prepared statements: %s", PQgetvalue(st, 0, 0));
    PQclear(st);
    PQfinish(conn);
}

static void pooled(const char *conninfo)
{
    const char *req[8] = {"a", "3", "3", "0.3", "0.001", "z",
                          "2024-03-01 12:00:00.999999+00", "2024-03-01 12:00:00.654321+00"};
    PGconn *conns[2] = {connect_or_die(conninfo), connect_or_die(conninfo)};
    for (int i = 0; i < 8; i++) {
        for (int c = 0; c < 2; c++) {
            PGconn *conn = conns[c];
            /* --- guide: libpq-pgbouncer */
            PGresult *res = PQexecParams(conn, "SELECT * FROM fe_clients($1, $2, $3, $4, $5, $6, $7, $8)",
                                         8, NULL, req, NULL, NULL, 0);
            /* --- end */
            check_row("pgbouncer columns", res, 0, WANT);
            PQclear(res);
            res = PQexecParams(conn, "SELECT * FROM fe_clients(ROW($1, $2, $3, $4, $5, $6, $7, $8)::ev)",
                               8, NULL, req, NULL, NULL, 0);
            check_row("pgbouncer row form", res, 0, WANT);
            PQclear(res);
        }
    }
    PQfinish(conns[0]);
    PQfinish(conns[1]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONNINFO [pgbouncer]\n", argv[0]);
        return 2;
    }
    int via_pgbouncer = argc > 2 && strcmp(argv[2], "pgbouncer") == 0;
    if (via_pgbouncer)
        pooled(argv[1]);
    else
        direct(argv[1]);
    if (failures)
        return 1;
    printf("ok libpq %d%s\n", PQlibVersion(), via_pgbouncer ? " via pgbouncer" : "");
    return 0;
}
