// feature_ext: joins in a deployment (see deploy/join_pg.hpp).
//
// Planning takes PostgreSQL's analysed query apart: each LEFT JOIN of the
// chain becomes a step that fills its columns into the "joined row" (a
// virtual slot, the expression context's inner tuple).  Expressions are
// PostgreSQL's own, with their Vars re-pointed:
//   - the request row (range table entry 1)       -> scan tuple in the outer
//     query's outputs, OUTER_VAR inside a join's conditions;
//   - a column of an earlier join                 -> INNER_VAR (joined row);
//   - the joined table's own row (t2 / dim)       -> scan tuple of the step.
// C-style zone (see storage/storage_pg.hpp).
#include "feature_ext/deploy/join_pg.hpp"
#include "feature_ext/deploy/internal_pg.hpp"
#include "feature_ext/deploy/union_pg.hpp"
#include "feature_ext/base/compat_pg.hpp"
#include "feature_ext/base/module_pg.hpp"

#include <cstring>

extern "C" {
#include "access/genam.h"
#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace fe {

const TableAmRoutine *feature_store_routine();

struct JoinStep {
    bool last;                 // LAST JOIN (skiplist index) or dimension lookup (unique btree)
    Oid relid;
    Oid indexoid;
    int rtindex;               // in the deployment's query
    int off;                   // its first column in the joined row (0-based)
    int nout;                  // its columns in the joined row
    int nkeys;
    ExprState **keys;          // key values, in index key order
    ExprState *qual;           // the other conditions, or nullptr
    int nquals;                // (explain)
    bool as_of;                // LAST JOIN: a condition compares its order column with the request
    TupleDesc rdesc;           // a row of the joined table
    TupleTableSlot *rslot;
    // LAST JOIN
    AttrNumber key_attnos[INDEX_MAX_KEYS];  // (dimension lookups too: the btree's key columns)
    AttrNumber key_main[INDEX_MAX_KEYS];    // the key's value is this request column as is, else 0 (Citus)
    bool nullsafe[INDEX_MAX_KEYS];  // written IS NOT DISTINCT FROM: a NULL value looks up the NULL key
    AttrNumber order_attno;
    bool *need;                // t2 columns read (by attno - 1)
    bool *reads_main;          // request columns its conditions and outputs read, with the
                               // earlier steps' it reads (by attno - 1)
    ExprState **outs;          // the subquery's output columns (nullptr: resjunk)
    IndexMeta *meta;           // resolved on first use, re-checked every call
    core::IndexSlot *slot;
    uint64 slot_generation;
    // dimension lookup
    ScanKeyData *skeys;        // templates; sk_argument set per row
    // LAST JOIN over a subquery with its own window: that window's plan
    // (its request = the row taken) and, per output of the step, the
    // sub-plan's output it is (-1: computed by outs from the row)
    DeployPlan *sub;
    int *sub_map;
    // LAST JOIN: what decoding and testing one stored row allocates; reset
    // per row (a key's rows the conditions reject cost no memory)
    MemoryContext row_cxt;
};

struct JoinPlan {
    int nsteps;
    JoinStep *steps;
    TupleDesc jdesc;
    TupleTableSlot *jslot;
    int natts_main;
    bool *main_need;           // request columns the joins read (by attno - 1)
    bool in_windows;           // window functions read joined columns: joined before the windows
};

namespace {

struct JB {
    DeployPlan *p;
    Query *q;
    Relation heap;
    int fix_flags;
    List **fixes;
    JoinFail fail;
    void *ctx;
    int nrt;
    int *rt_off;               // per outer range table index: joined-row offset, -1 = not readable
    int *rt_step;              // the step that fills it
    JoinPlan *jp;
};

[[noreturn]] void jfail(JB *b, int sqlstate, int location, const char *msg, const char *hint)
{
    b->fail(b->ctx, sqlstate, location, msg, hint);
    pg_unreachable();
}

const char *qualified(Oid relid)
{
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

Node *strip_relabel(Node *n)
{
    while (n && IsA(n, RelabelType))
        n = reinterpret_cast<Node *>(reinterpret_cast<RelabelType *>(n)->arg);
    return n;
}

// Var re-pointing.  mode: 0 = outer query output, 1 = inside a LAST JOIN
// subquery (level 0 = t2, level 1 = outer query), 2 = a dimension join's
// ON condition (dim_rt = the dimension table).
struct Remap {
    JB *b;
    int mode;
    int step;                  // the step being planned (earlier steps are readable)
    int dim_rt;
    bool *need;                // mode 1: t2 columns read
    int in_winfunc;
    Index winref;              // the window function being remapped (in_winfunc)
};

bool contains_joined(Node *node, void *ctx = nullptr)
{
    if (!node)
        return false;
    if (IsA(node, Var))
        return reinterpret_cast<Var *>(node)->varno == INNER_VAR;
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(contains_joined)),
                                  ctx);
}

// A window function of window winref reads a column of join step `step`.
// Every row of a window partition joins the same row as the request when the
// join (with the earlier joins it reads) reads nothing of the request row but
// columns of the window's PARTITION BY: the rows of a partition have the
// request's values there (docs/DEPLOY.md "Window functions over joined
// columns").  Other joins would give each window row a join of its own.
void check_window_join(JB *b, Index winref, int step, int location)
{
    const WindowClause *wc = nullptr;
    ListCell *lc;
    foreach (lc, b->q->windowClause)
        if (lfirst_node(WindowClause, lc)->winref == winref)
            wc = lfirst_node(WindowClause, lc);
    bool *part = static_cast<bool *>(palloc0(sizeof(bool) * Max(b->jp->natts_main, 1)));
    if (wc)
        foreach (lc, wc->partitionClause) {
            TargetEntry *tle = get_sortgroupclause_tle(lfirst_node(SortGroupClause, lc), b->q->targetList);
            Node *e = strip_relabel(reinterpret_cast<Node *>(tle->expr));
            if (IsA(e, Var) && reinterpret_cast<Var *>(e)->varno == 1 && reinterpret_cast<Var *>(e)->varlevelsup == 0 &&
                reinterpret_cast<Var *>(e)->varattno > 0 && reinterpret_cast<Var *>(e)->varattno <= b->jp->natts_main)
                part[reinterpret_cast<Var *>(e)->varattno - 1] = true;
        }
    const JoinStep *s = &b->jp->steps[step];
    for (int a = 0; a < b->jp->natts_main; a++)
        if (s->reads_main[a] && !part[a])
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, location,
                  psprintf("a window function reads a column of a join whose conditions read column \"%s\" of the "
                           "request row, which is not in the window's PARTITION BY",
                           NameStr(TupleDescAttr(RelationGetDescr(b->heap), a)->attname)),
                  "A window function may read joined columns when the join reads only PARTITION BY columns of the "
                  "row (then every row of the window joins the same row as the request); other joined columns can "
                  "be used outside window functions.");
}

Node *remap_var(Remap *r, Var *v, int outer_rt_level)
{
    JB *b = r->b;
    if (int(v->varlevelsup) != outer_rt_level)
        return nullptr;  // not an outer-query Var: caller decides
    Var *nv = static_cast<Var *>(copyObjectImpl(v));
    nv->varlevelsup = 0;
    if (v->varno == 1) {
        if (r->in_winfunc)
            return reinterpret_cast<Node *>(nv);
        if (r->mode == 0)
            return reinterpret_cast<Node *>(nv);  // the request row: scan tuple
        if (v->varattno <= 0)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, v->location,
                  "a join condition cannot read the whole request row", "Name its columns.");
        b->jp->main_need[v->varattno - 1] = true;
        b->jp->steps[r->step].reads_main[v->varattno - 1] = true;
        nv->varno = OUTER_VAR;
        return reinterpret_cast<Node *>(nv);
    }
    if (int(v->varno) < b->nrt + 1 && b->rt_off[v->varno] >= 0 &&
        (r->mode == 0 || b->rt_step[v->varno] < r->step)) {
        if (r->in_winfunc)
            check_window_join(b, r->winref, b->rt_step[v->varno], v->location);
        if (r->mode != 0) {  // an earlier join's column: what that join reads of the request, this one reads
            const JoinStep *e = &b->jp->steps[b->rt_step[v->varno]];
            for (int a = 0; a < b->jp->natts_main; a++)
                b->jp->steps[r->step].reads_main[a] |= e->reads_main[a];
        }
        if (v->varattno <= 0)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, v->location, "a whole joined row cannot be used in a deployment",
                  "Name the joined columns.");
        nv->varno = INNER_VAR;
        nv->varattno = AttrNumber(b->rt_off[v->varno] + v->varattno);
        return reinterpret_cast<Node *>(nv);
    }
    jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, v->location,
          r->mode == 0 ? "columns merged by a join (USING, NATURAL) or a whole join's row are not supported in deployments"
                       : "a join condition can read the request row and the columns of earlier joins only",
          r->mode == 0 ? "Name the column of one table (t.col or j.col)." : nullptr);
}

Node *remap_mutator(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    auto *r = static_cast<Remap *>(ctx);
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        if (r->mode == 1 && v->varlevelsup == 0) {  // t2's own column
            if (v->varattno <= 0)
                jfail(r->b, ERRCODE_FEATURE_NOT_SUPPORTED, v->location,
                      "a LAST JOIN subquery cannot use its table's whole row", "Name its columns.");
            r->need[v->varattno - 1] = true;
            return reinterpret_cast<Node *>(copyObjectImpl(v));
        }
        if (r->mode == 2 && v->varlevelsup == 0 && int(v->varno) == r->dim_rt)
            return reinterpret_cast<Node *>(copyObjectImpl(v));  // the dimension row: scan tuple
        Node *n = remap_var(r, v, r->mode == 1 ? 1 : 0);
        if (!n)
            jfail(r->b, ERRCODE_FEATURE_NOT_SUPPORTED, v->location, "outer references are not supported here", nullptr);
        return n;
    }
    if (IsA(node, WindowFunc)) {
        Index outer = r->winref;
        r->winref = reinterpret_cast<WindowFunc *>(node)->winref;
        r->in_winfunc++;
        Node *n = expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(remap_mutator), ctx);
        r->in_winfunc--;
        r->winref = outer;
        if (r->in_winfunc == 0 && r->mode == 0 && contains_joined(n))
            r->b->jp->in_windows = true;
        return n;
    }
    if (IsA(node, Query) || IsA(node, SubLink))
        jfail(r->b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(node), "subqueries are not supported here", nullptr);
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(remap_mutator), ctx);
}

Node *remap(JB *b, Node *n, int mode, int step, int dim_rt, bool *need)
{
    Remap r{b, mode, step, dim_rt, need, 0, 0};
    Node *e = remap_mutator(n, &r);
    // A join's own expressions as the planner leaves them (COLLATE clauses
    // become relabelings, which the executor runs; constants folded).
    return mode == 0 ? e : eval_const_expressions(nullptr, e);
}

bool refs_level0_rt(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        return v->varlevelsup == 0 && int(v->varno) == *static_cast<int *>(ctx);
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(refs_level0_rt)), ctx);
}

// The request column (range table entry 1, `levelsup` levels up) an
// expression is, as is (binary-compatible relabelling aside); 0 otherwise.
AttrNumber request_column(Node *n, int levelsup)
{
    n = strip_relabel(n);
    if (n && IsA(n, Var)) {
        Var *v = reinterpret_cast<Var *>(n);
        if (int(v->varlevelsup) == levelsup && v->varno == 1 && v->varattno > 0)
            return v->varattno;
    }
    return InvalidAttrNumber;
}

// A table a join reads: the same rules as the deployment's table (privilege,
// row-level security, not temporary, not the deployment's table itself).
void check_joined_table(JB *b, Relation rel, const char *what)
{
    const char *name = RelationGetRelationName(rel);
    if (RelationGetRelid(rel) == RelationGetRelid(b->heap))
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
              psprintf("%s reads the deployment's own table \"%s\"", what, name),
              "A request row is not stored in its table: join another table.");
    if (rel->rd_rel->relkind != RELKIND_RELATION)
        jfail(b, ERRCODE_WRONG_OBJECT_TYPE, -1, psprintf("%s reads \"%s\", which is not a table", what, name),
              "Joins read tables (views, foreign and partitioned tables are not supported).");
    // Over a distributed table each request runs on its key's worker, with
    // every table read there: a colocated shard (checked with the join's
    // keys once planned: citus_check_plan) or a reference table's copy.  A
    // table Citus does not know would be whatever local table has its name
    // on the worker; and a Citus table read from an ordinary deployment is
    // an empty shell (its rows are on the workers).
    CitusTable mt, jt;
    bool main_citus = citus_table(RelationGetRelid(b->heap), &mt);
    bool rel_citus = citus_table(RelationGetRelid(rel), &jt);
    if (main_citus && (!rel_citus || !(jt.method == 'h' || citus_is_reference(jt))))
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
              psprintf("%s over the Citus distributed table \"%s\" reads \"%s\", which is neither a Citus reference "
                       "table nor a distributed table colocated with it",
                       what, RelationGetRelationName(b->heap), name),
              psprintf("A request runs on the node that holds its key, where only colocated shards and reference "
                       "tables are local: SELECT create_reference_table('%s'), or create_distributed_table('%s', "
                       "<the join key>, colocate_with => '%s') (docs/SCALE-OUT.md).",
                       qualified(RelationGetRelid(rel)), qualified(RelationGetRelid(rel)),
                       qualified(RelationGetRelid(b->heap))));
    if (!main_citus && rel_citus)
        refuse_citus_shell(rel, what);
    if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, psprintf("table \"%s\" is a temporary table", name),
              "A deployment is called from other sessions, which cannot read this session's temporary tables.");
    if (pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("permission denied for table %s", name)));
    if (rel->rd_rel->relrowsecurity)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("table \"%s\" has row-level security enabled", name),
                        errdetail("Deployments cannot enforce row-level security policies yet, and never bypass them."),
                        errhint("Disable row-level security on the table or join a table without policies.")));
}

struct Cand;
Node *key_value(const Cand *cd, Oid keytype);

struct Cand {
    AttrNumber attno;          // the joined table's column
    Node *other;               // the value it equals (no column of the joined table)
    Oid op;                    // with the joined column on the left
    Oid collation;
    int conj;                  // conjunct index
    bool nullsafe;             // NOT (col IS DISTINCT FROM expr): NULL matches NULL
};

// Conjuncts "col = expr" (either side) of the joined table's columns.
// level0_rt: the joined table's range table index at level 0.
List *candidates(List *conjs, int level0_rt)
{
    List *out = NIL;
    int i = 0;
    ListCell *lc;
    foreach (lc, conjs) {
        Node *c = static_cast<Node *>(lfirst(lc));
        int ci = i++;
        bool nullsafe = false;
        if (IsA(c, BoolExpr) && reinterpret_cast<BoolExpr *>(c)->boolop == NOT_EXPR &&
            list_length(reinterpret_cast<BoolExpr *>(c)->args) == 1 &&
            IsA(linitial(reinterpret_cast<BoolExpr *>(c)->args), DistinctExpr)) {
            c = static_cast<Node *>(linitial(reinterpret_cast<BoolExpr *>(c)->args));  // IS NOT DISTINCT FROM
            nullsafe = true;
        } else if (!IsA(c, OpExpr))
            continue;
        if (list_length(reinterpret_cast<OpExpr *>(c)->args) != 2)
            continue;
        OpExpr *op = reinterpret_cast<OpExpr *>(c);
        for (int side = 0; side < 2; side++) {
            Node *a = strip_relabel(static_cast<Node *>(list_nth(op->args, side)));
            Node *o = static_cast<Node *>(list_nth(op->args, 1 - side));
            if (!IsA(a, Var) || reinterpret_cast<Var *>(a)->varlevelsup != 0 ||
                int(reinterpret_cast<Var *>(a)->varno) != level0_rt || reinterpret_cast<Var *>(a)->varattno <= 0)
                continue;
            int rt = level0_rt;
            if (refs_level0_rt(o, &rt) || contain_volatile_functions(o))
                continue;
            Oid opno = side == 0 ? op->opno : get_commutator(op->opno);
            if (!OidIsValid(opno))
                continue;
            auto *cd = static_cast<Cand *>(palloc0(sizeof(Cand)));
            cd->attno = reinterpret_cast<Var *>(a)->varattno;
            cd->other = o;
            cd->op = opno;
            cd->collation = op->inputcollid;
            cd->conj = ci;
            cd->nullsafe = nullsafe;
            out = lappend(out, cd);
            break;
        }
    }
    return out;
}

// The value a skiplist key column of type keytype is looked up with, or
// nullptr.  The operator must be an equality of the key type's btree family
// (same type or cross-type) whose equal values have equal images (the index
// matches key bytes: not numeric 1.0 = 1.00, not float -0 = 0); the value is
// converted to the key type when that is binary or an implicit cast
// (int4 = int8 key: the int4 value widened, as the comparison does).
Node *key_value(const Cand *cd, Oid keytype)
{
    Oid opclass = GetDefaultOpClass(keytype, BTREE_AM_OID);
    if (!OidIsValid(opclass))
        return nullptr;
    Oid family = get_opclass_family(opclass), intype = get_opclass_input_type(opclass);
    if (get_op_opfamily_strategy(cd->op, family) != BTEqualStrategyNumber)
        return nullptr;
    Oid proc = get_opfamily_proc(family, intype, intype, BTEQUALIMAGE_PROC);
    if (!OidIsValid(proc) || !DatumGetBool(OidFunctionCall1Coll(proc, cd->collation, ObjectIdGetDatum(intype))))
        return nullptr;
    Oid ot = exprType(cd->other);
    if (IsBinaryCoercible(ot, keytype))
        return cd->other;
    if (!can_coerce_type(1, &ot, &keytype, COERCION_IMPLICIT))
        return nullptr;
    return coerce_to_target_type(nullptr, cd->other, ot, keytype, -1, COERCION_IMPLICIT, COERCE_IMPLICIT_CAST, -1);
}

void add_fix(JB *b, const char *ddl)
{
    *b->fixes = lappend(*b->fixes, const_cast<char *>(ddl));
}

// A LAST JOIN subquery over a subquery that is a plain projection and
// filter of one table, SELECT ... FROM (SELECT <exprs> FROM t2 [WHERE f]) a
// WHERE ...: the inner outputs substituted for a's columns and f added to
// the conditions, so that it reads t2 through its index like the table
// itself (the OpenMLDB dialect's LAST JOIN (SELECT ... FROM t2 ...) a).
struct Subst {
    Query *inner;
};

Node *subst_mutator(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    auto *s = static_cast<Subst *>(ctx);
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        if (v->varlevelsup == 0 && v->varno == 1 && v->varattno > 0) {
            TargetEntry *tle = get_tle_by_resno(s->inner->targetList, v->varattno);
            if (tle)
                return static_cast<Node *>(copyObjectImpl(tle->expr));
        }
        return static_cast<Node *>(copyObjectImpl(node));
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(subst_mutator), ctx);
}

Query *flatten_right(Query *sq)
{
    if (list_length(sq->rtable) != 1 || linitial_node(RangeTblEntry, sq->rtable)->rtekind != RTE_SUBQUERY ||
        list_length(sq->jointree->fromlist) != 1 || !IsA(linitial(sq->jointree->fromlist), RangeTblRef))
        return sq;
    Query *in = linitial_node(RangeTblEntry, sq->rtable)->subquery;
    if (in->commandType != CMD_SELECT || in->setOperations || in->cteList || in->hasSubLinks || in->hasAggs ||
        in->groupClause || in->havingQual || in->groupingSets || in->hasWindowFuncs || in->distinctClause ||
        in->hasTargetSRFs || in->limitCount || in->limitOffset || list_length(in->rtable) != 1 ||
        linitial_node(RangeTblEntry, in->rtable)->rtekind != RTE_RELATION || list_length(in->jointree->fromlist) != 1 ||
        !IsA(linitial(in->jointree->fromlist), RangeTblRef) || contain_vars_of_level(reinterpret_cast<Node *>(in), 1))
        return sq;  // (refused below: "reads exactly one table")
    Subst s{in};
    Query *q = static_cast<Query *>(copyObjectImpl(sq));
    q->rtable = static_cast<List *>(copyObjectImpl(in->rtable));
    ListCell *lc;
    foreach (lc, q->targetList) {
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        tle->expr = reinterpret_cast<Expr *>(subst_mutator(reinterpret_cast<Node *>(tle->expr), &s));
    }
    List *quals = NIL;
    if (in->jointree->quals)
        quals = list_concat(quals, make_ands_implicit(static_cast<Expr *>(copyObjectImpl(in->jointree->quals))));
    if (sq->jointree->quals)
        quals = list_concat(quals, make_ands_implicit(reinterpret_cast<Expr *>(
                                       subst_mutator(sq->jointree->quals, &s))));
    q->jointree = makeFromExpr(list_make1(copyObjectImpl(linitial(in->jointree->fromlist))),
                               reinterpret_cast<Node *>(make_ands_explicit(quals)));
    return q;
}

// ---- a LAST JOIN over a subquery with LAST JOINs of its own
//
//   LEFT JOIN LATERAL (SELECT ... FROM (SELECT <sel> FROM t2
//                                         LEFT JOIN LATERAL (... t3 ... t2.k ...) l1 ON true
//                                         [LEFT JOIN LATERAL (...) l2 ON true ...] [WHERE f]) tx
//                      WHERE <cond> [ORDER BY tx.ts DESC] LIMIT 1) tx ON true
//
// (OpenMLDB's t1 LAST JOIN (SELECT ... FROM t2 LAST JOIN t3 ON ...) tx ON ...)
// joins t3 to the one t2 row the outer LAST JOIN takes, when <cond> and the
// ORDER BY read only t2's side of tx: it is the chain
//
//   LEFT JOIN LATERAL (SELECT <sel, t3's columns NULL>, <t2's columns l1.. read>
//                        FROM t2 WHERE <cond> ... LIMIT 1) tx ON true
//   LEFT JOIN LATERAL (... t3 ... tx.k ...) l1 ON true ...
//
// and tx's columns computed from l1.. are read from the joins after it.
// lift_nested() rewrites the analysed query so (in place, before the steps
// are planned; repeated for deeper nesting).
RangeTblRef *rt_ref(int rt)
{
    RangeTblRef *r = makeNode(RangeTblRef);
    r->rtindex = rt;
    return r;
}

struct Nested {
    Query *in;
    int t2rt;                  // t2's range table index in `in`
    List *lats;                // the lateral joins' range table indexes in `in`, in join order
};

bool nested_shape(Query *sq, Nested *nd)
{
    if (!sq || sq->commandType != CMD_SELECT || list_length(sq->rtable) != 1 ||
        linitial_node(RangeTblEntry, sq->rtable)->rtekind != RTE_SUBQUERY || list_length(sq->jointree->fromlist) != 1 ||
        !IsA(linitial(sq->jointree->fromlist), RangeTblRef))
        return false;
    Query *in = linitial_node(RangeTblEntry, sq->rtable)->subquery;
    if (in->commandType != CMD_SELECT || in->setOperations || in->cteList || in->hasSubLinks || in->hasAggs ||
        in->groupClause || in->havingQual || in->groupingSets || in->hasWindowFuncs || in->distinctClause ||
        in->hasTargetSRFs || in->limitCount || in->limitOffset || in->sortClause ||
        list_length(in->jointree->fromlist) != 1 || !IsA(linitial(in->jointree->fromlist), JoinExpr) ||
        contain_vars_of_level(reinterpret_cast<Node *>(in), 1))
        return false;
    Node *n = static_cast<Node *>(linitial(in->jointree->fromlist));
    List *lats = NIL;
    while (IsA(n, JoinExpr)) {
        JoinExpr *j = reinterpret_cast<JoinExpr *>(n);
        if (j->jointype != JOIN_LEFT || j->isNatural || j->usingClause != NIL || !IsA(j->rarg, RangeTblRef))
            return false;
        Node *qu = j->quals ? eval_const_expressions(nullptr, j->quals) : nullptr;
        if (!qu || !IsA(qu, Const) || reinterpret_cast<Const *>(qu)->constisnull ||
            !DatumGetBool(reinterpret_cast<Const *>(qu)->constvalue))
            return false;
        int rt = reinterpret_cast<RangeTblRef *>(j->rarg)->rtindex;
        RangeTblEntry *r = rt_fetch(rt, in->rtable);
        if (r->rtekind != RTE_SUBQUERY || !r->lateral)
            return false;
        lats = lcons_int(rt, lats);
        n = j->larg;
    }
    if (!IsA(n, RangeTblRef) || rt_fetch(reinterpret_cast<RangeTblRef *>(n)->rtindex, in->rtable)->rtekind != RTE_RELATION)
        return false;
    nd->in = in;
    nd->t2rt = reinterpret_cast<RangeTblRef *>(n)->rtindex;
    nd->lats = lats;
    return true;
}

// Does e (at level 0 of `in`) read a column other than t2's?
bool reads_other_than(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, Var))
        return reinterpret_cast<Var *>(node)->varlevelsup == 0 &&
               int(reinterpret_cast<Var *>(node)->varno) != *static_cast<int *>(ctx);
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(reads_other_than)),
                                  ctx);
}

// Does an expression of tx's subquery read one of in's outputs marked in lat
// (or its whole row)?
struct LatCols {
    const bool *lat;
    int depth;
};

bool reads_lat_cols(Node *node, void *ctx)
{
    if (!node)
        return false;
    auto *c = static_cast<LatCols *>(ctx);
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        return int(v->varlevelsup) == c->depth && v->varno == 1 && (v->varattno <= 0 || c->lat[v->varattno - 1]);
    }
    if (IsA(node, Query)) {
        c->depth++;
        bool r = query_tree_walker(reinterpret_cast<Query *>(node),
                                   reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(reads_lat_cols)), ctx, 0);
        c->depth--;
        return r;
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(reads_lat_cols)),
                                  ctx);
}

// t2's columns the lateral joins read (Vars of `in`'s level, any depth) or the given expressions read.
struct T2Cols {
    int t2rt;
    int depth;
    bool *need;
    int natts;
};

bool mark_t2(Node *node, void *ctx)
{
    if (!node)
        return false;
    auto *c = static_cast<T2Cols *>(ctx);
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        if (int(v->varlevelsup) == c->depth && int(v->varno) == c->t2rt && v->varattno > 0 && v->varattno <= c->natts)
            c->need[v->varattno - 1] = true;
        return false;
    }
    if (IsA(node, Query)) {
        c->depth++;
        bool r = query_tree_walker(reinterpret_cast<Query *>(node),
                                   reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(mark_t2)), ctx, 0);
        c->depth--;
        return r;
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(mark_t2)), ctx);
}

// Vars of `in`'s level (depth below the expression's top): t2 -> tx's
// appended column, lateral i -> the lifted join's range table entry.
struct Redirect {
    int t2rt;
    int tx_rt;
    AttrNumber *t2pos;         // t2 attno - 1 -> tx's column
    int nlat;
    int *lat_in;               // lateral range table indexes in `in`
    int *lat_q;                // ... in the deployment's query
    int depth;
};

Node *redirect_mutator(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    auto *c = static_cast<Redirect *>(ctx);
    if (IsA(node, Var)) {
        Var *v = static_cast<Var *>(copyObjectImpl(node));
        if (int(v->varlevelsup) != c->depth)
            return reinterpret_cast<Node *>(v);
        if (int(v->varno) == c->t2rt) {
            v->varno = c->tx_rt;
            v->varattno = c->t2pos[v->varattno - 1];
        } else
            for (int i = 0; i < c->nlat; i++)
                if (int(v->varno) == c->lat_in[i]) {
                    v->varno = c->lat_q[i];
                    break;
                }
        v->varnosyn = v->varno;
        v->varattnosyn = v->varattno;
        return reinterpret_cast<Node *>(v);
    }
    if (IsA(node, Query)) {
        c->depth++;
        Node *r = reinterpret_cast<Node *>(query_tree_mutator(
            reinterpret_cast<Query *>(node), reinterpret_cast<Node *(*)()>(redirect_mutator), ctx, 0));
        c->depth--;
        return r;
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(redirect_mutator), ctx);
}

// The deployment's query: tx's columns computed from the lateral joins are
// replaced by their expressions over the lifted joins.
struct OuterSubst {
    int tx_rt;
    Query *sq;                 // tx's subquery as written (before the rewrite)
    Query *in;
    bool *lat;                 // per sq output: reads a lateral join's column
    Redirect *rd;
    int depth;
};

Node *outer_mutator(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    auto *c = static_cast<OuterSubst *>(ctx);
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        if (int(v->varno) == c->tx_rt && int(v->varlevelsup) == c->depth && v->varattno > 0 &&
            v->varattno <= list_length(c->sq->targetList) && c->lat[v->varattno - 1]) {
            Subst s{c->in};
            Node *e = subst_mutator(reinterpret_cast<Node *>(get_tle_by_resno(c->sq->targetList, v->varattno)->expr), &s);
            c->rd->depth = 0;
            e = redirect_mutator(e, c->rd);
            if (c->depth > 0)
                IncrementVarSublevelsUp(e, c->depth, 0);
            return e;
        }
        return static_cast<Node *>(copyObjectImpl(node));
    }
    if (IsA(node, Query)) {
        c->depth++;
        Node *r = reinterpret_cast<Node *>(query_tree_mutator(
            reinterpret_cast<Query *>(node), reinterpret_cast<Node *(*)()>(outer_mutator), ctx, 0));
        c->depth--;
        return r;
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(outer_mutator), ctx);
}

// The join chain under n with the join of range table entry rt followed by
// LEFT JOIN LATERAL ... ON true of the entries in `after`.
Node *append_after(Node *n, int rt, List *after)
{
    if (!IsA(n, JoinExpr))
        return n;
    JoinExpr *j = reinterpret_cast<JoinExpr *>(n);
    if (IsA(j->rarg, RangeTblRef) && reinterpret_cast<RangeTblRef *>(j->rarg)->rtindex == rt) {
        Node *cur = n;
        ListCell *lc;
        foreach (lc, after) {
            JoinExpr *nj = makeNode(JoinExpr);
            nj->jointype = JOIN_LEFT;
            nj->larg = cur;
            nj->rarg = reinterpret_cast<Node *>(rt_ref(lfirst_int(lc)));
            nj->quals = makeBoolConst(true, false);
            cur = reinterpret_cast<Node *>(nj);
        }
        return cur;
    }
    j->larg = append_after(j->larg, rt, after);
    return n;
}

// The JoinExpr of the chain whose right side is a nested LAST JOIN subquery, or nullptr.
JoinExpr *find_nested(Query *q, Node *n, Nested *nd)
{
    if (!IsA(n, JoinExpr))
        return nullptr;
    JoinExpr *j = reinterpret_cast<JoinExpr *>(n);
    if (JoinExpr *l = find_nested(q, j->larg, nd))
        return l;
    if (!IsA(j->rarg, RangeTblRef))
        return nullptr;
    RangeTblEntry *r = rt_fetch(reinterpret_cast<RangeTblRef *>(j->rarg)->rtindex, q->rtable);
    return r->rtekind == RTE_SUBQUERY && r->lateral && nested_shape(r->subquery, nd) ? j : nullptr;
}

void lift_nested(JB *b, Query *q)
{
    if (list_length(q->jointree->fromlist) != 1)
        return;  // (refused by join_plan)
    for (int round = 0; round < 64; round++) {
        Nested nd;
        JoinExpr *jx = find_nested(q, static_cast<Node *>(linitial(q->jointree->fromlist)), &nd);
        if (!jx)
            return;
        int tx_rt = reinterpret_cast<RangeTblRef *>(jx->rarg)->rtindex;
        RangeTblEntry *rte = rt_fetch(tx_rt, q->rtable);
        Query *sq = rte->subquery, *in = nd.in;
        const char *txname = rte->eref->aliasname;
        // which of in's outputs, and of tx's, read a lateral join's column
        int nin = list_length(in->targetList), nsq = list_length(sq->targetList);
        bool *inlat = static_cast<bool *>(palloc0(sizeof(bool) * Max(nin, 1)));
        ListCell *lc;
        int k = 0;
        foreach (lc, in->targetList)
            inlat[k++] = reads_other_than(reinterpret_cast<Node *>(lfirst_node(TargetEntry, lc)->expr), &nd.t2rt);
        if (in->jointree->quals && reads_other_than(in->jointree->quals, &nd.t2rt))
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(in->jointree->quals),
                  psprintf("the WHERE of LAST JOIN subquery \"%s\" reads the columns of its own joins", txname),
                  "A LAST JOIN subquery with joins of its own filters its first table's rows only.");
        auto reads_lat = [&](Node *e) {  // an expression of sq (level 0 Vars: in's outputs)
            LatCols lcx{inlat, 0};
            return reads_lat_cols(e, &lcx);
        };
        bool *sqlat = static_cast<bool *>(palloc0(sizeof(bool) * Max(nsq, 1)));
        k = 0;
        foreach (lc, sq->targetList)
            sqlat[k++] = reads_lat(reinterpret_cast<Node *>(lfirst_node(TargetEntry, lc)->expr));
        if (sq->jointree->quals && reads_lat(sq->jointree->quals))
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(sq->jointree->quals),
                  psprintf("the condition of LAST JOIN \"%s\" reads a column its subquery takes from a join of its own",
                           txname),
                  "The LAST JOIN finds its row by the columns of the subquery's first table; the subquery's own "
                  "joins are made for that row.");
        foreach (lc, sq->sortClause) {
            TargetEntry *tle = get_sortgroupclause_tle(lfirst_node(SortGroupClause, lc), sq->targetList);
            if (sqlat[tle->resno - 1])
                jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(reinterpret_cast<Node *>(tle->expr)),
                      psprintf("LAST JOIN \"%s\" is ordered by a column its subquery takes from a join of its own",
                               txname),
                      "Order it by a column of the subquery's first table.");
        }
        // t2's columns the lifted joins and tx's computed columns read
        RangeTblEntry *t2e = rt_fetch(nd.t2rt, in->rtable);
        HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(t2e->relid));
        if (!HeapTupleIsValid(tup))
            elog(ERROR, "cache lookup failed for relation %u", t2e->relid);
        int n2 = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relnatts;
        ReleaseSysCache(tup);
        T2Cols tc{nd.t2rt, 0, static_cast<bool *>(palloc0(sizeof(bool) * Max(n2, 1))), n2};
        foreach (lc, nd.lats)
            mark_t2(reinterpret_cast<Node *>(rt_fetch(lfirst_int(lc), in->rtable)->subquery), &tc);
        tc.depth = 0;
        k = 0;
        foreach (lc, in->targetList)
            if (inlat[k++])
                mark_t2(reinterpret_cast<Node *>(lfirst_node(TargetEntry, lc)->expr), &tc);
        // tx: in with t2 only (the lateral joins' columns NULL), and t2's columns appended
        Query *inA = static_cast<Query *>(copyObjectImpl(in));
        RangeTblEntry *t2copy = static_cast<RangeTblEntry *>(copyObjectImpl(t2e));
        compat::move_relation_rte(inA, in, t2copy);
        inA->rtable = list_make1(t2copy);
        Redirect to1{nd.t2rt, 1, nullptr, 0, nullptr, nullptr, 0};
        AttrNumber *ident = static_cast<AttrNumber *>(palloc(sizeof(AttrNumber) * Max(n2, 1)));
        for (int a = 0; a < n2; a++)
            ident[a] = AttrNumber(a + 1);
        to1.t2pos = ident;
        inA->jointree = makeFromExpr(list_make1(rt_ref(1)), in->jointree->quals
                                                                      ? redirect_mutator(in->jointree->quals, &to1)
                                                                      : nullptr);
        List *tl = NIL;
        k = 0;
        foreach (lc, in->targetList) {
            TargetEntry *tle = static_cast<TargetEntry *>(copyObjectImpl(lfirst_node(TargetEntry, lc)));
            Node *e = reinterpret_cast<Node *>(tle->expr);
            tle->expr = inlat[k] ? reinterpret_cast<Expr *>(makeNullConst(exprType(e), exprTypmod(e), exprCollation(e)))
                                 : reinterpret_cast<Expr *>(redirect_mutator(e, &to1));
            tl = lappend(tl, tle);
            k++;
        }
        Query *sqA = static_cast<Query *>(copyObjectImpl(sq));
        RangeTblEntry *inrte = linitial_node(RangeTblEntry, sqA->rtable);
        AttrNumber *t2pos = static_cast<AttrNumber *>(palloc0(sizeof(AttrNumber) * Max(n2, 1)));
        int nin2 = nin, nsq2 = nsq;
        for (int a = 0; a < n2; a++) {
            if (!tc.need[a])
                continue;
            Oid typ;
            int32 typmod;
            Oid coll;
            get_atttypetypmodcoll(t2e->relid, AttrNumber(a + 1), &typ, &typmod, &coll);
            char *name = psprintf("%s__%d", get_rel_name(t2e->relid), a + 1);
            tl = lappend(tl, makeTargetEntry(reinterpret_cast<Expr *>(makeVar(1, AttrNumber(a + 1), typ, typmod, coll, 0)),
                                             AttrNumber(++nin2), name, false));
            inrte->eref->colnames = lappend(inrte->eref->colnames, makeString(name));
            sqA->targetList = lappend(sqA->targetList,
                                      makeTargetEntry(reinterpret_cast<Expr *>(makeVar(1, AttrNumber(nin2), typ, typmod,
                                                                                        coll, 0)),
                                                      AttrNumber(++nsq2), name, false));
            rte->eref->colnames = lappend(rte->eref->colnames, makeString(name));
            t2pos[a] = AttrNumber(nsq2);
        }
        // a marker that tx found its row: the lifted joins join only then
        // (SQL's nested form has no row of t3 when there is no row of t2)
        {
            char *name = pstrdup("found__");
            Node *t = makeBoolConst(true, false);
            tl = lappend(tl, makeTargetEntry(reinterpret_cast<Expr *>(t), AttrNumber(++nin2), name, false));
            inrte->eref->colnames = lappend(inrte->eref->colnames, makeString(name));
            sqA->targetList = lappend(sqA->targetList,
                                      makeTargetEntry(reinterpret_cast<Expr *>(makeVar(1, AttrNumber(nin2), BOOLOID, -1,
                                                                                        InvalidOid, 0)),
                                                      AttrNumber(++nsq2), name, false));
            rte->eref->colnames = lappend(rte->eref->colnames, makeString(name));
        }
        int found_pos = nsq2;
        inA->targetList = tl;
        inrte->subquery = inA;
        // the lateral joins, after tx in the chain
        int nlat = list_length(nd.lats);
        Redirect rd{nd.t2rt, tx_rt, t2pos, nlat, static_cast<int *>(palloc(sizeof(int) * Max(nlat, 1))),
                    static_cast<int *>(palloc(sizeof(int) * Max(nlat, 1))), 0};
        k = 0;
        foreach (lc, nd.lats) {
            rd.lat_in[k] = lfirst_int(lc);
            rd.lat_q[k] = list_length(q->rtable) + 1 + k;
            k++;
        }
        List *newrtes = NIL;
        foreach (lc, nd.lats) {
            RangeTblEntry *l = static_cast<RangeTblEntry *>(copyObjectImpl(rt_fetch(lfirst_int(lc), in->rtable)));
            rd.depth = 0;  // (passing its Query adds the level: its Vars of level 1 are in's)
            l->subquery = reinterpret_cast<Query *>(redirect_mutator(reinterpret_cast<Node *>(l->subquery), &rd));
            // ... AND tx.found__ IS NOT NULL (for the LAST JOIN subquery over a
            // subquery, the outer level's WHERE, whose Vars of level 1 are q's)
            Query *lq = l->subquery;
            NullTest *nt = makeNode(NullTest);
            nt->arg = reinterpret_cast<Expr *>(makeVar(tx_rt, AttrNumber(found_pos), BOOLOID, -1, InvalidOid, 1));
            nt->nulltesttype = IS_NOT_NULL;
            nt->location = -1;
            List *conj = lq->jointree->quals ? make_ands_implicit(reinterpret_cast<Expr *>(lq->jointree->quals)) : NIL;
            lq->jointree->quals = reinterpret_cast<Node *>(make_ands_explicit(lappend(conj, nt)));
            newrtes = lappend(newrtes, l);
        }
        // tx's computed columns read from the lifted joins, everywhere in the query
        OuterSubst os{tx_rt, sq, in, sqlat, &rd, 0};
        rte->subquery = sqA;
        query_tree_mutator(q, reinterpret_cast<Node *(*)()>(outer_mutator), &os, QTW_DONT_COPY_QUERY);
        q->rtable = list_concat(q->rtable, newrtes);
        List *after = NIL;
        for (k = 0; k < nlat; k++)
            after = lappend_int(after, rd.lat_q[k]);
        // (the mutator copied the join tree: the join is found by its entry)
        linitial(q->jointree->fromlist) = append_after(static_cast<Node *>(linitial(q->jointree->fromlist)), tx_rt, after);
    }
}

// ---- a LAST JOIN over a subquery with its own window
//
//   LEFT JOIN LATERAL (SELECT <tx columns> FROM (SELECT <t2 columns, f(...) OVER w ...> FROM t2 WINDOW w AS (...)) tx
//                      WHERE <cond> [ORDER BY tx.ts DESC] LIMIT 1) tx ON true
//
// (OpenMLDB's t1 LAST JOIN (SELECT c1, count(c4) OVER w ... FROM t2 WINDOW w ...) tx ON ...): the row is
// found as for the subquery over t2 alone (<cond> and ORDER BY may read t2's plain columns only), then
// its window values are those of a request of the subquery planned as a deployment over t2 whose request
// row is the row taken (docs/DEPLOY.md "LAST JOIN over a subquery with its own window").
Query *window_sub(Query *sq)
{
    if (!sq || list_length(sq->rtable) != 1 || linitial_node(RangeTblEntry, sq->rtable)->rtekind != RTE_SUBQUERY ||
        list_length(sq->jointree->fromlist) != 1 || !IsA(linitial(sq->jointree->fromlist), RangeTblRef))
        return nullptr;
    Query *in = linitial_node(RangeTblEntry, sq->rtable)->subquery;
    return in->hasWindowFuncs ? in : nullptr;
}

struct WSubst {
    Query *inner;
    bool win;                  // a window function's column was read
};

Node *wsubst_mutator(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    auto *s = static_cast<WSubst *>(ctx);
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        if (v->varlevelsup == 0 && v->varno == 1) {
            TargetEntry *tle = v->varattno > 0 ? get_tle_by_resno(s->inner->targetList, v->varattno) : nullptr;
            if (!tle || contain_windowfuncs(reinterpret_cast<Node *>(tle->expr))) {
                s->win = true;
                return reinterpret_cast<Node *>(makeNullConst(v->vartype, v->vartypmod, v->varcollid));
            }
            return static_cast<Node *>(copyObjectImpl(tle->expr));
        }
        return static_cast<Node *>(copyObjectImpl(node));
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(wsubst_mutator), ctx);
}

bool mark_need(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        if (v->varlevelsup == 0 && v->varattno > 0)
            static_cast<bool *>(ctx)[v->varattno - 1] = true;
        return false;
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(mark_need), ctx);
}

// The subquery sq over `in` (window_sub) as the plain LAST JOIN subquery
// over t2 that finds the row (window columns NULL there, filled from the
// sub-plan); the sub-plan in s->sub, the map in s->sub_map.  nullptr: an
// index to create first (create_index).
Query *plan_window_sub(JB *b, JoinStep *s, Query *sq, Query *in)
{
    static const char *shape =
        "A LAST JOIN over a subquery with its own window is LEFT JOIN LATERAL (SELECT * FROM (SELECT <columns>, "
        "f(...) OVER w ... FROM t2 WINDOW w AS (...)) tx WHERE tx.k = t.k [AND ...] [ORDER BY tx.ts DESC] LIMIT 1) "
        "tx ON true (docs/DEPLOY.md).";
    if (in->commandType != CMD_SELECT || in->setOperations || in->cteList || in->hasSubLinks || in->hasAggs ||
        in->groupClause || in->havingQual || in->groupingSets || in->distinctClause || in->hasTargetSRFs ||
        in->limitCount || in->limitOffset || in->sortClause || in->jointree->quals || list_length(in->rtable) != 1 ||
        linitial_node(RangeTblEntry, in->rtable)->rtekind != RTE_RELATION ||
        list_length(in->jointree->fromlist) != 1 || !IsA(linitial(in->jointree->fromlist), RangeTblRef) ||
        contain_vars_of_level(reinterpret_cast<Node *>(in), 1))
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
              "a LAST JOIN subquery with its own window reads one table, without WHERE, joins, grouping, "
              "ORDER BY, LIMIT, unions or references to the outer query",
              shape);
    Query *q = static_cast<Query *>(copyObjectImpl(sq));
    q->rtable = static_cast<List *>(copyObjectImpl(in->rtable));
    int nin = 0;  // the sub-plan's outputs: in's non-junk columns, in order
    int *outno = static_cast<int *>(palloc0(sizeof(int) * (list_length(in->targetList) + 1)));
    ListCell *lc;
    foreach (lc, in->targetList) {
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        outno[tle->resno] = tle->resjunk ? -1 : nin++;
    }
    s->sub_map = static_cast<int *>(palloc(sizeof(int) * Max(list_length(q->targetList), 1)));
    int i = 0;
    foreach (lc, q->targetList) {
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        s->sub_map[i] = -1;
        Node *e = strip_relabel(reinterpret_cast<Node *>(tle->expr));
        WSubst ws{in, false};
        Node *ne = wsubst_mutator(reinterpret_cast<Node *>(tle->expr), &ws);
        if (ws.win) {
            bool plain = IsA(e, Var) && reinterpret_cast<Var *>(e)->varlevelsup == 0 &&
                         reinterpret_cast<Var *>(e)->varno == 1 && reinterpret_cast<Var *>(e)->varattno > 0 &&
                         outno[reinterpret_cast<Var *>(e)->varattno] >= 0 && e == reinterpret_cast<Node *>(tle->expr);
            if (!plain && !tle->resjunk)
                jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(reinterpret_cast<Node *>(tle->expr)),
                      "a LAST JOIN subquery selects the columns of its window subquery as they are",
                      "Compute expressions over a window column in the outer query (tx.agg + 1 in the SELECT list).");
            if (plain)
                s->sub_map[i] = outno[reinterpret_cast<Var *>(e)->varattno];
        }
        tle->expr = reinterpret_cast<Expr *>(ne);  // (junk ORDER BY columns: a NULL constant, refused below)
        i++;
    }
    if (q->jointree->quals) {
        WSubst ws{in, false};
        q->jointree->quals = wsubst_mutator(q->jointree->quals, &ws);
        if (ws.win)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(sq->jointree->quals),
                  "the conditions of a LAST JOIN over a subquery with its own window read the subquery's window "
                  "columns",
                  "The row is found first and its window computed for it alone: compare t2's own columns.");
    }
    q->jointree->fromlist = list_make1(copyObjectImpl(linitial(in->jointree->fromlist)));
    // The window, planned as a deployment over t2.
    List *fx = NIL;
    DeployPlan *sub = plan_sub_query(b->p->name, static_cast<Query *>(copyObjectImpl(in)), b->p->cxt, b->fix_flags,
                                     &fx);
    if (!sub) {
        ListCell *fl;
        foreach (fl, fx)
            add_fix(b, strVal(lfirst(fl)));
        return nullptr;
    }
    // Which of the row's peers its windows read: ROWS frames and functions
    // of the position (row_number, lag, first/last/nth_value) the peers
    // inserted before it (insertion order breaks ties); RANGE / GROUPS
    // frames every peer, as PostgreSQL's frame does.  Rows after the row
    // (FOLLOWING, lead, ntile, percent_rank, cume_dist) are not read.
    // A group (one index read) with windows of both kinds is split in two
    // (the plan has room: a group per window at most).
    bool *pos = static_cast<bool *>(palloc0(sizeof(bool) * Max(sub->nwindows, 1)));
    bool *peer = static_cast<bool *>(palloc0(sizeof(bool) * Max(sub->nwindows, 1)));
    for (int w = 0; w < sub->nwindows; w++) {
        WindowPlan *wp = &sub->windows[w];
        if (wp->end_kind == kFollowing || wp->end_kind == kUnbounded)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                  "a window of a LAST JOIN subquery ends at its current row or before",
                  "The row taken has later rows in t2; a frame reaching FOLLOWING rows is not supported there.");
        if ((wp->excl == kExclGroup || wp->excl == kExclTies) && wp->mode == kRows)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                  "EXCLUDE GROUP / EXCLUDE TIES in a ROWS window of a LAST JOIN subquery is not supported",
                  "The row's peers are ordered by insertion there; use EXCLUDE CURRENT ROW, no exclusion, or a "
                  "RANGE frame.");
        for (int k = 0; k < sub->naggs; k++) {
            AggPlan *a = &sub->aggs[k];
            if (a->window != w)
                continue;
            switch (a->wkind) {
            case kWinLead: case kWinNtile: case kWinPercentRank: case kWinCumeDist:
                jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                      psprintf("%s over a window of a LAST JOIN subquery is not supported",
                               format_procedure(a->aggfnoid)),
                      "It reads the rows after the row taken.");
            case kWinRowNumber: case kWinLag:
                pos[w] = true;
                break;
            case kWinFirstValue: case kWinLastValue: case kWinNthValue:
                pos[w] = true;
                peer[w] |= wp->mode != kRows;
                break;
            case kWinRank: case kWinDenseRank:
                break;
            default:
                if (wp->mode == kRows)
                    pos[w] = true;
                else
                    peer[w] = true;
            }
        }
        if (pos[w] && peer[w])
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                  "a RANGE or GROUPS window of a LAST JOIN subquery both orders the row's peers (row_number, lag, "
                  "first_value, last_value, nth_value) and frames them (aggregates, first/last/nth_value): not "
                  "supported",
                  "The row's later peers follow it in the first and are in its frame in the second: give those "
                  "functions a ROWS window of their own.");
    }
    split_peer_groups(sub, pos, peer);
    s->sub = sub;
    return q;
}

// LEFT JOIN LATERAL (SELECT ... FROM t2 WHERE ... ORDER BY t2.ts DESC LIMIT 1) j ON true
void plan_last(JB *b, JoinStep *s, int si, RangeTblEntry *rte, Node *onqual)
{
    static const char *shape =
        "A LAST JOIN is LEFT JOIN LATERAL (SELECT ... FROM t2 WHERE t2.k = t.k [AND ...] ORDER BY t2.ts DESC LIMIT 1) "
        "AS j ON true.";
    Query *sq = flatten_right(rte->subquery);
    Query *win_in = window_sub(sq);
    if (win_in) {
        sq = plan_window_sub(b, s, sq, win_in);
        if (!sq) {
            s->nout = -1;  // not planned (create_index)
            return;
        }
    }
    onqual = eval_const_expressions(nullptr, onqual);
    if (!onqual || !IsA(onqual, Const) || reinterpret_cast<Const *>(onqual)->constisnull ||
        !DatumGetBool(reinterpret_cast<Const *>(onqual)->constvalue))
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(onqual), "a LAST JOIN subquery is joined ON true", shape);
    if (sq->commandType != CMD_SELECT || sq->setOperations || sq->cteList || sq->hasSubLinks || sq->hasAggs ||
        sq->groupClause || sq->havingQual || sq->groupingSets || sq->hasWindowFuncs || sq->distinctClause ||
        sq->hasTargetSRFs || sq->limitOffset || list_length(sq->rtable) != 1 ||
        linitial_node(RangeTblEntry, sq->rtable)->rtekind != RTE_RELATION || list_length(sq->jointree->fromlist) != 1 ||
        !IsA(linitial(sq->jointree->fromlist), RangeTblRef))
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, "a LAST JOIN subquery reads exactly one table, without "
              "aggregates, grouping, DISTINCT, set operations or subqueries", shape);
    Node *lim = sq->limitCount ? eval_const_expressions(nullptr, sq->limitCount) : nullptr;
    if (!lim || !IsA(lim, Const) || reinterpret_cast<Const *>(lim)->constisnull ||
        DatumGetInt64(reinterpret_cast<Const *>(lim)->constvalue) != 1 || sq->limitOption != LIMIT_OPTION_COUNT)
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(sq->limitCount), "a LAST JOIN subquery ends with LIMIT 1",
              shape);
    // Without ORDER BY, LIMIT 1 may return any matching row: the newest of
    // the key's skiplist index (OpenMLDB's LAST JOIN without ORDER BY).
    if (list_length(sq->sortClause) > 1)
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, "a LAST JOIN subquery is ordered by exactly one column", shape);
    AttrNumber order = InvalidAttrNumber;
    Node *se = nullptr;
    if (sq->sortClause != NIL) {
        SortGroupClause *sgc = linitial_node(SortGroupClause, sq->sortClause);
        se = strip_relabel(reinterpret_cast<Node *>(get_sortgroupclause_tle(sgc, sq->targetList)->expr));
        if (!IsA(se, Var) || reinterpret_cast<Var *>(se)->varlevelsup != 0 || reinterpret_cast<Var *>(se)->varattno <= 0)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(se),
                  "a LAST JOIN subquery is ordered by a column of its table", shape);
        if (!compat::is_descending_ordering_op(sgc->sortop))
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(se),
                  "a LAST JOIN subquery is ordered newest first (ORDER BY ts DESC)", shape);
        order = reinterpret_cast<Var *>(se)->varattno;
    }
    RangeTblEntry *t2e = linitial_node(RangeTblEntry, sq->rtable);
    Relation rel = table_open(t2e->relid, AccessShareLock);
    const char *rname = RelationGetRelationName(rel);
    check_joined_table(b, rel, "a LAST JOIN");
    if (rel->rd_tableam != feature_store_routine())
        jfail(b, ERRCODE_WRONG_OBJECT_TYPE, -1,
              psprintf("LAST JOIN table \"%s\" is not a feature_store table", rname),
              "A LAST JOIN reads its table through a skiplist index: create the table USING feature_store.");
    s->last = true;
    s->relid = t2e->relid;
    TupleDesc rd = RelationGetDescr(rel);
    s->rdesc = CreateTupleDescCopy(rd);
    s->rslot = MakeSingleTupleTableSlot(s->rdesc, &TTSOpsVirtual);
    s->need = static_cast<bool *>(palloc0(sizeof(bool) * Max(rd->natts, 1)));
    auto colname = [&](AttrNumber a) { return NameStr(TupleDescAttr(rd, a - 1)->attname); };
    if (win_in)  // the sub-plan's request row: every column its query reads
        (void) mark_need(reinterpret_cast<Node *>(win_in->targetList), s->need);

    List *conjs = sq->jointree->quals ? make_ands_implicit(reinterpret_cast<Expr *>(sq->jointree->quals)) : NIL;
    List *cands = candidates(conjs, 1);
    // The index: order column = ORDER BY column, every key column equal to a value.
    IndexMeta **metas;
    int nm = heap_skiplist_indexes(rel, &metas);
    const IndexMeta *best = nullptr;
    for (int i = 0; i < nm; i++) {
        const IndexMeta *m = metas[i];
        if (order != InvalidAttrNumber && m->order.attno != order)
            continue;
        bool all = true;
        for (int k = 0; k < m->nkeys && all; k++) {
            bool f = false;
            ListCell *lc;
            foreach (lc, cands) {
                auto *cd = static_cast<Cand *>(lfirst(lc));
                f |= cd->attno == m->keys[k].attno && key_value(cd, m->keys[k].typid) != nullptr;
            }
            all = f;
        }
        if (all && (!best || m->nkeys > best->nkeys))
            best = m;
    }
    if (!best && order == InvalidAttrNumber) {
        StringInfoData ci;
        initStringInfo(&ci);
        ListCell *lc;
        foreach (lc, cands)
            appendStringInfo(&ci, "%s%s", ci.len ? ", " : "",
                             quote_identifier(colname(static_cast<Cand *>(lfirst(lc))->attno)));
        jfail(b, ERRCODE_UNDEFINED_OBJECT, -1,
              psprintf("no skiplist index on \"%s\" has the LAST JOIN's equality columns as its keys", rname),
              psprintf("A LAST JOIN without ORDER BY takes the newest row of such an index: CREATE INDEX ON %s USING "
                       "skiplist (%s, <order column>);",
                       qualified(s->relid), ci.len ? ci.data : "<key>"));
    }
    if (!best) {
        if (cands == NIL)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                  psprintf("a LAST JOIN on \"%s\" needs an equality condition %s.<key> = <request value>", rname, rname),
                  shape);
        StringInfoData ci;
        initStringInfo(&ci);
        appendStringInfo(&ci, "CREATE INDEX ON %s USING skiplist (", qualified(s->relid));
        List *seen = NIL;
        ListCell *lc;
        foreach (lc, cands) {
            auto *cd = static_cast<Cand *>(lfirst(lc));
            if (list_member_int(seen, cd->attno) || cd->attno == order)
                continue;
            seen = lappend_int(seen, cd->attno);
            appendStringInfo(&ci, "%s, ", quote_identifier(colname(cd->attno)));
        }
        appendStringInfo(&ci, "%s);", quote_identifier(colname(order)));
        if (b->fix_flags & kFixCreateIndex) {
            add_fix(b, ci.data);
            table_close(rel, NoLock);
            s->nout = -1;  // not planned
            return;
        }
        jfail(b, ERRCODE_UNDEFINED_OBJECT, -1,
              psprintf("no skiplist index on \"%s\" matches the LAST JOIN (key columns = its equality columns, "
                       "ORDER BY %s) with equality of equal images on each key", rname, colname(order)),
              psprintf("Create it: %s  (or deploy with options '{\"create_index\": true}'); a key compared with a "
                       "value of another type needs a cast to the key's type.", ci.data));
    }
    s->indexoid = best->indexoid;
    s->nkeys = best->nkeys;
    bool ordered = order != InvalidAttrNumber;
    order = best->order.attno;
    s->order_attno = order;
    s->keys = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * Max(s->nkeys, 1)));
    bool *used = static_cast<bool *>(palloc0(sizeof(bool) * (list_length(conjs) + 1)));
    for (int k = 0; k < best->nkeys; k++) {
        ListCell *lc;
        foreach (lc, cands) {
            auto *cd = static_cast<Cand *>(lfirst(lc));
            Node *kvx = cd->attno == best->keys[k].attno && !used[cd->conj] ? key_value(cd, best->keys[k].typid)
                                                                              : nullptr;
            if (kvx) {
                used[cd->conj] = true;
                s->key_attnos[k] = cd->attno;
                s->key_main[k] = request_column(kvx, 1);
                s->nullsafe[k] = cd->nullsafe;
                s->keys[k] = ExecInitExpr(reinterpret_cast<Expr *>(remap(b, kvx, 1, si, 0, s->need)), nullptr);
                break;
            }
        }
    }
    // The other conditions, evaluated on each row of the key, newest first.
    List *rest = NIL;
    bool order_strict = TupleDescAttr(rd, order - 1)->attnotnull || !ordered;
    int i = 0;
    ListCell *lc;
    foreach (lc, conjs) {
        Node *c = static_cast<Node *>(lfirst(lc));
        if (used[i++])
            continue;
        if (IsA(c, NullTest) && reinterpret_cast<NullTest *>(c)->nulltesttype == IS_NOT_NULL &&
            !reinterpret_cast<NullTest *>(c)->argisrow) {
            Node *a = strip_relabel(reinterpret_cast<Node *>(reinterpret_cast<NullTest *>(c)->arg));
            order_strict |= IsA(a, Var) && reinterpret_cast<Var *>(a)->varlevelsup == 0 &&
                            reinterpret_cast<Var *>(a)->varattno == order;
        }
        if (IsA(c, OpExpr)) {
            OpExpr *op = reinterpret_cast<OpExpr *>(c);
            set_opfuncid(op);
            ListCell *al;
            foreach (al, op->args) {
                Node *a = strip_relabel(static_cast<Node *>(lfirst(al)));
                if (IsA(a, Var) && reinterpret_cast<Var *>(a)->varlevelsup == 0 &&
                    reinterpret_cast<Var *>(a)->varattno == order && func_strict(op->opfuncid)) {
                    order_strict = true;
                    s->as_of |= contain_vars_of_level(c, 1);  // t2.ts <op> <request value>
                }
            }
        }
        rest = lappend(rest, remap(b, c, 1, si, 0, s->need));
    }
    s->nquals = list_length(rest);
    // Rows without an order value are not held by a skiplist index; the SQL
    // would put them first (DESC sorts NULLs first).
    if (!order_strict)
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, se ? exprLocation(se) : -1,
              psprintf("rows of \"%s\" with a NULL \"%s\" are not in its skiplist index, but ORDER BY %s DESC would "
                       "pick them first",
                       rname, colname(order), colname(order)),
              psprintf("Declare %s.%s NOT NULL, or add a condition on it such as %s.%s <= t.ts or %s.%s IS NOT "
                       "NULL.",
                       rname, colname(order), rname, colname(order), rname, colname(order)));
    if (rest != NIL)
        s->qual = ExecInitQual(rest, nullptr);
    // Output columns.
    s->nout = list_length(sq->targetList);
    s->outs = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * Max(s->nout, 1)));
    i = 0;
    foreach (lc, sq->targetList) {
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        if (!tle->resjunk)
            s->outs[i] = ExecInitExpr(reinterpret_cast<Expr *>(remap(b, expand_call_args(reinterpret_cast<Node *>(tle->expr)),
                                                                     1, si, 0, s->need)),
                                      nullptr);
        i++;
    }
    // Every column read must be held by the index.
    for (int a = 0; a < rd->natts; a++) {
        if (!s->need[a])
            continue;
        bool held = best->order.attno == a + 1;
        for (int k = 0; k < best->nkeys; k++)
            held |= best->keys[k].attno == a + 1;
        for (int k = 0; k < best->nstored; k++)
            held |= best->stored[k].attno == a + 1;
        if (!held)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                  psprintf("column \"%s\" of \"%s\" is not held by skiplist index \"%s\"", colname(AttrNumber(a + 1)),
                           rname, best->name),
                  "Add the column to the index's INCLUDE (...) list, or drop INCLUDE to hold all columns.");
    }
    // TTL: a request reads the index, the SQL reads the table.  Without a
    // ttl they hold the same rows; ttl_rows alone keeps each key's newest
    // row, which is all a LAST JOIN without further conditions reads.
    const TtlConfig &t = best->ttl;
    bool ok = t.type == core::TtlType::kNone || (t.type == core::TtlType::kLatest && s->nquals == 0);
    if (!ok) {
        const char *iname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(best->indexoid)), best->name);
        if (b->fix_flags & kFixAdjustTtl)
            add_fix(b, psprintf("ALTER INDEX %s RESET (ttl, ttl_rows, ttl_type)", iname));
        else
            jfail(b, ERRCODE_INVALID_PARAMETER_VALUE, -1,
                  psprintf("the LAST JOIN on \"%s\" reads index \"%s\", whose ttl can drop the row the query finds",
                           rname, best->name),
                  psprintf("ALTER INDEX %s RESET (ttl, ttl_rows, ttl_type), or deploy with options "
                           "'{\"adjust_ttl\": true}' (a ttl_rows alone is kept when the LAST JOIN has no condition "
                           "besides its key).",
                           iname));
    }
    table_close(rel, NoLock);
}

// LEFT JOIN dim ON dim.c1 = <expr> [AND ...]: a unique btree index of dim.
void plan_dim(JB *b, JoinStep *s, int si, RangeTblEntry *rte, int rt, Node *onqual)
{
    Relation rel = table_open(rte->relid, AccessShareLock);
    const char *rname = RelationGetRelationName(rel);
    check_joined_table(b, rel, "a join");
    s->last = false;
    s->relid = rte->relid;
    TupleDesc rd = RelationGetDescr(rel);
    s->rdesc = CreateTupleDescCopy(rd);
    s->rslot = MakeSingleTupleTableSlot(s->rdesc, table_slot_callbacks(rel));
    s->nout = rd->natts;
    List *conjs = onqual ? make_ands_implicit(reinterpret_cast<Expr *>(onqual)) : NIL;
    List *cands = candidates(conjs, rt);
    List *ilist = RelationGetIndexList(rel);
    Relation best = nullptr;
    int *best_cand = nullptr;
    ListCell *lc;
    foreach (lc, ilist) {
        Relation idx = index_open(lfirst_oid(lc), AccessShareLock);
        Form_pg_index ix = idx->rd_index;
        bool fits = ix->indisunique && ix->indisvalid && ix->indimmediate && idx->rd_rel->relam == BTREE_AM_OID &&
                    RelationGetIndexExpressions(idx) == NIL && RelationGetIndexPredicate(idx) == NIL;
        int nk = IndexRelationGetNumberOfKeyAttributes(idx);
        int *pick = static_cast<int *>(palloc(sizeof(int) * Max(nk, 1)));
        for (int k = 0; k < nk && fits; k++) {
            pick[k] = -1;
            int ci = 0;
            ListCell *cl;
            foreach (cl, cands) {
                auto *cd = static_cast<Cand *>(lfirst(cl));
                if (pick[k] < 0 && !cd->nullsafe && cd->attno == ix->indkey.values[k] &&
                    get_op_opfamily_strategy(cd->op, idx->rd_opfamily[k]) == BTEqualStrategyNumber)
                    pick[k] = ci;
                ci++;
            }
            fits = pick[k] >= 0;
        }
        if (fits && (!best || (ix->indisprimary && !best->rd_index->indisprimary))) {
            if (best)
                index_close(best, NoLock);
            best = idx;
            best_cand = pick;
        } else
            index_close(idx, NoLock);
    }
    if (!best) {
        StringInfoData ci;
        initStringInfo(&ci);
        appendStringInfo(&ci, "CREATE UNIQUE INDEX ON %s (", qualified(s->relid));
        bool first = true;
        foreach (lc, cands) {
            auto *cd = static_cast<Cand *>(lfirst(lc));
            appendStringInfo(&ci, "%s%s", first ? "" : ", ",
                             quote_identifier(NameStr(TupleDescAttr(rd, cd->attno - 1)->attname)));
            first = false;
        }
        appendStringInfoString(&ci, ");");
        jfail(b, ERRCODE_UNDEFINED_OBJECT, exprLocation(onqual),
              psprintf("no unique btree index on \"%s\" covers the join condition", rname),
              cands == NIL ? "A dimension join reads one row by equality on every column of a unique btree index: "
                             "LEFT JOIN dim ON dim.id = t.k."
                           : psprintf("A dimension join reads one row through a unique btree index on its equality "
                                      "columns: %s (a unique index is not created for you: it changes what the table "
                                      "accepts).",
                                      ci.data));
    }
    s->indexoid = RelationGetRelid(best);
    s->nkeys = IndexRelationGetNumberOfKeyAttributes(best);
    s->keys = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * Max(s->nkeys, 1)));
    s->skeys = static_cast<ScanKeyData *>(palloc0(sizeof(ScanKeyData) * Max(s->nkeys, 1)));
    bool *used = static_cast<bool *>(palloc0(sizeof(bool) * (list_length(conjs) + 1)));
    for (int k = 0; k < s->nkeys; k++) {
        auto *cd = static_cast<Cand *>(list_nth(cands, best_cand[k]));
        used[cd->conj] = true;
        Oid lt, rtype;
        op_input_types(cd->op, &lt, &rtype);
        ScanKeyEntryInitialize(&s->skeys[k], 0, AttrNumber(k + 1), BTEqualStrategyNumber, rtype, cd->collation,
                               get_opcode(cd->op), Datum(0));
        s->key_attnos[k] = best->rd_index->indkey.values[k];
        s->key_main[k] = request_column(cd->other, 0);
        s->keys[k] = ExecInitExpr(reinterpret_cast<Expr *>(remap(b, cd->other, 2, si, rt, nullptr)), nullptr);
    }
    index_close(best, NoLock);
    List *rest = NIL;
    int i = 0;
    foreach (lc, conjs) {
        Node *c = static_cast<Node *>(lfirst(lc));
        if (!used[i++])
            rest = lappend(rest, remap(b, c, 2, si, rt, nullptr));
    }
    s->nquals = list_length(rest);
    if (rest != NIL)
        s->qual = ExecInitQual(rest, nullptr);
    table_close(rel, NoLock);
}

// The chain: ((t LEFT JOIN a) LEFT JOIN b) ...; steps in join order.
void walk_chain(JB *b, Node *n, List **items)
{
    if (IsA(n, RangeTblRef)) {
        if (reinterpret_cast<RangeTblRef *>(n)->rtindex != 1)
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, "the deployment's table must be the first FROM item",
                  "FROM t LEFT JOIN ... : the request is a row of t.");
        return;
    }
    if (!IsA(n, JoinExpr))
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, "unsupported FROM item in a deployment", nullptr);
    JoinExpr *j = reinterpret_cast<JoinExpr *>(n);
    walk_chain(b, j->larg, items);
    if (j->jointype != JOIN_LEFT || j->usingClause != NIL || j->isNatural)
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(j->quals),
              "a deployment joins other tables with LEFT JOIN ... ON only",
              "LAST JOIN: LEFT JOIN LATERAL (SELECT ... ORDER BY ts DESC LIMIT 1) j ON true; dimension lookup: "
              "LEFT JOIN dim ON dim.id = t.k.  (A request always returns one row: inner joins, USING and NATURAL "
              "are not supported.)");
    if (!IsA(j->rarg, RangeTblRef))
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(j->quals),
              "the right side of a deployment's join is one table or one LAST JOIN subquery", nullptr);
    *items = lappend(*items, j);
}

}  // namespace

bool join_present(const Query *q)
{
    return list_length(q->rtable) > 1 || (q->jointree && list_length(q->jointree->fromlist) == 1 &&
                                          IsA(linitial(q->jointree->fromlist), JoinExpr));
}

void join_plan(DeployPlan *p, Query *q, Relation heap, int fix_flags, List **fixes, JoinFail fail, void *fail_ctx)
{
    MemoryContext old = MemoryContextSwitchTo(p->cxt);
    JB bb;
    memset(&bb, 0, sizeof(bb));
    JB *b = &bb;
    b->p = p;
    b->q = q;
    b->heap = heap;
    b->fix_flags = fix_flags;
    List *nofixes = NIL;
    b->fixes = fixes ? fixes : &nofixes;
    b->fail = fail;
    b->ctx = fail_ctx;
    lift_nested(b, q);  // LAST JOINs of a LAST JOIN subquery join the chain
    b->nrt = list_length(q->rtable);
    b->rt_off = static_cast<int *>(palloc(sizeof(int) * (b->nrt + 1)));
    b->rt_step = static_cast<int *>(palloc(sizeof(int) * (b->nrt + 1)));
    for (int i = 0; i <= b->nrt; i++)
        b->rt_off[i] = b->rt_step[i] = -1;
    if (list_length(q->jointree->fromlist) != 1)
        jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, "a deployment reads its table, then LEFT JOINs",
              "Comma-separated FROM items are not supported: write FROM t LEFT JOIN ... ON ....");
    List *items = NIL;
    walk_chain(b, static_cast<Node *>(linitial(q->jointree->fromlist)), &items);
    auto *jp = static_cast<JoinPlan *>(palloc0(sizeof(JoinPlan)));
    b->jp = jp;
    jp->nsteps = list_length(items);
    jp->steps = static_cast<JoinStep *>(palloc0(sizeof(JoinStep) * Max(jp->nsteps, 1)));
    jp->natts_main = RelationGetDescr(heap)->natts;
    jp->main_need = static_cast<bool *>(palloc0(sizeof(bool) * Max(jp->natts_main, 1)));
    // Offsets first (a step's conditions read the earlier steps' columns).
    int off = 0;
    ListCell *lc;
    int si = 0;
    foreach (lc, items) {
        JoinExpr *j = static_cast<JoinExpr *>(lfirst(lc));
        int rt = reinterpret_cast<RangeTblRef *>(j->rarg)->rtindex;
        RangeTblEntry *rte = rt_fetch(rt, q->rtable);
        int n;
        if (rte->rtekind == RTE_SUBQUERY)
            n = list_length(rte->subquery->targetList);
        else if (rte->rtekind == RTE_RELATION) {
            HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rte->relid));
            if (!HeapTupleIsValid(tup))
                elog(ERROR, "cache lookup failed for relation %u", rte->relid);
            n = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relnatts;
            ReleaseSysCache(tup);
        }
        else
            jfail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(j->quals),
                  "the right side of a deployment's join is one table or one LAST JOIN subquery", nullptr);
        b->rt_off[rt] = off;
        b->rt_step[rt] = si;
        jp->steps[si].reads_main = static_cast<bool *>(palloc0(sizeof(bool) * Max(jp->natts_main, 1)));
        jp->steps[si].rtindex = rt;
        jp->steps[si].off = off;
        off += n;
        si++;
    }
    jp->jdesc = CreateTemplateTupleDesc(off);
    si = 0;
    bool complete = true;
    foreach (lc, items) {
        JoinExpr *j = static_cast<JoinExpr *>(lfirst(lc));
        JoinStep *s = &jp->steps[si];
        RangeTblEntry *rte = rt_fetch(s->rtindex, q->rtable);
        if (rte->rtekind == RTE_SUBQUERY) {
            plan_last(b, s, si, rte, j->quals);
            if (s->nout < 0) {
                complete = false;
                si++;
                continue;
            }
            int i = 0;
            ListCell *tl;
            foreach (tl, rte->subquery->targetList) {
                TargetEntry *tle = lfirst_node(TargetEntry, tl);
                Node *e = reinterpret_cast<Node *>(tle->expr);
                TupleDescInitEntry(jp->jdesc, AttrNumber(s->off + i + 1), tle->resname ? tle->resname : "?column?",
                                   exprType(e), exprTypmod(e), 0);
                TupleDescInitEntryCollation(jp->jdesc, AttrNumber(s->off + i + 1), exprCollation(e));
                i++;
            }
        } else {
            plan_dim(b, s, si, rte, s->rtindex, j->quals);
            for (int a = 0; a < s->nout; a++)
                TupleDescCopyEntry(jp->jdesc, AttrNumber(s->off + a + 1), s->rdesc, AttrNumber(a + 1));
        }
        si++;
    }
    if (!complete) {  // indexes to create first (create_index): nothing runs
        MemoryContextSwitchTo(old);
        return;
    }
    jp->jslot = MakeSingleTupleTableSlot(jp->jdesc, &TTSOpsVirtual);
    // The outer query: joined columns now read the joined row.
    foreach (lc, q->targetList) {
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        tle->expr = reinterpret_cast<Expr *>(remap(b, reinterpret_cast<Node *>(tle->expr), 0, jp->nsteps, 0, nullptr));
    }
    p->joins = jp;
    MemoryContextSwitchTo(old);
}

namespace {

void check_access(const JoinStep *s)
{
    HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(s->relid));
    if (!HeapTupleIsValid(tup))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("a table joined by the deployment was dropped")));
    bool rls = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relrowsecurity;
    ReleaseSysCache(tup);
    if (pg_class_aclcheck(s->relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for table %s", get_rel_name(s->relid))));
    if (rls)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("table \"%s\" has row-level security enabled", get_rel_name(s->relid)),
                        errdetail("Deployments cannot enforce row-level security policies yet, and never bypass them.")));
}

// The skiplist slot of a LAST JOIN's index (as collect() resolves a group's).
void resolve_slot(DeployPlan *p, JoinStep *s)
{
    cached_slot(p->cxt, s->indexoid, &s->slot, &s->slot_generation, &s->meta);
}

// The window values of the row taken (r, its columns in s->rslot): a
// request of the subquery's plan whose request row is that stored row.
void fill_sub(JoinStep *s, TupleTableSlot *js, const core::RowView &r)
{
    DeployPlan *sub = s->sub;
    TupleTableSlot *rs = s->rslot;
    Datum *v;
    bool *nl;
    run_row_request(sub, rs->tts_values, rs->tts_isnull, true, r.tid_block, r.tid_off, &v, &nl);
    for (int i = 0; i < s->nout; i++)
        if (s->sub_map[i] >= 0) {
            js->tts_values[s->off + i] = v[s->sub_map[i]];
            js->tts_isnull[s->off + i] = nl[s->sub_map[i]];
        }
}

// The taken row's columns in the joined row, copied out of the step's
// per-row context into the caller's (the request's) context.
void copy_taken(const JoinPlan *jp, const JoinStep *s, TupleTableSlot *js)
{
    for (int i = 0; i < s->nout; i++) {
        Form_pg_attribute att = TupleDescAttr(jp->jdesc, s->off + i);
        if (!js->tts_isnull[s->off + i] && !att->attbyval)
            js->tts_values[s->off + i] = datumCopy(js->tts_values[s->off + i], false, att->attlen);
    }
}

// Walk the key's rows newest first (equal order values: the row published
// last first); the first that passes the other conditions is the match.
// Decoding and testing a row run in the step's per-row context, reset per
// row; the match's columns are computed in the caller's context and copied
// there, so nothing points into the per-row context after the walk.
void fill_last(DeployPlan *p, JoinStep *s, const Datum *kv, const bool *kn)
{
    ExprContext *ec = p->econtext;
    TupleTableSlot *js = p->joins->jslot;
    resolve_slot(p, s);
    if (s->sub && g_jit && !s->sub->jit_tried) {  // the subquery's window: compiled on first use
        JitObject none;
        memset(&none, 0, sizeof(none));
        jit_attach(s->sub, &none);
    }
    const IndexMeta *m = s->meta;
    if (m->nkeys != s->nkeys)
        elog(ERROR, "feature_ext: index of a LAST JOIN changed under the plan");
    uint8 *key;
    uint32 klen = encode_key_values(m, kv, kn, &key);
    uint32 hash = core::Store::hash_key(key, klen);
    core::Store &st = store();
    core::TtlRule rule = slot_rule(s->slot, GetCurrentTimestamp());
    TupleTableSlot *rs = s->rslot;
    int natts = s->rdesc->natts;
    ec->ecxt_scantuple = rs;
    if (!s->row_cxt)
        s->row_cxt = AllocSetContextCreate(p->cxt, "feature_ext LAST JOIN row", ALLOCSET_DEFAULT_SIZES);
    MemoryContext outer = CurrentMemoryContext;
    MemoryContextReset(s->row_cxt);  // (what an error left behind)
    st.reader_enter(reader_id());
    PG_TRY();
    {
        if (const core::KeyEntry *k = st.find_key(s->slot, hash, key, klen)) {
            core::Store::Cursor c;
            uint32 walked = 0;
            for (c.seek(st, k, INT64_MAX, rule); c.valid(); c.next()) {
                if ((++walked & 1023) == 0)
                    CHECK_FOR_INTERRUPTS();
                core::RowView r = c.row();
                MemoryContextReset(s->row_cxt);
                MemoryContextSwitchTo(s->row_cxt);
                ExecClearTuple(rs);
                for (int a = 0; a < natts; a++) {
                    rs->tts_values[a] = Datum(0);
                    rs->tts_isnull[a] = true;
                }
                for (int kk = 0; kk < s->nkeys; kk++) {
                    rs->tts_values[s->key_attnos[kk] - 1] = kv[kk];
                    rs->tts_isnull[s->key_attnos[kk] - 1] = kn[kk];
                }
                rs->tts_values[s->order_attno - 1] = order_to_datum(m->order_kind, r.order);
                rs->tts_isnull[s->order_attno - 1] = false;
                for (int sc = 0; sc < m->nstored; sc++) {
                    AttrNumber a = m->stored[sc].attno;
                    if (a <= natts && s->need[a - 1] && a != s->order_attno)
                        rs->tts_values[a - 1] = decode_stored(m, r.payload, sc, &rs->tts_isnull[a - 1]);
                }
                ExecStoreVirtualTuple(rs);
                if (s->qual) {
                    bool qn;
                    Datum ok = ExecEvalExpr(s->qual, ec, &qn);
                    if (qn || !DatumGetBool(ok))
                        continue;
                }
                MemoryContextSwitchTo(outer);
                for (int i = 0; i < s->nout; i++)
                    if (s->outs[i])
                        js->tts_values[s->off + i] = ExecEvalExpr(s->outs[i], ec, &js->tts_isnull[s->off + i]);
                if (s->sub)
                    fill_sub(s, js, r);
                copy_taken(p->joins, s, js);
                ec->ecxt_scantuple = rs;
                break;
            }
        }
    }
    PG_FINALLY();
    {
        MemoryContextSwitchTo(outer);
        st.reader_exit(reader_id());
    }
    PG_END_TRY();
    // the row slot's values pointed into the per-row context
    MemoryContextReset(s->row_cxt);
    ExecClearTuple(rs);
    for (int a = 0; a < natts; a++) {
        rs->tts_values[a] = Datum(0);
        rs->tts_isnull[a] = true;
    }
}

// One row of dim through its unique btree index, with the caller's snapshot.
void fill_dim(DeployPlan *p, JoinStep *s, const Datum *kv)
{
    ExprContext *ec = p->econtext;
    TupleTableSlot *js = p->joins->jslot;
    Relation rel = table_open(s->relid, AccessShareLock);
    Relation idx = index_open(s->indexoid, AccessShareLock);
    ScanKeyData *sk = static_cast<ScanKeyData *>(palloc(sizeof(ScanKeyData) * Max(s->nkeys, 1)));
    memcpy(sk, s->skeys, sizeof(ScanKeyData) * s->nkeys);
    for (int k = 0; k < s->nkeys; k++)
        sk[k].sk_argument = kv[k];
    Snapshot snap = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    IndexScanDesc scan = compat::index_beginscan_keys(rel, idx, snap, s->nkeys);
    index_rescan(scan, sk, s->nkeys, nullptr, 0);
    TupleTableSlot *rs = s->rslot;
    if (index_getnext_slot(scan, ForwardScanDirection, rs)) {
        slot_getallattrs(rs);
        ec->ecxt_scantuple = rs;
        bool pass = true;
        if (s->qual) {
            bool qn;
            Datum ok = ExecEvalExpr(s->qual, ec, &qn);
            pass = !qn && DatumGetBool(ok);
        }
        if (pass)
            for (int a = 0; a < s->nout; a++) {
                Form_pg_attribute att = TupleDescAttr(s->rdesc, a);
                js->tts_isnull[s->off + a] = rs->tts_isnull[a] || att->attisdropped;
                if (!js->tts_isnull[s->off + a])
                    js->tts_values[s->off + a] = datumCopy(rs->tts_values[a], att->attbyval, att->attlen);
            }
    }
    ExecClearTuple(rs);
    index_endscan(scan);
    index_close(idx, NoLock);
    table_close(rel, NoLock);
}

}  // namespace

void join_fill(DeployPlan *p)
{
    JoinPlan *jp = p->joins;
    ExprContext *ec = p->econtext;
    TupleTableSlot *js = jp->jslot;
    int n = jp->jdesc->natts;
    ExecClearTuple(js);
    for (int a = 0; a < n; a++) {
        js->tts_values[a] = Datum(0);
        js->tts_isnull[a] = true;
    }
    ExecStoreVirtualTuple(js);
    ec->ecxt_outertuple = p->req_slot;
    ec->ecxt_innertuple = js;
    for (int i = 0; i < jp->nsteps; i++) {
        JoinStep *s = &jp->steps[i];
        check_access(s);
        if (s->sub)
            union_check_call(s->sub);  // its window's union tables: SELECT, no RLS
        Datum kv[INDEX_MAX_KEYS];
        bool kn[INDEX_MAX_KEYS];
        bool null_key = false;
        ec->ecxt_scantuple = s->rslot;
        for (int k = 0; k < s->nkeys; k++) {
            kv[k] = ExecEvalExpr(s->keys[k], ec, &kn[k]);
            null_key |= kn[k] && !(s->last && s->nullsafe[k]);
        }
        if (null_key)
            continue;  // = NULL matches no row (IS NOT DISTINCT FROM NULL: the NULL key's rows)
        if (s->last)
            fill_last(p, s, kv, kn);
        else
            fill_dim(p, s, kv);
    }
    ec->ecxt_scantuple = p->req_slot;
}

TupleTableSlot *join_slot(const DeployPlan *p) { return p && p->joins ? p->joins->jslot : nullptr; }

TupleDesc join_desc(const DeployPlan *p) { return p && p->joins ? p->joins->jdesc : nullptr; }

bool join_in_windows(const DeployPlan *p)
{
    return p && p->joins && p->joins->in_windows;
}

void join_mark_main_columns(const DeployPlan *p, bool *need)
{
    if (!p->joins)
        return;
    for (int a = 0; a < p->joins->natts_main && a < p->natts; a++)
        need[a] |= p->joins->main_need[a];
}

bool join_reads(const DeployPlan *p, Oid relid)
{
    if (!p || !p->joins)
        return false;
    for (int i = 0; i < p->joins->nsteps; i++) {
        const JoinStep *s = &p->joins->steps[i];
        if (s->relid == relid || s->indexoid == relid)
            return true;
        if (s->sub) {  // a LAST JOIN subquery's window: its indexes and union tables
            if (union_plan_reads(s->sub, relid))
                return true;
            for (int g = 0; g < s->sub->ngroups; g++)
                if (s->sub->groups[g].indexoid == relid)
                    return true;
        }
    }
    return false;
}

int join_table_count(const DeployPlan *p) { return p && p->joins ? p->joins->nsteps : 0; }

Oid join_table(const DeployPlan *p, int i, int *nkeys, const AttrNumber **key_attnos, const AttrNumber **key_main)
{
    const JoinStep *s = &p->joins->steps[i];
    *nkeys = s->nkeys;
    *key_attnos = s->key_attnos;
    *key_main = s->key_main;
    return s->relid;
}

void join_explain(const DeployPlan *p, StringInfo out, bool notices)
{
    if (!p->joins)
        return;
    for (int i = 0; i < p->joins->nsteps; i++) {
        const JoinStep *s = &p->joins->steps[i];
        if (notices && s->last && !s->as_of)
            ereport(NOTICE,
                    (errmsg("the LAST JOIN on \"%s\" does not compare %s with the request: offline (batch(), "
                            "training_set()) it reads the newest rows there are, not the rows as of each source row",
                            get_rel_name(s->relid), get_attname(s->relid, s->order_attno, true)),
                     errhint("For point-in-time features, add a condition such as %s.%s <= t.ts.",
                             get_rel_name(s->relid), get_attname(s->relid, s->order_attno, true))));
        if (s->last) {
            appendStringInfo(out,
                             "  LAST JOIN %s through skiplist index %s: the key's rows newest first (by %s), the first "
                             "that passes %d further condition%s\n",
                             get_rel_name(s->relid), get_rel_name(s->indexoid),
                             get_attname(s->relid, s->order_attno, true), s->nquals, s->nquals == 1 ? "" : "s");
            if (s->sub)
                appendStringInfo(out,
                                 "    the subquery's window of its own: %d window%s over %s, %d index read%s, the row "
                                 "taken as the request row\n",
                                 s->sub->nwindows, s->sub->nwindows == 1 ? "" : "s", get_rel_name(s->relid),
                                 s->sub->ngroups, s->sub->ngroups == 1 ? "" : "s");
        } else
            appendStringInfo(out, "  LEFT JOIN %s through unique btree index %s (caller's snapshot)%s\n",
                             get_rel_name(s->relid), get_rel_name(s->indexoid),
                             s->nquals ? psprintf(", %d further condition%s", s->nquals, s->nquals == 1 ? "" : "s")
                                       : "");
    }
}

}  // namespace fe
