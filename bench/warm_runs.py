"""Run a module through the run queue N times in a row and print its durations (bench/warm.sh).

    PIPEKIT_CONFIG=… python bench/warm_runs.py MODULE N

Each run is enqueued as the web would (start_detached_run) for a worker already running; prints
the median run's started → finished and enqueued → finished seconds, then the resident memory
(KiB) and the pid of the worker's warm jrunner (the one its last run's live log names)."""

import os
import re
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipekit_site.settings")
django.setup()

from syncs.detached import start_detached_run  # noqa: E402
from syncs.models import Module, RunLog, Status  # noqa: E402

JRUNNER_PID = re.compile(r"jrunner started \(pid (\d+)\)")


def run_once(module):
    enqueued = time.monotonic()
    run = start_detached_run(module, trigger="api")
    while RunLog.objects.filter(pk=run.pk, status__in=Status.unfinished()).exists():
        time.sleep(0.005)
    waited = time.monotonic() - enqueued
    # The lock is released just after the run is recorded finished.
    while Module.objects.filter(pk=module.pk, running_run__isnull=False).exists():
        time.sleep(0.005)
    run.refresh_from_db()
    if run.status != Status.SUCCESS:
        sys.exit(f"run {run.pk} ended {run.status}: {run.error}")
    return (run.finished_at - run.started_at).total_seconds(), waited, run


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main(name, count):
    module = Module.objects.get(name=name)
    durations, waits, run = [], [], None
    for _ in range(count):
        duration, waited, run = run_once(module)
        durations.append(duration)
        waits.append(waited)
    pids = JRUNNER_PID.findall(run.live_log)
    pid = int(pids[-1]) if pids else 0
    rss = rss_kib(pid) if pid else 0
    print(f"{statistics.median(durations):.3f} {statistics.median(waits):.3f} {rss} {pid}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
