from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from syncs.models import RunLog, Status
from tests.e2e.helpers import check_page


@pytest.mark.e2e
def test_the_module_page_charts_its_last_runs_with_failures_marked(page, make_items_module):
    module = make_items_module()
    start = timezone.now() - timedelta(hours=60)
    for i in range(60):
        status = Status.ERROR if i % 17 == 5 else Status.CANCELLED if i == 40 else Status.SUCCESS
        began = start + timedelta(hours=i)
        RunLog.objects.create(
            module=module,
            status=status,
            created_at=began,
            started_at=began,
            finished_at=began + timedelta(seconds=20 + (i * 7) % 40),
            rows_merged=None if status != Status.SUCCESS else 10_000 + i * 350,
        )
    page.goto(f"/modules/{module.id}/")

    chart = page.get_by_role("group", name="The last 50 runs, oldest first")
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name("The last 50 runs, oldest first: duration 20 s to 59 s, 3 failed.")
    expect(page.locator("svg.history-chart path.failed")).to_have_count(3 + 1)
    check_page(page, "module-detail-chart")
    last = RunLog.objects.order_by("-created_at").first()
    page.locator(f'svg.history-chart a[href="/runs/{last.id}/"]').click()
    page.wait_for_url(f"**/runs/{last.id}/")
