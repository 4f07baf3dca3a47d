import pytest
from playwright.sync_api import expect

from syncs.models import RunLog
from tests.e2e.helpers import wait_for_run_end


@pytest.mark.e2e
def test_run_clicked_twice_at_once_starts_one_run_and_no_failure_shows(page, shot, orders_copy_module):
    # Chromium sends one POST for a double click on one page: two tabs click as a user's second
    # click, or a colleague's, would land while the first run is still being started.
    module = orders_copy_module
    other = page.context.new_page()
    for tab in (page, other):
        tab.goto(f"/modules/{module.pk}/")

    page.get_by_role("button", name="Run", exact=True).click()
    other.get_by_role("button", name="Run", exact=True).click()

    expect(other.locator(".message.error")).to_contain_text("Not started: orders is already running (run ")
    wait_for_run_end(other)
    expect(other.locator("h1 .pill")).to_have_text("Success")
    shot("run-clicked-twice")
    (run,) = RunLog.objects.all()
    assert run.status == "success"
    page.goto("/")
    expect(page.locator(f"#module-{module.pk} .pill")).to_have_text("Success")
