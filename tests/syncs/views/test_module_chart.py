"""The module page's chart of its last 50 runs (syncs/trends.py history_chart)."""

import re
from datetime import timedelta

from django.utils import timezone

from syncs.models import RunLog, Status


def add_run(module, minutes_ago, seconds, rows, status=Status.SUCCESS, **fields):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    return RunLog.objects.create(
        module=module,
        status=status,
        created_at=started,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
        rows_merged=rows,
        **fields,
    )


def chart(client, module):
    page = client.get(f"/modules/{module.id}/").content.decode()
    found = re.search(r'<svg class="history-chart".*?</svg>', page, re.S)
    return found.group(0) if found else None


def test_it_draws_duration_and_rows_with_axes_legend_and_a_link_per_run(staff_client, make_items_module):
    module = make_items_module()
    first = add_run(module, 30, 4, 1200)
    last = add_run(module, 10, 8, 2500)

    svg = chart(staff_client, module)

    assert 'role="group"' in svg
    assert "The last 2 runs, oldest first: duration 4.0 s to 8.0 s, 0 failed." in svg
    assert '<polyline class="duration"' in svg and svg.count('<rect class="rows"') == 2 + 1  # + legend
    # Axes: seconds on the left, rows (with thousands separators) on the right, both from 0.
    assert ">0 s<" in svg and ">10 s<" in svg and ">0<" in svg and ">5,000<" in svg
    assert ">duration</text>" in svg and ">rows</text>" in svg
    assert ">failed</text>" in svg and ">cancelled</text>" in svg
    assert svg.index(f'href="/runs/{first.id}/"') < svg.index(f'href="/runs/{last.id}/"')
    assert f"Run {last.id}, success, " in svg and ": 8.0 s, 2,500 rows" in svg
    assert timezone.localtime(first.started_at).strftime("%Y-%m-%d %H:%M %Z") in svg


def test_failed_runs_are_marked(staff_client, make_items_module):
    module = make_items_module()
    add_run(module, 30, 4, 100)
    failed = add_run(module, 20, 2, None, status=Status.ERROR, error="boom")
    add_run(module, 10, 3, None, status=Status.CANCELLED)

    svg = chart(staff_client, module)

    assert "1 failed." in svg
    assert svg.count('<path class="failed"') == 1 + 1  # + legend
    assert f'<a href="/runs/{failed.id}/"><title>Run {failed.id}, error, ' in svg
    assert svg.count('<circle class="cancelled"') == 1 + 1


def test_it_shows_the_last_fifty_real_runs_only(staff_client, make_items_module):
    module = make_items_module()
    runs = [add_run(module, 200 - i, 1, i) for i in range(55)]
    add_run(module, 1, 1, 9, status=Status.DRY_RUN, dry_run=True)
    # Refused before it started (no started_at): not a run to chart, not a failure.
    RunLog.objects.create(
        module=module, status=Status.ERROR, error="already running", finished_at=timezone.now()
    )
    RunLog.objects.create(module=module, status=Status.RUNNING, started_at=timezone.now())

    svg = chart(staff_client, module)

    assert svg.count("<a href=") == 50
    assert f'href="/runs/{runs[5].id}/"' in svg and f'href="/runs/{runs[4].id}/"' not in svg
    assert "0 failed." in svg


def test_without_finished_runs_it_says_so(staff_client, make_items_module):
    module = make_items_module()
    page = staff_client.get(f"/modules/{module.id}/").content.decode()
    assert "No finished runs yet." in page and "history-chart" not in page
