"""POST /groups/<id>/run: Run now and Dry run start a detached `manage.py run_group`."""

import pytest

from scheduling.models import Group, GroupMember, GroupRun
from syncs.models import RunLog, Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group(make_items_module):
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=make_items_module())
    return group


def test_it_sends_anonymous_users_to_the_login_page_and_starts_nothing(client, group):
    response = client.post(f"/groups/{group.id}/run")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not GroupRun.objects.exists()


def test_it_refuses_users_who_are_not_staff(user_client, group):
    assert user_client.post(f"/groups/{group.id}/run").status_code == 403
    assert not GroupRun.objects.exists()


def test_it_rejects_get(staff_client, group):
    assert staff_client.get(f"/groups/{group.id}/run").status_code == 405


def test_run_now_starts_a_detached_group_run_and_lands_on_its_page(
    staff_client, group, make_items_module, wait_finished
):
    response = staff_client.post(f"/groups/{group.id}/run")

    group_run = GroupRun.objects.get(group=group)
    assert response.status_code == 302
    assert response["Location"] == f"/group-runs/{group_run.id}/"
    assert (group_run.trigger, group_run.triggered_by, group_run.dry_run) == ("manual", "alice", False)
    wait_finished(GroupRun.objects.filter(pk=group_run.pk))
    group_run.refresh_from_db()
    assert group_run.status == Status.SUCCESS, group_run.error
    run = RunLog.objects.get(group_run=group_run)
    assert run.status == Status.SUCCESS
    assert f'href="/runs/{run.id}/"' in staff_client.get(response["Location"]).content.decode()
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(3,)]


def test_dry_run_writes_nothing(staff_client, group, make_items_module, wait_finished):
    staff_client.post(f"/groups/{group.id}/run", {"dry_run": "1"})

    group_run = GroupRun.objects.get(group=group)
    assert group_run.dry_run is True
    wait_finished(GroupRun.objects.filter(pk=group_run.pk))
    group_run.refresh_from_db()
    assert group_run.status == Status.DRY_RUN, group_run.error
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]
