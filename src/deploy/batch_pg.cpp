// feature_ext: batch() — offline features with the request plan.
//
// The features of every source row, computed as if it were a request against
// the source rows before it (same key; smaller order value, or equal and
// earlier in the source), with the same plan, frames, interpreter and
// compiled kernels as requests (deploy/exec_pg.cpp, deploy/internal_pg.hpp).
//
// Memory is bounded: one pass over the source feeds, per index group, a
// tuplesort by (encoded key, source position) (PostgreSQL's external sort,
// work_mem each).  Reading a group's sort, only the current key's rows are
// held: a newest-first buffer filled from its end towards its start, so that
// row t sees exactly the buffered rows with order <= its own (a contiguous
// run: a view, not a copy) and is then inserted after the buffered rows newer
// than it (an append in the usual time-ordered case).  Each row's aggregate
// results go to one more tuplesort by source position, which is read back in
// source order to evaluate the output projection into the result store.
//
// Sliding aggregates.  Consecutive rows of a key see overlapping frames, so
// the aggregates whose result does not depend on the order their rows are
// added in are not recomputed per row: count, sum of int2/int4 (int8 sums
// of one row's contribution each: exact, so any grouping gives PostgreSQL's
// result) and min/max of int2/int4/int8/float8 (a total order; ties go to the
// newest row, as PostgreSQL's transition function keeps the later of two
// equal values, which matters for 0.0 vs -0.0).  Each row's contribution
// (FILTER and argument evaluated once, when the row arrives) is kept beside
// the key's buffer: counts and sums as suffix sums over the buffer, so any
// frame is one subtraction; min/max through a monotonic deque over the
// frame's stored run, which moves forward row after row (rebuilt when it does
// not, or when an out-of-order row shifted the buffer: such rows cost a pass
// over the frame, as without sliding).  Only FILTERs and arguments that
// cannot raise an error slide (columns, constants, AND/OR/NOT, IS NULL and
// leakproof functions such as comparisons, text ones under a deterministic
// collation), so evaluating one for a row that no frame includes changes
// nothing.  Float sums and averages are not: PostgreSQL adds them in frame
// order and the rounding depends on it, so they stay with the kernels.
#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/deploy/internal_pg.hpp"
#include "feature_ext/deploy/join_pg.hpp"
#include "feature_ext/deploy/union_pg.hpp"
#include "feature_ext/base/module_pg.hpp"

extern "C" {
#include "access/table.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplesort.h"
#include "utils/tuplestore.h"
#include "portability/instr_time.h"
}

#include <utility>

namespace fe {

namespace {

// Attribute layout of the per-group sort: position, key hash, key, the
// table's columns.  The sort keys (hash, key, position) come first so that
// comparisons find them at fixed offsets (no walk over variable-width
// columns), and most comparisons are decided by the int8 hash alone (keys
// only need grouping, not an order).
constexpr int kSortCols = 3;
TupleDesc batch_sort_desc(DeployPlan *p)
{
    TupleDesc d = CreateTemplateTupleDesc(p->natts + kSortCols);
    TupleDescInitEntry(d, 1, nullptr, INT8OID, -1, 0);
    TupleDescInitEntry(d, 2, nullptr, INT8OID, -1, 0);
    TupleDescInitEntry(d, 3, nullptr, BYTEAOID, -1, 0);
    for (int a = 0; a < p->natts; a++) {
        Form_pg_attribute att = TupleDescAttr(p->heap_desc, a);
        TupleDescInitEntry(d, AttrNumber(kSortCols + a + 1), nullptr, att->attisdropped ? INT4OID : att->atttypid,
                           att->atttypmod, 0);
    }
    return d;
}

// The result sort: position, group, the table's columns (group 0 only), the
// aggregate results of that group.
TupleDesc batch_result_desc(DeployPlan *p)
{
    TupleDesc d = CreateTemplateTupleDesc(2 + p->natts + p->naggs);
    TupleDescInitEntry(d, 1, nullptr, INT8OID, -1, 0);
    TupleDescInitEntry(d, 2, nullptr, INT4OID, -1, 0);
    for (int a = 0; a < p->natts; a++) {
        Form_pg_attribute att = TupleDescAttr(p->heap_desc, a);
        TupleDescInitEntry(d, AttrNumber(3 + a), nullptr, att->attisdropped ? INT4OID : att->atttypid,
                           att->atttypmod, 0);
    }
    for (int k = 0; k < p->naggs; k++)
        TupleDescInitEntry(d, AttrNumber(3 + p->natts + k), nullptr, p->aggs[k].result_type, -1, 0);
    return d;
}

// ---- sliding aggregates (see the top of the file)

enum SlideKind : uint8 { kSlideNone, kSlideCount, kSlideSumInt, kSlideMaxF8, kSlideMinF8, kSlideMaxInt, kSlideMinInt };

// Can evaluating e raise an error for some row?  Columns, constants, boolean
// connectives, null tests and leakproof (hence error-free) non-volatile
// functions cannot.
bool cannot_fail(Node *e)
{
    if (!e)
        return true;
    switch (nodeTag(e)) {
    case T_Var:  // (a joined column is not the window row's: never slides)
        return reinterpret_cast<Var *>(e)->varattno > 0 && !IS_SPECIAL_VARNO(reinterpret_cast<Var *>(e)->varno);
    case T_Const:
        return true;
    case T_RelabelType:
        return cannot_fail(reinterpret_cast<Node *>(reinterpret_cast<RelabelType *>(e)->arg));
    case T_NullTest:
        return cannot_fail(reinterpret_cast<Node *>(reinterpret_cast<NullTest *>(e)->arg));
    case T_BooleanTest:
        return cannot_fail(reinterpret_cast<Node *>(reinterpret_cast<BooleanTest *>(e)->arg));
    case T_BoolExpr: {
        ListCell *lc;
        foreach (lc, reinterpret_cast<BoolExpr *>(e)->args)
            if (!cannot_fail(static_cast<Node *>(lfirst(lc))))
                return false;
        return true;
    }
    case T_OpExpr:
    case T_FuncExpr: {
        Oid fn = IsA(e, OpExpr) ? reinterpret_cast<OpExpr *>(e)->opfuncid : reinterpret_cast<FuncExpr *>(e)->funcid;
        if (IsA(e, OpExpr) && !OidIsValid(fn))
            fn = get_opcode(reinterpret_cast<OpExpr *>(e)->opno);
        if (!get_func_leakproof(fn) || func_volatile(fn) == PROVOLATILE_VOLATILE)
            return false;
        // Leakproof only means no error depends on the values: collation
        // checks still fail (no collation, or a nondeterministic one for
        // functions such as starts_with), so text inputs need a
        // deterministic input collation.
        Oid incoll = IsA(e, OpExpr) ? reinterpret_cast<OpExpr *>(e)->inputcollid
                                    : reinterpret_cast<FuncExpr *>(e)->inputcollid;
        List *args = IsA(e, OpExpr) ? reinterpret_cast<OpExpr *>(e)->args : reinterpret_cast<FuncExpr *>(e)->args;
        ListCell *lc;
        foreach (lc, args) {
            Node *a = static_cast<Node *>(lfirst(lc));
            if (!cannot_fail(a))
                return false;
            if (type_is_collatable(exprType(a)) && (!OidIsValid(incoll) || !get_collation_isdeterministic(incoll)))
                return false;
        }
        return true;
    }
    default:
        return false;
    }
}

bool is_feature_ext_fn(Oid fn, const char *name)
{
    char *n = get_func_name(fn);
    char *nsp = get_namespace_name(get_func_namespace(fn));
    return n && nsp && strcmp(n, name) == 0 && strcmp(nsp, "feature_ext") == 0;
}

// One sliding aggregate and its per-key state, by buffer slot (the KeyBuf
// layout: newest first in [front, cap)).
struct Slide {
    int agg;
    SlideKind kind;
    ExprState *arg;        // nullptr: count(*)
    ExprState *filter;     // FILTER or count_where's condition; nullptr: none
    Oid argtype;
    bool minmax;
    // count / sum: suffix sums over slots [i, cap): rows contributing, their sum (cap + 1 entries)
    int64 *cnt, *sum;
    // min / max: each row's value and whether it contributes; a deque of row
    // ids (id = cap - 1 - slot, stable while rows are appended) over [qa, qb]
    int64 *val;            // int value, or float8 bits
    bool *has;
    int64 *dq;             // ring of cap entries
    int dq_head, dq_len;
    int64 qa, qb;
    bool dq_valid;
};

// Which aggregates of the plan slide (slide[k] = index into *out, or -1).
int plan_slides(DeployPlan *p, Slide **out, int *slide_of)
{
    Slide *s = static_cast<Slide *>(palloc0(sizeof(Slide) * Max(p->naggs, 1)));
    int ns = 0;
    for (int k = 0; k < p->naggs; k++) {
        slide_of[k] = -1;
        AggPlan *a = &p->aggs[k];
        if (a->wkind != kWinAgg || p->groups[p->windows[a->window].group].uni)
            continue;  // (a union window's rows are merged per source row: no buffer to slide over)
        auto *wf = static_cast<WindowFunc *>(list_nth(p->agg_exprs, k));
        agg_ready(p, a);
        int nargs = list_length(wf->args);
        Node *arg0 = nargs >= 1 ? static_cast<Node *>(linitial(wf->args)) : nullptr;
        Oid t = arg0 ? exprType(arg0) : InvalidOid;
        SlideKind kind = kSlideNone;
        ExprState *arg = nullptr, *filter = a->filter;
        bool ok = cannot_fail(reinterpret_cast<Node *>(wf->aggfilter));
        switch (wf->winfnoid) {
        case F_COUNT_: kind = nargs == 0 ? kSlideCount : kSlideNone; break;
        case F_COUNT_ANY: kind = kSlideCount; break;
        case F_SUM_INT2: case F_SUM_INT4: kind = kSlideSumInt; break;
        case F_MAX_FLOAT8: kind = kSlideMaxF8; break;
        case F_MIN_FLOAT8: kind = kSlideMinF8; break;
        case F_MAX_INT2: case F_MAX_INT4: case F_MAX_INT8: kind = kSlideMaxInt; break;
        case F_MIN_INT2: case F_MIN_INT4: case F_MIN_INT8: kind = kSlideMinInt; break;
        default:
            // count_where(cond) = count(*) FILTER (cond); count_where(v, cond) = count(v) FILTER (cond)
            if (!wf->aggfilter && (nargs == 1 || nargs == 2) && is_feature_ext_fn(wf->winfnoid, "count_where")) {
                kind = kSlideCount;
                filter = a->args[nargs - 1];
                arg = nargs == 2 ? a->args[0] : nullptr;
                ok = cannot_fail(static_cast<Node *>(llast(wf->args))) && (nargs == 1 || cannot_fail(arg0));
                if (!ok)
                    kind = kSlideNone;
                t = InvalidOid;
            }
            break;
        }
        if (kind == kSlideNone || !ok)
            continue;
        if (wf->winfnoid != F_COUNT_ && !is_feature_ext_fn(wf->winfnoid, "count_where")) {
            if (nargs != 1 || !cannot_fail(arg0))
                continue;
            arg = a->args[0];
        }
        Slide &x = s[ns];
        x.agg = k;
        x.kind = kind;
        x.arg = arg;
        x.filter = filter;
        x.argtype = t;
        x.minmax = kind >= kSlideMaxF8;
        slide_of[k] = ns++;
    }
    *out = s;
    return ns;
}

void slide_alloc(Slide *x, int cap)
{
    if (x->minmax) {
        x->val = static_cast<int64 *>(palloc(sizeof(int64) * cap));
        x->has = static_cast<bool *>(palloc(sizeof(bool) * cap));
        x->dq = static_cast<int64 *>(palloc(sizeof(int64) * cap));
    } else {
        x->cnt = static_cast<int64 *>(palloc(sizeof(int64) * (cap + 1)));
        x->sum = static_cast<int64 *>(palloc(sizeof(int64) * (cap + 1)));
    }
}

// New key: empty state for a buffer of cap slots.
void slide_reset(Slide *x, int cap)
{
    slide_alloc(x, cap);
    if (!x->minmax)
        x->cnt[cap] = x->sum[cap] = 0;
    x->dq_len = x->dq_head = 0;
    x->dq_valid = false;
}

// The buffer doubled (rows kept at its end): same for the state.
void slide_grow(Slide *x, int old_cap, int front, int cap)
{
    Slide o = *x;
    slide_alloc(x, cap);
    int n = old_cap - front, nf = cap - n;
    if (x->minmax) {
        memcpy(x->val + nf, o.val + front, sizeof(int64) * n);
        memcpy(x->has + nf, o.has + front, sizeof(bool) * n);
        pfree(o.val), pfree(o.has), pfree(o.dq);
        x->dq_valid = false;  // the ring's size changed
        x->dq_len = x->dq_head = 0;
    } else {
        memcpy(x->cnt + nf, o.cnt + front, sizeof(int64) * (n + 1));
        memcpy(x->sum + nf, o.sum + front, sizeof(int64) * (n + 1));
        pfree(o.cnt), pfree(o.sum);
    }
}

// A row's contribution: whether it counts and its value.  The row is in
// p->row_slot.
bool slide_contrib(DeployPlan *p, const Slide *x, int64 *v)
{
    ExprContext *ec = p->econtext;
    ec->ecxt_scantuple = p->row_slot;
    bool isnull;
    if (x->filter) {
        Datum f = ExecEvalExpr(x->filter, ec, &isnull);
        if (isnull || !DatumGetBool(f))
            return false;
    }
    *v = 0;
    if (!x->arg)
        return true;
    Datum d = ExecEvalExpr(x->arg, ec, &isnull);
    if (isnull)
        return false;
    switch (x->kind) {
    case kSlideCount:
        break;
    case kSlideMaxF8: case kSlideMinF8: {
        double f = DatumGetFloat8(d);
        memcpy(v, &f, sizeof f);
        break;
    }
    default:
        *v = x->argtype == INT2OID ? DatumGetInt16(d) : x->argtype == INT4OID ? DatumGetInt32(d) : DatumGetInt64(d);
        break;
    }
    return true;
}

inline double as_f8(int64 v)
{
    double f;
    memcpy(&f, &v, sizeof f);
    return f;
}

// Does a (older) lose to b (newer) for x's kind?  Ties go to the newer row.
inline bool slide_beaten(const Slide *x, int64 a, int64 b)
{
    switch (x->kind) {
    case kSlideMaxF8: return !float8_gt(as_f8(a), as_f8(b));
    case kSlideMinF8: return !float8_lt(as_f8(a), as_f8(b));
    case kSlideMaxInt: return a <= b;
    default: return a >= b;  // kSlideMinInt
    }
}

// Place the contribution of the row at buffer slot `at` (just inserted;
// slots front..at-1 hold the rows newer than it, moved one slot down).
void slide_insert(Slide *x, int front, int at, bool has, int64 v)
{
    if (x->minmax) {
        memmove(x->val + front, x->val + front + 1, sizeof(int64) * (at - front));
        memmove(x->has + front, x->has + front + 1, sizeof(bool) * (at - front));
        x->val[at] = v;
        x->has[at] = has;
        if (at != front)
            x->dq_valid = false;  // the newer rows' ids changed
        return;
    }
    int64 c = has ? 1 : 0, s = has ? v : 0;
    for (int i = front; i < at; i++) {  // newer rows: their suffixes now include this row
        x->cnt[i] = x->cnt[i + 1] + c;
        x->sum[i] = x->sum[i + 1] + s;
    }
    x->cnt[at] = x->cnt[at + 1] + c;
    x->sum[at] = x->sum[at + 1] + s;
}

// Result of x over the stored slots [lo, hi] (lo newest; empty when lo > hi)
// plus the request row's contribution (req_has, req_v) when it is in the frame.
void slide_result(Slide *x, int cap, int lo, int hi, bool req_in, bool req_has, int64 req_v, ParamExecData *out)
{
    bool have = false;
    int64 r = 0;
    if (!x->minmax) {
        int64 c = lo <= hi ? x->cnt[lo] - x->cnt[hi + 1] : 0;
        int64 s = lo <= hi ? x->sum[lo] - x->sum[hi + 1] : 0;
        if (req_in && req_has)
            c++, s += req_v;
        out->isnull = x->kind == kSlideSumInt && c == 0;
        out->value = Int64GetDatum(x->kind == kSlideCount ? c : s);
        return;
    }
    if (lo <= hi) {
        int64 ida = cap - 1 - hi, idb = cap - 1 - lo;  // ascending ids of the run
        auto id_val = [&](int64 id) { return x->val[cap - 1 - id]; };
        int64 from = ida;
        if (x->dq_valid && ida >= x->qa && idb >= x->qb && ida <= x->qb + 1)
            from = x->qb + 1;  // the run moved forward: push the new rows only
        else
            x->dq_len = x->dq_head = 0;
        for (int64 id = from; id <= idb; id++) {
            if (!x->has[cap - 1 - id])
                continue;
            int64 v = id_val(id);
            while (x->dq_len > 0 && slide_beaten(x, id_val(x->dq[(x->dq_head + x->dq_len - 1) % cap]), v))
                x->dq_len--;
            x->dq[(x->dq_head + x->dq_len) % cap] = id;
            x->dq_len++;
        }
        while (x->dq_len > 0 && x->dq[x->dq_head] < ida) {
            x->dq_head = (x->dq_head + 1) % cap;
            x->dq_len--;
        }
        x->qa = ida;
        x->qb = idb;
        x->dq_valid = true;
        if (x->dq_len > 0) {
            have = true;
            r = id_val(x->dq[x->dq_head]);
        }
    }
    if (req_in && req_has) {
        // PostgreSQL adds the request row last: it wins ties
        r = have && !slide_beaten(x, r, req_v) ? r : req_v;
        have = true;
    }
    out->isnull = !have;
    switch (x->kind) {
    case kSlideMaxF8: case kSlideMinF8: out->value = Float8GetDatum(as_f8(r)); break;
    default:
        out->value = x->argtype == INT2OID ? Int16GetDatum(int16(r)) : x->argtype == INT4OID ? Int32GetDatum(int32(r))
                                                                                            : Int64GetDatum(r);
        break;
    }
}

// Table columns the output projection reads: only these travel through the
// result sort (a whole-row reference needs them all).
struct OutColumns {
    bool *need;  // by attno - 1
    int natts;
};
bool mark_out_columns(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, Var)) {
        auto *oc = static_cast<OutColumns *>(ctx);
        AttrNumber a = reinterpret_cast<Var *>(node)->varattno;
        for (int i = 0; i < oc->natts; i++)
            if (a == 0 || a == i + 1)
                oc->need[i] = true;
        return false;
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(mark_out_columns)),
                                  ctx);
}

// The current key's rows, newest first in [front, cap), and the sliding
// aggregates' state beside them.
struct KeyBuf {
    int cap, front;
    int64 *order;
    Datum *orderd;
    Datum *values;
    bool *isnull;
    const uint8 **payloads;
    int64 *tags;  // per slot, the row's source position (a FROM subquery's own window offline); nullptr: none
    bool want_tags;
    Slide *slides;
    int nslides;
};

void keybuf_reset(KeyBuf *b, int natts, bool payloads, int cap)
{
    for (int i = 0; i < b->nslides; i++)
        slide_reset(&b->slides[i], cap);
    b->cap = cap;
    b->front = cap;
    b->order = static_cast<int64 *>(palloc(sizeof(int64) * cap));
    b->orderd = static_cast<Datum *>(palloc(sizeof(Datum) * cap));
    b->values = static_cast<Datum *>(palloc(sizeof(Datum) * size_t(cap) * natts));
    b->isnull = static_cast<bool *>(palloc(sizeof(bool) * size_t(cap) * natts));
    b->payloads = payloads ? static_cast<const uint8 **>(palloc(sizeof(uint8 *) * cap)) : nullptr;
    b->tags = b->want_tags ? static_cast<int64 *>(palloc(sizeof(int64) * cap)) : nullptr;
}

// Double the buffer, keeping its rows at the end.
void keybuf_grow(KeyBuf *b, int natts)
{
    KeyBuf o = *b;
    int n = o.cap - o.front;
    for (int i = 0; i < b->nslides; i++)
        slide_grow(&b->slides[i], o.cap, o.front, o.cap * 2);
    int ns = b->nslides;
    b->nslides = 0;  // grown above
    keybuf_reset(b, natts, o.payloads != nullptr, o.cap * 2);
    b->nslides = ns;
    b->front = b->cap - n;
    memcpy(b->order + b->front, o.order + o.front, sizeof(int64) * n);
    memcpy(b->orderd + b->front, o.orderd + o.front, sizeof(Datum) * n);
    memcpy(b->values + size_t(b->front) * natts, o.values + size_t(o.front) * natts, sizeof(Datum) * n * natts);
    memcpy(b->isnull + size_t(b->front) * natts, o.isnull + size_t(o.front) * natts, sizeof(bool) * n * natts);
    if (o.payloads)
        memcpy(b->payloads + b->front, o.payloads + o.front, sizeof(uint8 *) * n);
    if (o.tags)
        memcpy(b->tags + b->front, o.tags + o.front, sizeof(int64) * n);
    pfree(o.order), pfree(o.orderd), pfree(o.values), pfree(o.isnull);
    if (o.payloads)
        pfree(o.payloads);
}

// Compute group g for the row (v, nl) against the buffered rows of its key,
// leaving the results in p->params (call_cxt current).  done[k]: aggregate k
// is compiled in jp or slides; req_has/req_v: the row's sliding contributions.
void batch_eval_row(DeployPlan *p, int g, const IndexMeta *m, JitPlan *jp, JitGroup *jg, const bool *done,
                    const bool *slid, bool interp, jit::KFrame *kframes, KeyBuf *kb, int first_older, const Datum *v,
                    const bool *nl, int64 base, const uint8 *payload, const bool *req_has, const int64 *req_v)
{
    GroupPlan *gp = &p->groups[g];
    int natts = p->natts;
    Rows view;
    view.n = kb->cap - first_older;
    if (!gp->need_all && !gp->need_range && view.n > gp->need_rows)
        view.n = int(gp->need_rows);
    view.order = kb->order + first_older;
    view.orderd = kb->orderd + first_older;
    view.values = kb->values + size_t(first_older) * natts;
    view.isnull = kb->isnull + size_t(first_older) * natts;
    view.payloads = jg ? kb->payloads + first_older : nullptr;
    ExecClearTuple(p->req_slot);
    memcpy(p->req_slot->tts_values, v, sizeof(Datum) * natts);
    memcpy(p->req_slot->tts_isnull, nl, sizeof(bool) * natts);
    ExecStoreVirtualTuple(p->req_slot);
    if (join_in_windows(p))  // window functions over joined columns: this row's joined row
        join_fill(p);
    Datum based = v[gp->order_attno - 1];
    prepare_bounds(p, g, based, base);
    if (gp->uni) {  // a union window: every table's rows up to this row's time (deploy/union_pg.cpp)
        Rows merged;
        int rc = 0;
        bool ran = union_batch_rows(p, g, &view, v, nl, base, based, &merged, m, jp, jg, payload, kframes, &rc);
        if (ran && rc == jit::kNeedInterpreter)  // this row only: merged again, all by the interpreter
            ran = union_batch_rows(p, g, &view, v, nl, base, based, &merged, nullptr, nullptr, nullptr, nullptr,
                                   nullptr, &rc);
        if (!ran) {
            eval_group(p, g, merged, base, based, v, nl);
            return;
        }
        if (rc != 0)
            raise_group_error(p, jp, g, merged, base, based, v, nl, rc);
        take_jit_results(p, jp, g);
        if (interp)
            eval_group(p, g, merged, base, based, v, nl, done);
        return;
    }
    int rc = jg ? call_group_kernel(p, jp, jg, &view, base, based, payload, v, nl, kframes) : 0;
    if (rc == jit::kNeedInterpreter) {
        // this row only: everything but the sliding aggregates by the interpreter
        eval_group(p, g, view, base, based, v, nl, kb->nslides ? slid : nullptr);
    } else {
        if (rc != 0)
            raise_group_error(p, jp, g, view, base, based, v, nl, rc, slid);
        if (jg)
            take_jit_results(p, jp, g);
        if (interp)
            eval_group(p, g, view, base, based, v, nl, done);
    }
    int last_window = -1;
    Frame f;
    for (int i = 0; i < kb->nslides; i++) {
        Slide *x = &kb->slides[i];
        int w = p->aggs[x->agg].window;
        if (w != last_window)
            compute_frame(&p->windows[w], &view, base, based, &f);
        last_window = w;
        int n = view.n;
        int lo_pos = Max(f.from, 0), hi_pos = Min(f.to, n - 1);  // the stored run, ascending
        if (f.skip_peers)
            hi_pos = Min(hi_pos, f.peers_from - 1);
        bool req_in = f.from <= n && f.to >= n && !f.skip_request;
        slide_result(x, kb->cap, first_older + (n - 1 - hi_pos), first_older + (n - 1 - lo_pos), req_in, req_has[i],
                     req_v[i], &p->params[x->agg]);
    }
}


// ---- a FROM subquery with its own window, offline (DeployPlan::win_sub)
//
// Request replay of row i (its table: the source rows before it, T_i): the
// request row's window columns are its own window as of T_i (the sub-plan's
// request, the row last of its peers); a stored row s an outer window reads
// has its own window as of T_i without s, s last of its peers (ROWS: its
// peers after it in the source follow it), and a stored peer of the request
// takes the request's value in a column reading RANGE / GROUPS windows
// (exec_pg.cpp, compute_stored_columns).  Offline:
// - every row's own window as of the rows before it is the sub-plan's own
//   batch over the same source in the same order (run first);
// - a stored row's value as of T_i is that same value unless a row between
//   s and i in the source shares a partition of the sub-plan with s and has
//   an order value <= s's (a late row, or a peer: first_late[s] is the first
//   such row); then it is computed again by the sub-plan's batch over the
//   rows of s's partitions in T_i, s moved last (its later peers left out
//   for ROWS columns): exact, and rare for rows arriving in time order.
// The source is held in memory (the outer engine's sorts still bound the
// rest); the outer windows run in the interpreter (their stored rows'
// window values change with the request: no compiled kernel, no sliding).
struct WinSubOff {
    DeployPlan *p, *sub;
    MemoryContext cxt;      // the rows and their values
    int64 n, cap;
    Datum **vals;           // per source row: p->natts values (the table's columns, then the window columns)
    bool **nulls;
    bool *has;              // the sub-plan computed its window columns (no NULL key / order of it)
    int64 *first_late;      // first later row changing its window (n: none)
    int nsg;                // the sub-plan's groups
    const IndexMeta **sgm;
    uint8 ***keys;          // per group, per row: its encoded key (nullptr: NULL order value or key)
    uint32 **klens;
    int64 *order;           // per row: its order value (win_order_attno)
    int64 **runs;           // per group: the rows of each key together, in source order
    int64 **run_of;         // per group, per row: where its key's run starts in runs[g] (-1: none)
    int64 **run_end;
    int64 *src_of_seq;      // the outer batch's position -> source row
};

// Append one row (values in the current context: copied into ws->cxt).
void ws_add(WinSubOff *ws, const Datum *v, const bool *nl)
{
    MemoryContext old = MemoryContextSwitchTo(ws->cxt);
    if (ws->n == ws->cap) {
        int64 nc = ws->cap ? ws->cap * 2 : 1024;
        ws->vals = static_cast<Datum **>(ws->cap ? repalloc_huge(ws->vals, sizeof(Datum *) * nc)
                                                 : palloc_extended(sizeof(Datum *) * nc, MCXT_ALLOC_HUGE));
        ws->nulls = static_cast<bool **>(ws->cap ? repalloc_huge(ws->nulls, sizeof(bool *) * nc)
                                                 : palloc_extended(sizeof(bool *) * nc, MCXT_ALLOC_HUGE));
        ws->cap = nc;
    }
    DeployPlan *p = ws->p;
    Datum *rv = static_cast<Datum *>(palloc(sizeof(Datum) * p->natts));
    bool *rn = static_cast<bool *>(palloc(sizeof(bool) * p->natts));
    for (int a = 0; a < p->natts; a++) {
        Form_pg_attribute att = TupleDescAttr(p->heap_desc, a);
        rn[a] = a >= p->nreal || nl[a];
        rv[a] = rn[a] ? Datum(0) : att->attisdropped || att->attbyval ? v[a] : datumCopy(v[a], false, att->attlen);
    }
    ws->vals[ws->n] = rv;
    ws->nulls[ws->n] = rn;
    ws->n++;
    MemoryContextSwitchTo(old);
}

// Feeding the sub-plan's batch: rows idx[0..n) of ws.
struct WsFeed {
    WinSubOff *ws;
    const int64 *idx;  // nullptr: every row in turn
    int64 n, at;
};
bool ws_next(void *arg, Datum *v, bool *nl)
{
    auto *f = static_cast<WsFeed *>(arg);
    if (f->at >= f->n)
        return false;
    int64 r = f->idx ? f->idx[f->at] : f->at;
    f->at++;
    DeployPlan *p = f->ws->p;
    for (int a = 0; a < f->ws->sub->natts; a++) {
        bool real = a < p->nreal;
        nl[a] = !real || f->ws->nulls[r][a];
        v[a] = nl[a] ? Datum(0) : f->ws->vals[r][a];
    }
    return true;
}

// Would the sub-plan's batch skip row r (NULL key or order value)?
bool ws_skipped(WinSubOff *ws, int64 r)
{
    DeployPlan *sub = ws->sub;
    const bool *nl = ws->nulls[r];
    for (int g = 0; g < sub->ngroups; g++) {
        GroupPlan *gp = &sub->groups[g];
        if (gp->order_attno > ws->p->nreal || nl[gp->order_attno - 1])
            return true;
        for (int k = 0; k < gp->nkeys; k++)
            if (gp->key_attnos[k] > ws->p->nreal || nl[gp->key_attnos[k] - 1])
                return true;
    }
    return false;
}

// The sub-plan's batch over rows idx[0..n) (nullptr: all); its window
// columns of the fed rows it did not skip go to set(row, values, nulls).
template <typename F>
void ws_run_sub(WinSubOff *ws, const int64 *idx, int64 n, F set)
{
    DeployPlan *sub = ws->sub;
    if (g_jit && !sub->jit_tried) {  // compiled on first use, in each backend (as win_sub_row)
        JitObject none;
        memset(&none, 0, sizeof(none));
        jit_attach(sub, &none);
    }
    Tuplestorestate *ts = tuplestore_begin_heap(false, false, work_mem);
    WsFeed f{ws, idx, n, 0};
    run_batch(sub, ws_next, &f, ts, sub->out_desc, true);
    TupleTableSlot *slot = MakeSingleTupleTableSlot(sub->out_desc, &TTSOpsMinimalTuple);
    for (int64 i = 0; i < n; i++) {
        int64 r = idx ? idx[i] : i;
        if (ws_skipped(ws, r))
            continue;
        if (!tuplestore_gettupleslot(ts, true, false, slot))
            elog(ERROR, "feature_ext: the FROM subquery's batch ended early");
        slot_getallattrs(slot);
        set(r, slot->tts_values, slot->tts_isnull);
    }
    ExecDropSingleTupleTableSlot(slot);
    tuplestore_end(ts);
}

int ws_key_cmp(const void *a, const void *b, void *arg)
{
    auto *ctx = static_cast<std::pair<WinSubOff *, int> *>(arg);
    WinSubOff *ws = ctx->first;
    int g = ctx->second;
    int64 x = *static_cast<const int64 *>(a), y = *static_cast<const int64 *>(b);
    uint32 lx = ws->klens[g][x], ly = ws->klens[g][y];
    int c = lx != ly ? (lx < ly ? -1 : 1) : memcmp(ws->keys[g][x], ws->keys[g][y], lx);
    if (c != 0)
        return c;
    return x < y ? -1 : x > y ? 1 : 0;
}

// After the source is read: every row's own window values (the sub-plan's
// batch), its partitions and first_late.
// Row r's window columns (want[c]; nullptr: all) from the sub-plan's output row v / nl.
void ws_set(WinSubOff *ws, int64 r, const Datum *v, const bool *nl, const bool *want)
{
    DeployPlan *p = ws->p, *sub = ws->sub;
    MemoryContext o2 = MemoryContextSwitchTo(ws->cxt);
    for (int c = 0; c < p->ncomp; c++)
        if (p->comp_win[c] >= 0 && (!want || want[c])) {
            int o = p->comp_win[c];
            Form_pg_attribute att = TupleDescAttr(sub->out_desc, o);
            ws->nulls[r][p->nreal + c] = nl[o];
            ws->vals[r][p->nreal + c] = nl[o] ? Datum(0) : datumCopy(v[o], att->attbyval, att->attlen);
        }
    MemoryContextSwitchTo(o2);
}

void ws_prepare(WinSubOff *ws, Relation heap, bool fill = true)
{
    DeployPlan *p = ws->p, *sub = ws->sub;
    int64 n = ws->n;
    MemoryContext old = MemoryContextSwitchTo(ws->cxt);
    ws->has = static_cast<bool *>(palloc0(sizeof(bool) * Max(n, 1)));
    if (fill)
    ws_run_sub(ws, nullptr, n, [&](int64 r, const Datum *v, const bool *nl) {
        for (int c = 0; c < p->ncomp; c++)
            if (p->comp_win[c] >= 0) {
                int o = p->comp_win[c];
                Form_pg_attribute att = TupleDescAttr(sub->out_desc, o);
                MemoryContext o2 = MemoryContextSwitchTo(ws->cxt);
                ws->nulls[r][p->nreal + c] = nl[o];
                ws->vals[r][p->nreal + c] = nl[o] ? Datum(0) : datumCopy(v[o], att->attbyval, att->attlen);
                MemoryContextSwitchTo(o2);
            }
        ws->has[r] = true;
    });
    MemoryContextSwitchTo(ws->cxt);
    IndexMeta **metas;
    int nmetas = heap_skiplist_indexes(heap, &metas);
    ws->nsg = sub->ngroups;
    ws->sgm = static_cast<const IndexMeta **>(palloc0(sizeof(IndexMeta *) * Max(ws->nsg, 1)));
    for (int g = 0; g < ws->nsg; g++) {
        for (int i = 0; i < nmetas; i++)
            if (metas[i]->indexoid == sub->groups[g].indexoid)
                ws->sgm[g] = metas[i];
        if (!ws->sgm[g])
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                            errmsg("an index of deployment %s's FROM subquery is gone", p->name),
                            errhint("Redeploy it.")));
    }
    ws->order = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
    ws->first_late = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
    ws->keys = static_cast<uint8 ***>(palloc(sizeof(uint8 **) * Max(ws->nsg, 1)));
    ws->klens = static_cast<uint32 **>(palloc(sizeof(uint32 *) * Max(ws->nsg, 1)));
    ws->runs = static_cast<int64 **>(palloc(sizeof(int64 *) * Max(ws->nsg, 1)));
    ws->run_of = static_cast<int64 **>(palloc(sizeof(int64 *) * Max(ws->nsg, 1)));
    ws->run_end = static_cast<int64 **>(palloc(sizeof(int64 *) * Max(ws->nsg, 1)));
    AttrNumber oa = p->win_order_attno;
    for (int64 r = 0; r < n; r++) {
        ws->first_late[r] = n;
        ws->order[r] = ws->nulls[r][oa - 1] ? 0 : order_from_datum(sub->groups[0].order_kind, ws->vals[r][oa - 1]);
    }
    int64 *stack = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
    for (int g = 0; g < ws->nsg; g++) {
        GroupPlan *gp = &sub->groups[g];
        ws->keys[g] = static_cast<uint8 **>(palloc0(sizeof(uint8 *) * Max(n, 1)));
        ws->klens[g] = static_cast<uint32 *>(palloc0(sizeof(uint32) * Max(n, 1)));
        ws->run_of[g] = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
        ws->run_end[g] = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
        int64 *rows = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
        int64 m = 0;
        for (int64 r = 0; r < n; r++) {
            ws->run_of[g][r] = -1;
            bool in = !ws->nulls[r][gp->order_attno - 1];
            for (int k = 0; in && k < gp->nkeys; k++)
                in = !ws->nulls[r][gp->key_attnos[k] - 1];
            if (!in)  // (not in the index: in no row's window)
                continue;
            ws->klens[g][r] = encode_key(ws->sgm[g], ws->vals[r], ws->nulls[r], &ws->keys[g][r]);
            rows[m++] = r;
        }
        std::pair<WinSubOff *, int> ctx(ws, g);
        qsort_arg(rows, size_t(m), sizeof(int64), ws_key_cmp, &ctx);
        ws->runs[g] = rows;
        for (int64 a = 0; a < m;) {
            int64 b = a + 1;
            while (b < m && ws->klens[g][rows[b]] == ws->klens[g][rows[a]] &&
                   memcmp(ws->keys[g][rows[b]], ws->keys[g][rows[a]], ws->klens[g][rows[a]]) == 0)
                b++;
            // first later row of the key with an order value <= the row's: a
            // stack of rows still waiting, order values increasing upwards
            int64 top = 0;
            for (int64 x = a; x < b; x++) {
                int64 j = rows[x];
                ws->run_of[g][j] = a;
                ws->run_end[g][j] = b;
                while (top > 0 && ws->order[stack[top - 1]] >= ws->order[j]) {
                    int64 s = stack[--top];
                    ws->first_late[s] = Min(ws->first_late[s], j);
                }
                stack[top++] = j;
            }
            a = b;
        }
    }
    pfree(stack);
    MemoryContextSwitchTo(old);
}

int ws_order_cmp(const void *a, const void *b, void *arg)
{
    auto *ws = static_cast<WinSubOff *>(arg);
    int64 x = *static_cast<const int64 *>(a), y = *static_cast<const int64 *>(b);
    if (ws->order[x] != ws->order[y])
        return ws->order[x] < ws->order[y] ? -1 : 1;
    return x < y ? -1 : x > y ? 1 : 0;
}

int int64_cmp(const void *a, const void *b)
{
    int64 x = *static_cast<const int64 *>(a), y = *static_cast<const int64 *>(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

// Stored row s's window columns as of the rows before req (peers: its later
// peers too, for RANGE / GROUPS columns), into v / nl (p->natts layout) for
// the columns wanted (want[c]).  Allocated in the current context.
void ws_recompute(WinSubOff *ws, int64 s, int64 req, bool peers, Datum *v, bool *nl, const bool *want,
                  int64 as_of_without = -1)
{
    DeployPlan *p = ws->p, *sub = ws->sub;
    MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "feature_ext subquery window",
                                                  ALLOCSET_DEFAULT_SIZES);
    MemoryContext keep = MemoryContextSwitchTo(scratch);
    int64 total = 0;
    for (int g = 0; g < ws->nsg; g++)
        if (ws->run_of[g][s] >= 0)
            total += ws->run_end[g][s] - ws->run_of[g][s];
    int64 *idx = static_cast<int64 *>(palloc(sizeof(int64) * (total + 1)));
    int64 m = 0;
    for (int g = 0; g < ws->nsg; g++)
        if (ws->run_of[g][s] >= 0)
            for (int64 x = ws->run_of[g][s]; x < ws->run_end[g][s]; x++) {
                int64 j = ws->runs[g][x];
                if (as_of_without >= 0) {
                    // as_of (the table's rows): those before s in (order,
                    // position), without as_of_without (the label's copy)
                    if (j != s && j != as_of_without &&
                        (ws->order[j] < ws->order[s] || (ws->order[j] == ws->order[s] && j < s)))
                        idx[m++] = j;
                    continue;
                }
                if (j >= req)
                    break;  // (a run is in source order)
                // (a row after s in the order is in no frame of s: its frames end at s)
                if (j == s || ws->order[j] > ws->order[s] || (!peers && j > s && ws->order[j] == ws->order[s]))
                    continue;
                idx[m++] = j;
            }
    // One partition read by bounded ROWS frames only: the rows just before s
    // in (order, position) are all its frames read (as a request reads them).
    bool bounded = ws->nsg == 1 && as_of_without < 0;
    for (int g = 0; bounded && g < sub->ngroups; g++)
        bounded = !sub->groups[g].need_all && !sub->groups[g].need_range;
    for (int w = 0; bounded && w < sub->nwindows; w++)
        bounded = sub->windows[w].mode == kRows;  // (need_rows counts peer groups for GROUPS)
    if (bounded && m > sub->groups[0].need_rows) {
        qsort_arg(idx, size_t(m), sizeof(int64), ws_order_cmp, ws);
        int64 keep_n = sub->groups[0].need_rows;
        memmove(idx, idx + (m - keep_n), sizeof(int64) * keep_n);
        m = keep_n;
        qsort(idx, size_t(m), sizeof(int64), int64_cmp);  // (fed in source order)
    }
    if (as_of_without >= 0) {  // by (order, position), once each
        qsort_arg(idx, size_t(m), sizeof(int64), ws_order_cmp, ws);
        int64 u = 0;
        for (int64 x = 0; x < m; x++)
            if (u == 0 || idx[u - 1] != idx[x])
                idx[u++] = idx[x];
        m = u;
    } else if (ws->nsg > 1) {  // rows of several partitions: in source order, once each
        qsort(idx, size_t(m), sizeof(int64), int64_cmp);
        int64 u = 0;
        for (int64 x = 0; x < m; x++)
            if (u == 0 || idx[u - 1] != idx[x])
                idx[u++] = idx[x];
        m = u;
    }
    idx[m++] = s;  // the row itself, last (of its peers)
    Datum *rv = static_cast<Datum *>(palloc(sizeof(Datum) * Max(sub->out_desc->natts, 1)));
    bool *rn = static_cast<bool *>(palloc(sizeof(bool) * Max(sub->out_desc->natts, 1)));
    bool got = false;
    ws_run_sub(ws, idx, m, [&](int64 r, const Datum *ov, const bool *on) {
        if (r != s)
            return;
        for (int c = 0; c < sub->out_desc->natts; c++)
            rv[c] = ov[c], rn[c] = on[c];
        got = true;
        MemoryContextSwitchTo(keep);
        for (int c = 0; c < p->ncomp; c++)
            if (want[c]) {
                int o = p->comp_win[c];
                Form_pg_attribute att = TupleDescAttr(sub->out_desc, o);
                nl[p->nreal + c] = on[o];
                v[p->nreal + c] = on[o] ? Datum(0) : datumCopy(ov[o], att->attbyval, att->attlen);
            }
        MemoryContextSwitchTo(scratch);
    });
    if (!got)
        elog(ERROR, "feature_ext: the FROM subquery's window of a stored row was not computed");
    MemoryContextSwitchTo(keep);
    MemoryContextDelete(scratch);
}

// Buffered row s's window columns before request rq: its own (computed as of
// it), or, for a RANGE / GROUPS column of a peer of the request, the
// request's (its frame is then the request's).
void ws_stored_columns(const WinSubOff *ws, int64 s, bool peer, const Datum *rq, const bool *rqn, Datum *v, bool *nl)
{
    const DeployPlan *p = ws->p;
    for (int c = 0; c < p->ncomp; c++) {
        if (p->comp_win[c] < 0 || !p->comp_rows[c])
            continue;
        int a = p->nreal + c;
        if (peer && p->comp_win_peer[c])
            v[a] = rq[a], nl[a] = rqn[a];
        else
            v[a] = ws->vals[s][a], nl[a] = ws->nulls[s][a];
    }
}

// Before request req (its values rq / rqn, its own window columns filled) is
// evaluated over rows [from, from + n) of the key's buffer: their window
// columns as of the rows before req (see the top of this section).
// Allocations in the current context (the request's).
void ws_patch(WinSubOff *ws, KeyBuf *kb, int from, int n, int64 req, const Datum *rq, const bool *rqn)
{
    DeployPlan *p = ws->p;
    int natts = p->natts;
    AttrNumber oa = p->win_order_attno;
    Form_pg_attribute oatt = TupleDescAttr(p->heap_desc, oa - 1);
    bool *want_rows = static_cast<bool *>(palloc0(sizeof(bool) * p->ncomp));
    bool *want_range = static_cast<bool *>(palloc0(sizeof(bool) * p->ncomp));
    bool any_rows = false, any_range = false;
    for (int c = 0; c < p->ncomp; c++)
        if (p->comp_win[c] >= 0 && p->comp_rows[c]) {
            (p->comp_win_peer[c] ? want_range : want_rows)[c] = true;
            (p->comp_win_peer[c] ? any_range : any_rows) = true;
        }
    for (int i = from; i < from + n; i++) {
        CHECK_FOR_INTERRUPTS();
        int64 s = kb->tags[i];
        Datum *v = kb->values + size_t(i) * natts;
        bool *nl = kb->isnull + size_t(i) * natts;
        bool peer = !nl[oa - 1] && !rqn[oa - 1] && datumIsEqual(v[oa - 1], rq[oa - 1], oatt->attbyval, oatt->attlen);
        bool fresh = req <= ws->first_late[s];
        ws_stored_columns(ws, s, peer, rq, rqn, v, nl);
        if (!fresh) {
            if (any_rows)
                ws_recompute(ws, s, req, false, v, nl, want_rows);
            if (any_range && !peer)
                ws_recompute(ws, s, req, true, v, nl, want_range);
        }
    }
}

bool ws_label_next(void *arg, Datum *v, bool *nl, Datum *, bool *)
{
    return ws_next(arg, v, nl);
}

// The sub-plan's training_set() (as_of) of lab's rows against hist's rows
// (the table); every label row's output goes to set(row, values, nulls).
template <typename F>
void ws_run_sub_training(WinSubOff *hist, WinSubOff *lab, F set)
{
    DeployPlan *sub = hist->sub;
    if (g_jit && !sub->jit_tried) {
        JitObject none;
        memset(&none, 0, sizeof(none));
        jit_attach(sub, &none);
    }
    Tuplestorestate *ts = tuplestore_begin_heap(false, false, work_mem);
    WsFeed hf{hist, nullptr, hist->n, 0}, lf{lab, nullptr, lab->n, 0};
    TrainingArgs ta{true, ws_next, &hf, ws_label_next, &lf, CreateTemplateTupleDesc(0), 0, nullptr};
    run_training(sub, &ta, ts, sub->out_desc, true);
    TupleTableSlot *slot = MakeSingleTupleTableSlot(sub->out_desc, &TTSOpsMinimalTuple);
    for (int64 r = 0; r < lab->n; r++) {
        if (!tuplestore_gettupleslot(ts, true, false, slot))
            elog(ERROR, "feature_ext: the FROM subquery's training set ended early");
        slot_getallattrs(slot);
        set(r, slot->tts_values, slot->tts_isnull);
    }
    ExecDropSingleTupleTableSlot(slot);
    tuplestore_end(ts);
}

// as_of: the table's rows' window columns as of the table (RANGE / GROUPS
// columns: every peer; ROWS columns: the rows before it in (order,
// position)), and the labels' own (the label last of its peers, its copy
// left out).
void ws_prepare_as_of(WinSubOff *hist, WinSubOff *lab, Relation heap)
{
    DeployPlan *p = hist->p;
    // A label whose key of the subquery's windows is NULL reads the NULL-key
    // partition's stored rows, whose ROWS window columns are computed by the
    // sub-plan's batch(), which skips rows with a NULL key: refused rather
    // than answered with their columns NULL (review_off.sh, A).
    bool rows_read = false;
    for (int c = 0; c < p->ncomp; c++)
        rows_read |= p->comp_win[c] >= 0 && p->comp_rows && p->comp_rows[c] && !p->comp_win_peer[c];
    for (int64 r = 0; rows_read && r < lab->n; r++) {
        if (lab->nulls[r][p->win_order_attno - 1])
            continue;  // (no features: a NULL order value)
        for (int g = 0; g < hist->sub->ngroups; g++) {
            GroupPlan *gp = &hist->sub->groups[g];
            for (int k = 0; k < gp->nkeys; k++)
                if (gp->key_attnos[k] <= p->nreal && lab->nulls[r][gp->key_attnos[k] - 1])
                    ereport(ERROR,
                            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                             errmsg("training_set() of deployment %s is not supported for a source row whose column "
                                    "\"%s\" is NULL",
                                    p->name, NameStr(TupleDescAttr(p->heap_desc, gp->key_attnos[k] - 1)->attname)),
                             errdetail("Its FROM subquery's ROWS window partitions by that column; the stored rows of "
                                       "a NULL partition have no computed window values offline."),
                             errhint("Leave such rows out of the source (WHERE \"%s\" IS NOT NULL), or use "
                                     "mode => 'insertion', which returns them with NULL features.",
                                     NameStr(TupleDescAttr(p->heap_desc, gp->key_attnos[k] - 1)->attname))));
        }
    }
    ws_prepare(hist, heap, false);
    bool *want_rows = static_cast<bool *>(palloc0(sizeof(bool) * p->ncomp));
    bool *want_range = static_cast<bool *>(palloc0(sizeof(bool) * p->ncomp));
    bool any_rows = false, any_range = false;
    for (int c = 0; c < p->ncomp; c++)
        if (p->comp_win[c] >= 0) {
            (p->comp_win_peer[c] ? want_range : want_rows)[c] = true;
            (p->comp_win_peer[c] ? any_range : any_rows) = true;
        }
    if (any_rows) {
        int64 *idx = static_cast<int64 *>(palloc(sizeof(int64) * Max(hist->n, 1)));
        for (int64 r = 0; r < hist->n; r++)
            idx[r] = r;
        qsort_arg(idx, size_t(hist->n), sizeof(int64), ws_order_cmp, hist);
        ws_run_sub(hist, idx, hist->n,
                   [&](int64 r, const Datum *v, const bool *nl) { ws_set(hist, r, v, nl, want_rows); });
        pfree(idx);
    }
    if (any_range)
        ws_run_sub_training(hist, hist,
                            [&](int64 r, const Datum *v, const bool *nl) { ws_set(hist, r, v, nl, want_range); });
    ws_run_sub_training(hist, lab, [&](int64 r, const Datum *v, const bool *nl) { ws_set(lab, r, v, nl, nullptr); });
}

// training_set() as_of: before label rq / rqn (its own window columns
// filled; self: the table row left out as its copy, -1: none) is evaluated
// over buffered table rows [from, from + n): their window columns as of the
// table (computed once, ws_prepare_as_of), a peer of the label taking its
// value in RANGE / GROUPS columns, and a peer after the label's copy
// computed without that copy in ROWS columns.
void ws_patch_as_of(WinSubOff *ws, KeyBuf *kb, int from, int n, int64 self, const Datum *rq, const bool *rqn)
{
    DeployPlan *p = ws->p;
    int natts = p->natts;
    AttrNumber oa = p->win_order_attno;
    Form_pg_attribute oatt = TupleDescAttr(p->heap_desc, oa - 1);
    bool *want_rows = static_cast<bool *>(palloc0(sizeof(bool) * p->ncomp));
    bool any_rows = false;
    for (int c = 0; c < p->ncomp; c++)
        if (p->comp_win[c] >= 0 && p->comp_rows[c] && !p->comp_win_peer[c])
            want_rows[c] = any_rows = true;
    for (int i = from; i < from + n; i++) {
        CHECK_FOR_INTERRUPTS();
        int64 s = kb->tags[i];
        Datum *v = kb->values + size_t(i) * natts;
        bool *nl = kb->isnull + size_t(i) * natts;
        bool peer = !nl[oa - 1] && !rqn[oa - 1] && datumIsEqual(v[oa - 1], rq[oa - 1], oatt->attbyval, oatt->attlen);
        ws_stored_columns(ws, s, peer, rq, rqn, v, nl);
        if (peer && any_rows && self >= 0 && self < s && ws->order[self] == ws->order[s])
            ws_recompute(ws, s, -1, false, v, nl, want_rows, self);
    }
}

// What batch() and training_set() refuse before reading anything.
void check_offline(DeployPlan *p, const char *what)
{
    union_batch_check(p, what);
    // Over a Citus distributed table the source rows are read through Citus
    // on this node, but a join or a union window would read this node's
    // empty shells of the other tables (each request reads the shards on
    // its key's node instead).
    bool unions = false;
    for (int g = 0; g < p->ngroups; g++)
        unions |= p->groups[g].uni != nullptr;
    if ((join_table_count(p) > 0 || unions) && citus_dist_method(p->heapoid) == 'h')
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("%s of deployment %s is not supported: it reads several Citus tables", what, p->name),
                        errdetail("Offline features are computed on the calling node, where the other tables are "
                                  "empty shells."),
                        errhint("Outside a transaction block, with feature_ext.citus_parallel_batch on, the whole "
                                "table and sources that read only Citus tables with built-in functions compute on the "
                                "shards' nodes; otherwise call the deployment per row (each request runs on its key's "
                                "node).")));
}

}  // namespace

void run_batch(DeployPlan *p, BatchNext next, void *arg, Tuplestorestate *ts, TupleDesc out, bool quiet)
{
    check_offline(p, "batch()");
    int natts = p->natts, naggs = p->naggs, ngroups = p->ngroups;
    Relation heap = table_open(p->heapoid, AccessShareLock);
    // A FROM subquery with its own window: the source in memory, every
    // row's own window values first (see WinSubOff).
    WinSubOff *ws = nullptr;
    WsFeed wsf{nullptr, nullptr, 0, 0};
    if (p->win_sub) {
        ws = static_cast<WinSubOff *>(palloc0(sizeof(WinSubOff)));
        ws->p = p;
        ws->sub = p->win_sub;
        ws->cxt = AllocSetContextCreate(CurrentMemoryContext, "feature_ext batch source", ALLOCSET_DEFAULT_SIZES);
        MemoryContext rc = AllocSetContextCreate(CurrentMemoryContext, "feature_ext batch source row",
                                                 ALLOCSET_SMALL_SIZES);
        Datum *sv = static_cast<Datum *>(palloc(sizeof(Datum) * natts));
        bool *sn = static_cast<bool *>(palloc(sizeof(bool) * natts));
        for (;;) {
            CHECK_FOR_INTERRUPTS();
            MemoryContextReset(rc);
            MemoryContext o = MemoryContextSwitchTo(rc);
            for (int a = 0; a < natts; a++)
                sv[a] = Datum(0), sn[a] = true;
            bool more = next(arg, sv, sn);
            MemoryContextSwitchTo(o);
            if (!more)
                break;
            ws_add(ws, sv, sn);
        }
        MemoryContextDelete(rc);
        ws_prepare(ws, heap);
        ws->src_of_seq = static_cast<int64 *>(MemoryContextAllocHuge(ws->cxt, sizeof(int64) * Max(ws->n, 1)));
        wsf = WsFeed{ws, nullptr, ws->n, 0};
    }
    IndexMeta **metas;
    int nmetas = heap_skiplist_indexes(heap, &metas);
    const IndexMeta **gm = static_cast<const IndexMeta **>(palloc(sizeof(IndexMeta *) * Max(ngroups, 1)));
    for (int g = 0; g < ngroups; g++) {
        gm[g] = nullptr;
        for (int i = 0; i < nmetas; i++)
            if (metas[i]->indexoid == p->groups[g].indexoid)
                gm[g] = metas[i];
        if (!gm[g])
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("an index of deployment %s is gone", p->name),
                            errhint("Redeploy it.")));
    }
    MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "feature_ext batch", ALLOCSET_DEFAULT_SIZES);
    MemoryContext rowcxt = AllocSetContextCreate(work, "feature_ext batch row", ALLOCSET_SMALL_SIZES);
    MemoryContext keycxt = AllocSetContextCreate(work, "feature_ext batch key", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(work);

    TupleDesc sdesc = batch_sort_desc(p);
    TupleDesc rdesc = batch_result_desc(p);
    TupleTableSlot *sslot = MakeSingleTupleTableSlot(sdesc, &TTSOpsVirtual);
    TupleTableSlot *rslot = MakeSingleTupleTableSlot(rdesc, &TTSOpsVirtual);
    AttrNumber skeys[3] = {2, 3, 1};
    Oid sops[3] = {Int8LessOperator, ByteaLessOperator, Int8LessOperator};
    Oid scoll[3] = {InvalidOid, InvalidOid, InvalidOid};
    bool snf[3] = {false, false, false};
    AttrNumber rkeys[2] = {1, 2};
    Oid rops[2] = {Int8LessOperator, Int4LessOperator};
    Tuplesortstate **sorts = static_cast<Tuplesortstate **>(palloc(sizeof(Tuplesortstate *) * Max(ngroups, 1)));
    for (int g = 0; g < ngroups; g++)
        sorts[g] = tuplesort_begin_heap(sdesc, 3, skeys, sops, scoll, snf, work_mem, nullptr, TUPLESORT_NONE);
    Tuplesortstate *rsort = tuplesort_begin_heap(rdesc, 2, rkeys, rops, scoll, snf, work_mem, nullptr, TUPLESORT_NONE);

    // ---- 1. one pass over the source
    Datum *v = static_cast<Datum *>(palloc(sizeof(Datum) * natts));
    bool *nl = static_cast<bool *>(palloc(sizeof(bool) * natts));
    int64 nrows = 0, nskipped = 0, nhist = 0;
    bool *gnull = static_cast<bool *>(palloc(sizeof(bool) * Max(ngroups, 1)));
    int64 hist_cap = 1024;  // per row: an earlier row only (a NULL key or order value in a group)
    bool *hist_only = static_cast<bool *>(MemoryContextAllocHuge(work, sizeof(bool) * hist_cap));
    for (;;) {
        MemoryContextReset(rowcxt);
        MemoryContextSwitchTo(rowcxt);
        for (int a = 0; a < natts; a++) {
            v[a] = Datum(0);
            nl[a] = true;
        }
        int64 src_at = wsf.at;
        if (ws) {  // the held source, its window columns filled
            if (wsf.at >= ws->n) {
                MemoryContextSwitchTo(work);
                break;
            }
            memcpy(v, ws->vals[wsf.at], sizeof(Datum) * natts);
            memcpy(nl, ws->nulls[wsf.at], sizeof(bool) * natts);
            wsf.at++;
        } else if (!next(arg, v, nl)) {
            MemoryContextSwitchTo(work);
            break;
        }
        if (p->ncomp > 0)  // FROM (SELECT expr AS c FROM t): as for a request
            compute_request_columns(p, v, nl, ws != nullptr);
        // A row whose key or order value of an index group is NULL is no
        // request (that is an error, 22004) and no earlier row of one in that
        // group (the index leaves NULL order values out, and no request has
        // a NULL key): it gets no result (counted in a NOTICE at the end),
        // but it is an earlier row in the groups whose key and order value
        // it has, as the index holds it there for later requests.  (A FROM
        // subquery's own window: left out altogether, docs/DEPLOY.md.)
        bool null_key = false, usable = false;
        for (int g = 0; g < ngroups; g++) {
            GroupPlan *gp = &p->groups[g];
            bool gn = nl[gp->order_attno - 1];
            for (int k = 0; k < gp->nkeys; k++)
                gn |= nl[gp->key_attnos[k] - 1];
            gnull[g] = gn;
            null_key |= gn;
            usable |= !gn;
        }
        if (null_key) {
            nskipped++;
            if (ws || !usable)
                continue;
            nhist++;
        }
        int64 seq = nrows++;
        if (seq >= hist_cap) {
            int64 nc = hist_cap * 2;
            hist_only = static_cast<bool *>(repalloc_huge(hist_only, sizeof(bool) * nc));
            hist_cap = nc;
        }
        hist_only[seq] = null_key;
        if (ws)
            ws->src_of_seq[seq] = src_at;
        if (ngroups == 0) {  // no window: projection only
            ExecClearTuple(rslot);
            memset(rslot->tts_isnull, true, sizeof(bool) * rdesc->natts);
            rslot->tts_values[0] = Int64GetDatum(seq);
            rslot->tts_isnull[0] = false;
            rslot->tts_values[1] = Int32GetDatum(0);
            rslot->tts_isnull[1] = false;
            memcpy(rslot->tts_values + 2, v, sizeof(Datum) * natts);
            memcpy(rslot->tts_isnull + 2, nl, sizeof(bool) * natts);
            ExecStoreVirtualTuple(rslot);
            tuplesort_puttupleslot(rsort, rslot);
        }
        for (int g = 0; g < ngroups; g++) {
            if (gnull[g]) {  // not in this group: an empty result part keeps step 3 in step
                ExecClearTuple(rslot);
                memset(rslot->tts_isnull, true, sizeof(bool) * rdesc->natts);
                rslot->tts_values[0] = Int64GetDatum(seq);
                rslot->tts_isnull[0] = false;
                rslot->tts_values[1] = Int32GetDatum(g);
                rslot->tts_isnull[1] = false;
                ExecStoreVirtualTuple(rslot);
                tuplesort_puttupleslot(rsort, rslot);
                continue;
            }
            uint8 *key;
            uint32 klen = encode_key(gm[g], v, nl, &key);
            bytea *kb = static_cast<bytea *>(palloc(VARHDRSZ + klen));
            SET_VARSIZE(kb, VARHDRSZ + klen);
            memcpy(VARDATA(kb), key, klen);
            ExecClearTuple(sslot);
            sslot->tts_values[0] = Int64GetDatum(seq);
            sslot->tts_isnull[0] = false;
            sslot->tts_values[1] = Int64GetDatum(int64(core::Store::hash_key(key, klen)));
            sslot->tts_isnull[1] = false;
            sslot->tts_values[2] = PointerGetDatum(kb);
            sslot->tts_isnull[2] = false;
            memcpy(sslot->tts_values + kSortCols, v, sizeof(Datum) * natts);
            memcpy(sslot->tts_isnull + kSortCols, nl, sizeof(bool) * natts);
            ExecStoreVirtualTuple(sslot);
            tuplesort_puttupleslot(sorts[g], sslot);
        }
    }

    // ---- 2. per group: keys in turn, rows in source order
    // Sliding aggregates, and kernels compiled without them (once per plan).
    Slide *slides;
    int *slide_of = static_cast<int *>(palloc(sizeof(int) * Max(naggs, 1)));
    // (a FROM subquery's own window: the stored rows' window columns change
    // with the request, so no sliding and no compiled kernel)
    int nslides = plan_slides(p, &slides, slide_of);
    if (ws) {
        nslides = 0;
        for (int k = 0; k < naggs; k++)
            slide_of[k] = -1;
    }
    bool *slid = static_cast<bool *>(palloc(sizeof(bool) * Max(naggs, 1)));
    for (int k = 0; k < naggs; k++)
        slid[k] = slide_of[k] >= 0;
    JitPlan *jp = nullptr;
    if (ws)
        jp = nullptr;
    else if (g_jit && nslides == 0)
        jp = p->jit;
    else if (g_jit && p->jit) {
        if (!p->jit_batch_tried) {
            p->jit_batch = jit_variant(p, slid);
            p->jit_batch_tried = true;
        }
        jp = p->jit_batch;
    }
    bool *done = static_cast<bool *>(palloc(sizeof(bool) * Max(naggs, 1)));
    OutColumns oc{static_cast<bool *>(palloc0(sizeof(bool) * Max(natts, 1))), natts};
    ListCell *olc;
    foreach (olc, p->out_exprs)
        mark_out_columns(static_cast<Node *>(lfirst(olc)), &oc);
    join_mark_main_columns(p, oc.need);  // what the joins read of the row
    const bool *out_need = oc.need;

    bool *req_has = static_cast<bool *>(palloc(sizeof(bool) * Max(nslides, 1)));
    int64 *req_v = static_cast<int64 *>(palloc(sizeof(int64) * Max(nslides, 1)));
    TupleTableSlot *gslot = MakeSingleTupleTableSlot(sdesc, &TTSOpsMinimalTuple);
    for (int g = 0; g < ngroups; g++) {
        GroupPlan *gp = &p->groups[g];
        const IndexMeta *m = gm[g];
        JitGroup *jg = jp && jp->groups[g].fn && m->nstored == jp->groups[g].nstored &&
                               m->stored_fixed == jp->groups[g].stored_fixed
                           ? &jp->groups[g]
                           : nullptr;
        jit::KFrame *kframes = jg ? static_cast<jit::KFrame *>(palloc(sizeof(jit::KFrame) * Max(jg->nwin, 1))) : nullptr;
        // What the interpreter still computes for this group; it may also
        // have to take over a compiled avg(float8) (kNeedInterpreter).
        bool interp = false, may_defer = false;
        for (int k = 0; k < naggs; k++) {
            done[k] = slide_of[k] >= 0 || (jg && jp->agg_jitted[k]);
            bool in_g = p->windows[p->aggs[k].window].group == g;
            interp |= !done[k] && in_g;
            may_defer |= in_g && jg && jp->agg_jitted[k] && p->aggs[k].aggfnoid == F_AVG_FLOAT8;
        }
        tuplesort_performsort(sorts[g]);
        KeyBuf kb;
        kb.want_tags = ws != nullptr;
        kb.slides = static_cast<Slide *>(palloc(sizeof(Slide) * Max(nslides, 1)));
        kb.nslides = 0;
        for (int i = 0; i < nslides; i++)
            if (p->windows[p->aggs[slides[i].agg].window].group == g && !gp->uni)
                kb.slides[kb.nslides++] = slides[i];
        bytea *curkey = nullptr;
        bool have_key = false;
        while (tuplesort_gettupleslot(sorts[g], true, false, gslot, nullptr)) {
            CHECK_FOR_INTERRUPTS();
            slot_getallattrs(gslot);
            bytea *key = DatumGetByteaPP(gslot->tts_values[2]);
            int64 seq = DatumGetInt64(gslot->tts_values[0]);
            if (!have_key || VARSIZE_ANY_EXHDR(key) != VARSIZE_ANY_EXHDR(curkey) ||
                memcmp(VARDATA_ANY(key), VARDATA_ANY(curkey), VARSIZE_ANY_EXHDR(key)) != 0) {
                MemoryContextReset(keycxt);
                MemoryContextSwitchTo(keycxt);
                curkey = static_cast<bytea *>(PG_DETOAST_DATUM_COPY(PointerGetDatum(key)));
                keybuf_reset(&kb, natts, jg != nullptr, 64);
                have_key = true;
            }
            // The row's values, owned by the key's context.
            MemoryContextSwitchTo(keycxt);
            if (kb.front == 0)
                keybuf_grow(&kb, natts);
            int slot_at = kb.front - 1;  // scratch slot for the values before placement
            Datum *rv = kb.values + size_t(slot_at) * natts;
            bool *rn = kb.isnull + size_t(slot_at) * natts;
            // Older rows' values are read again only by the interpreter; when
            // it has nothing to do, by-reference values need not outlive this
            // row (kernels read the encoded payloads, sliding aggregates their
            // contributions).
            bool keep_values = interp || may_defer || gp->uni;  // (a union row may go to the interpreter)
            for (int a = 0; a < natts; a++) {
                Form_pg_attribute att = TupleDescAttr(sdesc, kSortCols + a);
                Datum d = gslot->tts_values[kSortCols + a];
                rn[a] = gslot->tts_isnull[kSortCols + a];
                rv[a] = rn[a] || att->attbyval || !keep_values ? d : datumCopy(d, false, att->attlen);
            }
            const uint8 *payload = nullptr;
            if (jg) {
                auto *buf = static_cast<uint8 *>(palloc(payload_size(m, rv, rn)));
                encode_payload(m, rv, rn, buf);
                payload = buf;
            }
            int64 base = order_from_datum(gp->order_kind, rv[gp->order_attno - 1]);
            // first buffered row not newer than this one
            int lo = kb.front, hi = kb.cap;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (kb.order[mid] > base)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            int first_older = lo;
            MemoryContextSwitchTo(p->call_cxt);
            if (kb.nslides > 0) {  // the row's contributions
                ExecClearTuple(p->row_slot);
                memcpy(p->row_slot->tts_values, rv, sizeof(Datum) * natts);
                memcpy(p->row_slot->tts_isnull, rn, sizeof(bool) * natts);
                ExecStoreVirtualTuple(p->row_slot);
                for (int i = 0; i < kb.nslides; i++)
                    req_has[i] = slide_contrib(p, &kb.slides[i], &req_v[i]);
            }
            if (ws && gp->comp_rows) {
                int vn = kb.cap - first_older;
                if (!gp->need_all && !gp->need_range && vn > gp->need_rows)
                    vn = int(gp->need_rows);
                ws_patch(ws, &kb, first_older, vn, ws->src_of_seq[seq], rv, rn);
            }
            bool hist = hist_only[seq];  // an earlier row only: no result
            if (!hist)
                batch_eval_row(p, g, m, jp, jg, done, slid, interp, kframes, &kb, first_older, rv, rn, base, payload,
                               req_has, req_v);
            // The group's results (and, for group 0, the row) into the result sort.
            ExecClearTuple(rslot);
            memset(rslot->tts_isnull, true, sizeof(bool) * rdesc->natts);
            rslot->tts_values[0] = Int64GetDatum(seq);
            rslot->tts_isnull[0] = false;
            rslot->tts_values[1] = Int32GetDatum(g);
            rslot->tts_isnull[1] = false;
            if (g == 0 && !hist)
                for (int a = 0; a < natts; a++)
                    if (out_need[a]) {
                        rslot->tts_values[2 + a] = rv[a];
                        rslot->tts_isnull[2 + a] = rn[a];
                    }
            for (int k = 0; k < naggs && !hist; k++)
                if (p->windows[p->aggs[k].window].group == g) {
                    rslot->tts_values[2 + natts + k] = p->params[k].value;
                    rslot->tts_isnull[2 + natts + k] = p->params[k].isnull;
                }
            ExecStoreVirtualTuple(rslot);
            tuplesort_puttupleslot(rsort, rslot);
            MemoryContextReset(p->call_cxt);
            // Insert: the newer rows move one slot towards the start (the
            // scratch slot is front - 1, so save the row first).
            MemoryContextSwitchTo(keycxt);
            int nnewer = first_older - kb.front;
            if (nnewer > 0) {
                Datum *tv = static_cast<Datum *>(palloc(sizeof(Datum) * natts));
                bool *tn = static_cast<bool *>(palloc(sizeof(bool) * natts));
                memcpy(tv, rv, sizeof(Datum) * natts);
                memcpy(tn, rn, sizeof(bool) * natts);
                int f = kb.front;
                memmove(kb.order + f - 1, kb.order + f, sizeof(int64) * nnewer);
                memmove(kb.orderd + f - 1, kb.orderd + f, sizeof(Datum) * nnewer);
                memmove(kb.values + size_t(f - 1) * natts, kb.values + size_t(f) * natts, sizeof(Datum) * natts * nnewer);
                memmove(kb.isnull + size_t(f - 1) * natts, kb.isnull + size_t(f) * natts, sizeof(bool) * natts * nnewer);
                if (jg)
                    memmove(kb.payloads + f - 1, kb.payloads + f, sizeof(uint8 *) * nnewer);
                if (kb.tags)
                    memmove(kb.tags + f - 1, kb.tags + f, sizeof(int64) * nnewer);
                memcpy(kb.values + size_t(first_older - 1) * natts, tv, sizeof(Datum) * natts);
                memcpy(kb.isnull + size_t(first_older - 1) * natts, tn, sizeof(bool) * natts);
                pfree(tv), pfree(tn);
            }
            kb.front--;
            int at = first_older - 1;
            for (int i = 0; i < kb.nslides; i++)
                slide_insert(&kb.slides[i], kb.front, at, req_has[i], req_v[i]);
            kb.order[at] = base;
            kb.orderd[at] = kb.values[size_t(at) * natts + gp->order_attno - 1];
            if (jg)
                kb.payloads[at] = payload;
            if (kb.tags)
                kb.tags[at] = ws->src_of_seq[seq];
            MemoryContextSwitchTo(work);
        }
        tuplesort_end(sorts[g]);
        MemoryContextReset(keycxt);
    }
    table_close(heap, NoLock);

    // ---- 3. rows in source order: the output projection
    tuplesort_performsort(rsort);
    int nparts = Max(ngroups, 1);
    TupleTableSlot **parts = static_cast<TupleTableSlot **>(palloc(sizeof(TupleTableSlot *) * nparts));
    for (int g = 0; g < nparts; g++)
        parts[g] = MakeSingleTupleTableSlot(rdesc, &TTSOpsMinimalTuple);
    Datum *ov = static_cast<Datum *>(palloc(sizeof(Datum) * Max(p->nout, 1)));
    bool *on = static_cast<bool *>(palloc(sizeof(bool) * Max(p->nout, 1)));
    for (int64 r = 0; r < nrows; r++) {
        CHECK_FOR_INTERRUPTS();
        for (int g = 0; g < nparts; g++) {
            // one part is used before the next get: no copy needed
            if (!tuplesort_gettupleslot(rsort, true, nparts > 1, parts[g], nullptr))
                elog(ERROR, "feature_ext: batch result sort ended early");
            slot_getallattrs(parts[g]);
            if (DatumGetInt64(parts[g]->tts_values[0]) != r || DatumGetInt32(parts[g]->tts_values[1]) != g)
                elog(ERROR, "feature_ext: batch result sort out of step");
        }
        if (hist_only[r])
            continue;
        for (int k = 0; k < naggs; k++) {
            TupleTableSlot *s = parts[p->windows[p->aggs[k].window].group];
            p->params[k].value = s->tts_values[2 + natts + k];
            p->params[k].isnull = s->tts_isnull[2 + natts + k];
        }
        const Datum *rv = parts[0]->tts_values + 2;
        const bool *rn = parts[0]->tts_isnull + 2;
        MemoryContextSwitchTo(p->call_cxt);
        ExecClearTuple(p->req_slot);
        memcpy(p->req_slot->tts_values, rv, sizeof(Datum) * natts);
        memcpy(p->req_slot->tts_isnull, rn, sizeof(bool) * natts);
        ExecStoreVirtualTuple(p->req_slot);
        project_row(p, rv, rn, ov, on);
        MemoryContextSwitchTo(work);
        tuplestore_putvalues(ts, out, ov, on);
        MemoryContextReset(p->call_cxt);
    }
    tuplesort_end(rsort);
    MemoryContextSwitchTo(old);
    MemoryContextDelete(work);
    if (ws)
        MemoryContextDelete(ws->cxt);
    if (nskipped > 0 && !quiet)
        ereport(NOTICE, (errmsg("batch skipped %lld source rows with a NULL key or order value", (long long) nskipped),
                         nhist == 0 ? errdetail("Such rows are neither requests nor rows a request reads.")
                                    : errdetail("Such rows are not requests; %lld of them are earlier rows of the requests in "
                                                "the index groups whose key and order value they have.",
                                                (long long) nhist)));
}

// ---- training sets (SPEC §5.1)
//
// Label rows are requests; by default (as_of) against the deployment's
// table: every stored row of the label's key with an order value up to the
// label's, whatever the order the rows were inserted in, the label row last
// among its peers (the PostgreSQL window executor's answer for a request row
// with that time).  A stored row equal to the label row in every column is
// that row itself (a training set built from the table, or from the table
// joined with its labels): it is left out of the stored rows for that label,
// so the row counts once, as the request.  One tuplesort per index group by
// (key, order, stored before labels, position); reading it, stored rows are
// appended to the key's buffer and each label is evaluated against the
// buffer as it stands.  The other mode (!as_of) is batch()'s insertion-order
// replay of the source itself.  A label row whose order value is NULL (or, in
// the replay, key) gets NULL features; NULL keys are a partition of their
// own in as_of (as PostgreSQL's PARTITION BY makes them).
namespace {

constexpr int kTrainCols = 5;  // position, key hash, key, order, kind
enum TrainKind : int32 { kTrainStored = 0, kTrainLabel = 1, kTrainReplay = 2 };

TupleDesc train_sort_desc(DeployPlan *p)
{
    TupleDesc d = CreateTemplateTupleDesc(p->natts + kTrainCols);
    TupleDescInitEntry(d, 1, nullptr, INT8OID, -1, 0);
    TupleDescInitEntry(d, 2, nullptr, INT8OID, -1, 0);
    TupleDescInitEntry(d, 3, nullptr, BYTEAOID, -1, 0);
    TupleDescInitEntry(d, 4, nullptr, INT8OID, -1, 0);
    TupleDescInitEntry(d, 5, nullptr, INT4OID, -1, 0);
    for (int a = 0; a < p->natts; a++) {
        Form_pg_attribute att = TupleDescAttr(p->heap_desc, a);
        TupleDescInitEntry(d, AttrNumber(kTrainCols + a + 1), nullptr, att->attisdropped ? INT4OID : att->atttypid,
                           att->atttypmod, 0);
    }
    return d;
}

// Every column equal (NULL equals NULL), by binary image: the same stored row.
// (The table's columns: a FROM subquery's computed ones follow from them.)
bool same_row(DeployPlan *p, const Datum *a, const bool *an, const Datum *b, const bool *bn)
{
    for (int i = 0; i < p->nreal; i++) {
        Form_pg_attribute att = TupleDescAttr(p->heap_desc, i);
        if (att->attisdropped)
            continue;
        if (an[i] != bn[i])
            return false;
        if (!an[i] && !datum_image_eq(a[i], b[i], att->attbyval, att->attlen))
            return false;
    }
    return true;
}

void move_elem(void *base, size_t esz, int from, int to)
{
    char *b = static_cast<char *>(base);
    char *tmp = static_cast<char *>(palloc(esz));
    memcpy(tmp, b + size_t(from) * esz, esz);
    if (from > to)
        memmove(b + size_t(to + 1) * esz, b + size_t(to) * esz, size_t(from - to) * esz);
    else
        memmove(b + size_t(from) * esz, b + size_t(from + 1) * esz, size_t(to - from) * esz);
    memcpy(b + size_t(to) * esz, tmp, esz);
    pfree(tmp);
}

// Move buffered row `from` to slot `to`, the rows between shifting by one.
void keybuf_move(KeyBuf *kb, int natts, int from, int to)
{
    if (from == to)
        return;
    move_elem(kb->order, sizeof(int64), from, to);
    move_elem(kb->orderd, sizeof(Datum), from, to);
    move_elem(kb->values, sizeof(Datum) * natts, from, to);
    move_elem(kb->isnull, sizeof(bool) * natts, from, to);
    if (kb->payloads)
        move_elem(kb->payloads, sizeof(uint8 *), from, to);
    if (kb->tags)
        move_elem(kb->tags, sizeof(int64), from, to);
}

// Insert the row in the scratch slot (front - 1) before buffered row
// first_older (the rows newer than it move one slot towards the start).
void keybuf_insert(KeyBuf *kb, int natts, int first_older, AttrNumber order_attno, int64 base, const uint8 *payload,
                   int64 tag = -1)
{
    int f = kb->front;
    int nnewer = first_older - f;
    if (nnewer > 0) {
        // the scratch slot's row goes to first_older - 1
        keybuf_move(kb, natts, f - 1, first_older - 1);
    }
    kb->front--;
    int at = first_older - 1;
    kb->order[at] = base;
    kb->orderd[at] = kb->values[size_t(at) * natts + order_attno - 1];
    if (kb->payloads)
        kb->payloads[at] = payload;
    if (kb->tags)
        kb->tags[at] = tag;
}

void progress_notice(const char *phase, int64 done, int64 total, instr_time t0)
{
    instr_time t;
    INSTR_TIME_SET_CURRENT(t);
    INSTR_TIME_SUBTRACT(t, t0);
    if (total > 0)
        ereport(NOTICE, (errmsg("training_set: %s %lld of %lld rows (%d%%)", phase, (long long) done,
                                (long long) total, int(done * 100 / total)),
                         errdetail("%.1f s since the start.", INSTR_TIME_GET_DOUBLE(t))));
    else
        ereport(NOTICE, (errmsg("training_set: %s %lld rows", phase, (long long) done),
                         errdetail("%.1f s since the start.", INSTR_TIME_GET_DOUBLE(t))));
}

}  // namespace

void run_training(DeployPlan *p, const TrainingArgs *ta, Tuplestorestate *ts, TupleDesc out, bool quiet)
{
    check_offline(p, "training_set()");
    int natts = p->natts, naggs = p->naggs, ngroups = p->ngroups;
    int nsrc = ta->src_desc->natts;
    bool as_of = ta->as_of;
    int64 prog = ta->progress;
    instr_time t0;
    INSTR_TIME_SET_CURRENT(t0);
    Relation heap = table_open(p->heapoid, AccessShareLock);
    // A FROM subquery with its own window: the label rows (and, as_of, the
    // table's) in memory, their window columns first (see WinSubOff).
    WinSubOff *ws = nullptr, *wh = nullptr;
    Tuplestorestate *wsrc = nullptr;
    TupleTableSlot *wsrc_slot = nullptr;
    int64 wl_at = 0, wh_at = 0;
    if (p->win_sub) {
        auto mk = [&]() {
            auto *w = static_cast<WinSubOff *>(palloc0(sizeof(WinSubOff)));
            w->p = p;
            w->sub = p->win_sub;
            w->cxt = AllocSetContextCreate(CurrentMemoryContext, "feature_ext training rows", ALLOCSET_DEFAULT_SIZES);
            return w;
        };
        ws = mk();
        MemoryContext rc = AllocSetContextCreate(CurrentMemoryContext, "feature_ext training source row",
                                                 ALLOCSET_SMALL_SIZES);
        Datum *xv = static_cast<Datum *>(palloc(sizeof(Datum) * (natts + nsrc + 1)));
        bool *xn = static_cast<bool *>(palloc(sizeof(bool) * (natts + nsrc + 1)));
        wsrc = tuplestore_begin_heap(false, false, work_mem);
        wsrc_slot = MakeSingleTupleTableSlot(ta->src_desc, &TTSOpsMinimalTuple);
        for (int64 nread = 0;; nread++) {
            CHECK_FOR_INTERRUPTS();
            MemoryContextReset(rc);
            MemoryContext o = MemoryContextSwitchTo(rc);
            for (int a = 0; a < natts + nsrc; a++)
                xv[a] = Datum(0), xn[a] = true;
            bool more = ta->labels(ta->larg, xv, xn, xv + natts, xn + natts);
            if (more)
                tuplestore_putvalues(wsrc, ta->src_desc, xv + natts, xn + natts);
            MemoryContextSwitchTo(o);
            if (!more)
                break;
            ws_add(ws, xv, xn);
            if (prog > 0 && (nread + 1) % prog == 0)
                progress_notice("read source:", nread + 1, 0, t0);
        }
        if (as_of) {
            wh = mk();
            for (;;) {
                CHECK_FOR_INTERRUPTS();
                MemoryContextReset(rc);
                MemoryContext o = MemoryContextSwitchTo(rc);
                for (int a = 0; a < natts; a++)
                    xv[a] = Datum(0), xn[a] = true;
                bool more = ta->history(ta->harg, xv, xn);
                MemoryContextSwitchTo(o);
                if (!more)
                    break;
                ws_add(wh, xv, xn);
            }
            ws_prepare_as_of(wh, ws, heap);
        } else
            ws_prepare(ws, heap);
        MemoryContextDelete(rc);
    }
    IndexMeta **metas;
    int nmetas = heap_skiplist_indexes(heap, &metas);
    const IndexMeta **gm = static_cast<const IndexMeta **>(palloc(sizeof(IndexMeta *) * Max(ngroups, 1)));
    for (int g = 0; g < ngroups; g++) {
        gm[g] = nullptr;
        for (int i = 0; i < nmetas; i++)
            if (metas[i]->indexoid == p->groups[g].indexoid)
                gm[g] = metas[i];
        if (!gm[g])
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("an index of deployment %s is gone", p->name),
                            errhint("Redeploy it.")));
    }
    MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "feature_ext training", ALLOCSET_DEFAULT_SIZES);
    MemoryContext rowcxt = AllocSetContextCreate(work, "feature_ext training row", ALLOCSET_SMALL_SIZES);
    MemoryContext keycxt = AllocSetContextCreate(work, "feature_ext training key", ALLOCSET_DEFAULT_SIZES);
    MemoryContext labcxt = AllocSetContextCreate(work, "feature_ext training label", ALLOCSET_SMALL_SIZES);
    MemoryContext old = MemoryContextSwitchTo(work);

    // The label rows in source order: answerable?, the table's columns, the source's.
    TupleDesc ldesc = CreateTemplateTupleDesc(1 + natts + nsrc);
    TupleDescInitEntry(ldesc, 1, nullptr, BOOLOID, -1, 0);
    for (int a = 0; a < natts; a++) {
        Form_pg_attribute att = TupleDescAttr(p->heap_desc, a);
        TupleDescInitEntry(ldesc, AttrNumber(2 + a), nullptr, att->attisdropped ? INT4OID : att->atttypid,
                           att->atttypmod, 0);
    }
    for (int a = 0; a < nsrc; a++) {
        Form_pg_attribute att = TupleDescAttr(ta->src_desc, a);
        TupleDescInitEntry(ldesc, AttrNumber(2 + natts + a), nullptr, att->attisdropped ? INT4OID : att->atttypid,
                           att->atttypmod, 0);
    }
    Tuplestorestate *lstore = tuplestore_begin_heap(false, false, work_mem);
    TupleDesc sdesc = train_sort_desc(p);
    TupleDesc rdesc = CreateTemplateTupleDesc(2 + naggs);
    TupleDescInitEntry(rdesc, 1, nullptr, INT8OID, -1, 0);
    TupleDescInitEntry(rdesc, 2, nullptr, INT4OID, -1, 0);
    for (int k = 0; k < naggs; k++)
        TupleDescInitEntry(rdesc, AttrNumber(3 + k), nullptr, p->aggs[k].result_type, -1, 0);
    TupleTableSlot *sslot = MakeSingleTupleTableSlot(sdesc, &TTSOpsVirtual);
    TupleTableSlot *rslot = MakeSingleTupleTableSlot(rdesc, &TTSOpsVirtual);
    AttrNumber skeys[5] = {2, 3, 4, 5, 1};
    Oid sops[5] = {Int8LessOperator, ByteaLessOperator, Int8LessOperator, Int4LessOperator, Int8LessOperator};
    Oid scoll[5] = {InvalidOid, InvalidOid, InvalidOid, InvalidOid, InvalidOid};
    bool snf[5] = {false, false, false, false, false};
    AttrNumber rkeys[2] = {1, 2};
    Oid rops[2] = {Int8LessOperator, Int4LessOperator};
    Tuplesortstate **sorts = static_cast<Tuplesortstate **>(palloc(sizeof(Tuplesortstate *) * Max(ngroups, 1)));
    int64 *nsorted = static_cast<int64 *>(palloc0(sizeof(int64) * Max(ngroups, 1)));
    for (int g = 0; g < ngroups; g++)
        sorts[g] = tuplesort_begin_heap(sdesc, 5, skeys, sops, scoll, snf, work_mem, nullptr, TUPLESORT_NONE);
    Tuplesortstate *rsort = tuplesort_begin_heap(rdesc, 2, rkeys, rops, scoll, snf, work_mem, nullptr, TUPLESORT_NONE);

    auto put_sorted = [&](int g, int64 seq, int32 kind, const Datum *v, const bool *nl) {
        GroupPlan *gp = &p->groups[g];
        uint8 *key;
        uint32 klen = encode_key(gm[g], v, nl, &key);
        bytea *kb = static_cast<bytea *>(palloc(VARHDRSZ + klen));
        SET_VARSIZE(kb, VARHDRSZ + klen);
        memcpy(VARDATA(kb), key, klen);
        ExecClearTuple(sslot);
        sslot->tts_values[0] = Int64GetDatum(seq);
        sslot->tts_values[1] = Int64GetDatum(int64(core::Store::hash_key(key, klen)));
        sslot->tts_values[2] = PointerGetDatum(kb);
        sslot->tts_values[3] = Int64GetDatum(as_of ? order_from_datum(gp->order_kind, v[gp->order_attno - 1]) : 0);
        sslot->tts_values[4] = Int32GetDatum(kind);
        for (int i = 0; i < kTrainCols; i++)
            sslot->tts_isnull[i] = false;
        memcpy(sslot->tts_values + kTrainCols, v, sizeof(Datum) * natts);
        memcpy(sslot->tts_isnull + kTrainCols, nl, sizeof(bool) * natts);
        ExecStoreVirtualTuple(sslot);
        tuplesort_puttupleslot(sorts[g], sslot);
        nsorted[g]++;
    };

    // ---- 1. the label rows, then (as_of) the table's rows
    Datum *lv = static_cast<Datum *>(palloc(sizeof(Datum) * (1 + natts + nsrc)));
    bool *ln = static_cast<bool *>(palloc(sizeof(bool) * (1 + natts + nsrc)));
    Datum *v = lv + 1, *sv = lv + 1 + natts;
    bool *nl = ln + 1, *sn = ln + 1 + natts;
    int64 nlabels = 0, nnull = 0, nstored = 0;
    bool *gnull = static_cast<bool *>(palloc(sizeof(bool) * Max(ngroups, 1)));
    int64 hist_cap = 1024;  // per replayed row: an earlier row only (a NULL key or order value in a group)
    bool *hist_only = static_cast<bool *>(MemoryContextAllocHuge(work, sizeof(bool) * hist_cap));
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        MemoryContextReset(rowcxt);
        MemoryContextSwitchTo(rowcxt);
        for (int a = 0; a < natts + nsrc; a++) {
            v[a] = Datum(0);
            nl[a] = true;
        }
        bool more;
        if (ws) {  // the held labels, their window columns filled
            more = wl_at < ws->n;
            if (more) {
                memcpy(v, ws->vals[wl_at], sizeof(Datum) * natts);
                memcpy(nl, ws->nulls[wl_at], sizeof(bool) * natts);
                if (!tuplestore_gettupleslot(wsrc, true, false, wsrc_slot))
                    elog(ERROR, "feature_ext: training source store ended early");
                slot_getallattrs(wsrc_slot);
                memcpy(sv, wsrc_slot->tts_values, sizeof(Datum) * nsrc);
                memcpy(sn, wsrc_slot->tts_isnull, sizeof(bool) * nsrc);
                wl_at++;
            }
        } else
            more = ta->labels(ta->larg, v, nl, sv, sn);
        if (more && p->ncomp > 0)  // FROM (SELECT expr AS c FROM t): as for a request
            compute_request_columns(p, v, nl, ws != nullptr);
        MemoryContextSwitchTo(work);
        if (!more)
            break;
        int64 seq = nlabels++;
        bool ok = true;
        for (int g = 0; g < ngroups; g++) {
            GroupPlan *gp = &p->groups[g];
            bool gn = nl[gp->order_attno - 1];
            for (int k = 0; !as_of && k < gp->nkeys; k++)
                gn |= nl[gp->key_attnos[k] - 1];
            gnull[g] = gn;
            ok &= !gn;
        }
        if (seq >= hist_cap) {
            int64 nc = hist_cap * 2;
            hist_only = static_cast<bool *>(repalloc_huge(hist_only, sizeof(bool) * nc));
            hist_cap = nc;
        }
        hist_only[seq] = false;
        lv[0] = BoolGetDatum(ok);
        ln[0] = false;
        MemoryContextSwitchTo(rowcxt);
        tuplestore_putvalues(lstore, ldesc, lv, ln);
        if (ok)
            for (int g = 0; g < ngroups; g++)
                put_sorted(g, seq, as_of ? kTrainLabel : kTrainReplay, v, nl);
        else {
            nnull++;
            // The replay: a row without a key or order value in a group is
            // no request, but an earlier row in the groups whose key and
            // order value it has (as in batch()).  (Not with a FROM
            // subquery's own window: left out, docs/DEPLOY.md.)
            if (!as_of && !ws)
                for (int g = 0; g < ngroups; g++)
                    if (!gnull[g]) {
                        hist_only[seq] = true;
                        put_sorted(g, seq, kTrainReplay, v, nl);
                    }
        }
        MemoryContextSwitchTo(work);
        if (prog > 0 && nlabels % prog == 0)
            progress_notice("read source:", nlabels, 0, t0);
    }
    if (as_of) {
        for (;;) {
            CHECK_FOR_INTERRUPTS();
            MemoryContextReset(rowcxt);
            MemoryContextSwitchTo(rowcxt);
            for (int a = 0; a < natts; a++) {
                v[a] = Datum(0);
                nl[a] = true;
            }
            bool more;
            if (wh) {
                more = wh_at < wh->n;
                if (more) {
                    memcpy(v, wh->vals[wh_at], sizeof(Datum) * natts);
                    memcpy(nl, wh->nulls[wh_at], sizeof(bool) * natts);
                    wh_at++;
                }
            } else
                more = ta->history(ta->harg, v, nl);
            if (!more) {
                MemoryContextSwitchTo(work);
                break;
            }
            // The FROM subquery's columns a window reads of stored rows
            // (DeployPlan::comp_rows), computed for every row of the table
            // here (as PostgreSQL's executor does), where a request computes
            // only the rows it reads.
            bool in_window = false;
            for (int g = 0; g < ngroups; g++)
                in_window |= !nl[p->groups[g].order_attno - 1];
            if (in_window)
                compute_stored_columns(p, 1, v, nl, nullptr, nullptr, wh != nullptr);
            int64 seq = nstored++;
            // Stored rows without an order value are in no request's window
            // (the index leaves them out; PostgreSQL sorts them last).
            for (int g = 0; g < ngroups; g++)
                if (!nl[p->groups[g].order_attno - 1])
                    put_sorted(g, seq, kTrainStored, v, nl);
            MemoryContextSwitchTo(work);
            if (prog > 0 && nstored % prog == 0)
                progress_notice("read table:", nstored, 0, t0);
        }
    }

    // ---- 2. per group: keys in turn, rows by order (as_of) or source position
    // (a FROM subquery's own window: stored rows' window columns change with
    // the label, so the interpreter)
    JitPlan *jp = g_jit && !ws ? p->jit : nullptr;
    bool *done = static_cast<bool *>(palloc(sizeof(bool) * Max(naggs, 1)));
    bool *slid = static_cast<bool *>(palloc0(sizeof(bool) * Max(naggs, 1)));
    int64 total = 0, progressed = 0;
    for (int g = 0; g < ngroups; g++)
        total += nsorted[g];
    TupleTableSlot *gslot = MakeSingleTupleTableSlot(sdesc, &TTSOpsMinimalTuple);
    for (int g = 0; g < ngroups; g++) {
        GroupPlan *gp = &p->groups[g];
        const IndexMeta *m = gm[g];
        JitGroup *jg = jp && jp->groups[g].fn && m->nstored == jp->groups[g].nstored &&
                               m->stored_fixed == jp->groups[g].stored_fixed
                           ? &jp->groups[g]
                           : nullptr;
        jit::KFrame *kframes = jg ? static_cast<jit::KFrame *>(palloc(sizeof(jit::KFrame) * Max(jg->nwin, 1))) : nullptr;
        bool interp = false;
        for (int k = 0; k < naggs; k++) {
            done[k] = jg && jp->agg_jitted[k];
            interp |= !done[k] && p->windows[p->aggs[k].window].group == g;
        }
        tuplesort_performsort(sorts[g]);
        KeyBuf kb;
        kb.want_tags = ws != nullptr;
        kb.slides = nullptr;
        kb.nslides = 0;
        bytea *curkey = nullptr;
        bool have_key = false;
        while (tuplesort_gettupleslot(sorts[g], true, false, gslot, nullptr)) {
            CHECK_FOR_INTERRUPTS();
            slot_getallattrs(gslot);
            bytea *key = DatumGetByteaPP(gslot->tts_values[2]);
            int64 seq = DatumGetInt64(gslot->tts_values[0]);
            int32 kind = DatumGetInt32(gslot->tts_values[4]);
            if (!have_key || VARSIZE_ANY_EXHDR(key) != VARSIZE_ANY_EXHDR(curkey) ||
                memcmp(VARDATA_ANY(key), VARDATA_ANY(curkey), VARSIZE_ANY_EXHDR(key)) != 0) {
                MemoryContextReset(keycxt);
                MemoryContextSwitchTo(keycxt);
                curkey = static_cast<bytea *>(PG_DETOAST_DATUM_COPY(PointerGetDatum(key)));
                keybuf_reset(&kb, natts, jg != nullptr, 64);
                have_key = true;
            }
            MemoryContextSwitchTo(keycxt);
            if (kb.front == 0)
                keybuf_grow(&kb, natts);
            int slot_at = kb.front - 1;  // scratch slot
            Datum *rv = kb.values + size_t(slot_at) * natts;
            bool *rn = kb.isnull + size_t(slot_at) * natts;
            // Rows that stay in the buffer are copied into the key's context
            // (compared with labels, read by the interpreter); an as_of
            // label's values only live until its evaluation.
            MemoryContextReset(labcxt);
            MemoryContextSwitchTo(kind == kTrainLabel ? labcxt : keycxt);
            for (int a = 0; a < natts; a++) {
                Form_pg_attribute att = TupleDescAttr(sdesc, kTrainCols + a);
                Datum d = gslot->tts_values[kTrainCols + a];
                rn[a] = gslot->tts_isnull[kTrainCols + a];
                rv[a] = rn[a] || att->attbyval ? d : datumCopy(d, false, att->attlen);
            }
            const uint8 *payload = nullptr;
            if (jg) {
                auto *buf = static_cast<uint8 *>(palloc(payload_size(m, rv, rn)));
                encode_payload(m, rv, rn, buf);
                payload = buf;
            }
            MemoryContextSwitchTo(keycxt);
            int64 base = order_from_datum(gp->order_kind, rv[gp->order_attno - 1]);
            int lo = kb.front, hi = kb.cap;  // first buffered row not newer than this one
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (kb.order[mid] > base)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            int first_older = lo;
            if (kind == kTrainStored || (kind == kTrainReplay && hist_only[seq])) {
                keybuf_insert(&kb, natts, first_older, gp->order_attno, base, payload, seq);
            } else {
                // as_of: the label's stored copy (if any) stands aside, at the front
                int self = -1;
                if (kind == kTrainLabel)
                    for (int i = kb.front; i < kb.cap && kb.order[i] == base; i++)
                        if (same_row(p, kb.values + size_t(i) * natts, kb.isnull + size_t(i) * natts, rv, rn)) {
                            self = i;
                            break;
                        }
                if (self >= 0) {
                    keybuf_move(&kb, natts, self, kb.front);
                    first_older = kb.front + 1;
                }
                MemoryContextSwitchTo(p->call_cxt);
                if (ws && gp->comp_rows) {
                    int vn = kb.cap - first_older;
                    if (!gp->need_all && !gp->need_range && vn > gp->need_rows)
                        vn = int(gp->need_rows);
                    if (as_of)
                        ws_patch_as_of(wh, &kb, first_older, vn, self >= 0 ? kb.tags[kb.front] : -1, rv, rn);
                    else
                        ws_patch(ws, &kb, first_older, vn, seq, rv, rn);
                }
                batch_eval_row(p, g, m, jp, jg, done, slid, interp, kframes, &kb, first_older, rv, rn, base,
                               payload, nullptr, nullptr);
                ExecClearTuple(rslot);
                memset(rslot->tts_isnull, true, sizeof(bool) * rdesc->natts);
                rslot->tts_values[0] = Int64GetDatum(seq);
                rslot->tts_isnull[0] = false;
                rslot->tts_values[1] = Int32GetDatum(g);
                rslot->tts_isnull[1] = false;
                for (int k = 0; k < naggs; k++)
                    if (p->windows[p->aggs[k].window].group == g) {
                        rslot->tts_values[2 + k] = p->params[k].value;
                        rslot->tts_isnull[2 + k] = p->params[k].isnull;
                    }
                ExecStoreVirtualTuple(rslot);
                tuplesort_puttupleslot(rsort, rslot);
                MemoryContextReset(p->call_cxt);
                MemoryContextSwitchTo(keycxt);
                if (self >= 0)
                    keybuf_move(&kb, natts, kb.front, self);
                if (kind == kTrainReplay)
                    keybuf_insert(&kb, natts, first_older, gp->order_attno, base, payload, seq);
            }
            MemoryContextSwitchTo(work);
            if (prog > 0 && ++progressed % prog == 0)
                progress_notice("computed", progressed, total, t0);
        }
        tuplesort_end(sorts[g]);
        MemoryContextReset(keycxt);
    }
    table_close(heap, NoLock);

    // ---- 3. label rows in source order: their columns, then the output projection
    tuplesort_performsort(rsort);
    int nparts = Max(ngroups, 1);
    TupleTableSlot **parts = static_cast<TupleTableSlot **>(palloc(sizeof(TupleTableSlot *) * nparts));
    for (int g = 0; g < nparts; g++)
        parts[g] = MakeSingleTupleTableSlot(rdesc, &TTSOpsMinimalTuple);
    TupleTableSlot *lslot = MakeSingleTupleTableSlot(ldesc, &TTSOpsMinimalTuple);
    int nout = p->nout;
    Datum *ov = static_cast<Datum *>(palloc(sizeof(Datum) * (nsrc + nout + 1)));
    bool *on = static_cast<bool *>(palloc(sizeof(bool) * (nsrc + nout + 1)));
    Datum *pv = static_cast<Datum *>(palloc(sizeof(Datum) * (out->natts + 1)));
    bool *pn = static_cast<bool *>(palloc(sizeof(bool) * (out->natts + 1)));
    for (int64 r = 0; r < nlabels; r++) {
        CHECK_FOR_INTERRUPTS();
        if (!tuplestore_gettupleslot(lstore, true, false, lslot))
            elog(ERROR, "feature_ext: training label store ended early");
        slot_getallattrs(lslot);
        bool ok = DatumGetBool(lslot->tts_values[0]);
        memcpy(ov, lslot->tts_values + 1 + natts, sizeof(Datum) * nsrc);
        memcpy(on, lslot->tts_isnull + 1 + natts, sizeof(bool) * nsrc);
        if (ok && ngroups > 0) {
            for (int g = 0; g < nparts; g++) {
                // (copies in `work` when several parts are held at once)
                if (!tuplesort_gettupleslot(rsort, true, nparts > 1, parts[g], nullptr))
                    elog(ERROR, "feature_ext: training result sort ended early");
                slot_getallattrs(parts[g]);
                if (DatumGetInt64(parts[g]->tts_values[0]) != r || DatumGetInt32(parts[g]->tts_values[1]) != g)
                    elog(ERROR, "feature_ext: training result sort out of step");
            }
            for (int k = 0; k < naggs; k++) {
                TupleTableSlot *s = parts[p->windows[p->aggs[k].window].group];
                p->params[k].value = s->tts_values[2 + k];
                p->params[k].isnull = s->tts_isnull[2 + k];
            }
        }
        MemoryContextSwitchTo(p->call_cxt);
        if (ok) {
            const Datum *rv = lslot->tts_values + 1;
            const bool *rn = lslot->tts_isnull + 1;
            ExecClearTuple(p->req_slot);
            memcpy(p->req_slot->tts_values, rv, sizeof(Datum) * natts);
            memcpy(p->req_slot->tts_isnull, rn, sizeof(bool) * natts);
            ExecStoreVirtualTuple(p->req_slot);
            project_row(p, rv, rn, ov + nsrc, on + nsrc);
        } else {
            for (int i = 0; i < nout; i++) {
                ov[nsrc + i] = Datum(0);
                on[nsrc + i] = true;
            }
        }
        MemoryContextSwitchTo(work);
        if (ta->out_map) {
            for (int i = 0; i < out->natts; i++) {
                int m = ta->out_map[i];
                pv[i] = m >= 0 ? ov[m] : Datum(0);
                pn[i] = m < 0 || on[m];
            }
            tuplestore_putvalues(ts, out, pv, pn);
        } else
            tuplestore_putvalues(ts, out, ov, on);
        MemoryContextReset(p->call_cxt);
        if (prog > 0 && (r + 1) % prog == 0)
            progress_notice("returned", r + 1, nlabels, t0);
    }
    tuplesort_end(rsort);
    tuplestore_end(lstore);
    MemoryContextSwitchTo(old);
    MemoryContextDelete(work);
    if (wsrc)
        tuplestore_end(wsrc);
    if (ws)
        MemoryContextDelete(ws->cxt);
    if (wh)
        MemoryContextDelete(wh->cxt);
    if (nnull > 0 && !quiet)
        ereport(NOTICE, (errmsg("training_set: %lld source rows have no features (NULL %s)", (long long) nnull,
                                as_of ? "order value" : "key or order value"),
                         errdetail("Such a row is returned with NULL feature columns.")));
}

}  // namespace fe
