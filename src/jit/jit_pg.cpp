// feature_ext: deployment plans -> JIT kernels (glue between deploy plans and
// the pure code generator in src/jit).
//
// Translation picks, per index group, the aggregates the code generator can
// reproduce exactly: count(*), count/sum/avg/min/max of int2/int4/int8/
// float4/float8 (sum of int8 and avg of integers return numeric: not
// compiled), var_samp/variance/var_pop/stddev_samp/stddev/stddev_pop of
// float4/float8 (the built-in aggregate OIDs, see agg_kind), feature_ext's
// count_where and sum/avg/min/max_where over int2/int4/int8/float8 columns
// (where_agg), distinct_count / entropy / top1_ratio / median / ew_avg /
// drawdown (native_agg: the library's kernels called from the generated
// loop), with arguments and FILTERs built from columns held by the
// index, constants (and built-in immutable calls on constants, folded), the
// built-in arithmetic, comparison and cast functions func_op knows
// (identified by their C symbol, pg_proc.prosrc, for internal-language
// functions only), AND / OR / NOT and IS [NOT] NULL.  Everything else stays
// with the interpreter, for that aggregate only.
//
// This file mixes C++ objects (the spec) with PostgreSQL calls, so it follows
// rule 2 of CONTRIBUTING.md: every PostgreSQL call that can ereport runs in
// fe::pg_call, and callers (C-style zones) only see plain data.
#include "feature_ext/deploy/deploy_pg.hpp"

#include "feature_ext/jit/jit.hpp"
#include "feature_ext/jit/loader.hpp"
#include "feature_ext/base/module_pg.hpp"
#include "feature_ext/base/guard_pg.hpp"

#include <algorithm>
#include <cstring>

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
}

namespace fe {

namespace {

using jit::Op;
using jit::Ty;

bool ty_of(Oid t, Ty *out)
{
    switch (t) {
    case INT2OID: *out = Ty::kI16; return true;
    case INT4OID: *out = Ty::kI32; return true;
    case INT8OID: *out = Ty::kI64; return true;
    case FLOAT8OID: *out = Ty::kF64; return true;
    case FLOAT4OID: *out = Ty::kF32; return true;
    case BOOLOID: *out = Ty::kBool; return true;
    case TEXTOID: case VARCHAROID: *out = Ty::kText; return true;
    default: return false;
    }
}

// Built-in functions by C symbol: arithmetic, comparisons, casts.
struct FuncInfo {
    const char *prosrc;
    Op op;
};

bool func_op(const char *src, Op *op)
{
    static const struct {
        const char *suffix;
        Op op;
    } ops[] = {{"pl", Op::kAdd}, {"mi", Op::kSub}, {"mul", Op::kMul}, {"div", Op::kDiv}, {"mod", Op::kMod},
               {"um", Op::kNeg}, {"eq", Op::kEq}, {"ne", Op::kNe}, {"lt", Op::kLt}, {"le", Op::kLe},
               {"gt", Op::kGt}, {"ge", Op::kGe}};
    static const char *prefixes[] = {"int2", "int4", "int8", "int24", "int42", "int48", "int84", "int28",
                                     "int82", "float8", "float4", "float48", "float84", "bool", "text"};
    for (const char *pre : prefixes) {
        size_t pl = strlen(pre);
        if (strncmp(src, pre, pl) != 0)
            continue;
        for (auto &o : ops)
            if (strcmp(src + pl, o.suffix) == 0) {
                // mod / um only for single-type integer and float8 symbols
                *op = o.op;
                return true;
            }
    }
    // casts
    static const char *casts[] = {"i2toi4", "int28", "int48", "int84", "int82", "i4toi2", "i4tod", "i2tod",
                                  "i8tod", "i2tof", "i4tof", "i8tof", "ftod", "dtof"};
    for (const char *c : casts)
        if (strcmp(src, c) == 0) {
            *op = Op::kCast;
            return true;
        }
    return false;
}

// pg_proc.prosrc of an internal-language function, or "" (palloc'd).
const char *internal_symbol(Oid fn)
{
    const char *result = "";
    pg_call([&]() {
        HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
        if (!HeapTupleIsValid(tup))
            return;
        auto *pf = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tup));
        if (pf->prolang == INTERNALlanguageId) {
            bool isnull;
            Datum d = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
            if (!isnull)
                result = TextDatumGetCString(d);
        }
        ReleaseSysCache(tup);
    });
    return result;
}

struct Translator {
    DeployPlan *p;
    const GroupPlan *g;
    const IndexMeta *m;
    jit::GroupSpec *gs;

    int add(jit::ExprSpec e)
    {
        gs->exprs.push_back(std::move(e));
        return int(gs->exprs.size() - 1);
    }

    int add_col(const jit::ColSpec &c)
    {
        for (size_t i = 0; i < gs->cols.size(); i++) {
            const jit::ColSpec &o = gs->cols[i];
            if (o.src == c.src && o.ty == c.ty && o.offset == c.offset && o.param == c.param &&
                o.null_bit == c.null_bit)
                return int(i);
        }
        gs->cols.push_back(c);
        return int(gs->cols.size() - 1);
    }

    // Column of attribute `attno`, or -1.
    int column(AttrNumber attno, Oid type)
    {
        Ty t;
        if (!ty_of(type, &t))
            return -1;
        jit::ColSpec c;
        c.ty = t;
        if (!g) {  // projection: the request's value (by-value types)
            if (t == Ty::kText)
                return -1;
            c.src = jit::ColSpec::kParam;
            c.param = attno - 1;
            return add_col(c);
        }
        bool key = false;
        for (int k = 0; k < g->nkeys; k++)
            key |= g->key_attnos[k] == attno;
        if (attno == g->order_attno) {
            if (g->order_kind != kOrderInt2 && g->order_kind != kOrderInt4 && g->order_kind != kOrderInt8)
                return -1;
            c.src = jit::ColSpec::kOrder;
        } else if (key) {
            if (t == Ty::kText)
                return -1;  // keys come from the request as Datums: by-value types only
            c.src = jit::ColSpec::kParam;
            c.param = attno - 1;
        } else {
            int sc = -1;
            for (int i = 0; i < m->nstored; i++)
                if (m->stored[i].attno == attno)
                    sc = i;
            if (sc < 0)
                return -1;
            const ColInfo &ci = m->stored[sc];
            int bitmap = (m->nstored + 7) / 8;
            c.null_bit = sc;
            if (t == Ty::kText) {
                if (ci.typlen != -1 || ci.bpchar)
                    return -1;
                c.src = jit::ColSpec::kVar;
                c.offset = bitmap + m->stored_fixed;
                for (int j = 0; j < sc; j++)
                    if (m->stored[j].typlen <= 0)
                        c.prior_var_bits.push_back(j);
            } else {
                if (ci.typlen <= 0 || !ci.typbyval)
                    return -1;
                c.src = jit::ColSpec::kFixed;
                c.offset = bitmap + ci.fixed_off;
            }
        }
        return add_col(c);
    }

    int cast_to(int e, Ty to)
    {
        if (e < 0 || gs->exprs[size_t(e)].ty == to)
            return e;
        jit::ExprSpec c;
        c.op = Op::kCast;
        c.ty = to;
        c.args = {e};
        return add(c);
    }

    // Widening order of the numeric types (float48pl and the like widen their float4 operand).
    static int rank(Ty t)
    {
        return t == Ty::kI16 ? 1 : t == Ty::kI32 ? 2 : t == Ty::kI64 ? 3 : t == Ty::kF32 ? 4 : t == Ty::kF64 ? 5 : 0;
    }

    // A call of a built-in immutable function on constants that has no
    // operation of its own (numeric_float8 of `x > 1.5`, float8_numeric ...):
    // its value, folded as the planner folds it.  A failing call is left to
    // the interpreter, which raises its error.
    int fold(Node *n, const char *sym)
    {
        if (!*sym)
            return -1;  // not an internal-language function
        List *args = IsA(n, OpExpr) ? reinterpret_cast<OpExpr *>(n)->args : reinterpret_cast<FuncExpr *>(n)->args;
        ListCell *lc;
        foreach (lc, args)
            if (!IsA(lfirst(lc), Const))
                return -1;
        Node *folded = nullptr;
        try {
            pg_call([&]() { folded = eval_const_expressions(nullptr, n); });
        } catch (const PgException &) {
            return -1;
        }
        return folded && IsA(folded, Const) ? expr(folded) : -1;
    }

    // Expression index, or -1 when the node cannot be compiled.
    int expr(Node *n)
    {
        if (!n)
            return -1;
        switch (nodeTag(n)) {
        case T_Var: {
            Var *v = reinterpret_cast<Var *>(n);
            if (v->varattno <= 0 || v->varlevelsup != 0 || IS_SPECIAL_VARNO(v->varno))
                return -1;  // (special varno: a joined column, left to PostgreSQL's evaluator)
            int c = column(v->varattno, v->vartype);
            if (c < 0)
                return -1;
            jit::ExprSpec e;
            e.op = Op::kCol;
            e.ty = gs->cols[size_t(c)].ty;
            e.col = c;
            return add(e);
        }
        case T_Const: {
            Const *k = reinterpret_cast<Const *>(n);
            jit::ExprSpec e;
            if (!ty_of(k->consttype, &e.ty))
                return -1;
            e.op = Op::kConst;
            e.null = k->constisnull;
            if (!e.null) {
                switch (e.ty) {
                case Ty::kI16: e.ival = DatumGetInt16(k->constvalue); break;
                case Ty::kI32: e.ival = DatumGetInt32(k->constvalue); break;
                case Ty::kI64: e.ival = DatumGetInt64(k->constvalue); break;
                case Ty::kBool: e.ival = DatumGetBool(k->constvalue); break;
                case Ty::kF64: e.fval = DatumGetFloat8(k->constvalue); break;
                case Ty::kF32: e.fval = DatumGetFloat4(k->constvalue); break;
                case Ty::kText: {
                    const char *data = nullptr;
                    int len = 0;
                    Datum d = k->constvalue;
                    pg_call([&]() {
                        text *t = DatumGetTextPP(d);
                        data = VARDATA_ANY(t);
                        len = VARSIZE_ANY_EXHDR(t);
                    });
                    e.sval.assign(data, size_t(len));
                    break;
                }
                }
            }
            return add(e);
        }
        case T_Param: {  // projection: an aggregate's result
            auto *pr = reinterpret_cast<Param *>(n);
            Ty t;
            if (g || pr->paramkind != PARAM_EXEC || !ty_of(pr->paramtype, &t) || t == Ty::kText)
                return -1;
            jit::ColSpec c;
            c.src = jit::ColSpec::kAgg;
            c.ty = t;
            c.param = pr->paramid;
            jit::ExprSpec e;
            e.op = Op::kCol;
            e.ty = t;
            e.col = add_col(c);
            return add(e);
        }
        case T_RelabelType: {
            auto *r = reinterpret_cast<RelabelType *>(n);
            Ty a, b;
            Oid argt = InvalidOid;
            pg_call([&]() { argt = exprType(reinterpret_cast<Node *>(r->arg)); });
            if (!ty_of(r->resulttype, &a) || !ty_of(argt, &b) || a != b)
                return -1;
            return expr(reinterpret_cast<Node *>(r->arg));
        }
        case T_OpExpr:
        case T_FuncExpr: {
            Oid fn;
            List *args;
            Oid rettype, collid;
            if (IsA(n, OpExpr)) {
                auto *o = reinterpret_cast<OpExpr *>(n);
                fn = o->opfuncid;
                if (!OidIsValid(fn))
                    pg_call([&]() { fn = get_opcode(o->opno); });
                args = o->args;
                rettype = o->opresulttype;
                collid = o->inputcollid;
                if (o->opretset)
                    return -1;
            } else {
                auto *f = reinterpret_cast<FuncExpr *>(n);
                if (f->funcretset || f->funcvariadic)
                    return -1;
                fn = f->funcid;
                args = f->args;
                rettype = f->funcresulttype;
                collid = f->inputcollid;
            }
            const char *sym = internal_symbol(fn);
            Op op;
            if (!*sym || !func_op(sym, &op))
                return fold(n, sym);
            Ty rt;
            if (!ty_of(rettype, &rt))
                return -1;
            int nargs = list_length(args);
            int a[2] = {-1, -1};
            for (int i = 0; i < nargs && i < 2; i++)
                if ((a[i] = expr(static_cast<Node *>(list_nth(args, i)))) < 0)
                    return -1;
            jit::ExprSpec e;
            e.op = op;
            e.ty = rt;
            if (op == Op::kCast || op == Op::kNeg) {
                if (nargs != 1)
                    return -1;
                if (op == Op::kNeg && gs->exprs[size_t(a[0])].ty != rt)
                    return -1;
                if (op == Op::kCast && (rt == Ty::kText || rt == Ty::kBool))
                    return -1;
                e.args = {a[0]};
                return add(e);
            }
            if (nargs != 2)
                return -1;
            Ty t0 = gs->exprs[size_t(a[0])].ty, t1 = gs->exprs[size_t(a[1])].ty;
            bool cmp = op == Op::kEq || op == Op::kNe || op == Op::kLt || op == Op::kLe || op == Op::kGt ||
                       op == Op::kGe;
            if (cmp) {
                if (rt != Ty::kBool)
                    return -1;
                if (t0 == Ty::kText || t1 == Ty::kText) {
                    // texteq/textne: byte equality only under a deterministic collation
                    bool det = false;
                    pg_call([&]() { det = OidIsValid(collid) && get_collation_isdeterministic(collid); });
                    if (t0 != t1 || !det || (op != Op::kEq && op != Op::kNe))
                        return -1;
                } else if (t0 == Ty::kBool || t1 == Ty::kBool) {
                    if (t0 != t1)
                        return -1;
                } else {
                    Ty w = rank(t0) >= rank(t1) ? t0 : t1;
                    a[0] = cast_to(a[0], w);
                    a[1] = cast_to(a[1], w);
                }
            } else {
                if (rt == Ty::kText || rt == Ty::kBool || rank(t0) > rank(rt) || rank(t1) > rank(rt))
                    return -1;
                if (op == Op::kMod && (rt == Ty::kF64 || rt == Ty::kF32))
                    return -1;
                a[0] = cast_to(a[0], rt);
                a[1] = cast_to(a[1], rt);
            }
            e.args = {a[0], a[1]};
            return add(e);
        }
        case T_BoolExpr: {
            auto *be = reinterpret_cast<BoolExpr *>(n);
            jit::ExprSpec e;
            e.ty = Ty::kBool;
            e.op = be->boolop == AND_EXPR ? Op::kAnd : be->boolop == OR_EXPR ? Op::kOr : Op::kNot;
            ListCell *lc;
            foreach (lc, be->args) {
                int x = expr(static_cast<Node *>(lfirst(lc)));
                if (x < 0 || gs->exprs[size_t(x)].ty != Ty::kBool)
                    return -1;
                e.args.push_back(x);
            }
            return add(e);
        }
        case T_NullTest: {
            auto *nt = reinterpret_cast<NullTest *>(n);
            if (nt->argisrow)
                return -1;
            int x = expr(reinterpret_cast<Node *>(nt->arg));
            if (x < 0)
                return -1;
            jit::ExprSpec e;
            e.ty = Ty::kBool;
            e.op = nt->nulltesttype == IS_NULL ? Op::kIsNull : Op::kIsNotNull;
            e.args = {x};
            return add(e);
        }
        default:
            return -1;
        }
    }
};

// The kernel kind of a built-in aggregate over an argument of type t.
bool agg_kind(Oid aggfn, int nargs, Ty t, jit::AggKind *k)
{
    using jit::AggKind;
    if (aggfn == F_COUNT_ && nargs == 0) { *k = AggKind::kCountStar; return true; }
    if (nargs != 1)
        return false;
    switch (aggfn) {
    case F_COUNT_ANY: *k = AggKind::kCount; return t != Ty::kBool || true;
    case F_SUM_INT2: case F_SUM_INT4: *k = AggKind::kSumInt; return true;
    case F_SUM_FLOAT8: *k = AggKind::kSumF8; return true;
    case F_AVG_FLOAT8: *k = AggKind::kAvgF8; return true;
    case F_MAX_FLOAT8: *k = AggKind::kMaxF8; return true;
    case F_MIN_FLOAT8: *k = AggKind::kMinF8; return true;
    case F_MAX_INT2: case F_MAX_INT4: case F_MAX_INT8: *k = AggKind::kMaxInt; return true;
    case F_MIN_INT2: case F_MIN_INT4: case F_MIN_INT8: *k = AggKind::kMinInt; return true;
    // float8_accum and the built-in final functions (float8_var_samp, ...)
    case F_VAR_SAMP_FLOAT8: case F_VARIANCE_FLOAT8: *k = AggKind::kVarSampF8; return true;
    case F_VAR_POP_FLOAT8: *k = AggKind::kVarPopF8; return true;
    case F_STDDEV_SAMP_FLOAT8: case F_STDDEV_FLOAT8: *k = AggKind::kStddevSampF8; return true;
    case F_STDDEV_POP_FLOAT8: *k = AggKind::kStddevPopF8; return true;
    // float4: float4pl; float4larger / smaller; float4_accum (the value
    // widened to float8, then float8_accum's steps): see float4_kind
    case F_SUM_FLOAT4: *k = AggKind::kSumF4; return true;
    case F_AVG_FLOAT4: *k = AggKind::kAvgAccF8; return true;
    case F_MAX_FLOAT4: *k = AggKind::kMaxF8; return true;
    case F_MIN_FLOAT4: *k = AggKind::kMinF8; return true;
    case F_VAR_SAMP_FLOAT4: case F_VARIANCE_FLOAT4: *k = AggKind::kVarSampF8; return true;
    case F_VAR_POP_FLOAT4: *k = AggKind::kVarPopF8; return true;
    case F_STDDEV_SAMP_FLOAT4: case F_STDDEV_FLOAT4: *k = AggKind::kStddevSampF8; return true;
    case F_STDDEV_POP_FLOAT4: *k = AggKind::kStddevPopF8; return true;
    default: return false;
    }
}

// The argument type a built-in aggregate kind of agg_kind() is declared for.
Ty agg_arg_type(Oid aggfn, Ty t)
{
    switch (aggfn) {
    case F_SUM_FLOAT4: case F_AVG_FLOAT4: case F_MAX_FLOAT4: case F_MIN_FLOAT4: case F_VAR_SAMP_FLOAT4:
    case F_VARIANCE_FLOAT4: case F_VAR_POP_FLOAT4: case F_STDDEV_SAMP_FLOAT4: case F_STDDEV_FLOAT4:
    case F_STDDEV_POP_FLOAT4:
        return Ty::kF32;
    case F_SUM_FLOAT8: case F_AVG_FLOAT8: case F_MAX_FLOAT8: case F_MIN_FLOAT8: case F_VAR_SAMP_FLOAT8:
    case F_VARIANCE_FLOAT8: case F_VAR_POP_FLOAT8: case F_STDDEV_SAMP_FLOAT8: case F_STDDEV_FLOAT8:
    case F_STDDEV_POP_FLOAT8:
        return Ty::kF64;
    default:
        return t;  // count(any), the integer aggregates: as given
    }
}

// Is fn feature_ext.<name>(...)?
bool is_fe_agg(Oid fn, const char *name)
{
    bool yes = false;
    pg_call([&]() {
        char *n = get_func_name(fn);
        char *nsp = get_namespace_name(get_func_namespace(fn));
        yes = n && nsp && strcmp(n, name) == 0 && strcmp(nsp, "feature_ext") == 0;
    });
    return yes;
}
bool is_count_where(Oid fn) { return is_fe_agg(fn, "count_where"); }

// Name of a function in schema feature_ext into buf, or false.
bool fe_agg_name(Oid fn, char *buf, size_t len)
{
    bool yes = false;
    pg_call([&]() {
        char *n = get_func_name(fn);
        char *nsp = get_namespace_name(get_func_namespace(fn));
        if (n && nsp && strcmp(nsp, "feature_ext") == 0) {
            strlcpy(buf, n, len);
            yes = true;
        }
    });
    return yes;
}

// feature_ext.{sum,avg,min,max}_where(value, cond) without FILTER whose value
// cannot fail: a column of the index, or one cast to float8 (PostgreSQL
// evaluates it on every row, the kernel only where cond holds).  Sets the
// kernel kind and the value node to compile (the integer column itself for
// avg_where(int2|int4 column): their float8 casts are exact, so feature_ext's
// exact float sum is the 128-bit integer sum).  float4 values stay
// interpreted (no float4 type in the spec).
bool where_agg(WindowFunc *wf, jit::AggKind *kind, Node **value)
{
    using jit::AggKind;
    char name[NAMEDATALEN];
    if (list_length(wf->args) != 2 || wf->aggfilter || !fe_agg_name(wf->winfnoid, name, sizeof(name)))
        return false;
    Node *a = static_cast<Node *>(linitial(wf->args));
    Node *col = a;
    bool cast = IsA(a, FuncExpr) && list_length(reinterpret_cast<FuncExpr *>(a)->args) == 1 &&
                (reinterpret_cast<FuncExpr *>(a)->funcid == F_FLOAT8_INT2 ||
                 reinterpret_cast<FuncExpr *>(a)->funcid == F_FLOAT8_INT4 ||
                 reinterpret_cast<FuncExpr *>(a)->funcid == F_FLOAT8_INT8);
    if (cast)
        col = static_cast<Node *>(linitial(reinterpret_cast<FuncExpr *>(a)->args));
    if (!IsA(col, Var))
        return false;
    Oid t = reinterpret_cast<Var *>(col)->vartype;
    bool is_int = !cast && (t == INT2OID || t == INT4OID || t == INT8OID);
    bool is_f8 = cast || t == FLOAT8OID;
    if (!is_int && !is_f8)
        return false;
    *value = a;
    if (strcmp(name, "sum_where") == 0)
        *kind = is_int ? AggKind::kSumWhereInt : AggKind::kSumWhereF8;
    else if (strcmp(name, "avg_where") == 0) {
        if (cast && t != INT8OID) {
            *kind = AggKind::kAvgWhereInt;
            *value = col;
        } else
            *kind = AggKind::kAvgWhereF8;
    } else if (strcmp(name, "min_where") == 0)
        *kind = is_int ? AggKind::kMinInt : AggKind::kMinF8;
    else if (strcmp(name, "max_where") == 0)
        *kind = is_int ? AggKind::kMaxInt : AggKind::kMaxF8;
    else
        return false;
    return true;
}

// feature_ext's aggregates the library's kernels compute from generated code
// (native.hpp): distinct_count / entropy / top1_ratio(x) over bool, integer,
// float and text values, median / drawdown(float8), ew_avg(float8, float8).
bool native_agg(WindowFunc *wf, jit::AggKind *kind)
{
    using jit::AggKind;
    char name[NAMEDATALEN];
    int nargs = list_length(wf->args);
    if (nargs < 1 || nargs > 2 || !fe_agg_name(wf->winfnoid, name, sizeof(name)))
        return false;
    static const struct {
        const char *name;
        int nargs;
        AggKind kind;
    } aggs[] = {{"distinct_count", 1, AggKind::kDistinctCount}, {"median", 1, AggKind::kMedian},
                {"entropy", 1, AggKind::kEntropy}, {"top1_ratio", 1, AggKind::kTop1Ratio},
                {"ew_avg", 2, AggKind::kEwAvg}, {"drawdown", 1, AggKind::kDrawdown}};
    for (auto &a : aggs)
        if (strcmp(name, a.name) == 0 && nargs == a.nargs) {
            *kind = a.kind;
            return true;
        }
    return false;
}

// Build the spec of a plan; jitted[k] says which aggregates it covers.
void build_spec(DeployPlan *p, jit::ModuleSpec *spec, bool *jitted, int *winmap /* ngroups x nwindows */,
                int *layout /* ngroups x 2 */, const bool *exclude /* per aggregate, or nullptr */)
{
    IndexMeta **metas = nullptr;
    int nmetas = 0;
    Oid heapoid = p->heapoid;
    pg_call([&]() {
        Relation heap = table_open(heapoid, AccessShareLock);
        nmetas = heap_skiplist_indexes(heap, &metas);
        table_close(heap, NoLock);
    });
    spec->groups.resize(size_t(p->ngroups));
    for (int g = 0; g < p->ngroups; g++) {
        const GroupPlan *gp = &p->groups[g];
        const IndexMeta *m = nullptr;
        for (int i = 0; i < nmetas; i++)
            if (metas[i]->indexoid == gp->indexoid)
                m = metas[i];
        int *wm = winmap + size_t(g) * p->nwindows;
        for (int w = 0; w < p->nwindows; w++)
            wm[w] = -1;
        layout[2 * g] = layout[2 * g + 1] = -1;
        if (!m)
            continue;
        layout[2 * g] = m->nstored;
        layout[2 * g + 1] = m->stored_fixed;
        jit::GroupSpec &gs = spec->groups[size_t(g)];
        Translator tr{p, gp, m, &gs};
        for (int k = 0; k < p->naggs; k++) {
            AggPlan *a = &p->aggs[k];
            if (p->windows[a->window].group != g)
                continue;
            jitted[k] = false;
            if (exclude && exclude[k])
                continue;
            auto *wf = static_cast<WindowFunc *>(list_nth(p->agg_exprs, k));
            // Failed translations are rolled back (columns and expressions added).
            size_t ncols = gs.cols.size(), nexprs = gs.exprs.size();
            jit::AggSpec as;
            int nargs = list_length(wf->args);
            int arg = -1;
            bool ok, f4_result = false;
            if (is_count_where(wf->winfnoid) && !wf->aggfilter) {
                // count_where(value, cond) = count(value) FILTER (WHERE cond), and
                // count_where(cond) = count(*) FILTER (WHERE cond), when evaluating
                // value cannot fail (a column): PostgreSQL evaluates it on every row.
                Node *cond = static_cast<Node *>(llast(wf->args));
                Node *val = nargs == 2 ? static_cast<Node *>(linitial(wf->args)) : nullptr;
                as.kind = nargs == 2 ? jit::AggKind::kCount : jit::AggKind::kCountStar;
                ok = nargs == 1 || (nargs == 2 && IsA(val, Var) && (arg = tr.expr(val)) >= 0);
                if (ok) {
                    as.filter = tr.expr(cond);
                    ok = as.filter >= 0 && gs.exprs[size_t(as.filter)].ty == Ty::kBool;
                }
            } else if (Node *val = nullptr; where_agg(wf, &as.kind, &val)) {
                // sum/avg/min/max_where(value, cond): the aggregate of value
                // over the rows where cond holds (the OpenMLDB dialect's sum /
                // avg and its *_where aggregates).
                arg = tr.expr(val);
                as.filter = arg >= 0 ? tr.expr(static_cast<Node *>(lsecond(wf->args))) : -1;
                ok = arg >= 0 && as.filter >= 0 && gs.exprs[size_t(as.filter)].ty == Ty::kBool;
            } else if (native_agg(wf, &as.kind)) {
                // distinct_count, median, entropy, top1_ratio, ew_avg,
                // drawdown: the library's kernels called from the loop
                arg = tr.expr(static_cast<Node *>(linitial(wf->args)));
                Ty t = arg >= 0 ? gs.exprs[size_t(arg)].ty : Ty::kI64;
                bool keyed = as.kind == jit::AggKind::kDistinctCount || as.kind == jit::AggKind::kEntropy ||
                             as.kind == jit::AggKind::kTop1Ratio;
                ok = arg >= 0 && (keyed || t == Ty::kF64);
                if (ok && as.kind == jit::AggKind::kEwAvg) {
                    as.arg2 = tr.expr(static_cast<Node *>(lsecond(wf->args)));
                    ok = as.arg2 >= 0 && gs.exprs[size_t(as.arg2)].ty == Ty::kF64;
                }
                if (ok && wf->aggfilter) {
                    as.filter = tr.expr(reinterpret_cast<Node *>(wf->aggfilter));
                    ok = as.filter >= 0 && gs.exprs[size_t(as.filter)].ty == Ty::kBool;
                }
            } else {
                arg = nargs == 1 ? tr.expr(static_cast<Node *>(linitial(wf->args))) : -1;
                Ty at0 = arg >= 0 ? gs.exprs[size_t(arg)].ty : Ty::kI64;
                ok = agg_kind(wf->winfnoid, nargs, at0, &as.kind) && (nargs == 0 || arg >= 0) &&
                     (nargs == 0 || agg_arg_type(wf->winfnoid, at0) == at0);
                if (ok && at0 == Ty::kF32 && as.kind != jit::AggKind::kSumF4) {
                    // float4_accum and the float8 kernels over the exactly
                    // widened value; max / min keep a float4 result (f4_result)
                    arg = tr.cast_to(arg, Ty::kF64);
                    f4_result = as.kind == jit::AggKind::kMaxF8 || as.kind == jit::AggKind::kMinF8;
                }
                if (ok && wf->aggfilter) {
                    as.filter = tr.expr(reinterpret_cast<Node *>(wf->aggfilter));
                    ok = as.filter >= 0 && gs.exprs[size_t(as.filter)].ty == Ty::kBool;
                }
            }
            Ty at = f4_result ? Ty::kF32 : arg >= 0 ? gs.exprs[size_t(arg)].ty : Ty::kI64;
            if (!ok) {
                gs.cols.resize(ncols);
                gs.exprs.resize(nexprs);
                continue;
            }
            as.arg = arg;
            as.arg_ty = at;
            as.out = k;
            if (wm[a->window] < 0)
                wm[a->window] = gs.nwindows++;
            as.window = wm[a->window];
            gs.aggs.push_back(as);
            jitted[k] = true;
        }
        // The interpreter's order (window, then aggregate): a kernel reports
        // the error of the first failing aggregate in spec order.
        std::stable_sort(gs.aggs.begin(), gs.aggs.end(), [p](const jit::AggSpec &x, const jit::AggSpec &y) {
            return p->aggs[x.out].window < p->aggs[y.out].window;
        });
    }
}

// Target id of this process (malloc'd, kept; computed in the postmaster
// when preloaded, see jit_preload).
char *g_target_id = nullptr;
const char *target()
{
    if (!g_target_id)
        g_target_id = jit::target_id();
    return g_target_id ? g_target_id : "unknown";
}

uint64 spec_hash(const jit::ModuleSpec &spec)
{
    return jit::hash64(jit::serialize(spec) + "@" + target());
}

void fatal_in_llvm(const char *reason)
{
    ereport(FATAL, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("fatal error in LLVM: %s", reason)));
}

void release_cb(void *arg)
{
    jit::release(static_cast<jit::Loaded *>(arg));
}

void release_image_cb(void *arg)
{
    jit::image_release(static_cast<jit::Image *>(arg));
}

// Output columns that compile (by-value results only).
void build_proj(DeployPlan *p, jit::ModuleSpec *spec, bool *out_jitted)
{
    Translator tr{p, nullptr, nullptr, &spec->proj.exprs};
    int i = 0;
    ListCell *lc;
    foreach (lc, p->out_exprs) {
        out_jitted[i] = false;
        Node *e = static_cast<Node *>(lfirst(lc));
        if (IsA(e, Param) || IsA(e, Var) || IsA(e, Const)) {
            i++;  // a bare aggregate result or request value: nothing to compute
            continue;
        }
        Ty want;
        Oid t = InvalidOid;
        pg_call([&]() { t = exprType(e); });
        size_t ncols = tr.gs->cols.size(), nexprs = tr.gs->exprs.size();
        int x = ty_of(t, &want) && want != Ty::kText ? tr.expr(e) : -1;
        if (x >= 0 && tr.gs->exprs[size_t(x)].ty == want) {
            spec->proj.outs.push_back({x, i});
            out_jitted[i] = true;
        } else {
            tr.gs->cols.resize(ncols);
            tr.gs->exprs.resize(nexprs);
        }
        i++;
    }
}

// Spec of a plan, its identity and (optionally) its object code: everything
// that needs the C++ spec happens here, so callers hold no C++ object.
struct Built {
    int njitted;
    uint64 hash;
    bool compiled;
    jit::CompileResult cr;   // malloc'd buffers (compiled)
};

// The JIT's interrupt check: a statement_timeout, cancel or terminate is
// pending (flags set by PostgreSQL's signal handlers; read, never cleared).
bool interrupt_pending()
{
    return InterruptPending && (QueryCancelPending || ProcDiePending) && !QueryCancelHoldoffCount &&
           !InterruptHoldoffCount && !CritSectionCount;
}

// After a compile stopped by the interrupt check: raise the pending
// interrupt (statement timeout, cancel: 57014; terminate: 57P01).  Called
// with no C++ object alive.
void raise_cancelled(const char *name)
{
    CHECK_FOR_INTERRUPTS();
    ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("compiling deployment %s was canceled", name)));
}

Built build_and_compile(DeployPlan *p, bool *jitted, int *winmap, int *group_nwin, int *layout, bool compile,
                        uint64 skip_if_hash, bool *out_jitted, const bool *exclude = nullptr)
{
    Built b{0, 0, false, {false, nullptr, 0, nullptr, 0, false}};
    jit::ModuleSpec spec;
    build_spec(p, &spec, jitted, winmap, layout, exclude);
    if (!exclude)  // a variant for batch() runs the plan's own projection
        build_proj(p, &spec, out_jitted);
    for (int k = 0; k < p->naggs; k++)
        b.njitted += jitted[k];
    for (int g = 0; g < p->ngroups; g++)
        group_nwin[g] = spec.groups[size_t(g)].aggs.empty() ? 0 : spec.groups[size_t(g)].nwindows;
    if (b.njitted == 0 && spec.proj.outs.empty())
        return b;
    b.hash = spec_hash(spec);
    if (compile && b.hash != skip_if_hash) {
        jit::set_interrupt_check(interrupt_pending);
        b.cr = jit::compile(spec);  // noexcept
        b.compiled = true;
    }
    return b;
}

}  // namespace

void jit_preload()
{
    jit::set_fatal_handler(fatal_in_llvm);
    (void) target();
    (void) jit::warm_up();
}

JitObject jit_compile_plan(DeployPlan *p)
{
    JitObject r{nullptr, 0, 0, 0, p->naggs, 0};
    jit::set_fatal_handler(fatal_in_llvm);
    bool *jitted = static_cast<bool *>(palloc0(sizeof(bool) * Max(p->naggs, 1)));
    int *winmap = static_cast<int *>(palloc(sizeof(int) * Max(p->ngroups * p->nwindows, 1)));
    int *gnw = static_cast<int *>(palloc(sizeof(int) * Max(p->ngroups, 1)));
    int *layout = static_cast<int *>(palloc(sizeof(int) * 2 * Max(p->ngroups, 1)));
    bool *outj = static_cast<bool *>(palloc0(sizeof(bool) * Max(p->nout, 1)));
    Built b = build_and_compile(p, jitted, winmap, gnw, layout, true, 0, outj);
    r.njitted = b.njitted;
    r.hash = b.hash;
    if (!b.compiled)
        return r;
    if (b.cr.cancelled)
        raise_cancelled(p->name);
    if (!b.cr.ok) {  // the interpreter still runs it: not a reason to refuse the deployment
        char msg[512];
        strlcpy(msg, b.cr.error ? b.cr.error : "unknown error", sizeof(msg));
        jit::free_buffer(b.cr.error);
        ereport(WARNING, (errmsg("feature_ext: could not compile deployment %s: %s", p->name, msg),
                          errdetail("It runs with the interpreter.")));
        r.njitted = 0;
        return r;
    }
    r.compile_ms = b.cr.ms;
    r.len = b.cr.object_len;
    r.object = static_cast<char *>(palloc(b.cr.object_len));
    memcpy(r.object, b.cr.object, b.cr.object_len);
    jit::free_buffer(b.cr.object);
    return r;
}

namespace {

// Compiled kernels for a plan (nullptr when nothing compiles), from `stored`
// when it matches; `exclude` leaves those aggregates out (a variant).
JitPlan *attach(DeployPlan *p, const JitObject *stored, const bool *exclude)
{
    jit::set_fatal_handler(fatal_in_llvm);
    MemoryContext old = MemoryContextSwitchTo(p->cxt);
    bool *jitted = static_cast<bool *>(palloc0(sizeof(bool) * Max(p->naggs, 1)));
    int *winmap = static_cast<int *>(palloc(sizeof(int) * Max(p->ngroups * p->nwindows, 1)));
    int *gnw = static_cast<int *>(palloc(sizeof(int) * Max(p->ngroups, 1)));
    int *slot2win = static_cast<int *>(palloc0(sizeof(int) * Max(p->ngroups * p->nwindows, 1)));
    int *layout = static_cast<int *>(palloc(sizeof(int) * 2 * Max(p->ngroups, 1)));
    auto *jp = static_cast<JitPlan *>(palloc0(sizeof(JitPlan)));
    jp->groups = static_cast<JitGroup *>(palloc0(sizeof(JitGroup) * Max(p->ngroups, 1)));
    jp->out = static_cast<uint64 *>(palloc0(sizeof(uint64) * Max(p->naggs, 1)));
    jp->out_null = static_cast<uint8 *>(palloc0(sizeof(uint8) * Max(p->naggs, 1)));
    auto *cb = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
    bool *outj = static_cast<bool *>(palloc0(sizeof(bool) * Max(p->nout, 1)));
    jp->aggw = static_cast<uint64 *>(palloc0(sizeof(uint64) * Max(p->naggs, 1)));
    jp->aggn = static_cast<uint8 *>(palloc0(sizeof(uint8) * Max(p->naggs, 1)));
    jp->outw = static_cast<uint64 *>(palloc0(sizeof(uint64) * Max(p->nout, 1)));
    jp->outn = static_cast<uint8 *>(palloc0(sizeof(uint8) * Max(p->nout, 1)));
    MemoryContextSwitchTo(old);
    instr_time t0, t1;
    INSTR_TIME_SET_CURRENT(t0);
    uint64 stored_hash = stored && stored->object ? stored->hash : 0;
    Built b = build_and_compile(p, jitted, winmap, gnw, layout, true, stored_hash, outj, exclude);
    int nout_jit = 0;
    for (int i = 0; i < p->nout; i++)
        nout_jit += outj[i];
    if (b.njitted == 0 && nout_jit == 0)
        return nullptr;
    const char *obj;
    size_t len;
    if (!b.compiled) {  // the catalog's object matches this plan and host
        obj = stored->object;
        len = stored->len;
        jp->compile_ms = stored->compile_ms;
        jp->from_catalog = true;
    } else if (b.cr.cancelled) {
        raise_cancelled(p->name);
        return nullptr;
    } else if (!b.cr.ok) {
        char msg[512];
        strlcpy(msg, b.cr.error ? b.cr.error : "?", sizeof(msg));
        jit::free_buffer(b.cr.error);
        ereport(WARNING, (errmsg("feature_ext: could not compile deployment %s, using the interpreter: %s", p->name,
                                 msg)));
        return nullptr;
    } else {
        obj = b.cr.object;
        len = b.cr.object_len;
        jp->compile_ms = b.cr.ms;
    }
    // Linked by jit/loader.cpp (a few pages touched: a new connection's
    // first call stays cheap); through LLVM when that linker cannot (another
    // architecture, a relocation or symbol it does not know).
    char *err = nullptr;
    jit::Image *im = jit::link_image(obj, len, p->ngroups, &err);
    jit::Loaded *l = nullptr;
    if (!im) {
        char why[512];
        strlcpy(why, err ? err : "?", sizeof(why));
        jit::free_buffer(err);
        err = nullptr;
        ereport(DEBUG1, (errmsg_internal("feature_ext: deployment %s loaded through LLVM: %s", p->name, why)));
        l = jit::load(obj, len, p->ngroups, &err);
    }
    if (b.compiled)
        jit::free_buffer(b.cr.object);
    if (!im && !l) {
        char msg[512];
        strlcpy(msg, err ? err : "?", sizeof(msg));
        jit::free_buffer(err);
        ereport(WARNING, (errmsg("feature_ext: could not load compiled deployment %s, using the interpreter: %s",
                                 p->name, msg)));
        return nullptr;
    }
    INSTR_TIME_SET_CURRENT(t1);
    INSTR_TIME_SUBTRACT(t1, t0);
    // The code lives as long as the plan.
    cb->func = im ? release_image_cb : release_cb;
    cb->arg = im ? static_cast<void *>(im) : static_cast<void *>(l);
    MemoryContextRegisterResetCallback(p->cxt, cb);
    jp->loaded = cb->arg;
    jp->ngroups = p->ngroups;
    jp->agg_jitted = jitted;
    jp->njitted = b.njitted;
    jp->load_ms = INSTR_TIME_GET_MILLISEC(t1);
    jp->proj = nout_jit ? reinterpret_cast<void *>(im ? jit::image_projection_fn(im) : jit::projection_fn(l)) : nullptr;
    jp->out_jitted = outj;
    jp->nout_jitted = jp->proj ? nout_jit : 0;
    for (int g = 0; g < p->ngroups; g++) {
        JitGroup *jg = &jp->groups[g];
        jg->fn = gnw[g] > 0 ? reinterpret_cast<void *>(im ? jit::image_group_fn(im, g) : jit::group_fn(l, g)) : nullptr;
        if (!jg->fn)
            continue;
        jg->nwin = gnw[g];
        jg->windows = slot2win + size_t(g) * p->nwindows;
        const int *wm = winmap + size_t(g) * p->nwindows;
        for (int w = 0; w < p->nwindows; w++)
            if (wm[w] >= 0)
                jg->windows[wm[w]] = w;
        jg->all_jitted = true;
        for (int k = 0; k < p->naggs; k++)
            if (p->windows[p->aggs[k].window].group == g && !jitted[k])
                jg->all_jitted = false;
        jg->nstored = layout[2 * g];  // the executor checks the index still has this layout
        jg->stored_fixed = layout[2 * g + 1];
    }
    return jp;
}

}  // namespace

void jit_attach(DeployPlan *p, const JitObject *stored)
{
    p->jit_tried = true;
    p->jit = attach(p, stored, nullptr);
}

JitPlan *jit_variant(DeployPlan *p, const bool *exclude)
{
    return attach(p, nullptr, exclude);
}

void jit_explain(DeployPlan *p, StringInfo out)
{
    bool *jitted = static_cast<bool *>(palloc0(sizeof(bool) * Max(p->naggs, 1)));
    int *winmap = static_cast<int *>(palloc(sizeof(int) * Max(p->ngroups * p->nwindows, 1)));
    int *gnw = static_cast<int *>(palloc(sizeof(int) * Max(p->ngroups, 1)));
    int *layout = static_cast<int *>(palloc(sizeof(int) * 2 * Max(p->ngroups, 1)));
    bool *outj = static_cast<bool *>(palloc0(sizeof(bool) * Max(p->nout, 1)));
    (void) build_and_compile(p, jitted, winmap, gnw, layout, false, 0, outj);
    int n = 0;
    for (int k = 0; k < p->naggs; k++)
        n += jitted[k];
    int no = 0, bare = 0;
    for (int i = 0; i < p->nout; i++)
        no += outj[i];
    ListCell *lc;
    foreach (lc, p->out_exprs) {
        Node *e = static_cast<Node *>(lfirst(lc));
        bare += IsA(e, Param) || IsA(e, Var) || IsA(e, Const);
    }
    appendStringInfo(out, "  JIT: %d of %d aggregates compile to native code", n, p->naggs);
    if (n < p->naggs) {
        appendStringInfoString(out, " (interpreted:");
        for (int k = 0; k < p->naggs; k++)
            if (!jitted[k])
                appendStringInfo(out, " #%d", k + 1);
        appendStringInfoChar(out, ')');
    }
    appendStringInfo(out, "; output columns: %d plain values, %d compiled expressions, %d by PostgreSQL's evaluator\n",
                     bare, no, p->nout - bare - no);
}

}  // namespace fe
