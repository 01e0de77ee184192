// feature_ext: deployments over Citus distributed tables, from the
// coordinator (SPEC §9).  deploy() on the coordinator makes the deployment
// exist on every worker too; each node's request function routes a key to
// the shard it holds, or forwards the request to the node that holds it
// (functions_pg.cpp, CitusRoute; citus_forward_pg.cpp).  undeploy() removes
// it from the workers first.
//
// Everything here runs as the caller (Citus connects to the workers as the
// current user, so the workers check the caller's rights), under a pinned
// search_path, with Citus's functions qualified and every value quoted or
// passed as a parameter.  The worker commands are not part of the
// coordinator's transaction (run_command_on_workers commits each on its
// own): a deploy that fails after them leaves the workers' copies, which
// the next deploy (always with "replace" on the workers) overwrites.  So
// that a rollback cannot undo the coordinator's side alone (a deployment
// delegating calls to workers that no longer have it, or the workers with
// one the coordinator does not have), both refuse to run in a transaction
// block (or a subtransaction) there.
//
// C-style zone (CONTRIBUTING.md): no C++ object with a destructor here.
#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/deploy/join_pg.hpp"
#include "feature_ext/deploy/union_pg.hpp"
#include "feature_ext/base/secure_pg.hpp"
#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace fe {

namespace {

// Run `cmd` on every worker (pg_catalog.run_command_on_workers); an error
// naming the first node that failed.
void on_workers(const char *cmd, const char *what)
{
    Oid argt[1] = {TEXTOID};
    Datum args[1] = {CStringGetTextDatum(cmd)};
    if (SPI_execute_with_args("SELECT nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) nodeport, "
                              "success, result FROM pg_catalog.run_command_on_workers($1)",
                              1, argt, args, nullptr, false, 0) != SPI_OK_SELECT)
        elog(ERROR, "feature_ext: run_command_on_workers failed");
    for (uint64 i = 0; i < SPI_processed; i++) {
        bool isnull;
        bool ok = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
        if (!ok)
            ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
                            errmsg("%s failed on Citus worker %s: %s", what,
                                   SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
                                   SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3))));
    }
}

}  // namespace

bool citus_is_coordinator()
{
    if (!OidIsValid(get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE)))
        return false;
    SafeScope pinned;
    safe_enter(&pinned, InvalidOid, 0);
    SPI_connect();
    bool coord = SPI_execute("SELECT groupid OPERATOR(pg_catalog.=) 0 FROM pg_catalog.pg_dist_local_group", true, 1) ==
                     SPI_OK_SELECT &&
                 SPI_processed == 1;
    if (coord) {
        bool isnull;
        coord = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) && !isnull;
    }
    SPI_finish();
    safe_leave(&pinned);
    return coord;
}

AttrNumber citus_dist_attno(Oid relid)
{
    SafeScope pinned;
    safe_enter(&pinned, InvalidOid, 0);
    SPI_connect();
    Oid argt[1] = {OIDOID};
    Datum args[1] = {ObjectIdGetDatum(relid)};
    AttrNumber attno = InvalidAttrNumber;
    if (SPI_execute_with_args("SELECT pg_catalog.column_to_column_name(logicalrelid, partkey) "
                              "FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1",
                              1, argt, args, nullptr, true, 1) == SPI_OK_SELECT && SPI_processed == 1) {
        char *col = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        if (col)
            attno = get_attnum(relid, col);
    }
    SPI_finish();
    safe_leave(&pinned);
    return attno;
}

void citus_check_windows(const DeployPlan *p, AttrNumber dist_attno)
{
    for (int g = 0; g < p->ngroups; g++) {
        const GroupPlan *gp = &p->groups[g];
        bool has = false;
        for (int k = 0; k < gp->nkeys; k++)
            has |= gp->key_attnos[k] == dist_attno;
        if (has)
            continue;
        StringInfoData keys;
        initStringInfo(&keys);
        for (int k = 0; k < gp->nkeys; k++)
            appendStringInfo(&keys, "%s%s", k ? ", " : "",
                             quote_identifier(NameStr(TupleDescAttr(p->heap_desc, gp->key_attnos[k] - 1)->attname)));
        const char *dist = dist_attno > 0 && dist_attno <= p->natts
                               ? NameStr(TupleDescAttr(p->heap_desc, dist_attno - 1)->attname)
                               : "?";
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("a window of deployment %s is partitioned by (%s), not by the distribution column "
                               "\"%s\" of the Citus table %s",
                               p->name, keys.data, dist, get_rel_name(p->heapoid)),
                        errdetail("A request reads only the shard that holds its key: a window partition spread "
                                  "over several shards would be counted on one shard only."),
                        errhint("Add \"%s\" to the window's PARTITION BY, or deploy over a table distributed by "
                                "the window's partition column.", dist)));
    }
}

void citus_check_plan(const DeployPlan *p, AttrNumber dist_attno)
{
    citus_check_windows(p, dist_attno);
    CitusTable mt;
    citus_table(p->heapoid, &mt);
    const char *dist = NameStr(TupleDescAttr(p->heap_desc, dist_attno - 1)->attname);
    // A joined distributed table: colocated, and looked up by its
    // distribution column with the request's distribution column, so that
    // the rows a request joins are in the colocated shard on its node.
    for (int i = 0; i < join_table_count(p); i++) {
        int nkeys;
        const AttrNumber *ka, *km;
        Oid rel = join_table(p, i, &nkeys, &ka, &km);
        CitusTable jt;
        if (!citus_table(rel, &jt) || citus_is_reference(jt))
            continue;  // (a table Citus does not know was refused when planned)
        AttrNumber jd = citus_dist_attno(rel);
        const char *jdn = jd > 0 ? get_attname(rel, jd, false) : "?";
        if (jt.method != 'h' || jt.colocationid != mt.colocationid)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("deployment %s joins the Citus table %s, which is not colocated with %s", p->name,
                                   get_rel_name(rel), get_rel_name(p->heapoid)),
                            errdetail("A request runs on the node that holds its key and reads the colocated shard "
                                      "of every distributed table there."),
                            errhint("SELECT update_distributed_table_colocation('%s', colocate_with => '%s'), or make "
                                    "it a reference table.",
                                    get_rel_name(rel), get_rel_name(p->heapoid))));
        bool keyed = false;
        for (int k = 0; k < nkeys; k++)
            keyed |= ka[k] == jd && km[k] == dist_attno;
        if (!keyed)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("deployment %s joins the Citus table %s without matching its distribution column "
                                   "\"%s\" with the request's \"%s\"",
                                   p->name, get_rel_name(rel), jdn, dist),
                            errdetail("Only then are the rows a request joins in the shard on the node that holds its "
                                      "key."),
                            errhint("Add %s.%s = %s to the join's condition (with an index on it), or make %s a "
                                    "reference table.",
                                    get_rel_name(rel), jdn, dist, get_rel_name(rel))));
    }
    // A union window's distributed table: colocated, its distribution
    // column standing for the request's.
    for (int g = 0; g < p->ngroups; g++) {
        const UnionGroup *ug = p->groups[g].uni;
        for (int i = 0; ug && i < ug->nsrc; i++) {
            const UnionSource *us = &ug->src[i];
            CitusTable ut;
            if (us->relid == p->heapoid || !citus_table(us->relid, &ut) || citus_is_reference(ut))
                continue;
            AttrNumber ud = citus_dist_attno(us->relid);
            if (ut.method != 'h' || ut.colocationid != mt.colocationid)
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("a union window of deployment %s reads the Citus table %s, which is not colocated "
                                       "with %s",
                                       p->name, get_rel_name(us->relid), get_rel_name(p->heapoid)),
                                errhint("SELECT update_distributed_table_colocation('%s', colocate_with => '%s'), or "
                                        "make it a reference table.",
                                        get_rel_name(us->relid), get_rel_name(p->heapoid))));
            if (ud <= 0 || ud > us->natts || us->to_main[ud - 1] != dist_attno)
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("a union window of deployment %s reads the Citus table %s, whose distribution "
                                       "column does not stand for the request's \"%s\"",
                                       p->name, get_rel_name(us->relid), dist),
                                errdetail("Only then are the union's rows of a key in the shard on the node that holds "
                                          "the key."),
                                errhint("Distribute %s by the column that the union maps to \"%s\".",
                                        get_rel_name(us->relid), dist)));
        }
    }
}

void citus_deploy_workers(const char *qfn, const char *bound_query, const char *options_json)
{
    PreventInTransactionBlock(true, "feature_ext.deploy() over a Citus distributed table");
    SafeScope pinned;
    safe_enter(&pinned, InvalidOid, 0);
    SPI_connect();
    // The bound query (every object qualified) replaces the worker's copy.
    const char *cmd = psprintf("SELECT feature_ext.deploy(%s, %s, %s::jsonb OPERATOR(pg_catalog.||) '{\"replace\": true}')",
                               quote_literal_cstr(qfn), quote_literal_cstr(bound_query),
                               quote_literal_cstr(options_json));
    on_workers(cmd, "deploy()");
    SPI_finish();
    safe_leave(&pinned);
}

void citus_undeploy_workers(const char *schema, const char *fname)
{
    PreventInTransactionBlock(true, "feature_ext.undeploy() of a deployment over a Citus distributed table");
    SafeScope pinned;
    safe_enter(&pinned, InvalidOid, 0);
    SPI_connect();
    // A worker without it (a node added later, a failed deploy) is fine.
    // The view's name is schema.name unquoted: undeploy() gets the quoted
    // form ("Sales"."F" would otherwise be read as sales.f).
    on_workers(psprintf("SELECT feature_ext.undeploy(%s) FROM feature_ext.deployments d "
                        "WHERE d.name OPERATOR(pg_catalog.=) %s",
                        quote_literal_cstr(quote_qualified_identifier(schema, fname)),
                        quote_literal_cstr(psprintf("%s.%s", schema, fname))),
               "undeploy()");
    SPI_finish();
    safe_leave(&pinned);
}

}  // namespace fe
