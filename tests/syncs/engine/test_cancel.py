"""Cancelling a running run: jrunner killed, staging dropped, failure hooks run, status cancelled."""

import os
import signal
import threading
import time

import pytest

from syncs.detached import start_detached_run
from syncs.engine import run_module
from syncs.models import Hook, RunLog, Status
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)


def cancel_once_loading(module):
    """Wait until a run of module has started jrunner, then ask it to stop."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = RunLog.objects.filter(module=module).first()
        if run and "jrunner started" in run.live_log:
            time.sleep(1)
            run.request_cancel()
            return
        time.sleep(0.1)


@pytest.fixture
def big_load(pg_db, pg_db2, make_connection, make_module):
    """Return a function making a module (of a strategy) that loads the 3 million rows of
    items.BIG_QUERY into pg_db2's public.items, which holds items.ROWS."""
    items.create(pg_db2)
    items.insert(pg_db2, items.ROWS)

    def make(strategy):
        return make_module(
            make_connection(pg_db),
            make_connection(pg_db2),
            columns=items.columns(pg_db2),
            source_query=items.BIG_QUERY,
            dest_table="public.items",
            strategy=strategy,
            merge_key=["id"],
        )

    return make


@pytest.mark.parametrize("strategy", ["full", "incremental"])
def test_a_cancelled_run_stops_and_leaves_the_destination_as_it_was(strategy, pg_db2, big_load):
    pg_db2.execute("CREATE TABLE hook_log (what text)")
    module = big_load(strategy)
    for run_on in ("success", "failure", "always"):
        Hook.objects.create(
            module=module, name=run_on, sql=f"INSERT INTO hook_log VALUES ('{run_on}')", run_on=run_on
        )
    canceller = threading.Thread(target=cancel_once_loading, args=(module,))
    canceller.start()

    run = run_module(module, trigger="cli")
    canceller.join()

    assert run.status == Status.CANCELLED
    assert run.cancel_requested
    assert items.read(pg_db2) == items.expected(items.ROWS)
    assert items.tables_named(pg_db2, module.name) == []
    assert sorted(what for (what,) in pg_db2.rows("SELECT what FROM hook_log")) == ["always", "failure"]
    module.refresh_from_db()
    assert module.running_run is None


def test_a_run_cancelled_while_queued_never_starts(sqlite_db, sqlite_db2, make_connection, make_module):
    items.create(sqlite_db2)
    module = make_module(
        make_connection(sqlite_db),
        make_connection(sqlite_db2),
        columns=items.columns(sqlite_db2),
        source_query=items.SELECT,
        dest_table="items",
    )
    queued = RunLog.objects.create(module=module, trigger="api")
    assert queued.request_cancel()

    run = run_module(module, trigger="api", run=queued)

    assert run.status == Status.CANCELLED
    assert run.resolved_sql == ""
    assert not run.request_cancel()


def test_sigterm_stops_a_detached_run_like_a_cancel(pg_db2, big_load):
    module = big_load("incremental")
    run = start_detached_run(module, trigger="manual")
    deadline = time.monotonic() + 120
    while "jrunner started" not in RunLog.objects.get(pk=run.pk).live_log and time.monotonic() < deadline:
        time.sleep(0.1)

    os.kill(RunLog.objects.get(pk=run.pk).pid, signal.SIGTERM)
    while not RunLog.objects.get(pk=run.pk).is_finished and time.monotonic() < deadline:
        time.sleep(0.2)

    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert run.error == "stopped by SIGTERM; the destination is unchanged"
    assert items.read(pg_db2) == items.expected(items.ROWS)
    assert items.tables_named(pg_db2, module.name) == []
    module.refresh_from_db()
    assert module.running_run is None
