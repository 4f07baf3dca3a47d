import pytest
from playwright.sync_api import expect

from scheduling.models import Group
from syncs.models import RunLog, Status
from tests.e2e.helpers import check_page


def listed(page):
    return page.locator("table.modules tbody td:first-child strong").all_inner_texts()


@pytest.mark.e2e
def test_the_module_list_is_searched_by_name_group_connection_and_status(page, make_items_module):
    orders, customers, invoices = (
        make_items_module(name=name) for name in ["orders", "customers", "invoices"]
    )
    Group.objects.create(name="nightly").add_member(orders)
    RunLog.objects.create(module=customers, status=Status.ERROR)
    page.goto("/")
    assert listed(page) == ["customers", "invoices", "orders"]

    page.get_by_label("name").fill("ice")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.modules")).to_contain_text("invoices")
    assert listed(page) == ["invoices"]

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("group").fill("night")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.modules tbody tr")).to_have_count(1)
    assert listed(page) == ["orders"]

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("status").select_option("error")
    page.get_by_label("connection").fill("source")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.modules tbody tr")).to_have_count(1)
    assert listed(page) == ["customers"]
    check_page(page, "module-list-search")

    page.get_by_label("name").fill("nothing like it")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("No module matches.")
