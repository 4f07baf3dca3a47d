"""A dry run from the module page: it checks the query on the source and fails like a run would,
and it never hides the module's last real outcome on the list."""

import pytest
from playwright.sync_api import expect

from syncs.models import Module
from tests.e2e.helpers import check_page, wait_for_run_end


@pytest.mark.e2e
def test_a_dry_run_of_a_broken_query_ends_in_error_naming_the_syntax_error(page, orders_copy_module):
    Module.objects.filter(pk=orders_copy_module.pk).update(source_query="SELEC id, total FROM orders")
    page.goto(f"/modules/{orders_copy_module.pk}/")

    page.get_by_role("button", name="Dry run").click()

    wait_for_run_end(page)
    expect(page.locator("h1 .pill")).to_have_text("Error")
    expect(page.locator("main")).to_contain_text("syntax error")
    check_page(page, "run-dry-run-syntax-error")


@pytest.mark.e2e
def test_a_dry_run_after_a_real_run_leaves_the_real_outcome_on_the_list(page, orders_copy_module):
    module = orders_copy_module
    page.goto(f"/modules/{module.pk}/")
    page.get_by_role("button", name="Run", exact=True).click()
    wait_for_run_end(page)
    expect(page.locator("h1 .pill")).to_have_text("Success")

    page.goto(f"/modules/{module.pk}/")
    page.get_by_role("button", name="Dry run").click()
    wait_for_run_end(page)
    expect(page.locator("h1 .pill")).to_have_text("Dry Run")

    page.goto("/")
    expect(page.locator(f"#module-{module.pk} .pill")).to_have_text("Success")
    check_page(page, "module-list-after-dry-run")
