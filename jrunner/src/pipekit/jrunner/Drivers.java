package pipekit.jrunner;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Driver jars for {@code --serve}: a class loader per set of jars (a call's JRUNNER_CLASSPATH,
 * then the Debian jars the launcher found), cached for the JVM's life, so calls on connections
 * whose drivers name other jars each get theirs, as a fresh start's class path does.
 */
final class Drivers {
    /** The drivers jrunner knows by name: found even when a jar does not declare itself a JDBC 4 service. */
    static final String[][] KNOWN = {
        {"postgresql", "org.postgresql.Driver"},
        {"mariadb", "org.mariadb.jdbc.Driver"},
        {"sqlite", "org.sqlite.JDBC"},
        {"jtds", "net.sourceforge.jtds.jdbc.Driver"},
        {"jt400", "com.ibm.as400.access.AS400JDBCDriver"},
    };

    private static final Map<String, ClassLoader> LOADERS = new ConcurrentHashMap<>();
    private static final Map<ClassLoader, List<Driver>> DRIVERS = new ConcurrentHashMap<>();
    private static volatile ClassLoader shared;

    private Drivers() {}

    /** The class loader of classpath (colon separated jars) before the launcher's jars (colon separated).
     *
     *  The launcher's jars have one loader for the JVM's life, shared by every call: a JNI library
     *  (SQLite's) loads in one class loader only. A call naming other jars gets a loader of its own
     *  over it, per set of jars, that looks in them first, so a newer driver wins as on a fresh
     *  start's class path. */
    static synchronized ClassLoader loader(String classpath, String launcherJars) {
        if (shared == null) {
            shared = new URLClassLoader("drivers", urls(List.of(launcherJars.split(":"))),
                Drivers.class.getClassLoader());
        }
        List<String> own = new ArrayList<>();
        List<String> launcher = List.of(launcherJars.split(":"));
        for (String path : (classpath == null ? "" : classpath).split(":")) {
            if (!path.isEmpty() && !launcher.contains(path) && !own.contains(path)) {
                own.add(path);
            }
        }
        if (own.isEmpty()) {
            return shared;
        }
        return LOADERS.computeIfAbsent(String.join(":", own), k -> new ChildFirst(urls(own), shared));
    }

    private static URL[] urls(List<String> paths) {
        List<URL> urls = new ArrayList<>();
        for (String path : paths) {
            if (!path.isEmpty()) {
                try {
                    urls.add(new File(path).toURI().toURL());
                } catch (MalformedURLException e) {
                    // Not a path at all: a fresh start's class path ignores it too.
                }
            }
        }
        return urls.toArray(new URL[0]);
    }

    /** Looks in its own jars before its parent's (the JDK's and jrunner's own classes excepted). */
    private static final class ChildFirst extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        ChildFirst(URL[] urls, ClassLoader parent) {
            super("call-drivers", urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("pipekit.jrunner.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        return super.loadClass(name, resolve);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    /** Connect as DriverManager does (the first driver that accepts the URL; the first failure if none
     *  connects), over the drivers of loader. */
    static Connection connect(ClassLoader loader, String url, Properties props) throws SQLException {
        SQLException reason = null;
        for (Driver d : drivers(loader)) {
            try {
                Connection c = d.connect(url, props);
                if (c != null) {
                    return c;
                }
            } catch (SQLException e) {
                if (reason == null) {
                    reason = e;
                }
            }
        }
        if (reason != null) {
            throw reason;
        }
        throw new SQLException("No suitable driver found for " + url, "08001");
    }

    private static List<Driver> drivers(ClassLoader loader) {
        return DRIVERS.computeIfAbsent(loader, l -> {
            Map<Class<?>, Driver> found = new LinkedHashMap<>();
            try {
                for (Driver d : ServiceLoader.load(Driver.class, l)) {
                    found.putIfAbsent(d.getClass(), d);
                }
            } catch (ServiceConfigurationError e) {
                // A broken service entry: the known drivers below are still found by name.
            }
            for (String[] known : KNOWN) {
                try {
                    Class<?> c = Class.forName(known[1], true, l);
                    if (!found.containsKey(c)) {
                        found.put(c, (Driver) c.getDeclaredConstructor().newInstance());
                    }
                } catch (ReflectiveOperationException | LinkageError e) {
                    // That jar is not in this set.
                }
            }
            return List.copyOf(found.values());
        });
    }

    /** Ask PostgreSQL to cancel whatever c runs (a COPY has no Statement to cancel). */
    static void cancelPostgres(Connection c, ClassLoader loader) {
        try {
            Class<?> pg = Class.forName("org.postgresql.PGConnection", true, loader);
            if (!c.isClosed() && c.isWrapperFor(pg)) {
                pg.getMethod("cancelQuery").invoke(c.unwrap(pg));
            }
        } catch (ReflectiveOperationException | SQLException | RuntimeException e) {
            // Not PostgreSQL, or closed meanwhile: its statements were cancelled one by one.
        }
    }
}
