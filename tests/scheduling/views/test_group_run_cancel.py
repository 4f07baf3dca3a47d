from scheduling.models import Group, GroupRun
from syncs.models import RunLog, Status


def running_group_run(make_items_module):
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"), status=Status.RUNNING)
    run = RunLog.objects.create(module=make_items_module(), group_run=group_run, status=Status.RUNNING)
    return group_run, run


def test_it_sends_anonymous_users_to_the_login_page_and_changes_nothing(client, make_items_module):
    group_run, run = running_group_run(make_items_module)
    response = client.post(f"/group-runs/{group_run.id}/cancel")
    group_run.refresh_from_db()
    assert response["Location"].startswith("/login/")
    assert group_run.cancel_requested is False


def test_it_refuses_users_who_are_not_staff(user_client, make_items_module):
    group_run, run = running_group_run(make_items_module)
    assert user_client.post(f"/group-runs/{group_run.id}/cancel").status_code == 403
    group_run.refresh_from_db()
    assert group_run.cancel_requested is False


def test_it_rejects_get(staff_client, make_items_module):
    group_run, run = running_group_run(make_items_module)
    assert staff_client.get(f"/group-runs/{group_run.id}/cancel").status_code == 405


def test_it_requests_the_cancel_of_the_group_run_and_its_current_module_run(staff_client, make_items_module):
    group_run, run = running_group_run(make_items_module)
    page = staff_client.get(f"/group-runs/{group_run.id}/").content.decode()

    response = staff_client.post(f"/group-runs/{group_run.id}/cancel", follow=True)

    group_run.refresh_from_db()
    run.refresh_from_db()
    assert f'<form method="post" action="/group-runs/{group_run.id}/cancel">' in page
    assert response.redirect_chain == [(f"/group-runs/{group_run.id}/", 302)]
    assert group_run.cancel_requested is True and run.cancel_requested is True
    assert "cancel requested" in response.content.decode()


def test_a_finished_group_run_is_left_as_it_was(staff_client, db):
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"), status=Status.SUCCESS)

    response = staff_client.post(f"/group-runs/{group_run.id}/cancel", follow=True)

    group_run.refresh_from_db()
    assert group_run.cancel_requested is False
    assert "had already finished (Success)" in response.content.decode()


def test_a_queued_group_run_ends_cancelled_before_it_starts(staff_client, db):
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"))

    response = staff_client.post(f"/group-runs/{group_run.id}/cancel", follow=True)

    group_run.refresh_from_db()
    assert (group_run.status, group_run.started_at) == (Status.CANCELLED, None)
    assert f"Group run {group_run.id} was cancelled before it started." in response.content.decode()
