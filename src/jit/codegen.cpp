// feature_ext JIT: LLVM code generation for deployment group kernels.
//
// One function per index group (see spec.hpp for the kernel's contract).
// Aggregates are split into chunks of at most kChunk; each chunk is one
// internal function (so optimisation time stays linear in the number of
// features) with one loop per window over that window's frame.  Semantics
// follow PostgreSQL's built-ins:
//   float8 + - * /   float8pl/mi/mul/div: overflow, underflow, 0-division errors
//   intN + - * / %   overflow checked at the operands' width
//   float8 compare   NaN equals NaN and sorts above everything
//   AND / OR         three-valued, evaluated left to right, short-circuit
//   sum/avg/min/max  float8_pl, float8_accum + float8_avg, float8larger/smaller
//   float8 sum_where / avg_where  agg::ExactSum's fixed-point sum, inline; its
//                    rounding is one call to fe_jit_exact_sum_value per result
#include "feature_ext/jit/jit.hpp"

#include "feature_ext/agg/common.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/Mangling.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/ErrorHandling.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#if LLVM_VERSION_MAJOR >= 17
#include <llvm/TargetParser/Host.h>
#else
#include <llvm/Support/Host.h>
#endif

// The one function of this library generated code calls (bound by load()):
// the correctly rounded value of an exact sum kept by the kernel.
extern "C" double fe_jit_exact_sum_value(const int64_t *chunks, const int64_t *special) noexcept
{
    return fe::agg::ExactSum::value_of(chunks, special[0], special[1], special[2]);
}

namespace fe::jit {

namespace {

// ---- LLVM versions: 14 (PostgreSQL 15 on Debian 12), 19 (17 on Debian 13),
// 21 (18 on Debian unstable).  Their differences stay in this section.
#if LLVM_VERSION_MAJOR >= 18
constexpr auto kOptDefault = llvm::CodeGenOptLevel::Default;
constexpr auto kObjectFile = llvm::CodeGenFileType::ObjectFile;
#else
constexpr auto kOptDefault = llvm::CodeGenOpt::Default;
constexpr auto kObjectFile = llvm::CGFT_ObjectFile;
#endif

// A data pointer: i8* while LLVM has typed pointers, the opaque `ptr` after
// (getInt8PtrTy and Type::getPointerTo are gone).
llvm::Type *data_ptr_ty(llvm::LLVMContext &c)
{
#if LLVM_VERSION_MAJOR >= 18
    return llvm::PointerType::getUnqual(c);
#else
    return llvm::Type::getInt8PtrTy(c);
#endif
}

llvm::Type *ptr_to(llvm::Type *t)
{
#if LLVM_VERSION_MAJOR >= 18
    return llvm::PointerType::getUnqual(t->getContext());
#else
    return t->getPointerTo();
#endif
}

llvm::Function *intrinsic(llvm::Module *m, llvm::Intrinsic::ID id, llvm::ArrayRef<llvm::Type *> types)
{
#if LLVM_VERSION_MAJOR >= 20
    return llvm::Intrinsic::getOrInsertDeclaration(m, id, types);
#else
    return llvm::Intrinsic::getDeclaration(m, id, types);
#endif
}

// An absolute symbol for the loader, and the address a lookup found.
#if LLVM_VERSION_MAJOR >= 17
llvm::orc::ExecutorSymbolDef absolute_symbol(void *addr)
{
    return {llvm::orc::ExecutorAddr::fromPtr(addr), llvm::JITSymbolFlags::Exported};
}
#else
llvm::JITEvaluatedSymbol absolute_symbol(void *addr)
{
    return {llvm::pointerToJITTargetAddress(addr), llvm::JITSymbolFlags::Exported};
}
#endif

template <typename Sym>
uintptr_t symbol_address(const Sym &s)
{
#if LLVM_VERSION_MAJOR >= 15
    return static_cast<uintptr_t>(s.getValue());
#else
    return static_cast<uintptr_t>(s.getAddress());
#endif
}

void set_target_triple(llvm::Module &m, const llvm::Triple &t)
{
#if LLVM_VERSION_MAJOR >= 21
    m.setTargetTriple(t);
#else
    m.setTargetTriple(t.str());
#endif
}

// The host CPU's features (empty when LLVM cannot tell).
llvm::StringMap<bool> host_cpu_features()
{
#if LLVM_VERSION_MAJOR >= 19
    return llvm::sys::getHostCPUFeatures();
#else
    llvm::StringMap<bool> f;
    if (!llvm::sys::getHostCPUFeatures(f))
        f.clear();
    return f;
#endif
}

// ---- end of LLVM version differences

constexpr size_t kChunk = 32;
constexpr const char *kExactValueName = "fe_jit_exact_sum_value";
constexpr int kXChunks = agg::ExactSum::kChunks;

FatalFn g_fatal = nullptr;

void on_fatal(const char *reason)
{
    if (g_fatal)
        g_fatal(reason);
    std::abort();
}

void llvm_fatal(void *, const char *reason, bool) { on_fatal(reason); }
void llvm_bad_alloc(void *, const char *reason, bool) { on_fatal(reason); }
void new_handler() { on_fatal("out of memory in LLVM"); }

// LLVM section: fatal handlers installed for its duration (not nested).
struct LlvmSection {
    std::new_handler old_new;
    LlvmSection()
    {
        old_new = std::set_new_handler(new_handler);
        llvm::install_fatal_error_handler(llvm_fatal, nullptr);
        llvm::install_bad_alloc_error_handler(llvm_bad_alloc, nullptr);
    }
    ~LlvmSection()
    {
        llvm::remove_bad_alloc_error_handler();
        llvm::remove_fatal_error_handler();
        std::set_new_handler(old_new);
    }
};

void init_llvm()
{
    static bool done = false;
    if (done)
        return;
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    done = true;
}

char *dup(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p) {
        std::memcpy(p, s.data(), s.size());
        p[s.size()] = '\0';
    }
    return p;
}

std::unique_ptr<llvm::TargetMachine> host_machine(std::string *err)
{
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) {
        *err = llvm::toString(jtmb.takeError());
        return nullptr;
    }
    jtmb->setCodeGenOptLevel(kOptDefault);
    jtmb->setRelocationModel(llvm::Reloc::PIC_);
    jtmb->setCodeModel(llvm::CodeModel::Small);
    auto tm = jtmb->createTargetMachine();
    if (!tm) {
        *err = llvm::toString(tm.takeError());
        return nullptr;
    }
    return std::move(*tm);
}

// ------------------------------------------------------------------ codegen

using llvm::BasicBlock;
using llvm::Value;

struct Val {
    Value *v = nullptr;     // value (i1/i16/i32/i64/double) or data pointer (text)
    Value *null = nullptr;  // i1
    Value *len = nullptr;   // text length (i32)
};

class Gen {
public:
    Gen(llvm::LLVMContext &c, llvm::Module &m) : ctx(c), mod(m), b(c) {}

    void group(const GroupSpec &g, int gi);

private:
    llvm::LLVMContext &ctx;
    llvm::Module &mod;
    llvm::IRBuilder<> b;
    llvm::Function *fn = nullptr;
    const GroupSpec *gs = nullptr;
    BasicBlock *err_blocks[16] = {};
    // While an aggregate's rows are generated: errors are recorded in its
    // slot and end its row (agg_next) instead of returning.
    llvm::AllocaInst *agg_err = nullptr;
    BasicBlock *agg_next = nullptr;
    int32_t err_tag = 0;  // results: (1 + result slot) << 8 of the aggregate (kernel_failed_out)
    std::vector<Val> cols;
    Value *aggv = nullptr, *aggn = nullptr;  // projection: aggregate results

public:
    void projection(const ProjSpec &p);

private:
    void projection_part(const ProjSpec &ps, size_t first, size_t last, llvm::Function *f);

    llvm::Type *ty(Ty t)
    {
        switch (t) {
        case Ty::kBool: return b.getInt1Ty();
        case Ty::kI16: return b.getInt16Ty();
        case Ty::kI32: return b.getInt32Ty();
        case Ty::kI64: return b.getInt64Ty();
        case Ty::kF64: return b.getDoubleTy();
        case Ty::kText: return data_ptr_ty(ctx);
        }
        return b.getInt64Ty();
    }
    int bits(Ty t) { return t == Ty::kI16 ? 16 : t == Ty::kI32 ? 32 : 64; }
    bool is_int(Ty t) { return t == Ty::kI16 || t == Ty::kI32 || t == Ty::kI64; }

    BasicBlock *err_block(KernelError code)
    {
        if (!err_blocks[code]) {
            auto *save = b.GetInsertBlock();
            err_blocks[code] = BasicBlock::Create(ctx, "err", fn);
            b.SetInsertPoint(err_blocks[code]);
            if (agg_err) {
                b.CreateStore(b.getInt32(code), agg_err);
                b.CreateBr(agg_next);
            } else
                b.CreateRet(b.getInt32(code | err_tag));
            b.SetInsertPoint(save);
        }
        return err_blocks[code];
    }
    // (double) of a 128-bit integer, correctly rounded like the C++ cast,
    // without the __floattidf library call the loader does not bind: values
    // in int64 range convert directly; larger ones keep their top 64 bits
    // with a sticky bit for what is shifted out (the rounding stays exact),
    // then scale by the power of two.
    Value *i128_to_double(Value *w)
    {
        llvm::Type *i128 = b.getInt128Ty(), *i64 = b.getInt64Ty(), *dbl = b.getDoubleTy();
        Value *lo = b.CreateTrunc(w, i64);
        Value *fits = b.CreateICmpEQ(b.CreateSExt(lo, i128), w);
        Value *small = b.CreateSIToFP(lo, dbl);
        Value *neg = b.CreateICmpSLT(w, b.getIntN(128, 0));
        Value *m = b.CreateSelect(neg, b.CreateNeg(w), w);
        llvm::Function *ctlz = intrinsic(&mod, llvm::Intrinsic::ctlz, {i128});
        Value *lz = b.CreateCall(ctlz, {m, b.getFalse()});
        Value *sh = b.CreateSelect(b.CreateICmpULT(lz, b.getIntN(128, 64)), b.CreateSub(b.getIntN(128, 64), lz),
                                   b.getIntN(128, 0));
        Value *top = b.CreateTrunc(b.CreateLShr(m, sh), i64);
        Value *mask = b.CreateSub(b.CreateShl(b.getIntN(128, 1), sh), b.getIntN(128, 1));
        Value *sticky = b.CreateICmpNE(b.CreateAnd(m, mask), b.getIntN(128, 0));
        Value *d = b.CreateUIToFP(b.CreateOr(top, b.CreateZExt(sticky, i64)), dbl);
        Value *scale = b.CreateBitCast(b.CreateShl(b.CreateAdd(b.CreateTrunc(sh, i64), b.getInt64(1023)), 52), dbl);
        Value *big = b.CreateFMul(d, scale);
        big = b.CreateSelect(neg, b.CreateFNeg(big), big);
        return b.CreateSelect(fits, small, big);
    }
    // The 2-byte length of a variable-width value at p, 0 (and not read) when
    // the value is NULL.
    Value *var_len(Value *p, Value *isnull, llvm::Type *t)
    {
        BasicBlock *cur = b.GetInsertBlock();
        BasicBlock *ld = BasicBlock::Create(ctx, "var_len", fn);
        BasicBlock *done = BasicBlock::Create(ctx, "var_len_done", fn);
        b.CreateCondBr(isnull, done, ld);
        b.SetInsertPoint(ld);
        Value *v = b.CreateZExt(load_at(p, 0, b.getInt16Ty()), t);
        b.CreateBr(done);
        b.SetInsertPoint(done);
        llvm::PHINode *phi = b.CreatePHI(t, 2);
        phi->addIncoming(llvm::ConstantInt::get(t, 0), cur);
        phi->addIncoming(v, ld);
        return phi;
    }
    // Branch to the error `code` when cond holds.
    void check(Value *cond, KernelError code)
    {
        BasicBlock *ok = BasicBlock::Create(ctx, "ok", fn);
        b.CreateCondBr(cond, err_block(code), ok, weights_unlikely());
        b.SetInsertPoint(ok);
    }
    llvm::MDNode *weights_unlikely() { return llvm::MDBuilder(ctx).createBranchWeights(1, 1 << 20); }

    Value *load_at(Value *base, int64_t off, llvm::Type *t)
    {
        Value *p = b.CreateGEP(b.getInt8Ty(), base, b.getInt64(off));
        p = b.CreateBitCast(p, ptr_to(t));
        auto *ld = b.CreateAlignedLoad(t, p, llvm::MaybeAlign(1));
        return ld;
    }
    Value *null_bit(Value *row, int32_t bit)
    {
        if (bit < 0)
            return b.getFalse();
        Value *byte = load_at(row, bit / 8, b.getInt8Ty());
        return b.CreateICmpNE(b.CreateAnd(byte, b.getInt8(uint8_t(1u << (bit % 8)))), b.getInt8(0));
    }
    Value *isnan(Value *d) { return b.CreateFCmpUNO(d, d); }
    Value *isinf(Value *d)
    {
        auto *fabs = intrinsic(&mod, llvm::Intrinsic::fabs, {b.getDoubleTy()});
        return b.CreateFCmpOEQ(b.CreateCall(fabs, {d}), llvm::ConstantFP::getInfinity(b.getDoubleTy()));
    }

    void exact_add(Value *x, Value *chunks, Value *special);
    Val load_col(const ColSpec &c, Value *row, Value *ord, Value *params, Value *pnulls);
    Val expr(int i, Value *params, Value *pnulls);
    Val arith(const ExprSpec &e, Val x, Val y);
    Value *cmp_values(Op op, Ty t, Val x, Val y);
    Val cast(Ty to, Ty from, Val x);
    void chunk(const GroupSpec &g, size_t first, size_t last, llvm::Function *f);
};

// ExactSum::add(x) on a kernel-local state: x = mag * 2^(pos - 1074) with
// mag < 2^53 goes into the 32-bit chunks pos/32 .. pos/32 + 2 (with x's sign);
// infinities and NaN are counted.  At most 2^31 adds per call (the positions
// are int32), so no chunk overflows and no normalisation is needed here.
void Gen::exact_add(Value *x, Value *chunks, Value *special)
{
    llvm::Type *i64 = b.getInt64Ty(), *i128 = b.getInt128Ty();
    llvm::Type *arr = llvm::ArrayType::get(i64, kXChunks), *sarr = llvm::ArrayType::get(i64, 3);
    Value *bits = b.CreateBitCast(x, i64);
    Value *e = b.CreateAnd(b.CreateLShr(bits, 52), b.getInt64(0x7ff));
    Value *frac = b.CreateAnd(bits, b.getInt64((int64_t(1) << 52) - 1));
    Value *neg = b.CreateICmpSLT(bits, b.getInt64(0));
    BasicBlock *special_bb = BasicBlock::Create(ctx, "xsum_special", fn);
    BasicBlock *finite_bb = BasicBlock::Create(ctx, "xsum_finite", fn);
    BasicBlock *done = BasicBlock::Create(ctx, "xsum_done", fn);
    b.CreateCondBr(b.CreateICmpEQ(e, b.getInt64(0x7ff)), special_bb, finite_bb, weights_unlikely());
    b.SetInsertPoint(special_bb);
    {  // [0] +inf, [1] -inf, [2] NaN
        Value *slot = b.CreateSelect(b.CreateICmpNE(frac, b.getInt64(0)), b.getInt64(2),
                                     b.CreateSelect(neg, b.getInt64(1), b.getInt64(0)));
        Value *p = b.CreateGEP(sarr, special, {b.getInt64(0), slot});
        b.CreateStore(b.CreateAdd(b.CreateLoad(i64, p), b.getInt64(1)), p);
        b.CreateBr(done);
    }
    b.SetInsertPoint(finite_bb);
    Value *sub = b.CreateICmpEQ(e, b.getInt64(0));  // subnormal or zero
    Value *mag = b.CreateSelect(sub, frac, b.CreateOr(frac, b.getInt64(int64_t(1) << 52)));
    Value *pos = b.CreateSelect(sub, b.getInt64(0), b.CreateSub(e, b.getInt64(1)));
    Value *idx = b.CreateLShr(pos, 5);
    Value *v = b.CreateShl(b.CreateZExt(mag, i128), b.CreateZExt(b.CreateAnd(pos, b.getInt64(31)), i128));
    for (int j = 0; j < 3; j++) {
        Value *c = b.CreateTrunc(b.CreateLShr(v, uint64_t(32 * j)), i64);
        if (j < 2)
            c = b.CreateAnd(c, b.getInt64(0xffffffff));
        Value *p = b.CreateGEP(arr, chunks, {b.getInt64(0), b.CreateAdd(idx, b.getInt64(j))});
        Value *old = b.CreateLoad(i64, p);
        b.CreateStore(b.CreateSelect(neg, b.CreateSub(old, c), b.CreateAdd(old, c)), p);
    }
    b.CreateBr(done);
    b.SetInsertPoint(done);
}

Val Gen::load_col(const ColSpec &c, Value *row, Value *ord, Value *params, Value *pnulls)
{
    Val r;
    switch (c.src) {
    case ColSpec::kOrder:
        r.null = b.getFalse();
        r.v = c.ty == Ty::kI64 ? ord : b.CreateTrunc(ord, ty(c.ty));
        return r;
    case ColSpec::kParam:
    case ColSpec::kAgg: {
        Value *vals = c.src == ColSpec::kAgg ? aggv : params, *nulls = c.src == ColSpec::kAgg ? aggn : pnulls;
        Value *pv = b.CreateLoad(b.getInt64Ty(), b.CreateGEP(b.getInt64Ty(), vals, b.getInt64(c.param)));
        Value *pn = b.CreateLoad(b.getInt8Ty(), b.CreateGEP(b.getInt8Ty(), nulls, b.getInt64(c.param)));
        r.null = b.CreateICmpNE(pn, b.getInt8(0));
        if (c.ty == Ty::kF64)
            r.v = b.CreateBitCast(pv, b.getDoubleTy());
        else if (c.ty == Ty::kBool)
            r.v = b.CreateICmpNE(pv, b.getInt64(0));
        else
            r.v = c.ty == Ty::kI64 ? pv : b.CreateTrunc(pv, ty(c.ty));
        return r;
    }
    case ColSpec::kFixed:
        r.null = null_bit(row, c.null_bit);
        if (c.ty == Ty::kBool)
            r.v = b.CreateICmpNE(load_at(row, c.offset, b.getInt8Ty()), b.getInt8(0));
        else
            r.v = load_at(row, c.offset, ty(c.ty));
        return r;
    case ColSpec::kVar: {
        // A NULL value has no bytes (not even a length): its length is read
        // only when it is not NULL (it may be the row's last bytes).
        Value *p = b.CreateGEP(b.getInt8Ty(), row, b.getInt64(c.offset));
        for (int32_t bit : c.prior_var_bits) {
            Value *n = null_bit(row, bit);
            Value *len = var_len(p, n, b.getInt64Ty());
            Value *skip = b.CreateSelect(n, b.getInt64(0), b.CreateAdd(len, b.getInt64(2)));
            p = b.CreateGEP(b.getInt8Ty(), p, skip);
        }
        r.null = null_bit(row, c.null_bit);
        r.len = var_len(p, r.null, b.getInt32Ty());
        r.v = b.CreateGEP(b.getInt8Ty(), p, b.getInt64(2));
        return r;
    }
    }
    return r;
}

Val Gen::cast(Ty to, Ty from, Val x)
{
    Val r = x;
    if (to == from)
        return r;
    if (to == Ty::kF64 && is_int(from)) {
        r.v = b.CreateSIToFP(x.v, b.getDoubleTy());
        return r;
    }
    if (is_int(to) && is_int(from)) {
        if (bits(to) > bits(from)) {
            r.v = b.CreateSExt(x.v, ty(to));
            return r;
        }
        // Narrowing (int84, int82, i4toi2): range checked.
        r.v = b.CreateTrunc(x.v, ty(to));
        Value *back = b.CreateSExt(r.v, ty(from));
        Value *bad = b.CreateAnd(b.CreateNot(x.null), b.CreateICmpNE(back, x.v));
        check(bad, to == Ty::kI16 ? kErrInt2Range : kErrInt4Range);
        return r;
    }
    return r;  // translation never asks for other casts
}

Val Gen::arith(const ExprSpec &e, Val x, Val y)
{
    Val r;
    r.null = b.CreateOr(x.null, y.null);
    Value *live = b.CreateNot(r.null);
    if (e.ty == Ty::kF64) {
        Value *a = x.v, *c = y.v;
        switch (e.op) {
        case Op::kAdd: case Op::kSub: {
            Value *s = e.op == Op::kAdd ? b.CreateFAdd(a, c) : b.CreateFSub(a, c);
            check(b.CreateAnd(live, b.CreateAnd(isinf(s), b.CreateAnd(b.CreateNot(isinf(a)), b.CreateNot(isinf(c))))),
                  kErrFloatOverflow);
            r.v = s;
            return r;
        }
        case Op::kMul: {
            Value *s = b.CreateFMul(a, c);
            check(b.CreateAnd(live, b.CreateAnd(isinf(s), b.CreateAnd(b.CreateNot(isinf(a)), b.CreateNot(isinf(c))))),
                  kErrFloatOverflow);
            Value *zero = llvm::ConstantFP::get(b.getDoubleTy(), 0.0);
            check(b.CreateAnd(live, b.CreateAnd(b.CreateFCmpOEQ(s, zero),
                                                b.CreateAnd(b.CreateFCmpUNE(a, zero), b.CreateFCmpUNE(c, zero)))),
                  kErrFloatUnderflow);
            r.v = s;
            return r;
        }
        case Op::kDiv: {
            Value *zero = llvm::ConstantFP::get(b.getDoubleTy(), 0.0);
            check(b.CreateAnd(live, b.CreateAnd(b.CreateFCmpOEQ(c, zero), b.CreateNot(isnan(a)))), kErrDivByZero);
            Value *s = b.CreateFDiv(a, c);
            check(b.CreateAnd(live, b.CreateAnd(isinf(s), b.CreateNot(isinf(a)))), kErrFloatOverflow);
            check(b.CreateAnd(live, b.CreateAnd(b.CreateFCmpOEQ(s, zero),
                                                b.CreateAnd(b.CreateFCmpUNE(a, zero), b.CreateNot(isinf(c))))),
                  kErrFloatUnderflow);
            r.v = s;
            return r;
        }
        default:
            break;
        }
        r.v = llvm::ConstantFP::get(b.getDoubleTy(), 0.0);
        return r;
    }
    // Integers at the operands' width.
    KernelError range = e.ty == Ty::kI16 ? kErrInt2Range : e.ty == Ty::kI32 ? kErrInt4Range : kErrInt8Range;
    llvm::Type *t = ty(e.ty);
    Value *a = x.v, *c = y.v;
    auto with_ov = [&](llvm::Intrinsic::ID id) {
        auto *f = intrinsic(&mod, id, {t});
        Value *res = b.CreateCall(f, {a, c});
        check(b.CreateAnd(live, b.CreateExtractValue(res, 1)), range);
        return b.CreateExtractValue(res, 0);
    };
    switch (e.op) {
    case Op::kAdd: r.v = with_ov(llvm::Intrinsic::sadd_with_overflow); return r;
    case Op::kSub: r.v = with_ov(llvm::Intrinsic::ssub_with_overflow); return r;
    case Op::kMul: r.v = with_ov(llvm::Intrinsic::smul_with_overflow); return r;
    case Op::kDiv: case Op::kMod: {
        Value *zero = llvm::ConstantInt::get(t, 0), *m1 = llvm::ConstantInt::getSigned(t, -1);
        check(b.CreateAnd(live, b.CreateICmpEQ(c, zero)), kErrDivByZero);
        Value *is_m1 = b.CreateICmpEQ(c, m1);
        Value *safe = b.CreateSelect(b.CreateOr(is_m1, b.CreateICmpEQ(c, zero)), llvm::ConstantInt::get(t, 1), c);
        if (e.op == Op::kMod) {
            // intNmod: x % -1 is 0 (no overflow for the minimum value)
            r.v = b.CreateSelect(is_m1, zero, b.CreateSRem(a, safe));
            return r;
        }
        // intNdiv: x / -1 is -x, which overflows for the minimum value
        Value *minv = llvm::ConstantInt::get(t, llvm::APInt::getSignedMinValue(bits(e.ty)));
        check(b.CreateAnd(live, b.CreateAnd(is_m1, b.CreateICmpEQ(a, minv))), range);
        r.v = b.CreateSelect(is_m1, b.CreateNeg(a), b.CreateSDiv(a, safe));
        return r;
    }
    default:
        r.v = llvm::ConstantInt::get(t, 0);
        return r;
    }
}

Value *Gen::cmp_values(Op op, Ty t, Val x, Val y)
{
    if (t == Ty::kText) {
        // texteq/textne under a deterministic collation: same length, same bytes.
        Value *same_len = b.CreateICmpEQ(x.len, y.len);
        llvm::FunctionCallee memcmp_fn =
            mod.getOrInsertFunction("memcmp", b.getInt32Ty(), data_ptr_ty(ctx), data_ptr_ty(ctx), b.getInt64Ty());
        BasicBlock *cur = b.GetInsertBlock();
        BasicBlock *cmpb = BasicBlock::Create(ctx, "txtcmp", fn);
        BasicBlock *done = BasicBlock::Create(ctx, "txtdone", fn);
        b.CreateCondBr(same_len, cmpb, done);
        b.SetInsertPoint(cmpb);
        Value *c = b.CreateCall(memcmp_fn, {x.v, y.v, b.CreateZExt(x.len, b.getInt64Ty())});
        Value *eqb = b.CreateICmpEQ(c, b.getInt32(0));
        BasicBlock *cmp_end = b.GetInsertBlock();
        b.CreateBr(done);
        b.SetInsertPoint(done);
        auto *phi = b.CreatePHI(b.getInt1Ty(), 2);
        phi->addIncoming(b.getFalse(), cur);
        phi->addIncoming(eqb, cmp_end);
        return op == Op::kEq ? static_cast<Value *>(phi) : b.CreateNot(phi);
    }
    if (t == Ty::kF64) {
        Value *a = x.v, *c = y.v;
        Value *na = isnan(a), *nc = isnan(c);
        switch (op) {
        case Op::kEq: return b.CreateSelect(na, nc, b.CreateAnd(b.CreateNot(nc), b.CreateFCmpOEQ(a, c)));
        case Op::kNe: return b.CreateNot(b.CreateSelect(na, nc, b.CreateAnd(b.CreateNot(nc), b.CreateFCmpOEQ(a, c))));
        case Op::kLt: return b.CreateAnd(b.CreateNot(na), b.CreateOr(nc, b.CreateFCmpOLT(a, c)));
        case Op::kLe: return b.CreateOr(nc, b.CreateAnd(b.CreateNot(na), b.CreateFCmpOLE(a, c)));
        case Op::kGt: return b.CreateAnd(b.CreateNot(nc), b.CreateOr(na, b.CreateFCmpOGT(a, c)));
        case Op::kGe: return b.CreateOr(na, b.CreateAnd(b.CreateNot(nc), b.CreateFCmpOGE(a, c)));
        default: return b.getFalse();
        }
    }
    switch (op) {  // integers and booleans (booleans compare false < true)
    case Op::kEq: return b.CreateICmpEQ(x.v, y.v);
    case Op::kNe: return b.CreateICmpNE(x.v, y.v);
    case Op::kLt: return t == Ty::kBool ? b.CreateICmpULT(x.v, y.v) : b.CreateICmpSLT(x.v, y.v);
    case Op::kLe: return t == Ty::kBool ? b.CreateICmpULE(x.v, y.v) : b.CreateICmpSLE(x.v, y.v);
    case Op::kGt: return t == Ty::kBool ? b.CreateICmpUGT(x.v, y.v) : b.CreateICmpSGT(x.v, y.v);
    case Op::kGe: return t == Ty::kBool ? b.CreateICmpUGE(x.v, y.v) : b.CreateICmpSGE(x.v, y.v);
    default: return b.getFalse();
    }
}

Val Gen::expr(int i, Value *params, Value *pnulls)
{
    const ExprSpec &e = gs->exprs[size_t(i)];
    Val r;
    switch (e.op) {
    case Op::kCol:
        return cols[size_t(e.col)];
    case Op::kParam: {
        ColSpec c;
        c.src = ColSpec::kParam;
        c.ty = e.ty;
        c.param = e.param;
        return load_col(c, nullptr, nullptr, params, pnulls);
    }
    case Op::kConst:
        r.null = b.getInt1(e.null);
        switch (e.ty) {
        case Ty::kF64: r.v = llvm::ConstantFP::get(b.getDoubleTy(), e.fval); break;
        case Ty::kText: {
            auto *gv = b.CreateGlobalString(e.sval, "txt", 0, &mod);
            r.v = b.CreateBitCast(gv, data_ptr_ty(ctx));
            r.len = b.getInt32(uint32_t(e.sval.size()));
            break;
        }
        case Ty::kBool: r.v = b.getInt1(e.ival != 0); break;
        default: r.v = llvm::ConstantInt::getSigned(ty(e.ty), e.ival); break;
        }
        return r;
    case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: case Op::kMod: {
        Val x = expr(e.args[0], params, pnulls);
        Val y = expr(e.args[1], params, pnulls);
        return arith(e, x, y);
    }
    case Op::kNeg: {
        Val x = expr(e.args[0], params, pnulls);
        r.null = x.null;
        if (e.ty == Ty::kF64) {
            r.v = b.CreateFNeg(x.v);
            return r;
        }
        Value *minv = llvm::ConstantInt::get(ty(e.ty), llvm::APInt::getSignedMinValue(bits(e.ty)));
        check(b.CreateAnd(b.CreateNot(x.null), b.CreateICmpEQ(x.v, minv)),
              e.ty == Ty::kI16 ? kErrInt2Range : e.ty == Ty::kI32 ? kErrInt4Range : kErrInt8Range);
        r.v = b.CreateNeg(x.v);
        return r;
    }
    case Op::kEq: case Op::kNe: case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: {
        Val x = expr(e.args[0], params, pnulls);
        Val y = expr(e.args[1], params, pnulls);
        Ty t = gs->exprs[size_t(e.args[0])].ty;
        r.null = b.CreateOr(x.null, y.null);
        r.v = cmp_values(e.op, t, x, y);
        return r;
    }
    case Op::kNot: {
        Val x = expr(e.args[0], params, pnulls);
        r.null = x.null;
        r.v = b.CreateNot(x.v);
        return r;
    }
    case Op::kIsNull: case Op::kIsNotNull: {
        Val x = expr(e.args[0], params, pnulls);
        r.null = b.getFalse();
        r.v = e.op == Op::kIsNull ? x.null : b.CreateNot(x.null);
        return r;
    }
    case Op::kCast: {
        Val x = expr(e.args[0], params, pnulls);
        return cast(e.ty, gs->exprs[size_t(e.args[0])].ty, x);
    }
    case Op::kAnd: case Op::kOr: {
        // Left to right; stop at the first FALSE (AND) / TRUE (OR).
        bool is_and = e.op == Op::kAnd;
        BasicBlock *done = BasicBlock::Create(ctx, is_and ? "and_done" : "or_done", fn);
        auto *save = b.GetInsertBlock();
        b.SetInsertPoint(done);
        auto *pv = b.CreatePHI(b.getInt1Ty(), unsigned(e.args.size() + 1));
        auto *pn = b.CreatePHI(b.getInt1Ty(), unsigned(e.args.size() + 1));
        b.SetInsertPoint(save);
        Value *any_null = b.getFalse();
        for (size_t k = 0; k < e.args.size(); k++) {
            Val x = expr(e.args[k], params, pnulls);
            Value *decisive = b.CreateAnd(b.CreateNot(x.null), is_and ? b.CreateNot(x.v) : x.v);
            any_null = b.CreateOr(any_null, x.null);
            BasicBlock *next = BasicBlock::Create(ctx, "bool_next", fn);
            pv->addIncoming(b.getInt1(!is_and), b.GetInsertBlock());
            pn->addIncoming(b.getFalse(), b.GetInsertBlock());
            b.CreateCondBr(decisive, done, next);
            b.SetInsertPoint(next);
        }
        pv->addIncoming(b.getInt1(is_and), b.GetInsertBlock());
        pn->addIncoming(any_null, b.GetInsertBlock());
        b.CreateBr(done);
        b.SetInsertPoint(done);
        r.v = pv;
        r.null = pn;
        return r;
    }
    }
    return r;
}

// The aggregates [first, last): one loop per window over its frame.
void Gen::chunk(const GroupSpec &g, size_t first, size_t last, llvm::Function *f)
{
    fn = f;
    for (auto &e : err_blocks)
        e = nullptr;
    auto ai = f->arg_begin();
    Value *rows = &*ai++, *order = &*ai++, *n = &*ai++, *req = &*ai++, *req_order = &*ai++, *frames = &*ai++,
          *params = &*ai++, *pnulls = &*ai++, *out = &*ai++, *out_null = &*ai++;
    BasicBlock *entry = BasicBlock::Create(ctx, "entry", f);
    b.SetInsertPoint(entry);
    llvm::Type *i32 = b.getInt32Ty();
    // Frames of the windows this chunk uses.
    int nw = g.nwindows;
    const size_t nws = size_t(nw);
    std::vector<Value *> wf(nws), wt(nws), wp(nws), wsr(nws), wsp(nws);
    std::vector<bool> used(size_t(nw), false);
    for (size_t k = first; k < last; k++)
        used[size_t(g.aggs[k].window)] = true;
    for (int w = 0; w < nw; w++) {
        if (!used[size_t(w)])
            continue;
        auto field = [&](int i) {
            return b.CreateLoad(i32, b.CreateGEP(i32, frames, b.getInt64(int64_t(w) * 4 + i)));
        };
        Value *from = field(0), *to = field(1), *peers = field(2), *flags = field(3);
        Value *fr = b.CreateSelect(b.CreateICmpSLT(from, b.getInt32(0)), b.getInt32(0), from);
        Value *tt = b.CreateSelect(b.CreateICmpSGT(to, n), n, to);
        wf[size_t(w)] = fr;
        wt[size_t(w)] = tt;
        wp[size_t(w)] = peers;
        wsr[size_t(w)] = b.CreateICmpNE(b.CreateAnd(flags, b.getInt32(kSkipRequest)), b.getInt32(0));
        wsp[size_t(w)] = b.CreateICmpNE(b.CreateAnd(flags, b.getInt32(kSkipPeers)), b.getInt32(0));
    }
    // Aggregate states.
    struct St {
        llvm::AllocaInst *cnt, *have, *f, *sx, *i, *w, *big;
        llvm::AllocaInst *xc = nullptr, *xs = nullptr;  // exact sum: chunks; +inf, -inf, NaN counts
        llvm::AllocaInst *err;  // its first error (0: none)
    };
    std::vector<St> st(last - first);
    for (size_t k = first; k < last; k++) {
        St &s = st[k - first];
        if (g.aggs[k].kind == AggKind::kSumWhereF8 || g.aggs[k].kind == AggKind::kAvgWhereF8) {
            s.xc = b.CreateAlloca(llvm::ArrayType::get(b.getInt64Ty(), kXChunks));
            s.xs = b.CreateAlloca(llvm::ArrayType::get(b.getInt64Ty(), 3));
            b.CreateMemSet(s.xc, b.getInt8(0), b.getInt64(8 * kXChunks), llvm::MaybeAlign(8));
            b.CreateMemSet(s.xs, b.getInt8(0), b.getInt64(8 * 3), llvm::MaybeAlign(8));
        }
        s.cnt = b.CreateAlloca(b.getInt64Ty());
        s.have = b.CreateAlloca(b.getInt1Ty());
        s.f = b.CreateAlloca(b.getDoubleTy());
        s.sx = b.CreateAlloca(b.getDoubleTy());
        s.big = b.CreateAlloca(b.getInt1Ty());
        s.i = b.CreateAlloca(b.getInt64Ty());
        s.w = b.CreateAlloca(b.getInt128Ty());
        s.err = b.CreateAlloca(i32);
        b.CreateStore(b.getInt32(0), s.err);
        b.CreateStore(b.getIntN(128, 0), s.w);
        b.CreateStore(b.getInt64(0), s.cnt);
        b.CreateStore(b.getFalse(), s.have);
        b.CreateStore(llvm::ConstantFP::get(b.getDoubleTy(), 0.0), s.f);
        b.CreateStore(llvm::ConstantFP::get(b.getDoubleTy(), 0.0), s.sx);
        b.CreateStore(b.getFalse(), s.big);
        b.CreateStore(b.getInt64(0), s.i);
    }
    // One loop per window over its frame, in ascending positions (oldest
    // stored row first, the request row last): each aggregate belongs to one
    // window, so it sees exactly the rows, in the order, of a fused loop over
    // the frames' union, while the loop body has no membership tests and only
    // that window's aggregates.  Stored positions of a frame are contiguous:
    // [from, min(to, n - 1)], cut below the stored peers when they are
    // skipped; the request position n follows when the frame holds it.
    auto *pos_slot = b.CreateAlloca(i32);
    BasicBlock *exit = BasicBlock::Create(ctx, "exit", f);
    Value *zero = llvm::ConstantFP::get(b.getDoubleTy(), 0.0);
    Value *n_end = b.CreateAdd(n, b.getInt32(1));  // past the last position
    for (int w = 0; w < nw; w++) {
        if (!used[size_t(w)])
            continue;
        const size_t ws = size_t(w);
        Value *last_s = b.CreateSub(n, b.getInt32(1));
        last_s = b.CreateSelect(b.CreateICmpSLT(wt[ws], last_s), wt[ws], last_s);
        Value *below_peers = b.CreateSub(wp[ws], b.getInt32(1));
        last_s = b.CreateSelect(b.CreateAnd(wsp[ws], b.CreateICmpSLT(below_peers, last_s)), below_peers, last_s);
        Value *req_in = b.CreateAnd(b.CreateAnd(b.CreateICmpSLE(wf[ws], n), b.CreateICmpSGE(wt[ws], n)),
                                    b.CreateNot(wsr[ws]));
        Value *after_s = b.CreateSelect(req_in, n, n_end);  // next position after the stored ones
        b.CreateStore(b.CreateSelect(b.CreateICmpSLE(wf[ws], last_s), wf[ws], after_s), pos_slot);
        BasicBlock *cond = BasicBlock::Create(ctx, "cond", f);
        BasicBlock *body = BasicBlock::Create(ctx, "body", f);
        BasicBlock *done = BasicBlock::Create(ctx, "win_done", f);
        b.CreateBr(cond);
        b.SetInsertPoint(cond);
        Value *pos = b.CreateLoad(i32, pos_slot);
        b.CreateCondBr(b.CreateICmpSLE(pos, n), body, done);
        b.SetInsertPoint(body);
        Value *is_req = b.CreateICmpEQ(pos, n);
        Value *idx = b.CreateSExt(b.CreateSub(b.CreateSub(n, b.getInt32(1)), pos), b.getInt64Ty());
        Value *safe_idx = b.CreateSelect(is_req, b.getInt64(0), idx);
        // For the request position the stored arrays are not read (n may be 0).
        BasicBlock *ld_row = BasicBlock::Create(ctx, "ld_row", f);
        BasicBlock *ld_done = BasicBlock::Create(ctx, "ld_done", f);
        BasicBlock *pre = b.GetInsertBlock();
        b.CreateCondBr(is_req, ld_done, ld_row);
        b.SetInsertPoint(ld_row);
        Value *rowp_s = b.CreateLoad(data_ptr_ty(ctx), b.CreateGEP(data_ptr_ty(ctx), rows, safe_idx));
        Value *ord_s = b.CreateLoad(b.getInt64Ty(), b.CreateGEP(b.getInt64Ty(), order, safe_idx));
        b.CreateBr(ld_done);
        b.SetInsertPoint(ld_done);
        auto *rowp = b.CreatePHI(data_ptr_ty(ctx), 2);
        rowp->addIncoming(req, pre);
        rowp->addIncoming(rowp_s, ld_row);
        auto *ordv = b.CreatePHI(b.getInt64Ty(), 2);
        ordv->addIncoming(req_order, pre);
        ordv->addIncoming(ord_s, ld_row);
        // Columns, once per row for the window's aggregates (no errors
        // possible; loads no aggregate uses are removed by the optimiser).
        cols.clear();
        for (const ColSpec &c : g.cols)
            cols.push_back(load_col(c, rowp, ordv, params, pnulls));
        for (size_t k = first; k < last; k++) {
            const AggSpec &a = g.aggs[k];
            if (a.window != w)
                continue;
            St &s = st[k - first];
            BasicBlock *doit = BasicBlock::Create(ctx, "agg", f);
            BasicBlock *next = BasicBlock::Create(ctx, "agg_next", f);
            // An aggregate stops at its first error; the others go on, so that
            // the error reported is that of the first failing aggregate in spec
            // order (the interpreter's order), whichever row fails first.
            for (auto &e : err_blocks)
                e = nullptr;
            agg_err = s.err;
            agg_next = next;
            Value *live = b.CreateICmpEQ(b.CreateLoad(i32, s.err), b.getInt32(0));
            b.CreateCondBr(live, doit, next);
            b.SetInsertPoint(doit);
            if (a.filter >= 0) {
                Val fv = expr(a.filter, params, pnulls);
                BasicBlock *pass = BasicBlock::Create(ctx, "filter_pass", f);
                b.CreateCondBr(b.CreateAnd(b.CreateNot(fv.null), fv.v), pass, next);
                b.SetInsertPoint(pass);
            }
            if (a.kind == AggKind::kCountStar) {
                b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), s.cnt), b.getInt64(1)), s.cnt);
                b.CreateBr(next);
                b.SetInsertPoint(next);
                continue;
            }
            Val v = expr(a.arg, params, pnulls);
            BasicBlock *nn = BasicBlock::Create(ctx, "notnull", f);
            b.CreateCondBr(v.null, next, nn);
            b.SetInsertPoint(nn);
            Value *have = b.CreateLoad(b.getInt1Ty(), s.have);
            switch (a.kind) {
            case AggKind::kCount:
                b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), s.cnt), b.getInt64(1)), s.cnt);
                break;
            case AggKind::kSumInt: {
                Value *x = b.CreateSExt(v.v, b.getInt64Ty());
                Value *old = b.CreateLoad(b.getInt64Ty(), s.i);
                b.CreateStore(b.CreateSelect(have, b.CreateAdd(old, x), x), s.i);
                break;
            }
            case AggKind::kSumWhereInt: case AggKind::kAvgWhereInt: {
                Value *x = b.CreateSExt(v.v, b.getInt128Ty());
                b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt128Ty(), s.w), x), s.w);
                b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), s.cnt), b.getInt64(1)), s.cnt);
                break;
            }
            case AggKind::kSumWhereF8: case AggKind::kAvgWhereF8:
                exact_add(v.v, s.xc, s.xs);
                b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), s.cnt), b.getInt64(1)), s.cnt);
                break;
            case AggKind::kMaxInt: case AggKind::kMinInt: {
                Value *x = b.CreateSExt(v.v, b.getInt64Ty());
                Value *old = b.CreateLoad(b.getInt64Ty(), s.i);
                Value *keep = a.kind == AggKind::kMaxInt ? b.CreateICmpSGT(old, x) : b.CreateICmpSLT(old, x);
                b.CreateStore(b.CreateSelect(b.CreateAnd(have, keep), old, x), s.i);
                break;
            }
            case AggKind::kSumF8: {
                Value *old = b.CreateLoad(b.getDoubleTy(), s.f);
                Value *sum = b.CreateFAdd(old, v.v);
                // float8_pl's overflow check, only once there is a state
                check(b.CreateAnd(have, b.CreateAnd(isinf(sum), b.CreateAnd(b.CreateNot(isinf(old)),
                                                                            b.CreateNot(isinf(v.v))))),
                      kErrFloatOverflow);
                b.CreateStore(b.CreateSelect(have, sum, v.v), s.f);
                break;
            }
            case AggKind::kMaxF8: case AggKind::kMinF8: {
                Val o;
                o.v = b.CreateLoad(b.getDoubleTy(), s.f);
                Value *keep = cmp_values(a.kind == AggKind::kMaxF8 ? Op::kGt : Op::kLt, Ty::kF64, o, v);
                b.CreateStore(b.CreateSelect(b.CreateAnd(have, keep), o.v, v.v), s.f);
                break;
            }
            case AggKind::kAvgF8: {
                // float8_accum's N and Sx (avg = Sx / N).  Its Sxx only matters
                // through the overflow error and the NaN it can turn into, which
                // need a value beyond +/-1e100 (or inf/NaN) in the frame: with
                // |v| <= 1e100 and N < 2^53, Sx and Sxx stay far below DBL_MAX.
                // Such a frame is left to the interpreter (kNeedInterpreter).
                b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), s.cnt), b.getInt64(1)), s.cnt);
                b.CreateStore(b.CreateFAdd(b.CreateLoad(b.getDoubleTy(), s.sx), v.v), s.sx);
                auto *fabs = intrinsic(&mod, llvm::Intrinsic::fabs, {b.getDoubleTy()});
                Value *big = b.CreateFCmpUGT(b.CreateCall(fabs, {v.v}), llvm::ConstantFP::get(b.getDoubleTy(), 1e100));
                b.CreateStore(b.CreateOr(b.CreateLoad(b.getInt1Ty(), s.big), big), s.big);
                break;
            }
            default:
                break;
            }
            b.CreateStore(b.getTrue(), s.have);
            b.CreateBr(next);
            b.SetInsertPoint(next);
        }
        Value *nxt = b.CreateAdd(pos, b.getInt32(1));
        nxt = b.CreateSelect(b.CreateICmpSGT(nxt, last_s), b.CreateSelect(is_req, n_end, after_s), nxt);
        b.CreateStore(nxt, pos_slot);
        b.CreateBr(cond);
        b.SetInsertPoint(done);
    }
    b.CreateBr(exit);
    agg_err = nullptr;
    agg_next = nullptr;
    for (auto &e : err_blocks)
        e = nullptr;
    // Results, in spec order: an aggregate's recorded error or its result's.
    b.SetInsertPoint(exit);
    for (size_t k = first; k < last; k++)
        if (g.aggs[k].kind == AggKind::kAvgF8)
            check(b.CreateLoad(b.getInt1Ty(), st[k - first].big), kNeedInterpreter);
    for (size_t k = first; k < last; k++) {
        const AggSpec &a = g.aggs[k];
        St &s = st[k - first];
        err_tag = (a.out + 1) << 8;
        for (auto &e : err_blocks)
            e = nullptr;
        {
            Value *e = b.CreateLoad(i32, s.err);
            BasicBlock *failed = BasicBlock::Create(ctx, "agg_failed", f);
            BasicBlock *ok = BasicBlock::Create(ctx, "agg_ok", f);
            b.CreateCondBr(b.CreateICmpNE(e, b.getInt32(0)), failed, ok, weights_unlikely());
            b.SetInsertPoint(failed);
            b.CreateRet(b.CreateOr(e, b.getInt32(err_tag)));
            b.SetInsertPoint(ok);
        }
        Value *have = b.CreateLoad(b.getInt1Ty(), s.have);
        Value *val = nullptr, *isnull = nullptr;
        switch (a.kind) {
        case AggKind::kCountStar: case AggKind::kCount:
            val = b.CreateLoad(b.getInt64Ty(), s.cnt);
            isnull = b.getFalse();
            break;
        case AggKind::kSumInt: case AggKind::kMaxInt: case AggKind::kMinInt:
            val = b.CreateLoad(b.getInt64Ty(), s.i);
            isnull = b.CreateNot(have);
            break;
        case AggKind::kSumF8: case AggKind::kMaxF8: case AggKind::kMinF8:
            val = b.CreateBitCast(b.CreateLoad(b.getDoubleTy(), s.f), b.getInt64Ty());
            isnull = b.CreateNot(have);
            break;
        case AggKind::kSumWhereInt: {
            // The argument's range (feature_ext's make_datum).
            Value *w = b.CreateLoad(b.getInt128Ty(), s.w);
            int bits = a.arg_ty == Ty::kI16 ? 16 : a.arg_ty == Ty::kI32 ? 32 : 64;
            llvm::APInt lo = llvm::APInt::getSignedMinValue(bits).sext(128);
            llvm::APInt hi = llvm::APInt::getSignedMaxValue(bits).sext(128);
            Value *bad = b.CreateOr(b.CreateICmpSLT(w, b.getInt(lo)), b.CreateICmpSGT(w, b.getInt(hi)));
            isnull = b.CreateNot(have);
            check(b.CreateAnd(have, bad),
                  a.arg_ty == Ty::kI16 ? kErrInt2Range : a.arg_ty == Ty::kI32 ? kErrInt4Range : kErrInt8Range);
            val = b.CreateTrunc(w, b.getInt64Ty());
            break;
        }
        case AggKind::kAvgWhereInt: {
            Value *c = b.CreateLoad(b.getInt64Ty(), s.cnt);
            Value *avg = b.CreateFDiv(i128_to_double(b.CreateLoad(b.getInt128Ty(), s.w)),
                                      b.CreateSIToFP(c, b.getDoubleTy()));
            isnull = b.CreateICmpEQ(c, b.getInt64(0));
            val = b.CreateBitCast(b.CreateSelect(isnull, zero, avg), b.getInt64Ty());
            break;
        }
        case AggKind::kSumWhereF8: case AggKind::kAvgWhereF8: {
            Value *c = b.CreateLoad(b.getInt64Ty(), s.cnt);
            llvm::FunctionCallee value_fn = mod.getOrInsertFunction(
                kExactValueName, llvm::FunctionType::get(b.getDoubleTy(), {s.xc->getType(), s.xs->getType()}, false));
            if (auto *vf = llvm::dyn_cast<llvm::Function>(value_fn.getCallee()))
                vf->addFnAttr(llvm::Attribute::NoUnwind);
            Value *sum = b.CreateCall(value_fn, {s.xc, s.xs});
            if (a.kind == AggKind::kAvgWhereF8)
                sum = b.CreateFDiv(sum, b.CreateSIToFP(c, b.getDoubleTy()));
            isnull = b.CreateICmpEQ(c, b.getInt64(0));
            val = b.CreateBitCast(b.CreateSelect(isnull, zero, sum), b.getInt64Ty());
            break;
        }
        case AggKind::kAvgF8: {
            Value *c = b.CreateLoad(b.getInt64Ty(), s.cnt);
            Value *avg = b.CreateFDiv(b.CreateLoad(b.getDoubleTy(), s.sx), b.CreateSIToFP(c, b.getDoubleTy()));
            isnull = b.CreateICmpEQ(c, b.getInt64(0));
            val = b.CreateBitCast(b.CreateSelect(isnull, zero, avg), b.getInt64Ty());
            break;
        }
        }
        b.CreateStore(val, b.CreateGEP(b.getInt64Ty(), out, b.getInt64(a.out)));
        b.CreateStore(b.CreateZExt(isnull, b.getInt8Ty()), b.CreateGEP(b.getInt8Ty(), out_null, b.getInt64(a.out)));
    }
    err_tag = 0;
    b.CreateRet(b.getInt32(0));
}

// The output projection: straight-line code, one Datum word per output, in
// internal functions of at most 2 * kChunk outputs (compile time stays linear).
void Gen::projection(const ProjSpec &ps)
{
    llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty(), *p8 = data_ptr_ty(ctx);
    llvm::FunctionType *ft = llvm::FunctionType::get(
        i32, {ptr_to(i64), p8, ptr_to(i64), p8, ptr_to(i64), p8}, false);
    std::vector<llvm::Function *> parts;
    for (size_t first = 0; first < ps.outs.size(); first += 2 * kChunk) {
        auto *f = llvm::Function::Create(ft, llvm::Function::InternalLinkage,
                                         std::string(kProjName) + "_" + std::to_string(parts.size()), mod);
        f->addFnAttr(llvm::Attribute::NoInline);
        projection_part(ps, first, std::min(ps.outs.size(), first + 2 * kChunk), f);
        parts.push_back(f);
    }
    auto *top = llvm::Function::Create(ft, llvm::Function::ExternalLinkage, kProjName, mod);
    b.SetInsertPoint(BasicBlock::Create(ctx, "entry", top));
    std::vector<Value *> args;
    for (auto &a : top->args())
        args.push_back(&a);
    for (auto *f : parts) {
        Value *rc = b.CreateCall(f, args);
        BasicBlock *ok = BasicBlock::Create(ctx, "ok", top);
        BasicBlock *bad = BasicBlock::Create(ctx, "bad", top);
        b.CreateCondBr(b.CreateICmpEQ(rc, b.getInt32(0)), ok, bad);
        b.SetInsertPoint(bad);
        b.CreateRet(rc);
        b.SetInsertPoint(ok);
    }
    b.CreateRet(b.getInt32(0));
}

void Gen::projection_part(const ProjSpec &ps, size_t first, size_t last, llvm::Function *f)
{
    gs = &ps.exprs;
    llvm::Type *i64 = b.getInt64Ty();
    fn = f;
    for (auto &e : err_blocks)
        e = nullptr;
    auto ai = fn->arg_begin();
    Value *params = &*ai++, *pnulls = &*ai++;
    aggv = &*ai++;
    aggn = &*ai++;
    Value *out = &*ai++, *out_null = &*ai++;
    b.SetInsertPoint(BasicBlock::Create(ctx, "entry", fn));
    cols.clear();
    for (const ColSpec &c : ps.exprs.cols)  // unused loads are removed by the optimiser
        cols.push_back(load_col(c, nullptr, nullptr, params, pnulls));
    for (size_t i = first; i < last; i++) {
        const ProjOut &o = ps.outs[i];
        Val v = expr(o.expr, params, pnulls);
        Ty t = ps.exprs.exprs[size_t(o.expr)].ty;
        Value *w;
        if (t == Ty::kF64)
            w = b.CreateBitCast(v.v, i64);
        else if (t == Ty::kBool)
            w = b.CreateZExt(v.v, i64);
        else
            w = t == Ty::kI64 ? v.v : b.CreateSExt(v.v, i64);
        w = b.CreateSelect(v.null, b.getInt64(0), w);
        b.CreateStore(w, b.CreateGEP(i64, out, b.getInt64(o.out)));
        b.CreateStore(b.CreateZExt(v.null, b.getInt8Ty()), b.CreateGEP(b.getInt8Ty(), out_null, b.getInt64(o.out)));
    }
    b.CreateRet(b.getInt32(0));
    aggv = aggn = nullptr;
}

void Gen::group(const GroupSpec &g, int gi)
{
    gs = &g;
    llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty(), *p8 = data_ptr_ty(ctx);
    llvm::FunctionType *ft = llvm::FunctionType::get(
        i32, {ptr_to(p8), ptr_to(i64), i32, p8, i64, ptr_to(i32), ptr_to(i64), p8,
              ptr_to(i64), p8},
        false);
    char name[64];
    kernel_name(gi, name, sizeof(name));
    auto *top = llvm::Function::Create(ft, llvm::Function::ExternalLinkage, name, mod);
    std::vector<llvm::Function *> chunks;
    for (size_t first = 0; first < g.aggs.size(); first += kChunk) {
        size_t last = std::min(g.aggs.size(), first + kChunk);
        auto *cf = llvm::Function::Create(ft, llvm::Function::InternalLinkage,
                                          std::string(name) + "_c" + std::to_string(first / kChunk), mod);
        cf->addFnAttr(llvm::Attribute::NoInline);
        chunk(g, first, last, cf);
        chunks.push_back(cf);
    }
    // The kernel: run each chunk, stop at the first error.
    fn = top;
    BasicBlock *entry = BasicBlock::Create(ctx, "entry", top);
    b.SetInsertPoint(entry);
    std::vector<Value *> args;
    for (auto &a : top->args())
        args.push_back(&a);
    for (auto *cf : chunks) {
        Value *rc = b.CreateCall(cf, args);
        BasicBlock *ok = BasicBlock::Create(ctx, "ok", top);
        BasicBlock *bad = BasicBlock::Create(ctx, "bad", top);
        b.CreateCondBr(b.CreateICmpEQ(rc, b.getInt32(0)), ok, bad);
        b.SetInsertPoint(bad);
        b.CreateRet(rc);
        b.SetInsertPoint(ok);
    }
    b.CreateRet(b.getInt32(0));
}

// ------------------------------------------------------------------ loading

struct Jit {
    std::unique_ptr<llvm::orc::LLJIT> lljit;
    uint64_t next_id = 0;
};
Jit *g_jit = nullptr;

}  // namespace

struct Loaded {
    llvm::orc::JITDylib *jd;
    std::vector<GroupFn> fns;
    ProjFn proj = nullptr;
};

void set_fatal_handler(FatalFn fn) noexcept { g_fatal = fn; }

void kernel_name(int g, char *buf, size_t len) noexcept { snprintf(buf, len, "fe_group_%d", g); }

void free_buffer(void *p) noexcept { std::free(p); }

char *target_id() noexcept
{
    try {
        LlvmSection s;
        init_llvm();
        std::string id = llvm::sys::getProcessTriple() + "/" + llvm::sys::getHostCPUName().str() + "/";
        std::vector<std::string> on;
        for (auto &f : host_cpu_features())
            if (f.second)
                on.push_back(f.first().str());
        std::sort(on.begin(), on.end());
        for (auto &f : on)
            id += f + ",";
        id += "/llvm" LLVM_VERSION_STRING;
        return dup(id);
    } catch (...) {
        return nullptr;
    }
}

namespace {
InterruptFn g_interrupt = nullptr;
bool interrupted() { return g_interrupt && g_interrupt(); }
}  // namespace

void set_interrupt_check(InterruptFn fn) noexcept { g_interrupt = fn; }

CompileResult compile(const ModuleSpec &spec) noexcept
{
    CompileResult r{false, nullptr, 0, nullptr, 0, false};
    try {
        LlvmSection s;
        auto t0 = std::chrono::steady_clock::now();
        init_llvm();
        std::string err;
        auto tm = host_machine(&err);
        if (!tm) {
            r.error = dup("no LLVM target for this host: " + err);
            return r;
        }
        llvm::LLVMContext ctx;
        llvm::Module mod("feature_ext_deployment", ctx);
        mod.setDataLayout(tm->createDataLayout());
        set_target_triple(mod, tm->getTargetTriple());
        Gen gen(ctx, mod);
        for (size_t g = 0; g < spec.groups.size(); g++) {
            if (interrupted()) {
                r.cancelled = true;
                return r;
            }
            if (!spec.groups[g].aggs.empty())
                gen.group(spec.groups[g], int(g));
        }
        if (!spec.proj.outs.empty())
            gen.projection(spec.proj);
        std::string verr;
        llvm::raw_string_ostream vos(verr);
        if (llvm::verifyModule(mod, &vos)) {
            r.error = dup("internal error: invalid generated code: " + vos.str());
            return r;
        }
        {  // optimise (O2, as PostgreSQL's JIT does for expensive queries)
            llvm::LoopAnalysisManager lam;
            llvm::FunctionAnalysisManager fam;
            llvm::CGSCCAnalysisManager cgam;
            llvm::ModuleAnalysisManager mam;
            // Every optional pass asks first: once interrupted, the rest are
            // skipped and the compile returns cancelled below.
            llvm::PassInstrumentationCallbacks pic;
            pic.registerShouldRunOptionalPassCallback([&r](llvm::StringRef, llvm::Any) {
                if (!r.cancelled && interrupted())
                    r.cancelled = true;
                return !r.cancelled;
            });
            llvm::PassBuilder pb(tm.get(), llvm::PipelineTuningOptions(), {}, &pic);
            pb.registerModuleAnalyses(mam);
            pb.registerCGSCCAnalyses(cgam);
            pb.registerFunctionAnalyses(fam);
            pb.registerLoopAnalyses(lam);
            pb.crossRegisterProxies(lam, fam, cgam, mam);
            llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
            mpm.run(mod, mam);
        }
        if (r.cancelled || interrupted()) {
            r.cancelled = true;
            return r;
        }
        auto t_opt = std::chrono::steady_clock::now();
        if (std::getenv("FE_JIT_PHASES"))
            std::fprintf(stderr, "feature_ext jit: generate+optimise %.1f ms\n",
                         std::chrono::duration<double, std::milli>(t_opt - t0).count());
        llvm::SmallVector<char, 0> buf;
        {
            llvm::raw_svector_ostream os(buf);
            llvm::legacy::PassManager pm;
            if (tm->addPassesToEmitFile(pm, os, nullptr, kObjectFile)) {
                r.error = dup("LLVM cannot emit object code for this target");
                return r;
            }
            pm.run(mod);
        }
        if (std::getenv("FE_JIT_PHASES"))
            std::fprintf(stderr, "feature_ext jit: emit %.1f ms\n",
                         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_opt).count());
        r.object = static_cast<char *>(std::malloc(buf.size() ? buf.size() : 1));
        if (!r.object) {
            r.error = dup("out of memory");
            return r;
        }
        std::memcpy(r.object, buf.data(), buf.size());
        r.object_len = buf.size();
        r.ok = true;
        r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    } catch (const std::exception &e) {
        r.error = dup(std::string("JIT compilation failed: ") + e.what());
    } catch (...) {
        r.error = dup("JIT compilation failed");
    }
    return r;
}

namespace {

// The process's loader (one LLJIT; each object gets its own JITDylib).
bool ensure_loader(char **error)
{
    if (g_jit)
        return true;
    init_llvm();
    auto j = llvm::orc::LLJITBuilder().create();
    if (!j) {
        *error = dup(llvm::toString(j.takeError()));
        return false;
    }
    auto *jit = new Jit;
    jit->lljit = std::move(*j);
    g_jit = jit;
    return true;
}

}  // namespace

bool warm_up() noexcept
{
    try {
        LlvmSection s;
        char *err = nullptr;
        bool ok = ensure_loader(&err);
        free(err);
        return ok;
    } catch (...) {
        return false;
    }
}

Loaded *load(const char *object, size_t len, int ngroups, char **error) noexcept
{
    *error = nullptr;
    try {
        LlvmSection s;
        if (!ensure_loader(error))
            return nullptr;
        auto &lj = *g_jit->lljit;
        auto jd = lj.createJITDylib("feature_ext_" + std::to_string(g_jit->next_id++));
        if (!jd) {
            *error = dup(llvm::toString(jd.takeError()));
            return nullptr;
        }
        // The only outside symbols generated code may call (memcmp for text
        // equality, fe_jit_exact_sum_value for exact sums; the mem* functions
        // LLVM itself may emit).  Defined directly: no search of the
        // process's libraries, so looking up an absent kernel fails fast and
        // nothing else can bind.
        {
            llvm::orc::MangleAndInterner mangle(lj.getExecutionSession(), lj.getDataLayout());
            llvm::orc::SymbolMap syms;
            auto def = [&](const char *name, void *addr) {
                syms[mangle(name)] = absolute_symbol(addr);
            };
            def("memcmp", reinterpret_cast<void *>(&memcmp));
            def("memcpy", reinterpret_cast<void *>(&memcpy));
            def("memmove", reinterpret_cast<void *>(&memmove));
            def("memset", reinterpret_cast<void *>(&memset));
            def(kExactValueName, reinterpret_cast<void *>(&fe_jit_exact_sum_value));
            if (auto e = jd->define(llvm::orc::absoluteSymbols(std::move(syms)))) {
                *error = dup(llvm::toString(std::move(e)));
                (void) lj.getExecutionSession().removeJITDylib(*jd);
                return nullptr;
            }
        }
        auto mb = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object, len), "feature_ext_deployment");
        if (auto e = lj.addObjectFile(*jd, std::move(mb))) {
            *error = dup(llvm::toString(std::move(e)));
            (void) lj.getExecutionSession().removeJITDylib(*jd);
            return nullptr;
        }
        auto *l = new Loaded;
        l->jd = &*jd;
        l->fns.assign(size_t(ngroups), nullptr);
        for (int g = 0; g < ngroups; g++) {
            char name[64];
            kernel_name(g, name, sizeof(name));
            auto sym = lj.lookup(*jd, name);
            if (!sym) {
                llvm::consumeError(sym.takeError());  // group without compiled aggregates
                continue;
            }
            l->fns[size_t(g)] = reinterpret_cast<GroupFn>(symbol_address(*sym));
        }
        if (auto sym = lj.lookup(*jd, kProjName))
            l->proj = reinterpret_cast<ProjFn>(symbol_address(*sym));
        else
            llvm::consumeError(sym.takeError());  // no compiled output
        return l;
    } catch (const std::exception &e) {
        *error = dup(e.what());
    } catch (...) {
        *error = dup("JIT load failed");
    }
    return nullptr;
}

ProjFn projection_fn(const Loaded *l) noexcept { return l ? l->proj : nullptr; }

GroupFn group_fn(const Loaded *l, int g) noexcept
{
    if (!l || g < 0 || size_t(g) >= l->fns.size())
        return nullptr;
    return l->fns[size_t(g)];
}

void release(Loaded *l) noexcept
{
    if (!l)
        return;
    try {
        LlvmSection s;
        if (g_jit)
            llvm::consumeError(g_jit->lljit->getExecutionSession().removeJITDylib(*l->jd));
    } catch (...) {
    }
    delete l;
}

}  // namespace fe::jit
