"""One dialect class per database kind, behind the interface of base.Dialect."""


def get_dialect(kind):
    """Return the dialect instance for a driver kind (postgres, mariadb, sqlite, mssql, db2i)."""
    from connections.dialects import db2i, mariadb, mssql, postgres, sqlite

    dialects = {
        "postgres": postgres.PostgresDialect,
        "mariadb": mariadb.MariaDBDialect,
        "sqlite": sqlite.SQLiteDialect,
        "mssql": mssql.MSSQLDialect,
        "db2i": db2i.DB2iDialect,
    }
    try:
        return dialects[kind]()
    except KeyError:
        raise ValueError(f"no dialect for driver kind {kind!r}") from None
