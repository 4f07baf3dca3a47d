"""Retention: old finished runs go, what a person still needs stays; the tick prunes once a day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling.models import Chore, Group, GroupRun
from scheduling.retention import prune_runs, prune_verifications
from scheduling.tick import housekeeping
from syncs.models import RunLog, Verification
from tests.scheduling.helpers import tick_in_processes


def days_ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def runs(make_items_module):
    """Return a function creating a run of the items module (or `module`) made `age` days ago."""
    items = make_items_module()

    def make(status, age, module=items, **fields):
        return RunLog.objects.create(module=module, status=status, created_at=days_ago(age), **fields)

    make.module = items
    return make


def remaining(*records):
    return [type(r).objects.filter(pk=r.pk).exists() for r in records]


@pytest.mark.django_db
def test_old_runs_go_but_each_modules_last_success_and_last_failure_stay(runs, make_items_module):
    other = runs.module.__class__.objects.create(
        name="other",
        source=runs.module.source,
        dest=runs.module.dest,
        source_query="SELECT 1",
        dest_table="other",
    )
    old_success, last_success = runs("success", 200), runs("success", 150)
    old_error, cancelled, dry_run = runs("error", 120), runs("cancelled", 100), runs("dry_run", 95)
    young_error, young_cancelled = runs("error", 10), runs("cancelled", 89)
    queued, running = runs("queued", 100), runs("running", 100)
    others_only_failure = runs("error", 300, module=other)

    assert prune_runs(days=90) == (4, 0)

    assert remaining(old_success, old_error, cancelled, dry_run) == [False] * 4
    assert (
        remaining(last_success, young_error, young_cancelled, queued, running, others_only_failure)
        == [True] * 6
    )


@pytest.mark.django_db
def test_a_group_run_stays_while_one_of_its_module_runs_stays(runs):
    group = Group.objects.create(name="nightly")
    old_group_run, partly_kept = (
        GroupRun.objects.create(group=group, status="error", created_at=days_ago(d)) for d in (200, 150)
    )
    young_group_run = GroupRun.objects.create(group=group, status="success", created_at=days_ago(3))
    unfinished = GroupRun.objects.create(group=group, status="queued", created_at=days_ago(100))
    runs("success", 201, group_run=old_group_run)
    gone = runs("error", 150, group_run=partly_kept)
    kept = runs("success", 150, group_run=partly_kept)
    runs("error", 149)

    assert prune_runs(days=90) == (2, 1)

    assert remaining(old_group_run, partly_kept, young_group_run, unfinished) == [False, True, True, True]
    assert remaining(gone, kept) == [False, True]
    assert list(partly_kept.runs.all()) == [kept]


@pytest.mark.django_db
def test_the_configured_retention_counts(runs, settings):
    settings.PIPEKIT_RUN_RETENTION_DAYS = 30
    runs("success", 1)
    old = runs("cancelled", 31)
    assert prune_runs() == (1, 0)
    assert remaining(old) == [False]


@pytest.mark.django_db
def test_the_tick_prunes_once_a_day(runs):
    runs("success", 1)
    old = [runs("cancelled", 100) for _ in range(3)]

    housekeeping()
    assert remaining(*old) == [False] * 3
    again = runs("cancelled", 100)
    housekeeping()
    assert remaining(again) == [True]

    Chore.objects.filter(name="prune_runs").update(done_at=days_ago(1))
    housekeeping()
    assert remaining(again) == [False]


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_in_processes_prune_once(runs):
    runs("success", 1)
    for _ in range(3):
        runs("cancelled", 100)

    output = tick_in_processes(4, timezone.now())

    assert output.count("pruned ") == 1
    assert "pruned 3 runs and 0 group runs older than 90 days" in output
    assert RunLog.objects.count() == 1


@pytest.mark.django_db
def test_old_verifications_go_but_each_modules_latest_stays(runs):
    def verification(status, age):
        return Verification.objects.create(module=runs.module, status=status, created_at=days_ago(age))

    old, latest_old, running = (
        verification("error", 200),
        verification("success", 100),
        verification("running", 300),
    )

    assert prune_verifications(days=90) == 1

    assert remaining(old, latest_old, running) == [False, True, True]
    young = verification("success", 1)
    assert prune_verifications(days=90) == 1
    assert remaining(latest_old, young) == [False, True]
