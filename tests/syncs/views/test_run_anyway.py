"""The "Run anyway" button of a run a guard refused: one forced run of its module."""

import pytest

from syncs.engine import run_module
from syncs.models import RunLog, Status


@pytest.fixture
def refused(make_items_module):
    """A finished run of items that the allow_empty guard refused (the source is empty)."""
    module = make_items_module()
    make_items_module.dest_db.execute("INSERT INTO items_copy VALUES (7, 'kept')")
    make_items_module.source_db.execute("DELETE FROM items")
    run = run_module(module, trigger="cli")
    assert run.refused_by_guard
    return run


@pytest.mark.django_db(transaction=True)
def test_the_refused_runs_page_offers_run_anyway_to_operators_only(refused, operator_client, viewer_client):
    assert "Run anyway" in operator_client.get(f"/runs/{refused.id}/").content.decode()
    assert "Run anyway" not in viewer_client.get(f"/runs/{refused.id}/").content.decode()


def test_a_run_no_guard_refused_offers_no_run_anyway(operator_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.ERROR, error="boom")

    assert "Run anyway" not in operator_client.get(f"/runs/{run.id}/").content.decode()
    response = operator_client.post(f"/runs/{run.id}/run-anyway", follow=True)

    assert "was not refused by a guard" in response.content.decode()
    assert RunLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_run_anyway_starts_one_forced_run_and_a_second_click_starts_none(
    refused, operator_client, make_items_module, wait_finished
):
    response = operator_client.post(f"/runs/{refused.id}/run-anyway")

    forced = RunLog.objects.get(pk__gt=refused.pk)
    assert response["Location"] == f"/runs/{forced.id}/"
    assert (forced.forced, forced.trigger, forced.triggered_by) == (True, "manual", "oscar")
    again = operator_client.post(f"/runs/{refused.id}/run-anyway", follow=True)
    assert f"run {forced.id} of items came after this one" in again.content.decode()
    wait_finished(RunLog.objects.all())
    forced.refresh_from_db()
    assert forced.status == Status.SUCCESS
    assert (
        "Forced: the guards were not applied." in operator_client.get(f"/runs/{forced.id}/").content.decode()
    )
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]
    assert RunLog.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_viewers_may_not_run_anyway(refused, viewer_client):
    assert viewer_client.post(f"/runs/{refused.id}/run-anyway").status_code == 403
    assert RunLog.objects.count() == 1
