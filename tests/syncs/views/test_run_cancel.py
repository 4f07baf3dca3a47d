from syncs.models import RunLog, Status


def test_it_sends_anonymous_users_to_the_login_page_and_changes_nothing(client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)
    response = client.post(f"/runs/{run.id}/cancel")
    run.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert run.cancel_requested is False


def test_it_refuses_users_who_are_not_staff(user_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)
    assert user_client.post(f"/runs/{run.id}/cancel").status_code == 403
    run.refresh_from_db()
    assert run.cancel_requested is False


def test_it_rejects_get(staff_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)
    assert staff_client.get(f"/runs/{run.id}/cancel").status_code == 405


def test_it_requests_the_cancel_and_returns_to_the_run(staff_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)

    response = staff_client.post(f"/runs/{run.id}/cancel", follow=True)

    run.refresh_from_db()
    assert run.cancel_requested is True
    assert run.status == Status.RUNNING
    assert response.redirect_chain == [(f"/runs/{run.id}/", 302)]
    assert "Cancel requested" in response.content.decode()


def test_a_finished_run_is_left_as_it_was(staff_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.SUCCESS)

    response = staff_client.post(f"/runs/{run.id}/cancel", follow=True)

    run.refresh_from_db()
    assert run.cancel_requested is False
    assert run.status == Status.SUCCESS
    assert "had already finished (Success)" in response.content.decode()


def test_the_form_needs_its_csrf_token(make_items_module, staff_user):
    from django.test import Client

    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)

    assert client.post(f"/runs/{run.id}/cancel").status_code == 403
    run.refresh_from_db()
    assert run.cancel_requested is False
