"""The checks behind manage.py doctor: each says ok or not, with one line of detail."""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings

from connections import secrets
from connections.models import Connection, Driver
from pipekit_site import health


def check_config():
    path = Path(settings.CONFIG["path"])
    if not path.exists():
        return True, f"{path} does not exist; using the defaults"
    return True, f"{path} loaded"


def check_secrets_file():
    path = secrets.secrets_path()
    if not path.exists():
        return False, f"{path} does not exist; create it with: manage.py secrets set NAME"
    mode = path.stat().st_mode & 0o777
    if mode & 0o007:
        return False, f"{path} is readable by every user (mode {mode:04o}); run: chmod 640 {path}"
    return True, f"{path} (mode {mode:04o})"


def check_java():
    java = shutil.which("java")
    if not java:
        return False, "java is not on PATH; install default-jdk-headless"
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{java} -version: {exc.__class__.__name__}"
    if out.returncode != 0:
        return False, f"{java} -version exited {out.returncode}"
    # java -version writes to stderr.
    lines = (out.stderr or out.stdout).splitlines()
    return True, f"{java}: {lines[0] if lines else 'answers'}"


def check_driver(driver):
    missing = driver.missing_jars()
    if missing:
        return False, f"missing {', '.join(missing)}"
    return True, ", ".join(driver.jars) or "no jars listed"


def check_connection_secret(connection):
    if not connection.password:
        return True, "no password"
    try:
        secrets.resolve(connection.password)
    except secrets.SecretError as exc:
        return False, str(exc)
    return True, f"{connection.password} resolves"


def run_checks():
    """Return (name, ok, detail) for every check, in the order an operator fixes them."""
    results = [
        ("config", *check_config()),
        ("state database", *health.check_state_database()),
        ("secrets file", *check_secrets_file()),
        ("java", *check_java()),
        ("jrunner", *health.check_jrunner()),
    ]
    if not results[1][1]:
        return results  # drivers and connections live in the state database
    drivers = list(Driver.objects.all())
    if not drivers:
        results.append(("drivers", False, "none registered; run: manage.py drivers sync"))
    for driver in drivers:
        results.append((f"driver {driver.name}", *check_driver(driver)))
    for connection in Connection.objects.all():
        results.append((f"connection {connection.name}", *check_connection_secret(connection)))
    return results
