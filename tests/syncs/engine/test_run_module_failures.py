"""A failed run leaves the destination exactly as it was, leaves no staging table, and says why."""

import os
import signal
import threading
import time

import pytest

from connections import secrets
from syncs.engine import run_module
from syncs.models import RunLog, Status, Watermark
from tests.processes import process_alive, start_command_until_logged
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def loaded(pg_db, items_between):
    """Return a function making a module from pg_db to a dest db that already holds ROWS."""

    def make(dest_name="pg_db2", strategy="full", query=items.SELECT, **fields):
        module, _, dest = items_between("pg_db", dest_name, strategy, query, **fields)
        return module, dest

    return make


def assert_untouched(module, dest):
    assert items.read(dest) == items.expected(items.ROWS)
    assert items.tables_named(dest, module.name) == []
    module.refresh_from_db()
    assert module.running_run is None


@pytest.mark.parametrize("strategy", ["full", "incremental", "append"])
@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db"])
def test_a_source_query_error_leaves_the_destination_as_it_was(loaded, strategy, dest_name):
    module, dest = loaded(dest_name, strategy, "SELECT id, name, amount, no_such_column FROM items")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    # Reading the query's columns, before any data moves, is where it fails.
    assert run.error.startswith("checking the source query's columns: ")
    assert "jrunner started" not in run.live_log
    assert "no_such_column" in run.error
    assert_untouched(module, dest)


@pytest.mark.parametrize("strategy", ["full", "incremental"])
@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db"])
def test_a_type_error_in_the_load_leaves_the_destination_as_it_was(loaded, strategy, dest_name):
    query = (
        "SELECT id, name, CASE WHEN id = 6 THEN 'not a number' ELSE amount::text END, updated_at FROM items"
    )
    module, dest = loaded(dest_name, strategy, query)

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert "loading source rows" in run.error
    assert_untouched(module, dest)


@pytest.mark.parametrize("strategy", ["full", "incremental"])
@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db"])
def test_a_failing_merge_statement_rolls_the_whole_merge_back(loaded, strategy, dest_name):
    # The staging table has no constraints, so row 6 loads; the destination refuses it.
    module, dest = loaded(dest_name, strategy)
    dest.execute("ALTER TABLE items ADD CONSTRAINT only_five CHECK (id < 6)")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    staged = strategy == "incremental" or dest_name == "maria_db"
    assert ("merging into" if staged else "loading source rows") in run.error
    assert "unchanged" in run.error
    assert_untouched(module, dest)


def test_a_staging_table_that_cannot_be_created_is_named_before_anything_moves(loaded):
    module, dest = loaded("pg_db2", "incremental")
    dest.execute(
        f"CREATE SCHEMA pipekit_staging; CREATE VIEW pipekit_staging.{module.name} AS SELECT 1 AS one"
    )

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith(f'creating staging table "pipekit_staging"."{module.name}": ')
    assert "-pre statement 2 of 4" in run.error
    assert items.read(dest) == items.expected(items.ROWS)


def test_a_full_refresh_on_mariadb_clears_with_delete_inside_the_transaction(loaded):
    module, dest = loaded("maria_db", "full")

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS
    assert "DELETE FROM" in run.merge_sql
    assert "TRUNCATE" not in run.merge_sql
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)


def test_a_full_refresh_on_postgres_loads_straight_into_the_destination(loaded):
    module, dest = loaded("pg_db2", "full")

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS
    assert run.load_path == "copy"
    assert "no staging" in run.merge_sql
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)


def kill_jrunner_once_loading(run_ids):
    """Wait for a run's jrunner to start printing progress, then kill -9 it."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = RunLog.objects.filter(pk__in=run_ids()).first()
        if run and "jrunner started (pid " in run.live_log:
            pid = int(run.live_log.split("jrunner started (pid ")[1].split(")")[0])
            time.sleep(1.5)
            os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.1)


@pytest.mark.parametrize("strategy", ["full", "incremental"])
@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db"])
def test_a_killed_jrunner_leaves_the_destination_as_it_was(loaded, strategy, dest_name):
    module, dest = loaded(dest_name, strategy, items.BIG_QUERY)
    killer = threading.Thread(
        target=kill_jrunner_once_loading, args=(lambda: RunLog.objects.filter(module=module).values("pk"),)
    )
    killer.start()

    run = run_module(module, trigger="cli")
    killer.join()

    assert run.status == Status.ERROR
    assert "loading source rows" in run.error
    assert_untouched(module, dest)


def test_a_killed_run_stops_its_jrunner_and_the_next_run_recovers(loaded):
    # The load would commit three seconds in, long after the run's own process is gone.
    module, dest = loaded("pg_db2", "full", "SELECT id, name, amount, updated_at FROM items, pg_sleep(3)")
    process = start_command_until_logged(["run_module", module.name], "jrunner started", module.runs.all())
    run = module.runs.get()
    jrunner_pid = int(run.live_log.split("jrunner started (pid ")[1].split(")")[0])

    process.kill()
    process.wait()
    deadline = time.monotonic() + 120
    while process_alive(jrunner_pid):
        assert time.monotonic() < deadline, "jrunner went on after its run was killed"
        time.sleep(0.1)
    time.sleep(4)

    assert items.read(dest) == items.expected(items.ROWS)
    rerun = run_module(module, trigger="cli")
    assert rerun.status == Status.SUCCESS
    assert f"cleared the stale lock of run {run.pk}" in rerun.live_log
    run.refresh_from_db()
    assert run.status == Status.ERROR
    assert run.error.endswith("its merge did not commit: the destination is unchanged")
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)


def test_a_missing_secret_is_named_before_anything_moves(loaded):
    module, dest = loaded("pg_db2", "incremental")
    module.source.password = "$NO_SUCH_SECRET"
    module.source.save()

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert "NO_SUCH_SECRET" in run.error
    assert run.resolved_sql == ""
    assert_untouched(module, dest)


def test_a_query_token_without_a_watermark_is_reported_before_anything_moves(loaded):
    module, dest = loaded("pg_db2", "incremental", items.SINCE.replace("{since}", "{sinse}"))
    Watermark.objects.create(module=module, name="since", resolver_sql=items.MAX_UPDATED)

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert "{sinse}" in run.error
    assert "no watermark" in run.error
    assert_untouched(module, dest)


def test_a_column_type_that_is_not_a_type_is_refused_before_anything_moves(loaded):
    module, dest = loaded("pg_db2", "incremental")
    module.columns[1]["dest_type"] = "text); DROP TABLE public.items; --"
    module.save()

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith("checking the module: Column 2 (name): ")
    assert "is not a column type" in run.error
    assert_untouched(module, dest)


def test_no_password_appears_in_the_run_log(loaded, settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = str(tmp_path / "secrets.env")
    secrets.set_secret("PG_PASSWORD", "pw-that-must-not-leak")
    module, dest = loaded("pg_db2", "incremental", "SELECT id, name, amount, missing FROM items")
    for conn in (module.source, module.dest):
        conn.password = "$PG_PASSWORD"
        conn.save()

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    recorded = [getattr(run, f.attname) for f in RunLog._meta.fields]
    assert not any("pw-that-must-not-leak" in str(value) for value in recorded)
