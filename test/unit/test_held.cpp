// Unit tests of the changes held for prepared transactions
// (include/feature_ext/storage/held.hpp): commit into a ready slot, into a
// loading one (queued, or retried while the load closes), rollback, a slot
// dropped meanwhile, index creation and drop, and the order of take().
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "feature_ext/storage/held.hpp"

using namespace fe::core;

namespace {

class HeldTest : public ::testing::Test {
protected:
    static constexpr size_t kBytes = 4 << 20;

    void SetUp() override
    {
        mem_ = static_cast<uint8_t *>(std::aligned_alloc(4096, kBytes));
        memset(mem_, 0xA5, kBytes);
        st = Store::init(mem_, kBytes, 8, 4);
        Held::init(&hh);
        baseline = st.usage().used_bytes;
    }
    void TearDown() override { std::free(mem_); }

    const uint8_t *kp(const std::string &k) { return reinterpret_cast<const uint8_t *>(k.data()); }
    uint32_t kh(const std::string &k) { return Store::hash_key(kp(k), uint32_t(k.size())); }

    IndexSlot *ready_slot(uint32_t index, uint32_t relfilenode)
    {
        IndexSlot *s = st.create_slot(SlotId{1, index, relfilenode}, 42, 64, 0);
        s->state.store(kSlotReady);
        return s;
    }
    Ref node(int64_t order, uint32_t tb)
    {
        Ref n = st.alloc_node(8, order, tb, 1);
        memset(st.at<RowNode>(n)->payload(), int(tb), 8);
        return n;
    }
    // A committed row, published directly.
    void put(IndexSlot *s, const std::string &k, int64_t order, uint32_t tb)
    {
        KeyEntry *e = st.pin_key(s, kh(k), kp(k), uint32_t(k.size()));
        ASSERT_TRUE(st.publish(s, e, node(order, tb), TtlRule()));
        st.unpin_key(e);
    }
    // What a preparing transaction records: inserts pin their key.
    void add_insert(Ref entry, IndexSlot *s, const std::string &k, int64_t order, uint32_t tb)
    {
        ASSERT_NE(st.pin_key(s, kh(k), kp(k), uint32_t(k.size())), nullptr);
        Ref rec = st.alloc_catchup(true, node(order, tb), order, tb, 1, kh(k), kp(k), uint32_t(k.size()));
        held().add_op(entry, rec);
    }
    void add_delete(Ref entry, const std::string &k, int64_t order, uint32_t tb)
    {
        held().add_op(entry, st.alloc_catchup(false, 0, order, tb, 1, kh(k), kp(k), uint32_t(k.size())));
    }
    std::vector<uint32_t> tids(IndexSlot *s, const std::string &k)
    {
        std::vector<uint32_t> v;
        ReadGuard g(st, 0);
        if (const KeyEntry *e = st.find_key(s, kh(k), kp(k), uint32_t(k.size())))
            for (Ref r = e->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load())
                v.push_back(st.at<RowNode>(r)->tid_block);
        return v;
    }
    uint32_t pins(IndexSlot *s, const std::string &k)
    {
        ReadGuard g(st, 0);
        const KeyEntry *e = st.find_key(s, kh(k), kp(k), uint32_t(k.size()));
        return e ? e->pins.load() : 0;
    }
    // Resolve every entry of xid as the session running COMMIT/ROLLBACK PREPARED does.
    void resolve(uint32_t xid, bool commit)
    {
        for (Ref r = held().take(xid); r;) {
            Ref nx = held().entry(r)->next;
            if (commit)
                ASSERT_TRUE(held().commit(held().entry(r), TtlRule(), 1));
            else
                held().rollback(held().entry(r), 1);
            held().release(r);
            r = nx;
        }
    }
    void drop_and_reclaim(IndexSlot *s)
    {
        st.drop_slot(s);
        for (int i = 0; i < 6; i++)
            st.reclaim();
    }
    Held held() { return Held(st, &hh); }

    uint8_t *mem_ = nullptr;
    Store st;
    HeldHeader hh;
    uint64_t baseline = 0;
};

TEST_F(HeldTest, CommitIntoReadySlotAppliesInOrder)
{
    IndexSlot *s = ready_slot(7, 70);
    put(s, "a", 10, 1);
    Ref e = held().make(kHeldOps, 500, s->id, s->generation.load());
    ASSERT_NE(e, 0u);
    add_insert(e, s, "a", 20, 2);
    add_delete(e, "a", 10, 1);
    add_insert(e, s, "b", 5, 3);    // a key the prepare created
    add_insert(e, s, "c", 6, 4);    // inserted and deleted by the same transaction
    add_delete(e, "c", 6, 4);
    held().attach(e);
    // Prepared: nothing visible yet, keys pinned.
    EXPECT_EQ(tids(s, "a"), (std::vector<uint32_t>{1}));
    EXPECT_TRUE(tids(s, "b").empty());
    EXPECT_EQ(pins(s, "b"), 1u);
    EXPECT_TRUE(held().has(500, kHeldOps, s->id, s->generation.load()));
    EXPECT_EQ(hh.entries.load(), 1u);
    resolve(501, true);  // another transaction: nothing
    EXPECT_EQ(hh.entries.load(), 1u);
    resolve(500, true);
    EXPECT_EQ(hh.entries.load(), 0u);
    EXPECT_EQ(tids(s, "a"), (std::vector<uint32_t>{2}));
    EXPECT_EQ(tids(s, "b"), (std::vector<uint32_t>{3}));
    EXPECT_TRUE(tids(s, "c").empty());
    EXPECT_EQ(pins(s, "a") + pins(s, "b") + pins(s, "c"), 0u);
    EXPECT_EQ(s->rows.load(), 2);
    drop_and_reclaim(s);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

TEST_F(HeldTest, RollbackLeavesIndexAndFreesEverything)
{
    IndexSlot *s = ready_slot(7, 70);
    put(s, "a", 10, 1);
    uint64_t before = st.usage().used_bytes;
    Ref e = held().make(kHeldOps, 500, s->id, s->generation.load());
    add_insert(e, s, "a", 20, 2);
    add_delete(e, "a", 10, 1);
    held().attach(e);
    resolve(500, false);
    EXPECT_EQ(tids(s, "a"), (std::vector<uint32_t>{1}));
    EXPECT_EQ(pins(s, "a"), 0u);
    EXPECT_EQ(st.usage().used_bytes, before);
    drop_and_reclaim(s);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

// A commit while the index loads goes through its catch-up queue; while the
// loader closes the queue it is retried, then applied to the ready slot.
TEST_F(HeldTest, CommitIntoLoadingSlot)
{
    IndexSlot *s = st.create_slot(SlotId{1, 7, 70}, 42, 64, 0, true);
    ASSERT_EQ(s->state.load(), uint32_t(kSlotBuilding));
    uint64_t gen = s->generation.load();
    Ref e1 = held().make(kHeldOps, 500, s->id, gen);
    add_insert(e1, s, "a", 20, 2);
    held().attach(e1);
    Ref e2 = held().make(kHeldOps, 600, s->id, gen);
    add_insert(e2, s, "a", 30, 3);
    held().attach(e2);
    // The load read row (a, 10, tid 1) from the table.
    put(s, "a", 10, 1);
    resolve(500, true);  // queued
    EXPECT_EQ(s->queued.load(), 1);
    EXPECT_EQ(tids(s, "a"), (std::vector<uint32_t>{1}));
    bool ready = false;
    Ref list = st.catchup_take(s, &ready);
    ASSERT_NE(list, 0u);
    ASSERT_TRUE(st.catchup_apply(s, list, TtlRule()));
    st.catchup_close(s);
    // Closing: a commit waits.
    Ref taken = held().take(600);
    ASSERT_NE(taken, 0u);
    EXPECT_FALSE(held().commit(held().entry(taken), TtlRule(), 1));
    EXPECT_EQ(st.catchup_take(s, &ready), 0u);
    EXPECT_TRUE(ready);
    EXPECT_TRUE(held().commit(held().entry(taken), TtlRule(), 1));
    held().release(taken);
    EXPECT_EQ(tids(s, "a"), (std::vector<uint32_t>{3, 2, 1}));
    EXPECT_EQ(pins(s, "a"), 0u);
    drop_and_reclaim(s);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

// The loader resolving a transaction that committed during its table scan:
// a writer that saw the commit deleted the row and queued the delete before
// the loader took the entry.  The insert goes in at once, ahead of the
// queue, so the queued delete removes it (queued, it came after the delete
// and the row stayed in the index for good); the transaction's own deletes
// still go through the queue, after inserts queued earlier.
TEST_F(HeldTest, LoaderPublishesInsertsAheadOfTheQueue)
{
    IndexSlot *s = st.create_slot(SlotId{1, 7, 70}, 42, 64, 0, true);
    uint64_t gen = s->generation.load();
    put(s, "b", 10, 1);  // read by the load's table scan
    Ref e = held().make(kHeldOps, 500, s->id, gen);
    add_insert(e, s, "a", 20, 2);
    add_delete(e, "b", 10, 1);
    held().attach(e);
    // A writer deletes (a, 20, tid 2) after the commit; queued.
    ASSERT_EQ(st.catchup_reserve(s, gen), Store::kReserved);
    Ref w = st.alloc_catchup(false, 0, 20, 2, 1, kh("a"), kp("a"), 1);
    st.catchup_append(s, gen, w, w);
    Ref taken = held().take(500);
    ASSERT_TRUE(held().commit(held().entry(taken), TtlRule(), 1, true));
    held().release(taken);
    EXPECT_EQ(tids(s, "a"), (std::vector<uint32_t>{2}));  // published at once
    EXPECT_EQ(pins(s, "a"), 0u);
    EXPECT_EQ(s->queued.load(), 2);  // the writer's delete, then the transaction's
    bool ready = false;
    Ref list = st.catchup_take(s, &ready);
    ASSERT_TRUE(st.catchup_apply(s, list, TtlRule()));
    EXPECT_EQ(st.catchup_take(s, &ready), 0u);
    EXPECT_TRUE(ready);
    EXPECT_TRUE(tids(s, "a").empty());
    EXPECT_TRUE(tids(s, "b").empty());
    drop_and_reclaim(s);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

// The slot went (and its directory entry was reused): nothing is applied to
// the new slot, everything held is freed.
TEST_F(HeldTest, SlotDroppedMeanwhile)
{
    IndexSlot *s = ready_slot(7, 70);
    Ref e = held().make(kHeldOps, 500, s->id, s->generation.load());
    add_insert(e, s, "a", 20, 2);
    add_delete(e, "a", 20, 9);
    held().attach(e);
    drop_and_reclaim(s);
    IndexSlot *s2 = ready_slot(7, 70);  // same id, new generation
    resolve(500, true);
    EXPECT_TRUE(tids(s2, "a").empty());
    drop_and_reclaim(s2);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

TEST_F(HeldTest, CreatedAndDroppedIndexes)
{
    IndexSlot *old1 = ready_slot(7, 70);
    IndexSlot *new1 = ready_slot(7, 71);  // TRUNCATE in the prepared transaction
    IndexSlot *other = ready_slot(8, 80);
    Ref c = held().make(kHeldCreated, 500, new1->id, new1->generation.load());
    Ref ops = held().make(kHeldOps, 500, new1->id, new1->generation.load());
    add_insert(ops, new1, "a", 1, 1);
    Ref d = held().make(kHeldDropped, 500, SlotId{1, 8, 0}, 0);
    held().attach(c);
    held().attach(d);
    held().attach(ops);
    uint32_t xs[4];
    EXPECT_EQ(held().xids(xs, 4), 1);
    // take(): ops first, then created, then dropped.
    Ref list = held().take(500);
    std::vector<uint32_t> kinds;
    for (Ref r = list; r; r = held().entry(r)->next)
        kinds.push_back(held().entry(r)->kind);
    EXPECT_EQ(kinds, (std::vector<uint32_t>{kHeldOps, kHeldCreated, kHeldDropped}));
    for (Ref r = list; r;) {
        Ref nx = held().entry(r)->next;
        ASSERT_TRUE(held().commit(held().entry(r), TtlRule(), 1));
        held().release(r);
        r = nx;
    }
    EXPECT_EQ(old1->state.load(), uint32_t(kSlotDropped));
    EXPECT_EQ(new1->state.load(), uint32_t(kSlotReady));
    EXPECT_EQ(other->state.load(), uint32_t(kSlotDropped));
    EXPECT_EQ(tids(new1, "a"), (std::vector<uint32_t>{1}));

    // Rolled back: the created slot goes, the dropped index stays.
    IndexSlot *new2 = ready_slot(7, 72);
    IndexSlot *keep = ready_slot(9, 90);
    held().attach(held().make(kHeldCreated, 600, new2->id, new2->generation.load()));
    held().attach(held().make(kHeldDropped, 600, SlotId{1, 9, 0}, 0));
    resolve(600, false);
    EXPECT_EQ(new2->state.load(), uint32_t(kSlotDropped));
    EXPECT_EQ(new1->state.load(), uint32_t(kSlotReady));
    EXPECT_EQ(keep->state.load(), uint32_t(kSlotReady));
    drop_and_reclaim(new1);
    drop_and_reclaim(keep);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

TEST_F(HeldTest, XidsAreDistinctAndBounded)
{
    IndexSlot *s = ready_slot(7, 70);
    for (uint32_t x : {5u, 6u, 5u, 7u})
        held().attach(held().make(kHeldOps, x, s->id, s->generation.load()));
    uint32_t xs[8];
    int n = held().xids(xs, 8);
    std::vector<uint32_t> v(xs, xs + n);
    std::sort(v.begin(), v.end());
    EXPECT_EQ(v, (std::vector<uint32_t>{5, 6, 7}));
    EXPECT_EQ(held().xids(xs, 2), 2);
    resolve(5, false);
    resolve(6, false);
    resolve(7, false);
    EXPECT_EQ(hh.entries.load(), 0u);
    drop_and_reclaim(s);
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

}  // namespace
