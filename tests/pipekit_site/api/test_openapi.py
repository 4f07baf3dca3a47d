"""The API answers as its OpenAPI document (/api/openapi.json) says: schemathesis fuzzes every
operation through the WSGI application, with a staff user's token, on a small data set."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings

from pipekit_site.api import openapi_document
from pipekit_site.models import ApiToken, AuthFailure
from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.models import RunLog, Status, Verification, Watermark

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@pytest.fixture
def data(staff_user, make_items_module, wait_finished):
    """A module (with a watermark) in a scheduled group, a finished run, a queued run, a finished
    group run, a verification that found a difference and a staff user's token: their ids and the
    token's headers. Runs the calls start are let finish before the database is emptied."""
    module = make_items_module()
    Watermark.objects.create(module=module, name="since", resolver_sql="SELECT 1", default_value="0")
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=module)
    Schedule.objects.create(group=group, cron="0 3 * * *")
    finished = RunLog.objects.create(module=module, status=Status.SUCCESS, rows_merged=3)
    queued = RunLog.objects.create(module=module, status=Status.QUEUED)
    group_run = GroupRun.objects.create(group=group, status=Status.ERROR, error="boom")
    verification = Verification.objects.create(
        module=module,
        status=Status.ERROR,
        error="the destination differs: 1 only in source",
        source_rows=3,
        dest_rows=2,
        matched=2,
        only_in_source=1,
        only_in_dest=0,
        different=0,
        first_keys={"only_in_source": [["3", None]], "only_in_dest": [], "different": []},
    )
    _, secret = ApiToken.issue(staff_user, "fuzz")
    yield {
        "headers": {"Authorization": f"Bearer {secret}"},
        "ids": {
            "module_id": module.id,
            "run_id": queued.id,
            "finished_run_id": finished.id,
            "group_id": group.id,
            "group_run_id": group_run.id,
            "verification_id": verification.id,
        },
    }
    queued.request_cancel()
    wait_finished(RunLog.objects.all())
    wait_finished(GroupRun.objects.all())
    wait_finished(Verification.objects.all())


def call(case, data):
    # schemathesis also checks that bad credentials are refused: each call starts from a clean
    # slate, so those refusals do not rate-limit the next call's good token into a 429.
    AuthFailure.objects.all().delete()
    return case.call_and_validate(headers=data["headers"])


def test_the_document_is_served_to_anyone(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert set(response.json()["paths"]) == set(openapi_document()["paths"])


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_any_input_as_documented(case, data):
    call(case, data)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("operation", [op.ok().label for op in schema.get_all_operations()])
def test_every_operation_answers_on_real_objects_as_documented(operation, data):
    method, path = operation.split(" ", 1)
    found = schema[path][method]
    ids = {p.name: data["ids"][p.name] for p in found.path_parameters}
    body = {"body": {"dry_run": True}, "media_type": "application/json"} if method == "POST" else {}
    response = call(found.Case(path_parameters=ids, **body), data)
    assert response.status_code in (200, 202)
