// feature_ext: the `skiplist` index access method.
//
// The index has no on-disk pages: its contents live in the shared memory
// store (storage/store.hpp), mirrored from the table by the feature_store table
// AM at commit (storage/xact_pg.cpp).  This file holds the AM handler, the
// reloptions (ttl, ttl_rows, ttl_type, ttl_clock, buckets), the per-index
// metadata, and ambuild (CREATE INDEX, REINDEX, TRUNCATE, VACUUM FULL).
#include "feature_ext/storage/storage_pg.hpp"
#include "feature_ext/base/compat_pg.hpp"

extern "C" {
#include "access/amapi.h"
#include "access/reloptions.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "nodes/pathnodes.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(fe_skiplist_handler);
Datum fe_skiplist_handler(PG_FUNCTION_ARGS);
}

namespace fe {

const TableAmRoutine *feature_store_routine();

// ---------------------------------------------------------------- options

struct SkiplistOptions {
    int32 vl_len_;
    int ttl_off;
    int ttl_type_off;
    int ttl_clock_off;
    int ttl_rows;
    int buckets;
};

static relopt_kind g_relopt_kind;

static const char *opt_string(const SkiplistOptions *o, int off)
{
    return (o && off) ? reinterpret_cast<const char *>(o) + off : nullptr;
}

// Microseconds of a TTL text ('30 days', '7d', '90m', '1 hour'); errors on bad input.
static int64 parse_ttl(const char *s)
{
    bool digits = *s != '\0';
    for (const char *p = s; *p; p++)
        if (!isdigit(static_cast<unsigned char>(*p)) && *p != ' ')
            digits = false;
    if (digits)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("ttl \"%s\" has no unit", s),
                        errhint("Write a duration such as ttl = '30 days', '12h' or '90m'; a row count goes "
                                "in ttl_rows.")));
    Datum d = DirectFunctionCall3(interval_in, CStringGetDatum(s), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
    Interval *iv = DatumGetIntervalP(d);
    __int128 us = __int128(iv->time) + __int128(iv->day) * USECS_PER_DAY + __int128(iv->month) * 30 * USECS_PER_DAY;
    if (us <= 0 || us > __int128(200) * 365 * USECS_PER_DAY)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("ttl \"%s\" is out of range", s),
                        errhint("A ttl must be longer than zero and at most 200 years.")));
    return int64(us);
}

static void validate_ttl(const char *value)
{
    if (value)
        (void) parse_ttl(value);
}

static core::TtlType parse_ttl_type(const char *s)
{
    if (!s)
        return core::TtlType::kNone;
    if (pg_strcasecmp(s, "absolute") == 0) return core::TtlType::kAbsolute;
    if (pg_strcasecmp(s, "latest") == 0) return core::TtlType::kLatest;
    if (pg_strcasecmp(s, "absorlat") == 0) return core::TtlType::kAbsOrLat;
    if (pg_strcasecmp(s, "absandlat") == 0) return core::TtlType::kAbsAndLat;
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid ttl_type \"%s\"", s),
                    errhint("Valid values are absolute, latest, absorlat and absandlat.")));
    return core::TtlType::kNone;
}

static void validate_ttl_type(const char *value)
{
    (void) parse_ttl_type(value);
}

static void validate_ttl_clock(const char *value)
{
    if (value && pg_strcasecmp(value, "wall") != 0 && pg_strcasecmp(value, "event") != 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid ttl_clock \"%s\"", value),
                        errhint("Valid values are wall (now minus ttl) and event (newest order value of the key "
                                "minus ttl).")));
}

static TtlConfig ttl_from_options(const SkiplistOptions *o, bool check)
{
    TtlConfig t;
    const char *ttl = opt_string(o, o ? o->ttl_off : 0);
    const char *type = opt_string(o, o ? o->ttl_type_off : 0);
    const char *clock = opt_string(o, o ? o->ttl_clock_off : 0);
    int rows = o ? o->ttl_rows : 0;
    t.abs_us = ttl ? parse_ttl(ttl) : 0;
    t.rows = rows;
    t.event_clock = clock && pg_strcasecmp(clock, "event") == 0;
    t.type = parse_ttl_type(type);
    if (t.type == core::TtlType::kNone) {
        if (ttl && rows > 0) {
            if (check)
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg("both ttl and ttl_rows are set but ttl_type is not"),
                                errhint("Set ttl_type = 'absorlat' (expire past either limit) or 'absandlat' "
                                        "(expire past both).")));
            t.type = core::TtlType::kAbsOrLat;
        } else if (ttl) {
            t.type = core::TtlType::kAbsolute;
        } else if (rows > 0) {
            t.type = core::TtlType::kLatest;
        }
    }
    if (check) {
        bool need_abs = t.type == core::TtlType::kAbsolute || t.type == core::TtlType::kAbsOrLat ||
                        t.type == core::TtlType::kAbsAndLat;
        bool need_rows = t.type == core::TtlType::kLatest || t.type == core::TtlType::kAbsOrLat ||
                         t.type == core::TtlType::kAbsAndLat;
        if (need_abs && !ttl)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("ttl_type \"%s\" needs a ttl", type),
                            errhint("Add ttl = '<duration>', e.g. ttl = '30 days'.")));
        if (need_rows && rows <= 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("ttl_type \"%s\" needs ttl_rows", type),
                            errhint("Add ttl_rows = <number of newest rows kept per key>.")));
        if (!need_abs && ttl)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("ttl is set but ttl_type \"%s\" does not use it", type),
                            errhint("Use ttl_type = 'absolute', 'absorlat' or 'absandlat' with a ttl.")));
        if (!need_rows && rows > 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("ttl_rows is set but ttl_type \"%s\" does not use it", type),
                            errhint("Use ttl_type = 'latest', 'absorlat' or 'absandlat' with ttl_rows.")));
    }
    if (t.type == core::TtlType::kLatest)
        t.abs_us = 0;
    return t;
}

static bytea *skiplist_options(Datum reloptions, bool validate)
{
    return pg_entry([&]() {
        static const relopt_parse_elt tab[] = {
            {"ttl", RELOPT_TYPE_STRING, offsetof(SkiplistOptions, ttl_off)},
            {"ttl_type", RELOPT_TYPE_STRING, offsetof(SkiplistOptions, ttl_type_off)},
            {"ttl_clock", RELOPT_TYPE_STRING, offsetof(SkiplistOptions, ttl_clock_off)},
            {"ttl_rows", RELOPT_TYPE_INT, offsetof(SkiplistOptions, ttl_rows)},
            {"buckets", RELOPT_TYPE_INT, offsetof(SkiplistOptions, buckets)},
        };
        bytea *b = static_cast<bytea *>(
            build_reloptions(reloptions, validate, g_relopt_kind, sizeof(SkiplistOptions), tab, lengthof(tab)));
        if (validate)
            (void) ttl_from_options(reinterpret_cast<SkiplistOptions *>(b), true);
        return b;
    });
}

void register_skiplist_reloptions()
{
    g_relopt_kind = add_reloption_kind();
    add_string_reloption(g_relopt_kind, "ttl", "Absolute TTL of rows (a duration)", nullptr, validate_ttl,
                         ShareUpdateExclusiveLock);
    add_string_reloption(g_relopt_kind, "ttl_type", "absolute, latest, absorlat or absandlat", nullptr,
                         validate_ttl_type, ShareUpdateExclusiveLock);
    add_string_reloption(g_relopt_kind, "ttl_clock", "wall or event", "wall", validate_ttl_clock,
                         ShareUpdateExclusiveLock);
    add_int_reloption(g_relopt_kind, "ttl_rows", "Newest rows kept per key (latest TTL)", 0, 0, INT_MAX,
                      ShareUpdateExclusiveLock);
    add_int_reloption(g_relopt_kind, "buckets", "Hash buckets for the keys of the index at build (doubled as keys arrive)",
                      65536, 16, 1 << 24, AccessExclusiveLock);
}

TtlConfig index_ttl(Relation index, int *nbuckets)
{
    auto *o = reinterpret_cast<SkiplistOptions *>(index->rd_options);
    if (nbuckets)
        *nbuckets = o ? o->buckets : 65536;
    return ttl_from_options(o, false);
}

// The bucket table's size for an index being built or loaded: the buckets
// option (its initial size; the table doubles as keys arrive), raised to the
// number of keys ANALYZE last saw (pg_statistic's n_distinct of the key
// columns, the largest of them, at most the table's rows), so that a build
// or a load after a restart over many keys does not grow it step by step
// (each doubling relinks every key under all stripe locks).
uint32 initial_buckets(Relation heap, const IndexMeta *m)
{
    double keys = 0, rows = heap->rd_rel->reltuples;
    for (int i = 0; i < m->nkeys; i++) {
        HeapTuple t = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(RelationGetRelid(heap)),
                                      Int16GetDatum(m->keys[i].attno), BoolGetDatum(false));
        if (!HeapTupleIsValid(t))
            continue;
        double nd = reinterpret_cast<Form_pg_statistic>(GETSTRUCT(t))->stadistinct;
        ReleaseSysCache(t);
        if (nd < 0)
            nd = rows > 0 ? -nd * rows : 0;
        keys = Max(keys, nd);
    }
    if (rows > 0)
        keys = Min(keys, rows);
    keys = Min(keys, double(1 << 24));
    return uint32(Max(double(m->nbuckets), keys));
}

// ---------------------------------------------------------------- metadata

// Not cached: DROP EXTENSION + CREATE EXTENSION gives the AM a new OID
// within one backend's life.  Only called off the request path.
Oid skiplist_am_oid()
{
    return get_index_am_oid("skiplist", true);
}

static bool key_type_ok(Oid t)
{
    switch (t) {
    case INT2OID: case INT4OID: case INT8OID: case TEXTOID: case VARCHAROID: case BPCHAROID:
    case BYTEAOID: case BOOLOID: case DATEOID: case TIMESTAMPOID: case TIMESTAMPTZOID: case UUIDOID:
    case OIDOID: case CHAROID: case NAMEOID:
        return true;
    default:
        return type_is_enum(t);
    }
}

static bool order_kind_of(Oid t, OrderKind *k)
{
    switch (t) {
    case INT2OID: *k = kOrderInt2; return true;
    case INT4OID: *k = kOrderInt4; return true;
    case INT8OID: *k = kOrderInt8; return true;
    case DATEOID: *k = kOrderDate; return true;
    case TIMESTAMPOID: *k = kOrderTimestamp; return true;
    case TIMESTAMPTZOID: *k = kOrderTimestamptz; return true;
    default: return false;
    }
}

static void fill_col(ColInfo *c, TupleDesc td, AttrNumber attno)
{
    Form_pg_attribute a = TupleDescAttr(td, attno - 1);
    c->attno = attno;
    c->typid = a->atttypid;
    c->typlen = a->attlen;
    c->typbyval = a->attbyval;
    c->bpchar = getBaseType(a->atttypid) == BPCHAROID;
    c->fixed_off = -1;
}

static int layout_fixed(ColInfo *cols, int n)
{
    int off = 0;
    for (int i = 0; i < n; i++)
        if (cols[i].typlen > 0) {
            cols[i].fixed_off = off;
            off += cols[i].typlen;
        }
    return off;
}

IndexMeta *build_index_meta(Relation index, Relation heap, MemoryContext cxt)
{
    Form_pg_index ind = index->rd_index;
    int nkeyatts = ind->indnkeyatts;
    int natts = ind->indnatts;
    TupleDesc htd = RelationGetDescr(heap);
    auto *m = static_cast<IndexMeta *>(MemoryContextAllocZero(cxt, sizeof(IndexMeta)));
    m->indexoid = RelationGetRelid(index);
    m->heapoid = RelationGetRelid(heap);
    m->id = core::SlotId{MyDatabaseId, RelationGetRelid(index), fe::compat::rel_file_number(index)};
    strlcpy(m->name, RelationGetRelationName(index), NAMEDATALEN);
    for (int i = 0; i < natts; i++)
        if (ind->indkey.values[i] == 0)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("skiplist indexes do not support expressions"),
                            errhint("Index plain columns: (key columns..., order column).")));
    m->nkeys = nkeyatts - 1;
    for (int i = 0; i < m->nkeys; i++) {
        fill_col(&m->keys[i], htd, ind->indkey.values[i]);
        if (!key_type_ok(getBaseType(m->keys[i].typid)))
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("column \"%s\" of type %s cannot be a skiplist key",
                                   NameStr(TupleDescAttr(htd, m->keys[i].attno - 1)->attname),
                                   format_type_be(m->keys[i].typid)),
                            errhint("Key columns must be of an integer, text, varchar, char, bytea, bool, date, "
                                    "timestamp, timestamptz, uuid or enum type.")));
    }
    m->key_fixed = layout_fixed(m->keys, m->nkeys);
    fill_col(&m->order, htd, ind->indkey.values[nkeyatts - 1]);
    if (!order_kind_of(getBaseType(m->order.typid), &m->order_kind))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("order column \"%s\" of type %s is not supported",
                               NameStr(TupleDescAttr(htd, m->order.attno - 1)->attname),
                               format_type_be(m->order.typid)),
                        errhint("The last column of a skiplist index orders the rows: use timestamptz, "
                                "timestamp, date, or an integer holding epoch milliseconds.")));
    // Stored columns: INCLUDE (...) if given, else every other column of the table.
    m->include_all = natts == nkeyatts;
    m->stored = static_cast<ColInfo *>(MemoryContextAllocZero(cxt, sizeof(ColInfo) * (htd->natts + 1)));
    m->nstored = 0;
    if (!m->include_all) {
        for (int i = nkeyatts; i < natts; i++)
            fill_col(&m->stored[m->nstored++], htd, ind->indkey.values[i]);
    } else {
        for (int a = 1; a <= htd->natts; a++) {
            if (TupleDescAttr(htd, a - 1)->attisdropped)
                continue;
            bool indexed = false;
            for (int i = 0; i < nkeyatts; i++)
                if (ind->indkey.values[i] == a)
                    indexed = true;
            if (!indexed)
                fill_col(&m->stored[m->nstored++], htd, AttrNumber(a));
        }
    }
    m->stored_fixed = layout_fixed(m->stored, m->nstored);
    if (m->include_all) {
        // An index holding "every other column" changes its row layout when
        // a column is added or dropped without a rewrite (the relfilenode
        // stays).  The layout is part of the slot's identity, so rows stored
        // under the old layout are never decoded with the new one: the new
        // identity has no slot yet and is loaded from the table on first use,
        // and that load's commit drops the old version (as after TRUNCATE).
        uint32 h = 2166136261u;
        auto mix = [&h](uint32 v) { h = (h ^ v) * 16777619u; };
        for (int i = 0; i < m->nstored; i++) {
            mix(uint32(m->stored[i].attno));
            mix(uint32(m->stored[i].typid));
        }
        mix(uint32(htd->natts));
        m->id.relfilenode ^= h | 1u;  // never the bare relfilenode
    }
    m->ttl = index_ttl(index, &m->nbuckets);
    return m;
}

// ---------------------------------------------------------------- build

struct FillState {
    core::IndexSlot *slot;
    const IndexMeta *meta;
    core::TtlRule rule;
    int64 rows;
};

// Insert every row of `heap` visible to `snap` into the slot.
int64 fill_slot(Relation heap, const IndexMeta *m, core::IndexSlot *s, Snapshot snap, bool progress)
{
    TupleTableSlot *tts = table_slot_create(heap, nullptr);
    TableScanDesc scan = table_beginscan(heap, snap, 0, nullptr);
    core::TtlRule rule = slot_rule(s, GetCurrentTimestamp());
    MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "feature_ext build", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(tmp);
    int64 n = 0;
    if (progress)
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, int64(Max(heap->rd_rel->reltuples, 0)));
    while (table_scan_getnextslot(scan, ForwardScanDirection, tts)) {
        CHECK_FOR_INTERRUPTS();
        slot_getallattrs(tts);
        if (!direct_insert(s, m, tts->tts_values, tts->tts_isnull, &tts->tts_tid, rule))
            report_memory_full("an index build");
        if ((++n & 1023) == 0) {
            MemoryContextReset(tmp);
            if (progress)
                pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, n);
        }
    }
    if (progress)
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, n);
    // Rows of a key arrived interleaved with other keys: lay each key's rows
    // out contiguously so windows read sequential memory (CREATE INDEX; a
    // load after restart compacts once the index is ready, see ready_slot).
    if (progress)
        store().compact_index(s, false);
    MemoryContextSwitchTo(old);
    MemoryContextDelete(tmp);
    table_endscan(scan);
    ExecDropSingleTupleTableSlot(tts);
    return n;
}

static IndexBuildResult *skiplist_build(Relation heap, Relation index, IndexInfo *info)
{
    if (heap->rd_tableam != feature_store_routine())
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("skiplist indexes are only supported on feature_store tables"),
                        errdetail("Table \"%s\" uses another table access method.", RelationGetRelationName(heap)),
                        errhint("Create the table with CREATE TABLE ... USING feature_store.")));
    // The in-memory index lives in memory shared by every session; a
    // temporary table is one session's (and TEMP is granted to PUBLIC, so it
    // would let any role use up feature_ext.memory_limit).  docs/SECURITY.md.
    if (heap->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("skiplist indexes cannot be created on temporary tables"),
                        errdetail("Their rows would be held in memory shared by all sessions of the server."),
                        errhint("Use a regular feature_store table.")));
    if (info->ii_Concurrent)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("skiplist indexes cannot be built CONCURRENTLY"),
                        errhint("Use CREATE INDEX without CONCURRENTLY.")));
    if (info->ii_Predicate != NIL)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("skiplist indexes cannot be partial")));
    if (info->ii_Unique)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("skiplist indexes cannot be unique")));
    if (info->ii_NumIndexKeyAttrs < 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION), errmsg("a skiplist index needs an order column")));
    const IndexMeta *m = build_index_meta(index, heap, CurrentMemoryContext);
    core::Store &st = store();
    forget_pending(m->indexoid);
    if (core::IndexSlot *old = st.find_slot(m->id))
        st.drop_slot(old);  // rebuilt in place (TRUNCATE of a table created in this transaction)
    core::IndexSlot *s = st.create_slot(m->id, m->heapoid, initial_buckets(heap, m), m->order_kind);
    if (!s)
        report_memory_full("a new index");
    s->builder_pid = uint32(MyProcPid);
    note_created_slot(m->id);
    sync_slot_ttl(s, m);
    set_slot_summaries(s, m);
    // Everything the transaction sees now, its own earlier commands included.
    Snapshot snap = RegisterSnapshot(GetLatestSnapshot());
    int64 n = fill_slot(heap, m, s, snap, true);
    UnregisterSnapshot(snap);
    s->state.store(core::kSlotReady, std::memory_order_release);
    auto *r = static_cast<IndexBuildResult *>(palloc0(sizeof(IndexBuildResult)));
    r->heap_tuples = double(n);
    r->index_tuples = double(n);
    return r;
}

static void skiplist_buildempty(Relation)
{
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("skiplist indexes are not supported on unlogged tables")));
}

// Rows reach the index through the feature_store table AM (at commit), not here.
static bool skiplist_insert(Relation, Datum *, bool *, ItemPointer, Relation, IndexUniqueCheck, bool,
                            struct IndexInfo *)
{
    return false;
}

static IndexBulkDeleteResult *skiplist_bulkdelete(IndexVacuumInfo *, IndexBulkDeleteResult *stats,
                                                  IndexBulkDeleteCallback, void *)
{
    // Deleted rows left the in-memory index when their deletion committed.
    if (!stats)
        stats = static_cast<IndexBulkDeleteResult *>(palloc0(sizeof(IndexBulkDeleteResult)));
    return stats;
}

static IndexBulkDeleteResult *skiplist_vacuumcleanup(IndexVacuumInfo *, IndexBulkDeleteResult *stats)
{
    return stats;
}

// The executor never scans a skiplist index; requests read it directly.
static void skiplist_costestimate(PlannerInfo *, IndexPath *, double, Cost *startup, Cost *total,
                                  Selectivity *sel, double *corr, double *pages)
{
    *startup = 1.0e10;
    *total = 1.0e10;
    *sel = 1.0;
    *corr = 0.0;
    *pages = 0.0;
}

static bool skiplist_validate(Oid)
{
    return true;
}

static IndexScanDesc skiplist_beginscan(Relation, int, int)
{
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("skiplist indexes cannot be scanned by the executor"),
                    errhint("Read them through deployed feature functions or feature_ext.index_scan().")));
    return nullptr;
}

static void skiplist_rescan(IndexScanDesc, ScanKey, int, ScanKey, int) {}
static void skiplist_endscan(IndexScanDesc) {}

// C-linkage wrappers: every callback enters C++ through pg_entry.
namespace am {
IndexBuildResult *build(Relation h, Relation i, IndexInfo *ii) { return pg_entry([&] { return skiplist_build(h, i, ii); }); }
void buildempty(Relation i) { pg_entry([&] { skiplist_buildempty(i); }); }
}  // namespace am

}  // namespace fe

extern "C" Datum fe_skiplist_handler(PG_FUNCTION_ARGS)
{
    IndexAmRoutine *r = makeNode(IndexAmRoutine);
    r->amstrategies = 0;
    r->amsupport = 0;
    r->amoptsprocnum = 0;
    r->amcanorder = false;
    r->amcanorderbyop = false;
    r->amcanbackward = false;
    r->amcanunique = false;
    r->amcanmulticol = true;
    r->amoptionalkey = true;
    r->amsearcharray = false;
    r->amsearchnulls = false;
    r->amstorage = false;
    r->amclusterable = false;
    r->ampredlocks = false;
    r->amcanparallel = false;
    r->amcaninclude = true;
    r->amusemaintenanceworkmem = false;
    r->amparallelvacuumoptions = VACUUM_OPTION_NO_PARALLEL;
    r->amkeytype = InvalidOid;
    r->ambuild = fe::am::build;
    r->ambuildempty = fe::am::buildempty;
    r->aminsert = fe::skiplist_insert;
    r->ambulkdelete = fe::skiplist_bulkdelete;
    r->amvacuumcleanup = fe::skiplist_vacuumcleanup;
    r->amcanreturn = nullptr;
    r->amcostestimate = fe::skiplist_costestimate;
    r->amoptions = fe::skiplist_options;
    r->amproperty = nullptr;
    r->ambuildphasename = nullptr;
    r->amvalidate = fe::skiplist_validate;
    r->amadjustmembers = nullptr;
    r->ambeginscan = fe::skiplist_beginscan;
    r->amrescan = fe::skiplist_rescan;
    r->amgettuple = nullptr;
    r->amgetbitmap = nullptr;
    r->amendscan = fe::skiplist_endscan;
    r->ammarkpos = nullptr;
    r->amrestrpos = nullptr;
    r->amestimateparallelscan = nullptr;
    r->aminitparallelscan = nullptr;
    r->amparallelrescan = nullptr;
    PG_RETURN_POINTER(r);
}
