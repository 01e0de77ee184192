// feature_ext: per-deployment call statistics (deploy/stats_pg.cpp).
#pragma once

#include "feature_ext/base/guard_pg.hpp"

namespace fe {
struct DeployStats;  // opaque entry in shared memory
Size deploy_stats_shmem_size();
void deploy_stats_shmem_init(void *mem, bool found);
// Find or claim the entry of "schema.name" in this database (reset: zero it).
DeployStats *deploy_stats_entry(const char *qualified_name, bool reset);
void deploy_stats_forget(const char *qualified_name);
void deploy_stats_record(DeployStats *s, uint64 ns);
}  // namespace fe
