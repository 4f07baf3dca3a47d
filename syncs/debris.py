"""What a killed run leaves behind, cleaned up by the scheduler tick rather than only by the
module's next run: the run still `running`, the module lock, the staging table, jrunner's SQL files."""

import logging
import socket
from datetime import timedelta

from django.utils import timezone

from connections import jrunner
from connections.secrets import SecretError
from syncs.locks import lock_holder, release_lock, settle_dead
from syncs.models import ABANDONED, DeleteMissing, Module, RunLog, Status, pid_alive
from syncs.retries import retry_if_due

log = logging.getLogger("pipekit.syncs")

# Runs abandoned this recently have their staging dropped: a run abandoned by a page (a group's
# dead run) is seen by the next ticks too. Dropping an absent table again costs one jrunner start.
RECENT = timedelta(minutes=10)


def abandon_dead_runs():
    """End the module runs whose process on this host is gone (a kill -9, a reboot), with the truth
    about their merge, and retry those whose merge did not commit."""
    dead = RunLog.objects.filter(status=Status.RUNNING, host=socket.gethostname(), pid__isnull=False)
    for run in dead.select_related("module"):
        reason = run.stale_reason()
        if reason:
            settle_dead(run.module, run, reason)
            retry_if_due(run)


def settle_run_of_dead_worker(run, why, *, retry=True):
    """End a module run whose queue worker died (scheduling/workers.py): drop its staging table
    while its lock still keeps other runs of the module away, then settle it (settle_dead: success if
    its merge committed, else abandoned, which releases the lock), and, with retry, queue its retry
    when its module has attempts left: the retry's job goes to a worker still alive."""
    if not run.dry_run and lock_holder(run.module) == run:
        drop_staging(run.module)
    settle_dead(run.module, run, why)
    if retry:
        retry_if_due(run)


def clean_after_abandoned_runs(now=None):
    """Release the lock and drop the staging table of each module whose run was abandoned lately,
    unless a live run holds the module (its staging table is in use); remove dead processes' SQL files."""
    jrunner.remove_sql_files_of_dead_processes(pid_alive)
    since = (now or timezone.now()) - RECENT
    abandoned = RunLog.objects.filter(
        status=Status.ERROR, error__startswith=ABANDONED, finished_at__gte=since, dry_run=False
    )
    for module in Module.objects.filter(pk__in=abandoned.values("module")):
        holder = lock_holder(module)
        if holder is not None and holder.stale_reason() is None:
            continue
        if holder is not None:
            release_lock(module, holder)
        drop_staging(module)


def drop_staging(module):
    """Drop the module's staging table (and its key staging table, for delete_missing) if it
    exists, through jrunner; log a failure and go on."""
    dialect, schema = module.dest.dialect, module.dest.effective_staging_schema()
    tables = [dialect.staging_table(schema, module.name)]
    if module.delete_missing != DeleteMissing.NONE:
        tables.append(dialect.key_staging_table(schema, module.name))
    try:
        jrunner.execute(module.dest, [dialect.drop_staging_sql(t) for t in tables])
    except (jrunner.JrunnerError, SecretError) as exc:
        log.warning("could not drop the staging table %s of %s: %s", ", ".join(tables), module.name, exc)
