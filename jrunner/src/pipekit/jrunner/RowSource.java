package pipekit.jrunner;

import java.sql.SQLException;

/** Rows handed out one at a time, as arrays of values; null after the last. */
interface RowSource {
    Object[] next() throws SQLException;
}
