"""A backfill runs a module with given watermark values instead of resolved ones, leaving the
stored watermarks as they were; a long range split into chunks commits each chunk on its own and
resumes at the chunk that failed."""

import pytest

from syncs.backfill import BackfillError, chunks, run_backfill
from syncs.models import Status, Watermark
from tests.syncs import items

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]

RANGE = (
    "SELECT id, name, amount, updated_at FROM items WHERE updated_at >= '{since}' AND updated_at < '{until}'"
)
FAR_FUTURE = "9999-12-31"


@pytest.fixture
def ranged(items_between):
    """An incremental PostgreSQL module over RANGE; the source holds ROWS + NEW, the destination
    nothing. Its watermarks: since = max(updated_at) of the destination, until = FAR_FUTURE."""
    module, source, dest = items_between("pg_db", "pg_db2", "incremental", RANGE)
    dest.execute("DELETE FROM items")
    Watermark.objects.create(
        module=module, name="since", resolver_sql=items.MAX_UPDATED, default_value=items.EPOCH
    )
    Watermark.objects.create(module=module, name="until", resolver_sql=f"SELECT '{FAR_FUTURE}'")
    return module, source, dest


def stored_watermarks(module):
    return list(module.watermarks.values_list("name", "resolver_sql", "default_value"))


def ids(dest):
    return [int(row[0]) for row in items.read(dest)]


def test_a_backfill_loads_the_range_and_leaves_the_stored_watermarks_alone(ranged):
    module, _, dest = ranged
    before = stored_watermarks(module)

    [run] = run_backfill(module, {"since": "2024-01-02", "until": "2024-01-04"}, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert ids(dest) == [4, 5]
    assert items.read(dest) == items.expected(items.ROWS[3:5])
    assert run.backfill == {"values": {"since": "2024-01-02", "until": "2024-01-04"}}
    assert run.watermark_values == {"since": "2024-01-02", "until": "2024-01-04"}
    assert "backfill: since=2024-01-02, until=2024-01-04 given, not resolved" in run.live_log
    assert "resolving watermark" not in run.live_log
    assert stored_watermarks(module) == before


def test_a_token_the_backfill_does_not_set_is_resolved_as_usual(ranged):
    module, _, dest = ranged

    [run] = run_backfill(module, {"since": "2024-01-03"}, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert run.watermark_values == {"since": "2024-01-03", "until": FAR_FUTURE}
    assert "resolving watermark until" in run.live_log
    assert ids(dest) == [5, 6]


def test_a_value_for_a_token_the_query_does_not_have_is_refused_before_any_run(ranged):
    module, _, _ = ranged

    with pytest.raises(BackfillError, match=r"the source query has no \{from\}"):
        run_backfill(module, {"from": "2024-01-01"}, trigger="cli")

    assert not module.runs.exists()


def test_a_chunked_backfill_runs_one_committed_merge_per_chunk_in_order(ranged):
    module, _, dest = ranged

    runs = run_backfill(module, {"since": "2024-01-01", "until": "2024-01-04"}, chunk="1d", trigger="cli")

    assert [r.status for r in runs] == [Status.SUCCESS] * 3
    assert [r.backfill["values"] for r in runs] == [
        {"since": "2024-01-01", "until": "2024-01-02"},
        {"since": "2024-01-02", "until": "2024-01-03"},
        {"since": "2024-01-03", "until": "2024-01-04"},
    ]
    assert [r.backfill["chunk"]["number"] for r in runs] == [1, 2, 3]
    assert [r.rows_merged for r in runs] == [3, 1, 1]
    assert items.read(dest) == items.expected(items.ROWS)


def test_a_chunked_backfill_that_fails_in_its_third_chunk_resumes_there(ranged):
    module, _, dest = ranged
    # Row 5 (2024-01-03, amount 1234567890.12) is the third day's only row.
    dest.execute("ALTER TABLE items ADD CONSTRAINT small_amounts CHECK (amount < 1000)")
    values = {"since": "2024-01-01", "until": "2024-01-05"}

    first = run_backfill(module, values, chunk="1d", trigger="cli")

    assert [r.status for r in first] == [Status.SUCCESS, Status.SUCCESS, Status.ERROR]
    assert "small_amounts" in first[2].error
    assert ids(dest) == [1, 2, 3, 4]

    dest.execute("ALTER TABLE items DROP CONSTRAINT small_amounts")
    resumed = run_backfill(module, values, chunk="1d", resume=True, trigger="cli")

    assert [r.backfill["chunk"]["number"] for r in resumed] == [3, 4]
    assert [r.status for r in resumed] == [Status.SUCCESS, Status.SUCCESS]
    assert items.read(dest) == items.expected(items.ROWS)
    assert run_backfill(module, values, chunk="1d", resume=True, trigger="cli") == []


def test_chunks_split_dates_times_and_numbers():
    assert chunks("2024-01-01", "2024-01-20", "7d") == [
        ("2024-01-01", "2024-01-08"),
        ("2024-01-08", "2024-01-15"),
        ("2024-01-15", "2024-01-20"),
    ]
    assert chunks("2024-01-01", "2024-01-02", "12h") == [
        ("2024-01-01 00:00:00", "2024-01-01 12:00:00"),
        ("2024-01-01 12:00:00", "2024-01-02 00:00:00"),
    ]
    assert chunks("1", "10", "4") == [("1", "5"), ("5", "9"), ("9", "10")]


@pytest.mark.parametrize(
    ("since", "until", "size", "problem"),
    [
        ("2024-01-01", "2024-01-20", "7", "dates take days, hours or minutes"),
        ("1", "10", "7d", "numeric watermarks take a plain number"),
        ("2024-01-05", "2024-01-01", "1d", "is empty"),
        ("yesterday", "2024-01-01", "1d", "'yesterday' is not a number, a date or a time"),
        ("2024-01-01", "2024-01-02", "0d", "write a positive number"),
    ],
)
def test_a_chunk_that_does_not_fit_the_range_is_refused(since, until, size, problem):
    with pytest.raises(BackfillError, match=problem):
        chunks(since, until, size)
