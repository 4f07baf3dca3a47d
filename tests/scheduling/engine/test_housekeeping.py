"""The tick's housekeeping: runs no process started are ended, a killed run's debris removed."""

import os
import socket
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from scheduling.models import Group, GroupRun
from scheduling.tick import housekeeping
from syncs.detached import output_path
from syncs.models import Module, RunLog, Status
from tests.syncs.locks import dead_pid, hold_lock


def queued(model, seconds_ago, **fields):
    return model.objects.create(created_at=timezone.now() - timedelta(seconds=seconds_ago), **fields)


@pytest.mark.django_db
def test_runs_queued_for_over_a_minute_end_in_error_with_their_output(make_items_module):
    module = make_items_module()
    group = Group.objects.create(name="nightly")
    stuck_run, stuck_group_run = queued(RunLog, 61, module=module), queued(GroupRun, 90, group=group)
    young_run, young_group_run = queued(RunLog, 20, module=module), queued(GroupRun, 20, group=group)
    output_path(stuck_run).parent.mkdir(parents=True, exist_ok=True)
    output_path(stuck_run).write_text("Traceback (most recent call last):\nImportError: no yaml\n")
    # Ids start again in each test: an earlier test's group run 1 may have left its output file.
    output_path(stuck_group_run).unlink(missing_ok=True)

    housekeeping()

    for run in (stuck_run, stuck_group_run, young_run, young_group_run):
        run.refresh_from_db()
    assert stuck_run.status == stuck_group_run.status == Status.ERROR
    assert stuck_run.error == (
        "no process started it within a minute:\nTraceback (most recent call last):\nImportError: no yaml"
    )
    assert stuck_group_run.error == "no process started it within a minute"
    assert young_run.status == young_group_run.status == Status.QUEUED
    assert not output_path(stuck_run).exists()


@pytest.mark.django_db
def test_the_output_files_of_started_runs_are_removed(make_items_module):
    module = make_items_module()
    finished, waiting = (
        RunLog.objects.create(module=module, status="success"),
        RunLog.objects.create(module=module),
    )
    for run in (finished, waiting):
        output_path(run).parent.mkdir(parents=True, exist_ok=True)
        output_path(run).write_text("")

    housekeeping()

    assert not output_path(finished).exists()
    assert output_path(waiting).exists()
    output_path(waiting).unlink()


def sql_file(pid):
    path = Path(tempfile.gettempdir()) / f"pipekit-{pid}-abc123.sql"
    path.write_text("SELECT 1")
    return path


def staging_tables(db):
    return db.rows("SELECT name FROM sqlite_master WHERE name LIKE 'pipekit_stg_%'")


@pytest.mark.django_db
def test_a_killed_runs_debris_is_removed_at_the_next_tick(make_items_module):
    module = make_items_module()
    make_items_module.dest_db.execute("CREATE TABLE pipekit_stg_items (id integer, name text)")
    killed = hold_lock(module, dead_pid())
    dead_file, live_file = sql_file(killed.pid), sql_file(os.getpid())

    housekeeping()

    killed.refresh_from_db()
    assert killed.status == Status.ERROR
    assert killed.error == f"abandoned: its process {killed.pid} on {socket.gethostname()} is gone"
    assert Module.objects.get(pk=module.pk).running_run is None
    assert staging_tables(make_items_module.dest_db) == []
    assert not dead_file.exists()
    assert live_file.exists()
    live_file.unlink()


@pytest.mark.django_db
def test_the_staging_table_of_a_module_running_again_is_left_alone(make_items_module):
    module = make_items_module()
    make_items_module.dest_db.execute("CREATE TABLE pipekit_stg_items (id integer, name text)")
    abandoned = RunLog.objects.create(module=module, status="running")
    abandoned.abandon("its process 1 on elsewhere is gone")
    hold_lock(module, os.getpid())

    housekeeping()

    assert staging_tables(make_items_module.dest_db) == [("pipekit_stg_items",)]
