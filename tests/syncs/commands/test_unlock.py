"""manage.py unlock NAME."""

import os
import subprocess

import pytest
from django.core.management import CommandError, call_command

from syncs.models import Status
from tests.syncs.locks import hold_lock


@pytest.mark.django_db
def test_it_clears_a_stale_lock_and_says_whose_it_was(make_items_module, capsys):
    module = make_items_module()
    process = subprocess.Popen(["true"])
    process.wait()
    holder = hold_lock(module, process.pid)

    call_command("unlock", "items")

    out = capsys.readouterr().out
    assert out.startswith(f"Cleared the lock of items held by run {holder.pk} (pid {process.pid} on ")
    assert out.strip().endswith("that run is now error.")
    module.refresh_from_db()
    assert module.running_run is None
    holder.refresh_from_db()
    assert holder.status == Status.ERROR and "unlock" in holder.error


@pytest.mark.django_db
def test_it_refuses_while_the_holder_is_alive_here(make_items_module):
    module = make_items_module()
    holder = hold_lock(module, os.getpid())

    with pytest.raises(CommandError, match=f"cancel_run {holder.pk}"):
        call_command("unlock", "items")
    module.refresh_from_db()
    assert module.running_run == holder


@pytest.mark.django_db
def test_it_says_when_there_was_no_lock(make_items_module, capsys):
    make_items_module()

    call_command("unlock", "items")

    assert capsys.readouterr().out == "items was not locked.\n"


@pytest.mark.django_db
def test_it_names_an_unknown_module():
    with pytest.raises(CommandError, match="no module named 'nope'"):
        call_command("unlock", "nope")
