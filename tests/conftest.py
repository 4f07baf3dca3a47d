import time

import pytest

from tests.dbs import MariaDatabase, PgDatabase, SqliteDatabase, unique_name
from tests.pipekit_site.auth import basic

# The fixtures that need the PostgreSQL and MariaDB test servers (scripts/test-servers.sh).
SERVER_FIXTURES = {"pg_db", "pg_db2", "maria_db", "maria_db2"}


def _names_a_server_fixture(value):
    if isinstance(value, str):
        return value in SERVER_FIXTURES
    return isinstance(value, (tuple, list)) and any(_names_a_server_fixture(v) for v in value)


def pytest_collection_modifyitems(config, items):
    """Mark `servers` every test that needs the database servers, so that `pytest -m "not servers"`
    runs the others without any: those using a server fixture, directly or through another fixture
    (erp_to_dw), or naming one in a parameter for request.getfixturevalue; and, when the state
    database is PostgreSQL (tests/config-pg.yaml), all of them. A test that reaches a server
    otherwise is marked by hand; the server fixtures fail one that is not marked."""
    from django.conf import settings

    state_on_server = not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if (
            state_on_server
            or SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
            or any(_names_a_server_fixture(value) for value in params.values())
        ):
            item.add_marker(pytest.mark.servers)


def _database(db):
    db.create()
    yield db
    db.drop()


def _server_database(request, db):
    if not request.node.get_closest_marker("servers"):
        pytest.fail(
            f"{request.node.nodeid} uses a database server but is not marked `servers`: "
            "add @pytest.mark.servers (or pytest.param(..., marks=pytest.mark.servers))",
            pytrace=False,
        )
    yield from _database(db)


@pytest.fixture
def pg_db(request):
    """A fresh, empty PostgreSQL database, dropped after the test."""
    yield from _server_database(request, PgDatabase(unique_name("pk_pg")))


@pytest.fixture
def pg_db2(request):
    """A second PostgreSQL database, for PG to PG tests."""
    yield from _server_database(request, PgDatabase(unique_name("pk_pg")))


@pytest.fixture
def maria_db(request):
    """A fresh, empty MariaDB database (utf8mb4), dropped after the test."""
    yield from _server_database(request, MariaDatabase(unique_name("pk_maria")))


@pytest.fixture
def maria_db2(request):
    yield from _server_database(request, MariaDatabase(unique_name("pk_maria")))


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
def history(drivers):
    """Return a function adding grouped modules with runs (tests/history.py add_history)."""
    from tests.history import add_history

    return lambda modules, runs_per_module=2: add_history(
        drivers["sqlite"], modules=modules, runs_per_module=runs_per_module
    )


@pytest.fixture
def make_module():
    """Return a function that creates a Module; columns are (name, dest_type) pairs, one name at both ends."""
    from connections.columns import column_id, make_column
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
                make_column(column_id(i), source_name=n, dest_name=n, dest_type=t)
                for i, (n, t) in enumerate(columns, 1)
            ],
            **fields,
        )

    return make


@pytest.fixture
def make_staff(db, django_user_model):
    """Return a function creating a staff user with a role (pipekit_site.roles; None for no role)
    whose password is "<name>-password"."""
    from django.contrib.auth.models import Group

    def make(username, role):
        user = django_user_model.objects.create_user(username, password=f"{username}-password", is_staff=True)
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def staff_user(make_staff):
    """alice, a staff user with the editor role: she may do everything but administer users."""
    return make_staff("alice", "editor")


@pytest.fixture
def staff_client(client, staff_user):
    """A test client logged in as the staff user alice (editor)."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def viewer_client(make_staff):
    """A test client logged in as vera, a staff user with the viewer role."""
    from django.test import Client

    client = Client()
    client.force_login(make_staff("vera", "viewer"))
    return client


@pytest.fixture
def operator_client(make_staff):
    """A test client logged in as oscar, a staff user with the operator role."""
    from django.test import Client

    client = Client()
    client.force_login(make_staff("oscar", "operator"))
    return client


@pytest.fixture
def user_client(client, django_user_model):
    """A test client logged in as bob, a user who is not staff."""
    client.force_login(django_user_model.objects.create_user("bob", password="bob-password"))
    return client


@pytest.fixture
def wait_finished():
    """Return a function that waits until no run (RunLog or GroupRun) in a queryset is unfinished:
    a test that starts a detached run lets it end before the database is emptied."""

    def wait(runs):
        for _ in range(600):
            if not runs.filter(status__in=["queued", "running"]).exists():
                return
            time.sleep(0.5)
        raise AssertionError(f"runs still unfinished: {list(runs.values_list('pk', 'status'))}")

    return wait


@pytest.fixture
def staff_auth(staff_user):
    """HTTP Basic headers for the staff user alice (editor), for the JSON API."""
    return basic("alice", "alice-password")


@pytest.fixture
def user_auth(django_user_model):
    """HTTP Basic headers for carol, a user who is not staff."""
    django_user_model.objects.create_user("carol", password="carol-password")
    return basic("carol", "carol-password")


@pytest.fixture
def make_items_module(make_module, make_connection, sqlite_db, sqlite_db2):
    """Return a function creating a module that copies a 3-row SQLite table `items` into the
    existing table `items_copy` of another SQLite database (full refresh unless told otherwise)."""
    sqlite_db.execute("CREATE TABLE items (id integer, name text);")
    sqlite_db.execute("INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, NULL);")
    sqlite_db2.execute("CREATE TABLE items_copy (id integer, name text);")
    source, dest = make_connection(sqlite_db, name="source"), make_connection(sqlite_db2, name="dest")

    def make(name="items", **fields):
        fields.setdefault("columns", [("id", "integer"), ("name", "text")])
        fields.setdefault("source_query", "SELECT id, name FROM items")
        return make_module(source, dest, name=name, dest_table="items_copy", **fields)

    make.source_db, make.dest_db = sqlite_db, sqlite_db2
    return make


ORDERS_SQL = """
CREATE TABLE public.orders (
    id integer PRIMARY KEY, "Customer" varchar(80), total numeric(12,2), updated_at timestamp
);
COMMENT ON COLUMN public.orders."Customer" IS 'Who ordered';
INSERT INTO public.orders VALUES
    (1, 'Ada', 12.50, '2024-01-01 10:00:00.000001'), (2, NULL, NULL, '2024-01-02 00:00:00');
"""


@pytest.fixture
def erp_to_dw(pg_db, pg_db2, make_connection):
    """PostgreSQL connections: `erp` holding public.orders (2 rows; the Customer column has a
    comment) and an empty `dw`. Their test databases are .source_db and .dest_db."""
    from types import SimpleNamespace

    pg_db.execute(ORDERS_SQL)
    return SimpleNamespace(
        source=make_connection(pg_db, name="erp"),
        dest=make_connection(pg_db2, name="dw"),
        source_db=pg_db,
        dest_db=pg_db2,
    )


@pytest.fixture
def orders_copy_module(erp_to_dw, make_module):
    """A module `orders` loading id and total of erp's orders into dw's public.orders_copy (made, empty)."""
    erp_to_dw.dest_db.execute("CREATE TABLE public.orders_copy (id integer, total numeric(12,2))")
    return make_module(
        erp_to_dw.source,
        erp_to_dw.dest,
        name="orders",
        columns=[("id", "integer"), ("total", "numeric(12,2)")],
        source_query="SELECT id, total FROM orders",
        dest_table="public.orders_copy",
    )


@pytest.fixture
def webhook(settings, tmp_path):
    """Return a function starting a Receiver (tests/receivers.py) and making a channel to it,
    named `ops`, of a kind (webhook by default): its URL is the secret $OPS_HOOK of a secrets
    file of this test. Receivers stop after the test."""
    from connections.secrets import set_secret
    from syncs.models import Channel
    from tests.receivers import Receiver

    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    settings.PIPEKIT_BASE_URL = "https://pipekit.example.com"
    started = []

    def make(name="ops", kind="webhook", **answer):
        receiver = Receiver(**answer).__enter__()
        started.append(receiver)
        key = f"{name.upper()}_HOOK"
        set_secret(key, receiver.url, settings.PIPEKIT_SECRETS_FILE)
        receiver.channel = Channel.objects.create(name=name, kind=kind, url=f"${key}")
        return receiver

    yield make
    for receiver in started:
        receiver.__exit__()


@pytest.fixture
def queue_jobs():
    """procrastinate's jobs (executor: queue), emptied first: Django flushes only its own tables
    between tests."""
    from django.db import connection

    # Imported here: procrastinate is an installed app only with executor: queue.
    from procrastinate.contrib.django.models import ProcrastinateJob

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs, procrastinate_workers CASCADE")
    return ProcrastinateJob.objects


@pytest.fixture
def start_workers(tmp_path, queue_jobs):
    """Return a function starting `manage.py worker --name NAME --concurrency N --grace S`
    processes (each standing for a host of its own), once they registered (QueueWorker); every worker still
    running after the test is stopped with SIGTERM, as systemd does, and must exit 0."""
    import subprocess
    import sys

    from django.conf import settings

    from pipekit_site.models import QueueWorker

    processes = []

    def start(*names, concurrency=1, grace=60):
        for name in names:
            with (tmp_path / f"{name}.log").open("wb") as output:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "manage.py", "worker", "--name", name]
                        + ["--concurrency", str(concurrency), "--grace", str(grace)],
                        cwd=settings.BASE_DIR,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + 60
        # A worker says who it is once procrastinate registered it, heartbeat and all.
        while QueueWorker.objects.filter(name__in=names).count() < len(names):
            assert time.monotonic() < deadline, "the workers never registered"
            assert all(p.poll() is None for p in processes), [p.read_text() for p in tmp_path.glob("*.log")]
            time.sleep(0.2)
        return processes[-len(names) :]

    start.output = lambda name: (tmp_path / f"{name}.log").read_text(errors="replace")
    yield start
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        assert process.wait(120) == 0


@pytest.fixture
def make_orders_module(erp_to_dw, make_module):
    """Return a function creating module orders_N, loading erp's 2 orders into dw's public.orders_N."""

    def make(number):
        erp_to_dw.dest_db.execute(f"CREATE TABLE public.orders_{number} (id integer, total numeric(12,2))")
        return make_module(
            erp_to_dw.source,
            erp_to_dw.dest,
            name=f"orders_{number}",
            columns=[("id", "integer"), ("total", "numeric(12,2)")],
            source_query="SELECT id, total FROM orders",
            dest_table=f"public.orders_{number}",
        )

    make.dest_db = erp_to_dw.dest_db
    return make


@pytest.fixture
def make_slow_module(erp_to_dw, make_module):
    """Return a function creating a module `name` whose load sleeps `seconds` on the source before
    its one row, into dw's public.<name>, which holds the rows 7 and 8 (what must stay there when
    the load does not end well)."""

    def make(name="slow", seconds=600):
        erp_to_dw.dest_db.execute(f"CREATE TABLE public.{name} (id integer)")
        erp_to_dw.dest_db.execute(f"INSERT INTO public.{name} VALUES (7), (8)")
        return make_module(
            erp_to_dw.source,
            erp_to_dw.dest,
            name=name,
            columns=[("id", "integer")],
            source_query=f"SELECT 1 AS id FROM pg_sleep({seconds})",
            dest_table=f"public.{name}",
        )

    make.dest_db = erp_to_dw.dest_db
    return make
