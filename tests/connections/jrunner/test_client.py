"""The Python client of jrunner: results as Python values, errors, cancel, and secrets kept out of sight."""

import os
import signal
import tempfile
from pathlib import Path

import pytest

from connections import jrunner
from connections.models import Connection, Driver
from connections.secrets import set_secret

SECRET = "s3cr3t-Pa55word-7"
# Big enough that jrunner prints progress long before it finishes.
MANY_ROWS = "SELECT i, md5(i::text) FROM generate_series(1, 3000000) i"


@pytest.fixture
def secrets_file(settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    set_secret("PK_JRUNNER_SECRET", SECRET)
    return settings.PIPEKIT_SECRETS_FILE


@pytest.fixture
def sql_dir(monkeypatch, tmp_path):
    """Temporary SQL files go here, so a test can see they are gone."""
    path = tmp_path / "sql"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


@pytest.mark.parametrize("fixture", ["pg_db", "maria_db", "sqlite_db"])
def test_query_returns_strings_with_null_as_none_and_empty_kept(request, make_connection, sql_dir, fixture):
    db = request.getfixturevalue(fixture)
    db.execute("CREATE TABLE t (id int, s varchar(40))")
    values = [None, "", "\\N", "\\", "tab\tnew\nline\rcr", "quote ' \" comma ,", "😀 é"]
    marker = "?" if db.kind == "sqlite" else "%s"
    for i, value in enumerate(values):
        db.execute(f"INSERT INTO t VALUES ({marker}, {marker})", (i, value))

    header, rows = jrunner.query(make_connection(db), "SELECT id, s FROM t ORDER BY id")

    assert header == ["id", "s"]
    assert rows == [[str(i), value] for i, value in enumerate(values)]
    assert list(sql_dir.iterdir()) == []


def test_metadata_describes_the_result_columns(make_connection, pg_db):
    pg_db.execute("CREATE TABLE t (id bigint NOT NULL, amount numeric(12,2), at timestamp)")

    columns = jrunner.metadata(make_connection(pg_db), "SELECT id, amount, at FROM t")

    keys = ["name", "type_code", "type_name", "precision", "scale", "nullable"]
    assert columns == [
        dict(zip(keys, ["id", -5, "int8", 19, 0, False], strict=True)),
        dict(zip(keys, ["amount", 2, "numeric", 12, 2, True], strict=True)),
        dict(zip(keys, ["at", 93, "timestamp", 29, 6, True], strict=True)),
    ]


def test_execute_returns_the_update_counts(make_connection, sqlite_db):
    counts = jrunner.execute(
        make_connection(sqlite_db),
        ["CREATE TABLE t (i int)", "INSERT INTO t VALUES (1), (2)", "DELETE FROM t WHERE i = 1"],
    )

    assert counts == [0, 2, 1]
    assert sqlite_db.rows("SELECT i FROM t") == [(2,)]


def test_execute_raises_with_the_drivers_error_and_commits_nothing(make_connection, pg_db, sql_dir):
    pg_db.execute("CREATE TABLE t (i int)")

    with pytest.raises(jrunner.JrunnerError) as failure:
        jrunner.execute(make_connection(pg_db), ["INSERT INTO t VALUES (1)", "INSERT INTO t VALUES ('x')"])

    assert failure.value.returncode == 1
    assert 'invalid input syntax for type integer: "x"' in str(failure.value)
    assert "statement 2 of 2" in failure.value.stderr
    assert pg_db.rows("SELECT count(*) FROM t") == [(0,)]
    assert list(sql_dir.iterdir()) == []


def test_migrate_reports_each_line_and_the_result(make_connection, pg_db, maria_db2):
    maria_db2.execute("CREATE TABLE t (i bigint, s varchar(32))")
    lines, pids = [], []

    result = jrunner.migrate(
        make_connection(pg_db),
        "SELECT i, md5(i::text) FROM generate_series(1, 1000) i",
        make_connection(maria_db2),
        "t",
        bulk=True,
        on_line=lines.append,
        on_start=pids.append,
    )

    assert result == jrunner.MigrateResult(
        rows=1000,
        load_path="load-data",
        stdout="".join(f"{line}\n" for line in lines),
        stderr="",
        post_counts=[],
    )
    assert lines[-1] == "1000 rows written (load-data)"
    assert len(pids) == 1
    assert maria_db2.rows("SELECT count(*) FROM t") == [(1000,)]


def test_migrate_commits_pre_statements_first_and_post_statements_with_the_load(make_connection, pg_db):
    pg_db.execute("CREATE TABLE kept (i bigint)")
    conn = make_connection(pg_db)

    result = jrunner.migrate(
        conn,
        "SELECT i FROM generate_series(1, 5) i",
        conn,
        "loaded",
        pre=["CREATE TABLE loaded (i bigint)"],
        post=["DELETE FROM kept", "INSERT INTO kept SELECT i FROM loaded WHERE i > 2", "DROP TABLE loaded"],
    )

    assert (result.rows, result.post_counts) == (5, [0, 3, 0])
    assert pg_db.rows("SELECT i FROM kept ORDER BY i") == [(3,), (4,), (5,)]
    assert pg_db.rows("SELECT 1 FROM pg_tables WHERE tablename = 'loaded'") == []


def test_a_failing_post_statement_rolls_the_load_back_but_not_the_pre_statements(make_connection, pg_db):
    conn = make_connection(pg_db)

    with pytest.raises(jrunner.JrunnerError) as failed:
        jrunner.migrate(
            conn,
            "SELECT i FROM generate_series(1, 5) i",
            conn,
            "loaded",
            pre=["CREATE TABLE loaded (i bigint)"],
            post=["INSERT INTO loaded VALUES (6)", "INSERT INTO no_such_table VALUES (1)"],
        )

    assert str(failed.value).startswith("jrunner: -post statement 2 of 2: ")
    assert "no_such_table" in str(failed.value)
    assert "the load was rolled back" in str(failed.value)
    assert pg_db.rows("SELECT count(*) FROM loaded") == [(0,)]


def test_the_password_reaches_jrunner_only_through_its_environment(
    make_connection, secrets_file, pg_db, pg_db2
):
    pg_db2.execute("CREATE TABLE t (i bigint, s text)")
    pids, seen = [], []

    def inspect(pid):
        proc = Path(f"/proc/{pid}")
        seen.append((proc.joinpath("cmdline").read_bytes(), proc.joinpath("environ").read_bytes()))

    def on_start(pid):
        pids.append(pid)
        inspect(pid)

    def on_line(line):
        # By the first progress line the launcher script has become the Java process.
        if line.isdigit() and len(seen) == 1:
            inspect(pids[0])

    jrunner.migrate(
        make_connection(pg_db, password="$PK_JRUNNER_SECRET"),
        "SELECT i, md5(i::text) FROM generate_series(1, 300000) i",
        make_connection(pg_db2, password="$PK_JRUNNER_SECRET"),
        "t",
        # Keeps jrunner alive after its progress lines, which a busy machine may read late.
        post=["DO $$ BEGIN PERFORM pg_sleep(3); END $$"],
        on_start=on_start,
        on_line=on_line,
    )

    assert len(seen) == 2
    for cmdline, environ in seen:
        assert SECRET.encode() not in cmdline
        assert b"generate_series" not in cmdline
        variables = environ.split(b"\0")
        assert f"JRUNNER_SOURCE_PASSWORD={SECRET}".encode() in variables
        assert f"JRUNNER_DEST_PASSWORD={SECRET}".encode() in variables


def test_a_password_never_appears_in_error_text(make_connection, secrets_file, pg_db):
    conn = make_connection(pg_db, password="$PK_JRUNNER_SECRET")

    with pytest.raises(jrunner.JrunnerError) as failure:
        # The driver echoes the unknown table's name, which here is the password itself.
        jrunner.execute(conn, [f'SELECT * FROM "{SECRET}"'])

    assert SECRET not in str(failure.value)
    assert SECRET not in failure.value.stderr
    assert 'relation "********" does not exist' in str(failure.value)


def test_a_wrong_password_fails_with_the_drivers_message_and_not_the_password(
    make_connection, secrets_file, maria_db
):
    with pytest.raises(jrunner.JrunnerError) as failure:
        jrunner.query(make_connection(maria_db, password="$PK_JRUNNER_SECRET"), "SELECT 1")

    assert "Access denied" in str(failure.value)
    assert SECRET not in str(failure.value) + failure.value.stderr


@pytest.mark.parametrize("fixture", ["pg_db2", "maria_db2"])
def test_cancel_kills_the_process_group_and_commits_nothing(request, make_connection, pg_db, fixture):
    dest = request.getfixturevalue(fixture)
    dest.execute("CREATE TABLE t (i bigint, s varchar(32))")
    dest.execute("INSERT INTO t VALUES (-1, 'kept')")
    pids, progress = [], []

    with pytest.raises(jrunner.JrunnerCancelled):
        jrunner.migrate(
            make_connection(pg_db),
            MANY_ROWS,
            make_connection(dest),
            "t",
            clear=True,
            bulk=True,
            on_start=pids.append,
            on_line=lambda line: line.isdigit() and progress.append(int(line)),
            should_cancel=lambda: bool(progress),
        )

    assert progress and progress[-1] < 3000000
    with pytest.raises(ProcessLookupError):
        os.killpg(pids[0], 0)
    assert dest.rows("SELECT i, s FROM t") == [(-1, "kept")]


@pytest.mark.parametrize(("fixture", "bulk"), [("pg_db2", True), ("maria_db2", True), ("maria_db2", False)])
def test_a_jrunner_killed_mid_load_leaves_the_destination_unchanged(
    request, make_connection, pg_db, fixture, bulk
):
    dest = request.getfixturevalue(fixture)
    dest.execute("CREATE TABLE t (i bigint, s varchar(32))")
    dest.execute("INSERT INTO t VALUES (-1, 'kept')")
    pids = []

    def kill_at_first_progress(line):
        if line.isdigit() and int(line) > 0:
            os.kill(pids[0], signal.SIGKILL)

    with pytest.raises(jrunner.JrunnerError) as failure:
        jrunner.migrate(
            make_connection(pg_db),
            MANY_ROWS,
            make_connection(dest),
            "t",
            clear=True,
            bulk=bulk,
            on_start=pids.append,
            on_line=kill_at_first_progress,
        )

    assert failure.value.returncode == -signal.SIGKILL
    assert dest.rows("SELECT i, s FROM t") == [(-1, "kept")]


def test_a_missing_jrunner_is_reported_by_path(settings, make_connection, sqlite_db, tmp_path):
    settings.PIPEKIT_JRUNNER = tmp_path / "no-jrunner"

    with pytest.raises(jrunner.JrunnerError, match=r"cannot start jrunner at .*no-jrunner"):
        jrunner.query(make_connection(sqlite_db), "SELECT 1")


def test_jrunner_loads_the_jars_a_driver_names(db, tmp_path):
    # H2 is no driver jrunner knows: it is reachable only through the jars of the Driver.
    h2 = Driver.objects.create(
        name="h2", kind="sqlite", jars=["/usr/share/java/h2.jar"], class_name="org.h2.Driver"
    )
    conn = Connection.objects.create(
        name="h2", driver=h2, jdbc_url=f"jdbc:h2:{tmp_path / 'h2'}", username="sa"
    )

    assert jrunner.query(conn, "SELECT 6 * 7 AS answer") == (["ANSWER"], [["42"]])

    h2.jars = []
    h2.save()
    conn.refresh_from_db()
    with pytest.raises(jrunner.JrunnerError, match="No suitable driver"):
        jrunner.query(conn, "SELECT 1")
