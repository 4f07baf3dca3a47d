"""Detached starts: a run whose process fails before starting it ends `error` with what it printed."""

import sys

import pytest
from django.core import mail

from scheduling.engine import start_detached_group_run
from scheduling.models import Group, GroupRun
from syncs.detached import output_path, start_detached_run
from syncs.models import RunLog, Status


@pytest.fixture
def broken_config(tmp_path, monkeypatch):
    """A config.yaml edited wrong, seen by the detached processes started from now on."""
    config = tmp_path / "config.yaml"
    config.write_text("run_retention_days: 0\n")
    monkeypatch.setenv("PIPEKIT_CONFIG", str(config))
    return config


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_process_cannot_read_its_config_ends_in_error_with_the_reason(
    make_items_module, broken_config, wait_finished
):
    module = make_items_module()

    run = start_detached_run(module, trigger="api")
    wait_finished(RunLog.objects.filter(pk=run.pk))

    run.refresh_from_db()
    assert run.status == Status.ERROR
    assert run.error.startswith("its process exited with status 1 before starting the run:\n")
    assert f"{broken_config}: run_retention_days: must be a whole number of at least 1, not 0" in run.error
    assert run.started_at is None
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]
    assert not output_path(run).exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_python_is_missing_ends_in_error_at_once(make_items_module, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")

    run = start_detached_run(make_items_module(), trigger="manual")

    run.refresh_from_db()
    assert run.status == Status.ERROR
    assert (
        run.error
        == "its process could not start: [Errno 2] No such file or directory: '/nonexistent/python3'"
    )
    assert not output_path(run).exists()


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_group_run_that_never_started_ends_in_error_and_mails_nothing(
    broken_config, settings, wait_finished
):
    settings.PIPEKIT_EMAIL_ENABLED = True
    settings.PIPEKIT_EMAIL_TO = ["ops@example.com"]

    group_run = start_detached_group_run(Group.objects.create(name="nightly"), trigger="schedule:1")
    wait_finished(GroupRun.objects.filter(pk=group_run.pk))

    group_run.refresh_from_db()
    assert group_run.status == Status.ERROR
    assert "run_retention_days: must be a whole number" in group_run.error
    assert mail.outbox == []
