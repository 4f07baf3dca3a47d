from datetime import datetime
from zoneinfo import ZoneInfo

from scheduling.models import Group, Schedule


def test_it_adds_a_schedule_shown_in_words_with_its_next_five_fire_times(staff_client, db):
    group = Group.objects.create(name="nightly")

    response = staff_client.post(
        f"/groups/{group.id}/schedules/new",
        {"cron": "0 4 * * 1-5", "timezone": "America/New_York"},
        follow=True,
    )

    schedule = group.schedules.get()
    assert (schedule.cron, schedule.timezone, schedule.enabled) == ("0 4 * * 1-5", "America/New_York", True)
    page = response.content.decode()
    assert "Added the schedule 0 4 * * 1-5: at 04:00 on weekdays, America/New_York." in page
    times = schedule.next_fire_times(5)
    assert all(when.weekday() < 5 and (when.hour, when.minute) == (4, 0) for when in times)
    for when in times:
        assert when.strftime("%a %Y-%m-%d 04:00 %Z") in page


def test_preview_shows_words_and_times_without_saving(staff_client, db):
    group = Group.objects.create(name="nightly")

    response = staff_client.post(
        f"/groups/{group.id}/schedules/new",
        {"cron": "30 2 * * *", "timezone": "Europe/Paris", "preview": "1"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>at 02:30, Europe/Paris</strong>" in page
    assert page.count(" 02:30 CE") == 5  # CET or CEST, Paris time
    assert 'value="30 2 * * *"' in page
    assert not Schedule.objects.exists()


def test_the_times_are_those_of_the_schedules_zone(staff_client, db):
    group = Group.objects.create(name="nightly")
    staff_client.post(f"/groups/{group.id}/schedules/new", {"cron": "0 4 * * *", "timezone": "Asia/Tokyo"})
    first = group.schedules.get().next_fire_times(1)[0]
    assert first.tzinfo == ZoneInfo("Asia/Tokyo")
    assert first.astimezone(ZoneInfo("UTC")).hour == 19
    assert first > datetime.now(ZoneInfo("UTC"))


def test_a_bad_cron_or_zone_is_refused_naming_the_problem(staff_client, db):
    group = Group.objects.create(name="nightly")
    response = staff_client.post(f"/groups/{group.id}/schedules/new", {"cron": "0 25 * * *", "timezone": ""})
    assert response.status_code == 400
    assert "the hour field &#x27;25&#x27; is not valid (0-23)" in response.content.decode()
    response = staff_client.post(
        f"/groups/{group.id}/schedules/new", {"cron": "0 4 * * *", "timezone": "Europe/Pariss"}
    )
    assert response.status_code == 400
    assert "did you mean Europe/Paris?" in response.content.decode()
    assert not Schedule.objects.exists()


def test_operators_may_not_add_schedules(operator_client, db):
    group = Group.objects.create(name="nightly")
    assert operator_client.post(f"/groups/{group.id}/schedules/new", {"cron": "@daily"}).status_code == 403
    assert not Schedule.objects.exists()
