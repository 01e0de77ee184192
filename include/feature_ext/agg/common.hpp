// feature_ext aggregate kernels: shared building blocks (pure C++, no PostgreSQL).
//
// Conventions shared by every kernel (and by every caller: the PostgreSQL
// aggregate glue, the request engine, the JIT):
//   * Physical value kinds: int64_t (bool, int16/32/64, date, timestamp),
//     double (float, double), std::string (text).
//   * date      = days since 1970-01-01,
//     timestamp = microseconds since 1970-01-01 00:00:00 UTC.
//   * Rows are added in window order, oldest first (the last added row is the
//     newest row of the window).  Kernels whose remove() documents "FIFO"
//     require rows to be removed in the order they were added, with the same
//     arguments (PostgreSQL's moving-aggregate mode guarantees exactly that).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fe {
namespace agg {

// ------------------------------------------------------------------ ordering
// A total order on doubles: -0.0 == 0.0, NaN equal to NaN and greater than
// everything (PostgreSQL's float ordering).
struct DoubleLess {
    bool operator()(double a, double b) const noexcept
    {
        if (std::isnan(a))
            return false;
        if (std::isnan(b))
            return true;
        return a < b;
    }
};

template <typename K>
struct KeyLess {
    bool operator()(const K &a, const K &b) const noexcept { return a < b; }
};
template <>
struct KeyLess<double> : DoubleLess {};

template <typename K>
inline int key_cmp(const K &a, const K &b) noexcept
{
    KeyLess<K> lt;
    return lt(a, b) ? -1 : (lt(b, a) ? 1 : 0);
}

// Canonical form of a double key (so that equal keys hash equal).
inline double canonical_key(double d) noexcept
{
    if (std::isnan(d))
        return std::nan("");
    return d == 0.0 ? 0.0 : d;
}
inline int64_t canonical_key(int64_t v) noexcept { return v; }
inline const std::string &canonical_key(const std::string &s) noexcept { return s; }
// Text keys the JIT's native kernels keep as views of the rows they read
// (valid for one kernel call): the same bytes, order and equality as std::string.
inline std::string_view canonical_key(std::string_view s) noexcept { return s; }

// ------------------------------------------------------------------ ring buffer
// A growable FIFO ring (power-of-two capacity): push_back / pop_front / index.
template <typename T>
class Ring {
public:
    Ring() = default;
    size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    T &operator[](size_t i) noexcept { return buf_[(head_ + i) & (buf_.size() - 1)]; }
    const T &operator[](size_t i) const noexcept { return buf_[(head_ + i) & (buf_.size() - 1)]; }
    T &front() noexcept { return (*this)[0]; }
    T &back() noexcept { return (*this)[size_ - 1]; }
    const T &front() const noexcept { return (*this)[0]; }
    const T &back() const noexcept { return (*this)[size_ - 1]; }
    void push_back(T v)
    {
        if (size_ == buf_.size())
            grow();
        (*this)[size_] = std::move(v);
        size_++;
    }
    void pop_front() noexcept
    {
        (*this)[0] = T();
        head_ = (head_ + 1) & (buf_.size() - 1);
        size_--;
    }
    void pop_back() noexcept
    {
        (*this)[size_ - 1] = T();
        size_--;
    }
    void clear() noexcept
    {
        buf_.clear();
        head_ = size_ = 0;
    }

private:
    void grow()
    {
        std::vector<T> nb(buf_.empty() ? 8 : buf_.size() * 2);
        for (size_t i = 0; i < size_; i++)
            nb[i] = std::move((*this)[i]);
        buf_.swap(nb);
        head_ = 0;
    }
    std::vector<T> buf_;
    size_t head_ = 0;
    size_t size_ = 0;
};

// ------------------------------------------------------------------ exact sums
// Exact sum of doubles in a fixed-point accumulator covering the whole double
// range (bit i has weight 2^(i-1074)).  add/sub are exact, so the rounded
// result does not depend on the order of additions or on interleaved
// removals: sliding windows, request mode and batch mode agree bit for bit.
class ExactSum {
public:
    void add(double x) noexcept { accumulate(x, 1); }
    void sub(double x) noexcept { accumulate(x, -1); }
    void merge(const ExactSum &o) noexcept;
    // The exact sum rounded to the nearest double (ties to even).
    double value() const noexcept;
    void clear() noexcept { *this = ExactSum(); }

    static constexpr int kChunks = 68;
    // value() of a state kept outside this class (the JIT's generated code):
    // chunks[j] holds bits 32j..32j+31 of the fixed-point sum, with carries
    // and any sign; the counts are those of +inf, -inf and NaN added.
    static double value_of(const int64_t *chunks, int64_t pos_inf, int64_t neg_inf, int64_t nan) noexcept;

private:
    void accumulate(double x, int sign) noexcept;
    void normalize() noexcept;
    int64_t chunk_[kChunks] = {};
    int64_t ops_ = 0;
    int64_t pos_inf_ = 0, neg_inf_ = 0, nan_ = 0;
};

// Sum of integers without overflow for any realistic window.
using Int128 = __int128;

// ------------------------------------------------------------------ formatting
enum class LogicalType : uint8_t {
    kBool,
    kInt16,
    kInt32,
    kInt64,
    kFloat,
    kDouble,
    kDate,
    kTimestamp,    // timestamp without time zone: formatted as stored
    kTimestampTz,  // an instant: formatted in the caller's time zone
    kString,
};

// How keys and values become text in string results ("k:v,k:v", "a,b,c").
// Integers print in decimal, floating values as printf("%f") (OpenMLDB),
// dates as YYYY-MM-DD, timestamps as YYYY-MM-DD HH:MM:SS.
struct Formatter {
    LogicalType key_type = LogicalType::kInt64;
    // Converts an instant (us since 1970 UTC) to local wall-clock us; null = UTC.
    int64_t (*to_local)(int64_t utc_us, void *ctx) = nullptr;
    void *ctx = nullptr;

    void key(std::string &out, int64_t k) const;
    void key(std::string &out, double k) const { append_double(out, k); }
    void key(std::string &out, const std::string &k) const { out += k; }

    static void append_int(std::string &out, int64_t v);
    static void append_int128(std::string &out, Int128 v);
    static void append_double(std::string &out, double v);  // "%f"
    static void append_date(std::string &out, int64_t days);
    static void append_timestamp(std::string &out, int64_t us);
};

// OpenMLDB caps "k:v" list outputs at 4096 bytes, dropping whole entries.
inline constexpr size_t kMaxCateOutput = 4096;

// ------------------------------------------------------------------ strings
// Splits s at every occurrence of delim (an empty delimiter yields nothing);
// empty segments are kept: "a,,b," -> ["a", "", "b", ""].
void split_all(const std::string &s, const std::string &delim, std::vector<std::string> &out);
// Each segment that contains kv_delim contributes its key (text before the
// first kv_delim).
void split_keys(const std::string &s, const std::string &delim, const std::string &kv_delim,
                std::vector<std::string> &out);
// Each segment that contains kv_delim contributes its value (text between the
// first and the second kv_delim, or to the end of the segment).
void split_values(const std::string &s, const std::string &delim, const std::string &kv_delim,
                  std::vector<std::string> &out);

}  // namespace agg
}  // namespace fe
