"""POST /modules/<id>/backfill: "Run with values…" starts a detached run with the given watermark
values (a backfill) and shows its page; an empty token is resolved as usual."""

import pytest

from syncs.models import RunLog, Status, Watermark

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "SELECT id, name FROM items WHERE id >= {low} AND id <= {high}"


@pytest.fixture
def ranged(make_items_module):
    module = make_items_module(source_query=QUERY)
    Watermark.objects.create(module=module, name="low", resolver_sql="SELECT 1")
    Watermark.objects.create(module=module, name="high", resolver_sql="SELECT 100")
    module.dest_db = make_items_module.dest_db
    return module


def test_the_module_page_offers_one_field_per_token(staff_client, ranged):
    page = staff_client.get(f"/modules/{ranged.id}/").content.decode()

    assert "Run with values…" in page
    assert 'name="low"' in page
    assert 'name="high"' in page


def test_it_runs_with_the_values_given_and_resolves_the_rest(staff_client, ranged, wait_finished):
    response = staff_client.post(f"/modules/{ranged.id}/backfill", {"low": "2", "high": ""})

    run = RunLog.objects.get(module=ranged)
    assert response["Location"] == f"/runs/{run.id}/"
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.SUCCESS, run.error
    assert run.backfill == {"values": {"low": "2"}}
    assert run.watermark_values == {"low": "2", "high": "100"}
    assert (run.trigger, run.triggered_by) == ("manual", "alice")
    assert sorted(ranged.dest_db.rows("SELECT id, name FROM items_copy")) == [(2, "two"), (3, None)]
    page = staff_client.get(response["Location"]).content.decode()
    assert "backfill" in page
    assert "low=2" in page


def test_it_refuses_a_form_with_no_value_and_starts_nothing(staff_client, ranged):
    response = staff_client.post(f"/modules/{ranged.id}/backfill", {"low": " ", "high": ""}, follow=True)

    assert "Not started: give a value for at least one token." in response.content.decode()
    assert not RunLog.objects.exists()


def test_viewers_may_not_start_a_backfill(viewer_client, ranged):
    assert viewer_client.post(f"/modules/{ranged.id}/backfill", {"low": "2"}).status_code == 403
    assert not RunLog.objects.exists()
