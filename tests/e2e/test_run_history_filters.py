import pytest
from playwright.sync_api import expect

from syncs.models import RunLog, Status
from tests.e2e.helpers import check_page


@pytest.mark.e2e
def test_run_history_says_when_no_run_matches_and_refuses_a_bad_value(page, make_items_module):
    RunLog.objects.create(module=make_items_module(), status=Status.SUCCESS)
    page.get_by_role("link", name="Runs", exact=True).click()
    page.get_by_label("status").select_option("error")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("main")).to_contain_text("No runs match these filters.")
    check_page(page, "run-history-no-match")

    page.goto("/runs/?status=exploded&since=2026-03-05&until=2026-03-01")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "Status: Select a valid choice. exploded is not one of the available choices."
    )
    expect(alert).to_contain_text("The “to” day is before the “from” day.")
    expect(page.locator("table.runs")).to_have_count(0)
    check_page(page, "run-history-bad-filter")
