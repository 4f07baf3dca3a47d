import os
import socket

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from connections.dialects import get_dialect
from connections.models import Connection
from syncs.models import FailedRun, Hook, Module, RunLog, Status, Trigger, Watermark
from tests.syncs.locks import dead_pid

COLUMNS = [
    {"id": "c1", "source_name": "id", "source_type": "int4", "dest_name": "id", "dest_type": "bigint"},
    {"id": "c2", "source_name": "name", "source_type": "text", "dest_name": "name", "dest_type": "text"},
]


@pytest.fixture
def conn(drivers):
    return Connection.objects.create(
        name="dw", driver=drivers["postgres"], jdbc_url="jdbc:postgresql://127.0.0.1:5432/dw"
    )


def module(conn, **fields):
    values = {
        "name": "orders",
        "source": conn,
        "dest": conn,
        "source_query": "SELECT id, name FROM orders",
        "dest_table": "public.orders",
        "columns": COLUMNS,
    }
    return Module(**(values | fields))


def errors_of(obj):
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def test_a_valid_module_passes_full_clean_and_reads_as_its_name(conn):
    m = module(conn, strategy="incremental", merge_key=["id"])
    m.full_clean()
    m.save()
    assert str(m) == "orders"


def test_module_names_are_unique_in_the_database(conn):
    module(conn).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        module(conn).save()
    assert "already exists" in errors_of(module(conn))["name"][0]


@pytest.mark.parametrize("name", ["2orders", "order lines", "orders;drop", "ordres-x", ""])
def test_a_module_name_must_be_a_plain_identifier(conn, name):
    assert "name" in errors_of(module(conn, name=name))
    with pytest.raises(IntegrityError), transaction.atomic():
        module(conn, name=name).save()


def test_an_incremental_module_needs_a_merge_key(conn):
    assert errors_of(module(conn, strategy="incremental")) == {
        "merge_key": ["An incremental module needs a merge key."]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        module(conn, strategy="incremental", merge_key=[]).save()


def test_full_and_append_modules_need_no_merge_key(conn):
    module(conn, strategy="full").full_clean()
    module(conn, name="events", strategy="append").full_clean()


def test_delete_missing_needs_an_incremental_module_with_a_key_query(conn):
    assert errors_of(module(conn, delete_missing="hard", key_query="SELECT id FROM orders")) == {
        "delete_missing": ["Only an incremental module carries deletes over."]
    }
    assert errors_of(module(conn, strategy="incremental", merge_key=["id"], delete_missing="soft")) == {
        "key_query": ["delete_missing needs a key query returning the merge key of every row."]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        module(conn, strategy="incremental", merge_key=["id"], delete_missing="hard").save()
    module(
        conn, strategy="incremental", merge_key=["id"], delete_missing="hard", key_query="SELECT id"
    ).full_clean()


def test_a_soft_delete_module_creates_its_table_with_deleted_at(conn):
    soft = module(
        conn, strategy="incremental", merge_key=["id"], delete_missing="soft", key_query="SELECT id"
    )
    assert soft.table_columns() == [*COLUMNS, {"dest_name": "deleted_at", "dest_type": "timestamp"}]
    assert module(conn).table_columns() == COLUMNS


@pytest.mark.parametrize(
    ("field", "value"), [("max_delete_pct", 101), ("max_shrink_pct", 101), ("min_rows", -1)]
)
def test_guard_settings_are_within_their_range(conn, field, value):
    assert field in errors_of(module(conn, **{field: value}))


def test_the_merge_key_must_name_destination_columns(conn):
    m = module(conn, strategy="incremental", merge_key=["id", "nope"])
    assert errors_of(m) == {"merge_key": ["Not a destination column: nope."]}


def test_the_merge_key_must_be_a_list_of_names(conn):
    assert errors_of(module(conn, merge_key="id")) == {
        "merge_key": ["Must be a list of destination column names."]
    }


@pytest.mark.parametrize(
    "columns, problem",
    [
        ({"id": "c1"}, "Must be a list of"),
        ([{"id": "c1", "source_name": "id", "dest_name": "id"}], "Column 1 has no dest_type."),
        ([COLUMNS[0], {**COLUMNS[1], "id": "c1"}], "Two columns have the id c1."),
        ([COLUMNS[0], {**COLUMNS[1], "dest_name": "id"}], "Two columns have the dest_name id."),
    ],
)
def test_bad_columns_are_refused_saying_what_is_wrong(conn, columns, problem):
    assert errors_of(module(conn, columns=columns))["columns"][0].startswith(problem)


@pytest.mark.parametrize(
    "dest_type",
    ["text; DROP TABLE t", "text -- x", "text /* x */", "varchar(2) DEFAULT 'a'", "int, evil int", "(int)"],
)
def test_a_destination_type_that_is_more_than_a_type_is_refused_naming_the_column(conn, dest_type):
    columns = [COLUMNS[0], {**COLUMNS[1], "dest_type": dest_type}]

    [problem] = errors_of(module(conn, columns=columns))["columns"]

    assert problem.startswith(f"Column 2 (name): {dest_type!r} is not a column type; write a type name")


@pytest.mark.parametrize(
    "dest_type",
    [
        "bigint",
        "numeric(12,2)",
        "double precision",
        "timestamp(6) with time zone",
        "int(11) unsigned",
        "nvarchar(max)",
        "CLOB(2G)",
        "text[]",
    ],
)
def test_a_type_with_a_size_and_words_is_accepted(conn, dest_type):
    module(conn, columns=[COLUMNS[0], {**COLUMNS[1], "dest_type": dest_type}]).full_clean()


def test_every_type_a_dialect_proposes_is_accepted(conn):
    for kind in ["postgres", "mariadb", "sqlite", "mssql", "db2i"]:
        dialect = get_dialect(kind)
        for dest_type in [*dialect.types.values(), *dialect.named_types.values()]:
            dest_type = dest_type.format(n=10, p=12, s=2)
            module(conn, columns=[{**COLUMNS[0], "dest_type": dest_type}]).full_clean()


def test_a_destination_table_that_is_not_a_table_name_is_refused(conn):
    assert errors_of(module(conn, dest_table='public."orders'))["dest_table"] == [
        """Write it as schema.table or table: unbalanced quotes in table name 'public."orders'."""
    ]


def test_a_module_lists_its_query_tokens_once_in_order(conn):
    m = module(conn, source_query="SELECT * FROM t WHERE a > '{since}' AND b < '{until}' OR c > '{since}'")
    assert m.query_tokens() == ["since", "until"]


def test_a_module_knows_the_others_loading_its_table(conn, drivers):
    module(conn).save()
    module(conn, name="sales", dest_table="sales").save()
    same_url = Connection.objects.create(name="dw_again", driver=drivers["postgres"], jdbc_url=conn.jdbc_url)
    other_db = Connection.objects.create(
        name="mart", driver=drivers["postgres"], jdbc_url="jdbc:postgresql://127.0.0.1:5432/mart"
    )

    def sharing(dest, dest_table, name="new"):
        return [
            m.name for m in module(conn, name=name, dest=dest, dest_table=dest_table).sharing_dest_table()
        ]

    assert sharing(conn, "public.orders") == ["orders"]
    assert sharing(same_url, "PUBLIC.ORDERS") == ["orders"]
    assert sharing(conn, "orders") == ["orders"]
    assert sharing(conn, "archive.orders") == []
    assert sharing(conn, "public.orders_old") == []
    assert sharing(other_db, "public.orders") == []
    assert sharing(conn, "public.orders", name="orders") == ["orders"], "an unsaved module is not itself"
    assert module(conn, dest_table="a..b").sharing_dest_table() == []


def test_watermark_and_hook_names_are_unique_per_module(conn):
    m = module(conn)
    m.save()
    Watermark.objects.create(module=m, name="since", resolver_sql="SELECT 1")
    Hook.objects.create(module=m, name="analyze", sql="ANALYZE public.orders")
    with pytest.raises(IntegrityError), transaction.atomic():
        Watermark.objects.create(module=m, name="since", resolver_sql="SELECT 2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Hook.objects.create(module=m, name="analyze", sql="SELECT 1")
    other = module(conn, name="lines")
    other.save()
    Watermark.objects.create(module=other, name="since", resolver_sql="SELECT 1")


def test_a_watermark_name_must_be_an_identifier(conn):
    m = module(conn)
    m.save()
    assert "name" in errors_of(Watermark(module=m, name="last run", resolver_sql="SELECT 1"))


def test_watermarks_and_hooks_default_to_the_module_destination(conn, drivers):
    m = module(conn)
    m.save()
    other = Connection.objects.create(name="erp", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:erp")
    assert Watermark(module=m, name="since").resolver_connection() == conn
    assert Watermark(module=m, name="since", connection=other).resolver_connection() == other
    assert Hook(module=m, name="h").target_connection() == conn
    assert str(Hook(module=m, name="h")) == "orders.h"


def test_a_cancel_is_requested_only_of_an_unfinished_run(conn):
    m = module(conn)
    m.save()
    running = RunLog.objects.create(module=m, status=Status.RUNNING)
    done = RunLog.objects.create(module=m, status=Status.SUCCESS)
    assert running.request_cancel() is True
    assert running.cancel_requested is True
    assert done.request_cancel() is False
    assert done.cancel_requested is False


def test_a_run_starts_and_terminates_with_its_times(conn):
    m = module(conn)
    m.save()
    run = RunLog.objects.create(module=m)
    assert str(run) == f"run {run.pk} of orders (queued)"
    run.start()
    assert run.status == "running" and run.pid and run.started_at
    run.finish(Status.ERROR, "boom")
    run.refresh_from_db()
    assert run.is_finished and run.error == "boom" and run.duration is not None


def test_a_finished_run_is_never_changed_again(conn):
    m = module(conn)
    m.save()
    run = RunLog.objects.create(module=m, status=Status.RUNNING)
    assert run.finish(Status.CANCELLED, "cancelled on request") is True
    late = RunLog.objects.get(pk=run.pk)
    assert late.finish(Status.ERROR, "abandoned: too late") is False
    assert late.status == Status.CANCELLED and late.error == "cancelled on request"
    run.refresh_from_db()
    assert run.status == Status.CANCELLED and run.error == "cancelled on request"


def test_only_a_queued_run_starts(conn):
    m = module(conn)
    m.save()
    cancelled = RunLog.objects.create(module=m, status=Status.CANCELLED, error="cancelled before it started")
    assert cancelled.start() is False
    assert cancelled.status == Status.CANCELLED and cancelled.started_at is None and cancelled.pid is None
    queued = RunLog.objects.create(module=m)
    assert queued.start() is True
    assert queued.start() is False


def test_a_run_cannot_finish_with_a_status_that_is_not_final(conn):
    m = module(conn)
    m.save()
    run = RunLog.objects.create(module=m, status=Status.RUNNING)
    with pytest.raises(ValueError, match="not a final status"):
        run.finish(Status.QUEUED)
    run.refresh_from_db()
    assert run.status == Status.RUNNING


def test_finishing_a_run_keeps_a_cancel_flag_set_meanwhile_by_another_process(conn):
    m = module(conn)
    m.save()
    run = RunLog.objects.create(module=m, status=Status.RUNNING)
    RunLog.objects.get(pk=run.pk).request_cancel()
    run.rows_merged = 3
    run.finish(Status.SUCCESS, fields=["rows_merged"])
    run.refresh_from_db()
    assert run.cancel_requested is True and run.rows_merged == 3 and run.status == Status.SUCCESS


def test_a_trigger_is_built_and_read_in_one_place():
    assert Trigger.of(Trigger.SCHEDULE, 3) == "schedule:3"
    assert Trigger.kind("schedule:3") == Trigger.SCHEDULE
    assert Trigger.kind("cli") == Trigger.CLI


def test_the_database_files_each_run_under_the_kind_of_its_trigger(conn):
    m = module(conn)
    m.save()
    for trigger in ["group:7", "schedule:3", "api", "manual", "group:12"]:
        RunLog.objects.create(module=m, trigger=trigger)

    def matching(kind):
        return sorted(RunLog.objects.filter(Trigger.matching(kind)).values_list("trigger", flat=True))

    assert matching("group") == ["group:12", "group:7"]
    assert matching("schedule") == ["schedule:3"]
    assert matching("api") == ["api"]
    assert matching("cli") == []


def test_a_run_is_stale_once_finished_or_once_its_process_on_this_host_is_gone(conn):
    m = module(conn)
    m.save()
    here = socket.gethostname()

    def stale_reason(**fields):
        return RunLog.objects.create(module=m, **fields).stale_reason()

    gone = dead_pid()
    assert stale_reason(status=Status.SUCCESS) == "that run already finished (success)"
    assert stale_reason(status=Status.RUNNING, pid=gone, host=here) == f"its process {gone} on {here} is gone"
    assert stale_reason(status=Status.RUNNING, pid=os.getpid(), host=here) is None
    assert stale_reason(status=Status.RUNNING, pid=gone, host="elsewhere") is None
    assert stale_reason(status=Status.QUEUED) is None


def test_abandoning_ends_an_unfinished_run_in_error_and_leaves_a_finished_one(conn):
    m = module(conn)
    m.save()
    running = RunLog.objects.create(module=m, status=Status.RUNNING)
    done = RunLog.objects.create(module=m, status=Status.SUCCESS)

    assert running.abandon("its process is gone") is True
    assert done.abandon("its process is gone") is False

    assert (running.status, running.error) == (Status.ERROR, "abandoned: its process is gone")
    assert running.finished_at is not None
    done.refresh_from_db()
    assert (done.status, done.error, done.finished_at) == (Status.SUCCESS, "", None)


def test_failed_runs_are_the_same_rows_as_run_logs(conn):
    m = module(conn)
    m.save()
    failed = RunLog.objects.create(module=m, status=Status.ERROR)
    assert FailedRun.objects.get(pk=failed.pk).module == m


def test_a_module_keeps_the_duration_and_rows_of_its_last_twenty_successful_real_runs(conn):
    m = module(conn)
    m.save()

    def ended(status, rows, dry_run=False):
        run = RunLog.objects.create(
            module=m, status=Status.RUNNING, dry_run=dry_run, started_at=timezone.now(), rows_merged=rows
        )
        run.finish(status, fields=["rows_merged"])

    for rows in range(25):
        ended(Status.SUCCESS, rows)
    ended(Status.ERROR, 99)
    ended(Status.DRY_RUN, 98, dry_run=True)
    ended(Status.CANCELLED, 97)

    m.refresh_from_db()
    assert [rows for _, rows in m.trend] == list(range(5, 25))
    assert all(0 <= seconds < 60 for seconds, _ in m.trend)
