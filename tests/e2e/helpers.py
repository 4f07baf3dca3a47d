"""What the browser tests share."""

from axe_playwright_python.sync_playwright import Axe

from tests.paths import ROOT

# How long to wait for a detached run to end: a bound on the wait, not a duration under test.
RUN_WAIT_MS = 180_000
SCREENSHOTS = ROOT / "test-results" / "screenshots"
# Every page must work on a desktop and on a phone.
WIDTHS = (1280, 390)
# axe-core's impacts that fail a page.
SERIOUS = {"serious", "critical"}
AXE = Axe()


def wait_for_run_end(page):
    """Wait until the run page stops polling, i.e. the run has finished."""
    page.locator("#run-live:not([hx-get])").wait_for(timeout=RUN_WAIT_MS)
