// feature_ext core: the in-memory skiplist store.  The locking and memory
// reclamation protocol is described at the top of include/feature_ext/storage/store.hpp.
#include "feature_ext/storage/store.hpp"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <new>
#include <thread>

namespace fe::core {

// (store.hpp: text_hash; unit tests may force collisions)
uint64_t (*text_hash)(const uint8_t *d, uint32_t n) = text_hash_fnv;

namespace {
constexpr uint64_t kMagic = 0x4645535452453033ull;  // "FESTRE03"

inline size_t align8(size_t n) { return (n + 7) & ~size_t(7); }

// Size classes: 8..256 by 8 (32 classes), then four per power of two up to 64 MiB.
int class_of(size_t bytes)
{
    if (bytes == 0)
        bytes = 8;
    if (bytes <= 256)
        return int((bytes + 7) / 8) - 1;
    int p = 63 - __builtin_clzll(uint64_t(bytes - 1));  // 2^p < bytes <= 2^(p+1)
    size_t step = size_t(1) << (p - 2);
    size_t q = (bytes - (size_t(1) << p) + step - 1) / step;  // 1..4
    int c = 32 + (p - 8) * 4 + int(q) - 1;
    return c < kNumClasses ? c : -1;
}

size_t size_of_class(int c)
{
    if (c < 32)
        return size_t(c + 1) * 8;
    int k = c - 32;
    int p = 8 + k / 4;
    size_t q = size_t(k % 4) + 1;
    return (size_t(1) << p) + q * (size_t(1) << (p - 2));
}

inline size_t node_size(const RowNode *n) { return RowNode::size_for(n->height, n->payload_len()); }

// Largest class whose size is <= bytes (bytes >= 8, a multiple of 8).
int class_at_most(size_t bytes)
{
    int c = class_of(bytes);
    if (c < 0)
        return kNumClasses - 1;
    if (size_of_class(c) > bytes)
        c--;
    return c;
}

// A free block as coalesce() sees it: the free-list link, then its size.
struct FreeBlock {
    Ref next;
    uint32_t units;  // size in 8-byte units
};
static_assert(sizeof(FreeBlock) == 8, "a free block must fit the smallest class");
}  // namespace

void SpinLock::lock() noexcept
{
    for (int spins = 0;; spins++) {
        uint32_t expected = 0;
        if (v.load(std::memory_order_relaxed) == 0 &&
            v.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
            return;
        if (spins > 100)
            std::this_thread::yield();
    }
}

size_t Store::class_size(size_t bytes)
{
    int c = class_of(bytes);
    return c < 0 ? 0 : size_of_class(c);
}

Store Store::init(void *base, size_t bytes, uint32_t max_slots, uint32_t nreaders)
{
    auto *b = static_cast<uint8_t *>(base);
    size_t hdr = align8(sizeof(StoreHeader));
    size_t rd = align8(sizeof(ReaderSlot) * nreaders);
    size_t sl = align8(sizeof(IndexSlot) * max_slots);
    // Row segments tile the heap's end; their table sits before the heap.
    size_t fixed = hdr + rd + sl;
    // A Ref reaches 32 GiB (feature_ext.memory_limit accepts more): the
    // region stops there, or row segments, at its top, would get truncated
    // Refs.
    if (uint64_t(bytes) > kMaxRegionBytes)
        bytes = size_t(kMaxRegionBytes);
    uint64_t top = uint64_t(bytes) & ~uint64_t(7);
    uint64_t est = top > fixed ? (top - fixed) >> kSegShift : 0;
    size_t sg = align8(sizeof(SegInfo) * est);
    uint64_t heap_start = fixed + sg;
    uint32_t nsegs = top > heap_start ? uint32_t((top - heap_start) >> kSegShift) : 0;
    memset(b, 0, fixed + sg);
    auto *h = reinterpret_cast<StoreHeader *>(b);
    new (h) StoreHeader();
    h->magic = kMagic;
    h->region_size = bytes;
    h->readers = Ref(hdr >> 3);
    h->nreaders = nreaders;
    h->slots = Ref((hdr + rd) >> 3);
    h->max_slots = max_slots;
    h->heap_start = heap_start;
    h->bump.store(h->heap_start);
    h->used.store(0);
    h->nsegs = nsegs;
    // The cleaner's reserve: never-used memory + free segments the class
    // area does not take (regions too small for it have none).
    uint64_t heap_bytes = top - heap_start;
    h->seg_reserve = nsegs >= 16 ? std::max<uint64_t>(4 * kSegBytes, heap_bytes / 64) : 0;
    h->segs = Ref(fixed >> 3);
    h->seg_base = top - (uint64_t(nsegs) << kSegShift);
    h->seg_floor = nsegs;
    h->bump_limit.store(top);
    h->epoch.store(1);
    h->seq.store(0);
    Store st(b);
    for (uint32_t i = 0; i < nreaders; i++)
        new (st.at<ReaderSlot>(h->readers) + i) ReaderSlot();
    for (uint32_t i = 0; i < max_slots; i++)
        new (st.slot(i)) IndexSlot();
    for (uint32_t i = 0; i < nsegs; i++)
        new (st.segs() + i) SegInfo();
    return st;
}

// ---------------------------------------------------------------- allocator

Ref Store::alloc(size_t bytes)
{
    int c = class_of(bytes);
    if (c < 0)
        return 0;
    size_t sz = size_of_class(c);
    StoreHeader *h = hdr();
    int reclaims = 0, coalesces = 0;
    for (int attempt = 0; attempt < 16; attempt++) {
        {
            SpinGuard g(h->class_lock[c]);
            Ref r = h->free_head[c];
            if (r) {
                h->free_head[c] = *at<Ref>(r);
                h->used.fetch_add(sz, std::memory_order_relaxed);
                h->listed.fetch_sub(sz, std::memory_order_relaxed);
                return r;
            }
        }
        if (Ref r = bump_alloc(sz))
            return r;
        // Never-used memory is gone: split a free block of a larger class
        // (without this memory freed by DELETE/TTL/compaction could only
        // serve its own class: e.g. no new key entry could be created
        // however much was freed).
        if (Ref r = split_larger(c))
            return r;
        // No larger block: merge adjacent free blocks (only if something
        // was freed since the last pass; at most once per reclaim round, so
        // that concurrent frees cannot keep one allocation coalescing), then
        // retry.
        if (coalesces <= reclaims && coalesce()) {
            coalesces++;
            continue;
        }
        // A free row segment, whole, as a class block (given back by a
        // later coalesce() once it is entirely free again).
        if (sz <= kSegBytes && borrow_segment())
            continue;
        // Full: free what readers no longer see, then retry.
        if (reclaims == 4)
            break;
        reclaims++;
        if (reclaim() == 0 && reclaims >= 3)
            break;
    }
    return 0;
}

Ref Store::split_larger(int c)
{
    StoreHeader *h = hdr();
    size_t sz = size_of_class(c);
    for (int c2 = c + 1; c2 < kNumClasses; c2++) {
        Ref r = 0;
        {
            SpinGuard g(h->class_lock[c2]);
            r = h->free_head[c2];
            if (r)
                h->free_head[c2] = *at<Ref>(r);
        }
        if (!r)
            continue;
        h->used.fetch_add(sz, std::memory_order_relaxed);
        h->listed.fetch_sub(sz, std::memory_order_relaxed);  // the tail stays listed
        // The tail goes back to the free lists in exact class-sized blocks
        // (every multiple of 8 is a sum of class sizes; 8 bytes is class 0).
        uint64_t off = (uint64_t(r) << 3) + sz;
        size_t rest = size_of_class(c2) - sz;
        while (rest > 0) {
            int rc = class_at_most(rest);
            size_t piece = size_of_class(rc);
            Ref p = Ref(off >> 3);
            SpinGuard g(h->class_lock[rc]);
            *at<Ref>(p) = h->free_head[rc];
            h->free_head[rc] = p;
            off += piece;
            rest -= piece;
        }
        return r;
    }
    return 0;
}

Ref Store::bump_alloc(size_t sz)
{
    StoreHeader *h = hdr();
    SpinGuard g(h->bump_lock);
    uint64_t off = h->bump.load(std::memory_order_relaxed), limit = h->bump_limit.load(std::memory_order_relaxed);
    // The cleaner's reserve (never-used memory + free segments) stays.
    uint64_t segs_free = uint64_t(h->seg_free_count.load(std::memory_order_relaxed)) * kSegBytes;
    if (off + sz > limit || limit - off - sz + segs_free < h->seg_reserve)
        return 0;
    h->bump.store(off + sz, std::memory_order_relaxed);
    h->used.fetch_add(sz, std::memory_order_relaxed);
    return Ref(off >> 3);
}

void Store::free(Ref r, size_t bytes)
{
    if (!r)
        return;
    int c = class_of(bytes);
    size_t sz = size_of_class(c);
    StoreHeader *h = hdr();
    SpinGuard g(h->class_lock[c]);
    *at<Ref>(r) = h->free_head[c];
    h->free_head[c] = r;
    h->used.fetch_sub(sz, std::memory_order_relaxed);
    h->listed.fetch_add(sz, std::memory_order_relaxed);
    h->freed_total.fetch_add(sz, std::memory_order_relaxed);
}

bool Store::coalesce(bool force)
{
    StoreHeader *h = hdr();
    if (!force && h->freed_total.load(std::memory_order_relaxed) == h->coalesce_mark.load(std::memory_order_relaxed))
        return false;
    for (int c = 0; c < kNumClasses; c++)
        h->class_lock[c].lock();
    // freed_total only moves under a class lock: stable from here on.
    uint64_t mark = h->freed_total.load(std::memory_order_relaxed);
    bool run = force || mark != h->coalesce_mark.load(std::memory_order_relaxed);
    if (run) {
        h->coalesce_mark.store(mark, std::memory_order_relaxed);
        auto blk = [this](Ref r) { return at<FreeBlock>(r); };
        // Gather every free block into one list, recording its size.
        Ref list = 0;
        for (int c = 0; c < kNumClasses; c++) {
            uint32_t units = uint32_t(size_of_class(c) >> 3);
            for (Ref r = h->free_head[c]; r;) {
                FreeBlock *b = blk(r);
                Ref nx = b->next;
                b->units = units;
                b->next = list;
                list = r;
                r = nx;
            }
            h->free_head[c] = 0;
        }
        // Sort by address, highest first (so that the lowest blocks end up
        // at the heads of the free lists and are reused first): bottom-up
        // merge sort of the linked list.
        for (size_t k = 1; list; k *= 2) {
            Ref p = list, tail = 0;
            list = 0;
            size_t merges = 0;
            while (p) {
                merges++;
                Ref q = p;
                size_t psize = 0, qsize = k;
                while (psize < k && q) {
                    psize++;
                    q = blk(q)->next;
                }
                while (psize > 0 || (qsize > 0 && q)) {
                    Ref e;
                    if (psize == 0 || (qsize > 0 && q && q > p)) {
                        e = q;
                        q = blk(q)->next;
                        qsize--;
                    } else {
                        e = p;
                        p = blk(p)->next;
                        psize--;
                    }
                    if (tail)
                        blk(tail)->next = e;
                    else
                        list = e;
                    tail = e;
                }
                p = q;
            }
            blk(tail)->next = 0;
            if (merges <= 1)
                break;
        }
        // Merge address-adjacent blocks into runs; re-file each run.
        bool first = true;
        for (Ref r = list; r;) {
            uint64_t start = r, units = blk(r)->units;
            Ref nx = blk(r)->next;
            while (nx && uint64_t(nx) + blk(nx)->units == start) {
                start = nx;
                units += blk(nx)->units;
                nx = blk(nx)->next;
            }
            r = nx;
            // The highest run of the class area below the row segments may
            // end where never-used memory begins: give it back to the bump
            // pointer (after a concurrent bump allocation it is filed like
            // any other run).
            if (first && (start + units) << 3 <= h->bump_limit.load(std::memory_order_relaxed)) {
                first = false;
                SpinGuard b(h->bump_lock);
                if (h->bump.load(std::memory_order_relaxed) == (start + units) << 3) {
                    h->bump.store(start << 3, std::memory_order_relaxed);
                    h->listed.fetch_sub(units << 3, std::memory_order_relaxed);
                    continue;
                }
            }
            file_free_range(start, units);
        }
    }
    for (int c = kNumClasses - 1; c >= 0; c--)
        h->class_lock[c].unlock();
    return run;
}

void Store::file_free_range(uint64_t start, uint64_t units)
{
    StoreHeader *h = hdr();
    auto file = [&](uint64_t from, uint64_t to) {
        for (uint64_t off = from >> 3, u = (to - from) >> 3; u > 0;) {
            int c = class_at_most(size_t(u) << 3);
            uint64_t piece = size_of_class(c) >> 3;
            at<FreeBlock>(Ref(off))->next = h->free_head[c];
            h->free_head[c] = Ref(off);
            off += piece;
            u -= piece;
        }
    };
    uint64_t a = start << 3, b = (start + units) << 3, cur = a;
    // Borrowed segments the run covers whole go back to the row segments.
    if (b - a >= kSegBytes && b > h->seg_base) {
        uint64_t i = a <= h->seg_base ? 0 : (a - h->seg_base + kSegBytes - 1) >> kSegShift;
        for (; i < h->nsegs && seg_start(uint32_t(i)) + kSegBytes <= b; i++) {
            if (segs()[i].state.load(std::memory_order_acquire) != kSegClass)
                continue;
            file(cur, seg_start(uint32_t(i)));
            h->listed.fetch_sub(kSegBytes, std::memory_order_relaxed);
            release_segment(uint32_t(i));
            cur = seg_start(uint32_t(i)) + kSegBytes;
        }
    }
    file(cur, b);
}

// ---------------------------------------------------------------- row segments

bool Store::run_continues(Ref prev, Ref r) const
{
    uint64_t a = (uint64_t(prev) << 3) + class_size(node_size(at<RowNode>(prev))), b = uint64_t(r) << 3;
    if (a == b)
        return true;
    // A run spread over two segments: prev ended its segment but for less
    // than r needed, and r starts the next piece at a segment's start.
    const StoreHeader *h = hdr();
    if (b < h->seg_base || ((b - h->seg_base) & (kSegBytes - 1)) != 0 || !in_segment(prev) || !in_segment(r))
        return false;
    uint64_t seg_end = seg_start(uint32_t(((a - 1) - h->seg_base) >> kSegShift)) + kSegBytes;
    return seg_end - a < class_size(node_size(at<RowNode>(r)));
}

bool Store::in_segment(Ref r) const
{
    const StoreHeader *h = hdr();
    uint64_t off = uint64_t(r) << 3;
    if (off < h->seg_base)
        return false;
    // A segment holding a live row stays kSegRows while the row lives.
    return segs()[(off - h->seg_base) >> kSegShift].state.load(std::memory_order_acquire) == kSegRows;
}

bool Store::compaction_room() const
{
    const StoreHeader *h = hdr();
    uint64_t heap = h->region_size - h->heap_start;
    uint64_t bump = h->bump.load(std::memory_order_relaxed), limit = h->bump_limit.load(std::memory_order_relaxed);
    uint64_t room = (limit > bump ? limit - bump : 0) +
                    uint64_t(h->seg_free_count.load(std::memory_order_relaxed)) * kSegBytes;
    // Beyond the cleaner's reserve, and 1/8 of the heap left for inserts
    // (class free lists count: inserts allocate there).
    return room >= kSegBytes + h->seg_reserve &&
           room + h->listed.load(std::memory_order_relaxed) >= kSegBytes + h->seg_reserve + heap / 8;
}

uint32_t Store::take_segment(bool cleaner)
{
    StoreHeader *h = hdr();
    SegInfo *sg = segs();
    SpinGuard g(h->seg_lock);
    if (!cleaner && !compaction_room())
        return 0;
    uint32_t i;
    if (h->seg_free_head) {
        i = h->seg_free_head - 1;
        h->seg_free_head = sg[i].next;
        if (sg[i].next)
            sg[sg[i].next - 1].prev = 0;
        h->seg_free_count.fetch_sub(1, std::memory_order_relaxed);
    } else {
        if (h->seg_floor == 0)
            return 0;
        uint64_t start = seg_start(h->seg_floor - 1);
        SpinGuard b(h->bump_lock);
        if (h->bump.load(std::memory_order_relaxed) > start)
            return 0;
        h->bump_limit.store(start, std::memory_order_relaxed);
        i = --h->seg_floor;
    }
    sg[i].prev = sg[i].next = 0;
    sg[i].victim.store(0, std::memory_order_relaxed);
    sg[i].live.store(kSegOpenBias, std::memory_order_relaxed);
    sg[i].state.store(kSegRows, std::memory_order_release);
    return i + 1;
}

void Store::release_segment(uint32_t i)
{
    StoreHeader *h = hdr();
    SegInfo *sg = segs();
    SpinGuard g(h->seg_lock);
    sg[i].victim.store(0, std::memory_order_relaxed);
    sg[i].live.store(0, std::memory_order_relaxed);
    if (i != h->seg_floor) {
        sg[i].state.store(kSegFree, std::memory_order_release);
        sg[i].prev = 0;
        sg[i].next = h->seg_free_head;
        if (h->seg_free_head)
            sg[h->seg_free_head - 1].prev = i + 1;
        h->seg_free_head = i + 1;
        h->seg_free_count.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    // At the floor: back to never-used memory, and every free segment above.
    sg[i].state.store(kSegUntaken, std::memory_order_release);
    uint32_t f = i + 1;
    while (f < h->nsegs && sg[f].state.load(std::memory_order_relaxed) == kSegFree) {
        if (sg[f].prev)
            sg[sg[f].prev - 1].next = sg[f].next;
        else
            h->seg_free_head = sg[f].next;
        if (sg[f].next)
            sg[sg[f].next - 1].prev = sg[f].prev;
        sg[f].prev = sg[f].next = 0;
        sg[f].state.store(kSegUntaken, std::memory_order_release);
        h->seg_free_count.fetch_sub(1, std::memory_order_relaxed);
        f++;
    }
    h->seg_floor = f;
    h->bump_limit.store(seg_start(f), std::memory_order_relaxed);
}

bool Store::borrow_segment()
{
    StoreHeader *h = hdr();
    SegInfo *sg = segs();
    uint32_t i;
    {
        SpinGuard g(h->seg_lock);
        uint64_t bump = h->bump.load(std::memory_order_relaxed), limit = h->bump_limit.load(std::memory_order_relaxed);
        uint64_t rest = (limit > bump ? limit - bump : 0) +
                        uint64_t(h->seg_free_count.load(std::memory_order_relaxed) - 1) * kSegBytes;
        if (!h->seg_free_head || rest < h->seg_reserve)
            return false;
        i = h->seg_free_head - 1;
        h->seg_free_head = sg[i].next;
        if (sg[i].next)
            sg[sg[i].next - 1].prev = 0;
        sg[i].prev = sg[i].next = 0;
        h->seg_free_count.fetch_sub(1, std::memory_order_relaxed);
        sg[i].state.store(kSegClass, std::memory_order_release);
    }
    int c = class_of(kSegBytes);
    Ref r = Ref(seg_start(i) >> 3);
    SpinGuard g(h->class_lock[c]);
    *at<Ref>(r) = h->free_head[c];
    h->free_head[c] = r;
    h->listed.fetch_add(kSegBytes, std::memory_order_relaxed);
    return true;
}

void Store::free_row(Ref r, size_t bytes)
{
    if (!r)
        return;
    StoreHeader *h = hdr();
    uint64_t off = uint64_t(r) << 3;
    if (off >= h->seg_base) {
        uint32_t i = uint32_t((off - h->seg_base) >> kSegShift);
        SegInfo &g = segs()[i];
        if (g.state.load(std::memory_order_acquire) == kSegRows) {
            int64_t sz = int64_t(class_size(bytes));
            h->used.fetch_sub(uint64_t(sz), std::memory_order_relaxed);
            if (g.live.fetch_sub(sz, std::memory_order_acq_rel) == sz)
                release_segment(i);
            return;
        }
    }
    free(r, bytes);
}

uint32_t Store::mark_victims(uint64_t *gen, uint32_t *mask)
{
    StoreHeader *h = hdr();
    SegInfo *sg = segs();
    SpinGuard g(h->seg_lock);
    uint32_t n = 0, m = 0;
    bool marked = false;
    for (uint32_t i = h->seg_floor; i < h->nsegs; i++) {
        if (sg[i].state.load(std::memory_order_relaxed) != kSegRows)
            continue;
        int64_t live = sg[i].live.load(std::memory_order_relaxed);
        if (!sg[i].victim.load(std::memory_order_relaxed) && live < kSegOpenBias && uint64_t(live) * 2 < kSegBytes) {
            sg[i].victim.store(1, std::memory_order_relaxed);
            marked = true;
        }
        if (sg[i].victim.load(std::memory_order_relaxed)) {
            n++;
            m |= uint32_t(1) << (i & 31);
        }
    }
    if (marked)
        h->victim_gen.fetch_add(1, std::memory_order_relaxed);
    h->victim_mask.store(m, std::memory_order_relaxed);
    if (gen)
        *gen = h->victim_gen.load(std::memory_order_relaxed);
    if (mask)
        *mask = m;
    return n;
}

bool Store::run_piece(size_t min, size_t want, bool cleaner, uint64_t *pos, uint64_t *end)
{
    StoreHeader *h = hdr();
    SpinGuard g(h->run_lock);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (h->run_seg) {
            uint32_t i = h->run_seg - 1;
            uint64_t p = h->run_pos.load(std::memory_order_relaxed);
            uint64_t avail = seg_start(i) + kSegBytes - p;
            if (avail >= min) {
                uint64_t take = avail < want ? avail : want;
                *pos = p;
                *end = p + take;
                h->run_pos.store(p + take, std::memory_order_relaxed);
                segs()[i].live.fetch_add(int64_t(take), std::memory_order_relaxed);
                h->used.fetch_add(take, std::memory_order_relaxed);
                return true;
            }
            // Seal it; the unused tail is dead until the segment empties.
            h->run_seg = 0;
            // A CAS loop, not fetch_sub(...) == kSegOpenBias: GCC 16 (Debian
            // sid, PostgreSQL 18's root) fails with an internal error on
            // that pattern with a 64-bit constant.  Sealing is rare.
            std::atomic<int64_t> &live = segs()[i].live;
            int64_t v = live.load(std::memory_order_relaxed);
            while (!live.compare_exchange_weak(v, v - kSegOpenBias, std::memory_order_acq_rel,
                                               std::memory_order_relaxed)) {
            }
            if (v == kSegOpenBias)
                release_segment(i);
        }
        uint32_t t = take_segment(cleaner);
        if (!t)
            return false;
        h->run_seg = t;
        h->run_pos.store(seg_start(t - 1), std::memory_order_relaxed);
    }
    return false;
}

void Store::give_back(uint64_t pos, uint64_t end)
{
    if (end <= pos)
        return;
    StoreHeader *h = hdr();
    uint32_t i = uint32_t((pos - h->seg_base) >> kSegShift);
    SpinGuard g(h->run_lock);
    // Still the end of what the open segment handed out: unhand it.
    if (h->run_seg == i + 1 && h->run_pos.load(std::memory_order_relaxed) == end)
        h->run_pos.store(pos, std::memory_order_relaxed);
    h->used.fetch_sub(end - pos, std::memory_order_relaxed);
    if (segs()[i].live.fetch_sub(int64_t(end - pos), std::memory_order_acq_rel) == int64_t(end - pos))
        release_segment(i);
}

void Store::free_list_by_class(uint64_t *out) const
{
    StoreHeader *h = hdr();
    for (int c = 0; c < kNumClasses; c++) {
        uint64_t n = 0;
        {
            SpinGuard g(h->class_lock[c]);
            for (Ref r = h->free_head[c]; r; r = *at<Ref>(r))
                n++;
        }
        out[c] = n * size_of_class(c);
    }
}

MemoryUsage Store::usage() const
{
    const StoreHeader *h = hdr();
    MemoryUsage u{};
    u.region_bytes = h->region_size;
    u.heap_bytes = h->region_size - h->heap_start;
    u.used_bytes = h->used.load();
    u.free_bytes = u.heap_bytes - u.used_bytes;
    u.limbo_bytes = uint64_t(h->limbo_bytes.load());
    for (uint32_t i = 0; i < h->max_slots; i++) {
        const IndexSlot *s = slot(i);
        uint32_t st = s->state.load();
        if (st == kSlotReady || st == kSlotBuilding)
            u.indexes++;
        if (st == kSlotReady) {
            u.runs_keys += s->runs_keys.load(std::memory_order_relaxed);
            u.runs_total += s->runs_total.load(std::memory_order_relaxed);
            int64_t m = s->runs_max.load(std::memory_order_relaxed);
            u.runs_max = m > u.runs_max ? m : u.runs_max;
        }
    }
    // A snapshot without locks: exact when nothing runs concurrently.
    uint64_t bump = h->bump.load(), limit = h->bump_limit.load();
    u.never_used_bytes = limit > bump ? limit - bump : 0;
    u.free_list_bytes = h->listed.load();
    uint32_t open = h->run_seg;
    uint64_t run_pos = h->run_pos.load();
    const SegInfo *sg = segs();
    for (uint32_t i = 0; i < h->nsegs; i++) {
        uint32_t state = sg[i].state.load(std::memory_order_relaxed);
        if (state == kSegFree) {
            u.segments_free++;
            u.free_segment_bytes += kSegBytes;
        } else if (state == kSegRows) {
            u.segments++;
            u.segment_bytes += kSegBytes;
            int64_t live = sg[i].live.load(std::memory_order_relaxed);
            if (live >= kSegOpenBias) {
                live -= kSegOpenBias;
                if (open == i + 1 && run_pos >= seg_start(i) && run_pos <= seg_start(i) + kSegBytes)
                    u.segment_open_bytes += seg_start(i) + kSegBytes - run_pos;
            }
            u.segment_live_bytes += uint64_t(live);
            u.segments_victim += sg[i].victim.load(std::memory_order_relaxed);
        }
    }
    uint64_t unused = u.segment_bytes - u.segment_live_bytes;
    u.segment_dead_bytes = unused > u.segment_open_bytes ? unused - u.segment_open_bytes : 0;
    return u;
}

// ---------------------------------------------------------------- epochs

void Store::reader_enter(uint32_t reader) const
{
    ReaderSlot &rs = at<ReaderSlot>(hdr()->readers)[reader];
    if (rs.depth++ == 0) {
        rs.epoch.store(hdr()->epoch.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
        // The announcement must be visible before any link the reader loads
        // next (acquire loads may be hoisted above a seq_cst store, e.g.
        // LDAPR on ARMv8.3+); otherwise reclaim() can miss this reader and
        // free a node it is about to reach.
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
}

void Store::reader_exit(uint32_t reader) const
{
    ReaderSlot &rs = at<ReaderSlot>(hdr()->readers)[reader];
    if (rs.depth > 0 && --rs.depth == 0)
        rs.epoch.store(0, std::memory_order_release);
}

void Store::retire_node_locked(Ref node)
{
    StoreHeader *h = hdr();
    uint64_t e = h->epoch.load(std::memory_order_seq_cst);
    RowNode *n = at<RowNode>(node);
    n->limbo_next = h->limbo_nodes[e % 3];
    h->limbo_nodes[e % 3] = node;
}

uint64_t Store::free_chain(Ref first)
{
    uint64_t bytes = 0;
    for (Ref r = first; r;) {
        RowNode *n = at<RowNode>(r);
        Ref nx = n->next[0].load(std::memory_order_relaxed);
        size_t sz = node_size(n);
        bytes += class_size(sz);
        free_row(r, sz);
        r = nx;
    }
    return bytes;
}

uint64_t Store::reclaim()
{
    StoreHeader *h = hdr();
    SpinGuard g(h->limbo_lock);
    uint64_t e = h->epoch.load(std::memory_order_seq_cst);
    const ReaderSlot *rs = at<ReaderSlot>(h->readers);
    for (uint32_t i = 0; i < h->nreaders; i++) {
        uint64_t re = rs[i].epoch.load(std::memory_order_seq_cst);
        if (re != 0 && re != e)
            return 0;  // a reader still runs in an older epoch
    }
    // Everything retired in epoch e-1 is unreachable for every reader now.
    int victim = int((e + 2) % 3);
    Ref nodes = h->limbo_nodes[victim];
    Ref keys = h->limbo_keys[victim];
    Ref dirs = h->limbo_dirs[victim];
    h->limbo_nodes[victim] = 0;
    h->limbo_keys[victim] = 0;
    h->limbo_dirs[victim] = 0;
    h->epoch.store(e + 1, std::memory_order_seq_cst);
    // Count what is freed here (not the change of h->used, which other
    // threads move concurrently and which would also count dropped indexes,
    // never part of limbo_bytes).
    uint64_t limbo_freed = 0;
    while (nodes) {
        RowNode *n = at<RowNode>(nodes);
        Ref nx = n->limbo_next;
        if (n->flags & kNodeChain) {
            limbo_freed += free_chain(nodes);
        } else {
            size_t sz = node_size(n);
            limbo_freed += class_size(sz);
            free_row(nodes, sz);
        }
        nodes = nx;
    }
    while (keys) {
        KeyEntry *k = at<KeyEntry>(keys);
        Ref nx = k->limbo_next;
        size_t sz = KeyEntry::size_for(k->keylen);
        limbo_freed += class_size(sz);
        free(keys, sz);
        keys = nx;
    }
    while (dirs) {
        SumDir *d = at<SumDir>(dirs);
        Ref nx = d->limbo_next;
        limbo_freed += class_size(d->bytes);
        free(dirs, d->bytes);
        dirs = nx;
    }
    uint64_t freed = limbo_freed;
    // Dropped indexes whose drop every reader has moved past; bucket
    // tables replaced by a resize that every reader has moved past.
    for (uint32_t i = 0; i < h->max_slots; i++) {
        IndexSlot *s = slot(i);
        uint32_t state = s->state.load(std::memory_order_acquire);
        if (state == kSlotDropped && e >= s->drop_epoch + 1)
            freed += free_slot_memory(s);
        else if (state != kSlotFree && s->old_buckets && e >= s->old_epoch + 1) {
            size_t ob = bucket_bytes(s->old_nbuckets);
            free(s->old_buckets, ob);
            s->old_buckets = 0;
            limbo_freed += class_size(ob);
        }
    }
    h->limbo_bytes.fetch_sub(int64_t(limbo_freed), std::memory_order_relaxed);
    return freed + 1;  // non-zero: the epoch advanced
}

// ---------------------------------------------------------------- directory

IndexSlot *Store::find_slot(const SlotId &id) const
{
    for (uint32_t i = 0; i < hdr()->max_slots; i++) {
        IndexSlot *s = slot(i);
        uint32_t st = s->state.load(std::memory_order_acquire);
        if (st != kSlotFree && st != kSlotDropped && s->id == id)
            return s;
    }
    return nullptr;
}

// A free slot of the directory set up for id (dir_lock held); nullptr when
// the directory is full.
IndexSlot *Store::claim_slot_locked(const SlotId &id, uint32_t heap, uint32_t order_kind, Ref buckets,
                                    uint32_t nbuckets, int64_t bytes, uint32_t loading, uint32_t state)
{
    StoreHeader *h = hdr();
    for (uint32_t i = 0; i < h->max_slots; i++) {
        IndexSlot *s = slot(i);
        if (s->state.load(std::memory_order_acquire) != kSlotFree)
            continue;
        s->id = id;
        s->heap = heap;
        s->order_kind = order_kind;
        s->drop_epoch = 0;
        s->buckets = buckets;
        s->nbuckets = nbuckets;
        s->table.store(BucketTable{buckets, nbuckets ? uint32_t(__builtin_ctz(nbuckets)) : 0}.word());
        s->old_buckets = 0;
        s->old_nbuckets = 0;
        s->old_epoch = 0;
        s->resizing.store(0);
        s->grow_retry_keys.store(0);
        s->resizes.store(0);
        s->gc_lock.v.store(0);
        s->victims_done.store(h->victim_gen.load());
        for (auto &c : s->runs_hist)
            c.store(0);
        s->runs_big.store(0);
        for (auto &l : s->stripes)
            l.v.store(0);
        s->ttl_type.store(0);
        s->ttl_event_clock.store(0);
        s->ttl_abs.store(0);
        s->ttl_rows.store(0);
        s->sum_rows = 0;
        s->sum_group = 0;
        s->sum_ncols = 0;
        memset(s->sum_cols, 0, sizeof(s->sum_cols));
        s->sum_blocks.store(0);
        s->sum_bytes.store(0);
        s->keys.store(0);
        s->rows.store(0);
        s->bytes.store(bytes);
        s->expired.store(0);
        s->last_gc.store(0);
        s->builder_pid = 0;
        {
            SpinGuard q(s->queue_lock);
            s->loading = loading;
            s->queue_writers = 0;
            s->queue_head = s->queue_tail = 0;
            s->generation.fetch_add(1);
        }
        s->queued.store(0);
        s->state.store(state, std::memory_order_seq_cst);
        return s;
    }
    return nullptr;
}

IndexSlot *Store::create_slot(const SlotId &id, uint32_t heap, uint32_t nbuckets, uint32_t order_kind,
                              bool loading)
{
    uint32_t n = 16;
    while (n < nbuckets && n < (1u << 24))
        n <<= 1;
    size_t bbytes = bucket_bytes(n);
    Ref buckets = alloc(bbytes);
    if (!buckets)
        return nullptr;
    memset(at<uint8_t>(buckets), 0, bbytes);
    IndexSlot *s;
    {
        SpinGuard g(hdr()->dir_lock);
        s = claim_slot_locked(id, heap, order_kind, buckets, n, int64_t(class_size(bbytes)),
                              loading ? kCatchupOpen : 0, kSlotBuilding);
    }
    if (!s)
        free(buckets, bbytes);
    return s;
}

IndexSlot *Store::mark_failed(const SlotId &id, uint32_t heap, int64_t needed_bytes)
{
    StoreHeader *h = hdr();
    SpinGuard g(h->dir_lock);
    for (uint32_t i = 0; i < h->max_slots; i++)
        if (slot_in_use(slot(i)->state.load(std::memory_order_acquire)) && slot(i)->id == id)
            return nullptr;
    return claim_slot_locked(id, heap, 0, 0, 0, needed_bytes, 0, kSlotFailed);
}

void Store::drop_slot(IndexSlot *s)
{
    if (!slot_in_use(s->state.load(std::memory_order_acquire)))
        return;
    // A loading slot: no new reservation, then wait for the reserved writers
    // (each between its pre-commit and its commit) to append or release.
    Ref queue = 0;
    for (int spins = 0;; spins++) {
        {
            SpinGuard q(s->queue_lock);
            s->loading = 0;
            if (s->queue_writers == 0) {
                queue = s->queue_head;
                s->queue_head = s->queue_tail = 0;
                break;
            }
        }
        if (spins < 100)
            std::this_thread::yield();
        else
            std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    free_catchup(queue);
    StoreHeader *h = hdr();
    SpinGuard g(h->limbo_lock);
    s->drop_epoch = h->epoch.load(std::memory_order_seq_cst);
    s->state.store(kSlotDropped, std::memory_order_seq_cst);
}

uint64_t Store::free_slot_memory(IndexSlot *s)
{
    uint64_t bytes = 0;
    auto *b = at<std::atomic<Ref>>(s->buckets);
    int link = s->nbuckets ? __builtin_ctz(s->nbuckets) & 1 : 0;
    for (uint32_t i = 0; i < s->nbuckets; i++) {
        for (Ref r = b[i].load(); r;) {
            KeyEntry *k = at<KeyEntry>(r);
            Ref nx = k->chain[link].load();
            bytes += free_chain(k->head[0].load());
            if (Ref d = k->sums.load()) {
                size_t db = at<SumDir>(d)->bytes;
                bytes += class_size(db);
                free(d, db);
            }
            size_t sz = KeyEntry::size_for(k->keylen);
            bytes += class_size(sz);
            free(r, sz);
            r = nx;
        }
    }
    if (s->buckets) {  // a kSlotFailed marker has none
        bytes += class_size(bucket_bytes(s->nbuckets));
        free(s->buckets, bucket_bytes(s->nbuckets));
    }
    if (s->old_buckets) {  // limbo_lock held (reclaim)
        size_t ob = bucket_bytes(s->old_nbuckets);
        bytes += class_size(ob);
        free(s->old_buckets, ob);
        hdr()->limbo_bytes.fetch_sub(int64_t(class_size(ob)), std::memory_order_relaxed);
        s->old_buckets = 0;
    }
    s->buckets = 0;
    s->nbuckets = 0;
    s->table.store(0);
    s->id = SlotId{};
    s->state.store(kSlotFree, std::memory_order_release);
    return bytes;
}

// ---------------------------------------------------------------- catch-up

void Store::gate_enter(uint32_t gate)
{
    hdr()->gates[gate].fetch_add(1, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

bool Store::gate_clear(uint32_t gate) const
{
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return hdr()->gates[gate].load(std::memory_order_seq_cst) == 0;
}

Store::Reserve Store::catchup_reserve(IndexSlot *s, uint64_t generation)
{
    SpinGuard q(s->queue_lock);
    if (!s->loading || s->generation.load(std::memory_order_relaxed) != generation)
        return kNotLoading;
    if (s->loading == kCatchupClosing)
        return kClosing;
    s->queue_writers++;
    return kReserved;
}

void Store::catchup_close(IndexSlot *s)
{
    SpinGuard q(s->queue_lock);
    if (s->loading)
        s->loading = kCatchupClosing;
}

Ref Store::alloc_catchup(bool insert, Ref node, int64_t order, uint32_t tid_block, uint16_t tid_off, uint32_t hash,
                         const uint8_t *key, uint32_t key_len)
{
    Ref r = alloc(CatchupOp::size_for(key_len));
    if (!r)
        return 0;
    auto *op = at<CatchupOp>(r);
    op->next = 0;
    op->insert = insert ? 1 : 0;
    op->node = node;
    op->tid_block = tid_block;
    op->order = order;
    op->tid_off = tid_off;
    op->key_len = uint16_t(key_len);
    op->hash = hash;
    memcpy(op->key, key, key_len);
    return r;
}

void Store::free_catchup(Ref list)
{
    while (list) {
        auto *op = at<CatchupOp>(list);
        Ref nx = op->next;
        if (op->insert)
            free_node(op->node);
        free(list, CatchupOp::size_for(op->key_len));
        list = nx;
    }
}

void Store::catchup_append(IndexSlot *s, uint64_t generation, Ref head, Ref tail)
{
    {
        SpinGuard q(s->queue_lock);
        if (s->generation.load(std::memory_order_relaxed) == generation) {
            s->queue_writers--;
            // loading is cleared only by drop_slot (which waits for us) or
            // by catchup_take (which waits for us as well): still set.
            if (s->loading) {
                if (!head)
                    return;
                int64_t n = 0;
                for (Ref r = head; r; r = at<CatchupOp>(r)->next)
                    n++;
                chain_catchup(&s->queue_head, &s->queue_tail, head, tail);
                s->queued.fetch_add(n, std::memory_order_relaxed);
                return;
            }
        }
    }
    free_catchup(head);
}

void Store::catchup_release(IndexSlot *s, uint64_t generation)
{
    SpinGuard q(s->queue_lock);
    if (s->generation.load(std::memory_order_relaxed) == generation)
        s->queue_writers--;
}

Ref Store::catchup_take(IndexSlot *s, bool *ready, bool *gone)
{
    *ready = false;
    SpinGuard q(s->queue_lock);
    if (gone)
        *gone = !s->loading;
    if (!s->loading)
        return 0;
    Ref list = s->queue_head;
    if (list) {
        s->queue_head = s->queue_tail = 0;
        return list;
    }
    if (s->queue_writers == 0) {
        s->loading = 0;
        s->state.store(kSlotReady, std::memory_order_seq_cst);
        *ready = true;
    }
    return 0;
}

bool Store::catchup_apply(IndexSlot *s, Ref list, const TtlRule &rule)
{
    while (list) {
        auto *op = at<CatchupOp>(list);
        Ref nx = op->next;
        KeyEntry *k = nullptr;
        if (op->insert) {
            k = pin_key(s, op->hash, op->key, op->key_len);
            if (!k) {
                free_catchup(list);
                return false;
            }
            if (!publish(s, k, op->node, rule, true))
                free_node(op->node);
            unpin_key(k);
        } else if ((k = find_key(s, op->hash, op->key, op->key_len)) != nullptr) {
            remove(s, k, op->order, op->tid_block, op->tid_off);
        }
        op->insert = 0;  // the node is linked or freed
        free(list, CatchupOp::size_for(op->key_len));
        list = nx;
    }
    return true;
}

// ---------------------------------------------------------------- keys

uint32_t Store::hash_key(const uint8_t *key, uint32_t len)
{
    // FNV-1a over 8-byte words with a final avalanche (fast for short keys).
    uint64_t h = 0xcbf29ce484222325ull ^ len;
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ key[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return uint32_t(h);
}

KeyEntry *Store::find_key(const IndexSlot *s, uint32_t hash, const uint8_t *key, uint32_t len) const
{
    BucketTable t = table_of(s);
    const auto *b = at<std::atomic<Ref>>(t.buckets);
    int l = t.link();
    for (Ref r = b[hash & (t.n() - 1)].load(std::memory_order_acquire); r;) {
        KeyEntry *k = at<KeyEntry>(r);
        if (k->hash == hash && k->keylen == len && memcmp(k->key, key, len) == 0)
            return k;
        r = k->chain[l].load(std::memory_order_acquire);
    }
    return nullptr;
}

void Store::lock_bucket(IndexSlot *s, uint32_t n, uint32_t b)
{
    // Stripe st serves bucket st & (n-1) (both powers of two).
    if (n >= uint32_t(kStripes))
        s->stripes[b % kStripes].lock();
    else
        for (uint32_t st = b; st < uint32_t(kStripes); st += n)
            s->stripes[st].lock();
}

void Store::unlock_bucket(IndexSlot *s, uint32_t n, uint32_t b)
{
    if (n >= uint32_t(kStripes))
        s->stripes[b % kStripes].unlock();
    else
        for (uint32_t st = b; st < uint32_t(kStripes); st += n)
            s->stripes[st].unlock();
}

KeyEntry *Store::pin_key(IndexSlot *s, uint32_t hash, const uint8_t *key, uint32_t len)
{
    KeyEntry *k;
    {
        // Look up and pin under the stripe lock: expire_index unlinks a key
        // only with every stripe of its bucket held and only when it has no
        // pin, so the key found here is linked and stays so once pinned, and
        // the walk needs no epoch (no key of this chain can be freed
        // meanwhile; the table cannot be replaced either: grow_table holds
        // every stripe).
        SpinGuard g(s->stripes[hash % kStripes]);
        if ((k = find_key(s, hash, key, len)) != nullptr) {
            k->pins.fetch_add(1, std::memory_order_acq_rel);
            return k;
        }
        size_t sz = KeyEntry::size_for(len);
        Ref r = alloc(sz);
        if (!r)
            return nullptr;
        k = at<KeyEntry>(r);
        memset(static_cast<void *>(k), 0, sz);
        k->hash = hash;
        k->keylen = uint16_t(len);
        k->newest_order.store(INT64_MIN);
        k->oldest_order.store(INT64_MAX);
        k->pins.store(1);
        memcpy(k->key, key, len);
        BucketTable t = table_of(s);
        int l = t.link();
        auto *b = at<std::atomic<Ref>>(t.buckets);
        std::atomic<Ref> &bucket = b[hash & (t.n() - 1)];
        // The stripe lock serialises creators of this hash, not of this
        // bucket (with fewer than kStripes buckets two stripes share a
        // bucket): push with a CAS so that a concurrent push to the same
        // bucket is not lost.
        Ref head = bucket.load(std::memory_order_relaxed);
        do {
            k->chain[l].store(head, std::memory_order_relaxed);
        } while (!bucket.compare_exchange_weak(head, r, std::memory_order_release, std::memory_order_relaxed));
        s->keys.fetch_add(1, std::memory_order_relaxed);
        s->bytes.fetch_add(int64_t(class_size(sz)), std::memory_order_relaxed);
    }
    // More keys than buckets: double the table (after the stripe lock: the
    // resize takes them all, in order).
    if (s->keys.load(std::memory_order_relaxed) > int64_t(table_of(s).n()))
        grow_table(s);
    return k;
}

bool Store::grow_table(IndexSlot *s, bool now)
{
    StoreHeader *h = hdr();
    BucketTable t = table_of(s);
    int64_t keys = s->keys.load(std::memory_order_relaxed);
    if (!t.buckets || keys <= int64_t(t.n()) || t.log2 >= kMaxBucketsLog2 ||
        (!now && keys < s->grow_retry_keys.load(std::memory_order_relaxed)))
        return false;
    if (s->resizing.exchange(1, std::memory_order_acquire))
        return false;
    auto retry_later = [&] {
        s->grow_retry_keys.store(keys + std::max<int64_t>(1024, keys / 16), std::memory_order_relaxed);
        s->resizing.store(0, std::memory_order_release);
        return false;
    };
    // The table before the current one must be gone: readers may still walk
    // it through the link this resize rewrites.  Two epoch advances free it
    // once no reader is left in an older epoch (requests are short: wait for
    // them a little, at most ~1 ms; else the GC pass grows the table).
    for (int i = 0; i < 40; i++) {
        {
            SpinGuard lg(h->limbo_lock);
            if (!s->old_buckets)
                break;
        }
        if (reclaim() == 0)
            std::this_thread::sleep_for(std::chrono::microseconds(25));
    }
    {
        SpinGuard lg(h->limbo_lock);
        if (s->old_buckets)
            return retry_later();
    }
    t = table_of(s);  // only this thread replaces it (resizing)
    BucketTable nt{0, t.log2 + 1};
    size_t nbytes = bucket_bytes(nt.n());
    nt.buckets = alloc(nbytes);
    if (!nt.buckets)
        return retry_later();
    memset(at<uint8_t>(nt.buckets), 0, nbytes);
    // Every key goes to a new bucket (b or b + n) through the other link;
    // nothing a reader of the current table follows changes.  All stripes:
    // no key is created, pinned or unlinked meanwhile.
    for (int i = 0; i < kStripes; i++)
        s->stripes[i].lock();
    int ol = t.link(), nl = nt.link();
    auto *ob = at<std::atomic<Ref>>(t.buckets);
    auto *nb = at<std::atomic<Ref>>(nt.buckets);
    uint32_t mask = nt.n() - 1;
    for (uint32_t i = 0; i < t.n(); i++)
        for (Ref r = ob[i].load(std::memory_order_relaxed); r;) {
            KeyEntry *k = at<KeyEntry>(r);
            Ref nx = k->chain[ol].load(std::memory_order_relaxed);
            std::atomic<Ref> &b = nb[k->hash & mask];
            k->chain[nl].store(b.load(std::memory_order_relaxed), std::memory_order_relaxed);
            b.store(r, std::memory_order_relaxed);
            r = nx;
        }
    // A dirty mark may land in the old table's bitmap while this runs: the
    // next compaction pass looks at every bucket once.
    std::atomic<uint64_t> *bits = dirty_bits(nt);
    for (uint32_t w = 0; w < (nt.n() + 63) / 64; w++)
        bits[w].store(~uint64_t(0), std::memory_order_relaxed);
    s->buckets = nt.buckets;
    s->nbuckets = nt.n();
    s->table.store(nt.word(), std::memory_order_seq_cst);
    size_t obytes = bucket_bytes(t.n());
    s->bytes.fetch_add(int64_t(class_size(nbytes)) - int64_t(class_size(obytes)), std::memory_order_relaxed);
    {
        SpinGuard lg(h->limbo_lock);
        s->old_buckets = t.buckets;
        s->old_nbuckets = t.n();
        s->old_epoch = h->epoch.load(std::memory_order_seq_cst);
        h->limbo_bytes.fetch_add(int64_t(class_size(obytes)), std::memory_order_relaxed);
    }
    for (int i = kStripes - 1; i >= 0; i--)
        s->stripes[i].unlock();
    s->resizes.fetch_add(1, std::memory_order_relaxed);
    s->resizing.store(0, std::memory_order_release);
    return true;
}

void Store::mark_dirty(IndexSlot *s, KeyEntry *k)
{
    // seq_cst with the compaction pass's table load and flag clear (and the
    // resize's table store): a mark either finds the flag set, or lands in a
    // table whose bits a later pass reads.
    if (__atomic_fetch_or(&k->flags, kKeyDirty, __ATOMIC_SEQ_CST) & kKeyDirty)
        return;
    BucketTable t = BucketTable::of(s->table.load(std::memory_order_seq_cst));
    if (!t.buckets)
        return;
    uint32_t b = k->hash & (t.n() - 1);
    dirty_bits(t)[b >> 6].fetch_or(uint64_t(1) << (b & 63), std::memory_order_seq_cst);
}

// ---------------------------------------------------------------- rows

int Store::random_height()
{
    thread_local uint64_t state = 0;
    if (state == 0) {
        uint64_t seed = uint64_t(reinterpret_cast<uintptr_t>(&state)) ^
                        uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
        state = seed | 1;
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    uint64_t r = state * 0x2545F4914F6CDD1Dull;
    int h = 1;
    while ((r & 3) == 0 && h < kMaxHeight) {
        h++;
        r >>= 2;
    }
    return h;
}

Ref Store::alloc_node(uint32_t payload_len, int64_t order, uint32_t tid_block, uint16_t tid_off)
{
    int h = random_height();
    size_t sz = RowNode::size_for(h, payload_len);
    Ref r = alloc(sz);
    // Region full: a shorter node is just as correct (the height only speeds
    // up searches), and freed blocks may all be smaller than a rare tall node.
    while (!r && h > 1) {
        h--;
        sz = RowNode::size_for(h, payload_len);
        r = alloc(sz);
    }
    if (!r)
        return 0;
    RowNode *n = at<RowNode>(r);
    n->order = order;
    n->seq_len = payload_len;
    n->tid_block = tid_block;
    n->tid_off = tid_off;
    n->height = uint8_t(h);
    n->flags = 0;
    n->limbo_next = 0;
    for (int l = 0; l < h; l++)
        new (&n->next[l]) std::atomic<Ref>(0);
    return r;
}

void Store::free_node(Ref node)
{
    if (node)
        free_row(node, node_size(at<RowNode>(node)));
}

void Store::find_preds(const KeyEntry *k, int64_t order, uint64_t seq, std::atomic<Ref> *preds[kMaxHeight]) const
{
    auto *x = const_cast<std::atomic<Ref> *>(k->head);
    for (int l = kMaxHeight - 1; l >= 0; l--) {
        for (;;) {
            Ref nx = x[l].load(std::memory_order_acquire);
            if (!nx)
                break;
            RowNode *n = at<RowNode>(nx);
            if (n->order > order || (n->order == order && n->seq() > seq))
                x = n->next;
            else
                break;
        }
        preds[l] = &x[l];
    }
}

Ref Store::find_row_locked(const KeyEntry *k, int64_t order, uint32_t tid_block, uint16_t tid_off) const
{
    std::atomic<Ref> *preds[kMaxHeight];
    find_preds(k, order, UINT64_MAX >> 16, preds);
    for (Ref r = preds[0]->load(std::memory_order_acquire); r;) {
        const RowNode *n = at<RowNode>(r);
        if (n->order != order)
            break;
        if (n->tid_block == tid_block && n->tid_off == tid_off)
            return r;
        r = n->next[0].load(std::memory_order_acquire);
    }
    return 0;
}

bool Store::publish(IndexSlot *s, KeyEntry *k, Ref node, const TtlRule &rule, bool unique)
{
    RowNode *n = at<RowNode>(node);
    std::atomic<Ref> *preds[kMaxHeight];
    {
        SpinGuard g(k->lock);
        if (unique && find_row_locked(k, n->order, n->tid_block, n->tid_off))
            return false;
        uint64_t seq = hdr()->seq.fetch_add(1, std::memory_order_relaxed) + 1;
        n->seq_len = (seq << 16) | n->payload_len();
        invalidate_blocks(s, k, n->order, n->order);  // before the link ("block summaries")
        find_preds(k, n->order, seq, preds);
        for (int l = 0; l < n->height; l++)
            n->next[l].store(preds[l]->load(std::memory_order_relaxed), std::memory_order_relaxed);
        for (int l = 0; l < n->height; l++)
            preds[l]->store(node, std::memory_order_release);
        k->nrows.fetch_add(1, std::memory_order_relaxed);
        if (n->order > k->newest_order.load(std::memory_order_relaxed) && n->order <= rule.clock_ceiling)
            k->newest_order.store(n->order, std::memory_order_release);
        if (n->order < k->oldest_order.load(std::memory_order_relaxed))
            k->oldest_order.store(n->order, std::memory_order_relaxed);
        s->rows.fetch_add(1, std::memory_order_relaxed);
        s->bytes.fetch_add(int64_t(class_size(node_size(n))), std::memory_order_relaxed);
        mark_dirty(s, k);  // a new run at least: the next compaction pass looks
    }
    // The row-count part of latest/absorlat can be applied at once.
    if ((rule.type == TtlType::kLatest || rule.type == TtlType::kAbsOrLat) &&
        k->nrows.load(std::memory_order_relaxed) > rule.rows)
        expire(s, k, rule);
    return true;
}

bool Store::remove(IndexSlot *s, KeyEntry *k, int64_t order, uint32_t tid_block, uint16_t tid_off)
{
    std::atomic<Ref> *preds[kMaxHeight];
    SpinGuard g(k->lock);
    Ref found = find_row_locked(k, order, tid_block, tid_off);
    if (!found)
        return false;
    RowNode *f = at<RowNode>(found);
    invalidate_blocks(s, k, order, order);  // before the unlink ("block summaries")
    find_preds(k, order, f->seq(), preds);
    for (int l = f->height - 1; l >= 0; l--)
        if (preds[l]->load(std::memory_order_relaxed) == found)
            preds[l]->store(f->next[l].load(std::memory_order_relaxed), std::memory_order_release);
    k->nrows.fetch_sub(1, std::memory_order_relaxed);
    s->rows.fetch_sub(1, std::memory_order_relaxed);
    int64_t sz = int64_t(class_size(node_size(f)));
    s->bytes.fetch_sub(sz, std::memory_order_relaxed);
    mark_dirty(s, k);  // its run is split
    StoreHeader *h = hdr();
    SpinGuard lg(h->limbo_lock);
    f->flags = 0;
    retire_node_locked(found);
    h->limbo_bytes.fetch_add(sz, std::memory_order_relaxed);
    return true;
}

int64_t Store::last_order_locked(const KeyEntry *k) const
{
    // Every row sorts before (INT64_MIN, seq 0): preds[0] is the last row's
    // level-0 link, or the head when the key is empty.
    std::atomic<Ref> *preds[kMaxHeight];
    find_preds(k, INT64_MIN, 0, preds);
    if (preds[0] == &k->head[0])
        return INT64_MAX;
    auto *n = reinterpret_cast<const RowNode *>(reinterpret_cast<const uint8_t *>(preds[0]) - offsetof(RowNode, next));
    return n->order;
}

int64_t Store::expire(IndexSlot *s, KeyEntry *k, const TtlRule &rule)
{
    if (rule.type == TtlType::kNone)
        return 0;
    std::atomic<Ref> *preds[kMaxHeight];
    SpinGuard g(k->lock);
    int64_t cutoff = rule.cutoff_for(k);
    Ref first = 0;
    int64_t pos = 0;
    if (rule.type == TtlType::kAbsolute) {
        // Skiplist search: the first row with order < cutoff.
        find_preds(k, cutoff, UINT64_MAX >> 16, preds);
        for (Ref r = preds[0]->load(std::memory_order_acquire); r;) {
            RowNode *n = at<RowNode>(r);
            if (n->order < cutoff) {
                first = r;
                break;
            }
            r = n->next[0].load(std::memory_order_acquire);
        }
    } else {
        for (Ref r = k->head[0].load(std::memory_order_acquire); r; pos++) {
            RowNode *n = at<RowNode>(r);
            if (rule.expired(pos, n->order, cutoff)) {
                first = r;
                break;
            }
            r = n->next[0].load(std::memory_order_acquire);
        }
    }
    if (!first) {
        // The bound was low (the oldest row was removed): make it exact.
        if (rule.has_abs())
            k->oldest_order.store(last_order_locked(k), std::memory_order_relaxed);
        return 0;
    }
    RowNode *f = at<RowNode>(first);
    // Before the cut ("block summaries"); the key is looked at again by the
    // next compaction pass, which rebuilds its blocks.
    if (invalidate_blocks(s, k, INT64_MIN, f->order) > 0)
        mark_dirty(s, k);
    find_preds(k, f->order, f->seq(), preds);
    for (int l = kMaxHeight - 1; l >= 0; l--)
        if (preds[l]->load(std::memory_order_relaxed) != 0)
            preds[l]->store(0, std::memory_order_release);
    k->oldest_order.store(last_order_locked(k), std::memory_order_relaxed);
    int64_t count = 0, bytes = 0;
    for (Ref r = first; r;) {
        RowNode *n = at<RowNode>(r);
        count++;
        bytes += int64_t(class_size(node_size(n)));
        r = n->next[0].load(std::memory_order_relaxed);
    }
    k->nrows.fetch_sub(count, std::memory_order_relaxed);
    s->rows.fetch_sub(count, std::memory_order_relaxed);
    s->bytes.fetch_sub(bytes, std::memory_order_relaxed);
    s->expired.fetch_add(count, std::memory_order_relaxed);
    StoreHeader *h = hdr();
    SpinGuard lg(h->limbo_lock);
    f->flags = kNodeChain;
    retire_node_locked(first);
    h->limbo_bytes.fetch_add(bytes, std::memory_order_relaxed);
    return count;
}

int64_t Store::expire_index(IndexSlot *s, const TtlRule &rule)
{
    int64_t total = 0;
    StoreHeader *h = hdr();
    // Can key k have rows to cut, or go (no row, no pin)?  O(1): its row
    // count, its oldest order value (a lower bound) and its clock; a key
    // whose oldest row is not expired is skipped without walking its rows.
    auto work = [&](const KeyEntry *k) {
        int64_t nr = k->nrows.load(std::memory_order_relaxed);
        if (nr == 0)
            return k->pins.load(std::memory_order_acquire) == 0;
        bool abs = rule.has_abs() && k->oldest_order.load(std::memory_order_relaxed) < rule.cutoff_for(k);
        bool rows = rule.has_rows() && nr > rule.rows;
        switch (rule.type) {
        case TtlType::kNone: return false;
        case TtlType::kAbsolute: return abs;
        case TtlType::kLatest: return rows;
        case TtlType::kAbsOrLat: return abs || rows;
        case TtlType::kAbsAndLat: return abs && rows;
        }
        return true;
    };
    // One pass per slot at a time (the worker's and run_gc()'s).
    SpinGuard gc(s->gc_lock);
restart:
    BucketTable t = table_of(s);
    if (!t.buckets)
        return total;
    int link = t.link();
    auto *b = at<std::atomic<Ref>>(t.buckets);
    for (uint32_t i = 0; i < t.n(); i++) {
        // Keys are scattered over the heap: fetch the key a few buckets
        // ahead (the tests below read only its first fields).
        if (i + 8 < t.n())
            if (Ref p = b[i + 8].load(std::memory_order_relaxed)) {
                __builtin_prefetch(at<uint8_t>(p));
                __builtin_prefetch(at<uint8_t>(p) + 56);
            }
        if (!b[i].load(std::memory_order_acquire))
            continue;  // a key pushed from now on has a pin or a row
        // Every stripe of the bucket: no push, pin or other unlink on this
        // chain meanwhile, and no resize (see the header comment).
        lock_bucket(s, t.n(), i);
        if (s->table.load(std::memory_order_acquire) != t.word()) {
            // Resized since: the new table holds every key (cut or not,
            // the checks are cheap and expire() is idempotent).
            unlock_bucket(s, t.n(), i);
            goto restart;
        }
        std::atomic<Ref> *lnk = &b[i];
        for (Ref r = lnk->load(std::memory_order_acquire); r;) {
            KeyEntry *k = at<KeyEntry>(r);
            Ref nx = k->chain[link].load(std::memory_order_acquire);
            if (!work(k)) {
                lnk = &k->chain[link];
                r = nx;
                continue;
            }
            total += expire(s, k, rule);
            bool dead = false;
            uint32_t runs = 0;
            {
                SpinGuard kg(k->lock);
                if (k->nrows.load(std::memory_order_relaxed) == 0 && k->pins.load(std::memory_order_acquire) == 0) {
                    __atomic_fetch_or(&k->flags, kKeyDead, __ATOMIC_ACQ_REL);
                    dead = true;
                    runs = k->runs;
                    k->runs = 0;
                }
            }
            if (!dead) {
                lnk = &k->chain[link];
                r = nx;
                continue;
            }
            runs_account(s, runs, 0);
            // Unlink (k's links stay: a reader on k goes on to nx) and
            // retire; k is not touched again here.
            lnk->store(nx, std::memory_order_release);
            int64_t sz = int64_t(class_size(KeyEntry::size_for(k->keylen)));
            s->keys.fetch_sub(1, std::memory_order_relaxed);
            s->bytes.fetch_sub(sz, std::memory_order_relaxed);
            {
                SpinGuard lg(h->limbo_lock);
                uint64_t e = h->epoch.load(std::memory_order_seq_cst);
                if (Ref d = k->sums.load(std::memory_order_relaxed)) {
                    // Every block is invalid (the key has no row); readers
                    // still on k may hold the directory: through the epoch.
                    const SumDir *sd = at<SumDir>(d);
                    s->sum_blocks.fetch_sub(sd->nblocks, std::memory_order_relaxed);
                    s->sum_bytes.fetch_sub(int64_t(class_size(sd->bytes)), std::memory_order_relaxed);
                    h->limbo_bytes.fetch_add(int64_t(class_size(sd->bytes)), std::memory_order_relaxed);
                    k->sums.store(0, std::memory_order_release);
                    retire_dir_locked(d);
                }
                k->limbo_next = h->limbo_keys[e % 3];
                h->limbo_keys[e % 3] = r;
                h->limbo_bytes.fetch_add(sz, std::memory_order_relaxed);
            }
            r = nx;
        }
        unlock_bucket(s, t.n(), i);
    }
    return total;
}

// ---------------------------------------------------------------- compaction

// A key's rows form runs: maximal sequences laid out one right after the
// other (newest first).  Each run boundary costs a request that walks across
// it a cache (and often TLB) miss plus a restart of the hardware prefetcher.
// Two shapes of scattering, two remedies:
//  - rows loaded in bulk, interleaved with other keys: a quarter or more of
//    the rows start a run (or `force`): the whole chain is copied;
//  - a live stream: each new row lands alone, far away, at the head.  Runs
//    newest first have sizes s_0, s_1, ...; with j the last run where s_j <
//    kGrowth * (s_0 + ... + s_{j-1}), runs 0..j are copied into one (j = the
//    last run: the whole chain).  Run sizes then grow geometrically toward
//    the tail, so a key keeps about log_8(rows) boundaries and each row is
//    copied O(log rows) times (a stream of single rows onto 1,000 stored
//    ones: at most 3 boundaries, 2 on average, 20 row copies per new row).
bool Store::compact_key(IndexSlot *s, KeyEntry *k, bool force, int64_t *runs_out, bool *deferred)
{
    constexpr int64_t kMinRows = 16;
    constexpr int64_t kGrowth = 8;
    StoreHeader *h = hdr();
    const SegInfo *sg = segs();
    auto victim = [&](Ref r) {
        uint64_t off = uint64_t(r) << 3;
        if (off < h->seg_base)
            return false;
        const SegInfo &g = sg[(off - h->seg_base) >> kSegShift];
        return g.state.load(std::memory_order_relaxed) == kSegRows && g.victim.load(std::memory_order_relaxed) &&
               g.live.load(std::memory_order_relaxed) < kSegOpenBias;
    };
    auto movable = [&](const RowNode *nd) { return node_size(nd) <= kSegMaxNode; };
    // Segments tile the whole heap (the class area grows into untaken ones):
    // only rows in row segments count.
    auto segbit = [&](Ref r) -> uint32_t {
        uint64_t off = uint64_t(r) << 3;
        if (off < h->seg_base)
            return 0;
        uint64_t i = (off - h->seg_base) >> kSegShift;
        return sg[i].state.load(std::memory_order_relaxed) == kSegRows ? uint32_t(1) << (i & 31) : 0;
    };
    if (deferred)
        *deferred = false;
    SpinGuard g(k->lock);
    // The key's runs (monitoring histogram) and segment mask, as it is left.
    auto record = [&](int64_t rn, uint32_t mask) {
        uint32_t r32 = uint32_t(std::min<int64_t>(rn, INT32_MAX));
        runs_account(s, k->runs, r32);
        k->runs = r32;
        k->segmask.store(mask, std::memory_order_relaxed);
        if (runs_out)
            *runs_out = rn;
    };
    uint32_t mask0 = 0;
    // One pass: rows, bytes, run starts, rows in victim segments, and the
    // prefix the rule copies.
    int64_t n = 0, scattered = 0, runs = 0, run = 0, before = 0, cut = 0, victims = 0;
    size_t run_bytes = 0, bytes_before = 0, cut_bytes = 0;
    auto end_run = [&] {
        if (runs > 0 && run < kGrowth * before) {
            cut = before + run;
            cut_bytes = bytes_before + run_bytes;
        }
        runs++;
        before += run;
        bytes_before += run_bytes;
        run = 0;
        run_bytes = 0;
    };
    for (Ref r = k->head[0].load(std::memory_order_acquire), prev = 0; r;) {
        RowNode *nd = at<RowNode>(r);
        size_t sz = class_size(node_size(nd));
        if (prev && !run_continues(prev, r)) {
            scattered++;
            end_run();
        }
        victims += victim(r) ? 1 : 0;
        mask0 |= segbit(r);
        run++;
        run_bytes += sz;
        n++;
        prev = r;
        r = nd->next[0].load(std::memory_order_relaxed);
    }
    if (run)
        end_run();
    record(n ? scattered + 1 : 0, mask0);
    bool whole = n >= kMinRows && (force || scattered * 4 >= n || cut == n);
    int64_t prefix = whole ? n : n >= kMinRows ? cut : 0;
    // Short of memory, only the cleaner's moves go on (into its reserve):
    // each frees more than it takes.
    bool cleaner = !compaction_room();
    if (cleaner && prefix > 0) {
        prefix = 0;
        if (deferred)
            *deferred = true;  // looked at again when room is back
    }
    // Nothing moves: blocks invalidated since the last pass are rebuilt
    // (their rows are read meanwhile), or made for a key that has none.
    auto sums_only = [&] {
        if (sum_rows_of(s) == 0 || n < int64_t(sum_rows_of(s)))
            return;
        const SumDir *d = at<SumDir>(k->sums.load(std::memory_order_relaxed));
        bool stale = d == nullptr;
        for (uint32_t i = 0; d && i < d->nblocks + d->nsupers && !stale; i++)
            stale = !d->block(i)->valid.load(std::memory_order_relaxed);
        if (stale)
            rebuild_sums(s, k);
    };
    if (prefix == 0 && victims == 0) {
        sums_only();
        return false;
    }
    // The set M: the prefix (or everything) and the rows in victim
    // segments; rows too large for a segment stay where they are.
    auto moves = [&](int64_t i, Ref r, const RowNode *nd) { return (i < prefix || victim(r)) && movable(nd); };
    size_t want = 0;
    int64_t m = 0;
    {
        int64_t i = 0;
        for (Ref r = k->head[0].load(std::memory_order_relaxed); r; i++) {
            RowNode *nd = at<RowNode>(r);
            if (moves(i, r, nd)) {
                want += class_size(node_size(nd));
                m++;
            }
            r = nd->next[0].load(std::memory_order_relaxed);
        }
    }
    if (m == 0) {
        sums_only();
        return false;
    }
    // (1) Copy M in list order into pieces of the open run segment; each old
    // node's limbo link (0 on every linked node) records its copy.
    Ref first_old = k->head[0].load(std::memory_order_relaxed);
    // Bytes actually copied: a segment marked as a victim since the walk
    // above (mark_victims of another compact_index) adds rows to M.
    size_t bytes = 0;
    uint64_t pos = 0, end = 0;
    bool ok = true;
    {
        int64_t i = 0;
        for (Ref r = first_old; r; i++) {
            RowNode *old = at<RowNode>(r);
            if (moves(i, r, old)) {
                size_t nsz = node_size(old), sz = class_size(nsz);
                if (pos + sz > end) {
                    give_back(pos, end);
                    pos = end = 0;  // given back: not again after the loop
                    if (!run_piece(sz, std::max(want, sz), cleaner, &pos, &end)) {
                        ok = false;
                        break;
                    }
                }
                memcpy(at<uint8_t>(Ref(pos >> 3)), old, nsz);
                old->limbo_next = Ref(pos >> 3);
                pos += sz;
                want = want > sz ? want - sz : 0;
                bytes += sz;
            }
            r = old->next[0].load(std::memory_order_relaxed);
        }
    }
    give_back(pos, end);
    if (!ok) {
        // Memory is short: drop the copies made so far (never reachable).
        for (Ref r = first_old; r;) {
            RowNode *old = at<RowNode>(r);
            if (old->limbo_next) {
                free_row(old->limbo_next, node_size(old));
                old->limbo_next = 0;
            }
            r = old->next[0].load(std::memory_order_relaxed);
        }
        if (deferred)
            *deferred = true;
        return false;
    }
    auto moved = [&](Ref x) -> Ref { return x && at<RowNode>(x)->limbo_next ? at<RowNode>(x)->limbo_next : x; };
    // (2) Link the copies: to each other's copies, or to the rows that stay.
    for (Ref r = first_old; r;) {
        RowNode *old = at<RowNode>(r);
        if (old->limbo_next) {
            RowNode *cp = at<RowNode>(old->limbo_next);
            cp->flags = 0;
            cp->limbo_next = 0;
            for (int l = 0; l < old->height; l++)
                cp->next[l].store(moved(old->next[l].load(std::memory_order_relaxed)), std::memory_order_relaxed);
        }
        r = old->next[0].load(std::memory_order_relaxed);
    }
    // Blocks holding a moved row go invalid before the copies are linked
    // ("block summaries"): their first or last may be retired below.  One
    // range per stretch of consecutive moved rows.
    if (k->sums.load(std::memory_order_relaxed)) {
        if (m == n) {
            invalidate_blocks(s, k, INT64_MIN, INT64_MAX);
        } else {
            bool open = false;
            int64_t hi = 0, lo = 0;
            for (Ref r = first_old; r;) {
                RowNode *old = at<RowNode>(r);
                if (old->limbo_next) {
                    if (!open)
                        hi = old->order, open = true;
                    lo = old->order;
                } else if (open) {
                    invalidate_blocks(s, k, lo, hi);
                    open = false;
                }
                r = old->next[0].load(std::memory_order_relaxed);
            }
            if (open)
                invalidate_blocks(s, k, lo, hi);
        }
    }
    // (3) Publish: the heads, then each link of a row that stays, that
    // points into M.  Readers follow either the old nodes (intact until
    // reclaimed, leading on into the same rows) or the copies.  Links point
    // from newer to older rows only, so once the walk reaches an old node of
    // M nothing points to it any more: it goes on the retire list (its
    // limbo link is free again), unless the whole chain moves (one chain
    // entry below).
    for (int l = kMaxHeight - 1; l >= 0; l--) {
        Ref h0 = k->head[l].load(std::memory_order_relaxed);
        if (h0 != moved(h0))
            k->head[l].store(moved(h0), std::memory_order_release);
    }
    bool all = m == n;
    Ref ret_first = 0, ret_last = 0;
    for (Ref r = first_old; r;) {
        RowNode *x = at<RowNode>(r);
        Ref nx = x->next[0].load(std::memory_order_relaxed);  // before any update of x
        if (x->limbo_next) {
            if (!all) {
                x->flags = 0;
                x->limbo_next = 0;
                if (ret_last)
                    at<RowNode>(ret_last)->limbo_next = r;
                else
                    ret_first = r;
                ret_last = r;
            }
        } else {
            for (int l = 0; l < x->height; l++) {
                Ref y = x->next[l].load(std::memory_order_relaxed);
                if (y != moved(y))
                    x->next[l].store(moved(y), std::memory_order_release);
            }
        }
        r = nx;
    }
    h->moved_bytes.fetch_add(bytes, std::memory_order_relaxed);
    {
        SpinGuard lg(h->limbo_lock);
        uint64_t e = h->epoch.load(std::memory_order_seq_cst);
        if (all) {
            at<RowNode>(first_old)->flags = kNodeChain;
            retire_node_locked(first_old);
        } else {
            at<RowNode>(ret_last)->limbo_next = h->limbo_nodes[e % 3];
            h->limbo_nodes[e % 3] = ret_first;
        }
        h->limbo_bytes.fetch_add(int64_t(bytes), std::memory_order_relaxed);
    }
    {
        int64_t rn = 0;
        uint32_t mask = 0;
        for (Ref r = k->head[0].load(std::memory_order_relaxed), prev = 0; r;) {
            RowNode *nd = at<RowNode>(r);
            if (!prev || !run_continues(prev, r))
                rn++;
            mask |= segbit(r);
            prev = r;
            r = nd->next[0].load(std::memory_order_relaxed);
        }
        record(rn, mask);
    }
    if (sum_rows_of(s))
        rebuild_sums(s, k);
    return true;
}

// ---------------------------------------------------------------- block summaries

void Store::set_summaries(IndexSlot *s, uint32_t rows_per_block, const SumCol *cols, uint32_t ncols,
                          uint32_t blocks_per_super)
{
    s->sum_group = blocks_per_super >= 2 ? blocks_per_super : 0;
    ncols = std::min<uint32_t>(ncols, kMaxSumCols);
    for (uint32_t i = 0; i < ncols; i++)
        s->sum_cols[i] = cols[i];
    s->sum_ncols = ncols;
    __atomic_store_n(&s->sum_rows, rows_per_block, __ATOMIC_RELEASE);
}

int64_t Store::invalidate_blocks(IndexSlot *s, KeyEntry *k, int64_t lo, int64_t hi)
{
    (void)s;
    SumDir *d = at<SumDir>(k->sums.load(std::memory_order_relaxed));
    if (!d)
        return 0;
    // Blocks are in list order: min_order and max_order do not increase.
    // Those with min_order <= hi are a suffix; of them, those with
    // max_order >= lo a prefix of it.
    uint32_t a = 0, b = d->nblocks;
    while (a < b) {
        uint32_t mid = (a + b) / 2;
        if (d->block(mid)->min_order > hi)
            a = mid + 1;
        else
            b = mid;
    }
    int64_t cleared = 0;
    for (uint32_t i = a; i < d->nblocks && d->block(i)->max_order >= lo; i++) {
        BlockSum *bl = d->block(i);
        if (bl->valid.load(std::memory_order_relaxed)) {
            bl->valid.store(0, std::memory_order_seq_cst);
            cleared++;
        }
    }
    // Superblocks: their range spans the gaps between their blocks.
    a = 0, b = d->nsupers;
    while (a < b) {
        uint32_t mid = (a + b) / 2;
        if (d->super(mid)->min_order > hi)
            a = mid + 1;
        else
            b = mid;
    }
    for (uint32_t i = a; i < d->nsupers && d->super(i)->max_order >= lo; i++) {
        BlockSum *bl = d->super(i);
        if (bl->valid.load(std::memory_order_relaxed)) {
            bl->valid.store(0, std::memory_order_seq_cst);
            cleared++;
        }
    }
    return cleared;
}

void Store::retire_dir_locked(Ref dir)
{
    StoreHeader *h = hdr();
    uint64_t e = h->epoch.load(std::memory_order_seq_cst);
    at<SumDir>(dir)->limbo_next = h->limbo_dirs[e % 3];
    h->limbo_dirs[e % 3] = dir;
}

namespace {

// PostgreSQL's float8 order: NaN above every other value, -0 equal to +0.
int f8cmp(double a, double b)
{
    if (std::isnan(a))
        return std::isnan(b) ? 0 : 1;
    if (std::isnan(b))
        return -1;
    return a < b ? -1 : a > b ? 1 : 0;
}

struct ColAcc {
    int64_t count;
    int64_t imin, imax;
    __int128 isum;
    double fmin, fmax, fsum;
    // floats: some addition into fsum rounded, or a value / the sum is not
    // finite (ColSum::sum_hi != kFsumExact)
    bool finexact;
};

// a + b rounded to s: was it exact?  (TwoSum's error term is zero; a
// non-finite s is never exact: NaN / infinities are read as rows.)
inline bool fadd_exact(double a, double b, double s)
{
    if (!std::isfinite(s))
        return false;
    double bb = s - a;
    double err = (a - (s - bb)) + (b - bb);
    return err == 0.0;
}

// Add the row's summarised columns (payload p) to accs[0..nc).
void acc_row(ColAcc *accs, const SumCol *cols, uint32_t nc, const uint8_t *p)
{
    for (uint32_t c = 0; c < nc; c++) {
        const SumCol &sc = cols[c];
        if (p[sc.null_bit / 8] & (1 << (sc.null_bit % 8)))
            continue;
        ColAcc &a = accs[c];
        if (sc.kind == kSumText) {  // the non-null count only
            a.count++;
            continue;
        }
        if (sum_is_float(sc.kind)) {
            double v;
            if (sc.kind == kSumF32) {
                float x;
                memcpy(&x, p + sc.off, 4);
                v = double(x);
            } else
                memcpy(&v, p + sc.off, 8);
            if (a.count == 0)
                a.fmin = a.fmax = v;
            else {
                if (f8cmp(v, a.fmin) < 0)
                    a.fmin = v;
                if (f8cmp(v, a.fmax) > 0)
                    a.fmax = v;
            }
            // From the first value, as PostgreSQL's sum(float8) (a block of
            // -0 values sums to -0).
            double s = a.count == 0 ? v : a.fsum + v;
            if (a.count == 0 ? !std::isfinite(v) : !fadd_exact(a.fsum, v, s))
                a.finexact = true;
            a.fsum = s;
        } else {
            int64_t v;
            if (sc.kind == kSumI16) {
                int16_t x;
                memcpy(&x, p + sc.off, 2);
                v = x;
            } else if (sc.kind == kSumI32) {
                int32_t x;
                memcpy(&x, p + sc.off, 4);
                v = x;
            } else
                memcpy(&v, p + sc.off, 8);
            if (a.count == 0)
                a.imin = a.imax = v;
            else {
                a.imin = std::min(a.imin, v);
                a.imax = std::max(a.imax, v);
            }
            a.isum += v;
        }
        a.count++;
    }
}

// The integer value of column sc in payload p; false when NULL.
bool int_value(const SumCol &sc, const uint8_t *p, int64_t *v)
{
    if (p[sc.null_bit / 8] & (1 << (sc.null_bit % 8)))
        return false;
    if (sc.kind == kSumI16) {
        int16_t x;
        memcpy(&x, p + sc.off, 2);
        *v = x;
    } else if (sc.kind == kSumI32) {
        int32_t x;
        memcpy(&x, p + sc.off, 4);
        *v = x;
    } else
        memcpy(v, p + sc.off, 8);
    return true;
}

void store_colsums(ColSum *cs, const ColAcc *acc, const SumCol *cols, uint32_t nc)
{
    for (uint32_t c = 0; c < nc; c++) {
        const ColAcc &a = acc[c];
        cs[c].count = a.count;
        if (sum_is_float(cols[c].kind)) {
            memcpy(&cs[c].min, &a.fmin, 8);
            memcpy(&cs[c].max, &a.fmax, 8);
            memcpy(&cs[c].sum_lo, &a.fsum, 8);
            cs[c].sum_hi = a.finexact ? 0 : kFsumExact;
        } else {
            cs[c].min = a.imin;
            cs[c].max = a.imax;
            cs[c].sum_lo = uint64_t(a.isum);
            cs[c].sum_hi = int64_t(a.isum >> 64);
        }
    }
}

// Merge summary x into acc (superblocks).
void merge_colsum(ColAcc &a, const ColSum &x, bool fl)
{
    if (x.count == 0)
        return;
    if (fl) {
        if (a.count == 0)
            a.fmin = x.fmin(), a.fmax = x.fmax();
        else {
            if (f8cmp(x.fmin(), a.fmin) < 0)
                a.fmin = x.fmin();
            if (f8cmp(x.fmax(), a.fmax) > 0)
                a.fmax = x.fmax();
        }
        double s = a.count == 0 ? x.fsum() : a.fsum + x.fsum();
        if (x.sum_hi != kFsumExact || (a.count == 0 ? !std::isfinite(s) : !fadd_exact(a.fsum, x.fsum(), s)))
            a.finexact = true;
        a.fsum = s;
    } else {
        if (a.count == 0)
            a.imin = x.min, a.imax = x.max;
        else
            a.imin = std::min(a.imin, x.min), a.imax = std::max(a.imax, x.max);
        a.isum += x.sum();
    }
    a.count += x.count;
}

// One condition column's per-value map while an entry is built.
struct MapAcc {
    uint32_t n;
    bool over;
    int64_t val[kCondMapMax];
    int64_t rows[kCondMapMax];
    ColAcc acc[kCondMapMax][kMaxSumCols];
    void reset()
    {
        n = 0;
        over = false;
    }
    // Text columns: each entry's representative (a row of it, its bytes).
    Ref rep_ref[kCondMapMax];
    const uint8_t *rep_data[kCondMapMax];
    uint32_t rep_len[kCondMapMax];
    // The slot for the text value of hash h, bytes d[0..n) in row r: two
    // different values of one hash make the map overflow (no map: readers
    // read the rows), never one entry.
    int slot_text(int64_t h, const uint8_t *d, uint32_t n, Ref r, uint32_t nc)
    {
        for (uint32_t i = 0; i < this->n; i++)
            if (val[i] == h) {
                if (rep_len[i] != n || memcmp(rep_data[i], d, n) != 0) {
                    over = true;  // a hash collision
                    return -1;
                }
                return int(i);
            }
        int e = slot(h, nc);
        if (e >= 0) {
            rep_ref[e] = r;
            rep_data[e] = d;
            rep_len[e] = n;
        }
        return e;
    }
    // The slot for value v (nullptr: the map overflows).
    int slot(int64_t v, uint32_t nc)
    {
        for (uint32_t i = 0; i < n; i++)
            if (val[i] == v)
                return int(i);
        if (n == kCondMapMax) {
            over = true;
            return -1;
        }
        val[n] = v;
        rows[n] = 0;
        for (uint32_t c = 0; c < nc; c++)
            acc[n][c] = ColAcc{0, 0, 0, 0, 0.0, 0.0, 0.0, false};
        return int(n++);
    }
};

// Which maps of an entry are kept: kCondBlockBytes of CondEntry bytes,
// columns in order; others (and float columns) marked over.  Returns the
// entries kept; kept[j] = entries of column j or -1 (over).
uint32_t maps_kept(const MapAcc *maps, const SumCol *cols, uint32_t nc, int *kept)
{
    size_t esz = CondEntry::size_for(nc), used = 0;
    uint32_t total = 0;
    for (uint32_t j = 0; j < nc; j++) {
        kept[j] = -1;
        if (sum_is_float(cols[j].kind) || maps[j].over)
            continue;
        if (used + maps[j].n * esz > kCondBlockBytes)
            continue;
        used += maps[j].n * esz;
        kept[j] = int(maps[j].n);
        total += maps[j].n;
    }
    return total;
}

// Write entry e's maps into d at *pos (CondEntry bytes), values ascending.
void write_maps(SumDir *d, uint32_t e, MapAcc *maps, const SumCol *cols, uint32_t nc, const int *kept, uint32_t *pos)
{
    size_t esz = CondEntry::size_for(nc);
    for (uint32_t j = 0; j < d->nconds; j++) {
        CondHdr *h = d->cond(e, j);
        h->off = *pos;
        h->n = 0;
        h->over = kept[j] < 0 ? 1 : 0;
        if (kept[j] < 0)
            continue;
        MapAcc &m = maps[j];
        uint32_t ord[kCondMapMax];
        for (uint32_t i = 0; i < m.n; i++) {
            uint32_t k = i;
            while (k > 0 && m.val[ord[k - 1]] > m.val[i]) {
                ord[k] = ord[k - 1];
                k--;
            }
            ord[k] = i;
        }
        for (uint32_t i = 0; i < m.n; i++) {
            CondEntry *ce = reinterpret_cast<CondEntry *>(reinterpret_cast<uint8_t *>(d) + *pos);
            ce->value = m.val[ord[i]];
            ce->rows = m.rows[ord[i]];
            store_colsums(ce->cols(), m.acc[ord[i]], cols, nc);
            if (cols[j].kind == kSumText) {
                ColSum &t = ce->cols()[j];
                t.min = int64_t(m.rep_ref[ord[i]]);
                t.max = int64_t(m.rep_len[ord[i]]);
                // values of up to 16 bytes also inline (readers compare
                // them without touching the row)
                t.sum_lo = 0;
                t.sum_hi = 0;
                if (m.rep_len[ord[i]] <= kTextInline)
                    memcpy(&t.sum_lo, m.rep_data[ord[i]], m.rep_len[ord[i]]);
            }
            *pos += uint32_t(esz);
        }
        h->n = uint16_t(m.n);
    }
}

}  // namespace

void Store::rebuild_sums(IndexSlot *s, KeyEntry *k)
{
    uint32_t B = sum_rows_of(s);
    if (B == 0)
        return;
    uint32_t nc = s->sum_ncols;
    const SumCol *cols = s->sum_cols;
    Ref od = k->sums.load(std::memory_order_relaxed);
    SumDir *old = at<SumDir>(od);
    uint32_t nb_old = old ? old->nblocks : 0;
    bool old_maps = old && old->nconds == nc;  // its blocks' maps can be carried
    size_t esz = CondEntry::size_for(nc);
    // Can the row's columns be read (the payload holds every bit and value)?
    auto readable = [&](const RowNode *nd) {
        uint32_t len = nd->payload_len();
        for (uint32_t c = 0; c < nc; c++) {
            const SumCol &sc = cols[c];
            if (uint32_t(sc.null_bit / 8) >= len)
                return false;
            if (sc.kind == kSumText) {
                const uint8_t *d;
                uint32_t n;
                if (text_value(sc, nd->payload(), len, &d, &n) < 0)
                    return false;
                continue;
            }
            uint32_t w = sc.kind == kSumI16 ? 2 : (sc.kind == kSumI32 || sc.kind == kSumF32) ? 4 : 8;
            if (sc.kind == kSumNone || uint32_t(sc.off) + w > len)
                return false;
        }
        return true;
    };
    ColAcc acc[kMaxSumCols];
    static thread_local MapAcc maps[kMaxSumCols];
    // One walk of the list: count (dst == nullptr) or fill dst.  Returns
    // the blocks; *carried: how many are old valid blocks; *nmap: the
    // CondEntry count of the blocks' maps.
    auto walk = [&](SumDir *dst, uint32_t cap, uint32_t *carried, uint32_t *nmap) -> uint32_t {
        uint32_t count = 0, h = 0, run_n = 0, pos = dst ? dst->cond_off + uint32_t(sizeof(CondHdr)) * (cap + dst->nsupers) * nc : 0;
        // (dst->nsupers is 0 while filling; the headers of the superblocks
        // are reserved by cap + ns: see below.)
        *carried = 0;
        *nmap = 0;
        BlockSum *cur = nullptr;
        for (Ref r = k->head[0].load(std::memory_order_relaxed); r;) {
            const RowNode *nd = at<RowNode>(r);
            int64_t o = nd->order;
            while (h < nb_old && old->block(h)->min_order > o)
                h++;
            const BlockSum *ob = nullptr;
            uint32_t oj = 0;
            for (uint32_t j = h; j < nb_old && old->block(j)->max_order >= o; j++) {
                const BlockSum *cand = old->block(j);
                if (cand->first == r && cand->valid.load(std::memory_order_relaxed) && old_maps) {
                    ob = cand;
                    oj = j;
                    h = j + 1;
                    break;
                }
            }
            if (ob) {
                run_n = 0;  // a partial block before it is dropped
                for (uint32_t j = 0; j < nc; j++)
                    *nmap += old->cond(oj, j)->n;
                if (dst && count < cap) {
                    BlockSum *nbk = dst->block(count);
                    memcpy(static_cast<void *>(nbk), static_cast<const void *>(ob), dst->block_bytes);
                    nbk->valid.store(1, std::memory_order_relaxed);
                    for (uint32_t j = 0; j < nc; j++) {
                        const CondHdr *oh = old->cond(oj, j);
                        CondHdr *nh = dst->cond(count, j);
                        nh->off = pos;
                        nh->n = oh->n;
                        nh->over = oh->over;
                        memcpy(reinterpret_cast<uint8_t *>(dst) + pos,
                               reinterpret_cast<const uint8_t *>(old) + oh->off, oh->n * esz);
                        pos += uint32_t(oh->n * esz);
                    }
                }
                count++;
                (*carried)++;
                r = at<RowNode>(ob->last)->next[0].load(std::memory_order_relaxed);
                continue;
            }
            Ref nx = nd->next[0].load(std::memory_order_relaxed);
            if (!readable(nd)) {
                run_n = 0;
                r = nx;
                continue;
            }
            if (run_n == 0) {
                cur = dst && count < cap ? dst->block(count) : nullptr;
                if (cur) {
                    cur->first = r;
                    cur->max_order = o;
                }
                for (uint32_t c = 0; c < nc; c++) {
                    acc[c] = ColAcc{0, 0, 0, 0, 0.0, 0.0, 0.0, false};
                    maps[c].reset();
                }
            }
            const uint8_t *p = nd->payload();
            if (cur)
                acc_row(acc, cols, nc, p);
            for (uint32_t j = 0; j < nc; j++) {
                MapAcc &m = maps[j];
                int64_t v;
                int e;
                if (m.over || sum_is_float(cols[j].kind))
                    continue;
                if (cols[j].kind == kSumText) {
                    const uint8_t *d;
                    uint32_t n;
                    if (text_value(cols[j], p, nd->payload_len(), &d, &n) <= 0)
                        continue;  // NULL: in no entry
                    e = m.slot_text(int64_t(text_hash(d, n)), d, n, r, nc);
                } else {
                    if (!int_value(cols[j], p, &v))
                        continue;  // NULL: in no entry
                    e = m.slot(v, nc);
                }
                if (e < 0)
                    continue;
                m.rows[e]++;
                if (dst)
                    acc_row(m.acc[e], cols, nc, p);
            }
            if (++run_n == B) {
                int kept[kMaxSumCols];
                *nmap += maps_kept(maps, cols, nc, kept);
                if (cur) {
                    cur->n = B;
                    cur->last = r;
                    cur->min_order = o;
                    store_colsums(cur->cols(), acc, cols, nc);
                    write_maps(dst, count, maps, cols, nc, kept, &pos);
                    cur->valid.store(1, std::memory_order_relaxed);
                }
                count++;
                run_n = 0;
                cur = nullptr;
            }
            r = nx;
        }
        return count;
    };
    uint32_t carried = 0, nmap = 0;
    uint32_t nb = walk(nullptr, 0, &carried, &nmap);
    bool supers_ok = true;
    for (uint32_t i = 0; old && i < old->nsupers; i++)
        supers_ok = supers_ok && old->super(i)->valid.load(std::memory_order_relaxed);
    if (old && old_maps && carried == nb_old && nb == nb_old && supers_ok)
        return;  // the same blocks
    uint32_t G = s->sum_group;
    uint32_t ns = G ? nb / G : 0;
    Ref nd = 0;
    size_t bytes = 0;
    if (nb > 0) {
        // Summaries are an optimisation: not out of the room inserts need
        // (the old directory, its changed blocks invalid, stays meanwhile).
        if (!compaction_room())
            return;
        // Layout: the directory, its nb + ns entries, one CondHdr per
        // (entry, column), the blocks' CondEntries, then room for the
        // superblocks' (at most kCondBlockBytes each).
        size_t hdr_bytes = sizeof(CondHdr) * size_t(nb + ns) * nc;
        bytes = SumDir::size_for(nb + ns, nc) + hdr_bytes + size_t(nmap) * esz + size_t(ns) * kCondBlockBytes;
        if (bytes > UINT32_MAX)
            return;
        nd = alloc(bytes);
        if (!nd)
            return;  // memory short: the old directory stays (its invalid blocks read as rows)
        SumDir *d = at<SumDir>(nd);
        d->limbo_next = 0;
        d->bytes = uint32_t(bytes);
        d->nblocks = nb;
        d->ncols = uint16_t(nc);
        d->block_bytes = uint16_t(BlockSum::size_for(nc));
        d->nsupers = 0;  // none while blocks are filled (super(i) follows the blocks)
        d->group = G;
        d->nconds = nc;
        d->cond_off = uint32_t(SumDir::size_for(nb + ns, nc));
        uint32_t c2 = 0, nmap2 = 0;
        // walk's CondEntry area starts after all nb + ns headers: pass
        // cap = nb and account for ns through nsupers meanwhile.
        d->nsupers = ns;
        uint32_t filled = walk(d, nb, &c2, &nmap2);
        d->nsupers = 0;
        if (filled != nb || nmap2 != nmap) {  // cannot happen: the list is unchanged under the key lock
            free(nd, bytes);
            return;
        }
        uint32_t pos = uint32_t(d->cond_off + hdr_bytes + size_t(nmap) * esz);
        d->nsupers = ns;
        for (uint32_t si = 0; si < ns; si++) {
            BlockSum *sb = d->super(si);
            const BlockSum *b0 = d->block(si * G);
            bool ok = true;
            for (uint32_t j = si * G; j + 1 < (si + 1) * G && ok; j++)
                ok = at<RowNode>(d->block(j)->last)->next[0].load(std::memory_order_relaxed) == d->block(j + 1)->first;
            sb->first = b0->first;
            sb->max_order = b0->max_order;
            sb->last = d->block((si + 1) * G - 1)->last;
            sb->min_order = d->block((si + 1) * G - 1)->min_order;
            sb->n = 0;
            ColAcc sacc[kMaxSumCols];
            for (uint32_t c = 0; c < nc; c++) {
                sacc[c] = ColAcc{0, 0, 0, 0, 0.0, 0.0, 0.0, false};
                for (uint32_t j = si * G; j < (si + 1) * G; j++)
                    merge_colsum(sacc[c], d->block(j)->cols()[c], sum_is_float(cols[c].kind));
            }
            store_colsums(sb->cols(), sacc, cols, nc);
            // The superblock's maps: the union of its blocks' maps.
            for (uint32_t jc = 0; jc < nc; jc++) {
                MapAcc &m = maps[jc];
                m.reset();
                for (uint32_t j = si * G; j < (si + 1) * G && !m.over; j++) {
                    const CondHdr *bh = d->cond(j, jc);
                    if (bh->over) {
                        m.over = true;
                        break;
                    }
                    for (uint32_t i = 0; i < bh->n && !m.over; i++) {
                        const CondEntry *ce = d->cond_entry(bh, i);
                        int e;
                        if (cols[jc].kind == kSumText) {
                            // the block entry's representative, compared
                            // with the superblock's entry of the same hash
                            Ref rr = Ref(ce->cols()[jc].min);
                            const RowNode *rn = at<RowNode>(rr);
                            const uint8_t *td;
                            uint32_t tn;
                            if (text_value(cols[jc], rn->payload(), rn->payload_len(), &td, &tn) <= 0) {
                                m.over = true;  // cannot happen: the row holds the value
                                break;
                            }
                            e = m.slot_text(ce->value, td, tn, rr, nc);
                        } else
                            e = m.slot(ce->value, nc);
                        if (e < 0)
                            break;
                        m.rows[e] += ce->rows;
                        for (uint32_t c = 0; c < nc; c++)
                            merge_colsum(m.acc[e][c], ce->cols()[c], sum_is_float(cols[c].kind));
                    }
                }
            }
            int kept[kMaxSumCols];
            maps_kept(maps, cols, nc, kept);
            write_maps(d, nb + si, maps, cols, nc, kept, &pos);
            for (uint32_t j = si * G; j < (si + 1) * G; j++)
                sb->n += d->block(j)->n;
            sb->valid.store(ok ? 1 : 0, std::memory_order_relaxed);
        }
    }
    k->sums.store(nd, std::memory_order_release);
    s->sum_blocks.fetch_add(int64_t(nb) - int64_t(nb_old), std::memory_order_relaxed);
    s->sum_bytes.fetch_add(int64_t(nd ? class_size(bytes) : 0) - int64_t(old ? class_size(old->bytes) : 0),
                           std::memory_order_relaxed);
    if (old) {
        // Readers holding the old directory read rows from now on; its
        // memory goes through the epoch.
        for (uint32_t i = 0; i < nb_old + old->nsupers; i++)
            old->block(i)->valid.store(0, std::memory_order_seq_cst);
        StoreHeader *h = hdr();
        SpinGuard lg(h->limbo_lock);
        retire_dir_locked(od);
        h->limbo_bytes.fetch_add(int64_t(class_size(old->bytes)), std::memory_order_relaxed);
    }
}

void Store::runs_account(IndexSlot *s, uint32_t before, uint32_t after)
{
    if (before == after)
        return;
    auto bucket = [](uint32_t r) { return r < uint32_t(kRunsHist) ? r : uint32_t(kRunsHist - 1); };
    if (before)
        s->runs_hist[bucket(before)].fetch_sub(1, std::memory_order_relaxed);
    if (after) {
        s->runs_hist[bucket(after)].fetch_add(1, std::memory_order_relaxed);
        if (after >= uint32_t(kRunsHist - 1) && int64_t(after) > s->runs_big.load(std::memory_order_relaxed))
            s->runs_big.store(after, std::memory_order_relaxed);
    }
}

int64_t Store::compact_index(IndexSlot *s, bool force)
{
    uint64_t vgen = 0;
    uint32_t vmask = 0;
    mark_victims(&vgen, &vmask);
    // Short of room for runs while the class area may have a free top: give
    // it back first (coalesce() runs only if something was freed since).
    if (!compaction_room())
        coalesce();
    // Which keys: those marked dirty (rows published or removed since their
    // last visit: the dirty bits of their buckets), and, when segments were
    // marked as victims since this slot's last full scan, every key whose
    // segment mask meets the victims' (an O(1) test per key).  force: all.
    bool full = force || (vmask != 0 && s->victims_done.load(std::memory_order_relaxed) != vgen);
    int64_t done = 0;
    bool any_deferred = false;
    BucketTable t = BucketTable::of(s->table.load(std::memory_order_seq_cst));
    if (!t.buckets)
        return 0;
    int link = t.link();
    auto *b = at<std::atomic<Ref>>(t.buckets);
    std::atomic<uint64_t> *bits = dirty_bits(t);
    auto visit_chain = [&](uint32_t i) {
        for (Ref r = b[i].load(std::memory_order_acquire); r;) {
            KeyEntry *k = at<KeyEntry>(r);
            // Read first: a clean key is not written (a write is a page
            // fault on the first touch of each page of shared memory).
            bool dirty = (__atomic_load_n(&k->flags, __ATOMIC_SEQ_CST) & kKeyDirty) &&
                         (__atomic_fetch_and(&k->flags, uint8_t(~kKeyDirty), __ATOMIC_SEQ_CST) & kKeyDirty);
            if (dirty || force || (full && (k->segmask.load(std::memory_order_relaxed) & vmask))) {
                bool deferred = false;
                done += compact_key(s, k, force, nullptr, &deferred) ? 1 : 0;
                if (deferred) {
                    any_deferred = true;
                    if (!k->dead())
                        mark_dirty(s, k);
                }
            }
            r = k->chain[link].load(std::memory_order_acquire);
        }
    };
    for (uint32_t w = 0; w < (t.n() + 63) / 64; w++) {
        uint64_t m = bits[w].load(std::memory_order_seq_cst) ? bits[w].exchange(0, std::memory_order_seq_cst) : 0;
        if (full) {
            for (uint32_t i = w * 64; i < std::min<uint32_t>(t.n(), w * 64 + 64); i++) {
                if (i + 8 < t.n())
                    if (Ref p = b[i + 8].load(std::memory_order_relaxed))
                        __builtin_prefetch(at<uint8_t>(p));
                visit_chain(i);
            }
            continue;
        }
        while (m) {
            uint32_t i = w * 64 + uint32_t(__builtin_ctzll(m));
            m &= m - 1;
            if (i < t.n())
                visit_chain(i);
        }
    }
    if (full && !any_deferred)
        s->victims_done.store(vgen, std::memory_order_relaxed);
    // Runs per key as each key was left by its last visit.
    int64_t keys = 0, total = 0, most = 0;
    for (int i = 1; i < kRunsHist; i++) {
        int64_t c = s->runs_hist[i].load(std::memory_order_relaxed);
        if (c <= 0)
            continue;
        keys += c;
        total += c * i;
        most = i;
    }
    if (most == kRunsHist - 1)
        most = std::max<int64_t>(most, s->runs_big.load(std::memory_order_relaxed));
    else
        s->runs_big.store(0, std::memory_order_relaxed);
    s->runs_keys.store(keys, std::memory_order_relaxed);
    s->runs_total.store(total, std::memory_order_relaxed);
    s->runs_max.store(most, std::memory_order_relaxed);
    return done;
}

// ---------------------------------------------------------------- cursor

void Store::Cursor::seek(const Store &st, const KeyEntry *k, int64_t upto, const TtlRule &rule)
{
    st_ = &st;
    rule_ = rule;
    cutoff_ = rule.cutoff_for(k);
    pos_ = 0;
    cur_ = nullptr;
    dir_ = st.at<SumDir>(k->sums.load(std::memory_order_acquire));
    hint_ = 0;
    if (dir_) {
        // The first block that may hold rows at or below upto.
        uint32_t a = 0, b = dir_->nblocks;
        while (a < b) {
            uint32_t mid = (a + b) / 2;
            if (dir_->block(mid)->min_order > upto)
                a = mid + 1;
            else
                b = mid;
        }
        hint_ = a;
    }
    if (rule.has_rows()) {
        // Positions count from the key's newest row: walk level 0.
        for (Ref r = k->head[0].load(std::memory_order_acquire); r; pos_++) {
            const RowNode *n = st.at<RowNode>(r);
            if (n->order <= upto) {
                cur_ = n;
                break;
            }
            r = n->next[0].load(std::memory_order_acquire);
        }
    } else {
        // Land on the level-0 successor loaded (and checked) by the search
        // itself: re-reading x[0] afterwards could return a row inserted in
        // between, with order > upto.
        const std::atomic<Ref> *x = k->head;
        Ref found = 0;
        for (int l = kMaxHeight - 1; l >= 0; l--) {
            for (;;) {
                Ref nx = x[l].load(std::memory_order_acquire);
                found = nx;
                if (!nx)
                    break;
                const RowNode *n = st.at<RowNode>(nx);
                if (n->order > upto)
                    x = n->next;
                else
                    break;
            }
        }
        cur_ = st.at<RowNode>(found);
    }
    check_ttl();
}

const BlockSum *Store::Cursor::block(int64_t max_n, int64_t min_lo, uint32_t cond_mask)
{
    // Maps of the columns in cond_mask, none overflowed?
    auto maps_ok = [&](const BlockSum *x) {
        for (uint32_t m = cond_mask, j = 0; m; m >>= 1, j++)
            if ((m & 1) && !dir_->map_of(x, j))
                return false;
        return true;
    };
    super_j_ = UINT32_MAX;
    if (!dir_ || !cur_)
        return nullptr;
    int64_t o = cur_->order;
    uint32_t nb = dir_->nblocks;
    while (hint_ < nb && dir_->block(hint_)->min_order > o)
        hint_++;
    Ref here = st_->ref_of(cur_);
    for (uint32_t j = hint_; j < nb; j++) {
        const BlockSum *b = dir_->block(j);
        if (b->max_order < o)
            break;
        if (b->first != here)
            continue;
        if (!b->valid.load(std::memory_order_seq_cst))
            return nullptr;
        hint_ = j + 1;
        if (dir_->group && j % dir_->group == 0 && j / dir_->group < dir_->nsupers) {
            const BlockSum *sb = dir_->super(j / dir_->group);
            if (sb->n <= max_n && sb->min_order >= min_lo && sb->valid.load(std::memory_order_seq_cst) &&
                !(rule_.type != TtlType::kNone && rule_.expired(pos_ + sb->n - 1, sb->min_order, cutoff_)) &&
                maps_ok(sb)) {
                hint_ = j + dir_->group;
                super_j_ = j;
                return sb;
            }
        }
        if (rule_.type != TtlType::kNone && rule_.expired(pos_ + b->n - 1, b->min_order, cutoff_))
            return nullptr;
        return maps_ok(b) ? b : nullptr;
    }
    return nullptr;
}

const BlockSum *Store::Cursor::first_block_of_super(uint32_t cond_mask)
{
    uint32_t j = super_j_;
    super_j_ = UINT32_MAX;
    if (!dir_ || !cur_ || j >= dir_->nblocks)
        return nullptr;
    const BlockSum *b = dir_->block(j);
    if (b->first != st_->ref_of(cur_))
        return nullptr;
    hint_ = j + 1;
    if (!b->valid.load(std::memory_order_seq_cst))
        return nullptr;
    if (rule_.type != TtlType::kNone && rule_.expired(pos_ + b->n - 1, b->min_order, cutoff_))
        return nullptr;
    for (uint32_t m = cond_mask, c = 0; m; m >>= 1, c++)
        if ((m & 1) && !dir_->map_of(b, c))
            return nullptr;
    return b;
}

void Store::Cursor::check_ttl()
{
    if (cur_ && rule_.expired(pos_, cur_->order, cutoff_))
        cur_ = nullptr;
}


}  // namespace fe::core
