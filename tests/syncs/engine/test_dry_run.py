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
