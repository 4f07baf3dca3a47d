"""manage.py cancel_run N."""

import pytest
from django.core.management import CommandError, call_command

from syncs.models import RunLog, Status


@pytest.mark.django_db
def test_it_asks_an_unfinished_run_to_stop(make_items_module, capsys):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)

    call_command("cancel_run", str(run.pk))

    assert capsys.readouterr().out == f"Cancel requested for run {run.pk} of items.\n"
    run.refresh_from_db()
    assert run.cancel_requested


@pytest.mark.django_db
def test_it_refuses_a_finished_run(make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.SUCCESS)

    with pytest.raises(CommandError, match=f"run {run.pk} already finished \\(success\\)"):
        call_command("cancel_run", str(run.pk))
    run.refresh_from_db()
    assert not run.cancel_requested


@pytest.mark.django_db
def test_it_names_an_unknown_run():
    with pytest.raises(CommandError, match="there is no run 999"):
        call_command("cancel_run", "999")


@pytest.mark.django_db
def test_it_ends_a_queued_run_before_it_starts(make_items_module, capsys):
    run = RunLog.objects.create(module=make_items_module())

    call_command("cancel_run", str(run.pk))

    assert capsys.readouterr().out == f"Run {run.pk} of items was cancelled before it started.\n"
    run.refresh_from_db()
    assert (run.status, run.started_at) == (Status.CANCELLED, None)
