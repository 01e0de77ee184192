// feature_ext: PostgreSQL glue for the OpenMLDB aggregate library.
//
// Every aggregate keeps its kernel (include/feature_ext/agg/kernels.hpp) in an
// `internal` transition state: a C++ object placed in the aggregate memory
// context, destroyed by a reset callback registered on that context.  One
// transition function per aggregate family creates the state on the first row
// (choosing the kernel instantiation from the actual argument types) and adds
// rows; the shared inverse function (moving-aggregate mode) removes rows and
// the shared final functions read the result without modifying the state.
//
// The SQL declarations are in src/sql/30_aggregates.sql; docs/AGGREGATES.md
// documents the semantics.
#include "feature_ext/base/guard_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/date.h"
}

#include <memory>
#include <string>
#include <vector>

#include "feature_ext/agg/kernels.hpp"

using namespace fe::agg;

namespace {

// ------------------------------------------------------------------ types
enum class Phys : uint8_t { kInt, kDbl, kStr };

constexpr int64_t kDateShift = 10957;                    // 1970-01-01 .. 2000-01-01 in days
constexpr int64_t kTsShift = INT64_C(946684800000000);  // same in microseconds

struct ArgType {
    LogicalType lt;
    Phys phys;
};

ArgType arg_type(FunctionCallInfo fcinfo, int argno)
{
    Oid oid = get_fn_expr_argtype(fcinfo->flinfo, argno);
    switch (oid) {
    case BOOLOID:
        return {LogicalType::kBool, Phys::kInt};
    case INT2OID:
        return {LogicalType::kInt16, Phys::kInt};
    case INT4OID:
        return {LogicalType::kInt32, Phys::kInt};
    case INT8OID:
        return {LogicalType::kInt64, Phys::kInt};
    case FLOAT4OID:
        return {LogicalType::kFloat, Phys::kDbl};
    case FLOAT8OID:
        return {LogicalType::kDouble, Phys::kDbl};
    case DATEOID:
        return {LogicalType::kDate, Phys::kInt};
    case TIMESTAMPOID:
        return {LogicalType::kTimestamp, Phys::kInt};
    case TIMESTAMPTZOID:
        return {LogicalType::kTimestampTz, Phys::kInt};
    case TEXTOID:
    case VARCHAROID:
        return {LogicalType::kString, Phys::kStr};
    default:
        throw fe::Error(fe::sqlstate::kFeatureNotSupported, "feature_ext aggregate: unsupported argument type",
                        "type oid " + std::to_string(oid));
    }
}

inline int64_t to_int(Datum d, LogicalType lt)
{
    switch (lt) {
    case LogicalType::kBool:
        return DatumGetBool(d) ? 1 : 0;
    case LogicalType::kInt16:
        return DatumGetInt16(d);
    case LogicalType::kInt32:
        return DatumGetInt32(d);
    case LogicalType::kDate: {
        DateADT v = DatumGetDateADT(d);
        return DATE_NOT_FINITE(v) ? (v < 0 ? INT64_MIN : INT64_MAX) : int64_t(v) + kDateShift;
    }
    case LogicalType::kTimestamp:
    case LogicalType::kTimestampTz: {
        Timestamp v = DatumGetTimestamp(d);
        return TIMESTAMP_NOT_FINITE(v) ? v : v + kTsShift;
    }
    default:
        return DatumGetInt64(d);
    }
}

inline double to_dbl(Datum d, LogicalType lt)
{
    return lt == LogicalType::kFloat ? static_cast<double>(DatumGetFloat4(d)) : DatumGetFloat8(d);
}

inline void to_str(Datum d, std::string &out)
{
    struct varlena *v = reinterpret_cast<struct varlena *>(DatumGetPointer(d));
    if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
        v = fe::pg_call_r<struct varlena *>([&]() { return pg_detoast_datum_packed(v); });
    out.assign(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
}

// Kernel value types
template <Phys P>
struct PhysT;
template <>
struct PhysT<Phys::kInt> {
    using type = int64_t;
};
template <>
struct PhysT<Phys::kDbl> {
    using type = double;
};
template <>
struct PhysT<Phys::kStr> {
    using type = std::string;
};

template <typename V>
inline void get_value(Datum d, LogicalType lt, V &out);
template <>
inline void get_value<int64_t>(Datum d, LogicalType lt, int64_t &out)
{
    out = to_int(d, lt);
}
template <>
inline void get_value<double>(Datum d, LogicalType lt, double &out)
{
    out = to_dbl(d, lt);
}
template <>
inline void get_value<std::string>(Datum d, LogicalType, std::string &out)
{
    to_str(d, out);
}

// Reads argument argno into v; returns true when it is NULL.
template <typename V>
inline bool read_arg(FunctionCallInfo fcinfo, int argno, LogicalType lt, V &v)
{
    if (PG_ARGISNULL(argno))
        return true;
    get_value<V>(PG_GETARG_DATUM(argno), lt, v);
    return false;
}

inline bool arg_true(FunctionCallInfo fcinfo, int argno)
{
    return !PG_ARGISNULL(argno) && PG_GETARG_BOOL(argno);
}

inline int64_t arg_int8(FunctionCallInfo fcinfo, int argno, int64_t dflt = 0)
{
    return PG_ARGISNULL(argno) ? dflt : PG_GETARG_INT64(argno);
}

inline std::string arg_text(FunctionCallInfo fcinfo, int argno)
{
    std::string s;
    if (!PG_ARGISNULL(argno))
        to_str(PG_GETARG_DATUM(argno), s);
    return s;
}

// Kernel value -> Datum of the logical type.
void range_error(const char *type)
{
    throw fe::Error("22003", std::string(type) + " out of range");
}

Datum make_datum(LogicalType lt, Int128 v)
{
    switch (lt) {
    case LogicalType::kInt16:
        if (v < PG_INT16_MIN || v > PG_INT16_MAX)
            range_error("smallint");
        return Int16GetDatum(static_cast<int16>(v));
    case LogicalType::kInt32:
        if (v < PG_INT32_MIN || v > PG_INT32_MAX)
            range_error("integer");
        return Int32GetDatum(static_cast<int32>(v));
    case LogicalType::kBool:
        return BoolGetDatum(v != 0);
    case LogicalType::kDate:
        if (v == INT64_MIN || v == INT64_MAX)
            return DateADTGetDatum(v < 0 ? DATEVAL_NOBEGIN : DATEVAL_NOEND);
        return DateADTGetDatum(static_cast<DateADT>(v - kDateShift));
    case LogicalType::kTimestamp:
    case LogicalType::kTimestampTz:
        if (v == INT64_MIN || v == INT64_MAX)
            return TimestampGetDatum(static_cast<Timestamp>(v));
        return TimestampGetDatum(static_cast<Timestamp>(v - kTsShift));
    default:
        if (v < PG_INT64_MIN || v > PG_INT64_MAX)
            range_error("bigint");
        return Int64GetDatum(static_cast<int64>(v));
    }
}

Datum make_datum(LogicalType lt, int64_t v) { return make_datum(lt, static_cast<Int128>(v)); }

Datum make_datum(LogicalType lt, double v)
{
    if (lt == LogicalType::kFloat)
        return Float4GetDatum(static_cast<float4>(v));
    return Float8GetDatum(v);
}

Datum make_text(const std::string &s)
{
    return fe::pg_call_r<Datum>([&]() { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); });
}

Datum make_datum(LogicalType, const std::string &s) { return make_text(s); }

int64_t pg_to_local(int64_t unix_us, void *)
{
    if (unix_us == INT64_MIN || unix_us == INT64_MAX)
        return unix_us;
    struct pg_tm tm;
    fsec_t fsec;
    int tz = 0;
    if (timestamp2tm(static_cast<Timestamp>(unix_us - kTsShift), &tz, &tm, &fsec, nullptr, nullptr) != 0)
        return unix_us;
    return unix_us - static_cast<int64_t>(tz) * 1000000;  // tz: seconds west of UTC
}

Formatter make_formatter(LogicalType key_type)
{
    Formatter f;
    f.key_type = key_type;
    if (key_type == LogicalType::kTimestampTz)
        f.to_local = pg_to_local;
    return f;
}

// ------------------------------------------------------------------ states
struct PgState {
    MemoryContextCallback cb;
    virtual ~PgState() = default;
    virtual void add(FunctionCallInfo fcinfo) = 0;
    // false: cannot invert (PostgreSQL then recomputes the frame)
    virtual bool remove(FunctionCallInfo fcinfo) = 0;
    virtual Datum final(FunctionCallInfo fcinfo, bool &isnull) = 0;
};

void destroy_state(void *arg)
{
    static_cast<PgState *>(arg)->~PgState();
}

template <typename T, typename... A>
PgState *create_state(FunctionCallInfo fcinfo, A &&...a)
{
    MemoryContext aggctx = nullptr;
    if (!AggCheckCallContext(fcinfo, &aggctx))
        throw fe::Error(fe::sqlstate::kFeatureNotSupported, "feature_ext aggregate called in non-aggregate context");
    // palloc aligns to 8 bytes; kernels may hold 16-byte aligned members
    void *raw = fe::pg_call_r<void *>([&]() { return MemoryContextAlloc(aggctx, sizeof(T) + alignof(T)); });
    void *mem = reinterpret_cast<void *>((reinterpret_cast<uintptr_t>(raw) + alignof(T) - 1) & ~(uintptr_t(alignof(T)) - 1));
    T *obj = new (mem) T(std::forward<A>(a)...);
    PgState *base = obj;
    base->cb.func = destroy_state;
    base->cb.arg = base;
    MemoryContextRegisterResetCallback(aggctx, &base->cb);
    return base;
}

inline PgState *state_arg(FunctionCallInfo fcinfo)
{
    return reinterpret_cast<PgState *>(PG_GETARG_POINTER(0));
}

template <typename Make>
Datum transition(FunctionCallInfo fcinfo, Make &&make)
{
    PgState *st = PG_ARGISNULL(0) ? make() : state_arg(fcinfo);
    st->add(fcinfo);
    PG_RETURN_POINTER(st);
}

// Chooses the kernel value type from the physical kind of argument argno.
template <template <typename> class S, typename... A>
PgState *create_by_phys(FunctionCallInfo fcinfo, int argno, A &&...a)
{
    ArgType t = arg_type(fcinfo, argno);
    switch (t.phys) {
    case Phys::kInt:
        return create_state<S<int64_t>>(fcinfo, t.lt, std::forward<A>(a)...);
    case Phys::kDbl:
        return create_state<S<double>>(fcinfo, t.lt, std::forward<A>(a)...);
    default:
        return create_state<S<std::string>>(fcinfo, t.lt, std::forward<A>(a)...);
    }
}

// ---------------------------------------------------------- sum_where / avg_where / min_where / max_where
enum class WhereKind { kSum, kAvg, kMin, kMax };

template <typename V>
struct WhereState : PgState {
    WhereState(LogicalType lt, WhereKind k) : lt(lt), kind(k) {}
    LogicalType lt;
    WhereKind kind;
    SumWhere<V> sum;
    AvgWhere<V> avg;
    MinMaxWhere<V, false> mn;
    MinMaxWhere<V, true> mx;
    V v{};

    void add(FunctionCallInfo fcinfo) override
    {
        bool null = read_arg(fcinfo, 1, lt, v);
        bool cond = arg_true(fcinfo, 2);
        switch (kind) {
        case WhereKind::kSum:
            sum.add(null, v, cond);
            break;
        case WhereKind::kAvg:
            avg.add(null, v, cond);
            break;
        case WhereKind::kMin:
            mn.add(null, v, cond);
            break;
        case WhereKind::kMax:
            mx.add(null, v, cond);
            break;
        }
    }
    bool remove(FunctionCallInfo fcinfo) override
    {
        switch (kind) {
        case WhereKind::kSum:
        case WhereKind::kAvg: {
            bool null = read_arg(fcinfo, 1, lt, v);
            bool cond = arg_true(fcinfo, 2);
            if (kind == WhereKind::kSum)
                sum.remove(null, v, cond);
            else
                avg.remove(null, v, cond);
            break;
        }
        case WhereKind::kMin:
            mn.remove();
            break;
        case WhereKind::kMax:
            mx.remove();
            break;
        }
        return true;
    }
    Datum final(FunctionCallInfo, bool &isnull) override
    {
        switch (kind) {
        case WhereKind::kSum:
            if (!sum.has_result())
                break;
            return make_datum(lt, sum.result());
        case WhereKind::kAvg:
            if (!avg.has_result())
                break;
            return Float8GetDatum(avg.result());
        case WhereKind::kMin:
            if (!mn.has_result())
                break;
            return make_datum(lt, mn.result());
        case WhereKind::kMax:
            if (!mx.has_result())
                break;
            return make_datum(lt, mx.result());
        }
        isnull = true;
        return 0;
    }
};

template <typename V>
using WhereNum = WhereState<V>;

PgState *make_where(FunctionCallInfo fcinfo, WhereKind k)
{
    ArgType t = arg_type(fcinfo, 1);
    if (t.phys == Phys::kInt)
        return create_state<WhereState<int64_t>>(fcinfo, t.lt, k);
    if (t.phys == Phys::kDbl)
        return create_state<WhereState<double>>(fcinfo, t.lt, k);
    throw fe::Error(fe::sqlstate::kFeatureNotSupported, "numeric argument expected");
}

// ---------------------------------------------------------- single-key aggregates
enum class KeyKind { kDistinct, kEntropy, kTop1Ratio, kTopNFreq, kTop };

template <typename K>
struct KeyState : PgState {
    KeyState(LogicalType lt, KeyKind k) : lt(lt), kind(k) {}
    LogicalType lt;
    KeyKind kind;
    DistinctCount<K> distinct;
    Entropy<K> entropy;
    Top1Ratio<K> top1;
    TopNFrequency<K> topn;
    TopK<K> top;
    K v{};

    void add(FunctionCallInfo fcinfo) override
    {
        bool null = read_arg(fcinfo, 1, lt, v);
        switch (kind) {
        case KeyKind::kDistinct:
            distinct.add(null, v);
            break;
        case KeyKind::kEntropy:
            entropy.add(null, v);
            break;
        case KeyKind::kTop1Ratio:
            top1.add(null, v);
            break;
        case KeyKind::kTopNFreq:
            topn.add(null, v, arg_int8(fcinfo, 2));
            break;
        case KeyKind::kTop:
            top.add(null, v, arg_int8(fcinfo, 2));
            break;
        }
    }
    bool remove(FunctionCallInfo fcinfo) override
    {
        bool null = read_arg(fcinfo, 1, lt, v);
        switch (kind) {
        case KeyKind::kDistinct:
            distinct.remove(null, v);
            break;
        case KeyKind::kEntropy:
            entropy.remove(null, v);
            break;
        case KeyKind::kTop1Ratio:
            top1.remove(null, v);
            break;
        case KeyKind::kTopNFreq:
            topn.remove(null, v);
            break;
        case KeyKind::kTop:
            top.remove(null, v);
            break;
        }
        return true;
    }
    Datum final(FunctionCallInfo, bool &isnull) override
    {
        switch (kind) {
        case KeyKind::kDistinct:
            return Int64GetDatum(distinct.result());
        case KeyKind::kEntropy:
            if (!entropy.has_result())
                break;
            return Float8GetDatum(entropy.result());
        case KeyKind::kTop1Ratio:
            return Float8GetDatum(top1.result());
        case KeyKind::kTopNFreq:
            return make_text(topn.result(make_formatter(lt)));
        case KeyKind::kTop:
            return make_text(top.result(make_formatter(lt)));
        }
        isnull = true;
        return 0;
    }
};

// ---------------------------------------------------------- *_cate family
struct CateConfig {
    CateAgg agg;
    CateOrder order;
    bool where;    // (value, cond, key[, n]) instead of (value, key)
    bool has_n;    // trailing n argument
};

template <typename K, typename V>
struct CateState : PgState {
    CateState(LogicalType vlt, LogicalType klt, CateConfig c)
        : vlt(vlt), klt(klt), cfg(c), cate(c.agg, c.order)
    {
    }
    LogicalType vlt, klt;
    CateConfig cfg;
    Cate<K, V> cate;
    K k{};
    V v{};

    // Reads (value_null, cond, key_null) and fills v / k.
    void read(FunctionCallInfo fcinfo, bool &vnull, bool &cond, bool &knull)
    {
        int key_arg = cfg.where ? 3 : 2;
        if (cfg.agg == CateAgg::kCount || cfg.agg == CateAgg::kRatio)
            vnull = PG_ARGISNULL(1);  // value of any type: only its NULL-ness matters
        else
            vnull = read_arg(fcinfo, 1, vlt, v);
        cond = cfg.where ? arg_true(fcinfo, 2) : true;
        knull = read_arg(fcinfo, key_arg, klt, k);
    }
    void add(FunctionCallInfo fcinfo) override
    {
        bool vnull, cond, knull;
        read(fcinfo, vnull, cond, knull);
        int64_t n = cfg.has_n ? arg_int8(fcinfo, 4) : -1;
        cate.add(vnull, v, cond, knull, k, n);
    }
    bool remove(FunctionCallInfo fcinfo) override
    {
        bool vnull, cond, knull;
        read(fcinfo, vnull, cond, knull);
        cate.remove(vnull, v, cond, knull, k);
        return true;
    }
    Datum final(FunctionCallInfo, bool &) override { return make_text(cate.result(make_formatter(klt))); }
};

template <typename K>
PgState *make_cate_k(FunctionCallInfo fcinfo, LogicalType vlt, Phys vphys, LogicalType klt, CateConfig c)
{
    if (vphys == Phys::kDbl)
        return create_state<CateState<K, double>>(fcinfo, vlt, klt, c);
    return create_state<CateState<K, int64_t>>(fcinfo, vlt, klt, c);
}

PgState *make_cate(FunctionCallInfo fcinfo, CateConfig c)
{
    LogicalType vlt = LogicalType::kInt64;
    Phys vphys = Phys::kInt;
    if (c.agg != CateAgg::kCount && c.agg != CateAgg::kRatio) {
        ArgType vt = arg_type(fcinfo, 1);
        if (vt.phys == Phys::kStr)
            throw fe::Error(fe::sqlstate::kFeatureNotSupported, "numeric value expected");
        vlt = vt.lt;
        vphys = vt.phys;
    }
    ArgType kt = arg_type(fcinfo, c.where ? 3 : 2);
    switch (kt.phys) {
    case Phys::kInt:
        return make_cate_k<int64_t>(fcinfo, vlt, vphys, kt.lt, c);
    case Phys::kDbl:
        return make_cate_k<double>(fcinfo, vlt, vphys, kt.lt, c);
    default:
        return make_cate_k<std::string>(fcinfo, vlt, vphys, kt.lt, c);
    }
}

// ---------------------------------------------------------- median / ew_avg / drawdown
enum class SeqKind { kMedian, kEwAvg, kDrawdown };

struct SeqState : PgState {
    explicit SeqState(SeqKind k) : kind(k) {}
    SeqKind kind;
    Median median;
    EwAvg ew;
    Drawdown dd;
    void add(FunctionCallInfo fcinfo) override
    {
        bool null = PG_ARGISNULL(1);
        double v = null ? 0 : PG_GETARG_FLOAT8(1);
        switch (kind) {
        case SeqKind::kMedian:
            median.add(null, v);
            break;
        case SeqKind::kEwAvg:
            ew.add(null, v, PG_ARGISNULL(2), PG_ARGISNULL(2) ? 0 : PG_GETARG_FLOAT8(2));
            break;
        case SeqKind::kDrawdown:
            dd.add(null, v);
            break;
        }
    }
    bool remove(FunctionCallInfo fcinfo) override
    {
        switch (kind) {
        case SeqKind::kMedian:
            median.remove(PG_ARGISNULL(1), PG_ARGISNULL(1) ? 0 : PG_GETARG_FLOAT8(1));
            break;
        case SeqKind::kEwAvg:
            ew.remove();
            break;
        case SeqKind::kDrawdown:
            dd.remove();
            break;
        }
        return true;
    }
    Datum final(FunctionCallInfo, bool &isnull) override
    {
        switch (kind) {
        case SeqKind::kMedian:
            if (median.has_result())
                return Float8GetDatum(median.result());
            break;
        case SeqKind::kEwAvg:
            if (ew.has_result())
                return Float8GetDatum(ew.result());
            break;
        case SeqKind::kDrawdown:
            if (dd.has_result())
                return Float8GetDatum(dd.result());
            break;
        }
        isnull = true;
        return 0;
    }
};

// ---------------------------------------------------------- nth_value_where / at / latest_value
template <typename V>
struct NthState : PgState {
    explicit NthState(LogicalType lt) : lt(lt) {}
    LogicalType lt;
    NthValueWhere<V> k;
    V v{};
    void add(FunctionCallInfo fcinfo) override
    {
        bool null = read_arg(fcinfo, 1, lt, v);
        k.add(null, v, arg_int8(fcinfo, 2), arg_true(fcinfo, 3));
    }
    bool remove(FunctionCallInfo) override
    {
        k.remove();
        return true;
    }
    Datum final(FunctionCallInfo, bool &isnull) override
    {
        if (k.result(v))
            return make_datum(lt, v);
        isnull = true;
        return 0;
    }
};

template <typename V>
struct AtState : PgState {
    AtState(LogicalType lt, bool has_n) : lt(lt), has_n(has_n) {}
    LogicalType lt;
    bool has_n;
    NthFromNewest<V> k;
    int64_t n = 0;
    V v{};
    void add(FunctionCallInfo fcinfo) override
    {
        bool null = read_arg(fcinfo, 1, lt, v);
        k.add(null, v);
        if (has_n) {
            if (PG_ARGISNULL(2))
                n = -1;  // NULL offset -> NULL result
            else if ((n = PG_GETARG_INT64(2)) < 0)
                throw fe::Error(fe::sqlstate::kInvalidParameterValue, "offset of at/lag must not be negative");
        }
    }
    bool remove(FunctionCallInfo) override
    {
        k.remove();
        return true;
    }
    Datum final(FunctionCallInfo, bool &isnull) override
    {
        if (n >= 0 && k.result(n, v))
            return make_datum(lt, v);
        isnull = true;
        return 0;
    }
};

// ---------------------------------------------------------- window_split* / join
struct SplitState : PgState {
    explicit SplitState(SplitMode m) : k(m), mode(m) {}
    WindowSplit k;
    SplitMode mode;
    std::string s, d, kv;
    void add(FunctionCallInfo fcinfo) override
    {
        bool null = read_arg(fcinfo, 1, LogicalType::kString, s);
        d = arg_text(fcinfo, 2);
        if (mode != SplitMode::kAll)
            kv = arg_text(fcinfo, 3);
        k.add(null, s, d, kv);
    }
    bool remove(FunctionCallInfo) override
    {
        k.remove();
        return true;
    }
    Datum final(FunctionCallInfo, bool &) override
    {
        std::vector<Datum> elems;
        elems.reserve(k.count());
        k.for_each([&](const std::string &seg) { elems.push_back(make_text(seg)); });
        return fe::pg_call_r<Datum>([&]() {
            return PointerGetDatum(construct_array(elems.data(), static_cast<int>(elems.size()), TEXTOID, -1,
                                                   false, TYPALIGN_INT));
        });
    }
};

struct JoinState : PgState {
    Join k;
    std::string s;
    void add(FunctionCallInfo fcinfo) override
    {
        bool null = read_arg(fcinfo, 1, LogicalType::kString, s);
        k.add(null, s, arg_text(fcinfo, 2));
    }
    bool remove(FunctionCallInfo) override
    {
        k.remove();
        return true;
    }
    Datum final(FunctionCallInfo, bool &) override { return make_text(k.result()); }
};

Datum empty_text_array()
{
    return fe::pg_call_r<Datum>([&]() { return PointerGetDatum(construct_empty_array(TEXTOID)); });
}

}  // namespace

// ================================================================== fmgr entry points
// count_where: plain int8 state, builtin int8pl combine.
FE_FUNCTION(fe_count_where_sfunc)
{
    int64 n = PG_GETARG_INT64(0);
    int nargs = PG_NARGS();
    bool counts = nargs == 2 ? CountWhere::counts(false, arg_true(fcinfo, 1))
                             : CountWhere::counts(PG_ARGISNULL(1), arg_true(fcinfo, 2));
    PG_RETURN_INT64(n + counts);
}

FE_FUNCTION(fe_count_where_minv)
{
    int64 n = PG_GETARG_INT64(0);
    int nargs = PG_NARGS();
    bool counts = nargs == 2 ? CountWhere::counts(false, arg_true(fcinfo, 1))
                             : CountWhere::counts(PG_ARGISNULL(1), arg_true(fcinfo, 2));
    PG_RETURN_INT64(n - counts);
}

// Shared inverse and final functions.
FE_FUNCTION(fe_agg_minv)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    PgState *st = state_arg(fcinfo);
    if (!st->remove(fcinfo))
        PG_RETURN_NULL();
    PG_RETURN_POINTER(st);
}

// NULL for an empty input.
FE_FUNCTION(fe_agg_final)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    bool isnull = false;
    Datum d = state_arg(fcinfo)->final(fcinfo, isnull);
    if (isnull)
        PG_RETURN_NULL();
    return d;
}

// int8 results: 0 for an empty input (distinct_count).
FE_FUNCTION(fe_agg_final_count)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_INT64(0);
    bool isnull = false;
    return state_arg(fcinfo)->final(fcinfo, isnull);
}

// float8 results: 0 for an empty input (top1_ratio).
FE_FUNCTION(fe_agg_final_zero)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_FLOAT8(0.0);
    bool isnull = false;
    return state_arg(fcinfo)->final(fcinfo, isnull);
}

// text results: '' for an empty input (OpenMLDB's string aggregates).
FE_FUNCTION(fe_agg_final_text)
{
    if (PG_ARGISNULL(0))
        return make_text(std::string());
    bool isnull = false;
    return state_arg(fcinfo)->final(fcinfo, isnull);
}

// text[] results: '{}' for an empty input.
FE_FUNCTION(fe_agg_final_textarr)
{
    if (PG_ARGISNULL(0))
        return empty_text_array();
    bool isnull = false;
    return state_arg(fcinfo)->final(fcinfo, isnull);
}

#define FE_SFUNC(name, make_expr)                                          \
    FE_FUNCTION(name) { return transition(fcinfo, [&]() -> PgState * { return make_expr; }); }

FE_SFUNC(fe_sum_where_sfunc, make_where(fcinfo, WhereKind::kSum))
FE_SFUNC(fe_avg_where_sfunc, make_where(fcinfo, WhereKind::kAvg))
FE_SFUNC(fe_min_where_sfunc, make_where(fcinfo, WhereKind::kMin))
FE_SFUNC(fe_max_where_sfunc, make_where(fcinfo, WhereKind::kMax))

FE_SFUNC(fe_distinct_count_sfunc, create_by_phys<KeyState>(fcinfo, 1, KeyKind::kDistinct))
FE_SFUNC(fe_entropy_sfunc, create_by_phys<KeyState>(fcinfo, 1, KeyKind::kEntropy))
FE_SFUNC(fe_top1_ratio_sfunc, create_by_phys<KeyState>(fcinfo, 1, KeyKind::kTop1Ratio))
FE_SFUNC(fe_topn_frequency_sfunc, create_by_phys<KeyState>(fcinfo, 1, KeyKind::kTopNFreq))
FE_SFUNC(fe_top_sfunc, create_by_phys<KeyState>(fcinfo, 1, KeyKind::kTop))

#define FE_CATE(name, agg, order, where, has_n) \
    FE_SFUNC(name, make_cate(fcinfo, CateConfig{CateAgg::agg, CateOrder::order, where, has_n}))

FE_CATE(fe_count_cate_sfunc, kCount, kByKey, false, false)
FE_CATE(fe_sum_cate_sfunc, kSum, kByKey, false, false)
FE_CATE(fe_avg_cate_sfunc, kAvg, kByKey, false, false)
FE_CATE(fe_min_cate_sfunc, kMin, kByKey, false, false)
FE_CATE(fe_max_cate_sfunc, kMax, kByKey, false, false)
FE_CATE(fe_count_cate_where_sfunc, kCount, kByKey, true, false)
FE_CATE(fe_sum_cate_where_sfunc, kSum, kByKey, true, false)
FE_CATE(fe_avg_cate_where_sfunc, kAvg, kByKey, true, false)
FE_CATE(fe_min_cate_where_sfunc, kMin, kByKey, true, false)
FE_CATE(fe_max_cate_where_sfunc, kMax, kByKey, true, false)
FE_CATE(fe_top_n_key_count_cate_where_sfunc, kCount, kTopKeys, true, true)
FE_CATE(fe_top_n_key_sum_cate_where_sfunc, kSum, kTopKeys, true, true)
FE_CATE(fe_top_n_key_avg_cate_where_sfunc, kAvg, kTopKeys, true, true)
FE_CATE(fe_top_n_key_min_cate_where_sfunc, kMin, kTopKeys, true, true)
FE_CATE(fe_top_n_key_max_cate_where_sfunc, kMax, kTopKeys, true, true)
FE_CATE(fe_top_n_value_count_cate_where_sfunc, kCount, kTopValues, true, true)
FE_CATE(fe_top_n_value_sum_cate_where_sfunc, kSum, kTopValues, true, true)
FE_CATE(fe_top_n_value_avg_cate_where_sfunc, kAvg, kTopValues, true, true)
FE_CATE(fe_top_n_value_min_cate_where_sfunc, kMin, kTopValues, true, true)
FE_CATE(fe_top_n_value_max_cate_where_sfunc, kMax, kTopValues, true, true)
FE_CATE(fe_top_n_key_ratio_cate_sfunc, kRatio, kTopKeys, true, true)
FE_CATE(fe_top_n_value_ratio_cate_sfunc, kRatio, kTopValues, true, true)

FE_SFUNC(fe_median_sfunc, create_state<SeqState>(fcinfo, SeqKind::kMedian))
FE_SFUNC(fe_ew_avg_sfunc, create_state<SeqState>(fcinfo, SeqKind::kEwAvg))
FE_SFUNC(fe_drawdown_sfunc, create_state<SeqState>(fcinfo, SeqKind::kDrawdown))

FE_SFUNC(fe_nth_value_where_sfunc, create_by_phys<NthState>(fcinfo, 1))
FE_SFUNC(fe_at_sfunc, create_by_phys<AtState>(fcinfo, 1, true))
FE_SFUNC(fe_latest_value_sfunc, create_by_phys<AtState>(fcinfo, 1, false))

FE_SFUNC(fe_window_split_sfunc, create_state<SplitState>(fcinfo, SplitMode::kAll))
FE_SFUNC(fe_window_split_by_key_sfunc, create_state<SplitState>(fcinfo, SplitMode::kKeys))
FE_SFUNC(fe_window_split_by_value_sfunc, create_state<SplitState>(fcinfo, SplitMode::kValues))
FE_SFUNC(fe_join_sfunc, create_state<JoinState>(fcinfo))
