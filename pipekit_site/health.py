import subprocess
import time

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

from pipekit_site import queue
from pipekit_site.auth import api_user

# A load balancer polls /health every few seconds: jrunner -version starts a JVM, so its answer
# is reused for this long (per jrunner path, per process) instead of starting one per request.
JRUNNER_CHECK_SECONDS = 60
_jrunner_checks = {}


def check_state_database():
    """Return (ok, detail) for the state database: reachable and fully migrated."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any driver error means "not reachable"
        return False, f"unreachable: {exc.__class__.__name__}"
    if pending:
        return False, f"{len(pending)} migration(s) not applied"
    return True, f"{connection.vendor}, migrated"


def check_jrunner():
    """Return (ok, detail) for jrunner: it answers -version."""
    try:
        out = subprocess.run(
            [str(settings.PIPEKIT_JRUNNER), "-version"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{settings.PIPEKIT_JRUNNER}: {exc.__class__.__name__}: {exc.strerror or exc}"
    if out.returncode != 0:
        return False, f"{settings.PIPEKIT_JRUNNER} -version exited {out.returncode}"
    return True, out.stdout.splitlines()[0] if out.stdout else "answers"


def cached_check_jrunner():
    """check_jrunner's answer, reused for JRUNNER_CHECK_SECONDS."""
    key = str(settings.PIPEKIT_JRUNNER)
    checked_at, result = _jrunner_checks.get(key, (None, None))
    if checked_at is None or time.monotonic() - checked_at >= JRUNNER_CHECK_SECONDS:
        result = check_jrunner()
        _jrunner_checks[key] = (time.monotonic(), result)
    return result


def staff_caller(request):
    """Whether the caller is a staff user, by session, API token or HTTP Basic."""
    user = request.user if request.user.is_authenticated else api_user(request)[0]
    return user is not None and user.is_staff


def health(request):
    """ok / not ok for anyone (a load balancer); what is wrong only for staff."""
    db_ok, db_detail = check_state_database()
    jr_ok, jr_detail = cached_check_jrunner()
    ok = db_ok and jr_ok
    body = {"status": "ok" if ok else "not ok"}
    if staff_caller(request):
        body.update(
            state_database={"ok": db_ok, "detail": db_detail},
            jrunner={"ok": jr_ok, "detail": jr_detail},
        )
        if db_ok:
            depth, oldest = queue.depth()
            body["queue"] = {
                "executor": settings.PIPEKIT_EXECUTOR,
                "depth": depth,
                "oldest_queued_seconds": oldest,
            }
    return JsonResponse(body, status=200 if ok else 503)
