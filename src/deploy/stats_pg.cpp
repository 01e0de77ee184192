// feature_ext: per-deployment call statistics in shared memory (calls, mean
// and p99 server-side latency), shown by feature_ext.deployments.
//
// A fixed table of entries keyed by (database, "schema.name"); an entry is
// claimed under a spinlock the first time a backend plans the deployment and
// then updated with relaxed atomics only.  Latency goes into a log-scale
// histogram (4 buckets per power of two of nanoseconds, so p99 is reported
// as the upper bound of its bucket, within 19%).  Counters start at zero
// on server start and when a deployment is (re)deployed.
#include "feature_ext/deploy/deploy_pg.hpp"
#include "feature_ext/deploy/stats_pg.hpp"

#include <atomic>

extern "C" {
#include "funcapi.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

namespace fe {

namespace {
constexpr int kEntries = 1024;
constexpr int kBuckets = 160;

struct StatEntry {
    std::atomic<uint32> used;
    uint32 db;
    char name[2 * NAMEDATALEN + 2];
    std::atomic<uint64> calls;
    std::atomic<uint64> total_ns;
    std::atomic<uint64> hist[kBuckets];
};

struct StatTable {
    core::SpinLock lock;
    StatEntry entries[kEntries];
};

StatTable *g_stats = nullptr;

int bucket_of(uint64 ns)
{
    if (ns < 4)
        return int(ns);
    int p = 63 - __builtin_clzll(ns);            // 2^p <= ns
    int sub = int((ns >> (p - 2)) & 3);          // next two bits
    int b = 4 + (p - 2) * 4 + sub;
    return b < kBuckets ? b : kBuckets - 1;
}

uint64 bucket_upper(int b)
{
    if (b < 4)
        return uint64(b);
    int p = (b - 4) / 4 + 2;
    int sub = (b - 4) % 4;
    return (uint64(1) << p) + (uint64(sub + 1) << (p - 2));
}
}  // namespace

Size deploy_stats_shmem_size() { return sizeof(StatTable); }

void deploy_stats_shmem_init(void *mem, bool found)
{
    g_stats = static_cast<StatTable *>(mem);
    if (!found)
        memset(mem, 0, sizeof(StatTable));
}

DeployStats *deploy_stats_entry(const char *qualified_name, bool reset)
{
    if (!g_stats)
        return nullptr;
    core::SpinGuard g(g_stats->lock);
    StatEntry *free_e = nullptr;
    for (auto &e : g_stats->entries) {
        if (!e.used.load()) {
            if (!free_e)
                free_e = &e;
            continue;
        }
        if (e.db == MyDatabaseId && strcmp(e.name, qualified_name) == 0) {
            if (reset) {
                e.calls.store(0);
                e.total_ns.store(0);
                for (auto &h : e.hist)
                    h.store(0);
            }
            return reinterpret_cast<DeployStats *>(&e);
        }
    }
    if (!free_e)
        return nullptr;  // table full: this deployment is not counted
    free_e->db = MyDatabaseId;
    strlcpy(free_e->name, qualified_name, sizeof(free_e->name));
    free_e->calls.store(0);
    free_e->total_ns.store(0);
    for (auto &h : free_e->hist)
        h.store(0);
    free_e->used.store(1);
    return reinterpret_cast<DeployStats *>(free_e);
}

void deploy_stats_forget(const char *qualified_name)
{
    if (!g_stats)
        return;
    core::SpinGuard g(g_stats->lock);
    for (auto &e : g_stats->entries)
        if (e.used.load() && e.db == MyDatabaseId && strcmp(e.name, qualified_name) == 0)
            e.used.store(0);
}

void deploy_stats_record(DeployStats *s, uint64 ns)
{
    if (!s)
        return;
    auto *e = reinterpret_cast<StatEntry *>(s);
    e->calls.fetch_add(1, std::memory_order_relaxed);
    e->total_ns.fetch_add(ns, std::memory_order_relaxed);
    e->hist[bucket_of(ns)].fetch_add(1, std::memory_order_relaxed);
}

}  // namespace fe

// deployment_stats() -> (name text, calls bigint, mean_us float8, p99_us float8)
FE_FUNCTION(fe_deployment_stats)
{
    InitMaterializedSRF(fcinfo, 0);
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    if (!fe::g_stats)
        return Datum(0);
    for (auto &e : fe::g_stats->entries) {
        if (!e.used.load() || e.db != MyDatabaseId)
            continue;
        uint64 calls = e.calls.load();
        Datum v[4];
        bool n[4] = {false, calls == 0, calls == 0, calls == 0};
        v[0] = CStringGetTextDatum(e.name);
        v[1] = Int64GetDatum(int64(calls));
        v[2] = Float8GetDatum(calls ? double(e.total_ns.load()) / double(calls) / 1000.0 : 0.0);
        double p99 = 0;
        if (calls) {
            uint64 target = calls - calls / 100, seen = 0;
            for (int b = 0; b < fe::kBuckets; b++) {
                seen += e.hist[b].load();
                if (seen >= target) {
                    p99 = double(fe::bucket_upper(b)) / 1000.0;
                    break;
                }
            }
        }
        v[3] = Float8GetDatum(p99);
        tuplestore_putvalues(rsi->setResult, rsi->setDesc, v, n);
    }
    return Datum(0);
}
