// feature_ext: the request forwarder for Citus distributed tables (SPEC §9).
//
// A request whose key's shard is on another node (a call on the coordinator,
// or on a worker that does not hold the key) is sent to that node by this
// backend itself, over a libpq connection it keeps per (node, role):
// `SELECT * FROM schema.f($1::t1, ...)` prepared once per connection, the
// request values as text parameters, the one result row read back with the
// result type's input functions.  This replaces Citus's function-call
// delegation (create_distributed_function), whose per-call planning and
// executor round trip cost 3-4x a single node's request (docs/DEPLOY.md,
// "Citus distributed tables").
//
// Who and what: the connection authenticates as the current role
// (GetUserId(), as Citus's own connections do), to the node and port
// pg_dist_node names, the current database, with citus.node_conninfo's
// settings and the role's pg_dist_authinfo entry (read as the extension's
// owner, the current role's row only, as Citus reads it).  The worker then
// checks that role's rights: grants and row-level security hold there as
// for any call.  Nothing of the request is put into SQL text: the function
// name is quoted, the types are format_type_be_qualified(), the values are
// parameters.
//
// Transactions: the forwarded call runs in its own transaction on the node,
// seeing what is committed there.  Inside a transaction block the caller
// could have written rows of the key through Citus that such a call would
// not see, so forwarding is refused there (as Citus does not delegate
// inside one); the error names the key's node.
//
// Interrupts: the wait for the answer is on the latch and the socket;
// cancel / terminate cancel the remote query, close the connection (it is
// in an unknown state) and raise as usual.  A connection found broken when
// a call starts (the node restarted) is opened again once.
//
// Messages: a node's NOTICE / WARNING / INFO (a batch()'s count of skipped
// rows, training_set()'s progress) are kept by the connection's notice
// receiver and relayed to the caller after each result, with the node named
// in their CONTEXT.
//
// C-style zone (CONTRIBUTING.md): no C++ object with a destructor here.
#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/deploy/internal_pg.hpp"
#include "feature_ext/base/compat_pg.hpp"
#include "feature_ext/base/secure_pg.hpp"

extern "C" {
#include "libpq-fe.h"
#include "utils/tuplestore.h"
#include "access/htup_details.h"
#include "access/transam.h"
#include "mb/pg_wchar.h"
#include "access/xact.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "tcop/pquery.h"
#include "utils/portal.h"
}

namespace fe {

namespace {

struct Prepared {
    char *sql;  // the statement text (its key)
    char name[32];
    Prepared *next;
};

// A node's NOTICE / WARNING / INFO, kept by the connection's notice
// receiver (inside libpq: malloc only, nothing that can ereport) until the
// caller relays it (relay_notices) where an ereport is safe.
struct Notice {
    int elevel;
    int code;
    char *msg, *detail, *hint;  // malloc'd (detail, hint: nullptr when absent)
    Notice *next;
};

struct Conn {
    char *host;
    int port;
    Oid user;
    PGconn *conn;
    WaitEventSet *wes;  // the latch, postmaster death, the socket readable
    Prepared *prepared;
    int nprepared;
    char *tz;           // the TimeZone set on the connection (nullptr: its default)
    Notice *notices;    // received, not relayed yet (oldest first)
    Notice **notices_tail;
    Conn *next;
};

Conn *g_conns = nullptr;  // in TopMemoryContext
// The application_name of forwarded requests' connections.
const char *const kForwarderName = "feature_ext forwarder";

void free_notice(Notice *n)
{
    free(n->msg);
    free(n->detail);
    free(n->hint);
    free(n);
}

void forget_notices(Conn *c)
{
    for (Notice *n = c->notices; n;) {
        Notice *next = n->next;
        free_notice(n);
        n = next;
    }
    c->notices = nullptr;
    c->notices_tail = &c->notices;
}

// libpq's notice receiver: keeps the node's NOTICE, WARNING and INFO
// messages (its client_min_messages already applied there); LOG / DEBUG are
// not sent to clients.  Runs inside libpq: no ereport, no palloc.
void keep_notice(void *arg, const PGresult *r)
{
    Conn *c = static_cast<Conn *>(arg);
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    int elevel = !sev ? NOTICE : strcmp(sev, "WARNING") == 0 ? WARNING : strcmp(sev, "INFO") == 0 ? INFO
                                                                 : strcmp(sev, "NOTICE") == 0  ? NOTICE : 0;
    if (elevel == 0)
        return;
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *det = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
    auto *n = static_cast<Notice *>(malloc(sizeof(Notice)));
    if (!n)
        return;  // out of memory: the message is lost, nothing else
    n->elevel = elevel;
    n->code = st && strlen(st) == 5 ? MAKE_SQLSTATE(st[0], st[1], st[2], st[3], st[4])
                                    : (elevel == WARNING ? ERRCODE_WARNING : ERRCODE_SUCCESSFUL_COMPLETION);
    n->msg = strdup(msg ? msg : "");
    n->detail = det ? strdup(det) : nullptr;
    n->hint = hint ? strdup(hint) : nullptr;
    n->next = nullptr;
    if (!n->msg) {
        free_notice(n);
        return;
    }
    *c->notices_tail = n;
    c->notices_tail = &n->next;
}

// Relay what c's node said, as this node's messages with the node named.
void relay_notices(Conn *c)
{
    while (Notice *n = c->notices) {
        c->notices = n->next;
        if (!c->notices)
            c->notices_tail = &c->notices;
        int elevel = n->elevel, code = n->code;
        char *m = pstrdup(n->msg);
        char *d = n->detail ? pstrdup(n->detail) : nullptr;
        char *h = n->hint ? pstrdup(n->hint) : nullptr;
        free_notice(n);
        ereport(elevel, (errcode(code), errmsg_internal("%s", m), d ? errdetail_internal("%s", d) : 0,
                         h ? errhint("%s", h) : 0, errcontext("on Citus node %s:%d", c->host, c->port)));
    }
}

void forget_prepared(Conn *c)
{
    for (Prepared *p = c->prepared; p;) {
        Prepared *n = p->next;
        pfree(p->sql);
        pfree(p);
        p = n;
    }
    c->prepared = nullptr;
}

void drop_conn(Conn *c)
{
    for (Conn **pp = &g_conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    if (c->wes)
        FreeWaitEventSet(c->wes);
    if (c->conn)
        PQfinish(c->conn);
    forget_notices(c);
    forget_prepared(c);
    if (c->tz)
        pfree(c->tz);
    pfree(c->host);
    pfree(c);
}

// The role's pg_dist_authinfo entry for node nodeid (its own, else the
// one for all nodes: nodeid 0; -1 is Citus's loopback entry, for a node's
// connections to itself, never used here), or nullptr.  Read as the extension's owner: the table
// is not readable by other roles; only the current role's row is taken.
char *authinfo(int32 nodeid, const char *role)
{
    if (!OidIsValid(get_relname_relid("pg_dist_authinfo", PG_CATALOG_NAMESPACE)))
        return nullptr;
    SafeScope s;
    safe_enter(&s, extension_owner(), 0);
    SPI_connect();
    Oid argt[2] = {INT4OID, NAMEOID};
    NameData rn;
    namestrcpy(&rn, role);
    Datum args[2] = {Int32GetDatum(nodeid), NameGetDatum(&rn)};
    char *out = nullptr;
    if (SPI_execute_with_args("SELECT a.authinfo FROM pg_catalog.pg_dist_authinfo a "
                              "WHERE a.rolename OPERATOR(pg_catalog.=) $2 "
                              "  AND a.nodeid OPERATOR(pg_catalog.=) ANY (ARRAY[$1, 0]) "
                              "ORDER BY a.nodeid DESC LIMIT 1",
                              2, argt, args, nullptr, true, 1) == SPI_OK_SELECT &&
        SPI_processed == 1) {
        char *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        out = v ? MemoryContextStrdup(TopTransactionContext, v) : nullptr;
    }
    SPI_finish();
    safe_leave(&s);
    return out;
}

// Add the keywords of a conninfo string (citus.node_conninfo, an authinfo)
// to kw/val (n so far, at most max).
int add_conninfo(const char *conninfo, const char **kw, const char **val, int n, int max)
{
    if (!conninfo || !*conninfo)
        return n;
    char *err = nullptr;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    if (!opts) {
        if (err)
            PQfreemem(err);
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid connection settings for a Citus node (citus.node_conninfo or "
                               "pg_dist_authinfo)")));
    }
    for (PQconninfoOption *o = opts; o->keyword && n < max; o++)
        if (o->val && *o->val) {
            kw[n] = pstrdup(o->keyword);
            val[n] = pstrdup(o->val);
            n++;
        }
    PQconninfoFree(opts);
    return n;
}

Conn *get_conn(const char *host, int port, int32 nodeid)
{
    Oid user = GetUserId();
    for (Conn *c = g_conns; c; c = c->next)
        if (c->port == port && c->user == user && strcmp(c->host, host) == 0)
            return c;
    const char *kw[40], *val[40];
    int n = 0;
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    char *role = GetUserNameFromId(user, false);
    kw[n] = "host"; val[n++] = host;
    kw[n] = "port"; val[n++] = portbuf;
    kw[n] = "dbname"; val[n++] = get_database_name(MyDatabaseId);
    kw[n] = "user"; val[n++] = role;
    kw[n] = "application_name"; val[n++] = kForwarderName;
    // Text crosses in this database's encoding (what input functions read),
    // whatever the node's or the caller's client_encoding.
    kw[n] = "client_encoding"; val[n++] = GetDatabaseEncodingName();
    n = add_conninfo(GetConfigOption("citus.node_conninfo", true, false), kw, val, n, 36);
    n = add_conninfo(authinfo(nodeid, role), kw, val, n, 38);
    // The request values are written and the answer read with pinned
    // styles (citus_forward): the node reads and writes them with the same
    // ones, whatever its defaults (appended to any options the settings give).
    {
        const char *styles = "-c datestyle=ISO,MDY -c intervalstyle=postgres -c extra_float_digits=3";
        int at = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(kw[i], "options") == 0)
                at = i;
        if (at >= 0)
            val[at] = psprintf("%s %s", val[at], styles);
        else {
            kw[n] = "options";
            val[n++] = styles;
        }
    }
    kw[n] = nullptr;
    val[n] = nullptr;
    PGconn *pc = PQconnectStartParams(kw, val, 0);
    if (!pc)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory connecting to node %s:%d", host, port)));
    // Connect without blocking interrupts.
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    PG_TRY();
    {
        while (PQstatus(pc) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
            int ev = st == PGRES_POLLING_READING ? WL_SOCKET_READABLE : WL_SOCKET_WRITEABLE;
            int rc = WaitLatchOrSocket(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | ev, PQsocket(pc), -1L,
                                       PG_WAIT_EXTENSION);
            if (rc & WL_LATCH_SET) {
                ResetLatch(MyLatch);
                CHECK_FOR_INTERRUPTS();
            }
            if (rc & ev)
                st = PQconnectPoll(pc);
        }
    }
    PG_CATCH();
    {
        PQfinish(pc);
        PG_RE_THROW();
    }
    PG_END_TRY();
    if (PQstatus(pc) != CONNECTION_OK) {
        char *msg = pstrdup(PQerrorMessage(pc));
        PQfinish(pc);
        ereport(ERROR, (errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
                        errmsg("could not connect to Citus node %s:%d to forward a request", host, port),
                        errdetail_internal("%s", msg),
                        errhint("The request's key is held by that node; it is reached as the current role with "
                                "citus.node_conninfo and pg_dist_authinfo, as Citus reaches it.")));
    }
    // Until the connection is ours, the node's notices are dropped (not
    // written to this server's stderr, libpq's default).
    PQsetNoticeReceiver(pc, [](void *, const PGresult *) {}, nullptr);
    auto *c = static_cast<Conn *>(MemoryContextAllocZero(TopMemoryContext, sizeof(Conn)));
    c->notices_tail = &c->notices;
    PQsetNoticeReceiver(pc, keep_notice, c);
    c->host = MemoryContextStrdup(TopMemoryContext, host);
    c->port = port;
    c->user = user;
    c->conn = pc;
    c->next = g_conns;
    g_conns = c;
    // One wait event set for the connection's life: making one per wait
    // (WaitLatchOrSocket) costs an epoll instance a call.
    c->wes = compat::session_wait_event_set(3);
    AddWaitEventToSet(c->wes, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, nullptr);
    AddWaitEventToSet(c->wes, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, nullptr, nullptr);
    AddWaitEventToSet(c->wes, WL_SOCKET_READABLE, PQsocket(pc), nullptr, nullptr);
    return c;
}

// Cancel what c runs and close it (its state is unknown).
void cancel_and_drop(Conn *c)
{
    PGcancel *cancel = PQgetCancel(c->conn);
    if (cancel) {
        char errbuf[256];
        (void) PQcancel(cancel, errbuf, sizeof errbuf);
        PQfreeCancel(cancel);
    }
    drop_conn(c);
}

// Wait for the answer of what was sent on c (interrupts served); the last
// result, or nullptr when the connection broke.  An interrupt cancels the
// remote query and closes the connection.
PGresult *wait_result(Conn *c)
{
    PGresult *last = nullptr;
    PG_TRY();
    {
        for (;;) {
            bool broken = false;
            while (PQisBusy(c->conn) && !broken) {
                WaitEvent ev;
                if (WaitEventSetWait(c->wes, -1L, &ev, 1, PG_WAIT_EXTENSION) != 1)
                    continue;
                if (ev.events & WL_LATCH_SET) {
                    ResetLatch(MyLatch);
                    CHECK_FOR_INTERRUPTS();
                }
                if ((ev.events & WL_SOCKET_READABLE) && !PQconsumeInput(c->conn))
                    broken = true;
            }
            PGresult *r = PQgetResult(c->conn);
            if (!r)
                break;
            if (last)
                PQclear(last);
            last = r;
            if (PQstatus(c->conn) == CONNECTION_BAD)
                break;
        }
        relay_notices(c);
    }
    PG_CATCH();
    {
        if (last)
            PQclear(last);
        cancel_and_drop(c);
        PG_RE_THROW();
    }
    PG_END_TRY();
    return last;
}

// Raise the node's error (its SQLSTATE, message, detail, hint).
[[noreturn]] void raise_remote(PGresult *r, const char *host, int port)
{
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *det = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
    int code = st && strlen(st) == 5 ? MAKE_SQLSTATE(st[0], st[1], st[2], st[3], st[4]) : ERRCODE_CONNECTION_FAILURE;
    char *m = pstrdup(msg ? msg : "unknown error");
    char *d = det ? pstrdup(det) : nullptr;
    char *h = hint ? pstrdup(hint) : nullptr;
    PQclear(r);
    ereport(ERROR, (errcode(code), errmsg("%s", m), d ? errdetail_internal("%s", d) : 0, h ? errhint("%s", h) : 0,
                    errcontext("request forwarded to Citus node %s:%d", host, port)));
    pg_unreachable();
}

[[noreturn]] void raise_broken(Conn *c, const char *host, int port)
{
    char *msg = pstrdup(c->conn ? PQerrorMessage(c->conn) : "");
    drop_conn(c);
    ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
                    errmsg("lost the connection to Citus node %s:%d while forwarding a request", host, port),
                    errdetail_internal("%s", msg)));
    pg_unreachable();
}

// The statement's name on c, prepared there first if needed; nullptr when
// the connection broke before it could be (the caller reconnects once).
const char *prepare(Conn *c, const char *sql, int nparams, const char *host, int port)
{
    for (Prepared *p = c->prepared; p; p = p->next)
        if (strcmp(p->sql, sql) == 0)
            return p->name;
    char name[32];
    snprintf(name, sizeof name, "fe_fwd_%d", c->nprepared + 1);
    if (!PQsendPrepare(c->conn, name, sql, nparams, nullptr))
        return nullptr;
    PGresult *r = wait_result(c);
    if (!r)
        return nullptr;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        raise_remote(r, host, port);
    PQclear(r);
    auto *p = static_cast<Prepared *>(MemoryContextAllocZero(TopMemoryContext, sizeof(Prepared)));
    p->sql = MemoryContextStrdup(TopMemoryContext, sql);
    strlcpy(p->name, name, sizeof p->name);
    p->next = c->prepared;
    c->prepared = p;
    c->nprepared++;
    return p->name;
}

// The node computes in the caller's TimeZone (a deployment's answer may
// depend on it: the hour of a timestamptz), set on c when it differs from
// what c has; false when the connection broke (the caller reconnects once).
bool sync_timezone(Conn *c, const char *host, int port)
{
    const char *tz = GetConfigOption("TimeZone", false, false);
    if (c->tz && strcmp(c->tz, tz) == 0)
        return true;
    const char *v[1] = {tz};
    if (!PQsendQueryParams(c->conn, "SELECT pg_catalog.set_config('TimeZone', $1, false)", 1, nullptr, v, nullptr,
                           nullptr, 0))
        return false;
    PGresult *r = wait_result(c);
    if (!r)
        return false;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        raise_remote(r, host, port);
    PQclear(r);
    if (c->tz)
        pfree(c->tz);
    c->tz = MemoryContextStrdup(TopMemoryContext, tz);
    return true;
}

// Citus's own test for "this transaction may have more statements than
// this one" (a transaction block, a DO block, a procedure, a function that
// opens a transaction block): an earlier statement of it may have written
// rows of the key through Citus that a forwarded call, in its own
// transaction on the node, would not see.  Citus does not delegate a
// function call there either.  Citus built for PostgreSQL 16 and later
// hides the symbol (extensions are built with -fvisibility=hidden there):
// then a transaction block, or a DO block or CALL being run (the portal's
// command); a function that writes through Citus and then calls the
// deployment in one plain statement is not detected there.
bool multi_statement_transaction()
{
    static bool looked = false;
    static bool (*fn)(void) = nullptr;
    if (!looked) {
        fn = reinterpret_cast<bool (*)(void)>(
            load_external_function("$libdir/citus", "IsMultiStatementTransaction", false, nullptr));
        looked = true;
    }
    if (IsTransactionBlock() || (fn && fn()))
        return true;
    return !fn && ActivePortal &&
           (ActivePortal->commandTag == CMDTAG_DO || ActivePortal->commandTag == CMDTAG_CALL);
}

}  // namespace

// The request's and result's type I/O functions (per route, in p's context).
struct ForwardIo {
    FmgrInfo *out;      // per request parameter
    FmgrInfo *in;       // per result column
    Oid *ioparam;
};

bool citus_multi_statement_transaction() { return multi_statement_transaction(); }

bool citus_forwarded_here()
{
    return application_name && strcmp(application_name, kForwarderName) == 0;
}

Datum citus_forward(DeployPlan *p, const char *fn_sql, const char *host, int port, int32 nodeid,
                    const Datum *values, const bool *isnull, ForwardIo **io)
{
    if (multi_statement_transaction())
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the key of this request is held by Citus node %s:%d, and a request is not forwarded "
                               "inside a transaction block (or a DO block, a procedure, a function)", host, port),
                        errdetail("A forwarded request runs in its own transaction on that node and would not see "
                                  "this transaction's writes."),
                        errhint("Call %s outside a transaction block, or on that node (feature_ext.key_owner() "
                                "names it for a key).", p->name)));
    TupleDesc td = p->out_desc;
    if (!*io) {
        auto *f = static_cast<ForwardIo *>(MemoryContextAllocZero(p->cxt, sizeof(ForwardIo)));
        f->out = static_cast<FmgrInfo *>(MemoryContextAllocZero(p->cxt, sizeof(FmgrInfo) * Max(p->nparams, 1)));
        f->in = static_cast<FmgrInfo *>(MemoryContextAllocZero(p->cxt, sizeof(FmgrInfo) * Max(td->natts, 1)));
        f->ioparam = static_cast<Oid *>(MemoryContextAllocZero(p->cxt, sizeof(Oid) * Max(td->natts, 1)));
        for (int i = 0; i < p->nparams; i++) {
            Oid out;
            bool varlena;
            getTypeOutputInfo(TupleDescAttr(p->heap_desc, p->param_attnos[i] - 1)->atttypid, &out, &varlena);
            fmgr_info_cxt(out, &f->out[i], p->cxt);
        }
        for (int i = 0; i < td->natts; i++) {
            Oid in;
            getTypeInputInfo(TupleDescAttr(td, i)->atttypid, &in, &f->ioparam[i]);
            fmgr_info_cxt(in, &f->in[i], p->cxt);
        }
        *io = f;
    }
    ForwardIo *f = *io;
    // The request values as text, in the request function's argument order.
    // Written with the styles the node's connection reads them with
    // (get_conn), not the caller's DateStyle / extra_float_digits.
    const char **pv = static_cast<const char **>(palloc(sizeof(char *) * Max(p->nparams, 1)));
    SafeScope styles;
    safe_enter(&styles, InvalidOid, 0);
    for (int i = 0; i < p->nparams; i++) {
        AttrNumber a = p->param_attnos[i];
        pv[i] = isnull[a - 1] ? nullptr : OutputFunctionCall(&f->out[i], values[a - 1]);
    }
    safe_leave(&styles);
    PGresult *r = nullptr;
    Conn *c = nullptr;
    bool replanned = false;
again:
    for (int attempt = 0; attempt < 2 && !r; attempt++) {
        c = get_conn(host, port, nodeid);
        if (PQstatus(c->conn) == CONNECTION_BAD) {
            drop_conn(c);
            continue;
        }
        const char *name = sync_timezone(c, host, port) ? prepare(c, fn_sql, p->nparams, host, port) : nullptr;
        if (!name || !PQsendQueryPrepared(c->conn, name, p->nparams, pv, nullptr, nullptr, 0)) {
            if (attempt == 1)
                raise_broken(c, host, port);
            drop_conn(c);
            continue;
        }
        r = wait_result(c);
        if (!r && attempt == 1)
            raise_broken(c, host, port);
        if (!r)
            drop_conn(c);
    }
    if (!r)
        ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
                        errmsg("could not forward the request to Citus node %s:%d", host, port)));
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        // A redeploy on the node may have changed what the prepared statement
        // returns ("cached plan must not change result type", 0A000):
        // prepare it again, and once for this call (a request only reads).
        bool ok = PQstatus(c->conn) == CONNECTION_OK;
        if (ok) {
            PGresult *d = PQexec(c->conn, "DEALLOCATE ALL");
            if (d)
                PQclear(d);
            forget_prepared(c);
        }
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (ok && !replanned && st && strcmp(st, "0A000") == 0) {
            replanned = true;
            PQclear(r);
            r = nullptr;
            goto again;
        }
        raise_remote(r, host, port);
    }
    if (PQntuples(r) != 1 || PQnfields(r) != td->natts) {
        int nt = PQntuples(r), nf = PQnfields(r);
        PQclear(r);
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("Citus node %s:%d answered %d rows of %d columns for deployment %s, expected one row "
                               "of %d", host, port, nt, nf, p->name, td->natts),
                        errhint("Redeploy it from the coordinator with '{\"replace\": true}'.")));
    }
    Datum *ov = static_cast<Datum *>(palloc(sizeof(Datum) * Max(td->natts, 1)));
    bool *on = static_cast<bool *>(palloc(sizeof(bool) * Max(td->natts, 1)));
    // Copy the text out first: an input function's error must not leave r.
    char **txt = static_cast<char **>(palloc(sizeof(char *) * Max(td->natts, 1)));
    for (int i = 0; i < td->natts; i++)
        txt[i] = PQgetisnull(r, 0, i) ? nullptr : pstrdup(PQgetvalue(r, 0, i));
    PQclear(r);
    safe_enter(&styles, InvalidOid, 0);
    for (int i = 0; i < td->natts; i++) {
        on[i] = txt[i] == nullptr;
        ov[i] = InputFunctionCall(&f->in[i], txt[i], f->ioparam[i], TupleDescAttr(td, i)->atttypmod);
    }
    safe_leave(&styles);
    return HeapTupleGetDatum(heap_form_tuple(td, ov, on));
}

// ---------------------------------------------------------------- gather
// batch() on the shards in parallel (functions_pg.cpp): one query to each
// node that holds shards, sent to all before any answer is read; each
// node's rows are then read in turn, 20,000 a FETCH of a cursor there (a
// big answer is not held whole), into the caller's tuplestore with td's
// receive (built-in types, binary) or input functions.
// Outside transaction blocks only (the caller checks it): each node
// computes in a transaction of its own.

namespace {


// Types whose binary form is the same on every node and does not depend
// on an encoding (text-like types' receive functions convert from this
// session's client_encoding: they cross as text).
bool binary_safe(Oid t)
{
    switch (t) {
    case BOOLOID: case INT2OID: case INT4OID: case INT8OID: case FLOAT4OID: case FLOAT8OID: case NUMERICOID:
    case DATEOID: case TIMEOID: case TIMESTAMPOID: case TIMESTAMPTZOID: case INTERVALOID: case OIDOID:
        return true;
    default:
        return false;
    }
}

// Append the rows of r to ts (binary or text, td's receive / input
// functions), in rowcxt; r is cleared when this raises.
void store_rows(PGresult *r, bool binary, TupleDesc td, FmgrInfo *in, const Oid *ioparam, Datum *v, bool *nl,
                Tuplestorestate *ts, MemoryContext rowcxt)
{
    int nt = PQntuples(r);
    SafeScope styles;
    safe_enter(&styles, InvalidOid, 0);
    PG_TRY();
    {
        for (int row = 0; row < nt; row++) {
            MemoryContext old = MemoryContextSwitchTo(rowcxt);
            for (int k = 0; k < td->natts; k++) {
                nl[k] = PQgetisnull(r, row, k);
                int32 typmod = TupleDescAttr(td, k)->atttypmod;
                if (nl[k])
                    v[k] = binary ? ReceiveFunctionCall(&in[k], nullptr, ioparam[k], typmod)
                                  : InputFunctionCall(&in[k], nullptr, ioparam[k], typmod);
                else if (binary) {
                    // (receive functions want a private, terminated buffer)
                    StringInfoData buf;
                    initStringInfo(&buf);
                    appendBinaryStringInfo(&buf, PQgetvalue(r, row, k), PQgetlength(r, row, k));
                    v[k] = ReceiveFunctionCall(&in[k], &buf, ioparam[k], typmod);
                } else
                    v[k] = InputFunctionCall(&in[k], pstrdup(PQgetvalue(r, row, k)), ioparam[k], typmod);
            }
            MemoryContextSwitchTo(old);
            tuplestore_putvalues(ts, td, v, nl);
            MemoryContextReset(rowcxt);
        }
    }
    PG_CATCH();
    {
        PQclear(r);
        PG_RE_THROW();
    }
    PG_END_TRY();
    safe_leave(&styles);
}

constexpr int kGatherFetch = 20000;

}  // namespace

void citus_gather(GatherNode *nodes, int n, TupleDesc td, Tuplestorestate *ts, void (*local)(void *), void *local_arg)
{
    for (int i = 0; i < n; i++)
        nodes[i].conn = nullptr;
    // Every column's type built in and encoding-free: rows cross in binary
    // (a binary cursor); else as text, read with the input functions.
    bool binary = true;
    for (int k = 0; k < td->natts; k++)
        binary &= binary_safe(TupleDescAttr(td, k)->atttypid);
    FmgrInfo *in = static_cast<FmgrInfo *>(palloc0(sizeof(FmgrInfo) * Max(td->natts, 1)));
    Oid *ioparam = static_cast<Oid *>(palloc0(sizeof(Oid) * Max(td->natts, 1)));
    for (int k = 0; k < td->natts; k++) {
        Oid fn;
        if (binary)
            getTypeBinaryInputInfo(TupleDescAttr(td, k)->atttypid, &fn, &ioparam[k]);
        else
            getTypeInputInfo(TupleDescAttr(td, k)->atttypid, &fn, &ioparam[k]);
        fmgr_info(fn, &in[k]);
    }
    Datum *v = static_cast<Datum *>(palloc(sizeof(Datum) * Max(td->natts, 1)));
    bool *nl = static_cast<bool *>(palloc(sizeof(bool) * Max(td->natts, 1)));
    int *step = static_cast<int *>(palloc0(sizeof(int) * Max(n, 1)));    // 1 fetching, 2 committing, 3 done
    bool *more = static_cast<bool *>(palloc0(sizeof(bool) * Max(n, 1)));
    WaitEventSet *set = nullptr;
    MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext, "feature_ext gather row", ALLOCSET_DEFAULT_SIZES);
    PG_TRY();
    {
        // Each node's query runs in a cursor of its own transaction there;
        // the first FETCH goes with it, to every node before any answer is
        // read, and each node's next FETCH as soon as its rows are stored,
        // whichever node answers first, so that all nodes keep computing.
        for (int i = 0; i < n; i++) {
            GatherNode *g = &nodes[i];
            const char *q = psprintf("BEGIN; DECLARE feature_ext_gather %sNO SCROLL CURSOR FOR %s; "
                                     "FETCH %d FROM feature_ext_gather",
                                     binary ? "BINARY " : "", g->sql, kGatherFetch);
            for (int attempt = 0; attempt < 2 && !g->conn; attempt++) {
                Conn *c = get_conn(g->host, g->port, g->nodeid);
                if (PQstatus(c->conn) == CONNECTION_BAD || !sync_timezone(c, g->host, g->port) ||
                    !PQsendQuery(c->conn, q)) {
                    if (attempt == 1)
                        raise_broken(c, g->host, g->port);
                    drop_conn(c);
                    continue;
                }
                g->conn = c;
                step[i] = 1;
            }
        }
        if (local)
            local(local_arg);  // this node's shards, while the others compute theirs
        set = compat::session_wait_event_set(n + 2);
        AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, nullptr);
        AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, nullptr, nullptr);
        for (int i = 0; i < n; i++)
            AddWaitEventToSet(set, WL_SOCKET_READABLE, PQsocket(static_cast<Conn *>(nodes[i].conn)->conn), nullptr,
                              reinterpret_cast<void *>(intptr_t(i)));
        int live = n;
        WaitEvent *evs = static_cast<WaitEvent *>(palloc(sizeof(WaitEvent) * (n + 2)));
        while (live > 0) {
            bool progressed = false;
            for (int i = 0; i < n; i++) {
                GatherNode *g = &nodes[i];
                if (step[i] == 3)
                    continue;
                Conn *c = static_cast<Conn *>(g->conn);
                if (PQisBusy(c->conn))
                    continue;
                progressed = true;
                PGresult *r = PQgetResult(c->conn);
                if (c->notices) {  // what the node said before this result (its batch()'s NOTICEs)
                    PG_TRY();
                    {
                        relay_notices(c);
                    }
                    PG_CATCH();
                    {
                        if (r)
                            PQclear(r);
                        PG_RE_THROW();
                    }
                    PG_END_TRY();
                }
                if (!r) {  // the command is complete: the next one
                    const char *next = nullptr;
                    if (step[i] == 1 && more[i])
                        next = psprintf("FETCH %d FROM feature_ext_gather", kGatherFetch);
                    else if (step[i] == 1) {
                        next = "COMMIT";
                        step[i] = 2;
                    } else {
                        step[i] = 3;
                        g->conn = nullptr;  // idle again
                        live--;
                        continue;
                    }
                    if (!PQsendQuery(c->conn, next)) {
                        g->conn = nullptr;
                        raise_broken(c, g->host, g->port);
                    }
                    more[i] = false;
                    continue;
                }
                ExecStatusType st = PQresultStatus(r);
                if (st == PGRES_COMMAND_OK) {  // BEGIN, DECLARE, COMMIT
                    PQclear(r);
                    continue;
                }
                if (st != PGRES_TUPLES_OK)
                    raise_remote(r, g->host, g->port);  // (its connection is dropped below)
                int nt = PQntuples(r);
                bool same = PQnfields(r) == td->natts;
                for (int k = 0; same && k < td->natts; k++) {
                    Oid want = TupleDescAttr(td, k)->atttypid;
                    same = want >= FirstGenbkiObjectId || PQftype(r, k) == want;
                }
                if (!same) {
                    PQclear(r);
                    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                    errmsg("Citus node %s:%d answered with other columns than this node's deployment "
                                           "returns", g->host, g->port),
                                    errhint("Its copy of the deployment differs: redeploy it from the coordinator "
                                            "with '{\"replace\": true}'.")));
                }
                more[i] = nt == kGatherFetch;
                store_rows(r, binary, td, in, ioparam, v, nl, ts, rowcxt);  // (clears r on an error)
                PQclear(r);
            }
            if (progressed || live == 0)
                continue;
            int ne = WaitEventSetWait(set, -1L, evs, n + 2, PG_WAIT_EXTENSION);
            for (int e = 0; e < ne; e++) {
                if (evs[e].events & WL_LATCH_SET) {
                    ResetLatch(MyLatch);
                    CHECK_FOR_INTERRUPTS();
                }
                if (evs[e].events & WL_SOCKET_READABLE) {
                    int i = int(reinterpret_cast<intptr_t>(evs[e].user_data));
                    GatherNode *g = &nodes[i];
                    Conn *c = static_cast<Conn *>(g->conn);
                    if (c && !PQconsumeInput(c->conn)) {
                        g->conn = nullptr;
                        raise_broken(c, g->host, g->port);
                    }
                }
            }
        }
        FreeWaitEventSet(set);
        set = nullptr;
        MemoryContextDelete(rowcxt);
    }
    PG_CATCH();
    {
        // Nodes still computing or answering: cancelled, their connections
        // closed (in an unknown state).
        if (set)
            FreeWaitEventSet(set);
        for (int i = 0; i < n; i++)
            if (nodes[i].conn) {
                cancel_and_drop(static_cast<Conn *>(nodes[i].conn));
                nodes[i].conn = nullptr;
            }
        PG_RE_THROW();
    }
    PG_END_TRY();
}

}  // namespace fe
