"""deploy/deploy.sh run twice into a temporary prefix, then the installation it leaves."""

import grp
import json
import os
import pwd
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.helpers import (
    deploy,
    free_port,
    http_get,
    installation,
    manage,
    project_env,
    start_unit,
    stop,
    unit_settings,
    wait_for_port,
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="deploy.sh creates a system user: run as root")

STEP_LINE = re.compile(r"^\S.*\s(ok|changed|skipped)( \(.*\))?$")


@dataclass
class Deployment:
    prefix: Path
    user: str
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess

    def manage(self, *args, **kwargs):
        return manage(self.prefix, *args, **kwargs)


@pytest.fixture(scope="module")
def deployed():
    """Deploy a snapshot of this tree twice, editing the config and (as root) a secret in between."""
    with installation() as (source, prefix, user):
        first = deploy(source, prefix, user)
        if first.returncode == 0:
            with (prefix / "etc" / "config.yaml").open("a") as f:
                f.write("time_zone: America/New_York\n")
            manage(prefix, "secrets", "set", "ERP_PASSWORD", input="s3cret\n")
        second = deploy(source, prefix, user)
        yield Deployment(prefix, user, first, second)


@pytest.fixture(scope="module")
def upgraded():
    """An install made before the secrets file was the service user's, deployed again twice.

    Made from a new install by putting back what deploy.sh wrote then: config.yaml naming
    secrets.env, and that file in etc, root's, mode 0640, holding a secret.
    """
    with installation() as (source, prefix, user):
        deploy(source, prefix, user).check_returncode()
        etc = prefix / "etc"
        config = etc / "config.yaml"
        old_config = config.read_text().replace(
            "secrets_file: secrets/secrets.env", "secrets_file: secrets.env"
        )
        config.write_text(old_config)
        shutil.rmtree(etc / "secrets")
        (etc / "secrets.env").write_text("# deploy secrets\nERP_PASSWORD=old-s3cret\n")
        os.chown(etc / "secrets.env", 0, grp.getgrnam(user).gr_gid)
        (etc / "secrets.env").chmod(0o640)
        second = deploy(source, prefix, user)
        third = deploy(source, prefix, user)
        yield Deployment(prefix, user, second, third)


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


def owner_group_mode(path):
    st = path.stat()
    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name, oct(st.st_mode & 0o777)


def test_the_config_and_secret_key_are_0640_root_and_the_service_group(deployed):
    for name in ["config.yaml", "secret_key"]:
        assert owner_group_mode(deployed.prefix / "etc" / name) == ("root", deployed.user, "0o640"), name


def test_the_secrets_file_is_the_service_users_alone_after_root_set_a_secret(deployed):
    secrets_dir = deployed.prefix / "etc" / "secrets"
    user = deployed.user

    assert owner_group_mode(secrets_dir) == (user, user, "0o700")
    assert owner_group_mode(secrets_dir / "secrets.env") == (user, user, "0o600")
    assert os.listdir(secrets_dir) == ["secrets.env"]
    assert "secrets_file: secrets/secrets.env" in (deployed.prefix / "etc" / "config.yaml").read_text()


def test_an_edited_config_and_a_rotated_secret_are_kept(deployed):
    assert "time_zone: America/New_York" in (deployed.prefix / "etc" / "config.yaml").read_text()
    assert deployed.manage("secrets", "list").stdout.split() == ["ERP_PASSWORD"]


def test_the_service_user_sets_a_secret_with_pipekit_manage(deployed):
    result = as_service_user(deployed, "secrets", "set", "DW_PASSWORD", input="dw-s3cret\n")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "dw-s3cret" not in result.stdout + result.stderr
    assert deployed.manage("secrets", "list").stdout.split() == ["ERP_PASSWORD", "DW_PASSWORD"]


def test_the_connection_page_stores_a_password_as_the_service_user(deployed):
    result = post_new_connection(deployed, "crm", "crm-s3cret")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "302 $CRM_PASSWORD"
    assert "CRM_PASSWORD" in deployed.manage("secrets", "list").stdout.split()
    secrets_file = deployed.prefix / "etc" / "secrets" / "secrets.env"
    assert owner_group_mode(secrets_file) == (deployed.user, deployed.user, "0o600")


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


def test_the_unit_may_write_the_state_and_secrets_directories_alone(deployed):
    unit = unit_settings(deployed.prefix / "etc" / "pipekit.service")

    assert unit["ReadWritePaths"].split() == [f"{deployed.prefix}/var", f"{deployed.prefix}/etc/secrets"]
    assert unit["ProtectSystem"] == "full"


def test_the_unit_runs_gunicorn_as_the_service_user_serving_health(deployed, tmp_path):
    path = deployed.prefix / "etc" / "pipekit.service"
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = start_unit(path, log, "--bind", f"127.0.0.1:{port}")
    try:
        wait_for_port(port, process, log)
        status, _, body = http_get(port, "/health")
    finally:
        stop(process)

    assert unit_settings(path)["User"] == deployed.user
    assert status == 200, body
    assert json.loads(body)["status"] == "ok"


def as_service_user(deployment, *args, **kwargs):
    """Run the installation's pipekit-manage as the service user (the web service's user)."""
    command = ["runuser", "-u", deployment.user, "--", deployment.prefix / "bin" / "pipekit-manage", *args]
    return subprocess.run(command, env=project_env(), capture_output=True, text=True, **kwargs)


# The new-connection page posted by Django's test client inside the installation's own
# manage.py, run as the service user as gunicorn is; the password comes on stdin.
POST_NEW_CONNECTION = """
import sys
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from connections.models import Connection, Driver
name, password = sys.stdin.read().split()
staff, _ = User.objects.get_or_create(username="deploy-test", is_staff=True, is_superuser=True)
client = Client(HTTP_HOST="localhost")
client.force_login(staff)
form = {"name": name, "driver": Driver.objects.get(name="sqlite").pk, "jdbc_url": "jdbc:sqlite:/tmp/none.db",
        "username": "etl", "password": "", "new_password": password, "staging_schema": "", "description": ""}
response = client.post(reverse("connections:connection_new"), form)
print(response.status_code, Connection.objects.get(name=name).password)
"""


def post_new_connection(deployment, name, password):
    return subprocess.run(
        [deployment.prefix / "bin" / "pipekit-manage", "shell", "-v", "0", "-c", POST_NEW_CONNECTION],
        env=project_env(),
        input=f"{name} {password}\n",
        capture_output=True,
        text=True,
    )


def test_an_upgrade_moves_roots_secrets_file_to_the_service_user_keeping_its_contents(upgraded):
    etc = upgraded.prefix / "etc"
    user = upgraded.user

    assert upgraded.first.returncode == 0, upgraded.first.stdout + upgraded.first.stderr
    assert re.search(r"^secrets file +changed$", upgraded.first.stdout, re.M)
    assert (etc / "secrets" / "secrets.env").read_text() == "# deploy secrets\nERP_PASSWORD=old-s3cret\n"
    assert owner_group_mode(etc / "secrets" / "secrets.env") == (user, user, "0o600")
    assert os.readlink(etc / "secrets.env") == "secrets/secrets.env"
    assert "secrets_file: secrets.env" in (etc / "config.yaml").read_text()


def test_an_upgraded_install_deployed_again_has_no_changes(upgraded):
    assert upgraded.second.stdout.splitlines()[-1] == "deploy: no changes", upgraded.second.stdout


def test_on_an_upgraded_install_the_page_and_root_set_secrets_through_the_old_name(upgraded):
    page = post_new_connection(upgraded, "crm", "crm-s3cret")
    root = upgraded.manage("secrets", "set", "DW_PASSWORD", input="dw-s3cret\n")

    assert page.stdout.strip() == "302 $CRM_PASSWORD", page.stdout + page.stderr
    assert root.returncode == 0, root.stdout + root.stderr
    secrets_file = upgraded.prefix / "etc" / "secrets" / "secrets.env"
    assert secrets_file.read_text().splitlines() == [
        "# deploy secrets",
        "ERP_PASSWORD=old-s3cret",
        "CRM_PASSWORD=crm-s3cret",
        "DW_PASSWORD=dw-s3cret",
    ]
    assert owner_group_mode(secrets_file) == (upgraded.user, upgraded.user, "0o600")
    assert (upgraded.prefix / "etc" / "secrets.env").is_symlink()
