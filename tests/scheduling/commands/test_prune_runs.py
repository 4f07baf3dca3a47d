"""manage.py prune_runs: deletes old runs and gives the SQLite file's space back, converting an
existing database to incremental vacuum once."""

import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from scheduling.retention import vacuum_mode
from syncs.models import RunLog

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite state database only")


def state_file_size():
    return os.path.getsize(connection.settings_dict["NAME"])


def old_runs_with_long_logs(module, count):
    log = "x" * 100_000
    long_ago = timezone.now() - timedelta(days=200)
    RunLog.objects.bulk_create(
        RunLog(module=module, status="cancelled", created_at=long_ago, live_log=log) for _ in range(count)
    )


@pytest.mark.django_db(transaction=True)
def test_pruning_shrinks_the_state_database(make_items_module, capsys):
    assert vacuum_mode() == 2  # a new state database gives space back from the start
    old_runs_with_long_logs(make_items_module(), 100)
    before = state_file_size()

    call_command("prune_runs")

    assert capsys.readouterr().out == "Deleted 100 runs, 0 group runs and 0 verifications.\n"
    assert before > 10_000_000
    assert state_file_size() < before - 9_000_000


@pytest.mark.django_db(transaction=True)
def test_a_database_made_before_incremental_vacuum_is_converted_once(make_items_module, capsys):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA auto_vacuum = NONE")
        cursor.execute("VACUUM")
    assert vacuum_mode() == 0
    old_runs_with_long_logs(make_items_module(), 100)
    before = state_file_size()

    call_command("prune_runs")

    assert "Converting the state database to incremental vacuum (one VACUUM)" in capsys.readouterr().out
    assert vacuum_mode() == 2
    assert state_file_size() < before - 9_000_000
