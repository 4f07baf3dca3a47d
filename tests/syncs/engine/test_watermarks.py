"""Watermarks: resolved on their connection, defaults for no row or NULL, tokens rendered."""

import pytest

from connections.dialects import get_dialect
from syncs.engine import run_module
from syncs.models import Status, Watermark
from syncs.plan import render
from tests.syncs import items

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def module(sqlite_db, sqlite_db2, make_connection, make_module):
    return items.module(
        make_module, make_connection, sqlite_db, sqlite_db2, source_query=items.SINCE, strategy="append"
    )


def test_it_uses_the_default_when_the_resolver_returns_null(module, sqlite_db2):
    Watermark.objects.create(
        module=module, name="since", resolver_sql=items.MAX_UPDATED, default_value=items.EPOCH
    )

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS
    assert run.watermark_values == {"since": items.EPOCH}
    assert f"updated_at > '{items.EPOCH}'" in run.resolved_sql
    assert items.read(sqlite_db2) == items.expected(items.ROWS)


def test_it_uses_the_default_when_the_resolver_returns_no_row(module):
    Watermark.objects.create(
        module=module, name="since", resolver_sql="SELECT updated_at FROM items WHERE 1 = 0", default_value=""
    )

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.status == Status.DRY_RUN
    assert run.watermark_values == {"since": ""}


def test_it_takes_the_first_cell_of_the_resolver(module, sqlite_db2):
    items.insert(sqlite_db2, items.ROWS[:2])
    Watermark.objects.create(
        module=module, name="since", resolver_sql="SELECT updated_at, id FROM items ORDER BY id DESC"
    )

    run = run_module(module, trigger="cli", dry_run=True)

    assert run.watermark_values == {"since": items.ROWS[1][3]}


def test_a_null_without_a_default_is_an_error_naming_the_watermark(module, sqlite_db2):
    Watermark.objects.create(module=module, name="since", resolver_sql=items.MAX_UPDATED)

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert "watermark since" in run.error
    assert "NULL" in run.error
    assert items.read(sqlite_db2) == []


def test_a_resolver_error_names_the_watermark_and_its_connection(module):
    Watermark.objects.create(module=module, name="since", resolver_sql="SELECT max(nope) FROM items")

    run = run_module(module, trigger="cli")

    assert run.status == Status.ERROR
    assert run.error.startswith(f"resolving watermark since on {module.dest.name}: ")
    assert "nope" in run.error


def test_it_resolves_on_the_watermark_connection(module, sqlite_db2):
    # Resolved on the source, the newest source row is the watermark: nothing is newer.
    Watermark.objects.create(
        module=module, name="since", resolver_sql=items.MAX_UPDATED, connection=module.source
    )

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS
    assert run.watermark_values == {"since": items.ROWS[-1][3]}
    assert items.read(sqlite_db2) == []


def test_render_replaces_only_defined_watermarks():
    sql = "SELECT '{a}', '{b}', '{\"json\": 1}', x{2} FROM t WHERE d > '{a}'"

    assert (
        render(sql, {"a": "2024", "b": "{a}"}, get_dialect("postgres"))
        == "SELECT '2024', '{a}', '{\"json\": 1}', x{2} FROM t WHERE d > '2024'"
    )


def test_a_quoted_token_gets_its_value_escaped_the_dialects_way():
    sql = "SELECT * FROM t WHERE a = '{v}' AND b LIKE '%{v}%'"
    value = r"x' OR '1'='1 \ "

    assert render(sql, {"v": value}, get_dialect("postgres")) == (
        r"SELECT * FROM t WHERE a = 'x'' OR ''1''=''1 \ ' AND b LIKE '%x'' OR ''1''=''1 \ %'"
    )
    # Without NO_BACKSLASH_ESCAPES a MariaDB backslash escapes, so it is doubled too.
    assert render(sql, {"v": value}, get_dialect("mariadb")) == (
        r"SELECT * FROM t WHERE a = 'x'' OR ''1''=''1 \\ ' AND b LIKE '%x'' OR ''1''=''1 \\ %'"
    )


def test_a_bare_token_gets_a_number_or_a_string_literal():
    sql = "SELECT * FROM t WHERE id > {n} AND id <> 1-{m} AND at > {at} AND x = {e}"
    values = {"n": "42", "m": "-1.5", "at": "2024-01-01 10:00:00", "e": "1 OR 1=1"}

    assert render(sql, values, get_dialect("sqlite")) == (
        "SELECT * FROM t WHERE id > 42 AND id <> 1-(-1.5) AND at > '2024-01-01 10:00:00' AND x = '1 OR 1=1'"
    )


def test_a_token_is_read_where_it_stands_in_strings_names_and_comments():
    sql = "SELECT 'it''s {v}', \"{v}\" -- {v}\nFROM t /* {v} */ WHERE a = {v}"

    assert render(sql, {"v": "a'b\"c"}, get_dialect("postgres")) == (
        "SELECT 'it''s a''b\"c', \"a'b\"\"c\" -- {v}\nFROM t /* {v} */ WHERE a = 'a''b\"c'"
    )
    # In MariaDB an escaped quote \' does not end the string either.
    assert render(r"SELECT 'it\'s {v}'", {"v": "'"}, get_dialect("mariadb")) == r"SELECT 'it\'s '''"


@pytest.fixture(params=["pg_db", "maria_db", "sqlite_db"])
def source_module(request, make_module, make_connection, sqlite_db2):
    """Make a module from items on PostgreSQL, MariaDB or SQLite into items on SQLite."""

    def make(source_query):
        source = request.getfixturevalue(request.param)
        return items.module(
            make_module, make_connection, source, sqlite_db2, source_query=source_query, strategy="append"
        )

    return make


def loaded_ids(db):
    # Timestamps from another kind of database read back differently in SQLite; ids do not.
    return [row[0] for row in items.read(db)]


def test_a_value_with_quotes_and_backslashes_selects_exactly_its_rows(source_module, sqlite_db2):
    # Row 4's name holds a quote, a double quote, a backslash, a tab and a newline.
    module = source_module(f"{items.SELECT} WHERE name = '{{name}}'")
    Watermark.objects.create(
        module=module,
        name="name",
        resolver_sql="SELECT name FROM items WHERE id = 4",
        connection=module.source,
    )

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert run.watermark_values == {"name": items.ROWS[3][1]}
    assert loaded_ids(sqlite_db2) == ["4"]


def test_a_value_written_to_break_out_of_its_quotes_cannot_change_the_query(source_module, sqlite_db2):
    module = source_module(f"{items.SELECT} WHERE name = '{{name}}'")
    Watermark.objects.create(
        module=module, name="name", resolver_sql="SELECT 'x'' OR ''1''=''1'", connection=module.source
    )

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert run.watermark_values == {"name": "x' OR '1'='1"}
    assert items.read(sqlite_db2) == []


def test_a_bare_number_token_compares_as_a_number(source_module, sqlite_db2):
    module = source_module(f"{items.SELECT} WHERE id > {{after}}")
    Watermark.objects.create(module=module, name="after", resolver_sql="SELECT 3", connection=module.source)

    run = run_module(module, trigger="cli")

    assert run.status == Status.SUCCESS, run.error
    assert loaded_ids(sqlite_db2) == ["4", "5"]
