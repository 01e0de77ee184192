// feature_ext: module entry (_PG_init), GUCs, and version/preload checks.
#include "feature_ext/base/guard_pg.hpp"
#include "feature_ext/base/module_pg.hpp"
#include "feature_ext/deploy/deploy_pg.hpp"

extern "C" {
#include "utils/guc.h"
#include "utils/builtins.h"
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace fe {
bool g_preloaded = false;
int g_memory_limit_mb = 256;
int g_ttl_gc_interval_s = 60;
bool g_jit = true;
bool g_preagg = true;
bool g_citus_parallel_batch = true;
}  // namespace fe

extern "C" void _PG_init(void)
{
    if (!process_shared_preload_libraries_in_progress) {
        // Loaded by CREATE EXTENSION or a function call without preloading:
        // the in-memory indexes need shared memory reserved at server start.
        return;
    }
    fe::g_preloaded = true;

    DefineCustomIntVariable("feature_ext.memory_limit",
                            "Shared memory reserved for all skiplist indexes.",
                            "Set at server start (at most 32767MB: the store addresses 32 GiB). Reaching it fails the inserting statement with SQLSTATE 53200.",
                            &fe::g_memory_limit_mb, 256, 8, 32767, PGC_POSTMASTER, GUC_UNIT_MB, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("feature_ext.ttl_gc_interval",
                            "How often the background worker reclaims expired rows.", nullptr,
                            &fe::g_ttl_gc_interval_s, 60, 1, 24 * 3600, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr,
                            nullptr);
    DefineCustomBoolVariable("feature_ext.jit", "Use LLVM-compiled deployment plans.",
                             "off runs the interpreter, with identical results.", &fe::g_jit, true, PGC_USERSET, 0,
                             nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("feature_ext.preaggregate",
                             "Take block summaries instead of rows inside long deployed windows.",
                             "off reads every row of the window, with identical results (docs/DEPLOY.md, \"Long windows\").",
                             &fe::g_preagg, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("feature_ext.citus_parallel_batch",
                             "batch() over a whole Citus distributed table computes on the nodes that hold its shards.",
                             "off computes on the calling node, reading the shards through Citus (single-table "
                             "deployments only; docs/DEPLOY.md, \"Citus distributed tables\").",
                             &fe::g_citus_parallel_batch, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    fe::retention_init();  // defines feature_ext.retention_interval
    MarkGUCPrefixReserved("feature_ext");

    fe::storage_init();
    // LLVM set up once here; backends inherit it (their first call only loads code).
    if (fe::g_jit)
        fe::jit_preload();
}

FE_FUNCTION(fe_check_preloaded)
{
    if (!fe::g_preloaded)
        throw fe::Error("55000", "feature_ext must be loaded via shared_preload_libraries",
                        "Its in-memory skiplist indexes live in shared memory reserved at server start.",
                        "Add 'feature_ext' to shared_preload_libraries in postgresql.conf and restart the server.");
    PG_RETURN_VOID();
}

FE_FUNCTION(fe_version)
{
    PG_RETURN_TEXT_P(cstring_to_text(FE_VERSION));
}
