// Unit tests of the shared-memory skiplist store (include/feature_ext/storage/store.hpp):
// allocator, newest-first ordering against a brute-force model, remove, TTL
// rules (cursor visibility and expiry), epoch-based reclamation, index drop,
// and a multi-threaded stress test (writers, readers, expirer).
//
// Local sanitizer run:
//   g++ -std=c++17 -O1 -g -fsanitize=address,undefined -Iinclude -pthread
//       test/unit/test_store.cpp src/storage/store.cpp -lgtest -lgtest_main -o /tmp/ts && /tmp/ts
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "feature_ext/storage/store.hpp"

using namespace fe::core;

namespace {

// ---------------------------------------------------------------- helpers

struct Region {
    explicit Region(size_t bytes) : bytes(bytes)
    {
        mem = static_cast<uint8_t *>(std::aligned_alloc(4096, bytes));
        // Garbage, so that anything relying on zeroed memory shows up.
        memset(mem, 0xA5, bytes);
    }
    ~Region() { std::free(mem); }
    Region(const Region &) = delete;
    Region &operator=(const Region &) = delete;
    uint8_t *mem;
    size_t bytes;
};

// Payload of a test row: order, tid and a filler derived from both, so that
// a reader can tell a row from recycled memory.
std::vector<uint8_t> make_payload(int64_t order, uint32_t tid_block, uint16_t tid_off, uint32_t len)
{
    std::vector<uint8_t> p(len);
    uint64_t x = uint64_t(order) * 0x9E3779B97F4A7C15ull ^ (uint64_t(tid_block) << 16 | tid_off);
    for (uint32_t i = 0; i < len; i++) {
        x ^= x >> 13;
        x *= 0xff51afd7ed558ccdull;
        p[i] = uint8_t(x >> 56);
    }
    return p;
}

bool payload_ok(int64_t order, uint32_t tid_block, uint16_t tid_off, const uint8_t *p, uint32_t len)
{
    std::vector<uint8_t> want = make_payload(order, tid_block, tid_off, len);
    return len == 0 || memcmp(want.data(), p, len) == 0;
}

// Payload of the concurrent test: order and a per-row id (also the row's
// tid_block), checked by readers.
struct StressPayload {
    int64_t order;
    uint64_t id;
    uint64_t check;
};
uint64_t stress_check(int64_t order, uint64_t id) { return uint64_t(order) * 31 + id * 0x9E3779B97F4A7C15ull + 7; }
// A row of len bytes: a StressPayload for (order, id), then filler; 0 when
// the store is out of memory.
Ref stress_row(Store &st, uint32_t len, int64_t order, uint64_t id, uint32_t tb, uint16_t to)
{
    Ref r = st.alloc_node(len, order, tb, to);
    if (!r)
        return r;
    RowNode *n = st.at<RowNode>(r);
    StressPayload sp{order, id, stress_check(order, id)};
    memcpy(n->payload(), &sp, sizeof sp);
    memset(n->payload() + sizeof sp, int(id & 0xff), len - sizeof sp);
    return r;
}

struct Row {
    int64_t order;
    uint64_t seq;
    uint32_t tid_block;
    uint16_t tid_off;
    uint32_t len;
    size_t bytes;  // class size of the node
    bool operator==(const Row &o) const
    {
        return order == o.order && seq == o.seq && tid_block == o.tid_block && tid_off == o.tid_off;
    }
};

std::ostream &operator<<(std::ostream &os, const Row &r)
{
    return os << "(" << r.order << ",seq " << r.seq << ",tid " << r.tid_block << "/" << r.tid_off << ")";
}

// Newest first: (order desc, seq desc).
bool newer(const Row &a, const Row &b) { return a.order != b.order ? a.order > b.order : a.seq > b.seq; }

class StoreTest : public ::testing::Test {
protected:
    static constexpr size_t kBytes = 8 << 20;
    static constexpr uint32_t kSlots = 8;
    static constexpr uint32_t kReaders = 16;

    void SetUp() override { make(kBytes); }

    void make(size_t bytes)
    {
        region_.reset(new Region(bytes));
        st = Store::init(region_->mem, bytes, kSlots, kReaders);
        baseline = st.usage().used_bytes;
    }

    IndexSlot *new_slot(uint32_t id, uint32_t nbuckets = 64)
    {
        IndexSlot *s = st.create_slot(SlotId{1, id, id + 1000}, 42, nbuckets, 0);
        if (s)
            s->state.store(kSlotReady);
        return s;
    }

    KeyEntry *key(IndexSlot *s, const std::string &name)
    {
        auto *p = reinterpret_cast<const uint8_t *>(name.data());
        uint32_t h = Store::hash_key(p, uint32_t(name.size()));
        KeyEntry *k = st.pin_key(s, h, p, uint32_t(name.size()));
        if (k)
            st.unpin_key(k);
        return k;
    }

    const KeyEntry *lookup(IndexSlot *s, const std::string &name)
    {
        auto *p = reinterpret_cast<const uint8_t *>(name.data());
        return st.find_key(s, Store::hash_key(p, uint32_t(name.size())), p, uint32_t(name.size()));
    }

    // Publish one row; returns the model row (seq filled in) or order INT64_MIN on failure.
    bool put(IndexSlot *s, KeyEntry *k, int64_t order, uint32_t tb, uint16_t to, uint32_t len = 16,
             const TtlRule &rule = TtlRule(), Row *out = nullptr)
    {
        Ref r = st.alloc_node(len, order, tb, to);
        if (!r)
            return false;
        RowNode *n = st.at<RowNode>(r);
        EXPECT_EQ(n->payload_len(), len);
        EXPECT_GE(n->height, 1);
        EXPECT_LE(n->height, kMaxHeight);
        std::vector<uint8_t> p = make_payload(order, tb, to, len);
        if (len)
            memcpy(n->payload(), p.data(), len);
        size_t bytes = Store::class_size(RowNode::size_for(n->height, len));
        st.publish(s, k, r, rule);
        if (out) {
            // The node may already be cut by a row TTL: seq from the global counter.
            *out = Row{order, st.hdr()->seq.load(), tb, to, len, bytes};
        }
        return true;
    }

    // Rows visible through a cursor from upto on.
    std::vector<Row> scan(const KeyEntry *k, int64_t upto = INT64_MAX, const TtlRule &rule = TtlRule(),
                          bool check_payload = true)
    {
        std::vector<Row> v;
        ReadGuard g(st, 0);
        Store::Cursor c;
        int64_t pos = -1;
        for (c.seek(st, k, upto, rule); c.valid(); c.next()) {
            RowView r = c.row();
            if (check_payload) {
                EXPECT_TRUE(payload_ok(r.order, r.tid_block, r.tid_off, r.payload, r.payload_len)) << r.order;
            }
            if (rule.has_rows()) {
                EXPECT_GT(c.position(), pos);
                pos = c.position();
            }
            v.push_back(Row{r.order, r.seq, r.tid_block, r.tid_off, r.payload_len, 0});
        }
        // Cursor::walk (the request path's loop) visits the same rows, in
        // pieces: it stops where f says so and next() goes on from there.
        Store::Cursor w;
        size_t i = 0;
        int64_t step = 0;
        for (w.seek(st, k, upto, rule); w.valid();) {
            int64_t piece = 0;
            w.walk([&](const RowNode *nd) {
                if (piece == 1 + step % 7)
                    return false;
                EXPECT_LT(i, v.size());
                if (i < v.size()) {
                    EXPECT_EQ(nd->order, v[i].order);
                    EXPECT_EQ(nd->seq(), v[i].seq);
                    EXPECT_EQ(nd->tid_block, v[i].tid_block);
                }
                i++, piece++;
                return true;
            });
            step++;
            if (w.valid()) {
                EXPECT_EQ(w.node()->order, v[i].order);
                w.next(), i++;
            }
        }
        EXPECT_EQ(i, v.size());
        return v;
    }

    // Level 0 of the key, ignoring TTL.
    std::vector<Row> all(const KeyEntry *k) { return scan(k, INT64_MAX, TtlRule()); }

    // Structural check of the skiplist: every level is a sorted sub-list of
    // level 0 and every node of height h appears on levels 0..h-1.
    void check_structure(const KeyEntry *k)
    {
        std::vector<Ref> level0;
        for (Ref r = k->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load())
            level0.push_back(r);
        EXPECT_EQ(int64_t(level0.size()), k->nrows.load());
        for (size_t i = 1; i < level0.size(); i++) {
            const RowNode *a = st.at<RowNode>(level0[i - 1]), *b = st.at<RowNode>(level0[i]);
            ASSERT_TRUE(a->order > b->order || (a->order == b->order && a->seq() > b->seq()))
                << "level 0 out of order at " << i;
        }
        for (int l = 1; l < kMaxHeight; l++) {
            std::vector<Ref> want;
            for (Ref r : level0)
                if (st.at<RowNode>(r)->height > l)
                    want.push_back(r);
            std::vector<Ref> got;
            for (Ref r = k->head[l].load(); r; r = st.at<RowNode>(r)->next[l].load())
                got.push_back(r);
            ASSERT_EQ(got, want) << "level " << l;
        }
    }

    int64_t level0_bytes(const KeyEntry *k)
    {
        int64_t b = 0;
        for (Ref r = k->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load()) {
            const RowNode *n = st.at<RowNode>(r);
            b += int64_t(Store::class_size(RowNode::size_for(n->height, n->payload_len())));
        }
        return b;
    }

    // Index bytes recomputed from scratch: buckets + keys + live rows.
    int64_t index_bytes(IndexSlot *s)
    {
        int64_t b = int64_t(Store::class_size(Store::bucket_bytes(s->nbuckets)));
        st.for_each_key(s, [&](const KeyEntry *k) {
            b += int64_t(Store::class_size(KeyEntry::size_for(k->keylen)));
            b += level0_bytes(k);
        });
        return b;
    }

    void reclaim_all()
    {
        for (int i = 0; i < 3; i++)
            st.reclaim();
    }

    std::unique_ptr<Region> region_;
    Store st;
    uint64_t baseline = 0;
};

// ---------------------------------------------------------------- allocator

TEST(StoreAllocator, ClassSizes)
{
    EXPECT_EQ(Store::class_size(0), 8u);
    EXPECT_EQ(Store::class_size(1), 8u);
    EXPECT_EQ(Store::class_size(8), 8u);
    EXPECT_EQ(Store::class_size(9), 16u);
    EXPECT_EQ(Store::class_size(255), 256u);
    EXPECT_EQ(Store::class_size(256), 256u);
    EXPECT_EQ(Store::class_size(257), 320u);
    EXPECT_EQ(Store::class_size(320), 320u);
    EXPECT_EQ(Store::class_size(321), 384u);
    EXPECT_EQ(Store::class_size(448), 448u);
    EXPECT_EQ(Store::class_size(449), 512u);
    EXPECT_EQ(Store::class_size(512), 512u);
    EXPECT_EQ(Store::class_size(513), 640u);
    EXPECT_EQ(Store::class_size(1024), 1024u);
    EXPECT_EQ(Store::class_size(1025), 1280u);
    EXPECT_EQ(Store::class_size(size_t(64) << 20), size_t(64) << 20);
    EXPECT_EQ(Store::class_size((size_t(64) << 20) + 1), 0u);  // too large

    // Every size maps to the smallest class >= it; classes are 8-aligned,
    // idempotent, monotone and waste at most 25% above 256 bytes.
    size_t prev = 0;
    std::mt19937_64 rng(1);
    std::vector<size_t> sizes;
    for (size_t b = 1; b <= 70000; b++)
        sizes.push_back(b);
    for (int i = 0; i < 20000; i++)
        sizes.push_back(1 + rng() % (size_t(64) << 20));
    std::sort(sizes.begin(), sizes.end());
    for (size_t b : sizes) {
        size_t c = Store::class_size(b);
        ASSERT_GE(c, b);
        ASSERT_EQ(c % 8, 0u);
        ASSERT_GE(c, prev);
        ASSERT_EQ(Store::class_size(c), c) << b;
        if (b > 256)
            ASSERT_LE(c, b + b / 4 + 8) << b;
        else
            ASSERT_LT(c - b, 8u);
        prev = c;
    }
}

TEST_F(StoreTest, InitLayout)
{
    MemoryUsage u = st.usage();
    EXPECT_EQ(u.region_bytes, kBytes);
    EXPECT_EQ(u.used_bytes, 0u);
    EXPECT_EQ(u.free_bytes, u.heap_bytes);
    EXPECT_EQ(u.limbo_bytes, 0u);
    EXPECT_EQ(u.indexes, 0u);
    EXPECT_LT(u.heap_bytes, kBytes);
    EXPECT_EQ(st.max_slots(), kSlots);
    for (uint32_t i = 0; i < kSlots; i++)
        EXPECT_EQ(st.slot(i)->state.load(), uint32_t(kSlotFree));
    // Attach sees the same region.
    Store st2 = Store::attach(region_->mem);
    EXPECT_TRUE(st2.valid());
    EXPECT_EQ(st2.usage().heap_bytes, u.heap_bytes);
    EXPECT_FALSE(Store().valid());
}

TEST_F(StoreTest, AllocDistinctAlignedAndReused)
{
    std::mt19937 rng(7);
    struct Blk {
        Ref r;
        size_t n;
        uint8_t fill;
    };
    std::vector<Blk> blocks;
    uint64_t used = 0;
    for (int i = 0; i < 2000; i++) {
        size_t n = 1 + rng() % (i % 10 == 0 ? 5000 : 300);
        Ref r = st.alloc(n);
        ASSERT_NE(r, 0u);
        uint8_t *p = st.at<uint8_t>(r);
        ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
        ASSERT_GE(p, region_->mem + (kBytes - st.usage().heap_bytes));
        ASSERT_LE(p + n, region_->mem + kBytes);
        EXPECT_EQ(st.ref_of(p), r);
        uint8_t fill = uint8_t(rng());
        memset(p, fill, n);
        blocks.push_back({r, n, fill});
        used += Store::class_size(n);
        ASSERT_EQ(st.usage().used_bytes, used);
    }
    // No block was overwritten by another.
    for (auto &b : blocks)
        for (size_t j = 0; j < b.n; j++)
            ASSERT_EQ(st.at<uint8_t>(b.r)[j], b.fill);

    // Free half; same-class allocations reuse exactly those blocks (LIFO).
    std::map<size_t, std::vector<Ref>> freed;  // class -> refs
    for (size_t i = 0; i < blocks.size(); i += 2) {
        st.free(blocks[i].r, blocks[i].n);
        freed[Store::class_size(blocks[i].n)].push_back(blocks[i].r);
        used -= Store::class_size(blocks[i].n);
    }
    EXPECT_EQ(st.usage().used_bytes, used);
    uint64_t bump = st.hdr()->bump.load();
    for (auto &f : freed) {
        // Any size of the same class is served from the free list.
        for (size_t i = f.second.size(); i-- > 0;) {
            Ref r = st.alloc(f.first);
            EXPECT_EQ(r, f.second[i]);
        }
    }
    EXPECT_EQ(st.hdr()->bump.load(), bump) << "reuse must not touch the bump pointer";
    // Odd blocks untouched by all that.
    for (size_t i = 1; i < blocks.size(); i += 2)
        for (size_t j = 0; j < blocks[i].n; j++)
            ASSERT_EQ(st.at<uint8_t>(blocks[i].r)[j], blocks[i].fill);
}

TEST_F(StoreTest, FreeReturnsUsageToBaseline)
{
    std::vector<std::pair<Ref, size_t>> v;
    for (size_t n = 1; n < 3000; n += 37)
        v.push_back({st.alloc(n), n});
    EXPECT_GT(st.usage().used_bytes, baseline);
    for (auto &p : v)
        st.free(p.first, p.second);
    EXPECT_EQ(st.usage().used_bytes, baseline);
    st.free(0, 100);  // no-op
    EXPECT_EQ(st.usage().used_bytes, baseline);
    EXPECT_EQ(st.alloc((size_t(64) << 20) + 1), 0u);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

TEST_F(StoreTest, MemoryLimitDoesNotDamageStoredRows)
{
    make(256 << 10);
    IndexSlot *s = new_slot(1);
    ASSERT_NE(s, nullptr);
    std::vector<KeyEntry *> keys;
    for (int i = 0; i < 8; i++)
        keys.push_back(key(s, "k" + std::to_string(i)));
    std::vector<std::vector<Row>> model(keys.size());
    int64_t order = 0;
    uint32_t tid = 1;
    int fails = 0;
    // Fill until several consecutive publications fail.
    while (fails < 20) {
        size_t ki = tid % keys.size();
        uint32_t len = 8 + tid % 200;
        Row r;
        if (put(s, keys[ki], order++, tid, uint16_t(tid), len, TtlRule(), &r)) {
            model[ki].push_back(r);
            fails = 0;
        } else {
            fails++;
        }
        tid++;
        ASSERT_LT(tid, 100000u);
    }
    MemoryUsage u = st.usage();
    EXPECT_LE(u.used_bytes, u.heap_bytes);
    EXPECT_LE(st.hdr()->bump.load(), u.region_bytes);
    EXPECT_EQ(st.alloc(4096), 0u);
    EXPECT_EQ(st.alloc_node(60000, 0, 0, 0), 0u);
    // Creating keys / slots fails cleanly too.
    EXPECT_EQ(st.create_slot(SlotId{1, 99, 99}, 0, 1 << 16, 0), nullptr);
    // Every row is intact.
    int64_t total = 0;
    for (size_t ki = 0; ki < keys.size(); ki++) {
        std::vector<Row> want = model[ki];
        std::sort(want.begin(), want.end(), newer);
        EXPECT_EQ(all(keys[ki]), want);
        check_structure(keys[ki]);
        total += int64_t(want.size());
    }
    EXPECT_EQ(s->rows.load(), total);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));

    // Expire most rows, reclaim: memory becomes available again.
    TtlRule latest;
    latest.type = TtlType::kLatest;
    latest.rows = 2;
    int64_t cut = st.expire_index(s, latest);
    EXPECT_EQ(cut, total - 2 * int64_t(keys.size()));
    EXPECT_GT(st.usage().limbo_bytes, 0u);
    uint64_t used = st.usage().used_bytes;
    reclaim_all();
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_LT(st.usage().used_bytes, used);
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    // Freed blocks serve new rows of the same sizes.
    for (int i = 0; i < 20; i++)
        ASSERT_TRUE(put(s, keys[0], order++, tid, uint16_t(tid), 8 + tid % 200)) << i;
}

TEST_F(StoreTest, AllocReclaimsLimboWhenFull)
{
    make(128 << 10);
    IndexSlot *s = new_slot(1, 16);
    KeyEntry *k = key(s, "a");
    int64_t next = 0;
    // Publish until 50 in a row fail (one failure says only that the class
    // of that node's random height is exhausted).
    auto fill = [&]() {
        int n = 0;
        for (int fails = 0; fails < 50;) {
            if (put(s, k, next, uint32_t(next), 0, 200)) {
                n++;
                fails = 0;
            } else {
                fails++;
            }
            next++;
        }
        return n;
    };
    int n = fill();
    ASSERT_GT(n, 100);
    // Everything but one row goes to limbo; alloc must find room by reclaiming.
    TtlRule latest;
    latest.type = TtlType::kLatest;
    latest.rows = 1;
    EXPECT_EQ(st.expire(s, k, latest), n - 1);
    int m = fill();
    EXPECT_GT(m, n / 2);
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    // But not while a reader from before the retirement is still inside.
    st.reader_enter(3);
    EXPECT_EQ(st.expire(s, k, latest), m);
    uint64_t limbo = st.usage().limbo_bytes;
    EXPECT_GT(limbo, 0u);
    // Blocks of other size classes may still be free (random tower heights),
    // so a few rows can fit; nothing may come out of limbo, though.
    EXPECT_LT(fill(), m / 4);
    EXPECT_EQ(st.usage().limbo_bytes, limbo);
    st.reader_exit(3);
    // Now alloc reclaims the retired rows when it runs out of room.
    EXPECT_GT(fill(), m / 2);
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
}

// ---------------------------------------------------------------- directory and keys

TEST_F(StoreTest, SlotDirectory)
{
    IndexSlot *a = st.create_slot(SlotId{1, 2, 3}, 10, 100, 7);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->state.load(), uint32_t(kSlotBuilding));
    EXPECT_EQ(a->nbuckets, 128u);
    EXPECT_EQ(a->heap, 10u);
    EXPECT_EQ(a->order_kind, 7u);
    EXPECT_EQ(a->keys.load(), 0);
    EXPECT_EQ(a->rows.load(), 0);
    EXPECT_EQ(a->bytes.load(), int64_t(Store::class_size(Store::bucket_bytes(128))));
    EXPECT_EQ(st.find_slot(SlotId{1, 2, 3}), a);
    EXPECT_EQ(st.find_slot(SlotId{1, 2, 4}), nullptr);
    EXPECT_EQ(st.usage().indexes, 1u);
    IndexSlot *b = st.create_slot(SlotId{1, 5, 6}, 10, 0, 7);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->nbuckets, 16u);
    EXPECT_NE(a, b);
    for (uint32_t i = 2; i < kSlots; i++)
        ASSERT_NE(st.create_slot(SlotId{2, i, i}, 0, 16, 0), nullptr);
    uint64_t used = st.usage().used_bytes;
    EXPECT_EQ(st.create_slot(SlotId{3, 3, 3}, 0, 16, 0), nullptr);
    EXPECT_EQ(st.usage().used_bytes, used) << "failed create_slot leaks its buckets";
}

TEST_F(StoreTest, KeysAndCollisions)
{
    IndexSlot *s = new_slot(1, 16);  // few buckets: long chains
    std::vector<KeyEntry *> ks;
    for (int i = 0; i < 500; i++) {
        std::string name = "key-" + std::to_string(i) + std::string(i % 40, 'x');
        KeyEntry *k = key(s, name);
        ASSERT_NE(k, nullptr);
        EXPECT_EQ(k->keylen, name.size());
        EXPECT_EQ(memcmp(k->key, name.data(), name.size()), 0);
        EXPECT_EQ(k->nrows.load(), 0);
        EXPECT_EQ(k->newest_order.load(), INT64_MIN);
        EXPECT_EQ(k->pins.load(), 0u);
        ks.push_back(k);
    }
    EXPECT_EQ(s->keys.load(), 500);
    for (int i = 0; i < 500; i++) {
        std::string name = "key-" + std::to_string(i) + std::string(i % 40, 'x');
        EXPECT_EQ(lookup(s, name), ks[i]);
        EXPECT_EQ(key(s, name), ks[i]);  // pin finds the existing key
    }
    EXPECT_EQ(s->keys.load(), 500);
    EXPECT_EQ(lookup(s, "absent"), nullptr);
    // Empty key and binary key with NULs.
    KeyEntry *e = key(s, "");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(lookup(s, ""), e);
    std::string bin("a\0b", 3), bin2("a\0c", 3);
    EXPECT_NE(key(s, bin), key(s, bin2));
    // Pin counting.
    auto *p = reinterpret_cast<const uint8_t *>("pinned");
    uint32_t h = Store::hash_key(p, 6);
    KeyEntry *k1 = st.pin_key(s, h, p, 6);
    KeyEntry *k2 = st.pin_key(s, h, p, 6);
    EXPECT_EQ(k1, k2);
    EXPECT_EQ(k1->pins.load(), 2u);
    st.unpin_key(k1);
    st.unpin_key(k2);
    EXPECT_EQ(k1->pins.load(), 0u);
    int64_t b = 0;
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    (void)b;
    // Two slots have independent key spaces.
    IndexSlot *s2 = new_slot(2, 16);
    EXPECT_EQ(st.find_key(s2, h, p, 6), nullptr);
}

TEST(StoreHash, Basic)
{
    const uint8_t a[] = "abcdefghijklmnopqrstuvwxyz";
    EXPECT_EQ(Store::hash_key(a, 26), Store::hash_key(a, 26));
    EXPECT_NE(Store::hash_key(a, 26), Store::hash_key(a, 25));
    EXPECT_NE(Store::hash_key(a, 0), Store::hash_key(a, 1));
    std::set<uint32_t> low;
    for (int i = 0; i < 4096; i++) {
        std::string s = std::to_string(i);
        low.insert(Store::hash_key(reinterpret_cast<const uint8_t *>(s.data()), uint32_t(s.size())) & 1023);
    }
    EXPECT_GT(low.size(), 900u);  // spreads over low bits
}

// ---------------------------------------------------------------- ordering

TEST_F(StoreTest, NewestFirstAndTies)
{
    IndexSlot *s = new_slot(1);
    KeyEntry *k = key(s, "user1");
    // Published out of order, with ties.
    int64_t orders[] = {10, 30, 20, 30, 10, 40, 30, 5};
    std::vector<Row> model;
    for (uint32_t i = 0; i < 8; i++) {
        Row r;
        ASSERT_TRUE(put(s, k, orders[i], 100 + i, uint16_t(i), 16, TtlRule(), &r));
        model.push_back(r);
    }
    std::vector<Row> got = all(k);
    ASSERT_EQ(got.size(), 8u);
    std::vector<int64_t> o;
    std::vector<uint32_t> t;
    for (auto &r : got) {
        o.push_back(r.order);
        t.push_back(r.tid_block);
    }
    EXPECT_EQ(o, (std::vector<int64_t>{40, 30, 30, 30, 20, 10, 10, 5}));
    // Among the 30s the row published last (tid 106) comes first, then 103, 101.
    EXPECT_EQ(t, (std::vector<uint32_t>{105, 106, 103, 101, 102, 104, 100, 107}));
    for (size_t i = 1; i < got.size(); i++)
        EXPECT_TRUE(newer(got[i - 1], got[i]));
    EXPECT_EQ(k->nrows.load(), 8);
    EXPECT_EQ(k->newest_order.load(), 40);
    EXPECT_EQ(s->rows.load(), 8);
    check_structure(k);

    // seek(upto): the newest row with order <= upto.
    auto first = [&](int64_t upto) {
        std::vector<Row> v = scan(k, upto);
        return v.empty() ? std::make_pair(int64_t(-1), uint32_t(0)) : std::make_pair(v[0].order, v[0].tid_block);
    };
    EXPECT_EQ(first(INT64_MAX), std::make_pair(int64_t(40), 105u));
    EXPECT_EQ(first(40), std::make_pair(int64_t(40), 105u));
    EXPECT_EQ(first(39), std::make_pair(int64_t(30), 106u));
    EXPECT_EQ(first(30), std::make_pair(int64_t(30), 106u));
    EXPECT_EQ(first(29), std::make_pair(int64_t(20), 102u));
    EXPECT_EQ(first(10), std::make_pair(int64_t(10), 104u));
    EXPECT_EQ(first(9), std::make_pair(int64_t(5), 107u));
    EXPECT_EQ(first(5), std::make_pair(int64_t(5), 107u));
    EXPECT_EQ(first(4).first, -1);
    EXPECT_EQ(first(INT64_MIN).first, -1);
    EXPECT_EQ(scan(k, 29).size(), 4u);

    // Empty key.
    KeyEntry *e = key(s, "empty");
    EXPECT_TRUE(all(e).empty());
}

TEST_F(StoreTest, ExtremeOrderValues)
{
    IndexSlot *s = new_slot(1);
    KeyEntry *k = key(s, "x");
    int64_t orders[] = {0, INT64_MAX, INT64_MIN, -1, INT64_MIN, INT64_MAX, 1};
    for (uint32_t i = 0; i < 7; i++)
        ASSERT_TRUE(put(s, k, orders[i], i, 0, 0));
    std::vector<int64_t> o;
    for (auto &r : all(k))
        o.push_back(r.order);
    EXPECT_EQ(o, (std::vector<int64_t>{INT64_MAX, INT64_MAX, 1, 0, -1, INT64_MIN, INT64_MIN}));
    EXPECT_EQ(scan(k, INT64_MIN).size(), 2u);
    EXPECT_EQ(scan(k, INT64_MAX - 1).size(), 5u);
    check_structure(k);
    EXPECT_TRUE(st.remove(s, k, INT64_MIN, 2, 0));
    EXPECT_TRUE(st.remove(s, k, INT64_MAX, 5, 0));
    EXPECT_EQ(all(k).size(), 5u);
    check_structure(k);
}

TEST_F(StoreTest, RandomAgainstModel)
{
    for (uint32_t seed = 1; seed <= 40; seed++) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        make(4 << 20);
        IndexSlot *s = new_slot(1);
        KeyEntry *k = key(s, "k");
        std::mt19937_64 rng(seed);
        int range = seed % 3 == 0 ? 5 : (seed % 3 == 1 ? 100 : 1000000);  // many ties .. few ties
        int n = 100 + int(rng() % 600);
        std::vector<Row> model;
        for (int i = 0; i < n; i++) {
            int64_t o = int64_t(rng() % range) - range / 2;
            Row r;
            ASSERT_TRUE(put(s, k, o, uint32_t(i), uint16_t(rng()), uint32_t(rng() % 64), TtlRule(), &r));
            model.push_back(r);
            // Occasionally remove a random row.
            if (rng() % 5 == 0 && !model.empty()) {
                size_t j = rng() % model.size();
                ASSERT_TRUE(st.remove(s, k, model[j].order, model[j].tid_block, model[j].tid_off));
                model.erase(model.begin() + j);
            }
        }
        std::sort(model.begin(), model.end(), newer);
        ASSERT_EQ(all(k), model);
        check_structure(k);
        EXPECT_EQ(k->nrows.load(), int64_t(model.size()));
        EXPECT_EQ(s->rows.load(), int64_t(model.size()));
        EXPECT_EQ(s->bytes.load(), index_bytes(s));
        // Seeks at random points and at every boundary.
        std::vector<int64_t> probes = {INT64_MIN, INT64_MAX};
        for (int i = 0; i < 50; i++)
            probes.push_back(int64_t(rng() % (range + 2)) - range / 2 - 1);
        for (auto &r : model) {
            probes.push_back(r.order);
            probes.push_back(r.order - 1);
        }
        for (int64_t up : probes) {
            std::vector<Row> want;
            for (auto &r : model)
                if (r.order <= up)
                    want.push_back(r);
            std::vector<Row> got = scan(k, up, TtlRule(), false);
            ASSERT_EQ(got, want) << "upto " << up;
        }
    }
}

// ---------------------------------------------------------------- remove

TEST_F(StoreTest, RemoveExactRow)
{
    IndexSlot *s = new_slot(1);
    KeyEntry *k = key(s, "k");
    // Five rows with order 7 (tids 1..5), plus neighbours.
    for (uint32_t i = 1; i <= 5; i++)
        ASSERT_TRUE(put(s, k, 7, i, uint16_t(i)));
    ASSERT_TRUE(put(s, k, 8, 50, 0));
    ASSERT_TRUE(put(s, k, 6, 60, 0));
    int64_t bytes = s->bytes.load();
    auto tids = [&]() {
        std::vector<uint32_t> v;
        for (auto &r : all(k))
            v.push_back(r.tid_block);
        return v;
    };
    EXPECT_EQ(tids(), (std::vector<uint32_t>{50, 5, 4, 3, 2, 1, 60}));
    // Absent: wrong order, wrong block, wrong offset.
    EXPECT_FALSE(st.remove(s, k, 8, 3, 3));
    EXPECT_FALSE(st.remove(s, k, 7, 3, 4));
    EXPECT_FALSE(st.remove(s, k, 7, 6, 6));
    EXPECT_FALSE(st.remove(s, k, 100, 1, 1));
    EXPECT_FALSE(st.remove(s, k, -100, 1, 1));
    EXPECT_EQ(s->bytes.load(), bytes);
    // Middle of the ties.
    EXPECT_TRUE(st.remove(s, k, 7, 3, 3));
    EXPECT_EQ(tids(), (std::vector<uint32_t>{50, 5, 4, 2, 1, 60}));
    EXPECT_FALSE(st.remove(s, k, 7, 3, 3));  // already gone
    // Newest and oldest of the ties.
    EXPECT_TRUE(st.remove(s, k, 7, 5, 5));
    EXPECT_TRUE(st.remove(s, k, 7, 1, 1));
    EXPECT_EQ(tids(), (std::vector<uint32_t>{50, 4, 2, 60}));
    // Head and tail of the list.
    EXPECT_TRUE(st.remove(s, k, 8, 50, 0));
    EXPECT_TRUE(st.remove(s, k, 6, 60, 0));
    EXPECT_EQ(tids(), (std::vector<uint32_t>{4, 2}));
    check_structure(k);
    EXPECT_EQ(k->nrows.load(), 2);
    EXPECT_EQ(s->rows.load(), 2);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    EXPECT_EQ(s->expired.load(), 0);
    EXPECT_GT(st.usage().limbo_bytes, 0u);
    EXPECT_TRUE(st.remove(s, k, 7, 4, 4));
    EXPECT_TRUE(st.remove(s, k, 7, 2, 2));
    EXPECT_TRUE(all(k).empty());
    check_structure(k);
    // Re-insert after emptying.
    ASSERT_TRUE(put(s, k, 1, 1, 1));
    EXPECT_EQ(all(k).size(), 1u);
    // Same (order, tid) twice: remove takes one at a time.
    ASSERT_TRUE(put(s, k, 1, 1, 1));
    EXPECT_TRUE(st.remove(s, k, 1, 1, 1));
    EXPECT_EQ(all(k).size(), 1u);
    EXPECT_TRUE(st.remove(s, k, 1, 1, 1));
    EXPECT_FALSE(st.remove(s, k, 1, 1, 1));
    reclaim_all();
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
}

// ---------------------------------------------------------------- catch-up

class CatchupTest : public StoreTest {
protected:
    // A writer's queued change (reserved, recorded, appended).
    Ref record(IndexSlot *s, bool insert, const std::string &name, int64_t order, uint32_t tb, uint16_t to)
    {
        Ref node = 0;
        if (insert) {
            node = st.alloc_node(16, order, tb, to);
            std::vector<uint8_t> p = make_payload(order, tb, to, 16);
            memcpy(st.at<RowNode>(node)->payload(), p.data(), 16);
        }
        auto *kp = reinterpret_cast<const uint8_t *>(name.data());
        return st.alloc_catchup(insert, node, order, tb, to, Store::hash_key(kp, uint32_t(name.size())), kp,
                                uint32_t(name.size()));
    }
    void queue(IndexSlot *s, bool insert, const std::string &name, int64_t order, uint32_t tb, uint16_t to)
    {
        uint64_t gen = s->generation.load();
        ASSERT_EQ(st.catchup_reserve(s, gen), Store::kReserved);
        Ref op = record(s, insert, name, order, tb, to);
        ASSERT_NE(op, 0u);
        st.catchup_append(s, gen, op, op);
    }
    std::vector<uint32_t> tids(IndexSlot *s, const std::string &name)
    {
        std::vector<uint32_t> v;
        if (const KeyEntry *k = lookup(s, name))
            for (auto &r : all(k))
                v.push_back(r.tid_block);
        return v;
    }
};

// The load's rows, then the queue in order: duplicates of loaded rows are
// dropped, deletes remove loaded or queued rows, the slot turns ready only
// when the queue is empty and no writer holds a reservation.
TEST_F(CatchupTest, QueueAppliedAfterLoadExactly)
{
    IndexSlot *s = st.create_slot(SlotId{1, 7, 8}, 42, 64, 0, true);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->state.load(), uint32_t(kSlotBuilding));
    // Writers commit while the load reads the table.
    queue(s, true, "a", 10, 1, 1);    // also seen by the load's snapshot
    queue(s, true, "a", 20, 2, 1);    // committed after the snapshot
    queue(s, false, "a", 5, 3, 1);    // deletes a row the snapshot saw
    queue(s, false, "b", 1, 9, 9);    // deletes a row nobody has
    queue(s, true, "c", 30, 4, 1);    // inserted and deleted after the snapshot
    queue(s, false, "c", 30, 4, 1);
    EXPECT_EQ(s->queued.load(), 6);
    // The load: rows (a,10,tid 1) and (a,5,tid 3).
    KeyEntry *a = key(s, "a");
    ASSERT_TRUE(put(s, a, 10, 1, 1));
    ASSERT_TRUE(put(s, a, 5, 3, 1));
    // A writer between pre-commit and commit holds the slot back.
    uint64_t gen = s->generation.load();
    ASSERT_EQ(st.catchup_reserve(s, gen), Store::kReserved);
    bool ready = false;
    Ref list = st.catchup_take(s, &ready);
    ASSERT_NE(list, 0u);
    EXPECT_FALSE(ready);
    ASSERT_TRUE(st.catchup_apply(s, list, TtlRule()));
    EXPECT_EQ(st.catchup_take(s, &ready), 0u);
    EXPECT_FALSE(ready) << "a reservation is still open";
    EXPECT_EQ(s->state.load(), uint32_t(kSlotBuilding));
    {
        Ref op = record(s, true, "b", 2, 5, 1);
        st.catchup_append(s, gen, op, op);
    }
    list = st.catchup_take(s, &ready);
    ASSERT_NE(list, 0u);
    ASSERT_TRUE(st.catchup_apply(s, list, TtlRule()));
    EXPECT_EQ(st.catchup_take(s, &ready), 0u);
    EXPECT_TRUE(ready);
    EXPECT_EQ(s->state.load(), uint32_t(kSlotReady));
    // Ready: no more reservations.
    EXPECT_NE(st.catchup_reserve(s, s->generation.load()), Store::kReserved);
    EXPECT_EQ(tids(s, "a"), (std::vector<uint32_t>{2, 1}));
    EXPECT_EQ(tids(s, "b"), (std::vector<uint32_t>{5}));
    EXPECT_TRUE(tids(s, "c").empty());
    EXPECT_EQ(s->rows.load(), 3);
    check_structure(a);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    // Everything the queue held is freed or linked.
    st.drop_slot(s);
    reclaim_all();
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

// Dropping a loading slot waits for reserved writers; their late appends and
// releases are freed, also when the slot was reused meanwhile.
TEST_F(CatchupTest, DropWaitsForReservedWriters)
{
    IndexSlot *s = st.create_slot(SlotId{1, 7, 8}, 42, 64, 0, true);
    queue(s, true, "a", 1, 1, 1);
    uint64_t gen = s->generation.load();
    ASSERT_EQ(st.catchup_reserve(s, gen), Store::kReserved);
    Ref op = record(s, true, "a", 2, 2, 1);
    std::atomic<bool> dropped{false};
    std::thread t([&] {
        st.drop_slot(s);
        dropped = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(dropped.load()) << "drop must wait for the reservation";
    EXPECT_NE(st.catchup_reserve(s, gen), Store::kReserved) << "no new reservation once a drop began";
    st.catchup_append(s, gen, op, op);  // freed: the slot is no longer loading
    t.join();
    EXPECT_TRUE(dropped.load());
    reclaim_all();
    EXPECT_EQ(st.usage().used_bytes, baseline);
    // A writer of an older use of the slot: its release and append touch nothing.
    IndexSlot *s2 = st.create_slot(SlotId{1, 9, 10}, 42, 64, 0, true);
    ASSERT_EQ(s2, s) << "the freed slot is reused";
    st.catchup_release(s2, gen);
    {
        Ref op = record(s2, false, "x", 1, 1, 1);
        st.catchup_append(s2, gen, op, op);
    }
    bool ready = false;
    EXPECT_EQ(st.catchup_take(s2, &ready), 0u);
    EXPECT_TRUE(ready);
    st.drop_slot(s2);
    reclaim_all();
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

// Closing: after a first drain the loader stops new reservations, so the
// slot turns ready once the writers already reserved have appended, however
// many more keep coming (they wait for ready instead).
TEST_F(CatchupTest, ClosingStopsNewReservations)
{
    IndexSlot *s = st.create_slot(SlotId{1, 7, 8}, 42, 64, 0, true);
    uint64_t gen = s->generation.load();
    ASSERT_EQ(st.catchup_reserve(s, gen), Store::kReserved);
    st.catchup_close(s);
    EXPECT_EQ(st.catchup_reserve(s, gen), Store::kClosing);
    bool ready = false, gone = true;
    EXPECT_EQ(st.catchup_take(s, &ready, &gone), 0u);
    EXPECT_FALSE(ready);
    EXPECT_FALSE(gone);
    Ref op = record(s, true, "a", 1, 1, 1);
    st.catchup_append(s, gen, op, op);  // the reserved writer still queues
    Ref list = st.catchup_take(s, &ready, &gone);
    ASSERT_NE(list, 0u);
    ASSERT_TRUE(st.catchup_apply(s, list, TtlRule()));
    EXPECT_EQ(st.catchup_take(s, &ready, &gone), 0u);
    EXPECT_TRUE(ready);
    EXPECT_EQ(st.catchup_reserve(s, gen), Store::kNotLoading);
    EXPECT_EQ(tids(s, "a"), (std::vector<uint32_t>{1}));
    // Dropping twice is harmless; a take on a dropped slot says so.
    IndexSlot *s2 = st.create_slot(SlotId{1, 9, 9}, 42, 64, 0, true);
    st.drop_slot(s2);
    st.drop_slot(s2);
    EXPECT_EQ(st.catchup_take(s2, &ready, &gone), 0u);
    EXPECT_TRUE(gone);
    EXPECT_FALSE(ready);
}

// Writers racing the drain: every insert lands exactly once.
TEST_F(CatchupTest, ConcurrentWritersAndDrain)
{
    IndexSlot *s = st.create_slot(SlotId{1, 7, 8}, 42, 1024, 0, true);
    constexpr int kWriters = 4, kRows = 2000;
    std::atomic<int> queued{0}, direct{0};
    std::vector<std::thread> ws;
    for (int w = 0; w < kWriters; w++)
        ws.emplace_back([&, w] {
            for (int i = 0; i < kRows; i++) {
                std::string name = "k" + std::to_string(i % 50);
                uint64_t gen = s->generation.load();
                if (st.catchup_reserve(s, gen) == Store::kReserved) {
                    Ref op = record(s, true, name, i, uint32_t(w + 1), uint16_t(i));
                    Ref op2 = record(s, false, name, -1, 0, 0);  // a chain of two
                    st.at<CatchupOp>(op)->next = op2;
                    st.catchup_append(s, gen, op, op2);
                    queued++;
                } else {
                    ASSERT_EQ(s->state.load(), uint32_t(kSlotReady));
                    KeyEntry *k = key(s, name);
                    ASSERT_TRUE(put(s, k, i, uint32_t(w + 1), uint16_t(i)));
                    direct++;
                }
            }
        });
    for (bool ready = false; !ready;) {
        Ref list = st.catchup_take(s, &ready);
        if (list) {
            ASSERT_TRUE(st.catchup_apply(s, list, TtlRule()));
        }
    }
    for (auto &t : ws)
        t.join();
    EXPECT_EQ(queued + direct, kWriters * kRows);
    EXPECT_EQ(s->rows.load(), kWriters * kRows);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
}

// ---------------------------------------------------------------- TTL

struct TtlCase {
    const char *name;
    TtlType type;
    bool event_clock;
    int64_t abs_ttl;
    int64_t rows;
};

class StoreTtlTest : public StoreTest, public ::testing::WithParamInterface<TtlCase> {};

// The expected visible / surviving rows of one key under a rule: positions
// over the full newest-first list.
std::vector<Row> ttl_model(const std::vector<Row> &sorted, const TtlRule &rule, int64_t cutoff)
{
    std::vector<Row> keep;
    for (size_t i = 0; i < sorted.size(); i++) {
        if (rule.expired(int64_t(i), sorted[i].order, cutoff))
            break;  // expired rows form a suffix
        keep.push_back(sorted[i]);
    }
    return keep;
}

TEST_P(StoreTtlTest, VisibilityAndExpiry)
{
    const TtlCase &tc = GetParam();
    for (uint32_t seed = 1; seed <= 12; seed++) {
        SCOPED_TRACE(std::string(tc.name) + " seed " + std::to_string(seed));
        make(4 << 20);
        IndexSlot *s = new_slot(1, 16);
        std::mt19937_64 rng(seed);
        TtlRule rule;
        rule.type = tc.type;
        rule.event_clock = tc.event_clock;
        rule.abs_ttl = tc.abs_ttl;
        rule.rows = tc.rows;
        rule.wall_cutoff = tc.event_clock ? 0 : 400 + int64_t(rng() % 200);
        bool at_publish = tc.type == TtlType::kLatest || tc.type == TtlType::kAbsOrLat;

        const int nkeys = 6;
        std::vector<KeyEntry *> keys;
        std::vector<std::vector<Row>> model(nkeys);
        for (int i = 0; i < nkeys; i++)
            keys.push_back(key(s, "k" + std::to_string(i)));
        int64_t expired_total = 0;
        uint32_t tid = 0;
        for (int step = 0; step < 600; step++) {
            int ki = int(rng() % nkeys);
            // Orders around the cutoffs, mostly increasing, with ties.
            int64_t o = int64_t(step) + int64_t(rng() % 300) - 150;
            if (rng() % 4 == 0 && !model[ki].empty())
                o = model[ki][rng() % model[ki].size()].order;
            Row r;
            ASSERT_TRUE(put(s, keys[ki], o, tid, uint16_t(tid), uint32_t(rng() % 40), rule, &r));
            tid++;
            model[ki].push_back(r);
            std::sort(model[ki].begin(), model[ki].end(), newer);
            if (at_publish && int64_t(model[ki].size()) > rule.rows) {
                // publish applied the rule to this key at once
                int64_t newest = keys[ki]->newest_order.load();
                int64_t cutoff = rule.has_abs() ? (tc.event_clock ? newest - rule.abs_ttl : rule.wall_cutoff) : INT64_MIN;
                std::vector<Row> keep = ttl_model(model[ki], rule, cutoff);
                expired_total += int64_t(model[ki].size() - keep.size());
                model[ki] = keep;
            }
            ASSERT_EQ(all(keys[ki]), model[ki]) << "after publish of " << o;
        }
        EXPECT_EQ(s->expired.load(), expired_total);

        // Cursor visibility (without expiring) matches the rule, for any upto.
        for (int ki = 0; ki < nkeys; ki++) {
            const KeyEntry *k = keys[ki];
            int64_t cutoff = rule.cutoff_for(k);
            if (rule.has_abs() && tc.event_clock) {
                EXPECT_EQ(cutoff, k->newest_order.load() - rule.abs_ttl);
            }
            if (rule.has_abs() && !tc.event_clock) {
                EXPECT_EQ(cutoff, rule.wall_cutoff);
            }
            const std::vector<Row> &m = model[ki];
            std::vector<int64_t> probes = {INT64_MAX, INT64_MIN, cutoff};
            if (cutoff != INT64_MIN)
                probes.push_back(cutoff - 1);
            for (auto &r : m)
                probes.push_back(r.order);
            for (int64_t up : probes) {
                std::vector<Row> want;
                for (size_t i = 0; i < m.size(); i++) {
                    if (m[i].order > up)
                        continue;
                    if (rule.expired(int64_t(i), m[i].order, cutoff))
                        break;
                    want.push_back(m[i]);
                }
                ASSERT_EQ(scan(k, up, rule), want) << "key " << ki << " upto " << up;
            }
        }

        // expire(): cuts exactly the expired suffix, updates the stats.
        int64_t rows_before = s->rows.load();
        int64_t bytes_before = s->bytes.load();
        int64_t expired_before = s->expired.load();
        int64_t cut_total = 0, cut_bytes = 0;
        std::vector<std::vector<Row>> keep(nkeys);
        for (int ki = 0; ki < nkeys; ki++) {
            keep[ki] = ttl_model(model[ki], rule, rule.cutoff_for(keys[ki]));
            cut_total += int64_t(model[ki].size() - keep[ki].size());
        }
        // Bytes of the rows about to be cut, from the nodes themselves.
        for (int ki = 0; ki < nkeys; ki++) {
            int64_t pos = 0;
            for (Ref r = keys[ki]->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load(), pos++) {
                const RowNode *n = st.at<RowNode>(r);
                if (pos >= int64_t(keep[ki].size()))
                    cut_bytes += int64_t(Store::class_size(RowNode::size_for(n->height, n->payload_len())));
            }
        }
        uint64_t limbo_before = st.usage().limbo_bytes;
        int64_t cut;
        if (seed % 2) {
            cut = st.expire_index(s, rule);
        } else {
            cut = 0;
            for (int ki = 0; ki < nkeys; ki++)
                cut += st.expire(s, keys[ki], rule);
        }
        EXPECT_EQ(cut, cut_total);
        EXPECT_EQ(s->rows.load(), rows_before - cut_total);
        EXPECT_EQ(s->expired.load(), expired_before + cut_total);
        EXPECT_EQ(s->bytes.load(), bytes_before - cut_bytes);
        EXPECT_EQ(s->bytes.load(), index_bytes(s));
        EXPECT_EQ(st.usage().limbo_bytes, limbo_before + uint64_t(cut_bytes));
        for (int ki = 0; ki < nkeys; ki++) {
            EXPECT_EQ(all(keys[ki]), keep[ki]);
            EXPECT_EQ(keys[ki]->nrows.load(), int64_t(keep[ki].size()));
            check_structure(keys[ki]);
            // What stays is all visible.
            EXPECT_EQ(scan(keys[ki], INT64_MAX, rule), keep[ki]);
        }
        // Idempotent.
        EXPECT_EQ(st.expire_index(s, rule), 0);
        // Memory: everything cut is freed after reclaim.
        reclaim_all();
        EXPECT_EQ(st.usage().limbo_bytes, 0u);
        EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, StoreTtlTest,
    ::testing::Values(TtlCase{"absolute_wall", TtlType::kAbsolute, false, 100, 0},
                      TtlCase{"absolute_event", TtlType::kAbsolute, true, 60, 0},
                      TtlCase{"latest", TtlType::kLatest, false, 0, 7},
                      TtlCase{"latest1", TtlType::kLatest, false, 0, 1},
                      TtlCase{"absorlat_wall", TtlType::kAbsOrLat, false, 100, 9},
                      TtlCase{"absorlat_event", TtlType::kAbsOrLat, true, 40, 12},
                      TtlCase{"absandlat_wall", TtlType::kAbsAndLat, false, 100, 9},
                      TtlCase{"absandlat_event", TtlType::kAbsAndLat, true, 40, 5}),
    [](const ::testing::TestParamInfo<TtlCase> &i) { return std::string(i.param.name); });

TEST(StoreTtlRule, Expired)
{
    TtlRule r;
    EXPECT_FALSE(r.has_abs());
    EXPECT_FALSE(r.has_rows());
    EXPECT_FALSE(r.expired(1000, INT64_MIN, INT64_MAX));
    r.type = TtlType::kAbsolute;
    EXPECT_TRUE(r.has_abs());
    EXPECT_FALSE(r.has_rows());
    EXPECT_TRUE(r.expired(0, 9, 10));
    EXPECT_FALSE(r.expired(1000, 10, 10));
    r.type = TtlType::kLatest;
    r.rows = 3;
    EXPECT_FALSE(r.has_abs());
    EXPECT_TRUE(r.has_rows());
    EXPECT_FALSE(r.expired(2, INT64_MIN, 10));
    EXPECT_TRUE(r.expired(3, INT64_MAX, 10));
    r.type = TtlType::kAbsOrLat;
    EXPECT_TRUE(r.expired(0, 9, 10));
    EXPECT_TRUE(r.expired(3, 10, 10));
    EXPECT_FALSE(r.expired(2, 10, 10));
    r.type = TtlType::kAbsAndLat;
    EXPECT_FALSE(r.expired(0, 9, 10));
    EXPECT_FALSE(r.expired(3, 10, 10));
    EXPECT_TRUE(r.expired(3, 9, 10));
}

TEST_F(StoreTest, EventClockCutoffFollowsNewestOrder)
{
    IndexSlot *s = new_slot(1);
    KeyEntry *k = key(s, "k");
    TtlRule r;
    r.type = TtlType::kAbsolute;
    r.event_clock = true;
    r.abs_ttl = 10;
    EXPECT_EQ(r.cutoff_for(k), INT64_MIN);  // no row yet: nothing expires
    for (int64_t o : {100, 95, 91, 90, 89, 80})
        ASSERT_TRUE(put(s, k, o, uint32_t(o), 0, 8, r));
    EXPECT_EQ(r.cutoff_for(k), 90);
    EXPECT_EQ(scan(k, INT64_MAX, r).size(), 4u);  // 100 95 91 90
    EXPECT_EQ(scan(k, 92, r).size(), 2u);
    EXPECT_EQ(scan(k, 89, r).size(), 0u);
    // A late row does not move the clock back; a newer one moves it forward.
    ASSERT_TRUE(put(s, k, 50, 50, 0, 8, r));
    EXPECT_EQ(r.cutoff_for(k), 90);
    ASSERT_TRUE(put(s, k, 105, 105, 0, 8, r));
    EXPECT_EQ(r.cutoff_for(k), 95);
    EXPECT_EQ(st.expire(s, k, r), 5);  // 91 90 89 80 50
    std::vector<int64_t> o;
    for (auto &row : all(k))
        o.push_back(row.order);
    EXPECT_EQ(o, (std::vector<int64_t>{105, 100, 95}));
    // Removing the newest row does not move the clock back either.
    EXPECT_TRUE(st.remove(s, k, 105, 105, 0));
    EXPECT_EQ(r.cutoff_for(k), 95);

    // Order values near INT64_MIN (e.g. -infinity): the cutoff saturates
    // instead of overflowing (UBSan checks this).
    KeyEntry *lo = key(s, "low");
    r.abs_ttl = 1000;
    ASSERT_TRUE(put(s, lo, INT64_MIN + 5, 1, 0, 8, r));
    ASSERT_TRUE(put(s, lo, INT64_MIN, 2, 0, 8, r));
    EXPECT_EQ(r.cutoff_for(lo), INT64_MIN);
    EXPECT_EQ(scan(lo, INT64_MAX, r).size(), 2u);
    EXPECT_EQ(st.expire(s, lo, r), 0);
    ASSERT_TRUE(put(s, lo, INT64_MIN + 1003, 3, 0, 8, r));
    EXPECT_EQ(r.cutoff_for(lo), INT64_MIN + 3);
    EXPECT_EQ(st.expire(s, lo, r), 1);  // only INT64_MIN
    EXPECT_EQ(scan(lo, INT64_MAX, r).size(), 2u);
}

TEST_F(StoreTest, LatestAppliedAtPublish)
{
    IndexSlot *s = new_slot(1);
    KeyEntry *k = key(s, "k");
    TtlRule r;
    r.type = TtlType::kLatest;
    r.rows = 3;
    for (int64_t o = 1; o <= 10; o++)
        ASSERT_TRUE(put(s, k, o, uint32_t(o), 0, 8, r));
    EXPECT_EQ(k->nrows.load(), 3);
    EXPECT_EQ(s->expired.load(), 7);
    // A row older than all kept rows is cut at once.
    ASSERT_TRUE(put(s, k, 0, 0, 0, 8, r));
    EXPECT_EQ(k->nrows.load(), 3);
    std::vector<int64_t> o;
    for (auto &row : all(k))
        o.push_back(row.order);
    EXPECT_EQ(o, (std::vector<int64_t>{10, 9, 8}));
    // absandlat is not applied at publish (the absolute part decides).
    KeyEntry *k2 = key(s, "k2");
    TtlRule aal;
    aal.type = TtlType::kAbsAndLat;
    aal.rows = 2;
    aal.wall_cutoff = 1000;
    for (int64_t x = 1; x <= 5; x++)
        ASSERT_TRUE(put(s, k2, x, uint32_t(x), 0, 8, aal));
    EXPECT_EQ(k2->nrows.load(), 5);
    EXPECT_EQ(scan(k2, INT64_MAX, aal).size(), 2u);
    EXPECT_EQ(st.expire(s, k2, aal), 3);
}

// ---------------------------------------------------------------- reclamation

TEST_F(StoreTest, RetiredNodesWaitForReaders)
{
    IndexSlot *s = new_slot(1);
    KeyEntry *k = key(s, "k");
    for (int i = 0; i < 100; i++)
        ASSERT_TRUE(put(s, k, i, uint32_t(i), 0, 100));
    uint64_t full = st.usage().used_bytes;

    // A reader positioned on a row that is then removed and cut.
    st.reader_enter(5);
    Store::Cursor c;
    c.seek(st, k, 50, TtlRule());
    ASSERT_TRUE(c.valid());
    EXPECT_EQ(c.row().order, 50);
    EXPECT_TRUE(st.remove(s, k, 50, 50, 0));
    TtlRule latest;
    latest.type = TtlType::kLatest;
    latest.rows = 10;
    EXPECT_EQ(st.expire(s, k, latest), 89);
    uint64_t limbo = st.usage().limbo_bytes;
    EXPECT_GT(limbo, 0u);
    for (int i = 0; i < 10; i++)
        st.reclaim();
    EXPECT_EQ(st.usage().used_bytes, full) << "freed under an active reader";
    EXPECT_EQ(st.usage().limbo_bytes, limbo);
    // The reader can still walk the old rows, payloads intact.
    int64_t expect = 50;
    for (; c.valid(); c.next()) {
        RowView r = c.row();
        EXPECT_EQ(r.order, expect);
        // Unlinked rows keep their heap TID (the limbo link has its own field).
        EXPECT_EQ(r.tid_block, uint32_t(expect));
        EXPECT_EQ(r.tid_off, 0);
        std::vector<uint8_t> p = make_payload(r.order, uint32_t(r.order), 0, 100);
        EXPECT_EQ(memcmp(p.data(), r.payload, 100), 0);
        expect--;
    }
    EXPECT_EQ(expect, -1);
    st.reader_exit(5);

    // After the reader leaves, two or three advances free it all.
    reclaim_all();
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    EXPECT_LT(st.usage().used_bytes, full);
}

TEST_F(StoreTest, EpochAdvanceRules)
{
    IndexSlot *s = new_slot(1);
    KeyEntry *k = key(s, "k");
    uint64_t e0 = st.hdr()->epoch.load();
    // Idle: every reclaim advances.
    EXPECT_NE(st.reclaim(), 0u);
    EXPECT_EQ(st.hdr()->epoch.load(), e0 + 1);
    // A reader in the current epoch allows one advance, then blocks.
    st.reader_enter(2);
    EXPECT_NE(st.reclaim(), 0u);
    EXPECT_EQ(st.reclaim(), 0u);
    EXPECT_EQ(st.reclaim(), 0u);
    EXPECT_EQ(st.hdr()->epoch.load(), e0 + 2);
    // Nesting: only the outermost exit leaves.
    st.reader_enter(2);
    st.reader_exit(2);
    EXPECT_EQ(st.reclaim(), 0u);
    st.reader_exit(2);
    EXPECT_NE(st.reclaim(), 0u);
    // ReadGuard.
    {
        ReadGuard g(st, 7);
        ASSERT_TRUE(put(s, k, 1, 1, 0));
        EXPECT_TRUE(st.remove(s, k, 1, 1, 0));
        uint64_t used = st.usage().used_bytes;
        st.reclaim();
        st.reclaim();
        st.reclaim();
        EXPECT_EQ(st.usage().used_bytes, used);
    }
    uint64_t used = st.usage().used_bytes;
    reclaim_all();
    EXPECT_LT(st.usage().used_bytes, used);
    // A reader that entered after the retirement does not hold it back.
    ASSERT_TRUE(put(s, k, 2, 2, 0));
    EXPECT_TRUE(st.remove(s, k, 2, 2, 0));
    used = st.usage().used_bytes;
    st.reclaim();  // now every reader that could see it is gone
    st.reader_enter(9);
    st.reclaim();
    EXPECT_LT(st.usage().used_bytes, used);
    st.reader_exit(9);
}

TEST_F(StoreTest, LimboBytesAccountingIsExact)
{
    IndexSlot *a = new_slot(1);
    IndexSlot *b = new_slot(2);
    KeyEntry *ka = key(a, "k");
    KeyEntry *kb = key(b, "k");
    for (int i = 0; i < 50; i++) {
        ASSERT_TRUE(put(a, ka, i, uint32_t(i), 0, 64));
        ASSERT_TRUE(put(b, kb, i, uint32_t(i), 0, 64));
    }
    // Drop b, then retire rows of a in the epoch in which b's memory is freed:
    // limbo_bytes must keep counting a's retired rows.
    st.drop_slot(b);
    st.reclaim();  // b freed on the next advance
    TtlRule latest;
    latest.type = TtlType::kLatest;
    latest.rows = 10;
    EXPECT_EQ(st.expire(a, ka, latest), 40);
    uint64_t limbo = st.usage().limbo_bytes;
    EXPECT_GT(limbo, 0u);
    st.reclaim();  // frees b (not in limbo), not a's rows (retired this epoch)
    EXPECT_EQ(b->state.load(), uint32_t(kSlotFree));
    EXPECT_EQ(st.usage().limbo_bytes, limbo);
    st.reclaim();
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(int64_t(st.usage().used_bytes), a->bytes.load());
}

TEST_F(StoreTest, DropSlotFreesIndexAndSlotIsReused)
{
    IndexSlot *s = new_slot(1);
    uint64_t gen = s->generation.load();
    for (int kk = 0; kk < 50; kk++) {
        KeyEntry *k = key(s, "key" + std::to_string(kk));
        for (int i = 0; i < 20; i++)
            ASSERT_TRUE(put(s, k, i, uint32_t(i), 0, 30));
        if (kk % 3 == 0) {
            EXPECT_TRUE(st.remove(s, k, 5, 5, 0));  // some rows in limbo too
        }
    }
    EXPECT_GT(st.usage().used_bytes, baseline + 50 * 20 * 30);
    EXPECT_EQ(st.usage().indexes, 1u);

    st.reader_enter(1);  // a reader from before the drop
    const KeyEntry *k7 = lookup(s, "key7");
    ASSERT_NE(k7, nullptr);
    st.drop_slot(s);
    EXPECT_EQ(s->state.load(), uint32_t(kSlotDropped));
    EXPECT_EQ(st.find_slot(SlotId{1, 1, 1001}), nullptr);
    EXPECT_EQ(st.usage().indexes, 0u);
    for (int i = 0; i < 5; i++)
        st.reclaim();
    EXPECT_EQ(s->state.load(), uint32_t(kSlotDropped)) << "freed under an active reader";
    // The reader still sees the dropped index's rows intact.
    EXPECT_EQ(scan(k7).size(), 20u);
    // Not reusable yet: another create takes another slot.
    IndexSlot *other = st.create_slot(SlotId{1, 1, 1001}, 0, 16, 0);
    ASSERT_NE(other, nullptr);
    EXPECT_NE(other, s);
    st.drop_slot(other);
    st.reader_exit(1);

    reclaim_all();
    EXPECT_EQ(s->state.load(), uint32_t(kSlotFree));
    EXPECT_EQ(other->state.load(), uint32_t(kSlotFree));
    EXPECT_EQ(st.usage().used_bytes, baseline);
    EXPECT_EQ(st.usage().limbo_bytes, 0u);

    // Slot reusable with a new generation, clean state.
    IndexSlot *s2 = nullptr;
    for (uint32_t i = 0; i < kSlots && !s2; i++) {
        IndexSlot *x = st.create_slot(SlotId{9, i, i}, 0, 16, 0);
        if (x == s)
            s2 = x;
    }
    ASSERT_EQ(s2, s);
    EXPECT_GT(s2->generation.load(), gen);
    EXPECT_EQ(s2->keys.load(), 0);
    EXPECT_EQ(s2->rows.load(), 0);
    EXPECT_EQ(s2->expired.load(), 0);
    s2->state.store(kSlotReady);
    EXPECT_EQ(lookup(s2, "key7"), nullptr);
    KeyEntry *k = key(s2, "key7");
    ASSERT_TRUE(put(s2, k, 1, 1, 1));
    EXPECT_EQ(all(k).size(), 1u);
}

TEST_F(StoreTest, DropWithoutReadersFreesAfterTwoAdvances)
{
    for (int round = 0; round < 20; round++) {
        IndexSlot *s = new_slot(uint32_t(round));
        ASSERT_NE(s, nullptr) << "round " << round;
        KeyEntry *k = key(s, "k");
        for (int i = 0; i < 100; i++)
            ASSERT_TRUE(put(s, k, i, uint32_t(i), 0, 50));
        st.drop_slot(s);
        reclaim_all();
        EXPECT_EQ(s->state.load(), uint32_t(kSlotFree));
        EXPECT_EQ(st.usage().used_bytes, baseline);
    }
}

// ---------------------------------------------------------------- concurrency

TEST_F(StoreTest, ConcurrentWritersReadersExpirer)
{
    make(32 << 20);
    IndexSlot *s = new_slot(1, 16);
    const int kKeys = 6;          // shared by all writers
    const int kWriters = 3;
    const int kReaders = 3;
    std::vector<std::string> names;
    for (int i = 0; i < kKeys; i++)
        names.push_back("shared" + std::to_string(i));
    for (int w = 0; w < kWriters; w++)
        names.push_back("own" + std::to_string(w));

    TtlRule rule;  // expirer: absolute on the event clock; writers: latest at publish on some keys
    rule.type = TtlType::kAbsolute;
    rule.event_clock = true;
    rule.abs_ttl = 400;
    TtlRule latest;
    latest.type = TtlType::kLatest;
    latest.rows = 64;

    std::atomic<bool> stop{false};
    std::atomic<int64_t> published{0}, removed{0}, reads{0}, rows_read{0}, alloc_fail{0}, expired{0};
    std::atomic<int> errors{0}, payload_errors{0}, upto_errors{0}, order_errors{0};
    std::atomic<uint64_t> next_id{1};

    auto writer = [&](int w) {
        std::mt19937_64 rng(100 + w);
        std::vector<std::tuple<int, int64_t, uint32_t, uint16_t>> mine;
        int64_t clock = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            int ki = rng() % 3 == 0 ? kKeys + w : int(rng() % kKeys);
            const std::string &nm = names[ki];
            auto *p = reinterpret_cast<const uint8_t *>(nm.data());
            KeyEntry *k = st.pin_key(s, Store::hash_key(p, uint32_t(nm.size())), p, uint32_t(nm.size()));
            if (!k) {
                alloc_fail++;
                continue;
            }
            clock++;
            int64_t o = clock + int64_t(rng() % 64) - 32;  // out of order, ties
            uint64_t id = next_id.fetch_add(1);
            uint32_t tb = uint32_t(id);
            uint16_t to = uint16_t(w);
            uint32_t len = sizeof(StressPayload) + uint32_t(rng() % 100);
            Ref r = stress_row(st, len, o, id, tb, to);
            if (!r) {
                st.unpin_key(k);
                alloc_fail++;
                continue;
            }
            st.publish(s, k, r, ki >= kKeys ? latest : TtlRule());
            st.unpin_key(k);
            published++;
            mine.push_back({ki, o, tb, to});
            if (rng() % 4 == 0 && !mine.empty()) {
                size_t j = rng() % mine.size();
                auto [kj, oj, tbj, toj] = mine[j];
                mine[j] = mine.back();
                mine.pop_back();
                const std::string &nj = names[kj];
                auto *pj = reinterpret_cast<const uint8_t *>(nj.data());
                // find_key + remove inside an epoch: the expirer removes
                // keys left empty.
                ReadGuard g(st, uint32_t(8 + w));
                KeyEntry *kk = st.find_key(s, Store::hash_key(pj, uint32_t(nj.size())), pj, uint32_t(nj.size()));
                if (kk && st.remove(s, kk, oj, tbj, toj))  // may already be expired
                    removed++;
            }
            if (mine.size() > 4096)
                mine.erase(mine.begin(), mine.begin() + 2048);
        }
    };

    auto reader = [&](int rd) {
        std::mt19937_64 rng(200 + rd);
        uint32_t slot = uint32_t(1 + rd);
        while (!stop.load(std::memory_order_relaxed)) {
            const std::string &nm = names[rng() % names.size()];
            auto *p = reinterpret_cast<const uint8_t *>(nm.data());
            ReadGuard g(st, slot);
            const KeyEntry *k = st.find_key(s, Store::hash_key(p, uint32_t(nm.size())), p, uint32_t(nm.size()));
            if (!k)
                continue;
            TtlRule vis = rng() % 2 ? rule : TtlRule();
            int64_t upto = rng() % 3 == 0 ? INT64_MAX : int64_t(rng() % 20000);
            Store::Cursor c;
            int64_t po = INT64_MAX;
            uint64_t ps = UINT64_MAX;
            bool first = true;
            for (c.seek(st, k, upto, vis); c.valid(); c.next()) {
                RowView rv = c.row();
                int64_t o = rv.order;
                uint64_t sq = rv.seq;
                uint32_t len = rv.payload_len;
                StressPayload sp;
                if (len < sizeof sp) {
                    errors++;
                    break;
                }
                memcpy(&sp, rv.payload, sizeof sp);
                // Rows removed or cut concurrently must still read intact,
                // heap TID included.
                if (sp.order != o || sp.check != stress_check(sp.order, sp.id) || rv.tid_block != uint32_t(sp.id)) {
                    errors++;
                    payload_errors++;
                    break;
                }
                if (o > upto) {
                    errors++;
                    upto_errors++;
                }
                if (!first && (o > po || (o == po && sq >= ps))) {
                    errors++;
                    order_errors++;
                }
                first = false;
                po = o;
                ps = sq;
                rows_read++;
            }
            reads++;
        }
    };

    auto expirer = [&]() {
        while (!stop.load(std::memory_order_relaxed)) {
            expired += st.expire_index(s, rule);
            st.reclaim();
            std::this_thread::yield();
        }
    };

    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; w++)
        threads.emplace_back(writer, w);
    for (int r = 0; r < kReaders; r++)
        threads.emplace_back(reader, r);
    threads.emplace_back(expirer);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    stop = true;
    for (auto &t : threads)
        t.join();

    EXPECT_EQ(errors.load(), 0) << "payload " << payload_errors.load() << " upto " << upto_errors.load()
                                << " order " << order_errors.load();
    EXPECT_GT(published.load(), 1000);
    EXPECT_GT(removed.load(), 0);
    EXPECT_GT(expired.load(), 0);
    EXPECT_GT(reads.load(), 100);
    EXPECT_GT(rows_read.load(), 1000);
    // (alloc failures are possible on a starved machine if the expirer lags;
    // they are handled by the writers and not an error.)
    printf("published %lld removed %lld expired %lld (bg) reads %lld rows read %lld alloc failures %lld\n",
           (long long)published.load(), (long long)removed.load(), (long long)expired.load(),
           (long long)reads.load(), (long long)rows_read.load(), (long long)alloc_fail.load());

    // Quiescent: structure and statistics are consistent.
    int64_t rows = 0, nkeys = 0;
    st.for_each_key(s, [&](const KeyEntry *k) {
        check_structure(k);
        rows += k->nrows.load();
        nkeys++;
        EXPECT_EQ(k->pins.load(), 0u);
    });
    EXPECT_EQ(s->rows.load(), rows);
    // (a key emptied by removes may have been removed by the expirer)
    EXPECT_EQ(s->keys.load(), nkeys);
    EXPECT_LE(nkeys, int64_t(names.size()));
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    EXPECT_EQ(published.load() - removed.load() - s->expired.load(), rows);
    reclaim_all();
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    st.drop_slot(s);
    reclaim_all();
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

// seek(upto) racing with inserts just above upto: the cursor must never start
// on a row newer than upto (it used to re-read the level-0 link after the
// search and could land on a row inserted in between).
TEST_F(StoreTest, ConcurrentSeekNeverPassesUpto)
{
    IndexSlot *s = new_slot(1, 16);
    KeyEntry *k = key(s, "k");
    ASSERT_TRUE(put(s, k, 0, 0, 0, 8));
    ASSERT_TRUE(put(s, k, 1000, 1000, 0, 8));
    std::atomic<bool> stop{false};
    std::atomic<int64_t> bad{0}, seeks{0};
    std::thread w([&]() {
        uint32_t i = 1;
        while (!stop.load(std::memory_order_relaxed)) {
            int64_t o = 501 + (i % 400);  // always > upto
            Ref r = st.alloc_node(8, o, i, 0);
            if (!r) {
                // Region full of limbo: a reader preempted inside its epoch
                // (an overloaded machine) holds reclamation back.
                st.reclaim();
                std::this_thread::yield();
                continue;
            }
            st.publish(s, k, r, TtlRule());
            st.remove(s, k, o, i, 0);
            if (i % 64 == 0)
                st.reclaim();
            i++;
        }
    });
    std::vector<std::thread> rs;
    for (int t = 0; t < 2; t++)
        rs.emplace_back([&, t]() {
            auto t0 = std::chrono::steady_clock::now();
            while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(700)) {
                ReadGuard g(st, uint32_t(1 + t));
                for (int j = 0; j < 100; j++) {
                    Store::Cursor c;
                    c.seek(st, k, 500, TtlRule());
                    if (!c.valid() || c.node()->order > 500)
                        bad++;
                    seeks++;
                }
            }
        });
    for (auto &t : rs)
        t.join();
    stop = true;
    w.join();
    EXPECT_EQ(bad.load(), 0) << "of " << seeks.load() << " seeks";
}

// Readers positioned on a row while it is removed still see its heap TID
// (the limbo link used to overwrite tid_block).
TEST_F(StoreTest, ConcurrentRemoveKeepsTidForReaders)
{
    IndexSlot *s = new_slot(1, 16);
    KeyEntry *k = key(s, "k");
    std::atomic<bool> stop{false};
    std::atomic<int64_t> bad{0}, seen{0};
    std::thread w([&]() {
        for (uint32_t i = 1; i < 100000; i++) {
            Ref r = st.alloc_node(0, 10, 7, 7);
            if (!r) {  // limbo held back by a preempted reader
                st.reclaim();
                std::this_thread::yield();
                continue;
            }
            st.publish(s, k, r, TtlRule());
            st.remove(s, k, 10, 7, 7);
            if (i % 16 == 0)
                st.reclaim();
        }
        stop = true;
    });
    std::thread rd([&]() {
        while (!stop.load(std::memory_order_relaxed)) {
            ReadGuard g(st, 1);
            Store::Cursor c;
            for (c.seek(st, k, INT64_MAX, TtlRule()); c.valid(); c.next()) {
                RowView v = c.row();
                if (v.tid_block != 7 || v.tid_off != 7 || v.order != 10)
                    bad++;
                seen++;
            }
        }
    });
    w.join();
    rd.join();
    EXPECT_EQ(bad.load(), 0) << "of " << seen.load();
}

// Many threads creating the same keys at once: one entry per key.
TEST_F(StoreTest, ConcurrentKeyCreation)
{
    IndexSlot *s = new_slot(1, 16);
    const int kThreads = 4, kN = 300;
    std::vector<std::vector<KeyEntry *>> got(kThreads, std::vector<KeyEntry *>(kN));
    std::vector<std::thread> th;
    for (int t = 0; t < kThreads; t++)
        th.emplace_back([&, t]() {
            for (int i = 0; i < kN; i++) {
                int j = (i * 7 + t * 13) % kN;
                std::string nm = "c" + std::to_string(j);
                auto *p = reinterpret_cast<const uint8_t *>(nm.data());
                KeyEntry *k = st.pin_key(s, Store::hash_key(p, uint32_t(nm.size())), p, uint32_t(nm.size()));
                got[t][j] = k;
                // publish right away, concurrently with other creators
                Ref r = st.alloc_node(0, i, uint32_t(t), uint16_t(i));
                st.publish(s, k, r, TtlRule());
                st.unpin_key(k);
            }
        });
    for (auto &t : th)
        t.join();
    for (int i = 0; i < kN; i++)
        for (int t = 1; t < kThreads; t++)
            ASSERT_EQ(got[t][i], got[0][i]);
    EXPECT_EQ(s->keys.load(), kN);
    EXPECT_EQ(s->rows.load(), kN * kThreads);
    st.for_each_key(s, [&](const KeyEntry *k) {
        EXPECT_EQ(k->nrows.load(), kThreads);
        EXPECT_EQ(k->pins.load(), 0u);
        check_structure(k);
    });
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
}

// Concurrent allocator use: no block handed out twice.
TEST_F(StoreTest, ConcurrentAllocFree)
{
    const int kThreads = 4;
    std::vector<std::thread> th;
    std::atomic<int> errors{0};
    for (int t = 0; t < kThreads; t++)
        th.emplace_back([&, t]() {
            std::mt19937 rng(t);
            std::vector<std::pair<Ref, size_t>> mine;
            for (int i = 0; i < 20000; i++) {
                if (mine.size() < 50 || rng() % 2) {
                    size_t n = 8 + rng() % 500;
                    Ref r = st.alloc(n);
                    if (!r) {
                        errors++;
                        continue;
                    }
                    memset(st.at<uint8_t>(r), t + 1, n);
                    mine.push_back({r, n});
                } else {
                    size_t j = rng() % mine.size();
                    auto [r, n] = mine[j];
                    const uint8_t *p = st.at<uint8_t>(r);
                    for (size_t b = 0; b < n; b++)
                        if (p[b] != t + 1) {
                            errors++;
                            break;
                        }
                    st.free(r, n);
                    mine[j] = mine.back();
                    mine.pop_back();
                }
            }
            for (auto [r, n] : mine)
                st.free(r, n);
        });
    for (auto &t : th)
        t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}


// ---------------------------------------------------------------- coalescing and key removal

// Size of class c (mirrors the allocator's table through class_size()).
size_t size_of_class_for_test(int c)
{
    static std::vector<size_t> sizes = [] {
        std::vector<size_t> v;
        size_t b = 8;
        while (v.size() < size_t(kNumClasses)) {
            size_t cs = Store::class_size(b);
            v.push_back(cs);
            b = cs + 1;
        }
        return v;
    }();
    return sizes[size_t(c)];
}

// Free bytes accounted exactly: what the free lists hold, never-used memory
// between the bump pointer and the lowest row segment, free segments and
// the unused bytes of row segments are what usage() calls free.
void expect_free_accounting(const Store &st)
{
    uint64_t lists = 0;
    uint64_t by_class[kNumClasses];
    st.free_list_by_class(by_class);
    uint64_t listed = 0;
    for (int c = 0; c < kNumClasses; c++) {
        for (Ref r = st.hdr()->free_head[c]; r; r = *st.at<Ref>(r))
            lists += size_of_class_for_test(c);
        listed += by_class[c];
    }
    MemoryUsage u = st.usage();
    EXPECT_EQ(listed, lists);
    EXPECT_EQ(u.free_list_bytes, lists);
    EXPECT_EQ(u.never_used_bytes, st.hdr()->bump_limit.load() - st.hdr()->bump.load());
    EXPECT_EQ(u.free_bytes, u.never_used_bytes + u.free_list_bytes + u.free_segment_bytes + u.segment_open_bytes +
                                u.segment_dead_bytes);
    EXPECT_EQ(u.free_bytes, u.heap_bytes - u.used_bytes);
    EXPECT_LE(u.segment_live_bytes, u.used_bytes);
}

TEST_F(StoreTest, CoalesceMergesSmallFreeBlocksForLargerClasses)
{
    make(256 << 10);
    MemoryUsage u0 = st.usage();
    // Fill the heap with 24-byte blocks.
    std::vector<Ref> blocks;
    for (;;) {
        Ref r = st.alloc(24);
        if (!r)
            break;
        memset(st.at<uint8_t>(r), 0x11, 24);
        blocks.push_back(r);
    }
    ASSERT_GT(blocks.size(), 9000u);
    EXPECT_EQ(st.usage().used_bytes, blocks.size() * 24);
    EXPECT_EQ(st.alloc(32), 0u);
    // Keep every 16th block (filled with its index), free the others: runs
    // of 15 * 24 = 360 free bytes between live blocks.
    std::vector<Ref> kept;
    for (size_t i = 0; i < blocks.size(); i++) {
        if (i % 16 == 0) {
            memset(st.at<uint8_t>(blocks[i]), int(i & 0xff), 24);
            kept.push_back(blocks[i]);
        } else {
            st.free(blocks[i], 24);
        }
    }
    uint64_t used = kept.size() * 24;
    EXPECT_EQ(st.usage().used_bytes, used);
    expect_free_accounting(st);
    // 320-byte blocks fit only after merging: one per run (360 = 320 + 40).
    std::vector<Ref> big;
    for (;;) {
        Ref r = st.alloc(320);
        if (!r)
            break;
        memset(st.at<uint8_t>(r), 0x77, 320);
        big.push_back(r);
        used += 320;
        ASSERT_EQ(st.usage().used_bytes, used);
    }
    EXPECT_GE(big.size(), blocks.size() / 16 - 2);
    expect_free_accounting(st);
    // Rate limit: nothing freed since the last pass, no pass.
    EXPECT_FALSE(st.coalesce());
    // The 40-byte tails serve 40-byte allocations.
    std::vector<Ref> tails;
    for (size_t i = 0; i < big.size(); i++) {
        Ref r = st.alloc(40);
        ASSERT_NE(r, 0u) << i;
        memset(st.at<uint8_t>(r), 0x55, 40);
        tails.push_back(r);
        used += 40;
    }
    EXPECT_EQ(st.usage().used_bytes, used);
    // Nothing overlapped a live block.
    for (size_t j = 0; j < kept.size(); j++)
        for (int b = 0; b < 24; b++)
            ASSERT_EQ(st.at<uint8_t>(kept[j])[b], uint8_t((j * 16) & 0xff)) << j;
    for (Ref r : big)
        for (int b = 0; b < 320; b++)
            ASSERT_EQ(st.at<uint8_t>(r)[b], 0x77);
    // Free everything: one pass merges the whole heap and gives it back to
    // the bump pointer; a block of half the heap fits.
    for (Ref r : kept)
        st.free(r, 24);
    for (Ref r : big)
        st.free(r, 320);
    for (Ref r : tails)
        st.free(r, 40);
    EXPECT_EQ(st.usage().used_bytes, 0u);
    EXPECT_TRUE(st.coalesce());
    EXPECT_FALSE(st.coalesce());
    EXPECT_EQ(st.hdr()->bump.load(), st.hdr()->heap_start);
    for (int c = 0; c < kNumClasses; c++)
        EXPECT_EQ(st.hdr()->free_head[c], 0u);
    expect_free_accounting(st);
    Ref half = st.alloc(u0.heap_bytes / 2);
    ASSERT_NE(half, 0u);
    EXPECT_EQ(st.usage().used_bytes, Store::class_size(u0.heap_bytes / 2));
    st.free(half, u0.heap_bytes / 2);
    EXPECT_EQ(st.usage().used_bytes, 0u);
}

// Random sizes, random frees, repeated coalescing: blocks stay disjoint and
// intact, usage() and the free lists stay exact.
TEST_F(StoreTest, CoalesceRandomKeepsBlocksAndUsageExact)
{
    make(512 << 10);
    std::mt19937 rng(11);
    struct Blk {
        Ref r;
        size_t n;
        uint8_t fill;
    };
    std::vector<Blk> live;
    uint64_t used = 0;
    int big_ok = 0;
    for (int round = 0; round < 30; round++) {
        // Fill with small blocks of one size range, then free most of them.
        size_t lo = 8 + size_t(round % 5) * 24;
        for (;;) {
            size_t n = lo + rng() % 40;
            Ref r = st.alloc(n);
            if (!r)
                break;
            uint8_t f = uint8_t(rng());
            memset(st.at<uint8_t>(r), f, n);
            live.push_back({r, n, f});
            used += Store::class_size(n);
        }
        ASSERT_EQ(st.usage().used_bytes, used);
        std::shuffle(live.begin(), live.end(), rng);
        size_t keep = live.size() / 8;
        for (size_t i = keep; i < live.size(); i++) {
            st.free(live[i].r, live[i].n);
            used -= Store::class_size(live[i].n);
        }
        live.resize(keep);
        ASSERT_EQ(st.usage().used_bytes, used);
        // Larger blocks now come from merged runs.
        for (int i = 0; i < 20; i++) {
            size_t n = 1000 + rng() % 3000;
            Ref r = st.alloc(n);
            if (!r)
                continue;
            big_ok++;
            uint8_t f = uint8_t(rng());
            memset(st.at<uint8_t>(r), f, n);
            live.push_back({r, n, f});
            used += Store::class_size(n);
        }
        ASSERT_EQ(st.usage().used_bytes, used);
        expect_free_accounting(st);
        for (const Blk &b : live)
            for (size_t j = 0; j < b.n; j++)
                ASSERT_EQ(st.at<uint8_t>(b.r)[j], b.fill) << "round " << round;
    }
    EXPECT_GT(big_ok, 30 * 20 * 3 / 4);
    for (const Blk &b : live)
        st.free(b.r, b.n);
    EXPECT_EQ(st.usage().used_bytes, 0u);
    st.coalesce();
    EXPECT_EQ(st.hdr()->bump.load(), st.hdr()->heap_start);
    expect_free_accounting(st);
}

// The scenario of the bug: a region full of small rows, all expired and
// reclaimed; new keys with bigger rows must fit (and the emptied keys go).
TEST_F(StoreTest, FullOfSmallRowsThenBigKeysAfterExpiry)
{
    make(512 << 10);
    IndexSlot *s = new_slot(1, 64);
    std::vector<KeyEntry *> keys;
    for (int i = 0; i < 16; i++)
        keys.push_back(key(s, "small" + std::to_string(i)));
    int64_t order = 0;
    for (int fails = 0; fails < 50;) {
        if (put(s, keys[order % 16], order, uint32_t(order), 0, 8))
            fails = 0;
        else
            fails++;
        order++;
    }
    int64_t nrows = s->rows.load();
    ASSERT_GT(nrows, 5000);
    EXPECT_EQ(st.alloc(2048), 0u);
    // Expire everything; the keys are left empty and are removed too.
    TtlRule all_gone;
    all_gone.type = TtlType::kAbsolute;
    all_gone.wall_cutoff = INT64_MAX;
    EXPECT_EQ(st.expire_index(s, all_gone), nrows);
    EXPECT_EQ(s->keys.load(), 0);
    EXPECT_EQ(s->rows.load(), 0);
    reclaim_all();
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    // Keys with long names and 1000-byte rows fill most of the heap again.
    uint64_t heap = st.usage().heap_bytes;
    int created = 0;
    int64_t big_rows = 0;
    for (int i = 0; i < 400; i++) {
        std::string nm = "big-key-" + std::to_string(i) + std::string(80, 'x');
        KeyEntry *k = key(s, nm);
        if (!k)
            break;
        created++;
        bool full = false;
        for (int j = 0; j < 2; j++) {
            if (!put(s, k, j, uint32_t(j), 0, 1000)) {
                full = true;
                break;
            }
            big_rows++;
        }
        if (full)
            break;
    }
    EXPECT_GT(created, 100);
    EXPECT_GT(uint64_t(big_rows) * 1000, heap * 6 / 10) << "rows " << big_rows << " of heap " << heap;
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    expect_free_accounting(st);
}

TEST_F(StoreTest, ExpireIndexRemovesEmptyUnpinnedKeys)
{
    IndexSlot *s = new_slot(1, 16);
    std::vector<KeyEntry *> ks;
    for (int i = 0; i < 40; i++) {
        ks.push_back(key(s, "k" + std::to_string(i)));
        for (int j = 0; j < 3; j++)
            ASSERT_TRUE(put(s, ks[i], j, uint32_t(j), 0, 16));
    }
    EXPECT_EQ(s->keys.load(), 40);
    // Delete every row of the even keys; keep "k0" pinned (a pending
    // publisher) and hold a reader on "k2".
    for (int i = 0; i < 40; i += 2)
        for (int j = 0; j < 3; j++)
            ASSERT_TRUE(st.remove(s, ks[i], j, uint32_t(j), 0));
    auto *p0 = reinterpret_cast<const uint8_t *>("k0");
    KeyEntry *pinned = st.pin_key(s, Store::hash_key(p0, 2), p0, 2);
    ASSERT_EQ(pinned, ks[0]);
    st.reader_enter(4);
    const KeyEntry *held = lookup(s, "k2");
    ASSERT_EQ(held, ks[2]);
    // Removal needs no TTL rule: kNone sweeps too.
    uint64_t limbo = st.usage().limbo_bytes;
    EXPECT_EQ(st.expire_index(s, TtlRule()), 0);
    EXPECT_EQ(s->keys.load(), 21);
    int64_t key_bytes = int64_t(Store::class_size(KeyEntry::size_for(2))) * 3 +
                        int64_t(Store::class_size(KeyEntry::size_for(3))) * 16;
    EXPECT_EQ(int64_t(st.usage().limbo_bytes - limbo), key_bytes);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    for (int i = 0; i < 40; i++) {
        const KeyEntry *k = lookup(s, "k" + std::to_string(i));
        if (i % 2 == 1 || i == 0) {
            EXPECT_EQ(k, ks[i]) << i;
            EXPECT_FALSE(k->dead());
        } else {
            EXPECT_EQ(k, nullptr) << i;
            EXPECT_TRUE(ks[i]->dead());
        }
    }
    // The pinned key takes a row and keeps it.
    ASSERT_TRUE(put(s, pinned, 7, 7, 0, 16));
    st.unpin_key(pinned);
    EXPECT_EQ(all(lookup(s, "k0")).size(), 1u);
    // The reader still sees its (empty, dead) key intact; nothing is freed
    // under it.
    uint64_t used = st.usage().used_bytes;
    for (int i = 0; i < 5; i++)
        st.reclaim();
    EXPECT_EQ(st.usage().used_bytes, used);
    EXPECT_EQ(held->keylen, 2u);
    EXPECT_EQ(memcmp(held->key, "k2", 2), 0);
    EXPECT_EQ(held->nrows.load(), 0);
    EXPECT_EQ(scan(held).size(), 0u);
    st.reader_exit(4);
    reclaim_all();
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    // The name gets a fresh, live key.
    KeyEntry *again = key(s, "k2");
    ASSERT_NE(again, nullptr);
    EXPECT_FALSE(again->dead());
    EXPECT_EQ(again->nrows.load(), 0);
    EXPECT_EQ(again->newest_order.load(), INT64_MIN);
    ASSERT_TRUE(put(s, again, 1, 1, 0, 16));
    EXPECT_EQ(all(lookup(s, "k2")).size(), 1u);
    EXPECT_EQ(s->keys.load(), 22);
    // A second sweep leaves keys with rows alone.
    EXPECT_EQ(st.expire_index(s, TtlRule()), 0);
    EXPECT_EQ(s->keys.load(), 22);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
}

// Ever-changing keys in a fixed region: every round creates new keys (of
// changing key and row sizes), then expires or deletes all their rows.  The
// region never runs out and the key count stays bounded.
TEST_F(StoreTest, KeyChurnInFixedRegionNeverRunsOut)
{
    make(1 << 20);
    IndexSlot *s = new_slot(1, 64);
    const int kRounds = 300, kPerRound = 50, kRows = 3;
    uint32_t tid = 1;
    for (int round = 0; round < kRounds; round++) {
        uint32_t len = 8 + uint32_t(round * 37) % 400;
        size_t pad = size_t(round % 60);
        std::vector<std::tuple<KeyEntry *, int64_t, uint32_t>> rows;
        for (int i = 0; i < kPerRound; i++) {
            std::string nm = "r" + std::to_string(round) + "-" + std::to_string(i) + std::string(pad, 'p');
            KeyEntry *k = key(s, nm);
            ASSERT_NE(k, nullptr) << "round " << round << " key " << i;
            for (int j = 0; j < kRows; j++) {
                int64_t o = int64_t(round) * 1000 + j;
                ASSERT_TRUE(put(s, k, o, tid, 0, len)) << "round " << round << " key " << i;
                rows.emplace_back(k, o, tid++);
            }
        }
        ASSERT_LE(s->keys.load(), kPerRound);
        if (round % 2 == 0) {
            TtlRule gone;
            gone.type = TtlType::kAbsolute;
            gone.wall_cutoff = int64_t(round + 1) * 1000;
            EXPECT_EQ(st.expire_index(s, gone), kPerRound * kRows);
        } else {
            for (auto &[k, o, t] : rows)
                ASSERT_TRUE(st.remove(s, k, o, t, 0));
            EXPECT_EQ(st.expire_index(s, TtlRule()), 0);
        }
        EXPECT_EQ(s->keys.load(), 0) << "round " << round;
        EXPECT_EQ(s->rows.load(), 0);
        reclaim_all();
    }
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    expect_free_accounting(st);
}

// Writers publishing to keys that GC threads keep emptying and removing,
// readers walking every key meanwhile: no row is published into a removed
// key (lost), no key exists twice, nothing is freed under a reader.
TEST_F(StoreTest, ConcurrentKeyRemovalRacesWritersAndReaders)
{
    make(8 << 20);
    IndexSlot *s = new_slot(1, 16);  // buckets shared by stripes
    const int kNames = 24, kWriters = 2, kGc = 2, kReadersN = 2;
    const int64_t kLag = 16;  // rows older than clock - kLag are cut: keys empty often
    std::vector<std::string> names;
    for (int i = 0; i < kNames; i++)
        names.push_back("name" + std::to_string(i));

    std::atomic<bool> stop{false};
    std::atomic<int64_t> clock{1}, max_cutoff{INT64_MIN};
    std::atomic<int64_t> published{0}, removed{0}, expired{0}, recreated{0}, alloc_fail{0}, rows_read{0},
        keys_read{0};
    std::atomic<int> errors{0}, dead_pins{0}, bad_keys{0}, bad_rows{0};

    struct Rec {
        int ki;
        int64_t order;
        uint32_t tid;
    };
    std::vector<std::vector<Rec>> recent(kWriters);

    auto writer = [&](int w) {
        std::mt19937_64 rng(300 + w);
        std::vector<KeyEntry *> last(kNames, nullptr);
        std::vector<Rec> &mine = recent[w];
        while (!stop.load(std::memory_order_relaxed)) {
            int ki = int(rng() % kNames);
            const std::string &nm = names[ki];
            auto *p = reinterpret_cast<const uint8_t *>(nm.data());
            KeyEntry *k = st.pin_key(s, Store::hash_key(p, uint32_t(nm.size())), p, uint32_t(nm.size()));
            if (!k) {
                alloc_fail++;
                continue;
            }
            if (k->dead())
                dead_pins++;
            if (last[ki] && last[ki] != k)
                recreated++;
            last[ki] = k;
            int64_t o = clock.fetch_add(1);
            uint32_t tb = uint32_t(o);
            uint32_t len = sizeof(StressPayload) + uint32_t(rng() % 64);
            Ref r = stress_row(st, len, o, tb, tb, uint16_t(w));
            if (!r) {
                st.unpin_key(k);
                alloc_fail++;
                continue;
            }
            st.publish(s, k, r, TtlRule());
            st.unpin_key(k);
            published++;
            mine.push_back({ki, o, tb});
            if (rng() % 3 == 0) {
                // Delete a recent row (it may already be cut).
                size_t j = mine.size() - 1 - size_t(rng() % std::min<size_t>(mine.size(), 4));
                Rec rc = mine[j];
                mine.erase(mine.begin() + long(j));
                const std::string &nj = names[rc.ki];
                auto *pj = reinterpret_cast<const uint8_t *>(nj.data());
                ReadGuard g(st, uint32_t(8 + w));
                KeyEntry *kk = st.find_key(s, Store::hash_key(pj, uint32_t(nj.size())), pj, uint32_t(nj.size()));
                if (kk && st.remove(s, kk, rc.order, rc.tid, uint16_t(w)))
                    removed++;
            }
            if (mine.size() > 8192)
                mine.erase(mine.begin(), mine.begin() + 4096);
        }
    };

    auto gc = [&](int g) {
        (void) g;
        while (!stop.load(std::memory_order_relaxed)) {
            TtlRule rule;
            rule.type = TtlType::kAbsolute;
            rule.wall_cutoff = clock.load() - kLag;
            int64_t m = max_cutoff.load();
            while (rule.wall_cutoff > m && !max_cutoff.compare_exchange_weak(m, rule.wall_cutoff)) {
            }
            expired += st.expire_index(s, rule);
            st.reclaim();
            std::this_thread::yield();
        }
    };

    auto reader = [&](int rd) {
        std::mt19937_64 rng(400 + rd);
        uint32_t slot = uint32_t(1 + rd);
        while (!stop.load(std::memory_order_relaxed)) {
            std::this_thread::yield();  // not inside the epoch: it would hold back reclamation
            ReadGuard g(st, slot);
            auto check_key = [&](const KeyEntry *k) {
                keys_read++;
                // Freed and reused key memory would not hash to itself.
                if (k->keylen > 16 || k->hash != Store::hash_key(k->key, k->keylen) ||
                    memcmp(k->key, "name", 4) != 0) {
                    bad_keys++;
                    return;
                }
                Store::Cursor c;
                int64_t po = INT64_MAX;
                for (c.seek(st, k, INT64_MAX, TtlRule()); c.valid(); c.next()) {
                    RowView rv = c.row();
                    StressPayload sp;
                    if (rv.payload_len < sizeof sp) {
                        bad_rows++;
                        break;
                    }
                    memcpy(&sp, rv.payload, sizeof sp);
                    if (sp.order != rv.order || sp.check != stress_check(sp.order, sp.id) ||
                        rv.tid_block != uint32_t(sp.id) || rv.order > po) {
                        bad_rows++;
                        break;
                    }
                    po = rv.order;
                    rows_read++;
                }
            };
            if (rng() % 2) {
                st.for_each_key(s, check_key);
            } else {
                const std::string &nm = names[rng() % kNames];
                auto *p = reinterpret_cast<const uint8_t *>(nm.data());
                if (const KeyEntry *k = st.find_key(s, Store::hash_key(p, uint32_t(nm.size())), p, uint32_t(nm.size())))
                    check_key(k);
            }
        }
    };

    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; w++)
        threads.emplace_back(writer, w);
    for (int g = 0; g < kGc; g++)
        threads.emplace_back(gc, g);
    for (int r = 0; r < kReadersN; r++)
        threads.emplace_back(reader, r);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    stop = true;
    for (auto &t : threads)
        t.join();
    printf("published %lld removed %lld expired %lld keys recreated %lld alloc failures %lld keys read %lld "
           "rows read %lld\n",
           (long long)published.load(), (long long)removed.load(), (long long)expired.load(),
           (long long)recreated.load(), (long long)alloc_fail.load(), (long long)keys_read.load(),
           (long long)rows_read.load());

    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(dead_pins.load(), 0) << "pin_key returned a removed key";
    EXPECT_EQ(bad_keys.load(), 0) << "key memory reused under a reader";
    EXPECT_EQ(bad_rows.load(), 0) << "row memory reused under a reader";
    EXPECT_GT(published.load(), 2000);
    EXPECT_GT(recreated.load(), 50) << "keys were not removed often enough to test the race";
    EXPECT_GT(keys_read.load(), 100);

    // Quiescent.  Every row ever published is either removed, cut by the GC,
    // or still reachable: a row published into a removed key is in none.
    int64_t reachable = 0, nkeys = 0;
    std::set<std::string> seen;
    st.for_each_key(s, [&](const KeyEntry *k) {
        nkeys++;
        EXPECT_FALSE(k->dead());
        EXPECT_EQ(k->pins.load(), 0u);
        EXPECT_TRUE(seen.insert(std::string(reinterpret_cast<const char *>(k->key), k->keylen)).second)
            << "key twice in the index";
        check_structure(k);
        reachable += k->nrows.load();
    });
    EXPECT_EQ(s->keys.load(), nkeys);
    EXPECT_EQ(s->rows.load(), reachable);
    EXPECT_EQ(published.load() - removed.load() - s->expired.load(), reachable);
    EXPECT_EQ(s->expired.load(), expired.load());
    // The newest rows of each writer (order >= every cutoff used, not
    // removed) are found under their key.
    int64_t checked = 0;
    for (int w = 0; w < kWriters; w++)
        for (const Rec &rc : recent[w]) {
            if (rc.order < max_cutoff.load())
                continue;
            const KeyEntry *k = lookup(s, names[rc.ki]);
            ASSERT_NE(k, nullptr) << names[rc.ki];
            bool found = false;
            for (const Row &row : scan(k, INT64_MAX, TtlRule(), false))
                found |= row.order == rc.order && row.tid_block == rc.tid;
            EXPECT_TRUE(found) << "row " << rc.order << " of " << names[rc.ki] << " lost";
            checked++;
        }
    EXPECT_GT(checked, 0);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    reclaim_all();
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    // Finally everything goes: keys included.
    TtlRule gone;
    gone.type = TtlType::kAbsolute;
    gone.wall_cutoff = INT64_MAX;
    st.expire_index(s, gone);
    EXPECT_EQ(s->keys.load(), 0);
    reclaim_all();
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    expect_free_accounting(st);
}

}  // namespace

// ---------------------------------------------------------------- compaction
namespace {

struct CompactFixture : public ::testing::Test {
    static constexpr size_t kBytes = 8u << 20;
    void *mem = nullptr;
    fe::core::Store st;
    fe::core::IndexSlot *slot = nullptr;
    void SetUp() override
    {
        mem = std::aligned_alloc(4096, kBytes);
        st = fe::core::Store::init(mem, kBytes, 8, 8);
        slot = st.create_slot(fe::core::SlotId{1, 2, 3}, 4, 64, 0);
        slot->state.store(fe::core::kSlotReady);
    }
    void TearDown() override { std::free(mem); }
    fe::core::KeyEntry *key(uint32_t id)
    {
        uint8_t b[4];
        memcpy(b, &id, 4);
        fe::core::KeyEntry *k = st.pin_key(slot, fe::core::Store::hash_key(b, 4), b, 4);
        st.unpin_key(k);
        return k;
    }
    void add(fe::core::KeyEntry *k, int64_t order, uint32_t tid, uint32_t payload)
    {
        fe::core::Ref n = st.alloc_node(4, order, tid, 1);
        memcpy(st.at<fe::core::RowNode>(n)->payload(), &payload, 4);
        st.publish(slot, k, n, fe::core::TtlRule{});
    }
    std::vector<std::tuple<int64_t, uint64_t, uint32_t, uint32_t>> rows(const fe::core::KeyEntry *k)
    {
        std::vector<std::tuple<int64_t, uint64_t, uint32_t, uint32_t>> out;
        fe::core::Store::Cursor c;
        for (c.seek(st, k, INT64_MAX, fe::core::TtlRule{}); c.valid(); c.next()) {
            uint32_t p;
            memcpy(&p, c.row().payload, 4);
            out.emplace_back(c.row().order, c.row().seq, c.row().tid_block, p);
        }
        // Cursor::walk visits the same rows (compacted runs: the guessed stride)
        fe::core::Store::Cursor w;
        size_t i = 0;
        w.seek(st, k, INT64_MAX, fe::core::TtlRule{});
        w.walk([&](const fe::core::RowNode *nd) {
            uint32_t p;
            memcpy(&p, nd->payload(), 4);
            EXPECT_LT(i, out.size());
            if (i < out.size()) {
                EXPECT_EQ(std::make_tuple(nd->order, nd->seq(), nd->tid_block, p), out[i]);
            }
            i++;
            return true;
        });
        EXPECT_FALSE(w.valid());
        EXPECT_EQ(i, out.size());
        return out;
    }
    int64_t scattered(const fe::core::KeyEntry *k)
    {
        int64_t n = 0;
        fe::core::Ref prev = 0;
        for (fe::core::Ref r = k->head[0].load(); r; r = st.at<fe::core::RowNode>(r)->next[0].load()) {
            // A run spread over two segments is one run.
            if (prev && !st.run_continues(prev, r))
                n++;
            prev = r;
        }
        return n;
    }
    // Runs `writer` while a thread walks key k over and over, checking that
    // every walk sees rows newest first and at least min_rows of them;
    // returns the number of walks.
    template <typename W>
    int64_t with_reader(const fe::core::KeyEntry *k, int64_t min_rows, W &&writer)
    {
        std::atomic<bool> stop{false};
        std::atomic<int64_t> reads{0};
        std::thread reader([&] {
            while (!stop.load()) {
                fe::core::ReadGuard g(st, 2);
                fe::core::Store::Cursor c;
                int64_t last_o = INT64_MAX, n = 0;
                uint64_t last_s = UINT64_MAX;
                bool ordered = true;
                for (c.seek(st, k, INT64_MAX, fe::core::TtlRule{}); c.valid(); c.next(), n++) {
                    auto r = c.row();
                    ordered = ordered && (r.order < last_o || (r.order == last_o && r.seq < last_s));
                    last_o = r.order;
                    last_s = r.seq;
                }
                EXPECT_TRUE(ordered);
                EXPECT_GE(n, min_rows);
                reads++;
            }
        });
        writer();
        stop = true;
        reader.join();
        return reads.load();
    }
};

}  // namespace

TEST_F(CompactFixture, CompactionKeepsContentAndMakesRowsContiguous)
{
    std::vector<fe::core::KeyEntry *> keys;
    for (uint32_t i = 0; i < 4; i++)
        keys.push_back(key(i));
    // Interleave keys (rows of one key scattered), with ties and out-of-order orders.
    for (uint32_t i = 0; i < 400; i++)
        add(keys[i % 4], int64_t((i * 37) % 101), i, i * 3);
    auto before = rows(keys[1]);
    ASSERT_EQ(before.size(), 100u);
    ASSERT_GT(scattered(keys[1]), 50);
    uint64_t used_before = st.usage().used_bytes;
    int64_t slot_bytes = slot->bytes.load();
    fe::core::Store::Cursor held;  // a reader positioned in the old chain
    st.reader_enter(1);
    held.seek(st, keys[1], 50, fe::core::TtlRule{});
    ASSERT_TRUE(held.valid());
    EXPECT_TRUE(st.compact_key(slot, keys[1]));
    EXPECT_EQ(rows(keys[1]), before);
    EXPECT_EQ(scattered(keys[1]), 0);
    EXPECT_EQ(slot->bytes.load(), slot_bytes);
    // The reader still walks the old chain to its end, in order.
    int64_t last = INT64_MAX, seen = 0;
    for (; held.valid(); held.next(), seen++) {
        EXPECT_LE(held.row().order, last);
        last = held.row().order;
    }
    EXPECT_GT(seen, 0);
    st.reader_exit(1);
    for (int i = 0; i < 3; i++)
        st.reclaim();
    EXPECT_EQ(st.usage().used_bytes, used_before);
    // Rows of the compacted run can be removed and freed alone; new rows go first.
    auto [o, sq, tid, pay] = before[10];
    (void) sq;
    (void) pay;
    EXPECT_TRUE(st.remove(slot, keys[1], o, tid, 1));
    add(keys[1], 1000, 9999, 7);
    auto after = rows(keys[1]);
    EXPECT_EQ(after.size(), 100u);
    EXPECT_EQ(std::get<0>(after[0]), 1000);
    for (int i = 0; i < 3; i++)
        st.reclaim();
    // Not worth it again right away; short keys are left alone.
    EXPECT_FALSE(st.compact_key(slot, keys[1]));
    fe::core::KeyEntry *small = key(99);
    for (int i = 0; i < 5; i++)
        add(small, i, i, i);
    EXPECT_FALSE(st.compact_key(slot, small, true));
}

TEST_F(CompactFixture, StreamedRowsAreCompactedAsAPrefix)
{
    // A key laid out in one run, then a live stream: one new row at a time,
    // allocated among other keys' rows, a GC pass (compact_key) after each.
    fe::core::KeyEntry *k = key(1), *other = key(2);
    for (int i = 0; i < 500; i++)
        add(k, i, uint32_t(i), uint32_t(i));
    ASSERT_TRUE(st.compact_key(slot, k, true));
    ASSERT_EQ(scattered(k), 0);
    for (int i = 0; i < 3; i++)
        st.reclaim();
    uint64_t used_start = st.usage().used_bytes;
    int64_t max_scattered = 0, prefix_passes = 0;
    for (int i = 500; i < 1500; i++) {
        add(other, i, uint32_t(i), 0);
        add(k, i, uint32_t(i), uint32_t(i));
        auto before = rows(k);
        st.reader_enter(1);
        fe::core::Store::Cursor held;  // a reader inside the old prefix
        held.seek(st, k, INT64_MAX, fe::core::TtlRule{});
        prefix_passes += st.compact_key(slot, k) ? 1 : 0;
        int64_t seen = 0;
        for (; held.valid(); held.next())
            seen++;
        st.reader_exit(1);
        EXPECT_EQ(seen, int64_t(before.size()));
        ASSERT_EQ(rows(k), before);
        max_scattered = std::max(max_scattered, scattered(k));
        st.reclaim();
    }
    // Never more than a few run boundaries (the whole-chain rule alone would
    // have let 166 scattered rows pile up before copying 666 rows at once).
    EXPECT_LE(max_scattered, 4);
    EXPECT_GT(prefix_passes, 100);
    auto all = rows(k);
    ASSERT_EQ(all.size(), 1500u);
    for (size_t i = 0; i < all.size(); i++)
        EXPECT_EQ(std::get<3>(all[i]), uint32_t(1499 - i));
    for (int i = 0; i < 3; i++)
        st.reclaim();
    // Every retired node was freed: only the 1,000 new rows of each key remain
    // beyond what was there (node sizes are equal, so this is exact).
    size_t node = fe::core::Store::class_size(fe::core::RowNode::size_for(1, 4));
    uint64_t used_end = st.usage().used_bytes;
    EXPECT_LE(used_end - used_start, 2000 * fe::core::Store::class_size(fe::core::RowNode::size_for(fe::core::kMaxHeight, 4)));
    EXPECT_GE(used_end - used_start, 2000 * node);
}

TEST_F(CompactFixture, PrefixCompactionRacesWithReaders)
{
    fe::core::KeyEntry *k = key(7), *other = key(8);
    for (int i = 0; i < 300; i++)
        add(k, i, uint32_t(i), 0);
    st.compact_key(slot, k, true);
    int64_t reads = with_reader(k, 300, [&] {
        for (int i = 300; i < 3300; i++) {
            add(other, i, uint32_t(i), 0);
            add(k, i, uint32_t(i), 0);
            st.compact_key(slot, k);
            st.reclaim();
        }
    });
    EXPECT_GT(reads, 0);
    EXPECT_EQ(rows(k).size(), 3300u);
    EXPECT_LE(scattered(k), 4);
}

TEST_F(CompactFixture, CompactionRacesWithReadersAndWriters)
{
    fe::core::KeyEntry *k = key(7), *other = key(8);
    int64_t reads = with_reader(k, 0, [&] {
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 20; i++) {
                add(k, (round * 20 + i) % 97, uint32_t(round * 20 + i), 0);
                add(other, i, uint32_t(i), 0);
            }
            st.compact_key(slot, k, true);
            st.reclaim();
        }
    });
    EXPECT_GT(reads, 0);
    EXPECT_EQ(k->nrows.load(), 4000);
    EXPECT_EQ(rows(k).size(), 4000u);
}

// ---------------------------------------------------------------- row segments

namespace {
SegInfo *seg_table(Store &st) { return st.at<SegInfo>(st.hdr()->segs); }
// Memory taken for good: the class area up to its bump pointer and every
// row segment in use (what is neither never-used nor a free segment).
uint64_t taken_bytes(const Store &st)
{
    MemoryUsage u = st.usage();
    return u.heap_bytes - u.never_used_bytes - u.free_segment_bytes;
}
}  // namespace

// A live stream with a row TTL for many times the region's size: each round
// publishes one row per key (allocated among the other keys' rows), then a
// GC pass as the worker runs it (expire_index, compact_index, reclaim).
// The memory taken stays flat, runs per key stay bounded, compaction never
// stops, and every key reads exactly its newest rows.
TEST_F(StoreTest, StreamWithTtlKeepsMemoryFlatAndRunsBounded)
{
    make(16 << 20);
    IndexSlot *s = new_slot(1, 256);
    const int kKeys = 200, kKeep = 300, kRounds = 1500, kWarm = 100;
    TtlRule rule;
    rule.type = TtlType::kLatest;
    rule.rows = kKeep;
    std::vector<KeyEntry *> keys;
    for (int i = 0; i < kKeys; i++)
        keys.push_back(key(s, "stream-" + std::to_string(i)));
    auto pass = [&] {
        st.expire_index(s, rule);
        st.compact_index(s);
        reclaim_all();
    };
    for (int j = 0; j < kKeep; j++)
        for (int i = 0; i < kKeys; i++)
            ASSERT_TRUE(put(s, keys[i], j, uint32_t(j), uint16_t(i), 24, rule));
    pass();
    uint64_t heap = st.usage().heap_bytes;
    uint64_t moved0 = st.hdr()->moved_bytes.load(), taken_warm = 0, taken_max = 0, used_max = 0, used_min = UINT64_MAX;
    int64_t runs_max = 0;
    for (int r = kKeep; r < kKeep + kRounds; r++) {
        for (int i = 0; i < kKeys; i++)
            ASSERT_TRUE(put(s, keys[i], r, uint32_t(r), uint16_t(i), 24, rule)) << "round " << r;
        pass();
        ASSERT_EQ(s->rows.load(), int64_t(kKeys) * kKeep);
        if (r - kKeep == kWarm)
            taken_warm = taken_bytes(st);
        if (r - kKeep > kWarm) {
            taken_max = std::max(taken_max, taken_bytes(st));
            used_max = std::max(used_max, st.usage().used_bytes);
            used_min = std::min(used_min, st.usage().used_bytes);
            runs_max = std::max(runs_max, s->runs_max.load());
        }
        if (r % 500 == 0) {
            expect_free_accounting(st);
            for (int i = 0; i < kKeys; i += 37) {
                std::vector<Row> got = all(keys[i]);  // payloads checked by scan()
                ASSERT_EQ(got.size(), size_t(kKeep));
                for (int j = 0; j < kKeep; j++)
                    ASSERT_EQ(got[size_t(j)].order, r - j);
                check_structure(keys[i]);
            }
        }
    }
    uint64_t moved = st.hdr()->moved_bytes.load() - moved0;
    MemoryUsage u = st.usage();
    std::printf("    stream: heap %llu, taken after warm-up %llu, max %llu; used %llu..%llu; moved %llu; runs/key max "
                "%lld avg %.2f; segments %u (victims %u), dead %llu\n",
                (unsigned long long) heap, (unsigned long long) taken_warm, (unsigned long long) taken_max,
                (unsigned long long) used_min, (unsigned long long) used_max, (unsigned long long) moved,
                (long long) runs_max, double(u.runs_total) / double(u.runs_keys), u.segments, u.segments_victim,
                (unsigned long long) u.segment_dead_bytes);
    // Compaction went on all along: it copied many times the region.
    EXPECT_GT(moved, 8 * heap);
    // Flat: the memory taken does not creep up with the stream.
    EXPECT_LE(taken_max, taken_warm + taken_warm / 5);
    EXPECT_LE(used_max - used_min, used_min / 10);
    EXPECT_LE(runs_max, 5);
    EXPECT_EQ(u.runs_keys, kKeys);
    EXPECT_LE(double(u.runs_total) / double(u.runs_keys), 3.0);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    EXPECT_EQ(int64_t(u.used_bytes), s->bytes.load());
    expect_free_accounting(st);
}

// Fill the region (rows interleaved across keys, a GC pass every few
// thousand rows as the worker runs), delete two rows of three all over it,
// then GC passes: the half-empty segments are cleaned and given back whole,
// so blocks of 4 kB and of a whole segment fit, and as many rows as were
// deleted fit again.
TEST_F(StoreTest, LargeBlockAfterFillDeleteReload)
{
    make(8 << 20);
    IndexSlot *s = new_slot(1, 256);
    const int kKeys = 64;
    std::vector<KeyEntry *> keys;
    for (int i = 0; i < kKeys; i++)
        keys.push_back(key(s, "frag-" + std::to_string(i)));
    auto pass = [&] {
        st.expire_index(s, TtlRule());
        st.compact_index(s);
        reclaim_all();
    };
    std::vector<std::vector<int64_t>> rows(kKeys);
    int64_t n = 0;
    for (int fails = 0; fails < 20; n++) {
        int i = int(n % kKeys);
        if (put(s, keys[size_t(i)], n, uint32_t(n), 0, 40)) {
            rows[size_t(i)].push_back(n);
            fails = 0;
        } else {
            fails++;
            pass();
        }
        if (n % 4000 == 3999)  // (not before every key has rows: empty keys go)
            pass();
    }
    int64_t stored = s->rows.load();
    MemoryUsage full = st.usage();
    ASSERT_GT(stored, 50000);
    EXPECT_EQ(st.alloc(4096), 0u);
    EXPECT_LT(full.free_bytes, full.heap_bytes / 8);
    int64_t deleted = 0;
    for (int i = 0; i < kKeys; i++) {
        std::vector<int64_t> kept;
        for (size_t j = 0; j < rows[size_t(i)].size(); j++) {
            int64_t o = rows[size_t(i)][j];
            if (j % 3 != 0) {
                ASSERT_TRUE(st.remove(s, keys[size_t(i)], o, uint32_t(o), 0));
                deleted++;
            } else {
                kept.push_back(o);
            }
        }
        rows[size_t(i)] = kept;
    }
    reclaim_all();
    // GC passes: each cleans what the memory left allows, so the first ones
    // free segments that the next ones use.
    MemoryUsage u;
    int passes = 0;
    do {
        pass();
        passes++;
        u = st.usage();
        std::printf("    fill/delete: %lld rows, %lld deleted; pass %d: free %llu of %llu: never-used %llu, free "
                    "segments %llu, free lists %llu, dead %llu\n",
                    (long long) stored, (long long) deleted, passes, (unsigned long long) u.free_bytes,
                    (unsigned long long) u.heap_bytes, (unsigned long long) u.never_used_bytes,
                    (unsigned long long) u.free_segment_bytes, (unsigned long long) u.free_list_bytes,
                    (unsigned long long) u.segment_dead_bytes);
    } while (passes < 10 && u.never_used_bytes + u.free_segment_bytes <= u.heap_bytes / 3);
    EXPECT_LE(passes, 4);
    // Segments came back whole: at least a third of the heap is free in
    // pieces of at least a segment.
    EXPECT_GT(u.never_used_bytes + u.free_segment_bytes, u.heap_bytes / 3);
    expect_free_accounting(st);
    Ref a = st.alloc(4096);
    ASSERT_NE(a, 0u);
    Ref b = st.alloc(kSegBytes);
    ASSERT_NE(b, 0u);
    memset(st.at<uint8_t>(a), 1, 4096);
    memset(st.at<uint8_t>(b), 2, kSegBytes);
    st.free(a, 4096);
    st.free(b, kSegBytes);
    // Reload until full again (GC passes between, as in the fill): nearly
    // as many rows as were deleted fit (row heights are random).
    int64_t reloaded = 0;
    for (int fails = 0; fails < 20; n++) {
        int i = int(n % kKeys);
        if (put(s, keys[size_t(i)], n, uint32_t(n), 0, 40)) {
            rows[size_t(i)].push_back(n);
            reloaded++;
            fails = 0;
        } else {
            fails++;
            pass();
        }
        if (n % 4000 == 3999)
            pass();
    }
    std::printf("    reload: %lld rows fit again (%lld deleted)\n", (long long) reloaded, (long long) deleted);
    EXPECT_GT(reloaded, deleted * 9 / 10);
    pass();
    for (int i = 0; i < kKeys; i += 9) {
        std::vector<Row> got = all(keys[size_t(i)]);
        ASSERT_EQ(got.size(), rows[size_t(i)].size());
        for (size_t j = 0; j < got.size(); j++)
            ASSERT_EQ(got[j].order, rows[size_t(i)][rows[size_t(i)].size() - 1 - j]);
        check_structure(keys[size_t(i)]);
    }
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    expect_free_accounting(st);
}

// The cleaner moves only the rows of a victim segment, in the middle of a
// key's chain, while readers walk it: links into the moved rows are
// redirected, the rest stays in place, and readers always see every row.
TEST_F(StoreTest, VictimRowsMovedFromTheMiddleWhileReadersWalk)
{
    make(8 << 20);
    IndexSlot *s = new_slot(1, 64);
    KeyEntry *k = key(s, "long");
    KeyEntry *other = key(s, "other");
    const int kRows = 6000;
    for (int j = 0; j < kRows; j++) {
        ASSERT_TRUE(put(s, k, j, uint32_t(j), 0, 16));
        ASSERT_TRUE(put(s, other, j, uint32_t(j), 0, 16));
    }
    ASSERT_TRUE(st.compact_key(s, k, true));
    reclaim_all();
    // Segments holding the key's rows, newest first.
    std::vector<uint32_t> segs_of_k;
    for (Ref r = k->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load()) {
        ASSERT_TRUE(st.in_segment(r));
        uint32_t i = uint32_t(((uint64_t(r) << 3) - st.hdr()->seg_base) >> kSegShift);
        if (segs_of_k.empty() || segs_of_k.back() != i)
            segs_of_k.push_back(i);
    }
    ASSERT_GE(segs_of_k.size(), 4u);
    uint32_t mid = segs_of_k[segs_of_k.size() / 2];
    int64_t runs = 0;
    EXPECT_FALSE(st.compact_key(s, k, false, &runs));  // nothing to do
    EXPECT_EQ(runs, 1);
    std::vector<Row> before = all(k);
    std::vector<Ref> stay, in_mid;
    for (Ref r = k->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load())
        (uint32_t(((uint64_t(r) << 3) - st.hdr()->seg_base) >> kSegShift) == mid ? in_mid : stay).push_back(r);
    ASSERT_GT(in_mid.size(), 100u);
    std::atomic<bool> stop{false};
    std::atomic<int64_t> walks{0};
    std::thread reader([&] {
        while (!stop.load()) {
            ReadGuard g(st, 5);
            Store::Cursor c;
            int64_t last = INT64_MAX, seen = 0;
            for (c.seek(st, k, INT64_MAX, TtlRule()); c.valid(); c.next(), seen++) {
                EXPECT_LT(c.row().order, last);
                last = c.row().order;
                EXPECT_TRUE(payload_ok(c.row().order, c.row().tid_block, c.row().tid_off, c.row().payload,
                                       c.row().payload_len));
            }
            EXPECT_EQ(seen, kRows);
            walks++;
        }
    });
    while (walks.load() < 3)
        std::this_thread::yield();
    seg_table(st)[mid].victim.store(1);
    ASSERT_TRUE(st.compact_key(s, k, false, &runs));
    EXPECT_EQ(runs, 3);  // before, the moved rows, after
    int64_t w = walks.load();
    while (walks.load() < w + 3)
        std::this_thread::yield();
    stop = true;
    reader.join();
    EXPECT_EQ(all(k), before);
    check_structure(k);
    std::set<Ref> now;
    for (Ref r = k->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load())
        now.insert(r);
    for (Ref r : stay)
        EXPECT_TRUE(now.count(r)) << "a row outside the victim moved";
    for (Ref r : in_mid)
        EXPECT_FALSE(now.count(r)) << "a row of the victim stayed";
    // Once reclaimed, the victim segment is empty and released.
    reclaim_all();
    EXPECT_NE(seg_table(st)[mid].state.load(), uint32_t(kSegRows));
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    expect_free_accounting(st);
}

// The class area borrows a free segment when it has nothing else and
// coalesce() gives it back once it is entirely free; segments freed at the
// floor go back to never-used memory.
TEST_F(StoreTest, SegmentsBorrowedAndGivenBack)
{
    make(8 << 20);
    IndexSlot *s = new_slot(1, 64);
    KeyEntry *k = key(s, "k");
    for (int j = 0; j < 20000; j++)
        ASSERT_TRUE(put(s, k, j, uint32_t(j), 0, 24));
    MemoryUsage u0 = st.usage();
    ASSERT_TRUE(st.compact_key(s, k, true));
    reclaim_all();
    MemoryUsage u1 = st.usage();
    EXPECT_GT(u1.segments, 5u);
    EXPECT_EQ(u1.segment_live_bytes, uint64_t(level0_bytes(k)));
    EXPECT_LT(u1.never_used_bytes, u0.never_used_bytes);
    expect_free_accounting(st);
    // Fill the class area with 64-byte blocks until nothing is left.
    std::vector<Ref> blocks;
    for (Ref r; (r = st.alloc(64)) != 0;)
        blocks.push_back(r);
    // Every row expires: the segments empty (the highest ones go back to
    // never-used memory as the floor rises, up to the bump pointer).
    TtlRule gone;
    gone.type = TtlType::kAbsolute;
    gone.wall_cutoff = INT64_MAX;
    EXPECT_EQ(st.expire(s, k, gone), 20000);
    reclaim_all();
    MemoryUsage u2 = st.usage();
    EXPECT_EQ(u2.segments, 1u);  // the open run segment
    EXPECT_EQ(u2.segment_live_bytes, 0u);
    expect_free_accounting(st);
    // More class blocks: now they come from borrowed segments.
    size_t before = blocks.size();
    for (Ref r; (r = st.alloc(64)) != 0;)
        blocks.push_back(r);
    EXPECT_GT(blocks.size() - before, size_t(u2.free_segment_bytes / 64 / 2));
    uint32_t borrowed = 0;
    for (uint32_t i = 0; i < st.hdr()->nsegs; i++)
        borrowed += seg_table(st)[i].state.load() == kSegClass;
    EXPECT_GT(borrowed, 0u);
    expect_free_accounting(st);
    // Free them all: coalesce() returns the borrowed segments.
    for (Ref r : blocks)
        st.free(r, 64);
    EXPECT_TRUE(st.coalesce());
    for (uint32_t i = 0; i < st.hdr()->nsegs; i++)
        EXPECT_NE(seg_table(st)[i].state.load(), uint32_t(kSegClass)) << i;
    expect_free_accounting(st);
    MemoryUsage u3 = st.usage();
    EXPECT_EQ(u3.used_bytes, uint64_t(s->bytes.load()));
    EXPECT_GT(u3.never_used_bytes + u3.free_segment_bytes, u3.heap_bytes * 9 / 10);
}

// Writers streaming into their own keys (row TTL at publish) and deleting
// some of their rows, readers walking keys, and a GC thread (expire_index +
// compact_index inside an epoch, then reclaim) in a region small enough
// that segments are recycled and cleaned all along: every key ends with
// exactly its model's rows, readers never see a row out of order or a
// damaged payload.
TEST_F(StoreTest, ConcurrentStreamCompactionCleanerReaders)
{
    make(4 << 20);
    IndexSlot *s = new_slot(1, 64);
    const int kWriters = 2, kKeysPer = 20, kKeep = 150, kRowsPer = 60000;
    TtlRule rule;
    rule.type = TtlType::kLatest;
    rule.rows = kKeep;
    std::vector<std::vector<KeyEntry *>> keys(kWriters);
    for (int w = 0; w < kWriters; w++)
        for (int i = 0; i < kKeysPer; i++)
            keys[size_t(w)].push_back(key(s, "w" + std::to_string(w) + "-" + std::to_string(i)));
    // Keep every key non-empty (the GC removes empty keys; writers here use
    // their KeyEntry pointers): one row per key that is never deleted.
    for (int w = 0; w < kWriters; w++)
        for (int i = 0; i < kKeysPer; i++)
            ASSERT_TRUE(put(s, keys[size_t(w)][size_t(i)], -1, 0, uint16_t(w * 100 + i), 16));
    std::vector<std::vector<std::vector<int64_t>>> model(kWriters, std::vector<std::vector<int64_t>>(kKeysPer));
    for (int w = 0; w < kWriters; w++)
        for (int i = 0; i < kKeysPer; i++)
            model[size_t(w)][size_t(i)].push_back(-1);
    std::atomic<bool> stop{false};
    std::atomic<int> writers_done{0};
    std::atomic<int64_t> passes{0}, walks{0};
    std::vector<std::thread> th;
    for (int w = 0; w < kWriters; w++)
        th.emplace_back([&, w] {
            std::mt19937 rng(uint32_t(w) + 5);
            for (int64_t n = 0; n < kRowsPer; n++) {
                if (n % 2000 == 1999) {  // let a GC pass run every 2,000 rows
                    int64_t p = passes.load();
                    while (passes.load() < p + 1)
                        std::this_thread::yield();
                }
                int i = int(rng() % kKeysPer);
                KeyEntry *k = keys[size_t(w)][size_t(i)];
                auto &m = model[size_t(w)][size_t(i)];  // newest first
                uint32_t len = 16 + uint32_t(rng() % 48);
                Ref r = st.alloc_node(len, n, uint32_t(n), uint16_t(w * 100 + i));
                if (!r) {
                    std::this_thread::yield();
                    n--;
                    continue;
                }
                std::vector<uint8_t> p = make_payload(n, uint32_t(n), uint16_t(w * 100 + i), len);
                memcpy(st.at<RowNode>(r)->payload(), p.data(), len);
                st.publish(s, k, r, rule);
                m.insert(m.begin(), n);
                if (m.size() > size_t(kKeep))
                    m.resize(kKeep);
                if (rng() % 5 == 0 && m.size() > 2) {
                    size_t j = 1 + rng() % (m.size() - 2);  // never the oldest (-1 stays)
                    int64_t o = m[j];
                    EXPECT_TRUE(st.remove(s, k, o, uint32_t(o), uint16_t(w * 100 + i)));
                    m.erase(m.begin() + long(j));
                }
            }
            writers_done++;
        });
    th.emplace_back([&] {
        std::mt19937 rng(99);
        while (!stop.load()) {
            int w = int(rng() % kWriters), i = int(rng() % kKeysPer);
            ReadGuard g(st, 7);
            Store::Cursor c;
            int64_t last = INT64_MAX;
            for (c.seek(st, keys[size_t(w)][size_t(i)], INT64_MAX, TtlRule()); c.valid(); c.next()) {
                RowView v = c.row();
                EXPECT_LT(v.order, last);
                last = v.order;
                EXPECT_TRUE(payload_ok(v.order, v.tid_block, v.tid_off, v.payload, v.payload_len));
            }
            walks++;
        }
    });
    th.emplace_back([&] {
        while (writers_done.load() < kWriters) {
            st.reader_enter(8);
            st.expire_index(s, rule);
            st.compact_index(s);
            st.reader_exit(8);
            for (int j = 0; j < 3; j++)
                st.reclaim();
            passes++;
        }
    });
    while (writers_done.load() < kWriters)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    th.back().join();
    th.pop_back();
    stop = true;
    for (auto &t : th)
        t.join();
    st.compact_index(s);
    reclaim_all();
    EXPECT_GT(passes.load(), 5);
    EXPECT_GT(walks.load(), 10);
    MemoryUsage u = st.usage();
    std::printf("    concurrent: %lld GC passes, %lld walks, moved %llu bytes (heap %llu), runs/key max %lld\n",
                (long long) passes.load(), (long long) walks.load(),
                (unsigned long long) st.hdr()->moved_bytes.load(), (unsigned long long) u.heap_bytes,
                (long long) u.runs_max);
    EXPECT_GT(st.hdr()->moved_bytes.load(), u.heap_bytes);
    for (int w = 0; w < kWriters; w++)
        for (int i = 0; i < kKeysPer; i++) {
            std::vector<Row> got = all(keys[size_t(w)][size_t(i)]);
            const auto &m = model[size_t(w)][size_t(i)];
            ASSERT_EQ(got.size(), m.size()) << w << "/" << i;
            for (size_t j = 0; j < m.size(); j++)
                ASSERT_EQ(got[j].order, m[j]);
            check_structure(keys[size_t(w)][size_t(i)]);
        }
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    EXPECT_EQ(int64_t(u.used_bytes), s->bytes.load());
    expect_free_accounting(st);
}

// Review (reviewseg): compact_key gives the open segment's remainder back
// before asking run_piece for the next piece; when no next piece can be had
// (take_segment refuses: room fell under compaction_room() after the first
// segment), the same remainder was given back a second time after the loop,
// taking its bytes off used and the segment's live count twice.
TEST_F(StoreTest, CompactionShortOfSegmentGivesBackOnce)
{
    make(1 << 20);
    ASSERT_EQ(st.hdr()->seg_reserve, 0u);  // a small region: no cleaner reserve
    IndexSlot *s = new_slot(1, 64);
    KeyEntry *k = key(s, "k");
    // About 100 kB of rows: a whole-chain compaction needs two segments.
    for (int j = 0; j < 2000; j++)
        ASSERT_TRUE(put(s, k, j, uint32_t(j), 0, 16));
    // Leave just enough never-used memory for compaction_room() to hold for
    // the first segment only (room >= 64 kB + heap / 8, less once it is taken).
    const StoreHeader *h = st.hdr();
    uint64_t heap = h->region_size - h->heap_start;
    std::vector<Ref> filler;
    while (h->bump_limit.load() - h->bump.load() >= kSegBytes + heap / 8 + 8 * 1024) {
        Ref r = st.alloc(8);
        ASSERT_NE(r, 0u);
        filler.push_back(r);
    }
    MemoryUsage u0 = st.usage();
    ASSERT_GE(u0.never_used_bytes, kSegBytes + heap / 8);
    EXPECT_FALSE(st.compact_key(s, k, true));  // second segment refused
    reclaim_all();
    MemoryUsage u1 = st.usage();
    EXPECT_EQ(u1.used_bytes, u0.used_bytes);
    EXPECT_EQ(u1.segment_live_bytes, 0u);
    EXPECT_EQ(all(k).size(), 2000u);
    check_structure(k);
    expect_free_accounting(st);
    for (uint32_t i = 0; i < h->nsegs; i++) {
        int64_t live = seg_table(st)[i].live.load();
        EXPECT_TRUE(live == 0 || live == kSegOpenBias) << "segment " << i << " live " << live;
    }
}

// Review (reviewseg) stress: writers (publish, unique re-publish, remove)
// into pinned keys of two indexes with a row TTL, readers seeking and
// walking every index, a GC thread (expire_index + compact_index inside an
// epoch, reclaim) and a thread that fills, compacts and drops a third index
// over and over, in a region small enough that segments are recycled,
// cleaned and borrowed all along.  Every key ends with exactly its model's
// rows, readers never see a damaged or out-of-order row, and once everything
// is dropped the memory is all back.
TEST_F(StoreTest, ReviewStressWritersReadersGcDrops)
{
    make(3 << 20);
    const int kWriters = 2, kKeysPer = 12, kKeep = 120, kRowsPer = 40000;
    TtlRule rule;
    rule.type = TtlType::kLatest;
    rule.rows = kKeep;
    IndexSlot *ps[2] = {new_slot(1, 16), new_slot(2, 64)};
    std::atomic<IndexSlot *> dslot{nullptr};
    std::vector<std::vector<KeyEntry *>> keys(kWriters);
    for (int w = 0; w < kWriters; w++)
        for (int i = 0; i < kKeysPer; i++) {
            std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
            auto *p = reinterpret_cast<const uint8_t *>(name.data());
            keys[size_t(w)].push_back(st.pin_key(ps[w], Store::hash_key(p, uint32_t(name.size())), p,
                                                 uint32_t(name.size())));  // pinned for good
        }
    std::vector<std::vector<std::vector<int64_t>>> model(kWriters, std::vector<std::vector<int64_t>>(kKeysPer));
    std::atomic<bool> stop{false};
    std::atomic<int> writers_done{0};
    std::atomic<int64_t> walks{0}, passes{0}, drops{0}, full{0};
    std::vector<std::thread> th;
    for (int w = 0; w < kWriters; w++)
        th.emplace_back([&, w] {
            std::mt19937 rng(uint32_t(w) + 11);
            IndexSlot *s = ps[w];
            for (int64_t n = 0; n < kRowsPer; n++) {
                int i = int(rng() % kKeysPer);
                KeyEntry *k = keys[size_t(w)][size_t(i)];
                auto &m = model[size_t(w)][size_t(i)];
                uint32_t len = 16 + uint32_t(rng() % 64);
                Ref r = st.alloc_node(len, n, uint32_t(n), uint16_t(i));
                if (!r) {
                    full++;
                    std::this_thread::yield();
                    n--;
                    continue;
                }
                std::vector<uint8_t> p = make_payload(n, uint32_t(n), uint16_t(i), len);
                memcpy(st.at<RowNode>(r)->payload(), p.data(), len);
                EXPECT_TRUE(st.publish(s, k, r, rule, true));
                m.insert(m.begin(), n);
                if (m.size() > size_t(kKeep))
                    m.resize(kKeep);
                if (rng() % 7 == 0 && m.size() > 1) {  // a duplicate loses (unique)
                    int64_t o = m[rng() % m.size()];
                    Ref d = st.alloc_node(len, o, uint32_t(o), uint16_t(i));
                    if (d) {
                        EXPECT_FALSE(st.publish(s, k, d, rule, true));
                        st.free_node(d);
                    }
                }
                if (rng() % 4 == 0 && m.size() > 1) {
                    size_t j = rng() % m.size();
                    int64_t o = m[j];
                    EXPECT_TRUE(st.remove(s, k, o, uint32_t(o), uint16_t(i)));
                    m.erase(m.begin() + long(j));
                }
            }
            writers_done++;
        });
    for (int rd = 0; rd < 2; rd++)
        th.emplace_back([&, rd] {
            std::mt19937 rng(uint32_t(rd) + 77);
            while (!stop.load()) {
                ReadGuard g(st, uint32_t(3 + rd));
                int which = int(rng() % 3);
                IndexSlot *s = which < 2 ? ps[which] : dslot.load();
                if (!s || s->state.load(std::memory_order_acquire) != kSlotReady)
                    continue;
                std::string name = which < 2 ? "w" + std::to_string(which) + "-" + std::to_string(rng() % kKeysPer)
                                             : "d" + std::to_string(rng() % 30);
                auto *p = reinterpret_cast<const uint8_t *>(name.data());
                const KeyEntry *k = st.find_key(s, Store::hash_key(p, uint32_t(name.size())), p, uint32_t(name.size()));
                if (!k)
                    continue;
                int64_t upto = rng() % 2 ? INT64_MAX : int64_t(rng() % kRowsPer);
                Store::Cursor c;
                int64_t last = INT64_MAX;
                for (c.seek(st, k, upto, TtlRule()); c.valid(); c.next()) {
                    RowView v = c.row();
                    EXPECT_LE(v.order, upto);
                    EXPECT_LT(v.order, last);
                    last = v.order;
                    EXPECT_TRUE(payload_ok(v.order, v.tid_block, v.tid_off, v.payload, v.payload_len)) << v.order;
                }
                walks++;
            }
        });
    th.emplace_back([&] {  // the dropper
        std::mt19937 rng(5);
        for (uint32_t round = 0; !stop.load(); round++) {
            IndexSlot *s = st.create_slot(SlotId{7, 100 + round, round}, 0, 32, 0);
            if (!s) {
                st.reclaim();
                continue;
            }
            s->state.store(kSlotReady);
            dslot.store(s);
            for (int j = 0; j < 3000; j++) {
                std::string name = "d" + std::to_string(rng() % 30);
                auto *p = reinterpret_cast<const uint8_t *>(name.data());
                KeyEntry *k = st.pin_key(s, Store::hash_key(p, uint32_t(name.size())), p, uint32_t(name.size()));
                if (!k)
                    break;
                uint32_t len = 16 + uint32_t(rng() % 48);
                Ref r = st.alloc_node(len, j, uint32_t(j), 0);
                if (r) {
                    std::vector<uint8_t> pl = make_payload(j, uint32_t(j), 0, len);
                    memcpy(st.at<RowNode>(r)->payload(), pl.data(), len);
                    st.publish(s, k, r, TtlRule());
                }
                st.unpin_key(k);
                if (!r)
                    break;
            }
            st.reader_enter(6);
            st.compact_index(s, rng() % 2 == 0);
            st.reader_exit(6);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            st.drop_slot(s);
            drops++;
        }
    });
    th.emplace_back([&] {  // the GC
        while (!stop.load()) {
            for (uint32_t i = 0; i < st.max_slots(); i++) {
                IndexSlot *s = st.slot(i);
                st.reader_enter(8);
                if (s->state.load(std::memory_order_acquire) == kSlotReady) {
                    st.expire_index(s, s == ps[0] || s == ps[1] ? rule : TtlRule());
                    st.compact_index(s);
                }
                st.reader_exit(8);
            }
            for (int j = 0; j < 3; j++)
                st.reclaim();
            passes++;
        }
    });
    // Runs until the writers are done AND the dropper and the GC have done a
    // minimum of work beside them (a loaded machine can finish the writers
    // before the dropper's third round: stopping on the writers alone made the
    // minimums below a race).  The deadline only keeps a hang from blocking the
    // suite; reaching it without the minimums fails the test.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while ((writers_done.load() < kWriters || drops.load() <= 2 || passes.load() <= 5 || walks.load() <= 5) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stop = true;
    for (auto &t : th)
        t.join();
    std::printf("    review stress: %lld GC passes, %lld walks, %lld drops, %lld allocation failures\n",
                (long long) passes.load(), (long long) walks.load(), (long long) drops.load(),
                (long long) full.load());
    ASSERT_EQ(writers_done.load(), kWriters);
    EXPECT_GT(passes.load(), 5);
    EXPECT_GT(drops.load(), 2);
    EXPECT_GT(walks.load(), 5);
    for (int w = 0; w < kWriters; w++) {
        st.compact_index(ps[w]);
        for (int i = 0; i < kKeysPer; i++) {
            std::vector<Row> got = all(keys[size_t(w)][size_t(i)]);
            const auto &m = model[size_t(w)][size_t(i)];
            ASSERT_EQ(got.size(), m.size()) << w << "/" << i;
            for (size_t j = 0; j < m.size(); j++)
                ASSERT_EQ(got[j].order, m[j]);
            check_structure(keys[size_t(w)][size_t(i)]);
        }
    }
    reclaim_all();
    reclaim_all();
    EXPECT_EQ(ps[0]->bytes.load(), index_bytes(ps[0]));
    EXPECT_EQ(ps[1]->bytes.load(), index_bytes(ps[1]));
    EXPECT_EQ(int64_t(st.usage().used_bytes), ps[0]->bytes.load() + ps[1]->bytes.load());
    expect_free_accounting(st);
    // Everything dropped: all memory back.
    st.drop_slot(ps[0]);
    st.drop_slot(ps[1]);
    reclaim_all();
    reclaim_all();
    st.coalesce(true);
    MemoryUsage u = st.usage();
    EXPECT_EQ(u.used_bytes, 0u);
    EXPECT_EQ(u.limbo_bytes, 0u);
    EXPECT_EQ(u.segment_live_bytes, 0u);
    EXPECT_LE(u.segments, 1u);  // the open run segment
    for (uint32_t i = 0; i < st.hdr()->nsegs; i++) {
        int64_t live = seg_table(st)[i].live.load();
        EXPECT_TRUE(live == 0 || live == kSegOpenBias) << "segment " << i << " live " << live;
    }
    expect_free_accounting(st);
}

// Review (reviewseg): a Ref addresses 32 GiB, while feature_ext.memory_limit
// accepts up to 1 TiB.  Row segments sit at the region's top, so with a
// region above 32 GiB the first compaction wrote its copies at truncated
// Refs (the region's start: its header).  The usable region must stop at
// what a Ref reaches.
TEST(StoreLarge, RegionAbove32GiBKeepsRowsAddressable)
{
    const size_t bytes = (size_t(34) << 30);
    void *mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        GTEST_SKIP() << "cannot map 34 GiB of address space";
    Store st = Store::init(mem, bytes, 8, 8);
    const StoreHeader *h = st.hdr();
    EXPECT_LE(h->seg_base + (uint64_t(h->nsegs) << kSegShift), uint64_t(1) << 35);
    EXPECT_LE(h->region_size, uint64_t(1) << 35);
    IndexSlot *s = st.create_slot(SlotId{1, 1, 1}, 1, 16, 0);
    ASSERT_NE(s, nullptr);
    s->state.store(kSlotReady);
    const uint8_t key[1] = {'k'};
    KeyEntry *k = st.pin_key(s, Store::hash_key(key, 1), key, 1);
    ASSERT_NE(k, nullptr);
    for (int j = 0; j < 100; j++) {
        Ref r = st.alloc_node(8, j, uint32_t(j), 0);
        ASSERT_NE(r, 0u);
        st.publish(s, k, r, TtlRule());
    }
    uint64_t magic = h->magic;
    EXPECT_TRUE(st.compact_key(s, k, true));
    EXPECT_EQ(h->magic, magic);
    int n = 0;
    for (Ref r = k->head[0].load(); r && n < 1000; r = st.at<RowNode>(r)->next[0].load(), n++)
        EXPECT_TRUE(st.in_segment(r)) << "row " << n << " at offset " << (uint64_t(r) << 3);
    EXPECT_EQ(n, 100);
    munmap(mem, bytes);
}

// ---------------------------------------------------------------- issue 18: the store at scale

namespace {

std::string scale_name(int i) { return "key-" + std::to_string(i); }

KeyEntry *scale_pin(Store &st, IndexSlot *s, const std::string &nm)
{
    auto *p = reinterpret_cast<const uint8_t *>(nm.data());
    return st.pin_key(s, Store::hash_key(p, uint32_t(nm.size())), p, uint32_t(nm.size()));
}

const KeyEntry *scale_find(Store &st, IndexSlot *s, const std::string &nm)
{
    auto *p = reinterpret_cast<const uint8_t *>(nm.data());
    return st.find_key(s, Store::hash_key(p, uint32_t(nm.size())), p, uint32_t(nm.size()));
}

}  // namespace

// The bucket table doubles as keys arrive: it holds more buckets than keys
// afterwards, every key is found, and the replaced tables are freed.
TEST_F(StoreTest, BucketTableGrowsWithKeys)
{
    make(64 << 20);
    IndexSlot *s = new_slot(1, 16);
    const int kKeys = 20000;
    for (int i = 0; i < kKeys; i++) {
        KeyEntry *k = key(s, scale_name(i));
        ASSERT_NE(k, nullptr);
        ASSERT_TRUE(put(s, k, i, uint32_t(i), 0, 8));
        if (i % 1000 == 0)
            reclaim_all();  // a resize waits for the table before the current one to go
    }
    EXPECT_EQ(s->keys.load(), kKeys);
    EXPECT_GE(int64_t(s->nbuckets), int64_t(kKeys) / 2);
    EXPECT_GT(s->resizes.load(), 5);
    BucketTable t = st.table_of(s);
    EXPECT_EQ(t.n(), s->nbuckets);
    EXPECT_EQ(t.buckets, s->buckets);
    for (int i = 0; i < kKeys; i++) {
        const KeyEntry *k = lookup(s, scale_name(i));
        ASSERT_NE(k, nullptr) << i;
        ASSERT_EQ(k->nrows.load(), 1);
    }
    int64_t n = 0;
    st.for_each_key(s, [&](const KeyEntry *) { n++; });
    EXPECT_EQ(n, kKeys);
    reclaim_all();
    EXPECT_EQ(s->old_buckets, 0u);
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    // Empty keys still go, from the grown table.
    for (int i = 0; i < kKeys; i += 2)
        ASSERT_TRUE(st.remove(s, const_cast<KeyEntry *>(lookup(s, scale_name(i))), i, uint32_t(i), 0));
    EXPECT_EQ(st.expire_index(s, TtlRule()), 0);
    EXPECT_EQ(s->keys.load(), kKeys / 2);
    for (int i = 0; i < kKeys; i++)
        EXPECT_EQ(lookup(s, scale_name(i)) != nullptr, i % 2 == 1) << i;
    reclaim_all();
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
    st.drop_slot(s);
    reclaim_all();
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

// Resizes while writers create keys and publish, readers look keys up and
// walk their rows and every chain, and a GC thread expires, removes empty
// keys, compacts and reclaims (each inside an epoch, as the worker does).
// A reader must find every key that a writer has published to and not
// since emptied, and walk well-formed rows; afterwards every count agrees.
TEST_F(StoreTest, ResizeUnderConcurrentReadersWritersGc)
{
    make(128 << 20);
    IndexSlot *s = new_slot(1, 16);
    const int kWriters = 2, kReaders = 2, kPerWriter = 40000;
    // published[w]: how many of writer w's keys are known to exist (each
    // with a row that is never removed): key w*kPerWriter + i for i < published[w].
    std::atomic<int64_t> published[kWriters];
    for (auto &p : published)
        p.store(0);
    std::atomic<bool> stop{false};
    std::atomic<int64_t> misses{0}, bad_rows{0}, lookups{0}, walks{0}, gc_passes{0}, churn_removed{0};
    auto writer = [&](int w) {
        std::mt19937_64 rng(7 + w);
        for (int i = 0; i < kPerWriter; i++) {
            int id = w * kPerWriter + i;
            KeyEntry *k = scale_pin(st, s, scale_name(id));
            ASSERT_NE(k, nullptr);
            Ref r = stress_row(st, sizeof(StressPayload), i, uint64_t(id), uint32_t(id), 0);
            ASSERT_NE(r, 0u);
            st.publish(s, k, r, TtlRule());
            st.unpin_key(k);
            published[w].store(i + 1, std::memory_order_release);
            // Churn: a short-lived key, emptied at once (the GC removes it).
            if (rng() % 8 == 0) {
                std::string nm = "churn-" + std::to_string(id);
                KeyEntry *c = scale_pin(st, s, nm);
                ASSERT_NE(c, nullptr);
                Ref cr = stress_row(st, sizeof(StressPayload), 1, uint64_t(id), uint32_t(id), 1);
                ASSERT_NE(cr, 0u);
                st.publish(s, c, cr, TtlRule());
                st.unpin_key(c);
                ReadGuard g(st, uint32_t(10 + w));
                KeyEntry *cc = const_cast<KeyEntry *>(scale_find(st, s, nm));
                if (cc && st.remove(s, cc, 1, uint32_t(id), 1))
                    churn_removed++;
            }
        }
    };
    auto reader = [&](int rd) {
        std::mt19937_64 rng(100 + rd);
        while (!stop.load(std::memory_order_relaxed)) {
            int w = int(rng() % kWriters);
            int64_t n = published[w].load(std::memory_order_acquire);
            if (n == 0)
                continue;
            int id = w * kPerWriter + int(rng() % uint64_t(n));
            ReadGuard g(st, uint32_t(1 + rd));
            const KeyEntry *k = scale_find(st, s, scale_name(id));
            lookups++;
            if (!k) {
                misses++;
                continue;
            }
            Store::Cursor c;
            int rows = 0;
            for (c.seek(st, k, INT64_MAX, TtlRule()); c.valid(); c.next()) {
                StressPayload sp;
                memcpy(&sp, c.row().payload, sizeof sp);
                if (sp.id != uint64_t(id) || sp.check != stress_check(sp.order, sp.id))
                    bad_rows++;
                rows++;
            }
            if (rows != 1)
                bad_rows++;
            if (rng() % 64 == 0) {
                // A whole walk of the table: no key twice, none dead-looped.
                int64_t keys = 0;
                st.for_each_key(s, [&](const KeyEntry *) { keys++; });
                if (keys > 3 * kWriters * kPerWriter)
                    bad_rows++;
                walks++;
            }
        }
    };
    auto gc = [&]() {
        while (!stop.load(std::memory_order_relaxed)) {
            {
                ReadGuard g(st, 15);
                st.expire_index(s, TtlRule());
                st.compact_index(s);
            }
            st.reclaim();
            st.reclaim();
            // As the server's GC pass does: growth put off while a reader
            // held the previous table happens here.
            while (st.grow_table(s, true)) {
            }
            gc_passes++;
        }
    };
    std::vector<std::thread> ws, others;
    for (int r = 0; r < kReaders; r++)
        others.emplace_back(reader, r);
    others.emplace_back(gc);
    for (int w = 0; w < kWriters; w++)
        ws.emplace_back(writer, w);
    for (auto &t : ws)
        t.join();
    stop = true;
    for (auto &t : others)
        t.join();
    printf("resizes %lld buckets %u lookups %lld walks %lld gc passes %lld churn removed %lld\n",
           (long long)s->resizes.load(), s->nbuckets, (long long)lookups.load(), (long long)walks.load(),
           (long long)gc_passes.load(), (long long)churn_removed.load());
    EXPECT_EQ(misses.load(), 0);
    EXPECT_EQ(bad_rows.load(), 0);
    EXPECT_GT(lookups.load(), 1000);
    EXPECT_GT(s->resizes.load(), 5);
    // Quiescent: a last pass removes the emptied churn keys.
    st.expire_index(s, TtlRule());
    reclaim_all();
    reclaim_all();
    int64_t keys = 0, rows = 0;
    st.for_each_key(s, [&](const KeyEntry *k) {
        keys++;
        rows += k->nrows.load();
        EXPECT_EQ(k->pins.load(), 0u);
    });
    EXPECT_EQ(keys, int64_t(kWriters) * kPerWriter);
    EXPECT_EQ(s->keys.load(), keys);
    EXPECT_EQ(s->rows.load(), rows);
    // Growth may lag behind readers that hold the previous table (it waits
    // ~1 ms for them, then retries 1/16 more keys later; on a loaded machine
    // every retry can meet a reader, so how far it lags is not asserted);
    // once no reader is left, grow_table catches up.
    while (st.grow_table(s, true))
        reclaim_all();
    EXPECT_GE(int64_t(s->nbuckets), keys);
    for (int i = 0; i < kWriters * kPerWriter; i++)
        ASSERT_NE(lookup(s, scale_name(i)), nullptr) << i;
    EXPECT_EQ(s->bytes.load(), index_bytes(s));
    EXPECT_EQ(st.usage().limbo_bytes, 0u);
    EXPECT_EQ(int64_t(st.usage().used_bytes), s->bytes.load());
}

// A GC pass skips keys without work and stays exact: after every pass no
// expired row is left in any key (wall clock and event clock), and the
// oldest-order bound follows deletes.
TEST_F(StoreTest, GcSkipsKeysWithoutWorkAndStaysExact)
{
    make(64 << 20);
    for (bool event : {false, true}) {
        IndexSlot *s = new_slot(event ? 2 : 1, 64);
        std::mt19937_64 rng(event ? 5 : 3);
        const int kKeys = 300;
        std::vector<KeyEntry *> ks;
        for (int i = 0; i < kKeys; i++)
            ks.push_back(key(s, scale_name(i)));
        TtlRule rule;
        rule.type = TtlType::kAbsolute;
        rule.event_clock = event;
        rule.abs_ttl = 100;
        int64_t now = 0;
        uint32_t tid = 1;
        for (int round = 0; round < 60; round++) {
            // Some keys get rows (in and out of order), some lose one.
            for (int j = 0; j < 200; j++) {
                KeyEntry *k = ks[rng() % (kKeys / 3)];  // two thirds of the keys stay idle after round 0
                if (round == 0)
                    k = ks[size_t(j) % kKeys];
                int64_t o = now + int64_t(rng() % 50) - 40;
                ASSERT_TRUE(put(s, k, o, tid++, 0, 8));
            }
            if (round % 7 == 3) {
                KeyEntry *k = ks[rng() % kKeys];
                std::vector<Row> rows = all(k);
                if (!rows.empty()) {
                    const Row &r = rows.back();  // the oldest: the bound goes stale
                    ASSERT_TRUE(st.remove(s, k, r.order, r.tid_block, r.tid_off));
                }
            }
            now += 10;
            rule.wall_cutoff = now - rule.abs_ttl;
            st.expire_index(s, rule);
            for (KeyEntry *k : ks) {
                if (k->dead())
                    continue;
                int64_t cutoff = rule.cutoff_for(k);
                std::vector<Row> rows = all(k);
                for (const Row &r : rows)
                    ASSERT_GE(r.order, cutoff) << "round " << round << " event " << event;
                if (!rows.empty()) {
                    ASSERT_LE(k->oldest_order.load(), rows.back().order);
                }
            }
            reclaim_all();
        }
        st.drop_slot(s);
        reclaim_all();
    }
}

// Compaction follows the dirty keys: a second pass with nothing published
// visits nothing, a publish to one key makes the next pass compact that key
// only, and the runs statistics stay those of every key.
TEST_F(CompactFixture, CompactionVisitsOnlyDirtyKeys)
{
    using namespace fe::core;
    const int kKeys = 50, kRows = 64;
    std::vector<KeyEntry *> keys;
    for (int i = 0; i < kKeys; i++)
        keys.push_back(key(uint32_t(i)));
    // Interleaved: every key scattered.
    for (int r = 0; r < kRows; r++)
        for (int i = 0; i < kKeys; i++)
            add(keys[size_t(i)], r, uint32_t(r), uint32_t(i));
    // A short key (never compacted) keeps its rows in the class area.
    KeyEntry *small = key(uint32_t(1000));
    for (int r = 0; r < 5; r++)
        add(small, r, uint32_t(r), 1000);
    EXPECT_EQ(st.compact_index(slot), kKeys);
    EXPECT_EQ(slot->runs_keys.load(), kKeys + 1);
    EXPECT_EQ(slot->runs_max.load(), 5);
    for (KeyEntry *k : keys) {
        EXPECT_EQ(scattered(k), 0);
        EXPECT_NE(k->segmask.load(), 0u);  // its run is in a row segment
    }
    // The cleaner's scan skips it: no row of it is in a row segment.
    EXPECT_EQ(small->segmask.load(), 0u);
    // Nothing changed: nothing visited.
    EXPECT_EQ(st.compact_index(slot), 0);
    for (KeyEntry *k : keys)
        EXPECT_EQ(k->flags & kKeyDirty, 0);
    // A stream into key 7: only it is dirty, and compacted once enough rows
    // form a short run at its head.
    for (int r = 0; r < 40; r++)
        add(keys[7], kRows + r, uint32_t(kRows + r), 7);
    int dirty = 0;
    for (KeyEntry *k : keys)
        dirty += (k->flags & kKeyDirty) ? 1 : 0;
    EXPECT_EQ(dirty, 1);
    EXPECT_EQ(st.compact_index(slot), 1);
    EXPECT_EQ(scattered(keys[7]), 0);
    EXPECT_EQ(st.compact_index(slot), 0);
    EXPECT_EQ(slot->runs_keys.load(), kKeys + 1);
    EXPECT_EQ(slot->runs_total.load(), kKeys + 5);
    // force still visits every key (the short one is not moved: too short).
    EXPECT_EQ(st.compact_index(slot, true), kKeys);
}
