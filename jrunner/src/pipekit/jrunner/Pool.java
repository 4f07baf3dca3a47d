package pipekit.jrunner;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The PostgreSQL sessions a warm JVM keeps between its calls (jrunner/README.md, "Warm mode"), so
 * that a small run does not pay two or three connection set-ups each time.
 *
 * <p>A session goes back only from a call that succeeded and was not cancelled, and only once it is
 * as new: rolled back and {@code DISCARD ALL} (temporary tables, session settings, prepared
 * statements, advisory locks, LISTENs gone); a session that cannot be reset is closed. One taken
 * again is checked first ({@code isValid}), and one idle for {@link #IDLE_MILLIS} is closed.
 * Other databases connect afresh for each call: they have no such reset in plain SQL.
 */
final class Pool {
    /** How long a session may wait idle for its next call: JRUNNER_POOL_IDLE_SECONDS (default 60; 0
     *  keeps none). */
    static final long IDLE_MILLIS = idleMillis();
    /** The idle sessions kept at most, per connection and in all. */
    private static final int PER_KEY = 2;
    private static final int IN_ALL = 8;

    /** What a session is for: its drivers, URL, user and a digest of its password (never the password). */
    record Key(ClassLoader drivers, String url, String user, String passwordDigest) {
        static Key of(ClassLoader drivers, String url, Properties props) {
            return new Key(drivers, url, props.getProperty("user", ""), digest(props.getProperty("password", "")));
        }
    }

    private record Idle(Connection connection, long since) {}

    private static final Map<Key, Deque<Idle>> IDLE = new HashMap<>();
    private static int idle;

    private Pool() {}

    /** A kept session for key that still answers, or null. */
    static Connection take(Key key) {
        for (;;) {
            Idle found;
            synchronized (Pool.class) {
                Deque<Idle> kept = IDLE.get(key);
                found = kept == null ? null : kept.pollFirst();
                if (found == null) {
                    return null;
                }
                idle--;
            }
            if (answers(found.connection())) {
                return found.connection();
            }
            Db.abortQuietly(found.connection());
        }
    }

    /** Keep c for key's next call once it is reset, or close it. */
    static void give(Key key, Connection c) {
        try {
            if (c.isClosed()) {
                return;
            }
            if (IDLE_MILLIS == 0) {
                c.close();
                return;
            }
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            c.setReadOnly(false);
            try (Statement st = c.createStatement()) {
                // Fails inside a transaction a statement opened by hand: then the session is closed.
                st.execute("DISCARD ALL");
            }
        } catch (SQLException e) {
            Db.abortQuietly(c);
            return;
        }
        synchronized (Pool.class) {
            Deque<Idle> kept = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>());
            if (kept.size() < PER_KEY && idle < IN_ALL) {
                // Newest first: the next call takes the session used last.
                kept.addFirst(new Idle(c, System.currentTimeMillis()));
                idle++;
                return;
            }
        }
        close(c);
    }

    /** Close the sessions idle for longer than IDLE_MILLIS (now < 0: every one). */
    static void sweep(long now) {
        List<Connection> old = new ArrayList<>();
        synchronized (Pool.class) {
            for (Iterator<Deque<Idle>> keys = IDLE.values().iterator(); keys.hasNext();) {
                Deque<Idle> kept = keys.next();
                kept.removeIf(i -> {
                    boolean stale = now < 0 || now - i.since() > IDLE_MILLIS;
                    if (stale) {
                        old.add(i.connection());
                    }
                    return stale;
                });
                if (kept.isEmpty()) {
                    keys.remove();
                }
            }
            idle -= old.size();
        }
        old.forEach(Pool::close);
    }

    /** Sweep every few seconds, on a daemon thread, for the JVM's life. */
    static void startSweeping() {
        Thread sweeper = new Thread(() -> {
            for (;;) {
                try {
                    Thread.sleep(Math.min(5_000, Math.max(IDLE_MILLIS / 2, 100)));
                } catch (InterruptedException e) {
                    return;
                }
                sweep(System.currentTimeMillis());
            }
        }, "pool-sweeper");
        sweeper.setDaemon(true);
        sweeper.start();
    }

    private static long idleMillis() {
        String seconds = System.getenv("JRUNNER_POOL_IDLE_SECONDS");
        try {
            return seconds == null ? 60_000 : Math.max(0, Long.parseLong(seconds.strip()) * 1000);
        } catch (NumberFormatException e) {
            System.err.println("jrunner --serve: JRUNNER_POOL_IDLE_SECONDS is not a number of seconds: " + seconds
                + "; using 60");
            return 60_000;
        }
    }

    private static boolean answers(Connection c) {
        try {
            return c.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            Db.abortQuietly(c);
        }
    }

    private static String digest(String password) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
