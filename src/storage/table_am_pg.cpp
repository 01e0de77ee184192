// feature_ext: the `feature_store` table access method.
//
// Rows are stored exactly as heap rows (PostgreSQL's heap AM does the work:
// WAL, VACUUM, pg_dump, COPY, replication all keep working).  On top of it,
// every insert, update and delete is mirrored into the table's skiplist
// indexes as a pending operation published at commit (storage/xact_pg.cpp).
#include "feature_ext/storage/storage_pg.hpp"
#include "feature_ext/base/compat_pg.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(fe_feature_store_handler);
Datum fe_feature_store_handler(PG_FUNCTION_ARGS);
}

namespace fe {

namespace {

TableAmRoutine g_routine;
const TableAmRoutine *g_heap = nullptr;

inline bool has_indexes(Relation rel)
{
    return rel->rd_rel->relhasindex;
}

void fs_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid, int options, BulkInsertStateData *bistate)
{
    g_heap->tuple_insert(rel, slot, cid, options, bistate);
    if (has_indexes(rel))
        pg_entry([&] { mirror_insert(rel, slot); });
}

void fs_complete_speculative(Relation rel, TupleTableSlot *slot, uint32 token, bool succeeded)
{
    g_heap->tuple_complete_speculative(rel, slot, token, succeeded);
    if (succeeded && has_indexes(rel))
        pg_entry([&] { mirror_insert(rel, slot); });
}

void fs_multi_insert(Relation rel, TupleTableSlot **slots, int nslots, CommandId cid, int options,
                     BulkInsertStateData *bistate)
{
    g_heap->multi_insert(rel, slots, nslots, cid, options, bistate);
    if (has_indexes(rel))
        pg_entry([&] {
            for (int i = 0; i < nslots; i++)
                mirror_insert(rel, slots[i]);
        });
}

// The old row's values, read before the heap changes it (any version: the
// caller already located it).
TupleTableSlot *fetch_old(Relation rel, ItemPointer tid)
{
    TupleTableSlot *old = table_slot_create(rel, nullptr);
    if (!g_heap->tuple_fetch_row_version(rel, tid, SnapshotAny, old)) {
        ExecDropSingleTupleTableSlot(old);
        return nullptr;
    }
    slot_getallattrs(old);
    return old;
}

TM_Result fs_tuple_delete(Relation rel, ItemPointer tid, CommandId cid, Snapshot snapshot, Snapshot crosscheck,
                          bool wait, TM_FailureData *tmfd, bool changingPart)
{
    TupleTableSlot *old = has_indexes(rel) ? fetch_old(rel, tid) : nullptr;
    TM_Result r = g_heap->tuple_delete(rel, tid, cid, snapshot, crosscheck, wait, tmfd, changingPart);
    if (old) {
        if (r == TM_Ok)
            pg_entry([&] { mirror_delete(rel, tid, old); });
        ExecDropSingleTupleTableSlot(old);
    }
    return r;
}

TM_Result fs_tuple_update(Relation rel, ItemPointer otid, TupleTableSlot *slot, CommandId cid, Snapshot snapshot,
                          Snapshot crosscheck, bool wait, TM_FailureData *tmfd, LockTupleMode *lockmode,
                          compat::UpdateIndexes *update_indexes)
{
    TupleTableSlot *old = has_indexes(rel) ? fetch_old(rel, otid) : nullptr;
    ItemPointerData oldtid = *otid;
    TM_Result r = g_heap->tuple_update(rel, otid, slot, cid, snapshot, crosscheck, wait, tmfd, lockmode,
                                       update_indexes);
    if (old) {
        if (r == TM_Ok)
            pg_entry([&] {
                mirror_delete(rel, &oldtid, old);
                mirror_insert(rel, slot);
            });
        ExecDropSingleTupleTableSlot(old);
    }
    return r;
}

// heap_getnext() refuses relations whose AM routine is not the heap's; the
// heap's own bulk scans (index builds, CLUSTER / VACUUM FULL) use it, so they
// run with the heap routine installed for their duration.
template <typename F>
void with_heap_routine(Relation rel, F &&f)
{
    const TableAmRoutine *saved = rel->rd_tableam;
    rel->rd_tableam = g_heap;
    PG_TRY();
    {
        f();
    }
    PG_FINALLY();
    {
        rel->rd_tableam = saved;
    }
    PG_END_TRY();
}

double fs_index_build_range_scan(Relation rel, Relation index, IndexInfo *info, bool allow_sync, bool anyvisible,
                                 bool progress, BlockNumber start, BlockNumber nblocks,
                                 IndexBuildCallback callback, void *state, TableScanDesc scan)
{
    double r = 0;
    with_heap_routine(rel, [&] {
        r = g_heap->index_build_range_scan(rel, index, info, allow_sync, anyvisible, progress, start, nblocks,
                                           callback, state, scan);
    });
    return r;
}

void fs_index_validate_scan(Relation rel, Relation index, IndexInfo *info, Snapshot snapshot,
                            ValidateIndexState *state)
{
    with_heap_routine(rel, [&] { g_heap->index_validate_scan(rel, index, info, snapshot, state); });
}

void fs_copy_for_cluster(Relation oldrel, Relation newrel, Relation oldindex, bool use_sort, TransactionId oldest,
                         TransactionId *xid_cutoff, MultiXactId *multi_cutoff, double *num_tuples,
                         double *tups_vacuumed, double *tups_recently_dead)
{
    with_heap_routine(oldrel, [&] {
        with_heap_routine(newrel, [&] {
            g_heap->relation_copy_for_cluster(oldrel, newrel, oldindex, use_sort, oldest, xid_cutoff,
                                              multi_cutoff, num_tuples, tups_vacuumed, tups_recently_dead);
        });
    });
}

void init_routine()
{
    if (g_heap)
        return;
    g_heap = GetHeapamTableAmRoutine();
    g_routine = *g_heap;
    g_routine.tuple_insert = fs_tuple_insert;
    g_routine.tuple_complete_speculative = fs_complete_speculative;
    g_routine.multi_insert = fs_multi_insert;
    g_routine.tuple_delete = fs_tuple_delete;
    g_routine.tuple_update = fs_tuple_update;
    g_routine.index_build_range_scan = fs_index_build_range_scan;
    g_routine.index_validate_scan = fs_index_validate_scan;
    g_routine.relation_copy_for_cluster = fs_copy_for_cluster;
}

}  // namespace

const TableAmRoutine *feature_store_routine()
{
    init_routine();
    return &g_routine;
}

}  // namespace fe

extern "C" Datum fe_feature_store_handler(PG_FUNCTION_ARGS)
{
    PG_RETURN_POINTER(fe::feature_store_routine());
}
