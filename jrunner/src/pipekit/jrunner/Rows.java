package pipekit.jrunner;

import java.io.PrintStream;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;

/** The source rows of a migrate, read one at a time, with progress on stdout. */
final class Rows {
    private static final long PROGRESS_EVERY_NANOS = 500_000_000L;

    private final ResultSet rs;
    private final int[] kinds;
    private final boolean[] trim;
    private final Object[] row;
    private final PrintStream out;
    private long count;
    private long lastProgress = System.nanoTime();

    Rows(ResultSet rs, Db.Flavor source, boolean typed, boolean trimChar, PrintStream out) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        this.rs = rs;
        this.kinds = Values.kinds(md, source, typed);
        this.trim = new boolean[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            trim[i] = trimChar && Values.isChar(md.getColumnType(i + 1));
        }
        this.row = new Object[kinds.length];
        this.out = out;
    }

    int width() {
        return row.length;
    }

    long count() {
        return count;
    }

    /** The next row (the same array each time, overwritten), or null after the last. */
    Object[] next() throws SQLException {
        if (!rs.next()) {
            return null;
        }
        for (int i = 0; i < row.length; i++) {
            Object v = Values.read(rs, i + 1, kinds[i]);
            row[i] = trim[i] && v instanceof String s ? Values.trimTrailingBlanks(s) : v;
        }
        count++;
        long now = System.nanoTime();
        if (now - lastProgress >= PROGRESS_EVERY_NANOS) {
            lastProgress = now;
            out.println(count);
            out.flush();
        }
        return row;
    }
}
