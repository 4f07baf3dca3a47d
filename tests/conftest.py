import pytest

from tests.dbs import MariaDatabase, PgDatabase, SqliteDatabase, unique_name


def _database(db):
    db.create()
    yield db
    db.drop()


@pytest.fixture
def pg_db():
    """A fresh, empty PostgreSQL database, dropped after the test."""
    yield from _database(PgDatabase(unique_name("pk_pg")))


@pytest.fixture
def pg_db2():
    """A second PostgreSQL database, for PG to PG tests."""
    yield from _database(PgDatabase(unique_name("pk_pg")))


@pytest.fixture
def maria_db():
    """A fresh, empty MariaDB database (utf8mb4), dropped after the test."""
    yield from _database(MariaDatabase(unique_name("pk_maria")))


@pytest.fixture
def maria_db2():
    yield from _database(MariaDatabase(unique_name("pk_maria")))


@pytest.fixture
def sqlite_db(tmp_path):
    """A fresh SQLite database file."""
    yield from _database(SqliteDatabase(tmp_path / f"{unique_name('pk_sqlite')}.db"))


@pytest.fixture
def sqlite_db2(tmp_path):
    yield from _database(SqliteDatabase(tmp_path / f"{unique_name('pk_sqlite')}.db"))


@pytest.fixture
def drivers(db):
    """The built-in drivers, registered."""
    from connections.drivers import sync_drivers
    from connections.models import Driver

    sync_drivers()
    return {d.name: d for d in Driver.objects.all()}


@pytest.fixture
def make_connection(drivers):
    """Return a function that registers a Connection model for a test database."""
    from connections.models import Connection

    def make(database, name=None, **fields):
        return Connection.objects.create(
            name=name or database.name,
            driver=drivers[database.driver],
            jdbc_url=database.jdbc_url,
            username=database.username,
            **fields,
        )

    return make


@pytest.fixture
def make_module():
    """Return a function that creates a Module; columns are (name, dest_type) pairs, one name at both ends."""
    from syncs.models import Module

    def make(source, dest, *, columns, source_query, dest_table, strategy="full", name=None, **fields):
        return Module.objects.create(
            name=name or unique_name("m"),
            source=source,
            dest=dest,
            source_query=source_query,
            dest_table=dest_table,
            strategy=strategy,
            columns=[
                {
                    "id": f"c{i}",
                    "source_name": n,
                    "dest_name": n,
                    "dest_type": t,
                    "source_type": "",
                    "description": "",
                }
                for i, (n, t) in enumerate(columns, 1)
            ],
            **fields,
        )

    return make
