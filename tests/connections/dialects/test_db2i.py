"""DB2iDialect statements against their expected text: there is no IBM i here to run them."""

import pytest

from connections.dialects import base
from connections.dialects.db2i import DB2iDialect

dialect = DB2iDialect()

COLUMNS = [
    {"id": "c1", "dest_name": "ORDER_ID", "dest_type": "INTEGER", "description": "The order's number"},
    {"id": "c2", "dest_name": "LINE", "dest_type": "INTEGER", "description": ""},
    {"id": "c3", "dest_name": 'we"ird', "dest_type": "CLOB(2G)"},
]


def test_it_quotes_identifiers_doubling_quotes():
    assert dialect.quote_identifier('we"ird') == '"we""ird"'
    assert dialect.qualify("SALES.ORDERS") == '"SALES"."ORDERS"'


def test_it_makes_upper_case_identifiers_as_db2_folds_them():
    assert dialect.identifier("order date") == "ORDER_DATE"


def test_list_schemas_sql_leaves_out_system_libraries():
    assert dialect.list_schemas_sql() == (
        "SELECT SCHEMA_NAME AS NAME FROM QSYS2.SYSSCHEMAS "
        "WHERE SCHEMA_NAME NOT LIKE 'Q%' AND SCHEMA_NAME NOT LIKE 'SYS%' ORDER BY 1"
    )


def test_list_tables_sql():
    assert dialect.list_tables_sql("SALES") == (
        "SELECT TABLE_NAME AS NAME FROM QSYS2.SYSTABLES "
        "WHERE TABLE_SCHEMA = 'SALES' AND TABLE_TYPE IN ('T', 'P', 'V', 'L', 'M') ORDER BY 1"
    )
    assert "TABLE_SCHEMA = CURRENT SCHEMA" in dialect.list_tables_sql(None)


def test_list_columns_sql_reads_the_comment_or_the_column_text():
    assert dialect.list_columns_sql("SALES", "ORDERS") == (
        "SELECT COLUMN_NAME AS NAME, DATA_TYPE AS TYPE, COALESCE(LONG_COMMENT, COLUMN_TEXT) AS COMMENT "
        "FROM QSYS2.SYSCOLUMNS WHERE TABLE_SCHEMA = 'SALES' AND TABLE_NAME = 'ORDERS' "
        "ORDER BY ORDINAL_POSITION"
    )


def test_zero_row_wrap_appends_fetch_first_instead_of_wrapping():
    sql = "WITH n AS (SELECT 1 AS A FROM SYSIBM.SYSDUMMY1) SELECT * FROM n; -- last"
    assert dialect.zero_row_wrap(sql) == (
        "WITH n AS (SELECT 1 AS A FROM SYSIBM.SYSDUMMY1) SELECT * FROM n -- last\nFETCH FIRST 1 ROW ONLY"
    )


def test_create_table_sql_comments_and_labels_columns():
    assert dialect.create_table_sql("SALES.ORDERS", COLUMNS) == [
        'CREATE TABLE "SALES"."ORDERS" (\n  "ORDER_ID" INTEGER,\n  "LINE" INTEGER,\n  "we""ird" CLOB(2G)\n)',
        'COMMENT ON COLUMN "SALES"."ORDERS"."ORDER_ID" IS \'The order\'\'s number\'',
        'LABEL ON COLUMN "SALES"."ORDERS"."ORDER_ID" TEXT IS \'The order\'\'s number\'',
    ]


def test_it_cuts_the_label_to_fifty_characters():
    column = {"dest_name": "X", "dest_type": "INTEGER", "description": "x" * 80}
    label = dialect.create_table_sql("T", [column])[2]
    assert label == f'LABEL ON COLUMN "T"."X" TEXT IS \'{"x" * 50}\''


def test_add_column_sql():
    column = {"dest_name": "NOTE", "dest_type": "VARCHAR(20)", "description": "Free text"}
    assert dialect.add_column_sql("SALES.ORDERS", column) == [
        'ALTER TABLE "SALES"."ORDERS" ADD COLUMN "NOTE" VARCHAR(20)',
        'COMMENT ON COLUMN "SALES"."ORDERS"."NOTE" IS \'Free text\'',
        'LABEL ON COLUMN "SALES"."ORDERS"."NOTE" TEXT IS \'Free text\'',
    ]


def test_staging_table_defaults_to_the_current_schema():
    assert dialect.staging_table(dialect.default_staging_schema, "orders") == '"pipekit_stg_orders"'
    assert dialect.staging_table("PKSTAGE", "orders") == '"PKSTAGE"."orders"'


def test_create_staging_sql_needs_an_existing_schema():
    assert dialect.create_staging_sql('"PKSTAGE"."orders"', COLUMNS[:1]) == [
        'BEGIN DECLARE CONTINUE HANDLER FOR SQLSTATE \'42704\' BEGIN END; DROP TABLE "PKSTAGE"."orders"; END',
        'CREATE TABLE "PKSTAGE"."orders" (\n  "ORDER_ID" INTEGER\n)',
    ]


def test_drop_staging_sql_ignores_a_missing_table():
    assert dialect.drop_staging_sql('"pipekit_stg_orders"') == (
        "BEGIN DECLARE CONTINUE HANDLER FOR SQLSTATE '42704' BEGIN END; "
        'DROP TABLE "pipekit_stg_orders"; END'
    )


INSERT = (
    'INSERT INTO "SALES"."ORDERS" ("ORDER_ID", "LINE", "we""ird") '
    'SELECT "ORDER_ID", "LINE", "we""ird" FROM "pipekit_stg_orders"'
)


def test_full_merge_sql_deletes_then_inserts():
    merge = dialect.merge_sql("full", "SALES.ORDERS", '"pipekit_stg_orders"', COLUMNS, [])
    assert merge == ['DELETE FROM "SALES"."ORDERS"', INSERT]


def test_incremental_merge_sql_deletes_matching_keys_null_safely_then_inserts():
    merge = dialect.merge_sql("incremental", "SALES.ORDERS", '"pipekit_stg_orders"', COLUMNS, ["ORDER_ID"])
    assert merge == [
        'DELETE FROM "SALES"."ORDERS" WHERE EXISTS (SELECT 1 FROM "pipekit_stg_orders" pipekit_staged '
        'WHERE pipekit_staged."ORDER_ID" = "SALES"."ORDERS"."ORDER_ID")',
        'DELETE FROM "SALES"."ORDERS" WHERE EXISTS (SELECT 1 FROM "pipekit_stg_orders" pipekit_staged '
        'WHERE pipekit_staged."ORDER_ID" IS NULL) AND ("SALES"."ORDERS"."ORDER_ID" IS NULL)',
        INSERT,
    ]


def test_incremental_merge_sql_on_a_two_column_key_matches_null_parts_null_safely():
    merge = dialect.merge_sql(
        "incremental", "SALES.ORDERS", '"pipekit_stg_orders"', COLUMNS, ["ORDER_ID", "LINE"]
    )
    assert merge[1] == (
        'DELETE FROM "SALES"."ORDERS" WHERE EXISTS (SELECT 1 FROM "pipekit_stg_orders" pipekit_staged '
        'WHERE pipekit_staged."ORDER_ID" IS NULL OR pipekit_staged."LINE" IS NULL) '
        'AND ("SALES"."ORDERS"."ORDER_ID" IS NULL OR "SALES"."ORDERS"."LINE" IS NULL) '
        'AND EXISTS (SELECT 1 FROM "pipekit_stg_orders" pipekit_staged '
        'WHERE pipekit_staged."ORDER_ID" IS NOT DISTINCT FROM "SALES"."ORDERS"."ORDER_ID" '
        'AND pipekit_staged."LINE" IS NOT DISTINCT FROM "SALES"."ORDERS"."LINE")'
    )


def test_append_merge_sql_only_inserts():
    assert dialect.merge_sql("append", "SALES.ORDERS", '"pipekit_stg_orders"', COLUMNS, []) == [INSERT]


def test_it_has_no_bulk_path_and_no_direct_full_refresh():
    assert (dialect.has_bulk_path, dialect.direct_full_refresh) == (False, False)


@pytest.mark.parametrize(
    "jdbc_type, precision, scale, type_name, expected",
    [
        (base.BIT, 1, 0, "bool", "BOOLEAN"),
        (base.TINYINT, 3, 0, "tinyint", "SMALLINT"),
        (base.SMALLINT, 5, 0, "SMALLINT", "SMALLINT"),
        (base.INTEGER, 10, 0, "INTEGER", "INTEGER"),
        (base.BIGINT, 19, 0, "BIGINT", "BIGINT"),
        (base.DECIMAL, 9, 2, "DECIMAL", "DECIMAL(9,2)"),
        (base.NUMERIC, 63, 10, "NUMERIC", "DECIMAL(63,10)"),
        (base.NUMERIC, 0, 0, "numeric", "DECFLOAT(34)"),
        (base.NUMERIC, 131089, 0, "numeric", "DECFLOAT(34)"),
        (base.REAL, 8, 8, "float4", "REAL"),
        (base.DOUBLE, 17, 17, "float8", "DOUBLE"),
        (base.CHAR, 10, 0, "CHAR", "CHAR(10)"),
        (base.VARCHAR, 32739, 0, "VARCHAR", "VARCHAR(32739)"),
        (base.VARCHAR, 2147483647, 0, "text", "CLOB(2G)"),
        (base.CLOB, 0, 0, "CLOB", "CLOB(2G)"),
        (base.DATE, 10, 0, "DATE", "DATE"),
        (base.TIME, 8, 0, "TIME", "TIME"),
        (base.TIMESTAMP, 26, 6, "TIMESTAMP", "TIMESTAMP(6)"),
        (base.TIMESTAMP, 35, 6, "timestamptz", "TIMESTAMP(6)"),
        (base.BINARY, 10, 0, "CHAR () FOR BIT DATA", "BLOB(2G)"),
        (base.BLOB, 0, 0, "BLOB", "BLOB(2G)"),
        (base.OTHER, 2147483647, 0, "json", "CLOB(2G)"),
    ],
)
def test_it_maps_jdbc_types(jdbc_type, precision, scale, type_name, expected):
    assert dialect.map_type(jdbc_type, precision, scale, type_name) == expected


def test_the_commits_table_is_created_ignoring_that_it_exists():
    assert dialect.create_commits_sql("") == [
        "BEGIN DECLARE CONTINUE HANDLER FOR SQLSTATE '42710' BEGIN END; CREATE TABLE \"pipekit_commits\" (\n"
        '  "module" VARCHAR(200) NOT NULL PRIMARY KEY,\n  "run_id" BIGINT NOT NULL,\n'
        '  "committed_at" TIMESTAMP(6) NOT NULL\n); END'
    ]
