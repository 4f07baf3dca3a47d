"""The roles in the JSON API, the same as on the pages: viewers read, operators also run and
cancel, staff without a role get a 403 naming what is missing, by Basic login or token."""

import pytest

from pipekit_site.models import ApiToken
from scheduling.models import Group, GroupRun
from syncs.models import RunLog, Status
from tests.pipekit_site.auth import basic, bearer

JSON = {"content_type": "application/json", "data": "{}"}


@pytest.fixture
def viewer_auth(make_staff):
    make_staff("vera", "viewer")
    return basic("vera", "vera-password")


@pytest.fixture
def operator_auth(make_staff):
    make_staff("oscar", "operator")
    return basic("oscar", "oscar-password")


def test_staff_without_a_role_get_a_403_saying_so(client, make_staff):
    nina = make_staff("nina", None)
    _, secret = ApiToken.issue(nina, "script")

    for headers in [basic("nina", "nina-password"), bearer(secret)]:
        response = client.get("/api/modules", headers=headers)
        assert response.status_code == 403
        assert response.json() == {
            "error": "User 'nina' may not do this. You have no role in Pipekit yet: "
            "ask an administrator to give you viewer, operator or editor."
        }


def test_a_viewer_reads_modules_runs_and_groups(client, viewer_auth, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    for url in ["/api/modules", f"/api/modules/{run.module_id}", f"/api/runs/{run.id}", "/api/groups"]:
        assert client.get(url, headers=viewer_auth).status_code == 200, url


def test_a_viewer_can_neither_run_nor_cancel(client, viewer_auth, make_items_module):
    module = make_items_module()
    group = Group.objects.create(name="nightly")
    queued = RunLog.objects.create(module=module)

    for url in [
        f"/api/modules/{module.id}/run",
        f"/api/groups/{group.id}/run",
        f"/api/runs/{queued.id}/cancel",
    ]:
        response = client.post(url, headers=viewer_auth, **JSON)
        assert response.status_code == 403, url
        assert response.json() == {
            "error": "User 'vera' may not do this. Your role does not allow this: it needs the operator role."
        }

    assert list(RunLog.objects.values_list("id", "status")) == [(queued.id, Status.QUEUED)]
    assert not GroupRun.objects.exists()


def test_an_operator_cancels_a_run(client, operator_auth, make_items_module):
    run = RunLog.objects.create(module=make_items_module())

    response = client.post(f"/api/runs/{run.id}/cancel", headers=operator_auth, **JSON)

    assert response.status_code == 202
    run.refresh_from_db()
    assert run.status == Status.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_an_operator_runs_a_module(client, operator_auth, make_items_module, wait_finished):
    module = make_items_module()

    response = client.post(f"/api/modules/{module.id}/run", headers=operator_auth, **JSON)

    assert response.status_code == 202
    run = RunLog.objects.get(module=module)
    assert run.triggered_by == "oscar"
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.SUCCESS, run.error
