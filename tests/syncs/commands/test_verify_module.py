"""manage.py verify_module: NAME in the foreground, --verification-id N for a queued verification."""

import pytest
from django.core.management import CommandError, call_command

from syncs.models import Status, Trigger, Verification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def items_copied(make_items_module):
    """The items module, run once: the destination is a correct copy."""
    module = make_items_module()
    call_command("run_module", "items")
    return module


def test_it_prints_matched_and_exits_0_for_a_correct_copy(items_copied, capsys):
    capsys.readouterr()

    call_command("verify_module", "items")

    verification = Verification.objects.get()
    assert capsys.readouterr().out == f"items: matched 3 rows (verification {verification.pk})\n"
    assert (verification.trigger, verification.status) == (Trigger.CLI, Status.SUCCESS)


def test_it_prints_the_differences_with_their_keys_and_exits_1(items_copied, make_items_module, capsys):
    make_items_module.dest_db.execute("UPDATE items_copy SET name = 'TWO' WHERE id = 2")
    make_items_module.dest_db.execute("DELETE FROM items_copy WHERE id = 3")
    make_items_module.dest_db.execute("INSERT INTO items_copy VALUES (4, 'four')")
    capsys.readouterr()

    with pytest.raises(CommandError, match="ended error"):
        call_command("verify_module", "items")

    # The module has no merge key: every column is the key, so a changed row is one row only in
    # the source and another only in the destination.
    assert capsys.readouterr().out.splitlines()[1:] == [
        "  only in source: '2', 'two'",
        "  only in source: '3', NULL",
        "  only in destination: '2', 'TWO'",
        "  only in destination: '4', 'four'",
    ]


def test_a_key_names_the_rows_and_the_columns_that_differ(make_items_module, capsys):
    make_items_module(merge_key=["id"])
    call_command("run_module", "items")
    make_items_module.dest_db.execute("UPDATE items_copy SET name = '' WHERE id = 3")
    capsys.readouterr()

    with pytest.raises(CommandError, match="ended error"):
        call_command("verify_module", "items")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("items: error (verification ")
    assert out[0].endswith("the destination differs: 1 different")
    assert out[1:] == ["  different: '3'", "  column name differs in 1 rows"]


def test_it_executes_a_queued_verification_once(items_copied):
    queued = Verification.objects.create(module=items_copied, trigger="api", triggered_by="alice")

    call_command("verify_module", "--verification-id", str(queued.pk))

    queued.refresh_from_db()
    assert (queued.status, queued.matched, queued.triggered_by) == (Status.SUCCESS, 3, "alice")
    with pytest.raises(CommandError, match=f"verification {queued.pk} is success, not queued"):
        call_command("verify_module", "--verification-id", str(queued.pk))


def test_it_refuses_an_unknown_module_and_a_missing_argument(db):
    with pytest.raises(CommandError, match="there is no module named 'nope'"):
        call_command("verify_module", "nope")
    with pytest.raises(CommandError, match="give a module name or --verification-id N"):
        call_command("verify_module")
