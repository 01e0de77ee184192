// feature_ext: running a deployed plan for one request row (interpreter).
//
// For each index group: read the key's rows newest first from the skiplist
// store, once, as far back as the widest window needs, copying the needed
// column values out of shared memory.  Then, per window, compute the frame
// as positions in ascending order (stored rows oldest..newest, then the
// request row, which is the last row and the current row), apply the
// exclusion, and feed the rows in ascending order to PostgreSQL's transition
// functions (so float sums add up in the same order as PostgreSQL's own
// window executor).  Finally evaluate the output expressions with the
// aggregate results as PARAM_EXEC values and the request as the scan row.
#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/deploy/internal_pg.hpp"
#include "feature_ext/deploy/join_pg.hpp"
#include "feature_ext/deploy/union_pg.hpp"
#include "feature_ext/jit/spec.hpp"
#include "feature_ext/base/module_pg.hpp"
#include "feature_ext/base/guard_pg.hpp"
#include "feature_ext/agg/common.hpp"

#include <algorithm>
#include <cmath>

extern "C" {
#include "executor/executor.h"
#include "fmgr.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/datum.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "utils/tuplesort.h"
#include "catalog/pg_operator_d.h"
#include "miscadmin.h"
#include "access/table.h"
#include "utils/timestamp.h"
#include "catalog/pg_type.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
}

namespace fe {


inline int64 int_of(Oid t, Datum d)
{
    return t == INT2OID ? DatumGetInt16(d) : t == INT4OID ? DatumGetInt32(d) : DatumGetInt64(d);
}

// base -/+ off for one bound, as PostgreSQL's in_range functions compute it.
bool fast_bound(const GroupPlan *g, const WindowPlan *w, Datum based, int64 base, Datum off, bool sub, int64 *out)
{
    Oid ot = w->offset_type;
    switch (g->order_kind) {
    case kOrderInt2: case kOrderInt4: case kOrderInt8: {
        if (ot != INT2OID && ot != INT4OID && ot != INT8OID)
            return false;
        int64 o = int_of(ot, off);
        int64 r;
        // in_range_intN_intM: on overflow every value is in range on that side.
        if (sub ? __builtin_sub_overflow(base, o, &r) : __builtin_add_overflow(base, o, &r))
            r = sub ? INT64_MIN : INT64_MAX;
        *out = r;
        return true;
    }
    case kOrderTimestamptz:
        if (ot != INTERVALOID)
            return false;
        *out = DatumGetTimestampTz(DirectFunctionCall2(sub ? timestamptz_mi_interval : timestamptz_pl_interval,
                                                       based, off));
        return true;
    case kOrderTimestamp:
        if (ot != INTERVALOID)
            return false;
        *out = DatumGetTimestamp(DirectFunctionCall2(sub ? timestamp_mi_interval : timestamp_pl_interval, based, off));
        return true;
    default:
        return false;
    }
}

void prepare_bounds(DeployPlan *p, int group, Datum based, int64 base)
{
    for (int w = 0; w < p->nwindows; w++) {
        WindowPlan *wp = &p->windows[w];
        wp->bound_fast = false;
        if (wp->group != group || wp->mode != kRange)
            continue;
        GroupPlan *g = &p->groups[group];
        bool ok = true;
        wp->start_bound = INT64_MIN;
        wp->end_bound = INT64_MAX;
        if (wp->start_kind == kPreceding || wp->start_kind == kFollowing)
            ok &= fast_bound(g, wp, based, base, wp->start_off, wp->start_kind == kPreceding, &wp->start_bound);
        if (ok && (wp->end_kind == kPreceding || wp->end_kind == kFollowing))
            ok &= fast_bound(g, wp, based, base, wp->end_off, wp->end_kind == kPreceding, &wp->end_bound);
        wp->bound_fast = ok;
    }
}

// val >= bound (start) / val <= bound (end), PostgreSQL's in_range.
inline bool in_start(WindowPlan *w, int64 v, Datum vd, Datum based, bool sub)
{
    if (w->bound_fast)
        return v >= w->start_bound;
    return DatumGetBool(FunctionCall5Coll(&w->start_inrange, w->inrange_coll, vd, based, w->start_off,
                                          BoolGetDatum(sub), BoolGetDatum(false)));
}

inline bool in_end(WindowPlan *w, int64 v, Datum vd, Datum based, bool sub)
{
    if (w->bound_fast)
        return v <= w->end_bound;
    return DatumGetBool(FunctionCall5Coll(&w->end_inrange, w->inrange_coll, vd, based, w->end_off,
                                          BoolGetDatum(sub), BoolGetDatum(true)));
}


int run_jit_group(DeployPlan *p, int gi, const Rows *r, int64 base, Datum based, const Datum *reqv,
                  const bool *reqn);

IndexMeta *copy_meta(MemoryContext cxt, const IndexMeta *cm)
{
    IndexMeta *m2 = static_cast<IndexMeta *>(MemoryContextAlloc(cxt, sizeof(IndexMeta)));
    *m2 = *cm;
    m2->stored = static_cast<ColInfo *>(MemoryContextAlloc(cxt, sizeof(ColInfo) * (cm->nstored + 1)));
    memcpy(m2->stored, cm->stored, sizeof(ColInfo) * cm->nstored);
    return m2;
}

bool cached_slot(MemoryContext cxt, Oid indexoid, core::IndexSlot **slot, uint64 *generation, IndexMeta **meta)
{
    core::IndexSlot *s = *slot;
    if (s && *meta && s->state.load(std::memory_order_acquire) == core::kSlotReady &&
        s->generation.load(std::memory_order_acquire) == *generation && s->id == (*meta)->id)
        return false;
    const IndexMeta *cm;
    Relation index = index_open(indexoid, AccessShareLock);
    s = ready_slot(index, &cm);
    index_close(index, NoLock);
    *meta = copy_meta(cxt, cm);
    *slot = s;
    *generation = s->generation.load(std::memory_order_acquire);
    return true;
}

int64 group_range_lo(const DeployPlan *p, const GroupPlan *g, int64 base, bool *fast)
{
    int64 lo = INT64_MAX;
    for (int w = 0; w < p->nwindows; w++) {
        const WindowPlan *wp = &p->windows[w];
        if (&p->groups[wp->group] != g || wp->mode != kRange)
            continue;
        if (!wp->bound_fast &&
            (wp->start_kind != kUnbounded || wp->end_kind == kPreceding || wp->end_kind == kFollowing))
            *fast = false;
        if (wp->start_kind == kPreceding || wp->start_kind == kFollowing)
            lo = Min(lo, wp->start_bound);
        else if (wp->start_kind == kCurrent)
            lo = Min(lo, base);
    }
    return lo;
}

// ---------------------------------------------------------------- pre-aggregation
// docs/DEPLOY.md, "Long windows": inside long windows a request takes the
// store's block summaries (docs/STORAGE.md, "Block summaries") instead of
// reading the rows.  A group qualifies when every window on it is long
// (ROWS n PRECEDING with n >= kPreaggMinRows, ROWS/RANGE UNBOUNDED
// PRECEDING, RANGE offset PRECEDING) and ends at CURRENT ROW, no window is a
// union window, a MAXSIZE is at least kPreaggMinRows, and every aggregate
// on it is count(*), or count / sum / min / max / avg of an int2, int4 or
// int8 column without FILTER, or feature_ext's *_where of one with the
// condition true (AggPlan::pa_kind) (the aggregates whose result does not
// depend on the order of the rows); or these with a condition `integer
// column <op> integer constant` (*_where's, or FILTER's: AggPlan::pa_cop),
// served by the blocks' per-value maps of the column (a block whose map
// overflowed is read as rows: Cursor::block's cond_mask).  Such a group on
// a column of many values qualifies but finds no block: with the JIT on,
// the miss counter below hands it back to the compiled kernel.
constexpr int64 kPreaggMinRows = 1024;
// This backend's totals (feature_ext.preagg_stats()).
int64 g_preagg_blocks = 0, g_preagg_rows = 0;

// float8 sums and averages (deploy option float_sums = 'approximate'): a
// block is taken only when its values lie within +-kPreaggFloatBound (so
// no NaN or infinity: those are read as rows, and PostgreSQL's own
// additions give them; nor values whose squares could overflow avg's
// running sum of squared deviations).
constexpr double kPreaggFloatBound = 1e100;

// A pa_kind aggregate that adds float8 values (feature_ext's exact sum of
// sum_where / avg_where, or PostgreSQL's float8pl / float8_accum with
// FILTER): blocks only under float_sums = 'approximate'.
bool pa_float_sum(const AggPlan *a)
{
    return (a->fast_argtype == FLOAT8OID || a->fast_argtype == FLOAT4OID) &&
           (a->pa_kind == AggPlan::kPaWhereSum || a->pa_kind == AggPlan::kPaWhereAvg ||
            a->pa_kind == AggPlan::kPaSumF8 || a->pa_kind == AggPlan::kPaAvgF8 || a->pa_kind == AggPlan::kPaSumF4);
}

// sum_where / avg_where of a float4 column: the kernel's exact sum of the
// widened values; blocks whose double sum is exact by default (bit-identical),
// any block under float_sums = 'approximate'.
bool pa_f4_where_sum(const AggPlan *a)
{
    return a->fast_argtype == FLOAT4OID && (a->pa_kind == AggPlan::kPaWhereSum || a->pa_kind == AggPlan::kPaWhereAvg);
}

bool preagg_agg_ok(const DeployPlan *p, const AggPlan *a)
{
    if (a->wkind != kWinAgg)
        return false;
    // sum(int8), avg(int), *_where(int, true | column <op> constant), and
    // aggregates with FILTER (WHERE column <op> constant): AggPlan::pa_kind
    if (a->pa_kind != AggPlan::kPaNone)
        return !pa_float_sum(a) || p->preagg_float || pa_f4_where_sum(a);  // float8 sums: the rounding rule, when asked
    if (a->filter_expr)
        return false;
    bool is_int = a->fast_argtype == INT2OID || a->fast_argtype == INT4OID || a->fast_argtype == INT8OID;
    switch (a->fast) {
    case kFastCountStar:
        return true;
    case kFastCount:
        return is_int || a->fast_argtype == FLOAT8OID || a->fast_argtype == FLOAT4OID;  // the summaries' non-null counts
    case kFastSumInt:
    case kFastMaxInt:
    case kFastMinInt:
        return is_int;
    case kFastMaxF8:
    case kFastMinF8:
        // Exact: PostgreSQL's float8 order (NaN above all), the newest of
        // equal values (-0 / +0) kept as its float8larger / float8smaller do.
        return a->fast_argtype == FLOAT8OID;
    case kFastSumF8:
    case kFastAvgF8:
        // The rounding rule of docs/DEPLOY.md "Float sums": only when the
        // deployment asked for it.
        return a->fast_argtype == FLOAT8OID && p->preagg_float;
    default:
        return false;
    }
}

// Does group g take block summaries in this session (feature_ext.preaggregate)?
bool preagg_group(const DeployPlan *p, GroupPlan *g)
{
    if (g->preagg == 0) {
        int gi = int(g - p->groups);
        // (nor a group reading computed columns of stored rows: blocks
        // summarise the table's columns only)
        bool ok = g->uni == nullptr && !g->comp_rows, any = false;
        for (int w = 0; w < p->nwindows && ok; w++) {
            const WindowPlan *wp = &p->windows[w];
            if (wp->group != gi)
                continue;
            any = true;
            if (wp->uni || (wp->mode != kRows && wp->mode != kRange) || wp->end_kind != kCurrent)
                ok = false;
            else if (wp->start_kind == kPreceding && wp->mode == kRows && wp->start_rows < kPreaggMinRows)
                ok = false;
            else if (wp->start_kind != kPreceding && wp->start_kind != kUnbounded)
                ok = false;
            else if (wp->maxsize > 0 && wp->maxsize < kPreaggMinRows)
                ok = false;
        }
        for (int k = 0; k < p->naggs && ok; k++)
            if (p->windows[p->aggs[k].window].group == gi && !preagg_agg_ok(p, &p->aggs[k]))
                ok = false;
        g->preagg = ok && any ? 2 : 1;
    }
    return g_preagg && g->preagg == 2;
}

// For this request: blocks may be taken while they lie within the newest
// *rows stored rows (below the request's order value) and at or above
// order *lo, which puts them inside every window of the group (after the
// request's RANGE bounds are prepared).
bool preagg_limits(const DeployPlan *p, const GroupPlan *g, int64 *rows, int64 *lo)
{
    int gi = int(g - p->groups);
    *rows = INT64_MAX;
    *lo = INT64_MIN;
    for (int w = 0; w < p->nwindows; w++) {
        const WindowPlan *wp = &p->windows[w];
        if (wp->group != gi)
            continue;
        int64 lw = INT64_MAX;
        if (wp->start_kind == kPreceding) {
            if (wp->mode == kRows)
                lw = wp->start_rows;
            else if (!wp->bound_fast)
                return false;  // bounds compared by in_range functions: rows only
            else
                *lo = Max(*lo, wp->start_bound);
        }
        if (wp->maxsize > 0)
            lw = Min(lw, wp->maxsize - 1);  // the request row may take one place
        *rows = Min(*rows, lw);
    }
    return *rows >= int64(kSumBlockRows);
}

// Under fx_strict: are the double sums block b gives the float4 sum_where /
// avg_where of this request (the column's, or its satisfying map entries')
// exact (core::kFsumExact)?
bool fx_exact(const PreaggAcc *pa, const core::SumDir *d, const core::BlockSum *b)
{
    const core::ColSum *cs = b->cols();
    int nc = Min(pa->ncols, int(d->ncols));
    for (int i = 0; i < nc; i++)
        if (pa->fx_need[i] && cs[i].count > 0 && cs[i].sum_hi != core::kFsumExact)
            return false;
    for (int ci = 0; ci < pa->nconds; ci++) {
        const PreaggAcc::Cond &cd = pa->cond[ci];
        if (!cd.xneed || cd.vi < 0 || cd.vi >= nc)
            continue;
        const core::CondHdr *h = d->map_of(b, uint32(cd.cj));
        if (!h)
            return false;
        for (uint32 e = 0; e < h->n; e++) {
            const core::CondEntry *ce = d->cond_entry(h, e);
            if (!core::cond_holds(cd.op, ce->value, cd.k))
                continue;
            const core::ColSum &x = ce->cols()[cd.vi];
            if (x.count > 0 && x.sum_hi != core::kFsumExact)
                return false;
        }
    }
    return true;
}

// Read the key's rows.  With `jit_group` >= 0 the group's compiled kernel runs
// on the payloads inside the read section; its error code is returned (0 = ok)
// and raised by the caller after the section.
int collect(DeployPlan *p, GroupPlan *g, const Datum *reqv, const bool *reqn, int64 base, Datum based,
            Rows *out, int jit_group = -1)
{
    out->skipped = 0;
    out->pa = nullptr;
    if (g->uni)  // a union window: every table's rows merged (deploy/union_pg.cpp)
        return union_collect(p, g, reqv, reqn, base, based, out, jit_group);
    cached_slot(p->cxt, g->indexoid, &g->slot, &g->slot_generation, &g->meta);
    core::IndexSlot *s = g->slot;
    const IndexMeta *m = g->meta;
    Datum kv[INDEX_MAX_KEYS];
    bool kn[INDEX_MAX_KEYS];
    for (int k = 0; k < g->nkeys; k++) {
        kv[k] = reqv[g->key_attnos[k] - 1];
        kn[k] = reqn[g->key_attnos[k] - 1];
    }
    uint8 *key;
    uint32 klen = encode_key_values(m, kv, kn, &key);
    uint32 hash = core::Store::hash_key(key, klen);
    core::Store &st = store();
    core::TtlRule rule = slot_rule(s, GetCurrentTimestamp());
    bool use_jit = jit_group >= 0;
    bool decode = !use_jit || !p->jit->groups[jit_group].all_jitted;
    int natts = p->natts;
    int rc = 0;
    // Buffers live in the plan: sized for the widest ROWS window up front,
    // up to 4,096 rows; beyond that they grow with the rows actually read
    // (ROWS 100000000 PRECEDING over a key of ten rows allocates ten).
    int want_cap = Max(g->buf_cap, 16);
    if (!g->need_all && !g->need_range && g->need_rows + 1 > want_cap)
        want_cap = int(Min(g->need_rows + 1, int64(4096)));
    auto grow = [&](int cap) {
        MemoryContext old = MemoryContextSwitchTo(p->cxt);
        if (g->buf_cap == 0) {
            g->buf_order = static_cast<int64 *>(palloc(sizeof(int64) * cap));
            g->buf_orderd = static_cast<Datum *>(palloc(sizeof(Datum) * cap));
            g->buf_payloads = static_cast<const uint8 **>(palloc(sizeof(uint8 *) * cap));
            if (p->win_sub && g->comp_rows) {
                g->buf_tidb = static_cast<uint32 *>(palloc(sizeof(uint32) * cap));
                g->buf_tido = static_cast<uint16 *>(palloc(sizeof(uint16) * cap));
            }
        } else {
            if (g->buf_tidb) {
                g->buf_tidb = static_cast<uint32 *>(repalloc(g->buf_tidb, sizeof(uint32) * cap));
                g->buf_tido = static_cast<uint16 *>(repalloc(g->buf_tido, sizeof(uint16) * cap));
            }
            g->buf_order = static_cast<int64 *>(repalloc(g->buf_order, sizeof(int64) * cap));
            g->buf_orderd = static_cast<Datum *>(repalloc(g->buf_orderd, sizeof(Datum) * cap));
            g->buf_payloads = static_cast<const uint8 **>(repalloc(g->buf_payloads, sizeof(uint8 *) * cap));
        }
        g->buf_cap = cap;
        MemoryContextSwitchTo(old);
    };
    auto grow_values = [&](int cap) {
        MemoryContext old = MemoryContextSwitchTo(p->cxt);
        if (g->buf_values_cap)
            pfree(g->buf_values), pfree(g->buf_isnull);
        g->buf_values = static_cast<Datum *>(palloc(sizeof(Datum) * size_t(cap) * natts));
        g->buf_isnull = static_cast<bool *>(palloc(sizeof(bool) * size_t(cap) * natts));
        g->buf_values_cap = cap;
        MemoryContextSwitchTo(old);
    };
    if (want_cap > g->buf_cap)
        grow(want_cap);
    if (decode && g->buf_values_cap < g->buf_cap)
        grow_values(g->buf_cap);
    out->n = 0;
    out->order = g->buf_order;
    out->orderd = g->buf_orderd;
    out->payloads = g->buf_payloads;
    out->tidb = g->buf_tidb;
    out->tido = g->buf_tido;
    out->values = decode ? g->buf_values : nullptr;
    out->isnull = decode ? g->buf_isnull : nullptr;
    // The order value as a Datum is needed only by decoding and by
    // PostgreSQL's in_range functions (RANGE bounds that are not plain int64).
    bool range_fast = true;
    int64 range_lo = group_range_lo(p, g, base, &range_fast);
    bool need_od = decode || !range_fast;
    // Pre-aggregation (interpreter only: compiled groups read rows).
    PreaggAcc *pa = nullptr;
    int64 pa_rows = INT64_MAX, pa_lo = INT64_MIN;
    if (!use_jit && !p->sub_row && preagg_group(p, g) && s->sum_rows > 0 && preagg_limits(p, g, &pa_rows, &pa_lo)) {
        if (!g->pa)
            g->pa = static_cast<PreaggAcc *>(MemoryContextAllocZero(p->cxt, sizeof(PreaggAcc)));
        pa = g->pa;
        pa->rows = 0;
        pa->ncols = int(Min(s->sum_ncols, uint32(core::kMaxSumCols)));
        for (int i = 0; i < pa->ncols; i++) {
            int sc = s->sum_cols[i].null_bit;
            pa->attno[i] = sc < m->nstored ? m->stored[sc].attno : InvalidAttrNumber;
            pa->count[i] = 0;
            pa->sum[i] = 0;
            pa->min[i] = pa->max[i] = 0;
            pa->is_float[i] = core::sum_is_float(s->sum_cols[i].kind);
            pa->fsum_need[i] = false;
            pa->fsum[i] = pa->fmin[i] = pa->fmax[i] = 0;
            pa->fpos_min[i] = pa->fpos_max[i] = 0;
            pa->fx_need[i] = false;
        }
        pa->fx_strict = false;  // below: when a float4 sum_where / avg_where needs exact block sums
        pa->nconds = 0;
        pa->cond_mask = 0;
        int gi = int(g - p->groups);
        for (int k = 0; k < p->naggs && pa; k++) {
            AggPlan *a = &p->aggs[k];
            if (p->windows[a->window].group != gi)
                continue;
            bool star = a->fast == kFastCountStar || a->pa_kind == AggPlan::kPaWhereCountStar ||
                        a->pa_kind == AggPlan::kPaCountStar;
            if (!star && pa->col_of(a->fast_attno) < 0) {
                pa = nullptr;  // a column without summaries in this index
                break;
            }
            if (a->fast == kFastSumF8 || a->fast == kFastAvgF8 || pa_float_sum(a))
                pa->fsum_need[pa->col_of(a->fast_attno)] = true;
            if (a->pa_cop == core::kCondTrue) {
                if (pa_f4_where_sum(a)) {
                    int i = pa->col_of(a->fast_attno);
                    if (!pa->fx_need[i])
                        pa->fx[i].clear();
                    pa->fx_need[i] = true;
                }
                continue;
            }
            // A condition: the blocks' per-value maps of its column.
            int cj = pa->col_of(a->pa_cattno), vi = star ? -1 : pa->col_of(a->fast_attno);
            if (cj < 0 || cj >= 32) {
                pa = nullptr;
                break;
            }
            int ci = 0;
            bool is_text = a->pa_ctype == TEXTOID;
            while (ci < pa->nconds &&
                   !(pa->cond[ci].cj == cj && pa->cond[ci].op == a->pa_cop && pa->cond[ci].k == a->pa_ck &&
                     pa->cond[ci].vi == vi && (pa->cond[ci].text != nullptr) == is_text &&
                     (!is_text || (pa->cond[ci].text_len == a->pa_ctext_len &&
                                   memcmp(pa->cond[ci].text, a->pa_ctext, size_t(a->pa_ctext_len)) == 0))))
                ci++;
            if (ci == pa->nconds) {
                if (ci == PreaggAcc::kMaxConds) {
                    pa = nullptr;
                    break;
                }
                PreaggAcc::Cond &cd = pa->cond[pa->nconds++];
                cd = PreaggAcc::Cond{cj, a->pa_cop, a->pa_ck, vi, 0, 0, 0, 0, 0, is_text ? a->pa_ctext : nullptr,
                                     is_text ? a->pa_ctext_len : 0, vi >= 0 && pa->is_float[vi], 0, 0, 0, 0, 0};
                if (is_text && (s->sum_cols[cj].kind != core::kSumText || a->pa_ctext == nullptr)) {
                    pa = nullptr;  // (cannot happen: a text column's summaries are text maps)
                    break;
                }
                pa->cond_mask |= 1u << cj;
            }
            if (pa_f4_where_sum(a) && pa->cond[ci].vf)
                pa->cond[ci].xneed = true;
            a->pa_ci = ci;
        }
        if (pa && !p->preagg_float) {
            for (int i = 0; i < pa->ncols; i++)
                pa->fx_strict |= pa->fx_need[i];
            for (int ci = 0; ci < pa->nconds; ci++)
                pa->fx_strict |= pa->cond[ci].xneed;
        }
    }
    double bf_min[PreaggAcc::kMaxConds], bf_max[PreaggAcc::kMaxConds], bf_sum[PreaggAcc::kMaxConds];
    int64 bf_cnt[PreaggAcc::kMaxConds];
    st.reader_enter(reader_id());
    if (const core::KeyEntry *k = st.find_key(s, hash, key, klen)) {
        core::Store::Cursor c;
        int npeers = 0;  // rows with the request's order value (the newest ones)
        bool sub_seen = false;  // a LAST JOIN subquery's window: its stored row was passed
        // The common request (compiled kernel, no summaries, no stored
        // request row, RANGE bounds compared as int64): a loop that keeps
        // its counters in registers; it hands the row it stops at to the
        // general loop below when the buffers are full (docs/BENCH.md,
        // "Where a request's time goes").
        const bool fast = !pa && !p->sub_row && !decode && !need_od;
        const bool f_all = g->need_all, f_range = g->need_range && range_fast;
        const int64 f_rows = g->need_rows;
        for (c.seek(st, k, base, rule); c.valid(); c.next()) {
            if (fast) {
                int n = out->n;
                const int cap = g->buf_cap;
                int64 *ord = out->order;
                Datum *ordd = out->orderd;
                const uint8 **pls = out->payloads;
                bool stop = false;
                c.walk([&](const core::RowNode *nd) {
                    if (n == cap)
                        return false;  // full: the general loop grows the buffers
                    __builtin_prefetch(reinterpret_cast<const char *>(nd) + 2048);
                    int64 o = nd->order;
                    bool want = f_all || n - npeers < f_rows || o == base || (f_range && o >= range_lo);
                    npeers += o == base;
                    if (!want) {
                        stop = true;
                        return false;
                    }
                    ord[n] = o;
                    ordd[n] = Datum(0);
                    pls[n] = nd->payload();
                    n++;
                    return true;
                });
                out->n = n;
                if (stop || !c.valid())
                    break;
            }
            if (pa) {
                // Whole blocks inside every window: their summaries.
                while (out->n + pa->rows + int64(kSumBlockRows) <= pa_rows) {
                    const core::BlockSum *b = c.block(pa_rows - (out->n + pa->rows), pa_lo, pa->cond_mask);
                    // float4 sum_where / avg_where (fx_strict): a superblock
                    // whose double sum rounded may have blocks whose sums
                    // did not: the first block alone.
                    if (b && pa->fx_strict && b->n > kSumBlockRows && !fx_exact(pa, c.dir(), b))
                        b = c.first_block_of_super(pa->cond_mask);
                    if (!b || out->n + pa->rows + int64(b->n) > pa_rows || b->min_order < pa_lo ||
                        b->max_order >= base)
                        break;
                    const core::ColSum *cs = b->cols();
                    int nc = Min(pa->ncols, int(c.dir()->ncols));
                    // float4 sums of the *_where kernels: exact block sums only
                    // (their rows are read otherwise)
                    if (pa->fx_strict && !fx_exact(pa, c.dir(), b))
                        break;
                    bool fok = true;  // float sums: values within the bound (rows otherwise)
                    for (int i = 0; i < nc && fok; i++)
                        if (pa->fsum_need[i] && cs[i].count > 0)
                            fok = cs[i].fmin() >= -kPreaggFloatBound && cs[i].fmax() <= kPreaggFloatBound;
                    if (!fok)
                        break;
                    // Text conditions: the map entry of the constant's hash,
                    // if any, must hold the constant itself (its
                    // representative row's bytes); a collision reads the
                    // block's rows.
                    for (int ci = 0; ci < pa->nconds && fok; ci++) {
                        const PreaggAcc::Cond &cd = pa->cond[ci];
                        if (!cd.text)
                            continue;
                        const core::CondHdr *h = c.dir()->map_of(b, uint32(cd.cj));
                        if (!h) {
                            fok = false;
                            break;
                        }
                        for (uint32 e = 0; e < h->n; e++) {
                            const core::CondEntry *ce = c.dir()->cond_entry(h, e);
                            if (ce->value != cd.k)
                                continue;
                            bool decided;
                            fok = core::text_entry_short_eq(ce->cols()[cd.cj], cd.text, uint32(cd.text_len), &decided);
                            if (decided)
                                continue;
                            const core::RowNode *rn = st.at<core::RowNode>(core::Ref(ce->cols()[cd.cj].min));
                            const uint8 *td;
                            uint32 tn;
                            fok = core::text_value(s->sum_cols[cd.cj], rn->payload(), rn->payload_len(), &td, &tn) == 1 &&
                                  tn == uint32(cd.text_len) && memcmp(td, cd.text, tn) == 0;
                        }
                    }
                    if (!fok)
                        break;
                    // float8 value columns of conditions: this block's
                    // satisfying entries' count / sum / min / max.  Of
                    // entries whose extremes tie (-0 / +0, NaNs of other
                    // bits) the newest row is unknown: the block's rows are
                    // read.
                    for (int ci = 0; ci < pa->nconds && fok; ci++) {
                        const PreaggAcc::Cond &cd = pa->cond[ci];
                        bf_cnt[ci] = 0;
                        if (!cd.vf || cd.vi >= nc)
                            continue;
                        const core::CondHdr *h = c.dir()->map_of(b, uint32(cd.cj));
                        if (!h) {
                            fok = false;
                            break;
                        }
                        for (uint32 e = 0; e < h->n; e++) {
                            const core::CondEntry *ce = c.dir()->cond_entry(h, e);
                            if (!core::cond_holds(cd.op, ce->value, cd.k))
                                continue;
                            const core::ColSum &x = ce->cols()[cd.vi];
                            if (x.count == 0)
                                continue;
                            double xmn = x.fmin(), xmx = x.fmax();
                            if (bf_cnt[ci] == 0) {
                                bf_min[ci] = xmn, bf_max[ci] = xmx, bf_sum[ci] = x.fsum();
                            } else {
                                if (float8_lt(xmn, bf_min[ci]))
                                    bf_min[ci] = xmn;
                                else if (float8_eq(xmn, bf_min[ci]) && memcmp(&xmn, &bf_min[ci], 8) != 0)
                                    fok = false;
                                if (float8_gt(xmx, bf_max[ci]))
                                    bf_max[ci] = xmx;
                                else if (float8_eq(xmx, bf_max[ci]) && memcmp(&xmx, &bf_max[ci], 8) != 0)
                                    fok = false;
                                bf_sum[ci] += x.fsum();
                            }
                            bf_cnt[ci] += x.count;
                        }
                    }
                    if (!fok)
                        break;
                    for (int i = 0; i < nc; i++) {
                        if (cs[i].count == 0)
                            continue;
                        if (pa->is_float[i]) {
                            // Newest block first: a later (older) one replaces
                            // min / max only when strictly beyond it.
                            if (pa->count[i] == 0) {
                                pa->fmin[i] = cs[i].fmin();
                                pa->fmax[i] = cs[i].fmax();
                                pa->fpos_min[i] = pa->fpos_max[i] = out->n;
                                pa->fsum[i] = cs[i].fsum();
                            } else {
                                if (float8_lt(cs[i].fmin(), pa->fmin[i]))
                                    pa->fmin[i] = cs[i].fmin(), pa->fpos_min[i] = out->n;
                                if (float8_gt(cs[i].fmax(), pa->fmax[i]))
                                    pa->fmax[i] = cs[i].fmax(), pa->fpos_max[i] = out->n;
                                pa->fsum[i] += cs[i].fsum();
                            }
                            if (pa->fx_need[i])
                                pa->fx[i].add(cs[i].fsum());
                            pa->count[i] += cs[i].count;
                            continue;
                        }
                        if (pa->count[i] == 0) {
                            pa->min[i] = cs[i].min;
                            pa->max[i] = cs[i].max;
                        } else {
                            pa->min[i] = Min(pa->min[i], cs[i].min);
                            pa->max[i] = Max(pa->max[i], cs[i].max);
                        }
                        pa->count[i] += cs[i].count;
                        pa->sum[i] += cs[i].sum();
                    }
                    // Conditions: the map entries whose value satisfies them
                    // (Cursor::block returned a summary whose maps of
                    // cond_mask's columns are complete).
                    for (int ci = 0; ci < pa->nconds; ci++) {
                        PreaggAcc::Cond &cd = pa->cond[ci];
                        const core::CondHdr *h = c.dir()->map_of(b, uint32(cd.cj));
                        if (!h)
                            elog(ERROR, "feature_ext: block summary without the map of a condition column");
                        for (uint32 e = 0; e < h->n; e++) {
                            const core::CondEntry *ce = c.dir()->cond_entry(h, e);
                            if (!core::cond_holds(cd.op, ce->value, cd.k))
                                continue;
                            cd.rows += ce->rows;
                            if (cd.vi >= 0 && cd.vi < nc && cd.vf && cd.xneed && ce->cols()[cd.vi].count > 0)
                                cd.fx.add(ce->cols()[cd.vi].fsum());
                            if (cd.vi < 0 || cd.vi >= nc || cd.vf)
                                continue;
                            const core::ColSum &x = ce->cols()[cd.vi];
                            if (x.count == 0)
                                continue;
                            cd.min = cd.count == 0 ? x.min : Min(cd.min, x.min);
                            cd.max = cd.count == 0 ? x.max : Max(cd.max, x.max);
                            cd.count += x.count;
                            cd.sum += x.sum();
                        }
                        if (cd.vf && bf_cnt[ci] > 0) {
                            // newest block first: an older one replaces
                            // min / max only when strictly beyond.
                            if (cd.count == 0) {
                                cd.fmin = bf_min[ci], cd.fmax = bf_max[ci], cd.fsum = bf_sum[ci];
                                cd.fpos_min = cd.fpos_max = out->n;
                            } else {
                                if (float8_lt(bf_min[ci], cd.fmin))
                                    cd.fmin = bf_min[ci], cd.fpos_min = out->n;
                                if (float8_gt(bf_max[ci], cd.fmax))
                                    cd.fmax = bf_max[ci], cd.fpos_max = out->n;
                                cd.fsum += bf_sum[ci];
                            }
                            cd.count += bf_cnt[ci];
                        }
                    }
                    pa->rows += b->n;
                    g_preagg_blocks++;
                    g_preagg_rows += b->n;
                    c.skip(b);
                    if (!c.valid())
                        break;
                }
                if (!c.valid())
                    break;
            }
            // A compacted key's rows lie at ascending addresses in walk order:
            // ask for the memory 2 kB (~40 rows) ahead while this row is used
            // (bench data, 100,000 requests, medians of 5 alternating runs:
            // 0.94 s -> 0.84 s; 512 bytes ahead was slower than none, 1.5 to
            // 4 kB alike).  Prefetches never fault; on a scattered key they
            // fetch some unrelated bytes.
            __builtin_prefetch(reinterpret_cast<const char *>(c.node()) + 2048);
            core::RowView r = c.row();
            if (p->sub_row && !sub_seen) {
                // The request is this stored row (a LAST JOIN subquery's
                // window): not read again; its peers inserted after it (met
                // before it, newest first) follow it in a ROWS window.
                if (r.tid_block == p->sub_tid_block && r.tid_off == p->sub_tid_off) {
                    sub_seen = true;
                    continue;
                }
                if (g->peers_follow && r.order == base)
                    continue;
            }
            // ROWS windows count need_rows past the peers (EXCLUDE CURRENT_TIME
            // drops the peers before counting).
            bool want = g->need_all || out->n + (pa ? pa->rows : 0) - npeers < g->need_rows || r.order == base ||
                        (g->need_range && range_fast && r.order >= range_lo);
            npeers += r.order == base;
            Datum od = need_od ? order_to_datum(g->order_kind, r.order) : Datum(0);
            if (!want && g->need_range && !range_fast) {
                // Rows inside any RANGE window's start bound are wanted.
                for (int w = 0; w < p->nwindows && !want; w++) {
                    WindowPlan *wp = &p->windows[w];
                    if (&p->groups[wp->group] != g || wp->mode != kRange)
                        continue;
                    if (wp->start_kind == kPreceding)
                        want = in_start(wp, r.order, od, based, true);
                    else if (wp->start_kind == kCurrent)
                        want = r.order == base;
                }
            }
            if (!want)
                break;
            if (out->n == g->buf_cap) {
                // Values were copied from shared memory already; payload
                // pointers stay valid within the read section.
                grow(g->buf_cap * 2);
                out->order = g->buf_order;
                out->orderd = g->buf_orderd;
                out->payloads = g->buf_payloads;
                out->tidb = g->buf_tidb;
                out->tido = g->buf_tido;
                if (decode) {
                    MemoryContext old = MemoryContextSwitchTo(p->cxt);
                    g->buf_values = static_cast<Datum *>(repalloc(g->buf_values, sizeof(Datum) * size_t(g->buf_cap) * natts));
                    g->buf_isnull = static_cast<bool *>(repalloc(g->buf_isnull, sizeof(bool) * size_t(g->buf_cap) * natts));
                    g->buf_values_cap = g->buf_cap;
                    MemoryContextSwitchTo(old);
                    out->values = g->buf_values;
                    out->isnull = g->buf_isnull;
                }
            }
            int i = out->n++;
            out->order[i] = r.order;
            out->orderd[i] = od;
            out->payloads[i] = r.payload;
            if (out->tidb) {
                out->tidb[i] = r.tid_block;
                out->tido[i] = r.tid_off;
            }
            if (!decode)
                continue;
            Datum *v = out->values + size_t(i) * natts;
            bool *nl = out->isnull + size_t(i) * natts;
            for (int a = 0; a < natts; a++) {
                v[a] = reqv[a];
                nl[a] = true;
            }
            for (int kk = 0; kk < g->nkeys; kk++) {
                v[g->key_attnos[kk] - 1] = reqv[g->key_attnos[kk] - 1];
                nl[g->key_attnos[kk] - 1] = reqn[g->key_attnos[kk] - 1];
            }
            v[g->order_attno - 1] = od;
            nl[g->order_attno - 1] = false;
            for (int sc = 0; sc < m->nstored; sc++) {
                AttrNumber a = m->stored[sc].attno;
                if (!p->cols_needed[a - 1])
                    continue;
                v[a - 1] = decode_stored(m, r.payload, sc, &nl[a - 1]);
            }
        }
    }
    if (pa && pa->rows > 0) {
        out->skipped = pa->rows;
        out->pa = pa;
    }
    if (use_jit)
        rc = run_jit_group(p, jit_group, out, base, based, reqv, reqn);
    st.reader_exit(reader_id());
    // The FROM subquery's computed columns of the rows read, now that the
    // read section is left (their expressions may call any function).
    if (decode && g->comp_rows)
        compute_stored_columns(p, out->n, out->values, out->isnull, out->tidb, out->tido);
    return rc;
}



// One row of PostgreSQL's float8_accum (N, Sx, Sxx: avg / variance of
// float8), with its overflow error and NaN rules, so that an average read
// from rows equals PostgreSQL's bit for bit.
inline void float8_accum_step(double v, int64 *cnt, double *sx, double *sxx)
{
    double n0 = double(*cnt);
    (*cnt)++;
    double N = double(*cnt);
    double oldsx = *sx;
    *sx += v;
    if (n0 > 0.0) {
        double tmp = v * N - *sx;
        *sxx += tmp * tmp / (N * n0);
        if (isinf(*sx) || isinf(*sxx)) {
            if (!isinf(oldsx) && !isinf(v))
                float_overflow_error();
            *sxx = get_float8_nan();
        }
    } else if (isnan(v) || isinf(v)) {
        *sxx = get_float8_nan();
    }
}

void compute_frame(WindowPlan *w, const Rows *r, int64 base, Datum based, Frame *f)
{
    int n = r->n;
    // peers: stored rows with the request's order value (they are the newest rows)
    int peers = 0;
    while (peers < n && r->order[peers] == base)
        peers++;
    f->peers_from = n - peers;
    switch (w->mode) {
    case kRows:
        if (w->time_first) {
            // The stored peers are dropped before counting: the request sits
            // right above the older rows 0..peers_from-1.
            int v = f->peers_from;
            f->from = w->start_kind == kUnbounded ? 0
                      : w->start_kind == kPreceding ? int(Max(int64(v) - w->start_rows, 0))
                      : w->start_kind == kCurrent ? n
                      : w->start_rows == 0 ? n : n + 1;
            f->to = w->end_kind == kPreceding && w->end_rows > 0 ? int(Max(int64(v) - w->end_rows, int64(-1))) : n;
            break;
        }
        f->from = w->start_kind == kUnbounded ? 0
                  : w->start_kind == kPreceding ? int(Max(int64(n) - w->start_rows, 0))
                  : w->start_kind == kCurrent ? n
                  : int(Min(int64(n) + w->start_rows, int64(n) + 1));
        f->to = w->end_kind == kPreceding ? int(int64(n) - Min(w->end_rows, int64(n) + 1)) : n;
        break;
    case kGroups: {
        // group index of each ascending position: current group = peers + request
        auto group_start = [&](int64 back) -> int {  // first position of the group `back` groups before current
            int pos = f->peers_from;
            for (int64 gnum = 0; gnum < back; gnum++) {
                if (pos == 0)
                    return -1;
                int64 ov = r->order[asc_to_idx(n, pos - 1)];
                pos--;
                while (pos > 0 && r->order[asc_to_idx(n, pos - 1)] == ov)
                    pos--;
            }
            return pos;
        };
        if (w->start_kind == kUnbounded)
            f->from = 0;
        else if (w->start_kind == kPreceding) {
            int s = group_start(w->start_rows);
            f->from = s < 0 ? 0 : s;
        } else if (w->start_kind == kCurrent)
            f->from = f->peers_from;
        else
            f->from = w->start_rows == 0 ? f->peers_from : n + 1;
        if (w->end_kind == kPreceding) {
            if (w->end_rows == 0)
                f->to = n;
            else {
                int s = group_start(w->end_rows - 1);  // start of group (end_rows-1) back = one past the end group
                f->to = s < 0 ? -1 : s - 1;
            }
        } else
            f->to = n;
        break;
    }
    case kRange: {
        if (w->start_kind == kUnbounded)
            f->from = 0;
        else if (w->start_kind == kCurrent)
            f->from = f->peers_from;
        else {
            bool sub = w->start_kind == kPreceding;
            int pos = n;  // request row is in range iff base >= base -/+ off
            if (w->bound_fast) {
                // rows are newest first (order non-increasing): binary search
                // for the first row below the bound
                int lo = 0, hi = n;
                while (lo < hi) {
                    int mid = (lo + hi) / 2;
                    if (r->order[mid] >= w->start_bound)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                pos = n - lo;
            } else
                for (int i = 0; i < n; i++) {  // i: newest-first index
                    if (!in_start(w, r->order[i], r->orderd[i], based, sub))
                        break;
                    pos = n - 1 - i;
                }
            bool req_in = in_start(w, base, based, based, sub);
            f->from = req_in ? pos : n + 1;
        }
        if (w->end_kind == kPreceding || w->end_kind == kFollowing) {
            bool sub = w->end_kind == kPreceding;
            bool req_in = in_end(w, base, based, based, sub);
            if (req_in)
                f->to = n;
            else if (w->bound_fast) {
                int lo = 0, hi = n;  // first (newest-first) row at or below the bound
                while (lo < hi) {
                    int mid = (lo + hi) / 2;
                    if (r->order[mid] > w->end_bound)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                f->to = lo < n ? n - 1 - lo : -1;
            } else {
                int to = -1;
                for (int i = 0; i < n; i++)
                    if (in_end(w, r->order[i], r->orderd[i], based, sub)) {
                        to = n - 1 - i;
                        break;
                    }
                f->to = to;
            }
        } else
            f->to = n;
        break;
    }
    }
    f->skip_request = w->excl == kExclCurrent || w->excl == kExclGroup;
    f->skip_peers = w->excl == kExclGroup || w->excl == kExclTies || w->time_first;
    if (w->maxsize > 0 && f->from <= f->to) {
        // MAXSIZE: the newest maxsize rows that are in the frame after the
        // exclusions (excluded rows are the top ones: request, then peers).
        int64 need = w->maxsize;
        int p = f->to;
        if (p == n) {
            if (!f->skip_request)
                need--;
            p = n - 1;
        }
        int lo = Max(f->from, f->peers_from);
        if (need > 0 && p >= lo) {
            if (!f->skip_peers) {
                int64 k = p - lo + 1;
                if (k >= need) {
                    f->from = Max(f->from, int(p - need + 1));
                    need = 0;
                } else
                    need -= k;
            }
            p = lo - 1;
        }
        if (need == 0)
            f->from = Max(f->from, p + 1);
        else if (p - f->from + 1 > need)
            f->from = int(p - need + 1);
    }
}

// The frames of the group's compiled windows, then its kernel (requests and
// batch alike); the kernel's error code is returned.
int call_group_kernel(DeployPlan *p, JitPlan *jp, JitGroup *jg, const Rows *r, int64 base, Datum based,
                      const uint8 *req, const Datum *reqv, const bool *reqn, jit::KFrame *frames)
{
    for (int s = 0; s < jg->nwin; s++) {
        Frame f;
        compute_frame(&p->windows[jg->windows[s]], r, base, based, &f);
        frames[s].from = f.from;
        frames[s].to = f.to;
        frames[s].peers_from = f.peers_from;
        frames[s].flags = (f.skip_request ? jit::kSkipRequest : 0) | (f.skip_peers ? jit::kSkipPeers : 0);
    }
    auto fn = reinterpret_cast<jit::GroupFn>(jg->fn);
    static_assert(sizeof(Datum) == sizeof(uint64_t) && sizeof(bool) == sizeof(uint8_t), "kernel ABI");
    return fn(r->payloads, r->order, r->n, req, base, frames, reinterpret_cast<const uint64_t *>(reqv),
              reinterpret_cast<const uint8_t *>(reqn), jp->out, jp->out_null);
}

// The compiled aggregates' results of group g into the plan's params.
void take_jit_results(DeployPlan *p, JitPlan *jp, int g)
{
    for (int k = 0; k < p->naggs; k++)
        if (jp->agg_jitted[k] && p->windows[p->aggs[k].window].group == g) {
            p->params[k].value = Datum(jp->out[k]);
            p->params[k].isnull = jp->out_null[k] != 0;
        }
}

// The output columns of one row (request or batch source row): compiled
// projection where it exists, PostgreSQL's evaluator for the rest.  The
// aggregate results are in p->params; the row must be in p->req_slot.
void project_row(DeployPlan *p, const Datum *values, const bool *isnull, Datum *ov, bool *on, bool joined)
{
    ExprContext *ec = p->econtext;
    if (p->joins && !joined)
        join_fill(p);  // the joined row: ec's inner tuple
    ec->ecxt_scantuple = p->req_slot;
    JitPlan *jp = p->jit;
    bool proj = g_jit && jp && jp->proj;
    if (proj) {
        for (int k = 0; k < p->naggs; k++) {
            jp->aggw[k] = uint64(p->params[k].value);
            jp->aggn[k] = p->params[k].isnull;
        }
        int rc = reinterpret_cast<jit::ProjFn>(jp->proj)(reinterpret_cast<const uint64_t *>(values),
                                                         reinterpret_cast<const uint8_t *>(isnull), jp->aggw,
                                                         jp->aggn, jp->outw, jp->outn);
        if (rc != 0)
            raise_kernel_error(rc);
    }
    for (int i = 0; i < p->nout; i++) {
        if (proj && jp->out_jitted[i]) {
            ov[i] = Datum(jp->outw[i]);
            on[i] = jp->outn[i] != 0;
        } else if (p->out_param[i] >= 0) {  // a bare window function
            ov[i] = p->params[p->out_param[i]].value;
            on[i] = p->params[p->out_param[i]].isnull;
        } else
            ov[i] = ExecEvalExpr(p->outputs[i], ec, &on[i]);
    }
}

int run_jit_group(DeployPlan *p, int gi, const Rows *r, int64 base, Datum based, const Datum *reqv,
                  const bool *reqn)
{
    JitPlan *jp = p->jit;
    JitGroup *jg = &jp->groups[gi];
    GroupPlan *g = &p->groups[gi];
    const IndexMeta *m = g->meta;
    if (m->nstored != jg->nstored || m->stored_fixed != jg->stored_fixed)
        return -1;  // the index changed under the plan: interpreter (caller retries)
    auto *frames = static_cast<jit::KFrame *>(palloc(sizeof(jit::KFrame) * Max(jg->nwin, 1)));
    uint32 sz = payload_size(m, reqv, reqn);
    auto *req = static_cast<uint8 *>(palloc(sz));
    encode_payload(m, reqv, reqn, req);
    return call_group_kernel(p, jp, jg, r, base, based, req, reqv, reqn, frames);
}

[[noreturn]] void raise_kernel_error(int rc)
{
    rc = jit::kernel_code(rc);
    int code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
    const char *msg = rc == jit::kErrFloatOverflow    ? "value out of range: overflow"
                      : rc == jit::kErrFloatUnderflow ? "value out of range: underflow"
                      : rc == jit::kErrInt2Range      ? "smallint out of range"
                      : rc == jit::kErrInt4Range      ? "integer out of range"
                      : rc == jit::kErrInt8Range      ? "bigint out of range"
                                                      : nullptr;
    if (rc == jit::kErrDivByZero) {
        code = ERRCODE_DIVISION_BY_ZERO;
        msg = "division by zero";
    }
    if (rc == jit::kErrOutOfMemory) {  // a native aggregate kernel's allocation
        code = ERRCODE_OUT_OF_MEMORY;
        msg = "out of memory";
    }
    if (!msg)
        elog(ERROR, "feature_ext: compiled deployment returned code %d", rc);
    ereport(ERROR, (errcode(code), errmsg("%s", msg)));
    pg_unreachable();
}

void set_row_slot(DeployPlan *p, const Rows *r, int idx)
{
    TupleTableSlot *s = p->row_slot;
    ExecClearTuple(s);
    memcpy(s->tts_values, r->values + size_t(idx) * p->natts, sizeof(Datum) * p->natts);
    memcpy(s->tts_isnull, r->isnull + size_t(idx) * p->natts, sizeof(bool) * p->natts);
    ExecStoreVirtualTuple(s);
}


inline Datum int_datum(Oid t, int64 v)
{
    return t == INT2OID ? Int16GetDatum(int16(v)) : t == INT4OID ? Int32GetDatum(int32(v)) : Int64GetDatum(v);
}

// A built-in aggregate over the frame, in ascending order, exactly as its
// PostgreSQL transition function would compute it.
void run_fast(DeployPlan *p, const AggPlan *a, const Rows *r, const Frame &f, const Datum *reqv, const bool *reqn,
              ParamExecData *out)
{
    int n = r->n, natts = p->natts, col = a->fast_attno - 1;
    int64 cnt = 0;
    double sx = 0, sxx = 0, fstate = 0;
    int64 istate = 0;
    bool have = false;
    // float8 min / max over block summaries: the blocks' extreme value
    // enters at its place in frame order (after the rows older than its
    // block, before the newer ones), so that of equal values (-0, +0) the
    // newest wins, as float8larger / float8smaller keep it.
    int fi = -1;
    double fblk = 0;
    int fblk_pos = INT_MAX;
    if (r->skipped > 0 && (a->fast == kFastMaxF8 || a->fast == kFastMinF8)) {
        fi = r->pa->col_of(a->fast_attno);
        if (fi < 0 || !r->pa->is_float[fi])
            elog(ERROR, "feature_ext: aggregate without block summaries in a pre-aggregated window");
        if (r->pa->count[fi] == 0)
            fi = -1;
        else {
            bool mx = a->fast == kFastMaxF8;
            fblk = mx ? r->pa->fmax[fi] : r->pa->fmin[fi];
            fblk_pos = n - (mx ? r->pa->fpos_max[fi] : r->pa->fpos_min[fi]);
        }
    }
    auto merge_fblk = [&]() {
        if (a->fast == kFastMaxF8)
            fstate = !have ? fblk : (float8_gt(fstate, fblk) ? fstate : fblk);
        else
            fstate = !have ? fblk : (float8_lt(fstate, fblk) ? fstate : fblk);
        have = true;
        fi = -1;
    };
    for (int pos = Max(f.from, 0); pos <= Min(f.to, n); pos++) {
        if (fi >= 0 && pos >= fblk_pos)
            merge_fblk();
        bool is_req = pos == n;
        if (is_req && f.skip_request)
            continue;
        if (!is_req && f.skip_peers && pos >= f.peers_from)
            continue;
        if (a->fast == kFastCountStar) {
            cnt++;
            continue;
        }
        size_t idx = is_req ? 0 : size_t(n - 1 - pos) * natts + col;
        bool isnull = is_req ? reqn[col] : r->isnull[idx];
        if (isnull)
            continue;
        Datum d = is_req ? reqv[col] : r->values[idx];
        switch (a->fast) {
        case kFastCount:
            cnt++;
            break;
        case kFastSumF8: {
            double v = DatumGetFloat8(d);
            fstate = have ? float8_pl(fstate, v) : v;
            break;
        }
        case kFastAvgF8:
            float8_accum_step(DatumGetFloat8(d), &cnt, &sx, &sxx);
            break;
        case kFastMaxF8: {
            double v = DatumGetFloat8(d);
            fstate = !have ? v : (float8_gt(fstate, v) ? fstate : v);
            break;
        }
        case kFastMinF8: {
            double v = DatumGetFloat8(d);
            fstate = !have ? v : (float8_lt(fstate, v) ? fstate : v);
            break;
        }
        case kFastSumInt:
            istate += int_of(a->fast_argtype, d);
            break;
        case kFastMaxInt: {
            int64 v = int_of(a->fast_argtype, d);
            istate = !have ? v : (istate > v ? istate : v);
            break;
        }
        case kFastMinInt: {
            int64 v = int_of(a->fast_argtype, d);
            istate = !have ? v : (istate < v ? istate : v);
            break;
        }
        default:
            break;
        }
        have = true;
    }
    if (fi >= 0)
        merge_fblk();
    if (r->skipped > 0) {
        // Block summaries inside the frame (collect): order-independent
        // aggregates (preagg_agg_ok), so the result is the rows' own; float8
        // min / max merged above; float8 sum / avg (float_sums =
        // 'approximate') by the rounding rule of docs/DEPLOY.md "Float sums":
        // the rows in frame order, then the blocks' sum B as one value.
        const PreaggAcc *pa = r->pa;
        int i = a->fast == kFastCountStar ? -1 : pa->col_of(a->fast_attno);
        if (a->fast == kFastCountStar)
            cnt += pa->rows;
        else if (i >= 0 && pa->count[i] > 0) {
            switch (a->fast) {
            case kFastCount:
                cnt += pa->count[i];
                break;
            case kFastMaxF8:
            case kFastMinF8:
                break;
            case kFastSumF8:
                fstate = have ? float8_pl(fstate, pa->fsum[i]) : pa->fsum[i];
                have = true;
                break;
            case kFastAvgF8:
                // float8_accum's Sx starts at 0 and N counts every value;
                // the blocks' part of Sxx (which only raises an overflow
                // error, impossible within the bound) is not kept.
                sx = float8_pl(sx, pa->fsum[i]);
                cnt += pa->count[i];
                break;
            case kFastSumInt:
                istate += int64(pa->sum[i]);
                have = true;
                break;
            case kFastMaxInt:
                istate = !have ? pa->max[i] : Max(istate, pa->max[i]);
                have = true;
                break;
            case kFastMinInt:
                istate = !have ? pa->min[i] : Min(istate, pa->min[i]);
                have = true;
                break;
            default:
                elog(ERROR, "feature_ext: aggregate without block summaries in a pre-aggregated window");
            }
        }
    }
    out->isnull = false;
    switch (a->fast) {
    case kFastCountStar:
    case kFastCount:
        out->value = Int64GetDatum(cnt);
        break;
    case kFastSumF8:
    case kFastMaxF8:
    case kFastMinF8:
        out->isnull = !have;
        out->value = Float8GetDatum(fstate);
        break;
    case kFastAvgF8:
        out->isnull = cnt == 0;
        out->value = Float8GetDatum(cnt ? sx / double(cnt) : 0);
        break;
    case kFastSumInt:
        out->isnull = !have;
        out->value = Int64GetDatum(istate);
        break;
    case kFastMaxInt:
    case kFastMinInt:
        out->isnull = !have;
        out->value = int_datum(a->fast_argtype, istate);
        break;
    default:
        break;
    }
}

// A 128-bit integer as a numeric, exactly as PostgreSQL's
// int128_to_numericvar + make_result give it (a normalised integer, dscale 0).
Datum int128_numeric(__int128 v)
{
    if (v >= __int128(PG_INT64_MIN) && v <= __int128(PG_INT64_MAX))
        return NumericGetDatum(int64_to_numeric(int64(v)));
    char buf[48], *e = buf + sizeof(buf) - 1;
    *e = '\0';
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
    do {
        *--e = char('0' + int(u % 10));
        u /= 10;
    } while (u != 0);
    if (neg)
        *--e = '-';
    return DirectFunctionCall3(numeric_in, CStringGetDatum(e), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

// An aggregate of AggPlan::pa_kind over the frame's rows plus the block
// summaries collect took (rows->skipped > 0).  Each result depends only on
// the exact sum, count, min and max of the values, which integer arithmetic
// gives alike in any order:
// - sum(int8): numeric_poly_sum, the 128-bit sum as a numeric (NULL without
//   values); avg(int2|int4|int8): int8_avg / numeric_poly_avg,
//   numeric_div(sum, count) (NULL at count 0);
// - feature_ext's *_where(x, true) (agg/kernels.hpp): SumWhere's 128-bit
//   sum in x's type (22003 outside it, as make_datum), AvgWhere's exact
//   float sum (of the exact float8 casts of int2/int4 values) / n,
//   MinMaxWhere's min / max, CountWhere's count;
//   NULL without values but for count_where (0).
// Does the condition of pa_kind aggregate a hold on ascending position pos
// (n = the request)?  `column <op> constant`: NULL never satisfies it (the
// *_where kernels' cond && ..., FILTER's WHERE).
bool pa_cond_at(const DeployPlan *p, const AggPlan *a, const Rows *r, int pos, const Datum *reqv, const bool *reqn)
{
    if (a->pa_cop == core::kCondTrue)
        return true;
    int n = r->n, ccol = a->pa_cattno - 1;
    bool is_req = pos == n;
    size_t cidx = is_req ? 0 : size_t(n - 1 - pos) * p->natts + ccol;
    if (is_req ? reqn[ccol] : r->isnull[cidx])
        return false;
    Datum cv = is_req ? reqv[ccol] : r->values[cidx];
    if (a->pa_ctype == TEXTOID) {
        // texteq / textne under a deterministic collation: bytes
        struct varlena *t = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(cv)));
        bool eq = int(VARSIZE_ANY_EXHDR(t)) == a->pa_ctext_len &&
                  memcmp(VARDATA_ANY(t), a->pa_ctext, size_t(a->pa_ctext_len)) == 0;
        return eq == (a->pa_cop == core::kCondEq);
    }
    return core::cond_holds(a->pa_cop, int_of(a->pa_ctype, cv), a->pa_ck);
}

// A pa_kind aggregate of a float8 column (fast_argtype FLOAT8OID) over the
// frame's rows plus the block summaries collect took (docs/DEPLOY.md,
// "Float sums"):
// - count_where / count FILTER: counts; min_where / max_where (agg::
//   MinMaxWhere: DoubleLess, the newest of ties) and min / max FILTER
//   (float8smaller / float8larger: the same order, the newest of ties):
//   the blocks' extreme enters the frame-order loop at its place (after
//   the rows older than its block), so both are exact;
// - sum_where / avg_where (float_sums = 'approximate' only): feature_ext's
//   exact sum (agg::ExactSum) of the rows read plus B, the blocks' sums
//   added into one double, rounded once; avg_where divides it by the count;
// - sum / avg FILTER (float_sums = 'approximate' only): PostgreSQL's
//   float8pl / float8_accum over the rows read in frame order, then B added
//   as one value (as run_fast's kFastSumF8 / kFastAvgF8).
void run_pa_float(DeployPlan *p, const AggPlan *a, const Rows *r, const Frame &f, const Datum *reqv,
                  const bool *reqn, ParamExecData *out)
{
    int n = r->n, natts = p->natts, col = a->fast_attno - 1;
    bool f4 = a->fast_argtype == FLOAT4OID;  // float4: widened (exact); min / max narrowed back (exact)
    const PreaggAcc *pa = r->pa;
    int64 bcnt = 0;
    double bsum = 0, bmin = 0, bmax = 0;
    int bpos_min = 0, bpos_max = 0;
    if (a->pa_cop != core::kCondTrue) {
        const PreaggAcc::Cond &cd = pa->cond[a->pa_ci];
        if (!cd.vf)
            elog(ERROR, "feature_ext: float aggregate without float block summaries");
        bcnt = cd.count, bsum = cd.fsum, bmin = cd.fmin, bmax = cd.fmax;
        bpos_min = cd.fpos_min, bpos_max = cd.fpos_max;
    } else {
        int i = pa->col_of(a->fast_attno);
        if (i < 0 || !pa->is_float[i])
            elog(ERROR, "feature_ext: float aggregate without float block summaries");
        bcnt = pa->count[i], bsum = pa->fsum[i], bmin = pa->fmin[i], bmax = pa->fmax[i];
        bpos_min = pa->fpos_min[i], bpos_max = pa->fpos_max[i];
    }
    uint8 kind = a->pa_kind;
    bool is_max = kind == AggPlan::kPaWhereMax || kind == AggPlan::kPaMax;
    bool is_min = kind == AggPlan::kPaWhereMin || kind == AggPlan::kPaMin;
    bool pending = (is_max || is_min) && bcnt > 0;
    double bext = is_max ? bmax : bmin;
    int bpos = n - (is_max ? bpos_max : bpos_min);
    agg::ExactSum es;
    int64 cnt = 0;
    double fstate = 0, sx = 0, sxx = 0;
    bool have = false;
    auto extreme = [&](double v) {
        if (!have)
            fstate = v;
        else if (is_max)
            fstate = float8_gt(fstate, v) ? fstate : v;
        else
            fstate = float8_lt(fstate, v) ? fstate : v;
        have = true;
    };
    for (int pos = Max(f.from, 0); pos <= Min(f.to, n); pos++) {
        if (pending && pos >= bpos) {
            extreme(bext);
            pending = false;
        }
        bool is_req = pos == n;
        if (is_req && f.skip_request)
            continue;
        if (!is_req && f.skip_peers && pos >= f.peers_from)
            continue;
        if (!pa_cond_at(p, a, r, pos, reqv, reqn))
            continue;
        size_t idx = is_req ? 0 : size_t(n - 1 - pos) * natts + col;
        if (is_req ? reqn[col] : r->isnull[idx])
            continue;
        Datum vd = is_req ? reqv[col] : r->values[idx];
        double v = f4 ? double(DatumGetFloat4(vd)) : DatumGetFloat8(vd);  // float4_accum widens too
        switch (kind) {
        case AggPlan::kPaWhereSum:
        case AggPlan::kPaWhereAvg:
            es.add(v);
            cnt++;
            break;
        case AggPlan::kPaWhereCount:
        case AggPlan::kPaCount:
            cnt++;
            break;
        case AggPlan::kPaWhereMin:
        case AggPlan::kPaMin:
        case AggPlan::kPaWhereMax:
        case AggPlan::kPaMax:
            extreme(v);
            break;
        case AggPlan::kPaSumF8:
            fstate = have ? float8_pl(fstate, v) : v;
            have = true;
            break;
        case AggPlan::kPaSumF4:
            // float4pl in frame order (22003 past float4's range, as
            // PostgreSQL); fstate holds the float4 widened (exact)
            fstate = have ? double(float4_pl(float(fstate), float(v))) : v;
            have = true;
            break;
        case AggPlan::kPaAvgF8:
            float8_accum_step(v, &cnt, &sx, &sxx);
            break;
        default:
            elog(ERROR, "feature_ext: aggregate without block summaries in a pre-aggregated window");
        }
    }
    if (pending)
        extreme(bext);
    if (bcnt > 0) {
        switch (kind) {
        case AggPlan::kPaWhereSum:
        case AggPlan::kPaWhereAvg:
            // float4: the blocks' double sums added exactly (each exact
            // unless float_sums = 'approximate'); float8: B as one value
            if (f4)
                es.merge(a->pa_cop != core::kCondTrue ? pa->cond[a->pa_ci].fx : pa->fx[pa->col_of(a->fast_attno)]);
            else
                es.add(bsum);
            cnt += bcnt;
            break;
        case AggPlan::kPaWhereCount:
        case AggPlan::kPaCount:
            cnt += bcnt;
            break;
        case AggPlan::kPaSumF8:
            fstate = have ? float8_pl(fstate, bsum) : bsum;
            have = true;
            break;
        case AggPlan::kPaSumF4: {
            // B rounded to float4 (beyond float4's range: PostgreSQL's
            // overflow error, 22003), then float4pl
            float b4 = float(bsum);
            if (std::isinf(b4))
                float_overflow_error();
            fstate = have ? double(float4_pl(float(fstate), b4)) : double(b4);
            have = true;
            break;
        }
        case AggPlan::kPaAvgF8:
            // float8_accum's Sx starts at 0 and N counts every value; the
            // blocks' part of Sxx (only an overflow error, impossible within
            // kPreaggFloatBound) is not kept.
            sx = float8_pl(sx, bsum);
            cnt += bcnt;
            break;
        default:
            break;
        }
    }
    (void) sxx;
    out->isnull = false;
    switch (kind) {
    case AggPlan::kPaWhereCount:
    case AggPlan::kPaCount:
        out->value = Int64GetDatum(cnt);
        break;
    case AggPlan::kPaWhereSum:
        // float4: the kernel's result, its double rounded to float4
        // (make_datum)
        out->isnull = cnt == 0;
        out->value = f4 ? Float4GetDatum(float(cnt ? es.value() : 0)) : Float8GetDatum(cnt ? es.value() : 0);
        break;
    case AggPlan::kPaWhereAvg:
        out->isnull = cnt == 0;
        out->value = Float8GetDatum(cnt ? es.value() / static_cast<double>(cnt) : 0);
        break;
    case AggPlan::kPaAvgF8:
        out->isnull = cnt == 0;
        out->value = Float8GetDatum(cnt ? sx / double(cnt) : 0);
        break;
    default:  // min / max, sum FILTER
        out->isnull = !have;
        out->value = f4 ? Float4GetDatum(float(fstate)) : Float8GetDatum(fstate);
        break;
    }
}

void run_pa_kind(DeployPlan *p, const AggPlan *a, const Rows *r, const Frame &f, const Datum *reqv,
                 const bool *reqn, ParamExecData *out)
{
    if ((a->fast_argtype == FLOAT8OID || a->fast_argtype == FLOAT4OID) && a->pa_kind != AggPlan::kPaWhereCountStar &&
        a->pa_kind != AggPlan::kPaCountStar) {
        run_pa_float(p, a, r, f, reqv, reqn, out);
        return;
    }
    int n = r->n, natts = p->natts, col = a->fast_attno - 1;
    bool star = a->pa_kind == AggPlan::kPaWhereCountStar || a->pa_kind == AggPlan::kPaCountStar;
    bool conditional = a->pa_cop != core::kCondTrue;
    int ccol = a->pa_cattno - 1;
    int64 cnt = 0, mn = 0, mx = 0;
    __int128 sum = 0;
    for (int pos = Max(f.from, 0); pos <= Min(f.to, n); pos++) {
        bool is_req = pos == n;
        if (is_req && f.skip_request)
            continue;
        if (!is_req && f.skip_peers && pos >= f.peers_from)
            continue;
        if (conditional) {
            // column <op> constant: NULL never satisfies it (the *_where
            // kernels' cond && ..., FILTER's WHERE).
            size_t cidx = is_req ? 0 : size_t(n - 1 - pos) * natts + ccol;
            if (is_req ? reqn[ccol] : r->isnull[cidx])
                continue;
            Datum cv = is_req ? reqv[ccol] : r->values[cidx];
            if (a->pa_ctype == TEXTOID) {
                // texteq / textne under a deterministic collation: bytes
                struct varlena *t = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(cv)));
                bool eq = int(VARSIZE_ANY_EXHDR(t)) == a->pa_ctext_len &&
                          memcmp(VARDATA_ANY(t), a->pa_ctext, size_t(a->pa_ctext_len)) == 0;
                if (eq != (a->pa_cop == core::kCondEq))
                    continue;
            } else if (!core::cond_holds(a->pa_cop, int_of(a->pa_ctype, cv), a->pa_ck))
                continue;
        }
        if (star) {
            cnt++;
            continue;
        }
        size_t idx = is_req ? 0 : size_t(n - 1 - pos) * natts + col;
        if (is_req ? reqn[col] : r->isnull[idx])
            continue;
        int64 v = int_of(a->fast_argtype, is_req ? reqv[col] : r->values[idx]);
        mn = cnt == 0 ? v : Min(mn, v);
        mx = cnt == 0 ? v : Max(mx, v);
        sum += v;
        cnt++;
    }
    const PreaggAcc *pa = r->pa;
    if (conditional) {
        const PreaggAcc::Cond &cd = pa->cond[a->pa_ci];
        if (star)
            cnt += cd.rows;
        else if (cd.count > 0) {
            mn = cnt == 0 ? cd.min : Min(mn, cd.min);
            mx = cnt == 0 ? cd.max : Max(mx, cd.max);
            cnt += cd.count;
            sum += cd.sum;
        }
    } else if (star)
        cnt += pa->rows;
    else {
        int i = pa->col_of(a->fast_attno);
        if (i < 0)
            elog(ERROR, "feature_ext: aggregate without block summaries in a pre-aggregated window");
        if (pa->count[i] > 0) {
            mn = cnt == 0 ? pa->min[i] : Min(mn, pa->min[i]);
            mx = cnt == 0 ? pa->max[i] : Max(mx, pa->max[i]);
            cnt += pa->count[i];
            sum += pa->sum[i];
        }
    }
    out->isnull = false;
    out->value = 0;
    switch (a->pa_kind) {
    case AggPlan::kPaWhereCount:
    case AggPlan::kPaWhereCountStar:
    case AggPlan::kPaCount:
    case AggPlan::kPaCountStar:
        out->value = Int64GetDatum(cnt);
        return;
    default:
        break;
    }
    if (cnt == 0) {
        out->isnull = true;
        return;
    }
    switch (a->pa_kind) {
    case AggPlan::kPaNumSum:
        out->value = int128_numeric(sum);
        break;
    case AggPlan::kPaNumAvg:
        out->value = DirectFunctionCall2(numeric_div, int128_numeric(sum), NumericGetDatum(int64_to_numeric(cnt)));
        break;
    case AggPlan::kPaWhereSum: {
        Oid t = a->fast_argtype;
        __int128 lo = t == INT2OID ? PG_INT16_MIN : t == INT4OID ? PG_INT32_MIN : PG_INT64_MIN;
        __int128 hi = t == INT2OID ? PG_INT16_MAX : t == INT4OID ? PG_INT32_MAX : PG_INT64_MAX;
        if (sum < lo || sum > hi)
            ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                            errmsg("%s out of range", t == INT2OID ? "smallint" : t == INT4OID ? "integer" : "bigint")));
        out->value = int_datum(t, int64(sum));
        break;
    }
    case AggPlan::kPaWhereAvg: {
        // AvgWhere<double> over the exact float8 casts of int2/int4 values:
        // ExactSum's correctly rounded exact sum / n.  The exact sum is the
        // integer sum: added in four 32-bit pieces, each exact as a double.
        agg::ExactSum es;
        for (int k = 0; k < 4; k++) {
            int64 piece = k < 3 ? int64((sum >> (32 * k)) & 0xffffffff) : int64(sum >> 96);
            es.add(std::ldexp(double(piece), 32 * k));
        }
        out->value = Float8GetDatum(es.value() / static_cast<double>(cnt));
        break;
    }
    case AggPlan::kPaWhereMin:
    case AggPlan::kPaMin:
        out->value = int_datum(a->fast_argtype, mn);
        break;
    case AggPlan::kPaWhereMax:
    case AggPlan::kPaMax:
        out->value = int_datum(a->fast_argtype, mx);
        break;
    case AggPlan::kPaSumInt:
        // sum(int2|int4): PostgreSQL's int8 sum (int2_sum / int4_sum and
        // int2int4_sum add without an overflow check; 2^32 rows away).
        out->value = Int64GetDatum(int64(uint64(sum)));
        break;
    default:
        elog(ERROR, "feature_ext: aggregate without block summaries in a pre-aggregated window");
    }
}

// Evaluate every window of group g over `rows` (stored rows, newest first)
// and the request row in p->req_slot; results go to p->params.
// Evaluate argument i of a window function on ascending position pos (n =
// the request).
Datum winfn_arg(DeployPlan *p, AggPlan *a, const Rows *rows, int pos, int i, bool *isnull)
{
    ExprContext *ec = p->econtext;
    if (pos == rows->n)
        ec->ecxt_scantuple = p->req_slot;
    else {
        set_row_slot(p, rows, asc_to_idx(rows->n, pos));
        ec->ecxt_scantuple = p->row_slot;
    }
    if (rows->nj > 0)
        union_row_inner(p, rows, pos == rows->n ? -1 : asc_to_idx(rows->n, pos));
    Datum v = ExecEvalExpr(a->args[i], ec, isnull);
    if (rows->nj > 0)
        union_row_inner(p, rows, -1);
    return v;
}

// A non-aggregate window function (WinKind) for the request row: the
// partition is the stored rows 0..n-1 (ascending) and the request at n, the
// last of its peers (stored rows peers_from..n-1 share its order value).
void eval_winfn(DeployPlan *p, AggPlan *a, const Rows *rows, const Frame &f, ParamExecData *out)
{
    int n = rows->n;
    int64 N = int64(n) + 1;  // partition rows
    out->isnull = false;
    auto int8_out = [&](int64 v) { out->value = Int64GetDatum(v); };
    auto copy_out = [&](Datum d, bool null) {
        out->isnull = null;
        out->value = null ? Datum(0) : datumCopy(d, a->result_typbyval, a->result_typlen);
    };
    // integer argument i (evaluated on the current row); false when NULL
    auto int_arg = [&](int i, int64 *v) {
        bool isnull;
        Datum d = winfn_arg(p, a, rows, n, i, &isnull);
        if (!isnull)
            *v = DatumGetInt32(d);
        return !isnull;
    };
    switch (a->wkind) {
    case kWinRowNumber:
        int8_out(N);
        return;
    case kWinRank:
        int8_out(int64(f.peers_from) + 1);
        return;
    case kWinDenseRank: {
        int64 groups = 0;  // distinct order values below the request's
        for (int pos = 0; pos < f.peers_from; pos++)
            groups += pos == 0 || rows->order[asc_to_idx(n, pos)] != rows->order[asc_to_idx(n, pos - 1)];
        int8_out(groups + 1);
        return;
    }
    case kWinPercentRank:
        out->value = Float8GetDatum(N > 1 ? double(f.peers_from) / double(N - 1) : 0.0);
        return;
    case kWinCumeDist:
        out->value = Float8GetDatum(1.0);  // every partition row is at or before the request
        return;
    case kWinNtile: {
        // PostgreSQL's window_ntile, stepped to the last row; the argument is
        // read on the partition's first row, as PostgreSQL does.
        bool anull;
        Datum d = winfn_arg(p, a, rows, 0, 0, &anull);
        if (anull) {
            out->isnull = true;
            return;
        }
        int32 nb = DatumGetInt32(d);
        if (nb <= 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_ARGUMENT_FOR_NTILE),
                            errmsg("argument of ntile must be greater than zero")));
        int64 boundary = N / nb, remainder = 0;
        if (boundary <= 0)
            boundary = 1;
        else {
            remainder = N % nb;
            if (remainder != 0)
                boundary++;
        }
        int32 ntile = 1;
        int64 per = 0;
        for (int64 r = 0; r < N; r++) {
            per++;
            if (boundary < per) {
                if (remainder != 0 && ntile == remainder) {
                    remainder = 0;
                    boundary -= 1;
                }
                ntile++;
                per = 1;
            }
        }
        out->value = Int32GetDatum(ntile);
        return;
    }
    case kWinLag:
    case kWinLead: {
        int64 off = 1;
        if (a->nargs > 1 && !int_arg(1, &off)) {
            out->isnull = true;
            return;
        }
        int64 pos = a->wkind == kWinLag ? int64(n) - off : int64(n) + off;
        bool vnull;
        Datum v;
        if (pos >= 0 && pos <= n)
            v = winfn_arg(p, a, rows, int(pos), 0, &vnull);
        else if (a->nargs > 2)
            v = winfn_arg(p, a, rows, n, 2, &vnull);  // the default, on the current row
        else {
            out->isnull = true;
            return;
        }
        copy_out(v, vnull);
        return;
    }
    default: {
        // first_value / last_value / nth_value: the frame's rows after exclusions.
        int64 nth = 1;
        if (a->wkind == kWinNthValue) {
            if (!int_arg(1, &nth)) {
                out->isnull = true;
                return;
            }
            if (nth <= 0)
                ereport(ERROR, (errcode(ERRCODE_INVALID_ARGUMENT_FOR_NTH_VALUE),
                                errmsg("argument of nth_value must be greater than zero")));
        }
        auto included = [&](int pos) {
            return !(pos == n && f.skip_request) && !(pos < n && f.skip_peers && pos >= f.peers_from);
        };
        int lo = Max(f.from, 0), hi = Min(f.to, n);
        int found = -1;
        if (a->wkind == kWinLastValue) {
            for (int pos = hi; pos >= lo && found < 0; pos--)
                if (included(pos))
                    found = pos;
        } else {
            int64 seen = 0;
            for (int pos = lo; pos <= hi && found < 0; pos++)
                if (included(pos) && ++seen == nth)
                    found = pos;
        }
        if (found < 0) {
            out->isnull = true;
            return;
        }
        bool vnull;
        Datum v = winfn_arg(p, a, rows, found, 0, &vnull);
        copy_out(v, vnull);
        return;
    }
    }
}

// eval_group()'s per-row context: made on first use, with the
// ExprContext that AggGetTempMemoryContext() reads (fake_agg's tmpcontext).
MemoryContext agg_row_context(DeployPlan *p)
{
    if (!p->agg_row_cxt) {
        MemoryContext cxt = AllocSetContextCreate(p->cxt, "feature_ext aggregate row", ALLOCSET_DEFAULT_SIZES);
        ExprContext *tmp = static_cast<ExprContext *>(MemoryContextAllocZero(p->cxt, sizeof(ExprContext)));
        tmp->type = T_ExprContext;
        tmp->ecxt_per_tuple_memory = cxt;
        tmp->ecxt_per_query_memory = p->cxt;
        p->fake_agg->tmpcontext = tmp;
        p->agg_row_cxt = cxt;
    }
    return p->agg_row_cxt;
}

// An interpreted aggregate over the frame, in ascending order, with
// PostgreSQL's transition-value rules (nodeWindowAgg.c's
// advance_windowaggregate):
// - each row's FILTER, arguments and transition call run in the per-row
//   context, reset after the row: a request's memory does not grow with
//   what the argument expressions allocate (repeat(s, 500) per row);
// - the transition value lives in the aggregate context (call_cxt, fake_agg's
//   curaggcontext): a by-reference value the transition function returns
//   that is not its first input is copied there (it may point into the
//   row's arguments: text min / max return one of their inputs), unless it
//   is a read/write expanded object already owned by that context, and the
//   previous value is freed;
// - a strict transition function skips rows with a NULL argument; with a
//   NULL initial value the first row that passes becomes the value (copied);
//   once it returned NULL the value stays NULL (the rows after are skipped).
// The final function runs in the caller's context (call_cxt) on the value
// made read-only, as PostgreSQL's finalize_windowaggregate.
void advance_aggregate(DeployPlan *p, AggPlan *a, const Rows &rows, const Frame &f, ParamExecData *pr)
{
    ExprContext *ec = p->econtext;
    MemoryContext aggcxt = p->call_cxt;
    MemoryContext rowcxt = agg_row_context(p);
    MemoryContext keep = CurrentMemoryContext;
    MemoryContextReset(rowcxt);  // (what an error left behind)
    Datum state = Datum(0);
    bool state_null = a->init_null;
    if (!a->init_null) {
        MemoryContextSwitchTo(aggcxt);
        state = datumCopy(a->init_value, a->transtypbyval, a->transtyplen);
        MemoryContextSwitchTo(keep);
    }
    bool started = false;  // a row reached the transition value (PostgreSQL's transValueCount > 0)
    LOCAL_FCINFO(fc, FUNC_MAX_ARGS);
    InitFunctionCallInfoData(*fc, &a->transfn, a->nargs + 1, a->collation, reinterpret_cast<Node *>(p->fake_agg),
                             nullptr);
    // One row, in the per-row context.
    auto advance = [&]() {
        if (a->filter) {
            bool fnull;
            Datum fv = ExecEvalExpr(a->filter, ec, &fnull);
            if (fnull || !DatumGetBool(fv))
                return;
        }
        bool anynull = false;
        for (int i = 0; i < a->nargs; i++) {
            fc->args[i + 1].value = ExecEvalExpr(a->args[i], ec, &fc->args[i + 1].isnull);
            anynull |= fc->args[i + 1].isnull;
        }
        if (a->trans_strict) {
            if (anynull)
                return;
            if (state_null) {
                if (started)
                    return;  // the strict function returned NULL: NULL to the end
                MemoryContextSwitchTo(aggcxt);
                state = datumCopy(fc->args[1].value, a->transtypbyval, a->transtyplen);
                MemoryContextSwitchTo(rowcxt);
                state_null = false;
                started = true;
                return;
            }
        }
        fc->args[0].value = state;
        fc->args[0].isnull = state_null;
        fc->isnull = false;
        Datum nv = FunctionCallInvoke(fc);
        bool nv_null = fc->isnull;
        started = true;
        if (!a->transtypbyval && DatumGetPointer(nv) != DatumGetPointer(state)) {
            if (!nv_null &&
                !(DatumIsReadWriteExpandedObject(nv, false, a->transtyplen) &&
                  MemoryContextGetParent(DatumGetEOHP(nv)->eoh_context) == aggcxt)) {
                MemoryContextSwitchTo(aggcxt);
                nv = datumCopy(nv, false, a->transtyplen);
                MemoryContextSwitchTo(rowcxt);
            }
            if (!state_null) {
                if (DatumIsReadWriteExpandedObject(state, false, a->transtyplen))
                    DeleteExpandedObject(state);
                else
                    pfree(DatumGetPointer(state));
            }
        }
        // A NULL state is kept as 0, never as the Datum the function returned
        // with it: PL/pgSQL returns a NULL variable's stale Datum (a pointer
        // into a freed row context), and a later non-NULL result allocated at
        // that address would pass the "returned its first input" test above
        // and not be copied (PostgreSQL's nodeWindowAgg.c has that bug;
        // nodeAgg.c zeroes it as here).  review_mem.sql checks it.
        state = nv_null ? Datum(0) : nv;
        state_null = nv_null;
    };
    for (int pos = Max(f.from, 0); pos <= Min(f.to, rows.n); pos++) {
        // a frame of millions of rows through a slow transition function:
        // cancel / statement_timeout stop it (as a transition function's
        // own error can, this loop holds nothing an error would leak)
        if ((pos & 1023) == 0)
            CHECK_FOR_INTERRUPTS();
        bool is_req = pos == rows.n;
        if (is_req && f.skip_request)
            continue;
        if (!is_req && f.skip_peers && pos >= f.peers_from)
            continue;
        if (is_req)
            ec->ecxt_scantuple = p->req_slot;
        else {
            set_row_slot(p, &rows, asc_to_idx(rows.n, pos));
            ec->ecxt_scantuple = p->row_slot;
        }
        if (rows.nj > 0)  // a union row's own joined columns
            union_row_inner(p, &rows, is_req ? -1 : asc_to_idx(rows.n, pos));
        MemoryContextSwitchTo(rowcxt);
        advance();
        MemoryContextSwitchTo(keep);
        MemoryContextReset(rowcxt);
    }
    if (rows.nj > 0)
        union_row_inner(p, &rows, -1);  // the request's joined row again (outputs read it)
    if (a->has_final) {
        if (a->final_strict && state_null) {
            pr->value = 0;
            pr->isnull = true;
        } else {
            LOCAL_FCINFO(ff, FUNC_MAX_ARGS);
            InitFunctionCallInfoData(*ff, &a->finalfn, a->nfinalargs, a->collation,
                                     reinterpret_cast<Node *>(p->fake_agg), nullptr);
            ff->args[0].value = MakeExpandedObjectReadOnly(state, state_null, a->transtyplen);
            ff->args[0].isnull = state_null;
            for (int i = 1; i < a->nfinalargs; i++) {
                ff->args[i].value = 0;
                ff->args[i].isnull = true;
            }
            Datum r = FunctionCallInvoke(ff);
            pr->isnull = ff->isnull;
            pr->value = MakeExpandedObjectReadOnly(r, ff->isnull, a->result_typlen);
        }
    } else {
        pr->value = MakeExpandedObjectReadOnly(state, state_null, a->transtyplen);
        pr->isnull = state_null;
    }
}

void eval_group(DeployPlan *p, int g, const Rows &rows, int64 base, Datum based, const Datum *values,
                const bool *isnull, const bool *skip)
{
    for (int w = 0; w < p->nwindows; w++) {
        WindowPlan *wp = &p->windows[w];
        if (wp->group != g)
            continue;
        Frame f;
        if (rows.skipped > 0) {
            // Rows taken as block summaries lie inside the frame, below the
            // request's peers: the frame over the rows that remain is the
            // same with the row counts shortened by them (docs/DEPLOY.md,
            // "Long windows").
            WindowPlan wc = *wp;
            if (wc.mode == kRows && wc.start_kind == kPreceding)
                wc.start_rows -= rows.skipped;
            if (wc.maxsize > 0)
                wc.maxsize -= rows.skipped;
            compute_frame(&wc, &rows, base, based, &f);
        } else
            compute_frame(wp, &rows, base, based, &f);
        for (int k = 0; k < p->naggs; k++) {
            AggPlan *a = &p->aggs[k];
            if (a->window != w || (skip && skip[k]))
                continue;
            if (a->wkind != kWinAgg) {
                eval_winfn(p, a, &rows, f, &p->params[k]);
                continue;
            }
            if (a->fast) {
                run_fast(p, a, &rows, f, values, isnull, &p->params[k]);
                continue;
            }
            if (rows.skipped > 0 && a->pa_kind != AggPlan::kPaNone) {
                run_pa_kind(p, a, &rows, f, values, isnull, &p->params[k]);
                continue;
            }
            if (rows.skipped > 0)
                elog(ERROR, "feature_ext: aggregate without block summaries in a pre-aggregated window");
            agg_ready(p, a);
            advance_aggregate(p, a, rows, f, &p->params[k]);
        }
    }
}

// Group g's kernel failed with rc: the interpreted aggregates of the group
// that come before the failing one in eval_group's order (window, then
// aggregate) run first, so that the error raised is the interpreter's.
void raise_group_error(DeployPlan *p, JitPlan *jp, int g, const Rows &rows, int64 base, Datum based,
                       const Datum *values, const bool *isnull, int rc, const bool *done)
{
    int fk = jit::kernel_failed_out(rc);
    if (!jp->groups[g].all_jitted && fk >= 0 && fk < p->naggs) {
        bool *skip = static_cast<bool *>(palloc(sizeof(bool) * p->naggs));
        int fw = p->aggs[fk].window;
        for (int k = 0; k < p->naggs; k++)
            skip[k] = jp->agg_jitted[k] || (done && done[k]) || p->aggs[k].window > fw ||
                      (p->aggs[k].window == fw && k > fk);
        eval_group(p, g, rows, base, based, values, isnull, skip);
    }
    raise_kernel_error(rc);
}

// A request of sub's plan whose request row is values / isnull (a stored
// row when stored: its TID tb / to is then not read again), its output row
// deformed into palloc'd arrays (*v, *nl: sub->out_desc's columns).  Used
// for the windows of a FROM subquery (win_sub_row) and of a LAST JOIN
// subquery (join_pg.cpp, fill_sub).
void run_row_request(DeployPlan *sub, const Datum *values, const bool *isnull, bool stored, uint32 tb, uint16 to,
                     Datum **v, bool **nl)
{
    sub->sub_row = stored;
    sub->sub_tid_block = tb;
    sub->sub_tid_off = to;
    Datum d = Datum(0);
    PG_TRY();
    {
        d = run_request(sub, values, isnull);
    }
    PG_FINALLY();
    {
        sub->sub_row = false;
    }
    PG_END_TRY();
    HeapTupleHeader th = DatumGetHeapTupleHeader(d);
    HeapTupleData tup;
    tup.t_len = HeapTupleHeaderGetDatumLength(th);
    ItemPointerSetInvalid(&tup.t_self);
    tup.t_tableOid = InvalidOid;
    tup.t_data = th;
    int n = sub->out_desc->natts;
    *v = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    *nl = static_cast<bool *>(palloc(sizeof(bool) * Max(n, 1)));
    heap_deform_tuple(&tup, sub->out_desc, *v, *nl);
}

// The window columns (DeployPlan::comp_win) of one row (values / isnull:
// natts, the table's columns the subquery reads filled): a request of the
// subquery's plan, whose request row is that row; a stored row (tid) is not
// read again by it (LAST JOIN subqueries' windows do the same, join_pg.cpp).
void win_sub_row(DeployPlan *p, Datum *values, bool *isnull, bool stored, uint32 tb, uint16 to)
{
    DeployPlan *sub = p->win_sub;
    if (g_jit && !sub->jit_tried) {  // compiled on first use, in each backend
        JitObject none;
        memset(&none, 0, sizeof(none));
        jit_attach(sub, &none);
    }
    Datum *v;
    bool *nl;
    run_row_request(sub, values, isnull, stored, tb, to, &v, &nl);
    for (int c = 0; c < p->ncomp; c++)
        if (p->comp_win[c] >= 0) {
            values[p->nreal + c] = v[p->comp_win[c]];
            isnull[p->nreal + c] = nl[p->comp_win[c]];
        }
}

void compute_request_columns(DeployPlan *p, Datum *values, bool *isnull, bool win_given)
{
    // FROM (SELECT expr AS c FROM t): the computed columns of the request
    // row, evaluated over the table's columns (plan_pg.cpp), into
    // values[nreal..natts) and p->req_slot.  win_given: the window columns
    // (comp_win) are filled already (offline, batch_pg.cpp) and kept.
    for (int a = p->nreal; a < p->natts; a++)
        if (!win_given || !p->comp_win || p->comp_win[a - p->nreal] < 0)
            values[a] = Datum(0), isnull[a] = true;
    ExecClearTuple(p->req_slot);
    memcpy(p->req_slot->tts_values, values, sizeof(Datum) * p->natts);
    memcpy(p->req_slot->tts_isnull, isnull, sizeof(bool) * p->natts);
    ExecStoreVirtualTuple(p->req_slot);
    ExprContext *ec = p->econtext;
    TupleTableSlot *saved = ec->ecxt_scantuple;
    ec->ecxt_scantuple = p->req_slot;
    for (int c = 0; c < p->ncomp; c++)  // (nullptr: a column the query does not read, NULL)
        if (p->comp_state[c])
            values[p->nreal + c] = ExecEvalExpr(p->comp_state[c], ec, &isnull[p->nreal + c]);
    ec->ecxt_scantuple = saved;
    if (p->win_sub && !win_given)  // the request row is in its own windows (the last of its peers)
        win_sub_row(p, values, isnull, false, 0, 0);
    ExecClearTuple(p->req_slot);
    memcpy(p->req_slot->tts_values, values, sizeof(Datum) * p->natts);
    memcpy(p->req_slot->tts_isnull, isnull, sizeof(bool) * p->natts);
    ExecStoreVirtualTuple(p->req_slot);
}

MemoryContext comp_row_context(DeployPlan *p)
{
    if (!p->comp_row_cxt)
        p->comp_row_cxt = AllocSetContextCreate(p->cxt, "feature_ext computed columns", ALLOCSET_SMALL_SIZES);
    return p->comp_row_cxt;
}

void compute_stored_columns(DeployPlan *p, int n, Datum *values, bool *isnull, const uint32 *tidb,
                            const uint16 *tido, bool win_given)
{
    if (!p->comp_rows || n <= 0)
        return;
    if (p->win_sub && !win_given) {
        bool any = false;
        for (int c = 0; c < p->ncomp; c++)
            any |= p->comp_win[c] >= 0 && p->comp_rows[c];
        if (any && !tidb)
            elog(ERROR, "feature_ext: window columns of stored rows without their TIDs");
        if (any) {
            // A stored row that is a peer of the request (its order value)
            // takes the request's value of the columns reading RANGE / GROUPS
            // windows (the request row is in its frame, which is the
            // request's); the others are computed from the row's own window.
            AttrNumber oa = p->win_order_attno;
            Form_pg_attribute oatt = TupleDescAttr(p->heap_desc, oa - 1);
            TupleTableSlot *rq = p->req_slot;
            bool peer_cols = false;
            for (int c = 0; c < p->ncomp; c++)
                peer_cols |= p->comp_win[c] >= 0 && p->comp_rows[c] && p->comp_win_peer[c];
            for (int i = 0; i < n; i++) {
                // one request of the subquery's plan per row: a long frame
                // takes seconds, and statement_timeout / cancel must stop it
                // (the index's read section is left by now)
                CHECK_FOR_INTERRUPTS();
                Datum *v = values + size_t(i) * p->natts;
                bool *nl = isnull + size_t(i) * p->natts;
                bool peer = peer_cols && !nl[oa - 1] && !rq->tts_isnull[oa - 1] &&
                            datumIsEqual(v[oa - 1], rq->tts_values[oa - 1], oatt->attbyval, oatt->attlen);
                bool own = false;
                for (int c = 0; c < p->ncomp; c++)
                    if (p->comp_win[c] >= 0 && p->comp_rows[c]) {
                        if (peer && p->comp_win_peer[c]) {
                            v[p->nreal + c] = rq->tts_values[p->nreal + c];
                            nl[p->nreal + c] = rq->tts_isnull[p->nreal + c];
                        } else
                            own = true;
                    }
                if (own) {
                    Datum *sv = static_cast<Datum *>(palloc(sizeof(Datum) * p->natts));
                    bool *sn = static_cast<bool *>(palloc(sizeof(bool) * p->natts));
                    memcpy(sv, v, sizeof(Datum) * p->natts);
                    memcpy(sn, nl, sizeof(bool) * p->natts);
                    win_sub_row(p, sv, sn, true, tidb[i], tido[i]);
                    for (int c = 0; c < p->ncomp; c++)
                        if (p->comp_win[c] >= 0 && p->comp_rows[c] && !(peer && p->comp_win_peer[c])) {
                            v[p->nreal + c] = sv[p->nreal + c];
                            nl[p->nreal + c] = sn[p->nreal + c];
                        }
                }
            }
        }
    }
    ExprContext *ec = p->econtext;
    TupleTableSlot *saved = ec->ecxt_scantuple;
    TupleTableSlot *s = p->row_slot;
    int natts = p->natts;
    // Each row's evaluation runs in a scratch context reset after the row;
    // only the values are kept (copied into the request's context), so a
    // request's memory grows with the values it keeps, not with what the
    // expressions allocate on the way (repeat(s, 500) per stored row).
    MemoryContext scratch = comp_row_context(p);
    MemoryContext keep = CurrentMemoryContext;
    MemoryContextReset(scratch);  // (what an error left behind)
    TupleDesc td = s->tts_tupleDescriptor;
    for (int i = 0; i < n; i++) {
        Datum *v = values + size_t(i) * natts;
        bool *nl = isnull + size_t(i) * natts;
        ExecClearTuple(s);
        memcpy(s->tts_values, v, sizeof(Datum) * natts);
        memcpy(s->tts_isnull, nl, sizeof(bool) * natts);
        ExecStoreVirtualTuple(s);
        ec->ecxt_scantuple = s;
        for (int c = 0; c < p->ncomp; c++) {
            if (!p->comp_rows[c] || !p->comp_state[c])  // (a window function reads it: the query does)
                continue;
            int a = p->nreal + c;
            MemoryContextSwitchTo(scratch);
            Datum d = ExecEvalExpr(p->comp_state[c], ec, &nl[a]);
            MemoryContextSwitchTo(keep);
            Form_pg_attribute att = TupleDescAttr(td, a);
            v[a] = nl[a] || att->attbyval ? d : datumCopy(d, false, att->attlen);
        }
        MemoryContextReset(scratch);
    }
    ec->ecxt_scantuple = saved;
}

Datum run_request(DeployPlan *p, const Datum *values, const bool *isnull)
{
    MemoryContext caller = CurrentMemoryContext;
    MemoryContextReset(p->call_cxt);
    MemoryContext old = MemoryContextSwitchTo(p->call_cxt);

    // The request row.
    ExecClearTuple(p->req_slot);
    memcpy(p->req_slot->tts_values, values, sizeof(Datum) * p->natts);
    memcpy(p->req_slot->tts_isnull, isnull, sizeof(bool) * p->natts);
    ExecStoreVirtualTuple(p->req_slot);
    if (p->ncomp > 0) {
        Datum *cv = static_cast<Datum *>(palloc(sizeof(Datum) * p->natts));
        bool *cn = static_cast<bool *>(palloc(sizeof(bool) * p->natts));
        memcpy(cv, values, sizeof(Datum) * p->natts);
        memcpy(cn, isnull, sizeof(bool) * p->natts);
        compute_request_columns(p, cv, cn);
        values = cv;
        isnull = cn;
    }

    for (int g = 0; g < p->ngroups; g++) {
        GroupPlan *gp = &p->groups[g];
        if (isnull[gp->order_attno - 1])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("request value for order column \"%s\" must not be NULL",
                                   NameStr(TupleDescAttr(p->heap_desc, gp->order_attno - 1)->attname))));
        for (int k = 0; k < gp->nkeys && !p->sub_plan; k++)
            if (isnull[gp->key_attnos[k] - 1])
                ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                                errmsg("request value for key column \"%s\" must not be NULL",
                                       NameStr(TupleDescAttr(p->heap_desc, gp->key_attnos[k] - 1)->attname))));
    }
    // Window functions over joined columns read the request's joined row
    // (the expression context's inner tuple) for every row of the window.
    bool joined = join_in_windows(p);
    if (joined)
        join_fill(p);
    for (int g = 0; g < p->ngroups; g++) {
        GroupPlan *gp = &p->groups[g];
        Datum based = values[gp->order_attno - 1];
        int64 base = order_from_datum(gp->order_kind, based);
        Rows rows;
        prepare_bounds(p, g, based, base);
        JitPlan *jp = p->jit;
        // A pre-aggregating group runs the interpreter's typed loops (the
        // kernel reads rows); where it keeps finding no whole block (short
        // RANGE windows, keys with few rows), the kernel serves the next
        // requests and pre-aggregation is tried again after them.
        bool pa_try = preagg_group(p, gp) && g_jit && jp && jp->groups[g].fn;
        if (pa_try && gp->pa_backoff > 0) {
            gp->pa_backoff--;
            pa_try = false;
        }
        if (g_jit && jp && jp->groups[g].fn && !pa_try) {
            int rc = collect(p, gp, values, isnull, base, based, &rows, g);
            if (rc == 0) {
                take_jit_results(p, jp, g);
                if (!jp->groups[g].all_jitted)
                    eval_group(p, g, rows, base, based, values, isnull, jp->agg_jitted);
                continue;
            }
            if (rc == jit::kNeedInterpreter) {  // this request only: values the kernel leaves to the interpreter
                collect(p, gp, values, isnull, base, based, &rows);
                eval_group(p, g, rows, base, based, values, isnull);
                continue;
            }
            if (rc > 0)
                raise_group_error(p, jp, g, rows, base, based, values, isnull, rc);
            jp->groups[g].fn = nullptr;  // layout changed: interpreter from now on
        }
        collect(p, gp, values, isnull, base, based, &rows);
        if (pa_try) {
            if (rows.skipped > 0)
                gp->pa_misses = 0;
            else if (++gp->pa_misses >= 4) {
                gp->pa_misses = 0;
                gp->pa_backoff = 64;
            }
        }
        eval_group(p, g, rows, base, based, values, isnull);
    }
    // Output row.
    Datum *ov = static_cast<Datum *>(palloc(sizeof(Datum) * p->nout));
    bool *on = static_cast<bool *>(palloc(sizeof(bool) * p->nout));
    project_row(p, values, isnull, ov, on, joined);
    MemoryContextSwitchTo(caller);
    HeapTuple t = heap_form_tuple(p->out_desc, ov, on);
    (void) old;
    return HeapTupleGetDatum(t);
}

}  // namespace fe

FE_FUNCTION(fe_preagg_stats)
{
    TupleDesc td;
    if (get_call_result_type(fcinfo, nullptr, &td) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    Datum v[2] = {Int64GetDatum(fe::g_preagg_blocks), Int64GetDatum(fe::g_preagg_rows)};
    bool n[2] = {false, false};
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(td), v, n)));
}
