import pytest
from playwright.sync_api import expect

from scheduling.models import Group
from tests.e2e.helpers import check_page


def member_names(page):
    return page.locator("#member-rows td:nth-child(2)").all_inner_texts()


@pytest.mark.e2e
def test_a_group_is_made_ordered_and_scheduled_without_the_admin(page, make_items_module):
    for name in ["orders", "customers", "invoices"]:
        make_items_module(name=name)
    page.get_by_role("link", name="Groups", exact=True).click()
    check_page(page, "group-list-empty")
    page.get_by_role("link", name="+ New group").click()
    page.get_by_label("Name").fill("nightly")
    page.get_by_label("A failed member stops the rest").check()
    check_page(page, "group-new")
    page.get_by_role("button", name="Create group").click()

    expect(page.locator("h1")).to_have_text("Edit nightly")
    for name in ["orders", "customers", "invoices"]:
        page.get_by_label("Module to add").select_option(label=name)
        page.get_by_role("button", name="Add member").click()
    assert member_names(page) == ["orders", "customers", "invoices"]

    page.get_by_role("button", name="Move invoices up").click()
    expect(page.locator("#member-rows")).to_contain_text("invoices")
    assert member_names(page) == ["orders", "invoices", "customers"]
    # Drag the last row onto the first: the new order is saved with the page's order form.
    page.locator("#member-rows tr").nth(2).drag_to(
        page.locator("#member-rows tr").nth(0), target_position={"x": 5, "y": 2}
    )
    expect(page.locator(".message.success")).to_have_text("Saved the run order.")
    assert member_names(page) == ["customers", "orders", "invoices"]

    page.get_by_label("Cron expression").fill("0 4 * * 1-5")
    page.get_by_label("Time zone").fill("America/New_York")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#schedule-preview")).to_contain_text("at 04:00 on weekdays, America/New_York")
    expect(page.locator("#schedule-preview li")).to_have_count(5)
    page.get_by_role("button", name="Add schedule").click()
    expect(page.locator(".message.success")).to_contain_text("at 04:00 on weekdays, America/New_York")
    check_page(page, "group-edit")

    page.get_by_role("link", name="← Back to the group").click()
    expect(page.locator("#schedules")).to_contain_text("at 04:00 on weekdays, America/New_York")
    expect(page.locator(".fire-times li")).to_have_count(5)
    check_page(page, "group-detail")
    group = Group.objects.get(name="nightly")
    assert group.stop_on_failure
    assert [m.module.name for m in group.members.all()] == ["customers", "orders", "invoices"]
    assert group.schedules.get().timezone == "America/New_York"


@pytest.mark.e2e
def test_a_bad_cron_expression_is_named_on_the_page(page, db):
    group = Group.objects.create(name="nightly")
    page.goto(f"/groups/{group.id}/edit")
    page.get_by_label("Cron expression").fill("0 25 * * *")
    page.get_by_role("button", name="Add schedule").click()
    expect(page.locator("#schedules .errorlist")).to_contain_text("the hour field '25' is not valid (0-23)")
    check_page(page, "group-edit-bad-cron")
    assert not group.schedules.exists()


@pytest.mark.e2e
def test_a_schedule_is_changed_after_a_preview(page, db):
    group = Group.objects.create(name="nightly")
    schedule = group.schedules.create(cron="0 4 * * *", timezone="UTC")
    page.goto(f"/groups/{group.id}/edit")
    page.get_by_role("link", name="Edit the schedule 0 4 * * *").click()
    page.get_by_label("Cron expression").fill("*/15 9-17 * * 1-5")
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#schedule-preview")).to_contain_text(
        "every 15 minutes in hours 9 to 17 on weekdays, Europe/Paris"
    )
    check_page(page, "schedule-edit")
    page.get_by_role("button", name="Save schedule").click()
    expect(page.locator("h1")).to_have_text("Edit nightly")
    expect(page.locator("#schedules")).to_contain_text(
        "every 15 minutes in hours 9 to 17 on weekdays, Europe/Paris"
    )
    schedule.refresh_from_db()
    assert (schedule.cron, schedule.timezone) == ("*/15 9-17 * * 1-5", "Europe/Paris")
