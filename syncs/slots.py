"""Caps on runs running at once (docs/ARCHITECTURE.md, "Caps, retries and timeouts").

A queued run starts (queued → running) only through a claim: one short transaction of the state
database in which claims take turns (SQLite: its write lock, taken at BEGIN IMMEDIATE; PostgreSQL:
one transaction-scoped advisory lock), that counts the running runs on each capped connection the
run uses and, with `executor: local`, on this host, and flips the run to running only when every
count is below its cap. Taking turns is what makes count-then-flip safe across processes and hosts;
a claim lasts a few milliseconds. A run that finds no free slot stays queued and asks again every
POLL_SECONDS, its live log saying what it waits for."""

import os
import socket
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from connections.models import Connection
from syncs.models import RunLog, Status

POLL_SECONDS = 1.0
# The advisory lock claims take turns on, on a PostgreSQL state database (any fixed number).
CLAIM_LOCK = 0x70_69_70_65
WAITING = "waiting for "


def used_connections(module):
    """Return the ids of the connections a run of module reads from or writes to: its source, its
    destination, and those its watermarks and enabled hooks run on."""
    ids = {module.source_id, module.dest_id}
    ids |= set(module.watermarks.exclude(connection=None).values_list("connection", flat=True))
    hooks = module.hooks.filter(enabled=True).exclude(connection=None)
    ids |= set(hooks.values_list("connection", flat=True))
    return ids


def _alive(runs):
    """The pks of runs whose process may be alive: one on this host whose pid is gone holds no slot
    (the tick abandons it)."""
    return [run.pk for run in runs.only("pk", "status", "host", "pid") if run.stale_reason() is None]


def _running_on(connection_id):
    uses = (
        Q(module__source=connection_id)
        | Q(module__dest=connection_id)
        | Q(module__watermarks__connection=connection_id)
        | Q(module__hooks__connection=connection_id, module__hooks__enabled=True)
    )
    return RunLog.objects.filter(uses, status=Status.RUNNING).distinct()


def _in_use(what, pks, cap):
    return f"{what}: {len(pks)} of {cap} in use by runs {', '.join(map(str, sorted(pks)))}"


def full_caps(run, connection_ids):
    """Return what keeps the queued run from starting now ('' when nothing does): its start time
    (a retry's), a capped connection it uses whose slots are all taken, or this host's slots
    (`executor: local`)."""
    if run.start_after and run.start_after > timezone.now():
        return f"its start time, {timezone.localtime(run.start_after):%H:%M:%S}"
    capped = Connection.objects.filter(pk__in=connection_ids, max_parallel_runs__isnull=False)
    for conn in capped.order_by("name"):
        pks = _alive(_running_on(conn.pk))
        if len(pks) >= conn.max_parallel_runs:
            return "a free slot on " + _in_use(f"connection {conn.name}", pks, conn.max_parallel_runs)
    if settings.PIPEKIT_EXECUTOR == "local":
        cap = settings.PIPEKIT_MAX_PARALLEL_RUNS
        pks = _alive(RunLog.objects.filter(status=Status.RUNNING, host=socket.gethostname()))
        if len(pks) >= cap:
            return "a free slot on " + _in_use("this host (max_parallel_runs)", pks, cap)
    return ""


def claim_slot(run, connection_ids, worker=""):
    """Start the queued run if nothing keeps it waiting; return what it waits for, or '' once it is
    no longer queued (started here, or ended meanwhile: cancelled)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])
        waits = full_caps(run, connection_ids)
        if not waits:
            run.start(worker)
            return ""
    if not RunLog.objects.filter(pk=run.pk, status=Status.QUEUED).exists():
        run.refresh_from_db(fields=["status", "error", "finished_at"])
        return ""
    return waits


def wait_for_slot(run, log, worker="", should_stop=lambda: False):
    """Start the queued run once nothing keeps it waiting, its live log saying (and updating) what
    it waits for; return whether it started. A run cancelled while it waits ends without starting;
    should_stop() true (SIGTERM, its group's cancel) ends it cancelled too."""
    # Whose the waiting run is: the tick leaves a queued run with a live process alone.
    RunLog.objects.filter(pk=run.pk, status=Status.QUEUED).update(pid=os.getpid(), host=socket.gethostname())
    connection_ids = used_connections(run.module)
    waited = ""
    while waits := claim_slot(run, connection_ids, worker):
        if waits != waited:
            log.note(WAITING + waits, replace=WAITING)
            waited = waits
        if should_stop():
            run.finish(Status.CANCELLED, f"stopped while {WAITING}{waits}")
            return False
        time.sleep(POLL_SECONDS)
    if waited and run.status == Status.RUNNING:
        log.note("starting: nothing to wait for any more")
    return run.status == Status.RUNNING
