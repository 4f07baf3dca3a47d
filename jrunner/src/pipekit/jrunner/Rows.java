package pipekit.jrunner;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The source rows of a migrate, counted for progress.
 *
 * A reader thread fetches and decodes rows while the main thread writes the previous ones, so
 * waiting on the source overlaps writing to the destination. They meet in a small queue of blocks
 * bounded in rows and bytes, which keeps memory constant whatever the row count.
 */
final class Rows implements AutoCloseable {
    private static final int BLOCK_ROWS = 500;
    private static final long BLOCK_BYTES = 1L << 20;
    private static final Object END = new Object();

    private final ResultSet rs;
    private final int[] columns;
    private final int[] kinds;
    private final boolean[] trim;
    private final Progress progress;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(8);
    private volatile boolean stopped;
    private Object[][] block = new Object[0][];
    private int next;
    private long count;

    /** columns: the 1-based source columns to read, in order (null: every column). */
    Rows(ResultSet rs, int[] columns, Db.Flavor source, boolean typed, boolean trimChar, Progress progress)
            throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int[] all = Values.kinds(md, source, typed);
        this.rs = rs;
        this.columns = columns != null ? columns : java.util.stream.IntStream.rangeClosed(1, all.length).toArray();
        this.kinds = new int[this.columns.length];
        this.trim = new boolean[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = all[this.columns[i] - 1];
            trim[i] = trimChar && Values.isChar(md.getColumnType(this.columns[i]));
        }
        this.progress = progress;
        Thread reader = new Thread(this::readAll, "jrunner-source");
        reader.setDaemon(true);
        reader.start();
    }

    int width() {
        return kinds.length;
    }

    long count() {
        return count;
    }

    /** The next row, or null after the last. */
    Object[] next() throws SQLException {
        if (next == block.length) {
            Object item = take();
            if (item == END) {
                block = new Object[0][];
                next = 0;
                return null;
            }
            if (item instanceof SQLException e) {
                throw e;
            }
            if (item instanceof Throwable t) {
                throw new SQLException("reading the source failed: " + t, t);
            }
            block = (Object[][]) item;
            next = 0;
        }
        Object[] row = block[next];
        block[next++] = null;
        progress.rows(++count);
        return row;
    }

    /** Stop the reader (after a failure the rest of the source is not needed). */
    @Override
    public void close() {
        stopped = true;
        queue.clear();
    }

    private Object take() throws SQLException {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while reading the source", e);
        }
    }

    private void readAll() {
        try {
            while (!stopped) {
                Object[][] rows = new Object[BLOCK_ROWS][];
                int n = 0;
                long bytes = 0;
                while (n < BLOCK_ROWS && bytes < BLOCK_BYTES && rs.next()) {
                    Object[] row = new Object[kinds.length];
                    for (int i = 0; i < row.length; i++) {
                        Object v = Values.read(rs, columns[i], kinds[i]);
                        if (v instanceof String s) {
                            if (trim[i]) {
                                v = s = Values.trimTrailingBlanks(s);
                            }
                            bytes += 2L * s.length();
                        } else if (v instanceof byte[] b) {
                            bytes += b.length;
                        }
                        row[i] = v;
                    }
                    rows[n++] = row;
                }
                boolean last = n < BLOCK_ROWS && bytes < BLOCK_BYTES;
                if (n > 0) {
                    put(n == BLOCK_ROWS ? rows : Arrays.copyOf(rows, n));
                }
                if (last) {
                    put(END);
                    return;
                }
            }
        } catch (Throwable t) {
            put(t);
        }
    }

    private void put(Object item) {
        try {
            while (!stopped && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                // Waiting for the writer to catch up.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
