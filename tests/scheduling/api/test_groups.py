import pytest

from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.models import RunLog, Status
from tests.history import queries


def test_it_answers_401_with_a_basic_challenge_without_credentials(client, db):
    response = client.get("/api/groups")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_it_refuses_users_who_are_not_staff(client, user_auth):
    assert client.get("/api/groups", headers=user_auth).status_code == 403


def test_it_lists_groups_with_members_in_order_and_schedules(client, staff_auth, make_items_module):
    group = Group.objects.create(name="nightly", stop_on_failure=True)
    second, first = make_items_module(name="second"), make_items_module(name="first")
    GroupMember.objects.create(group=group, module=second, run_order=2)
    GroupMember.objects.create(group=group, module=first, run_order=1)
    schedule = Schedule.objects.create(group=group, cron="0 4 * * *", timezone="America/New_York")

    (item,) = client.get("/api/groups", headers=staff_auth).json()["groups"]

    assert item["name"] == "nightly" and item["stop_on_failure"] is True
    assert [m["module"] for m in item["members"]] == ["first", "second"]
    (listed,) = item["schedules"]
    assert listed["cron"] == "0 4 * * *" and listed["timezone"] == "America/New_York"
    assert listed["in_words"] == "at 04:00, America/New_York"
    assert listed["next_fire_times"][0] == schedule.next_fire_times()[0].isoformat()


def test_it_reads_a_group_run_with_its_module_runs(client, staff_auth, make_items_module):
    module = make_items_module()
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"), status=Status.SUCCESS)
    run = RunLog.objects.create(module=module, group_run=group_run, status=Status.SUCCESS, rows_merged=3)

    data = client.get(f"/api/group-runs/{group_run.id}", headers=staff_auth).json()

    assert data["id"] == group_run.id and data["group"]["name"] == "nightly"
    assert data["status"] == "success" and data["finished"] is True
    assert [(r["id"], r["module"]["name"], r["rows_merged"]) for r in data["runs"]] == [(run.id, "items", 3)]


def test_unknown_ids_are_json_404s(client, staff_auth):
    for method, url in [("get", "/api/group-runs/999"), ("post", "/api/groups/999/run")]:
        response = getattr(client, method)(url, content_type="application/json", headers=staff_auth)
        assert response.status_code == 404, url
        assert "error" in response.json()


def test_starting_a_group_run_needs_staff(client, user_auth, db):
    group = Group.objects.create(name="nightly")
    assert client.post(f"/api/groups/{group.id}/run").status_code == 401
    assert client.post(f"/api/groups/{group.id}/run", headers=user_auth).status_code == 403
    assert not GroupRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_post_run_answers_202_with_the_group_run_id_at_once(
    client, staff_auth, make_items_module, wait_finished
):
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=make_items_module())

    response = client.post(
        f"/api/groups/{group.id}/run",
        data='{"dry_run": true}',
        content_type="application/json",
        headers=staff_auth,
    )

    assert response.status_code == 202
    group_run = GroupRun.objects.get(group=group)
    assert response.json()["group_run_id"] == group_run.id
    assert (group_run.trigger, group_run.triggered_by, group_run.dry_run) == ("api", "alice", True)
    wait_finished(GroupRun.objects.filter(pk=group_run.pk))
    data = client.get(f"/api/group-runs/{group_run.id}", headers=staff_auth).json()
    assert data["status"] == "dry_run"
    assert [r["status"] for r in data["runs"]] == ["dry_run"]


def test_a_bad_body_is_a_400_and_starts_nothing(client, staff_auth, db):
    group = Group.objects.create(name="nightly")
    response = client.post(
        f"/api/groups/{group.id}/run", data="[1]", content_type="application/json", headers=staff_auth
    )
    assert response.status_code == 400
    assert not GroupRun.objects.exists()


def test_it_lists_fifty_groups_of_twenty_modules(client, staff_auth, history):
    history(modules=1000, runs_per_module=1)
    response = client.get("/api/groups", headers=staff_auth)
    assert response.status_code == 200
    assert sum(len(group["members"]) for group in response.json()["groups"]) == 1000


def test_its_queries_do_not_grow_with_groups_members_or_runs(client, staff_auth, history):
    group_run = GroupRun.objects.get(group=history(modules=20)[0].groups.get())
    few = queries(client, "/api/groups", **staff_auth)
    one_run = queries(client, f"/api/group-runs/{group_run.id}", **staff_auth)
    bigger = GroupRun.objects.get(group=history(modules=100, runs_per_module=3)[0].groups.get())
    assert queries(client, "/api/groups", **staff_auth) == few
    assert queries(client, f"/api/group-runs/{bigger.id}", **staff_auth) == one_run
