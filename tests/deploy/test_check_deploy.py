"""manage.py check --deploy on a production config.yaml, run as an operator runs it."""

import subprocess
import sys

from tests.deploy.helpers import project_env
from tests.paths import ROOT

HTTPS_ONLY = ["security.W004", "security.W008", "security.W012", "security.W016"]


def check_deploy(config):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=project_env(config),
        capture_output=True,
        text=True,
    )


def test_it_reports_nothing_with_debug_off_and_https_on(make_config):
    result = check_deploy(make_config(https=True))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_https_false_turns_off_only_the_https_settings(make_config):
    result = check_deploy(make_config(https=False))

    reported = sorted({word.strip("():") for word in result.stderr.split() if word.startswith("(security.")})
    assert reported == HTTPS_ONLY
