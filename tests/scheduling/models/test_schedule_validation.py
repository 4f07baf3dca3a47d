"""Cron expressions and time zones are checked wherever a schedule is saved, naming what is wrong."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from scheduling.models import Group, Schedule, validate_cron, validate_timezone


def message(validator, value):
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value.messages[0]


def post_schedules(admin_client, group, *schedules):
    """Post the group's admin page with no members and these new, enabled schedules."""
    data = {
        "name": group.name,
        "enabled": "on",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "schedules-TOTAL_FORMS": str(len(schedules)),
        "schedules-INITIAL_FORMS": "0",
    }
    for n, schedule in enumerate(schedules):
        data |= {f"schedules-{n}-{field}": value for field, value in {**schedule, "enabled": "on"}.items()}
    return admin_client.post(f"/admin/scheduling/group/{group.pk}/change/", data)


@pytest.mark.parametrize(
    "cron",
    ["30 2 * * *", "*/5 * * * *", "0 8-18/2 * * mon-fri", "0 0 1 jan,jul *", "0 0 29 2 *", "0 4 * * 7"]
    + ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@Daily", " @daily "],
)
def test_five_fields_and_the_usual_names_are_accepted(cron):
    validate_cron(cron)


@pytest.mark.parametrize(
    "cron, expected",
    [
        ("30 2 * *", "'30 2 * *' has 4 fields; a cron expression has 5"),
        ("0 30 2 * * *", "has 6 fields"),
        ("60 2 * * *", "the minute field '60' is not valid (0-59)"),
        ("30 24 * * *", "the hour field '24' is not valid (0-23)"),
        ("0 0 32 * *", "the day-of-month field '32' is not valid (1-31)"),
        ("0 0 * 13 *", "the month field '13' is not valid (1-12 or jan-dec)"),
        ("0 0 * * 8", "the day-of-week field '8' is not valid (0-7 or sun-sat)"),
        ("*/0 * * * *", "the minute field '*/0' is not valid"),
        ("0 0 * * friday", "the day-of-week field 'friday' is not valid"),
        ("0 0 31 4 *", "'0 0 31 4 *' never fires: no date matches it."),
        ("@reboot", "'@reboot' is not a cron name; use one of @yearly"),
        ("@every 5m", "is not a cron name"),
    ],
)
def test_a_bad_expression_is_refused_naming_what_is_wrong(cron, expected):
    assert expected in message(validate_cron, cron)


def test_a_misspelt_time_zone_is_refused_with_the_closest_name():
    assert message(validate_timezone, "America/New York") == (
        "'America/New York' is not a known time zone; did you mean America/New_York?"
    )
    assert "not a known time zone" in message(validate_timezone, "Mars/Olympus_Mons")
    validate_timezone("Europe/Paris")
    validate_timezone("")


def test_the_admin_refuses_a_broken_schedule_with_the_message(admin_client):
    group = Group.objects.create(name="nightly")
    response = post_schedules(
        admin_client, group, {"cron": "30 25 * * *"}, {"cron": "30 2 * * *", "timezone": "Europe/Pariss"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "the hour field &#x27;25&#x27; is not valid (0-23)" in page
    assert "&#x27;Europe/Pariss&#x27; is not a known time zone; did you mean Europe/Paris?" in page
    assert not Schedule.objects.exists()


def test_the_admin_saves_a_good_schedule_and_shows_its_next_fire_times(admin_client, settings):
    group = Group.objects.create(name="nightly")
    response = post_schedules(admin_client, group, {"cron": "@daily", "timezone": "Asia/Tokyo"})
    assert response.status_code == 302
    schedule = Schedule.objects.get()
    assert schedule.cron == "@daily"
    page = admin_client.get(f"/admin/scheduling/group/{group.pk}/change/").content.decode()
    first = schedule.next_fire_times(count=1)[0]
    assert first.strftime("%Y-%m-%d 00:00 JST") in page


def test_import_config_refuses_a_broken_schedule_naming_it(db):
    from pipekit_site.config_io import ConfigError, import_config

    text = "groups:\n  - name: nightly\n    schedules:\n      - {cron: '0 4 * *', timezone: Mars/Base}\n"
    with pytest.raises(ConfigError) as caught:
        import_config(text)
    problems = "\n".join(caught.value.problems)
    assert "'0 4 * *' has 4 fields" in problems
    assert "'Mars/Base' is not a known time zone" in problems
    assert not Group.objects.exists()


def test_next_fire_times_are_in_the_schedule_zone():
    schedule = Schedule(cron="0 4 * * *", timezone="America/New_York")
    times = schedule.next_fire_times(count=2, after=datetime(2026, 1, 10, 12, tzinfo=UTC))
    assert [t.isoformat() for t in times] == ["2026-01-11T04:00:00-05:00", "2026-01-12T04:00:00-05:00"]
