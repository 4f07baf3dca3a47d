import pytest
from playwright.sync_api import expect


@pytest.mark.e2e
def test_the_wizard_names_a_missing_secret_and_how_to_set_it(page, shot, erp_to_dw):
    erp_to_dw.source.password = "$PK_E2E_NEVER_SET"
    erp_to_dw.source.save()

    page.goto("/modules/new/")
    page.select_option("#id_source", label="erp")
    page.select_option("#id_dest", label="dw")
    page.get_by_role("button", name="Browse a table").click()

    error = page.locator("pre.error")
    expect(error).to_contain_text(
        "the password of connection erp: secret PK_E2E_NEVER_SET is not in the secrets file"
    )
    expect(error).to_contain_text("set it with: manage.py secrets set PK_E2E_NEVER_SET")
    shot("wizard-missing-secret")
