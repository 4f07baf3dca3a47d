"""Readers are never blocked by a full refresh: they see the old rows until the new ones commit."""

import threading
import time

import pytest

from syncs.engine import run_module
from syncs.models import RunLog, Status
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db"])
def test_a_reader_sees_the_old_rows_while_a_full_refresh_loads(
    request, dest_name, pg_db, make_connection, make_module
):
    dest = request.getfixturevalue(dest_name)
    items.create(dest)
    items.insert(dest, items.ROWS)
    module = make_module(
        make_connection(pg_db),
        make_connection(dest),
        columns=items.columns(dest),
        source_query=items.BIG_QUERY,
        dest_table="items",
        strategy="full",
    )
    finished = []
    runner = threading.Thread(target=lambda: finished.append(run_module(module, trigger="cli")))
    runner.start()
    try:
        deadline = time.monotonic() + 120
        # Rows are moving: a bare progress count follows jrunner's start in the live log.
        while not RunLog.objects.filter(module=module, live_log__contains=" rows so far\n").exists():
            assert runner.is_alive() and time.monotonic() < deadline, "the load never showed progress"
            time.sleep(0.1)

        seen = items.read(dest)

        assert RunLog.objects.get(module=module).status == Status.RUNNING
        assert not finished
        assert seen == items.expected(items.ROWS)
    finally:
        RunLog.objects.filter(module=module).first().request_cancel()
        runner.join()


def test_a_full_refresh_may_trade_readers_for_speed_with_truncate(
    pg_db, pg_db2, make_connection, make_module
):
    items.create(pg_db)
    items.insert(pg_db, items.ROWS[:2])
    items.create(pg_db2)
    items.insert(pg_db2, items.ROWS)
    module = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=items.columns(pg_db2),
        source_query=items.SELECT,
        dest_table="items",
        strategy="full",
        full_refresh_clear="truncate",
    )

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert items.read(pg_db2) == items.expected(items.ROWS[:2])
    assert "(TRUNCATE)" in run.merge_sql
    assert "cleared by TRUNCATE" in run.live_log
