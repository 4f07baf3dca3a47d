"""Read config.yaml into plain, validated values; every error names its key."""

import os
import secrets
import zoneinfo
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

KNOWN_KEYS = {
    "database",
    "secret_key_file",
    "secrets_file",
    "jrunner",
    "time_zone",
    "allowed_hosts",
    "debug",
    "https",
    "base_url",
    "email",
    "crontab_comment",
    "run_retention_days",
    "executor",
    "max_parallel_runs",
}
EXECUTORS = ("local", "queue")
EMAIL_KEYS = {"host", "port", "username", "password", "use_tls", "from", "to"}


def config_path():
    return Path(os.environ.get("PIPEKIT_CONFIG") or BASE_DIR / "config.yaml")


def _fail(path, key, problem):
    raise ImproperlyConfigured(f"{path}: {key}: {problem}")


def _path(path, data, key, default):
    value = data.get(key, default)
    if not isinstance(value, (str, Path)) or not str(value):
        _fail(path, key, "must be a file path")
    value = Path(value)
    # Relative paths are relative to the config file, so a deployment is one folder.
    return value if value.is_absolute() else (path.parent / value).resolve()


def _bool(path, data, key, default):
    value = data.get(key, default)
    if not isinstance(value, bool):
        _fail(path, key, f"must be true or false, not {value!r}")
    return value


def _positive_int(path, data, key, default):
    value = data.get(key, default)
    # YAML reads `yes` as True, and bool is an int in Python: refuse it by name.
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        _fail(path, key, f"must be a whole number of at least 1, not {value!r}")
    return value


def _database(path, data):
    value = data.get("database", "var/pipekit.db")
    if not isinstance(value, str) or not value:
        _fail(path, "database", "must be a SQLite file path or a postgres:// URL")
    if "://" in value:
        if not value.startswith(("postgres://", "postgresql://", "sqlite://")):
            _fail(path, "database", f"unsupported URL scheme in {value.split('://')[0]!r}")
        return value
    return "sqlite:///" + str(_path(path, data, "database", value))


def _executor(path, data, database):
    value = data.get("executor", "local")
    if value not in EXECUTORS:
        _fail(path, "executor", f"must be local or queue, not {value!r}")
    # The queue lives in the state database: procrastinate needs PostgreSQL's locks and LISTEN.
    if value == "queue" and not database.startswith(("postgres://", "postgresql://")):
        _fail(path, "executor", "queue needs a PostgreSQL state database (database: postgres://…)")
    return value


def _email(path, data):
    value = data.get("email") or {}
    if not isinstance(value, dict):
        _fail(path, "email", "must be a mapping")
    unknown = set(value) - EMAIL_KEYS
    if unknown:
        _fail(path, f"email.{sorted(unknown)[0]}", "unknown key")
    to = value.get("to", [])
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
        _fail(path, "email.to", "must be a list of e-mail addresses")
    port = value.get("port", 25)
    if not isinstance(port, int):
        _fail(path, "email.port", f"must be a number, not {port!r}")
    password = value.get("password", "")
    if password and not str(password).startswith("$"):
        _fail(path, "email.password", "must be a $NAME reference into the secrets file")
    return {
        "host": value.get("host", ""),
        "port": port,
        "username": value.get("username", ""),
        "password": password,
        "use_tls": _bool(path, value, "use_tls", False),
        "from": value.get("from", "pipekit@localhost"),
        "to": to,
    }


def load(path=None):
    """Return the validated configuration as a dict of plain values."""
    path = Path(path or config_path()).resolve()
    data = {}
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ImproperlyConfigured(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ImproperlyConfigured(f"{path}: must be a mapping of keys to values")
    elif os.environ.get("PIPEKIT_CONFIG"):
        raise ImproperlyConfigured(f"{path}: PIPEKIT_CONFIG names a file that does not exist")
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        _fail(path, sorted(unknown)[0], "unknown key")

    time_zone = data.get("time_zone", "UTC")
    if time_zone not in zoneinfo.available_timezones() and time_zone != "UTC":
        _fail(path, "time_zone", f"unknown time zone {time_zone!r}")
    hosts = data.get("allowed_hosts", ["localhost", "127.0.0.1"])
    if isinstance(hosts, str):
        hosts = [hosts]
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        _fail(path, "allowed_hosts", "must be a list of host names")
    secrets_file = os.environ.get("PIPEKIT_SECRETS")
    secrets_file = (
        Path(secrets_file) if secrets_file else _path(path, data, "secrets_file", "var/secrets.env")
    )
    base_url = data.get("base_url", "http://localhost:8000")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        _fail(path, "base_url", "must start with http:// or https://")
    database = _database(path, data)
    return {
        "path": path,
        "database": database,
        "executor": _executor(path, data, database),
        "secret_key_file": _path(path, data, "secret_key_file", "var/secret_key"),
        "secrets_file": secrets_file,
        "jrunner": _path(path, data, "jrunner", BASE_DIR / "jrunner" / "bin" / "jrunner"),
        "time_zone": time_zone,
        "allowed_hosts": hosts,
        "debug": _bool(path, data, "debug", False),
        "https": _bool(path, data, "https", True),
        "base_url": base_url.rstrip("/"),
        "email": _email(path, data),
        "crontab_comment": str(data.get("crontab_comment") or f"pipekit:{path}"),
        "run_retention_days": _positive_int(path, data, "run_retention_days", 90),
        "max_parallel_runs": _positive_int(path, data, "max_parallel_runs", 4),
    }


def secret_key(path):
    """Return the secret key stored in path, creating it (mode 0600) on first start."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(64))
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"secret_key_file: {path} holds a key shorter than 50 characters")
    return key
