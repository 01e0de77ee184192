// Unit tests of the deploy JIT (src/jit): compiled group kernels against a
// straightforward reference evaluator of the same spec, on random rows,
// frames, expressions and aggregates, plus hand-written PostgreSQL semantics
// cases (NaN ordering, overflow errors, three-valued logic).  No server.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <set>

#include "feature_ext/agg/common.hpp"
#include "feature_ext/agg/kernels.hpp"
#include "feature_ext/jit/jit.hpp"
#include "feature_ext/jit/native.hpp"

using namespace fe::jit;

namespace {

// Test row layout: null bitmap (1 byte), fixed: f8 @1, i32 @9, i64 @13, i16 @21, bool @23, f4 @24;
// var: text.
constexpr int kFixedEnd = 28;
struct TRow {
    double f8;
    int32_t i32;
    int64_t i64;
    int16_t i16;
    bool bo;
    std::string txt;
    uint8_t nulls;  // bit 0 f8, 1 i32, 2 i64, 3 i16, 4 bool, 5 text, 6 f4
    float f4 = 0;
    std::vector<uint8_t> bytes;
    void encode()
    {
        bytes.assign(kFixedEnd, 0);
        bytes[0] = nulls;
        if (!(nulls & 1)) memcpy(&bytes[1], &f8, 8);
        if (!(nulls & 2)) memcpy(&bytes[9], &i32, 4);
        if (!(nulls & 4)) memcpy(&bytes[13], &i64, 8);
        if (!(nulls & 8)) memcpy(&bytes[21], &i16, 2);
        if (!(nulls & 16)) bytes[23] = bo;
        if (!(nulls & 64)) memcpy(&bytes[24], &f4, 4);
        if (!(nulls & 32)) {
            uint16_t l = uint16_t(txt.size());
            bytes.push_back(uint8_t(l & 0xff));
            bytes.push_back(uint8_t(l >> 8));
            bytes.insert(bytes.end(), txt.begin(), txt.end());
        }
    }
};

std::vector<ColSpec> test_cols()
{
    std::vector<ColSpec> c(8);
    c[0].src = ColSpec::kFixed; c[0].ty = Ty::kF64; c[0].null_bit = 0; c[0].offset = 1;
    c[1].src = ColSpec::kFixed; c[1].ty = Ty::kI32; c[1].null_bit = 1; c[1].offset = 9;
    c[2].src = ColSpec::kFixed; c[2].ty = Ty::kI64; c[2].null_bit = 2; c[2].offset = 13;
    c[3].src = ColSpec::kFixed; c[3].ty = Ty::kI16; c[3].null_bit = 3; c[3].offset = 21;
    c[4].src = ColSpec::kFixed; c[4].ty = Ty::kBool; c[4].null_bit = 4; c[4].offset = 23;
    c[5].src = ColSpec::kVar; c[5].ty = Ty::kText; c[5].null_bit = 5; c[5].offset = kFixedEnd;
    c[6].src = ColSpec::kOrder; c[6].ty = Ty::kI64;
    c[7].src = ColSpec::kFixed; c[7].ty = Ty::kF32; c[7].null_bit = 6; c[7].offset = 24;
    return c;
}

// ---------------------------------------------------------------- reference

struct RV {
    bool null = true;
    Ty ty = Ty::kI64;
    int64_t i = 0;
    double f = 0;
    std::string s;
};

struct Ref {
    const GroupSpec &g;
    std::set<int> *errs;
    bool failed = false;
    void fail(int code)
    {
        errs->insert(code);
        failed = true;
    }
    static bool f_lt(double a, double b) { return !std::isnan(a) && (std::isnan(b) || a < b); }
    static bool f_gt(double a, double b) { return !std::isnan(b) && (std::isnan(a) || a > b); }
    static bool f_eq(double a, double b) { return std::isnan(a) ? std::isnan(b) : !std::isnan(b) && a == b; }

    RV col(int c, const TRow &r, int64_t ord)
    {
        RV v;
        v.ty = g.cols[size_t(c)].ty;
        switch (c) {
        case 0: v.null = r.nulls & 1; v.f = r.f8; break;
        case 1: v.null = r.nulls & 2; v.i = r.i32; break;
        case 2: v.null = r.nulls & 4; v.i = r.i64; break;
        case 3: v.null = r.nulls & 8; v.i = r.i16; break;
        case 4: v.null = r.nulls & 16; v.i = r.bo; break;
        case 5: v.null = r.nulls & 32; v.s = r.txt; break;
        case 7: v.null = r.nulls & 64; v.f = r.f4; break;
        default: v.null = false; v.i = ord; break;
        }
        return v;
    }
    int range_err(Ty t) { return t == Ty::kI16 ? kErrInt2Range : t == Ty::kI32 ? kErrInt4Range : kErrInt8Range; }
    bool fits(Ty t, __int128 v)
    {
        int bits = t == Ty::kI16 ? 16 : t == Ty::kI32 ? 32 : 64;
        __int128 lo = -(__int128(1) << (bits - 1)), hi = (__int128(1) << (bits - 1)) - 1;
        return v >= lo && v <= hi;
    }
    // Returns false on error (recorded).
    bool eval(int i, const TRow &r, int64_t ord, RV *out)
    {
        const ExprSpec &e = g.exprs[size_t(i)];
        RV v;
        v.ty = e.ty;
        switch (e.op) {
        case Op::kCol: *out = col(e.col, r, ord); return true;
        case Op::kConst:
            v.null = e.null; v.i = e.ival; v.f = e.ty == Ty::kF32 ? double(float(e.fval)) : e.fval; v.s = e.sval;
            *out = v;
            return true;
        case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: case Op::kMod: {
            RV a, b;
            if (!eval(e.args[0], r, ord, &a) || !eval(e.args[1], r, ord, &b)) return false;
            if (a.null || b.null) { *out = v; return true; }
            v.null = false;
            if (e.ty == Ty::kF32) {  // float4pl .. float4div in float4 arithmetic
                float x = float(a.f), y = float(b.f), s = 0;
                switch (e.op) {
                case Op::kAdd: s = x + y; if (std::isinf(s) && !std::isinf(x) && !std::isinf(y)) { fail(kErrFloatOverflow); return false; } break;
                case Op::kSub: s = x - y; if (std::isinf(s) && !std::isinf(x) && !std::isinf(y)) { fail(kErrFloatOverflow); return false; } break;
                case Op::kMul:
                    s = x * y;
                    if (std::isinf(s) && !std::isinf(x) && !std::isinf(y)) { fail(kErrFloatOverflow); return false; }
                    if (s == 0.0f && x != 0.0f && y != 0.0f) { fail(kErrFloatUnderflow); return false; }
                    break;
                default:
                    if (y == 0.0f && !std::isnan(x)) { fail(kErrDivByZero); return false; }
                    s = x / y;
                    if (std::isinf(s) && !std::isinf(x)) { fail(kErrFloatOverflow); return false; }
                    if (s == 0.0f && x != 0.0f && !std::isinf(y)) { fail(kErrFloatUnderflow); return false; }
                    break;
                }
                v.f = s;
            } else if (e.ty == Ty::kF64) {
                double x = a.f, y = b.f, s = 0;
                switch (e.op) {
                case Op::kAdd: s = x + y; if (std::isinf(s) && !std::isinf(x) && !std::isinf(y)) { fail(kErrFloatOverflow); return false; } break;
                case Op::kSub: s = x - y; if (std::isinf(s) && !std::isinf(x) && !std::isinf(y)) { fail(kErrFloatOverflow); return false; } break;
                case Op::kMul:
                    s = x * y;
                    if (std::isinf(s) && !std::isinf(x) && !std::isinf(y)) { fail(kErrFloatOverflow); return false; }
                    if (s == 0.0 && x != 0.0 && y != 0.0) { fail(kErrFloatUnderflow); return false; }
                    break;
                default:
                    if (y == 0.0 && !std::isnan(x)) { fail(kErrDivByZero); return false; }
                    s = x / y;
                    if (std::isinf(s) && !std::isinf(x)) { fail(kErrFloatOverflow); return false; }
                    if (s == 0.0 && x != 0.0 && !std::isinf(y)) { fail(kErrFloatUnderflow); return false; }
                    break;
                }
                v.f = s;
            } else {
                __int128 x = a.i, y = b.i, s = 0;
                switch (e.op) {
                case Op::kAdd: s = x + y; break;
                case Op::kSub: s = x - y; break;
                case Op::kMul: s = x * y; break;
                case Op::kDiv: if (y == 0) { fail(kErrDivByZero); return false; } s = x / y; break;
                default: if (y == 0) { fail(kErrDivByZero); return false; } s = y == -1 ? 0 : x % y; break;
                }
                if (!fits(e.ty, s)) { fail(range_err(e.ty)); return false; }
                v.i = int64_t(s);
            }
            *out = v;
            return true;
        }
        case Op::kNeg: {
            RV a;
            if (!eval(e.args[0], r, ord, &a)) return false;
            v.null = a.null;
            if (!a.null) {
                if (e.ty == Ty::kF64 || e.ty == Ty::kF32) v.f = -a.f;
                else {
                    if (!fits(e.ty, -__int128(a.i))) { fail(range_err(e.ty)); return false; }
                    v.i = -a.i;
                }
            }
            *out = v;
            return true;
        }
        case Op::kEq: case Op::kNe: case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: {
            RV a, b;
            if (!eval(e.args[0], r, ord, &a) || !eval(e.args[1], r, ord, &b)) return false;
            v.ty = Ty::kBool;
            if (a.null || b.null) { *out = v; return true; }
            v.null = false;
            int c;  // -1, 0, 1
            Ty t = g.exprs[size_t(e.args[0])].ty;
            if (t == Ty::kF64 || t == Ty::kF32) c = f_eq(a.f, b.f) ? 0 : f_lt(a.f, b.f) ? -1 : 1;
            else if (t == Ty::kText) c = a.s == b.s ? 0 : 1;  // only = and <> are generated
            else c = a.i == b.i ? 0 : a.i < b.i ? -1 : 1;
            switch (e.op) {
            case Op::kEq: v.i = c == 0; break;
            case Op::kNe: v.i = c != 0; break;
            case Op::kLt: v.i = c < 0; break;
            case Op::kLe: v.i = c <= 0; break;
            case Op::kGt: v.i = c > 0; break;
            default: v.i = c >= 0; break;
            }
            *out = v;
            return true;
        }
        case Op::kNot: {
            RV a;
            if (!eval(e.args[0], r, ord, &a)) return false;
            v.null = a.null; v.i = !a.i;
            *out = v;
            return true;
        }
        case Op::kIsNull: case Op::kIsNotNull: {
            RV a;
            if (!eval(e.args[0], r, ord, &a)) return false;
            v.null = false; v.i = (e.op == Op::kIsNull) == a.null;
            *out = v;
            return true;
        }
        case Op::kCast: {
            RV a;
            if (!eval(e.args[0], r, ord, &a)) return false;
            v.null = a.null;
            Ty from = g.exprs[size_t(e.args[0])].ty;
            if (!a.null) {
                if (e.ty == Ty::kF64 && from == Ty::kF32) v.f = a.f;  // ftod
                else if (e.ty == Ty::kF32 && from == Ty::kF64) {     // dtof
                    float x = float(a.f);
                    if (std::isinf(x) && !std::isinf(a.f)) { fail(kErrFloatOverflow); return false; }
                    if (x == 0.0f && a.f != 0.0) { fail(kErrFloatUnderflow); return false; }
                    v.f = x;
                } else if (e.ty == Ty::kF32) v.f = float(a.i);
                else if (e.ty == Ty::kF64) v.f = double(a.i);
                else {
                    if (!fits(e.ty, a.i)) { fail(range_err(e.ty)); return false; }
                    v.i = a.i;
                }
            }
            *out = v;
            return true;
        }
        case Op::kAnd: case Op::kOr: {
            bool is_and = e.op == Op::kAnd, any_null = false;
            for (int32_t k : e.args) {
                RV a;
                if (!eval(k, r, ord, &a)) return false;
                if (a.null) { any_null = true; continue; }
                if (bool(a.i) != is_and) { v.null = false; v.i = !is_and; *out = v; return true; }
            }
            v.null = any_null; v.i = is_and;
            *out = v;
            return true;
        }
        default: return false;
        }
    }
};

struct Case {
    GroupSpec g;
    std::vector<TRow> rows;  // newest first
    TRow req;
    std::vector<int64_t> order;
    int64_t req_order;
    std::vector<KFrame> frames;
};

bool one_agg(Ref &ref, const Case &c, const AggSpec &a, std::vector<uint64_t> &out, std::vector<uint8_t> &outn);

// feature_ext's map / list aggregates over one frame: the kernel classes the
// interpreter's transition functions use (std::string keys for text), fed
// the reference's values.
struct NativeRef {
    fe::agg::DistinctCount<int64_t> di;
    fe::agg::DistinctCount<double> df;
    fe::agg::DistinctCount<std::string> ds;
    fe::agg::Entropy<int64_t> ei;
    fe::agg::Entropy<double> ef;
    fe::agg::Entropy<std::string> es;
    fe::agg::Top1Ratio<int64_t> ti;
    fe::agg::Top1Ratio<double> tf;
    fe::agg::Top1Ratio<std::string> ts;
    fe::agg::Median median;
    fe::agg::EwAvg ew;
    fe::agg::Drawdown dd;
    void add(AggKind k, const RV &v, const RV &alpha)
    {
        bool fl = v.ty == Ty::kF64 || v.ty == Ty::kF32, tx = v.ty == Ty::kText;
        switch (k) {
        case AggKind::kDistinctCount:
            if (tx) ds.add(v.null, v.s); else if (fl) df.add(v.null, v.f); else di.add(v.null, v.i);
            break;
        case AggKind::kEntropy:
            if (tx) es.add(v.null, v.s); else if (fl) ef.add(v.null, v.f); else ei.add(v.null, v.i);
            break;
        case AggKind::kTop1Ratio:
            if (tx) ts.add(v.null, v.s); else if (fl) tf.add(v.null, v.f); else ti.add(v.null, v.i);
            break;
        case AggKind::kMedian: median.add(v.null, v.f); break;
        case AggKind::kEwAvg: ew.add(v.null, v.f, alpha.null, alpha.f); break;
        default: dd.add(v.null, v.f); break;
        }
    }
    void result(AggKind k, Ty t, uint64_t *w, bool *isnull) const
    {
        bool fl = t == Ty::kF64 || t == Ty::kF32, tx = t == Ty::kText;
        double d = 0;
        *isnull = false;
        switch (k) {
        case AggKind::kDistinctCount:
            *w = uint64_t(tx ? ds.result() : fl ? df.result() : di.result());
            return;
        case AggKind::kEntropy:
            *isnull = !(tx ? es.has_result() : fl ? ef.has_result() : ei.has_result());
            if (!*isnull) d = tx ? es.result() : fl ? ef.result() : ei.result();
            break;
        case AggKind::kTop1Ratio: d = tx ? ts.result() : fl ? tf.result() : ti.result(); break;
        case AggKind::kMedian: *isnull = !median.has_result(); if (!*isnull) d = median.result(); break;
        case AggKind::kEwAvg: *isnull = !ew.has_result(); if (!*isnull) d = ew.result(); break;
        default: *isnull = !dd.has_result(); if (!*isnull) d = dd.result(); break;
        }
        memcpy(w, &d, 8);
        if (*isnull) *w = 0;
    }
};

// Float4GetDatum: the bits, sign-extended from 32.
uint64_t f4_word(float f)
{
    int32_t b;
    memcpy(&b, &f, 4);
    return uint64_t(int64_t(b));
}

// Reference results; returns false if an error was recorded.
bool reference(const Case &c, std::vector<uint64_t> &out, std::vector<uint8_t> &outn, std::set<int> &errs,
               int *failed_out = nullptr)
{
    out.assign(c.g.aggs.size(), 0);
    outn.assign(c.g.aggs.size(), 1);
    // The error is that of the first failing aggregate in spec order (the
    // interpreter's order: aggregate by aggregate, each over its rows).
    // kNeedInterpreter in errs: some avg(float8) frame the kernel hands over.
    bool all_ok = true, defer = false;
    for (const AggSpec &a : c.g.aggs) {
        std::set<int> mine;
        Ref ref{c.g, &mine};
        bool ok = one_agg(ref, c, a, out, outn);
        defer |= mine.erase(kNeedInterpreter) > 0;
        if (!ok && all_ok) {
            all_ok = false;
            errs = mine;
            if (failed_out) *failed_out = a.out;
        }
    }
    if (defer)
        errs.insert(kNeedInterpreter);
    return all_ok;
}

bool one_agg(Ref &ref, const Case &c, const AggSpec &a, std::vector<uint64_t> &out, std::vector<uint8_t> &outn)
{
    int n = int(c.rows.size());
    {
        const KFrame &f = c.frames[size_t(a.window)];
        int64_t cnt = 0, istate = 0;
        __int128 wsum = 0;
        fe::agg::ExactSum xsum;
        double fs = 0, sx = 0, sxx = 0;
        float f4 = 0;
        bool have = false;
        NativeRef nat;
        for (int pos = std::max(f.from, 0); pos <= std::min(f.to, n); pos++) {
            bool is_req = pos == n;
            if (is_req && (f.flags & kSkipRequest)) continue;
            if (!is_req && (f.flags & kSkipPeers) && pos >= f.peers_from) continue;
            const TRow &r = is_req ? c.req : c.rows[size_t(n - 1 - pos)];
            int64_t ord = is_req ? c.req_order : c.order[size_t(n - 1 - pos)];
            if (a.filter >= 0) {
                RV fv;
                if (!ref.eval(a.filter, r, ord, &fv)) return false;
                if (fv.null || !fv.i) continue;
            }
            if (a.kind == AggKind::kCountStar) { cnt++; continue; }
            RV v;
            if (!ref.eval(a.arg, r, ord, &v)) return false;
            if (a.kind >= AggKind::kDistinctCount) {  // the library's kernels, as the interpreter runs them
                RV alpha;
                if (a.kind == AggKind::kEwAvg && !ref.eval(a.arg2, r, ord, &alpha)) return false;
                nat.add(a.kind, v, alpha);
                continue;
            }
            if (v.null) continue;
            switch (a.kind) {
            case AggKind::kCount: cnt++; break;
            case AggKind::kSumInt: istate = have ? istate + v.i : v.i; break;
            case AggKind::kSumWhereInt: case AggKind::kAvgWhereInt: wsum += v.i; cnt++; break;
            case AggKind::kSumWhereF8: case AggKind::kAvgWhereF8: xsum.add(v.f); cnt++; break;
            case AggKind::kMaxInt: istate = have && istate > v.i ? istate : v.i; break;
            case AggKind::kMinInt: istate = have && istate < v.i ? istate : v.i; break;
            case AggKind::kSumF8: {
                if (have) {
                    double s = fs + v.f;
                    if (std::isinf(s) && !std::isinf(fs) && !std::isinf(v.f)) { ref.fail(kErrFloatOverflow); return false; }
                    fs = s;
                } else fs = v.f;
                break;
            }
            case AggKind::kSumF4: {  // float4pl
                float x = float(v.f);
                if (have) {
                    float s = f4 + x;
                    if (std::isinf(s) && !std::isinf(f4) && !std::isinf(x)) { ref.fail(kErrFloatOverflow); return false; }
                    f4 = s;
                } else f4 = x;
                break;
            }
            case AggKind::kVarSampF8: case AggKind::kVarPopF8: case AggKind::kStddevSampF8:
            case AggKind::kStddevPopF8: case AggKind::kAvgAccF8: {  // float8_accum, as PostgreSQL writes it
                double N = double(cnt), Sx = sx, Sxx = sxx, newval = v.f;
                N += 1.0;
                Sx += newval;
                if (double(cnt) > 0.0) {
                    double tmp = newval * N - Sx;
                    Sxx += tmp * tmp / (N * double(cnt));
                    if (std::isinf(Sx) || std::isinf(Sxx)) {
                        if (!std::isinf(sx) && !std::isinf(newval)) { ref.fail(kErrFloatOverflow); return false; }
                        Sxx = std::nan("");
                    }
                } else if (std::isnan(newval) || std::isinf(newval))
                    Sxx = std::nan("");
                cnt++;
                sx = Sx;
                sxx = Sxx;
                break;
            }
            case AggKind::kMaxF8: fs = have && Ref::f_gt(fs, v.f) ? fs : v.f; break;
            case AggKind::kMinF8: fs = have && Ref::f_lt(fs, v.f) ? fs : v.f; break;
            case AggKind::kAvgF8: {
                // the kernel leaves frames with such values to the interpreter
                if (!(std::fabs(v.f) <= 1e100))
                    ref.errs->insert(kNeedInterpreter);
                double n0 = double(cnt);
                cnt++;
                double N = double(cnt), oldsx = sx;
                sx += v.f;
                if (n0 > 0) {
                    double tmp = v.f * N - sx;
                    sxx += tmp * tmp / (N * n0);
                    if (std::isinf(sx) || std::isinf(sxx)) {
                        if (!std::isinf(oldsx) && !std::isinf(v.f)) { ref.fail(kErrFloatOverflow); return false; }
                        sxx = std::nan("");
                    }
                } else if (std::isnan(v.f) || std::isinf(v.f)) sxx = std::nan("");
                break;
            }
            default: break;
            }
            have = true;
        }
        uint64_t w = 0;
        bool isnull = true;
        if (a.kind >= AggKind::kDistinctCount)
            nat.result(a.kind, c.g.exprs[size_t(a.arg)].ty, &w, &isnull);
        switch (a.kind) {
        case AggKind::kCountStar: case AggKind::kCount: w = uint64_t(cnt); isnull = false; break;
        case AggKind::kSumInt: case AggKind::kMaxInt: case AggKind::kMinInt: w = uint64_t(istate); isnull = !have; break;
        case AggKind::kSumWhereInt: {
            // feature_ext's sum_where: the exact sum in the argument's type
            __int128 lim = a.arg_ty == Ty::kI16 ? 32767 : a.arg_ty == Ty::kI32 ? 2147483647 : INT64_MAX;
            if (have && (wsum > lim || wsum < -lim - 1)) {
                ref.fail(a.arg_ty == Ty::kI16 ? kErrInt2Range : a.arg_ty == Ty::kI32 ? kErrInt4Range : kErrInt8Range);
                return false;
            }
            w = uint64_t(int64_t(wsum));
            isnull = !have;
            break;
        }
        case AggKind::kAvgWhereInt: {
            double avg = cnt ? static_cast<double>(wsum) / double(cnt) : 0;
            memcpy(&w, &avg, 8);
            isnull = cnt == 0;
            break;
        }
        case AggKind::kSumF8: memcpy(&w, &fs, 8); isnull = !have; break;
        case AggKind::kMaxF8: case AggKind::kMinF8:
            if (a.arg_ty == Ty::kF32) w = f4_word(float(fs));
            else memcpy(&w, &fs, 8);
            isnull = !have;
            break;
        case AggKind::kSumF4: w = f4_word(f4); isnull = !have; break;
        case AggKind::kAvgAccF8: {  // float8_avg
            double x = sx / double(cnt);
            memcpy(&w, &x, 8);
            isnull = cnt == 0;
            break;
        }
        default:  // native kernels: above
            break;
        case AggKind::kVarSampF8: case AggKind::kVarPopF8: case AggKind::kStddevSampF8:
        case AggKind::kStddevPopF8: {  // float8_var_samp .. float8_stddev_pop
            double N = double(cnt), x;
            bool samp = a.kind == AggKind::kVarSampF8 || a.kind == AggKind::kStddevSampF8;
            isnull = samp ? N <= 1.0 : N == 0.0;
            x = samp ? sxx / (N - 1.0) : sxx / N;
            if (a.kind == AggKind::kStddevSampF8 || a.kind == AggKind::kStddevPopF8) x = std::sqrt(x);
            memcpy(&w, &x, 8);
            break;
        }
        case AggKind::kSumWhereF8: case AggKind::kAvgWhereF8: {
            double x = xsum.value();
            if (a.kind == AggKind::kAvgWhereF8) x /= double(cnt);
            memcpy(&w, &x, 8);
            isnull = cnt == 0;
            break;
        }
        case AggKind::kAvgF8: {
            double avg = cnt ? sx / double(cnt) : 0;
            memcpy(&w, &avg, 8);
            isnull = cnt == 0;
            break;
        }
        }
        out[size_t(a.out)] = isnull ? 0 : w;
        outn[size_t(a.out)] = isnull;
    }
    return true;
}

// The kernel of c's spec, compiled and loaded (released by the destructor).
struct Kernel {
    Loaded *l = nullptr;
    GroupFn fn = nullptr;
    double ms = 0;
    explicit Kernel(const GroupSpec &g)
    {
        ModuleSpec m;
        m.groups.push_back(g);
        CompileResult cr = compile(m);
        EXPECT_TRUE(cr.ok) << (cr.error ? cr.error : "");
        if (!cr.ok) return;
        ms = cr.ms;
        char *err = nullptr;
        l = load(cr.object, cr.object_len, 1, &err);
        free_buffer(cr.object);
        EXPECT_NE(l, nullptr) << (err ? err : "");
        fn = l ? group_fn(l, 0) : nullptr;
    }
    ~Kernel() { release(l); }
    // Runs on c's rows and frames; returns the kernel's result (kernel_code, kernel_failed_out).
    int run(const Case &c, std::vector<uint64_t> &out, std::vector<uint8_t> &outn) const
    {
        if (!fn) return -1;
        std::vector<const uint8_t *> ptrs;
        for (auto &r : c.rows) ptrs.push_back(r.bytes.data());
        out.assign(c.g.aggs.size(), 0xdead);
        outn.assign(c.g.aggs.size(), 7);
        return fn(ptrs.data(), c.order.data(), int32_t(c.rows.size()), c.req.bytes.data(), c.req_order,
                  c.frames.data(), nullptr, nullptr, out.data(), outn.data());
    }
};

// Compile + run; returns the kernel's code.
int run_kernel(const Case &c, std::vector<uint64_t> &out, std::vector<uint8_t> &outn, double *compile_ms = nullptr)
{
    Kernel k(c.g);
    if (compile_ms) *compile_ms = k.ms;
    return kernel_code(k.run(c, out, outn));
}

// ---------------------------------------------------------------- random specs

struct Rng {
    std::mt19937_64 g;
    explicit Rng(uint64_t s) : g(s) {}
    int64_t in(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(g); }
    bool p(double x) { return std::uniform_real_distribution<double>(0, 1)(g) < x; }
};

double rand_f8(Rng &r)
{
    switch (r.in(0, 12)) {
    case 0: return std::nan("");
    case 1: return std::numeric_limits<double>::infinity();
    case 2: return -std::numeric_limits<double>::infinity();
    case 3: return 1e300 * (r.p(0.5) ? 1 : -1);
    case 4: return 1e-300;
    case 5: return r.p(0.5) ? 0.0 : -0.0;
    case 6: return std::numeric_limits<double>::max() * (r.p(0.5) ? 1 : -1);
    case 7: return std::numeric_limits<double>::denorm_min() * double(r.in(-5, 5));
    default: return double(r.in(-1000, 1000)) / 8.0;
    }
}

float rand_f4(Rng &r)
{
    switch (r.in(0, 12)) {
    case 0: return std::nanf("");
    case 1: return std::numeric_limits<float>::infinity();
    case 2: return -std::numeric_limits<float>::infinity();
    case 3: return 3e38f * (r.p(0.5) ? 1 : -1);
    case 4: return 1e-38f;
    case 5: return r.p(0.5) ? 0.0f : -0.0f;
    case 6: return std::numeric_limits<float>::max() * (r.p(0.5) ? 1 : -1);
    case 7: return std::numeric_limits<float>::denorm_min() * float(r.in(-5, 5));
    default: return float(r.in(-1000, 1000)) / 8.0f + (r.p(0.3) ? 0.1f : 0.0f);
    }
}

// Any finite double (random sign, mantissa and exponent, subnormals
// included), or now and then a special value.
double rand_wide_f8(Rng &r)
{
    if (r.p(0.03)) return r.p(0.5) ? std::nan("") : -std::nan("");
    if (r.p(0.03)) return std::numeric_limits<double>::infinity() * (r.p(0.5) ? 1 : -1);
    uint64_t bits = uint64_t(r.in(0, (int64_t(1) << 52) - 1)) | (uint64_t(r.in(0, 2046)) << 52);
    if (r.p(0.5)) bits |= uint64_t(1) << 63;
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

TRow rand_row(Rng &r)
{
    TRow t;
    t.nulls = 0;
    for (int b = 0; b < 7; b++)
        if (r.p(0.15)) t.nulls |= uint8_t(1 << b);
    t.f8 = rand_f8(r);
    t.f4 = rand_f4(r);
    t.i32 = r.p(0.05) ? std::numeric_limits<int32_t>::max() - int32_t(r.in(0, 2)) : int32_t(r.in(-50, 50));
    t.i64 = r.p(0.05) ? std::numeric_limits<int64_t>::min() : r.in(-100000, 100000);
    t.i16 = r.p(0.05) ? int16_t(-32768) : int16_t(r.in(-300, 300));
    t.bo = r.p(0.5);
    static const char *words[] = {"", "m1", "m2", "merchant_long_name", "m1 "};
    t.txt = words[r.in(0, 4)];
    t.encode();
    return t;
}

struct ExprGen {
    Rng &r;
    GroupSpec &g;
    int add(ExprSpec e)
    {
        g.exprs.push_back(e);
        return int(g.exprs.size() - 1);
    }
    int leaf(Ty t)
    {
        ExprSpec e;
        e.ty = t;
        if (r.p(0.7)) {
            e.op = Op::kCol;
            switch (t) {
            case Ty::kF64: e.col = 0; break;
            case Ty::kI32: e.col = 1; break;
            case Ty::kI64: e.col = r.p(0.5) ? 2 : 6; break;
            case Ty::kI16: e.col = 3; break;
            case Ty::kBool: e.col = 4; break;
            case Ty::kF32: e.col = 7; break;
            default: e.col = 5; break;
            }
            return add(e);
        }
        e.op = Op::kConst;
        e.null = r.p(0.05);
        switch (t) {
        case Ty::kF64: e.fval = rand_f8(r); break;
        case Ty::kF32: e.fval = double(rand_f4(r)); break;
        case Ty::kText: e.sval = r.p(0.5) ? "m1" : "m2"; break;
        case Ty::kBool: e.ival = r.in(0, 1); break;
        default: e.ival = r.in(-3, 3); break;
        }
        return add(e);
    }
    int num(Ty t, int depth)
    {
        if (depth <= 0 || r.p(0.4)) {
            if (t != Ty::kI16 && r.p(0.2)) {  // widening cast
                ExprSpec c;
                c.op = Op::kCast;
                c.ty = t;
                static const Ty to_float[] = {Ty::kI16, Ty::kI32, Ty::kI64, Ty::kF32};
                Ty from = t == Ty::kF64 ? to_float[r.in(0, 3)]
                          : t == Ty::kF32 ? to_float[r.in(0, 2)] : Ty::kI16;
                c.args = {leaf(from)};
                return add(c);
            }
            return leaf(t);
        }
        ExprSpec e;
        e.ty = t;
        int k = int(r.in(0, 6));
        if (k == 6) {
            e.op = Op::kNeg;
            e.args = {num(t, depth - 1)};
            return add(e);
        }
        if (k == 5 && t != Ty::kF64 && t != Ty::kI64) {  // narrowing cast from int8 (float4: dtof)
            e.op = Op::kCast;
            e.args = {num(t == Ty::kF32 ? Ty::kF64 : Ty::kI64, depth - 1)};
            return add(e);
        }
        static const Op ops[] = {Op::kAdd, Op::kSub, Op::kMul, Op::kDiv, Op::kMod};
        e.op = ops[k % 5];
        if ((t == Ty::kF64 || t == Ty::kF32) && e.op == Op::kMod) e.op = Op::kAdd;
        e.args = {num(t, depth - 1), num(t, depth - 1)};
        return add(e);
    }
    int pred(int depth)
    {
        ExprSpec e;
        e.ty = Ty::kBool;
        int k = int(r.in(0, depth > 0 ? 5 : 2));
        if (k == 0) {  // comparison
            static const Op ops[] = {Op::kEq, Op::kNe, Op::kLt, Op::kLe, Op::kGt, Op::kGe};
            static const Ty tys[] = {Ty::kF64, Ty::kI32, Ty::kI64, Ty::kI16, Ty::kText, Ty::kBool, Ty::kF32};
            Ty t = tys[r.in(0, 6)];
            e.op = t == Ty::kText ? (r.p(0.5) ? Op::kEq : Op::kNe) : ops[r.in(0, 5)];
            if (t == Ty::kText || t == Ty::kBool) e.args = {leaf(t), leaf(t)};
            else e.args = {num(t, depth), num(t, depth)};
            return add(e);
        }
        if (k == 1) {
            e.op = r.p(0.5) ? Op::kIsNull : Op::kIsNotNull;
            static const Ty tys[] = {Ty::kF64, Ty::kI32, Ty::kText, Ty::kF32};
            e.args = {leaf(tys[r.in(0, 3)])};
            return add(e);
        }
        if (k == 2) return leaf(Ty::kBool);
        if (k == 3) {
            e.op = Op::kNot;
            e.args = {pred(depth - 1)};
            return add(e);
        }
        e.op = k == 4 ? Op::kAnd : Op::kOr;
        int na = int(r.in(2, 3));
        for (int i = 0; i < na; i++) e.args.push_back(pred(depth - 1));
        return add(e);
    }
};

// One aggregate of a random kind with random FILTER and argument expressions.
AggSpec random_agg(Rng &r, ExprGen &eg, int nwindows, int out)
{
    {
        AggSpec a;
        a.window = int32_t(r.in(0, nwindows - 1));
        a.out = out;
        a.kind = AggKind(r.in(0, int(AggKind::kDrawdown)));
        if (r.p(0.4)) a.filter = eg.pred(2);
        switch (a.kind) {
        case AggKind::kCountStar: break;
        case AggKind::kCount: a.arg_ty = Ty::kText; a.arg = eg.leaf(Ty::kText); break;
        case AggKind::kSumInt: a.arg_ty = r.p(0.5) ? Ty::kI32 : Ty::kI16; a.arg = eg.num(a.arg_ty, 2); break;
        case AggKind::kMaxInt: case AggKind::kMinInt:
            a.arg_ty = r.p(0.5) ? Ty::kI64 : Ty::kI32; a.arg = eg.num(a.arg_ty, 2); break;
        case AggKind::kSumWhereInt: case AggKind::kAvgWhereInt:
            a.arg_ty = r.p(0.4) ? Ty::kI64 : r.p(0.5) ? Ty::kI32 : Ty::kI16; a.arg = eg.num(a.arg_ty, 2); break;
        case AggKind::kSumF4: a.arg_ty = Ty::kF32; a.arg = eg.num(Ty::kF32, 2); break;
        case AggKind::kDistinctCount: case AggKind::kEntropy: case AggKind::kTop1Ratio: {
            // keys of every physical type, few distinct values (repeats matter)
            static const Ty tys[] = {Ty::kI16, Ty::kI32, Ty::kI64, Ty::kBool, Ty::kF64, Ty::kF32, Ty::kText};
            a.arg_ty = tys[r.in(0, 6)];
            a.arg = a.arg_ty == Ty::kBool || a.arg_ty == Ty::kText || r.p(0.6) ? eg.leaf(a.arg_ty) : eg.num(a.arg_ty, 1);
            break;
        }
        case AggKind::kEwAvg: a.arg_ty = Ty::kF64; a.arg = eg.num(Ty::kF64, 1); a.arg2 = eg.leaf(Ty::kF64); break;
        case AggKind::kMedian: case AggKind::kDrawdown: a.arg_ty = Ty::kF64; a.arg = eg.num(Ty::kF64, 2); break;
        case AggKind::kMaxF8: case AggKind::kMinF8: case AggKind::kAvgF8: case AggKind::kVarSampF8:
        case AggKind::kVarPopF8: case AggKind::kStddevSampF8: case AggKind::kStddevPopF8: case AggKind::kAvgAccF8:
            if (r.p(0.3)) {  // a float4 argument, cast to float8 as the translator does
                ExprSpec c;
                c.op = Op::kCast;
                c.ty = Ty::kF64;
                c.args = {eg.num(Ty::kF32, 2)};
                a.arg = eg.add(c);
                // min / max keep the float4 result
                a.arg_ty = a.kind == AggKind::kMaxF8 || a.kind == AggKind::kMinF8 ? Ty::kF32 : Ty::kF64;
                break;
            }
            a.arg_ty = Ty::kF64; a.arg = eg.num(Ty::kF64, 2); break;
        default: a.arg_ty = Ty::kF64; a.arg = eg.num(Ty::kF64, 2); break;
        }
        return a;
    }
}

Case random_case(Rng &r)
{
    Case c;
    c.g.cols = test_cols();
    int n = int(r.in(0, 40));
    c.g.nwindows = int(r.in(1, 3));
    int64_t ord = 1000;
    for (int i = 0; i < n; i++) {  // newest first: decreasing order values, some ties
        c.rows.push_back(rand_row(r));
        c.order.push_back(ord);
        if (r.p(0.7)) ord -= r.in(1, 5);
    }
    c.req = rand_row(r);
    c.req_order = 1000 + (r.p(0.5) ? 0 : 3);
    int peers = 0;
    while (peers < n && c.order[size_t(peers)] == c.req_order) peers++;
    for (int w = 0; w < c.g.nwindows; w++) {
        KFrame f;
        f.from = int32_t(r.in(-2, n + 1));
        f.to = int32_t(r.p(0.7) ? n : r.in(-1, n + 1));
        f.peers_from = n - peers;
        f.flags = int32_t(r.in(0, 3));
        c.frames.push_back(f);
    }
    ExprGen eg{r, c.g};
    int naggs = int(r.in(1, 40));  // > one chunk sometimes
    for (int k = 0; k < naggs; k++)
        c.g.aggs.push_back(random_agg(r, eg, c.g.nwindows, k));
    return c;
}

// Kernel (compiled from c's spec, or `k` when given) vs reference.
void expect_same(const Case &c, uint64_t seed, const Kernel *k = nullptr)
{
    std::vector<uint64_t> ro, ko;
    std::vector<uint8_t> rn, kn;
    std::set<int> errs;
    int failed = -1;
    bool ok = reference(c, ro, rn, errs, &failed);
    int raw = k ? k->run(c, ko, kn) : Kernel(c.g).run(c, ko, kn);
    int rc = kernel_code(raw);
    if (errs.count(kNeedInterpreter)) {
        // an avg(float8) frame the kernel leaves to the interpreter (or an
        // error of an earlier chunk of aggregates, reported first)
        EXPECT_TRUE(rc == kNeedInterpreter || (!ok && errs.count(rc))) << "seed " << seed << ": kernel code " << rc;
        return;
    }
    if (!ok) {
        EXPECT_NE(rc, 0) << "seed " << seed << ": reference raised an error, kernel did not";
        EXPECT_TRUE(errs.count(rc)) << "seed " << seed << ": kernel error " << rc;
        EXPECT_EQ(kernel_failed_out(raw), failed) << "seed " << seed << ": the failing aggregate";
        return;
    }
    ASSERT_EQ(rc, 0) << "seed " << seed;
    for (size_t k = 0; k < ro.size(); k++) {
        EXPECT_EQ(rn[k], kn[k]) << "seed " << seed << " agg " << k;
        if (rn[k] || ro[k] == ko[k])
            continue;
        // NaNs are equal whatever their sign bit (constant folding may pick another one; SQL cannot tell).
        double x, y;
        memcpy(&x, &ro[k], 8);
        memcpy(&y, &ko[k], 8);
        // (Not for the exact sums: both sides take ExactSum's NaN.)
        AggKind kd = c.g.aggs[k].kind;
        bool is_f = kd == AggKind::kSumF8 || kd == AggKind::kAvgF8 || kd == AggKind::kMaxF8 || kd == AggKind::kMinF8 ||
                    kd == AggKind::kVarSampF8 || kd == AggKind::kVarPopF8 || kd == AggKind::kStddevSampF8 ||
                    kd == AggKind::kStddevPopF8 || kd == AggKind::kSumF4 || kd == AggKind::kAvgAccF8 ||
                    kd == AggKind::kMedian || kd == AggKind::kEntropy || kd == AggKind::kTop1Ratio ||
                    kd == AggKind::kEwAvg || kd == AggKind::kDrawdown;
        bool f4 = kd == AggKind::kSumF4 || c.g.aggs[k].arg_ty == Ty::kF32;
        if (f4) {  // float4 words: the NaN test on the low 32 bits
            float fx, fy;
            uint32_t bx = uint32_t(ro[k]), by = uint32_t(ko[k]);
            memcpy(&fx, &bx, 4);
            memcpy(&fy, &by, 4);
            x = fx;
            y = fy;
        }
        EXPECT_TRUE(is_f && std::isnan(x) && std::isnan(y))
            << "seed " << seed << " agg " << k << " kind " << int(kd) << ": " << ro[k] << " vs " << ko[k];
    }
}

}  // namespace

TEST(Jit, RandomKernelsMatchReference)
{
    const char *env = getenv("FE_JIT_SEEDS");  // more seeds: FE_JIT_SEEDS=5000
    uint64_t seeds = env ? strtoull(env, nullptr, 10) : 120;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        Rng r(seed);
        Case c = random_case(r);
        expect_same(c, seed);
        if (HasFailure()) break;
    }
}

TEST(Jit, FloatSemantics)
{
    Case c;
    c.g.cols = test_cols();
    c.g.nwindows = 1;
    double vals[] = {1.5, std::nan(""), -2.0, std::numeric_limits<double>::infinity()};
    for (double v : vals) {
        TRow t{};
        t.f8 = v;
        t.nulls = 0x3e;  // only f8 set
        t.encode();
        c.rows.push_back(t);
        c.order.push_back(int64_t(c.rows.size()));
    }
    c.req = c.rows[0];
    c.req.nulls = 0x3f;
    c.req.encode();
    c.req_order = 10;
    c.frames.push_back(KFrame{0, 4, 4, 0});
    Rng r1(1);
    ExprGen eg{r1, c.g};
    AggKind kinds[] = {AggKind::kMaxF8, AggKind::kMinF8, AggKind::kSumF8, AggKind::kCount, AggKind::kCount};
    for (int k = 0; k < 5; k++) {
        AggSpec a;
        a.kind = kinds[k];
        ExprSpec col;
        col.op = Op::kCol; col.ty = Ty::kF64; col.col = 0;
        a.arg = eg.add(col);
        a.out = k;
        c.g.aggs.push_back(a);
    }
    std::vector<uint64_t> out;
    std::vector<uint8_t> on;
    ASSERT_EQ(run_kernel(c, out, on), 0);
    double mx, mn, sm;
    memcpy(&mx, &out[0], 8);
    memcpy(&mn, &out[1], 8);
    memcpy(&sm, &out[2], 8);
    EXPECT_TRUE(std::isnan(mx));        // NaN sorts above everything
    EXPECT_EQ(mn, -2.0);
    EXPECT_TRUE(std::isnan(sm));
    EXPECT_EQ(out[4], 4u);             // the request's NULL is not counted
}

// One aggregate of `kind` over the float8 column of stored rows `vals`
// (newest first) and a request row `req`, all in one frame.
Case one_f8_agg(const std::vector<double> &vals, double req, AggKind kind)
{
    Case c;
    c.g.cols = test_cols();
    c.g.nwindows = 1;
    int n = int(vals.size());
    for (int i = 0; i < n; i++) {
        TRow t{};
        t.f8 = vals[size_t(i)];
        t.nulls = 0x3e;  // only f8 set
        t.encode();
        c.rows.push_back(t);
        c.order.push_back(int64_t(n - i));
    }
    c.req = TRow{};
    c.req.f8 = req;
    c.req.nulls = 0x3e;
    c.req.encode();
    c.req_order = n + 1;
    c.frames.push_back(KFrame{0, n, n, 0});
    ExprSpec col;
    col.op = Op::kCol; col.ty = Ty::kF64; col.col = 0;
    c.g.exprs.push_back(col);
    AggSpec a;
    a.kind = kind;
    a.arg = 0;
    c.g.aggs.push_back(a);
    return c;
}

// avg(float8) leaves frames holding a value beyond +/-1e100, inf or NaN to
// the interpreter (float8_accum's overflow checks need its sum of squares),
// and computes Sx / N itself otherwise.
TEST(Jit, AvgDefersExtremeValues)
{
    double inf = std::numeric_limits<double>::infinity();
    struct { double v; bool defer; } cases[] = {
        {1.5, false}, {-1e100, false}, {1e100, false}, {1.0000001e100, true}, {-1e101, true},
        {inf, true}, {-inf, true}, {std::nan(""), true}};
    for (auto &k : cases) {
        Case c = one_f8_agg({2.0, k.v, 0.25}, 2.0, AggKind::kAvgF8);
        std::vector<uint64_t> out;
        std::vector<uint8_t> on;
        int rc = run_kernel(c, out, on);
        EXPECT_EQ(rc, k.defer ? kNeedInterpreter : 0) << k.v;
        if (rc == 0) {
            double avg;
            memcpy(&avg, &out[0], 8);
            // added oldest first: 0.25, v, 2.0, then the request (2.0)
            EXPECT_EQ(avg, (((0.25 + k.v) + 2.0) + 2.0) / 4.0) << k.v;
        }
    }
}

// The variance family: float8_accum's Youngs-Cramer state and the built-in
// final functions, known values and the special cases.
TEST(Jit, VarianceFamily)
{
    const AggKind kinds[] = {AggKind::kVarSampF8, AggKind::kVarPopF8, AggKind::kStddevSampF8, AggKind::kStddevPopF8};
    auto run = [&](const std::vector<double> &vals, double req, AggKind k, double *out, bool *isnull) {
        Case c = one_f8_agg(vals, req, k);
        expect_same(c, 0);
        std::vector<uint64_t> o;
        std::vector<uint8_t> on;
        int rc = run_kernel(c, o, on);
        if (rc == 0) {
            memcpy(out, &o[0], 8);
            *isnull = on[0];
        }
        return rc;
    };
    double v;
    bool isnull;
    // 2 4 4 4 5 5 7 9: population variance 4, sample variance 32 / 7
    std::vector<double> eight = {4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0};
    ASSERT_EQ(run(eight, 2.0, AggKind::kVarPopF8, &v, &isnull), 0);
    EXPECT_EQ(v, 4.0);
    ASSERT_EQ(run(eight, 2.0, AggKind::kStddevPopF8, &v, &isnull), 0);
    EXPECT_EQ(v, 2.0);
    ASSERT_EQ(run(eight, 2.0, AggKind::kVarSampF8, &v, &isnull), 0);
    EXPECT_EQ(v, 32.0 / 7.0);
    ASSERT_EQ(run(eight, 2.0, AggKind::kStddevSampF8, &v, &isnull), 0);
    EXPECT_EQ(v, std::sqrt(32.0 / 7.0));
    // one value: the sample forms are NULL, the population forms 0
    for (AggKind k : kinds) {
        ASSERT_EQ(run({}, 3.5, k, &v, &isnull), 0);
        bool samp = k == AggKind::kVarSampF8 || k == AggKind::kStddevSampF8;
        EXPECT_EQ(isnull, samp);
        if (!samp) {
            EXPECT_EQ(v, 0.0);
        }
    }
    double inf = std::numeric_limits<double>::infinity();
    for (AggKind k : kinds) {
        // finite values whose sum of squares overflows: an error
        EXPECT_EQ(run({1e300, -1e300}, 1e300, k, &v, &isnull), kErrFloatOverflow);
        // an infinite input: NaN, no error (also as the first value)
        ASSERT_EQ(run({1.0, inf}, 2.0, k, &v, &isnull), 0);
        EXPECT_TRUE(std::isnan(v));
        ASSERT_EQ(run({2.0, 1.0}, inf, k, &v, &isnull), 0);  // the request row is the last value
        EXPECT_TRUE(std::isnan(v));
        ASSERT_EQ(run({std::nan("")}, 1.0, k, &v, &isnull), 0);
        EXPECT_TRUE(std::isnan(v));
    }
}

// One aggregate over the float4 column (stored rows `vals`, newest first,
// then the request row), the argument cast to float8 when `widen`.
Case one_f4_agg(const std::vector<float> &vals, float req, AggKind kind, bool widen)
{
    Case c;
    c.g.cols = test_cols();
    c.g.nwindows = 1;
    int n = int(vals.size());
    for (int i = 0; i <= n; i++) {
        TRow t{};
        t.f4 = i < n ? vals[size_t(i)] : req;
        t.nulls = 0x3f;  // only f4 set
        t.encode();
        if (i < n) {
            c.rows.push_back(t);
            c.order.push_back(int64_t(n - i));
        } else
            c.req = t;
    }
    c.req_order = n + 1;
    c.frames.push_back(KFrame{0, n, n, 0});
    ExprSpec col;
    col.op = Op::kCol; col.ty = Ty::kF32; col.col = 7;
    c.g.exprs.push_back(col);
    AggSpec a;
    a.kind = kind;
    a.arg = 0;
    a.arg_ty = Ty::kF32;
    if (widen) {
        ExprSpec cast;
        cast.op = Op::kCast; cast.ty = Ty::kF64; cast.args = {0};
        c.g.exprs.push_back(cast);
        a.arg = 1;
        if (kind != AggKind::kMaxF8 && kind != AggKind::kMinF8) a.arg_ty = Ty::kF64;
    }
    c.g.aggs.push_back(a);
    return c;
}

TEST(Jit, Float4Aggregates)
{
    std::vector<uint64_t> out;
    std::vector<uint8_t> on;
    auto word_f4 = [](uint64_t w) {
        float f;
        uint32_t b = uint32_t(w);
        memcpy(&f, &b, 4);
        return f;
    };
    // sum(float4) adds in float4: 0.1f ten times is not (float) of the double sum
    std::vector<float> tenth(9, 0.1f);
    Case c = one_f4_agg(tenth, 0.1f, AggKind::kSumF4, false);
    expect_same(c, 0);
    ASSERT_EQ(run_kernel(c, out, on), 0);
    float fs = 0.1f;
    for (int i = 0; i < 9; i++) fs += 0.1f;
    EXPECT_EQ(word_f4(out[0]), fs);
    EXPECT_EQ(out[0], f4_word(fs));  // sign-extended word
    // float4pl's overflow error
    c = one_f4_agg({3e38f, 3e38f}, 1.0f, AggKind::kSumF4, false);
    EXPECT_EQ(run_kernel(c, out, on), kErrFloatOverflow);
    // max / min of float4: NaN highest, the float4 value comes back
    c = one_f4_agg({-1.5f, std::nanf(""), 2.0f}, -3.0f, AggKind::kMaxF8, true);
    ASSERT_EQ(run_kernel(c, out, on), 0);
    EXPECT_TRUE(std::isnan(word_f4(out[0])));
    c = one_f4_agg({-1.5f, std::nanf(""), 2.0f}, -3.0f, AggKind::kMinF8, true);
    ASSERT_EQ(run_kernel(c, out, on), 0);
    EXPECT_EQ(out[0], f4_word(-3.0f));
    // avg / stddev of float4: float8 arithmetic over the widened values
    c = one_f4_agg({0.1f, 0.2f}, 0.3f, AggKind::kAvgAccF8, true);
    ASSERT_EQ(run_kernel(c, out, on), 0);
    double avg;
    memcpy(&avg, &out[0], 8);
    EXPECT_EQ(avg, ((double(0.2f) + double(0.1f)) + double(0.3f)) / 3.0);
    c = one_f4_agg({0.1f, 0.2f}, 0.3f, AggKind::kStddevSampF8, true);
    expect_same(c, 0);
}

// float4 casts: dtof's overflow and underflow errors, int -> float4 rounding.
TEST(Jit, Float4Casts)
{
    for (double d : {1e300, -1e39, 1e-300, -1e-50, 3.0e38, 1.25}) {
        Case c = one_f8_agg({d}, 0.5, AggKind::kSumF4);
        ExprSpec cast;
        cast.op = Op::kCast; cast.ty = Ty::kF32; cast.args = {0};
        c.g.exprs.push_back(cast);
        c.g.aggs[0].arg = 1;
        c.g.aggs[0].arg_ty = Ty::kF32;
        std::vector<uint64_t> out;
        std::vector<uint8_t> on;
        int rc = run_kernel(c, out, on);
        float f = float(d);
        int want = std::isinf(f) ? kErrFloatOverflow : f == 0.0f ? kErrFloatUnderflow : 0;
        EXPECT_EQ(rc, want) << d;
        expect_same(c, 0);
    }
    // int8 -> float4: one rounding (2^60 + 2^36 + 1 is not halfway once rounded to float)
    Case c;
    c.g.cols = test_cols();
    c.g.nwindows = 1;
    TRow t{};
    t.i64 = (int64_t(1) << 60) + (int64_t(1) << 36) + 1;
    t.nulls = 0x7b;
    t.encode();
    c.req = t;
    c.req_order = 1;
    c.frames.push_back(KFrame{0, 0, 0, 0});
    ExprSpec col;
    col.op = Op::kCol; col.ty = Ty::kI64; col.col = 2;
    c.g.exprs.push_back(col);
    ExprSpec cast;
    cast.op = Op::kCast; cast.ty = Ty::kF32; cast.args = {0};
    c.g.exprs.push_back(cast);
    AggSpec a;
    a.kind = AggKind::kSumF4;
    a.arg = 1;
    a.arg_ty = Ty::kF32;
    c.g.aggs.push_back(a);
    std::vector<uint64_t> out;
    std::vector<uint8_t> on;
    ASSERT_EQ(run_kernel(c, out, on), 0);
    EXPECT_EQ(out[0], f4_word(float(t.i64)));
}

// distinct_count / entropy / top1_ratio / median / ew_avg / drawdown run the
// library's kernels from generated code: known values, NULL handling, text
// keys read from the rows, and pooled states reset between calls.
TEST(Jit, NativeKernels)
{
    Case c;
    c.g.cols = test_cols();
    c.g.nwindows = 1;
    struct R { const char *txt; double f8; int32_t i32; uint8_t nulls; };
    // newest first; the request row is the last value
    const R rows[] = {{"m2", 4.0, 7, 0}, {"merchant_long_name", -0.0, 7, 0}, {nullptr, 0.0, 0, 32 | 1 | 2},
                      {"m1", 1.0, 3, 0}, {"merchant_long_name", 2.0, 3, 0}};
    for (size_t i = 0; i < 5; i++) {
        TRow t{};
        t.txt = rows[i].txt ? rows[i].txt : "";
        t.f8 = rows[i].f8;
        t.i32 = rows[i].i32;
        t.nulls = uint8_t(rows[i].nulls | 4 | 8 | 16 | 64);
        t.encode();
        c.rows.push_back(t);
        c.order.push_back(int64_t(10 - i));
    }
    c.req = c.rows[3];  // m1, 1.0, 3
    c.req_order = 11;
    c.frames.push_back(KFrame{0, 5, 5, 0});
    auto col = [&](int k, Ty t) {
        ExprSpec e;
        e.op = Op::kCol; e.col = k; e.ty = t;
        c.g.exprs.push_back(e);
        return int32_t(c.g.exprs.size() - 1);
    };
    int32_t txt = col(5, Ty::kText), f8 = col(0, Ty::kF64), i32 = col(1, Ty::kI32);
    ExprSpec half;
    half.op = Op::kConst; half.ty = Ty::kF64; half.fval = 0.5;
    c.g.exprs.push_back(half);
    int32_t alpha = int32_t(c.g.exprs.size() - 1);
    auto agg = [&](AggKind k, int32_t arg) {
        AggSpec a;
        a.kind = k; a.arg = arg; a.out = int32_t(c.g.aggs.size());
        if (k == AggKind::kEwAvg) a.arg2 = alpha;
        c.g.aggs.push_back(a);
    };
    agg(AggKind::kDistinctCount, txt);  // m2, long, NULL, m1, long, m1: 4 (NULL is one)
    agg(AggKind::kDistinctCount, f8);   // 4, -0, NULL, 1, 2, 1: -0 is 0: 5
    agg(AggKind::kDistinctCount, i32);  // 7, 7, NULL, 3, 3, 3: 3
    agg(AggKind::kMedian, f8);          // 2, 1, 0, 4, 1 (oldest first, NULL skipped): 1
    agg(AggKind::kTop1Ratio, txt);      // m1 2, long 2, m2 1 of 5: 0.4
    agg(AggKind::kEntropy, i32);        // 3 x3, 7 x2
    agg(AggKind::kEwAvg, f8);
    agg(AggKind::kDrawdown, f8);
    expect_same(c, 0);
    Kernel k(c.g);
    std::vector<uint64_t> out;
    std::vector<uint8_t> on;
    for (int round = 0; round < 3; round++) {  // pooled states start empty each call
        ASSERT_EQ(kernel_code(k.run(c, out, on)), 0);
        EXPECT_EQ(out[0], 4u);
        EXPECT_EQ(out[1], 5u);
        EXPECT_EQ(out[2], 3u);
        double d;
        memcpy(&d, &out[3], 8);
        EXPECT_EQ(d, 1.0);
        memcpy(&d, &out[4], 8);
        EXPECT_EQ(d, 0.4);
        memcpy(&d, &out[5], 8);
        EXPECT_NEAR(d, -(0.6 * std::log2(0.6) + 0.4 * std::log2(0.4)), 1e-15);
        for (int j = 0; j < 8; j++) EXPECT_EQ(on[size_t(j)], 0) << j;
    }
    // empty frame: distinct_count 0, top1_ratio 0, the others NULL
    c.frames[0] = KFrame{1, 0, 5, 0};
    expect_same(c, 1);
    ASSERT_EQ(kernel_code(k.run(c, out, on)), 0);
    EXPECT_EQ(out[0], 0u);
    EXPECT_EQ(on[0], 0);
    EXPECT_EQ(on[3], 1);
    EXPECT_EQ(on[4], 0);
    EXPECT_EQ(on[5], 1);
    fe_jit_native_release();
    ASSERT_EQ(kernel_code(k.run(c, out, on)), 0);  // a released pool is made again
}

TEST(Jit, OverflowIsAnError)
{
    Case c = one_f8_agg({1e308, 1e308}, 1e308, AggKind::kSumF8);
    std::vector<uint64_t> out;
    std::vector<uint8_t> on;
    EXPECT_EQ(run_kernel(c, out, on), kErrFloatOverflow);
}

// sum_where / avg_where over int8: 128-bit sums past int64 (avg rounds the
// exact sum like the C++ cast; sum is then a bigint range error).
TEST(Jit, WhereSumsPastInt64)
{
    Rng r(11);
    for (int round = 0; round < 300; round++) {
        Case c;
        c.g.cols = test_cols();
        c.g.nwindows = 1;
        int n = int(r.in(1, 40));
        for (int i = 0; i < n; i++) {
            TRow t{};
            // near +/- 2^62 with random low bits (exercises the sticky rounding)
            int64_t hi = (int64_t(1) << 62) - int64_t(r.in(0, 1 << 20));
            t.i64 = (round % 3 == 2 && r.p(0.5)) ? -hi : hi;
            t.i64 ^= int64_t(r.in(0, 1 << 30));
            t.nulls = 0x3b;  // only i64 present
            t.encode();
            c.rows.push_back(t);
            c.order.push_back(int64_t(n - i));
        }
        c.req = c.rows[0];
        c.req_order = n + 1;
        c.frames.push_back(KFrame{0, n, n + 1, 0});
        ExprSpec col;
        col.op = Op::kCol; col.ty = Ty::kI64; col.col = 2;
        c.g.exprs.push_back(col);
        AggSpec a;
        a.kind = round % 2 ? AggKind::kSumWhereInt : AggKind::kAvgWhereInt;
        a.arg = 0;
        a.arg_ty = Ty::kI64;
        c.g.aggs.push_back(a);
        expect_same(c, uint64_t(round));
    }
}

TEST(Jit, EmptyFramesAndNoRows)
{
    Rng r(7);
    Case c = random_case(r);
    c.rows.clear();
    c.order.clear();
    for (auto &f : c.frames) {
        f.from = 1;
        f.to = 0;
        f.peers_from = 0;
    }
    expect_same(c, 0);
}

TEST(Jit, ThousandFeatures)
{
    // 1,000 features compile (chunked loops, a module per chunk) and run.
    Case c;
    c.g.cols = test_cols();
    c.g.nwindows = 3;
    for (int w = 0; w < 3; w++) c.frames.push_back(KFrame{0, 0, 0, 0});
    Rng r3(3);
    c.req = rand_row(r3);
    c.req_order = 1;
    Rng r(11);
    ExprGen eg{r, c.g};
    for (int k = 0; k < 1000; k++) {
        AggSpec a;
        a.window = k % 3;
        a.out = k;
        a.kind = AggKind::kSumF8;
        a.arg = eg.leaf(Ty::kF64);
        if (k % 4 == 0) a.filter = eg.pred(1);
        c.g.aggs.push_back(a);
    }
    std::vector<uint64_t> out;
    std::vector<uint8_t> on;
    double ms = 0;
    int rc = run_kernel(c, out, on, &ms);
    EXPECT_GE(rc, 0);  // compiled, loaded and ran (bench/jit.sh measures the time)
    EXPECT_EQ(on.size(), 1000u);
}

TEST(Jit, SerializeIsStable)
{
    Rng r(5);
    Case c = random_case(r);
    ModuleSpec a, b;
    a.groups.push_back(c.g);
    b.groups.push_back(c.g);
    EXPECT_EQ(hash64(serialize(a)), hash64(serialize(b)));
    b.groups[0].aggs[0].window ^= 1;
    EXPECT_NE(serialize(a), serialize(b));
}

TEST(Jit, Projection)
{
    // outputs: a0 / a1 (float8), a2 + p0 (int8), a0 > 1.5 (bool), p1 (int4, NULL)
    ModuleSpec m;
    GroupSpec &g = m.proj.exprs;
    auto col = [&](ColSpec::Src src, Ty t, int idx) {
        ColSpec c;
        c.src = src;
        c.ty = t;
        c.param = idx;
        g.cols.push_back(c);
        ExprSpec e;
        e.op = Op::kCol;
        e.ty = t;
        e.col = int(g.cols.size() - 1);
        g.exprs.push_back(e);
        return int(g.exprs.size() - 1);
    };
    auto bin = [&](Op op, Ty t, int a, int b) {
        ExprSpec e;
        e.op = op;
        e.ty = t;
        e.args = {a, b};
        g.exprs.push_back(e);
        return int(g.exprs.size() - 1);
    };
    int a0 = col(ColSpec::kAgg, Ty::kF64, 0), a1 = col(ColSpec::kAgg, Ty::kF64, 1);
    int a2 = col(ColSpec::kAgg, Ty::kI64, 2), p0 = col(ColSpec::kParam, Ty::kI64, 0);
    int p1 = col(ColSpec::kParam, Ty::kI32, 1);
    ExprSpec k;
    k.op = Op::kConst;
    k.ty = Ty::kF64;
    k.fval = 1.5;
    g.exprs.push_back(k);
    int c15 = int(g.exprs.size() - 1);
    m.proj.outs = {{bin(Op::kDiv, Ty::kF64, a0, a1), 0}, {bin(Op::kAdd, Ty::kI64, a2, p0), 1},
                   {bin(Op::kGt, Ty::kBool, a0, c15), 2}, {p1, 3}};
    CompileResult cr = compile(m);
    ASSERT_TRUE(cr.ok) << (cr.error ? cr.error : "");
    char *err = nullptr;
    Loaded *l = load(cr.object, cr.object_len, 0, &err);
    free_buffer(cr.object);
    ASSERT_NE(l, nullptr) << (err ? err : "");
    ProjFn fn = projection_fn(l);
    ASSERT_NE(fn, nullptr);
    double x = 3.0, y = 2.0;
    uint64_t aggv[3], params[2] = {40, uint64_t(int64_t(-7))}, out[4];
    uint8_t aggn[3] = {0, 0, 0}, pn[2] = {0, 1}, on[4];
    memcpy(&aggv[0], &x, 8);
    memcpy(&aggv[1], &y, 8);
    aggv[2] = 2;
    ASSERT_EQ(fn(params, pn, aggv, aggn, out, on), 0);
    double q;
    memcpy(&q, &out[0], 8);
    EXPECT_EQ(q, 1.5);
    EXPECT_EQ(out[1], 42u);
    EXPECT_EQ(out[2], 1u);
    EXPECT_EQ(on[3], 1);
    y = 0.0;  // float8div by zero
    memcpy(&aggv[1], &y, 8);
    EXPECT_EQ(fn(params, pn, aggv, aggn, out, on), kErrDivByZero);
    aggn[1] = 1;  // NULL divisor: NULL, no error
    ASSERT_EQ(fn(params, pn, aggv, aggn, out, on), 0);
    EXPECT_EQ(on[0], 1);
    aggv[2] = uint64_t(INT64_MAX);  // int8pl overflow
    EXPECT_EQ(fn(params, pn, aggv, aggn, out, on), kErrInt8Range);
    release(l);
}

namespace {

ExprSpec col_expr(int col, Ty t)
{
    ExprSpec e;
    e.op = Op::kCol;
    e.ty = t;
    e.col = col;
    return e;
}

// One window over rows (newest first) + request; f8 values from `val`.
Case f8_case(Rng &r, int n, double (*val)(Rng &))
{
    Case c;
    c.g.cols = test_cols();
    c.g.nwindows = 1;
    for (int i = 0; i < n; i++) {
        TRow t = rand_row(r);
        t.f8 = val(r);
        t.encode();
        c.rows.push_back(t);
        c.order.push_back(int64_t(n - i));
    }
    c.req = rand_row(r);
    c.req.f8 = val(r);
    c.req.encode();
    c.req_order = n + 1;
    KFrame f;
    f.from = int32_t(r.in(-1, n + 1));
    f.to = int32_t(r.p(0.8) ? n : r.in(-1, n));
    f.peers_from = n;
    f.flags = int32_t(r.in(0, 1));
    c.frames.push_back(f);
    return c;
}

}  // namespace

// feature_ext's float8 sum_where / avg_where: the kernel's inline exact sum
// equals agg::ExactSum bit for bit, over the whole double range (cancellation,
// subnormals, overflow to inf, NaN, +-inf, NULLs, conditions, empty frames).
TEST(Jit, ExactFloatSumsMatchExactSum)
{
    Rng r(21);
    std::unique_ptr<Kernel> kernel;  // the spec is the same in every round
    for (int round = 0; round < 1000; round++) {
        Case c = f8_case(r, int(r.in(0, round % 4 == 0 ? 300 : 30)), round % 2 ? rand_wide_f8 : rand_f8);
        c.g.exprs.push_back(col_expr(0, Ty::kF64));  // 0: f8
        c.g.exprs.push_back(col_expr(4, Ty::kBool));  // 1: bo (the condition)
        c.g.exprs.push_back(col_expr(2, Ty::kI64));   // 2: i64
        ExprSpec cast;
        cast.op = Op::kCast;
        cast.ty = Ty::kF64;
        cast.args = {2};
        c.g.exprs.push_back(cast);  // 3: i64::float8
        int k = 0;
        for (AggKind kind : {AggKind::kSumWhereF8, AggKind::kAvgWhereF8})
            for (int variant = 0; variant < 3; variant++) {
                AggSpec a;
                a.kind = kind;
                a.arg = variant == 2 ? 3 : 0;
                a.arg_ty = Ty::kF64;
                a.filter = variant == 1 ? 1 : -1;
                a.out = k++;
                c.g.aggs.push_back(a);
            }
        if (!kernel) kernel.reset(new Kernel(c.g));
        expect_same(c, uint64_t(round), kernel.get());
        if (HasFailure()) break;
    }
}

// Exact sums with known answers (not taken from ExactSum).
TEST(Jit, ExactFloatSumKnownValues)
{
    const double big = 1e308, mx = std::numeric_limits<double>::max(), inf = std::numeric_limits<double>::infinity();
    const double tiny = std::numeric_limits<double>::denorm_min();
    struct K {
        std::vector<double> v;
        double sum;  // NaN: expect NaN
    } cases[] = {
        {{big, big, -big}, big},                // naive left-to-right: inf
        {{1.0, 1e-300, -1.0}, 1e-300},          // naive: 0
        {{mx, mx}, inf},                        // overflow is inf, not an error
        {{-mx, -mx, mx}, -mx},
        {{inf, 1.0}, inf},
        {{inf, -inf}, std::nan("")},
        {{-std::nan(""), 1.0}, std::nan("")},
        {{-0.0}, 0.0},                          // ExactSum: +0
        {{tiny, tiny, -tiny}, tiny},
        {{0.1, 0.2, -0.3}, 2.7755575615628914e-17},
        {{1.0, 0x1p-53, 0x1p-106}, 1.0000000000000002},  // round half up by the sticky bit
        {{1.0, 0x1p-53}, 1.0},                  // tie: to even
    };
    for (const K &k : cases) {
        Rng r(1);
        Case c;
        c.g.cols = test_cols();
        c.g.nwindows = 1;
        int n = int(k.v.size());
        for (int i = 0; i < n; i++) {
            TRow t{};
            t.f8 = k.v[size_t(i)];
            t.nulls = 0x3e;
            t.encode();
            c.rows.push_back(t);
            c.order.push_back(int64_t(n - i));
        }
        c.req = c.rows[0];
        c.req.nulls = 0x3f;  // NULL: not summed
        c.req.encode();
        c.req_order = n + 1;
        c.frames.push_back(KFrame{0, n, n, 0});
        c.g.exprs.push_back(col_expr(0, Ty::kF64));
        for (int j = 0; j < 2; j++) {
            AggSpec a;
            a.kind = j ? AggKind::kAvgWhereF8 : AggKind::kSumWhereF8;
            a.arg = 0;
            a.arg_ty = Ty::kF64;
            a.out = j;
            c.g.aggs.push_back(a);
        }
        std::vector<uint64_t> out;
        std::vector<uint8_t> on;
        ASSERT_EQ(run_kernel(c, out, on), 0);
        double s, avg;
        memcpy(&s, &out[0], 8);
        memcpy(&avg, &out[1], 8);
        ASSERT_FALSE(on[0]);
        if (std::isnan(k.sum)) {
            uint64_t want;
            double q = std::nan("");
            memcpy(&want, &q, 8);
            EXPECT_EQ(out[0], want) << k.v.size();
        } else {
            EXPECT_EQ(s, k.sum) << k.v[0];
            EXPECT_EQ(std::signbit(s), std::signbit(k.sum)) << k.v[0];
            EXPECT_EQ(avg, k.sum / double(n)) << k.v[0];
        }
    }
}

// min_where / max_where / sum_where / avg_where compiled as spec aggregates
// equal feature_ext's own aggregate kernels (what the interpreter runs), fed
// the frame's rows oldest first: ties keep the newest value (-0.0 vs 0.0,
// NaN payloads), NaN sorts highest, NULL when no row qualifies.
TEST(Jit, WhereAggregatesMatchAggKernels)
{
    Rng r(33);
    auto val = [](Rng &q) -> double {
        switch (q.in(0, 7)) {
        case 0: return std::nan("");
        case 1: return -std::nan("");
        case 2: return 0.0;
        case 3: return -0.0;
        case 4: return std::numeric_limits<double>::infinity() * (q.p(0.5) ? 1 : -1);
        default: return double(q.in(-3, 3));
        }
    };
    std::unique_ptr<Kernel> kernel;  // the spec is the same in every round
    for (int round = 0; round < 1000; round++) {
        Case c = f8_case(r, int(r.in(0, 25)), +val);
        c.g.exprs = {col_expr(0, Ty::kF64), col_expr(4, Ty::kBool), col_expr(1, Ty::kI32), col_expr(3, Ty::kI16),
                     col_expr(2, Ty::kI64)};
        ExprSpec cast;
        cast.op = Op::kCast;
        cast.ty = Ty::kF64;
        cast.args = {4};
        c.g.exprs.push_back(cast);  // 5: i64::float8
        struct W {
            AggKind kind;
            int arg;
            Ty ty;
        } ws[] = {{AggKind::kMaxF8, 0, Ty::kF64}, {AggKind::kMinF8, 0, Ty::kF64}, {AggKind::kMaxInt, 2, Ty::kI32},
                  {AggKind::kMinInt, 3, Ty::kI16}, {AggKind::kMaxInt, 4, Ty::kI64}, {AggKind::kSumWhereF8, 0, Ty::kF64},
                  {AggKind::kAvgWhereF8, 0, Ty::kF64}, {AggKind::kAvgWhereF8, 5, Ty::kF64},
                  {AggKind::kAvgWhereInt, 2, Ty::kI32}};
        for (size_t k = 0; k < sizeof(ws) / sizeof(ws[0]); k++) {
            AggSpec a;
            a.kind = ws[k].kind;
            a.arg = ws[k].arg;
            a.arg_ty = ws[k].ty;
            a.filter = 1;
            a.out = int32_t(k);
            c.g.aggs.push_back(a);
        }
        std::vector<uint64_t> out;
        std::vector<uint8_t> on;
        if (!kernel) kernel.reset(new Kernel(c.g));
        ASSERT_EQ(kernel->run(c, out, on), 0) << round;
        fe::agg::MinMaxWhere<double, true> fmax;
        fe::agg::MinMaxWhere<double, false> fmin;
        fe::agg::MinMaxWhere<int64_t, true> imax32, imax64;
        fe::agg::MinMaxWhere<int64_t, false> imin16;
        fe::agg::SumWhere<double> fsum;
        fe::agg::AvgWhere<double> favg, favg64, favg32;
        int n = int(c.rows.size());
        const KFrame &f = c.frames[0];
        for (int pos = std::max(f.from, 0); pos <= std::min(f.to, n); pos++) {
            bool is_req = pos == n;
            if (is_req && (f.flags & kSkipRequest)) continue;
            const TRow &t = is_req ? c.req : c.rows[size_t(n - 1 - pos)];
            bool cond = !(t.nulls & 16) && t.bo;
            bool fnull = t.nulls & 1, i32null = t.nulls & 2, i64null = t.nulls & 4, i16null = t.nulls & 8;
            fmax.add(fnull, t.f8, cond);
            fmin.add(fnull, t.f8, cond);
            fsum.add(fnull, t.f8, cond);
            favg.add(fnull, t.f8, cond);
            favg64.add(i64null, double(t.i64), cond);
            favg32.add(i32null, double(t.i32), cond);
            imax32.add(i32null, t.i32, cond);
            imax64.add(i64null, t.i64, cond);
            imin16.add(i16null, t.i16, cond);
        }
        auto dbl = [](double d) {
            uint64_t w;
            memcpy(&w, &d, 8);
            return w;
        };
        struct Want {
            bool has;
            uint64_t w;
        } want[] = {{fmax.has_result(), fmax.has_result() ? dbl(fmax.result()) : 0},
                    {fmin.has_result(), fmin.has_result() ? dbl(fmin.result()) : 0},
                    {imax32.has_result(), imax32.has_result() ? uint64_t(imax32.result()) : 0},
                    {imin16.has_result(), imin16.has_result() ? uint64_t(imin16.result()) : 0},
                    {imax64.has_result(), imax64.has_result() ? uint64_t(imax64.result()) : 0},
                    {fsum.has_result(), fsum.has_result() ? dbl(fsum.result()) : 0},
                    {favg.has_result(), favg.has_result() ? dbl(favg.result()) : 0},
                    {favg64.has_result(), favg64.has_result() ? dbl(favg64.result()) : 0},
                    {favg32.has_result(), favg32.has_result() ? dbl(favg32.result()) : 0}};
        for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
            EXPECT_EQ(on[k], !want[k].has) << "round " << round << " agg " << k;
            if (want[k].has) {
                EXPECT_EQ(out[k], want[k].w) << "round " << round << " agg " << k;
            }
        }
        if (HasFailure()) break;
    }
}

// ---------------------------------------------------------------- modules and cancel
//
// compile() splits a deployment into modules of about one chunk of
// aggregates each (optimised and emitted one by one, the interrupt check
// between them) and returns their objects in one buffer: "FEJITOBJ", a u32
// count, then per object a u64 length and its bytes.

namespace {

std::vector<std::pair<const char *, size_t>> objects_in(const CompileResult &cr)
{
    std::vector<std::pair<const char *, size_t>> objs;
    if (cr.object_len < 12 || memcmp(cr.object, "FEJITOBJ", 8) != 0) return objs;
    uint32_t n;
    memcpy(&n, cr.object + 8, 4);
    size_t pos = 12;
    for (uint32_t i = 0; i < n && pos + 8 <= cr.object_len; i++) {
        uint64_t len;
        memcpy(&len, cr.object + pos, 8);
        objs.push_back({cr.object + pos + 8, size_t(len)});
        pos += 8 + size_t(len);
    }
    return objs;
}

// A case with `naggs` random aggregates (several chunks, so several modules).
Case many_aggs_case(Rng &r, int naggs)
{
    Case c = random_case(r);
    ExprGen eg{r, c.g};
    for (int k = int(c.g.aggs.size()); k < naggs; k++) {
        AggSpec a;
        a.window = int32_t(r.in(0, c.g.nwindows - 1));
        a.out = k;
        a.kind = r.p(0.5) ? AggKind::kSumF8 : AggKind::kMaxInt;
        if (r.p(0.4)) a.filter = eg.pred(2);
        a.arg_ty = a.kind == AggKind::kSumF8 ? Ty::kF64 : Ty::kI32;
        a.arg = eg.num(a.arg_ty, 2);
        c.g.aggs.push_back(a);
    }
    return c;
}

int g_polls = 0, g_cancel_at = 0;
bool count_polls()
{
    return ++g_polls == g_cancel_at;
}

}  // namespace

TEST(Jit, ManyModulesMatchReference)
{
    for (uint64_t seed = 1; seed <= 12; seed++) {
        Rng r(1000 + seed);
        Case c = many_aggs_case(r, int(r.in(70, 200)));
        ModuleSpec m;
        m.groups.push_back(c.g);
        CompileResult cr = compile(m);
        ASSERT_TRUE(cr.ok) << (cr.error ? cr.error : "");
        EXPECT_GE(objects_in(cr).size(), 3u) << "seed " << seed;  // one per chunk of 32 aggregates, about
        free_buffer(cr.object);
        expect_same(c, seed);
        if (HasFailure()) break;
    }
}

// Deployments of more than 200 aggregates get the light pipeline: the same
// results and errors, for aggregates of every kind.
TEST(Jit, LightPipelineMatchesReference)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        Rng r(5000 + seed);
        Case c = random_case(r);
        ExprGen eg{r, c.g};
        for (int k = int(c.g.aggs.size()); k < 230; k++)
            c.g.aggs.push_back(random_agg(r, eg, c.g.nwindows, k));
        expect_same(c, seed);
        if (HasFailure()) break;
    }
}

// Window loops of more than 16 aggregates evaluate a FILTER and argument
// shared by several aggregates once per row: the same results and errors
// (the first failing aggregate in spec order) when the shared expressions
// fail, are NULL or filter rows out.
TEST(Jit, GroupedAggregatesMatchReference)
{
    const AggKind f8_kinds[] = {AggKind::kSumF8, AggKind::kAvgF8, AggKind::kMaxF8, AggKind::kMinF8,
                                AggKind::kCount, AggKind::kVarSampF8, AggKind::kStddevPopF8, AggKind::kAvgAccF8,
                                AggKind::kCountStar, AggKind::kMedian, AggKind::kDistinctCount};
    const AggKind int_kinds[] = {AggKind::kSumInt, AggKind::kMaxInt, AggKind::kMinInt, AggKind::kSumWhereInt,
                                 AggKind::kAvgWhereInt, AggKind::kCount};
    for (uint64_t seed = 1; seed <= 40; seed++) {
        Rng r(9000 + seed);
        Case c = random_case(r);
        c.g.aggs.clear();
        c.g.nwindows = 1;
        c.frames.resize(1);
        ExprGen eg{r, c.g};
        int f8[2] = {eg.num(Ty::kF64, 2), eg.num(Ty::kF64, 1)}, i32 = eg.num(Ty::kI32, 2);
        int filters[3] = {-1, eg.pred(2), eg.pred(1)};
        int n = int(r.in(17, 40));
        for (int k = 0; k < n; k++) {
            AggSpec a;
            a.out = k;
            a.filter = filters[r.in(0, 2)];
            if (r.p(0.7)) {
                a.kind = f8_kinds[r.in(0, 10)];
                a.arg = f8[r.in(0, 1)];
                a.arg_ty = Ty::kF64;
            } else {
                a.kind = int_kinds[r.in(0, 5)];
                a.arg = i32;
                a.arg_ty = Ty::kI32;
            }
            if (a.kind == AggKind::kCountStar) a.arg = -1;
            c.g.aggs.push_back(a);
        }
        expect_same(c, seed);
        if (HasFailure()) break;
    }
}

TEST(Jit, ManyModulesProjection)
{
    // 150 outputs (parts of 64 in their own modules) over 3 aggregate results
    // and a group of 100 aggregates in the same compile.
    Rng r(77);
    Case c = many_aggs_case(r, 100);
    ModuleSpec m;
    m.groups.push_back(c.g);
    GroupSpec &g = m.proj.exprs;
    for (int i = 0; i < 3; i++) {
        ColSpec a;
        a.src = ColSpec::kAgg;
        a.ty = Ty::kI64;
        a.param = i;
        g.cols.push_back(a);
    }
    for (int i = 0; i < 150; i++) {
        ExprSpec k;
        k.op = Op::kConst;
        k.ty = Ty::kI64;
        k.ival = i;
        g.exprs.push_back(k);
        g.exprs.push_back(col_expr(i % 3, Ty::kI64));
        ExprSpec add;
        add.op = Op::kAdd;
        add.ty = Ty::kI64;
        add.args = {int32_t(g.exprs.size() - 1), int32_t(g.exprs.size() - 2)};
        g.exprs.push_back(add);
        m.proj.outs.push_back({int32_t(g.exprs.size() - 1), i});
    }
    CompileResult cr = compile(m);
    ASSERT_TRUE(cr.ok) << (cr.error ? cr.error : "");
    EXPECT_GE(objects_in(cr).size(), 4u);
    char *err = nullptr;
    Loaded *l = load(cr.object, cr.object_len, 1, &err);
    free_buffer(cr.object);
    ASSERT_NE(l, nullptr) << (err ? err : "");
    ASSERT_NE(group_fn(l, 0), nullptr);
    ProjFn fn = projection_fn(l);
    ASSERT_NE(fn, nullptr);
    uint64_t aggv[3] = {1000, 2000, 3000}, out[150];
    uint8_t aggn[3] = {0, 0, 0}, on[150];
    ASSERT_EQ(fn(nullptr, nullptr, aggv, aggn, out, on), 0);
    for (int i = 0; i < 150; i++) {
        EXPECT_EQ(out[i], uint64_t(1000 * (i % 3 + 1) + i)) << i;
        EXPECT_EQ(on[i], 0) << i;
    }
    release(l);
}

TEST(Jit, CancelAtAnyPoll)
{
    // The interrupt check turns true at its k-th call: the compile stops
    // with cancelled (no object, no error), wherever k falls (generation,
    // any optimisation pass, before any module's emission).
    Rng r(5);
    Case c = many_aggs_case(r, 100);
    ModuleSpec m;
    m.groups.push_back(c.g);
    g_polls = 0;
    g_cancel_at = -1;
    set_interrupt_check(count_polls);
    CompileResult full = compile(m);
    int polls = g_polls;
    ASSERT_TRUE(full.ok) << (full.error ? full.error : "");
    ASSERT_FALSE(full.cancelled);
    size_t nobj = objects_in(full).size();
    EXPECT_GE(nobj, 4u);
    free_buffer(full.object);
    for (int i = 0; i <= 12; i++) {
        g_polls = 0;
        g_cancel_at = 1 + (polls - 1) * i / 12;  // the first to the last poll
        CompileResult cr = compile(m);
        EXPECT_TRUE(cr.cancelled) << "cancel at poll " << g_cancel_at << " of " << polls;
        EXPECT_FALSE(cr.ok);
        EXPECT_EQ(cr.object, nullptr);
        EXPECT_EQ(cr.error, nullptr);
        EXPECT_EQ(g_polls, g_cancel_at) << "polled again after the cancel";
        free_buffer(cr.object);
        free_buffer(cr.error);
    }
    set_interrupt_check(nullptr);
}

TEST(Jit, LoadsSingleObjectsAndRefusesDamagedBuffers)
{
    // Catalog rows written before the split hold one ELF object (no magic):
    // still loaded.  A damaged buffer is refused with an error.
    Rng r(9);
    Case c = random_case(r);
    c.g.aggs.resize(1);
    c.g.aggs[0].kind = AggKind::kCountStar;
    c.g.aggs[0].filter = -1;
    c.g.aggs[0].window = 0;
    ModuleSpec m;
    m.groups.push_back(c.g);
    CompileResult cr = compile(m);
    ASSERT_TRUE(cr.ok) << (cr.error ? cr.error : "");
    auto objs = objects_in(cr);
    ASSERT_EQ(objs.size(), 1u);
    char *err = nullptr;
    Loaded *l = load(objs[0].first, objs[0].second, 1, &err);
    ASSERT_NE(l, nullptr) << (err ? err : "");
    ASSERT_NE(group_fn(l, 0), nullptr);
    std::vector<uint64_t> out;
    std::vector<uint8_t> outn;
    std::vector<const uint8_t *> ptrs;
    for (auto &row : c.rows) ptrs.push_back(row.bytes.data());
    out.assign(1, 0xdead);
    outn.assign(1, 7);
    int rc = group_fn(l, 0)(ptrs.data(), c.order.data(), int32_t(c.rows.size()), c.req.bytes.data(), c.req_order,
                            c.frames.data(), nullptr, nullptr, out.data(), outn.data());
    EXPECT_EQ(rc, 0);
    std::vector<uint64_t> ro;
    std::vector<uint8_t> rn;
    std::set<int> errs;
    int failed = -1;
    ASSERT_TRUE(reference(c, ro, rn, errs, &failed));
    EXPECT_EQ(out[0], ro[0]);
    release(l);
    for (size_t cut : {cr.object_len - 1, size_t(13), size_t(10)}) {
        err = nullptr;
        EXPECT_EQ(load(cr.object, cut, 1, &err), nullptr) << cut;
        EXPECT_NE(err, nullptr);
        free_buffer(err);
    }
    free_buffer(cr.object);
}
