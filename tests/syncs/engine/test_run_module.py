"""run_module end to end, through the real jrunner, for every strategy across database pairs."""

import pytest

from syncs.engine import run_module
from syncs.models import Status, Watermark
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)

PAIRS = {
    "pg-pg": ("pg_db", "pg_db2"),
    "maria-pg": ("maria_db", "pg_db"),
    "sqlite-pg": ("sqlite_db", "pg_db"),
    "pg-maria": ("pg_db", "maria_db"),
    "sqlite-sqlite": ("sqlite_db", "sqlite_db2"),
}


@pytest.fixture(params=PAIRS.values(), ids=PAIRS.keys())
def pair(request, make_connection):
    """(source db, dest db, source connection, dest connection) with items at the source and an empty dest."""
    source, dest = (request.getfixturevalue(name) for name in request.param)
    items.create(source)
    items.insert(source, items.ROWS)
    items.create(dest)
    return source, dest, make_connection(source), make_connection(dest)


def dest_table(db):
    return "public.items" if db.kind == "postgres" else "items"


def module_for(pair, make_module, strategy, query=items.SELECT, **fields):
    _, dest, source_conn, dest_conn = pair
    module = make_module(
        source_conn,
        dest_conn,
        columns=items.columns(dest),
        source_query=query,
        dest_table=dest_table(dest),
        strategy=strategy,
        **fields,
    )
    if "{since}" in query:
        Watermark.objects.create(
            module=module, name="since", resolver_sql=items.MAX_UPDATED, default_value=items.EPOCH
        )
    return module


def run(module):
    result = run_module(module, trigger="cli")
    assert result.error == ""
    assert result.status == Status.SUCCESS
    return result


def test_a_full_refresh_copies_the_source_row_by_row(pair, make_module):
    source, dest, *_ = pair
    module = module_for(pair, make_module, "full")

    first = run(module)
    assert items.read(dest) == items.expected(items.ROWS)
    assert (first.rows_staged, first.rows_merged) == (5, 5)
    assert first.load_path
    assert first.merge_sql

    items.upsert(source, items.CHANGED + items.NEW)
    source.execute("DELETE FROM items WHERE id = 1")
    second = run(module)
    now = [r for r in items.ROWS if r[0] not in (1, 2)] + items.CHANGED + items.NEW
    assert items.read(dest) == items.expected(now)
    assert second.rows_merged == 5

    run(module)
    assert items.read(dest) == items.expected(now)


def test_an_incremental_run_merges_changed_rows_by_key(pair, make_module):
    source, dest, *_ = pair
    module = module_for(pair, make_module, "incremental", items.SINCE, merge_key=["id"])

    first = run(module)
    assert first.watermark_values == {"since": items.EPOCH}
    assert items.EPOCH in first.resolved_sql
    assert items.read(dest) == items.expected(items.ROWS)

    items.upsert(source, items.CHANGED + items.NEW)
    second = run(module)
    assert second.watermark_values == {"since": "2024-01-03 23:59:59.999999"}
    assert (second.rows_staged, second.rows_merged) == (2, 2)
    # One changed row replaced by key, one new row.
    assert "merged: 1 deleted, 2 inserted" in second.live_log
    now = [r for r in items.ROWS if r[0] != 2] + items.CHANGED + items.NEW
    assert items.read(dest) == items.expected(now)

    third = run(module)
    assert third.rows_merged == 0
    assert items.read(dest) == items.expected(now)


def test_an_append_run_adds_only_the_new_rows(pair, make_module):
    source, dest, *_ = pair
    module = module_for(pair, make_module, "append", items.SINCE)

    run(module)
    assert items.read(dest) == items.expected(items.ROWS)

    items.insert(source, items.NEW)
    second = run(module)
    assert second.rows_merged == 1
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)

    run(module)
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)


def test_the_run_leaves_no_staging_table_and_releases_the_lock(pair, make_module):
    _, dest, *_ = pair
    module = module_for(pair, make_module, "incremental", items.SINCE, merge_key=["id"])

    result = run(module)

    assert items.tables_named(dest, module.name) == []
    module.refresh_from_db()
    assert module.running_run is None
    assert "rows" in result.live_log


def test_a_destination_with_extra_columns_keeps_their_defaults(pg_db, pg_db2, make_connection, make_module):
    items.create(pg_db)
    items.insert(pg_db, items.ROWS)
    items.create(pg_db2, extra="loaded_by text NOT NULL DEFAULT 'pipekit'")
    for strategy in ("full", "incremental"):
        module = make_module(
            make_connection(pg_db, name=f"src_{strategy}"),
            make_connection(pg_db2, name=f"dst_{strategy}"),
            columns=items.columns(pg_db2),
            source_query=items.SELECT,
            dest_table="public.items",
            strategy=strategy,
            merge_key=["id"],
        )
        run(module)
        assert items.read(pg_db2) == items.expected(items.ROWS)
        assert pg_db2.rows("SELECT DISTINCT loaded_by FROM items") == [("pipekit",)]


def test_a_full_refresh_loads_a_destination_whose_columns_are_in_another_order(
    pg_db, pg_db2, make_connection, make_module
):
    items.create(pg_db)
    items.insert(pg_db, items.ROWS)
    pg_db2.execute(
        "CREATE TABLE items (loaded_by text NOT NULL DEFAULT 'pipekit', updated_at timestamp(6), "
        "amount numeric(12,2), name text, id bigint PRIMARY KEY)"
    )
    module = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=items.columns(pg_db2),
        source_query=items.SELECT,
        dest_table="public.items",
    )

    result = run(module)

    assert "no staging" in result.merge_sql
    assert items.read(pg_db2) == items.expected(items.ROWS)
    assert pg_db2.rows("SELECT DISTINCT loaded_by FROM items") == [("pipekit",)]
