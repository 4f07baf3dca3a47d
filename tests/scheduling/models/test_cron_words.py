import pytest

from scheduling.cron_words import describe
from scheduling.models import Schedule


@pytest.mark.parametrize(
    "cron, words",
    [
        ("0 4 * * 1-5", "at 04:00 on weekdays"),
        ("0 4 * * mon-fri", "at 04:00 on weekdays"),
        ("30 2 * * *", "at 02:30"),
        ("@daily", "at 00:00"),
        ("@hourly", "every hour at minute 0"),
        ("* * * * *", "every minute"),
        ("*/15 * * * *", "every 15 minutes"),
        ("0 */2 * * *", "every 2 hours at minute 0"),
        ("*/15 9-17 * * *", "every 15 minutes in hours 9 to 17"),
        ("0 8,12,18 * * *", "at 08:00, 12:00 and 18:00"),
        ("0 4 * * 0,6", "at 04:00 on weekends"),
        ("0 4 * * 7", "at 04:00 on Sunday"),
        ("0 4 * * 1,3,5", "at 04:00 on Monday, Wednesday and Friday"),
        ("0 4 * * 1-3,5", "at 04:00 on Monday to Wednesday and Friday"),
        ("0 0 1,15 * *", "at 00:00 on days 1 and 15 of the month"),
        ("0 0 L * *", "at 00:00 on the last day of the month"),
        ("0 0 * * 5#3", "at 00:00 on the third Friday"),
        ("30 2 1 * sun", "at 02:30 on day 1 of the month or Sunday"),
        ("0 12 1 jan,jul *", "at 12:00 on day 1 of the month in January and July"),
    ],
)
def test_a_cron_expression_reads_as_words(cron, words):
    assert describe(cron) == words


def test_a_schedule_in_words_names_its_zone():
    assert Schedule(cron="0 4 * * 1-5", timezone="America/New_York").in_words == (
        "at 04:00 on weekdays, America/New_York"
    )


def test_a_schedule_without_a_zone_names_the_configured_one(settings):
    settings.TIME_ZONE = "Europe/Paris"
    assert Schedule(cron=" @daily ").in_words == "at 00:00, Europe/Paris"
