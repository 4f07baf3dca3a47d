package pipekit.jrunner;

import java.util.ArrayList;
import java.util.List;

/** The command line, parsed and checked before anything connects. */
final class Options {
    static final String USAGE = String.join("\n",
        "usage:",
        "  jrunner -scu URL [-scn USER] [-scp PASS] -sq FILE [-f csv|tsv]         query: rows to stdout",
        "  jrunner -scu URL [-scn USER] [-scp PASS] -sq FILE -m                   metadata of the query's columns",
        "  jrunner -scu URL [-scn USER] [-scp PASS] -x -sq F1 [-sq F2 ...]        exec: one transaction",
        "  jrunner -scu URL ... -sq FILE -dcu URL [-dcn USER] [-dcp PASS] -dt TABLE [-c|-ct] [-t] [-b]   migrate",
        "          [-dcols LIST] [-scols LIST] [-pre F1 ...] [-post F2 ...] [-count] [-confirm] [-kq F1 -kd F2 -kt TABLE]",
        "          -dcols: the dest columns to load, by position (quoted, comma separated; default: the",
        "          table's first columns); -scols: the source column labels expected, in load order, one",
        "          per line (a missing one fails the load, extra ones are left out); -pre: dest statements",
        "          committed before the load; -post: dest statements in the load's transaction (a query",
        "          counts its first cell); -count: count TABLE after the load and fail unless it holds the",
        "          rows read; -confirm: before the commit print 'awaiting commit' and commit only when",
        "          stdin answers 'commit'; -kq/-kd/-kt: first compare the keys of -kq (a source query) with",
        "          those of -kd (a destination query), both in key order, and write the -kd keys the source",
        "          lacks into TABLE, in the same transaction (the keys of a delete)",
        "  jrunner -scu URL ... -sq FILE [-scols LIST] -dcu URL [-dcn USER] [-dcp PASS] -dq FILE -vk KEYS   verify",
        "          compare the rows of -sq (its -scols columns) with those of -dq, a query on the",
        "          destination, by position, keyed by the KEYS columns (1-based, comma separated); reads only",
        "  any mode but -version: [-lt SECONDS] waits at most that long for a lock (PostgreSQL lock_timeout,",
        "          MariaDB innodb_lock_wait_timeout and lock_wait_timeout, SQLite busy timeout)",
        "  jrunner -version",
        "Passwords may come from JRUNNER_SOURCE_PASSWORD / JRUNNER_DEST_PASSWORD instead of -scp / -dcp.");

    enum Mode { VERSION, QUERY, METADATA, EXEC, MIGRATE, VERIFY }

    /** A bad command line: exit status 2. */
    static final class UsageError extends Exception {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    Mode mode;
    String sourceUrl;
    String sourceUser;
    String sourcePassword;
    final List<String> sqlFiles = new ArrayList<>();
    final List<String> preFiles = new ArrayList<>();
    final List<String> postFiles = new ArrayList<>();
    String format;
    String destUrl;
    String destUser;
    String destPassword;
    String destTable;
    String destQueryFile;
    int[] verifyKey;
    String destColumns;
    String keysFile;
    String keysDestFile;
    String keysTable;
    String[] sourceColumns;
    int lockTimeout;
    boolean clear;
    boolean truncate;
    boolean trim;
    boolean bulk;
    boolean count;
    boolean confirm;

    static Options parse(String[] args) throws UsageError {
        Options o = new Options();
        boolean metadata = false;
        boolean exec = false;
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "-scu" -> o.sourceUrl = value(args, ++i, flag);
                case "-scn" -> o.sourceUser = value(args, ++i, flag);
                case "-scp" -> o.sourcePassword = value(args, ++i, flag);
                case "-sq" -> o.sqlFiles.add(value(args, ++i, flag));
                case "-f" -> o.format = value(args, ++i, flag);
                case "-dcu" -> o.destUrl = value(args, ++i, flag);
                case "-dcn" -> o.destUser = value(args, ++i, flag);
                case "-dcp" -> o.destPassword = value(args, ++i, flag);
                case "-dt" -> o.destTable = value(args, ++i, flag);
                case "-dq" -> o.destQueryFile = value(args, ++i, flag);
                case "-vk" -> o.verifyKey = positions(value(args, ++i, flag), flag);
                case "-dcols" -> o.destColumns = value(args, ++i, flag);
                case "-kq" -> o.keysFile = value(args, ++i, flag);
                case "-kd" -> o.keysDestFile = value(args, ++i, flag);
                case "-kt" -> o.keysTable = value(args, ++i, flag);
                case "-scols" -> o.sourceColumns = SourceColumns.parse(value(args, ++i, flag));
                case "-lt" -> o.lockTimeout = seconds(value(args, ++i, flag), flag);
                case "-pre" -> o.preFiles.add(value(args, ++i, flag));
                case "-post" -> o.postFiles.add(value(args, ++i, flag));
                case "-m" -> metadata = true;
                case "-x" -> exec = true;
                case "-c" -> o.clear = true;
                case "-ct" -> o.clear = o.truncate = true;
                case "-t" -> o.trim = true;
                case "-b" -> o.bulk = true;
                case "-count" -> o.count = true;
                case "-confirm" -> o.confirm = true;
                case "-version", "--version" -> version = true;
                default -> throw new UsageError("unknown flag " + flag);
            }
        }
        if (version) {
            o.mode = Mode.VERSION;
            return o;
        }
        boolean verify = o.destQueryFile != null || o.verifyKey != null;
        boolean migrate = !verify && (o.destUrl != null || o.destTable != null);
        if (o.sourceUrl == null) {
            throw new UsageError("missing -scu (source JDBC URL)");
        }
        if (o.sqlFiles.isEmpty()) {
            throw new UsageError("missing -sq (file holding the SQL)");
        }
        if (metadata && exec) {
            throw new UsageError("-m and -x cannot be combined");
        }
        if (migrate && (metadata || exec)) {
            throw new UsageError((metadata ? "-m" : "-x") + " cannot be combined with -dcu/-dt");
        }
        if (o.sqlFiles.size() > 1 && !exec) {
            throw new UsageError("-sq given " + o.sqlFiles.size() + " times; only -x takes several");
        }
        if (o.format != null && !o.format.equals("csv") && !o.format.equals("tsv")) {
            throw new UsageError("-f must be csv or tsv, not " + o.format);
        }
        if (o.format != null && (verify || migrate || metadata || exec)) {
            throw new UsageError("-f applies to query mode only");
        }
        if (verify) {
            if (o.destUrl == null || o.destQueryFile == null || o.verifyKey == null) {
                throw new UsageError("verify needs -dcu, -dq and -vk");
            }
            String stray = metadata ? "-m" : exec ? "-x" : o.destTable != null ? "-dt" : o.clear ? "-c" : o.trim ? "-t"
                : o.bulk ? "-b" : o.destColumns != null ? "-dcols" : !o.preFiles.isEmpty() ? "-pre"
                : !o.postFiles.isEmpty() ? "-post" : null;
            if (stray != null) {
                throw new UsageError(stray + " cannot be combined with verify (-dq)");
            }
        } else if (migrate) {
            if (o.destUrl == null) {
                throw new UsageError("missing -dcu (destination JDBC URL for -dt)");
            }
            if (o.destTable == null) {
                throw new UsageError("missing -dt (destination table for -dcu)");
            }
            if ((o.keysFile == null) != (o.keysTable == null) || (o.keysFile == null) != (o.keysDestFile == null)) {
                throw new UsageError("-kq, -kd and -kt go together");
            }
        } else {
            String stray = o.truncate ? "-ct" : o.clear ? "-c" : o.trim ? "-t" : o.bulk ? "-b"
                : o.destUser != null ? "-dcn" : o.destPassword != null ? "-dcp"
                : o.destColumns != null ? "-dcols" : o.sourceColumns != null ? "-scols"
                : o.count ? "-count" : o.confirm ? "-confirm"
                : o.keysFile != null ? "-kq" : o.keysDestFile != null ? "-kd" : o.keysTable != null ? "-kt"
                : !o.preFiles.isEmpty() ? "-pre"
                : !o.postFiles.isEmpty() ? "-post" : null;
            if (stray != null) {
                throw new UsageError(stray + " applies to migrate mode only (with -dcu and -dt)");
            }
        }
        o.mode = verify ? Mode.VERIFY : migrate ? Mode.MIGRATE : exec ? Mode.EXEC : metadata ? Mode.METADATA : Mode.QUERY;
        if (o.format == null) {
            o.format = "csv";
        }
        return o;
    }

    /** A comma-separated list of 1-based column positions. */
    private static int[] positions(String text, String flag) throws UsageError {
        String[] parts = text.split(",", -1);
        int[] positions = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                positions[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                positions[i] = 0;
            }
            if (positions[i] < 1) {
                throw new UsageError(flag + " takes column positions from 1, comma separated, not " + text);
            }
        }
        return positions;
    }

    private static int seconds(String text, String flag) throws UsageError {
        try {
            int seconds = Integer.parseInt(text);
            if (seconds > 0) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new UsageError(flag + " takes a whole number of seconds above 0, not " + text);
    }

    private static String value(String[] args, int i, String flag) throws UsageError {
        if (i >= args.length) {
            throw new UsageError(flag + " needs a value");
        }
        return args[i];
    }
}
