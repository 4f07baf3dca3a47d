import html
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from syncs.models import RunLog, Status
from tests.history import queries


def at(text):
    return timezone.make_aware(datetime.fromisoformat(text))


def run_ids(response):
    return [run.id for run in response.context["runs"]]


def test_it_sends_anonymous_users_to_the_login_page(client, db):
    response = client.get("/runs/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/runs/"


def test_it_refuses_users_who_are_not_staff(user_client):
    assert user_client.get("/runs/").status_code == 403


def test_it_lists_runs_newest_first_with_their_module(staff_client, make_items_module):
    module = make_items_module()
    old = RunLog.objects.create(module=module, created_at=at("2026-01-01 10:00"))
    new = RunLog.objects.create(module=module, created_at=at("2026-01-02 10:00"))

    response = staff_client.get("/runs/")

    assert run_ids(response) == [new.id, old.id]
    assert f'href="/modules/{module.id}/">items</a>' in response.content.decode()


def test_it_filters_by_module_status_trigger_and_date(staff_client, make_items_module):
    items, other = make_items_module(), make_items_module(name="other")
    match = RunLog.objects.create(
        module=items, status=Status.ERROR, trigger="schedule:4", created_at=at("2026-03-05 12:00")
    )
    RunLog.objects.create(
        module=other, status=Status.ERROR, trigger="schedule:4", created_at=at("2026-03-05 12:00")
    )
    RunLog.objects.create(
        module=items, status=Status.SUCCESS, trigger="schedule:4", created_at=at("2026-03-05 12:00")
    )
    RunLog.objects.create(
        module=items, status=Status.ERROR, trigger="manual", created_at=at("2026-03-05 12:00")
    )
    RunLog.objects.create(
        module=items, status=Status.ERROR, trigger="schedule:4", created_at=at("2026-03-07 12:00")
    )

    response = staff_client.get(
        "/runs/",
        {
            "module": "item",
            "status": "error",
            "trigger": "schedule",
            "since": "2026-03-05",
            "until": "2026-03-06",
        },
    )

    assert run_ids(response) == [match.id]


@pytest.mark.parametrize(
    "filters, message",
    [
        (
            {"status": "exploded"},
            "Status: Select a valid choice. exploded is not one of the available choices.",
        ),
        ({"trigger": "cron"}, "Trigger: Select a valid choice."),
        ({"since": "yesterday"}, "From: Enter a valid date."),
        ({"since": "2026-03-05", "until": "2026-03-01"}, "The “to” day is before the “from” day."),
        ({"before": "abc"}, "Before: it must be a run number."),
    ],
)
def test_a_bad_filter_value_is_refused_with_a_message_and_no_list(
    staff_client, make_items_module, filters, message
):
    RunLog.objects.create(module=make_items_module())
    response = staff_client.get("/runs/", filters)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not listed: " in page and html.escape(message, quote=True) in page
    assert run_ids(response) == []


def test_a_filter_that_matches_no_run_says_no_runs_match(staff_client, make_items_module):
    RunLog.objects.create(module=make_items_module(), status=Status.SUCCESS)
    response = staff_client.get("/runs/", {"status": "error"})
    assert response.status_code == 200
    assert "No runs match these filters." in response.content.decode()


def test_without_runs_or_filters_it_says_no_runs_yet(staff_client, db):
    assert "No runs yet." in staff_client.get("/runs/").content.decode()


def test_it_pages_by_fifty_and_keeps_the_filters_in_the_page_links(staff_client, make_items_module):
    module = make_items_module()
    start = timezone.now()
    runs = RunLog.objects.bulk_create(
        RunLog(module=module, status=Status.SUCCESS, created_at=start - timedelta(minutes=i))
        for i in range(60)
    )
    # Two runs at the same instant across the page break: the keyset still shows each once.
    RunLog.objects.filter(pk__in=[runs[49].pk, runs[50].pk]).update(created_at=runs[49].created_at)

    first = staff_client.get("/runs/", {"status": "success"})
    second = staff_client.get("/runs/", {"status": "success", "before": run_ids(first)[-1]})

    newest_first = list(RunLog.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    assert len(run_ids(first)) == 50
    assert run_ids(first) + run_ids(second) == newest_first
    assert f"?status=success&amp;before={run_ids(first)[-1]}" in first.content.decode()
    assert "Older" not in second.content.decode() and "Newest" in second.content.decode()


def test_its_queries_do_not_grow_with_the_runs(staff_client, history):
    history(modules=2)
    first_page = queries(staff_client, "/runs/")
    history(modules=40, runs_per_module=3)
    assert queries(staff_client, "/runs/") == first_page
    assert queries(staff_client, "/runs/?trigger=group&status=success") == first_page


def test_a_deep_page_costs_what_the_first_does(staff_client, history):
    history(modules=40, runs_per_module=3)
    oldest = RunLog.objects.order_by("created_at", "id")[5]
    first = queries(staff_client, "/runs/")
    # One more query: the keyset's anchor run.
    assert queries(staff_client, f"/runs/?before={oldest.id}") == first + 1


def test_days_are_whole_days_in_the_configured_time_zone(staff_client, make_items_module, settings):
    settings.TIME_ZONE = "Europe/Paris"
    module = make_items_module()
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    late = RunLog.objects.create(module=module, created_at=datetime(2026, 3, 5, 23, 30, tzinfo=paris))
    RunLog.objects.create(module=module, created_at=datetime(2026, 3, 6, 0, 30, tzinfo=paris))
    RunLog.objects.create(module=module, created_at=datetime(2026, 3, 4, 23, 59, tzinfo=paris))

    response = staff_client.get("/runs/", {"since": "2026-03-05", "until": "2026-03-05"})

    assert run_ids(response) == [late.id]
