from django.core.management.base import BaseCommand, CommandError

from syncs.engine import stop_on_sigterm
from syncs.management.queued import queued_record
from syncs.models import DIFFERENCE_KINDS, Module, Status, Trigger, Verification
from syncs.verify import verify_module


class Command(BaseCommand):
    requires_system_checks = []
    help = (
        "Compare a module's source rows (watermarks at their defaults) with its destination table, "
        "writing nothing, and print what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the module's name")
        parser.add_argument(
            "--verification-id", type=int, help="execute this queued verification (as the web and API do)"
        )

    def handle(self, *args, name=None, verification_id=None, **options):
        stop_on_sigterm()
        if bool(name) == bool(verification_id):
            raise CommandError("give a module name or --verification-id N")
        if verification_id:
            verification = queued_record(
                Verification.objects.select_related("module"), verification_id, "verification"
            )
            verification = verify_module(verification.module, verification=verification)
        else:
            module = Module.objects.filter(name=name).first()
            if module is None:
                raise CommandError(f"there is no module named {name!r}")
            verification = verify_module(module, trigger=Trigger.CLI)
        self.stdout.write(verification.summary_line())
        for kind, keys in verification.first_keys.items():
            for key in keys:
                values = ", ".join("NULL" if v is None else repr(v) for v in key)
                self.stdout.write(f"  {DIFFERENCE_KINDS[kind]}: {values}")
        for column, rows in verification.different_columns.items():
            self.stdout.write(f"  column {column} differs in {rows:,} rows")
        if verification.status != Status.SUCCESS:
            raise CommandError(f"verification {verification.pk} ended {verification.status}")
