"""How API clients authenticate: tokens, Basic for compatibility, the rate limit on failures, and
the rule that a state-changing POST carries JSON or a token."""

import logging

import pytest

from pipekit_site.models import MAX_FAILURES, ApiToken
from syncs.models import RunLog, Status
from tests.pipekit_site.auth import basic, bearer


@pytest.fixture
def token(staff_user):
    """A token of the staff user alice: (the stored token, its secret)."""
    return ApiToken.issue(staff_user, "script")


def test_a_token_opens_the_api_and_its_use_is_noted(client, token):
    stored, secret = token
    response = client.get("/api/modules", headers=bearer(secret))
    assert response.status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_only_the_hash_of_a_token_is_stored(token):
    stored, secret = token
    assert secret not in stored.key_hash
    assert not ApiToken.objects.filter(key_hash=secret).exists()
    assert len(stored.key_hash) == 64


def test_a_revoked_or_unknown_token_is_refused(client, token):
    stored, secret = token
    stored.delete()
    assert client.get("/api/modules", headers=bearer(secret)).status_code == 401
    assert client.get("/api/modules", headers=bearer("pk_made-up")).status_code == 401


def test_a_token_of_a_user_who_is_not_staff_is_refused(client, django_user_model):
    carol = django_user_model.objects.create_user("carol", password="carol-password")
    _, secret = ApiToken.issue(carol)
    assert client.get("/api/modules", headers=bearer(secret)).status_code == 403


def test_basic_auth_still_works(client, staff_auth):
    assert client.get("/api/modules", headers=staff_auth).status_code == 200


def fail(client, username="alice", address="203.0.113.7"):
    return client.get("/api/modules", headers={**basic(username, "wrong"), "X-Forwarded-For": address})


def test_an_address_that_failed_too_often_gets_429_with_retry_after(client, staff_user):
    for i in range(MAX_FAILURES):
        assert fail(client, username=f"guess{i}").status_code == 401
    refused = client.get(
        "/api/modules", headers={**basic("alice", "alice-password"), "X-Forwarded-For": "203.0.113.7"}
    )
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 300
    assert "Too many failed authentications" in refused.json()["error"]
    # Another address is not held back.
    elsewhere = client.get(
        "/api/modules", headers={**basic("alice", "alice-password"), "X-Forwarded-For": "198.51.100.1"}
    )
    assert elsewhere.status_code == 200


def test_a_user_name_that_failed_too_often_gets_429_from_any_address(client, staff_user):
    for i in range(MAX_FAILURES):
        assert fail(client, address=f"203.0.113.{i}").status_code == 401
    refused = client.get(
        "/api/modules", headers={**basic("alice", "alice-password"), "X-Forwarded-For": "198.51.100.1"}
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_a_forwarded_address_counts_only_behind_the_local_proxy(client, staff_user):
    for i in range(MAX_FAILURES):
        client.get(
            "/api/modules",
            headers={**basic(f"guess{i}", "wrong"), "X-Forwarded-For": f"10.0.0.{i}"},
            REMOTE_ADDR="192.0.2.5",
        )
    assert fail(client, username="nobody", address="10.0.0.99").status_code == 401
    refused = client.get("/api/modules", headers=basic("alice", "alice-password"), REMOTE_ADDR="192.0.2.5")
    assert refused.status_code == 429


def test_a_failure_is_logged_without_the_secret(client, staff_user, token, caplog):
    with caplog.at_level(logging.WARNING, logger="pipekit_site.auth"):
        client.get("/api/modules", headers=basic("alice", "s3cret-guess"))
        client.get("/api/modules", headers=bearer("pk_not-a-real-token"))
    assert len([r for r in caplog.records if r.name == "pipekit_site.auth"]) == 2
    assert "'alice'" in caplog.text and "unknown or revoked token" in caplog.text
    assert "s3cret-guess" not in caplog.text and "pk_not-a-real-token" not in caplog.text


@pytest.fixture
def running_run(make_items_module):
    return RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)


def test_a_cross_site_form_post_with_basic_credentials_is_refused(client, staff_auth, running_run):
    cancel = client.post(f"/api/runs/{running_run.id}/cancel", {"x": "1"}, headers=staff_auth)
    start = client.post(f"/api/modules/{running_run.module_id}/run", {"dry_run": "1"}, headers=staff_auth)
    assert cancel.status_code == start.status_code == 415
    assert "application/json" in cancel.json()["error"]
    running_run.refresh_from_db()
    assert running_run.cancel_requested is False
    assert RunLog.objects.count() == 1


def test_a_json_post_with_basic_credentials_is_accepted(client, staff_auth, running_run):
    response = client.post(
        f"/api/runs/{running_run.id}/cancel", "{}", content_type="application/json", headers=staff_auth
    )
    assert response.status_code == 202


def test_a_post_with_a_token_needs_no_json(client, token, running_run):
    response = client.post(f"/api/runs/{running_run.id}/cancel", headers=bearer(token[1]))
    assert response.status_code == 202
    running_run.refresh_from_db()
    assert running_run.cancel_requested is True
