// feature_ext: deploy(), undeploy(), explain() and the entry point of every
// generated feature function.
//
// A deployment is a row in feature_ext.deployment (dumped by pg_dump as an
// extension configuration table), a composite type <name>_result and two C
// functions <name>(<one parameter per table column>) and <name>(<table row
// type>), both bound to fe_deploy_call.  The functions find their deployment
// by their own schema and name, so a dump restores into a working state.
// Creating C functions needs superuser rights: _deploy checks the caller's
// privileges (CREATE on the schema, SELECT on the table) and then creates the
// objects as the bootstrap superuser, owned by the caller.
#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/deploy/union_pg.hpp"
#include "feature_ext/base/compat_pg.hpp"
#include "feature_ext/base/module_pg.hpp"
#include "feature_ext/deploy/stats_pg.hpp"
#include "feature_ext/deploy/join_pg.hpp"
#include "feature_ext/base/secure_pg.hpp"
#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "nodes/value.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/dependency.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_proc.h"
#include "commands/extension.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "catalog/pg_language.h"
#include "catalog/pg_depend.h"
#include "catalog/indexing.h"
#include "access/genam.h"
#include "catalog/pg_collation.h"
#include "commands/comment.h"
#include "commands/typecmds.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "optimizer/optimizer.h"
#include "access/transam.h"
#include "nodes/nodeFuncs.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/varlena.h"
#include "utils/catcache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "utils/snapmgr.h"
#include "access/skey.h"
#include "access/detoast.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "portability/instr_time.h"
}

namespace fe {

namespace {

// ---- per-backend plan cache, by function oid
struct PlanEntry {
    Oid fnoid;  // key
    DeployPlan *plan;
    bool valid;
    Oid heapoid;
    bool batch;  // the plan of <name>_batch (never compiled)
    Oid user;    // the role it was made for: its EXECUTE checks were that role's
};
HTAB *g_plans = nullptr;
bool g_plans_stale = false;  // some entry was invalidated: sweep on next use

// Plans replaced while a request may still run on them (a nested call) are
// freed at the end of the transaction, when no request runs.
List *g_retired = NIL;  // MemoryContexts, list in TopMemoryContext

void free_retired(XactEvent event, void *)
{
    if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_COMMIT &&
        event != XACT_EVENT_PARALLEL_ABORT && event != XACT_EVENT_PREPARE)
        return;
    ListCell *lc;
    foreach (lc, g_retired)
        MemoryContextDelete(static_cast<MemoryContext>(lfirst(lc)));
    list_free(g_retired);
    g_retired = NIL;
}

void drop_plan(PlanEntry *e)
{
    if (e->plan) {
        MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
        g_retired = lappend(g_retired, e->plan->cxt);
        MemoryContextSwitchTo(old);
        e->plan = nullptr;
    }
    e->valid = false;
}

void plans_inval_proc(Datum, int, uint32)
{
    if (!g_plans)
        return;
    HASH_SEQ_STATUS st;
    hash_seq_init(&st, g_plans);
    while (auto *e = static_cast<PlanEntry *>(hash_seq_search(&st)))
        e->valid = false;  // freed on next use (not inside the callback)
    g_plans_stale = true;
}

// Whether plan p reads index indexoid (its TTL and columns were checked
// when it was made: ALTER INDEX ... SET (ttl) must make it again).
bool plan_reads_index(const DeployPlan *p, Oid indexoid)
{
    if (!p)
        return false;
    for (int g = 0; g < p->ngroups; g++)
        if (p->groups[g].indexoid == indexoid)
            return true;
    return false;
}

// Does plan p (or one of its Citus shard plans) read relation relid?
bool plan_reads_rel(const DeployPlan *p, Oid relid)
{
    if (!p)
        return false;
    if (join_reads(p, relid) || union_plan_reads(p, relid) || plan_reads_index(p, relid))
        return true;
    return p->route && citus_route_reads(p->route, relid);
}

void plans_inval_rel(Datum, Oid relid)
{
    if (!g_plans)
        return;
    HASH_SEQ_STATUS st;
    hash_seq_init(&st, g_plans);
    while (auto *e = static_cast<PlanEntry *>(hash_seq_search(&st)))
        if (relid == InvalidOid || e->heapoid == relid || plan_reads_rel(e->plan, relid)) {
            e->valid = false;
            g_plans_stale = true;
        }
}

void ensure_plan_cache()
{
    if (g_plans)
        return;
    HASHCTL ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(PlanEntry);
    ctl.hcxt = CacheMemoryContext;
    g_plans = hash_create("feature_ext plans", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    CacheRegisterSyscacheCallback(PROCOID, plans_inval_proc, 0);
    CacheRegisterRelcacheCallback(plans_inval_rel, 0);
    RegisterXactCallback(free_retired, nullptr);
}

// A deployment's catalog row.  feature_ext.deployment is readable by its
// owner only, so it is read as the extension's owner under a pinned
// search_path (base/secure_pg.hpp).  Strings palloc'd in the caller's context.
struct DeploymentRow {
    char *bound;  // the bound query plans are made from where the tree does not apply
    char *tree;   // the analysed query by OID (see plan_bound)
    Oid relid;    // its table
    char *owner;
    JitObject jo;
    bool float_sums;  // options' float_sums = 'approximate' (docs/DEPLOY.md, "Float sums")
};

// Whether the catalog has 0.2.0's bound_tree column: the library also serves
// a database whose extension is still at 0.1.0 (between installing a new
// package and ALTER EXTENSION feature_ext UPDATE); deployments there are
// read and written without it.
bool catalog_has_bound_tree()
{
    Oid ns = get_namespace_oid("feature_ext", true);
    Oid rel = OidIsValid(ns) ? get_relname_relid("deployment", ns) : InvalidOid;
    return OidIsValid(rel) && get_attnum(rel, "bound_tree") != InvalidAttrNumber;
}

// The deployment catalog, or InvalidOid when the extension's catalog is not
// there.
Oid deployment_catalog()
{
    Oid ns = get_namespace_oid("feature_ext", true);
    return OidIsValid(ns) ? get_relname_relid("deployment", ns) : InvalidOid;
}

// Column `name` of a catalog row (by name: a catalog updated from an older
// version has its columns in another order), copied as text / bytea.
char *row_text(HeapTuple tup, TupleDesc td, const char *name)
{
    int att = SPI_fnumber(td, name);
    if (att <= 0)
        return nullptr;
    bool isnull;
    Datum d = heap_getattr(tup, att, td, &isnull);
    return isnull ? nullptr : TextDatumGetCString(d);
}

// The same for a long text (the bound tree): a compressed or out-of-line
// value is detoasted into a copy that becomes the C string in place, so
// that it is copied once (each page a new connection touches costs).
char *row_long_text(HeapTuple tup, TupleDesc td, const char *name)
{
    int att = SPI_fnumber(td, name);
    if (att <= 0)
        return nullptr;
    bool isnull;
    Datum d = heap_getattr(tup, att, td, &isnull);
    if (isnull)
        return nullptr;
    auto *v = reinterpret_cast<struct varlena *>(DatumGetPointer(d));
    if (!VARATT_IS_EXTENDED(v))
        return TextDatumGetCString(d);
    struct varlena *t = detoast_attr(v);  // a new 4-byte-header copy
    Size n = VARSIZE(t) - VARHDRSZ;
    char *s = static_cast<char *>(repalloc(t, VARSIZE(t) + 1));
    memmove(s, s + VARHDRSZ, n);
    s[n] = '\0';
    return s;
}

Datum row_datum(HeapTuple tup, TupleDesc td, const char *name, bool *isnull)
{
    int att = SPI_fnumber(td, name);
    *isnull = true;
    return att > 0 ? heap_getattr(tup, att, td, isnull) : Datum(0);
}

// deploy()'s float_sums option (docs/DEPLOY.md, "Float sums"): 'exact' (the
// default: float8 sum / avg read rows, bit-identical to PostgreSQL) or
// 'approximate' (they may take block summaries, with the rounding rule
// documented there).  With `check`, anything else raises 22023; otherwise
// (a catalog row, checked when it was deployed) true only for 'approximate'.
bool float_sums_option(Datum options, bool check = false)
{
    Jsonb *jb = DatumGetJsonbP(options);
    if (!JB_ROOT_IS_OBJECT(jb))
        return false;
    JsonbValue key;
    key.type = jbvString;
    key.val.string.val = const_cast<char *>("float_sums");
    key.val.string.len = strlen("float_sums");
    JsonbValue *v = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &key);
    if (!v)
        return false;
    bool approx = v->type == jbvString && v->val.string.len == 11 &&
                  memcmp(v->val.string.val, "approximate", 11) == 0;
    bool exact = v->type == jbvString && v->val.string.len == 5 && memcmp(v->val.string.val, "exact", 5) == 0;
    if (check && !approx && !exact)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("deploy option float_sums must be \"exact\" or \"approximate\""),
                        errhint("'{\"float_sums\": \"approximate\"}' lets sum / avg of float8 columns in long "
                                "windows take block summaries (docs/DEPLOY.md, \"Float sums\"); the default is "
                                "\"exact\".")));
    return approx;
}

// One row of feature_ext.deployment, read by its primary key (schema_name,
// name) with the statement's snapshot.  The table is readable by the extension's owner
// only; this reads it the way PostgreSQL reads its own catalogs (no SQL, no
// name resolution beyond the catalog itself, no privilege check: nothing read
// here goes back to the caller but what the deployment's own functions do
// with it), which is what a new connection's first call needs to be cheap.
bool lookup_deployment(const char *schema, const char *name, DeploymentRow *row, bool want_jit)
{
    memset(row, 0, sizeof(*row));
    Oid catrel = deployment_catalog();
    if (!OidIsValid(catrel))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("extension \"feature_ext\" is not installed"),
                        errhint("CREATE EXTENSION feature_ext;")));
    Relation rel = table_open(catrel, AccessShareLock);
    list_free(RelationGetIndexList(rel));  // sets rd_pkindex
    Oid pk = rel->rd_pkindex;
    if (!OidIsValid(pk))
        elog(ERROR, "feature_ext: feature_ext.deployment has no primary key");
    NameData s, n;
    namestrcpy(&s, schema);
    namestrcpy(&n, name);
    TupleDesc td = RelationGetDescr(rel);
    ScanKeyData key[2];
    ScanKeyInit(&key[0], AttrNumber(SPI_fnumber(td, "schema_name")), BTEqualStrategyNumber, F_NAMEEQ,
                NameGetDatum(&s));
    ScanKeyInit(&key[1], AttrNumber(SPI_fnumber(td, "name")), BTEqualStrategyNumber, F_NAMEEQ, NameGetDatum(&n));
    // The statement's snapshot, as the SQL this replaces saw the table.
    Snapshot snap = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    SysScanDesc scan = systable_beginscan(rel, pk, true, snap, 2, key);
    HeapTuple tup = systable_getnext(scan);
    bool found = HeapTupleIsValid(tup);
    if (found) {
        bool isnull;
        row->bound = row_text(tup, td, "bound_query");
        row->tree = row_long_text(tup, td, "bound_tree");  // absent before 0.2.0
        Datum rel_d = row_datum(tup, td, "relid", &isnull);
        row->relid = isnull ? InvalidOid : DatumGetObjectId(rel_d);
        Datum ow = row_datum(tup, td, "owner", &isnull);
        row->owner = isnull ? nullptr : pstrdup(NameStr(*DatumGetName(ow)));
        Datum opts = row_datum(tup, td, "options", &isnull);
        row->float_sums = !isnull && float_sums_option(opts);
        if (want_jit) {
            bool n1, n2, n3;
            Datum obj = row_datum(tup, td, "jit_object", &n1);
            Datum h = row_datum(tup, td, "jit_hash", &n2);
            Datum ms = row_datum(tup, td, "jit_compile_ms", &n3);
            if (!n1 && !n2) {
                bytea *b = DatumGetByteaPP(obj);
                row->jo.len = VARSIZE_ANY_EXHDR(b);
                row->jo.object = static_cast<char *>(palloc(row->jo.len));
                memcpy(row->jo.object, VARDATA_ANY(b), row->jo.len);
                row->jo.hash = uint64(DatumGetInt64(h));
                row->jo.compile_ms = n3 ? 0 : DatumGetFloat8(ms);
            }
        }
    }
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    return found;
}

// The plan of a deployment row: its bound tree or query, its table by OID.
DeployPlan *plan_row(const char *qname, const DeploymentRow *row, MemoryContext cxt, StringInfo explain)
{
    DeployPlan *p = plan_bound(qname, row->bound, row->tree, row->relid, cxt, explain);
    p->preagg_float = row->float_sums;
    return p;
}

// The request function's arguments must be the table's columns as they are
// now: values are handed to the plan by position and type.
bool signature_matches(Oid fn, DeployPlan *p)
{
    HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
    if (!HeapTupleIsValid(tup))
        elog(ERROR, "cache lookup failed for function %u", fn);
    auto *f = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tup));
    bool ok;
    if (f->pronargs == 1 && p->nparams != 1)
        ok = f->proargtypes.values[0] == get_rel_type_id(p->heapoid);
    else {
        ok = f->pronargs == p->nparams;
        for (int i = 0; ok && i < p->nparams; i++)
            ok = f->proargtypes.values[i] == TupleDescAttr(p->heap_desc, p->param_attnos[i] - 1)->atttypid;
    }
    ReleaseSysCache(tup);
    return ok;
}

// Compiled code for a cached plan (feature_ext.jit on), once per plan.
void ensure_jit(DeployPlan *p, const char *schema, const char *fname)
{
    if (!g_jit || p->jit_tried)
        return;
    DeploymentRow row;
    if (!lookup_deployment(schema, fname, &row, true)) {
        p->jit_tried = true;
        return;
    }
    jit_attach(p, &row.jo);
}

// ---------------------------------------------------------------- Citus
// A deployment over a Citus hash-distributed table (SPEC §9) is planned
// against the table (on a node with Citus metadata an empty shell with the
// same columns and indexes); each request is routed by its key to a plan of
// the shard that holds it, made on first use from the bound query with the
// shard as its table (plan_bound's re-binding, as after a restore).  The
// shard is found as Citus finds it: the distribution column's standard hash
// function and collation, then the shard whose hash range holds the value
// (pg_dist_shard, read once per plan: Citus invalidates the table's relcache
// entry when its shards change, which drops the plan).  A key whose shard
// is not on this node is an error naming the node that holds it.
}  // namespace

struct CitusRoute {
    AttrNumber dist_attno;     // of the planned table
    FmgrInfo hash;
    Oid collation;
    int nshards;
    int32 *minv, *maxv;        // sorted by minv
    int64 *shardid;
    char **shard_name;         // qualified (shard_name() under the pinned path)
    Oid *relid;                // the shard table here, or InvalidOid
    char **host;               // else the node of its active placement (requests are forwarded there)
    int *port;
    int32 *nodeid;
    DeployPlan **plans;        // per shard, made on first use (contexts under the table plan's)
    AttrNumber **req_map;      // per shard: its columns' table columns (by name), where their numbers
                               // differ (dropped columns a moved shard lacks); nullptr: the same
    int nother;                // the other tables the deployment reads (joins, union windows) ...
    Oid *other;
    Oid **other_shard;         // ... and per shard of the table, each one's shard here (colocated: the
                               // same hash range; a reference table: its one shard), or InvalidOid
    char *schema, *fname;      // the deployment
    char *fwd_sql;             // SELECT * FROM schema.fname($1::t1, ...): a forwarded request
    int fwd_at;                // citus_route_plan(): the shard to forward to (it returned nullptr)
    ForwardIo *fwd_io;         // the forwarder's type I/O (citus_forward_pg.cpp)
};

bool citus_route_reads(const CitusRoute *r, Oid relid)
{
    for (int i = 0; i < r->nother; i++)
        if (r->other[i] == relid)
            return true;
    for (int i = 0; i < r->nshards; i++)
        if (r->relid[i] == relid || (r->plans[i] && plan_reads_rel(r->plans[i], relid)))
            return true;
    return false;
}

namespace {

// The local shard table of shard `sn` (shard_name()'s text) of table rel:
// shard tables are in their table's schema; the name's last part, looked up
// by the syscache (Citus hides shards from pg_class queries).
Oid citus_local_shard(const char *sn, Oid rel)
{
    List *parts = NIL;
    if (!sn || !SplitIdentifierString(pstrdup(sn), '.', &parts) || parts == NIL)
        return InvalidOid;
    return get_relname_relid(static_cast<char *>(llast(parts)), get_rel_namespace(rel));
}

// The other tables p reads and, for each shard of p's table, their shard
// on this node (in SPI, under the pinned path; allocations in p->cxt).
void citus_route_others(DeployPlan *p, CitusRoute *r)
{
    int cap = join_table_count(p);
    for (int g = 0; g < p->ngroups; g++)
        cap += p->groups[g].uni ? p->groups[g].uni->nsrc : 0;
    Oid *rels = static_cast<Oid *>(palloc(sizeof(Oid) * Max(cap, 1)));  // every table, however many
    int n = 0;
    for (int i = 0; i < join_table_count(p); i++) {
        int nk;
        const AttrNumber *ka, *km;
        rels[n++] = join_table(p, i, &nk, &ka, &km);
    }
    for (int g = 0; g < p->ngroups; g++)
        for (int i = 0; p->groups[g].uni && i < p->groups[g].uni->nsrc; i++)
            rels[n++] = p->groups[g].uni->src[i].relid;
    r->other = static_cast<Oid *>(MemoryContextAlloc(p->cxt, sizeof(Oid) * Max(n, 1)));
    r->other_shard = static_cast<Oid **>(MemoryContextAlloc(p->cxt, sizeof(Oid *) * Max(n, 1)));
    r->nother = 0;
    for (int i = 0; i < n; i++) {
        bool dup = rels[i] == p->heapoid;
        for (int j = 0; j < r->nother && !dup; j++)
            dup = r->other[j] == rels[i];
        if (dup)
            continue;
        Oid argt[1] = {OIDOID};
        Datum args[1] = {ObjectIdGetDatum(rels[i])};
        MemoryContext keep = CurrentMemoryContext;  // (SPI leaves its own context current)
        if (SPI_execute_with_args("SELECT s.shardminvalue::pg_catalog.int4, pg_catalog.shard_name(s.logicalrelid, s.shardid), "
                                  "EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement pl "
                                  "         WHERE pl.shardid OPERATOR(pg_catalog.=) s.shardid "
                                  "           AND pl.shardstate OPERATOR(pg_catalog.=) 1 "
                                  "           AND pl.groupid OPERATOR(pg_catalog.=) "
                                  "               (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)) "
                                  "FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1",
                                  1, argt, args, nullptr, true, 0) != SPI_OK_SELECT)
            elog(ERROR, "feature_ext: could not read the shards of table %u", rels[i]);
        MemoryContextSwitchTo(keep);
        Oid *sh = static_cast<Oid *>(MemoryContextAllocZero(p->cxt, sizeof(Oid) * Max(r->nshards, 1)));
        for (uint64 t = 0; t < SPI_processed; t++) {
            HeapTuple tup = SPI_tuptable->vals[t];
            bool nmin, nhere;
            Datum minv = SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &nmin);
            bool here = DatumGetBool(SPI_getbinval(tup, SPI_tuptable->tupdesc, 3, &nhere)) && !nhere;
            Oid local = here ? citus_local_shard(SPI_getvalue(tup, SPI_tuptable->tupdesc, 2), rels[i]) : InvalidOid;
            for (int k = 0; k < r->nshards; k++)
                if (nmin || DatumGetInt32(minv) == r->minv[k])  // a reference table's one shard: every key's
                    sh[k] = local;
        }
        r->other[r->nother] = rels[i];
        r->other_shard[r->nother++] = sh;
    }
}

// Citus's metadata for p's table, or nullptr when it is not hash-distributed.
CitusRoute *citus_route_build(DeployPlan *p, const char *schema, const char *fname)
{
    if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)) ||
        citus_dist_method(p->heapoid) != 'h')
        return nullptr;
    // Citus's catalogs and functions, qualified, under the pinned path, as the
    // caller (they are readable by everyone); the OID as a parameter.
    SafeScope pinned;
    safe_enter(&pinned, InvalidOid, 0);
    SPI_connect();
    Oid argt[1] = {OIDOID};
    Datum args[1] = {ObjectIdGetDatum(p->heapoid)};
    if (SPI_execute_with_args("SELECT pg_catalog.column_to_column_name(logicalrelid, partkey) "
                              "FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1",
                              1, argt, args, nullptr, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "feature_ext: no Citus distribution column for table %u", p->heapoid);
    char *col = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    AttrNumber attno = col ? get_attnum(p->heapoid, col) : InvalidAttrNumber;
    if (attno == InvalidAttrNumber)
        elog(ERROR, "feature_ext: Citus distribution column \"%s\" not found", col ? col : "?");
    // (A deployment made before its table was distributed.)
    citus_check_plan(p, attno);
    // `here`: this node has an active placement of the shard.  The shard
    // table alone says nothing: after a shard move the source node keeps
    // its copy until Citus's deferred cleanup (pg_dist_cleanup) drops it,
    // and that copy misses every row written since.
    if (SPI_execute_with_args("SELECT s.shardid, s.shardminvalue::pg_catalog.int4, s.shardmaxvalue::pg_catalog.int4, "
                              "pg_catalog.shard_name(s.logicalrelid, s.shardid), "
                              "EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement pl "
                              "         WHERE pl.shardid OPERATOR(pg_catalog.=) s.shardid "
                              "           AND pl.shardstate OPERATOR(pg_catalog.=) 1 "
                              "           AND pl.groupid OPERATOR(pg_catalog.=) "
                              "               (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)), "
                              "nd.nodename, nd.nodeport, nd.nodeid "
                              "FROM pg_catalog.pg_dist_shard s LEFT JOIN LATERAL ("
                              "  SELECT n.nodename, n.nodeport, n.nodeid FROM pg_catalog.pg_dist_placement pl "
                              "    JOIN pg_catalog.pg_dist_node n ON n.groupid OPERATOR(pg_catalog.=) pl.groupid "
                              "   WHERE pl.shardid OPERATOR(pg_catalog.=) s.shardid "
                              "     AND pl.shardstate OPERATOR(pg_catalog.=) 1 AND n.isactive "
                              "     AND n.noderole OPERATOR(pg_catalog.=) 'primary' "
                              "   ORDER BY n.nodeid LIMIT 1) nd ON true "
                              "WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1 "
                              "ORDER BY 2",
                              1, argt, args, nullptr, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "feature_ext: could not read the shards of table %u", p->heapoid);
    MemoryContext old = MemoryContextSwitchTo(p->cxt);
    auto *r = static_cast<CitusRoute *>(palloc0(sizeof(CitusRoute)));
    int n = int(SPI_processed);
    r->dist_attno = attno;
    r->nshards = n;
    r->minv = static_cast<int32 *>(palloc(sizeof(int32) * Max(n, 1)));
    r->maxv = static_cast<int32 *>(palloc(sizeof(int32) * Max(n, 1)));
    r->shardid = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
    r->relid = static_cast<Oid *>(palloc(sizeof(Oid) * Max(n, 1)));
    r->shard_name = static_cast<char **>(palloc0(sizeof(char *) * Max(n, 1)));
    r->plans = static_cast<DeployPlan **>(palloc0(sizeof(DeployPlan *) * Max(n, 1)));
    r->req_map = static_cast<AttrNumber **>(palloc0(sizeof(AttrNumber *) * Max(n, 1)));
    r->host = static_cast<char **>(palloc0(sizeof(char *) * Max(n, 1)));
    r->port = static_cast<int *>(palloc0(sizeof(int) * Max(n, 1)));
    r->nodeid = static_cast<int32 *>(palloc0(sizeof(int32) * Max(n, 1)));
    for (int i = 0; i < n; i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        bool n0, n1, n2, n3;
        r->shardid[i] = DatumGetInt64(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &n0));
        r->minv[i] = DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &n1));
        r->maxv[i] = DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 3, &n2));
        // The shard table is in the table's schema; shard_name() qualifies
        // it or not depending on the schema (and Citus hides shards from
        // pg_class queries): its last name part, looked up by the syscache.
        char *sn = SPI_getvalue(t, SPI_tuptable->tupdesc, 4);
        char *sn_all = sn ? pstrdup(sn) : nullptr;  // (SplitIdentifierString writes into sn)

        List *parts = NIL;
        bool n4;
        bool here = DatumGetBool(SPI_getbinval(t, SPI_tuptable->tupdesc, 5, &n4)) && !n4;
        n3 = !here || !sn || !SplitIdentifierString(sn, '.', &parts) || parts == NIL;
        r->relid[i] = n3 ? InvalidOid
                         : get_relname_relid(static_cast<char *>(llast(parts)), get_rel_namespace(p->heapoid));
        // (its name qualified, for the nodes that compute batch() on it)
        List *all = NIL;
        r->shard_name[i] = sn_all && SplitIdentifierString(sn_all, '.', &all) && all != NIL
                               ? pstrdup(quote_qualified_identifier(get_namespace_name(get_rel_namespace(p->heapoid)),
                                                                    static_cast<char *>(llast(all))))
                               : nullptr;
        if (n0 || n1 || n2)
            elog(ERROR, "feature_ext: shard of table %u without a hash range", p->heapoid);
        bool n5, n6, n7;
        char *host = SPI_getvalue(t, SPI_tuptable->tupdesc, 6);
        Datum port = SPI_getbinval(t, SPI_tuptable->tupdesc, 7, &n6);
        Datum nodeid = SPI_getbinval(t, SPI_tuptable->tupdesc, 8, &n7);
        n5 = host == nullptr;
        r->host[i] = n5 ? nullptr : pstrdup(host);
        r->port[i] = n6 ? 0 : DatumGetInt32(port);
        r->nodeid[i] = n7 ? 0 : DatumGetInt32(nodeid);
    }
    citus_route_others(p, r);
    {
        // The request function on the node that holds a key: the same name,
        // its arguments by type (the request's columns in argument order).
        StringInfoData q;
        initStringInfo(&q);
        appendStringInfo(&q, "SELECT * FROM %s(", quote_qualified_identifier(schema, fname));
        for (int i = 0; i < p->nparams; i++)
            appendStringInfo(&q, "%s$%d::%s", i ? ", " : "", i + 1,
                             format_type_be_qualified(TupleDescAttr(p->heap_desc, p->param_attnos[i] - 1)->atttypid));
        appendStringInfoChar(&q, ')');
        r->fwd_sql = q.data;
    }
    Form_pg_attribute a = TupleDescAttr(p->heap_desc, attno - 1);
    TypeCacheEntry *tc = lookup_type_cache(a->atttypid, TYPECACHE_HASH_PROC_FINFO);
    if (!OidIsValid(tc->hash_proc))
        elog(ERROR, "feature_ext: no hash function for the distribution column's type %u", a->atttypid);
    fmgr_info_copy(&r->hash, &tc->hash_proc_finfo, p->cxt);
    r->collation = a->attcollation;
    r->schema = pstrdup(schema);
    r->fname = pstrdup(fname);
    MemoryContextSwitchTo(old);
    SPI_finish();
    safe_leave(&pinned);
    return r;
}

// The node that holds shard `shardid` (for the error below).
char *citus_shard_node(int64 shardid)
{
    SafeScope pinned;
    safe_enter(&pinned, InvalidOid, 0);
    SPI_connect();
    Oid argt[1] = {INT8OID};
    Datum args[1] = {Int64GetDatum(shardid)};
    char *node = nullptr;
    if (SPI_execute_with_args("SELECT n.nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) n.nodeport "
                              "FROM pg_catalog.pg_dist_placement p JOIN pg_catalog.pg_dist_node n "
                              "ON n.groupid OPERATOR(pg_catalog.=) p.groupid "
                              "WHERE p.shardid OPERATOR(pg_catalog.=) $1 AND n.isactive "
                              "  AND n.noderole OPERATOR(pg_catalog.=) 'primary' "
                              "ORDER BY n.nodeid LIMIT 1",
                              1, argt, args, nullptr, true, 1) == SPI_OK_SELECT && SPI_processed == 1) {
        char *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        node = v ? MemoryContextStrdup(CurTransactionContext, v) : nullptr;
    }
    SPI_finish();
    safe_leave(&pinned);
    return node ? node : pstrdup("(unknown)");
}

// The plan of shard `at` of p's table (on this node), made on first use.
DeployPlan *citus_shard_plan(DeployPlan *p, int at)
{
    CitusRoute *r = p->route;
    if (!r->plans[at]) {
        DeploymentRow row;
        if (!lookup_deployment(r->schema, r->fname, &row, g_jit))
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                            errmsg("deployment \"%s.%s\" does not exist", r->schema, r->fname)));
        DeployPlan *sp;
        if (r->nother == 0) {
            // The bound query with the shard as its table (the tree names the
            // distributed table: plan_bound parses the text re-bound to relid).
            sp = plan_bound(p->name, row.bound, nullptr, r->relid[at], p->cxt, nullptr);
        } else {
            // Every table by its shard here: the bound tree with its
            // relations replaced.
            Oid *from = static_cast<Oid *>(palloc(sizeof(Oid) * (r->nother + 1)));
            Oid *to = static_cast<Oid *>(palloc(sizeof(Oid) * (r->nother + 1)));
            from[0] = p->heapoid;
            to[0] = r->relid[at];
            for (int j = 0; j < r->nother; j++) {
                from[j + 1] = r->other[j];
                to[j + 1] = r->other_shard[j][at];
                if (!OidIsValid(to[j + 1]) || get_rel_relkind(to[j + 1]) == '\0')
                    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                                    errmsg("the shard of table %s for this key is not on this node, which holds shard "
                                           "%lld of table %s",
                                           get_rel_name(r->other[j]), (long long) r->shardid[at],
                                           get_rel_name(p->heapoid)),
                                    errhint("Colocated shards move together; a reference table is on every node "
                                            "(SELECT replicate_reference_tables() copies it to new nodes).")));
            }
            sp = plan_bound_mapped(p->name, row.tree, r->nother + 1, from, to, p->cxt);
        }
        // The shard's columns by name among the table's (a moved shard has
        // none of the table's dropped columns): the request's values are
        // put where the shard's plan reads them.
        AttrNumber *map = nullptr;
        bool same = sp->natts == p->natts && sp->nparams == p->nparams &&
                    memcmp(sp->param_attnos, p->param_attnos, sizeof(AttrNumber) * p->nparams) == 0;
        bool mapped = !same && sp->nparams == p->nparams;
        if (mapped) {
            map = static_cast<AttrNumber *>(MemoryContextAllocZero(sp->cxt, sizeof(AttrNumber) * Max(sp->natts, 1)));
            for (int a = 0; a < sp->natts && mapped; a++) {
                Form_pg_attribute sa = TupleDescAttr(sp->heap_desc, a);
                if (sa->attisdropped)
                    continue;
                for (int b = 0; b < p->natts && !map[a]; b++) {
                    Form_pg_attribute ta = TupleDescAttr(p->heap_desc, b);
                    if (!ta->attisdropped && strcmp(NameStr(ta->attname), NameStr(sa->attname)) == 0 &&
                        ta->atttypid == sa->atttypid)
                        map[a] = AttrNumber(b + 1);
                }
                mapped = map[a] != 0;
            }
        }
        if (!same && !mapped) {
            // sp lives under the table plan's context, which outlives this
            // call: freed here, or every refused call would leave one there.
            long long sid = (long long) r->shardid[at];
            MemoryContextDelete(sp->cxt);
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("shard %lld of table %s has another column layout than the table", sid,
                                   get_rel_name(p->heapoid)),
                            errdetail("Its columns differ from the table's by more than the table's dropped columns."),
                            errhint("Rewrite the table (a new distributed table made from it) so that it and its "
                                    "shards have the same columns (docs/SCALE-OUT.md).")));
        }
        r->req_map[at] = same ? nullptr : map;
        MemoryContext old = MemoryContextSwitchTo(sp->cxt);
        sp->out_desc = BlessTupleDesc(CreateTupleDescCopy(p->out_desc));
        sp->req_values = static_cast<Datum *>(palloc(sizeof(Datum) * Max(sp->natts, 1)));
        sp->req_isnull = static_cast<bool *>(palloc(sizeof(bool) * Max(sp->natts, 1)));
        MemoryContextSwitchTo(old);
        sp->stats = p->stats;
        if (g_jit)
            jit_attach(sp, &row.jo);
        r->plans[at] = sp;
    }
    return r->plans[at];
}

// A batch()/training_set() source naming relation srel: the index of the
// shard of p's table it is when this node holds it (an active placement),
// else -1; a shard of the table this node does not hold (a copy left by a
// shard move until Citus's cleanup drops it) is an error, never a stale answer.
int citus_source_shard(DeployPlan *p, Oid srel)
{
    CitusRoute *r = p->route;
    if (!OidIsValid(srel))
        return -1;
    for (int i = 0; i < r->nshards; i++)
        if (r->relid[i] == srel && get_rel_relkind(r->relid[i]) != '\0')
            return i;
    const char *name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(srel)), get_rel_name(srel));
    for (int i = 0; i < r->nshards; i++)
        if (r->shard_name[i] && strcmp(r->shard_name[i], name) == 0)
            ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                            errmsg("shard %lld of table %s is held by node %s, not by this node", (long long) r->shardid[i],
                                   get_rel_name(p->heapoid), citus_shard_node(r->shardid[i])),
                            errdetail("A copy left here by a shard move misses the rows written since."),
                            errhint("Run it on that node, or over the whole table: %s_batch().", r->fname)));
    return -1;
}

// The shard (index into r's arrays) whose hash range holds distribution
// value v, or -1.
int citus_shard_index(const CitusRoute *r, Datum v)
{
    int32 h = DatumGetInt32(FunctionCall1Coll(const_cast<FmgrInfo *>(&r->hash), r->collation, v));
    int lo = 0, hi = r->nshards - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (h < r->minv[mid])
            hi = mid - 1;
        else if (h > r->maxv[mid])
            lo = mid + 1;
        else
            return mid;
    }
    return -1;
}

// The plan of the shard that holds the request's key (values of the table
// plan p); made on first use.
DeployPlan *citus_route_plan(DeployPlan *p, const Datum *values, const bool *isnull, bool forward)
{
    CitusRoute *r = p->route;
    AttrNumber a = r->dist_attno;
    if (isnull[a - 1])
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("the distribution column \"%s\" of the request must not be NULL",
                               NameStr(TupleDescAttr(p->heap_desc, a - 1)->attname)),
                        errdetail("Table %s is distributed by Citus on that column.", get_rel_name(p->heapoid))));
    int at = citus_shard_index(r, values[a - 1]);
    if (at < 0)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("no shard of table %s holds this key", get_rel_name(p->heapoid))));
    if ((!OidIsValid(r->relid[at]) || get_rel_relkind(r->relid[at]) == '\0') && r->host[at] && forward) {
        r->fwd_at = at;  // the caller forwards the request to the key's node
        return nullptr;
    }
    if (!OidIsValid(r->relid[at]) || get_rel_relkind(r->relid[at]) == '\0')
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the key of this request is held by node %s (shard %lld of table %s), not by this node",
                               citus_shard_node(r->shardid[at]), (long long) r->shardid[at], get_rel_name(p->heapoid)),
                        errhint("Call %s on that node (feature_ext.key_owner() names it for a key), or through the "
                                "coordinator with the call delegated to the key's node (create_distributed_function).",
                                p->name)));
    DeployPlan *sp = citus_shard_plan(p, at);
    const AttrNumber *map = r->req_map[at];
    if (!map) {
        memcpy(sp->req_values, values, sizeof(Datum) * p->natts);
        memcpy(sp->req_isnull, isnull, sizeof(bool) * p->natts);
    } else
        for (int c = 0; c < sp->natts; c++) {
            sp->req_isnull[c] = map[c] == 0 || isnull[map[c] - 1];
            sp->req_values[c] = map[c] == 0 ? Datum(0) : values[map[c] - 1];
        }
    return sp;
}

// The plan of the deployment a function call belongs to: by the function's
// own name, minus `suffix` ("_batch" for the batch functions).
DeployPlan *plan_for(FunctionCallInfo fcinfo, const char *suffix = "")
{
    ensure_plan_cache();
    if (g_plans_stale) {
        // Free what invalidations marked (plans of replaced or dropped
        // functions would otherwise stay until the backend exits).
        g_plans_stale = false;
        HASH_SEQ_STATUS st;
        hash_seq_init(&st, g_plans);
        while (auto *e = static_cast<PlanEntry *>(hash_seq_search(&st)))
            if (!e->valid) {
                drop_plan(e);
                hash_search(g_plans, &e->fnoid, HASH_REMOVE, nullptr);
            }
    }
    Oid fn = fcinfo->flinfo->fn_oid;
    bool found;
    auto *e = static_cast<PlanEntry *>(hash_search(g_plans, &fn, HASH_ENTER, &found));
    if (!found) {
        e->plan = nullptr;
        e->valid = false;
    }
    // A plan checked EXECUTE on the functions its expressions call (when
    // their states were made) for the role it was made for: after SET ROLE
    // (a pooler switching roles) it is made again for the caller.
    bool same_user = e->user == GetUserId();
    if (e->valid && e->plan && same_user && (!g_jit || e->plan->jit_tried))
        return e->plan;
    char *fname = get_func_name(fn);
    char *schema = get_namespace_name(get_func_namespace(fn));
    size_t sl = strlen(suffix), fl = strlen(fname);
    if (sl && fl > sl && strcmp(fname + fl - sl, suffix) == 0)
        fname[fl - sl] = '\0';
    if (e->valid && e->plan && same_user) {  // feature_ext.jit was turned on after planning
        ensure_jit(e->plan, schema, fname);
        return e->plan;
    }
    drop_plan(e);
    // One catalog read for the query and (requests, JIT on) the stored object.
    DeploymentRow row;
    bool want_jit = g_jit;  // requests and batch run the same compiled code
    if (!lookup_deployment(schema, fname, &row, want_jit))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("deployment \"%s.%s\" does not exist", schema, fname),
                        errhint("The function outlived its deployment: redeploy it with feature_ext.deploy() or "
                                "drop the function.")));
    DeployPlan *p = plan_row(psprintf("%s.%s", schema, fname), &row, CacheMemoryContext, nullptr);
    if (!*suffix && !signature_matches(fn, p)) {
        MemoryContextDelete(p->cxt);
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("deployment \"%s.%s\" no longer matches its table", schema, fname),
                        errdetail("The columns of table %s changed since the deployment was made.",
                                  get_rel_name(p->heapoid)),
                        errhint("Redeploy it with feature_ext.deploy(..., '{\"replace\": true}').")));
    }
    // Return the function's declared row type.
    TupleDesc rd;
    TypeFuncClass tfc = get_call_result_type(fcinfo, nullptr, &rd);
    if (tfc == TYPEFUNC_RECORD) {
        // feature_ext.batch(...) AS (...): the caller's column list
        auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        rd = rsi && rsi->expectedDesc ? rsi->expectedDesc : nullptr;
        tfc = rd ? TYPEFUNC_COMPOSITE : tfc;
    }
    if (tfc != TYPEFUNC_COMPOSITE || rd->natts != p->out_desc->natts) {
        MemoryContextDelete(p->cxt);
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("deployment \"%s.%s\" no longer matches its function", schema, fname),
                        errhint("The table or query changed: redeploy with feature_ext.deploy(..., '{\"replace\": true}').")));
    }
    for (int i = 0; i < rd->natts; i++)
        if (TupleDescAttr(rd, i)->atttypid != TupleDescAttr(p->out_desc, i)->atttypid) {
            MemoryContextDelete(p->cxt);
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("deployment \"%s.%s\" no longer matches its function", schema, fname),
                            errhint("Redeploy with feature_ext.deploy(..., '{\"replace\": true}').")));
        }
    MemoryContext old = MemoryContextSwitchTo(p->cxt);
    p->out_desc = BlessTupleDesc(CreateTupleDescCopy(rd));
    MemoryContextSwitchTo(old);
    p->stats = deploy_stats_entry(psprintf("%s.%s", schema, fname), false);
    // p is not in the cache yet: freed here if its table's shards refuse it.
    PG_TRY();
    {
        p->route = citus_route_build(p, schema, fname);
    }
    PG_CATCH();
    {
        MemoryContextDelete(p->cxt);
        PG_RE_THROW();
    }
    PG_END_TRY();
    e->plan = p;
    e->heapoid = p->heapoid;
    e->user = GetUserId();
    e->valid = true;
    e->batch = *suffix != '\0';
    if (want_jit)
        jit_attach(p, &row.jo);
    return p;
}

// Deployed functions share per-plan and per-backend buffers: one runs at a
// time.  A call made while another runs (an aggregate argument that calls a
// user function that calls a deployment) is refused instead of answering
// with the outer request's row.
int g_running = 0;

void refuse_reentry()
{
    if (g_running > 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("a deployed feature function cannot be called while another one is running"),
                        errhint("Call it in its own query, or compute the value before the request.")));
}

void spi_exec(const char *sql)
{
    int rc = SPI_execute(sql, false, 0);
    if (rc < 0)
        elog(ERROR, "feature_ext: SPI_execute failed (%d): %s", rc, sql);
}

}  // namespace
}  // namespace fe

// The body of every deployed feature function.
FE_FUNCTION(fe_deploy_call)
{
    instr_time t0, t1;
    INSTR_TIME_SET_CURRENT(t0);
    fe::refuse_reentry();  // before anything touches a plan's request row
    fe::DeployPlan *p = fe::plan_for(fcinfo);
    if (pg_class_aclcheck(p->heapoid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for table %s", get_rel_name(p->heapoid))));
    if (get_rel_relkind(p->heapoid) == '\0')
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("the table of deployment %s was dropped", p->name)));
    fe::union_check_call(p);  // every union table: SELECT, no RLS
    // The request row lives in the plan: nothing is allocated per call here.
    if (!p->req_values) {
        p->req_values = static_cast<Datum *>(MemoryContextAlloc(p->cxt, sizeof(Datum) * Max(p->natts, 1)));
        p->req_isnull = static_cast<bool *>(MemoryContextAlloc(p->cxt, sizeof(bool) * Max(p->natts, 1)));
    }
    Datum *values = p->req_values;
    bool *isnull = p->req_isnull;
    for (int a = 0; a < p->natts; a++) {
        values[a] = Datum(0);
        isnull[a] = true;
    }
    if (PG_NARGS() == 1 && p->nparams != 1) {
        // name(<table row>)
        if (PG_ARGISNULL(0))
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("request row must not be NULL")));
        HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(0);
        HeapTupleData tup;
        tup.t_len = HeapTupleHeaderGetDatumLength(th);
        ItemPointerSetInvalid(&tup.t_self);
        tup.t_tableOid = InvalidOid;
        tup.t_data = th;
        if (HeapTupleHeaderGetNatts(th) > p->natts)
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("request row has too many columns")));
        heap_deform_tuple(&tup, p->heap_desc, values, isnull);
    } else {
        if (PG_NARGS() != p->nparams)
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("deployment %s expects %d request values, got %d", p->name, p->nparams, PG_NARGS()),
                            errhint("The table changed since deployment: redeploy it.")));
        for (int i = 0; i < p->nparams; i++) {
            values[p->param_attnos[i] - 1] = PG_GETARG_DATUM(i);
            isnull[p->param_attnos[i] - 1] = PG_ARGISNULL(i);
        }
    }
    // A request whose key is on another node is forwarded there, unless
    // this backend serves forwarded requests itself (Citus's metadata
    // disagreeing between two nodes, during a shard move, must not bounce a
    // request between them: the node says whose the key is instead).
    fe::DeployPlan *run = p->route ? fe::citus_route_plan(p, values, isnull, !fe::citus_forwarded_here()) : p;
    if (!run) {
        fe::CitusRoute *r = p->route;
        Datum fwd = fe::citus_forward(p, r->fwd_sql, r->host[r->fwd_at], r->port[r->fwd_at], r->nodeid[r->fwd_at],
                                      values, isnull, &r->fwd_io);
        INSTR_TIME_SET_CURRENT(t1);
        INSTR_TIME_SUBTRACT(t1, t0);
        fe::deploy_stats_record(p->stats, fe::compat::instr_time_ns(t1));
        return fwd;
    }
    volatile Datum result = Datum(0);
    fe::g_running++;
    PG_TRY();
    {
        result = fe::run_request(run, run->req_values, run->req_isnull);
    }
    PG_FINALLY();
    {
        fe::g_running--;
    }
    PG_END_TRY();
    INSTR_TIME_SET_CURRENT(t1);
    INSTR_TIME_SUBTRACT(t1, t0);
    fe::deploy_stats_record(p->stats, fe::compat::instr_time_ns(t1));
    return result;
}

namespace {

struct BatchCursor {
    Portal portal;
    fe::DeployPlan *p;
    uint64 pos, n;
    Datum *v;   // deformed source row
    bool *n_;
    Tuplestorestate *store;  // instead of the portal: rows kept (Citus: one shard's part of a source)
    TupleTableSlot *slot;
};

// The next row of an SPI cursor, fetched 1,000 at a time (SPI_tuptable),
// or nullptr at its end; pos / n: the place in the current fetch.
HeapTuple cursor_next(Portal portal, uint64 *pos, uint64 *n)
{
    if (*pos == *n) {
        if (SPI_tuptable)
            SPI_freetuptable(SPI_tuptable);
        SPI_cursor_fetch(portal, true, 1000);
        *pos = 0;
        *n = SPI_processed;
        if (*n == 0)
            return nullptr;
    }
    return SPI_tuptable->vals[(*pos)++];
}

// The next row of an SPI cursor, or of a tuplestore when store is set,
// deformed into v / nl (once per row: attribute by attribute is quadratic);
// the values stay valid until the next row.
bool source_next(Portal portal, Tuplestorestate *store, TupleTableSlot *slot, uint64 *pos, uint64 *n, Datum *v,
                 bool *nl)
{
    if (store) {
        // A tuple read back from a spilled store is allocated in the current
        // context and freed by the slot at its next row: the slot's own
        // context, not a per-row one the caller resets meanwhile.
        MemoryContext old = MemoryContextSwitchTo(slot->tts_mcxt);
        bool got = tuplestore_gettupleslot(store, true, false, slot);
        MemoryContextSwitchTo(old);
        if (!got)
            return false;
        slot_getallattrs(slot);
        int natts = slot->tts_tupleDescriptor->natts;
        memcpy(v, slot->tts_values, sizeof(Datum) * natts);
        memcpy(nl, slot->tts_isnull, sizeof(bool) * natts);
        return true;
    }
    HeapTuple t = cursor_next(portal, pos, n);
    if (!t)
        return false;
    heap_deform_tuple(t, SPI_tuptable->tupdesc, v, nl);
    return true;
}

// BatchNext over an SPI cursor: the values stay valid until the next fetch,
// by which time run_batch has copied them into its sorts.
bool batch_next(void *arg, Datum *vals, bool *nulls)
{
    auto *c = static_cast<BatchCursor *>(arg);
    if (!source_next(c->portal, c->store, c->slot, &c->pos, &c->n, c->v, c->n_))
        return false;
    for (int i = 0; i < c->p->nparams; i++) {
        AttrNumber a = c->p->param_attnos[i];
        vals[a - 1] = c->v[i];
        nulls[a - 1] = c->n_[i];
    }
    return true;
}

bool source_is_name(const char *src);
const char *source_sql(fe::DeployPlan *p, text *source);

// Something in a source that another node may evaluate differently: a
// function that is not built in (it may read a table of this node alone, or
// write), or a row choice that depends on the order rows come in (LIMIT /
// OFFSET, DISTINCT ON, window functions, TABLESAMPLE).
bool source_differs_walker(Node *node, void *)
{
    if (!node)
        return false;
    if (check_functions_in_node(
            node, [](Oid f, void *) { return f >= FirstNormalObjectId; }, nullptr))
        return true;
    if (IsA(node, Query)) {
        auto *q = reinterpret_cast<Query *>(node);
        if (q->limitCount || q->limitOffset || q->hasDistinctOn || q->hasWindowFuncs)
            return true;
        ListCell *lc;
        foreach (lc, q->rtable)
            if (lfirst_node(RangeTblEntry, lc)->tablesample)
                return true;
        return query_tree_walker(
            q, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(source_differs_walker)), nullptr, 0);
    }
    return expression_tree_walker(
        node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(source_differs_walker)), nullptr);
}

// Can every node read source src and get the same rows: does it read
// Citus tables only (distributed, reference or Citus local tables, which
// Citus serves on every node), no table of this node alone (a plain or
// temporary table, a view), call no volatile function (random(): each node
// would draw other rows, and keys) nor any that is not built in, and choose
// no rows by the order they come in?  (The settings that change how a
// source parses and computes go with it: citus_source_settings().)
bool citus_source_everywhere(fe::DeployPlan *p, const char *src)
{
    SPI_connect();
    SPIPlanPtr plan = SPI_prepare(source_sql(p, cstring_to_text(src)), 0, nullptr);
    bool ok = plan != nullptr;
    ListCell *lc, *rc;
    if (plan)
        foreach (lc, SPI_plan_get_plan_sources(plan)) {
            auto *ps = static_cast<CachedPlanSource *>(lfirst(lc));
            foreach (rc, ps->relationOids)
                ok &= fe::citus_dist_method(lfirst_oid(rc)) != '\0';
            foreach (rc, ps->query_list) {
                Node *q = static_cast<Node *>(lfirst(rc));
                ok &= !contain_volatile_functions(q) && !source_differs_walker(q, nullptr);
            }
        }
    SPI_finish();
    return ok;
}

// Where batch() / training_set() over a Citus distributed table (*p has a
// route) computes, source src (nullptr: the table), when
// feature_ext.citus_parallel_batch is on, outside transaction blocks and not
// in a forwarded backend: kTable, the whole table on its shards' nodes (no
// source or the table by name); kSource, a source every node can read (a
// query or another table) on the nodes that hold shards, each its shards'
// part of it; else kHere, this node.  When src names one of the table's
// shards this node holds, *p becomes that shard's plan (kHere; a shard it
// does not hold is an error).
enum class Offline { kHere, kTable, kSource };
Offline citus_offline_route(fe::DeployPlan **p, const char *src)
{
    fe::DeployPlan *t = *p;
    Oid srel = !src ? t->heapoid
               : source_is_name(src)
                   ? RangeVarGetRelid(makeRangeVarFromNameList(fe::compat::string_to_qualified_names(src)), NoLock, true)
                   : InvalidOid;
    int at = srel == t->heapoid ? -1 : fe::citus_source_shard(t, srel);
    if (at >= 0) {
        *p = fe::citus_shard_plan(t, at);
        return Offline::kHere;
    }
    if (!fe::g_citus_parallel_batch || fe::citus_multi_statement_transaction() || fe::citus_forwarded_here())
        return Offline::kHere;
    if (srel == t->heapoid)
        return Offline::kTable;
    return citus_source_everywhere(t, src) ? Offline::kSource : Offline::kHere;
}

// A batch source has the columns of the deployment's table, in order.
void check_batch_source(fe::DeployPlan *p, TupleDesc sd)
{
    if (sd->natts != p->nparams)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("batch source has %d columns but table %s has %d", sd->natts, get_rel_name(p->heapoid),
                               p->nparams),
                        errhint("The source must have the columns of the deployment's table, in order.")));
    for (int i = 0; i < p->nparams; i++) {
        Oid want = TupleDescAttr(p->heap_desc, p->param_attnos[i] - 1)->atttypid;
        if (TupleDescAttr(sd, i)->atttypid != want)
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("batch source column %d is %s but table column \"%s\" is %s", i + 1,
                                   format_type_be(TupleDescAttr(sd, i)->atttypid),
                                   NameStr(TupleDescAttr(p->heap_desc, p->param_attnos[i] - 1)->attname),
                                   format_type_be(want))));
    }
}

// run_batch() of p over bc's rows into the SRF's tuplestore.
void batch_run(fe::DeployPlan *p, BatchCursor *bc, ReturnSetInfo *rsi)
{
    fe::refuse_reentry();
    fe::g_running++;
    PG_TRY();
    {
        fe::run_batch(p, batch_next, bc, rsi->setResult, rsi->setDesc);
    }
    PG_FINALLY();
    {
        fe::g_running--;
    }
    PG_END_TRY();
}

// The rows of `sql` (a batch source) through p's batch() into the SRF's
// tuplestore.
void batch_sql(fe::DeployPlan *p, const char *sql, ReturnSetInfo *rsi)
{
    SPI_connect();
    SPIPlanPtr plan = SPI_prepare(sql, 0, nullptr);
    if (!plan)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("batch source must be a table or a SELECT")));
    Portal portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, true);
    TupleDesc sd = portal->tupDesc;
    if (!sd)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("batch source must be a table or a SELECT")));
    check_batch_source(p, sd);
    // Streamed through the cursor, a thousand rows at a time.
    BatchCursor bc{portal, p, 0, 0, static_cast<Datum *>(palloc(sizeof(Datum) * sd->natts)),
                   static_cast<bool *>(palloc(sizeof(bool) * sd->natts)), nullptr, nullptr};
    batch_run(p, &bc, rsi);
    SPI_cursor_close(portal);
    SPI_finish();
}

// Citus: this node's shards of a parallel batch() (citus_gather's local step).
struct LocalShards {
    fe::DeployPlan *p;
    int *at;
    int n;
    ReturnSetInfo *rsi;
};

void batch_local_shards(void *arg)
{
    auto *ls = static_cast<LocalShards *>(arg);
    for (int i = 0; i < ls->n; i++) {
        fe::DeployPlan *sp = fe::citus_shard_plan(ls->p, ls->at[i]);
        Oid rel = ls->p->route->relid[ls->at[i]];
        batch_sql(sp, psprintf("SELECT * FROM %s", quote_qualified_identifier(get_namespace_name(get_rel_namespace(rel)),
                                                                              get_rel_name(rel))),
                  ls->rsi);
    }
}

// The query text of the node that holds shard `at` of p's table (a new
// entry of nodes / sqls for a node not seen yet), or nullptr when this node
// holds it (an active placement here).
StringInfo node_query(fe::DeployPlan *p, int at, fe::GatherNode *nodes, StringInfoData *sqls, int *nn)
{
    fe::CitusRoute *r = p->route;
    if (OidIsValid(r->relid[at]) && get_rel_relkind(r->relid[at]) != '\0')
        return nullptr;
    if (!r->host[at] || !r->shard_name[at])
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("shard %lld of table %s has no active placement on a primary node",
                               (long long) r->shardid[at], get_rel_name(p->heapoid))));
    int j = 0;
    while (j < *nn && !(nodes[j].port == r->port[at] && strcmp(nodes[j].host, r->host[at]) == 0))
        j++;
    if (j == *nn) {
        nodes[j].host = r->host[at];
        nodes[j].port = r->port[at];
        nodes[j].nodeid = r->nodeid[at];
        initStringInfo(&sqls[j]);
        (*nn)++;
    }
    return &sqls[j];
}

// batch() over the whole distributed table, on the shards in parallel: each
// node that holds shards computes them (`<name>_batch(shard)` there, as the
// caller, over the forwarder's connections), this node its own; the rows
// are gathered node after node.  Each key's rows are in one shard (the
// windows are partitioned by the distribution column) and keep its order,
// so every row's features are what one node computing over the whole table
// gives; joins and union windows read the colocated shards on each node.
void citus_parallel_batch(fe::DeployPlan *p, ReturnSetInfo *rsi)
{
    fe::CitusRoute *r = p->route;
    auto *nodes = static_cast<fe::GatherNode *>(palloc0(sizeof(fe::GatherNode) * Max(r->nshards, 1)));
    auto *sqls = static_cast<StringInfoData *>(palloc0(sizeof(StringInfoData) * Max(r->nshards, 1)));
    LocalShards ls{p, static_cast<int *>(palloc(sizeof(int) * Max(r->nshards, 1))), 0, rsi};
    int nn = 0;
    const char *fn = quote_qualified_identifier(r->schema, psprintf("%s_batch", r->fname));
    for (int at = 0; at < r->nshards; at++) {
        StringInfo q = node_query(p, at, nodes, sqls, &nn);
        if (!q)
            ls.at[ls.n++] = at;
        else
            appendStringInfo(q, "%sSELECT * FROM %s(%s)", q->len ? " UNION ALL " : "", fn,
                             quote_literal_cstr(r->shard_name[at]));
    }
    for (int j = 0; j < nn; j++)
        nodes[j].sql = sqls[j].data;
    fe::citus_gather(nodes, nn, rsi->setDesc, rsi->setResult, batch_local_shards, &ls);
}

// ", NULL::rowtype" (typed) or the column list " AS t(...)" of td: what
// a call sent to another node needs to return this call's rows.
void append_result_form(StringInfo q, TupleDesc td, Oid rowtype, bool list)
{
    if (!list) {
        appendStringInfo(q, ", NULL::%s", format_type_be_qualified(rowtype));
        return;
    }
    appendStringInfoString(q, " AS t(");
    for (int i = 0; i < td->natts; i++) {
        Form_pg_attribute a = TupleDescAttr(td, i);
        appendStringInfo(q, "%s%s %s", i ? ", " : "", quote_identifier(NameStr(a->attname)),
                         format_type_extended(a->atttypid, a->atttypmod,
                                              FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
    }
    appendStringInfoChar(q, ')');
}

// This node's part of a parallel computation: the rows of `sql` (a call
// of this library's functions for the shards here, or nullptr: none) into
// the tuplestore (citus_gather's local step).
struct LocalCall {
    const char *sql;
    ReturnSetInfo *rsi;
};

void local_call(void *arg)
{
    auto *l = static_cast<LocalCall *>(arg);
    if (!l->sql)
        return;
    SPI_connect();
    if (SPI_execute(l->sql, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "feature_ext: the computation of this node's shards failed");
    for (uint64 i = 0; i < SPI_processed; i++)
        tuplestore_puttuple(l->rsi->setResult, SPI_tuptable->vals[i]);
    SPI_finish();
}

// batch() (mode "batch") or training_set() (mode "as_of" / "insertion") of a
// source every node can read (a query, or a table other than the
// deployment's), on the nodes that hold the table's shards: each such node
// reads the source once and computes the rows whose key its shards hold,
// each shard's against that shard (feature_ext.citus_source_shards() there,
// as the caller, with this session's search_path), this node its own; the
// rows gathered as citus_parallel_batch() gathers them.  A key's rows are
// all in one shard, so every row gets what one node computing over the
// whole table gives.
void citus_parallel_source(fe::DeployPlan *p, ReturnSetInfo *rsi, const char *dep, const char *src, const char *mode,
                           Oid rowtype)
{
    fe::CitusRoute *r = p->route;
    auto *nodes = static_cast<fe::GatherNode *>(palloc0(sizeof(fe::GatherNode) * Max(r->nshards, 1)));
    auto *lists = static_cast<StringInfoData *>(palloc0(sizeof(StringInfoData) * Max(r->nshards, 1)));
    StringInfoData local;
    initStringInfo(&local);
    int nn = 0;
    for (int at = 0; at < r->nshards; at++) {
        StringInfo l = node_query(p, at, nodes, lists, &nn);
        const char *shard = l ? r->shard_name[at]
                              : quote_qualified_identifier(get_namespace_name(get_rel_namespace(r->relid[at])),
                                                           get_rel_name(r->relid[at]));
        if (!l)
            l = &local;
        appendStringInfo(l, "%s%s", l->len ? ", " : "", quote_literal_cstr(shard));
    }
    // The settings that change how the source parses and computes, as this
    // session has them (the node sets them while it reads the source).
    static const char *const kSourceSettings[] = {
        "search_path",   "DateStyle",   "IntervalStyle",         "TimeZone",  "standard_conforming_strings",
        "backslash_quote", "extra_float_digits", "bytea_output", "array_nulls", "transform_null_equals",
        "xmlbinary",     "xmloption"};
    StringInfoData settings;
    initStringInfo(&settings);
    for (const char *name : kSourceSettings) {
        const char *v = GetConfigOption(name, true, false);
        if (v)
            appendStringInfo(&settings, "%s%s, %s", settings.len ? ", " : "", quote_literal_cstr(name),
                             quote_literal_cstr(v));
    }
    auto call = [&](const char *shards) {
        StringInfoData q;
        initStringInfo(&q);
        appendStringInfo(&q,
                         "SELECT * FROM feature_ext.citus_source_shards(%s, ARRAY[%s]::pg_catalog.text[], %s, "
                         "ARRAY[%s]::pg_catalog.text[]",
                         quote_literal_cstr(dep), shards, quote_literal_cstr(src), settings.data);
        if (OidIsValid(rowtype))
            append_result_form(&q, rsi->setDesc, rowtype, false);
        appendStringInfo(&q, ", %s)", quote_literal_cstr(mode));
        if (!OidIsValid(rowtype))
            append_result_form(&q, rsi->setDesc, rowtype, true);
        return q.data;
    };
    for (int j = 0; j < nn; j++)
        nodes[j].sql = call(lists[j].data);
    LocalCall lc{local.len ? call(local.data) : nullptr, rsi};
    fe::citus_gather(nodes, nn, rsi->setDesc, rsi->setResult, local_call, &lc);
}

// Run the deployment over `source` (a table name, a query, or NULL for the
// deployment's table) into the SRF's tuplestore.
void batch_into(FunctionCallInfo fcinfo, fe::DeployPlan *p, text *source)
{
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    if (pg_class_aclcheck(p->heapoid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for table %s", get_rel_name(p->heapoid))));
    char *src = source ? text_to_cstring(source) : nullptr;
    if (p->route) {
        // Over a Citus distributed table: the whole table (no source, or
        // the table by name) on its shards' nodes, outside transaction
        // blocks; one of its shards here with that shard's plan (a
        // parallel batch() sends each node such calls).
        Offline where = citus_offline_route(&p, src);
        if (where == Offline::kTable) {
            citus_parallel_batch(p, rsi);
            return;
        }
        if (where == Offline::kSource) {
            citus_parallel_source(p, rsi, quote_qualified_identifier(p->route->schema, p->route->fname), src, "batch",
                                  InvalidOid);
            return;
        }
    }
    batch_sql(p, source_sql(p, source), rsi);
}

// The request and batch functions of deployment fname in namespace nsp, as
// the catalog lists them (their signatures may differ from a new plan's, if
// the table was re-created with other types): C functions of this library
// bound to fe_deploy_call / fe_batch_call.  At most 3.
int deployed_functions(Oid nsp, const char *fname, Oid *out)
{
    int n = 0;
    const char *names[2] = {fname, psprintf("%s_batch", fname)};
    const char *symbols[2] = {"fe_deploy_call", "fe_batch_call"};
    for (int k = 0; k < 2; k++) {
        CatCList *list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(names[k]));
        for (int i = 0; i < list->n_members; i++) {
            HeapTuple tup = &list->members[i]->tuple;
            auto *f = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tup));
            if (f->pronamespace != nsp || f->prolang != ClanguageId)
                continue;
            bool isnull;
            Datum src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
            if (!isnull && strcmp(TextDatumGetCString(src), symbols[k]) == 0 && n < 3)
                out[n++] = f->oid;
        }
        ReleaseSysCacheList(list);
    }
    return n;
}

// The composite result type of deployment fname, or InvalidOid.
Oid result_type(Oid nsp, const char *fname)
{
    return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(psprintf("%s_result", fname)),
                           ObjectIdGetDatum(nsp));
}

// Delete deployment schema.fname's catalog row (as the extension owner).
void delete_catalog_row(const char *schema, const char *fname)
{
    Oid types[2] = {NAMEOID, NAMEOID};
    NameData sn, fnn;
    namestrcpy(&sn, schema);
    namestrcpy(&fnn, fname);
    Datum args[2] = {NameGetDatum(&sn), NameGetDatum(&fnn)};
    fe::catalog_exec("DELETE FROM feature_ext.deployment d "
                     " WHERE d.schema_name OPERATOR(pg_catalog.=) $1 AND d.name OPERATOR(pg_catalog.=) $2",
                     2, types, args, nullptr, false);
}

// Drop a deployment's functions and result type as the caller, who must own
// them (as DROP FUNCTION / DROP TYPE would check), then its catalog row.
void drop_deployment(const char *schema, Oid nsp, const char *fname, const char *row_owner, bool row_exists)
{
    Oid fns[3];
    int nf = deployed_functions(nsp, fname, fns);
    for (int i = 0; i < nf; i++)
        if (!object_ownercheck(ProcedureRelationId, fns[i], GetUserId()))
            ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                            errmsg("must be owner of deployment %s", quote_qualified_identifier(schema, fname)),
                            errdetail("Function %s belongs to another role.", format_procedure(fns[i]))));
    if (nf == 0 && row_exists && !superuser()) {
        // Functions already gone: the row's owner (or a member) may clear it.
        Oid owner = row_owner ? get_role_oid(row_owner, true) : InvalidOid;
        if (!OidIsValid(owner) || !has_privs_of_role(GetUserId(), owner))
            ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                            errmsg("must be owner of deployment %s", quote_qualified_identifier(schema, fname))));
    }
    Oid typ = result_type(nsp, fname);
    if (OidIsValid(typ) && !object_ownercheck(TypeRelationId, typ, GetUserId()))
        aclcheck_error_type(ACLCHECK_NOT_OWNER, typ);
    ObjectAddresses *objs = new_object_addresses();
    for (int i = 0; i < nf; i++) {
        ObjectAddress a;
        ObjectAddressSet(a, ProcedureRelationId, fns[i]);
        LockDatabaseObject(ProcedureRelationId, fns[i], 0, AccessExclusiveLock);
        add_exact_object_address(&a, objs);
    }
    if (OidIsValid(typ)) {
        ObjectAddress a;
        ObjectAddressSet(a, TypeRelationId, typ);
        LockDatabaseObject(TypeRelationId, typ, 0, AccessExclusiveLock);
        add_exact_object_address(&a, objs);
    }
    performMultipleDeletions(objs, DROP_RESTRICT, 0);
    free_object_addresses(objs);
    if (row_exists)
        delete_catalog_row(schema, fname);
    CommandCounterIncrement();
}

// The result type a deployment left behind when its functions were dropped
// without it (DROP TABLE ... CASCADE): created by deploy() (it depends on the
// extension) and owned by the caller.  Dropped before deploying the name again.
void drop_leftover_type(Oid nsp, const char *fname)
{
    Oid typ = result_type(nsp, fname);
    if (!OidIsValid(typ) || !object_ownercheck(TypeRelationId, typ, GetUserId()))
        return;
    Oid ext = get_extension_oid("feature_ext", false);
    bool ours = false;
    Relation dep = table_open(DependRelationId, AccessShareLock);
    ScanKeyData key[2];
    ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(TypeRelationId));
    ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(typ));
    SysScanDesc scan = systable_beginscan(dep, DependDependerIndexId, true, nullptr, 2, key);
    HeapTuple tup;
    while (HeapTupleIsValid(tup = systable_getnext(scan))) {
        auto *d = reinterpret_cast<Form_pg_depend>(GETSTRUCT(tup));
        ours |= d->refclassid == ExtensionRelationId && d->refobjid == ext && d->deptype == DEPENDENCY_NORMAL;
    }
    systable_endscan(scan);
    table_close(dep, AccessShareLock);
    if (!ours)
        return;
    ObjectAddress a;
    ObjectAddressSet(a, TypeRelationId, typ);
    LockDatabaseObject(TypeRelationId, typ, 0, AccessExclusiveLock);
    performDeletion(&a, DROP_RESTRICT, 0);
    CommandCounterIncrement();
}

// Redeploying with the same result columns and request signature keeps the
// functions and the result type (their OIDs): prepared statements and
// clients that cached the row type go on working.  Only the dependencies on
// what the query uses are replaced, and cached plans of the old and new
// table are invalidated.  False (nothing changed) when anything differs.
bool reuse_deployment(const char *schema, Oid nsp, const char *fname, fe::DeployPlan *p, Oid rowtype,
                      const Oid *argtypes, Oid old_relid, Oid *fns, int *nf_out, Oid *typ_out)
{
    int nf = deployed_functions(nsp, fname, fns);
    Oid typ = result_type(nsp, fname);
    if (!OidIsValid(typ) || nf != (p->nparams != 1 ? 3 : 2) || !object_ownercheck(TypeRelationId, typ, GetUserId()))
        return false;
    TupleDesc td = lookup_rowtype_tupdesc_noerror(typ, -1, true);
    if (!td)
        return false;
    bool same = td->natts == p->nout;
    for (int i = 0; same && i < p->nout; i++) {
        Form_pg_attribute a = TupleDescAttr(td, i), b = TupleDescAttr(p->out_desc, i);
        same = !a->attisdropped && strcmp(NameStr(a->attname), NameStr(b->attname)) == 0 &&
               a->atttypid == b->atttypid && a->atttypmod == b->atttypmod && a->attcollation == b->attcollation;
    }
    ReleaseTupleDesc(td);
    bool have_req = false, have_row = p->nparams == 1, have_batch = false;
    for (int i = 0; same && i < nf; i++) {
        HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fns[i]));
        if (!HeapTupleIsValid(tup))
            return false;
        auto *f = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tup));
        bool owned = object_ownercheck(ProcedureRelationId, fns[i], GetUserId());
        bool batch = f->proretset;
        bool req = !batch && f->pronargs == p->nparams;
        for (int k = 0; req && k < p->nparams; k++)
            req = f->proargtypes.values[k] == argtypes[k];
        bool row = !batch && !req && f->pronargs == 1 && f->proargtypes.values[0] == rowtype;
        same = owned && f->prorettype == typ && (req || row || (batch && f->pronargs == 1));
        have_req |= req;
        have_row |= row;
        have_batch |= batch;
        ReleaseSysCache(tup);
    }
    if (!same || !have_req || !have_row || !have_batch)
        return false;
    static const Oid query_classes[] = {RelationRelationId, ProcedureRelationId, OperatorRelationId, TypeRelationId,
                                        CollationRelationId};
    for (int i = 0; i < nf; i++) {
        for (Oid c : query_classes)
            deleteDependencyRecordsForClass(ProcedureRelationId, fns[i], c, DEPENDENCY_NORMAL);
        // The signature's own types, as ProcedureCreate recorded them.
        ObjectAddress fa, ta;
        ObjectAddressSet(fa, ProcedureRelationId, fns[i]);
        HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fns[i]));
        auto *f = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tup));
        ObjectAddressSet(ta, TypeRelationId, f->prorettype);
        recordDependencyOn(&fa, &ta, DEPENDENCY_NORMAL);
        for (int k = 0; k < f->pronargs; k++) {
            ObjectAddressSet(ta, TypeRelationId, f->proargtypes.values[k]);
            recordDependencyOn(&fa, &ta, DEPENDENCY_NORMAL);
        }
        ReleaseSysCache(tup);
    }
    if (OidIsValid(old_relid))
        CacheInvalidateRelcacheByRelid(old_relid);
    CacheInvalidateRelcacheByRelid(p->heapoid);
    delete_catalog_row(schema, fname);
    CommandCounterIncrement();
    *nf_out = nf;
    *typ_out = typ;
    return true;
}

// A C function of this library, created as the caller and owned by them.
// (CREATE FUNCTION ... LANGUAGE c needs superuser rights because it can bind
// any symbol of any library; this binds only our own entry points, so the
// catalog routine is called directly, without the language check and
// without any SQL.)
Oid create_function(const char *name, Oid nsp, Oid rettype, bool retset, int nargs, const Oid *argtypes,
                    const char *const *argnames, const char *symbol, char parallel, List *defaults)
{
    Datum *nd = static_cast<Datum *>(palloc(sizeof(Datum) * Max(nargs, 1)));
    for (int i = 0; i < nargs; i++)
        nd[i] = CStringGetTextDatum(argnames[i]);
    ArrayType *names = construct_array(nd, nargs, TEXTOID, -1, false, TYPALIGN_INT);
    ObjectAddress a = fe::compat::procedure_create(
        name, nsp, false, retset, rettype, GetUserId(), ClanguageId, InvalidOid, symbol, "$libdir/feature_ext",
        nullptr, PROKIND_FUNCTION, false, false, false, PROVOLATILE_VOLATILE, parallel,
        buildoidvector(argtypes, nargs), PointerGetDatum(nullptr), PointerGetDatum(nullptr), PointerGetDatum(names),
        defaults, PointerGetDatum(nullptr), PointerGetDatum(nullptr), InvalidOid, 1, retset ? 1000 : 0);
    CommandCounterIncrement();
    return a.objectId;
}

}  // namespace

// <name>_batch(source text DEFAULT NULL) -> SETOF <name>_result
FE_FUNCTION(fe_batch_call)
{
    fe::DeployPlan *p = fe::plan_for(fcinfo, "_batch");
    batch_into(fcinfo, p, PG_ARGISNULL(0) ? nullptr : PG_GETARG_TEXT_PP(0));
    return Datum(0);
}

// feature_ext.batch(deployment text, source text) -> SETOF record (with a column list)
FE_FUNCTION(fe_batch_named)
{
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("deployment name must not be NULL")));
    List *names = textToQualifiedNameList(PG_GETARG_TEXT_PP(0));
    char *schema = nullptr, *fname = nullptr;
    DeconstructQualifiedName(names, &schema, &fname);
    if (!schema)
        schema = get_namespace_name(QualifiedNameGetCreationNamespace(names, &fname));
    fe::DeploymentRow row;
    if (!fe::lookup_deployment(schema, fname, &row, false))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("deployment \"%s.%s\" does not exist", schema, fname)));
    fe::DeployPlan *p = fe::plan_row(psprintf("%s.%s", schema, fname), &row, CurrentMemoryContext, nullptr);
    p->route = fe::citus_route_build(p, schema, fname);  // (a Citus distributed table: see batch_into)
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    if (!rsi || !rsi->expectedDesc || rsi->expectedDesc->natts != p->nout)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("feature_ext.batch needs a column list matching deployment %s.%s", schema, fname),
                        errhint("Call %s.%s_batch(source) for typed rows, or add AS (...) with the %d output columns.",
                                quote_identifier(schema), quote_identifier(fname), p->nout)));
    for (int i = 0; i < p->nout; i++)
        if (TupleDescAttr(rsi->expectedDesc, i)->atttypid != TupleDescAttr(p->out_desc, i)->atttypid)
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("column %d of the column list is %s but deployment %s.%s returns %s", i + 1,
                                   format_type_be(TupleDescAttr(rsi->expectedDesc, i)->atttypid), schema, fname,
                                   format_type_be(TupleDescAttr(p->out_desc, i)->atttypid))));
    batch_into(fcinfo, p, PG_ARGISNULL(1) ? nullptr : PG_GETARG_TEXT_PP(1));
    return Datum(0);
}

namespace {

// ---- training_set() (SPEC §5.1): label rows in, their columns plus features out

struct LabelCursor {
    Portal portal;
    fe::DeployPlan *p;
    uint64 pos, n;
    int nsrc;
    const int *map;  // per request parameter: the source column, or -1
    Tuplestorestate *store;  // as in BatchCursor
    TupleTableSlot *slot;
};

bool label_next(void *arg, Datum *vals, bool *nulls, Datum *src, bool *srcnulls)
{
    auto *c = static_cast<LabelCursor *>(arg);
    if (!source_next(c->portal, c->store, c->slot, &c->pos, &c->n, src, srcnulls))
        return false;
    for (int i = 0; i < c->p->nparams; i++)
        if (c->map[i] >= 0) {
            AttrNumber a = c->p->param_attnos[i];
            vals[a - 1] = src[c->map[i]];
            nulls[a - 1] = srcnulls[c->map[i]];
        }
    return true;
}

// The deployment named by a text argument (schema-qualified or the creation
// schema of the search_path, as feature_ext.batch()).
fe::DeployPlan *plan_named(text *name, fe::DeploymentRow *row, bool want_jit, char **schema_out = nullptr,
                           char **fname_out = nullptr)
{
    List *names = textToQualifiedNameList(name);
    char *schema = nullptr, *fname = nullptr;
    DeconstructQualifiedName(names, &schema, &fname);
    if (!schema)
        schema = get_namespace_name(QualifiedNameGetCreationNamespace(names, &fname));
    if (!fe::lookup_deployment(schema, fname, row, want_jit))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("deployment \"%s.%s\" does not exist", schema, fname)));
    fe::DeployPlan *p = fe::plan_row(psprintf("%s.%s", schema, fname), row, CurrentMemoryContext, nullptr);
    if (pg_class_aclcheck(p->heapoid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for table %s", get_rel_name(p->heapoid))));
    if (schema_out)
        *schema_out = schema;
    if (fname_out)
        *fname_out = fname;
    return p;
}

// Is a source a (possibly qualified, possibly quoted) table name, not a
// query: identifier characters only?
bool source_is_name(const char *src)
{
    bool is_name = *src != '\0', quoted = false;
    for (const char *c = src; *c && is_name; c++) {
        if (*c == '"')
            quoted = !quoted;
        else if (!quoted)
            is_name = isalnum(static_cast<unsigned char>(*c)) || *c == '_' || *c == '$' || *c == '.' ||
                      static_cast<unsigned char>(*c) >= 0x80;
    }
    return is_name && !quoted;
}

// training_set() over the whole distributed table on its shards' nodes, as
// citus_parallel_batch does for batch(): each node runs training_set() over
// each of its shards (as the caller; that shard's plan there, its history
// the shard's rows, which hold every row of its keys), this node its own.
// The nodes' progress NOTICEs are relayed by the gather (citus_forward_pg.cpp).
void citus_parallel_training(fe::DeployPlan *p, ReturnSetInfo *rsi, const char *dep, const char *mode, Oid rowtype)
{
    fe::CitusRoute *r = p->route;
    TupleDesc td = rsi->setDesc;
    StringInfoData tail;  // after the source argument
    initStringInfo(&tail);
    if (OidIsValid(rowtype))
        append_result_form(&tail, td, rowtype, false);
    appendStringInfo(&tail, ", mode => %s, progress => 0)", quote_literal_cstr(mode));
    if (!OidIsValid(rowtype))
        append_result_form(&tail, td, rowtype, true);
    auto *nodes = static_cast<fe::GatherNode *>(palloc0(sizeof(fe::GatherNode) * Max(r->nshards, 1)));
    auto *sqls = static_cast<StringInfoData *>(palloc0(sizeof(StringInfoData) * Max(r->nshards, 1)));
    int nn = 0;
    StringInfoData local;
    initStringInfo(&local);
    for (int at = 0; at < r->nshards; at++) {
        StringInfo q = node_query(p, at, nodes, sqls, &nn);
        const char *shard = q ? r->shard_name[at]
                              : quote_qualified_identifier(get_namespace_name(get_rel_namespace(r->relid[at])),
                                                           get_rel_name(r->relid[at]));
        if (!q)
            q = &local;
        appendStringInfo(q, "%sSELECT * FROM feature_ext.training_set(%s, %s%s", q->len ? " UNION ALL " : "",
                         quote_literal_cstr(dep), quote_literal_cstr(shard), tail.data);
    }
    for (int j = 0; j < nn; j++)
        nodes[j].sql = sqls[j].data;
    // This node's shards through SPI, the same calls.
    LocalCall lc{local.len ? local.data : nullptr, rsi};
    fe::citus_gather(nodes, nn, td, rsi->setResult, local_call, &lc);
}

// deploy()'s long_windows option (OpenMLDB's DEPLOY ... OPTIONS(long_windows
// = 'w1:1d,w2:1000')): each entry names a window of the query and a bucket,
// a positive number of rows or of seconds / minutes / hours / days (s, m,
// h, d).  feature_ext pre-aggregates long windows by itself (docs/DEPLOY.md,
// "Long windows"), so the option is checked and kept, as OpenMLDB would
// check it, and changes nothing else.
void check_long_windows(fe::DeployPlan *p, Datum options)
{
    Jsonb *jb = DatumGetJsonbP(options);
    JsonbValue key;
    key.type = jbvString;
    key.val.string.val = const_cast<char *>("long_windows");
    key.val.string.len = strlen("long_windows");
    JsonbValue *v = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &key);
    if (!v)
        return;
    if (v->type != jbvString)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("deploy option long_windows must be a string"),
                        errhint("OpenMLDB's form: '{\"long_windows\": \"w1:1d,w2:1000\"}'.")));
    char *spec = pnstrdup(v->val.string.val, v->val.string.len);
    char *save = nullptr;
    bool any = false;
    for (char *e = strtok_r(spec, ",", &save); e; e = strtok_r(nullptr, ",", &save)) {
        while (*e == ' ')
            e++;
        char *colon = strchr(e, ':');
        char *end = e + strlen(e);
        while (end > e && end[-1] == ' ')
            *--end = '\0';
        if (!colon || colon == e)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("deploy option long_windows: \"%s\" is not window:bucket", e),
                            errhint("For example '{\"long_windows\": \"w1:1d,w2:1000\"}'.")));
        *colon = '\0';
        const char *b = colon + 1;
        size_t nd = strspn(b, "0123456789");
        bool ok = nd > 0 && b[0] != '0' && (b[nd] == '\0' || (strchr("smhd", b[nd]) && b[nd + 1] == '\0'));
        if (!ok)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("deploy option long_windows: bucket \"%s\" of window \"%s\" is not a number of rows "
                                   "or of s, m, h or d", b, e)));
        bool found = false;
        ListCell *lc;
        if (p->analyzed)
            foreach (lc, p->analyzed->windowClause) {
                WindowClause *wc = lfirst_node(WindowClause, lc);
                found |= wc->name && strcmp(wc->name, e) == 0;
            }
        if (!found)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                            errmsg("deploy option long_windows names window \"%s\", which the query does not define", e)));
        any = true;
    }
    if (!any)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("deploy option long_windows is empty")));
}

// The SQL reading a source: a table name (resolved in the caller's
// search_path, then quoted), a query, or NULL for the deployment's table.
const char *source_sql(fe::DeployPlan *p, text *source)
{
    char *src = source ? text_to_cstring(source) : nullptr;
    if (!src)
        return psprintf("SELECT * FROM %s", quote_qualified_identifier(get_namespace_name(get_rel_namespace(p->heapoid)),
                                                                       get_rel_name(p->heapoid)));
    if (source_is_name(src)) {
        Oid rel = RangeVarGetRelid(makeRangeVarFromNameList(fe::compat::string_to_qualified_names(src)), NoLock, false);
        return psprintf("SELECT * FROM %s",
                        quote_qualified_identifier(get_namespace_name(get_rel_namespace(rel)), get_rel_name(rel)));
    }
    return psprintf("SELECT * FROM (%s) AS feature_ext_source", src);
}

Portal open_source(const char *sql)
{
    SPIPlanPtr plan = SPI_prepare(sql, 0, nullptr);
    if (!plan)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("training_set source must be a table or a SELECT")));
    Portal portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, true);
    if (!portal->tupDesc)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("training_set source must be a table or a SELECT")));
    return portal;
}

// The column definition list of training_set(p, source): the source's
// columns, then the features (a feature named like a source column gets the
// suffix _feature, so that the names stay distinct).
char *training_columns(fe::DeployPlan *p, TupleDesc sd)
{
    StringInfoData b;
    initStringInfo(&b);
    appendStringInfoChar(&b, '(');
    bool first = true;
    for (int i = 0; i < sd->natts; i++) {
        Form_pg_attribute a = TupleDescAttr(sd, i);
        if (a->attisdropped)
            continue;
        appendStringInfo(&b, "%s%s %s", first ? "" : ", ", quote_identifier(NameStr(a->attname)),
                         format_type_with_typemod(a->atttypid, a->atttypmod));
        first = false;
    }
    for (int i = 0; i < p->nout; i++) {
        Form_pg_attribute a = TupleDescAttr(p->out_desc, i);
        const char *name = NameStr(a->attname);
        for (int j = 0; j < sd->natts; j++)
            if (strcmp(NameStr(TupleDescAttr(sd, j)->attname), name) == 0)
                name = psprintf("%s_feature", name);
        appendStringInfo(&b, "%s%s %s", first ? "" : ", ", quote_identifier(name),
                         format_type_with_typemod(a->atttypid, a->atttypmod));
        first = false;
    }
    appendStringInfoChar(&b, ')');
    return b.data;
}

// Which source column feeds each request parameter (by name), checked: the
// keys and order columns of every window must be there, with the table's
// types; other columns the source lacks are NULL in the request row.
int *map_source(fe::DeployPlan *p, TupleDesc sd)
{
    int *map = static_cast<int *>(palloc(sizeof(int) * Max(p->nparams, 1)));
    for (int i = 0; i < p->nparams; i++) {
        AttrNumber att = p->param_attnos[i];
        Form_pg_attribute ta = TupleDescAttr(p->heap_desc, att - 1);
        map[i] = -1;
        for (int j = 0; j < sd->natts; j++) {
            Form_pg_attribute sa = TupleDescAttr(sd, j);
            if (sa->attisdropped || strcmp(NameStr(sa->attname), NameStr(ta->attname)) != 0)
                continue;
            if (map[i] >= 0)
                ereport(ERROR, (errcode(ERRCODE_AMBIGUOUS_COLUMN),
                                errmsg("training_set source has more than one column named \"%s\"", NameStr(ta->attname)),
                                errhint("Select the table's columns once, e.g. SELECT t.*, l.label FROM ...")));
            if (sa->atttypid != ta->atttypid)
                ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                errmsg("training_set source column \"%s\" is %s but table %s has %s",
                                       NameStr(ta->attname), format_type_be(sa->atttypid), get_rel_name(p->heapoid),
                                       format_type_be(ta->atttypid)),
                                errhint("Cast it in the source query: %s::%s.", quote_identifier(NameStr(ta->attname)),
                                        format_type_be(ta->atttypid))));
            map[i] = j;
        }
        if (map[i] >= 0)
            continue;
        for (int g = 0; g < p->ngroups; g++) {
            bool needed = p->groups[g].order_attno == att;
            for (int k = 0; k < p->groups[g].nkeys; k++)
                needed |= p->groups[g].key_attnos[k] == att;
            if (needed)
                ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                                errmsg("training_set source has no column \"%s\"", NameStr(ta->attname)),
                                errdetail("Each source row is a request: it needs the key and order columns of the "
                                          "deployment's windows, named as in table %s.",
                                          get_rel_name(p->heapoid)),
                                errhint("Columns the source lacks otherwise are NULL in the request row.")));
        }
    }
    return map;
}

}  // namespace

namespace {

// The columns of training_set()'s typed form: per column of row_type, a
// source column of that name, else a feature of that name (or of that name
// + "_feature", as training_set_columns() spells a feature named like a
// source column): its index in the source's columns then the features.
int *training_out_map(fe::DeployPlan *p, TupleDesc sd, TupleDesc rowdesc)
{
    int *out_map = static_cast<int *>(palloc(sizeof(int) * Max(rowdesc->natts, 1)));
    for (int i = 0; i < rowdesc->natts; i++) {
        Form_pg_attribute a = TupleDescAttr(rowdesc, i);
        out_map[i] = -1;
        if (a->attisdropped)
            continue;
        Oid t = InvalidOid;
        for (int j = 0; j < sd->natts && out_map[i] < 0; j++)
            if (strcmp(NameStr(TupleDescAttr(sd, j)->attname), NameStr(a->attname)) == 0)
                out_map[i] = j, t = TupleDescAttr(sd, j)->atttypid;
        for (int k = 0; k < p->nout && out_map[i] < 0; k++) {
            const char *fn = NameStr(TupleDescAttr(p->out_desc, k)->attname);
            if (strcmp(fn, NameStr(a->attname)) == 0 || strcmp(psprintf("%s_feature", fn), NameStr(a->attname)) == 0)
                out_map[i] = sd->natts + k, t = TupleDescAttr(p->out_desc, k)->atttypid;
        }
        if (out_map[i] < 0)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("column \"%s\" of %s is neither a source column nor a feature of deployment %s",
                                   NameStr(a->attname), format_type_be(rowdesc->tdtypeid), p->name),
                            errhint("The columns training_set() returns: %s.", training_columns(p, sd))));
        if (t != a->atttypid)
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("column \"%s\" of %s is %s but training_set() gives %s", NameStr(a->attname),
                                   format_type_be(rowdesc->tdtypeid), format_type_be(a->atttypid), format_type_be(t))));
    }
    return out_map;
}

// training_set()'s column-list form: the list must be the source's columns
// then the deployment's.
void check_training_list(fe::DeployPlan *p, TupleDesc sd, ReturnSetInfo *rsi)
{
    TupleDesc want = rsi ? rsi->expectedDesc : nullptr;
    bool fits = want && want->natts == sd->natts + p->nout;
    for (int i = 0; fits && i < want->natts; i++) {
        Oid t = i < sd->natts ? TupleDescAttr(sd, i)->atttypid : TupleDescAttr(p->out_desc, i - sd->natts)->atttypid;
        fits = TupleDescAttr(want, i)->atttypid == t;
    }
    if (!fits)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("feature_ext.training_set needs a column list: the source's %d columns, then the "
                               "deployment's %d",
                               sd->natts, p->nout),
                        errhint("AS t%s (feature_ext.training_set_columns(deployment, source) returns it).",
                                training_columns(p, sd))));
}

// run_training() of p over the label rows of lc (as of each row's time
// against p's table, or replayed in source order) into the SRF's
// tuplestore (in SPI).
void training_into(fe::DeployPlan *p, fe::DeploymentRow *row, LabelCursor *lc, TupleDesc sd, bool as_of,
                   int64 progress, const int *out_map, ReturnSetInfo *rsi)
{
    if (fe::g_jit && !p->jit_tried)
        fe::jit_attach(p, &row->jo);
    BatchCursor hc{nullptr, p, 0, 0, nullptr, nullptr, nullptr, nullptr};
    if (as_of) {
        hc.portal = open_source(source_sql(p, nullptr));
        hc.v = static_cast<Datum *>(palloc(sizeof(Datum) * hc.portal->tupDesc->natts));
        hc.n_ = static_cast<bool *>(palloc(sizeof(bool) * hc.portal->tupDesc->natts));
    }
    fe::TrainingArgs ta{as_of, batch_next, &hc, label_next, lc, CreateTupleDescCopy(sd), progress, out_map};
    fe::refuse_reentry();
    fe::g_running++;
    PG_TRY();
    {
        fe::run_training(p, &ta, rsi->setResult, rsi->setDesc);
    }
    PG_FINALLY();
    {
        fe::g_running--;
    }
    PG_END_TRY();
    if (hc.portal)
        SPI_cursor_close(hc.portal);
}

// Both forms of training_set(): with a column list (typed = false; the
// source's columns then the features), or into the composite type of the
// argument row_type (typed; its columns by name from the source's columns
// and the features).
Datum training_call(FunctionCallInfo fcinfo, bool typed)
{
    int amode = typed ? 3 : 2, aprogress = amode + 1;
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("deployment name must not be NULL")));
    const char *mode = PG_ARGISNULL(amode) ? "as_of" : text_to_cstring(PG_GETARG_TEXT_PP(amode));
    bool as_of = strcmp(mode, "as_of") == 0;
    if (!as_of && strcmp(mode, "insertion") != 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown training_set mode \"%s\"", mode),
                        errhint("mode => 'as_of' (each row against the table's rows up to its time, the default) "
                                "or mode => 'insertion' (each row against the source rows before it).")));
    int64 progress = PG_ARGISNULL(aprogress) ? 0 : PG_GETARG_INT64(aprogress);
    if (progress < 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("progress must be 0 (none) or a number of rows")));
    TupleDesc rowdesc = nullptr;
    if (typed && get_call_result_type(fcinfo, nullptr, &rowdesc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("training_set's row_type must be a composite type"),
                        errhint("Pass NULL::a_table or NULL::a_type whose columns are named like the source's "
                                "columns and the features.")));
    fe::DeploymentRow row;
    char *schema, *fname;
    fe::DeployPlan *p = plan_named(PG_GETARG_TEXT_PP(0), &row, fe::g_jit, &schema, &fname);
    fe::DeployPlan *p_table = p;  // (freed at the end, with any shard plan made under it)
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    p->route = fe::citus_route_build(p, schema, fname);
    if (p->route) {
        // Over a Citus distributed table: one of its shards here with that
        // shard's plan (its history is that shard's rows); the whole table
        // (by name, or no source), or a source every node can read, on the
        // shards' nodes, outside transaction blocks (batch_into).
        char *src = PG_ARGISNULL(1) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(1));
        Offline where = citus_offline_route(&p, src);
        // The row type of a table only this node has (not a Citus table):
        // the other nodes cannot return it.
        Oid typrel = typed ? get_typ_typrelid(rowdesc->tdtypeid) : InvalidOid;
        if (OidIsValid(typrel) && get_rel_relkind(typrel) != RELKIND_COMPOSITE_TYPE &&
            fe::citus_dist_method(typrel) == '\0')
            where = Offline::kHere;
        if (where != Offline::kHere) {
            InitMaterializedSRF(fcinfo, typed ? 0 : MAT_SRF_USE_EXPECTED_DESC);
            const char *dep = quote_qualified_identifier(schema, fname);
            Oid rowtype = typed ? rowdesc->tdtypeid : InvalidOid;
            if (where == Offline::kTable)
                citus_parallel_training(p, rsi, dep, mode, rowtype);
            else
                citus_parallel_source(p, rsi, dep, src, mode, rowtype);
            MemoryContextDelete(p_table->cxt);
            return Datum(0);
        }
    }
    SPI_connect();
    Portal lp = open_source(source_sql(p, PG_ARGISNULL(1) ? nullptr : PG_GETARG_TEXT_PP(1)));
    TupleDesc sd = lp->tupDesc;
    int *map = map_source(p, sd);
    int *out_map = nullptr;
    if (typed)
        out_map = training_out_map(p, sd, rowdesc);
    else
        check_training_list(p, sd, rsi);
    InitMaterializedSRF(fcinfo, typed ? 0 : MAT_SRF_USE_EXPECTED_DESC);
    LabelCursor lc{lp, p, 0, 0, sd->natts, map, nullptr, nullptr};
    training_into(p, &row, &lc, sd, as_of, progress, out_map, rsi);
    SPI_cursor_close(lp);
    SPI_finish();
    MemoryContextDelete(p_table->cxt);
    return Datum(0);
}

// feature_ext.citus_source_shards(): a node's part of a parallel batch() /
// training_set() of a source (citus_parallel_source).  The source is read
// once, under the caller's search_path; its rows are split by the shard
// that holds their key (a NULL key: the first shard's, as a request over
// the whole table would find no stored row for it either), keeping the
// rows of the listed shards, each shard's in source order; then each
// shard's rows go through that shard's plan.
Datum citus_shards_call(FunctionCallInfo fcinfo, bool typed)
{
    int amode = typed ? 5 : 4;
    for (int a = 0; a <= amode; a++)
        if (PG_ARGISNULL(a) && !(typed && a == 4))
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("feature_ext.citus_source_shards: argument %d must not be NULL", a + 1)));
    const char *mode = text_to_cstring(PG_GETARG_TEXT_PP(amode));
    bool batch = strcmp(mode, "batch") == 0, as_of = strcmp(mode, "as_of") == 0;
    if (!batch && !as_of && strcmp(mode, "insertion") != 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown mode \"%s\"", mode)));
    TupleDesc rowdesc = nullptr;
    if (typed && get_call_result_type(fcinfo, nullptr, &rowdesc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("row_type must be a composite type")));
    fe::DeploymentRow row;
    char *schema, *fname;
    fe::DeployPlan *p = plan_named(PG_GETARG_TEXT_PP(0), &row, fe::g_jit, &schema, &fname);
    p->route = fe::citus_route_build(p, schema, fname);
    if (!p->route)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the table of deployment %s is not a Citus distributed table", p->name)));
    fe::CitusRoute *r = p->route;
    Datum *elems;
    bool *enulls;
    int ns;
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &ns);
    int *at = static_cast<int *>(palloc(sizeof(int) * Max(ns, 1)));
    for (int i = 0; i < ns; i++) {
        const char *name = enulls[i] ? "" : TextDatumGetCString(elems[i]);
        Oid rel = enulls[i] ? InvalidOid
                            : RangeVarGetRelid(makeRangeVarFromNameList(fe::compat::string_to_qualified_names(name)),
                                               NoLock, true);
        at[i] = fe::citus_source_shard(p, rel);
        if (at[i] < 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("\"%s\" is not a shard of table %s on this node", name, get_rel_name(p->heapoid))));
        for (int j = 0; j < i; j++)
            if (at[j] == at[i])
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg("shard \"%s\" is listed twice", name)));
    }
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    InitMaterializedSRF(fcinfo, typed ? 0 : MAT_SRF_USE_EXPECTED_DESC);
    MemoryContext keep = CurrentMemoryContext;
    SPI_connect();
    // The source, read once under the caller's settings (search_path,
    // DateStyle, ...: name / value pairs sent with the call), restored after.
    Datum *sv;
    bool *snull;
    int nsv;
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), TEXTOID, -1, false, TYPALIGN_INT, &sv, &snull, &nsv);
    int nest = NewGUCNestLevel();
    for (int i = 0; i + 1 < nsv; i += 2)
        if (!snull[i] && !snull[i + 1])
            (void) set_config_option(TextDatumGetCString(sv[i]), TextDatumGetCString(sv[i + 1]), PGC_USERSET,
                                     PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    Portal lp = open_source(source_sql(p, PG_GETARG_TEXT_PP(2)));
    MemoryContext spi = MemoryContextSwitchTo(keep);
    TupleDesc sd = CreateTupleDescCopy(lp->tupDesc);
    const char *dname = NameStr(TupleDescAttr(p->heap_desc, r->dist_attno - 1)->attname);
    int dcol = -1;
    if (batch) {
        check_batch_source(p, sd);
        for (int i = 0; i < p->nparams; i++)
            if (p->param_attnos[i] == r->dist_attno)
                dcol = i;
    } else {
        map_source(p, sd);
        for (int j = 0; j < sd->natts; j++)
            if (!TupleDescAttr(sd, j)->attisdropped && strcmp(NameStr(TupleDescAttr(sd, j)->attname), dname) == 0)
                dcol = j;
    }
    if (dcol < 0)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("the source has no column \"%s\", the distribution column of table %s", dname,
                               get_rel_name(p->heapoid))));
    auto **stores = static_cast<Tuplestorestate **>(palloc(sizeof(Tuplestorestate *) * Max(ns, 1)));
    for (int i = 0; i < ns; i++)
        stores[i] = tuplestore_begin_heap(false, false, work_mem);
    MemoryContextSwitchTo(spi);
    uint64 pos = 0, n = 0;
    for (HeapTuple t; (t = cursor_next(lp, &pos, &n)) != nullptr;) {
        bool isnull;
        Datum d = heap_getattr(t, dcol + 1, SPI_tuptable->tupdesc, &isnull);
        int s = isnull ? 0 : fe::citus_shard_index(r, d);
        for (int i = 0; i < ns; i++)
            if (at[i] == s)
                tuplestore_puttuple(stores[i], t);
        CHECK_FOR_INTERRUPTS();
    }
    SPI_cursor_close(lp);
    AtEOXact_GUC(true, nest);
    int *out_map = typed && !batch ? training_out_map(p, sd, rowdesc) : nullptr;
    if (!batch && !typed)
        check_training_list(p, sd, rsi);
    TupleTableSlot *slot = MakeSingleTupleTableSlot(sd, &TTSOpsMinimalTuple);
    for (int i = 0; i < ns; i++) {
        fe::DeployPlan *sp = fe::citus_shard_plan(p, at[i]);
        if (batch) {
            BatchCursor bc{nullptr, sp, 0, 0, static_cast<Datum *>(palloc(sizeof(Datum) * sd->natts)),
                           static_cast<bool *>(palloc(sizeof(bool) * sd->natts)), stores[i], slot};
            batch_run(sp, &bc, rsi);
        } else {
            LabelCursor lc{nullptr, sp, 0, 0, sd->natts, map_source(sp, sd), stores[i], slot};
            training_into(sp, &row, &lc, sd, as_of, 0, out_map, rsi);
        }
        tuplestore_end(stores[i]);
    }
    ExecDropSingleTupleTableSlot(slot);
    SPI_finish();
    MemoryContextDelete(p->cxt);
    return Datum(0);
}

}  // namespace

// feature_ext.training_set(deployment text, source text, mode text DEFAULT 'as_of',
//                          progress bigint DEFAULT 1000000) -> SETOF record (a column list:
//   the source's columns, then the deployment's output columns)
FE_FUNCTION(fe_training_set)
{
    return training_call(fcinfo, false);
}

// feature_ext.training_set(deployment text, source text, row_type anyelement,
//                          mode text DEFAULT 'as_of', progress bigint DEFAULT 1000000)
//   -> SETOF anyelement (row_type's columns by name)
FE_FUNCTION(fe_training_set_typed)
{
    return training_call(fcinfo, true);
}

// feature_ext.citus_source_shards(deployment text, shards text[], source text,
//     search_path text, mode text) -> SETOF record (internal: a node's part of
//     a parallel batch() / training_set() of a source; citus_shards_call)
FE_FUNCTION(fe_citus_source_shards)
{
    return citus_shards_call(fcinfo, false);
}

// feature_ext.citus_source_shards(deployment text, shards text[], source text,
//     search_path text, row_type anyelement, mode text) -> SETOF anyelement
FE_FUNCTION(fe_citus_source_shards_typed)
{
    return citus_shards_call(fcinfo, true);
}

// feature_ext.training_set_columns(deployment text, source text) -> text: the
// column definition list training_set() needs for this source.
FE_FUNCTION(fe_training_set_columns)
{
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("deployment name must not be NULL")));
    fe::DeploymentRow row;
    fe::DeployPlan *p = plan_named(PG_GETARG_TEXT_PP(0), &row, false);
    MemoryContext caller = CurrentMemoryContext;
    SPI_connect();
    Portal lp = open_source(source_sql(p, PG_ARGISNULL(1) ? nullptr : PG_GETARG_TEXT_PP(1)));
    map_source(p, lp->tupDesc);
    char *cols = MemoryContextStrdup(caller, training_columns(p, lp->tupDesc));
    SPI_cursor_close(lp);
    SPI_finish();
    MemoryContextDelete(p->cxt);
    PG_RETURN_TEXT_P(cstring_to_text(cols));
}

// _deploy(name text, query text, options jsonb, replace bool, create_index bool, adjust_ttl bool)
//   -> text (the function name)
FE_FUNCTION(fe_deploy)
{
    text *name_t = PG_GETARG_TEXT_PP(0);
    char *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
    Datum options = PG_GETARG_DATUM(2);
    bool replace = PG_GETARG_BOOL(3);
    int fix_flags = (PG_GETARG_BOOL(4) ? fe::kFixCreateIndex : 0) | (PG_GETARG_BOOL(5) ? fe::kFixAdjustTtl : 0);
    List *names = textToQualifiedNameList(name_t);
    char *fname;
    Oid nsp = QualifiedNameGetCreationNamespace(names, &fname);
    char *schema = get_namespace_name(nsp);
    if (isAnyTempNamespace(nsp))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("deployments cannot be created in a temporary schema"),
                        errhint("A deployment is called from every session: deploy it into a permanent schema.")));
    if (object_aclcheck(NamespaceRelationId, nsp, GetUserId(), ACL_CREATE) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("permission denied for schema %s", schema),
                        errhint("Deploying needs CREATE on the target schema.")));
    if (strlen(fname) > NAMEDATALEN - 8)
        ereport(ERROR, (errcode(ERRCODE_NAME_TOO_LONG), errmsg("deployment name \"%s\" is too long", fname)));
    // Check and plan as the caller (SELECT on the table, indexes, types).
    StringInfoData explain;
    initStringInfo(&explain);
    // Options create_index / adjust_ttl: run the DDL planning asks for (as the
    // caller, who needs the usual rights for it), then plan again.
    if (fix_flags) {
        List *fixes = NIL;
        fe::DeployPlan *p0 = fe::plan_deployment(fname, query, CurrentMemoryContext, false, nullptr, fix_flags, &fixes);
        if (p0)
            MemoryContextDelete(p0->cxt);
        if (fixes != NIL) {
            SPI_connect();
            ListCell *lc;
            foreach (lc, fixes) {
                ereport(NOTICE, (errmsg("feature_ext.deploy: %s", strVal(lfirst(lc)))));
                fe::spi_exec(strVal(lfirst(lc)));
            }
            SPI_finish();
            CommandCounterIncrement();
        }
    }
    fe::DeployPlan *p = fe::plan_deployment(fname, query, CurrentMemoryContext, false, &explain);
    // The result type needs distinct column names (say so before CREATE TYPE does).
    for (int i = 0; i < p->nout; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(NameStr(TupleDescAttr(p->out_desc, i)->attname), NameStr(TupleDescAttr(p->out_desc, j)->attname)) == 0)
                ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                                errmsg("deployment output column \"%s\" appears more than once",
                                       NameStr(TupleDescAttr(p->out_desc, i)->attname)),
                                errhint("Give each output column its own name with AS.")));
    check_long_windows(p, options);
    p->preagg_float = fe::float_sums_option(options, true);
    // Over a Citus distributed table a request reads the shard of its key:
    // every window must be partitioned by the distribution column.
    if (fe::citus_dist_method(p->heapoid) == 'h')
        fe::citus_check_plan(p, fe::citus_dist_attno(p->heapoid));
    // Native code, compiled once here and kept in the catalog (docs/DEPLOY.md, JIT).
    // (feature_ext.jit = off: no LLVM at all; a later session with it on compiles.)
    fe::JitObject jo;
    memset(&jo, 0, sizeof(jo));
    if (fe::g_jit)
        jo = fe::jit_compile_plan(p);
    Oid heapoid = p->heapoid;
    Oid rowtype = get_rel_type_id(heapoid);
    char *qfn = quote_qualified_identifier(schema, fname);
    // An existing deployment is replaced only on request, and only by the
    // owner of its functions (checked by drop_deployment).
    fe::DeploymentRow old;
    bool exists = fe::lookup_deployment(schema, fname, &old, false);
    if (exists && !replace)
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT), errmsg("deployment %s already exists", qfn),
                        errhint("Pass options '{\"replace\": true}' to redeploy it, or undeploy it first.")));
    Oid *argtypes = static_cast<Oid *>(palloc(sizeof(Oid) * Max(p->nparams, 1)));
    const char **argnames = static_cast<const char **>(palloc(sizeof(char *) * Max(p->nparams, 1)));
    for (int i = 0; i < p->nparams; i++) {
        Form_pg_attribute a = TupleDescAttr(p->heap_desc, p->param_attnos[i] - 1);
        argtypes[i] = a->atttypid;
        argnames[i] = pstrdup(NameStr(a->attname));
    }
    Oid fns[3];
    int nf = 0;
    Oid typoid = InvalidOid;
    bool reused = exists && reuse_deployment(schema, nsp, fname, p, rowtype, argtypes, old.relid, fns, &nf, &typoid);
    if (exists && !reused)
        drop_deployment(schema, nsp, fname, old.owner, true);
    else if (!exists)
        drop_leftover_type(nsp, fname);
    if (!reused) {
        // Everything below is created as the caller, owned by the caller, bound
        // by OID (types of the result and the arguments), without SQL.
        List *coldefs = NIL;
        for (int i = 0; i < p->nout; i++) {
            Form_pg_attribute a = TupleDescAttr(p->out_desc, i);
            coldefs = lappend(coldefs, makeColumnDef(NameStr(a->attname), a->atttypid, a->atttypmod, a->attcollation));
        }
        typoid = DefineCompositeType(makeRangeVar(schema, psprintf("%s_result", fname), -1), coldefs).objectId;
        CommandCounterIncrement();
        fns[nf++] = create_function(fname, nsp, typoid, false, p->nparams, argtypes, argnames, "fe_deploy_call",
                                    PROPARALLEL_RESTRICTED, NIL);
        if (p->nparams != 1) {
            const char *rowname = "request";
            fns[nf++] = create_function(fname, nsp, typoid, false, 1, &rowtype, &rowname, "fe_deploy_call",
                                        PROPARALLEL_RESTRICTED, NIL);
        }
        Oid texttype = TEXTOID;
        const char *srcname = "source";
        List *defaults = list_make1(makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1, Datum(0), true, false));
        fns[nf++] = create_function(psprintf("%s_batch", fname), nsp, typoid, true, 1, &texttype, &srcname,
                                    "fe_batch_call", PROPARALLEL_UNSAFE, defaults);
    }
    for (int i = 0; i < nf; i++)
        if (!get_func_retset(fns[i]) && get_func_nargs(fns[i]) == p->nparams)
            CreateComments(fns[i], ProcedureRelationId, 0,
                           psprintf("feature_ext deployment over %s", get_rel_name(heapoid)));
    // Dependencies: on the extension (DROP EXTENSION refuses without CASCADE;
    // normal, not membership, so pg_dump still dumps them), and, as a view's,
    // on every table, column, function, operator and type the query uses:
    // DROP TABLE / DROP COLUMN / ALTER COLUMN TYPE refuse while it exists.
    {
        ObjectAddress ext, typaddr;
        ObjectAddressSet(ext, ExtensionRelationId, get_extension_oid("feature_ext", false));
        ObjectAddressSet(typaddr, TypeRelationId, typoid);
        if (!reused)
            recordDependencyOn(&typaddr, &ext, DEPENDENCY_NORMAL);
        // The result type goes with its table too (DROP TABLE / SCHEMA ...
        // CASCADE, DROP OWNED of the table's owner), not only with the
        // functions that return it: a type left behind blocks deploying the
        // same name again.
        ObjectAddress tab;
        ObjectAddressSet(tab, RelationRelationId, heapoid);
        if (reused)
            deleteDependencyRecordsForClass(TypeRelationId, typoid, RelationRelationId, DEPENDENCY_NORMAL);
        recordDependencyOn(&typaddr, &tab, DEPENDENCY_NORMAL);
        for (int i = 0; i < nf; i++) {
            ObjectAddress obj;
            ObjectAddressSet(obj, ProcedureRelationId, fns[i]);
            if (!reused)
                recordDependencyOn(&obj, &ext, DEPENDENCY_NORMAL);
            recordDependencyOnExpr(&obj, reinterpret_cast<Node *>(p->analyzed), NIL, DEPENDENCY_NORMAL);
            union_record_depends(p, &obj);
        }
    }
    char *owner = GetUserNameFromId(GetUserId(), false);
    Oid ins_types[12] = {NAMEOID, NAMEOID, TEXTOID, JSONBOID, NAMEOID, BYTEAOID, INT8OID, FLOAT8OID, INT4OID,
                         TEXTOID, REGCLASSOID, TEXTOID};
    NameData sn, fnn, on;
    namestrcpy(&sn, schema);
    namestrcpy(&fnn, fname);
    namestrcpy(&on, owner);
    bytea *objb = nullptr;
    if (jo.object) {
        objb = static_cast<bytea *>(palloc(VARHDRSZ + jo.len));
        SET_VARSIZE(objb, VARHDRSZ + jo.len);
        memcpy(VARDATA(objb), jo.object, jo.len);
    }
    Datum ins[12] = {NameGetDatum(&sn), NameGetDatum(&fnn), CStringGetTextDatum(query), options, NameGetDatum(&on),
                     PointerGetDatum(objb), Int64GetDatum(int64(jo.hash)), Float8GetDatum(jo.compile_ms),
                     Int32GetDatum(jo.njitted), CStringGetTextDatum(p->bound_query), ObjectIdGetDatum(heapoid),
                     CStringGetTextDatum(p->bound_tree)};
    const char ins_nulls[12] = {' ', ' ', ' ', ' ', ' ', objb ? ' ' : 'n', objb ? ' ' : 'n', objb ? ' ' : 'n', ' ',
                                ' ', ' ', ' '};
    bool has_tree = fe::catalog_has_bound_tree();
    fe::catalog_exec(has_tree ? "INSERT INTO feature_ext.deployment (schema_name, name, query, options, owner, "
                                "  jit_object, jit_hash, jit_compile_ms, jit_aggregates, bound_query, relid, bound_tree) "
                                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                              : "INSERT INTO feature_ext.deployment (schema_name, name, query, options, owner, "
                                "  jit_object, jit_hash, jit_compile_ms, jit_aggregates, bound_query, relid) "
                                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                     has_tree ? 12 : 11, ins_types, ins, ins_nulls, false);
    // On a Citus coordinator, over a distributed table: on every worker too,
    // with calls delegated to the key's worker (deploy/citus_deploy_pg.cpp).
    if (fe::citus_dist_method(heapoid) == 'h' && fe::citus_is_coordinator())
        fe::citus_deploy_workers(qfn, p->bound_query, DatumGetCString(DirectFunctionCall1(jsonb_out, options)));
    MemoryContextDelete(p->cxt);
    fe::deploy_stats_entry(psprintf("%s.%s", schema, fname), true);
    PG_RETURN_TEXT_P(cstring_to_text(qfn));
}

// _undeploy(name text) -> void: a qualified name, or the first schema of the
// caller's search_path that has a deployment of that name.
FE_FUNCTION(fe_undeploy)
{
    List *names = textToQualifiedNameList(PG_GETARG_TEXT_PP(0));
    char *schema = nullptr, *fname = nullptr;
    DeconstructQualifiedName(names, &schema, &fname);
    fe::DeploymentRow row;
    char *sch = nullptr;
    if (schema) {
        (void) get_namespace_oid(schema, false);
        if (fe::lookup_deployment(schema, fname, &row, false))
            sch = schema;
    } else {
        List *path = fetch_search_path(false);
        ListCell *lc;
        foreach (lc, path) {
            char *n = get_namespace_name(lfirst_oid(lc));
            if (n && fe::lookup_deployment(n, fname, &row, false)) {
                sch = n;
                break;
            }
        }
    }
    if (!sch)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("deployment \"%s\" does not exist", fname),
                        errhint("See SELECT name FROM feature_ext.deployments.")));
    if (OidIsValid(row.relid) && fe::citus_dist_method(row.relid) == 'h' && fe::citus_is_coordinator())
        fe::citus_undeploy_workers(sch, fname);
    drop_deployment(sch, get_namespace_oid(sch, false), fname, row.owner, true);
    fe::deploy_stats_forget(psprintf("%s.%s", sch, fname));
    PG_RETURN_VOID();
}

// _bound_text(tree text) -> text: the bound text a deployment's bound tree
// stands for today (NULL: not written here).  The tree is parsed as a node
// tree, which no role may hand in: superusers only (the rename event
// trigger's SECURITY DEFINER function), EXECUTE revoked from PUBLIC.
FE_FUNCTION(fe_bound_text)
{
    if (!superuser())
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("only the extension's event trigger may read bound trees")));
    const char *bound = fe::bound_tree_text(text_to_cstring(PG_GETARG_TEXT_PP(0)));
    if (!bound)
        PG_RETURN_NULL();
    PG_RETURN_TEXT_P(cstring_to_text(bound));
}

// _rebind(schema, name, bound_query, bound_tree, relid) -> bool: a
// deployment row that came from elsewhere (pg_restore's COPY of the catalog,
// a catalog carried over by pg_upgrade) is bound in this database as deploy()
// binds it: its bound text analysed here becomes its bound tree, and its
// functions and result type get their dependencies (the tables, columns,
// functions and types it uses; the extension), which a dump does not carry.
// False (nothing done) when its tree was written here.  Superusers only
// (the catalog's insert trigger and rebind_deployments()).
namespace {

// Whether function fn depends on relation relid already (deploy() recorded
// its dependencies, and CREATE DATABASE ... TEMPLATE copied them with the
// catalog): then they are not recorded again.
bool proc_depends_on_rel(Oid fn, Oid relid)
{
    Relation dep = table_open(DependRelationId, AccessShareLock);
    ScanKeyData key[2];
    ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(ProcedureRelationId));
    ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(fn));
    SysScanDesc scan = systable_beginscan(dep, DependDependerIndexId, true, nullptr, 2, key);
    bool found = false;
    HeapTuple tup;
    while (!found && HeapTupleIsValid(tup = systable_getnext(scan))) {
        auto *d = reinterpret_cast<Form_pg_depend>(GETSTRUCT(tup));
        found = d->refclassid == RelationRelationId && d->refobjid == relid && d->deptype == DEPENDENCY_NORMAL;
    }
    systable_endscan(scan);
    table_close(dep, AccessShareLock);
    return found;
}

}  // namespace

FE_FUNCTION(fe_rebind)
{
    if (!superuser())
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("must be superuser to rebind deployments")));
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(4))
        PG_RETURN_BOOL(false);  // made by 0.1.0 without a bound text: plans parse its query as before
    const char *schema = NameStr(*PG_GETARG_NAME(0));
    const char *fname = NameStr(*PG_GETARG_NAME(1));
    const char *bound = text_to_cstring(PG_GETARG_TEXT_PP(2));
    const char *tree = PG_ARGISNULL(3) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(3));
    Oid relid = PG_GETARG_OID(4);
    if (fe::bound_tree_is_local(tree))
        PG_RETURN_BOOL(false);
    Query *q = fe::analyze_bound_text(psprintf("%s.%s", schema, fname), bound, relid);
    const char *new_tree = psprintf("%s%s", fe::bound_tree_key(), nodeToString(q));
    Oid nsp = get_namespace_oid(schema, false);
    Oid fns[3];
    int nf = deployed_functions(nsp, fname, fns);
    ObjectAddress ext;
    ObjectAddressSet(ext, ExtensionRelationId, get_extension_oid("feature_ext", false));
    Oid typoid = result_type(nsp, fname);
    if (OidIsValid(typoid)) {
        ObjectAddress typaddr, tab;
        ObjectAddressSet(typaddr, TypeRelationId, typoid);
        ObjectAddressSet(tab, RelationRelationId, relid);
        deleteDependencyRecordsForClass(TypeRelationId, typoid, ExtensionRelationId, DEPENDENCY_NORMAL);
        deleteDependencyRecordsForClass(TypeRelationId, typoid, RelationRelationId, DEPENDENCY_NORMAL);
        recordDependencyOn(&typaddr, &ext, DEPENDENCY_NORMAL);
        recordDependencyOn(&typaddr, &tab, DEPENDENCY_NORMAL);
    }
    for (int i = 0; i < nf; i++) {
        ObjectAddress obj;
        ObjectAddressSet(obj, ProcedureRelationId, fns[i]);
        deleteDependencyRecordsForClass(ProcedureRelationId, fns[i], ExtensionRelationId, DEPENDENCY_NORMAL);
        recordDependencyOn(&obj, &ext, DEPENDENCY_NORMAL);
        if (!proc_depends_on_rel(fns[i], relid))
            recordDependencyOnExpr(&obj, reinterpret_cast<Node *>(q), NIL, DEPENDENCY_NORMAL);
    }
    if (fe::catalog_has_bound_tree()) {
        Oid types[3] = {TEXTOID, NAMEOID, NAMEOID};
        NameData sn, fnn;
        namestrcpy(&sn, schema);
        namestrcpy(&fnn, fname);
        Datum args[3] = {CStringGetTextDatum(new_tree), NameGetDatum(&sn), NameGetDatum(&fnn)};
        fe::catalog_exec("UPDATE feature_ext.deployment d SET bound_tree = $1"
                         " WHERE d.schema_name OPERATOR(pg_catalog.=) $2 AND d.name OPERATOR(pg_catalog.=) $3",
                         3, types, args, nullptr, false);
    }
    PG_RETURN_BOOL(true);
}

// explain(name text) -> text
FE_FUNCTION(fe_explain)
{
    List *names = textToQualifiedNameList(PG_GETARG_TEXT_PP(0));
    char *schema = nullptr, *fname = nullptr;
    DeconstructQualifiedName(names, &schema, &fname);
    if (!schema) {
        Oid nsp = QualifiedNameGetCreationNamespace(names, &fname);
        schema = get_namespace_name(nsp);
    }
    fe::DeploymentRow row;
    if (!fe::lookup_deployment(schema, fname, &row, true))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("deployment \"%s.%s\" does not exist", schema, fname)));
    bool timing = PG_NARGS() < 2 || PG_GETARG_BOOL(1);
    StringInfoData s;
    initStringInfo(&s);
    fe::DeployPlan *p = fe::plan_row(psprintf("%s.%s", schema, fname), &row, CurrentMemoryContext, &s);
    fe::jit_explain(p, &s);
    fe::JitObject jo = row.jo;
    if (jo.object)
        appendStringInfo(&s, "  JIT: compiled at deploy time%s (%s of object code, kept in feature_ext.deployment)\n",
                         timing ? psprintf(" in %.1f ms", jo.compile_ms) : "",
                         timing ? psprintf("%zu bytes", jo.len) : "some bytes");
    else
        appendStringInfoString(&s, "  JIT: no compiled code stored (nothing compiles, or deployed by an older version)\n");
    // This session's cached plan, if it ran.
    if (fe::g_plans) {
        HASH_SEQ_STATUS st;
        hash_seq_init(&st, fe::g_plans);
        while (auto *e = static_cast<fe::PlanEntry *>(hash_seq_search(&st))) {
            if (!e->valid || !e->plan || e->batch || strcmp(e->plan->name, p->name) != 0)
                continue;
            fe::JitPlan *jp = e->plan->jit;
            if (jp)
                appendStringInfo(&s, "  JIT in this session: %s, %d aggregates native, loaded%s %s\n",
                                 fe::g_jit ? "on" : "off (feature_ext.jit)", jp->njitted,
                                 timing ? psprintf(" in %.2f ms", jp->load_ms) : "",
                                 jp->from_catalog ? "from the catalog" : "after compiling in this session");
            else
                appendStringInfo(&s, "  JIT in this session: not used (%s)\n",
                                 !fe::g_jit ? "feature_ext.jit is off" : "nothing compiled");
            hash_seq_term(&st);
            break;
        }
    }
    MemoryContextDelete(p->cxt);
    PG_RETURN_TEXT_P(cstring_to_text(s.data));
}
