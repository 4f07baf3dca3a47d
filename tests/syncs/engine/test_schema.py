"""syncs.schema: sample values for reading a query, and destination tables against module columns."""

import pytest

from connections import introspection
from connections.dialects import get_dialect
from syncs import schema


def test_tokens_get_neutral_values_or_the_ones_given():
    sql = "SELECT * FROM t WHERE at >= '{since}' AND id > {last_id} AND b = '{since}'"
    assert schema.sample_sql(sql, get_dialect("postgres")) == (
        "SELECT * FROM t WHERE at >= '1970-01-01' AND id > 0 AND b = '1970-01-01'",
        {"since": "1970-01-01", "last_id": "0"},
    )
    assert schema.sample_sql(sql, get_dialect("postgres"), {"since": "2024-05-01", "last_id": None}) == (
        "SELECT * FROM t WHERE at >= '2024-05-01' AND id > 0 AND b = '2024-05-01'",
        {"since": "2024-05-01", "last_id": "0"},
    )


@pytest.mark.parametrize("dest_fixture", ["pg_db2", "maria_db", "sqlite_db"])
def test_a_table_created_from_proposed_columns_matches_them(
    request, erp_to_dw, make_connection, dest_fixture
):
    dest = make_connection(request.getfixturevalue(dest_fixture), name="target")
    found = introspection.table_columns(erp_to_dw.source, "public", "orders")
    columns = introspection.propose_columns(found, dest.dialect)
    assert schema.existing_table_columns(dest, "orders_copy") is None

    schema.create_table(dest, "orders_copy", columns)

    existing = schema.existing_table_columns(dest, "orders_copy")
    assert [c["dest_name"] for c in existing] == ["id", "customer", "total", "updated_at"]
    assert schema.column_differences(columns, existing) == []


def test_differences_name_missing_and_differently_typed_columns_only():
    columns = [
        {"dest_name": "id", "dest_type": "INTEGER"},
        {"dest_name": "name", "dest_type": "varchar(80)"},
        {"dest_name": "total", "dest_type": "numeric(12,2)"},
    ]
    existing = [
        {"dest_name": "loaded_at", "dest_type": "timestamp"},
        {"dest_name": "total", "dest_type": "numeric(14,2)"},
        {"dest_name": "id", "dest_type": "integer"},
    ]
    assert schema.column_differences(columns, existing) == [
        {"dest_name": "name", "dest_type": "varchar(80)", "table_type": None},
        {"dest_name": "total", "dest_type": "numeric(12,2)", "table_type": "numeric(14,2)"},
    ]
