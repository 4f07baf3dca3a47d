"""Verify on real databases: a correct copy made across database kinds matches, and each kind of
difference is found, counted and keyed, with nothing written on either side."""

import threading
import time

import pytest

from syncs.engine import run_module
from syncs.models import Status, Trigger, Verification
from syncs.verify import verify_module
from tests.syncs import compared

# The databases come through request.getfixturevalue, which the automatic marker does not see.
pytestmark = pytest.mark.servers

PAIRS = [("pg_db", "pg_db2"), ("maria_db", "pg_db"), ("sqlite_db", "pg_db"), ("pg_db", "maria_db")]


@pytest.fixture
def copied(request, make_module, make_connection):
    """Return a function: a module copying compared between two database fixtures, run once, so
    the destination holds a correct copy. It returns (module, source db, dest db)."""

    def make(source_name, dest_name, **fields):
        source, dest = request.getfixturevalue(source_name), request.getfixturevalue(dest_name)
        module = compared.module(make_module, make_connection, source, dest, **fields)
        run = run_module(module, trigger=Trigger.CLI)
        assert run.status == Status.SUCCESS, run.error
        return module, source, dest

    return make


def everything(db):
    rows = db.rows(f"SELECT {', '.join(compared.NAMES)} FROM {compared.table(db)}")
    return sorted(rows, key=lambda r: r[0])


@pytest.mark.parametrize(("source", "dest"), PAIRS)
def test_a_correct_copy_across_kinds_matches(copied, source, dest):
    module, _, _ = copied(source, dest)

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.status == Status.SUCCESS, verification.error
    assert (verification.source_rows, verification.dest_rows, verification.matched) == (8, 8, 8)
    assert (verification.only_in_source, verification.only_in_dest, verification.different) == (0, 0, 0)
    assert "8 rows matched" in verification.live_log


@pytest.mark.parametrize(("source", "dest"), PAIRS)
def test_each_difference_is_found_and_keyed(copied, source, dest):
    module, source_db, dest_db = copied(source, dest)
    table = compared.table(dest_db)
    for sql in [
        compared.CHANGE_NOTE,
        compared.DELETE_ROW,
        compared.EMPTY_TO_NULL,
        compared.LAST_DIGIT,
        compared.ONE_MICROSECOND[dest_db.kind],
        compared.ONE_BYTE[dest_db.kind],
        compared.EXTRA_ROW,
    ]:
        dest_db.execute(sql.format(table=table))
    source_before, dest_before = everything(source_db), everything(dest_db)

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.status == Status.ERROR
    assert verification.error == (
        "the destination differs: 1 only in source, 1 only in destination, 5 different"
    )
    assert (verification.source_rows, verification.dest_rows, verification.matched) == (8, 8, 2)
    assert verification.first_keys == {
        "only_in_source": [["2"]],
        "only_in_dest": [["99"]],
        "different": [["1"], ["4"], ["5"], ["6"], ["7"]],
    }
    assert verification.different_columns == {"note": 2, "amount": 1, "at": 1, "data": 1}
    assert (everything(source_db), everything(dest_db)) == (source_before, dest_before)


@pytest.mark.parametrize(("source", "dest"), PAIRS)
def test_a_text_key_is_matched_whatever_each_databases_collation(copied, source, dest):
    # Keyed by code: 'a', 'A', 'b', 'B', 'é', 'ﬁ', an emoji and 'z ' sort differently in each
    # database's default collation (MariaDB's ignores case).
    module, _, dest_db = copied(source, dest, merge_key=["code"])
    dest_db.execute(f"DELETE FROM {compared.table(dest_db)} WHERE id = 7")

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.error == "the destination differs: 1 only in source"
    assert verification.matched == 7
    assert verification.first_keys["only_in_source"] == [["\ufb01"]]


def test_a_module_without_a_merge_key_is_compared_on_all_its_columns(copied):
    module, _, dest_db = copied("pg_db", "pg_db2", merge_key=[])
    dest_db.execute("UPDATE public.compared SET note = 'changed' WHERE id = 1")

    verification = verify_module(module, trigger=Trigger.CLI)

    # The changed row is another row altogether when every column is the key.
    assert verification.error == "the destination differs: 1 only in source, 1 only in destination"
    assert verification.first_keys["only_in_source"][0][:2] == ["1", "a"]
    assert verification.first_keys["only_in_dest"][0][4] == "changed"


def test_watermarks_take_their_default_so_the_whole_set_is_compared(copied):
    module, _, _ = copied("pg_db", "pg_db2", strategy="incremental")
    # A comment ending the query must not swallow what verify adds after it.
    module.source_query = "SELECT id, code, amount, at, note, data FROM compared WHERE id > {since} -- all"
    module.save()
    module.watermarks.create(
        name="since", resolver_sql="SELECT max(id) FROM public.compared", default_value="0"
    )

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.status == Status.SUCCESS, verification.error
    assert verification.matched == 8
    assert verification.resolved_sql.endswith("WHERE id > 0 -- all")


def test_a_watermark_without_a_default_is_refused_before_any_row_is_read(copied):
    module, _, _ = copied("pg_db", "pg_db2")
    module.source_query = "SELECT id, code, amount, at, note, data FROM compared WHERE id > {since}"
    module.save()
    module.watermarks.create(name="since", resolver_sql="SELECT max(id) FROM public.compared")

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.status == Status.ERROR
    assert verification.error.startswith("checking the source query: {since} has no watermark with a default")
    assert verification.matched is None


def test_a_source_query_missing_a_column_fails_naming_it(copied):
    module, _, _ = copied("pg_db", "pg_db2")
    module.source_query = "SELECT id, code, amount, at, data FROM compared"
    module.save()

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.status == Status.ERROR
    assert verification.error.startswith("checking the source query's columns: ")
    assert "no column note" in verification.error


def test_a_missing_destination_table_fails_naming_the_step(copied):
    module, _, dest_db = copied("pg_db", "pg_db2")
    dest_db.execute("DROP TABLE public.compared")

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.status == Status.ERROR
    assert verification.error.startswith("comparing: ")
    assert "compared" in verification.error


def test_a_key_the_two_databases_order_differently_fails_instead_of_reporting_false_differences(
    pg_db, pg_db2, make_connection, make_module
):
    # The source gives the id as text, which sorts '10' before '9'; the destination as a number.
    pg_db.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 20) g")
    pg_db2.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 20) g")
    module = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=[("id", "integer")],
        source_query="SELECT id::text AS id FROM t",
        dest_table="public.t",
        merge_key=["id"],
    )

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.status == Status.ERROR
    assert verification.error.startswith(
        "comparing: jrunner: the source's rows did not come in key order (19 before 2): "
        "the two databases order this key differently"
    )
    assert verification.matched is None


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_verification_stops_jrunner(pg_db, pg_db2, make_connection, make_module):
    pg_db2.execute("CREATE TABLE t (id bigint, name text)")
    module = make_module(
        make_connection(pg_db),
        make_connection(pg_db2),
        columns=[("id", "bigint"), ("name", "text")],
        source_query="SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 10000000) g",
        dest_table="public.t",
        merge_key=["id"],
    )

    def cancel_once_comparing():
        # The source sorts ten million rows before the first one arrives: jrunner is still busy.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            verification = Verification.objects.first()
            if verification and "comparing the source" in verification.live_log:
                time.sleep(1)
                verification.request_cancel()
                return
            time.sleep(0.1)

    canceller = threading.Thread(target=cancel_once_comparing)
    canceller.start()
    verification = verify_module(module, trigger=Trigger.CLI)
    canceller.join()

    assert (verification.status, verification.error) == (Status.CANCELLED, "cancelled on request")
    assert verification.matched is None


@pytest.mark.parametrize(("source", "dest"), [("pg_db", "maria_db"), ("pg_db", "sqlite_db")])
def test_a_copy_of_floats_booleans_dates_and_zoned_timestamps_matches(
    request, source, dest, make_connection, make_module
):
    source_db, dest_db = request.getfixturevalue(source), request.getfixturevalue(dest)
    source_db.execute(
        "CREATE TABLE t (id bigint, r real, d double precision, b boolean, day date, at timestamptz);"
        "INSERT INTO t VALUES (1, 0.1, 0.1, true, '2024-02-29', '2024-01-01 10:00:00.123456+02'),"
        " (2, -1.5e-7, 1e300, false, '0001-01-01', '1999-12-31 23:59:59.999999-05'),"
        " (3, NULL, NULL, NULL, NULL, NULL)"
    )
    types = {
        "mariadb": ["bigint", "float", "double", "boolean", "date", "datetime(6)"],
        "sqlite": ["INTEGER", "REAL", "REAL", "INTEGER", "TEXT", "TEXT"],
    }[dest_db.kind]
    columns = list(zip(["id", "r", "d", "b", "day", "at"], types, strict=True))
    dest_db.execute(f"CREATE TABLE t ({', '.join(f'{n} {t}' for n, t in columns)})")
    module = make_module(
        make_connection(source_db),
        make_connection(dest_db),
        columns=columns,
        source_query="SELECT id, r, d, b, day, at FROM t",
        dest_table="t",
        merge_key=["id"],
    )
    assert run_module(module, trigger=Trigger.CLI).status == Status.SUCCESS

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.status == Status.SUCCESS, (verification.error, verification.first_keys)
    assert verification.matched == 3


@pytest.mark.parametrize(("source", "dest"), PAIRS)
def test_a_key_with_null_and_an_empty_string_is_matched_across_kinds(copied, source, dest):
    module, _, dest_db = copied(source, dest, merge_key=["note"])
    assert verify_module(module, trigger=Trigger.CLI).matched == 8
    dest_db.execute(f"DELETE FROM {compared.table(dest_db)} WHERE note IS NULL")

    verification = verify_module(module, trigger=Trigger.CLI)

    assert verification.error == "the destination differs: 1 only in source"
    assert verification.first_keys["only_in_source"] == [[None]]
