// feature_ext: what the request executor (deploy/exec_pg.cpp) shares with the
// batch executor (deploy/batch_pg.cpp).  C-style zone (see storage/storage_pg.hpp): these
// functions may ereport.
#pragma once

#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/agg/common.hpp"
#include "feature_ext/jit/spec.hpp"

namespace fe {

// Block summaries a request took instead of rows (docs/DEPLOY.md, "Long
// windows"): the rows they stand for lie inside every window of the group,
// strictly older than the request's order value.  Per summarised column
// (the slot's SumCol order): heap attribute, non-null count, exact sum,
// min, max.
// palloc aligns to 8 bytes only: a 128-bit integer that does not ask for 16.
typedef __int128 int128_a8 __attribute__((aligned(8)));
struct PreaggAcc {
    int64 rows;
    int ncols;
    AttrNumber attno[core::kMaxSumCols];
    int64 count[core::kMaxSumCols];
    int128_a8 sum[core::kMaxSumCols];
    int64 min[core::kMaxSumCols], max[core::kMaxSumCols];
    // float8 columns (core::kSumF64; docs/DEPLOY.md, "Float sums"): the
    // blocks' sums added newest block first (fsum_ok: a sum or avg of the
    // column needs it, and a block is taken only when its values are finite
    // and within +-kPreaggFloatBound); min / max in PostgreSQL's float8
    // order, the newest of ties, and fpos_*: the rows read (newer than it)
    // when the block giving it was taken, so that a request puts it at its
    // place in frame order.
    bool is_float[core::kMaxSumCols];
    bool fsum_need[core::kMaxSumCols];
    double fsum[core::kMaxSumCols], fmin[core::kMaxSumCols], fmax[core::kMaxSumCols];
    int fpos_min[core::kMaxSumCols], fpos_max[core::kMaxSumCols];
    // float4 columns of sum_where / avg_where (condition true): the blocks'
    // double sums added exactly (fx); fx_strict: a block is taken only when
    // its double sum is the exact sum of its values (ColSum::sum_hi ==
    // core::kFsumExact), so the result is bit-identical to the rows' (not
    // under float_sums = 'approximate': docs/DEPLOY.md, "Float sums").
    bool fx_strict;
    bool fx_need[core::kMaxSumCols];
    agg::ExactSum fx[core::kMaxSumCols];
    // Conditional aggregates (AggPlan::pa_cop): per distinct (condition,
    // value column), the summaries' map entries whose value satisfies it.
    struct Cond {
        int cj;            // condition column (slot column index)
        uint8 op;
        int64 k;
        int vi;            // value column (slot column index), -1: rows only
        int64 rows, count, min, max;
        int128_a8 sum;
        // a text column's condition (k = core::text_hash of these bytes):
        // a block is taken only when its map entry of hash k, if any, has
        // a representative row holding exactly these bytes.
        const char *text;
        int text_len;
        // a float8 value column (vi): the map entries' non-null count is
        // count; their sums added into fsum (newest block first, a block's
        // entries as they come), min / max in PostgreSQL's float8 order,
        // the newest of ties (a block whose satisfying entries tie with
        // different bits, -0 / +0, is read as rows), and fpos_*: the rows
        // read (newer) when the block giving it was taken.
        bool vf;
        double fsum, fmin, fmax;
        int fpos_min, fpos_max;
        // a float4 value column of sum_where / avg_where: the satisfying
        // entries' double sums added exactly (as PreaggAcc::fx)
        bool xneed;
        agg::ExactSum fx;
    };
    static constexpr int kMaxConds = 32;
    int nconds;
    uint32 cond_mask;      // condition columns (bit per slot column)
    Cond cond[kMaxConds];
    int col_of(AttrNumber a) const
    {
        for (int i = 0; i < ncols; i++)
            if (attno[i] == a)
                return i;
        return -1;
    }
};

// The stored rows of one key that a request (or a batch source row) sees,
// newest first.  With `skipped` > 0, that many rows between them were taken
// as block summaries (pa): rows[] is then the newer rows, then the older
// ones, without them.
struct Rows {
    int n;            // stored rows (newest first)
    int64 *order;     // order values
    Datum *orderd;    // as Datums of the order type
    Datum *values;    // n * natts, by attribute
    bool *isnull;
    const uint8 **payloads;  // JIT groups: the stored rows' payloads
    uint32 *tidb = nullptr;  // heap TIDs (groups reading window columns of the FROM subquery)
    uint16 *tido = nullptr;
    int64 skipped = 0;
    const PreaggAcc *pa = nullptr;
    // Union rows with joined columns of their own (union_row_inner()):
    // per row nj values of the joined row, jset: supplied by the row.
    int nj = 0;
    Datum *jvalues = nullptr;
    bool *jisnull = nullptr;
    bool *jset = nullptr;
    bool *jown = nullptr;  // per row
};

// Frame of a window as ascending positions [from, to] over 0..n (n = the
// request row), plus exclusions.  Empty when from > to.  Excluded stored
// peers are always the top of the stored rows, so the stored part of a frame
// is one contiguous run: [from, min(to, n - 1, skip_peers ? peers_from - 1 : n - 1)].
struct Frame {
    int from, to;
    bool skip_request;
    int peers_from;  // first ascending position with order == base (peers), n if none
    bool skip_peers;
};

inline int asc_to_idx(int n, int pos) { return n - 1 - pos; }  // ascending position -> newest-first index

// A copy of an index's metadata in cxt (the store's slot outlives the
// relcache entry it came from).
IndexMeta *copy_meta(MemoryContext cxt, const IndexMeta *cm);
// The ready slot of skiplist index indexoid, cached in *slot / *generation /
// *meta (meta copied into cxt): re-resolved (ready_slot: may wait for a load,
// may ereport) only when the cached one no longer serves the index (slots are
// reused only after their index was dropped).  Returns true when it
// re-resolved.
bool cached_slot(MemoryContext cxt, Oid indexoid, core::IndexSlot **slot, uint64 *generation, IndexMeta **meta);
// The lowest order value a RANGE window of group g reaches, when every such
// bound is a plain int64 (prepare_bounds; *fast stays true), else *fast is
// false; INT64_MAX when no RANGE window reaches below the request.
int64 group_range_lo(const DeployPlan *p, const GroupPlan *g, int64 base, bool *fast);

// Per request: RANGE bounds of group `group`'s windows as int64 where the
// order type allows.
void prepare_bounds(DeployPlan *p, int group, Datum based, int64 base);
void compute_frame(WindowPlan *w, const Rows *r, int64 base, Datum based, Frame *f);
// Every window of group g over rows + the request row in p->req_slot;
// results to p->params.  skip[k]: aggregate k is computed elsewhere.
void eval_group(DeployPlan *p, int g, const Rows &rows, int64 base, Datum based, const Datum *values,
                const bool *isnull, const bool *skip = nullptr);
// The frames of a compiled group's windows, then its kernel (results in
// jp->out); returns the kernel's error code.
int call_group_kernel(DeployPlan *p, JitPlan *jp, JitGroup *jg, const Rows *r, int64 base, Datum based,
                      const uint8 *req, const Datum *reqv, const bool *reqn, jit::KFrame *frames);
// Group g's compiled results from jp into p->params.
void take_jit_results(DeployPlan *p, JitPlan *jp, int g);
[[noreturn]] void raise_kernel_error(int rc);
// Group g's kernel (in jp) failed with rc: first the group's interpreted
// aggregates that come before the failing one (not those in done[], which is
// optional), so that the error raised is the interpreter's, then rc's error.
[[noreturn]] void raise_group_error(DeployPlan *p, JitPlan *jp, int g, const Rows &rows, int64 base, Datum based,
                                    const Datum *values, const bool *isnull, int rc, const bool *done = nullptr);
// Output columns of a row in p->req_slot, aggregate results in p->params.
// joined: the joins were filled for this row already (join_in_windows).
void project_row(DeployPlan *p, const Datum *values, const bool *isnull, Datum *ov, bool *on, bool joined = false);
// What PostgreSQL's planner does to a function call before the executor
// sees it (eval_const_expressions' expand_function_arguments): named
// arguments in declaration order, omitted ones filled with their defaults,
// in every FuncExpr of node (a copy).  Without it a call relying on a
// default reached the function with an argument missing (deploy/plan_pg.cpp).
Node *expand_call_args(Node *node);

}  // namespace fe
