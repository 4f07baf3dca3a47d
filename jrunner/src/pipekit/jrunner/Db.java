package pipekit.jrunner;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;

/** Connections, and what jrunner needs to know about the kind of database behind a URL. */
final class Db {
    enum Flavor { POSTGRES, MARIADB, SQLITE, OTHER }

    /** Rows fetched per round trip when streaming a source. */
    static final int FETCH_SIZE = 1000;

    private Db() {}

    static Flavor flavor(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        if (u.startsWith("jdbc:postgresql:")) {
            return Flavor.POSTGRES;
        }
        if (u.startsWith("jdbc:mariadb:") || u.startsWith("jdbc:mysql:")) {
            return Flavor.MARIADB;
        }
        if (u.startsWith("jdbc:sqlite:")) {
            return Flavor.SQLITE;
        }
        return Flavor.OTHER;
    }

    /** Connect as a source: Postgres streams only with autocommit off (and a fetch size). */
    static Connection source(String url, String user, String password, int lockTimeout) throws SQLException {
        Connection c = connect(url, user, password, "JRUNNER_SOURCE_PASSWORD", lockTimeout);
        if (flavor(url) == Flavor.POSTGRES) {
            c.setAutoCommit(false);
        }
        return c;
    }

    /** Connect to read only (verify mode): streaming as a source does, and where the driver can say
     *  so (PostgreSQL: BEGIN READ ONLY), in a read-only transaction. */
    static Connection reader(String url, String user, String password, String passwordVariable, int lockTimeout)
            throws SQLException {
        Connection c = connect(url, user, password, passwordVariable, lockTimeout);
        if (flavor(url) == Flavor.POSTGRES) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
        }
        return c;
    }

    /** Connect as a destination: autocommit off, so a failed load commits nothing. */
    static Connection dest(String url, String user, String password, boolean bulk, int lockTimeout)
            throws SQLException {
        String u = url;
        switch (flavor(url)) {
            case MARIADB -> {
                u = withParam(u, "allowLocalInfile", "true");
                if (!bulk) {
                    u = withParam(u, "rewriteBatchedStatements", "true");
                }
            }
            case POSTGRES -> u = withParam(u, "reWriteBatchedInserts", "true");
            default -> { }
        }
        Connection c = connect(u, user, password, "JRUNNER_DEST_PASSWORD", lockTimeout);
        c.setAutoCommit(false);
        return c;
    }

    /** Connect; lockTimeout (seconds, 0 for the database's default) bounds every wait for a lock. */
    static Connection connect(String url, String user, String password, String passwordVariable, int lockTimeout)
            throws SQLException {
        Properties props = new Properties();
        if (user != null && !user.isEmpty()) {
            props.setProperty("user", user);
        }
        String pw = password != null ? password : Call.env(passwordVariable);
        if (pw != null) {
            props.setProperty("password", pw);
        }
        Connection c = Call.connect(url, props);
        if (lockTimeout > 0) {
            setLockTimeout(c, flavor(url), lockTimeout);
        }
        return c;
    }

    /** Set the session's lock wait limit, while autocommit is still on (a rollback would undo a SET). */
    private static void setLockTimeout(Connection c, Flavor flavor, int seconds) throws SQLException {
        String sql = switch (flavor) {
            case POSTGRES -> "SET lock_timeout = '" + seconds + "s'";
            // Row locks, and metadata locks (DDL, LOCK TABLES).
            case MARIADB -> "SET SESSION innodb_lock_wait_timeout = " + seconds + ", SESSION lock_wait_timeout = "
                + seconds;
            case SQLITE -> "PRAGMA busy_timeout = " + (seconds * 1000L);
            // No portable session setting: left to the driver's and database's defaults.
            case OTHER -> null;
        };
        if (sql != null) {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }
    }

    /** Add ?key=value to a URL unless the URL sets key already. */
    static String withParam(String url, String key, String value) {
        String lower = url.toLowerCase(Locale.ROOT);
        String k = key.toLowerCase(Locale.ROOT) + "=";
        if (lower.contains("?" + k) || lower.contains("&" + k)) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + key + "=" + value;
    }

    static void rollbackQuietly(Connection c) {
        try {
            if (c != null && !c.isClosed() && !c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // The original failure is what the user needs to see.
        }
    }

    static void abortQuietly(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // The original failure is what the user needs to see.
        }
    }
}
