package pipekit.jrunner;

import java.io.PrintStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * -scols: the source column labels a migrate expects, checked against the query's result before
 * any row is read. A missing (or renamed) column fails the load; an extra one is left out and
 * reported, as the rows are then taken by name.
 */
final class SourceColumns {
    private SourceColumns() {}

    /** The -scols value: labels separated by newlines, a backslash or newline inside one escaped as \\ or \n. */
    static String[] parse(String list) {
        List<String> labels = new ArrayList<>();
        StringBuilder label = new StringBuilder();
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '\\' && i + 1 < list.length()) {
                char next = list.charAt(++i);
                label.append(next == 'n' ? '\n' : next);
            } else if (c == '\n') {
                labels.add(label.toString());
                label.setLength(0);
            } else {
                label.append(c);
            }
        }
        labels.add(label.toString());
        return labels.toArray(new String[0]);
    }

    /**
     * The 1-based source columns to load, one per expected label, or null when that is every column
     * in order. A label matches the column at its own position, else the one column of that name,
     * else the one column of that name ignoring case (databases fold unquoted names differently); an
     * empty label (a column the database gave no name) takes its position. Extra columns are
     * reported on out as "extra source columns (not loaded): …".
     */
    static int[] pick(String[] expected, String[] labels, PrintStream out) throws SQLException {
        if (labels.length == 0) {
            throw new SQLException("source columns: the query returns no columns; nothing was loaded");
        }
        int[] pick = new int[expected.length];
        boolean[] used = new boolean[labels.length];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            int found = find(expected[i], i, labels);
            if (found < 0) {
                missing.add(expected[i].isEmpty() ? "(unnamed column " + (i + 1) + ")" : expected[i]);
            } else {
                pick[i] = found + 1;
                used[found] = true;
            }
        }
        if (!missing.isEmpty()) {
            throw new SQLException("source columns: the query returns no column " + String.join(", ", missing)
                + " (the module's source names); it returns " + String.join(", ", labels) + "; nothing was loaded");
        }
        List<String> extra = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (!used[i]) {
                extra.add(labels[i]);
            }
        }
        if (!extra.isEmpty()) {
            out.println("extra source columns (not loaded): " + String.join(", ", extra));
            out.flush();
        }
        for (int i = 0; i < pick.length; i++) {
            if (pick[i] != i + 1) {
                return pick;
            }
        }
        return pick.length == labels.length ? null : pick;
    }

    private static int find(String name, int position, String[] labels) {
        boolean there = position < labels.length;
        if (name.isEmpty() || (there && labels[position].equals(name))) {
            return there ? position : -1;
        }
        int found = only(labels, name::equals);
        if (found < 0) {
            found = only(labels, name::equalsIgnoreCase);
        }
        if (found < 0 && there && labels[position].equalsIgnoreCase(name)) {
            return position;
        }
        return Math.max(found, -1);
    }

    /** The index of the one label matching, -1 for none, -2 for several. */
    private static int only(String[] labels, Predicate<String> matches) {
        int found = -1;
        for (int i = 0; i < labels.length; i++) {
            if (matches.test(labels[i])) {
                if (found >= 0) {
                    return -2;
                }
                found = i;
            }
        }
        return found;
    }
}
