from datetime import timedelta

from django.utils import timezone

from scheduling.models import Group, Schedule


def test_an_operator_pauses_and_resumes_a_group(operator_client, db):
    group = Group.objects.create(name="nightly")

    response = operator_client.post(f"/groups/{group.id}/pause", {"paused": "1"}, follow=True)
    group.refresh_from_db()
    assert not group.enabled
    page = response.content.decode()
    assert "Paused nightly: its schedules start no runs until it is resumed." in page
    assert "Resume group" in page

    operator_client.post(f"/groups/{group.id}/pause", {"paused": "0"})
    group.refresh_from_db()
    assert group.enabled


def test_a_double_click_leaves_the_group_paused(operator_client, db):
    group = Group.objects.create(name="nightly")
    operator_client.post(f"/groups/{group.id}/pause", {"paused": "1"})
    operator_client.post(f"/groups/{group.id}/pause", {"paused": "1"})
    group.refresh_from_db()
    assert not group.enabled


def test_resuming_does_not_catch_up_the_times_missed(operator_client, db):
    group = Group.objects.create(name="nightly", enabled=False)
    schedule = Schedule.objects.create(
        group=group, cron="@hourly", created_at=timezone.now() - timedelta(days=1)
    )
    operator_client.post(f"/groups/{group.id}/pause", {"paused": "0"})
    schedule.refresh_from_db()
    assert schedule.counts_from > timezone.now() - timedelta(minutes=1)


def test_a_bad_switch_value_is_refused(operator_client, db):
    group = Group.objects.create(name="nightly")
    assert operator_client.post(f"/groups/{group.id}/pause", {"paused": "maybe"}).status_code == 400
    group.refresh_from_db()
    assert group.enabled


def test_viewers_may_not_pause_and_see_no_switch(viewer_client, db):
    group = Group.objects.create(name="nightly")
    assert viewer_client.post(f"/groups/{group.id}/pause", {"paused": "1"}).status_code == 403
    assert "Pause group" not in viewer_client.get(f"/groups/{group.id}/").content.decode()
    group.refresh_from_db()
    assert group.enabled
