"""A verify step in a group: after the module's run, its verification; a difference fails the group."""

import pytest

from scheduling.engine import run_group
from scheduling.models import Group, GroupMember, Step
from syncs.models import Status, Verification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run_then_verify(make_items_module):
    """A group `nightly` that runs the items module (full refresh) and then verifies it."""
    module = make_items_module(merge_key=["id"])
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=module, run_order=1)
    GroupMember.objects.create(group=group, module=module, step=Step.VERIFY, run_order=2)
    return group


def test_the_verification_follows_the_run_and_matches(run_then_verify, client, staff_user):
    group_run = run_group(run_then_verify, trigger="manual", triggered_by="alice")

    assert group_run.status == Status.SUCCESS, group_run.error
    verification = Verification.objects.get()
    assert (verification.group_run, verification.status) == (group_run, Status.SUCCESS)
    assert verification.matched == 3
    assert (verification.trigger, verification.triggered_by) == (f"group:{run_then_verify.pk}", "alice")
    assert verification.started_at >= group_run.runs.get().finished_at
    client.force_login(staff_user)
    page = client.get(f"/group-runs/{group_run.pk}/").content.decode()
    assert f"verification #{verification.pk}</a>" in page
    assert "3 matched" in page


def test_a_difference_fails_the_group_naming_the_verify_step(run_then_verify, make_items_module):
    # The source changes behind the run's back: its copy is out of date at once.
    GroupMember.objects.filter(step=Step.RUN).delete()
    make_items_module.dest_db.execute("INSERT INTO items_copy VALUES (1, 'one'), (2, 'two')")

    group_run = run_group(run_then_verify, trigger="manual")

    assert group_run.status == Status.ERROR
    assert group_run.error == "1 of 1 modules failed: items (verify)"
    assert Verification.objects.get().error == "the destination differs: 1 only in source"


def test_a_dry_run_skips_the_verification(run_then_verify):
    group_run = run_group(run_then_verify, trigger="manual", dry_run=True)

    assert group_run.status == Status.DRY_RUN
    assert not Verification.objects.exists()
