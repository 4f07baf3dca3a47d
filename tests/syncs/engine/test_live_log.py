"""The live log: progress numbers collapse to the latest, real lines are kept."""

import re

import pytest

from syncs.engine import run_module
from syncs.livelog import LiveLog, collapse
from syncs.models import RunLog
from tests.syncs import items


def test_a_bare_number_replaces_a_trailing_bare_number():
    lines = []
    for line in ["starting", "1000", "2000", "3000", "3000 rows written", "4000", " 5000 "]:
        collapse(lines, line)

    assert lines == ["starting", "3000", "3000 rows written", " 5000 "]


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
    assert RunLog.objects.get(pk=run.pk).live_log.endswith("starting\n1000\n")


@pytest.mark.django_db(transaction=True)
def test_a_run_keeps_only_the_latest_progress_count(pg_db, pg_db2, make_connection, make_module):
    pg_db2.execute("CREATE TABLE big (id bigint, name text)")
    module = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=[("id", "bigint"), ("name", "text")],
        source_query="SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 300000) g",
        dest_table="public.big",
        strategy="append",
    )

    run = run_module(module, trigger="cli")

    lines = run.live_log.splitlines()
    numbers = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*\d+\s*", line)]
    assert all(b != a + 1 for a, b in zip(numbers, numbers[1:], strict=False))
    assert any("300000" in line for line in lines)


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
