// feature_ext: OpenMLDB dialect -> PostgreSQL dialect (see dialect/openmldb.hpp).
//
// A small tokenizer keeps every token's original position and the text in
// front of it (whitespace, comments), so the translation changes only what
// it must and errors point into the original text.  Rewrites:
//   `name`                       -> "name"
//   "text"                       -> 'text'            (OpenMLDB strings)
//   ==                           -> =
//   ROWS_RANGE <n><unit>         -> RANGE <ms> | RANGE INTERVAL '...'
//   n OPEN PRECEDING (start)     -> ROWS n-1 / RANGE ms-1 (or interval - 1us)
//   n OPEN PRECEDING (end)       -> ROWS n+1 / RANGE ms+1 (or interval + 1us)
//   EXCLUDE CURRENT_ROW          -> EXCLUDE CURRENT ROW
//   EXCLUDE CURRENT_TIME         -> EXCLUDE TIES  (RANGE, or ROWS UNBOUNDED .. CURRENT ROW)
//   EXCLUDE CURRENT_TIME (other ROWS) -> feature_ext.exclude_current_time() in PARTITION BY
//   MAXSIZE n                    -> feature_ext.maxsize(n) in PARTITION BY
//   both                         -> EXCLUDE GROUP
//   sum(x) / avg(x)              -> feature_ext.sum_where(x, true) / avg_where(x, true)
//   first_value(x) / last_value(x) -> feature_ext.nth_value_where(x, 1, true) / latest_value(x)
//   first_value(x, b) / last_value(x, b) -> nth_value_where(x, 1 | -1, true | (x) IS NOT NULL)
//   lag(x, n) / at(x, n) OVER w  -> feature_ext.at(x, n) OVER w__lag<n>  (a ROWS n PRECEDING
//                                   window on w's partition and order: relative to the current row)
//   OpenMLDB aggregates          -> feature_ext.<name>
//   a comma right before FROM    -> dropped (OpenMLDB accepts it)
#include "feature_ext/dialect/openmldb.hpp"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <vector>

namespace fe {
namespace {

enum class TK { kIdent, kQIdent, kStr, kDStr, kNum, kOp };

struct Tok {
    TK kind;
    std::string text;   // raw text as written
    std::string up;     // upper-cased text (identifiers, numbers)
    size_t pos;         // 0-based offset in the query
    std::string ws;     // whitespace and comments in front of it
    std::string out;    // replacement text
    bool keep = true;
};

std::string upper(const std::string &s)
{
    std::string r(s);
    for (auto &c : r)
        c = char(std::toupper(static_cast<unsigned char>(c)));
    return r;
}

std::string lower(const std::string &s)
{
    std::string r(s);
    for (auto &c : r)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }
bool ident_char(char c) { return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

[[noreturn]] void refuse(const std::string &what, size_t pos, const std::string &hint = {})
{
    throw DialectError(sqlstate::kFeatureNotSupported,
                       what + " (at character " + std::to_string(pos + 1) + ")", int(pos + 1), hint);
}

[[noreturn]] void syntax(const std::string &what, size_t pos)
{
    throw DialectError("42601", what + " (at character " + std::to_string(pos + 1) + ")", int(pos + 1));
}

std::vector<Tok> tokenize(const std::string &q, std::string *trailing)
{
    std::vector<Tok> toks;
    size_t i = 0, n = q.size();
    std::string ws;
    while (i < n) {
        char c = q[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ws += c;
            i++;
            continue;
        }
        if (c == '-' && i + 1 < n && q[i + 1] == '-') {
            while (i < n && q[i] != '\n')
                ws += q[i++];
            continue;
        }
        if (c == '/' && i + 1 < n && q[i + 1] == '*') {
            size_t e = q.find("*/", i + 2);
            e = e == std::string::npos ? n : e + 2;
            ws += q.substr(i, e - i);
            i = e;
            continue;
        }
        Tok t;
        t.pos = i;
        size_t start = i;
        if (ident_start(c)) {
            while (i < n && ident_char(q[i]))
                i++;
            t.kind = TK::kIdent;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            while (i < n && (std::isdigit(static_cast<unsigned char>(q[i])) || q[i] == '.'))
                i++;
            // A time unit directly after the digits (3d, 10s), not the start of a word.
            if (i < n && std::strchr("smhdSMHD", q[i]) && (i + 1 >= n || !ident_char(q[i + 1])))
                i++;
            t.kind = TK::kNum;
        } else if (c == '\'' || c == '"' || c == '`') {
            i++;
            while (i < n) {
                if (q[i] == '\\' && c != '`' && i + 1 < n) {
                    i += 2;
                    continue;
                }
                if (q[i] == c) {
                    if (i + 1 < n && q[i + 1] == c) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i++;
            }
            if (i >= n)
                syntax("unterminated quoted text", start);
            i++;
            t.kind = c == '\'' ? TK::kStr : c == '"' ? TK::kDStr : TK::kQIdent;
        } else {
            static const char *two[] = {"==", "!=", "<>", "<=", ">=", "||", "::"};
            t.kind = TK::kOp;
            i++;
            for (const char *op : two)
                if (q.compare(start, 2, op) == 0) {
                    i = start + 2;
                    break;
                }
        }
        t.text = q.substr(start, i - start);
        t.up = (t.kind == TK::kIdent || t.kind == TK::kNum) ? upper(t.text) : t.text;
        t.out = t.text;
        t.ws.swap(ws);
        toks.push_back(std::move(t));
    }
    *trailing = ws;
    return toks;
}

// Text of a quoted token without its quotes, doubled quotes undone.
std::string unquote(const Tok &t)
{
    std::string body = t.text.substr(1, t.text.size() - 2), r;
    char q = t.text[0];
    for (size_t i = 0; i < body.size(); i++) {
        if (body[i] == '\\' && q != '`' && i + 1 < body.size()) {
            r += body[++i];
            continue;
        }
        if (body[i] == q && i + 1 < body.size() && body[i + 1] == q)
            i++;
        r += body[i];
    }
    return r;
}

std::string quote(const std::string &s, char q)
{
    std::string r(1, q);
    for (char c : s) {
        if (c == q)
            r += q;
        r += c;
    }
    return r + q;
}

bool is_kw(const Tok &t, const char *kw) { return t.kind == TK::kIdent && t.up == kw; }
bool is_op(const Tok &t, const char *op) { return t.kind == TK::kOp && t.text == op; }

// The column name a (possibly qualified) identifier token denotes.
std::string column_name(const Tok &t) { return t.kind == TK::kQIdent ? unquote(t) : lower(t.text); }

struct Bound {
    enum Kind { kUnbounded, kCurrent, kOffset } kind = kCurrent;
    bool preceding = true;
    bool open = false;
    std::string num;    // digits as written
    char unit = 0;      // s m h d, or 0 (milliseconds / rows)
    size_t pos = 0;
};

struct Window {
    std::string name;       // as written (compared case-insensitively when unquoted)
    bool quoted = false;
    size_t open = 0, close = 0;  // token indexes of its parentheses
    std::string partition;  // translated text
    std::string order;      // translated text
    std::string order_col;
    bool excl_time = false;  // EXCLUDE CURRENT_TIME: lag()/at() skip the peers too
};

// feature_ext's aggregates that OpenMLDB queries call unqualified.
const std::set<std::string> &openmldb_functions()
{
    static const std::set<std::string> names = {
        "count_where", "sum_where", "avg_where", "min_where", "max_where", "distinct_count",
        "count_cate", "sum_cate", "avg_cate", "min_cate", "max_cate", "count_cate_where",
        "sum_cate_where", "avg_cate_where", "min_cate_where", "max_cate_where",
        "top_n_key_count_cate_where", "top_n_key_sum_cate_where", "top_n_key_avg_cate_where",
        "top_n_key_min_cate_where", "top_n_key_max_cate_where", "top_n_value_count_cate_where",
        "top_n_value_sum_cate_where", "top_n_value_avg_cate_where", "top_n_value_min_cate_where",
        "top_n_value_max_cate_where", "top_n_key_ratio_cate", "top_n_value_ratio_cate", "top",
        "topn_frequency", "top1_ratio", "nth_value_where", "median", "ew_avg", "drawdown", "entropy",
        "window_split", "window_split_by_key", "window_split_by_value", "latest_value"};
    return names;
}

class Translator {
public:
    Translator(const std::string &q, const OrderTypeOf *type_of) : q_(q), type_of_(type_of)
    {
        toks_ = tokenize(q, &trailing_);
    }

    std::string run()
    {
        from_subqueries();
        lexical();
        named_window_refs();
        windows();
        functions();
        qualify_left();
        last_joins();
        std::string r;
        for (auto &t : toks_) {
            r += t.ws;
            if (t.keep)
                r += t.out;
        }
        return r + trailing_;
    }

    std::vector<std::string> join_subquery_tables() const
    {
        std::vector<std::string> r;
        for (size_t i = 2; i < toks_.size(); i++)
            if (is_op(toks_[i], "(") && is_kw(toks_[i - 1], "JOIN") && is_kw(toks_[i - 2], "LAST")) {
                std::string t = subquery_table(i);
                if (!t.empty())
                    r.push_back(t);
            }
        return r;
    }

    std::string table() const
    {
        int depth = 0;
        for (size_t i = 0; i < toks_.size(); i++) {
            const Tok &t = toks_[i];
            if (is_op(t, "("))
                depth++;
            else if (is_op(t, ")"))
                depth--;
            else if (depth == 0 && is_kw(t, "FROM") && i + 1 < toks_.size()) {
                std::string name;
                size_t j = i + 1;
                size_t inner = star_subquery(j);  // FROM (SELECT * FROM name)
                if (inner)
                    j = inner;
                else if (simple_subquery(j))  // FROM (SELECT a, int(b) AS c FROM name): computed_from()
                    return subquery_table(j);
                else if (window_subquery(j))  // FROM (SELECT ..., sum(b) OVER w2 AS c FROM name WINDOW w2 AS ...)
                    return subquery_table(j);
                else {
                    size_t a = 0;
                    if (hoistable_join(j, &a))  // FROM (SELECT ... FROM name LAST JOIN ...) s: lifted
                        return subquery_table(j);
                }
                while (j < toks_.size() && (toks_[j].kind == TK::kIdent || toks_[j].kind == TK::kQIdent)) {
                    name += column_name(toks_[j]);
                    if (j + 2 < toks_.size() && is_op(toks_[j + 1], ".")) {
                        name += ".";
                        j += 2;
                    } else
                        break;
                }
                return name;
            }
        }
        return {};
    }

    // 2: a construct only OpenMLDB has; 1: only OpenMLDB function names
    // (feature_ext's aggregates unqualified, at(), first_value(v, true)),
    // which a PostgreSQL query with feature_ext on its search_path may also
    // use; 0: nothing of OpenMLDB's.
    int signal() const
    {
        bool names = false;
        for (size_t i = 0; i < toks_.size(); i++) {
            const Tok &t = toks_[i];
            if (t.kind == TK::kQIdent || is_op(t, "=="))
                return 2;
            if (t.kind == TK::kIdent &&
                (t.up == "ROWS_RANGE" || t.up == "MAXSIZE" || t.up == "INSTANCE_NOT_IN_WINDOW" ||
                 t.up == "CURRENT_ROW" || t.up == "CURRENT_TIME"))
                // CURRENT_TIME is also a PostgreSQL function; only after EXCLUDE is it OpenMLDB's.
                // feature_ext.maxsize(n) is the PostgreSQL dialect's modifier, not the keyword.
                if ((t.up != "CURRENT_TIME" || (i > 0 && is_kw(toks_[i - 1], "EXCLUDE"))) &&
                    !(i > 0 && is_op(toks_[i - 1], ".")) && !(i + 1 < toks_.size() && is_op(toks_[i + 1], "(")))
                    return 2;
            if (is_kw(t, "OPEN") && i + 1 < toks_.size() && is_kw(toks_[i + 1], "PRECEDING"))
                return 2;
            // -n PRECEDING / FOLLOWING: OpenMLDB's bound on the other side of
            // the current row; PostgreSQL always rejects a negative offset.
            if (is_op(t, "-") && i + 2 < toks_.size() && toks_[i + 1].kind == TK::kNum &&
                (is_kw(toks_[i + 2], "PRECEDING") || is_kw(toks_[i + 2], "FOLLOWING")))
                return 2;
            if (is_op(t, ",") && i + 1 < toks_.size() && is_kw(toks_[i + 1], "FROM"))
                return 2;  // SELECT a, b, FROM t
            // feature_ext's aggregates called unqualified, at(), and
            // first_value / last_value with OpenMLDB's ignore_null argument
            if (t.kind == TK::kIdent && i + 1 < toks_.size() && is_op(toks_[i + 1], "(") &&
                !(i > 0 && is_op(toks_[i - 1], "."))) {
                std::string name = lower(t.text);
                if (openmldb_functions().count(name) || name == "at" ||
                    ((name == "first_value" || name == "last_value") && top_comma(i + 1, match(i + 1))))
                    names = true;
            }
            if (is_kw(t, "LAST") && i + 1 < toks_.size() && is_kw(toks_[i + 1], "JOIN"))
                return 2;
            if (t.kind == TK::kNum && std::isalpha(static_cast<unsigned char>(t.text.back())))
                return 2;
            // WINDOW w AS (UNION ...), OVER (UNION ...)
            if (is_op(t, "(") && i > 0 && (is_kw(toks_[i - 1], "AS") || is_kw(toks_[i - 1], "OVER")) &&
                i + 1 < toks_.size() && is_kw(toks_[i + 1], "UNION"))
                return 2;
        }
        return names ? 1 : 0;
    }

private:
    // (SELECT * FROM name) at token `open`: the index of the name's first
    // token, else 0.
    size_t star_subquery(size_t open) const
    {
        if (open + 5 >= toks_.size() || !is_op(toks_[open], "(") || !is_kw(toks_[open + 1], "SELECT") ||
            !is_op(toks_[open + 2], "*") || !is_kw(toks_[open + 3], "FROM"))
            return 0;
        size_t j = open + 4;
        while (j < toks_.size() && (toks_[j].kind == TK::kIdent || toks_[j].kind == TK::kQIdent)) {
            if (j + 2 < toks_.size() && is_op(toks_[j + 1], "."))
                j += 2;
            else
                break;
        }
        if (j + 1 >= toks_.size() || !is_op(toks_[j + 1], ")") ||
            (toks_[j].kind != TK::kIdent && toks_[j].kind != TK::kQIdent))
            return 0;
        return open + 4;
    }

    // (SELECT a, b AS c FROM name) at token `open`, plain columns with
    // optional aliases: the name's first token (0 if not such a subquery) and
    // the column list as window_union()'s text ("a, b AS c").
    size_t column_subquery(size_t open, std::string *cols, size_t *rest = nullptr) const
    {
        if (open + 4 >= toks_.size() || !is_op(toks_[open], "(") || !is_kw(toks_[open + 1], "SELECT"))
            return 0;
        size_t close = match(open);
        size_t j = open + 2;
        std::string out;
        auto ident = [&](const Tok &t) {
            return t.kind == TK::kQIdent ? quote(unquote(t), '"') : lower(t.text);
        };
        for (;;) {
            if (j >= close || is_kw(toks_[j], "FROM"))
                return 0;
            // a computed entry: an expression up to the next top-level comma
            // or FROM, ending with AS name ("bigint(c4str) AS c4")
            bool plain = (toks_[j].kind == TK::kIdent || toks_[j].kind == TK::kQIdent) &&
                         !(j + 1 < close && is_op(toks_[j + 1], "(")) &&
                         (j + 1 >= close || is_op(toks_[j + 1], ",") || is_kw(toks_[j + 1], "AS") ||
                          is_kw(toks_[j + 1], "FROM"));
            if (!plain) {
                size_t e = j;
                while (e < close && !is_op(toks_[e], ",") && !is_kw(toks_[e], "FROM"))
                    e = is_op(toks_[e], "(") ? match(e) + 1 : e + 1;
                if (e - j < 3 || !is_kw(toks_[e - 2], "AS") ||
                    (toks_[e - 1].kind != TK::kIdent && toks_[e - 1].kind != TK::kQIdent))
                    refuse("a computed column of a WINDOW ... UNION subquery needs AS and the column it stands for",
                           toks_[j].pos, "Write e.g. (SELECT k, ts, bigint(s) AS v FROM t2).");
                out += (out.empty() ? "" : ", ") + expr_text(j, e - 2) + " AS " + ident(toks_[e - 1]);
                j = e;
                if (j < close && is_op(toks_[j], ",")) {
                    j++;
                    continue;
                }
                break;
            }
            std::string item = ident(toks_[j++]);
            if (j < close && is_kw(toks_[j], "AS")) {
                if (j + 1 >= close || (toks_[j + 1].kind != TK::kIdent && toks_[j + 1].kind != TK::kQIdent))
                    return 0;
                item += " AS " + ident(toks_[j + 1]);
                j += 2;
            }
            out += (out.empty() ? "" : ", ") + item;
            if (j < close && is_op(toks_[j], ",")) {
                j++;
                continue;
            }
            break;
        }
        if (j >= close || !is_kw(toks_[j], "FROM"))
            return 0;
        size_t name = j + 1, k = name;
        while (k < close && (toks_[k].kind == TK::kIdent || toks_[k].kind == TK::kQIdent)) {
            if (k + 2 < close && is_op(toks_[k + 1], "."))
                k += 2;
            else {
                k++;
                break;
            }
        }
        if ((k != close && !rest) || name >= close || k == name)
            return 0;
        if (rest)
            *rest = k;
        *cols = out;
        return name;
    }

    // Tokens [from, to) as PostgreSQL text, OpenMLDB's cast functions
    // (bigint(x), date(x), ...) as CAST(x AS type), the type names of
    // CAST(x AS string) as PostgreSQL's (the conformance runner's mapping).
    std::string expr_text(size_t from, size_t to) const
    {
        static const std::map<std::string, std::string> types = {
            {"bool", "boolean"},   {"smallint", "smallint"}, {"int16", "smallint"},  {"int", "integer"},
            {"int32", "integer"},  {"integer", "integer"},   {"bigint", "bigint"},    {"int64", "bigint"},
            {"float", "real"},     {"double", "double precision"}, {"string", "text"}, {"date", "date"},
            {"timestamp", "timestamp"}};
        std::string r;
        for (size_t k = from; k < to; k++) {
            const Tok &t = toks_[k];
            std::string name = lower(t.text);
            if (t.kind == TK::kIdent && k + 1 < to && is_op(toks_[k + 1], "(") && types.count(name) &&
                !(k > from && is_op(toks_[k - 1], "."))) {
                size_t c = match(k + 1);
                r += (k == from ? "" : t.ws) + "CAST(" + expr_text(k + 2, c) + " AS " + types.at(name) + ")";
                k = c;
                continue;
            }
            if (t.kind == TK::kIdent && k > from && is_kw(toks_[k - 1], "AS") && types.count(name) &&
                (name == "string" || name == "double" || name == "float" || name == "int64" || name == "int32" ||
                 name == "int16")) {
                r += t.ws + types.at(name);
                continue;
            }
            r += (k == from ? "" : t.ws) + t.out;
        }
        return r;
    }

    // The table name starting at token j (name or schema.name), as the
    // PostgreSQL text of a regclass literal; *next: the token after it.
    std::string table_literal(size_t j, size_t *next) const
    {
        std::string r;
        while (j < toks_.size() && (toks_[j].kind == TK::kIdent || toks_[j].kind == TK::kQIdent)) {
            r += toks_[j].kind == TK::kQIdent ? quote(unquote(toks_[j]), '"') : toks_[j].text;
            if (j + 2 < toks_.size() && is_op(toks_[j + 1], ".")) {
                r += ".";
                j += 2;
            } else {
                j++;
                break;
            }
        }
        *next = j;
        return quote(r, '\'');
    }

    // FROM (SELECT * FROM t) -> FROM t (OpenMLDB's cases write the main
    // table so; the request row is t's row either way).
    void from_subqueries()
    {
        int depth = 0;
        for (size_t i = 0; i + 1 < toks_.size(); i++) {
            if (is_op(toks_[i], "("))
                depth++;
            else if (is_op(toks_[i], ")"))
                depth--;
            else if (depth == 0 && is_kw(toks_[i], "FROM")) {
                if (hoist_join_subquery(i + 1)) {
                    i = 0, depth = 0;  // (tokens erased: again from the start)
                    continue;
                }
                size_t inner = star_subquery(i + 1);
                if (!inner) {
                    computed_from(i + 1);
                    continue;
                }
                size_t close = match(i + 1);
                toks_[inner].ws = toks_[i + 1].ws.empty() ? " " : toks_[i + 1].ws;
                for (size_t k = i + 1; k < inner; k++)
                    toks_[k].keep = false, toks_[k].ws.clear();
                toks_[close].keep = false;
                toks_[close].ws.clear();
            }
        }
    }

    // FROM (SELECT t1.a, t2.b [AS c] ... FROM t1 LAST JOIN t2 ... ON ...) [AS] s
    // (integration_test test_lastjoin_complex.yaml 11): the subquery's rows
    // are t1's, one each (a LAST JOIN keeps every left row), so the join is
    // lifted into the query: FROM t1 LAST JOIN t2 ... and s.x becomes the
    // select-list entry x stands for (in the select list "AS x" where the
    // name differs).  Only a select list of plain columns, no WHERE,
    // grouping, window, union or nested subquery.  The returned bool: done
    // (tokens erased).
    size_t hoistable_join(size_t open, size_t *alias) const
    {
        if (open + 1 >= toks_.size() || !is_op(toks_[open], "(") || !is_kw(toks_[open + 1], "SELECT"))
            return 0;
        size_t close = match(open);
        size_t from = 0;
        bool join = false;
        for (size_t k = open + 2; k < close; k++) {
            if (is_op(toks_[k], "(") || is_kw(toks_[k], "OVER") || is_kw(toks_[k], "WINDOW") ||
                is_kw(toks_[k], "GROUP") || is_kw(toks_[k], "UNION") || is_kw(toks_[k], "WHERE") ||
                is_kw(toks_[k], "LIMIT") || is_kw(toks_[k], "HAVING"))
                return 0;
            if (!from && is_kw(toks_[k], "FROM"))
                from = k;
            join |= from && is_kw(toks_[k], "LAST") && k + 1 < close && is_kw(toks_[k + 1], "JOIN");
        }
        if (!from || !join)
            return 0;
        size_t a = close + 1;
        if (a < toks_.size() && is_kw(toks_[a], "AS"))
            a++;
        if (a >= toks_.size() || !ident(toks_[a]) || is_kw(toks_[a], "LAST") || is_kw(toks_[a], "WINDOW") ||
            is_kw(toks_[a], "LEFT") || is_kw(toks_[a], "JOIN"))
            return 0;
        *alias = a;
        return from;
    }

    bool hoist_join_subquery(size_t open)
    {
        size_t a = 0;
        size_t from = hoistable_join(open, &a);
        if (!from)
            return false;
        size_t close = match(open);
        // the select list: name -> the column's tokens (t1 . a), each entry
        // qualified (an unqualified one may be ambiguous between the joined
        // tables, which OpenMLDB refuses: test_lastjoin_complex.yaml 11-2)
        std::map<std::string, std::vector<Tok>> cols;
        size_t e0 = open + 2;
        for (size_t k = open + 2; k <= from; k++) {
            if (k < from && !is_op(toks_[k], ","))
                continue;
            size_t e1 = k, x1 = e1;
            std::string name;
            if (e1 >= e0 + 3 && is_kw(toks_[e1 - 2], "AS") && ident(toks_[e1 - 1])) {
                name = column_name(toks_[e1 - 1]);
                x1 = e1 - 2;
            }
            if (x1 < e0 + 3)
                return false;  // not table.column
            for (size_t x = e0; x < x1; x++)
                if ((x - e0) % 2 == 0 ? !ident(toks_[x]) : !is_op(toks_[x], "."))
                    return false;
            if ((x1 - e0) % 2 == 0)
                return false;
            if (name.empty())
                name = column_name(toks_[x1 - 1]);
            if (cols.count(name))
                return false;
            std::vector<Tok> v(toks_.begin() + long(e0), toks_.begin() + long(x1));
            v[0].ws.clear();
            for (size_t x = 1; x < v.size(); x++)
                v[x].ws.clear();
            cols[name] = v;
            e0 = k + 1;
        }
        std::string an = column_name(toks_[a]);
        std::vector<Tok> out;
        int depth = 0, sub = -1;
        bool in_select = true;  // the outer select list (before its FROM)
        auto emit = [&](size_t k, const std::string &c, size_t last) {
            std::vector<Tok> v = cols.at(c);
            v[0].ws = toks_[k].ws;
            bool aliased = last + 1 < toks_.size() && is_kw(toks_[last + 1], "AS");
            bool entry_end = last + 1 >= toks_.size() || is_op(toks_[last + 1], ",") || is_kw(toks_[last + 1], "FROM");
            if (in_select && depth == 0 && !aliased && entry_end && column_name(v.back()) != c)
                v.back().out += " AS " + quote(c, '"');
            out.insert(out.end(), v.begin(), v.end());
        };
        for (size_t k = 0; k < toks_.size(); k++) {
            if (k == open) {
                // FROM t1 LAST JOIN t2 ... ON ...
                Tok first = toks_[from + 1];
                first.ws = toks_[open].ws.empty() ? " " : toks_[open].ws;
                out.push_back(first);
                for (size_t x = from + 2; x < close; x++)
                    out.push_back(toks_[x]);
                k = a;
                continue;
            }
            const Tok &t = toks_[k];
            if (is_op(t, "(")) {
                depth++;
                if (sub < 0 && k + 1 < toks_.size() && is_kw(toks_[k + 1], "SELECT"))
                    sub = depth;  // another subquery: its own names
            } else if (is_op(t, ")")) {
                if (depth == sub)
                    sub = -1;
                depth--;
            } else if (depth == 0 && is_kw(t, "FROM"))
                in_select = false;
            bool after_dot = k > 0 && is_op(toks_[k - 1], ".");
            if (k + 2 < toks_.size() && ident(t) && column_name(t) == an && is_op(toks_[k + 1], ".") &&
                ident(toks_[k + 2]) && !after_dot) {  // s.x
                std::string c = column_name(toks_[k + 2]);
                if (!cols.count(c))
                    throw DialectError("42703", "column " + an + "." + c + " does not exist (at character " +
                                                    std::to_string(toks_[k + 2].pos + 1) + ")",
                                       int(toks_[k + 2].pos + 1));
                emit(k, c, k + 2);
                k += 2;
                continue;
            }
            // x, a column of the subquery, unqualified (not a function, not a
            // name after AS or a dot)
            if (sub < 0 && ident(t) && !after_dot && cols.count(column_name(t)) &&
                !(k + 1 < toks_.size() && (is_op(toks_[k + 1], "(") || is_op(toks_[k + 1], "."))) &&
                !(k > 0 && is_kw(toks_[k - 1], "AS"))) {
                emit(k, column_name(t), k);
                continue;
            }
            out.push_back(t);
        }
        toks_ = out;
        return true;
    }

    // Is the "(" at open a subquery over one table with its own WINDOW
    // clause (no join, WHERE, grouping or union)?  The deployment's FROM
    // subquery with its own window (deploy/union_pg.cpp,
    // from_subquery_rewrite: DeployPlan::win_sub): its table is the
    // deployment's, its WINDOW clause translated as the query's.
    bool window_subquery(size_t open) const
    {
        if (open + 1 >= toks_.size() || !is_op(toks_[open], "(") || !is_kw(toks_[open + 1], "SELECT"))
            return false;
        size_t close = match(open);
        bool window = false;
        for (size_t k = open + 2; k < close; k++) {
            if (is_kw(toks_[k], "JOIN") || is_kw(toks_[k], "GROUP") || is_kw(toks_[k], "UNION") ||
                is_kw(toks_[k], "WHERE") || (is_op(toks_[k], "(") && k + 1 < close && is_kw(toks_[k + 1], "SELECT")))
                return false;
            window |= is_kw(toks_[k], "WINDOW");
        }
        return window;
    }

    // Is the "(" at open a subquery with a select list over one table only
    // (no join, WHERE, grouping, window or union)?
    bool simple_subquery(size_t open) const
    {
        if (open + 1 >= toks_.size() || !is_op(toks_[open], "(") || !is_kw(toks_[open + 1], "SELECT"))
            return false;
        size_t close = match(open);
        for (size_t k = open + 2; k < close; k++)
            if (is_kw(toks_[k], "OVER") || is_kw(toks_[k], "WINDOW") || is_kw(toks_[k], "JOIN") ||
                is_kw(toks_[k], "GROUP") || is_kw(toks_[k], "UNION") || is_kw(toks_[k], "WHERE"))
                return false;
        return true;
    }

    // FROM (SELECT id, int(c3f) AS c3, ... FROM t): the deployment's columns
    // computed from its table's row (OpenMLDB's test_window_union.yaml 14-2..
    // 14-4): the request row is t's row, the subquery's expressions are
    // evaluated on it (deploy/union_pg.cpp, from_subquery_rewrite).  Here:
    // OpenMLDB's cast functions as CAST, and the alias PostgreSQL 15 needs
    // (the table's name, so that t.c stays valid).
    void computed_from(size_t open)
    {
        if (open + 1 < toks_.size() && is_op(toks_[open], "(") && is_kw(toks_[open + 1], "SELECT")) {
            // A subquery over one table that is more than a projection of
            // it: refused by name (before its columns' types are needed).
            size_t close = match(open);
            const char *what = nullptr;
            size_t at = open;
            bool other = false;
            for (size_t k = open + 2; k < close; k++) {
                if (is_kw(toks_[k], "OVER") || is_kw(toks_[k], "WINDOW") || is_kw(toks_[k], "JOIN") ||
                    is_kw(toks_[k], "UNION"))
                    other = true;
                const char *w = is_kw(toks_[k], "WHERE")      ? "WHERE"
                                : is_kw(toks_[k], "DISTINCT") ? "DISTINCT"
                                : is_kw(toks_[k], "LIMIT") || is_kw(toks_[k], "OFFSET") ? "LIMIT or OFFSET"
                                : is_kw(toks_[k], "GROUP") || is_kw(toks_[k], "HAVING") ? "GROUP BY"
                                : is_kw(toks_[k], "ORDER")                             ? "ORDER BY"
                                                                                       : nullptr;
                if (w && !what)
                    what = w, at = k;
            }
            if (what && !other)
                refuse(std::string(what) + " in the deployment's FROM subquery is not supported (it is a projection "
                       "of its table: a select list evaluated on the request row)",
                       toks_[at].pos,
                       "Keep only the select list in the subquery (select a, int(b) as c from t); filter the rows you "
                       "request or train on instead, or use FILTER (WHERE ...) on the aggregates.");
        }
        if (!simple_subquery(open))  // other subqueries: left to the planner
            return;
        size_t close = match(open);
        static const std::map<std::string, std::string> types = {
            {"bool", "boolean"},   {"smallint", "smallint"}, {"int16", "smallint"},  {"int", "integer"},
            {"int32", "integer"},  {"integer", "integer"},   {"bigint", "bigint"},    {"int64", "bigint"},
            {"float", "real"},     {"double", "double precision"}, {"string", "text"}, {"date", "date"},
            {"timestamp", "timestamp"}};
        size_t from = close;
        for (size_t k = open + 2; k < close; k++)
            if (is_kw(toks_[k], "FROM")) {
                from = k;
                break;
            }
        for (size_t k = open + 2; k < from; k++) {
            Tok &t = toks_[k];
            std::string name = lower(t.text);
            if (t.kind == TK::kIdent && k + 1 < from && is_op(toks_[k + 1], "(") && types.count(name) &&
                !is_op(toks_[k - 1], ".")) {
                size_t c = match(k + 1);
                t.out = "CAST";
                toks_[c].out = " AS " + types.at(name) + ")";
                continue;
            }
            if (t.kind == TK::kIdent && is_kw(toks_[k - 1], "AS") && types.count(name) &&
                (name == "string" || name == "double" || name == "float" || name == "int64" || name == "int32" ||
                 name == "int16"))
                t.out = types.at(name);
        }
        // The order types of the columns it computes (ROWS_RANGE offsets):
        // by the cast that makes them ("expr AS c" whose expression is a cast
        // function or CAST(... AS type)); a renamed column keeps its own.
        size_t e0 = open + 2;
        for (size_t k = open + 2; k <= from; k++) {
            if (k < from && is_op(toks_[k], "(")) {
                k = match(k);
                continue;
            }
            if (k < from && !is_op(toks_[k], ","))
                continue;
            size_t e1 = k;  // entry [e0, e1)
            if (e1 >= e0 + 3 && is_kw(toks_[e1 - 2], "AS") &&
                (toks_[e1 - 1].kind == TK::kIdent || toks_[e1 - 1].kind == TK::kQIdent)) {
                std::string name = column_name(toks_[e1 - 1]);
                size_t x0 = e0, x1 = e1 - 2;
                OrderType ot = OrderType::kOther;
                if (x1 == x0 + 1 && (toks_[x0].kind == TK::kIdent || toks_[x0].kind == TK::kQIdent))
                    ot = type_of_ ? (*type_of_)(column_name(toks_[x0])) : OrderType::kOther;
                else if (toks_[x0].kind == TK::kIdent && x0 + 1 < x1 && is_op(toks_[x0 + 1], "(") &&
                         match(x0 + 1) == x1 - 1) {
                    std::string f = lower(toks_[x0].text), ty = f;
                    if (f == "cast" && x1 >= x0 + 4 && is_kw(toks_[x1 - 3], "AS"))
                        ty = lower(toks_[x1 - 2].text);
                    if (ty == "timestamp")
                        ot = OrderType::kTimestamp;
                    else if (ty == "bigint" || ty == "int64" || ty == "int" || ty == "int32" || ty == "integer" ||
                             ty == "smallint" || ty == "int16")
                        ot = OrderType::kEpochMs;
                }
                if (ot == OrderType::kNotAColumn)
                    ot = OrderType::kOther;
                computed_types_[name] = ot;
            }
            e0 = k + 1;
        }
        if (close + 1 < toks_.size() && (toks_[close + 1].kind == TK::kIdent || toks_[close + 1].kind == TK::kQIdent) &&
            !is_kw(toks_[close + 1], "WINDOW") && !is_kw(toks_[close + 1], "LAST") && !is_kw(toks_[close + 1], "LEFT"))
            return;  // aliased already (or AS alias)
        std::string tn;
        for (size_t k = from + 1; k < close; k++) {
            if (toks_[k].kind != TK::kIdent && toks_[k].kind != TK::kQIdent)
                break;
            tn = toks_[k].kind == TK::kQIdent ? quote(unquote(toks_[k]), '"') : toks_[k].text;
            if (!(k + 2 < close && is_op(toks_[k + 1], ".")))
                break;
            k++;
        }
        if (!tn.empty())
            toks_[close].out += " AS " + tn;
    }

    void lexical()
    {
        for (size_t i = 0; i < toks_.size(); i++) {
            Tok &t = toks_[i];
            if (t.kind == TK::kQIdent)
                t.out = quote(unquote(t), '"');
            else if (t.kind == TK::kDStr)
                t.out = quote(unquote(t), '\'');
            else if (is_op(t, "=="))
                t.out = "=";
            else if (is_op(t, "!"))
                t.out = "NOT ";  // OpenMLDB's logical not (PostgreSQL has no prefix !)
            else if (is_op(t, ",") && i + 1 < toks_.size() && is_kw(toks_[i + 1], "FROM"))
                t.keep = false;
        }
    }

    size_t match(size_t open) const
    {
        int depth = 0;
        for (size_t i = open; i < toks_.size(); i++) {
            if (is_op(toks_[i], "("))
                depth++;
            else if (is_op(toks_[i], ")") && --depth == 0)
                return i;
        }
        syntax("unbalanced parentheses", toks_[open].pos);
    }

    std::string text(size_t from, size_t to) const
    {
        std::string r;
        for (size_t i = from; i < to; i++) {
            if (i > from)
                r += toks_[i].ws.empty() ? "" : " ";
            if (toks_[i].keep)
                r += toks_[i].out;
        }
        return r;
    }

    // The first (or last) comma at depth 0 between the parentheses
    // open..close; 0 if none.
    size_t top_comma(size_t open, size_t close, bool last = false) const
    {
        int depth = 0;
        size_t found = 0;
        for (size_t k = open + 1; k < close; k++) {
            if (is_op(toks_[k], "("))
                depth++;
            else if (is_op(toks_[k], ")"))
                depth--;
            else if (depth == 0 && is_op(toks_[k], ",")) {
                found = k;
                if (!last)
                    break;
            }
        }
        return found;
    }

    // OVER (w) names window w in OpenMLDB's documentation (OVER w in SQL):
    // written without the parentheses, which in PostgreSQL would copy w and
    // refuse its frame clause.
    void named_window_refs()
    {
        for (size_t i = 0; i + 3 < toks_.size(); i++) {
            if (!is_kw(toks_[i], "OVER") || !is_op(toks_[i + 1], "(") || !is_op(toks_[i + 3], ")"))
                continue;
            const Tok &n = toks_[i + 2];
            if (n.kind != TK::kQIdent && !(n.kind == TK::kIdent && n.up != "PARTITION" && n.up != "ORDER" &&
                                           n.up != "ROWS" && n.up != "ROWS_RANGE" && n.up != "RANGE" &&
                                           n.up != "UNION"))
                continue;
            toks_[i + 2].ws = toks_[i + 1].ws.empty() ? " " : toks_[i + 1].ws;
            toks_.erase(toks_.begin() + long(i + 3));
            toks_.erase(toks_.begin() + long(i + 1));
        }
    }

    // The table after FROM at the top level of the subquery whose "(" is
    // token open ("schema.table" as written, backquotes removed).
    std::string subquery_table(size_t open) const
    {
        size_t close = match(open);
        int depth = 0;
        for (size_t j = open + 1; j < close; j++) {
            if (is_op(toks_[j], "("))
                depth++;
            else if (is_op(toks_[j], ")"))
                depth--;
            else if (depth == 0 && is_kw(toks_[j], "FROM")) {
                std::string name;
                for (size_t k = j + 1; k < close && ident(toks_[k]); k += 2) {
                    name += column_name(toks_[k]);
                    if (k + 2 < close && is_op(toks_[k + 1], "."))
                        name += ".";
                    else
                        break;
                }
                return name;
            }
        }
        return {};
    }

    void windows()
    {
        int depth = 0;
        // Open parentheses: the subquery's table when it is a LAST JOIN's
        // subquery (its windows are translated too, the order column's type
        // looked up as "table.column"), else empty.
        std::vector<std::string> parens;
        for (size_t i = 0; i < toks_.size(); i++) {
            const Tok &t = toks_[i];
            sub_table_ = parens.empty() ? std::string() : parens.back();
            if (is_op(t, "(")) {
                depth++;
                bool lj = i >= 2 && is_kw(toks_[i - 1], "JOIN") && is_kw(toks_[i - 2], "LAST");
                // (the deployment's FROM subquery with its own window: its
                // table is the deployment's, whose columns are named alone)
                bool mainw = depth == 1 && i >= 1 && is_kw(toks_[i - 1], "FROM") && window_subquery(i);
                parens.push_back(lj ? subquery_table(i) : mainw ? std::string(kMainSub) : std::string());
            } else if (is_op(t, ")")) {
                depth--;
                if (!parens.empty())
                    parens.pop_back();
            } else if (is_kw(t, "OVER") && i + 1 < toks_.size() && is_op(toks_[i + 1], "(")) {
                Window w;
                w.open = i + 1;
                w.close = match(i + 1);
                spec(w);
                i = w.close;
            } else if (is_kw(t, "WINDOW") && (depth == 0 || !sub_table_.empty())) {
                // The query's WINDOW clause (its windows are named_), or one
                // of a LAST JOIN's subquery (not among named_: OVER w of the
                // outer query never names it).
                bool outer = depth == 0;
                size_t j = i + 1;
                while (j + 2 < toks_.size()) {
                    Window w;
                    const Tok &nt = toks_[j];
                    if (nt.kind != TK::kIdent && nt.kind != TK::kQIdent)
                        syntax("window name expected", nt.pos);
                    w.name = nt.kind == TK::kQIdent ? unquote(nt) : lower(nt.text);
                    w.quoted = nt.kind == TK::kQIdent;
                    if (!is_kw(toks_[j + 1], "AS") || !is_op(toks_[j + 2], "("))
                        syntax("AS ( expected after the window name", toks_[j + 1].pos);
                    w.open = j + 2;
                    w.close = match(j + 2);
                    spec(w);
                    if (outer)
                        named_.push_back(w);
                    j = w.close + 1;
                    if (j < toks_.size() && is_op(toks_[j], ","))
                        j++;
                    else
                        break;
                }
                i = j - 1;
            }
        }
    }

    Bound bound(size_t &i, size_t end, bool rows)
    {
        Bound b;
        if (i >= end)
            syntax("frame bound expected", toks_[end].pos);
        b.pos = toks_[i].pos;
        if (is_kw(toks_[i], "UNBOUNDED")) {
            b.kind = Bound::kUnbounded;
            i++;
        } else if (is_kw(toks_[i], "CURRENT") && i + 1 < end && is_kw(toks_[i + 1], "ROW")) {
            b.kind = Bound::kCurrent;
            return i += 2, b;
        }
        bool negative = false;
        if (b.kind != Bound::kUnbounded && is_op(toks_[i], "-") && i + 1 < end && toks_[i + 1].kind == TK::kNum) {
            negative = true;
            i++;
        }
        if (b.kind == Bound::kUnbounded) {
            // UNBOUNDED PRECEDING / FOLLOWING below
        } else if (toks_[i].kind == TK::kNum) {
            b.kind = Bound::kOffset;
            std::string s = toks_[i].text;
            if (std::isalpha(static_cast<unsigned char>(s.back()))) {
                b.unit = char(std::tolower(static_cast<unsigned char>(s.back())));
                s.pop_back();
            }
            if (s.empty() || s.find('.') != std::string::npos)
                syntax("frame offsets are non-negative integers", b.pos);
            if (rows && b.unit)
                syntax("a ROWS frame offset is a number of rows, without a time unit", b.pos);
            b.num = s;
            i++;
            if (i < end && is_kw(toks_[i], "OPEN")) {
                b.open = true;
                i++;
            }
        } else
            syntax("frame bound expected", b.pos);
        if (i < end && is_kw(toks_[i], "PRECEDING"))
            b.preceding = true;
        else if (i < end && is_kw(toks_[i], "FOLLOWING"))
            b.preceding = false;
        else
            syntax("PRECEDING or FOLLOWING expected", i < end ? toks_[i].pos : toks_[end].pos);
        if (negative)  // OpenMLDB: -n PRECEDING is n FOLLOWING, and -n FOLLOWING is n PRECEDING
            b.preceding = !b.preceding;
        i++;
        return b;
    }

    // PostgreSQL text of one bound.  start: the frame's first bound.
    std::string pg_bound(const Bound &b, bool rows, bool start, OrderType ot)
    {
        if (b.kind == Bound::kUnbounded)
            return b.preceding ? "UNBOUNDED PRECEDING" : "UNBOUNDED FOLLOWING";
        if (b.kind == Bound::kCurrent)
            return "CURRENT ROW";
        // An open bound excludes the row at exactly the offset: one step
        // (row, millisecond, microsecond) nearer to the current row at the
        // start of the frame, one step farther at its end.
        // Offsets are int64 in OpenMLDB; every scaling below is checked
        // (213503982335d in milliseconds is beyond int64).
        auto out_of_range = [&]() {
            throw DialectError("22003", "frame offset " + b.num + (b.unit ? std::string(1, b.unit) : "") +
                                            " is out of range",
                               b.pos, "Offsets must fit in 64 bits once converted to microseconds.");
        };
        int64_t v = 0;
        for (char c : b.num) {
            if (c < '0' || c > '9' || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v))
                out_of_range();
        }
        auto mul = [&](int64_t a, int64_t m) {
            int64_t r;
            if (__builtin_mul_overflow(a, m, &r))
                out_of_range();
            return r;
        };
        int64_t step = 0;
        if (b.open) {
            if (!b.preceding)
                refuse("OPEN FOLLOWING is not supported yet", b.pos);
            step = start ? -1 : 1;
        }
        const char *dir = b.preceding ? " PRECEDING" : " FOLLOWING";
        if (rows) {
            v += step;
            if (v < 0)
                refuse("an empty frame (0 OPEN PRECEDING as the start) is not supported", b.pos);
            return std::to_string(v) + dir;
        }
        int64_t ms_per = b.unit == 's' ? 1000 : b.unit == 'm' ? 60000 : b.unit == 'h' ? 3600000
                       : b.unit == 'd' ? 86400000 : 1;
        int64_t ms = mul(v, ms_per);
        (void) mul(ms, 1000);  // PostgreSQL keeps intervals in microseconds
        if (ot == OrderType::kEpochMs) {
            ms += step;
            if (ms < 0)
                refuse("an empty frame (0 OPEN PRECEDING as the start) is not supported", b.pos);
            return std::to_string(ms) + dir;
        }
        if (ot != OrderType::kTimestamp)
            refuse("a ROWS_RANGE offset needs an order column of type timestamp or an integer "
                   "(epoch milliseconds)", b.pos);
        std::string iv;
        if (step != 0) {
            int64_t us = mul(ms, 1000) + step;
            if (us < 0)
                refuse("an empty frame (0 OPEN PRECEDING as the start) is not supported", b.pos);
            iv = std::to_string(us) + " microseconds";
        } else if (b.unit == 'd')
            iv = std::to_string(mul(v, 24)) + " hours";   // a day is 24 hours in OpenMLDB (no calendar days)
        else if (b.unit == 'h')
            iv = std::to_string(v) + " hours";
        else if (b.unit == 'm')
            iv = std::to_string(v) + " minutes";
        else if (b.unit == 's')
            iv = std::to_string(v) + " seconds";
        else
            iv = std::to_string(v) + " milliseconds";
        return "INTERVAL '" + iv + "'" + dir;
    }

    void spec(Window &w)
    {
        size_t i = w.open + 1, end = w.close;
        // UNION t2[, t3 | (SELECT * FROM t3)] -> feature_ext.window_union('t2'::regclass)
        // in PARTITION BY, one per table in the order written (the tie order).
        std::string umods;
        if (i < end && is_kw(toks_[i], "UNION")) {
            size_t j = i + 1;
            for (;;) {
                if (j >= end)
                    syntax("a table expected after UNION", toks_[end].pos);
                size_t from = j, next = 0;
                size_t inner = is_op(toks_[j], "(") ? star_subquery(j) : 0;
                std::string cols, join_lit;
                if (is_op(toks_[j], "(") && !inner)
                    inner = column_subquery(j, &cols);
                if (is_op(toks_[j], "(") && !inner) {
                    // (SELECT columns FROM t3 LAST JOIN t4 [ORDER BY ...] ON ...): the
                    // columns t3 has not come from the LAST JOIN; supported while the
                    // window functions do not read them (deploy/union_pg.cpp,
                    // union_bind_joins; docs/DEPLOY.md "Union windows over LAST JOIN results")
                    size_t rest = 0, close = match(j);
                    std::string c2;
                    size_t in2 = column_subquery(j, &c2, &rest);
                    if (in2 && rest + 2 < close && is_kw(toks_[rest], "LAST") && is_kw(toks_[rest + 1], "JOIN") &&
                        (toks_[rest + 2].kind == TK::kIdent || toks_[rest + 2].kind == TK::kQIdent)) {
                        // exactly LAST JOIN t4 [ORDER BY col] ON <condition>: a clause
                        // after the condition (WHERE, another JOIN, LIMIT, GROUP BY ...)
                        // would change the union's rows and is refused, not dropped
                        size_t k = rest + 3;
                        auto jident = [&](const Tok &t) {
                            return t.kind == TK::kQIdent ? quote(unquote(t), '"') : lower(t.text);
                        };
                        std::string jt = jident(toks_[rest + 2]);
                        if (k + 1 < close && is_op(toks_[k], ".") &&
                            (toks_[k + 1].kind == TK::kIdent || toks_[k + 1].kind == TK::kQIdent)) {
                            jt += "." + jident(toks_[k + 1]);
                            k += 2;
                        }
                        if (k + 2 < close && is_kw(toks_[k], "ORDER") && is_kw(toks_[k + 1], "BY")) {
                            k += 2;
                            while (k < close && (toks_[k].kind == TK::kIdent || toks_[k].kind == TK::kQIdent ||
                                                 is_op(toks_[k], ".")) &&
                                   !is_kw(toks_[k], "ON"))
                                k++;
                        }
                        if (k >= close || !is_kw(toks_[k], "ON"))
                            refuse("WINDOW ... UNION (SELECT ... FROM t3 LAST JOIN t4 ...): expected [ORDER BY column] ON "
                                   "<condition> after the LAST JOIN's table, found " +
                                       (k < close ? "\"" + toks_[k].text + "\"" : std::string("the end of the subquery")),
                                   toks_[k].pos,
                                   "The union subquery is SELECT <columns> FROM t3 LAST JOIN t4 [ORDER BY t4.col] ON "
                                   "<condition>, nothing else; see docs/DEPLOY.md \"Union windows over a LAST JOIN's "
                                   "result\".");
                        static const char *const kAfter[] = {"WHERE", "JOIN", "LEFT", "RIGHT", "INNER", "FULL",
                                                             "CROSS", "LAST", "NATURAL", "LIMIT", "OFFSET", "GROUP",
                                                             "HAVING", "ORDER", "WINDOW", "UNION", "INTERSECT",
                                                             "EXCEPT", "QUALIFY", "FETCH", "FOR", "USING", "ON"};
                        for (size_t c = k + 1; c < close; c = is_op(toks_[c], "(") ? match(c) + 1 : c + 1) {
                            bool clause = is_op(toks_[c], ",") || is_op(toks_[c], ";");
                            for (const char *kw : kAfter)
                                clause |= is_kw(toks_[c], kw);
                            if (clause)
                                refuse("WINDOW ... UNION (SELECT ... FROM t3 LAST JOIN t4 ... ON <condition> " +
                                           toks_[c].text + " ...) is not supported: found \"" + toks_[c].text +
                                           "\" after the LAST JOIN's ON condition",
                                       toks_[c].pos,
                                       "The union subquery is SELECT <columns> FROM t3 LAST JOIN t4 [ORDER BY t4.col] "
                                       "ON <condition>, with no WHERE, other join, grouping, ORDER BY or LIMIT after "
                                       "it; filter the union table's rows another way (a separate table).");
                        }
                        if (k + 1 < close) {
                            cols = c2 + ", last join " + jt;
                            join_lit = table_literal(rest + 2, &next);
                            inner = in2;
                        }
                    }
                }
                if (is_op(toks_[j], "(") && !inner)
                    refuse("WINDOW ... UNION of a subquery other than (SELECT columns or expressions FROM table) is "
                           "not supported (a subquery with a join, WHERE, grouping or its own window)",
                           toks_[j].pos, "Union tables with the main table's columns, each a column of the table or "
                                         "an expression of its row, with AS the column it stands for; see docs/DEPLOY.md "
                                         "\"Union windows\".");
                if (!inner && ((toks_[j].kind != TK::kIdent && toks_[j].kind != TK::kQIdent) ||
                               is_kw(toks_[j], "PARTITION") || is_kw(toks_[j], "ORDER")))
                    syntax("a table expected after UNION", toks_[j].pos);
                std::string lit = table_literal(inner ? inner : j, &next);
                std::string call = ", feature_ext.window_union(" + lit + "::regclass" +
                                   (cols.empty() ? "" : ", " + quote(cols, '\'')) +
                                   (join_lit.empty() ? "" : ", " + join_lit + "::regclass") + ")";
                if (umods.find(", feature_ext.window_union(" + lit + "::regclass") != std::string::npos)
                    call = umods;  // (named twice: refused below)
                if (call == umods || umods.find(call) != std::string::npos)
                    throw DialectError("42710", "table " + lit + " is named twice in the UNION of a window (at character " +
                                                    std::to_string(toks_[j].pos + 1) + ")",
                                       int(toks_[j].pos + 1));
                umods += call;
                j = inner ? match(j) + 1 : next;
                for (size_t k = from; k < j; k++)
                    toks_[k].keep = false, toks_[k].ws.clear();
                if (j < end && is_op(toks_[j], ",")) {
                    toks_[j].keep = false;
                    toks_[j].ws.clear();
                    j++;
                    continue;
                }
                break;
            }
            toks_[i].keep = false;
            if (j < end)
                toks_[j].ws = toks_[i].ws;
            toks_[i].ws.clear();
            i = j;
        }
        // INSTANCE_NOT_IN_WINDOW: anywhere among the frame's options.
        for (size_t j = i; j < end; j++)
            if (is_kw(toks_[j], "INSTANCE_NOT_IN_WINDOW")) {
                umods += ", feature_ext.instance_not_in_window()";
                toks_[j].keep = false;
                toks_[j].ws.clear();
            }
        size_t part = 0, ord = 0, frame = end;
        int depth = 0;
        for (size_t j = i; j < end; j++) {
            const Tok &t = toks_[j];
            if (is_op(t, "("))
                depth++;
            else if (is_op(t, ")"))
                depth--;
            if (depth != 0)
                continue;
            if (is_kw(t, "PARTITION") && j + 1 < end && is_kw(toks_[j + 1], "BY"))
                part = j + 2;
            else if (is_kw(t, "ORDER") && j + 1 < end && is_kw(toks_[j + 1], "BY"))
                ord = j + 2;
            else if (frame == end && (is_kw(t, "ROWS") || is_kw(t, "ROWS_RANGE") || is_kw(t, "RANGE") ||
                                      is_kw(t, "GROUPS")))
                frame = j;
        }
        if (part)
            w.partition = text(part, ord ? ord - 2 : frame);
        if (ord) {
            w.order = text(ord, frame);
            for (size_t j = ord; j < frame; j++)
                if ((toks_[j].kind == TK::kIdent && !is_kw(toks_[j], "ASC") && !is_kw(toks_[j], "DESC")) ||
                    toks_[j].kind == TK::kQIdent)
                    w.order_col = column_name(toks_[j]);
        }
        if (!umods.empty()) {
            // (the generated lag / at windows read the same tables)
            w.partition += part ? umods : umods.substr(2);
            if (!ord)
                syntax("a window with UNION or INSTANCE_NOT_IN_WINDOW needs ORDER BY", toks_[w.open].pos);
        }
        if (frame == end || is_kw(toks_[frame], "RANGE") || is_kw(toks_[frame], "GROUPS")) {
            if (!umods.empty()) {
                Tok &o = toks_[ord - 2];
                o.out = (part ? umods : "PARTITION BY " + umods.substr(2)) + " " + o.out;
            }
            return;  // no frame, or PostgreSQL's own: left as written
        }
        bool rows = is_kw(toks_[frame], "ROWS");
        OrderType ot = OrderType::kOther;
        if (!rows)
            ot = sub_table_.empty() && computed_types_.count(w.order_col) ? computed_types_.at(w.order_col)
                 : type_of_ ? (*type_of_)(sub_table_.empty() || sub_table_ == kMainSub ? w.order_col
                                                                                     : sub_table_ + "." + w.order_col)
                            : OrderType::kOther;
        if (ot == OrderType::kNotAColumn)
            ot = OrderType::kOther;
        size_t j = frame + 1;
        Bound s, e;
        if (j < end && is_kw(toks_[j], "BETWEEN")) {
            j++;
            s = bound(j, end, rows);
            if (j >= end || !is_kw(toks_[j], "AND"))
                syntax("AND expected in the frame", j < end ? toks_[j].pos : toks_[end].pos);
            j++;
            e = bound(j, end, rows);
        } else {
            s = bound(j, end, rows);
        }
        bool excl_row = false, excl_time = false;
        std::string maxsize;
        while (j < end) {
            const Tok &t = toks_[j];
            if (is_kw(t, "MAXSIZE")) {
                // OpenMLDB: ROWS_RANGE frames only, right after the bounds.
                if (rows)
                    syntax("MAXSIZE is only allowed on ROWS_RANGE frames", t.pos);
                if (excl_row || excl_time)
                    syntax("MAXSIZE must come before EXCLUDE", t.pos);
                size_t k = j + 1;
                bool neg = k < end && is_op(toks_[k], "-");
                if (neg)
                    k++;
                if (k >= end || toks_[k].kind != TK::kNum ||
                    toks_[k].text.find_first_not_of("0123456789") != std::string::npos)
                    syntax("MAXSIZE needs a whole number of rows", t.pos);
                if (neg || toks_[k].text.find_first_not_of('0') == std::string::npos ||
                    toks_[k].text.size() > 9)
                    throw DialectError("22023",
                                       "MAXSIZE must be between 1 and 999999999 (at character " +
                                           std::to_string(t.pos + 1) + ")",
                                       int(t.pos + 1), "MAXSIZE n keeps at most the n newest rows of the frame.");
                maxsize = toks_[k].text;
                j = k + 1;
            } else if (is_kw(t, "EXCLUDE") && j + 1 < end && is_kw(toks_[j + 1], "CURRENT_ROW")) {
                excl_row = true;
                j += 2;
            } else if (is_kw(t, "EXCLUDE") && j + 2 < end && is_kw(toks_[j + 1], "CURRENT") &&
                       is_kw(toks_[j + 2], "ROW")) {
                excl_row = true;
                j += 3;
            } else if (is_kw(t, "EXCLUDE") && j + 1 < end && is_kw(toks_[j + 1], "CURRENT_TIME")) {
                excl_time = true;
                j += 2;
            } else if (is_kw(t, "INSTANCE_NOT_IN_WINDOW")) {
                j++;  // (taken above)
            } else
                refuse("frame option \"" + t.text + "\" is not supported", t.pos);
        }
        // EXCLUDE CURRENT_TIME drops the rows with the request's order value
        // before a ROWS frame counts its rows (OpenMLDB's
        // test_window_exclude_current_time.yaml ids 3, 4): PostgreSQL's
        // EXCLUDE TIES drops them after counting.  Equal only when nothing is
        // counted (an unbounded start up to the current row).  Otherwise the deploy engine's
        // modifier feature_ext.exclude_current_time() in PARTITION BY does it;
        // MAXSIZE n becomes feature_ext.maxsize(n) the same way.
        std::string modifiers = umods;
        w.excl_time = excl_time;
        // In a LAST JOIN subquery's window the current row is a stored row
        // at the current time: OpenMLDB drops it too
        // (query/last_join_subquery_window.yml 2: agg3 NULL for bb).
        bool sub_row = excl_time && !sub_table_.empty();
        if (sub_row)
            excl_row = true;
        if (excl_time && rows && (sub_row || !(s.kind == Bound::kUnbounded && e.kind == Bound::kCurrent))) {
            modifiers += ", feature_ext.exclude_current_time()";
            excl_time = false;
        }
        if (!maxsize.empty())
            modifiers += ", feature_ext.maxsize(" + maxsize + ")";
        if (!modifiers.empty()) {
            if (!ord)
                syntax("a window with MAXSIZE or EXCLUDE CURRENT_TIME needs ORDER BY", toks_[frame].pos);
            Tok &o = toks_[ord - 2];
            o.out = (part ? modifiers : "PARTITION BY " + modifiers.substr(2)) + " " + o.out;
        }
        std::string f = rows ? "ROWS BETWEEN " : "RANGE BETWEEN ";
        f += pg_bound(s, rows, true, ot) + " AND " + pg_bound(e, rows, false, ot);
        if (excl_row && excl_time)
            f += " EXCLUDE GROUP";
        else if (excl_row)
            f += " EXCLUDE CURRENT ROW";
        else if (excl_time)
            f += " EXCLUDE TIES";
        toks_[frame].out = f;
        for (size_t k = frame + 1; k < end; k++) {
            toks_[k].keep = false;
            toks_[k].ws.clear();
        }
    }

    const Window *find_window(const Tok &t) const
    {
        std::string n = t.kind == TK::kQIdent ? unquote(t) : lower(t.text);
        for (auto &w : named_)
            if (w.name == n)
                return &w;
        return nullptr;
    }

    void functions()
    {
        const std::set<std::string> &fe_aggs = openmldb_functions();
        std::string extra;  // generated windows for lag / at
        std::set<std::string> generated;
        for (size_t i = 0; i + 1 < toks_.size(); i++) {
            Tok &t = toks_[i];
            if (t.kind != TK::kIdent || !is_op(toks_[i + 1], "("))
                continue;
            if (i > 0 && is_op(toks_[i - 1], "."))
                continue;  // already qualified
            std::string name = lower(t.text);
            size_t close = match(i + 1);
            if (name == "sum" || name == "avg") {
                if (close == i + 2 || is_op(toks_[i + 2], "*") || is_kw(toks_[i + 2], "DISTINCT"))
                    continue;
                // OpenMLDB: sum keeps the argument's type, avg is double.
                t.out = name == "sum" ? "feature_ext.sum_where" : "feature_ext.avg_where";
                toks_[close].out = ", true)";
            } else if ((name == "first_value" || name == "last_value") && top_comma(i + 1, close)) {
                // first_value(x, ignore_null) / last_value(x, ignore_null):
                // the oldest / newest row (with a non-NULL x when ignore_null).
                size_t comma = top_comma(i + 1, close);
                if (comma + 2 != close || !(is_kw(toks_[comma + 1], "TRUE") || is_kw(toks_[comma + 1], "FALSE")))
                    refuse(name + "() takes a constant true or false as its second argument", t.pos);
                bool ignore_null = is_kw(toks_[comma + 1], "TRUE");
                std::string x = text(i + 2, comma);
                t.out = "feature_ext.nth_value_where";
                toks_[comma].out = std::string(", ") + (name == "first_value" ? "1" : "-1") + ",";
                toks_[comma + 1].out = ignore_null ? "(" + x + ") IS NOT NULL" : "true";
            } else if (name == "first_value") {
                // OpenMLDB >= 0.9: the oldest row of the frame (docs/AGGREGATES.md).
                t.out = "feature_ext.nth_value_where";
                toks_[close].out = ", 1, true)";
            } else if (name == "last_value") {
                t.out = "feature_ext.latest_value";
            } else if (name == "count_where" && is_op(toks_[i + 2], "*") && i + 3 < close &&
                       is_op(toks_[i + 3], ",")) {
                t.out = "feature_ext.count_where";
                toks_[i + 2].keep = toks_[i + 3].keep = false;
                toks_[i + 4].ws.clear();
            } else if (name == "lag" || name == "at") {
                // Relative to the current row whatever the window's frame:
                // at() over ROWS n PRECEDING on the same partition and order.
                size_t comma = top_comma(i + 1, close, true);
                if (!comma || comma + 2 != close || toks_[comma + 1].kind != TK::kNum ||
                    !std::isdigit(static_cast<unsigned char>(toks_[comma + 1].text.back())))
                    refuse(name + "() needs a constant row offset as its second argument", t.pos);
                if (close + 2 >= toks_.size() || !is_kw(toks_[close + 1], "OVER") ||
                    (toks_[close + 2].kind != TK::kIdent && toks_[close + 2].kind != TK::kQIdent))
                    refuse(name + "() is supported over a named window (OVER w) only", t.pos);
                const Window *w = find_window(toks_[close + 2]);
                if (!w)
                    syntax("window \"" + toks_[close + 2].text + "\" does not exist", toks_[close + 2].pos);
                std::string n = toks_[comma + 1].text;
                std::string gname = w->name + "__lag" + n;
                t.out = "feature_ext.at";
                toks_[close + 2].out = quote(gname, '"');
                if (generated.insert(gname).second) {
                    extra += ", " + quote(gname, '"') + " AS (";
                    std::string part = w->partition;
                    if (w->excl_time)  // OpenMLDB: the equal-time rows are not "before" the request
                        part += std::string(part.empty() ? "" : ", ") + "feature_ext.exclude_current_time()";
                    if (!part.empty())
                        extra += "PARTITION BY " + part + " ";
                    extra += "ORDER BY " + w->order + " ROWS BETWEEN " + n + " PRECEDING AND CURRENT ROW)";
                }
            } else if (name == "isnull" && close > i + 2 && !top_comma(i + 1, close)) {
                // OpenMLDB's isnull(x): (x) IS NULL
                t.keep = false;
                toks_[i + 1].ws = t.ws;
                toks_[i + 1].out = "((";
                toks_[close].out = ") IS NULL)";
            } else if (fe_aggs.count(name)) {
                t.out = "feature_ext." + name;
            }
        }
        if (!extra.empty())
            toks_[named_.back().close].out += extra;
    }

    static bool ident(const Tok &t) { return t.kind == TK::kIdent || t.kind == TK::kQIdent; }

    // OpenMLDB resolves an unqualified column that the deployment's table
    // and a LAST JOINed table both have to the left table's (its
    // integration_test/join/test_lastjoin_complex.yaml 9-2); PostgreSQL
    // calls it ambiguous (42702).  In a query with a top-level LAST JOIN, an
    // unqualified name of the top-level select list that is a column of the
    // deployment's table is qualified with that table's name (or alias).
    void qualify_left()
    {
        if (!type_of_)
            return;
        size_t n = toks_.size();
        int depth = 0;
        bool has_lj = false;
        size_t from = 0;
        for (size_t i = 0; i + 1 < n; i++) {
            if (is_op(toks_[i], "("))
                depth++;
            else if (is_op(toks_[i], ")"))
                depth--;
            else if (depth == 0 && !from && is_kw(toks_[i], "FROM"))
                from = i;
            else if (depth == 0 && is_kw(toks_[i], "LAST") && is_kw(toks_[i + 1], "JOIN"))
                has_lj = true;
        }
        if (!has_lj || !from || !is_kw(toks_[0], "SELECT") || from + 1 >= n || !ident(toks_[from + 1]))
            return;
        // the table's reference name: FROM [schema.]table [[AS] alias]
        size_t j = from + 1;
        while (j + 2 < n && is_op(toks_[j + 1], ".") && ident(toks_[j + 2]))
            j += 2;
        std::string ref = toks_[j].out;
        j++;
        if (j < n && is_kw(toks_[j], "AS"))
            j++;
        if (j < n && ident(toks_[j]) && !is_kw(toks_[j], "LAST") && !is_kw(toks_[j], "WINDOW") &&
            !is_kw(toks_[j], "WHERE") && !is_kw(toks_[j], "LEFT") && !is_kw(toks_[j], "JOIN") &&
            !is_kw(toks_[j], "ORDER") && !is_kw(toks_[j], "GROUP") && !is_kw(toks_[j], "LIMIT") &&
            !is_kw(toks_[j], "UNION"))
            ref = toks_[j].out;
        static const std::set<std::string> kws = {
            "SELECT", "AS", "OVER", "CASE", "WHEN", "THEN", "ELSE", "END", "AND", "OR", "NOT", "NULL", "TRUE", "FALSE",
            "IS", "IN", "DISTINCT", "BETWEEN", "LIKE", "ILIKE", "CAST", "INTERVAL", "ALL", "ANY", "SOME", "EXISTS"};
        depth = 0;
        for (size_t i = 1; i < from; i++) {
            const Tok &t = toks_[i];
            if (is_op(t, "(")) {
                if (i + 1 < from && is_kw(toks_[i + 1], "SELECT"))
                    i = match(i);  // a subquery: its own scope
                continue;
            }
            if (!ident(t) || (t.kind == TK::kIdent && kws.count(t.up)) || is_op(toks_[i - 1], ".") ||
                is_kw(toks_[i - 1], "AS") || is_kw(toks_[i - 1], "OVER") ||
                (i + 1 < n && (is_op(toks_[i + 1], ".") || is_op(toks_[i + 1], "("))))
                continue;
            if ((*type_of_)(column_name(t)) == OrderType::kNotAColumn)
                continue;
            toks_[i].out = ref + "." + toks_[i].out;
        }
    }

    // OpenMLDB's LAST JOIN at the top level (docs/CONFORMANCE.md):
    //   LAST JOIN t2 [[AS] a] [ORDER BY x] ON cond
    //   -> LEFT JOIN LATERAL (SELECT * FROM t2 [a] WHERE (cond) [AND (x) IS NOT NULL
    //      ORDER BY x DESC] LIMIT 1) AS a ON true
    // (the matching row with the greatest x, ties: the one inserted last;
    // without ORDER BY the newest row of the skiplist index on the join
    // keys, as OpenMLDB reads its index).  Runs last: the condition's
    // tokens are translated already.
    //
    // A LAST JOIN subquery may have LAST JOINs of its own (OpenMLDB's
    // "lazy" LAST JOIN: t1 LAST JOIN (SELECT ... FROM t2 LAST JOIN t3 ON
    // ...) tx ON ...): they are translated the same way inside it, innermost
    // first (the tokens are walked backwards), and the planner joins t3 to
    // the t2 row the outer LAST JOIN takes (deploy/join_pg.cpp).
    void last_joins()
    {
        size_t n = toks_.size();
        // per token: is it inside a parenthesis that is not a LAST JOIN subquery's?
        std::vector<bool> other_paren(n, false);
        {
            std::vector<bool> stack;  // per open parenthesis: a LAST JOIN subquery's
            for (size_t i = 0; i < n; i++) {
                if (is_op(toks_[i], "(")) {
                    bool lj = i >= 2 && is_kw(toks_[i - 1], "JOIN") && is_kw(toks_[i - 2], "LAST");
                    stack.push_back(lj);
                } else if (is_op(toks_[i], ")")) {
                    if (!stack.empty())
                        stack.pop_back();
                }
                for (bool lj : stack)
                    if (!lj)
                        other_paren[i] = true;
            }
        }
        for (size_t i = n - 1; i-- > 0;) {
            const Tok &t = toks_[i];
            if (!is_kw(t, "LAST") || !is_kw(toks_[i + 1], "JOIN") || !t.keep)
                continue;
            if (other_paren[i])
                refuse("LAST JOIN inside a subquery is not supported", t.pos,
                       "A LAST JOIN may be at the top level of the query or inside the subquery of a LAST JOIN.");
            size_t j = i + 2;
            std::string table, alias, ref;
            if (j < n && is_op(toks_[j], "(")) {
                // a subquery: (SELECT ... FROM t2 [WHERE ...]) AS a; the
                // planner reads it through t2's index when it is a plain
                // projection and filter of one table
                size_t close = match(j);
                for (size_t m = j + 1; m < close; m++)
                    // (a window of the subquery is planned by the deployment:
                    // docs/DEPLOY.md "LAST JOIN over a subquery with its own window")
                    if ((is_kw(toks_[m], "JOIN") && !is_kw(toks_[m - 1], "LAST")) ||
                        (is_kw(toks_[m], "UNION") &&
                         !(is_op(toks_[m - 1], "(") && (is_kw(toks_[m - 2], "AS") || is_kw(toks_[m - 2], "OVER")))) ||
                        is_kw(toks_[m], "GROUP"))
                        refuse("a LAST JOIN over a subquery with its own union (other than a window's), grouping or "
                               "join other than LAST JOIN is not supported",
                               toks_[m].pos, "The right side of a LAST JOIN is a table or a SELECT ... FROM t2 "
                               "[LAST JOIN ...] [WINDOW ...] [WHERE ...].");
                table = text(j, close + 1);
                j = close + 1;
                if (j < n && is_kw(toks_[j], "AS"))
                    j++;
                if (j >= n || !ident(toks_[j]) || is_kw(toks_[j], "ORDER") || is_kw(toks_[j], "ON"))
                    syntax("a LAST JOIN subquery needs an alias", toks_[close].pos);
                alias = toks_[j].out;
                ref = column_name(toks_[j]);
                j++;
            } else {
                if (j >= n || !ident(toks_[j]))
                    refuse("LAST JOIN's right side must be a table or a subquery", j < n ? toks_[j].pos : t.pos);
                size_t tstart = j;
                ref = column_name(toks_[j]);
                while (j + 2 < n && is_op(toks_[j + 1], ".") && ident(toks_[j + 2])) {
                    j += 2;
                    ref = column_name(toks_[j]);
                }
                table = text(tstart, j + 1);
                j++;
            }
            if (alias.empty() && j < n && is_kw(toks_[j], "AS"))
                j++;
            if (alias.empty() && j < n && ident(toks_[j]) && !is_kw(toks_[j], "ORDER") && !is_kw(toks_[j], "ON")) {
                alias = toks_[j].out;
                ref = column_name(toks_[j]);
                j++;
            }
            std::string order;
            if (j + 1 < n && is_kw(toks_[j], "ORDER") && is_kw(toks_[j + 1], "BY")) {
                size_t os = j + 2;
                j = os;
                while (j < n && !is_kw(toks_[j], "ON"))
                    j++;
                if (j == os || is_kw(toks_[j - 1], "ASC") || is_kw(toks_[j - 1], "DESC"))
                    syntax("LAST JOIN ... ORDER BY names one column", toks_[os - 1].pos);
                order = text(os, j);
            }
            if (j >= n || !is_kw(toks_[j], "ON"))
                syntax("LAST JOIN needs ON <condition>", j < n ? toks_[j].pos : t.pos);
            size_t cs = j + 1, k = cs;
            int d = 0;
            for (; k < n; k++) {
                const Tok &c = toks_[k];
                if (is_op(c, "("))
                    d++;
                else if (is_op(c, ")")) {
                    if (d == 0)
                        break;
                    d--;
                } else if (d == 0 && (is_op(c, ";") || is_kw(c, "WINDOW") || is_kw(c, "WHERE") || is_kw(c, "GROUP") ||
                                      is_kw(c, "HAVING") || is_kw(c, "ORDER") || is_kw(c, "LIMIT") ||
                                      is_kw(c, "UNION") || is_kw(c, "LEFT") || is_kw(c, "JOIN") ||
                                      (is_kw(c, "LAST") && k + 1 < n && is_kw(toks_[k + 1], "JOIN"))))
                    break;
            }
            if (k == cs)
                syntax("LAST JOIN needs ON <condition>", toks_[j].pos);
            // A conjunct a.x = b.y between the joined table and another:
            // OpenMLDB's index lookup matches a NULL key with the NULL key
            // (test_lastjoin_simple.yaml 19), which is IS NOT DISTINCT FROM.
            size_t a = cs;
            int dd = 0;
            for (size_t m = cs; m <= k; m++) {
                if (m < k) {
                    if (is_op(toks_[m], "("))
                        dd++;
                    else if (is_op(toks_[m], ")"))
                        dd--;
                    if (dd != 0 || !is_kw(toks_[m], "AND"))
                        continue;
                }
                if (m - a == 7 && ident(toks_[a]) && is_op(toks_[a + 1], ".") && ident(toks_[a + 2]) &&
                    (is_op(toks_[a + 3], "=") || is_op(toks_[a + 3], "==")) && ident(toks_[a + 4]) &&
                    is_op(toks_[a + 5], ".") && ident(toks_[a + 6]) &&
                    (column_name(toks_[a]) == ref) != (column_name(toks_[a + 4]) == ref)) {
                    toks_[a + 3].out = "IS NOT DISTINCT FROM";
                    if (toks_[a + 3].ws.empty())
                        toks_[a + 3].ws = " ";
                    if (toks_[a + 4].ws.empty())
                        toks_[a + 4].ws = " ";
                }
                a = m + 1;
            }
            std::string out = "LEFT JOIN LATERAL (SELECT * FROM " + table + (alias.empty() ? "" : " " + alias) +
                              " WHERE (" + text(cs, k) + ")";
            if (!order.empty())
                out += " AND (" + order + ") IS NOT NULL ORDER BY " + order + " DESC";
            out += " LIMIT 1) AS " + quote(ref, '"') + " ON true";
            toks_[i].out = out;
            for (size_t m = i + 1; m < k; m++) {
                toks_[m].keep = false;
                toks_[m].ws.clear();
            }
        }
    }

    const std::string &q_;
    const OrderTypeOf *type_of_;
    std::map<std::string, OrderType> computed_types_;  // computed_from(): the main FROM subquery's computed columns
    std::vector<Tok> toks_;
    std::string trailing_;
    std::vector<Window> named_;
    std::string sub_table_;  // windows(): the LAST JOIN subquery's table of the window being translated
                             // (kMainSub: the deployment's FROM subquery with its own window)
    static constexpr const char *kMainSub = "\x01main";
};

}  // namespace

int openmldb_signal(const std::string &query)
{
    try {
        return Translator(query, nullptr).signal();
    } catch (const DialectError &) {
        return 0;
    }
}

bool looks_openmldb(const std::string &query) { return openmldb_signal(query) > 0; }

std::string openmldb_table(const std::string &query)
{
    return Translator(query, nullptr).table();
}

std::vector<std::string> openmldb_join_subquery_tables(const std::string &query)
{
    return Translator(query, nullptr).join_subquery_tables();
}

std::string translate_openmldb(const std::string &query, const OrderTypeOf &order_type_of)
{
    return Translator(query, &order_type_of).run();
}

std::string translate_openmldb(const std::string &query, OrderType order_type)
{
    OrderTypeOf f = [order_type](const std::string &) { return order_type; };
    return translate_openmldb(query, f);
}

}  // namespace fe
