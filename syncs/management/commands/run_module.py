from django.core.management.base import BaseCommand, CommandError

from syncs.backfill import BackfillError, run_backfill
from syncs.engine import run_module, stop_on_sigterm
from syncs.management.queued import queued_record
from syncs.models import Module, RunLog, Status, Trigger
from syncs.notify import wait_for_notices
from syncs.retries import retry_if_due


def name_value(text):
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise ValueError(text)
    return name.strip(), value


class Command(BaseCommand):
    # Started by cron and the web for every run: the system checks belong to `check` and `doctor`,
    # not to each start.
    requires_system_checks = []
    help = "Run a module in the foreground (or execute a queued run) and print a one-line summary."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the module's name")
        parser.add_argument(
            "--dry-run", action="store_true", help="resolve and record the SQL, write nothing"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="commit even when a guard (allow_empty, min_rows, max_shrink_pct, max_delete_pct) refuses; "
            "recorded on the run",
        )
        parser.add_argument("--run-id", type=int, help="execute this queued run (what the web and API start)")
        parser.add_argument(
            "--set",
            type=name_value,
            action="append",
            default=[],
            metavar="TOKEN=VALUE",
            help="backfill: use this value for {TOKEN} instead of resolving its watermark (repeatable); "
            "stored state is not touched",
        )
        parser.add_argument(
            "--chunk",
            help="split the range between the first two --set values into chunks (7d, 12h, 30m, or a "
            "number for numeric watermarks), one committed run each",
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help="with --chunk: go on after the last chunk of the same range that committed",
        )

    def handle(self, *args, **options):
        try:
            self.run(*args, **options)
        finally:
            # A run's notices go out on their own thread; they are sent before the process ends.
            wait_for_notices()

    def run(self, *args, name=None, dry_run=False, force=False, run_id=None, **options):
        stop_on_sigterm()
        if bool(name) == bool(run_id):
            raise CommandError("give a module name or --run-id N")
        values = dict(options["set"])
        if (options["chunk"] or options["resume"]) and not values:
            raise CommandError("--chunk and --resume go with --set since=… --set until=…")
        if values and (run_id or dry_run):
            raise CommandError("--set runs a backfill of a module by name, not with --run-id or --dry-run")
        if run_id:
            if force:
                raise CommandError("--force goes with a module name: a queued run carries its own")
            run = queued_record(RunLog.objects.select_related("module"), run_id, "run")
            run = run_module(run.module, run=run)
            # Detached like this one: the retry's own process waits out the delay.
            retry_if_due(run)
        else:
            module = Module.objects.filter(name=name).first()
            if module is None:
                raise CommandError(f"there is no module named {name!r}")
            if values:
                return self.backfill(module, values, options["chunk"], options["resume"])
            run = run_module(module, trigger=Trigger.CLI, dry_run=dry_run, force=force)
            # In the foreground, its retries too.
            while (retry := retry_if_due(run, start=False)) is not None:
                self.stdout.write(run.summary_line())
                self.stdout.write(f"retrying as run {retry.pk} (attempt {retry.attempt})")
                run = run_module(module, run=retry)
        self.stdout.write(run.summary_line())
        if run.status not in (Status.SUCCESS, Status.DRY_RUN):
            raise CommandError(f"run {run.pk} ended {run.status}")

    def backfill(self, module, values, chunk, resume):
        try:
            runs = run_backfill(
                module, values, chunk=chunk, resume=resume, trigger=Trigger.CLI, on_run=self.print_run
            )
        except BackfillError as exc:
            raise CommandError(str(exc)) from exc
        if not chunk:
            self.print_run(runs[0])
        if not runs:
            self.stdout.write("every chunk of this range had already committed: nothing to do")
            return
        last = runs[-1]
        if last.status != Status.SUCCESS:
            hint = " (run the same command with --resume to go on from there)" if chunk else ""
            raise CommandError(f"run {last.pk} ended {last.status}{hint}")

    def print_run(self, run):
        chunk = run.backfill.get("chunk")
        where = f"chunk {chunk['number']} of {chunk['of']}, " if chunk else ""
        values = ", ".join(f"{k}={v}" for k, v in run.backfill["values"].items())
        self.stdout.write(f"backfill ({where}{values}): {run.summary_line()}")
