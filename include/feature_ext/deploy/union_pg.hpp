// feature_ext: union windows (SPEC §4.1; docs/DEPLOY.md, "Union windows").
//
// A window written with the deploy-only modifiers
// feature_ext.window_union('t2'::regclass) (one per table, in the order
// written) and feature_ext.instance_not_in_window() in its PARTITION BY
// (OpenMLDB's WINDOW w AS (UNION t2, t3 ...) and INSTANCE_NOT_IN_WINDOW, see
// dialect/openmldb.hpp) reads, besides (or instead of) the main table, the
// rows of the key in every union table, each through its own skiplist index
// on the same key and order columns.  The rows are merged newest first by
// order value; rows of equal order value keep the tie order of
// union_order.hpp (main table, then the union tables as written, each newest
// inserted first), and the request row is the newest row.  Union tables have
// the main table's columns (by name, same types); their rows are decoded into
// the main table's attribute layout.  C-style zone (storage/storage_pg.hpp).
#pragma once

#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/jit/spec.hpp"

extern "C" {
#include "catalog/objectaddress.h"
}

namespace fe {

struct Rows;

// The modifiers of one window (WindowPlan::uni), in the plan's context.
struct UnionWindow {
    int nrels;
    Oid rels[16];          // union tables, tie order
    const char *cols[16];  // per table: its column list ("a, b AS c": column a as the main
                           // table's a, b as c; unlisted main columns are not provided), or
                           // nullptr: all the main table's columns, by name
    bool no_instance;      // INSTANCE_NOT_IN_WINDOW
    Oid join_rels[16];     // per table: the LAST JOIN table of OpenMLDB's UNION (SELECT ... FROM t
                           // LAST JOIN u ...) (window_union's third argument), or InvalidOid
};
constexpr int kMaxUnionTables = 16;

// One table a union group reads.
struct UnionSource {
    Oid relid;
    Oid indexoid;
    bool read;             // false: the main table under INSTANCE_NOT_IN_WINDOW (its index
                           // only gives the JIT's payload layout)
    IndexMeta *meta;       // resolved on first use (plan's copy)
    core::IndexSlot *slot;
    uint64 slot_generation;
    AttrNumber *to_main;   // per source attribute (attno - 1): the main table's attno, 0 = none
    int natts;
    bool same_layout;      // its payloads have the main index's layout (the JIT reads them)
    // Computed entries of its column list ('bigint(c4str) AS c4', the
    // PostgreSQL form's branch expressions): main column comp_main[i] is
    // comp_state[i] evaluated over the table's row (uslot, the table's
    // layout), per row as it is read; never a key or order column.
    int ncomp;
    AttrNumber *comp_main;
    ExprState **comp_state;
    Bitmapset **comp_cols;  // per entry: the table's attnos it reads (plain, 1-based)
    Bitmapset *comp_all;    // all of them
    TupleTableSlot *uslot;
    // Columns of the union table that the deployment's table has not (a
    // WINDOW UNION over a LAST JOIN's result: the union table carries the
    // joined columns).  Per source attribute: 0 none, -1 not the main
    // table's (bound by union_bind_joins()), > 0 the joined row's attno
    // whose value this row supplies for itself.
    AttrNumber *to_join;
    bool has_extra;
    bool has_join;
    const char *wname;     // the (first) window of the group, for messages
    // OpenMLDB's UNION (SELECT ... FROM t LAST JOIN u ...): the listed
    // columns t has not, which u supplies (join_table: u's name as written).
    // Not read: union_bind_joins() refuses a window function reading them.
    Oid join_relid;
    List *join_cols;
};

// GroupPlan::uni of a union group.
struct UnionGroup {
    int nkeys;
    AttrNumber keys[INDEX_MAX_KEYS];  // main attnos as written in PARTITION BY (matching)
    AttrNumber order;
    const UnionWindow *uw;
    int nsrc;
    UnionSource *src;      // tie order: the main table first (read or not), then the union tables
};

// window_modifiers(): a feature_ext.window_union(rel) / instance_not_in_window() call.
void union_window_add(DeployPlan *p, WindowPlan *w, Oid rel, bool no_instance, const char *cols = nullptr,
                      Oid join_rel = InvalidOid);
// group_for() of a union window: finds or adds its group (checks every
// table: feature_store, columns, SELECT, RLS, index).  -1: the missing
// indexes' CREATE INDEX were appended to *fixes (kFixCreateIndex); -2: the
// main table's index is needed and missing (the caller reports it).
int union_group_for(DeployPlan *p, Relation heap, IndexMeta **metas, int nmetas, WindowPlan *w,
                    const char *wname, List *keys, AttrNumber order, int fix_flags, List **fixes);
// The index metas of group g's union tables (for TTL checks), nullptr-terminated, palloc'd.
const IndexMeta **union_metas(DeployPlan *p, int g);
// Column attno (main), when a window function of group g reads it, must be
// provided by every table the group reads and held by its index.
void union_check_held(DeployPlan *p, int g, AttrNumber attno);
// After join_plan(): binds the union tables' columns that the deployment's
// table has not to the joined row's columns of the same name and type (jdesc:
// the joined row, nullptr without joins); any other such column is refused
// (42804), as is one the union table's index does not hold.
// deploying: the first plan of deploy() (not a later plan of the bound
// query): also checks what later DDL of tables not read may change.
void union_bind_joins(DeployPlan *p, TupleDesc jdesc, List *tlist, List *window_clause, bool deploying = false);
// The interpreter, for row idx of r (newest-first index; -1: the request):
// the expression context's inner tuple is the row's own joined row when the
// row is a union table's with joined columns of its own (decoded into
// r->jvalues), else the request's joined row.
void union_row_inner(DeployPlan *p, const Rows *r, int idx);
// explain(): the group's tables.
void union_explain(DeployPlan *p, int g, StringInfo out);
// Every call: SELECT on every union table, no RLS, tables still there.
void union_check_call(DeployPlan *p);
// Plans to drop when relation relid changes.
bool union_plan_reads(const DeployPlan *p, Oid relid);
// deploy(): the deployment's function (dependent) depends on each union
// table column its plan maps (main table columns it provides, joined columns
// it carries, columns its computed entries read), as a view's on the
// columns it reads: DROP COLUMN / ALTER COLUMN TYPE of them are refused.
void union_record_depends(const DeployPlan *p, const ObjectAddress *dependent);
// batch() / training_set(): SELECT and RLS on every union table; an
// INSTANCE_NOT_IN_WINDOW group without an index on the deployment's table
// (which keys the batch's sort) is refused (0A000).
void union_batch_check(DeployPlan *p, const char *what);
// Offline (deploy/batch_pg.cpp): the rows of group gi's window for a source
// row = the history view of the deployment's table (mainv, newest first;
// ignored under INSTANCE_NOT_IN_WINDOW) merged with every union table's rows
// of the key with order value up to base, in the tie order.  With a kernel
// (jg, of jp; main_meta: the layout the deployment's rows were encoded in,
// mainv->payloads set) and every read source in that layout, the kernel
// runs on the merged rows inside the read section (request row: req, its
// frames in kframes) and *rc is its code; returns whether it ran.  The
// values are decoded unless the kernel ran and computes every aggregate of
// the group (on kNeedInterpreter the caller merges again without one).
bool union_batch_rows(DeployPlan *p, int gi, const Rows *mainv, const Datum *reqv, const bool *reqn, int64 base,
                      Datum based, Rows *out, const IndexMeta *main_meta, JitPlan *jp, JitGroup *jg,
                      const uint8 *req, jit::KFrame *kframes, int *rc);
// The PostgreSQL dialect: a query over FROM (SELECT cols FROM t UNION ALL
// SELECT cols FROM t2 ...) u becomes, in place, the same query over t whose
// windows carry feature_ext.window_union('t2'::regclass) in PARTITION BY.
// false: not such a query (left as is); errors (0A000) for such a subquery
// that is not plain columns of one table per branch.
bool union_all_rewrite(Query *q);
// Both dialects: a query over FROM (SELECT a, expr AS c, ... FROM t) s
// (one table, a select list only) becomes, in place, the same query over t;
// a plain column stands for t's column, a computed one for a virtual
// attribute t.natts+1.. of the request row, whose expression is kept as a
// resjunk target entry named kComputedPrefix + name (taken out by the
// planner: DeployPlan::comp_state).  Called by union_all_rewrite().
bool from_subquery_rewrite(Query *q);
constexpr const char *kComputedPrefix = "\x01" "feature_ext computed ";
// (and resjunk Vars named kExposedPrefix + name: the table's columns under
// the subquery's names, when it renames or computes any)
constexpr const char *kExposedPrefix = "\x01" "feature_ext exposed ";
// collect() of a union group: rows of every source merged into *out
// (current memory context); with jit_group >= 0 runs the group's kernel on
// them inside the read section and returns its code (jit::kNeedInterpreter
// when a source's payload layout differs from the kernel's).
int union_collect(DeployPlan *p, GroupPlan *g, const Datum *reqv, const bool *reqn, int64 base, Datum based,
                  Rows *out, int jit_group);

}  // namespace fe
