"""The module list's trend picture: duration and rows of the last runs as a tiny inline SVG."""

from django.utils.html import format_html, format_html_join

WIDTH = 120
HEIGHT = 28


def _points(values):
    """Scale values to the picture, each series on its own scale (a flat series sits mid-height)."""
    low, high = min(values), max(values)
    step = (WIDTH - 4) / max(len(values) - 1, 1)
    points = []
    for i, value in enumerate(values):
        share = (value - low) / (high - low) if high > low else 0.5
        points.append((round(2 + i * step, 1), round(HEIGHT - 2 - share * (HEIGHT - 4), 1)))
    return points


def _polyline(values, css_class):
    coordinates = format_html_join(" ", "{},{}", _points(values))
    return format_html('<polyline class="{}" points="{}"/>', css_class, coordinates)


def trend_svg(points):
    """Return an inline SVG of [seconds, rows] points (Module.trend), oldest first; '' for fewer than 2."""
    if len(points) < 2:
        return ""
    seconds = [point[0] for point in points]
    rows = [point[1] for point in points]
    title = (
        f"Last {len(points)} successful runs, oldest first: duration {min(seconds):.1f}–{max(seconds):.1f} s "
        f"(blue), rows {min(rows):,}–{max(rows):,} (grey)"
    )
    return format_html(
        '<svg class="trend" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        "<title>{}</title>{}{}</svg>",
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        title,
        title,
        _polyline(rows, "rows"),
        _polyline(seconds, "duration"),
    )
