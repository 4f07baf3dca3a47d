from django.core.management.base import BaseCommand, CommandError

from scheduling.engine import run_group
from scheduling.models import Group, GroupRun
from syncs.engine import stop_on_sigterm
from syncs.management.queued import queued_record
from syncs.models import Status, Trigger
from syncs.notify import wait_for_notices


class Command(BaseCommand):
    # Started by cron and the web for every run: the system checks belong to `check` and `doctor`,
    # not to each start.
    requires_system_checks = []
    help = "Run a group's modules in order in the foreground (or execute a queued group run)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the group's name")
        parser.add_argument(
            "--dry-run", action="store_true", help="resolve and record the SQL, write nothing"
        )
        parser.add_argument("--group-run-id", type=int, help="execute this queued group run")

    def handle(self, *args, **options):
        try:
            self.run(*args, **options)
        finally:
            # A run's notices go out on their own thread; they are sent before the process ends.
            wait_for_notices()

    def run(self, *args, name=None, dry_run=False, group_run_id=None, **options):
        stop_on_sigterm()
        if bool(name) == bool(group_run_id):
            raise CommandError("give a group name or --group-run-id N")
        if group_run_id:
            group_run = queued_record(GroupRun.objects.select_related("group"), group_run_id, "group run")
            group_run = run_group(group_run.group, group_run=group_run, on_run=self.print_run)
        else:
            group = Group.objects.filter(name=name).first()
            if group is None:
                raise CommandError(f"there is no group named {name!r}")
            group_run = run_group(group, trigger=Trigger.CLI, dry_run=dry_run, on_run=self.print_run)
        seconds = group_run.duration.total_seconds() if group_run.duration else 0
        line = (
            f"group {group_run.group.name}: {group_run.status}, {group_run.runs.count()} runs, "
            f"{seconds:.1f} s (group run {group_run.pk})"
        )
        self.stdout.write(f"{line}: {group_run.error}" if group_run.error else line)
        if group_run.status not in (Status.SUCCESS, Status.DRY_RUN):
            raise CommandError(f"group run {group_run.pk} ended {group_run.status}")

    def print_run(self, run):
        self.stdout.write(run.summary_line())
