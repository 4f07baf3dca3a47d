from django.core.management.base import BaseCommand

from connections.drivers import sync_drivers
from connections.models import Driver


class Command(BaseCommand):
    help = "Register the built-in JDBC drivers (sync) or show them with whether their jars exist (list)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sync", "list"])

    def handle(self, *args, action, **options):
        if action == "sync":
            changed = sync_drivers()
            self.stdout.write(f"drivers: {', '.join(changed) if changed else 'nothing'} changed")
            return
        for driver in Driver.objects.all():
            missing = driver.missing_jars()
            jars = "jars ok" if not missing else "missing " + ", ".join(missing)
            self.stdout.write(f"{driver.name:10} {driver.kind:9} {driver.class_name:40} {jars}")
