// feature_ext: joins in a deployment (SPEC §4.1, PostgreSQL dialect).
//
// A deployment's FROM clause may be its feature_store table (the request's
// table, the first FROM item) followed by a chain of LEFT JOINs, each either
//   - a LAST JOIN:  LEFT JOIN LATERAL (SELECT ... FROM t2 WHERE t2.k = <expr>
//                   [AND ...] ORDER BY t2.ts DESC LIMIT 1) AS j ON true
//     read through a skiplist index of t2 (keys = the equality columns, order
//     column = the ORDER BY column), newest first, the first row that passes
//     the other conditions;
//   - a dimension lookup:  LEFT JOIN dim ON dim.c1 = <expr> [AND ...] covering
//     every column of a unique btree index of dim, read through that index
//     with the caller's snapshot.
// <expr> reads the request row and the columns of joins before it.  Joined
// columns are evaluated into one virtual row (the "joined row", the
// expression context's inner tuple) that the output expressions read.
// C-style zone (see storage/storage_pg.hpp): these functions may ereport.
#pragma once

#include "feature_ext/deploy/deploy_pg.hpp"

namespace fe {

struct JoinPlan;

// How plan_pg.cpp reports a planning error (with the query's position).
typedef void (*JoinFail)(void *ctx, int sqlstate, int location, const char *msg, const char *hint);

// Does the analysed query have joins in its FROM clause (more than one range
// table entry)?
bool join_present(const Query *q);
// Plan the joins of q (main table = range table entry 1, already checked
// and open as `heap`), in the plan's context.  Rewrites q's target list:
// joined columns become references to the joined row.  Refuses window
// functions over joined columns.  With kFixCreateIndex / kFixAdjustTtl in
// fix_flags, missing indexes / TTLs are appended to *fixes instead of failing.
void join_plan(DeployPlan *p, Query *q, Relation heap, int fix_flags, List **fixes, JoinFail fail, void *fail_ctx);
// Per output row (request or batch source row in p->req_slot): privileges of
// every joined table, then the lookups; sets the expression context's inner
// tuple to the joined row.
void join_fill(DeployPlan *p);
// The joined row's slot and descriptor (nullptr without joins).
TupleTableSlot *join_slot(const DeployPlan *p);
TupleDesc join_desc(const DeployPlan *p);
// Do window functions read joined columns?  Then the joins are filled
// before the windows are evaluated (requests and batch rows alike): every row
// of such a window joins the request's joined row (join_plan allows it only
// when the join reads nothing of the row but the window's PARTITION BY columns).
bool join_in_windows(const DeployPlan *p);
// Main-table columns the joins read (batch: they must travel with the row).
void join_mark_main_columns(const DeployPlan *p, bool *need);
// Does the plan read relation relid (a joined table or one of its indexes)?
bool join_reads(const DeployPlan *p, Oid relid);
// The tables the joins read, in order (0 .. join_table_count() - 1): the
// table's OID, its key columns and, per key, the request column whose value
// it is looked up with as is (0: an expression or an earlier join's column).
int join_table_count(const DeployPlan *p);
Oid join_table(const DeployPlan *p, int i, int *nkeys, const AttrNumber **key_attnos, const AttrNumber **key_main);
// explain(): one line per join; with notices (deploy time), a NOTICE for
// each LAST JOIN that is not point-in-time (no condition on its order column
// against the request row).
void join_explain(const DeployPlan *p, StringInfo out, bool notices);

}  // namespace fe
