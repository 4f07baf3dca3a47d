import subprocess
import sys

import pytest
from django.conf import settings

from syncs.models import RunLog, Status

MANAGE = str(settings.BASE_DIR / "manage.py")


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


@pytest.mark.django_db(transaction=True)
def test_a_queued_run_ends_cancelled_and_its_process_never_starts_it(staff_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), trigger="manual")
    assert "Cancel run" in staff_client.get(f"/runs/{run.id}/").content.decode()

    response = staff_client.post(f"/runs/{run.id}/cancel", follow=True)

    run.refresh_from_db()
    assert run.status == Status.CANCELLED
    assert run.error == "cancelled before it started"
    assert f"Run {run.id} was cancelled before it started." in response.content.decode()
    # The detached process meant to run it starts later: it refuses, and nothing moves.
    process = subprocess.run(
        [sys.executable, MANAGE, "run_module", "--run-id", str(run.id)], capture_output=True, text=True
    )
    assert process.returncode == 1
    assert f"run {run.id} is cancelled, not queued" in process.stderr
    run.refresh_from_db()
    assert (run.status, run.started_at, run.live_log) == (Status.CANCELLED, None, "")
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]
