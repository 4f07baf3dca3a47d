from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import Schedule
from scheduling.tick import fire_schedules
from tests.scheduling.helpers import record_only, utc

NEW_YORK = ZoneInfo("America/New_York")
SPRING_FORWARD = "2026-03-08"  # 02:00 EST becomes 03:00 EDT: 02:00-02:59 does not happen
FALL_BACK = "2026-11-01"  # 02:00 EDT becomes 01:00 EST: 01:00-01:59 happens twice


def local_midnight(day, zone=NEW_YORK):
    return datetime.fromisoformat(day).replace(tzinfo=zone)


def fires_during(day, schedule, zone=NEW_YORK):
    """Tick every minute of the local day, as the crontab entry does; return the local fire times."""
    # Step in UTC: a local time plus a minute is wall-clock arithmetic, which skips or repeats an hour.
    now = local_midnight(day, zone).astimezone(UTC)
    end = local_midnight((date.fromisoformat(day) + timedelta(days=1)).isoformat(), zone).astimezone(UTC)
    fired = []
    while now < end:
        if fire_schedules(now + timedelta(seconds=7), start=record_only):
            schedule.refresh_from_db()
            fired.append(schedule.last_fired_at.astimezone(zone).strftime("%H:%M%z"))
        now += timedelta(minutes=1)
    return fired


@pytest.fixture
def new_york_schedule(make_schedule):
    """Return a function making a New York schedule created a minute before the day starts."""

    def make(cron, day):
        return make_schedule(
            cron, timezone="America/New_York", created_at=local_midnight(day) - timedelta(minutes=1)
        )

    return make


def test_2_30_fires_once_at_3_00_on_the_spring_forward_day(new_york_schedule):
    schedule = new_york_schedule("30 2 * * *", SPRING_FORWARD)
    assert fires_during(SPRING_FORWARD, schedule) == ["03:00-0400"]
    assert schedule.last_fired_at == utc("2026-03-08 07:00")
    assert fires_during("2026-03-09", schedule) == ["02:30-0400"]


def test_2_30_fires_once_on_the_fall_back_day(new_york_schedule):
    schedule = new_york_schedule("30 2 * * *", FALL_BACK)
    assert fires_during(FALL_BACK, schedule) == ["02:30-0500"]
    assert schedule.last_fired_at == utc("2026-11-01 07:30")


def test_a_time_in_the_repeated_hour_fires_only_the_first_time(new_york_schedule):
    schedule = new_york_schedule("30 1 * * *", FALL_BACK)
    assert fires_during(FALL_BACK, schedule) == ["01:30-0400"]


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2026-03-29", ["03:00+0200"]),  # 02:00 CET becomes 03:00 CEST
        ("2026-10-25", ["02:30+0200"]),  # 03:00 CEST becomes 02:00 CET: 02:30 happens twice
    ],
)
def test_2_30_fires_once_on_both_change_days_in_paris(make_schedule, day, expected):
    paris = ZoneInfo("Europe/Paris")
    schedule = make_schedule(
        "30 2 * * *", timezone="Europe/Paris", created_at=local_midnight(day, paris) - timedelta(minutes=1)
    )
    assert fires_during(day, schedule, paris) == expected


def test_an_hourly_schedule_fires_every_real_hour_across_both_changes(new_york_schedule):
    fall = new_york_schedule("0 * * * *", FALL_BACK)
    fired = fires_during(FALL_BACK, fall)
    assert len(fired) == 25
    assert fired[:4] == ["00:00-0400", "01:00-0400", "01:00-0500", "02:00-0500"]

    fall.delete()
    spring = new_york_schedule("@hourly", SPRING_FORWARD)
    fired = fires_during(SPRING_FORWARD, spring)
    assert len(fired) == 23
    assert fired[:3] == ["00:00-0500", "01:00-0500", "03:00-0400"]


def test_a_schedule_without_a_zone_fires_in_the_configured_one(make_schedule, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    schedule = make_schedule("0 4 * * *", timezone="")
    assert fire_schedules(utc("2026-01-01 18:59"), start=record_only) == []
    assert len(fire_schedules(utc("2026-01-01 19:00"), start=record_only)) == 1
    schedule.refresh_from_db()
    assert schedule.last_fired_at == utc("2026-01-01 19:00")


def test_next_fire_times_skip_the_missing_and_the_repeated_hour():
    spring = Schedule(cron="30 2 * * *", timezone="America/New_York")
    times = spring.next_fire_times(count=2, after=local_midnight(SPRING_FORWARD))
    assert [t.isoformat() for t in times] == ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]

    fall = Schedule(cron="30 1 * * *", timezone="America/New_York")
    times = fall.next_fire_times(count=2, after=local_midnight(FALL_BACK))
    assert [t.isoformat() for t in times] == ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]


def test_the_latest_fire_time_is_never_after_now_given_in_local_time():
    schedule = Schedule(cron="0 * * * *", timezone="America/New_York")
    now = datetime(2026, 11, 1, 1, 59, 30, tzinfo=NEW_YORK)  # the first 01:59, EDT
    assert schedule.latest_fire_time(now).isoformat() == "2026-11-01T01:00:00-04:00"
