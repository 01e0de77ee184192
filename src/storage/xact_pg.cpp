// feature_ext: keeping the in-memory skiplist indexes exactly equal to the
// committed contents of their feature_store tables.
//
// Per transaction, each backend keeps an ordered list of pending operations
// (insert: a node already allocated in shared memory, so running out of
// memory fails the inserting statement; delete: key + order + TID).  At
// XACT_EVENT_PRE_COMMIT the keys of pending inserts are found or created and
// pinned (the last step that can fail); at XACT_EVENT_COMMIT the operations
// are applied in order (linking and unlinking cannot fail); at abort the
// nodes are freed.  A rolled-back subtransaction drops its own operations.
//
// Index lifetime follows the catalog: ambuild creates a slot for
// (database, index, relfilenode); at commit older relfilenodes of the same
// index are dropped, at abort the new slot is.  DROP INDEX / DROP TABLE are
// seen by object_access_hook and applied at commit.
//
// After a restart the store is empty.  ready_slot() builds a slot from the
// table on first use, holding ShareLock on the table (so no writer is in
// flight) and a self-conflicting lock on the index (one builder), with a
// snapshot that sees committed rows only: the builder's own uncommitted
// changes are still pending operations and are applied at its commit.
// A writer whose index is not loaded at commit skips it: the next build
// reads its rows from the table, and no build can run between its insert
// and its commit because it holds RowExclusiveLock on the table.
#include "feature_ext/storage/storage_pg.hpp"

#include <vector>

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
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
void register_skiplist_reloptions();

namespace {

struct PendingOp {
    bool insert;
    SubTransactionId subid;
    Oid indexoid;
    core::SlotId id;
    uint32 hash;
    uint32 key_off, key_len;      // in g_keybytes
    core::Ref node;               // insert: the allocated node
    core::KeyEntry *key;          // insert: pinned at pre-commit
    core::IndexSlot *slot;        // resolved at pre-commit (nullptr: not loaded)
    int64 order;                  // delete
    uint32 tid_block;             // delete
    uint16 tid_off;               // delete
};

struct SlotEvent {
    core::SlotId id;
    SubTransactionId subid;
};

// Backend-local, cleared at the end of every transaction.  (Static storage:
// no C++ object here lives in a stack frame an ereport could unwind.)
std::vector<PendingOp> g_ops;
std::vector<uint8> g_keybytes;
std::vector<SlotEvent> g_created;   // slots built by ambuild in this transaction
std::vector<SlotEvent> g_dropped;   // indexes dropped in this transaction (id.relfilenode unused)
core::IndexSlot *g_building = nullptr;  // slot being filled by ready_slot()
core::IndexSlot *g_loaded_here = nullptr;  // slot ready_slot() just loaded (to compact)
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

void reset_state()
{
    g_ops.clear();
    g_keybytes.clear();
    g_created.clear();
    g_dropped.clear();
    g_building = nullptr;
}

// Abort: give back every allocation and drop slots this transaction created.
void abort_all()
{
    if (!store_ready())
        return;
    core::Store &st = store();
    for (PendingOp &op : g_ops)
        free_op(op);
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

// Pre-commit: pin the key of every pending insert (may fail: out of memory).
void pre_commit()
{
    core::Store &st = store();
    for (PendingOp &op : g_ops) {
        core::IndexSlot *s = st.find_slot(op.id);
        op.slot = (s && s->state.load(std::memory_order_acquire) == core::kSlotReady) ? s : nullptr;
        if (!op.insert || !op.slot)
            continue;
        op.key = st.pin_key(op.slot, op.hash, g_keybytes.data() + op.key_off, op.key_len);
        if (!op.key)
            report_memory_full("new keys at commit");
    }
}

// Commit: apply everything.  Nothing here can fail.
void commit_all()
{
    core::Store &st = store();
    TimestampTz now = GetCurrentTimestamp();
    int64 published = 0;
    for (PendingOp &op : g_ops) {
        if (!op.slot) {
            free_op(op);
            continue;
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
            core::KeyEntry *k = st.find_key(op.slot, op.hash, g_keybytes.data() + op.key_off, op.key_len);
            if (k)
                st.remove(op.slot, k, op.order, op.tid_block, op.tid_off);
            st.reader_exit(reader_id());
        }
    }
    // A rebuilt index (TRUNCATE, REINDEX, VACUUM FULL) replaces older versions.
    for (const SlotEvent &c : g_created)
        for (uint32 i = 0; i < st.max_slots(); i++) {
            core::IndexSlot *s = st.slot(i);
            uint32 state = s->state.load(std::memory_order_acquire);
            if ((state == core::kSlotReady || state == core::kSlotBuilding) && s->id.db == c.id.db &&
                s->id.index == c.id.index && s->id.relfilenode != c.id.relfilenode)
                st.drop_slot(s);
        }
    for (const SlotEvent &d : g_dropped)
        for (uint32 i = 0; i < st.max_slots(); i++) {
            core::IndexSlot *s = st.slot(i);
            uint32 state = s->state.load(std::memory_order_acquire);
            if ((state == core::kSlotReady || state == core::kSlotBuilding) && s->id.db == d.id.db &&
                s->id.index == d.id.index)
                st.drop_slot(s);
        }
    reset_state();
    if (published >= kWakeGcRows)
        wake_gc_worker();
}

void xact_callback(XactEvent event, void *)
{
    pg_entry([&]() {
        switch (event) {
        case XACT_EVENT_PRE_COMMIT:
            if (!g_ops.empty())
                pre_commit();
            break;
        case XACT_EVENT_COMMIT:
            if (!g_ops.empty() || !g_created.empty() || !g_dropped.empty())
                commit_all();
            g_building = nullptr;
            break;
        case XACT_EVENT_ABORT:
            abort_all();
            break;
        case XACT_EVENT_PRE_PREPARE:
            if (!g_ops.empty() || !g_created.empty() || !g_dropped.empty())
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("cannot PREPARE a transaction that changed a feature_store table"),
                                errhint("Commit it directly: in-memory skiplist indexes are published at commit.")));
            break;
        default:
            break;
        }
    });
}

void subxact_callback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId, void *)
{
    if (event != SUBXACT_EVENT_ABORT_SUB)
        return;
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
}

static core::Ref make_node(const IndexMeta *m, const Datum *values, const bool *isnull, ItemPointer tid,
                           int64 *order_out)
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
    }
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
    }
}

core::IndexSlot *ready_slot(Relation index, const IndexMeta **meta_out)
{
    Relation heap = table_open(index->rd_index->indrelid, AccessShareLock);
    IndexMeta **metas;
    int n = heap_skiplist_indexes(heap, &metas);
    const IndexMeta *m = nullptr;
    for (int i = 0; i < n; i++)
        if (metas[i]->indexoid == RelationGetRelid(index))
            m = metas[i];
    if (!m) {
        table_close(heap, NoLock);
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not a usable skiplist index", RelationGetRelationName(index))));
    }
    *meta_out = m;
    core::Store &st = store();
    core::IndexSlot *s = st.find_slot(m->id);
    if (s && s->state.load(std::memory_order_acquire) == core::kSlotReady) {
        sync_slot_ttl(s, m);
        table_close(heap, NoLock);
        return s;
    }
    // Not loaded on this server run (restart or crash): build it from the table.
    LockRelationOid(m->heapoid, ShareLock);
    LockRelationOid(m->indexoid, ShareUpdateExclusiveLock);
    s = st.find_slot(m->id);
    if (!s || s->state.load(std::memory_order_acquire) != core::kSlotReady) {
        if (s)
            st.drop_slot(s);  // left over from a failed build
        TimestampTz t0 = GetCurrentTimestamp();
        ereport(LOG, (errmsg("feature_ext: loading skiplist index \"%s\" from table \"%s\"", m->name,
                             RelationGetRelationName(heap))));
        s = st.create_slot(m->id, m->heapoid, uint32(m->nbuckets), m->order_kind);
        if (!s)
            report_memory_full("an index being loaded");
        note_created_slot(m->id);  // a version under an older row layout goes at commit
        s->builder_pid = uint32(MyProcPid);
        g_building = s;
        sync_slot_ttl(s, m);
        // Committed rows only: this transaction's own changes are pending
        // operations and reach the index at its commit.
        Snapshot snap = RegisterSnapshot(GetLatestSnapshot());  // a private copy
        snap->curcid = FirstCommandId;
        int64 rows = fill_slot(heap, m, s, snap, false);
        UnregisterSnapshot(snap);
        s->state.store(core::kSlotReady, std::memory_order_release);
        g_building = nullptr;
        g_loaded_here = s;
        long secs;
        int usecs;
        TimestampDifference(t0, GetCurrentTimestamp(), &secs, &usecs);
        double ms = secs * 1000.0 + usecs / 1000.0;
        ereport(LOG, (errmsg("feature_ext: loaded skiplist index \"%s\": %lld rows in %.1f ms (%.0f rows/s)",
                             m->name, (long long) rows, ms, ms > 0 ? rows / (ms / 1000.0) : 0.0)));
    }
    bool loaded = g_loaded_here == s;
    g_loaded_here = nullptr;
    UnlockRelationOid(m->indexoid, ShareUpdateExclusiveLock);
    UnlockRelationOid(m->heapoid, ShareLock);
    if (loaded) {
        // Ready and unlocked: writers and other readers go on while this
        // backend lays each key's rows out contiguously (compaction is safe
        // beside them; inside an epoch, as the GC may remove keys).
        TimestampTz t0 = GetCurrentTimestamp();
        st.reader_enter(reader_id());
        int64 keys = st.compact_index(s, false);
        st.reader_exit(reader_id());
        long secs;
        int usecs;
        TimestampDifference(t0, GetCurrentTimestamp(), &secs, &usecs);
        ereport(DEBUG1, (errmsg("feature_ext: compacted %lld keys of skiplist index \"%s\" in %.1f ms",
                                (long long) keys, m->name, secs * 1000.0 + usecs / 1000.0)));
    }
    sync_slot_ttl(s, m);
    table_close(heap, NoLock);
    return s;
}

}  // namespace fe
