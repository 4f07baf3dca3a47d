import pytest
from playwright.sync_api import expect

from connections import secrets
from connections.models import Connection
from tests.e2e.helpers import check_page

PASSWORD = "e2e-Pa55word"


@pytest.fixture
def secrets_file(settings, tmp_path):
    # The live server runs in this process, so the setting reaches its views.
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    return settings.PIPEKIT_SECRETS_FILE


@pytest.mark.e2e
def test_a_connection_is_created_its_password_set_and_tested_from_the_page(
    page, pg_db, drivers, secrets_file
):
    page.goto("/")
    page.get_by_role("link", name="Connections").click()
    expect(page.locator("h1")).to_have_text("Connections")
    page.get_by_role("link", name="New connection").click()

    page.fill("#id_name", "warehouse")
    page.select_option("#id_driver", label="postgres")
    page.fill("#id_jdbc_url", pg_db.jdbc_url)
    page.fill("#id_username", pg_db.username)
    page.fill("#id_password", "$WAREHOUSE_PASSWORD")
    check_page(page, "connection-new")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.warning")).to_contain_text(
        "its secret WAREHOUSE_PASSWORD is not in the secrets file"
    )
    check_page(page, "connection-missing-secret")

    page.fill("#id_new_password", PASSWORD)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message.success")).to_have_text(
        "Saved warehouse; its password is stored as $WAREHOUSE_PASSWORD."
    )
    expect(page.locator("#id_new_password")).to_have_value("")
    assert PASSWORD not in page.content()
    assert secrets.read() == {"WAREHOUSE_PASSWORD": PASSWORD}

    page.get_by_role("button", name="Test connection").click()
    expect(page.locator(".message.success")).to_contain_text("warehouse: connected to PostgreSQL ")
    check_page(page, "connection-tested")

    page.get_by_role("link", name="All connections").click()
    row = page.locator("#connections tr", has_text="warehouse")
    expect(row).to_contain_text("$WAREHOUSE_PASSWORD set")
    expect(row).to_contain_text("no module")
    check_page(page, "connection-list")
    assert Connection.objects.get(name="warehouse").password == "$WAREHOUSE_PASSWORD"
