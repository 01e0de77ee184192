// feature_ext from pgJDBC (Debian's libpostgresql-jdbc-java, 42.5), as
// docs/CLIENTS.md shows.  Run with the source launcher:
//   java -Duser.timezone=UTC -cp /usr/share/java/postgresql.jar JdbcClient.java PORT [PGBOUNCER_PORT]
// With PORT: server-side prepared statements (prepareThreshold=1) for the
// column form, the row form, batch and the composite form; every value and its
// Java type checked; setString for a timestamptz argument fails with 42883,
// setObject(OffsetDateTime) and stringtype=unspecified work.
// With PGBOUNCER_PORT: the guide's settings through PgBouncer in transaction
// mode (prepareThreshold=0), two connections interleaved.
// Prints "ok jdbc" or the failures, exit 1.
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

public class JdbcClient {
    static final List<String> failures = new ArrayList<>();
    static final String[] NAMES = {"k", "cnt", "sum_i", "sum_b", "max_b", "min_i", "sum_f", "avg_f",
                                   "avg_i", "sum_n", "max_seen", "prev_t"};
    static Timestamp ts(String iso) { return Timestamp.from(Instant.parse(iso)); }
    // getObject() of the request's features (key 'a': two stored rows + the request)
    static final Object[] WANT = {"a", 3L, 6L, new BigDecimal("9007199254740998"), 9007199254740993L, 1,
        0.6000000000000001, 0.20000000000000004, new BigDecimal("2.0000000000000000"),
        new BigDecimal("3.306"), ts("2024-03-01T12:00:00.999999Z"), "y"};
    static final Object[][] WANT_BATCH = {
        {"a", 1L, 1L, new BigDecimal("9007199254740993"), 9007199254740993L, 1, 0.1, 0.1,
         new BigDecimal("1.00000000000000000000"), new BigDecimal("1.10"), ts("2024-03-01T10:00:00.000001Z"), null},
        {"a", 2L, 3L, new BigDecimal("9007199254740995"), 9007199254740993L, 1, 0.30000000000000004,
         0.15000000000000002, new BigDecimal("1.5000000000000000"), new BigDecimal("3.305"),
         ts("2024-03-01T10:01:00.5Z"), "x"},
        {"b", 1L, 7L, new BigDecimal("-5"), -5L, 7, 1.5, 1.5, new BigDecimal("7.0000000000000000"),
         new BigDecimal("0"), ts("2024-03-01T09:00:00Z"), null}};
    static final String COMPOSITE = "(a,3,6,9007199254740998,9007199254740993,1,0.6000000000000001,"
        + "0.20000000000000004,2.0000000000000000,3.306,\"2024-03-01 12:00:00.999999+00\",y)";

    static String desc(Object o) { return o == null ? "null" : o + " (" + o.getClass().getName() + ")"; }

    /** Value and exact Java class; BigDecimal.equals also compares the scale. */
    static void check(String what, Object got, Object want) {
        boolean ok = want == null ? got == null
            : got != null && got.getClass() == want.getClass() && got.equals(want);
        if (!ok) failures.add(what + ": got " + desc(got) + ", want " + desc(want));
    }

    static void checkRow(String what, ResultSet rs, Object[] want) throws SQLException {
        if (!rs.next()) { failures.add(what + ": no row"); return; }
        int n = rs.getMetaData().getColumnCount();
        if (n != want.length) failures.add(what + ": " + n + " columns, want " + want.length);
        for (int i = 0; i < want.length; i++)
            check(what + "." + NAMES[i], rs.getObject(i + 1), want[i]);
    }

    static void checkOne(String what, PreparedStatement ps, Object[] want) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            checkRow(what, rs, want);
            if (rs.next()) failures.add(what + ": more than one row");
        }
    }

    // --- guide: jdbc-bind
    static void bind(PreparedStatement ps) throws SQLException {
        ps.setString(1, "a");
        ps.setInt(2, 3);
        ps.setLong(3, 3L);
        ps.setDouble(4, 0.3);
        ps.setBigDecimal(5, new BigDecimal("0.001"));
        ps.setString(6, "z");
        ps.setObject(7, OffsetDateTime.parse("2024-03-01T12:00:00.999999Z"));  // not setString (42883)
        ps.setObject(8, OffsetDateTime.parse("2024-03-01T12:00:00.654321Z"));
    }
    // --- end

    static void direct(String port) throws SQLException {
        // --- guide: jdbc
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&prepareThreshold=1";
        try (Connection conn = DriverManager.getConnection(url);
             PreparedStatement cols = conn.prepareStatement(
                 "SELECT * FROM fe_clients(?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement row = conn.prepareStatement(
                 "SELECT * FROM fe_clients(ROW(?, ?, ?, ?, ?, ?, ?, ?)::ev)");
             PreparedStatement batch = conn.prepareStatement(
                 "SELECT * FROM fe_clients_batch(?) ORDER BY k, cnt")) {
            bind(cols);
            try (ResultSet rs = cols.executeQuery()) {
                rs.next();
                long cnt = rs.getLong("cnt");                        // bigint
                BigDecimal sumB = rs.getBigDecimal("sum_b");         // numeric
                double sumF = rs.getDouble("sum_f");                 // float8
                OffsetDateTime seen = rs.getObject("max_seen", OffsetDateTime.class);  // microseconds kept
        // --- end
                check("getLong(cnt)", cnt, 3L);
                check("getBigDecimal(sum_b)", sumB, new BigDecimal("9007199254740998"));
                check("getDouble(sum_f)", sumF, 0.6000000000000001);
                check("getObject(max_seen, OffsetDateTime)", seen, OffsetDateTime.parse("2024-03-01T12:00:00.999999Z"));
                check("getLong(max_b)", rs.getLong("max_b"), 9007199254740993L);
                check("getInt(min_i)", rs.getInt("min_i"), 1);
                check("getTimestamp(max_seen).getNanos()", rs.getTimestamp("max_seen").getNanos(), 999999000);
                check("getString(k)", rs.getString("k"), "a");
                check("getString(prev_t)", rs.getString("prev_t"), "y");
            }
            for (int i = 1; i <= 4; i++) {          // the cached plans, again
                checkOne("columns call " + i, cols, WANT);
                bind(row);
                checkOne("row form call " + i, row, WANT);
            }
            batch.setString(1, "ev");
            try (ResultSet rs = batch.executeQuery()) {
                for (int i = 0; i < WANT_BATCH.length; i++) checkRow("batch[" + i + "]", rs, WANT_BATCH[i]);
                if (rs.next()) failures.add("batch: more rows than expected");
            }
            // --- guide: jdbc-composite
            try (PreparedStatement one = conn.prepareStatement("SELECT fe_clients(?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(one);
                try (ResultSet rs = one.executeQuery()) {
                    rs.next();
                    String text = rs.getString(1);   // "(a,3,6,...)"; getObject gives a PGobject
            // --- end
                    check("SELECT fe_clients(...)", text, COMPOSITE);
                    check("SELECT fe_clients(...) getObject class", rs.getObject(1).getClass().getName(),
                          "org.postgresql.util.PGobject");
                }
            }
            // server-side prepared statements on this connection
            try (ResultSet rs = conn.createStatement().executeQuery(
                     "SELECT string_agg(statement, ' | ') FROM pg_prepared_statements WHERE NOT from_sql")) {
                rs.next();
                String s = String.valueOf(rs.getString(1));
                for (String frag : new String[]{"fe_clients($1", "fe_clients(ROW($1", "fe_clients_batch($1"})
                    if (!s.contains(frag)) failures.add("no server-side prepared statement with " + frag + ": " + s);
            }
            // in the row form the cast ::ev converts each field: setString works there
            try (PreparedStatement rowStr = conn.prepareStatement(
                     "SELECT * FROM fe_clients(ROW(?, ?, ?, ?, ?, ?, ?, ?)::ev)")) {
                bind(rowStr);
                rowStr.setString(7, "2024-03-01 12:00:00.999999+00");
                rowStr.setString(8, "2024-03-01 12:00:00.654321+00");
                checkOne("row form with setString(timestamptz)", rowStr, WANT);
            }
            // setString for a timestamptz argument: the varchar does not resolve the function
            try (PreparedStatement bad = conn.prepareStatement("SELECT * FROM fe_clients(?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(bad);
                bad.setString(7, "2024-03-01 12:00:00.999999+00");
                bad.executeQuery().close();
                failures.add("setString(timestamptz) resolved the function");
            } catch (SQLException e) {
                check("setString(timestamptz) SQLSTATE", e.getSQLState(), "42883");
            }
        }
        redeploys(port);
        // --- guide: jdbc-stringtype
        String lenient = "jdbc:postgresql://127.0.0.1:" + port
            + "/postgres?user=postgres&prepareThreshold=1&stringtype=unspecified";
        try (Connection conn = DriverManager.getConnection(lenient);
             PreparedStatement cols = conn.prepareStatement("SELECT * FROM fe_clients(?, ?, ?, ?, ?, ?, ?, ?)")) {
            bind(cols);
            cols.setString(7, "2024-03-01 12:00:00.999999+00");   // sent untyped: the server infers timestamptz
            cols.setString(8, "2024-03-01 12:00:00.654321+00");
        // --- end
            checkOne("stringtype=unspecified setString(timestamptz)", cols, WANT);
        }
    }

    /** A redeploy that changes the result columns under a prepared SELECT *: pgJDBC
     *  re-prepares and retries in autocommit mode; inside a transaction the
     *  statement fails with 0A000 (cached plan must not change result type). */
    static void redeploys(String port) throws SQLException {
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&prepareThreshold=1";
        String w = " FROM ev WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)";
        String deploy = "SELECT feature_ext.deploy('fe_jdbc_redeploy', ?, '{\"replace\": true}')";
        try (Connection adm = DriverManager.getConnection(url); Connection conn = DriverManager.getConnection(url);
             PreparedStatement dep = adm.prepareStatement(deploy)) {
            dep.setString(1, "SELECT count(*) OVER w AS cnt" + w);
            dep.execute();
            try (PreparedStatement ps = conn.prepareStatement("SELECT * FROM fe_jdbc_redeploy(?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(ps);
                for (int i = 0; i < 2; i++) checkOne("before redeploy", ps, new Object[]{3L});
                dep.setString(1, "SELECT count(*) OVER w AS cnt, sum(i) OVER w AS sum_i" + w);
                dep.execute();
                checkOne("autocommit, feature added", ps, new Object[]{3L, 6L});
                conn.setAutoCommit(false);
                dep.setString(1, "SELECT count(*) OVER w AS cnt" + w);
                dep.execute();
                try {
                    ps.executeQuery().close();
                    failures.add("in a transaction, feature removed: no error");
                } catch (SQLException e) {
                    check("in a transaction, feature removed: SQLSTATE", e.getSQLState(), "0A000");
                }
                conn.rollback();
                checkOne("next transaction", ps, new Object[]{3L});
                conn.commit();
                conn.setAutoCommit(true);
            }
            adm.createStatement().execute("SELECT feature_ext.undeploy('fe_jdbc_redeploy')");
        }
    }

    static void pooled(String pgbPort) throws SQLException {
        // --- guide: jdbc-pgbouncer
        String url = "jdbc:postgresql://127.0.0.1:" + pgbPort + "/postgres?user=postgres&prepareThreshold=0";
        // --- end
        try (Connection a = DriverManager.getConnection(url); Connection b = DriverManager.getConnection(url);
             PreparedStatement pa = a.prepareStatement("SELECT * FROM fe_clients(?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement pb = b.prepareStatement("SELECT * FROM fe_clients(ROW(?, ?, ?, ?, ?, ?, ?, ?)::ev)")) {
            bind(pa);
            bind(pb);
            for (int i = 0; i < 8; i++) {       // past pgJDBC's default prepareThreshold (5)
                checkOne("pgbouncer a call " + i, pa, WANT);
                checkOne("pgbouncer b row form call " + i, pb, WANT);
            }
        }
    }

    public static void main(String[] args) {
        try {
            if (args.length > 1) pooled(args[1]); else direct(args[0]);
        } catch (Exception e) {
            failures.add(e.toString());
        }
        if (!failures.isEmpty()) {
            System.out.println("FAIL jdbc:\n  " + String.join("\n  ", failures));
            System.exit(1);
        }
        System.out.println("ok jdbc " + org.postgresql.util.DriverInfo.DRIVER_VERSION
                           + (args.length > 1 ? " via pgbouncer" : ""));
    }
}
