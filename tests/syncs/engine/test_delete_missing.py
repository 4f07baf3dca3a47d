"""delete_missing: rows gone from the source are deleted (hard) or marked deleted_at (soft) at the
destination, within a scope, in the merge's transaction; an empty key set and max_delete_pct
refuse, leaving the destination as it was."""

import pytest

from syncs.engine import run_module
from syncs.models import Status
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)

PAIRS = {
    "pg-pg": ("pg_db", "pg_db2"),
    "maria-pg": ("maria_db", "pg_db"),
    "sqlite-pg": ("sqlite_db", "pg_db"),
    "pg-maria": ("pg_db", "maria_db"),
}
DELETED_AT = {"postgres": "timestamp(6)", "mariadb": "datetime(6)", "sqlite": "TEXT"}
KEYS = "SELECT id FROM items"


@pytest.fixture(params=PAIRS.values(), ids=PAIRS.keys())
def between(request, items_between):
    """An incremental items module for each pair, carrying deletes over; the source holds 6 items
    and the destination the first 5, with a deleted_at column when soft."""
    source_name, dest_name = request.param

    def make(delete_missing="hard", **fields):
        fields.setdefault("key_query", KEYS)
        fields.setdefault("max_delete_pct", 50)
        module, source, dest = items_between(
            source_name, dest_name, "incremental", delete_missing=delete_missing, **fields
        )
        if delete_missing == "soft":
            dest.execute(f"ALTER TABLE items ADD deleted_at {DELETED_AT[dest.kind]}")
        return module, source, dest

    return make


def run(module, **kwargs):
    run = run_module(module, trigger="cli", **kwargs)
    assert (run.status, run.error) == (Status.SUCCESS, "")
    return run


def ids(dest, where=""):
    return [int(i) for (i,) in dest.rows(f"SELECT id FROM items {where} ORDER BY id")]


def test_a_hard_delete_removes_the_rows_gone_from_the_source(between):
    module, source, dest = between()
    source.execute("DELETE FROM items WHERE id IN (2, 4)")

    result = run(module)

    assert ids(dest) == [1, 3, 5, 6]
    assert items.read(dest) == items.expected([r for r in items.ROWS + items.NEW if r[0] not in (2, 4)])
    assert (result.rows_read, result.rows_staged, result.rows_merged) == (4, 4, 4)
    # 3 replaced by their staged rows, 2 missing at the source.
    assert result.rows_deleted == 5
    assert result.rows_marked is None
    assert "2 deleted as missing at the source" in result.live_log
    assert items.tables_named(dest, f"pipekit_keys_{module.name}") == []


def test_a_hard_delete_within_a_scope_never_touches_rows_outside_it(between):
    module, source, dest = between(
        key_query="SELECT id FROM items WHERE id >= 3", delete_scope="id >= 3", max_delete_pct=100
    )
    # The source query brings only the scope's rows; 1 and 2 are outside and stay.
    module.source_query = f"{items.SELECT} WHERE id >= 3"
    module.save()
    source.execute("DELETE FROM items WHERE id IN (1, 4)")

    run(module)

    assert ids(dest) == [1, 2, 3, 5, 6]


def test_a_soft_delete_marks_the_missing_rows_with_the_runs_start(between):
    module, source, dest = between("soft")
    source.execute("DELETE FROM items WHERE id IN (2, 4)")

    result = run(module)

    assert ids(dest) == [1, 2, 3, 4, 5, 6]
    assert ids(dest, "WHERE deleted_at IS NOT NULL") == [2, 4]
    (marked,) = {str(v) for (v,) in dest.rows("SELECT deleted_at FROM items WHERE deleted_at IS NOT NULL")}
    assert marked.startswith(result.started_at.strftime("%Y-%m-%d %H:%M:%S"))
    assert result.rows_marked == 2

    # Marked once: the next run marks nothing again, and a row back at the source is live again.
    items.insert(source, [items.ROWS[1]])
    again = run(module)
    assert again.rows_marked == 0
    assert ids(dest, "WHERE deleted_at IS NOT NULL") == [4]


def test_a_soft_delete_within_a_scope_never_touches_rows_outside_it(between):
    module, source, dest = between(
        "soft", key_query="SELECT id FROM items WHERE id >= 3", delete_scope="id >= 3"
    )
    module.source_query = f"{items.SELECT} WHERE id >= 3"
    module.save()
    source.execute("DELETE FROM items WHERE id IN (1, 4)")

    run(module)

    assert ids(dest, "WHERE deleted_at IS NULL") == [1, 2, 3, 5, 6]
    assert ids(dest, "WHERE deleted_at IS NOT NULL") == [4]


def test_an_empty_key_set_deletes_nothing_and_fails_even_when_forced(between):
    module, source, dest = between(key_query="SELECT id FROM items WHERE id < 0")
    source.execute("DELETE FROM items WHERE id = 2")

    for force in (False, True):
        result = run_module(module, trigger="cli", force=force)
        assert result.status == Status.ERROR
        assert result.error.startswith("guard: delete_missing: the key query returned no keys")
        assert not result.refused_by_guard
        assert items.read(dest) == items.expected(items.ROWS)
        assert items.tables_named(dest, f"pipekit_keys_{module.name}") == []


def test_deleting_more_than_max_delete_pct_is_refused_and_forcing_runs_it(between):
    module, source, dest = between(max_delete_pct=10)
    source.execute("DELETE FROM items WHERE id = 2")

    refused = run_module(module, trigger="cli")

    assert refused.status == Status.ERROR
    assert refused.error.startswith(
        f"guard: max_delete_pct 10%: 1 of the 5 rows in scope of {module.dest_table} would be deleted (20.0%)"
    )
    assert refused.error.endswith("the destination is unchanged")
    assert refused.refused_by_guard
    assert items.read(dest) == items.expected(items.ROWS)

    forced = run(module, force=True)
    assert forced.forced
    assert ids(dest) == [1, 3, 4, 5, 6]


def test_a_soft_delete_into_a_table_without_deleted_at_fails_saying_so(between):
    module, source, dest = between()
    module.delete_missing = "soft"
    module.save()
    source.execute("DELETE FROM items WHERE id = 2")

    result = run_module(module, trigger="cli")

    assert result.status == Status.ERROR
    assert result.error.startswith(
        f"marking the rows missing at the source in {module.dest.dialect.qualify(module.dest_table)} "
        "(rolled back; a soft delete needs a deleted_at column): "
    )
    assert result.error.endswith("the destination is unchanged")
    assert items.read(dest) == items.expected(items.ROWS)
