"""jrunner migrate -kq/-kd/-kt through the client: the destination's keys that the source's key query
no longer returns, found by reading both sides in key order, go into the key table before the rows,
in the load's transaction."""

import contextlib
import time

import pytest

from connections import jrunner

# (name, n): text with COPY's escapes and 4-byte UTF-8, and NULL parts, which match NULL.
SOURCE_KEYS = [("a", 1), ("tab\there", 2), ("back\\slash", 3), ("é😀", 4), (None, 5), ("b", None)]
GONE = [("gone", 6), (None, 7), ("new\nline", 8)]


@pytest.fixture(params=["pg_db2", "maria_db2", "sqlite_db2"])
def dest(request):
    return request.getfixturevalue(request.param)


def missing_keys(
    make_connection,
    source,
    dest,
    key_columns="name varchar(20), n int",
    key_query="SELECT name, n FROM s",
    **options,
):
    """Run a migrate whose keys are key_query's (the source's s) against the same columns of the
    destination's d; return the result and the keys written into k."""
    names = ", ".join(column.split()[0] for column in key_columns.split(", "))
    dest.execute("CREATE TABLE t (i bigint)")
    dest.execute(f"CREATE TABLE k ({key_columns})")
    result = jrunner.migrate(
        make_connection(source, name="src"),
        "SELECT 1 AS i",
        make_connection(dest, name="dst"),
        "t",
        bulk=True,
        keys=(key_query, f"SELECT {names} FROM d", "k"),
        **options,
    )
    return result, dest.rows(f"SELECT {names} FROM k")


def insert(db, table, rows):
    mark = "?" if db.driver == "sqlite" else "%s"
    for row in rows:
        db.execute(f"INSERT INTO {table} VALUES ({mark}, {mark})", row)


def test_only_the_destination_keys_missing_at_the_source_are_written(make_connection, pg_db, dest):
    pg_db.execute("CREATE TABLE s (name text, n int)")
    insert(pg_db, "s", SOURCE_KEYS)
    dest.execute("CREATE TABLE d (name varchar(20), n int)")
    # A key held twice by the destination is still there at the source: neither copy is missing.
    insert(dest, "d", SOURCE_KEYS + [("a", 1)] + GONE)

    result, written = missing_keys(make_connection, pg_db, dest)

    assert sorted(written, key=repr) == sorted(GONE, key=repr)
    assert (result.keys, result.keys_in_scope, result.keys_missing) == (6, 10, 3)


def test_more_missing_keys_than_are_held_in_memory_are_all_written_in_order(make_connection, pg_db, pg_db2):
    pg_db.execute("CREATE TABLE s (name text, n int)")
    pg_db.execute("INSERT INTO s VALUES ('kept', 0)")
    pg_db2.execute("CREATE TABLE d (name varchar(20), n int)")
    # Past the first 10,000 held in memory, the rest go through a temporary file.
    pg_db2.execute(
        "INSERT INTO d SELECT 'gone', g FROM generate_series(1, 10050) g UNION ALL SELECT 'kept', 0"
    )

    result, written = missing_keys(make_connection, pg_db, pg_db2)

    assert written == [("gone", n) for n in range(1, 10051)]
    assert (result.keys, result.keys_in_scope, result.keys_missing) == (1, 10051, 10050)


@pytest.mark.parametrize("warm", [False, True], ids=["fresh", "warm"])
def test_a_single_integer_key_is_matched_by_value(make_connection, pg_db, pg_db2, warm):
    # The usual key, one integer column, has a path of its own on PostgreSQL (Keys.mergeLongs).
    pg_db.execute("CREATE TABLE s (n int)")
    insert_one = "INSERT INTO {} SELECT unnest(%s::bigint[])"
    pg_db.execute(insert_one.format("s"), ([-5, 0, 1, 2, 3, None],))
    pg_db2.execute("CREATE TABLE d (n bigint)")
    pg_db2.execute(insert_one.format("d"), ([-9000000000, -5, 0, 1, 1, 2, 4, None, None, 9000000000],))

    with jrunner.warm() if warm else contextlib.nullcontext():
        result, written = missing_keys(
            make_connection, pg_db, pg_db2, key_columns="n bigint", key_query="SELECT n FROM s"
        )

    assert sorted(written) == [(-9000000000,), (4,), (9000000000,)]
    assert (result.keys, result.keys_in_scope, result.keys_missing) == (6, 10, 3)


def test_the_trailing_blanks_of_a_char_key_at_the_destination_are_padding(make_connection, pg_db, pg_db2):
    pg_db.execute("CREATE TABLE s (name varchar(5), n int)")
    insert(pg_db, "s", [("ab", 1), ("cd", 2)])
    pg_db2.execute("CREATE TABLE d (name char(5), n int)")
    insert(pg_db2, "d", [("ab", 1), ("cd", 2), ("ef", 3)])

    result, written = missing_keys(make_connection, pg_db, pg_db2, key_columns="name char(5), n int")

    assert [(name.rstrip(), n) for name, n in written] == [("ef", 3)]
    assert (result.keys, result.keys_in_scope, result.keys_missing) == (2, 3, 1)


def test_a_failing_destination_key_query_says_so(make_connection, pg_db, pg_db2):
    pg_db.execute("CREATE TABLE s (name text, n int)")

    with pytest.raises(jrunner.JrunnerError, match="destination keys in scope: "):
        missing_keys(make_connection, pg_db, pg_db2)


def test_a_warm_jrunner_writes_the_same_missing_keys(make_connection, pg_db, pg_db2):
    pg_db.execute("CREATE TABLE s (name text, n int)")
    insert(pg_db, "s", SOURCE_KEYS)
    pg_db2.execute("CREATE TABLE d (name varchar(20), n int)")
    insert(pg_db2, "d", SOURCE_KEYS + GONE)

    with jrunner.warm():
        result, written = missing_keys(make_connection, pg_db, pg_db2)

    assert sorted(written, key=repr) == sorted(GONE, key=repr)
    assert (result.keys, result.keys_in_scope, result.keys_missing) == (6, 9, 3)


def many_destination_keys(pg_db, pg_db2):
    """A source s of one key and a destination d of more keys than the two sides' readers hold at
    once, so that the destination's reader is still reading when the source's side stops."""
    pg_db.execute("CREATE TABLE s (name text, n int)")
    insert(pg_db, "s", [("a", 1)])
    pg_db2.execute("CREATE TABLE d (name varchar(20), n int)")
    pg_db2.execute("INSERT INTO d SELECT 'k' || i, i FROM generate_series(1, 200000) i")


@pytest.mark.parametrize("warm", [False, True], ids=["fresh", "warm"])
def test_a_source_key_query_failing_while_the_destination_is_read_says_so(
    make_connection, pg_db, pg_db2, warm
):
    many_destination_keys(pg_db, pg_db2)

    with jrunner.warm() if warm else contextlib.nullcontext():
        with pytest.raises(jrunner.JrunnerError, match="^jrunner: key query: .*division by zero"):
            missing_keys(make_connection, pg_db, pg_db2, key_query="SELECT name, n / 0 AS n FROM s")

    assert pg_db2.rows("SELECT * FROM k") == []
    assert pg_db2.rows("SELECT * FROM t") == []


def running_statements(db):
    """The statements running on db, other than this query."""
    return db.rows(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'active' AND pid <> pg_backend_pid()"
    )


@pytest.mark.parametrize("warm", [False, True], ids=["fresh", "warm"])
def test_a_cancel_while_the_keys_are_read_stops_both_databases(make_connection, pg_db, pg_db2, warm):
    many_destination_keys(pg_db, pg_db2)
    pids = []

    def source_busy():
        return bool(running_statements(pg_db))

    with jrunner.warm() if warm else contextlib.nullcontext():
        with pytest.raises(jrunner.JrunnerCancelled):
            missing_keys(
                make_connection,
                pg_db,
                pg_db2,
                key_query="SELECT name, n FROM s, pg_sleep(600)",
                should_cancel=source_busy,
                on_start=pids.append,
            )

        deadline = time.monotonic() + 5
        while (running_statements(pg_db) or running_statements(pg_db2)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert running_statements(pg_db) == running_statements(pg_db2) == []
        assert pg_db2.rows("SELECT * FROM k") == []
        assert pg_db2.rows("SELECT * FROM t") == []
        # Warm: the cancelled call ended in time, its readers stopped, and the JVM takes the next call.
        jrunner.migrate(
            make_connection(pg_db), "SELECT 1 AS i", make_connection(pg_db2), "t", on_start=pids.append
        )

    assert pg_db2.rows("SELECT * FROM t") == [(1,)]
    assert (pids[0] == pids[1]) == warm
