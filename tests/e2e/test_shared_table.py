import pytest
from playwright.sync_api import expect

from syncs.models import Module
from tests.e2e.helpers import check_page


@pytest.fixture
def loader_of_orders(orders_copy_module):
    """A module `orders` loading dw's public.orders_copy."""
    return orders_copy_module


@pytest.mark.e2e
def test_the_wizard_names_another_module_loading_the_table_and_creates_only_when_asked(
    page, loader_of_orders
):
    page.goto("/modules/new/")
    page.select_option("#id_source", label="erp")
    page.select_option("#id_dest", label="dw")
    page.get_by_role("button", name="Write SQL").click()
    page.fill("#id_source_query", "SELECT id, total FROM orders")
    page.get_by_role("button", name="Read its columns").click()

    page.fill("#id_name", "orders_twice")
    page.fill("#id_dest_table", "orders_copy")
    page.get_by_role("button", name="Create", exact=True).click()
    warning = page.locator("#sharing")
    expect(warning).to_contain_text("Another module loads this table")
    expect(warning).to_contain_text("orders loads public.orders_copy on dw")
    check_page(page, "wizard-create-shared-table")
    assert not Module.objects.filter(name="orders_twice").exists()

    warning.get_by_role("button", name="Create anyway").click()
    expect(page.locator(".message.success")).to_contain_text(
        "Saved module orders_twice into the existing orders_copy"
    )


@pytest.mark.e2e
def test_the_editor_names_another_module_loading_the_same_table(
    page, loader_of_orders, make_module, erp_to_dw
):
    other = make_module(
        erp_to_dw.source,
        erp_to_dw.dest,
        name="orders_too",
        columns=[("id", "integer")],
        source_query="SELECT id FROM orders",
        dest_table="orders_copy",
    )
    page.goto(f"/modules/{other.pk}/edit")
    warning = page.locator("#sharing")
    expect(warning).to_contain_text("Another module loads this table")
    expect(warning.get_by_role("link", name="orders", exact=True)).to_be_visible()
    check_page(page, "module-edit-shared-table")
