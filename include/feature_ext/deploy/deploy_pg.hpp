// feature_ext: deployed request-mode plans.
//
// A deployment is a window query over one feature_store table.  Its plan is
// flat and typed: index groups (one per skiplist index + key, read once for
// all windows on it), windows (frame rules as numbers), aggregates (a
// PostgreSQL aggregate with its argument expressions and FILTER), and the
// output projection (PostgreSQL expressions in which every window function
// result is a PARAM_EXEC).  The interpreter (deploy/exec_pg.cpp) runs it with
// PostgreSQL's own aggregate transition functions, so every result has
// PostgreSQL's semantics and type.  Storage files' error style applies
// (C-style zone, see storage/storage_pg.hpp).
#pragma once

#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "executor/execExpr.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "utils/tuplestore.h"
}

namespace fe {

// Frame bound kinds, relative to the request row (the last row, position N).
enum BoundKind : uint8 { kUnbounded, kPreceding, kCurrent, kFollowing };
enum FrameMode : uint8 { kRows, kRange, kGroups };
enum Exclusion : uint8 { kExclNone, kExclCurrent, kExclGroup, kExclTies };

struct WindowPlan {
    int group;                 // index group it reads
    FrameMode mode;
    BoundKind start_kind, end_kind;
    int64 start_rows, end_rows;        // ROWS / GROUPS offsets
    Datum start_off, end_off;          // RANGE offsets (order column type or interval)
    bool start_off_null, end_off_null;
    Exclusion excl;
    // Deploy-only window modifiers (feature_ext.maxsize(n) /
    // feature_ext.exclude_current_time() in PARTITION BY; OpenMLDB's MAXSIZE
    // and EXCLUDE CURRENT_TIME on ROWS frames):
    int64 maxsize;             // > 0: at most this many newest rows of the frame
    bool time_first;           // stored rows with the request's order value are
                               // dropped before a ROWS frame counts its rows
    int winref;
    FmgrInfo start_inrange, end_inrange;  // RANGE offsets: PostgreSQL's in_range support
    Oid inrange_coll;
    Oid offset_type;
    // Per request: in_range(val, base, off) is "val >= base -/+ off" (start)
    // or "val <= base -/+ off" (end); for integer and timestamp order columns
    // the bound is computed once and rows compare as int64.
    bool bound_fast;
    int64 start_bound, end_bound;
    struct UnionWindow *uni;   // union window modifiers (deploy/union_pg.hpp), or nullptr
};

// Built-in aggregates computed by typed loops instead of fmgr calls; each
// reproduces PostgreSQL's transition function bit for bit (same order of
// additions, NaN ordering, overflow errors).
enum FastAgg : uint8 {
    kFastNone, kFastCountStar, kFastCount, kFastSumF8, kFastAvgF8, kFastMaxF8, kFastMinF8,
    kFastSumInt,   // sum(int2|int4) -> int8
    kFastMaxInt, kFastMinInt  // int2, int4, int8
};

// Non-aggregate window functions (PostgreSQL's built-ins), evaluated over the
// request's partition = the stored rows up to its order value + the request
// (last of its peers); frame-based ones over the window's frame.
enum WinKind : uint8 {
    kWinAgg = 0, kWinRowNumber, kWinRank, kWinDenseRank, kWinPercentRank, kWinCumeDist, kWinNtile,
    kWinLag, kWinLead, kWinFirstValue, kWinLastValue, kWinNthValue
};

struct AggPlan {
    int window;
    WinKind wkind;             // kWinAgg: an aggregate (everything below)
    FastAgg fast;
    AttrNumber fast_attno;     // argument column of a fast aggregate (or of a pa_kind one)
    // Aggregates without a typed loop that block summaries can serve in long
    // windows (docs/DEPLOY.md, "Long windows"): fast == kFastNone, computed
    // by their transition functions on rows, and from the summaries' exact
    // 128-bit sum, count, min and max when summaries are taken (run_pa_kind).
    // kPaNumSum: sum(int8), kPaNumAvg: avg(int2|int4|int8) (numeric results);
    // kPaWhere*: feature_ext.{sum,avg,min,max,count}_where(int column, true)
    // and count_where(true) (the OpenMLDB dialect's sum/avg/min/max/count
    // and *_where with a constant true condition).
    // With a condition `column <op> integer constant` (pa_cop != 0,
    // core::CondOp): *_where(x, c > 0), count_where(c = 1), and PostgreSQL's
    // count(*) / count / sum / avg / min / max of an integer column with
    // FILTER (WHERE c > 0) (kPaCountStar .. kPaMax); summaries then come from
    // the blocks' per-value maps of the condition column.
    enum : uint8 {
        kPaNone = 0, kPaNumSum, kPaNumAvg,
        kPaWhereSum, kPaWhereAvg, kPaWhereMin, kPaWhereMax, kPaWhereCount, kPaWhereCountStar,
        kPaCountStar, kPaCount, kPaSumInt, kPaMin, kPaMax,
        // sum(float8) / avg(float8) with FILTER (WHERE column <op> constant):
        // PostgreSQL's float8pl / float8_accum over the rows, the blocks'
        // sum added as one value (deploy option float_sums = 'approximate'
        // only; docs/DEPLOY.md, "Float sums").  The *_where kinds and
        // kPaCount / kPaMin / kPaMax also take a float8 column
        // (fast_argtype FLOAT8OID: run_pa_float).
        kPaSumF8, kPaAvgF8,
        // sum(float4), with or without FILTER: PostgreSQL's float4pl over
        // the rows in frame order, then the blocks' double sum rounded to
        // float4 and added by float4pl (float_sums = 'approximate' only).
        kPaSumF4
    } pa_kind;
    uint8 pa_cop;              // core::CondOp of the condition (0: none, the constant true)
    AttrNumber pa_cattno;      // the condition's column
    Oid pa_ctype;              // its type (int2|int4|int8; TEXTOID: a text / varchar column)
    int64 pa_ck;               // the condition's constant (text: core::text_hash of its bytes)
    const char *pa_ctext;      // text: the constant's bytes (pa_ctext_len of them)
    int pa_ctext_len;
    int pa_ci;                 // its accumulator in the group's PreaggAcc (collect)
    Oid fast_argtype;
    Oid aggfnoid;
    Oid collation;             // the aggregate call's input collation (min/max of text, ...)
    bool is_agg;               // plain aggregate used as a window function
    int nargs;
    ExprState **args;          // evaluated on the row slot
    ExprState *filter;         // FILTER (WHERE ...) or nullptr
    // args / filter are made from these on first interpreted use
    // (agg_ready): compiled aggregates never need them.
    Expr **arg_exprs;
    Expr *filter_expr;
    bool ready;
    int sig_first;             // first aggregate of the plan with the same signature
    Oid transtype;
    int16 transtyplen;
    bool transtypbyval;
    FmgrInfo transfn;
    bool trans_strict;
    bool has_final;
    FmgrInfo finalfn;
    bool final_strict;
    bool final_extra;
    int nfinalargs;
    bool init_null;
    Datum init_value;          // in the plan's context
    Oid result_type;
    int16 result_typlen;
    bool result_typbyval;
};

struct GroupPlan {
    Oid indexoid;
    int nkeys;
    AttrNumber key_attnos[INDEX_MAX_KEYS];  // request columns in index key order
    AttrNumber order_attno;
    OrderKind order_kind;
    Oid order_type;
    // What the largest frame needs: newest rows, or rows down to a bound.
    bool need_all;
    int64 need_rows;           // ROWS/GROUPS: stored rows needed (groups: peer groups)
    bool need_groups;
    bool need_range;           // any RANGE window with an offset
    // Resolved on first use and re-checked on every call (generation + state).
    IndexMeta *meta;           // copy in the plan's context
    core::IndexSlot *slot;
    uint64 slot_generation;
    // Row buffers reused by every request (plan context, grow only): no
    // allocation or page faults per call once warm.
    int buf_cap;
    int64 *buf_order;
    Datum *buf_orderd;
    Datum *buf_values;         // buf_cap * natts, allocated only when some aggregate is interpreted
    bool *buf_isnull;
    int buf_values_cap;
    const uint8 **buf_payloads;
    uint32 *buf_tidb;          // the rows' heap TIDs (comp_rows with window columns: DeployPlan::win_sub)
    uint16 *buf_tido;
    // Pre-aggregation (docs/DEPLOY.md, "Long windows"): 0 not decided yet,
    // 1 never (a short window or an aggregate without summaries), 2 when
    // the request allows; the summaries taken by the last collect.
    int8 preagg;
    struct PreaggAcc *pa;
    // With a compiled kernel: requests in a row that took no summary, and
    // requests left to the kernel before pre-aggregation is tried again.
    int16 pa_misses, pa_backoff;
    struct UnionGroup *uni;    // a union window's group: the tables it merges (deploy/union_pg.hpp),
                               // or nullptr; indexoid is then the main table's index or InvalidOid
    bool comp_rows;            // its window functions read computed columns of stored rows
                               // (DeployPlan::comp_rows): never block summaries
    // A LAST JOIN subquery's own window (DeployPlan::sub_row): the stored
    // row's peers inserted after it follow it (are not read): its ROWS
    // windows; else (RANGE / GROUPS) every peer is in the frame.
    bool peers_follow;
};

// Compiled code attached to a plan (jit/jit_pg.cpp); nullptr = interpreter.
struct JitGroup {
    void *fn;                  // jit::GroupFn, nullptr when no aggregate of the group compiled
    int nwin;                  // kernel frame slots
    int *windows;              // plan window index of each slot
    bool all_jitted;           // every aggregate of the group is compiled
    int nstored, stored_fixed; // payload layout the kernel was compiled for
};

struct JitPlan {
    void *loaded;              // jit::Image (jit/loader.cpp) or, where that linker cannot, jit::Loaded;
                               // released with the plan's memory context
    int ngroups;
    JitGroup *groups;
    bool *agg_jitted;          // per plan aggregate
    int njitted;
    uint64 *out;               // kernel results, per plan aggregate
    uint8 *out_null;
    double load_ms, compile_ms;
    bool from_catalog;         // object loaded from feature_ext.deployment
    void *proj;                // jit::ProjFn, or nullptr: outputs by PostgreSQL's evaluator
    bool *out_jitted;          // per output column
    int nout_jitted;
    uint64 *aggw, *outw;       // projection inputs / outputs
    uint8 *aggn, *outn;
};

struct DeployPlan {
    MemoryContext cxt;         // owns everything below
    Oid heapoid;
    int natts;                 // table columns (incl. dropped)
    TupleDesc heap_desc;
    int nparams;               // request parameters (non-dropped columns)
    // FROM (SELECT ..., expr AS c FROM t) (from_subquery_rewrite): the
    // subquery's computed columns are attributes nreal+1..natts of heap_desc,
    // evaluated over the request row (attributes 1..nreal, the table's) at
    // every request; and over each stored row of the table a window reads
    // when a window function's argument or FILTER reads them (comp_rows),
    // after the store's read section is left (compute_stored_columns).
    int nreal;                 // the table's columns (natts without the computed ones)
    int ncomp;
    ExprState **comp_state;    // per computed column, over req_slot (or row_slot: same layout)
    bool *comp_rows;           // per computed column: computed per stored row too (nullptr: none is)
    MemoryContext comp_row_cxt;  // computed columns' per-row scratch (comp_row_context: made on first use)
    // FROM (SELECT ..., sum(v) OVER w2 AS c FROM t WINDOW w2 AS (...)): the
    // subquery planned as a deployment of its own over t (sub_plan); a
    // computed column c with comp_win[c] >= 0 is its output comp_win[c]
    // (0-based), computed for the request row by a request of win_sub and
    // for a stored row by a request whose request row is that stored row
    // (sub_row, its TID); comp_win_peer[c]: a stored row that is a peer of
    // the request (equal order value) takes the request's value (its
    // RANGE / GROUPS frame holds the request row, and is the request's).
    struct DeployPlan *win_sub;
    int *comp_win;             // nullptr: no window column
    bool *comp_win_peer;
    AttrNumber win_order_attno;
    // heap_desc with the table's columns under the subquery's names (a
    // column it leaves out under a name no union column has): what union
    // tables' columns match by name; nullptr: heap_desc's names.
    TupleDesc match_desc;
    AttrNumber *param_attnos;
    Datum *req_values;         // the request row, reused by every call (natts)
    bool *req_isnull;
    int ngroups;
    GroupPlan *groups;
    int nwindows;
    WindowPlan *windows;
    int naggs;
    AggPlan *aggs;
    int nout;
    ExprState **outputs;       // nullptr where out_param >= 0
    int *out_param;            // output i is aggregate out_param[i]'s result as is, or -1
    TupleDesc out_desc;
    ParamExecData *params;     // one per aggregate (PARAM_EXEC ids)
    ExprContext *econtext;
    TupleTableSlot *req_slot;
    TupleTableSlot *row_slot;
    TupleTableSlot *row_jslot = nullptr;  // a union row's own joined row (union_row_inner)
    bool *cols_needed;         // table columns the aggregates read (by attno-1)
    MemoryContext call_cxt;    // reset after every call; the aggregates' context (transition values)
    AggState *fake_agg;        // context for transition functions
    // eval_group()'s per-row context (made on first use): each row's FILTER,
    // arguments and transition call run in it, and it is reset after the
    // row, as PostgreSQL's window executor resets its per-input-tuple
    // context; fake_agg's tmpcontext.
    MemoryContext agg_row_cxt;
    const char *name;
    struct DeployStats *stats; // shared call statistics (may be nullptr)
    struct CitusRoute *route;  // a Citus distributed table: shard plans by key (functions_pg.cpp), or nullptr
    List *agg_exprs;           // the WindowFunc of each aggregate (for the JIT)
    List *out_exprs;           // output expressions, window functions as PARAM_EXEC (for the JIT)
    JitPlan *jit;              // compiled kernels, or nullptr
    bool jit_tried;            // jit_attach() ran (whatever its outcome)
    JitPlan *jit_batch;        // batch(): kernels without the sliding aggregates
    bool jit_batch_tried;
    // Deploy time only (not kPlanBound): the query as PostgreSQL analysed it,
    // deparsed with every object qualified (what later plans parse), and that
    // analysed query (its objects are recorded as the deployment's
    // dependencies).
    char *bound_query;
    char *bound_tree;          // the analysed query by OID (bound_tree_key() prefix)
    Query *analyzed;
    struct JoinPlan *joins;    // joined tables (deploy/join_pg.hpp), or nullptr
    // The plan of a LAST JOIN subquery's own window (join_pg.cpp): its
    // "request" is a stored row of its table, identified by its TID, which
    // collect() does not read again (nor its later peers, GroupPlan::peers_follow);
    // a NULL key is looked up (the index's NULL key), not refused.
    bool sub_plan;
    bool sub_row;              // set per call: the row below is the request
    // deploy()'s option float_sums = 'approximate' (docs/DEPLOY.md, "Float
    // sums"): sum / avg of float8 columns may take block summaries.  Set
    // from the catalog row's options (plan_row), never from a setting.
    bool preagg_float;
    uint32 sub_tid_block;
    uint16 sub_tid_off;
};

// deploy() options that let planning fix what it would otherwise refuse.
enum PlanFixes { kFixNone = 0, kFixCreateIndex = 1, kFixAdjustTtl = 2 };
// kPlanBound: `query` is a deployment's bound query (PostgreSQL dialect, every
// object qualified), parsed under a pinned search_path, with its one table
// re-bound to bind_relid (so RENAME / SET SCHEMA of the table keep working).
enum PlanMode { kPlanBound = 8, kPlanSub = 16 };
// The prefix of a bound tree written here: "system identifier/database
// OID/major:" (a tree holds OIDs, valid in this database of this server only).
const char *bound_tree_key();
// The plan of a deployment's catalog row: its bound tree (the analysed
// query, every object by OID: renames of its columns, functions, types and
// schemas are followed, as a view's are) when the tree was written here for
// table relid, else the bound text stored at deploy time (after a restore or
// pg_upgrade), parsed as kPlanBound.  Errors are those of planning the
// tree's deparsed text (with its positions).
DeployPlan *plan_bound(const char *name, const char *bound, const char *tree, Oid relid, MemoryContext parent,
                       StringInfo explain);
// The plan of a bound tree (written here) with its tables replaced:
// from[i] by to[i] (to[0] stands for the deployment's table).  A Citus
// shard's plan of a deployment that reads several tables (functions_pg.cpp).
DeployPlan *plan_bound_mapped(const char *name, const char *tree, int nmap, const Oid *from, const Oid *to,
                              MemoryContext parent);
// A bound tree as the bound text it stands for now (its objects named as
// they are called today, every one outside pg_catalog with its schema), or
// nullptr when the tree was not written here.  A rename's event trigger
// stores it as bound_query, so that a dump carries today's names.
const char *bound_tree_text(const char *tree);
// Whether a bound tree was written here (this server, database, major).
bool bound_tree_is_local(const char *tree);
// A bound text parsed and analysed as plans do (pinned search_path, its
// table re-bound to relid), not planned: what a restored deployment's tree
// is made from (its indexes may not exist yet).
Query *analyze_bound_text(const char *name, const char *bound, Oid relid);

// Parse, check and plan a query (deploy/plan_pg.cpp).  Errors with positions.
// With fix flags, missing indexes / short TTLs are not errors: the DDL that
// fixes them is appended to *fixes and nullptr is returned (run it, plan again).
DeployPlan *plan_deployment(const char *name, const char *query, MemoryContext parent, bool check_only,
                            StringInfo explain, int fix_flags = kFixNone, List **fixes = nullptr,
                            Oid bind_relid = InvalidOid);
// The plan of a LAST JOIN subquery's own window (a SELECT over one
// feature_store table with window functions, analysed): a deployment of its
// own, planned as a bound query (positions dropped from errors), owned by
// `parent`.  With fix flags, nullptr and *fixes as plan_deployment.
DeployPlan *plan_sub_query(const char *name, Query *q, MemoryContext parent, int fix_flags, List **fixes);
// The states of aggregate a's arguments and FILTER (a->args, a->filter),
// made on first use, in the plan's context.
void agg_ready(DeployPlan *p, AggPlan *a);
// Run one request: values/isnull by table attribute number.  Returns the
// output tuple as a Datum (composite) in the caller's context.
// The computed columns (DeployPlan::ncomp) of a request row whose table columns are filled.
// win_given: the window columns (comp_win) are filled (offline) and kept.
void compute_request_columns(DeployPlan *p, Datum *values, bool *isnull, bool win_given = false);
// The computed columns a window reads of stored rows (DeployPlan::comp_rows)
// of n stored rows (values/isnull: n * natts, the table's columns they read
// decoded), evaluated by PostgreSQL's evaluator over p->row_slot.  Never
// inside a store read section (an expression may call any function).
// Window columns (comp_win) need the rows' heap TIDs (tidb / tido, or
// nullptr: an error if the plan has any).
// win_given: the window columns are filled (offline) and kept.
void compute_stored_columns(DeployPlan *p, int n, Datum *values, bool *isnull, const uint32 *tidb = nullptr,
                            const uint16 *tido = nullptr, bool win_given = false);
// The per-row scratch context of computed columns (compute_stored_columns, union tables' compute_pending).
MemoryContext comp_row_context(DeployPlan *p);
Datum run_request(DeployPlan *p, const Datum *values, const bool *isnull);
// Split a subquery's window groups that hold both windows reading a row's
// position among its peers and windows framing its peers (plan_pg.cpp).
void split_peer_groups(DeployPlan *sub, const bool *pos, const bool *peer);
// A request of sub's plan over one row (exec_pg.cpp, run_row_request): its
// output columns deformed into palloc'd *v / *nl.
void run_row_request(DeployPlan *sub, const Datum *values, const bool *isnull, bool stored, uint32 tb, uint16 to,
                     Datum **v, bool **nl);
// Offline: features of each source row (nrows x natts values, by attribute)
// against the source rows before it, appended to ts in source order.
// Batch source: fills vals/nulls (table attribute layout, natts) with the
// next source row, allocated in the current memory context; false at the end.
typedef bool (*BatchNext)(void *arg, Datum *vals, bool *nulls);
// quiet: no NOTICE for skipped rows (a FROM subquery's own window computed offline).
void run_batch(DeployPlan *p, BatchNext next, void *arg, Tuplestorestate *ts, TupleDesc out, bool quiet = false);

// Training sets (SPEC §5.1, deploy/batch_pg.cpp run_training): label rows in,
// each label row's own columns plus its features out, in source order.
// LabelNext fills the table's columns (natts, by attribute; columns the
// source lacks stay NULL) and the source's own columns (src, nsrc).
typedef bool (*LabelNext)(void *arg, Datum *vals, bool *nulls, Datum *src, bool *srcnulls);
struct TrainingArgs {
    bool as_of;            // event time against the table's rows; else the insertion-order replay of the source
    BatchNext history;     // as_of: the deployment's table, row by row
    void *harg;
    LabelNext labels;
    void *larg;
    TupleDesc src_desc;    // the source's columns
    int64 progress;        // a NOTICE every this many rows (0: none)
    const int *out_map;    // nullptr: out is the source's columns then the features; else, per
                           // column of out, its index in that list (-1: NULL)
};
void run_training(DeployPlan *p, const TrainingArgs *a, Tuplestorestate *ts, TupleDesc out, bool quiet = false);

// ---- JIT (jit/jit_pg.cpp).  The object compiled at deploy time is kept in
// feature_ext.deployment (jit_object, jit_hash); a backend loads it on its first
// call instead of compiling.
struct JitObject {
    char *object;              // palloc'd, or nullptr
    size_t len;
    uint64 hash;               // identity: plan spec + target
    int njitted, naggs;
    double compile_ms;
};
// Compile a plan for the catalog (deploy time).  object = nullptr when nothing compiles.
JitObject jit_compile_plan(DeployPlan *p);
// Attach compiled kernels to a plan: load `stored` if it matches the plan and
// this host, else compile now.  Leaves p->jit nullptr when nothing compiles.
void jit_attach(DeployPlan *p, const JitObject *stored);

// Citus (deploy/citus_deploy_pg.cpp): this node is a Citus coordinator; a
// deployment over a distributed table made / removed on every worker.
bool citus_is_coordinator();
AttrNumber citus_dist_attno(Oid relid);  // the distribution column (InvalidAttrNumber: none)
void citus_deploy_workers(const char *qfn, const char *bound_query, const char *options_json);
void citus_undeploy_workers(const char *schema, const char *fname);
// ERROR 0A000 unless every window of p is partitioned by the distribution
// column dist_attno (a request reads one shard: a partition spanning shards
// would be counted on one shard only).
void citus_check_windows(const DeployPlan *p, AttrNumber dist_attno);
// The same, and every other table p reads is a reference table, or a
// distributed table colocated with p's whose rows for a key are in the
// key's colocated shard (joined by, or the union mapping, its distribution
// column to p's); ERROR 0A000 naming the table otherwise.
void citus_check_plan(const DeployPlan *p, AttrNumber dist_attno);
// Does a deployment's Citus routing read relation relid (a shard, or a
// table or index one of its shard plans reads)?  (functions_pg.cpp)
bool citus_route_reads(const struct CitusRoute *r, Oid relid);
// Forward a request to the Citus node that holds its key (host:port, node
// nodeid) as `fn_sql` (SELECT * FROM schema.f($1::t1, ...)) over a
// connection this backend keeps; the result row (deploy/citus_forward_pg.cpp).
// *io caches the type I/O functions (made on first use in p's context).
struct ForwardIo;
Datum citus_forward(DeployPlan *p, const char *fn_sql, const char *host, int port, int32 nodeid,
                    const Datum *values, const bool *isnull, ForwardIo **io);
// Run each node's query at once on its node (as the caller, over the
// forwarder's connections) and append every row of the answers to ts (td's
// columns, read with their input functions); local(local_arg), if given,
// runs after the queries are sent and before the answers are read.  A
// node's error is raised (the others cancelled).  Outside transaction blocks.
struct GatherNode {
    const char *host;
    int port;
    int32 nodeid;
    const char *sql;
    void *conn;  // (internal)
};
void citus_gather(GatherNode *nodes, int n, TupleDesc td, Tuplestorestate *ts, void (*local)(void *), void *local_arg);
// Citus's test for a transaction that may have more statements than this
// one (a forwarded call would not see its writes).
bool citus_multi_statement_transaction();
// This backend serves requests another node forwarded (it forwards none).
bool citus_forwarded_here();
// Kernels for the plan without the aggregates marked in exclude (compiled
// now, not stored); nullptr when nothing compiles.
JitPlan *jit_variant(DeployPlan *p, const bool *exclude);
// Postmaster start (shared_preload_libraries): LLVM and the loader set up
// once, inherited by every backend.
void jit_preload();
// One line per aggregate group for explain(): which aggregates compile.
void jit_explain(DeployPlan *p, StringInfo out);

}  // namespace fe
