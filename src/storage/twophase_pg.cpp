// feature_ext: two-phase commit (PREPARE TRANSACTION, COMMIT PREPARED,
// ROLLBACK PREPARED) for tables with skiplist indexes.
//
// The protocol is at the top of include/feature_ext/storage/held.hpp.  Here:
//  * the shared list header (storage/shmem_pg.cpp allocates it);
//  * this backend's entries while it prepares (xact_pg.cpp builds them at
//    XACT_EVENT_PRE_PREPARE; they belong to the prepared transaction from
//    XACT_EVENT_PREPARE on, and are rolled back if the prepare fails);
//  * resolve_prepared(): take and apply the entries of every transaction
//    that is no longer running, by its outcome in the commit log.  It runs
//    right after COMMIT PREPARED / ROLLBACK PREPARED (ProcessUtility hook:
//    the session that ran it sees its rows at once, as after COMMIT), in the
//    loader (below) and in the GC worker's rounds (a safety net);
//  * after a restart, the loader finds the changes of transactions still
//    prepared in the table (prepared_changes), since memory kept nothing.
//
// C-style zone (CONTRIBUTING.md): no C++ object with a destructor lives in a
// frame that calls PostgreSQL; backend-local lists are static.
#include "feature_ext/storage/storage_pg.hpp"
#include "feature_ext/storage/held.hpp"

#include <vector>

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/multixact.h"
#include "access/subtrans.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/twophase.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/latch.h"
#include "storage/procarray.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace fe {

core::Ref make_node(const IndexMeta *m, const Datum *values, const bool *isnull, ItemPointer tid, int64 *order_out);

namespace {

core::HeldHeader *g_held_header = nullptr;
// Entries this backend made and has not handed over (see the header).
std::vector<core::Ref> g_tracked;
ProcessUtility_hook_type prev_utility = nullptr;

core::Held held_list() { return core::Held(store(), g_held_header); }

// Apply (or discard) a taken chain of entries.  Cannot fail: the only wait
// is for a load that is closing its queue (bounded by its reserved
// writers), and it checks no interrupts (the chain would be lost).
void resolve_chain(core::Ref list, bool commit, const core::IndexSlot *loader_slot)
{
    core::Store &st = store();
    core::Held h = held_list();
    while (list) {
        core::HeldEntry *e = h.entry(list);
        core::Ref next = e->next;
        if (commit) {
            const core::IndexSlot *s = st.find_slot(e->id);
            core::TtlRule rule = s ? slot_rule(s, GetCurrentTimestamp()) : core::TtlRule();
            bool loader = loader_slot && s == loader_slot;
            while (!h.commit(e, rule, reader_id(), loader)) {
                (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1, PG_WAIT_EXTENSION);
                ResetLatch(MyLatch);
            }
        } else {
            h.rollback(e, reader_id());
        }
        h.release(list);
        list = next;
    }
}

void fe_utility(PlannedStmt *pstmt, const char *query, bool read_only_tree, ProcessUtilityContext context,
                ParamListInfo params, QueryEnvironment *env, DestReceiver *dest, QueryCompletion *qc)
{
    Node *n = pstmt->utilityStmt;
    bool finishes = IsA(n, TransactionStmt) &&
                    (castNode(TransactionStmt, n)->kind == TRANS_STMT_COMMIT_PREPARED ||
                     castNode(TransactionStmt, n)->kind == TRANS_STMT_ROLLBACK_PREPARED);
    if (prev_utility)
        prev_utility(pstmt, query, read_only_tree, context, params, env, dest, qc);
    else
        standard_ProcessUtility(pstmt, query, read_only_tree, context, params, env, dest, qc);
    if (finishes)
        resolve_prepared();
}

}  // namespace

core::HeldHeader *held_header()
{
    if (!g_held_header)
        (void) store();  // the same hint when shared memory is missing
    return g_held_header;
}

Size held_shmem_size() { return MAXALIGN(sizeof(core::HeldHeader)); }

void held_shmem_init(void *p, bool found)
{
    g_held_header = static_cast<core::HeldHeader *>(p);
    if (!found)
        core::Held::init(g_held_header);
}

void register_twophase()
{
    prev_utility = ProcessUtility_hook;
    ProcessUtility_hook = fe_utility;
}

void held_track(core::Ref entry) { g_tracked.push_back(entry); }

void held_attach_tracked()
{
    core::Held h = held_list();
    for (core::Ref r : g_tracked)
        h.attach(r);
    g_tracked.clear();
}

void held_forget() { g_tracked.clear(); }

void held_abort(TransactionId xid)
{
    if ((g_tracked.empty() && !TransactionIdIsValid(xid)) || !store_ready() || !g_held_header)
        return;
    core::Held h = held_list();
    // Attached by pre_prepare (the PREPARE failed after it): ours to roll
    // back now; no resolver applies an aborted transaction's entries.
    if (TransactionIdIsValid(xid))
        resolve_chain(h.take(uint32(xid)), false, nullptr);
    for (core::Ref r : g_tracked) {
        h.rollback(h.entry(r), reader_id());
        h.release(r);
    }
    g_tracked.clear();
}

void resolve_prepared(const core::IndexSlot *loader_slot)
{
    if (!store_ready() || !g_held_header || g_held_header->entries.load(std::memory_order_relaxed) == 0)
        return;
    core::Held h = held_list();
    // Every distinct xid on the list (entries >= distinct xids).
    int cap = int(g_held_header->entries.load(std::memory_order_relaxed)) + 16, n;
    uint32 *xids;
    for (;;) {
        xids = static_cast<uint32 *>(palloc(sizeof(uint32) * cap));
        n = h.xids(xids, cap);
        if (n < cap)
            break;
        pfree(xids);
        cap *= 2;
    }
    for (int i = 0; i < n; i++) {
        TransactionId x = xids[i];
        if (TransactionIdIsInProgress(x))
            continue;
        // Only a final state in the commit log decides: outside a
        // transaction (the GC worker) TransactionIdIsInProgress compares
        // with RecentXmin = FirstNormalTransactionId and calls every xid
        // past 2^31 finished.
        bool commit;
        if (TransactionIdDidCommit(x))
            commit = true;
        else if (TransactionIdDidAbort(x))
            commit = false;
        else
            continue;  // still prepared (or running)
        resolve_chain(h.take(uint32(x)), commit, loader_slot);
    }
    pfree(xids);
}

void resolve_held_xid(TransactionId xid)
{
    if (!store_ready() || !g_held_header || g_held_header->entries.load(std::memory_order_relaxed) == 0)
        return;
    resolve_chain(held_list().take(uint32(xid)), true, nullptr);
}

// Transactions of this database that are prepared now (pg_prepared_xact()).
int prepared_xids(TransactionId **out)
{
    *out = nullptr;
    if (max_prepared_xacts <= 0)
        return 0;
    Oid argtypes[1] = {OIDOID};
    Datum args[1] = {ObjectIdGetDatum(MyDatabaseId)};
    PushActiveSnapshot(GetTransactionSnapshot());
    SPI_connect();
    if (SPI_execute_with_args("SELECT p.transaction FROM pg_catalog.pg_prepared_xact() p "
                              "WHERE p.dbid OPERATOR(pg_catalog.=) $1",
                              1, argtypes, args, nullptr, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "feature_ext: could not list prepared transactions");
    int n = int(SPI_processed);
    TransactionId *x = n ? static_cast<TransactionId *>(
                               MemoryContextAlloc(TopTransactionContext, sizeof(TransactionId) * n))
                         : nullptr;
    for (int i = 0; i < n; i++) {
        bool isnull;
        x[i] = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
    }
    SPI_finish();
    PopActiveSnapshot();
    *out = x;
    return n;
}

namespace {

// The prepared transaction (of xids) that xid belongs to, if it was still
// running at snap (and so its change is not in what snap shows); else
// InvalidTransactionId.  Subtransactions map to their top level.
// XidInMVCCSnapshot decides alone: an xid at or past snap->xmax is running
// for snap too (a transaction prepared after the last completed one is
// exactly that, and its rows are in no scan).
TransactionId prepared_owner(TransactionId xid, Snapshot snap, const TransactionId *xids, int n)
{
    if (!TransactionIdIsNormal(xid) || !XidInMVCCSnapshot(xid, snap))
        return InvalidTransactionId;
    TransactionId top = SubTransGetTopmostTransaction(xid);
    for (int i = 0; i < n; i++)
        if (TransactionIdEquals(top, xids[i]))
            return TransactionIdDidAbort(xid) ? InvalidTransactionId : top;  // a rolled-back subtransaction
    return InvalidTransactionId;
}

// Did snap see the insertion of this tuple (ignoring its deletion)?
bool inserted_before(HeapTupleHeader t, Snapshot snap)
{
    if (HeapTupleHeaderXminFrozen(t))
        return true;
    TransactionId xmin = HeapTupleHeaderGetRawXmin(t);
    if (!TransactionIdIsNormal(xmin))
        return xmin == FrozenTransactionId || xmin == BootstrapTransactionId;
    if (XidInMVCCSnapshot(xmin, snap))
        return false;
    return (t->t_infomask & HEAP_XMIN_COMMITTED) || TransactionIdDidCommit(xmin);
}

struct Found {
    TransactionId xid;
    core::Ref entry;
};
std::vector<Found> g_found;

core::Ref entry_for(TransactionId xid, core::IndexSlot *s)
{
    for (const Found &f : g_found)
        if (f.xid == xid)
            return f.entry;
    core::Ref e = held_list().make(core::kHeldOps, uint32(xid), s->id, s->generation.load());
    if (!e)
        report_memory_full("changes of prepared transactions");
    held_track(e);
    g_found.push_back(Found{xid, e});
    return e;
}

}  // namespace

// After the table scan of a load (snap): the rows that transactions still
// prepared (xids, listed before snap was taken) inserted or deleted, held
// for their COMMIT/ROLLBACK PREPARED like a prepare does.  Transactions that
// already hold an entry for this slot (they prepared while it existed) are
// skipped.  Reads every tuple version of the table: only run when there are
// prepared transactions in the database.
void prepared_changes(Relation heap, const IndexMeta *m, core::IndexSlot *s, Snapshot snap,
                      const TransactionId *all, int nall)
{
    core::Store &st = store();
    core::Held h = held_list();
    TransactionId *xids = static_cast<TransactionId *>(palloc(sizeof(TransactionId) * (nall + 1)));
    int n = 0;
    for (int i = 0; i < nall; i++)
        if (!h.has(uint32(all[i]), core::kHeldOps, s->id, s->generation.load()))
            xids[n++] = all[i];
    if (n == 0)
        return;
    g_found.clear();
    TupleTableSlot *tts = table_slot_create(heap, nullptr);
    TableScanDesc scan = table_beginscan(heap, SnapshotAny, 0, nullptr);
    MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "feature_ext prepared", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(tmp);
    int64 found = 0;
    while (table_scan_getnextslot(scan, ForwardScanDirection, tts)) {
        CHECK_FOR_INTERRUPTS();
        if (!TTS_IS_BUFFERTUPLE(tts))
            elog(ERROR, "feature_ext: unexpected tuple slot type in a feature_store scan");
        auto *bslot = reinterpret_cast<BufferHeapTupleTableSlot *>(tts);
        HeapTupleHeader t = bslot->base.tuple->t_data;
        TransactionId ins = InvalidTransactionId, del = InvalidTransactionId;
        LockBuffer(bslot->buffer, BUFFER_LOCK_SHARE);
        TransactionId xmin = HeapTupleHeaderXminFrozen(t) ? FrozenTransactionId : HeapTupleHeaderGetRawXmin(t);
        TransactionId xmax = InvalidTransactionId;
        if (!(t->t_infomask & HEAP_XMAX_INVALID) && !HEAP_XMAX_IS_LOCKED_ONLY(t->t_infomask))
            xmax = HeapTupleHeaderGetUpdateXid(t);
        bool seen = inserted_before(t, snap);
        LockBuffer(bslot->buffer, BUFFER_LOCK_UNLOCK);
        ins = prepared_owner(xmin, snap, xids, n);
        TransactionId xdel = TransactionIdIsValid(xmax) ? prepared_owner(xmax, snap, xids, n) : InvalidTransactionId;
        if (TransactionIdIsValid(ins)) {
            if (TransactionIdEquals(xdel, ins))
                ins = InvalidTransactionId;  // inserted and deleted by the same transaction
        } else if (TransactionIdIsValid(xdel) && seen) {
            del = xdel;
        }
        if (!TransactionIdIsValid(ins) && !TransactionIdIsValid(del))
            continue;
        slot_getallattrs(tts);
        if (tts->tts_isnull[m->order.attno - 1])
            continue;  // not held (documented)
        uint8 *key;
        uint32 klen = encode_key(m, tts->tts_values, tts->tts_isnull, &key);
        uint32 hash = core::Store::hash_key(key, klen);
        core::Ref rec;
        if (TransactionIdIsValid(ins)) {
            core::Ref entry = entry_for(ins, s);
            int64 order;
            core::Ref node = make_node(m, tts->tts_values, tts->tts_isnull, &tts->tts_tid, &order);
            if (!node)
                report_memory_full("rows of prepared transactions");
            if (!st.pin_key(s, hash, key, klen)) {
                st.free_node(node);
                report_memory_full("rows of prepared transactions");
            }
            rec = st.alloc_catchup(true, node, order, 0, 0, hash, key, klen);
            if (!rec) {
                // Give the pin back: rollback of the entry only unpins recorded inserts.
                st.reader_enter(reader_id());
                if (core::KeyEntry *k = st.find_key(s, hash, key, klen))
                    st.unpin_key(k);
                st.reader_exit(reader_id());
                st.free_node(node);
                report_memory_full("rows of prepared transactions");
            }
            h.add_op(entry, rec);
        } else {
            core::Ref entry = entry_for(del, s);
            int64 order = order_from_datum(m->order_kind, tts->tts_values[m->order.attno - 1]);
            rec = st.alloc_catchup(false, 0, order, ItemPointerGetBlockNumberNoCheck(&tts->tts_tid),
                                   ItemPointerGetOffsetNumberNoCheck(&tts->tts_tid), hash, key, klen);
            if (!rec)
                report_memory_full("rows of prepared transactions");
            h.add_op(entry, rec);
        }
        if ((++found & 1023) == 0)
            MemoryContextReset(tmp);
    }
    MemoryContextSwitchTo(old);
    MemoryContextDelete(tmp);
    table_endscan(scan);
    ExecDropSingleTupleTableSlot(tts);
    held_attach_tracked();
    if (!g_found.empty())
        ereport(LOG, (errmsg("feature_ext: skiplist index \"%s\": %lld changes of %d prepared transactions are held "
                             "until they are committed or rolled back",
                             m->name, (long long) found, int(g_found.size()))));
    g_found.clear();
}

}  // namespace fe
