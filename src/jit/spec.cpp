// feature_ext JIT: stable text form of a spec (the identity of a compiled
// object, stored next to it in the deployment catalog).
#include "feature_ext/jit/spec.hpp"

#include <cstdio>

namespace fe::jit {

namespace {

void put(std::string &s, long long v)
{
    s += std::to_string(v);
    s += ',';
}

}  // namespace

static void put_group(std::string &s, const GroupSpec &g)
{
    {
        s += "G";
        put(s, g.nwindows);
        for (const ColSpec &c : g.cols) {
            s += "c";
            put(s, c.src);
            put(s, int(c.ty));
            put(s, c.null_bit);
            put(s, c.offset);
            put(s, c.param);
            for (int32_t b : c.prior_var_bits)
                put(s, b);
            s += ';';
        }
        for (const ExprSpec &e : g.exprs) {
            s += "e";
            put(s, int(e.op));
            put(s, int(e.ty));
            put(s, e.col);
            put(s, e.param);
            put(s, e.null);
            put(s, e.ival);
            char buf[40];
            snprintf(buf, sizeof(buf), "%a,", e.fval);
            s += buf;
            put(s, (long long) e.sval.size());
            s += e.sval;
            s += ':';
            for (int32_t a : e.args)
                put(s, a);
            s += ';';
        }
        for (const AggSpec &a : g.aggs) {
            s += "a";
            put(s, int(a.kind));
            put(s, a.window);
            put(s, a.arg);
            put(s, a.filter);
            put(s, a.arg2);
            put(s, int(a.arg_ty));
            put(s, a.out);
            s += ';';
        }
        s += '|';
    }
}

std::string serialize(const ModuleSpec &m)
{
    // The version of the generated code's meaning: bumped whenever the code
    // generator changes what a spec compiles to, so that objects stored in
    // feature_ext.deployment by an older generator are not loaded (v3: the
    // length of a NULL variable-width value is no longer read; v5: exact
    // float8 sum_where / avg_where calling fe_jit_exact_sum_value, group
    // kernels return the failing aggregate with the error (kernel_code), and
    // avg(float8) hands frames with values beyond +/-1e100 to the interpreter;
    // v6: one loop per window instead of one fused loop, same results; v7:
    // float4 values, the variance family, native kernels of feature_ext's
    // map / list aggregates; v8: error tests without branches, grouped
    // aggregates, the light pipeline of large deployments, same results).
    std::string s = "v8;";
    for (const GroupSpec &g : m.groups)
        put_group(s, g);
    s += "P";
    put_group(s, m.proj.exprs);
    for (const ProjOut &o : m.proj.outs) {
        put(s, o.expr);
        put(s, o.out);
    }
    return s;
}

uint64_t hash64(const std::string &s)
{
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace fe::jit
