from datetime import timedelta

from django.utils import timezone

from scheduling.models import Group, Schedule


def make_schedule():
    group = Group.objects.create(name="nightly")
    return Schedule.objects.create(
        group=group, cron="0 4 * * *", timezone="UTC", created_at=timezone.now() - timedelta(days=3)
    )


def test_it_shows_the_schedule_in_words_in_a_labelled_form(staff_client, db):
    schedule = make_schedule()
    page = staff_client.get(f"/schedules/{schedule.id}/edit").content.decode()
    assert "Now at 04:00, UTC" in page
    assert '<label for="id_cron">Cron expression</label>' in page and 'value="0 4 * * *"' in page


def test_it_saves_a_new_cron_and_zone_from_its_next_time_on(staff_client, db):
    schedule = make_schedule()
    response = staff_client.post(
        f"/schedules/{schedule.id}/edit", {"cron": "0 4 * * 1-5", "timezone": "America/New_York"}, follow=True
    )
    assert (
        "Saved the schedule 0 4 * * 1-5: at 04:00 on weekdays, America/New_York." in response.content.decode()
    )
    schedule.refresh_from_db()
    assert (schedule.cron, schedule.timezone) == ("0 4 * * 1-5", "America/New_York")
    assert schedule.counts_from > timezone.now() - timedelta(minutes=1)


def test_preview_shows_the_new_times_and_saves_nothing(staff_client, db):
    schedule = make_schedule()
    response = staff_client.post(
        f"/schedules/{schedule.id}/edit", {"cron": "@hourly", "timezone": "", "preview": "1"}
    )
    page = response.content.decode()
    assert "<strong>every hour at minute 0, UTC</strong>" in page
    assert page.count('<li class="nowrap">') == 5
    assert "Now at 04:00, UTC" in page
    schedule.refresh_from_db()
    assert schedule.cron == "0 4 * * *"


def test_a_bad_cron_is_refused_and_the_page_names_the_stored_one(staff_client, db):
    schedule = make_schedule()
    response = staff_client.post(f"/schedules/{schedule.id}/edit", {"cron": "61 * * * *", "timezone": "UTC"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "the minute field &#x27;61&#x27; is not valid (0-59)" in page
    assert "Now at 04:00, UTC" in page
    schedule.refresh_from_db()
    assert schedule.cron == "0 4 * * *"


def test_operators_may_not_edit_schedules(operator_client, db):
    schedule = make_schedule()
    assert operator_client.post(f"/schedules/{schedule.id}/edit", {"cron": "@daily"}).status_code == 403
    schedule.refresh_from_db()
    assert schedule.cron == "0 4 * * *"
