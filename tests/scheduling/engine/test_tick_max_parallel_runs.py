"""The local executor's max_parallel_runs (config.yaml, default 4): fifty schedules due in the same
tick start fifty group run processes, which wait for a slot; never more than four runs, nor four
JVMs, at once on this host, and every run finishes."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from scheduling.models import Group, GroupMember, GroupRun, Schedule
from scheduling.tick import fire_schedules
from syncs.models import RunLog, Status
from tests.concurrency import Watch, jvms_of_children, most_at_once
from tests.scheduling.helpers import wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)

SCHEDULES = 50


def test_fifty_due_schedules_never_run_more_than_max_parallel_runs_at_once_and_all_finish(
    erp_to_dw, make_module
):
    assert settings.PIPEKIT_EXECUTOR == "local"
    cap = settings.PIPEKIT_MAX_PARALLEL_RUNS
    for number in range(SCHEDULES):
        erp_to_dw.dest_db.execute(f"CREATE TABLE public.copy_{number} (id integer, total numeric(12,2))")
        module = make_module(
            erp_to_dw.source,
            erp_to_dw.dest,
            name=f"copy_{number}",
            columns=[("id", "integer"), ("total", "numeric(12,2)")],
            # Long enough for the runs to overlap.
            source_query="SELECT id, total FROM orders, pg_sleep(0.5)",
            dest_table=f"public.copy_{number}",
        )
        group = Group.objects.create(name=f"every_minute_{number}")
        GroupMember.objects.create(group=group, module=module)
        Schedule.objects.create(group=group, cron="* * * * *")

    with Watch(jvms_of_children()) as jvms:
        fired = fire_schedules(timezone.now() + timedelta(minutes=2))
        assert len(fired) == SCHEDULES
        wait_until_finished(GroupRun.objects.all())

    assert list(GroupRun.objects.values_list("status", flat=True)) == [Status.SUCCESS] * SCHEDULES
    runs = list(RunLog.objects.all())
    assert [(r.status, r.error) for r in runs] == [(Status.SUCCESS, "")] * SCHEDULES
    assert most_at_once(runs) == cap
    assert 1 <= jvms.most <= cap
    assert any(f"(max_parallel_runs): {cap} of {cap} in use by runs " in r.live_log for r in runs)
    for number in range(SCHEDULES):
        assert erp_to_dw.dest_db.rows(f"SELECT count(*) FROM public.copy_{number}") == [(2,)]
