// feature_ext core: the standby's replay log.  Pure C++ on top of the store
// (test/unit/test_standby.cpp); the PostgreSQL side is storage/standby_pg.cpp.
//
// ---------------------------------------------------------------- protocol
// A primary logs, at each writer's pre-commit (pre-prepare), one or more
// custom WAL records listing the transaction's changes to skiplist indexes
// (docs/STORAGE.md, "Standbys").  On a hot standby the startup process
// replays them into this log: one StandbyEntry per (transaction, index) and
// record, appended at the tail, so the log is in WAL order.  Entries carry
// CatchupOp chains (inserts with their node allocated, keys not pinned),
// exactly what a loading slot's catch-up queue takes.
//
// A resolver (one at a time: the standby worker, or a request before it
// reads) takes the whole log, and for each entry in log order whose
// transaction has finished (the caller's `finished` callback: not in
// progress any more, then committed or not) applies it if committed:
//   ready slot of the entry's (db, index, relfilenode) -> published (unique:
//     a row already there wins) and deletes applied, in operation order;
//   loading slot -> appended to the slot's catch-up queue (the loader dedupes
//     inserts its table scan read; deletes of rows it did not see find
//     nothing);
//   a loading slot that is closing -> the pass stops (retried shortly), so
//     no later entry of that slot overtakes this one;
//   no slot -> dropped: a load that starts later takes its snapshot after
//     the transaction was finished, so its table scan sees the change;
// and drops it otherwise.  kStandbyCreated / kStandbyDropped entries (a
// committed CREATE INDEX, TRUNCATE, REINDEX; DROP INDEX) drop the index's
// other / all slots.  Entries of unfinished transactions stay, in order,
// ahead of what was appended meanwhile.
// Order: a transaction's change can only depend on (delete a row of)
// transactions that committed before its own pre-commit, hence before its
// record, so applying finished entries in log order applies dependent
// changes in commit order, whatever unfinished entries are skipped.
//
// Running out of memory (replay cannot allocate an entry, or a pass cannot
// pin a key) sets `lost`: the standby's indexes then no longer follow the
// primary; the PostgreSQL layer refuses requests until a restart.
//
// ---------------------------------------------------------------- locking
// StandbyHeader::lock (a spinlock) guards head/tail; nothing else is taken
// under it.  `resolving` admits one resolver.
#pragma once

#include "feature_ext/storage/held.hpp"

namespace fe::core {

enum StandbyKind : uint32_t { kStandbyOps = 1, kStandbyCreated = 2, kStandbyDropped = 3 };

struct StandbyEntry {
    Ref next;
    uint32_t kind;
    uint32_t xid;
    SlotId id;                     // kStandbyDropped: relfilenode unused
    Ref head, tail;                // kStandbyOps: CatchupOp chain
    uint32_t nops;
};

struct StandbyHeader {
    SpinLock lock;
    Ref head, tail;
    std::atomic<uint32_t> entries;
    std::atomic<uint32_t> resolving;   // 0, or the resolver's id + 1
    std::atomic<uint32_t> lost;        // memory ran out: the indexes stopped following
    std::atomic<int64_t> applied;      // entries applied (monitoring, tests)
};

class StandbyLog {
public:
    StandbyLog(Store &st, StandbyHeader *h) : st_(st), h_(h) {}
    static void init(StandbyHeader *h);

    // A new entry (not on the log yet); 0 when memory is full.
    Ref make(StandbyKind kind, uint32_t xid, const SlotId &id);
    void add_op(Ref entry, Ref rec);
    void append(Ref entry);
    bool empty() const { return h_->entries.load(std::memory_order_acquire) == 0; }
    StandbyEntry *entry(Ref r) const { return st_.at<StandbyEntry>(r); }

    // One resolver at a time (id: any number identifying the caller).
    bool try_lock(uint32_t id);
    void unlock() { h_->resolving.store(0, std::memory_order_release); }

    // What happened to a transaction (the caller asks PostgreSQL).
    enum Outcome { kRunning, kCommitted, kAborted };
    // One pass over the log (see the header).  outcome(xid) says what
    // happened to a transaction; on_commit(xid) runs right before a
    // committed entry is applied (the PostgreSQL layer first applies the
    // transaction's held entries, storage/held.hpp); rule_of(e) is the TTL
    // rule of e's slot.  Returns false when a closing load stopped the pass
    // (retry shortly).
    template <typename Outcome_, typename OnCommit, typename Rule>
    bool resolve(uint32_t reader, Outcome_ outcome, OnCommit on_commit, Rule rule_of);
    // Apply one committed entry (used by resolve).  False: the slot is
    // closing its load (nothing done).
    bool apply(StandbyEntry *e, const TtlRule &rule, uint32_t reader);
    void release(Ref entry);
    // After promotion, an entry of a transaction still prepared becomes a
    // held entry of that transaction (its slot ready or loading: inserts'
    // keys pinned), so that COMMIT PREPARED on the promoted server applies
    // it; without a usable slot it is freed (the load finds the prepared
    // rows in the table).  Takes the entry off the log if it was on it.
    // False when memory ran out (the entry is freed).
    bool hold(Held &held, Ref entry, uint32_t reader);
    // Take every entry off the log (WAL order), for hold().
    Ref take_all();
    // Free every entry (the log is no longer followed).
    void clear();

private:
    void drop_slots(uint32_t db, uint32_t index, const SlotId *keep);
    void put_back(Ref head, Ref tail, uint32_t n);
    Store &st_;
    StandbyHeader *h_;
};

template <typename Outcome_, typename OnCommit, typename Rule>
bool StandbyLog::resolve(uint32_t reader, Outcome_ outcome, OnCommit on_commit, Rule rule_of)
{
    Ref list = take_all();
    Ref keep_head = 0, keep_tail = 0;
    uint32_t kept = 0;
    bool done = true;
    while (list) {
        StandbyEntry *e = entry(list);
        Ref next = e->next;
        Outcome o = done ? outcome(e->xid) : kRunning;
        bool drop = o == kAborted;
        if (o == kCommitted) {
            on_commit(e->xid);
            if (apply(e, rule_of(e), reader)) {
                drop = true;
                h_->applied.fetch_add(1, std::memory_order_relaxed);
            } else {
                done = false;  // a closing load: this and every later entry wait
            }
        }
        if (drop) {
            release(list);
        } else {
            e->next = 0;
            if (keep_tail)
                entry(keep_tail)->next = list;
            else
                keep_head = list;
            keep_tail = list;
            kept++;
        }
        list = next;
    }
    if (keep_head)
        put_back(keep_head, keep_tail, kept);
    return done;
}

}  // namespace fe::core
