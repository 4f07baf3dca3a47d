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


def check_page(page, name):
    """Look at the page at 1280 px and 390 px wide, as a user would: save a screenshot of each
    (test-results/screenshots/<name>-<width>.png) and assert that the page never scrolls sideways
    (a wide table scrolls inside its box) and that axe-core finds no serious or critical
    accessibility violation. The page is left at the width it had.

    axe-core is injected through Playwright, which the Content-Security-Policy does not govern."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": size["height"]})
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        sideways = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if sideways > 0:
            problems.append(f"{name} at {width} px scrolls {sideways} px sideways")
        for violation in AXE.run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                where = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
                problems.append(f"{name} at {width} px: {violation['id']} ({violation['help']}): {where}")
    page.set_viewport_size(size)
    assert not problems, "\n".join(problems)
