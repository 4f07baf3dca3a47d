from scheduling.models import Group, GroupMember, GroupRun
from syncs.models import RunLog, Status
from tests.history import queries


def test_it_sends_anonymous_users_to_the_login_page(client, db):
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"))
    response = client.get(f"/group-runs/{group_run.id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/group-runs/{group_run.id}/"


def test_it_refuses_users_who_are_not_staff(user_client):
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"))
    assert user_client.get(f"/group-runs/{group_run.id}/").status_code == 403


def test_an_unknown_group_run_is_not_found(staff_client):
    assert staff_client.get("/group-runs/999/").status_code == 404


def test_it_lists_each_member_in_order_with_a_link_to_its_run(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    first, second = make_items_module(name="first"), make_items_module(name="second")
    GroupMember.objects.create(group=group, module=first, run_order=1)
    GroupMember.objects.create(group=group, module=second, run_order=2)
    group_run = GroupRun.objects.create(group=group, status=Status.RUNNING)
    run = RunLog.objects.create(
        module=first, group_run=group_run, status=Status.ERROR, error="boom: no table"
    )

    page = staff_client.get(f"/group-runs/{group_run.id}/").content.decode()

    assert page.index(">first</a>") < page.index(">second</a>")
    assert f'href="/runs/{run.id}/">#{run.id}</a>' in page
    assert "boom: no table" in page
    assert "waiting" in page


def test_it_polls_while_running_and_stops_once_finished(staff_client, db):
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"), status=Status.RUNNING)
    htmx = {"HX-Request": "true"}

    page = staff_client.get(f"/group-runs/{group_run.id}/").content.decode()
    fragment = staff_client.get(f"/group-runs/{group_run.id}/", headers=htmx).content.decode()
    GroupRun.objects.filter(pk=group_run.pk).update(status=Status.SUCCESS)
    ended = staff_client.get(f"/group-runs/{group_run.id}/", headers=htmx).content.decode()

    assert f'hx-get="/group-runs/{group_run.id}/" hx-trigger="every 2s"' in page
    assert fragment.strip().startswith('<div id="group-run-live"') and "<html" not in fragment
    assert 'hx-trigger="every 2s"' in fragment
    assert 'hx-trigger="every 2s"' not in ended


def test_its_queries_do_not_grow_with_the_runs(staff_client, history):
    small = GroupRun.objects.get(group=history(modules=2)[0].groups.get())
    few = queries(staff_client, f"/group-runs/{small.id}/")
    big = GroupRun.objects.get(group=history(modules=20, runs_per_module=3)[0].groups.get())
    assert queries(staff_client, f"/group-runs/{big.id}/") == few
