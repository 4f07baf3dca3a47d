"""Reading schemas, tables and columns through the real jrunner, and the module columns proposed."""

import pytest

from connections import introspection
from connections.dialects import get_dialect
from connections.jrunner import JrunnerError
from connections.secrets import set_secret

pytestmark = pytest.mark.django_db

PG_ORDERS = """
CREATE SCHEMA sales;
CREATE TABLE sales.orders (
    id integer PRIMARY KEY,
    "Customer Name" varchar(80),
    total numeric(12,2),
    created timestamp,
    "1st note" text
);
COMMENT ON COLUMN sales.orders.id IS 'Order number';
COMMENT ON COLUMN sales.orders."Customer Name" IS 'Who ordered';
CREATE VIEW public.big_orders AS SELECT * FROM sales.orders WHERE total > 100;
"""


def test_it_lists_postgres_schemas_and_tables(pg_db, make_connection):
    pg_db.execute(PG_ORDERS)
    conn = make_connection(pg_db)
    schemas = introspection.list_schemas(conn)
    assert {"public", "sales"} <= set(schemas)
    assert not [s for s in schemas if s.startswith("pg_") or s == "information_schema"]
    assert introspection.list_tables(conn, "sales") == ["orders"]
    assert introspection.list_tables(conn, "public") == ["big_orders"]


def test_it_reads_postgres_columns_with_their_types_and_comments(pg_db, make_connection):
    pg_db.execute(PG_ORDERS)
    columns = introspection.table_columns(make_connection(pg_db), "sales", "orders")
    assert [(c["name"], c["source_type"], c["comment"]) for c in columns] == [
        ("id", "integer", "Order number"),
        ("Customer Name", "character varying(80)", "Who ordered"),
        ("total", "numeric(12,2)", ""),
        ("created", "timestamp without time zone", ""),
        ("1st note", "text", ""),
    ]
    assert (columns[2]["precision"], columns[2]["scale"]) == (12, 2)


def test_it_proposes_identifiers_and_types_for_each_destination(pg_db, make_connection):
    pg_db.execute(PG_ORDERS)
    columns = introspection.table_columns(make_connection(pg_db), "sales", "orders")

    for_postgres = introspection.propose_columns(columns, get_dialect("postgres"))
    assert for_postgres[1] == {
        "id": "c2",
        "source_name": "Customer Name",
        "source_type": "character varying(80)",
        "dest_name": "customer_name",
        "dest_type": "varchar(80)",
        "description": "Who ordered",
    }
    assert [c["id"] for c in for_postgres] == ["c1", "c2", "c3", "c4", "c5"]
    assert [c["dest_name"] for c in for_postgres] == ["id", "customer_name", "total", "created", "c_1st_note"]
    assert [c["dest_type"] for c in for_postgres] == [
        "integer",
        "varchar(80)",
        "numeric(12,2)",
        "timestamp",
        "text",
    ]

    for_mariadb = introspection.propose_columns(columns, get_dialect("mariadb"))
    assert [c["dest_type"] for c in for_mariadb] == [
        "INT",
        "VARCHAR(80)",
        "DECIMAL(12,2)",
        "DATETIME(6)",
        "LONGTEXT",
    ]


def test_it_reads_a_querys_real_types_without_reading_rows(pg_db, make_connection):
    pg_db.execute(PG_ORDERS)
    pg_db.execute("INSERT INTO sales.orders (id, total) VALUES (1, 5.5)")
    columns = introspection.query_columns(
        make_connection(pg_db),
        "SELECT id, total * 2 AS doubled, created::date AS day, 'x'::varchar(3) AS flag FROM sales.orders",
    )
    proposed = introspection.propose_columns(columns, get_dialect("postgres"))
    assert [(c["dest_name"], c["dest_type"]) for c in proposed] == [
        ("id", "integer"),
        ("doubled", "numeric"),
        ("day", "date"),
        ("flag", "varchar(3)"),
    ]


def test_it_makes_repeated_destination_names_unique(pg_db, make_connection):
    columns = introspection.query_columns(
        make_connection(pg_db), 'SELECT 1 AS a, 2 AS "A", 3 AS a_2, 4 AS "a-2"'
    )
    proposed = introspection.propose_columns(columns, get_dialect("postgres"))
    assert [c["dest_name"] for c in proposed] == ["a", "a_2", "a_2_2", "a_2_3"]


def test_it_reads_mariadb_tables_and_inline_comments(maria_db, make_connection):
    maria_db.execute(
        "CREATE TABLE stock (sku varchar(20) COMMENT 'Stock keeping unit', qty int unsigned, "
        "price decimal(10,3), seen datetime(6))"
    )
    conn = make_connection(maria_db)
    assert maria_db.name in introspection.list_schemas(conn)
    assert introspection.list_tables(conn, maria_db.name) == ["stock"]
    columns = introspection.table_columns(conn, maria_db.name, "stock")
    assert [(c["name"], c["source_type"], c["comment"]) for c in columns] == [
        ("sku", "varchar(20)", "Stock keeping unit"),
        ("qty", "int(10) unsigned", ""),
        ("price", "decimal(10,3)", ""),
        ("seen", "datetime(6)", ""),
    ]
    proposed = introspection.propose_columns(columns, get_dialect("postgres"))
    assert [c["dest_type"] for c in proposed] == ["varchar(20)", "bigint", "numeric(10,3)", "timestamp"]


def test_it_reads_sqlite_tables(sqlite_db, make_connection):
    sqlite_db.execute(
        "CREATE TABLE items (id INTEGER, name TEXT, price NUMERIC(8,2)); CREATE VIEW v AS SELECT 1 AS one;"
    )
    conn = make_connection(sqlite_db)
    assert introspection.list_schemas(conn) == ["main"]
    assert introspection.list_tables(conn, "main") == ["items", "v"]
    columns = introspection.table_columns(conn, "main", "items")
    assert [(c["name"], c["source_type"], c["comment"]) for c in columns] == [
        ("id", "INTEGER", ""),
        ("name", "TEXT", ""),
        ("price", "NUMERIC(8,2)", ""),
    ]


def test_an_sqlite_integer_is_proposed_as_a_64_bit_column(sqlite_db, make_connection):
    sqlite_db.execute("CREATE TABLE items (id INTEGER, n INT)")
    columns = introspection.table_columns(make_connection(sqlite_db), "main", "items")
    for kind in ("postgres", "mariadb"):
        proposed = introspection.propose_columns(columns, get_dialect(kind))
        assert [c["dest_type"].lower() for c in proposed] == ["bigint", "bigint"]


def test_a_failing_query_raises_the_databases_message(pg_db, make_connection):
    with pytest.raises(JrunnerError, match="no_such_table"):
        introspection.query_columns(make_connection(pg_db), "SELECT * FROM no_such_table")


def test_bad_credentials_raise_the_databases_message_without_the_password(pg_db, make_connection):
    set_secret("INTROSPECTION_PASSWORD", "s3cret-introspection")
    conn = make_connection(pg_db, password="$INTROSPECTION_PASSWORD")
    conn.username = "nobody_here"
    with pytest.raises(JrunnerError) as raised:
        introspection.list_schemas(conn)
    assert "nobody_here" in str(raised.value)
    assert "s3cret-introspection" not in str(raised.value) + raised.value.stderr
