from io import StringIO

from django.core.management import call_command

from connections.models import Connection
from pipekit_site.config_io import import_config
from scheduling.models import Group, GroupMember, Schedule
from syncs.models import Hook, Module, Watermark
from tests.pipekit_site.config_example import EXAMPLE


def export():
    out = StringIO()
    call_command("export_config", stdout=out)
    return out.getvalue()


def empty_the_database():
    Group.objects.all().delete()
    Module.objects.all().delete()
    Connection.objects.all().delete()


def test_an_empty_database_exports_empty_sections(db):
    assert export() == "connections: []\nmodules: []\ngroups: []\n"


def test_the_design_example_exports_in_its_own_shape_without_defaults(drivers):
    import_config(EXAMPLE)
    assert export() == (
        "connections:\n"
        "  - {name: dw, driver: postgres, jdbc_url: 'jdbc:postgresql://127.0.0.1:5432/dw', username: etl}\n"
        "  - {name: erp, driver: postgres, jdbc_url: 'jdbc:postgresql://127.0.0.1:5432/erp', username: etl,"
        " password: $ERP_PASSWORD}\n"
        "modules:\n"
        "  - name: orders\n"
        "    source: erp\n"
        "    dest: dw\n"
        "    dest_table: public.orders\n"
        "    strategy: incremental\n"
        "    merge_key: [id]\n"
        "    source_query: SELECT id, customer, total, updated_at FROM orders WHERE updated_at >= '{since}'\n"
        "    columns:\n"
        "      - {source_name: id, dest_name: id, dest_type: bigint}\n"
        "      - {source_name: customer, dest_name: customer, dest_type: text}\n"
        "      - {source_name: total, dest_name: total, dest_type: 'numeric(12,2)'}\n"
        "      - {source_name: updated_at, dest_name: updated_at, dest_type: timestamp}\n"
        "    watermarks:\n"
        "      - {name: since, resolver_sql: SELECT max(updated_at) FROM public.orders,"
        " default_value: '1970-01-01'}\n"
        "    hooks:\n"
        "      - {name: refresh, sql: ANALYZE public.orders, run_order: 1}\n"
        "groups:\n"
        "  - name: nightly\n"
        "    members: [orders]\n"
        "    schedules:\n"
        "      - {cron: 0 4 * * *, timezone: America/New_York}\n"
    )


def build_everything(drivers):
    """A configuration using every exported field, including awkward values."""
    erp = Connection.objects.create(
        name="erp",
        driver=drivers["mariadb"],
        jdbc_url="jdbc:mariadb://127.0.0.1:3306/erp?useUnicode=true&characterEncoding=utf8",
        username="etl",
        password="$ERP_PASSWORD",
        description="ERP: 'prod' replica\nread-only — ünïcode ✓",
    )
    dw = Connection.objects.create(
        name="dw",
        driver=drivers["postgres"],
        jdbc_url="jdbc:postgresql:dw",
        staging_schema="stage",
        max_parallel_runs=3,
    )
    orders = Module.objects.create(
        name="orders",
        description="Orders: yes: no",
        source=erp,
        dest=dw,
        dest_table='"Sales"."Order Lines"',
        strategy="incremental",
        merge_key=["id", "line"],
        enabled=False,
        min_rows=1000,
        delete_missing="soft",
        key_query="SELECT id, line FROM orders WHERE day >= '2024-01-01'",
        delete_scope="day >= '2024-01-01'",
        max_delete_pct=25,
        timeout=3600,
        retries=2,
        retry_delay=30,
        source_query="SELECT id, line, note\nFROM orders\nWHERE updated_at >= '{since}'  \n-- tabs\there\n",
        columns=[
            {
                "id": "c2",
                "source_name": "id",
                "source_type": "INT",
                "dest_name": "id",
                "dest_type": "bigint",
                "description": "",
            },
            {
                "id": "c1",
                "source_name": "line",
                "source_type": "",
                "dest_name": "line",
                "dest_type": "integer",
                "description": "Line # (1-based)",
            },
            {
                "id": "c3",
                "source_name": "note",
                "source_type": "TEXT",
                "dest_name": "note",
                "dest_type": "text",
                "description": "true",
            },
        ],
    )
    events = Module.objects.create(
        name="events",
        source=dw,
        dest=dw,
        dest_table="events",
        strategy="append",
        allow_empty=True,
        max_shrink_pct=0,
        source_query="SELECT id,\n       kind\nFROM events\n",
    )
    Watermark.objects.create(
        module=orders,
        name="since",
        resolver_sql="SELECT max(updated_at)\nFROM x",
        connection=erp,
        default_value="",
    )
    Watermark.objects.create(module=orders, name="until", resolver_sql="SELECT now()")
    Hook.objects.create(module=orders, name="analyze", sql="ANALYZE x", run_order=2, run_on="always")
    Hook.objects.create(
        module=orders,
        name="alert",
        sql="INSERT INTO alerts VALUES ('x: y')",
        run_on="failure",
        connection=erp,
        enabled=False,
    )
    nightly = Group.objects.create(name="nightly", description="Every night", stop_on_failure=True)
    GroupMember.objects.create(group=nightly, module=orders, run_order=20)
    GroupMember.objects.create(group=nightly, module=events, run_order=10)
    Schedule.objects.create(group=nightly, cron="0 4 * * *", timezone="America/New_York")
    Schedule.objects.create(group=nightly, cron="@hourly", enabled=False)
    Group.objects.create(name="off", enabled=False)


def test_export_then_import_into_an_empty_database_then_export_gives_the_same_text(drivers):
    build_everything(drivers)
    first = export()
    empty_the_database()
    assert export() == "connections: []\nmodules: []\ngroups: []\n"
    import_config(first)
    assert export() == first


def test_the_round_trip_keeps_every_value(drivers):
    build_everything(drivers)
    before = Module.objects.get(name="orders")
    text = export()
    empty_the_database()
    import_config(text)
    after = Module.objects.get(name="orders")
    for field in ["description", "dest_table", "strategy", "merge_key", "enabled", "source_query", "columns"]:
        assert getattr(after, field) == getattr(before, field), field
    for field in ["min_rows", "delete_missing", "key_query", "delete_scope", "max_delete_pct"]:
        assert getattr(after, field) == getattr(before, field), field
    assert (after.timeout, after.retries, after.retry_delay) == (3600, 2, 30)
    assert Connection.objects.get(name="dw").max_parallel_runs == 3
    events = Module.objects.get(name="events")
    assert (events.allow_empty, events.max_shrink_pct) == (True, 0)
    since = after.watermarks.get(name="since")
    assert (since.default_value, since.connection.name) == ("", "erp")
    assert after.watermarks.get(name="until").default_value is None
    alert = after.hooks.get(name="alert")
    assert (alert.run_on, alert.enabled, alert.connection.name) == ("failure", False, "erp")
    assert Connection.objects.get(name="erp").description == "ERP: 'prod' replica\nread-only — ünïcode ✓"
    nightly = Group.objects.get(name="nightly")
    assert [m.module.name for m in nightly.members.all()] == ["events", "orders"]
    assert nightly.stop_on_failure is True
    assert Group.objects.get(name="off").enabled is False


def test_a_multi_line_query_is_written_as_a_block(drivers):
    build_everything(drivers)
    assert (
        "    source_query: |\n      SELECT id,\n             kind\n      FROM events\n    columns" in export()
    )


def test_passwords_are_exported_as_references_only(drivers, settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    (tmp_path / "secrets.env").write_text("ERP_PASSWORD=s3cret-Value\n")
    build_everything(drivers)
    text = export()
    assert "password: $ERP_PASSWORD" in text
    assert "s3cret-Value" not in text
