"""Runs started from the web, the API and the scheduler: a detached `manage.py` process per run,
so a web worker restart never kills a load."""

import subprocess
import sys
import threading

from django.conf import settings

from syncs.locks import ModuleLocked, lock_holder
from syncs.models import RunLog


def start_detached_run(module, *, trigger, triggered_by="", dry_run=False):
    """Queue a run and execute it in a detached `manage.py run_module --run-id N`; return it at once.

    Raises ModuleLocked when a live run holds the module, so the page can say so at once; the
    detached run still claims the lock for real."""
    holder = lock_holder(module)
    if holder is not None and holder.stale_reason() is None:
        raise ModuleLocked(holder.pk)
    run = RunLog.objects.create(module=module, trigger=trigger, triggered_by=triggered_by, dry_run=dry_run)
    start_detached_command("run_module", "--run-id", str(run.pk))
    return run


def start_detached_command(*args):
    """Start a manage.py command in its own session, so a web worker restart never kills it."""
    process = subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        cwd=settings.BASE_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Reap it when it ends, so a long-lived web worker does not collect zombies.
    threading.Thread(target=process.wait, daemon=True).start()
    return process
