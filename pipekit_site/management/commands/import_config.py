from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pipekit_site.config_io import ConfigError, import_config


class Command(BaseCommand):
    help = (
        "Create or update the connections, modules and groups of a YAML file (the format of "
        "export_config), matched by name, in one transaction: a file with any problem changes nothing. "
        "Prints one line per entry: created, updated or unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The YAML file to import.")
        parser.add_argument(
            "--create-tables",
            action="store_true",
            help="Create each module's destination table from its columns where it does not exist.",
        )

    def handle(self, *args, file, create_tables, **options):
        try:
            text = Path(file).read_text()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            results = import_config(text, create_tables=create_tables)
        except ConfigError as exc:
            raise CommandError(
                f"{file}: nothing imported, {len(exc.problems)} problem(s):\n" + "\n".join(exc.problems)
            ) from None
        for line in results:
            self.stdout.write(line)
