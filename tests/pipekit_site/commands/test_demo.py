"""manage.py demo: a working demo with real history, created once."""

import sqlite3

import pytest
from django.core.management import call_command

from scheduling.models import Group, GroupRun
from syncs.models import Module, RunLog, Status


@pytest.mark.django_db(transaction=True)
def test_it_creates_the_demo_once_and_runs_it_for_real(drivers, tmp_path, settings, capsys):
    settings.PIPEKIT_SECRETS_FILE = str(tmp_path / "secrets.env")

    call_command("demo")
    first = capsys.readouterr().out
    call_command("demo")
    second = capsys.readouterr().out

    assert "Staff login: admin / " in first
    assert first.splitlines()[-1] == second.splitlines()[-1]
    assert "Running the demo group once" not in second
    assert sorted(Module.objects.values_list("strategy", flat=True)) == ["append", "full", "incremental"]
    group = Group.objects.get()
    assert group.schedules.count() == 1
    group_run = GroupRun.objects.get()
    assert group_run.status == Status.SUCCESS
    assert RunLog.objects.filter(group_run=group_run, status=Status.SUCCESS).count() == 3
    assert RunLog.objects.get(module__name="orders").watermark_values == {"since": "1970-01-01 00:00:00"}
    warehouse = sqlite3.connect(tmp_path / "warehouse.db")
    counts = [warehouse.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customers", "orders")]
    assert counts == [500, 3000]
    assert warehouse.execute("SELECT count(DISTINCT status) FROM order_status_snapshots").fetchone() == (4,)
    warehouse.close()
