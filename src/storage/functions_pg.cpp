// feature_ext: SQL-callable functions of the storage engine: monitoring
// (index_stats, memory_usage), on-demand TTL reclamation (run_gc), and
// index_scan, the SQL face of the read API used by tests and operators.
#include "feature_ext/storage/storage_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

// Is this relation a skiplist index?  By the syscache, not by a query on
// pg_class: Citus hides its shards' rows of pg_class from ordinary clients,
// which would hide a worker's shard indexes from index_stats.
FE_FUNCTION(fe_is_skiplist_index)
{
    Oid relid = PG_GETARG_OID(0);
    HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tup))
        PG_RETURN_BOOL(false);
    auto *form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup));
    bool yes = form->relkind == RELKIND_INDEX && OidIsValid(form->relam) && form->relam == fe::skiplist_am_oid();
    ReleaseSysCache(tup);
    PG_RETURN_BOOL(yes);
}

FE_FUNCTION(fe_index_stats_raw)
{
    InitMaterializedSRF(fcinfo, 0);
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    fe::core::Store &st = fe::store();
    for (uint32 i = 0; i < st.max_slots(); i++) {
        fe::core::IndexSlot *s = st.slot(i);
        uint32 state = s->state.load(std::memory_order_acquire);
        if (!fe::core::slot_in_use(state) || s->id.db != MyDatabaseId)
            continue;
        // Only indexes of tables the caller may read (a dropped table's slot
        // not reclaimed yet shows to nobody).
        bool missing = false;
        if (pg_class_aclcheck_ext(s->heap, GetUserId(), ACL_SELECT, &missing) != ACLCHECK_OK || missing)
            continue;
        Datum v[8];
        bool n[8] = {false, false, false, false, false, false, false, false};
        v[0] = ObjectIdGetDatum(s->id.index);
        v[1] = ObjectIdGetDatum(s->heap);
        v[2] = Int64GetDatum(s->keys.load());
        v[3] = Int64GetDatum(s->rows.load());
        v[4] = Int64GetDatum(s->bytes.load());
        v[5] = Int64GetDatum(s->expired.load());
        int64 lg = s->last_gc.load();
        v[6] = TimestampTzGetDatum(lg);
        n[6] = lg == 0;
        v[7] = CStringGetTextDatum(state == fe::core::kSlotReady    ? "ready"
                                   : state == fe::core::kSlotFailed ? "failed"
                                   : s->loading                     ? "loading"
                                                                    : "building");
        tuplestore_putvalues(rsi->setResult, rsi->setDesc, v, n);
    }
    return Datum(0);
}

FE_FUNCTION(fe_memory_usage)
{
    TupleDesc td;
    if (get_call_result_type(fcinfo, nullptr, &td) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    fe::core::MemoryUsage u = fe::store().usage();
    Datum v[11];
    bool n[11] = {false, false, false, false, false, false, false, false, false, false, false};
    v[0] = Int64GetDatum(int64(u.heap_bytes));
    v[1] = Int64GetDatum(int64(u.used_bytes));
    v[2] = Int64GetDatum(int64(u.free_bytes));
    v[3] = Int64GetDatum(int64(u.limbo_bytes));
    v[4] = Int32GetDatum(int32(u.indexes));
    v[5] = Int64GetDatum(int64(u.never_used_bytes));
    v[6] = Int64GetDatum(int64(u.free_list_bytes));
    v[7] = Int64GetDatum(int64(u.free_segment_bytes));
    v[8] = Int64GetDatum(int64(u.segment_dead_bytes));
    v[9] = Int64GetDatum(u.runs_max);
    v[10] = Float8GetDatum(u.runs_keys > 0 ? double(u.runs_total) / double(u.runs_keys) : 0.0);
    // A 0.1.0 catalog (before ALTER EXTENSION UPDATE) declares the first 5.
    if (td->natts != 5 && td->natts != 11)
        elog(ERROR, "feature_ext.memory_usage() declares %d columns; expected 5 or 11", td->natts);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(td), v, n)));
}

FE_FUNCTION(fe_run_gc)
{
    PG_RETURN_INT64(fe::run_gc_all(GetCurrentTimestamp()));
}

namespace {

Datum input_value(Oid typid, const char *text)
{
    Oid infunc, ioparam;
    getTypeInputInfo(typid, &infunc, &ioparam);
    return OidInputFunctionCall(infunc, const_cast<char *>(text), ioparam, -1);
}

char *output_value(Oid typid, Datum d)
{
    Oid outfunc;
    bool varlena;
    getTypeOutputInfo(typid, &outfunc, &varlena);
    return OidOutputFunctionCall(outfunc, d);
}

[[noreturn]] void index_gone(Oid indexoid)
{
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("index with OID %u does not exist", indexoid),
                    errhint("It may have been dropped concurrently.")));
    pg_unreachable();
}

struct RawRow {
    int64 order;
    uint32 len;
    uint8 *payload;
};

}  // namespace

// index_scan(index regclass, keys text[], upto text, max_rows int)
//   -> (order_value text, row_data text)
// Rows of one key, newest first, starting at order value <= upto (NULL: newest),
// as a request sees them (TTL applied).
FE_FUNCTION(fe_index_scan)
{
    Oid indexoid = PG_GETARG_OID(0);
    if (PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("keys must not be NULL")));
    ArrayType *keys = PG_GETARG_ARRAYTYPE_P(1);
    int max_rows = PG_ARGISNULL(3) ? INT_MAX : PG_GETARG_INT32(3);
    InitMaterializedSRF(fcinfo, 0);
    auto *rsi = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);

    // Lock order as PostgreSQL's: the table first, then the index (locking
    // the index first deadlocks against VACUUM FULL, TRUNCATE, DROP INDEX).
    // An index dropped concurrently (its name was resolved before DROP INDEX
    // committed) or a stale OID gets a clear 42P01, not "could not open
    // relation with OID" (XX000).
    Oid heapoid = IndexGetRelation(indexoid, true);
    if (!OidIsValid(heapoid)) {
        char *name = get_rel_name(indexoid);
        if (!name)
            index_gone(indexoid);
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not a skiplist index", name)));
    }
    // SELECT on the table, checked before its lock is queued for.
    bool missing = false;
    AclResult acl = pg_class_aclcheck_ext(heapoid, GetUserId(), ACL_SELECT, &missing);
    if (missing)
        index_gone(indexoid);
    if (acl != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for table %s", get_rel_name(heapoid))));
    Relation heap = try_relation_open(heapoid, AccessShareLock);
    if (heap == nullptr)
        index_gone(indexoid);
    Relation index = try_relation_open(indexoid, AccessShareLock);
    if (index == nullptr || !index->rd_index || index->rd_index->indrelid != heapoid)
        index_gone(indexoid);  // dropped (its OID perhaps reused) while we waited for the table
    if (index->rd_rel->relkind != RELKIND_INDEX || index->rd_rel->relam != fe::skiplist_am_oid())
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not a skiplist index", RelationGetRelationName(index))));
    // index_scan reads the index, not the table: it cannot apply row-level
    // security policies, so it refuses when they apply to the caller (as
    // deploy() does); the owner, superusers and BYPASSRLS roles read as before.
    if (check_enable_rls(heapoid, InvalidOid, false) == RLS_ENABLED)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("index_scan cannot read table \"%s\": row-level security applies to it",
                               RelationGetRelationName(heap)),
                        errdetail("index_scan reads the in-memory index and cannot apply the table's policies."),
                        errhint("Query the table with SELECT, which applies the policies.")));
    fe::refuse_citus_shell(heap, "index_scan");
    const fe::IndexMeta *m;
    fe::core::IndexSlot *s = fe::ready_slot(index, &m);

    Datum *kv;
    bool *kn;
    int nk;
    deconstruct_array(keys, TEXTOID, -1, false, TYPALIGN_INT, &kv, &kn, &nk);
    if (nk != m->nkeys)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("index \"%s\" has %d key columns but %d keys were given", m->name, m->nkeys, nk)));
    Datum vals[INDEX_MAX_KEYS];
    bool nulls[INDEX_MAX_KEYS];
    for (int i = 0; i < nk; i++) {
        nulls[i] = kn[i];
        vals[i] = kn[i] ? Datum(0) : input_value(m->keys[i].typid, TextDatumGetCString(kv[i]));
    }
    int64 upto = INT64_MAX;
    if (!PG_ARGISNULL(2))
        upto = fe::order_from_datum(m->order_kind, input_value(m->order.typid, TextDatumGetCString(PG_GETARG_DATUM(2))));
    uint8 *key;
    uint32 klen = fe::encode_key_values(m, vals, nulls, &key);
    uint32 hash = fe::core::Store::hash_key(key, klen);

    // Copy the rows out inside the read section, decode them after it.
    fe::core::Store &st = fe::store();
    int cap = 64, nrows = 0;
    auto *rows = static_cast<RawRow *>(palloc(sizeof(RawRow) * cap));
    fe::core::TtlRule rule = fe::slot_rule(s, GetCurrentTimestamp());
    st.reader_enter(fe::reader_id());
    if (const fe::core::KeyEntry *k = st.find_key(s, hash, key, klen)) {
        fe::core::Store::Cursor c;
        for (c.seek(st, k, upto, rule); c.valid() && nrows < max_rows; c.next()) {
            fe::core::RowView r = c.row();
            if (nrows == cap) {
                cap *= 2;
                rows = static_cast<RawRow *>(repalloc(rows, sizeof(RawRow) * cap));
            }
            rows[nrows].order = r.order;
            rows[nrows].len = r.payload_len;
            rows[nrows].payload = static_cast<uint8 *>(palloc(r.payload_len + 1));
            memcpy(rows[nrows].payload, r.payload, r.payload_len);
            nrows++;
        }
    }
    st.reader_exit(fe::reader_id());

    TupleDesc htd = RelationGetDescr(heap);
    for (int i = 0; i < nrows; i++) {
        StringInfoData buf;
        initStringInfo(&buf);
        for (int c = 0; c < m->nstored; c++) {
            bool isnull;
            Datum d = fe::decode_stored(m, rows[i].payload, c, &isnull);
            appendStringInfo(&buf, "%s%s=%s", c ? ", " : "", NameStr(TupleDescAttr(htd, m->stored[c].attno - 1)->attname),
                             isnull ? "NULL" : output_value(m->stored[c].typid, d));
        }
        Datum v[2];
        bool n[2] = {false, false};
        v[0] = CStringGetTextDatum(output_value(m->order.typid, fe::order_to_datum(m->order_kind, rows[i].order)));
        v[1] = CStringGetTextDatum(buf.data);
        tuplestore_putvalues(rsi->setResult, rsi->setDesc, v, n);
    }
    index_close(index, AccessShareLock);
    relation_close(heap, AccessShareLock);
    return Datum(0);
}
