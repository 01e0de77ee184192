// feature_ext: module-wide settings and initialisation entry points.
#pragma once

#ifndef FE_VERSION  // the Makefile passes default_version of feature_ext.control
#define FE_VERSION "unknown"
#endif

namespace fe {
extern bool g_preloaded;
extern int g_memory_limit_mb;   // feature_ext.memory_limit (MB)
extern int g_ttl_gc_interval_s; // feature_ext.ttl_gc_interval (s)
extern bool g_jit;              // feature_ext.jit
extern bool g_preagg;           // feature_ext.preaggregate (docs/DEPLOY.md, "Long windows")
extern bool g_citus_parallel_batch;  // feature_ext.citus_parallel_batch (docs/DEPLOY.md, Citus)

// Storage engine: shmem hooks, xact callbacks, background worker (storage/shmem_pg.cpp).
void storage_init();
// Table option `retention`: reloptions, GUC, launcher worker (storage/retention_pg.cpp).
extern int g_retention_interval_s;  // feature_ext.retention_interval (s)
void retention_init();
}  // namespace fe
