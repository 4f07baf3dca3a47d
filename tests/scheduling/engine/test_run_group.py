"""run_group and manage.py run_group: members in order, failures, stop_on_failure, dry run, cancel."""

import os
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from scheduling.engine import run_group, start_detached_group_run
from scheduling.models import Group, GroupMember, GroupRun
from syncs.models import Module, RunLog, Status
from tests.syncs.locks import hold_lock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def make_group(make_items_module):
    """Return a function making a group of items modules; a name starting with 'bad' fails."""

    def make(*names, **fields):
        group = Group.objects.create(name="nightly", **fields)
        for order, name in enumerate(names, 1):
            query = "SELECT id, nope FROM items" if name.startswith("bad") else "SELECT id, name FROM items"
            module = make_items_module(name=name, source_query=query, strategy="append")
            GroupMember.objects.create(group=group, module=module, run_order=order)
        return group

    make.dest_db = make_items_module.dest_db
    return make


def copied(make_group):
    return make_group.dest_db.rows("SELECT count(*) FROM items_copy")[0][0]


def test_it_runs_the_members_in_order(make_group):
    group = make_group("second", "first")
    GroupMember.objects.filter(module__name="first").update(run_order=0)

    group_run = run_group(group, trigger="manual", triggered_by="alice")

    assert group_run.status == Status.SUCCESS
    runs = list(group_run.runs.order_by("id"))
    assert [r.module.name for r in runs] == ["first", "second"]
    assert all(r.status == Status.SUCCESS and r.trigger == f"group:{group.pk}" for r in runs)
    assert all(r.triggered_by == "alice" for r in runs)
    assert copied(make_group) == 6


def test_it_continues_past_a_failure_and_ends_in_error(make_group):
    group = make_group("one", "bad", "three")

    group_run = run_group(group, trigger="manual")

    assert [r.status for r in group_run.runs.order_by("id")] == [Status.SUCCESS, Status.ERROR, Status.SUCCESS]
    assert group_run.status == Status.ERROR
    assert group_run.error == "1 of 3 modules failed: bad"
    assert copied(make_group) == 6


def test_it_stops_at_the_first_failure_when_told(make_group):
    group = make_group("one", "bad", "three", stop_on_failure=True)

    group_run = run_group(group, trigger="manual")

    assert [r.module.name for r in group_run.runs.order_by("id")] == ["one", "bad"]
    assert group_run.status == Status.ERROR
    assert group_run.error == "1 of 3 modules failed: bad; 1 not run"


def test_a_dry_run_group_writes_nothing(make_group):
    group = make_group("one", "two")

    group_run = run_group(group, trigger="manual", dry_run=True)

    assert group_run.status == Status.DRY_RUN
    assert [r.status for r in group_run.runs.all()] == [Status.DRY_RUN, Status.DRY_RUN]
    assert copied(make_group) == 0


def test_disabled_modules_are_skipped(make_group):
    group = make_group("one", "two")
    group.modules.filter(name="two").update(enabled=False)

    group_run = run_group(group, trigger="manual")

    assert [r.module.name for r in group_run.runs.all()] == ["one"]
    assert group_run.status == Status.SUCCESS


def test_a_scheduled_group_run_that_fails_sends_a_notice(make_group, monkeypatch):
    sent = []
    monkeypatch.setattr("scheduling.notices.send_failure_notice", sent.append)
    group = make_group("bad")

    group_run = run_group(group, trigger="schedule:7")
    run_group(group, trigger="manual")

    assert sent == [group_run]


def test_a_group_run_cancelled_before_it_starts_runs_nothing(make_group):
    group = make_group("one", "two")
    group_run = GroupRun.objects.create(group=group, trigger="api")
    assert group_run.request_cancel()

    group_run = run_group(group, trigger="api", group_run=group_run)

    assert group_run.status == Status.CANCELLED
    assert group_run.runs.count() == 0


def test_cancelling_a_group_run_cancels_the_current_module_and_skips_the_rest(
    make_group, pg_db, pg_db2, make_connection, make_module
):
    group = make_group("after")
    pg_db2.execute("CREATE TABLE big (id bigint, name text)")
    big = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=[("id", "bigint"), ("name", "text")],
        source_query="SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 3000000) g",
        dest_table="public.big",
        strategy="append",
    )
    GroupMember.objects.create(group=group, module=big, run_order=0)
    group_run = GroupRun.objects.create(group=group, trigger="manual")

    def cancel_once_loading():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if RunLog.objects.filter(module=big, live_log__contains="jrunner started").exists():
                time.sleep(1)
                GroupRun.objects.get(pk=group_run.pk).request_cancel()
                return
            time.sleep(0.1)

    canceller = threading.Thread(target=cancel_once_loading)
    canceller.start()
    group_run = run_group(group, trigger="manual", group_run=group_run)
    canceller.join()

    assert group_run.status == Status.CANCELLED
    assert [(r.module.name, r.status) for r in group_run.runs.all()] == [(big.name, Status.CANCELLED)]
    assert pg_db2.rows("SELECT count(*) FROM big") == [(0,)]


def test_the_command_prints_a_line_per_run_and_exits_0(make_group, capsys):
    make_group("one", "two")

    call_command("run_group", "nightly")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("one: success, 3 rows, ")
    assert out[1].startswith("two: success, 3 rows, ")
    assert out[2].startswith("group nightly: success, 2 runs, ")


def test_the_command_fails_when_a_member_failed(make_group, capsys):
    make_group("bad")

    with pytest.raises(CommandError, match="ended error"):
        call_command("run_group", "nightly")

    assert "bad: error, 0 rows" in capsys.readouterr().out


def test_the_command_dry_run_exits_0(make_group, capsys):
    make_group("one")

    call_command("run_group", "nightly", "--dry-run")

    assert "group nightly: dry_run" in capsys.readouterr().out


def test_the_command_executes_a_queued_group_run(make_group):
    group = make_group("one")
    group_run = GroupRun.objects.create(group=group, trigger="schedule:1")

    call_command("run_group", "--group-run-id", str(group_run.pk))

    group_run.refresh_from_db()
    assert group_run.status == Status.SUCCESS
    with pytest.raises(CommandError, match="not queued"):
        call_command("run_group", "--group-run-id", str(group_run.pk))


def test_the_command_names_an_unknown_group():
    with pytest.raises(CommandError, match="no group named 'nope'"):
        call_command("run_group", "nope")


def test_a_detached_group_run_finishes_on_its_own(make_group, wait_finished):
    group = make_group("one")

    group_run = start_detached_group_run(group, trigger="api", triggered_by="alice")

    assert group_run.status == Status.QUEUED
    wait_finished(GroupRun.objects.filter(pk=group_run.pk))
    group_run.refresh_from_db()
    assert group_run.status == Status.SUCCESS
    assert copied(make_group) == 3


def test_a_member_another_run_holds_is_not_started_and_the_group_run_says_so(make_group):
    group = make_group("one", "two")
    holder = hold_lock(Module.objects.get(name="two"), os.getpid())

    group_run = run_group(group, trigger="manual")

    one, two = group_run.runs.order_by("id")
    assert one.status == Status.SUCCESS
    assert two.status == Status.CANCELLED
    assert two.error == f"not started: already running (run {holder.pk})"
    assert group_run.status == Status.ERROR
    assert group_run.error == f"two not started: already running (run {holder.pk})"


def test_a_member_is_retried_in_the_group_before_the_next_member(make_group):
    group = make_group("bad", "two")
    group.modules.filter(name="bad").update(retries=1, retry_delay=1)

    group_run = run_group(group, trigger="manual")

    runs = list(group_run.runs.order_by("id"))
    assert [(r.module.name, r.status, r.attempt) for r in runs] == [
        ("bad", Status.ERROR, 1),
        ("bad", Status.ERROR, 2),
        ("two", Status.SUCCESS, 1),
    ]
    assert runs[1].retry_of == runs[0]
    assert runs[1].started_at >= runs[0].finished_at
    assert group_run.error == "1 of 2 modules failed: bad"
