from django.core.management.base import BaseCommand

from pipekit_site.config_io import export_config


class Command(BaseCommand):
    help = (
        "Print every connection, module (with columns, watermarks, hooks) and group (with members "
        "and schedules) as YAML, the format import_config reads."
    )

    def handle(self, *args, **options):
        self.stdout.write(export_config(), ending="")
