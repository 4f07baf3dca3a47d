"""What the browser tests share."""

# How long to wait for a detached run to end: a bound on the wait, not a duration under test.
RUN_WAIT_MS = 180_000


def wait_for_run_end(page):
    """Wait until the run page stops polling, i.e. the run has finished."""
    page.locator("#run-live:not([hx-get])").wait_for(timeout=RUN_WAIT_MS)
