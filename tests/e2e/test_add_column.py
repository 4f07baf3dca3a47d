import pytest
from playwright.sync_api import expect


@pytest.mark.e2e
def test_a_column_added_from_the_module_page_reaches_the_table_and_the_schema(
    page, shot, erp_to_dw, orders_copy_module
):
    module = orders_copy_module
    page.goto(f"/modules/{module.pk}/")
    page.get_by_role("link", name="+ add column").click()

    page.fill("#id_dest_name", "total")
    page.fill("#id_dest_type", "varchar(80)")
    page.fill("#id_source_query", 'SELECT id, total, "Customer" FROM orders')
    page.get_by_role("button", name="Add column").click()
    expect(page.locator(".message.error")).to_have_text("orders already has a column named total.")
    shot("add-column-refused")

    page.fill("#id_dest_name", "customer")
    page.fill("#id_description", "Who ordered")
    shot("add-column")
    page.get_by_role("button", name="Add column").click()

    expect(page.locator(".message.success")).to_have_text("Added column customer (c3) to public.orders_copy.")
    schema_row = page.locator("#schema tbody tr").last
    expect(schema_row).to_contain_text("c3")
    expect(schema_row).to_contain_text("varchar(80)")
    shot("module-detail")
    assert erp_to_dw.dest_db.rows(
        "SELECT column_name, col_description('public.orders_copy'::regclass, ordinal_position) "
        "FROM information_schema.columns WHERE table_name = 'orders_copy' ORDER BY ordinal_position"
    ) == [("id", None), ("total", None), ("customer", "Who ordered")]
