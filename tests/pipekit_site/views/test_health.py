from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from pipekit_site.models import ApiToken
from syncs.models import RunLog
from tests.pipekit_site.auth import bearer


@pytest.fixture
def counting_jrunner(settings, tmp_path):
    """A stand-in jrunner that notes each time it is started in a file: return that file."""
    starts = tmp_path / "starts"
    script = tmp_path / "jrunner"
    script.write_text(f'#!/bin/sh\necho started >> "{starts}"\necho "jrunner 9.9"\n')
    script.chmod(0o755)
    settings.PIPEKIT_JRUNNER = script
    return starts


def test_staff_see_the_state_database_and_jrunner(staff_client, settings):
    if not Path(settings.PIPEKIT_JRUNNER).exists():
        pytest.skip("jrunner is not built: make jrunner")

    response = staff_client.get("/health")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["state_database"]["ok"] is True
    assert data["state_database"]["detail"].endswith("migrated")
    assert data["jrunner"]["ok"] is True


def test_strangers_are_told_only_ok(client, db, counting_jrunner):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_strangers_are_told_only_not_ok(client, db, settings, tmp_path):
    settings.PIPEKIT_JRUNNER = tmp_path / "no-such-jrunner"

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "not ok"}
    assert "no-such-jrunner" not in response.content.decode()


def test_a_user_who_is_not_staff_is_a_stranger(user_client, counting_jrunner):
    assert user_client.get("/health").json() == {"status": "ok"}


def test_a_missing_jrunner_makes_it_503_and_tells_staff_which(staff_client, settings, tmp_path):
    settings.PIPEKIT_JRUNNER = tmp_path / "no-such-jrunner"

    response = staff_client.get("/health")

    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "not ok"
    assert data["state_database"]["ok"] is True
    assert data["jrunner"]["ok"] is False
    assert "no-such-jrunner" in data["jrunner"]["detail"]


def test_a_token_or_basic_login_shows_the_details(client, staff_user, staff_auth, counting_jrunner):
    _, secret = ApiToken.issue(staff_user, "monitor")

    for headers in (bearer(secret), staff_auth):
        assert client.get("/health", headers=headers).json()["jrunner"] == {
            "ok": True,
            "detail": "jrunner 9.9",
        }


def test_jrunner_is_started_once_for_many_requests(client, db, counting_jrunner):
    for _ in range(5):
        assert client.get("/health").status_code == 200

    assert counting_jrunner.read_text().splitlines() == ["started"]


def test_staff_see_the_queue_depth_and_the_oldest_queued_run_age(
    staff_client, counting_jrunner, make_items_module, settings
):
    module = make_items_module()
    RunLog.objects.create(module=module, created_at=timezone.now() - timedelta(seconds=90))
    RunLog.objects.create(module=make_items_module(name="other"))
    RunLog.objects.create(module=module, status="success")

    queue = staff_client.get("/health").json()["queue"]

    assert (queue["executor"], queue["depth"]) == (settings.PIPEKIT_EXECUTOR, 2)
    assert 90 <= queue["oldest_queued_seconds"] < 600
