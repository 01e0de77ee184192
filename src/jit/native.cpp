// feature_ext JIT: the native aggregate kernels generated code calls (see
// include/feature_ext/jit/native.hpp).
#include "feature_ext/jit/native.hpp"

#include "feature_ext/agg/kernels.hpp"
#include "feature_ext/jit/spec.hpp"

#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

namespace fe::jit {

namespace {

using agg::DistinctCount;
using agg::Drawdown;
using agg::Entropy;
using agg::EwAvg;
using agg::Median;
using agg::Top1Ratio;

uint64_t bits(double d)
{
    uint64_t w;
    std::memcpy(&w, &d, sizeof(w));
    return w;
}

struct State {
    NativeKind kind;
    bool failed = false;
    explicit State(NativeKind k) : kind(k) {}
    virtual ~State() = default;
    virtual void reset() = 0;
    virtual void add_i64(bool, int64_t) {}
    virtual void add_f64(bool, double) {}
    virtual void add_str(bool, std::string_view) {}
    virtual void add_f64_f64(bool, double, bool, double) {}
    virtual void result(uint64_t *word, uint8_t *isnull) const = 0;
};

// A kernel over keys of type K.
template <typename K>
struct KeyState : State {
    using State::State;
    DistinctCount<K> distinct;
    Entropy<K> entropy;
    Top1Ratio<K> top1;
    void reset() override
    {
        switch (kind) {
        case NativeKind::kDistinctI64: case NativeKind::kDistinctF64: case NativeKind::kDistinctStr:
            distinct.clear();
            break;
        case NativeKind::kEntropyI64: case NativeKind::kEntropyF64: case NativeKind::kEntropyStr:
            entropy.clear();
            break;
        default:
            top1.clear();
            break;
        }
    }
    void add(bool null, const K &k)
    {
        switch (kind) {
        case NativeKind::kDistinctI64: case NativeKind::kDistinctF64: case NativeKind::kDistinctStr:
            distinct.add(null, k);
            break;
        case NativeKind::kEntropyI64: case NativeKind::kEntropyF64: case NativeKind::kEntropyStr:
            entropy.add(null, k);
            break;
        default:
            top1.add(null, k);
            break;
        }
    }
    void result(uint64_t *word, uint8_t *isnull) const override
    {
        *isnull = 0;
        switch (kind) {
        case NativeKind::kDistinctI64: case NativeKind::kDistinctF64: case NativeKind::kDistinctStr:
            *word = uint64_t(distinct.result());
            return;
        case NativeKind::kEntropyI64: case NativeKind::kEntropyF64: case NativeKind::kEntropyStr:
            if (!entropy.has_result()) {
                *isnull = 1;
                *word = 0;
                return;
            }
            *word = bits(entropy.result());
            return;
        default:
            *word = bits(top1.result());
            return;
        }
    }
};

struct I64State : KeyState<int64_t> {
    using KeyState::KeyState;
    void add_i64(bool null, int64_t v) override { add(null, v); }
};
struct F64State : KeyState<double> {
    using KeyState::KeyState;
    void add_f64(bool null, double v) override { add(null, v); }
};
struct StrState : KeyState<std::string_view> {
    using KeyState::KeyState;
    void add_str(bool null, std::string_view v) override { add(null, v); }
};

struct SeqState : State {
    using State::State;
    Median median;
    EwAvg ew;
    Drawdown dd;
    void reset() override
    {
        median.clear();
        ew = EwAvg();
        dd = Drawdown();
    }
    void add_f64(bool null, double v) override
    {
        if (kind == NativeKind::kMedian)
            median.add(null, v);
        else
            dd.add(null, v);
    }
    void add_f64_f64(bool null, double v, bool alpha_null, double alpha) override { ew.add(null, v, alpha_null, alpha); }
    void result(uint64_t *word, uint8_t *isnull) const override
    {
        bool has = kind == NativeKind::kMedian ? median.has_result()
                   : kind == NativeKind::kEwAvg ? ew.has_result()
                                                : dd.has_result();
        *isnull = !has;
        *word = !has ? 0
                : kind == NativeKind::kMedian ? bits(median.result())
                : kind == NativeKind::kEwAvg  ? bits(ew.result())
                                              : bits(dd.result());
    }
};

std::unique_ptr<State> make(NativeKind k)
{
    switch (k) {
    case NativeKind::kDistinctI64: case NativeKind::kEntropyI64: case NativeKind::kTop1I64:
        return std::make_unique<I64State>(k);
    case NativeKind::kDistinctF64: case NativeKind::kEntropyF64: case NativeKind::kTop1F64:
        return std::make_unique<F64State>(k);
    case NativeKind::kDistinctStr: case NativeKind::kEntropyStr: case NativeKind::kTop1Str:
        return std::make_unique<StrState>(k);
    default:
        return std::make_unique<SeqState>(k);
    }
}

thread_local std::vector<std::unique_ptr<State>> t_pool;

template <typename F>
void guarded(void *st, F &&f) noexcept
{
    auto *s = static_cast<State *>(st);
    if (!s || s->failed)
        return;
    try {
        f(s);
    } catch (...) {  // std::bad_alloc: the kernels throw nothing else here
        s->failed = true;
    }
}

}  // namespace

}  // namespace fe::jit

using fe::jit::NativeKind;
using fe::jit::State;

extern "C" void *fe_jit_native_open(int32_t kind, int32_t slot) noexcept
{
    try {
        auto &pool = fe::jit::t_pool;
        if (size_t(slot) >= pool.size())
            pool.resize(size_t(slot) + 1);
        auto &s = pool[size_t(slot)];
        if (!s || s->kind != NativeKind(kind))
            s = fe::jit::make(NativeKind(kind));
        else {
            s->failed = false;
            s->reset();
        }
        return s.get();
    } catch (...) {
        if (size_t(slot) < fe::jit::t_pool.size())
            fe::jit::t_pool[size_t(slot)].reset();
        return nullptr;
    }
}

extern "C" void fe_jit_native_add_i64(void *st, int32_t isnull, int64_t v) noexcept
{
    fe::jit::guarded(st, [&](State *s) { s->add_i64(isnull != 0, v); });
}

extern "C" void fe_jit_native_add_f64(void *st, int32_t isnull, double v) noexcept
{
    fe::jit::guarded(st, [&](State *s) { s->add_f64(isnull != 0, v); });
}

extern "C" void fe_jit_native_add_str(void *st, int32_t isnull, const char *p, int32_t len) noexcept
{
    fe::jit::guarded(st, [&](State *s) {
        s->add_str(isnull != 0, isnull ? std::string_view() : std::string_view(p, size_t(len)));
    });
}

extern "C" void fe_jit_native_add_f64_f64(void *st, int32_t isnull, double v, int32_t alpha_null,
                                          double alpha) noexcept
{
    fe::jit::guarded(st, [&](State *s) { s->add_f64_f64(isnull != 0, v, alpha_null != 0, alpha); });
}

extern "C" int32_t fe_jit_native_result(void *st, uint64_t *word, uint8_t *isnull) noexcept
{
    auto *s = static_cast<State *>(st);
    *word = 0;
    *isnull = 1;
    if (!s || s->failed)
        return fe::jit::kErrOutOfMemory;
    s->result(word, isnull);
    return fe::jit::kOk;
}

extern "C" void fe_jit_native_release() noexcept
{
    fe::jit::t_pool.clear();
    fe::jit::t_pool.shrink_to_fit();
}
