package pipekit.jrunner;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;

/**
 * Batched PreparedStatement inserts with typed parameters; values are never spliced into SQL.
 * A value whose type does not match the destination column (say text into a Postgres date) is
 * bound as text and left to the server to parse, as COPY would.
 */
final class BatchLoad implements Migrate.Load {
    private static final int BATCH_ROWS = 1000;
    /** Flush early for wide rows, so a batch never holds much more than this in values. */
    private static final long BATCH_BYTES = 8L << 20;

    private static final int CHAR = 0;
    private static final int BOOL = 1;
    private static final int INT = 2;
    private static final int DEC = 3;
    private static final int FLT = 4;
    private static final int DATE = 5;
    private static final int TS = 6;
    private static final int BIN = 7;
    private static final int OTHER = 8;

    private final Connection conn;
    private final Db.Flavor flavor;
    private final Migrate.Table table;

    BatchLoad(Connection conn, Db.Flavor flavor, Migrate.Table table) {
        this.conn = conn;
        this.flavor = flavor;
        this.table = table;
    }

    @Override
    public boolean typed() {
        return true;
    }

    @Override
    public String path() {
        return "batch-insert";
    }

    @Override
    public long load(Rows rows) throws SQLException {
        return insert(rows::next, rows.width());
    }

    /** Insert every row of rows (width values each) in batches; return how many went in. */
    long insert(RowSource rows, int width) throws SQLException {
        int[] families = new int[width];
        for (int i = 0; i < width; i++) {
            families[i] = family(table.types()[i]);
        }
        String sql = "INSERT INTO " + table.name() + " (" + table.columnList(width) + ") VALUES ("
            + "?, ".repeat(width - 1) + "?)";
        long stored = 0;
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int pending = 0;
            long bytes = 0;
            for (Object[] row = rows.next(); row != null; row = rows.next()) {
                for (int i = 0; i < row.length; i++) {
                    bytes += bind(ps, i + 1, row[i], families[i], table.types()[i]);
                }
                ps.addBatch();
                if (++pending >= BATCH_ROWS || bytes >= BATCH_BYTES) {
                    ps.executeBatch();
                    stored += pending;
                    pending = 0;
                    bytes = 0;
                }
            }
            if (pending > 0) {
                ps.executeBatch();
                stored += pending;
            }
        }
        // A failed row fails executeBatch; past that point every row of every batch is in.
        return stored;
    }

    /** Bind v as parameter i; return roughly how many bytes it holds. */
    private long bind(PreparedStatement ps, int i, Object v, int family, int type) throws SQLException {
        if (v == null) {
            // Postgres infers an untyped NULL's type from the column it goes into; other
            // drivers (jTDS, DB2) want the column's own type.
            ps.setNull(i, flavor == Db.Flavor.POSTGRES ? Types.OTHER : type);
            return 8;
        }
        if (flavor == Db.Flavor.SQLITE) {
            return bindSqlite(ps, i, v);
        }
        if (v instanceof String s && (family == CHAR || flavor != Db.Flavor.POSTGRES)) {
            ps.setString(i, s);
            return 2L * s.length();
        } else if (v instanceof Boolean b && family == BOOL) {
            ps.setBoolean(i, b);
        } else if (v instanceof Boolean b && family == INT) {
            ps.setInt(i, b ? 1 : 0);
        } else if (v instanceof Long l && family == INT) {
            ps.setLong(i, l);
        } else if (v instanceof Long l && family == DEC) {
            ps.setBigDecimal(i, BigDecimal.valueOf(l));
        } else if (v instanceof BigDecimal d && family == DEC) {
            ps.setBigDecimal(i, d);
        } else if (v instanceof Double d && family == FLT) {
            ps.setDouble(i, d);
        } else if (v instanceof Float f && family == FLT) {
            ps.setFloat(i, f);
        } else if (v instanceof LocalDate d && family == DATE) {
            if (flavor == Db.Flavor.OTHER) {
                ps.setDate(i, java.sql.Date.valueOf(d));
            } else {
                ps.setObject(i, d);
            }
        } else if (v instanceof LocalDateTime t && family == TS) {
            if (flavor == Db.Flavor.OTHER) {
                ps.setTimestamp(i, java.sql.Timestamp.valueOf(t));
            } else {
                ps.setObject(i, t);
            }
        } else if (v instanceof OffsetDateTime t && family == TS && flavor == Db.Flavor.POSTGRES) {
            ps.setObject(i, t);
        } else if (v instanceof byte[] b && family == BIN) {
            ps.setBytes(i, b);
            return b.length;
        } else {
            String s = Values.text(v, flavor);
            if (flavor == Db.Flavor.POSTGRES) {
                ps.setObject(i, s, Types.OTHER);
            } else {
                ps.setString(i, s);
            }
            return 2L * s.length();
        }
        return 16;
    }

    /** SQLite keeps whatever it is given: numbers as numbers, dates as ISO text, decimals as exact text. */
    private static long bindSqlite(PreparedStatement ps, int i, Object v) throws SQLException {
        if (v instanceof Long l) {
            ps.setLong(i, l);
        } else if (v instanceof Double d) {
            ps.setDouble(i, d);
        } else if (v instanceof Float f) {
            // The float's shortest decimal, so real 0.1 arrives as 0.1 rather than 0.100000001490116.
            ps.setDouble(i, Double.parseDouble(Float.toString(f)));
        } else if (v instanceof Boolean b) {
            ps.setInt(i, b ? 1 : 0);
        } else if (v instanceof byte[] b) {
            ps.setBytes(i, b);
            return b.length;
        } else {
            String s = Values.text(v, Db.Flavor.SQLITE);
            ps.setString(i, s);
            return 2L * s.length();
        }
        return 16;
    }

    private static int family(int type) {
        return switch (type) {
            case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR, Types.LONGNVARCHAR,
                Types.CLOB, Types.NCLOB -> CHAR;
            case Types.BIT, Types.BOOLEAN -> BOOL;
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> INT;
            case Types.NUMERIC, Types.DECIMAL -> DEC;
            case Types.REAL, Types.FLOAT, Types.DOUBLE -> FLT;
            case Types.DATE -> DATE;
            case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> TS;
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> BIN;
            default -> OTHER;
        };
    }
}
