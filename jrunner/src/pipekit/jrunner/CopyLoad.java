package pipekit.jrunner;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Postgres COPY ... FROM STDIN in text format, fed in 64 KB chunks so memory stays constant.
 * The driver's copy API is reached by reflection so jrunner builds without the Postgres jar.
 */
final class CopyLoad implements Migrate.Load {
    private static final int CHUNK = 1 << 16;

    private final Connection conn;
    private final Migrate.Table table;

    CopyLoad(Connection conn, Migrate.Table table) {
        this.conn = conn;
        this.table = table;
    }

    @Override
    public boolean typed() {
        return false;
    }

    @Override
    public String path() {
        return "copy";
    }

    @Override
    public long load(Rows rows) throws Exception {
        Class<?> pgConnection = Call.driverClass("org.postgresql.PGConnection");
        Class<?> copyInClass = Call.driverClass("org.postgresql.copy.CopyIn");
        Method write = copyInClass.getMethod("writeToCopy", byte[].class, int.class, int.class);
        Object api = call(pgConnection.getMethod("getCopyAPI"), conn.unwrap(pgConnection));
        int n = rows.width();
        Object copyIn = call(api.getClass().getMethod("copyIn", String.class), api, copyInSql(table, n));
        try {
            Buf buf = new Buf();
            for (Object[] row = rows.next(); row != null; row = rows.next()) {
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        buf.put('\t');
                    }
                    Object v = row[i];
                    if (v == null) {
                        buf.raw("\\N");
                    } else if (v instanceof byte[] b) {
                        // bytea hex input, its backslash escaped for the text format.
                        buf.raw("\\\\x");
                        buf.raw(Values.hex(b));
                    } else {
                        buf.escaped(Values.text(v, Db.Flavor.POSTGRES));
                    }
                }
                buf.put('\n');
                if (buf.size >= CHUNK) {
                    call(write, copyIn, buf.bytes, 0, buf.size);
                    buf.size = 0;
                }
            }
            if (buf.size > 0) {
                call(write, copyIn, buf.bytes, 0, buf.size);
            }
            return (Long) call(copyInClass.getMethod("endCopy"), copyIn);
        } catch (Exception e) {
            cancel(copyIn);
            throw e;
        }
    }

    static String copyInSql(Migrate.Table table, int width) {
        return "COPY " + table.name() + " (" + table.columnList(width) + ") FROM STDIN";
    }

    /**
     * Postgres to Postgres: the source's COPY TO STDOUT straight into the destination's COPY FROM
     * STDIN, as psql | psql does. Both ends speak the same text format, so no value is decoded.
     */
    static long pipe(Connection src, Connection dst, String sql, Migrate.Table table, Migrate.Ready ready,
            Progress progress) throws Exception {
        Class<?> pgConnection = Call.driverClass("org.postgresql.PGConnection");
        Class<?> copyOutClass = Call.driverClass("org.postgresql.copy.CopyOut");
        Class<?> copyInClass = Call.driverClass("org.postgresql.copy.CopyIn");
        Method read = copyOutClass.getMethod("readFromCopy");
        Method write = copyInClass.getMethod("writeToCopy", byte[].class, int.class, int.class);
        Object srcApi = call(pgConnection.getMethod("getCopyAPI"), src.unwrap(pgConnection));
        Object dstApi = call(pgConnection.getMethod("getCopyAPI"), dst.unwrap(pgConnection));
        Object copyOut = call(srcApi.getClass().getMethod("copyOut", String.class), srcApi,
            "COPY (" + sql + "\n) TO STDOUT");
        Object copyIn = null;
        try {
            int width = (Integer) call(copyOutClass.getMethod("getFieldCount"), copyOut);
            ready.ready(width);
            copyIn = call(dstApi.getClass().getMethod("copyIn", String.class), dstApi, copyInSql(table, width));
            Buf buf = new Buf();
            long rows = 0;
            // The server sends each row as one message.
            for (byte[] row = (byte[]) call(read, copyOut); row != null; row = (byte[]) call(read, copyOut)) {
                buf.put(row);
                progress.rows(++rows);
                if (buf.size >= CHUNK) {
                    call(write, copyIn, buf.bytes, 0, buf.size);
                    buf.size = 0;
                }
            }
            if (buf.size > 0) {
                call(write, copyIn, buf.bytes, 0, buf.size);
            }
            long stored = (Long) call(copyInClass.getMethod("endCopy"), copyIn);
            if (stored != rows) {
                throw new SQLException("read " + rows + " rows but the table took " + stored + "; nothing was loaded");
            }
            return stored;
        } catch (Exception e) {
            cancel(copyIn);
            cancel(copyOut);
            throw e;
        }
    }

    /** Abandon a copy still in progress; the failure that stopped it is the one to report. */
    private static void cancel(Object copy) {
        if (copy == null) {
            return;
        }
        try {
            Class<?> operation = Call.driverClass("org.postgresql.copy.CopyOperation");
            if ((Boolean) call(operation.getMethod("isActive"), copy)) {
                call(operation.getMethod("cancelCopy"), copy);
            }
        } catch (ReflectiveOperationException | SQLException ignored) {
            // Closing the connection ends the copy anyway.
        }
    }

    /** Invoke m, surfacing the driver's own SQLException. */
    static Object call(Method m, Object target, Object... args) throws SQLException {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException s) {
                throw s;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new SQLException(cause.getMessage(), cause);
        } catch (IllegalAccessException e) {
            throw new SQLException("cannot call " + m, e);
        }
    }
}
