"""The scheduler tick: housekeeping, then find the due schedules, claim each slot once, start
its group run.

A slot is claimed by a conditional UPDATE of `last_fired_at` whose row count decides, and a
group by one of `Group.fired_in_tick`, so ticks racing in threads, processes or on several hosts
sharing the state database start exactly one group run per slot and per group and tick."""

import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scheduling.engine import abandon_dead_runs, start_detached_group_run
from scheduling.models import Chore, GroupRun, Schedule
from scheduling.retention import give_space_back, prune_runs, prune_verifications
from scheduling.workers import abandon_runs_of_dead_workers
from syncs import debris
from syncs.detached import end_unstarted, remove_outputs_of_started_runs
from syncs.models import RunLog, Status, Trigger

log = logging.getLogger("pipekit.scheduling")


# A detached process starts its run within seconds; a run queued longer has none that will.
UNSTARTED_AFTER = timedelta(minutes=1)


def tick(now=None, start=start_detached_group_run):
    """One tick of the scheduler (each minute, from cron): housekeeping, then the due schedules at
    `now` (default: the clock). Return the group runs started."""
    housekeeping()
    return fire_schedules(now, start)


def housekeeping():
    """What the tick does besides firing schedules, always at the real time; one failing chore
    (a destination down) stops neither the others nor the schedules."""
    now = timezone.now()
    for chore in (end_unstarted_runs, clean_after_killed_runs, prune_once_a_day):
        try:
            chore(now)
        except Exception:
            log.exception("the tick's %s failed", chore.__name__)


def end_unstarted_runs(now):
    """End the runs and group runs queued for over a minute that no process started, nor will.

    Not a run whose process waits, alive, for a free slot or its start time (syncs.slots), nor with
    `executor: queue`, where a queued run waits for a free worker as long as it takes."""
    if settings.PIPEKIT_EXECUTOR == "queue":
        return
    for model in (RunLog, GroupRun):
        for run in model.objects.filter(status=Status.QUEUED, created_at__lt=now - UNSTARTED_AFTER):
            if run.pid and run.stale_reason() is None:
                continue
            if end_unstarted(run, "no process started it within a minute"):
                log.warning("%s never started: %s", run, run.error)
    remove_outputs_of_started_runs()


def clean_after_killed_runs(now):
    """End the runs whose process on this host, or whose queue worker anywhere, is gone and remove
    what they left behind."""
    abandon_dead_runs()
    abandon_runs_of_dead_workers()
    debris.abandon_dead_runs()
    debris.clean_after_abandoned_runs(now)


def prune_once_a_day(now):
    """Prune old runs if no tick, in any process or on any host, did in the last day."""
    if Chore.claim("prune_runs", timedelta(days=1), now):
        prune_runs(now)
        prune_verifications(now)
        give_space_back()


def due_schedules(now):
    """Return (schedule, slot) for each enabled schedule of an enabled group with a new slot.

    The slot is the schedule's latest fire time at or before now: after downtime a schedule
    fires once for its latest slot, not once per missed one."""
    due = []
    for schedule in Schedule.objects.filter(enabled=True, group__enabled=True).select_related("group"):
        try:
            slot = schedule.latest_fire_time(now)
        except (ValueError, KeyError) as exc:
            # A row saved without validation must not stop the other schedules.
            log.error("schedule %s (%s): cannot evaluate %r: %s", schedule.pk, schedule, schedule.cron, exc)
            continue
        if slot > schedule.fires_after():
            due.append((schedule, slot))
    return due


def claim(schedule, slot):
    """Record `slot` as fired, unless another tick changed last_fired_at since we read it."""
    claimed = Schedule.objects.filter(pk=schedule.pk, last_fired_at=schedule.last_fired_at).update(
        last_fired_at=slot.astimezone(UTC)
    )
    return claimed == 1


def running_group_runs(groups):
    """Return {group id: its run that is queued or running in a process that may be alive}."""
    running = {}
    # A queued run counts: its process is starting (or, after a minute, the tick ends it).
    for group_run in GroupRun.objects.filter(group__in=groups, status__in=Status.unfinished()):
        if group_run.stale_reason() is None:
            running[group_run.group_id] = group_run
    return running


def fire(schedule, slot, minute, running, start=start_detached_group_run):
    """Start the schedule's group run (a detached process by default) and return its GroupRun.

    Return None, starting nothing, while the group's previous run (`running`) is queued or running
    (the module locks would refuse every member of a new run, which would then end in error and send
    a failure notice), or when another of its schedules started it in this tick (`minute`)."""
    if running:
        log.warning(
            "schedule %s (%s): the %s slot is skipped, group run %s is still %s",
            schedule.pk,
            schedule,
            slot.isoformat(),
            running.pk,
            running.status,
        )
        return None
    if not schedule.group.claim_tick(minute):
        log.info(
            "schedule %s (%s): the %s slot is skipped, another schedule started the group in this tick",
            schedule.pk,
            schedule,
            slot.isoformat(),
        )
        return None
    log.info("schedule %s (%s): firing the %s slot", schedule.pk, schedule, slot.isoformat())
    return start(schedule.group, trigger=Trigger.of(Trigger.SCHEDULE, schedule.pk))


def fire_schedules(now=None, start=start_detached_group_run):
    """Fire every due schedule once for its latest slot; return the group runs started.

    `start(group, trigger=...)` starts a group run; the default starts a detached process once the
    run's row is committed. A slot whose group is still running, or was started by another schedule
    in this tick, stays claimed but starts nothing: the next slot fires instead."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    due = due_schedules(now)
    if not due:
        return []
    groups = {schedule.group for schedule, _ in due}
    # Whatever `start` does, a run of a group whose process died must not stay running beside the new one.
    abandon_dead_runs(*groups)
    running = running_group_runs(groups)
    runs = []
    # The claims and the queued group runs commit together: one flush to disk for the whole tick
    # rather than one per statement. Claims still race safely: each is a conditional UPDATE.
    with transaction.atomic():
        for schedule, slot in due:
            if claim(schedule, slot):
                run = fire(schedule, slot, minute, running.get(schedule.group_id), start)
                if run:
                    runs.append(run)
    return runs
