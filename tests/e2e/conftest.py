"""Headless Chromium (Debian's own, never a downloaded one) against pytest-django's live server.

The live server and the detached run processes share the state database file, so these
tests use transactional_db: the rows they create are committed where the others see them."""

import re

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.helpers import SCREENSHOTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OPERATOR = ("operator", "operator-password")


@pytest.fixture(autouse=True)
def allow_orm_beside_playwright(monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls made by the
    # test itself (fixtures, checks) would otherwise be refused as "async unsafe". Only for these
    # tests: set for the whole process, it leaks into the commands other tests start.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    # One per test: Playwright's event loop must not outlive the e2e tests, or every later
    # test's ORM call in this thread would be refused as "async unsafe".
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db, django_user_model):
    """A browser page on the live server, logged in as a staff user with the editor role."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(OPERATOR[0], password=OPERATOR[1], is_staff=True)
    user.groups.add(Group.objects.get(name="editor"))
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Chromium reports each script or style the Content-Security-Policy refused on the console.
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    response = page.goto("/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", OPERATOR[0])
    page.fill("#id_password", OPERATOR[1])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "login.png")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()
    assert refused == [], "the browser refused content under the Content-Security-Policy"


@pytest.fixture
def shot(page, request):
    """Return shot(name): save the whole page as test-results/screenshots/<test>-<nn>-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"^test_", "", request.node.name)
    taken = []

    def take(name):
        taken.append(name)
        page.screenshot(path=SCREENSHOTS / f"{test}-{len(taken):02d}-{name}.png", full_page=True)

    return take
