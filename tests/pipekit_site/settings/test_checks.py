from django.core.management import call_command

from pipekit_site.checks import check_jrunner_path, check_secrets_file_mode


def test_a_world_readable_secrets_file_is_warned_about(settings, tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("ERP_PASSWORD=s3cret\n")
    settings.PIPEKIT_SECRETS_FILE = path
    path.chmod(0o640)
    assert check_secrets_file_mode() == []
    path.chmod(0o644)
    [warning] = check_secrets_file_mode()
    assert warning.id == "pipekit.W001"
    assert warning.msg == f"The secrets file {path} is readable by every user of this host."
    assert warning.hint == f"chmod 640 {path}"


def test_a_missing_secrets_file_is_no_warning(settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "none.env"
    assert check_secrets_file_mode() == []


def test_a_jrunner_that_is_not_an_executable_file_is_warned_about(settings, tmp_path):
    runner = tmp_path / "jrunner"
    settings.PIPEKIT_JRUNNER = runner
    [warning] = check_jrunner_path()
    assert warning.id == "pipekit.W002"
    assert "make jrunner" in warning.hint
    runner.write_text("#!/bin/sh\n")
    assert [w.id for w in check_jrunner_path()] == ["pipekit.W002"]
    runner.chmod(0o755)
    assert check_jrunner_path() == []


def test_the_checks_run_with_manage_py_check(settings, tmp_path, capsys):
    path = tmp_path / "secrets.env"
    path.write_text("")
    path.chmod(0o666)
    settings.PIPEKIT_SECRETS_FILE = path
    call_command("check")
    assert "pipekit.W001" in capsys.readouterr().err
