"""Runs started from the web, the API and the scheduler: a detached `manage.py` process per run,
so a web worker restart never kills a load.

The process's output goes to a file under var/detached. A process that exits with an error while
its run is still queued never started it (a broken config.yaml, a missing Python): the run ends
`error` with that output, from the reaper thread of the process that started it or, when that
process is gone (the tick's), from the next tick."""

import subprocess
import sys
import threading

from django.apps import apps
from django.conf import settings
from django.db import connections

from syncs.locks import ModuleLocked, lock_holder
from syncs.models import RunLog, Status

# Enough of a failed start's output to show why (a traceback's end says it).
OUTPUT_TAIL = 4000


def start_detached_run(module, *, trigger, triggered_by="", dry_run=False, force=False):
    """Queue a run and execute it in a detached `manage.py run_module --run-id N`; return it at once.

    force: the run commits even when a guard refuses (RunLog.forced).

    Raises ModuleLocked when a live run holds the module, so the page can say so at once; the
    detached run still claims the lock for real."""
    holder = lock_holder(module)
    if holder is not None and holder.stale_reason() is None:
        raise ModuleLocked(holder.pk)
    run = RunLog.objects.create(
        module=module, trigger=trigger, triggered_by=triggered_by, dry_run=dry_run, forced=force
    )
    start_detached_command(run, "run_module", "--run-id", str(run.pk))
    return run


def start_detached_command(run, *args):
    """Start the manage.py command that executes the queued `run` (a RunLog or a GroupRun) in its
    own session, so a web worker restart never kills it; end the run `error` if it cannot start."""
    path = output_path(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
                cwd=settings.BASE_DIR,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except OSError as exc:
        path.unlink(missing_ok=True)
        run.never_started(f"its process could not start: {exc}")
        return
    # Reap it when it ends, so a long-lived web worker collects no zombies and learns how it ended.
    threading.Thread(target=reap, args=(process, run), daemon=True).start()


def reap(process, run):
    """Wait for the process of run; if it failed before starting the run, end the run with its output."""
    returncode = process.wait()
    try:
        if returncode != 0:
            end_unstarted(run, f"its process exited with status {returncode} before starting the run")
        output_path(run).unlink(missing_ok=True)
    finally:
        # This thread's own database connection.
        connections.close_all()


def output_path(run):
    """The file the detached process of run writes its stdout and stderr to."""
    return settings.BASE_DIR / "var" / "detached" / f"{run._meta.label_lower}-{run.pk}.log"


def end_unstarted(run, why):
    """End a queued run as `error` with why and what its process printed; return whether it was queued."""
    try:
        output = output_path(run).read_text(errors="replace")[-OUTPUT_TAIL:].strip()
    except FileNotFoundError:
        output = ""
    return run.never_started(f"{why}:\n{output}" if output else why)


def remove_outputs_of_started_runs():
    """Remove the output files of runs that are no longer queued (a process that exited with its
    starter gone leaves its file behind; the run itself records what happened)."""
    folder = settings.BASE_DIR / "var" / "detached"
    for path in folder.glob("*.log") if folder.is_dir() else ():
        label, _, pk = path.stem.rpartition("-")
        if not pk.isdigit() or not label:
            continue
        if not apps.get_model(label).objects.filter(pk=pk, status=Status.QUEUED).exists():
            path.unlink(missing_ok=True)
