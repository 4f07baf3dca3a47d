"""manage.py run_module: NAME [--dry-run] in the foreground, --run-id N for a queued run."""

import os

import pytest
from django.core.management import CommandError, call_command

from syncs.detached import start_detached_run
from syncs.models import RunLog, Status

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_runs_the_module_and_prints_a_summary(make_items_module, capsys):
    make_items_module()

    call_command("run_module", "items")

    out = capsys.readouterr().out
    assert out.startswith("items: success, 3 rows, ")
    run = RunLog.objects.get()
    assert f"(run {run.pk})" in out
    assert (run.trigger, run.status) == ("cli", Status.SUCCESS)
    assert make_items_module.dest_db.rows("SELECT id, name FROM items_copy ORDER BY id") == [
        (1, "one"),
        (2, "two"),
        (3, None),
    ]


def test_a_failed_run_prints_its_error_and_exits_1(make_items_module, capsys):
    make_items_module(source_query="SELECT id, nope FROM items")

    with pytest.raises(CommandError, match="ended error"):
        call_command("run_module", "items")

    out = capsys.readouterr().out
    assert out.startswith("items: error, 0 rows, ")
    assert "nope" in out


def test_a_dry_run_writes_nothing_and_exits_0(make_items_module, capsys):
    make_items_module()

    call_command("run_module", "items", "--dry-run")

    assert capsys.readouterr().out.startswith("items: dry_run, 0 rows, ")
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]


def test_it_executes_a_queued_run_once(make_items_module):
    module = make_items_module()
    queued = RunLog.objects.create(module=module, trigger="api", triggered_by="alice")

    call_command("run_module", "--run-id", str(queued.pk))

    queued.refresh_from_db()
    assert (queued.status, queued.trigger, queued.triggered_by) == (Status.SUCCESS, "api", "alice")
    with pytest.raises(CommandError, match=f"run {queued.pk} is success, not queued"):
        call_command("run_module", "--run-id", str(queued.pk))


def test_it_names_what_it_cannot_find(db):
    with pytest.raises(CommandError, match="no module named 'nope'"):
        call_command("run_module", "nope")
    with pytest.raises(CommandError, match="there is no run 999"):
        call_command("run_module", "--run-id", "999")
    with pytest.raises(CommandError, match="give a module name or --run-id N"):
        call_command("run_module")


def test_a_detached_run_finishes_on_its_own(make_items_module, wait_finished):
    module = make_items_module()

    run = start_detached_run(module, trigger="manual", triggered_by="alice")

    assert run.status == Status.QUEUED
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.SUCCESS
    assert run.pid and run.pid != os.getpid()
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(3,)]


def test_set_runs_a_backfill_with_the_values_given(make_items_module, capsys):
    make_items_module(source_query="SELECT id, name FROM items WHERE id >= {low}")

    call_command("run_module", "items", "--set", "low=2")

    out = capsys.readouterr().out
    assert out.startswith("backfill (low=2): items: success, 2 rows, ")
    run = RunLog.objects.get()
    assert run.backfill == {"values": {"low": "2"}}
    assert sorted(make_items_module.dest_db.rows("SELECT id FROM items_copy")) == [(2,), (3,)]


def test_chunk_prints_each_chunk_and_a_failed_chunk_says_how_to_resume(make_items_module, capsys):
    make_items_module(
        source_query="SELECT id, name FROM items WHERE id >= {low} AND id < {high}", strategy="append"
    )
    make_items_module.dest_db.execute(
        "CREATE TRIGGER no_two BEFORE INSERT ON items_copy WHEN NEW.id = 2 "
        "BEGIN SELECT RAISE(ABORT, 'no two'); END"
    )

    with pytest.raises(CommandError, match="with --resume to go on from there"):
        call_command("run_module", "items", "--set", "low=1", "--set", "high=4", "--chunk", "1")

    out = capsys.readouterr().out
    assert "backfill (chunk 1 of 3, low=1, high=2): items: success, 1 rows" in out
    assert "backfill (chunk 2 of 3, low=2, high=3): items: error" in out
    assert "chunk 3" not in out

    make_items_module.dest_db.execute("DROP TRIGGER no_two")
    call_command("run_module", "items", "--set", "low=1", "--set", "high=4", "--chunk", "1", "--resume")

    out = capsys.readouterr().out
    assert "chunk 1 of 3" not in out
    assert "backfill (chunk 2 of 3, low=2, high=3): items: success" in out
    assert "backfill (chunk 3 of 3, low=3, high=4): items: success" in out


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--set", "nope=1"], r"the source query has no \{nope\}"),
        (["--set", "low"], "invalid name_value value"),
        (["--chunk", "7d"], "--chunk and --resume go with --set"),
        (["--set", "low=1", "--chunk", "7d"], "a chunked backfill needs the range as two values"),
        (["--set", "low=1", "--dry-run"], "--set runs a backfill of a module by name"),
    ],
)
def test_backfill_arguments_that_make_no_sense_are_refused(make_items_module, arguments, problem):
    make_items_module(source_query="SELECT id, name FROM items WHERE id >= {low}")

    with pytest.raises(CommandError, match=problem):
        call_command("run_module", "items", *arguments)

    assert not RunLog.objects.exists()


def test_force_runs_once_a_module_a_guard_refused(make_items_module, capsys):
    make_items_module()
    make_items_module.dest_db.execute("INSERT INTO items_copy VALUES (7, 'kept')")
    make_items_module.source_db.execute("DELETE FROM items")

    with pytest.raises(CommandError, match="ended error"):
        call_command("run_module", "items")
    assert "guard: allow_empty is off" in capsys.readouterr().out
    assert make_items_module.dest_db.rows("SELECT id, name FROM items_copy") == [(7, "kept")]

    call_command("run_module", "items", "--force")

    assert capsys.readouterr().out.startswith("items: success, 0 rows, ")
    forced = RunLog.objects.order_by("pk").last()
    assert forced.forced and forced.status == Status.SUCCESS
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]


def test_force_goes_with_a_name_not_a_queued_run(make_items_module):
    run = RunLog.objects.create(module=make_items_module(), trigger="manual")

    with pytest.raises(CommandError, match="--force goes with a module name"):
        call_command("run_module", "--run-id", str(run.pk), "--force")


def test_a_run_by_name_runs_its_retries_in_the_terminal(make_items_module, capsys):
    make_items_module(source_query="SELECT id, nope FROM items", retries=1, retry_delay=1)

    with pytest.raises(CommandError, match="ended error"):
        call_command("run_module", "items")

    first, retry = RunLog.objects.order_by("id")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("items: error, 0 rows, ") and f"(run {first.pk})" in lines[0]
    assert lines[1] == f"retrying as run {retry.pk} (attempt 2)"
    assert lines[2].startswith("items: error, 0 rows, ") and f"(run {retry.pk})" in lines[2]
    assert (retry.retry_of, retry.trigger, retry.status) == (first, "cli", Status.ERROR)
