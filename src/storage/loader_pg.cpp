// feature_ext: loading the in-memory skiplist indexes after a server start
// (SPEC §8), beside the writers.
//
// * The launcher (the retention launcher of storage/retention_pg.cpp,
//   connected to no database) runs a load round when it starts (after every
//   server start, crash restart included: shared memory is then empty) and
//   when a backend asks for one (request_load: a request found its index not
//   loaded, e.g. in a database copied from a template, or after a failed
//   load).  A round starts one short-lived loader worker per connectable
//   database, up to kConcurrent at a time, and waits for them.
// * A loader worker, connected to its database, lists the skiplist indexes
//   there (pg_index scanned directly: no SQL, no search_path) and loads each
//   missing one with load_index() (storage/xact_pg.cpp) in a transaction of
//   its own: writers are not blocked, and what they commit meanwhile is
//   caught up (the protocol: "catch-up" in storage/store.hpp).  One failing
//   index (e.g. feature_ext.memory_limit) is logged and does not stop the
//   others; the round counts failures, and a round asked for after a round
//   with failures waits kRetryAfterFailureMs, so a request loop does not
//   reload a table that cannot fit over and over.
// * Rights: the worker runs as the bootstrap superuser and runs no user code:
//   it reads heap tuples and copies column values (skiplist indexes have no
//   expressions or predicates), as VACUUM's heap scan does.
// * Requests wait for their index up to feature_ext.load_wait (ready_slot).
//
// C-style zone (CONTRIBUTING.md): no C++ object with a destructor lives here.
#include "feature_ext/base/compat_pg.hpp"
#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "postgres.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "catalog/pg_index.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
PGDLLEXPORT void fe_loader_db_main(Datum arg);
}

namespace fe {

int g_load_wait_ms = 5000;

namespace {
constexpr int kConcurrent = 4;

Oid rel_am(Oid relid)
{
    HeapTuple t = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(t))
        return InvalidOid;
    Oid am = reinterpret_cast<Form_pg_class>(GETSTRUCT(t))->relam;
    ReleaseSysCache(t);
    return am;
}
constexpr long kRetryAfterFailureMs = 30000;
TimestampTz g_last_round = 0;
bool g_last_round_failed = false;
}  // namespace

void loader_init()
{
    DefineCustomIntVariable("feature_ext.load_wait",
                            "How long a request waits for its skiplist index to be loaded after a restart.",
                            "Then it fails with SQLSTATE 55000; the load goes on in the background.",
                            &g_load_wait_ms, 5000, 0, 3600 * 1000, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
}

// The launcher: one loader worker per connectable database.
void run_load_round()
{
    // A round asked for right after one that failed waits (see the header).
    // (Latch-driven, so a shutdown is seen at once.)
    while (g_last_round_failed) {
        long secs;
        int usecs;
        TimestampDifference(g_last_round, GetCurrentTimestamp(), &secs, &usecs);
        long left = kRetryAfterFailureMs - (secs * 1000L + usecs / 1000);
        if (left <= 0)
            break;
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    g_last_round = GetCurrentTimestamp();
    uint32 failures0 = load_failures();
    int cap = 64, ndbs = 0;
    Oid *dbs = static_cast<Oid *>(palloc(sizeof(Oid) * cap));
    StartTransactionCommand();
    Relation rel = table_open(DatabaseRelationId, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
    HeapTuple tup;
    while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
        Form_pg_database db = reinterpret_cast<Form_pg_database>(GETSTRUCT(tup));
        if (!db->datallowconn || db->datistemplate)
            continue;
        if (ndbs == cap) {
            cap *= 2;
            dbs = static_cast<Oid *>(repalloc(dbs, sizeof(Oid) * cap));
        }
        dbs[ndbs++] = db->oid;
    }
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    CommitTransactionCommand();
    BackgroundWorkerHandle *running[kConcurrent] = {};
    int next = 0;
    for (;;) {
        int active = 0;
        for (int i = 0; i < kConcurrent; i++) {
            if (running[i]) {
                pid_t pid;
                if (GetBackgroundWorkerPid(running[i], &pid) == BGWH_STOPPED) {
                    pfree(running[i]);
                    running[i] = nullptr;
                }
            }
            if (!running[i] && next < ndbs) {
                BackgroundWorker w;
                fill_worker(&w, BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION, BGW_NEVER_RESTART,
                            "fe_loader_db_main", "feature_ext index loader");
                w.bgw_start_time = BgWorkerStart_ConsistentState;  // hot standbys load too
                w.bgw_main_arg = ObjectIdGetDatum(dbs[next]);
                w.bgw_notify_pid = MyProcPid;
                if (RegisterDynamicBackgroundWorker(&w, &running[i]))
                    next++;
                else
                    running[i] = nullptr;  // no free worker slot now: retried below
            }
            if (running[i])
                active++;
        }
        if (active == 0 && next >= ndbs)
            break;
        // On a standby the round runs in the standby worker, which keeps
        // applying replayed changes meanwhile (replay sets the latch).
        bool standby = !standby_worker_tick() || RecoveryInProgress();
        // Our workers' exits set the latch (bgw_notify_pid).
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, standby ? 10 : 1000,
                         PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    g_last_round_failed = load_failures() != failures0;
    pfree(dbs);
}

}  // namespace fe

// One database: load every skiplist index that is not loaded yet.
extern "C" void fe_loader_db_main(Datum arg)
{
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(arg), InvalidOid, 0);
    pgstat_report_activity(STATE_RUNNING, "feature_ext: loading skiplist indexes");
    Oid *ids = nullptr;
    int n = 0;
    StartTransactionCommand();
    Oid am = OidIsValid(get_extension_oid("feature_ext", true)) ? fe::skiplist_am_oid() : InvalidOid;
    if (OidIsValid(am)) {
        Relation rel = table_open(IndexRelationId, AccessShareLock);
        TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
        HeapTuple tup;
        int cap = 64;
        ids = static_cast<Oid *>(MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * cap));
        while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
            Form_pg_index ix = reinterpret_cast<Form_pg_index>(GETSTRUCT(tup));
            if (!ix->indisready || !ix->indisvalid || fe::rel_am(ix->indexrelid) != am)
                continue;
            if (n == cap) {
                cap *= 2;
                ids = static_cast<Oid *>(repalloc(ids, sizeof(Oid) * cap));
            }
            ids[n++] = ix->indexrelid;
        }
        table_endscan(scan);
        table_close(rel, AccessShareLock);
    }
    CommitTransactionCommand();
    // Indexes whose table or index is locked are retried, for up to
    // kBusyRetryMs; then the worker leaves them to a later round (it asks
    // the launcher for one) so that one locked table does not hold up the
    // round, other databases or retention.
    constexpr long kBusyRetryMs = 10000;
    TimestampTz started = GetCurrentTimestamp();
    while (n > 0) {
        int busy = 0;
        for (int i = 0; i < n; i++) {
            volatile int64 rc = fe::kLoadNothing;
            PG_TRY();
            {
                StartTransactionCommand();
                rc = fe::pg_entry([&]() { return fe::load_index(ids[i]); });
                CommitTransactionCommand();
            }
            PG_CATCH();
            {
                // As autovacuum does for one table: report, clean up, go on.
                HOLD_INTERRUPTS();
                bool no_memory = geterrcode() == ERRCODE_OUT_OF_MEMORY;
                int64 used = fe::loading_bytes();
                EmitErrorReport();
                AbortOutOfAnyTransaction();  // drops the partial slot
                FlushErrorState();
                if (no_memory)
                    fe::mark_load_failed(used);  // inserts refused until a load fits
                RESUME_INTERRUPTS();
                fe::note_load_failure();
            }
            PG_END_TRY();
            if (rc == fe::kLoadBusy)
                ids[busy++] = ids[i];
        }
        n = busy;
        if (n == 0)
            break;
        long secs;
        int usecs;
        TimestampDifference(started, GetCurrentTimestamp(), &secs, &usecs);
        if (secs * 1000L + usecs / 1000 >= kBusyRetryMs) {
            ereport(LOG, (errmsg("feature_ext: %d skiplist indexes of locked tables are left to a later load round",
                                 n)));
            fe::request_load();
            break;
        }
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 200, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    pgstat_report_activity(STATE_IDLE, nullptr);
    proc_exit(0);
}
