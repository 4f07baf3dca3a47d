from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def duration(value):
    """Render a timedelta for people: '850 ms', '4.2 s', '3 m 07 s', '2 h 05 m'; '' for anything else."""
    if not isinstance(value, timedelta):
        return ""
    seconds = value.total_seconds()
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


@register.filter
def ago(value):
    """Render how long ago an aware datetime was: 'just now', '5 minutes ago', '2 days, 3 hours ago'."""
    if not value:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value)} ago"


@register.filter
def count(value):
    """Render a row count with thousands separators: 1234567 is '1,234,567'; '' for None."""
    if value is None or value == "":
        return ""
    return f"{value:,}"
