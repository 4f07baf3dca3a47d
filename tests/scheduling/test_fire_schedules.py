import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from scheduling.models import GroupRun
from scheduling.tick import fire_schedules
from tests.scheduling.conftest import queue_only, utc


def fire(now):
    return fire_schedules(utc(now), start=queue_only)


def test_it_fires_a_due_schedule_with_its_trigger(make_schedule):
    schedule = make_schedule("0 4 * * *")
    [run] = fire("2026-01-02 04:00:20")
    assert run.group == schedule.group
    assert run.trigger == f"schedule:{schedule.pk}"
    schedule.refresh_from_db()
    assert schedule.last_fired_at == utc("2026-01-02 04:00")


def test_it_does_not_fire_before_the_time(make_schedule):
    schedule = make_schedule("0 4 * * *", last_fired_at=utc("2026-01-01 04:00"))
    assert fire("2026-01-02 03:59:59") == []
    schedule.refresh_from_db()
    assert schedule.last_fired_at == utc("2026-01-01 04:00")


def test_it_fires_a_slot_once_however_often_it_ticks(make_schedule):
    make_schedule("0 4 * * *")
    for now in ["2026-01-02 04:00", "2026-01-02 04:00:30", "2026-01-02 04:01", "2026-01-03 03:59"]:
        fire(now)
    assert GroupRun.objects.count() == 1
    fire("2026-01-03 04:00")
    assert GroupRun.objects.count() == 2


def test_a_new_schedule_does_not_fire_for_a_time_before_it_was_made(make_schedule):
    schedule = make_schedule("0 4 * * *", created_at=utc("2026-01-02 04:30"))
    assert fire("2026-01-02 05:00") == []
    assert len(fire("2026-01-03 04:00")) == 1
    schedule.refresh_from_db()
    assert schedule.last_fired_at == utc("2026-01-03 04:00")


def test_after_downtime_it_fires_once_for_the_latest_time(make_schedule):
    schedule = make_schedule("*/15 * * * *", last_fired_at=utc("2026-01-02 04:00"))
    assert len(fire("2026-01-05 10:07")) == 1
    schedule.refresh_from_db()
    assert schedule.last_fired_at == utc("2026-01-05 10:00")
    assert fire("2026-01-05 10:14") == []


def test_a_disabled_schedule_does_not_fire(make_schedule):
    make_schedule("0 4 * * *", enabled=False)
    assert fire("2026-01-02 04:00") == []


def test_a_schedule_of_a_disabled_group_does_not_fire(make_schedule):
    schedule = make_schedule("0 4 * * *")
    schedule.group.enabled = False
    schedule.group.save()
    assert fire("2026-01-02 04:00") == []
    schedule.refresh_from_db()
    assert schedule.last_fired_at is None


def test_each_due_schedule_fires_and_the_others_wait(make_schedule):
    daily = make_schedule("0 4 * * *")
    hourly = make_schedule("@hourly", group=daily.group)
    weekly = make_schedule("0 4 * * 0")  # 2026-01-04 is a Sunday
    runs = fire("2026-01-02 04:00")
    assert sorted(r.trigger for r in runs) == [f"schedule:{daily.pk}", f"schedule:{hourly.pk}"]
    assert [r.trigger for r in fire("2026-01-04 04:00")] == [
        f"schedule:{daily.pk}",
        f"schedule:{hourly.pk}",
        f"schedule:{weekly.pk}",
    ]


def test_a_schedule_saved_without_validation_does_not_stop_the_others(make_schedule, caplog):
    make_schedule("0 4 31 2 *")
    good = make_schedule("0 4 * * *")
    assert [r.trigger for r in fire("2026-01-02 04:00")] == [f"schedule:{good.pk}"]
    assert "cannot evaluate '0 4 31 2 *'" in caplog.text


def test_the_command_refuses_a_time_without_a_zone(db):
    with pytest.raises(CommandError, match="needs a zone"):
        call_command("fire_schedules", now="2026-01-02T04:00:00")
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("fire_schedules", now="tomorrow")


def tick_in_threads(count, now):
    """Run `count` ticks at once in threads, each on its own database connection."""
    barrier = threading.Barrier(count)
    errors = []

    def tick():
        try:
            barrier.wait()
            fire_schedules(now, start=queue_only)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_in_threads_start_one_group_run_per_slot(make_schedule):
    schedules = [make_schedule("*/5 * * * *") for _ in range(3)]
    for now in ["2026-01-02 04:00", "2026-01-02 04:05:01", "2026-01-02 04:10:02"]:
        tick_in_threads(8, utc(now))
    for schedule in schedules:
        assert GroupRun.objects.filter(trigger=f"schedule:{schedule.pk}").count() == 3
        schedule.refresh_from_db()
        assert schedule.last_fired_at == utc("2026-01-02 04:10")
