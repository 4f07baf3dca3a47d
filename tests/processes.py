"""Runs in processes of their own, as cron or the web starts them, for tests that kill them."""

import re
import subprocess
import sys
import time

from django.conf import settings

from syncs.models import RunLog


def start_command_until_logged(args, text, runs=None):
    """Start `manage.py *args` in a process of its own and return the process once a run (of the
    queryset runs, default all) shows text in its live log."""
    runs = RunLog.objects.all() if runs is None else runs
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not runs.filter(live_log__contains=text).exists():
        assert process.poll() is None and time.monotonic() < deadline, f"{args} never logged {text!r}"
        time.sleep(0.1)
    return process


def process_alive(pid):
    """Whether pid runs (a zombie waiting for its reaper has stopped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def jrunner_pids(live_log):
    """The pids of the jrunner JVMs a run's live log says it started."""
    return {int(pid) for pid in re.findall(r"jrunner started \(pid (\d+)\)", live_log)}
