"""Retries (syncs/retries.py): a run that failed before its merge committed is tried again as a
new run linked to it, after the module's delay; a failure after the commit never is."""

import os
import socket
import time
from datetime import timedelta

import psycopg
import pytest
from django.urls import reverse
from django.utils import timezone

from syncs.debris import abandon_dead_runs
from syncs.detached import output_path, start_detached_run
from syncs.engine import run_module
from syncs.models import Hook, RunLog, Status, pid_alive
from syncs.retries import retry_delay, retry_if_due
from tests.concurrency import sleeping_statements
from tests.dbs import PG

pytestmark = pytest.mark.django_db(transaction=True)


def terminate_the_load(erp_to_dw):
    """Once a load's source query sleeps (its destination connection open, its staging made), end
    its backend on the destination as a dropped connection would; return how many were ended."""
    deadline = time.monotonic() + 120
    with (
        psycopg.connect(dbname=erp_to_dw.source_db.name, autocommit=True, **PG) as source,
        psycopg.connect(dbname=erp_to_dw.dest_db.name, autocommit=True, **PG) as dest,
    ):
        while not sleeping_statements(source)():
            assert time.monotonic() < deadline, "the load never started"
            time.sleep(0.05)
        [(ended,)] = dest.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        ).fetchall()
    return ended


def test_a_load_whose_destination_connection_dropped_is_retried_and_succeeds(
    erp_to_dw, make_module, wait_finished, staff_client
):
    erp_to_dw.dest_db.execute("CREATE TABLE public.copy (id integer, total numeric(12,2))")
    module = make_module(
        erp_to_dw.source,
        erp_to_dw.dest,
        name="copy",
        columns=[("id", "integer"), ("total", "numeric(12,2)")],
        # The source sleeps while the load holds its destination connection, waiting for rows.
        source_query="SELECT id, total FROM orders, pg_sleep(3)",
        dest_table="public.copy",
        retries=2,
        retry_delay=1,
    )
    first = start_detached_run(module, trigger="api")

    assert terminate_the_load(erp_to_dw) == 1
    wait_finished(RunLog.objects.filter(pk=first.pk))
    first.refresh_from_db()
    deadline = time.monotonic() + 60
    while not RunLog.objects.filter(retry_of=first).exists():
        assert time.monotonic() < deadline, "no retry was queued"
        time.sleep(0.1)
    wait_finished(RunLog.objects.all())

    first.refresh_from_db()
    assert first.status == Status.ERROR
    assert "the destination connection was lost" in first.error
    assert first.error.endswith("the destination is unchanged")
    assert first.retriable
    retry = first.retry
    assert (retry.status, retry.error, retry.attempt, retry.trigger) == (Status.SUCCESS, "", 2, "api")
    assert retry.started_at >= first.finished_at + timedelta(seconds=1)
    assert erp_to_dw.dest_db.rows("SELECT count(*) FROM public.copy") == [(2,)]
    page = staff_client.get(reverse("syncs:run_detail", args=[retry.pk])).content.decode()
    first_link = reverse("syncs:run_detail", args=[first.pk])
    assert f'attempt 2 of 3, retry of <a href="{first_link}">run {first.pk}</a>' in page
    page = staff_client.get(first_link).content.decode()
    retry_link = reverse("syncs:run_detail", args=[retry.pk])
    assert f'retried as <a href="{retry_link}">run {retry.pk}</a>' in page


def test_a_failure_after_the_merge_committed_is_never_retried(make_items_module):
    module = make_items_module(retries=3)
    Hook.objects.create(module=module, name="broken", sql="SELECT * FROM no_such_table", run_on="success")

    run = run_module(module, trigger="manual")

    assert run.status == Status.ERROR
    assert run.error.startswith("the merge committed, but hook broken failed")
    assert not run.retriable
    assert retry_if_due(run) is None
    assert RunLog.objects.count() == 1
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(3,)]


def test_a_guard_refusal_and_a_dry_run_are_never_retried(make_items_module):
    module = make_items_module(retries=3, min_rows=10)

    refused = run_module(module, trigger="manual")
    dry = run_module(module, trigger="manual", dry_run=True)

    assert (refused.status, refused.retriable) == (Status.ERROR, False)
    assert refused.error.startswith("guard: ")
    assert dry.status == Status.DRY_RUN
    assert retry_if_due(refused) is None
    assert retry_if_due(dry) is None


def test_a_failed_database_call_is_retried_until_the_attempts_run_out(make_items_module):
    module = make_items_module(retries=1, retry_delay=1, source_query="SELECT id, name FROM no_such_items")

    first = run_module(module, trigger="manual")
    retry = retry_if_due(first, start=False)
    last = run_module(module, run=retry)

    assert (first.status, first.retriable) == (Status.ERROR, True)
    assert (retry.retry_of, retry.attempt) == (first, 2)
    assert (last.status, last.retriable) == (Status.ERROR, True)
    assert retry_if_due(last) is None
    assert retry_if_due(first) is None, "a run is retried once"
    assert RunLog.objects.count() == 2


@pytest.mark.parametrize(
    ("source_query", "sqlstate"),
    [("SELECT id, total FROM no_such_orders", "42P01"), ("SELECT id, 1 / 0 AS total FROM orders", "22012")],
    ids=["missing-table", "division-by-zero"],
)
def test_a_failure_the_database_gives_again_is_not_retried(orders_copy_module, source_query, sqlstate):
    module = orders_copy_module
    module.source_query, module.retries = source_query, 3
    module.save()

    run = run_module(module, trigger="manual")

    assert run.status == Status.ERROR
    assert "SQLSTATE" not in run.error + run.stderr
    assert not run.retriable, sqlstate
    assert retry_if_due(run) is None
    assert RunLog.objects.count() == 1


def test_a_retry_waits_for_its_start_time_doubling_the_delay_after_each_attempt(make_items_module):
    module = make_items_module(retries=3, retry_delay=60)
    assert [retry_delay(module, attempt) for attempt in (1, 2, 3)] == [60, 120, 240]

    before = timezone.now()
    first = RunLog.objects.create(module=module, status=Status.ERROR, retriable=True, attempt=2)
    retry = retry_if_due(first, start=False)

    assert retry.attempt == 3
    assert before + timedelta(seconds=120) <= retry.start_after <= timezone.now() + timedelta(seconds=120)


def test_a_run_abandoned_by_a_dead_process_before_its_load_is_retried(make_items_module):
    module = make_items_module(retries=1, retry_delay=3600)
    gone = os.fork()
    if gone == 0:
        os._exit(0)
    os.waitpid(gone, 0)
    dead = RunLog.objects.create(
        module=module, status=Status.RUNNING, started_at=timezone.now(), pid=gone, host=socket.gethostname()
    )

    abandon_dead_runs()

    dead.refresh_from_db()
    assert (dead.status, dead.retriable) == (Status.ERROR, True)
    assert dead.error.startswith("abandoned: ")
    retry = dead.retry
    assert (retry.status, retry.attempt) == (Status.QUEUED, 2)
    # Its own process waits for its start time, an hour away; a cancel ends it without starting.
    waiting = RunLog.objects.filter(pk=retry.pk, live_log__contains="waiting for its start time")
    deadline = time.monotonic() + 120
    while not waiting.exists():
        assert time.monotonic() < deadline, RunLog.objects.get(pk=retry.pk).live_log
        time.sleep(0.1)
    assert retry.request_cancel()
    retry.refresh_from_db()
    while pid_alive(retry.pid) or output_path(retry).exists():
        assert time.monotonic() < deadline, "the retry's process never ended"
        time.sleep(0.1)
    assert (retry.status, retry.started_at) == (Status.CANCELLED, None)
