// feature_ext aggregate kernels: exact sums, formatting, string splitting.
#include "feature_ext/agg/common.hpp"

#include <cinttypes>
#include <cstdio>

namespace fe {
namespace agg {

// ------------------------------------------------------------------ ExactSum
void ExactSum::accumulate(double x, int sign) noexcept
{
    if (!std::isfinite(x)) {
        if (std::isnan(x))
            nan_ += sign;
        else if (x > 0)
            pos_inf_ += sign;
        else
            neg_inf_ += sign;
        return;
    }
    if (x == 0.0)
        return;
    int exp;
    double m = std::frexp(x, &exp);  // x = m * 2^exp, 0.5 <= |m| < 1
    int64_t mi = static_cast<int64_t>(std::ldexp(m, 53));
    if (mi < 0) {
        mi = -mi;
        sign = -sign;
    }
    uint64_t mag = static_cast<uint64_t>(mi);
    int pos = exp - 53 + 1074;  // weight of the lowest mantissa bit
    if (pos < 0) {              // subnormal: the dropped bits are zero
        mag >>= -pos;
        pos = 0;
    }
    int idx = pos / 32, sh = pos % 32;
    unsigned __int128 v = static_cast<unsigned __int128>(mag) << sh;
    int64_t c0 = static_cast<int64_t>(static_cast<uint64_t>(v) & 0xFFFFFFFFu);
    int64_t c1 = static_cast<int64_t>(static_cast<uint64_t>(v >> 32) & 0xFFFFFFFFu);
    int64_t c2 = static_cast<int64_t>(static_cast<uint64_t>(v >> 64));
    chunk_[idx] += sign * c0;
    chunk_[idx + 1] += sign * c1;
    chunk_[idx + 2] += sign * c2;
    if (++ops_ >= (int64_t(1) << 30))
        normalize();
}

void ExactSum::normalize() noexcept
{
    for (int i = 0; i < kChunks - 1; i++) {
        int64_t carry = chunk_[i] >> 32;  // floor division by 2^32
        chunk_[i] -= carry * (int64_t(1) << 32);
        chunk_[i + 1] += carry;
    }
    ops_ = 0;
}

void ExactSum::merge(const ExactSum &o) noexcept
{
    ExactSum b = o;
    b.normalize();
    normalize();
    for (int i = 0; i < kChunks; i++)
        chunk_[i] += b.chunk_[i];
    normalize();
    pos_inf_ += o.pos_inf_;
    neg_inf_ += o.neg_inf_;
    nan_ += o.nan_;
}

static int bitlen128(unsigned __int128 v)
{
    int n = 0;
    while (v) {
        v >>= 1;
        n++;
    }
    return n;
}

double ExactSum::value() const noexcept
{
    if (nan_ > 0 || (pos_inf_ > 0 && neg_inf_ > 0))
        return std::nan("");
    if (pos_inf_ > 0)
        return HUGE_VAL;
    if (neg_inf_ > 0)
        return -HUGE_VAL;
    ExactSum a = *this;
    a.normalize();
    bool negative = a.chunk_[kChunks - 1] < 0;
    if (negative) {
        for (int i = 0; i < kChunks; i++)
            a.chunk_[i] = -a.chunk_[i];
        a.normalize();
    }
    int h = kChunks - 1;
    while (h >= 0 && a.chunk_[h] == 0)
        h--;
    if (h < 0)
        return 0.0;
    unsigned __int128 acc = 0;
    bool sticky = false;
    int lo = h - 2;
    for (int i = h; i >= lo; i--)
        acc = (acc << 32) | static_cast<uint64_t>(i >= 0 ? a.chunk_[i] : 0);
    for (int i = lo - 1; i >= 0; i--)
        sticky |= a.chunk_[i] != 0;
    int exponent = lo * 32 - 1074;
    int len = bitlen128(acc);
    if (len > 64) {
        int s = len - 64;
        sticky |= (acc & ((static_cast<unsigned __int128>(1) << s) - 1)) != 0;
        acc >>= s;
        exponent += s;
    }
    uint64_t top = static_cast<uint64_t>(acc);
    int l2 = bitlen128(top);
    uint64_t mant = top;
    if (l2 > 53) {
        int drop = l2 - 53;
        mant = top >> drop;
        uint64_t rem = top & ((uint64_t(1) << drop) - 1);
        uint64_t half = uint64_t(1) << (drop - 1);
        if (rem > half || (rem == half && (sticky || (mant & 1))))
            mant++;
        exponent += drop;
    }
    double r = std::ldexp(static_cast<double>(mant), exponent);
    return negative ? -r : r;
}

double ExactSum::value_of(const int64_t *chunks, int64_t pos_inf, int64_t neg_inf, int64_t nan) noexcept
{
    ExactSum a;
    std::memcpy(a.chunk_, chunks, sizeof(a.chunk_));
    a.pos_inf_ = pos_inf;
    a.neg_inf_ = neg_inf;
    a.nan_ = nan;
    return a.value();
}

// ------------------------------------------------------------------ Formatter
void Formatter::append_int(std::string &out, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    out.append(buf, n);
}

void Formatter::append_int128(std::string &out, Int128 v)
{
    if (v >= INT64_MIN && v <= INT64_MAX) {
        append_int(out, static_cast<int64_t>(v));
        return;
    }
    bool neg = v < 0;
    unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
    char buf[48];
    int i = sizeof(buf);
    while (u) {
        buf[--i] = static_cast<char>('0' + static_cast<int>(u % 10));
        u /= 10;
    }
    if (neg)
        buf[--i] = '-';
    out.append(buf + i, sizeof(buf) - i);
}

void Formatter::append_double(std::string &out, double v)
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "%f", v);
    if (n >= static_cast<int>(sizeof(buf))) {
        std::string big(n + 1, '\0');
        snprintf(&big[0], big.size(), "%f", v);
        big.resize(n);
        out += big;
    } else {
        out.append(buf, n);
    }
}

// days since 1970-01-01 -> civil date (proleptic Gregorian)
static void civil_from_days(int64_t z, int64_t &y, unsigned &m, unsigned &d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += (m <= 2);
}

void Formatter::append_date(std::string &out, int64_t days)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    char buf[48];
    int n = snprintf(buf, sizeof(buf), "%04" PRId64 "-%02u-%02u", y, m, d);
    out.append(buf, n);
}

void Formatter::append_timestamp(std::string &out, int64_t us)
{
    const int64_t per_day = INT64_C(86400000000);
    int64_t days = us / per_day, rem = us % per_day;
    if (rem < 0) {
        rem += per_day;
        days--;
    }
    int64_t secs = rem / 1000000;
    append_date(out, days);
    char buf[16];
    int n = snprintf(buf, sizeof(buf), " %02d:%02d:%02d", static_cast<int>(secs / 3600),
                     static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
    out.append(buf, n);
}

void Formatter::key(std::string &out, int64_t k) const
{
    switch (key_type) {
    case LogicalType::kBool:
        out += k ? "true" : "false";
        break;
    case LogicalType::kDate:
        append_date(out, k);
        break;
    case LogicalType::kTimestamp:
        append_timestamp(out, k);
        break;
    case LogicalType::kTimestampTz:
        append_timestamp(out, to_local ? to_local(k, ctx) : k);
        break;
    default:
        append_int(out, k);
        break;
    }
}

// ------------------------------------------------------------------ splitting
template <typename F>
static void for_each_segment(const std::string &s, const std::string &delim, F &&f)
{
    if (delim.empty())
        return;
    size_t begin = 0;
    for (;;) {
        size_t p = s.find(delim, begin);
        if (p == std::string::npos) {
            f(begin, s.size());
            return;
        }
        f(begin, p);
        begin = p + delim.size();
    }
}

void split_all(const std::string &s, const std::string &delim, std::vector<std::string> &out)
{
    for_each_segment(s, delim, [&](size_t b, size_t e) { out.emplace_back(s, b, e - b); });
}

void split_keys(const std::string &s, const std::string &delim, const std::string &kv_delim,
                std::vector<std::string> &out)
{
    if (kv_delim.empty())
        return;
    for_each_segment(s, delim, [&](size_t b, size_t e) {
        size_t p = s.find(kv_delim, b);
        if (p != std::string::npos && p + kv_delim.size() <= e)
            out.emplace_back(s, b, p - b);
    });
}

void split_values(const std::string &s, const std::string &delim, const std::string &kv_delim,
                  std::vector<std::string> &out)
{
    if (kv_delim.empty())
        return;
    for_each_segment(s, delim, [&](size_t b, size_t e) {
        size_t p = s.find(kv_delim, b);
        if (p == std::string::npos || p + kv_delim.size() > e)
            return;
        size_t vb = p + kv_delim.size();
        size_t q = s.find(kv_delim, vb);
        size_t ve = (q != std::string::npos && q + kv_delim.size() <= e) ? q : e;
        out.emplace_back(s, vb, ve - vb);
    });
}

}  // namespace agg
}  // namespace fe
