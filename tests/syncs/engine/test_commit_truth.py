"""A run stopped while its destination commits tells the truth: the bookkeeping row written in the
merge's own transaction says whether the merge committed, after a cancel, a failed check or a
killed run."""

import threading
import time

import pytest

from connections import jrunner
from syncs.engine import run_module
from syncs.locks import unlock
from syncs.models import Hook, RunLog, Status
from tests.processes import start_command_until_logged
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)

# The source sleeps, so the run looks at its cancel flag (once a second) while jrunner runs.
SLOW_SELECT = "SELECT id, name, amount, updated_at FROM items, pg_sleep(3)"
NEW_ONLY = f"{SLOW_SELECT} WHERE id > 5"
# A hook slow enough that its run is still in it when the test kills the run's process.
SLOW_HOOK = {
    "postgres": "SELECT pg_sleep(60)",
    "mariadb": "SELECT SLEEP(60)",
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000000) "
    "SELECT count(*) FROM c",
}


@pytest.fixture
def loaded(pg_db, items_between):
    """Return a function making a module from pg_db (ROWS + NEW) to a destination holding ROWS;
    an append module loads only NEW, so every strategy ends with ROWS + NEW."""

    def make(dest_name, strategy):
        module, _, dest = items_between(
            "pg_db", dest_name, strategy, NEW_ONLY if strategy == "append" else SLOW_SELECT
        )
        return module, dest

    return make


def merged(dest):
    return items.read(dest) == items.expected(items.ROWS + items.NEW)


@pytest.fixture
def stop_once_committed(monkeypatch):
    """Return a function making an also_stop for run_module that asks the run to stop only once its
    merge committed: the cancel lands after the commit, before the run has heard of it.

    jrunner commits only when the run answers its -confirm, and then ends at once; so the run's
    answer (to its JVM, engine.run_module's warm one) is followed by a wait until the merge is
    visible in the destination, and a second more (the run looks at its cancel flag at most once a
    second): its next look comes before it reads how jrunner ended. then(jvm) runs just before the
    stop."""

    def make(dest, then=lambda jvm: None):
        committed = threading.Event()
        answer = jrunner.WarmJrunner._answer

        def answer_then_wait(jvm, refusal):
            answer(jvm, refusal)
            deadline = time.monotonic() + 120
            while not merged(dest) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.1)
            then(jvm)
            committed.set()

        monkeypatch.setattr(jrunner.WarmJrunner, "_answer", answer_then_wait)
        return committed.is_set

    return make


CASES = [
    ("pg_db2", "full"),
    ("pg_db2", "incremental"),
    ("maria_db", "full"),
    ("maria_db", "append"),
    ("sqlite_db", "append"),
]


@pytest.mark.parametrize(("dest_name", "strategy"), CASES)
def test_a_cancel_landing_after_the_commit_ends_the_run_as_a_success(
    loaded, stop_once_committed, dest_name, strategy
):
    module, dest = loaded(dest_name, strategy)

    run = run_module(module, trigger="cli", also_stop=stop_once_committed(dest))

    assert run.status == Status.SUCCESS, run.error
    assert run.error == ""
    assert "cancelled on request, but the merge had committed before it landed" in run.live_log
    # Loaded once: an append run that reports success is not retried.
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)
    assert items.tables_named(dest, module.name) == []


def test_when_the_check_fails_the_run_says_the_outcome_is_unknown(loaded, stop_once_committed, settings):
    module, dest = loaded("sqlite_db", "append")

    def jrunner_gone(jvm):
        # The run's JVM dies and no other can start, so nothing can read the bookkeeping row.
        settings.PIPEKIT_JRUNNER = "/nonexistent/jrunner"
        jvm.proc.kill()

    run = run_module(module, trigger="cli", also_stop=stop_once_committed(dest, jrunner_gone))

    assert run.status == Status.CANCELLED
    assert run.error.startswith(
        "cancelled on request; whether the merge committed is unknown (checking failed: "
    )
    assert "unchanged" not in run.error


def start_and_kill_in_its_hook(module, dest):
    """Run module in its own process; kill -9 that process once its merge committed and a slow
    success hook runs. Return the run, still `running`, holding the lock."""
    Hook.objects.create(module=module, name="slow", sql=SLOW_HOOK[dest.kind], run_on="success")
    process = start_command_until_logged(["run_module", module.name], "hook slow", module.runs.all())
    process.kill()
    process.wait()
    run = RunLog.objects.get(module=module)
    assert run.status == Status.RUNNING
    return run


@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db", "sqlite_db"])
def test_a_run_killed_after_its_commit_is_recorded_as_a_success_by_the_next_run(loaded, dest_name):
    module, dest = loaded(dest_name, "full")
    killed = start_and_kill_in_its_hook(module, dest)
    Hook.objects.all().delete()

    rerun = run_module(module, trigger="cli")

    killed.refresh_from_db()
    assert killed.status == Status.SUCCESS
    assert "its merge had committed: the run succeeded" in killed.live_log
    assert rerun.status == Status.SUCCESS
    assert f"cleared the stale lock of run {killed.pk}" in rerun.live_log


def test_unlock_records_a_dead_run_whose_merge_committed_as_a_success(loaded):
    module, dest = loaded("sqlite_db", "full")
    start_and_kill_in_its_hook(module, dest)

    assert unlock(module, by="manage.py unlock").status == Status.SUCCESS
    assert dest.rows("SELECT count(*) FROM items") == [(6,)]
