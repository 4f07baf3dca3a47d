"""A cron expression in words, for people reading a schedule: "at 04:00 on weekdays".

Built from croniter's expansion of the expression (lists of numbers per field, ['*'] for any), so
names, ranges and steps read the same as the numbers they stand for."""

from croniter import croniter

DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# More times than this in a day read better as "every N minutes" or "at minute M of hours …".
MAX_LISTED_TIMES = 4


def _and(words):
    words = [str(word) for word in words]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _runs(values):
    """Group sorted numbers into consecutive runs: [1, 2, 3, 5] → [(1, 3), (5, 5)]."""
    runs = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _numbers(values):
    """Numbers in words, runs of three or more as ranges: [9, 10, 11, 12, 15] → "9 to 12 and 15"."""
    return _and(
        str(a) if a == b else f"{a} and {b}" if b == a + 1 else f"{a} to {b}" for a, b in _runs(values)
    )


def _hours(hours):
    return f"hour{'s' if len(hours) > 1 else ''} {_numbers(hours)}"


def _step(values, size):
    """The step of values that start at 0 and go up evenly through the whole range, else None."""
    if len(values) < 2 or values[0] != 0:
        return None
    step = values[1] - values[0]
    if values == list(range(0, size, step)) and size % step == 0:
        return step
    return None


def _time(minutes, hours):
    if minutes == ["*"] and hours == ["*"]:
        return "every minute"
    if minutes == ["*"]:
        return f"every minute in {_hours(hours)}"
    minute_step = _step(minutes, 60)
    if hours == ["*"]:
        if minute_step:
            return f"every {minute_step} minutes"
        return f"every hour at minute {_numbers(minutes)}"
    hour_step = _step(hours, 24)
    if hour_step and len(minutes) == 1:
        return f"every {hour_step} hours at minute {minutes[0]}"
    if len(minutes) * len(hours) <= MAX_LISTED_TIMES:
        return "at " + _and(f"{hour:02d}:{minute:02d}" for hour in hours for minute in minutes)
    if minute_step:
        return f"every {minute_step} minutes in {_hours(hours)}"
    return f"at minute {_numbers(minutes)} in {_hours(hours)}"


def _days_of_week(days, nth):
    if days == [1, 2, 3, 4, 5] and not nth:
        return "weekdays"
    if days == [0, 6] and not nth:
        return "weekends"
    if nth:
        ordinal = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
        return _and(
            f"the {_and(ordinal[n] for n in sorted(nth[day]))} {DAYS[day]}" for day in days if day in nth
        )
    parts = [DAYS[a] if a == b else f"{DAYS[a]} to {DAYS[b]}" for a, b in _runs(days)]
    return _and(parts)


def describe(expression):
    """Return the expression in words, without its time zone (e.g. "at 04:00 on weekdays")."""
    (minutes, hours, days, months, weekdays), nth = croniter.expand(expression.strip())
    words = [_time(minutes, hours)]
    on = []
    if days != ["*"]:
        numbers = [day for day in days if isinstance(day, int)]
        parts = [f"day{'s' if len(numbers) > 1 else ''} {_numbers(numbers)} of the month"] if numbers else []
        if "l" in days:
            parts.append("the last day of the month")
        on.append(" or ".join(parts))
    if weekdays != ["*"]:
        on.append(_days_of_week(weekdays, nth))
    if on:
        # Cron runs on either when both the day of the month and the day of the week are set.
        words.append("on " + " or ".join(on))
    if months != ["*"]:
        words.append("in " + _and(MONTHS[month - 1] for month in months))
    return " ".join(words)
