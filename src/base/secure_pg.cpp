// feature_ext: running code with rights other than the caller's
// (base/secure_pg.hpp, docs/SECURITY.md).
#include "feature_ext/base/secure_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
}

namespace fe {

void safe_enter(SafeScope *s, Oid as_user, int extra_sec_flags)
{
    GetUserIdAndSecContext(&s->save_user, &s->save_sec);
    if (OidIsValid(as_user) || extra_sec_flags)
        SetUserIdAndSecContext(OidIsValid(as_user) ? as_user : s->save_user, s->save_sec | extra_sec_flags);
    // As fmgr_security_definer does for a function's SET clause.
    s->guc_level = NewGUCNestLevel();
    (void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                             true, 0, false);
    // Constants written into and read back from bound queries mean the same
    // whatever the session's styles (as pg_dump pins them).
    (void) set_config_option("datestyle", "ISO, MDY", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    (void) set_config_option("intervalstyle", "postgres", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                             false);
    (void) set_config_option("extra_float_digits", "3", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

void safe_leave(SafeScope *s)
{
    AtEOXact_GUC(true, s->guc_level);
    SetUserIdAndSecContext(s->save_user, s->save_sec);
}

Oid extension_owner()
{
    Oid ext = get_extension_oid("feature_ext", true);
    if (!OidIsValid(ext))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("extension \"feature_ext\" is not installed"),
                        errhint("CREATE EXTENSION feature_ext;")));
    Relation rel = table_open(ExtensionRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(ext));
    SysScanDesc scan = systable_beginscan(rel, ExtensionOidIndexId, true, nullptr, 1, &key);
    HeapTuple tup = systable_getnext(scan);
    Oid owner = HeapTupleIsValid(tup) ? reinterpret_cast<Form_pg_extension>(GETSTRUCT(tup))->extowner : InvalidOid;
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    if (!OidIsValid(owner))
        elog(ERROR, "feature_ext: extension owner not found");
    return owner;
}

uint64 catalog_exec(const char *sql, int nargs, const Oid *types, const Datum *values, const char *nulls,
                    bool read_only, char **out)
{
    MemoryContext caller = CurrentMemoryContext;
    Oid owner = extension_owner();
    SafeScope s;
    safe_enter(&s, owner, SECURITY_LOCAL_USERID_CHANGE);
    SPI_connect();
    int rc = SPI_execute_with_args(sql, nargs, const_cast<Oid *>(types), const_cast<Datum *>(values), nulls,
                                   read_only, 0);
    if (rc < 0)
        elog(ERROR, "feature_ext: catalog statement failed (%d): %s", rc, sql);
    uint64 n = SPI_processed;
    if (out) {
        *out = nullptr;
        if (n > 0 && SPI_tuptable) {
            char *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
            if (v)
                *out = MemoryContextStrdup(caller, v);
        }
    }
    SPI_finish();
    safe_leave(&s);
    return n;
}

}  // namespace fe
