import subprocess

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse


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


def health(request):
    db_ok, db_detail = check_state_database()
    jr_ok, jr_detail = check_jrunner()
    ok = db_ok and jr_ok
    body = {
        "status": "ok" if ok else "error",
        "state_database": {"ok": db_ok, "detail": db_detail},
        "jrunner": {"ok": jr_ok, "detail": jr_detail},
    }
    return JsonResponse(body, status=200 if ok else 503)
