// feature_ext: physical standbys (SPEC §8; docs/STORAGE.md, "Standbys").
//
// * Primary: each writer's pre-commit / pre-prepare logs its changes to
//   skiplist indexes as custom WAL records (resource manager
//   RM_EXPERIMENTAL_ID = 128, "feature_ext"; PostgreSQL 15 custom WAL
//   resource managers need the library in shared_preload_libraries, which
//   feature_ext requires anyway): per change the key, the order value, the
//   heap TID and, for an insert, the encoded row as the index holds it; the
//   index (database, index, relfilenode) once per run of its changes.  Logged only when
//   wal_level >= replica.  The record carries the top-level xid.
// * Standby: the redo function (startup process: no catalog, no locks, no
//   ERROR) appends the changes to the replay log in shared memory
//   (storage/standby.hpp) when hot standby is active.  The standby worker
//   (started at consistent state, on hot standbys only) loads the indexes
//   from the standby's heap (load rounds, as the launcher does on a
//   primary) and resolves the log: changes of committed transactions are
//   applied in WAL order, those of aborted ones dropped.  A request resolves
//   the log itself before it reads, so it sees every transaction whose
//   commit was replayed before it started.
// * Promotion: the worker does a last pass (changes of transactions still
//   prepared become held entries, storage/held.hpp) and exits; the launcher
//   and the GC worker of a primary start; writers resolve what is left
//   before their own pre-commit.
//
// C-style zone (CONTRIBUTING.md): no C++ object with a destructor lives in a
// frame that calls PostgreSQL; backend-local buffers are static.
#include "feature_ext/storage/storage_pg.hpp"
#include "feature_ext/storage/standby.hpp"
#include "feature_ext/base/compat_pg.hpp"
#include "feature_ext/base/module_pg.hpp"

#include <vector>

extern "C" {
#include "access/rmgr.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "access/xloginsert.h"
#include "access/xlogreader.h"
#include "access/xlogutils.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/standby.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
PGDLLEXPORT void fe_standby_worker_main(Datum arg);
}

namespace fe {

namespace {

constexpr RmgrId kRmgrId = RM_EXPERIMENTAL_ID;  // 128 (docs/STORAGE.md, "Standbys")
constexpr uint8 kXlogOps = 0x10;
constexpr size_t kRecordBytes = 256 * 1024;      // a record is flushed beyond this

// A record is a sequence of items, each a kind byte and then:
//   kWalSlot                  the index (database, index, relfilenode) of
//                             the changes that follow in this record;
//   kWalInsert / kWalDelete   a WalOp, the key, (insert) the payload;
//   core::StandbyKind events  the index (built: CREATE INDEX, TRUNCATE,
//                             REINDEX; dropped).
// Unaligned: read with memcpy.
struct WalSlot {
    uint32 db, index, relfilenode;
};
struct __attribute__((packed)) WalOp {
    uint16 key_len;
    uint16 payload_len;  // insert (rows are at most 65535 bytes: kMaxPayload)
    uint16 tid_off;
    uint32 tid_block;
    int64 order;
};
constexpr uint8 kWalInsert = 10, kWalDelete = 11, kWalSlot = 12;
core::SlotId g_record_slot;  // the last kWalSlot of the record being built

struct StandbyShared {
    core::StandbyHeader log;
    std::atomic<int> worker_procno;  // -1: none
};

StandbyShared *g_shared = nullptr;
std::vector<uint8> g_record;  // the record being built (backend-local, cleared at flush)
bool g_resolving = false;     // this backend holds the resolver lock

core::StandbyLog standby_log() { return core::StandbyLog(store(), &g_shared->log); }

// ---------------------------------------------------------------- redo (startup process)
void lost(const char *why)
{
    if (g_shared->log.lost.exchange(1) == 0)
        ereport(WARNING, (errmsg("feature_ext: skiplist indexes stop following the primary: %s", why),
                          errhint("Raise feature_ext.memory_limit and restart the standby; requests fail "
                                  "until then.")));
}

void fe_redo(XLogReaderState *record)
{
    uint8 info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;
    if (info != kXlogOps)
        elog(PANIC, "feature_ext redo: unknown op code %u", info);
    // Only a hot standby serves reads from the indexes; crash recovery and
    // archive recovery without hot standby load from the table afterwards.
    if (!InHotStandby || !store_ready() || !g_shared || g_shared->log.lost.load())
        return;
    core::Store &st = store();
    core::StandbyLog log = standby_log();
    uint32 xid = XLogRecGetXid(record);
    const char *p = XLogRecGetData(record);
    const char *end = p + XLogRecGetDataLen(record);
    core::Ref cur = 0;
    core::SlotId cur_id, id;
    while (p < end) {
        uint8 kind = uint8(*p++);
        if (kind != kWalInsert && kind != kWalDelete) {
            WalSlot ws;
            if (p + sizeof(ws) > end)
                elog(PANIC, "feature_ext redo: truncated record");
            memcpy(&ws, p, sizeof(ws));
            p += sizeof(ws);
            id = core::SlotId{ws.db, ws.index, ws.relfilenode};
            if (kind == kWalSlot)
                continue;
            if (cur)
                log.append(cur);
            cur = log.make(core::StandbyKind(kind), xid, id);
            if (!cur)
                return lost("memory ran out during replay");
            log.append(cur);
            cur = 0;
            continue;
        }
        WalOp op;
        if (p + sizeof(op) > end)
            elog(PANIC, "feature_ext redo: truncated record");
        memcpy(&op, p, sizeof(op));
        const uint8 *key = reinterpret_cast<const uint8 *>(p + sizeof(op));
        const uint8 *payload = key + op.key_len;
        p += sizeof(op) + op.key_len + (kind == kWalInsert ? op.payload_len : 0);
        if (p > end)
            elog(PANIC, "feature_ext redo: truncated record");
        if (cur && !(cur_id == id)) {
            log.append(cur);
            cur = 0;
        }
        if (!cur) {
            cur = log.make(core::kStandbyOps, xid, id);
            cur_id = id;
            if (!cur)
                return lost("memory ran out during replay");
        }
        core::Ref node = 0;
        if (kind == kWalInsert) {
            node = st.alloc_node(op.payload_len, op.order, op.tid_block, op.tid_off);
            if (!node) {
                log.release(cur);
                return lost("memory ran out during replay");
            }
            memcpy(st.at<core::RowNode>(node)->payload(), payload, op.payload_len);
        }
        core::Ref rec = st.alloc_catchup(kind == kWalInsert, node, op.order, op.tid_block, op.tid_off,
                                         core::Store::hash_key(key, op.key_len), key, op.key_len);
        if (!rec) {
            if (node)
                st.free_node(node);
            log.release(cur);
            return lost("memory ran out during replay");
        }
        log.add_op(cur, rec);
    }
    if (cur)
        log.append(cur);
    int procno = g_shared->worker_procno.load();
    if (procno >= 0)
        SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

void fe_desc(StringInfo buf, XLogReaderState *record)
{
    appendStringInfo(buf, "skiplist index changes: %u bytes", XLogRecGetDataLen(record));
}

const char *fe_identify(uint8 info)
{
    return (info & ~XLR_INFO_MASK) == kXlogOps ? "OPS" : nullptr;
}

RmgrData g_rmgr = {"feature_ext", fe_redo, fe_desc, fe_identify, nullptr, nullptr, nullptr, nullptr};

// ---------------------------------------------------------------- resolving
core::StandbyLog::Outcome outcome(uint32 x)
{
    if (TransactionIdIsInProgress(x))
        return core::StandbyLog::kRunning;
    return TransactionIdDidCommit(x) ? core::StandbyLog::kCommitted : core::StandbyLog::kAborted;
}

// One pass (one resolver at a time); false when it could not run or a
// closing load stopped it (retry shortly).  In a transaction (RecentXmin).
bool resolve_pass()
{
    core::StandbyLog log = standby_log();
    if (!log.try_lock(uint32(MyProcPid)))
        return false;
    g_resolving = true;
    // Held entries of prepared transactions finished meanwhile (the loader
    // made them), and of those whose log entries are applied below first.
    resolve_prepared();
    TimestampTz now = GetCurrentTimestamp();
    bool done = log.resolve(
        reader_id(), outcome, [](uint32 x) { resolve_held_xid(x); },
        [&](const core::StandbyEntry *e) {
            const core::IndexSlot *s = store().find_slot(e->id);
            return s ? slot_rule(s, now) : core::TtlRule();
        });
    if (done && !RecoveryInProgress()) {
        // Promoted: replay is over; what is left belongs to transactions
        // still prepared (those running at the end of recovery count as
        // aborted): held until COMMIT/ROLLBACK PREPARED on this server.
        core::Held h(store(), held_header());
        for (core::Ref r = log.take_all(); r;) {
            core::Ref next = log.entry(r)->next;
            if (!log.hold(h, r, reader_id()))
                g_shared->log.lost.store(1);
            r = next;
        }
    }
    log.unlock();
    g_resolving = false;
    return done;
}

void worker_exit(int, Datum)
{
    if (g_shared)
        g_shared->worker_procno.store(-1);
    standby_abort();
}

}  // namespace

// ---------------------------------------------------------------- primary: logging
bool standby_logging()
{
    return XLogIsNeeded();
}

void standby_log_op(bool insert, const core::SlotId &id, const uint8 *key, uint32 key_len, int64 order,
                    uint32 tid_block, uint16 tid_off, const uint8 *payload, uint32 payload_len)
{
    if (g_record.empty() || !(g_record_slot == id)) {
        WalSlot ws{id.db, id.index, id.relfilenode};
        const uint8 *w = reinterpret_cast<const uint8 *>(&ws);
        g_record.push_back(kWalSlot);
        g_record.insert(g_record.end(), w, w + sizeof(ws));
        g_record_slot = id;
    }
    WalOp op{};
    op.key_len = uint16(key_len);
    op.payload_len = insert ? uint16(payload_len) : 0;
    op.tid_off = tid_off;
    op.tid_block = tid_block;
    op.order = order;
    const uint8 *o = reinterpret_cast<const uint8 *>(&op);
    g_record.push_back(insert ? kWalInsert : kWalDelete);
    g_record.insert(g_record.end(), o, o + sizeof(op));
    g_record.insert(g_record.end(), key, key + key_len);
    if (insert)
        g_record.insert(g_record.end(), payload, payload + payload_len);
    if (g_record.size() >= kRecordBytes)
        standby_log_flush();
}

void standby_log_event(uint32 kind, const core::SlotId &id)
{
    WalSlot ws{id.db, id.index, id.relfilenode};
    const uint8 *w = reinterpret_cast<const uint8 *>(&ws);
    g_record.push_back(uint8(kind));
    g_record.insert(g_record.end(), w, w + sizeof(ws));
    g_record_slot = core::SlotId{};  // redo reads the event's index as current: name the next op's again
}

void standby_log_flush()
{
    if (g_record.empty())
        return;
    XLogBeginInsert();
    XLogRegisterData(reinterpret_cast<char *>(g_record.data()), int(g_record.size()));
    (void) XLogInsert(kRmgrId, kXlogOps);
    g_record.clear();
}

void standby_log_reset() { g_record.clear(); }

// ---------------------------------------------------------------- standby: reading
Size standby_shmem_size() { return MAXALIGN(sizeof(StandbyShared)); }

void standby_shmem_init(void *p, bool found)
{
    g_shared = static_cast<StandbyShared *>(p);
    if (!found) {
        core::StandbyLog::init(&g_shared->log);
        g_shared->worker_procno.store(-1);
    }
}

bool standby_lost() { return g_shared && g_shared->log.lost.load() != 0; }

void standby_catch_up()
{
    if (!g_shared || !store_ready() || g_shared->log.entries.load(std::memory_order_acquire) == 0 || g_resolving)
        return;
    // Everything replayed before this call: a pass that starts now covers
    // it; if another resolver runs, wait for it and run one of our own.
    for (int i = 0; i < 5000; i++) {
        if (resolve_pass())
            return;
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
}

bool standby_worker_tick()
{
    if (!g_shared || g_shared->worker_procno.load() != compat::proc_number(MyProc) ||
        (g_shared->log.entries.load() == 0 && held_header()->entries.load() == 0))
        return true;
    StartTransactionCommand();
    (void) GetTransactionSnapshot();  // RecentXmin for TransactionIdIsInProgress
    bool done = pg_entry([&]() { return resolve_pass(); });
    CommitTransactionCommand();
    return done;
}

void standby_abort()
{
    if (g_resolving && g_shared) {
        // An error inside a pass: the entries it had taken are gone.
        g_shared->log.lost.store(1);
        standby_log().unlock();
    }
    g_resolving = false;
    g_record.clear();
}

void register_standby()
{
    RegisterCustomRmgr(kRmgrId, &g_rmgr);
    BackgroundWorker w;
    fill_worker(&w, BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION, 10, "fe_standby_worker_main",
                "feature_ext standby");
    w.bgw_start_time = BgWorkerStart_ConsistentState;
    RegisterBackgroundWorker(&w);
}

}  // namespace fe

// The standby worker: on a hot standby only (it exits at once on a primary,
// and after a promotion, where the launcher and the GC worker take over).
extern "C" void fe_standby_worker_main(Datum)
{
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    if (!RecoveryInProgress())
        proc_exit(0);
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);  // shared catalogs only
    before_shmem_exit(fe::worker_exit, 0);
    fe::g_shared->worker_procno.store(fe::compat::proc_number(MyProc));
    pgstat_report_activity(STATE_RUNNING, "feature_ext: following the primary");
    fe::set_launcher_proc();
    (void) fe::load_requested();
    fe::run_load_round();
    TimestampTz last_gc = GetCurrentTimestamp();
    for (;;) {
        bool recovering = RecoveryInProgress();
        bool again = !fe::standby_worker_tick();
        if (!recovering && !again)
            break;  // promoted: the last pass ran after replay ended
        if (fe::load_requested())
            fe::run_load_round();
        if (GetCurrentTimestamp() - last_gc >= int64(fe::g_ttl_gc_interval_s) * 1000000) {
            last_gc = GetCurrentTimestamp();
            StartTransactionCommand();
            (void) GetTransactionSnapshot();
            (void) fe::pg_entry([&]() { return fe::run_gc_all(last_gc); });
            CommitTransactionCommand();
        }
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, again ? 1 : 100,
                         PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
    }
    pgstat_report_activity(STATE_IDLE, nullptr);
    proc_exit(0);
}
