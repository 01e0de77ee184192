// Unit tests of the standby's replay log (include/feature_ext/storage/standby.hpp):
// entries applied in log order once their transaction committed, skipped
// while it runs (kept ahead of newer entries), dropped when it aborted or
// without a slot, queued into a loading slot, a closing load stopping the
// pass, index events, and entries of prepared transactions held after a
// promotion.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "feature_ext/storage/standby.hpp"

using namespace fe::core;

namespace {

class StandbyTest : public ::testing::Test {
protected:
    static constexpr size_t kBytes = 4 << 20;

    void SetUp() override
    {
        mem_ = static_cast<uint8_t *>(std::aligned_alloc(4096, kBytes));
        memset(mem_, 0xA5, kBytes);
        st = Store::init(mem_, kBytes, 8, 4);
        StandbyLog::init(&sh);
        Held::init(&hh);
        baseline = st.usage().used_bytes;
    }
    void TearDown() override { std::free(mem_); }

    StandbyLog log() { return StandbyLog(st, &sh); }
    const uint8_t *kp(const std::string &k) { return reinterpret_cast<const uint8_t *>(k.data()); }
    uint32_t kh(const std::string &k) { return Store::hash_key(kp(k), uint32_t(k.size())); }
    IndexSlot *ready_slot(uint32_t index, uint32_t relfilenode)
    {
        IndexSlot *s = st.create_slot(SlotId{1, index, relfilenode}, 42, 64, 0);
        s->state.store(kSlotReady);
        return s;
    }
    // What replay builds: inserts carry their node, no key pinned.
    Ref entry(uint32_t xid, uint32_t index, uint32_t relfilenode) { return log().make(kStandbyOps, xid, SlotId{1, index, relfilenode}); }
    void ins(Ref e, const std::string &k, int64_t order, uint32_t tb)
    {
        Ref n = st.alloc_node(8, order, tb, 1);
        log().add_op(e, st.alloc_catchup(true, n, order, tb, 1, kh(k), kp(k), uint32_t(k.size())));
    }
    void del(Ref e, const std::string &k, int64_t order, uint32_t tb)
    {
        log().add_op(e, st.alloc_catchup(false, 0, order, tb, 1, kh(k), kp(k), uint32_t(k.size())));
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
    bool pass()
    {
        return log().resolve(
            0, [&](uint32_t x) { return outcomes.count(x) ? outcomes[x] : StandbyLog::kRunning; },
            [&](uint32_t x) { committed_seen.push_back(x); }, [](const StandbyEntry *) { return TtlRule(); });
    }

    uint8_t *mem_ = nullptr;
    Store st;
    StandbyHeader sh;
    HeldHeader hh;
    uint64_t baseline = 0;
    std::map<uint32_t, StandbyLog::Outcome> outcomes;
    std::vector<uint32_t> committed_seen;
};

TEST_F(StandbyTest, CommittedAppliedInLogOrderRunningKeptAbortedDropped)
{
    IndexSlot *s = ready_slot(7, 70);
    Ref a = entry(100, 7, 70);  // inserts row 1, 2
    ins(a, "k", 10, 1);
    ins(a, "k", 20, 2);
    log().append(a);
    Ref b = entry(101, 7, 70);  // running: row 3
    ins(b, "k", 30, 3);
    log().append(b);
    Ref c = entry(102, 7, 70);  // deletes row 1 (committed after a)
    del(c, "k", 10, 1);
    log().append(c);
    Ref d = entry(103, 7, 70);  // aborted
    ins(d, "k", 40, 4);
    log().append(d);
    outcomes = {{100, StandbyLog::kCommitted}, {102, StandbyLog::kCommitted}, {103, StandbyLog::kAborted}};
    EXPECT_TRUE(pass());
    EXPECT_EQ(tids(s, "k"), (std::vector<uint32_t>{2}));
    EXPECT_EQ(sh.entries.load(), 1u);  // b waits
    EXPECT_EQ(committed_seen, (std::vector<uint32_t>{100, 102}));
    // A newer entry appended meanwhile stays behind b.
    Ref e = entry(104, 7, 70);
    del(e, "k", 30, 3);
    log().append(e);
    outcomes[101] = StandbyLog::kCommitted;
    outcomes[104] = StandbyLog::kCommitted;
    EXPECT_TRUE(pass());
    EXPECT_EQ(tids(s, "k"), (std::vector<uint32_t>{2}));  // inserted by b, then deleted by e
    EXPECT_TRUE(log().empty());
    // Replayed again (a restart replays from the restart point): a row
    // already there wins.
    Ref again = entry(100, 7, 70);
    ins(again, "k", 20, 2);
    log().append(again);
    EXPECT_TRUE(pass());
    EXPECT_EQ(tids(s, "k"), (std::vector<uint32_t>{2}));
    st.drop_slot(s);
    for (int i = 0; i < 4; i++)
        st.reclaim();
    EXPECT_EQ(st.usage().used_bytes, baseline);
}

TEST_F(StandbyTest, NoSlotDroppedLoadingQueuedClosingStops)
{
    Ref a = entry(100, 9, 90);  // no slot: dropped (a later load reads the table)
    ins(a, "k", 10, 1);
    log().append(a);
    outcomes[100] = StandbyLog::kCommitted;
    EXPECT_TRUE(pass());
    EXPECT_TRUE(log().empty());
    EXPECT_EQ(st.usage().used_bytes, baseline);

    IndexSlot *s = st.create_slot(SlotId{1, 9, 90}, 42, 64, 0, true);  // loading
    Ref b = entry(101, 9, 90);
    ins(b, "k", 20, 2);
    log().append(b);
    outcomes[101] = StandbyLog::kCommitted;
    EXPECT_TRUE(pass());
    EXPECT_EQ(s->queued.load(), 1);
    st.catchup_close(s);
    Ref c = entry(102, 9, 90);
    ins(c, "k", 30, 3);
    log().append(c);
    Ref d = entry(103, 9, 90);
    ins(d, "k", 40, 4);
    log().append(d);
    outcomes[102] = outcomes[103] = StandbyLog::kCommitted;
    EXPECT_FALSE(pass());  // closing: c and d wait, in order
    EXPECT_EQ(sh.entries.load(), 2u);
    bool ready = false;
    Ref list = st.catchup_take(s, &ready);
    ASSERT_TRUE(st.catchup_apply(s, list, TtlRule()));
    (void) st.catchup_take(s, &ready);
    ASSERT_TRUE(ready);
    EXPECT_TRUE(pass());
    EXPECT_EQ(tids(s, "k"), (std::vector<uint32_t>{4, 3, 2}));
}

TEST_F(StandbyTest, IndexEvents)
{
    IndexSlot *old = ready_slot(5, 50);
    IndexSlot *other = ready_slot(6, 60);
    log().append(log().make(kStandbyCreated, 100, SlotId{1, 5, 51}));  // TRUNCATE / REINDEX
    log().append(log().make(kStandbyDropped, 101, SlotId{1, 6, 0}));    // DROP INDEX
    outcomes = {{100, StandbyLog::kCommitted}, {101, StandbyLog::kCommitted}};
    EXPECT_TRUE(pass());
    EXPECT_EQ(old->state.load(), uint32_t(kSlotDropped));
    EXPECT_EQ(other->state.load(), uint32_t(kSlotDropped));
}

TEST_F(StandbyTest, PreparedEntryHeldAfterPromotion)
{
    IndexSlot *s = ready_slot(3, 30);
    Ref a = entry(200, 3, 30);
    ins(a, "k", 10, 1);
    del(a, "k", 5, 9);
    log().append(a);
    EXPECT_TRUE(pass());  // still prepared: stays
    Held h(st, &hh);
    for (Ref r = log().take_all(); r;) {
        Ref nx = log().entry(r)->next;
        EXPECT_TRUE(log().hold(h, r, 0));
        r = nx;
    }
    EXPECT_TRUE(log().empty());
    EXPECT_EQ(hh.entries.load(), 1u);
    EXPECT_TRUE(tids(s, "k").empty());
    Ref list = h.take(200);  // COMMIT PREPARED on the promoted server
    ASSERT_NE(list, 0u);
    EXPECT_TRUE(h.commit(h.entry(list), TtlRule(), 0));
    h.release(list);
    EXPECT_EQ(tids(s, "k"), (std::vector<uint32_t>{1}));
    {
        ReadGuard g(st, 0);
        EXPECT_EQ(st.find_key(s, kh("k"), kp("k"), 1)->pins.load(), 0u);
    }
}

}  // namespace
