import time
from datetime import UTC, datetime

import pytest

from scheduling.models import Group, GroupRun, Schedule


def utc(text):
    """Return the aware UTC datetime of an ISO text like '2026-01-02 04:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def queue_only(group, *, trigger):
    """A `start` for fire_schedules that records the group run without starting a process."""
    return GroupRun.objects.create(group=group, trigger=trigger)


@pytest.fixture
def make_schedule(db):
    """Return a function creating an enabled schedule on its own enabled group, made on 2026-01-01."""

    def make(cron="0 4 * * *", group=None, **fields):
        if group is None:
            group = Group.objects.create(name=f"group{Group.objects.count() + 1}")
        fields.setdefault("created_at", utc("2026-01-01 00:00"))
        return Schedule.objects.create(group=group, cron=cron, **fields)

    return make


def wait_until_finished(group_runs):
    """Poll until none of the group runs (a queryset) is queued or running; detached runs take a while."""
    for _ in range(1200):
        if not group_runs.filter(status__in=["queued", "running"]).exists():
            return
        time.sleep(0.5)
    raise AssertionError(f"group runs still unfinished: {list(group_runs.values_list('pk', 'status'))}")
