package pipekit.jrunner;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/** A growable UTF-8 byte buffer with the escapes of the tab-separated formats jrunner writes. */
final class Buf {
    byte[] bytes = new byte[1 << 17];
    int size;

    void put(char ascii) {
        ensure(1);
        bytes[size++] = (byte) ascii;
    }

    /** Append s as UTF-8, unescaped (s must not hold separators). */
    void raw(String s) {
        ensure(s.length() * 3);
        for (int i = 0; i < s.length(); i++) {
            i += encode(s, i, s.charAt(i));
        }
    }

    /**
     * Append s as UTF-8 with backslash escapes for backslash, tab, newline, carriage return and NUL:
     * the text format of TSV output, Postgres COPY and MariaDB LOAD DATA alike, where a lone
     * {@code \N} means NULL and so a literal backslash-N arrives as {@code \\N}.
     */
    void escaped(String s) {
        // At most 3 bytes per char: an escape is 2, a surrogate pair (2 chars) is 4.
        ensure(s.length() * 3);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> pair('\\');
                case '\t' -> pair('t');
                case '\n' -> pair('n');
                case '\r' -> pair('r');
                case '\0' -> pair('0');
                default -> i += encode(s, i, c);
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

    void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, size);
        size = 0;
    }

    private void pair(char c) {
        bytes[size++] = '\\';
        bytes[size++] = (byte) c;
    }

    /** Encode the char at i; return how many further chars it consumed (1 for a surrogate pair). */
    private int encode(String s, int i, char c) {
        if (c < 0x80) {
            bytes[size++] = (byte) c;
        } else if (c < 0x800) {
            bytes[size++] = (byte) (0xc0 | (c >> 6));
            bytes[size++] = (byte) (0x80 | (c & 0x3f));
        } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(i + 1));
            bytes[size++] = (byte) (0xf0 | (cp >> 18));
            bytes[size++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            bytes[size++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            bytes[size++] = (byte) (0x80 | (cp & 0x3f));
            return 1;
        } else if (Character.isSurrogate(c)) {
            // An unpaired surrogate has no UTF-8 form; write what Java's encoder writes.
            bytes[size++] = '?';
        } else {
            bytes[size++] = (byte) (0xe0 | (c >> 12));
            bytes[size++] = (byte) (0x80 | ((c >> 6) & 0x3f));
            bytes[size++] = (byte) (0x80 | (c & 0x3f));
        }
        return 0;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
