"""A source query whose columns are not the module's never loads: a missing or renamed column
fails the run before any row moves; an extra one is left out, with a warning (schema drift)."""

import pytest

from syncs.engine import run_module
from syncs.models import Status
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)

# Every source kind; PostgreSQL to PostgreSQL takes the COPY pipe, the others read through JDBC.
PAIRS = [("pg_db", "pg_db2"), ("maria_db", "pg_db2"), ("sqlite_db", "maria_db")]


@pytest.fixture
def drifting(items_between):
    """Return a function making a module between a pair of databases: the source holds ROWS + NEW,
    the destination ROWS."""
    return lambda pair, strategy, query: items_between(*pair, strategy, query)


def assert_unchanged(module, dest):
    assert items.read(dest) == items.expected(items.ROWS)
    assert items.tables_named(dest, module.name) == []


@pytest.mark.parametrize("strategy", ["full", "incremental"])
@pytest.mark.parametrize("pair", PAIRS)
def test_a_column_dropped_from_the_source_fails_the_run_naming_it(drifting, pair, strategy):
    module, source, dest = drifting(pair, strategy, "SELECT * FROM items")
    source.execute("ALTER TABLE items DROP COLUMN amount")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith("checking the source query's columns: ")
    assert "the query returns no column amount" in run.error
    assert run.error.endswith("; nothing was loaded")
    assert_unchanged(module, dest)


@pytest.mark.parametrize("pair", PAIRS)
def test_a_renamed_column_fails_the_run_naming_both_names(drifting, pair):
    query = "SELECT id, name AS title, amount, updated_at FROM items"
    module, _, dest = drifting(pair, "append", query)

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert "the query returns no column name " in run.error
    assert "it returns id, title, amount, updated_at" in run.error
    assert_unchanged(module, dest)


@pytest.mark.parametrize("strategy", ["full", "incremental"])
@pytest.mark.parametrize("pair", PAIRS)
def test_an_extra_column_is_left_out_and_the_rest_loaded_by_name(drifting, pair, strategy):
    query = "SELECT updated_at, 'drift' AS note, id, name, amount FROM items"
    module, _, dest = drifting(pair, strategy, query)

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)
    assert "warning: schema drift: the source query returns columns the module does not have" in run.live_log
    assert "left out: note" in run.live_log


@pytest.mark.parametrize("pair", PAIRS[1:])
def test_column_labels_differing_only_in_case_still_match(drifting, pair):
    module, _, dest = drifting(pair, "full", "SELECT ID, Name, AMOUNT, updated_at FROM items")

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)
    assert "schema drift" not in run.live_log


def test_a_query_with_no_columns_fails_the_run_saying_so(drifting, pg_db, pg_db2):
    module, _, dest = drifting(("pg_db", "pg_db2"), "full", "SELECT FROM items")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert (
        run.error == "checking the source query's columns: the query returns no columns; nothing was loaded"
    )
    assert_unchanged(module, dest)
