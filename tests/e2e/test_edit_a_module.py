import pytest
from playwright.sync_api import expect

from syncs.models import Module
from tests.e2e.helpers import check_page

NEW_QUERY = "SELECT id, total FROM orders WHERE total IS NOT NULL"


@pytest.mark.e2e
def test_a_module_s_merge_key_and_query_are_changed_on_its_page_after_a_review(page, orders_copy_module):
    module = orders_copy_module
    page.goto(f"/modules/{module.pk}/")
    page.get_by_role("link", name="Edit").click()
    expect(page.locator("h1")).to_have_text("Edit orders")
    check_page(page, "module-edit")

    page.fill("#id_source_query", "SELECT id FROM orders")
    page.get_by_role("button", name="Review changes").click()
    expect(page.locator(".errorlist").first).to_contain_text("The query returns 1 columns but the grid has 2")
    check_page(page, "module-edit-refused")

    page.fill("#id_source_query", NEW_QUERY)
    page.select_option("#id_strategy", "incremental")
    page.fill("#id_merge_key", "id")
    page.get_by_role("button", name="Review changes").click()
    review = page.locator("#review")
    expect(review).to_contain_text("Merge key")
    expect(review).to_contain_text("incremental")
    expect(review.locator("pre.sql").last).to_have_text(NEW_QUERY)
    check_page(page, "module-edit-review")
    assert Module.objects.get(pk=module.pk).merge_key == []

    page.get_by_role("button", name="Save these changes").click()
    expect(page.locator(".message.success")).to_have_text("Saved orders: 3 changes.")
    expect(page.locator(".facts")).to_contain_text("Incremental")
    module.refresh_from_db()
    assert (module.strategy, module.merge_key, module.source_query) == ("incremental", ["id"], NEW_QUERY)
