// feature_ext: the error type of the pure C++ parts.
//
// Pure C++ code (every source not named *_pg) never includes PostgreSQL headers
// and reports failures by throwing fe::Error.  The PostgreSQL boundary
// (base/guard_pg.hpp) turns it into an ereport with the same SQLSTATE, message,
// detail and hint once every C++ frame has been unwound.
#pragma once

#include <exception>
#include <string>

namespace fe {

class Error : public std::exception {
public:
    // sqlstate: the five-character SQLSTATE, e.g. "53200".
    Error(const char *sqlstate, std::string message, std::string detail = {}, std::string hint = {})
        : message_(std::move(message)), detail_(std::move(detail)), hint_(std::move(hint))
    {
        for (int i = 0; i < 5; i++)
            sqlstate_[i] = sqlstate[i];
        sqlstate_[5] = '\0';
    }
    const char *what() const noexcept override { return message_.c_str(); }
    const char *sqlstate() const noexcept { return sqlstate_; }
    const std::string &detail() const noexcept { return detail_; }
    const std::string &hint() const noexcept { return hint_; }

private:
    char sqlstate_[6];
    std::string message_;
    std::string detail_;
    std::string hint_;
};

// SQLSTATEs used by the pure parts (names follow PostgreSQL's errcodes.h).
namespace sqlstate {
inline constexpr const char *kOutOfMemory = "53200";
inline constexpr const char *kProgramLimitExceeded = "54000";
inline constexpr const char *kInvalidParameterValue = "22023";
inline constexpr const char *kDataException = "22000";
inline constexpr const char *kFeatureNotSupported = "0A000";
inline constexpr const char *kInternalError = "XX000";
inline constexpr const char *kObjectNotInPrerequisiteState = "55000";
}  // namespace sqlstate

}  // namespace fe
