// feature_ext JIT: native aggregate kernels called from generated code.
//
// Aggregates whose state is a map or a list (distinct_count, median,
// entropy, top1_ratio, ew_avg, drawdown) run the library's own kernels
// (include/feature_ext/agg/kernels.hpp, the same classes the interpreter's
// transition functions use, so results are bit-identical by construction):
// the generated code opens a state per aggregate when a chunk starts, adds
// the frame's rows oldest first with typed values (no Datums, no fmgr), and
// reads the result word at the end.
//
// States live in a per-thread pool indexed by the aggregate's place in its
// chunk (at most 32 at a time: chunks run one after the other and each reads
// its results before returning) and are emptied, not freed, by the next
// open (hash tables keep their buckets).  Text keys are views of the rows
// being read, valid for the kernel call (the next open drops them unread).  Everything is noexcept: an allocation failure marks the
// state, and its result returns kErrOutOfMemory.
//
// Pure C++ (no PostgreSQL, no LLVM headers).
#pragma once

#include <cstdint>

namespace fe::jit {

// What a native state computes, and the physical type of its key.
enum class NativeKind : int32_t {
    kDistinctI64, kDistinctF64, kDistinctStr,  // distinct_count: int8, NULL counts as a value
    kMedian,                                  // median(float8): float8, NULL when no value
    kEntropyI64, kEntropyF64, kEntropyStr,     // entropy: float8, NULL when no value
    kTop1I64, kTop1F64, kTop1Str,              // top1_ratio: float8, 0 when no value
    kEwAvg,                                   // ew_avg(float8, alpha float8): float8, NULL when no value
    kDrawdown,                                // drawdown(float8): float8, NULL when no value
};

// Symbol names the loader binds (codegen.cpp) and the generated code calls.
constexpr const char *kNativeOpen = "fe_jit_native_open";
constexpr const char *kNativeAddI64 = "fe_jit_native_add_i64";
constexpr const char *kNativeAddF64 = "fe_jit_native_add_f64";
constexpr const char *kNativeAddStr = "fe_jit_native_add_str";
constexpr const char *kNativeAddF64F64 = "fe_jit_native_add_f64_f64";
constexpr const char *kNativeResult = "fe_jit_native_result";

}  // namespace fe::jit

extern "C" {
// The state of `slot` (0..), reset for `kind`; nullptr when out of memory
// (every add then does nothing and the result is kErrOutOfMemory).
void *fe_jit_native_open(int32_t kind, int32_t slot) noexcept;
void fe_jit_native_add_i64(void *state, int32_t isnull, int64_t v) noexcept;
void fe_jit_native_add_f64(void *state, int32_t isnull, double v) noexcept;
void fe_jit_native_add_str(void *state, int32_t isnull, const char *p, int32_t len) noexcept;
// ew_avg: the value and alpha (a NULL alpha is 0).
void fe_jit_native_add_f64_f64(void *state, int32_t isnull, double v, int32_t alpha_null, double alpha) noexcept;
// The result word (int8 or float8 bits) and NULL flag; 0 or kErrOutOfMemory.
int32_t fe_jit_native_result(void *state, uint64_t *word, uint8_t *isnull) noexcept;
// Frees this thread's pool (tests; a backend keeps its pool).
void fe_jit_native_release() noexcept;
}
