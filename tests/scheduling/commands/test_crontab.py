"""`manage.py crontab add|show|remove` through the real crontab binary, into a throwaway user's crontab.

django-crontab runs `crontab` from PATH for the current user; a wrapper first on PATH passes
`-u <throwaway user>` to the real /usr/bin/crontab, so no real crontab is touched."""

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/usr/bin/crontab") or not shutil.which("useradd"),
    reason="needs root, /usr/bin/crontab (Debian cron) and useradd to make a throwaway user",
)

MANAGE = str(settings.BASE_DIR / "manage.py")


class Deployment:
    """A deployment's own config.yaml and state, and a throwaway user whose crontab it edits."""

    def __init__(self, folder):
        self.user = f"pkcron{uuid.uuid4().hex[:8]}"
        self.folder = folder
        self.config = folder / "config.yaml"
        self.comment = f"pipekit-test-{self.user}"
        self.state_db = folder / "state.db"

    def create(self):
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", self.user], check=True)
        self.config.write_text(
            f"database: {self.state_db}\n"
            f"secret_key_file: {self.folder}/secret_key\n"
            f"secrets_file: {self.folder}/secrets.env\n"
            f"crontab_comment: {self.comment}\n"
        )
        bin_dir = self.folder / "bin"
        bin_dir.mkdir()
        wrapper = bin_dir / "crontab"
        wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/crontab -u {self.user} "$@"\n')
        wrapper.chmod(0o755)
        # Like cron: a bare environment with little more than a PATH.
        self.env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(self.folder), "LANG": "C.UTF-8"}

    def remove(self):
        subprocess.run(["/usr/bin/crontab", "-u", self.user, "-r"], capture_output=True)
        subprocess.run(["userdel", "--force", self.user], capture_output=True)

    def sh(self, command):
        """Run a shell command line in the deployment's environment; return its stdout."""
        done = subprocess.run(["/bin/sh", "-c", command], env=self.env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def manage(self, *args):
        env = {**self.env, "PIPEKIT_CONFIG": str(self.config)}
        done = subprocess.run([sys.executable, MANAGE, *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def crontab(self):
        done = subprocess.run(["/usr/bin/crontab", "-u", self.user, "-l"], capture_output=True, text=True)
        return done.stdout.splitlines() if done.returncode == 0 else []

    def set_crontab(self, text):
        subprocess.run(["/usr/bin/crontab", "-u", self.user, "-"], input=text, text=True, check=True)

    def tick_lines(self):
        return [line for line in self.crontab() if line.endswith(f"# {self.comment}")]


@pytest.fixture
def deployment(tmp_path):
    deployment = Deployment(tmp_path)
    deployment.create()
    yield deployment
    deployment.remove()


def test_crontab_add_installs_one_tick_line_with_the_config_and_the_deployment_comment(deployment):
    deployment.set_crontab("0 5 * * * echo the operator's own job\n")
    assert deployment.manage("crontab", "add", "-v", "0") == ""
    deployment.manage("crontab", "add", "-v", "0")

    [line] = deployment.tick_lines()
    command = f"PIPEKIT_CONFIG={deployment.config} {sys.executable} {MANAGE} crontab run "
    assert line.startswith(f"* * * * * {command}")
    assert "0 5 * * * echo the operator's own job" in deployment.crontab()
    shown = deployment.manage("crontab", "show")
    assert "('* * * * *', 'scheduling.cron.tick')" in shown


def test_crontab_remove_takes_out_only_the_tick_line(deployment):
    deployment.set_crontab("0 5 * * * echo the operator's own job\n")
    deployment.manage("crontab", "add", "-v", "0")
    deployment.manage("crontab", "remove", "-v", "0")
    assert deployment.tick_lines() == []
    assert deployment.crontab() == ["0 5 * * * echo the operator's own job"]


def test_the_installed_line_run_the_way_cron_runs_it_fires_a_due_schedule(deployment):
    deployment.manage("migrate", "--no-input", "-v", "0")
    deployment.manage(
        "shell",
        "-c",
        "from datetime import UTC, datetime\n"
        "from scheduling.models import Group, Schedule\n"
        "group = Group.objects.create(name='nightly')\n"
        "made = datetime(2026, 1, 1, tzinfo=UTC)\n"
        "Schedule.objects.create(group=group, cron='* * * * *', created_at=made)\n",
    )
    deployment.manage("crontab", "add", "-v", "0")
    [line] = deployment.tick_lines()
    command = line.split(" ", 5)[5].rsplit(" # ", 1)[0]

    deployment.sh(command)

    with sqlite3.connect(deployment.state_db) as state:
        [(trigger,)] = state.execute("SELECT trigger FROM scheduling_grouprun").fetchall()
        assert trigger == "schedule:1"
        # The group run is a detached process: let it finish (an empty group succeeds at once).
        for _ in range(600):
            [(status,)] = state.execute("SELECT status FROM scheduling_grouprun").fetchall()
            if status not in ("queued", "running"):
                break
            time.sleep(0.5)
    assert status == "success"
