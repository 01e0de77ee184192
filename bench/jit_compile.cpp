// bench/jit_compile: the deploy JIT's compile time and how soon it stops
// after a cancel, without a server (`make bench-jit-compile`, then
// `bench/jit_compile [--reps N] [--points K] [--shape bench|cancel|mix]
// [--kernel-rows R] [N...]`, default 3 reps, 20 points, the bench and cancel
// shapes, a 1,000-row kernel timing (0: none), 100 1000 1500 features).
//
// Two deployment shapes, specs built by hand like those the server builds:
//   bench   bench/jit.sh section 2: ten kinds of features cycling over three
//           ROWS windows (sum/avg/min/max of a float8 column, count(*) with
//           and without a text FILTER, sum/max of an int4, an arithmetic
//           argument with an int FILTER, avg with a text <> FILTER)
//   cancel  test/security/cancel_compile.sh: sum/avg/min/max/count of
//           v(i % 8) FILTER (WHERE v((i + 1) % 8) > i % 7) over one window
//   mix     bench/jit.sh section 5's realistic 10-feature mix (the parts
//           that compile), cycling over one window
// For each shape and size: the compile's wall time (median of --reps, and
// min/max; and the median CPU time, which other load on the machine
// disturbs less), the object's size, load()'s time and resident memory, the
// number of interrupt polls and the longest gap between two polls; then
// --points cancels at deadlines spread evenly over the compile (the
// interrupt check turns true at the deadline): the delay from the deadline
// to compile() returning, max and median (a compile that ignores the cancel
// and finishes counts with its remaining time).  Finally the kernels run on
// random rows and frames and a checksum of every result word, null flag and
// return code is printed: the same checksum before and after a change of
// how the code is compiled means the same results, and the kernel's time
// per call over an R-row window (the fastest of 15 runs of 20 ms): what a
// request spends in the compiled code, so a faster compile can be weighed
// against slower code.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "feature_ext/jit/jit.hpp"

using namespace fe::jit;
using Clock = std::chrono::steady_clock;

namespace {

// Row layout: null bitmap (2 bytes), v0..v7 float8 @2 + 8i, qty int4 @66,
// then the var section: merchant text (2-byte length + bytes).
constexpr int kQtyOff = 66, kVarOff = 70, kQtyBit = 8, kTextBit = 9;

struct Builder {
    GroupSpec &g;
    int col(int c)
    {
        ExprSpec e;
        e.op = Op::kCol;
        e.col = c;
        e.ty = g.cols[size_t(c)].ty;
        return push(e);
    }
    int cnst_f(double v) { ExprSpec e; e.op = Op::kConst; e.ty = Ty::kF64; e.fval = v; return push(e); }
    int cnst_i(int64_t v) { ExprSpec e; e.op = Op::kConst; e.ty = Ty::kI32; e.ival = v; return push(e); }
    int cnst_s(const char *s) { ExprSpec e; e.op = Op::kConst; e.ty = Ty::kText; e.sval = s; return push(e); }
    int op(Op o, Ty t, int a, int b = -1)
    {
        ExprSpec e;
        e.op = o;
        e.ty = t;
        e.args.push_back(a);
        if (b >= 0) e.args.push_back(b);
        return push(e);
    }
    int push(const ExprSpec &e)
    {
        g.exprs.push_back(e);
        return int(g.exprs.size() - 1);
    }
};

void add_cols(GroupSpec &g)
{
    for (int i = 0; i < 8; i++) {
        ColSpec c;
        c.src = ColSpec::kFixed;
        c.ty = Ty::kF64;
        c.null_bit = i;
        c.offset = 2 + 8 * i;
        g.cols.push_back(c);
    }
    ColSpec q;
    q.src = ColSpec::kFixed;
    q.ty = Ty::kI32;
    q.null_bit = kQtyBit;
    q.offset = kQtyOff;
    g.cols.push_back(q);  // 8
    ColSpec m;
    m.src = ColSpec::kVar;
    m.ty = Ty::kText;
    m.null_bit = kTextBit;
    m.offset = kVarOff;
    g.cols.push_back(m);  // 9
}

ModuleSpec bench_shape(int n)
{
    ModuleSpec m;
    m.groups.resize(1);
    GroupSpec &g = m.groups[0];
    add_cols(g);
    g.nwindows = 3;
    Builder b{g};
    for (int i = 0; i < n; i++) {
        AggSpec a;
        a.window = i % 3;
        a.out = i;
        switch (i % 10) {
        case 0: a.kind = AggKind::kSumF8; a.arg = b.col(0); break;
        case 1: a.kind = AggKind::kAvgF8; a.arg = b.col(0); break;
        case 2: a.kind = AggKind::kMaxF8; a.arg = b.col(0); break;
        case 3: a.kind = AggKind::kMinF8; a.arg = b.col(0); break;
        case 4: a.kind = AggKind::kCountStar; break;
        case 5:
            a.kind = AggKind::kCountStar;
            a.filter = b.op(Op::kEq, Ty::kBool, b.col(9), b.cnst_s("m1"));
            break;
        case 6: a.kind = AggKind::kSumInt; a.arg = b.col(8); a.arg_ty = Ty::kI32; break;
        case 7: a.kind = AggKind::kMaxInt; a.arg = b.col(8); a.arg_ty = Ty::kI32; break;
        case 8:
            a.kind = AggKind::kSumF8;
            a.arg = b.op(Op::kSub, Ty::kF64, b.op(Op::kMul, Ty::kF64, b.col(0), b.cnst_f(2)),
                         b.op(Op::kCast, Ty::kF64, b.col(8)));
            a.filter = b.op(Op::kGt, Ty::kBool, b.col(8), b.cnst_i(3));
            break;
        default:
            a.kind = AggKind::kAvgF8;
            a.arg = b.col(0);
            a.filter = b.op(Op::kNe, Ty::kBool, b.col(9), b.cnst_s("m2"));
            break;
        }
        if (a.arg >= 0) a.arg_ty = g.exprs[size_t(a.arg)].ty;
        g.aggs.push_back(a);
    }
    // the server orders aggregates by window (the interpreter's order)
    std::stable_sort(g.aggs.begin(), g.aggs.end(),
                     [](const AggSpec &x, const AggSpec &y) { return x.window < y.window; });
    return m;
}

// bench/jit.sh section 5's realistic mix, as far as it compiles: sum,
// avg of an expression, max of an expression, min, a filtered count, an
// int4 sum (its bigint sum is numeric, interpreted), stddev_samp, a sum
// with a FILTER (its CASE sum is interpreted), count, avg; one window.
ModuleSpec mix_shape(int n)
{
    ModuleSpec m;
    m.groups.resize(1);
    GroupSpec &g = m.groups[0];
    add_cols(g);
    g.nwindows = 1;
    Builder b{g};
    for (int i = 0; i < n; i++) {
        AggSpec a;
        a.window = 0;
        a.out = i;
        switch (i % 10) {
        case 0: a.kind = AggKind::kSumF8; a.arg = b.col(0); break;
        case 1: a.kind = AggKind::kAvgF8; a.arg = b.op(Op::kMul, Ty::kF64, b.col(0), b.cnst_f(1.1)); break;
        case 2:
            a.kind = AggKind::kMaxF8;
            a.arg = b.op(Op::kSub, Ty::kF64, b.col(0), b.op(Op::kCast, Ty::kF64, b.col(8)));
            break;
        case 3: a.kind = AggKind::kMinF8; a.arg = b.col(0); break;
        case 4:
            a.kind = AggKind::kCountStar;
            a.filter = b.op(Op::kEq, Ty::kBool, b.col(9), b.cnst_s("m1"));
            break;
        case 5: a.kind = AggKind::kSumInt; a.arg = b.col(8); break;
        case 6: a.kind = AggKind::kStddevSampF8; a.arg = b.col(0); break;
        case 7:
            a.kind = AggKind::kSumF8;
            a.arg = b.col(1);
            a.filter = b.op(Op::kGt, Ty::kBool, b.col(8), b.cnst_i(5));
            break;
        case 8: a.kind = AggKind::kCountStar; break;
        default: a.kind = AggKind::kAvgF8; a.arg = b.col(0); break;
        }
        if (a.arg >= 0) a.arg_ty = g.exprs[size_t(a.arg)].ty;
        g.aggs.push_back(a);
    }
    return m;
}

ModuleSpec cancel_shape(int n)
{
    ModuleSpec m;
    m.groups.resize(1);
    GroupSpec &g = m.groups[0];
    add_cols(g);
    g.nwindows = 1;
    Builder b{g};
    const AggKind kinds[5] = {AggKind::kSumF8, AggKind::kAvgF8, AggKind::kMinF8, AggKind::kMaxF8, AggKind::kCount};
    for (int i = 0; i < n; i++) {
        AggSpec a;
        a.window = 0;
        a.out = i;
        a.kind = kinds[i % 5];
        a.arg = b.col(i % 8);
        a.arg_ty = Ty::kF64;
        a.filter = b.op(Op::kGt, Ty::kBool, b.col((i + 1) % 8), b.op(Op::kCast, Ty::kF64, b.cnst_i(i % 7)));
        g.aggs.push_back(a);
    }
    return m;
}

// ---- the interrupt check: records poll times; true from the deadline on
std::vector<Clock::time_point> g_polls;
Clock::time_point g_deadline;
bool g_use_deadline = false;
bool poll()
{
    auto now = Clock::now();
    g_polls.push_back(now);
    return g_use_deadline && now >= g_deadline;
}

double ms_between(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double, std::milli>(b - a).count();
}

double cpu_ms()
{
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// Resident memory of this process, kB.
long rss_kb()
{
    long pages = 0, res = 0;
    if (FILE *f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        std::fclose(f);
    }
    return res * 4;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// ---- running the kernels
std::vector<uint8_t> rand_row(std::mt19937_64 &r)
{
    std::vector<uint8_t> row(kVarOff, 0);
    uint16_t nulls = 0;
    for (int i = 0; i < 10; i++)
        if (r() % 10 == 0) nulls |= uint16_t(1u << i);
    memcpy(&row[0], &nulls, 2);
    for (int i = 0; i < 8; i++) {
        double v = double(int64_t(r() % 20001) - 10000) / 8.0;
        if (!(nulls & (1u << i))) memcpy(&row[size_t(2 + 8 * i)], &v, 8);
    }
    int32_t q = int32_t(r() % 17);
    if (!(nulls & (1u << kQtyBit))) memcpy(&row[kQtyOff], &q, 4);
    if (!(nulls & (1u << kTextBit))) {
        std::string s = "m" + std::to_string(r() % 5);
        row.push_back(uint8_t(s.size()));
        row.push_back(0);
        row.insert(row.end(), s.begin(), s.end());
    }
    return row;
}

// Microseconds per kernel call over windows of `rows` rows (requests over
// 1,000 stored rows; the kernel's own time, what a request spends in it).
double kernel_us(const ModuleSpec &spec, GroupFn fn, int rows)
{
    std::mt19937_64 r{42};
    const GroupSpec &g = spec.groups[0];
    int n = rows;
    std::vector<std::vector<uint8_t>> data;
    std::vector<const uint8_t *> ptrs;
    std::vector<int64_t> order;
    for (int i = 0; i < n; i++) {
        data.push_back(rand_row(r));
        order.push_back(int64_t(100000 - i));
    }
    for (auto &x : data) ptrs.push_back(x.data());
    std::vector<uint8_t> rq = rand_row(r);
    std::vector<KFrame> frames;
    for (int w = 0; w < g.nwindows; w++) frames.push_back(KFrame{0, n, n, 0});
    std::vector<uint64_t> out(g.aggs.size());
    std::vector<uint8_t> outn(g.aggs.size());
    auto once = [&] {
        return fn(ptrs.data(), order.data(), n, rq.data(), 200000, frames.data(), nullptr, nullptr, out.data(),
                  outn.data());
    };
    once();
    // the fastest of 15 runs of 20 ms: other load on the machine only slows runs down
    double best = 1e300;
    for (int rep = 0; rep < 15; rep++) {
        int calls = 0;
        auto t0 = Clock::now();
        do {
            once();
            calls++;
        } while (ms_between(t0, Clock::now()) < 20);
        best = std::min(best, ms_between(t0, Clock::now()) * 1000.0 / calls);
    }
    return best;
}

uint64_t checksum(const ModuleSpec &spec, GroupFn fn, int seed)
{
    std::mt19937_64 r{static_cast<uint64_t>(seed)};
    const GroupSpec &g = spec.groups[0];
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](uint64_t v) {
        for (int i = 0; i < 8; i++) {
            h ^= (v >> (8 * i)) & 0xff;
            h *= 1099511628211ull;
        }
    };
    std::vector<uint64_t> out(g.aggs.size());
    std::vector<uint8_t> outn(g.aggs.size());
    for (int req = 0; req < 40; req++) {
        int n = int(r() % 300);
        std::vector<std::vector<uint8_t>> rows;
        std::vector<const uint8_t *> ptrs;
        std::vector<int64_t> order;
        for (int i = 0; i < n; i++) {
            rows.push_back(rand_row(r));
            order.push_back(int64_t(1000 - i));
        }
        for (auto &x : rows) ptrs.push_back(x.data());
        std::vector<uint8_t> rq = rand_row(r);
        std::vector<KFrame> frames;
        for (int w = 0; w < g.nwindows; w++) {
            int rows_back = 100 + w;
            frames.push_back(KFrame{std::max(0, n - rows_back), n, n, 0});
        }
        std::fill(out.begin(), out.end(), 0xdead);
        std::fill(outn.begin(), outn.end(), 7);
        int32_t rc = fn(ptrs.data(), order.data(), n, rq.data(), 2000, frames.data(), nullptr, nullptr, out.data(),
                        outn.data());
        mix(uint64_t(uint32_t(rc)));
        for (size_t k = 0; k < out.size(); k++) {
            mix(out[k]);
            mix(outn[k]);
        }
    }
    return h;
}

int g_kernel_rows = 1000;  // --kernel-rows: the window of the kernel timing (0: none)

int run(const char *shape, int n, int reps, int points)
{
    ModuleSpec spec = std::strcmp(shape, "bench") == 0 ? bench_shape(n)
                      : std::strcmp(shape, "mix") == 0 ? mix_shape(n)
                                                       : cancel_shape(n);
    std::vector<double> times, cpus, gaps;
    size_t npolls = 0, bytes = 0;
    CompileResult keep{};
    for (int i = 0; i < reps; i++) {
        g_polls.clear();
        g_use_deadline = false;
        double c0 = cpu_ms();
        auto t0 = Clock::now();
        CompileResult cr = compile(spec);
        auto t1 = Clock::now();
        cpus.push_back(cpu_ms() - c0);
        if (!cr.ok) {
            std::fprintf(stderr, "compile failed: %s\n", cr.error ? cr.error : "?");
            return 1;
        }
        times.push_back(ms_between(t0, t1));
        double gap = g_polls.empty() ? ms_between(t0, t1) : ms_between(t0, g_polls.front());
        for (size_t k = 1; k < g_polls.size(); k++) gap = std::max(gap, ms_between(g_polls[k - 1], g_polls[k]));
        if (!g_polls.empty()) gap = std::max(gap, ms_between(g_polls.back(), t1));
        gaps.push_back(gap);
        npolls = g_polls.size();
        bytes = cr.object_len;
        if (i == 0)
            keep = cr;
        else
            free_buffer(cr.object);
    }
    double med = median(times);
    std::vector<double> delays;
    int not_cancelled = 0;
    for (int p = 0; p < points; p++) {
        g_polls.clear();
        g_use_deadline = true;
        auto t0 = Clock::now();
        g_deadline = t0 + std::chrono::microseconds(int64_t(med * 1000.0 * (p + 0.5) / points));
        CompileResult cr = compile(spec);
        auto t1 = Clock::now();
        if (!cr.cancelled) {  // ran to the end after the deadline: that is the delay
            not_cancelled++;
            free_buffer(cr.object);
            free_buffer(cr.error);
        }
        delays.push_back(ms_between(g_deadline, t1));
    }
    g_use_deadline = false;
    char *err = nullptr;
    long rss0 = rss_kb();
    auto tl = Clock::now();
    Loaded *l = load(keep.object, keep.object_len, 1, &err);
    double load_ms = ms_between(tl, Clock::now());
    long load_kb = rss_kb() - rss0;
    free_buffer(keep.object);
    if (!l) {
        std::fprintf(stderr, "load failed: %s\n", err ? err : "?");
        return 1;
    }
    uint64_t sum = checksum(spec, group_fn(l, 0), n);
    double us = g_kernel_rows > 0 ? kernel_us(spec, group_fn(l, 0), g_kernel_rows) : 0.0;
    release(l);
    std::printf("%-6s %5d features: compile %8.1f ms (min %.1f, max %.1f, %d reps; CPU %.1f ms) | object %zu bytes, load %.1f ms +%ld kB | %zu polls, "
                "longest gap %.1f ms (median over reps %.1f) | cancel at %d points: delay max %.1f ms, median %.1f ms%s"
                " | results %016" PRIx64 " | kernel %.1f us per call over %d rows\n",
                shape, n, med, *std::min_element(times.begin(), times.end()),
                *std::max_element(times.begin(), times.end()), reps, median(cpus), bytes, load_ms, load_kb, npolls,
                *std::max_element(gaps.begin(), gaps.end()), median(gaps), points,
                delays.empty() ? 0.0 : *std::max_element(delays.begin(), delays.end()), median(delays),
                not_cancelled ? (" (" + std::to_string(not_cancelled) + " ran to the end)").c_str() : "", sum, us,
                g_kernel_rows);
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char **argv)
{
    int reps = 3, points = 20;
    std::vector<int> sizes;
    std::vector<std::string> shapes;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--points") && i + 1 < argc)
            points = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--shape") && i + 1 < argc)
            shapes.push_back(argv[++i]);
        else if (!std::strcmp(argv[i], "--kernel-rows") && i + 1 < argc)
            g_kernel_rows = std::atoi(argv[++i]);
        else if (argv[i][0] >= '0' && argv[i][0] <= '9')
            sizes.push_back(std::atoi(argv[i]));
        else {
            std::fprintf(stderr,
                         "usage: %s [--reps N] [--points K] [--shape bench|cancel|mix]... [--kernel-rows R] "
                         "[N_FEATURES...]\n",
                         argv[0]);
            return 2;
        }
    }
    if (sizes.empty()) sizes = {100, 1000, 1500};
    if (shapes.empty()) shapes = {"bench", "cancel"};
    set_interrupt_check(poll);
    warm_up();  // as the postmaster does: load() times exclude creating the loader
    int rc = 0;
    for (auto &s : shapes)
        for (int n : sizes) rc |= run(s.c_str(), n, std::max(reps, 1), points);
    return rc;
}
