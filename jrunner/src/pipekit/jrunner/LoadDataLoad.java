package pipekit.jrunner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * MariaDB LOAD DATA LOCAL INFILE from a stream that renders source rows as the driver reads it,
 * so memory stays constant. Binary columns travel as hex through UNHEX, BIT columns as numbers.
 */
final class LoadDataLoad implements Migrate.Load {
    private static final int CHUNK = 1 << 16;

    private final Connection conn;
    private final Migrate.Table table;
    private boolean[] hex;

    LoadDataLoad(Connection conn, Migrate.Table table) {
        this.conn = conn;
        this.table = table;
    }

    /** The LOAD DATA statement for the first width columns; notes which travel as hex. */
    private String sql(int width) {
        hex = new boolean[width];
        List<String> targets = new ArrayList<>();
        List<String> sets = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            int type = table.types()[i];
            hex[i] = type == Types.BINARY || type == Types.VARBINARY || type == Types.LONGVARBINARY
                || type == Types.BLOB;
            if (hex[i]) {
                targets.add("@v" + i);
                sets.add(table.quoted()[i] + " = UNHEX(@v" + i + ")");
            } else if (type == Types.BIT && !table.typeNames()[i].equalsIgnoreCase("TINYINT")) {
                targets.add("@v" + i);
                sets.add(table.quoted()[i] + " = CAST(@v" + i + " AS UNSIGNED)");
            } else {
                targets.add(table.quoted()[i]);
            }
        }
        return "LOAD DATA LOCAL INFILE 'jrunner.tsv' INTO TABLE " + table.name()
            + " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY '\\\\'"
            + " LINES TERMINATED BY '\\n' STARTING BY '' (" + String.join(", ", targets) + ")"
            + (sets.isEmpty() ? "" : " SET " + String.join(", ", sets));
    }

    @Override
    public boolean typed() {
        return false;
    }

    @Override
    public String path() {
        return "load-data";
    }

    @Override
    public long load(Rows rows) throws Exception {
        RowStream stream = new RowStream(rows);
        long stored;
        try (Statement st = conn.createStatement()) {
            Class<?> mariaStatement = Call.driverClass("org.mariadb.jdbc.MariaDbStatement");
            CopyLoad.call(mariaStatement.getMethod("setLocalInfileInputStream", InputStream.class),
                st.unwrap(mariaStatement), stream);
            try {
                stored = st.executeLargeUpdate(sql(rows.width()));
            } catch (SQLException e) {
                throw stream.failure != null ? stream.failure : e;
            }
            if (stream.failure != null) {
                throw stream.failure;
            }
            // LOAD DATA LOCAL turns bad values into warnings (the server cannot stop the client's
            // upload); any warning means a value did not arrive intact, so the load fails.
            try (ResultSet w = st.executeQuery("SHOW WARNINGS")) {
                List<String> problems = new ArrayList<>();
                while (w.next()) {
                    if (!w.getString(1).equalsIgnoreCase("Note") && problems.size() < 5) {
                        problems.add(w.getString(1) + " " + w.getInt(2) + ": " + w.getString(3));
                    }
                }
                if (!problems.isEmpty()) {
                    throw new SQLException("LOAD DATA did not store every value intact: "
                        + String.join("; ", problems) + "; nothing was loaded");
                }
            }
        }
        return stored;
    }

    /** The rows as LOAD DATA text, produced on demand. */
    private final class RowStream extends InputStream {
        private final Rows rows;
        private final Buf buf = new Buf();
        private int pos;
        private boolean done;
        SQLException failure;

        RowStream(Rows rows) {
            this.rows = rows;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos == buf.size && !done) {
                refill();
            }
            if (pos == buf.size) {
                return -1;
            }
            int n = Math.min(len, buf.size - pos);
            System.arraycopy(buf.bytes, pos, b, off, n);
            pos += n;
            return n;
        }

        private void refill() throws IOException {
            buf.size = 0;
            pos = 0;
            try {
                int n = rows.width();
                while (buf.size < CHUNK) {
                    Object[] row = rows.next();
                    if (row == null) {
                        done = true;
                        return;
                    }
                    for (int i = 0; i < n; i++) {
                        if (i > 0) {
                            buf.put('\t');
                        }
                        write(row[i], i);
                    }
                    buf.put('\n');
                }
            } catch (SQLException e) {
                failure = e;
                done = true;
                throw new IOException(e.getMessage(), e);
            }
        }

        private void write(Object v, int i) {
            if (v == null) {
                buf.raw("\\N");
            } else if (hex[i]) {
                buf.raw(Values.hex(v instanceof byte[] b ? b
                    : Values.text(v, Db.Flavor.MARIADB).getBytes(StandardCharsets.UTF_8)));
            } else {
                buf.escaped(Values.text(v, Db.Flavor.MARIADB));
            }
        }
    }
}
