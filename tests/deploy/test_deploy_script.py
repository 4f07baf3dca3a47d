"""deploy/deploy.sh run twice into a temporary prefix, then the installation it leaves."""

import grp
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.helpers import free_port, http_get, project_env, stop, wait_for_port
from tests.paths import ROOT

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="deploy.sh creates a system user: run as root")

STEP_LINE = re.compile(r"^\S.*\s(ok|changed|skipped)( \(.*\))?$")


@dataclass
class Deployment:
    prefix: Path
    user: str
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess

    def manage(self, *args):
        return manage(self.prefix, *args)


def manage(prefix, *args, **kwargs):
    """Run the installation's pipekit-manage as root, as an operator does."""
    command = [prefix / "bin" / "pipekit-manage", *args]
    return subprocess.run(command, env=project_env(), capture_output=True, text=True, **kwargs)


def unit_settings(path):
    """The Key=Value lines of a systemd unit file, as a dict."""
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def deploy(source, prefix, user):
    args = ["--prefix", prefix, "--user", user, "--server-name", "pipekit.test", "--http"]
    if Path("/run/systemd/system").exists():
        args.append("--no-services")  # never touch a real host's services from a test
    return subprocess.run(
        [source / "deploy" / "deploy.sh", *args], env=project_env(), capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def deployed():
    """Deploy a snapshot of this tree twice, editing the config and a secret in between."""
    top = Path(tempfile.mkdtemp(prefix="pipekit-deploy-"))
    top.chmod(0o755)  # the service user must reach the prefix inside
    user = f"pk{uuid.uuid4().hex[:8]}"
    source, prefix = top / "source", top / "pipekit"
    # A snapshot, so an edit to the work tree between the two runs is not a change.
    subprocess.run(
        ["rsync", "-a", "--filter=:- .gitignore", "--exclude=/.git/", f"{ROOT}/", f"{source}/"], check=True
    )
    try:
        first = deploy(source, prefix, user)
        if first.returncode == 0:
            with (prefix / "etc" / "config.yaml").open("a") as f:
                f.write("time_zone: America/New_York\n")
            manage(prefix, "secrets", "set", "ERP_PASSWORD", input="s3cret\n")
        second = deploy(source, prefix, user)
        yield Deployment(prefix, user, first, second)
    finally:
        subprocess.run(["crontab", "-u", user, "-r"], capture_output=True)
        subprocess.run(["userdel", user], capture_output=True)
        subprocess.run(["groupdel", user], capture_output=True)
        shutil.rmtree(top)


def test_the_first_run_installs_and_reports_its_changes(deployed):
    assert deployed.first.returncode == 0, deployed.first.stdout + deployed.first.stderr
    assert re.fullmatch(r"deploy: \d+ changed", deployed.first.stdout.splitlines()[-1])


def test_a_second_run_reports_no_changes(deployed):
    assert deployed.second.returncode == 0, deployed.second.stdout + deployed.second.stderr
    lines = deployed.second.stdout.splitlines()
    assert [line for line in lines if " changed" in line] == []
    assert lines[-1] == "deploy: no changes"


def test_every_step_says_ok_changed_or_skipped(deployed):
    steps = deployed.second.stdout.splitlines()[1:-1]

    assert [line for line in steps if not STEP_LINE.match(line)] == []
    assert any(line.startswith("doctor ") and line.endswith(" ok") for line in steps)


def test_without_systemd_the_service_steps_are_skipped(deployed):
    lines = deployed.second.stdout.splitlines()

    assert any(re.match(r"systemd +skipped", line) for line in lines)
    assert any(re.match(r"nginx +skipped", line) for line in lines)


def test_the_config_and_secret_files_are_0640_root_and_the_service_group(deployed):
    service_gid = grp.getgrnam(deployed.user).gr_gid
    for name in ["config.yaml", "secret_key", "secrets.env"]:
        st = (deployed.prefix / "etc" / name).stat()
        assert (oct(st.st_mode & 0o777), st.st_uid, st.st_gid) == ("0o640", 0, service_gid), name


def test_an_edited_config_and_a_rotated_secret_are_kept(deployed):
    assert "time_zone: America/New_York" in (deployed.prefix / "etc" / "config.yaml").read_text()
    assert deployed.manage("secrets", "list").stdout.split() == ["ERP_PASSWORD"]


def test_doctor_passes_on_the_installed_layout(deployed):
    result = deployed.manage("doctor")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "state database" in result.stdout
    assert "jrunner" in result.stdout


def test_the_crontab_fires_schedules_as_the_service_user(deployed):
    crontab = subprocess.run(["crontab", "-u", deployed.user, "-l"], capture_output=True, text=True).stdout

    assert f"PIPEKIT_CONFIG={deployed.prefix}/etc/config.yaml" in crontab
    assert f"{deployed.prefix}/app/manage.py crontab run" in crontab


def test_the_nginx_site_is_rendered_for_the_server_name(deployed):
    site = (deployed.prefix / "etc" / "nginx-pipekit.conf").read_text()

    assert "server_name pipekit.test;" in site


def test_the_unit_runs_gunicorn_as_the_service_user_serving_health(deployed, tmp_path):
    unit = unit_settings(deployed.prefix / "etc" / "pipekit.service")
    env_name, env_value = unit["Environment"].split("=", 1)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["runuser", "-u", unit["User"], "--", "env", f"{env_name}={env_value}"]
            + unit["ExecStart"].split()
            + ["--bind", f"127.0.0.1:{port}"],
            cwd=unit["WorkingDirectory"],
            env=project_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, log)
        status, _, body = http_get(port, "/health")
    finally:
        stop(process)

    assert unit["User"] == deployed.user
    assert status == 200, body
    assert json.loads(body)["status"] == "ok"
