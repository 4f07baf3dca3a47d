#!/usr/bin/env python3
"""The run starter of bench/queue.sh: starts runs as the web and the API do (start_detached_run,
through the executor PIPEKIT_CONFIG names), waits for them, and prints what their run logs say.

  bench/queue_runs.py many RUNS PREFIX   RUNS runs over the modules named PREFIX*, each module's
                                         next run started as soon as its last one ends
  bench/queue_runs.py one MODULE         one run of MODULE; also prints the wall time from the
                                         start until this process sees it finished

Prints `key value` lines for bench/queue.sh; exits 1 if a run did not end `success`."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipekit_site.settings")

import django  # noqa: E402

django.setup()

from syncs.detached import start_detached_run  # noqa: E402
from syncs.locks import ModuleLocked  # noqa: E402
from syncs.models import Module, RunLog, Status  # noqa: E402


def run_many(total, prefix):
    """Start total runs spread evenly over the modules, one at a time per module (its lock)."""
    modules = list(Module.objects.filter(name__startswith=prefix).order_by("name"))
    left = {module.pk: total // len(modules) + (i < total % len(modules)) for i, module in enumerate(modules)}
    running = {}  # module pk -> its run's pk
    started = []
    while any(left.values()) or running:
        ended = RunLog.objects.filter(pk__in=running.values()).exclude(status__in=Status.unfinished())
        for module_id in ended.values_list("module_id", flat=True):
            del running[module_id]
        for module in modules:
            if left[module.pk] and module.pk not in running:
                try:
                    run = start_detached_run(module, trigger="api")
                except ModuleLocked:
                    continue  # its last run ended but has not released the lock yet
                running[module.pk] = run.pk
                started.append(run.pk)
                left[module.pk] -= 1
        time.sleep(0.1)
    return RunLog.objects.filter(pk__in=started)


def report(runs):
    runs = list(runs.select_related("module").order_by("pk"))
    first = min(run.created_at for run in runs)
    last = max(run.finished_at for run in runs)
    minutes = (last - first).total_seconds() / 60
    print("runs", len(runs))
    failed = [run for run in runs if run.status != Status.SUCCESS]
    print("failed", len(failed))
    for run in failed[:3]:
        print(f"run {run.pk} of {run.module.name} ended {run.status}: {run.error}", file=sys.stderr)
    print("elapsed_s", f"{minutes * 60:.1f}")
    print("runs_per_minute", f"{len(runs) / minutes:.1f}")
    print("median_run_s", f"{statistics.median(seconds(r.started_at, r.finished_at) for r in runs):.2f}")
    print("median_queued_s", f"{statistics.median(seconds(r.created_at, r.finished_at) for r in runs):.2f}")
    print("most_at_once", most_at_once(runs))
    # Workers for the queue, one process per run for the local executor.
    print("processes", len({(run.host, run.worker or run.pid) for run in runs}))
    return not failed


def seconds(start, end):
    return (end - start).total_seconds()


def most_at_once(runs):
    """The highest number of runs running (started, not finished) at the same moment."""
    events = sorted([(r.started_at, 1) for r in runs] + [(r.finished_at, -1) for r in runs])
    at_once = most = 0
    for _, step in events:
        at_once += step
        most = max(most, at_once)
    return most


def run_one(name):
    module = Module.objects.get(name=name)
    t0 = time.monotonic()
    run = start_detached_run(module, trigger="api")
    while RunLog.objects.filter(pk=run.pk, status__in=Status.unfinished()).exists():
        time.sleep(0.01)
    wall = time.monotonic() - t0
    run.refresh_from_db()
    print("wall_s", f"{wall:.3f}")
    print("run_s", f"{seconds(run.started_at, run.finished_at):.3f}")
    print("queued_s", f"{seconds(run.created_at, run.finished_at):.3f}")
    if run.status != Status.SUCCESS:
        print(f"run {run.pk} of {name} ended {run.status}: {run.error}", file=sys.stderr)
    return run.status == Status.SUCCESS


if __name__ == "__main__":
    if sys.argv[1] == "many":
        ok = report(run_many(int(sys.argv[2]), sys.argv[3]))
    else:
        ok = run_one(sys.argv[2])
    sys.exit(0 if ok else 1)
