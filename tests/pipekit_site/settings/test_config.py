import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from pipekit_site import config


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_defaults_put_state_under_var_next_to_the_config(tmp_path):
    conf = config.load(write(tmp_path, "{}\n"))
    assert conf["database"] == f"sqlite:///{tmp_path}/var/pipekit.db"
    assert conf["secrets_file"] == tmp_path / "var" / "secrets.env"
    assert conf["debug"] is False
    assert conf["run_retention_days"] == 90
    assert conf["executor"] == "local"
    assert conf["max_parallel_runs"] == 4


def test_runs_may_be_kept_longer(tmp_path):
    assert config.load(write(tmp_path, "run_retention_days: 400\n"))["run_retention_days"] == 400


def test_a_host_may_run_more_runs_at_once(tmp_path):
    assert config.load(write(tmp_path, "max_parallel_runs: 12\n"))["max_parallel_runs"] == 12


def test_a_postgres_url_is_kept(tmp_path):
    conf = config.load(write(tmp_path, "database: postgres://etl@db:5432/pipekit\n"))
    assert conf["database"] == "postgres://etl@db:5432/pipekit"


def test_the_queue_executor_runs_on_a_postgres_state_database(tmp_path):
    conf = config.load(write(tmp_path, "database: postgres://etl@db/pipekit\nexecutor: queue\n"))
    assert conf["executor"] == "queue"


def test_the_queue_executor_on_sqlite_stops_pipekit_at_start_saying_why(tmp_path):
    env = os.environ | {"PIPEKIT_CONFIG": str(write(tmp_path, "executor: queue\n"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=config.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert (
        f"{tmp_path / 'config.yaml'}: executor: queue needs a PostgreSQL state database "
        "(database: postgres://…)" in done.stderr
    )


@pytest.mark.parametrize(
    "text, key",
    [
        ("debug: maybe\n", "debug"),
        ("time_zone: Mars/Base\n", "time_zone"),
        ("allowed_hosts: 3\n", "allowed_hosts"),
        ("database: mysql://x/y\n", "database"),
        ("colour: blue\n", "colour"),
        ("email: {to: [nobody]}\n", "email.to"),
        ("email: {password: hunter2}\n", "email.password"),
        ("base_url: localhost\n", "base_url"),
        ("run_retention_days: 0\n", "run_retention_days"),
        ("run_retention_days: ninety\n", "run_retention_days"),
        ("run_retention_days: yes\n", "run_retention_days"),
        ("executor: celery\n", "executor"),
        ("max_parallel_runs: 0\n", "max_parallel_runs"),
        ("max_parallel_runs: four\n", "max_parallel_runs"),
    ],
)
def test_a_bad_value_fails_naming_its_key(tmp_path, text, key):
    with pytest.raises(ImproperlyConfigured, match=f": {key}: "):
        config.load(write(tmp_path, text))


def test_a_missing_config_named_by_the_environment_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPEKIT_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        config.load()


def test_the_secret_key_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "sub" / "secret_key"
    key = config.secret_key(path)
    assert len(key) >= 50
    assert path.stat().st_mode & 0o777 == 0o600
    assert config.secret_key(path) == key


def test_pipekit_does_not_start_on_a_bad_config_and_names_the_key(tmp_path):
    env = os.environ | {"PIPEKIT_CONFIG": str(write(tmp_path, "time_zone: Mars/Base\n"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=config.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert f"{tmp_path / 'config.yaml'}: time_zone: unknown time zone 'Mars/Base'" in done.stderr


def test_the_state_database_and_files_follow_the_config(tmp_path):
    text = "database: state/pk.db\nsecret_key_file: keys/secret\nsecrets_file: /etc/pipekit/secrets.env\n"
    conf = config.load(write(tmp_path, text))
    assert conf["database"] == f"sqlite:///{tmp_path}/state/pk.db"
    assert conf["secret_key_file"] == tmp_path / "keys" / "secret"
    assert conf["secrets_file"].as_posix() == "/etc/pipekit/secrets.env"


def test_the_secrets_file_may_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPEKIT_SECRETS", "/run/pipekit/secrets.env")
    assert config.load(write(tmp_path, "{}\n"))["secrets_file"].as_posix() == "/run/pipekit/secrets.env"
