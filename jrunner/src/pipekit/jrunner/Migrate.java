package pipekit.jrunner;

import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

/** Migrate mode: stream the source query's rows into the destination table, by position, in one transaction,
 *  with the -post statements (a staging merge, say) in that same transaction. */
final class Migrate {
    /** A way of writing rows into the destination table. */
    interface Load {
        /** True when it wants typed values; false when it writes text. */
        boolean typed();

        /** Write every row; return how many the destination stored. */
        long load(Rows rows) throws Exception;

        /** The name printed in "N rows written (path)". */
        String path();
    }

    /** The destination columns loaded (the table's, or those -dcols names), as the destination describes them. */
    record Table(String name, String[] columns, int[] types, String[] typeNames, String[] quoted) {
        static Table describe(Connection c, String name, String columnList) throws SQLException {
            String select = columnList == null ? "*" : columnList;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT " + select + " FROM " + name + " WHERE 1=0")) {
                ResultSetMetaData md = rs.getMetaData();
                int n = md.getColumnCount();
                String q = c.getMetaData().getIdentifierQuoteString().strip();
                String[] columns = new String[n];
                int[] types = new int[n];
                String[] typeNames = new String[n];
                String[] quoted = new String[n];
                for (int i = 0; i < n; i++) {
                    columns[i] = md.getColumnName(i + 1);
                    types[i] = md.getColumnType(i + 1);
                    typeNames[i] = String.valueOf(md.getColumnTypeName(i + 1));
                    quoted[i] = q.isEmpty() ? columns[i] : q + columns[i].replace(q, q + q) + q;
                }
                return new Table(name, columns, types, typeNames, quoted);
            }
        }

        /** The first n quoted column names, comma separated. */
        String columnList(int n) {
            return String.join(", ", Arrays.copyOf(quoted, n));
        }
    }

    private Migrate() {}

    /** Called once the source's column count is known, before any row moves. */
    interface Ready {
        void ready(int width) throws SQLException;
    }

    /** Run pre on the destination and commit; when keysSql is given, write the destination keys (-kd)
     *  it lacks into the key table (Keys); load; run post; commit the keys, the load and post together. */
    static void run(Options o, String sql, String keysSql, List<String> pre, List<String> post, PrintStream out)
            throws Exception {
        Db.Flavor source = Db.flavor(o.sourceUrl);
        Db.Flavor dest = Db.flavor(o.destUrl);
        try (Connection src = open("source",
                 () -> Db.source(o.sourceUrl, o.sourceUser, o.sourcePassword, o.lockTimeout));
             Connection dst = open("destination",
                 () -> Db.dest(o.destUrl, o.destUser, o.destPassword, o.bulk, o.lockTimeout))) {
            try {
                if (!pre.isEmpty()) {
                    // Committed on their own: MariaDB commits DDL at once anyway, and a long load must
                    // not hold the locks of a CREATE SCHEMA that other modules' runs wait on.
                    Query.statements(dst, pre, "-pre statement ", "; nothing was loaded", false);
                    dst.commit();
                }
                if (keysSql != null) {
                    String destKeys = Main.readSql("-kd", List.of(o.keysDestFile)).get(0);
                    Keys.Found found;
                    try (Progress progress = new Progress(out)) {
                        found = Keys.missing(src, source, keysSql, dst, dest, destKeys, o.keysTable, o.trim, progress);
                    }
                    out.println(found.source() + " keys read");
                    out.println(found.inScope() + " destination keys in scope");
                    out.println(found.missing() + " keys missing at the source");
                }
                Table table = Table.describe(dst, o.destTable, o.destColumns);
                Ready ready = width -> {
                    checkWidth(width, table, o.destColumns, o.destTable);
                    if (o.clear) {
                        out.println(clear(dst, dest, o, table) + " rows cleared");
                    }
                };
                Loaded loaded = load(src, dst, source, dest, sql, table, o.sourceColumns, o, ready, out);
                long stored = loaded.rows();
                String path = loaded.path();
                // The source is read to the end: end its transaction now, so an SQLite source that is
                // the destination's own file does not hold a read lock while the load commits.
                Db.rollbackQuietly(src);
                if (o.count) {
                    count(dst, table.name(), stored, out);
                }
                List<Long> counts = Query.statements(dst, post, "-post statement ", "; the load was rolled back", true);
                if (o.confirm) {
                    printCounts(counts, out);
                    confirm(out);
                }
                try {
                    dst.commit();
                } catch (SQLException e) {
                    // A connection lost during the commit leaves its outcome to the server.
                    throw new SQLException("commit: " + Main.describe(e) + "; whether it took effect is unknown",
                        e.getSQLState(), e);
                }
                out.println(stored + " rows written (" + path + ")");
                if (!o.confirm) {
                    printCounts(counts, out);
                }
            } catch (Exception e) {
                Db.rollbackQuietly(dst);
                throw lost(src, dst, e);
            } finally {
                Db.rollbackQuietly(src);
            }
        }
    }

    /** The rows a load stored, and the path it took. */
    record Loaded(long rows, String path) {}

    /** Load sql's rows into table, through the COPY pipe where both ends are PostgreSQL, else JDBC. */
    private static Loaded load(Connection src, Connection dst, Db.Flavor source, Db.Flavor dest, String sql,
            Table table, String[] sourceColumns, Options o, Ready ready, PrintStream out) throws Exception {
        boolean pipe = o.bulk && source == Db.Flavor.POSTGRES && dest == Db.Flavor.POSTGRES && !o.trim;
        int[] pick = null;
        if (pipe && sourceColumns != null) {
            // COPY TO STDOUT names no column: check the labels first. The pipe copies every
            // column in order; any other choice of columns goes through JDBC instead.
            pick = SourceColumns.pick(sourceColumns, labels(src, sql), out);
            pipe = pick == null;
        }
        try (Progress progress = new Progress(out)) {
            if (pipe) {
                return new Loaded(CopyLoad.pipe(src, dst, sql, table, ready, progress), "copy");
            }
            Load load = chooseLoad(o.bulk, dest, dst, table);
            String[] expected = pick == null ? sourceColumns : null;
            long stored = rows(src, source, sql, pick, expected, load, o.trim, ready, progress, out);
            return new Loaded(stored, load.path());
        }
    }

    private static void checkWidth(int width, Table table, String columnList, String name) throws SQLException {
        if (width > table.columns().length) {
            throw new SQLException("the source query returns " + width + " columns but "
                + (columnList == null ? name + " has " : "-dcols names ")
                + table.columns().length + "; nothing was loaded");
        }
    }

    /** Count the loaded table in the load's transaction: a table holding other rows than those read
     *  (a trigger, a rule, a driver that dropped rows) fails the load before any -post statement. */
    private static void count(Connection dst, String table, long read, PrintStream out) throws SQLException {
        long staged;
        try (Statement st = dst.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            staged = rs.getLong(1);
        }
        out.println(read + " rows read");
        out.println(staged + " rows staged");
        if (staged != read) {
            throw new SQLException("counts: read " + read + " rows from the source but " + table + " holds "
                + staged + "; nothing was merged");
        }
    }

    private static void printCounts(List<Long> counts, PrintStream out) {
        for (int i = 0; i < counts.size(); i++) {
            out.println("-post statement " + (i + 1) + ": " + counts.get(i) + " rows");
        }
    }

    /** Ask the caller whether to commit: it has the counts and decides (a guard may refuse). Anything but
     *  "commit" on stdin, or its end, rolls the load and every -post statement back. */
    private static void confirm(PrintStream out) throws SQLException, IOException, InterruptedException {
        out.println(AWAITING_COMMIT);
        out.flush();
        String answer = Call.answer();
        if (!"commit".equals(answer)) {
            throw new SQLException("refused: the caller did not confirm the commit; the load was rolled back");
        }
    }

    static final String AWAITING_COMMIT = "awaiting commit";

    /** Opens a connection of one side. */
    interface Opener {
        Connection open() throws SQLException;
    }

    /** Open a connection; a failure says which side could not be reached. */
    static Connection open(String side, Opener opener) throws SQLException {
        try {
            return opener.open();
        } catch (SQLException e) {
            throw new SQLException("connecting to the " + side + ": " + Main.describe(e), e.getSQLState(), e);
        }
    }

    /** The load's failure, said to be a lost connection when one of the two no longer answers: a
     *  destination that went away mid-load is not the source's fault, nor a bad row. Failures that
     *  already name their step (a -pre/-post statement, the commit, the columns check) keep it. */
    private static Exception lost(Connection src, Connection dst, Exception e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (!(e instanceof SQLException) || message.startsWith("-pre statement")
                || message.startsWith("-post statement") || message.startsWith("commit:")
                || message.startsWith("source columns:") || message.startsWith("counts:")
                || message.startsWith("refused:")) {
            return e;
        }
        Db.rollbackQuietly(src);
        // The destination was rolled back, so a live one answers. A source stopped mid-read may not
        // answer although nothing was lost: it counts only with a connection error's SQLSTATE.
        String side = !answers(dst) ? "destination"
            : connectionError((SQLException) e) && !answers(src) ? "source" : null;
        if (side == null) {
            return e;
        }
        SQLException cause = (SQLException) e;
        return new SQLException("the " + side + " connection was lost: " + Main.describe(cause),
            cause.getSQLState(), cause);
    }

    /** Whether the error or one it wraps is a connection failure: SQLSTATE class 08, or 57P01-03
     *  (PostgreSQL's session ended by an administrator or a shutdown). */
    private static boolean connectionError(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().matches("57P0[123]"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean answers(Connection c) {
        try {
            return c.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Read the source query's rows through JDBC and hand them to load; return the rows stored. */
    private static long rows(Connection src, Db.Flavor source, String sql, int[] pick, String[] expected, Load load,
            boolean trim, Ready ready, Progress progress, PrintStream out) throws Exception {
        try (Statement st = src.createStatement()) {
            st.setFetchSize(Db.FETCH_SIZE);
            try (ResultSet rs = st.executeQuery(sql)) {
                ResultSetMetaData md = rs.getMetaData();
                if (expected != null) {
                    pick = SourceColumns.pick(expected, labels(md), out);
                }
                ready.ready(pick == null ? md.getColumnCount() : pick.length);
                try (Rows rows = new Rows(rs, pick, source, load.typed(), trim, progress)) {
                    long stored = load.load(rows);
                    if (stored != rows.count()) {
                        throw new SQLException("read " + rows.count() + " rows but the table took " + stored
                            + "; nothing was loaded");
                    }
                    return stored;
                } catch (Exception e) {
                    // Closing a streaming MariaDB result set reads it to the end; drop the connection instead.
                    Db.abortQuietly(src);
                    throw e;
                }
            }
        }
    }

    /** The column labels of sql's result, described without running it. */
    private static String[] labels(Connection src, String sql) throws SQLException {
        try (PreparedStatement ps = src.prepareStatement(sql)) {
            return labels(ps.getMetaData());
        }
    }

    private static String[] labels(ResultSetMetaData md) throws SQLException {
        String[] labels = new String[md.getColumnCount()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = md.getColumnLabel(i + 1);
        }
        return labels;
    }

    private static Load chooseLoad(boolean bulk, Db.Flavor dest, Connection dst, Table table) {
        if (bulk && dest == Db.Flavor.POSTGRES) {
            return new CopyLoad(dst, table);
        }
        if (bulk && dest == Db.Flavor.MARIADB) {
            return new LoadDataLoad(dst, table);
        }
        return new BatchLoad(dst, dest, table);
    }

    /** Empty the table inside the load's transaction, so a failed load leaves the old rows in place;
     *  return how many rows it held. */
    private static long clear(Connection dst, Db.Flavor dest, Options o, Table table) throws SQLException {
        // DELETE by default: PostgreSQL's TRUNCATE holds an ACCESS EXCLUSIVE lock until the commit,
        // so every reader of the table would wait for the whole load; under DELETE they keep
        // reading the old rows (MVCC) until the new ones commit. -ct trades that for speed. TRUNCATE
        // would also wait forever on our own source connection reading the same database.
        boolean truncate = o.truncate && dest == Db.Flavor.POSTGRES && !o.destUrl.equals(o.sourceUrl);
        try (Statement st = dst.createStatement()) {
            if (!truncate) {
                return st.executeUpdate("DELETE FROM " + table.name());
            }
            // TRUNCATE counts nothing; the guards need the rows it clears.
            long held;
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table.name())) {
                rs.next();
                held = rs.getLong(1);
            }
            st.executeUpdate("TRUNCATE TABLE " + table.name());
            return held;
        }
    }
}
