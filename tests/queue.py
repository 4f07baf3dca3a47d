"""Helpers of the run queue's tests (`executor: queue`, tests/config-queue.yaml): they run only
with that config, as the Makefile's QUEUE_TESTS do; the fixtures are in tests/conftest.py."""

import time
from pathlib import Path

import pytest
from django.conf import settings

from syncs.models import RunLog

needs_queue = pytest.mark.skipif(
    settings.PIPEKIT_EXECUTOR != "queue",
    reason="needs executor: queue (PIPEKIT_CONFIG=tests/config-queue.yaml)",
)


def wait_logged(run, text):
    """Wait until the run's live log shows text (a step a worker reached)."""
    deadline = time.monotonic() + 120
    while not RunLog.objects.filter(pk=run.pk, live_log__contains=text).exists():
        assert time.monotonic() < deadline, f"run {run.pk} never logged {text!r}"
        time.sleep(0.2)


def jrunners_watching(pid):
    """The pids of the jrunner processes started by the process pid (JRUNNER_WATCH_PARENT)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"JRUNNER_WATCH_PARENT={pid}".encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue  # gone meanwhile, or another user's
    return found
