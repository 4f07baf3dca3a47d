import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from scheduling.models import GroupMember, GroupRun
from scheduling.tick import fire_schedules
from tests.scheduling.helpers import record_only, tick_in_processes, utc, wait_until_finished
from tests.syncs.locks import dead_pid


def fire(now):
    return fire_schedules(utc(now), start=record_only)


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


def fired_now_and_at_the_next_time(schedule):
    """Tick at the real current time, then at the schedule's next time; return how many runs each started."""
    now = timezone.now()
    first = fire_schedules(now, start=record_only)
    [next_time] = schedule.next_fire_times(1, after=now)
    return len(first), len(fire_schedules(next_time, start=record_only))


def test_a_schedule_enabled_again_does_not_fire_the_times_it_missed(make_schedule):
    schedule = make_schedule("0 4 * * *", enabled=False, last_fired_at=utc("2026-01-01 04:00"))
    schedule.enabled = True
    schedule.save()
    assert fired_now_and_at_the_next_time(schedule) == (0, 1)


def test_a_schedule_given_another_cron_counts_from_the_change(make_schedule):
    schedule = make_schedule("0 4 1 1 *", last_fired_at=utc("2026-01-01 04:00"))
    schedule.cron = "0 * * * *"
    schedule.save()
    assert fired_now_and_at_the_next_time(schedule) == (0, 1)


def test_a_schedule_of_a_group_enabled_again_does_not_fire_the_times_it_missed(make_schedule):
    schedule = make_schedule("0 4 * * *", last_fired_at=utc("2026-01-01 04:00"))
    schedule.group.enabled = False
    schedule.group.save()
    schedule.group.enabled = True
    schedule.group.save()
    schedule.refresh_from_db()
    assert fired_now_and_at_the_next_time(schedule) == (0, 1)


def test_saving_a_schedule_without_changing_its_times_keeps_its_catch_up(make_schedule):
    schedule = make_schedule("0 4 * * *", last_fired_at=utc("2026-01-01 04:00"))
    schedule.save()
    assert fired_now_and_at_the_next_time(schedule) == (1, 1)


def test_each_due_schedule_fires_and_the_others_wait(make_schedule):
    daily = make_schedule("0 4 * * *")
    hourly = make_schedule("@hourly")
    weekly = make_schedule("0 4 * * 0")  # 2026-01-04 is a Sunday
    runs = fire("2026-01-02 04:00")
    assert {r.trigger for r in runs} == {f"schedule:{daily.pk}", f"schedule:{hourly.pk}"}
    assert [r.trigger for r in fire("2026-01-04 04:00")] == [
        f"schedule:{daily.pk}",
        f"schedule:{hourly.pk}",
        f"schedule:{weekly.pk}",
    ]


def test_spaces_around_the_expression_do_not_stop_it_firing(make_schedule):
    make_schedule(" @daily ")
    make_schedule(" 0 4 * * * ")
    assert len(fire("2026-01-02 04:00")) == 2


def test_a_schedule_saved_without_validation_does_not_stop_the_others(make_schedule, caplog):
    make_schedule("0 4 31 2 *")
    good = make_schedule("0 4 * * *")
    assert [r.trigger for r in fire("2026-01-02 04:00")] == [f"schedule:{good.pk}"]
    assert "cannot evaluate '0 4 31 2 *'" in caplog.text


def running_group_run(group, pid):
    """A group run marked running by the process pid on this host, as run_group marks it."""
    return GroupRun.objects.create(
        group=group, status="running", pid=pid, host=socket.gethostname(), started_at=timezone.now()
    )


def test_a_slot_is_skipped_while_the_group_still_runs_and_the_next_one_fires(make_schedule, caplog):
    schedule = make_schedule("*/5 * * * *", last_fired_at=utc("2026-01-02 10:00"))
    running = running_group_run(schedule.group, os.getpid())

    assert fire("2026-01-02 10:05") == []
    schedule.refresh_from_db()
    assert schedule.last_fired_at == utc("2026-01-02 10:05")
    assert (
        f"schedule {schedule.pk} ({schedule}): the 2026-01-02T10:05:00+00:00 slot is skipped,"
        f" group run {running.pk} is still running"
    ) in caplog.text
    assert [r.levelname for r in caplog.records if "is skipped" in r.message] == ["WARNING"]
    assert fire("2026-01-02 10:06") == []

    GroupRun.objects.filter(pk=running.pk).update(status="success", finished_at=timezone.now())
    assert fire("2026-01-02 10:09") == []
    [run] = fire("2026-01-02 10:10")
    assert run.trigger == f"schedule:{schedule.pk}"
    assert GroupRun.objects.count() == 2


def test_a_running_group_run_whose_process_is_gone_does_not_stop_the_slot(make_schedule):
    schedule = make_schedule("0 4 * * *")
    dead = running_group_run(schedule.group, dead_pid())

    assert len(fire("2026-01-02 04:00")) == 1
    dead.refresh_from_db()
    assert dead.status == "error"
    assert dead.error.startswith("abandoned: ")


def test_a_queued_group_run_counts_as_running(make_schedule, caplog):
    schedule = make_schedule("0 4 * * *")
    queued = GroupRun.objects.create(group=schedule.group, trigger="manual")

    assert fire("2026-01-02 04:00") == []
    assert f"group run {queued.pk} is still queued" in caplog.text
    assert GroupRun.objects.count() == 1


def test_two_schedules_of_a_group_due_in_the_same_tick_start_one_group_run(make_schedule, caplog):
    daily = make_schedule("0 4 * * *")
    hourly = make_schedule("@hourly", group=daily.group)
    every_five = make_schedule("*/5 * * * *", group=daily.group, last_fired_at=utc("2026-01-02 03:55"))

    [run] = fire("2026-01-02 04:00:20")

    assert run.trigger == f"schedule:{daily.pk}"
    assert caplog.text.count("another schedule started the group in this tick") == 2
    for schedule in (daily, hourly, every_five):
        schedule.refresh_from_db()
        assert schedule.last_fired_at == utc("2026-01-02 04:00")
    # The next tick starts the group again.
    assert len(fire("2026-01-02 04:05")) == 1


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
            fire_schedules(now, start=record_only)
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


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_in_processes_start_one_group_run_per_group_and_tick(make_schedule):
    daily = make_schedule("0 4 * * *")
    for cron in ["@hourly", "*/5 * * * *", "*/2 * * * *"]:
        make_schedule(cron, group=daily.group)

    output = tick_in_processes(4, utc("2026-01-02 04:00"))

    assert output.count("started group run") == 1
    assert GroupRun.objects.count() == 1
    wait_until_finished(GroupRun.objects.all())


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_in_processes_start_one_group_run_per_slot(make_schedule):
    schedules = [make_schedule("*/5 * * * *") for _ in range(2)]
    for now in ["2026-01-02 04:00", "2026-01-02 04:05:01"]:
        output = tick_in_processes(4, utc(now))
        assert output.count("started group run") == 2
    for schedule in schedules:
        assert GroupRun.objects.filter(trigger=f"schedule:{schedule.pk}").count() == 2
    # The runs (of empty groups) are real detached processes: let them end before the tables are flushed.
    wait_until_finished(GroupRun.objects.all())
    assert set(GroupRun.objects.values_list("status", flat=True)) == {"success"}


def test_ticks_racing_in_processes_on_a_postgresql_state_database_start_one_group_run_per_slot(
    pg_db, tmp_path
):
    """Several hosts sharing one PostgreSQL state database: processes with their own connections."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {pg_db.url}\n"
        f"secret_key_file: {tmp_path}/secret_key\n"
        f"secrets_file: {tmp_path}/secrets.env\n"
    )
    env = {**os.environ, "PIPEKIT_CONFIG": str(config), "DJANGO_SETTINGS_MODULE": "pipekit_site.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=settings.BASE_DIR, env=env, check=True
    )
    for name, cron in [("often", "*/5 * * * *"), ("hourly", "0 * * * *")]:
        [(group_id,)] = pg_db.rows(
            "INSERT INTO scheduling_group (name, description, enabled, stop_on_failure, notify)"
            " VALUES (%s, '', true, false, '[]') RETURNING id",
            (name,),
        )
        pg_db.execute(
            "INSERT INTO scheduling_schedule (group_id, cron, timezone, enabled, created_at, counts_from)"
            " VALUES (%s, %s, 'Europe/Paris', true, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            (group_id, cron),
        )

    for now in ["2026-01-02 04:00", "2026-01-02 04:05:30"]:
        tick_in_processes(4, utc(now), env)
        # A group run still queued or running would make the next slot skip.
        wait_until_no_unfinished_group_run(pg_db)

    fired = pg_db.rows(
        "SELECT s.cron, count(r.id), max(s.last_fired_at) FROM scheduling_schedule s"
        " LEFT JOIN scheduling_grouprun r ON r.trigger = 'schedule:' || s.id GROUP BY s.cron ORDER BY s.cron"
    )
    assert [(cron, runs, last.isoformat()) for cron, runs, last in fired] == [
        ("*/5 * * * *", 2, "2026-01-02T04:05:00+00:00"),
        ("0 * * * *", 1, "2026-01-02T04:00:00+00:00"),
    ]
    assert pg_db.rows("SELECT DISTINCT status FROM scheduling_grouprun") == [("success",)]


def wait_until_no_unfinished_group_run(pg_db):
    for _ in range(1200):
        if not pg_db.rows("SELECT id FROM scheduling_grouprun WHERE status IN ('queued', 'running')"):
            return
        time.sleep(0.5)
    raise AssertionError("group runs still unfinished")


@pytest.mark.django_db(transaction=True)
def test_a_fired_schedule_runs_its_group_for_real_in_a_detached_process(make_items_module, make_schedule):
    schedule = make_schedule("* * * * *")
    GroupMember.objects.create(group=schedule.group, module=make_items_module(), run_order=1)

    [group_run] = fire_schedules()

    wait_until_finished(GroupRun.objects.filter(pk=group_run.pk))
    group_run.refresh_from_db()
    assert group_run.status == "success"
    assert group_run.trigger == f"schedule:{schedule.pk}"
    assert [run.status for run in group_run.runs.all()] == ["success"]
    assert make_items_module.dest_db.rows("SELECT id, name FROM items_copy ORDER BY id") == [
        (1, "one"),
        (2, "two"),
        (3, None),
    ]
