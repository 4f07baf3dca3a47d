"""The guards (allow_empty, min_rows, max_shrink_pct) refuse a merge in its own transaction,
leaving the destination exactly as it was, and --force runs it once anyway."""

import pytest

from syncs.engine import run_module
from syncs.models import Status
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)

# The pairs issue 15 names: three kinds of source into PostgreSQL (loaded straight into the
# table), and PostgreSQL into MariaDB (through staging).
PAIRS = {
    "pg-pg": ("pg_db", "pg_db2"),
    "maria-pg": ("maria_db", "pg_db"),
    "sqlite-pg": ("sqlite_db", "pg_db"),
    "pg-maria": ("pg_db", "maria_db"),
}


@pytest.fixture(params=PAIRS.values(), ids=PAIRS.keys())
def between(request, items_between):
    """items_between for each pair: the source holds 6 items, the destination 5."""
    source, dest = request.param
    return lambda strategy="full", **fields: items_between(source, dest, strategy, **fields)


def refused(module, rule):
    run = run_module(module, trigger="cli")
    assert run.status == Status.ERROR
    assert run.error.startswith(f"guard: {rule}"), run.error
    assert run.error.endswith("the destination is unchanged")
    assert run.refused_by_guard and not run.forced
    return run


def test_a_full_refresh_from_an_empty_source_is_refused_and_leaves_the_table_as_it_was(between):
    module, source, dest = between()
    source.execute("DELETE FROM items")

    run = refused(module, "allow_empty is off")

    assert "the source returned no rows" in run.error and "which holds 5 rows" in run.error
    assert items.read(dest) == items.expected(items.ROWS)
    assert (run.rows_read, run.rows_staged) == (0, 0)
    assert items.tables_named(dest, f"pipekit_stg_{module.name}") == []


def test_allow_empty_lets_a_full_refresh_empty_the_table(between):
    module, source, dest = between(allow_empty=True)
    source.execute("DELETE FROM items")

    run = run_module(module, trigger="cli")

    assert (run.status, run.error) == (Status.SUCCESS, "")
    assert items.read(dest) == []
    assert run.rows_deleted == 5


def test_forcing_runs_a_refused_full_refresh_once_and_is_recorded(between):
    module, source, dest = between()
    source.execute("DELETE FROM items")
    refused(module, "allow_empty is off")

    run = run_module(module, trigger="cli", force=True)

    assert (run.status, run.error) == (Status.SUCCESS, "")
    assert run.forced and not run.refused_by_guard
    assert "forced: committing although guard: allow_empty is off" in run.live_log
    assert items.read(dest) == []
    # Once: the next run is guarded again.
    items.insert(dest, items.ROWS)
    refused(module, "allow_empty is off")


def test_min_rows_refuses_a_run_that_stages_fewer_rows(between):
    module, _, dest = between(min_rows=7)

    run = refused(module, "min_rows")

    assert run.error.startswith("guard: min_rows: 6 rows staged, fewer than the module's minimum of 7")
    assert items.read(dest) == items.expected(items.ROWS)
    assert (run.rows_read, run.rows_staged) == (6, 6)


def test_min_rows_guards_an_incremental_run_too(between):
    module, _, dest = between("incremental", min_rows=100)

    refused(module, "min_rows")

    assert items.read(dest) == items.expected(items.ROWS)


def test_max_shrink_pct_refuses_a_full_refresh_that_loses_too_many_rows(between):
    module, source, dest = between(max_shrink_pct=50)
    source.execute("DELETE FROM items WHERE id > 2")

    run = refused(module, "max_shrink_pct 50%")

    assert "from 5 to 2 rows (60.0% fewer)" in run.error
    assert items.read(dest) == items.expected(items.ROWS)


def test_a_shrink_within_max_shrink_pct_goes_through(between):
    module, source, dest = between(max_shrink_pct=50)
    source.execute("DELETE FROM items WHERE id > 3")

    run = run_module(module, trigger="cli")

    assert (run.status, run.error) == (Status.SUCCESS, "")
    assert items.read(dest) == items.expected(items.ROWS[:3])


def test_forcing_overrides_min_rows_and_max_shrink_pct(between):
    module, source, dest = between(min_rows=3, max_shrink_pct=10)
    source.execute("DELETE FROM items WHERE id > 2")

    run = run_module(module, trigger="cli", force=True)

    assert (run.status, run.error) == (Status.SUCCESS, "")
    assert items.read(dest) == items.expected(items.ROWS[:2])
