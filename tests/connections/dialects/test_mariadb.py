"""MariaDBDialect statements, executed on a real MariaDB database."""

import datetime
from decimal import Decimal

import pymysql
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connections import jrunner
from connections.dialects import base
from connections.dialects.mariadb import MariaDBDialect
from tests.connections.dialect_checks import Merges, mapped_types_read_back, run
from tests.dbs import MARIA

dialect = MariaDBDialect()

# Awkward on purpose: spaces, a reserved word, mixed case, quotes in names and comments.
COLUMNS = [
    {"id": "c1", "dest_name": "Order Id", "dest_type": "INT", "description": "The order's number"},
    {"id": "c2", "dest_name": "line", "dest_type": "INT", "description": ""},
    {"id": "c3", "dest_name": "select", "dest_type": "LONGTEXT", "description": 'Say "hi" \\ back'},
    {"id": "c4", "dest_name": "we`ird", "dest_type": "DECIMAL(12,2)", "description": "Amount"},
]
KEY = ["Order Id", "line"]
TABLE = "`Order ``Lines```"
NAMES = "`Order Id`, line, `select`, `we``ird`"


def rolled_back(db, statements):
    """Run statements in one transaction, then roll it back."""
    conn = pymysql.connect(database=db.name, autocommit=False, **MARIA)
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        conn.rollback()
    finally:
        conn.close()


merges = Merges(dialect, COLUMNS, TABLE, NAMES, staging_schema="", placeholder="%s")
stage, dest_rows = merges.stage, merges.dest_rows


@pytest.fixture
def table(maria_db):
    """The destination table, with one extra column the module does not load."""
    run(maria_db, dialect.create_table_sql(TABLE, COLUMNS))
    maria_db.execute(f"ALTER TABLE {TABLE} ADD COLUMN loaded_by VARCHAR(20) DEFAULT 'pipekit'")
    rows = [(1, 1, "a", 1), (1, 2, "b", 2), (2, 1, "c", 3)]
    staging = stage(maria_db, rows)
    run(
        maria_db,
        [*dialect.merge_sql("append", TABLE, staging, COLUMNS, KEY), dialect.drop_staging_sql(staging)],
    )
    return TABLE


def test_it_quotes_identifiers_with_backquotes():
    assert dialect.quote_identifier("we`ird name") == "`we``ird name`"
    assert dialect.qualify("shop.orders") == "`shop`.`orders`"
    assert dialect.split_table("`a.b`.`c``d`") == ("a.b", "c`d")


def test_it_escapes_backslashes_and_quotes_in_literals():
    assert dialect.literal("it's a \\ slash") == "'it''s a \\\\ slash'"


def test_it_creates_the_table_with_comments_read_back_by_the_listing(maria_db, table):
    columns = maria_db.rows(dialect.list_columns_sql(maria_db.name, "Order `Lines`"))
    assert columns == [
        ("Order Id", "int(11)", "The order's number"),
        ("line", "int(11)", None),
        ("select", "longtext", 'Say "hi" \\ back'),
        ("we`ird", "decimal(12,2)", "Amount"),
        ("loaded_by", "varchar(20)", None),
    ]


def test_it_creates_tables_in_utf8mb4_with_a_binary_collation(maria_db, table):
    assert maria_db.rows(
        "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        (maria_db.name, "Order `Lines`"),
    ) == [("utf8mb4_bin",)]


def test_it_cuts_a_comment_to_the_length_mariadb_accepts(maria_db):
    column = {"dest_name": "x", "dest_type": "INT", "description": "é" * 2000}
    run(maria_db, dialect.create_table_sql("t", [column]))
    assert maria_db.rows(dialect.list_columns_sql(None, "t"))[0][2] == "é" * 1024


def test_it_lists_databases_but_not_the_system_ones(maria_db, table):
    schemas = [r[0] for r in maria_db.rows(dialect.list_schemas_sql())]
    assert maria_db.name in schemas
    assert not {"mysql", "information_schema", "performance_schema", "sys"} & set(schemas)


def test_it_lists_tables_and_views(maria_db, table):
    maria_db.execute("CREATE VIEW v AS SELECT 1 AS x")
    assert maria_db.rows(dialect.list_tables_sql(maria_db.name)) == [("Order `Lines`",), ("v",)]
    assert maria_db.rows(dialect.list_tables_sql(None)) == [("Order `Lines`",), ("v",)]


def test_it_adds_a_column_at_the_end_with_its_comment(maria_db, table):
    column = {"id": "c5", "dest_name": "Note", "dest_type": "VARCHAR(20)", "description": "Free 'text'"}
    run(maria_db, dialect.add_column_sql(table, column))
    assert maria_db.rows(dialect.list_columns_sql(None, "Order `Lines`"))[-1] == (
        "Note",
        "varchar(20)",
        "Free 'text'",
    )


def test_staging_sits_in_the_connection_database_with_exactly_the_module_columns(maria_db):
    stage(maria_db, [(9, 9, "old", 9)])
    staging = stage(maria_db, [])
    assert staging == "`pipekit_stg_orders`"
    columns = maria_db.rows(dialect.list_columns_sql(None, "pipekit_stg_orders"))
    assert [c[0] for c in columns] == [c["dest_name"] for c in COLUMNS]
    assert maria_db.rows(f"SELECT count(*) FROM {staging}") == [(0,)]


def test_staging_in_a_schema_creates_it(maria_db):
    schema = f"{maria_db.name}_stg"
    try:
        staging = stage(maria_db, [(1, 1, "a", 1)], schema=schema)
        assert staging == f"`{schema}`.`orders`"
        assert maria_db.rows(f"SELECT count(*) FROM {staging}") == [(1,)]
    finally:
        maria_db.execute(f"DROP DATABASE IF EXISTS `{schema}`")


def test_staging_is_dropped_and_dropping_twice_is_harmless(maria_db):
    staging = stage(maria_db, [])
    maria_db.execute(dialect.drop_staging_sql(staging))
    maria_db.execute(dialect.drop_staging_sql(staging))
    assert maria_db.rows(dialect.list_tables_sql(None)) == []


def test_full_merge_deletes_rather_than_truncates_so_a_rollback_keeps_the_rows(maria_db, table):
    staging = stage(maria_db, [(5, 1, "new", 5.5)])
    merge = dialect.merge_sql("full", table, staging, COLUMNS, KEY)
    assert merge[0] == f"DELETE FROM {TABLE}"
    before = dest_rows(maria_db)
    rolled_back(maria_db, merge)
    assert dest_rows(maria_db) == before


def test_full_merge_replaces_every_row_and_fills_extra_columns_with_defaults(maria_db, table):
    staging = stage(maria_db, [(5, 1, "new", 5.5), (6, 1, None, None)])
    run(maria_db, dialect.merge_sql("full", table, staging, COLUMNS, KEY))
    assert dest_rows(maria_db) == [(5, 1, "new", Decimal("5.50")), (6, 1, None, None)]
    assert maria_db.rows(f"SELECT DISTINCT loaded_by FROM {table}") == [("pipekit",)]


def test_incremental_merge_replaces_rows_matching_the_whole_key(maria_db, table):
    staging = stage(maria_db, [(1, 2, "b2", 22), (3, 1, "d", 4)])
    run(maria_db, dialect.merge_sql("incremental", table, staging, COLUMNS, KEY))
    assert [r[:3] for r in dest_rows(maria_db)] == [(1, 1, "a"), (1, 2, "b2"), (2, 1, "c"), (3, 1, "d")]


def test_incremental_merge_matches_null_key_parts_so_a_rerun_adds_nothing(maria_db, table):
    rows = [(7, None, "x", 1), (None, None, "y", 2)]
    for _ in range(2):
        run(maria_db, dialect.merge_sql("incremental", table, stage(maria_db, rows), COLUMNS, KEY))
    assert len(dest_rows(maria_db)) == 5
    run(
        maria_db, dialect.merge_sql("incremental", table, stage(maria_db, [(7, None, "x2", 1)]), COLUMNS, KEY)
    )
    assert maria_db.rows(f"SELECT `select` FROM {table} WHERE `Order Id` = 7") == [("x2",)]


def test_incremental_merge_tells_keys_apart_by_case(maria_db):
    columns = [{"dest_name": "code", "dest_type": "VARCHAR(10)"}, {"dest_name": "n", "dest_type": "INT"}]
    run(maria_db, dialect.create_table_sql("codes", columns))
    maria_db.execute("INSERT INTO codes VALUES ('abc', 1), ('ABC', 2)")
    staging = dialect.staging_table("", "codes")
    run(maria_db, dialect.create_staging_sql(staging, columns))
    maria_db.execute(f"INSERT INTO {staging} VALUES ('abc', 3)")
    run(maria_db, dialect.merge_sql("incremental", "codes", staging, columns, ["code"]))
    assert maria_db.rows("SELECT code, n FROM codes ORDER BY n") == [("ABC", 2), ("abc", 3)]


def test_append_merge_only_inserts(maria_db, table):
    run(maria_db, dialect.merge_sql("append", table, stage(maria_db, [(1, 1, "a", 1)]), COLUMNS, KEY))
    assert [r[:3] for r in dest_rows(maria_db)].count((1, 1, "a")) == 2


def test_zero_row_wrap_returns_the_columns_and_no_rows(maria_db):
    sql = "WITH n AS (SELECT 1 AS a, 'x' AS b) SELECT * FROM n ORDER BY a; -- trailing comment"
    conn = pymysql.connect(database=maria_db.name, **MARIA)
    try:
        with conn.cursor() as cursor:
            cursor.execute(dialect.zero_row_wrap(sql))
            assert [c[0] for c in cursor.description] == ["a", "b"]
            assert cursor.fetchall() == ()
    finally:
        conn.close()


TYPE_CASES = [
    (base.BIT, 1, 0, "TINYINT", "BOOLEAN"),
    (base.BOOLEAN, 1, 0, "bool", "BOOLEAN"),
    (base.TINYINT, 3, 0, "TINYINT UNSIGNED", "SMALLINT"),
    (base.SMALLINT, 5, 0, "int2", "SMALLINT"),
    (base.INTEGER, 10, 0, "int4", "INT"),
    (base.INTEGER, 10, 0, "INT UNSIGNED", "BIGINT"),
    (base.BIGINT, 19, 0, "int8", "BIGINT"),
    (base.BIGINT, 20, 0, "BIGINT UNSIGNED", "DECIMAL(20,0)"),
    (base.NUMERIC, 12, 2, "numeric", "DECIMAL(12,2)"),
    (base.DECIMAL, 65, 38, "DECIMAL", "DECIMAL(65,38)"),
    (base.NUMERIC, 0, 0, "numeric", "DECIMAL(65,30)"),
    (base.NUMERIC, 131089, 0, "numeric", "DECIMAL(65,30)"),
    (base.REAL, 8, 8, "float4", "FLOAT"),
    (base.DOUBLE, 17, 17, "float8", "DOUBLE"),
    (base.CHAR, 255, 0, "bpchar", "CHAR(255)"),
    (base.CHAR, 256, 0, "CHAR", "LONGTEXT"),
    (base.VARCHAR, 255, 0, "varchar", "VARCHAR(255)"),
    (base.VARCHAR, 256, 0, "varchar", "LONGTEXT"),
    (base.VARCHAR, 16384, 0, "varchar", "LONGTEXT"),
    (base.VARCHAR, 2147483647, 0, "text", "LONGTEXT"),
    (base.LONGVARCHAR, 65535, 0, "TEXT", "LONGTEXT"),
    (base.CLOB, 0, 0, "CLOB", "LONGTEXT"),
    (base.DATE, 10, 0, "date", "DATE"),
    (base.TIME, 15, 6, "time", "TIME(6)"),
    (base.TIMESTAMP, 26, 6, "timestamp", "DATETIME(6)"),
    (base.TIMESTAMP, 35, 6, "timestamptz", "DATETIME(6)"),
    (base.BINARY, 2147483647, 0, "bytea", "LONGBLOB"),
    (base.BLOB, 0, 0, "BLOB", "LONGBLOB"),
    (base.OTHER, 2147483647, 0, "json", "LONGTEXT"),
    (base.OTHER, 2147483647, 0, "uuid", "CHAR(36)"),
]


@pytest.mark.parametrize("jdbc_type, precision, scale, type_name, expected", TYPE_CASES)
def test_it_maps_jdbc_types(jdbc_type, precision, scale, type_name, expected):
    assert dialect.map_type(jdbc_type, precision, scale, type_name) == expected


def test_mapped_types_keep_microseconds_digits_and_four_byte_characters(maria_db):
    columns = [
        {"dest_name": "ts", "dest_type": dialect.map_type(base.TIMESTAMP, 26, 6, "timestamp")},
        {"dest_name": "t", "dest_type": dialect.map_type(base.TIME, 15, 6, "time")},
        {"dest_name": "n", "dest_type": dialect.map_type(base.NUMERIC, 0, 0, "numeric")},
        {"dest_name": "s", "dest_type": dialect.map_type(base.VARCHAR, 2147483647, 0, "text")},
    ]
    run(maria_db, dialect.create_table_sql("t", columns))
    maria_db.execute(
        "INSERT INTO t VALUES (%s, %s, %s, %s)",
        ("2024-01-02 03:04:05.123456", "10:11:12.654321", "12345678901234567890.123456789", "🙂 ok"),
    )
    assert maria_db.rows("SELECT * FROM t") == [
        (
            datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
            datetime.timedelta(hours=10, minutes=11, seconds=12, microseconds=654321),
            Decimal("12345678901234567890.123456789000000000000000000000"),
            "🙂 ok",
        ),
    ]


def test_mapped_types_read_back_through_jrunner_map_to_themselves(maria_db, make_connection):
    """The wizard compares an existing table's columns with the grid by mapping them again."""
    types, read_back = mapped_types_read_back(dialect, make_connection(maria_db), TYPE_CASES)
    assert read_back == types


def test_a_failing_merge_through_jrunner_leaves_the_destination_as_it_was(maria_db, table, make_connection):
    maria_db.execute(f"ALTER TABLE {dialect.qualify(table)} ADD CHECK (`line` > 0)")
    before = dest_rows(maria_db)
    staging = stage(maria_db, [(5, 1, "new", 5), (5, 0, "breaks the check", 6)])
    for strategy in ("full", "incremental"):
        with pytest.raises(jrunner.JrunnerError):
            jrunner.execute(
                make_connection(maria_db, name=strategy),
                dialect.merge_sql(strategy, table, staging, COLUMNS, KEY),
            )
        assert dest_rows(maria_db) == before


def test_a_wide_table_of_mapped_strings_fits_in_a_mariadb_row(maria_db):
    """Sixty-four 4000-character source columns (SQL Server nvarchar(4000), say)."""
    column_type = dialect.map_type(base.NVARCHAR, 4000, 0, "nvarchar")
    columns = [{"dest_name": f"c{n}", "dest_type": column_type} for n in range(64)]
    run(maria_db, dialect.create_table_sql("wide", columns))
    assert len(maria_db.rows(dialect.list_columns_sql(None, "wide"))) == 64


@given(st.lists(st.text(min_size=1), min_size=1, max_size=2))
def test_qualified_names_split_back_into_their_parts(parts):
    table = ".".join(dialect.quote_identifier(p) for p in parts)
    assert dialect.table_parts(table) == parts
    assert dialect.qualify(table) == table


@pytest.mark.parametrize("table_options", ["COLLATE utf8mb4_general_ci", "CHARACTER SET latin1"])
def test_incremental_merge_works_on_a_table_created_outside_pipekit(maria_db, table_options):
    maria_db.execute(f"CREATE TABLE codes (code VARCHAR(10), n INT) {table_options}")
    maria_db.execute("INSERT INTO codes VALUES ('abc', 1), ('xyz', 2)")
    columns = [{"dest_name": "code", "dest_type": "VARCHAR(10)"}, {"dest_name": "n", "dest_type": "INT"}]
    staging = dialect.staging_table("", "codes")
    run(maria_db, dialect.create_staging_sql(staging, columns))
    maria_db.execute(f"INSERT INTO {staging} VALUES ('abc', 3)")
    run(maria_db, dialect.merge_sql("incremental", "codes", staging, columns, ["code"]))
    assert maria_db.rows("SELECT code, n FROM codes ORDER BY n") == [("xyz", 2), ("abc", 3)]
