"""The module lock: one run at a time, stale holders cleared, always released."""

import os

import pytest

from syncs.detached import start_detached_run
from syncs.engine import run_module
from syncs.livelog import LiveLog
from syncs.locks import ModuleLocked, claim_lock
from syncs.models import Module, RunLog, Status
from tests.syncs import items
from tests.syncs.locks import dead_pid, hold_lock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def module(sqlite_db, sqlite_db2, make_connection, make_module):
    return items.module(make_module, make_connection, sqlite_db, sqlite_db2)


def test_it_refuses_a_second_run_naming_the_holder(module, sqlite_db2):
    holder = hold_lock(module, os.getpid())

    run = run_module(module, trigger="cli")

    # Refused before it started: no failure.
    assert run.status == Status.CANCELLED
    assert run.started_at is None
    assert run.error == f"not started: already running (run {holder.pk})"
    assert items.read(sqlite_db2) == []
    module.refresh_from_db()
    assert module.running_run == holder


def test_it_refuses_when_the_holder_runs_on_another_host(module):
    holder = hold_lock(module, dead_pid(), host="elsewhere.example")

    run = run_module(module, trigger="cli")

    assert run.error == f"not started: already running (run {holder.pk})"


def test_a_holder_whose_process_is_gone_is_cleared_and_noted(module, sqlite_db2):
    pid = dead_pid()
    holder = hold_lock(module, pid)

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS
    assert f"cleared the stale lock of run {holder.pk}" in run.live_log
    assert f"process {pid}" in run.live_log
    assert items.read(sqlite_db2) == items.expected(items.ROWS)
    holder.refresh_from_db()
    assert holder.status == Status.ERROR
    assert f"taken over by run {run.pk}" in holder.error
    module.refresh_from_db()
    assert module.running_run is None


def test_a_finished_holder_is_cleared(module):
    hold_lock(module, os.getpid(), status=Status.SUCCESS)

    assert run_module(module, trigger="cli").status == Status.SUCCESS


def test_the_lock_is_released_after_a_failed_run(module):
    Module.objects.filter(pk=module.pk).update(source_query="SELECT nope FROM items")
    module.refresh_from_db()

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    module.refresh_from_db()
    assert module.running_run is None and module.locked_at is None


def test_a_detached_run_is_refused_at_once_while_a_live_run_holds_the_lock(module):
    holder = hold_lock(module, os.getpid())

    with pytest.raises(ModuleLocked, match=f"already running \\(run {holder.pk}\\)"):
        start_detached_run(module, trigger="api")


def test_a_detached_run_holds_the_lock_from_the_moment_it_is_queued(module, wait_finished):
    run = start_detached_run(module, trigger="api")

    with pytest.raises(ModuleLocked, match=f"already running \\(run {run.pk}\\)"):
        start_detached_run(module, trigger="api")
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.SUCCESS
    assert list(RunLog.objects.values_list("pk", flat=True)) == [run.pk]
    module.refresh_from_db()
    assert module.running_run is None


def test_a_queued_run_cancelled_before_it_started_leaves_the_module_unlocked(module):
    run = RunLog.objects.create(module=module)
    claim_lock(module, run, LiveLog(run))

    run.request_cancel()

    module.refresh_from_db()
    assert module.running_run is None
