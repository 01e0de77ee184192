// feature_ext: union windows (see deploy/union_pg.hpp).
#include "feature_ext/deploy/union_pg.hpp"
#include "feature_ext/base/secure_pg.hpp"
#include "feature_ext/base/compat_pg.hpp"
#include "feature_ext/deploy/internal_pg.hpp"
#include "feature_ext/deploy/join_pg.hpp"
#include "feature_ext/deploy/union_order.hpp"
#include "feature_ext/jit/spec.hpp"


extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "tcop/tcopprot.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "optimizer/clauses.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

namespace fe {

const TableAmRoutine *feature_store_routine();
int run_jit_group(DeployPlan *p, int gi, const Rows *r, int64 base, Datum based, const Datum *reqv,
                  const bool *reqn);  // deploy/exec_pg.cpp

void union_window_add(DeployPlan *p, WindowPlan *w, Oid rel, bool no_instance, const char *cols, Oid join_rel)
{
    if (!w->uni)
        w->uni = static_cast<UnionWindow *>(MemoryContextAllocZero(p->cxt, sizeof(UnionWindow)));
    if (no_instance) {
        w->uni->no_instance = true;
        return;
    }
    for (int i = 0; i < w->uni->nrels; i++)
        if (w->uni->rels[i] == rel)
            ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT),
                            errmsg("table %s is named twice in the union of one window", get_rel_name(rel))));
    if (w->uni->nrels == kMaxUnionTables)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("a window unions at most %d tables", kMaxUnionTables)));
    w->uni->cols[w->uni->nrels] = cols ? MemoryContextStrdup(p->cxt, cols) : nullptr;
    w->uni->join_rels[w->uni->nrels] = join_rel;
    w->uni->rels[w->uni->nrels++] = rel;
}

namespace {

const char *qualified(Oid rel)
{
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(rel)), get_rel_name(rel));
}

// SELECT privilege and no row-level security: at deploy and at every call,
// as for the main table (docs/SECURITY.md).
void check_read(Oid rel)
{
    if (get_rel_relkind(rel) == '\0')
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("a union table of the deployment was dropped")));
    if (pg_class_aclcheck(rel, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for table %s", get_rel_name(rel))));
}

void check_rls(Relation r)
{
    if (r->rd_rel->relrowsecurity)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("table \"%s\" has row-level security enabled", RelationGetRelationName(r)),
                        errdetail("Deployments cannot enforce row-level security policies yet, and never bypass them."),
                        errhint("Disable row-level security on the table or deploy over a table without policies.")));
}

bool key_match(const IndexMeta *m, int nkeys, const AttrNumber *keys, AttrNumber order)
{
    if (m->order.attno != order || m->nkeys != nkeys)
        return false;
    for (int i = 0; i < nkeys; i++) {
        bool found = false;
        for (int k = 0; k < m->nkeys; k++)
            found |= m->keys[k].attno == keys[i];
        if (!found)
            return false;
    }
    return true;
}

// Payloads of index s decode with main index m's layout.
bool same_layout(const IndexMeta *m, const IndexMeta *s, const AttrNumber *to_main)
{
    if (!m || !s || m->nstored != s->nstored || m->stored_fixed != s->stored_fixed)
        return false;
    for (int i = 0; i < m->nstored; i++) {
        const ColInfo &a = m->stored[i], &b = s->stored[i];
        if (to_main[b.attno - 1] != a.attno || a.typid != b.typid || a.typlen != b.typlen ||
            a.typbyval != b.typbyval || a.bpchar != b.bpchar || a.fixed_off != b.fixed_off)
            return false;
    }
    return true;
}

// One identifier of a column list, unquoted ("Ab" keeps its case, Ab is ab).
const char *list_ident(const char **p)
{
    while (**p == ' ')
        (*p)++;
    StringInfoData s;
    initStringInfo(&s);
    if (**p == '"') {
        (*p)++;
        while (**p && !(**p == '"' && (*p)[1] != '"')) {
            if (**p == '"')
                (*p)++;
            appendStringInfoChar(&s, *(*p)++);
        }
        if (**p == '"')
            (*p)++;
    } else
        while (**p && **p != ',' && **p != ' ')
            appendStringInfoChar(&s, char(pg_tolower(static_cast<unsigned char>(*(*p)++))));
    while (**p == ' ')
        (*p)++;
    return s.data;
}

// The entries of a column list, split at top-level commas (not inside
// parentheses or quotes).
List *split_entries(const char *list)
{
    List *out = NIL;
    StringInfoData cur;
    initStringInfo(&cur);
    int depth = 0;
    char quote = 0;
    for (const char *c = list;; c++) {
        if (!*c || (*c == ',' && depth == 0 && !quote)) {
            const char *b = cur.data;
            int len = cur.len;
            while (len > 0 && (*b == ' ' || *b == '\n' || *b == '\t'))
                b++, len--;
            while (len > 0 && (b[len - 1] == ' ' || b[len - 1] == '\n' || b[len - 1] == '\t'))
                len--;
            out = lappend(out, pnstrdup(b, len));
            resetStringInfo(&cur);
            if (!*c)
                break;
            continue;
        }
        if (quote) {
            if (*c == quote)
                quote = 0;
        } else if (*c == '\'' || *c == '"')
            quote = *c;
        else if (*c == '(')
            depth++;
        else if (*c == ')')
            depth--;
        appendStringInfoChar(&cur, *c);
    }
    return out;
}

bool plain_ident_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c & 0x80) ||
           (!first && ((c >= '0' && c <= '9') || c == '$'));
}

// One identifier at *p (unquoted or "quoted"); false if there is none.
bool skip_ident(const char **p)
{
    const char *c = *p;
    if (*c == '"') {
        c++;
        for (;;) {
            if (!*c)
                return false;
            if (*c == '"' && c[1] == '"')
                c += 2;
            else if (*c == '"')
                break;
            else
                c++;
        }
        *p = c + 1;
        return true;
    }
    if (!plain_ident_char(*c, true))
        return false;
    while (plain_ident_char(*c, false))
        c++;
    *p = c;
    return true;
}

// "a" or "a AS c": a column of the table (as before computed entries).
bool plain_entry(const char *e)
{
    const char *c = e;
    while (*c == ' ')
        c++;
    if (!skip_ident(&c))
        return false;
    while (*c == ' ')
        c++;
    if (pg_strncasecmp(c, "as ", 3) == 0) {
        c += 3;
        while (*c == ' ')
            c++;
        if (!skip_ident(&c))
            return false;
        while (*c == ' ')
            c++;
    }
    return *c == '\0';
}

// A computed entry "expr AS c": the expression's text and the column (the
// last top-level AS followed by one identifier to the end); false if none.
bool split_computed(const char *e, char **expr, const char **dst)
{
    int depth = 0;
    char quote = 0;
    const char *as = nullptr;
    for (const char *c = e; *c; c++) {
        if (quote) {
            if (*c == quote)
                quote = 0;
            continue;
        }
        if (*c == '\'' || *c == '"')
            quote = *c;
        else if (*c == '(')
            depth++;
        else if (*c == ')')
            depth--;
        else if (depth == 0 && (*c == ' ' || *c == '\n' || *c == '\t') && pg_strncasecmp(c + 1, "as", 2) == 0 &&
                 (c[3] == ' ' || c[3] == '\n' || c[3] == '\t' || c[3] == '"')) {
            const char *d = c + 3;
            while (*d == ' ' || *d == '\n' || *d == '\t')
                d++;
            const char *end = d;
            if (skip_ident(&end)) {
                while (*end == ' ')
                    end++;
                if (!*end)
                    as = c;
            }
        }
    }
    if (!as)
        return false;
    *expr = pnstrdup(e, as - e);
    const char *d = as + 3;
    while (*d == ' ' || *d == '\n' || *d == '\t')
        d++;
    *dst = list_ident(&d);
    return true;
}

// Whole-row, system column or outer references: a computed entry reads the
// union table's own columns only.
bool bad_var_walker(Node *n, void *)
{
    if (!n)
        return false;
    if (IsA(n, Var)) {
        Var *v = reinterpret_cast<Var *>(n);
        return v->varattno <= 0 || v->varlevelsup != 0 || v->varno != 1;
    }
    if (IsA(n, Param) || IsA(n, SubLink) || IsA(n, Aggref) || IsA(n, WindowFunc) || IsA(n, GroupingFunc))
        return true;
    return expression_tree_walker(n, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(bad_var_walker)),
                                  nullptr);
}

[[noreturn]] void refuse_computed(const char *un, const char *wname, const char *expr, const char *what)
{
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("the computed column \"%s\" of table \"%s\" in the union of window \"%s\" %s", expr, un, wname,
                           what),
                    errhint("A computed union column is an expression of the union table's own row: its columns, "
                            "constants, casts and immutable or stable functions (docs/DEPLOY.md, \"Union windows\").")));
}

// A computed entry's expression, parsed and analysed over the union table as
// `SELECT expr FROM ONLY table` with the search_path pinned (names resolve
// in pg_catalog or as qualified, never through the caller's path).
Expr *parse_computed(Relation u, const char *expr, const char *wname)
{
    const char *un = RelationGetRelationName(u);
    char *sql = psprintf("SELECT %s FROM ONLY %s", expr, qualified(RelationGetRelid(u)));
    SafeScope sc;
    safe_enter(&sc, InvalidOid, 0);
    List *raw = pg_parse_query(sql);
    if (list_length(raw) != 1 || !IsA(linitial_node(RawStmt, raw)->stmt, SelectStmt))
        refuse_computed(un, wname, expr, "is not one expression");
    Query *q = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql, nullptr, 0, nullptr);
    safe_leave(&sc);
    if (list_length(q->rtable) != 1 || list_length(q->targetList) != 1 || q->jointree->quals || q->hasSubLinks ||
        q->hasAggs || q->hasWindowFuncs || q->hasTargetSRFs || q->groupClause || q->cteList || q->setOperations ||
        q->sortClause || q->limitCount || q->distinctClause || linitial_node(RangeTblEntry, q->rtable)->relid != RelationGetRelid(u))
        refuse_computed(un, wname, expr, "is not one expression of the table's row");
    Expr *e = linitial_node(TargetEntry, q->targetList)->expr;
    if (bad_var_walker(reinterpret_cast<Node *>(e), nullptr))
        refuse_computed(un, wname, expr,
                        "reads something other than the table's own columns (a whole row, a system column, a "
                        "subquery or an aggregate)");
    if (contain_volatile_functions(reinterpret_cast<Node *>(e)))
        refuse_computed(un, wname, expr, "calls a volatile function");
    return e;
}

// A union table's columns from a column list "a, b AS c, expr AS d" (the
// PostgreSQL-dialect UNION ALL branch, OpenMLDB's UNION (SELECT a, b AS c
// FROM t)): each listed column of the table provides the main table's column
// of the name after AS (or its own); same types.  An entry that is not a
// column ("bigint(c4str) AS c4", "date '2020-10-01' AS c8") is computed per
// row from the table's row (UnionSource::comp_*).
// Column name's attno in desc (the main table's, with a FROM subquery's
// computed columns), 0 if none.
AttrNumber desc_attnum(TupleDesc d, const char *name)
{
    for (int a = d->natts - 1; a >= 0; a--)  // (a computed column shadows the table's of its name)
        if (!TupleDescAttr(d, a)->attisdropped && strcmp(NameStr(TupleDescAttr(d, a)->attname), name) == 0)
            return AttrNumber(a + 1);
    return 0;
}

void map_columns(UnionSource *s, Relation u, Relation heap, TupleDesc md, const char *list, const char *wname)
{
    const char *un = RelationGetRelationName(u);
    TupleDesc ud = RelationGetDescr(u);
    const char *twice = nullptr;  // a column of the table listed twice
    List *entries = split_entries(list);
    s->comp_main = static_cast<AttrNumber *>(palloc0(sizeof(AttrNumber) * Max(list_length(entries), 1)));
    s->comp_state = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * Max(list_length(entries), 1)));
    s->comp_cols = static_cast<Bitmapset **>(palloc0(sizeof(Bitmapset *) * Max(list_length(entries), 1)));
    ListCell *lc;
    bool sub_join = false;
    foreach (lc, entries)
        sub_join |= pg_strncasecmp(static_cast<const char *>(lfirst(lc)), "last join ", 10) == 0;
    if (sub_join && !OidIsValid(s->join_relid))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("the column list of union table \"%s\" names a LAST JOIN, but no LAST JOIN table is given", un),
                        errhint("Write feature_ext.window_union('t'::regclass, 'columns, last join u', 'u'::regclass).")));
    foreach (lc, entries) {
        const char *entry = static_cast<const char *>(lfirst(lc));
        if (pg_strncasecmp(entry, "last join ", 10) == 0)  // OpenMLDB's UNION (SELECT ... FROM t LAST JOIN u ...)
            continue;
        if (!plain_entry(entry)) {
            char *expr;
            const char *dst;
            if (!split_computed(entry, &expr, &dst))
                ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
                                errmsg("invalid column list of union table \"%s\": \"%s\"", un, list),
                                errhint("Write columns of the table, each optionally followed by AS and a column of the "
                                        "deployment's table, or an expression of the table's row followed by AS and "
                                        "the column it stands for: 'a, b AS c, bigint(s) AS d'.")));
            AttrNumber ma = desc_attnum(md, dst);
            if (ma <= 0)
                ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                                errmsg("the computed column \"%s\" of table \"%s\" in the union of window \"%s\" stands "
                                       "for \"%s\", which table \"%s\" has not", expr, un, wname, dst,
                                       RelationGetRelationName(heap))));
            Expr *e = parse_computed(u, expr, wname);
            Form_pg_attribute matt = TupleDescAttr(md, ma - 1);
            if (exprType(reinterpret_cast<Node *>(e)) != matt->atttypid)
                ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                errmsg("the computed column \"%s\" of table \"%s\" in the union of window \"%s\" has type "
                                       "%s, not %s as column \"%s\" of table \"%s\"", expr, un, wname,
                                       format_type_be(exprType(reinterpret_cast<Node *>(e))),
                                       format_type_be(matt->atttypid), dst, RelationGetRelationName(heap)),
                                errhint("Give the computed column the type of \"%s\" (CAST(... AS %s)).", dst,
                                        format_type_be(matt->atttypid))));
            for (int a = 0; a < ud->natts; a++)
                if (s->to_main[a] == ma)
                    ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                                    errmsg("column \"%s\" is given twice in the union of window \"%s\"", dst, wname)));
            for (int c = 0; c < s->ncomp; c++)
                if (s->comp_main[c] == ma)
                    ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                                    errmsg("column \"%s\" is given twice in the union of window \"%s\"", dst, wname)));
            Bitmapset *cols = nullptr;
            pull_varattnos(reinterpret_cast<Node *>(e), 1, &cols);
            Bitmapset *plain = nullptr;
            int x = -1;
            while ((x = bms_next_member(cols, x)) >= 0)
                plain = bms_add_member(plain, x + FirstLowInvalidHeapAttributeNumber);
            s->comp_main[s->ncomp] = ma;
            s->comp_cols[s->ncomp] = plain;
            s->comp_all = bms_union(s->comp_all, plain);
            // ExecInitExpr checks EXECUTE on every function it calls.
            s->comp_state[s->ncomp] = ExecInitExpr(reinterpret_cast<Expr *>(expand_call_args(reinterpret_cast<Node *>(e))),
                                                   nullptr);
            s->ncomp++;
            continue;
        }
        const char *p = entry;
        const char *src = list_ident(&p);
        const char *dst = src;
        if (pg_strncasecmp(p, "as ", 3) == 0) {
            p += 3;
            dst = list_ident(&p);
        }
        AttrNumber ua = get_attnum(RelationGetRelid(u), src);
        if (ua <= 0 && dst == src && sub_join) {
            // a column of the subquery's LAST JOIN (union_bind_joins)
            s->join_cols = lappend(s->join_cols, pstrdup(src));
            continue;
        }
        if (ua > 0 && dst == src && desc_attnum(md, dst) <= 0) {
            // perhaps a joined column of the deployment (union_bind_joins)
            s->to_join[ua - 1] = -1;
            s->has_extra = true;
            continue;
        }
        if (ua <= 0)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("column \"%s\" of table \"%s\" in the union of window \"%s\" does not exist", src, un,
                                   wname)));
        AttrNumber ma = desc_attnum(md, dst);
        if (ma <= 0)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("column \"%s\" of table \"%s\" in the union of window \"%s\" stands for \"%s\", which "
                                   "table \"%s\" has not", src, un, wname, dst, RelationGetRelationName(heap))));
        Form_pg_attribute uatt = TupleDescAttr(ud, ua - 1), matt = TupleDescAttr(md, ma - 1);
        if (uatt->atttypid != matt->atttypid)
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("column \"%s\" of table \"%s\" in the union of window \"%s\" has type %s, not %s as "
                                   "column \"%s\" of table \"%s\"", src, un, wname, format_type_be(uatt->atttypid),
                                   format_type_be(matt->atttypid), dst, RelationGetRelationName(heap))));
        for (int a = 0; a < ud->natts; a++)
            if (s->to_main[a] == ma)
                ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                                errmsg("column \"%s\" is given twice in the union of window \"%s\"", dst, wname)));
        for (int c = 0; c < s->ncomp; c++)
            if (s->comp_main[c] == ma)
                ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                                errmsg("column \"%s\" is given twice in the union of window \"%s\"", dst, wname)));
        // One column of the table standing for two of the deployment's
        // (SELECT k, ts, v, v FROM t2): a source column maps to one column
        // (refused after the list's other checks).
        if (s->to_main[ua - 1] != 0) {
            twice = twice ? twice : src;
            continue;
        }
        s->to_main[ua - 1] = ma;
    }
    if (twice)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("column \"%s\" of table \"%s\" is selected twice in the union of window \"%s\"", twice,
                               un, wname),
                        errhint("Select each column of a union table once.")));
    if (s->ncomp)
        s->uslot = MakeSingleTupleTableSlot(CreateTupleDescCopy(ud), &TTSOpsVirtual);
}

}  // namespace

int union_group_for(DeployPlan *p, Relation heap, IndexMeta **metas, int nmetas, WindowPlan *w,
                    const char *wname, List *keys, AttrNumber order, int fix_flags, List **fixes)
{
    const UnionWindow *uw = w->uni;
    int nkeys = list_length(keys);
    AttrNumber kattr[INDEX_MAX_KEYS];
    for (int i = 0; i < nkeys; i++)
        kattr[i] = AttrNumber(list_nth_int(keys, i));
    // The same tables, keys and order: one group.
    for (int g = 0; g < p->ngroups; g++) {
        UnionGroup *ug = p->groups[g].uni;
        if (!ug || ug->order != order || ug->nkeys != nkeys || ug->uw->nrels != uw->nrels ||
            ug->uw->no_instance != uw->no_instance)
            continue;
        bool same = memcmp(ug->keys, kattr, sizeof(AttrNumber) * nkeys) == 0 &&
                    memcmp(ug->uw->rels, uw->rels, sizeof(Oid) * uw->nrels) == 0;
        for (int r = 0; r < uw->nrels && same; r++)
            same = (!ug->uw->cols[r] && !uw->cols[r]) ||
                   (ug->uw->cols[r] && uw->cols[r] && strcmp(ug->uw->cols[r], uw->cols[r]) == 0);
        if (same)
            return g;
    }
    const IndexMeta *mm = nullptr;  // the main table's index
    for (int i = 0; i < nmetas && !mm; i++)
        if (key_match(metas[i], nkeys, kattr, order))
            mm = metas[i];
    // The main table's index is missing: reported by the caller (with
    // create_index, after the union tables' missing indexes were listed too).
    bool main_missing = !mm && !uw->no_instance;
    if (main_missing && !(fix_flags & kFixCreateIndex))
        return -2;
    // Citus: over a distributed table a request runs on its key's node and
    // reads the colocated shard of each union table there, or a reference
    // table's copy (the key mapping is checked once planned:
    // citus_check_plan); any other table would be an empty shell or
    // whatever local table has its name on that node.
    CitusTable mt;
    bool main_citus = citus_table(RelationGetRelid(heap), &mt);
    for (int r = 0; r < uw->nrels; r++) {
        CitusTable ut;
        bool u_citus = citus_table(uw->rels[r], &ut);
        if (main_citus && (!u_citus || !(ut.method == 'h' || citus_is_reference(ut))))
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("the union of window \"%s\" over the Citus distributed table \"%s\" reads \"%s\", "
                                   "which is neither a Citus reference table nor a distributed table colocated with it",
                                   wname, RelationGetRelationName(heap), get_rel_name(uw->rels[r])),
                            errhint("A request runs on the node that holds its key: distribute %s by the column that "
                                    "stands for the window's partition key, colocated with %s (docs/SCALE-OUT.md).",
                                    qualified(uw->rels[r]), qualified(RelationGetRelid(heap)))));
        if (!main_citus && u_citus)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("the union of window \"%s\" cannot read table \"%s\": it is a Citus table", wname,
                                   get_rel_name(uw->rels[r])),
                            errdetail("Its rows live in shard tables on the worker nodes; here it is an empty shell."),
                            errhint("Deploy over a Citus distributed table colocated with it.")));
    }
    MemoryContext old = MemoryContextSwitchTo(p->cxt);
    UnionGroup *ug = static_cast<UnionGroup *>(palloc0(sizeof(UnionGroup)));
    ug->nkeys = nkeys;
    memcpy(ug->keys, kattr, sizeof(AttrNumber) * nkeys);
    ug->order = order;
    ug->uw = uw;
    ug->src = static_cast<UnionSource *>(palloc0(sizeof(UnionSource) * (uw->nrels + 1)));
    // (with the FROM subquery's computed columns, under its names)
    TupleDesc md = p->match_desc ? p->match_desc : p->heap_desc;
    if (mm) {
        UnionSource *s = &ug->src[ug->nsrc++];
        s->relid = RelationGetRelid(heap);
        s->indexoid = mm->indexoid;
        s->read = !uw->no_instance;
        s->natts = md->natts;
        s->to_main = static_cast<AttrNumber *>(palloc(sizeof(AttrNumber) * Max(md->natts, 1)));
        for (int a = 0; a < md->natts; a++)
            s->to_main[a] = TupleDescAttr(md, a)->attisdropped ? 0 : AttrNumber(a + 1);
        s->same_layout = true;
    }
    bool missing = false;
    for (int r = 0; r < uw->nrels; r++) {
        Oid rel = uw->rels[r];
        check_read(rel);
        Relation u = table_open(rel, AccessShareLock);
        const char *un = RelationGetRelationName(u);
        if (u->rd_rel->relkind != RELKIND_RELATION || u->rd_tableam != feature_store_routine())
            ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                            errmsg("table \"%s\" in the union of window \"%s\" is not a feature_store table", un, wname),
                            errhint("Union windows read feature_store tables through their skiplist indexes.")));
        if (u->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("table \"%s\" is a temporary table", un),
                            errhint("A deployment is called from other sessions: union permanent or unlogged tables.")));
        // PostgreSQL's executor reads a table's inheritance children with it;
        // its skiplist index holds the table's own rows only.
        if (has_subclass(rel) && find_inheritance_children(rel, NoLock) != NIL)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("table \"%s\" in the union of window \"%s\" has inheritance children", un, wname),
                            errdetail("Its skiplist index holds its own rows only, not its children's."),
                            errhint("Union each child table itself instead.")));
        if (rel == RelationGetRelid(heap))
            ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                            errmsg("window \"%s\" unions its own table \"%s\"", wname, un)));
        check_rls(u);
        // The main table's columns, by name, with the same types (OpenMLDB
        // requires the same schema; the order of the columns may differ).
        TupleDesc ud = RelationGetDescr(u);
        UnionSource *s = &ug->src[ug->nsrc++];
        s->relid = rel;
        s->read = true;
        s->natts = ud->natts;
        s->to_main = static_cast<AttrNumber *>(palloc0(sizeof(AttrNumber) * Max(ud->natts, 1)));
        s->to_join = static_cast<AttrNumber *>(palloc0(sizeof(AttrNumber) * Max(ud->natts, 1)));
        s->wname = pstrdup(wname);
        s->join_relid = uw->join_rels[r];
        if (OidIsValid(s->join_relid))
            check_read(s->join_relid);  // SELECT on the union subquery's LAST JOIN table (not read: union_bind_joins)
        if (uw->cols[r])
            map_columns(s, u, heap, md, uw->cols[r], wname);
        // The rows are found through the table's index on its key and order
        // columns: those are the table's own columns, not computed.
        for (int c = 0; c < s->ncomp; c++) {
            bool keycol = s->comp_main[c] == order;
            for (int i = 0; i < nkeys; i++)
                keycol |= s->comp_main[c] == kattr[i];
            if (keycol)
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("the union of window \"%s\" computes column \"%s\" of table \"%s\", a PARTITION BY "
                                       "or ORDER BY column", wname, NameStr(TupleDescAttr(md, s->comp_main[c] - 1)->attname), un),
                                errdetail("A union table's rows are read through its skiplist index on the window's "
                                          "partition and order columns."),
                                errhint("Select the table's own column for it (\"x AS %s\"), with the same type; compute "
                                        "only the other columns.", NameStr(TupleDescAttr(md, s->comp_main[c] - 1)->attname))));
        }
        int matched = 0, ucols = 0;
        for (int a = 0; a < ud->natts && !uw->cols[r]; a++) {
            Form_pg_attribute ua = TupleDescAttr(ud, a);
            if (ua->attisdropped)
                continue;
            ucols++;
            int ma = -1;
            for (int b = 0; b < md->natts; b++)
                if (!TupleDescAttr(md, b)->attisdropped && strcmp(NameStr(TupleDescAttr(md, b)->attname),
                                                                  NameStr(ua->attname)) == 0)
                    ma = b;
            if (ma < 0) {
                // Perhaps a joined column (a WINDOW UNION over a LAST JOIN's
                // result): bound after the joins are planned (union_bind_joins).
                s->to_join[a] = -1;
                s->has_extra = true;
                continue;
            }
            Form_pg_attribute mattr = TupleDescAttr(md, ma);
            if (mattr->atttypid != ua->atttypid)
                ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                errmsg("column \"%s\" of table \"%s\" in the union of window \"%s\" has type %s, not %s as in table \"%s\"",
                                       NameStr(ua->attname), un, wname, format_type_be(ua->atttypid),
                                       format_type_be(mattr->atttypid), RelationGetRelationName(heap))));
            s->to_main[a] = AttrNumber(ma + 1);
            matched++;
        }
        int mcols = 0;
        for (int b = 0; b < md->natts; b++)
            mcols += !TupleDescAttr(md, b)->attisdropped;
        if (matched != mcols && !uw->cols[r]) {
            for (int b = 0; b < md->natts; b++) {
                // (under a FROM subquery that computes columns, the table's
                // own columns need not all be there: those the windows read
                // are checked by union_check_held)
                // (nor a column the subquery leaves out: plan_impl named it
                // so that no union column matches it)
                if (TupleDescAttr(md, b)->attisdropped || (p->ncomp > 0 && b < p->nreal) ||
                    NameStr(TupleDescAttr(md, b)->attname)[0] == '\x01')
                    continue;
                bool found = false;
                for (int a = 0; a < ud->natts; a++)
                    found |= s->to_main[a] == b + 1;
                if (!found)
                    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                    errmsg("table \"%s\" in the union of window \"%s\" has no column \"%s\"", un, wname,
                                           NameStr(TupleDescAttr(md, b)->attname)),
                                    errhint("Union tables have the same columns as the deployment's table (by name, same types).")));
            }
        }
        (void) ucols;
        // Its index on the same key and order columns.
        AttrNumber ukeys[INDEX_MAX_KEYS], uorder = 0;
        for (int i = 0; i < nkeys; i++)
            ukeys[i] = 0;
        for (int a = 0; a < ud->natts; a++) {
            for (int i = 0; i < nkeys; i++)
                if (s->to_main[a] == kattr[i])
                    ukeys[i] = AttrNumber(a + 1);
            if (s->to_main[a] == order)
                uorder = AttrNumber(a + 1);
        }
        for (int i = 0; i <= nkeys; i++) {
            AttrNumber need = i < nkeys ? kattr[i] : order;
            if ((i < nkeys ? ukeys[i] : uorder) == 0)
                ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                                errmsg("the union of window \"%s\" does not select column \"%s\" from table \"%s\"", wname,
                                       NameStr(TupleDescAttr(md, need - 1)->attname), un),
                                errhint("A union table provides the window's PARTITION BY and ORDER BY columns.")));
        }
        IndexMeta **umetas;
        int num = heap_skiplist_indexes(u, &umetas);
        const IndexMeta *um = nullptr;
        for (int i = 0; i < num && !um; i++)
            if (key_match(umetas[i], nkeys, ukeys, uorder))
                um = umetas[i];
        StringInfoData ci;
        initStringInfo(&ci);
        appendStringInfo(&ci, "CREATE INDEX ON %s USING skiplist (", qualified(rel));
        for (int i = 0; i < nkeys; i++)
            appendStringInfo(&ci, "%s, ", quote_identifier(NameStr(TupleDescAttr(ud, ukeys[i] - 1)->attname)));
        appendStringInfo(&ci, "%s);", quote_identifier(NameStr(TupleDescAttr(ud, uorder - 1)->attname)));
        if (!um) {
            if (fix_flags & kFixCreateIndex) {
                *fixes = lappend(*fixes, ci.data);
                missing = true;
                table_close(u, NoLock);
                continue;
            }
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                            errmsg("no skiplist index on \"%s\" matches window \"%s\" (PARTITION BY ... ORDER BY %s)", un,
                                   wname, NameStr(TupleDescAttr(ud, uorder - 1)->attname)),
                            errhint("Create it: %s  (or deploy with options '{\"create_index\": true}')", ci.data)));
        }
        s->indexoid = um->indexoid;
        s->meta = copy_meta(p->cxt, um);
        // computed columns are not in the payloads: the interpreter computes them
        s->same_layout = s->ncomp == 0 && same_layout(mm, um, s->to_main);
        table_close(u, NoLock);
    }
    if (mm)
        ug->src[0].meta = copy_meta(p->cxt, mm);
    MemoryContextSwitchTo(old);
    if (main_missing)
        return -2;
    if (missing)
        return -1;
    GroupPlan *gp = &p->groups[p->ngroups];
    memset(gp, 0, sizeof(*gp));
    gp->uni = ug;
    // The group's own index (the kernel's payload layout) is the main
    // table's; without one (INSTANCE_NOT_IN_WINDOW) the group is interpreted.
    const IndexMeta *lm = mm ? mm : ug->src[0].meta;
    gp->indexoid = mm ? mm->indexoid : InvalidOid;
    gp->order_attno = order;
    gp->order_kind = lm ? lm->order_kind : kOrderInt8;
    gp->order_type = TupleDescAttr(md, order - 1)->atttypid;
    if (lm) {
        // request columns in the order of the keys of the first index read
        const UnionSource *s0 = &ug->src[0];
        gp->nkeys = lm->nkeys;
        for (int k = 0; k < lm->nkeys; k++)
            gp->key_attnos[k] = s0->to_main[lm->keys[k].attno - 1];
    } else {  // INSTANCE_NOT_IN_WINDOW without union tables: the request row alone
        gp->nkeys = nkeys;
        for (int k = 0; k < nkeys; k++)
            gp->key_attnos[k] = kattr[k];
        gp->order_kind = TupleDescAttr(md, order - 1)->atttypid == INT8OID ? kOrderInt8
                         : TupleDescAttr(md, order - 1)->atttypid == INT4OID ? kOrderInt4
                         : TupleDescAttr(md, order - 1)->atttypid == INT2OID ? kOrderInt2
                         : TupleDescAttr(md, order - 1)->atttypid == TIMESTAMPOID ? kOrderTimestamp
                         : TupleDescAttr(md, order - 1)->atttypid == TIMESTAMPTZOID ? kOrderTimestamptz
                         : TupleDescAttr(md, order - 1)->atttypid == DATEOID ? kOrderDate
                                                                            : kOrderInt8;
    }
    return p->ngroups++;
}

const IndexMeta **union_metas(DeployPlan *p, int g)
{
    UnionGroup *ug = p->groups[g].uni;
    const IndexMeta **r = static_cast<const IndexMeta **>(palloc0(sizeof(IndexMeta *) * (ug->nsrc + 1)));
    int n = 0;
    for (int i = 0; i < ug->nsrc; i++)
        if (ug->src[i].read && ug->src[i].relid != p->heapoid)
            r[n++] = ug->src[i].meta;
    return r;
}

void union_check_held(DeployPlan *p, int g, AttrNumber attno)
{
    UnionGroup *ug = p->groups[g].uni;
    // Only what the group's own window functions read (arguments, FILTER):
    // a column another window reads is not asked of its union tables.
    bool reads = false;
    for (int k = 0; k < p->naggs && !reads; k++) {
        if (p->windows[p->aggs[k].window].group != g)
            continue;
        Bitmapset *cols = nullptr;
        pull_varattnos(static_cast<Node *>(list_nth(p->agg_exprs, k)), 1, &cols);
        reads = bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, cols);
    }
    if (!reads)
        return;
    for (int i = 0; i < ug->nsrc; i++) {
        const UnionSource *s = &ug->src[i];
        if (!s->read)
            continue;
        if (s->relid == p->heapoid && attno > p->nreal)
            continue;  // a FROM subquery's computed column: from the columns it reads (plan_impl checks them)
        const IndexMeta *m = s->meta;
        bool held = false, provided = false;
        for (int c = 0; c < s->ncomp; c++) {
            if (s->comp_main[c] != attno)
                continue;
            // computed: every column the expression reads is held
            provided = held = true;
            int x = -1;
            while ((x = bms_next_member(s->comp_cols[c], x)) >= 0) {
                bool h = m->order.attno == x;
                for (int k = 0; k < m->nkeys; k++)
                    h |= m->keys[k].attno == x;
                for (int k = 0; k < m->nstored; k++)
                    h |= m->stored[k].attno == x;
                if (!h)
                    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                    errmsg("column \"%s\" of table \"%s\" (read by the union's computed column \"%s\") is "
                                           "not held by skiplist index \"%s\"", get_attname(s->relid, AttrNumber(x), false),
                                           get_rel_name(s->relid), get_attname(p->heapoid, attno, false), m->name),
                                    errhint("Add the column to the index's INCLUDE (...) list, or drop INCLUDE to hold all "
                                            "columns.")));
            }
        }
        for (int a = 0; a < s->natts; a++) {
            if (s->to_main[a] != attno)
                continue;
            provided = true;
            held = m->order.attno == a + 1;
            for (int k = 0; k < m->nkeys; k++)
                held |= m->keys[k].attno == a + 1;
            for (int k = 0; k < m->nstored; k++)
                held |= m->stored[k].attno == a + 1;
        }
        if (!provided)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("the window reads column \"%s\", which the union does not select from table \"%s\"",
                                   get_attname(p->heapoid, attno, false), get_rel_name(s->relid))));
        if (!held)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("column \"%s\" is not held by skiplist index \"%s\"", get_attname(p->heapoid, attno, false),
                                   m->name),
                            errhint("Add the column to the index's INCLUDE (...) list, or drop INCLUDE to hold all columns.")));
    }
}

namespace {
struct JoinedReads {
    DeployPlan *p;
    List *wc;
    int group;       // the window function's group while inside one, else -1
    Bitmapset **by_group;  // joined attnos read by each group's window functions
};

bool joined_reads_walker(Node *node, void *ctx)
{
    if (!node)
        return false;
    auto *r = static_cast<JoinedReads *>(ctx);
    if (IsA(node, WindowFunc)) {
        int outer = r->group, i = 0;
        ListCell *lc;
        foreach (lc, r->wc) {
            if (lfirst_node(WindowClause, lc)->winref == reinterpret_cast<WindowFunc *>(node)->winref &&
                i < r->p->nwindows)
                r->group = r->p->windows[i].group;
            i++;
        }
        bool res = expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(joined_reads_walker)),
                                          ctx);
        r->group = outer;
        return res;
    }
    if (IsA(node, Var) && reinterpret_cast<Var *>(node)->varno == INNER_VAR && r->group >= 0 &&
        r->group < r->p->ngroups)
        r->by_group[r->group] = bms_add_member(r->by_group[r->group], reinterpret_cast<Var *>(node)->varattno);
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(joined_reads_walker)),
                                  ctx);
}
}  // namespace

void union_bind_joins(DeployPlan *p, TupleDesc jdesc, List *tlist, List *window_clause, bool deploying)
{
    // The joined columns each group's window functions read.
    Bitmapset **reads = nullptr;
    if (jdesc) {
        reads = static_cast<Bitmapset **>(palloc0(sizeof(Bitmapset *) * Max(p->ngroups, 1)));
        JoinedReads r{p, window_clause, -1, reads};
        joined_reads_walker(reinterpret_cast<Node *>(tlist), &r);
    }
    for (int g = 0; g < p->ngroups; g++) {
        UnionGroup *ug = p->groups[g].uni;
        if (!ug)
            continue;
        for (int i = 0; i < ug->nsrc; i++) {
            UnionSource *s = &ug->src[i];
            if (s->join_cols == NIL)
                continue;
            // UNION (SELECT ... FROM t LAST JOIN u ...): the columns u
            // supplies would be one LAST JOIN per union row; not done.
            // A LAST JOIN keeps every row of t, so while no window function
            // reads them the union rows are t's rows: the join changes no answer.
            ListCell *lc;
            foreach (lc, s->join_cols) {
                const char *cn = static_cast<const char *>(lfirst(lc));
                int ja = -1;
                for (int b = 0; jdesc && b < jdesc->natts; b++)
                    if (!TupleDescAttr(jdesc, b)->attisdropped && strcmp(NameStr(TupleDescAttr(jdesc, b)->attname), cn) == 0)
                        ja = b + 1;
                bool main_col = get_attnum(p->heapoid, cn) > 0;
                if ((ja > 0 && reads && bms_is_member(ja, reads[g])) || main_col)
                    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                    errmsg("window \"%s\" reads column \"%s\", which the union's subquery over table "
                                           "\"%s\" takes from its LAST JOIN on %s: not supported",
                                           s->wname, cn, get_rel_name(s->relid), get_rel_name(s->join_relid)),
                                    errdetail("A union subquery with its own LAST JOIN is supported while the window "
                                              "functions read only its table's own columns (the join then changes no "
                                              "row of the union)."),
                                    errhint("Store the column in table \"%s\" (a union table may carry the joined "
                                            "columns), or leave it out of the window functions.",
                                            get_rel_name(s->relid))));
                if (ja < 0)
                    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                                    errmsg("column \"%s\" of the union's subquery over table \"%s\" is neither a column "
                                           "of table \"%s\" nor of its joins", cn, get_rel_name(s->relid),
                                           get_rel_name(p->heapoid))));
                // The subquery selects it from its LAST JOIN's table, which must
                // have it (checked at deploy; t4 is not read, so later DDL of
                // its columns changes no answer).
                if (deploying && get_attnum(s->join_relid, cn) == InvalidAttrNumber)
                    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                                    errmsg("column \"%s\" of the union's subquery over table \"%s\" is neither a column "
                                           "of table \"%s\" nor of its LAST JOIN's table \"%s\"",
                                           cn, get_rel_name(s->relid), get_rel_name(s->relid),
                                           get_rel_name(s->join_relid)),
                                    errhint("List only columns of table \"%s\" or \"%s\" in the union's subquery.",
                                            get_rel_name(s->relid), get_rel_name(s->join_relid))));
            }
        }
        for (int i = 0; i < ug->nsrc; i++) {
            UnionSource *s = &ug->src[i];
            if (!s->has_extra)
                continue;
            const char *un = get_rel_name(s->relid);
            for (int a = 0; a < s->natts; a++) {
                if (s->to_join[a] != -1)
                    continue;
                const char *an = get_attname(s->relid, AttrNumber(a + 1), false);
                Oid at = get_atttype(s->relid, AttrNumber(a + 1));
                int ja = -1;
                for (int b = 0; jdesc && b < jdesc->natts; b++)
                    if (!TupleDescAttr(jdesc, b)->attisdropped && strcmp(NameStr(TupleDescAttr(jdesc, b)->attname), an) == 0)
                        ja = ja == -1 ? b : -2;
                if (ja < 0)
                    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                    errmsg("table \"%s\" in the union of window \"%s\" has column \"%s\", which table \"%s\" "
                                           "has not%s",
                                           un, s->wname, an, get_rel_name(p->heapoid),
                                           ja == -2 ? " (and more than one joined column has its name)"
                                           : jdesc ? " nor its joins" : ""),
                                    errhint(jdesc ? "Union tables have the same columns as the deployment's table (by "
                                                    "name, same types), and may carry the columns of its LAST JOINs and "
                                                    "dimension lookups (a WINDOW UNION over a LAST JOIN's result)."
                                                  : "Union tables have the same columns as the deployment's table (by name, "
                                                    "same types).")));
                Form_pg_attribute jatt = TupleDescAttr(jdesc, ja);
                if (jatt->atttypid != at)
                    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                    errmsg("column \"%s\" of table \"%s\" in the union of window \"%s\" has type %s, not %s "
                                           "as the joined column \"%s\"",
                                           an, un, s->wname, format_type_be(at), format_type_be(jatt->atttypid), an)));
                bool held = false;
                for (int k = 0; k < s->meta->nstored; k++)
                    held |= s->meta->stored[k].attno == a + 1;
                if (!(reads && bms_is_member(ja + 1, reads[g]))) {
                    // Not read by the group's window functions: not decoded (held
                    // or not), and the union row needs no joined row of its own.
                    s->to_join[a] = 0;
                    continue;
                }
                if (!held)
                    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                    errmsg("column \"%s\" of table \"%s\" (the union's value of the joined column) is not "
                                           "held by skiplist index \"%s\"", an, un, s->meta->name),
                                    errhint("Add the column to the index's INCLUDE (...) list, or drop INCLUDE to hold all "
                                            "columns.")));
                s->to_join[a] = AttrNumber(ja + 1);
                s->has_join = true;
                if (!p->row_jslot)  // (in the plan's context)
                    p->row_jslot = MakeSingleTupleTableSlot(jdesc, &TTSOpsVirtual);
            }
        }
        // Every joined column the group's window functions read must be the
        // union rows' own: a union table that has not got it would give its
        // rows the request's joined value (no UNION ALL of the LAST JOIN's
        // result gives that).  A joined column named like a column of the
        // deployment's table cannot be a union table's: its column of that
        // name is the deployment table's.  Checked at every plan, so a union
        // table's column dropped or renamed after deploy fails the next call.
        if (!reads || bms_is_empty(reads[g]))
            continue;
        int jx = 0;
        while ((jx = bms_next_member(reads[g], jx)) >= 0) {
            const char *jn = NameStr(TupleDescAttr(jdesc, jx - 1)->attname);
            bool clash = get_attnum(p->heapoid, jn) > 0;
            for (int i = 1; i < ug->nsrc; i++) {  // (src[0]: the deployment's table)
                UnionSource *s = &ug->src[i];
                bool has = false;
                for (int a = 0; a < s->natts && s->to_join; a++)
                    has |= s->to_join[a] == jx;
                if (has)
                    continue;
                const char *un = get_rel_name(s->relid);
                if (clash)
                    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                    errmsg("window \"%s\" reads joined column \"%s\", which the rows of table \"%s\" in "
                                           "its union cannot supply: their column \"%s\" is table \"%s\"'s",
                                           s->wname, jn, un, jn, get_rel_name(p->heapoid)),
                                    errdetail("A union table's column stands for the joined column of its name only when "
                                              "the deployment's table has no column of that name."),
                                    errhint("Give the joined column another name (LAST JOIN (SELECT ..., %s AS %s_j ...) "
                                            "AS s ...) and carry it in the union table under that name.",
                                            jn, jn)));
                ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                errmsg("window \"%s\" reads joined column \"%s\", which table \"%s\" in its union has "
                                       "not",
                                       s->wname, jn, un),
                                errdetail("The union's rows are read with their own joined columns; a union row without "
                                          "it would take the request's joined value."),
                                errhint("Add column \"%s\" (type %s) to table \"%s\", or leave it out of the window "
                                        "functions.",
                                        jn, format_type_be(TupleDescAttr(jdesc, jx - 1)->atttypid), un)));
            }
        }
    }
}

void union_row_inner(DeployPlan *p, const Rows *r, int idx)
{
    ExprContext *ec = p->econtext;
    TupleTableSlot *js = join_slot(p);
    if (!js)
        return;
    if (idx < 0 || r->nj == 0 || !r->jown || !r->jown[idx]) {
        ec->ecxt_innertuple = js;
        return;
    }
    if (!p->row_jslot)
        elog(ERROR, "feature_ext: union row with joined columns but no slot for them");
    TupleTableSlot *rs = p->row_jslot;
    int nj = r->nj;
    size_t o = size_t(idx) * nj;
    slot_getallattrs(js);
    ExecClearTuple(rs);
    for (int j = 0; j < nj; j++) {
        bool own = r->jset[o + j];
        rs->tts_values[j] = own ? r->jvalues[o + j] : js->tts_values[j];
        rs->tts_isnull[j] = own ? r->jisnull[o + j] : js->tts_isnull[j];
    }
    ExecStoreVirtualTuple(rs);
    ec->ecxt_innertuple = rs;
}

void union_explain(DeployPlan *p, int g, StringInfo out)
{
    UnionGroup *ug = p->groups[g].uni;
    appendStringInfoString(out, "  union window: merge newest first, ties: main table, then union tables as written:");
    for (int i = 0; i < ug->nsrc; i++) {
        const UnionSource *s = &ug->src[i];
        if (s->read)
            appendStringInfo(out, " %s (index %s%s)", get_rel_name(s->relid), get_rel_name(s->indexoid),
                             s->ncomp ? ", computed columns: interpreted"
                             : s->same_layout ? "" : ", other payload layout: interpreted");
    }
    if (ug->uw->no_instance)
        appendStringInfoString(out, "; INSTANCE_NOT_IN_WINDOW: the main table's rows left out");
    appendStringInfoChar(out, '\n');
}

void union_check_call(DeployPlan *p)
{
    for (int g = 0; g < p->ngroups; g++) {
        UnionGroup *ug = p->groups[g].uni;
        if (!ug)
            continue;
        for (int i = 0; i < ug->uw->nrels; i++) {
            Oid rel = ug->uw->rels[i];
            check_read(rel);
            if (OidIsValid(ug->uw->join_rels[i]))
                check_read(ug->uw->join_rels[i]);  // the union subquery's LAST JOIN table (not read)
            // (RLS turned on after deploy: the relcache callback drops the
            // plan; the next plan refuses.  Checked here as well, cheaply.)
            Relation r = RelationIdGetRelation(rel);
            if (RelationIsValid(r)) {
                bool rls = r->rd_rel->relrowsecurity;
                RelationClose(r);
                if (rls)
                    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                    errmsg("table \"%s\" has row-level security enabled", get_rel_name(rel)),
                                    errdetail("Deployments cannot enforce row-level security policies yet, and never bypass them.")));
            }
        }
    }
}

bool union_plan_reads(const DeployPlan *p, Oid relid)
{
    if (!p)
        return false;
    for (int g = 0; g < p->ngroups; g++) {
        const UnionGroup *ug = p->groups[g].uni;
        if (!ug)
            continue;
        for (int i = 0; i < ug->nsrc; i++)
            if (ug->src[i].relid == relid || ug->src[i].indexoid == relid)
                return true;
    }
    return false;
}

void union_record_depends(const DeployPlan *p, const ObjectAddress *dependent)
{
    // Every union table column the plan maps (a main table column it
    // provides by name or by its column list, a joined column it carries, a
    // column a computed entry reads): a plan made again without one of them
    // is refused (42703 / 42804), so DROP COLUMN / ALTER COLUMN TYPE of them
    // are refused instead while the deployment exists, as for a view.
    for (int g = 0; g < p->ngroups; g++) {
        const UnionGroup *ug = p->groups[g].uni;
        if (!ug)
            continue;
        for (int i = 0; i < ug->nsrc; i++) {
            const UnionSource *s = &ug->src[i];
            if (s->relid == p->heapoid)
                continue;  // the deployment's own table: recordDependencyOnExpr of its query
            Bitmapset *need = nullptr;
            for (int a = 1; a <= s->natts; a++)
                if (s->to_main[a - 1] > 0 || (s->to_join && s->to_join[a - 1] > 0))
                    need = bms_add_member(need, a);
            for (int c = 0; c < s->ncomp; c++)
                need = bms_union(need, s->comp_cols[c]);
            int a = -1;
            while ((a = bms_next_member(need, a)) >= 0) {
                ObjectAddress col;
                ObjectAddressSubSet(col, RelationRelationId, s->relid, a);
                recordDependencyOn(dependent, &col, DEPENDENCY_NORMAL);
            }
        }
    }
}

void union_batch_check(DeployPlan *p, const char *what)
{
    union_check_call(p);
    for (int g = 0; g < p->ngroups; g++)
        if (p->groups[g].uni && !OidIsValid(p->groups[g].indexoid))
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("%s of deployment %s: an INSTANCE_NOT_IN_WINDOW window needs a skiplist index of "
                                   "table %s on its key offline", what, p->name, get_rel_name(p->heapoid)),
                            errhint("Create the index on the deployment's table with the window's PARTITION BY and "
                                    "ORDER BY columns.")));
}

namespace {

// The source's slot, re-resolved when its index changed.
void resolve(DeployPlan *p, UnionSource *s, const IndexMeta *main_meta)
{
    if (!cached_slot(p->cxt, s->indexoid, &s->slot, &s->slot_generation, &s->meta))
        return;
    if (main_meta && s->relid != p->heapoid)  // (computed columns are not in the payloads)
        s->same_layout = s->ncomp == 0 && same_layout(main_meta, s->meta, s->to_main);
}


// Each read source's rows of the request's key with order value up to
// base, newest first, as far back as the group's windows need, into
// sorder/spay/scount (per source; skip_main: not the deployment's table).
// Enters the store's read section (the payloads stay valid until the caller
// leaves it); returns the number of rows.
int read_sources(DeployPlan *p, GroupPlan *g, const Datum *reqv, const bool *reqn, int64 base, bool skip_main,
                 int64 **sorder, const uint8 ***spay, int *scount)
{
    UnionGroup *ug = g->uni;
    // Keys of each source's index (request values), encoded before the read
    // section.  (Plain palloc'd arrays: an error raised below unwinds no C++
    // object.)
    int ns = ug->nsrc;
    auto **keys = static_cast<uint8 **>(palloc0(sizeof(uint8 *) * Max(ns, 1)));
    auto *klens = static_cast<uint32 *>(palloc0(sizeof(uint32) * Max(ns, 1)));
    for (int i = 0; i < ns; i++) {
        UnionSource *s = &ug->src[i];
        if (!s->read || (skip_main && s->relid == p->heapoid))
            continue;
        Datum kv[INDEX_MAX_KEYS];
        bool kn[INDEX_MAX_KEYS];
        for (int k = 0; k < s->meta->nkeys; k++) {
            AttrNumber ma = s->to_main[s->meta->keys[k].attno - 1];
            kv[k] = reqv[ma - 1];
            kn[k] = reqn[ma - 1];
        }
        klens[i] = encode_key_values(s->meta, kv, kn, &keys[i]);
    }
    // What the group's windows need of each source (as collect(); any
    // source's rows beyond these cannot be in a frame of the merge).
    bool range_fast = true;
    int64 range_lo = group_range_lo(p, g, base, &range_fast);
    bool all = g->need_all || (g->need_range && !range_fast);
    int total = 0;
    core::Store &st = store();
    TimestampTz now = GetCurrentTimestamp();
    st.reader_enter(reader_id());
    for (int i = 0; i < ns; i++) {
        UnionSource *s = &ug->src[i];
        if (!s->read || (skip_main && s->relid == p->heapoid))
            continue;
        uint32 hash = core::Store::hash_key(keys[i], klens[i]);
        core::TtlRule rule = slot_rule(s->slot, now);
        const core::KeyEntry *k = st.find_key(s->slot, hash, keys[i], klens[i]);
        if (!k)
            continue;
        core::Store::Cursor c;
        int npeers = 0, n = 0, cap = 16;
        sorder[i] = static_cast<int64 *>(palloc(sizeof(int64) * cap));
        spay[i] = static_cast<const uint8 **>(palloc(sizeof(uint8 *) * cap));
        // A LAST JOIN subquery's window (collect()): the request is a stored
        // row of the deployment's table, not read again, nor (ROWS) its
        // peers inserted after it.
        bool sub_skip = p->sub_row && s->relid == p->heapoid, sub_seen = false;
        for (c.seek(st, k, base, rule); c.valid(); c.next()) {
            core::RowView r = c.row();
            if (sub_skip && !sub_seen) {
                if (r.tid_block == p->sub_tid_block && r.tid_off == p->sub_tid_off) {
                    sub_seen = true;
                    continue;
                }
                if (g->peers_follow && r.order == base)
                    continue;
            }
            bool want = all || n - npeers < g->need_rows || r.order == base ||
                        (g->need_range && r.order >= range_lo);
            if (!want)
                break;
            if (n == cap) {
                cap *= 2;
                sorder[i] = static_cast<int64 *>(repalloc(sorder[i], sizeof(int64) * cap));
                spay[i] = static_cast<const uint8 **>(repalloc(spay[i], sizeof(uint8 *) * cap));
            }
            npeers += r.order == base;
            sorder[i][n] = r.order;
            spay[i][n] = r.payload;
            n++;
        }
        scount[i] = n;
        total += n;
    }
    return total;
}

// Rows of a group whose union tables supply joined columns of their own:
// room for them (decode_row fills it; rows of other tables: jown false).
void alloc_joined(DeployPlan *p, UnionGroup *ug, Rows *out, int n)
{
    bool any = false;
    for (int i = 0; i < ug->nsrc; i++)
        any |= ug->src[i].read && ug->src[i].has_join;
    TupleDesc jd = join_desc(p);
    if (!any || !jd)
        return;
    out->nj = jd->natts;
    size_t m = size_t(Max(n, 1)) * out->nj;
    out->jvalues = static_cast<Datum *>(palloc(sizeof(Datum) * m));
    out->jisnull = static_cast<bool *>(palloc(sizeof(bool) * m));
    out->jset = static_cast<bool *>(palloc0(sizeof(bool) * m));
    out->jown = static_cast<bool *>(palloc0(sizeof(bool) * Max(n, 1)));
}

// Rows whose computed columns are still to be evaluated.
struct PendingRow {
    const UnionSource *s;
    Datum *v;   // the row's values in the main table's layout
    bool *nl;
    Datum *uv;  // its inputs in the union table's layout
    bool *un;
};
struct Pending {
    int n;
    PendingRow *rows;  // capacity: the rows read
};

// A union table's row (payload pl of source s) in the main table's layout.
void decode_row(DeployPlan *p, GroupPlan *g, const UnionSource *s, const uint8 *pl, Datum od, const Datum *reqv,
                const bool *reqn, Datum *v, bool *nl, Pending *pend, Rows *out = nullptr, int idx = -1)
{
    if (out && out->nj > 0) {
        // Joined columns the row supplies itself (union_bind_joins).
        size_t o = size_t(idx) * out->nj;
        out->jown[idx] = s->has_join;
        for (int j = 0; j < out->nj; j++) {
            out->jset[o + j] = false;
            out->jisnull[o + j] = true;
            out->jvalues[o + j] = Datum(0);
        }
        if (s->has_join)
            for (int sc = 0; sc < s->meta->nstored; sc++) {
                AttrNumber ja = s->to_join[s->meta->stored[sc].attno - 1];
                if (ja <= 0)
                    continue;
                out->jset[o + ja - 1] = true;
                out->jvalues[o + ja - 1] = decode_stored(s->meta, pl, sc, &out->jisnull[o + ja - 1]);
            }
    }
    int natts = p->natts;
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
    const IndexMeta *m = s->meta;
    for (int sc = 0; sc < m->nstored; sc++) {
        AttrNumber a = s->to_main[m->stored[sc].attno - 1];
        if (a <= 0 || !p->cols_needed[a - 1])
            continue;
        v[a - 1] = decode_stored(m, pl, sc, &nl[a - 1]);
    }
    if (s->ncomp == 0)
        return;
    // Computed columns: the table's row in its own layout (the columns the
    // expressions read, copied out of the store), evaluated by
    // compute_pending() after the read section is left (an expression may
    // call any function).
    bool any = false;
    for (int c = 0; c < s->ncomp; c++)
        any |= p->cols_needed[s->comp_main[c] - 1];
    if (!any)
        return;
    int un = s->uslot->tts_tupleDescriptor->natts;
    PendingRow *pr = &pend->rows[pend->n++];
    pr->s = s;
    pr->v = v;
    pr->nl = nl;
    pr->uv = static_cast<Datum *>(palloc0(sizeof(Datum) * Max(un, 1)));
    pr->un = static_cast<bool *>(palloc(sizeof(bool) * Max(un, 1)));
    for (int a = 0; a < un; a++)
        pr->un[a] = true;
    for (int sc = 0; sc < m->nstored; sc++) {
        AttrNumber ua = m->stored[sc].attno;
        if (bms_is_member(ua, s->comp_all))
            pr->uv[ua - 1] = decode_stored(m, pl, sc, &pr->un[ua - 1]);
    }
    for (int k = 0; k < m->nkeys; k++) {  // the key: the request's (a key column is a plain column)
        AttrNumber ua = m->keys[k].attno, ma = s->to_main[ua - 1];
        if (ma > 0) {
            pr->uv[ua - 1] = reqv[ma - 1];
            pr->un[ua - 1] = reqn[ma - 1];
        }
    }
    pr->uv[m->order.attno - 1] = od;
    pr->un[m->order.attno - 1] = false;
}

// The computed columns of the rows decode_row() left pending.  Each row's
// evaluation runs in a scratch context reset after the row; only the values
// are kept (copied into the caller's context), so a request's memory grows
// with the values it keeps, not with what the expressions allocate on the
// way (length(repeat(s, 500)) per union row), as compute_stored_columns.
void compute_pending(DeployPlan *p, const Pending *pend)
{
    if (pend->n == 0)
        return;
    ExprContext *ec = p->econtext;
    TupleTableSlot *saved = ec->ecxt_scantuple;
    MemoryContext scratch = comp_row_context(p);
    MemoryContext keep = CurrentMemoryContext;
    MemoryContextReset(scratch);  // (what an error left behind)
    for (int i = 0; i < pend->n; i++) {
        const PendingRow *pr = &pend->rows[i];
        const UnionSource *s = pr->s;
        TupleTableSlot *us = s->uslot;
        ExecClearTuple(us);
        int un = us->tts_tupleDescriptor->natts;
        memcpy(us->tts_values, pr->uv, sizeof(Datum) * un);
        memcpy(us->tts_isnull, pr->un, sizeof(bool) * un);
        ExecStoreVirtualTuple(us);
        ec->ecxt_scantuple = us;
        for (int c = 0; c < s->ncomp; c++) {
            AttrNumber a = s->comp_main[c];
            if (!p->cols_needed[a - 1])
                continue;
            MemoryContextSwitchTo(scratch);
            Datum d = ExecEvalExpr(s->comp_state[c], ec, &pr->nl[a - 1]);
            MemoryContextSwitchTo(keep);
            // (the type of the deployment's column a: map_columns checked it)
            Form_pg_attribute att = TupleDescAttr(p->heap_desc, a - 1);
            pr->v[a - 1] = pr->nl[a - 1] || att->attbyval ? d : datumCopy(d, false, att->attlen);
        }
        MemoryContextReset(scratch);
    }
    ec->ecxt_scantuple = saved;
}

}  // namespace

int union_collect(DeployPlan *p, GroupPlan *g, const Datum *reqv, const bool *reqn, int64 base, Datum based,
                  Rows *out, int jit_group)
{
    UnionGroup *ug = g->uni;
    int natts = p->natts;
    // Main index first: the kernel's layout.
    const IndexMeta *main_meta = nullptr;
    if (ug->nsrc > 0 && ug->src[0].relid == p->heapoid) {
        resolve(p, &ug->src[0], nullptr);
        main_meta = ug->src[0].meta;
        g->meta = ug->src[0].meta;
        g->slot = ug->src[0].slot;
        g->slot_generation = ug->src[0].slot_generation;
    }
    bool use_jit = jit_group >= 0;
    for (int i = 0; i < ug->nsrc; i++)
        if (ug->src[i].read) {
            resolve(p, &ug->src[i], main_meta);
            use_jit &= ug->src[i].same_layout;
        }
    if (jit_group >= 0 && !use_jit)
        return jit::kNeedInterpreter;
    int ns = ug->nsrc;
    auto **sorder = static_cast<int64 **>(palloc0(sizeof(int64 *) * Max(ns, 1)));
    auto ***spay = static_cast<const uint8 ***>(palloc0(sizeof(uint8 **) * Max(ns, 1)));
    auto *scount = static_cast<int *>(palloc0(sizeof(int) * Max(ns, 1)));
    int rc = 0;
    core::Store &st = store();
    int total = read_sources(p, g, reqv, reqn, base, false, sorder, spay, scount);
    // Merge (union_order.hpp) and decode into the main table's layout.
    auto *merged = static_cast<UnionRowRef *>(palloc(sizeof(UnionRowRef) * Max(total, 1)));
    int *at = static_cast<int *>(palloc(sizeof(int) * Max(ns, 1)));
    int n = union_merge(sorder, scount, ns, at, merged);
    out->n = n;
    out->order = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
    out->orderd = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    out->payloads = static_cast<const uint8 **>(palloc(sizeof(uint8 *) * Max(n, 1)));
    // (values only for the interpreter: not when the kernel computes every aggregate of the group)
    bool decode = !use_jit || !p->jit->groups[jit_group].all_jitted;
    out->values = decode ? static_cast<Datum *>(palloc(sizeof(Datum) * size_t(Max(n, 1)) * natts)) : nullptr;
    out->isnull = decode ? static_cast<bool *>(palloc(sizeof(bool) * size_t(Max(n, 1)) * natts)) : nullptr;
    Pending pend{0, static_cast<PendingRow *>(palloc(sizeof(PendingRow) * Max(n, 1)))};
    if (decode)
        alloc_joined(p, ug, out, n);
    for (int i = 0; i < n; i++) {
        const UnionRowRef &ref = merged[i];
        int64 ov = sorder[ref.src][ref.idx];
        const uint8 *pl = spay[ref.src][ref.idx];
        out->order[i] = ov;
        out->orderd[i] = order_to_datum(g->order_kind, ov);
        out->payloads[i] = pl;
        if (decode)
            decode_row(p, g, &ug->src[ref.src], pl, out->orderd[i], reqv, reqn, out->values + size_t(i) * natts,
                       out->isnull + size_t(i) * natts, &pend, out, i);
    }
    if (use_jit)
        rc = run_jit_group(p, jit_group, out, base, based, reqv, reqn);
    st.reader_exit(reader_id());
    compute_pending(p, &pend);
    if (decode && g->comp_rows && ns > 0 && ug->src[0].read && ug->src[0].relid == p->heapoid)
        for (int i = 0; i < n; i++)  // the deployment's table's rows: its FROM subquery's columns
            if (merged[i].src == 0)
                compute_stored_columns(p, 1, out->values + size_t(i) * natts, out->isnull + size_t(i) * natts);
    return rc;
}

}  // namespace fe

namespace fe {

bool union_batch_rows(DeployPlan *p, int gi, const Rows *mainv, const Datum *reqv, const bool *reqn, int64 base,
                      Datum based, Rows *out, const IndexMeta *main_meta, JitPlan *jp, JitGroup *jg,
                      const uint8 *req, jit::KFrame *kframes, int *rc)
{
    GroupPlan *g = &p->groups[gi];
    UnionGroup *ug = g->uni;
    int natts = p->natts, ns = ug->nsrc;
    bool use_jit = jg && main_meta;
    for (int i = 0; i < ns; i++)
        if (ug->src[i].read && ug->src[i].relid != p->heapoid) {
            resolve(p, &ug->src[i], use_jit ? main_meta : nullptr);
            use_jit &= ug->src[i].same_layout;
        }
    auto **sorder = static_cast<int64 **>(palloc0(sizeof(int64 *) * Max(ns, 1)));
    auto ***spay = static_cast<const uint8 ***>(palloc0(sizeof(uint8 **) * Max(ns, 1)));
    auto *scount = static_cast<int *>(palloc0(sizeof(int) * Max(ns, 1)));
    core::Store &st = store();
    int total = read_sources(p, g, reqv, reqn, base, true, sorder, spay, scount);
    // The deployment's table's rows: the batch's history (source 0 when read).
    bool main_in = ns > 0 && ug->src[0].relid == p->heapoid && ug->src[0].read;
    if (main_in) {
        sorder[0] = mainv->order;
        scount[0] = mainv->n;
        total += mainv->n;
        use_jit &= mainv->payloads != nullptr;
    }
    auto *merged = static_cast<UnionRowRef *>(palloc(sizeof(UnionRowRef) * Max(total, 1)));
    int *at = static_cast<int *>(palloc(sizeof(int) * Max(ns, 1)));
    int n = union_merge(sorder, scount, ns, at, merged);
    out->n = n;
    out->order = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
    out->orderd = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    out->payloads = use_jit ? static_cast<const uint8 **>(palloc(sizeof(uint8 *) * Max(n, 1))) : nullptr;
    // (values only for the interpreter: not when the kernel computes every aggregate of the group)
    bool decode = !use_jit || !jg->all_jitted;
    out->values = decode ? static_cast<Datum *>(palloc(sizeof(Datum) * size_t(Max(n, 1)) * natts)) : nullptr;
    out->isnull = decode ? static_cast<bool *>(palloc(sizeof(bool) * size_t(Max(n, 1)) * natts)) : nullptr;
    Pending pend{0, static_cast<PendingRow *>(palloc(sizeof(PendingRow) * Max(n, 1)))};
    if (decode)
        alloc_joined(p, ug, out, n);
    for (int i = 0; i < n; i++) {
        const UnionRowRef &ref = merged[i];
        out->order[i] = sorder[ref.src][ref.idx];
        if (main_in && ref.src == 0) {
            out->orderd[i] = mainv->orderd[ref.idx];
            if (use_jit)
                out->payloads[i] = mainv->payloads[ref.idx];
            if (decode && out->nj > 0)
                out->jown[i] = false;
            if (decode) {
                memcpy(out->values + size_t(i) * natts, mainv->values + size_t(ref.idx) * natts, sizeof(Datum) * natts);
                memcpy(out->isnull + size_t(i) * natts, mainv->isnull + size_t(ref.idx) * natts, sizeof(bool) * natts);
            }
            continue;
        }
        out->orderd[i] = order_to_datum(g->order_kind, out->order[i]);
        if (use_jit)
            out->payloads[i] = spay[ref.src][ref.idx];
        if (decode)
            decode_row(p, g, &ug->src[ref.src], spay[ref.src][ref.idx], out->orderd[i], reqv, reqn,
                       out->values + size_t(i) * natts, out->isnull + size_t(i) * natts, &pend, out, i);
    }
    if (use_jit)  // the union tables' payloads are valid only inside the read section
        *rc = call_group_kernel(p, jp, jg, out, base, based, req, reqv, reqn, kframes);
    st.reader_exit(reader_id());
    compute_pending(p, &pend);
    return use_jit;
}

}  // namespace fe

// ---- the PostgreSQL dialect: a window over a UNION ALL subquery
extern "C" {
#include "catalog/pg_collation_d.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_type_d.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "utils/ruleutils.h"
}

namespace fe {
namespace {

[[noreturn]] void refuse_union_all(const char *what)
{
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("a union window's subquery %s", what),
                    errhint("Write FROM (SELECT k, ts, v FROM t UNION ALL SELECT k, ts, v FROM t2) u: plain "
                            "columns of one table per branch, matched by position as in UNION ALL, the deployment's "
                            "table first (docs/DEPLOY.md, \"Union windows\").")));
}

void union_leaves(Query *sq, Node *n, List **out)
{
    if (IsA(n, RangeTblRef)) {
        *out = lappend(*out, rt_fetch(reinterpret_cast<RangeTblRef *>(n)->rtindex, sq->rtable));
        return;
    }
    auto *so = reinterpret_cast<SetOperationStmt *>(n);
    if (!IsA(n, SetOperationStmt) || so->op != SETOP_UNION || !so->all)
        refuse_union_all("must be a UNION ALL (UNION, INTERSECT and EXCEPT are not supported)");
    union_leaves(sq, so->larg, out);
    union_leaves(sq, so->rarg, out);
}

struct VarMap {
    AttrNumber *attno;  // union output column (1-based) -> main table attno
    int n;
    Oid relid;
};

Node *map_vars(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    if (IsA(node, Var)) {
        auto *m = static_cast<VarMap *>(ctx);
        Var *v = reinterpret_cast<Var *>(node);
        if (v->varlevelsup == 0 && v->varno == 1) {
            if (v->varattno <= 0 || v->varattno > m->n)
                refuse_union_all("is read as a whole row");
            AttrNumber a = m->attno[v->varattno - 1];
            Oid typ;
            int32 typmod;
            Oid coll;
            get_atttypetypmodcoll(m->relid, a, &typ, &typmod, &coll);
            if (typ != v->vartype)
                refuse_union_all("has a column whose type differs between its branches");
            Var *nv = makeVar(1, a, typ, typmod, coll, 0);
            nv->location = v->location;
            return reinterpret_cast<Node *>(nv);
        }
        return node;
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)()>(map_vars)), ctx);
}

}  // namespace

namespace {

struct SubMap {
    Query *sq;          // the subquery
    AttrNumber *attno;  // its output column (1-based) -> attno over the table (virtual ones past nreal)
    int n;
};

Node *map_sub_vars(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    if (IsA(node, Var)) {
        auto *m = static_cast<SubMap *>(ctx);
        Var *v = reinterpret_cast<Var *>(node);
        if (v->varlevelsup == 0 && v->varno == 1) {
            if (v->varattno <= 0 || v->varattno > m->n)
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("the deployment's FROM subquery is read as a whole row"),
                                errhint("Name its columns.")));
            Var *nv = makeVar(1, m->attno[v->varattno - 1], v->vartype, v->vartypmod, v->varcollid, 0);
            nv->location = v->location;
            return reinterpret_cast<Node *>(nv);
        }
        return node;
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)()>(map_sub_vars)),
                                   ctx);
}

}  // namespace

namespace {

// A whole-row or system column reference of the subquery's table.
bool whole_row_walker(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, Var))
        return reinterpret_cast<Var *>(node)->varlevelsup == 0 && reinterpret_cast<Var *>(node)->varattno <= 0;
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(whole_row_walker)), ctx);
}

[[noreturn]] void refuse_sub(const char *what)
{
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s in the deployment's FROM subquery is not supported", what),
                    errdetail("The FROM subquery of a deployment is a projection of its table: a select list of its "
                              "columns and expressions over them, evaluated on the request row."),
                    errhint("Keep only the select list in the subquery (SELECT a, int(b) AS c FROM t); filter the rows "
                            "you request or train on instead, or use FILTER (WHERE ...) on the aggregates.")));
}

}  // namespace

namespace {

// map_sub_vars over a whole query with joins: the subquery's Vars at any
// level (a LATERAL subquery reads them one level up, a join's alias
// variables, ON conditions).
struct SubMapLv {
    SubMap *m;
    int level;
};

Node *map_sub_vars_lv(Node *node, void *ctx)
{
    if (!node)
        return nullptr;
    auto *c = static_cast<SubMapLv *>(ctx);
    if (IsA(node, Var)) {
        Var *v = reinterpret_cast<Var *>(node);
        if (int(v->varlevelsup) == c->level && v->varno == 1) {
            if (v->varattno <= 0 || v->varattno > c->m->n)
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("the deployment's FROM subquery is read as a whole row"),
                                errhint("Name its columns.")));
            Var *nv = makeVar(1, c->m->attno[v->varattno - 1], v->vartype, v->vartypmod, v->varcollid,
                              v->varlevelsup);
            nv->location = v->location;
            return reinterpret_cast<Node *>(nv);
        }
        return node;
    }
    if (IsA(node, Query)) {
        c->level++;
        Node *r = reinterpret_cast<Node *>(query_tree_mutator(
            reinterpret_cast<Query *>(node), reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)()>(map_sub_vars_lv)),
            ctx, 0));
        c->level--;
        return r;
    }
    return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)()>(map_sub_vars_lv)),
                                   ctx);
}

// A Var of the deployment's table (varno 1, at the walk's level) past its
// own columns: a column the FROM subquery computes.
struct CompVarWalk {
    int level;
    int nreal;
    const Var *found;
};

bool comp_var_walker(Node *node, void *ctx)
{
    if (!node)
        return false;
    auto *c = static_cast<CompVarWalk *>(ctx);
    if (IsA(node, Var)) {
        const Var *v = reinterpret_cast<Var *>(node);
        if (int(v->varlevelsup) == c->level && v->varno == 1 && v->varattno > c->nreal) {
            c->found = v;
            return true;
        }
        return false;
    }
    if (IsA(node, Query)) {
        c->level++;
        bool r = query_tree_walker(reinterpret_cast<Query *>(node),
                                   reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(comp_var_walker)), ctx, 0);
        c->level--;
        return r;
    }
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(comp_var_walker)),
                                  ctx);
}

// FROM (subquery) x LEFT JOIN LATERAL (...) ... : the subquery is the
// first item of the join tree (the deployment's table, then its joins).
bool sub_first_of_joins(Query *q)
{
    if (list_length(q->rtable) < 2 || list_length(q->jointree->fromlist) != 1)
        return false;
    Node *n = static_cast<Node *>(linitial(q->jointree->fromlist));
    while (IsA(n, JoinExpr))
        n = reinterpret_cast<JoinExpr *>(n)->larg;
    return IsA(n, RangeTblRef) && reinterpret_cast<RangeTblRef *>(n)->rtindex == 1;
}

}  // namespace

bool from_subquery_rewrite(Query *q)
{
    bool joins = list_length(q->rtable) != 1;
    if (joins && !sub_first_of_joins(q))
        return false;
    RangeTblEntry *rte = linitial_node(RangeTblEntry, q->rtable);
    if (rte->rtekind != RTE_SUBQUERY || !rte->subquery || rte->subquery->setOperations)
        return false;
    Query *in = rte->subquery;
    // (the subquery as written: its own windows are planned over the table
    // as a sub-plan, DeployPlan::win_sub)
    Query *win_in = in->hasWindowFuncs ? static_cast<Query *>(copyObjectImpl(in)) : nullptr;
    if (in->commandType != CMD_SELECT || list_length(in->jointree->fromlist) != 1 ||
        !IsA(linitial(in->jointree->fromlist), RangeTblRef) ||
        rt_fetch(linitial_node(RangeTblRef, in->jointree->fromlist)->rtindex, in->rtable)->rtekind != RTE_RELATION)
        return false;  // (refused by the planner: "reads exactly one table")
    // A subquery over one table that is more than a projection of it: what
    // it holds is refused by name (never partly honoured).  Grouping first:
    // PostgreSQL 18 gives a grouped query a second range table entry.
    if (in->groupClause || in->groupingSets || in->havingQual || in->hasAggs)
        refuse_sub("GROUP BY or an aggregate");
    if (list_length(in->rtable) != 1)
        return false;
    if (in->jointree->quals)
        refuse_sub("WHERE");
    if (in->distinctClause)
        refuse_sub("DISTINCT");
    if (in->limitCount || in->limitOffset)
        refuse_sub("LIMIT or OFFSET");
    if (in->sortClause)
        refuse_sub("ORDER BY");
    if (in->hasTargetSRFs)
        refuse_sub("a set-returning function");
    if (in->hasSubLinks || in->cteList)
        refuse_sub("a subquery or WITH");
    if (in->rowMarks)
        refuse_sub("FOR UPDATE or FOR SHARE");
    if (linitial_node(RangeTblEntry, in->rtable)->tablesample)
        refuse_sub("TABLESAMPLE");
    if (contain_vars_of_level(reinterpret_cast<Node *>(in), 1))
        refuse_sub("a reference to the outer query");
    RangeTblEntry *rel = linitial_node(RangeTblEntry, in->rtable);
    Relation rr = table_open(rel->relid, AccessShareLock);
    int nreal = RelationGetDescr(rr)->natts;
    List *exposed = NIL;  // the table's columns under the subquery's names
    bool renamed = false;
    {
        ListCell *lc;
        foreach (lc, in->targetList) {
            TargetEntry *te = lfirst_node(TargetEntry, lc);
            Node *e = reinterpret_cast<Node *>(te->expr);
            if (te->resjunk || !IsA(e, Var) || reinterpret_cast<Var *>(e)->varattno <= 0)
                continue;
            AttrNumber a = reinterpret_cast<Var *>(e)->varattno;
            const char *tn = NameStr(TupleDescAttr(RelationGetDescr(rr), a - 1)->attname);
            renamed |= te->resname && strcmp(te->resname, tn) != 0;
            exposed = lappend(exposed, makeTargetEntry(static_cast<Expr *>(copyObjectImpl(e)), 0,
                                                       psprintf("%s%s", kExposedPrefix, te->resname ? te->resname : tn),
                                                       true));
        }
    }
    table_close(rr, AccessShareLock);
    SubMap m{in, static_cast<AttrNumber *>(palloc0(sizeof(AttrNumber) * (list_length(in->targetList) + 1))), 0};
    List *comp = NIL;
    ListCell *lc;
    foreach (lc, in->targetList) {
        TargetEntry *te = lfirst_node(TargetEntry, lc);
        if (te->resjunk)
            continue;
        Node *e = reinterpret_cast<Node *>(te->expr);
        if (IsA(e, Var) && reinterpret_cast<Var *>(e)->varattno > 0)
            m.attno[m.n++] = reinterpret_cast<Var *>(e)->varattno;
        else if (whole_row_walker(e, nullptr))
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("column \"%s\" of the deployment's FROM subquery reads its table's row as a whole "
                                   "(or a system column)", te->resname ? te->resname : "?column?"),
                            errhint("Name the table's columns it reads (ROW(a, b) or the columns themselves).")));
        else {
            // a computed column: a virtual attribute of the request row.  One
            // reading the subquery's own window functions is a SubLink
            // standing for output subLinkId of the subquery (subselect)
            // planned as a deployment of its own (plan_impl: win_sub).
            if (win_in && contain_window_function(e)) {
                SubLink *sl = makeNode(SubLink);
                sl->subLinkType = EXPR_SUBLINK;
                int outno = 0;
                ListCell *oc;
                foreach (oc, in->targetList) {
                    if (!lfirst_node(TargetEntry, oc)->resjunk)
                        outno++;
                    if (lfirst(oc) == te)
                        break;
                }
                sl->subLinkId = outno;
                sl->testexpr = static_cast<Node *>(copyObjectImpl(e));
                sl->subselect = static_cast<Node *>(copyObjectImpl(win_in));
                sl->location = exprLocation(e);
                e = reinterpret_cast<Node *>(sl);
            }
            TargetEntry *ct = makeTargetEntry(static_cast<Expr *>(copyObjectImpl(e)), 0,
                                              psprintf("%s%s", kComputedPrefix, te->resname ? te->resname : "?column?"),
                                              true);
            comp = lappend(comp, ct);
            m.attno[m.n++] = AttrNumber(nreal + list_length(comp));
        }
    }
    RangeTblEntry *nr = static_cast<RangeTblEntry *>(copyObjectImpl(rel));
    nr->inFromCl = true;
    if (!joins) {
        q->targetList = reinterpret_cast<List *>(map_sub_vars(reinterpret_cast<Node *>(q->targetList), &m));
        if (q->jointree->quals)
            q->jointree->quals = map_sub_vars(q->jointree->quals, &m);
        compat::move_relation_rte(q, in, nr);
        q->rtable = list_make1(nr);
    } else {
        // (the subquery's own entry is replaced first: its query is not mapped)
        linitial(q->rtable) = nr;
        SubMapLv lv{&m, 0};
        Query *mq = query_tree_mutator(q, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)()>(map_sub_vars_lv)),
                                       &lv, 0);
        *q = *mq;
        linitial(q->rtable) = nr;
        // The joins read the table's own columns: a computed one in an ON
        // condition or a LATERAL subquery is refused (the joins look up
        // their rows from the table's row).
        CompVarWalk cw{0, nreal, nullptr};
        bool found = comp_var_walker(reinterpret_cast<Node *>(q->jointree), &cw);
        for (int i = 1; !found && i < list_length(q->rtable); i++) {
            RangeTblEntry *jr = static_cast<RangeTblEntry *>(list_nth(q->rtable, i));
            if (jr->rtekind == RTE_SUBQUERY && jr->subquery)
                found = comp_var_walker(reinterpret_cast<Node *>(jr->subquery), &cw);
        }
        if (found) {
            const char *cn = "?column?";
            int k = 0;
            foreach (lc, comp) {
                if (nreal + ++k == cw.found->varattno)
                    cn = lfirst_node(TargetEntry, lc)->resname + strlen(kComputedPrefix);
            }
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("a join of the deployment reads \"%s\", a column its FROM subquery computes", cn),
                            errhint("Join on columns of the table itself (the subquery's plain columns).")));
        }
#if PG_VERSION_NUM >= 160000
        // (appended: a dimension join's table has its own entry)
        RTEPermissionInfo *pi = getRTEPermissionInfo(in->rteperminfos, nr);
        q->rteperminfos = lappend(q->rteperminfos, copyObjectImpl(pi));
        nr->perminfoindex = list_length(q->rteperminfos);
#endif
    }
    foreach (lc, comp) {
        TargetEntry *ct = lfirst_node(TargetEntry, lc);
        ct->resno = AttrNumber(list_length(q->targetList) + 1);
        q->targetList = lappend(q->targetList, ct);
    }
    // (only when names differ from the table's or columns are computed:
    // union tables' columns match the subquery's names, plan_impl)
    if (renamed || comp != NIL)
        foreach (lc, exposed) {
            TargetEntry *xt = lfirst_node(TargetEntry, lc);
            xt->resno = AttrNumber(list_length(q->targetList) + 1);
            q->targetList = lappend(q->targetList, xt);
        }
    return true;
}

bool union_all_rewrite(Query *q)
{
    if (from_subquery_rewrite(q))
        return false;
    if (list_length(q->rtable) != 1)
        return false;
    RangeTblEntry *rte = linitial_node(RangeTblEntry, q->rtable);
    if (rte->rtekind != RTE_SUBQUERY || !rte->subquery || !rte->subquery->setOperations)
        return false;
    Query *sq = rte->subquery;
    if (sq->sortClause || sq->limitCount || sq->limitOffset || sq->cteList)
        refuse_union_all("must be a plain UNION ALL (no ORDER BY, LIMIT or WITH)");
    List *leaves = NIL;
    union_leaves(sq, sq->setOperations, &leaves);
    int ncols = -1;
    VarMap vm{nullptr, 0, InvalidOid};
    List *names = NIL;
    List *rels = NIL;
    List *colls = NIL;  // per union table: its column list (window_union's second argument)
    RangeTblEntry *main_rte = nullptr;
    Query *main_q = nullptr;
    ListCell *lc;
    foreach (lc, leaves) {
        RangeTblEntry *l = lfirst_node(RangeTblEntry, lc);
        Query *lq = l->subquery;
        if (l->rtekind != RTE_SUBQUERY || !lq || list_length(lq->rtable) != 1 ||
            linitial_node(RangeTblEntry, lq->rtable)->rtekind != RTE_RELATION)
            refuse_union_all("must read one table per branch");
        if (lq->jointree->quals || lq->hasWindowFuncs || lq->hasAggs || lq->groupClause || lq->hasSubLinks ||
            lq->sortClause || lq->limitCount || lq->distinctClause || lq->hasTargetSRFs || lq->cteList)
            refuse_union_all("branches select columns only (no WHERE, aggregates, ORDER BY, LIMIT, DISTINCT)");
        RangeTblEntry *lr = linitial_node(RangeTblEntry, lq->rtable);
        if (lr->tablesample)
            refuse_union_all("branches read whole tables (no TABLESAMPLE)");
        int i = 0;
        StringInfoData cols;
        initStringInfo(&cols);
        List *lnames = NIL;
        ListCell *tc;
        bool first = lc == list_head(leaves);
        if (first) {
            main_rte = lr;
            main_q = lq;
            vm.relid = lr->relid;
            vm.attno = static_cast<AttrNumber *>(palloc0(sizeof(AttrNumber) * (list_length(lq->targetList) + 1)));
        }
        foreach (tc, lq->targetList) {
            TargetEntry *te = lfirst_node(TargetEntry, tc);
            if (te->resjunk)
                continue;
            Node *e = reinterpret_cast<Node *>(te->expr);
            bool plain = IsA(e, Var) && reinterpret_cast<Var *>(e)->varattno > 0 && !reinterpret_cast<Var *>(e)->varlevelsup;
            if (!plain && first)
                refuse_union_all("selects plain columns of the deployment's table in its first branch (no expressions, "
                                 "casts or constants there: the request row is that table's row)");
            if (!plain) {
                // A computed column of a union table: its expression, as
                // window_union()'s column list text ("expr AS c"), parsed
                // again over the table when planned (union_pg.cpp,
                // map_columns); printed with the search_path pinned, so
                // functions outside pg_catalog are qualified.
                const char *dst = strVal(list_nth(names, i));
                if (exprType(e) != get_atttype(main_rte->relid, vm.attno[i]))
                    refuse_union_all("has a column whose type differs between its branches");
                SafeScope sc;
                safe_enter(&sc, InvalidOid, 0);
                List *ctx = deparse_context_for(get_rel_name(lr->relid), lr->relid);
                char *et = deparse_expression(e, ctx, false, true);
                safe_leave(&sc);
                if (cols.len)
                    appendStringInfoString(&cols, ", ");
                appendStringInfo(&cols, "%s AS %s", et, quote_identifier(dst));
                lnames = lappend(lnames, makeString(pstrdup(dst)));
                i++;
                continue;
            }
            char *an = get_attname(lr->relid, reinterpret_cast<Var *>(e)->varattno, false);
            if (first)
                vm.attno[i] = reinterpret_cast<Var *>(e)->varattno;
            else {  // this branch's column i stands for the first branch's (by position, as UNION ALL)
                if (cols.len)
                    appendStringInfoString(&cols, ", ");
                const char *dst = strVal(list_nth(names, i));
                appendStringInfoString(&cols, quote_identifier(an));
                if (strcmp(an, dst) != 0)
                    appendStringInfo(&cols, " AS %s", quote_identifier(dst));
            }
            lnames = lappend(lnames, makeString(an));
            i++;
        }
        if (first) {
            names = lnames;
            ncols = i;
        } else {
            if (i != ncols)
                refuse_union_all("has branches with different numbers of columns");
            if (list_member_oid(rels, lr->relid) || lr->relid == main_rte->relid)
                ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT),
                                errmsg("table %s appears twice in the union", get_rel_name(lr->relid))));
            rels = lappend_oid(rels, lr->relid);
            colls = lappend(colls, cols.data);
        }
    }
    vm.n = ncols;
    // The outer query over the main table: the union's columns as its columns.
    q->targetList = reinterpret_cast<List *>(map_vars(reinterpret_cast<Node *>(q->targetList), &vm));
    if (q->jointree->quals)
        q->jointree->quals = map_vars(q->jointree->quals, &vm);
    RangeTblEntry *nr = static_cast<RangeTblEntry *>(copyObjectImpl(main_rte));
    nr->inFromCl = true;
    compat::move_relation_rte(q, main_q, nr);
    q->rtable = list_make1(nr);
    // Every window reads the union: feature_ext.window_union(rel) in its
    // PARTITION BY, one resjunk target per table, in the order written.
    Oid argt[2] = {REGCLASSOID, TEXTOID};
    Oid fn = LookupFuncName(list_make2(makeString(pstrdup("feature_ext")), makeString(pstrdup("window_union"))), 2,
                            argt, false);
    Index ref = 0;
    foreach (lc, q->targetList)
        ref = Max(ref, lfirst_node(TargetEntry, lc)->ressortgroupref);
    List *sgcs = NIL;
    foreach (lc, rels) {
        Const *c = makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid), ObjectIdGetDatum(lfirst_oid(lc)), false, true);
        Const *cl = makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
                              CStringGetTextDatum(static_cast<char *>(list_nth(colls, foreach_current_index(lc)))),
                              false, false);
        FuncExpr *f = makeFuncExpr(fn, INT4OID, list_make2(c, cl), InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
        TargetEntry *te = makeTargetEntry(reinterpret_cast<Expr *>(f), AttrNumber(list_length(q->targetList) + 1),
                                          nullptr, true);
        te->ressortgroupref = ++ref;
        q->targetList = lappend(q->targetList, te);
        SortGroupClause *sgc = makeNode(SortGroupClause);
        sgc->tleSortGroupRef = ref;
        sgc->eqop = Int4EqualOperator;
        sgc->sortop = Int4LessOperator;
        sgc->nulls_first = false;
        sgc->hashable = true;
        sgcs = lappend(sgcs, sgc);
    }
    foreach (lc, q->windowClause) {
        WindowClause *wc = lfirst_node(WindowClause, lc);
        wc->partitionClause = list_concat(wc->partitionClause, list_copy(sgcs));
    }
    return true;
}

}  // namespace fe
