// feature_ext: PostgreSQL side of the storage engine (feature_store table AM +
// skiplist index AM).  Shared by src/storage/*_pg.cpp and the
// request engine.
//
// Error style of the storage files: they are "C-style zones": no function in
// them owns a C++ object with a non-trivial destructor while it calls a
// PostgreSQL function, so an ereport longjmp never skips a destructor.  Every
// entry from PostgreSQL still goes through fe::pg_entry (see base/guard_pg.hpp).
#pragma once

#include "feature_ext/base/guard_pg.hpp"
#include "feature_ext/storage/held.hpp"
#include "feature_ext/storage/store.hpp"

extern "C" {
#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "storage/itemptr.h"
#include "utils/rel.h"
#include "utils/snapshot.h"
#include "postmaster/bgworker.h"
}

namespace fe {

// Order column kinds (stored in IndexSlot::order_kind).
enum OrderKind : uint32_t {
    kOrderInt2 = 1, kOrderInt4, kOrderInt8,  // epoch milliseconds
    kOrderDate,                              // days since 2000-01-01
    kOrderTimestamp, kOrderTimestamptz       // microseconds since 2000-01-01
};

struct ColInfo {
    AttrNumber attno;  // heap attribute number (1-based)
    Oid typid;
    int16 typlen;
    bool typbyval;
    bool bpchar;       // trailing blanks are insignificant
    int fixed_off;     // offset in the fixed section (typlen > 0), else -1
};

struct TtlConfig {
    core::TtlType type = core::TtlType::kNone;
    bool event_clock = false;
    int64 abs_us = 0;   // absolute TTL in microseconds
    int64 rows = 0;     // ttl_rows
};

// Everything a backend needs to encode rows for one skiplist index, cached
// per backend and rebuilt on relcache invalidation.
struct IndexMeta {
    Oid indexoid;
    Oid heapoid;
    core::SlotId id;
    char name[NAMEDATALEN];
    int nkeys;                         // partition key columns
    ColInfo keys[INDEX_MAX_KEYS];
    int key_fixed;                     // fixed section size of the key encoding
    ColInfo order;
    OrderKind order_kind;
    int nstored;                       // columns held in the payload
    ColInfo *stored;
    int stored_fixed;                  // fixed section size of the payload
    bool include_all;                  // no INCLUDE: all heap columns are held
    TtlConfig ttl;
    int nbuckets;
};

// ---- shared memory store
core::Store &store();
uint32 reader_id();
bool store_ready();

// ---- index metadata (storage/index_am_pg.cpp)
Oid skiplist_am_oid();
// Build the metadata for an open skiplist index (palloc'd in `cxt`).
IndexMeta *build_index_meta(Relation index, Relation heap, MemoryContext cxt);
// Parsed options of an open index.
TtlConfig index_ttl(Relation index, int *nbuckets);
// The bucket table size to build or load index m of heap with (index_am_pg.cpp).
uint32 initial_buckets(Relation heap, const IndexMeta *m);

// ---- order values
int64 order_from_datum(OrderKind kind, Datum d);
Datum order_to_datum(OrderKind kind, int64 v);
int64 order_units_from_us(OrderKind kind, int64 us);   // a duration
int64 order_now(OrderKind kind, TimestampTz now);      // wall clock in order units
// Rule for reading or expiring a slot now.
core::TtlRule slot_rule(const core::IndexSlot *s, TimestampTz now);
// Publish the index's TTL settings into its slot when they differ.
void sync_slot_ttl(core::IndexSlot *s, const IndexMeta *m);
// Rows per block summary (docs/STORAGE.md, "Block summaries").
constexpr uint32 kSumBlockRows = 256;
// Describe the payload's int2/int4/int8 columns (the first kMaxSumCols) to
// a new slot, for block summaries; before the slot gets rows.
void set_slot_summaries(core::IndexSlot *s, const IndexMeta *m);

// ---- encoding (storage/codec_pg.cpp); buffers are palloc'd in CurrentMemoryContext
// Key bytes of a heap row (values/isnull by heap attribute).
uint32 encode_key(const IndexMeta *m, const Datum *values, const bool *isnull, uint8 **out);
// Key bytes from key column values given in key order.
uint32 encode_key_values(const IndexMeta *m, const Datum *keyvals, const bool *keynulls, uint8 **out);
uint32 payload_size(const IndexMeta *m, const Datum *values, const bool *isnull);
void encode_payload(const IndexMeta *m, const Datum *values, const bool *isnull, uint8 *dst);
// Decode payload column i (0-based among stored columns).
Datum decode_stored(const IndexMeta *m, const uint8 *payload, int i, bool *isnull);
// Decode key column i (0-based) from key bytes.
Datum decode_key(const IndexMeta *m, const uint8 *key, int i, bool *isnull);

// ---- mirroring (storage/xact_pg.cpp): called by the feature_store table AM
// after the heap has accepted the change.
void mirror_insert(Relation heap, TupleTableSlot *slot);
void mirror_delete(Relation heap, ItemPointer tid, TupleTableSlot *oldslot);
// Skiplist indexes of a heap relation (cached); nullptr-terminated count.
int heap_skiplist_indexes(Relation heap, IndexMeta ***out);
// Remember that this transaction created (ambuild) a slot.
void note_created_slot(const core::SlotId &id);
// Discard this transaction's pending changes for an index (it is being rebuilt).
void forget_pending(Oid indexoid);
// Insert one heap row straight into a slot (ambuild / rebuild).  false = out of memory.
bool direct_insert(core::IndexSlot *s, const IndexMeta *m, const Datum *values, const bool *isnull,
                   ItemPointer tid, const core::TtlRule &rule);

// ---- lookup for readers: the slot of an index.  If this server has not
// loaded it yet, asks the background loader and waits for it up to
// feature_ext.load_wait, then fails.  Never returns an incomplete index.
core::IndexSlot *ready_slot(Relation index, const IndexMeta **meta);

// ---- loading after a restart (storage/loader_pg.cpp, storage/xact_pg.cpp)
extern int g_load_wait_ms;  // feature_ext.load_wait
// Load one index beside writers, in the current transaction (the loader
// worker).  Rows loaded, kLoadNothing (ready already, dropped, or a failed
// load that still has no room), or kLoadBusy (its table or index is locked:
// retry later).
constexpr int64 kLoadNothing = -1, kLoadBusy = -2;
int64 load_index(Oid indexoid);
// Bytes the load in progress has used (before its transaction aborts).
int64 loading_bytes();
// After load_index failed for memory (its transaction aborted): leave a
// kSlotFailed marker so inserts into the table fail with 53200 until a load
// fits (it would otherwise grow past what the index can ever hold); it is
// retried only when needed_bytes are free.
void mark_load_failed(int64 needed_bytes);
// Ask the loader to load this database's missing indexes (never fails).
void request_load();
// The loader's round: every database's missing indexes (the launcher, at
// start and when asked).
void loader_init();
void run_load_round();
// Shared flags (storage/shmem_pg.cpp): a round was asked for (and clears
// it); the launcher's latch; failed loads so far.
bool load_requested();
void set_launcher_proc();
void note_load_failure();
uint32 load_failures();

// ---- background GC (storage_gc.cpp)
int64 run_gc_all(TimestampTz now);
// Indexes of dropped databases (DROP DATABASE drops no index one by one).
// Take the marks, then list every database OID with a catalog scan that
// starts afterwards: a marked slot whose database is not listed belongs to a
// dropped database (its slots existed while it did) and is dropped.
struct SlotMark { uint32 index; uint64 generation; uint32 db; };
int mark_slots(SlotMark *out, int max);
int drop_slots_of_dropped_dbs(const SlotMark *marks, int n, const Oid *live, int nlive);
void register_gc_worker();
// Wake the GC worker now (a commit published a bulk of rows that arrived
// interleaved across keys: compacting them soon makes requests read
// sequential memory again).  Never fails; no-op without a running worker.
void wake_gc_worker();
constexpr int64 kWakeGcRows = 10000;  // rows one commit publishes to wake it
// A background worker of this library (storage/shmem_pg.cpp), started once recovery finished.
void fill_worker(BackgroundWorker *w, int flags, int restart_s, const char *function, const char *name);

[[noreturn]] void report_memory_full(const char *what);

// ---- two-phase commit (storage/twophase_pg.cpp; protocol in held.hpp)
Size held_shmem_size();
void held_shmem_init(void *p, bool found);
core::HeldHeader *held_header();
void register_twophase();
// This backend's entries not yet on the shared list / handed over.
void held_track(core::Ref entry);
void held_attach_tracked();          // put them on the list
void held_forget();                  // prepared: they belong to the prepared transaction
void held_abort(TransactionId xid);  // take them back and roll them back
// Apply or discard the entries of every transaction no longer running.
// loader_slot: the caller loads this slot, its table scan done, its queue
// not drained yet (Held::commit, loader).
void resolve_prepared(const core::IndexSlot *loader_slot = nullptr);
// Prepared transactions of this database (SPI; palloc'd in TopTransactionContext).
int prepared_xids(TransactionId **out);
// The load's table scan is done (snap): hold the changes of transactions in
// xids that are still prepared (see twophase_pg.cpp).
void prepared_changes(Relation heap, const IndexMeta *m, core::IndexSlot *s, Snapshot snap,
                      const TransactionId *xids, int n);

// Apply (commit) the held entries of one committed transaction now (the
// standby's replay log applies a transaction's held entries first).
void resolve_held_xid(TransactionId xid);

// ---- physical standbys (storage/standby_pg.cpp; protocol in standby.hpp)
Size standby_shmem_size();
void standby_shmem_init(void *p, bool found);
void register_standby();                 // the WAL resource manager and the standby worker
// Primary: log this transaction's index changes for standbys (pre-commit,
// pre-prepare): ops and events are gathered, then flushed as WAL records.
bool standby_logging();                  // wal_level >= replica
void standby_log_op(bool insert, const core::SlotId &id, const uint8 *key, uint32 key_len, int64 order,
                    uint32 tid_block, uint16 tid_off, const uint8 *payload, uint32 payload_len);
void standby_log_event(uint32 kind, const core::SlotId &id);  // core::StandbyKind
void standby_log_flush();
// Apply every replayed change of a finished transaction (a request before
// it reads on a standby; a writer after a promotion).  Never fails for
// memory (the log is marked lost instead).
void standby_catch_up();
bool standby_lost();
// The standby worker's pass over the log (also between the waits of its
// load rounds); false: run it again shortly.  Outside a transaction; a
// no-op in any other process.
bool standby_worker_tick();                     // the indexes stopped following the primary
void standby_abort();                    // transaction abort

// ---- Citus (storage/citus_pg.cpp): a table Citus distributes is an empty
// shell where its catalog lists it; reading it would be silently wrong.
bool is_citus_shell(Oid relid);
char citus_dist_method(Oid relid);  // pg_dist_partition.partmethod ('h' hash, 'n' none, ...), '\0' when not Citus's
// A Citus table's pg_dist_partition row: partmethod, repmodel ('t' for a
// reference table, whose one shard is on every node), colocationid.  false
// (and '\0's) when the table is not Citus's.
struct CitusTable {
    char method;
    char repmodel;
    int32 colocationid;
};
bool citus_table(Oid relid, CitusTable *out);
inline bool citus_is_reference(const CitusTable &t) { return t.method == 'n' && t.repmodel == 't'; }
void refuse_citus_shell(Relation heap, const char *what);  // ERROR 0A000 for such a table

}  // namespace fe
