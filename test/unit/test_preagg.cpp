// Unit tests of the block summaries (pre-aggregation, store.hpp "block
// summaries"): after random publishes (late rows inside compacted blocks
// included), removes, TTL cuts and compactions (prefix, whole chain,
// victim moves), every valid block must stand exactly for the rows between
// its first and last, and a walk that takes block summaries where they fit
// must aggregate the same as a brute-force model of the rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "feature_ext/storage/store.hpp"

using namespace fe::core;

namespace {

// Test payload: null bitmap in byte 0; i16 at 2, i32 at 4, i64 at 8, f64 at 16.
constexpr uint32_t kLen = 24;
const SumCol kCols[4] = {
    {0, 8, kSumI64, {}},
    {1, 4, kSumI32, {}},
    {2, 2, kSumI16, {}},
    {3, 16, kSumF64, {}},
};

struct Vals {
    bool null[4];
    int64_t i64;
    int32_t i32;
    int16_t i16;
    double f64;
};

struct MRow {
    int64_t order;
    uint64_t seq;
    uint32_t tb;
    uint16_t to;
    Vals v;
};

// Newest first: order desc, then seq desc (as the store).
bool newer(const MRow &a, const MRow &b) { return a.order != b.order ? a.order > b.order : a.seq > b.seq; }

struct Agg {
    int64_t rows = 0;
    int64_t count[4] = {0, 0, 0, 0};
    __int128 sum[3] = {0, 0, 0};
    int64_t min[3] = {0, 0, 0}, max[3] = {0, 0, 0};
    double fmin = 0, fmax = 0;
    int64_t blocks = 0;  // summaries taken (not compared)

    void add_row(const Vals &v)
    {
        rows++;
        int64_t iv[3] = {v.i64, v.i32, v.i16};
        for (int c = 0; c < 3; c++) {
            if (v.null[c])
                continue;
            if (count[c] == 0)
                min[c] = max[c] = iv[c];
            else
                min[c] = std::min(min[c], iv[c]), max[c] = std::max(max[c], iv[c]);
            count[c]++;
            sum[c] += iv[c];
        }
        if (!v.null[3]) {
            if (count[3] == 0)
                fmin = fmax = v.f64;
            else
                fmin = std::min(fmin, v.f64), fmax = std::max(fmax, v.f64);
            count[3]++;
        }
    }
    void add_block(const BlockSum *b)
    {
        blocks++;
        add_cols(b->cols(), b->n);
    }
    void add_cols(const ColSum *cs, int64_t n)
    {
        rows += n;
        for (int c = 0; c < 3; c++) {
            if (cs[c].count == 0)
                continue;
            if (count[c] == 0)
                min[c] = cs[c].min, max[c] = cs[c].max;
            else
                min[c] = std::min(min[c], cs[c].min), max[c] = std::max(max[c], cs[c].max);
            count[c] += cs[c].count;
            sum[c] += cs[c].sum();
        }
        if (cs[3].count) {
            if (count[3] == 0)
                fmin = cs[3].fmin(), fmax = cs[3].fmax();
            else
                fmin = std::min(fmin, cs[3].fmin()), fmax = std::max(fmax, cs[3].fmax());
            count[3] += cs[3].count;
        }
    }
    bool operator==(const Agg &o) const
    {
        for (int c = 0; c < 3; c++)
            if (sum[c] != o.sum[c] || (count[c] && (min[c] != o.min[c] || max[c] != o.max[c])))
                return false;
        for (int c = 0; c < 4; c++)
            if (count[c] != o.count[c])
                return false;
        return rows == o.rows && (count[3] == 0 || (fmin == o.fmin && fmax == o.fmax));
    }
};

std::ostream &operator<<(std::ostream &os, const Agg &a)
{
    return os << "rows " << a.rows << " counts " << a.count[0] << "/" << a.count[1] << "/" << a.count[2] << "/"
              << a.count[3] << " sum0 " << int64_t(a.sum[0]) << " min0 " << a.min[0] << " max0 " << a.max[0];
}

Vals decode(const uint8_t *p)
{
    Vals v;
    for (int c = 0; c < 4; c++)
        v.null[c] = p[0] & (1 << c);
    memcpy(&v.i64, p + 8, 8);
    memcpy(&v.i32, p + 4, 4);
    memcpy(&v.i16, p + 2, 2);
    memcpy(&v.f64, p + 16, 8);
    return v;
}

class PreaggTest : public ::testing::Test {
protected:
    void make(size_t bytes, uint32_t block_rows, uint32_t group = 4)
    {
        mem_.reset(static_cast<uint8_t *>(std::aligned_alloc(4096, bytes)));
        memset(mem_.get(), 0xA5, bytes);
        st = Store::init(mem_.get(), bytes, 8, 4);
        s = st.create_slot(SlotId{1, 1, 1}, 1, 16, 0);
        ASSERT_NE(s, nullptr);
        st.set_summaries(s, block_rows, kCols, 4, group);
        k = st.pin_key(s, Store::hash_key(reinterpret_cast<const uint8_t *>("k"), 1),
                       reinterpret_cast<const uint8_t *>("k"), 1);
        ASSERT_NE(k, nullptr);
    }
    // A store whose slot summarises cols[0..n) (make() uses kCols).
    void make_cols(size_t bytes, uint32_t block_rows, const SumCol *cols, uint32_t n, uint32_t group)
    {
        mem_.reset(static_cast<uint8_t *>(std::aligned_alloc(4096, bytes)));
        memset(mem_.get(), 0xA5, bytes);
        st = Store::init(mem_.get(), bytes, 8, 4);
        s = st.create_slot(SlotId{1, 1, 1}, 1, 16, 0);
        ASSERT_NE(s, nullptr);
        st.set_summaries(s, block_rows, cols, n, group);
        k = st.pin_key(s, Store::hash_key(reinterpret_cast<const uint8_t *>("k"), 1),
                       reinterpret_cast<const uint8_t *>("k"), 1);
        ASSERT_NE(k, nullptr);
    }
    void TearDown() override
    {
        if (k)
            st.unpin_key(k);
    }

    Vals random_vals(std::mt19937_64 &rng)
    {
        Vals v;
        for (int c = 0; c < 4; c++)
            v.null[c] = rng() % 7 == 0;
        // Large values: the 128-bit sums must not wrap.
        v.i64 = rng() % 3 == 0 ? int64_t(rng()) : int64_t(rng() % 2001) - 1000;
        v.i32 = int32_t(rng());
        v.i16 = int16_t(rng());
        if (card_ > 0) {
            // Few distinct values: the per-value maps are built (card_ + 1
            // and card_ values; more than kCondMapMax or past
            // kCondBlockBytes together: overflowed maps).
            v.i32 = int32_t(rng() % uint64_t(card_ + 1)) - 1;
            v.i16 = int16_t(rng() % uint64_t(card_));
        }
        v.f64 = double(int64_t(rng() % 20001) - 10000) / 8;
        return v;
    }

    bool put(int64_t order, const Vals &v, const TtlRule &rule, MRow *out)
    {
        uint32_t tb = next_tid_++;
        Ref r = st.alloc_node(kLen, order, tb, 1);
        if (!r)
            return false;
        RowNode *n = st.at<RowNode>(r);
        uint8_t *p = n->payload();
        memset(p, 0, kLen);
        for (int c = 0; c < 4; c++)
            if (v.null[c])
                p[0] |= uint8_t(1 << c);
        memcpy(p + 8, &v.i64, 8);
        memcpy(p + 4, &v.i32, 4);
        memcpy(p + 2, &v.i16, 2);
        memcpy(p + 16, &v.f64, 8);
        st.publish(s, k, r, rule);
        *out = MRow{order, n->seq(), tb, 1, v};
        return true;
    }

    // The rows as the list holds them (no TTL), newest first.
    std::vector<MRow> list()
    {
        std::vector<MRow> v;
        for (Ref r = k->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load()) {
            const RowNode *n = st.at<RowNode>(r);
            v.push_back(MRow{n->order, n->seq(), n->tid_block, n->tid_off, decode(n->payload())});
        }
        return v;
    }

    // Every valid block stands exactly for the rows first..last.
    int64_t check_blocks()
    {
        const SumDir *d = st.at<SumDir>(k->sums.load());
        if (!d)
            return 0;
        int64_t valid = 0;
        std::vector<Ref> refs;
        for (Ref r = k->head[0].load(); r; r = st.at<RowNode>(r)->next[0].load())
            refs.push_back(r);
        std::map<Ref, size_t> pos_of;
        for (size_t j = 0; j < refs.size(); j++)
            pos_of[refs[j]] = j;
        auto find_ref = [&](Ref r) { auto f = pos_of.find(r); return f == pos_of.end() ? refs.end() : refs.begin() + long(f->second); };
        int64_t prev_min = INT64_MAX;
        for (uint32_t i = 0; i < d->nblocks; i++) {
            const BlockSum *b = d->block(i);
            EXPECT_LE(b->max_order, prev_min) << "blocks out of list order at " << i;
            prev_min = b->min_order;
            if (!b->valid.load())
                continue;
            valid++;
            auto it = find_ref(b->first);
            EXPECT_NE(it, refs.end()) << "valid block " << i << ": first not linked";
            if (it == refs.end())
                continue;
            size_t at = size_t(it - refs.begin());
            EXPECT_LE(at + b->n, refs.size());
            if (at + b->n > refs.size())
                continue;
            EXPECT_EQ(refs[at + b->n - 1], b->last) << "valid block " << i << ": last";
            Agg want, got;
            for (size_t j = at; j < at + b->n; j++)
                want.add_row(decode(st.at<RowNode>(refs[j])->payload()));
            got.add_block(b);
            got.blocks = 0;
            EXPECT_EQ(got, want) << "valid block " << i;
            check_maps(d, i, refs, at, b->n);
            EXPECT_EQ(b->max_order, st.at<RowNode>(b->first)->order);
            EXPECT_EQ(b->min_order, st.at<RowNode>(b->last)->order);
            // Float sum in list order from the first value, bit for bit.
            double fs = 0;
            bool any = false;
            for (size_t j = at; j < at + b->n; j++) {
                Vals v = decode(st.at<RowNode>(refs[j])->payload());
                if (!v.null[3])
                    fs = any ? fs + v.f64 : v.f64, any = true;
            }
            double got_fs = b->cols()[3].fsum();
            EXPECT_EQ(memcmp(&got_fs, &fs, 8), 0) << "valid block " << i << ": float sum " << got_fs << " vs " << fs;
        }
        // Superblocks: the rows first..last, contiguous, n of them, their
        // aggregates (the float sum is the blocks' sums added in order).
        for (uint32_t i = 0; i < d->nsupers; i++) {
            const BlockSum *b = d->super(i);
            if (!b->valid.load())
                continue;
            supers_checked_++;
            auto it = find_ref(b->first);
            EXPECT_NE(it, refs.end()) << "valid superblock " << i << ": first not linked";
            if (it == refs.end())
                continue;
            size_t at = size_t(it - refs.begin());
            EXPECT_LE(at + b->n, refs.size());
            if (at + b->n > refs.size())
                continue;
            EXPECT_EQ(refs[at + b->n - 1], b->last) << "valid superblock " << i << ": last";
            Agg want, got;
            for (size_t j = at; j < at + b->n; j++)
                want.add_row(decode(st.at<RowNode>(refs[j])->payload()));
            got.add_block(b);
            got.blocks = 0;
            EXPECT_EQ(got, want) << "valid superblock " << i;
            check_maps(d, d->nblocks + i, refs, at, b->n);
            for (uint32_t j = i * d->group; j < (i + 1) * d->group; j++)
                EXPECT_TRUE(d->block(j)->valid.load()) << "valid superblock " << i << " over an invalid block " << j;
        }
        return valid;
    }
    int64_t supers_checked_ = 0;
    int card_ = 0;
    int64_t maps_checked_ = 0, maps_over_ = 0, cond_blocks_taken_ = 0;

    // Every map of a valid block or superblock d->block(e) covering rows
    // at..at+n-1 of refs: each entry stands exactly for the rows whose
    // column has its value, and the entries cover every non-NULL value.
    void check_maps(const SumDir *d, uint32_t e, const std::vector<Ref> &refs, size_t at, uint32_t n)
    {
        (void)0;
        ASSERT_EQ(d->nconds, 4u);
        size_t used = 0;  // the budget rule (blocks: exact; superblocks also overflow with a block)
        for (uint32_t j = 0; j < d->nconds; j++) {
            const CondHdr *h = d->cond(e, j);
            if (j == 3) {
                EXPECT_EQ(h->over, 1) << "float column with a map";
                continue;
            }
            std::map<int64_t, Agg> want;
            for (size_t r = at; r < at + n; r++) {
                Vals v = decode(st.at<RowNode>(refs[r])->payload());
                int64_t iv[3] = {v.i64, v.i32, v.i16};
                if (!v.null[j])
                    want[iv[j]].add_row(v);
            }
            bool over = want.size() > kCondMapMax || used + want.size() * CondEntry::size_for(4) > kCondBlockBytes;
            if (!over)
                used += want.size() * CondEntry::size_for(4);
            if (e < d->nblocks) {
                EXPECT_EQ(h->over != 0, over) << "block " << e << " column " << j << ": " << want.size() << " values";
            }
            if (h->over) {
                maps_over_++;
                continue;
            }
            maps_checked_++;
            ASSERT_EQ(size_t(h->n), want.size()) << "entry " << e << " column " << j;
            int64_t prev = INT64_MIN;
            for (uint32_t i = 0; i < h->n; i++) {
                const CondEntry *ce = d->cond_entry(h, i);
                EXPECT_TRUE(i == 0 || ce->value > prev) << "values not ascending";
                prev = ce->value;
                auto w = want.find(ce->value);
                ASSERT_NE(w, want.end()) << "value " << ce->value << " not in the rows";
                Agg got;
                got.add_cols(ce->cols(), ce->rows);
                w->second.fmin = w->second.fmax = 0;  // float min/max not compared here
                got.fmin = got.fmax = 0;
                EXPECT_EQ(got, w->second) << "entry " << e << " column " << j << " value " << ce->value;
            }
        }
    }

    // A window from upto on: ROWS (the next `rows` visible rows) or RANGE
    // (visible rows with order >= lo), through the cursor, taking a block
    // summary whenever the whole block lies in the window.
    Agg walk(int64_t upto, bool range, int64_t rows, int64_t lo, const TtlRule &rule, bool skip)
    {
        Agg a;
        ReadGuard g(st, 0);
        Store::Cursor c;
        int64_t taken = 0;
        for (c.seek(st, k, upto, rule); c.valid();) {
            if (range ? c.row().order < lo : taken >= rows)
                break;
            if (skip) {
                if (const BlockSum *b = c.block(range ? INT64_MAX : rows - taken, range ? lo : INT64_MIN)) {
                    bool fits = range ? b->min_order >= lo : taken + b->n <= rows;
                    if (fits) {
                        a.add_block(b);
                        taken += b->n;
                        c.skip(b);
                        continue;
                    }
                }
            }
            a.add_row(decode(c.row().payload));
            taken++;
            c.next();
        }
        return a;
    }

    // The same window over the rows whose column j satisfies `op kv`,
    // taking a summary's map entries whose value does (the request path of
    // sum_where(x, c > 0) and friends).
    Agg walk_cond(int64_t upto, bool range, int64_t rows, int64_t lo, const TtlRule &rule, bool skip, uint32_t j,
                  uint8_t op, int64_t kv)
    {
        Agg a;
        ReadGuard g(st, 0);
        Store::Cursor c;
        int64_t taken = 0;
        for (c.seek(st, k, upto, rule); c.valid();) {
            if (range ? c.row().order < lo : taken >= rows)
                break;
            if (skip) {
                if (const BlockSum *b = c.block(range ? INT64_MAX : rows - taken, range ? lo : INT64_MIN, 1u << j)) {
                    bool fits = range ? b->min_order >= lo : taken + b->n <= rows;
                    if (fits) {
                        const CondHdr *h = c.dir()->map_of(b, j);
                        EXPECT_NE(h, nullptr);
                        if (!h)
                            return a;
                        for (uint32_t i = 0; i < h->n; i++) {
                            const CondEntry *ce = c.dir()->cond_entry(h, i);
                            if (cond_holds(op, ce->value, kv))
                                a.add_cols(ce->cols(), ce->rows);
                        }
                        a.blocks++;
                        taken += b->n;
                        c.skip(b);
                        continue;
                    }
                }
            }
            Vals v = decode(c.row().payload);
            int64_t iv[3] = {v.i64, v.i32, v.i16};
            if (!v.null[j] && cond_holds(op, iv[j], kv))
                a.add_row(v);
            taken++;
            c.next();
        }
        a.fmin = a.fmax = 0;  // float min/max of map entries: not compared
        return a;
    }

    std::unique_ptr<uint8_t, decltype(&std::free)> mem_{nullptr, &std::free};
    Store st;
    IndexSlot *s = nullptr;
    KeyEntry *k = nullptr;
    uint32_t next_tid_ = 1;
};

// Random histories against the model; windows over ROWS and RANGE, with and
// without TTL rules; blocks checked after every step.
TEST_F(PreaggTest, RandomHistoryAgainstModel)
{
    int64_t total_blocks_taken = 0, total_valid = 0;
    for (uint32_t seed = 1; seed <= 16; seed++) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        uint32_t B = 4 + seed % 13;  // small blocks: many of them, many edges
        make(32 << 20, B, 2 + seed % 4);
        card_ = seed % 4 == 0 ? 0 : seed % 4 == 1 ? 3 : seed % 4 == 2 ? 7 : 12;
        std::mt19937_64 rng(seed);
        std::vector<MRow> model;
        int64_t clock = 1000;
        int steps = 60;
        for (int step = 0; step < steps; step++) {
            int op = int(rng() % 10);
            if (op < 5) {
                // A batch: mostly newest rows, some late rows that land
                // inside compacted blocks, some ties.
                int nb = 1 + int(rng() % 120);
                for (int i = 0; i < nb; i++) {
                    int64_t o;
                    int kind = int(rng() % 10);
                    if (kind < 7)
                        o = clock += int64_t(rng() % 3);
                    else if (kind < 9 && clock > 1000)
                        o = 1000 + int64_t(rng() % uint64_t(clock - 1000));
                    else
                        o = model.empty() ? clock : model[rng() % model.size()].order;
                    MRow r;
                    ASSERT_TRUE(put(o, random_vals(rng), TtlRule(), &r));
                    model.push_back(r);
                }
            } else if (op < 7 && !model.empty()) {
                int nr = 1 + int(rng() % 8);
                for (int i = 0; i < nr && !model.empty(); i++) {
                    size_t j = rng() % model.size();
                    ASSERT_TRUE(st.remove(s, k, model[j].order, model[j].tb, model[j].to));
                    model.erase(model.begin() + long(j));
                }
            } else if (op < 8 && !model.empty()) {
                // A TTL cut: absolute (wall clock) or latest.
                TtlRule rule;
                std::sort(model.begin(), model.end(), newer);
                if (rng() % 2) {
                    rule.type = TtlType::kAbsolute;
                    rule.abs_ttl = 1;
                    rule.wall_cutoff = model[model.size() - 1 - rng() % std::min<size_t>(model.size(), 40)].order;
                    st.expire(s, k, rule);
                    model.erase(std::remove_if(model.begin(), model.end(),
                                               [&](const MRow &r) { return r.order < rule.wall_cutoff; }),
                                model.end());
                } else {
                    rule.type = TtlType::kLatest;
                    rule.rows = int64_t(model.size()) - int64_t(rng() % std::min<size_t>(model.size(), 30));
                    st.expire(s, k, rule);
                    model.resize(size_t(rule.rows));
                }
            } else {
                // Compaction: the rule's prefix, or the whole chain.
                st.compact_key(s, k, rng() % 3 == 0);
            }
            if (rng() % 4 == 0)
                st.reclaim();
            std::sort(model.begin(), model.end(), newer);
            // The list is the model.
            std::vector<MRow> got = list();
            ASSERT_EQ(got.size(), model.size());
            for (size_t i = 0; i < got.size(); i++)
                ASSERT_TRUE(got[i].order == model[i].order && got[i].seq == model[i].seq) << i;
            total_valid += check_blocks();
            if (HasFailure())
                return;
            // Windows.
            for (int q = 0; q < 6 && !model.empty(); q++) {
                int64_t upto = rng() % 4 == 0 ? INT64_MAX : model[rng() % model.size()].order - int64_t(rng() % 2);
                bool range = rng() % 2;
                int64_t rows = int64_t(rng() % (model.size() + 5));
                int64_t lo = model[rng() % model.size()].order - int64_t(rng() % 2);
                Agg want;
                int64_t n = 0;
                for (const MRow &r : model) {
                    if (r.order > upto)
                        continue;
                    if (range ? r.order < lo : n >= rows)
                        break;
                    want.add_row(r.v);
                    n++;
                }
                Agg fast = walk(upto, range, rows, lo, TtlRule(), true);
                total_blocks_taken += fast.blocks;
                ASSERT_EQ(fast, want) << "upto " << upto << (range ? " range lo " : " rows ")
                                      << (range ? lo : rows);
                // With TTL rules the cursor cuts rows itself: the block walk
                // equals the row walk.
                TtlRule rule;
                int r3 = int(rng() % 3);
                rule.type = r3 == 0 ? TtlType::kLatest : r3 == 1 ? TtlType::kAbsolute : TtlType::kAbsAndLat;
                rule.rows = 1 + int64_t(rng() % model.size());
                rule.abs_ttl = 1;
                rule.wall_cutoff = model[rng() % model.size()].order;
                Agg a1 = walk(upto, range, rows, lo, rule, true), a2 = walk(upto, range, rows, lo, rule, false);
                total_blocks_taken += a1.blocks;
                ASSERT_EQ(a1, a2) << "ttl type " << int(rule.type);
                // A condition on a low-cardinality column: maps vs rows.
                if (card_ > 0) {
                    uint32_t j = 1 + uint32_t(rng() % 2);
                    uint8_t op = uint8_t(kCondEq + rng() % 6);
                    int64_t kv = int64_t(rng() % uint64_t(card_ + 2)) - 1;
                    Agg c1 = walk_cond(upto, range, rows, lo, TtlRule(), true, j, op, kv);
                    Agg c2 = walk_cond(upto, range, rows, lo, TtlRule(), false, j, op, kv);
                    cond_blocks_taken_ += c1.blocks;
                    ASSERT_EQ(c1, c2) << "column " << j << " op " << int(op) << " " << kv;
                    Agg c3 = walk_cond(upto, range, rows, lo, rule, true, j, op, kv);
                    Agg c4 = walk_cond(upto, range, rows, lo, rule, false, j, op, kv);
                    cond_blocks_taken_ += c3.blocks;
                    ASSERT_EQ(c3, c4) << "ttl, column " << j << " op " << int(op) << " " << kv;
                }
            }
        }
        // Blocks are made again once the key is compacted.
        st.compact_key(s, k, true);
        check_blocks();
        st.unpin_key(k);
        k = nullptr;
        for (int i = 0; i < 4; i++)
            st.reclaim();
    }
    // The test exercised the skipping walk, not only the row path.
    EXPECT_GT(total_valid, 1000);
    EXPECT_GT(supers_checked_, 300);
    EXPECT_GT(total_blocks_taken, 1000);
    // Per-value maps were built, checked, overflowed and taken.
    EXPECT_GT(maps_checked_, 1000);
    EXPECT_GT(maps_over_, 1000);
    EXPECT_GT(cond_blocks_taken_, 300);
}

// Changes inside a block invalidate it; the walk then reads its rows, and
// the next compaction rebuilds it.
// sum(int8) / avg(int8) in long windows (docs/DEPLOY.md, "Long windows")
// take the summaries' sums as PostgreSQL's exact numeric sums: values at the
// int8 limits, 256-row blocks and 64-block superblocks whose sums lie far
// beyond int64, and a window's total (blocks + rows) must be the exact
// 128-bit sum, in both directions, for every window length.
TEST_F(PreaggTest, ExtremeIntegerSumsExact)
{
    make(64 << 20, 256, 64);
    const int kRows = 40000;
    std::vector<Vals> vals(kRows);  // oldest first
    for (int i = 0; i < kRows; i++) {
        Vals &v = vals[i];
        for (int c = 0; c < 4; c++)
            v.null[c] = i % 11 == 3;
        // Stretches of 5,000 of one sign at the limits.
        bool pos = (i / 5000) % 2 == 0;
        v.i64 = pos ? INT64_MAX - i % 3 : INT64_MIN + i % 3;
        v.i32 = pos ? INT32_MAX : INT32_MIN;
        v.i16 = pos ? INT16_MAX : INT16_MIN;
        v.f64 = 0;
        MRow r;
        ASSERT_TRUE(put(int64_t(i / 2) * 10, v, TtlRule(), &r));  // ties: two rows per order value
    }
    ASSERT_TRUE(st.compact_key(s, k, true));
    EXPECT_EQ(check_blocks(), int64_t(kRows / 256));
    EXPECT_GT(supers_checked_, 0);
    // A single superblock's int8 sum is beyond int64 (16,384 * ~2^63).
    const SumDir *d = st.at<SumDir>(k->sums.load());
    ASSERT_NE(d, nullptr);
    ASSERT_GT(d->nsupers, 0u);
    __int128 s0 = d->super(0)->cols()[0].sum();
    EXPECT_TRUE(s0 > __int128(INT64_MAX) || s0 < __int128(INT64_MIN));
    // ROWS windows of many lengths ending at the newest row: blocks + rows
    // against the exact sum of the values.
    for (int64_t rows : {int64_t(300), int64_t(4999), int64_t(5000), int64_t(16384), int64_t(17000),
                         int64_t(25001), int64_t(kRows)}) {
        Agg want;
        for (int64_t j = 0; j < rows; j++)
            want.add_row(vals[size_t(kRows - 1 - j)]);
        Agg got = walk(INT64_MAX, false, rows, 0, TtlRule(), true);
        EXPECT_EQ(got, want) << "ROWS " << rows;
        if (rows >= 16384) {
            EXPECT_GT(got.blocks, 0) << "ROWS " << rows;
        }
        // The 128-bit total leaves the int64 range where a stretch of one
        // sign is whole in the window.
        if (rows >= 5000 && rows < 10000) {
            EXPECT_TRUE(want.sum[0] > __int128(INT64_MAX) || want.sum[0] < __int128(INT64_MIN));
        }
    }
    // RANGE windows from order values in the middle.
    for (int64_t lo : {int64_t(0), int64_t(12345), int64_t(100000), int64_t(199990)}) {
        Agg want;
        for (int i = kRows - 1; i >= 0 && int64_t(i / 2) * 10 >= lo; i--)
            want.add_row(vals[size_t(i)]);
        Agg got = walk(INT64_MAX, true, 0, lo, TtlRule(), true);
        EXPECT_EQ(got, want) << "RANGE from " << lo;
    }
}

// float8 summaries (docs/DEPLOY.md, "Float sums"): min / max in
// PostgreSQL's float8 order (NaN above everything, -Infinity below), of
// equal values (-0, +0, NaNs) the first met in list order (the newest, the
// one float8larger / float8smaller keep in frame order), bit for bit; the
// sum in list order from the first value (a block of -0 values sums to
// -0, as PostgreSQL's sum(float8) of them); superblocks merge their blocks
// the same way (newest block first).
TEST_F(PreaggTest, FloatSummariesPostgresOrder)
{
    make(16 << 20, 16, 4);
    const int kRows = 16 * 4 * 3;  // three superblocks of four 16-row blocks
    std::vector<double> vals(kRows);  // oldest first
    double nan1 = std::nan(""), nan2 = -std::nan("");
    for (int i = 0; i < kRows; i++) {
        int blk = (kRows - 1 - i) / 16;  // block index in list order (newest first)
        double v = double(i % 7) - 3.5;
        switch (blk % 6) {
        case 0: v = (i % 2) ? 0.0 : -0.0; break;           // ties of -0 / +0
        case 1: v = -0.0; break;                             // sum -0
        case 2: v = i % 5 == 0 ? nan1 : v; break;            // NaN: max
        case 3: v = i % 9 == 0 ? -INFINITY : (i % 4 == 0 ? INFINITY : v); break;
        case 4: v = i % 3 == 0 ? nan2 : (i % 3 == 1 ? nan1 : v); break;  // two NaN payloads
        default: v = v * 1e-3 + 1e16; break;                // rounding depends on order
        }
        vals[size_t(i)] = v;
        Vals x{};
        x.null[0] = x.null[1] = x.null[2] = true;
        x.null[3] = i % 13 == 5;
        x.f64 = v;
        MRow r;
        ASSERT_TRUE(put(int64_t(i) * 10, x, TtlRule(), &r));
    }
    ASSERT_TRUE(st.compact_key(s, k, true));
    const SumDir *d = st.at<SumDir>(k->sums.load());
    ASSERT_NE(d, nullptr);
    ASSERT_EQ(d->nblocks, uint32_t(kRows / 16));
    ASSERT_GT(d->nsupers, 0u);
    auto lt = [](double a, double b) {  // PostgreSQL's float8_lt
        return std::isnan(a) ? false : std::isnan(b) ? true : a < b;
    };
    auto bits = [](double a) { uint64_t u; memcpy(&u, &a, 8); return u; };
    // rows [from, to) in list order (newest first), not NULL
    auto expect = [&](const BlockSum *b, int from, int to, const char *what) -> ColSum {
        double mn = 0, mx = 0, sum = 0;
        int64_t n = 0;
        for (int j = from; j < to; j++) {
            int i = kRows - 1 - j;
            if (i % 13 == 5)
                continue;
            double v = vals[size_t(i)];
            if (n == 0)
                mn = mx = sum = v;
            else {
                if (lt(v, mn))
                    mn = v;
                if (lt(mx, v))
                    mx = v;
                sum += v;
            }
            n++;
        }
        EXPECT_TRUE(b->valid.load()) << what;
        const ColSum &c = b->cols()[3];
        EXPECT_EQ(c.count, n) << what;
        EXPECT_EQ(bits(c.fmin()), bits(mn)) << what << ": min " << c.fmin() << " vs " << mn;
        EXPECT_EQ(bits(c.fmax()), bits(mx)) << what << ": max " << c.fmax() << " vs " << mx;
        // the superblocks add their blocks' sums (each from its first value)
        return c;
    };
    for (uint32_t i = 0; i < d->nblocks; i++) {
        const ColSum c = expect(d->block(i), int(i) * 16, int(i + 1) * 16, "block");
        double sum = 0;
        bool any = false;
        for (int j = int(i) * 16; j < int(i + 1) * 16; j++) {
            int r = kRows - 1 - j;
            if (r % 13 != 5)
                sum = any ? sum + vals[size_t(r)] : vals[size_t(r)], any = true;
        }
        // (NaN + NaN keeps one operand's payload, which the compiler may
        // commute; PostgreSQL's float8pl alike: NaN is NaN)
        if (!(std::isnan(c.fsum()) && std::isnan(sum))) {
            EXPECT_EQ(bits(c.fsum()), bits(sum)) << "block " << i << " sum " << c.fsum() << " vs " << sum;
        }
        if (i % 6 == 1) {
            EXPECT_TRUE(std::signbit(c.fsum()) && c.fsum() == 0) << "a block of -0 sums to -0";
        }
    }
    for (uint32_t i = 0; i < d->nsupers; i++) {
        const ColSum c = expect(d->super(i), int(i) * 64, int(i + 1) * 64, "superblock");
        double sum = 0;
        bool any = false;
        for (uint32_t j = i * 4; j < i * 4 + 4; j++) {
            const ColSum &bc = d->block(j)->cols()[3];
            if (bc.count)
                sum = any ? sum + bc.fsum() : bc.fsum(), any = true;
        }
        if (!(std::isnan(c.fsum()) && std::isnan(sum))) {
            EXPECT_EQ(bits(c.fsum()), bits(sum)) << "superblock " << i;
        }
    }
}

// The exactness mark of float sums (ColSum::sum_hi == kFsumExact: the
// double is the exact sum of the values; docs/STORAGE.md), which float4
// sum_where / avg_where rely on to take a block bit-identically: blocks of
// one scale are exact; a rounding addition, a NaN or an infinity clears
// it; a superblock is exact only when its blocks are and adding their sums
// rounded nothing.  (float4 columns run the same code on widened values.)
TEST_F(PreaggTest, FloatSumExactMarks)
{
    make(16 << 20, 16, 4);
    const int kRows = 16 * 4 * 4;  // four superblocks of four 16-row blocks
    std::vector<double> vals(kRows);  // oldest first
    auto kind = [&](int blk) -> int { return blk; };
    for (int i = 0; i < kRows; i++) {
        int blk = kind((kRows - 1 - i) / 16);  // block index in list order (newest first)
        double v = double(i % 7) - 3.5;        // exact in every order
        if (blk == 4)
            v = i % 2 ? 1e16 : 1e-3;           // 1e16 + 1e-3 rounds
        else if (blk == 8)
            v = i % 5 == 0 ? std::nan("") : v;
        else if (blk == 9)
            v = i % 4 == 0 ? INFINITY : v;
        else if (blk == 10)
            v = std::ldexp(1.0, 1022) * (i % 2 ? 1.5 : 1.75);  // partial sums overflow to Infinity
        else if (blk == 12 || blk == 14 || blk == 15)
            v = 1.0;
        else if (blk == 13)
            v = std::ldexp(1.0, -60);          // exact alone; 48 + 2^-56 rounds in the superblock
        vals[size_t(i)] = v;
        Vals x{};
        x.null[0] = x.null[1] = x.null[2] = true;
        x.null[3] = i % 13 == 5 && blk != 8 && blk != 9;
        x.f64 = v;
        MRow r;
        ASSERT_TRUE(put(int64_t(i) * 10, x, TtlRule(), &r));
    }
    ASSERT_TRUE(st.compact_key(s, k, true));
    const SumDir *d = st.at<SumDir>(k->sums.load());
    ASSERT_NE(d, nullptr);
    ASSERT_EQ(d->nblocks, uint32_t(kRows / 16));
    ASSERT_EQ(d->nsupers, 4u);
    for (uint32_t i = 0; i < d->nblocks; i++) {
        bool want = i != 4 && i != 8 && i != 9 && i != 10;
        const ColSum &c = d->block(i)->cols()[3];
        EXPECT_EQ(c.sum_hi == kFsumExact, want) << "block " << i << " sum " << c.fsum();
    }
    // superblock 0: exact blocks of one scale; 1: block 4 rounded; 2: NaN,
    // Infinity, overflow; 3: exact blocks whose sums round when added
    const bool want_super[4] = {true, false, false, false};
    for (uint32_t j = 0; j < 4; j++) {
        const ColSum &c = d->super(j)->cols()[3];
        EXPECT_EQ(c.sum_hi == kFsumExact, want_super[j]) << "superblock " << j << " sum " << c.fsum();
    }
    EXPECT_EQ(d->block(13)->cols()[3].fsum(), double(d->block(13)->cols()[3].count) * std::ldexp(1.0, -60));
}

// The per-value map entries of an integer column carry the float8
// column's count / min / max / sum of the entry's rows, as the block does
// (PostgreSQL's float8 order, the newest of equal values, the sum added
// newest first from the first value): what the conditional float8
// aggregates take (docs/DEPLOY.md, "Float sums"; exec_pg.cpp).  Entries of
// one block may hold equal extremes of different bits (-0 in one, +0 in
// another): each entry's own is its newest.
TEST_F(PreaggTest, FloatColumnsInMapEntries)
{
    make(16 << 20, 16, 4);
    const int kRows = 16 * 4 * 3;
    std::vector<double> vals(kRows);
    std::vector<int16_t> cs(kRows);
    std::vector<bool> fnull(kRows);
    for (int i = 0; i < kRows; i++) {
        int blk = (kRows - 1 - i) / 16;
        double v = double((i * 7) % 11) - 5.25;
        switch (blk % 4) {
        case 0: v = (i % 2) ? 0.0 : -0.0; break;               // -0 / +0 by entry
        case 1: v = i % 5 == 0 ? std::nan("") : v; break;     // NaN: max
        case 2: v = v * 1e-3 + 1e16; break;                    // rounding depends on order
        default: v = i % 3 == 0 ? -0.0 : (i % 3 == 1 ? 0.0 : v); break;
        }
        vals[size_t(i)] = v;
        cs[size_t(i)] = int16_t(i % 3);
        fnull[size_t(i)] = i % 13 == 5;
        Vals x{};
        x.null[0] = x.null[1] = true;
        x.null[2] = false;
        x.i16 = cs[size_t(i)];
        x.null[3] = fnull[size_t(i)];
        x.f64 = v;
        MRow r;
        ASSERT_TRUE(put(int64_t(i) * 10, x, TtlRule(), &r));
    }
    ASSERT_TRUE(st.compact_key(s, k, true));
    const SumDir *d = st.at<SumDir>(k->sums.load());
    ASSERT_NE(d, nullptr);
    ASSERT_EQ(d->nblocks, uint32_t(kRows / 16));
    auto lt = [](double a, double b) { return std::isnan(a) ? false : std::isnan(b) ? true : a < b; };
    auto bits = [](double a) { uint64_t u; memcpy(&u, &a, 8); return u; };
    int checked = 0, ties_apart = 0;
    // rows [from, to) in list order (newest first)
    auto check = [&](const BlockSum *b, int from, int to, bool exact_sum, const char *what) {
        const CondHdr *h = d->map_of(b, 2);  // the int16 column (kCols[2])
        ASSERT_NE(h, nullptr) << what;
        ASSERT_EQ(h->n, 3u) << what;
        double emin[3], emax[3];
        for (uint32_t e = 0; e < h->n; e++) {
            const CondEntry *ce = d->cond_entry(h, e);
            double mn = 0, mx = 0, sum = 0;
            int64_t n = 0, rows = 0;
            for (int j = from; j < to; j++) {
                int i = kRows - 1 - j;
                if (cs[size_t(i)] != ce->value)
                    continue;
                rows++;
                if (fnull[size_t(i)])
                    continue;
                double v = vals[size_t(i)];
                if (n == 0)
                    mn = mx = sum = v;
                else {
                    if (lt(v, mn))
                        mn = v;
                    if (lt(mx, v))
                        mx = v;
                    sum += v;
                }
                n++;
            }
            const ColSum &c = ce->cols()[3];
            EXPECT_EQ(ce->rows, rows) << what << " value " << ce->value;
            EXPECT_EQ(c.count, n) << what << " value " << ce->value;
            EXPECT_EQ(bits(c.fmin()), bits(mn)) << what << " value " << ce->value << ": min " << c.fmin() << " vs " << mn;
            EXPECT_EQ(bits(c.fmax()), bits(mx)) << what << " value " << ce->value << ": max " << c.fmax() << " vs " << mx;
            if (exact_sum && !(std::isnan(c.fsum()) && std::isnan(sum))) {
                EXPECT_EQ(bits(c.fsum()), bits(sum)) << what << " value " << ce->value;
            }
            emin[e] = c.fmin(), emax[e] = c.fmax();
            checked++;
        }
        for (uint32_t e = 1; e < h->n; e++)
            ties_apart += (emin[e] == emin[0] && bits(emin[e]) != bits(emin[0])) ||
                          (emax[e] == emax[0] && bits(emax[e]) != bits(emax[0]));
    };
    for (uint32_t i = 0; i < d->nblocks; i++)
        check(d->block(i), int(i) * 16, int(i + 1) * 16, true, "block");
    // superblocks: their entries merge the blocks' (sums added block by
    // block, not row by row: not compared bit for bit here)
    for (uint32_t i = 0; i < d->nsupers; i++)
        check(d->super(i), int(i) * 64, int(i + 1) * 64, false, "superblock");
    EXPECT_GT(checked, 0);
    EXPECT_GT(ties_apart, 0) << "entries of one block with -0 / +0 extremes (what exec_pg.cpp reads as rows)";
}

// Text columns' per-value maps (docs/STORAGE.md, "Block summaries"):
// keyed by text_hash of the bytes, each entry with a representative row.
// With a hash forced to collide (the length of the value), two values of
// one hash in a block make its map overflow (never one entry for both);
// a superblock over blocks whose entries of one hash hold different values
// has no map either; an entry's representative holds its value, which is
// what a request compares with its constant (exec_pg.cpp).
uint64_t hash_by_length(const uint8_t *, uint32_t n) { return n; }

TEST_F(PreaggTest, TextMapsForcedCollision)
{
    // payload: null bitmap in byte 0; int8 at 8; variable section at 16:
    // column 1 (text) as uint16 length + bytes.
    const SumCol cols[2] = {{0, 8, kSumI64, {}}, {1, 16, kSumText, {0, 0, 0}}};
    auto run = [&](bool collide) {
        make_cols(16 << 20, 16, cols, 2, 4);
        text_hash = collide ? hash_by_length : text_hash_fnv;
        // Blocks in list order (newest first): 0: "aa" / "bb" (collide),
        // 1: "aa", 2: "aa" / "c", 3: "zz" (collides with block 1's "aa").
        const char *blocks[4][2] = {{"aa", "bb"}, {"aa", "aa"}, {"aa", "c"}, {"zz", "zz"}};
        const int kRows = 64;
        for (int i = 0; i < kRows; i++) {
            int blk = (kRows - 1 - i) / 16;
            const char *v = blocks[blk][i % 2];
            bool null = i % 7 == 3;
            uint16_t len = uint16_t(strlen(v));
            uint32_t plen = 16 + 2 + len;
            Ref r = st.alloc_node(plen, int64_t(i) * 10, uint32_t(i + 1), 1);
            ASSERT_TRUE(r);
            RowNode *n = st.at<RowNode>(r);
            uint8_t *p = n->payload();
            memset(p, 0, plen);
            int64_t x = i;
            memcpy(p + 8, &x, 8);
            if (null)
                p[0] |= 2;
            else {
                memcpy(p + 16, &len, 2);
                memcpy(p + 18, v, len);
            }
            st.publish(s, k, r, TtlRule());
        }
        ASSERT_TRUE(st.compact_key(s, k, true));
        const SumDir *d = st.at<SumDir>(k->sums.load());
        EXPECT_NE(d, nullptr);
        if (!d)
            return;
        EXPECT_EQ(d->nblocks, 4u);
        EXPECT_EQ(d->nsupers, 1u);
        auto rep = [&](const CondEntry *ce) {
            const RowNode *rn = st.at<RowNode>(Ref(ce->cols()[1].min));
            const uint8_t *td = nullptr;
            uint32_t tn = 0;
            EXPECT_EQ(text_value(cols[1], rn->payload(), rn->payload_len(), &td, &tn), 1);
            EXPECT_EQ(int64_t(tn), ce->cols()[1].max);
            bool decided;
            EXPECT_TRUE(text_entry_short_eq(ce->cols()[1], reinterpret_cast<const char *>(td), tn, &decided));
            EXPECT_TRUE(decided) << "short values are compared inline";
            EXPECT_FALSE(text_entry_short_eq(ce->cols()[1], "qq", 2, &decided) && tn == 2 &&
                         memcmp(td, "qq", 2) != 0);
            return std::string(reinterpret_cast<const char *>(td), tn);
        };
        // rows of the block per value (from the list), against the map
        for (uint32_t b = 0; b < 4; b++) {
            const BlockSum *bs = d->block(b);
            EXPECT_TRUE(bs->valid.load());
            const CondHdr *h = d->map_of(bs, 1);
            if (collide && b == 0) {
                EXPECT_EQ(h, nullptr) << "two values of one hash in block 0: no map";
                continue;
            }
            EXPECT_NE(h, nullptr) << "block " << b;
            if (!h)
                continue;
            std::map<std::string, int64_t> want;
            Ref r = bs->first;
            for (uint32_t j = 0; j < bs->n; j++) {
                const RowNode *rn = st.at<RowNode>(r);
                const uint8_t *td;
                uint32_t tn;
                if (text_value(cols[1], rn->payload(), rn->payload_len(), &td, &tn) == 1)
                    want[std::string(reinterpret_cast<const char *>(td), tn)]++;
                r = rn->next[0].load();
            }
            std::map<std::string, int64_t> got;
            for (uint32_t e = 0; e < h->n; e++) {
                const CondEntry *ce = d->cond_entry(h, e);
                std::string v = rep(ce);
                EXPECT_EQ(uint64_t(ce->value), text_hash(reinterpret_cast<const uint8_t *>(v.data()), uint32_t(v.size())));
                EXPECT_EQ(got.count(v), 0u) << "one entry per value";
                got[v] = ce->rows;
                EXPECT_EQ(ce->cols()[1].count, ce->rows);
            }
            EXPECT_EQ(got, want) << "block " << b;
        }
        // The superblock: with collisions, blocks 1 and 3 hold "aa" and "zz"
        // under one hash (and block 0 has no map): no map.
        const CondHdr *sh = d->map_of(d->super(0), 1);
        if (collide) {
            EXPECT_EQ(sh, nullptr);
        } else {
            // the union of the blocks' maps: 4 values, each with its rows
            EXPECT_NE(sh, nullptr);
            if (sh) {
                std::map<std::string, int64_t> want, got;
                for (uint32_t b = 0; b < 4; b++) {
                    const CondHdr *h = d->map_of(d->block(b), 1);
                    for (uint32_t e = 0; h && e < h->n; e++)
                        want[rep(d->cond_entry(h, e))] += d->cond_entry(h, e)->rows;
                }
                for (uint32_t e = 0; e < sh->n; e++)
                    got[rep(d->cond_entry(sh, e))] = d->cond_entry(sh, e)->rows;
                EXPECT_EQ(got, want);
                EXPECT_EQ(got.size(), 4u);
            }
        }
        text_hash = text_hash_fnv;
        st.unpin_key(k);
        k = nullptr;
    };
    run(true);
    run(false);
}

TEST_F(PreaggTest, ChangesInvalidateThenRebuild)
{
    make(8 << 20, 16);
    std::mt19937_64 rng(7);
    std::vector<MRow> model;
    for (int i = 0; i < 1000; i++) {
        MRow r;
        ASSERT_TRUE(put(int64_t(i) * 10, random_vals(rng), TtlRule(), &r));
        model.push_back(r);
    }
    ASSERT_TRUE(st.compact_key(s, k, true));
    const SumDir *d = st.at<SumDir>(k->sums.load());
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->nblocks, 1000u / 16);
    EXPECT_EQ(check_blocks(), int64_t(d->nblocks));
    EXPECT_EQ(s->sum_blocks.load(), int64_t(d->nblocks));
    auto valid_count = [&] {
        const SumDir *dd = st.at<SumDir>(k->sums.load());
        int64_t v = 0;
        for (uint32_t i = 0; dd && i < dd->nblocks; i++)
            v += dd->block(i)->valid.load();
        return v;
    };
    int64_t all = valid_count();
    // A late row inside a block.
    MRow late;
    ASSERT_TRUE(put(5005, random_vals(rng), TtlRule(), &late));
    EXPECT_EQ(valid_count(), all - 1);
    // A delete inside another.
    ASSERT_TRUE(st.remove(s, k, 2000, model[200].tb, model[200].to));
    EXPECT_EQ(valid_count(), all - 2);
    // A TTL cut: every block at or below the cut.
    int64_t at_cut = 0;
    for (uint32_t i = 0; i < d->nblocks; i++)
        at_cut += d->block(i)->valid.load() && d->block(i)->min_order <= 1000;
    EXPECT_GE(at_cut, 5);
    TtlRule rule;
    rule.type = TtlType::kAbsolute;
    rule.abs_ttl = 1;
    rule.wall_cutoff = 1005;  // cuts orders 0..1000: inside the block of 992..1142
    st.expire(s, k, rule);
    int64_t after_cut = valid_count();
    EXPECT_EQ(after_cut, all - 2 - at_cut);
    check_blocks();
    // A new row on top touches no block.
    MRow top;
    ASSERT_TRUE(put(100000, random_vals(rng), TtlRule(), &top));
    EXPECT_EQ(valid_count(), after_cut);
    // Compaction rebuilds: the rows are covered again.
    st.compact_key(s, k, false);
    check_blocks();
    d = st.at<SumDir>(k->sums.load());
    ASSERT_NE(d, nullptr);
    int64_t covered = 0;
    for (uint32_t i = 0; i < d->nblocks; i++) {
        EXPECT_TRUE(d->block(i)->valid.load());
        covered += d->block(i)->n;
    }
    EXPECT_GT(covered, k->nrows.load() - 4 * 16);
    // Dropping the index frees the directories with it.
    st.unpin_key(k);
    k = nullptr;
    st.drop_slot(s);
    for (int i = 0; i < 4; i++)
        st.reclaim();
    EXPECT_EQ(st.usage().indexes, 0u);
    EXPECT_EQ(st.hdr()->used.load(), 0u);
}

// A key emptied and removed by the GC pass gives its directory back; the
// region returns to its baseline.
TEST_F(PreaggTest, DirectoriesFreedWithKeysAndIndexes)
{
    make(8 << 20, 8);
    std::mt19937_64 rng(3);
    for (int round = 0; round < 3; round++) {
        std::vector<MRow> model;
        for (int i = 0; i < 500; i++) {
            MRow r;
            ASSERT_TRUE(put(int64_t(round) * 100000 + i, random_vals(rng), TtlRule(), &r));
            model.push_back(r);
        }
        st.compact_key(s, k, true);
        ASSERT_GT(s->sum_blocks.load(), 0);
        EXPECT_GT(s->sum_bytes.load(), 0);
        TtlRule rule;
        rule.type = TtlType::kAbsolute;
        rule.abs_ttl = 1;
        rule.wall_cutoff = INT64_MAX;
        st.unpin_key(k);
        k = nullptr;
        st.expire_index(s, rule);  // cuts every row, removes the key
        EXPECT_EQ(s->keys.load(), 0);
        EXPECT_EQ(s->sum_blocks.load(), 0);
        EXPECT_EQ(s->sum_bytes.load(), 0);
        for (int i = 0; i < 4; i++)
            st.reclaim();
        k = st.pin_key(s, Store::hash_key(reinterpret_cast<const uint8_t *>("k"), 1),
                       reinterpret_cast<const uint8_t *>("k"), 1);
        ASSERT_NE(k, nullptr);
    }
    st.unpin_key(k);
    k = nullptr;
    st.drop_slot(s);
    for (int i = 0; i < 4; i++)
        st.reclaim();
    EXPECT_EQ(st.hdr()->used.load(), 0u);
}

// Readers taking summaries beside a writer that inserts late rows, deletes
// and compacts: no torn block (ASan/UBSan runs find use after free), and
// once the writer stops, the walk equals the rows again.
TEST_F(PreaggTest, ConcurrentReadersAndWriter)
{
    make(64 << 20, 32);
    std::mt19937_64 rng(11);
    std::vector<MRow> model;
    for (int i = 0; i < 20000; i++) {
        MRow r;
        ASSERT_TRUE(put(int64_t(i) * 4, random_vals(rng), TtlRule(), &r));
        model.push_back(r);
    }
    st.compact_key(s, k, true);
    std::atomic<bool> stop{false};
    std::atomic<int64_t> walks{0};
    std::vector<std::thread> readers;
    for (int t = 1; t <= 2; t++)
        readers.emplace_back([&, t] {
            while (!stop.load()) {
                ReadGuard g(st, uint32_t(t));
                Store::Cursor c;
                int64_t n = 0;
                for (c.seek(st, k, INT64_MAX, TtlRule()); c.valid();) {
                    if (const BlockSum *b = c.block()) {
                        n += b->n;
                        c.skip(b);
                    } else {
                        n++;
                        c.next();
                    }
                }
                EXPECT_GT(n, 0);
                walks++;
            }
        });
    for (int i = 0; i < 150; i++) {
        for (int j = 0; j < 20; j++) {
            MRow r;
            ASSERT_TRUE(put(int64_t(rng() % 80000), random_vals(rng), TtlRule(), &r));
            model.push_back(r);
        }
        for (int j = 0; j < 5; j++) {
            size_t x = rng() % model.size();
            ASSERT_TRUE(st.remove(s, k, model[x].order, model[x].tb, model[x].to));
            model.erase(model.begin() + long(x));
        }
        st.compact_key(s, k, i % 40 == 0);
        st.reclaim();
    }
    stop = true;
    for (auto &th : readers)
        th.join();
    EXPECT_GT(walks.load(), 0);
    std::sort(model.begin(), model.end(), newer);
    Agg want;
    for (const MRow &r : model)
        want.add_row(r.v);
    Agg got = walk(INT64_MAX, false, INT64_MAX, 0, TtlRule(), true);
    EXPECT_EQ(got, want);
    EXPECT_GT(got.blocks, 100);
    check_blocks();
}

}  // namespace

// Memory of the per-value maps (docs/STORAGE.md, "Block summaries"): a key
// of 65,536 rows in 256-row blocks and 64-block superblocks, 4 summarised
// columns (int8, int4, int2, float8); the int4 and int2 columns with few
// values (card_), the int8 one with many.  The directory's bytes follow the
// layout exactly; printed per block and per row.
TEST_F(PreaggTest, MapMemoryPerBlock)
{
    for (int card : {0, 2, 4, 8}) {
        SCOPED_TRACE("card " + std::to_string(card));
        make(64 << 20, 256, 64);
        card_ = card;
        std::mt19937_64 rng(7);
        const int kRows = 65536;
        for (int i = 0; i < kRows; i++) {
            MRow r;
            Vals v = random_vals(rng);
            v.null[1] = v.null[2] = false;
            v.i64 = int64_t(rng());  // many values: its map overflows
            ASSERT_TRUE(put(i, v, TtlRule(), &r));
        }
        st.compact_key(s, k, true);
        const SumDir *d = st.at<SumDir>(k->sums.load());
        ASSERT_NE(d, nullptr);
        ASSERT_EQ(d->nblocks, 256u);
        ASSERT_EQ(d->nsupers, 4u);
        check_blocks();
        // card 0: every column overflows; card c: the int4 column has c + 1
        // values, the int2 column c (card 8: the int4 column's 9 overflow).
        size_t esz = CondEntry::size_for(4);
        uint32_t per_block = card == 0 ? 0 : card == 8 ? 8 : uint32_t(2 * card + 1);
        size_t want = SumDir::size_for(260, 4) + sizeof(CondHdr) * 260 * 4 + size_t(256) * per_block * esz +
                      size_t(4) * kCondBlockBytes;
        EXPECT_EQ(d->bytes, want);
        size_t without_maps = SumDir::size_for(260, 4);
        std::printf("    maps: %d-valued columns: directory %u bytes for %d rows (%.1f per block, %.2f per row); "
                    "without maps %zu (%.2f per row)\n",
                    card, d->bytes, kRows, double(d->bytes) / 256, double(d->bytes) / kRows, without_maps,
                    double(without_maps) / kRows);
        st.unpin_key(k);
        k = nullptr;
        for (int i = 0; i < 4; i++)
            st.reclaim();
    }
}
