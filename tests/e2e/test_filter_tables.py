import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page


@pytest.mark.e2e
def test_the_table_picker_narrows_the_tables_to_a_filter(page, erp_to_dw):
    erp_to_dw.source_db.execute(
        "CREATE TABLE public.order_lines (id int); CREATE TABLE public.customers (id int)"
    )
    page.goto("/modules/new/")
    page.select_option("#id_source", label="erp")
    page.select_option("#id_dest", label="dw")
    page.get_by_role("button", name="Browse a table").click()
    page.get_by_role("link", name="public", exact=True).click()
    expect(page.get_by_role("link", name="customers", exact=True)).to_be_visible()

    page.get_by_label("Filter tables").fill("order")
    page.get_by_role("button", name="Filter").click()

    expect(page.locator("main")).to_contain_text("2 of 3 tables match “order”.")
    expect(page.get_by_role("link", name="customers", exact=True)).to_have_count(0)
    check_page(page, "wizard-tables-filtered")
    page.get_by_role("link", name="order_lines", exact=True).click()
    expect(page.locator("h1")).to_have_text("Columns of public.order_lines")
