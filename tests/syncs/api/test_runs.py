from syncs.models import RunLog, Status


def test_it_answers_401_with_a_basic_challenge_without_credentials(client, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    response = client.get(f"/api/runs/{run.id}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Basic realm="Pipekit"')
    assert "staff" in response.json()["error"]


def test_it_answers_401_for_a_wrong_password(client, staff_user, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    response = client.get(f"/api/runs/{run.id}", headers={"Authorization": "Basic YWxpY2U6d3Jvbmc="})
    assert response.status_code == 401


def test_it_refuses_users_who_are_not_staff(client, user_auth, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    response = client.get(f"/api/runs/{run.id}", headers=user_auth)
    assert response.status_code == 403
    assert response.json() == {"error": "User 'carol' may not do this. Pipekit is for staff users."}


def test_a_session_login_is_not_enough(staff_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    assert staff_client.get(f"/api/runs/{run.id}").status_code == 401


def test_it_reads_a_run(client, staff_auth, make_items_module):
    module = make_items_module()
    run = RunLog.objects.create(
        module=module,
        status=Status.SUCCESS,
        trigger="api",
        triggered_by="alice",
        rows_staged=3,
        rows_merged=3,
        load_path="batch-insert",
        watermark_values={"since": "2026-01-01"},
        resolved_sql="SELECT 1",
        live_log="3 rows written\n",
    )

    data = client.get(f"/api/runs/{run.id}", headers=staff_auth).json()

    assert data["id"] == run.id
    assert data["module"] == {"id": module.id, "name": "items"}
    assert data["status"] == "success" and data["finished"] is True
    assert data["rows_merged"] == 3 and data["load_path"] == "batch-insert"
    assert data["watermark_values"] == {"since": "2026-01-01"}
    assert data["live_log"] == "3 rows written\n"
    assert "stderr" not in data
    assert data["backfill"] == {} and data["drift"] == {}


def test_a_backfill_run_says_so_with_its_values_and_drift(client, staff_auth, make_items_module):
    run = RunLog.objects.create(
        module=make_items_module(),
        status=Status.SUCCESS,
        backfill={"values": {"since": "2024-01-01"}},
        drift={"extra": [{"name": "note", "source_type": "text", "dest_name": "note", "dest_type": "text"}]},
    )

    data = client.get(f"/api/runs/{run.id}", headers=staff_auth).json()

    assert data["backfill"] == {"values": {"since": "2024-01-01"}}
    assert data["drift"]["extra"][0]["name"] == "note"


def test_an_unknown_run_is_a_json_404(client, staff_auth):
    response = client.get("/api/runs/999", headers=staff_auth)
    assert response.status_code == 404
    assert response.json() == {"error": "No run with id 999."}


def test_it_cancels_a_running_run(client, staff_auth, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)

    response = client.post(f"/api/runs/{run.id}/cancel", content_type="application/json", headers=staff_auth)

    run.refresh_from_db()
    assert response.status_code == 202
    assert response.json()["cancel_requested"] is True
    assert run.cancel_requested is True


def test_cancelling_a_finished_run_is_a_409_that_changes_nothing(client, staff_auth, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.ERROR)

    response = client.post(f"/api/runs/{run.id}/cancel", content_type="application/json", headers=staff_auth)

    run.refresh_from_db()
    assert response.status_code == 409
    assert response.json() == {"error": f"Run {run.id} has already finished (error)."}
    assert run.cancel_requested is False


def test_cancel_refuses_get_and_needs_no_csrf_token(make_items_module, staff_auth):
    from django.test import Client

    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)
    client = Client(enforce_csrf_checks=True)

    assert client.get(f"/api/runs/{run.id}/cancel", headers=staff_auth).status_code == 405
    assert (
        client.post(
            f"/api/runs/{run.id}/cancel", content_type="application/json", headers=staff_auth
        ).status_code
        == 202
    )


def test_non_staff_cannot_cancel(client, user_auth, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)
    assert client.post(f"/api/runs/{run.id}/cancel", headers=user_auth).status_code == 403
    run.refresh_from_db()
    assert run.cancel_requested is False


def test_cancelling_a_queued_run_ends_it_before_it_starts(client, staff_auth, make_items_module):
    run = RunLog.objects.create(module=make_items_module())

    response = client.post(f"/api/runs/{run.id}/cancel", content_type="application/json", headers=staff_auth)

    run.refresh_from_db()
    assert response.status_code == 202
    assert response.json()["status"] == "cancelled"
    assert (run.status, run.started_at) == (Status.CANCELLED, None)
