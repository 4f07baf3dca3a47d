"""Fixtures for the deployment tests: production configs, collected static files, gunicorn."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.deploy.helpers import VENV_BIN, free_port, project_env, stop, wait_for_port
from tests.paths import ROOT


@pytest.fixture
def make_config(tmp_path):
    """Return a function writing a production config.yaml (debug false, https false) in tmp_path."""

    def make(**values):
        config = {
            "database": str(tmp_path / "state.db"),
            "secret_key_file": str(tmp_path / "secret_key"),
            "secrets_file": str(tmp_path / "secrets.env"),
            "debug": False,
            "https": False,
            "allowed_hosts": ["pipekit.test", "localhost", "127.0.0.1"],
            "base_url": "https://pipekit.test",
        } | values
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        return path

    return make


@pytest.fixture(scope="session")
def static_manifest():
    """Run collectstatic as a deployment does; return the manifest: name -> hashed name."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=project_env(ROOT / "tests" / "config.yaml"),
        check=True,
    )
    return json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())["paths"]


@pytest.fixture
def gunicorn(tmp_path, static_manifest):
    """Return a function starting gunicorn with deploy/gunicorn.conf.py on a loopback port."""
    processes = []

    def start(config):
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [VENV_BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=project_env(config),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        wait_for_port(port, process, log)
        return port

    yield start
    for process in processes:
        stop(process)
