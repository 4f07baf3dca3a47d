package pipekit.jrunner;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The query, metadata and exec modes. */
final class Query {
    private Query() {}

    /** Write the rows of sql to out as TSV (the machine format) or CSV. */
    static void query(Options o, String sql, PrintStream out) throws Exception {
        Db.Flavor flavor = Db.flavor(o.sourceUrl);
        boolean tsv = o.format.equals("tsv");
        try (Connection c = Db.source(o.sourceUrl, o.sourceUser, o.sourcePassword, o.lockTimeout);
             Statement st = c.createStatement()) {
            st.setFetchSize(Db.FETCH_SIZE);
            try (ResultSet rs = st.executeQuery(sql)) {
                ResultSetMetaData md = rs.getMetaData();
                int n = md.getColumnCount();
                // MariaDB's driver reformats DECIMAL (0E-10) and DATETIME (a trailing .0) in
                // getString, so for people and watermarks its values are read typed.
                int[] kinds = Values.kinds(md, flavor, flavor == Db.Flavor.MARIADB);
                Buf buf = new Buf();
                for (int i = 1; i <= n; i++) {
                    field(buf, md.getColumnLabel(i), i, tsv);
                }
                buf.put('\n');
                while (rs.next()) {
                    for (int i = 1; i <= n; i++) {
                        Object v = Values.read(rs, i, kinds[i - 1]);
                        if (i > 1) {
                            buf.put(tsv ? '\t' : ',');
                        }
                        if (v != null) {
                            String s = Values.text(v, Db.Flavor.OTHER);
                            if (tsv) {
                                buf.escaped(s);
                            } else {
                                buf.csv(s);
                            }
                        } else if (tsv) {
                            buf.raw("\\N");
                        }
                    }
                    buf.put('\n');
                    if (buf.size > 1 << 16) {
                        buf.writeTo(out);
                    }
                }
                buf.writeTo(out);
            }
            Db.rollbackQuietly(c);
        }
    }

    /** One line per result column: name, JDBC type code, type name, precision, scale, nullable.
     *  A connection failure says so, as migrate's does: a run checks its query's columns this way
     *  first, so this is where an unreachable source shows. */
    static void metadata(Options o, String sql, PrintStream out) throws Exception {
        try (Connection c = Migrate.open("source",
                 () -> Db.source(o.sourceUrl, o.sourceUser, o.sourcePassword, o.lockTimeout));
             PreparedStatement ps = c.prepareStatement(sql)) {
            ResultSetMetaData md = ps.getMetaData();
            ResultSet rs = null;
            if (md == null) {
                // This driver describes a query only by running it.
                ps.setMaxRows(1);
                rs = ps.executeQuery();
                md = rs.getMetaData();
            }
            Buf buf = new Buf();
            buf.raw("name\ttype_code\ttype_name\tprecision\tscale\tnullable\n");
            for (int i = 1; i <= md.getColumnCount(); i++) {
                buf.escaped(md.getColumnLabel(i));
                buf.raw("\t" + md.getColumnType(i) + "\t");
                buf.escaped(String.valueOf(md.getColumnTypeName(i)));
                int nullable = md.isNullable(i);
                buf.raw("\t" + md.getPrecision(i) + "\t" + md.getScale(i) + "\t"
                    + (nullable == ResultSetMetaData.columnNoNulls ? "false"
                        : nullable == ResultSetMetaData.columnNullable ? "true" : "") + "\n");
            }
            buf.writeTo(out);
            if (rs != null) {
                rs.close();
            }
            Db.rollbackQuietly(c);
        }
    }

    /** Run each statement in one transaction; print each update count once all are committed. */
    static void exec(Options o, List<String> statements, PrintStream out) throws Exception {
        try (Connection c = Db.connect(o.sourceUrl, o.sourceUser, o.sourcePassword, "JRUNNER_SOURCE_PASSWORD", o.lockTimeout)) {
            c.setAutoCommit(false);
            List<Long> counts;
            try {
                counts = statements(c, statements, "statement ", "; the transaction was rolled back", false);
                c.commit();
            } catch (SQLException e) {
                Db.rollbackQuietly(c);
                throw e;
            }
            for (long count : counts) {
                out.println(count);
            }
        }
    }

    /** Execute statements in order on c, without committing; return their update counts (for a result set,
     *  its first cell when firstCell, a count query's answer, else -1).
     *  A failure names the statement: label + "N of M: " + the driver's message + after. */
    static List<Long> statements(Connection c, List<String> statements, String label, String after,
            boolean firstCell) throws SQLException {
        List<Long> counts = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            for (int i = 0; i < statements.size(); i++) {
                try {
                    if (!st.execute(statements.get(i))) {
                        counts.add((long) st.getUpdateCount());
                    } else if (!firstCell) {
                        counts.add(-1L);
                    } else {
                        try (ResultSet rs = st.getResultSet()) {
                            counts.add(rs.next() ? rs.getLong(1) : -1L);
                        }
                    }
                } catch (SQLException e) {
                    throw new SQLException(label + (i + 1) + " of " + statements.size() + ": " + Main.describe(e)
                        + after, e.getSQLState(), e);
                }
            }
        }
        return counts;
    }

    private static void field(Buf buf, String name, int i, boolean tsv) {
        if (i > 1) {
            buf.put(tsv ? '\t' : ',');
        }
        if (tsv) {
            buf.escaped(name);
        } else {
            buf.csv(name);
        }
    }
}
