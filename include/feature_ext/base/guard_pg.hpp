// feature_ext: the C++ / PostgreSQL error boundary.  Read CONTRIBUTING.md first.
//
// Two directions, two tools:
//
//  * PostgreSQL -> C++ : every function PostgreSQL can call (fmgr functions,
//    AM callbacks, hooks, xact callbacks, the background worker's main) wraps
//    its body in fe::pg_entry([&]{ ... }).  C++ exceptions are caught inside,
//    copied into a plain struct, and only after the C++ scope has closed does
//    the wrapper ereport (or re-throw the PostgreSQL error it carried).
//
//  * C++ -> PostgreSQL : every call into a PostgreSQL function that may ereport
//    goes through fe::pg_call([&]{ ... }) (or FE_PG_CALL), which runs it under
//    PG_TRY.  A PostgreSQL error is copied out (CopyErrorData), the error state
//    is flushed, and it continues as a C++ exception (fe::PgException) so C++
//    destructors run; pg_entry re-throws it to PostgreSQL unchanged.
//
// The lambda given to pg_call must not own C++ objects with destructors: a
// longjmp out of it skips them.  Keep it to plain PostgreSQL calls.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
#include "miscadmin.h"
}

#include <cstring>
#include <exception>
#include <new>
#include <utility>

#include "feature_ext/base/error.hpp"

namespace fe {

// A PostgreSQL error travelling through C++ frames.
class PgException : public std::exception {
public:
    explicit PgException(ErrorData *edata) : edata_(edata) {}
    const char *what() const noexcept override { return edata_ && edata_->message ? edata_->message : "postgres error"; }
    ErrorData *edata() const noexcept { return edata_; }

private:
    ErrorData *edata_;  // palloc'd in the memory context current at the catch
};

// Plain data carried out of a C++ scope before raising.
struct PendingError {
    enum Kind { kNone, kPg, kFe, kOom, kOther } kind = kNone;
    ErrorData *edata = nullptr;
    int sqlerrcode = 0;
    char message[512];
    char detail[512];
    char hint[512];
};

inline void copy_cstr(char *dst, const char *src, size_t n)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    strncpy(dst, src, n - 1);
    dst[n - 1] = '\0';
}

inline int sqlstate_to_code(const char *s)
{
    return MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
}

// Capture the exception currently being handled.  Must be called in a catch.
inline void capture_current_exception(PendingError &pe) noexcept
{
    try {
        throw;
    } catch (const PgException &e) {
        pe.kind = PendingError::kPg;
        pe.edata = e.edata();
    } catch (const Error &e) {
        pe.kind = PendingError::kFe;
        pe.sqlerrcode = sqlstate_to_code(e.sqlstate());
        copy_cstr(pe.message, e.what(), sizeof(pe.message));
        copy_cstr(pe.detail, e.detail().c_str(), sizeof(pe.detail));
        copy_cstr(pe.hint, e.hint().c_str(), sizeof(pe.hint));
    } catch (const std::bad_alloc &) {
        pe.kind = PendingError::kOom;
    } catch (const std::exception &e) {
        pe.kind = PendingError::kOther;
        copy_cstr(pe.message, e.what(), sizeof(pe.message));
    } catch (...) {
        pe.kind = PendingError::kOther;
        copy_cstr(pe.message, "unknown C++ exception", sizeof(pe.message));
    }
}

// Raise a captured error.  Called with no C++ object alive in the caller.
[[noreturn]] void raise_pending_error(PendingError &pe);

// PostgreSQL -> C++ entry.  F returns R.
template <typename F>
inline auto pg_entry(F &&f) -> decltype(f())
{
    PendingError pe;
    try {
        return f();
    } catch (...) {
        capture_current_exception(pe);
    }
    raise_pending_error(pe);
}

// C++ -> PostgreSQL call.  Runs f under PG_TRY; a PostgreSQL error becomes a
// PgException.  f must hold no C++ objects with non-trivial destructors.
template <typename F>
inline void pg_call(F &&f)
{
    MemoryContext oldcxt = CurrentMemoryContext;
    ErrorData *edata = nullptr;
    PG_TRY();
    {
        f();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(oldcxt);
        edata = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    if (edata)
        throw PgException(edata);
}

// Value-returning variant.
template <typename R, typename F>
inline R pg_call_r(F &&f)
{
    R result{};
    pg_call([&]() { result = f(); });
    return result;
}

}  // namespace fe

// Convenience for fmgr functions:  Datum f(PG_FUNCTION_ARGS) { FE_ENTRY_BEGIN ... FE_ENTRY_END }
#define FE_FUNCTION(name)                                  \
    extern "C" {                                           \
    PG_FUNCTION_INFO_V1(name);                             \
    }                                                      \
    static Datum name##_impl(FunctionCallInfo fcinfo);     \
    extern "C" Datum name(PG_FUNCTION_ARGS)                \
    {                                                      \
        return fe::pg_entry([&]() { return name##_impl(fcinfo); }); \
    }                                                      \
    static Datum name##_impl(FunctionCallInfo fcinfo)
