"""The checks behind manage.py doctor: each says ok or not, with one line of detail."""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings

from connections import secrets
from connections.models import Connection, Driver
from pipekit_site import health, queue


def check_config():
    path = Path(settings.CONFIG["path"])
    if not path.exists():
        return True, f"{path} does not exist; using the defaults"
    return True, f"{path} loaded"


def check_secrets_file(needed=True):
    path = secrets.secrets_path()
    if not path.exists():
        if not needed:
            return True, f"{path} does not exist yet; no password refers to it"
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


def check_secret(ref):
    if not ref:
        return True, "no password"
    try:
        secrets.resolve(ref)
    except secrets.SecretError as exc:
        return False, str(exc)
    return True, f"{ref} resolves"


def check_workers():
    """executor: queue: some `manage.py worker` sent a heartbeat within the last minute."""
    known = queue.workers()
    live = [w.name or f"#{w.procrastinate_id}" for w in known if w.silent_for <= queue.WORKER_SEEN_WITHIN]
    if live:
        return True, f"{len(live)} seen in the last minute: {', '.join(live)}"
    seen = max((w.last_heartbeat for w in known), default=None)
    when = f"last heartbeat {seen:%Y-%m-%d %H:%M:%S %Z}" if seen else "none registered"
    return False, f"no worker seen in the last minute ({when}): queued runs wait; start manage.py worker"


def run_checks():
    """Return (name, ok, detail) for every check, in the order an operator fixes them."""
    db_ok, db_detail = health.check_state_database()
    # Without the state database, assume some connection needs the secrets file.
    connections = list(Connection.objects.all()) if db_ok else []
    email_ref = settings.PIPEKIT_EMAIL_PASSWORD_REF
    needed = not db_ok or bool(email_ref) or any(c.password for c in connections)
    results = [
        ("config", *check_config()),
        ("state database", db_ok, db_detail),
        ("secrets file", *check_secrets_file(needed)),
        ("java", *check_java()),
        ("jrunner", *health.check_jrunner()),
    ]
    if email_ref:
        results.append(("email password", *check_secret(email_ref)))
    if not db_ok:
        return results  # drivers and connections live in the state database
    if settings.PIPEKIT_EXECUTOR == "queue":
        results.append(("queue workers", *check_workers()))
    drivers = list(Driver.objects.all())
    if not drivers:
        results.append(("drivers", False, "none registered; run: manage.py drivers sync"))
    for driver in drivers:
        results.append((f"driver {driver.name}", *check_driver(driver)))
    for connection in connections:
        results.append((f"connection {connection.name}", *check_secret(connection.password)))
    return results
