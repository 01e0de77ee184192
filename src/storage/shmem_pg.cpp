// feature_ext: the shared memory region of the skiplist store, its one
// registration path (shmem_request_hook / shmem_startup_hook), order-value
// conversions, TTL rules, and the TTL background worker.
//
// Protocol of the region: see include/feature_ext/storage/store.hpp.  Each
// backend reads as reader number proc_number(MyProc); its reader slot is cleared
// on exit (on_shmem_exit) and at transaction abort, so a backend that errors
// out or exits mid-read never pins memory.  A crashed backend makes the
// postmaster re-create the whole region (empty): indexes are then rebuilt from
// their tables on first use (ready_slot, storage/xact_pg.cpp).
#include "feature_ext/storage/storage_pg.hpp"
#include "feature_ext/base/compat_pg.hpp"
#include "feature_ext/base/module_pg.hpp"
#include "feature_ext/deploy/stats_pg.hpp"

extern "C" {
#include "access/twophase.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "utils/date.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
#include "tcop/tcopprot.h"
PGDLLEXPORT void fe_gc_worker_main(Datum arg);
}

namespace fe {

namespace {
core::Store g_store;
// The GC worker's process number (-1: none running), for wake_gc_worker(),
// and the launcher's, for request_load() (storage/loader_pg.cpp).
struct GcWorkerShared {
    std::atomic<int> procno;
    std::atomic<int> launcher_procno;
    std::atomic<uint32> load_wanted;
    std::atomic<uint32> load_failures;
};
GcWorkerShared *g_gc_worker = nullptr;
shmem_request_hook_type prev_shmem_request = nullptr;
shmem_startup_hook_type prev_shmem_startup = nullptr;
constexpr uint32 kMaxIndexes = 1024;

uint32 reader_count() { return uint32(MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts + 1); }
Size region_bytes() { return Size(g_memory_limit_mb) * 1024 * 1024; }

void fe_shmem_request()
{
    if (prev_shmem_request)
        prev_shmem_request();
    RequestAddinShmemSpace(region_bytes() + 4096);
    RequestAddinShmemSpace(MAXALIGN(deploy_stats_shmem_size()));
    RequestAddinShmemSpace(MAXALIGN(sizeof(GcWorkerShared)));
    RequestAddinShmemSpace(held_shmem_size());
    RequestAddinShmemSpace(standby_shmem_size());
}

void fe_shmem_exit(int, Datum)
{
    if (!g_store.valid() || !MyProc)
        return;
    auto *rs = g_store.at<core::ReaderSlot>(g_store.hdr()->readers) + fe::compat::proc_number(MyProc);
    rs->depth = 0;
    rs->epoch.store(0);
}

void fe_shmem_startup()
{
    if (prev_shmem_startup)
        prev_shmem_startup();
    bool found = false;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    void *base = ShmemInitStruct("feature_ext skiplist store", region_bytes() + 4096, &found);
    // Align the region to 4 KiB inside the segment.
    auto aligned = reinterpret_cast<void *>((reinterpret_cast<uintptr_t>(base) + 4095) & ~uintptr_t(4095));
    if (!found)
        g_store = core::Store::init(aligned, region_bytes(), kMaxIndexes, reader_count());
    else
        g_store = core::Store::attach(aligned);
    bool stats_found = false;
    void *stats = ShmemInitStruct("feature_ext deployment stats", deploy_stats_shmem_size(), &stats_found);
    deploy_stats_shmem_init(stats, stats_found);
    bool gc_found = false;
    g_gc_worker = static_cast<GcWorkerShared *>(ShmemInitStruct("feature_ext gc worker", sizeof(GcWorkerShared),
                                                                &gc_found));
    if (!gc_found)
        new (g_gc_worker) GcWorkerShared{{-1}, {-1}, {0}, {0}};
    bool held_found = false;
    held_shmem_init(ShmemInitStruct("feature_ext prepared changes", held_shmem_size(), &held_found), held_found);
    bool standby_found = false;
    standby_shmem_init(ShmemInitStruct("feature_ext standby log", standby_shmem_size(), &standby_found),
                       standby_found);
    LWLockRelease(AddinShmemInitLock);
    if (!IsUnderPostmaster)
        return;
    on_shmem_exit(fe_shmem_exit, 0);
}
}  // namespace

core::Store &store()
{
    if (!g_store.valid())
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("feature_ext shared memory is not available"),
                        errhint("Add 'feature_ext' to shared_preload_libraries and restart the server.")));
    return g_store;
}

bool store_ready() { return g_store.valid(); }

uint32 reader_id() { return uint32(fe::compat::proc_number(MyProc)); }

void report_memory_full(const char *what)
{
    core::MemoryUsage u = g_store.usage();
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                    errmsg("feature_ext memory limit reached while storing %s", what),
                    errdetail("%llu of %llu bytes of feature_ext.memory_limit are in use.",
                              (unsigned long long) u.used_bytes, (unsigned long long) u.heap_bytes),
                    errhint("Raise feature_ext.memory_limit (needs a restart), shorten index TTLs, or delete "
                            "rows; nothing already stored was lost.")));
}

// ---------------------------------------------------------------- order values

static constexpr int64 kUnixEpochUs = int64(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

int64 order_from_datum(OrderKind kind, Datum d)
{
    switch (kind) {
    case kOrderInt2: return DatumGetInt16(d);
    case kOrderInt4: return DatumGetInt32(d);
    case kOrderInt8: return DatumGetInt64(d);
    case kOrderDate: return DatumGetDateADT(d);
    case kOrderTimestamp: return DatumGetTimestamp(d);
    case kOrderTimestamptz: return DatumGetTimestampTz(d);
    }
    return 0;
}

Datum order_to_datum(OrderKind kind, int64 v)
{
    switch (kind) {
    case kOrderInt2: return Int16GetDatum(int16(v));
    case kOrderInt4: return Int32GetDatum(int32(v));
    case kOrderInt8: return Int64GetDatum(v);
    case kOrderDate: return DateADTGetDatum(DateADT(v));
    case kOrderTimestamp: return TimestampGetDatum(v);
    case kOrderTimestamptz: return TimestampTzGetDatum(v);
    }
    return 0;
}

int64 order_units_from_us(OrderKind kind, int64 us)
{
    switch (kind) {
    case kOrderInt2:
    case kOrderInt4:
    case kOrderInt8: return us / 1000;
    case kOrderDate: return us / USECS_PER_DAY;
    default: return us;
    }
}

int64 order_now(OrderKind kind, TimestampTz now)
{
    switch (kind) {
    case kOrderInt2:
    case kOrderInt4:
    case kOrderInt8: return (now + kUnixEpochUs) / 1000;
    case kOrderDate: return now / USECS_PER_DAY;
    default: return now;
    }
}

core::TtlRule slot_rule(const core::IndexSlot *s, TimestampTz now)
{
    core::TtlRule r;
    r.type = core::TtlType(s->ttl_type.load(std::memory_order_acquire));
    r.event_clock = s->ttl_event_clock.load(std::memory_order_relaxed) != 0;
    r.abs_ttl = s->ttl_abs.load(std::memory_order_relaxed);
    r.rows = s->ttl_rows.load(std::memory_order_relaxed);
    if (r.has_abs() && !r.event_clock)
        r.wall_cutoff = order_now(OrderKind(s->order_kind), now) - r.abs_ttl;
    if (r.event_clock) {
        // docs/STORAGE.md, TTL: rows dated more than a day past the wall
        // clock do not move the event clock.
        int64 day = order_units_from_us(OrderKind(s->order_kind), USECS_PER_DAY);
        if (__builtin_add_overflow(order_now(OrderKind(s->order_kind), now), day, &r.clock_ceiling))
            r.clock_ceiling = INT64_MAX;
    }
    return r;
}

void sync_slot_ttl(core::IndexSlot *s, const IndexMeta *m)
{
    int64 abs_units = m->ttl.abs_us > 0 ? order_units_from_us(m->order_kind, m->ttl.abs_us) : 0;
    if (m->ttl.abs_us > 0 && abs_units < 1)
        abs_units = 1;
    if (s->ttl_type.load() == uint32(m->ttl.type) && s->ttl_event_clock.load() == uint32(m->ttl.event_clock) &&
        s->ttl_abs.load() == abs_units && s->ttl_rows.load() == m->ttl.rows)
        return;
    s->ttl_abs.store(abs_units);
    s->ttl_rows.store(m->ttl.rows);
    s->ttl_event_clock.store(m->ttl.event_clock ? 1 : 0);
    s->ttl_type.store(uint32(m->ttl.type), std::memory_order_release);
}

void set_slot_summaries(core::IndexSlot *s, const IndexMeta *m)
{
    core::SumCol cols[core::kMaxSumCols];
    uint32 n = 0;
    int fixed_start = (m->nstored + 7) / 8;  // after the null bitmap (storage/codec_pg.cpp)
    // The integer columns first (their order fixes the per-value maps'
    // budget, docs/STORAGE.md), then float8 columns (docs/DEPLOY.md, "Float
    // sums"), up to kMaxSumCols in all.
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < m->nstored && n < uint32(core::kMaxSumCols); i++) {
            const ColInfo &c = m->stored[i];
            uint8 kind = pass == 1 ? (c.typid == FLOAT8OID ? core::kSumF64 : c.typid == FLOAT4OID ? core::kSumF32 : core::kSumNone)
                         : c.typid == INT2OID ? core::kSumI16 : c.typid == INT4OID ? core::kSumI32
                         : c.typid == INT8OID ? core::kSumI64 : core::kSumNone;
            if (kind == core::kSumNone || c.fixed_off < 0 || fixed_start + c.fixed_off > 0xffff)
                continue;
            cols[n] = core::SumCol{uint16(i), uint16(fixed_start + c.fixed_off), kind, {0, 0, 0}};
            n++;
        }
    // Then text / varchar columns among the first three variable-length
    // stored columns (per-value maps keyed by a hash of their bytes, for
    // `=` / `<>` conditions; docs/STORAGE.md, "Block summaries").
    int var_start = fixed_start + m->stored_fixed;
    int nvar = 0;
    uint8 varbits[2] = {0, 0};
    for (int i = 0; i < m->nstored && nvar < 3; i++) {
        const ColInfo &c = m->stored[i];
        if (c.typlen > 0)
            continue;
        if ((c.typid == TEXTOID || c.typid == VARCHAROID) && c.typlen == -1 && !c.bpchar && i < 256 &&
            var_start <= 0xffff && n < uint32(core::kMaxSumCols)) {
            cols[n] = core::SumCol{uint16(i), uint16(var_start), core::kSumText,
                                   {uint8(nvar), varbits[0], varbits[1]}};
            n++;
        }
        if (i >= 256)
            break;  // (a later column's walk would need this null bit)
        if (nvar < 2)
            varbits[nvar] = uint8(i);
        nvar++;
    }
    store().set_summaries(s, kSumBlockRows, cols, n);
}

// ---------------------------------------------------------------- GC

int64 run_gc_all(TimestampTz now)
{
    core::Store &st = store();
    // Prepared transactions finished without their entries resolved (the
    // session that ran COMMIT PREPARED does it; this is the safety net).
    resolve_prepared();
    int64 total = 0;
    for (uint32 i = 0; i < st.max_slots(); i++) {
        core::IndexSlot *s = st.slot(i);
        st.reader_enter(reader_id());
        if (s->state.load(std::memory_order_acquire) == core::kSlotReady) {
            core::TtlRule rule = slot_rule(s, now);
            TimestampTz t0 = GetCurrentTimestamp();
            int64 cut = st.expire_index(s, rule);
            TimestampTz t1 = GetCurrentTimestamp();
            int64 moved = st.compact_index(s, false);  // keys whose rows changed or lie in victim segments
            TimestampTz t2 = GetCurrentTimestamp();
            total += cut;
            s->last_gc.store(now);
            ereport(DEBUG1, (errmsg_internal("feature_ext: GC pass of index %u: expiry %.1f ms (%lld rows cut), "
                                             "compaction %.1f ms (%lld keys compacted)",
                                             s->id.index, double(t1 - t0) / 1000.0, (long long) cut,
                                             double(t2 - t1) / 1000.0, (long long) moved)));
        }
        st.reader_exit(reader_id());
    }
    // Two advances free what this pass retired, unless a reader is still
    // inside an older epoch (then the next pass does).
    st.reclaim();
    st.reclaim();
    st.reclaim();
    // Tables whose growth was put off (a reader kept the table before them
    // from being freed): grow them now.
    for (uint32 i = 0; i < st.max_slots(); i++) {
        core::IndexSlot *s = st.slot(i);
        if (s->state.load(std::memory_order_acquire) == core::kSlotReady)
            while (st.grow_table(s, true)) {
            }
    }
    return total;
}

int mark_slots(SlotMark *out, int max)
{
    core::Store &st = store();
    int n = 0;
    for (uint32 i = 0; i < st.max_slots() && n < max; i++) {
        core::IndexSlot *s = st.slot(i);
        uint32 state = s->state.load(std::memory_order_acquire);
        if (core::slot_in_use(state))
            out[n++] = SlotMark{i, s->generation.load(std::memory_order_acquire), s->id.db};
    }
    return n;
}

int drop_slots_of_dropped_dbs(const SlotMark *marks, int n, const Oid *live, int nlive)
{
    core::Store &st = store();
    int dropped = 0;
    for (int i = 0; i < n; i++) {
        bool alive = false;
        for (int j = 0; j < nlive && !alive; j++)
            alive = live[j] == marks[i].db;
        if (alive)
            continue;
        core::IndexSlot *s = st.slot(marks[i].index);
        uint32 state = s->state.load(std::memory_order_acquire);
        if (core::slot_in_use(state) &&
            s->generation.load(std::memory_order_acquire) == marks[i].generation && s->id.db == marks[i].db) {
            st.drop_slot(s);  // memory freed by reclaim() once no reader can be in it
            dropped++;
        }
    }
    return dropped;
}

void fill_worker(BackgroundWorker *w, int flags, int restart_s, const char *function, const char *name)
{
    memset(w, 0, sizeof(*w));
    w->bgw_flags = flags;
    w->bgw_start_time = BgWorkerStart_RecoveryFinished;
    w->bgw_restart_time = restart_s;
    snprintf(w->bgw_library_name, BGW_MAXLEN, "feature_ext");
    snprintf(w->bgw_function_name, BGW_MAXLEN, "%s", function);
    snprintf(w->bgw_name, BGW_MAXLEN, "%s", name);
    snprintf(w->bgw_type, BGW_MAXLEN, "%s", name);
}

void register_gc_worker()
{
    BackgroundWorker w;
    fill_worker(&w, BGWORKER_SHMEM_ACCESS, 10, "fe_gc_worker_main", "feature_ext TTL reclaimer");
    RegisterBackgroundWorker(&w);
}

void wake_gc_worker()
{
    int procno = g_gc_worker ? g_gc_worker->procno.load() : -1;
    if (procno >= 0)
        SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

void request_load()
{
    if (!g_gc_worker)
        return;
    g_gc_worker->load_wanted.store(1);
    int procno = g_gc_worker->launcher_procno.load();
    if (procno >= 0)
        SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

bool load_requested() { return g_gc_worker && g_gc_worker->load_wanted.exchange(0) != 0; }
void note_load_failure() { g_gc_worker->load_failures.fetch_add(1); }
uint32 load_failures() { return g_gc_worker->load_failures.load(); }

namespace {
void launcher_exit(int, Datum)
{
    // Only our own registration (the standby worker hands over to the
    // launcher of the promoted server).
    int me = fe::compat::proc_number(MyProc);
    if (g_gc_worker)
        g_gc_worker->launcher_procno.compare_exchange_strong(me, -1);
}
}  // namespace

void set_launcher_proc()
{
    before_shmem_exit(launcher_exit, 0);
    g_gc_worker->launcher_procno.store(fe::compat::proc_number(MyProc));
}

namespace {
void gc_worker_exit(int, Datum)
{
    if (g_gc_worker)
        g_gc_worker->procno.store(-1);
}
}  // namespace

void storage_init()
{
    prev_shmem_request = shmem_request_hook;
    shmem_request_hook = fe_shmem_request;
    prev_shmem_startup = shmem_startup_hook;
    shmem_startup_hook = fe_shmem_startup;
    register_gc_worker();
    register_standby();
    void register_xact_callbacks();
    register_xact_callbacks();
}

}  // namespace fe

// The TTL reclaimer: no database connection, wakes every
// feature_ext.ttl_gc_interval (and soon after a commit that published
// kWakeGcRows rows or more), expires rows of every ready index and compacts
// keys whose rows are scattered.
extern "C" void fe_gc_worker_main(Datum)
{
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    // Bulk commits wake the worker (wake_gc_worker); passes they cause are
    // at least kMinWakeGapMs apart (a pass visits every key).
    constexpr long kMinWakeGapMs = 5000;
    before_shmem_exit(fe::gc_worker_exit, 0);
    fe::g_gc_worker->procno.store(fe::compat::proc_number(MyProc));
    TimestampTz last = 0;
    for (;;) {
        int rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                           long(fe::g_ttl_gc_interval_s) * 1000L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        if ((rc & WL_LATCH_SET) && !(rc & WL_TIMEOUT) && last != 0) {
            long secs;
            int usecs;
            TimestampDifference(last, GetCurrentTimestamp(), &secs, &usecs);
            long since_ms = secs * 1000L + usecs / 1000;
            if (since_ms < kMinWakeGapMs)
                (void) WaitLatch(MyLatch, WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kMinWakeGapMs - since_ms,
                                 PG_WAIT_EXTENSION);
            CHECK_FOR_INTERRUPTS();
        }
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        last = GetCurrentTimestamp();
        int64 n = fe::run_gc_all(last);
        if (n > 0)
            elog(DEBUG1, "feature_ext: TTL reclaimer expired %lld rows", (long long) n);
    }
}
