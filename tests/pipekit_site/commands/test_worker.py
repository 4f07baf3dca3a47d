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
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from scheduling.engine import start_detached_group_run
from scheduling.models import Group, GroupMember, GroupRun, Schedule
from scheduling.tick import fire_schedules, housekeeping
from syncs.detached import start_detached_run
from syncs.livelog import JRUNNER_STARTED
from syncs.models import RunLog, Status
from tests.queue import needs_queue, wait_logged

pytestmark = pytest.mark.django_db(transaction=True)


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
def test_forty_runs_spread_over_two_workers_of_two_threads_and_all_succeed(
    make_orders_module, start_workers, queue_jobs, staff_client, wait_finished
):
    modules = [make_orders_module(number) for number in range(1, 41)]
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
    for number in range(1, 41):
        assert make_orders_module.dest_db.rows(f"SELECT count(*) FROM public.orders_{number}") == [(2,)]
    # A job that succeeded is deleted: the run log records the run.
    assert not queue_jobs.exists()
    page = staff_client.get(reverse("syncs:run_detail", args=[runs[0].pk])).content.decode()
    assert f'<dt>Worker</dt><dd class="mono">{runs[0].worker}</dd>' in page


@needs_queue
def test_the_tick_queues_a_group_run_that_a_worker_runs_member_after_member(
    make_orders_module, start_workers, wait_finished
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
    make_slow_module, make_orders_module, start_workers, wait_finished
):
    slow = make_slow_module()
    start_workers("w1")
    run = start_detached_run(slow, trigger="manual")
    wait_logged(run, JRUNNER_STARTED)

    assert run.request_cancel()
    cancelled_at = time.monotonic()
    wait_finished(RunLog.objects.filter(pk=run.pk))
    print(f"run {run.pk} on a worker ended {time.monotonic() - cancelled_at:.1f} s after its cancel")
    after = start_detached_run(make_orders_module(1), trigger="manual")
    wait_finished(RunLog.objects.filter(pk=after.pk))

    run.refresh_from_db()
    assert (run.status, run.worker) == (Status.CANCELLED, "w1")
    assert run.error.startswith("cancelled on request")
    assert make_slow_module.dest_db.rows("SELECT id FROM public.slow ORDER BY id") == [(7,), (8,)]
    after.refresh_from_db()
    assert (after.status, after.worker) == (Status.SUCCESS, "w1")


@needs_queue
def test_a_group_run_from_the_back_office_is_a_job_too(
    make_orders_module, start_workers, queue_jobs, wait_finished
):
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
