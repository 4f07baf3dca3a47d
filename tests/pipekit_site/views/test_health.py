from pathlib import Path

import pytest


def test_it_is_open_and_reports_the_state_database_and_jrunner(client, db, settings):
    if not Path(settings.PIPEKIT_JRUNNER).exists():
        pytest.skip("jrunner is not built: make jrunner")

    response = client.get("/health")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["state_database"]["ok"] is True
    assert data["state_database"]["detail"].endswith("migrated")
    assert data["jrunner"]["ok"] is True


def test_a_missing_jrunner_makes_it_503_and_says_which(client, db, settings, tmp_path):
    settings.PIPEKIT_JRUNNER = tmp_path / "no-such-jrunner"

    response = client.get("/health")

    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["state_database"]["ok"] is True
    assert data["jrunner"]["ok"] is False
    assert "no-such-jrunner" in data["jrunner"]["detail"]
