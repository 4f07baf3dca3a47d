"""manage.py check_sources: every enabled module's source query columns against the module's,
without loading anything; non-zero exit when a run would fail."""

import pytest
from django.core.management import CommandError, call_command

from syncs.models import RunLog
from tests.syncs import items

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]


@pytest.fixture
def two_modules(items_between):
    fine, source, dest = items_between("pg_db", "pg_db2", "full", "SELECT * FROM items", name="fine")
    broken, *_ = items_between("maria_db", "maria_db2", "full", "SELECT * FROM items", name="broken")
    return fine, broken, source, dest


def test_it_says_ok_for_modules_whose_source_matches(two_modules, capsys):
    call_command("check_sources")

    out = capsys.readouterr().out
    assert "fine: ok" in out
    assert "broken: ok" in out
    assert not RunLog.objects.exists()


def test_it_exits_non_zero_naming_the_module_and_column_a_run_would_fail_on(two_modules, maria_db, capsys):
    maria_db.execute("ALTER TABLE items DROP COLUMN name")

    with pytest.raises(CommandError, match="1 module\\(s\\) would fail: broken"):
        call_command("check_sources")

    out = capsys.readouterr().out
    assert "fine: ok" in out
    assert (
        "broken: would fail: the query returns no column name (destination column name varchar(200))" in out
    )


def test_it_warns_of_a_new_column_and_still_succeeds(two_modules, pg_db, capsys):
    fine, _, _, dest = two_modules
    pg_db.execute("ALTER TABLE items ADD COLUMN note text")

    call_command("check_sources", "fine")

    out = capsys.readouterr().out
    assert "fine: ok; warning: new column note (text) is left out" in out
    assert "broken" not in out
    assert items.read(dest) == items.expected(items.ROWS)


def test_disabled_modules_are_not_checked(two_modules, maria_db, capsys):
    _, broken, _, _ = two_modules
    broken.enabled = False
    broken.save()
    maria_db.execute("ALTER TABLE items DROP COLUMN name")

    call_command("check_sources")

    assert "broken" not in capsys.readouterr().out
