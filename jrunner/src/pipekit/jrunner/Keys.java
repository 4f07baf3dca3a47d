package pipekit.jrunner;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * delete_missing (-kq, -kd, -kt): write into the key table the destination's keys in scope that the
 * source's key query no longer returns, for the -post statements to delete or mark.
 *
 * Both sides are read in key order and merged like two sorted files, as verify does (the same
 * order, comparison and order check, see Verify), so memory stays flat and nothing but the missing
 * keys is written. Loading every source key into the destination and anti-joining there cost the
 * COPY pipe of the keys plus a join of the two key sets, about twice what reading both sides costs
 * (bench/RESULTS.md, "Hard-delete detection"). The calling thread reads the two sides in turn
 * while each server streams ahead into its socket; a reader thread per side measured slower on two
 * cores (docs/ARCHITECTURE.md, "Deletes carried over"). A failure while reading says which side's
 * keys it was reading, as a failure to start does.
 *
 * Where the destination's key column is CHAR, its trailing blanks are padding the destination
 * ignores when it compares, so they are not compared on either side.
 */
final class Keys {
    /** How many keys each side gave, and how many of the destination's the source lacks. */
    record Found(long source, long inScope, long missing) {}

    /** How a failure of each side's query starts, so the caller can tell which one failed. */
    static final String SOURCE = "key query: ";
    static final String DEST = "destination keys in scope: ";

    private Keys() {}

    /** Run step; a failure says which side's keys it was reading. */
    private static <T> T naming(String side, Callable<T> step) throws Exception {
        try {
            return step.call();
        } catch (SQLException e) {
            throw named(side, e);
        }
    }

    private static SQLException named(String side, SQLException e) {
        return new SQLException(side + Main.describe(e), e.getSQLState(), e);
    }

    /** trim: the source's CHAR values lose their trailing blanks, as the load's rows do (-t). */
    static Found missing(Connection src, Db.Flavor source, String sourceSql, Connection dst, Db.Flavor dest,
            String destSql, String keyTable, boolean trim, Progress progress) throws Exception {
        Verify.Described s = naming(SOURCE, () -> Verify.Described.of(src, sourceSql));
        Verify.Described d = naming(DEST, () -> Verify.Described.of(dst, destSql));
        if (s.labels().length != d.labels().length) {
            throw new SQLException("the key query returns " + s.labels().length + " columns but the destination's key has "
                + d.labels().length + "; nothing was loaded");
        }
        int[] key = IntStream.rangeClosed(1, d.labels().length).toArray();
        boolean[] padded = new boolean[key.length];
        for (int i = 0; i < key.length; i++) {
            padded[i] = d.types()[i] == Types.CHAR || d.types()[i] == Types.NCHAR;
        }
        try (Missing missing = new Missing()) {
            Found found;
            try (Side sources = naming(SOURCE, () -> Side.open(src, source,
                     Verify.inKeyOrder(src, source, sourceSql, s, key), s, trim, progress, "source"));
                 Side dests = naming(DEST, () -> Side.open(dst, dest,
                     Verify.inKeyOrder(dst, dest, destSql, d, key), d, false, new Progress(null), "destination"))) {
                if (sources instanceof Copied cs && dests instanceof Copied cd && cs.oneLong() && cd.oneLong()) {
                    mergeLongs(cs, cd, missing);
                } else {
                    Object[] sr = next(SOURCE, sources, padded);
                    Object[] dr = next(DEST, dests, padded);
                    Object[] lastS = null;
                    Object[] lastD = null;
                    while (sr != null || dr != null) {
                        int c = sr == null ? 1 : dr == null ? -1 : Verify.compareKeys(sr, dr, key);
                        if (c <= 0) {
                            Verify.checkOrder(lastS, sr, dr, key, "source");
                            lastS = sr;
                        }
                        if (c >= 0) {
                            Verify.checkOrder(lastD, dr, sr, key, "destination");
                            lastD = dr;
                        }
                        if (c < 0) {
                            sr = next(SOURCE, sources, padded);
                            continue;
                        }
                        if (c > 0) {
                            missing.add(dr);
                        }
                        // A matched key stays: the destination may hold it more than once.
                        dr = next(DEST, dests, padded);
                    }
                }
                found = new Found(sources.count(), dests.count(), missing.count);
            }
            if (missing.count > 0) {
                // The destination's connection is free again.
                Migrate.Table table = Migrate.Table.describe(dst, keyTable, null);
                new BatchLoad(dst, dest, table).insert(missing.rows(), key.length);
            }
            return found;
        }
    }

    /** The merge above for the usual key, one integer column read through COPY on both sides,
     *  without an object per key: with Copied's method handle, a fresh JVM compares a million keys
     *  in ~15% less time. */
    private static void mergeLongs(Copied sources, Copied dests, Missing missing) throws Exception {
        boolean s = nextLong(SOURCE, sources);
        boolean d = nextLong(DEST, dests);
        while (s || d) {
            int c = !s ? 1 : !d ? -1 : sources.compareTo(dests);
            if (c < 0) {
                s = nextLong(SOURCE, sources);
                continue;
            }
            if (c > 0) {
                missing.add(dests.boxed());
            }
            d = nextLong(DEST, dests);
        }
    }

    private static boolean nextLong(String name, Copied side) throws SQLException {
        try {
            return side.nextLong();
        } catch (SQLException e) {
            throw named(name, e);
        }
    }

    /** The side's next row, unpadded; a failure while reading it says which side it was. */
    private static Object[] next(String name, Side side, boolean[] padded) throws SQLException {
        try {
            return unpad(side.next(), padded);
        } catch (SQLException e) {
            throw named(name, e);
        }
    }

    private static Object[] unpad(Object[] row, boolean[] padded) {
        if (row != null) {
            for (int i = 0; i < row.length; i++) {
                if (padded[i] && row[i] instanceof String v) {
                    row[i] = Values.trimTrailingBlanks(v);
                }
            }
        }
        return row;
    }

    /** The destination's keys the source lacks, kept until both sides are read: the first HELD in
     *  memory, any more spooled to a temporary file, so memory stays flat and the usual few deleted
     *  rows cost no file (a fresh JVM's first temporary file and object stream take ~40 ms). */
    private static final class Missing implements AutoCloseable {
        static final int HELD = 10_000;
        private final List<Object[]> held = new ArrayList<>();
        private Path spool;
        private ObjectOutputStream out;
        private ObjectInputStream in;
        long count;

        void add(Object[] key) throws IOException {
            count++;
            if (held.size() < HELD) {
                held.add(key);
                return;
            }
            if (out == null) {
                spool = Files.createTempFile("jrunner-keys-", ".bin");
                out = new ObjectOutputStream(new BufferedOutputStream(Files.newOutputStream(spool)));
            }
            out.writeObject(key);
            // Forget the rows written: the stream would otherwise keep every one.
            out.reset();
        }

        /** The keys in the order they were added. */
        RowSource rows() throws IOException {
            if (out != null) {
                out.close();
                out = null;
                in = new ObjectInputStream(new BufferedInputStream(Files.newInputStream(spool)));
            }
            Iterator<Object[]> first = held.iterator();
            long[] spooled = {count - held.size()};
            return () -> {
                if (first.hasNext()) {
                    return first.next();
                }
                if (spooled[0] == 0) {
                    return null;
                }
                spooled[0]--;
                try {
                    return (Object[]) in.readObject();
                } catch (IOException | ClassNotFoundException e) {
                    throw new SQLException("reading the spooled keys: " + e, e);
                }
            };
        }

        @Override
        public void close() throws IOException {
            if (spool == null) {
                return;
            }
            try {
                if (out != null) {
                    out.close();
                }
                if (in != null) {
                    in.close();
                }
            } finally {
                Files.deleteIfExists(spool);
            }
        }
    }

    /** One side's keys in key order. */
    private interface Side extends RowSource, AutoCloseable {
        /** The rows handed out so far. */
        long count();

        @Override
        void close() throws SQLException;

        /** A PostgreSQL side whose keys COPY writes as Rows would read them goes through COPY TO STDOUT:
         *  no cursor round trips, and half the time of JDBC's for a million keys. */
        static Side open(Connection c, Db.Flavor flavor, String sql, Verify.Described d, boolean trim,
                Progress progress, String side) throws Exception {
            int[] kinds = new int[d.types().length];
            boolean copy = flavor == Db.Flavor.POSTGRES;
            for (int i = 0; i < kinds.length; i++) {
                kinds[i] = Values.kind(flavor, d.types()[i], "", 1, true);
                boolean trimmed = trim && Values.isChar(d.types()[i]);
                copy &= !trimmed && (kinds[i] == Values.LONG || kinds[i] == Values.DECIMAL
                    || kinds[i] == Values.STRING);
            }
            return copy ? new Copied(c, sql, kinds, progress, side) : new Fetched(c, flavor, sql, trim, progress);
        }
    }

    /** A side read through JDBC, as verify reads it. */
    private static final class Fetched implements Side {
        private final Connection c;
        private final Db.Flavor flavor;
        private final Statement st;
        private final Rows rows;
        private boolean ended;

        Fetched(Connection c, Db.Flavor flavor, String sql, boolean trim, Progress progress) throws SQLException {
            this.c = c;
            this.flavor = flavor;
            st = c.createStatement();
            st.setFetchSize(Db.FETCH_SIZE);
            rows = new Rows(st.executeQuery(sql), null, flavor, true, trim, progress);
        }

        @Override
        public Object[] next() throws SQLException {
            Object[] row = rows.next();
            ended = row == null;
            return row;
        }

        @Override
        public long count() {
            return rows.count();
        }

        @Override
        public void close() throws SQLException {
            rows.close();
            if (!ended && flavor == Db.Flavor.MARIADB) {
                // Closing a streaming MariaDB result set reads it to the end; drop the connection instead.
                Db.abortQuietly(c);
                return;
            }
            st.close();
        }
    }

    /** A PostgreSQL query's rows read through COPY TO STDOUT, each text field decoded to the value Rows gives. */
    private static final class Copied implements Side {
        private final Object copyOut;
        private final MethodHandle read;
        private final int[] kinds;
        private final Progress progress;
        private final String side;
        private long count;
        // nextLong's key; keyNull: NULL, which sorts last.
        private long key;
        private boolean keyNull;

        Copied(Connection c, String sql, int[] kinds, Progress progress, String side) throws Exception {
            Class<?> pgConnection = Call.driverClass("org.postgresql.PGConnection");
            Object api = CopyLoad.call(pgConnection.getMethod("getCopyAPI"), c.unwrap(pgConnection));
            copyOut = CopyLoad.call(api.getClass().getMethod("copyOut", String.class), api,
                "COPY (" + sql + "\n) TO STDOUT");
            // A method handle, not Method.invoke: called once a key, it costs a fresh JVM ~25 ms less a million.
            read = MethodHandles.publicLookup()
                .unreflect(Call.driverClass("org.postgresql.copy.CopyOut").getMethod("readFromCopy"))
                .asType(MethodType.methodType(byte[].class, Object.class));
            this.kinds = kinds;
            this.progress = progress;
            this.side = side;
        }

        /** The server sends each row as one message: fields split by tabs, ending in a newline. */
        private byte[] line() throws SQLException {
            try {
                return (byte[]) read.invokeExact(copyOut);
            } catch (SQLException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new SQLException(e.getMessage(), e);
            }
        }

        /** Whether the rows are one integer column, which nextLong reads. */
        boolean oneLong() {
            return kinds.length == 1 && kinds[0] == Values.LONG;
        }

        /** Read the next row's key without boxing it, checking its order as Verify.checkOrder does;
         *  false at the end. */
        boolean nextLong() throws SQLException {
            byte[] line = line();
            if (line == null) {
                return false;
            }
            long last = key;
            boolean lastNull = keyNull;
            keyNull = isNull(line, 0, line.length - 1);
            key = keyNull ? 0 : parseLong(line, 0, line.length - 1);
            if (count > 0 && (lastNull ? !keyNull : !keyNull && last > key)) {
                Verify.checkOrder(new Object[] {lastNull ? null : last}, boxed(), null, new int[] {1}, side);
            }
            progress.rows(++count);
            return true;
        }

        /** This side's nextLong key against the other's, NULL last. */
        int compareTo(Copied other) {
            return keyNull ? (other.keyNull ? 0 : 1) : other.keyNull ? -1 : Long.compare(key, other.key);
        }

        Object[] boxed() {
            return new Object[] {keyNull ? null : key};
        }

        @Override
        public Object[] next() throws SQLException {
            byte[] line = line();
            if (line == null) {
                return null;
            }
            Object[] row = new Object[kinds.length];
            int from = 0;
            for (int i = 0; i < row.length; i++) {
                int to = from;
                while (line[to] != '\t' && line[to] != '\n') {
                    to++;
                }
                row[i] = decode(line, from, to, kinds[i]);
                from = to + 1;
            }
            progress.rows(++count);
            return row;
        }

        @Override
        public long count() {
            return count;
        }

        private static boolean isNull(byte[] b, int from, int to) {
            return to - from == 2 && b[from] == '\\' && b[from + 1] == 'N';
        }

        private static long parseLong(byte[] b, int from, int to) {
            boolean negative = b[from] == '-';
            long v = 0;
            for (int i = negative ? from + 1 : from; i < to; i++) {
                v = v * 10 + (b[i] - '0');
            }
            return negative ? -v : v;
        }

        private static Object decode(byte[] b, int from, int to, int kind) {
            if (isNull(b, from, to)) {
                return null;
            }
            if (kind == Values.LONG) {
                return parseLong(b, from, to);
            }
            if (kind == Values.DECIMAL) {
                return new BigDecimal(new String(b, from, to - from, StandardCharsets.US_ASCII));
            }
            // Text: COPY escapes a backslash and the control characters \b \f \n \r \t \v.
            byte[] out = new byte[to - from];
            int n = 0;
            for (int i = from; i < to; i++) {
                byte c = b[i];
                if (c == '\\' && i + 1 < to) {
                    c = b[++i];
                    c = switch (c) {
                        case 'b' -> '\b';
                        case 'f' -> '\f';
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        case 't' -> '\t';
                        case 'v' -> 0x0b;
                        default -> c;
                    };
                }
                out[n++] = c;
            }
            return new String(out, 0, n, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws SQLException {
            try {
                Class<?> operation = Call.driverClass("org.postgresql.copy.CopyOperation");
                if ((Boolean) CopyLoad.call(operation.getMethod("isActive"), copyOut)) {
                    CopyLoad.call(operation.getMethod("cancelCopy"), copyOut);
                }
            } catch (ReflectiveOperationException e) {
                throw new SQLException("ending the copy: " + e, e);
            }
        }
    }
}
