"""`executor: queue`: runs started from the web, the API and the tick are procrastinate jobs that
`manage.py worker` processes execute. Two workers stand for two hosts sharing the state database.

Only with tests/config-queue.yaml (PIPEKIT_CONFIG; a PostgreSQL state database under
scripts/test-servers.sh), as the Makefile's `test` runs them."""

import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from scheduling.engine import start_detached_group_run
from scheduling.models import Group, GroupMember, GroupRun, Schedule
from scheduling.tick import fire_schedules, housekeeping
from syncs.detached import start_detached_run
from syncs.models import RunLog, Status

pytestmark = pytest.mark.django_db(transaction=True)
needs_queue = pytest.mark.skipif(
    settings.PIPEKIT_EXECUTOR != "queue",
    reason="needs executor: queue (PIPEKIT_CONFIG=tests/config-queue.yaml)",
)


@pytest.fixture
def queue_jobs():
    """procrastinate's jobs, emptied first: Django flushes only its own tables between tests."""
    # Imported here: procrastinate is an installed app only with executor: queue.
    from procrastinate.contrib.django.models import ProcrastinateJob

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs CASCADE")
    return ProcrastinateJob.objects


def live_workers(since):
    from procrastinate.contrib.django.models import ProcrastinateWorker

    return ProcrastinateWorker.objects.filter(last_heartbeat__gte=since).count()


@pytest.fixture
def start_workers(tmp_path, queue_jobs):
    """Return a function starting `manage.py worker --name NAME --concurrency N` processes, once they poll;
    every worker started is stopped (SIGTERM, as systemd does) after the test."""
    processes = []

    def start(*names, concurrency=1):
        since = timezone.now() - timedelta(seconds=1)
        for name in names:
            with (tmp_path / f"{name}.log").open("wb") as output:
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "manage.py",
                            "worker",
                            "--name",
                            name,
                            "--concurrency",
                            str(concurrency),
                        ],
                        cwd=settings.BASE_DIR,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + 60
        while live_workers(since) < len(names):
            assert time.monotonic() < deadline, "the workers never registered"
            assert all(p.poll() is None for p in processes), [p.read_text() for p in tmp_path.glob("*.log")]
            time.sleep(0.2)
        return processes[-len(names) :]

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        assert process.wait(60) == 0


@pytest.fixture
def make_orders_module(erp_to_dw, make_module):
    """Return a function creating module orders_N, loading erp's 2 orders into dw's public.orders_N."""

    def make(number):
        erp_to_dw.dest_db.execute(f"CREATE TABLE public.orders_{number} (id integer, total numeric(12,2))")
        return make_module(
            erp_to_dw.source,
            erp_to_dw.dest,
            name=f"orders_{number}",
            columns=[("id", "integer"), ("total", "numeric(12,2)")],
            source_query="SELECT id, total FROM orders",
            dest_table=f"public.orders_{number}",
        )

    make.dest_db = erp_to_dw.dest_db
    return make


def wait_finished(runs):
    deadline = time.monotonic() + 300
    while runs.filter(status__in=Status.unfinished()).exists():
        assert time.monotonic() < deadline, list(runs.values_list("pk", "status"))
        time.sleep(0.3)


@needs_queue
def test_a_run_is_queued_as_a_job_in_the_transaction_that_creates_it(make_orders_module, queue_jobs):
    module = make_orders_module(1)

    with pytest.raises(RuntimeError), transaction.atomic():
        start_detached_run(module, trigger="manual")
        raise RuntimeError("the page failed after queueing")
    assert not RunLog.objects.exists()
    assert not queue_jobs.exists()

    run = start_detached_run(module, trigger="manual")
    assert run.status == Status.QUEUED
    assert list(queue_jobs.values_list("task_name", "args", "status")) == [
        ("run_module", {"run_id": run.pk}, "todo")
    ]


@needs_queue
def test_runs_spread_over_two_workers_of_two_threads_and_all_succeed(
    make_orders_module, start_workers, queue_jobs, staff_client
):
    modules = [make_orders_module(number) for number in range(1, 9)]
    workers = start_workers("w1", "w2", concurrency=2)

    runs = [start_detached_run(module, trigger="api") for module in modules]
    wait_finished(RunLog.objects.all())

    by_worker = {}
    for run in runs:
        run.refresh_from_db()
        assert (run.status, run.error) == (Status.SUCCESS, "")
        assert run.host == socket.gethostname()
        by_worker.setdefault(run.worker, set()).add(run.pid)
    assert by_worker == {"w1": {workers[0].pid}, "w2": {workers[1].pid}}
    for number in range(1, 9):
        assert make_orders_module.dest_db.rows(f"SELECT count(*) FROM public.orders_{number}") == [(2,)]
    # A job that succeeded is deleted: the run log records the run.
    assert not queue_jobs.exists()
    page = staff_client.get(reverse("syncs:run_detail", args=[runs[0].pk])).content.decode()
    assert f'<dt>Worker</dt><dd class="mono">{runs[0].worker}</dd>' in page


@needs_queue
def test_the_tick_queues_a_group_run_that_a_worker_runs_member_after_member(
    make_orders_module, start_workers
):
    group = Group.objects.create(name="nightly")
    for number in (1, 2):
        GroupMember.objects.create(group=group, module=make_orders_module(number), run_order=number)
    Schedule.objects.create(group=group, cron="* * * * *")
    start_workers("w1")

    [group_run] = fire_schedules(timezone.now() + timedelta(minutes=2))
    wait_finished(GroupRun.objects.all())

    group_run.refresh_from_db()
    assert (group_run.status, group_run.worker) == (Status.SUCCESS, "w1")
    members = group_run.runs.order_by("pk")
    assert [(r.module.name, r.status, r.worker) for r in members] == [
        ("orders_1", Status.SUCCESS, "w1"),
        ("orders_2", Status.SUCCESS, "w1"),
    ]
    assert members[0].finished_at <= members[1].started_at


@needs_queue
def test_a_run_cancelled_while_queued_ends_cancelled_without_starting(
    make_orders_module, start_workers, queue_jobs
):
    run = start_detached_run(make_orders_module(1), trigger="manual")
    assert run.request_cancel()

    start_workers("w1")
    deadline = time.monotonic() + 60
    while queue_jobs.filter(status__in=["todo", "doing"]).exists():
        assert time.monotonic() < deadline, "the worker never took the job"
        time.sleep(0.2)

    run.refresh_from_db()
    assert (run.status, run.error) == (Status.CANCELLED, "cancelled before it started")
    assert (run.started_at, run.pid, run.worker) == (None, None, "")
    assert make_orders_module.dest_db.rows("SELECT count(*) FROM public.orders_1") == [(0,)]


@needs_queue
def test_a_run_cancelled_on_a_worker_leaves_the_table_as_it_was_and_the_worker_goes_on(
    erp_to_dw, make_module, make_orders_module, start_workers
):
    erp_to_dw.dest_db.execute(
        "CREATE TABLE public.slow (id integer); INSERT INTO public.slow VALUES (7), (8)"
    )
    slow = make_module(
        erp_to_dw.source,
        erp_to_dw.dest,
        name="slow",
        columns=[("id", "integer")],
        # Sleeps before its one row, far longer than the test waits.
        source_query="SELECT 1 AS id FROM pg_sleep(600)",
        dest_table="public.slow",
    )
    start_workers("w1")
    run = start_detached_run(slow, trigger="manual")
    deadline = time.monotonic() + 60
    while not RunLog.objects.filter(pk=run.pk, live_log__contains="jrunner started").exists():
        assert time.monotonic() < deadline, "the load never started"
        time.sleep(0.2)

    assert run.request_cancel()
    wait_finished(RunLog.objects.filter(pk=run.pk))
    after = start_detached_run(make_orders_module(1), trigger="manual")
    wait_finished(RunLog.objects.filter(pk=after.pk))

    run.refresh_from_db()
    assert (run.status, run.worker) == (Status.CANCELLED, "w1")
    assert erp_to_dw.dest_db.rows("SELECT id FROM public.slow ORDER BY id") == [(7,), (8,)]
    after.refresh_from_db()
    assert (after.status, after.worker) == (Status.SUCCESS, "w1")


@needs_queue
def test_a_group_run_from_the_back_office_is_a_job_too(make_orders_module, start_workers, queue_jobs):
    group = Group.objects.create(name="adhoc")
    GroupMember.objects.create(group=group, module=make_orders_module(1))

    group_run = start_detached_group_run(group, trigger="manual")
    assert list(queue_jobs.values_list("task_name", "args")) == [("run_group", {"run_id": group_run.pk})]
    start_workers("w2")
    wait_finished(GroupRun.objects.all())

    group_run.refresh_from_db()
    assert (group_run.status, group_run.worker) == (Status.SUCCESS, "w2")


@needs_queue
def test_a_run_queued_for_long_waits_for_a_worker_rather_than_being_ended_by_the_tick(make_orders_module):
    run = start_detached_run(make_orders_module(1), trigger="manual")
    RunLog.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))

    housekeeping()

    run.refresh_from_db()
    assert (run.status, run.error) == (Status.QUEUED, "")


@needs_queue
def test_run_module_by_name_still_runs_in_the_terminal(make_orders_module, queue_jobs):
    make_orders_module(1)

    done = subprocess.run(
        [sys.executable, "manage.py", "run_module", "orders_1"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stderr
    run = RunLog.objects.get()
    assert (run.status, run.worker, run.trigger) == (Status.SUCCESS, "", "cli")
    assert not queue_jobs.exists()


@pytest.mark.skipif(settings.PIPEKIT_EXECUTOR != "local", reason="the local executor's refusal")
def test_a_worker_with_the_local_executor_refuses_to_start_saying_why():
    with pytest.raises(CommandError, match=r"executor is local: each run starts as a process of its own"):
        call_command("worker")
