"""A history that grows, for the tests that check a page's queries do not grow with its rows."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connections.models import Connection
from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.models import Module, RunLog, Status, Trigger

GROUP_SIZE = 20


def add_history(driver, *, modules, runs_per_module=2):
    """Add `modules` modules on a connection of their own, in groups of GROUP_SIZE (each with a
    schedule and one group run), each with finished runs of that group run; return the modules."""
    taken = Module.objects.count()
    conn = Connection.objects.create(name=f"hist{taken}", driver=driver, jdbc_url="jdbc:sqlite:/nowhere.db")
    made = Module.objects.bulk_create(
        Module(name=f"m{taken + i}", source=conn, dest=conn, source_query="SELECT 1", dest_table=f"t{i}")
        for i in range(modules)
    )
    start = timezone.now() - timedelta(days=1)
    for first in range(0, modules, GROUP_SIZE):
        group = Group.objects.create(name=f"g{taken + first}")
        Schedule.objects.create(group=group, cron="0 4 * * *")
        members = made[first : first + GROUP_SIZE]
        GroupMember.objects.bulk_create(GroupMember(group=group, module=m) for m in members)
        group_run = GroupRun.objects.create(group=group, status=Status.SUCCESS, created_at=start)
        RunLog.objects.bulk_create(
            RunLog(
                module=module,
                group_run=group_run,
                status=Status.SUCCESS,
                trigger=Trigger.of(Trigger.GROUP, group.pk),
                created_at=start + timedelta(minutes=n),
                started_at=start + timedelta(minutes=n),
                finished_at=start + timedelta(minutes=n, seconds=3),
                rows_merged=n,
                live_log="a line of the live log\n" * 50,
            )
            for module in members
            for n in range(runs_per_module)
        )
    return made


def queries(client, url, **headers):
    """Return how many SQL queries one GET of url takes (it must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(captured)
