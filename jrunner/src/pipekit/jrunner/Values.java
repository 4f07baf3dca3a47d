package pipekit.jrunner;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * Reading source values and rendering them as text, without losing a digit, a microsecond or a byte.
 *
 * A source column is read as one of a few Java types. Text destinations (query output, COPY,
 * LOAD DATA) take the database's own text for numbers and dates (getString is exact there and
 * cheapest); batched inserts take typed values so parameters are bound with their real type.
 */
final class Values {
    static final int STRING = 0;
    static final int BOOL = 1;
    static final int BYTES = 2;
    static final int LONG = 3;
    static final int DECIMAL = 4;
    static final int DOUBLE = 5;
    static final int FLOAT = 6;
    static final int DATE = 7;
    static final int TIMESTAMP = 8;
    static final int TIMESTAMPTZ = 9;
    /** SQLite: whatever the value's storage class is (Long, Double, String, byte[]). */
    static final int OBJECT = 10;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Values() {}

    /** How to read each column of rs; typed=false prefers the database's text where that is exact. */
    static int[] kinds(ResultSetMetaData md, Db.Flavor source, boolean typed) throws SQLException {
        int[] kinds = new int[md.getColumnCount()];
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = kind(source, md.getColumnType(i + 1), md.getColumnTypeName(i + 1),
                md.getPrecision(i + 1), typed);
        }
        return kinds;
    }

    static int kind(Db.Flavor source, int type, String typeName, int precision, boolean typed) {
        if (source == Db.Flavor.SQLITE) {
            return OBJECT;
        }
        String name = typeName == null ? "" : typeName.toLowerCase(Locale.ROOT);
        return switch (type) {
            case Types.BIT, Types.BOOLEAN -> precision <= 1 ? BOOL : STRING;
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> BYTES;
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER -> typed ? LONG : STRING;
            // An unsigned BIGINT can exceed a long.
            case Types.BIGINT -> !typed ? STRING : name.contains("unsigned") ? DECIMAL : LONG;
            case Types.NUMERIC, Types.DECIMAL -> typed ? DECIMAL : STRING;
            case Types.DOUBLE, Types.FLOAT -> typed ? DOUBLE : STRING;
            case Types.REAL -> typed ? FLOAT : STRING;
            case Types.DATE -> typed ? DATE : STRING;
            // A zone-aware timestamp is read with its offset so any destination can place it.
            case Types.TIMESTAMP -> name.equals("timestamptz") ? TIMESTAMPTZ : typed ? TIMESTAMP : STRING;
            case Types.TIMESTAMP_WITH_TIMEZONE -> TIMESTAMPTZ;
            default -> STRING;
        };
    }

    static Object read(ResultSet rs, int col, int kind) throws SQLException {
        switch (kind) {
            case STRING:
                return rs.getString(col);
            case BOOL: {
                boolean v = rs.getBoolean(col);
                return rs.wasNull() ? null : v;
            }
            case BYTES:
                return rs.getBytes(col);
            case LONG: {
                long v = rs.getLong(col);
                return rs.wasNull() ? null : v;
            }
            case DECIMAL:
                return rs.getBigDecimal(col);
            case DOUBLE: {
                double v = rs.getDouble(col);
                return rs.wasNull() ? null : v;
            }
            case FLOAT: {
                float v = rs.getFloat(col);
                return rs.wasNull() ? null : v;
            }
            case DATE:
                return rs.getObject(col, LocalDate.class);
            case TIMESTAMP: {
                // The MariaDB driver parses with a DateTimeFormatter, which dominated the profile.
                String text = rs.getString(col);
                LocalDateTime t = text == null ? null : parseTimestamp(text);
                return t != null || text == null ? t : rs.getObject(col, LocalDateTime.class);
            }
            case TIMESTAMPTZ:
                return rs.getObject(col, OffsetDateTime.class);
            default: {
                Object v = rs.getObject(col);
                return v instanceof Integer i ? Long.valueOf(i) : v;
            }
        }
    }

    /** Parse "yyyy-MM-dd HH:mm:ss[.fraction]"; null for any other shape (BC, infinity, zones). */
    static LocalDateTime parseTimestamp(String s) {
        int n = s.length();
        if (n < 19 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != ' ' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || (n > 19 && (s.charAt(19) != '.' || n == 20 || n > 29))) {
            return null;
        }
        int nanos = 0;
        for (int i = 20; i < 29; i++) {
            int d = i < n ? s.charAt(i) - '0' : 0;
            if (d < 0 || d > 9) {
                return null;
            }
            nanos = nanos * 10 + d;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        if ((year | month | day | hour | minute | second) < 0 || year == 0 || month == 0 || day == 0) {
            return null;
        }
        return LocalDateTime.of(year, month, day, hour, minute, second, nanos);
    }

    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    static boolean isChar(int type) {
        return type == Types.CHAR || type == Types.NCHAR;
    }

    static String trimTrailingBlanks(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') {
            end--;
        }
        return end == s.length() ? s : s.substring(0, end);
    }

    /**
     * A non-null value as text a database of the given flavor reads back as the same value.
     * Binary is rendered as Postgres bytea hex ({@code \x0a1b}); callers that load binary
     * elsewhere render it themselves.
     */
    static String text(Object v, Db.Flavor dest) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Boolean b) {
            return dest == Db.Flavor.MARIADB || dest == Db.Flavor.SQLITE ? (b ? "1" : "0") : (b ? "true" : "false");
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof LocalDate d) {
            return date(d, dest);
        }
        if (v instanceof LocalDateTime t) {
            return timestamp(t, dest);
        }
        if (v instanceof OffsetDateTime t) {
            if (dest != Db.Flavor.POSTGRES) {
                // No zone-aware type to land in: store the instant as UTC.
                return timestamp(t.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime(), dest);
            }
            return timestamp(t.toLocalDateTime(), dest) + offset(t.getOffset());
        }
        if (v instanceof byte[] b) {
            return "\\x" + hex(b);
        }
        return v.toString();
    }

    static String hex(byte[] b) {
        char[] out = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = HEX[(b[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[b[i] & 0xf];
        }
        return new String(out);
    }

    private static String date(LocalDate d, Db.Flavor dest) {
        int year = d.getYear();
        if (year > 9999) {
            return d.toString();
        }
        StringBuilder sb = new StringBuilder(13);
        // Postgres writes years before 1 as "0044-03-15 BC" (there is no year 0).
        pad(sb, year >= 1 || dest != Db.Flavor.POSTGRES ? year : 1 - year, 4);
        sb.append('-');
        pad(sb, d.getMonthValue(), 2);
        sb.append('-');
        pad(sb, d.getDayOfMonth(), 2);
        if (year < 1 && dest == Db.Flavor.POSTGRES) {
            sb.append(" BC");
        }
        return sb.toString();
    }

    private static String timestamp(LocalDateTime t, Db.Flavor dest) {
        String date = date(t.toLocalDate(), dest);
        String time = time(t.toLocalTime());
        if (date.endsWith(" BC")) {
            return date.substring(0, date.length() - 3) + " " + time + " BC";
        }
        return date + " " + time;
    }

    static String time(LocalTime t) {
        StringBuilder sb = new StringBuilder(15);
        pad(sb, t.getHour(), 2);
        sb.append(':');
        pad(sb, t.getMinute(), 2);
        sb.append(':');
        pad(sb, t.getSecond(), 2);
        int nanos = t.getNano();
        if (nanos != 0) {
            String f = Integer.toString(1_000_000_000 + nanos).substring(1);
            int end = f.length();
            while (f.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(f, 0, end);
        }
        return sb.toString();
    }

    private static String offset(ZoneOffset o) {
        int secs = o.getTotalSeconds();
        StringBuilder sb = new StringBuilder(9).append(secs < 0 ? '-' : '+');
        secs = Math.abs(secs);
        pad(sb, secs / 3600, 2);
        sb.append(':');
        pad(sb, secs / 60 % 60, 2);
        if (secs % 60 != 0) {
            sb.append(':');
            pad(sb, secs % 60, 2);
        }
        return sb.toString();
    }

    private static void pad(StringBuilder sb, int n, int width) {
        String s = Integer.toString(n);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        sb.append(s);
    }
}
