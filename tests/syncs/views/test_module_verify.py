"""POST /modules/<id>/verify: Verify starts a detached `manage.py verify_module`; the module page
shows it running, then "matched N rows at HH:MM" or the differences with their first keys."""

import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from syncs.models import Status, Verification

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_sends_anonymous_users_to_the_login_page_and_starts_nothing(client, make_items_module):
    module = make_items_module()
    response = client.post(f"/modules/{module.id}/verify")
    assert response["Location"].startswith("/login/")
    assert not Verification.objects.exists()


def test_a_viewer_may_not_verify(viewer_client, make_items_module):
    module = make_items_module()
    assert viewer_client.post(f"/modules/{module.id}/verify").status_code == 403
    assert not Verification.objects.exists()


def test_it_rejects_get(staff_client, make_items_module):
    module = make_items_module()
    assert staff_client.get(f"/modules/{module.id}/verify").status_code == 405


def test_verify_runs_detached_and_the_page_says_matched(staff_client, make_items_module, wait_finished):
    module = make_items_module()
    call_command("run_module", "items")
    assert "Never verified." in staff_client.get(f"/modules/{module.id}/").content.decode()

    response = staff_client.post(f"/modules/{module.id}/verify")

    assert response["Location"] == f"/modules/{module.id}/#verification"
    verification = Verification.objects.get()
    assert (verification.trigger, verification.triggered_by) == ("manual", "alice")
    wait_finished(Verification.objects.all())
    verification.refresh_from_db()
    assert verification.status == Status.SUCCESS, verification.error
    page = staff_client.get(f"/modules/{module.id}/").content.decode()
    assert f"matched 3 rows at {verification.finished_at.astimezone():%H:%M}" in page


def test_the_page_shows_the_differences_and_their_first_keys(staff_client, make_items_module):
    module = make_items_module(merge_key=["id"])
    call_command("run_module", "items")
    make_items_module.dest_db.execute("UPDATE items_copy SET name = NULL WHERE id = 2")
    make_items_module.dest_db.execute("DELETE FROM items_copy WHERE id = 3")

    with pytest.raises(Exception, match="ended error"):
        call_command("verify_module", "items")

    page = staff_client.get(f"/modules/{module.id}/").content.decode()
    assert "1 only in source, 1 different; 1 rows matched" in page
    assert '<td>only in source</td><td class="mono">3</td>' in page
    assert '<td>different</td><td class="mono">2</td>' in page
    assert '<span class="mono">name</span> (1 rows)' in page


def test_a_running_verification_polls_its_panel_until_it_ends(staff_client, make_items_module):
    module = make_items_module()
    verification = Verification.objects.create(module=module, status=Status.RUNNING)

    page = staff_client.get(f"/modules/{module.id}/").content.decode()
    fragment = staff_client.get(f"/modules/{module.id}/?part=verification", headers={"HX-Request": "true"})

    assert f'hx-get="/modules/{module.id}/?part=verification"' in page
    assert fragment.content.decode().lstrip().startswith('<section class="panel" id="verification"')
    Verification.objects.filter(pk=verification.pk).update(status=Status.ERROR, error="boom")
    fragment = staff_client.get(f"/modules/{module.id}/?part=verification", headers={"HX-Request": "true"})
    assert "hx-trigger" not in fragment.content.decode()
    assert "boom" in fragment.content.decode()


def test_a_verification_left_behind_by_a_dead_process_is_ended_when_the_page_looks(
    staff_client, make_items_module
):
    module = make_items_module()
    dead = Verification.objects.create(
        module=module, status=Status.RUNNING, pid=2**22 + 1, host=socket.gethostname()
    )

    page = staff_client.get(f"/modules/{module.id}/").content.decode()

    dead.refresh_from_db()
    assert dead.status == Status.ERROR
    assert dead.error.startswith("abandoned: its process")
    assert "hx-trigger" not in page.split('id="verification"')[1].split("</section>")[0]


def test_a_verification_no_process_started_is_ended_after_a_minute(staff_client, make_items_module):
    module = make_items_module()
    stuck = Verification.objects.create(module=module, created_at=timezone.now() - timedelta(minutes=2))

    staff_client.get(f"/modules/{module.id}/")

    stuck.refresh_from_db()
    assert (stuck.status, stuck.error) == (Status.ERROR, "no process started it within a minute")
