"""Backfills: a module run with given watermark values instead of resolved ones, and a long range
split into chunks, each one run (one merge, committed on its own), resumable after a failure."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from syncs.engine import run_module
from syncs.models import Status

# A chunk of time: 7d, 12h, 30m; a bare number is a step of a numeric watermark.
CHUNK_RE = re.compile(r"^\s*(\d+)\s*([dhm]?)\s*$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}
EXAMPLES = "7d, 12h, 30m"


class BackfillError(Exception):
    """The values or the chunk size cannot make a backfill; the message says why."""


def values_problem(module, values):
    """Return why values cannot be given to a run of module, or '' when they can."""
    tokens = module.query_tokens()
    for name, value in values.items():
        if name not in tokens:
            known = ", ".join(f"{{{t}}}" for t in tokens) or "none"
            return f"the source query has no {{{name}}} (its tokens: {known})"
        if value == "":
            return f"{name} has no value"
    return ""


def _point(text):
    """Return a range bound as a number, a date or a datetime."""
    for parse in (int, Decimal):
        try:
            return parse(text)
        except (ValueError, InvalidOperation):
            pass
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise BackfillError(
            f"{text!r} is not a number, a date or a time (2024-01-01, 2024-01-01 06:00)"
        ) from None


def _text(point):
    if isinstance(point, datetime):
        return point.isoformat(sep=" ")
    return str(point)


def chunks(since, until, size):
    """Return the [start, end) ranges, as text, that split since..until into steps of size: a number
    for numbers, 7d / 12h / 30m for dates and times."""
    start, end = _point(since), _point(until)
    match = CHUNK_RE.match(size)
    if not match or int(match.group(1)) == 0:
        raise BackfillError(
            f"chunk {size!r}: write a positive number, or days, hours or minutes ({EXAMPLES})"
        )
    if type(start) is not type(end) and not {type(start), type(end)} <= {int, Decimal}:
        raise BackfillError(f"{since} and {until} are not the same kind of value")
    number, unit = int(match.group(1)), match.group(2)
    if isinstance(start, (int, Decimal)):
        if unit:
            raise BackfillError(f"chunk {size!r}: numeric watermarks take a plain number")
        step = number
    else:
        if not unit:
            raise BackfillError(f"chunk {size!r}: dates take days, hours or minutes ({EXAMPLES})")
        step = timedelta(**{UNITS[unit]: number})
        if isinstance(start, date) and not isinstance(start, datetime) and step % timedelta(days=1):
            start, end = (datetime.combine(p, datetime.min.time()) for p in (start, end))
    if not start < end:
        raise BackfillError(f"the range {since} .. {until} is empty: the first value must be the lower")
    ranges = []
    while start < end:
        stop = min(start + step, end)
        ranges.append((_text(start), _text(stop)))
        start = stop
    return ranges


def run_backfill(module, values, *, chunk=None, resume=False, trigger, triggered_by="", on_run=None):
    """Run module once with values (a dict of watermark values), or, with chunk, once per chunk of
    the range between the first two values, in order, stopping at the first run that does not
    succeed. Return the runs made.

    resume: start at the chunk after the last one the previous backfill of the same range
    committed. on_run(run) is called after each run."""
    problem = values_problem(module, values)
    if problem:
        raise BackfillError(problem)
    if not chunk:
        run = run_module(module, trigger=trigger, triggered_by=triggered_by, backfill={"values": values})
        return [run]
    if len(values) < 2:
        raise BackfillError("a chunked backfill needs the range as two values: --set since=… --set until=…")
    (low, since), (high, until), *others = values.items()
    ranges = chunks(since, until, chunk)
    key = f"{low}={since} .. {high}={until} by {chunk}"
    first = _resume_at(module, key) if resume else 1
    runs = []
    for number, (start, stop) in enumerate(ranges, 1):
        if number < first:
            continue
        backfill = {
            "values": {low: start, high: stop, **dict(others)},
            "chunk": {"range": key, "number": number, "of": len(ranges)},
        }
        run = run_module(module, trigger=trigger, triggered_by=triggered_by, backfill=backfill)
        runs.append(run)
        if on_run:
            on_run(run)
        if run.status != Status.SUCCESS:
            break
    return runs


def _resume_at(module, key):
    """The chunk number to go on from: after the newest chunk of this range that succeeded, or the
    one that failed after it."""
    for run in module.runs.filter(backfill__has_key="chunk").only("status", "backfill")[:500]:
        chunk = run.backfill.get("chunk") or {}
        if chunk.get("range") == key:
            return chunk["number"] + (run.status == Status.SUCCESS)
    return 1
