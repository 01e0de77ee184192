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
//   feature_ext.run_retention() does the same in the current database, as the
//   caller, on demand.
//
// C-style zone (CONTRIBUTING.md): no C++ object with a destructor lives here,
// so PostgreSQL errors may unwind through these functions.
#include "feature_ext/base/guard_pg.hpp"
#include "feature_ext/base/module_pg.hpp"
#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "postgres.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
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

const char *k_tables_sql =
    "SELECT o.relid::oid, o.retention::text, o.retention_column::text "
    "  FROM feature_ext.table_options o JOIN pg_class c ON c.oid = o.relid "
    " ORDER BY o.relid::oid";

// The age column of a table: retention_column, else the skiplist indexes'
// common order column.  nullptr (with a WARNING) when there is none.
char *age_column(Oid rel, const char *given, Oid *type)
{
    StringInfoData q;
    initStringInfo(&q);
    if (given)
        appendStringInfo(&q,
                         "SELECT attname::text, atttypid FROM pg_attribute WHERE attrelid = %u AND attname = %s "
                         "AND attnum > 0 AND NOT attisdropped",
                         rel, quote_literal_cstr(given));
    else
        appendStringInfo(&q,
                         "SELECT DISTINCT a.attname::text, a.atttypid FROM pg_index i "
                         "  JOIN pg_class ic ON ic.oid = i.indexrelid "
                         "  JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'skiplist' "
                         "  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[i.indnkeyatts - 1] "
                         " WHERE i.indrelid = %u",
                         rel);
    if (SPI_execute(q.data, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "feature_ext: retention catalog query failed");
    if (SPI_processed != 1) {
        if (given)
            ereport(WARNING, (errcode(ERRCODE_UNDEFINED_COLUMN),
                              errmsg("retention of table %s: column \"%s\" does not exist", get_rel_name(rel), given)));
        else
            ereport(WARNING,
                    (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                     errmsg("retention of table %s skipped: %s", get_rel_name(rel),
                            SPI_processed == 0 ? "it has no skiplist index to take the order column from"
                                               : "its skiplist indexes have different order columns"),
                     errhint("Name the column: ALTER TABLE %s SET (retention_column = '...').", get_rel_name(rel))));
        return nullptr;
    }
    bool isnull;
    char *col = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    *type = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
    return col;
}

// The DELETE for one table, or nullptr (WARNING) when its column type has no age.
char *delete_sql(Oid rel, const char *retention, const char *col, Oid type)
{
    const char *c = quote_identifier(col);
    const char *iv = quote_literal_cstr(retention);
    const char *bound;
    switch (type) {
    case TIMESTAMPTZOID: bound = psprintf("now() - %s::interval", iv); break;
    case TIMESTAMPOID: bound = psprintf("(now() - %s::interval)::timestamp", iv); break;
    case DATEOID: bound = psprintf("(now() - %s::interval)::date", iv); break;
    case INT2OID: case INT4OID: case INT8OID:
        bound = psprintf("floor(extract(epoch FROM now() - %s::interval) * 1000)::bigint", iv);
        break;
    default:
        ereport(WARNING, (errcode(ERRCODE_DATATYPE_MISMATCH),
                          errmsg("retention of table %s skipped: column \"%s\" is %s", get_rel_name(rel), col,
                                 format_type_be(type)),
                          errhint("retention needs a timestamptz, timestamp, date or integer (epoch ms) column.")));
        return nullptr;
    }
    char *nsp = get_namespace_name(get_rel_namespace(rel));
    return psprintf("DELETE FROM %s WHERE %s < %s", quote_qualified_identifier(nsp, get_rel_name(rel)), c, bound);
}

// Every feature_store table with retention in this database; one transaction
// per table when `own_xacts` (the background worker), else all in the
// caller's.  Returns rows deleted.
int64 run_retention_here(bool own_xacts)
{
    int64 total = 0;
    // The list of tables, read once.
    struct Item { Oid rel; char *retention; char *column; };
    Item *items = nullptr;
    int n = 0;
    MemoryContext keep = CurrentMemoryContext;
    if (own_xacts) {
        StartTransactionCommand();
        PushActiveSnapshot(GetTransactionSnapshot());
    }
    SPI_connect();
    if (SPI_execute(k_tables_sql, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "feature_ext: retention catalog query failed");
    n = int(SPI_processed);
    items = static_cast<Item *>(MemoryContextAllocZero(own_xacts ? TopMemoryContext : keep, sizeof(Item) * Max(n, 1)));
    for (int i = 0; i < n; i++) {
        bool isnull;
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        items[i].rel = DatumGetObjectId(SPI_getbinval(t, d, 1, &isnull));
        char *r = SPI_getvalue(t, d, 2);
        char *c = SPI_getvalue(t, d, 3);
        MemoryContext mc = own_xacts ? TopMemoryContext : keep;
        items[i].retention = MemoryContextStrdup(mc, r);
        items[i].column = c ? MemoryContextStrdup(mc, c) : nullptr;
    }
    SPI_finish();
    if (own_xacts) {
        PopActiveSnapshot();
        CommitTransactionCommand();
    }
    for (int i = 0; i < n; i++) {
        if (own_xacts) {
            StartTransactionCommand();
            PushActiveSnapshot(GetTransactionSnapshot());
            pgstat_report_activity(STATE_RUNNING, "feature_ext retention");
        }
        SPI_connect();
        Oid type = InvalidOid;
        if (get_rel_name(items[i].rel)) {  // not dropped meanwhile
            char *col = age_column(items[i].rel, items[i].column, &type);
            char *sql = col ? delete_sql(items[i].rel, items[i].retention, col, type) : nullptr;
            if (sql) {
                if (SPI_execute(sql, false, 0) != SPI_OK_DELETE)
                    elog(ERROR, "feature_ext: retention DELETE failed: %s", sql);
                total += int64(SPI_processed);
                if (SPI_processed > 0)
                    ereport(own_xacts ? LOG : DEBUG1,
                            (errmsg("feature_ext: retention deleted %llu rows older than %s from %s",
                                    (unsigned long long) SPI_processed, items[i].retention,
                                    get_rel_name(items[i].rel))));
            }
        }
        SPI_finish();
        if (own_xacts) {
            PopActiveSnapshot();
            CommitTransactionCommand();
        }
    }
    if (own_xacts) {
        for (int i = 0; i < n; i++) {
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
    if (!pg_class_ownercheck(rel, GetUserId()))
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
    // The catalog is the extension's: written with its owner's rights once
    // the caller is known to own the table.
    Oid save_uid;
    int save_ctx;
    GetUserIdAndSecContext(&save_uid, &save_ctx);
    SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, save_ctx | SECURITY_LOCAL_USERID_CHANGE);
    SPI_connect();
    Datum args[3] = {ObjectIdGetDatum(rel), retention ? CStringGetTextDatum(retention) : Datum(0),
                     column ? CStringGetTextDatum(column) : Datum(0)};
    char nulls[3] = {' ', retention ? ' ' : 'n', column ? ' ' : 'n'};
    Oid types[3] = {OIDOID, TEXTOID, TEXTOID};
    const char *sql;
    if (reset)
        sql = psprintf("UPDATE feature_ext.table_options SET %s%s%s WHERE relid = $1::oid::regclass "
                       "AND $2 IS NULL AND $3 IS NULL",
                       reset_ret ? "retention = NULL" : "", reset_ret && reset_col ? ", " : "",
                       reset_col ? "retention_column = NULL" : "");
    else
        sql = "INSERT INTO feature_ext.table_options AS o VALUES ($1::oid::regclass, $2::interval, $3::name) "
              "ON CONFLICT (relid) DO UPDATE SET retention = coalesce(excluded.retention, o.retention), "
              "  retention_column = coalesce(excluded.retention_column, o.retention_column)";
    if (SPI_execute_with_args(sql, 3, types, args, nulls, false, 0) < 0)
        elog(ERROR, "feature_ext: could not store table options");
    SPI_execute_with_args("DELETE FROM feature_ext.table_options WHERE relid = $1::oid::regclass "
                          "AND retention IS NULL AND retention_column IS NULL",
                          1, types, args, nulls, false, 0);
    SPI_finish();
    SetUserIdAndSecContext(save_uid, save_ctx);
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
    TimestampTz last = GetCurrentTimestamp();
    for (;;) {
        // Sleep until a full interval after the last round started (the
        // latch is also set by our workers' exits and by reloads).
        for (;;) {
            long left = long(fe::g_retention_interval_s) * 1000L -
                        long((GetCurrentTimestamp() - last) / 1000);
            if (left <= 0)
                break;
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
    PushActiveSnapshot(GetTransactionSnapshot());
    SPI_connect();
    bool installed = SPI_execute("SELECT 1 FROM pg_extension WHERE extname = 'feature_ext'", true, 1) == SPI_OK_SELECT &&
                     SPI_processed == 1;
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    if (installed)
        (void) fe::run_retention_here(true);
    proc_exit(0);
}

// feature_ext.run_retention() -> bigint: rows deleted now in this database,
// as the caller.
FE_FUNCTION(fe_run_retention)
{
    PG_RETURN_INT64(fe::run_retention_here(false));
}
