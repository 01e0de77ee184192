// feature_ext aggregate kernels: one implementation of every OpenMLDB window
// aggregate, shared by the PostgreSQL aggregates (src/agg/functions_pg.cpp), the request
// engine and the JIT.  Pure C++: no PostgreSQL types.
//
// Every kernel is a small state object:
//     Kernel k;                 // init
//     k.add(args...);           // a row enters the window (oldest first)
//     k.remove(args...);        // a row leaves (FIFO where documented)
//     k.result(...)             // read-only, may be called many times
// Arguments follow OpenMLDB's signatures with explicit NULL flags
// (value_null, cond) where cond is "condition IS TRUE" (NULL counts as false).
// Results that can be NULL return bool "has result" plus an out parameter.
//
// Parameters that OpenMLDB treats as constants (n, k, idx, alpha, delimiters)
// are passed with every row; the newest row's value is the one used.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "feature_ext/agg/common.hpp"
#include "feature_ext/base/error.hpp"

namespace fe {
namespace agg {

// ============================================================== count_where
// count_where(value, cond): rows with cond true and value not NULL.
// count_where(cond) (OpenMLDB count_where(*, cond)): rows with cond true.
struct CountWhere {
    static bool counts(bool value_null, bool cond) noexcept { return cond && !value_null; }
    int64_t n = 0;
    void add(bool value_null, bool cond) noexcept { n += counts(value_null, cond); }
    void remove(bool value_null, bool cond) noexcept { n -= counts(value_null, cond); }
    void merge(const CountWhere &o) noexcept { n += o.n; }
    int64_t result() const noexcept { return n; }
};

// ============================================================== numeric accumulators
template <typename V>
struct SumAcc;
template <>
struct SumAcc<int64_t> {
    Int128 s = 0;
    void add(int64_t v) noexcept { s += v; }
    void sub(int64_t v) noexcept { s -= v; }
    void merge(const SumAcc &o) noexcept { s += o.s; }
    Int128 value() const noexcept { return s; }
    double as_double() const noexcept { return static_cast<double>(s); }
};
template <>
struct SumAcc<double> {
    ExactSum s;
    void add(double v) noexcept { s.add(v); }
    void sub(double v) noexcept { s.sub(v); }
    void merge(const SumAcc &o) noexcept { s.merge(o.s); }
    double value() const noexcept { return s.value(); }
    double as_double() const noexcept { return s.value(); }
};

// ============================================================== sum_where / avg_where
// NULL when no row has cond true and a non-NULL value.
template <typename V>
struct SumWhere {
    SumAcc<V> sum;
    int64_t n = 0;
    void add(bool value_null, V v, bool cond) noexcept
    {
        if (cond && !value_null) {
            sum.add(v);
            n++;
        }
    }
    void remove(bool value_null, V v, bool cond) noexcept
    {
        if (cond && !value_null) {
            sum.sub(v);
            n--;
        }
    }
    void merge(const SumWhere &o) noexcept
    {
        sum.merge(o.sum);
        n += o.n;
    }
    bool has_result() const noexcept { return n > 0; }
    auto result() const noexcept { return sum.value(); }
};

template <typename V>
struct AvgWhere {
    SumWhere<V> s;
    void add(bool value_null, V v, bool cond) noexcept { s.add(value_null, v, cond); }
    void remove(bool value_null, V v, bool cond) noexcept { s.remove(value_null, v, cond); }
    void merge(const AvgWhere &o) noexcept { s.merge(o.s); }
    bool has_result() const noexcept { return s.n > 0; }
    double result() const noexcept { return s.sum.as_double() / static_cast<double>(s.n); }
};

// ============================================================== min_where / max_where
// Monotonic deque: O(1) amortized add, FIFO remove, O(1) result.
template <typename V, bool IsMax>
class MinMaxWhere {
public:
    void add(bool value_null, V v, bool cond)
    {
        uint64_t seq = in_++;
        if (!cond || value_null)
            return;
        KeyLess<V> lt;
        // drop dominated values from the back
        while (!q_.empty() && (IsMax ? !lt(v, q_.back().first) : !lt(q_.back().first, v)))
            q_.pop_back();
        q_.push_back({v, seq});
    }
    // FIFO: removes the oldest row (its arguments are not needed).
    void remove() noexcept
    {
        uint64_t seq = out_++;
        if (!q_.empty() && q_.front().second == seq)
            q_.pop_front();
    }
    void merge(const MinMaxWhere &o)
    {
        if (o.q_.empty())
            return;
        add(false, o.q_.front().first, true);
    }
    bool has_result() const noexcept { return !q_.empty(); }
    const V &result() const noexcept { return q_.front().first; }

private:
    Ring<std::pair<V, uint64_t>> q_;
    uint64_t in_ = 0, out_ = 0;
};

// ============================================================== key counting maps
template <typename K>
struct KeyHash {
    size_t operator()(const K &k) const noexcept { return std::hash<K>()(k); }
};
template <typename K>
struct KeyEq {
    bool operator()(const K &a, const K &b) const noexcept { return key_cmp<K>(a, b) == 0; }
};
template <typename K>
using HashCount = std::unordered_map<K, int64_t, KeyHash<K>, KeyEq<K>>;
template <typename K>
using OrderedCount = std::map<K, int64_t, KeyLess<K>>;

// ============================================================== distinct_count
// NULL counts as one distinct value (OpenMLDB).
template <typename K>
class DistinctCount {
public:
    void add(bool null, const K &k)
    {
        if (null)
            nulls_++;
        else
            map_[canonical_key(k)]++;
    }
    void remove(bool null, const K &k)
    {
        if (null) {
            nulls_--;
            return;
        }
        auto it = map_.find(canonical_key(k));
        if (it != map_.end() && --it->second == 0)
            map_.erase(it);
    }
    int64_t result() const noexcept { return static_cast<int64_t>(map_.size()) + (nulls_ > 0 ? 1 : 0); }
    // Empty again, keeping the hash table's buckets (the JIT's pooled states).
    void clear() noexcept
    {
        map_.clear();
        nulls_ = 0;
    }

private:
    HashCount<K> map_;
    int64_t nulls_ = 0;
};

// ============================================================== entropy
// Shannon entropy (base 2) of the non-NULL values; NULL when there are none.
template <typename K>
class Entropy {
public:
    void add(bool null, const K &k)
    {
        if (null)
            return;
        map_[canonical_key(k)]++;
        total_++;
    }
    void remove(bool null, const K &k)
    {
        if (null)
            return;
        auto it = map_.find(canonical_key(k));
        if (it == map_.end())
            return;
        if (--it->second == 0)
            map_.erase(it);
        total_--;
    }
    bool has_result() const noexcept { return total_ > 0; }
    void clear() noexcept
    {
        map_.clear();
        total_ = 0;
    }
    double result() const
    {
        double agg = 0.0, cnt = static_cast<double>(total_);
        for (auto &kv : map_) {  // key order: deterministic summation
            double p = static_cast<double>(kv.second) / cnt;
            agg -= p * std::log2(p);
        }
        return agg;
    }

private:
    OrderedCount<K> map_;
    int64_t total_ = 0;
};

// ============================================================== top1_ratio
// count of the most frequent non-NULL value / count of non-NULL values;
// 0 when there is none.  O(1) add/remove/result (counts of counts).
template <typename K>
class Top1Ratio {
public:
    void add(bool null, const K &k)
    {
        if (null)
            return;
        int64_t c = ++map_[canonical_key(k)];
        bump(c - 1, -1);
        bump(c, +1);
        if (c > max_)
            max_ = c;
        total_++;
    }
    void remove(bool null, const K &k)
    {
        if (null)
            return;
        auto it = map_.find(canonical_key(k));
        if (it == map_.end())
            return;
        int64_t c = it->second--;
        if (it->second == 0)
            map_.erase(it);
        bump(c, -1);
        bump(c - 1, +1);
        if (c == max_ && freq_[c] == 0)
            max_ = c - 1;
        total_--;
    }
    double result() const noexcept
    {
        return total_ == 0 ? 0.0 : static_cast<double>(max_) / static_cast<double>(total_);
    }
    void clear() noexcept
    {
        map_.clear();
        freq_.clear();
        max_ = total_ = 0;
    }

private:
    void bump(int64_t c, int d)
    {
        if (c <= 0)
            return;
        if (static_cast<size_t>(c) >= freq_.size())
            freq_.resize(c + 1, 0);
        freq_[c] += d;
    }
    HashCount<K> map_;
    std::vector<int64_t> freq_;  // freq_[c] = number of keys seen exactly c times
    int64_t max_ = 0, total_ = 0;
};

// ============================================================== topn_frequency
// The n most frequent non-NULL keys (ties: smaller key first), comma
// separated, padded with "NULL" up to n entries.  n == 0 or no rows -> "";
// n < 0 or n > 1024 -> 1024 (OpenMLDB's cap on its unsigned n).
template <typename K>
class TopNFrequency {
public:
    void add(bool null, const K &k, int64_t n)
    {
        n_ = n;
        rows_++;
        if (!null)
            map_[canonical_key(k)]++;
    }
    void remove(bool null, const K &k)
    {
        rows_--;
        if (null)
            return;
        auto it = map_.find(canonical_key(k));
        if (it != map_.end() && --it->second == 0)
            map_.erase(it);
    }
    std::string result(const Formatter &f) const
    {
        std::string out;
        if (rows_ <= 0 || n_ == 0)
            return out;
        size_t n = (n_ < 0 || n_ > 1024) ? 1024 : static_cast<size_t>(n_);
        std::vector<std::pair<const K *, int64_t>> v;
        v.reserve(map_.size());
        for (auto &kv : map_)
            v.emplace_back(&kv.first, kv.second);
        auto better = [](const std::pair<const K *, int64_t> &a, const std::pair<const K *, int64_t> &b) {
            if (a.second != b.second)
                return a.second > b.second;
            return KeyLess<K>()(*a.first, *b.first);
        };
        size_t m = std::min(n, v.size());
        std::partial_sort(v.begin(), v.begin() + m, v.end(), better);
        for (size_t i = 0; i < n; i++) {
            if (i)
                out += ',';
            if (i < m)
                f.key(out, *v[i].first);
            else
                out += "NULL";
        }
        return out;
    }

private:
    OrderedCount<K> map_;
    int64_t n_ = 0;
    int64_t rows_ = 0;
};

// ============================================================== top
// The k largest non-NULL values, descending, duplicates kept, comma separated;
// "" when there is none or k <= 0.
template <typename K>
class TopK {
public:
    void add(bool null, const K &v, int64_t k)
    {
        k_ = k;
        if (!null)
            map_[canonical_key(v)]++;
    }
    void remove(bool null, const K &v)
    {
        if (null)
            return;
        auto it = map_.find(canonical_key(v));
        if (it != map_.end() && --it->second == 0)
            map_.erase(it);
    }
    std::string result(const Formatter &f) const
    {
        std::string out;
        int64_t left = k_;
        bool first = true;
        for (auto it = map_.rbegin(); it != map_.rend() && left > 0; ++it) {
            for (int64_t i = 0; i < it->second && left > 0; i++, left--) {
                if (!first)
                    out += ',';
                first = false;
                f.key(out, it->first);
            }
        }
        return out;
    }

private:
    OrderedCount<K> map_;
    int64_t k_ = 0;
};

// ============================================================== median
// Median of the non-NULL values (mean of the two middle ones for an even
// count); NULL when there is none.  Two balanced multisets: O(log n).
class Median {
public:
    void add(bool null, double v);
    void remove(bool null, double v);
    bool has_result() const noexcept { return !lo_.empty(); }
    void clear() noexcept
    {
        lo_.clear();
        hi_.clear();
    }
    double result() const noexcept
    {
        if (lo_.size() == hi_.size())
            return (*lo_.rbegin() + *hi_.begin()) / 2.0;
        return *lo_.rbegin();
    }

private:
    void rebalance();
    std::multiset<double, DoubleLess> lo_, hi_;  // lo_.size() == hi_.size() or +1
};

// ============================================================== ew_avg
// Exponentially weighted average, newest row weight 1, each older non-NULL
// value weighted by (1 - alpha) more (pandas ewm(adjust=True, ignore_na=True)).
// alpha NULL -> 0 (plain average).  FIFO remove.  result() is O(window).
class EwAvg {
public:
    void add(bool null, double v, bool alpha_null, double alpha)
    {
        uint64_t seq = in_++;
        if (!null)
            q_.push_back({v, alpha_null ? 0.0 : alpha, seq});
    }
    void remove() noexcept
    {
        uint64_t seq = out_++;
        if (!q_.empty() && q_.front().seq == seq)
            q_.pop_front();
    }
    bool has_result() const noexcept { return !q_.empty(); }
    double result() const noexcept
    {
        double sum = 0, cnt = 0, w = 1.0;
        for (size_t i = q_.size(); i-- > 0;) {
            const Entry &e = q_[i];
            sum += w * e.v;
            cnt += w;
            w *= (1 - e.alpha);
        }
        return sum / cnt;
    }

private:
    struct Entry {
        double v, alpha;
        uint64_t seq;
    };
    Ring<Entry> q_;
    uint64_t in_ = 0, out_ = 0;
};

// ============================================================== drawdown
// Largest relative decline from a value to any later (newer) smaller value:
// max over older p, newer v < p of (p - v) / p.  Negative values and NULLs
// are ignored; NULL when no value remains.  FIFO remove, O(window) result.
class Drawdown {
public:
    void add(bool null, double v)
    {
        uint64_t seq = in_++;
        if (!null && !(v < 0))
            q_.push_back({v, seq});
    }
    void remove() noexcept
    {
        uint64_t seq = out_++;
        if (!q_.empty() && q_.front().second == seq)
            q_.pop_front();
    }
    bool has_result() const noexcept { return !q_.empty(); }
    double result() const noexcept
    {
        double dd = 0, mn = 0;
        bool first = true;
        for (size_t i = q_.size(); i-- > 0;) {  // newest -> oldest
            double t = q_[i].first;
            if (first || !(mn < t)) {
                mn = t;
                first = false;
            } else if (t != 0) {
                dd = std::max(dd, (t - mn) / t);
            }
        }
        return dd;
    }

private:
    Ring<std::pair<double, uint64_t>> q_;
    uint64_t in_ = 0, out_ = 0;
};

// ============================================================== nth_value_where
// Value of the idx-th row with cond true: idx > 0 counts from the oldest row
// of the window, idx < 0 from the newest; idx 0 or too few rows -> NULL.
// The value of a matching row may itself be NULL.  FIFO remove.
template <typename V>
class NthValueWhere {
public:
    void add(bool value_null, const V &v, int64_t idx, bool cond)
    {
        uint64_t seq = in_++;
        idx_ = idx;
        if (cond)
            q_.push_back({v, value_null, seq});
    }
    void remove() noexcept
    {
        uint64_t seq = out_++;
        if (!q_.empty() && q_.front().seq == seq)
            q_.pop_front();
    }
    // Returns false for NULL.
    bool result(V &out) const
    {
        const Entry *e = nullptr;
        size_t n = q_.size();
        if (idx_ > 0 && static_cast<uint64_t>(idx_) <= n)
            e = &q_[static_cast<size_t>(idx_ - 1)];
        else if (idx_ < 0 && static_cast<uint64_t>(-(idx_ + 1)) + 1 <= n)
            e = &q_[n - static_cast<size_t>(-(idx_ + 1)) - 1];
        if (!e || e->null)
            return false;
        out = e->v;
        return true;
    }

private:
    struct Entry {
        V v{};
        bool null = false;
        uint64_t seq = 0;
    };
    Ring<Entry> q_;
    int64_t idx_ = 0;
    uint64_t in_ = 0, out_ = 0;
};

// ============================================================== at / lag, first_value
// OpenMLDB lag/at(value, n): value of the row n rows older than the newest row
// of the window (n = 0: the newest row); NULL beyond the window.
// OpenMLDB first_value(value) is at(value, 0) (windows are newest-first).
// FIFO remove.
template <typename V>
class NthFromNewest {
public:
    void add(bool null, const V &v) { q_.push_back({v, null}); }
    void remove() noexcept
    {
        if (!q_.empty())
            q_.pop_front();
    }
    bool result(int64_t n, V &out) const
    {
        if (n < 0)
            throw Error(sqlstate::kInvalidParameterValue, "offset of lag/at must not be negative");
        if (static_cast<uint64_t>(n) >= q_.size())
            return false;
        const auto &e = q_[q_.size() - 1 - static_cast<size_t>(n)];
        if (e.second)
            return false;
        out = e.first;
        return true;
    }

private:
    Ring<std::pair<V, bool>> q_;
};

// ============================================================== window_split[_by_key|_by_value], join
// List aggregates over the window in OpenMLDB's window order (newest row
// first).  NULL values are skipped.  FIFO remove.
enum class SplitMode : uint8_t { kAll, kKeys, kValues };

class WindowSplit {
public:
    explicit WindowSplit(SplitMode mode) : mode_(mode) {}
    void add(bool null, const std::string &s, const std::string &delim, const std::string &kv_delim)
    {
        Segments seg;
        if (!null) {
            std::vector<std::string> parts;
            switch (mode_) {
            case SplitMode::kAll:
                split_all(s, delim, parts);
                break;
            case SplitMode::kKeys:
                split_keys(s, delim, kv_delim, parts);
                break;
            case SplitMode::kValues:
                split_values(s, delim, kv_delim, parts);
                break;
            }
            seg.assign(std::make_move_iterator(parts.begin()), std::make_move_iterator(parts.end()));
        }
        total_ += seg.size();
        q_.push_back(std::move(seg));
    }
    void remove() noexcept
    {
        if (!q_.empty()) {
            total_ -= q_.front().size();
            q_.pop_front();
        }
    }
    // Segments, newest row first.
    template <typename F>
    void for_each(F &&f) const
    {
        for (size_t i = q_.size(); i-- > 0;)
            for (auto &s : q_[i])
                f(s);
    }
    size_t count() const noexcept { return total_; }

private:
    using Segments = boost::container::small_vector<std::string, 2>;
    SplitMode mode_;
    Ring<Segments> q_;
    size_t total_ = 0;
};

class Join {
public:
    void add(bool null, const std::string &s, const std::string &delim)
    {
        uint64_t seq = in_++;
        delim_ = delim;
        if (!null)
            q_.push_back({s, seq});
    }
    void remove() noexcept
    {
        uint64_t seq = out_++;
        if (!q_.empty() && q_.front().second == seq)
            q_.pop_front();
    }
    std::string result() const
    {
        std::string out;
        for (size_t i = q_.size(); i-- > 0;) {
            if (i + 1 != q_.size())
                out += delim_;
            out += q_[i].first;
        }
        return out;
    }

private:
    Ring<std::pair<std::string, uint64_t>> q_;
    std::string delim_;
    uint64_t in_ = 0, out_ = 0;
};

// ============================================================== *_cate family
// Per-category aggregates with string output "k:v,k:v".  Rows with a NULL
// category or a NULL value are skipped; *_where variants also skip rows whose
// condition is not true.  Output orders:
//   kByKey      ascending key                         ({count,sum,avg,min,max}_cate[_where])
//   kTopKeys    n largest keys, descending            (top_n_key_*)
//   kTopValues  n largest values, descending; ties by key descending (top_n_value_*)
// n < 0: all groups; n == 0: "".  No group -> "".  Output is capped at 4096
// bytes by dropping whole trailing entries (OpenMLDB).
enum class CateAgg : uint8_t { kCount, kSum, kAvg, kMin, kMax, kRatio };
enum class CateOrder : uint8_t { kByKey, kTopKeys, kTopValues };

template <typename V>
struct CateEntry {
    int64_t rows = 0;     // rows currently contributing (entry erased at 0)
    int64_t matched = 0;  // ratio: rows with cond true
    SumAcc<V> sum;
    // min/max: monotonic deque of (value, per-key sequence)
    Ring<std::pair<V, uint64_t>> mq;
    uint64_t in = 0, out = 0;
};

template <typename K, typename V>
class Cate {
public:
    Cate(CateAgg agg, CateOrder order) : agg_(agg), order_(order) {}

    // cond: the row's condition is true (always true for the non-where forms).
    // For kRatio, cond only decides whether the row is counted as matched.
    void add(bool value_null, const V &v, bool cond, bool key_null, const K &k, int64_t n)
    {
        n_ = n;
        if (!takes(value_null, cond, key_null))
            return;
        CateEntry<V> &e = map_[canonical_key(k)];
        e.rows++;
        switch (agg_) {
        case CateAgg::kSum:
        case CateAgg::kAvg:
            e.sum.add(v);
            break;
        case CateAgg::kMin:
        case CateAgg::kMax: {
            uint64_t seq = e.in++;
            KeyLess<V> lt;
            bool is_max = agg_ == CateAgg::kMax;
            while (!e.mq.empty() && (is_max ? !lt(v, e.mq.back().first) : !lt(e.mq.back().first, v)))
                e.mq.pop_back();
            e.mq.push_back({v, seq});
            break;
        }
        case CateAgg::kRatio:
            e.matched += cond;
            break;
        default:
            break;
        }
    }
    // Same arguments as the add() of the leaving row; FIFO (per category) for kMin/kMax.
    void remove(bool value_null, const V &v, bool cond, bool key_null, const K &k)
    {
        if (!takes(value_null, cond, key_null))
            return;
        auto it = map_.find(canonical_key(k));
        if (it == map_.end())
            return;
        CateEntry<V> &e = it->second;
        switch (agg_) {
        case CateAgg::kSum:
        case CateAgg::kAvg:
            e.sum.sub(v);
            break;
        case CateAgg::kMin:
        case CateAgg::kMax: {
            uint64_t seq = e.out++;
            if (!e.mq.empty() && e.mq.front().second == seq)
                e.mq.pop_front();
            break;
        }
        case CateAgg::kRatio:
            e.matched -= cond;
            break;
        default:
            break;
        }
        if (--e.rows == 0)
            map_.erase(it);
    }

    std::string result(const Formatter &f) const;
    size_t groups() const noexcept { return map_.size(); }

private:
    bool takes(bool value_null, bool cond, bool key_null) const noexcept
    {
        if (key_null || value_null)
            return false;
        return agg_ == CateAgg::kRatio || cond;
    }
    void format_value(std::string &out, const CateEntry<V> &e) const;
    int value_cmp(const CateEntry<V> &a, const CateEntry<V> &b) const;

    CateAgg agg_;
    CateOrder order_;
    std::map<K, CateEntry<V>, KeyLess<K>> map_;
    int64_t n_ = -1;
};

// ---------------------------------------------------------------- Cate impl
template <typename V>
inline void append_value(std::string &out, const V &v);
template <>
inline void append_value<int64_t>(std::string &out, const int64_t &v)
{
    Formatter::append_int(out, v);
}
template <>
inline void append_value<double>(std::string &out, const double &v)
{
    Formatter::append_double(out, v);
}
inline void append_sum(std::string &out, const SumAcc<int64_t> &s) { Formatter::append_int128(out, s.value()); }
inline void append_sum(std::string &out, const SumAcc<double> &s) { Formatter::append_double(out, s.value()); }

template <typename K, typename V>
void Cate<K, V>::format_value(std::string &out, const CateEntry<V> &e) const
{
    switch (agg_) {
    case CateAgg::kCount:
        Formatter::append_int(out, e.rows);
        break;
    case CateAgg::kSum:
        append_sum(out, e.sum);
        break;
    case CateAgg::kAvg:
        Formatter::append_double(out, e.sum.as_double() / static_cast<double>(e.rows));
        break;
    case CateAgg::kMin:
    case CateAgg::kMax:
        append_value<V>(out, e.mq.front().first);
        break;
    case CateAgg::kRatio:
        Formatter::append_double(out, static_cast<double>(e.matched) / static_cast<double>(e.rows));
        break;
    }
}

template <typename K, typename V>
int Cate<K, V>::value_cmp(const CateEntry<V> &a, const CateEntry<V> &b) const
{
    switch (agg_) {
    case CateAgg::kCount:
        return a.rows < b.rows ? -1 : (a.rows > b.rows ? 1 : 0);
    case CateAgg::kSum: {
        auto x = a.sum.value(), y = b.sum.value();
        return key_cmp<decltype(x)>(x, y);
    }
    case CateAgg::kAvg:
        return key_cmp<double>(a.sum.as_double() / static_cast<double>(a.rows),
                               b.sum.as_double() / static_cast<double>(b.rows));
    case CateAgg::kMin:
    case CateAgg::kMax:
        return key_cmp<V>(a.mq.front().first, b.mq.front().first);
    case CateAgg::kRatio:
        return key_cmp<double>(static_cast<double>(a.matched) / static_cast<double>(a.rows),
                               static_cast<double>(b.matched) / static_cast<double>(b.rows));
    }
    return 0;
}

template <typename K, typename V>
std::string Cate<K, V>::result(const Formatter &f) const
{
    std::string out;
    using Item = std::pair<const K *, const CateEntry<V> *>;
    std::vector<Item> items;
    if (map_.empty())
        return out;
    if (order_ == CateOrder::kByKey) {
        for (auto &kv : map_)
            items.emplace_back(&kv.first, &kv.second);
    } else {
        if (n_ == 0)
            return out;
        for (auto it = map_.rbegin(); it != map_.rend(); ++it)
            items.emplace_back(&it->first, &it->second);
        if (order_ == CateOrder::kTopValues) {
            std::stable_sort(items.begin(), items.end(), [this](const Item &a, const Item &b) {
                return value_cmp(*a.second, *b.second) > 0;  // equal values keep key-descending order
            });
        }
        if (n_ > 0 && items.size() > static_cast<size_t>(n_))
            items.resize(static_cast<size_t>(n_));
    }
    std::string entry;
    for (auto &it : items) {
        entry.clear();
        f.key(entry, *it.first);
        entry += ':';
        format_value(entry, *it.second);
        // OpenMLDB: every entry is counted with its trailing comma
        size_t len_with_sep = out.size() + (out.empty() ? 0 : 1) + entry.size() + 1;
        if (len_with_sep > kMaxCateOutput)
            break;
        if (!out.empty())
            out += ',';
        out += entry;
    }
    return out;
}

}  // namespace agg
}  // namespace fe
