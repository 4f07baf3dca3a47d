"""The run queue as the Queue page, doctor and /health see it: runs waiting and running, and
(executor: queue) the workers with their heartbeats."""

import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from pipekit_site.models import QueueWorker
from scheduling.models import GroupRun
from syncs.models import Module, RunLog, Status

# doctor fails when no worker sent a heartbeat this recently.
WORKER_SEEN_WITHIN = timedelta(minutes=1)


@dataclass
class Waiting:
    """A queued run (a RunLog or a GroupRun) and what it waits for, in words."""

    run: object
    waits_for: str

    @property
    def is_group_run(self):
        return isinstance(self.run, GroupRun)


@dataclass
class Worker:
    """A worker as procrastinate knows it (id, heartbeat) with who it is (QueueWorker), if known."""

    procrastinate_id: int
    last_heartbeat: object
    name: str = ""
    host: str = ""
    pid: int | None = None

    @property
    def silent_for(self):
        return timezone.now() - self.last_heartbeat


def queued_runs():
    """The queued module and group runs, oldest first, each with what it waits for."""
    runs = list(RunLog.objects.filter(status=Status.QUEUED).select_related("module"))
    group_runs = list(GroupRun.objects.filter(status=Status.QUEUED).select_related("group"))
    holders = dict(
        Module.objects.filter(pk__in={r.module_id for r in runs}, running_run__isnull=False).values_list(
            "pk", "running_run"
        )
    )
    waiting = [Waiting(run, waits_for(run, holders.get(run.module_id))) for run in runs]
    waiting += [Waiting(group_run, free_worker()) for group_run in group_runs]
    return sorted(waiting, key=lambda w: (w.run.created_at, w.run.pk))


def waits_for(run, holder_id):
    """What the queued run waits for: another run's module lock, else what its live log said last
    (a connection's cap says so there), else a worker or its process."""
    if holder_id is not None and holder_id != run.pk:
        return f"the module lock of run {holder_id}"
    last = run.live_log.strip().splitlines()
    return last[-1] if last else free_worker()


def free_worker():
    return "a free worker" if settings.PIPEKIT_EXECUTOR == "queue" else "its process to start"


def running_runs():
    """The running module and group runs, oldest start first."""
    runs = list(RunLog.objects.filter(status=Status.RUNNING).select_related("module"))
    runs += GroupRun.objects.filter(status=Status.RUNNING).select_related("group")
    return sorted(runs, key=lambda r: (r.started_at, r.pk))


def workers():
    """Every worker procrastinate knows (live or silent, until a starting worker prunes it), by
    name; an empty list with executor: local."""
    if settings.PIPEKIT_EXECUTOR != "queue":
        return []
    # Imported here: procrastinate is an installed app only with executor: queue.
    from procrastinate.contrib.django.models import ProcrastinateWorker

    known = {w.procrastinate_id: w for w in QueueWorker.objects.all()}
    found = []
    for row in ProcrastinateWorker.objects.order_by("id"):
        who = known.get(row.id)
        found.append(
            Worker(row.id, row.last_heartbeat, who.name, who.host, who.pid)
            if who
            else Worker(row.id, row.last_heartbeat)
        )
    return sorted(found, key=lambda w: (w.name, w.procrastinate_id))


def depth():
    """(how many runs are queued, the oldest queued run's age in seconds or None)."""
    queued = [
        model.objects.filter(status=Status.QUEUED).aggregate(count=Count("pk"), oldest=Min("created_at"))
        for model in (RunLog, GroupRun)
    ]
    oldest = min((q["oldest"] for q in queued if q["oldest"]), default=None)
    age = round((timezone.now() - oldest).total_seconds()) if oldest else None
    return sum(q["count"] for q in queued), age


def register_worker(procrastinate_id, name):
    """Record who the worker with procrastinate's id procrastinate_id is (this process)."""
    QueueWorker.objects.update_or_create(
        procrastinate_id=procrastinate_id,
        defaults={"name": name, "host": socket.gethostname(), "pid": os.getpid()},
    )


def unregister_worker(procrastinate_id):
    QueueWorker.objects.filter(procrastinate_id=procrastinate_id).delete()


def prune_gone_workers():
    """Forget the workers procrastinate no longer knows (pruned after they died)."""
    from procrastinate.contrib.django.models import ProcrastinateWorker

    QueueWorker.objects.exclude(procrastinate_id__in=ProcrastinateWorker.objects.values("id")).delete()
