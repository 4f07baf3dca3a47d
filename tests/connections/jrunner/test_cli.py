"""jrunner's command line: modes, flags, output formats and exit statuses, run as a user runs it."""

import os
import re
import subprocess

import pytest
from django.conf import settings


@pytest.fixture
def run(tmp_path):
    """Return a function running jrunner; sql=... (or a list, for -x) goes into -sq files."""

    def run(*args, sql=None, env=None):
        argv = [str(settings.PIPEKIT_JRUNNER), *args]
        for i, statement in enumerate([sql] if isinstance(sql, str) else sql or []):
            path = tmp_path / f"statement{i}.sql"
            path.write_text(statement)
            argv += ["-sq", str(path)]
        environ = {k: v for k, v in os.environ.items() if not k.startswith("JRUNNER_")}
        return subprocess.run(argv, capture_output=True, text=True, env={**environ, **(env or {})})

    return run


def source(db):
    return ["-scu", db.jdbc_url] + (["-scn", db.username] if db.username else [])


def dest(db, table):
    return ["-dcu", db.jdbc_url] + (["-dcn", db.username] if db.username else []) + ["-dt", table]


def test_version_names_the_drivers_it_found(run):
    out = run("-version")

    assert out.returncode == 0
    assert out.stdout.startswith("jrunner ")
    for driver in ("postgresql", "mariadb", "sqlite", "jtds", "jt400"):
        assert re.search(rf"^driver {driver} \d+\.\d+ ", out.stdout, re.M), driver


VERIFY_ARGS = ["-scu", "jdbc:sqlite:x.db", "-sq", "x.sql", "-dcu", "jdbc:sqlite:y.db", "-dq", "d.sql"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-zz"], "unknown flag -zz"),
        (["-sq", "x.sql"], "missing -scu"),
        (["-scu", "jdbc:sqlite:x.db"], "missing -sq"),
        (["-scu", "jdbc:sqlite:x.db", "-sq", "x.sql", "-f", "json"], "-f must be csv or tsv, not json"),
        (["-scu", "jdbc:sqlite:x.db", "-sq", "x.sql", "-b"], "-b applies to migrate mode only"),
        (
            ["-scu", "jdbc:sqlite:x.db", "-sq", "x.sql", "-post", "p.sql"],
            "-post applies to migrate mode only",
        ),
        (["-scu", "jdbc:sqlite:x.db", "-sq", "a.sql", "-sq", "b.sql"], "only -x takes several"),
        (["-scu", "jdbc:sqlite:x.db", "-sq", "x.sql", "-dt", "t"], "missing -dcu"),
        (["-scu", "jdbc:sqlite:x.db", "-sq", "x.sql", "-m", "-x"], "-m and -x cannot be combined"),
        (["-scu"], "-scu needs a value"),
        (
            ["-scu", "jdbc:sqlite:x.db", "-sq", "x.sql", "-lt", "0"],
            "-lt takes a whole number of seconds above 0",
        ),
        (["-scu", "jdbc:sqlite:x.db", "-sq", "/nonexistent/q.sql"], "-sq /nonexistent/q.sql: cannot read"),
        (["-scu", "jdbc:sqlite:x.db", "-sq", "x.sql", "-dq", "d.sql"], "verify needs -dcu, -dq and -vk"),
        ([*VERIFY_ARGS, "-vk", "0"], "-vk takes column positions from 1"),
        ([*VERIFY_ARGS, "-vk", "1", "-dt", "t"], "-dt cannot be combined with verify"),
    ],
)
def test_a_bad_command_line_exits_2_naming_the_flag(run, args, message):
    out = run(*args)

    assert out.returncode == 2
    assert message in out.stderr
    assert "usage:" in out.stderr
    assert out.stdout == ""


def test_an_unreadable_pre_file_is_a_bad_command_line(run):
    out = run(
        "-scu",
        "jdbc:sqlite:x.db",
        "-dcu",
        "jdbc:sqlite:y.db",
        "-dt",
        "t",
        "-pre",
        "/nonexistent/p.sql",
        sql="SELECT 1",
    )

    assert out.returncode == 2
    assert "-pre /nonexistent/p.sql: cannot read" in out.stderr


def test_a_database_error_exits_1_with_the_drivers_message(run, pg_db):
    out = run(*source(pg_db), sql="SELECT * FROM no_such_table")

    assert out.returncode == 1
    assert 'relation "no_such_table" does not exist' in out.stderr


def test_query_writes_tsv_with_escapes_and_null(run, pg_db):
    out = run(
        *source(pg_db),
        "-f",
        "tsv",
        sql="SELECT 1 AS id, E'a\\tb\\nc\\rd\\\\e' AS s, NULL AS n, '' AS e, '\\N' AS lit "
        "UNION ALL SELECT 2, 'plain', 'x', NULL, 'é😀' ORDER BY id",
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout == "id\ts\tn\te\tlit\n1\ta\\tb\\nc\\rd\\\\e\t\\N\t\t\\\\N\n2\tplain\tx\t\\N\té😀\n"


def test_query_writes_csv_by_default(run, sqlite_db):
    sqlite_db.execute("CREATE TABLE t (a text, b text)")
    sqlite_db.execute("INSERT INTO t VALUES ('x,y', NULL), ('', 'say \"hi\"')")

    out = run(*source(sqlite_db), sql="SELECT a, b FROM t")

    assert out.returncode == 0, out.stderr
    assert out.stdout == 'a,b\n"x,y",\n"","say ""hi"""\n'


def test_metadata_prints_one_line_per_column(run, pg_db):
    pg_db.execute("CREATE TABLE t (id bigint NOT NULL, price numeric(12,3), name varchar(40))")

    out = run(*source(pg_db), "-m", sql="SELECT id, price, name FROM t")

    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "name\ttype_code\ttype_name\tprecision\tscale\tnullable",
        "id\t-5\tint8\t19\t0\tfalse",
        "price\t2\tnumeric\t12\t3\ttrue",
        "name\t12\tvarchar\t40\t0\ttrue",
    ]


def test_exec_prints_one_update_count_per_statement(run, pg_db):
    out = run(
        *source(pg_db),
        "-x",
        sql=[
            "CREATE TABLE t (i int);",
            "INSERT INTO t VALUES (1), (2), (3)",
            "UPDATE t SET i = i + 1 WHERE i > 1",
        ],
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout == "0\n3\n2\n"
    assert pg_db.rows("SELECT i FROM t ORDER BY i") == [(1,), (3,), (4,)]


@pytest.mark.parametrize("fixture", ["pg_db", "maria_db", "sqlite_db"])
def test_exec_rolls_back_every_statement_when_one_fails(request, run, fixture):
    db = request.getfixturevalue(fixture)
    db.execute("CREATE TABLE t (i int)")
    db.execute("INSERT INTO t VALUES (1)")

    statements = ["INSERT INTO t VALUES (2)", "DELETE FROM t", "INSERT INTO no_such_table VALUES (3)"]

    out = run(*source(db), "-x", sql=statements)

    assert out.returncode == 1
    assert "statement 3 of 3" in out.stderr
    assert "no_such_table" in out.stderr
    assert out.stdout == ""
    assert db.rows("SELECT i FROM t") == [(1,)]


def test_migrate_prints_progress_then_the_rows_written(run, pg_db, pg_db2):
    pg_db2.execute("CREATE TABLE t (i bigint, s text)")

    out = run(
        *source(pg_db),
        *dest(pg_db2, "t"),
        sql="SELECT i, md5(i::text) FROM generate_series(1, 300000) i",
    )

    assert out.returncode == 0, out.stderr
    *progress, last = out.stdout.splitlines()
    assert last == "300000 rows written (batch-insert)"
    counts = [int(line) for line in progress]
    assert counts == sorted(counts) and all(0 < c <= 300000 for c in counts)
    assert pg_db2.rows("SELECT count(*), sum(i) FROM t") == [(300000, 45000150000)]


@pytest.mark.parametrize(
    ("fixture", "bulk", "path"),
    [
        ("pg_db2", True, "copy"),
        ("pg_db2", False, "batch-insert"),
        ("maria_db2", True, "load-data"),
        ("maria_db2", False, "batch-insert"),
        ("sqlite_db2", True, "batch-insert"),
    ],
)
def test_clear_replaces_the_rows_and_reports_the_load_path(request, run, pg_db, fixture, bulk, path):
    target = request.getfixturevalue(fixture)
    target.execute("CREATE TABLE t (i int, s varchar(10))")
    target.execute("INSERT INTO t VALUES (99, 'old')")

    out = run(*source(pg_db), *dest(target, "t"), "-c", *(["-b"] if bulk else []), sql="SELECT 1, 'new'")

    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == f"1 rows written ({path})"
    assert target.rows("SELECT i, s FROM t") == [(1, "new")]


@pytest.mark.parametrize(
    ("fixture", "bulk"), [("pg_db2", True), ("pg_db2", False), ("maria_db2", True), ("maria_db2", False)]
)
def test_a_load_that_fails_midway_commits_nothing_not_even_the_clear(request, run, pg_db, fixture, bulk):
    target = request.getfixturevalue(fixture)
    target.execute("CREATE TABLE t (i bigint)")
    target.execute("INSERT INTO t VALUES (1), (2), (3)")

    out = run(
        *source(pg_db),
        *dest(target, "t"),
        "-c",
        *(["-b"] if bulk else []),
        # The division fails when the cursor reaches row 20000, after thousands of rows were loaded.
        sql="SELECT CASE WHEN i = 20000 THEN 1 / (i - i) ELSE i END FROM generate_series(1, 30000) i",
    )

    assert out.returncode == 1
    assert "division by zero" in out.stderr
    assert "rows written" not in out.stdout
    assert sorted(target.rows("SELECT i FROM t")) == [(1,), (2,), (3,)]


@pytest.mark.parametrize("bulk", [True, False])
def test_a_value_the_destination_cannot_hold_fails_the_load(run, pg_db, maria_db2, bulk):
    maria_db2.execute("CREATE TABLE t (s varchar(3))")

    out = run(*source(pg_db), *dest(maria_db2, "t"), *(["-b"] if bulk else []), sql="SELECT 'abcdef'")

    assert out.returncode == 1
    assert "s" in out.stderr and ("too long" in out.stderr.lower() or "truncated" in out.stderr.lower())
    assert maria_db2.rows("SELECT count(*) FROM t") == [(0,)]


@pytest.mark.parametrize("bulk", [True, False])
def test_trim_strips_trailing_blanks_of_char_values_only(run, pg_db, pg_db2, bulk):
    pg_db.execute("CREATE TABLE s (c char(6), v varchar(6)); INSERT INTO s VALUES ('ab', 'cd  ')")
    pg_db2.execute("CREATE TABLE t (c text, v text)")

    out = run(*source(pg_db), *dest(pg_db2, "t"), "-t", *(["-b"] if bulk else []), sql="SELECT c, v FROM s")

    assert out.returncode == 0, out.stderr
    assert pg_db2.rows("SELECT c, v FROM t") == [("ab", "cd  ")]


@pytest.mark.parametrize("bulk", [True, False])
def test_more_source_columns_than_the_table_has_fails_before_loading(run, pg_db, pg_db2, bulk):
    pg_db2.execute("CREATE TABLE t (i int)")
    pg_db2.execute("INSERT INTO t VALUES (7)")

    out = run(*source(pg_db), *dest(pg_db2, "t"), "-c", *(["-b"] if bulk else []), sql="SELECT 1, 2")

    assert out.returncode == 1
    assert "the source query returns 2 columns but t has 1" in out.stderr
    assert pg_db2.rows("SELECT i FROM t") == [(7,)]


@pytest.mark.parametrize("bulk", [True, False])
def test_scols_takes_the_expected_columns_by_name_and_reports_the_extra_ones(run, pg_db, pg_db2, bulk):
    pg_db2.execute('CREATE TABLE t (a int, "b\nc" text, n int)')

    out = run(
        *source(pg_db),
        *dest(pg_db2, "t"),
        "-scols",
        # An empty label takes its position: here there is none.
        "a\nb\\nc\n",
        *(["-b"] if bulk else []),
        sql='SELECT 1 AS "A", \'bc\' AS "b\nc"',
    )

    assert out.returncode == 1, out.stdout
    assert "the query returns no column (unnamed column 3)" in out.stderr

    out = run(
        *source(pg_db),
        *dest(pg_db2, "t"),
        "-scols",
        "a\nb\\nc\n",
        *(["-b"] if bulk else []),
        sql="SELECT 'x' AS extra, 'bc' AS \"b\nc\", 7, 1 AS \"A\"",
    )

    assert out.returncode == 0, out.stderr
    assert "extra source columns (not loaded): extra" in out.stdout.splitlines()
    assert pg_db2.rows('SELECT a, "b\nc", n FROM t') == [(1, "bc", 7)]


def test_scols_fails_before_loading_when_a_column_is_missing(run, pg_db, pg_db2):
    pg_db2.execute("CREATE TABLE t (a int, b int)")
    pg_db2.execute("INSERT INTO t VALUES (7, 7)")

    out = run(*source(pg_db), *dest(pg_db2, "t"), "-c", "-b", "-scols", "a\nb", sql="SELECT 1 AS b")

    assert out.returncode == 1
    assert "source columns: the query returns no column a (the module's source names); it returns b;" in (
        out.stderr
    )
    assert pg_db2.rows("SELECT a, b FROM t") == [(7, 7)]


def test_verify_prints_the_counts_and_the_first_keys_writing_nothing(run, tmp_path, pg_db, maria_db2):
    pg_db.execute("CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, NULL)")
    maria_db2.execute("CREATE TABLE t (id int, name varchar(10))")
    maria_db2.execute("INSERT INTO t VALUES (1, 'a'), (3, ''), (4, 'd')")
    dest_sql = tmp_path / "dest.sql"
    dest_sql.write_text("SELECT id, name FROM t")

    out = run(
        *source(pg_db),
        "-dcu",
        maria_db2.jdbc_url,
        "-dcn",
        maria_db2.username,
        "-dq",
        str(dest_sql),
        "-vk",
        "1",
        sql="SELECT id, name FROM t",
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-5:] == [
        "verified 3 source rows and 3 destination rows: 1 matched, 1 only in source, "
        "1 only in destination, 1 different",
        "only in source\t2",
        "only in destination\t4",
        "different\t3",
        "different column\tname\t1",
    ]
    assert maria_db2.rows("SELECT id, name FROM t ORDER BY id") == [(1, "a"), (3, ""), (4, "d")]


def test_passwords_come_from_the_environment_unless_given_as_flags(run, maria_db):
    wrong = {"JRUNNER_SOURCE_PASSWORD": "not-the-password"}

    refused = run(*source(maria_db), sql="SELECT 1", env=wrong)
    flag_wins = run(*source(maria_db), "-scp", "", sql="SELECT 1", env=wrong)

    assert refused.returncode == 1
    assert "Access denied" in refused.stderr
    assert "not-the-password" not in refused.stderr
    assert flag_wins.returncode == 0, flag_wins.stderr


def test_the_destination_password_comes_from_its_own_variable(run, pg_db, maria_db2):
    maria_db2.execute("CREATE TABLE t (i int)")
    args = [*source(pg_db), *dest(maria_db2, "t")]

    refused = run(*args, sql="SELECT 1", env={"JRUNNER_DEST_PASSWORD": "not-the-password"})
    accepted = run(*args, sql="SELECT 1", env={"JRUNNER_SOURCE_PASSWORD": "not-the-password"})

    assert refused.returncode == 1
    assert "Access denied" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr
