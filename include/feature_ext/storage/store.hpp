// feature_ext core: the in-memory skiplist store, one region of memory shared
// by every backend.  Pure C++: no PostgreSQL headers (unit-tested without a
// server, see test/unit/test_store.cpp).
//
// ---------------------------------------------------------------- layout
// The region is addressed by Ref: a 32-bit offset from the region base in
// 8-byte units (regions up to 32 GiB).  Nothing stores a raw pointer, so the
// region may be mapped at different addresses in different processes.
//
//   Region  = StoreHeader | reader epoch slots | IndexSlot[max_slots]
//             | SegInfo[nsegs] | heap
//   heap    = class area, growing up from heap_start (size-class allocator:
//             bump pointer + one free list per class), then never-used
//             memory, then row segments of kSegBytes taken from the top down
//             (the compaction runs; see "allocator")
//   index   = IndexSlot -> bucket table (array + dirty bitmap) -> chains of KeyEntry
//   key     = KeyEntry  -> newest-first skiplist of RowNode
//             ordered by (order desc, seq desc): among equal order values the
//             row published later (larger seq) is newer.
//
// ---------------------------------------------------------------- locking
// * Readers take no lock.  They announce an epoch (Store::ReadGuard) and
//   follow atomic links with acquire loads.
// * Writers of one key serialise on KeyEntry::lock (a spinlock held for a few
//   pointer updates).  A node is fully initialised before the release store
//   that makes it reachable; links are changed top-down on unlink and
//   bottom-up on insert, so a reader always sees a well-formed list.
// * Bucket chains are guarded by the slot's stripe locks.  A key hashes to
//   stripe hash % kStripes and to bucket hash & (nbuckets-1) of the current
//   table (IndexSlot::table, see "resize"); the stripes of
//   bucket b are those with stripe % nbuckets == b (one when nbuckets >=
//   kStripes, kStripes/nbuckets otherwise: a bucket may be shared by several
//   stripes).  Creating a key takes its one stripe lock and pushes the key at
//   the head of its chain with a release CAS (another stripe of the same
//   bucket may push concurrently).  Unlinking a key takes *every* stripe of
//   its bucket, so no push and no other unlink can run on that chain: the
//   unlink is a plain release store of the successor into the predecessor's
//   link.  Hence a thread holding any stripe lock of a bucket may walk that
//   chain without an epoch: no key on it can be unlinked (and so freed)
//   meanwhile.
// * pin_key looks the key up and raises KeyEntry::pins under its stripe
//   lock; it needs no epoch.  A pinned key is never unlinked, and publish is
//   only called on a pinned key, so no row is ever linked into an unlinked
//   key.
// * Key removal (expire_index, the GC pass): with every stripe of the bucket
//   held, and then the key lock, a key with nrows == 0 and pins == 0 is
//   marked kKeyDead, unlinked from its chain and retired on limbo_keys.  Rows
//   only enter a key under a pin (pins are raised under the stripe lock,
//   excluded here), and nrows only changes under the key lock, so the key is
//   empty and unpinned for good.  A reader still on it (find_key,
//   for_each_key, Cursor) sees an empty key whose chain link still leads
//   back into the live chain; it is freed once those readers have left.  A
//   writer looking for the key afterwards does not find it and creates a
//   fresh one (the old key's newest_order, the event clock, is lost: it had
//   nothing left to cut).  remove()/expire() never unlink keys (they hold
//   the key lock, which comes after the stripe locks): a key emptied by them
//   goes at the next expire_index pass.  Walks over the chains that hold no
//   stripe lock (find_key, for_each_key, compact_index) must run inside an
//   epoch while keys may be removed, and so must the use of the key found.
// * The slot directory and the allocator have spinlocks of their own.  Lock
//   order (a thread holding one may only take those after it):
//     stripe locks of a bucket (ascending stripe index)
//       -> KeyEntry::lock
//       -> dir_lock or limbo_lock (never held together)
//       -> run_lock (the open run segment; compaction only)
//       -> class locks (ascending class index; only coalesce() holds more
//          than one, and it holds all of them)
//       -> seg_lock (segment states, free list, floor)
//       -> bump_lock (the class area's bump pointer and its limit).
//   pin_key allocates (possibly reclaiming and coalescing) under its stripe
//   lock; reclaim() frees under limbo_lock (a row segment whose last row goes
//   is released under seg_lock from there).  IndexSlot::gc_lock (one
//   expire_index per slot at a time) comes before the stripe locks;
//   grow_table takes all 64 stripes in ascending order, and is called with no
//   lock held.
//
// ---------------------------------------------------------------- resize
// The bucket table of a slot (2^L buckets, L <= kMaxBucketsLog2) doubles
// online: pin_key, having created a key and released its stripe lock, calls
// grow_table when the slot holds more keys than buckets.  Each KeyEntry has
// two chain links; a table of 2^L buckets links its keys through
// chain[L & 1], so the new table (2^(L+1)) uses the link the current one
// does not.  grow_table (one thread per slot: `resizing`):
//   1. the table before the current one must have been freed (below); it
//      calls reclaim() a few times, else gives up until more keys arrive;
//   2. allocates and zeroes the new array, takes every stripe lock (no key is
//      created, pinned or unlinked meanwhile: chains are stable and hold no
//      dead key), pushes every key onto its new bucket through the other
//      link, sets every bit of the new dirty bitmap, and publishes the new
//      table with one seq_cst store of IndexSlot::table (array Ref and log2
//      in one word, so a reader never pairs an array with the wrong size);
//   3. retires the old array: old_buckets / old_epoch under limbo_lock;
//      reclaim() frees it once the epoch has advanced past old_epoch (as a
//      dropped slot), i.e. when no reader that could have loaded it is left.
// Readers (find_key, for_each_key, compact_index, expire_index's lock-free
// peek) load the table once and follow its link only.  Nothing they follow
// changes under them: the resize writes only the other link of each key,
// and key unlinks after it change the new table's link only; so a reader of
// the old table sees its chains as they were when the resize began (keys
// created later are missing, as if it had read a moment earlier), and every
// key on them stays allocated until it leaves its epoch (a key unlinked from
// the new table is retired through the epoch as before).  The next resize
// rewrites the old link again, hence step 1: it waits until no reader can
// be on the table that used it.  Holders of a stripe lock (pin_key,
// expire_index) see a table that cannot change until they release it;
// expire_index checks, after locking a bucket, that the table is still the
// one it walks, and restarts on the new one otherwise (expire() is
// idempotent).  The memory: 4 bytes per bucket + a bit, at most 2 buckets
// per key after growth, plus the retired half until the epoch frees it.
//
// ---------------------------------------------------------------- GC pass
// A pass (the worker's, run_gc()) is expire_index then compact_index per
// slot; its cost follows the keys with work:
// * expire_index visits every key but tests each in O(1) without walking its
//   rows: KeyEntry::oldest_order is a lower bound on its rows' order values
//   (lowered by publish under the key lock, made exact by expire() under it;
//   remove() leaves it low, which is safe), so a key whose oldest row is at
//   or past the cutoff (its own, with the event clock) has no row the
//   absolute rule cuts; with a row rule, nrows <= ttl_rows means none to cut.
//   Keys left with no row and no pin are removed as before.  Exactness:
//   every key with a row expired under the rule is visited and cut as before.
// * compact_index visits the dirty keys only: publish and remove set
//   kKeyDirty (an atomic RMW on flags) and, when the flag was clear, the
//   key's bucket bit in the current table's dirty bitmap.  The pass swaps
//   each bitmap word to 0, walks the buckets whose bit was set, clears each
//   key's flag (RMW) and compacts the keys whose flag was set.  A publish
//   after the clear sets the flag and bit again (next pass); one before it
//   is seen by compact_key, which takes the key lock.  The flag RMW, the
//   table load after it (mark_dirty), the pass's table load and its flag
//   clear are seq_cst, and a resize sets every bit of the table it
//   publishes: a mark that lands in a replaced table's bitmap was set before
//   that table was replaced, so the pass over the new table finds the flag.
//   A key compact_key could not finish (memory short) is marked dirty
//   again.  The cleaner: when mark_victims marked segments since the slot's
//   last full scan (StoreHeader::victim_gen vs IndexSlot::victims_done), the
//   pass walks every key and compacts those whose segmask (bit segment % 32
//   over its rows in segments, recomputed by compact_key) meets the
//   victims' mask.  Runs per key are kept per key (KeyEntry::runs) and
//   summed into the slot's histogram when they change, so the statistics
//   cover every key without visiting it.
//
// ---------------------------------------------------------------- allocator
// Two kinds of memory share the heap.
//
// The class area (key entries, bucket arrays, catch-up records, rows as
// they are published) grows up from heap_start.  Every block has the size
// of its class (8..256 by 8, then four classes per power of two).  alloc:
// the class's free list, else the bump pointer (up to bump_limit, the
// lowest row segment taken), else split_larger (carve the block from the
// front of a free block of a larger class, the tail returns to the free
// lists as exact class-sized blocks), else coalesce(), else a free row
// segment borrowed whole as a class block (state kSegClass), else reclaim()
// (each followed by a retry).  A free block holds its free-list link in its
// first 4 bytes; coalesce() writes the block's size (8-byte units) into the
// next 4 (every block has >= 8 bytes).  coalesce() takes every class lock in
// ascending order, gathers all free blocks into one list, sorts it by
// address (merge sort of the linked list: no allocation), merges
// address-adjacent blocks, gives a merged run that ends at the bump pointer
// back to it (under bump_lock), gives every borrowed segment that a merged
// run covers whole back to the row segments, and re-files the rest as
// blocks of exact class sizes (greedy, largest class first).  It runs only
// when bytes were freed since the last pass (freed_total vs coalesce_mark),
// so a truly full region does not coalesce on every failed alloc.
//
// Row segments (kSegBytes each, aligned on the region's end) hold the runs
// that compaction writes.  Segment i covers [seg_base + i * kSegBytes, ...);
// those at or above seg_floor are taken (kSegRows, kSegFree or kSegClass),
// those below are not (kSegUntaken: never-used memory the class area may
// grow into).  take_segment: the free list, else the segment below the floor
// when the bump pointer is not above it (the floor and bump_limit move down
// under seg_lock + bump_lock).  A taken segment is filled by a bump cursor
// (run_lock) and counts its live bytes (SegInfo::live; kSegOpenBias is
// added while it is the open run segment).  A row in a segment is freed
// alone (free_row: the row's bytes come off live); whoever brings live to 0
// -- the last free of a sealed segment, or sealing an empty one -- releases
// the segment: onto the free list, or, at the floor, back to never-used
// memory (the floor rises over every free segment above it).  No free list
// of small blocks, no coalescing: a segment is recycled whole, so memory
// freed by TTL, deletes and replaced runs always becomes runs again.
// Cleaner: each compact_index pass marks sealed segments less than half
// live as victims (under seg_lock); compact_key moves every row it finds in
// a victim segment (beside the rows its own rules move), so such segments
// empty and are released once the moved rows are reclaimed.  Moving a
// victim's rows costs less than half a segment and frees a whole one, so
// the cleaner gains as long as it can get a segment: the class area leaves
// it seg_reserve bytes of never-used memory + free segments (bump_alloc and
// borrow_segment stop short of it).  Other compaction takes a segment only
// while compaction_room(): that reserve plus 1/8 of the heap for inserts
// (class free lists count) stays free; without room, compact_key moves the
// victims' rows only.
// used (bytes in live allocations) counts class blocks at their class size
// and rows in segments at their class size too; splitting, coalescing and
// borrowing leave it unchanged.
//
// ---------------------------------------------------------------- compaction
// compact_key moves a set M of a key's rows (a prefix, the whole chain,
// rows in victim segments; see compact_key) under the key lock: (1) each
// row of M is copied, in list order, into pieces of the open run segment,
// and the old node's limbo_next (0 on every linked node) records its copy;
// (2) each copy's links are set to the copies of their targets (or to the
// targets that stay); (3) the heads, then every row that stays, get each
// link that points into M replaced by a release store of the copy.  Links
// only point from newer to older rows, so when the walk of (3) reaches an
// old row of M nothing will point to it any more and it is retired (one by
// one, or as a chain when M is the whole chain).  Every version of a link
// leads to a node standing for the same row, so a reader sees the same list
// whichever mix of old and new links it follows; old nodes stay intact until
// the epoch protocol frees them.
//
// ---------------------------------------------------------------- reclamation
// Epoch-based: a reader stores the global epoch in its slot on entry and 0 on
// exit.  An unlinked node, chain or key is pushed (intrusively, no allocation)
// on the limbo list of the current epoch E (E % 3).  The epoch advances from E
// to E+1 only when every active reader has announced E; at that moment the
// limbo list of E-1 can have no reader left and is freed.  Advancing and
// pushing are serialised by limbo_lock.  A reader that dies clears its slot
// (the PostgreSQL layer does it in on_shmem_exit; a crash resets all memory).
// Entries nest (a depth count, owner-only).  An error raised inside a read
// section unwinds past its exit: the PostgreSQL layer clears the slot at the
// transaction's end and brings the depth back to its value at the start of a
// subtransaction that aborts (storage/xact_pg.cpp), so a caught error does
// not keep the epoch from advancing.
// A dropped index is marked kDropped with the epoch of its drop and freed
// whole once the epoch has advanced twice past it.
//
// ---------------------------------------------------------------- block summaries
// Pre-aggregation for long windows.  With Store::set_summaries on a slot,
// compact_key ends by giving the key a directory (KeyEntry::sums -> SumDir)
// of blocks: each block stands for sum_rows consecutive rows of the list,
// first (newest) .. last (oldest), with its row count, the first and last
// order values, and per summarised column the non-null count, exact sum
// (integers, 128-bit), min and max.  A reader's Cursor at a row that is a
// valid block's first may take the summary and continue at last's level-0
// successor (Cursor::block / skip) instead of reading the rows.
// Invariant: a block with valid set has exactly the rows first..last in
// the list, contiguous, and both are linked.  Every change of a key's rows
// runs under the key lock and clears valid (seq_cst) on the blocks it may
// touch before the list changes:
//   publish  -- blocks whose [min_order, max_order] holds the new order;
//   remove   -- blocks whose range holds the row's order;
//   expire   -- every block with min_order <= the first cut row's order;
//   compact_key -- blocks whose range holds the order of a moved row
//               (a moved first or last would leave the block pointing at a
//               retired node), before the copies are published.
// Superblocks (group consecutive blocks that were list-adjacent when built,
// summarised together) follow the same rules: a change clears valid on the
// superblocks whose [min_order, max_order] it may touch, as for blocks
// (the range covers the gaps between its blocks, so a row landing between
// two of them clears it too).
// compact_key then builds a new directory (the old one's valid blocks,
// copied, and new blocks over stretches of sum_rows uncovered rows), clears
// valid on every block of the old one and retires it through the epoch
// (limbo_dirs); a key's directory is freed with the key.  Readers: a
// reader that loads valid == 1 (seq_cst) loaded it before the writer's
// clear, hence before the unlink and retire that follow it, so last and
// its successor stay allocated for the reader's epoch; the block then
// stands for the rows as they were at that load (as any lock-free read of
// the list, concurrent changes are seen or not).  A reader at a node
// allocated after a block was invalidated, at the address of a freed first,
// loads valid == 0 (its release publish follows the clear).  TTL: readers
// cut expired rows themselves, so Cursor::block takes a block only when its
// last row (the oldest, at position pos + n - 1) is visible; expiry is
// monotone along the list, so then every row of it is.
// Per-value maps (conditional pre-aggregation, docs/DEPLOY.md "Long
// windows"): every block and superblock also holds, per summarised column
// j (a condition column), a map from each distinct non-null value v of j
// in its rows to the rows with j = v: their count and, per summarised
// column, the ColSum over them.  At most kCondMapMax values per column;
// a column with more (or whose entries would pass kCondBlockBytes of the
// entry's map bytes, columns in order) has no map in that entry
// (CondHdr::over = 1; readers needing it read the rows).  The maps live in
// the same directory after the blocks and superblocks (SumDir::cond_off:
// one CondHdr per (entry, column), then the CondEntry arrays, all as byte
// offsets from the directory, position-independent), are immutable once
// published and are valid exactly when their block is (same valid flag):
// no protocol beyond the block's.  Rows whose column is NULL are in no
// map entry (a condition on NULL is never true).
//
// ---------------------------------------------------------------- catch-up
// A load (after a restart) fills a slot from the table while writers go on;
// the PostgreSQL layer (storage/xact_pg.cpp) decides at each writer's
// pre-commit, per index, under the index's commit gate:
//   ready slot       -> the changes are published at commit (as always);
//   loading slot     -> catchup_reserve; at commit the changes are appended
//                       to the slot's queue (never applied directly);
//   no usable slot   -> the changes are skipped and the gate is held until
//                       the commit is visible to new snapshots.
// The loader creates the slot with loading set, waits once for the gate to
// be clear (a Dekker pair: gate_enter is a seq_cst RMW followed by the
// writer's read of the slot; the loader's slot creation is followed by a
// seq_cst fence and its read of the gate), takes its snapshot, fills the
// slot, then drains the queue with catchup_take / catchup_apply until a take
// finds it empty with no reservation left, which makes the slot ready under
// queue_lock.  So every change is in the snapshot (skipped writers committed
// before it), in the queue, or both (inserts: deduplicated by order + TID
// when applied; deletes of rows the snapshot did not see find nothing).
// Reservations pin the decision: the slot turns ready, or is dropped, only
// with no writer between reserve and append.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fe::core {

using Ref = uint32_t;  // offset / 8 from the region base; 0 = null
// The largest region a Ref addresses whole (Store::init uses no more).
constexpr uint64_t kMaxRegionBytes = (uint64_t(1) << 35) - 8;

constexpr int kMaxHeight = 12;

struct SpinLock {
    std::atomic<uint32_t> v{0};
    void lock() noexcept;
    void unlock() noexcept { v.store(0, std::memory_order_release); }
};

class SpinGuard {
public:
    explicit SpinGuard(SpinLock &l) noexcept : l_(l) { l_.lock(); }
    ~SpinGuard() { l_.unlock(); }
    SpinGuard(const SpinGuard &) = delete;
    SpinGuard &operator=(const SpinGuard &) = delete;

private:
    SpinLock &l_;
};

// ---------------------------------------------------------------- rows
// 28-byte header, the tower of `height` links, then the payload.
struct RowNode {
    int64_t order;        // order value in the index's native unit
    uint64_t seq_len;     // publish sequence << 16 | payload length
    uint32_t tid_block;   // heap TID (block)
    uint16_t tid_off;     // heap TID (offset)
    uint8_t height;
    uint8_t flags;        // kNodeChain: limbo entry frees the whole level-0 chain
    // Limbo list link once unlinked.  Its own field: a reader may still be
    // positioned on an unlinked row and read every other field (a limbo link
    // kept in tid_block showed those readers a garbage heap TID).
    Ref limbo_next;
    std::atomic<Ref> next[1];  // really next[height]

    uint64_t seq() const noexcept { return seq_len >> 16; }
    uint32_t payload_len() const noexcept { return uint32_t(seq_len & 0xffff); }
    const uint8_t *payload() const noexcept { return reinterpret_cast<const uint8_t *>(next + height); }
    uint8_t *payload() noexcept { return reinterpret_cast<uint8_t *>(next + height); }
    static size_t size_for(int height, uint32_t payload_len) noexcept
    {
        return (offsetof(RowNode, next) + sizeof(Ref) * height + payload_len + 7) & ~size_t(7);
    }
};
constexpr uint8_t kNodeChain = 1;
constexpr uint32_t kMaxPayload = 0xffff;

// ---------------------------------------------------------------- keys
// KeyEntry::flags (changed with atomic RMWs): kKeyDead, unlinked from its
// bucket chain by expire_index (set under the key lock and the bucket's
// stripe locks; the key is empty for good); kKeyDirty, rows changed since
// compact_key last looked at the key (header comment, "GC pass").
constexpr uint8_t kKeyDead = 1;
constexpr uint8_t kKeyDirty = 2;

struct KeyEntry {
    // Bucket chains: a bucket table of 2^L buckets links its keys through
    // chain[L & 1] (header comment, "resize").
    std::atomic<Ref> chain[2];
    uint32_t hash;
    SpinLock lock;                // serialises writers of this key
    uint16_t keylen;
    uint8_t flags;                // kKeyDead | kKeyDirty
    uint8_t top;                  // highest level in use (0..kMaxHeight-1)
    std::atomic<uint32_t> pins;   // pending publishers (keeps the key alive)
    std::atomic<int64_t> nrows;
    std::atomic<int64_t> newest_order;  // largest order value ever published (event clock)
    // <= the order value of every row of the key (INT64_MAX: none); exact
    // after each expire() that cut rows.  Lets the GC pass skip a key whose
    // oldest row is not expired without walking its rows.
    std::atomic<int64_t> oldest_order;
    // Superset of bit (segment index % 32) over the rows in row segments
    // (recomputed by compact_key): the cleaner visits only keys whose mask
    // meets the victims'.
    std::atomic<uint32_t> segmask;
    uint32_t runs;                // runs at the last compact_key (key lock; monitoring)
    Ref limbo_next;
    // Block summaries of the key's rows (SumDir; 0: none), replaced by
    // compact_key, blocks invalidated by writers (header comment,
    // "block summaries").
    std::atomic<Ref> sums;
    std::atomic<Ref> head[kMaxHeight];
    uint8_t key[1];               // really key[keylen]

    bool dead() const noexcept { return __atomic_load_n(&flags, __ATOMIC_ACQUIRE) & kKeyDead; }

    static size_t size_for(uint32_t keylen) noexcept
    {
        return (offsetof(KeyEntry, key) + keylen + 7) & ~size_t(7);
    }
};

// ---------------------------------------------------------------- TTL
enum class TtlType : uint32_t { kNone = 0, kAbsolute, kLatest, kAbsOrLat, kAbsAndLat };

struct TtlRule {
    TtlType type = TtlType::kNone;
    bool event_clock = false;
    int64_t abs_ttl = 0;      // in order units (> 0 when the type has an absolute part)
    int64_t wall_cutoff = 0;  // wall clock "now - ttl" in order units (wall clock only)
    int64_t rows = 0;         // ttl_rows (> 0 when the type has a row part)
    // Event clock: a row published with an order value past this (the wall
    // clock plus one day, in order units) does not advance its key's clock,
    // so one future-dated row cannot expire the key's history.
    int64_t clock_ceiling = INT64_MAX;

    bool has_abs() const { return type == TtlType::kAbsolute || type == TtlType::kAbsOrLat || type == TtlType::kAbsAndLat; }
    bool has_rows() const { return type == TtlType::kLatest || type == TtlType::kAbsOrLat || type == TtlType::kAbsAndLat; }
    // Cutoff for one key: rows with order < cutoff are past the absolute limit.
    int64_t cutoff_for(const KeyEntry *k) const
    {
        if (!has_abs())
            return INT64_MIN;
        if (event_clock) {
            int64_t newest = k->newest_order.load(std::memory_order_acquire);
            int64_t c;
            // Saturate: newest - abs_ttl overflows for order values near
            // INT64_MIN (e.g. -infinity timestamps).
            if (newest == INT64_MIN || __builtin_sub_overflow(newest, abs_ttl, &c))
                return INT64_MIN;
            return c;
        }
        return wall_cutoff;
    }
    // Is the row at 0-based position pos with order value o expired?
    bool expired(int64_t pos, int64_t o, int64_t cutoff) const
    {
        switch (type) {
        case TtlType::kNone: return false;
        case TtlType::kAbsolute: return o < cutoff;
        case TtlType::kLatest: return pos >= rows;
        case TtlType::kAbsOrLat: return o < cutoff || pos >= rows;
        case TtlType::kAbsAndLat: return o < cutoff && pos >= rows;
        }
        return false;
    }
};

// ---------------------------------------------------------------- block summaries
// Pre-aggregation (header comment, "block summaries").  The PostgreSQL
// layer describes the fixed-width numeric payload columns to summarise
// (Store::set_summaries); the core reads them by offset, knowing no type.
constexpr int kMaxSumCols = 16;
// kSumF32: a float4 column, summarised as its values widened to float8
// (exact): ColSum as kSumF64's.
enum SumKind : uint8_t { kSumNone = 0, kSumI16, kSumI32, kSumI64, kSumF64, kSumText, kSumF32 };
inline bool sum_is_float(uint8_t kind) { return kind == kSumF64 || kind == kSumF32; }
struct SumCol {
    uint16_t null_bit;  // bit of the payload's null bitmap (byte bit/8, bit bit%8)
    uint16_t off;       // byte offset of the value in the payload (kSumText: of the variable section)
    uint8_t kind;       // SumKind
    // kSumText: pad_[0] = the variable-length columns stored before it (at
    // most 2; each a uint16 length + bytes unless NULL), pad_[1..2] their
    // null bits.
    uint8_t pad_[3];
};
// A kSumText column's bytes in payload p of len bytes: 1 (value at *data,
// *n bytes), 0 (NULL), -1 (the payload does not hold it).
inline int text_value(const SumCol &sc, const uint8_t *p, uint32_t len, const uint8_t **data, uint32_t *n)
{
    if (uint32_t(sc.null_bit / 8) >= len)
        return -1;
    uint32_t at = sc.off;
    for (int q = 0; q < sc.pad_[0] && q < 2; q++) {
        uint8_t nb = sc.pad_[1 + q];
        if (uint32_t(nb / 8) >= len)
            return -1;
        if (p[nb / 8] & (1 << (nb % 8)))
            continue;
        if (at + 2 > len)
            return -1;
        uint16_t l;
        memcpy(&l, p + at, 2);
        at += 2u + l;
    }
    if (p[sc.null_bit / 8] & (1 << (sc.null_bit % 8)))
        return 0;
    if (at + 2 > len)
        return -1;
    uint16_t l;
    memcpy(&l, p + at, 2);
    if (at + 2u + l > len)
        return -1;
    *data = p + at + 2;
    *n = l;
    return 1;
}
// The 64-bit hash keying a text column's per-value maps (FNV-1a, then a
// final mix).  Equal bytes, equal hashes; different bytes may collide: the
// maps keep a representative row per entry, and both the GC pass (two
// values of one hash in an entry: no map) and readers (the condition's
// constant against the representative) compare the bytes.  A function
// pointer so that unit tests can force collisions (process-local).
inline uint64_t text_hash_fnv(const uint8_t *d, uint32_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ d[i]) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}
extern uint64_t (*text_hash)(const uint8_t *d, uint32_t n);
// One column over one block.  Integers: count of non-null values, exact
// 128-bit sum (two words: shared memory is only 8-byte aligned), min, max.
// Floats: min / max as PostgreSQL orders float8 (NaN above everything; of
// -0 and +0 the first met in list order, newest first), the sum as a double
// accumulated in list order (not what PostgreSQL's executor would round);
// sum_hi = kFsumExact when that double is the exact sum of the values (no
// addition rounded, every value and partial sum finite), else 0.
constexpr int64_t kFsumExact = 1;
struct ColSum {
    int64_t count;
    int64_t min, max;     // kSumF64: the doubles' bits
    uint64_t sum_lo;      // kSumF64: the double sum's bits
    int64_t sum_hi;       // kSumF64 / kSumF32: kFsumExact or 0
    __int128 sum() const { return __int128((unsigned __int128)uint64_t(sum_hi) << 64 | sum_lo); }
    double fsum() const { double d; memcpy(&d, &sum_lo, 8); return d; }
    double fmin() const { double d; memcpy(&d, &min, 8); return d; }
    double fmax() const { double d; memcpy(&d, &max, 8); return d; }
};
// A block: n consecutive rows of a key, first (newest) .. last (oldest),
// then ncols ColSums.  Immutable once its directory is published, but for
// valid, cleared (never set again) by a writer whose change touches it.
struct BlockSum {
    std::atomic<uint32_t> valid;
    uint32_t n;
    Ref first, last;
    int64_t max_order, min_order;  // first's and last's order values
    const ColSum *cols() const { return reinterpret_cast<const ColSum *>(this + 1); }
    ColSum *cols() { return reinterpret_cast<ColSum *>(this + 1); }
    static size_t size_for(uint32_t ncols) { return sizeof(BlockSum) + sizeof(ColSum) * ncols; }
};
static_assert(sizeof(BlockSum) == 32, "BlockSum layout");
static_assert(sizeof(ColSum) == 40, "ColSum layout");
// Per-value maps (header comment, "block summaries"): per (entry, column)
// a CondHdr; its n CondEntry (value ascending) at byte offset off from the
// directory, each followed by the directory's ncols ColSums.
constexpr uint32_t kCondMapMax = 8;        // distinct values per column per entry
constexpr uint32_t kCondBlockBytes = 2048;  // CondEntry bytes per entry (block or superblock)
// A condition `column <op> k` over an integer column (docs/DEPLOY.md, "Long
// windows"): a map entry's value satisfies it or not (NULLs are in no entry).
enum CondOp : uint8_t { kCondTrue = 0, kCondEq, kCondNe, kCondLt, kCondLe, kCondGt, kCondGe };
inline bool cond_holds(uint8_t op, int64_t v, int64_t k)
{
    switch (op) {
    case kCondEq: return v == k;
    case kCondNe: return v != k;
    case kCondLt: return v < k;
    case kCondLe: return v <= k;
    case kCondGt: return v > k;
    case kCondGe: return v >= k;
    default: return op == kCondTrue;
    }
}
struct CondHdr {
    uint32_t off;
    uint16_t n;
    uint16_t over;  // 1: more values than the bound (no map)
};
static_assert(sizeof(CondHdr) == 8, "CondHdr layout");
// A text column's map entries: value = text_hash of the bytes; in the
// entry's own ColSum of that column (which holds no sum), min = the Ref of
// a representative row of the entry (one of its rows, inside the block or
// superblock: allocated while the block is valid), max = its byte length,
// and for values of at most kTextInline bytes the bytes themselves in
// sum_lo / sum_hi (zero-padded).
constexpr uint32_t kTextInline = 16;
static_assert(offsetof(ColSum, sum_hi) == offsetof(ColSum, sum_lo) + 8, "ColSum: 16 inline bytes");
// Does a text map entry (its column's ColSum t, in directory d's store)
// hold exactly the bytes v[0..n)?  The inline bytes when short, else the
// caller reads the representative row (text_entry_long).
inline bool text_entry_short_eq(const ColSum &t, const char *v, uint32_t n, bool *decided)
{
    *decided = uint64_t(t.max) <= kTextInline || uint64_t(t.max) != n;
    if (uint64_t(t.max) != n)
        return false;
    return uint64_t(t.max) <= kTextInline && memcmp(&t.sum_lo, v, n) == 0;
}
struct CondEntry {
    int64_t value;
    int64_t rows;  // rows with the column = value
    const ColSum *cols() const { return reinterpret_cast<const ColSum *>(this + 1); }
    ColSum *cols() { return reinterpret_cast<ColSum *>(this + 1); }
    static size_t size_for(uint32_t ncols) { return sizeof(CondEntry) + sizeof(ColSum) * ncols; }
};
static_assert(sizeof(CondEntry) == 16, "CondEntry layout");
// A key's directory of blocks, newest first (list order), then its
// superblocks (superblock s stands for blocks s*group .. s*group+group-1
// together, when they were list-adjacent and valid at build time; same
// layout as a block); retired whole through the epoch when compact_key
// replaces it.
struct SumDir {
    Ref limbo_next;
    uint32_t bytes;
    uint32_t nblocks;
    uint16_t ncols;
    uint16_t block_bytes;
    uint32_t nsupers;
    uint32_t group;         // blocks per superblock
    uint32_t nconds;        // columns with per-value maps (the first nconds summarised ones; 0: none)
    uint32_t cond_off;      // byte offset of the CondHdr array ((nblocks + nsupers) * nconds)
    uint32_t index_of(const BlockSum *b) const
    {
        return uint32_t((reinterpret_cast<const uint8_t *>(b) - reinterpret_cast<const uint8_t *>(this + 1)) /
                        block_bytes);
    }
    const CondHdr *cond(uint32_t entry, uint32_t j) const
    {
        return reinterpret_cast<const CondHdr *>(reinterpret_cast<const uint8_t *>(this) + cond_off) +
               size_t(entry) * nconds + j;
    }
    CondHdr *cond(uint32_t entry, uint32_t j)
    {
        return reinterpret_cast<CondHdr *>(reinterpret_cast<uint8_t *>(this) + cond_off) + size_t(entry) * nconds + j;
    }
    const CondEntry *cond_entry(const CondHdr *h, uint32_t i) const
    {
        return reinterpret_cast<const CondEntry *>(reinterpret_cast<const uint8_t *>(this) + h->off +
                                                   size_t(i) * CondEntry::size_for(ncols));
    }
    // The map of column j in the entry of b: nullptr when it overflowed.
    const CondHdr *map_of(const BlockSum *b, uint32_t j) const
    {
        if (j >= nconds)
            return nullptr;
        const CondHdr *h = cond(index_of(b), j);
        return h->over ? nullptr : h;
    }
    const BlockSum *super(uint32_t i) const { return block(nblocks + i); }
    BlockSum *super(uint32_t i) { return block(nblocks + i); }
    const BlockSum *block(uint32_t i) const
    {
        return reinterpret_cast<const BlockSum *>(reinterpret_cast<const uint8_t *>(this + 1) + size_t(i) * block_bytes);
    }
    BlockSum *block(uint32_t i)
    {
        return reinterpret_cast<BlockSum *>(reinterpret_cast<uint8_t *>(this + 1) + size_t(i) * block_bytes);
    }
    static size_t size_for(uint32_t nentries, uint32_t ncols)
    {
        return sizeof(SumDir) + size_t(nentries) * BlockSum::size_for(ncols);
    }
};
static_assert(sizeof(SumDir) == 32, "SumDir layout");

// ---------------------------------------------------------------- indexes
// kSlotFailed: a marker without memory for an index whose load failed
// (the PostgreSQL layer refuses inserts into its table until a load works).
enum SlotState : uint32_t { kSlotFree = 0, kSlotBuilding, kSlotReady, kSlotDropped, kSlotFailed };
// A slot that stands for an index (dropped with it).
inline bool slot_in_use(uint32_t state)
{
    return state == kSlotBuilding || state == kSlotReady || state == kSlotFailed;
}

struct SlotId {
    uint32_t db = 0, index = 0, relfilenode = 0;
    bool operator==(const SlotId &o) const { return db == o.db && index == o.index && relfilenode == o.relfilenode; }
};

constexpr int kStripes = 64;
constexpr uint32_t kMaxBucketsLog2 = 24;  // the reloption's upper bound, and growth's
constexpr int kRunsHist = 64;              // runs per key histogram (the last counts 63 and more)

// A bucket table as IndexSlot::table holds it: (log2 of the bucket count)
// << 32 | Ref of the array.  The array: nbuckets Refs, then the dirty
// bitmap (one bit per bucket, at least one 64-bit word; "GC pass").
struct BucketTable {
    Ref buckets = 0;
    uint32_t log2 = 0;
    uint32_t n() const { return uint32_t(1) << log2; }
    int link() const { return int(log2 & 1); }
    static BucketTable of(uint64_t w) { return BucketTable{Ref(w), uint32_t(w >> 32)}; }
    uint64_t word() const { return uint64_t(log2) << 32 | buckets; }
};

struct IndexSlot {
    std::atomic<uint32_t> state;
    SlotId id;
    uint32_t heap;                 // table oid (for monitoring)
    uint32_t order_kind;           // opaque to the core (PostgreSQL layer's order type)
    std::atomic<uint64_t> generation;  // bumped at every (re)use of the slot
    uint64_t drop_epoch;
    // The bucket table: readers take `table` (one acquire load: array and
    // size together); buckets / nbuckets repeat it for holders of a stripe
    // lock and for monitoring.  Replaced, twice the size, by grow_table
    // (header comment, "resize").
    std::atomic<uint64_t> table;
    Ref buckets;
    uint32_t nbuckets;             // power of two
    SpinLock stripes[kStripes];
    // The table replaced by the last resize, until the epoch frees it (under
    // limbo_lock; 0: none).  No resize while it is there.
    Ref old_buckets;
    uint32_t old_nbuckets;
    uint64_t old_epoch;
    std::atomic<uint32_t> resizing;        // one grow_table at a time
    std::atomic<int64_t> grow_retry_keys;  // after a failed grow: not before this many keys
    std::atomic<int64_t> resizes;          // monitoring
    // GC pass: one expire_index at a time per slot; victim generation the
    // last full cleaner scan covered; runs per key (kRunsHist buckets).
    SpinLock gc_lock;
    std::atomic<uint64_t> victims_done;
    std::atomic<int64_t> runs_hist[kRunsHist];
    std::atomic<int64_t> runs_big;         // the largest runs count of keys in the last bucket
    // TTL settings (written by the PostgreSQL layer when options change).
    std::atomic<uint32_t> ttl_type;
    std::atomic<uint32_t> ttl_event_clock;
    std::atomic<int64_t> ttl_abs;
    std::atomic<int64_t> ttl_rows;
    // Block summaries (Store::set_summaries before the slot gets rows):
    // rows per block (0: none built), the columns summarised; blocks and
    // directory bytes held now (monitoring).
    uint32_t sum_rows;
    uint32_t sum_group;            // blocks per superblock (0: none)
    uint32_t sum_ncols;
    SumCol sum_cols[kMaxSumCols];
    std::atomic<int64_t> sum_blocks, sum_bytes;
    // Statistics.
    std::atomic<int64_t> keys, rows, bytes, expired;
    std::atomic<int64_t> last_gc;  // caller's time unit; 0 = never
    // Run boundaries per key after the last compact_index pass (monitoring):
    // keys with rows, sum of their runs, the largest number of runs.
    std::atomic<int64_t> runs_keys, runs_total, runs_max;
    uint32_t builder_pid;
    // Catch-up queue of a load that runs beside writers (see "catch-up"
    // in the header comment).  All fields under queue_lock, which
    // create_slot never resets (a writer of an older use of the slot may
    // still take it; it then sees another generation).
    SpinLock queue_lock;
    uint32_t loading;              // writers queue their changes (kCatchupOpen/kCatchupClosing)
    uint32_t queue_writers;        // writers between catchup_reserve and append/release
    Ref queue_head, queue_tail;    // CatchupOp FIFO
    std::atomic<int64_t> queued;   // operations ever queued (monitoring)
};

// One change queued for an index being loaded: an insert (its node, allocated
// by the writer) or a delete (order + TID); both carry the key.
struct CatchupOp {
    Ref next;
    uint32_t insert;
    Ref node;                      // insert
    uint32_t tid_block;            // delete
    int64_t order;                 // delete
    uint16_t tid_off;              // delete
    uint16_t key_len;
    uint32_t hash;
    uint8_t key[1];                // really key[key_len]
    static size_t size_for(uint32_t keylen) noexcept
    {
        return (offsetof(CatchupOp, key) + keylen + 7) & ~size_t(7);
    }
};

// Commit gates (see "catch-up"): a writer that finds no slot to take its
// changes holds the gate of the index from its pre-commit until its commit is
// visible; a load waits for the gate to be clear once after its slot exists.
constexpr uint32_t kCommitGates = 4096;
constexpr uint32_t kCatchupOpen = 1, kCatchupClosing = 2;  // IndexSlot::loading

// ---------------------------------------------------------------- allocator
constexpr int kNumClasses = 104;

// Row segments (header comment, "allocator").
constexpr uint32_t kSegShift = 16;
constexpr uint64_t kSegBytes = uint64_t(1) << kSegShift;  // 64 KiB
constexpr size_t kSegMaxNode = kSegBytes / 4;              // larger rows are never moved
constexpr int64_t kSegOpenBias = int64_t(1) << 40;        // live while the open run segment
enum SegState : uint32_t { kSegUntaken = 0, kSegFree, kSegRows, kSegClass };

struct SegInfo {
    std::atomic<int64_t> live;     // bytes of rows handed out and not freed (+ kSegOpenBias while open)
    std::atomic<uint32_t> state;   // SegState (changed under seg_lock)
    std::atomic<uint32_t> victim;  // the cleaner moves its rows out (under seg_lock)
    uint32_t prev, next;           // free list: index + 1, 0 = none (under seg_lock)
};

struct StoreHeader {
    uint64_t magic;
    uint64_t region_size;
    std::atomic<uint64_t> bump;    // byte offset of the first never-used byte
    std::atomic<uint64_t> used;    // bytes in live allocations (size-class rounded)
    uint64_t heap_start;
    SpinLock class_lock[kNumClasses];
    Ref free_head[kNumClasses];
    std::atomic<uint64_t> freed_total;    // bytes ever put on the free lists by free() (under a class lock)
    std::atomic<uint64_t> coalesce_mark;  // freed_total at the last coalesce() pass
    std::atomic<uint64_t> listed;         // bytes on the class free lists
    SpinLock bump_lock;                   // bump moves and bump_limit going down
    std::atomic<uint64_t> bump_limit;     // the class area ends here: start of segment seg_floor
    // row segments
    uint64_t seg_base;             // byte offset of segment 0
    uint32_t nsegs;
    Ref segs;                      // SegInfo[nsegs]
    SpinLock seg_lock;
    uint32_t seg_floor;            // lowest taken segment (nsegs: none taken)
    uint32_t seg_free_head;        // index + 1 (0: none)
    std::atomic<uint32_t> seg_free_count;
    uint64_t seg_reserve;          // bytes of never-used memory + free segments the class area leaves to the cleaner
    SpinLock run_lock;             // the open run segment:
    uint32_t run_seg;              //   index + 1 (0: none)
    std::atomic<uint64_t> run_pos; //   byte offset of its first unused byte
    std::atomic<uint64_t> moved_bytes;  // bytes ever copied by compaction (monitoring)
    // directory
    SpinLock dir_lock;
    uint32_t max_slots;
    Ref slots;
    // epochs
    std::atomic<uint64_t> epoch;
    uint32_t nreaders;
    Ref readers;                   // ReaderSlot[nreaders]
    SpinLock limbo_lock;
    Ref limbo_nodes[3];
    Ref limbo_keys[3];
    Ref limbo_dirs[3];             // SumDir, linked by SumDir::limbo_next
    std::atomic<int64_t> limbo_bytes;
    std::atomic<uint64_t> seq;     // publish sequence
    std::atomic<uint32_t> gates[kCommitGates];
    // Cleaner: bumped by mark_victims whenever it marks a segment; the
    // victims' segment bits (index % 32), as KeyEntry::segmask.
    std::atomic<uint64_t> victim_gen;
    std::atomic<uint32_t> victim_mask;
};

struct ReaderSlot {
    std::atomic<uint64_t> epoch;   // 0 = not reading
    uint64_t depth;                // nesting, touched only by the owner
};

struct MemoryUsage {
    uint64_t region_bytes, heap_bytes, used_bytes, free_bytes, limbo_bytes;
    uint32_t indexes;
    // Where free_bytes is: free_bytes = never_used_bytes + free_list_bytes +
    // free_segment_bytes + segment_open_bytes + segment_dead_bytes.
    uint64_t never_used_bytes;    // between the class area's bump pointer and the lowest row segment
    uint64_t free_list_bytes;     // class free lists (free_list_by_class: per class, same order)
    uint64_t free_segment_bytes;  // whole free row segments
    uint64_t segment_bytes;       // row segments holding runs (kSegRows)
    uint64_t segment_live_bytes;  // live rows in them
    uint64_t segment_open_bytes;  // not handed out yet in the open run segment
    uint64_t segment_dead_bytes;  // neither live nor reusable until the cleaner empties the segment
    uint32_t segments, segments_free, segments_victim;
    // Runs per key after the last compaction pass, over every ready index.
    int64_t runs_keys, runs_total, runs_max;
};

// A reader's view of one row.
struct RowView {
    int64_t order;
    uint64_t seq;
    const uint8_t *payload;
    uint32_t payload_len;
    uint32_t tid_block;
    uint16_t tid_off;
};

class Store {
public:
    // Size needed for a region of `bytes` usable bytes with these limits.
    static size_t region_size(size_t bytes) { return bytes; }
    // Lay out a fresh region (memory must be zero or garbage; it is cleared).
    static Store init(void *base, size_t bytes, uint32_t max_slots, uint32_t nreaders);
    // Attach to an initialised region.
    static Store attach(void *base) { return Store(static_cast<uint8_t *>(base)); }

    Store() = default;
    bool valid() const { return base_ != nullptr; }
    StoreHeader *hdr() const { return reinterpret_cast<StoreHeader *>(base_); }

    template <typename T>
    T *at(Ref r) const { return r ? reinterpret_cast<T *>(base_ + (uint64_t(r) << 3)) : nullptr; }
    Ref ref_of(const void *p) const { return Ref((static_cast<const uint8_t *>(p) - base_) >> 3); }

    // ---- allocator: returns 0 when the region is full (after trying to reclaim).
    Ref alloc(size_t bytes);
    // Class-c block carved from the front of a free block of a larger class
    // (the rest returns to the free lists); 0 if no larger block is free.
    Ref split_larger(int c);
    void free(Ref r, size_t bytes);
    // Free a row node of node_size bytes wherever it lives (a row segment or
    // the class area).
    void free_row(Ref r, size_t bytes);
    // Is r inside a row segment (a compaction run)?
    bool in_segment(Ref r) const;
    // Does row r (linked after prev) continue prev's run: right after it, or
    // at the start of a segment when prev ended the one before for lack of
    // room (one run spread over two pieces)?
    bool run_continues(Ref prev, Ref r) const;
    // Mark sealed row segments less than half live as victims (done by
    // compact_index); returns how many segments are victims now.  *gen /
    // *mask, if given: hdr()->victim_gen and victim_mask after it.
    uint32_t mark_victims(uint64_t *gen = nullptr, uint32_t *mask = nullptr);
    // Bytes on each class's free list (walks them under the class locks; for
    // monitoring).  out[kNumClasses].
    void free_list_by_class(uint64_t *out) const;
    // Merge address-adjacent free blocks of all classes, give a merged run
    // at the end of the used heap back to the bump pointer and re-file the
    // rest in exact class sizes (see the header comment).  Called by alloc
    // before it gives up.  Runs only if bytes were freed since the last pass
    // (or force); returns whether a pass ran.
    bool coalesce(bool force = false);
    static size_t class_size(size_t bytes);
    MemoryUsage usage() const;

    // ---- epochs
    void reader_enter(uint32_t reader) const;
    void reader_exit(uint32_t reader) const;
    // Try to advance the epoch and free what became unreachable; returns bytes freed.
    uint64_t reclaim();

    // ---- directory
    IndexSlot *slot(uint32_t i) const { return at<IndexSlot>(hdr()->slots) + i; }
    uint32_t max_slots() const { return hdr()->max_slots; }
    // Find a slot in any state but free; nullptr if none.
    IndexSlot *find_slot(const SlotId &id) const;
    // Create a slot in state kSlotBuilding (replacing none); nullptr when the
    // directory or memory is full.  nbuckets is rounded up to a power of two.
    // loading: writers queue their changes (catch-up) until catchup_take
    // makes the slot ready.
    IndexSlot *create_slot(const SlotId &id, uint32_t heap, uint32_t nbuckets, uint32_t order_kind,
                           bool loading = false);
    // A kSlotFailed marker for id recording the bytes the failed load had
    // used (nullptr when the directory is full or id has a slot in use).
    IndexSlot *mark_failed(const SlotId &id, uint32_t heap, int64_t needed_bytes);
    // Mark dropped (memory freed later by reclaim()); nothing when the slot
    // is not in use (dropped twice).  A loading slot first
    // stops taking reservations and waits for reserved writers to append or
    // release, and its queue is freed.
    void drop_slot(IndexSlot *s);

    // ---- catch-up: a load beside writers (header comment)
    // Per (database, index): databases copied from one template share index OIDs.
    static uint32_t gate_of(uint32_t db, uint32_t index)
    {
        return uint32_t(((uint64_t(db) << 32 | index) * 0x9E3779B97F4A7C15ull) >> 40) % kCommitGates;
    }
    void gate_enter(uint32_t gate);   // full fence after
    void gate_exit(uint32_t gate) { hdr()->gates[gate].fetch_sub(1, std::memory_order_seq_cst); }
    bool gate_clear(uint32_t gate) const;  // full fence before
    // Writer at pre-commit: kReserved when the slot is loading (the writer
    // must then queue every change to it with catchup_append, or
    // catchup_release at abort); kClosing when the loader is finishing (the
    // writer waits until the slot is ready: a bounded wait, for writers
    // already between pre-commit and commit); kNotLoading otherwise.
    enum Reserve { kReserved, kClosing, kNotLoading };
    Reserve catchup_reserve(IndexSlot *s, uint64_t generation);
    // Loader, after a first drain: no new reservations (see kClosing), so
    // steady writers cannot keep the load from finishing.
    void catchup_close(IndexSlot *s);
    // An operation record for catchup_append; 0 when memory is full.  An
    // insert's node goes with it (freed with the record if never applied).
    Ref alloc_catchup(bool insert, Ref node, int64_t order, uint32_t tid_block, uint16_t tid_off, uint32_t hash,
                      const uint8_t *key, uint32_t key_len);
    // Writer at commit (never fails): queue the chain head..tail (linked by
    // CatchupOp::next; head 0: none) and end the reservation; freed instead
    // when the slot was dropped or reused meanwhile.
    void catchup_append(IndexSlot *s, uint64_t generation, Ref head, Ref tail);
    // Writer at abort after catchup_reserve.
    void catchup_release(IndexSlot *s, uint64_t generation);
    // Loader: the queued operations (oldest first, taken off the queue), or
    // 0.  When nothing is queued and no writer holds a reservation, the slot
    // turns kSlotReady and *ready is set.  *gone: the slot is no longer a
    // loading one (dropped meanwhile).
    Ref catchup_take(IndexSlot *s, bool *ready, bool *gone = nullptr);
    // Apply taken operations in order (an insert whose row, same order and
    // TID, is already there is dropped: the load read it from the table),
    // freeing them.  False when memory ran out (the rest is freed).
    bool catchup_apply(IndexSlot *s, Ref list, const TtlRule &rule);
    void free_catchup(Ref list);
    // Link the chain first..last (CatchupOp::next) after *tail (the list
    // *head..*tail, empty when *tail is 0); the caller holds whatever guards
    // the list.
    void chain_catchup(Ref *head, Ref *tail, Ref first, Ref last)
    {
        if (*tail)
            at<CatchupOp>(*tail)->next = first;
        else
            *head = first;
        *tail = last;
    }

    // ---- keys
    static uint32_t hash_key(const uint8_t *key, uint32_t len);
    KeyEntry *find_key(const IndexSlot *s, uint32_t hash, const uint8_t *key, uint32_t len) const;
    // Find or create; pins the key (unpin_key when published or abandoned).
    // A pinned key is never removed.  Needs no epoch (the lookup runs under
    // the key's stripe lock).  Returns nullptr when memory is full.
    KeyEntry *pin_key(IndexSlot *s, uint32_t hash, const uint8_t *key, uint32_t len);
    void unpin_key(KeyEntry *k) { k->pins.fetch_sub(1, std::memory_order_acq_rel); }
    // Double the slot's bucket table when it holds more keys than buckets
    // (pin_key calls it after creating a key; header comment, "resize").
    // False when nothing was done: not needed, another thread resizing, the
    // previous table not yet reclaimed, or no memory.  After a failure it
    // tries again only 1/16 more keys later, unless now (the GC pass).
    bool grow_table(IndexSlot *s, bool now = false);
    BucketTable table_of(const IndexSlot *s) const
    {
        return BucketTable::of(s->table.load(std::memory_order_acquire));
    }
    // Bytes of a bucket array of n buckets (Refs + dirty bitmap).
    static size_t bucket_bytes(uint32_t n) { return sizeof(Ref) * n + 8 * ((n + 63) / 64); }

    // ---- rows
    // Allocate an unlinked node with room for the payload; 0 when full.
    Ref alloc_node(uint32_t payload_len, int64_t order, uint32_t tid_block, uint16_t tid_off);
    void free_node(Ref node);
    // Link a node (allocated by alloc_node) under key k, assigning its sequence.
    // Never fails.  Applies the slot's row-count TTL at once (latest/absorlat).
    // unique: a row with the same order and TID already there wins; returns
    // false and leaves the node unlinked (the caller frees it).
    bool publish(IndexSlot *s, KeyEntry *k, Ref node, const TtlRule &rule, bool unique = false);
    // Unlink the row (order, tid) from key k; returns false if not present.
    bool remove(IndexSlot *s, KeyEntry *k, int64_t order, uint32_t tid_block, uint16_t tid_off);
    // Cut rows expired under `rule` from key k; returns rows cut.
    int64_t expire(IndexSlot *s, KeyEntry *k, const TtlRule &rule);
    // Expire across a whole index (GC pass); returns rows cut.  Also removes
    // every key left with no row and no pin (whatever the rule, kNone
    // included: keys emptied by remove() go here), see the header comment.
    // Keys without work are skipped in O(1) ("GC pass").
    int64_t expire_index(IndexSlot *s, const TtlRule &rule);
    // Copy key k's rows, or its newest ones, into a run of row segments
    // (newest first), so that reading a window walks sequential memory; the
    // old nodes are retired (header comment, "compaction").  The whole chain
    // when a quarter of its rows are scattered (or force), else the newest
    // runs while they are short next to what is newer (the rule at its
    // definition); and, whatever the key's length, every row in a victim
    // segment.  Each node keeps its own class-sized slot inside the run, so
    // it can later be freed alone.  Returns false when nothing was moved (too
    // short, contiguous enough, or memory short).  runs, if given, gets the
    // key's number of runs afterwards.
    bool compact_key(IndexSlot *s, KeyEntry *k, bool force = false, int64_t *runs = nullptr,
                     bool *deferred = nullptr);
    // Block summaries for slot s: rows per block (0: off) and the columns
    // (at most kMaxSumCols).  Called once, before the slot gets rows; the
    // directories are (re)built by compact_key (header comment, "block
    // summaries").
    void set_summaries(IndexSlot *s, uint32_t rows_per_block, const SumCol *cols, uint32_t ncols,
                       uint32_t blocks_per_super = 64);
    // mark_victims, then compact_key over the dirty keys, those with rows in
    // new victim segments, or (force) every key (header comment, "GC pass");
    // records the runs per key in the slot; returns keys compacted.  Inside
    // an epoch when expire_index or a resize may run concurrently.
    int64_t compact_index(IndexSlot *s, bool force = false);
    // Visit every key of the index (readers must be inside an epoch).
    template <typename F>
    void for_each_key(const IndexSlot *s, F &&f) const
    {
        BucketTable t = table_of(s);
        const std::atomic<Ref> *b = at<std::atomic<Ref>>(t.buckets);
        int l = t.link();
        for (uint32_t i = 0; i < t.n(); i++)
            for (Ref r = b[i].load(std::memory_order_acquire); r;) {
                const KeyEntry *k = at<KeyEntry>(r);
                f(k);
                r = k->chain[l].load(std::memory_order_acquire);
            }
    }

    // ---- reading: newest-first iteration from the first row with order <= upto.
    class Cursor {
    public:
        Cursor() = default;
        // Position on the newest visible row with order <= upto.
        void seek(const Store &st, const KeyEntry *k, int64_t upto, const TtlRule &rule);
        bool valid() const { return cur_ != nullptr; }
        RowView row() const
        {
            return RowView{cur_->order, cur_->seq(), cur_->payload(), cur_->payload_len(), cur_->tid_block, cur_->tid_off};
        }
        const RowNode *node() const { return cur_; }
        void next()  // inline: the hot loop of every request
        {
            cur_ = st_->at<RowNode>(cur_->next[0].load(std::memory_order_acquire));
            pos_++;
            if (rule_.type != TtlType::kNone)
                check_ttl();
        }
        // A walk of next() steps in a loop that keeps its state in registers:
        // f(row node) is called on the current row; true steps to the next
        // row, false stops there (the row stays current).  Rows of a
        // compacted run lie at ascending addresses in walk order with ~equal
        // sizes: the next row is guessed at the last gap past this one and
        // the guess taken when the link confirms it, so the CPU loads row
        // i+1 before row i's link arrives (a branch, not a data dependency:
        // no longer one cache latency per row).  The rows are always the
        // linked ones, checked against the TTL rule as next() does.
        template <class F>
        void walk(F &&f)
        {
            const RowNode *cur = cur_;
            int64_t pos = pos_;
            intptr_t stride = 0;
            const uint8_t *base = st_->base_;
            const TtlRule rule = rule_;
            const int64_t cutoff = cutoff_;
            while (cur && f(cur)) {
                const RowNode *guess = reinterpret_cast<const RowNode *>(reinterpret_cast<const char *>(cur) + stride);
                Ref r = cur->next[0].load(std::memory_order_acquire);
                const RowNode *linked = r ? reinterpret_cast<const RowNode *>(base + (uint64_t(r) << 3)) : nullptr;
                if (__builtin_expect(linked == guess, 1)) {
                    // (opaque to the compiler, which would otherwise use `linked`)
                    __asm__ volatile("" : "+r"(guess));
                    cur = guess;
                } else {
                    if (linked)
                        stride = reinterpret_cast<const char *>(linked) - reinterpret_cast<const char *>(cur);
                    cur = linked;
                }
                pos++;
                if (rule.type != TtlType::kNone && cur && rule.expired(pos, cur->order, cutoff))
                    cur = nullptr;
            }
            cur_ = cur;
            pos_ = pos;
        }
        int64_t position() const { return pos_; }  // 0-based position from the key's newest row

        // Block skipping (header comment, "block summaries").  The valid
        // summary of the block that starts at the current row, when all its
        // rows are visible under the cursor's TTL rule; nullptr otherwise
        // (read the rows).  Blocks cover compacted rows only where compaction
        // built them; the newest rows, edges and changed blocks are rows.
        // With max_n / min_lo: the largest such summary (a superblock, else
        // the block) with at most max_n rows and min_order >= min_lo; the
        // block itself may exceed them (the caller checks).
        // With cond_mask: only summaries whose maps of those columns (bit j:
        // column j) did not overflow.
        const BlockSum *block(int64_t max_n = INT64_MAX, int64_t min_lo = INT64_MIN, uint32_t cond_mask = 0);
        // Right after block() returned a superblock (at the current row):
        // its first block instead, under the same checks (null if it fails
        // them), for a caller that cannot take the superblock whole.
        const BlockSum *first_block_of_super(uint32_t cond_mask = 0);
        // Past block b (from block(), at the current row): its n rows.
        void skip(const BlockSum *b)
        {
            const RowNode *last = st_->at<RowNode>(b->last);
            cur_ = st_->at<RowNode>(last->next[0].load(std::memory_order_acquire));
            pos_ += b->n;
            if (rule_.type != TtlType::kNone)
                check_ttl();
        }
        const SumDir *dir() const { return dir_; }

    private:
        void check_ttl();
        const SumDir *dir_ = nullptr;
        uint32_t hint_ = 0;
        uint32_t super_j_ = UINT32_MAX;  // block() returned the superblock starting at block super_j_
        const Store *st_ = nullptr;
        const RowNode *cur_ = nullptr;
        int64_t pos_ = 0;
        int64_t cutoff_ = INT64_MIN;
        TtlRule rule_;
    };

    // Random tower height (p = 1/4).
    static int random_height();

private:
    explicit Store(uint8_t *base) : base_(base) {}
    void retire_node_locked(Ref node);  // limbo_lock held
    void retire_chain(IndexSlot *s, Ref first);
    // The stripe locks of bucket b (ascending) / their release.
    void lock_bucket(IndexSlot *s, uint32_t n, uint32_t b);
    void unlock_bucket(IndexSlot *s, uint32_t n, uint32_t b);
    // Block summaries, key lock held: clear valid on every block of k
    // whose order range meets [lo, hi]; returns how many.
    int64_t invalidate_blocks(IndexSlot *s, KeyEntry *k, int64_t lo, int64_t hi);
    // Replace k's directory: valid blocks kept, new blocks over the runs of
    // sum_rows consecutive rows no valid block covers (key lock held).
    void rebuild_sums(IndexSlot *s, KeyEntry *k);
    void retire_dir_locked(Ref dir);  // limbo_lock held
    static uint32_t sum_rows_of(const IndexSlot *s) { return __atomic_load_n(&s->sum_rows, __ATOMIC_ACQUIRE); }
    // kKeyDirty on k and its bucket's bit in the current table ("GC pass").
    void mark_dirty(IndexSlot *s, KeyEntry *k);
    // compact_key, and the key's runs into the slot's histogram; *deferred:
    // moves wanted but memory was short (the key stays dirty).
    bool compact_visit(IndexSlot *s, KeyEntry *k, bool force, bool *deferred);
    void runs_account(IndexSlot *s, uint32_t before, uint32_t after);
    std::atomic<uint64_t> *dirty_bits(BucketTable t) const
    {
        return at<std::atomic<uint64_t>>(Ref(t.buckets + t.n() / 2));
    }
    uint64_t free_chain(Ref first);        // returns bytes freed (class sizes)
    // ---- allocator internals (header comment, "allocator")
    SegInfo *segs() const { return at<SegInfo>(hdr()->segs); }
    uint64_t seg_start(uint32_t i) const { return hdr()->seg_base + (uint64_t(i) << kSegShift); }
    Ref bump_alloc(size_t sz);
    void file_free_range(uint64_t off, uint64_t units);  // class locks held
    // Room for compaction beyond the cleaner's reserve and the inserts' 1/8.
    bool compaction_room() const;
    // A segment for runs (index + 1; 0 if none): the cleaner may use the
    // reserve, other compaction only while compaction_room().
    uint32_t take_segment(bool cleaner);
    void release_segment(uint32_t i);
    bool borrow_segment();
    // A piece of the open run segment: at least min bytes, at most want;
    // false when no segment can be had.
    bool run_piece(size_t min, size_t want, bool cleaner, uint64_t *pos, uint64_t *end);
    void give_back(uint64_t pos, uint64_t end);
    uint64_t free_slot_memory(IndexSlot *s);  // returns bytes freed
    // Link predecessors for (order, seq) at every level (key lock held).
    void find_preds(const KeyEntry *k, int64_t order, uint64_t seq, std::atomic<Ref> *preds[kMaxHeight]) const;
    IndexSlot *claim_slot_locked(const SlotId &id, uint32_t heap, uint32_t order_kind, Ref buckets,
                                 uint32_t nbuckets, int64_t bytes, uint32_t loading, uint32_t state);
    // The order value of key k's oldest row, INT64_MAX when it has none (key lock held).
    int64_t last_order_locked(const KeyEntry *k) const;
    // The row (order, TID) of key k, or 0 (key lock held).
    Ref find_row_locked(const KeyEntry *k, int64_t order, uint32_t tid_block, uint16_t tid_off) const;
    uint8_t *base_ = nullptr;
};

// RAII epoch guard for readers.
class ReadGuard {
public:
    ReadGuard(const Store &st, uint32_t reader) : st_(st), reader_(reader) { st_.reader_enter(reader_); }
    ~ReadGuard() { st_.reader_exit(reader_); }
    ReadGuard(const ReadGuard &) = delete;
    ReadGuard &operator=(const ReadGuard &) = delete;

private:
    const Store &st_;
    uint32_t reader_;
};

}  // namespace fe::core
