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


def test_a_postgres_url_is_kept(tmp_path):
    conf = config.load(write(tmp_path, "database: postgres://etl@db:5432/pipekit\n"))
    assert conf["database"] == "postgres://etl@db:5432/pipekit"


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
