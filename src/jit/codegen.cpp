// feature_ext JIT: LLVM code generation for deployment group kernels.
//
// One function per index group (see spec.hpp for the kernel's contract).
// Aggregates are split into chunks of at most kChunk; each chunk is one
// function (so optimisation time stays linear in the number of features)
// with one loop per window over that window's frame, called by the group's
// kernel.  The functions are compiled in modules of about one chunk each,
// optimised and emitted one after the other with the interrupt check in
// between (Modules, below), and loaded into one JITDylib.  What makes the
// compile cost (bench/jit_compile; issue 17: 1,000 features went from about
// 2 s to about 0.8 s on this machine's LLVM 14, the kernels no slower):
//   - a row's error tests record a code without branching (check()); one
//     branch per aggregate (or group) and row moves it to the aggregate's
//     error, where a branch per test made error paths most of the code that
//     instruction selection and register allocation handle;
//   - a state keeps only the fields its kind uses;
//   - in window loops of more than kGroupFrom aggregates, those with the
//     same FILTER and argument share one evaluation and NULL test per row;
//   - deployments of more than kFullOptAggs aggregates get light_pipeline()
//     instead of O2.
// Semantics follow PostgreSQL's built-ins:
//   float8 + - * /   float8pl/mi/mul/div: overflow, underflow, 0-division errors
//   intN + - * / %   overflow checked at the operands' width
//   float8 compare   NaN equals NaN and sorts above everything
//   AND / OR         three-valued, evaluated left to right, short-circuit
//   sum/avg/min/max  float8_pl, float8_accum + float8_avg, float8larger/smaller
//   float8 sum_where / avg_where  agg::ExactSum's fixed-point sum, inline; its
//                    rounding is one call to fe_jit_exact_sum_value per result
//   variance family  float8_accum's N, Sx, Sxx and the built-in final functions
//   distinct_count, median, entropy, top1_ratio, ew_avg, drawdown
//                    the library's kernels, called (native.hpp)
#include "feature_ext/jit/jit.hpp"

#include "feature_ext/agg/common.hpp"
#include "feature_ext/jit/native.hpp"
#include "feature_ext/jit/loader.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

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

// The function pipeline of large deployments (see kFullOptAggs): scalar
// replacement, early CSE, instcombine, CFG simplification, LICM, GVN and a
// final cleanup.  It costs about a fifth of O2 and keeps what makes the
// kernels fast (states in registers, loop-invariant frame and parameter
// values hoisted, shared subexpressions of the aggregates merged); the code
// is 5-15% slower than O2's on bench/jit_compile's shapes.  SROA takes an
// option from LLVM 16 on; a parsed instcombine verifies its fixpoint from
// LLVM 18 on (a fatal error when one iteration is not enough, as the
// default pipelines never ask), so that is turned off.  A pipeline LLVM
// does not parse falls back to O2 (Modules::close).
const char *light_pipeline()
{
#if LLVM_VERSION_MAJOR >= 18
    return "function(sroa<modify-cfg>,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,loop-mssa(licm),"
           "gvn,instcombine<no-verify-fixpoint>,simplifycfg)";
#elif LLVM_VERSION_MAJOR >= 16
    return "function(sroa<modify-cfg>,early-cse<memssa>,instcombine,simplifycfg,loop-mssa(licm),gvn,instcombine,"
           "simplifycfg)";
#else
    return "function(sroa,early-cse<memssa>,instcombine,simplifycfg,loop-mssa(licm),gvn,instcombine,simplifycfg)";
#endif
}

// ---- end of LLVM version differences

constexpr size_t kChunk = 32;          // aggregates per chunk function
constexpr size_t kProjPart = 2 * kChunk;  // outputs per projection part
// Deployments of up to this many aggregates get the O2 pipeline; larger ones
// the shorter function pipeline of light_pipeline() (see Modules::close).
constexpr size_t kFullOptAggs = 200;
// Window loops (of a chunk) with more aggregates than this evaluate shared
// FILTERs and arguments once per row (see Gen::chunk).
constexpr size_t kGroupFrom = 16;
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

// Generates one function at a time into the module set by set_module: the
// functions of a group or of the projection may end up in different modules
// (see Modules in compile()), the code of each is the same wherever it goes.
class Gen {
public:
    explicit Gen(llvm::LLVMContext &c) : ctx(c), b(c) {}

    void set_module(llvm::Module *m) { mod = m; }
    // Group gi's chunk k: aggregates [k * kChunk, (k + 1) * kChunk), an
    // internal function of the current module (compile() makes it external
    // when its kernel goes to another module).
    llvm::Function *group_chunk(const GroupSpec &g, int gi, size_t k);
    // Group gi's kernel: runs its nchunks chunks in order, stops at the first
    // error; a chunk not in the current module is declared.
    llvm::Function *group_kernel(int gi, size_t nchunks);
    static size_t group_chunks(const GroupSpec &g) { return (g.aggs.size() + kChunk - 1) / kChunk; }

private:
    llvm::LLVMContext &ctx;
    llvm::Module *mod = nullptr;
    llvm::IRBuilder<> b;
    llvm::Function *fn = nullptr;
    const GroupSpec *gs = nullptr;
    BasicBlock *err_blocks[16] = {};
    // While an aggregate's rows are generated: the row's error code, where
    // check() records errors instead of returning.
    Value *agg_err = nullptr;
    int nchecks = 0;  // tests check() recorded in agg_err for the aggregate being generated
    int32_t err_tag = 0;  // results: (1 + result slot) << 8 of the aggregate (kernel_failed_out)
    std::vector<Val> cols;
    Value *aggv = nullptr, *aggn = nullptr;  // projection: aggregate results

public:
    // The output projection's part k (outputs [k * kProjPart, ...)) and the
    // function calling the nparts parts, as for a group's chunks and kernel.
    llvm::Function *projection_part(const ProjSpec &ps, size_t k);
    llvm::Function *projection_top(size_t nparts);
    static size_t projection_parts(const ProjSpec &ps) { return (ps.outs.size() + kProjPart - 1) / kProjPart; }

private:
    llvm::FunctionType *group_type();
    llvm::FunctionType *projection_type();
    // A function of the current module calling `names` in order with its own
    // arguments and returning the first nonzero result.
    llvm::Function *caller(llvm::FunctionType *ft, const std::string &name, const std::vector<std::string> &names);
    void gen_projection_part(const ProjSpec &ps, size_t first, size_t last, llvm::Function *f);

    llvm::Type *ty(Ty t)
    {
        switch (t) {
        case Ty::kBool: return b.getInt1Ty();
        case Ty::kI16: return b.getInt16Ty();
        case Ty::kI32: return b.getInt32Ty();
        case Ty::kI64: return b.getInt64Ty();
        case Ty::kF64: return b.getDoubleTy();
        case Ty::kF32: return b.getFloatTy();
        case Ty::kText: return data_ptr_ty(ctx);
        }
        return b.getInt64Ty();
    }
    int bits(Ty t) { return t == Ty::kI16 ? 16 : t == Ty::kI32 ? 32 : 64; }
    bool is_int(Ty t) { return t == Ty::kI16 || t == Ty::kI32 || t == Ty::kI64; }
    static bool is_float(Ty t) { return t == Ty::kF64 || t == Ty::kF32; }
    // A result word: float8 bits; float4 bits and int2/int4 sign-extended (Float4GetDatum, Int32GetDatum).
    Value *to_word(Value *v, Ty t)
    {
        switch (t) {
        case Ty::kF64: return b.CreateBitCast(v, b.getInt64Ty());
        case Ty::kF32: return b.CreateSExt(b.CreateBitCast(v, b.getInt32Ty()), b.getInt64Ty());
        case Ty::kBool: return b.CreateZExt(v, b.getInt64Ty());
        case Ty::kI64: return v;
        default: return b.CreateSExt(v, b.getInt64Ty());
        }
    }

    BasicBlock *err_block(KernelError code)
    {
        if (!err_blocks[code]) {
            auto *save = b.GetInsertBlock();
            err_blocks[code] = BasicBlock::Create(ctx, "err", fn);
            b.SetInsertPoint(err_blocks[code]);
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
        llvm::Function *ctlz = intrinsic(mod, llvm::Intrinsic::ctlz, {i128});
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
    // Inside an aggregate's row code (agg_err set: the row's code) an error
    // is recorded without a branch: the row's first error stays (later
    // tests see a nonzero code and leave it), and the row's remaining work
    // goes on with values nobody reads (divisions use a safe divisor,
    // nothing else can trap).  Branching to an error block per test made the
    // error paths most of the code to select and allocate.
    void check(Value *cond, KernelError code)
    {
        if (agg_err) {
            nchecks++;
            Value *e = b.CreateLoad(b.getInt32Ty(), agg_err);
            b.CreateStore(b.CreateSelect(b.CreateAnd(cond, b.CreateICmpEQ(e, b.getInt32(0))), b.getInt32(code), e),
                          agg_err);
            return;
        }
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
        auto *fabs = intrinsic(mod, llvm::Intrinsic::fabs, {d->getType()});
        return b.CreateFCmpOEQ(b.CreateCall(fabs, {d}), llvm::ConstantFP::getInfinity(d->getType()));
    }

    void exact_add(Value *x, Value *chunks, Value *special);
    static bool is_native(AggKind k)
    {
        return k == AggKind::kDistinctCount || k == AggKind::kMedian || k == AggKind::kEntropy ||
               k == AggKind::kTop1Ratio || k == AggKind::kEwAvg || k == AggKind::kDrawdown;
    }
    // A call of one of native.hpp's functions (declared in the current module).
    Value *call_native(const char *name, llvm::Type *ret, llvm::ArrayRef<Value *> args)
    {
        std::vector<llvm::Type *> types;
        for (Value *a : args)
            types.push_back(a->getType());
        llvm::FunctionCallee f = mod->getOrInsertFunction(name, llvm::FunctionType::get(ret, types, false));
        if (auto *fd = llvm::dyn_cast<llvm::Function>(f.getCallee()))
            fd->addFnAttr(llvm::Attribute::NoUnwind);
        return b.CreateCall(f, args);
    }
    void native_add(const AggSpec &a, Value *state, const Val &v, Ty t, Value *params, Value *pnulls);
    // A structural key of expression i of g ("" for none): equal keys, same values and errors.
    static std::string expr_key(const GroupSpec &g, int i)
    {
        if (i < 0)
            return "";
        const ExprSpec &e = g.exprs[size_t(i)];
        std::string k = "(" + std::to_string(int(e.op)) + "," + std::to_string(int(e.ty)) + "," +
                        std::to_string(e.col) + "," + std::to_string(e.param) + "," + std::to_string(e.null) + "," +
                        std::to_string(e.ival) + ",";
        uint64_t fb;
        std::memcpy(&fb, &e.fval, sizeof(fb));
        k += std::to_string(fb) + "," + std::to_string(e.sval.size()) + ":" + e.sval;
        for (int32_t c : e.args)
            k += expr_key(g, c);
        return k + ")";
    }
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
        else if (c.ty == Ty::kF32)
            r.v = b.CreateBitCast(b.CreateTrunc(pv, b.getInt32Ty()), b.getFloatTy());
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
    if (is_float(to) && is_int(from)) {  // i2tod .. i8tof: the C conversion (round to nearest)
        r.v = b.CreateSIToFP(x.v, ty(to));
        return r;
    }
    if (to == Ty::kF64 && from == Ty::kF32) {  // ftod: exact
        r.v = b.CreateFPExt(x.v, b.getDoubleTy());
        return r;
    }
    if (to == Ty::kF32 && from == Ty::kF64) {  // dtof
        r.v = b.CreateFPTrunc(x.v, b.getFloatTy());
        Value *live = b.CreateNot(x.null);
        check(b.CreateAnd(live, b.CreateAnd(isinf(r.v), b.CreateNot(isinf(x.v)))), kErrFloatOverflow);
        check(b.CreateAnd(live, b.CreateAnd(b.CreateFCmpOEQ(r.v, llvm::ConstantFP::get(b.getFloatTy(), 0.0)),
                                            b.CreateFCmpUNE(x.v, llvm::ConstantFP::get(b.getDoubleTy(), 0.0)))),
              kErrFloatUnderflow);
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
    if (is_float(e.ty)) {  // float4pl .. float8div: the same checks at either width
        Value *a = x.v, *c = y.v;
        llvm::Type *ft = ty(e.ty);
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
            Value *zero = llvm::ConstantFP::get(ft, 0.0);
            check(b.CreateAnd(live, b.CreateAnd(b.CreateFCmpOEQ(s, zero),
                                                b.CreateAnd(b.CreateFCmpUNE(a, zero), b.CreateFCmpUNE(c, zero)))),
                  kErrFloatUnderflow);
            r.v = s;
            return r;
        }
        case Op::kDiv: {
            Value *zero = llvm::ConstantFP::get(ft, 0.0);
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
        r.v = llvm::ConstantFP::get(ft, 0.0);
        return r;
    }
    // Integers at the operands' width.
    KernelError range = e.ty == Ty::kI16 ? kErrInt2Range : e.ty == Ty::kI32 ? kErrInt4Range : kErrInt8Range;
    llvm::Type *t = ty(e.ty);
    Value *a = x.v, *c = y.v;
    auto with_ov = [&](llvm::Intrinsic::ID id) {
        auto *f = intrinsic(mod, id, {t});
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
            mod->getOrInsertFunction("memcmp", b.getInt32Ty(), data_ptr_ty(ctx), data_ptr_ty(ctx), b.getInt64Ty());
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
    if (is_float(t)) {
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
        case Ty::kF32: r.v = llvm::ConstantFP::get(b.getFloatTy(), double(float(e.fval))); break;
        case Ty::kText: {
            auto *gv = b.CreateGlobalString(e.sval, "txt", 0, mod);
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
        if (is_float(e.ty)) {
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

// One row of a native kernel: the value (and its NULL flag) in the kernel's
// physical type, and ew_avg's alpha.
void Gen::native_add(const AggSpec &a, Value *state, const Val &v, Ty t, Value *params, Value *pnulls)
{
    Value *isnull = b.CreateZExt(v.null, b.getInt32Ty());
    llvm::Type *vt = b.getVoidTy();
    if (a.kind == AggKind::kEwAvg) {
        Val alpha = expr(a.arg2, params, pnulls);  // float8, as the value (the translator checks)
        call_native(kNativeAddF64F64, vt, {state, isnull, v.v, b.CreateZExt(alpha.null, b.getInt32Ty()), alpha.v});
        return;
    }
    if (t == Ty::kText) {
        call_native(kNativeAddStr, vt, {state, isnull, v.v, v.len});
    } else if (is_float(t)) {
        call_native(kNativeAddF64, vt, {state, isnull, t == Ty::kF32 ? b.CreateFPExt(v.v, b.getDoubleTy()) : v.v});
    } else {
        Value *x = t == Ty::kBool ? b.CreateZExt(v.v, b.getInt64Ty())
                   : t == Ty::kI64 ? v.v
                                   : b.CreateSExt(v.v, b.getInt64Ty());
        call_native(kNativeAddI64, vt, {state, isnull, x});
    }
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
    // Aggregate states: allocas (promoted to registers by the optimiser),
    // only the fields a kind uses.
    struct St {
        Value *cnt = nullptr, *have = nullptr, *f = nullptr, *sx = nullptr, *i = nullptr, *w = nullptr,
              *big = nullptr, *f4 = nullptr;
        Value *err = nullptr;  // its first error (0: none)
        llvm::AllocaInst *xc = nullptr, *xs = nullptr;  // exact sum: chunks; +inf, -inf, NaN counts
        Value *nk = nullptr;  // native kernel state (native.hpp)
    };
    llvm::Type *i64 = b.getInt64Ty(), *dbl = b.getDoubleTy();
    std::vector<St> st(last - first);
    for (size_t k = first; k < last; k++) {
        St &s = st[k - first];
        AggKind kd = g.aggs[k].kind;
        auto init = [&](Value *&slot, Value *v) {
            slot = b.CreateAlloca(v->getType());
            b.CreateStore(v, slot);
        };
        bool counts = kd == AggKind::kCountStar || kd == AggKind::kCount || kd == AggKind::kSumWhereInt ||
                      kd == AggKind::kAvgWhereInt || kd == AggKind::kSumWhereF8 || kd == AggKind::kAvgWhereF8 ||
                      kd == AggKind::kAvgF8 || kd == AggKind::kAvgAccF8 || kd == AggKind::kVarSampF8 ||
                      kd == AggKind::kVarPopF8 || kd == AggKind::kStddevSampF8 || kd == AggKind::kStddevPopF8;
        bool has = kd == AggKind::kSumInt || kd == AggKind::kMaxInt || kd == AggKind::kMinInt ||
                   kd == AggKind::kSumF8 || kd == AggKind::kMaxF8 || kd == AggKind::kMinF8 || kd == AggKind::kSumF4;
        bool accum = kd == AggKind::kAvgAccF8 || kd == AggKind::kVarSampF8 || kd == AggKind::kVarPopF8 ||
                     kd == AggKind::kStddevSampF8 || kd == AggKind::kStddevPopF8;
        if (kd == AggKind::kSumWhereF8 || kd == AggKind::kAvgWhereF8) {
            s.xc = b.CreateAlloca(llvm::ArrayType::get(i64, kXChunks));
            s.xs = b.CreateAlloca(llvm::ArrayType::get(i64, 3));
            b.CreateMemSet(s.xc, b.getInt8(0), b.getInt64(8 * kXChunks), llvm::MaybeAlign(8));
            b.CreateMemSet(s.xs, b.getInt8(0), b.getInt64(8 * 3), llvm::MaybeAlign(8));
        }
        Value *fzero = llvm::ConstantFP::get(dbl, 0.0);
        if (kd == AggKind::kSumWhereInt || kd == AggKind::kAvgWhereInt)
            init(s.w, b.getIntN(128, 0));
        if (counts)
            init(s.cnt, b.getInt64(0));
        if (kd == AggKind::kSumF8 || kd == AggKind::kMaxF8 || kd == AggKind::kMinF8 || accum)
            init(s.f, fzero);
        if (kd == AggKind::kAvgF8 || accum)
            init(s.sx, fzero);
        if (kd == AggKind::kSumInt || kd == AggKind::kMaxInt || kd == AggKind::kMinInt)
            init(s.i, b.getInt64(0));
        if (kd == AggKind::kSumF4)
            init(s.f4, llvm::ConstantFP::get(b.getFloatTy(), 0.0));
        init(s.err, b.getInt32(0));
        if (has)
            init(s.have, b.getFalse());
        if (kd == AggKind::kAvgF8)
            init(s.big, b.getFalse());
        if (is_native(kd)) {
            Ty t = g.exprs[size_t(g.aggs[k].arg)].ty;
            int phys = is_float(t) ? 1 : t == Ty::kText ? 2 : 0;
            NativeKind nk = kd == AggKind::kDistinctCount ? NativeKind(int(NativeKind::kDistinctI64) + phys)
                            : kd == AggKind::kEntropy     ? NativeKind(int(NativeKind::kEntropyI64) + phys)
                            : kd == AggKind::kTop1Ratio   ? NativeKind(int(NativeKind::kTop1I64) + phys)
                            : kd == AggKind::kMedian      ? NativeKind::kMedian
                            : kd == AggKind::kEwAvg       ? NativeKind::kEwAvg
                                                          : NativeKind::kDrawdown;
            s.nk = call_native(kNativeOpen, data_ptr_ty(ctx), {b.getInt32(int32_t(nk)), b.getInt32(int32_t(k - first))});
        }
    }
    // One loop per window over its frame, in ascending positions (oldest
    // stored row first, the request row last): each aggregate belongs to one
    // window, so it sees exactly the rows, in the order, of a fused loop over
    // the frames' union, while the loop body has no membership tests and only
    // that window's aggregates.  Stored positions of a frame are contiguous:
    // [from, min(to, n - 1)], cut below the stored peers when they are
    // skipped; the request position n follows when the frame holds it.
    auto *pos_slot = b.CreateAlloca(i32);
    auto *row_code = b.CreateAlloca(i32);  // a group's FILTER / argument error on the current row (0: none)
    std::vector<llvm::AllocaInst *> member_code;  // an aggregate's own error on the current row
    for (size_t k = first; k < last; k++)
        member_code.push_back(b.CreateAlloca(i32));
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
        // The window's aggregates in groups with the same FILTER and argument
        // (structurally: the translator makes an expression per aggregate):
        // a group evaluates them and tests NULL once per row, then updates
        // each member's state (e.g. sum / avg / min / max of one column).
        // The order of the updates within a row does not matter: aggregates
        // are independent, and errors are reported in spec order below.
        // Loops of up to kGroupFrom aggregates keep a group per aggregate:
        // their states fit in registers either way, and separate tests
        // measured a little faster there (bench/jit_compile's mix shape).
        std::vector<std::vector<size_t>> groups;
        {
            size_t in_loop = 0;
            for (size_t k = first; k < last; k++)
                in_loop += g.aggs[k].window == w;
            std::map<std::string, size_t> index;
            for (size_t k = first; k < last; k++) {
                const AggSpec &a = g.aggs[k];
                if (a.window != w)
                    continue;
                std::string key = is_native(a.kind) || in_loop <= kGroupFrom ? "#" + std::to_string(k)
                                                    : expr_key(g, a.filter) + "|" +
                                                          (a.kind == AggKind::kCountStar ? "*" : expr_key(g, a.arg));
                auto it = index.find(key);
                if (it == index.end()) {
                    index.emplace(key, groups.size());
                    groups.push_back({k});
                } else
                    groups[it->second].push_back(k);
            }
        }
        for (const std::vector<size_t> &grp : groups) {
            const AggSpec &lead = g.aggs[grp[0]];
            // The row's tests record their first error without a branch
            // (check()): the FILTER's and the argument's in row_code (the
            // group's), a member's own update tests in its member code.  One
            // test per group and row, at its end, moves the codes into the
            // members' err, where an aggregate's first error stays.  Work on a
            // failed row goes on with values nobody reads (divisions use a
            // safe divisor, nothing else can trap); the other aggregates go
            // on, so that the error reported is that of the first failing
            // aggregate in spec order (the interpreter's order), whichever row
            // fails first.
            BasicBlock *next = BasicBlock::Create(ctx, "agg_next", f);
            agg_err = row_code;
            nchecks = 0;
            b.CreateStore(b.getInt32(0), row_code);
            std::vector<int> member_checks(grp.size(), 0);
            for (size_t k : grp)
                b.CreateStore(b.getInt32(0), member_code[k - first]);
            if (lead.filter >= 0) {
                Val fv = expr(lead.filter, params, pnulls);
                BasicBlock *pass = BasicBlock::Create(ctx, "filter_pass", f);
                b.CreateCondBr(b.CreateAnd(b.CreateNot(fv.null), fv.v), pass, next);
                b.SetInsertPoint(pass);
            }
            int group_checks = 0;
            auto flush = [&] {  // at `next`: the row's error codes into the members' err (when there are tests)
                b.CreateBr(next);
                b.SetInsertPoint(next);
                agg_err = nullptr;
                bool any_tests = group_checks > 0;
                for (int c : member_checks)
                    any_tests |= c > 0;
                if (!any_tests)
                    return;
                Value *gc = group_checks ? static_cast<Value *>(b.CreateLoad(i32, row_code)) : b.getInt32(0);
                std::vector<Value *> codes;
                Value *any = b.getFalse();
                for (size_t j = 0; j < grp.size(); j++) {
                    Value *mc = member_checks[j] ? static_cast<Value *>(b.CreateLoad(i32, member_code[grp[j] - first]))
                                                 : b.getInt32(0);
                    // the FILTER's or argument's error comes first
                    Value *code = b.CreateSelect(b.CreateICmpNE(gc, b.getInt32(0)), gc, mc);
                    codes.push_back(code);
                    any = b.CreateOr(any, b.CreateICmpNE(code, b.getInt32(0)));
                }
                BasicBlock *failed = BasicBlock::Create(ctx, "row_failed", f);
                BasicBlock *cont = BasicBlock::Create(ctx, "row_ok", f);
                b.CreateCondBr(any, failed, cont, weights_unlikely());
                b.SetInsertPoint(failed);
                for (size_t j = 0; j < grp.size(); j++) {
                    Value *err = st[grp[j] - first].err;
                    Value *e = b.CreateLoad(i32, err);
                    b.CreateStore(b.CreateSelect(b.CreateICmpEQ(e, b.getInt32(0)), codes[j], e), err);
                }
                b.CreateBr(cont);
                b.SetInsertPoint(cont);
            };
            if (lead.kind == AggKind::kCountStar) {
                group_checks = nchecks;
                for (size_t k : grp) {
                    Value *cnt = st[k - first].cnt;
                    b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), cnt), b.getInt64(1)), cnt);
                }
                flush();
                continue;
            }
            Val v = expr(lead.arg, params, pnulls);
            if (is_native(lead.kind)) {  // NULLs too: distinct_count counts them, the others skip them
                native_add(lead, st[grp[0] - first].nk, v, g.exprs[size_t(lead.arg)].ty, params, pnulls);
                group_checks = nchecks;
                flush();
                continue;
            }
            group_checks = nchecks;
            BasicBlock *nn = BasicBlock::Create(ctx, "notnull", f);
            b.CreateCondBr(v.null, next, nn);
            b.SetInsertPoint(nn);
            auto put = [&](Value *p, Value *x) { b.CreateStore(x, p); };
            auto inc = [&](Value *p) { b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), p), b.getInt64(1)), p); };
            for (size_t j = 0; j < grp.size(); j++) {
            const AggSpec &a = g.aggs[grp[j]];
            St &s = st[grp[j] - first];
            agg_err = member_code[grp[j] - first];
            nchecks = 0;
                Value *have = s.have ? b.CreateLoad(b.getInt1Ty(), s.have) : nullptr;
                switch (a.kind) {
                case AggKind::kCount:
                    inc(s.cnt);
                    break;
                case AggKind::kSumInt: {
                    Value *x = b.CreateSExt(v.v, b.getInt64Ty());
                    Value *old = b.CreateLoad(b.getInt64Ty(), s.i);
                    put(s.i, b.CreateSelect(have, b.CreateAdd(old, x), x));
                    break;
                }
                case AggKind::kSumWhereInt: case AggKind::kAvgWhereInt: {
                    Value *x = b.CreateSExt(v.v, b.getInt128Ty());
                    put(s.w, b.CreateAdd(b.CreateLoad(b.getInt128Ty(), s.w), x));
                    inc(s.cnt);
                    break;
                }
                case AggKind::kSumWhereF8: case AggKind::kAvgWhereF8:
                    exact_add(v.v, s.xc, s.xs);
                    inc(s.cnt);
                    break;
                case AggKind::kMaxInt: case AggKind::kMinInt: {
                    Value *x = b.CreateSExt(v.v, b.getInt64Ty());
                    Value *old = b.CreateLoad(b.getInt64Ty(), s.i);
                    Value *keep = a.kind == AggKind::kMaxInt ? b.CreateICmpSGT(old, x) : b.CreateICmpSLT(old, x);
                    put(s.i, b.CreateSelect(b.CreateAnd(have, keep), old, x));
                    break;
                }
                case AggKind::kSumF8: {
                    Value *old = b.CreateLoad(b.getDoubleTy(), s.f);
                    Value *sum = b.CreateFAdd(old, v.v);
                    // float8_pl's overflow check, only once there is a state
                    check(b.CreateAnd(have, b.CreateAnd(isinf(sum), b.CreateAnd(b.CreateNot(isinf(old)),
                                                                                b.CreateNot(isinf(v.v))))),
                          kErrFloatOverflow);
                    put(s.f, b.CreateSelect(have, sum, v.v));
                    break;
                }
                case AggKind::kMaxF8: case AggKind::kMinF8: {
                    Val o;
                    o.v = b.CreateLoad(b.getDoubleTy(), s.f);
                    Value *keep = cmp_values(a.kind == AggKind::kMaxF8 ? Op::kGt : Op::kLt, Ty::kF64, o, v);
                    put(s.f, b.CreateSelect(b.CreateAnd(have, keep), o.v, v.v));
                    break;
                }
                case AggKind::kSumF4: {
                    Value *old = b.CreateLoad(b.getFloatTy(), s.f4);
                    Value *sum = b.CreateFAdd(old, v.v);
                    // float4pl's overflow check, once there is a state
                    check(b.CreateAnd(have, b.CreateAnd(isinf(sum), b.CreateAnd(b.CreateNot(isinf(old)),
                                                                                b.CreateNot(isinf(v.v))))),
                          kErrFloatOverflow);
                    put(s.f4, b.CreateSelect(have, sum, v.v));
                    break;
                }
                case AggKind::kVarSampF8: case AggKind::kVarPopF8: case AggKind::kStddevSampF8:
                case AggKind::kStddevPopF8: case AggKind::kAvgAccF8: {
                    // float8_accum: N += 1; Sx += v; from the second value on
                    // tmp = v * N - Sx, Sxx += tmp * tmp / (N * N_old), an
                    // overflow error when finite inputs make Sx or Sxx infinite,
                    // else Sxx NaN; a first value inf / NaN makes Sxx NaN.
                    // (N in an int64: exact as a double below 2^53 rows.)
                    Value *c0 = b.CreateLoad(b.getInt64Ty(), s.cnt);
                    Value *c1 = b.CreateAdd(c0, b.getInt64(1));
                    Value *n0 = b.CreateSIToFP(c0, dbl), *nn = b.CreateSIToFP(c1, dbl);
                    Value *osx = b.CreateLoad(dbl, s.sx);
                    Value *sx = b.CreateFAdd(osx, v.v);
                    Value *osxx = b.CreateLoad(dbl, s.f);
                    Value *tmp = b.CreateFSub(b.CreateFMul(v.v, nn), sx);
                    Value *sxx = b.CreateFAdd(osxx, b.CreateFDiv(b.CreateFMul(tmp, tmp), b.CreateFMul(nn, n0)));
                    Value *later = b.CreateICmpNE(c0, b.getInt64(0));
                    Value *inf = b.CreateOr(isinf(sx), isinf(sxx));
                    check(b.CreateAnd(later, b.CreateAnd(inf, b.CreateAnd(b.CreateNot(isinf(osx)),
                                                                          b.CreateNot(isinf(v.v))))),
                          kErrFloatOverflow);
                    Value *nan = llvm::ConstantFP::getNaN(dbl);
                    sxx = b.CreateSelect(inf, nan, sxx);
                    Value *first = b.CreateSelect(b.CreateOr(isnan(v.v), isinf(v.v)), nan, osxx);
                    put(s.cnt, c1);
                    put(s.sx, sx);
                    put(s.f, b.CreateSelect(later, sxx, first));
                    break;
                }
                case AggKind::kAvgF8: {
                    // float8_accum's N and Sx (avg = Sx / N).  Its Sxx only matters
                    // through the overflow error and the NaN it can turn into, which
                    // need a value beyond +/-1e100 (or inf/NaN) in the frame: with
                    // |v| <= 1e100 and N < 2^53, Sx and Sxx stay far below DBL_MAX.
                    // Such a frame is left to the interpreter (kNeedInterpreter).
                    inc(s.cnt);
                    put(s.sx, b.CreateFAdd(b.CreateLoad(b.getDoubleTy(), s.sx), v.v));
                    auto *fabs = intrinsic(mod, llvm::Intrinsic::fabs, {b.getDoubleTy()});
                    Value *big = b.CreateFCmpUGT(b.CreateCall(fabs, {v.v}), llvm::ConstantFP::get(b.getDoubleTy(), 1e100));
                    // (not from a row, or after a row, where this aggregate failed: its
                    // error is reported, its values are garbage)
                    Value *clean = b.CreateAnd(b.CreateICmpEQ(b.CreateLoad(i32, row_code), b.getInt32(0)),
                                               b.CreateICmpEQ(b.CreateLoad(i32, s.err), b.getInt32(0)));
                    b.CreateStore(b.CreateOr(b.CreateLoad(b.getInt1Ty(), s.big), b.CreateAnd(big, clean)), s.big);
                    break;
                }
                default:
                    break;
                }
            if (s.have)
                b.CreateStore(b.getTrue(), s.have);
            member_checks[j] = nchecks;
            }
            flush();
        }
        Value *nxt = b.CreateAdd(pos, b.getInt32(1));
        nxt = b.CreateSelect(b.CreateICmpSGT(nxt, last_s), b.CreateSelect(is_req, n_end, after_s), nxt);
        b.CreateStore(nxt, pos_slot);
        b.CreateBr(cond);
        b.SetInsertPoint(done);
    }
    b.CreateBr(exit);
    agg_err = nullptr;
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
        if (is_native(a.kind)) {  // the kernel writes the word and flag; 0 or kErrOutOfMemory
            Value *rc = call_native(kNativeResult, i32,
                                    {s.nk, b.CreateGEP(b.getInt64Ty(), out, b.getInt64(a.out)),
                                     b.CreateGEP(b.getInt8Ty(), out_null, b.getInt64(a.out))});
            BasicBlock *failed = BasicBlock::Create(ctx, "native_failed", f);
            BasicBlock *ok = BasicBlock::Create(ctx, "native_ok", f);
            b.CreateCondBr(b.CreateICmpNE(rc, b.getInt32(0)), failed, ok, weights_unlikely());
            b.SetInsertPoint(failed);
            b.CreateRet(b.CreateOr(rc, b.getInt32(err_tag)));
            b.SetInsertPoint(ok);
            continue;
        }
        Value *have = s.have ? b.CreateLoad(b.getInt1Ty(), s.have) : nullptr;
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
        case AggKind::kSumF8: case AggKind::kMaxF8: case AggKind::kMinF8: {
            Value *f = b.CreateLoad(b.getDoubleTy(), s.f);
            // max / min(float4): the float4 value, exact
            val = a.arg_ty == Ty::kF32 && a.kind != AggKind::kSumF8
                      ? to_word(b.CreateFPTrunc(f, b.getFloatTy()), Ty::kF32)
                      : to_word(f, Ty::kF64);
            isnull = b.CreateNot(have);
            break;
        }
        case AggKind::kSumF4:
            val = to_word(b.CreateLoad(b.getFloatTy(), s.f4), Ty::kF32);
            isnull = b.CreateNot(have);
            break;
        case AggKind::kVarSampF8: case AggKind::kVarPopF8: case AggKind::kStddevSampF8:
        case AggKind::kStddevPopF8: {
            // float8_var_samp / _pop, float8_stddev_samp / _pop: NULL below
            // 2 (samp) or 1 (pop) values; Sxx / (N - 1) or Sxx / N; sqrt.
            bool samp = a.kind == AggKind::kVarSampF8 || a.kind == AggKind::kStddevSampF8;
            Value *c = b.CreateLoad(b.getInt64Ty(), s.cnt);
            Value *nn = b.CreateSIToFP(c, dbl);
            Value *d = samp ? b.CreateFSub(nn, llvm::ConstantFP::get(dbl, 1.0)) : nn;
            Value *var = b.CreateFDiv(b.CreateLoad(dbl, s.f), d);
            if (a.kind == AggKind::kStddevSampF8 || a.kind == AggKind::kStddevPopF8)
                var = b.CreateCall(intrinsic(mod, llvm::Intrinsic::sqrt, {dbl}), {var});
            isnull = samp ? b.CreateICmpSLE(c, b.getInt64(1)) : b.CreateICmpEQ(c, b.getInt64(0));
            val = b.CreateBitCast(b.CreateSelect(isnull, zero, var), b.getInt64Ty());
            break;
        }
        case AggKind::kAvgAccF8: {  // float8_avg: Sx / N
            Value *c = b.CreateLoad(b.getInt64Ty(), s.cnt);
            Value *avg = b.CreateFDiv(b.CreateLoad(b.getDoubleTy(), s.sx), b.CreateSIToFP(c, b.getDoubleTy()));
            isnull = b.CreateICmpEQ(c, b.getInt64(0));
            val = b.CreateBitCast(b.CreateSelect(isnull, zero, avg), b.getInt64Ty());
            break;
        }
        case AggKind::kSumWhereInt: {
            // The argument's range (feature_ext's make_datum).
            Value *w = b.CreateLoad(b.getInt128Ty(), s.w);
            int bits = a.arg_ty == Ty::kI16 ? 16 : a.arg_ty == Ty::kI32 ? 32 : 64;
            llvm::APInt lo = llvm::APInt::getSignedMinValue(bits).sext(128);
            llvm::APInt hi = llvm::APInt::getSignedMaxValue(bits).sext(128);
            Value *bad = b.CreateOr(b.CreateICmpSLT(w, b.getInt(lo)), b.CreateICmpSGT(w, b.getInt(hi)));
            Value *some = b.CreateICmpNE(b.CreateLoad(b.getInt64Ty(), s.cnt), b.getInt64(0));
            isnull = b.CreateNot(some);
            check(b.CreateAnd(some, bad),
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
            llvm::FunctionCallee value_fn = mod->getOrInsertFunction(
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
        default:  // native kernels: above
            break;
        }
        b.CreateStore(val, b.CreateGEP(b.getInt64Ty(), out, b.getInt64(a.out)));
        b.CreateStore(b.CreateZExt(isnull, b.getInt8Ty()), b.CreateGEP(b.getInt8Ty(), out_null, b.getInt64(a.out)));
    }
    err_tag = 0;
    b.CreateRet(b.getInt32(0));
}

llvm::FunctionType *Gen::group_type()
{
    llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty(), *p8 = data_ptr_ty(ctx);
    return llvm::FunctionType::get(
        i32, {ptr_to(p8), ptr_to(i64), i32, p8, i64, ptr_to(i32), ptr_to(i64), p8, ptr_to(i64), p8}, false);
}

llvm::FunctionType *Gen::projection_type()
{
    llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty(), *p8 = data_ptr_ty(ctx);
    return llvm::FunctionType::get(i32, {ptr_to(i64), p8, ptr_to(i64), p8, ptr_to(i64), p8}, false);
}

llvm::Function *Gen::caller(llvm::FunctionType *ft, const std::string &name, const std::vector<std::string> &names)
{
    auto *top = llvm::Function::Create(ft, llvm::Function::ExternalLinkage, name, mod);
    fn = top;
    b.SetInsertPoint(BasicBlock::Create(ctx, "entry", top));
    std::vector<Value *> args;
    for (auto &a : top->args())
        args.push_back(&a);
    for (const std::string &callee : names) {
        llvm::Function *f = mod->getFunction(callee);
        if (!f)  // in a module emitted before this one: same JITDylib
            f = llvm::Function::Create(ft, llvm::Function::ExternalLinkage, callee, mod);
        Value *rc = b.CreateCall(f, args);
        BasicBlock *ok = BasicBlock::Create(ctx, "ok", top);
        BasicBlock *bad = BasicBlock::Create(ctx, "bad", top);
        b.CreateCondBr(b.CreateICmpEQ(rc, b.getInt32(0)), ok, bad);
        b.SetInsertPoint(bad);
        b.CreateRet(rc);
        b.SetInsertPoint(ok);
    }
    b.CreateRet(b.getInt32(0));
    return top;
}

// The output projection: straight-line code, one Datum word per output, in
// functions of at most kProjPart outputs (compile time stays linear).
llvm::Function *Gen::projection_part(const ProjSpec &ps, size_t k)
{
    auto *f = llvm::Function::Create(projection_type(), llvm::Function::InternalLinkage,
                                     std::string(kProjName) + "_" + std::to_string(k), mod);
    f->addFnAttr(llvm::Attribute::NoInline);
    size_t first = k * kProjPart;
    gen_projection_part(ps, first, std::min(ps.outs.size(), first + kProjPart), f);
    return f;
}

llvm::Function *Gen::projection_top(size_t nparts)
{
    std::vector<std::string> names;
    for (size_t k = 0; k < nparts; k++)
        names.push_back(std::string(kProjName) + "_" + std::to_string(k));
    return caller(projection_type(), kProjName, names);
}

void Gen::gen_projection_part(const ProjSpec &ps, size_t first, size_t last, llvm::Function *f)
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
        Value *w = to_word(v.v, t);
        w = b.CreateSelect(v.null, b.getInt64(0), w);
        b.CreateStore(w, b.CreateGEP(i64, out, b.getInt64(o.out)));
        b.CreateStore(b.CreateZExt(v.null, b.getInt8Ty()), b.CreateGEP(b.getInt8Ty(), out_null, b.getInt64(o.out)));
    }
    b.CreateRet(b.getInt32(0));
    aggv = aggn = nullptr;
}

std::string chunk_name(int gi, size_t k)
{
    char name[64];
    kernel_name(gi, name, sizeof(name));
    return std::string(name) + "_c" + std::to_string(k);
}

llvm::Function *Gen::group_chunk(const GroupSpec &g, int gi, size_t k)
{
    gs = &g;
    auto *cf = llvm::Function::Create(group_type(), llvm::Function::InternalLinkage, chunk_name(gi, k), mod);
    cf->addFnAttr(llvm::Attribute::NoInline);
    size_t first = k * kChunk;
    chunk(g, first, std::min(g.aggs.size(), first + kChunk), cf);
    return cf;
}

llvm::Function *Gen::group_kernel(int gi, size_t nchunks)
{
    char name[64];
    kernel_name(gi, name, sizeof(name));
    std::vector<std::string> names;
    for (size_t k = 0; k < nchunks; k++)
        names.push_back(chunk_name(gi, k));
    return caller(group_type(), name, names);
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

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
// This thread's CPU time (FE_JIT_PHASES: less disturbed by other load than wall time).
double cpu_ms()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// Instructions (before optimisation) from which a module is closed: a chunk
// of 32 aggregates (~600 to ~2,000 instructions, emitted in tens of
// milliseconds) mostly gets a module of its own; small functions (kernels,
// short chunks, projection parts) share one.  One module per function costs
// no more CPU than a single module (bench/jit_compile, docs/DEPLOY.md).
constexpr size_t kModuleInsts = 1000;

// The modules of one compile.  Functions are generated into the open module
// until it holds kModuleInsts instructions; then it is verified, optimised
// (O2, as PostgreSQL's JIT does for expensive queries, or light_pipeline()
// for large deployments) and emitted to an
// object of its own, and freed.  The interrupt check runs before every
// function is generated, before every optimisation pass and before every
// emission, so a cancel waits at most for one pass over one function or one
// module's emission.  The split changes no function's code: a chunk whose
// kernel (its only caller) lands in a later module is made external and
// declared there; all objects are loaded into one JITDylib (load()).
class Modules {
public:
    Modules(llvm::LLVMContext &c, llvm::TargetMachine &t, CompileResult &res) : ctx(c), tm(t), r(res) {}

    // The open module (a new one if none is open).
    llvm::Module *open()
    {
        if (!mod) {
            mod = std::make_unique<llvm::Module>("feature_ext_deployment_" + std::to_string(nmods++), ctx);
            mod->setDataLayout(tm.createDataLayout());
            set_target_triple(*mod, tm.getTargetTriple());
        }
        return mod.get();
    }
    // f was generated in the open module; called_later: its caller is not
    // generated yet.  False: stop (r says why).
    bool added(llvm::Function *f, bool called_later)
    {
        if (called_later)
            pending.push_back(f);
        else
            pending.clear();  // its callees in this module stay internal
        insts += f->getInstructionCount();
        return insts < kModuleInsts || close();
    }
    // Optimise and emit the open module, if any.  False: stop (r says why).
    bool close()
    {
        if (!mod)
            return true;
        std::unique_ptr<llvm::Module> m = std::move(mod);
        for (llvm::Function *f : pending)
            f->setLinkage(llvm::Function::ExternalLinkage);
        pending.clear();
        insts = 0;
        std::string verr;
        llvm::raw_string_ostream vos(verr);
        if (llvm::verifyModule(*m, &vos)) {
            r.error = dup("internal error: invalid generated code: " + vos.str());
            return false;
        }
        auto t0 = Clock::now();
        double c0 = cpu_ms();
        {
            llvm::LoopAnalysisManager lam;
            llvm::FunctionAnalysisManager fam;
            llvm::CGSCCAnalysisManager cgam;
            llvm::ModuleAnalysisManager mam;
            // Every optional pass asks first: once interrupted, the rest are
            // skipped and the compile returns cancelled below.
            llvm::PassInstrumentationCallbacks pic;
            CompileResult *res = &r;
            pic.registerShouldRunOptionalPassCallback([res](llvm::StringRef, llvm::Any) {
                if (!res->cancelled && interrupted())
                    res->cancelled = true;
                return !res->cancelled;
            });
            llvm::PassBuilder pb(&tm, llvm::PipelineTuningOptions(), {}, &pic);
            pb.registerModuleAnalyses(mam);
            pb.registerCGSCCAnalyses(cgam);
            pb.registerFunctionAnalyses(fam);
            pb.registerLoopAnalyses(lam);
            pb.crossRegisterProxies(lam, fam, cgam, mam);
            llvm::ModulePassManager mpm;
            bool built = false;
            if (light) {
                if (auto e = pb.parsePassPipeline(mpm, light_pipeline())) {
                    llvm::consumeError(std::move(e));  // not expected: O2 then
                    mpm = llvm::ModulePassManager();
                } else
                    built = true;
            }
            if (!built)
                mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
            mpm.run(*m, mam);
        }
        opt_ms += ms_since(t0);
        opt_cpu += cpu_ms() - c0;
        if (r.cancelled || interrupted()) {
            r.cancelled = true;
            return false;
        }
        auto t1 = Clock::now();
        double c1 = cpu_ms();
        objs.emplace_back();
        {
            llvm::raw_svector_ostream os(objs.back());
            llvm::legacy::PassManager pm;
            if (tm.addPassesToEmitFile(pm, os, nullptr, kObjectFile)) {
                r.error = dup("LLVM cannot emit object code for this target");
                return false;
            }
            pm.run(*m);
        }
        double e = ms_since(t1);
        emit_ms += e;
        emit_cpu += cpu_ms() - c1;
        max_emit_ms = std::max(max_emit_ms, e);
        return true;
    }

    std::vector<llvm::SmallVector<char, 0>> objs;
    int nmods = 0;
    bool light = false;  // light_pipeline() instead of O2
    double opt_ms = 0, emit_ms = 0, max_emit_ms = 0, opt_cpu = 0, emit_cpu = 0;

private:
    llvm::LLVMContext &ctx;
    llvm::TargetMachine &tm;
    CompileResult &r;
    std::unique_ptr<llvm::Module> mod;
    std::vector<llvm::Function *> pending;  // functions of mod whose caller is not generated yet
    size_t insts = 0;
};

// The objects of one compile in one buffer (what the catalog keeps): the
// magic, a u32 count, then per object a u64 length and its bytes (host byte
// order: an object is only loaded on the target it was compiled for).  A
// buffer without the magic is a single object, as compiled before the
// split (catalog rows of earlier versions).
constexpr char kObjMagic[8] = {'F', 'E', 'J', 'I', 'T', 'O', 'B', 'J'};

}  // namespace

void set_interrupt_check(InterruptFn fn) noexcept { g_interrupt = fn; }

CompileResult compile(const ModuleSpec &spec) noexcept
{
    CompileResult r{false, nullptr, 0, nullptr, 0, false};
    try {
        LlvmSection s;
        auto t0 = Clock::now();
        init_llvm();
        std::string err;
        auto tm = host_machine(&err);
        if (!tm) {
            r.error = dup("no LLVM target for this host: " + err);
            return r;
        }
        llvm::LLVMContext ctx;
        Gen gen(ctx);
        Modules mods(ctx, *tm, r);
        size_t naggs = spec.proj.outs.size();
        for (const GroupSpec &gs : spec.groups)
            naggs += gs.aggs.size();
        mods.light = naggs > kFullOptAggs;
        double gen_ms = 0;
        // Generates one function into the open module (after the interrupt check).
        auto add = [&](auto make, bool called_later) {
            if (interrupted()) {
                r.cancelled = true;
                return false;
            }
            auto tg = Clock::now();
            gen.set_module(mods.open());
            llvm::Function *f = make();
            gen_ms += ms_since(tg);
            return mods.added(f, called_later);
        };
        for (size_t g = 0; g < spec.groups.size(); g++) {
            const GroupSpec &gs = spec.groups[g];
            size_t n = Gen::group_chunks(gs);
            if (n == 0)
                continue;
            for (size_t k = 0; k < n; k++)
                if (!add([&] { return gen.group_chunk(gs, int(g), k); }, true))
                    return r;
            if (!add([&] { return gen.group_kernel(int(g), n); }, false))
                return r;
        }
        size_t np = Gen::projection_parts(spec.proj);
        for (size_t k = 0; k < np; k++)
            if (!add([&] { return gen.projection_part(spec.proj, k); }, true))
                return r;
        if (np && !add([&] { return gen.projection_top(np); }, false))
            return r;
        if (!mods.close())
            return r;
        if (std::getenv("FE_JIT_PHASES"))
            std::fprintf(stderr,
                         "feature_ext jit: %d modules, %s pipeline: generate %.1f ms, optimise %.1f ms (CPU %.1f), "
                         "emit %.1f ms (CPU %.1f; longest emission %.1f ms)\n",
                         mods.nmods, mods.light ? "light" : "O2", gen_ms, mods.opt_ms, mods.opt_cpu, mods.emit_ms,
                         mods.emit_cpu, mods.max_emit_ms);
        size_t len = sizeof(kObjMagic) + sizeof(uint32_t);
        for (auto &o : mods.objs)
            len += sizeof(uint64_t) + o.size();
        r.object = static_cast<char *>(std::malloc(len));
        if (!r.object) {
            r.error = dup("out of memory");
            return r;
        }
        char *p = r.object;
        std::memcpy(p, kObjMagic, sizeof(kObjMagic));
        p += sizeof(kObjMagic);
        uint32_t count = uint32_t(mods.objs.size());
        std::memcpy(p, &count, sizeof(count));
        p += sizeof(count);
        for (auto &o : mods.objs) {
            uint64_t n = o.size();
            std::memcpy(p, &n, sizeof(n));
            p += sizeof(n);
            std::memcpy(p, o.data(), o.size());
            p += o.size();
        }
        r.object_len = len;
        r.ok = true;
        r.ms = ms_since(t0);
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

// The objects in a buffer compile() made (or one object without the magic).
bool split_objects(const char *buf, size_t len, std::vector<llvm::StringRef> *out)
{
    if (len < sizeof(kObjMagic) || std::memcmp(buf, kObjMagic, sizeof(kObjMagic)) != 0) {
        out->push_back(llvm::StringRef(buf, len));
        return true;
    }
    size_t pos = sizeof(kObjMagic);
    uint32_t count;
    if (len - pos < sizeof(count))
        return false;
    std::memcpy(&count, buf + pos, sizeof(count));
    pos += sizeof(count);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t n;
        if (len - pos < sizeof(n))
            return false;
        std::memcpy(&n, buf + pos, sizeof(n));
        pos += sizeof(n);
        if (len - pos < n)
            return false;
        out->push_back(llvm::StringRef(buf + pos, size_t(n)));
        pos += size_t(n);
    }
    return pos == len;
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
        // The only outside symbols generated code may call (outside_symbols(),
        // loader.hpp: link_image() binds the same).  Defined directly: no search of the
        // process's libraries, so looking up an absent kernel fails fast and
        // nothing else can bind.
        {
            llvm::orc::MangleAndInterner mangle(lj.getExecutionSession(), lj.getDataLayout());
            llvm::orc::SymbolMap syms;
            auto def = [&](const char *name, void *addr) {
                syms[mangle(name)] = absolute_symbol(addr);
            };
            size_t nsyms;
            const OutsideSymbol *outside = outside_symbols(&nsyms);
            for (size_t i = 0; i < nsyms; i++)
                def(outside[i].name, outside[i].addr);
            if (auto e = jd->define(llvm::orc::absoluteSymbols(std::move(syms)))) {
                *error = dup(llvm::toString(std::move(e)));
                (void) lj.getExecutionSession().removeJITDylib(*jd);
                return nullptr;
            }
        }
        std::vector<llvm::StringRef> objs;
        if (!split_objects(object, len, &objs)) {
            *error = dup("the stored object code is damaged");
            (void) lj.getExecutionSession().removeJITDylib(*jd);
            return nullptr;
        }
        for (size_t i = 0; i < objs.size(); i++) {
            auto mb = llvm::MemoryBuffer::getMemBufferCopy(objs[i], "feature_ext_deployment_" + std::to_string(i));
            if (auto e = lj.addObjectFile(*jd, std::move(mb))) {
                *error = dup(llvm::toString(std::move(e)));
                (void) lj.getExecutionSession().removeJITDylib(*jd);
                return nullptr;
            }
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
