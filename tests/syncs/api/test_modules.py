import json
import os

import pytest

from connections.models import Connection
from scheduling.models import Group, GroupMember
from syncs.models import Hook, RunLog, Status, Watermark
from tests.history import queries
from tests.syncs.locks import hold_lock


def test_it_answers_401_with_a_basic_challenge_without_credentials(client, db):
    response = client.get("/api/modules")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert "error" in response.json()


def test_it_refuses_users_who_are_not_staff(client, user_auth):
    assert client.get("/api/modules", headers=user_auth).status_code == 403


def test_it_lists_modules_with_their_last_run(client, staff_auth, make_items_module):
    module = make_items_module(strategy="incremental", merge_key=["id"])
    GroupMember.objects.create(group=Group.objects.create(name="nightly"), module=module)
    RunLog.objects.create(module=module, status=Status.ERROR)
    last = RunLog.objects.create(module=module, status=Status.SUCCESS, rows_merged=3)

    data = client.get("/api/modules", headers=staff_auth).json()

    (item,) = data["modules"]
    assert item["id"] == module.id and item["name"] == "items"
    assert item["source"] == "source" and item["dest"] == "dest"
    assert item["strategy"] == "incremental" and item["merge_key"] == ["id"]
    assert item["groups"] == ["nightly"]
    assert item["last_run"]["id"] == last.id and item["last_run"]["rows_merged"] == 3


def test_it_reads_one_module_with_columns_watermarks_hooks_and_recent_runs(
    client, staff_auth, make_items_module
):
    module = make_items_module(source_query="SELECT id, name FROM items WHERE id > {last_id}")
    Watermark.objects.create(module=module, name="last_id", resolver_sql="SELECT max(id) FROM items_copy")
    Hook.objects.create(module=module, name="vacuum", sql="VACUUM", run_on="always")
    run = RunLog.objects.create(module=module)

    data = client.get(f"/api/modules/{module.id}", headers=staff_auth).json()

    assert data["source_query"] == "SELECT id, name FROM items WHERE id > {last_id}"
    assert [c["dest_name"] for c in data["columns"]] == ["id", "name"]
    assert data["watermarks"] == [
        {
            "name": "last_id",
            "resolver_sql": "SELECT max(id) FROM items_copy",
            "connection": "dest",
            "default_value": None,
        }
    ]
    assert data["hooks"][0]["name"] == "vacuum" and data["hooks"][0]["connection"] == "dest"
    assert [r["id"] for r in data["recent_runs"]] == [run.id]


def test_no_response_carries_a_password_reference(client, staff_auth, make_items_module):
    module = make_items_module()
    Connection.objects.filter(pk=module.source_id).update(password="$SOURCE_SECRET")

    for url in ["/api/modules", f"/api/modules/{module.id}"]:
        assert "SOURCE_SECRET" not in client.get(url, headers=staff_auth).content.decode()


def test_an_unknown_module_is_a_json_404(client, staff_auth):
    response = client.get("/api/modules/999", headers=staff_auth)
    assert response.status_code == 404
    assert response.json() == {"error": "No module with id 999."}


def test_listing_refuses_post(client, staff_auth):
    response = client.post("/api/modules", headers=staff_auth)
    assert response.status_code == 405
    assert response.json() == {"error": "Method POST not allowed."}


def post_run(client, module, headers, body=None):
    return client.post(
        f"/api/modules/{module.id}/run",
        data=json.dumps(body if body is not None else {}),
        content_type="application/json",
        headers=headers,
    )


def test_starting_a_run_needs_staff(client, user_auth, make_items_module):
    module = make_items_module()
    assert post_run(client, module, {}).status_code == 401
    assert post_run(client, module, user_auth).status_code == 403
    assert not RunLog.objects.filter(module=module).exists()


def test_a_bad_body_is_a_400_naming_the_problem_and_starts_nothing(client, staff_auth, make_items_module):
    module = make_items_module()

    not_json = client.post(
        f"/api/modules/{module.id}/run", data="{dry", content_type="application/json", headers=staff_auth
    )
    not_bool = post_run(client, module, staff_auth, {"dry_run": "yes"})
    unknown = post_run(client, module, staff_auth, {"dryrun": True})

    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["error"]
    assert not_bool.status_code == 400 and not_bool.json()["error"] == '"dry_run" must be true or false.'
    assert unknown.status_code == 400 and '"dry_run"' in unknown.json()["error"]
    assert not RunLog.objects.filter(module=module).exists()


def test_a_deeply_nested_body_is_a_json_400_and_starts_nothing(client, staff_auth, make_items_module):
    module = make_items_module()

    response = client.post(
        f"/api/modules/{module.id}/run",
        data="[" * 100_000,
        content_type="application/json",
        headers=staff_auth,
    )

    assert response.status_code == 400
    assert response.json() == {"error": "The body is not valid JSON: it is nested too deeply."}
    assert not RunLog.objects.filter(module=module).exists()


def test_starting_a_run_of_an_unknown_module_is_a_json_404(client, staff_auth):
    response = client.post("/api/modules/999/run", content_type="application/json", headers=staff_auth)
    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.django_db(transaction=True)
def test_post_run_answers_202_with_the_run_id_at_once(client, staff_auth, make_items_module, wait_finished):
    module = make_items_module()

    response = post_run(client, module, staff_auth)

    assert response.status_code == 202
    run = RunLog.objects.get(module=module)
    assert response.json()["run_id"] == run.id
    assert (run.trigger, run.triggered_by, run.dry_run) == ("api", "alice", False)
    wait_finished(RunLog.objects.filter(pk=run.pk))
    assert client.get(f"/api/runs/{run.id}", headers=staff_auth).json()["status"] == "success"
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(3,)]


@pytest.mark.django_db(transaction=True)
def test_post_run_with_dry_run_true_starts_a_dry_run(client, staff_auth, make_items_module, wait_finished):
    module = make_items_module()

    response = post_run(client, module, staff_auth, {"dry_run": True})

    run = RunLog.objects.get(pk=response.json()["run_id"])
    assert run.dry_run is True
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.DRY_RUN


@pytest.mark.django_db(transaction=True)
def test_post_run_with_force_true_commits_what_a_guard_refused(
    client, staff_auth, make_items_module, wait_finished
):
    module = make_items_module()
    make_items_module.dest_db.execute("INSERT INTO items_copy VALUES (7, 'kept')")
    make_items_module.source_db.execute("DELETE FROM items")

    refused = post_run(client, module, staff_auth).json()["run_id"]
    wait_finished(RunLog.objects.filter(pk=refused))
    data = client.get(f"/api/runs/{refused}", headers=staff_auth).json()
    assert data["error"].startswith("guard: allow_empty is off")
    assert (data["refused_by_guard"], data["forced"], data["rows_read"], data["rows_staged"]) == (
        True,
        False,
        0,
        0,
    )

    forced = post_run(client, module, staff_auth, {"force": True}).json()["run_id"]
    wait_finished(RunLog.objects.filter(pk=forced))
    data = client.get(f"/api/runs/{forced}", headers=staff_auth).json()
    assert (data["status"], data["forced"], data["rows_deleted"]) == ("success", True, 1)
    assert make_items_module.dest_db.rows("SELECT count(*) FROM items_copy") == [(0,)]


def test_force_must_be_true_or_false(client, staff_auth, make_items_module):
    module = make_items_module()

    response = post_run(client, module, staff_auth, {"force": 1})

    assert response.status_code == 400 and response.json()["error"] == '"force" must be true or false.'
    assert not RunLog.objects.filter(module=module).exists()


def test_post_run_of_a_running_module_is_a_409_naming_the_run(client, staff_auth, make_items_module):
    module = make_items_module()
    holder = hold_lock(module, os.getpid())

    response = post_run(client, module, staff_auth)

    assert response.status_code == 409
    assert response.json() == {
        "error": f"Not started: items is already running (run {holder.id}).",
        "run_id": holder.id,
    }
    assert RunLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_of_two_quick_starts_the_second_is_a_409_and_no_run_fails(
    client, staff_auth, make_items_module, wait_finished
):
    module = make_items_module()

    first = post_run(client, module, staff_auth)
    second = post_run(client, module, staff_auth)

    assert first.status_code == 202
    assert second.status_code == 409
    run_id = first.json()["run_id"]
    assert second.json() == {
        "error": f"Not started: items is already running (run {run_id}).",
        "run_id": run_id,
    }
    wait_finished(RunLog.objects.filter(pk=run_id))
    assert list(RunLog.objects.values_list("status", flat=True)) == [Status.SUCCESS]
    listed = client.get("/api/modules", headers=staff_auth).json()["modules"][0]
    assert listed["last_run"]["id"] == run_id


def test_the_last_run_is_the_last_real_one_not_a_dry_run(client, staff_auth, make_items_module):
    module = make_items_module()
    failed = RunLog.objects.create(module=module, status=Status.ERROR)
    RunLog.objects.create(module=module, status=Status.DRY_RUN, dry_run=True)

    listed = client.get("/api/modules", headers=staff_auth).json()["modules"][0]
    detail = client.get(f"/api/modules/{module.id}", headers=staff_auth).json()

    assert listed["last_run"]["id"] == detail["last_run"]["id"] == failed.id


def test_the_list_has_pages_of_at_most_limit_modules(client, staff_auth, history):
    history(modules=7)
    first = client.get("/api/modules?limit=5", headers=staff_auth).json()
    second = client.get(first["next"], headers=staff_auth).json()
    assert [len(first["modules"]), len(second["modules"])] == [5, 2]
    assert (first["count"], first["pages"], second["page"], second["next"]) == (7, 2, 2, None)
    names = [m["name"] for m in first["modules"] + second["modules"]]
    assert names == sorted(names) and len(set(names)) == 7


def test_a_bad_page_or_limit_is_a_400_or_404_naming_it(client, staff_auth, history):
    history(modules=2)
    assert "limit must be" in client.get("/api/modules?limit=501", headers=staff_auth).json()["error"]
    assert client.get("/api/modules?page=0", headers=staff_auth).status_code == 400
    assert client.get("/api/modules?page=3", headers=staff_auth).status_code == 404


def test_its_queries_do_not_grow_with_modules_runs_or_groups(client, staff_auth, history):
    small = history(modules=3)[0]
    few = queries(client, "/api/modules", **staff_auth)
    one = queries(client, f"/api/modules/{small.id}", **staff_auth)
    big = history(modules=120, runs_per_module=25)[0]
    assert queries(client, "/api/modules", **staff_auth) == few
    assert queries(client, f"/api/modules/{big.id}", **staff_auth) == one
