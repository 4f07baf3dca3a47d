"""PostgresDialect statements, executed on a real PostgreSQL database."""

import threading

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connections import jrunner
from connections.dialects import base
from connections.dialects.postgres import PostgresDialect
from tests.connections.dialect_checks import Merges, mapped_types_read_back, run
from tests.dbs import PG

dialect = PostgresDialect()

# Awkward on purpose: spaces, a reserved word, mixed case, quotes in names and comments.
COLUMNS = [
    {"id": "c1", "dest_name": "Order Id", "dest_type": "integer", "description": "The order's number"},
    {"id": "c2", "dest_name": "line", "dest_type": "integer", "description": ""},
    {"id": "c3", "dest_name": "select", "dest_type": "text", "description": 'Say "hi" \\ back'},
    {"id": "c4", "dest_name": 'we"ird', "dest_type": "numeric(12,2)", "description": "Amount"},
]
KEY = ["Order Id", "line"]
TABLE = 'Sales Data."Order ""Lines"""'
NAMES = '"Order Id", line, "select", "we""ird"'


merges = Merges(dialect, COLUMNS, TABLE, NAMES, staging_schema="pipekit_staging", placeholder="%s")
stage, dest_rows = merges.stage, merges.dest_rows


@pytest.fixture
def table(pg_db):
    """The destination table, with one extra column the module does not load."""
    pg_db.execute('CREATE SCHEMA "Sales Data"')
    run(pg_db, dialect.create_table_sql(TABLE, COLUMNS))
    pg_db.execute(f"ALTER TABLE {dialect.qualify(TABLE)} ADD COLUMN loaded_by text DEFAULT 'pipekit'")
    run(
        pg_db,
        dialect.merge_sql(
            "append", TABLE, stage(pg_db, [(1, 1, "a", 1), (1, 2, "b", 2), (2, 1, "c", 3)]), COLUMNS, KEY
        ),
    )
    return TABLE


def test_it_quotes_identifiers_doubling_quotes():
    assert dialect.quote_identifier('we"ird name') == '"we""ird name"'
    assert dialect.qualify("public.orders") == '"public"."orders"'
    assert dialect.qualify('"My Schema"."Or.ders"') == '"My Schema"."Or.ders"'


def test_it_splits_plain_and_quoted_table_names():
    assert dialect.split_table("orders") == (None, "orders")
    assert dialect.split_table("public.orders") == ("public", "orders")
    assert dialect.split_table('"a.b"."c""d"') == ("a.b", 'c"d')
    assert dialect.qualify(dialect.qualify(TABLE)) == dialect.qualify(TABLE)


def test_it_refuses_a_table_name_with_unbalanced_quotes():
    with pytest.raises(ValueError, match="unbalanced quotes"):
        dialect.qualify('"public.orders')


def test_it_makes_valid_lowercase_identifiers_of_any_column_name():
    assert dialect.identifier("Order Date") == "order_date"
    assert dialect.identifier("2nd-Line #") == "c_2nd_line"
    assert dialect.identifier("***") == "column"
    assert len(dialect.identifier("x" * 100)) == 63


def test_it_creates_the_table_with_comments_read_back_by_the_listing(pg_db, table):
    columns = pg_db.rows(dialect.list_columns_sql("Sales Data", 'Order "Lines"'))
    assert columns == [
        ("Order Id", "integer", "The order's number"),
        ("line", "integer", None),
        ("select", "text", 'Say "hi" \\ back'),
        ('we"ird', "numeric(12,2)", "Amount"),
        ("loaded_by", "text", None),
    ]


def test_it_lists_user_schemas_but_not_the_catalogs(pg_db, table):
    schemas = [r[0] for r in pg_db.rows(dialect.list_schemas_sql())]
    assert {"public", "Sales Data", "pipekit_staging"} <= set(schemas)
    assert not {"pg_catalog", "information_schema", "pg_toast"} & set(schemas)


def test_it_lists_tables_views_and_materialized_views(pg_db, table):
    pg_db.execute('CREATE VIEW "Sales Data".v AS SELECT 1 AS x')
    pg_db.execute('CREATE MATERIALIZED VIEW "Sales Data".mv AS SELECT 1 AS x')
    pg_db.execute("CREATE TABLE public.elsewhere (x int)")
    tables = [r[0] for r in pg_db.rows(dialect.list_tables_sql("Sales Data"))]
    assert tables == ['Order "Lines"', "mv", "v"]


def test_it_lists_the_current_schema_when_none_is_given(pg_db):
    pg_db.execute("CREATE TABLE t (x int)")
    assert pg_db.rows(dialect.list_tables_sql(None)) == [("t",)]
    assert pg_db.rows(dialect.list_columns_sql("", "t")) == [("x", "integer", None)]


def test_it_adds_a_column_at_the_end_with_its_comment(pg_db, table):
    column = {"id": "c5", "dest_name": "Note", "dest_type": "varchar(20)", "description": "Free 'text'"}
    run(pg_db, dialect.add_column_sql(table, column))
    assert pg_db.rows(dialect.list_columns_sql("Sales Data", 'Order "Lines"'))[-1] == (
        "Note",
        "character varying(20)",
        "Free 'text'",
    )


def test_staging_has_exactly_the_module_columns_in_order_and_is_recreated(pg_db):
    stage(pg_db, [(9, 9, "old", 9)])
    staging = stage(pg_db, [])
    assert staging == '"pipekit_staging"."orders"'
    columns = pg_db.rows(dialect.list_columns_sql("pipekit_staging", "orders"))
    assert [(c[0], c[1]) for c in columns] == [(c["dest_name"], c["dest_type"]) for c in COLUMNS]
    assert pg_db.rows(f"SELECT count(*) FROM {staging}") == [(0,)]
    assert pg_db.rows(f"SELECT relpersistence FROM pg_class WHERE oid = '{staging}'::regclass") == [("u",)]


def test_staging_is_dropped_and_dropping_twice_is_harmless(pg_db):
    staging = stage(pg_db, [])
    pg_db.execute(dialect.drop_staging_sql(staging))
    pg_db.execute(dialect.drop_staging_sql(staging))
    assert pg_db.rows(dialect.list_tables_sql("pipekit_staging")) == []


def test_staging_without_a_schema_gets_a_prefixed_name():
    assert dialect.staging_table("", "orders") == '"pipekit_stg_orders"'


def test_full_merge_replaces_every_row_and_fills_extra_columns_with_defaults(pg_db, table):
    staging = stage(pg_db, [(5, 1, "new", 5.5), (6, 1, None, None)])
    merge = dialect.merge_sql("full", table, staging, COLUMNS, KEY)
    assert merge[0].startswith("DELETE FROM")
    run(pg_db, merge)
    assert dest_rows(pg_db) == [(5, 1, "new", 5.5), (6, 1, None, None)]
    assert pg_db.rows(f"SELECT DISTINCT loaded_by FROM {dialect.qualify(table)}") == [("pipekit",)]


def test_incremental_merge_replaces_rows_matching_the_whole_key(pg_db, table):
    staging = stage(pg_db, [(1, 2, "b2", 22), (3, 1, "d", 4)])
    run(pg_db, dialect.merge_sql("incremental", table, staging, COLUMNS, KEY))
    assert dest_rows(pg_db) == [(1, 1, "a", 1), (1, 2, "b2", 22), (2, 1, "c", 3), (3, 1, "d", 4)]


def test_incremental_merge_matches_null_key_parts_so_a_rerun_adds_nothing(pg_db, table):
    rows = [(7, None, "x", 1), (None, None, "y", 2)]
    for _ in range(2):
        run(pg_db, dialect.merge_sql("incremental", table, stage(pg_db, rows), COLUMNS, KEY))
    assert len(dest_rows(pg_db)) == 5
    run(pg_db, dialect.merge_sql("incremental", table, stage(pg_db, [(7, None, "x2", 1)]), COLUMNS, KEY))
    assert pg_db.rows(f'SELECT "select" FROM {dialect.qualify(table)} WHERE "Order Id" = 7') == [("x2",)]


def test_incremental_merge_on_a_one_column_key_matches_a_null_key_so_a_rerun_adds_nothing(pg_db, table):
    rows = [(7, 1, "x", 1), (None, 1, "y", 2)]
    for _ in range(2):
        run(pg_db, dialect.merge_sql("incremental", table, stage(pg_db, rows), COLUMNS, KEY[:1]))
    assert len(dest_rows(pg_db)) == 5
    run(pg_db, dialect.merge_sql("incremental", table, stage(pg_db, [(None, 1, "y2", 2)]), COLUMNS, KEY[:1]))
    assert pg_db.rows(f'SELECT "select" FROM {dialect.qualify(table)} WHERE "Order Id" IS NULL') == [("y2",)]


def test_append_merge_only_inserts(pg_db, table):
    run(pg_db, dialect.merge_sql("append", table, stage(pg_db, [(1, 1, "a", 1)]), COLUMNS, KEY))
    assert dest_rows(pg_db).count((1, 1, "a", 1)) == 2


def test_the_insert_is_the_last_merge_statement_of_every_strategy():
    for strategy in ("full", "incremental", "append"):
        assert dialect.merge_sql(strategy, TABLE, "s.t", COLUMNS, KEY)[-1].startswith("INSERT INTO")


def test_it_refuses_an_incremental_merge_with_a_key_outside_the_columns():
    with pytest.raises(ValueError, match="merge key column not among the module's columns: nope"):
        dialect.merge_sql("incremental", TABLE, "s.t", COLUMNS, ["nope"])
    with pytest.raises(ValueError, match="needs a merge key"):
        dialect.merge_sql("incremental", TABLE, "s.t", COLUMNS, [])


def test_zero_row_wrap_returns_the_columns_and_no_rows(pg_db):
    sql = "WITH n AS (SELECT 1 AS a, 'x' AS b) SELECT * FROM n ORDER BY a; -- trailing comment"
    with psycopg.connect(dbname=pg_db.name, **PG) as conn:
        cursor = conn.execute(dialect.zero_row_wrap(sql))
        assert [c.name for c in cursor.description] == ["a", "b"]
        assert cursor.fetchall() == []


TYPE_CASES = [
    (base.BIT, 1, 0, "bool", "boolean"),
    (base.BOOLEAN, 1, 0, "boolean", "boolean"),
    (base.TINYINT, 3, 0, "tinyint", "smallint"),
    (base.SMALLINT, 5, 0, "int2", "smallint"),
    (base.SMALLINT, 5, 0, "SMALLINT UNSIGNED", "integer"),
    (base.INTEGER, 10, 0, "int4", "integer"),
    (base.INTEGER, 10, 0, "INT UNSIGNED", "bigint"),
    (base.BIGINT, 19, 0, "int8", "bigint"),
    (base.BIGINT, 20, 0, "BIGINT UNSIGNED", "numeric(20,0)"),
    (base.NUMERIC, 12, 2, "numeric", "numeric(12,2)"),
    (base.DECIMAL, 31, 5, "DECIMAL", "numeric(31,5)"),
    (base.NUMERIC, 0, 0, "numeric", "numeric"),
    (base.NUMERIC, 131089, 0, "numeric", "numeric"),
    (base.REAL, 8, 8, "float4", "real"),
    (base.FLOAT, 17, 17, "float", "double precision"),
    (base.DOUBLE, 17, 17, "float8", "double precision"),
    (base.CHAR, 10, 0, "bpchar", "char(10)"),
    (base.VARCHAR, 40, 0, "varchar", "varchar(40)"),
    (base.VARCHAR, 2147483647, 0, "text", "text"),
    (base.NVARCHAR, 0, 0, "nvarchar", "text"),
    (base.LONGVARCHAR, 65535, 0, "TEXT", "text"),
    (base.CLOB, 0, 0, "CLOB", "text"),
    (base.DATE, 10, 0, "date", "date"),
    (base.TIME, 15, 6, "time", "time"),
    (base.TIME, 21, 6, "timetz", "timetz"),
    (base.TIMESTAMP, 26, 6, "timestamp", "timestamp"),
    (base.TIMESTAMP, 35, 6, "timestamptz", "timestamptz"),
    (base.TIMESTAMP_WITH_TIMEZONE, 35, 6, "datetimeoffset", "timestamptz"),
    (base.BINARY, 2147483647, 0, "bytea", "bytea"),
    (base.VARBINARY, 16, 0, "VARBINARY", "bytea"),
    (base.LONGVARBINARY, 0, 0, "LONGBLOB", "bytea"),
    (base.BLOB, 0, 0, "BLOB", "bytea"),
    (base.OTHER, 2147483647, 0, "json", "json"),
    (base.OTHER, 2147483647, 0, "jsonb", "jsonb"),
    (base.OTHER, 2147483647, 0, "uuid", "uuid"),
    (base.CHAR, 36, 0, "uniqueidentifier", "uuid"),
    (base.OTHER, 49, 6, "interval", "interval"),
    (base.OTHER, 2147483647, 0, "inet", "text"),
    (2003, 10, 0, "_int4", "text"),
]


@pytest.mark.parametrize("jdbc_type, precision, scale, type_name, expected", TYPE_CASES)
def test_it_maps_jdbc_types(jdbc_type, precision, scale, type_name, expected):
    assert dialect.map_type(jdbc_type, precision, scale, type_name) == expected


def test_every_mapped_type_is_accepted_by_postgresql(pg_db):
    types = {
        dialect.map_type(code, 10, 2, "")
        for code in (-7, -6, 5, 4, -5, 2, 7, 8, 1, 12, -1, 91, 92, 93, 2014, -2)
    }
    columns = [{"dest_name": f"c{i}", "dest_type": t} for i, t in enumerate(sorted(types))]
    run(pg_db, dialect.create_table_sql("t", columns))
    assert len(pg_db.rows(dialect.list_columns_sql(None, "t"))) == len(types)


def test_mapped_types_read_back_through_jrunner_map_to_themselves(pg_db, make_connection):
    """The wizard compares an existing table's columns with the grid by mapping them again."""
    types, read_back = mapped_types_read_back(dialect, make_connection(pg_db), TYPE_CASES)
    assert read_back == types


def test_a_failing_merge_through_jrunner_leaves_the_destination_as_it_was(pg_db, table, make_connection):
    pg_db.execute(f"ALTER TABLE {dialect.qualify(table)} ADD CHECK (line > 0)")
    before = dest_rows(pg_db)
    staging = stage(pg_db, [(5, 1, "new", 5), (5, 0, "breaks the check", 6)])
    conn = make_connection(pg_db)
    for strategy in ("full", "incremental"):
        with pytest.raises(jrunner.JrunnerError, match="line"):
            jrunner.execute(conn, dialect.merge_sql(strategy, table, staging, COLUMNS, KEY))
        assert dest_rows(pg_db) == before


@given(
    st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00"), min_size=1), min_size=1, max_size=2)
)
def test_qualified_names_split_back_into_their_parts(parts):
    table = ".".join(dialect.quote_identifier(p) for p in parts)
    assert dialect.table_parts(table) == parts
    assert dialect.qualify(table) == table


def create_at_once(database, statements, runs=4):
    """Execute statements in `runs` transactions at once, as that many loads' -pre statements;
    return the errors."""
    ready, failures = threading.Barrier(runs), []

    def create():
        with psycopg.connect(dbname=database.name, **PG) as conn:
            ready.wait()
            try:
                for statement in statements:
                    conn.execute(statement)
            except psycopg.Error as exc:
                failures.append(str(exc))

    threads = [threading.Thread(target=create) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_runs_creating_the_staging_schema_and_bookkeeping_table_at_once_all_succeed(pg_db):
    statements = [
        *dialect.create_schema_sql("pipekit_staging"),
        *dialect.create_commits_sql("pipekit_staging"),
    ]
    for _ in range(10):
        pg_db.execute("DROP SCHEMA IF EXISTS pipekit_staging CASCADE")
        assert create_at_once(pg_db, statements) == []
    assert pg_db.rows("SELECT count(*) FROM pipekit_staging.pipekit_commits") == [(0,)]
