from datetime import timedelta

from django.utils import timezone

from scheduling.models import Group, Schedule


def make_schedule():
    group = Group.objects.create(name="nightly")
    return Schedule.objects.create(
        group=group,
        cron="0 4 * * 1-5",
        timezone="America/New_York",
        created_at=timezone.now() - timedelta(days=2),
    )


def test_an_operator_pauses_a_schedule_and_its_times_are_no_longer_shown(operator_client, db):
    schedule = make_schedule()

    response = operator_client.post(f"/schedules/{schedule.id}/pause", {"paused": "1"}, follow=True)

    schedule.refresh_from_db()
    assert not schedule.enabled
    page = response.content.decode()
    assert "Paused the schedule 0 4 * * 1-5 (at 04:00 on weekdays, America/New_York)." in page
    assert 'aria-label="Resume the schedule 0 4 * * 1-5"' in page
    assert '<ol class="fire-times">' not in page


def test_resuming_a_schedule_fires_from_now_on(operator_client, db):
    schedule = make_schedule()
    schedule.enabled = False
    schedule.save()
    operator_client.post(f"/schedules/{schedule.id}/pause", {"paused": "0"})
    schedule.refresh_from_db()
    assert schedule.enabled
    assert schedule.counts_from > timezone.now() - timedelta(minutes=1)


def test_a_double_click_leaves_it_paused(operator_client, db):
    schedule = make_schedule()
    operator_client.post(f"/schedules/{schedule.id}/pause", {"paused": "1"})
    operator_client.post(f"/schedules/{schedule.id}/pause", {"paused": "1"})
    schedule.refresh_from_db()
    assert not schedule.enabled


def test_a_bad_switch_value_is_refused(operator_client, db):
    schedule = make_schedule()
    assert operator_client.post(f"/schedules/{schedule.id}/pause", {"paused": ""}).status_code == 400
    schedule.refresh_from_db()
    assert schedule.enabled


def test_viewers_may_not_pause(viewer_client, db):
    schedule = make_schedule()
    assert viewer_client.post(f"/schedules/{schedule.id}/pause", {"paused": "1"}).status_code == 403
    schedule.refresh_from_db()
    assert schedule.enabled
