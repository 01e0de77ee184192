// Unit tests of the OpenMLDB -> PostgreSQL dialect translator
// (include/feature_ext/dialect/openmldb.hpp).
#include <gtest/gtest.h>

#include <string>

#include "feature_ext/dialect/openmldb.hpp"

using fe::OrderType;

namespace {

std::string tr(const std::string &q, OrderType t = OrderType::kEpochMs) { return fe::translate_openmldb(q, t); }

// The error a translation raises: "SQLSTATE|message|position".
std::string err(const std::string &q, OrderType t = OrderType::kEpochMs)
{
    try {
        fe::translate_openmldb(q, t);
    } catch (const fe::DialectError &e) {
        return std::string(e.sqlstate()) + "|" + e.what() + "|" + std::to_string(e.position());
    }
    return "no error";
}

const std::string kHead = "SELECT sum(c4) OVER w AS s FROM t WINDOW w AS (PARTITION BY c1 ORDER BY c7 ";

}  // namespace

TEST(Dialect, Detects)
{
    EXPECT_TRUE(fe::looks_openmldb(kHead + "ROWS_RANGE BETWEEN 3d PRECEDING AND CURRENT ROW)"));
    EXPECT_TRUE(fe::looks_openmldb("SELECT `a` FROM t"));
    EXPECT_TRUE(fe::looks_openmldb(kHead + "ROWS BETWEEN 3 OPEN PRECEDING AND CURRENT ROW)"));
    EXPECT_TRUE(fe::looks_openmldb(kHead + "ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW)"));
    EXPECT_TRUE(fe::looks_openmldb("SELECT * FROM a LAST JOIN b ON a.x = b.x"));
    EXPECT_TRUE(fe::looks_openmldb("SELECT sum(x) OVER w FROM t WINDOW w AS (UNION t2 PARTITION BY k ORDER BY ts)"));
    EXPECT_TRUE(fe::looks_openmldb("SELECT sum(x) OVER w FROM t WINDOW v AS (PARTITION BY k ORDER BY ts), "
                                   "w AS (UNION t2 PARTITION BY k ORDER BY ts)"));
    EXPECT_FALSE(fe::looks_openmldb(kHead + "ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)"));
    EXPECT_FALSE(fe::looks_openmldb(kHead + "RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW)"));
    EXPECT_FALSE(fe::looks_openmldb("SELECT 'ROWS_RANGE 3d', \"MAXSIZE\", current_time FROM t -- ROWS_RANGE"));
    EXPECT_FALSE(fe::looks_openmldb("SELECT sum(v) OVER (PARTITION BY k, feature_ext.maxsize(2) ORDER BY ts) FROM t"));
    // OpenMLDB's function names alone (unqualified; feature_ext.count_where(...) is the PostgreSQL dialect)
    std::string rows = " OVER w FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)";
    EXPECT_TRUE(fe::looks_openmldb("SELECT sum_where(v, v > 1)" + rows));
    EXPECT_TRUE(fe::looks_openmldb("SELECT DISTINCT_COUNT(v)" + rows));
    EXPECT_TRUE(fe::looks_openmldb("SELECT at(v, 1)" + rows));
    EXPECT_TRUE(fe::looks_openmldb("SELECT count_where(*, v > 1)" + rows));
    EXPECT_TRUE(fe::looks_openmldb("SELECT first_value(v, true)" + rows));
    EXPECT_FALSE(fe::looks_openmldb("SELECT first_value(v)" + rows));
    EXPECT_TRUE(fe::looks_openmldb("SELECT sum(v) OVER w AS s, FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)"));
    EXPECT_FALSE(fe::looks_openmldb("SELECT feature_ext.count_where(v > 1)" + rows));
    EXPECT_FALSE(fe::looks_openmldb("SELECT sum(v), count(*), lag(v, 1)" + rows));
    // Function names alone are a weak sign; syntax is a strong one.
    EXPECT_EQ(fe::openmldb_signal("SELECT count_where(\"Note\", v > 1)" + rows), 1);
    EXPECT_EQ(fe::openmldb_signal("SELECT at(v, 1)" + rows), 1);
    EXPECT_EQ(fe::openmldb_signal("SELECT count_where(v, v > 1) OVER w FROM t WINDOW w AS "
                                  "(PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 3d PRECEDING AND CURRENT ROW)"), 2);
    EXPECT_EQ(fe::openmldb_signal("SELECT sum(v)" + rows), 0);
}

TEST(Dialect, RowsRangeUnits)
{
    EXPECT_EQ(tr(kHead + "ROWS_RANGE BETWEEN 3d PRECEDING AND CURRENT ROW)"),
              "SELECT feature_ext.sum_where(c4, true) OVER w AS s FROM t WINDOW w AS (PARTITION BY c1 ORDER BY c7 "
              "RANGE BETWEEN 259200000 PRECEDING AND CURRENT ROW)");
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 2s PRECEDING AND CURRENT ROW)").find("RANGE BETWEEN 2000 PRECEDING"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 5m PRECEDING AND CURRENT ROW)").find("RANGE BETWEEN 300000 PRECEDING"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 1h PRECEDING AND CURRENT ROW)").find("RANGE BETWEEN 3600000 PRECEDING"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 6 PRECEDING AND CURRENT ROW)").find("RANGE BETWEEN 6 PRECEDING AND"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 3d PRECEDING AND CURRENT ROW)", OrderType::kTimestamp)
                  .find("RANGE BETWEEN INTERVAL '72 hours' PRECEDING AND CURRENT ROW"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 6 PRECEDING AND 2s PRECEDING)", OrderType::kTimestamp)
                  .find("RANGE BETWEEN INTERVAL '6 milliseconds' PRECEDING AND INTERVAL '2 seconds' PRECEDING"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE UNBOUNDED PRECEDING)").find("RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"),
              std::string::npos);
}

TEST(Dialect, OpenBounds)
{
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 4s OPEN PRECEDING AND CURRENT ROW)").find("RANGE BETWEEN 3999 PRECEDING"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 4s OPEN PRECEDING AND CURRENT ROW)", OrderType::kTimestamp)
                  .find("RANGE BETWEEN INTERVAL '3999999 microseconds' PRECEDING"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS BETWEEN 3 OPEN PRECEDING AND 0 OPEN PRECEDING)").find("ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 5s PRECEDING AND 1s OPEN PRECEDING)").find("RANGE BETWEEN 5000 PRECEDING AND 1001 PRECEDING"),
              std::string::npos);
    EXPECT_EQ(err(kHead + "ROWS BETWEEN 0 OPEN PRECEDING AND CURRENT ROW)").substr(0, 6), "0A000|");
}

TEST(Dialect, Exclusions)
{
    EXPECT_NE(tr(kHead + "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW)")
                  .find("ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 4s OPEN PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME)")
                  .find("RANGE BETWEEN 3999 PRECEDING AND CURRENT ROW EXCLUDE TIES)"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 4s PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW EXCLUDE CURRENT_TIME)")
                  .find("EXCLUDE GROUP)"),
              std::string::npos);
    EXPECT_NE(tr(kHead + "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME)").find("EXCLUDE TIES)"),
              std::string::npos);
    // ... but not when the end is counted back: the peers go first (OpenMLDB reads from ts - 1)
    std::string u = tr(kHead + "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 OPEN PRECEDING EXCLUDE CURRENT_TIME)");
    EXPECT_NE(u.find(", feature_ext.exclude_current_time() ORDER BY"), std::string::npos) << u;
    EXPECT_EQ(u.find("EXCLUDE TIES"), std::string::npos) << u;
    // Bounded ROWS: the peers go before counting, a deploy-engine modifier.
    std::string t = tr(kHead + "ROWS BETWEEN 7 OPEN PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME)");
    EXPECT_NE(t.find(", feature_ext.exclude_current_time() ORDER BY"), std::string::npos) << t;
    EXPECT_NE(t.find("ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)"), std::string::npos) << t;
    t = tr(kHead + "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME EXCLUDE CURRENT_ROW)");
    EXPECT_NE(t.find("feature_ext.exclude_current_time()"), std::string::npos) << t;
    EXPECT_NE(t.find("CURRENT ROW EXCLUDE CURRENT ROW)"), std::string::npos) << t;
}

TEST(Dialect, FirstLastValueIgnoreNull)
{
    std::string t = tr("SELECT first_value(val1, true) OVER w AS a, last_value(val1, true) OVER w AS b, "
                       "last_value(val1, false) OVER w AS c FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 3 PRECEDING)");
    EXPECT_NE(t.find("feature_ext.nth_value_where(val1, 1, (val1) IS NOT NULL)"), std::string::npos) << t;
    EXPECT_NE(t.find("feature_ext.nth_value_where(val1, -1, (val1) IS NOT NULL)"), std::string::npos) << t;
    EXPECT_NE(t.find("feature_ext.nth_value_where(val1, -1, true)"), std::string::npos) << t;
    EXPECT_EQ(err("SELECT first_value(v, 1) OVER w FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 3 PRECEDING)")
                  .substr(0, 6), "0A000|");
}

TEST(Dialect, Maxsize)
{
    std::string t = tr(kHead + "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE 2 EXCLUDE CURRENT_ROW)");
    EXPECT_NE(t.find(", feature_ext.maxsize(2) ORDER BY"), std::string::npos) << t;
    EXPECT_NE(t.find("RANGE BETWEEN 3000 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)"), std::string::npos) << t;
    t = tr("SELECT sum(x) OVER w FROM t WINDOW w AS (ORDER BY ts ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE 5)");
    EXPECT_NE(t.find("(PARTITION BY feature_ext.maxsize(5) ORDER BY ts"), std::string::npos) << t;
    std::string q = kHead + "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE 0)";
    std::string e = err(q);
    EXPECT_EQ(e.substr(0, 6), "22023|") << e;
    EXPECT_NE(e.find("|" + std::to_string(q.find("MAXSIZE") + 1)), std::string::npos) << e;
    EXPECT_EQ(err(kHead + "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE -1)").substr(0, 6), "22023|");
    EXPECT_EQ(err(kHead + "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE x)").substr(0, 6), "42601|");
    EXPECT_EQ(err(kHead + "ROWS BETWEEN 6 PRECEDING AND CURRENT ROW MAXSIZE 3)").substr(0, 6), "42601|");
    EXPECT_EQ(err(kHead + "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW MAXSIZE 2)").substr(0, 6),
              "42601|");
}

TEST(Dialect, LastJoin)
{
    EXPECT_EQ(tr("SELECT t.x, u.y FROM t LAST JOIN u ORDER BY u.ts ON t.k = u.k"),
              "SELECT t.x, u.y FROM t LEFT JOIN LATERAL (SELECT * FROM u WHERE (t.k IS NOT DISTINCT FROM u.k) AND (u.ts) "
              "IS NOT NULL ORDER BY u.ts DESC LIMIT 1) AS \"u\" ON true");
    // without ORDER BY: the newest row of the key's index (the planner picks it)
    EXPECT_EQ(tr("SELECT t.x, u.y FROM t last join u on t.k = u.k and u.y > 3;"),
              "SELECT t.x, u.y FROM t LEFT JOIN LATERAL (SELECT * FROM u WHERE (t.k IS NOT DISTINCT FROM u.k and u.y > 3) "
              "LIMIT 1) AS \"u\" ON true;");
    // only column = column conjuncts between the two tables: NULL keys match, as in OpenMLDB's index lookup
    EXPECT_NE(tr("SELECT t.x FROM t LAST JOIN u ON t.k=u.k AND (u.y = t.x OR u.y = 1) AND u.z = 3")
                  .find("WHERE (t.k IS NOT DISTINCT FROM u.k AND (u.y = t.x OR u.y = 1) AND u.z = 3)"),
              std::string::npos);
    // aliases, chains, `==`, backquotes, a window after the joins
    std::string q = tr("SELECT t.x, v.y, sum(t.x) OVER w AS s FROM t LAST JOIN u AS v ON t.k == v.k "
                       "LAST JOIN `dim` ORDER BY `dim`.ts ON `dim`.id = v.y "
                       "WINDOW w AS (PARTITION BY t.k ORDER BY t.ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)");
    EXPECT_NE(q.find("LEFT JOIN LATERAL (SELECT * FROM u v WHERE (t.k IS NOT DISTINCT FROM v.k) LIMIT 1) AS \"v\" ON true"),
              std::string::npos) << q;
    EXPECT_NE(q.find("LEFT JOIN LATERAL (SELECT * FROM \"dim\" WHERE (\"dim\".id IS NOT DISTINCT FROM v.y) AND (\"dim\".ts) IS NOT NULL "
                     "ORDER BY \"dim\".ts DESC LIMIT 1) AS \"dim\" ON true WINDOW w AS (PARTITION BY t.k"),
              std::string::npos) << q;
    EXPECT_EQ(tr("SELECT t.x FROM t LAST JOIN (select c1 as k, c2 from u where c1 != 'a') AS v ORDER BY v.c2 ON t.k = v.k"),
              "SELECT t.x FROM t LEFT JOIN LATERAL (SELECT * FROM (select c1 as k, c2 from u where c1 != 'a') v WHERE "
              "(t.k IS NOT DISTINCT FROM v.k) AND (v.c2) IS NOT NULL ORDER BY v.c2 DESC LIMIT 1) AS \"v\" ON true");
    EXPECT_EQ(err("SELECT t.x FROM t LAST JOIN (SELECT * FROM u) ON t.k = v.k").substr(0, 6), "42601|");
    // LAST JOINs of a LAST JOIN subquery: translated inside it, innermost first
    EXPECT_EQ(tr("SELECT t.x FROM t LAST JOIN (SELECT u.*, w.y FROM u LAST JOIN w ON u.k = w.k) v ON t.k = v.k"),
              "SELECT t.x FROM t LEFT JOIN LATERAL (SELECT * FROM (SELECT u.*, w.y FROM u LEFT JOIN LATERAL (SELECT * "
              "FROM w WHERE (u.k IS NOT DISTINCT FROM w.k) LIMIT 1) AS \"w\" ON true) v WHERE (t.k IS NOT DISTINCT FROM "
              "v.k) LIMIT 1) AS \"v\" ON true");
    q = tr("select t.x from t last join (select u.k, w.z from u last join (select w.*, z.a as z from w last join z "
           "order by z.ts on w.k = z.k) w on u.k = w.k last join y on u.k = y.k) v order by v.ts on t.k = v.k "
           "last join y2 on v.k = y2.k");
    EXPECT_NE(q.find("(select w.*, z.a as z from w LEFT JOIN LATERAL (SELECT * FROM z WHERE (w.k IS NOT DISTINCT FROM "
                     "z.k) AND (z.ts) IS NOT NULL ORDER BY z.ts DESC LIMIT 1) AS \"z\" ON true) w WHERE (u.k IS NOT "
                     "DISTINCT FROM w.k) LIMIT 1) AS \"w\" ON true LEFT JOIN LATERAL (SELECT * FROM y WHERE (u.k IS NOT "
                     "DISTINCT FROM y.k) LIMIT 1) AS \"y\" ON true) v WHERE (t.k IS NOT DISTINCT FROM v.k) AND (v.ts) IS "
                     "NOT NULL ORDER BY v.ts DESC LIMIT 1) AS \"v\" ON true LEFT JOIN LATERAL (SELECT * FROM y2 WHERE "
                     "(v.k IS NOT DISTINCT FROM y2.k) LIMIT 1) AS \"y2\" ON true"),
              std::string::npos) << q;
    // an unqualified name both sides have is the left table's (OpenMLDB's rule): a column of the
    // deployment's table in the select list is qualified with its name (or alias), others are left
    fe::OrderTypeOf cols = [](const std::string &c) {
        return c == "id" || c == "k" || c == "ts" ? OrderType::kEpochMs : OrderType::kNotAColumn;
    };
    EXPECT_EQ(fe::translate_openmldb("select id, y, sum(k) over w as s, u.id as uid, (select max(id) from z) as m "
                                     "from t1 as a last join u on a.k = u.k window w as (partition by k order by ts "
                                     "rows between 2 preceding and current row)",
                                     cols),
              "select a.id, y, feature_ext.sum_where(a.k, true) over w as s, u.id as uid, (select max(id) from z) as m "
              "from t1 as a LEFT JOIN LATERAL (SELECT * FROM u WHERE (a.k IS NOT DISTINCT FROM u.k) LIMIT 1) AS \"u\" ON "
              "true window w as (partition by k order by ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)");
    EXPECT_EQ(fe::translate_openmldb("select id, y from t1", cols), "select id, y from t1");  // (no join: as written)
    // ... but not in another subquery, nor a subquery with another join
    EXPECT_EQ(err("SELECT t.x, (SELECT 1 FROM u LAST JOIN w ON u.k = w.k) AS one FROM t").substr(0, 6), "0A000|");
    EXPECT_EQ(err("SELECT t.x FROM t LAST JOIN (SELECT u.* FROM u JOIN w ON u.k = w.k) v ON t.k = v.k").substr(0, 6),
              "0A000|");
    // a LAST JOIN subquery's own window: translated, its ROWS_RANGE offset by the type of the
    // subquery table's order column ("u.ts"), EXCLUDE CURRENT_TIME dropping the row itself too
    fe::OrderTypeOf two = [](const std::string &c) {
        return c == "u.ts" ? OrderType::kTimestamp : c == "ts" ? OrderType::kEpochMs : OrderType::kNotAColumn;
    };
    EXPECT_EQ(fe::translate_openmldb("SELECT t.x FROM t LAST JOIN (SELECT k, sum(x) OVER w AS s FROM u WINDOW w AS "
                                     "(PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW "
                                     "EXCLUDE CURRENT_TIME)) v ON t.k = v.k WINDOW w AS (PARTITION BY k ORDER BY ts "
                                     "ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME)",
                                     two),
              "SELECT t.x FROM t LEFT JOIN LATERAL (SELECT * FROM (SELECT k, feature_ext.sum_where(x, true) OVER w AS s "
              "FROM u WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1 seconds' PRECEDING AND "
              "CURRENT ROW EXCLUDE GROUP)) v WHERE (t.k IS NOT DISTINCT FROM v.k) LIMIT 1) AS \"v\" ON true WINDOW w "
              "AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 1000 PRECEDING AND CURRENT ROW EXCLUDE TIES)");
    EXPECT_EQ(fe::openmldb_join_subquery_tables("SELECT t.x FROM t LAST JOIN (SELECT k FROM s1.u) v ON t.k = v.k "
                                                "LAST JOIN (select * from `W`) x on t.k = x.k"),
              (std::vector<std::string>{"s1.u", "W"}));
    // ... its UNION other than a window's stays refused
    EXPECT_EQ(err("SELECT t.x FROM t LAST JOIN (SELECT k FROM u UNION ALL SELECT k FROM w) v ON t.k = v.k")
                  .substr(0, 6),
              "0A000|");
    EXPECT_EQ(err("SELECT t.x FROM t LAST JOIN u ORDER BY u.ts").substr(0, 6), "42601|");
    EXPECT_EQ(err("SELECT t.x FROM t LAST JOIN u ORDER BY u.ts DESC ON t.k = u.k").substr(0, 6), "42601|");
}

TEST(Dialect, Refusals)
{
    // computed union columns translate (UnionComputed), so does a union subquery with a LAST JOIN
    // (UnionSubqueryLastJoin); a union subquery with another join, a computed
    // column without AS, and a FROM subquery computing the deployment's columns are refused
    EXPECT_EQ(err("SELECT sum(x) OVER w FROM t WINDOW w AS (UNION (SELECT a AS x FROM t2 JOIN t3 ON t2.k = t3.k) "
                  "PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)").substr(0, 6),
              "0A000|");
    EXPECT_EQ(err("SELECT sum(x) OVER w FROM t WINDOW w AS (UNION (SELECT k, ts, bigint(a) FROM t2) PARTITION BY k "
                  "ORDER BY ts ROWS 2 PRECEDING)").substr(0, 6),
              "0A000|");
    // (a FROM subquery computing columns is translated, see FromSubqueryComputed)
    EXPECT_EQ(err(kHead + "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW)", OrderType::kOther).substr(0, 6), "0A000|");
    EXPECT_EQ(err(kHead + "ROWS BETWEEN 3s PRECEDING AND CURRENT ROW)").substr(0, 6), "42601|");
    EXPECT_EQ(err("SELECT `a FROM t").substr(0, 6), "42601|");
    // (a negative offset is OpenMLDB's bound past the current row: translated, see NegativeOffsets)
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 2 PRECEDING AND -1 PRECEDING)").find("2 PRECEDING AND 1 FOLLOWING"),
              std::string::npos);
}

// WINDOW ... UNION (SELECT ..., bigint(c4str) AS c4, date("2020-10-01") AS c8 FROM t2)
// (test_window_union.yaml 14): OpenMLDB's cast functions as CAST, the entries as window_union()'s text
TEST(Dialect, UnionComputed)
{
    std::string q = tr("SELECT sum(c4) OVER w1 AS s FROM t1 WINDOW w1 AS (UNION (select id, c3, bigint(c4str) as c4, "
                       "date(\"2020-10-01\") as c8, cast(\"2020-10-01\" as date) as c9, string(int(x) + 1) AS s, "
                       "c7 from t2) PARTITION BY t1.c3 ORDER BY t1.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW "
                       "INSTANCE_NOT_IN_WINDOW)");
    EXPECT_NE(q.find("feature_ext.window_union('t2'::regclass, 'id, c3, CAST(c4str AS bigint) AS c4, "
                     "CAST(''2020-10-01'' AS date) AS c8, cast(''2020-10-01'' as date) AS c9, "
                     "CAST(CAST(x AS integer) + 1 AS text) AS s, c7')"),
              std::string::npos)
        << q;
}

// WINDOW ... UNION (SELECT ... FROM t3 LAST JOIN t4 ... ON ...) (test_lastjoin_complex.yaml 3): the
// column list marks the LAST JOIN, the table is the third argument; without ON it stays refused
TEST(Dialect, UnionSubqueryLastJoin)
{
    std::string q = tr("SELECT sum(t2.d4) OVER w1 AS s FROM t1 LAST JOIN t2 ORDER BY t2.d7 ON t1.c1 = t2.d1 WINDOW w1 AS "
                       "(UNION (select id, c1, c7, d1, d4 from t3 last join t4 ORDER BY t4.d7 on t3.c1 = t4.d1) "
                       "PARTITION BY t1.c1 ORDER BY t1.c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)");
    EXPECT_NE(q.find("feature_ext.window_union('t3'::regclass, 'id, c1, c7, d1, d4, last join t4', 't4'::regclass)"),
              std::string::npos)
        << q;
    EXPECT_EQ(err("SELECT sum(c4) OVER w1 AS s FROM t1 WINDOW w1 AS (UNION (select id, c1 from t3 last join t4) "
                  "PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)").substr(0, 6), "0A000|");
    EXPECT_EQ(err("SELECT sum(c4) OVER w1 AS s FROM t1 WINDOW w1 AS (UNION (select id, c1 from t3 where c1 > 1) "
                  "PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)").substr(0, 6), "0A000|");
}

TEST(Dialect, Lexical)
{
    EXPECT_EQ(tr("SELECT `id`, `val1`, count(val1) OVER w AS n, FROM `t1` WINDOW w AS (PARTITION BY `g` ORDER BY `ts` "
                 "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"),
              "SELECT \"id\", \"val1\", count(val1) OVER w AS n FROM \"t1\" WINDOW w AS (PARTITION BY \"g\" ORDER BY \"ts\" "
              "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)");
    EXPECT_EQ(tr("SELECT case when c1 == \"a'a\" then 1 end FROM t"), "SELECT case when c1 = 'a''a' then 1 end FROM t");
    EXPECT_EQ(fe::openmldb_table("SELECT a, b FROM `T1` WINDOW w AS (PARTITION BY a ORDER BY b)"), "T1");
    EXPECT_EQ(fe::openmldb_table("select x from S.Tab"), "s.tab");
    EXPECT_EQ(fe::openmldb_table("select (select 1 from z) from tab"), "tab");
}

TEST(Dialect, Functions)
{
    std::string w = " FROM t WINDOW w AS (PARTITION BY t.c1 ORDER BY t.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW "
                    "EXCLUDE CURRENT_ROW)";
    std::string r = tr("SELECT avg(c3) OVER w AS a, distinct_count(c1) OVER w AS d, min(c3) OVER w AS m, "
                       "count(*) OVER w AS n, first_value(c3) OVER w AS f, last_value(c3) OVER w AS l" + w);
    EXPECT_NE(r.find("feature_ext.avg_where(c3, true) OVER w"), std::string::npos) << r;
    EXPECT_NE(r.find("feature_ext.distinct_count(c1) OVER w"), std::string::npos) << r;
    EXPECT_NE(r.find("min(c3) OVER w"), std::string::npos) << r;
    EXPECT_NE(r.find("count(*) OVER w"), std::string::npos) << r;
    EXPECT_NE(r.find("feature_ext.nth_value_where(c3, 1, true) OVER w"), std::string::npos) << r;
    EXPECT_NE(r.find("feature_ext.latest_value(c3) OVER w"), std::string::npos) << r;
    r = tr("SELECT lag(c4, 2) OVER w AS l, at(c4, 2) OVER w AS a, count_where(*, c3 > 1) OVER w AS c" + w);
    EXPECT_NE(r.find("feature_ext.at(c4, 2) OVER \"w__lag2\" AS l, feature_ext.at(c4, 2) OVER \"w__lag2\" AS a"),
              std::string::npos) << r;
    EXPECT_NE(r.find("feature_ext.count_where(c3 > 1)"), std::string::npos) << r;
    EXPECT_NE(r.find("EXCLUDE CURRENT ROW), \"w__lag2\" AS (PARTITION BY t.c1 ORDER BY t.c7 ROWS BETWEEN 2 PRECEDING "
                     "AND CURRENT ROW)"),
              std::string::npos) << r;
    EXPECT_EQ(err("SELECT lag(c4, x) OVER w" + w).substr(0, 6), "0A000|");
    EXPECT_EQ(tr("SELECT feature_ext.sum_where(a, b) FROM t"), "SELECT feature_ext.sum_where(a, b) FROM t");
}

TEST(Dialect, OffsetsOutOfRange)
{
    // 213503982335 days are beyond int64 microseconds (and milliseconds): 22003, not a wrapped offset.
    for (const char *q : {"ROWS_RANGE BETWEEN 213503982335d PRECEDING AND CURRENT ROW)",
                          "ROWS_RANGE BETWEEN 99999999999999999999 PRECEDING AND CURRENT ROW)",
                          "ROWS BETWEEN 99999999999999999999 PRECEDING AND CURRENT ROW)"}) {
        try {
            fe::translate_openmldb(kHead + q, fe::OrderType::kTimestamp);
            ADD_FAILURE() << q;
        } catch (const fe::DialectError &e) {
            EXPECT_STREQ(e.sqlstate(), "22003") << q;
        }
    }
    // The largest representable day count still translates.
    EXPECT_NE(fe::translate_openmldb(kHead + "ROWS_RANGE BETWEEN 106751991d PRECEDING AND CURRENT ROW)",
                                     fe::OrderType::kTimestamp)
                  .find("2562047784 hours"),
              std::string::npos);
}

TEST(Dialect, OverParenthesisedName)
{
    // OpenMLDB's documentation writes sum(x) OVER (w1) for a named window with a frame.
    std::string q = "SELECT card_id, sum(amount) OVER (w1) AS s FROM txn WINDOW w1 AS (PARTITION BY card_id "
                    "ORDER BY txn_time ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW)";
    std::string out = tr(q);
    EXPECT_NE(out.find("OVER w1 AS s"), std::string::npos) << out;
    EXPECT_EQ(out.find("OVER (w1)"), std::string::npos) << out;
    // An inline window is left alone.
    std::string inl = tr("SELECT sum(amount) OVER (PARTITION BY card_id ORDER BY txn_time ROWS_RANGE BETWEEN 3d "
                         "PRECEDING AND CURRENT ROW) AS s FROM txn");
    EXPECT_NE(inl.find("OVER (PARTITION BY"), std::string::npos) << inl;
}

TEST(Dialect, NegativeOffsets)
{
    // OpenMLDB's -n PRECEDING is n FOLLOWING (PostgreSQL rejects negative offsets, so it is a sign of the dialect).
    std::string q = kHead + "ROWS BETWEEN 2 PRECEDING AND -1 PRECEDING)";
    EXPECT_EQ(fe::openmldb_signal(q), 2);
    EXPECT_NE(tr(q).find("ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING"), std::string::npos) << tr(q);
    EXPECT_NE(tr(kHead + "ROWS BETWEEN -3 FOLLOWING AND CURRENT ROW)").find("ROWS BETWEEN 3 PRECEDING AND CURRENT ROW"),
              std::string::npos);
    EXPECT_EQ(fe::openmldb_signal(kHead + "RANGE BETWEEN INTERVAL '-1 day' PRECEDING AND CURRENT ROW)"), 0);
}


// WINDOW w AS (UNION t2[, t3] ...) and INSTANCE_NOT_IN_WINDOW: deploy-only
// modifiers in PARTITION BY, union tables in the order written.
TEST(Dialect, WindowUnion)
{
    EXPECT_EQ(tr("SELECT id, sum(c4) OVER w1 AS s FROM t1 WINDOW w1 AS (UNION t2 PARTITION BY t1.c3 ORDER BY t1.c7 "
                 "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"),
              "SELECT id, feature_ext.sum_where(c4, true) OVER w1 AS s FROM t1 WINDOW w1 AS (PARTITION BY t1.c3 , "
              "feature_ext.window_union('t2'::regclass) ORDER BY t1.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)");
    EXPECT_EQ(tr("SELECT id, count(v) OVER w AS n FROM (select * from t1) WINDOW w AS (UNION `T2`, (select * from s.t3) "
                 "PARTITION BY g ORDER BY ts ROWS_RANGE BETWEEN 2s PRECEDING AND 0s PRECEDING INSTANCE_NOT_IN_WINDOW)"),
              "SELECT id, count(v) OVER w AS n FROM t1 WINDOW w AS (PARTITION BY g , feature_ext.window_union("
              "'\"T2\"'::regclass), feature_ext.window_union('s.t3'::regclass), feature_ext.instance_not_in_window() "
              "ORDER BY ts RANGE BETWEEN 2000 PRECEDING AND 0 PRECEDING)");
    // with MAXSIZE and EXCLUDE CURRENT_TIME on a ROWS frame: all modifiers in one list
    EXPECT_EQ(tr("SELECT sum(v) OVER w AS s FROM t WINDOW w AS (UNION u PARTITION BY g ORDER BY ts "
                 "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME)"),
              "SELECT feature_ext.sum_where(v, true) OVER w AS s FROM t WINDOW w AS (PARTITION BY g , "
              "feature_ext.window_union('u'::regclass), feature_ext.exclude_current_time() ORDER BY ts "
              "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)");
    // a column list with renames (test_window_union.yaml 4): the list as window_union()'s text
    EXPECT_NE(tr("SELECT sum(c4) OVER w1 AS s FROM t1 WINDOW w1 AS (UNION (select id, c1, `C9` as c8 from t2) "
                 "PARTITION BY t1.c3 ORDER BY t1.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)")
                  .find("feature_ext.window_union('t2'::regclass, 'id, c1, \"C9\" AS c8')"),
              std::string::npos);
    EXPECT_EQ(err("SELECT sum(x) OVER w FROM t WINDOW w AS (UNION t2, (select a from t2) PARTITION BY k ORDER BY ts "
                  "ROWS 2 PRECEDING)").substr(0, 6),
              "42710|");
    // lag() reads the union too
    std::string lag = tr("SELECT lag(v, 1) OVER w AS l FROM t WINDOW w AS (UNION u PARTITION BY g ORDER BY ts "
                         "ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW)");
    EXPECT_NE(lag.find("\"w__lag1\" AS (PARTITION BY g, feature_ext.window_union('u'::regclass) ORDER BY ts ROWS"),
              std::string::npos) << lag;
    // INSTANCE_NOT_IN_WINDOW without UNION: the request row alone
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)")
                  .find("PARTITION BY c1 , feature_ext.instance_not_in_window() ORDER BY c7"),
              std::string::npos);
    EXPECT_EQ(fe::openmldb_table("SELECT a FROM (select * from `t1`) WINDOW w AS (PARTITION BY k ORDER BY ts)"), "t1");
    EXPECT_EQ(err("SELECT sum(x) OVER w FROM t WINDOW w AS (UNION t2, (select * from t2) PARTITION BY k ORDER BY ts "
                  "ROWS 2 PRECEDING)").substr(0, 6),
              "42710|");
    EXPECT_EQ(err("SELECT sum(x) OVER w FROM t WINDOW w AS (UNION PARTITION BY k ORDER BY ts ROWS 2 PRECEDING)")
                  .substr(0, 6),
              "42601|");
}

// OpenMLDB's isnull(x) and prefix ! (test_window_union.yaml 16-2, 36)
TEST(Dialect, IsNullAndNot)
{
    EXPECT_EQ(tr("SELECT CASE WHEN !isnull(c4) THEN 1 ELSE 0 END AS x, count(c4) OVER w AS n FROM t "
                 "WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW)"),
              "SELECT CASE WHEN NOT ((c4) IS NULL) THEN 1 ELSE 0 END AS x, count(c4) OVER w AS n FROM t "
              "WINDOW w AS (PARTITION BY c1 ORDER BY c7 RANGE BETWEEN 3000 PRECEDING AND CURRENT ROW)");
    EXPECT_NE(tr(kHead + "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW) -- a != b").find("a != b"), std::string::npos);
}

// FROM (select id, int(c3f) as c3, timestamp(c7str) as c7 ... from t1)
// (test_window_union.yaml 14-2..14-4): cast functions as CAST, the table's
// name as the alias; a computed order column's type from its cast (ROWS_RANGE)
TEST(Dialect, FromSubqueryComputed)
{
    std::string q = tr("SELECT id, sum(c4) OVER w AS s FROM (select id, int(c3f) as c3, c4, timestamp(c7str) as c7 "
                       "from t1) WINDOW w AS (UNION (select id, c3, c4, c7 from t2) PARTITION BY c3 ORDER BY c7 "
                       "ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW INSTANCE_NOT_IN_WINDOW)",
                       OrderType::kOther);
    EXPECT_NE(q.find("CAST(c3f AS integer) as c3"), std::string::npos) << q;
    EXPECT_NE(q.find("CAST(c7str AS timestamp) as c7"), std::string::npos) << q;
    EXPECT_NE(q.find("from t1) AS t1"), std::string::npos) << q;
    EXPECT_NE(q.find("INTERVAL"), std::string::npos) << q;  // c7 is a timestamp: the offset as an interval
    EXPECT_NE(q.find("feature_ext.instance_not_in_window()"), std::string::npos) << q;
    // cast(x as int): PostgreSQL's own CAST, an integer order column (epoch ms)
    std::string q2 = tr("SELECT sum(v) OVER w FROM (select k, cast(tsf as bigint) as ts2, v from t) WINDOW w AS "
                        "(PARTITION BY k ORDER BY ts2 ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW)",
                        OrderType::kOther);
    EXPECT_NE(q2.find("3000 PRECEDING"), std::string::npos) << q2;
    // an alias written is kept
    EXPECT_NE(tr("SELECT sum(v) OVER w FROM (select k, ts, int(vf) as v from t) s WINDOW w AS (PARTITION BY k "
                 "ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)")
                  .find("from t) s WINDOW"),
              std::string::npos);
}

// FROM (SELECT t1.id, t2.c3 FROM t1 LAST JOIN t2 ... ON ...) AS s LAST JOIN t3
// (integration_test test_lastjoin_complex.yaml 11): the subquery's join is
// lifted into the query, s.x becomes the column x stands for
TEST(Dialect, FromSubqueryLastJoinLifted)
{
    std::string q = tr("select s.id, s.c1, s.c3, t3.c4 from (select t1.id, t1.c1, t2.c3 from t1 last join t2 "
                       "ORDER BY t2.c7 on t1.c1 = t2.c1) as s last join t3 ORDER BY t3.c7 on s.c3 = t3.c3");
    EXPECT_EQ(q.find("s.c3"), std::string::npos) << q;
    EXPECT_NE(q.find("select t1.id, t1.c1, t2.c3, t3.c4 from t1 LEFT JOIN LATERAL"), std::string::npos) << q;
    EXPECT_NE(q.find("t2.c3 IS NOT DISTINCT FROM t3.c3"), std::string::npos) << q;
    // a renamed entry keeps its name in the select list
    std::string r = tr("select s.id, s.x from (select t1.id, t2.c3 as x from t1 last join t2 ORDER BY t2.c7 "
                       "on t1.c1 = t2.c1) s");
    EXPECT_NE(r.find("t2.c3 AS \"x\""), std::string::npos) << r;
    // unqualified names of its columns, in the window too (11-3)
    std::string w = tr("select id, c3, sum(c3) OVER w1 as s from (select t1.id as id, t2.c3 as c3, t1.c7 as c7 from t1 "
                       "last join t2 ORDER BY t2.c7 on t1.c1 = t2.c1) as s WINDOW w1 AS (PARTITION BY id ORDER BY c7 "
                       "ROWS_RANGE BETWEEN 1s PRECEDING AND CURRENT ROW)");
    EXPECT_NE(w.find("select t1.id, t2.c3, feature_ext.sum_where(t2.c3, true) OVER w1"), std::string::npos) << w;
    EXPECT_NE(w.find("PARTITION BY t1.id ORDER BY t1.c7"), std::string::npos) << w;
    // names inside another subquery are its own
    std::string o = tr("select s.id, x.c3 from (select t1.id, t2.c3 from t1 last join t2 ORDER BY t2.c7 on t1.c1 = "
                       "t2.c1) as s last join (select c3, c7 from t3) x ORDER BY x.c7 on s.c3 = x.c3");
    EXPECT_NE(o.find("(SELECT * FROM (select c3, c7 from t3)"), std::string::npos) << o;
    // an unqualified entry (ambiguous between the joined tables, 11-2): not lifted
    EXPECT_EQ(err("select s.id from (select id from t1 last join t2 ORDER BY t2.c7 on t1.c1 = t2.c1) s").substr(0, 6),
              "0A000|");
    // a reference to a column the subquery does not select
    EXPECT_EQ(err("select s.nope from (select t1.id from t1 last join t2 ORDER BY t2.c7 on t1.c1 = t2.c1) s")
                  .substr(0, 6),
              "42703|");
}
