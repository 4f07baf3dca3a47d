"""Pictures of a module's runs as inline SVG: the module list's tiny trend, the module page's chart."""

import math

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from syncs.models import Status

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


# The module page's chart of its last runs: a server-drawn SVG (the CSP allows no script to draw one).
CHART_RUNS = 50
CHART_WIDTH, CHART_HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 72, 40, 40
# The runs a chart shows: ended, and really started (a run refused before it began has no duration).
CHART_STATUSES = [Status.SUCCESS, Status.ERROR, Status.CANCELLED]


def chart_runs(module):
    """The module's last CHART_RUNS real runs that started and ended, oldest first."""
    runs = module.runs.filter(status__in=CHART_STATUSES, started_at__isnull=False, finished_at__isnull=False)
    fields = ["id", "module_id", "status", "created_at", "started_at", "finished_at", "rows_merged"]
    return list(runs.only(*fields)[:CHART_RUNS])[::-1]


def _nice_top(value):
    """The smallest of 1, 2, 5 × 10ⁿ at or above value (1 for nothing), so the axes read in round numbers."""
    if value <= 0:
        return 1
    scale = 10 ** math.floor(math.log10(value))
    return next(step * scale for step in (1, 2, 5, 10) if step * scale >= value)


def _seconds_text(seconds):
    return f"{seconds:,.0f} s" if seconds >= 10 or seconds == 0 else f"{seconds:.1f} s"


def _when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def history_chart(runs):
    """Return an SVG chart of runs (oldest first): duration as a line with a dot per run, rows as
    bars, failed runs as red crosses and cancelled ones as hollow dots; left axis seconds, right
    axis rows, bottom the first and last run's time. '' for no runs."""
    if not runs:
        return ""
    plot_w, plot_h = CHART_WIDTH - LEFT - RIGHT, CHART_HEIGHT - TOP - BOTTOM
    seconds = [run.duration.total_seconds() for run in runs]
    top_s = _nice_top(max(seconds))
    top_rows = _nice_top(max(run.rows_merged or 0 for run in runs))
    slot = plot_w / len(runs)

    def x(i):
        return round(LEFT + slot * (i + 0.5), 1)

    def y(value, top):
        return round(TOP + plot_h - value / top * plot_h, 1)

    parts = []
    # Grid and axes: 0, half and top on both scales.
    for share in (0, 0.5, 1):
        level = y(share, 1)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>', LEFT, LEFT + plot_w, level, level
            )
        )
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT - 6,
                level + 4,
                _seconds_text(top_s * share),
            )
        )
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}">{}</text>',
                LEFT + plot_w + 6,
                level + 4,
                f"{round(top_rows * share):,}",
            )
        )
    parts.append(
        format_html(
            '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>',
            LEFT,
            LEFT + plot_w,
            TOP + plot_h,
            TOP + plot_h,
        )
    )
    parts.append(format_html('<text class="axis-title" x="{}" y="{}">duration</text>', 4, TOP - 12))
    parts.append(
        format_html(
            '<text class="axis-title" x="{}" y="{}" text-anchor="end">rows</text>', CHART_WIDTH - 4, TOP - 12
        )
    )
    parts.append(
        format_html(
            '<text class="tick" x="{}" y="{}">{}</text>', LEFT, CHART_HEIGHT - 12, _when(runs[0].started_at)
        )
    )
    if len(runs) > 1:
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT + plot_w,
                CHART_HEIGHT - 12,
                _when(runs[-1].started_at),
            )
        )
    # Rows as bars, behind the duration line.
    bar_w = max(round(slot * 0.6, 1), 1)
    for i, run in enumerate(runs):
        if run.rows_merged:
            top = y(run.rows_merged, top_rows)
            parts.append(
                format_html(
                    '<rect class="rows" x="{}" y="{}" width="{}" height="{}"/>',
                    round(x(i) - bar_w / 2, 1),
                    top,
                    bar_w,
                    round(TOP + plot_h - top, 1),
                )
            )
    points = " ".join(f"{x(i)},{y(s, top_s)}" for i, s in enumerate(seconds))
    parts.append(format_html('<polyline class="duration" points="{}"/>', points))
    for i, run in enumerate(runs):
        rows = "no rows counted" if run.rows_merged is None else f"{run.rows_merged:,} rows"
        status = run.get_status_display().lower()
        label = f"Run {run.id}, {status}, {_when(run.started_at)}: {_seconds_text(seconds[i])}, {rows}"
        cx, cy = x(i), y(seconds[i], top_s)
        if run.status == Status.ERROR:
            mark = format_html(
                '<path class="failed" d="M{} {}l10 10m0 -10l-10 10"/>', round(cx - 5, 1), round(cy - 5, 1)
            )
        else:
            mark = format_html('<circle class="{}" cx="{}" cy="{}" r="3.5"/>', run.status, cx, cy)
        href = reverse("syncs:run_detail", args=[run.id])
        parts.append(format_html('<a href="{}"><title>{}</title>{}</a>', href, label, mark))
    # Legend along the top.
    legend = format_html(
        '<g class="legend" transform="translate({} 14)">'
        '<line class="duration" x1="0" x2="18" y1="0" y2="0"/><text x="24" y="4">duration</text>'
        '<rect class="rows" x="96" y="-5" width="12" height="10"/><text x="114" y="4">rows</text>'
        '<path class="failed" d="M170 -5l10 10m0 -10l-10 10"/><text x="186" y="4">failed</text>'
        '<circle class="cancelled" cx="250" cy="0" r="3.5"/><text x="260" y="4">cancelled</text></g>',
        LEFT + 120,
    )
    failed = sum(run.status == Status.ERROR for run in runs)
    summary = (
        f"The last {len(runs)} runs, oldest first: duration {_seconds_text(min(seconds))} to "
        f"{_seconds_text(max(seconds))}, {failed} failed."
    )
    return format_html(
        '<svg class="history-chart" viewBox="0 0 {} {}" role="group" aria-labelledby="chart-title">'
        '<title id="chart-title">{}</title>{}{}</svg>',
        CHART_WIDTH,
        CHART_HEIGHT,
        summary,
        legend,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
