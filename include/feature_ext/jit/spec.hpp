// feature_ext JIT: what a compiled deployment computes, as plain data.
//
// Pure C++ (no PostgreSQL, no LLVM headers).  The PostgreSQL side
// (src/jit/jit_pg.cpp) translates a deployment plan into a ModuleSpec; the
// code generator (src/jit/codegen.cpp) turns it into one native function per
// index group; unit tests build specs by hand and compare the compiled code
// with a reference evaluator.
//
// A group kernel sees the key's stored rows newest first (payload pointers in
// the skiplist store's row format, see src/storage/codec_pg.cpp) plus the
// request row encoded the same way, and the frame of every window of the
// group as ascending positions 0..n (n = the request row).  It runs one loop
// per window over that window's frame (oldest row first, the request row
// last), evaluates the window's aggregates' FILTERs and arguments with types
// fixed at compile time and updates their states, then writes each
// aggregate's result as a Datum-compatible 64-bit word plus a null flag.  Arithmetic and comparisons reproduce PostgreSQL's
// built-in functions exactly (overflow checks, float NaN ordering); errors are
// returned as codes, never raised, so the kernel is safe to run inside a store
// read section.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fe::jit {

// kF32 (float4) was added after the others: the values are part of the
// serialized spec (spec.cpp), so new types go at the end.
enum class Ty : uint8_t { kBool, kI16, kI32, kI64, kF64, kText, kF32 };

// Where a column's value comes from, for stored rows and the request row alike.
struct ColSpec {
    enum Src : uint8_t {
        kFixed,   // fixed-width value in the payload at `offset`
        kVar,     // variable-length value: 2-byte length + bytes in the var section
        kOrder,   // the row's order value (int64)
        kParam,   // same for every row: params[param] (key columns; request values)
        kAgg,     // projection only: aggregate result `param` (aggv / aggn)
    };
    Src src = kFixed;
    Ty ty = Ty::kI64;
    int32_t null_bit = -1;               // bit in the payload's null bitmap; -1 = never null
    int32_t offset = 0;                  // kFixed: value offset; kVar: var section offset
    std::vector<int32_t> prior_var_bits; // kVar: null bits of the var columns before it
    int32_t param = 0;                   // kParam
};

enum class Op : uint8_t {
    kCol, kConst, kParam,
    kAdd, kSub, kMul, kDiv, kMod, kNeg,
    kEq, kNe, kLt, kLe, kGt, kGe,
    kAnd, kOr, kNot, kIsNull, kIsNotNull,
    kCast,  // to `ty` from the child's type: int widening/narrowing, int -> float4/float8,
            // float4 -> float8 (ftod), float8 -> float4 (dtof: overflow/underflow checked)
};

struct ExprSpec {
    Op op = Op::kConst;
    Ty ty = Ty::kI64;        // result type (kBool for predicates)
    std::vector<int32_t> args;  // child expressions (kAnd/kOr: any number)
    int32_t col = -1;        // kCol: index into the group's columns
    int32_t param = -1;      // kParam: index into params (request values)
    bool null = false;       // kConst NULL
    int64_t ival = 0;        // kConst of an integer / bool type
    double fval = 0;         // kConst float8 / float4 (exact)
    std::string sval;        // kConst text (bytes, no terminator)
};

enum class AggKind : uint8_t {
    kCountStar, kCount,    // -> int8
    kSumInt,               // sum(int2|int4) -> int8
    kSumF8, kAvgF8,        // float8_pl / float8_accum + float8_avg
    kMaxF8, kMinF8,        // float8larger / float8smaller
    kMaxInt, kMinInt,      // int2/int4/int8 larger / smaller
    // feature_ext.sum_where / avg_where over an int2/int4/int8 column (the
    // condition is the filter): a 128-bit sum; sum's result has the
    // argument's type (22003 when it does not fit), avg's is float8.
    kSumWhereInt, kAvgWhereInt,
    // feature_ext.sum_where / avg_where over a float8 argument: the exact
    // sum of agg::ExactSum (correctly rounded, order-independent, never an
    // error: NaN / inf as ExactSum::value); avg divides it by the count.
    kSumWhereF8, kAvgWhereF8,
    // var_samp / variance, var_pop, stddev_samp / stddev, stddev_pop over a
    // float8 argument (float4 arguments arrive cast to float8, as
    // float4_accum does): float8_accum's Youngs-Cramer N, Sx, Sxx with its
    // overflow error and NaN rules, then the built-in final function.
    kVarSampF8, kVarPopF8, kStddevSampF8, kStddevPopF8,
    // sum(float4): float4pl in float4 arithmetic, result float4.
    kSumF4,
    // avg(float4): float4_accum's whole state (as the variance family, so
    // its overflow error and NaN need no interpreter: never kNeedInterpreter,
    // which batch() prepares for with avg(float8) only), then Sx / N.
    kAvgAccF8,
    // feature_ext's map / list aggregates, run by the library's kernels
    // through native.hpp (the state opened per chunk, rows added oldest
    // first with typed values, the result word read at the end).  The key's
    // physical type follows the argument: bool / int2 / int4 / int8 as int8,
    // float4 / float8 as float8, text as bytes.
    kDistinctCount,  // distinct_count(x): int8; NULL is a value of its own
    kMedian,         // median(float8): float8
    kEntropy,        // entropy(x): float8
    kTop1Ratio,      // top1_ratio(x): float8
    kEwAvg,          // ew_avg(x float8, alpha float8): arg2 is alpha
    kDrawdown,       // drawdown(x float8): float8
};
// feature_ext.min_where / max_where(x, cond) are kMin* / kMax* with cond as
// the filter: both keep the newest of equal values, NaN sorting highest.
// max / min(float4) are kMaxF8 / kMinF8 over the argument cast to float8
// (exact, same order) with arg_ty kF32: the result is the float4 value.
//
// Result words: float8 bits; float4 bits sign-extended from 32 bits and
// int2 / int4 values sign-extended (as Float4GetDatum / Int32GetDatum build
// a Datum); int8 as is.


struct AggSpec {
    AggKind kind = AggKind::kCountStar;
    int32_t window = 0;   // index into the group's frames
    int32_t arg = -1;     // expression index (not for count(*))
    int32_t filter = -1;  // expression index or -1
    int32_t arg2 = -1;    // second argument (kEwAvg) or -1
    Ty arg_ty = Ty::kI64;
    int32_t out = 0;      // result slot
};

struct GroupSpec {
    int32_t nwindows = 0;
    std::vector<ColSpec> cols;
    std::vector<ExprSpec> exprs;
    std::vector<AggSpec> aggs;
};

// The output projection: expressions over aggregate results (kAgg columns)
// and request values (kParam columns), one per compiled output column.
struct ProjOut {
    int32_t expr;
    int32_t out;  // output column
};
struct ProjSpec {
    GroupSpec exprs;              // cols + exprs (aggs and nwindows unused)
    std::vector<ProjOut> outs;    // empty: no projection function
};

struct ModuleSpec {
    std::vector<GroupSpec> groups;  // groups without aggregates compile to nothing
    ProjSpec proj;
};

// Frame of one window, as ascending positions over the stored rows (0..n-1)
// and the request row (n).  Mirrors the interpreter's Frame.
struct KFrame {
    int32_t from, to;        // inclusive; empty when from > to
    int32_t peers_from;      // first stored position with the request's order value
    int32_t flags;           // kSkipRequest | kSkipPeers
};
constexpr int32_t kSkipRequest = 1;
constexpr int32_t kSkipPeers = 2;

// Kernel error codes (0 = ok); the caller raises the matching PostgreSQL error.
enum KernelError : int32_t {
    kOk = 0,
    kErrFloatOverflow = 1,   // 22003 value out of range: overflow
    kErrFloatUnderflow = 2,  // 22003 value out of range: underflow
    kErrDivByZero = 3,       // 22012 division by zero
    kErrInt2Range = 4,       // 22003 smallint out of range
    kErrInt4Range = 5,       // 22003 integer out of range
    kErrInt8Range = 6,       // 22003 bigint out of range
    // Not an error: an avg(float8) frame holds a value beyond +/-1e100, inf
    // or NaN, where float8_accum's overflow checks need its sum of squares;
    // the caller computes the group with the interpreter instead.
    kNeedInterpreter = 8,
    kErrOutOfMemory = 9,     // 53200 out of memory (a native kernel's allocation failed)
};

// A group kernel's nonzero result: the KernelError in the low byte, above it
// 1 + the result slot (AggSpec::out) of the aggregate that failed, the first
// failing one in spec order.  Projections return the KernelError only.
inline int32_t kernel_code(int32_t rc) { return rc & 0xff; }
inline int32_t kernel_failed_out(int32_t rc) { return (rc >> 8) - 1; }

// int32_t kernel(rows, order, n, req, req_order, frames, params, param_nulls, out, out_null)
//   rows/order: the n stored rows, newest first; req/req_order: the request row.
using GroupFn = int32_t (*)(const uint8_t *const *rows, const int64_t *order, int32_t n, const uint8_t *req,
                            int64_t req_order, const KFrame *frames, const uint64_t *params,
                            const uint8_t *param_nulls, uint64_t *out, uint8_t *out_null);

// int32_t projection(params, param_nulls, aggv, aggn, out, out_null): every
// compiled output column as a Datum-compatible word + null flag.
using ProjFn = int32_t (*)(const uint64_t *params, const uint8_t *param_nulls, const uint64_t *aggv,
                           const uint8_t *aggn, uint64_t *out, uint8_t *out_null);
constexpr const char *kProjName = "fe_projection";

// A stable text form of a spec (for hashing and explain).
std::string serialize(const ModuleSpec &m);
uint64_t hash64(const std::string &s);

}  // namespace fe::jit
