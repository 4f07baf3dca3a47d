"""SQLiteDialect statements, executed on a real SQLite database file."""

import sqlite3

import pytest

from connections import jrunner
from connections.dialects import base
from connections.dialects.sqlite import SQLiteDialect
from tests.connections.dialect_checks import Merges, mapped_types_read_back, run

dialect = SQLiteDialect()

# Awkward on purpose: spaces, a reserved word, mixed case, quotes in names.
COLUMNS = [
    {"id": "c1", "dest_name": "Order Id", "dest_type": "INTEGER", "description": "The order's number"},
    {"id": "c2", "dest_name": "line", "dest_type": "INTEGER", "description": ""},
    {"id": "c3", "dest_name": "select", "dest_type": "TEXT", "description": "Note"},
    {"id": "c4", "dest_name": 'we"ird', "dest_type": "TEXT", "description": ""},
]
KEY = ["Order Id", "line"]
TABLE = '"Order ""Lines"""'
NAMES = '"Order Id", line, "select", "we""ird"'


merges = Merges(
    dialect, COLUMNS, TABLE, NAMES, staging_schema=dialect.default_staging_schema, placeholder="?"
)
stage, dest_rows = merges.stage, merges.dest_rows


@pytest.fixture
def table(sqlite_db):
    """The destination table, with one extra column the module does not load."""
    run(sqlite_db, dialect.create_table_sql(TABLE, COLUMNS))
    sqlite_db.execute(f"ALTER TABLE {TABLE} ADD COLUMN loaded_by TEXT DEFAULT 'pipekit'")
    staging = stage(sqlite_db, [(1, 1, "a", "1"), (1, 2, "b", "2"), (2, 1, "c", "3")])
    run(
        sqlite_db,
        [*dialect.merge_sql("append", TABLE, staging, COLUMNS, KEY), dialect.drop_staging_sql(staging)],
    )
    return TABLE


def test_it_quotes_identifiers_doubling_quotes():
    assert dialect.quote_identifier('we"ird name') == '"we""ird name"'
    assert dialect.qualify("main.orders") == '"main"."orders"'


def test_it_creates_the_table_and_lists_its_columns_without_comments(sqlite_db, table):
    assert dialect.create_table_sql(TABLE, COLUMNS) == [
        'CREATE TABLE "Order ""Lines""" (\n  "Order Id" INTEGER,\n  "line" INTEGER,\n'
        '  "select" TEXT,\n  "we""ird" TEXT\n)'
    ]
    assert sqlite_db.rows(dialect.list_columns_sql("main", 'Order "Lines"')) == [
        ("Order Id", "INTEGER", None),
        ("line", "INTEGER", None),
        ("select", "TEXT", None),
        ('we"ird', "TEXT", None),
        ("loaded_by", "TEXT", None),
    ]


def test_it_lists_main_as_the_only_schema(sqlite_db):
    assert sqlite_db.rows(dialect.list_schemas_sql()) == [("main",)]


def test_it_lists_tables_and_views_but_not_sqlite_internals(sqlite_db, table):
    sqlite_db.execute("CREATE VIEW v AS SELECT 1 AS x; CREATE TABLE a (x INTEGER PRIMARY KEY AUTOINCREMENT);")
    assert sqlite_db.rows(dialect.list_tables_sql("main")) == [('Order "Lines"',), ("a",), ("v",)]
    assert sqlite_db.rows(dialect.list_tables_sql(None)) == [('Order "Lines"',), ("a",), ("v",)]


def test_it_adds_a_column_at_the_end(sqlite_db, table):
    column = {"id": "c5", "dest_name": "Note", "dest_type": "TEXT", "description": "ignored"}
    assert dialect.add_column_sql(table, column) == [f'ALTER TABLE {TABLE} ADD COLUMN "Note" TEXT']
    run(sqlite_db, dialect.add_column_sql(table, column))
    assert sqlite_db.rows(dialect.list_columns_sql(None, 'Order "Lines"'))[-1] == ("Note", "TEXT", None)


def test_staging_sits_beside_the_tables_with_exactly_the_module_columns(sqlite_db):
    stage(sqlite_db, [(9, 9, "old", "9")])
    staging = stage(sqlite_db, [])
    assert staging == '"pipekit_stg_orders"'
    columns = sqlite_db.rows(dialect.list_columns_sql(None, "pipekit_stg_orders"))
    assert [(c[0], c[1]) for c in columns] == [(c["dest_name"], c["dest_type"]) for c in COLUMNS]
    assert sqlite_db.rows(f"SELECT count(*) FROM {staging}") == [(0,)]


def test_staging_is_dropped_and_dropping_twice_is_harmless(sqlite_db):
    staging = stage(sqlite_db, [])
    sqlite_db.execute(dialect.drop_staging_sql(staging))
    sqlite_db.execute(dialect.drop_staging_sql(staging))
    assert sqlite_db.rows(dialect.list_tables_sql(None)) == []


def test_full_merge_replaces_every_row_and_fills_extra_columns_with_defaults(sqlite_db, table):
    staging = stage(sqlite_db, [(5, 1, "new", ""), (6, 1, None, None)])
    run(sqlite_db, dialect.merge_sql("full", table, staging, COLUMNS, KEY))
    assert dest_rows(sqlite_db) == [(5, 1, "new", ""), (6, 1, None, None)]
    assert sqlite_db.rows(f"SELECT DISTINCT loaded_by FROM {table}") == [("pipekit",)]


def test_incremental_merge_replaces_rows_matching_the_whole_key(sqlite_db, table):
    staging = stage(sqlite_db, [(1, 2, "b2", "22"), (3, 1, "d", "4")])
    run(sqlite_db, dialect.merge_sql("incremental", table, staging, COLUMNS, KEY))
    assert dest_rows(sqlite_db) == [(1, 1, "a", "1"), (1, 2, "b2", "22"), (2, 1, "c", "3"), (3, 1, "d", "4")]


def test_incremental_merge_matches_null_key_parts_so_a_rerun_adds_nothing(sqlite_db, table):
    rows = [(7, None, "x", "1"), (None, None, "y", "2")]
    for _ in range(2):
        run(sqlite_db, dialect.merge_sql("incremental", table, stage(sqlite_db, rows), COLUMNS, KEY))
    assert len(dest_rows(sqlite_db)) == 5
    run(
        sqlite_db,
        dialect.merge_sql("incremental", table, stage(sqlite_db, [(7, None, "x2", "1")]), COLUMNS, KEY),
    )
    assert sqlite_db.rows(f'SELECT "select" FROM {table} WHERE "Order Id" = 7') == [("x2",)]


def test_append_merge_only_inserts(sqlite_db, table):
    run(sqlite_db, dialect.merge_sql("append", table, stage(sqlite_db, [(1, 1, "a", "1")]), COLUMNS, KEY))
    assert dest_rows(sqlite_db).count((1, 1, "a", "1")) == 2


def test_a_merge_rolled_back_leaves_the_destination_as_it_was(sqlite_db, table):
    staging = stage(sqlite_db, [(5, 1, "new", "")])
    before = dest_rows(sqlite_db)
    conn = sqlite3.connect(sqlite_db.path)
    try:
        for statement in dialect.merge_sql("full", table, staging, COLUMNS, KEY):
            conn.execute(statement)
        conn.rollback()
    finally:
        conn.close()
    assert dest_rows(sqlite_db) == before


def test_zero_row_wrap_returns_the_columns_and_no_rows(sqlite_db):
    sql = "WITH n AS (SELECT 1 AS a, 'x' AS b) SELECT * FROM n ORDER BY a; -- trailing comment"
    conn = sqlite3.connect(sqlite_db.path)
    try:
        cursor = conn.execute(dialect.zero_row_wrap(sql))
        assert [c[0] for c in cursor.description] == ["a", "b"]
        assert cursor.fetchall() == []
    finally:
        conn.close()


TYPE_CASES = [
    (base.BIT, 1, 0, "bool", "BOOLEAN"),
    (base.TINYINT, 3, 0, "tinyint", "SMALLINT"),
    (base.SMALLINT, 5, 0, "int2", "SMALLINT"),
    (base.INTEGER, 10, 0, "int4", "INTEGER"),
    (base.BIGINT, 19, 0, "int8", "BIGINT"),
    (base.BIGINT, 20, 0, "BIGINT UNSIGNED", "TEXT"),
    (base.NUMERIC, 12, 2, "numeric", "NUMERIC(12,2)"),
    (base.NUMERIC, 15, 0, "numeric", "NUMERIC(15,0)"),
    (base.NUMERIC, 16, 2, "numeric", "TEXT"),
    (base.NUMERIC, 0, 0, "numeric", "TEXT"),
    (base.REAL, 8, 8, "float4", "REAL"),
    (base.DOUBLE, 17, 17, "float8", "DOUBLE"),
    (base.CHAR, 10, 0, "bpchar", "TEXT"),
    (base.VARCHAR, 40, 0, "varchar", "TEXT"),
    (base.LONGVARCHAR, 65535, 0, "TEXT", "TEXT"),
    (base.DATE, 10, 0, "date", "DATE"),
    (base.TIME, 15, 6, "time", "TIME"),
    (base.TIMESTAMP, 26, 6, "timestamp", "TIMESTAMP"),
    (base.TIMESTAMP_WITH_TIMEZONE, 35, 6, "timestamptz", "TIMESTAMP"),
    (base.BINARY, 2147483647, 0, "bytea", "BLOB"),
    (base.LONGVARBINARY, 0, 0, "LONGBLOB", "BLOB"),
    (base.OTHER, 2147483647, 0, "json", "TEXT"),
]


@pytest.mark.parametrize("jdbc_type, precision, scale, type_name, expected", TYPE_CASES)
def test_it_maps_jdbc_types(jdbc_type, precision, scale, type_name, expected):
    assert dialect.map_type(jdbc_type, precision, scale, type_name) == expected


def test_a_wide_decimal_keeps_every_digit(sqlite_db):
    column = {"dest_name": "n", "dest_type": dialect.map_type(base.NUMERIC, 30, 9, "numeric")}
    run(sqlite_db, dialect.create_table_sql("t", [column]))
    sqlite_db.execute("INSERT INTO t VALUES (?)", ("123456789012345678901.123456789",))
    assert sqlite_db.rows("SELECT n FROM t") == [("123456789012345678901.123456789",)]


def test_mapped_types_read_back_through_jrunner_map_to_themselves(sqlite_db, make_connection):
    """The wizard compares an existing table's columns with the grid by mapping them again."""
    types, read_back = mapped_types_read_back(dialect, make_connection(sqlite_db), TYPE_CASES)
    assert read_back == types


def test_a_failing_merge_through_jrunner_leaves_the_destination_as_it_was(sqlite_db, make_connection):
    columns = [*COLUMNS[:1], {"dest_name": "line", "dest_type": "INTEGER CHECK (line > 0)"}, *COLUMNS[2:]]
    run(sqlite_db, dialect.create_table_sql(TABLE, columns))
    sqlite_db.execute(f"INSERT INTO {TABLE} VALUES (1, 1, 'a', '1')")
    staging = stage(sqlite_db, [(5, 1, "new", "5"), (5, 0, "breaks the check", "6")])
    for strategy in ("full", "incremental"):
        with pytest.raises(jrunner.JrunnerError):
            jrunner.execute(
                make_connection(sqlite_db, name=strategy),
                dialect.merge_sql(strategy, TABLE, staging, COLUMNS, KEY),
            )
        assert dest_rows(sqlite_db) == [(1, 1, "a", "1")]
