// feature_ext core: changes of prepared transactions (two-phase commit),
// held in shared memory until COMMIT PREPARED or ROLLBACK PREPARED.  Pure
// C++ on top of the store (test/unit/test_held.cpp).
//
// ---------------------------------------------------------------- protocol
// A transaction that changed skiplist indexes and runs PREPARE TRANSACTION
// turns, at its pre-prepare, every change into a HeldEntry (the PostgreSQL
// layer: storage/twophase_pg.cpp):
//   kHeldOps      one per index slot (ready or loading): its changes as a
//                 CatchupOp chain in operation order, every inserted row's
//                 node already allocated and its key pinned (created if
//                 needed), so that applying them later cannot fail;
//   kHeldCreated  a slot the transaction built (CREATE INDEX, TRUNCATE,
//                 REINDEX): at commit older slots of the index are dropped,
//                 at rollback this one;
//   kHeldDropped  an index the transaction dropped: its slots go at commit.
// Entries name their slot by id and generation: a slot dropped and reused
// meanwhile is never touched (its keys went with it).
// Entries are keyed by the transaction's top-level xid.  Whoever finds an
// xid no longer running (the session that ran COMMIT/ROLLBACK PREPARED,
// right after it; the loader; the GC worker) takes the xid's entries off the
// list (take) and resolves them (commit or rollback by the transaction's
// recorded outcome).  take is atomic, so every entry is resolved once.
// Commit into a ready slot publishes each row (unique: a row already there
// wins) and applies each delete; into a loading slot it appends the chain to
// the slot's catch-up queue like a committing writer (catchup_reserve; on
// kClosing the caller retries until the slot is ready).  The loader itself,
// between its table scan and its drain, publishes the inserts at once and
// queues the deletes: a transaction that committed during the scan may have
// had its rows deleted by writers whose changes are queued already.
// After a restart the list is empty: the loader finds the rows of
// transactions still prepared in the table itself and attaches entries for
// them (xact_pg.cpp, load_index).
//
// ---------------------------------------------------------------- locking
// HeldHeader::lock (a spinlock) guards the list; nothing else is taken under
// it and no allocation happens under it.  It comes after every store lock
// in the order of store.hpp (entries are allocated before it is taken).
#pragma once

#include "feature_ext/storage/store.hpp"

namespace fe::core {

enum HeldKind : uint32_t { kHeldOps = 1, kHeldCreated = 2, kHeldDropped = 3 };

struct HeldEntry {
    Ref next;
    uint32_t kind;
    uint32_t xid;                  // top-level transaction id
    SlotId id;                     // kHeldDropped: relfilenode unused
    uint64_t generation;           // of the slot (kHeldOps, kHeldCreated)
    Ref head, tail;                // kHeldOps: CatchupOp chain, inserts' keys pinned
    uint32_t nops;
};

struct HeldHeader {
    SpinLock lock;
    Ref head;
    std::atomic<uint32_t> entries;
};

class Held {
public:
    Held(Store &st, HeldHeader *h) : st_(st), h_(h) {}
    static void init(HeldHeader *h);

    // A new entry (not yet on the list); 0 when memory is full.
    Ref make(HeldKind kind, uint32_t xid, const SlotId &id, uint64_t generation);
    // Append a record (alloc_catchup) to an ops entry, in operation order.
    void add_op(Ref entry, Ref rec);
    void attach(Ref entry);
    // Is there an entry of this kind for (xid, slot id, generation)?
    bool has(uint32_t xid, HeldKind kind, const SlotId &id, uint64_t generation) const;
    // Up to max distinct xids on the list (for the caller to check outside
    // the lock); returns how many were written.
    int xids(uint32_t *out, int max) const;
    // Take every entry of xid off the list: a chain linked by next, kHeldOps
    // first (operation order kept per slot), then kHeldCreated, kHeldDropped.
    Ref take(uint32_t xid);

    // Resolve one taken entry.  Commit returns false (nothing done) when its
    // slot is closing a load: retry shortly.  reader: the caller's epoch slot.
    // loader: the caller is the loader of e's slot, its table scan done and
    // its queue not drained yet: inserts are published at once (before every
    // queued change, among them deletes of these very rows by writers that
    // saw the commit), deletes still go through the queue.
    bool commit(HeldEntry *e, const TtlRule &rule, uint32_t reader, bool loader = false);
    void rollback(HeldEntry *e, uint32_t reader);
    // Free an entry (after commit or rollback).
    void release(Ref entry);

    HeldEntry *entry(Ref r) const { return st_.at<HeldEntry>(r); }

private:
    // The slot of e if it is still the one e was made for, else nullptr.
    IndexSlot *live_slot(const HeldEntry *e) const;
    void unpin_inserts(IndexSlot *s, const HeldEntry *e, uint32_t reader);
    void drop_slots(uint32_t db, uint32_t index, const SlotId *keep);
    Store &st_;
    HeldHeader *h_;
};

}  // namespace fe::core
