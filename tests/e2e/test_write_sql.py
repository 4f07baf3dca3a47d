import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import wait_for_run_end

QUERY = (
    'SELECT id, "Customer" AS customer, total * 2 AS doubled, updated_at '
    "FROM orders WHERE updated_at >= '{since}'"
)


@pytest.mark.e2e
def test_a_module_made_from_sql_with_a_watermark_runs_and_fills_its_table(page, shot, erp_to_dw):
    page.goto("/modules/new/")
    page.select_option("#id_source", label="erp")
    page.select_option("#id_dest", label="dw")
    page.get_by_role("button", name="Write SQL").click()

    page.fill("#id_source_query", "SELECT id, nope FROM orders")
    page.get_by_role("button", name="Read its columns").click()
    expect(page.locator("pre.error")).to_contain_text('column "nope" does not exist')
    shot("wizard-sql-error")

    page.fill("#id_source_query", QUERY)
    shot("wizard-sql")
    page.get_by_role("button", name="Read its columns").click()

    expect(page.locator("h1")).to_have_text("Destination and strategy")
    expect(page.locator("#id_source_query")).to_have_value(QUERY)
    expect(page.locator("#id_columns-2-dest_name")).to_have_value("doubled")
    expect(page.locator("#id_columns-2-dest_type")).to_have_value("numeric")
    expect(page.get_by_text("Its columns were read with")).to_contain_text("{since} = 1970-01-01")
    warning = page.locator("#token-warning")
    expect(warning).to_have_text("The query uses {since} but no watermark has that name.")
    shot("wizard-create-token-warning")

    page.fill("#id_watermarks-0-name", "since")
    page.fill("#id_watermarks-0-resolver_sql", "SELECT max(updated_at)::text FROM public.orders_sql")
    page.fill("#id_watermarks-0-default_value", "2024-01-02")
    expect(warning).to_be_hidden()
    page.get_by_role("button", name="+ add a watermark").click()
    page.fill("#id_watermarks-1-name", "unused")
    expect(warning).to_have_text("Not used in the query: watermark unused.")
    page.fill("#id_watermarks-1-name", "")
    expect(warning).to_be_hidden()
    page.fill("#id_name", "orders_sql")
    page.fill("#id_dest_table", "public.orders_sql")
    shot("wizard-create")
    page.get_by_role("button", name="Create").click()

    expect(page.locator(".message.success")).to_contain_text("Created table public.orders_sql on dw")
    shot("module-detail")
    page.get_by_role("button", name="Run", exact=True).click()

    wait_for_run_end(page)
    expect(page.locator("h1 .pill")).to_have_text("Success")
    expect(page.locator("#live-log")).to_contain_text("finished: success")
    shot("run-success")
    assert erp_to_dw.dest_db.rows("SELECT id, customer, doubled::text FROM public.orders_sql") == [
        (2, None, None)
    ]
