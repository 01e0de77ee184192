// Unit tests of the aggregate kernels (include/feature_ext/agg/kernels.hpp):
// OpenMLDB reference values, and sliding windows (add + FIFO remove) against a
// kernel rebuilt from scratch over the same rows, on random data (fixed seed).
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "feature_ext/agg/kernels.hpp"

using namespace fe::agg;

namespace {

struct Row {
    bool vnull;
    int64_t v;
    double f;
    bool cond;
    bool knull;
    std::string k;
    int64_t ik;
};

std::vector<Row> random_rows(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> small(0, 9), pct(0, 99);
    std::vector<Row> rows;
    for (size_t i = 0; i < n; i++) {
        Row r;
        r.vnull = pct(rng) < 10;
        r.v = small(rng) - 3;
        r.f = (pct(rng) - 50) / 7.0 + (pct(rng) < 3 ? 1e15 : 0);
        r.cond = pct(rng) < 60;
        r.knull = pct(rng) < 10;
        r.k = std::string(1, static_cast<char>('a' + small(rng) % 5));
        r.ik = small(rng) % 4;
        rows.push_back(r);
    }
    return rows;
}

// Slides a window of width w over rows: at step i row i is added and row i-w
// removed; the result of the incremental kernel must equal the result of a
// kernel fed only with the rows of the window.
template <typename K, typename Res>
void check_sliding(const std::vector<Row> &rows, size_t w, std::function<K()> make,
                   std::function<void(K &, const Row &)> add, std::function<void(K &, const Row &)> remove,
                   std::function<Res(const K &)> result)
{
    K inc = make();
    for (size_t i = 0; i < rows.size(); i++) {
        add(inc, rows[i]);
        if (i >= w)
            remove(inc, rows[i - w]);
        K fresh = make();
        for (size_t j = (i >= w ? i - w + 1 : 0); j <= i; j++)
            add(fresh, rows[j]);
        ASSERT_EQ(result(inc), result(fresh)) << "row " << i << " window " << w;
    }
}

const Formatter kFmt;

}  // namespace

TEST(AggExactSum, OrderIndependentAndExact)
{
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> mag(-1e6, 1e6);
    std::vector<double> v;
    for (int i = 0; i < 2000; i++)
        v.push_back(i % 5 == 0 ? mag(rng) * 1e-9 : mag(rng));
    ExactSum a;
    __float128 ref = 0;
    for (double x : v) {
        a.add(x);
        ref += x;
    }
    EXPECT_EQ(a.value(), static_cast<double>(ref));
    std::shuffle(v.begin(), v.end(), rng);
    ExactSum b;
    for (double x : v)
        b.add(x);
    EXPECT_EQ(a.value(), b.value());
    // removing everything but the last element leaves it exactly
    for (size_t i = 0; i + 1 < v.size(); i++)
        b.sub(v[i]);
    EXPECT_EQ(b.value(), v.back());
    ExactSum c;
    c.add(1e300);
    c.add(1.0);
    c.sub(1e300);
    EXPECT_EQ(c.value(), 1.0);
    c.add(HUGE_VAL);
    EXPECT_TRUE(std::isinf(c.value()));
    c.sub(HUGE_VAL);
    EXPECT_EQ(c.value(), 1.0);
    ExactSum d;
    d.add(-0.1);
    d.add(-0.2);
    EXPECT_EQ(d.value(), static_cast<double>(static_cast<__float128>(-0.1) + static_cast<__float128>(-0.2)));
    d.merge(c);
    EXPECT_EQ(d.value(), static_cast<double>(static_cast<__float128>(-0.1) + static_cast<__float128>(-0.2) + 1));
}

TEST(AggKernels, OpenMLDBReferenceValues)
{
    // udaf_test.cc: sum_where 10 / 9, count_where 2 / 1, avg_where 5.5
    SumWhere<int64_t> s;
    s.add(false, 4, true);
    s.add(false, 5, true);
    s.add(false, 6, false);
    s.add(true, 0, false);
    EXPECT_EQ(static_cast<int64_t>(s.result()), 9);
    CountWhere cw;
    cw.add(false, true);
    cw.add(false, false);
    cw.add(true, true);
    EXPECT_EQ(cw.result(), 1);
    AvgWhere<int64_t> av;
    av.add(false, 4, true);
    av.add(false, 5, false);
    av.add(false, 6, false);
    av.add(false, 7, true);
    EXPECT_DOUBLE_EQ(av.result(), 5.5);
    // ew_avg 3.161290, drawdown 0.75, median 2.5
    EwAvg ew;
    for (int i = 0; i < 5; i++)
        ew.add(false, i, false, 0.5);
    EXPECT_NEAR(ew.result(), 3.161290, 1e-6);
    Drawdown dd;
    for (double x : {1, 8, 5, 2, 10, 4})
        dd.add(false, x);
    EXPECT_DOUBLE_EQ(dd.result(), 0.75);
    Median m;
    for (double x : {1, 2, 3, 4})
        m.add(false, x);
    EXPECT_DOUBLE_EQ(m.result(), 2.5);
    // top 4 of {1,6,3,4,5,2,6} = "6,6,5,4"; topn_frequency pads with NULL
    TopK<int64_t> tk;
    for (int64_t x : {1, 6, 3, 4, 5, 2, 6})
        tk.add(false, x, 4);
    EXPECT_EQ(tk.result(kFmt), "6,6,5,4");
    TopNFrequency<int64_t> tf;
    tf.add(false, 1, 3);
    tf.add(false, 2, 3);
    tf.add(false, 2, 3);
    EXPECT_EQ(tf.result(kFmt), "2,1,NULL");
    // cate: sum_cate "x:4,y:6", count_cate "x:2,y:2", top_n_key_count_cate_where "z:1,y:1"
    Cate<std::string, int64_t> sc(CateAgg::kSum, CateOrder::kByKey), cc(CateAgg::kCount, CateOrder::kByKey);
    const char *keys[] = {"x", "y", "x", "y", nullptr, "x"};
    for (int i = 0; i < 6; i++) {
        bool vnull = i == 5;
        sc.add(vnull, i + 1, true, keys[i] == nullptr, keys[i] ? keys[i] : "", -1);
        cc.add(vnull, i + 1, true, keys[i] == nullptr, keys[i] ? keys[i] : "", -1);
    }
    EXPECT_EQ(sc.result(kFmt), "x:4,y:6");
    EXPECT_EQ(cc.result(kFmt), "x:2,y:2");
    Cate<std::string, int64_t> tn(CateAgg::kCount, CateOrder::kTopKeys);
    const char *k2[] = {"x", "y", "z", "x", "y", nullptr, "x"};
    const int c2[] = {0, -1, 1, 1, 1, 1, 1};  // -1: NULL condition
    for (int i = 0; i < 7; i++)
        tn.add(i == 6, i + 1, c2[i] == 1, k2[i] == nullptr, k2[i] ? k2[i] : "", 2);
    EXPECT_EQ(tn.result(kFmt), "z:1,y:1");
    // entropy of 1,1,2,3 = 1.5
    Entropy<int64_t> en;
    for (int64_t x : {1, 1, 2, 3})
        en.add(false, x);
    EXPECT_DOUBLE_EQ(en.result(), 1.5);
    // window_split_by_value: value between the first and second kv delimiter
    WindowSplit ws(SplitMode::kValues);
    ws.add(false, "k1:1,k2:2:x,bad,k3:", ",", ":");
    std::vector<std::string> parts;
    ws.for_each([&](const std::string &p) { parts.push_back(p); });
    EXPECT_EQ(parts, (std::vector<std::string>{"1", "2", ""}));
    // formatting of dates and timestamps
    std::string out;
    Formatter::append_date(out, 0);
    out += ' ';
    Formatter::append_timestamp(out, INT64_C(1590738990000000));
    out += ' ';
    Formatter::append_date(out, -25567);  // 1900-01-01
    EXPECT_EQ(out, "1970-01-01 2020-05-29 07:56:30 1900-01-01");
}

TEST(AggKernels, SlidingWindowsMatchRecompute)
{
    auto rows = random_rows(400, 7);
    for (size_t w : {1, 3, 17, 60}) {
        check_sliding<CountWhere, int64_t>(
            rows, w, [] { return CountWhere(); }, [](CountWhere &k, const Row &r) { k.add(r.vnull, r.cond); },
            [](CountWhere &k, const Row &r) { k.remove(r.vnull, r.cond); },
            [](const CountWhere &k) { return k.result(); });
        check_sliding<SumWhere<double>, std::optional<double>>(
            rows, w, [] { return SumWhere<double>(); },
            [](SumWhere<double> &k, const Row &r) { k.add(r.vnull, r.f, r.cond); },
            [](SumWhere<double> &k, const Row &r) { k.remove(r.vnull, r.f, r.cond); },
            [](const SumWhere<double> &k) { return k.has_result() ? std::optional<double>(k.result()) : std::nullopt; });
        check_sliding<MinMaxWhere<int64_t, true>, std::optional<int64_t>>(
            rows, w, [] { return MinMaxWhere<int64_t, true>(); },
            [](MinMaxWhere<int64_t, true> &k, const Row &r) { k.add(r.vnull, r.v, r.cond); },
            [](MinMaxWhere<int64_t, true> &k, const Row &) { k.remove(); },
            [](const MinMaxWhere<int64_t, true> &k) {
                return k.has_result() ? std::optional<int64_t>(k.result()) : std::nullopt;
            });
        check_sliding<MinMaxWhere<double, false>, std::optional<double>>(
            rows, w, [] { return MinMaxWhere<double, false>(); },
            [](MinMaxWhere<double, false> &k, const Row &r) { k.add(r.vnull, r.f, r.cond); },
            [](MinMaxWhere<double, false> &k, const Row &) { k.remove(); },
            [](const MinMaxWhere<double, false> &k) {
                return k.has_result() ? std::optional<double>(k.result()) : std::nullopt;
            });
        check_sliding<DistinctCount<std::string>, int64_t>(
            rows, w, [] { return DistinctCount<std::string>(); },
            [](DistinctCount<std::string> &k, const Row &r) { k.add(r.knull, r.k); },
            [](DistinctCount<std::string> &k, const Row &r) { k.remove(r.knull, r.k); },
            [](const DistinctCount<std::string> &k) { return k.result(); });
        check_sliding<Top1Ratio<int64_t>, double>(
            rows, w, [] { return Top1Ratio<int64_t>(); },
            [](Top1Ratio<int64_t> &k, const Row &r) { k.add(r.vnull, r.v); },
            [](Top1Ratio<int64_t> &k, const Row &r) { k.remove(r.vnull, r.v); },
            [](const Top1Ratio<int64_t> &k) { return k.result(); });
        check_sliding<Entropy<std::string>, std::optional<double>>(
            rows, w, [] { return Entropy<std::string>(); },
            [](Entropy<std::string> &k, const Row &r) { k.add(r.knull, r.k); },
            [](Entropy<std::string> &k, const Row &r) { k.remove(r.knull, r.k); },
            [](const Entropy<std::string> &k) { return k.has_result() ? std::optional<double>(k.result()) : std::nullopt; });
        check_sliding<TopNFrequency<int64_t>, std::string>(
            rows, w, [] { return TopNFrequency<int64_t>(); },
            [](TopNFrequency<int64_t> &k, const Row &r) { k.add(r.vnull, r.v, 3); },
            [](TopNFrequency<int64_t> &k, const Row &r) { k.remove(r.vnull, r.v); },
            [](const TopNFrequency<int64_t> &k) { return k.result(kFmt); });
        check_sliding<TopK<double>, std::string>(
            rows, w, [] { return TopK<double>(); }, [](TopK<double> &k, const Row &r) { k.add(r.vnull, r.f, 4); },
            [](TopK<double> &k, const Row &r) { k.remove(r.vnull, r.f); },
            [](const TopK<double> &k) { return k.result(kFmt); });
        check_sliding<Median, std::optional<double>>(
            rows, w, [] { return Median(); }, [](Median &k, const Row &r) { k.add(r.vnull, r.f); },
            [](Median &k, const Row &r) { k.remove(r.vnull, r.f); },
            [](const Median &k) { return k.has_result() ? std::optional<double>(k.result()) : std::nullopt; });
        check_sliding<EwAvg, std::optional<double>>(
            rows, w, [] { return EwAvg(); }, [](EwAvg &k, const Row &r) { k.add(r.vnull, r.f, false, 0.25); },
            [](EwAvg &k, const Row &) { k.remove(); },
            [](const EwAvg &k) { return k.has_result() ? std::optional<double>(k.result()) : std::nullopt; });
        check_sliding<Drawdown, std::optional<double>>(
            rows, w, [] { return Drawdown(); }, [](Drawdown &k, const Row &r) { k.add(r.vnull, r.f); },
            [](Drawdown &k, const Row &) { k.remove(); },
            [](const Drawdown &k) { return k.has_result() ? std::optional<double>(k.result()) : std::nullopt; });
        check_sliding<NthValueWhere<std::string>, std::optional<std::string>>(
            rows, w, [] { return NthValueWhere<std::string>(); },
            [](NthValueWhere<std::string> &k, const Row &r) { k.add(r.knull, r.k, -2, r.cond); },
            [](NthValueWhere<std::string> &k, const Row &) { k.remove(); },
            [](const NthValueWhere<std::string> &k) {
                std::string s;
                return k.result(s) ? std::optional<std::string>(s) : std::nullopt;
            });
        check_sliding<NthFromNewest<int64_t>, std::optional<int64_t>>(
            rows, w, [] { return NthFromNewest<int64_t>(); },
            [](NthFromNewest<int64_t> &k, const Row &r) { k.add(r.vnull, r.v); },
            [](NthFromNewest<int64_t> &k, const Row &) { k.remove(); },
            [](const NthFromNewest<int64_t> &k) {
                int64_t v;
                return k.result(2, v) ? std::optional<int64_t>(v) : std::nullopt;
            });
        check_sliding<Join, std::string>(
            rows, w, [] { return Join(); }, [](Join &k, const Row &r) { k.add(r.knull, r.k, "-"); },
            [](Join &k, const Row &) { k.remove(); }, [](const Join &k) { return k.result(); });
        for (CateAgg agg : {CateAgg::kCount, CateAgg::kSum, CateAgg::kAvg, CateAgg::kMin, CateAgg::kMax,
                            CateAgg::kRatio}) {
            for (CateOrder order : {CateOrder::kByKey, CateOrder::kTopKeys, CateOrder::kTopValues}) {
                using C = Cate<std::string, double>;
                check_sliding<C, std::string>(
                    rows, w, [&] { return C(agg, order); },
                    [](C &k, const Row &r) { k.add(r.vnull, r.f, r.cond, r.knull, r.k, 2); },
                    [](C &k, const Row &r) { k.remove(r.vnull, r.f, r.cond, r.knull, r.k); },
                    [](const C &k) { return k.result(kFmt); });
                using CI = Cate<int64_t, int64_t>;
                check_sliding<CI, std::string>(
                    rows, w, [&] { return CI(agg, order); },
                    [](CI &k, const Row &r) { k.add(r.vnull, r.v, r.cond, r.knull, r.ik, -1); },
                    [](CI &k, const Row &r) { k.remove(r.vnull, r.v, r.cond, r.knull, r.ik); },
                    [](const CI &k) { return k.result(kFmt); });
            }
        }
    }
}
