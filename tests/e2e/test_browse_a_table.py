import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import wait_for_run_end


@pytest.mark.e2e
def test_a_module_made_by_browsing_a_table_runs_and_fills_its_table(page, shot, erp_to_dw):
    shot("module-list")
    page.get_by_role("link", name="+ New module").click()
    page.select_option("#id_source", label="erp")
    page.select_option("#id_dest", label="dw")
    shot("wizard-start")
    page.get_by_role("button", name="Browse a table").click()

    page.get_by_role("link", name="public", exact=True).click()
    shot("wizard-tables")
    page.get_by_role("link", name="orders", exact=True).click()

    expect(page.locator("h1")).to_have_text("Columns of public.orders")
    grid = page.locator("table.column-grid")
    expect(grid.locator('input[value="customer"]')).to_be_visible()
    expect(grid.locator('input[value="varchar(80)"]')).to_be_visible()
    expect(grid.locator('input[value="Who ordered"]')).to_be_visible()
    shot("wizard-columns")
    page.get_by_role("button", name="Next: destination and strategy").click()

    expect(page.locator("h1")).to_have_text("Destination and strategy")
    expect(page.locator("#id_source_query")).to_have_value(
        'SELECT "id", "Customer", "total", "updated_at" FROM "public"."orders"'
    )
    page.fill("#id_name", "orders_browse")
    page.fill("#id_dest_table", "public.orders_copy")
    page.select_option("#id_strategy", "incremental")
    page.fill("#id_merge_key", "id")
    shot("wizard-create")
    page.get_by_role("button", name="Create").click()

    expect(page.locator(".message.success")).to_contain_text("Created table public.orders_copy on dw")
    expect(page.locator("h1")).to_contain_text("orders_browse")
    shot("module-detail")
    page.get_by_role("button", name="Run", exact=True).click()

    wait_for_run_end(page)
    expect(page.locator("h1 .pill")).to_have_text("Success")
    expect(page.locator("#live-log")).to_contain_text("2 rows")
    shot("run-success")
    page.get_by_role("link", name="Runs", exact=True).click()
    expect(page.locator("table")).to_contain_text("orders_browse")
    shot("run-history")
    assert erp_to_dw.dest_db.rows(
        "SELECT id, customer, total::text, updated_at::text FROM public.orders_copy ORDER BY id"
    ) == [(1, "Ada", "12.50", "2024-01-01 10:00:00.000001"), (2, None, None, "2024-01-02 00:00:00")]
