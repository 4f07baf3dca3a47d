"""Runs of dead queue workers (`executor: queue`).

Every `manage.py worker` writes a heartbeat into procrastinate's `procrastinate_workers` every
HEARTBEAT_SECONDS, and the job it executes carries its worker id. A job still `doing` whose
worker has sent no heartbeat for STALLED_AFTER seconds (or whose worker row is gone) belongs to a
worker that died: a kill -9, a crash, a host that went down. Its runs are ended here with the truth
about their merge, by every live worker (pipekit_site/management/commands/worker.py) and by the
tick, so they end within a minute wherever the worker was; a group run is then resumed on
another worker (scheduling.engine.resume_group_run)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now

from scheduling.engine import resume_group_run
from scheduling.models import GroupRun
from syncs.debris import settle_run_of_dead_worker
from syncs.models import RunLog, Status

log = logging.getLogger("pipekit.scheduling")

# procrastinate's defaults, written out because the detection below depends on them: a live
# worker beats every HEARTBEAT_SECONDS, so STALLED_AFTER misses three beats in a row.
HEARTBEAT_SECONDS = 10
STALLED_AFTER = 30


def stalled_jobs():
    """procrastinate's jobs still `doing` whose worker is silent for STALLED_AFTER seconds or gone
    (procrastinate's own "stalled jobs by heartbeat", on the database's clock, so hosts' clocks do
    not matter)."""
    # Imported here: procrastinate is an installed app only with executor: queue.
    from procrastinate.contrib.django.models import ProcrastinateJob

    silent_since = ExpressionWrapper(Now() - timedelta(seconds=STALLED_AFTER), output_field=DateTimeField())
    return ProcrastinateJob.objects.filter(status="doing").filter(
        Q(worker__isnull=True) | Q(worker__last_heartbeat__lt=silent_since)
    )


def abandon_runs_of_dead_workers():
    """End the runs of every stalled job (settle_run_of_dead_worker) and the job itself (`failed`);
    return the runs ended. Safe in several processes at once: each ending is a conditional UPDATE."""
    if settings.PIPEKIT_EXECUTOR != "queue":
        return []
    ended = []
    for job in stalled_jobs():
        run_id = job.args.get("run_id")
        if job.task_name == "run_module":
            runs, group_run = RunLog.objects.filter(pk=run_id), None
        elif job.task_name == "run_group":
            group_run = GroupRun.objects.filter(pk=run_id).first()
            runs = RunLog.objects.filter(group_run_id=run_id)
        else:
            continue
        for run in runs.filter(status__in=Status.unfinished()).select_related("module"):
            # A group's member is run again by the group's resume, not by a retry of its own.
            settle_run_of_dead_worker(run, why_dead(run, job), retry=group_run is None)
            ended.append(run)
        if group_run is not None and group_run.abandon(why_dead(group_run, job)):
            ended.append(group_run)
            resume_group_run(group_run)
        end_job(job.pk)
    for run in ended:
        log.warning("%s: %s", run, run.error or run.status)
    return ended


def why_dead(run, job):
    """Why the run of the stalled job ended: its worker (by name, else procrastinate's id) is silent."""
    who = f"its worker {run.worker or job.worker_id} on {run.host or 'an unknown host'}"
    return f"{who} stopped (no heartbeat for {STALLED_AFTER} s)"


def end_job(job_id):
    """Mark a stalled job `failed` through procrastinate's own function, so no worker looks at it
    again; another process that ended it first makes it raise, which is fine."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT procrastinate_finish_job_v1(%s, 'failed', false)", [job_id])
    except DatabaseError:
        log.info("job %s was ended by another process", job_id)
