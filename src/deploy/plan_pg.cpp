// feature_ext: from a deployment's SQL text to a request-mode plan.
//
// PostgreSQL's own parser and analyser read the query, so types, function
// resolution and operators are PostgreSQL's.  This file checks that the
// query is a window query over one feature_store table whose windows each
// match a skiplist index, and flattens it into a DeployPlan (deploy/deploy_pg.hpp).
// Errors point into the deployment's query text (internalerrposition).
#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/deploy/union_pg.hpp"
#include "feature_ext/base/compat_pg.hpp"

#include <cmath>
#include <utility>
#include <cstdlib>
#include <cstring>

#include "feature_ext/base/module_pg.hpp"
#include "feature_ext/base/secure_pg.hpp"
#include "feature_ext/dialect/openmldb.hpp"
#include "feature_ext/deploy/join_pg.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "nodes/readfuncs.h"
#include "utils/resowner.h"
#include "access/tableam.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_language.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parse_agg.h"
#include "funcapi.h"
#include "utils/regproc.h"
#include "utils/ruleutils.h"
#include "parser/parse_node.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/numeric.h"
#include "datatype/timestamp.h"
}

namespace fe {

const TableAmRoutine *feature_store_routine();

namespace {

struct PlanBuild {
    const char *query;   // the text planned; nullptr: the bound tree (no text, no positions)
    const char *name;
    const char *tree;    // the bound tree planned, or nullptr
    Oid bind_relid;
    Query *q;
    Relation heap;
    DeployPlan *p;
    List *winfuncs;      // WindowFunc nodes in PARAM_EXEC order
    IndexMeta **metas;
    int nmetas;
    int fix_flags;
    List *fixes;  // DDL (char *) that would make the query deployable
    List *execute_checked;  // functions EXECUTE was checked on (check_execute)
    Node **comp_expr;    // FROM subquery: each computed column's expression (as evaluated)
};

const char *deparse_tree(const char *tree);
DeployPlan *plan_impl(const char *name, const char *query, const char *tree, Query *tq, MemoryContext parent,
                      bool check_only, StringInfo explain, int fix_flags, List **fixes, Oid bind_relid);

[[noreturn]] void fail(PlanBuild *b, int sqlstate, int location, const char *msg, const char *hint)
{
    if (!b->query) {
        // Planned from the bound tree, which keeps neither text nor
        // positions: plan its deparsed text, as every plan did before the
        // tree was used directly, so that the error is the same as then,
        // with the text and the position.  (Should the text plan, the error
        // is raised here with the text and no position.)
        const char *text = deparse_tree(b->tree);
        (void) plan_impl(b->name, text, nullptr, nullptr, CurrentMemoryContext, true, nullptr, kPlanBound, nullptr,
                         b->bind_relid);
        ereport(ERROR, (errcode(sqlstate), errmsg("%s", msg), hint ? errhint("%s", hint) : 0, internalerrquery(text)));
    }
    if (b->fix_flags & kPlanSub)  // a LAST JOIN subquery's window: positions are the outer query's
        location = -1;
    ereport(ERROR, (errcode(sqlstate), errmsg("%s", msg), hint ? errhint("%s", hint) : 0,
                    location >= 0 ? internalerrposition(location + 1) : 0, internalerrquery(b->query)));
    pg_unreachable();
}

void join_fail(void *ctx, int sqlstate, int location, const char *msg, const char *hint)
{
    fail(static_cast<PlanBuild *>(ctx), sqlstate, location, msg, hint);
}

const char *attname_of(PlanBuild *b, AttrNumber a)
{
    return NameStr(TupleDescAttr(b->p->heap_desc ? b->p->heap_desc : RelationGetDescr(b->heap), a - 1)->attname);
}

struct WinLoc {
    Index winref;
    int loc;
};

bool find_winfunc(Node *node, void *ctx)
{
    if (!node)
        return false;
    auto *wl = static_cast<WinLoc *>(ctx);
    if (IsA(node, WindowFunc) && reinterpret_cast<WindowFunc *>(node)->winref == wl->winref) {
        wl->loc = reinterpret_cast<WindowFunc *>(node)->location;
        return true;
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(find_winfunc)), ctx);
}

// Where the first function using a window appears (PG15 keeps no window location).
int window_location(PlanBuild *b, Index winref)
{
    WinLoc wl{winref, -1};
    ListCell *lc;
    foreach (lc, b->q->targetList)
        if (find_winfunc(reinterpret_cast<Node *>(lfirst_node(TargetEntry, lc)->expr), &wl))
            break;
    return wl.loc;
}

// The column a partition / order clause entry refers to.
AttrNumber clause_column(PlanBuild *b, SortGroupClause *sgc, const char *what)
{
    TargetEntry *tle = get_sortgroupclause_tle(sgc, b->q->targetList);
    Node *e = reinterpret_cast<Node *>(tle->expr);
    while (IsA(e, RelabelType))
        e = reinterpret_cast<Node *>(reinterpret_cast<RelabelType *>(e)->arg);
    if (!IsA(e, Var) || reinterpret_cast<Var *>(e)->varlevelsup != 0 || reinterpret_cast<Var *>(e)->varattno <= 0 ||
        reinterpret_cast<Var *>(e)->varno != 1)  // (joined tables: not windowed)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(e),
             psprintf("%s must be a plain column of the table", what),
             "Window PARTITION BY and ORDER BY name columns of the table, matching a skiplist index.");
    return reinterpret_cast<Var *>(e)->varattno;
}

// Evaluate a frame offset (a constant expression).
Datum offset_value(PlanBuild *b, Node *off, bool *isnull)
{
    Node *e = eval_const_expressions(nullptr, off);
    if (!IsA(e, Const))
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(off), "frame offsets must be constants", nullptr);
    Const *c = reinterpret_cast<Const *>(e);
    *isnull = c->constisnull;
    if (c->constisnull)
        fail(b, ERRCODE_INVALID_PRECEDING_OR_FOLLOWING_SIZE, exprLocation(off), "frame offset must not be null",
             nullptr);
    MemoryContext old = MemoryContextSwitchTo(b->p->cxt);
    Datum d = datumCopy(c->constvalue, c->constbyval, c->constlen);
    MemoryContextSwitchTo(old);
    return d;
}

// Negative frame offsets fail as PostgreSQL's window executor fails them
// (same SQLSTATE and message), at deploy time instead of at every row.
void check_offset_sign(PlanBuild *b, Node *off, int mode, Datum d, bool start)
{
    bool neg = false;
    if (mode != kRange)
        neg = DatumGetInt64(d) < 0;
    else
        switch (exprType(off)) {
        case INT2OID: neg = DatumGetInt16(d) < 0; break;
        case INT4OID: neg = DatumGetInt32(d) < 0; break;
        case INT8OID: neg = DatumGetInt64(d) < 0; break;
        case FLOAT4OID: neg = DatumGetFloat4(d) < 0 || std::isnan(DatumGetFloat4(d)); break;
        case FLOAT8OID: neg = DatumGetFloat8(d) < 0 || std::isnan(DatumGetFloat8(d)); break;
        case INTERVALOID: {
            Interval *iv = DatumGetIntervalP(d);
            neg = iv->time < 0 || iv->day < 0 || iv->month < 0;
            break;
        }
        case NUMERICOID:
            neg = DatumGetBool(DirectFunctionCall2(numeric_lt, d, DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))) ||
                  numeric_is_nan(DatumGetNumeric(d));
            break;
        default: break;  // the in_range function checks at run time
        }
    if (!neg)
        return;
    if (mode == kRange)
        fail(b, ERRCODE_INVALID_PRECEDING_OR_FOLLOWING_SIZE, exprLocation(off),
             "invalid preceding or following size in window function", nullptr);
    fail(b, ERRCODE_INVALID_PRECEDING_OR_FOLLOWING_SIZE, exprLocation(off),
         start ? "frame starting offset must not be negative" : "frame ending offset must not be negative", nullptr);
}

const char *create_index_hint(PlanBuild *b, List *keys, AttrNumber order)
{
    StringInfoData s;
    initStringInfo(&s);
    appendStringInfo(&s, "CREATE INDEX ON %s USING skiplist (",
                     quote_qualified_identifier(get_namespace_name(RelationGetNamespace(b->heap)),
                                                RelationGetRelationName(b->heap)));
    ListCell *lc;
    foreach (lc, keys)
        appendStringInfo(&s, "%s, ", quote_identifier(attname_of(b, AttrNumber(lfirst_int(lc)))));
    appendStringInfo(&s, "%s);", quote_identifier(attname_of(b, order)));
    return s.data;
}

// Find (or add) the index group serving a window.
int group_for(PlanBuild *b, WindowClause *wc, WindowPlan *w)
{
    List *keys = NIL;
    ListCell *lc;
    foreach (lc, wc->partitionClause)
        keys = lappend_int(keys, clause_column(b, lfirst_node(SortGroupClause, lc), "PARTITION BY"));
    if (list_length(wc->orderClause) != 1)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, window_location(b, wc->winref),
             psprintf("window \"%s\" must be ordered by exactly one column", wc->name ? wc->name : ""),
             "Order each window by the order column of a skiplist index, e.g. ORDER BY txn_time.");
    SortGroupClause *osc = linitial_node(SortGroupClause, wc->orderClause);
    AttrNumber order = clause_column(b, osc, "ORDER BY");
    if (!fe::compat::is_ascending_ordering_op(osc->sortop))
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, window_location(b, wc->winref), "windows must be ordered ascending (ORDER BY col ASC)",
             "A request is the newest row of its window: drop DESC.");
    if (!(w->uni && w->uni->no_instance)) {  // the table's stored rows are read through its index
        List *all = lappend_int(list_copy(keys), order);
        foreach (lc, all)
            if (lfirst_int(lc) > b->p->nreal)
                fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, window_location(b, wc->winref),
                     psprintf("window \"%s\" is partitioned or ordered by \"%s\", a column the FROM subquery computes, "
                              "and reads the stored rows of table \"%s\"",
                              wc->name ? wc->name : "", attname_of(b, AttrNumber(lfirst_int(lc))),
                              RelationGetRelationName(b->heap)),
                     "The table's rows are found through its skiplist index on its own columns: partition and order "
                     "by columns of the table, or add INSTANCE_NOT_IN_WINDOW (OpenMLDB) so that only the request row "
                     "and union tables are read.");
    }
    if (w->uni) {  // a union window (deploy/union_pg.cpp); -2: the main table's index is missing
        int g = union_group_for(b->p, b->heap, b->metas, b->nmetas, w, wc->name ? wc->name : "", keys, order,
                                b->fix_flags, &b->fixes);
        if (g != -2)
            return g;
    }
    for (int i = 0; i < b->nmetas; i++) {
        IndexMeta *m = b->metas[i];
        if (m->order.attno != order || m->nkeys != list_length(keys))
            continue;
        bool all = true;
        foreach (lc, keys) {
            bool found = false;
            for (int k = 0; k < m->nkeys; k++)
                found |= m->keys[k].attno == lfirst_int(lc);
            all &= found;
        }
        if (!all)
            continue;
        for (int g = 0; g < b->p->ngroups; g++)
            if (b->p->groups[g].indexoid == m->indexoid && !b->p->groups[g].uni)
                return g;
        GroupPlan *gp = &b->p->groups[b->p->ngroups];
        memset(gp, 0, sizeof(*gp));
        gp->indexoid = m->indexoid;
        gp->nkeys = m->nkeys;
        for (int k = 0; k < m->nkeys; k++)
            gp->key_attnos[k] = m->keys[k].attno;
        gp->order_attno = order;
        gp->order_kind = m->order_kind;
        gp->order_type = m->order.typid;
        return b->p->ngroups++;
    }
    if (b->fix_flags & kFixCreateIndex) {
        b->fixes = lappend(b->fixes, const_cast<char *>(create_index_hint(b, keys, order)));
        return -1;
    }
    fail(b, ERRCODE_UNDEFINED_OBJECT, window_location(b, wc->winref),
         psprintf("no skiplist index on \"%s\" matches window \"%s\" (PARTITION BY ... ORDER BY %s)",
                  RelationGetRelationName(b->heap), wc->name ? wc->name : "", attname_of(b, order)),
         psprintf("Create it: %s  (or deploy with options '{\"create_index\": true}')",
                  create_index_hint(b, keys, order)));
}

int64 range_offset_us(Datum off)
{
    Interval *iv = DatumGetIntervalP(off);
    return int64(__int128(iv->time) + __int128(iv->day) * USECS_PER_DAY + __int128(iv->month) * 30 * USECS_PER_DAY);
}

// Microseconds (timestamps) / milliseconds (integers) / days (dates) of a RANGE offset.
int64 range_offset_units(GroupPlan *g, WindowPlan *w, Datum off)
{
    if (w->offset_type == INTERVALOID) {
        Interval *iv = DatumGetIntervalP(off);
        __int128 us = __int128(iv->time) + __int128(iv->day) * USECS_PER_DAY + __int128(iv->month) * 30 * USECS_PER_DAY;
        return order_units_from_us(g->order_kind, int64(us));
    }
    if (w->offset_type == INT8OID) return DatumGetInt64(off);
    if (w->offset_type == INT4OID) return DatumGetInt32(off);
    if (w->offset_type == INT2OID) return DatumGetInt16(off);
    return -1;  // unknown unit: not checked
}

// A duration as ttl text, independent of IntervalStyle ("1 day", "90 minutes").
const char *duration_text(int64 us)
{
    static const struct { int64 unit; const char *name; } units[] = {
        {USECS_PER_DAY, "day"}, {USECS_PER_HOUR, "hour"}, {USECS_PER_MINUTE, "minute"},
        {USECS_PER_SEC, "second"}, {1000, "millisecond"}, {1, "microsecond"}};
    for (const auto &u : units)
        if (us % u.unit == 0)
            return psprintf("%lld %s%s", (long long) (us / u.unit), u.name, us / u.unit == 1 ? "" : "s");
    return psprintf("%lld microseconds", (long long) us);
}

// The index's TTL must keep what the window reads: ROWS/GROUPS windows are
// checked against the row limit, RANGE windows against the time limit (as
// OpenMLDB does); an unbounded frame needs no limit in its dimension.
void check_ttl(PlanBuild *b, WindowClause *wc, WindowPlan *w, const IndexMeta *other = nullptr)
{
    GroupPlan *g = &b->p->groups[w->group];
    const IndexMeta *m = other;  // (a union table's index)
    for (int i = 0; i < b->nmetas && !m; i++)
        if (b->metas[i]->indexoid == g->indexoid)
            m = b->metas[i];
    if (!m || (!other && g->uni && g->uni->uw->no_instance))
        return;  // the main table's rows are not read
    const TtlConfig &t = m->ttl;
    bool has_rows = t.type == core::TtlType::kLatest || t.type == core::TtlType::kAbsOrLat ||
                    t.type == core::TtlType::kAbsAndLat;
    bool has_abs = t.type == core::TtlType::kAbsolute || t.type == core::TtlType::kAbsOrLat ||
                   t.type == core::TtlType::kAbsAndLat;
    // (the index's qualified name, for messages and fixes only)
    auto iname = [m]() { return quote_qualified_identifier(get_namespace_name(get_rel_namespace(m->indexoid)), m->name); };
    // A LAST JOIN subquery's window is that of the row the join takes, which
    // may be far older than the newest row: a ttl (of rows or of time) may
    // already have dropped its window's rows, and the check below measures
    // from the newest row only.
    if ((b->fix_flags & kPlanSub) && t.type != core::TtlType::kNone) {
        if (b->fix_flags & kFixAdjustTtl) {
            b->fixes = lappend(b->fixes, psprintf("ALTER INDEX %s RESET (ttl, ttl_rows, ttl_type)", iname()));
            return;
        }
        fail(b, ERRCODE_INVALID_PARAMETER_VALUE, window_location(b, wc->winref),
             psprintf("window \"%s\" of a subquery computed as of each row it feeds (a joined subquery's or "
                      "the deployment's FROM subquery's own window) reads index \"%s\", whose ttl can drop rows "
                      "of the window of an older row",
                      wc->name ? wc->name : "", m->name),
             psprintf("ALTER INDEX %s RESET (ttl, ttl_rows, ttl_type), or deploy with options "
                      "'{\"adjust_ttl\": true}'.",
                      iname()));
    }
    if (w->mode == kRows || w->mode == kGroups) {
        if (!has_rows)
            return;
        if (w->start_kind == kUnbounded || w->mode == kGroups) {
            if (b->fix_flags & kFixAdjustTtl) {
                b->fixes = lappend(b->fixes, psprintf("ALTER INDEX %s RESET (ttl_rows, ttl_type)", iname()));
                return;
            }
            fail(b, ERRCODE_INVALID_PARAMETER_VALUE, window_location(b, wc->winref),
                 psprintf("window \"%s\" reads every row of a key but index \"%s\" keeps only the %lld newest",
                          wc->name ? wc->name : "", m->name, (long long) t.rows),
                 "Bound the frame, remove ttl_rows from the index, or deploy with options '{\"adjust_ttl\": true}'.");
        }
        if (w->start_kind == kPreceding && w->start_rows > t.rows) {
            if (b->fix_flags & kFixAdjustTtl) {
                b->fixes = lappend(b->fixes, psprintf("ALTER INDEX %s SET (ttl_rows = %lld)", iname(), (long long) w->start_rows));
                return;
            }
            fail(b, ERRCODE_INVALID_PARAMETER_VALUE, window_location(b, wc->winref),
                 psprintf("window \"%s\" reads %lld rows back but index \"%s\" keeps only the %lld newest rows of a key",
                          wc->name ? wc->name : "", (long long) w->start_rows, m->name, (long long) t.rows),
                 psprintf("ALTER INDEX %s SET (ttl_rows = %lld), or deploy with options '{\"adjust_ttl\": true}'.",
                          iname(), (long long) w->start_rows));
        }
        return;
    }
    if (!has_abs)
        return;
    int64 ttl_units = order_units_from_us(g->order_kind, t.abs_us);
    if (w->start_kind == kUnbounded) {
        if (b->fix_flags & kFixAdjustTtl) {
            b->fixes = lappend(b->fixes, psprintf("ALTER INDEX %s RESET (ttl, ttl_type)", iname()));
            return;
        }
        fail(b, ERRCODE_INVALID_PARAMETER_VALUE, window_location(b, wc->winref),
             psprintf("window \"%s\" reads all history but index \"%s\" has a ttl", wc->name ? wc->name : "", m->name),
             "Bound the frame, remove the ttl from the index, or deploy with options '{\"adjust_ttl\": true}'.");
    }
    if (w->start_kind == kPreceding) {
        int64 need = range_offset_units(g, w, w->start_off);
        if (need > ttl_units) {
            const char *ttl_text = duration_text(w->offset_type == INTERVALOID ? range_offset_us(w->start_off)
                                                                                : need * 1000);
            if (b->fix_flags & kFixAdjustTtl) {
                b->fixes = lappend(b->fixes, psprintf("ALTER INDEX %s SET (ttl = %s)", iname(), quote_literal_cstr(ttl_text)));
                return;
            }
            fail(b, ERRCODE_INVALID_PARAMETER_VALUE, window_location(b, wc->winref),
                 psprintf("window \"%s\" reads back %s but the ttl of index \"%s\" is shorter",
                          wc->name ? wc->name : "", ttl_text, m->name),
                 psprintf("ALTER INDEX %s SET (ttl = %s), or deploy with options '{\"adjust_ttl\": true}'.", iname(),
                          quote_literal_cstr(ttl_text)));
        }
    }
}

// Stored rows a ROWS/GROUPS offset reaches back.
// Deploy-only window modifiers written as calls in PARTITION BY:
// feature_ext.maxsize(n) and feature_ext.exclude_current_time().  They are
// taken out of the partition list (which must then name index key columns
// only) and recorded in the window's plan.
void window_modifiers(PlanBuild *b, WindowClause *wc, WindowPlan *w)
{
    List *keep = NIL;
    ListCell *lc;
    foreach (lc, wc->partitionClause) {
        SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
        Node *e = reinterpret_cast<Node *>(get_sortgroupclause_tle(sgc, b->q->targetList)->expr);
        const char *name = nullptr;
        if (IsA(e, FuncExpr)) {
            Oid fid = reinterpret_cast<FuncExpr *>(e)->funcid;
            char *nsp = get_namespace_name(get_func_namespace(fid));
            if (nsp && strcmp(nsp, "feature_ext") == 0)
                name = get_func_name(fid);
        }
        if (!name || (strcmp(name, "maxsize") != 0 && strcmp(name, "exclude_current_time") != 0 &&
                      strcmp(name, "window_union") != 0 && strcmp(name, "instance_not_in_window") != 0)) {
            keep = lappend(keep, sgc);
            continue;
        }
        FuncExpr *fe = reinterpret_cast<FuncExpr *>(e);
        if (strcmp(name, "instance_not_in_window") == 0) {
            union_window_add(b->p, w, InvalidOid, true);
            continue;
        }
        if (strcmp(name, "window_union") == 0) {  // the table, bound by OID in the analysed tree
            Node *arg = eval_const_expressions(nullptr, reinterpret_cast<Node *>(linitial(fe->args)));
            if (!IsA(arg, Const) || reinterpret_cast<Const *>(arg)->constisnull)
                fail(b, ERRCODE_INVALID_PARAMETER_VALUE, fe->location,
                     "feature_ext.window_union() needs a constant table", "Write the table, e.g. 'txn_archive'::regclass.");
            const char *cols = nullptr;  // feature_ext.window_union(rel, 'a, b AS c')
            if (list_length(fe->args) > 1) {
                Node *a2 = eval_const_expressions(nullptr, reinterpret_cast<Node *>(lsecond(fe->args)));
                if (!IsA(a2, Const) || reinterpret_cast<Const *>(a2)->constisnull)
                    fail(b, ERRCODE_INVALID_PARAMETER_VALUE, fe->location,
                         "feature_ext.window_union() needs a constant column list", "Write it, e.g. 'k, ts, v AS amount'.");
                cols = TextDatumGetCString(reinterpret_cast<Const *>(a2)->constvalue);
            }
            Oid join_rel = InvalidOid;  // feature_ext.window_union(rel, 'a, ..., last join u', 'u'::regclass)
            if (list_length(fe->args) > 2) {
                Node *a3 = eval_const_expressions(nullptr, reinterpret_cast<Node *>(lthird(fe->args)));
                if (!IsA(a3, Const) || reinterpret_cast<Const *>(a3)->constisnull)
                    fail(b, ERRCODE_INVALID_PARAMETER_VALUE, fe->location,
                         "feature_ext.window_union() needs a constant LAST JOIN table", "Write it, e.g. 't4'::regclass.");
                join_rel = DatumGetObjectId(reinterpret_cast<Const *>(a3)->constvalue);
            }
            union_window_add(b->p, w, DatumGetObjectId(reinterpret_cast<Const *>(arg)->constvalue), false, cols,
                             join_rel);
            continue;
        }
        if (strcmp(name, "exclude_current_time") == 0) {
            w->time_first = true;
            continue;
        }
        Node *arg = eval_const_expressions(nullptr, reinterpret_cast<Node *>(linitial(fe->args)));
        if (!IsA(arg, Const) || reinterpret_cast<Const *>(arg)->constisnull)
            fail(b, ERRCODE_INVALID_PARAMETER_VALUE, fe->location, "feature_ext.maxsize() needs a constant number of rows",
                 "Write the number itself, e.g. feature_ext.maxsize(100).");
        int64 n = DatumGetInt32(reinterpret_cast<Const *>(arg)->constvalue);
        if (n <= 0)
            fail(b, ERRCODE_INVALID_PARAMETER_VALUE, fe->location,
                 psprintf("MAXSIZE must be positive, not %lld", (long long) n),
                 "feature_ext.maxsize(n) keeps at most the n newest rows of the window's frame.");
        if (w->maxsize && w->maxsize != n)
            fail(b, ERRCODE_SYNTAX_ERROR, fe->location, "MAXSIZE given twice for one window", nullptr);
        w->maxsize = n;
    }
    wc->partitionClause = keep;
}

void plan_window(PlanBuild *b, WindowClause *wc, WindowPlan *w)
{
    memset(w, 0, sizeof(*w));
    w->winref = int(wc->winref);
    window_modifiers(b, wc, w);
    w->group = group_for(b, wc, w);
    if (w->group < 0)
        return;  // index to be created (create_index)
    int fo = wc->frameOptions;
    w->mode = (fo & FRAMEOPTION_ROWS) ? kRows : (fo & FRAMEOPTION_GROUPS) ? kGroups : kRange;
    if (fo & FRAMEOPTION_START_UNBOUNDED_PRECEDING)
        w->start_kind = kUnbounded;
    else if (fo & FRAMEOPTION_START_OFFSET_PRECEDING)
        w->start_kind = kPreceding;
    else if (fo & FRAMEOPTION_START_OFFSET_FOLLOWING)
        w->start_kind = kFollowing;
    else
        w->start_kind = kCurrent;
    if (fo & FRAMEOPTION_END_UNBOUNDED_FOLLOWING)
        w->end_kind = kUnbounded;
    else if (fo & FRAMEOPTION_END_OFFSET_PRECEDING)
        w->end_kind = kPreceding;
    else if (fo & FRAMEOPTION_END_OFFSET_FOLLOWING)
        w->end_kind = kFollowing;
    else
        w->end_kind = kCurrent;
    if (w->start_kind == kPreceding || w->start_kind == kFollowing)
        w->offset_type = exprType(wc->startOffset);
    else if (w->end_kind == kPreceding || w->end_kind == kFollowing)
        w->offset_type = exprType(wc->endOffset);
    if (w->start_kind == kPreceding || w->start_kind == kFollowing) {
        Datum d = offset_value(b, wc->startOffset, &w->start_off_null);
        check_offset_sign(b, wc->startOffset, w->mode, d, true);
        if (w->mode == kRange)
            w->start_off = d;
        else
            w->start_rows = DatumGetInt64(d);
    }
    if (w->end_kind == kPreceding || w->end_kind == kFollowing) {
        Datum d = offset_value(b, wc->endOffset, &w->end_off_null);
        check_offset_sign(b, wc->endOffset, w->mode, d, false);
        if (w->mode == kRange)
            w->end_off = d;
        else
            w->end_rows = DatumGetInt64(d);
    }
    if (w->mode == kRange && (w->start_kind == kPreceding || w->start_kind == kFollowing ||
                              w->end_kind == kPreceding || w->end_kind == kFollowing)) {
        // PostgreSQL resolved the in_range support functions already.
        if (OidIsValid(wc->startInRangeFunc))
            fmgr_info_cxt(wc->startInRangeFunc, &w->start_inrange, b->p->cxt);
        if (OidIsValid(wc->endInRangeFunc))
            fmgr_info_cxt(wc->endInRangeFunc, &w->end_inrange, b->p->cxt);
        w->inrange_coll = wc->inRangeColl;
    }
    if (fo & FRAMEOPTION_EXCLUDE_CURRENT_ROW)
        w->excl = kExclCurrent;
    else if (fo & FRAMEOPTION_EXCLUDE_GROUP)
        w->excl = kExclGroup;
    else if (fo & FRAMEOPTION_EXCLUDE_TIES)
        w->excl = kExclTies;
    // What the group must read for this window.
    GroupPlan *g = &b->p->groups[w->group];
    if (w->start_kind == kUnbounded || w->mode == kGroups)
        g->need_all = true;
    else if (w->mode == kRows && w->start_kind == kPreceding)
        g->need_rows = Max(g->need_rows, w->start_rows);
    else if (w->mode == kRange)
        g->need_range = true;
    if (w->excl == kExclGroup || w->excl == kExclTies || w->time_first)
        g->need_range = true;  // peers of the request
    check_ttl(b, wc, w);
    if (g->uni)  // TTL checks account for every table read
        for (const IndexMeta **um = union_metas(b->p, w->group); *um; um++)
            check_ttl(b, wc, w, *um);
}

// Replace window functions by PARAM_EXEC references, collecting them.
// COLLATE clauses as the planner leaves them (eval_const_expressions): the
// executor does not run CollateExpr nodes; the collation is already in the
// nodes above, and the value passes through as a RelabelType.
Node *strip_collate(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    if (IsA(node, CollateExpr)) {
        auto *c = reinterpret_cast<CollateExpr *>(node);
        Node *arg = strip_collate(reinterpret_cast<Node *>(c->arg), ctx);
        return reinterpret_cast<Node *>(makeRelabelType(static_cast<Expr *>(static_cast<void *>(arg)), exprType(arg),
                                                        exprTypmod(arg), c->collOid, COERCE_IMPLICIT_CAST));
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(strip_collate), ctx);
}

Node *expand_args_mutator(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    node = expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)()>(expand_args_mutator)),
                                   ctx);
    if (IsA(node, FuncExpr)) {
        auto *f = reinterpret_cast<FuncExpr *>(node);
        bool named = false;
        ListCell *lc;
        foreach (lc, f->args)
            named |= IsA(lfirst(lc), NamedArgExpr);
        HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(f->funcid));
        if (!HeapTupleIsValid(tup))
            elog(ERROR, "cache lookup failed for function %u", f->funcid);
        if (named || list_length(f->args) < reinterpret_cast<Form_pg_proc>(GETSTRUCT(tup))->pronargs)
            f->args = expand_function_arguments(f->args, false, f->funcresulttype, tup);
        ReleaseSysCache(tup);
    }
    return node;
}

Node *replace_winfuncs(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    if (IsA(node, WindowFunc)) {
        auto *b = static_cast<PlanBuild *>(ctx);
        WindowFunc *wf = reinterpret_cast<WindowFunc *>(node);
        Param *p = makeNode(Param);
        p->paramkind = PARAM_EXEC;
        p->paramid = list_length(b->winfuncs);
        p->paramtype = wf->wintype;
        p->paramtypmod = -1;
        p->paramcollid = wf->wincollid;
        p->location = wf->location;
        b->winfuncs = lappend(b->winfuncs, wf);
        return reinterpret_cast<Node *>(p);
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)()>(replace_winfuncs)), ctx);
}

bool mark_columns(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, Var)) {
        auto *b = static_cast<PlanBuild *>(ctx);
        Var *v = reinterpret_cast<Var *>(node);
        if (v->varattno > 0 && !IS_SPECIAL_VARNO(v->varno))  // (joined columns: the joined row)
            b->p->cols_needed[v->varattno - 1] = true;
        return false;
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(mark_columns)), ctx);
}

bool reads_attno_walker(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, Var))
        return reinterpret_cast<Var *>(node)->varattno == *static_cast<AttrNumber *>(ctx) &&
               reinterpret_cast<Var *>(node)->varlevelsup == 0 && !IS_SPECIAL_VARNO(reinterpret_cast<Var *>(node)->varno);
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(reads_attno_walker)), ctx);
}
bool reads_attno(Node *node, AttrNumber a)
{
    return reads_attno_walker(node, &a);
}

// Which built-in aggregate a window function is, if it has a typed loop.
FastAgg fast_kind(WindowFunc *wf, AttrNumber *attno, Oid *argtype)
{
    if (wf->aggfilter || get_func_namespace(wf->winfnoid) != PG_CATALOG_NAMESPACE)
        return kFastNone;
    const char *fn = get_func_name(wf->winfnoid);
    if (wf->winstar && list_length(wf->args) == 0)
        return strcmp(fn, "count") == 0 ? kFastCountStar : kFastNone;
    if (list_length(wf->args) != 1 || !IsA(linitial(wf->args), Var))
        return kFastNone;
    Var *v = linitial_node(Var, wf->args);
    if (v->varattno <= 0 || IS_SPECIAL_VARNO(v->varno))  // (a joined column: not a row of the window's table)
        return kFastNone;
    *attno = v->varattno;
    *argtype = v->vartype;
    Oid t = v->vartype;
    bool is_int = t == INT2OID || t == INT4OID || t == INT8OID;
    if (strcmp(fn, "count") == 0)
        return kFastCount;
    if (t == FLOAT8OID) {
        if (strcmp(fn, "sum") == 0) return kFastSumF8;
        if (strcmp(fn, "avg") == 0) return kFastAvgF8;
        if (strcmp(fn, "max") == 0) return kFastMaxF8;
        if (strcmp(fn, "min") == 0) return kFastMinF8;
    }
    if (is_int) {
        if (strcmp(fn, "sum") == 0 && t != INT8OID) return kFastSumInt;
        if (strcmp(fn, "max") == 0) return kFastMaxInt;
        if (strcmp(fn, "min") == 0) return kFastMinInt;
    }
    return kFastNone;
}

// sum(int8) and avg(int2|int4|int8) of a column without FILTER: numeric
// results that depend only on the exact sum and count of the values; and
// feature_ext's sum/avg/min/max/count_where of an int2|int4|int8 column with
// the condition the constant true (count_where(true): every row), whose
// results depend only on the exact 128-bit sum, count, min and max (their
// kernels: integer sums in 128 bits, avg = double(sum) / n).  Long windows
// can take these from block summaries (exec_pg.cpp, run_pa_kind).
// A condition `column <op> constant` the blocks' per-value maps can serve
// (docs/DEPLOY.md, "Long windows"): an OpExpr of PostgreSQL's own = <> < <=
// > >= between an int2|int4|int8 column of the table and a non-NULL
// int2|int4|int8 constant (either side; cross-type operators compare the
// values exactly as int64).
bool pa_cond_of(Node *n, uint8 *op, AttrNumber *attno, Oid *type, int64 *k, const char **kt, int *ktlen)
{
    if (!n || !IsA(n, OpExpr))
        return false;
    OpExpr *oe = reinterpret_cast<OpExpr *>(n);
    if (list_length(oe->args) != 2 || oe->opresulttype != BOOLOID || oe->opretset)
        return false;
    Node *l = static_cast<Node *>(linitial(oe->args)), *r = static_cast<Node *>(lsecond(oe->args));
    // text / varchar `column = 'constant'` or `<>` (varchar reaches texteq
    // through a binary-compatible RelabelType): PostgreSQL's texteq /
    // textne under a deterministic collation, i.e. byte equality; the
    // blocks' maps of the column are keyed by a hash of the bytes.
    auto strip = [](Node *x) {
        while (x && IsA(x, RelabelType))
            x = reinterpret_cast<Node *>(reinterpret_cast<RelabelType *>(x)->arg);
        return x;
    };
    {
        Node *tl = strip(l), *tr = strip(r);
        if (IsA(tl, Const) && IsA(tr, Var))
            std::swap(tl, tr);
        Oid fn = get_opcode(oe->opno);
        if ((fn == F_TEXTEQ || fn == F_TEXTNE) && IsA(tl, Var) && IsA(tr, Const)) {
            Var *v = reinterpret_cast<Var *>(tl);
            Const *c = reinterpret_cast<Const *>(tr);
            if (v->varattno <= 0 || IS_SPECIAL_VARNO(v->varno) || v->varlevelsup != 0 ||
                (v->vartype != TEXTOID && v->vartype != VARCHAROID) || c->constisnull ||
                (c->consttype != TEXTOID && c->consttype != VARCHAROID) || !OidIsValid(oe->inputcollid) ||
                !get_collation_isdeterministic(oe->inputcollid) || !kt)
                return false;
            struct varlena *t = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(c->constvalue)));
            int len = int(VARSIZE_ANY_EXHDR(t));
            char *bytes = static_cast<char *>(palloc(len + 1));
            memcpy(bytes, VARDATA_ANY(t), len);
            bytes[len] = '\0';
            *op = fn == F_TEXTEQ ? core::kCondEq : core::kCondNe;
            *attno = v->varattno;
            *type = TEXTOID;
            *k = int64(core::text_hash(reinterpret_cast<const uint8 *>(bytes), uint32(len)));
            *kt = bytes;
            *ktlen = len;
            return true;
        }
    }
    bool commuted = false;
    if (IsA(l, Const) && IsA(r, Var)) {
        std::swap(l, r);
        commuted = true;
    }
    if (!IsA(l, Var) || !IsA(r, Const))
        return false;
    Var *v = reinterpret_cast<Var *>(l);
    Const *c = reinterpret_cast<Const *>(r);
    auto is_int = [](Oid t) { return t == INT2OID || t == INT4OID || t == INT8OID; };
    if (v->varattno <= 0 || IS_SPECIAL_VARNO(v->varno) || v->varlevelsup != 0 || !is_int(v->vartype) ||
        c->constisnull || !is_int(c->consttype))
        return false;
    // The comparison by the operator's function (PostgreSQL's own integer
    // comparisons, cross-type ones too), never by the operator's name: an
    // operator named `<` in another schema may run anything.
    static const struct { Oid fn; uint8 op, commuted; } ops[] = {
        {F_INT2EQ, core::kCondEq, core::kCondEq},  {F_INT4EQ, core::kCondEq, core::kCondEq},
        {F_INT8EQ, core::kCondEq, core::kCondEq},  {F_INT24EQ, core::kCondEq, core::kCondEq},
        {F_INT42EQ, core::kCondEq, core::kCondEq}, {F_INT28EQ, core::kCondEq, core::kCondEq},
        {F_INT82EQ, core::kCondEq, core::kCondEq}, {F_INT48EQ, core::kCondEq, core::kCondEq},
        {F_INT84EQ, core::kCondEq, core::kCondEq}, {F_INT2NE, core::kCondNe, core::kCondNe},
        {F_INT4NE, core::kCondNe, core::kCondNe},  {F_INT8NE, core::kCondNe, core::kCondNe},
        {F_INT24NE, core::kCondNe, core::kCondNe}, {F_INT42NE, core::kCondNe, core::kCondNe},
        {F_INT28NE, core::kCondNe, core::kCondNe}, {F_INT82NE, core::kCondNe, core::kCondNe},
        {F_INT48NE, core::kCondNe, core::kCondNe}, {F_INT84NE, core::kCondNe, core::kCondNe},
        {F_INT2LT, core::kCondLt, core::kCondGt},  {F_INT4LT, core::kCondLt, core::kCondGt},
        {F_INT8LT, core::kCondLt, core::kCondGt},  {F_INT24LT, core::kCondLt, core::kCondGt},
        {F_INT42LT, core::kCondLt, core::kCondGt}, {F_INT28LT, core::kCondLt, core::kCondGt},
        {F_INT82LT, core::kCondLt, core::kCondGt}, {F_INT48LT, core::kCondLt, core::kCondGt},
        {F_INT84LT, core::kCondLt, core::kCondGt}, {F_INT2LE, core::kCondLe, core::kCondGe},
        {F_INT4LE, core::kCondLe, core::kCondGe},  {F_INT8LE, core::kCondLe, core::kCondGe},
        {F_INT24LE, core::kCondLe, core::kCondGe}, {F_INT42LE, core::kCondLe, core::kCondGe},
        {F_INT28LE, core::kCondLe, core::kCondGe}, {F_INT82LE, core::kCondLe, core::kCondGe},
        {F_INT48LE, core::kCondLe, core::kCondGe}, {F_INT84LE, core::kCondLe, core::kCondGe},
        {F_INT2GT, core::kCondGt, core::kCondLt},  {F_INT4GT, core::kCondGt, core::kCondLt},
        {F_INT8GT, core::kCondGt, core::kCondLt},  {F_INT24GT, core::kCondGt, core::kCondLt},
        {F_INT42GT, core::kCondGt, core::kCondLt}, {F_INT28GT, core::kCondGt, core::kCondLt},
        {F_INT82GT, core::kCondGt, core::kCondLt}, {F_INT48GT, core::kCondGt, core::kCondLt},
        {F_INT84GT, core::kCondGt, core::kCondLt}, {F_INT2GE, core::kCondGe, core::kCondLe},
        {F_INT4GE, core::kCondGe, core::kCondLe},  {F_INT8GE, core::kCondGe, core::kCondLe},
        {F_INT24GE, core::kCondGe, core::kCondLe}, {F_INT42GE, core::kCondGe, core::kCondLe},
        {F_INT28GE, core::kCondGe, core::kCondLe}, {F_INT82GE, core::kCondGe, core::kCondLe},
        {F_INT48GE, core::kCondGe, core::kCondLe}, {F_INT84GE, core::kCondGe, core::kCondLe}};
    Oid fn = get_opcode(oe->opno);
    for (const auto &o : ops)
        if (fn == o.fn) {
            *op = commuted ? o.commuted : o.op;
            *attno = v->varattno;
            *type = v->vartype;
            *k = c->consttype == INT2OID ? int64(DatumGetInt16(c->constvalue))
                 : c->consttype == INT4OID ? int64(DatumGetInt32(c->constvalue))
                                           : DatumGetInt64(c->constvalue);
            return true;
        }
    return false;
}

// sum(int8) and avg(int2|int4|int8) of a column without FILTER: numeric
// results that depend only on the exact sum and count of the values; and
// feature_ext's sum/avg/min/max/count_where of an int2|int4|int8 column with
// the condition the constant true (count_where(true): every row), whose
// results depend only on the exact 128-bit sum, count, min and max (their
// kernels: integer sums in 128 bits, avg = double(sum) / n).  Long windows
// can take these from block summaries (exec_pg.cpp, run_pa_kind).  With a
// condition `column <op> integer constant` (pa_cond_of) instead of true, or
// PostgreSQL's count(*) / count / sum / avg / min / max of an integer
// column with such a FILTER, from the blocks' per-value maps (a->pa_cop).
uint8 pa_kind_of(WindowFunc *wf, AggPlan *ap)
{
    AttrNumber *attno = &ap->fast_attno;
    Oid *argtype = &ap->fast_argtype;
    uint8 cop = 0;
    AttrNumber cattno = InvalidAttrNumber;
    Oid ctype = InvalidOid;
    int64 ck = 0;
    const char *ctext = nullptr;
    int ctext_len = 0;
    Oid nsp = get_func_namespace(wf->winfnoid);
    const char *fn = get_func_name(wf->winfnoid);
    int nargs = list_length(wf->args);
    bool where = false, filtered = false;
    if (wf->aggfilter) {
        // PostgreSQL's aggregates with FILTER (WHERE column <op> constant).
        if (nsp != PG_CATALOG_NAMESPACE || !pa_cond_of(reinterpret_cast<Node *>(wf->aggfilter), &cop, &cattno, &ctype, &ck, &ctext, &ctext_len))
            return AggPlan::kPaNone;
        filtered = true;
        if (wf->winstar) {
            if (strcmp(fn, "count") != 0 || nargs != 0)
                return AggPlan::kPaNone;
            ap->pa_cop = cop, ap->pa_cattno = cattno, ap->pa_ctype = ctype, ap->pa_ck = ck, ap->pa_ctext = ctext,
            ap->pa_ctext_len = ctext_len;
            return AggPlan::kPaCountStar;
        }
        if (nargs != 1)
            return AggPlan::kPaNone;
    } else if (wf->winstar)
        return AggPlan::kPaNone;
    if (filtered) {
    } else if (nsp != PG_CATALOG_NAMESPACE) {
        char *nspname = get_namespace_name(nsp);
        if (!nspname || strcmp(nspname, "feature_ext") != 0 || nargs < 1 || nargs > 2)
            return AggPlan::kPaNone;
        // the condition: the constant true, or column <op> constant
        Node *cond = static_cast<Node *>(llast(wf->args));
        if (!IsA(cond, Const) || reinterpret_cast<Const *>(cond)->consttype != BOOLOID ||
            reinterpret_cast<Const *>(cond)->constisnull || !DatumGetBool(reinterpret_cast<Const *>(cond)->constvalue)) {
            if (!pa_cond_of(cond, &cop, &cattno, &ctype, &ck, &ctext, &ctext_len))
                return AggPlan::kPaNone;
        }
        if (nargs == 1) {
            if (strcmp(fn, "count_where") != 0)
                return AggPlan::kPaNone;
            ap->pa_cop = cop, ap->pa_cattno = cattno, ap->pa_ctype = ctype, ap->pa_ck = ck, ap->pa_ctext = ctext,
            ap->pa_ctext_len = ctext_len;
            return AggPlan::kPaWhereCountStar;
        }
        where = true;
    } else if (nargs != 1 || (wf->wintype != NUMERICOID && wf->wintype != FLOAT4OID && wf->wintype != FLOAT8OID))
        return AggPlan::kPaNone;
    Node *arg = static_cast<Node *>(linitial(wf->args));
    bool to_float8 = false;
    if (where && strcmp(fn, "avg_where") == 0 && IsA(arg, FuncExpr)) {
        // avg_where(float8, bool): an int2 / int4 column reaches it through
        // PostgreSQL's float8 cast, exact for these types (not for int8), so
        // the kernel's exact float sum is the integer sum.
        FuncExpr *fe = reinterpret_cast<FuncExpr *>(arg);
        if (fe->funcresulttype != FLOAT8OID || list_length(fe->args) != 1 ||
            get_func_namespace(fe->funcid) != PG_CATALOG_NAMESPACE || strcmp(get_func_name(fe->funcid), "float8") != 0)
            return AggPlan::kPaNone;
        arg = static_cast<Node *>(linitial(fe->args));
        to_float8 = true;
    }
    if (!IsA(arg, Var))
        return AggPlan::kPaNone;
    Var *v = reinterpret_cast<Var *>(arg);
    // (float4 too: float4 -> float8 is exact; avg_where of a real.)
    if (to_float8 && v->vartype != INT2OID && v->vartype != INT4OID && v->vartype != FLOAT4OID)
        return AggPlan::kPaNone;
    if (v->varattno <= 0 || IS_SPECIAL_VARNO(v->varno))
        return AggPlan::kPaNone;
    Oid t = v->vartype;
    bool is_int = t == INT2OID || t == INT4OID || t == INT8OID;
    uint8 k = AggPlan::kPaNone;
    if (filtered) {
        // float8 columns: count / min / max exact; sum / avg only under the
        // deploy option float_sums = 'approximate' (exec_pg.cpp,
        // preagg_agg_ok; docs/DEPLOY.md, "Float sums").
        // float4: count / min / max exact; avg (float4_accum: float8_accum
        // over the widened values) as float8's; sum(float4) (float4pl,
        // float4 arithmetic) under the option too, by its own rule
        // (exec_pg.cpp, run_pa_float).
        bool is_f8 = t == FLOAT8OID, is_f4 = t == FLOAT4OID;
        if (!is_int && !is_f8 && !is_f4)
            return AggPlan::kPaNone;
        if (strcmp(fn, "count") == 0)
            k = AggPlan::kPaCount;
        else if (strcmp(fn, "sum") == 0)
            k = is_f4 ? AggPlan::kPaSumF4 : is_f8 ? AggPlan::kPaSumF8 : t == INT8OID ? AggPlan::kPaNumSum : AggPlan::kPaSumInt;
        else if (strcmp(fn, "avg") == 0)
            k = is_f8 || is_f4 ? AggPlan::kPaAvgF8 : AggPlan::kPaNumAvg;
        else if (strcmp(fn, "min") == 0)
            k = AggPlan::kPaMin;
        else if (strcmp(fn, "max") == 0)
            k = AggPlan::kPaMax;
    } else if (!where) {
        if (t == FLOAT4OID) {
            // min / max (float4smaller / float4larger, the newest of ties)
            // exact; avg (float4_accum) under float_sums = 'approximate'.
            if (strcmp(fn, "min") == 0)
                k = AggPlan::kPaMin;
            else if (strcmp(fn, "max") == 0)
                k = AggPlan::kPaMax;
            else if (strcmp(fn, "avg") == 0)
                k = AggPlan::kPaAvgF8;
            else if (strcmp(fn, "sum") == 0)
                k = AggPlan::kPaSumF4;  // float4pl: under float_sums = 'approximate' only
        } else if (wf->wintype != NUMERICOID)
            ;
        else if (strcmp(fn, "sum") == 0 && t == INT8OID)
            k = AggPlan::kPaNumSum;
        else if (strcmp(fn, "avg") == 0 && is_int)
            k = AggPlan::kPaNumAvg;
    } else if (is_int || (t == FLOAT8OID && !to_float8)) {
        // float8 columns (the OpenMLDB dialect's sum / avg / min / max of a
        // double): min / max / count exact, sum / avg (feature_ext's exact
        // sum) only under float_sums = 'approximate' (exec_pg.cpp,
        // run_pa_float).
        static const struct { const char *name; uint8 kind; } fns[] = {
            {"sum_where", AggPlan::kPaWhereSum}, {"avg_where", AggPlan::kPaWhereAvg},
            {"min_where", AggPlan::kPaWhereMin}, {"max_where", AggPlan::kPaWhereMax},
            {"count_where", AggPlan::kPaWhereCount}};
        for (const auto &f : fns)
            if (strcmp(fn, f.name) == 0)
                k = f.kind;
    } else if (t == FLOAT4OID && to_float8) {
        // avg_where(float8(real column), cond): the kernel's exact sum of
        // the widened values / n, as sum_where below.
        if (strcmp(fn, "avg_where") == 0)
            k = AggPlan::kPaWhereAvg;
    } else if (t == FLOAT4OID) {
        // float4 columns: the kernels widen each value to double (exact)
        // and order / count as for float8, min / max narrowing the result
        // back (exact: a widened float4 narrows to itself); the blocks'
        // float4 summaries hold the same widened values. So count_where /
        // min_where / max_where are exact. sum_where (the exact sum of the
        // widened values, rounded to double, then to float4) and avg_where
        // take only blocks whose double sum is exact (ColSum::sum_hi ==
        // kFsumExact; exec_pg.cpp, run_pa_float), or any block under
        // float_sums = 'approximate' (docs/DEPLOY.md, "Float sums").
        if (strcmp(fn, "sum_where") == 0)
            k = AggPlan::kPaWhereSum;
        else if (strcmp(fn, "avg_where") == 0)
            k = AggPlan::kPaWhereAvg;
        else if (strcmp(fn, "min_where") == 0)
            k = AggPlan::kPaWhereMin;
        else if (strcmp(fn, "max_where") == 0)
            k = AggPlan::kPaWhereMax;
        else if (strcmp(fn, "count_where") == 0)
            k = AggPlan::kPaWhereCount;
    }
    if (k != AggPlan::kPaNone) {
        *attno = v->varattno;
        *argtype = t;
        ap->pa_cop = cop, ap->pa_cattno = cattno, ap->pa_ctype = ctype, ap->pa_ck = ck, ap->pa_ctext = ctext,
            ap->pa_ctext_len = ctext_len;
    }
    return k;
}

// A non-aggregate window function: PostgreSQL's built-ins only.
void plan_winfn(PlanBuild *b, WindowFunc *wf, AggPlan *a)
{
    static const struct { const char *name; WinKind kind; } fns[] = {
        {"row_number", kWinRowNumber}, {"rank", kWinRank}, {"dense_rank", kWinDenseRank},
        {"percent_rank", kWinPercentRank}, {"cume_dist", kWinCumeDist}, {"ntile", kWinNtile},
        {"lag", kWinLag}, {"lead", kWinLead}, {"first_value", kWinFirstValue},
        {"last_value", kWinLastValue}, {"nth_value", kWinNthValue}};
    const char *name = get_func_name(wf->winfnoid);
    if (get_func_namespace(wf->winfnoid) == PG_CATALOG_NAMESPACE)
        for (const auto &f : fns)
            if (strcmp(name, f.name) == 0)
                a->wkind = f.kind;
    if (a->wkind == kWinAgg)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, wf->location,
             psprintf("window function %s() is not supported in deployments", name),
             "Aggregates and PostgreSQL's built-in window functions (row_number, rank, lag, first_value, ...) are.");
    // (FILTER on them is refused by PostgreSQL's parser already.)
    a->result_type = wf->wintype;
    get_typlenbyval(a->result_type, &a->result_typlen, &a->result_typbyval);
    a->nargs = list_length(wf->args);
    MemoryContext old = MemoryContextSwitchTo(b->p->cxt);
    a->args = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * (a->nargs + 1)));
    int i = 0;
    ListCell *lc;
    foreach (lc, wf->args) {
        Expr *e = static_cast<Expr *>(lfirst(lc));
        mark_columns(reinterpret_cast<Node *>(e), b);
        a->args[i++] = ExecInitExpr(e, nullptr);
    }
    MemoryContextSwitchTo(old);
    // What the group must read: the whole partition for the rank family and
    // ntile (they count it), the offset's rows for lag.
    if (a->window < 0)
        return;
    GroupPlan *g = &b->p->groups[b->p->windows[a->window].group];
    switch (a->wkind) {
    case kWinRowNumber: case kWinRank: case kWinDenseRank: case kWinPercentRank: case kWinCumeDist: case kWinNtile:
        g->need_all = true;
        break;
    case kWinLag: case kWinLead: {
        Node *off = a->nargs > 1 ? eval_const_expressions(nullptr, static_cast<Node *>(lsecond(wf->args))) : nullptr;
        int64 k = 1;
        if (off && (!IsA(off, Const) || reinterpret_cast<Const *>(off)->constisnull))
            g->need_all = true;  // a per-row offset: any row may be needed
        else {
            if (off)
                k = DatumGetInt32(reinterpret_cast<Const *>(off)->constvalue);
            if (a->wkind == kWinLead)
                k = -k;
            if (k > 0)
                g->need_rows = Max(g->need_rows, k);
        }
        break;
    }
    default:
        break;  // frame-based: the window's frame is read already
    }
}

// What ExecInitExpr checks when it builds an expression's state: EXECUTE
// on each function the expression calls (ExecInitFunc; a ScalarArrayOpExpr's
// comparison and hash functions).  Aggregates' arguments and FILTERs get
// their states on first interpreted use (agg_ready), which compiled
// aggregates never need, so the check is made here, at plan time, as before.
// (*checked: the functions already allowed while planning, for the same
// user at the same moment; the object-access hook still sees every call.)
void check_execute(Oid fn, List **checked)
{
    if (!list_member_oid(*checked, fn)) {
        AclResult r = object_aclcheck(ProcedureRelationId, fn, GetUserId(), ACL_EXECUTE);
        if (r != ACLCHECK_OK)
            aclcheck_error(r, OBJECT_FUNCTION, get_func_name(fn));
        *checked = lappend_oid(*checked, fn);
    }
    InvokeFunctionExecuteHook(fn);
}

bool check_execute_walker(Node *node, void *ctx)
{
    if (!node)
        return false;
    auto *checked = static_cast<List **>(ctx);
    switch (nodeTag(node)) {
    case T_FuncExpr:
        check_execute(reinterpret_cast<FuncExpr *>(node)->funcid, checked);
        break;
    case T_OpExpr:
    case T_DistinctExpr:
    case T_NullIfExpr: {
        auto *op = reinterpret_cast<OpExpr *>(node);
        set_opfuncid(op);
        check_execute(op->opfuncid, checked);
        break;
    }
    case T_ScalarArrayOpExpr: {
        auto *op = reinterpret_cast<ScalarArrayOpExpr *>(node);
        set_sa_opfuncid(op);
        check_execute(op->opfuncid, checked);
        if (OidIsValid(op->hashfuncid))
            check_execute(op->hashfuncid, checked);
        break;
    }
    default:
        break;
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(check_execute_walker)),
                                  ctx);
}

// Aggregates with the same function, argument types and collation share
// their catalog-derived parts (transition / final functions, initial
// value): a wide deployment repeats a few aggregates many times.
bool same_signature(const AggPlan *x, const WindowFunc *xf, const WindowFunc *wf)
{
    if (xf->winfnoid != wf->winfnoid || xf->inputcollid != wf->inputcollid || xf->wintype != wf->wintype ||
        list_length(xf->args) != list_length(wf->args) || x->wkind != kWinAgg)
        return false;
    ListCell *a, *b;
    forboth (a, xf->args, b, wf->args)
        if (exprType(static_cast<Node *>(lfirst(a))) != exprType(static_cast<Node *>(lfirst(b))))
            return false;
    return true;
}

// FROM (SELECT ..., sum(v) OVER w2 AS c FROM t WINDOW w2 AS (...)) s: the
// subquery planned as a deployment of its own over t (DeployPlan::win_sub).
// A stored row's value is a request of it whose request row is that stored
// row (identified by its TID, not read again; its peers inserted after it
// follow it in a ROWS window, GroupPlan::peers_follow), as a LAST JOIN
// subquery's window is computed (join_pg.cpp, plan_window_sub).
[[noreturn]] void win_sub_fail(PlanBuild *b, const char *msg, const char *hint)
{
    fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, msg, hint);
}

void plan_win_sub(PlanBuild *b, Query *in)
{
    DeployPlan *p = b->p;
    List *fx = NIL;
    DeployPlan *sub = plan_sub_query(b->name, static_cast<Query *>(copyObjectImpl(in)), p->cxt, b->fix_flags, &fx);
    if (!sub) {
        ListCell *fl;
        foreach (fl, fx)
            b->fixes = lappend(b->fixes, strVal(lfirst(fl)));
        return;
    }
    if (sub->joins)
        win_sub_fail(b, "a LAST JOIN inside the deployment's FROM subquery with its own window is not supported",
                     "Compute the window in the FROM subquery over its table alone, and join in the outer query.");
    if (sub->ngroups < 1)
        win_sub_fail(b, "the deployment's FROM subquery has window functions but no window over its table", nullptr);
    bool *pos = static_cast<bool *>(palloc0(sizeof(bool) * Max(sub->nwindows, 1)));
    bool *peer = static_cast<bool *>(palloc0(sizeof(bool) * Max(sub->nwindows, 1)));
    for (int w = 0; w < sub->nwindows; w++) {
        WindowPlan *wp = &sub->windows[w];
        if (sub->groups[wp->group].uni || wp->uni)
            win_sub_fail(b, "a union window inside the deployment's FROM subquery is not supported",
                         "The FROM subquery's own windows read its table's rows only.");
        if (wp->end_kind == kFollowing || wp->end_kind == kUnbounded)
            win_sub_fail(b, "a window of the deployment's FROM subquery ends at its current row or before",
                         "Each stored row's window is computed as of that row; a frame reaching FOLLOWING rows is not "
                         "supported there.");
        if (wp->start_kind == kUnbounded)
            win_sub_fail(b, "a window of the deployment's FROM subquery starting at UNBOUNDED PRECEDING is not supported",
                         "Every stored row an outer window reads computes its own window: an unbounded one would read "
                         "the key's whole history for each of them (outer rows x key rows).  Give it a bounded frame "
                         "(ROWS n PRECEDING or RANGE offset PRECEDING).");
        if (wp->time_first)
            win_sub_fail(b, "EXCLUDE CURRENT_TIME in a window of the deployment's FROM subquery is not supported",
                         nullptr);
        if (wp->mode != kRows && (wp->excl != kExclNone || wp->maxsize > 0))
            win_sub_fail(b, "EXCLUDE or MAXSIZE in a RANGE or GROUPS window of the deployment's FROM subquery is not "
                            "supported",
                         "A stored row that is a peer of the request has the request row in its frame and takes "
                         "the request's value; with an exclusion the peers' frames differ.  Use a ROWS frame.");
        if ((wp->excl == kExclGroup || wp->excl == kExclTies) && wp->mode == kRows)
            win_sub_fail(b, "EXCLUDE GROUP / EXCLUDE TIES in a ROWS window of the deployment's FROM subquery is not "
                            "supported",
                         "The row's peers are ordered by insertion there; use EXCLUDE CURRENT ROW or no exclusion.");
        for (int k = 0; k < sub->naggs; k++) {
            AggPlan *a = &sub->aggs[k];
            if (a->window != w)
                continue;
            switch (a->wkind) {
            case kWinLead: case kWinNtile: case kWinPercentRank: case kWinCumeDist:
                win_sub_fail(b, psprintf("%s over a window of the deployment's FROM subquery is not supported",
                                         format_procedure(a->aggfnoid)),
                             "It reads the rows after the row.");
            case kWinRowNumber: case kWinLag:
                pos[w] = true;
                break;
            case kWinFirstValue: case kWinLastValue: case kWinNthValue:
                pos[w] = true;
                peer[w] |= wp->mode != kRows;
                break;
            case kWinRank: case kWinDenseRank:
                peer[w] = true;
                break;
            default:
                if (wp->mode == kRows)
                    pos[w] = true;
                else
                    peer[w] = true;
            }
        }
        if (pos[w] && peer[w])
            win_sub_fail(b, "a window of the deployment's FROM subquery both orders the row among its peers (row_number, "
                            "lag, first_value, last_value, nth_value, or any aggregate over a ROWS frame) and reads its "
                            "peers as a whole (rank, dense_rank, or an aggregate over a RANGE or GROUPS frame): not "
                            "supported",
                         "Give each kind of function a window of its own.");
    }
    split_peer_groups(sub, pos, peer);
    // One order column for every window of the subquery (the outer
    // windows' too, checked in plan_agg): a stored row read by an outer
    // window precedes the request in it.
    for (int g = 1; g < sub->ngroups; g++)
        if (sub->groups[g].order_attno != sub->groups[0].order_attno)
            win_sub_fail(b, "the windows of the deployment's FROM subquery are ordered by different columns",
                         "Order them by the outer windows' ORDER BY column.");
    p->win_order_attno = sub->groups[0].order_attno;
    p->win_sub = sub;
}

}  // namespace

// The window groups of a subquery whose windows read a row's position
// among its peers (pos[w]: row_number, lag, ROWS frames) or its peers as a
// whole (peer[w]: RANGE / GROUPS frames): a group with both is split in
// two, the position windows in a group of their own whose rows' later peers
// follow them (peers_follow).  Before anything of the groups is resolved or
// allocated.  For a FROM subquery's windows and a LAST JOIN subquery's.
void split_peer_groups(DeployPlan *sub, const bool *pos, const bool *peer)
{
    int ng = sub->ngroups;
    for (int g = 0; g < ng; g++) {
        bool any_pos = false, any_peer = false;
        for (int w = 0; w < sub->nwindows; w++)
            if (sub->windows[w].group == g) {
                any_pos |= pos[w];
                any_peer |= peer[w];
            }
        sub->groups[g].peers_follow = any_pos;
        if (any_pos && any_peer) {
            int ng2 = sub->ngroups++;
            sub->groups[ng2] = sub->groups[g];  // (nothing resolved or allocated yet)
            sub->groups[g].peers_follow = false;
            sub->groups[ng2].peers_follow = true;
            for (int w = 0; w < sub->nwindows; w++)
                if (sub->windows[w].group == g && pos[w])
                    sub->windows[w].group = ng2;
        }
    }
}

namespace {

void win_sub_aggs(Node *n, Bitmapset **out)
{
    if (!n)
        return;
    if (IsA(n, Param) && reinterpret_cast<Param *>(n)->paramkind == PARAM_EXEC) {
        *out = bms_add_member(*out, reinterpret_cast<Param *>(n)->paramid);
        return;
    }
    if (IsA(n, List)) {
        ListCell *lc;
        foreach (lc, reinterpret_cast<List *>(n))
            win_sub_aggs(static_cast<Node *>(lfirst(lc)), out);
        return;
    }
    struct W {
        static bool walk(Node *x, void *ctx)
        {
            if (!x)
                return false;
            if (IsA(x, Param) && reinterpret_cast<Param *>(x)->paramkind == PARAM_EXEC) {
                Bitmapset **o = static_cast<Bitmapset **>(ctx);
                *o = bms_add_member(*o, reinterpret_cast<Param *>(x)->paramid);
                return false;
            }
            return expression_tree_walker(x, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(walk)), ctx);
        }
    };
    (void) W::walk(n, out);
}

// Whether computed column c (a window column) takes the request's value in
// a stored row that is the request's peer: it reads RANGE / GROUPS windows
// only (a stored peer's frame is the request's, the request row in it, as in
// PostgreSQL's frame over the table and the request row).  A column reading
// ROWS windows is computed from the row's own rows (the request row follows
// it); one reading both is refused.
bool win_sub_peer_shared(PlanBuild *b, int c)
{
    DeployPlan *p = b->p, *sub = p->win_sub;
    int o = p->comp_win[c];
    Node *e = static_cast<Node *>(list_nth(sub->out_exprs, o));
    Bitmapset *aggs = nullptr;
    win_sub_aggs(e, &aggs);
    bool rows = false, range = false;
    int x = -1;
    while ((x = bms_next_member(aggs, x)) >= 0) {
        const WindowPlan *wp = &sub->windows[sub->aggs[x].window];
        if (sub->groups[wp->group].peers_follow)
            rows = true;
        else
            range = true;
    }
    if (rows && range)
        win_sub_fail(b, psprintf("column \"%s\" of the deployment's FROM subquery reads both a ROWS window and a RANGE "
                                 "or GROUPS window (or functions of the row's position)",
                                 NameStr(TupleDescAttr(p->heap_desc, p->nreal + c)->attname)),
                     "Compute them in two columns and combine them in the outer query.");
    return range;
}


// An outer window's group reading window column c of stored rows: the rows
// it reads are in the subquery windows' partition of the request (their
// PARTITION BY columns are among the group's keys) and precede the request
// in their order (the same ORDER BY column).
void win_sub_check_group(PlanBuild *b, const GroupPlan *gp, int c)
{
    DeployPlan *p = b->p, *sub = p->win_sub;
    const char *cn = NameStr(TupleDescAttr(p->heap_desc, p->nreal + c)->attname);
    if (gp->uni)
        win_sub_fail(b, psprintf("a union window reads \"%s\", a window column of the deployment's FROM subquery", cn),
                     "Read the FROM subquery's window columns in windows over its table.");
    if (gp->order_attno != p->win_order_attno)
        win_sub_fail(b, psprintf("a window reads \"%s\", a window column of the deployment's FROM subquery, and is "
                                 "ordered by another column than the subquery's windows", cn),
                     "Order the outer window and the subquery's windows by the same column.");
    for (int g = 0; g < sub->ngroups; g++)
        for (int k = 0; k < sub->groups[g].nkeys; k++) {
            bool in = false;
            for (int j = 0; j < gp->nkeys; j++)
                in |= gp->key_attnos[j] == sub->groups[g].key_attnos[k];
            if (!in)
                win_sub_fail(b, psprintf("a window reads \"%s\", a window column of the deployment's FROM subquery, "
                                         "whose window is partitioned by \"%s\", which the outer window's PARTITION "
                                         "BY does not hold", cn,
                                         NameStr(TupleDescAttr(p->heap_desc, sub->groups[g].key_attnos[k] - 1)->attname)),
                             "Partition the subquery's windows by the outer window's PARTITION BY columns (or some "
                             "of them).");
        }
}

void plan_agg(PlanBuild *b, WindowFunc *wf, AggPlan *a, int k)
{
    memset(a, 0, sizeof(*a));
    int w = -1;
    for (int i = 0; i < b->p->nwindows; i++)
        if (b->p->windows[i].winref == int(wf->winref))
            w = i;
    a->window = w;
    // FROM (SELECT expr AS c FROM t): a window function of a window that
    // reads the table's stored rows and reads c (argument or FILTER) has c
    // computed for every stored row its window reads, as PostgreSQL's
    // executor computes the subquery's select list per row (per window: an
    // INSTANCE_NOT_IN_WINDOW union window reads no stored row of t).
    if (b->p->ncomp > 0 && w >= 0) {
        GroupPlan *gp = &b->p->groups[b->p->windows[w].group];
        if (!(gp->uni && gp->uni->uw->no_instance)) {
            Bitmapset *cols = nullptr;
            pull_varattnos(reinterpret_cast<Node *>(wf->args), 1, &cols);
            pull_varattnos(reinterpret_cast<Node *>(wf->aggfilter), 1, &cols);
            for (int c = 0; c < b->p->ncomp; c++) {
                AttrNumber ca = AttrNumber(b->p->nreal + c + 1);
                if (!bms_is_member(ca - FirstLowInvalidHeapAttributeNumber, cols))
                    continue;
                // Volatile: computed once per stored row by PostgreSQL, here
                // again at every request that reads the row (random() would
                // differ from call to call): refused, as for union tables'
                // computed columns.
                if (contain_volatile_functions(b->comp_expr[c]))
                    fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, wf->location,
                         psprintf("a window function reads \"%s\", a column the FROM subquery computes with a volatile "
                                  "function, over stored rows of table \"%s\"", attname_of(b, ca),
                                  RelationGetRelationName(b->heap)),
                         "Stored rows' computed columns are computed again at every request that reads them: a "
                         "volatile function (random(), clock_timestamp(), nextval() ...) would give another value each "
                         "time.  Store the value in a column of the table, or compute it with stable or immutable "
                         "functions.");
                if (b->p->comp_win && b->p->comp_win[c] >= 0 && b->p->win_sub)
                    win_sub_check_group(b, gp, c);
                b->p->comp_rows[c] = true;
                gp->comp_rows = true;
                mark_columns(b->comp_expr[c], b);  // its inputs are decoded for stored rows
            }
        }
    }
    a->aggfnoid = wf->winfnoid;
    a->collation = wf->inputcollid;
    if (!wf->winagg) {
        plan_winfn(b, wf, a);  // (its argument states are made now)
        a->ready = true;
        a->sig_first = -1;
        return;
    }
    int nargs = list_length(wf->args);
    ListCell *lc;
    int i = 0;
    const AggPlan *same = nullptr;
    for (int j = 0; j < k && !same; j++)
        if (b->p->aggs[j].sig_first == j &&
            same_signature(&b->p->aggs[j], static_cast<WindowFunc *>(list_nth(b->winfuncs, j)), wf))
            same = &b->p->aggs[j];
    MemoryContext old = MemoryContextSwitchTo(b->p->cxt);
    if (same) {
        a->sig_first = same->sig_first;
        a->transtype = same->transtype;
        a->transtyplen = same->transtyplen;
        a->transtypbyval = same->transtypbyval;
        a->transfn = same->transfn;  // (fn_extra is still unset: nothing ran)
        a->trans_strict = same->trans_strict;
        a->has_final = same->has_final;
        a->finalfn = same->finalfn;
        a->final_strict = same->final_strict;
        a->final_extra = same->final_extra;
        a->nfinalargs = same->nfinalargs;
        a->init_null = same->init_null;
        a->init_value = same->init_value;  // copied before each use
    } else {
        a->sig_first = k;
        HeapTuple tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(wf->winfnoid));
        if (!HeapTupleIsValid(tup))
            elog(ERROR, "cache lookup failed for aggregate %u", wf->winfnoid);
        Form_pg_aggregate agg = reinterpret_cast<Form_pg_aggregate>(GETSTRUCT(tup));
        if (agg->aggkind != AGGKIND_NORMAL)
            fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, wf->location, "ordered-set aggregates are not supported", nullptr);
        // As PostgreSQL refuses it in a window: the state is used again after
        // the final function ran.
        if (OidIsValid(agg->aggfinalfn) && agg->aggfinalmodify == AGGMODIFY_READ_WRITE)
            fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, wf->location,
                 psprintf("aggregate function %s does not support use as a window function",
                          format_procedure(wf->winfnoid)),
                 "Its final function modifies the transition state (FINALFUNC_MODIFY = READ_WRITE).");
        // Transition and final functions in any language: procedural ones
        // (PL/pgSQL) were refused for a while (2026-12-05) after PostgreSQL's
        // own window query calling them aborted the backend; that is a
        // PostgreSQL bug (nodeWindowAgg.c keeps the stale Datum of a NULL
        // transition result, test/scripts/pg_window_plpgsql_crash.sql) which
        // advance_aggregate (exec_pg.cpp) does not share: it keeps a NULL
        // state as 0 (docs/DEPLOY.md).
        // Resolve a polymorphic transition type as the executor does.
        Oid inputTypes[FUNC_MAX_ARGS];
        foreach (lc, wf->args)
            inputTypes[i++] = exprType(static_cast<Node *>(lfirst(lc)));
        a->transtype = resolve_aggregate_transtype(wf->winfnoid, agg->aggtranstype, inputTypes, nargs);
        get_typlenbyval(a->transtype, &a->transtyplen, &a->transtypbyval);
        fmgr_info(agg->aggtransfn, &a->transfn);
        a->trans_strict = a->transfn.fn_strict;
        a->has_final = OidIsValid(agg->aggfinalfn);
        if (a->has_final) {
            fmgr_info(agg->aggfinalfn, &a->finalfn);
            a->final_strict = a->finalfn.fn_strict;
            a->final_extra = agg->aggfinalextra;
            a->nfinalargs = a->final_extra ? nargs + 1 : 1;
        }
        // Argument types for get_fn_expr_argtype() (polymorphic transition
        // functions such as feature_ext's aggregates need them), as nodeAgg does.
        Expr *transexpr = nullptr, *invexpr = nullptr, *finalexpr = nullptr;
        build_aggregate_transfn_expr(inputTypes, nargs, 0, false,
                                     a->transtype, wf->inputcollid, agg->aggtransfn, InvalidOid, &transexpr, &invexpr);
        fmgr_info_set_expr(reinterpret_cast<Node *>(transexpr), &a->transfn);
        if (a->has_final) {
            build_aggregate_finalfn_expr(inputTypes, a->nfinalargs, a->transtype, wf->wintype, wf->inputcollid,
                                         agg->aggfinalfn, &finalexpr);
            fmgr_info_set_expr(reinterpret_cast<Node *>(finalexpr), &a->finalfn);
        }
        bool initnull;
        Datum init = SysCacheGetAttr(AGGFNOID, tup, Anum_pg_aggregate_agginitval, &initnull);
        a->init_null = initnull;
        if (!initnull) {
            Oid infunc, ioparam;
            getTypeInputInfo(a->transtype, &infunc, &ioparam);
            a->init_value = OidInputFunctionCall(infunc, TextDatumGetCString(init), ioparam, -1);
        }
        ReleaseSysCache(tup);
    }
    a->result_type = wf->wintype;
    get_typlenbyval(a->result_type, &a->result_typlen, &a->result_typbyval);
    a->fast = fast_kind(wf, &a->fast_attno, &a->fast_argtype);
    if (a->fast == kFastNone)
        a->pa_kind = decltype(a->pa_kind)(pa_kind_of(wf, a));
    a->nargs = nargs;
    a->args = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * (nargs + 1)));
    a->arg_exprs = static_cast<Expr **>(palloc0(sizeof(Expr *) * (nargs + 1)));
    i = 0;
    foreach (lc, wf->args) {
        Expr *e = static_cast<Expr *>(lfirst(lc));
        mark_columns(reinterpret_cast<Node *>(e), b);
        a->arg_exprs[i++] = e;
    }
    if (wf->aggfilter) {
        mark_columns(reinterpret_cast<Node *>(wf->aggfilter), b);
        a->filter_expr = wf->aggfilter;
    }
    MemoryContextSwitchTo(old);
    // States now when the interpreter will run (feature_ext.jit off);
    // else on first interpreted use, after the check ExecInitExpr makes.
    if (!g_jit)
        agg_ready(b->p, a);
    else {
        for (int j = 0; j < nargs; j++)
            (void) check_execute_walker(reinterpret_cast<Node *>(a->arg_exprs[j]), &b->execute_checked);
        (void) check_execute_walker(reinterpret_cast<Node *>(a->filter_expr), &b->execute_checked);
    }
}

}  // namespace

Node *expand_call_args(Node *node)
{
    return expand_args_mutator(node, nullptr);
}

void agg_ready(DeployPlan *p, AggPlan *a)
{
    if (a->ready)
        return;
    MemoryContext old = MemoryContextSwitchTo(p->cxt);
    for (int i = 0; i < a->nargs; i++)
        a->args[i] = ExecInitExpr(a->arg_exprs[i], nullptr);
    if (a->filter_expr)
        a->filter = ExecInitExpr(a->filter_expr, nullptr);
    MemoryContextSwitchTo(old);
    a->ready = true;
}

namespace {

// ---- OpenMLDB dialect (dialect/openmldb.hpp): the query is translated into
// PostgreSQL's dialect before planning; the catalog keeps the original text.
// The translator is pure C++: it runs in noexcept helpers that own every C++
// object and hand back malloc'd C strings, so the PostgreSQL side below keeps
// no C++ object alive when it ereports (CONTRIBUTING.md, C-style zones).
struct DialectOut {
    char *text;        // table name (step 1) or translated query (step 2)
    bool failed;
    char sqlstate[6];
    char *message;
    char *hint;
    int position;      // 1-based, 0 = none
};

void dialect_fail(DialectOut *o, const char *sqlstate, const char *msg, const char *hint, int position) noexcept
{
    o->failed = true;
    memcpy(o->sqlstate, sqlstate, 5);
    o->sqlstate[5] = '\0';
    o->message = strdup(msg);
    o->hint = hint && *hint ? strdup(hint) : nullptr;
    o->position = position;
}

int dialect_signal(const char *query) noexcept
{
    try {
        return openmldb_signal(query);
    } catch (...) {
        return 0;
    }
}

// Does the text parse and analyse as PostgreSQL (in a subtransaction, so a
// failure leaves nothing behind)?
bool analyses_as_postgres(const char *query)
{
    MemoryContext cxt = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    volatile bool ok = false;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(cxt);
    PG_TRY();
    {
        List *raw = pg_parse_query(query);
        if (list_length(raw) == 1 && IsA(linitial_node(RawStmt, raw)->stmt, SelectStmt)) {
            (void) parse_analyze_fixedparams(linitial_node(RawStmt, raw), query, nullptr, 0, nullptr);
            ok = true;
        }
        ReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(cxt);
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
    }
    PG_END_TRY();
    MemoryContextSwitchTo(cxt);
    CurrentResourceOwner = owner;
    return ok;
}

// OpenMLDB's dialect when its syntax is used, or when only its function
// names are and the text is not a valid PostgreSQL query.
bool dialect_looks(const char *query)
{
    int s = dialect_signal(query);
    return s == 2 || (s == 1 && !analyses_as_postgres(query));
}

// step 1: the table; step 1b (ncols == -2): the tables of LAST JOIN
// subqueries, one a line; step 2 (ncols >= 0): the translation, each
// column's order type given by name ("table.column" for those tables).
void dialect_run(const char *query, int ncols, const char *const *names, const int *kinds, DialectOut *o) noexcept
{
    try {
        std::string r;
        if (ncols == -2) {
            for (const std::string &t : openmldb_join_subquery_tables(query))
                r += t + "\n";
        } else if (ncols < 0)
            r = openmldb_table(query);
        else
            r = translate_openmldb(query, [&](const std::string &col) {
                for (int i = 0; i < ncols; i++)
                    if (col == names[i])
                        return OrderType(kinds[i]);
                return OrderType::kNotAColumn;
            });
        o->text = strdup(r.c_str());
        if (!o->text)
            dialect_fail(o, "53200", "out of memory", nullptr, 0);
    } catch (const DialectError &e) {
        dialect_fail(o, e.sqlstate(), e.what(), e.hint().c_str(), e.position());
    } catch (const Error &e) {
        dialect_fail(o, e.sqlstate(), e.what(), e.hint().c_str(), 0);
    } catch (const std::bad_alloc &) {
        dialect_fail(o, "53200", "out of memory", nullptr, 0);
    } catch (...) {
        dialect_fail(o, "XX000", "internal error in the OpenMLDB dialect translator", nullptr, 0);
    }
}

// palloc'd copy of the malloc'd result; ereports the translator's error.
char *dialect_result(const char *query, DialectOut *o)
{
    if (o->failed) {
        char *msg = pstrdup(o->message);
        char *hint = o->hint ? pstrdup(o->hint) : nullptr;
        free(o->message);
        free(o->hint);
        ereport(ERROR, (errcode(MAKE_SQLSTATE(o->sqlstate[0], o->sqlstate[1], o->sqlstate[2], o->sqlstate[3],
                                              o->sqlstate[4])),
                        errmsg("%s", msg), hint ? errhint("%s", hint) : 0,
                        o->position > 0 ? internalerrposition(o->position) : 0, internalerrquery(query)));
    }
    char *r = pstrdup(o->text);
    free(o->text);
    return r;
}

// The PostgreSQL-dialect text of an OpenMLDB-dialect deployment query.
const char *translate_openmldb_query(const char *query)
{
    DialectOut o;
    memset(&o, 0, sizeof(o));
    dialect_run(query, -1, nullptr, nullptr, &o);
    char *table = dialect_result(query, &o);
    memset(&o, 0, sizeof(o));
    dialect_run(query, -2, nullptr, nullptr, &o);
    char *subtables = dialect_result(query, &o);
    int ncols = 0, cap = 0;
    const char **names = nullptr;
    int *kinds = nullptr;
    // The columns of the deployment's table by name, those of the tables of
    // LAST JOIN subqueries (their windows) as "table.column".
    auto add_columns = [&](char *tname, const char *prefix) {
        char *dot = strchr(tname, '.');
        if (dot)
            *dot = '\0';
        RangeVar *rv = makeRangeVar(dot ? tname : nullptr, dot ? dot + 1 : tname, -1);
        if (!*tname)  // (no table found: planning the translation reports it)
            return;
        // A table that does not exist: PostgreSQL's error (42P01), before the
        // translation would report its columns' types (a ROWS_RANGE offset
        // over a column of no known type).
        Oid relid = RangeVarGetRelid(rv, NoLock, false);
        Relation rel = table_open(relid, AccessShareLock);
        TupleDesc d = RelationGetDescr(rel);
        if (ncols + d->natts > cap) {
            cap = ncols + d->natts + 8;
            names = static_cast<const char **>(names ? repalloc(names, sizeof(char *) * cap)
                                                     : palloc(sizeof(char *) * cap));
            kinds = static_cast<int *>(kinds ? repalloc(kinds, sizeof(int) * cap) : palloc(sizeof(int) * cap));
        }
        for (int a = 0; a < d->natts; a++) {
            Form_pg_attribute att = TupleDescAttr(d, a);
            if (att->attisdropped)
                continue;
            Oid t = att->atttypid;
            names[ncols] = prefix ? psprintf("%s.%s", prefix, NameStr(att->attname)) : pstrdup(NameStr(att->attname));
            kinds[ncols++] = int(t == INT2OID || t == INT4OID || t == INT8OID ? OrderType::kEpochMs
                                 : t == TIMESTAMPOID || t == TIMESTAMPTZOID  ? OrderType::kTimestamp
                                                                             : OrderType::kOther);
        }
        table_close(rel, AccessShareLock);
    };
    add_columns(table, nullptr);
    for (char *line = subtables; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        add_columns(pstrdup(line), line);
        line = nl ? nl + 1 : nullptr;
    }
    memset(&o, 0, sizeof(o));
    dialect_run(query, ncols, names, kinds, &o);
    return dialect_result(query, &o);
}

}  // namespace

const char *bound_tree_key()
{
    return psprintf("%llu/%u/%d:", (unsigned long long) GetSystemIdentifier(), MyDatabaseId, PG_VERSION_NUM / 100);
}

namespace {

// The analysed query a bound tree holds, when it was written here (this
// server, this database, this major) for this table; else nullptr.
Query *bound_tree_query(const char *tree, Oid relid)
{
    const char *key = bound_tree_key();
    size_t kl = strlen(key);
    if (!tree || strncmp(tree, key, kl) != 0)
        return nullptr;
    Node *n = static_cast<Node *>(stringToNode(tree + kl));
    if (!n || !IsA(n, Query))
        return nullptr;
    Query *q = reinterpret_cast<Query *>(n);
    // A window over FROM (... UNION ALL ...) is kept as written (its columns
    // by number, so that renames are followed) and rewritten for each plan.
    union_all_rewrite(q);
    if (list_length(q->rtable) < 1 || linitial_node(RangeTblEntry, q->rtable)->rtekind != RTE_RELATION ||
        linitial_node(RangeTblEntry, q->rtable)->relid != relid)
        return nullptr;
    return q;
}

// A bound tree as text that names each object as it is called now, every
// object outside pg_catalog with its schema (deparsed under the pinned
// path).  Every object the tree names is a dependency of the deployment's
// functions (recordDependencyOnExpr at deploy): none can be dropped without
// them, so each OID still resolves.
const char *deparse_tree(const char *tree)
{
    Query *q = static_cast<Query *>(stringToNode(tree + strlen(bound_tree_key())));
    SafeScope s;
    safe_enter(&s, InvalidOid, 0);
    const char *text = pg_get_querydef(q, false);
    safe_leave(&s);
    return text;
}

// Parse and analyse b->query; a bound query's table is re-bound to
// bind_relid.
Query *parse_text(PlanBuild *b, bool bound, Oid bind_relid)
{
    List *raw = pg_parse_query(b->query);
    if (list_length(raw) != 1 || !IsA(linitial_node(RawStmt, raw)->stmt, SelectStmt))
        fail(b, ERRCODE_SYNTAX_ERROR, -1, "a deployment is exactly one SELECT statement", nullptr);
    if (bound && OidIsValid(bind_relid)) {
        // The table by OID: its current schema and name replace the ones the
        // bound text was written with.
        auto *sel = reinterpret_cast<SelectStmt *>(linitial_node(RawStmt, raw)->stmt);
        char *relname = get_rel_name(bind_relid);
        if (!relname)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("the table of deployment %s was dropped", b->name),
                            errhint("Undeploy it, or redeploy it over the new table with '{\"replace\": true}'.")));
        Node *first = list_length(sel->fromClause) == 1 ? static_cast<Node *>(linitial(sel->fromClause)) : nullptr;
        while (first && IsA(first, JoinExpr))  // joins: the leftmost item is the table
            first = reinterpret_cast<JoinExpr *>(first)->larg;
        if (first && IsA(first, RangeVar)) {
            RangeVar *rv = reinterpret_cast<RangeVar *>(first);
            if (!rv->alias)  // column references qualified with the name it was written with (joins) still resolve
                rv->alias = makeAlias(rv->relname, NIL);
            rv->catalogname = nullptr;
            rv->schemaname = get_namespace_name(get_rel_namespace(bind_relid));
            rv->relname = relname;
        }
    }
    return parse_analyze_fixedparams(linitial_node(RawStmt, raw), b->query, nullptr, 0, nullptr);
}

}  // namespace

Query *analyze_bound_text(const char *name, const char *bound, Oid relid)
{
    SafeScope pinned;
    safe_enter(&pinned, InvalidOid, 0);
    PlanBuild bb;
    memset(&bb, 0, sizeof(bb));
    bb.query = bound;
    bb.name = name;
    bb.bind_relid = relid;
    Query *q = parse_text(&bb, true, relid);
    safe_leave(&pinned);
    return q;
}

bool bound_tree_is_local(const char *tree)
{
    const char *key = bound_tree_key();
    return tree && strncmp(tree, key, strlen(key)) == 0;
}

const char *bound_tree_text(const char *tree)
{
    const char *key = bound_tree_key();
    if (!tree || strncmp(tree, key, strlen(key)) != 0)
        return nullptr;
    return deparse_tree(tree);
}

DeployPlan *plan_bound(const char *name, const char *bound, const char *tree, Oid relid, MemoryContext parent,
                       StringInfo explain)
{
    // The tree itself where it applies: it holds every object by OID, as a
    // view's rule does, so renames are followed without deparsing it and
    // parsing the text again (most of what a new connection's first call
    // paid for its plan).
    // The tree is read into a context of its own that the plan then keeps:
    // the plan's expression states point into it.
    MemoryContext tcxt = AllocSetContextCreate(CurrentMemoryContext, "feature_ext bound tree", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(tcxt);
    Query *q = bound_tree_query(tree, relid);
    MemoryContextSwitchTo(old);
    if (q) {
        DeployPlan *p = plan_impl(name, nullptr, tree, q, parent, false, explain, kPlanBound, nullptr, relid);
        MemoryContextSetParent(tcxt, p->cxt);
        return p;
    }
    MemoryContextDelete(tcxt);
    // Elsewhere (a restore, pg_upgrade): the bound text, its table by OID.
    if (!bound)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("deployment %s has no bound query", name),
                        errhint("Redeploy it with feature_ext.deploy(..., '{\"replace\": true}').")));
    return plan_impl(name, bound, nullptr, nullptr, parent, false, explain, kPlanBound, nullptr, relid);
}

namespace {

struct RelMap {
    int n;
    const Oid *from, *to;
};

Oid map_rel(const RelMap *m, Oid rel)
{
    for (int i = 0; i < m->n; i++)
        if (m->from[i] == rel)
            return m->to[i];
    return rel;
}

// Re-point every relation of a tree (range table entries at every level,
// and the regclass arguments of window_union() calls) through the map.
bool map_rels_walker(Node *node, void *ctx)
{
    if (!node)
        return false;
    const RelMap *m = static_cast<const RelMap *>(ctx);
    if (IsA(node, RangeTblEntry)) {
        RangeTblEntry *rte = reinterpret_cast<RangeTblEntry *>(node);
        if (rte->rtekind == RTE_RELATION)
            rte->relid = map_rel(m, rte->relid);
        return false;
    }
    if (IsA(node, Const)) {
        Const *c = reinterpret_cast<Const *>(node);
        if (c->consttype == REGCLASSOID && !c->constisnull)
            c->constvalue = ObjectIdGetDatum(map_rel(m, DatumGetObjectId(c->constvalue)));
        return false;
    }
    if (IsA(node, Query)) {
        compat::map_perminfo_relids(reinterpret_cast<Query *>(node), [m](Oid rel) { return map_rel(m, rel); });
        return query_tree_walker(reinterpret_cast<Query *>(node),
                                 reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(map_rels_walker)), ctx,
                                 QTW_EXAMINE_RTES_BEFORE);
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(map_rels_walker)),
                                  ctx);
}

// The same for a raw parse tree of the bound text (relations by name):
// RangeVars and 'name'::regclass literals of a mapped table name its
// stand-in (a table reference keeps its name as alias, so columns qualified
// with it resolve); columns are then bound by name.
bool rebind_raw_walker(Node *node, void *ctx)
{
    if (!node)
        return false;
    const RelMap *m = static_cast<const RelMap *>(ctx);
    if (IsA(node, RangeVar)) {
        RangeVar *rv = reinterpret_cast<RangeVar *>(node);
        Oid rel = RangeVarGetRelid(rv, NoLock, true);
        Oid to = OidIsValid(rel) ? map_rel(m, rel) : rel;
        if (to != rel) {
            if (!rv->alias)
                rv->alias = makeAlias(rv->relname, NIL);
            rv->catalogname = nullptr;
            rv->schemaname = get_namespace_name(get_rel_namespace(to));
            rv->relname = get_rel_name(to);
        }
        return false;
    }
    if (IsA(node, TypeCast)) {
        TypeCast *tc = reinterpret_cast<TypeCast *>(node);
        A_Const *ac = tc->arg && IsA(tc->arg, A_Const) ? reinterpret_cast<A_Const *>(tc->arg) : nullptr;
        if (ac && !ac->isnull && IsA(&ac->val, String) && tc->typeName &&
            strcmp(strVal(llast(tc->typeName->names)), "regclass") == 0) {
            Oid rel = RangeVarGetRelid(makeRangeVarFromNameList(compat::string_to_qualified_names(strVal(&ac->val))),
                                       NoLock, true);
            Oid to = OidIsValid(rel) ? map_rel(m, rel) : rel;
            if (to != rel)
                ac->val.sval.sval =
                    pstrdup(quote_qualified_identifier(get_namespace_name(get_rel_namespace(to)), get_rel_name(to)));
            return false;
        }
    }
    return raw_expression_tree_walker(node,
                                      reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(rebind_raw_walker)),
                                      ctx);
}

}  // namespace

DeployPlan *plan_bound_mapped(const char *name, const char *tree, int nmap, const Oid *from, const Oid *to,
                              MemoryContext parent)
{
    const char *key = bound_tree_key();
    if (!tree || strncmp(tree, key, strlen(key)) != 0)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("deployment %s has no bound tree written on this node", name),
                        errdetail("A deployment over Citus tables that reads several tables is planned from it for "
                                  "each shard."),
                        errhint("Redeploy it with feature_ext.deploy(..., '{\"replace\": true}') on the coordinator.")));
    // Each table and its stand-in have the same columns (a shard is made
    // with its table's), else (dropped columns: a shard made by a shard move
    // has none) the tree's column numbers would read other columns: then
    // the bound text, columns bound by name.
    bool all_same = true;
    for (int i = 0; i < nmap; i++) {
        Relation a = table_open(from[i], AccessShareLock), b = table_open(to[i], AccessShareLock);
        TupleDesc da = RelationGetDescr(a), db = RelationGetDescr(b);
        bool same = da->natts == db->natts;
        for (int k = 0; same && k < da->natts; k++)
            same = TupleDescAttr(da, k)->attisdropped == TupleDescAttr(db, k)->attisdropped &&
                   (TupleDescAttr(da, k)->attisdropped || TupleDescAttr(da, k)->atttypid == TupleDescAttr(db, k)->atttypid);
        table_close(b, AccessShareLock);
        table_close(a, AccessShareLock);
        all_same &= same;
    }
    if (!all_same) {
        const char *text = deparse_tree(tree);
        MemoryContext tcxt = AllocSetContextCreate(CurrentMemoryContext, "feature_ext bound tree", ALLOCSET_DEFAULT_SIZES);
        MemoryContext old = MemoryContextSwitchTo(tcxt);
        SafeScope pinned;
        safe_enter(&pinned, InvalidOid, 0);
        List *raw = pg_parse_query(text);
        RawStmt *rs = linitial_node(RawStmt, raw);
        RelMap m = {nmap, from, to};
        (void) rebind_raw_walker(rs->stmt, &m);
        Query *q = parse_analyze_fixedparams(rs, text, nullptr, 0, nullptr);
        safe_leave(&pinned);
        union_all_rewrite(q);
        MemoryContextSwitchTo(old);
        DeployPlan *p = plan_impl(name, nullptr, tree, q, parent, false, nullptr, kPlanBound, nullptr, to[0]);
        MemoryContextSetParent(tcxt, p->cxt);
        return p;
    }
    MemoryContext tcxt = AllocSetContextCreate(CurrentMemoryContext, "feature_ext bound tree", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(tcxt);
    Query *q = static_cast<Query *>(stringToNode(tree + strlen(key)));
    RelMap m = {nmap, from, to};
    (void) map_rels_walker(reinterpret_cast<Node *>(q), &m);
    union_all_rewrite(q);
    MemoryContextSwitchTo(old);
    DeployPlan *p = plan_impl(name, nullptr, tree, q, parent, false, nullptr, kPlanBound, nullptr, to[0]);
    MemoryContextSetParent(tcxt, p->cxt);
    return p;
}

DeployPlan *plan_deployment(const char *name, const char *query, MemoryContext parent, bool check_only,
                            StringInfo explain, int fix_flags, List **fixes, Oid bind_relid)
{
    return plan_impl(name, query, nullptr, nullptr, parent, check_only, explain, fix_flags, fixes, bind_relid);
}

DeployPlan *plan_sub_query(const char *name, Query *q, MemoryContext parent, int fix_flags, List **fixes)
{
    const char *text = pg_get_querydef(static_cast<Query *>(copyObjectImpl(q)), false);
    DeployPlan *p = plan_impl(name, text, nullptr, q, parent, false, nullptr,
                              kPlanBound | kPlanSub | (fix_flags & (kFixCreateIndex | kFixAdjustTtl)), fixes,
                              InvalidOid);
    if (p)
        p->sub_plan = true;
    return p;
}

namespace {

// Whether a query reads a table with TABLESAMPLE (at any level).
bool find_tablesample(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, RangeTblEntry))
        return reinterpret_cast<RangeTblEntry *>(node)->tablesample != nullptr;
    if (IsA(node, Query))
        return query_tree_walker(reinterpret_cast<Query *>(node),
                                 reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(find_tablesample)), ctx,
                                 QTW_EXAMINE_RTES_BEFORE);
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(find_tablesample)),
                                  ctx);
}

// Plan the text `query`, or (query == nullptr) the analysed query tq read
// from the bound tree `tree`.
DeployPlan *plan_impl(const char *name, const char *query, const char *tree, Query *tq, MemoryContext parent,
                      bool check_only, StringInfo explain, int fix_flags, List **fixes, Oid bind_relid)
{
    bool bound = (fix_flags & kPlanBound) != 0;
    // A bound query names every object with its schema (a bound tree by
    // OID); the search_path is pinned as well, so nothing the caller created
    // can stand in for them (docs/SECURITY.md, "How a deployment is bound").
    SafeScope pinned;
    if (bound)
        safe_enter(&pinned, InvalidOid, 0);
    // Made under the caller's context and moved under `parent` once planned:
    // an error on the way frees it with the statement.
    MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "feature_ext deployment", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(cxt);
    PlanBuild bb;
    memset(&bb, 0, sizeof(bb));
    PlanBuild *b = &bb;
    const char *openmldb = query && !bound && dialect_looks(query) ? pstrdup(query) : nullptr;
    b->query = openmldb ? translate_openmldb_query(openmldb) : query ? pstrdup(query) : nullptr;
    b->name = pstrdup(name);
    b->tree = tree;
    b->bind_relid = bind_relid;
    b->fix_flags = fix_flags;
    auto *p = static_cast<DeployPlan *>(palloc0(sizeof(DeployPlan)));
    b->p = p;
    p->cxt = cxt;
    p->name = pstrdup(name);

    Query *q = tq ? tq : parse_text(b, bound, bind_relid);
    b->q = q;
    if (!bound) {
        // What later plans parse: the analysed query deparsed with every
        // object qualified (nothing is "visible" under the pinned path but
        // pg_catalog), checked and planned below like the original.
        SafeScope s;
        p->analyzed = static_cast<Query *>(copyObjectImpl(q));
        safe_enter(&s, InvalidOid, 0);
        p->bound_query = pg_get_querydef(static_cast<Query *>(copyObjectImpl(q)), false);
        safe_leave(&s);
        p->bound_tree = psprintf("%s%s", bound_tree_key(), nodeToString(q));
    }
    // FROM (... UNION ALL ...): the window_union form (deploy/union_pg.cpp),
    // after the binding was taken from the query as written (a bound tree
    // was rewritten as it was read).
    if (!tq)
        union_all_rewrite(q);
    List *computed = NIL;  // FROM (SELECT expr AS c FROM t): from_subquery_rewrite()'s columns
    List *exposed = NIL;   // (and the names it gives the table's columns)
    {  // after the bound text and the dependencies were taken from q
        ListCell *tl;
        List *keep = NIL;
        size_t pl = strlen(kComputedPrefix), xl = strlen(kExposedPrefix);
        foreach (tl, q->targetList) {
            TargetEntry *tle = lfirst_node(TargetEntry, tl);
            if (tle->resjunk && tle->resname && strncmp(tle->resname, kComputedPrefix, pl) == 0)
                computed = lappend(computed, tle);
            else if (tle->resjunk && tle->resname && strncmp(tle->resname, kExposedPrefix, xl) == 0)
                exposed = lappend(exposed, tle);
            else
                keep = lappend(keep, tle);
        }
        q->targetList = keep;
        foreach (tl, q->targetList) {
            TargetEntry *tle = lfirst_node(TargetEntry, tl);
            tle->expr = reinterpret_cast<Expr *>(
                expand_call_args(strip_collate(reinterpret_cast<Node *>(tle->expr), nullptr)));
        }
    }
    if (q->commandType != CMD_SELECT || q->utilityStmt)
        fail(b, ERRCODE_SYNTAX_ERROR, -1, "a deployment is exactly one SELECT statement", nullptr);
    if (q->setOperations || q->cteList || q->hasSubLinks || q->hasTargetSRFs || q->hasRecursive)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
             "set operations, WITH, subqueries and set-returning functions are not supported in deployments",
             nullptr);
    if (q->groupClause || q->hasAggs || q->havingQual || q->groupingSets)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
             "GROUP BY and plain aggregates are not supported in deployments",
             "Compute features with window functions: agg(...) OVER w.");
    if (q->sortClause || q->limitCount || q->limitOffset || q->distinctClause)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
             "ORDER BY, LIMIT, OFFSET and DISTINCT are not supported in deployments",
             "A deployment returns one row per request.");
    if (query_tree_walker(q, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(find_tablesample)), nullptr,
                          QTW_EXAMINE_RTES_BEFORE))
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, "TABLESAMPLE is not supported in deployments",
             "A request reads every row of its windows and joins; sample the rows you train on instead.");
    if ((list_length(q->rtable) != 1 && !join_present(q)) ||
        linitial_node(RangeTblEntry, q->rtable)->rtekind != RTE_RELATION)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, "a deployment reads exactly one table",
             "Its table is the first FROM item; other tables are read by LEFT JOINs (LAST JOIN, dimension lookups) "
             "or union windows (docs/DEPLOY.md).");
    if (q->jointree->quals)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, exprLocation(q->jointree->quals),
             "WHERE is not supported in deployments", "Use FILTER (WHERE ...) on the aggregates.");
    if (!q->hasWindowFuncs && !join_present(q))  // (joins alone: a lookup deployment)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1, "a deployment computes window functions",
             "Add features such as sum(amount) OVER w.");
    RangeTblEntry *rte = linitial_node(RangeTblEntry, q->rtable);
    Relation heap = table_open(rte->relid, AccessShareLock);
    b->heap = heap;
    // (A Citus shell needs Citus's catalog; without it, no pg_extension scan.)
    // A hash-distributed table's deployment routes each request to the
    // plan of the shard that holds its key (functions_pg.cpp, CitusRoute);
    // other Citus tables (reference, local) are refused.
    if (OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)) &&
        citus_dist_method(RelationGetRelid(heap)) != 'h')
        refuse_citus_shell(heap, "a deployment");
    if (heap->rd_rel->relkind != RELKIND_RELATION || heap->rd_tableam != feature_store_routine())
        fail(b, ERRCODE_WRONG_OBJECT_TYPE, -1,
             psprintf("table \"%s\" is not a feature_store table", RelationGetRelationName(heap)),
             "Deployments read tables created with USING feature_store.");
    if (heap->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
        fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
             psprintf("table \"%s\" is a temporary table", RelationGetRelationName(heap)),
             "A deployment is called from other sessions, which cannot read this session's temporary tables: "
             "deploy over a permanent or unlogged feature_store table.");
    if (bound && OidIsValid(bind_relid) && rte->relid != bind_relid)
        elog(ERROR, "feature_ext: deployment %s read another table than its own", name);
    if (pg_class_aclcheck(rte->relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for table %s", RelationGetRelationName(heap))));
    if (heap->rd_rel->relrowsecurity)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("table \"%s\" has row-level security enabled", RelationGetRelationName(heap)),
                        errdetail("Deployments cannot enforce row-level security policies yet, and never bypass them."),
                        errhint("Disable row-level security on the table or deploy over a table without policies.")));
    p->heapoid = rte->relid;
    p->nreal = RelationGetDescr(heap)->natts;
    p->ncomp = list_length(computed);
    if (p->ncomp == 0 && exposed == NIL)
        p->heap_desc = CreateTupleDescCopy(RelationGetDescr(heap));
    else {
        // The request row: the table's columns, then the subquery's computed ones.
        TupleDesc hd = RelationGetDescr(heap);
        p->heap_desc = CreateTemplateTupleDesc(p->nreal + p->ncomp);
        for (int a = 0; a < p->nreal; a++)
            TupleDescCopyEntry(p->heap_desc, AttrNumber(a + 1), hd, AttrNumber(a + 1));
        p->comp_state = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * p->ncomp));
        p->comp_rows = static_cast<bool *>(palloc0(sizeof(bool) * p->ncomp));
        b->comp_expr = static_cast<Node **>(palloc0(sizeof(Node *) * p->ncomp));
        for (int c = 0; c < p->ncomp; c++) {
            TargetEntry *ct = static_cast<TargetEntry *>(list_nth(computed, c));
            Node *e = reinterpret_cast<Node *>(ct->expr);
            const char *cn = ct->resname + strlen(kComputedPrefix);
            if (IsA(e, SubLink)) {
                // A column reading the subquery's own window functions
                // (from_subquery_rewrite): output subLinkId of the subquery
                // planned as a deployment of its own (plan_win_sub).
                SubLink *sl = reinterpret_cast<SubLink *>(e);
                Node *we = sl->testexpr;
                TupleDescInitEntry(p->heap_desc, AttrNumber(p->nreal + c + 1), cn, exprType(we), exprTypmod(we), 0);
                TupleDescInitEntryCollation(p->heap_desc, AttrNumber(p->nreal + c + 1), exprCollation(we));
                if (!p->comp_win) {
                    p->comp_win = static_cast<int *>(palloc(sizeof(int) * p->ncomp));
                    p->comp_win_peer = static_cast<bool *>(palloc0(sizeof(bool) * p->ncomp));
                    for (int x = 0; x < p->ncomp; x++)
                        p->comp_win[x] = -1;
                    plan_win_sub(b, reinterpret_cast<Query *>(sl->subselect));
                }
                p->comp_win[c] = sl->subLinkId - 1;
                // (what it reads of the table: every column of the subquery,
                // its windows' PARTITION BY and ORDER BY too)
                b->comp_expr[c] = reinterpret_cast<Node *>(copyObjectImpl(reinterpret_cast<Query *>(sl->subselect)->targetList));
                if (p->win_sub)
                    p->comp_win_peer[c] = win_sub_peer_shared(b, c);
                continue;
            }
            // (a computed column named as a column of the table shadows it,
            // as in the subquery: union tables' columns match it by name)
            TupleDescInitEntry(p->heap_desc, AttrNumber(p->nreal + c + 1), cn, exprType(e), exprTypmod(e), 0);
            TupleDescInitEntryCollation(p->heap_desc, AttrNumber(p->nreal + c + 1), exprCollation(e));
            // As PostgreSQL's planner leaves it: COLLATE taken out, named
            // arguments ordered, defaults filled (ExecInitExpr checks
            // EXECUTE on what it calls).
            e = expand_call_args(strip_collate(e, nullptr));
            // Only a column the query reads is computed (PostgreSQL's
            // planner drops the others: an unread 10 / (v - 3) fails
            // nothing, an unread volatile call is not made); the others
            // stay attributes (union tables' columns match them by name),
            // NULL in every request row.
            AttrNumber ca = AttrNumber(p->nreal + c + 1);
            b->comp_expr[c] = e;
            if (reads_attno(reinterpret_cast<Node *>(q->targetList), ca))
                p->comp_state[c] = ExecInitExpr(reinterpret_cast<Expr *>(e), nullptr);
        }
        // The table's columns under the subquery's names (union tables'
        // columns match by name: FROM (SELECT v AS id, ...) reads t.v as id);
        // a column the subquery leaves out is matched by no name.
        if (exposed != NIL) {
            p->match_desc = CreateTupleDescCopy(p->heap_desc);
            for (int a = 0; a < p->nreal; a++) {
                Form_pg_attribute att = TupleDescAttr(p->match_desc, a);
                if (!att->attisdropped)
                    namestrcpy(&att->attname, psprintf("\x01 feature_ext hidden %d", a + 1));
            }
            ListCell *xc;
            foreach (xc, exposed) {
                TargetEntry *xt = lfirst_node(TargetEntry, xc);
                Var *xv = reinterpret_cast<Var *>(xt->expr);
                Form_pg_attribute att = TupleDescAttr(p->match_desc, xv->varattno - 1);
                if (strncmp(NameStr(att->attname), "\x01", 1) == 0)  // (the first name it has)
                    namestrcpy(&att->attname, xt->resname + strlen(kExposedPrefix));
            }
        }
    }
    p->natts = p->heap_desc->natts;
    p->cols_needed = static_cast<bool *>(palloc0(sizeof(bool) * p->natts));
    p->param_attnos = static_cast<AttrNumber *>(palloc(sizeof(AttrNumber) * p->natts));
    for (int a = 0; a < p->nreal; a++)
        if (!TupleDescAttr(p->heap_desc, a)->attisdropped)
            p->param_attnos[p->nparams++] = AttrNumber(a + 1);
    b->nmetas = heap_skiplist_indexes(heap, &b->metas);

    // Windows.
    int nwc = list_length(q->windowClause);
    p->windows = static_cast<WindowPlan *>(palloc0(sizeof(WindowPlan) * nwc));
    p->groups = static_cast<GroupPlan *>(palloc0(sizeof(GroupPlan) * nwc));
    ListCell *lc;
    foreach (lc, q->windowClause)
        plan_window(b, lfirst_node(WindowClause, lc), &p->windows[p->nwindows++]);
    if (join_present(q))  // joined columns now read the joined row
        join_plan(p, q, heap, fix_flags, &b->fixes, join_fail, b);
    if (b->fixes == NIL)  // union tables carrying joined columns (a WINDOW UNION over a LAST JOIN's result)
        union_bind_joins(p, join_desc(p), q->targetList, q->windowClause, !bound);
    if (b->fixes != NIL) {
        table_close(heap, NoLock);
        MemoryContextSwitchTo(old);
        *fixes = NIL;
        foreach (lc, b->fixes)
            *fixes = list_append_unique(*fixes, makeString(pstrdup(static_cast<char *>(lfirst(lc)))));
        if (bound)
            safe_leave(&pinned);  // (a subquery's plan: else its pinned search_path outlived it)
        return nullptr;
    }

    // Outputs: expressions with window functions replaced by params.
    int nout = 0;
    foreach (lc, q->targetList)
        if (!lfirst_node(TargetEntry, lc)->resjunk)
            nout++;
    p->out_desc = CreateTemplateTupleDesc(nout);
    p->outputs = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * nout));
    List *outexprs = NIL;
    foreach (lc, q->targetList) {
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        if (tle->resjunk)
            continue;
        Node *e = replace_winfuncs(reinterpret_cast<Node *>(tle->expr), b);
        outexprs = lappend(outexprs, e);
        p->nout++;
        TupleDescInitEntry(p->out_desc, AttrNumber(p->nout), tle->resname ? tle->resname : "?column?",
                           exprType(e), exprTypmod(e), 0);
        TupleDescInitEntryCollation(p->out_desc, AttrNumber(p->nout), exprCollation(e));
    }
    p->naggs = list_length(b->winfuncs);
    p->agg_exprs = b->winfuncs;  // in the plan's context
    p->aggs = static_cast<AggPlan *>(palloc0(sizeof(AggPlan) * Max(p->naggs, 1)));
    int i = 0;
    foreach (lc, b->winfuncs) {
        plan_agg(b, static_cast<WindowFunc *>(lfirst(lc)), &p->aggs[i], i);
        i++;
    }
    // Columns aggregates read must be held by the index of their window.
    for (int a = 0; a < p->natts; a++) {
        if (!p->cols_needed[a])
            continue;
        for (int g = 0; g < p->ngroups; g++) {
            // (a computed column: computed from the table's columns it
            // reads, marked needed by plan_agg and checked here as such;
            // union tables provide their own, union_check_held)
            if (a >= p->nreal && !p->groups[g].uni)
                continue;
            if (p->groups[g].uni) {
                union_check_held(p, g, AttrNumber(a + 1));
                continue;
            }
            const IndexMeta *m = nullptr;
            for (int j = 0; j < b->nmetas; j++)
                if (b->metas[j]->indexoid == p->groups[g].indexoid)
                    m = b->metas[j];
            bool held = m->order.attno == a + 1;
            for (int k = 0; k < m->nkeys; k++)
                held |= m->keys[k].attno == a + 1;
            for (int k = 0; k < m->nstored; k++)
                held |= m->stored[k].attno == a + 1;
            if (!held)
                fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                     psprintf("column \"%s\" is not held by skiplist index \"%s\"", attname_of(b, AttrNumber(a + 1)),
                              m->name),
                     "Add the column to the index's INCLUDE (...) list, or drop INCLUDE to hold all columns.");
        }
    }
    // A union group's main table computes the columns from its own row:
    // the columns they read are held by its index (union_check_held asks
    // only for what the window functions read by name).
    for (int g = 0; g < p->ngroups; g++) {
        const UnionGroup *ug = p->groups[g].uni;
        if (!p->groups[g].comp_rows || !ug || ug->nsrc == 0 || !ug->src[0].read || ug->src[0].relid != p->heapoid)
            continue;
        const IndexMeta *m = ug->src[0].meta;
        for (int c = 0; c < p->ncomp; c++) {
            if (!p->comp_rows[c])
                continue;
            Bitmapset *in = nullptr;
            pull_varattnos(b->comp_expr[c], 1, &in);
            int x = -1;
            while ((x = bms_next_member(in, x)) >= 0) {
                AttrNumber a = AttrNumber(x + FirstLowInvalidHeapAttributeNumber);
                bool held = m->order.attno == a;
                for (int k = 0; k < m->nkeys; k++)
                    held |= m->keys[k].attno == a;
                for (int k = 0; k < m->nstored; k++)
                    held |= m->stored[k].attno == a;
                if (!held)
                    fail(b, ERRCODE_FEATURE_NOT_SUPPORTED, -1,
                         psprintf("column \"%s\" (read by the FROM subquery's computed column \"%s\") is not held by "
                                  "skiplist index \"%s\"", attname_of(b, a),
                                  attname_of(b, AttrNumber(p->nreal + c + 1)), m->name),
                         "Add the column to the index's INCLUDE (...) list, or drop INCLUDE to hold all columns.");
            }
        }
    }
    // Execution state.
    // A bare window function's output is its result as computed (no
    // expression state: ~2.5 kB each, most of a wide deployment's plan).
    p->out_param = static_cast<int *>(palloc(sizeof(int) * Max(nout, 1)));
    i = 0;
    foreach (lc, outexprs) {
        Node *e = static_cast<Node *>(lfirst(lc));
        p->out_param[i] = IsA(e, Param) && reinterpret_cast<Param *>(e)->paramkind == PARAM_EXEC
                              ? reinterpret_cast<Param *>(e)->paramid
                              : -1;
        p->outputs[i] = p->out_param[i] >= 0 ? nullptr : ExecInitExpr(reinterpret_cast<Expr *>(e), nullptr);
        i++;
    }
    p->out_exprs = outexprs;  // in the plan's context (for the JIT)
    p->params = static_cast<ParamExecData *>(palloc0(sizeof(ParamExecData) * Max(p->naggs, 1)));
    p->econtext = CreateStandaloneExprContext();
    p->econtext->ecxt_param_exec_vals = p->params;
    p->req_slot = MakeSingleTupleTableSlot(p->heap_desc, &TTSOpsVirtual);
    p->row_slot = MakeSingleTupleTableSlot(p->heap_desc, &TTSOpsVirtual);
    p->out_desc = BlessTupleDesc(p->out_desc);
    p->call_cxt = AllocSetContextCreate(cxt, "feature_ext request", ALLOCSET_DEFAULT_SIZES);
    p->fake_agg = makeNode(AggState);
    ExprContext *aggcxt = makeNode(ExprContext);
    aggcxt->ecxt_per_tuple_memory = p->call_cxt;
    p->fake_agg->curaggcontext = aggcxt;
    p->fake_agg->tmpcontext = aggcxt;

    if (explain) {
        appendStringInfo(explain, "deployment %s over table %s\n", name, RelationGetRelationName(heap));
        if (p->ncomp > 0) {
            appendStringInfoString(explain, "  the request row computes (FROM subquery):");
            for (int c = 0; c < p->ncomp; c++)
                appendStringInfo(explain, "%s %s", c ? "," : "",
                                 quote_identifier(NameStr(TupleDescAttr(p->heap_desc, p->nreal + c)->attname)));
            bool any = false;
            for (int c = 0; c < p->ncomp; c++)
                if (p->comp_rows[c])
                    appendStringInfo(explain, "%s %s", any ? "," : "; and each stored row a window reads:",
                                     quote_identifier(NameStr(TupleDescAttr(p->heap_desc, p->nreal + c)->attname))),
                        any = true;
            appendStringInfoString(explain, any ? " (by PostgreSQL's evaluator: aggregates reading them interpreted)\n"
                                                : "; never for stored rows\n");
        }
        if (openmldb)
            appendStringInfo(explain, "  OpenMLDB dialect, planned as: %s\n", b->query);
        join_explain(p, explain, !bound);
        if (bound)
            appendStringInfo(explain, "  bound query: %s\n", b->query ? b->query : deparse_tree(b->tree));
        for (int g = 0; g < p->ngroups; g++) {
            GroupPlan *gp = &p->groups[g];
            if (gp->uni)
                union_explain(p, g, explain);
            if (gp->uni)
                appendStringInfoString(explain, "  read each table's index once per request: ");
            else
                appendStringInfo(explain, "  read index %s once per request: ", get_rel_name(gp->indexoid));
            if (gp->need_all)
                appendStringInfoString(explain, "all rows of the key\n");
            else if (gp->need_range)
                appendStringInfo(explain, "rows within the widest RANGE offset%s\n",
                                 gp->need_rows ? psprintf(" and at least %lld newest rows", (long long) gp->need_rows) : "");
            else
                appendStringInfo(explain, "the %lld newest rows\n", (long long) gp->need_rows);
            for (int w = 0; w < p->nwindows; w++) {
                WindowPlan *wp = &p->windows[w];
                if (wp->group != g)
                    continue;
                static const char *modes[] = {"ROWS", "RANGE", "GROUPS"};
                static const char *excl[] = {"", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES"};
                appendStringInfo(explain, "    window %d: %s frame%s%s", wp->winref, modes[wp->mode],
                                 wp->time_first ? " EXCLUDE CURRENT_TIME (before counting)" : "", excl[wp->excl]);
                if (wp->maxsize)
                    appendStringInfo(explain, " MAXSIZE %lld", (long long) wp->maxsize);
                appendStringInfoString(explain, "; aggregates:");
                for (int k = 0; k < p->naggs; k++)
                    if (p->aggs[k].window == w)
                        appendStringInfo(explain, " %s%s", format_procedure(p->aggs[k].aggfnoid),
                                         p->aggs[k].fast ? " [typed]" : "");
                appendStringInfoChar(explain, '\n');
            }
        }
        appendStringInfo(explain, "  outputs: %d columns; interpreter: [typed] = built-in loop, others PostgreSQL transition functions\n",
                         p->nout);
    }
    table_close(heap, NoLock);
    MemoryContextSwitchTo(old);
    if (bound)
        safe_leave(&pinned);
    if (check_only) {
        MemoryContextDelete(cxt);
        return nullptr;
    }
    MemoryContextSetParent(cxt, parent);
    return p;
}

}  // namespace
}  // namespace fe
