"""doctor with `executor: queue`: it fails while no `manage.py worker` sent a heartbeat within
the last minute. Only with tests/config-queue.yaml, as the Makefile's QUEUE_TESTS run them."""

import pytest

from pipekit_site.doctor import check_workers, run_checks
from tests.queue import needs_queue

pytestmark = [pytest.mark.django_db(transaction=True), needs_queue]


def test_it_fails_when_no_worker_was_ever_seen(queue_jobs):
    assert check_workers() == (
        False,
        "no worker seen in the last minute (none registered): queued runs wait; start manage.py worker",
    )
    assert ("queue workers", False) in [(name, ok) for name, ok, _ in run_checks()]


def test_it_passes_while_a_worker_beats(start_workers):
    start_workers("w1")

    assert check_workers() == (True, "1 seen in the last minute: w1")
