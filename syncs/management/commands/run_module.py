from django.core.management.base import BaseCommand, CommandError

from syncs.engine import run_module, stop_on_sigterm
from syncs.models import Module, RunLog, Status, Trigger


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

    def handle(self, *args, name=None, dry_run=False, force=False, run_id=None, **options):
        stop_on_sigterm()
        if bool(name) == bool(run_id):
            raise CommandError("give a module name or --run-id N")
        if run_id:
            run = RunLog.objects.select_related("module").filter(pk=run_id).first()
            if run is None:
                raise CommandError(f"there is no run {run_id}")
            if force:
                raise CommandError("--force goes with a module name: a queued run carries its own")
            if run.status != Status.QUEUED:
                raise CommandError(f"run {run_id} is {run.status}, not queued")
            run = run_module(
                run.module,
                trigger=run.trigger,
                dry_run=run.dry_run,
                run=run,
                triggered_by=run.triggered_by,
            )
        else:
            module = Module.objects.filter(name=name).first()
            if module is None:
                raise CommandError(f"there is no module named {name!r}")
            run = run_module(module, trigger=Trigger.CLI, dry_run=dry_run, force=force)
        self.stdout.write(run.summary_line())
        if run.status not in (Status.SUCCESS, Status.DRY_RUN):
            raise CommandError(f"run {run.pk} ended {run.status}")
