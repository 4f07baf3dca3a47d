"""Runs started from the web, the API and the scheduler, by the executor config.yaml names.

`executor: local` (the default): a detached `manage.py` process per run, so a web worker restart
never kills a load. The process's output goes to a file under var/detached. A process that exits
with an error while its run is still queued never started it (a broken config.yaml, a missing
Python): the run ends `error` with that output, from the reaper thread of the process that started
it or, when that process is gone (the tick's), from the next tick.

`executor: queue`: a procrastinate job per run, deferred in the transaction that creates the run
(so no job exists without its run, nor a run without its job), executed by `manage.py worker`
on any host sharing the state database (syncs/tasks.py, scheduling/tasks.py)."""

import subprocess
import sys
import threading

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction

from syncs.livelog import LiveLog
from syncs.locks import claim_lock
from syncs.models import RunLog, Status, Verification

# Enough of a failed start's output to show why (a traceback's end says it).
OUTPUT_TAIL = 4000


def start_detached_run(module, *, trigger, triggered_by="", dry_run=False, backfill=None, force=False):
    """Queue a run holding the module's lock and have the executor run it (`manage.py run_module
    --run-id N` or a job); return it at once.

    Raises ModuleLocked, creating no run, when another run holds the lock: the lock is taken here,
    in the transaction that creates the run, so of two quick starts (a double click, two API
    calls) the second is refused at once instead of failing later in its own process. force: the run
    commits even when a guard refuses (RunLog.forced)."""
    with transaction.atomic():
        run = RunLog.objects.create(
            module=module,
            trigger=trigger,
            triggered_by=triggered_by,
            dry_run=dry_run,
            backfill=backfill or {},
            forced=force,
        )
        claim_lock(module, run, LiveLog(run))
        execute(run, "run_module", "--run-id")
    return run


def start_detached_verification(module, *, trigger, triggered_by=""):
    """Queue a verification of module and execute it in a detached `manage.py verify_module
    --verification-id N`; return it at once."""
    verification = Verification.objects.create(module=module, trigger=trigger, triggered_by=triggered_by)
    start_detached_command(verification, "verify_module", "--verification-id", str(verification.pk))
    return verification


def execute(run, command, id_option):
    """Have the queued run (a RunLog or a GroupRun) executed as `manage.py command id_option N`
    does: with `executor: queue` a job of the task named command, deferred in the current
    transaction; else that command, detached, started once the run's row is committed, where its
    process can read it. A run with a start_after (a retry) waits in its process until then, or its
    job is deferred until then."""
    if settings.PIPEKIT_EXECUTOR == "queue":
        # Imported here: procrastinate is loaded only with executor: queue (pipekit_site/settings.py).
        from procrastinate.contrib.django import app

        app.configure_task(name=command, schedule_at=getattr(run, "start_after", None)).defer(run_id=run.pk)
    else:
        transaction.on_commit(lambda: start_detached_command(run, command, id_option, str(run.pk)))


def start_detached_command(run, *args):
    """Start the manage.py command that executes the queued `run` (a RunLog, GroupRun or
    Verification) in its own session, so a web worker restart never kills it; end the run `error`
    if it cannot start."""
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
        # A run deleted meanwhile (with its module) has nothing left to end.
        if returncode != 0 and type(run).objects.filter(pk=run.pk).exists():
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
