"""jrunner migrate -kq/-kd/-kt through the client: the destination's keys that the source's key query
no longer returns, found by reading both sides in key order, go into the key table before the rows,
in the load's transaction."""

import pytest

from connections import jrunner

# (name, n): text with COPY's escapes and 4-byte UTF-8, and NULL parts, which match NULL.
SOURCE_KEYS = [("a", 1), ("tab\there", 2), ("back\\slash", 3), ("é😀", 4), (None, 5), ("b", None)]
GONE = [("gone", 6), (None, 7), ("new\nline", 8)]


@pytest.fixture(params=["pg_db2", "maria_db2", "sqlite_db2"])
def dest(request):
    return request.getfixturevalue(request.param)


def missing_keys(make_connection, source, dest, key_type="varchar(20)"):
    """Run a migrate whose keys are the source's s against the destination's d; return the result
    and the keys written into k."""
    dest.execute("CREATE TABLE t (i bigint)")
    dest.execute(f"CREATE TABLE k (name {key_type}, n int)")
    result = jrunner.migrate(
        make_connection(source, name="src"),
        "SELECT 1 AS i",
        make_connection(dest, name="dst"),
        "t",
        bulk=True,
        keys=("SELECT name, n FROM s", "SELECT name, n FROM d", "k"),
    )
    return result, dest.rows("SELECT name, n FROM k")


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


def test_the_trailing_blanks_of_a_char_key_at_the_destination_are_padding(make_connection, pg_db, pg_db2):
    pg_db.execute("CREATE TABLE s (name varchar(5), n int)")
    insert(pg_db, "s", [("ab", 1), ("cd", 2)])
    pg_db2.execute("CREATE TABLE d (name char(5), n int)")
    insert(pg_db2, "d", [("ab", 1), ("cd", 2), ("ef", 3)])

    result, written = missing_keys(make_connection, pg_db, pg_db2, key_type="char(5)")

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
