// feature_ext: the table option `retention` (SPEC §2): rows of a
// feature_store table older than now - retention are deleted in the
// background, so the on-disk history (the offline store) keeps a bounded age.
//
//   CREATE TABLE txn (...) USING feature_store WITH (retention = '90 days');
//   ALTER TABLE txn SET (retention = '1 year', retention_column = 'txn_time');
//
// * PostgreSQL 15 gives table access methods no hook for their own WITH
//   options, so a ProcessUtility hook takes `retention` and
//   `retention_column` out of CREATE TABLE ... WITH (...) and ALTER TABLE ...
//   SET / RESET (...) before PostgreSQL sees them, and keeps them in the
//   extension's catalog table feature_ext.table_options (relid regclass; it
//   is dumped by pg_dump with the tables).  They are refused on tables that
//   are not feature_store.  The age column is `retention_column`, or else the
//   order column (last key column) of the table's skiplist indexes when they
//   all use the same one.  timestamptz, timestamp and date columns compare
//   with now() - retention; integer columns are epoch milliseconds (as
//   everywhere in feature_ext).
// * A launcher background worker (connected to no database; it reads the
//   shared catalog pg_database) wakes every feature_ext.retention_interval and,
//   one database at a time, starts a short-lived worker connected to it, which
//   runs the deletion there (if the extension is installed) and exits.  The
//   launcher, which sees every database, also drops the in-memory indexes of
//   databases dropped since its last round (storage/storage_pg.hpp, mark_slots).
// * The deletion is an ordinary DELETE per table, in one transaction per
//   table: WAL-logged, visible to VACUUM and replication, and the in-memory
//   indexes drop the rows at commit like any DELETE.
//   Each table's DELETE runs as the table's owner inside a security-restricted
//   operation with search_path pinned (base/secure_pg.hpp), as VACUUM does:
//   the owner's triggers, defaults and policies never run with the worker's
//   superuser rights.  feature_ext.run_retention() does the same on demand in
//   the current database for the tables the caller owns (all for a superuser).
//
// C-style zone (CONTRIBUTING.md): no C++ object with a destructor lives here,
// so PostgreSQL errors may unwind through these functions.
#include "feature_ext/base/compat_pg.hpp"
#include "feature_ext/base/guard_pg.hpp"
#include "feature_ext/base/module_pg.hpp"
#include "feature_ext/base/secure_pg.hpp"
#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "postgres.h"
#include "access/heapam.h"
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "commands/extension.h"
#include "utils/syscache.h"
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "utils/acl.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
PGDLLEXPORT void fe_retention_launcher_main(Datum arg);
PGDLLEXPORT void fe_retention_db_main(Datum arg);
}

namespace fe {
int g_retention_interval_s = 60;

namespace {

void validate_retention(const char *value)
{
    if (!value)
        return;
    Interval *iv = DatumGetIntervalP(
        DirectFunctionCall3(interval_in, CStringGetDatum(value), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
    if (iv->month < 0 || iv->day < 0 || iv->time < 0 || (iv->month == 0 && iv->day == 0 && iv->time == 0))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("retention must be a positive interval, not \"%s\"", value),
                        errhint("For example WITH (retention = '90 days').")));
}

void validate_retention_column(const char *value)
{
    if (value && !*value)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("retention_column must name a column")));
}

// The tables with the option, read as the extension's owner under a pinned
// search_path (every name qualified; OIDs sort by oid's default opclass).
const char *k_tables_sql =
    "SELECT o.relid::pg_catalog.oid, o.retention::pg_catalog.text, o.retention_column::pg_catalog.text "
    "  FROM feature_ext.table_options o ORDER BY 1";

// The age column of an open table: retention_column, else the skiplist
// indexes' common order column.  nullptr (with a WARNING) when there is none.
// Syscache and relcache only: no SQL, no name resolved through a search_path.
char *age_column(Relation r, const char *given, Oid *type)
{
    Oid rel = RelationGetRelid(r);
    AttrNumber att = InvalidAttrNumber;
    if (given) {
        att = get_attnum(rel, given);
        if (att <= 0) {  // missing, dropped, or a system column
            ereport(WARNING, (errcode(ERRCODE_UNDEFINED_COLUMN),
                              errmsg("retention of table %s: column \"%s\" does not exist", get_rel_name(rel), given)));
            return nullptr;
        }
    } else {
        Oid am = skiplist_am_oid();
        int distinct = 0;  // order columns seen: 0, 1, or 2 meaning "more than one"
        List *indexes = RelationGetIndexList(r);
        ListCell *lc;
        foreach (lc, indexes) {
            Oid io = lfirst_oid(lc);
            HeapTuple ct = SearchSysCache1(RELOID, ObjectIdGetDatum(io));
            if (!HeapTupleIsValid(ct))
                continue;
            bool skiplist = OidIsValid(am) && reinterpret_cast<Form_pg_class>(GETSTRUCT(ct))->relam == am;
            ReleaseSysCache(ct);
            if (!skiplist)
                continue;
            HeapTuple it = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(io));
            if (!HeapTupleIsValid(it))
                continue;
            Form_pg_index ix = reinterpret_cast<Form_pg_index>(GETSTRUCT(it));
            AttrNumber a = ix->indnkeyatts > 0 ? ix->indkey.values[ix->indnkeyatts - 1] : InvalidAttrNumber;
            ReleaseSysCache(it);
            if (a <= 0)
                continue;
            if (distinct == 0) {
                att = a;
                distinct = 1;
            } else if (a != att)
                distinct = 2;
        }
        list_free(indexes);
        if (distinct != 1) {
            ereport(WARNING,
                    (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                     errmsg("retention of table %s skipped: %s", get_rel_name(rel),
                            distinct == 0 ? "it has no skiplist index to take the order column from"
                                          : "its skiplist indexes have different order columns"),
                     errhint("Name the column: ALTER TABLE %s SET (retention_column = '...').", get_rel_name(rel))));
            return nullptr;
        }
    }
    *type = get_atttype(rel, att);
    return get_attname(rel, att, false);
}

// The DELETE for one table, or nullptr (WARNING) when its column type has no
// age.  Every name is qualified (it runs as the table's owner, whose objects
// must not stand in for pg_catalog's).
char *delete_sql(Relation r, const char *retention, const char *col, Oid type)
{
    const char *c = quote_identifier(col);
    const char *bound0 = psprintf("(pg_catalog.now() OPERATOR(pg_catalog.-) %s::pg_catalog.interval)",
                                  quote_literal_cstr(retention));
    const char *bound;
    switch (type) {
    case TIMESTAMPTZOID: bound = bound0; break;
    case TIMESTAMPOID: bound = psprintf("%s::pg_catalog.timestamp", bound0); break;
    case DATEOID: bound = psprintf("%s::pg_catalog.date", bound0); break;
    case INT2OID: case INT4OID: case INT8OID:
        bound = psprintf("pg_catalog.floor(pg_catalog.extract('epoch', %s) OPERATOR(pg_catalog.*) 1000)::pg_catalog.int8",
                         bound0);
        break;
    default:
        ereport(WARNING, (errcode(ERRCODE_DATATYPE_MISMATCH),
                          errmsg("retention of table %s skipped: column \"%s\" is %s", RelationGetRelationName(r), col,
                                 format_type_be(type)),
                          errhint("retention needs a timestamptz, timestamp, date or integer (epoch ms) column.")));
        return nullptr;
    }
    char *nsp = get_namespace_name(RelationGetNamespace(r));
    return psprintf("DELETE FROM %s WHERE %s OPERATOR(pg_catalog.<) %s",
                    quote_qualified_identifier(nsp, RelationGetRelationName(r)), c, bound);
}

struct Item {
    Oid rel;
    char *retention;
    char *column;
};

void retention_errcontext(void *arg)
{
    errcontext("feature_ext retention of table %s", static_cast<const char *>(arg));
}

bool caller_owns(Oid rel)  // as object_ownercheck, but false for a dropped table
{
    HeapTuple t = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
    if (!HeapTupleIsValid(t))
        return false;
    Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(t))->relowner;
    ReleaseSysCache(t);
    return has_privs_of_role(GetUserId(), owner);  // true for superusers
}

// One table, in the current transaction: its DELETE runs as the table's
// owner inside a security-restricted operation with a pinned search_path (as
// VACUUM runs index functions), so the owner's triggers, defaults and
// policies get the owner's rights and no more.  With `own_tables_only`
// (run_retention()), tables the caller does not own are skipped before they
// are locked.  Returns rows deleted.
int64 retention_one(const Item *it, bool own_tables_only, int elevel)
{
    if (own_tables_only && !caller_owns(it->rel))
        return 0;
    Relation r = try_relation_open(it->rel, RowExclusiveLock);
    if (!r)
        return 0;  // dropped meanwhile
    if (r->rd_rel->relkind != RELKIND_RELATION || (own_tables_only && !caller_owns(it->rel))) {
        relation_close(r, RowExclusiveLock);
        return 0;
    }
    Oid owner = r->rd_rel->relowner;
    Oid type = InvalidOid;
    char *col = age_column(r, it->column, &type);
    char *sql = col ? delete_sql(r, it->retention, col, type) : nullptr;
    int64 n = 0;
    if (sql) {
        char *qname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(r)), RelationGetRelationName(r));
        ErrorContextCallback cb;
        cb.callback = retention_errcontext;
        cb.arg = qname;
        cb.previous = error_context_stack;
        error_context_stack = &cb;
        SafeScope s;
        safe_enter(&s, owner, SECURITY_RESTRICTED_OPERATION);
        SPI_connect();
        if (SPI_execute(sql, false, 0) != SPI_OK_DELETE)
            elog(ERROR, "feature_ext: retention DELETE failed: %s", sql);
        n = int64(SPI_processed);
        SPI_finish();
        safe_leave(&s);
        error_context_stack = cb.previous;
        if (n > 0)
            ereport(elevel, (errmsg("feature_ext: retention deleted %llu rows older than %s from %s",
                                    (unsigned long long) n, it->retention, RelationGetRelationName(r))));
    }
    relation_close(r, NoLock);  // the lock is kept to the end of the transaction
    return n;
}

// Every feature_store table with retention in this database: the background
// worker (`own_xacts`) does each in a transaction of its own, and an error in
// one (say the owner's trigger fails) is logged and does not stop the others;
// run_retention() does the caller's own tables in the caller's transaction.
// Returns rows deleted.
int64 run_retention_here(bool own_xacts)
{
    volatile int64 total = 0;
    Item *items = nullptr;
    int n = 0;
    MemoryContext keep = own_xacts ? TopMemoryContext : CurrentMemoryContext;
    // The list of tables, read once.
    if (own_xacts) {
        StartTransactionCommand();
        PushActiveSnapshot(GetTransactionSnapshot());
    }
    SafeScope s;
    safe_enter(&s, extension_owner(), SECURITY_LOCAL_USERID_CHANGE);
    SPI_connect();
    if (SPI_execute(k_tables_sql, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "feature_ext: retention catalog query failed");
    n = int(SPI_processed);
    items = static_cast<Item *>(MemoryContextAllocZero(keep, sizeof(Item) * Max(n, 1)));
    for (int i = 0; i < n; i++) {
        bool isnull;
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        items[i].rel = DatumGetObjectId(SPI_getbinval(t, d, 1, &isnull));
        char *r = SPI_getvalue(t, d, 2);
        char *c = SPI_getvalue(t, d, 3);
        items[i].retention = r ? MemoryContextStrdup(keep, r) : nullptr;
        items[i].column = c ? MemoryContextStrdup(keep, c) : nullptr;
    }
    SPI_finish();
    safe_leave(&s);
    if (own_xacts) {
        PopActiveSnapshot();
        CommitTransactionCommand();
    }
    for (int i = 0; i < n; i++) {
        if (!items[i].retention)
            continue;  // only retention_column set
        if (!own_xacts) {
            total += retention_one(&items[i], true, DEBUG1);
            continue;
        }
        PG_TRY();
        {
            StartTransactionCommand();
            PushActiveSnapshot(GetTransactionSnapshot());
            pgstat_report_activity(STATE_RUNNING, "feature_ext retention");
            total += retention_one(&items[i], false, LOG);
            PopActiveSnapshot();
            CommitTransactionCommand();
        }
        PG_CATCH();
        {
            // As autovacuum does for one table: report, clean up, go on.
            HOLD_INTERRUPTS();
            EmitErrorReport();
            AbortOutOfAnyTransaction();
            FlushErrorState();
            RESUME_INTERRUPTS();
        }
        PG_END_TRY();
    }
    if (own_xacts) {
        for (int i = 0; i < n; i++) {
            if (items[i].retention)
                pfree(items[i].retention);
            if (items[i].column)
                pfree(items[i].column);
        }
        pfree(items);
        pgstat_report_activity(STATE_IDLE, nullptr);
    }
    return total;
}

void register_launcher()
{
    BackgroundWorker w;
    fill_worker(&w, BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION, 10, "fe_retention_launcher_main",
                "feature_ext retention launcher");
    RegisterBackgroundWorker(&w);
}

// ---- the options in CREATE TABLE / ALTER TABLE

ProcessUtility_hook_type prev_utility = nullptr;

bool is_ours(const char *name) { return strcmp(name, "retention") == 0 || strcmp(name, "retention_column") == 0; }

// Split `options` into ours (returned) and PostgreSQL's (left in *rest).
List *take_options(List *options, List **rest)
{
    List *ours = NIL, *keep = NIL;
    ListCell *lc;
    foreach (lc, options) {
        DefElem *d = lfirst_node(DefElem, lc);
        if (!d->defnamespace && is_ours(d->defname))
            ours = lappend(ours, d);
        else
            keep = lappend(keep, d);
    }
    *rest = keep;
    return ours;
}

void require_feature_store(Oid rel)
{
    Relation r = relation_open(rel, AccessShareLock);
    bool ok = r->rd_rel->relkind == RELKIND_RELATION && r->rd_tableam &&
              r->rd_rel->relam == get_table_am_oid("feature_store", true);
    relation_close(r, AccessShareLock);
    if (!ok)
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("table options retention and retention_column apply to feature_store tables only"),
                        errhint("Create the table USING feature_store.")));
}

// Apply SET (reset = false) or RESET (reset = true) of our options to rel.
void apply_options(Oid rel, List *opts, bool reset)
{
    if (!OidIsValid(get_namespace_oid("feature_ext", true)))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("table option retention needs the feature_ext extension in this database"),
                        errhint("CREATE EXTENSION feature_ext;")));
    require_feature_store(rel);
    if (!object_ownercheck(RelationRelationId, rel, GetUserId()))
        aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(rel));
    const char *retention = nullptr, *column = nullptr;
    bool reset_ret = false, reset_col = false;
    ListCell *lc;
    foreach (lc, opts) {
        DefElem *d = lfirst_node(DefElem, lc);
        bool ret = strcmp(d->defname, "retention") == 0;
        if (reset) {
            (ret ? reset_ret : reset_col) = true;
            continue;
        }
        if (!d->arg)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s needs a value", d->defname)));
        const char *v = defGetString(d);
        if (ret) {
            validate_retention(v);
            retention = v;
        } else {
            validate_retention_column(v);
            column = v;
        }
    }
    // The catalog is the extension's: written as its owner once the caller is
    // known to own the table, under a pinned search_path and with every name
    // qualified (the caller's temporary types must not stand in for ours).
    Datum args[3] = {ObjectIdGetDatum(rel), retention ? CStringGetTextDatum(retention) : Datum(0),
                     column ? CStringGetTextDatum(column) : Datum(0)};
    char nulls[3] = {' ', retention ? ' ' : 'n', column ? ' ' : 'n'};
    Oid types[3] = {OIDOID, TEXTOID, TEXTOID};
    if (reset)
        (void) catalog_exec(psprintf("UPDATE feature_ext.table_options SET %s%s%s "
                                     " WHERE relid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
                                     reset_ret ? "retention = NULL" : "", reset_ret && reset_col ? ", " : "",
                                     reset_col ? "retention_column = NULL" : ""),
                            1, types, args, nulls, false);
    else
        (void) catalog_exec(
            "INSERT INTO feature_ext.table_options AS o (relid, retention, retention_column) "
            "VALUES ($1::pg_catalog.regclass, $2::pg_catalog.interval, $3::pg_catalog.name) "
            "ON CONFLICT (relid) DO UPDATE SET retention = coalesce(excluded.retention, o.retention), "
            "  retention_column = coalesce(excluded.retention_column, o.retention_column)",
            3, types, args, nulls, false);
    (void) catalog_exec("DELETE FROM feature_ext.table_options WHERE relid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass "
                        "AND retention IS NULL AND retention_column IS NULL",
                        1, types, args, nulls, false);
}

void fe_utility(PlannedStmt *pstmt, const char *query, bool read_only_tree, ProcessUtilityContext context,
                ParamListInfo params, QueryEnvironment *env, DestReceiver *dest, QueryCompletion *qc)
{
    Node *stmt = pstmt->utilityStmt;
    List *ours = NIL;
    bool reset = false;
    RangeVar *target = nullptr;
    if (IsA(stmt, CreateStmt) || IsA(stmt, AlterTableStmt)) {
        // Look first without copying; copy the tree only to change it.
        bool any = false;
        ListCell *lc;
        if (IsA(stmt, CreateStmt)) {
            foreach (lc, reinterpret_cast<CreateStmt *>(stmt)->options)
                any |= !lfirst_node(DefElem, lc)->defnamespace && is_ours(lfirst_node(DefElem, lc)->defname);
        } else
            foreach (lc, reinterpret_cast<AlterTableStmt *>(stmt)->cmds) {
                AlterTableCmd *c = lfirst_node(AlterTableCmd, lc);
                if (c->subtype == AT_SetRelOptions || c->subtype == AT_ResetRelOptions) {
                    ListCell *lc2;
                    foreach (lc2, castNode(List, c->def))
                        any |= !lfirst_node(DefElem, lc2)->defnamespace && is_ours(lfirst_node(DefElem, lc2)->defname);
                }
            }
        if (any) {
            if (read_only_tree) {
                pstmt = static_cast<PlannedStmt *>(copyObjectImpl(pstmt));
                read_only_tree = false;
            }
            stmt = pstmt->utilityStmt;
            if (IsA(stmt, CreateStmt)) {
                CreateStmt *cs = reinterpret_cast<CreateStmt *>(stmt);
                ours = take_options(cs->options, &cs->options);
                target = cs->relation;
            } else {
                AlterTableStmt *as = reinterpret_cast<AlterTableStmt *>(stmt);
                List *cmds = NIL;
                foreach (lc, as->cmds) {
                    AlterTableCmd *c = lfirst_node(AlterTableCmd, lc);
                    if (c->subtype == AT_SetRelOptions || c->subtype == AT_ResetRelOptions) {
                        List *rest;
                        List *mine = take_options(castNode(List, c->def), &rest);
                        if (mine) {
                            if (ours && reset != (c->subtype == AT_ResetRelOptions))
                                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                                errmsg("SET and RESET of retention in one ALTER TABLE")));
                            reset = c->subtype == AT_ResetRelOptions;
                            ours = list_concat(ours, mine);
                        }
                        c->def = reinterpret_cast<Node *>(rest);
                        if (!rest)
                            continue;  // nothing left for PostgreSQL in this command
                    }
                    cmds = lappend(cmds, c);
                }
                as->cmds = cmds;
                target = as->relation;
                if (!cmds) {
                    // Only our options: no PostgreSQL command to run.
                    Oid rel = RangeVarGetRelidExtended(target, AccessExclusiveLock,
                                                       as->missing_ok ? RVR_MISSING_OK : 0, nullptr, nullptr);
                    if (!OidIsValid(rel)) {  // ALTER TABLE IF EXISTS
                        ereport(NOTICE, (errmsg("relation \"%s\" does not exist, skipping", target->relname)));
                        return;
                    }
                    apply_options(rel, ours, reset);
                    return;
                }
            }
        }
    }
    if (prev_utility)
        prev_utility(pstmt, query, read_only_tree, context, params, env, dest, qc);
    else
        standard_ProcessUtility(pstmt, query, read_only_tree, context, params, env, dest, qc);
    if (ours) {
        CommandCounterIncrement();
        Oid rel = RangeVarGetRelid(target, NoLock, false);
        apply_options(rel, ours, reset);
    }
}

}  // namespace

void retention_init()
{
    prev_utility = ProcessUtility_hook;
    ProcessUtility_hook = fe_utility;
    DefineCustomIntVariable("feature_ext.retention_interval",
                            "How often rows past a feature_store table's retention are deleted.", nullptr,
                            &g_retention_interval_s, 60, 1, 7 * 24 * 3600, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr,
                            nullptr);
    loader_init();
    register_launcher();
}

}  // namespace fe

// Launcher: every retention_interval, each connectable database in turn.
extern "C" void fe_retention_launcher_main(Datum)
{
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);  // shared catalogs only
    // After every start the in-memory indexes are empty: load them now
    // (storage/loader_pg.cpp), and again whenever a backend asks.
    fe::set_launcher_proc();
    (void) fe::load_requested();
    fe::run_load_round();
    TimestampTz last = GetCurrentTimestamp();
    for (;;) {
        // Sleep until a full interval after the last round started (the
        // latch is also set by our workers' exits, by reloads and by
        // request_load()).
        for (;;) {
            long left = long(fe::g_retention_interval_s) * 1000L -
                        long((GetCurrentTimestamp() - last) / 1000);
            if (left <= 0)
                break;  // retention is due: load rounds asked for meanwhile wait for it
            // The round's own waits may consume a request's latch: the flag
            // is checked again before sleeping.
            if (fe::load_requested()) {
                fe::run_load_round();
                continue;
            }
            (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left, PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
            if (ConfigReloadPending) {
                ConfigReloadPending = false;
                ProcessConfigFile(PGC_SIGHUP);
            }
        }
        last = GetCurrentTimestamp();
        // The in-memory indexes of databases dropped since: marked before the
        // catalog scan below starts (see drop_slots_of_dropped_dbs).
        static fe::SlotMark marks[4096];
        int nmarks = fe::mark_slots(marks, 4096);
        // The databases (as autovacuum's launcher lists them).
        Oid dbs[256], live[1024];
        int ndbs = 0, nlive = 0;
        StartTransactionCommand();
        Relation rel = table_open(DatabaseRelationId, AccessShareLock);
        TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
        HeapTuple tup;
        bool all_listed = true;
        while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
            Form_pg_database db = reinterpret_cast<Form_pg_database>(GETSTRUCT(tup));
            if (nlive < 1024)
                live[nlive++] = db->oid;
            else
                all_listed = false;
            if (db->datallowconn && !db->datistemplate && ndbs < 256)
                dbs[ndbs++] = db->oid;
        }
        table_endscan(scan);
        table_close(rel, AccessShareLock);
        CommitTransactionCommand();
        if (all_listed) {
            int n = fe::drop_slots_of_dropped_dbs(marks, nmarks, live, nlive);
            if (n > 0)
                ereport(LOG, (errmsg("feature_ext: freed %d in-memory indexes of dropped databases", n)));
        }
        for (int i = 0; i < ndbs; i++) {
            BackgroundWorker w;
            fe::fill_worker(&w, BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION, BGW_NEVER_RESTART,
                            "fe_retention_db_main", "feature_ext retention worker");
            w.bgw_main_arg = ObjectIdGetDatum(dbs[i]);
            w.bgw_notify_pid = MyProcPid;
            BackgroundWorkerHandle *h;
            if (!RegisterDynamicBackgroundWorker(&w, &h))
                break;  // no free worker slot: next round
            pid_t pid;
            if (WaitForBackgroundWorkerStartup(h, &pid) == BGWH_STARTED)
                (void) WaitForBackgroundWorkerShutdown(h);
            pfree(h);
            CHECK_FOR_INTERRUPTS();
        }
    }
}

// One database: delete past retention if feature_ext is installed here.
extern "C" void fe_retention_db_main(Datum arg)
{
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(arg), InvalidOid, 0);
    StartTransactionCommand();
    bool installed = OidIsValid(get_extension_oid("feature_ext", true));
    CommitTransactionCommand();
    if (installed)
        (void) fe::run_retention_here(true);
    proc_exit(0);
}

// feature_ext.run_retention() -> bigint: rows deleted now in this database
// from the tables the caller owns, each as its owner.
FE_FUNCTION(fe_run_retention)
{
    PG_RETURN_INT64(fe::run_retention_here(false));
}
