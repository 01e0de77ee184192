// feature_ext: Citus tables (SPEC §9).  On a Citus coordinator (and on
// workers with synced metadata) a distributed, reference or Citus-managed
// local table is an empty shell: its rows live in shard tables.  index_scan
// over the shell, and deployments over anything but a hash-distributed table
// (whose requests are routed to their shard: deploy/functions_pg.cpp,
// CitusRoute), would read nothing and answer with the request row alone,
// silently wrong, so they refuse such tables.  Shard tables on a worker are
// ordinary tables and stay usable.
//
// No SQL: pg_dist_partition (Citus's catalog, in pg_catalog) is scanned
// directly, and only when the citus extension is installed here.
//
// C-style zone (CONTRIBUTING.md): no C++ object with a destructor lives here.
#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "commands/extension.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
}

namespace fe {

bool is_citus_shell(Oid relid) { return citus_dist_method(relid) != '\0'; }

char citus_dist_method(Oid relid)
{
    CitusTable t;
    return citus_table(relid, &t) ? t.method : '\0';
}

bool citus_table(Oid relid, CitusTable *out)
{
    out->method = '\0';
    out->repmodel = '\0';
    out->colocationid = 0;
    if (!OidIsValid(get_extension_oid("citus", true)))
        return false;
    Oid dist = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
    if (!OidIsValid(dist))
        return false;
    AttrNumber col = get_attnum(dist, "logicalrelid");
    AttrNumber method = get_attnum(dist, "partmethod");
    AttrNumber coloc = get_attnum(dist, "colocationid");
    AttrNumber rep = get_attnum(dist, "repmodel");
    if (col == InvalidAttrNumber || method == InvalidAttrNumber)
        return false;
    Relation rel = table_open(dist, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, col, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
    SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, nullptr, 1, &key);
    HeapTuple tup = systable_getnext(scan);
    bool found = HeapTupleIsValid(tup);
    if (found) {
        bool isnull;
        Datum d = heap_getattr(tup, method, RelationGetDescr(rel), &isnull);
        out->method = isnull ? '?' : DatumGetChar(d);
        if (coloc != InvalidAttrNumber) {
            d = heap_getattr(tup, coloc, RelationGetDescr(rel), &isnull);
            out->colocationid = isnull ? 0 : DatumGetInt32(d);
        }
        if (rep != InvalidAttrNumber) {
            d = heap_getattr(tup, rep, RelationGetDescr(rel), &isnull);
            out->repmodel = isnull ? '?' : DatumGetChar(d);
        }
    }
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    return found;
}

void refuse_citus_shell(Relation heap, const char *what)
{
    if (is_citus_shell(RelationGetRelid(heap)))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("%s cannot read table \"%s\": it is a Citus distributed table", what,
                               RelationGetRelationName(heap)),
                        errdetail("Its rows live in shard tables on the worker nodes; here it is an empty shell, "
                                  "and features computed from it would miss every stored row."),
                        errhint("feature_ext.key_owner() names the worker that holds a key; read the shard's "
                                "index there.  Deployments over the table route each request to its shard.")));
}

}  // namespace fe
