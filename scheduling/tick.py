"""The scheduler tick: find the due schedules, claim each slot once, start its group run.

A slot is claimed by a conditional UPDATE of `last_fired_at` whose row count decides, so
ticks racing in threads, processes or on several hosts sharing the state database start
exactly one group run per slot."""

import logging
from datetime import UTC, timedelta

from django.utils import timezone

from scheduling.engine import abandon_dead_runs, start_detached_group_run
from scheduling.models import Chore, Schedule
from scheduling.retention import give_space_back, prune_runs
from syncs.models import Status, Trigger

log = logging.getLogger("pipekit.scheduling")


def tick(now=None, start=start_detached_group_run):
    """One tick of the scheduler (each minute, from cron): housekeeping, then the due schedules at
    `now` (default: the clock). Return the group runs started."""
    housekeeping()
    return fire_schedules(now, start)


def housekeeping():
    """What the tick does besides firing schedules, always at the real time: prune runs once a day."""
    now = timezone.now()
    if Chore.claim("prune_runs", timedelta(days=1), now):
        prune_runs(now)
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


def running_group_run(group):
    """Return the group's run that is running in a process that may be alive, or None."""
    # Queued runs do not count: no process has taken them yet, and their modules are not locked.
    for group_run in group.runs.filter(status=Status.RUNNING):
        if group_run.stale_reason() is None:
            return group_run
    return None


def fire(schedule, slot, start=start_detached_group_run):
    """Start the schedule's group run (a detached process by default) and return its GroupRun.

    Return None, starting nothing, while the group's previous run still runs: the module locks
    would refuse every member of a new run, which would then end in error and send a failure notice."""
    # Whatever `start` does, a run of the group whose process died must not stay running beside the new one.
    abandon_dead_runs(schedule.group)
    running = running_group_run(schedule.group)
    if running:
        log.warning(
            "schedule %s (%s): the %s slot is skipped, group run %s is still running",
            schedule.pk,
            schedule,
            slot.isoformat(),
            running.pk,
        )
        return None
    log.info("schedule %s (%s): firing the %s slot", schedule.pk, schedule, slot.isoformat())
    return start(schedule.group, trigger=Trigger.of(Trigger.SCHEDULE, schedule.pk))


def fire_schedules(now=None, start=start_detached_group_run):
    """Fire every due schedule once for its latest slot; return the group runs started.

    `start(group, trigger=...)` starts a group run; the default starts a detached process. A slot
    whose group is still running stays claimed but starts nothing: the next slot fires instead."""
    now = now or timezone.now()
    runs = []
    for schedule, slot in due_schedules(now):
        if not claim(schedule, slot):
            continue
        try:
            run = fire(schedule, slot, start)
        except Exception:
            # The slot stays claimed (never fire twice); the error goes to cron's mail and the log.
            log.exception("schedule %s (%s): could not start the group run", schedule.pk, schedule)
            continue
        if run:
            runs.append(run)
    return runs
