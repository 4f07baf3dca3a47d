"""What the scheduling tests share: times, a start that only records, waiting for detached runs."""

import subprocess
import sys
import time
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from scheduling.models import GroupRun

MANAGE = str(settings.BASE_DIR / "manage.py")


def utc(text):
    """Return the aware UTC datetime of an ISO text like '2026-01-02 04:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def member_names(group):
    """The names of the group's member modules, in run order."""
    return [m.module.name for m in group.members.select_related("module")]


def record_only(group, *, trigger):
    """A `start` for fire_schedules that records a group run, as if it ran at once, without a process."""
    return GroupRun.objects.create(group=group, trigger=trigger, status="success", finished_at=timezone.now())


def wait_until_finished(group_runs):
    """Poll until none of the group runs (a queryset) is queued or running; detached runs take a while."""
    for _ in range(1200):
        if not group_runs.filter(status__in=["queued", "running"]).exists():
            return
        time.sleep(0.5)
    raise AssertionError(f"group runs still unfinished: {list(group_runs.values_list('pk', 'status'))}")


def tick_in_processes(count, now, env=None):
    """Start `count` `manage.py fire_schedules --now` processes (a tick each) at once; return their
    joined output, stdout then stderr (where the tick logs) of each."""
    command = [sys.executable, MANAGE, "fire_schedules", "--now", now.isoformat()]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    output = ""
    for process in processes:
        stdout, stderr = process.communicate()
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr, stderr
        output += stdout + stderr
    return output
