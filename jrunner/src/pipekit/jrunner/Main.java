package pipekit.jrunner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.BatchUpdateException;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** jrunner: query, metadata, exec, migrate and verify over JDBC. Exit 0 success, 1 failure, 2 bad arguments. */
public final class Main {
    static final String VERSION = "jrunner 1.0.0 (pipekit)";
    /** How long a cancelled call may take to stop its statements and roll back. */
    static final long CANCEL_MILLIS = 2500;

    private Main() {}

    public static void main(String[] args) {
        String watched = System.getenv("JRUNNER_WATCH_PARENT");
        if (watched != null) {
            watchParent(Long.parseLong(watched));
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Call call = Call.ofProcess();
        // SIGTERM (a cancelled run): stop the statements on both databases and let the call roll
        // back before the JVM goes; the caller kills it a few seconds later if that hangs.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> call.cancelUntilDone(CANCEL_MILLIS), "cancel"));
        call.begin();
        int status = run(args, out, System.err);
        call.end(false);
        out.flush();
        System.exit(status);
    }

    /** Run one call (the arguments of one command line): its output on out, its errors on err; return
     *  its exit status. A fresh start and each call of --serve go through here alike. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return execute(args, out);
        } catch (Options.UsageError e) {
            err.println("jrunner: " + e.getMessage());
            err.println(Options.USAGE);
            return 2;
        } catch (SQLException e) {
            err.println("jrunner: " + describe(e));
            String state = sqlState(e);
            if (state != null) {
                // Last, on a line of its own: the caller tells a lasting failure from a passing one by it.
                err.println(SQLSTATE + state);
            }
            return 1;
        } catch (Exception e) {
            err.println("jrunner: " + e);
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int execute(String[] args, PrintStream out) throws Exception {
        Options o = Options.parse(args);
        if (o.mode == Options.Mode.VERSION) {
            version(out);
            return 0;
        }
        List<String> sql = readSql("-sq", o.sqlFiles);
        switch (o.mode) {
            case QUERY -> Query.query(o, sql.get(0), out);
            case METADATA -> Query.metadata(o, sql.get(0), out);
            case EXEC -> Query.exec(o, sql, out);
            case VERIFY -> Verify.run(o, sql.get(0), readSql("-dq", List.of(o.destQueryFile)).get(0), out);
            default -> Migrate.run(o, sql.get(0), o.keysFile == null ? null : readSql("-kq", List.of(o.keysFile)).get(0),
                readSql("-pre", o.preFiles), readSql("-post", o.postFiles), out);
        }
        return 0;
    }

    /** Stop at once, committing nothing, when caller (the pid of the process that started jrunner,
     *  given rather than read, as it may be gone already) is no longer among our ancestors: a load
     *  whose caller was killed must not go on and commit behind the back of the run that replaces it. */
    static void watchParent(long caller) {
        Thread watch = new Thread(() -> {
            while (isAncestor(caller)) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.err.println("jrunner: the process that started it is gone; stopped, nothing committed");
            haltCancelled();
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /** Halt (status 1), committing nothing; a call still running has its statements cancelled first,
     *  so none goes on running on a database after us. */
    static void haltCancelled() {
        Call call = Call.current();
        if (call != null) {
            call.cancelUntilDone(CANCEL_MILLIS);
        }
        Runtime.getRuntime().halt(1);
    }

    private static boolean isAncestor(long pid) {
        // A wrapper script may sit between the caller and us, so look past the parent.
        Optional<ProcessHandle> p = ProcessHandle.current().parent();
        for (int depth = 0; p.isPresent() && depth < 64; depth++) {
            if (p.get().pid() == pid) {
                return true;
            }
            p = p.get().parent();
        }
        return false;
    }

    private static void version(PrintStream out) {
        out.println(VERSION);
        for (String[] d : Drivers.KNOWN) {
            try {
                Driver driver = (Driver) Call.driverClass(d[1]).getDeclaredConstructor().newInstance();
                out.println("driver " + d[0] + " " + driver.getMajorVersion() + "." + driver.getMinorVersion()
                    + " (" + d[1] + ")");
            } catch (ReflectiveOperationException | LinkageError e) {
                out.println("driver " + d[0] + " not found");
            }
        }
    }

    /** Each file holds one statement; a trailing semicolon is dropped, as several drivers reject it. */
    static List<String> readSql(String flag, List<String> files) throws Options.UsageError {
        List<String> sql = new ArrayList<>();
        for (String f : files) {
            String text;
            try {
                text = Files.readString(Path.of(f), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new Options.UsageError(flag + " " + f + ": cannot read (" + e.getClass().getSimpleName() + ")");
            }
            while (text.endsWith(";")) {
                text = text.substring(0, text.length() - 1).stripTrailing();
            }
            if (text.isEmpty()) {
                throw new Options.UsageError(flag + " " + f + ": the file holds no SQL");
            }
            sql.add(text);
        }
        return sql;
    }

    static final String SQLSTATE = "jrunner: SQLSTATE ";

    /** The SQLSTATE of the failure described, or of the first exception under it that has one. */
    static String sqlState(SQLException e) {
        for (Throwable t = shown(e); t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null && !s.getSQLState().isBlank()) {
                return s.getSQLState();
            }
        }
        return null;
    }

    /** The driver's message; for a failed batch, the server's reason rather than the statement text. */
    static String describe(SQLException e) {
        SQLException shown = shown(e);
        String message = shown.getMessage() == null ? shown.toString() : shown.getMessage();
        return message.strip();
    }

    /** The exception that says what failed: for a failed batch, the server's, not the batch's. */
    private static SQLException shown(SQLException e) {
        return e instanceof BatchUpdateException && e.getNextException() != null ? e.getNextException() : e;
    }
}
