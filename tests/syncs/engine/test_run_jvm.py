"""A run's jrunner calls (columns check, load, hooks) go to one JVM of its own, started for the run
and gone when it ends: a run pays one JVM start, not one per call."""

import os

import pytest

from syncs.engine import run_module
from syncs.models import Hook, Status
from tests.concurrency import Watch, jvms_of
from tests.processes import jrunner_pids, process_alive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.servers
def test_a_runs_jrunner_calls_share_one_jvm_that_is_gone_when_the_run_ends(items_between):
    module, _, _ = items_between("pg_db", "pg_db2", "full")
    Hook.objects.create(module=module, name="analyze", sql="ANALYZE items", run_on="success")
    # JVMs of this process already there (a warm one an earlier test left idle) are not the run's.
    before = jvms_of(os.getpid())
    seen = set()

    def jvms_seen():
        seen.update(jvms_of(os.getpid()) - before)
        return len(seen)

    with Watch(jvms_seen):
        run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert "checking the source query's columns" in run.live_log
    assert [h["name"] for h in run.hook_results] == ["analyze"]
    logged = jrunner_pids(run.live_log)
    assert seen == logged
    assert not process_alive(logged.pop())
