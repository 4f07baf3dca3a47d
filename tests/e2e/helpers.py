"""What the browser tests share."""

from tests.paths import ROOT

SCREENSHOTS = ROOT / "test-results" / "screenshots"

# How long to wait for a detached run to end: a bound on the wait, not a duration under test.
RUN_WAIT_MS = 180_000


def wait_for_run_end(page):
    """Wait until the run page stops polling, i.e. the run has finished."""
    page.locator("#run-live:not([hx-get])").wait_for(timeout=RUN_WAIT_MS)


# The widths every page is seen at: a desktop and a phone.
SCREENSHOT_WIDTHS = (1280, 390)


def screenshot(page, name):
    """Save the whole page at each of SCREENSHOT_WIDTHS as test-results/screenshots/<name>-<width>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in SCREENSHOT_WIDTHS:
        page.set_viewport_size({"width": width, "height": size["height"]})
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)
