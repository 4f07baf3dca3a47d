"""MSSQLDialect statements against their expected text: there is no SQL Server here to run them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connections.dialects import base
from connections.dialects.mssql import MSSQLDialect

dialect = MSSQLDialect()

COLUMNS = [
    {"id": "c1", "dest_name": "Order Id", "dest_type": "int", "description": "The order's number"},
    {"id": "c2", "dest_name": "line", "dest_type": "int", "description": ""},
    {"id": "c3", "dest_name": "we]ird", "dest_type": "nvarchar(max)"},
]


def test_it_quotes_identifiers_in_brackets_doubling_the_closing_one():
    assert dialect.quote_identifier("we]ird [name]") == "[we]]ird [name]]]"
    assert dialect.qualify("dbo.orders") == "[dbo].[orders]"
    assert dialect.qualify("[my schema].[or.ders]") == "[my schema].[or.ders]"
    assert dialect.split_table("[a]]b].c") == ("a]b", "c")


def test_it_writes_unicode_literals():
    assert dialect.literal("it's") == "N'it''s'"


def test_list_schemas_sql():
    assert dialect.list_schemas_sql() == (
        "SELECT name FROM sys.schemas WHERE schema_id < 16384 "
        "AND name NOT IN (N'sys', N'INFORMATION_SCHEMA', N'guest') ORDER BY name"
    )


def test_list_tables_sql():
    assert dialect.list_tables_sql("sales") == (
        "SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = N'sales' ORDER BY 1"
    )
    assert "TABLE_SCHEMA = SCHEMA_NAME()" in dialect.list_tables_sql(None)


def test_list_columns_sql_reads_ms_description():
    assert dialect.list_columns_sql("sales", "o'rders") == (
        "SELECT c.name AS name, TYPE_NAME(c.user_type_id) AS type, "
        "CAST(p.value AS nvarchar(4000)) AS comment "
        "FROM sys.columns c LEFT JOIN sys.extended_properties p ON p.class = 1 AND p.major_id = c.object_id "
        "AND p.minor_id = c.column_id AND p.name = N'MS_Description' "
        "WHERE c.object_id = OBJECT_ID(N'[sales].[o''rders]') ORDER BY c.column_id"
    )


def test_zero_row_wrap_describes_the_query_under_fmtonly_so_order_by_and_with_stay_valid():
    sql = "WITH x AS (SELECT a FROM t) SELECT a, count(*) FROM x GROUP BY a ORDER BY a -- last;"
    assert dialect.zero_row_wrap(sql) == (
        "SET FMTONLY ON;\n"
        "WITH x AS (SELECT a FROM t) SELECT a, count(*) FROM x GROUP BY a ORDER BY a -- last\n"
        "SET FMTONLY OFF"
    )


def test_create_table_sql_adds_ms_description_properties():
    assert dialect.create_table_sql("sales.orders", COLUMNS) == [
        "CREATE TABLE [sales].[orders] (\n  [Order Id] int,\n  [line] int,\n  [we]]ird] nvarchar(max)\n)",
        "EXEC sp_addextendedproperty @name = N'MS_Description', @value = N'The order''s number', "
        "@level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TABLE', @level1name = N'orders', "
        "@level2type = N'COLUMN', @level2name = N'Order Id'",
    ]


def test_create_table_sql_takes_an_unqualified_table_as_dbo():
    assert "@level0name = N'dbo'" in dialect.create_table_sql("orders", COLUMNS)[1]


def test_add_column_sql():
    column = {"dest_name": "note", "dest_type": "nvarchar(20)", "description": "Free text"}
    assert dialect.add_column_sql("sales.orders", column) == [
        "ALTER TABLE [sales].[orders] ADD [note] nvarchar(20)",
        "EXEC sp_addextendedproperty @name = N'MS_Description', @value = N'Free text', "
        "@level0type = N'SCHEMA', @level0name = N'sales', @level1type = N'TABLE', @level1name = N'orders', "
        "@level2type = N'COLUMN', @level2name = N'note'",
    ]


def test_staging_table():
    assert dialect.staging_table(dialect.default_staging_schema, "orders") == "[pipekit_staging].[orders]"
    assert dialect.staging_table("", "orders") == "[pipekit_stg_orders]"


def test_create_staging_sql():
    assert dialect.create_staging_sql("[pipekit_staging].[orders]", COLUMNS) == [
        "IF SCHEMA_ID(N'pipekit_staging') IS NULL EXEC(N'CREATE SCHEMA [pipekit_staging]')",
        "DROP TABLE IF EXISTS [pipekit_staging].[orders]",
        "CREATE TABLE [pipekit_staging].[orders] (\n"
        "  [Order Id] int,\n  [line] int,\n  [we]]ird] nvarchar(max)\n)",
    ]


def test_drop_staging_sql():
    assert (
        dialect.drop_staging_sql("[pipekit_staging].[orders]")
        == "DROP TABLE IF EXISTS [pipekit_staging].[orders]"
    )


INSERT = (
    "INSERT INTO [sales].[orders] ([Order Id], [line], [we]]ird]) "
    "SELECT [Order Id], [line], [we]]ird] FROM [pipekit_staging].[orders]"
)


def test_full_merge_sql_deletes_then_inserts():
    merge = dialect.merge_sql("full", "sales.orders", "[pipekit_staging].[orders]", COLUMNS, [])
    assert merge == ["DELETE FROM [sales].[orders]", INSERT]


def test_incremental_merge_sql_deletes_matching_keys_null_safely_then_inserts():
    merge = dialect.merge_sql(
        "incremental", "sales.orders", "[pipekit_staging].[orders]", COLUMNS, ["Order Id", "line"]
    )
    assert merge == [
        "DELETE FROM [sales].[orders] WHERE EXISTS (SELECT 1 FROM [pipekit_staging].[orders] pipekit_staged "
        "WHERE pipekit_staged.[Order Id] = [sales].[orders].[Order Id] "
        "AND pipekit_staged.[line] = [sales].[orders].[line])",
        "DELETE FROM [sales].[orders] WHERE EXISTS (SELECT 1 FROM [pipekit_staging].[orders] pipekit_staged "
        "WHERE pipekit_staged.[Order Id] IS NULL OR pipekit_staged.[line] IS NULL) "
        "AND ([sales].[orders].[Order Id] IS NULL OR [sales].[orders].[line] IS NULL) "
        "AND EXISTS (SELECT 1 FROM [pipekit_staging].[orders] pipekit_staged "
        "WHERE (pipekit_staged.[Order Id] = [sales].[orders].[Order Id] "
        "OR (pipekit_staged.[Order Id] IS NULL AND [sales].[orders].[Order Id] IS NULL)) "
        "AND (pipekit_staged.[line] = [sales].[orders].[line] "
        "OR (pipekit_staged.[line] IS NULL AND [sales].[orders].[line] IS NULL)))",
        INSERT,
    ]


def test_append_merge_sql_only_inserts():
    assert dialect.merge_sql("append", "sales.orders", "[pipekit_staging].[orders]", COLUMNS, []) == [INSERT]


def test_delete_missing_sql_deletes_the_rows_in_scope_whose_key_is_missing_at_the_source():
    keys = dialect.key_staging_table("pipekit_staging", "orders")
    assert keys == "[pipekit_staging].[pipekit_keys_orders]"
    missing = dialect.delete_missing_sql("hard", "sales.orders", keys, ["Order Id"], "day >= '2024-01-01'")
    dest = "[sales].[orders]"
    assert missing == [
        (
            "deleted",
            f"DELETE FROM {dest} WHERE (day >= '2024-01-01') AND {dest}.[Order Id] IS NOT NULL "
            f"AND EXISTS (SELECT 1 FROM {keys} pipekit_keys "
            f"WHERE pipekit_keys.[Order Id] = {dest}.[Order Id])",
        ),
        (
            "deleted",
            f"DELETE FROM {dest} WHERE (day >= '2024-01-01') AND ({dest}.[Order Id] IS NULL) "
            f"AND EXISTS (SELECT 1 FROM {keys} pipekit_keys WHERE "
            f"(pipekit_keys.[Order Id] = {dest}.[Order Id] "
            f"OR (pipekit_keys.[Order Id] IS NULL AND {dest}.[Order Id] IS NULL)))",
        ),
    ]


def test_the_keys_in_scope_are_those_of_the_rows_in_scope():
    assert (
        dialect.scope_keys_sql("hard", "sales.orders", ["Order Id", "line"], "day >= '2024-01-01'")
        == "SELECT [Order Id], [line] FROM [sales].[orders] WHERE (day >= '2024-01-01')"
    )
    assert dialect.scope_keys_sql("hard", "sales.orders", ["id"]) == "SELECT [id] FROM [sales].[orders]"


def test_a_soft_delete_missing_marks_unmarked_rows_in_scope_with_the_runs_start():
    keys = "[pipekit_staging].[pipekit_keys_orders]"
    missing = dialect.delete_missing_sql(
        "soft", "sales.orders", keys, ["id"], marked_at="2026-11-29 23:00:00.000001"
    )
    assert [role for role, _ in missing] == ["marked", "marked"]
    assert missing[0][1].startswith(
        "UPDATE [sales].[orders] SET [deleted_at] = N'2026-11-29 23:00:00.000001' "
        "WHERE [deleted_at] IS NULL AND "
    )
    assert (
        dialect.scope_keys_sql("soft", "sales.orders", ["id"])
        == "SELECT [id] FROM [sales].[orders] WHERE [deleted_at] IS NULL"
    )


def test_it_has_no_bulk_path_and_no_direct_full_refresh():
    assert (dialect.has_bulk_path, dialect.direct_full_refresh) == (False, False)


@pytest.mark.parametrize(
    "jdbc_type, precision, scale, type_name, expected",
    [
        (base.BIT, 1, 0, "bool", "bit"),
        (base.BOOLEAN, 1, 0, "boolean", "bit"),
        (base.TINYINT, 3, 0, "tinyint", "smallint"),
        (base.SMALLINT, 5, 0, "int2", "smallint"),
        (base.INTEGER, 10, 0, "int4", "int"),
        (base.BIGINT, 19, 0, "int8", "bigint"),
        (base.BIGINT, 20, 0, "BIGINT UNSIGNED", "decimal(20,0)"),
        (base.NUMERIC, 12, 2, "numeric", "decimal(12,2)"),
        (base.DECIMAL, 38, 38, "DECIMAL", "decimal(38,38)"),
        (base.NUMERIC, 0, 0, "numeric", "decimal(38,10)"),
        (base.NUMERIC, 131089, 0, "numeric", "decimal(38,10)"),
        (base.DECIMAL, 63, 2, "DECIMAL", "decimal(38,10)"),
        (base.REAL, 8, 8, "float4", "real"),
        (base.FLOAT, 17, 17, "float", "float"),
        (base.DOUBLE, 17, 17, "float8", "float"),
        (base.CHAR, 10, 0, "bpchar", "nchar(10)"),
        (base.CHAR, 5000, 0, "CHAR", "nvarchar(max)"),
        (base.VARCHAR, 4000, 0, "varchar", "nvarchar(4000)"),
        (base.VARCHAR, 4001, 0, "varchar", "nvarchar(max)"),
        (base.LONGVARCHAR, 65535, 0, "TEXT", "nvarchar(max)"),
        (base.CLOB, 0, 0, "CLOB", "nvarchar(max)"),
        (base.DATE, 10, 0, "date", "date"),
        (base.TIME, 15, 6, "time", "time(6)"),
        (base.TIMESTAMP, 26, 6, "timestamp", "datetime2(6)"),
        (base.TIMESTAMP, 35, 6, "timestamptz", "datetimeoffset(6)"),
        (base.TIMESTAMP_WITH_TIMEZONE, 35, 6, "TIMESTAMP WITH TIME ZONE", "datetimeoffset(6)"),
        (base.BINARY, 2147483647, 0, "bytea", "varbinary(max)"),
        (base.BLOB, 0, 0, "BLOB", "varbinary(max)"),
        (base.OTHER, 2147483647, 0, "uuid", "uniqueidentifier"),
        (base.OTHER, 2147483647, 0, "json", "nvarchar(max)"),
    ],
)
def test_it_maps_jdbc_types(jdbc_type, precision, scale, type_name, expected):
    assert dialect.map_type(jdbc_type, precision, scale, type_name) == expected


def test_it_makes_identifiers_up_to_128_characters():
    assert dialect.identifier("Unit Price (€)") == "unit_price"
    assert len(dialect.identifier("x" * 200)) == 128


@given(st.lists(st.text(min_size=1), min_size=1, max_size=2))
def test_qualified_names_split_back_into_their_parts(parts):
    table = ".".join(dialect.quote_identifier(p) for p in parts)
    assert dialect.table_parts(table) == parts
    assert dialect.qualify(table) == table


def test_the_commits_table_is_created_only_when_missing():
    assert dialect.create_commits_sql("pipekit_staging")[1] == (
        "IF OBJECT_ID(N'[pipekit_staging].[pipekit_commits]', N'U') IS NULL EXEC(N'CREATE TABLE "
        "[pipekit_staging].[pipekit_commits] (\n  [module] nvarchar(200) NOT NULL PRIMARY KEY,\n"
        "  [run_id] bigint NOT NULL,\n  [committed_at] datetime2(6) NOT NULL\n)')"
    )
