from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from connections.models import Connection
from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.models import Module


@pytest.fixture
def group(db):
    return Group.objects.create(name="nightly")


@pytest.fixture
def orders(drivers):
    conn = Connection.objects.create(name="dw", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:dw")
    return Module.objects.create(
        name="orders", source=conn, dest=conn, source_query="SELECT 1", dest_table="orders"
    )


def cron_errors(group, cron, timezone=""):
    with pytest.raises(ValidationError) as caught:
        Schedule(group=group, cron=cron, timezone=timezone).full_clean()
    return caught.value.message_dict


def test_group_names_are_unique_in_the_database(group):
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.create(name="nightly")
    with pytest.raises(ValidationError, match="already exists"):
        Group(name="nightly").full_clean()


def test_a_module_is_a_member_of_a_group_once(group, orders):
    GroupMember.objects.create(group=group, module=orders, run_order=1)
    assert str(GroupMember.objects.get()) == "nightly: orders"
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMember.objects.create(group=group, module=orders, run_order=2)


@pytest.mark.parametrize("cron", ["0 4 * * *", "*/15 8-18 * * 1-5", "@daily", "@hourly"])
def test_a_valid_cron_expression_is_accepted(group, cron):
    Schedule(group=group, cron=cron).full_clean()


@pytest.mark.parametrize(
    "cron, message",
    [
        ("0 4 * *", "has 4 fields; a cron expression has 5"),
        ("0 4 * * * *", "has 6 fields"),
        ("61 4 * * *", "the minute field '61' is not valid"),
        ("0 4 31 2 *", "never fires"),
        ("@sometimes", "is not a cron name"),
        ("", "This field cannot be blank."),
    ],
)
def test_a_bad_cron_expression_is_refused_saying_why(group, cron, message):
    assert message in cron_errors(group, cron)["cron"][0]


def test_the_database_refuses_an_empty_cron(group):
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(group=group, cron="")


def test_an_unknown_time_zone_is_refused(group):
    assert "not a known time zone" in cron_errors(group, "0 4 * * *", "Mars/Olympus")["timezone"][0]


def test_a_schedule_fires_in_its_own_time_zone(group):
    schedule = Schedule(group=group, cron="0 4 * * *", timezone="America/New_York")
    after = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    first = schedule.next_fire_times(count=2, after=after)
    assert [t.astimezone(UTC).isoformat() for t in first] == [
        "2026-01-11T09:00:00+00:00",
        "2026-01-12T09:00:00+00:00",
    ]
    assert str(schedule) == "nightly: 0 4 * * * (America/New_York)"


def test_a_schedule_without_a_zone_uses_the_configured_one(group, settings):
    settings.TIME_ZONE = "Europe/Paris"
    assert Schedule(group=group, cron="@daily").zone_name == "Europe/Paris"


def test_a_group_run_reads_as_its_group_and_status(group):
    run = GroupRun.objects.create(group=group)
    assert str(run) == f"group run {run.pk} of nightly (queued)"
    assert not run.is_finished
    assert run.duration is None
