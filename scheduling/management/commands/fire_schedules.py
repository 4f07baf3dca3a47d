from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from scheduling.tick import tick


class Command(BaseCommand):
    # Started by cron and the web for every run: the system checks belong to `check` and `doctor`,
    # not to each start.
    requires_system_checks = []
    help = (
        "One scheduler tick, as the crontab entry runs each minute: housekeeping, then a group run "
        "for every due schedule."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="Evaluate the schedules at this ISO time with a zone, e.g. 2026-03-08T07:00:00+00:00 "
            "(for tests and replays; default: the clock).",
        )

    def handle(self, *args, now=None, **options):
        if now is not None:
            try:
                now = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now {now!r} is not an ISO date and time") from None
            if now.tzinfo is None:
                raise CommandError(f"--now {now.isoformat()} needs a zone, e.g. +00:00")
        for run in tick(now):
            if options["verbosity"] >= 1:
                self.stdout.write(f"started group run {run.pk} of {run.group.name} ({run.trigger})")
