import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from connections.models import Connection
from tests.paths import ROOT


@pytest.fixture
def secrets_file(settings, tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("ERP_PASSWORD=s3cret-Value\n")
    path.chmod(0o640)
    settings.PIPEKIT_SECRETS_FILE = path
    return path


@pytest.fixture
def erp(drivers, secrets_file):
    return Connection.objects.create(
        name="erp", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:erp", password="$ERP_PASSWORD"
    )


def doctor():
    """Run doctor; return its lines as {check: (status, detail)} and whether it exited with an error."""
    out = StringIO()
    try:
        call_command("doctor", stdout=out, no_color=True)
        failed = None
    except CommandError as exc:
        failed = str(exc)
    lines = {}
    for line in out.getvalue().splitlines():
        status, rest = line.split(None, 1)
        name, detail = rest.split("  ", 1)
        lines[name.strip()] = (status, detail.strip())
    return lines, failed


def test_a_healthy_install_passes_every_check(erp):
    lines, failed = doctor()
    assert failed is None, lines
    assert list(lines) == [
        "config",
        "state database",
        "secrets file",
        "java",
        "jrunner",
        "driver db2i",
        "driver mariadb",
        "driver mssql",
        "driver postgres",
        "driver sqlite",
        "connection erp",
    ]
    assert {status for status, _ in lines.values()} == {"ok"}
    assert lines["config"][1] == f"{django_settings.CONFIG['path']} loaded"
    assert lines["connection erp"][1] == "$ERP_PASSWORD resolves"
    assert "s3cret-Value" not in str(lines)


def test_a_world_readable_secrets_file_fails(erp, secrets_file):
    secrets_file.chmod(0o644)
    lines, failed = doctor()
    assert lines["secrets file"] == (
        "FAIL",
        f"{secrets_file} is readable by every user (mode 0644); run: chmod 640 {secrets_file}",
    )
    assert failed == "1 check failed"


def test_a_missing_secrets_file_fails_when_a_password_refers_to_it(erp, settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "nowhere.env"
    lines, failed = doctor()
    assert lines["secrets file"] == (
        "FAIL",
        f"{tmp_path / 'nowhere.env'} does not exist; create it with: manage.py secrets set NAME",
    )
    assert lines["connection erp"][0] == "FAIL"
    assert failed


def test_a_missing_secrets_file_is_fine_while_no_password_refers_to_it(drivers, settings, tmp_path):
    Connection.objects.create(name="demo", driver=drivers["sqlite"], jdbc_url="jdbc:sqlite:/tmp/demo.db")
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "nowhere.env"
    lines, _ = doctor()
    assert lines["secrets file"] == (
        "ok",
        f"{tmp_path / 'nowhere.env'} does not exist yet; no password refers to it",
    )
    assert lines["connection demo"] == ("ok", "no password")


def test_the_mail_password_reference_is_checked_when_mail_is_configured(erp, settings):
    settings.PIPEKIT_EMAIL_PASSWORD_REF = "$SMTP_PASSWORD"
    lines, failed = doctor()
    assert lines["email password"][0] == "FAIL"
    assert lines["email password"][1].startswith("secret SMTP_PASSWORD is not in the secrets file")
    settings.PIPEKIT_EMAIL_PASSWORD_REF = "$ERP_PASSWORD"
    lines, failed = doctor()
    assert lines["email password"] == ("ok", "$ERP_PASSWORD resolves")


def test_a_connection_whose_secret_is_missing_fails_naming_the_key_only(erp, drivers, secrets_file):
    Connection.objects.create(
        name="dw", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:dw", password="$DW_PASSWORD"
    )
    lines, failed = doctor()
    assert lines["connection dw"] == (
        "FAIL",
        f"secret DW_PASSWORD is not in the secrets file {secrets_file}; "
        "set it with: manage.py secrets set DW_PASSWORD",
    )
    assert lines["connection erp"][0] == "ok"
    assert "s3cret-Value" not in str(lines) + str(failed)


def test_a_driver_without_its_jars_fails(erp, drivers):
    drivers["db2i"].jars = ["/nonexistent/jt400.jar"]
    drivers["db2i"].save()
    lines, failed = doctor()
    assert lines["driver db2i"] == ("FAIL", "missing /nonexistent/jt400.jar")
    assert lines["driver postgres"] == ("ok", "/usr/share/java/postgresql.jar")


def test_no_registered_driver_fails(db, secrets_file):
    lines, failed = doctor()
    assert lines["drivers"] == ("FAIL", "none registered; run: manage.py drivers sync")


def test_a_jrunner_that_does_not_answer_fails(erp, settings, tmp_path):
    broken = tmp_path / "jrunner"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    settings.PIPEKIT_JRUNNER = broken
    lines, failed = doctor()
    assert lines["jrunner"] == ("FAIL", f"{broken} -version exited 3")
    settings.PIPEKIT_JRUNNER = tmp_path / "missing"
    lines, failed = doctor()
    assert lines["jrunner"][0] == "FAIL"
    assert str(tmp_path / "missing") in lines["jrunner"][1]


def test_java_missing_from_path_fails(erp, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    lines, failed = doctor()
    assert lines["java"] == ("FAIL", "java is not on PATH; install default-jdk-headless")


def test_the_command_exits_non_zero_when_a_check_fails(tmp_path):
    # A state database that was never migrated.
    (tmp_path / "config.yaml").write_text("database: state.db\nhttps: false\n")
    env = os.environ | {"PIPEKIT_CONFIG": str(tmp_path / "config.yaml")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "doctor", "--no-color"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "FAIL  state database  " in done.stdout
    assert "migration(s) not applied" in done.stdout
    assert done.stderr.strip().endswith("failed")
