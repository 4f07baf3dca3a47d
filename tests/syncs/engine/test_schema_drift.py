"""Every run compares the columns its source query returns with the module's before any data
moves: a new column is left out with a warning and a notice on the module page, a dropped column
or one retyped into what the destination cannot take fails the run naming it and both types."""

import pytest
from django.urls import reverse

from syncs.engine import run_module
from syncs.models import Status
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)

# (source, destination) fixtures: each server kind as the source whose table changes.
PAIRS = [("pg_db", "pg_db2"), ("maria_db", "pg_db2")]
RECORDED = {
    "pg_db": ["int8", "text", "numeric", "timestamp"],
    "maria_db": ["BIGINT", "VARCHAR", "DECIMAL", "DATETIME"],
}
ADD = {
    "pg_db": "ALTER TABLE items ADD COLUMN note text",
    "maria_db": "ALTER TABLE items ADD COLUMN note varchar(20)",
}
RETYPE = {
    "pg_db": "ALTER TABLE items ALTER COLUMN amount TYPE text",
    "maria_db": "ALTER TABLE items MODIFY amount varchar(30)",
}
TO_INTEGER = {
    "pg_db": "ALTER TABLE items ALTER COLUMN amount TYPE bigint",
    "maria_db": "ALTER TABLE items MODIFY amount bigint",
}


@pytest.fixture
def drifting(items_between):
    """A full-refresh module over SELECT * whose columns record the source types, as the wizard does."""

    def make(pair):
        module, source, dest = items_between(*pair, "full", "SELECT * FROM items")
        for column, source_type in zip(module.columns, RECORDED[pair[0]], strict=True):
            column["source_type"] = source_type
        module.save()
        return module, source, dest

    return make


@pytest.mark.parametrize("pair", PAIRS)
def test_a_column_added_to_the_source_is_left_out_with_a_warning(drifting, pair):
    module, source, dest = drifting(pair)
    source.execute(ADD[pair[0]])

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)
    assert "warning: schema drift: the source query returns columns the module does not have" in run.live_log
    assert "left out: note (" in run.live_log
    assert [c["name"] for c in run.drift["extra"]] == ["note"]
    assert run.drift["extra"][0]["dest_type"] == {"pg_db": "text", "maria_db": "varchar(20)"}[pair[0]]


@pytest.mark.parametrize("pair", PAIRS)
def test_the_module_page_offers_to_add_a_new_source_column_in_one_click(drifting, pair, staff_client):
    module, source, dest = drifting(pair)
    source.execute(ADD[pair[0]])
    run_module(module, trigger="cli")

    page = staff_client.get(reverse("syncs:module_detail", args=[module.pk])).content.decode()
    assert 'returns a column the module does not load: <span class="mono">note</span>' in page
    assert "Add column note" in page

    response = staff_client.post(
        reverse("syncs:add_column", args=[module.pk]),
        {
            "dest_name": "note",
            "dest_type": "text",
            "source_name": "note",
            "source_query": module.source_query,
        },
    )

    assert response.status_code == 302
    module.refresh_from_db()
    assert [c["dest_name"] for c in module.columns][-1] == "note"
    assert module.columns[-1]["source_name"] == "note"
    run = run_module(module, trigger="cli")
    assert run.status == Status.SUCCESS, run.error
    assert "schema drift" not in run.live_log
    page = staff_client.get(reverse("syncs:module_detail", args=[module.pk])).content.decode()
    assert "does not load" not in page


@pytest.mark.parametrize("pair", PAIRS)
def test_a_column_dropped_from_the_source_fails_before_any_data_moves_naming_it_and_its_types(drifting, pair):
    module, source, dest = drifting(pair)
    source.execute("ALTER TABLE items DROP COLUMN amount")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith("checking the source query's columns: the query returns no column amount (")
    assert f"the module's source type {RECORDED[pair[0]][2]}" in run.error
    assert "destination column amount numeric(12,2)" in run.error
    assert run.error.endswith("nothing was loaded")
    assert items.read(dest) == items.expected(items.ROWS)
    assert "jrunner started" not in run.live_log


@pytest.mark.parametrize("pair", PAIRS)
def test_a_column_retyped_to_text_that_the_destination_cannot_take_fails_naming_both_types(drifting, pair):
    module, source, dest = drifting(pair)
    source.execute(RETYPE[pair[0]])

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert "column amount is " in run.error
    assert (
        f"now, not {RECORDED[pair[0]][2]}, and destination column amount numeric(12,2) cannot take it"
        in run.error
    )
    assert items.read(dest) == items.expected(items.ROWS)


@pytest.mark.parametrize("pair", PAIRS)
def test_a_column_retyped_to_what_the_destination_takes_loads_with_a_warning(drifting, pair):
    module, source, dest = drifting(pair)
    source.execute(TO_INTEGER[pair[0]])

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert "warning: schema drift: column amount is " in run.live_log
    assert run.drift["retyped"][0]["source_name"] == "amount"
    assert len(items.read(dest)) == len(items.ROWS + items.NEW)


def test_a_dry_run_reports_drift_too(drifting, pg_db, pg_db2):
    module, source, dest = drifting(("pg_db", "pg_db2"))
    source.execute("ALTER TABLE items DROP COLUMN name")

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.status == Status.ERROR
    assert "the query returns no column name" in run.error
