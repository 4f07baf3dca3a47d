from django.core.management.base import BaseCommand, CommandError

from syncs.locks import ModuleLocked, unlock
from syncs.models import Module


class Command(BaseCommand):
    help = "Clear a module's stale lock (left by a run whose process is gone) and say whose it was."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the module's name")

    def handle(self, *args, name, **options):
        module = Module.objects.filter(name=name).first()
        if module is None:
            raise CommandError(f"there is no module named {name!r}")
        try:
            holder = unlock(module, by="manage.py unlock")
        except ModuleLocked as exc:
            raise CommandError(
                f"{name} is held by run {exc.holder_id}, whose process is still running here; "
                f"stop it with: manage.py cancel_run {exc.holder_id}"
            ) from None
        if holder is None:
            self.stdout.write(f"{name} was not locked.")
            return
        where = f"pid {holder.pid} on {holder.host}" if holder.pid else "no process"
        self.stdout.write(
            f"Cleared the lock of {name} held by run {holder.pk} ({where}, started {holder.started_at}); "
            f"that run is now {holder.status}."
        )
