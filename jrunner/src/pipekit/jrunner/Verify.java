package pipekit.jrunner;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Verify mode: compare the source query's rows with the destination query's, keyed by the -vk
 * columns, writing nothing.
 *
 * Both sides are read in key order and merged like two sorted files, so memory stays constant
 * whatever the row count. Each database sorts its own rows, so the order must be one jrunner's
 * comparison agrees with: strings are sorted by a binary collation (code point order, which is
 * UTF-8 byte order) rather than the database's default (MariaDB's ignores case, PostgreSQL's
 * follows the locale), NULL last. A side whose rows still come out of order (a key of a type
 * the databases order differently) fails the verify rather than report false differences.
 */
final class Verify {
    /** How many keys of each kind of difference are printed. */
    static final int FIRST_KEYS = 10;

    private Verify() {}

    static void run(Options o, String sourceSql, String destSql, PrintStream out) throws Exception {
        Db.Flavor source = Db.flavor(o.sourceUrl);
        Db.Flavor dest = Db.flavor(o.destUrl);
        try (Connection src = Migrate.open("source", () -> Db.reader(o.sourceUrl, o.sourceUser, o.sourcePassword,
                 "JRUNNER_SOURCE_PASSWORD", o.lockTimeout));
             Connection dst = Migrate.open("destination", () -> Db.reader(o.destUrl, o.destUser, o.destPassword,
                 "JRUNNER_DEST_PASSWORD", o.lockTimeout))) {
            try {
                Described s = Described.of(src, sourceSql);
                Described d = Described.of(dst, destSql);
                int[] pick = o.sourceColumns == null ? null : SourceColumns.pick(o.sourceColumns, s.labels, out);
                int width = pick == null ? s.labels.length : pick.length;
                if (width != d.labels.length) {
                    throw new SQLException("the source query gives " + width + " columns but the destination's "
                        + d.labels.length);
                }
                int[] sourceKey = new int[o.verifyKey.length];
                for (int i = 0; i < sourceKey.length; i++) {
                    if (o.verifyKey[i] > width) {
                        throw new SQLException("-vk " + o.verifyKey[i] + ": there are only " + width + " columns");
                    }
                    sourceKey[i] = pick == null ? o.verifyKey[i] : pick[o.verifyKey[i] - 1];
                }
                compare(src, source, inKeyOrder(src, source, sourceSql, s, sourceKey), pick,
                    dst, dest, inKeyOrder(dst, dest, destSql, d, o.verifyKey), d.labels, o.verifyKey, out);
            } finally {
                Db.rollbackQuietly(src);
                Db.rollbackQuietly(dst);
            }
        }
    }

    /** The labels and JDBC types of a query's result columns. */
    record Described(String[] labels, int[] types) {
        static Described of(Connection c, String sql) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ResultSetMetaData md = ps.getMetaData();
                if (md != null) {
                    return of(md);
                }
                // This driver describes a query only by running it.
                ps.setMaxRows(1);
                try (ResultSet rs = ps.executeQuery()) {
                    return of(rs.getMetaData());
                }
            }
        }

        static Described of(ResultSetMetaData md) throws SQLException {
            int n = md.getColumnCount();
            String[] labels = new String[n];
            int[] types = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = md.getColumnLabel(i + 1);
                types[i] = md.getColumnType(i + 1);
            }
            return new Described(labels, types);
        }
    }

    /** sql wrapped so that the database returns its rows ordered by the key columns (1-based), in
     *  the order compareValues agrees with. */
    static String inKeyOrder(Connection c, Db.Flavor flavor, String sql, Described d, int[] key) throws SQLException {
        String q = c.getMetaData().getIdentifierQuoteString().strip();
        List<String> order = new ArrayList<>();
        for (int k : key) {
            String label = d.labels[k - 1];
            String column = "pipekit_verify." + (q.isEmpty() ? label : q + label.replace(q, q + q) + q);
            order.add(orderBy(flavor, column, isText(d.types[k - 1])));
        }
        // The newline ends a -- comment the query may end with.
        return "SELECT * FROM (" + sql + "\n) pipekit_verify ORDER BY " + String.join(", ", order);
    }

    /** NULL last: PostgreSQL's own order, so its index on a key that is not text serves the ORDER BY. */
    static String orderBy(Db.Flavor flavor, String column, boolean text) {
        return switch (flavor) {
            case POSTGRES -> column + (text ? " COLLATE \"C\"" : "");
            // A binary string compares byte by byte, trailing blanks included (the _bin collations pad).
            case MARIADB -> column + " IS NULL, "
                + (text ? "CAST(CONVERT(" + column + " USING utf8mb4) AS BINARY)" : column);
            // A collation changes only how text compares, so it is safe on a column of any type.
            case SQLITE -> column + " IS NULL, " + column + " COLLATE BINARY";
            // SQL Server sorts NULL first, DB2 last; text in the database's own collation (a key whose
            // order differs from jrunner's fails the order check).
            case OTHER -> "CASE WHEN " + column + " IS NULL THEN 1 ELSE 0 END, " + column;
        };
    }

    static boolean isText(int type) {
        return switch (type) {
            case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR, Types.LONGNVARCHAR,
                Types.CLOB, Types.NCLOB -> true;
            default -> false;
        };
    }

    /** Merge the two ordered sides and print what differs. */
    private static void compare(Connection src, Db.Flavor source, String sourceSql, int[] pick,
            Connection dst, Db.Flavor dest, String destSql, String[] names, int[] key, PrintStream out)
            throws Exception {
        try (Statement ss = src.createStatement(); Statement ds = dst.createStatement()) {
            ss.setFetchSize(Db.FETCH_SIZE);
            ds.setFetchSize(Db.FETCH_SIZE);
            Progress progress = new Progress(out);
            try (ResultSet srs = ss.executeQuery(sourceSql);
                 ResultSet drs = ds.executeQuery(destSql);
                 Rows s = new Rows(srs, pick, source, true, false, progress);
                 Rows d = new Rows(drs, null, dest, true, false, new Progress(null))) {
                Report report = new Report(names, key);
                Object[] sr = s.next();
                Object[] dr = d.next();
                Object[] lastS = null;
                Object[] lastD = null;
                while (sr != null || dr != null) {
                    int c = sr == null ? 1 : dr == null ? -1 : compareKeys(sr, dr, key);
                    if (c <= 0) {
                        checkOrder(lastS, sr, dr, key, "source");
                        lastS = sr;
                    }
                    if (c >= 0) {
                        checkOrder(lastD, dr, sr, key, "destination");
                        lastD = dr;
                    }
                    if (c < 0) {
                        report.onlyInSource(sr);
                        sr = s.next();
                    } else if (c > 0) {
                        report.onlyInDest(dr);
                        dr = d.next();
                    } else {
                        report.pair(sr, dr);
                        sr = s.next();
                        dr = d.next();
                    }
                }
                progress.close(); // no count line after the report
                report.print(s.count(), d.count(), out);
            } catch (Exception e) {
                // Closing a streaming MariaDB result set reads it to the end; drop the connections instead.
                Db.abortQuietly(src);
                Db.abortQuietly(dst);
                throw e;
            } finally {
                progress.close();
            }
        }
    }

    /** Fail unless row comes after last in the order the merge compares keys in: as the other side's
     *  current row (other, null once that side ended) reads them, for a key given as text on one side
     *  and as numbers (say) on the other sorts one way in its database and another way here. */
    static void checkOrder(Object[] last, Object[] row, Object[] other, int[] key, String side)
            throws SQLException {
        if (last == null) {
            return;
        }
        int c = 0;
        for (int i = 0; i < key.length && c == 0; i++) {
            Object like = other == null ? null : other[key[i] - 1];
            c = compareValues(readLike(last[key[i] - 1], like), readLike(row[key[i] - 1], like));
        }
        if (c > 0) {
            throw new SQLException("the " + side + "'s rows did not come in key order (" + keyText(last, key)
                + " before " + keyText(row, key) + "): the two databases order this key differently (is it of "
                + "another type on each side?), so the rows cannot be matched");
        }
    }

    static int compareKeys(Object[] a, Object[] b, int[] key) {
        for (int k : key) {
            int c = compareValues(a[k - 1], b[k - 1]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /**
     * Compare two values as typed values, whichever database read them: NULL last and apart from
     * everything (an empty string too); numbers (and booleans, as 0 and 1) by value; timestamps to
     * the nanosecond, a zone-aware one at its UTC time; strings by code point; bytes unsigned. A
     * string against a number or a date (SQLite keeps those as text) is read as one first; values
     * that still cannot be compared order by kind, so they differ.
     */
    static int compareValues(Object a, Object b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        Object x = normal(a);
        Object y = normal(b);
        if (x instanceof String s && !(y instanceof String)) {
            x = parseLike(s, y);
        } else if (y instanceof String s && !(x instanceof String)) {
            y = parseLike(s, x);
        }
        int rx = rank(x);
        int ry = rank(y);
        if (rx != ry) {
            return Integer.compare(rx, ry);
        }
        if (x instanceof BigDecimal p) {
            return p.compareTo((BigDecimal) y);
        }
        if (x instanceof LocalDateTime p) {
            return p.compareTo((LocalDateTime) y);
        }
        if (x instanceof LocalDate p) {
            return p.compareTo((LocalDate) y);
        }
        if (x instanceof String p) {
            return compareCodePoints(p, (String) y);
        }
        if (x instanceof byte[] p) {
            return Arrays.compareUnsigned(p, (byte[]) y);
        }
        return x.toString().compareTo(y.toString());
    }

    private static Object normal(Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return BigDecimal.valueOf(((Number) v).longValue());
        }
        if (v instanceof Boolean b) {
            return b ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? BigDecimal.valueOf(d) : d.toString();
        }
        if (v instanceof Float f) {
            return Float.isFinite(f) ? new BigDecimal(Float.toString(f)) : f.toString();
        }
        if (v instanceof OffsetDateTime t) {
            return t.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        }
        return v;
    }

    /** v as compareValues reads it against other: text read as other's kind when other is not text. */
    private static Object readLike(Object v, Object other) {
        if (v instanceof String s && other != null && !(other instanceof String)) {
            return parseLike(s, normal(other));
        }
        return v;
    }

    /** The string s read as the kind of other, or s itself when it is not one. */
    private static Object parseLike(String s, Object other) {
        try {
            if (other instanceof BigDecimal) {
                return new BigDecimal(s.strip());
            }
            if (other instanceof LocalDateTime) {
                LocalDateTime t = Values.parseTimestamp(s.length() > 10 && s.charAt(10) == 'T'
                    ? s.substring(0, 10) + " " + s.substring(11) : s);
                return t != null ? t : s.length() == 10 ? LocalDate.parse(s).atStartOfDay() : s;
            }
            if (other instanceof LocalDate) {
                return LocalDate.parse(s);
            }
            if (other instanceof byte[]) {
                return s.getBytes(StandardCharsets.UTF_8);
            }
        } catch (RuntimeException e) {
            // Not of that kind: compared as a string, so it differs.
        }
        return s;
    }

    private static int rank(Object v) {
        if (v instanceof BigDecimal) {
            return 0;
        }
        if (v instanceof LocalDate) {
            return 1;
        }
        if (v instanceof LocalDateTime) {
            return 2;
        }
        if (v instanceof String) {
            return 3;
        }
        if (v instanceof byte[]) {
            return 4;
        }
        return 5;
    }

    /** Code point order, which is also UTF-8 byte order (String.compareTo compares UTF-16 units,
     *  which puts characters above U+FFFF before U+E000..U+FFFF). */
    static int compareCodePoints(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            int x = a.charAt(i);
            int y = b.charAt(i);
            if (x != y) {
                if (x >= 0xD800 && y >= 0xD800) {
                    x = x >= 0xE000 ? x - 0x800 : x + 0x2000;
                    y = y >= 0xE000 ? y - 0x800 : y + 0x2000;
                }
                return x - y;
            }
        }
        return a.length() - b.length();
    }

    private static String keyText(Object[] row, int[] key) {
        Buf buf = new Buf();
        for (int i = 0; i < key.length; i++) {
            if (i > 0) {
                buf.put('\t');
            }
            Object v = row[key[i] - 1];
            if (v == null) {
                buf.raw("\\N");
            } else {
                buf.escaped(Values.text(v, Db.Flavor.OTHER));
            }
        }
        return buf.toString();
    }

    /** The counts and the first keys of each kind of difference. */
    private static final class Report {
        private final String[] names;
        private final int[] key;
        private long matched;
        private long onlyInSource;
        private long onlyInDest;
        private long different;
        private final List<String> firstOnlyInSource = new ArrayList<>();
        private final List<String> firstOnlyInDest = new ArrayList<>();
        private final List<String> firstDifferent = new ArrayList<>();
        private final long[] differentByColumn;

        Report(String[] names, int[] key) {
            this.names = names;
            this.key = key;
            this.differentByColumn = new long[names.length];
        }

        void onlyInSource(Object[] row) {
            onlyInSource++;
            note(firstOnlyInSource, row);
        }

        void onlyInDest(Object[] row) {
            onlyInDest++;
            note(firstOnlyInDest, row);
        }

        void pair(Object[] s, Object[] d) {
            boolean same = true;
            for (int i = 0; i < s.length; i++) {
                if (compareValues(s[i], d[i]) != 0) {
                    differentByColumn[i]++;
                    same = false;
                }
            }
            if (same) {
                matched++;
            } else {
                different++;
                note(firstDifferent, s);
            }
        }

        private void note(List<String> first, Object[] row) {
            if (first.size() < FIRST_KEYS) {
                first.add(keyText(row, key));
            }
        }

        void print(long sourceRows, long destRows, PrintStream out) {
            out.println("verified " + sourceRows + " source rows and " + destRows + " destination rows: "
                + matched + " matched, " + onlyInSource + " only in source, " + onlyInDest
                + " only in destination, " + different + " different");
            Map<String, List<String>> first = new LinkedHashMap<>();
            first.put("only in source", firstOnlyInSource);
            first.put("only in destination", firstOnlyInDest);
            first.put("different", firstDifferent);
            for (Map.Entry<String, List<String>> e : first.entrySet()) {
                for (String k : e.getValue()) {
                    out.println(e.getKey() + "\t" + k);
                }
            }
            for (int i = 0; i < names.length; i++) {
                if (differentByColumn[i] > 0) {
                    Buf buf = new Buf();
                    buf.escaped(names[i]);
                    out.println("different column\t" + buf + "\t" + differentByColumn[i]);
                }
            }
            out.flush();
        }
    }
}
