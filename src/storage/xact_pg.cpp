// feature_ext: keeping the in-memory skiplist indexes exactly equal to the
// committed contents of their feature_store tables.
//
// Per transaction, each backend keeps an ordered list of pending operations
// (insert: a node already allocated in shared memory, so running out of
// memory fails the inserting statement; delete: key + order + TID).  At
// XACT_EVENT_PRE_COMMIT each index the transaction changed gets one decision
// (the last step that can fail), under the index's commit gate:
//   ready slot    -> the keys of pending inserts are found or created and
//                    pinned; at XACT_EVENT_COMMIT the operations are applied
//                    in order (linking and unlinking cannot fail);
//   loading slot  -> a reservation, and one catch-up record per operation
//                    (memory-limited like any insert); at commit they are
//                    queued for the loader (store.hpp, "catch-up");
//   no slot       -> nothing is kept in memory and the gate stays held
//                    until the commit is visible (XACT_EVENT_COMMIT runs
//                    after ProcArrayEndTransaction), so a load starting now
//                    waits for it and then reads it from the table.
// At abort the nodes and records are freed and reservations released.  A
// rolled-back subtransaction drops its own operations.
//
// Index lifetime follows the catalog: ambuild creates a slot for
// (database, index, relfilenode); at commit older relfilenodes of the same
// index are dropped, at abort the new slot is.  DROP INDEX / DROP TABLE are
// seen by object_access_hook and applied at commit.
//
// After a restart the store is empty.  The background loader
// (storage/loader_pg.cpp) loads every skiplist index with load_index()
// beside the writers: slot created loading, gate waited for, snapshot taken,
// table read, queue drained until the slot turns ready.  A request that
// finds its index not ready waits up to feature_ext.load_wait
// (ready_slot) and never reads a partial index.
#include "feature_ext/storage/storage_pg.hpp"
#include "feature_ext/storage/held.hpp"
#include "feature_ext/storage/standby.hpp"

#include <vector>

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/buffile.h"
#include "storage/latch.h"
#include "utils/resowner.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/hsearch.h"
}

namespace fe {

int64 fill_slot(Relation heap, const IndexMeta *m, core::IndexSlot *s, Snapshot snap, bool progress);
core::Ref make_node(const IndexMeta *m, const Datum *values, const bool *isnull, ItemPointer tid, int64 *order_out);
const TableAmRoutine *feature_store_routine();
void register_skiplist_reloptions();

namespace {

// Key lengths are 16-bit in shared memory (KeyEntry, CatchupOp).
void check_key_len(uint32 len)
{
    if (len > 0xffff)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("skiplist index key of %u bytes is too long", len),
                        errdetail("The key columns of a row take at most 65535 bytes in a skiplist index."),
                        errhint("Key the index by shorter values (an id, or a hash of the long value).")));
}

struct PendingOp {
    bool insert;
    SubTransactionId subid;
    Oid indexoid;
    core::SlotId id;
    uint32 hash;
    uint32 key_off, key_len;      // in g_keybytes
    core::Ref node;               // insert: the allocated node (0 once a catch-up record owns it)
    core::KeyEntry *key;          // insert: pinned at pre-commit
    core::IndexSlot *slot;        // ready slot resolved at pre-commit (nullptr: queued or not kept)
    int64 order;                  // delete
    uint32 tid_block;             // delete
    uint16 tid_off;               // delete
};

struct SlotEvent {
    core::SlotId id;
    SubTransactionId subid;
};

// Pre-commit's decision for one index this transaction changed.
struct IndexDecision {
    core::SlotId id;
    core::IndexSlot *slot;        // ready or loading slot; nullptr: not kept
    bool queue;                   // loading: records go to its catch-up queue
    uint64 generation;            // of the loading slot (reservation)
    core::Ref head, tail;         // catch-up records, in operation order
    int gate;                     // commit gate held until commit/abort, or -1
    bool failed;                  // its load failed for memory: inserts refused
};

// Backend-local, cleared at the end of every transaction.  (Static storage:
// no C++ object here lives in a stack frame an ereport could unwind.)
std::vector<PendingOp> g_ops;
std::vector<uint8> g_keybytes;
std::vector<SlotEvent> g_created;   // slots built by ambuild in this transaction
std::vector<SlotEvent> g_dropped;   // indexes dropped in this transaction (id.relfilenode unused)
std::vector<IndexDecision> g_decisions;  // made at pre-commit
core::IndexSlot *g_building = nullptr;  // slot being filled by load_index()
TransactionId g_prepare_xid = InvalidTransactionId;  // set at pre-prepare
bool g_log_ops = false;  // this pre-commit logs its changes for standbys
object_access_hook_type prev_object_access = nullptr;

// ---- per-backend cache: skiplist indexes of each feature_store table
struct HeapEntry {
    Oid heapoid;  // hash key
    bool valid;
    int n;
    IndexMeta **metas;
};
HTAB *g_heap_cache = nullptr;
MemoryContext g_cache_cxt = nullptr;

void invalidate_cache(Datum, Oid relid)
{
    if (!g_heap_cache)
        return;
    HASH_SEQ_STATUS st;
    hash_seq_init(&st, g_heap_cache);
    while (auto *e = static_cast<HeapEntry *>(hash_seq_search(&st))) {
        bool hit = relid == InvalidOid || e->heapoid == relid;
        for (int i = 0; !hit && e->valid && i < e->n; i++)
            hit = e->metas[i]->indexoid == relid;
        if (hit)
            e->valid = false;
    }
}

void ensure_cache()
{
    if (g_heap_cache)
        return;
    g_cache_cxt = AllocSetContextCreate(CacheMemoryContext, "feature_ext index cache", ALLOCSET_SMALL_SIZES);
    HASHCTL ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(HeapEntry);
    ctl.hcxt = g_cache_cxt;
    g_heap_cache = hash_create("feature_ext heap cache", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    CacheRegisterRelcacheCallback(invalidate_cache, 0);
}

// ---- spilling (bounded backend memory for big transactions)
// Pending operations live in g_ops / g_keybytes up to maintenance_work_mem;
// beyond it they go, in order, to a temporary file (g_spill) as records
// "PendingOp, then its key bytes".  The first pass over all operations
// (pre-commit or pre-prepare) reads them back one at a time and writes those
// that still own something (a node, a pinned key, a slot to apply to) to a
// second file (g_done), which commit reads; in-memory operations follow the
// spilled ones (they are later).  A rolled-back subtransaction or a rebuilt
// index cannot edit the file: they record which spilled operations to drop
// (g_discards, g_forgets), applied when the first pass reads them.
struct Discard {
    SubTransactionId lo, hi;  // subtransaction ids dropped
    int64 upto;               // among the first `upto` spilled operations
};
struct Forget {
    Oid indexoid;
    int64 upto;
};
BufFile *g_spill = nullptr;
BufFile *g_done = nullptr;
int64 g_spilled = 0;                 // operations written to g_spill
int64 g_spill_read = 0;              // ... read back by the first pass
SubTransactionId g_max_subid = 0;    // largest subid among pending operations
std::vector<Discard> g_discards;
std::vector<Forget> g_forgets;
PendingOp g_cur;                     // spilled operation being processed
bool g_cur_valid = false;
std::vector<uint8> g_cur_key;
int64 g_spills = 0;                  // files written (monitoring/tests: DEBUG1)

BufFile *spill_file()
{
    MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
    ResourceOwner oldowner = CurrentResourceOwner;
    CurrentResourceOwner = TopTransactionResourceOwner;  // survives subtransaction aborts
    BufFile *f = BufFileCreateTemp(false);
    CurrentResourceOwner = oldowner;
    MemoryContextSwitchTo(old);
    return f;
}

void write_op(BufFile *f, const PendingOp &op, const uint8 *key)
{
    BufFileWrite(f, const_cast<PendingOp *>(&op), sizeof(PendingOp));
    if (op.key_len)
        BufFileWrite(f, const_cast<uint8 *>(key), op.key_len);
}

// Read the next record into g_cur / g_cur_key; false at the end.
bool read_op(BufFile *f)
{
    size_t n = BufFileRead(f, &g_cur, sizeof(PendingOp));
    if (n == 0)
        return false;
    if (n != sizeof(PendingOp))
        ereport(ERROR, (errcode_for_file_access(), errmsg("feature_ext: could not read pending changes from a temporary file")));
    g_cur_key.resize(g_cur.key_len);
    if (g_cur.key_len && BufFileRead(f, g_cur_key.data(), g_cur.key_len) != g_cur.key_len)
        ereport(ERROR, (errcode_for_file_access(), errmsg("feature_ext: could not read pending changes from a temporary file")));
    return true;
}

// Move the in-memory operations to the spill file.
void spill_ops()
{
    if (!g_spill)
        g_spill = spill_file();
    for (const PendingOp &op : g_ops)
        write_op(g_spill, op, g_keybytes.data() + op.key_off);
    g_spilled += int64(g_ops.size());
    g_ops.clear();
    g_keybytes.clear();
    g_spills++;
}

void maybe_spill()
{
    if (int64(g_ops.size() * sizeof(PendingOp) + g_keybytes.size()) > int64(maintenance_work_mem) * 1024L)
        spill_ops();
}

bool dropped_spilled(const PendingOp &op, int64 i)
{
    for (const Discard &d : g_discards)
        if (i < d.upto && op.subid >= d.lo && op.subid <= d.hi)
            return true;
    for (const Forget &f : g_forgets)
        if (i < f.upto && op.indexoid == f.indexoid)
            return true;
    return false;
}

void free_op(PendingOp &op);

// The first pass over every pending operation, in order (pre-commit,
// pre-prepare).  fn may fail; abort then frees what each operation owns
// wherever it is (g_done, g_cur, the rest of g_spill, g_ops).
template <typename F>
void first_pass(F fn)
{
    if (g_spill) {
        if (BufFileSeek(g_spill, 0, 0, SEEK_SET) != 0)
            ereport(ERROR, (errcode_for_file_access(), errmsg("feature_ext: could not rewind a temporary file")));
        g_done = spill_file();
        g_spill_read = 0;
        while (read_op(g_spill)) {
            int64 i = g_spill_read++;
            g_cur_valid = true;
            if (dropped_spilled(g_cur, i)) {
                free_op(g_cur);
            } else {
                fn(g_cur, g_cur_key.data());
                if (g_cur.node || g_cur.key || g_cur.slot)
                    write_op(g_done, g_cur, g_cur_key.data());
            }
            g_cur_valid = false;
        }
    }
    for (PendingOp &op : g_ops)
        fn(op, g_keybytes.data() + op.key_off);
}

// The last pass (commit, after prepare): what the first pass kept, then the
// in-memory operations.  fn cannot fail.
template <typename F>
void last_pass(F fn)
{
    if (g_done) {
        if (BufFileSeek(g_done, 0, 0, SEEK_SET) != 0)
            ereport(PANIC, (errcode_for_file_access(), errmsg("feature_ext: could not rewind a temporary file")));
        while (read_op(g_done))
            fn(g_cur, g_cur_key.data());
    }
    for (PendingOp &op : g_ops)
        fn(op, g_keybytes.data() + op.key_off);
}

void free_op(PendingOp &op)
{
    if (op.insert) {
        if (op.key)
            store().unpin_key(op.key);
        if (op.node)
            store().free_node(op.node);
    }
    op.key = nullptr;
    op.node = 0;
}

// Read sections and subtransactions.  A read section (Store::reader_enter
// .. reader_exit) pins the epoch; an error raised inside one unwinds without
// its exit.  A top-level abort clears the backend's reader slot (abort_all);
// a subtransaction's abort (a PL/pgSQL EXCEPTION block, a savepoint) brings
// it back to the depth it had when that subtransaction began, which is 0
// unless a read section runs code that opens subtransactions (recorded here
// only then; absent = 0).  Without this, an error caught inside the
// transaction would keep the epoch pinned, and every index's freed memory
// unreclaimed, until the transaction ended.
struct SubDepth {
    SubTransactionId subid;
    uint64 depth;
};
std::vector<SubDepth> g_sub_depths;

core::ReaderSlot *my_reader_slot()
{
    if (!store_ready() || !MyProc)
        return nullptr;
    core::Store &st = store();
    return st.at<core::ReaderSlot>(st.hdr()->readers) + reader_id();
}

void reader_back_to(uint64 depth)
{
    core::ReaderSlot *rs = my_reader_slot();
    if (rs && rs->depth > depth) {
        rs->depth = depth;
        if (depth == 0)
            rs->epoch.store(0, std::memory_order_release);
    }
}

void reset_state()
{
    g_sub_depths.clear();
    if (g_spill)
        BufFileClose(g_spill);
    if (g_done)
        BufFileClose(g_done);
    g_spill = g_done = nullptr;
    g_spilled = g_spill_read = 0;
    g_max_subid = 0;
    g_discards.clear();
    g_forgets.clear();
    g_cur_valid = false;
    g_ops.clear();
    g_keybytes.clear();
    g_created.clear();
    g_dropped.clear();
    g_decisions.clear();
    g_building = nullptr;
}

// After commit or abort: queued records handed over or freed, reservations
// released, gates opened (the commit, if any, is visible by now).
void finish_decisions(bool committed)
{
    core::Store &st = store();
    for (IndexDecision &d : g_decisions) {
        if (d.queue) {
            if (committed) {
                st.catchup_append(d.slot, d.generation, d.head, d.tail);
            } else {
                st.free_catchup(d.head);
                st.catchup_release(d.slot, d.generation);
            }
            d.queue = false;
            d.head = d.tail = 0;
        }
        if (d.gate >= 0) {
            st.gate_exit(uint32(d.gate));
            d.gate = -1;
        }
    }
}

// Abort: give back every allocation and drop slots this transaction created.
void abort_all()
{
    g_log_ops = false;
    standby_abort();
    if (!store_ready())
        return;
    core::Store &st = store();
    // A prepare that failed after pre-prepare, or a load that found rows of
    // prepared transactions: the entries made go (twophase_pg.cpp).
    held_abort(g_prepare_xid);
    g_prepare_xid = InvalidTransactionId;
    // Every operation, wherever it is: kept by a first pass (g_done), being
    // processed (g_cur), not read yet (the rest of g_spill), in memory.
    if (g_done && BufFileSeek(g_done, 0, 0, SEEK_SET) == 0)
        while (read_op(g_done))
            free_op(g_cur);
    if (g_cur_valid)
        free_op(g_cur);
    g_cur_valid = false;
    if (g_spill && (g_done || BufFileSeek(g_spill, 0, 0, SEEK_SET) == 0))
        while (read_op(g_spill))
            free_op(g_cur);
    for (PendingOp &op : g_ops)
        free_op(op);
    finish_decisions(false);
    for (const SlotEvent &c : g_created)
        if (core::IndexSlot *s = st.find_slot(c.id))
            st.drop_slot(s);
    if (g_building)
        st.drop_slot(g_building);
    // An error inside a read section leaves the reader slot set.
    if (MyProc) {
        auto *rs = st.at<core::ReaderSlot>(st.hdr()->readers) + reader_id();
        rs->depth = 0;
        rs->epoch.store(0);
    }
    reset_state();
}

// The decision for the index of op (made once per index, see the header).
IndexDecision &decide(const PendingOp &op)
{
    for (IndexDecision &d : g_decisions)
        if (d.id == op.id)
            return d;
    g_decisions.reserve(g_decisions.size() + 1);  // no allocation once the gate is entered
    core::Store &st = store();
    IndexDecision d{op.id, nullptr, false, 0, 0, 0, -1, false};
    uint32 gate = core::Store::gate_of(op.id.db, op.id.index);
    st.gate_enter(gate);
    g_decisions.push_back(d);  // from here on, abort opens the gate (finish_decisions)
    IndexDecision &dd = g_decisions.back();
    dd.gate = int(gate);
    for (;;) {
        core::IndexSlot *s = st.find_slot(op.id);
        if (!s)
            break;
        uint32 state = s->state.load(std::memory_order_seq_cst);
        uint64 gen = s->generation.load(std::memory_order_acquire);
        core::Store::Reserve r = state == core::kSlotBuilding ? st.catchup_reserve(s, gen) : core::Store::kNotLoading;
        if (r == core::Store::kReserved) {
            dd.slot = s;
            dd.queue = true;
            dd.generation = gen;
        } else if (r == core::Store::kClosing) {
            // The loader is finishing: it only waits for writers already
            // reserved.  Wait for ready (or a drop) and decide again.
            (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1, PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
            continue;
        } else if (s->state.load(std::memory_order_acquire) == core::kSlotReady) {
            dd.slot = s;
        } else if (state == core::kSlotFailed) {
            dd.failed = true;
        }
        break;
    }
    if (dd.slot) {
        st.gate_exit(gate);
        dd.gate = -1;
    }
    return dd;
}

// Standbys (storage/standby_pg.cpp): this transaction's changes go into
// custom WAL records at pre-commit / pre-prepare, before any of them moves
// (an insert's node may become a catch-up record's).

void log_op(const PendingOp &op, const uint8 *kb)
{
    if (!g_log_ops)
        return;
    if (op.insert) {
        if (!op.node)
            return;
        const core::RowNode *n = store().at<core::RowNode>(op.node);
        standby_log_op(true, op.id, kb, op.key_len, n->order, n->tid_block, n->tid_off, n->payload(),
                       n->payload_len());
    } else {
        standby_log_op(false, op.id, kb, op.key_len, op.order, op.tid_block, op.tid_off, nullptr, 0);
    }
}

// Built (CREATE INDEX, TRUNCATE, REINDEX) and dropped indexes, then the
// record goes to WAL.
void log_events()
{
    if (g_log_ops) {
        for (const SlotEvent &c : g_created)
            standby_log_event(core::kStandbyCreated, c.id);
        for (const SlotEvent &d : g_dropped)
            standby_log_event(core::kStandbyDropped, d.id);
        standby_log_flush();
    }
    g_log_ops = false;
}

void start_logging()
{
    g_log_ops = standby_logging() && TransactionIdIsValid(GetTopTransactionIdIfAny());
}

// An insert into a table whose index could not be loaded (kSlotFailed).
[[noreturn]] void refuse_failed_index(Oid indexoid)
{
    Relation idx = RelationIdGetRelation(indexoid);
    const char *name = RelationIsValid(idx) ? pstrdup(RelationGetRelationName(idx)) : "?";
    if (RelationIsValid(idx))
        RelationClose(idx);
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                    errmsg("skiplist index \"%s\" could not be loaded within feature_ext.memory_limit", name),
                    errdetail("Rows are not added to its table until the index fits: it must hold every "
                              "row it keeps."),
                    errhint("Raise feature_ext.memory_limit (needs a restart), shorten the index TTL, or "
                            "delete rows; the index is loaded again when a request needs it.")));
}

// Pre-commit: decide per index; pin the key of every pending insert into a
// ready index, record every change to a loading one (may fail: out of memory).
void pre_commit()
{
    core::Store &st = store();
    first_pass([&](PendingOp &op, const uint8 *kb) {
        log_op(op, kb);
        IndexDecision &d = decide(op);
        op.slot = nullptr;
        if (d.queue) {
            core::Ref rec = st.alloc_catchup(op.insert, op.node, op.order, op.tid_block, op.tid_off, op.hash,
                                             kb, op.key_len);
            if (!rec)
                report_memory_full("changes to an index being loaded");
            op.node = 0;  // the record owns it
            if (d.tail)
                st.at<core::CatchupOp>(d.tail)->next = rec;
            else
                d.head = rec;
            d.tail = rec;
            return;
        }
        op.slot = d.slot;
        if (d.failed && op.insert)
            refuse_failed_index(op.indexoid);
        if (!op.insert || !op.slot)
            return;
        op.key = st.pin_key(op.slot, op.hash, kb, op.key_len);
        if (!op.key)
            report_memory_full("new keys at commit");
    });
}

// Pre-prepare (PREPARE TRANSACTION): every change becomes an entry held in
// shared memory until COMMIT PREPARED / ROLLBACK PREPARED (storage/held.hpp).
// Per index, under its commit gate, which stays held until the prepare is
// complete (XACT_EVENT_PREPARE): a load that starts meanwhile waits for it
// and then finds the transaction among the prepared ones, so whichever slot
// the decision saw, the changes are held for the slot that will serve.
//   ready or loading slot -> an ops entry: records in operation order, each
//                            insert's node moved into its record and its key
//                            pinned (so applying at commit cannot fail);
//   failed load           -> inserts refused (as at commit), deletes not kept;
//   no slot               -> nothing kept: the load finds the rows in the
//                            table (prepared_changes).
// Slots built and indexes dropped by the transaction become entries too.
void pre_prepare()
{
    core::Store &st = store();
    core::Held h(st, held_header());
    g_prepare_xid = GetTopTransactionIdIfAny();
    if (!TransactionIdIsValid(g_prepare_xid))
        return;  // changed nothing durable
    uint32 xid = uint32(g_prepare_xid);
    first_pass([&](PendingOp &op, const uint8 *kb) {
        log_op(op, kb);
        IndexDecision *d = nullptr;
        for (IndexDecision &x : g_decisions)
            if (x.id == op.id)
                d = &x;
        if (!d) {
            g_decisions.reserve(g_decisions.size() + 1);
            uint32 gate = core::Store::gate_of(op.id.db, op.id.index);
            st.gate_enter(gate);
            g_decisions.push_back(IndexDecision{op.id, nullptr, false, 0, 0, 0, int(gate), false});
            d = &g_decisions.back();
            core::IndexSlot *s = st.find_slot(op.id);
            uint32 state = s ? s->state.load(std::memory_order_seq_cst) : uint32(core::kSlotFree);
            if (state == core::kSlotReady || state == core::kSlotBuilding) {
                d->slot = s;
                d->generation = s->generation.load(std::memory_order_acquire);
                d->head = h.make(core::kHeldOps, xid, op.id, d->generation);  // the entry
                if (!d->head)
                    report_memory_full("changes of a prepared transaction");
                held_track(d->head);
            } else if (state == core::kSlotFailed) {
                d->failed = true;
            }
        }
        op.slot = nullptr;
        if (d->failed && op.insert)
            refuse_failed_index(op.indexoid);
        if (!d->slot)
            return;
        if (op.insert) {
            op.key = st.pin_key(d->slot, op.hash, kb, op.key_len);
            if (!op.key)
                report_memory_full("new keys of a prepared transaction");
        }
        core::Ref rec = st.alloc_catchup(op.insert, op.node, op.order, op.tid_block, op.tid_off, op.hash,
                                         kb, op.key_len);
        if (!rec)
            report_memory_full("changes of a prepared transaction");
        h.add_op(d->head, rec);  // the entry owns the node and the pin
        op.node = 0;
        op.key = nullptr;
    });
    for (const SlotEvent &c : g_created) {
        core::IndexSlot *s = st.find_slot(c.id);
        if (!s)
            continue;
        core::Ref e = h.make(core::kHeldCreated, xid, c.id, s->generation.load(std::memory_order_acquire));
        if (!e)
            report_memory_full("changes of a prepared transaction");
        held_track(e);
    }
    for (const SlotEvent &dr : g_dropped) {
        core::Ref e = h.make(core::kHeldDropped, xid, dr.id, 0);
        if (!e)
            report_memory_full("changes of a prepared transaction");
        held_track(e);
    }
    held_attach_tracked();
}

// Prepared: the entries are the prepared transaction's; open the gates,
// free what was not kept, forget the rest (created slots stay).
void after_prepare()
{
    held_forget();
    g_prepare_xid = InvalidTransactionId;
    last_pass([&](PendingOp &op, const uint8 *) { free_op(op); });
    finish_decisions(true);  // gates only: no catch-up reservations were taken
    reset_state();
}

// Commit: apply everything.  Nothing here can fail.
void commit_all()
{
    core::Store &st = store();
    TimestampTz now = GetCurrentTimestamp();
    int64 published = 0;
    last_pass([&](PendingOp &op, const uint8 *kb) {
        if (!op.slot) {
            free_op(op);
            return;
        }
        if (op.insert) {
            published++;
            st.publish(op.slot, op.key, op.node, slot_rule(op.slot, now));
            st.unpin_key(op.key);
            op.key = nullptr;
            op.node = 0;
        } else {
            // Inside an epoch: the GC removes keys left without rows, so an
            // unpinned key found by find_key may be retired meanwhile.
            st.reader_enter(reader_id());
            core::KeyEntry *k = st.find_key(op.slot, op.hash, kb, op.key_len);
            if (k)
                st.remove(op.slot, k, op.order, op.tid_block, op.tid_off);
            st.reader_exit(reader_id());
        }
    });
    // A rebuilt index (TRUNCATE, REINDEX, VACUUM FULL) replaces older versions.
    for (const SlotEvent &c : g_created)
        for (uint32 i = 0; i < st.max_slots(); i++) {
            core::IndexSlot *s = st.slot(i);
            uint32 state = s->state.load(std::memory_order_acquire);
            if (core::slot_in_use(state) && s->id.db == c.id.db &&
                s->id.index == c.id.index && s->id.relfilenode != c.id.relfilenode)
                st.drop_slot(s);
        }
    for (const SlotEvent &d : g_dropped)
        for (uint32 i = 0; i < st.max_slots(); i++) {
            core::IndexSlot *s = st.slot(i);
            uint32 state = s->state.load(std::memory_order_acquire);
            if (core::slot_in_use(state) && s->id.db == d.id.db &&
                s->id.index == d.id.index)
                st.drop_slot(s);
        }
    finish_decisions(true);
    bool dropped = !g_dropped.empty() || !g_created.empty();
    reset_state();
    // A bulk of rows to compact, or dropped indexes whose memory the GC
    // worker's reclaim() gives back (within its 5 s minimum gap).
    if (published >= kWakeGcRows || dropped)
        wake_gc_worker();
}

void xact_callback(XactEvent event, void *)
{
    pg_entry([&]() {
        switch (event) {
        case XACT_EVENT_PRE_COMMIT:
            if (!RecoveryInProgress())
                standby_catch_up();  // after a promotion: what the old primary committed goes first
            start_logging();
            if (!g_ops.empty())
                pre_commit();
            log_events();
            break;
        case XACT_EVENT_COMMIT:
            if (!g_ops.empty() || !g_created.empty() || !g_dropped.empty() || !g_decisions.empty())
                commit_all();
            g_building = nullptr;
            g_sub_depths.clear();
            reader_back_to(0);  // no read section spans a commit (one left by a caught error ends here)
            break;
        case XACT_EVENT_ABORT:
            abort_all();
            g_sub_depths.clear();
            break;
        case XACT_EVENT_PRE_PREPARE:
            if (!RecoveryInProgress())
                standby_catch_up();
            start_logging();
            if (!g_ops.empty() || !g_created.empty() || !g_dropped.empty())
                pre_prepare();
            log_events();
            break;
        case XACT_EVENT_PREPARE:
            after_prepare();
            break;
        default:
            break;
        }
    });
}

void subxact_callback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId, void *)
{
    if (event == SUBXACT_EVENT_START_SUB) {
        core::ReaderSlot *rs = my_reader_slot();
        if (rs && rs->depth > 0)
            pg_entry([&]() { g_sub_depths.push_back(SubDepth{mySubid, rs->depth}); });
        return;
    }
    if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
        return;
    uint64 depth_at_start = 0;
    while (!g_sub_depths.empty() && g_sub_depths.back().subid >= mySubid) {
        if (g_sub_depths.back().subid == mySubid)
            depth_at_start = g_sub_depths.back().depth;
        g_sub_depths.pop_back();
    }
    if (event != SUBXACT_EVENT_ABORT_SUB)
        return;
    reader_back_to(depth_at_start);
    pg_entry([&]() {
        // Operations of the aborted subtransaction and its children (larger ids).
        size_t keep = 0;
        for (size_t i = 0; i < g_ops.size(); i++) {
            if (g_ops[i].subid >= mySubid)
                free_op(g_ops[i]);
            else
                g_ops[keep++] = g_ops[i];
        }
        g_ops.resize(keep);
        if (g_spilled > 0)  // spilled operations of it go when read back
            g_discards.push_back(Discard{mySubid, g_max_subid, g_spilled});
        core::Store &st = store();
        keep = 0;
        for (size_t i = 0; i < g_created.size(); i++) {
            if (g_created[i].subid >= mySubid) {
                if (core::IndexSlot *s = st.find_slot(g_created[i].id))
                    st.drop_slot(s);
            } else {
                g_created[keep++] = g_created[i];
            }
        }
        g_created.resize(keep);
        keep = 0;
        for (size_t i = 0; i < g_dropped.size(); i++)
            if (g_dropped[i].subid < mySubid)
                g_dropped[keep++] = g_dropped[i];
        g_dropped.resize(keep);
        if (g_building) {
            st.drop_slot(g_building);
            g_building = nullptr;
        }
    });
}

void object_access(ObjectAccessType access, Oid classId, Oid objectId, int subId, void *arg)
{
    if (prev_object_access)
        prev_object_access(access, classId, objectId, subId, arg);
    if (access != OAT_DROP || classId != RelationRelationId || subId != 0)
        return;
    pg_entry([&]() {
        if (get_rel_relkind(objectId) != RELKIND_INDEX || !OidIsValid(skiplist_am_oid()))
            return;
        Relation r = RelationIdGetRelation(objectId);
        if (!RelationIsValid(r))
            return;
        bool ours = r->rd_rel->relam == skiplist_am_oid();
        RelationClose(r);
        if (ours)
            g_dropped.push_back(SlotEvent{core::SlotId{MyDatabaseId, objectId, 0}, GetCurrentSubTransactionId()});
    });
}

void push_key(PendingOp &op, const uint8 *key, uint32 len)
{
    check_key_len(len);
    op.key_off = uint32(g_keybytes.size());
    op.key_len = len;
    op.hash = core::Store::hash_key(key, len);
    g_keybytes.insert(g_keybytes.end(), key, key + len);
}

}  // namespace

void register_xact_callbacks()
{
    register_skiplist_reloptions();
    RegisterXactCallback(xact_callback, nullptr);
    RegisterSubXactCallback(subxact_callback, nullptr);
    register_twophase();
    prev_object_access = object_access_hook;
    object_access_hook = object_access;
}

int heap_skiplist_indexes(Relation heap, IndexMeta ***out)
{
    ensure_cache();
    Oid heapoid = RelationGetRelid(heap);
    bool found;
    auto *e = static_cast<HeapEntry *>(hash_search(g_heap_cache, &heapoid, HASH_ENTER, &found));
    if (!found)
        e->valid = false;
    if (!e->valid) {
        e->n = 0;
        e->metas = nullptr;
        List *ids = RelationGetIndexList(heap);
        int total = list_length(ids);
        IndexMeta **metas = static_cast<IndexMeta **>(MemoryContextAllocZero(g_cache_cxt, sizeof(IndexMeta *) * (total + 1)));
        int n = 0;
        ListCell *lc;
        foreach (lc, ids) {
            Oid ioid = lfirst_oid(lc);
            Relation idx = index_open(ioid, AccessShareLock);
            if (idx->rd_rel->relam == skiplist_am_oid() && idx->rd_index->indisready)
                metas[n++] = build_index_meta(idx, heap, g_cache_cxt);
            index_close(idx, NoLock);
        }
        list_free(ids);
        e->metas = metas;
        e->n = n;
        e->valid = true;
    }
    *out = e->metas;
    return e->n;
}

void note_created_slot(const core::SlotId &id)
{
    g_created.push_back(SlotEvent{id, GetCurrentSubTransactionId()});
}

void forget_pending(Oid indexoid)
{
    size_t keep = 0;
    for (size_t i = 0; i < g_ops.size(); i++) {
        if (g_ops[i].indexoid == indexoid)
            free_op(g_ops[i]);
        else
            g_ops[keep++] = g_ops[i];
    }
    g_ops.resize(keep);
    if (g_spilled > 0)
        g_forgets.push_back(Forget{indexoid, g_spilled});
}

core::Ref make_node(const IndexMeta *m, const Datum *values, const bool *isnull, ItemPointer tid, int64 *order_out)
{
    int64 order = order_from_datum(m->order_kind, values[m->order.attno - 1]);
    uint32 plen = payload_size(m, values, isnull);
    if (plen > core::kMaxPayload)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("row of %u bytes is too large for skiplist index \"%s\"", plen, m->name),
                        errhint("Hold fewer columns in the index with INCLUDE (...).")));
    core::Ref r = store().alloc_node(plen, order, ItemPointerGetBlockNumberNoCheck(tid),
                                     ItemPointerGetOffsetNumberNoCheck(tid));
    if (!r)
        return 0;
    encode_payload(m, values, isnull, store().at<core::RowNode>(r)->payload());
    *order_out = order;
    return r;
}

bool direct_insert(core::IndexSlot *s, const IndexMeta *m, const Datum *values, const bool *isnull, ItemPointer tid,
                   const core::TtlRule &rule)
{
    if (isnull[m->order.attno - 1])
        return true;  // rows without an order value are not held (documented)
    int64 order;
    core::Ref node = make_node(m, values, isnull, tid, &order);
    if (!node)
        return false;
    uint8 *key;
    uint32 klen = encode_key(m, values, isnull, &key);
    check_key_len(klen);
    core::Store &st = store();
    core::KeyEntry *k = st.pin_key(s, core::Store::hash_key(key, klen), key, klen);
    if (!k) {
        st.free_node(node);
        return false;
    }
    st.publish(s, k, node, rule);
    st.unpin_key(k);
    return true;
}

void mirror_insert(Relation heap, TupleTableSlot *slot)
{
    IndexMeta **metas;
    int n = heap_skiplist_indexes(heap, &metas);
    if (n == 0)
        return;
    slot_getallattrs(slot);
    for (int i = 0; i < n; i++) {
        const IndexMeta *m = metas[i];
        if (slot->tts_isnull[m->order.attno - 1])
            continue;
        PendingOp op{};
        op.insert = true;
        op.subid = GetCurrentSubTransactionId();
        op.indexoid = m->indexoid;
        op.id = m->id;
        int64 order;
        op.node = make_node(m, slot->tts_values, slot->tts_isnull, &slot->tts_tid, &order);
        if (!op.node)
            report_memory_full("a new row");
        uint8 *key;
        uint32 klen = encode_key(m, slot->tts_values, slot->tts_isnull, &key);
        push_key(op, key, klen);
        pfree(key);
        g_ops.push_back(op);
        g_max_subid = Max(g_max_subid, op.subid);
    }
    maybe_spill();
}

void mirror_delete(Relation heap, ItemPointer tid, TupleTableSlot *oldslot)
{
    IndexMeta **metas;
    int n = heap_skiplist_indexes(heap, &metas);
    if (n == 0)
        return;
    slot_getallattrs(oldslot);
    for (int i = 0; i < n; i++) {
        const IndexMeta *m = metas[i];
        if (oldslot->tts_isnull[m->order.attno - 1])
            continue;
        PendingOp op{};
        op.insert = false;
        op.subid = GetCurrentSubTransactionId();
        op.indexoid = m->indexoid;
        op.id = m->id;
        op.order = order_from_datum(m->order_kind, oldslot->tts_values[m->order.attno - 1]);
        op.tid_block = ItemPointerGetBlockNumberNoCheck(tid);
        op.tid_off = ItemPointerGetOffsetNumberNoCheck(tid);
        uint8 *key;
        uint32 klen = encode_key(m, oldslot->tts_values, oldslot->tts_isnull, &key);
        push_key(op, key, klen);
        pfree(key);
        g_ops.push_back(op);
        g_max_subid = Max(g_max_subid, op.subid);
    }
    maybe_spill();
}

// The metadata of a skiplist index of an open heap (the cached entry).
static const IndexMeta *meta_of(Relation heap, Oid indexoid)
{
    IndexMeta **metas;
    int n = heap_skiplist_indexes(heap, &metas);
    for (int i = 0; i < n; i++)
        if (metas[i]->indexoid == indexoid)
            return metas[i];
    return nullptr;
}

static double ms_since(TimestampTz t0)
{
    long secs;
    int usecs;
    TimestampDifference(t0, GetCurrentTimestamp(), &secs, &usecs);
    return secs * 1000.0 + usecs / 1000.0;
}

core::IndexSlot *ready_slot(Relation index, const IndexMeta **meta_out)
{
    Relation heap = table_open(index->rd_index->indrelid, AccessShareLock);
    const IndexMeta *m = meta_of(heap, RelationGetRelid(index));
    if (!m) {
        table_close(heap, NoLock);
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not a usable skiplist index", RelationGetRelationName(index))));
    }
    *meta_out = m;
    core::Store &st = store();
    // A standby: apply the changes of every transaction whose commit was
    // replayed before this request (storage/standby_pg.cpp).
    standby_catch_up();
    if (standby_lost())
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                        errmsg("skiplist index \"%s\" no longer follows the primary on this standby", m->name),
                        errdetail("feature_ext.memory_limit ran out while changes replayed from the primary "
                                  "were kept (the server log says when)."),
                        errhint("Raise feature_ext.memory_limit and restart the standby; it then loads its "
                                "indexes from its tables again.")));
    core::IndexSlot *s = st.find_slot(m->id);
    if (!s || s->state.load(std::memory_order_acquire) != core::kSlotReady) {
        // The loader needs AccessShareLock on the table and
        // ShareUpdateExclusiveLock on the index: if this transaction holds a
        // lock that excludes them (it changed the table's definition, say),
        // waiting could only time out.
        if (CheckRelationLockedByMe(heap, AccessExclusiveLock, false) ||
            CheckRelationLockedByMe(index, ShareUpdateExclusiveLock, true))
            ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                            errmsg("skiplist index \"%s\" is not loaded", m->name),
                            errdetail("This transaction holds a lock that keeps the background loader from "
                                      "loading it (the table's definition changed in this transaction?)."),
                            errhint("Commit first; the index is loaded in the background.")));
        // Not loaded on this server run yet (restart, crash, a database
        // copied from a template): the background loader does it
        // (storage/loader_pg.cpp); wait for it, up to feature_ext.load_wait.
        TimestampTz t0 = GetCurrentTimestamp();
        bool asked = false;
        for (;;) {
            s = st.find_slot(m->id);
            uint32 state = s ? s->state.load(std::memory_order_acquire) : uint32(core::kSlotFree);
            if (state == core::kSlotReady)
                break;
            if (state != core::kSlotBuilding && !asked) {
                request_load();
                asked = true;
            }
            if (ms_since(t0) >= g_load_wait_ms) {
                if (state == core::kSlotBuilding)
                    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                                    errmsg("skiplist index \"%s\" is still being loaded", m->name),
                                    errdetail("%lld rows loaded so far; the request waited %d ms.",
                                              (long long) s->rows.load(), g_load_wait_ms),
                                    errhint("Retry shortly: progress is in feature_ext.index_stats (state "
                                            "'loading'); feature_ext.load_wait sets how long a request waits.")));
                ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                                errmsg("skiplist index \"%s\" is not loaded", m->name),
                                errdetail("The background loader has not loaded it within feature_ext.load_wait "
                                          "(%d ms).", g_load_wait_ms),
                                errhint("The server log says why a load failed (for example "
                                        "feature_ext.memory_limit); REINDEX INDEX rebuilds it now.")));
            }
            (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10, PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
        }
    }
    sync_slot_ttl(s, m);
    table_close(heap, NoLock);
    return s;
}

static core::SlotId g_loading_id;
static Oid g_loading_heap = InvalidOid;

int64 loading_bytes()
{
    return g_building ? g_building->bytes.load() : 0;
}

void mark_load_failed(int64 needed_bytes)
{
    if (!OidIsValid(g_loading_heap))
        return;
    if (store().mark_failed(g_loading_id, g_loading_heap, needed_bytes))
        ereport(LOG, (errmsg("feature_ext: inserts into table %u are refused until its skiplist index %u fits "
                             "in feature_ext.memory_limit (the load stopped after %lld bytes)",
                             g_loading_heap, g_loading_id.index, (long long) needed_bytes)));
    g_loading_heap = InvalidOid;
}

int64 load_index(Oid indexoid)
{
    g_loading_heap = InvalidOid;
    // Table before index, as PostgreSQL locks them, both kept to the end of
    // the transaction.  AccessShareLock on the table keeps it from being
    // dropped or rewritten; the index's ShareUpdateExclusiveLock admits one
    // loader and keeps DROP / REINDEX out.  Conditional: a table someone
    // holds locked is retried later instead of stopping the round.
    Oid heapoid = IndexGetRelation(indexoid, true);
    if (!OidIsValid(heapoid))
        return kLoadNothing;
    if (!ConditionalLockRelationOid(heapoid, AccessShareLock))
        return kLoadBusy;
    Relation heap = try_table_open(heapoid, NoLock);
    if (!heap)
        return kLoadNothing;
    if (heap->rd_rel->relpersistence == RELPERSISTENCE_TEMP) {  // another session's (left by a crash)
        table_close(heap, NoLock);
        return kLoadNothing;
    }
    // A hot standby allows no lock above RowExclusiveLock: there,
    // AccessShareLock (DROP / REINDEX replayed from the primary still
    // conflict with it) and the check for another live loader below.
    bool standby = RecoveryInProgress();
    if (!ConditionalLockRelationOid(indexoid, standby ? AccessShareLock : ShareUpdateExclusiveLock)) {
        table_close(heap, NoLock);
        return kLoadBusy;
    }
    const IndexMeta *m = heap->rd_tableam == feature_store_routine() ? meta_of(heap, indexoid) : nullptr;
    core::Store &st = store();
    core::IndexSlot *s = m ? st.find_slot(m->id) : nullptr;
    uint32 state = s ? s->state.load(std::memory_order_acquire) : uint32(core::kSlotFree);
    // A failed load is retried only when the memory it had used is free.
    // Usable room only: never-used memory, free lists and whole free
    // segments, less the cleaner's reserve (free_bytes also counts segment
    // space only the cleaner can make usable).
    core::MemoryUsage u = st.usage();
    int64 usable = int64(u.never_used_bytes + u.free_list_bytes + u.free_segment_bytes) - int64(st.hdr()->seg_reserve);
    bool no_room = state == core::kSlotFailed && usable < s->bytes.load() + s->bytes.load() / 10;
    if (!m || state == core::kSlotReady || no_room) {
        table_close(heap, NoLock);
        return kLoadNothing;
    }
    // Another loader of this index still at work (on a standby, or one
    // started there and still running after a promotion): later.
    for (uint32 i = 0; i < st.max_slots(); i++) {
        core::IndexSlot *o = st.slot(i);
        if (o->state.load(std::memory_order_acquire) == core::kSlotBuilding && o->id.db == m->id.db &&
            o->id.index == m->id.index && o->loading && o->builder_pid != uint32(MyProcPid) &&
            o->builder_pid != 0 && kill(pid_t(o->builder_pid), 0) == 0) {
            table_close(heap, NoLock);
            return kLoadBusy;
        }
    }
    // Under the index lock no build of it runs: every slot of this index
    // (a failed or stopped load, an older row layout or relfilenode) goes.
    for (uint32 i = 0; i < st.max_slots(); i++) {
        core::IndexSlot *o = st.slot(i);
        if (core::slot_in_use(o->state.load(std::memory_order_acquire)) && o->id.db == m->id.db &&
            o->id.index == m->id.index)
            st.drop_slot(o);
    }
    TimestampTz t0 = GetCurrentTimestamp();
    g_loading_id = m->id;
    g_loading_heap = m->heapoid;
    s = st.create_slot(m->id, m->heapoid, initial_buckets(heap, m), m->order_kind, true);
    if (!s)
        report_memory_full("an index being loaded");
    ereport(LOG, (errmsg("feature_ext: loading skiplist index \"%s\" of table \"%s\" (%u buckets)", m->name,
                         RelationGetRelationName(heap), s->nbuckets)));
    s->builder_pid = uint32(MyProcPid);
    g_building = s;  // dropped at abort until it is ready
    sync_slot_ttl(s, m);
    set_slot_summaries(s, m);
    // Writers that found no slot at their pre-commit hold the gate until
    // their commit is visible: once it is clear, each writer has either
    // committed (the snapshot below sees it) or will queue (header comment).
    uint32 gate = core::Store::gate_of(m->id.db, m->id.index);
    for (int waits = 0; !st.gate_clear(gate); waits++) {
        if (waits == 10000)
            ereport(LOG, (errmsg("feature_ext: loading \"%s\" waits for commits in progress", m->name)));
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    // Transactions prepared now (after the gate: one that decided without
    // this slot held it until prepared): their changes are not in the
    // snapshot below, and their entries, if any, name another slot.
    TransactionId *prepared;
    int nprepared = prepared_xids(&prepared);
    Snapshot snap = RegisterSnapshot(GetLatestSnapshot());
    int64 rows = fill_slot(heap, m, s, snap, false);
    if (nprepared > 0)
        prepared_changes(heap, m, s, snap, prepared, nprepared);
    UnregisterSnapshot(snap);
    // Those that finished meanwhile (their COMMIT PREPARED found no entry
    // here yet): committed ones' rows are published now, ahead of the
    // queue, where writers that saw the commit may have queued deletes of
    // them; their deletes are queued.
    resolve_prepared(s);
    // Catch up with what writers queued meanwhile: drain once with the queue
    // open, then close it to new writers (they wait for ready) and drain
    // what the writers already reserved queue, until nothing is left.
    bool closed = false;
    for (;;) {
        bool ready = false, gone = false;
        core::Ref list = st.catchup_take(s, &ready, &gone);
        if (ready)
            break;
        if (gone)
            elog(ERROR, "feature_ext: skiplist index \"%s\" was dropped while loading", m->name);
        if (list) {
            st.reader_enter(reader_id());
            bool ok = st.catchup_apply(s, list, slot_rule(s, GetCurrentTimestamp()));
            st.reader_exit(reader_id());
            if (!ok)
                report_memory_full("changes to an index being loaded");
            continue;
        }
        if (!closed) {
            st.catchup_close(s);
            closed = true;
            continue;
        }
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    // Ready and exact: nothing below may drop it (an interrupt here aborts
    // the transaction, which no longer owns the slot).
    g_building = nullptr;
    g_loading_heap = InvalidOid;
    int64 applied = s->queued.load();
    double ms = ms_since(t0);
    ereport(LOG, (errmsg("feature_ext: loaded skiplist index \"%s\": %lld rows in %.1f ms (%.0f rows/s), "
                         "%lld changes caught up",
                         m->name, (long long) rows, ms, ms > 0 ? rows / (ms / 1000.0) : 0.0, (long long) applied)));
    // Lay each key's rows out contiguously beside writers and readers
    // (inside an epoch, as the GC may remove keys).
    t0 = GetCurrentTimestamp();
    st.reader_enter(reader_id());
    int64 keys = st.compact_index(s, false);
    st.reader_exit(reader_id());
    ereport(DEBUG1, (errmsg("feature_ext: compacted %lld keys of skiplist index \"%s\" in %.1f ms",
                            (long long) keys, m->name, ms_since(t0))));
    table_close(heap, NoLock);
    return rows;
}

}  // namespace fe
