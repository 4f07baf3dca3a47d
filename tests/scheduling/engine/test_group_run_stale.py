"""A group run whose process died (kill -9) ends as abandoned instead of showing as running forever."""

import os
import signal
import socket
import subprocess

import pytest

from scheduling.engine import run_group, start_detached_group_run
from scheduling.models import Group, GroupMember, GroupRun, Schedule
from scheduling.tick import fire_schedules
from syncs.models import Hook, Module, RunLog, Status
from tests.processes import start_command_until_logged
from tests.scheduling.helpers import record_only, utc
from tests.syncs.locks import dead_pid

pytestmark = pytest.mark.django_db(transaction=True)

FAST_QUERY = "SELECT 1 AS id, 'one' AS name"
SLOW_QUERY = "SELECT 1 AS id, 'one' AS name FROM pg_sleep(600)"


@pytest.fixture
def group(pg_db, pg_db2, make_connection, make_module):
    """The group `nightly` of one PostgreSQL module, `one`, appending one row to public.items."""
    pg_db2.execute("CREATE TABLE items (id integer, name text)")
    module = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=[("id", "integer"), ("name", "text")],
        source_query=FAST_QUERY,
        dest_table="public.items",
        strategy="append",
        name="one",
    )
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=module)
    group.dest_db = pg_db2
    return group


def kill_group_run_once_logged(group, text):
    """Run `manage.py run_group nightly`, kill -9 it once a run's live log shows text, and return
    its GroupRun."""
    process = start_command_until_logged(["run_group", "nightly"], text)
    # jrunner stops by itself once its caller is gone (test_run_module_failures checks that);
    # ending it here too keeps this test about group runs alone.
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout
    process.kill()
    process.wait()
    for pid in map(int, children.split()):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    group_run = GroupRun.objects.get(group=group)
    assert group_run.status == Status.RUNNING and group_run.pid == process.pid
    return group_run


@pytest.fixture
def killed(group):
    """Run the group with a load that sleeps, kill -9 it while it loads and return its GroupRun;
    the module is fast again for the runs that follow."""
    Module.objects.filter(name="one").update(source_query=SLOW_QUERY)
    group_run = kill_group_run_once_logged(group, "jrunner started")
    Module.objects.filter(name="one").update(source_query=FAST_QUERY)
    return group_run


def assert_abandoned(group_run):
    """The group run and its module run ended in error, saying the process is gone."""
    group_run.refresh_from_db()
    gone = f"abandoned: its process {group_run.pid} on {socket.gethostname()} is gone"
    assert (group_run.status, group_run.error) == (Status.ERROR, gone)
    assert group_run.finished_at is not None
    (run,) = group_run.runs.all()
    unchanged = "its merge did not commit: the destination is unchanged"
    assert (run.status, run.error) == (Status.ERROR, f"{gone}; {unchanged}")
    assert run.finished_at is not None


def test_the_next_run_of_the_group_ends_a_killed_run_and_proceeds(group, killed):
    group_run = run_group(group, trigger="manual")

    assert_abandoned(killed)
    assert group_run.status == Status.SUCCESS
    assert group.dest_db.rows("SELECT id, name FROM items") == [(1, "one")]


def test_starting_a_detached_group_run_ends_a_killed_run_at_once(group, killed, wait_finished):
    group_run = start_detached_group_run(group, trigger="api")

    assert_abandoned(killed)
    wait_finished(GroupRun.objects.filter(pk=group_run.pk))
    group_run.refresh_from_db()
    assert group_run.status == Status.SUCCESS


def test_the_scheduler_tick_ends_a_killed_run_before_it_fires_the_group(group, killed):
    Schedule.objects.create(group=group, cron="0 4 * * *", created_at=utc("2026-01-01 00:00"))

    (fired,) = fire_schedules(utc("2026-01-02 04:00"), start=record_only)

    assert_abandoned(killed)
    assert fired.group == group


@pytest.mark.parametrize(
    "page",
    ["/groups/", "/groups/{group_id}/", "/group-runs/{group_run_id}/"],
    ids=["group list", "group page", "group run page"],
)
def test_a_page_showing_a_killed_run_shows_it_abandoned(page, group, killed, staff_client):
    html = staff_client.get(page.format(group_id=group.id, group_run_id=killed.id)).content.decode()

    assert_abandoned(killed)
    assert 'class="pill error"' in html
    assert 'class="pill running"' not in html


def test_the_api_shows_a_killed_run_abandoned(killed, client, staff_auth):
    data = client.get(f"/api/group-runs/{killed.id}", headers=staff_auth).json()

    assert_abandoned(killed)
    assert (data["status"], data["finished"], data["error"]) == ("error", True, killed.error)
    assert [run["status"] for run in data["runs"]] == ["error"]


def test_runs_that_may_still_be_alive_are_left_alone(group):
    queued = GroupRun.objects.create(group=group, trigger="api")
    elsewhere = GroupRun.objects.create(group=group, status=Status.RUNNING, pid=dead_pid(), host="elsewhere")
    alive = GroupRun.objects.create(
        group=group, status=Status.RUNNING, pid=os.getpid(), host=socket.gethostname()
    )

    group_run = run_group(group, trigger="manual")

    assert group_run.status == Status.SUCCESS
    assert GroupRun.objects.get(pk=queued.pk).status == Status.QUEUED
    assert GroupRun.objects.get(pk=elsewhere.pk).status == Status.RUNNING
    assert GroupRun.objects.get(pk=alive.pk).status == Status.RUNNING


def test_a_module_run_that_a_dead_group_run_queued_but_never_started_is_abandoned_too(group):
    dead = GroupRun.objects.create(
        group=group, status=Status.RUNNING, pid=dead_pid(), host=socket.gethostname()
    )
    never_started = RunLog.objects.create(module=group.modules.get(), group_run=dead)

    run_group(group, trigger="manual")

    never_started.refresh_from_db()
    assert never_started.status == Status.ERROR
    assert never_started.error == f"abandoned: the process of group run {dead.pk} is gone"
    assert GroupRun.objects.get(pk=dead.pk).status == Status.ERROR


def test_a_member_whose_merge_committed_before_the_kill_is_recorded_as_a_success(group, staff_client):
    Hook.objects.create(module=Module.objects.get(name="one"), name="slow", sql="SELECT pg_sleep(600)")
    killed = kill_group_run_once_logged(group, "hook slow")

    staff_client.get(f"/group-runs/{killed.pk}/")

    killed.refresh_from_db()
    assert killed.status == Status.ERROR and killed.error.startswith("abandoned:")
    (run,) = killed.runs.all()
    assert run.status == Status.SUCCESS, run.error
    assert "its merge had committed: the run succeeded" in run.live_log
    assert group.dest_db.rows("SELECT id, name FROM items") == [(1, "one")]
