"""Every step of a run can be stopped, and none waits for ever: a watermark query, the source
columns check or a hook waiting on a lock is stopped by a cancel, and a merge (or the columns
check) waiting on a lock fails after the module's lock timeout."""

import re
import threading
import time

import pytest

from syncs.engine import run_module
from syncs.models import Hook, RunLog, Status, Watermark
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)

# Holding these keeps every other session from reading items, until the test lets go.
LOCK_ITEMS = {
    "postgres": ["LOCK TABLE items IN ACCESS EXCLUSIVE MODE"],
    "mariadb": ["LOCK TABLES items WRITE"],
}
# Holding this keeps every other session from changing or deleting the row of id 1.
LOCK_ROW_1 = ["UPDATE items SET name = 'held' WHERE id = 1"]


@pytest.fixture
def loaded(pg_db, items_between):
    """Return a function making a module from pg_db (ROWS + NEW) to a destination holding ROWS."""

    def make(dest_name, strategy="incremental", query=items.SELECT, **fields):
        module, _, dest = items_between("pg_db", dest_name, strategy, query, **fields)
        return module, dest

    return make


def cancel_when(module, marker):
    """Start a thread that asks the run of module to stop once its live log shows marker."""

    def cancel():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = RunLog.objects.filter(module=module).first()
            if run and marker in run.live_log:
                time.sleep(1)
                run.request_cancel()
                return
            time.sleep(0.1)

    thread = threading.Thread(target=cancel)
    thread.start()
    return thread


@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db"])
def test_a_watermark_query_waiting_on_a_lock_is_stopped_by_a_cancel(loaded, dest_name):
    module, dest = loaded(dest_name, query=items.SINCE)
    Watermark.objects.create(module=module, name="since", resolver_sql=items.MAX_UPDATED)
    canceller = cancel_when(module, "resolving watermark since")

    with dest.holding(*LOCK_ITEMS[dest.kind]):
        run = run_module(module, trigger="cli")
        canceller.join()

    assert run.status == Status.CANCELLED
    assert run.error == "cancelled on request; the destination is unchanged"
    assert items.read(dest) == items.expected(items.ROWS)


def test_the_source_columns_check_waiting_on_a_lock_is_stopped_by_a_cancel(loaded, pg_db):
    module, dest = loaded("pg_db2")
    canceller = cancel_when(module, "checking the source query's columns")

    with pg_db.holding(*LOCK_ITEMS["postgres"]):
        run = run_module(module, trigger="cli")
        canceller.join()

    assert run.status == Status.CANCELLED
    assert run.error == "cancelled on request; the destination is unchanged"
    assert items.read(dest) == items.expected(items.ROWS)


def test_the_source_columns_check_waiting_on_a_lock_fails_after_the_lock_timeout(loaded, pg_db):
    module, dest = loaded("pg_db2", lock_timeout=1)

    with pg_db.holding(*LOCK_ITEMS["postgres"]):
        run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith("checking the source query's columns: ")
    assert "lock timeout" in run.error
    assert items.read(dest) == items.expected(items.ROWS)


@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db"])
def test_a_hook_waiting_on_a_lock_is_stopped_by_a_cancel(loaded, dest_name):
    module, dest = loaded(dest_name)
    dest.execute("CREATE TABLE audit (n integer)")
    dest.execute("INSERT INTO audit VALUES (0)")
    Hook.objects.create(module=module, name="touch", sql="UPDATE audit SET n = 2")
    Hook.objects.create(module=module, name="zz_never", sql="DELETE FROM items", run_order=1)
    canceller = cancel_when(module, "hook touch")

    with dest.holding("UPDATE audit SET n = 1"):
        run = run_module(module, trigger="cli")
        canceller.join()

    assert run.status == Status.CANCELLED
    assert run.error == "cancelled on request during hook touch; the merge had committed"
    assert [(h["name"], h["status"]) for h in run.hook_results] == [("touch", "cancelled")]
    assert items.read(dest) == items.expected(items.ROWS + items.NEW)


@pytest.mark.parametrize("dest_name", ["pg_db2", "maria_db"])
def test_a_merge_waiting_on_a_lock_fails_after_the_modules_lock_timeout(loaded, dest_name):
    module, dest = loaded(dest_name, lock_timeout=1)

    with dest.holding(*LOCK_ROW_1):
        run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert re.match(r"merging into \S*items\S* \(rolled back\): ", run.error)
    assert "lock" in run.error.lower()
    assert run.error.endswith("; the destination is unchanged")
    assert items.read(dest) == items.expected(items.ROWS)
    assert items.tables_named(dest, module.name) == []
