"""Caps: Connection.max_parallel_runs and config.yaml max_parallel_runs (syncs/slots.py). A run that
finds every slot taken waits, queued, saying for what; a cancel ends it without starting."""

import os
import socket
import threading
import time

import psycopg
import pytest
from django.db import connections
from django.utils import timezone

from syncs.detached import start_detached_run
from syncs.engine import run_module
from syncs.models import Hook, RunLog, Status, Watermark
from syncs.slots import full_caps, used_connections
from tests.concurrency import Watch, most_at_once, sleeping_statements
from tests.dbs import PG

pytestmark = pytest.mark.django_db(transaction=True)


def running_record(module, pid=None):
    """A run of module recorded as running in a live process of this host (this test's own)."""
    return RunLog.objects.create(
        module=module,
        status=Status.RUNNING,
        started_at=timezone.now(),
        pid=pid or os.getpid(),
        host=socket.gethostname(),
    )


def test_a_connection_capped_at_2_never_has_more_than_2_of_10_runs_at_once(
    erp_to_dw, make_module, wait_finished
):
    erp = erp_to_dw.source
    erp.max_parallel_runs = 2
    erp.save()
    modules = []
    for number in range(10):
        erp_to_dw.dest_db.execute(f"CREATE TABLE public.copy_{number} (id integer, total numeric(12,2))")
        modules.append(
            make_module(
                erp,
                erp_to_dw.dest,
                name=f"copy_{number}",
                columns=[("id", "integer"), ("total", "numeric(12,2)")],
                # Long enough for the runs to pile up on the cap.
                source_query="SELECT id, total FROM orders, pg_sleep(1)",
                dest_table=f"public.copy_{number}",
            )
        )
    with (
        psycopg.connect(dbname=erp_to_dw.source_db.name, autocommit=True, **PG) as conn,
        Watch(sleeping_statements(conn)) as sleeping,
    ):
        for module in modules:
            start_detached_run(module, trigger="api")
        wait_finished(RunLog.objects.all())

    runs = list(RunLog.objects.all())
    assert [(r.status, r.error) for r in runs] == [(Status.SUCCESS, "")] * 10
    assert most_at_once(runs) == 2
    assert sleeping.most == 2
    waited = [
        r for r in runs if "waiting for a free slot on connection erp: 2 of 2 in use by runs " in r.live_log
    ]
    assert waited
    for number in range(10):
        assert erp_to_dw.dest_db.rows(f"SELECT count(*) FROM public.copy_{number}") == [(2,)]


def test_a_run_waiting_for_a_slot_says_what_for_and_a_cancel_ends_it_without_starting(make_items_module):
    module = make_items_module()
    module.source.max_parallel_runs = 1
    module.source.save()
    holder = running_record(make_items_module(name="other"))
    run = RunLog.objects.create(module=module, trigger="manual")

    def execute():
        try:
            run_module(module, trigger="manual", run=run)
        finally:
            connections.close_all()

    thread = threading.Thread(target=execute)
    thread.start()
    deadline = time.monotonic() + 60
    waiting = f"waiting for a free slot on connection source: 1 of 1 in use by runs {holder.pk}"
    while not RunLog.objects.filter(pk=run.pk, live_log__contains=waiting).exists():
        assert time.monotonic() < deadline and thread.is_alive(), run.live_log
        time.sleep(0.1)
    assert run.request_cancel()
    thread.join(60)

    run.refresh_from_db()
    assert (run.status, run.error, run.started_at) == (Status.CANCELLED, "cancelled before it started", None)
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]
    module.refresh_from_db()
    assert module.running_run is None


def test_a_waiting_run_starts_once_a_slot_is_free_and_its_log_says_so(make_items_module):
    module = make_items_module()
    module.dest.max_parallel_runs = 1
    module.dest.save()
    holder = running_record(make_items_module(name="other"))
    run = RunLog.objects.create(module=module, trigger="manual")

    def free_the_slot():
        while not RunLog.objects.filter(pk=run.pk, live_log__contains="waiting for a free slot").exists():
            time.sleep(0.1)
        holder.finish(Status.SUCCESS)
        connections.close_all()

    freer = threading.Thread(target=free_the_slot)
    freer.start()
    run_module(module, trigger="manual", run=run)
    freer.join()

    run.refresh_from_db()
    assert (run.status, run.error) == (Status.SUCCESS, "")
    assert "starting: nothing to wait for any more" in run.live_log
    assert run.started_at > holder.finished_at


def test_this_host_runs_at_most_max_parallel_runs_with_the_local_executor(make_items_module, settings):
    settings.PIPEKIT_EXECUTOR = "local"
    settings.PIPEKIT_MAX_PARALLEL_RUNS = 2
    module = make_items_module()
    holders = [running_record(make_items_module(name=f"other_{n}")) for n in (1, 2)]
    run = RunLog.objects.create(module=module, trigger="manual")

    assert full_caps(run, used_connections(module)) == (
        "a free slot on this host (max_parallel_runs): 2 of 2 in use by runs "
        f"{holders[0].pk}, {holders[1].pk}"
    )
    settings.PIPEKIT_EXECUTOR = "queue"
    assert full_caps(run, used_connections(module)) == ""


def test_a_running_run_whose_process_is_gone_holds_no_slot(make_items_module, settings):
    settings.PIPEKIT_MAX_PARALLEL_RUNS = 1
    module = make_items_module()
    module.source.max_parallel_runs = 1
    module.source.save()
    gone = os.fork()
    if gone == 0:
        os._exit(0)
    os.waitpid(gone, 0)
    running_record(make_items_module(name="other"), pid=gone)
    run = RunLog.objects.create(module=module, trigger="manual")

    assert full_caps(run, used_connections(module)) == ""


def test_a_capped_connection_of_a_hook_or_a_watermark_counts_too(
    make_items_module, make_connection, sqlite_db
):
    other = make_connection(sqlite_db, name="audit", max_parallel_runs=1)
    module = make_items_module()
    Hook.objects.create(module=module, name="log", sql="SELECT 1", connection=other)
    using_other = make_items_module(name="other")
    Watermark.objects.create(module=using_other, name="since", resolver_sql="SELECT 1", connection=other)
    holder = running_record(using_other)
    run = RunLog.objects.create(module=module, trigger="manual")

    assert used_connections(module) == {module.source_id, module.dest_id, other.pk}
    assert full_caps(run, used_connections(module)) == (
        f"a free slot on connection audit: 1 of 1 in use by runs {holder.pk}"
    )
