"""A run's error names the step that really failed: which side could not be reached or went away
during the load, not a "loading" failure of the rows."""

import threading
import time

import psycopg
import pytest

from syncs.engine import run_module
from syncs.models import RunLog, Status
from tests.dbs import PG
from tests.syncs import items

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]


def test_an_unreachable_destination_is_named_as_such(items_between):
    module, _, dest = items_between("pg_db", "pg_db2")
    module.dest.jdbc_url = f"jdbc:postgresql://127.0.0.1:1/{dest.name}"
    module.dest.save()

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith(f"connecting to the destination {module.dest.name}: "), run.error
    assert items.read(dest) == items.expected(items.ROWS)


def test_an_unreachable_source_is_named_as_such(items_between):
    module, source, dest = items_between("pg_db", "maria_db", "append")
    module.source.jdbc_url = f"jdbc:postgresql://127.0.0.1:1/{source.name}"
    module.source.save()

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith(f"connecting to the source {module.source.name}: "), run.error
    assert items.read(dest) == items.expected(items.ROWS)


def terminate_destination_once_loading(module, dest):
    """Cut the destination's sessions as soon as rows are moving (a progress count in the live log)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if RunLog.objects.filter(module=module, live_log__contains=" rows so far\n").exists():
            with psycopg.connect(dbname=dest.name, autocommit=True, **PG) as conn:
                cut = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [dest.name],
                ).fetchall()
            if cut:
                return
        time.sleep(0.05)


@pytest.mark.parametrize("strategy", ["full", "incremental"])
def test_a_destination_lost_during_the_load_is_not_called_a_loading_failure(items_between, strategy):
    module, _, dest = items_between("pg_db", "pg_db2", strategy, items.BIG_QUERY)
    cutter = threading.Thread(target=terminate_destination_once_loading, args=(module, dest))
    cutter.start()

    run = run_module(module, trigger="cli")
    cutter.join()

    assert run.status == Status.ERROR
    assert run.error.startswith(f"writing to the destination {module.dest.name}: "), run.error
    assert "the destination connection was lost" in run.error
    assert items.read(dest) == items.expected(items.ROWS)
