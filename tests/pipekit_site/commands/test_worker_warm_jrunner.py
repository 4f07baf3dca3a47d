"""A worker's runs go through its slot's warm jrunner: one JVM for run after run, a cancel that
stops the run's statements on both databases, and no JVM left once the worker stops.

Only with tests/config-queue.yaml, as tests/pipekit_site/commands/test_worker.py."""

import time
from pathlib import Path

import pytest

from syncs.detached import start_detached_run
from syncs.models import RunLog, Status
from tests.processes import jrunner_pids
from tests.queue import needs_queue

pytestmark = [pytest.mark.django_db(transaction=True), needs_queue]


def logged_pids(run):
    run.refresh_from_db()
    return jrunner_pids(run.live_log)


def running_statements(db):
    return db.rows(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'active' AND pid <> pg_backend_pid()"
    )


def test_a_workers_runs_share_one_warm_jrunner_that_ends_with_the_worker(
    make_orders_module, start_workers, wait_finished
):
    module = make_orders_module(1)
    [worker] = start_workers("w1")

    runs = []
    for _ in range(3):
        runs.append(start_detached_run(module, trigger="api"))
        wait_finished(RunLog.objects.all())

    assert [run.status for run in RunLog.objects.order_by("pk")] == [Status.SUCCESS] * 3
    [pid] = set.union(*(logged_pids(run) for run in runs))
    assert pid != worker.pid
    worker.terminate()
    assert worker.wait(60) == 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists()


def test_a_cancelled_run_stops_its_statements_on_both_databases(
    make_orders_module, start_workers, erp_to_dw, wait_finished
):
    module = make_orders_module(1)
    # Minutes of work on the source unless it is cancelled.
    module.source_query = "SELECT id, total FROM orders, pg_sleep(600)"
    module.save()
    start_workers("w1")
    source, dest = erp_to_dw.source_db, erp_to_dw.dest_db

    run = start_detached_run(module, trigger="api")
    deadline = time.monotonic() + 120
    while not any("pg_sleep" in query for (query,) in running_statements(source)):
        assert time.monotonic() < deadline, "the load never started"
        time.sleep(0.2)
    assert run.request_cancel()
    wait_finished(RunLog.objects.filter(pk=run.pk))

    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert running_statements(source) == []
    assert running_statements(dest) == []
    assert dest.rows("SELECT count(*) FROM public.orders_1") == [(0,)]
    # The worker's JVM ran the next run.
    module.source_query = "SELECT id, total FROM orders"
    module.save()
    again = start_detached_run(module, trigger="api")
    wait_finished(RunLog.objects.filter(pk=again.pk))
    again.refresh_from_db()
    assert again.status == Status.SUCCESS
    assert logged_pids(again) == logged_pids(run)
