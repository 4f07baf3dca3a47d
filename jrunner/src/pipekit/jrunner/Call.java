package pipekit.jrunner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one call a jrunner JVM runs at a time (a fresh start runs one, {@code --serve} one after
 * another): its environment (passwords), the class loader of its driver jars, where its
 * {@code -confirm} answer comes from, and the connections and statements it opened, so that a
 * cancel can stop them on both databases.
 */
final class Call {
    /** Where a -confirm answer comes from; null when there is none (the end of stdin, a cancel). */
    interface Answers {
        String next() throws IOException, InterruptedException;
    }

    /** Methods that start work on the database: refused once the call is cancelled. */
    private static final Set<String> STARTS_WORK = Set.of("createStatement", "prepareStatement", "prepareCall",
        "commit", "setSavepoint");

    private static volatile Call current;

    private final Map<String, String> env;
    private final ClassLoader drivers;
    private final Answers answers;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<Statement> statements = new CopyOnWriteArrayList<>();
    /** The connections that may go back to the Pool when the call ends, with what they are for. */
    private final Map<Connection, Pool.Key> poolable = new ConcurrentHashMap<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean cancelled;

    /** drivers: the class loader of the call's driver jars (null: jrunner's own class path, through
     *  DriverManager, as a fresh start has them). */
    Call(Map<String, String> env, ClassLoader drivers, Answers answers) {
        this.env = env;
        this.drivers = drivers;
        this.answers = answers;
    }

    /** A fresh start's call: the process environment, answers read from stdin. */
    static Call ofProcess() {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return new Call(System.getenv(), null, in::readLine);
    }

    static Call current() {
        return current;
    }

    void begin() {
        current = this;
    }

    /** The call returned (ok: it succeeded): its PostgreSQL sessions go back to the Pool for a warm
     *  JVM's next call; any other connection it left open is closed (its transaction rolls back).
     *  Then the next call may begin. */
    void end(boolean ok) {
        for (Connection c : connections) {
            Pool.Key key = poolable.get(c);
            if (key != null && ok && !cancelled) {
                Pool.give(key, c);
                continue;
            }
            try {
                if (!c.isClosed()) {
                    Db.rollbackQuietly(c);
                    c.close();
                }
            } catch (SQLException e) {
                Db.abortQuietly(c);
            }
        }
        current = null;
        done.countDown();
    }

    static String env(String name) {
        Call c = current;
        return c == null ? System.getenv(name) : c.env.get(name);
    }

    /** The -confirm answer: "commit" commits; anything else, or none, rolls back. */
    static String answer() throws IOException, InterruptedException {
        Call c = current;
        return c == null || c.cancelled ? null : c.answers.next();
    }

    /** A class of the call's driver jars (the drivers' own API, reached by reflection). */
    static Class<?> driverClass(String name) throws ClassNotFoundException {
        Call c = current;
        return Class.forName(name, true, c == null ? Call.class.getClassLoader() : c.loader());
    }

    private ClassLoader loader() {
        return drivers == null ? Call.class.getClassLoader() : drivers;
    }

    /** Open a connection through the call's drivers, tracked so that cancel() reaches its statements.
     *  A warm call takes a kept PostgreSQL session where there is one. */
    static Connection connect(String url, Properties props) throws SQLException {
        Call c = current;
        if (c == null) {
            return DriverManager.getConnection(url, props);
        }
        if (c.cancelled) {
            throw new SQLException("cancelled");
        }
        Pool.Key key = c.drivers != null && Db.flavor(url) == Db.Flavor.POSTGRES
            ? Pool.Key.of(c.drivers, url, props) : null;
        Connection real = key == null ? null : Pool.take(key);
        if (real == null) {
            real = c.drivers == null ? DriverManager.getConnection(url, props) : Drivers.connect(c.drivers, url, props);
        }
        if (key != null) {
            c.poolable.put(real, key);
        }
        c.connections.add(real);
        return (Connection) Proxy.newProxyInstance(Call.class.getClassLoader(), new Class<?>[] {Connection.class},
            c.tracker(real));
    }

    private InvocationHandler tracker(Connection real) {
        return (proxy, method, args) -> {
            if (cancelled && STARTS_WORK.contains(method.getName())) {
                throw new SQLException("cancelled");
            }
            if (method.getName().equals("close") && poolable.containsKey(real)) {
                // Kept open for end(), which resets it for the Pool or closes it.
                return null;
            }
            Object result;
            try {
                result = method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof Statement s) {
                statements.add(s);
            }
            return result;
        };
    }

    /** Stop the call: its statements are cancelled on both databases (PostgreSQL: whatever each
     *  connection runs, a COPY included), nothing more starts and nothing commits; the call then
     *  fails and rolls back on its own thread. Repeat it until the call is done: a statement
     *  started just before the first cancel is caught by the next. */
    void cancel() {
        cancelled = true;
        for (Statement s : statements) {
            try {
                if (!s.isClosed()) {
                    s.cancel();
                }
            } catch (SQLException | RuntimeException ignored) {
                // Closed meanwhile: nothing left to stop.
            }
        }
        for (Connection c : connections) {
            Drivers.cancelPostgres(c, loader());
        }
    }

    /** Cancel until the call has ended or timeoutMillis passed; return whether it ended. */
    boolean cancelUntilDone(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            while (done.getCount() > 0) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                cancel();
                done.await(250, TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean cancelled() {
        return cancelled;
    }
}
