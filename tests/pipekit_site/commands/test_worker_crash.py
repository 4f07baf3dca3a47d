"""`executor: queue`: a worker that dies or is stopped never leaves a run running nor a table
half-loaded. A worker killed with kill -9 has its runs ended by the other workers (or the tick)
once its heartbeat is silent; SIGTERM lets running loads finish for --grace seconds, then cancels
them. Two `manage.py worker` processes stand for two hosts.

Only with tests/config-queue.yaml, as the Makefile's QUEUE_TESTS run them."""

import os
import signal
import time

import pytest
from django.db import connection

from pipekit_site.models import QueueWorker
from scheduling.engine import start_detached_group_run
from scheduling.models import Group, GroupMember, GroupRun
from scheduling.tick import housekeeping
from syncs.detached import start_detached_run
from syncs.livelog import JRUNNER_STARTED
from syncs.models import ABANDONED, Module, RunLog, Status
from tests.queue import jrunners_watching, needs_queue, wait_logged

pytestmark = [pytest.mark.django_db(transaction=True), needs_queue]


def kill_worker_mid_load(module, start_workers):
    """Start a run of module on worker w1, start w2, and kill w1 with SIGKILL while it loads; return
    the run and w1's process."""
    [doomed] = start_workers("w1")
    run = start_detached_run(module, trigger="manual")
    wait_logged(run, JRUNNER_STARTED)
    # As if w1 ran on another host: only its silent heartbeat can tell it died, not its pid.
    RunLog.objects.filter(pk=run.pk).update(host="another-host")
    start_workers("w2")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    return run, doomed


def test_a_worker_killed_mid_load_has_its_run_abandoned_by_another_worker_with_the_table_as_it_was(
    make_slow_module, start_workers, queue_jobs, wait_finished
):
    slow = make_slow_module()

    run, doomed = kill_worker_mid_load(slow, start_workers)
    killed_at = time.monotonic()
    wait_finished(RunLog.objects.filter(pk=run.pk))
    print(f"run {run.pk} of a killed worker ended {time.monotonic() - killed_at:.1f} s after the kill")

    run.refresh_from_db()
    assert run.status == Status.ERROR
    assert run.error.startswith(f"{ABANDONED}its worker w1 on another-host stopped (no heartbeat for 30 s)")
    assert run.error.endswith("its merge did not commit: the destination is unchanged")
    assert Module.objects.get(pk=slow.pk).running_run is None
    assert make_slow_module.dest_db.rows("SELECT id FROM public.slow ORDER BY id") == [(7,), (8,)]
    # jrunner halted with its worker, committing nothing: nothing can commit later.
    assert jrunners_watching(doomed.pid) == []
    assert list(queue_jobs.values_list("status", flat=True)) == ["failed"]


def test_a_worker_killed_mid_load_has_its_run_retried_on_another_worker(
    make_slow_module, start_workers, wait_finished
):
    slow = make_slow_module()
    Module.objects.filter(pk=slow.pk).update(retries=1, retry_delay=1)

    run, _ = kill_worker_mid_load(slow, start_workers)
    # The source answers at once now: the retry loads its row.
    Module.objects.filter(pk=slow.pk).update(source_query="SELECT 1 AS id")
    wait_finished(RunLog.objects.filter(pk=run.pk))
    retry = RunLog.objects.get(retry_of=run)
    wait_finished(RunLog.objects.filter(pk=retry.pk))

    retry.refresh_from_db()
    assert (retry.status, retry.attempt, retry.worker) == (Status.SUCCESS, 2, "w2")
    assert make_slow_module.dest_db.rows("SELECT id FROM public.slow ORDER BY id") == [(1,)]


def died_doing_its_job():
    """Make the one queued job `doing` on a worker whose last heartbeat is a minute old: a worker
    that took the job and died."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 minute') RETURNING id"
        )
        [worker_id] = cursor.fetchone()
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s", [worker_id])


def test_the_tick_ends_the_run_of_a_worker_whose_heartbeat_went_silent(make_orders_module, queue_jobs):
    module = make_orders_module(1)
    run = start_detached_run(module, trigger="manual")
    died_doing_its_job()
    RunLog.objects.filter(pk=run.pk).update(status=Status.RUNNING, host="another-host", worker="w9")

    housekeeping()

    run.refresh_from_db()
    assert (run.status, run.error) == (
        Status.ERROR,
        f"{ABANDONED}its worker w9 on another-host stopped (no heartbeat for 30 s)",
    )
    assert Module.objects.get(pk=module.pk).running_run is None
    assert list(queue_jobs.values_list("status", flat=True)) == ["failed"]


def test_the_tick_ends_a_dead_workers_group_run_and_its_unfinished_module_runs(
    make_orders_module, queue_jobs, staff_client
):
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=make_orders_module(1))
    group_run = start_detached_group_run(group, trigger="manual")
    died_doing_its_job()
    GroupRun.objects.filter(pk=group_run.pk).update(status=Status.RUNNING, host="another-host", worker="w9")
    member = RunLog.objects.create(
        module=group.members.get().module,
        group_run=group_run,
        status=Status.RUNNING,
        host="another-host",
        worker="w9",
    )

    housekeeping()

    why = f"{ABANDONED}its worker w9 on another-host stopped (no heartbeat for 30 s)"
    member.refresh_from_db()
    assert (member.status, member.error) == (Status.ERROR, why)
    group_run.refresh_from_db()
    assert (group_run.status, group_run.error) == (Status.ERROR, why)
    # Its job failed; the job of the group run that goes on where it stopped waits for a worker.
    assert sorted(queue_jobs.values_list("status", flat=True)) == ["failed", "todo"]
    resumed = group_run.resumed_by
    assert resumed.status == Status.QUEUED
    page = staff_client.get(f"/group-runs/{group_run.pk}/").content.decode()
    assert f'<a href="/group-runs/{resumed.pk}/">group run #{resumed.pk}</a> goes on where it stopped' in page
    page = staff_client.get(f"/group-runs/{resumed.pk}/").content.decode()
    assert (
        f'Goes on where <a href="/group-runs/{group_run.pk}/">group run #{group_run.pk}</a> stopped' in page
    )


def test_a_group_run_whose_worker_is_killed_goes_on_on_another_worker_where_it_stopped(
    make_orders_module, make_slow_module, start_workers, wait_finished
):
    group = Group.objects.create(name="nightly")
    first, slow, last = make_orders_module(1), make_slow_module(), make_orders_module(3)
    for order, module in enumerate([first, slow, last]):
        GroupMember.objects.create(group=group, module=module, run_order=order)
    [doomed] = start_workers("w1")
    group_run = start_detached_group_run(group, trigger="manual")
    for _ in range(600):
        if member := RunLog.objects.filter(group_run=group_run, module=slow).first():
            break
        time.sleep(0.2)
    wait_logged(member, JRUNNER_STARTED)
    start_workers("w2")

    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    # The source answers at once now: the resumed group run loads its row.
    Module.objects.filter(pk=slow.pk).update(source_query="SELECT 1 AS id")
    wait_finished(GroupRun.objects.filter(pk=group_run.pk))
    resumed = GroupRun.objects.get(resumes=group_run)
    wait_finished(GroupRun.objects.filter(pk=resumed.pk))

    group_run.refresh_from_db()
    assert group_run.status == Status.ERROR and group_run.error.startswith(ABANDONED)
    resumed.refresh_from_db()
    assert (resumed.status, resumed.worker) == (Status.SUCCESS, "w2")
    # The first member succeeded before the kill: only the rest ran again.
    assert [r.module.name for r in resumed.runs.order_by("pk")] == [slow.name, last.name]
    assert make_slow_module.dest_db.rows("SELECT id FROM public.slow ORDER BY id") == [(1,)]
    assert make_orders_module.dest_db.rows("SELECT count(*) FROM public.orders_3") == [(2,)]


def test_sigterm_lets_a_running_load_finish_within_the_grace(make_slow_module, start_workers):
    slow = make_slow_module(seconds=3)
    [worker] = start_workers("w1", grace=120)
    run = start_detached_run(slow, trigger="manual")
    wait_logged(run, JRUNNER_STARTED)
    assert QueueWorker.objects.filter(name="w1", pid=worker.pid).exists()

    worker.terminate()

    assert worker.wait(120) == 0
    run.refresh_from_db()
    assert (run.status, run.error) == (Status.SUCCESS, "")
    assert make_slow_module.dest_db.rows("SELECT id FROM public.slow") == [(1,)]
    assert not QueueWorker.objects.exists()


def test_sigterm_cancels_a_load_still_running_after_the_grace_leaving_the_table_as_it_was(
    make_slow_module, start_workers
):
    slow = make_slow_module()
    [worker] = start_workers("w1", grace=1)
    run = start_detached_run(slow, trigger="manual")
    wait_logged(run, JRUNNER_STARTED)

    worker.terminate()

    assert worker.wait(120) == 0
    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert run.error.startswith("stopped by SIGTERM")
    assert make_slow_module.dest_db.rows("SELECT id FROM public.slow ORDER BY id") == [(7,), (8,)]
    assert Module.objects.get(pk=slow.pk).running_run is None
    assert jrunners_watching(worker.pid) == []
