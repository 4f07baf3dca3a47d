"""The module lock: one run per module, across processes and hosts.

Taking it, taking it over from a dead holder and releasing it are conditional UPDATEs whose row
count decides (docs/ARCHITECTURE.md, "Locks and cancel")."""

import socket

from django.db.models import Q
from django.utils import timezone

from syncs.commits import merge_committed
from syncs.livelog import JRUNNER_STARTED, LiveLog
from syncs.models import Module, RunLog, Status, pid_alive


class ModuleLocked(Exception):
    """Another run holds the module's lock."""

    def __init__(self, holder_id):
        self.holder_id = holder_id
        super().__init__(f"already running (run {holder_id})")


def claim_lock(module, run, log):
    """Take the module's lock for run, clearing a stale holder; raise ModuleLocked when another run
    holds it. A run that holds it already (queued with it, syncs.detached) keeps it."""
    now = timezone.now()
    if (
        Module.objects.filter(pk=module.pk)
        .filter(Q(running_run__isnull=True) | Q(running_run=run))
        .update(running_run=run, locked_at=now)
    ):
        return
    holder = lock_holder(module)
    if holder is None:
        # Released between the two statements: try once more.
        if Module.objects.filter(pk=module.pk, running_run__isnull=True).update(
            running_run=run, locked_at=now
        ):
            return
        raise ModuleLocked(Module.objects.values_list("running_run", flat=True).get(pk=module.pk))
    reason = holder.stale_reason()
    if reason is None:
        raise ModuleLocked(holder.pk)
    # Swap the holder for us only if it is still the same holder: the row count decides.
    if not Module.objects.filter(pk=module.pk, running_run=holder).update(running_run=run, locked_at=now):
        raise ModuleLocked(Module.objects.values_list("running_run", flat=True).get(pk=module.pk))
    settle_dead(module, holder, f"its process is gone; the lock was taken over by run {run.pk}")
    log.note(f"cleared the stale lock of run {holder.pk}: {reason}")


def settle_dead(module, holder, why):
    """End a run whose process is gone with the truth about its merge, which may have committed
    just before the process died: success when the bookkeeping row says so, else abandoned."""
    if holder.is_finished:
        return
    # Abandoned with its merge known not to have committed, a run may be retried (syncs.retries).
    if holder.dry_run or JRUNNER_STARTED not in holder.live_log:
        holder.abandon(why, retriable=True)
        return
    committed, failure = merge_committed(module, holder.pk)
    if committed:
        LiveLog(holder, holder.live_log).note(f"{why}; its merge had committed: the run succeeded")
        holder.finish(Status.SUCCESS)
    elif committed is None:
        holder.abandon(f"{why}; whether its merge committed is unknown (checking failed: {failure})")
    else:
        holder.abandon(f"{why}; its merge did not commit: the destination is unchanged", retriable=True)


def lock_holder(module):
    """Return the run holding the module's lock, or None."""
    return RunLog.objects.filter(pk__in=Module.objects.filter(pk=module.pk).values("running_run")).first()


def release_lock(module, run):
    """Release the module's lock if run still holds it."""
    Module.objects.filter(pk=module.pk, running_run=run).update(running_run=None, locked_at=None)


def unlock(module, by):
    """Clear the module's lock and return the run that held it (None when unlocked); `by` says who
    cleared it, in the holder's error.

    Refuses (ModuleLocked) when the holder's process is still alive on this host."""
    holder = lock_holder(module)
    if holder is None:
        return None
    if (
        not holder.is_finished
        and holder.host == socket.gethostname()
        and holder.pid
        and pid_alive(holder.pid)
    ):
        raise ModuleLocked(holder.pk)
    if Module.objects.filter(pk=module.pk, running_run=holder).update(running_run=None, locked_at=None):
        settle_dead(module, holder, f"its lock was cleared by {by}")
    holder.refresh_from_db()
    return holder
