"""A dry run resolves and records everything and writes nothing anywhere."""

import pytest

from syncs.engine import run_module
from syncs.models import Status, Watermark
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("strategy", ["full", "incremental", "append"])
def test_a_dry_run_records_the_sql_and_writes_nothing(strategy, pg_db, pg_db2, make_connection, make_module):
    module = items.module(
        make_module,
        make_connection,
        pg_db,
        pg_db2,
        source_query=items.SINCE,
        strategy=strategy,
        merge_key=["id"],
    )
    items.insert(pg_db2, items.ROWS[:2])
    Watermark.objects.create(module=module, name="since", resolver_sql=items.MAX_UPDATED)

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.status == Status.DRY_RUN
    assert run.error == ""
    assert run.watermark_values == {"since": items.ROWS[1][3]}
    assert f"updated_at > '{items.ROWS[1][3]}'" in run.resolved_sql
    assert '"public"."items"' in run.merge_sql
    assert run.rows_staged is None and run.load_path == ""
    assert items.read(pg_db2) == items.expected(items.ROWS[:2])
    # Not even the staging schema was created.
    assert (
        pg_db2.rows("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'pipekit_staging'") == []
    )
    module.refresh_from_db()
    assert module.running_run is None


def test_a_dry_run_of_a_query_with_a_syntax_error_fails_like_a_run(
    sqlite_db, sqlite_db2, make_connection, make_module
):
    module = items.module(
        make_module, make_connection, sqlite_db, sqlite_db2, source_query="SELEC id, name FROM items"
    )

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.status == Status.ERROR
    assert run.error.startswith("checking the source query's columns: ")
    assert "syntax error" in run.error
    assert items.read(sqlite_db2) == []


def test_a_dry_run_names_a_column_the_query_does_not_return(
    sqlite_db, sqlite_db2, make_connection, make_module
):
    module = items.module(
        make_module, make_connection, sqlite_db, sqlite_db2, source_query="SELECT id FROM items"
    )

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.status == Status.ERROR
    assert run.error.startswith("checking the source query's columns: the query returns no column ")
    assert "it returns id" in run.error


def test_a_dry_run_fails_when_the_destination_cannot_be_reached(
    pg_db, make_connection, make_module, sqlite_db
):
    items.create(sqlite_db)
    items.insert(sqlite_db, items.ROWS)
    unreachable = make_connection(pg_db, name="gone")
    unreachable.jdbc_url = "jdbc:postgresql://127.0.0.1:1/none"
    unreachable.save()
    module = make_module(
        make_connection(sqlite_db),
        unreachable,
        columns=items.columns(sqlite_db),
        source_query=items.SELECT,
        dest_table="public.items",
    )

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.status == Status.ERROR
    assert run.error.startswith("connecting to the destination gone: ")


def test_a_dry_run_fails_when_the_destination_table_is_missing(
    sqlite_db, sqlite_db2, make_connection, make_module
):
    items.create(sqlite_db)
    module = make_module(
        make_connection(sqlite_db),
        make_connection(sqlite_db2),
        columns=items.columns(sqlite_db),
        source_query=items.SELECT,
        dest_table="no_such_table",
    )

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.status == Status.ERROR
    assert run.error == f"checking the destination {module.dest.name}: there is no table no_such_table"
