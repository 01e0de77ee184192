// Unit tests of jit/loader.cpp (link_image): the same compiled objects
// linked by it and by LLVM (jit::load) compute the same results on random
// rows and frames (kernels over several windows, filters, text equality,
// exact float sums calling back into feature_ext, a projection, a
// deployment split into many modules that call each other); its code is
// never writable and executable at once; damaged or foreign objects are
// refused with a reason, never linked.  No server.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "feature_ext/jit/jit.hpp"
#include "feature_ext/jit/loader.hpp"

using namespace fe::jit;

namespace {

// Row layout: null bitmap (1 byte), f8 @1, i32 @9, i64 @13; var: text.
constexpr int kFixedEnd = 21;

struct Row {
    double f8 = 0;
    int32_t i32 = 0;
    int64_t i64 = 0;
    std::string txt;
    uint8_t nulls = 0;  // bit 0 f8, 1 i32, 2 i64, 3 text
    std::vector<uint8_t> bytes;
    void encode()
    {
        bytes.assign(kFixedEnd, 0);
        bytes[0] = nulls;
        if (!(nulls & 1)) memcpy(&bytes[1], &f8, 8);
        if (!(nulls & 2)) memcpy(&bytes[9], &i32, 4);
        if (!(nulls & 4)) memcpy(&bytes[13], &i64, 8);
        if (!(nulls & 8)) {
            uint16_t l = uint16_t(txt.size());
            bytes.push_back(uint8_t(l & 0xff));
            bytes.push_back(uint8_t(l >> 8));
            bytes.insert(bytes.end(), txt.begin(), txt.end());
        }
    }
};

struct Builder {
    GroupSpec g;
    Builder()
    {
        auto fixed = [&](Ty t, int bit, int off) {
            ColSpec c;
            c.src = ColSpec::kFixed;
            c.ty = t;
            c.null_bit = bit;
            c.offset = off;
            g.cols.push_back(c);
        };
        fixed(Ty::kF64, 0, 1);
        fixed(Ty::kI32, 1, 9);
        fixed(Ty::kI64, 2, 13);
        ColSpec t;
        t.src = ColSpec::kVar;
        t.ty = Ty::kText;
        t.null_bit = 3;
        t.offset = kFixedEnd;
        g.cols.push_back(t);
        ColSpec o;
        o.src = ColSpec::kOrder;
        o.ty = Ty::kI64;
        g.cols.push_back(o);
    }
    int add(ExprSpec e)
    {
        g.exprs.push_back(e);
        return int(g.exprs.size() - 1);
    }
    int col(int c)
    {
        ExprSpec e;
        e.op = Op::kCol;
        e.col = c;
        e.ty = g.cols[size_t(c)].ty;
        return add(e);
    }
    int f8(double v)
    {
        ExprSpec e;
        e.op = Op::kConst;
        e.ty = Ty::kF64;
        e.fval = v;
        return add(e);
    }
    int i64(int64_t v)
    {
        ExprSpec e;
        e.op = Op::kConst;
        e.ty = Ty::kI64;
        e.ival = v;
        return add(e);
    }
    int text(const std::string &s)
    {
        ExprSpec e;
        e.op = Op::kConst;
        e.ty = Ty::kText;
        e.sval = s;
        return add(e);
    }
    int op(Op o, Ty t, int a, int b)
    {
        ExprSpec e;
        e.op = o;
        e.ty = t;
        e.args = {a, b};
        return add(e);
    }
    void agg(AggKind k, int window, int arg, Ty arg_ty, int filter)
    {
        AggSpec a;
        a.kind = k;
        a.window = window;
        a.arg = arg;
        a.arg_ty = arg_ty;
        a.filter = filter;
        a.out = int32_t(g.aggs.size());
        g.aggs.push_back(a);
    }
};

// A group of `n` aggregates over `nwin` windows, cycling over kinds,
// filters (numeric, text against constants and against the request's text,
// null tests) and arguments; float8 sum_where calls fe_jit_exact_sum_value.
GroupSpec make_group(int n, int nwin)
{
    Builder b;
    b.g.nwindows = nwin;
    for (int i = 0; i < n; i++) {
        int w = i % nwin;
        int filter = -1;
        switch (i % 5) {
        case 1: filter = b.op(Op::kGt, Ty::kBool, b.col(2), b.i64(i % 7)); break;
        case 2: filter = b.op(Op::kEq, Ty::kBool, b.col(3), b.text(i % 2 ? "m1" : "a somewhat longer merchant name")); break;
        case 3: filter = b.op(Op::kNe, Ty::kBool, b.col(3), b.text("m" + std::to_string(i % 4))); break;
        case 4: filter = b.op(Op::kLt, Ty::kBool, b.col(0), b.f8(0.25 * (i % 9))); break;
        default: break;
        }
        switch (i % 9) {
        case 0: b.agg(AggKind::kCountStar, w, -1, Ty::kI64, filter); break;
        case 1: b.agg(AggKind::kSumF8, w, b.op(Op::kMul, Ty::kF64, b.col(0), b.f8(1.5 + i)), Ty::kF64, filter); break;
        case 2: b.agg(AggKind::kAvgF8, w, b.col(0), Ty::kF64, filter); break;
        case 3: b.agg(AggKind::kMaxF8, w, b.col(0), Ty::kF64, filter); break;
        case 4: b.agg(AggKind::kSumInt, w, b.col(1), Ty::kI32, filter); break;
        case 5: b.agg(AggKind::kMinInt, w, b.op(Op::kAdd, Ty::kI64, b.col(2), b.i64(i)), Ty::kI64, filter); break;
        case 6: b.agg(AggKind::kSumWhereF8, w, b.col(0), Ty::kF64, filter); break;
        case 7: b.agg(AggKind::kCount, w, b.col(3), Ty::kText, filter); break;
        default: b.agg(AggKind::kAvgWhereInt, w, b.col(2), Ty::kI64, filter); break;
        }
    }
    return b.g;
}

// A projection over the aggregates' results: a0 * 2.5 - a1 (float8).
ProjSpec make_proj()
{
    ProjSpec p;
    GroupSpec &g = p.exprs;
    auto agg = [&](int i, Ty t) {
        ColSpec c;
        c.src = ColSpec::kAgg;
        c.ty = t;
        c.param = i;
        g.cols.push_back(c);
        ExprSpec e;
        e.op = Op::kCol;
        e.ty = t;
        e.col = int(g.cols.size() - 1);
        g.exprs.push_back(e);
        return int(g.exprs.size() - 1);
    };
    int a1 = agg(1, Ty::kF64), a2 = agg(2, Ty::kF64);
    ExprSpec k;
    k.op = Op::kConst;
    k.ty = Ty::kF64;
    k.fval = 2.5;
    g.exprs.push_back(k);
    int c = int(g.exprs.size() - 1);
    ExprSpec m;
    m.op = Op::kMul;
    m.ty = Ty::kF64;
    m.args = {a1, c};
    g.exprs.push_back(m);
    ExprSpec s;
    s.op = Op::kSub;
    s.ty = Ty::kF64;
    s.args = {int(g.exprs.size() - 1), a2};
    g.exprs.push_back(s);
    p.outs.push_back({int(g.exprs.size() - 1), 0});
    return p;
}

struct Compiled {
    char *object = nullptr;
    size_t len = 0;
    explicit Compiled(const ModuleSpec &m)
    {
        CompileResult cr = compile(m);
        EXPECT_TRUE(cr.ok) << (cr.error ? cr.error : "");
        free_buffer(cr.error);
        object = cr.object;
        len = cr.object_len;
    }
    ~Compiled() { free_buffer(object); }
};

uint32_t object_count(const Compiled &c)
{
    if (c.len < 12 || memcmp(c.object, "FEJITOBJ", 8) != 0)
        return 1;
    uint32_t n;
    memcpy(&n, c.object + 8, 4);
    return n;
}

struct Input {
    std::vector<Row> rows;
    std::vector<int64_t> order;
    Row req;
    int64_t req_order = 0;
    std::vector<KFrame> frames;
};

Input random_input(std::mt19937_64 &rng, int nwin)
{
    auto in = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
    static const char *texts[] = {"m1", "m2", "m3", "a somewhat longer merchant name", "", "a somewhat longer merchant nam"};
    auto row = [&](Row *r) {
        r->f8 = double(in(-1000, 1000)) / 8.0;
        if (in(0, 30) == 0) r->f8 = NAN;
        r->i32 = int32_t(in(-100000, 100000));
        r->i64 = in(-50, 50);
        r->txt = texts[in(0, 5)];
        r->nulls = uint8_t(in(0, 9) == 0 ? in(0, 15) : 0);
        r->encode();
    };
    Input x;
    int n = int(in(0, 60));
    x.rows.resize(size_t(n));
    for (int i = 0; i < n; i++) {
        row(&x.rows[size_t(i)]);
        x.order.push_back(1000 - i);  // newest first
    }
    row(&x.req);
    x.req_order = 1001;
    for (int w = 0; w < nwin; w++) {
        KFrame f;
        f.from = int32_t(in(0, n));
        f.to = int32_t(in(f.from - 1, n));
        f.peers_from = n;
        f.flags = in(0, 3) == 0 ? kSkipRequest : 0;
        x.frames.push_back(f);
    }
    return x;
}

// Runs kernel g of both links on random inputs; every result word, null
// flag and return code must be equal.
void same_results(GroupFn a, GroupFn b, const GroupSpec &g, int cases, uint64_t seed)
{
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    std::mt19937_64 rng(seed);
    for (int c = 0; c < cases; c++) {
        Input x = random_input(rng, g.nwindows);
        std::vector<const uint8_t *> ptrs;
        for (auto &r : x.rows) ptrs.push_back(r.bytes.data());
        size_t na = g.aggs.size();
        std::vector<uint64_t> oa(na, 0xdead), ob(na, 0xbeef);
        std::vector<uint8_t> na_(na, 7), nb_(na, 9);
        int ra = a(ptrs.data(), x.order.data(), int32_t(x.rows.size()), x.req.bytes.data(), x.req_order,
                   x.frames.data(), nullptr, nullptr, oa.data(), na_.data());
        int rb = b(ptrs.data(), x.order.data(), int32_t(x.rows.size()), x.req.bytes.data(), x.req_order,
                   x.frames.data(), nullptr, nullptr, ob.data(), nb_.data());
        ASSERT_EQ(ra, rb) << "case " << c;
        if (ra != 0)
            continue;
        for (size_t k = 0; k < na; k++) {
            ASSERT_EQ(na_[k], nb_[k]) << "case " << c << " aggregate " << k;
            if (!na_[k]) {
                ASSERT_EQ(oa[k], ob[k]) << "case " << c << " aggregate " << k;
            }
        }
    }
}

// Permissions of the mapping holding addr in /proc/self/maps ("r-xp"), or "".
std::string perms_of(const void *addr)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return "";
    char line[512];
    std::string out;
    uintptr_t a = reinterpret_cast<uintptr_t>(addr);
    while (fgets(line, sizeof(line), f)) {
        uintptr_t lo, hi;
        char perms[8];
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &lo, &hi, perms) == 3 && a >= lo && a < hi) {
            out = perms;
            break;
        }
    }
    fclose(f);
    return out;
}

}  // namespace

TEST(JitLoader, SameResultsAsLlvm)
{
    ModuleSpec m;
    m.groups.push_back(make_group(18, 3));
    m.groups.push_back(make_group(9, 2));
    m.proj = make_proj();
    Compiled c(m);
    ASSERT_NE(c.object, nullptr);
    char *err = nullptr;
    Image *im = link_image(c.object, c.len, 2, &err);
    ASSERT_NE(im, nullptr) << (err ? err : "");
    Loaded *l = load(c.object, c.len, 2, &err);
    ASSERT_NE(l, nullptr) << (err ? err : "");
    for (int g = 0; g < 2; g++)
        same_results(image_group_fn(im, g), group_fn(l, g), m.groups[size_t(g)], 3000, 42 + uint64_t(g));
    EXPECT_EQ(image_group_fn(im, 2), nullptr);
    // The projection.
    ProjFn pa = image_projection_fn(im), pb = projection_fn(l);
    ASSERT_NE(pa, nullptr);
    ASSERT_NE(pb, nullptr);
    for (double x : {0.0, 1.25, -3.5, 1e300, double(NAN)}) {
        uint64_t aggv[3], out_a = 1, out_b = 2;
        uint8_t aggn[3] = {0, 0, 0}, on_a = 3, on_b = 4;
        double y = x * 3 - 1;
        memcpy(&aggv[1], &x, 8);
        memcpy(&aggv[2], &y, 8);
        aggv[0] = 0;
        int ra = pa(nullptr, nullptr, aggv, aggn, &out_a, &on_a);
        int rb = pb(nullptr, nullptr, aggv, aggn, &out_b, &on_b);
        EXPECT_EQ(ra, rb);
        if (ra == 0) {
            EXPECT_EQ(on_a, on_b);
            EXPECT_EQ(out_a, out_b);
        }
    }
    // Code is read-and-execute only.
    EXPECT_EQ(perms_of(reinterpret_cast<const void *>(image_group_fn(im, 0))), "r-xp");
    EXPECT_GT(image_bytes(im), 0u);
    image_release(im);
    release(l);
}

TEST(JitLoader, ManyModulesCallingEachOther)
{
    // 160 aggregates over 3 windows: several modules, the kernel calling
    // chunks defined in other objects.
    ModuleSpec m;
    m.groups.push_back(make_group(160, 3));
    Compiled c(m);
    ASSERT_NE(c.object, nullptr);
    EXPECT_GT(object_count(c), 1u);
    char *err = nullptr;
    Image *im = link_image(c.object, c.len, 1, &err);
    ASSERT_NE(im, nullptr) << (err ? err : "");
    Loaded *l = load(c.object, c.len, 1, &err);
    ASSERT_NE(l, nullptr) << (err ? err : "");
    same_results(image_group_fn(im, 0), group_fn(l, 0), m.groups[0], 500, 7);
    image_release(im);
    release(l);
}

TEST(JitLoader, RefusesDamagedAndForeignObjects)
{
    ModuleSpec m;
    m.groups.push_back(make_group(40, 2));
    Compiled c(m);
    ASSERT_NE(c.object, nullptr);
    char *err = nullptr;
    // Every truncation of the container is refused with a reason.
    for (size_t cut = 0; cut < c.len; cut += (cut < 64 ? 1 : 97)) {
        Image *im = link_image(c.object, cut, 1, &err);
        EXPECT_EQ(im, nullptr) << cut;
        image_release(im);
        EXPECT_NE(err, nullptr) << cut;
        free_buffer(err);
        err = nullptr;
    }
    // Random byte changes: refused or linked, never a crash while linking
    // (the code is not run).
    std::mt19937_64 rng(3);
    std::vector<char> copy(c.object, c.object + c.len);
    for (int t = 0; t < 2000; t++) {
        std::vector<char> bad = copy;
        for (int k = 0; k < 3; k++)
            bad[size_t(rng() % bad.size())] = char(rng());
        Image *im = link_image(bad.data(), bad.size(), 1, &err);
        image_release(im);
        free_buffer(err);
        err = nullptr;
    }
    // One object for another machine: refused (the caller uses LLVM).
    ASSERT_GE(c.len, 12u + 8u + sizeof(uint16_t) * 10);
    std::vector<char> foreign = copy;
    size_t first = 8 + 4 + 8;  // the first object's ELF header
    ASSERT_EQ(memcmp(&foreign[first], "\x7f" "ELF", 4), 0);
    uint16_t machine = 183;    // EM_AARCH64
    memcpy(&foreign[first + 18], &machine, 2);
    EXPECT_EQ(link_image(foreign.data(), foreign.size(), 1, &err), nullptr);
    ASSERT_NE(err, nullptr);
    EXPECT_NE(std::string(err).find("x86-64"), std::string::npos) << err;
    free_buffer(err);
    err = nullptr;
    // An outside symbol it does not know: refused, naming it.
    std::string s(copy.begin(), copy.end());
    size_t at = s.find("fe_jit_exact_sum_value");
    ASSERT_NE(at, std::string::npos);
    std::vector<char> unknown = copy;
    unknown[at + strlen("fe_jit_exact_sum_valu")] = 'X';
    EXPECT_EQ(link_image(unknown.data(), unknown.size(), 1, &err), nullptr);
    ASSERT_NE(err, nullptr);
    EXPECT_NE(std::string(err).find("unknown symbol fe_jit_exact_sum_valuX"), std::string::npos) << err;
    free_buffer(err);
}

// Kernels calling the native aggregate kernels (native.hpp), text equality
// (bcmp after instcombine) and the variance family link without LLVM too,
// with the same results.
TEST(JitLoader, NativeKernelsLink)
{
    Builder b;
    b.g.nwindows = 2;
    int eq = b.op(Op::kEq, Ty::kBool, b.col(3), b.text("m1"));
    b.agg(AggKind::kDistinctCount, 0, b.col(3), Ty::kText, -1);
    b.agg(AggKind::kMedian, 1, b.col(0), Ty::kF64, eq);
    b.agg(AggKind::kEntropy, 0, b.col(1), Ty::kI32, -1);
    b.agg(AggKind::kTop1Ratio, 1, b.col(0), Ty::kF64, -1);
    b.agg(AggKind::kDrawdown, 0, b.col(0), Ty::kF64, -1);
    b.agg(AggKind::kStddevSampF8, 1, b.col(0), Ty::kF64, eq);
    b.agg(AggKind::kCountStar, 0, -1, Ty::kI64, eq);
    ModuleSpec m;
    m.groups.push_back(b.g);
    Compiled c(m);
    ASSERT_NE(c.object, nullptr);
    char *err = nullptr;
    Image *im = link_image(c.object, c.len, 1, &err);
    ASSERT_NE(im, nullptr) << (err ? err : "");
    Loaded *l = load(c.object, c.len, 1, &err);
    ASSERT_NE(l, nullptr) << (err ? err : "");
    same_results(image_group_fn(im, 0), group_fn(l, 0), m.groups[0], 500, 11);
    image_release(im);
    release(l);
}
