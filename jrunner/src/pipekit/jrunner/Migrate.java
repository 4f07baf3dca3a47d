package pipekit.jrunner;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;

/** Migrate mode: stream the source query's rows into the destination table, by position, in one transaction. */
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

    /** The destination table's columns, as the destination describes them. */
    record Table(String name, String[] columns, int[] types, String[] typeNames, String[] quoted) {
        static Table describe(Connection c, String name) throws SQLException {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + name + " WHERE 1=0")) {
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
            return String.join(", ", java.util.Arrays.copyOf(quoted, n));
        }
    }

    private Migrate() {}

    static void run(Options o, String sql, PrintStream out) throws Exception {
        Db.Flavor source = Db.flavor(o.sourceUrl);
        Db.Flavor dest = Db.flavor(o.destUrl);
        try (Connection src = Db.source(o.sourceUrl, o.sourceUser, o.sourcePassword);
             Connection dst = Db.dest(o.destUrl, o.destUser, o.destPassword, o.bulk);
             Statement st = src.createStatement()) {
            try {
                Table table = Table.describe(dst, o.destTable);
                st.setFetchSize(Db.FETCH_SIZE);
                try (ResultSet rs = st.executeQuery(sql)) {
                    int width = rs.getMetaData().getColumnCount();
                    if (width > table.columns().length) {
                        throw new SQLException("the source query returns " + width + " columns but " + o.destTable
                            + " has " + table.columns().length + "; nothing was loaded");
                    }
                    Load load = chooseLoad(o.bulk, dest, dst, table, width);
                    if (o.clear) {
                        clear(dst, dest, o, table);
                    }
                    try (Rows rows = new Rows(rs, source, load.typed(), o.trim, out)) {
                        long stored = load.load(rows);
                        if (stored != rows.count()) {
                            throw new SQLException("read " + rows.count() + " rows but " + o.destTable + " took "
                                + stored + "; nothing was loaded");
                        }
                        dst.commit();
                        out.println(stored + " rows written (" + load.path() + ")");
                    }
                }
            } catch (Exception e) {
                Db.rollbackQuietly(dst);
                throw e;
            } finally {
                Db.rollbackQuietly(src);
            }
        }
    }

    private static Load chooseLoad(boolean bulk, Db.Flavor dest, Connection dst, Table table, int width)
            throws SQLException {
        if (bulk && dest == Db.Flavor.POSTGRES) {
            return new CopyLoad(dst, table, width);
        }
        if (bulk && dest == Db.Flavor.MARIADB) {
            return new LoadDataLoad(dst, table, width);
        }
        return new BatchLoad(dst, dest, table, width);
    }

    /** Empty the table inside the load's transaction, so a failed load leaves the old rows in place. */
    private static void clear(Connection dst, Db.Flavor dest, Options o, Table table) throws SQLException {
        // TRUNCATE is transactional in Postgres, but would wait forever on our own source
        // connection if the query reads the same database's table.
        boolean truncate = dest == Db.Flavor.POSTGRES && !o.destUrl.equals(o.sourceUrl);
        try (Statement st = dst.createStatement()) {
            st.executeUpdate((truncate ? "TRUNCATE TABLE " : "DELETE FROM ") + table.name());
        }
    }
}
