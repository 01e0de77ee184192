// feature_ext: the one place where PostgreSQL major versions differ
// (15, 16, 17, 18).  Everything else is written against the newest API and
// includes this header; each difference is a small inline function, type
// alias or macro here, guarded by PG_VERSION_NUM, never an #if in a .cpp.
//
// Style: where a newer release added a function (object_ownercheck, ...),
// older releases get an equivalent with the same name and signature here, so
// call sites read like PostgreSQL 16+ code.  Where a signature changed in
// place, call sites use a fe::compat:: wrapper named after the function.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/genam.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/pg_list.h"
#include "nodes/parsenodes.h"
#include "parser/parse_relation.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/regproc.h"
}

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "feature_ext supports PostgreSQL 15, 16, 17 and 18"
#endif

// ------------------------------------------------- ownership and privileges
// PostgreSQL 16 replaced pg_<class>_ownercheck / pg_<class>_aclcheck with
// object_ownercheck / object_aclcheck keyed by the catalog's OID.
#if PG_VERSION_NUM < 160000
inline bool object_ownercheck(Oid classid, Oid objectid, Oid roleid)
{
    switch (classid) {
    case RelationRelationId: return pg_class_ownercheck(objectid, roleid);
    case ProcedureRelationId: return pg_proc_ownercheck(objectid, roleid);
    case TypeRelationId: return pg_type_ownercheck(objectid, roleid);
    case NamespaceRelationId: return pg_namespace_ownercheck(objectid, roleid);
    default: elog(ERROR, "feature_ext: object_ownercheck of catalog %u is not mapped", classid);
    }
    return false;
}

inline AclResult object_aclcheck(Oid classid, Oid objectid, Oid roleid, AclMode mode)
{
    switch (classid) {
    case NamespaceRelationId: return pg_namespace_aclcheck(objectid, roleid, mode);
    case ProcedureRelationId: return pg_proc_aclcheck(objectid, roleid, mode);
    case TypeRelationId: return pg_type_aclcheck(objectid, roleid, mode);
    default: elog(ERROR, "feature_ext: object_aclcheck of catalog %u is not mapped", classid);
    }
    return ACLCHECK_NO_PRIV;
}
#endif

namespace fe::compat {

// ------------------------------------------------------------ relation files
// PostgreSQL 16: RelFileNode -> RelFileLocator (rd_node -> rd_locator,
// relNode -> relNumber).  The number of the relation's current file.
inline Oid rel_file_number(Relation rel)
{
#if PG_VERSION_NUM >= 160000
    return rel->rd_locator.relNumber;
#else
    return rel->rd_node.relNode;
#endif
}

// -------------------------------------------------------------- processes
// PostgreSQL 17 dropped PGPROC.pgprocno (a process's number is its index in
// ProcGlobal->allProcs, GetNumberFromPGProc).
inline int proc_number(const PGPROC *p)
{
#if PG_VERSION_NUM >= 170000
    return int(GetNumberFromPGProc(p));
#else
    return p->pgprocno;
#endif
}

// ------------------------------------------------------------- wait events
// PostgreSQL 17 ties a wait event set to a resource owner (nullptr: none, it
// lives until FreeWaitEventSet) instead of a memory context.
inline WaitEventSet *session_wait_event_set(int nevents)
{
#if PG_VERSION_NUM >= 170000
    return CreateWaitEventSet(nullptr, nevents);
#else
    return CreateWaitEventSet(TopMemoryContext, nevents);
#endif
}

// ------------------------------------------------------------------- timing
// PostgreSQL 16 made instr_time an opaque tick count (no tv_sec / tv_nsec).
inline uint64 instr_time_ns(const instr_time &t)
{
#if PG_VERSION_NUM >= 160000
    return uint64(INSTR_TIME_GET_NANOSEC(t));
#else
    return uint64(t.tv_sec) * 1000000000ull + uint64(t.tv_nsec);
#endif
}

// ------------------------------------------------------------------ table AM
// tuple_update's last argument: PostgreSQL 16 says which indexes need new
// entries (TU_UpdateIndexes) instead of a bool.
#if PG_VERSION_NUM >= 160000
using UpdateIndexes = TU_UpdateIndexes;
#else
using UpdateIndexes = bool;
#endif

// ------------------------------------------------------------ index support
// Whether sortop is a btree ordering operator sorting ascending ("<").
// PostgreSQL 18 reports the operator's role as a generic CompareType instead
// of a btree strategy number.
inline bool is_ascending_ordering_op(Oid sortop)
{
    Oid opfamily, opcintype;
#if PG_VERSION_NUM >= 180000
    CompareType cmp;
    return get_ordering_op_properties(sortop, &opfamily, &opcintype, &cmp) && cmp == COMPARE_LT;
#else
    int16 strategy;
    return get_ordering_op_properties(sortop, &opfamily, &opcintype, &strategy) && strategy == BTLessStrategyNumber;
#endif
}

// Whether sortop is a btree ordering operator sorting descending (">").
inline bool is_descending_ordering_op(Oid sortop)
{
    Oid opfamily, opcintype;
#if PG_VERSION_NUM >= 180000
    CompareType cmp;
    return get_ordering_op_properties(sortop, &opfamily, &opcintype, &cmp) && cmp == COMPARE_GT;
#else
    int16 strategy;
    return get_ordering_op_properties(sortop, &opfamily, &opcintype, &strategy) &&
           strategy == BTGreaterStrategyNumber;
#endif
}

// index_beginscan without ordering keys: PostgreSQL 18 added an
// instrumentation argument.
inline IndexScanDesc index_beginscan_keys(Relation heap, Relation index, Snapshot snapshot, int nkeys)
{
#if PG_VERSION_NUM >= 180000
    return index_beginscan(heap, index, snapshot, nullptr, nkeys, 0);
#else
    return index_beginscan(heap, index, snapshot, nkeys, 0);
#endif
}

// ------------------------------------------------------------------ catalog
// ProcedureCreate: PostgreSQL 18 added the transforms' OIDs (trfoids) after
// trftypes.  Arguments as in PostgreSQL 15-17.
inline ObjectAddress procedure_create(const char *name, Oid nsp, bool replace, bool returns_set, Oid rettype,
                                      Oid owner, Oid lang, Oid validator, const char *prosrc, const char *probin,
                                      Node *sqlbody, char kind, bool secdef, bool leakproof, bool strict,
                                      char volatility, char parallel, oidvector *argtypes, Datum all_argtypes,
                                      Datum argmodes, Datum argnames, List *defaults, Datum trftypes,
                                      Datum proconfig, Oid prosupport, float4 procost, float4 prorows)
{
    return ProcedureCreate(name, nsp, replace, returns_set, rettype, owner, lang, validator, prosrc, probin,
                           sqlbody, kind, secdef, leakproof, strict, volatility, parallel, argtypes, all_argtypes,
                           argmodes, argnames, defaults, trftypes,
#if PG_VERSION_NUM >= 180000
                           NIL,
#endif
                           proconfig, prosupport, procost, prorows);
}

// ------------------------------------------------------------------ names
// stringToQualifiedNameList: PostgreSQL 16 added a soft-error context.
inline List *string_to_qualified_names(const char *s)
{
#if PG_VERSION_NUM >= 160000
    return stringToQualifiedNameList(s, nullptr);
#else
    return stringToQualifiedNameList(s);
#endif
}

// ------------------------------------------------------- range table
// A relation's RTE moved from one analysed query (src) into another (dst, as
// its only relation): PostgreSQL 16 keeps the permissions of an RTE in the
// query's rteperminfos (rte->perminfoindex), 15 in the RTE itself.
inline void move_relation_rte(Query *dst, Query *src, RangeTblEntry *rte)
{
#if PG_VERSION_NUM >= 160000
    RTEPermissionInfo *pi = getRTEPermissionInfo(src->rteperminfos, rte);
    dst->rteperminfos = list_make1(static_cast<RTEPermissionInfo *>(copyObjectImpl(pi)));
    rte->perminfoindex = 1;
#else
    (void) dst, (void) src, (void) rte;
#endif
}

// A relation of a query replaced by another (map(relid) -> relid):
// PostgreSQL 16 also names it in the query's rteperminfos, which must agree
// with the RTE's relid; 15 has none.
template <typename Map>
inline void map_perminfo_relids(Query *q, Map map)
{
#if PG_VERSION_NUM >= 160000
    ListCell *lc;
    foreach (lc, q->rteperminfos) {
        RTEPermissionInfo *pi = lfirst_node(RTEPermissionInfo, lc);
        pi->relid = map(pi->relid);
    }
#else
    (void) q, (void) map;
#endif
}

}  // namespace fe::compat
