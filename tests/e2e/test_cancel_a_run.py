import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import RUN_WAIT_MS, wait_for_run_end


@pytest.mark.e2e
def test_a_long_run_cancelled_from_its_page_leaves_the_table_as_it_was(page, shot, erp_to_dw, make_module):
    erp_to_dw.dest_db.execute(
        "CREATE TABLE public.slow (id integer); INSERT INTO public.slow VALUES (7), (8)"
    )
    module = make_module(
        erp_to_dw.source,
        erp_to_dw.dest,
        name="slow",
        columns=[("id", "integer")],
        # Sleeps before its one row, far longer than the test waits.
        source_query="SELECT 1 AS id FROM pg_sleep(600)",
        dest_table="public.slow",
    )
    page.goto(f"/modules/{module.pk}/")
    page.get_by_role("button", name="Run", exact=True).click()

    expect(page.locator("h1 .pill")).to_have_text("Running", timeout=RUN_WAIT_MS)
    expect(page.locator("#live-log")).to_contain_text("jrunner started", timeout=RUN_WAIT_MS)
    shot("run-running")
    page.get_by_role("button", name="Cancel run").click()

    wait_for_run_end(page)
    expect(page.locator("h1 .pill")).to_have_text("Cancelled")
    shot("run-cancelled")
    assert erp_to_dw.dest_db.rows("SELECT id FROM public.slow ORDER BY id") == [(7,), (8,)]
