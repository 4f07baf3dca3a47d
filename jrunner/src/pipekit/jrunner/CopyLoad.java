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
    private final String sql;

    CopyLoad(Connection conn, Migrate.Table table, int width) {
        this.conn = conn;
        this.sql = "COPY " + table.name() + " (" + table.columnList(width) + ") FROM STDIN";
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
        Class<?> pgConnection = Class.forName("org.postgresql.PGConnection");
        Class<?> copyInClass = Class.forName("org.postgresql.copy.CopyIn");
        Method write = copyInClass.getMethod("writeToCopy", byte[].class, int.class, int.class);
        Object api = call(pgConnection.getMethod("getCopyAPI"), conn.unwrap(pgConnection));
        Object copyIn = call(api.getClass().getMethod("copyIn", String.class), api, sql);
        try {
            Buf buf = new Buf();
            int n = rows.width();
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
            Method active = copyInClass.getMethod("isActive");
            if ((Boolean) active.invoke(copyIn)) {
                try {
                    call(copyInClass.getMethod("cancelCopy"), copyIn);
                } catch (SQLException ignored) {
                    // The failure that stopped the copy is the one to report.
                }
            }
            throw e;
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
