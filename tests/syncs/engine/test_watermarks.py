"""Watermarks: resolved on their connection, defaults for no row or NULL, tokens rendered."""

import pytest

from syncs.engine import run_module
from syncs.models import Status, Watermark
from syncs.plan import render
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def module(sqlite_db, sqlite_db2, make_connection, make_module):
    return items.module(
        make_module, make_connection, sqlite_db, sqlite_db2, source_query=items.SINCE, strategy="append"
    )


def test_it_uses_the_default_when_the_resolver_returns_null(module, sqlite_db2):
    Watermark.objects.create(
        module=module, name="since", resolver_sql=items.MAX_UPDATED, default_value=items.EPOCH
    )

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS
    assert run.watermark_values == {"since": items.EPOCH}
    assert f"updated_at > '{items.EPOCH}'" in run.resolved_sql
    assert items.read(sqlite_db2) == items.expected(items.ROWS)


def test_it_uses_the_default_when_the_resolver_returns_no_row(module):
    Watermark.objects.create(
        module=module, name="since", resolver_sql="SELECT updated_at FROM items WHERE 1 = 0", default_value=""
    )

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.status == Status.DRY_RUN
    assert run.watermark_values == {"since": ""}


def test_it_takes_the_first_cell_of_the_resolver(module, sqlite_db2):
    items.insert(sqlite_db2, items.ROWS[:2])
    Watermark.objects.create(
        module=module, name="since", resolver_sql="SELECT updated_at, id FROM items ORDER BY id DESC"
    )

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.watermark_values == {"since": items.ROWS[1][3]}


def test_a_null_without_a_default_is_an_error_naming_the_watermark(module, sqlite_db2):
    Watermark.objects.create(module=module, name="since", resolver_sql=items.MAX_UPDATED)

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert "watermark since" in run.error
    assert "NULL" in run.error
    assert items.read(sqlite_db2) == []


def test_a_resolver_error_names_the_watermark_and_its_connection(module):
    Watermark.objects.create(module=module, name="since", resolver_sql="SELECT max(nope) FROM items")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith(f"resolving watermark since on {module.dest.name}: ")
    assert "nope" in run.error


def test_it_resolves_on_the_watermark_connection(module, sqlite_db2):
    # Resolved on the source, the newest source row is the watermark: nothing is newer.
    Watermark.objects.create(
        module=module, name="since", resolver_sql=items.MAX_UPDATED, connection=module.source
    )

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS
    assert run.watermark_values == {"since": items.ROWS[-1][3]}
    assert items.read(sqlite_db2) == []


def test_render_replaces_only_defined_watermarks():
    sql = "SELECT '{a}', '{b}', '{\"json\": 1}', x{2} FROM t WHERE d > '{a}'"

    assert (
        render(sql, {"a": "2024", "b": "{a}"})
        == "SELECT '2024', '{a}', '{\"json\": 1}', x{2} FROM t WHERE d > '2024'"
    )
