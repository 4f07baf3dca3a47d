"""The warm jrunner (`with jrunner.warm()`, a worker slot's JVM): the same outputs, errors and
cancel as a fresh one, nothing of one call left for the next, recycling and replacement."""

import contextlib
import json
import subprocess
import time
from pathlib import Path

import pytest

from connections import jrunner
from connections.secrets import set_secret

SECRET = "s3cr3t-Warm-Pa55word-9"
# A source statement that runs for minutes unless it is cancelled.
SLOW_COPY = "SELECT 1::bigint AS i, 'x'::text AS s FROM pg_sleep(600)"
BIG_SERIES = "SELECT i::bigint, md5(i::text) FROM generate_series(1, 50000000) i"


def refuse(counts):
    return "no"


def outcome(call):
    """What a call gives back: its result, or its error's type, text, stderr and exit status."""
    try:
        return call()
    except jrunner.JrunnerError as exc:
        return type(exc), str(exc), exc.stderr, exc.returncode


def fresh_and_warm(call):
    """The outcome of call through a fresh jrunner, then through a warm one."""
    fresh = outcome(call)
    with jrunner.warm():
        return fresh, outcome(call)


def at_once():
    return True


def running_statements(db):
    """The statements running on db, other than this query."""
    return db.rows(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'active' AND pid <> pg_backend_pid()"
    )


def no_statement_left(db):
    """Whether db runs none of our statements within 5 seconds (the cancel's promise)."""
    deadline = time.monotonic() + 5
    while running_statements(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    return running_statements(db) == []


@pytest.fixture
def orders(pg_db, pg_db2, make_connection):
    """A PostgreSQL source with 3 orders, a PostgreSQL destination with a staging table and orders."""
    pg_db.execute("CREATE TABLE orders (id int, note text)")
    pg_db.execute("INSERT INTO orders VALUES (1, 'a'), (2, NULL), (3, 'tab\tnew\nline')")
    pg_db2.execute("CREATE TABLE orders (id int, note text)")
    pg_db2.execute("INSERT INTO orders VALUES (9, 'old')")
    return make_connection(pg_db), make_connection(pg_db2), pg_db2


@pytest.fixture(autouse=True)
def warm_jvms_stopped():
    """Each test starts with no idle warm JVM, and stops those it leaves."""
    yield
    with jrunner._idle_lock:
        for jvm in jrunner._idle:
            jvm.stop()
        jrunner._idle.clear()


def test_a_warm_query_metadata_and_exec_give_what_fresh_ones_give(orders):
    source, dest, _ = orders

    for call in (
        lambda: jrunner.query(source, "SELECT id, note FROM orders ORDER BY id"),
        lambda: jrunner.metadata(source, "SELECT id, note FROM orders"),
        lambda: jrunner.execute(dest, ["UPDATE orders SET note = note", "SELECT 1"]),
    ):
        fresh, warm = fresh_and_warm(call)
        assert warm == fresh


def test_a_warm_migrate_with_pre_and_post_gives_what_a_fresh_one_gives(orders):
    source, dest, dest_db = orders

    def load():
        dest_db.execute("DELETE FROM orders; INSERT INTO orders VALUES (9, 'old')")
        result = jrunner.migrate(
            source,
            "SELECT id, note FROM orders",
            dest,
            "staging",
            bulk=True,
            pre=["DROP TABLE IF EXISTS staging", "CREATE TABLE staging (id int, note text)"],
            post=["DELETE FROM orders", "INSERT INTO orders SELECT * FROM staging", "DROP TABLE staging"],
            count=True,
        )
        return result.rows, result.load_path, result.stdout, result.post_counts, result.rows_staged

    fresh, warm = fresh_and_warm(load)

    assert warm == fresh == (3, "copy", fresh[2], [1, 3, 0], 3)
    assert dest_db.rows("SELECT id, note FROM orders ORDER BY id") == [
        (1, "a"),
        (2, None),
        (3, "tab\tnew\nline"),
    ]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s, d: jrunner.query(s, "SELECT nope FROM orders"), id="query"),
        pytest.param(lambda s, d: jrunner.metadata(s, "SELECT FROM WHERE"), id="metadata"),
        pytest.param(
            lambda s, d: jrunner.execute(d, ["INSERT INTO orders VALUES (5)", "SELECT 1/0"]), id="exec"
        ),
        pytest.param(
            lambda s, d: jrunner.migrate(s, "SELECT id FROM orders", d, "orders", post=["SELECT nope"]),
            id="migrate-post",
        ),
        pytest.param(
            lambda s, d: jrunner.migrate(
                s, "SELECT id FROM orders", d, "orders", pre=["CREATE TABLE orders ()"]
            ),
            id="migrate-pre",
        ),
        pytest.param(
            lambda s, d: jrunner.migrate(s, "SELECT id FROM orders", d, "orders", confirm=refuse),
            id="migrate-confirm-refused",
        ),
        pytest.param(lambda s, d: jrunner.migrate(s, "SELECT id FROM orders", d, "missing"), id="no-table"),
    ],
)
def test_a_warm_call_fails_with_the_error_a_fresh_one_gives_and_commits_nothing(orders, call):
    source, dest, dest_db = orders

    fresh, warm = fresh_and_warm(lambda: call(source, dest))

    assert fresh[0] is jrunner.JrunnerError
    assert warm == fresh
    assert dest_db.rows("SELECT id, note FROM orders") == [(9, "old")]


def test_a_failing_call_then_a_good_one_run_in_the_same_jvm(orders):
    source, _, _ = orders
    pids = []

    with jrunner.warm():
        with pytest.raises(jrunner.JrunnerError):
            jrunner.migrate(source, "SELECT nope", source, "orders", on_start=pids.append)
        jrunner.migrate(source, "SELECT 4, 'd'", source, "orders", on_start=pids.append)
        _, rows = jrunner.query(source, "SELECT count(*) FROM orders")

    assert pids[0] == pids[1]
    assert rows == [["4"]]


def backend_pid(conn):
    return jrunner.query(conn, "SELECT pg_backend_pid()")[1][0][0]


def test_a_warm_jvm_keeps_a_postgres_session_for_the_next_call_of_the_same_connection(orders):
    source, dest, _ = orders

    with jrunner.warm():
        pids = [backend_pid(source), backend_pid(source), backend_pid(dest), backend_pid(source)]

    assert pids[0] == pids[1] == pids[3] != pids[2]


def test_statements_prepared_on_a_kept_session_are_prepared_again_after_its_reset(orders):
    source, dest, dest_db = orders

    with jrunner.warm():
        # Past the driver's threshold (5 uses) its INSERT is prepared on the server, and DISCARD ALL
        # drops it there: the driver must prepare it again, not use the dropped one.
        for _ in range(8):
            jrunner.migrate(source, "SELECT id, note FROM orders WHERE id = 1", dest, "orders", bulk=False)

    assert dest_db.rows("SELECT count(*) FROM orders WHERE id = 1") == [(8,)]


def test_a_kept_session_the_server_ended_is_replaced_by_a_new_one(orders, pg_db):
    source, _, _ = orders

    with jrunner.warm():
        kept = backend_pid(source)
        # Waits until the session is gone.
        pg_db.execute(f"SELECT pg_terminate_backend({kept}, 10000)")
        after = backend_pid(source)

    assert after != kept


def test_the_session_of_a_failed_call_is_closed_not_kept(orders):
    _, dest, dest_db = orders

    with jrunner.warm():
        before = backend_pid(dest)
        with pytest.raises(jrunner.JrunnerError):
            jrunner.execute(dest, ["SELECT 1/0"])
        after = backend_pid(dest)

    assert before != after
    assert dest_db.rows(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {before}") == [(0,)]


def test_a_session_setting_a_temp_table_a_lock_or_a_transaction_never_reaches_the_next_call(orders):
    source, dest, dest_db = orders

    with jrunner.warm():
        with pytest.raises(jrunner.JrunnerError):
            jrunner.execute(dest, ["INSERT INTO orders VALUES (5, 'uncommitted')", "SELECT 1/0"])
        with pytest.raises(jrunner.JrunnerError, match="refused"):
            jrunner.migrate(source, "SELECT id, note FROM orders", dest, "orders", confirm=refuse)
        kept = backend_pid(dest)
        jrunner.execute(
            dest,
            [
                "SET search_path TO nowhere",
                "CREATE TEMP TABLE leftover (i int)",
                "SELECT pg_advisory_lock(42)",
                "PREPARE leftover_plan AS SELECT 1",
            ],
        )
        _, rows = jrunner.query(
            dest,
            "SELECT pg_backend_pid(), current_setting('search_path'), "
            "(SELECT count(*) FROM pg_class WHERE relname = 'leftover'), "
            "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'), "
            "(SELECT count(*) FROM pg_prepared_statements WHERE name = 'leftover_plan'), "
            "(SELECT count(*) FROM orders), "
            "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%')",
        )

    # The same session, as new.
    assert rows == [[kept, '"$user", public', "0", "0", "0", "1", "0"]]


def test_a_kept_session_is_closed_once_idle_for_its_time(orders, pg_db, monkeypatch):
    monkeypatch.setenv("JRUNNER_POOL_IDLE_SECONDS", "1")
    source, _, _ = orders

    def alive(pid):
        return pg_db.rows(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}") == [(1,)]

    with jrunner.warm():
        pid = backend_pid(source)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and alive(pid):
            time.sleep(0.2)

        assert not alive(pid)
        # The next call connects afresh.
        assert backend_pid(source) != pid


@pytest.mark.parametrize(
    ("sql", "bulk"), [(SLOW_COPY, True), (BIG_SERIES, False)], ids=["slow-copy", "big-series"]
)
@pytest.mark.parametrize("warm", [True, False], ids=["warm", "fresh"])
def test_a_cancel_stops_the_statements_on_both_databases(pg_db, pg_db2, make_connection, sql, bulk, warm):
    pg_db2.execute("CREATE TABLE t (i bigint, s text)")
    pg_db2.execute("INSERT INTO t VALUES (-1, 'kept')")
    source, dest = make_connection(pg_db), make_connection(pg_db2)

    def source_busy():
        return bool(running_statements(pg_db))

    with jrunner.warm() if warm else contextlib.nullcontext():
        with pytest.raises(jrunner.JrunnerCancelled):
            jrunner.migrate(source, sql, dest, "t", clear=True, bulk=bulk, should_cancel=source_busy)

        assert no_statement_left(pg_db)
        assert no_statement_left(pg_db2)
        assert pg_db2.rows("SELECT i, s FROM t") == [(-1, "kept")]
        # The next call works (warm: in the same JVM, test_the_warm_jvm_stays_after_a_cancel).
        assert jrunner.query(source, "SELECT 1")[1] == [["1"]]


def test_the_warm_jvm_stays_after_a_cancel(pg_db, pg_db2, make_connection):
    pg_db2.execute("CREATE TABLE t (i bigint, s text)")
    source, dest = make_connection(pg_db), make_connection(pg_db2)
    pids = []

    with jrunner.warm():
        with pytest.raises(jrunner.JrunnerCancelled):
            jrunner.migrate(
                source, SLOW_COPY, dest, "t", bulk=True, on_start=pids.append, should_cancel=lambda: True
            )
        jrunner.migrate(source, "SELECT 1, 'a'", dest, "t", on_start=pids.append)

    assert pids[0] == pids[1]


def test_a_cancel_that_does_not_stop_in_time_gets_a_new_jvm(pg_db, pg_db2, make_connection, monkeypatch):
    pg_db2.execute("CREATE TABLE t (i bigint, s text)")
    source, dest = make_connection(pg_db), make_connection(pg_db2)
    pids = []
    # No time at all to stop: the JVM is killed as one stuck in a statement would be.
    monkeypatch.setattr(jrunner, "STOP_SECONDS", 0)

    with jrunner.warm():
        with pytest.raises(jrunner.JrunnerCancelled):
            jrunner.migrate(
                source, SLOW_COPY, dest, "t", bulk=True, on_start=pids.append, should_cancel=lambda: True
            )
        jrunner.migrate(source, "SELECT 1, 'a'", dest, "t", on_start=pids.append)

    assert pids[0] != pids[1]
    assert not Path(f"/proc/{pids[0]}").exists()
    assert no_statement_left(pg_db)
    assert pg_db2.rows("SELECT i, s FROM t") == [(1, "a")]


def test_a_jvm_is_replaced_after_its_number_of_calls(sqlite_db, make_connection, monkeypatch):
    monkeypatch.setattr(jrunner, "WARM_MAX_CALLS", 2)
    sqlite_db.execute("CREATE TABLE t (i int)")

    pids = warm_pids(make_connection(sqlite_db), 4)

    assert pids[0] == pids[1] != pids[2] == pids[3]


def test_a_jvm_is_replaced_when_its_heap_passes_the_limit(sqlite_db, make_connection, monkeypatch):
    monkeypatch.setattr(jrunner, "WARM_MAX_HEAP_BYTES", 1)
    sqlite_db.execute("CREATE TABLE t (i int)")

    pids = warm_pids(make_connection(sqlite_db), 2)

    assert pids[0] != pids[1]


def warm_pids(conn, calls):
    """The pid of the JVM of each of calls warm loads."""
    pids = []
    with jrunner.warm():
        for _ in range(calls):
            jrunner.migrate(conn, "SELECT 1", conn, "t", on_start=pids.append)
    return pids


def test_a_password_reaches_the_warm_jvm_in_its_request_only_and_never_shows(
    settings, tmp_path, pg_db, make_connection
):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    set_secret("PK_WARM_SECRET", SECRET)
    conn = make_connection(pg_db, password="$PK_WARM_SECRET")

    with jrunner.warm():
        with pytest.raises(jrunner.JrunnerError) as failure:
            # The driver echoes the unknown table's name, which here is the password itself.
            jrunner.execute(conn, [f'SELECT * FROM "{SECRET}"'])
        proc = Path(f"/proc/{jrunner._this_thread.warm.proc.pid}")
        cmdline, environ = proc.joinpath("cmdline").read_bytes(), proc.joinpath("environ").read_bytes()

    assert SECRET not in str(failure.value) + failure.value.stderr
    assert SECRET.encode() not in cmdline + environ


def test_a_warm_jvm_whose_caller_is_killed_cancels_its_call_and_commits_nothing(
    settings, tmp_path, pg_db, pg_db2
):
    pg_db2.execute("CREATE TABLE t (i bigint, s text)")
    pg_db2.execute("INSERT INTO t VALUES (-1, 'kept')")
    sql = tmp_path / "slow.sql"
    sql.write_text(SLOW_COPY)
    # A caller that can be killed while we keep the JVM's stdin open: only JRUNNER_WATCH_PARENT is
    # left to stop it (sh gives a background job /dev/null for stdin unless told otherwise).
    caller = subprocess.Popen(
        [
            "sh",
            "-c",
            'exec 3<&0; JRUNNER_WATCH_PARENT=$$ "$0" --serve <&3 & echo $!; wait',
            str(settings.PIPEKIT_JRUNNER),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    jvm = int(caller.stdout.readline())
    args = [
        "-scu",
        pg_db.jdbc_url,
        "-scn",
        "postgres",
        "-sq",
        str(sql),
        "-dcu",
        pg_db2.jdbc_url,
        "-dcn",
        "postgres",
    ]
    request = {"call": [*args, "-dt", "t", "-c", "-b"], "env": {}}
    caller.stdin.write(json.dumps(request).encode() + b"\n")
    caller.stdin.flush()
    deadline = time.monotonic() + 60
    while not running_statements(pg_db):
        assert time.monotonic() < deadline, "the load never started"
        time.sleep(0.1)

    caller.kill()
    caller.wait()

    deadline = time.monotonic() + 10
    while Path(f"/proc/{jvm}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{jvm}").exists()
    assert no_statement_left(pg_db)
    assert no_statement_left(pg_db2)
    assert pg_db2.rows("SELECT i, s FROM t") == [(-1, "kept")]
