import pytest
from playwright.sync_api import expect

from scheduling.models import Group, Schedule
from tests.e2e.helpers import check_page


@pytest.mark.e2e
def test_a_schedule_and_its_group_are_paused_and_resumed_from_the_group_page(page, db):
    group = Group.objects.create(name="nightly")
    schedule = Schedule.objects.create(group=group, cron="30 2 * * *", timezone="Europe/Paris")
    page.goto(f"/groups/{group.id}/")
    expect(page.locator(".fire-times li")).to_have_count(5)

    page.get_by_role("button", name="Pause the schedule 30 2 * * *").click()
    expect(page.locator(".message.success")).to_contain_text(
        "Paused the schedule 30 2 * * * (at 02:30, Europe/Paris)"
    )
    expect(page.locator(".fire-times")).to_have_count(0)
    check_page(page, "group-detail-schedule-paused")
    schedule.refresh_from_db()
    assert not schedule.enabled

    page.get_by_role("button", name="Pause group").click()
    expect(page.locator("h1 .badge")).to_have_text("paused")
    check_page(page, "group-detail-group-paused")
    page.get_by_role("button", name="Resume group").click()
    page.get_by_role("button", name="Resume the schedule 30 2 * * *").click()
    expect(page.locator(".fire-times li")).to_have_count(5)
    group.refresh_from_db()
    schedule.refresh_from_db()
    assert group.enabled and schedule.enabled
