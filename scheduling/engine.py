"""Run a group: its enabled modules in run_order, in this process, under one GroupRun."""

import logging
import socket

from django.db import IntegrityError, transaction

from scheduling import notices
from scheduling.models import GroupRun, Step
from syncs.detached import execute
from syncs.engine import run_module, stop_requested
from syncs.locks import settle_dead
from syncs.models import RunLog, Status, Trigger, Verification
from syncs.notify import notify_group_run
from syncs.retries import retry_if_due
from syncs.verify import verify_module

logger = logging.getLogger(__name__)


def run_group(group, *, trigger=None, dry_run=False, group_run=None, triggered_by="", on_run=None, worker=""):
    """Run group's members in order and return the finished GroupRun; on_run(run) follows each step
    (a RunLog, or a Verification for a verify step). trigger, dry_run and triggered_by make a new
    group run's record; a given group_run carries its own. worker: the name of the `manage.py
    worker` executing it, recorded on every run."""
    abandon_dead_runs(group)
    if group_run is None:
        group_run = GroupRun.objects.create(
            group=group, trigger=trigger, triggered_by=triggered_by, dry_run=dry_run
        )
    if not group_run.start(worker):
        return group_run

    runs = []
    members = group.members.filter(module__enabled=True).select_related("module").order_by("run_order", "id")
    if group_run.dry_run:
        # A dry run only prepares the runs; a verification would read every row.
        members = members.exclude(step=Step.VERIFY)
    if group_run.resumes_id:
        # Going on where a dead worker stopped: what succeeded there is not loaded again.
        done = group_run.resumes.succeeded_modules()
        members = [m for m in members if m.step == Step.VERIFY or m.module_id not in done]
    for member in members:
        if cancel_requested(group_run):
            break
        if member.step == Step.VERIFY:
            run = verify_module(
                member.module,
                trigger=Trigger.of(Trigger.GROUP, group.pk),
                triggered_by=group_run.triggered_by,
                group_run=group_run,
                also_stop=lambda: cancel_requested(group_run),
            )
        else:
            run = _run_member(member, group, group_run, worker)
        runs.append(run)
        if on_run:
            on_run(run)
        if run.status == Status.ERROR and group.stop_on_failure:
            break

    status, error = final_status(group_run, runs, len(members))
    group_run.finish(status, error)
    scheduled = Trigger.kind(group_run.trigger) == Trigger.SCHEDULE
    if group_run.status == Status.ERROR and scheduled and not group.notify:
        try:
            notices.send_failure_notice(group_run)
        except Exception:
            # The run is recorded either way; a mail server being down must not hide that.
            logger.exception("could not send the failure notice of group run %s", group_run.pk)
    try:
        notify_group_run(group_run, runs)
    except Exception:
        logger.exception("could not queue the notices of group run %s", group_run.pk)
    return group_run


def _run_member(member, group, group_run, worker):
    """Run member's module as a step of group_run, and its retries in turn; return the last
    attempt's finished RunLog."""
    run = RunLog.objects.create(
        module=member.module,
        group_run=group_run,
        trigger=Trigger.of(Trigger.GROUP, group.pk),
        triggered_by=group_run.triggered_by,
        dry_run=group_run.dry_run,
    )
    while run is not None:
        run = run_module(member.module, run=run, also_stop=lambda: cancel_requested(group_run), worker=worker)
        last, run = run, retry_if_due(run, start=False)
    return last


def start_detached_group_run(group, *, trigger, triggered_by="", dry_run=False):
    """Queue a group run and have the executor run it (`manage.py run_group --group-run-id N` or a
    job); return it at once. Inside a transaction (the scheduler tick's) the job commits with it,
    and a detached process starts once it committed."""
    abandon_dead_runs(group)
    with transaction.atomic():
        group_run = GroupRun.objects.create(
            group=group, trigger=trigger, triggered_by=triggered_by, dry_run=dry_run
        )
        execute(group_run, "run_group", "--group-run-id")
    return group_run


def resume_group_run(group_run):
    """Queue, once, a group run that goes on where the dead worker of group_run stopped: its members
    whose run there did not succeed, in order, on whichever worker takes it; return it, or None
    when group_run is itself a resume (a member that kills its worker each time would go on
    forever), a dry run or a cancelled one, or was resumed already."""
    if group_run.resumes_id or group_run.dry_run or group_run.cancel_requested:
        return None
    try:
        with transaction.atomic():
            resumed = GroupRun.objects.create(
                group=group_run.group,
                trigger=group_run.trigger,
                triggered_by=group_run.triggered_by,
                resumes=group_run,
            )
            execute(resumed, "run_group", "--group-run-id")
    except IntegrityError:
        # Another process resumed it first.
        return None
    return resumed


def abandon_dead_runs(*groups):
    """End the runs of the groups (by default of every group) whose process on this host is gone (a
    kill -9, a reboot)."""
    unfinished = GroupRun.objects.filter(
        status__in=Status.unfinished(), host=socket.gethostname(), pid__isnull=False
    )
    if groups:
        unfinished = unfinished.filter(group__in=groups)
    for group_run in unfinished:
        abandon_if_dead(group_run)


def abandon_if_dead(group_run):
    """End an unfinished group run whose process is gone, and the module runs it left unfinished.

    Cheap for a finished run or one without a pid on this host: no query. A queued group run that
    no process has started yet (no pid) is left alone; its detached process may be starting."""
    if group_run.is_finished:
        return
    reason = group_run.stale_reason()
    if reason is None:
        return
    for run in group_run.runs.filter(status__in=Status.unfinished()).select_related("module"):
        # The group run's process runs its module runs: one it queued but never started never will be.
        why = run.stale_reason() if run.pid else f"the process of group run {group_run.pk} is gone"
        if why:
            settle_dead(run.module, run, why)
    if group_run.abandon(reason):
        logger.warning("abandoned group run %s of %s: %s", group_run.pk, group_run.group_id, reason)


def cancel_requested(group_run):
    return stop_requested.is_set() or GroupRun.objects.filter(pk=group_run.pk, cancel_requested=True).exists()


def final_status(group_run, runs, member_count):
    """Return (status, error) of a group run from its module runs (docs/ARCHITECTURE.md, "Groups").

    A member another run's lock kept from starting is no failure of its module, but the group did
    not do its work: the group run ends `error`, naming it and why."""
    failed = [
        r.module.name + (" (verify)" if isinstance(r, Verification) else "")
        for r in runs
        if r.status == Status.ERROR
    ]
    refused = [r for r in runs if isinstance(r, RunLog) and r.was_refused]
    not_run = member_count - len(runs)
    cancelled = any(r.status == Status.CANCELLED and r not in refused for r in runs) or (
        not_run and cancel_requested(group_run)
    )
    if failed or refused:
        parts = [f"{len(failed)} of {member_count} modules failed: {', '.join(failed)}"] if failed else []
        parts += [f"{r.module.name} {r.error}" for r in refused]
        return Status.ERROR, "; ".join(parts) + (f"; {not_run} not run" if not_run else "")
    if cancelled:
        return Status.CANCELLED, f"cancelled; {not_run} of {member_count} modules not run"
    if group_run.dry_run:
        return Status.DRY_RUN, ""
    return Status.SUCCESS, ""
