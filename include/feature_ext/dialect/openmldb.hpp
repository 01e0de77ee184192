// feature_ext: the OpenMLDB SQL dialect, translated to PostgreSQL's.
//
// Pure C++ (no PostgreSQL headers).  A deployment query written in OpenMLDB's
// dialect (ROWS_RANGE frames with time units, OPEN PRECEDING, EXCLUDE
// CURRENT_ROW / CURRENT_TIME, backquoted identifiers, double-quoted strings,
// OpenMLDB function names and result types) is rewritten token by token into
// an equivalent PostgreSQL query that the deployment planner then plans as
// usual.  Constructs without an exact PostgreSQL equivalent (MAXSIZE,
// INSTANCE_NOT_IN_WINDOW, WINDOW ... UNION, LAST JOIN, EXCLUDE CURRENT_TIME
// over a ROWS frame, ...) raise DialectError (SQLSTATE 0A000) naming the
// construct and its 1-based character position in the original text.
// Semantics and the decisions behind them: docs/CONFORMANCE.md.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "feature_ext/base/error.hpp"

namespace fe {

// How a window's ORDER BY column measures time.
enum class OrderType {
    kEpochMs,    // integer column holding epoch milliseconds (OpenMLDB bigint / timestamp as ms)
    kTimestamp,  // timestamp / timestamptz
    kOther,      // anything else: ROWS_RANGE offsets are refused
    kNotAColumn  // not a column of the deployment's table (as kOther; an unqualified
                 // name that is a column there is qualified with it, see below)
};

// Order type of a column, by its name as written in the query (unquoted,
// without table qualification).  In a query with LAST JOINs, an unqualified
// name in the select list for which this says anything but kNotAColumn is a
// column of the deployment's table and is qualified with that table's name
// (OpenMLDB resolves a name both sides have to the left table's).
using OrderTypeOf = std::function<OrderType(const std::string &column)>;

class DialectError : public Error {
public:
    DialectError(const char *sqlstate, std::string message, int position, std::string hint = {})
        : Error(sqlstate, std::move(message), {}, std::move(hint)), position_(position) {}
    // 1-based character position in the original query, 0 if none.
    int position() const noexcept { return position_; }

private:
    int position_;
};

// True when the text uses a construct that only OpenMLDB's dialect has
// (ROWS_RANGE, OPEN PRECEDING, EXCLUDE CURRENT_ROW / CURRENT_TIME, MAXSIZE,
// INSTANCE_NOT_IN_WINDOW, LAST JOIN, backquoted identifiers, `==`, offsets
// with a time unit such as 3d).  Strings, quoted identifiers and comments are
// not looked into.
bool looks_openmldb(const std::string &query);
// 2 when a construct only OpenMLDB has is used; 1 when the only sign is an
// OpenMLDB function name (count_where(...), at(...), first_value(v, true)
// unqualified), which a PostgreSQL-dialect query may also call with
// feature_ext on its search_path (the caller tries PostgreSQL first then);
// 0 otherwise.
int openmldb_signal(const std::string &query);

// The table named after the top-level FROM, as written (backquotes removed,
// schema qualification kept as "schema.table"); empty if none is found.
std::string openmldb_table(const std::string &query);
// The tables after FROM of its LAST JOINs' subqueries, as openmldb_table
// writes them: a window of such a subquery looks its order column's type up
// as "table.column" (OrderTypeOf).
std::vector<std::string> openmldb_join_subquery_tables(const std::string &query);

// The PostgreSQL-dialect text of an OpenMLDB-dialect query.  Throws
// DialectError for constructs it cannot translate exactly.
std::string translate_openmldb(const std::string &query, OrderType order_type);
std::string translate_openmldb(const std::string &query, const OrderTypeOf &order_type_of);

}  // namespace fe
