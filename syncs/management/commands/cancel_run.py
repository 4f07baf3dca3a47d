from django.core.management.base import BaseCommand, CommandError

from syncs.models import RunLog, Status


class Command(BaseCommand):
    help = "Ask a queued or running run to stop; it ends cancelled within a few seconds."

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int)

    def handle(self, *args, run_id, **options):
        run = RunLog.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"there is no run {run_id}")
        if not run.request_cancel():
            raise CommandError(f"run {run_id} already finished ({run.status})")
        if run.status == Status.CANCELLED:
            self.stdout.write(f"Run {run_id} of {run.module.name} was cancelled before it started.")
        else:
            self.stdout.write(f"Cancel requested for run {run_id} of {run.module.name}.")
