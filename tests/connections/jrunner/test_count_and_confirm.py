"""jrunner migrate -count and -confirm through the client: the loaded table is counted against the
rows read, and the load's transaction waits for the caller's answer before it commits."""

import pytest

from connections import jrunner

SOURCE = "SELECT i FROM generate_series(1, 3) i"


@pytest.fixture(params=["pg_db2", "maria_db2", "sqlite_db2"])
def target(request, pg_db):
    """A destination table t holding 99 and 98, on each kind of database; the source is PostgreSQL."""
    db = request.getfixturevalue(request.param)
    db.execute("CREATE TABLE t (i bigint)")
    db.execute("INSERT INTO t VALUES (99), (98)")
    return db


def load(make_connection, pg_db, target, confirm, **kwargs):
    return jrunner.migrate(
        make_connection(pg_db, name="src"),
        SOURCE,
        make_connection(target, name="dst"),
        "t",
        clear=True,
        bulk=True,
        count=True,
        post=["SELECT count(*) FROM t WHERE i < 3", "DELETE FROM t WHERE i = 1"],
        confirm=confirm,
        **kwargs,
    )


def test_confirm_gets_the_counts_before_the_commit_and_commits_on_none(make_connection, pg_db, target):
    seen = []

    def confirm(counts):
        # The transaction is open: the table still holds the old rows for everyone else.
        seen.append((counts, sorted(target.rows("SELECT i FROM t"))))

    result = load(make_connection, pg_db, target, confirm)

    assert seen == [(jrunner.Counts(3, 3, 2, [2, 1]), [(98,), (99,)])]
    assert (result.rows_read, result.rows_staged, result.rows_cleared, result.post_counts) == (
        3,
        3,
        2,
        [2, 1],
    )
    assert sorted(target.rows("SELECT i FROM t")) == [(2,), (3,)]


def test_a_refusal_rolls_back_the_load_and_every_post_statement(make_connection, pg_db, target):
    with pytest.raises(
        jrunner.JrunnerError, match="refused: the caller did not confirm the commit"
    ) as caught:
        load(make_connection, pg_db, target, lambda counts: "too few rows")

    assert caught.value.returncode == 1
    assert sorted(target.rows("SELECT i FROM t")) == [(98,), (99,)]


def test_a_confirm_that_raises_kills_jrunner_and_commits_nothing(make_connection, pg_db, target):
    def confirm(counts):
        raise RuntimeError("the run died")

    with pytest.raises(RuntimeError):
        load(make_connection, pg_db, target, confirm)

    assert sorted(target.rows("SELECT i FROM t")) == [(98,), (99,)]


def test_a_table_holding_other_rows_than_those_read_fails_before_the_post_statements(
    make_connection, pg_db, pg_db2
):
    # A trigger adds a row for each one loaded: the table holds more rows than were read.
    pg_db2.execute("CREATE TABLE t (i bigint)")
    pg_db2.execute("CREATE TABLE audit (n int)")
    pg_db2.execute(
        "CREATE FUNCTION twice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.i > 0 THEN INSERT INTO t VALUES (-NEW.i); END IF; RETURN NEW; END $$"
    )
    pg_db2.execute("CREATE TRIGGER twice AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION twice()")

    with pytest.raises(jrunner.JrunnerError) as caught:
        jrunner.migrate(
            make_connection(pg_db, name="src"),
            SOURCE,
            make_connection(pg_db2, name="dst"),
            "t",
            bulk=True,
            count=True,
            post=["INSERT INTO audit VALUES (1)"],
        )

    assert str(caught.value) == (
        "jrunner: counts: read 3 rows from the source but t holds 6; nothing was merged"
    )
    assert pg_db2.rows("SELECT count(*) FROM t") == [(0,)]
    assert pg_db2.rows("SELECT count(*) FROM audit") == [(0,)]


@pytest.mark.parametrize("refuse", [False, True])
def test_the_destination_keys_the_source_lacks_are_written_before_the_rows_in_the_same_transaction(
    make_connection, pg_db, pg_db2, refuse
):
    pg_db2.execute("CREATE TABLE t (i bigint)")
    pg_db2.execute("CREATE TABLE k (i bigint)")
    pg_db2.execute("INSERT INTO t VALUES (1), (2), (5)")
    seen = []

    def confirm(counts):
        seen.append((counts.keys, counts.keys_in_scope, counts.keys_missing))
        return "no" if refuse else None

    def load():
        return jrunner.migrate(
            make_connection(pg_db, name="src"),
            "SELECT 9",
            make_connection(pg_db2, name="dst"),
            "t",
            bulk=True,
            keys=("SELECT i FROM generate_series(1, 2) i", "SELECT i FROM t", "k"),
            post=["DELETE FROM t WHERE i IN (SELECT i FROM k)"],
            confirm=confirm,
        )

    if refuse:
        with pytest.raises(jrunner.JrunnerError, match="refused"):
            load()
        assert sorted(pg_db2.rows("SELECT i FROM t")) == [(1,), (2,), (5,)]
        assert pg_db2.rows("SELECT count(*) FROM k") == [(0,)]
    else:
        result = load()
        assert (result.keys, result.keys_in_scope, result.keys_missing, result.post_counts) == (2, 3, 1, [1])
        assert sorted(pg_db2.rows("SELECT i FROM t")) == [(1,), (2,), (9,)]
    assert seen == [(2, 3, 1)]
