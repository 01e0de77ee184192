// feature_ext: running code with rights other than the caller's
// (docs/SECURITY.md).
//
// Every piece of feature_ext that acts for someone else (the extension's
// catalog writes, the retention worker, maintenance) goes through one of
// these, so that no name is ever resolved through a search_path the caller
// controls and no user code runs with more rights than its owner's:
//
//   * SafeScope pins search_path to "pg_catalog, pg_temp" (pg_temp named
//     last, so even temporary relations and types cannot shadow pg_catalog's)
//     and the date/interval/float output styles (as pg_dump does) in a GUC
//     nest level of its own, and optionally switches the user:
//       - to the extension's owner with SECURITY_LOCAL_USERID_CHANGE, for
//         the extension's own catalog tables (callers hold no write grant);
//       - to a table owner with SECURITY_RESTRICTED_OPERATION, for work done
//         on a table on its owner's behalf (as VACUUM and REFRESH MATERIALIZED
//         VIEW do): the owner's triggers, defaults and policies run as the
//         owner, who cannot escape through SET ROLE or temporary objects.
//     The SQL run inside still qualifies every object (pg_catalog.
//     included); the pinned path is the second line of defence.
//   * catalog_exec runs one statement on the extension's catalog tables that
//     way, with parameters (never with values spliced into the text).
//
// C-style zone: no C++ object with a destructor; an ereport inside unwinds
// through PostgreSQL's own cleanup (the GUC nest level and the user id are
// restored by transaction or subtransaction abort).
#pragma once

#include "feature_ext/base/guard_pg.hpp"

namespace fe {

struct SafeScope {
    Oid save_user;
    int save_sec;
    int guc_level;
};

// Pin the search_path; run as `as_user` (InvalidOid: stay the current user)
// with the given security-context flags added.
void safe_enter(SafeScope *s, Oid as_user, int extra_sec_flags);
void safe_leave(SafeScope *s);

// The owner of the feature_ext extension (the role catalog writes run as).
Oid extension_owner();

// Run `sql` (fully qualified) as the extension's owner under a pinned
// search_path, inside SPI (connected here).  Returns SPI_processed; with
// `out`, the first column of the first row (nullptr when no row) as text
// copied into the caller's memory context.
uint64 catalog_exec(const char *sql, int nargs, const Oid *types, const Datum *values, const char *nulls,
                    bool read_only, char **out = nullptr);

}  // namespace fe
