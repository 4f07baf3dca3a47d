package pipekit.jrunner;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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
    static Connection source(String url, String user, String password) throws SQLException {
        Connection c = connect(url, user, password, "JRUNNER_SOURCE_PASSWORD");
        if (flavor(url) == Flavor.POSTGRES) {
            c.setAutoCommit(false);
        }
        return c;
    }

    /** Connect as a destination: autocommit off, so a failed load commits nothing. */
    static Connection dest(String url, String user, String password, boolean bulk) throws SQLException {
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
        Connection c = connect(u, user, password, "JRUNNER_DEST_PASSWORD");
        c.setAutoCommit(false);
        return c;
    }

    static Connection connect(String url, String user, String password, String passwordVariable)
            throws SQLException {
        Properties props = new Properties();
        if (user != null && !user.isEmpty()) {
            props.setProperty("user", user);
        }
        String pw = password != null ? password : System.getenv(passwordVariable);
        if (pw != null) {
            props.setProperty("password", pw);
        }
        return DriverManager.getConnection(url, props);
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
