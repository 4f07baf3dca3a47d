"""POST /modules/<id>/run: Run and Dry run start a detached `manage.py run_module` and show its page."""

import os
import time

import pytest
from django.conf import settings

from connections.secrets import set_secret
from syncs.models import Channel, Notice, RunLog, Status
from tests.dbs import unique_name
from tests.receivers import Receiver
from tests.syncs.locks import hold_lock

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_sends_anonymous_users_to_the_login_page_and_starts_nothing(client, make_items_module):
    module = make_items_module()
    response = client.post(f"/modules/{module.id}/run")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not RunLog.objects.exists()


def test_it_refuses_users_who_are_not_staff(user_client, make_items_module):
    module = make_items_module()
    assert user_client.post(f"/modules/{module.id}/run").status_code == 403
    assert not RunLog.objects.exists()


def test_it_rejects_get(staff_client, make_items_module):
    module = make_items_module()
    assert staff_client.get(f"/modules/{module.id}/run").status_code == 405
    assert not RunLog.objects.exists()


def test_run_starts_a_detached_run_and_lands_on_its_page(staff_client, make_items_module, wait_finished):
    module = make_items_module()

    response = staff_client.post(f"/modules/{module.id}/run")

    run = RunLog.objects.get(module=module)
    assert response.status_code == 302
    assert response["Location"] == f"/runs/{run.id}/"
    assert (run.trigger, run.triggered_by, run.dry_run) == ("manual", "alice", False)
    assert staff_client.get(response["Location"]).status_code == 200
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.SUCCESS, run.error
    assert sorted(make_items_module.dest_db.rows("SELECT id, name FROM items_copy")) == [
        (1, "one"),
        (2, "two"),
        (3, None),
    ]


def test_dry_run_records_the_plan_and_writes_nothing(staff_client, make_items_module, wait_finished):
    module = make_items_module()

    response = staff_client.post(f"/modules/{module.id}/run", {"dry_run": "1"})

    run = RunLog.objects.get(module=module)
    assert response["Location"] == f"/runs/{run.id}/"
    assert run.dry_run is True
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.DRY_RUN, run.error
    assert "SELECT id, name FROM items" in run.resolved_sql
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]


def test_a_module_that_is_running_is_not_started_twice(staff_client, make_items_module):
    module = make_items_module()
    holder = hold_lock(module, os.getpid())

    response = staff_client.post(f"/modules/{module.id}/run", follow=True)

    assert response.redirect_chain == [(f"/runs/{holder.id}/", 302)]
    assert f"Not started: items is already running (run {holder.id})." in response.content.decode()
    assert list(RunLog.objects.values_list("pk", flat=True)) == [holder.id]


def test_a_run_started_from_the_page_notifies_as_any_run_does(staff_client, make_items_module, wait_finished):
    # The detached process reads the suite's own secrets file, so the channel's secret goes there.
    with Receiver() as hook:
        key = unique_name("HOOK").upper()
        set_secret(key, hook.url, settings.PIPEKIT_SECRETS_FILE)
        Channel.objects.create(name="ops", kind="webhook", url=f"${key}")
        module = make_items_module(notify=[{"channel": "ops", "on": ["success"]}])

        staff_client.post(f"/modules/{module.id}/run")
        run = RunLog.objects.get(module=module)
        wait_finished(RunLog.objects.filter(pk=run.pk))
        # The run ends before its process hands it to the channels: wait for its notice to be sent.
        for _ in range(120):
            notices = Notice.objects.filter(run=run)
            if notices.exists() and not notices.filter(status="sending").exists():
                break
            time.sleep(0.5)

        assert hook.events() == ["success"]
        assert hook.received[0]["id"] == run.pk
        assert hook.received[0]["trigger"] == "manual"
        assert Notice.objects.get(run=run).status == "sent"


def test_a_double_click_starts_one_run_and_says_so_on_the_second(
    staff_client, make_items_module, wait_finished
):
    module = make_items_module()

    first = staff_client.post(f"/modules/{module.id}/run")
    second = staff_client.post(f"/modules/{module.id}/run", follow=True)

    run = RunLog.objects.get()
    assert first["Location"] == f"/runs/{run.id}/"
    assert second.redirect_chain == [(f"/runs/{run.id}/", 302)]
    assert f"Not started: items is already running (run {run.id})." in second.content.decode()
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.SUCCESS
