from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connections.models import Connection
from pipekit_site.config_io import ConfigError, export_config, import_config
from scheduling.models import Group, Schedule
from syncs.models import Module
from tests.paths import ROOT
from tests.pipekit_site.config_example import EXAMPLE

# The example with a second module, so that one entry can change while the others do not.
TWO_MODULES = EXAMPLE.replace(
    "groups:\n",
    "  - {name: lines, source: erp, dest: dw, dest_table: public.lines, source_query: SELECT 1,"
    " columns: [{source_name: a, dest_name: a, dest_type: int}]}\ngroups:\n",
).replace("members: [orders]", "members: [orders, lines]")


def import_file(tmp_path, text):
    path = tmp_path / "pipekit.yaml"
    path.write_text(text)
    out = StringIO()
    call_command("import_config", str(path), stdout=out)
    return out.getvalue()


def problems_of(text):
    with pytest.raises(ConfigError) as caught:
        import_config(text)
    return caught.value.problems


def state():
    """Everything an import may change, to compare before and after."""
    return (
        list(Connection.objects.values()),
        list(Module.objects.values()),
        [list(m.watermarks.values()) + list(m.hooks.values()) for m in Module.objects.all()],
        list(Group.objects.values()),
        list(Schedule.objects.values()),
        [list(g.members.values("module__name", "step", "run_order")) for g in Group.objects.all()],
    )


def test_it_imports_the_design_example(drivers, tmp_path):
    out = import_file(tmp_path, EXAMPLE)
    assert (
        out == "connection erp created\nconnection dw created\nmodule orders created\ngroup nightly created\n"
    )
    erp = Connection.objects.get(name="erp")
    assert (erp.driver.name, erp.username, erp.password) == ("postgres", "etl", "$ERP_PASSWORD")
    orders = Module.objects.get(name="orders")
    assert (orders.source.name, orders.dest.name, orders.strategy) == ("erp", "dw", "incremental")
    assert orders.merge_key == ["id"]
    assert orders.columns[2] == {
        "id": "c3",
        "source_name": "total",
        "source_type": "",
        "dest_name": "total",
        "dest_type": "numeric(12,2)",
        "description": "",
    }
    assert [c["id"] for c in orders.columns] == ["c1", "c2", "c3", "c4"]
    since = orders.watermarks.get()
    assert (since.name, since.default_value, since.connection) == ("since", "1970-01-01", None)
    hook = orders.hooks.get()
    assert (hook.name, hook.run_on, hook.run_order) == ("refresh", "success", 1)
    nightly = Group.objects.get(name="nightly")
    assert [m.module.name for m in nightly.members.all()] == ["orders"]
    schedule = nightly.schedules.get()
    assert (schedule.cron, schedule.timezone, schedule.enabled) == ("0 4 * * *", "America/New_York", True)


def test_importing_again_updates_by_name_without_duplicates(drivers, tmp_path):
    import_file(tmp_path, EXAMPLE)
    out = import_file(tmp_path, EXAMPLE.replace("username: etl}", "username: loader}"))
    assert out == (
        "connection erp unchanged\nconnection dw updated\nmodule orders unchanged\ngroup nightly unchanged\n"
    )
    assert Connection.objects.count() == 2
    assert Connection.objects.get(name="dw").username == "loader"
    assert Module.objects.get().watermarks.count() == 1


def test_importing_the_same_file_twice_says_created_then_unchanged_and_saves_nothing(drivers, tmp_path):
    first = import_file(tmp_path, TWO_MODULES)
    before = state()
    second = import_file(tmp_path, TWO_MODULES)
    assert first.splitlines() == [
        "connection erp created",
        "connection dw created",
        "module orders created",
        "module lines created",
        "group nightly created",
    ]
    assert second == first.replace(" created", " unchanged")
    assert state() == before  # not even a module's updated_at moved


@pytest.mark.parametrize(
    "old, new, updated",
    [
        ("username: etl}", "username: loader}", "connection dw"),
        ("dest_table: public.lines", "dest_table: public.order_lines", "module lines"),
        ("dest_type: bigint}", "dest_type: bigint, description: Order number}", "module orders"),
        ("run_on: success, run_order: 1}", "run_on: success, run_order: 2}", "module orders"),
        ('sql: "ANALYZE public.orders"', 'sql: "VACUUM ANALYZE public.orders"', "module orders"),
        ('default_value: "1970-01-01"}', 'default_value: "2000-01-01"}', "module orders"),
        (
            "    hooks:\n      - {name: refresh",
            "    hooks:\n      - {name: stats, sql: SELECT 1}\n      - {name: refresh",
            "module orders",
        ),
        ("    members: [orders, lines]", "    members: [lines, orders]", "group nightly"),
        ("timezone: America/New_York}", "timezone: America/New_York, enabled: false}", "group nightly"),
        ('cron: "0 4 * * *"', 'cron: "0 5 * * *"', "group nightly"),
    ],
)
def test_a_changed_entry_is_the_only_one_updated(drivers, tmp_path, old, new, updated):
    import_config(TWO_MODULES)
    assert TWO_MODULES.count(old) == 1
    lines = import_file(tmp_path, TWO_MODULES.replace(old, new)).splitlines()
    assert [line for line in lines if not line.endswith(" unchanged")] == [f"{updated} updated"]
    assert len(lines) == 5


def test_a_module_whose_hook_changed_gets_a_new_updated_at(drivers):
    import_config(EXAMPLE)
    orders = Module.objects.get()
    assert import_config(EXAMPLE.replace("run_order: 1}", "run_order: 2}"))[2] == "module orders updated"
    assert orders.hooks.get().run_order == 2
    assert Module.objects.get().updated_at > orders.updated_at


def test_a_hook_or_schedule_the_file_no_longer_names_updates_its_entry(drivers):
    import_config(EXAMPLE)
    without = EXAMPLE.replace(
        '    hooks:\n      - {name: refresh, sql: "ANALYZE public.orders", run_on: success, run_order: 1}\n',
        "",
    ).replace('    schedules:\n      - {cron: "0 4 * * *", timezone: America/New_York}\n', "")
    assert import_config(without) == [
        "connection erp unchanged",
        "connection dw unchanged",
        "module orders updated",
        "group nightly updated",
    ]
    assert not Module.objects.get().hooks.exists()
    assert not Schedule.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_exported_and_imported_back_is_unchanged_everywhere(drivers, tmp_path, settings):
    settings.PIPEKIT_SECRETS_FILE = str(tmp_path / "secrets.env")
    call_command("demo", stdout=StringIO())
    text = export_config()
    before = state()
    lines = import_config(text)
    assert lines == [
        "connection demo_shop unchanged",
        "connection demo_warehouse unchanged",
        "module customers unchanged",
        "module order_status_snapshots unchanged",
        "module orders unchanged",
        "group demo_nightly unchanged",
    ]
    assert state() == before


def test_the_example_exported_and_imported_back_is_unchanged_everywhere(drivers):
    import_config(EXAMPLE)
    before = state()
    assert all(line.endswith(" unchanged") for line in import_config(export_config()))
    assert state() == before


def test_a_left_out_key_resets_the_field_to_its_default(drivers):
    import_config(EXAMPLE.replace("username: etl}", "username: etl, description: the warehouse}"))
    import_config(EXAMPLE)
    assert Connection.objects.get(name="dw").description == ""


def test_watermarks_hooks_and_schedules_become_those_of_the_file(drivers):
    import_config(EXAMPLE)
    schedule = Schedule.objects.get()
    fired = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    Schedule.objects.filter(pk=schedule.pk).update(last_fired_at=fired)
    changed = EXAMPLE.replace(
        '      - {name: refresh, sql: "ANALYZE public.orders", run_on: success, run_order: 1}\n',
        "      - {name: stats, sql: SELECT 1, run_on: always}\n",
    ).replace(
        '      - {cron: "0 4 * * *", timezone: America/New_York}\n',
        '      - {cron: "0 4 * * *", timezone: America/New_York}\n'
        '      - {cron: "@hourly", enabled: false}\n',
    )
    import_config(changed)
    orders = Module.objects.get()
    assert [(h.name, h.run_on) for h in orders.hooks.all()] == [("stats", "always")]
    kept, added = Schedule.objects.order_by("id")
    assert (kept.pk, kept.last_fired_at) == (schedule.pk, fired)
    assert (added.cron, added.enabled, added.timezone) == ("@hourly", False, "")


def test_members_follow_the_order_of_the_file(drivers):
    two_modules = EXAMPLE.replace(
        "groups:\n",
        "  - {name: lines, source: erp, dest: dw, dest_table: lines,"
        " source_query: SELECT 1, columns: []}\ngroups:\n",
    )
    import_config(two_modules.replace("members: [orders]", "members: [orders, lines]"))
    import_config(two_modules.replace("members: [orders]", "members: [lines, orders]"))
    members = Group.objects.get().members.all()
    assert [(m.module.name, m.run_order) for m in members] == [("lines", 1), ("orders", 2)]


def test_a_verify_step_is_a_member_written_as_verify_name_and_exported_so(drivers):
    import_config(EXAMPLE.replace("members: [orders]", "members: [orders, {verify: orders}]"))

    members = Group.objects.get().members.all()
    assert [(m.module.name, m.step, m.run_order) for m in members] == [
        ("orders", "run", 1),
        ("orders", "verify", 2),
    ]
    assert "members: [orders, {verify: orders}]" in export_config()
    import_config(EXAMPLE)
    assert [(m.module.name, m.step) for m in Group.objects.get().members.all()] == [("orders", "run")]


def test_a_member_mapping_other_than_verify_is_refused(drivers):
    assert problems_of(EXAMPLE.replace("members: [orders]", "members: [{run: orders}]")) == [
        "groups[nightly].members: {'run': 'orders'}: a member is a module name or {verify: name}"
    ]


def test_entries_not_in_the_file_are_left_alone(drivers, make_connection):
    import_config(EXAMPLE)
    other = Connection.objects.create(name="crm", driver=drivers["mariadb"], jdbc_url="jdbc:mariadb://x/crm")
    import_config("connections:\n  - {name: erp, driver: postgres, jdbc_url: 'jdbc:postgresql:erp'}\n")
    assert Connection.objects.get(pk=other.pk).jdbc_url == "jdbc:mariadb://x/crm"
    assert Module.objects.get().source.jdbc_url == "jdbc:postgresql:erp"


def test_a_module_may_use_a_connection_that_is_already_in_the_database(drivers):
    Connection.objects.create(name="erp", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:erp")
    import_config(
        "modules:\n  - {name: lines, source: erp, dest: erp, dest_table: lines, source_query: SELECT 1, "
        "columns: [{source_name: a, dest_name: a, dest_type: int, id: c7}, {source_name: b, dest_name: b, "
        "dest_type: int}]}\n"
    )
    assert [c["id"] for c in Module.objects.get().columns] == ["c7", "c2"]


def test_a_bad_file_changes_nothing_and_names_every_problem(drivers, tmp_path):
    import_config(EXAMPLE)
    before = state()
    bad = (
        EXAMPLE.replace("$ERP_PASSWORD", "hunter2")
        .replace("merge_key: [id]", "merge_key: []")
        .replace('cron: "0 4 * * *"', 'cron: "0 4 * *"')
        .replace("members: [orders]", "members: [orders, nope]")
        .replace("source: erp", "source: crm\n    colour: red")
        .replace("username: etl}", "username: etl, description: changed}")
        .replace('default_value: "1970-01-01"}', 'default_value: "1970-01-01", connection: nowhere}')
    )
    with pytest.raises(CommandError) as caught:
        import_file(tmp_path, bad)
    assert str(caught.value).splitlines() == [
        f"{tmp_path / 'pipekit.yaml'}: nothing imported, 7 problem(s):",
        "connections[erp].password: A literal password is not stored. Empty, or a $NAME reference into the "
        "secrets file. Store the password itself with 'manage.py secrets set NAME' and enter $NAME here.",
        "modules[orders].colour: unknown key (known: name, description, source, dest, dest_table, strategy, "
        "merge_key, enabled, full_refresh_clear, lock_timeout, timeout, retries, retry_delay, notify, "
        "allow_empty, min_rows, "
        "max_shrink_pct, delete_missing, key_query, delete_scope, max_delete_pct, source_query, columns, "
        "watermarks, hooks)",
        "modules[orders].source: no connection named 'crm'",
        "modules[orders].merge_key: An incremental module needs a merge key.",
        "modules[orders].watermarks[since].connection: no connection named 'nowhere'",
        "groups[nightly].members: no module named 'nope'",
        "groups[nightly].schedules[1].cron: '0 4 * *' has 4 fields; a cron expression has 5 "
        "(minute hour day-of-month month day-of-week) or is a name like @daily.",
    ]
    assert "hunter2" not in str(caught.value)
    assert state() == before


def test_a_new_bad_file_creates_nothing(drivers):
    with pytest.raises(ConfigError):
        import_config(
            EXAMPLE.replace(
                'driver: postgres, jdbc_url: "jdbc:postgresql://127.0.0.1:5432/dw"',
                'driver: oracle, jdbc_url: "jdbc:oracle:dw"',
            )
        )
    assert not Connection.objects.exists()
    assert not Module.objects.exists()
    assert not Group.objects.exists()


@pytest.mark.parametrize(
    "text, problem",
    [
        ("modules: [\n", "not valid YAML: "),
        ("- a\n- b\n", "the file must be a mapping with channels, connections, modules and groups"),
        ("connection: []\n", "connection: unknown section (known: channels, connections, modules, groups)"),
        ("modules: {orders: {}}\n", "modules: must be a list of entries"),
        ("connections: [erp]\n", "connections[1]: must be a mapping of keys to values"),
        (
            "connections:\n  - {name: erp, driver: postgres, jdbc_url: x}\n  - {name: erp, driver: postgres, "
            "jdbc_url: y}\n",
            "connections[erp]: appears twice in the file",
        ),
        (
            "connections:\n  - {name: erp, driver: oracle, jdbc_url: x}\n",
            "connections[erp].driver: no driver named",
        ),
        ("connections:\n  - {driver: postgres, jdbc_url: x}\n", "connections[1].name: This field cannot be"),
        (
            "modules:\n  - {name: 2nd, source: a, dest: a, dest_table: t, source_query: q, columns: []}\n",
            "modules[2nd].name: Must be a plain SQL identifier",
        ),
        (
            "modules:\n  - {name: m, source: a, dest: a, dest_table: t, source_query: q,"
            " columns: [{dest_name: a}]}\n",
            "modules[m].columns: Column 1 has no dest_type.",
        ),
        (
            "modules:\n  - {name: m, source: a, dest: a, dest_table: t, source_query: q,"
            " columns: [{nme: a}]}\n",
            "modules[m].columns[1].nme: unknown key",
        ),
        ("groups:\n  - {name: g, enabled: maybe}\n", "groups[g].enabled: "),
        (
            "connections:\n  - {name: erp, jdbc_url: x}\n",
            "connections[erp].driver: This field cannot be null.",
        ),
        (
            "modules:\n  - {name: m, dest: a, dest_table: t, source_query: q, columns: []}\n",
            "modules[m].source: This field cannot be null.",
        ),
        (
            "groups:\n  - {name: g, members: [[orders]]}\n",
            "groups[g].members: must be a name, not ['orders']",
        ),
        (
            "groups:\n  - {name: g, schedules: [{cron: '@daily', timezone: Mars/Base}]}\n",
            "is not a known time zone",
        ),
        ("groups:\n  - {name: g, members: orders}\n", "groups[g].members: must be a list of module names"),
    ],
)
def test_each_kind_of_problem_is_reported_where_it_is(drivers, text, problem):
    assert any(p.startswith(problem) or problem in p for p in problems_of(text)), problems_of(text)


# A second module for the example, whose text each case changes.
MODULE_M = (
    "  - {name: m, source: erp, dest: dw, dest_table: t, source_query: q,"
    " columns: [{source_name: a, dest_name: a, dest_type: int}]}\n"
)


@pytest.mark.parametrize(
    "change, problem",
    [
        (("source_query: q", "source_query: [SELECT 1]"), "modules[m].source_query: must be a string"),
        (("dest_table: t", "dest_table: {public: t}"), "modules[m].dest_table: must be a string"),
        (("name: m,", "name: 12,"), "modules[2].name: must be a string"),
        (("}\n", ", enabled: {yes: no}}\n"), "modules[m].enabled: must be true or false"),
        (("}\n", ", enabled: 'false'}\n"), "modules[m].enabled: must be true or false"),
        (("dest_type: int", "dest_type: [int]"), "modules[m].columns[1].dest_type: must be a string"),
        (
            ("}\n", ", hooks: [{name: h, sql: ANALYZE t, run_order: first}]}\n"),
            "modules[m].hooks[h].run_order: must be a whole number",
        ),
        (
            ("}\n", ", watermarks: [{name: w, resolver_sql: [SELECT 1]}]}\n"),
            "modules[m].watermarks[w].resolver_sql: must be a string",
        ),
        (
            ("dest_type: int", "dest_type: 'int; DROP TABLE t'"),
            "modules[m].columns: Column 1 (a): 'int; DROP TABLE t' is not a column type; write a type name",
        ),
        (
            ("dest_table: t", "dest_table: 'public.\"t'"),
            "modules[m].dest_table: Write it as schema.table or table: unbalanced quotes",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_its_place_and_nothing_is_saved(drivers, change, problem):
    import_config(EXAMPLE)
    before = state()
    bad = EXAMPLE.replace("groups:\n", MODULE_M.replace(*change) + "groups:\n")

    problems = problems_of(bad)

    assert any(p.startswith(problem) for p in problems), problems
    assert state() == before


def test_a_watermark_default_may_be_a_date_or_a_number_yaml_reads_as_such(drivers):
    import_config(EXAMPLE.replace('default_value: "1970-01-01"', "default_value: 1970-01-01"))
    assert Module.objects.get(name="orders").watermarks.get().default_value == "1970-01-01"


def test_a_password_in_a_jdbc_url_is_refused_without_repeating_it(drivers):
    problems = problems_of(EXAMPLE.replace("5432/erp", "5432/erp?user=etl&password=hunter2"))
    assert problems[0].startswith("connections[erp].jdbc_url: A literal password is not stored.")
    assert "hunter2" not in "\n".join(problems)


def test_an_empty_file_imports_nothing(db):
    assert import_config("") == []


def test_a_missing_file_is_reported(db, tmp_path):
    with pytest.raises(CommandError, match="nope.yaml: No such file or directory"):
        call_command("import_config", str(tmp_path / "nope.yaml"))


def warehouse(pg_db, modules):
    return (
        "connections:\n"
        f"  - {{name: wh, driver: postgres, jdbc_url: '{pg_db.jdbc_url}', username: postgres}}\n"
        f"modules:\n{modules}"
    )


ORDERS_MODULE = """\
  - name: orders
    source: wh
    dest: wh
    dest_table: public.orders
    source_query: SELECT 1
    columns:
      - {source_name: id, dest_name: id, dest_type: bigint, description: Order number}
      - {source_name: total, dest_name: total, dest_type: "numeric(12,2)"}
      - {source_name: placed_at, dest_name: Placed At, dest_type: timestamp}
"""


def test_create_tables_creates_a_missing_destination_table_from_the_columns(drivers, pg_db, tmp_path):
    pg_db.execute("CREATE TABLE public.existing (x text)")
    existing = (
        "  - {name: old, source: wh, dest: wh, dest_table: existing, source_query: SELECT 1,"
        " columns: [{source_name: a, dest_name: a, dest_type: int}]}\n"
    )
    path = tmp_path / "wh.yaml"
    path.write_text(warehouse(pg_db, ORDERS_MODULE + existing))
    out = StringIO()
    call_command("import_config", str(path), "--create-tables", stdout=out)
    assert out.getvalue().splitlines() == [
        "connection wh created",
        "module orders created",
        "module old created",
        "table public.orders created on wh",
    ]
    columns = pg_db.rows(
        "SELECT column_name, data_type, numeric_precision, numeric_scale,"
        " col_description('public.orders'::regclass, ordinal_position)"
        " FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position"
    )
    assert columns == [
        ("id", "bigint", 64, 0, "Order number"),
        ("total", "numeric", 12, 2, None),
        ("Placed At", "timestamp without time zone", None, None, None),
    ]
    assert pg_db.rows("SELECT column_name FROM information_schema.columns WHERE table_name = 'existing'") == [
        ("x",)
    ]


def test_create_tables_leaves_an_existing_table_alone_on_a_second_import(drivers, pg_db):
    import_config(warehouse(pg_db, ORDERS_MODULE), create_tables=True)
    pg_db.execute("INSERT INTO public.orders (id) VALUES (1)")
    assert import_config(warehouse(pg_db, ORDERS_MODULE), create_tables=True) == [
        "connection wh unchanged",
        "module orders unchanged",
    ]
    assert pg_db.rows("SELECT id FROM public.orders") == [(1,)]


def test_a_table_that_cannot_be_created_rejects_the_import(drivers, pg_db):
    nowhere = ORDERS_MODULE.replace("name: orders", "name: lost").replace("public.orders", "nope.lost")
    with pytest.raises(ConfigError) as caught:
        import_config(warehouse(pg_db, ORDERS_MODULE + nowhere), create_tables=True)
    [problem, kept] = caught.value.problems
    assert problem.startswith("modules[lost].dest_table: could not create nope.lost on wh: ")
    assert 'schema "nope" does not exist' in problem
    assert kept == "table public.orders created on wh; it stays"
    assert not Connection.objects.exists()
    assert not Module.objects.exists()


def test_the_readme_example_imports_and_exports_back_without_its_comments(drivers):
    readme = (ROOT / "README.md").read_text()
    example = readme.split("## Config as code")[1].split("```yaml\n")[1].split("```")[0]
    import_config(example)
    text = export_config()
    Group.objects.all().delete()
    Module.objects.all().delete()
    Connection.objects.all().delete()
    import_config(text)
    assert export_config() == text
    assert Module.objects.get().hooks.get().connection.name == "dw"


CHANNELS = (
    EXAMPLE.replace(
        "connections:\n",
        "channels:\n"
        "  - {name: ops, kind: webhook, url: $OPS_HOOK}\n"
        "  - {name: chat, kind: slack, url: $CHAT_HOOK}\n"
        "  - {name: dba, kind: email, to: [dba@example.com]}\n"
        "connections:\n",
    )
    .replace(
        "    watermarks:\n",
        "    notify:\n      - {channel: ops, on: [failure, recovery]}\n      - {channel: dba}\n"
        "    watermarks:\n",
        1,
    )
    .replace(
        "    stop_on_failure: false\n",
        "    stop_on_failure: false\n    notify: [{channel: chat, on: [success, guard]}]\n",
    )
)


def test_channels_and_notify_lists_import_and_export_as_written(drivers, settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    (tmp_path / "secrets.env").write_text("OPS_HOOK=https://hooks.example.com/s3cret-path\n")

    results = import_config(CHANNELS)

    assert results[:3] == ["channel ops created", "channel chat created", "channel dba created"]
    module, group = Module.objects.get(name="orders"), Group.objects.get(name="nightly")
    assert module.notify == [{"channel": "ops", "on": ["failure", "recovery"]}, {"channel": "dba"}]
    assert group.notify == [{"channel": "chat", "on": ["success", "guard"]}]
    text = export_config()
    assert text.startswith(
        "channels:\n"
        "  - {name: chat, kind: slack, url: $CHAT_HOOK}\n"
        "  - {name: dba, kind: email, to: [dba@example.com]}\n"
        "  - {name: ops, kind: webhook, url: $OPS_HOOK}\n"
    )
    # PyYAML quotes the key `on` (YAML 1.1 would read it bare as true); both forms import alike.
    assert "    notify:\n      - {channel: ops, 'on': [failure, recovery]}\n      - {channel: dba}\n" in text
    assert "s3cret-path" not in text
    assert import_config(text)[:3] == [
        "channel chat unchanged",
        "channel dba unchanged",
        "channel ops unchanged",
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ("url: $OPS_HOOK", "url: https://hooks.example.com/s3cret-path"),
            "channels[ops].url: A $NAME reference into the secrets file",
        ),
        (
            ("{name: ops, kind: webhook, url: $OPS_HOOK}", "{name: ops, kind: webhook}"),
            "channels[ops].url: A webhook channel needs its URL",
        ),
        (("kind: slack", "kind: pager"), "channels[chat].kind: Value 'pager' is not a valid choice."),
        (
            ("{channel: dba}", "{channel: nobody}"),
            "modules[orders].notify: There is no channel named nobody.",
        ),
        (("on: [success, guard]", "on: [always]"), "groups[nightly].notify: chat: on must list some of"),
    ],
)
def test_a_bad_channel_or_notify_entry_is_refused_naming_it_and_never_showing_a_url(drivers, change, problem):
    problems = problems_of(CHANNELS.replace(*change))

    assert any(p.startswith(problem) for p in problems), problems
    assert "s3cret-path" not in "\n".join(problems)
