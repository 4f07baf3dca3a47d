package pipekit.jrunner;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable UTF-8 byte buffer with the escapes of the tab-separated formats jrunner writes. */
final class Buf {
    byte[] bytes = new byte[1 << 17];
    int size;

    void put(char ascii) {
        ensure(1);
        bytes[size++] = (byte) ascii;
    }

    void put(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
    }

    /** Append s as UTF-8, unescaped (s must not hold separators). */
    void raw(String s) {
        put(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Append s as UTF-8 with backslash escapes for backslash, tab, newline, carriage return and NUL:
     * the text format of TSV output, Postgres COPY and MariaDB LOAD DATA alike, where a lone
     * {@code \N} means NULL and so a literal backslash-N arrives as {@code \\N}.
     * These are ASCII bytes, which never occur inside a multi-byte UTF-8 sequence.
     */
    void escaped(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int first = 0;
        while (first < b.length && !special(b[first])) {
            first++;
        }
        ensure(first == b.length ? b.length : 2 * b.length);
        System.arraycopy(b, 0, bytes, size, first);
        size += first;
        for (int i = first; i < b.length; i++) {
            byte c = b[i];
            switch (c) {
                case '\\' -> pair('\\');
                case '\t' -> pair('t');
                case '\n' -> pair('n');
                case '\r' -> pair('r');
                case 0 -> pair('0');
                default -> bytes[size++] = c;
            }
        }
    }

    /** Append s as an RFC 4180 field: quoted when needed; the empty string is "" so it differs from NULL. */
    void csv(String s) {
        boolean quote = s.isEmpty();
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        if (!quote) {
            raw(s);
            return;
        }
        put('"');
        raw(s.replace("\"", "\"\""));
        put('"');
    }

    /** The bytes so far, as text. */
    @Override
    public String toString() {
        return new String(bytes, 0, size, StandardCharsets.UTF_8);
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, size);
        size = 0;
    }

    private static boolean special(byte c) {
        return c == '\\' || c == '\t' || c == '\n' || c == '\r' || c == 0;
    }

    private void pair(char c) {
        bytes[size++] = '\\';
        bytes[size++] = (byte) c;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
