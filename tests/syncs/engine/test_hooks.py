"""Hooks run after the merge in run_order, filtered by run_on, each outcome recorded."""

import pytest

from syncs.engine import run_module
from syncs.models import Hook, Status
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def module(pg_db, pg_db2, make_connection, make_module):
    pg_db2.execute("CREATE TABLE hook_log (n serial, what text)")
    module = items.module(make_module, make_connection, pg_db, pg_db2, strategy="append")
    for name, order, run_on in [("third", 3, "always"), ("first", 1, "success"), ("second", 2, "failure")]:
        sql = f"INSERT INTO hook_log (what) SELECT '{name}:' || count(*) FROM items"
        Hook.objects.create(module=module, name=name, sql=sql, run_order=order, run_on=run_on)
    Hook.objects.create(
        module=module, name="off", sql="SELECT 1/0", run_order=0, run_on="always", enabled=False
    )
    return module


def hook_log(db):
    return [what for (what,) in db.rows("SELECT what FROM hook_log ORDER BY n")]


def test_a_successful_run_runs_success_and_always_hooks_in_order_after_the_merge(module, pg_db2):
    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS
    assert hook_log(pg_db2) == ["first:5", "third:5"]
    assert [(h["name"], h["run_on"], h["status"], h["error"]) for h in run.hook_results] == [
        ("first", "success", "success", ""),
        ("third", "always", "success", ""),
    ]
    assert all(h["seconds"] >= 0 for h in run.hook_results)


def test_a_failed_run_runs_failure_and_always_hooks(module, pg_db2):
    pg_db2.execute("ALTER TABLE items ADD CONSTRAINT none_allowed CHECK (id < 0)")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert hook_log(pg_db2) == ["second:0", "third:0"]
    assert [h["name"] for h in run.hook_results] == ["second", "third"]


def test_a_failing_hook_is_recorded_and_fails_the_run(module, pg_db2):
    Hook.objects.filter(module=module, name="first").update(sql="INSERT INTO no_such_table VALUES (1)")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith("the merge committed, but hook first failed: ")
    assert "no_such_table" in run.error
    assert [(h["name"], h["status"]) for h in run.hook_results] == [("first", "error"), ("third", "success")]
    assert items.read(pg_db2) == items.expected(items.ROWS)


def test_a_hook_may_run_on_another_connection(module, pg_db):
    pg_db.execute("CREATE TABLE hook_log (n serial, what text)")
    Hook.objects.filter(module=module, name="first").update(connection=module.source)

    run_module(module, trigger="cli")

    assert hook_log(pg_db) == ["first:5"]
