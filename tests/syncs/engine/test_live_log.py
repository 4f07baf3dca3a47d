"""The live log: progress numbers collapse to the latest, real lines are kept."""

import re
import time

import pytest

from syncs.engine import run_module
from syncs.livelog import LiveLog, collapse
from syncs.models import RunLog
from tests.processes import start_command_until_logged
from tests.syncs import items


def test_a_progress_line_replaces_a_trailing_progress_line():
    lines = []
    for line in [
        "starting",
        "10:00:01 1,000 rows so far",
        "10:00:02 2,000 rows so far",
        "2000 rows written",
        "10:00:03 3,000 rows so far",
    ]:
        collapse(lines, line)

    assert lines == [
        "starting",
        "10:00:02 2,000 rows so far",
        "2000 rows written",
        "10:00:03 3,000 rows so far",
    ]


@pytest.mark.django_db
def test_a_row_count_from_jrunner_reads_as_rows_so_far(make_items_module):
    log = LiveLog(RunLog.objects.create(module=make_items_module()))

    log.line("1234567\n")
    log.line("2345678\n")
    log.flush()

    (line,) = log.run.live_log.splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d 2,345,678 rows so far", line)


@pytest.mark.django_db
def test_lines_reach_the_database_in_batches(make_connection, sqlite_db, make_module):
    conn = make_connection(sqlite_db)
    module = make_module(
        conn, conn, columns=items.columns(sqlite_db), source_query=items.SELECT, dest_table="items"
    )
    run = RunLog.objects.create(module=module)
    log = LiveLog(run)

    log.note("starting")
    for n in range(1, 1001):
        log.line(f"{n}\n")
    saved = RunLog.objects.get(pk=run.pk).live_log
    log.flush()

    # Lines arriving within half a second of the last write wait for the next batch.
    assert saved.endswith("starting\n")
    assert RunLog.objects.get(pk=run.pk).live_log.endswith(" 1,000 rows so far\n")


@pytest.mark.django_db(transaction=True)
def test_a_run_keeps_only_the_latest_progress_count(pg_db, pg_db2, make_connection, make_module):
    pg_db2.execute("CREATE TABLE big (id bigint, name text)")
    module = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=[("id", "bigint"), ("name", "text")],
        # A pause every 50,000 rows: on a fast machine the whole copy could end before the first
        # count is due (jrunner prints one at most every half second).
        source_query="SELECT g AS id, md5(g::text) || CASE WHEN g % 50000 = 0 THEN pg_sleep(0.3)::text "
        "ELSE '' END AS name FROM generate_series(1, 300000) g",
        dest_table="public.big",
        strategy="append",
    )

    run = run_module(module, trigger="cli")

    lines = run.live_log.splitlines()
    counts = [i for i, line in enumerate(lines) if line.endswith(" rows so far")]
    assert all(b != a + 1 for a, b in zip(counts, counts[1:], strict=False))
    assert counts
    assert any(line.startswith("300000 rows written") for line in lines)


@pytest.mark.django_db
def test_a_long_log_keeps_its_head_and_tail_and_counts_the_lines_left_out(make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    log = LiveLog(run)

    log.note("starting")
    longest = 0
    for n in range(1, 5001):
        log.line(f"line {n}")
        log.flush()
        longest = max(longest, len(RunLog.objects.get(pk=run.pk).live_log.splitlines()))
    log.note("done")

    lines = RunLog.objects.get(pk=run.pk).live_log.splitlines()
    assert longest == 1001
    assert len(lines) == 1001
    assert lines[0].endswith(" starting")
    assert lines[1:200] == [f"line {n}" for n in range(1, 200)]
    assert lines[200] == "… 4002 lines left out …"
    assert lines[201:-1] == [f"line {n}" for n in range(4202, 5001)]
    assert lines[-1].endswith(" done")


@pytest.mark.django_db(transaction=True)
def test_a_long_load_says_rows_so_far_every_few_seconds_even_before_the_first_row(
    pg_db, pg_db2, make_connection, make_module
):
    pg_db2.execute("CREATE TABLE slow (id bigint)")
    module = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=[("id", "bigint")],
        # The source computes for 12 seconds before its first row.
        source_query="SELECT g AS id FROM generate_series(1, 3) g, (SELECT pg_sleep(12)) s",
        dest_table="public.slow",
        strategy="append",
    )
    seen = []
    process = start_command_until_logged(["run_module", module.name], "jrunner started", module.runs.all())
    try:
        while process.poll() is None:
            seen.append(RunLog.objects.get(module=module).live_log)
            time.sleep(0.5)
    finally:
        process.wait()

    run = RunLog.objects.get(module=module)
    assert run.status == "success", run.error
    # While the source was still computing, the log already said how many rows had come.
    assert any(log.rstrip("\n").endswith(" 0 rows so far") for log in seen)
